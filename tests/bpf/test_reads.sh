#!/usr/bin/env bash
# BPF: a child does exactly 1,000 preads of 4 KiB under the root and 500
# outside it; the sensor must report exactly 1,000 ops and 4,096,000 bytes for
# that pid, and nothing for the outside reader. Needs root; exits 77 (skip)
# only where BPF cannot load at all.
set -u
BUILD=${1:-build}
GW=$BUILD/gatewatch
LOAD=$BUILD/tests/bpf/readload
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then echo "skip: needs root to load BPF programs"; exit 77; fi

mkdir -p "$tmp/root/bucket-a" "$tmp/outside"
head -c 4096 /dev/urandom > "$tmp/root/bucket-a/obj"
head -c 4096 /dev/urandom > "$tmp/outside/obj"

"$GW" host --root "$tmp/root" --interval 1 --duration 30 --output "$tmp/windows.jsonl" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do
	grep -q "sensor attached" "$tmp/err" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "sensor attached" "$tmp/err"; then
	cat "$tmp/err"
	if grep -qiE "operation not permitted|function not implemented|no BTF|too old" "$tmp/err"; then
		echo "skip: BPF cannot load here"; exit 77
	fi
	echo "FAIL: sensor did not start"; exit 1
fi

inside=$("$LOAD" "$tmp/root/bucket-a/obj" 1000 4096 pread) || { echo "FAIL: workload"; exit 1; }
outside=$("$LOAD" "$tmp/outside/obj" 500 4096 pread) || { echo "FAIL: workload"; exit 1; }
in_pid=${inside#pid=}; in_pid=${in_pid%% *}
out_pid=${outside#pid=}; out_pid=${out_pid%% *}
kill -INT "$pid"; wait "$pid"; rc=$?; pid=""
[ $rc -eq 0 ] || { cat "$tmp/err"; echo "FAIL: sensor exit $rc"; exit 1; }

python3 - "$tmp/windows.jsonl" "$in_pid" "$out_pid" <<'PY'
import json, sys
path, in_pid, out_pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ops = nbytes = 0; buckets = set(); outside_rows = 0; windows = 0
for line in open(path):
    w = json.loads(line); windows += 1
    for p in w["processes"]:
        if p["pid"] == in_pid:
            ops += p["read_ops"]; nbytes += p["read_bytes"]
            buckets.update(r["bucket"] for r in p["reads"])
        if p["pid"] == out_pid:
            outside_rows += 1
ok = ops == 1000 and nbytes == 4096000 and outside_rows == 0 and buckets == {"bucket-a"}
print(f"windows={windows} expected ops=1000 bytes=4096000 bucket-a, outside rows 0; "
      f"got ops={ops} bytes={nbytes} buckets={sorted(buckets)} outside rows={outside_rows}")
sys.exit(0 if ok else 1)
PY
