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
export KEEPSAKE_PASSWORD=bench-password RESTIC_PASSWORD=bench-password RESTIC_FROM_PASSWORD=bench-password

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
.venv/bin/python -c 'import boto3' 2>/dev/null || .venv/bin/pip install --quiet boto3

# Requests are counted by a proxy in front of the S3 gateway, one per tool: it counts the
# request lines the client sends (random pack bytes make a false match improbable).
cat >"$work/count.py" <<'PY'
import re, socket, sys, threading
listen, target, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
line = re.compile(rb"(?:GET|PUT|POST|HEAD|DELETE) /[^ \r\n]* HTTP/1\.[01]\r\n")
count, lock = [0], threading.Lock()
def pipe(a, b, counting):
    tail = b""
    try:
        while data := a.recv(1 << 16):
            if counting:
                found = len(line.findall(tail + data)) - len(line.findall(tail))
                with lock:
                    count[0] += found
                    open(out, "w").write(str(count[0]))
                tail = data[-64:]
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen)); srv.listen(64)
open(out, "w").write("0")
while True:
    c, _ = srv.accept()
    u = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pipe, args=(c, u, True), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c, False), daemon=True).start()
PY
s3_port=${S3_ENDPOINT##*:}
declare -A port
base=$((20000 + RANDOM % 20000))
for i in 0 1 2; do
  name=(keepsake restic-copy restic-backup); name=${name[$i]}
  port[$name]=$((base + i))
  .venv/bin/python "$work/count.py" "${port[$name]}" "$s3_port" "$work/requests-$name" &
done
trap 'kill $(jobs -p) 2>/dev/null || true; bash scripts/s3-cluster.sh stop "$work/s3" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
sleep 1
via() { echo "127.0.0.1:${port[$1]}"; }

"$KEEPSAKE" store init "$work/ks" >/dev/null
restic init -r "$work/rl" >/dev/null
restic init -r "s3:http://$(via restic-copy)/restic-copy" --from-repo "$work/rl" --copy-chunker-params >/dev/null
restic init -r "s3:http://$(via restic-backup)/restic-backup" >/dev/null

declare -A t
for round in 1 2; do
  [ "$round" = 2 ] && second
  "$KEEPSAKE" store add "$work/ks" "$data" --device bench >/dev/null
  t[ks$round]=$(secs "$KEEPSAKE" offsite push "$work/ks" --to "s3+http://$(via keepsake)/keepsake/k")
  restic backup -q -r "$work/rl" "$data" >/dev/null
  t[rc$round]=$(secs restic copy -q --from-repo "$work/rl" -r "s3:http://$(via restic-copy)/restic-copy")
  t[rb$round]=$(secs restic backup -q -r "s3:http://$(via restic-backup)/restic-backup" "$data")
done
printf '%-32s %10s %10s %14s %10s\n' "" "1st (s)" "2nd (s)" "bucket bytes" "requests"
printf '%-32s %10s %10s %14s %10s\n' "keepsake offsite push" "${t[ks1]}" "${t[ks2]}" "$(bucket_bytes keepsake)" "$(cat "$work/requests-keepsake")"
printf '%-32s %10s %10s %14s %10s\n' "restic copy (local -> S3)" "${t[rc1]}" "${t[rc2]}" "$(bucket_bytes restic-copy)" "$(cat "$work/requests-restic-copy")"
printf '%-32s %10s %10s %14s %10s\n' "restic backup (straight to S3)" "${t[rb1]}" "${t[rb2]}" "$(bucket_bytes restic-backup)" "$(cat "$work/requests-restic-backup")"
echo "($MB MiB first snapshot, $((MB / 10)) MiB replaced in the second; restic $(restic version | cut -d' ' -f2))"
