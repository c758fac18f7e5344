#!/usr/bin/env bash
# Run every test suite: unit, cli, bpf (root), e2e. Each script test is an
# executable tests/{cli,bpf,e2e}/test_*.sh that gets the build dir as $1 and
# exits 0 (pass), 77 (skip) or anything else (fail). Under CI=true a skip
# counts as a failure: CI must prove the BPF path, not skip it.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export BUILD
export GATEWATCH="$PWD/$BUILD/gatewatch"
passed=0 failed=0 skipped=0
failures=()

echo "== unit"
if "$BUILD/unit_tests"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=(unit); fi

for suite in cli bpf e2e; do
	for t in tests/$suite/test_*.sh; do
		[ -e "$t" ] || continue
		echo "== $t"
		start=$(date +%s)
		bash "$t" "$BUILD"
		rc=$?
		dur=$(( $(date +%s) - start ))
		if [ $rc -eq 0 ]; then
			echo "-- pass $t (${dur}s)"; passed=$((passed + 1))
		elif [ $rc -eq 77 ] && [ "${CI:-}" != "true" ]; then
			echo "-- skip $t"; skipped=$((skipped + 1))
		else
			[ $rc -eq 77 ] && echo "-- skip is a failure under CI=true: $t"
			echo "-- FAIL $t (exit $rc)"; failed=$((failed + 1)); failures+=("$t")
		fi
	done
done

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
