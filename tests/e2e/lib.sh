# Shared by the shipping tests (sourced): the build, a temporary directory
# T, background processes in PIDS killed at exit, and check NAME EXPECTED GOT,
# which prints ok/FAIL and counts failures in $fails.
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
