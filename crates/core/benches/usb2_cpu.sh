#!/usr/bin/env bash
# The CPU one first backup at USB 2 speed costs the host, for one or more builds side by side
# (issue 18's "<= 15 % of a core"): the virtual iPhone (512 MiB, seed 41, capped at 35 MB/s),
# `keepsake backup` into a new location under /usr/bin/time, RUNS times per build and mode, the
# builds alternated so a noisy machine weighs on each alike.
#
#   crates/core/benches/usb2_cpu.sh BIN_DIR...     # RUNS=3 MODES="plain encrypted" SIZE=512MiB
#
# Each BIN_DIR holds a release `keepsake` and `keepsake-virtual-iphone` (copy them out of
# target/release to compare builds). Set PERF=file to record the last run with perf (dwarf call
# graphs). Run under scripts/with-keyring.sh. A benchmark, not a test. Besides the CPU it
# prints minor page faults, what the location stores, and "link %": the file bytes received
# over the time the device was sending, against the 35 MB/s link (the goal: >= 98 %).
#
# The phone is paired and the location set up first (`keepsake pair`, `keepsake locations
# set-up`, not measured): pairing makes the computer's RSA keys once in its life, and setting a
# location up derives its key slots' keys (Argon2, deliberately costly: a fifth of a CPU second)
# once in the disk's life, as the app's wizard does before the first backup. Neither is part of
# what a backup costs. PAIR=0 measures both too.
set -euo pipefail
cd "$(dirname "$0")/../../.."
(($#)) || { echo "usage: $0 BIN_DIR..." >&2; exit 2; }
runs=${RUNS:-3} size=${SIZE:-512MiB}
read -r -a modes <<<"${MODES:-plain encrypted}"
password=bench-backup-password
export KEEPSAKE_STORE_PASSWORD=bench-store-password
# shellcheck source=crates/core/benches/virtual_phone.sh
source crates/core/benches/virtual_phone.sh
work=$(mktemp -d "${KEEPSAKE_BENCH_DIR:-/tmp}/keepsake-usb2cpu.XXXXXX")
trap 'phone_stop; rm -rf "$work"' EXIT
printf '%-40s %-10s %8s %8s %8s %7s %9s %9s %7s\n' build mode "wall s" "user s" "sys s" "core %" "faults" "stored MiB" "link %"
for ((r = 1; r <= runs; r++)); do
  for mode in "${modes[@]}"; do
    for bin in "$@"; do
      run="$work/run" && rm -rf "$run" && mkdir -p "$run/disk"
      export XDG_CONFIG_HOME="$run/config"
      enc=() env=(env -u KEEPSAKE_BACKUP_PASSWORD)
      [[ $mode == encrypted ]] && enc=(--encrypted "$password") env=(env KEEPSAKE_BACKUP_PASSWORD="$password")
      perf=()
      [[ -n ${PERF:-} && $r == "$runs" ]] && perf=(perf record -q -e cpu-clock -F 400 --call-graph dwarf,16384 -o "$PERF")
      phone_start --seed 41 --state-dir "$run/phone" --size "$size" --bandwidth 35MB "${enc[@]}"
      if [[ ${PAIR:-1} != 0 ]]; then
        "$bin/keepsake" pair "$udid" >/dev/null
        "$bin/keepsake" locations set-up "$run/disk" >/dev/null
      fi
      "${env[@]}" /usr/bin/time -f '%e %U %S %R' -o "$run/time" "${perf[@]}" "$bin/keepsake" --json \
        backup "$udid" --yes --location "$run/disk" >"$run/out.json" 2>"$run/err" ||
        { tail -20 "$run/err" >&2; exit 1; }
      phone_stop
      read -r wall user sys faults <"$run/time"
      printf '%-40s %-10s %8s %8s %8s %7s %9s %9s %7s\n' "$bin" "$mode" "$wall" "$user" "$sys" \
        "$(echo "scale=1; 100 * ($user + $sys) / $wall" | bc)" "$faults" \
        "$(du -sb "$run/disk" | awk '{printf "%.1f", $1 / 1048576}')" \
        "$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print("%.1f" % (100 * r["bytes_received"] / r["transfer_seconds"] / 35e6))' "$run/out.json")"
    done
  done
done
