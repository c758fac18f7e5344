# Shared by the shipping tests (sourced): the build, a temporary directory
# T, background processes in PIDS killed at exit, and check NAME EXPECTED GOT,
# which prints ok/FAIL and counts failures in $fails; start_collector.
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

# start_collector LOG PORT ARGS...: sets PORT and CPID.
start_collector() {
	local log=$1 port=$2 i
	shift 2
	"$GW" collect --listen "127.0.0.1:$port" "$@" 2>"$log" &
	CPID=$!
	PIDS+=($CPID)
	PORT=
	for i in $(seq 1 100); do
		PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log")
		[ -n "$PORT" ] && return 0
		kill -0 $CPID 2>/dev/null || break
		sleep 0.05
	done
	echo "collector did not start:"; cat "$log"
	return 1
}
