#!/usr/bin/env bash
# make eval, cold-start section: the scenarios of tests/data/coldstart
# (principals with no history: stolen workload sessions, a compromised
# root, SAS tokens, anonymous and foreign principals, with benign twins)
# analysed one by one at default settings; prints recall per scenario kind
# and false-positive incidents per 1,000 identity-days on the twins.
# Usage: tests/eval/coldstart.sh BUILD_DIR   (exit 0 when all found and the
# rate is at most 1 per 1,000)
set -u
cd "$(dirname "$0")/../.."
GW="$PWD/${1:-build}/gatewatch"
DATA=tests/data/coldstart
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "eval (cold start): $(ls -d "$DATA"/*/ | grep -vc /intel/) scenarios"
for dir in "$DATA"/*/; do
	name=$(basename "$dir")
	[ "$name" = intel ] && continue
	"$GW" analyze --audit "$dir" --output "$TMP/$name.json" 2>/dev/null || exit 1
	if [ -f "$DATA/$name.conf" ]; then
		cp "$TMP/$name.json" "$TMP/$name.noconf.json"
		"$GW" analyze --audit "$dir" --config "$DATA/$name.conf" \
			--output "$TMP/$name.json" 2>/dev/null || exit 1
	fi
done
python3 tests/eval/coldstart_score.py "$DATA/expect.tsv" "$TMP" >"$TMP/score.txt"
rc=$?
sed -n '/^kind/,$p' "$TMP/score.txt"
exit $rc
