#!/bin/bash
# gatewatch run as the webhook MinIO sends its audit log to ([audit] listen):
#  - entries posted with curl as MinIO posts them (one entry, a JSON array,
#    JSON lines as batch_size sends; the 2018, 2021 and 2024 entry shapes;
#    bearer token; HTTPS) are fed to the detector;
#  - a bulk download recorded in them raises bulk-download, shipped to the
#    collector;
#  - a wrong token: 401 and nothing queued; not JSON: 400;
#  - a retry of an entry is dropped as a duplicate (request id + node);
#  - kill -9 after the 200, restart, the sender retries: the entry is fed
#    once, neither lost nor doubled;
#  - a body over the limit gets 413, a slow sender is cut at the deadline;
#  - over HTTPS (listen_tls_cert/key) with the CA given to curl.
source "$(dirname "$0")/lib.sh"

mkdir -m 700 "$T/state" "$T/store"
printf 'minio-audit-token\n' >"$T/token"
chmod 600 "$T/token"
AUTH='Authorization: Bearer minio-audit-token'
J="$T/state/minio-audit.journal"

# Every body at once: python starts slowly on a loaded machine.
python3 tests/e2e/minio_entries.py --many <<SPECS
$T/one.json 2018 1 single A1 alice GetObject
$T/arr.json 2021 3 array A2 alice GetObject
$T/lines.json 2024 2 lines A3 alice GetObject
$T/bulk1.json all 60 lines B1 exfil GetObject
$T/bulk2.json all 60 array B2 exfil GetObject
$T/crash.json 2024 1 single C1 alice GetObject
$T/big.json 2024 400 lines D1 alice GetObject
SPECS

MPORT=$((20000 + RANDOM % 20000))

# check-config validates the listener.
: >"$T/empty.conf"
chmod 600 "$T/empty.conf"
cc() { "$GW" check-config --config "$T/empty.conf" --state-dir "$T/state" "$@" >/dev/null 2>&1; echo $?; }
check "check-config: a good listener" 0 "$(cc --audit-listen 127.0.0.1:9480 --audit-listen-token-file "$T/token")"
check "check-config: a bad address" 2 "$(cc --audit-listen nope:9480)"
chmod 644 "$T/token"
check "check-config: a world-readable token file" 2 "$(cc --audit-listen 127.0.0.1:9480 --audit-listen-token-file "$T/token")"
chmod 600 "$T/token"
check "check-config: a certificate without its key" 2 "$(cc --audit-listen 127.0.0.1:9480 --audit-listen-tls-cert "$T/token")"

start_collector "$T/collect.log" 0 --store "$T/store" || exit 1

# start_daemon LOG ARGS...: sets DPID and WPORT (the webhook's port).
start_daemon() {
	local log=$1
	shift
	"$GW" run --state-dir "$T/state" --audit-listen 127.0.0.1:0 \
		--audit-listen-token-file "$T/token" --log-level debug \
		--collector-url "http://127.0.0.1:$PORT/v1/batches" "$@" 2>"$log" &
	DPID=$!
	PIDS+=($DPID)
	WPORT=$(wait_port "$log" $DPID 'audit entries accepted at https*://127\.0\.0\.1:') && return 0
	echo "daemon did not start:"; cat "$log"
	return 1
}

post() {   # FILE [CURL ARGS...]: prints the status
	local f=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$f" "$@"
}

fed() {   # LOG: entries fed so far
	sed -n 's/.*audit webhook: [0-9]* requests, \([0-9]*\) entries fed.*/\1/p' "$1" |
		awk '{s += $1} END {print s + 0}'
}

wait_fed() {   # LOG N
	local i
	for i in $(seq 1 100); do
		[ "$(fed "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
}

URL() { echo "http://127.0.0.1:$WPORT/minio/audit"; }

start_daemon "$T/d1.log" --audit-listen-max-body-kb 256 --audit-listen-deadline-sec 2 \
	--metrics-listen "127.0.0.1:$MPORT" || exit 1
metric() {   # NAME: its value (summed over labels)
	curl -s "http://127.0.0.1:$MPORT/metrics" |
		awk -v n="$1" '$1 == n || index($1, n "{") == 1 {s += $2} END {print s + 0}'
}

check "one entry (2018 shape): 200" 200 "$(post "$T/one.json" -H "$AUTH" "$(URL)")"
check "a JSON array (2021 shape): 200" 200 "$(post "$T/arr.json" -H "$AUTH" "$(URL)")"
check "JSON lines (2024 shape): 200" 200 "$(post "$T/lines.json" -H "$AUTH" "$(URL)")"
wait_fed "$T/d1.log" 6
check "all six entries fed" 6 "$(fed "$T/d1.log")"

size0=$(stat -c %s "$J")
check "wrong token: 401" 401 "$(post "$T/one.json" -H 'Authorization: Bearer nope' "$(URL)")"
check "no token: 401" 401 "$(post "$T/one.json" "$(URL)")"
check "wrong token: nothing queued" "$size0" "$(stat -c %s "$J")"
printf 'not json' >"$T/bad.txt"
check "not JSON: 400" 400 "$(post "$T/bad.txt" -H "$AUTH" "$(URL)")"
check "not JSON: nothing queued" "$size0" "$(stat -c %s "$J")"
check "wrong path: 404" 404 "$(post "$T/one.json" -H "$AUTH" "http://127.0.0.1:$WPORT/other")"

# MinIO retries what it did not see acknowledged: the same entry again.
check "a retried entry: 200" 200 "$(post "$T/one.json" -H "$AUTH" "$(URL)")"
sleep 1
check "a retried entry is not fed again" 6 "$(fed "$T/d1.log")"

# Hostile bodies.
check "a body over the limit: 413" 413 "$(post "$T/big.json" -H "$AUTH" "$(URL)")"
check "a chunked body over the limit: 413" 413 \
	"$(post "$T/big.json" -H "$AUTH" -H 'Transfer-Encoding: chunked' "$(URL)")"
size1=$(stat -c %s "$J")
# a sender that declares 1000 bytes and trickles them
python3 - "$WPORT" >"$T/slow.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /minio/audit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer minio-audit-token\r\n"
          b"Content-Length: 1000\r\n\r\n{")
t0 = time.time()
try:
    while time.time() - t0 < 8:
        s.sendall(b" ")
        time.sleep(0.5)
        s.settimeout(0.01)
        try:
            if s.recv(1) == b"":
                break
        except socket.timeout:
            pass
        s.settimeout(None)
    print("cut" if time.time() - t0 < 8 else "held")
except OSError:
    print("cut")
PY
SLOW=$!
wait $SLOW
check "a slow sender is cut at the deadline" cut "$(cat "$T/slow.out")"
check "a slow sender: nothing queued" "$size1" "$(stat -c %s "$J")"

check "metric: entries received" 7 "$(metric gatewatch_audit_listen_received_total)"
check "metric: entries duplicated" 1 "$(metric gatewatch_audit_listen_duplicated_total)"
check "metric: requests queued" 4 "$(metric gatewatch_audit_listen_queued_total)"
check "metric: requests refused" 6 "$(metric gatewatch_audit_listen_refused_total)"

# A bulk download by one access key: 120 GetObject in two batches.
check "bulk batch 1: 200" 200 "$(post "$T/bulk1.json" -H "$AUTH" "$(URL)")"
check "bulk batch 2: 200" 200 "$(post "$T/bulk2.json" -H "$AUTH" "$(URL)")"
wait_fed "$T/d1.log" 126
for i in $(seq 1 100); do
	grep -q 'finding bulk-download.*exfil' "$T/d1.log" && break
	sleep 0.1
done
check "bulk-download raised in the daemon" 1 "$(grep -c 'finding bulk-download.*exfil' "$T/d1.log")"
kill -TERM $DPID
wait $DPID 2>/dev/null
check "bulk-download at the collector" yes "$("$GW" decode "$T/store/batches.gwb" | python3 -c '
import json, sys
print("yes" if any(f["rule_id"] == "bulk-download" and "exfil" in json.dumps(f)
      for l in sys.stdin for f in json.loads(l)["findings"]) else "no")')"

# kill -9 right after the 200; restart; the sender retries the entry.
start_daemon "$T/d2.log" || exit 1
check "before the crash: 200" 200 "$(post "$T/crash.json" -H "$AUTH" "$(URL)")"
{ kill -9 $DPID; wait $DPID; } 2>/dev/null
start_daemon "$T/d3.log" || exit 1
check "after the restart, the retry: 200" 200 "$(post "$T/crash.json" -H "$AUTH" "$(URL)")"
sleep 1
kill -TERM $DPID
wait $DPID 2>/dev/null
check "the acknowledged entry fed once over the crash (not lost, not doubled)" 1 \
	"$(( $(fed "$T/d2.log") + $(fed "$T/d3.log") ))"

# HTTPS: a certificate for 127.0.0.1 made here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$T/tls.key" -out "$T/tls.pem" 2>/dev/null
chmod 600 "$T/tls.key"
start_daemon "$T/d4.log" --audit-listen-tls-cert "$T/tls.pem" --audit-listen-tls-key "$T/tls.key" || exit 1
check "HTTPS: 200" 200 "$(post "$T/arr.json" --cacert "$T/tls.pem" -H "$AUTH" "https://127.0.0.1:$WPORT/minio/audit")"
check "HTTPS: wrong token 401" 401 "$(post "$T/arr.json" --cacert "$T/tls.pem" -H 'Authorization: Bearer x' "https://127.0.0.1:$WPORT/minio/audit")"
check "HTTPS: plain HTTP gets no 200" no "$(post "$T/arr.json" -H "$AUTH" "http://127.0.0.1:$WPORT/minio/audit" | grep -q 200 && echo yes || echo no)"
kill -TERM $DPID
wait $DPID 2>/dev/null
# the array was fed by the first daemon: known as a retry across restarts
check "HTTPS: the body read; its entries, fed before a restart, dropped as retries" 1 \
	"$(grep -c 'audit webhook: 1 requests read, 0 entries fed' "$T/d4.log")"

[ "$fails" -eq 0 ] || { for f in d2 d3; do echo "== $f"; cat "$T/$f.log"; done; exit 1; }
