#!/usr/bin/env bash
# The findings path on loopback: a real collector, batches POSTed with the
# curl CLI, duplicates, garbage, tokens, body limits, a kill -9 and restart,
# and `gatewatch decode` of the store.
#   tests/e2e/test_collect.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"

# post FILE URL [CURL ARGS...]: prints the HTTP status; body in $T/resp.
post() {
	local file=$1 url=$2
	shift 2
	curl -s -o "$T/resp" -w '%{http_code}' -H 'Content-Type: application/x-protobuf' \
		--data-binary "@$file" "$@" "$url"
}

# The BatchAck in $T/resp as "agent_id sequence duplicate".
ack() {
	python3 - "$T/resp" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
i, f = 0, {1: '', 2: 0, 3: 0}
def varint():
    global i
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if c < 0x80: return v
while i < len(b):
    k = varint(); n, wt = k >> 3, k & 7
    if wt == 0: f[n] = varint()
    elif wt == 2:
        l = varint(); f[n] = b[i:i + l].decode(); i += l
    else: sys.exit('bad ack')
print(f[1], f[2], 'true' if f[3] else 'false')
PY
}

cc -std=gnu11 -O1 -I"$BUILD" -o "$T/mkbatch" tests/e2e/mkbatch.c "$BUILD/gatewatch.pb.c" \
	-lprotobuf-nanopb || { echo "cannot build mkbatch"; exit 1; }
"$T/mkbatch" "$T/b7.pb" agent-e2e 7 && "$T/mkbatch" "$T/b8.pb" agent-e2e 8 || exit 1
printf 'this is not a protobuf' >"$T/garbage"
head -c 5000 /dev/zero >"$T/big"

# -- one collector, no token
start_collector "$T/c1.log" 0 --store "$T/store" || exit 1
URL="http://127.0.0.1:$PORT/v1/batches"
check "post batch" 200 "$(post "$T/b7.pb" "$URL")"
check "ack" "agent-e2e 7 false" "$(ack)"
check "post it again" 200 "$(post "$T/b7.pb" "$URL")"
check "ack duplicate" "agent-e2e 7 true" "$(ack)"
check "garbage" 400 "$(post "$T/garbage" "$URL")"
check "garbage: invalid-batch body" '{"error":"invalid-batch","detail":' "$(head -c 34 "$T/resp")"
check "garbage: JSON" "application/json" "$(curl -s -o /dev/null -w "%{content_type}" -H "Content-Type: application/x-protobuf" --data-binary "@$T/garbage" "$URL")"
check "store mode" 700 "$(stat -c %a "$T/store")"

"$GW" decode "$T/store/batches.gwb" >"$T/decoded"
check "decode exit" 0 "$?"
check "decoded batch" "1 agent-e2e gw-e2e-host 0f1e2d3c-boot 0.1.0 7 | bulk-download:alice:1700000000000 bulk-download Bulk \"download\" of objects high 87.5 1700000000000 1700003600000 aws arn:aws:iam::111122223333:user/alice 203.0.113.7 finance-reports ['2024/q1.csv'] ['T1530'] 4200 9876543210 [{'key': 'threshold', 'value': '100'}] | 0" \
	"$(python3 -c '
import json, sys
bs = [json.loads(l) for l in open(sys.argv[1])]
b = bs[0]; f = b["findings"][0]
print(len(bs), b["agent_id"], b["hostname"], b["boot_id"], b["agent_version"], b["sequence"], "|",
      f["id"], f["rule_id"], f["title"], f["severity"], f["score"], f["start_ms"], f["end_ms"],
      f["cloud"], f["principal"], f["source_ip"], f["bucket"], f["sample_objects"], f["mitre"],
      f["count"], f["bytes"], f["evidence"], "|", len(b["incidents"]))' "$T/decoded")"
"$GW" decode <"$T/b7.pb" >"$T/raw.json"
check "decode raw protobuf from stdin" "agent-e2e 7" \
	"$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(b["agent_id"], b["sequence"])' "$T/raw.json")"

check "still serving: next batch" 200 "$(post "$T/b8.pb" "$URL")"
check "ack next" "agent-e2e 8 false" "$(ack)"
check "GET /v1/findings" "7 8" "$(curl -s "http://127.0.0.1:$PORT/v1/findings" |
	python3 -c 'import json,sys; print(*[json.loads(l)["sequence"] for l in sys.stdin])')"
check "GET /v1/findings?limit=1" "8" "$(curl -s "http://127.0.0.1:$PORT/v1/findings?limit=1" |
	python3 -c 'import json,sys; print(*[json.loads(l)["sequence"] for l in sys.stdin])')"
check "unknown path" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")"

# -- a second collector with a token and a small body limit
printf 's3cret-token\n' >"$T/token"
chmod 0600 "$T/token"
start_collector "$T/c2.log" 0 --store "$T/store2" --token-file "$T/token" --max-body 4096 || exit 1
URL2="http://127.0.0.1:$PORT/v1/batches"
PORT2=$PORT
check "no token" 401 "$(post "$T/b7.pb" "$URL2")"
check "wrong token" 401 "$(post "$T/b7.pb" "$URL2" -H 'Authorization: Bearer s3cret-tokeX')"
check "longer token" 401 "$(post "$T/b7.pb" "$URL2" -H 'Authorization: Bearer s3cret-token2')"
check "right token" 200 "$(post "$T/b7.pb" "$URL2" -H 'Authorization: Bearer s3cret-token')"
check "over --max-body" 413 "$(post "$T/big" "$URL2" -H 'Authorization: Bearer s3cret-token')"
check "store2 holds one batch" 1 "$("$GW" decode "$T/store2/batches.gwb" | wc -l)"

# -- usage and runtime errors
"$GW" collect --listen nonsense --store "$T/x" 2>"$T/err"
check "bad --listen exit" 2 "$?"
check "bad --listen names the flag" 1 "$(grep -c -- '--listen' "$T/err")"
"$GW" collect --listen 127.0.0.1:0 2>"$T/err"
check "missing --store exit" 2 "$?"
"$GW" collect --listen 127.0.0.1:0 --store "$T/x" --token-file "$T/none" 2>"$T/err"
check "missing token file exit" 2 "$?"
check "token file named" 1 "$(grep -c "$T/none" "$T/err")"
"$GW" collect --listen "127.0.0.1:$PORT2" --store "$T/x" 2>"$T/err"
check "port in use exit" 1 "$?"
check "port in use names the address" 1 "$(grep -c "cannot listen on 127.0.0.1:$PORT2" "$T/err")"
"$GW" decode "$T/none" 2>"$T/err"
check "decode missing file exit" 2 "$?"
head -c 30 "$T/store/batches.gwb" >"$T/cut.gwb"
"$GW" decode "$T/cut.gwb" >/dev/null 2>"$T/err"
check "decode cut store exit" 1 "$?"
check "decode names file and offset" 1 "$(grep -c "$T/cut.gwb: record cut short at offset 0" "$T/err")"

# -- kill -9 mid-life, a torn record on disk, restart: dedup still holds
kill -9 "${PIDS[0]}"
wait "${PIDS[0]}" 2>/dev/null
size=$(stat -c %s "$T/store/batches.gwb")
printf 'GWB1\x40\x00\x00\x00\x00\x00\x00\x00partial' >>"$T/store/batches.gwb"
start_collector "$T/c3.log" 0 --store "$T/store" || exit 1
URL="http://127.0.0.1:$PORT/v1/batches"
check "torn tail cut at restart" 1 "$(grep -c "cutting 19 bytes" "$T/c3.log")"
check "store size after cut" "$size" "$(stat -c %s "$T/store/batches.gwb")"
check "post after restart" 200 "$(post "$T/b7.pb" "$URL")"
check "ack duplicate after restart" "agent-e2e 7 true" "$(ack)"
check "batches stored" 2 "$("$GW" decode "$T/store/batches.gwb" | wc -l)"

# -- SIGTERM stops cleanly
kill -TERM "${PIDS[2]}"
wait "${PIDS[2]}"
check "exit on SIGTERM" 0 "$?"

[ $fails -eq 0 ] && echo "test_collect: all passed" || echo "test_collect: $fails failed"
[ $fails -eq 0 ]
