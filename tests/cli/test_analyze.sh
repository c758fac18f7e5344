#!/usr/bin/env bash
# gatewatch analyze end to end: the bundled demo sample gives exactly one
# bulk-download finding; bad input gives the documented exit codes and one
# stderr line naming the flag or the file, and the report is still written.
# Usage: tests/cli/test_analyze.sh BUILD_DIR   (exit 0 pass, 1 fail)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GW="$PWD/$BUILD/gatewatch"
DEMO=tests/data/demo-cloudtrail
CT=tests/data/cloudtrail
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

# expect_rc NAME WANT GOT
expect_rc() {
	if [ "$2" -eq "$3" ]; then ok "$1: exit $3"; else fail "$1: expected exit $2, got $3"; fi
}

# expect_one_line NAME FILE NEEDLE: FILE holds exactly one line, containing NEEDLE.
expect_one_line() {
	local n
	n=$(wc -l < "$2")
	if [ "$n" -eq 1 ] && grep -qF -- "$3" "$2"; then
		ok "$1: one stderr line naming '$3'"
	else
		fail "$1: expected one stderr line naming '$3', got $n lines:"; sed 's/^/    /' "$2"
	fi
}

# check_json NAME FILE PYTHON-EXPR: the expression over the report `r` is true.
check_json() {
	local out
	if out=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
f = r["findings"]
ok = eval("(" + sys.argv[2] + ")")
print(json.dumps({"stats": r["stats"], "findings": [{k: x[k] for k in ("rule_id", "principal", "count", "bucket")} for x in f]}))
sys.exit(0 if ok else 1)' "$2" "$3" 2>&1); then
		ok "$1: $3"
	else
		fail "$1: expected $3, got: $out"
	fi
}

[ -x "$GW" ] || { echo "FAIL: $GW not built"; exit 1; }

# 1. The demo: one bulk download by svc-reporting, 240 reads, nothing else.
"$GW" analyze --audit "$DEMO" --output "$TMP/demo.json" 2> "$TMP/err"
expect_rc demo 0 $?
check_json demo "$TMP/demo.json" 'len(f) == 1 and f[0]["rule_id"] == "bulk-download" and f[0]["principal"].endswith(":user/svc-reporting") and f[0]["count"] == 240'
check_json demo-details "$TMP/demo.json" 'f[0]["severity"] == "high" and f[0]["source_ip"] == "203.0.113.45" and f[0]["bucket"] == "finance-reports" and f[0]["start"] == "2026-11-24T02:10:00Z" and "T1530" in f[0]["mitre"] and f[0]["evidence"]["distinct_objects"] == "240" and r["stats"]["digests"] == 1 and r["stats"]["files_failed"] == 0 and r["incidents"] == []'
[ -s "$TMP/err" ] && fail "demo: expected no stderr, got: $(cat "$TMP/err")"
ls "$TMP" | grep -q '\.tmp\.' && fail "demo: a temporary report file was left behind"

# Same input, same finding id; stdout when --output is left out.
"$GW" analyze --audit "cloudtrail:$DEMO" > "$TMP/demo2.json" 2> "$TMP/err"
expect_rc demo-stdout 0 $?
id1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["findings"][0]["id"])' "$TMP/demo.json")
check_json demo-stable-id "$TMP/demo2.json" "f[0][\"id\"] == \"$id1\""

# Filters: another bucket has no bulk download; a 10-minute slice is under the
# default threshold (97 reads) but over a threshold of 50.
"$GW" analyze --audit "$DEMO" --bucket team-docs --output "$TMP/bucket.json" 2> "$TMP/err"
expect_rc bucket-filter 0 $?
check_json bucket-filter "$TMP/bucket.json" 'len(f) == 0 and r["stats"]["events_analyzed"] == 12'
"$GW" analyze --audit "$DEMO" --now 2026-11-24T02:20:00Z --hours-back 1 --output "$TMP/slice.json" 2> "$TMP/err"
expect_rc time-slice 0 $?
check_json time-slice "$TMP/slice.json" 'len(f) == 0'
"$GW" analyze --audit "$DEMO" --now 2026-11-24T02:20:00Z --hours-back 1 --bulk-threshold 50 --output "$TMP/slice50.json" 2> "$TMP/err"
expect_rc time-slice-threshold-50 0 $?
check_json time-slice-threshold-50 "$TMP/slice50.json" 'len(f) == 1 and f[0]["count"] == 97'

# 2. Usage errors: exit 2, one line naming the path or the flag.
"$GW" analyze --audit "$TMP/no-such-file.json" > "$TMP/out" 2> "$TMP/err"
expect_rc missing-file 2 $?
expect_one_line missing-file "$TMP/err" "$TMP/no-such-file.json"
"$GW" analyze --audit "$DEMO" --no-such-flag > "$TMP/out" 2> "$TMP/err"
expect_rc unknown-flag 2 $?
expect_one_line unknown-flag "$TMP/err" "--no-such-flag"
"$GW" analyze --bucket x > "$TMP/out" 2> "$TMP/err"
expect_rc missing-audit 2 $?
expect_one_line missing-audit "$TMP/err" "--audit"
"$GW" analyze --audit "$DEMO" --bulk-threshold 12x > "$TMP/out" 2> "$TMP/err"
expect_rc bad-number 2 $?
expect_one_line bad-number "$TMP/err" "--bulk-threshold"
"$GW" analyze --audit "$DEMO" --hours-back -3 > "$TMP/out" 2> "$TMP/err"
expect_rc negative-number 2 $?
expect_one_line negative-number "$TMP/err" "--hours-back"
"$GW" analyze --audit "$DEMO" --now yesterday > "$TMP/out" 2> "$TMP/err"
expect_rc bad-time 2 $?
expect_one_line bad-time "$TMP/err" "--now"
"$GW" analyze --audit "splunk:$DEMO" > "$TMP/out" 2> "$TMP/err"
expect_rc unknown-prefix 2 $?
expect_one_line unknown-prefix "$TMP/err" "splunk"
"$GW" analyze --help > "$TMP/out" 2> "$TMP/err"
expect_rc help 0 $?
for opt in --audit --bucket --hours-back --now --output --bulk-threshold --collector-url --token-file --ca-file --cert-file --key-file "default: 100" \
	"--baseline-days N     calendar days of history" "--established-days days with activity (default 14"; do
	grep -qF -- "$opt" "$TMP/out" || fail "help: expected '$opt' in --help, got: $(cat "$TMP/out")"
done

# 3. Runtime errors: exit 1, one line naming the file, the report still written.
"$GW" analyze --audit "$CT/notjson.txt" --output "$TMP/bad.json" 2> "$TMP/err"
expect_rc not-json 1 $?
expect_one_line not-json "$TMP/err" "$CT/notjson.txt"
check_json not-json-report "$TMP/bad.json" 'r["stats"]["files_failed"] == 1 and len(f) == 0'
"$GW" analyze --audit "$CT/truncated.json.gz" --output "$TMP/trunc.json" 2> "$TMP/err"
expect_rc truncated-gz 1 $?
expect_one_line truncated-gz "$TMP/err" "$CT/truncated.json.gz"
check_json truncated-gz-report "$TMP/trunc.json" 'r["stats"]["files_failed"] == 1'

# A bad record in the middle of a big file (read in pieces): one line naming
# the file, the line and the offset; the records around it are read.
python3 - "$TMP/lines.jsonl" <<'PY'
import sys
rec = ('{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com",'
       '"eventName":"GetObject","requestID":"R%d","eventID":"E%d","pad":"%s"}\n')
with open(sys.argv[1], "w") as f:
    for i in range(12000):
        f.write('{"eventTime": broken\n' if i == 9000 else rec % (i, i, "x" * 400))
PY
"$GW" analyze --audit "cloudtrail:$TMP/lines.jsonl" --output "$TMP/lines.json" 2> "$TMP/err"
expect_rc bad-record 0 $?
off=$(python3 -c 'import sys; print(sum(len(l) for l in open(sys.argv[1]).readlines()[:9000]))' "$TMP/lines.jsonl")
expect_one_line bad-record "$TMP/err" "$TMP/lines.jsonl: line 9001 (offset $off): invalid JSON"
check_json bad-record-report "$TMP/lines.json" 'r["stats"]["events"] == 11999 and r["stats"]["skipped"] == 1'

# A directory with one good and one bad file: the good file's events count.
mkdir -p "$TMP/mixed"
python3 -c '
import json, sys
recs = json.load(open(sys.argv[1]))["Records"]
json.dump({"Records": [x for x in recs if isinstance(x, dict) and "eventTime" in x]}, open(sys.argv[2], "w"))' \
	"$CT/records.json" "$TMP/mixed/a-good.json"
head -c 300 "$DEMO"/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/*T0215Z*.json.gz > "$TMP/mixed/b-cut.json.gz"
# Files that are not logs beside them are passed over and listed, and do
# not change the exit status; the broken log does.
printf '# trail exports\n' > "$TMP/mixed/README.md"
printf 'bucket\towner\n' > "$TMP/mixed/owners.tsv"
"$GW" analyze --audit "$TMP/mixed" --output "$TMP/mixed.json" 2> "$TMP/err"
expect_rc mixed-dir 1 $?
expect_one_line mixed-dir "$TMP/err" "$TMP/mixed/b-cut.json.gz"
check_json mixed-dir-report "$TMP/mixed.json" 'r["stats"]["events"] == 5 and r["stats"]["files"] == 1 and r["stats"]["files_failed"] == 1 and r["stats"]["not_logs"] == 2 and sorted(x["path"].rsplit("/", 1)[1] for x in r["files_skipped"]) == ["README.md", "owners.tsv"] and [x["path"].rsplit("/", 1)[1] for x in r["files_failed"]] == ["b-cut.json.gz"]'
rm "$TMP/mixed/b-cut.json.gz"
"$GW" analyze --audit "$TMP/mixed" --output "$TMP/mixed2.json" --quiet 2> "$TMP/err"
expect_rc not-logs-only 0 $?
check_json not-logs-report "$TMP/mixed2.json" 'r["stats"]["events"] == 5 and r["stats"]["files_failed"] == 0 and len(r["files_skipped"]) == 2'

# Several sources add up: the demo plus a bad file still finds the download.
"$GW" analyze --audit "$DEMO" --audit "$CT/notjson.txt" --output "$TMP/two.json" 2> "$TMP/err"
expect_rc two-sources 1 $?
check_json two-sources "$TMP/two.json" 'len(f) == 1 and f[0]["count"] == 240 and r["sources"] == ["'"$PWD"'/tests/data/demo-cloudtrail", "'"$PWD"'/tests/data/cloudtrail/notjson.txt"]'

# 4. --collector-url: the finding reaches a real collector; an unreachable one is exit 1.
"$GW" collect --listen 127.0.0.1:0 --store "$TMP/store" 2> "$TMP/collect.err" &
cpid=$!
port=
for _ in $(seq 50); do
	port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$TMP/collect.err" | head -1 | sed 's/.*://')
	[ -n "$port" ] && break
	sleep 0.1
done
if [ -z "$port" ]; then
	fail "collector: did not start: $(cat "$TMP/collect.err")"
else
	"$GW" analyze --audit "$DEMO" --output "$TMP/shipped.json" --collector-url "http://127.0.0.1:$port" 2> "$TMP/err"
	expect_rc collector 0 $?
	"$GW" decode "$TMP/store/batches.gwb" > "$TMP/decoded.jsonl" 2> "$TMP/err"
	if python3 -c '
import json, sys
b = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
f = [x for batch in b for x in batch["findings"]]
sys.exit(0 if len(f) == 1 and f[0]["rule_id"] == "bulk-download" and f[0]["count"] == 240 else 1)' "$TMP/decoded.jsonl"; then
		ok "collector: stored one bulk-download finding with count 240"
	else
		fail "collector: expected one stored bulk-download finding, got: $(head -c 400 "$TMP/decoded.jsonl")"
	fi
fi
kill "$cpid" 2> /dev/null
wait "$cpid" 2> /dev/null
[ -n "$port" ] && "$GW" analyze --audit "$DEMO" --output "$TMP/unshipped.json" --collector-url "http://127.0.0.1:$port" 2> "$TMP/err"
expect_rc collector-unreachable 1 $?
check_json collector-unreachable-report "$TMP/unshipped.json" 'len(f) == 1'

# A summary for a person: on standard output beside a report file, on stderr
# beside a report on standard output, none with --quiet.
"$GW" analyze --audit "$DEMO" --output "$TMP/sum.json" > "$TMP/sum.out" 2> "$TMP/sum.err"
expect_rc summary 0 $?
if grep -q "^gatewatch analyze: 1 source(s), 7 file(s) read, 0 failed, 301 event(s)" "$TMP/sum.out" &&
	grep -q "findings: 1 (0 critical, 1 high" "$TMP/sum.out" &&
	grep -q "finding  high .* bulk-download: .*svc-reporting bucket finance-reports" "$TMP/sum.out" &&
	grep -q "report: $TMP/sum.json" "$TMP/sum.out"; then
	ok "summary: files, events, findings by severity, a headline, the report's place"
else
	fail "summary: got $(cat "$TMP/sum.out")"
fi
"$GW" analyze --audit "$DEMO" > "$TMP/sum2.json" 2> "$TMP/sum2.err"
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/sum2.json" &&
	grep -q "^gatewatch analyze: " "$TMP/sum2.err"; then
	ok "summary: on stderr when the report goes to standard output, which stays JSON"
else
	fail "summary on stderr: got $(head -c 300 "$TMP/sum2.err")"
fi
"$GW" analyze --audit "$DEMO" --quiet --output "$TMP/sum3.json" > "$TMP/sum3.out" 2>&1
if [ ! -s "$TMP/sum3.out" ]; then ok "summary: none with --quiet"; else fail "--quiet printed: $(cat "$TMP/sum3.out")"; fi

# 5. The report records what was asked: the window, the bucket, the
# sources (absolute), and keeps the detector's counters to themselves.
"$GW" analyze --audit "$DEMO" --now 2026-11-26T00:00:00Z --hours-back 30 --baseline-days 1 \
	--bucket finance-reports --quiet --output "$TMP/win.json" 2>"$TMP/win.err"
check_json window "$TMP/win.json" 'r["window"] == {"now": "2026-11-26T00:00:00Z", "now_from": "--now",
	"hours_back": 30, "from": "2026-11-24T18:00:00Z", "to": "2026-11-26T00:00:00Z",
	"baseline_days": 1, "learn_from": "2026-11-23T18:00:00Z", "events_before_history": 0}
	and r["bucket"] == "finance-reports" and r["sources"] == ["'"$PWD/$DEMO"'"]'
"$GW" analyze --audit "$DEMO" --now 2026-11-25T10:00:00Z --hours-back 12 --baseline-days 0 \
	--quiet --output /dev/null 2>"$TMP/err"
expect_rc baseline-days-0 2 $?
"$GW" analyze --audit "$DEMO" --now 2026-11-25T20:00:00Z --hours-back 12 --baseline-days 1 \
	--quiet --output "$TMP/hist.json"
check_json window-history "$TMP/hist.json" 'r["window"]["learn_from"] == "2026-11-24T08:00:00Z" and
	0 < r["window"]["events_before_history"] < 301 and r["window"]["events_before_history"] +
	r["stats"]["events_analyzed"] + r["stats"]["events_baseline"] == r["stats"]["events"]'
"$GW" analyze --audit "$DEMO" --quiet --output "$TMP/win2.json"
check_json window-defaults "$TMP/win2.json" 'r["window"]["now_from"] == "newest event" and
	r["window"]["now"] == "2026-11-24T16:50:10Z" and r["window"]["from"] is None and
	r["window"]["hours_back"] is None and r["window"]["baseline_days"] is None and r["bucket"] is None'
"$GW" analyze --audit "$DEMO" --baseline-days 1 --quiet --output "$TMP/win3.json"
check_json window-first-days "$TMP/win3.json" 'r["window"]["from"] >= "2026-11-25T00:00:41Z" and
	len(f) == 0 and r["stats"]["events_analyzed"] == 0 and r["stats"]["events_baseline"] == 301'
"$GW" analyze --audit "$DEMO" --bucket finance-reportz --quiet --output "$TMP/nob.json" 2>"$TMP/err"
expect_rc bucket-typo 0 $?
expect_one_line bucket-typo "$TMP/err" "--bucket finance-reportz matched no event; buckets seen: finance-reports, org-cloudtrail-logs, backups, team-docs"
check_json bucket-typo-report "$TMP/nob.json" 'r["bucket"] == "finance-reportz" and
	sorted(r["buckets_seen"]) == ["backups", "finance-reports", "org-cloudtrail-logs", "team-docs"]'
check_json detector-section "$TMP/win2.json" 'all(k in r["detector"] for k in ("state_bytes",
	"seconds", "entities_dropped")) and not any(k in x or k in x["evidence"] for x in f
	for k in ("state_bytes", "seconds", "entities_dropped"))'

# 6. Findings speak: one sentence of why, with the numbers, and a next step.
check_json why-bulk "$TMP/win2.json" 'f[0]["why"] == "arn:aws:iam::123456789012:user/svc-reporting read 240 "
	"objects (119137411 bytes) within 3600s, above the threshold of 100 object reads per hour."
	and "AKIAEXAMPLESVCREP001" in f[0]["next_step"]'
"$GW" analyze --audit tests/data/coldstart --quiet --output "$TMP/cold.json" 2>/dev/null
check_json why-every-finding "$TMP/cold.json" 'len(f) > 5 and all(x["why"].endswith(".") and
	any(c.isdigit() for c in x["why"]) and "{" not in x["why"] and len(x["next_step"]) > 20 and
	not __import__("re").search(r"\. [A-Z]", x["why"]) for x in f)'

# --output into a FIFO or a device writes into it: the report is not put in
# the node's place by the temp-file rename that protects regular files
mkfifo "$TMP/pipe"
timeout 60 cat "$TMP/pipe" > "$TMP/piped.json" &
reader=$!
"$GW" analyze --audit "$DEMO" --quiet --output "$TMP/pipe" 2>"$TMP/pipe.err"
expect_rc output-fifo 0 $?
wait $reader
if [ -p "$TMP/pipe" ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))["findings"]' \
	"$TMP/piped.json" 2>/dev/null; then ok "output-fifo: the report went through, the FIFO is still one"
else fail "output-fifo: FIFO replaced or report lost"; fi
if [ "$(id -u)" = 0 ] && mknod -m 666 "$TMP/null" c 1 3 2>/dev/null; then
	"$GW" analyze --audit "$DEMO" --quiet --output "$TMP/null" 2>"$TMP/null.err"
	expect_rc output-device 0 $?
	if [ -c "$TMP/null" ]; then ok "output-device: a null device stays a device"
	else fail "output-device: the device node was replaced by a file"; fi
fi

if [ $fails -ne 0 ]; then
	echo "test_analyze: $fails failed"
	exit 1
fi
echo "test_analyze: all passed"
