#!/usr/bin/env bash
# BPF: a mapping of object data is a read. A process that maps an object
# (mmap with PROT_READ) and copies the mapping out makes no read syscall;
# it must still be counted, exactly, as mapped ops and bytes of its root and
# bucket (`mapped` set), and so must the growth of a mapping by mremap; a
# mapping of a file outside the roots counts for nobody. Through the daemon
# the mapping reader is an unexpected-reader with its mapped bytes, while
# the gateway's own mapping of its data raises nothing.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
agent_test_setup
pid_of() { local p=${1#pid=}; echo "${p%% *}"; }

mkdir -p "$tmp/root/bkt" "$tmp/outside" "$tmp/state" "$tmp/store" "$tmp/bin"
head -c 65536 /dev/urandom > "$tmp/root/bkt/obj"
head -c 65536 /dev/urandom > "$tmp/outside/obj"
# the gateway: the same workload under another name
cp "$LOAD" "$tmp/bin/gwserver"

"$GWA" collect --listen 127.0.0.1:0 --store "$tmp/store" 2> "$tmp/collector.log" &
coll=$!
cport=""
for _ in $(seq 100); do
	cport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/collector.log")
	[ -n "$cport" ] && break
	sleep 0.1
done
[ -n "$cport" ] || { cat "$tmp/collector.log"; echo "FAIL: collector did not start"; exit 1; }
"$GWA" run --root "$tmp/root" --state-dir "$tmp/state" --interval-sec 1 --gateway-exe gwserver \
	--collector-url "http://127.0.0.1:$cport" > "$tmp/agent.log" 2>&1 &
agent=$!
for _ in $(seq 150); do grep -q "running:" "$tmp/agent.log" && break; sleep 0.1; done
grep -q "running:" "$tmp/agent.log" || { cat "$tmp/agent.log"; echo "FAIL: the agent did not start"; exit 1; }
start_sensor "$tmp/w.jsonl" "$tmp/err" --root "$tmp/root"

out=$("$LOAD" "$tmp/root/bkt/obj" 10 65536 mmap) || { echo "FAIL: mmap workload"; exit 1; }
expect="mmap $(pid_of "$out") 10 655360"
out=$("$LOAD" "$tmp/root/bkt/obj" 6 65536 mremap) || { echo "FAIL: mremap workload"; exit 1; }
expect="$expect;mremap $(pid_of "$out") 12 393216"
out=$("$LOAD" "$tmp/outside/obj" 10 65536 mmap) || exit 1
expect="$expect;outside $(pid_of "$out") 0 0"
out=$("$tmp/bin/gwserver" "$tmp/root/bkt/obj" 10 65536 mmap) || exit 1
gw=$(pid_of "$out")
expect="$expect;gateway $gw 10 655360"
sleep 2.5
stop_sensor || { cat "$tmp/err"; echo "FAIL: sensor exit"; exit 1; }
kill -TERM "$agent"; wait "$agent"; rc=$?; agent=""
[ $rc -eq 0 ] || { cat "$tmp/agent.log"; echo "FAIL: agent exit $rc"; exit 1; }
"$GWA" decode "$tmp/store/batches.gwb" > "$tmp/findings.jsonl" 2>/dev/null || true

python3 - "$tmp/w.jsonl" "$expect" "$tmp/findings.jsonl" "$gw" <<'PY'
import json, sys
wpath, expect, fpath, gw = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
got = {}
for line in open(wpath):
    for p in json.loads(line)["processes"]:
        g = got.setdefault(p["pid"], {"mops": 0, "mbytes": 0, "reads": 0, "mapped": False, "buckets": set()})
        g["mops"] += p["mapped_ops"]; g["mbytes"] += p["mapped_bytes"]; g["reads"] += p["read_ops"]
        g["mapped"] |= p["mapped"]
        g["buckets"].update(r["bucket"] for r in p["reads"] if r["mapped"])
bad = 0
pids = {}
for item in expect.split(";"):
    name, pid, ops, nbytes = item.split(); pid, ops, nbytes = int(pid), int(ops), int(nbytes)
    pids[name] = pid
    g = got.get(pid, {"mops": 0, "mbytes": 0, "reads": 0, "mapped": False, "buckets": set()})
    ok = g["mops"] == ops and g["mbytes"] == nbytes and g["reads"] == 0 and g["mapped"] == (ops > 0) \
         and g["buckets"] == ({"bkt"} if ops else set())
    bad |= not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}: expected mapped ops={ops} bytes={nbytes} in bkt, no reads; "
          f"got mapped ops={g['mops']} bytes={g['mbytes']} reads={g['reads']} mapped={g['mapped']} in {sorted(g['buckets'])}")
fs = [f for l in open(fpath) for f in json.loads(l)["findings"]]
ev = lambda f, k: next((e["value"] for e in f.get("evidence", []) if e["key"] == k), "")
ur = [f for f in fs if f["rule_id"] == "unexpected-reader"]
by_pid = {}
for f in ur:
    by_pid.setdefault(int(ev(f, "pid") or 0), []).append(f)
m = by_pid.get(pids["mmap"], [])
ok = len(m) == 1 and m[0].get("bucket") == "bkt" and ev(m[0], "mapped_bytes") == "655360"
bad |= not ok
print(f"{'ok  ' if ok else 'FAIL'} the mapping reader is an unexpected-reader with its mapped bytes: "
      f"{[(f.get('bucket'), ev(f, 'mapped_bytes')) for f in m]}")
ok = gw not in by_pid
bad |= not ok
print(f"{'ok  ' if ok else 'FAIL'} the gateway's own mapping raises no unexpected-reader: "
      f"unexpected readers {sorted(by_pid)}, gateway {gw}")
sys.exit(bad)
PY
