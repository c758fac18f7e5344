#!/usr/bin/env bash
# Run every test suite: unit, cli, bpf (root), e2e. Each script test is an
# executable tests/{cli,bpf,e2e}/test_*.sh that gets the build dir as $1 and
# exits 0 (pass), 77 (skip) or anything else (fail). A skip counts as one
# only when the test said why on a line "skip: REASON" and REASON begins
# with one of SKIP_REASONS (what no test can work around: not root, a
# kernel that will not load BPF, a host whose own package must not be
# touched); any other exit 77 (a missing tool, a missing sample) is a
# failure. Under CI=true every skip is a failure: CI must prove the BPF path.
#
# Each test's output (negative tests print the errors they provoke) goes to
# its own log, BUILD/test-logs/SUITE-NAME.log, shown only when the test
# fails; V=1 shows every test's output as it is.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export BUILD
export GATEWATCH="$PWD/$BUILD/gatewatch"
passed=0 failed=0 skipped=0
failures=()
SKIP_REASONS=("needs root" "BPF cannot load here"
	"a gatewatch package is already installed here")
LOGS="$BUILD/test-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
echo "test output: $LOGS/ (shown here only for a failed test; V=1 shows all)"

# Show a test's log: all of it with V=1 or when it failed.
show_log() {   # LOG FAILED
	if [ "${V:-0}" = 1 ] || [ "$2" = 1 ]; then
		sed 's/^/    /' "$1"
	fi
}

# The declared reason of a skip in the log $1, or nothing.
skip_reason() {
	local line r
	line=$(grep -iE '^skip: ' "$1" | tail -1)
	line=${line#* }
	for r in "${SKIP_REASONS[@]}"; do
		[ "${line#"$r"}" != "$line" ] && { echo "$line"; return; }
	done
}

log="$LOGS/unit.log"
if "$BUILD/unit_tests" > "$log" 2>&1; then
	show_log "$log" 0
	echo "-- pass unit ($(grep -E '^[0-9]+ passed' "$log" | tail -1))"; passed=$((passed + 1))
else
	show_log "$log" 1
	echo "-- FAIL unit (log: $log)"; failed=$((failed + 1)); failures+=(unit)
fi

for suite in cli bpf e2e; do
	for t in tests/$suite/test_*.sh; do
		[ -e "$t" ] || continue
		log="$LOGS/$suite-$(basename "$t" .sh).log"
		start=$(date +%s)
		# Into a file, not a pipe: a server a test leaves behind must not
		# hold the run open.
		bash "$t" "$BUILD" > "$log" 2>&1
		rc=$?
		dur=$(( $(date +%s) - start ))
		reason=""
		[ $rc -eq 77 ] && reason=$(skip_reason "$log")
		if [ $rc -eq 0 ]; then
			show_log "$log" 0
			echo "-- pass $t (${dur}s)"; passed=$((passed + 1))
		elif [ $rc -eq 77 ] && [ -n "$reason" ] && [ "${CI:-}" != "true" ]; then
			show_log "$log" 0
			echo "-- skip $t: $reason"; skipped=$((skipped + 1))
		else
			show_log "$log" 1
			[ $rc -eq 77 ] && [ -z "$reason" ] &&
				echo "-- a skip needs a line \"skip: REASON\" with a declared reason (${SKIP_REASONS[*]}): $t"
			[ $rc -eq 77 ] && [ -n "$reason" ] && echo "-- skip is a failure under CI=true: $t"
			echo "-- FAIL $t (exit $rc, log: $log)"; failed=$((failed + 1)); failures+=("$t")
		fi
	done
done

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in $LOGS/)"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
