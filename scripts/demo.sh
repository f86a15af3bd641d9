#!/usr/bin/env bash
# The main job: back up the virtual iPhone, live a day of use on it, back it up again, and show the
# snapshot timeline with what the second backup cost. Everything happens in a throwaway folder
# (printed at the end); nothing touches your own settings or devices.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/setup.sh >&2
cargo build --locked --quiet -p keepsake-cli -p keepsake-emulator
keepsake="$root/target/debug/keepsake"
phone="$root/target/debug/keepsake-virtual-iphone"

work=$(mktemp -d -t keepsake-demo.XXXXXX)
export XDG_CONFIG_HOME="$work/config"          # Keepsake's settings for this demo only
location="$work/Backup Disk"                     # where the snapshots go
mkdir -p "$location"
content_mib=${KEEPSAKE_DEMO_MIB:-64}

start_phone() {
  # The virtual iPhone prints USBMUXD_SOCKET_ADDRESS=… first: that is where Keepsake finds it.
  coproc PHONE { RUST_LOG=warn exec "$phone" --devices 1 --state-dir "$work/phone" --size "${content_mib}MiB" "$@"; }
  read -r line <&"${PHONE[0]}"
  export "${line?}"
}
stop_phone() {
  if [ -n "${PHONE_PID:-}" ]; then kill "$PHONE_PID" 2>/dev/null || true; wait "$PHONE_PID" 2>/dev/null || true; fi
}

demo() {
  trap stop_phone EXIT
  echo "== The virtual iPhone is plugged in"
  start_phone
  "$keepsake" devices
  echo
  echo "== Trusting this computer"
  "$keepsake" pair
  echo
  echo "== First backup (--yes: accept the recommended backup settings, as the app's wizard would)"
  "$keepsake" backup --yes --location "$location"
  stop_phone
  echo
  echo "== A day of use: photos taken and deleted, messages, calls, an app installed, one removed"
  start_phone --live-days 1
  echo
  echo "== Second backup: only what changed travels and is stored"
  "$keepsake" backup --location "$location"
  stop_phone
  echo
  echo "== Snapshot timeline"
  "$keepsake" timeline --location "$location"
  echo
  echo "== What the day of use changed, per domain and app"
  "$keepsake" diff 1 2 --location "$location"
  echo
  echo "== The first snapshot, browsed: its domains and apps, largest first"
  "$keepsake" browse 1 --location "$location"
  echo
  echo "Demo files are in $work"
}

# The snapshot store's key is kept in the OS credential store: give the demo a private one.
export -f demo start_phone stop_phone
export keepsake phone work location content_mib
scripts/with-keyring.sh bash -c demo
