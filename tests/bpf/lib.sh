# Helpers for the BPF tests (sourced). Needs root.
set -u
BUILD=${BUILD:-build}
GW=$BUILD/gatewatch
LOAD=$BUILD/tests/bpf/readload
CONN=$BUILD/tests/bpf/connload
sensor_pid=""

require_root() {
	if [ "$(id -u)" -ne 0 ]; then echo "skip: needs root to load BPF programs"; exit 77; fi
}

# start_sensor OUT ERR ARGS...: start `gatewatch host` and wait until attached.
start_sensor() {
	local out=$1 err=$2
	shift 2
	# GW_WRAP: a command to run the agent under (taskset -c 0, say)
	${GW_WRAP:-} "$GW" host --interval 1 --duration 120 --output "$out" "$@" 2>"$err" &
	sensor_pid=$!
	for _ in $(seq 150); do
		grep -q "sensor attached" "$err" && return 0
		kill -0 "$sensor_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$err"
	if grep -qiE "operation not permitted|no BTF|too old" "$err"; then
		echo "skip: BPF cannot load here"; exit 77
	fi
	echo "FAIL: sensor did not start"; exit 1
}

stop_sensor() {
	[ -n "$sensor_pid" ] || return 0
	kill -INT "$sensor_pid" 2>/dev/null
	wait "$sensor_pid"
	local rc=$?
	sensor_pid=""
	return $rc
}

# agent_test_setup: for tests that run the sensor, the daemon and a
# collector: root required, GWA (the agent's absolute path), tmp (removed
# on exit), and agent/coll pids that the exit trap stops when set.
agent_test_setup() {
	require_root
	GWA=$PWD/$GW
	tmp=$(mktemp -d)
	agent="" coll=""
	trap agent_test_cleanup EXIT
}

agent_test_cleanup() {
	stop_sensor
	[ -n "$agent" ] && kill "$agent" 2>/dev/null
	[ -n "$coll" ] && kill "$coll" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
