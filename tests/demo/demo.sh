#!/usr/bin/env bash
# make demo: gatewatch end to end on this machine, with nothing configured.
#
#  1. starts the reference collector on loopback;
#  2. starts a storage gateway: s3rver serving two buckets from a local
#     directory, and the agent (`gatewatch run`) watching that directory,
#     with a local CloudTrail source into which this script writes the
#     records a cloud would have logged for the requests below;
#  3. ordinary traffic: a known client downloads public objects;
#  4. an attack: a process copies a bucket's directory behind the gateway's
#     back, and a new address downloads 150 objects with the long-term key
#     of a service account whose three weeks of history the agent has read;
#  5. analyzes the bundled CloudTrail sample offline and ships its finding;
#  6. prints what the collector received.
#
# The BPF sensor needs root; without it the gateway part is passed over.
# Each step prints a progress line with the seconds since the start. The
# temporary directory is removed on exit unless KEEP=1; DEMO_DIR=DIR puts
# the demo's files there and keeps them (the e2e test reads them).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GW="$PWD/$BUILD/gatewatch"
S3RVER="$PWD/build-tools/node_modules/.bin/s3rver"
AWS=/usr/bin/aws
SAMPLE=tests/data/demo-cloudtrail
RECORDS="python3 $PWD/tests/demo/cloudtrail_records.py"
DIR=${DEMO_DIR:-$(mktemp -d /tmp/gatewatch-demo.XXXXXX)}
[ -n "${DEMO_DIR:-}" ] && KEEP=1
mkdir -p "$DIR"
pids=()
agent=""
START=$SECONDS
cleanup() {
	[ -n "$agent" ] && kill "$agent" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null || true
	if [ "${KEEP:-0}" = 1 ]; then
		echo "demo files kept in $DIR"
	else
		rm -rf "$DIR"
		echo "demo files removed (KEEP=1 keeps them)"
	fi
}
trap cleanup EXIT
# Bold only on a terminal, and not with NO_COLOR.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\033[1m' N=$'\033[0m'; else B="" N=""; fi
say() { printf '\n%s== [%ds] %s%s\n' "$B" $((SECONDS - START)) "$*" "$N"; }
now_ms() { date +%s%3N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

say "1. collector"
"$GW" collect --listen 127.0.0.1:0 --store "$DIR/store" 2>"$DIR/collector.log" &
pids+=($!)
cport=""
for _ in $(seq 100); do
	cport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$DIR/collector.log" | head -1)
	[ -n "$cport" ] && break
	sleep 0.1
done
[ -n "$cport" ] || { cat "$DIR/collector.log" >&2; echo "demo: the collector did not start" >&2; exit 1; }
echo "collector listening on 127.0.0.1:$cport, store $DIR/store"

if [ "$(id -u)" -eq 0 ] && [ -x "$S3RVER" ] && [ -x "$AWS" ]; then
	say "2. a storage gateway: s3rver serving $DIR/objects, watched by gatewatch"
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
	export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
	port=$(free_port)
	url="http://127.0.0.1:$port"
	mkdir -p "$DIR/objects" "$DIR/audit" "$DIR/state" "$DIR/src/finance-reports" "$DIR/src/public-assets"
	"$S3RVER" -d "$DIR/objects" -a 127.0.0.1 -p "$port" --silent \
		--configure-bucket finance-reports --configure-bucket public-assets > "$DIR/s3rver.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do curl -s -o /dev/null "$url/public-assets" && break; sleep 0.1; done
	objs=""
	for i in $(seq 150); do
		head -c 2048 /dev/urandom > "$DIR/src/finance-reports/q$i.csv"
		objs="$objs${objs:+,}q$i.csv"
	done
	for i in 1 2 3; do head -c 50000 /dev/urandom > "$DIR/src/public-assets/logo-$i.png"; done
	"$AWS" --endpoint-url "$url" s3 cp --quiet --recursive "$DIR/src/finance-reports" s3://finance-reports/
	"$AWS" --endpoint-url "$url" s3 cp --quiet --recursive "$DIR/src/public-assets" s3://public-assets/
	# three weeks of the reporting account's ordinary reads: its baseline
	python3 tests/demo/cloudtrail_history.py "$DIR/audit" 21 "$(now_ms)"
	touch -d '10 seconds ago' "$DIR"/audit/history-*.json
	LEARN=12
	"$GW" run --root "$DIR/objects" --state-dir "$DIR/state" --interval-sec 1 --pull-interval-sec 1 \
		--audit "cloudtrail:$DIR/audit" --gateway-exe node --collector-url "http://127.0.0.1:$cport" \
		--audit-delay-sec 2 --correlation-slot-sec 4 --new-client-learning-sec "$LEARN" \
		2> "$DIR/agent.log" &
	agent=$!
	for _ in $(seq 100); do grep -q "running:" "$DIR/agent.log" && break; sleep 0.1; done
	started=$(date +%s)
	cat "$DIR/agent.log"

	say "3. ordinary traffic: a known client downloads the public assets"
	t=$(now_ms)
	# plain GETs of public objects (curl starts in milliseconds; a client
	# that takes seconds to start on a loaded machine could fall after the
	# learning period and be reported as new)
	mkdir -p "$DIR/downloads"
	for i in 1 2 3; do
		curl -sf -o "$DIR/downloads/logo-$i.png" "$url/public-assets/logo-$i.png" ||
			{ echo "demo: GET public-assets/logo-$i.png failed" >&2; exit 1; }
	done
	echo "127.0.0.1 downloaded 3 objects of public-assets"
	$RECORDS "$DIR/audit/ordinary.json" public-assets 127.0.0.1 AKIACLIENTEXAMPLE001 50000 "$t" \
		logo-1.png,logo-2.png,logo-3.png web-frontend
	# the clients of the learning period are known from now on; it is long
	# enough for a slow machine and waited out
	while [ $(($(date +%s) - started)) -le "$LEARN" ]; do sleep 0.5; done

	say "4. the attack: a copy behind the gateway's back, and a burst of downloads from a new address"
	cp -r "$DIR/objects/finance-reports" "$DIR/stolen"
	echo "cp copied the finance-reports directory to $DIR/stolen"
	t=$(now_ms)
	python3 - "$port" "$objs" <<'PY'
import socket, sys
port, objs = int(sys.argv[1]), sys.argv[2].split(",")
for obj in objs:
    s = socket.socket(); s.bind(("127.0.0.66", 0)); s.connect(("127.0.0.1", port))
    s.sendall(f"GET /finance-reports/{obj} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    while s.recv(65536):
        pass
    s.close()
print(f"127.0.0.66 downloaded {len(objs)} objects of finance-reports")
PY
	$RECORDS "$DIR/audit/burst.json" finance-reports 127.0.0.66 AKIAIOSFODNN7EXAMPLE 2048 "$t" "$objs" svc-reporting
	echo "(waiting for the audit delivery delay and the correlation window)"
	sleep 9
	kill -TERM "$agent"; wait "$agent" || true; agent=""
	grep -E "finding|incident|stopped" "$DIR/agent.log" | sed 's/^<[0-9]>gatewatch: //' || true
else
	say "2-4. the gateway part is passed over"
	echo "(it needs root for the BPF sensor, s3rver and awscli: run 'sudo make demo')"
fi

say "5. offline: analyze the bundled CloudTrail sample and ship the findings"
"$GW" analyze --audit "cloudtrail:$SAMPLE" --output "$DIR/report.json" --collector-url "http://127.0.0.1:$cport"
python3 - "$DIR/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["stats"]
print(f'{s["files"]} files, {s["events"]} events, {len(r["findings"])} finding(s), '
      f'{len(r.get("incidents", []))} incident(s)')
for f in r["findings"]:
    print(f'  [{f["severity"].upper()}] {f["title"]}: {f["principal"]} made {f["count"]} reads '
          f'({f["bytes"]} bytes) from {f["source_ip"]} between {f["start"]} and {f["end"]} '
          f'on bucket {f["bucket"]} (MITRE {", ".join(f["mitre"])})')
PY

say "6. what the collector received"
"$GW" decode "$DIR/store/batches.gwb" > "$DIR/decoded.jsonl"
python3 - "$DIR/decoded.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    b = json.loads(line)
    print(f'batch {b["sequence"]} from agent {b["agent_id"][:12]} ({b["hostname"]}): '
          f'{len(b["findings"])} finding(s), {len(b.get("incidents", []))} incident(s)')
    for f in b["findings"]:
        ev = {e["key"]: e["value"] for e in f.get("evidence", [])}
        who = f.get("principal") or ev.get("exe") or f.get("source_ip") or ""
        print(f'  [{f["severity"].upper():8}] {f["rule_id"]:24} {who}  '
              f'bucket={f.get("bucket", "")} count={f.get("count", 0)}')
    for i in b.get("incidents", []):
        print(f'  incident {i.get("classification", "")} score {i.get("score", 0)}')
        for line in i.get("timeline", []):
            print(f'    | {line}')
        for step in i.get("remediation", [])[:5]:
            print(f'    - {step}')
PY
echo
echo "demo done in $((SECONDS - START)) s"
