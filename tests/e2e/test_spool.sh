#!/usr/bin/env bash
# The durable spool end to end on loopback, with real processes:
#  - `gatewatch ship` killed with SIGKILL at random points while it ships
#    10,000 findings, restarted each time: the store holds each exactly once;
#  - the collector down for a while, then up: everything arrives;
#  - the collector killed (SIGKILL) again and again mid-stream and restarted:
#    nothing lost, nothing doubled;
#  - 20 agents shipping to one collector at once.
#   tests/e2e/test_spool.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"

# -- 1. SIGKILL the agent at random points, restart it, many times
N=10000
start_collector "$T/c1.log" 0 --store "$T/s1" || exit 1
URL="http://127.0.0.1:$PORT"
RANDOM=7
kills=0
# Small batches: many spool writes and posts between two kills.
for round in $(seq 1 40); do
	"$GW" ship --state-dir "$T/a1" --collector-url "$URL" --count $N --agent-id kill9 --batch 4 \
		>>"$T/a1.out" 2>>"$T/a1.log" &
	apid=$!
	sleep "$(printf '0.%02d' $((RANDOM % 9 + 2)))"
	if kill -9 $apid 2>/dev/null; then kills=$((kills + 1)); fi
	wait $apid 2>/dev/null
	[ $kills -ge 15 ] && break
done
"$GW" ship --state-dir "$T/a1" --collector-url "$URL" --count $N --agent-id kill9 --batch 4 \
	>>"$T/a1.out" 2>>"$T/a1.log"
check "agent finishes after $kills kills" 0 "$?"
check "each of $N findings stored once" "stored=$N unique=$N missing=0 doubled=0" \
	"$(tally "$T/s1" kill9 $N)"
check "spool empty" 0 "$(find "$T/a1/spool" -name '*.gwb' | wc -l)"
[ "$kills" -ge 10 ] || { echo "FAIL only $kills kills landed"; fails=$((fails + 1)); }
echo "     ($(grep -c . "$T/a1.out") runs completed a summary; last: $(tail -1 "$T/a1.out"))"

# A restart with nothing left to do sends nothing new.
before=$("$GW" decode "$T/s1/batches.gwb" | wc -l)
"$GW" ship --state-dir "$T/a1" --collector-url "$URL" --count $N --agent-id kill9 >/dev/null 2>&1
check "rerun after completion stores nothing" "$before" "$("$GW" decode "$T/s1/batches.gwb" | wc -l)"

# -- 2. collector down for a while, then up
kill -9 $CPID; wait $CPID 2>/dev/null
start_collector "$T/c2.log" 0 --store "$T/s2" || exit 1
P2=$PORT
kill -9 $CPID; wait $CPID 2>/dev/null
"$GW" ship --state-dir "$T/a2" --collector-url "http://127.0.0.1:$P2" --count 3000 --agent-id down \
	--batch 32 >"$T/a2.out" 2>"$T/a2.log" &
apid=$!
PIDS+=($apid)
sleep 2
check "agent still trying while the collector is down" 0 "$(kill -0 $apid 2>/dev/null; echo $?)"
start_collector "$T/c2b.log" "$P2" --store "$T/s2" || exit 1
wait $apid
check "agent delivers once the collector is up" 0 "$?"
check "all 3000 arrived once" "stored=3000 unique=3000 missing=0 doubled=0" \
	"$(tally "$T/s2" down 3000)"
check "agent logged the outage" 1 "$([ "$(grep -c 'kept in the spool' "$T/a2.log")" -ge 1 ] && echo 1)"

# -- 3. collector SIGKILLed mid-stream, again and again, restarted on its port
"$GW" ship --state-dir "$T/a3" --collector-url "http://127.0.0.1:$P2" --count 6000 --agent-id ckill \
	--batch 4 >"$T/a3.out" 2>"$T/a3.log" &
apid=$!
PIDS+=($apid)
ckills=0
for round in $(seq 1 6); do
	sleep "0.$((RANDOM % 3 + 1))"
	kill -0 $apid 2>/dev/null || break
	kill -9 $CPID; wait $CPID 2>/dev/null
	ckills=$((ckills + 1))
	sleep 0.3
	start_collector "$T/c3-$round.log" "$P2" --store "$T/s2" || exit 1
done
wait $apid
check "agent finishes across $ckills collector kills" 0 "$?"
check "all 6000 arrived once" "stored=6000 unique=6000 missing=0 doubled=0" \
	"$(tally "$T/s2" ckill 6000)"
[ "$ckills" -ge 3 ] || { echo "FAIL only $ckills collector kills landed"; fails=$((fails + 1)); }
dups=$(grep -h 'duplicate' "$T"/c3-*.log 2>/dev/null | wc -l)
echo "     (agent retries: $(sed -n 's/.* \([0-9]*\) retries.*/\1/p' "$T/a3.out"))"
: "$dups"

# -- 4. 20 agents at once
start_collector "$T/c4.log" 0 --store "$T/s4" || exit 1
start=$(date +%s.%N)
apids=()
for i in $(seq 1 20); do
	"$GW" ship --state-dir "$T/m$i" --collector-url "http://127.0.0.1:$PORT" --count 1000 \
		--agent-id "multi-$i" >"$T/m$i.out" 2>"$T/m$i.log" &
	apids+=($!)
	PIDS+=($!)
done
ok=0
for p in "${apids[@]}"; do wait "$p" && ok=$((ok + 1)); done
end=$(date +%s.%N)
check "20 agents finished" 20 "$ok"
bad=0
for i in $(seq 1 20); do
	got=$(tally "$T/s4" "multi-$i" 1000)
	[ "$got" == "stored=1000 unique=1000 missing=0 doubled=0" ] || {
		echo "     multi-$i: $got"; bad=$((bad + 1)); }
done
check "each agent's 1000 findings stored once" 0 "$bad"
echo "     (20 agents x 1000 findings in $(printf '%.2f' "$(echo "$end - $start" | bc -l)") s)"

[ $fails -eq 0 ] && echo "test_spool: all passed" || echo "test_spool: $fails failed"
[ $fails -eq 0 ]
