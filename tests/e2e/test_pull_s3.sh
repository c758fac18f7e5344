#!/usr/bin/env bash
# Pull gzipped CloudTrail files in the S3 delivery layout from a real S3 API
# server (s3rver, which checks SigV4 signatures) on loopback, through
# `gatewatch analyze --audit cloudtrail:s3://...`: listing with continuation,
# a durable cursor that makes an interrupted pull resume with each event
# counted exactly once, a damaged object passed over, credentials from the
# environment and from the shared credentials file, and a wrong secret
# refused by the server.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
GW="$PWD/$BUILD/gatewatch"
S3RVER="$PWD/build-tools/node_modules/.bin/s3rver"
if [ ! -x "$S3RVER" ]; then
	echo "s3rver not installed (packaging/install-deps.sh installs it into build-tools/)"
	exit 77
fi
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }

TMP=$(mktemp -d)
PID="" PROXY=""
cleanup() {
	for p in $PROXY $PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$TMP/s3" "$TMP/objs"
# s3rver's continuation tokens use a cipher that OpenSSL 3 keeps in its
# legacy provider.
NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$TMP/s3" -a 127.0.0.1 -p "$PORT" -s --configure-bucket trail-bucket \
	>"$TMP/s3rver.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
	sleep 0.1
done
curl -s -o /dev/null "http://127.0.0.1:$PORT/" || { cat "$TMP/s3rver.log"; fail "s3rver did not start"; }

# s3rver does not check SigV4 signatures; this proxy in front of it does.
PPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 tests/e2e/sigv4_proxy.py "$PPORT" "$PORT" S3RVER S3RVER >"$TMP/proxy.out" 2>"$TMP/proxy.log" &
PROXY=$!
for _ in $(seq 50); do grep -q ready "$TMP/proxy.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$TMP/proxy.out" || fail "the SigV4 proxy did not start"

# 5 log files of 20 records each, a digest file and one damaged object.
python3 - "$TMP/objs" <<'EOF'
import gzip, json, os, sys
out = sys.argv[1]
acct, region = "111122223333", "us-east-1"
base = f"AWSLogs/{acct}/CloudTrail/{region}/2024/05/01/"
n = 0
for f in range(5):
    recs = []
    for i in range(20):
        n += 1
        recs.append({
            "eventVersion": "1.09", "eventTime": f"2024-05-01T10:{f:02d}:{i:02d}Z",
            "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
            "awsRegion": region, "sourceIPAddress": "198.51.100.7",
            "userAgent": "[aws-cli/2.15.0]", "eventID": f"ev-{n}",
            "requestID": f"req-{n}", "recipientAccountId": acct,
            "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{acct}:user/alice",
                             "accountId": acct, "accessKeyId": "AKIAEXAMPLE"},
            "requestParameters": {"bucketName": "data", "key": f"obj-{n}"},
            "additionalEventData": {"bytesTransferredOut": 1000},
        })
    key = base + f"{acct}_CloudTrail_{region}_20240501T10{f:02d}Z_x{f}.json.gz"
    path = os.path.join(out, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.open(path, "wb") as fh:
        fh.write(json.dumps({"Records": recs}).encode())
dg = f"AWSLogs/{acct}/CloudTrail-Digest/{region}/2024/05/01/{acct}_CloudTrail-Digest_{region}_x.json.gz"
os.makedirs(os.path.join(out, os.path.dirname(dg)), exist_ok=True)
with gzip.open(os.path.join(out, dg), "wb") as fh:
    fh.write(b'{"digestStartTime":"2024-05-01T10:00:00Z","logFiles":[]}')
bad = base + f"{acct}_CloudTrail_{region}_20240501T1002Z_zz-damaged.json.gz"
with open(os.path.join(out, bad), "wb") as fh:
    fh.write(b"\x1f\x8b\x08\x00garbage-not-deflate")
EOF
(cd "$TMP/objs" && find . -type f | sed 's|^\./||' | sort) > "$TMP/keys"
while read -r key; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
		--user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$TMP/objs/$key" "http://127.0.0.1:$PORT/trail-bucket/$key")
	[ "$code" = 200 ] || fail "upload of $key: HTTP $code"
done < "$TMP/keys"

export GATEWATCH_S3_ENDPOINT="http://127.0.0.1:$PPORT"
export GATEWATCH_S3_REGION=us-east-1
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
SRC="cloudtrail:s3://trail-bucket/AWSLogs/111122223333/CloudTrail/"

# stat NAME FILE: one number from the report's stats.
stat() { python3 -c 'import json,sys; print(json.load(open(sys.argv[2]))["stats"][sys.argv[1]])' "$1" "$2"; }
expect() { # expect WHAT EXPECTED GOT
	[ "$2" = "$3" ] || fail "$1: expected $2, got $3"
	echo "ok: $1 = $3"
}

# 1. A fresh pull without a cursor sees everything: 100 events, the damaged
#    object counted as a failed file, the digest passed over.
#    (One page: s3rver walks "CloudTrail/" before "CloudTrail-Digest/", unlike
#    S3's byte order, so its continuation tokens would skip the digest.)
"$GW" analyze --audit "cloudtrail:s3://trail-bucket/AWSLogs/" --output "$TMP/all.json" 2>"$TMP/all.err"
[ -n "${VERBOSE:-}" ] && cat "$TMP/all.err"
expect "full pull: events" 100 "$(stat events "$TMP/all.json")"
expect "full pull: files" 5 "$(stat files "$TMP/all.json")"
expect "full pull: files_failed" 1 "$(stat files_failed "$TMP/all.json")"
expect "full pull: digests" 1 "$(stat digests "$TMP/all.json")"
grep -q "zz-damaged.json.gz: corrupt or truncated gzip" "$TMP/all.err" ||
	fail "the damaged object was not named: $(cat "$TMP/all.err")"
if grep -q "S3RVER" "$TMP/all.err"; then fail "a credential was printed"; fi

# 2. Pages of 2 keys (continuation tokens). An interrupted pull (stopped
#    after 2 objects), then the rest: each event exactly once across the
#    two runs, and a third run finds nothing.
export GATEWATCH_STATE_DIR="$TMP/state" GATEWATCH_S3_PAGE_SIZE=2
GATEWATCH_S3_MAX_OBJECTS=2 "$GW" analyze --audit "$SRC" --output "$TMP/r1.json" 2>"$TMP/r1.err" ||
	fail "run 1 failed: $(cat "$TMP/r1.err")"
r1=$(stat events "$TMP/r1.json")
expect "interrupted run: events" 40 "$r1"
"$GW" analyze --audit "$SRC" --output "$TMP/r2.json" 2>"$TMP/r2.err"
r2=$(stat events "$TMP/r2.json")
expect "resumed run: events" 60 "$r2"
expect "resumed run: files_failed" 1 "$(stat files_failed "$TMP/r2.json")"
expect "runs 1+2: events" 100 "$((r1 + r2))"
"$GW" analyze --audit "$SRC" --output "$TMP/r3.json" 2>"$TMP/r3.err" ||
	fail "run 3 failed: $(cat "$TMP/r3.err")"
expect "third run: events" 0 "$(stat events "$TMP/r3.json")"
ls "$TMP/state"/cursor-* >/dev/null 2>&1 || fail "no cursor file in the state dir"
[ -z "$(find "$TMP/state" -name '*.tmp')" ] || fail "a temporary cursor file was left behind"

# 3. A new object after the cursor is picked up, and only it.
key="AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/02/111122223333_CloudTrail_us-east-1_20240502T0000Z_n.json.gz"
mkdir -p "$TMP/objs/$(dirname "$key")"
cp "$TMP/objs/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T1000Z_x0.json.gz" "$TMP/objs/$key"
curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$TMP/objs/$key" "http://127.0.0.1:$PORT/trail-bucket/$key" || fail "upload"
"$GW" analyze --audit "$SRC" --output "$TMP/r4.json" 2>"$TMP/r4.err" ||
	fail "run 4 failed: $(cat "$TMP/r4.err")"
expect "new object: events" 20 "$(stat events "$TMP/r4.json")"
unset GATEWATCH_STATE_DIR

# 4. Credentials from the shared credentials file (profile gw).
printf '[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n[gw]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' > "$TMP/credentials"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$TMP/credentials" \
	AWS_PROFILE=gw "$GW" analyze --audit "s3://trail-bucket/AWSLogs/111122223333/CloudTrail/" \
	--output "$TMP/cred.json" 2>"$TMP/cred.err"
# The object added in 3 is a copy of an earlier one: its events are
# delivered once and its copies counted as duplicates.
expect "shared credentials file, detected format: events" 100 "$(stat events "$TMP/cred.json")"
expect "copied object: duplicates" 20 "$(stat duplicates "$TMP/cred.json")"

# 5. A wrong secret: the server refuses the signature; one line, exit 1.
AWS_SECRET_ACCESS_KEY=not-the-secret "$GW" analyze --audit "$SRC" --output "$TMP/bad.json" 2>"$TMP/bad.err"
rc=$?
expect "wrong secret: exit status" 1 "$rc"
grep -q "HTTP 403" "$TMP/bad.err" || fail "wrong secret: no HTTP 403 reported: $(cat "$TMP/bad.err")"
checked=$(grep -c checked "$TMP/proxy.log")
[ "$checked" -ge 20 ] || fail "expected at least 20 signature-checked requests, got $checked"
echo "ok: $checked requests carried a valid SigV4 signature"
if grep -q "not-the-secret" "$TMP/bad.err"; then fail "the secret was printed"; fi
echo "pass: s3 pull"
