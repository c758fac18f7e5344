#!/usr/bin/env bash
# The daemon's metrics for what its bounds cost (no sensor: audit only).
# A local CloudTrail source is pulled every second; a file delivered late
# holds records more than [audit] reorder_window_sec behind what was fed
# before (counted in gatewatch_audit_late_records_total, still analyzed) and
# records within it (not counted); with [detect] max_identities 2, the
# events of a third, fourth and fifth principal are kept from the baselines
# (gatewatch_detector_events_dropped_total{bound="entities"}). A scrape of
# /metrics shows both with their HELP and TYPE.
# Usage: tests/e2e/test_daemon_metrics.sh BUILD_DIR   (exit 0 pass, 1 fail)
. "$(dirname "$0")/lib.sh"

# records FILE HH:MM USER...: one GetObject per user, a minute apart from HH:MM
records() {
	python3 - "$@" <<'PY'
import datetime, json, sys
path, start, users = sys.argv[1], sys.argv[2], sys.argv[3:]
t0 = datetime.datetime.strptime("2026-11-24T" + start, "%Y-%m-%dT%H:%M")
recs = []
for i, u in enumerate(users):
    t = (t0 + datetime.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recs.append({"eventVersion": "1.09", "eventTime": t, "eventSource": "s3.amazonaws.com",
                 "eventName": "GetObject", "awsRegion": "us-east-1",
                 "sourceIPAddress": "198.51.100.7", "userAgent": "[aws-cli/2.15.30]",
                 "eventID": f"{path[-12:]}-{i:04d}", "recipientAccountId": "111122223333",
                 "userIdentity": {"type": "IAMUser", "accountId": "111122223333",
                                  "arn": f"arn:aws:iam::111122223333:user/{u}",
                                  "accessKeyId": "AKIAEXAMPLE" + u.upper().rjust(9, "0")},
                 "requestParameters": {"bucketName": "data", "key": f"r/{i}.csv"}})
with open(path, "w") as fh:
    json.dump({"Records": recs}, fh)
PY
}

mkdir -p "$T/logs" "$T/state"
: > "$T/empty.conf"
chmod 0600 "$T/empty.conf"
# 30 records 10:00-10:29: alice and bob, and one each of carol, dave and erin
users=()
for i in $(seq 27); do users+=("$([ $((i % 2)) = 0 ] && echo alice || echo bob)"); done
records "$T/logs/a.json" 10:00 "${users[@]:0:10}" carol "${users[@]:10:10}" dave "${users[@]:20}" erin
touch -d '-1 min' "$T/logs/a.json"

MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$GW" run --config "$T/empty.conf" --state-dir "$T/state" --audit "cloudtrail:$T/logs" \
	--pull-interval-sec 1 --reorder-window-sec 900 --max-identities 2 \
	--metrics-listen "127.0.0.1:$MPORT" --duration 60 2>"$T/run.err" &
RPID=$!
PIDS+=("$RPID")
for _ in $(seq 100); do grep -q "serving /metrics" "$T/run.err" && break; sleep 0.1; done
grep -q "serving /metrics" "$T/run.err" ||
	{ echo "FAIL: the daemon did not serve metrics"; cat "$T/run.err"; exit 1; }

# scrape NAME: the value of a series (empty when missing)
scrape() { curl -s "127.0.0.1:$MPORT/metrics" | awk -v s="$1" '$1 == s {print $2}'; }
# wait_events N: until the daemon has read N events
wait_events() {
	for _ in $(seq 100); do
		[ "$(curl -s "127.0.0.1:$MPORT/metrics" | awk '/^gatewatch_audit_events_total/ {n += $2} END {print n + 0}')" -ge "$1" ] &&
			return 0
		sleep 0.1
	done
	return 1
}

wait_events 30 || { echo "FAIL: the first file was not read"; cat "$T/run.err"; exit 1; }
sleep 0.3
check "in order: no late record" 0 "$(scrape gatewatch_audit_late_records_total)"
# the detector's own count, as analyze reports it for the same file
"$GW" analyze --audit "cloudtrail:$T/logs/a.json" --max-identities 2 --quiet --output "$T/a.json"
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["detector"]["entities_dropped"])' "$T/a.json")
[ "$want" -gt 0 ] || { echo "FAIL: analyze reports no event past max_identities 2"; fails=$((fails + 1)); }
check "max_identities 2: carol's, dave's and erin's events kept from the baselines" "$want" \
	"$(scrape 'gatewatch_detector_events_dropped_total{bound="entities"}')"

# Delivered later: three records at 09:00-09:02, an hour and a half behind
# the newest fed (10:29), and two at 10:20-10:21, within the 15-minute window.
records "$T/logs/b.json" 09:00 alice bob alice
records "$T/logs/c.json" 10:20 bob alice
touch -d '-1 min' "$T/logs/b.json" "$T/logs/c.json"
wait_events 35 || { echo "FAIL: the late files were not read"; cat "$T/run.err"; exit 1; }
sleep 0.3
check "records behind the window: late, counted" 3 "$(scrape gatewatch_audit_late_records_total)"
m=$(curl -s "127.0.0.1:$MPORT/metrics")
check "late records: described as a counter" 1 \
	"$(echo "$m" | grep -c '^# TYPE gatewatch_audit_late_records_total counter$')"
check "bound losses: described as a counter" 1 \
	"$(echo "$m" | grep -c '^# TYPE gatewatch_detector_events_dropped_total counter$')"
check "bound losses: every bound has its series" 4 \
	"$(echo "$m" | grep -c '^gatewatch_detector_events_dropped_total{bound="\(entities\|volume\|seen\|memory\)"}')"
check "every record read, the late ones too" 35 \
	"$(echo "$m" | awk '/^gatewatch_audit_events_total/ {n += $2} END {print n + 0}')"

kill -TERM "$RPID"
wait "$RPID"
check "daemon: exits 0" 0 "$?"

[ "$fails" = 0 ] || { echo "test_daemon_metrics: $fails failed"; exit 1; }
echo "test_daemon_metrics: all passed"
