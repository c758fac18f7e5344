#!/usr/bin/env bash
# make eval: generate multi-identity, multi-cloud activity (CloudTrail, GCS
# Cloud Audit Logs, Azure StorageBlobLogs) with injected scenarios and
# ground truth, analyze it, and print recall per scenario type and false-
# positive incidents per 1,000 identity-days. Exits non-zero when a scenario
# is missed or the false-positive rate is above 1 per 1,000 identity-days.
# Usage: tests/eval/run_eval.sh BUILD_DIR [IDENTITIES] [DAYS] [SEED]
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
N=${2:-150}
DAYS=${3:-90}
SEED=${4:-1}
GW="$PWD/$BUILD/gatewatch"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

[ -x "$GW" ] || { echo "eval: $GW not built"; exit 1; }
echo "eval: $N identities, $DAYS days, seed $SEED"
python3 tests/eval/gen_activity.py eval "$TMP/ct" --identities "$N" --days "$DAYS" --seed "$SEED" || exit 1
# GCP and Azure identities write their own clouds' logs.
SOURCES=(--audit "cloudtrail:$TMP/ct/AWSLogs")
[ -d "$TMP/ct/gcs" ] && SOURCES+=(--audit "gcs:$TMP/ct/gcs")
[ -d "$TMP/ct/azure" ] && SOURCES+=(--audit "azure:$TMP/ct/azure")
"$GW" analyze "${SOURCES[@]}" --intel "tor:tests/data/intel/tor-exit-addresses" \
	--intel "deny:tests/data/intel/deny-cidrs.txt" --output "$TMP/report.json" || exit 1
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["detector"]
print("detector: %d events in %.2f s (%.0f events/s), %d identities, %d findings, %d incidents" % (
    d["events"], d["seconds"], d["events"] / max(d["seconds"], 1e-9), d["identities"],
    d["findings"], d["incidents"]))' "$TMP/report.json"
python3 tests/eval/score.py "$TMP/report.json" "$TMP/ct/truth.json"
rc=$?
# Single-event rules: one record in, one finding out (tests/eval/single_event.py).
echo "single-event rules: attack records found / total, benign twins flagged / total"
python3 tests/eval/single_event.py "$GW" tests/data/single_event || rc=1
exit $rc
