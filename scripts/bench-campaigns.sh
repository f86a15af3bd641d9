#!/usr/bin/env bash
# The long campaigns whose short seeded slices run in the test command: single-bit flips of a
# repository, each followed by open + check (crates/store/tests/bit_flips.rs). Prints each
# campaign's seed and its classes. Usage: scripts/bench-campaigns.sh [FLIPS] (default 20000);
# KEEPSAKE_FLIP_SEED=N replays a campaign.
set -euo pipefail
cd "$(dirname "$0")/.."
flips=${1:-20000}
seed=${KEEPSAKE_FLIP_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "bit flips: $flips, seed $seed"
KEEPSAKE_FLIPS=$flips KEEPSAKE_FLIP_SEED=$seed \
  cargo test --release -p keepsake-store --test bit_flips -- --nocapture every_bit_flip
