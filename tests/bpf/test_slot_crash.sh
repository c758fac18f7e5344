#!/usr/bin/env bash
# The correlation slots waiting for the audit log survive a crash: the
# gateway process reads object data that no audit log accounts for, the agent
# is killed (SIGKILL) while that slot waits for the audit delivery delay, and
# the restarted agent still reports unaudited-reads for it. Also: a clean
# stop keeps the waiting slots the same way.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
agent_test_setup
fail=0
SLOT=4 DELAY=10

mkdir -p "$tmp/root/vault" "$tmp/audit" "$tmp/state"
head -c $((3 << 20)) /dev/urandom > "$tmp/root/vault/obj"
LOADA=$PWD/$LOAD

start_agent() { # LOG
	"$GWA" run --root "$tmp/root" --state-dir "$tmp/state" --interval-sec 1 --pull-interval-sec 1 \
		--audit "cloudtrail:$tmp/audit" --gateway-exe readload --audit-delay-sec "$DELAY" \
		--correlation-slot-sec "$SLOT" --duration 120 >> "$1" 2>&1 &
	agent=$!
	for _ in $(seq 150); do
		grep -q "running:" "$1" 2>/dev/null && return 0
		kill -0 "$agent" 2>/dev/null || break
		sleep 0.1
	done
	cat "$1"
	if grep -qiE "operation not permitted|no BTF|too old" "$1"; then echo "skip: BPF cannot load here"; exit 77; fi
	echo "FAIL: the agent did not start"; exit 1
}

wait_finding() { # LOG SECONDS
	for _ in $(seq $(($2 * 10))); do
		grep -q "finding unaudited-reads" "$1" && return 0
		sleep 0.1
	done
	return 1
}

check() { # label, then a command
	local label=$1
	shift
	if "$@"; then echo "ok   $label"; else echo "FAIL $label"; fail=1; fi
}

# --- kill -9 while the slot waits
start_agent "$tmp/a1.log"
"$LOADA" "$tmp/root/vault/obj" 768 4096 pread > /dev/null
# the window with the reads is polled (1 s) and its slot saved (within a
# second of a change); the slot is judged 14 s after it starts at the earliest
sleep 4
kill -KILL "$agent"
wait "$agent" 2>/dev/null
agent=""
check "no judgement before the crash (the delay had not passed)" \
	bash -c "! grep -q 'finding unaudited-reads' '$tmp/a1.log'"
check "the waiting slots are in the state dir" test -s "$tmp/state/slots.gwb"
start_agent "$tmp/a2.log"
check "after kill -9 and a restart, unaudited-reads for the slot that waited" \
	wait_finding "$tmp/a2.log" $((SLOT + DELAY + 10))
grep -q "finding unaudited-reads.*vault" "$tmp/a2.log" ||
	{ echo "FAIL the finding names the bucket vault"; grep finding "$tmp/a2.log"; fail=1; }
kill -TERM "$agent"; wait "$agent"; agent=""

# --- a clean stop while a slot waits
start_agent "$tmp/b1.log"
"$LOADA" "$tmp/root/vault/obj" 768 4096 pread > /dev/null
sleep 4
kill -TERM "$agent"; wait "$agent"; agent=""
check "a clean stop before the delay: no judgement yet" \
	bash -c "! grep -q 'finding unaudited-reads' '$tmp/b1.log'"
start_agent "$tmp/b2.log"
check "after a clean restart, the finding for the slot that waited" \
	wait_finding "$tmp/b2.log" $((SLOT + DELAY + 10))
kill -TERM "$agent"; wait "$agent"; agent=""
[ $fail -eq 0 ] || { echo "--- first run"; cat "$tmp/a1.log"; echo "--- after restart"; cat "$tmp/a2.log"; }
exit $fail
