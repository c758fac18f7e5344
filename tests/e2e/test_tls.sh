#!/usr/bin/env bash
# The collector hardened, with certificates made here by openssl:
#  - HTTPS with a test CA, a client certificate required (--client-ca), a
#    bearer token; `gatewatch ship` with --ca-file/--cert-file/--key-file
#    delivers, and `gatewatch analyze --collector-url` with the same options
#    (the old names --cacert/--cert/--key/--collector still work, with a
#    one-line warning each);
#  - refused: no client certificate, one from another CA, an expired one,
#    an agent that trusts another CA, a server with an expired certificate,
#    a wrong token;
#  - a 2 GB body refused from its Content-Length without being read;
#    truncated protobuf and random bytes answered 400; the collector keeps
#    serving others.
#   tests/e2e/test_tls.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"

# -- certificates: two CAs, server and client certificates, expired ones
cd "$T"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
mkca() {   # NAME
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -subj "/CN=gatewatch test $1" -days 2 -out "$1.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
csr() {   # NAME CN
	key "$1.key"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
}
sign() {   # NAME CA EXTFILE
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
		-extfile "$3" -out "$1.pem" 2>/dev/null
}
# An already expired certificate: `openssl ca` takes explicit dates.
sign_expired() {   # NAME CA EXTFILE
	mkdir -p "ca-$2/new"
	: >"ca-$2/index.txt"
	echo 1000 >"ca-$2/serial"
	cat >"ca-$2/ca.cnf" <<EOF
[ca]
default_ca = d
[d]
database = $T/ca-$2/index.txt
new_certs_dir = $T/ca-$2/new
serial = $T/ca-$2/serial
default_md = sha256
policy = p
[p]
commonName = supplied
EOF
	openssl ca -batch -config "ca-$2/ca.cnf" -cert "$2.pem" -keyfile "$2.key" -in "$1.csr" \
		-startdate 20200101000000Z -enddate 20200102000000Z -extfile "$3" -notext \
		-out "$1.pem" 2>/dev/null
}
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >srv.ext
printf 'extendedKeyUsage=clientAuth\n' >cli.ext
{
	mkca ca && mkca ca2 &&
	csr server 127.0.0.1 && sign server ca srv.ext &&
	csr client agent-1 && sign client ca cli.ext &&
	csr other agent-2 && sign other ca2 cli.ext &&
	csr expired agent-3 && sign_expired expired ca cli.ext &&
	csr srvexp 127.0.0.1 && sign_expired srvexp ca srv.ext
} || { echo "cannot make test certificates"; exit 1; }
check "expired client certificate made" "notAfter=Jan  2 00:00:00 2020 GMT" \
	"$(openssl x509 -in expired.pem -noout -enddate)"
cd - >/dev/null

printf 'tls-test-token\n' >"$T/token"
chmod 0600 "$T/token"
start_collector "$T/c1.log" 0 --store "$T/s1" --tls-cert "$T/server.pem" --tls-key "$T/server.key" \
	--client-ca "$T/ca.pem" --token-file "$T/token" || exit 1
URL="https://127.0.0.1:$PORT"
TLS=(--cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client.key")

# -- the agent over mutual TLS with a token
"$GW" ship --state-dir "$T/a1" --collector-url "$URL" --count 500 --agent-id tls-1 \
	--token-file "$T/token" --ca-file "$T/ca.pem" --cert-file "$T/client.pem" \
	--key-file "$T/client.key" >"$T/a1.out" 2>"$T/a1.log"
check "ship over mutual TLS" 0 "$?"
check "stored over TLS" 500 "$(curl -s "${TLS[@]}" -H 'Authorization: Bearer tls-test-token' \
	"$URL/v1/findings?limit=1000" | python3 -c '
import json, sys; print(sum(len(json.loads(l)["findings"]) for l in sys.stdin))')"
check "token not logged" 0 "$(cat "$T"/*.log | grep -c tls-test-token)"

# -- analyze sends its findings over the same mutual TLS with the same token
stored_by() {   # AGENT-ID-SUFFIX: findings stored from agents whose id ends so
	curl -s "${TLS[@]}" -H 'Authorization: Bearer tls-test-token' "$URL/v1/findings?limit=1000" |
		python3 -c '
import json, sys
print(sum(1 for l in sys.stdin for f in json.loads(l)["findings"]
          if json.loads(l).get("agent_id", "").endswith(sys.argv[1])))' "$1"
}
ANALYZE=(analyze --audit tests/data/demo-cloudtrail --quiet --output "$T/report.json")
"$GW" "${ANALYZE[@]}" --collector-url "$URL" --token-file "$T/token" --ca-file "$T/ca.pem" \
	--cert-file "$T/client.pem" --key-file "$T/client.key" 2>"$T/an1.log"
check "analyze --collector-url over mutual TLS with a token" "0 " "$? $(cat "$T/an1.log")"
check "the collector stored analyze's finding" 1 "$(stored_by /analyze)"
"$GW" "${ANALYZE[@]}" --collector-url "$URL" --ca-file "$T/ca.pem" \
	--cert-file "$T/client.pem" --key-file "$T/client.key" 2>"$T/an2.log"
check "analyze without the token: exit 1" 1 "$?"
check "analyze without the token: the collector's 401 named" 1 \
	"$(grep -c 'findings not delivered' "$T/an2.log")"
"$GW" "${ANALYZE[@]}" --collector "$URL" --token-file "$T/token" --ca-file "$T/ca.pem" \
	--cert-file "$T/client.pem" 2>"$T/an3.log"
check "analyze: --cert-file without --key-file is a usage error" "2 1" \
	"$? $(grep -c -- '--cert-file and --key-file go together' "$T/an3.log")"
check "analyze: the old --collector named as deprecated" 1 \
	"$(grep -c -- '--collector is deprecated; use --collector-url' "$T/an3.log")"

# -- the old names of ship's options, each with its one-line warning
"$GW" ship --state "$T/a4" --collector "$URL" --count 5 --agent-id tls-old \
	--token-file "$T/token" --cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client.key" \
	>"$T/a4.out" 2>"$T/a4.log"
check "ship with the old option names" 0 "$?"
check "one deprecation line per old name" \
	"state:state-dir collector:collector-url cacert:ca-file cert:cert-file key:key-file " \
	"$(sed -n 's/.*--\([a-z]*\) is deprecated; use --\([a-z-]*\)$/\1:\2/p' "$T/a4.log" | tr '\n' ' ')"

code() { curl -s -o "$T/resp" -w '%{http_code}' "$@"; }
AUTH=(-H 'Authorization: Bearer tls-test-token')
check "no client certificate" 403 "$(code --cacert "$T/ca.pem" "${AUTH[@]}" "$URL/v1/findings")"
check "reason named" '{"error":"forbidden","detail":"no client certificate"}' "$(head -1 "$T/resp")"
check "client certificate from another CA" 403 "$(code --cacert "$T/ca.pem" --cert "$T/other.pem" \
	--key "$T/other.key" "${AUTH[@]}" "$URL/v1/findings")"
check "expired client certificate" 403 "$(code --cacert "$T/ca.pem" --cert "$T/expired.pem" \
	--key "$T/expired.key" "${AUTH[@]}" "$URL/v1/findings")"
check "expiry named" 1 "$(grep -c 'expired' "$T/resp")"
check "GET with a client certificate but no token" 401 "$(code "${TLS[@]}" "$URL/v1/findings")"
check "wrong token over TLS" 401 "$(code "${TLS[@]}" -H 'Authorization: Bearer nope' \
	--data-binary x "$URL/v1/batches")"
check "plain HTTP to the TLS port fails" 000 "$(code "http://127.0.0.1:$PORT/v1/findings")"

# -- an agent that trusts another CA does not send, and keeps its spool
"$GW" ship --state-dir "$T/a2" --collector-url "$URL" --count 100 --agent-id tls-2 --wait 1 \
	--token-file "$T/token" --ca-file "$T/ca2.pem" --cert-file "$T/client.pem" \
	--key-file "$T/client.key" \
	>"$T/a2.out" 2>"$T/a2.log"
check "agent refuses a server from another CA" 1 "$?"
check "the reason is the certificate" 1 "$([ "$(grep -ci 'certificate' "$T/a2.log")" -ge 1 ] && echo 1)"
check "batches kept in the spool" 2 "$(find "$T/a2/spool" -name '*.gwb' | wc -l)"

# -- a server with an expired certificate is refused by the agent
start_collector "$T/c2.log" 0 --store "$T/s2" --tls-cert "$T/srvexp.pem" --tls-key "$T/srvexp.key" || exit 1
check "expired server certificate refused (curl exit 60)" 60 \
	"$(curl -s -o /dev/null --cacert "$T/ca.pem" "https://127.0.0.1:$PORT/v1/findings"; echo $?)"
"$GW" ship --state-dir "$T/a3" --collector-url "https://127.0.0.1:$PORT" --count 10 \
	--agent-id tls-3 --wait 1 --ca-file "$T/ca.pem" >/dev/null 2>"$T/a3.log"
check "agent refuses an expired server certificate" 1 "$?"
check "agent says so" 1 "$([ "$(grep -c 'certificate has expired' "$T/a3.log")" -ge 1 ] && echo 1)"

# -- untrusted bodies, on a plain collector
start_collector "$T/c3.log" 0 --store "$T/s3" || exit 1
P3=$PORT
cc -std=gnu11 -O1 -I"$BUILD" -o "$T/mkbatch" tests/e2e/mkbatch.c "$BUILD/gatewatch.pb.c" \
	-lprotobuf-nanopb || { echo "cannot build mkbatch"; exit 1; }
"$T/mkbatch" "$T/b1.pb" agent-x 1 || exit 1
head -c $(( $(stat -c %s "$T/b1.pb") - 7 )) "$T/b1.pb" >"$T/trunc.pb"
python3 -c 'import random,sys; random.seed(11); sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(4096)))' >"$T/random.bin"
post() { curl -s -o "$T/resp" -w '%{http_code}' --data-binary "@$1" "http://127.0.0.1:$P3/v1/batches"; }
check "truncated protobuf" 400 "$(post "$T/trunc.pb")"
check "truncated: reason given" '{"error":"invalid-batch","detail":' "$(head -c 34 "$T/resp")"
check "random bytes" 400 "$(post "$T/random.bin")"
check "empty body" 400 "$(post /dev/null)"

# 2 GB announced: the answer must come before the body is sent, and fast.
got=$(python3 - "$P3" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
t = time.time()
s.sendall(b"POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
          b"Content-Length: 2147483648\r\n\r\n")
sent = 0
try:
    s.settimeout(0.2)
    while sent < (64 << 20):
        try:
            data = s.recv(4096)
            break
        except socket.timeout:
            s.sendall(b"\0" * 65536)
            sent += 65536
    else:
        data = b""
except OSError:
    data = b""
status = data.split(b" ")[1].decode() if data.startswith(b"HTTP/1.1 ") else "none"
print(status, "fast" if time.time() - t < 3 else "slow", "small" if sent <= (16 << 20) else "big")
PY
)
check "2 GB body refused early" "413 fast small" "$got"
check "still serving: a good batch" 200 "$(post "$T/b1.pb")"
check "collector process alive" 0 "$(kill -0 $CPID; echo $?)"

[ $fails -eq 0 ] && echo "test_tls: all passed" || echo "test_tls: $fails failed"
[ $fails -eq 0 ]
