#!/usr/bin/env bash
# The offsite benchmark (issue 20): the same snapshots copied to the same S3 endpoint (the
# loopback SeaweedFS cluster of scripts/s3-cluster.sh) by Keepsake and by restic.
#
#   scripts/bench-offsite.sh [MB]        (default 256: the first snapshot's size)
#
# Two snapshots of a folder of 1 MiB random files (the second with a tenth of them replaced).
# Keepsake: `keepsake store add` locally, then `keepsake offsite push` after each: the timed
# part is the push. restic: the same two snapshots into a local restic repository, then
# `restic copy` to the bucket after each (restic's way to copy snapshots offsite): the timed part
# is the copy; `restic backup` straight to the bucket is timed too. Prints seconds and the
# bytes the bucket holds afterwards. Needs restic (Debian: apt install restic) and a release
# build of keepsake (cargo build --release -p keepsake-cli).
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-256}
KEEPSAKE=${KEEPSAKE:-target/release/keepsake}
[ -x "$KEEPSAKE" ] || { echo "build it first: cargo build --release -p keepsake-cli" >&2; exit 1; }
command -v restic >/dev/null || { echo "restic is missing (apt install restic)" >&2; exit 1; }
work=$(mktemp -d /tmp/keepsake-bench-offsite.XXXXXX)
trap 'bash scripts/s3-cluster.sh stop "$work/s3" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
bash scripts/s3-cluster.sh start "$work/s3" >/dev/null
# shellcheck disable=SC1091
source "$work/s3/env"
for b in keepsake restic-copy restic-backup; do bash scripts/s3-cluster.sh bucket "$work/s3" "$b"; done
export KEEPSAKE_S3_ACCESS_KEY=$S3_ACCESS_KEY KEEPSAKE_S3_SECRET=$S3_SECRET_KEY
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
export KEEPSAKE_PASSWORD=bench-password RESTIC_PASSWORD=bench-password
host=${S3_ENDPOINT#http://}

data=$work/data
mkdir -p "$data"
for i in $(seq 1 "$MB"); do head -c 1048576 /dev/urandom >"$data/f$i"; done
second() { for i in $(seq 1 $((MB / 10))); do head -c 1048576 /dev/urandom >"$data/f$i"; done; }

secs() { local s=$EPOCHREALTIME; "$@" >/dev/null; awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
bucket_bytes() { # bucket -> bytes it holds, by a signed listing (boto3 from the venv)
  .venv/bin/python - "$1" <<'PY'
import os, sys, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name="us-east-1",
                  aws_access_key_id=os.environ["S3_ACCESS_KEY"], aws_secret_access_key=os.environ["S3_SECRET_KEY"])
total = 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[1]):
    total += sum(o["Size"] for o in page.get("Contents", []))
print(total)
PY
}
export S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY

"$KEEPSAKE" store init "$work/ks" >/dev/null
restic init -r "$work/rl" >/dev/null
restic init -r "s3:$S3_ENDPOINT/restic-copy" >/dev/null
restic init -r "s3:$S3_ENDPOINT/restic-backup" >/dev/null

declare -A t
for round in 1 2; do
  [ "$round" = 2 ] && second
  "$KEEPSAKE" store add "$work/ks" "$data" --device bench >/dev/null
  t[ks$round]=$(secs "$KEEPSAKE" offsite push "$work/ks" --to "s3+http://$host/keepsake/k")
  restic backup -q -r "$work/rl" "$data" >/dev/null
  t[rc$round]=$(secs restic copy -q --from-repo "$work/rl" -r "s3:$S3_ENDPOINT/restic-copy")
  t[rb$round]=$(secs restic backup -q -r "s3:$S3_ENDPOINT/restic-backup" "$data")
done
printf '%-32s %10s %10s %14s\n' "" "1st (s)" "2nd (s)" "bucket bytes"
printf '%-32s %10s %10s %14s\n' "keepsake offsite push" "${t[ks1]}" "${t[ks2]}" "$(bucket_bytes keepsake)"
printf '%-32s %10s %10s %14s\n' "restic copy (local -> S3)" "${t[rc1]}" "${t[rc2]}" "$(bucket_bytes restic-copy)"
printf '%-32s %10s %10s %14s\n' "restic backup (straight to S3)" "${t[rb1]}" "${t[rb2]}" "$(bucket_bytes restic-backup)"
echo "($MB MiB first snapshot, $((MB / 10)) MiB replaced in the second; restic $(restic version | cut -d' ' -f2))"
