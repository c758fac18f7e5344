#!/usr/bin/env bash
# A pull killed with SIGKILL in the middle of an object, then restarted:
# each event is delivered exactly once across the two runs. The cursor only
# moves after an object has been fully delivered, so the interrupted object
# is read again, whole, by the next run, and no object before it is.
#
# The consumer (pulltrace) writes every delivered event's request id to a
# file at once, so what the killed run delivered is known. Two kills: while
# a large object is being fetched (the proxy sends it slowly), and while it
# is being parsed and delivered (after its first event came out). In the
# second case the killed consumer had seen part of the object; a consumer
# that keeps only what whole objects delivered (as the daemon, whose events
# of an unfinished pull die with it) sees each event once.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
. tests/e2e/s3_lib.sh

cc -O2 -std=gnu11 -D_GNU_SOURCE -Iagent -o "$TMP/pulltrace" tests/e2e/pulltrace.c \
	$(find agent/audit agent/lib agent/state -name '*.c' -not -path 'agent/audit/listen/*' | sort | sed "s|^|$BUILD/|; s|\.c\$|.o|") \
	-lcjson -ldeflate -lcurl -lgnutls -linih -lmicrohttpd -lz -lm -lpthread ||
	fail "cannot build pulltrace"

export PROXY_SLOW="_x2."
start_s3
# x0, x1 small; x2 large (about 60 MB of JSON); x3, x4 small.
mk_trail "$TMP/objs" 5 1000 2 120000
upload "$TMP/objs"
TOTAL=124000

export GATEWATCH_S3_ENDPOINT="http://127.0.0.1:$PPORT" GATEWATCH_S3_REGION=us-east-1
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true
SRC="cloudtrail:s3://trail-bucket/AWSLogs/111122223333/CloudTrail/"
# ids of file f: req-(first)..req-(last), in the order mk_trail numbers them
BIG_FIRST=2001 BIG_LAST=122000

# wait_for WHAT CMD...: poll up to 30 s until CMD succeeds.
wait_for() {
	local what=$1
	shift
	for _ in $(seq 600); do "$@" && return 0; sleep 0.05; done
	fail "timed out waiting for $what"
}
# once FILE...: every id of the pull exactly once in the union of FILEs.
once() {
	local n dups
	n=$(cat "$@" | sort -u | wc -l)
	dups=$(cat "$@" | sort | uniq -d | wc -l)
	expect "distinct events delivered" "$TOTAL" "$n"
	expect "events delivered twice" 0 "$dups"
}
cursor_key() { sed -n 3p "$1"/cursor-* 2>/dev/null; }
big_ids() { awk -F- -v a="$BIG_FIRST" -v b="$BIG_LAST" '$2 >= a && $2 <= b' "$1" | wc -l; }

# 1. Killed while the large object is being fetched.
export GATEWATCH_STATE_DIR="$TMP/state1"
"$TMP/pulltrace" "$SRC" >"$TMP/a1.ids" 2>"$TMP/a1.err" &
pid=$!
wait_for "the slow fetch" grep -q slow-start "$TMP/proxy.log"
sleep 0.3
kill -9 "$pid"
wait "$pid" 2>/dev/null
expect "fetch kill: events before the kill" 2000 "$(wc -l <"$TMP/a1.ids")"
case "$(cursor_key "$TMP/state1")" in
*_x1.json.gz) echo "ok: the cursor stayed on the last whole object" ;;
*) fail "fetch kill: cursor at '$(cursor_key "$TMP/state1")'" ;;
esac
"$TMP/pulltrace" "$SRC" >"$TMP/a2.ids" 2>"$TMP/a2.err" || fail "restart: $(cat "$TMP/a2.err")"
expect "fetch kill, restart: events" 122000 "$(wc -l <"$TMP/a2.ids")"
once "$TMP/a1.ids" "$TMP/a2.ids"

# 2. Killed while the large object is being parsed and delivered (the proxy
#    is restarted without the slow object).
export GATEWATCH_STATE_DIR="$TMP/state2"
P2=$(free_port)
PROXY_SLOW="" python3 tests/e2e/sigv4_proxy.py "$P2" "$PORT" S3RVER S3RVER >"$TMP/proxy2.out" 2>/dev/null &
BG="$BG $!"
wait_ready "$TMP/proxy2.out" || fail "the second proxy did not start"
export GATEWATCH_S3_ENDPOINT="http://127.0.0.1:$P2"
# a slow consumer (20 us per event) leaves seconds to kill it mid-object
"$TMP/pulltrace" "$SRC" 20 >"$TMP/b1.ids" 2>"$TMP/b1.err" &
pid=$!
wait_for "the first event of the large object" grep -qx "req-$BIG_FIRST" "$TMP/b1.ids"
kill -9 "$pid"
wait "$pid" 2>/dev/null
seen=$(big_ids "$TMP/b1.ids")
if [ "$seen" -eq 0 ] || [ "$seen" -ge 120000 ]; then
	fail "parse kill: expected part of the large object before the kill, got $seen of 120000"
fi
echo "ok: killed after $seen of the large object's 120000 events"
case "$(cursor_key "$TMP/state2")" in
*_x1.json.gz) echo "ok: the cursor stayed on the last whole object" ;;
*) fail "parse kill: cursor at '$(cursor_key "$TMP/state2")'" ;;
esac
"$TMP/pulltrace" "$SRC" >"$TMP/b2.ids" 2>"$TMP/b2.err" || fail "restart: $(cat "$TMP/b2.err")"
expect "parse kill, restart: events (the whole interrupted object and the rest)" 122000 \
	"$(wc -l <"$TMP/b2.ids")"
expect "parse kill, restart: events of the large object" 120000 "$(big_ids "$TMP/b2.ids")"
# What whole objects delivered before the kill, then the restart.
head -n 2000 "$TMP/b1.ids" >"$TMP/b1.whole"
once "$TMP/b1.whole" "$TMP/b2.ids"
"$TMP/pulltrace" "$SRC" >"$TMP/b3.ids" 2>"$TMP/b3.err" || fail "third run: $(cat "$TMP/b3.err")"
expect "third run: events" 0 "$(wc -l <"$TMP/b3.ids")"
echo "pass: s3 pull killed mid-object"
