#!/usr/bin/env bash
# A listing that never ends: a server (listing_loop.py on loopback) that
# repeats its continuation token (S3 NextContinuationToken, Azure
# NextMarker), cycles between two tokens over the same keys, pages on
# forever, or sends empty pages forever. Each pull stops by itself with
# one error line naming the source, after a bounded number of requests.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
GW="$PWD/$BUILD/gatewatch"
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
TMP=$(mktemp -d)
SRV=""
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fails=0
check() { # NAME CONDITION-RESULT(0/1) DETAIL
	if [ "$2" = 0 ]; then echo "ok   $1"; else echo "FAIL $1: $3"; fails=$((fails + 1)); fi
}

python3 tests/e2e/listing_loop.py 0 "$TMP/requests" >"$TMP/srv.out" 2>"$TMP/srv.err" &
SRV=$!
for _ in $(seq 50); do grep -q ready "$TMP/srv.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/^ready //p' "$TMP/srv.out")
[ -n "$PORT" ] || { cat "$TMP/srv.err"; echo "FAIL: the listing server did not start"; exit 1; }
EP="http://127.0.0.1:$PORT"

# No credentials at all: unsigned requests, and never the metadata service.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AZURE_STORAGE_KEY
export AWS_EC2_METADATA_DISABLED=true AWS_SHARED_CREDENTIALS_FILE=/nonexistent
export GATEWATCH_S3_ENDPOINT="$EP" GATEWATCH_S3_MAX_PAGES=50 GATEWATCH_AZURE_SAS="sv=2019-12-12&sig=x"

# pull NAME SOURCE WHY MAXREQ WHERE: the pull ends within 20 s, exit 1 with
# a report, an error line naming the source (WHERE) and WHY, at most MAXREQ
# listings.
pull() {
	local name=$1 src=$2 why=$3 max=$4 rc n
	: >"$TMP/requests"
	timeout 20 "$GW" analyze --audit "$src" --output "$TMP/$name.json" 2>"$TMP/$name.err"
	rc=$?
	n=$(grep -c 'list' "$TMP/requests")
	# exit 1: a source failed; 124: still paging when the timeout hit
	check "$name: the pull ends (exit 1)" "$([ $rc = 1 ]; echo $?)" "exit $rc after $n listings"
	check "$name: at most $max listings" "$([ "$n" -le "$max" ]; echo $?)" "$n listings"
	check "$name: the error names the source and why" \
		"$(grep -q "failed to list .*$5.*$why; stopping this pull" "$TMP/$name.err"; echo $?)" \
		"$(head -c 600 "$TMP/$name.err")"
	check "$name: counted as a failed file" \
		"$(python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["stats"]["files_failed"] < 1)' \
		"$TMP/$name.json"; echo $?)" "no files_failed in the report"
}

pull s3-same "cloudtrail:s3://trail/same/" "repeated the continuation token" 2 "s3://trail/same/"
pull s3-cycle "cloudtrail:s3://trail/cycle/" "did not move past the previous one" 2 "s3://trail/cycle/"
pull s3-endless "cloudtrail:s3://trail/endless/" "more pages than GATEWATCH_S3_MAX_PAGES" 51 "s3://trail/endless/"
GATEWATCH_S3_MAX_PAGES=1000 pull s3-empty "cloudtrail:s3://trail/empty/" "too many empty pages in a row" 100 "s3://trail/empty/"
pull az-same "azure:$EP/acct/logs/same/" "repeated the continuation token" 2 "$EP/acct/logs/same/"
pull az-cycle "azure:$EP/acct/logs/cycle/" "did not move past the previous one" 2 "$EP/acct/logs/cycle/"
pull az-endless "azure:$EP/acct/logs/endless/" "more pages than GATEWATCH_S3_MAX_PAGES" 51 "$EP/acct/logs/endless/"

[ "$fails" = 0 ] || { echo "test_pull_loop: $fails failed"; exit 1; }
echo "test_pull_loop: all passed"
