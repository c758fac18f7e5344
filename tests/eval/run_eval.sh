#!/usr/bin/env bash
# make eval: for each seed, generate an organisation's audit activity on four
# clouds (CloudTrail, GCP Cloud Audit Logs, Azure StorageBlobLogs, MinIO) with
# attacks of drawn sizes and benign twins (tests/eval/eval_world.py,
# eval_scenarios.py), analyze it, and score every seed together
# (tests/eval/score.py): per-rule recall and benign twins flagged, detection
# over size / floor, false positives per 1,000 identity-days for findings and
# incidents. The first seed is generated and analyzed twice: both results
# must be identical. Exits non-zero when a goal is missed.
# Usage: tests/eval/run_eval.sh BUILD_DIR [IDENTITIES] [DAYS] [SEED...]
#   without SEEDs, three new ones are drawn (and printed, to rerun one:
#   make eval EVAL_SEEDS="S1 S2 S3").
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
N=${2:-90}
DAYS=${3:-60}
shift $(($# < 3 ? $# : 3))
SEEDS=("$@")
if [ ${#SEEDS[@]} -eq 0 ]; then
	for _ in 1 2 3; do SEEDS+=($(( $(od -An -N3 -tu4 /dev/urandom) % 1000000 ))); done
fi
GW="$PWD/$BUILD/gatewatch"
base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
TMP=$(mktemp -d "$base/gw-eval.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
[ -x "$GW" ] || { echo "eval: $GW not built"; exit 1; }
echo "eval: $N identities, $DAYS days, seeds ${SEEDS[*]}"

# One seed: generate into $1 and analyze into $1/report.json.
run_seed() {
	local out=$1 seed=$2
	python3 tests/eval/gen_activity.py eval "$out" --identities "$N" --days "$DAYS" \
		--seed "$seed" > "$out.gen" || return 1
	local src=(--audit "cloudtrail:$out/AWSLogs")
	local d
	for d in gcs azure minio; do
		[ -d "$out/$d" ] && src+=(--audit "$d:$out/$d")
	done
	"$GW" analyze "${src[@]}" --intel "tor:$out/intel/tor-exit-addresses" \
		--intel "deny:tests/data/intel/deny-cidrs.txt" --output "$out/report.json" \
		2> "$out.log" || { cat "$out.log"; return 1; }
	rm -rf "$out/AWSLogs" "$out/gcs" "$out/azure" "$out/minio"
}

pids=()
for s in "${SEEDS[@]}"; do
	mkdir -p "$TMP/$s"
	run_seed "$TMP/$s" "$s" & pids+=($!)
done
mkdir -p "$TMP/again"
run_seed "$TMP/again" "${SEEDS[0]}" & pids+=($!)
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
[ $fail -eq 0 ] || { echo "eval: generating or analyzing failed"; exit 1; }

args=()
for s in "${SEEDS[@]}"; do
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
d = r["detector"]
print("seed %s: %s; detector: %d events in %.2f s, %d identities, %d findings, %d incidents" % (
    sys.argv[2], open(sys.argv[3]).read().strip(), d["events"], d["seconds"], d["identities"],
    d["findings"], d["incidents"]))' "$TMP/$s/report.json" "$s" "$TMP/$s.gen"
	args+=("$TMP/$s/report.json" "$TMP/$s/truth.json")
done

# The same seed twice: the same truth, the same findings and incidents.
digest() {
	python3 -c '
import hashlib, json, sys
r = json.load(open(sys.argv[1]))
t = open(sys.argv[2], "rb").read()
print(hashlib.sha256(t + json.dumps([r["findings"], r["incidents"]], sort_keys=True).encode()).hexdigest())' "$1/report.json" "$1/truth.json"
}
same=1
if [ "$(digest "$TMP/${SEEDS[0]}")" = "$(digest "$TMP/again")" ]; then
	echo "determinism: seed ${SEEDS[0]} generated and analyzed twice, identical results"
else
	echo "determinism: MISSED: seed ${SEEDS[0]} gave different results on two runs"
	same=0
fi
echo
python3 tests/eval/score.py ${EVAL_GATE:+--gate "$EVAL_GATE"} "${args[@]}"
rc=$?
[ $same -eq 1 ] || rc=1
# Single-event rules: one record in, one finding out (tests/eval/single_event.py).
echo
echo "single-event rules: attack records found / total, benign twins flagged / total"
python3 tests/eval/single_event.py "$GW" tests/data/single_event || rc=1
# Principals with no history: new sessions, anonymous, foreign, root, SAS.
bash tests/eval/coldstart.sh "$BUILD" || rc=1
exit $rc
