#!/usr/bin/env bash
# Secrets never echoed: an Azure source with a SAS (sig=) and URL userinfo
# (user:password@), an S3 endpoint with userinfo, an unreachable source and
# a bad flag, through `analyze`, `check-config` and `run`: the report, every
# log line, check-config's output and the metrics hold none of the secrets.
# The servers are listing_loop.py (lists, then 404s) and a closed port, both
# on 127.0.0.1.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
GW="$PWD/$BUILD/gatewatch"
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
TMP=$(mktemp -d)
SRV="" AGENT=""
cleanup() {
	for p in $AGENT $SRV; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
# clean NAME FILE...: none of the secrets in the files, which exist.
clean() {
	local name=$1 f
	shift
	for f in "$@"; do
		[ -s "$f" ] || { bad "$name: $f is empty or missing"; return; }
	done
	if grep -n -e "$SIG" -e "$PASS" -e "$TOKEN" "$@"; then bad "$name: a secret was echoed"; else ok "$name"; fi
}

python3 tests/e2e/listing_loop.py 0 "$TMP/requests" >"$TMP/srv.out" 2>"$TMP/srv.err" &
SRV=$!
for _ in $(seq 50); do grep -q ready "$TMP/srv.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/^ready //p' "$TMP/srv.out")
[ -n "$PORT" ] || { cat "$TMP/srv.err"; echo "FAIL: the listing server did not start"; exit 1; }
CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

SIG=c2VjcmV0LXNpZ25hdHVyZQ PASS=hunter2pass TOKEN=sessiontok99
SAS="sv=2019-12-12&ss=b&srt=sco&sp=rl&se=2099-01-01T00:00:00Z&spr=http&sig=$SIG"
AZ="azure:http://reader:$PASS@127.0.0.1:$PORT/acct/logs/same/?$SAS"
AZ_DOWN="azure:http://127.0.0.1:$CLOSED/acct/logs/?$SAS&st=x&X-Amz-Security-Token=$TOKEN"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AZURE_STORAGE_KEY
export AWS_EC2_METADATA_DISABLED=true AWS_SHARED_CREDENTIALS_FILE=/nonexistent
export GATEWATCH_S3_MAX_PAGES=3

# analyze: the report's sources, and the error lines of each source.
GATEWATCH_S3_ENDPOINT="http://s3user:$PASS@127.0.0.1:$PORT" timeout 120 "$GW" analyze \
	--audit "$AZ" --audit "$AZ_DOWN" --audit "cloudtrail:s3://trail/same/" \
	--output "$TMP/report.json" 2>"$TMP/analyze.err"
grep -q "REDACTED" "$TMP/analyze.err" || bad "analyze: no redacted source in the log"
python3 - "$TMP/report.json" "$PORT" <<'PY' || bad "analyze: the report's sources are not the redacted URLs"
import json, sys
src = json.load(open(sys.argv[1]))["sources"]
assert src[0].startswith("azure:http://REDACTED@127.0.0.1:%s/acct/logs/same/?sv=2019-12-12" % sys.argv[2]), src
assert src[0].endswith("&sig=REDACTED") and "X-Amz-Security-Token=REDACTED" in src[1], src
PY
clean "analyze: report and log" "$TMP/report.json" "$TMP/analyze.err"
# A bad URL scheme and a bad endpoint are echoed redacted too.
"$GW" analyze --audit "ftp://u:$PASS@h/x?sig=$SIG" --output "$TMP/r2.json" 2>"$TMP/bad.err"
GATEWATCH_S3_ENDPOINT="ftp://u:$PASS@127.0.0.1:1" "$GW" analyze --audit "s3://b/p?token=$TOKEN" \
	--output "$TMP/r3.json" 2>>"$TMP/bad.err"
clean "analyze: usage errors" "$TMP/bad.err"

# check-config: --print, the secret-in-a-world-readable-file error, a bad flag.
: >"$TMP/empty.conf"
printf '[audit]\nsources = %s\n' "$AZ" >"$TMP/gw.conf"
chmod 0644 "$TMP/gw.conf"
"$GW" check-config --config "$TMP/gw.conf" --state-dir "$TMP" --print >"$TMP/cc.out" 2>"$TMP/cc.err"
"$GW" check-config --config "$TMP/empty.conf" --state-dir "$TMP" --collector-url "ftp://u:$PASS@h/?sig=$SIG" \
	>>"$TMP/cc.out" 2>>"$TMP/cc.err"
chmod 0600 "$TMP/gw.conf"
"$GW" check-config --config "$TMP/gw.conf" --state-dir "$TMP" --print >>"$TMP/cc.out" 2>>"$TMP/cc.err"
grep -q "^sources = azure:http://REDACTED@127.0.0.1:$PORT/acct/logs/same/?sv=" "$TMP/cc.out" ||
	bad "check-config --print: the source is not shown redacted"
clean "check-config: output and errors" "$TMP/cc.out" "$TMP/cc.err"

# run: the daemon's log and its metrics, after a pull of both Azure sources.
MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$TMP/state"; chmod 0600 "$TMP/empty.conf"
"$GW" run --config "$TMP/empty.conf" --state-dir "$TMP/state" --audit "$AZ" --audit "$AZ_DOWN" \
	--pull-interval-sec 1 --metrics-listen "127.0.0.1:$MPORT" --duration 8 2>"$TMP/run.err" &
AGENT=$!
for _ in $(seq 80); do
	grep -q "failed to read http://127.0.0.1:$CLOSED" "$TMP/run.err" 2>/dev/null && break
	sleep 0.1
done
curl -s "http://127.0.0.1:$MPORT/metrics" >"$TMP/metrics.txt"
wait "$AGENT"
AGENT=""
grep -q "gatewatch_audit_events_total" "$TMP/metrics.txt" || bad "run: no per-source metrics"
grep -q "failed to list http://REDACTED@127.0.0.1:$PORT/acct/logs/same/" "$TMP/run.err" ||
	bad "run: the source's error line is missing"
clean "run: log and metrics" "$TMP/run.err" "$TMP/metrics.txt"

[ "$fails" = 0 ] || { echo "test_redact: $fails failed"; exit 1; }
echo "test_redact: all passed"
