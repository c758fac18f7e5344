#!/usr/bin/env bash
# First start on a trail with history, as root with the real sensor and the
# real collector: the audit source holds 25 days of the gateway key's
# ordinary use from the gateway's own address, from before the agent (and
# its sensor) ever ran. Host-correlated rules judge only what the sensor
# observed: none of that history may become a host-correlated finding. A
# use of the key inside the observed time while the gateway is idle still
# fires, once for the slot, with the count of events.
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then echo "skip: needs root for the BPF sensor"; exit 77; fi
GWKEY=AKIAGATEWAYEXAMPLE01
SLOT=3 DELAY=10
mkdir -p "$T/audit" "$T/state" "$T/store" "$T/root/finance"
start_collector "$T/collector.log" 0 --store "$T/store" || exit 1
now=$(date +%s%3N)
# one GetObject an hour for 25 days, the last an hour before the start
python3 - "$T/audit" "$now" <<'PY'
import os, subprocess, sys
out, now = sys.argv[1], int(sys.argv[2])
for day in range(25):
    t0 = now - (25 - day) * 86400000
    objs = ",".join(f"report-{h}.csv" for h in range(24))
    subprocess.check_call([sys.executable, "tests/demo/cloudtrail_records.py",
                           os.path.join(out, f"ct-{day:02d}.json"), "finance", "127.0.0.1",
                           "AKIAGATEWAYEXAMPLE01", "300000", str(t0), objs])
    # spread the day's records over its hours
    import json
    p = os.path.join(out, f"ct-{day:02d}.json")
    d = json.load(open(p))
    import datetime
    for h, r in enumerate(d["Records"]):
        w = datetime.datetime.fromtimestamp((t0 + h * 3600000) / 1000, datetime.timezone.utc)
        r["eventTime"] = w.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    json.dump(d, open(p, "w"))
PY
"$GW" run --root "$T/root" --state-dir "$T/state" --interval-sec 1 --pull-interval-sec 1 \
	--audit "cloudtrail:$T/audit" --gateway-exe s3fs --gateway-access-key "$GWKEY" \
	--collector-url "http://127.0.0.1:$PORT" --audit-delay-sec "$DELAY" \
	--correlation-slot-sec "$SLOT" --new-client-learning-sec 600 >"$T/agent.log" 2>&1 &
agent=$!
PIDS+=($agent)
for _ in $(seq 100); do grep -q "running:" "$T/agent.log" && break; sleep 0.1; done
sleep $((SLOT + 1))
# now, inside observed time, the key is used while the gateway is idle
t=$(date +%s%3N)
python3 tests/demo/cloudtrail_records.py "$T/audit/ct-now.json" finance 127.0.0.1 "$GWKEY" 300000 "$t" a.csv,b.csv,c.csv
sleep $((2 * SLOT + DELAY + 2))
kill -TERM $agent; wait $agent
check "the agent exits cleanly" 0 $?
"$GW" decode "$T/store/batches.gwb" >"$T/decoded.jsonl" 2>/dev/null
read -r hist now_f now_count < <(python3 - "$T/decoded.jsonl" "$now" <<'PY'
import json, sys
start = int(sys.argv[2])
host = {"credential-off-gateway", "unaudited-reads", "new-client", "unexpected-reader", "process-read-spike"}
fs = [f for l in open(sys.argv[1]) if l.strip() for f in json.loads(l).get("findings", [])]
hist = [f for f in fs if f["rule_id"] in host and int(f["start_ms"]) < start - 60000]
cur = [f for f in fs if f["rule_id"] == "credential-off-gateway" and int(f["start_ms"]) >= start - 60000]
print(len(hist), len(cur), cur[0]["count"] if cur else 0)
PY
)
check "host-correlated findings for the 25 days of history" 0 "$hist"
check "credential-off-gateway for the key used now, one for its slot" 1 "$now_f"
check "... counting its three events" 3 "$now_count"
[ $fails -eq 0 ] || { echo "--- agent log"; tail -20 "$T/agent.log"; }
[ $fails -eq 0 ]
