#!/usr/bin/env bash
# One score, one count: the same audit events through `gatewatch analyze`
# (offline) and `gatewatch run` (live, the sensor off, shipping to a real
# collector) make the same findings with the same ids, scores and counts.
# The demo's bulk download is 240 reads: live, it is reported when it
# crosses the threshold (101) and again, same id, with the whole burst; the
# collector keeps the latest: 240, the score analyze gives. Scores are whole
# numbers on both sides.
#   tests/e2e/test_analyze_run.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
DATA=$PWD/tests/data/demo-cloudtrail

# "id rule score count" per finding, sorted
from_report() {
	python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print(f["id"], f["rule_id"], f["score"], f["count"])' "$1" | sort
}
from_collector() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l); f = e["finding"]
    print(e["id"], f["rule_id"], f["score"], f["count"])' "$1" | sort
}

"$GW" analyze --audit "cloudtrail:$DATA" --output "$T/report.json" --quiet 2>"$T/analyze.log" ||
	{ cat "$T/analyze.log"; echo "FAIL: analyze"; exit 1; }
start_collector "$T/c.log" 0 --store "$T/store" || exit 1
"$GW" run --state-dir "$T/state" --audit "cloudtrail:$DATA" --collector-url "http://127.0.0.1:$PORT" \
	--pull-interval-sec 1 --duration 4 2>"$T/run.log" || { cat "$T/run.log"; echo "FAIL: run"; exit 1; }
curl -s --max-time 30 -o "$T/view" "http://127.0.0.1:$PORT/v1/findings?view=finding" ||
	{ echo "FAIL: GET /v1/findings?view=finding"; exit 1; }
a=$(from_report "$T/report.json")
r=$(from_collector "$T/view")
check "analyze found something to compare" 1 "$([ -n "$a" ] && echo 1 || echo 0)"
check "analyze and run: the same findings, ids, scores and counts" "$a" "$r"
check "the bulk download's count is the whole burst, its score a whole number" \
	"bulk-download 82 240" "$(echo "$r" | awk '$2 == "bulk-download" {print $2, $3, $4}')"
[ "$fails" -eq 0 ] || { cat "$T/run.log"; exit 1; }
