#!/usr/bin/env bash
# gatewatch analyze reads files in time order, not in the order it is given
# them: the same logs as four directories, as one --audit per file, as files
# renamed at random (no time in their names) and given in a shuffled order,
# and with CloudTrail records out of order within the reorder window, give
# identical findings and incidents with no late events. A record later than
# the window is counted as late and still analyzed.
# Usage: tests/cli/test_analyze_order.sh BUILD_DIR   (exit 0 pass, 1 fail)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
GW="$PWD/$BUILD/gatewatch"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

# Four clouds, a month, the scenarios of the evaluation; the seed is drawn
# so that each run orders a different set of files.
SEED=${ORDER_SEED:-$((RANDOM % 1000 + 1))}
echo "seed $SEED"
python3 tests/eval/gen_activity.py eval "$TMP/logs" --identities 12 --days 30 --seed "$SEED" \
	> "$TMP/gen.out" || { echo "FAIL: generating the logs"; exit 1; }
INTEL=(--intel "tor:$TMP/logs/intel/tor-exit-addresses" --intel "deny:tests/data/intel/deny-cidrs.txt")
FMTS=(cloudtrail:AWSLogs gcs:gcs azure:azure minio:minio)

# analyze NAME SOURCE-ARGS...: the report in $TMP/NAME.json
analyze() {
	local name=$1
	shift
	if ! "$GW" analyze "$@" "${INTEL[@]}" --quiet --output "$TMP/$name.json" 2> "$TMP/$name.err"; then
		fail "$name: analyze failed: $(head -3 "$TMP/$name.err")"
		return 1
	fi
}

# same NAME: findings and incidents as the directories gave, no late event
same() {
	python3 - "$TMP/dirs.json" "$TMP/$1.json" <<'PY' && ok "$1: identical findings and incidents, no late event" || fail "$1"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
late = b["stats"]["reorder"]["late"]
if late:
    sys.exit(f"{late} late events (expected 0)")
for k in ("findings", "incidents"):
    if a[k] != b[k]:
        sys.exit(f"{k} differ: {len(a[k])} vs {len(b[k])}")
if not a["findings"]:
    sys.exit("no findings to compare")
if a["detector"]["events"] != b["detector"]["events"]:
    sys.exit("events fed differ: %d vs %d" % (a["detector"]["events"], b["detector"]["events"]))
PY
}

src=()
for f in "${FMTS[@]}"; do src+=(--audit "${f%%:*}:$TMP/logs/${f#*:}"); done
analyze dirs "${src[@]}" || exit 1

# One --audit per file, in path order.
src=()
for f in "${FMTS[@]}"; do
	while IFS= read -r p; do src+=(--audit "${f%%:*}:$p"); done \
		< <(find "$TMP/logs/${f#*:}" -type f | sort)
done
analyze files "${src[@]}" && same files

# Renamed at random into one directory (the first record's time orders
# them) and given in a shuffled order.
mkdir -p "$TMP/flat"
src=()
for f in "${FMTS[@]}"; do
	while IFS= read -r p; do
		n="$TMP/flat/$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n').gz"
		cp "$p" "$n"
		src+=("${f%%:*}:$n")
	done < <(find "$TMP/logs/${f#*:}" -type f)
done
mapfile -t src < <(printf '%s\n' "${src[@]}" | shuf)
args=()
for s in "${src[@]}"; do args+=(--audit "$s"); done
analyze shuffled "${args[@]}" && same shuffled

# CloudTrail records out of order within the window: each file's records
# reversed within every 10-minute span.
python3 - "$TMP/logs/AWSLogs" <<'PY' || fail "reordering the CloudTrail records"
import gzip, json, os, sys
for root, _, names in os.walk(sys.argv[1]):
    for n in names:
        p = os.path.join(root, n)
        with gzip.open(p) as fh:
            recs = json.load(fh)["Records"]
        recs.sort(key=lambda r: (r["eventTime"][:15], [-ord(c) for c in r["eventTime"]]))
        with gzip.open(p, "wt") as fh:
            json.dump({"Records": recs}, fh)
PY
src=()
for f in "${FMTS[@]}"; do src+=(--audit "${f%%:*}:$TMP/logs/${f#*:}"); done
analyze within "${src[@]}" && same within

# One record moved two days later in the stream: late, counted, analyzed.
python3 - "$TMP/logs/AWSLogs" <<'PY' || fail "moving a record"
import gzip, json, os, sys
files = sorted(os.path.join(r, n) for r, _, ns in os.walk(sys.argv[1]) for n in ns)
src, dst = files[len(files) // 2 - 2], files[len(files) // 2]
with gzip.open(src) as fh:
    a = json.load(fh)["Records"]
with gzip.open(dst) as fh:
    b = json.load(fh)["Records"]
b.append(a.pop(0))
for p, recs in ((src, a), (dst, b)):
    with gzip.open(p, "wt") as fh:
        json.dump({"Records": recs}, fh)
PY
if analyze late "${src[@]}"; then
	python3 - "$TMP/dirs.json" "$TMP/late.json" <<'PY' && ok "late: one record counted late, still analyzed" || fail "late"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
r = b["stats"]["reorder"]
if r["late"] != 1 or r["max_late_sec"] < 86400:
    sys.exit(f"expected 1 late event at least a day behind, got {r}")
if a["detector"]["events"] != b["detector"]["events"]:
    sys.exit("events fed differ: %d vs %d" % (a["detector"]["events"], b["detector"]["events"]))
PY
fi

# The window is a setting: three days take the moved record back in order.
if analyze wide --reorder-window-sec 259200 "${src[@]}"; then
	python3 - "$TMP/wide.json" <<'PY' && ok "--reorder-window-sec 259200: no late event" || fail "--reorder-window-sec 259200"
import json, sys
r = json.load(open(sys.argv[1]))["stats"]["reorder"]
if r["late"] or r["window_sec"] != 259200:
    sys.exit(f"expected no late event in a 3-day window, got {r}")
PY
fi

[ $fails -eq 0 ] && { echo "test_analyze_order: all passed"; exit 0; }
echo "test_analyze_order: $fails failed"
exit 1
