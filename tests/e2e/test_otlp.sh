#!/usr/bin/env bash
# OTLP/HTTP logs export: `gatewatch ship --otlp` POSTs to a receiver on
# loopback (a small Python HTTP server that keeps each body); every body must
# decode as an ExportLogsServiceRequest (proto/otlp_logs.proto compiled by
# protoc for python3-protobuf) with one LogRecord per finding and its fields
# as gatewatch.* attributes. With a collector as well, a receiver that fails
# first delays the batch but nothing is stored twice.
#   tests/e2e/test_otlp.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"

protoc -Iproto --python_out="$T" proto/otlp_logs.proto || { echo "protoc failed"; exit 1; }
# Debian's python3-protobuf belongs to Debian's python3, whatever else is on PATH.
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=python3

# receiver DIR FAIL_FIRST: writes DIR/port, each body to DIR/NNN.bin and its
# Content-Type to DIR/NNN.type; answers 503 to the first FAIL_FIRST posts.
cat >"$T/receiver.py" <<'PY'
import http.server, os, sys, threading
out, fail_first = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
lock, n = threading.Lock(), [0, 0]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            n[1] += 1
            if self.path != "/v1/logs" or n[1] <= fail_first:
                self.send_response(503 if self.path == "/v1/logs" else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            n[0] += 1
            base = os.path.join(out, "%03d" % n[0])
            open(base + ".bin", "wb").write(body)
            open(base + ".type", "w").write(self.headers.get("Content-Type", ""))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(os.path.join(out, "port.tmp"), "w").write(str(s.server_address[1]))
os.rename(os.path.join(out, "port.tmp"), os.path.join(out, "port"))
s.serve_forever()
PY

start_receiver() {   # DIR FAIL_FIRST: sets RPORT
	python3 "$T/receiver.py" "$1" "$2" &
	PIDS+=($!)
	for _ in $(seq 1 100); do [ -s "$1/port" ] && break; sleep 0.05; done
	RPORT=$(cat "$1/port")
}

# decode DIR AGENT COUNT: facts about the bodies in DIR, one per line.
decode() {
	PYTHONPATH="$T" "$PY3" - "$@" <<'PY'
import glob, sys
import otlp_logs_pb2 as pb
d, agent, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
def val(v):
    k = v.WhichOneof("value")
    if k == "array_value":
        return [val(x) for x in v.array_value.values]
    return getattr(v, k) if k else None
recs, res, types = {}, set(), set()
for f in sorted(glob.glob(d + "/*.bin")):
    req = pb.ExportLogsServiceRequest()
    req.ParseFromString(open(f, "rb").read())
    types.add(open(f[:-4] + ".type").read())
    for rl in req.resource_logs:
        ra = {kv.key: val(kv.value) for kv in rl.resource.attributes}
        res.add((ra.get("service.name"), ra.get("host.id")))
        for sl in rl.scope_logs:
            for r in sl.log_records:
                a = {kv.key: val(kv.value) for kv in r.attributes}
                i = int(a["gatewatch.finding.id"].rsplit(":", 1)[1])
                recs.setdefault(i, []).append((r, a, sl.scope.name))
print("content-type", *sorted(types))
print("resource", *sorted("%s/%s" % x for x in res))
print("records", sum(len(v) for v in recs.values()), "distinct", len(recs),
      "missing", sum(1 for i in range(count) if i not in recs))
r, a, scope = recs[7][0]
print("scope", scope)
print("record7", r.time_unix_nano, r.severity_number, r.severity_text, r.body.string_value)
for k in ("gatewatch.kind", "gatewatch.finding.id", "gatewatch.rule_id", "gatewatch.severity",
          "gatewatch.score", "gatewatch.count", "gatewatch.bytes", "gatewatch.cloud",
          "gatewatch.principal", "gatewatch.source_ip", "gatewatch.bucket", "gatewatch.mitre",
          "gatewatch.sample_objects", "gatewatch.evidence.index", "gatewatch.start_ms"):
    print("attr", k, a.get(k))
r, a, scope = recs[9][0]
print("record9", r.severity_number, r.severity_text)
PY
}

# -- OTLP only
start_receiver "$T/r1" 0
"$GW" ship --state-dir "$T/a1" --otlp-url "http://127.0.0.1:$RPORT" --count 100 --batch 50 \
	--agent-id otlp-agent >"$T/a1.out" 2>"$T/a1.log"
check "ship to OTLP" 0 "$?"
decode "$T/r1" otlp-agent 100 >"$T/d1" 2>&1 || { cat "$T/d1"; }
line() { grep "^$1" "$T/d1"; }
check "two requests" 2 "$(find "$T/r1" -name '*.bin' | wc -l)"
check "content type" "content-type application/x-protobuf" "$(line content-type)"
check "resource" "resource gatewatch/otlp-agent" "$(line resource)"
check "one record per finding" "records 100 distinct 100 missing 0" "$(line records)"
check "scope" "scope gatewatch" "$(line scope)"
check "record: time, severity, body" "record7 1700000007000000000 14 medium Synthetic finding" \
	"$(line record7)"
check "critical maps to FATAL (21)" "record9 21 critical" "$(line record9)"
expect_attrs="attr gatewatch.kind finding
attr gatewatch.finding.id synthetic:otlp-agent:7
attr gatewatch.rule_id synthetic
attr gatewatch.severity medium
attr gatewatch.score 1.0
attr gatewatch.count 7
attr gatewatch.bytes 7000
attr gatewatch.cloud aws
attr gatewatch.principal arn:aws:iam::111122223333:user/u7
attr gatewatch.source_ip 203.0.113.8
attr gatewatch.bucket gatewatch-synthetic
attr gatewatch.mitre ['T1530']
attr gatewatch.sample_objects ['data/part-00007.parquet']
attr gatewatch.evidence.index 7
attr gatewatch.start_ms 1700000007000"
check "attributes" "$expect_attrs" "$(line attr)"

# -- collector and OTLP together; the receiver fails the first two posts
"$GW" collect --listen 127.0.0.1:0 --store "$T/s2" 2>"$T/c2.log" &
PIDS+=($!)
for _ in $(seq 1 100); do
	CPORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$T/c2.log")
	[ -n "$CPORT" ] && break
	sleep 0.05
done
start_receiver "$T/r2" 2
"$GW" ship --state-dir "$T/a2" --collector-url "http://127.0.0.1:$CPORT" \
	--otlp "http://127.0.0.1:$RPORT/v1/logs" --count 300 --batch 64 --agent-id both \
	>"$T/a2.out" 2>"$T/a2.log"
check "ship to both" 0 "$?"
decode "$T/r2" both 300 >"$T/d1" 2>&1
check "OTLP got every finding once" "records 300 distinct 300 missing 0" "$(line records)"
check "collector stored every finding once" "300 300" "$("$GW" decode "$T/s2/batches.gwb" |
	python3 -c '
import json, sys
ids = [f["id"] for l in sys.stdin for f in json.loads(l)["findings"]]
print(len(ids), len(set(ids)))')"
check "the receiver's failures were retried" 2 "$(sed -n 's/.* \([0-9]*\) retries.*/\1/p' "$T/a2.out")"

[ $fails -eq 0 ] && echo "test_otlp: all passed" || echo "test_otlp: $fails failed"
[ $fails -eq 0 ]
