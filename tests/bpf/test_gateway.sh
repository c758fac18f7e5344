#!/usr/bin/env bash
# BPF on a real gateway: s3rver serving a bucket from a directory, awscli
# downloading 50 known objects, s3fs mounting the bucket. The sensor must
# attribute the object reads to the s3rver process and the right bucket
# (bytes at least the objects' sizes), the client's connections to s3rver as
# inbound, s3fs's connections to the server as outbound, and a `cat` of a
# file on the s3fs mount as a read under that root.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
require_root
S3RVER=${S3RVER:-build-tools/node_modules/.bin/s3rver}
# Debian's awscli (a pyenv or pip one earlier in PATH may be another version)
AWS=/usr/bin/aws
[ -x "$AWS" ] || AWS=aws
for tool in "$S3RVER" "$AWS" s3fs; do
	command -v "$tool" >/dev/null || [ -x "$tool" ] || { echo "FAIL: $tool is not installed (packaging/install-deps.sh installs it)"; exit 1; }
done
tmp=$(mktemp -d)
s3pid=""
cleanup() {
	stop_sensor
	umount "$tmp/mnt" 2>/dev/null
	[ -n "$s3pid" ] && kill "$s3pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
mkdir -p "$tmp/data" "$tmp/src" "$tmp/dl" "$tmp/mnt"
"$S3RVER" -d "$tmp/data" -a 127.0.0.1 -p "$port" --silent --configure-bucket objects > "$tmp/s3rver.log" 2>&1 &
s3pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "$url/objects" && break; sleep 0.1; done
total=0
for i in $(seq 50); do
	size=$((4096 + i * 1000))
	head -c $size /dev/urandom > "$tmp/src/obj-$i.bin"
	total=$((total + size))
done
"$AWS" --endpoint-url "$url" s3 cp --quiet --recursive "$tmp/src" s3://objects/data/ || { echo "FAIL: upload"; exit 1; }

start_sensor "$tmp/w.jsonl" "$tmp/err" --root "$tmp/data" --root "$tmp/mnt"
"$AWS" --endpoint-url "$url" s3 cp --quiet --recursive s3://objects/data/ "$tmp/dl" || { echo "FAIL: download"; exit 1; }
[ "$(ls "$tmp/dl" | wc -l)" -eq 50 ] || { echo "FAIL: expected 50 downloaded objects"; exit 1; }
printf '%s:%s\n' S3RVER S3RVER > "$tmp/passwd"; chmod 600 "$tmp/passwd"
# s3fs stays behind as a daemon: it must not keep the descriptors this test
# inherited (a lock held around the test) should the test end without the unmount
( for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
  exec s3fs objects "$tmp/mnt" -o url="$url" -o use_path_request_style -o passwd_file="$tmp/passwd" \
	-o nonempty -o stat_cache_expire=1 ) || { echo "FAIL: s3fs mount"; exit 1; }
for _ in $(seq 50); do [ -e "$tmp/mnt/data/obj-7.bin" ] && break; sleep 0.1; done
# the sensor picks up filesystems mounted on a root at its next window
sleep 1.5
cat "$tmp/mnt/data/obj-7.bin" > /dev/null || { echo "FAIL: cat on the s3fs mount"; exit 1; }
s3fs_pid=$(pgrep -n -x s3fs)
sleep 1.5
stop_sensor
python3 - "$tmp/w.jsonl" "$s3pid" "$s3fs_pid" "$port" "$total" "$tmp/mnt" <<'PY'
import json, sys
path, s3pid, s3fs_pid, port, total, mnt = sys.argv[1:7]
s3pid, s3fs_pid, port, total = int(s3pid), int(s3fs_pid), int(port), int(total)
procs = [p for l in open(path) for p in json.loads(l)["processes"]]
def rows(pid): return [p for p in procs if p["pid"] == pid]
srv = rows(s3pid)
srv_bytes = sum(r["bytes"] for p in srv for r in p["reads"] if r["bucket"] == "objects")
srv_in = sum(c["accepted"] for p in srv for c in p["conns_in"] if c["addr"] == "127.0.0.1")
aws_out = sum(c["ok"] for p in procs if p["comm"].startswith("aws") for c in p["conns_out"]
              if c["addr"] == "127.0.0.1" and c["port"] == port)
fuse_out = sum(c["ok"] for p in rows(s3fs_pid) for c in p["conns_out"] if c["port"] == port)
cat_bytes = sum(r["bytes"] for p in procs if p["comm"] == "cat" for r in p["reads"] if r["root"] == mnt)
checks = [
    ("s3rver read the bucket's objects", srv_bytes >= total, f"{srv_bytes} bytes of bucket 'objects' (objects: {total})"),
    ("client connections are inbound to s3rver", srv_in >= 1, f"{srv_in} accepted from 127.0.0.1"),
    ("awscli's connections are outbound to the server", aws_out >= 1, f"{aws_out} connects to 127.0.0.1:{port}"),
    ("s3fs's connections are outbound to the server", fuse_out >= 1, f"{fuse_out} connects"),
    ("a cat on the s3fs mount is seen", cat_bytes == 4096 + 7 * 1000, f"{cat_bytes} bytes (expected {4096 + 7000})"),
]
bad = 0
for name, ok, got in checks:
    print(f"{'ok  ' if ok else 'FAIL'} {name}: got {got}")
    bad |= not ok
sys.exit(bad)
PY
