# Shared by the S3 pull tests (sourced after BUILD is set, from the
# repository root): s3rver on loopback behind the SigV4-checking proxy,
# uploads, and helpers to read the analyze report. Skips (exit 77) when
# s3rver or python3 is missing.
GW="$PWD/$BUILD/gatewatch"
S3RVER="$PWD/build-tools/node_modules/.bin/s3rver"
if [ ! -x "$S3RVER" ]; then
	echo "s3rver not installed (packaging/install-deps.sh installs it into build-tools/)"
	exit 77
fi
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }

TMP=$(mktemp -d)
BG=""
cleanup() {
	for p in $BG; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# stat NAME FILE: one number from the report's stats.
stat() { python3 -c 'import json,sys; print(json.load(open(sys.argv[2]))["stats"][sys.argv[1]])' "$1" "$2"; }
expect() { # expect WHAT EXPECTED GOT
	[ "$2" = "$3" ] || fail "$1: expected $2, got $3"
	echo "ok: $1 = $3"
}
# wait_ready FILE: a helper printed "ready" into FILE.
wait_ready() {
	for _ in $(seq 50); do grep -q ready "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# start_s3 [TOKEN]: s3rver with bucket trail-bucket on $PORT and the SigV4
# proxy (key S3RVER/S3RVER, requiring TOKEN when given) on $PPORT.
start_s3() {
	PORT=$(free_port)
	mkdir -p "$TMP/s3"
	# s3rver's continuation tokens use a cipher that OpenSSL 3 keeps in its
	# legacy provider.
	NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$TMP/s3" -a 127.0.0.1 -p "$PORT" -s \
		--configure-bucket trail-bucket >"$TMP/s3rver.log" 2>&1 &
	BG="$BG $!"
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
		sleep 0.1
	done
	curl -s -o /dev/null "http://127.0.0.1:$PORT/" || { cat "$TMP/s3rver.log"; fail "s3rver did not start"; }
	PPORT=$(free_port)
	python3 tests/e2e/sigv4_proxy.py "$PPORT" "$PORT" S3RVER S3RVER "$@" >"$TMP/proxy.out" 2>"$TMP/proxy.log" &
	BG="$BG $!"
	wait_ready "$TMP/proxy.out" || fail "the SigV4 proxy did not start"
}

# upload DIR: every file under DIR, keyed by its path below DIR.
upload() {
	(cd "$1" && find . -type f | sed 's|^\./||' | sort) > "$TMP/keys"
	while read -r key; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
			--user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
			-T "$1/$key" "http://127.0.0.1:$PORT/trail-bucket/$key")
		[ "$code" = 200 ] || fail "upload of $key: HTTP $code"
	done < "$TMP/keys"
}

# mk_trail DIR FILES RECORDS [BIG BIGRECORDS]: gzipped CloudTrail files in
# the delivery layout (file f's key holds "_x<f>."), RECORDS records each
# (BIGRECORDS in file BIG), every eventID and requestID unique.
mk_trail() {
	python3 - "$@" <<'PY'
import gzip, json, os, sys
out, nfiles, nrec = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
big, bign = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (-1, 0)
acct, region = "111122223333", "us-east-1"
base = f"AWSLogs/{acct}/CloudTrail/{region}/2024/05/01/"
n = 0
for f in range(nfiles):
    recs = []
    for i in range(bign if f == big else nrec):
        n += 1
        recs.append({
            "eventVersion": "1.09", "eventTime": f"2024-05-01T{f:02d}:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z",
            "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
            "awsRegion": region, "sourceIPAddress": "198.51.100.7",
            "userAgent": "[aws-cli/2.15.0]", "eventID": f"ev-{n}",
            "requestID": f"req-{n}", "recipientAccountId": acct,
            "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{acct}:user/alice",
                             "accountId": acct, "accessKeyId": "AKIAEXAMPLE"},
            "requestParameters": {"bucketName": "data", "key": f"obj-{n}"},
            "additionalEventData": {"bytesTransferredOut": 1000},
        })
    key = base + f"{acct}_CloudTrail_{region}_20240501T{f:04d}Z_x{f}.json.gz"
    path = os.path.join(out, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.open(path, "wb") as fh:
        fh.write(json.dumps({"Records": recs}).encode())
PY
}
