#!/usr/bin/env bash
# S3 credentials from the instance metadata service, IMDSv2: with no
# credentials in the environment or a shared file, the pull asks a stand-in
# metadata service on loopback (AWS_EC2_METADATA_SERVICE_ENDPOINT) for a
# session token, the role and its temporary credentials, and signs with
# them (the SigV4 proxy in front of s3rver requires the session token);
# credentials close to their Expiration are fetched again before the next
# object; AWS_EC2_METADATA_DISABLED=true leaves the service alone. Nothing
# secret is printed.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
. tests/e2e/s3_lib.sh

TOKEN="IQoJb3JpZ2luX2VjEXAMPLEsessionTOKEN"
start_s3 "$TOKEN"
mk_trail "$TMP/objs" 3 20
upload "$TMP/objs"

# imds NAME EXPIRES_IN: a metadata service; its port in IPORT_NAME.
imds() {
	local p
	p=$(free_port)
	python3 tests/e2e/imds_server.py "$p" gw-role S3RVER S3RVER "$TOKEN" "$2" \
		>"$TMP/imds-$1.out" 2>"$TMP/imds-$1.log" &
	BG="$BG $!"
	wait_ready "$TMP/imds-$1.out" || fail "the metadata service $1 did not start"
	eval "IPORT_$1=$p"
}
imds long 21600
imds short 120

mkdir -p "$TMP/home"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
unset AWS_SHARED_CREDENTIALS_FILE AWS_EC2_METADATA_DISABLED
export HOME="$TMP/home"
export GATEWATCH_S3_ENDPOINT="http://127.0.0.1:$PPORT" GATEWATCH_S3_REGION=us-east-1
SRC="cloudtrail:s3://trail-bucket/AWSLogs/111122223333/CloudTrail/"
count() { grep -c "^$1\$" "$2"; }

# 0. The stand-in is strict: a GET without the session token is refused.
code=$(curl -s -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:$IPORT_long/latest/meta-data/iam/security-credentials/")
expect "IMDSv1 GET without a token: HTTP" 401 "$code"
: >"$TMP/imds-long.log"

# 1. Credentials from the metadata service: one token, one role, one fetch.
AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$IPORT_long" \
	"$GW" analyze --audit "$SRC" --output "$TMP/i1.json" 2>"$TMP/i1.err" ||
	fail "run with IMDS credentials failed: $(cat "$TMP/i1.err")"
expect "IMDS credentials: events" 60 "$(stat events "$TMP/i1.json")"
expect "IMDS credentials: files_failed" 0 "$(stat files_failed "$TMP/i1.json")"
expect "IMDS: token requests" 1 "$(count token "$TMP/imds-long.log")"
expect "IMDS: credential fetches" 1 "$(count creds "$TMP/imds-long.log")"
expect "IMDS: refused requests" 0 "$(count refused "$TMP/imds-long.log")"
checked=$(grep -c checked "$TMP/proxy.log")
[ "$checked" -ge 4 ] || fail "expected at least 4 signed requests with the session token, got $checked"
echo "ok: $checked requests carried a valid SigV4 signature and the session token"

# 2. Credentials expiring within minutes are fetched again before each
#    object: the first fetch, then one per object.
AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$IPORT_short" \
	"$GW" analyze --audit "$SRC" --output "$TMP/i2.json" 2>"$TMP/i2.err" ||
	fail "run with short-lived credentials failed: $(cat "$TMP/i2.err")"
expect "short-lived credentials: events" 60 "$(stat events "$TMP/i2.json")"
fetches=$(count creds "$TMP/imds-short.log")
[ "$fetches" -ge 4 ] || fail "expected the credentials to be refreshed, got $fetches fetches"
echo "ok: short-lived credentials fetched $fetches times"
grep -q "refreshed the credentials" "$TMP/i2.err" || fail "no refresh was reported"

# 3. Disabled: the service is not asked and the unsigned requests fail.
before=$(wc -l <"$TMP/imds-long.log")
AWS_EC2_METADATA_DISABLED=true AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$IPORT_long" \
	"$GW" analyze --audit "$SRC" --output "$TMP/i3.json" 2>"$TMP/i3.err"
expect "IMDS disabled: exit status" 1 "$?"
expect "IMDS disabled: requests to the service" "$before" "$(wc -l <"$TMP/imds-long.log")"
grep -q "HTTP 403" "$TMP/i3.err" || fail "IMDS disabled: no HTTP 403: $(cat "$TMP/i3.err")"

# 4. Environment credentials come first: the service is not asked.
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_SESSION_TOKEN="$TOKEN" \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$IPORT_long" \
	"$GW" analyze --audit "$SRC" --output "$TMP/i4.json" 2>"$TMP/i4.err" ||
	fail "run with environment credentials failed: $(cat "$TMP/i4.err")"
expect "environment credentials: events" 60 "$(stat events "$TMP/i4.json")"
expect "environment credentials: requests to the service" "$before" "$(wc -l <"$TMP/imds-long.log")"

for f in "$TMP"/i*.err; do
	if grep -q -e "$TOKEN" -e "S3RVER" "$f"; then fail "a credential was printed in $f"; fi
done
echo "pass: s3 pull with IMDSv2 credentials"
