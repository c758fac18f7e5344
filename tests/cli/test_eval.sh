#!/usr/bin/env bash
# The detector's evaluation at a small size (make eval runs a larger one):
# 30 identities over 62 days with every scenario type injected once and the
# benign look-alikes; every scenario must be found and false-positive
# incidents must stay at or under 1 per 1,000 identity-days.
# Usage: tests/cli/test_eval.sh BUILD_DIR   (exit 0 pass, 1 fail)
set -u
cd "$(dirname "$0")/../.."
if bash tests/eval/run_eval.sh "${1:-build}" 30 62 1; then
	echo "test_eval: all passed"
	exit 0
fi
echo "FAIL: test_eval: a scenario was missed or false positives above target (see above)"
exit 1
