#!/usr/bin/env bash
# The main job. For now: build the keepsake CLI and show what it can do. (The backup-engine work
# turns this into the demo that backs up the virtual iPhone twice and prints the snapshot timeline.)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --quiet -p keepsake-cli
./target/debug/keepsake --help
