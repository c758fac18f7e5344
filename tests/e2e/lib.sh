# Shared by the shipping tests (sourced): the build, a temporary directory
# T, background processes in PIDS killed at exit, and check NAME EXPECTED GOT,
# which prints ok/FAIL and counts failures in $fails; wait_port,
# start_collector, start_answer_server, tally.
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GW="$PWD/$BUILD/gatewatch"
T=$(mktemp -d)
PIDS=()
fails=0

cleanup() {
	exec 2>/dev/null   # no job notices for what is killed here
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

check() {   # NAME EXPECTED GOT
	if [ "$2" == "$3" ]; then
		echo "ok   $1"
	else
		echo "FAIL $1: expected '$2', got '$3'"
		fails=$((fails + 1))
	fi
}

# wait_port LOG PID TEXT: the port a starting server logs right after TEXT
# (a sed pattern), printed once it is there; fails when PID exits first or
# after 10 s.
wait_port() {
	local log=$1 pid=$2 text=$3 i port
	for i in $(seq 1 200); do
		port=$(sed -n "s|.*${text}\([0-9][0-9]*\).*|\1|p" "$log" | head -n 1)
		[ -n "$port" ] && { echo "$port"; return 0; }
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# start_collector LOG PORT ARGS...: sets PORT and CPID.
start_collector() {
	local log=$1 port=$2
	shift 2
	: >"$log"
	"$GW" collect --listen "127.0.0.1:$port" "$@" 2>"$log" &
	CPID=$!
	PIDS+=($CPID)
	PORT=$(wait_port "$log" $CPID 'listening on 127\.0\.0\.1:') && return 0
	echo "collector did not start:"; cat "$log"
	return 1
}

# start_answer_server MODE: a peer answering as answer_server.py says, the
# mode in $T/mode (change it with echo); sets APORT.
start_answer_server() {
	local i
	echo "$1" >"$T/mode"
	rm -f "$T/aport"
	python3 tests/e2e/answer_server.py "$T/mode" "$T/aport" 2>"$T/answer.log" &
	PIDS+=($!)
	for i in $(seq 1 100); do
		[ -s "$T/aport" ] && { APORT=$(cat "$T/aport"); return 0; }
		sleep 0.05
	done
	echo "answer server did not start:"; cat "$T/answer.log"
	return 1
}

# What the store holds for AGENT out of COUNT findings, by finding id:
# "stored=S unique=U missing=M doubled=D".
tally() {   # STORE AGENT COUNT
	"$GW" decode "$1/batches.gwb" | python3 -c '
import json, sys
agent, count = sys.argv[1], int(sys.argv[2])
seen = {}
for line in sys.stdin:
    b = json.loads(line)
    if b["agent_id"] != agent:
        continue
    for f in b["findings"]:
        i = int(f["id"].rsplit(":", 1)[1])
        seen[i] = seen.get(i, 0) + 1
stored = sum(seen.values())
missing = sum(1 for i in range(count) if i not in seen)
doubled = sum(1 for v in seen.values() if v > 1)
print("stored=%d unique=%d missing=%d doubled=%d" % (stored, len(seen), missing, doubled))
' "$2" "$3"
}
