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

# stop_then_resume OBJ CODE TRIES EVENTS: a proxy answering object OBJ
# with CODE for good; the run stops before it (EVENTS read, exit status 1,
# one failed file, TRIES requests for it, one error line naming it and the
# status); then the same endpoint healthy (the cursor is kept per
# endpoint): the next run resumes after the last object read and reads
# the other 40 - EVENTS.
stop_then_resume() {
	local obj=$1 code=$2 tries=$3 events=$4 port rc
	port=$(free_port)
	proxy "$port" "_x$obj.:1000:$code"
	GATEWATCH_STATE_DIR="$TMP/st$port" run "a$port" "$port"
	rc=$?
	expect "HTTP $code at x$obj: exit status" 1 "$rc"
	expect "HTTP $code at x$obj: events" "$events" "$(stat events "$TMP/a$port.json")"
	expect "HTTP $code at x$obj: files_failed" 1 "$(stat files_failed "$TMP/a$port.json")"
	expect "HTTP $code at x$obj: requests for it" "$tries" "$(grep -c "failed _x$obj." "$TMP/proxy-$port.log")"
	expect "HTTP $code at x$obj: error lines" 1 "$(grep -c "failed to read" "$TMP/a$port.err")"
	grep "failed to read" "$TMP/a$port.err" | grep -q "_x$obj\.json\.gz: HTTP $code" ||
		fail "the error does not name the object and the status: $(cat "$TMP/a$port.err")"
	kill "$PROXY_PID" && wait "$PROXY_PID" 2>/dev/null
	proxy "$port" ""
	GATEWATCH_STATE_DIR="$TMP/st$port" run "b$port" "$port" || fail "the next run failed: $(cat "$TMP/b$port.err")"
	expect "HTTP $code at x$obj, next run: events" "$((40 - events))" "$(stat events "$TMP/b$port.json")"
	grep -q "resuming after .*_x$((obj - 1))\.json\.gz" "$TMP/b$port.err" ||
		fail "the next run did not resume after x$((obj - 1))"
}

# 2. a 503 that does not end
stop_then_resume 2 503 4 20

# 3. a 404: skipped and counted, the rest read
P3=$(free_port)
proxy "$P3" "_x1.:1000:404"
GATEWATCH_STATE_DIR="$TMP/s3" run r4 "$P3"
expect "past a 404: exit status (a file failed)" 1 "$?"
expect "past a 404: events" 30 "$(stat events "$TMP/r4.json")"
expect "past a 404: files_failed" 1 "$(stat files_failed "$TMP/r4.json")"
expect "tries of the missing object" 1 "$(grep -c "failed _x1." "$TMP/proxy-$P3.log")"
grep -q "_x1\.json\.gz: HTTP 404" "$TMP/r4.err" || fail "the 404 was not named: $(cat "$TMP/r4.err")"

# 4. a 403 (tried once: retrying does not change it), then the permission fixed
stop_then_resume 1 403 1 10
echo "pass: pull retry"
