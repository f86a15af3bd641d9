#!/usr/bin/env bash
# Keepsake's backup against the pair people use today: `idevicebackup2` into a folder, then
# `restic backup` of that folder (encrypted, deduplicated snapshots). Same virtual iPhone, one
# run: the first backup, then a day of use and the next backup. Prints wall time, the bytes each
# side keeps on disk, and Keepsake's peak memory (max RSS), for the issue's goals: Keepsake at
# most 0.5 x the pair's time, and memory flat in the device's size (run it at two sizes).
#
#   crates/core/benches/backup_vs_peers.sh [SIZE]      # default 2GiB; e.g. 512MiB
#
# Needs idevicebackup2 and restic (scripts/setup.sh installs the first; `apt-get install restic`).
# Measured 2026-11-25, 2 cores shared with other builds (load 2-5), release, idevicebackup2
# 1.3.0-6+b3, restic 0.14.0 (time in s; ratio = Keepsake / (idevicebackup2 + restic)):
#   size    step          Keepsake  idevicebackup2 + restic   ratio  Keepsake RSS
#   2 GiB   first backup   26.4      16.8 + 41.5 = 58.3        0.45   68 MiB
#   2 GiB   day of use      2.6       3.7 +  3.5 =  7.3        0.35   70 MiB
#   512 MiB first backup    3.6       3.1 +  6.5 =  9.7        0.38   67 MiB
#   256 MiB first backup    3.2       1.9 +  3.5 =  5.4        0.59   58 MiB (before the store's
#           packing thread and the single repository opening)
# A benchmark, not a test: run it on a quiet machine. Release builds; a throwaway folder, removed
# at the end unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/../../.."
size=${1:-2GiB}
for tool in idevicebackup2 idevicepair restic bc /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/setup.sh; apt-get install restic bc time)" >&2; exit 1; }
done
cargo build --release --locked --quiet -p keepsake-emulator -p keepsake-cli
bin="$(pwd)/target/release"
work=$(mktemp -d "${KEEPSAKE_BENCH_DIR:-/tmp}/keepsake-vs-peers.XXXXXX")
export XDG_CONFIG_HOME="$work/config" # Keepsake's host id and job locks, not the user's
export KEEPSAKE_STORE_PASSWORD=bench-password RESTIC_PASSWORD=bench-password
folder="$work/idevicebackup2"
restic_repo="$work/restic"
location="$work/keepsake-disk"
mkdir -p "$folder" "$location"

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
mib() { echo "scale=1; $1 / 1048576" | bc; }
bytes_in() { du -sb "$1" | cut -f1; }

# shellcheck source=crates/core/benches/virtual_phone.sh
source crates/core/benches/virtual_phone.sh
start_phone() { phone_start --size "$size" --seed 1 --state-dir "$work/phone" "$@"; }
stop_phone() { phone_stop; }
cleanup() {
  stop_phone
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

declare -A T
timed() { # key command...
  local key=$1 t0; shift
  t0=$(now)
  "$@" >"$work/$key.out" 2>&1 || { echo "$key failed:" >&2; tail -20 "$work/$key.out" >&2; exit 1; }
  T[$key]=$(since "$t0")
}
keepsake_backup() { # key
  timed "$1" /usr/bin/time -f '%M %U %S' -o "$work/$1.rss" "$bin/keepsake" backup "$udid" --yes --location "$location"
}

echo "virtual iPhone of $size (seed 1); idevicebackup2 $(dpkg-query -W -f='${Version}' libimobiledevice-utils 2>/dev/null || echo '?'), $(restic version | cut -d' ' -f1-2)"
start_phone
idevicepair -u "$udid" pair >/dev/null
restic init --repo "$restic_repo" >/dev/null

keepsake_backup first.keepsake
timed first.idevicebackup2 idevicebackup2 -u "$udid" backup --full "$folder"
timed first.restic restic --repo "$restic_repo" backup --quiet "$folder"
first_keepsake=$(bytes_in "$location")
first_restic=$(bytes_in "$restic_repo")
first_folder=$(bytes_in "$folder")
stop_phone

start_phone --live-days 1
keepsake_backup day.keepsake
timed day.idevicebackup2 idevicebackup2 -u "$udid" backup "$folder"
timed day.restic restic --repo "$restic_repo" backup --quiet "$folder"
day_keepsake=$(( $(bytes_in "$location") - first_keepsake ))
day_restic=$(( $(bytes_in "$restic_repo") - first_restic ))
stop_phone

row() { # label keepsake-key peers-prefix keepsake-bytes restic-bytes
  local k=${T[$2]} i=${T[$3.idevicebackup2]} r=${T[$3.restic]}
  local pair; pair=$(echo "$i + $r" | bc)
  printf '%-18s %9.1f s %11.1f s + %6.1f s = %7.1f s   %5.2f   %9s MiB  %9s MiB   %6s MiB\n' \
    "$1" "$k" "$i" "$r" "$pair" "$(echo "$k / $pair" | bc -l)" "$(mib "$4")" "$(mib "$5")" \
    "$(( $(cut -d' ' -f1 "$work/$2.rss") / 1024 ))"
}
echo
printf '%-18s %11s %31s   %5s   %13s  %13s   %10s\n' "step" "Keepsake" "idevicebackup2 + restic" "ratio" "Keepsake adds" "restic adds" "Keepsake RSS"
row "first backup" first.keepsake first "$first_keepsake" "$first_restic"
row "after a day" day.keepsake day "$day_keepsake" "$day_restic"
for k in first.keepsake day.keepsake; do
  read -r _ user sys <"$work/$k.rss"
  echo "Keepsake CPU in $k: ${user} s user, ${sys} s system"
done
echo "(idevicebackup2's own folder: $(mib "$first_folder") MiB more on disk for the pair; ratio = Keepsake / pair; goal <= 0.5)"
