#!/usr/bin/env bash
# make demo: gatewatch end to end on this machine, with nothing configured.
#
#  1. starts the reference collector on loopback,
#  2. runs the host sensor over a small workload that reads objects under a
#     demo root (needs root for BPF; passed over with a note otherwise),
#  3. analyzes the bundled CloudTrail sample, which holds one bulk download,
#     and ships the finding to the collector,
#  4. prints what the collector stored.
#
# DEMO_DIR=DIR keeps the demo's files there (the e2e test reads them).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GW="$PWD/$BUILD/gatewatch"
SAMPLE=tests/data/demo-cloudtrail
DIR=${DEMO_DIR:-$(mktemp -d /tmp/gatewatch-demo.XXXXXX)}
mkdir -p "$DIR"
collector=""
cleanup() { [ -n "$collector" ] && kill "$collector" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1. collector"
"$GW" collect --listen 127.0.0.1:0 --store "$DIR/store" 2>"$DIR/collector.log" &
collector=$!
port=""
for _ in $(seq 100); do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$DIR/collector.log" | head -1)
	[ -n "$port" ] && break
	kill -0 "$collector" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$port" ]; then cat "$DIR/collector.log" >&2; echo "demo: the collector did not start" >&2; exit 1; fi
echo "collector listening on 127.0.0.1:$port, store $DIR/store"

say "2. host sensor: who reads object data under the demo root"
root="$DIR/objects"
mkdir -p "$root/finance-reports" "$root/public-assets"
for i in 1 2 3 4 5; do head -c 65536 /dev/urandom > "$root/finance-reports/q$i.csv"; done
head -c 4096 /dev/urandom > "$root/public-assets/logo.png"
if [ "$(id -u)" -eq 0 ]; then
	"$GW" host --root "$root" --interval 2 --duration 6 --output "$DIR/windows.jsonl" 2>"$DIR/sensor.log" &
	sensor=$!
	for _ in $(seq 100); do grep -q "sensor attached" "$DIR/sensor.log" && break; sleep 0.1; done
	cat "$DIR/sensor.log"
	# the workload: a copy of the bucket behind the gateway's back, and a few reads
	cp -r "$root/finance-reports" "$DIR/copied"
	cat "$root/public-assets/logo.png" > /dev/null
	"$PWD/$BUILD/tests/bpf/readload" "$root/finance-reports/q1.csv" 100 4096 > /dev/null
	wait "$sensor"
	python3 - "$DIR/windows.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    w = json.loads(line)
    for p in w["processes"]:
        for r in p["reads"]:
            print(f'{w["window_end"]}  pid {p["pid"]:<7} {p["comm"]:<10} {p["exe"]:<28} '
                  f'bucket {r["bucket"]:<16} ops {r["ops"]:<5} bytes {r["bytes"]}')
PY
else
	echo "(not root: the BPF sensor needs CAP_BPF and CAP_PERFMON; run 'sudo make demo' to see it)"
fi

say "3. analyze the bundled CloudTrail sample and ship the findings"
set +e
"$GW" analyze --audit "cloudtrail:$SAMPLE" --output "$DIR/report.json" \
	--collector "http://127.0.0.1:$port"
rc=$?
set -e
[ $rc -eq 0 ] || { echo "demo: analyze failed (exit $rc)" >&2; exit 1; }
python3 - "$DIR/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["stats"]
print(f'{s["files"]} files, {s["events"]} events, {len(r["findings"])} finding(s):')
for f in r["findings"]:
    print(f'  [{f["severity"].upper()}] {f["title"]}: {f["principal"]} made {f["count"]} reads '
          f'({f["bytes"]} bytes) from {f["source_ip"]} between {f["start"]} and {f["end"]} '
          f'on bucket {f["bucket"]} (MITRE {", ".join(f["mitre"])})')
PY

say "4. what the collector received"
"$GW" decode "$DIR/store/batches.gwb" > "$DIR/decoded.jsonl"
python3 - "$DIR/decoded.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    b = json.loads(line)
    n = len(b["findings"])
    print(f'batch {b["sequence"]} from agent {b["agent_id"]} ({b["hostname"]}): {n} finding(s)')
    for f in b["findings"]:
        print(f'  {f["rule_id"]}  {f["principal"]}  count={f["count"]}')
PY
echo
echo "demo files in $DIR"
