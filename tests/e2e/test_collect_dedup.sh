#!/usr/bin/env bash
# Dedup poisoning by a token holder, on loopback: agent ids with NUL,
# control bytes or over 127 bytes refused as invalid batches, a pre-sent
# sequence with other content answered 409 (logged) and never acknowledged,
# a jump and 2^64-1 push nothing out; all of it still true after a restart.
#   tests/e2e/test_collect_dedup.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_lib.sh"

# -- dedup poisoning by a token holder
start_collector "$T/c8.log" 0 --store "$T/s8" --token-file "$T/token" || exit 1
P=$PORT
mk() { "${A[@]}" batch "$T/$1.pb" "$2" "$3" "$4"; }
mk nul 'agent-real\x00evil' 10 evil
mk ctl 'agent-real\n' 10 evil
mk long "$(printf 'a%.0s' $(seq 1 200))" 10 evil
mk r10 agent-real 10 real
check "agent_id with a NUL" 400 "$(post "$T/nul.pb" "$P")"
check "... is an invalid batch" '{"error":"invalid-batch","detail":"agent_id with a NUL byte"}' \
	"$(cat "$T/resp")"
check "agent_id with a control byte" 400 "$(post "$T/ctl.pb" "$P")"
check "agent_id over 127 bytes" 400 "$(post "$T/long.pb" "$P")"
check "the real batch 10 is new" 200 "$(post "$T/r10.pb" "$P")"
check "... and stored" "agent-real 10 false" "$(ack)"
mk p11 agent-real 11 evil
mk r11 agent-real 11 real
check "a pre-sent sequence 11" 200 "$(post "$T/p11.pb" "$P")"
check "the real 11 with other content: 409" 409 "$(post "$T/r11.pb" "$P")"
check "... answered as a conflict" conflict \
	"$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"])' "$T/resp")"
check "... and logged" 1 "$(grep -c 'refused batch agent-real/11' "$T/c8.log")"
mk r12 agent-real 12 real
mk jump agent-real 5012 evil
mk wrap agent-real 18446744073709551615 evil
mk r13 agent-real 13 real
check "batch 12" 200 "$(post "$T/r12.pb" "$P")"
check "a jump of 5000" 200 "$(post "$T/jump.pb" "$P")"
check "sequence 2^64-1" 200 "$(post "$T/wrap.pb" "$P")"
post "$T/r12.pb" "$P" >/dev/null
check "12 resent after the jump: duplicate" "agent-real 12 true" "$(ack)"
post "$T/r13.pb" "$P" >/dev/null
check "13 after 2^64-1: new" "agent-real 13 false" "$(ack)"
post "$T/r13.pb" "$P" >/dev/null
check "13 resent: duplicate" "agent-real 13 true" "$(ack)"
kill -TERM "$CPID"
wait "$CPID"
check "the summary counts what was refused" 1 \
	"$(grep -c 'stored 6 batches, 2 duplicates; refused 3 invalid, 1 conflicting' "$T/c8.log")"
start_collector "$T/c8b.log" 0 --store "$T/s8" --token-file "$T/token" || exit 1
P=$PORT
post "$T/r12.pb" "$P" >/dev/null
check "after a restart: 12 still a duplicate" "agent-real 12 true" "$(ack)"
check "after a restart: the real 11 still refused" 409 "$(post "$T/r11.pb" "$P")"
check "stored once each, in order: 10 11 12 5012 2^64-1 13" "10 11 12 5012 18446744073709551615 13" \
	"$("$GW" decode "$T/s8/batches.gwb" | seqs)"

[ $fails -eq 0 ] && echo "test_collect_dedup: all passed" || echo "test_collect_dedup: $fails failed"
[ $fails -eq 0 ]
