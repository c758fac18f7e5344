#!/usr/bin/env bash
# End to end, as root, with real processes on loopback: s3rver (the storage
# server, serving buckets from a directory the agent watches), s3fs mounted
# over it (a gateway process), awscli and raw HTTP clients, the agent
# (`gatewatch run`) and the collector. The audit records a cloud would have
# logged are written by this test into a local CloudTrail source.
#
# Each correlated rule fires on its scenario and stays silent on its benign
# twin; the agent is restarted in the middle: nothing is lost or doubled,
# and the known clients survive.
set -u
BUILD=${1:-build}
GW=$PWD/$BUILD/gatewatch
S3RVER=${S3RVER:-$PWD/build-tools/node_modules/.bin/s3rver}
AWS=/usr/bin/aws
[ -x "$AWS" ] || AWS=aws
if [ "$(id -u)" -ne 0 ]; then echo "skip: needs root for the BPF sensor"; exit 77; fi
for tool in "$S3RVER" "$AWS" s3fs; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (packaging/install-deps.sh installs it)"; exit 1; }
done
tmp=$(mktemp -d)
pids=()
cleanup() {
	[ -n "${agent:-}" ] && kill "$agent" 2>/dev/null
	umount "$tmp/mnt" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
GWKEY=AKIAGATEWAYEXAMPLE01
# the audit delay covers a file settling (1 s) and the next pull (1 s) with room
# for a slow machine: a late event would leave its slot judged without it; a
# slot holds an awscli start on a loaded machine, so that its connections
# meet the audit record written as it starts
SLOT=8 DELAY=6
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

# --- the storage server and the collector
port=$(free_port); url="http://127.0.0.1:$port"
mkdir -p "$tmp/data" "$tmp/audit" "$tmp/state" "$tmp/store" "$tmp/mnt" "$tmp/src/finance" "$tmp/src/public"
"$S3RVER" -d "$tmp/data" -a 127.0.0.1 -p "$port" --silent --configure-bucket finance --configure-bucket public \
	> "$tmp/s3rver.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "$url/finance" && break; sleep 0.1; done
for i in $(seq 8); do head -c 300000 /dev/urandom > "$tmp/src/finance/report-$i.csv"; done
for i in $(seq 4); do head -c 20000 /dev/urandom > "$tmp/src/public/logo-$i.png"; done
"$AWS" --endpoint-url "$url" s3 cp --quiet --recursive "$tmp/src/finance" s3://finance/ &&
"$AWS" --endpoint-url "$url" s3 cp --quiet --recursive "$tmp/src/public" s3://public/ || { echo "FAIL: upload"; exit 1; }
"$GW" collect --listen 127.0.0.1:0 --store "$tmp/store" 2> "$tmp/collector.log" &
pids+=($!)
for _ in $(seq 100); do cport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/collector.log"); [ -n "$cport" ] && break; sleep 0.1; done

# CloudTrail records as the cloud would log them, one per object:
# audit BUCKET IP ACCESSKEY BYTES TIME_MS OBJECTS (GetObject; ListObjects when BYTES is 0)
audit() { python3 tests/demo/cloudtrail_records.py "$tmp/audit/ct-$(now_ms)-$RANDOM.json" "$@"; }

start_agent() { # $1 = learning seconds
	# the log goes on over the restart: wait for this agent's own line
	local started
	started=$(cat "$tmp/agent.log" 2>/dev/null | grep -c "running:")
	"$GW" run --root "$tmp/data" --root "$tmp/mnt" --state-dir "$tmp/state" --interval-sec 1 \
		--pull-interval-sec 1 --audit "cloudtrail:$tmp/audit" --gateway-exe node --gateway-exe s3fs \
		--allow-exe tar --gateway-access-key "$GWKEY" --collector-url "http://127.0.0.1:$cport" \
		--audit-delay-sec "$DELAY" --correlation-slot-sec "$SLOT" --new-client-learning-sec "$1" \
		>> "$tmp/agent.log" 2>&1 &
	agent=$!
	for _ in $(seq 300); do [ "$(grep -c "running:" "$tmp/agent.log")" -gt "$started" ] && return 0; sleep 0.1; done
	cat "$tmp/agent.log"; echo "FAIL: the agent did not start"; exit 1
}
stop_agent() { kill -TERM "$agent"; wait "$agent"; local rc=$?; agent=""; [ $rc -eq 0 ] || { echo "FAIL: agent exit $rc"; exit 1; }; }
# 0.3 s into the next slot (shell arithmetic: a python start may take seconds on a loaded machine)
next_slot() { local ms; ms=$(( SLOT * 1000 - $(now_ms) % (SLOT * 1000) + 300 )); sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"; }

# --- phase 1: the agent learns; benign activity, and one copy behind the gateway's back
start_agent 600
next_slot
# the gateway (s3fs) reads with its own key: benign for credential-off-gateway
printf 'S3RVER:S3RVER\n' > "$tmp/passwd"; chmod 600 "$tmp/passwd"
# s3fs stays behind as a daemon: it must not keep the descriptors this test
# inherited (a lock held around the test) should the test end without the unmount
( for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
  exec s3fs finance "$tmp/mnt" -o url="$url" -o use_path_request_style -o passwd_file="$tmp/passwd" ) ||
	{ echo "FAIL: s3fs"; exit 1; }
# read through the mount by the allowed tar: the sensor picks up the mount at
# its next window, and a cat seen there would rightly be an unexpected reader
t=$(now_ms); tar cf /dev/null -C "$tmp/mnt" report-1.csv
audit finance 127.0.0.1 "$GWKEY" 300000 "$t" report-1.csv
next_slot
# a client the gateway knows from now on, with its reads logged
t=$(now_ms); "$AWS" --endpoint-url "$url" s3 cp --quiet --recursive s3://public/ "$tmp/dl1/"
audit public 127.0.0.1 AKIACLIENTEXAMPLE001 20000 "$t" logo-1.png,logo-2.png,logo-3.png,logo-4.png
# an allowed backup job, and an unexpected copy of the bucket's directory
tar cf /dev/null -C "$tmp/data" public
cp -r "$tmp/data/finance" "$tmp/copied"
sleep $((SLOT + DELAY + 2))
stop_agent
phase1=$("$GW" decode "$tmp/store/batches.gwb" 2>/dev/null | python3 -c 'import sys,json; print(sum(len(json.loads(l)["findings"]) for l in sys.stdin))')

# --- phase 2: restarted; the learning period is over
start_agent 0
next_slot
# a new client reads public objects
t=$(now_ms)
python3 - "$port" <<'PY'
import socket, sys
for obj in ("logo-1.png", "logo-2.png"):
    s = socket.socket(); s.bind(("127.0.0.9", 0)); s.connect(("127.0.0.1", int(sys.argv[1])))
    s.sendall(f"GET /public/{obj} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    while s.recv(65536): pass
    s.close()
PY
audit public 127.0.0.9 "" 20000 "$t" logo-1.png,logo-2.png
# the known client again (benign twin), downloading finance with no audit
# record at all (unaudited reads), while the gateway's key shows up in the
# audit log at the same time: awscli is using the gateway's credential
next_slot
t=$(now_ms); "$AWS" --endpoint-url "$url" s3 cp --quiet --recursive s3://finance/ "$tmp/dl2/"
audit finance 127.0.0.1 "$GWKEY" 0 "$t" report-2.csv
sleep $((SLOT + DELAY + 3))
stop_agent

"$GW" decode "$tmp/store/batches.gwb" > "$tmp/decoded.jsonl" || { echo "FAIL: decode"; exit 1; }
python3 - "$tmp/decoded.jsonl" "$phase1" "$tmp/agent.log" <<'PY'
import json, sys
fs = [f for l in open(sys.argv[1]) for f in json.loads(l)["findings"]]
phase1 = int(sys.argv[2])
ev = lambda f, k: next((e["value"] for e in f.get("evidence", []) if e["key"] == k), "")
by = {}
for f in fs:
    by.setdefault(f["rule_id"], []).append(f)
def check(name, ok, got):
    print(f"{'ok  ' if ok else 'FAIL'} {name}: got {got}")
    return ok
ur = by.get("unexpected-reader", [])
ua = by.get("unaudited-reads", [])
cg = by.get("credential-off-gateway", [])
nc = by.get("new-client", [])
ids = [f["id"] for f in fs]
results = [
    check("unexpected-reader: the copy by cp, not tar, not the gateway", len(ur) == 1 and ev(ur[0], "comm") == "cp",
          [(ev(f, "comm"), f["bucket"]) for f in ur]),
    check("unaudited-reads: finance (no audit), not public (audited)",
          [f["bucket"] for f in ua] == ["finance"], [f["bucket"] for f in ua]),
    check("credential-off-gateway: awscli with the gateway's key, not s3fs",
          len(cg) == 1 and ev(cg[0], "process_comm") == "aws", [(ev(f, "process_comm"), f["severity"]) for f in cg]),
    check("new-client: 127.0.0.9 with its reads, not the known 127.0.0.1",
          len(nc) == 1 and nc[0]["source_ip"] == "127.0.0.9" and int(nc[0]["count"]) == 2,
          [(f["source_ip"], f["count"]) for f in nc]),
    check("the agent kept no capability after attach",
          "capabilities after attach: none\n" in open(sys.argv[3]).read(), "see the agent log"),
    check("the first run's finding survived the restart, nothing doubled",
          phase1 >= 1 and len(ids) == len(set(ids)), f"{phase1} before the restart, {len(ids)} ids, {len(set(ids))} distinct"),
]
sys.exit(0 if all(results) else 1)
PY
rc=$?
[ $rc -eq 0 ] || { echo "--- agent log"; cat "$tmp/agent.log"; }
exit $rc
