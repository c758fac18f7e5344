#!/usr/bin/env bash
# BPF: reads gathered in the per-CPU slots reach the windows exactly.
# - two readers at once, each on its own bucket, and a reader switching
#   between two files of two buckets (every read a slot change): exact ops
#   and bytes per bucket;
# - a reader that has finished shows up in a window while the sensor still
#   runs (the agent's flush before each window, not the shutdown);
# - an agent pinned to one CPU (it cannot flush the others) counts reads one
#   by one, says so, and is just as exact.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
require_root
tmp=$(mktemp -d)
cleanup() { stop_sensor; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0

mkdir -p "$tmp/root/b1" "$tmp/root/b2"
head -c 8192 /dev/urandom > "$tmp/root/b1/obj"
head -c 8192 /dev/urandom > "$tmp/root/b2/obj"

# totals FILE PID: "ops bytes b1ops b2ops" over every window for PID
totals() {
	python3 - "$1" "$2" <<'PY'
import json, sys
ops = nbytes = 0; per = {"b1": 0, "b2": 0}
for line in open(sys.argv[1]):
    for p in json.loads(line)["processes"]:
        if p["pid"] == int(sys.argv[2]):
            ops += p["read_ops"]; nbytes += p["read_bytes"]
            for r in p["reads"]:
                per[r["bucket"]] = per.get(r["bucket"], 0) + r["ops"]
print(ops, nbytes, per["b1"], per["b2"])
PY
}

check() { # what expected got
	if [ "$2" = "$3" ]; then echo "ok   $1: expected $2; got $3"; else echo "FAIL $1: expected $2; got $3"; fail=1; fi
}

run_case() { # label, then the sensor's extra arguments
	local label=$1 w="$tmp/w-$1.jsonl" e="$tmp/e-$1"
	shift
	start_sensor "$w" "$e" --root "$tmp/root" --hooks tp_btf "$@"
	"$LOAD" "$tmp/root/b1/obj" 3000 4096 pread > "$tmp/o1" &
	local p1=$!
	"$LOAD" "$tmp/root/b2/obj" 2000 1000 pread > "$tmp/o2" &
	local p2=$!
	wait $p1 $p2
	local pid1 pid2 pidx
	pid1=$(sed -n 's/^pid=\([0-9]*\).*/\1/p' "$tmp/o1")
	pid2=$(sed -n 's/^pid=\([0-9]*\).*/\1/p' "$tmp/o2")
	# one process alternating between the two buckets: a slot change per read
	pidx=$(python3 - "$tmp/root/b1/obj" "$tmp/root/b2/obj" <<'PY'
import os, sys
a = os.open(sys.argv[1], os.O_RDONLY); b = os.open(sys.argv[2], os.O_RDONLY)
for i in range(500):
    assert len(os.pread(a, 100, 0)) == 100
    assert len(os.pread(b, 300, 0)) == 300
print(os.getpid())
PY
)
	# finished readers must be in a window before the sensor stops
	sleep 2.5
	check "$label: first reader, in a window while the sensor runs" "3000 12288000 3000 0" "$(totals "$w" "$pid1")"
	check "$label: second reader" "2000 2000000 0 2000" "$(totals "$w" "$pid2")"
	check "$label: alternating reader, 500 + 500 reads" "1000 200000 500 500" "$(totals "$w" "$pidx")"
	stop_sensor || { cat "$e"; echo "FAIL: sensor exit"; fail=1; }
	check "$label: nothing more at shutdown" "3000 12288000 3000 0" "$(totals "$w" "$pid1")"
	LAST_ERR=$e
}

run_case slots
if grep -q "counted one by one" "$LAST_ERR"; then echo "FAIL: slots expected, the agent counted one by one"; fail=1; fi

if [ "$(nproc)" -ge 2 ]; then
	# pinned to CPU 0: the other CPUs' slots cannot be flushed by the agent
	GW_WRAP="taskset -c 0" run_case pinned
	if grep -q "counted one by one" "$LAST_ERR"; then
		echo "ok   pinned agent: says reads are counted one by one"
	else
		echo "FAIL: pinned agent did not switch to counting one by one"; fail=1
	fi
else
	echo "note: one CPU, the pinned case needs two"
fi
exit $fail
