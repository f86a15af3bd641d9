#!/usr/bin/env bash
# Measures the virtual iPhone through Debian's idevicebackup2 (libimobiledevice-utils): pairing, a
# full backup of a phone of SIZE (default 2GiB), a day of use (the phone restarted with
# --live-days 1), and an incremental backup. Prints wall time and bytes of each step.
#
#   [VIA=wifi] crates/emulator/benches/idevicebackup2.sh [SIZE] [extra keepsake-virtual-iphone flags...]
#   e.g. crates/emulator/benches/idevicebackup2.sh 2GiB
#        crates/emulator/benches/idevicebackup2.sh 512MiB --bandwidth 35MB
#        VIA=wifi crates/emulator/benches/idevicebackup2.sh 2GiB   (idevicebackup2 -n: TCP to the
#        phone's lockdownd and services, as over Wi-Fi; pairing still goes over "USB")
#
# Release build; everything happens in a throwaway folder, removed at the end unless KEEP=1.
#
# Measured 2026-11-25 (2 cores shared with other builds, idevicebackup2 1.3.0-6+b3, 2GiB, seed 1;
# generating the phone takes 35-80 s first, mostly its SQLite databases):
#   USB:                 pair 0.8 s; full 11.0 s, 415 files, 2047.9 MiB (187 MiB/s), folder 2062 MiB;
#                        incremental after a day of use 3.0 s, 19 files, 213 MiB (the whole sms.db
#                        and Manifest.db travel again, as on a device)
#   VIA=wifi:            full 12.5 s (164 MiB/s); incremental 3.2 s
#   --bandwidth 35MB:    full 64.9 s (31.5 MiB/s = 33 MB/s under the 35 MB/s cap); incremental 8.0 s
set -euo pipefail
cd "$(dirname "$0")/../../.."
size=${1:-2GiB}
shift || true
command -v idevicebackup2 >/dev/null || { echo "idevicebackup2 is missing: run scripts/setup.sh" >&2; exit 1; }
cargo build --release --locked --quiet -p keepsake-emulator
phone="$(pwd)/target/release/keepsake-virtual-iphone"
work=$(mktemp -d -t keepsake-bench.XXXXXX)
backup="$work/backup"
mkdir -p "$backup"
case "${VIA:-usb}" in
  usb) link=(--no-wifi); network=() ;;
  wifi) link=(--usbmuxd-lists-wifi); network=(-n) ;;
  *) echo "VIA is usb or wifi" >&2; exit 1 ;;
esac

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
mib() { echo "scale=1; $1 / 1048576" | bc; }

start_phone() {
  local t0; t0=$(now)
  coproc PHONE { RUST_LOG=warn exec "$phone" "${link[@]}" --size "$size" --seed 1 --state-dir "$work/phone" "$@"; }
  read -r line <&"${PHONE[0]}"
  export "${line?}"
  read -r device <&"${PHONE[0]}"
  udid=$(echo "$device" | awk '{print $2}')
  printf '%-34s %8.1f s\n' "phone up ($*)" "$(since "$t0")"
}
stop_phone() {
  if [ -n "${PHONE_PID:-}" ]; then kill "$PHONE_PID" 2>/dev/null || true; wait "$PHONE_PID" 2>/dev/null || true; fi
}
cleanup() {
  stop_phone
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# One idevicebackup2 backup: wall time, files received, bytes written into the backup folder.
run_backup() {
  local label=$1; shift
  local marker="$work/marker.$label" t0 out secs files bytes
  touch "$marker"
  sleep 1 # file times have 1 s resolution on some filesystems: written files must be newer
  t0=$(now)
  out=$(idevicebackup2 "${network[@]}" -u "$udid" backup "$@" "$backup" 2>&1) || { echo "$out" | tail -20; exit 1; }
  secs=$(since "$t0")
  echo "$out" | grep -q "Backup Successful" || { echo "$out" | tail -20; exit 1; }
  files=$(echo "$out" | sed -n 's/^Received \([0-9]*\) files.*/\1/p' | tail -1)
  bytes=$(find "$backup/$udid" -type f -newer "$marker" -printf '%s\n' | awk '{s+=$1} END {printf "%d\n", s}')
  printf '%-34s %8.1f s  %6s files  %9s MiB written  %7.1f MiB/s\n' \
    "$label" "$secs" "${files:-?}" "$(mib "$bytes")" "$(echo "$bytes / 1048576 / $secs" | bc -l)"
}

echo "virtual iPhone of $size, seed 1, over ${VIA:-usb}, idevicebackup2 $(dpkg-query -W -f='${Version}' libimobiledevice-utils 2>/dev/null || echo '?')"
start_phone "$@"
t0=$(now)
idevicepair -u "$udid" pair >/dev/null
printf '%-34s %8.1f s\n' "pair" "$(since "$t0")"
run_backup "full backup" --full
total=$(du -sb "$backup/$udid" | cut -f1)
echo "backup folder: $(mib "$total") MiB"
stop_phone

start_phone --live-days 1 "$@"
run_backup "incremental after a day of use"
total=$(du -sb "$backup/$udid" | cut -f1)
echo "backup folder: $(mib "$total") MiB"
