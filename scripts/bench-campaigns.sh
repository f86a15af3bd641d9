#!/usr/bin/env bash
# The long campaigns whose short seeded slices run in the test command:
# - single-bit flips of a repository, each followed by open + check (crates/store/tests/bit_flips.rs);
# - kills, power cuts, a full disk and a failing disk at the N-th change to the disk of every
#   operation that writes (crates/core/tests/crash_campaign.rs): FAULTS points per operation
#   and kind (an operation with fewer changes is faulted at every one of them).
# Prints each campaign's seed and where its faults landed. Usage:
#   scripts/bench-campaigns.sh [FLIPS] [FAULTS]     (defaults 20000 and 150)
# KEEPSAKE_FLIP_SEED=N / KEEPSAKE_CAMPAIGN_SEED=N replay a campaign; with
# KEEPSAKE_CAMPAIGN_POINT=n and KEEPSAKE_CAMPAIGN_OPERATION=<child_...> one fault.
set -euo pipefail
cd "$(dirname "$0")/.."
flips=${1:-20000}
faults=${2:-150}
seed=${KEEPSAKE_FLIP_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "bit flips: $flips, seed $seed"
KEEPSAKE_FLIPS=$flips KEEPSAKE_FLIP_SEED=$seed \
  cargo test --release -p keepsake-store --test bit_flips -- --nocapture every_bit_flip
campaign_seed=${KEEPSAKE_CAMPAIGN_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "faults: $faults per operation and kind, seed $campaign_seed"
KEEPSAKE_CAMPAIGN_FAULTS=$faults KEEPSAKE_CAMPAIGN_SEED=$campaign_seed \
  scripts/with-keyring.sh cargo test --release -p keepsake-core --test crash_campaign -- \
  --nocapture --test-threads=1
