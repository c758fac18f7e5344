#!/usr/bin/env bash
# Principals with no history, at default settings: each scenario of
# tests/data/coldstart (attacks written from the clouds' documented record
# shapes and public descriptions of intrusions, see make_scenarios.py) is
# analysed alone and must give the findings and incidents that
# tests/data/coldstart/expect.tsv names; the benign twins must give none
# (a twin's SCENARIO.conf, the allow list its case calls for, is its config).
# Usage: tests/cli/test_coldstart.sh BUILD_DIR   (exit 0 pass, 1 fail)
set -u
cd "$(dirname "$0")/../.."
GW="$PWD/${1:-build}/gatewatch"
DATA=tests/data/coldstart
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

[ -x "$GW" ] || { echo "FAIL: $GW not built"; exit 1; }
for dir in "$DATA"/*/; do
	name=$(basename "$dir")
	[ "$name" = intel ] && continue
	args=(analyze --audit "$dir" --output "$TMP/$name.json")
	if [ -f "$DATA/$name.conf" ]; then
		# Without its allow list the twin is what the list is for.
		"$GW" analyze --audit "$dir" --output "$TMP/$name.noconf.json" 2>/dev/null ||
			{ echo "FAIL: gatewatch analyze $name without its config"; exit 1; }
		args+=(--config "$DATA/$name.conf")
	fi
	if ! "$GW" "${args[@]}" 2>"$TMP/$name.err"; then
		echo "FAIL: gatewatch analyze $name"; sed 's/^/    /' "$TMP/$name.err"; exit 1
	fi
done
python3 tests/eval/coldstart_score.py "$DATA/expect.tsv" "$TMP" --check
