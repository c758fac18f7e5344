#!/usr/bin/env bash
# What `gatewatch ship` does with each kind of answer, on loopback:
#  - 404, a redirect, a proxy's 400 page, 503: every batch stays in the
#    spool, `ship` exits 1, a redirect is logged once and never followed;
#    then the real collector gets each finding exactly once;
#  - a collector's explicit refusal (400, application/json,
#    {"error":"invalid-batch"}): the batch leaves the queue but is kept as
#    spool/rejected-SEQ.pb (decodable), logged at error level, `ship` exits 1;
#    the rejected files stay within their bound.
#   tests/e2e/test_ship_answers.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"

gwb() { find "$1/spool" -name '*.gwb' 2>/dev/null | wc -l; }
rej() { find "$1/spool" -name 'rejected-*.pb' 2>/dev/null | wc -l; }

start_answer_server 404 || exit 1
PEER="http://127.0.0.1:$APORT"
for mode in 404 302 400 503; do
	echo "$mode" >"$T/mode"
	: >"$T/mode.count"
	"$GW" ship --state-dir "$T/a" --collector-url "$PEER" --count 200 --batch 50 --agent-id answers \
		--wait 2 >"$T/a-$mode.out" 2>"$T/a-$mode.log"
	check "$mode: ship exits 1" 1 "$?"
	check "$mode: the 4 batches stay in the spool" 4 "$(gwb "$T/a")"
	check "$mode: nothing rejected" 0 "$(rej "$T/a")"
	[ "$(grep -c . "$T/mode.count")" -ge 2 ] ||
		{ echo "FAIL $mode: not retried ($(grep -c . "$T/mode.count") requests)"; fails=$((fails + 1)); }
done
check "302: the Location logged once, at error level" 1 \
	"$(grep -c 'redirect to https://collector.example:8443/v1/batches: not followed' "$T/a-302.log")"
check "404: says findings wait" 1 "$(grep -c 'batches not delivered yet' "$T/a-404.log")"

start_collector "$T/c.log" 0 --store "$T/s" || exit 1
"$GW" ship --state-dir "$T/a" --collector-url "http://127.0.0.1:$PORT" --count 200 --batch 50 \
	--agent-id answers >"$T/a-ok.out" 2>"$T/a-ok.log"
check "collector up: ship exits 0" 0 "$?"
check "each of the 200 findings stored once" "stored=200 unique=200 missing=0 doubled=0" \
	"$(tally "$T/s" answers 200)"
check "spool empty" 0 "$(gwb "$T/a")"

# -- the collector's explicit refusal
echo reject >"$T/mode"
"$GW" ship --state-dir "$T/r" --collector-url "$PEER" --count 100 --batch 50 --agent-id refused \
	--wait 2 >"$T/r.out" 2>"$T/r.log"
check "refused: ship exits 1" 1 "$?"
check "refused: spool queue empty" 0 "$(gwb "$T/r")"
check "refused: both batches kept as rejected-*" 2 "$(rej "$T/r")"
f=$(find "$T/r/spool" -name 'rejected-*.pb' | sort | head -1)
check "refused: a rejected file decodes to its 50 findings" 50 \
	"$("$GW" decode "$f" | python3 -c 'import json,sys; print(sum(len(json.loads(l)["findings"]) for l in sys.stdin))')"
check "refused: logged at error level with the reason" 2 \
	"$(grep -c 'refused for good.*invalid-batch: synthetic refusal' "$T/r.log")"
check "refused: the summary counts them" 1 "$(grep -c '2 rejected' "$T/r.out")"

# bounded: at most 64 rejected files kept
"$GW" ship --state-dir "$T/b" --collector-url "$PEER" --count 70 --batch 1 --agent-id bound \
	--wait 2 >"$T/b.out" 2>"$T/b.log"
check "bounded: 64 of 70 rejected batches kept" 64 "$(rej "$T/b")"
check "bounded: the oldest removed, logged" 6 "$(grep -c 'more than 64 rejected batches' "$T/b.log")"

# The real collector refuses a batch without an agent id in the same words,
# when it speaks JSON errors.
ctype=$(curl -s -o /dev/null -w '%{content_type}' -X POST --data-binary x \
	"http://127.0.0.1:$PORT/v1/batches")
if [[ "$ctype" == application/json* ]]; then
	"$GW" ship --state-dir "$T/e" --collector-url "http://127.0.0.1:$PORT" --count 10 --agent-id '' \
		--wait 2 >"$T/e.out" 2>"$T/e.log"
	check "collector refusal: exits 1" 1 "$?"
	check "collector refusal: kept as rejected-*" 1 "$(rej "$T/e")"
else
	echo "     (this collector answers errors as '$ctype': its own refusal not checked)"
fi

[ $fails -eq 0 ] && echo "test_ship_answers: all passed" || echo "test_ship_answers: $fails failed"
[ $fails -eq 0 ]
