#!/usr/bin/env bash
# Single-event rules on the clouds' documented request shapes: every attack
# record under tests/data/single_event gives exactly its rule's finding on
# that record, and every benign twin gives none of these rules.
# Usage: tests/cli/test_single_event.sh BUILD_DIR   (exit 0 pass, 1 fail)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
python3 tests/eval/single_event.py "$PWD/$BUILD/gatewatch" tests/data/single_event --check
