# Shared by the collector's hostile-peer tests (sourced after lib.sh): the
# attack helper, the token, and small curl and parsing helpers.
# The interpreter itself, not a version manager's shim that costs seconds a call.
PY=$(python3 -c 'import sys; print(sys.executable)')
A=("$PY" tests/e2e/collect_attack.py)
printf 'h0stile-token\n' >"$T/token"
chmod 0600 "$T/token"
AUTH=(-H 'Authorization: Bearer h0stile-token')
code() { curl -s -o "$T/resp" -D "$T/hdr" -w '%{http_code}' --max-time 60 "$@"; }
# 1 when the collector is built with sanitizers (make SAN=...): slower, and
# its memory is the sanitizer's.
SANITIZED=$(ldd "$GW" | grep -cE 'libasan|libubsan|libtsan')
post() {   # FILE PORT [CURL ARGS...]
	local f=$1 p=$2
	shift 2
	code "${AUTH[@]}" -H 'Content-Type: application/x-protobuf' --data-binary "@$f" "$@" \
		"http://127.0.0.1:$p/v1/batches"
}
seqs() { "$PY" -c 'import json,sys; print(*[json.loads(l)["sequence"] for l in sys.stdin])'; }
# "agent_id sequence duplicate" of the BatchAck in $T/resp
ack() {
	"$PY" - "$T/resp" <<'PY'
import sys
b, i, f = open(sys.argv[1], 'rb').read(), 0, {1: b'', 2: 0, 3: 0}
def varint():
    global i
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if c < 0x80: return v
while i < len(b):
    k = varint(); n, wt = k >> 3, k & 7
    if wt == 0: f[n] = varint()
    else:
        l = varint(); f[n] = b[i:i + l]; i += l
print(f[1].decode(), f[2], 'true' if f[3] else 'false')
PY
}
between() { "$PY" -c 'import sys; print(int(float(sys.argv[2]) <= float(sys.argv[1]) <= float(sys.argv[3])))' "$@"; }

