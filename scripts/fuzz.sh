#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, cargo-fuzz) of every parser of device or disk input: the
# targets in fuzz/fuzz_targets, one after another, each from its committed seeds
# (fuzz/corpus/<target>) plus what earlier runs found (fuzz/target/corpus/<target>, not committed).
#
#   scripts/fuzz.sh [RUNS] [TARGET...]    at least RUNS executions per target (default 10000000)
#   scripts/fuzz.sh --smoke SECONDS [TARGET...]   SECONDS per target (the test command's step)
#   scripts/fuzz.sh --build    only build the targets (scripts/test.sh starts it early, aside)
#   FUZZ_MAX_SECONDS=N scripts/fuzz.sh ...   no target runs longer than N seconds (a campaign that
#                                            must end in time: a target may then stop short)
#
# Prints executions, exec/s, coverage (libFuzzer's final cov/ft) and crashes per target; exits
# nonzero if any target crashed, panicked, hung or ran out of memory. A crash's input is in
# fuzz/artifacts/<target>/; replay it with fuzz/target/<triple>/release/<target> FILE.
# Stable Rust only: RUSTC_BOOTSTRAP=1 lets cargo-fuzz's -Z flags through. No sanitizer: the code
# is safe Rust (panics, overflows and debug assertions are what it catches), and AddressSanitizer
# doubled the cold build (see fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=10000000
seconds=
build_only=
if [[ ${1:-} == --build ]]; then
  build_only=1
  shift
elif [[ ${1:-} == --smoke ]]; then
  seconds=${2:?"usage: scripts/fuzz.sh --smoke SECONDS [TARGET...]"}
  shift 2
elif [[ ${1:-} =~ ^[0-9]+$ ]]; then
  runs=$1
  shift
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz.sh: cargo-fuzz is missing; scripts/setup.sh installs it" >&2
  exit 1
fi

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$PWD/fuzz/target"
triple=$(rustc -vV | sed -n 's/^host: //p')
bin="$CARGO_TARGET_DIR/$triple/release"

if (($#)); then
  targets=("$@")
else
  mapfile -t targets < <(cd fuzz && cargo fuzz list)
fi

mkdir -p fuzz/target/logs
t0=$SECONDS
echo "fuzz.sh: building the targets (log: fuzz/target/logs/build.log)" >&2
if ! (cd fuzz && cargo fuzz build --sanitizer none) >fuzz/target/logs/build.log 2>&1; then
  tail -40 fuzz/target/logs/build.log >&2
  exit 1
fi
echo "fuzz.sh: built in $((SECONDS - t0)) s" >&2
[[ -n $build_only ]] && exit 0

rows=()
failed=0
for t in "${targets[@]}"; do
  work=fuzz/target/corpus/$t
  artifacts=fuzz/artifacts/$t
  log=fuzz/target/logs/$t.log
  mkdir -p "$work" "$artifacts" "fuzz/corpus/$t"
  before=$(find "$artifacts" -type f | wc -l)
  # Inputs up to 4 KiB, but whole conversations and databases for the two targets that need them
  # (libFuzzer otherwise takes the largest seed's size for every input it makes, and slows down).
  case $t in
    mobilebackup2_host) max_len=131072 ;;
    manifest_db) max_len=32768 ;;
    *) max_len=4096 ;;
  esac
  args=(-print_final_stats=1 -timeout=30 -rss_limit_mb=2048 "-max_len=$max_len"
    "-artifact_prefix=$artifacts/")
  if [[ -n $seconds ]]; then
    args+=("-max_total_time=$seconds")
  else
    args+=("-runs=$runs")
    [[ -n ${FUZZ_MAX_SECONDS:-} ]] && args+=("-max_total_time=$FUZZ_MAX_SECONDS")
  fi
  echo "fuzz.sh: $t (log: $log)" >&2
  t1=$SECONDS
  rc=0
  "$bin/$t" "${args[@]}" "$work" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  # libFuzzer's status lines (`#N ... cov: C ft: F ...`), not a panic message's "left: ".
  cov=$(grep '^#' "$log" | grep -o ' cov: [0-9][0-9]*' | tail -1 | cut -d' ' -f3)
  ft=$(grep '^#' "$log" | grep -o ' ft: [0-9][0-9]*' | tail -1 | cut -d' ' -f3)
  crashes=$(($(find "$artifacts" -type f | wc -l) - before))
  # 72: libFuzzer interrupted (SIGINT), which ends a run early but finds nothing wrong.
  if ((rc)) && ((rc != 72)) && ((crashes == 0)); then crashes=1; fi
  if ((crashes)); then
    failed=1
    echo "fuzz.sh: $t FAILED (exit $rc); its log:" >&2
    grep -v '^#' "$log" | tail -40 >&2
  fi
  rows+=("$(printf '%-22s %12s %9s %7s %8s %7s %6d s' "$t" "${execs:-?}" "${speed:-?}" \
    "${cov:-?}" "${ft:-?}" "$crashes" $((SECONDS - t1)))")
done

printf '\n%-22s %12s %9s %7s %8s %7s %8s\n' target executions exec/s cov ft crashes time
printf '%s\n' "${rows[@]}"
exit "$failed"
