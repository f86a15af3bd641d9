#!/usr/bin/env bash
# Runs every Keepsake test: formatting, lints, Rust unit/integration/interop tests, a few seconds
# of fuzzing per parser (scripts/fuzz.sh --smoke; its cold build is part of that step), the UI's type
# check and unit tests, the desktop app end to end under Xvfb through WebDriver, and the Debian
# package (built from the same debug build, installed, run, removed).
#
# The workspace is compiled once for tests (`cargo build --workspace --all-targets`: one feature
# selection); the test runner, the end-to-end tests and the .deb all use that build. Each step has
# a time limit, so a hang fails fast, and the time every step took is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

times=()
started=$SECONDS
# step NAME LIMIT CMD...: runs CMD with a time limit (coreutils timeout: TERM, then KILL 30 s on).
step() {
  local name=$1 limit=$2
  shift 2
  printf '\n==> %s (limit %s)\n' "$name" "$limit" >&2
  local t0=$SECONDS rc=0
  timeout --kill-after=30 "$limit" "$@" || rc=$?
  times+=("$(printf '%6d s  %s' $((SECONDS - t0)) "$name")")
  if ((rc)); then
    ((rc == 124)) && printf 'test.sh: "%s" ran past its limit of %s\n' "$name" "$limit" >&2
    summary
    exit "$rc"
  fi
}
summary() {
  printf '\n==> time per step\n' >&2
  printf '%s\n' "${times[@]}" >&2
  printf '%6d s  all\n' $((SECONDS - started)) >&2
}

if command -v cargo-nextest >/dev/null 2>&1; then
  runner=(cargo nextest run --workspace --locked --no-fail-fast)
  interop=(cargo nextest run --workspace --locked --run-ignored only
    -E '(package(keepsake-mobilesync) & binary(interop)) | (package(keepsake-core) & binary(encrypted_dedup))')
else
  runner=(cargo test --workspace --locked --no-fail-fast)
  interop=(cargo test --workspace --locked --test interop --test encrypted_dedup -- --ignored)
fi

step "setup (Debian packages, tauri-driver, npm ci, Python venv)" 25m scripts/setup.sh
step "cargo fmt --check" 2m cargo fmt --all -- --check
step "UI build (the app embeds ui/dist)" 5m bash -c 'cd ui && npm run --silent build'
step "cargo clippy" 25m cargo clippy --workspace --all-targets --locked -- -D warnings
step "build every target once (tests, binaries, examples)" 30m \
  cargo build --workspace --all-targets --locked
step "Rust tests (inside a private D-Bus session with an unlocked GNOME Keyring)" 25m \
  scripts/with-keyring.sh "${runner[@]}"
# The fuzz targets build with flags of their own (about 7 minutes cold on 2 cores): the build
# runs aside, at a lower priority, while the end-to-end tests mostly wait on the app, and the
# fuzz step at the end finds it done (it builds again, and says why, if the aside build failed).
mkdir -p fuzz/target/logs
rm -f fuzz/target/logs/aside-build.done
(nice -n 10 bash scripts/fuzz.sh --build >fuzz/target/logs/aside-build.log 2>&1
  touch fuzz/target/logs/aside-build.done) &
fuzz_build=$!
trap 'kill "$fuzz_build" 2>/dev/null || true' EXIT
step "interop: third-party readers (iphone_backup_decrypt, iOSbackup) read our backups" 10m \
  scripts/with-keyring.sh env KEEPSAKE_INTEROP_PYTHON="$PWD/.venv/bin/python" "${interop[@]}"
step "UI type check and unit tests" 5m bash -c 'cd ui && npm run --silent typecheck && npx vitest run'
step "desktop app end to end (Xvfb + tauri-driver + WebKitWebDriver)" 20m \
  .venv/bin/python -m pytest tests/e2e -q --timeout=480
step "Debian package: from the debug build, inspect, install with apt, run, remove" 10m \
  bash tests/bundle/test_deb.sh --debug
step "fuzz: every parser target for a few seconds (scripts/fuzz.sh)" 15m \
  bash -c 'until [[ -e fuzz/target/logs/aside-build.done ]]; do sleep 2; done
    bash scripts/fuzz.sh --smoke 3'
summary
