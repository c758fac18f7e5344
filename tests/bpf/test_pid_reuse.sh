#!/usr/bin/env bash
# BPF: a pid reused by a new process within one window stays two processes
# (the kernel's counts are keyed by pid and start time). The pid is reused on
# purpose through /proc/sys/kernel/ns_last_pid.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
require_root
tmp=$(mktemp -d)
trap 'stop_sensor; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/b"
head -c 4096 /dev/urandom > "$tmp/root/b/obj"
start_sensor "$tmp/w.jsonl" "$tmp/err" --root "$tmp/root" --interval 5

reused=""
for _ in $(seq 30); do
	a=$("$LOAD" "$tmp/root/b/obj" 10 100 pread); pa=${a#pid=}; pa=${pa%% *}
	echo $((pa - 1)) > /proc/sys/kernel/ns_last_pid
	b=$("$LOAD" "$tmp/root/b/obj" 20 100 pread); pb=${b#pid=}; pb=${pb%% *}
	if [ "$pa" = "$pb" ]; then reused=$pa; break; fi
done
[ -n "$reused" ] || { echo "FAIL: could not get a pid reused (another process took it each time)"; exit 1; }
sleep 0.5
stop_sensor
python3 - "$tmp/w.jsonl" "$reused" <<'PY'
import json, sys
pid = int(sys.argv[2])
rows = [p for l in open(sys.argv[1]) for p in json.loads(l)["processes"] if p["pid"] == pid]
got = sorted((p["start_ns"], p["read_ops"]) for p in rows)
ok = len(got) == 2 and got[0][0] != got[1][0] and sorted(o for _, o in got) == [10, 20]
print(f"pid {pid} reused: expected two processes with 10 and 20 reads and different start times; got {got}")
sys.exit(0 if ok else 1)
PY
