#!/usr/bin/env bash
# Pull Azure Storage logs from a real Blob API server (azurite) on loopback:
# classic $logs blobs (1.0 and 2.0 lines) and StorageBlobLogs JSON (PT1H.json
# in the insights-logs layout), listed page by page, read with SharedKey
# signing and with a SAS token, resumed from a durable cursor; a wrong key
# is refused by the server.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
GW="$PWD/$BUILD/gatewatch"
AZURITE="$PWD/build-tools/node_modules/.bin/azurite-blob"
REAL=../shared/testdata/real-logs
if [ ! -x "$AZURITE" ]; then
	echo "azurite not installed (packaging/install-deps.sh installs it into build-tools/)"
	exit 77
fi
[ -d "$REAL" ] || { echo "no shared real-log samples at $REAL"; exit 77; }

TMP=$(mktemp -d)
PID=""
cleanup() {
	# azurite takes over a minute to stop on SIGTERM; its data is scratch.
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect() { [ "$2" = "$3" ] || fail "$1: expected $2, got $3"; echo "ok: $1 = $3"; }
stat() { python3 -c 'import json,sys; print(json.load(open(sys.argv[2]))["stats"][sys.argv[1]])' "$1" "$2"; }

# The emulator's well-known development account (public, not a secret).
ACCT=devstoreaccount1
KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$AZURITE" --blobHost 127.0.0.1 --blobPort "$PORT" --location "$TMP/az" --silent \
	--skipApiVersionCheck --loose >"$TMP/azurite.log" 2>&1 &
PID=$!
EP="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -s -o /dev/null "$EP/" && break; sleep 0.1; done
curl -s -o /dev/null "$EP/" || { cat "$TMP/azurite.log"; fail "azurite did not start"; }

blob() { python3 tests/e2e/azure_blob.py "$EP" "$ACCT" "$KEY" "$@" || fail "azure_blob.py $*"; }
blob mkcontainer '$logs'
blob mkcontainer insights-logs-storageread
# $logs: 8 v1.0 lines + 4 v2.0 lines in three blobs of the documented layout;
# 5 malformed lines in a fourth.
blob put '$logs' blob/2014/06/19/2200/000000.log "$REAL/azure_storage_analytics/msdocs_storage_analytics_log_format_v1_samples.log"
blob put '$logs' blob/2019/06/25/1400/000000.log "$REAL/azure_storage_analytics/mslearn_storage_analytics_v2_real_capture.log"
blob put '$logs' blob/2019/06/25/1500/000000.log "$REAL/azure_storage_analytics/webjobs_parser_valid_v1.log"
blob put '$logs' blob/2019/06/25/1600/000000.log "$REAL/azure_storage_analytics/webjobs_parser_malformed.log"
# StorageBlobLogs: 8 + 2 records, one gzipped.
J="resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/A/BLOBSERVICES/DEFAULT"
blob put insights-logs-storageread "$J/y=2022/m=07/d=04/h=09/m=00/PT1H.json" "$REAL/azure_storagebloblogs_secura/storagebloblogs_secura_2022-07.ndjson"
gzip -c "$REAL/azure_storagebloblogs_dynatrace/storagebloblogs_benign_function_checkpoint.ndjson" > "$TMP/d.json.gz"
blob put insights-logs-storageread "$J/y=2023/m=12/d=12/h=12/m=00/PT1H.json" "$TMP/d.json.gz"

export GATEWATCH_S3_PAGE_SIZE=2   # several List Blobs pages (markers)

# 1. SharedKey, classic logs, format detected from the content.
AZURE_STORAGE_KEY="$KEY" "$GW" analyze --audit "$EP/$ACCT/\$logs/blob/" --output "$TMP/k.json" 2>"$TMP/k.err"
[ -n "${VERBOSE:-}" ] && cat "$TMP/k.err"
# webjobs_parser_valid_v1.log repeats 3 records of the v1.0 samples: same
# time, operation, object and request id, so each is delivered once.
expect "SharedKey \$logs: events" 14 "$(stat events "$TMP/k.json")"
expect "SharedKey \$logs: duplicates" 3 "$(stat duplicates "$TMP/k.json")"
expect "SharedKey \$logs: skipped (malformed lines)" 5 "$(stat skipped "$TMP/k.json")"
expect "SharedKey \$logs: files" 4 "$(stat files "$TMP/k.json")"

# 2. SAS in the URL, StorageBlobLogs JSON with the azure: prefix.
SAS=$(python3 tests/e2e/azure_blob.py "$EP" "$ACCT" "$KEY" sas)
"$GW" analyze --audit "azure:$EP/$ACCT/insights-logs-storageread/resourceId=?$SAS" \
	--output "$TMP/s.json" 2>"$TMP/s.err" || fail "SAS run: $(cat "$TMP/s.err")"
expect "SAS StorageBlobLogs: events" 10 "$(stat events "$TMP/s.json")"
if grep -q "sig=" "$TMP/s.err"; then fail "the SAS signature was printed"; fi

# 3. Cursor: stop after 2 blobs, then the rest; together exactly all.
export GATEWATCH_STATE_DIR="$TMP/state"
GATEWATCH_S3_MAX_OBJECTS=2 AZURE_STORAGE_KEY="$KEY" "$GW" analyze --audit "azure:$EP/$ACCT/\$logs/" \
	--output "$TMP/c1.json" 2>"$TMP/c1.err"
c1=$(stat events "$TMP/c1.json")
AZURE_STORAGE_KEY="$KEY" "$GW" analyze --audit "azure:$EP/$ACCT/\$logs/" --output "$TMP/c2.json" 2>"$TMP/c2.err"
c2=$(stat events "$TMP/c2.json")
expect "interrupted run: events" 12 "$c1"
# The id set lives in the process: the 3 repeated records, split across
# the two runs, are delivered in each; no blob is read twice.
expect "runs 1+2: events" 17 "$((c1 + c2))"
AZURE_STORAGE_KEY="$KEY" "$GW" analyze --audit "azure:$EP/$ACCT/\$logs/" --output "$TMP/c3.json" 2>"$TMP/c3.err"
expect "third run: events" 0 "$(stat events "$TMP/c3.json")"
unset GATEWATCH_STATE_DIR

# 4. A wrong key: the server refuses the signature.
AZURE_STORAGE_KEY="$(printf 'wrong-key-wrong-key-wrong-key-00' | base64)" "$GW" analyze \
	--audit "azure:$EP/$ACCT/\$logs/" --output "$TMP/w.json" 2>"$TMP/w.err"
expect "wrong key: exit status" 1 "$?"
grep -q "HTTP 403" "$TMP/w.err" || fail "wrong key: no HTTP 403: $(cat "$TMP/w.err")"
echo "pass: azure pull"
