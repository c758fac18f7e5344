#!/usr/bin/env bash
# A large object pulled from a real S3 API server (s3rver behind the
# SigV4-checking proxy) or a large blob from a real Blob API server
# (azurite) is read as a stream: the object is spooled to an
# unnamed file and read through the same few-MiB window as a local file, so
# the agent's memory does not follow the object's size. One gzipped
# CloudTrail object of 300,000 records (about 190 MB of JSON): every event
# read, and the peak RSS of `gatewatch analyze` below the object's size
# (about 120 MiB here; holding the whole body and its inflated copy, as the
# pull once did, took about 890 MiB).
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
. tests/e2e/s3_lib.sh

start_s3
N=300000
mkdir -p "$TMP/objs"
mk_trail "$TMP/objs" 1 "$N"
upload "$TMP/objs"
size=$(python3 -c 'import gzip,sys; print(len(gzip.open(sys.argv[1]).read()))' "$(find "$TMP/objs" -name '*.gz')")
echo "object: $((size / 1048576)) MiB of JSON"

export GATEWATCH_S3_ENDPOINT="http://127.0.0.1:$PPORT" GATEWATCH_S3_REGION=us-east-1
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
# peak RSS (KiB) of the analyze run
rss=$(python3 - "$GW" "$TMP" <<'PY'
import resource, subprocess, sys
gw, tmp = sys.argv[1:3]
with open(f"{tmp}/a.err", "w") as err:
    subprocess.run([gw, "analyze", "--audit", "cloudtrail:s3://trail-bucket/AWSLogs/",
                    "--output", f"{tmp}/a.json"], stdout=err, stderr=err, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
) || fail "analyze failed: $(cat "$TMP/a.err")"
expect "events" "$N" "$(stat events "$TMP/a.json")"
expect "files" 1 "$(stat files "$TMP/a.json")"
expect "files_failed" 0 "$(stat files_failed "$TMP/a.json")"
echo "peak RSS: $((rss / 1024)) MiB for a $((size / 1048576)) MiB object"
# the window, the time-order merge, the detector and the report: below
# the object, which a whole-body read holds at least once
[ "$rss" -lt $((size / 1024)) ] || fail "peak RSS $((rss / 1024)) MiB follows the object's size"
echo "ok: peak RSS below the object's size"

# The same for one gzipped StorageBlobLogs blob of 150,000 records (the
# documented record shape, PT1H.json in the insights-logs layout).
AZURITE="$PWD/build-tools/node_modules/.bin/azurite-blob"
if [ ! -x "$AZURITE" ]; then
	echo "azurite not installed: the Blob half is not run"
	exit 77
fi
ACCT=devstoreaccount1   # the emulator's well-known development account
KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
APORT=$(free_port)
mkdir -p "$TMP/az"
"$AZURITE" --blobHost 127.0.0.1 --blobPort "$APORT" --location "$TMP/az" --silent \
	--skipApiVersionCheck --loose >"$TMP/azurite.log" 2>&1 &
AZPID=$!
BG="$BG $AZPID"
EP="http://127.0.0.1:$APORT"
for _ in $(seq 100); do curl -s -o /dev/null "$EP/" && break; sleep 0.1; done
curl -s -o /dev/null "$EP/" || { cat "$TMP/azurite.log"; fail "azurite did not start"; }
M=150000
python3 - "$TMP/blob.json.gz" "$M" <<'PY'
import gzip, json, sys
out, n = sys.argv[1], int(sys.argv[2])
acct = "gwlargetest"
with gzip.open(out, "wt") as fh:
    for i in range(n):
        fh.write(json.dumps({
            "time": f"2024-05-01T10:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}0000Z",
            "resourceId": f"/subscriptions/S/resourceGroups/G/providers/Microsoft.Storage/storageAccounts/{acct}/blobServices/default",
            "category": "StorageRead", "operationName": "GetBlob", "operationVersion": "2020-10-02",
            "schemaVersion": "1.0", "statusCode": 200, "statusText": "Success", "durationMs": 5,
            "callerIpAddress": "198.51.100.7:50000", "correlationId": f"c0ffee00-0000-0000-0000-{i:012d}",
            "identity": {"type": "OAuth", "requester": {"objectId": "00000000-0000-0000-0000-00000000000a"}},
            "location": "West Europe",
            "properties": {"accountName": acct, "userAgentHeader": "azsdk-python-storage-blob/12.9.0",
                           "serviceType": "blob", "objectKey": f"/{acct}/data/obj-{i}",
                           "responseBodySize": 1000},
            "uri": f"https://{acct}.blob.core.windows.net:443/data/obj-{i}", "protocol": "HTTPS",
            "resourceType": "Microsoft.Storage/storageAccounts/blobServices"}) + "\n")
PY
python3 tests/e2e/azure_blob.py "$EP" "$ACCT" "$KEY" mkcontainer insights-logs-storageread ||
	fail "mkcontainer"
J="resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/A/BLOBSERVICES/DEFAULT"
python3 tests/e2e/azure_blob.py "$EP" "$ACCT" "$KEY" put insights-logs-storageread \
	"$J/y=2024/m=05/d=01/h=10/m=00/PT1H.json" "$TMP/blob.json.gz" || fail "blob upload"
size=$(python3 -c 'import gzip,sys; print(len(gzip.open(sys.argv[1]).read()))' "$TMP/blob.json.gz")
echo "blob: $((size / 1048576)) MiB of JSON"
rss=$(AZURE_STORAGE_KEY="$KEY" python3 - "$GW" "$TMP" "$EP/$ACCT/insights-logs-storageread/" <<'PY'
import resource, subprocess, sys
gw, tmp, url = sys.argv[1:4]
with open(f"{tmp}/b.err", "w") as err:
    subprocess.run([gw, "analyze", "--audit", "azure:" + url, "--output", f"{tmp}/b.json"],
                   stdout=err, stderr=err, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
) || fail "analyze failed: $(cat "$TMP/b.err")"
kill -9 "$AZPID" 2>/dev/null; wait "$AZPID" 2>/dev/null
expect "blob events" "$M" "$(stat events "$TMP/b.json")"
expect "blob files_failed" 0 "$(stat files_failed "$TMP/b.json")"
echo "peak RSS: $((rss / 1024)) MiB for a $((size / 1048576)) MiB blob"
[ "$rss" -lt $((size / 1024)) ] || fail "peak RSS $((rss / 1024)) MiB follows the blob's size"
echo "ok: peak RSS below the blob's size"
echo "PASS"
