#!/usr/bin/env bash
# The detector's evaluation at a small size (make eval runs a larger one with
# new seeds each time): 30 identities over 45 days on four clouds, three
# fixed seeds, every scenario type injected once per seed at a drawn size,
# the benign population and its twins. Gated here: recall at or above each
# rule's floor (>= 95%) and identical results for the same seed twice; the
# false-positive and below-floor figures are printed, and gated by make eval.
# Usage: tests/cli/test_eval.sh BUILD_DIR   (exit 0 pass, 1 fail)
set -u
cd "$(dirname "$0")/../.."
if EVAL_GATE=recall bash tests/eval/run_eval.sh "${1:-build}" 30 45 1 2 3; then
	echo "test_eval: all passed"
	exit 0
fi
echo "FAIL: test_eval: a scenario at or above its floor was missed, or a seed gave two results (see above)"
exit 1
