#!/usr/bin/env bash
# audit-source-silent, end to end with the real daemon as root (the BPF
# sensor watches a root that a reader keeps reading): a local CloudTrail
# source gets a new log file every second, then none; with a pull every
# second and silent_factor 3 the agent reports the source silent within
# seconds, critical because the host still reads objects, and ships it to
# the collector. Its benign twin, a source that delivered once and never
# steadily, raises nothing.
set -u
BUILD=${1:-build}
GW=${GATEWATCH:-$PWD/$BUILD/gatewatch}
if [ "$(id -u)" -ne 0 ]; then echo "skip: needs root for the BPF sensor"; exit 77; fi
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
mkdir -p "$tmp/data/finance" "$tmp/audit" "$tmp/once" "$tmp/state1" "$tmp/state2" "$tmp/store"
for i in $(seq 4); do head -c 200000 /dev/urandom > "$tmp/data/finance/report-$i.csv"; done
audit() { # DIR: one CloudTrail file, as the trail delivers it
	python3 tests/demo/cloudtrail_records.py "$1/ct-$(now_ms)-$RANDOM.json" finance 203.0.113.9 \
		AKIACLIENTEXAMPLE001 200000 "$(now_ms)" report-1.csv,report-2.csv
}
audit "$tmp/once"

"$GW" collect --listen 127.0.0.1:0 --store "$tmp/store" 2> "$tmp/collector.log" &
pids+=($!)
for _ in $(seq 100); do cport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/collector.log"); [ -n "$cport" ] && break; sleep 0.1; done
[ -n "$cport" ] || { echo "FAIL: collector did not start"; cat "$tmp/collector.log"; exit 1; }

run_agent() { # STATE SOURCE LOG [collector]
	"$GW" run --root "$tmp/data" --state-dir "$1" --interval-sec 1 --pull-interval-sec 1 \
		--audit "cloudtrail:$2" --silent-factor 3 --silent-min-sec 2 --duration 90 \
		${4:+--collector-url "http://127.0.0.1:$4"} > "$3" 2>&1 &
	pids+=($!)
}
run_agent "$tmp/state1" "$tmp/audit" "$tmp/steady.log" "$cport"
agent1=${pids[-1]}
run_agent "$tmp/state2" "$tmp/once" "$tmp/once.log"
agent2=${pids[-1]}
# the host keeps reading objects under the root all along
( while :; do cat "$tmp"/data/finance/*.csv > /dev/null; sleep 0.2; done ) &
pids+=($!)
# deliveries start once both agents run (loading the sensor takes a while)
for _ in $(seq 1200); do
	grep -q "running:" "$tmp/steady.log" && grep -q "running:" "$tmp/once.log" && break
	sleep 0.1
done
sleep 1
for _ in $(seq 8); do audit "$tmp/audit"; sleep 1; done
stopped=$(now_ms)
# the finding within seconds of the silence
found=
for _ in $(seq 100); do
	grep -q "finding audit-source-silent" "$tmp/steady.log" && { found=$(now_ms); break; }
	sleep 0.1
done
kill -TERM "$agent1" "$agent2"; wait "$agent1" "$agent2"
fail=0
if [ -z "$found" ]; then
	echo "FAIL: no audit-source-silent after the source stopped"; tail -20 "$tmp/steady.log"; fail=1
else
	echo "audit-source-silent $(( (found - stopped) / 100 ))00 ms after the last delivery"
fi
grep "audit-source-silent" "$tmp/once.log" && { echo "FAIL: a source that never delivered steadily raised it"; fail=1; }
[ "$(grep -c 'finding audit-source-silent' "$tmp/steady.log")" -le 1 ] || { echo "FAIL: one silence reported more than once"; fail=1; }
"$GW" decode "$tmp/store/batches.gwb" > "$tmp/decoded.jsonl" 2>/dev/null
python3 - "$tmp/decoded.jsonl" "$tmp/audit" <<'PY' || fail=1
import json, sys
fs = [f for l in open(sys.argv[1]) for f in json.loads(l)["findings"] if f.get("rule_id") == "audit-source-silent"]
if len(fs) != 1:
    sys.exit(f"FAIL: {len(fs)} audit-source-silent findings at the collector, want 1")
f = fs[0]
ev = {e["key"]: e["value"] for e in f.get("evidence", [])} if isinstance(f.get("evidence"), list) else f.get("evidence", {})
problems = []
if f.get("severity") not in ("critical", "SEVERITY_CRITICAL", 4):
    problems.append(f"severity {f.get('severity')}, want critical (the host reads)")
if ev.get("source") != "cloudtrail:" + sys.argv[2]:
    problems.append(f"source {ev.get('source')}")
if not 0.5 <= float(ev.get("usual_gap_sec", 0)) <= 6:
    problems.append(f"usual gap {ev.get('usual_gap_sec')}")
if int(ev.get("host_reads_since", 0)) <= 0:
    problems.append("no host reads since")
if not ev.get("last_delivery_ms"):
    problems.append("no last delivery")
if problems:
    print(json.dumps(f))
    sys.exit("FAIL: " + "; ".join(problems))
print("collector: audit-source-silent", f.get("severity"), ev)
PY
[ "$fail" -eq 0 ] && echo "ok: audit-source-silent"
exit "$fail"
