#!/usr/bin/env bash
# Run every test suite: unit, cli, bpf (root), e2e. Each script test is an
# executable tests/{cli,bpf,e2e}/test_*.sh that gets the build dir as $1 and
# exits 0 (pass), 77 (skip) or anything else (fail). A skip counts as one
# only when the test said why on a line "skip: REASON" and REASON begins
# with one of SKIP_REASONS (what no test can work around: not root, a
# kernel that will not load BPF, a host whose own package must not be
# touched); any other exit 77 (a missing tool, a missing sample) is a
# failure. Under CI=true every skip is a failure: CI must prove the BPF path.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export BUILD
export GATEWATCH="$PWD/$BUILD/gatewatch"
passed=0 failed=0 skipped=0
failures=()
SKIP_REASONS=("needs root" "BPF cannot load here"
	"a gatewatch package is already installed here")
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# The declared reason of a skip in the log $1, or nothing.
skip_reason() {
	local line r
	line=$(grep -iE '^skip: ' "$1" | tail -1)
	line=${line#* }
	for r in "${SKIP_REASONS[@]}"; do
		[ "${line#"$r"}" != "$line" ] && { echo "$line"; return; }
	done
}

echo "== unit"
if "$BUILD/unit_tests"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=(unit); fi

for suite in cli bpf e2e; do
	for t in tests/$suite/test_*.sh; do
		[ -e "$t" ] || continue
		echo "== $t"
		start=$(date +%s)
		# Into a file, not a pipe: a server a test leaves behind must not
		# hold the run open.
		bash "$t" "$BUILD" > "$log" 2>&1
		rc=$?
		cat "$log"
		dur=$(( $(date +%s) - start ))
		reason=""
		[ $rc -eq 77 ] && reason=$(skip_reason "$log")
		if [ $rc -eq 0 ]; then
			echo "-- pass $t (${dur}s)"; passed=$((passed + 1))
		elif [ $rc -eq 77 ] && [ -n "$reason" ] && [ "${CI:-}" != "true" ]; then
			echo "-- skip $t: $reason"; skipped=$((skipped + 1))
		else
			[ $rc -eq 77 ] && [ -z "$reason" ] &&
				echo "-- a skip needs a line \"skip: REASON\" with a declared reason (${SKIP_REASONS[*]}): $t"
			[ $rc -eq 77 ] && [ -n "$reason" ] && echo "-- skip is a failure under CI=true: $t"
			echo "-- FAIL $t (exit $rc)"; failed=$((failed + 1)); failures+=("$t")
		fi
	done
done

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
