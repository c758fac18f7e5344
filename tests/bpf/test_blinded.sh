#!/usr/bin/env bash
# BPF: a flood cannot hide a reader. 60 short-lived readers of 4 KiB each
# (bucket "small") fill a counts map of 16 entries and stay alive; then a
# reader takes 1 MiB of bucket "big". Its reads must appear, exactly, as
# unattributed volume of that root and bucket with its pid named, the
# flood's volume must add up (credited + unattributed = 60 x 4 KiB), and the
# daemon must ship a sensor-blinded finding naming the root, the bucket and
# the counts lost to the collector.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
agent_test_setup

mkdir -p "$tmp/root/small" "$tmp/root/big" "$tmp/state" "$tmp/store"
head -c 4096 /dev/urandom > "$tmp/root/small/obj"
head -c 1048576 /dev/urandom > "$tmp/root/big/obj"

"$GWA" collect --listen 127.0.0.1:0 --store "$tmp/store" 2> "$tmp/collector.log" &
coll=$!
cport=""
for _ in $(seq 100); do
	cport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/collector.log")
	[ -n "$cport" ] && break
	sleep 0.1
done
[ -n "$cport" ] || { cat "$tmp/collector.log"; echo "FAIL: collector did not start"; exit 1; }
# the daemon: its findings go to the collector like any other
"$GWA" run --root "$tmp/root" --state-dir "$tmp/state" --interval-sec 1 --max-counts 16 \
	--collector-url "http://127.0.0.1:$cport" > "$tmp/agent.log" 2>&1 &
agent=$!
for _ in $(seq 150); do grep -q "running:" "$tmp/agent.log" && break; sleep 0.1; done
grep -q "running:" "$tmp/agent.log" || { cat "$tmp/agent.log"; echo "FAIL: the agent did not start"; exit 1; }
# the sensor alone, for exact window counts
start_sensor "$tmp/w.jsonl" "$tmp/err" --root "$tmp/root" --max-counts 16

for _ in $(seq 60); do "$LOAD" --linger 8 "$tmp/root/small/obj" 1 4096 pread >> "$tmp/flood.out" & done
# every flooder has read (and stays alive) before the big reader starts
for _ in $(seq 100); do [ "$(wc -l < "$tmp/flood.out")" -ge 60 ] && break; sleep 0.1; done
sleep 1.5
out=$("$LOAD" "$tmp/root/big/obj" 256 4096 pread) || { echo "FAIL: big reader"; exit 1; }
big=${out#pid=}; big=${big%% *}
wait $(jobs -p | grep -vxE "$sensor_pid|$agent|$coll") 2>/dev/null
sleep 2.5
stop_sensor || { cat "$tmp/err"; echo "FAIL: sensor exit"; exit 1; }
kill -TERM "$agent"; wait "$agent"; rc=$?; agent=""
[ $rc -eq 0 ] || { cat "$tmp/agent.log"; echo "FAIL: agent exit $rc"; exit 1; }
"$GWA" decode "$tmp/store/batches.gwb" > "$tmp/findings.jsonl" 2>/dev/null || true

python3 - "$tmp/w.jsonl" "$tmp/findings.jsonl" "$big" "$tmp/root" <<'PY'
import json, sys
wpath, fpath, big, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
un = {}; named = set(); credited = {}; lost = 0
for line in open(wpath):
    w = json.loads(line)
    lost += w["drops"]["unattributed_full"]
    for u in w["unattributed"]:
        k = (u["root"], u["bucket"]); o = un.setdefault(k, [0, 0])
        o[0] += u["ops"]; o[1] += u["bytes"]
        named.update((u["bucket"], p["pid"]) for p in u["processes"])
    for p in w["processes"]:
        for r in p["reads"]:
            o = credited.setdefault(r["bucket"], [0, 0]); o[0] += r["ops"]; o[1] += r["bytes"]
checks = []
got = un.get((root, "big"), [0, 0])
checks.append(("the big reader's bytes are unattributed volume of root/big", got == [256, 1048576],
               f"expected [256, 1048576], got {got}"))
checks.append(("the big reader is named", ("big", big) in named, f"pid {big} in {sorted(p for b, p in named if b == 'big')}"))
small = un.get((root, "small"), [0, 0]); cs = credited.get("small", [0, 0])
checks.append(("the flood adds up: credited + unattributed = 60 x 4096",
               cs[1] + small[1] == 60 * 4096 and small[1] > 0 and cs[0] <= 16,
               f"credited {cs} + unattributed {small}"))
checks.append(("no read of big credited to anyone", "big" not in credited, f"{credited.get('big')}"))
checks.append(("nothing lost outright", lost == 0, lost))
fs = [f for l in open(fpath) for f in json.loads(l)["findings"]]
bl = [f for f in fs if f["rule_id"] == "sensor-blinded"]
ev = lambda f, k: next((e["value"] for e in f.get("evidence", []) if e["key"] == k), "")
big_f = [f for f in bl if f.get("bucket") == "big"]
checks.append(("a sensor-blinded finding (high) names the root, bucket big, the counts lost and the cause",
               len(big_f) >= 1 and big_f[0]["severity"] in ("high", "SEVERITY_HIGH", 3)
               and root in ev(big_f[0], "roots") and int(ev(big_f[0], "counts_full") or 0) >= 256
               and "counts map was full" in ev(big_f[0], "cause") and f"pid {big} " in ev(big_f[0], "reader1"),
               [(f.get("bucket"), f["severity"], {e["key"]: e["value"] for e in f.get("evidence", [])}) for f in bl][:2]))
bad = 0
for name, ok, got in checks:
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {got}")
    bad |= not ok
sys.exit(bad)
PY
