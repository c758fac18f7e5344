#!/usr/bin/env bash
# Soak of the shipping path, on loopback with real processes, about a minute:
# `gatewatch ship` sends through a peer that first answers 404, then a
# redirect, then 503, each for a while, and then passes every POST on to the
# real collector (`gatewatch collect`). Meanwhile the agent is killed with
# SIGKILL 20 times and the collector 20 times, each restarted. At the end the
# collector's store holds every finding exactly once, counted by finding id.
#   tests/e2e/test_ship_soak.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
N=${SOAK_FINDINGS:-4000}
KILLS=20
RANDOM=16
start=$(date +%s)

start_collector "$T/c0.log" 0 --store "$T/s" || exit 1
CP=$PORT
start_answer_server 404 || exit 1
URL="http://127.0.0.1:$APORT"
APID=
agent() {   # start the agent in the background
	"$GW" ship --state-dir "$T/a" --collector-url "$URL" --count "$N" --batch 8 --agent-id soak \
		--wait 60 >>"$T/a.out" 2>>"$T/a.log" &
	APID=$!
	PIDS+=($APID)
}
akills=0
kill_agent() {
	if kill -9 "$APID" 2>/dev/null; then akills=$((akills + 1)); fi
	wait "$APID" 2>/dev/null
}
pause() { sleep "$(printf '0.%02d' $((RANDOM % ${1:-30} + 10)))"; }

# -- the peer misbehaves: 404, a redirect, 503, 2 s each; the agent killed
# once in each phase
: >"$T/mode.count"
for mode in 404 302 503; do
	echo "$mode" >"$T/mode"
	agent
	sleep 1
	kill_agent
	agent
	sleep 1
	kill_agent
done
for mode in 404 302 503; do
	check "the peer answered $mode, the agent retried" 1 \
		"$([ "$(grep -c "^$mode\$" "$T/mode.count")" -ge 2 ] && echo 1)"
done
check "nothing reached the collector meanwhile" 0 "$("$GW" decode "$T/s/batches.gwb" 2>/dev/null | wc -l)"
check "nothing rejected" 0 "$(find "$T/a/spool" -name 'rejected-*' | wc -l)"

echo "     (misbehaving peer phase done at $(($(date +%s) - start)) s)"
# -- the peer behaves (passes POSTs on); agent and collector killed in turn
echo "proxy http://127.0.0.1:$CP/v1/batches" >"$T/mode"
ckills=0
round=0
while [ $akills -lt $((KILLS + 6)) ] || [ $ckills -lt $KILLS ]; do
	round=$((round + 1))
	[ $round -gt 60 ] && break
	agent
	pause 40
	if [ $ckills -lt $KILLS ]; then
		kill -9 "$CPID"; wait "$CPID" 2>/dev/null
		ckills=$((ckills + 1))
		pause 20
		start_collector "$T/c$round.log" "$CP" --store "$T/s" || exit 1
		pause 30
	fi
	kill_agent
done
check "agent killed $KILLS times while shipping" 1 "$([ $akills -ge $((KILLS + 6)) ] && echo 1)"
check "collector killed $KILLS times while shipping" "$KILLS" "$ckills"

echo "     (kill rounds done at $(($(date +%s) - start)) s)"
# -- the last run finishes
"$GW" ship --state-dir "$T/a" --collector-url "$URL" --count "$N" --batch 8 --agent-id soak \
	--wait 60 >>"$T/a.out" 2>>"$T/a.log"
check "the agent finishes" 0 "$?"
check "each of the $N findings stored once" "stored=$N unique=$N missing=0 doubled=0" \
	"$(tally "$T/s" soak "$N")"
check "spool empty, nothing rejected" "0 0" \
	"$(find "$T/a/spool" -name '*.gwb' | wc -l) $(find "$T/a/spool" -name 'rejected-*' | wc -l)"
check "nothing dropped" 0 "$(grep -c ' [1-9][0-9]* dropped' "$T/a.out")"
echo "     ($akills agent kills, $ckills collector kills, $(grep -c . "$T/mode.count") requests" \
	"at the peer, $(($(date +%s) - start)) s)"

[ $fails -eq 0 ] && echo "test_ship_soak: all passed" || echo "test_ship_soak: $fails failed"
[ $fails -eq 0 ]
