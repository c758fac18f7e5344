#!/usr/bin/env bash
# The S3 pull against a peer that fails: s3rver behind the SigV4 proxy,
# which answers chosen objects with an error status a set number of times.
# 1. Two 503s, then the object: the pull retries and reads every event.
# 2. A 503 that does not end: the run stops at that object with one error
#    line naming it, counted as a failed file (exit status 1: the report
#    is not whole), the cursor stays before it, and the next run (the peer
#    healthy again) reads it and the rest: every event exactly once.
# 3. A 404 (the object deleted after the listing): counted as a failed
#    file, the pull goes on past it.
# 4. A 403 on one object (GetObject or its KMS key denied while listing is
#    allowed): the pull stops before it as in 2, so that fixing the
#    permission loses nothing.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
. tests/e2e/s3_lib.sh

export PROXY_FAIL="_x1.:2:503"
start_s3
mk_trail "$TMP/objs" 4 10
upload "$TMP/objs"
export GATEWATCH_S3_REGION=us-east-1
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true
SRC="cloudtrail:s3://trail-bucket/AWSLogs/111122223333/CloudTrail/"
# proxy PORT FAIL: one more proxy before the same s3rver, failing as FAIL
proxy() {
	PROXY_FAIL="$2" python3 tests/e2e/sigv4_proxy.py "$1" "$PORT" S3RVER S3RVER \
		>"$TMP/proxy-$1.out" 2>>"$TMP/proxy-$1.log" &
	PROXY_PID=$!
	BG="$BG $!"
	wait_ready "$TMP/proxy-$1.out" || fail "proxy on $1 did not start"
}
run() { # run NAME PORT: analyze through the proxy on PORT
	GATEWATCH_S3_ENDPOINT="http://127.0.0.1:$2" "$GW" analyze --audit "$SRC" \
		--output "$TMP/$1.json" 2>"$TMP/$1.err"
}

# 1. transient 503s
GATEWATCH_STATE_DIR="$TMP/s1" run r1 "$PPORT" || fail "run 1 failed: $(cat "$TMP/r1.err")"
expect "after two 503s: events" 40 "$(stat events "$TMP/r1.json")"
expect "after two 503s: files_failed" 0 "$(stat files_failed "$TMP/r1.json")"
expect "503s answered" 2 "$(grep -c "failed _x1." "$TMP/proxy.log")"
if grep -q "failed to read" "$TMP/r1.err"; then fail "a retried read was reported: $(cat "$TMP/r1.err")"; fi

# 2. a 503 that does not end, then the same peer healthy (the cursor is
#    kept per endpoint)
P2=$(free_port)
proxy "$P2" "_x2.:1000:503"
GATEWATCH_STATE_DIR="$TMP/s2" run r2 "$P2"
expect "stopped at the failing object: exit status" 1 "$?"
expect "stopped at the failing object: files_failed" 1 "$(stat files_failed "$TMP/r2.json")"
expect "stopped at the failing object: events" 20 "$(stat events "$TMP/r2.json")"
expect "tries of the failing object" 4 "$(grep -c "failed _x2." "$TMP/proxy-$P2.log")"
expect "error lines" 1 "$(grep -c "failed to read" "$TMP/r2.err")"
grep "failed to read" "$TMP/r2.err" | grep -q "_x2\.json\.gz: HTTP 503" ||
	fail "the error does not name the object and the status: $(cat "$TMP/r2.err")"
kill "$PROXY_PID" && wait "$PROXY_PID" 2>/dev/null
proxy "$P2" ""
GATEWATCH_STATE_DIR="$TMP/s2" run r3 "$P2" || fail "run 3 failed: $(cat "$TMP/r3.err")"
expect "next run: events" 20 "$(stat events "$TMP/r3.json")"
grep -q "resuming after .*_x1\.json\.gz" "$TMP/r3.err" || fail "the next run did not resume after x1"

# 3. a 404: skipped and counted, the rest read
P3=$(free_port)
proxy "$P3" "_x1.:1000:404"
GATEWATCH_STATE_DIR="$TMP/s3" run r4 "$P3"
expect "past a 404: exit status (a file failed)" 1 "$?"
expect "past a 404: events" 30 "$(stat events "$TMP/r4.json")"
expect "past a 404: files_failed" 1 "$(stat files_failed "$TMP/r4.json")"
expect "tries of the missing object" 1 "$(grep -c "failed _x1." "$TMP/proxy-$P3.log")"
grep -q "_x1\.json\.gz: HTTP 404" "$TMP/r4.err" || fail "the 404 was not named: $(cat "$TMP/r4.err")"

# 4. a 403, then the permission fixed
P4=$(free_port)
proxy "$P4" "_x1.:1000:403"
GATEWATCH_STATE_DIR="$TMP/s4" run r5 "$P4"
expect "denied object: exit status" 1 "$?"
expect "stopped at the denied object: events" 10 "$(stat events "$TMP/r5.json")"
expect "stopped at the denied object: files_failed" 1 "$(stat files_failed "$TMP/r5.json")"
grep -q "_x1\.json\.gz: HTTP 403" "$TMP/r5.err" || fail "the 403 was not named: $(cat "$TMP/r5.err")"
kill "$PROXY_PID" && wait "$PROXY_PID" 2>/dev/null
proxy "$P4" ""
GATEWATCH_STATE_DIR="$TMP/s4" run r6 "$P4" || fail "run 6 failed: $(cat "$TMP/r6.err")"
expect "permission fixed: events" 30 "$(stat events "$TMP/r6.json")"
echo "pass: pull retry"
