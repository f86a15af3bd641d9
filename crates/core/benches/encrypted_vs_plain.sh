#!/usr/bin/env bash
# What backup encryption costs (issue 18): the same virtual iPhone (same seed and size), backed
# up unencrypted and encrypted (the backup password given, so the snapshots keep the files
# decrypted under the location's own encryption), each into a location of its own: the first
# backup, then DAYS days of use, each followed by a backup. Then the same first backup at USB 2
# speed (the phone capped at 35 MB/s): how much of the link the host keeps busy, and how much of
# a core it spends doing so.
#
#   crates/core/benches/encrypted_vs_plain.sh [SIZE...]     # default: 512MiB 2GiB; DAYS=7
#
# Goals: bytes added per day encrypted <= 1.2 x unencrypted; first snapshot stored <= 1.05 x and
# its time <= 1.3 x; peak memory flat in the phone's size; at USB 2 speed >= 98 % of the link and
# <= 15 % of a core, encrypted and unencrypted alike.
# Run under scripts/with-keyring.sh (a new location keeps this computer's key there).
# A benchmark, not a test: run it on a quiet machine. Release builds; a throwaway folder, removed
# at the end unless KEEP=1. Results of a run (2026-12-02: stored 1.000x first and per day; first
# backup time 1.49-1.51x on loopback, 1.03-1.07x at USB 2 speed; 99.7-99.9 % of the link while
# the phone sends; 17-21 % of a core) are in docs/encrypted-dedup.md.
set -euo pipefail
cd "$(dirname "$0")/../../.."
sizes=("$@")
((${#sizes[@]})) || sizes=(512MiB 2GiB)
days=${DAYS:-7}
link=35000000
for tool in bc python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install bc time)" >&2; exit 1; }
done
cargo build --release --locked --quiet -p keepsake-emulator -p keepsake-cli
bin="$(pwd)/target/release"
work=$(mktemp -d "${KEEPSAKE_BENCH_DIR:-/tmp}/keepsake-encrypted.XXXXXX")
export XDG_CONFIG_HOME="$work/config" # Keepsake's host id and job locks, not the user's
export KEEPSAKE_STORE_PASSWORD=bench-store-password
password=bench-backup-password

# shellcheck source=crates/core/benches/virtual_phone.sh
source crates/core/benches/virtual_phone.sh
start_phone() { # state-dir extra-args...
  local state=$1
  shift
  phone_start --seed 41 --state-dir "$state" "$@"
}
stop_phone() { phone_stop; }
cleanup() {
  stop_phone
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# backup KEY MODE LOCATION: one `keepsake backup`, its report in KEY.json, its time, peak memory
# and CPU in KEY.time ("wall rss_kib user sys").
backup() {
  local key=$1 mode=$2 location=$3
  local env=(env -u KEEPSAKE_BACKUP_PASSWORD)
  [[ $mode == encrypted ]] && env=(env KEEPSAKE_BACKUP_PASSWORD="$password")
  if ! "${env[@]}" /usr/bin/time -f '%e %M %U %S' -o "$work/$key.time" \
    "$bin/keepsake" --json backup "$udid" --yes --location "$location" >"$work/$key.json" 2>"$work/$key.err"; then
    echo "$key failed:" >&2
    tail -20 "$work/$key.err" >&2
    exit 1
  fi
}
field() { # KEY python-expression-on-report
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$work/$1.json"
}

declare -A first_stored first_time first_rss first_cpu day_added day_max usb_time usb_rate usb_link usb_transfer_link usb_core
for size in "${sizes[@]}"; do
  for mode in plain encrypted; do
    tag="$size-$mode"
    location="$work/$tag/disk"
    mkdir -p "$location"
    enc=()
    [[ $mode == encrypted ]] && enc=(--encrypted "$password")
    echo "$tag: first backup, then $days days" >&2
    start_phone "$work/$tag/phone" --size "$size" "${enc[@]}"
    backup "$tag.first" "$mode" "$location"
    stop_phone
    read -r wall rss user sys <"$work/$tag.first.time"
    first_stored[$tag]=$(field "$tag.first" "r['snapshot']['added_bytes']")
    first_time[$tag]=$wall
    first_rss[$tag]=$((rss / 1024))
    first_cpu[$tag]=$(echo "$user + $sys" | bc)
    total=0 max=0
    for ((d = 1; d <= days; d++)); do
      start_phone "$work/$tag/phone" --size "$size" "${enc[@]}" --live-days 1
      backup "$tag.day$d" "$mode" "$location"
      stop_phone
      added=$(field "$tag.day$d" "r['snapshot']['added_bytes']")
      total=$((total + added))
      ((added > max)) && max=$added
      read -r _ rss _ _ <"$work/$tag.day$d.time"
      ((rss / 1024 > first_rss[$tag])) && first_rss[$tag]=$((rss / 1024))
    done
    day_added[$tag]=$((total / days))
    day_max[$tag]=$max

    echo "$tag: first backup at USB 2 speed" >&2
    usb="$work/$tag-usb"
    mkdir -p "$usb/disk"
    start_phone "$usb/phone" --size "$size" "${enc[@]}" --bandwidth 35MB
    backup "$tag.usb" "$mode" "$usb/disk"
    stop_phone
    read -r wall _ user sys <"$work/$tag.usb.time"
    received=$(field "$tag.usb" "r['bytes_received']")
    transfer=$(field "$tag.usb" "r['transfer_seconds']")
    usb_time[$tag]=$wall
    usb_rate[$tag]=$(echo "scale=1; $received / $wall / 1000000" | bc)
    usb_link[$tag]=$(echo "scale=1; 100 * $received / $wall / $link" | bc)
    usb_transfer_link[$tag]=$(echo "scale=1; 100 * $received / $transfer / $link" | bc)
    usb_core[$tag]=$(echo "scale=1; 100 * ($user + $sys) / $wall" | bc)
  done
done

mb() { echo "scale=1; $1 / 1000000" | bc; }
ratio() { echo "scale=3; $1 / $2" | bc; }
echo
echo "virtual iPhone seed 41; $days days of use; release build; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# USB 2: the whole command (pairing, transfer, saving, the read-back verification), its rate and
# share of the link; "xfer link %" is the share of the link while the phone was sending (what
# a phone on the cable waits for); core % is the command's CPU over its wall time.
printf '%-8s %-10s %12s %8s %9s %8s %13s %11s %7s %9s %7s %11s %7s\n' size mode "first MB" "first s" "first cpu" "RSS MiB" "MB/day (avg)" "MB/day max" "USB2 s" "USB2 MB/s" "link %" "xfer link %" "core %"
for size in "${sizes[@]}"; do
  for mode in plain encrypted; do
    t="$size-$mode"
    printf '%-8s %-10s %12s %8s %9s %8s %13s %11s %7s %9s %7s %11s %7s\n' "$size" "$mode" \
      "$(mb "${first_stored[$t]}")" "${first_time[$t]}" "${first_cpu[$t]}" "${first_rss[$t]}" \
      "$(mb "${day_added[$t]}")" "$(mb "${day_max[$t]}")" "${usb_time[$t]}" "${usb_rate[$t]}" \
      "${usb_link[$t]}" "${usb_transfer_link[$t]}" "${usb_core[$t]}"
  done
  p="$size-plain" e="$size-encrypted"
  printf '%-8s %-10s %12s %8s %9s %8s %13s %11s %7s\n' "$size" "enc/plain" \
    "$(ratio "${first_stored[$e]}" "${first_stored[$p]}")" "$(ratio "${first_time[$e]}" "${first_time[$p]}")" \
    "" "" "$(ratio "${day_added[$e]}" "${day_added[$p]}")" "$(ratio "${day_max[$e]}" "${day_max[$p]}")" \
    "$(ratio "${usb_time[$e]}" "${usb_time[$p]}")"
done
