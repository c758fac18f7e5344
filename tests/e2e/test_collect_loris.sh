#!/usr/bin/env bash
# Slow-loris against the collector, on loopback (127.0.0.0/8 source
# addresses stand for distinct clients), every loop bounded: 300 trickling
# connections, per-client and total bounds, the reserve for new clients, an
# absolute deadline for headers and for bodies, a cap on buffered body bytes
# (503 + Retry-After).
#   tests/e2e/test_collect_loris.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_lib.sh"

# -- slow-loris: 300 trickling connections from ten addresses
start_collector "$T/c4.log" 0 --store "$T/s4" --token-file "$T/token" || exit 1
P=$PORT
"${A[@]}" loris "$P" 30 2 10 30 >"$T/loris" &
PIDS+=($!)
for i in $(seq 1 100); do grep -q open "$T/loris" && break; sleep 0.1; done
check "300 slow connections open" "open 300" "$(cat "$T/loris")"
sleep 0.5
"${A[@]}" batch "$T/a4.pb" agent-loris 1 host
t=$(curl -s -o "$T/resp" -w '%{http_code} %{time_total}' "${AUTH[@]}" --max-time 10 \
	--data-binary "@$T/a4.pb" "http://127.0.0.1:$P/v1/batches")
check "a real POST gets through" 200 "${t% *}"
check "... within two seconds (took ${t#* } s)" 1 "$(between "${t#* }" 0 2)"
check "one address: 40 tried, 8 over the bound closed" 8 "$("${A[@]}" refused "$P" 12 40)"

# -- the reserve: an address with connections cannot take the last eighth
start_collector "$T/c5.log" 0 --store "$T/s5" --token-file "$T/token" \
	--max-connections 64 --max-per-client 40 || exit 1
P=$PORT
"${A[@]}" loris "$P" 40 13 1 30 >"$T/loris5" &
PIDS+=($!)
for i in $(seq 1 100); do grep -q open "$T/loris5" && break; sleep 0.1; done
sleep 1.5   # the server accepts them all before the second address tries
check "a second address gets up to the reserve: 24 of 40 closed" 24 \
	"$("${A[@]}" refused "$P" 14 40)"
check "a new client still gets in" 200 "$(post "$T/a4.pb" "$P")"
check "refusals logged" 1 "$([ "$(grep -c 'refused a connection' "$T/c5.log")" -ge 1 ] && echo 1)"

# -- a request must arrive whole within --request-timeout, however it trickles
start_collector "$T/c6.log" 0 --store "$T/s6" --token-file "$T/token" --request-timeout 2 || exit 1
P=$PORT
check "headers trickled: closed after 2 s" 1 "$(between "$("${A[@]}" trickle "$P" 8 h0stile-token head)" 1.5 3.5)"
check "body trickled: closed after 2 s" 1 "$(between "$("${A[@]}" trickle "$P" 8 h0stile-token body)" 1.5 3.5)"
check "deadline logged" 1 "$([ "$(grep -c 'not received whole within 2 s' "$T/c6.log")" -ge 1 ] && echo 1)"

# -- buffered body bytes over all connections are capped: 503 + Retry-After
start_collector "$T/c7.log" 0 --store "$T/s7" --token-file "$T/token" \
	--max-body 65536 --max-buffered 131072 || exit 1
P=$PORT
holders=()
for i in 1 2; do
	"${A[@]}" holdbody "$P" h0stile-token 65536 40000 20 >"$T/held$i" &
	holders+=($!)
	PIDS+=($!)
done
for i in $(seq 1 100); do [ -s "$T/held1" ] && [ -s "$T/held2" ] && break; sleep 0.1; done
sleep 0.5
head -c 60000 /dev/zero >"$T/60k"
check "a third large body past the cap" 503 "$(post "$T/60k" "$P")"
check "busy answer" '{"error":"busy","detail":"request buffers full"}' "$(cat "$T/resp")"
check "Retry-After given" 1 "$(grep -ci '^Retry-After: 1' "$T/hdr")"
kill "${holders[@]}" 2>/dev/null
wait "${holders[@]}" 2>/dev/null
sleep 0.3
check "room again once they are gone" 200 "$(post "$T/a4.pb" "$P")"

[ $fails -eq 0 ] && echo "test_collect_loris: all passed" || echo "test_collect_loris: $fails failed"
[ $fails -eq 0 ]
