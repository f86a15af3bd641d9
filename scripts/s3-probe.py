#!/usr/bin/env python3
"""Probes what the loopback S3 cluster of scripts/s3-cluster.sh really does, with boto3.

    .venv/bin/python scripts/s3-probe.py [DIR] [--only NAME,...]

DIR is a cluster started with `scripts/s3-cluster.sh start DIR`; without DIR a cluster is started
in a fresh directory under /tmp and stopped at the end. Each probe prints what it saw (HTTP status,
S3 error code and message) and a verdict. Probes: basic, auth, conditional, multipart, consistency,
quota, failover, resources. `quota` and `failover` change the cluster (a bucket goes read-only, a
volume server is killed and restarted).
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import time
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLUSTER = os.path.join(ROOT, "scripts", "s3-cluster.sh")
MiB = 1024 * 1024


def read_env(d):
    env = {}
    with open(os.path.join(d, "env")) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            env[k] = v.strip('"')
    return env


def client(env, access=None, secret=None, attempts=3):
    return boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT"],
        region_name=env.get("S3_REGION", "us-east-1"),
        aws_access_key_id=access or env["S3_ACCESS_KEY"],
        aws_secret_access_key=secret or env["S3_SECRET_KEY"],
        config=Config(
            s3={"addressing_style": "path"},
            retries={"total_max_attempts": attempts, "mode": "standard"},
            connect_timeout=3,
            read_timeout=20,
        ),
    )


def err(e):
    """(HTTP status, S3 error code, message) of a ClientError."""
    r = e.response
    return (
        r.get("ResponseMetadata", {}).get("HTTPStatusCode"),
        r.get("Error", {}).get("Code"),
        r.get("Error", {}).get("Message"),
    )


def attempt(fn, *a, **kw):
    """('ok', result) or ('error', (status, code, message))."""
    try:
        return "ok", fn(*a, **kw)
    except ClientError as e:
        return "error", err(e)
    except botocore.exceptions.BotoCoreError as e:
        return "error", (None, type(e).__name__, str(e))


def show(label, outcome):
    kind, val = outcome
    if kind == "ok":
        meta = val.get("ResponseMetadata", {}) if isinstance(val, dict) else {}
        print(f"  {label}: OK (HTTP {meta.get('HTTPStatusCode')})")
    else:
        print(f"  {label}: HTTP {val[0]} {val[1]}: {val[2]}")
    return outcome


def new_bucket(s3, prefix):
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    return name


def keys_of(s3, bucket, prefix=""):
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return out


def probe_basic(env, d):
    s3 = client(env)
    b = new_bucket(s3, "basic")
    body = os.urandom(100_000)
    show("PUT", attempt(s3.put_object, Bucket=b, Key="dir/a.bin", Body=body))
    got = s3.get_object(Bucket=b, Key="dir/a.bin")["Body"].read()
    print(f"  GET: {'same bytes' if got == body else 'DIFFERENT BYTES'}")
    print(f"  LIST: {keys_of(s3, b)}")
    show("HEAD", attempt(s3.head_object, Bucket=b, Key="dir/a.bin"))
    show("DELETE", attempt(s3.delete_object, Bucket=b, Key="dir/a.bin"))
    show("GET after DELETE", attempt(s3.get_object, Bucket=b, Key="dir/a.bin"))
    show("HEAD after DELETE", attempt(s3.head_object, Bucket=b, Key="dir/a.bin"))
    print(f"  LIST after DELETE: {keys_of(s3, b)}")
    show("GET missing bucket", attempt(s3.get_object, Bucket="no-such-bucket-x", Key="k"))
    show("DELETE bucket", attempt(s3.delete_bucket, Bucket=b))


def probe_auth(env, d):
    admin = client(env)
    b = new_bucket(admin, "auth")
    admin.put_object(Bucket=b, Key="k", Body=b"x")
    cases = {
        "other (no rights)": client(env, env["S3_OTHER_ACCESS_KEY"], env["S3_OTHER_SECRET_KEY"], 1),
        "readonly": client(env, env["S3_READONLY_ACCESS_KEY"], env["S3_READONLY_SECRET_KEY"], 1),
        "admin key, wrong secret": client(env, env["S3_ACCESS_KEY"], "wrong" + env["S3_SECRET_KEY"][5:], 1),
        "unknown access key": client(env, "AKNOSUCHKEY000000000", env["S3_SECRET_KEY"], 1),
    }
    for who, c in cases.items():
        print(f" {who}:")
        o = show("ListBuckets", attempt(c.list_buckets))
        if o[0] == "ok":
            print(f"    buckets it sees: {len(o[1]['Buckets'])} of {len(admin.list_buckets()['Buckets'])}")
        show("ListObjectsV2", attempt(c.list_objects_v2, Bucket=b))
        show("GET", attempt(c.get_object, Bucket=b, Key="k"))
        show("PUT", attempt(c.put_object, Bucket=b, Key="k2", Body=b"y"))
        show("DELETE", attempt(c.delete_object, Bucket=b, Key="k"))
        show("CreateBucket", attempt(c.create_bucket, Bucket=f"auth-{uuid.uuid4().hex[:8]}"))
    print(" unsigned:")
    anon = boto3.client("s3", endpoint_url=env["S3_ENDPOINT"], region_name="us-east-1",
                        config=Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1}))
    show("GET", attempt(anon.get_object, Bucket=b, Key="k"))
    show("PUT", attempt(anon.put_object, Bucket=b, Key="k3", Body=b"z"))
    print(f"  objects now: {keys_of(admin, b)} (only 'k' expected)")


def probe_conditional(env, d):
    s3 = client(env, attempts=1)
    b = new_bucket(s3, "cond")
    print(" PutObject If-None-Match: *")
    show("first put (key absent)", attempt(s3.put_object, Bucket=b, Key="k", Body=b"one", IfNoneMatch="*"))
    show("second put (key exists)", attempt(s3.put_object, Bucket=b, Key="k", Body=b"two", IfNoneMatch="*"))
    print(f"  content now: {s3.get_object(Bucket=b, Key='k')['Body'].read()!r} (b'one' if honoured)")
    etag = s3.head_object(Bucket=b, Key="k")["ETag"]
    print(f" PutObject If-Match (current ETag {etag})")
    show("If-Match wrong etag", attempt(s3.put_object, Bucket=b, Key="k", Body=b"three", IfMatch='"0123456789abcdef0123456789abcdef"'))
    print(f"  content now: {s3.get_object(Bucket=b, Key='k')['Body'].read()!r} (b'one' if honoured)")
    r = show("If-Match right etag", attempt(s3.put_object, Bucket=b, Key="k", Body=b"four", IfMatch=etag))
    print(f"  content now: {s3.get_object(Bucket=b, Key='k')['Body'].read()!r} (b'four' expected)")
    show("If-Match on a missing key", attempt(s3.put_object, Bucket=b, Key="absent", Body=b"x", IfMatch=etag))
    show("If-Match old etag after overwrite", attempt(s3.put_object, Bucket=b, Key="k", Body=b"five", IfMatch=etag))

    def mpu(key, **cond):
        up = s3.create_multipart_upload(Bucket=b, Key=key)["UploadId"]
        p = s3.upload_part(Bucket=b, Key=key, UploadId=up, PartNumber=1, Body=b"m" * 1000)
        parts = {"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]}
        out = attempt(s3.complete_multipart_upload, Bucket=b, Key=key, UploadId=up, MultipartUpload=parts, **cond)
        if out[0] == "error":
            attempt(s3.abort_multipart_upload, Bucket=b, Key=key, UploadId=up)
        return out

    print(" CompleteMultipartUpload")
    show("If-None-Match: * on absent key", mpu("m1", IfNoneMatch="*"))
    show("If-None-Match: * on existing key", mpu("m1", IfNoneMatch="*"))
    etag = s3.head_object(Bucket=b, Key="m1")["ETag"]
    show("If-Match wrong etag", mpu("m1", IfMatch='"0123456789abcdef0123456789abcdef-1"'))
    show(f"If-Match right etag {etag}", mpu("m1", IfMatch=etag))
    print(" Two racing PutObject If-None-Match: * (10 pairs, threads)")
    import threading
    wins = []
    for i in range(10):
        res = []
        ts = [threading.Thread(target=lambda v=v: res.append(attempt(s3.put_object, Bucket=b, Key=f"race{i}", Body=v, IfNoneMatch="*")[0]))
              for v in (b"a", b"b")]
        [t.start() for t in ts]
        [t.join() for t in ts]
        wins.append(res.count("ok"))
    print(f"  successes per pair: {wins} (1 each if atomic)")


def probe_multipart(env, d):
    s3 = client(env)
    b = new_bucket(s3, "mpu")
    parts_data = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(1234)]
    t = time.time()
    up = s3.create_multipart_upload(Bucket=b, Key="big")["UploadId"]
    parts = []
    for i, data in enumerate(parts_data, 1):
        r = s3.upload_part(Bucket=b, Key="big", UploadId=up, PartNumber=i, Body=data)
        parts.append({"PartNumber": i, "ETag": r["ETag"]})
    r = s3.complete_multipart_upload(Bucket=b, Key="big", UploadId=up, MultipartUpload={"Parts": parts})
    got = s3.get_object(Bucket=b, Key="big")["Body"].read()
    ok = hashlib.sha256(got).digest() == hashlib.sha256(b"".join(parts_data)).digest()
    print(f"  3 parts (5 MiB, 5 MiB, 1234 B) completed in {time.time() - t:.2f}s, ETag {r['ETag']}, GET {'same bytes' if ok else 'DIFFERENT'}")
    show("part too small (1 KiB, not last)", attempt(lambda: (lambda u: s3.complete_multipart_upload(
        Bucket=b, Key="small", UploadId=u, MultipartUpload={"Parts": [
            {"PartNumber": n, "ETag": s3.upload_part(Bucket=b, Key="small", UploadId=u, PartNumber=n, Body=b"s" * 1024)["ETag"]}
            for n in (1, 2)]}))(s3.create_multipart_upload(Bucket=b, Key="small")["UploadId"])))
    # unfinished and aborted uploads
    up2 = s3.create_multipart_upload(Bucket=b, Key="unfinished")["UploadId"]
    s3.upload_part(Bucket=b, Key="unfinished", UploadId=up2, PartNumber=1, Body=os.urandom(5 * MiB))
    up3 = s3.create_multipart_upload(Bucket=b, Key="aborted")["UploadId"]
    s3.upload_part(Bucket=b, Key="aborted", UploadId=up3, PartNumber=1, Body=os.urandom(5 * MiB))
    s3.abort_multipart_upload(Bucket=b, Key="aborted", UploadId=up3)
    show("GET unfinished", attempt(s3.get_object, Bucket=b, Key="unfinished"))
    show("GET aborted", attempt(s3.get_object, Bucket=b, Key="aborted"))
    print(f"  LIST: {keys_of(s3, b)} (only 'big' and maybe 'small' expected)")
    ups = s3.list_multipart_uploads(Bucket=b).get("Uploads", [])
    print(f"  ListMultipartUploads: {[(u['Key'], u['UploadId'][:12]) for u in ups]}")
    show("UploadPart to aborted upload", attempt(s3.upload_part, Bucket=b, Key="aborted", UploadId=up3, PartNumber=2, Body=b"x"))
    for u in s3.list_multipart_uploads(Bucket=b).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=b, Key=u["Key"], UploadId=u["UploadId"])
    print(f"  ListMultipartUploads after aborting all: {s3.list_multipart_uploads(Bucket=b).get('Uploads', [])}")


def probe_consistency(env, d):
    s3 = client(env)
    b = new_bucket(s3, "raw")
    missing_list = missing_get = stale = gone_late = 0
    n = 100
    for i in range(n):
        k = f"p/{i:04d}"
        s3.put_object(Bucket=b, Key=k, Body=b"v1")
        if k not in [o["Key"] for o in s3.list_objects_v2(Bucket=b, Prefix=k).get("Contents", [])]:
            missing_list += 1
        if attempt(s3.head_object, Bucket=b, Key=k)[0] != "ok":
            missing_get += 1
        s3.put_object(Bucket=b, Key=k, Body=b"v2")
        if s3.get_object(Bucket=b, Key=k)["Body"].read() != b"v2":
            stale += 1
    for i in range(0, n, 2):
        k = f"p/{i:04d}"
        s3.delete_object(Bucket=b, Key=k)
        if k in [o["Key"] for o in s3.list_objects_v2(Bucket=b, Prefix=k).get("Contents", [])]:
            gone_late += 1
    total = len(keys_of(s3, b))
    print(f"  {n} PUTs: not in ListObjectsV2 right after PUT: {missing_list}; HEAD 404 right after PUT: {missing_get}; "
          f"stale GET after overwrite: {stale}; still listed right after DELETE: {gone_late}; final count {total} (expect {n // 2})")
    r = s3.list_objects_v2(Bucket=b, MaxKeys=7)
    print(f"  paging: MaxKeys=7 -> {r['KeyCount']} keys, IsTruncated={r['IsTruncated']}, token={'NextContinuationToken' in r}")


def sh(*args):
    r = subprocess.run([CLUSTER, *args], capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()


def probe_quota(env, d):
    s3 = client(env, attempts=1)

    def fill_until_refused(b, limit_s, pause):
        """PUT 256 KiB objects until one is refused: (seconds, bytes written, error) or None."""
        start, written, i = time.time(), 0, 0
        while time.time() - start < limit_s:
            o = attempt(s3.put_object, Bucket=b, Key=f"f{i:05d}", Body=os.urandom(256 * 1024))
            i += 1
            if o[0] != "ok":
                return time.time() - start, written, o[1]
            written += 256 * 1024
            time.sleep(pause if written < 3 * MiB else 2.0)
        return None

    print(" periodic enforcement (the master's check, every minute):")
    b = new_bucket(s3, "quota")
    t = time.time()
    rc, out = sh("quota", d, b, "1")
    print(f"  quota {b} 1 MiB: rc={rc} in {time.time() - t:.1f}s; shell said: {out.splitlines()[-1:]}")
    up = s3.create_multipart_upload(Bucket=b, Key="mp-before")["UploadId"]
    r = fill_until_refused(b, 90, 0.25)
    if r is None:
        print("  no PUT refused in 90 s")
    else:
        print(f"  first refused PUT {r[0]:.1f}s after the quota was set, after {r[1] / MiB:.2f} MiB: "
              f"HTTP {r[2][0]} {r[2][1]}: {r[2][2]}")
    show("GET while over quota", attempt(s3.get_object, Bucket=b, Key="f00000"))
    show("LIST while over quota", attempt(s3.list_objects_v2, Bucket=b))
    show("DELETE while over quota", attempt(s3.delete_object, Bucket=b, Key="f00000"))
    show("PUT of 0 bytes while over quota", attempt(s3.put_object, Bucket=b, Key="empty", Body=b""))
    show("CreateMultipartUpload while over quota", attempt(s3.create_multipart_upload, Bucket=b, Key="mp"))
    show("UploadPart to an upload begun before", attempt(
        s3.upload_part, Bucket=b, Key="mp-before", UploadId=up, PartNumber=1, Body=os.urandom(5 * MiB)))
    other = new_bucket(s3, "quota-other")
    show("PUT into another bucket", attempt(s3.put_object, Bucket=other, Key="k", Body=b"x"))
    rc, out = sh("quota", d, b, "1000")
    show("PUT right after raising the quota to 1000 MiB", attempt(s3.put_object, Bucket=b, Key="after", Body=b"x"))

    print(" explicit enforcement (write past the quota, wait for the volume heartbeats, enforce-quota):")
    b = new_bucket(s3, "quota2")
    sh("quota", d, b, "1")
    for i in range(8):
        s3.put_object(Bucket=b, Key=f"g{i}", Body=os.urandom(256 * 1024))
    show("PUT at 2 MiB, before any check", attempt(s3.put_object, Bucket=b, Key="g8", Body=b"x"))
    for wait in (0, 6):
        time.sleep(wait)
        rc, out = sh("enforce-quota", d)
        o = attempt(s3.put_object, Bucket=b, Key=f"h{wait}", Body=b"x")
        show(f"PUT after enforce-quota run {wait}s after the writes (said {out.splitlines()[-1:]})", o)
        if o[0] != "ok":
            break


def probe_failover(env, d):
    s3 = client(env, attempts=1)
    b = new_bucket(s3, "failover")
    stored = {}
    log = []  # (t, key, ok, error)
    t0 = time.time()
    killed_at = None
    for i in range(400):
        if i == 30:
            rc, out = sh("kill-volume", d, "2")
            killed_at = time.time() - t0
            print(f"  killed volume server 2 at t={killed_at:.1f}s after {i} PUTs ({out.splitlines()[-1]})")
        data = os.urandom(64 * 1024)
        k = f"o{i:04d}"
        t1 = time.time()
        o = attempt(s3.put_object, Bucket=b, Key=k, Body=data)
        log.append((t1 - t0, k, o[0] == "ok", None if o[0] == "ok" else o[1], time.time() - t1))
        if o[0] == "ok":
            stored[k] = hashlib.sha256(data).hexdigest()
        if i > 40 and all(x[2] for x in log[-20:]) and time.time() - t0 > killed_at + 5:
            break
        time.sleep(0.05)
    fails = [x for x in log if not x[2]]
    print(f"  {len(log)} PUTs, {len(fails)} failed" + (
        f", from t={fails[0][0]:.2f}s to t={fails[-1][0]:.2f}s; errors: {sorted(set(str(x[3][:2]) for x in fails))}; first: {fails[0][3]}"
        if fails else ""))
    if fails:
        print(f"  failing for {fails[-1][0] - killed_at:.2f}s after the kill")
    before = [x[4] for x in log if x[0] < killed_at]
    after = [x[4] for x in log if x[0] >= killed_at]
    print(f"  PUT latency: before the kill max {max(before) * 1000:.0f} ms, after max {max(after) * 1000:.0f} ms, "
          f"first after {after[0] * 1000:.0f} ms")

    def check(label, limit=None):
        bad = []
        t = time.time()
        items = list(stored.items())[:limit]
        for k, h in items:
            o = attempt(s3.get_object, Bucket=b, Key=k)
            if o[0] != "ok" or hashlib.sha256(o[1]["Body"].read()).hexdigest() != h:
                bad.append((k, o[1] if o[0] != "ok" else "wrong bytes"))
        print(f"  {label}: {len(items) - len(bad)}/{len(items)} readable and intact ({time.time() - t:.1f}s)"
              + (f"; bad: {bad[:5]}" if bad else ""))

    check("GET all with volume server 2 down")
    t = time.time()
    rc, out = sh("restart-volume", d, "2")
    print(f"  restart-volume 2: rc={rc} in {time.time() - t:.1f}s ({out.splitlines()[-1]})")
    show("PUT after restart", attempt(s3.put_object, Bucket=b, Key="after", Body=b"x"))
    check("GET all after restart")

    print(" 4 threads PUTting 1 MiB objects, volume server 1 killed after 2 s:")
    import threading
    results = []
    stop = time.time() + 8

    def writer(w):
        n = 0
        while time.time() < stop:
            data = os.urandom(MiB)
            k = f"t{w}-{n:04d}"
            t1 = time.time()
            o = attempt(s3.put_object, Bucket=b, Key=k, Body=data)
            results.append((t1, time.time() - t1, o[0] == "ok", None if o[0] == "ok" else o[1][:2]))
            if o[0] == "ok":
                stored[k] = hashlib.sha256(data).hexdigest()
            n += 1

    ts = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    [t.start() for t in ts]
    time.sleep(2)
    kill_t = time.time()
    sh("kill-volume", d, "1")
    [t.join() for t in ts]
    fails = [r for r in results if not r[2]]
    inflight = [r for r in results if r[0] < kill_t < r[0] + r[1]]
    print(f"  {len(results)} PUTs, {len(fails)} failed {sorted(set(str(f[3]) for f in fails))}; "
          f"{len(inflight)} were in flight at the kill ({sum(1 for r in inflight if r[2])} of them succeeded); "
          f"max latency after the kill {max(r[1] for r in results if r[0] >= kill_t) * 1000:.0f} ms")
    check("GET all with volume server 1 down")
    sh("restart-volume", d, "1")

    print(" two of three volume servers down (2 and 3):")
    sh("kill-volume", d, "2")
    sh("kill-volume", d, "3")
    show("PUT", attempt(s3.put_object, Bucket=b, Key="two-down", Body=os.urandom(1000)))
    check("GET the first 60 with only volume server 1 up", 60)
    for n in ("2", "3"):
        sh("restart-volume", d, n)
    show("PUT after restarting both", attempt(s3.put_object, Bucket=b, Key="two-down", Body=os.urandom(1000)))
    check("GET all after restarting both")


def probe_resources(env, d):
    env = read_env(d)
    pids = {"master": env["MASTER_PID"], "filer": env["FILER_PID"], "s3": env["S3_PID"]}
    for i, p in enumerate(env["VOLUME_PIDS"].split(), 1):
        pids[f"volume{i}"] = p
    out = subprocess.run(["ps", "-o", "pid=,rss=,pcpu=,etimes=,cputimes=", "-p", ",".join(pids.values())],
                         capture_output=True, text=True).stdout
    by = {line.split()[0]: line.split() for line in out.splitlines()}
    total = 0
    for name, p in pids.items():
        f = by.get(p)
        if f:
            total += int(f[1])
            print(f"  {name:8} pid {p}: RSS {int(f[1]) / 1024:.0f} MiB, CPU {f[2]}% over {f[3]}s ({f[4]}s CPU)")
    print(f"  total RSS {total / 1024:.0f} MiB")
    du = subprocess.run(["du", "-sh", d], capture_output=True, text=True).stdout.split()[0]
    print(f"  data dir {d}: {du}")


PROBES = ["basic", "auth", "conditional", "multipart", "consistency", "quota", "failover", "resources"]


def main():
    args = sys.argv[1:]
    only = PROBES
    if "--only" in args:
        i = args.index("--only")
        only = args[i + 1].split(",")
        del args[i:i + 2]
    own = not args
    d = args[0] if args else tempfile.mkdtemp(prefix="s3-probe-")
    if own:
        t = time.time()
        rc, out = sh("start", d)
        print(f"start {d}: rc={rc} in {time.time() - t:.1f}s: {out}")
        if rc:
            sys.exit(1)
    d = os.path.abspath(d)
    print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}")
    try:
        for name in only:
            print(f"== {name}")
            t = time.time()
            try:
                globals()[f"probe_{name}"](read_env(d), d)
            except Exception as e:  # a probe that breaks says so and the others still run
                print(f"  PROBE FAILED: {type(e).__name__}: {e}")
            print(f"  ({time.time() - t:.1f}s)")
    finally:
        if own:
            print(sh("stop", d)[1])


if __name__ == "__main__":
    main()
