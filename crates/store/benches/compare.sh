#!/usr/bin/env bash
# Keepsake's store against restic and borg (both encrypted) on one generated phone-like folder:
# first snapshot, unchanged snapshot, a day of use, deleting the two oldest snapshots with the
# space reclaimed, and a full restore. Prints wall time, repository size, peak memory and the ratio
# to each peer, the cold-read limit (every file read once with the cache dropped), and keepsake's
# peak memory on a set a quarter the size, to show it does not grow with the data. A benchmark,
# not a test: run it on a quiet machine.
#
#   apt-get install restic borgbackup        # the peers (Debian packages)
#   crates/store/benches/compare.sh          # 1 GB set; KEEPSAKE_BENCH_MB=256 for a quick run
#
# The page cache is dropped before each step when this runs as root (otherwise it says so).
set -euo pipefail

cd "$(dirname "$0")/../../.."
MB=${KEEPSAKE_BENCH_MB:-1024}
WORK=$(mktemp -d "${KEEPSAKE_BENCH_DIR:-/tmp}/keepsake-compare.XXXXXX")
trap 'rm -rf "$WORK" /dev/shm/keepsake-floor.$$' EXIT
SRC=$WORK/phone
export KEEPSAKE_PASSWORD=bench-password RESTIC_PASSWORD=bench-password BORG_PASSPHRASE=bench-password
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes

for tool in restic borg; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install restic borgbackup" >&2; exit 1; }
done
cargo build --release --quiet -p keepsake-cli
KEEPSAKE=${CARGO_TARGET_DIR:-$PWD/target}/release/keepsake
KEEPSAKE_BENCH_GENERATE=$SRC KEEPSAKE_BENCH_MB=$MB cargo bench --quiet -p keepsake-store --bench store_bench

drop_caches() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; else DROP_NOTE="(page cache NOT dropped: not root)"; fi
}
DROP_NOTE=""

declare -A T SIZE RSS
timed() { # step tool command...
  local step=$1 tool=$2; shift 2
  drop_caches
  local start end
  start=$(date +%s.%N)
  # Peak resident memory (KB) of the command and its children, by GNU time.
  /usr/bin/time -f %M -o "$WORK/rss" "$@" >/dev/null 2>"$WORK/$tool.err" || { echo "$tool $step failed:" >&2; cat "$WORK/$tool.err" >&2; exit 1; }
  end=$(date +%s.%N)
  T[$step,$tool]=$(echo "$end - $start" | bc)
  SIZE[$step,$tool]=$(du -sb "$WORK/repo-$tool" | cut -f1)
  RSS[$step,$tool]=$(tail -1 "$WORK/rss")
}

# The cold-read limit: every file read once, in path order, with the cache dropped (through a
# pipe: GNU tar skips reading when it writes to /dev/null).
drop_caches
start=$(date +%s.%N)
tar cf - -C "$SRC" . | cat >/dev/null
COLD_READ=$(echo "$(date +%s.%N) - $start" | bc)

# Two floors of this disk that no tool gets under. An unchanged snapshot must list and stat every
# file (cold); a first snapshot must read every file and write as many bytes durably, and on a
# disk whose reads and writes share one bandwidth that takes longer than the cold read alone.
drop_caches
start=$(date +%s.%N)
find "$SRC" -type f -printf '%s %T@ %i\n' >/dev/null
COLD_STAT=$(echo "$(date +%s.%N) - $start" | bc)
SET_BYTES=$(du -sb "$SRC" | cut -f1)
FLOOR_SRC=/dev/shm/keepsake-floor.$$
head -c "$SET_BYTES" /dev/urandom >"$FLOOR_SRC"
drop_caches
start=$(date +%s.%N)
tar cf - -C "$SRC" . | cat >/dev/null &
dd if="$FLOOR_SRC" of="$WORK/floor-write" bs=4M conv=fsync status=none
wait
READ_WRITE=$(echo "$(date +%s.%N) - $start" | bc)
rm -f "$FLOOR_SRC" "$WORK/floor-write"

K=$WORK/repo-keepsake R=$WORK/repo-restic B=$WORK/repo-borg
$KEEPSAKE store init "$K" >/dev/null
restic init -r "$R" >/dev/null 2>&1
borg init -e repokey "$B" >/dev/null 2>&1

backup_all() { # step
  timed "$1" keepsake "$KEEPSAKE" store add "$K" "$SRC" --device bench
  timed "$1" restic restic -r "$R" backup "$SRC"
  timed "$1" borg sh -c "cd '$SRC' && borg create '$B::$1' ."
}
backup_all first
backup_all unchanged
REALLY_NEW=$(KEEPSAKE_BENCH_DAY_OF_USE=$SRC cargo bench --quiet -p keepsake-store --bench store_bench | sed -n 's/^day of use: \([0-9.]*\) MB really new$/\1/p')
backup_all day

oldest=$($KEEPSAKE --json store snapshots "$K" | python3 -c 'import json,sys; print(" ".join(str(s["id"]) for s in json.load(sys.stdin)[:2]))')
# shellcheck disable=SC2086
timed reclaim keepsake sh -c "'$KEEPSAKE' store forget '$K' $oldest && '$KEEPSAKE' store gc '$K'"
timed reclaim restic restic -r "$R" forget --keep-last 1 --prune
timed reclaim borg sh -c "borg prune --keep-last 1 '$B' && borg compact '$B'"

newest=$($KEEPSAKE --json store snapshots "$K" | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
timed restore keepsake "$KEEPSAKE" store restore "$K" "$newest" "$WORK/out-keepsake"
rm -rf "$WORK/out-keepsake"
timed restore restic restic -r "$R" restore latest --target "$WORK/out-restic"
rm -rf "$WORK/out-restic"
mkdir -p "$WORK/out-borg"
timed restore borg sh -c "cd '$WORK/out-borg' && borg extract '$B::day'"
rm -rf "$WORK/out-borg"

DATA=$(du -sb "$SRC" | cut -f1)
echo
echo "$((DATA / 1000000)) MB phone-like folder $DROP_NOTE"
printf "%-10s %12s %12s %12s %10s %10s\n" step keepsake restic borg "k/restic" "k/borg"
for step in first unchanged day reclaim restore; do
  k=${T[$step,keepsake]} r=${T[$step,restic]} b=${T[$step,borg]}
  printf "%-10s %11.2fs %11.2fs %11.2fs %10.2f %10.2f\n" "$step" "$k" "$r" "$b" \
    "$(echo "$k / $r" | bc -l)" "$(echo "$k / $b" | bc -l)"
done
for step in first day reclaim; do
  k=${SIZE[$step,keepsake]} r=${SIZE[$step,restic]} b=${SIZE[$step,borg]}
  printf "%-10s %10sMB %10sMB %10sMB %10.2f %10.2f   (repository size)\n" "$step" \
    $((k / 1000000)) $((r / 1000000)) $((b / 1000000)) "$(echo "$k / $r" | bc -l)" "$(echo "$k / $b" | bc -l)"
done
for step in first day reclaim; do
  printf "%-10s %s / %s / %s bytes (keepsake / restic / borg)\n" "$step" \
    "${SIZE[$step,keepsake]}" "${SIZE[$step,restic]}" "${SIZE[$step,borg]}"
done
first_rate=$(echo "$DATA / ${T[first,keepsake]} / 1000000" | bc -l)
restore_rate=$(echo "$DATA / ${T[restore,keepsake]} / 1000000" | bc -l)
k=$(((SIZE[day,keepsake] - SIZE[unchanged,keepsake]) / 1000)) r=$(((SIZE[day,restic] - SIZE[unchanged,restic]) / 1000)) b=$(((SIZE[day,borg] - SIZE[unchanged,borg]) / 1000))
printf "day of use added %.1f / %.1f / %.1f MB (keepsake / restic / borg) for %s MB really new: keepsake %.2f x\n" \
  "$(echo "$k / 1000" | bc -l)" "$(echo "$r / 1000" | bc -l)" "$(echo "$b / 1000" | bc -l)" "$REALLY_NEW" \
  "$(echo "$k / 1000 / $REALLY_NEW" | bc -l)"
for step in first unchanged day reclaim restore; do
  k=${RSS[$step,keepsake]} r=${RSS[$step,restic]} b=${RSS[$step,borg]}
  printf "%-10s %10sMB %10sMB %10sMB %10.2f %10.2f   (peak memory)\n" "$step" \
    $((k / 1024)) $((r / 1024)) $((b / 1024)) "$(echo "$k / $r" | bc -l)" "$(echo "$k / $b" | bc -l)"
done
cold_rate=$(echo "$DATA / $COLD_READ / 1000000" | bc -l)
printf "cold read of every file: %.2fs (%.0f MB/s, the limit)\n" "$COLD_READ" "$cold_rate"
printf "floors of this disk: listing and stat of every file (cold) %.2fs; reading every file while writing as many bytes durably %.2fs\n" \
  "$COLD_STAT" "$READ_WRITE"
printf "keepsake: first snapshot %.0f MB/s (%.0f %% of the cold-read limit; %.0f %% of the read-while-writing floor), restore %.0f MB/s\n" \
  "$first_rate" "$(echo "100 * $first_rate / $cold_rate" | bc -l)" \
  "$(echo "100 * $READ_WRITE / ${T[first,keepsake]}" | bc -l)" "$restore_rate"

# Memory against data size: the first snapshot of a set a quarter the size, into a new repository.
SMALL_MB=$((MB / 4))
rm -rf "$SRC" "$WORK/out-"*
KEEPSAKE_BENCH_GENERATE=$WORK/small KEEPSAKE_BENCH_MB=$SMALL_MB cargo bench --quiet -p keepsake-store --bench store_bench >/dev/null
$KEEPSAKE store init "$WORK/repo-small" >/dev/null
drop_caches
/usr/bin/time -f %M -o "$WORK/rss" "$KEEPSAKE" store add "$WORK/repo-small" "$WORK/small" --device bench >/dev/null
small_rss=$(tail -1 "$WORK/rss")
printf "keepsake peak memory, first snapshot: %s MB for %s MB of data, %s MB for %s MB\n" \
  $((small_rss / 1024)) "$SMALL_MB" $((RSS[first,keepsake] / 1024)) "$MB"
