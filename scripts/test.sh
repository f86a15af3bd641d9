#!/usr/bin/env bash
# Runs every Keepsake test: formatting, lints, Rust unit/integration/interop tests, the UI's type
# check and unit tests, and the desktop app end to end under Xvfb through WebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*" >&2; }

step "setup (Debian packages, tauri-driver, npm ci, Python venv)"
scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "UI build (the app embeds ui/dist)"
(cd ui && npm run --silent build)

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests (inside a private D-Bus session with an unlocked GNOME Keyring)"
if command -v cargo-nextest >/dev/null 2>&1; then
  scripts/with-keyring.sh cargo nextest run --workspace --locked --no-fail-fast
else
  scripts/with-keyring.sh cargo test --workspace --locked --no-fail-fast
fi

step "interop: third-party readers (iphone_backup_decrypt, iOSbackup) read the backups we write"
KEEPSAKE_INTEROP_PYTHON="$PWD/.venv/bin/python" cargo test --locked -p keepsake-mobilesync --test interop -- --ignored

step "UI type check and unit tests"
(cd ui && npm run --silent typecheck && npx vitest run)

step "desktop app end to end (Xvfb + tauri-driver + WebKitWebDriver)"
cargo build --locked -p keepsake-app -p keepsake-cli -p keepsake-emulator
.venv/bin/python -m pytest tests/e2e -q

step "Debian package: build (release), inspect, install with apt, run, remove (tests/bundle/test_deb.sh)"
bash tests/bundle/test_deb.sh
