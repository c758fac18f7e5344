#!/usr/bin/env bash
# Reading the collector's findings, on loopback: every endpoint asks for the
# token; GET answers a bounded page with a cursor, streamed one batch at a
# time, and four large GETs at once neither stall a POST nor grow the
# collector's memory.
#   tests/e2e/test_collect_read.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_lib.sh"

# -- auth on every endpoint
start_collector "$T/c1.log" 0 --store "$T/s1" --token-file "$T/token" || exit 1
P=$PORT
"${A[@]}" batch "$T/a1.pb" agent-secret 1 host-secret
check "POST with the token" 200 "$(post "$T/a1.pb" "$P")"
check "GET /v1/findings without the token" 401 "$(code "http://127.0.0.1:$P/v1/findings")"
check "the 401 shows no finding" 0 "$(grep -c secret "$T/resp")"
check "GET /v1/findings with a wrong token" 401 \
	"$(code -H 'Authorization: Bearer h0stile-tokeX' "http://127.0.0.1:$P/v1/findings")"
check "unknown path without the token" 401 "$(code "http://127.0.0.1:$P/v1/other")"
check "GET /v1/findings with the token" 200 "$(code "${AUTH[@]}" "http://127.0.0.1:$P/v1/findings")"
check "GET answers the batch" 1 "$(seqs <"$T/resp")"

# -- pages: at most 1000 batches an answer, a cursor for the rest
"${A[@]}" store "$T/s2" 1200 1
start_collector "$T/c2.log" 0 --store "$T/s2" --token-file "$T/token" || exit 1
P=$PORT
U="http://127.0.0.1:$P/v1/findings"
code "${AUTH[@]}" "$U?limit=100000" >/dev/null
check "limit=100000 answers 1000" 1000 "$(seqs <"$T/resp" | wc -w)"
check "the last 1000" "201 1200" "$(seqs <"$T/resp" | awk '{print $1, $NF}')"
code "${AUTH[@]}" "$U?cursor=0&limit=5000" >/dev/null
check "from cursor 0" "1000 1 1000" "$(seqs <"$T/resp" | awk '{print NF, $1, $NF}')"
next=$(sed -n 's/^X-Next-Cursor: *\([0-9]*\).*/\1/ip' "$T/hdr")
code "${AUTH[@]}" "$U?cursor=$next&limit=1000" >/dev/null
check "the next page" "200 1001 1200" "$(seqs <"$T/resp" | awk '{print NF, $1, $NF}')"
end=$(sed -n 's/^X-Next-Cursor: *\([0-9]*\).*/\1/ip' "$T/hdr")
check "the last cursor is the store's end" "$(stat -c %s "$T/s2/batches.gwb")" "$end"
check "nothing after the end" "200 0" "$(code "${AUTH[@]}" "$U?cursor=$end") $(wc -c <"$T/resp")"
check "a cursor inside a record" 400 "$(code "${AUTH[@]}" "$U?cursor=5")"
check "default page: the last 100" "100 1101" "$(code "${AUTH[@]}" "$U" >/dev/null
	seqs <"$T/resp" | awk '{print NF, $1}')"

# -- four large GETs at once neither stall a POST nor grow memory
N=1000
[ "$SANITIZED" -gt 0 ] && N=200   # a sanitizer's allocator makes each batch cost ~50x
"${A[@]}" store "$T/s3" "$N" 64
start_collector "$T/c3.log" 0 --store "$T/s3" --token-file "$T/token" || exit 1
P=$PORT
gets=()
for i in 1 2 3 4; do
	curl -s "${AUTH[@]}" --max-time 60 -o "$T/get$i" \
		"http://127.0.0.1:$P/v1/findings?cursor=0&limit=1000" &
	gets+=($!)
done
sleep 0.3
"${A[@]}" batch "$T/a3.pb" agent-live 1 host
t=$(curl -s -o "$T/resp" -w '%{http_code} %{time_total}' "${AUTH[@]}" --max-time 10 \
	--data-binary "@$T/a3.pb" "http://127.0.0.1:$P/v1/batches")
check "POST during four large GETs" 200 "${t% *}"
check "... answered within a second (took ${t#* } s)" 1 "$(between "${t#* }" 0 1)"
for g in "${gets[@]}"; do wait "$g"; done
check "each GET got its $N batches" "$N $N" "$(seqs <"$T/get1" | wc -w) $(seqs <"$T/get4" | wc -w)"
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$CPID/status")
if [ "$SANITIZED" -eq 0 ]; then
	check "collector peak memory under 48 MiB (${hwm} kB)" 1 "$(between "$hwm" 0 49152)"
else
	echo "skip collector peak memory: a sanitizer build's memory is the sanitizer's"
fi

[ $fails -eq 0 ] && echo "test_collect_read: all passed" || echo "test_collect_read: $fails failed"
[ $fails -eq 0 ]
