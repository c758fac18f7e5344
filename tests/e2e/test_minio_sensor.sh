#!/bin/bash
# MinIO's audit webhook and the BPF sensor together, as root, with real
# processes on loopback: s3rver is the gateway (a real S3 server whose
# objects live under the watched root, standing in for minio), curl is the
# S3 client, and the entries a MinIO node would send for the requests the
# server really served are posted with curl over HTTPS with the bearer token
# to `gatewatch run --audit-listen`, which ships to a real collector.
#
# One node ([gateway] cluster_nodes = 1):
#  - a bulk download recorded in the entries raises bulk-download, and the
#    gateway's own reads for it raise nothing (no unaudited-reads, the
#    gateway is no unexpected reader);
#  - a download through the gateway with no entry raises unaudited-reads,
#    and cp copying the bucket's directory raises unexpected-reader.
# A cluster node (cluster_nodes = 3): the same unlogged download and copy
# raise unexpected-reader only; unaudited-reads is off.
source "$(dirname "$0")/lib.sh"
S3RVER=${S3RVER:-$PWD/build-tools/node_modules/.bin/s3rver}
AWS=/usr/bin/aws
[ -x "$AWS" ] || AWS=aws
if [ "$(id -u)" -ne 0 ]; then echo "skip: needs root for the BPF sensor"; exit 77; fi
for tool in "$S3RVER" "$AWS" curl openssl; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (packaging/install-deps.sh installs it)"; exit 1; }
done
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
# entries arrive within a second, but the test makes them with python after
# the download: the audit delay leaves room for that on a loaded machine
SLOT=10 DELAY=8
KEY=media-backup NOBJ=120 NLOOSE=64
now_ms() { date +%s%3N; }
# 0.3 s into the next slot (shell arithmetic: a python start may take seconds on a loaded machine)
next_slot() { local ms; ms=$(( SLOT * 1000 - $(now_ms) % (SLOT * 1000) + 300 )); sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"; }
slot_start() { echo $(( $(now_ms) / (SLOT * 1000) * SLOT * 1000 )); }

# --- the gateway: s3rver serving bucket "media" from the watched root
mkdir -p "$T/data" "$T/src" "$T/store"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
"$S3RVER" -d "$T/data" -a 127.0.0.1 -p "$port" --silent --configure-bucket media >"$T/s3rver.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "$url/media" && break; sleep 0.1; done
for f in $(seq -f "obj-%03g.bin" 1 $NOBJ); do head -c 32768 /dev/urandom >"$T/src/$f"; done
"$AWS" --endpoint-url "$url" s3 cp --quiet --recursive "$T/src" s3://media/ || { echo "FAIL: upload"; exit 1; }
start_collector "$T/collect.log" 0 --store "$T/store" || exit 1

printf 'minio-audit-token\n' >"$T/token"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout "$T/tls.key" -out "$T/tls.pem" 2>/dev/null
chmod 600 "$T/token" "$T/tls.key"
printf '[gateway]\ncluster_nodes = 3\n' >"$T/cluster.conf"
: >"$T/node.conf"
chmod 600 "$T/cluster.conf" "$T/node.conf"

# start_agent CONF STATE LOG: sets APID and WPORT.
start_agent() {
	mkdir -m 700 -p "$2"
	"$GW" run --config "$1" --state-dir "$2" --root "$T/data" --gateway-exe node \
		--interval-sec 1 --correlation-slot-sec $SLOT --audit-delay-sec $DELAY \
		--new-client-learning-sec 3600 --collector-url "http://127.0.0.1:$PORT/v1/batches" \
		--audit-listen 127.0.0.1:0 --audit-listen-token-file "$T/token" \
		--audit-listen-tls-cert "$T/tls.pem" --audit-listen-tls-key "$T/tls.key" 2>"$3" &
	APID=$!
	PIDS+=($APID)
	WPORT=$(wait_port "$3" $APID 'audit entries accepted at https://127\.0\.0\.1:') &&
		for _ in $(seq 100); do grep -q "running:" "$3" && return 0; sleep 0.1; done
	echo "the agent did not start:"; cat "$3"
	exit 1
}
stop_agent() { kill -TERM "$APID"; wait "$APID" 2>/dev/null; }
# get N: curl's arguments to fetch obj-001..N from the gateway
get() { seq -f "-o /dev/null $url/media/obj-%03g.bin" 1 "$1"; }

# post FILE: as MinIO posts an audit batch; prints the status.
post() {
	curl -s -o /dev/null -w '%{http_code}' --cacert "$T/tls.pem" -H 'Content-Type: application/json' \
		-H 'Authorization: Bearer minio-audit-token' -H 'User-Agent: MinIO (linux; amd64)' \
		--data-binary @"$1" "https://127.0.0.1:$WPORT/minio/audit"
}

# --- one node
start_agent "$T/node.conf" "$T/state1" "$T/agent1.log"
next_slot
audited=$(slot_start)
t0=$(now_ms)
curl -s -w '%{size_download} %{url_effective} %{time_total}\n' $(get $NOBJ) >"$T/served.txt"
# what MinIO would log for each request served: its time, object and bytes
awk -v t="$t0" '{ n = split($2, p, "/"); printf "%.0f %s %s\n", t, p[n], $1; t += $3 * 1000 }' "$T/served.txt" >"$T/served.tsv"
head -n 60 "$T/served.tsv" | python3 tests/e2e/minio_entries.py --served 2024 lines M1 $KEY media 127.0.0.1 >"$T/b1.json"
tail -n +61 "$T/served.tsv" | python3 tests/e2e/minio_entries.py --served 2021 array M1 $KEY media 127.0.0.1 >"$T/b2.json"
check "the gateway served every object" "$NOBJ $((NOBJ * 32768))" \
	"$(awk '$1 == 32768 {n++; b += $1} END {print n + 0, b + 0}' "$T/served.txt")"
check "entries posted over HTTPS with the token, as JSON lines: 200" 200 "$(post "$T/b1.json")"
check "entries posted as a JSON array: 200" 200 "$(post "$T/b2.json")"

next_slot
unlogged=$(slot_start)
curl -s $(get $NLOOSE)
cp -r "$T/data/media" "$T/copied1"
sleep $((SLOT + DELAY + 2))
stop_agent
check "the agent fed every entry" "$NOBJ" \
	"$(sed -n 's/.*audit webhook: [0-9]* requests[a-z ]*, \([0-9]*\) entries fed.*/\1/p' "$T/agent1.log" | awk '{s += $1} END {print s + 0}')"

# --- a node of a three-node cluster
start_agent "$T/cluster.conf" "$T/state2" "$T/agent2.log"
next_slot
cluster=$(slot_start)
curl -s $(get $NLOOSE)
cp -r "$T/data/media" "$T/copied2"
sleep $((SLOT + DELAY + 2))
stop_agent

"$GW" decode "$T/store/batches.gwb" >"$T/decoded.jsonl" || { echo "FAIL: decode"; exit 1; }
python3 - "$T/decoded.jsonl" "$audited" "$unlogged" "$cluster" "$SLOT" "$KEY" <<'PY'
import json, sys
fs = [f for l in open(sys.argv[1]) for f in json.loads(l)["findings"]]
audited, unlogged, cluster, slot = (int(x) for x in sys.argv[2:6])
key = sys.argv[6]
ev = lambda f, k: next((e["value"] for e in f.get("evidence", []) if e["key"] == k), "")
def rule(r, lo, hi=None):
    hi = hi if hi is not None else lo + slot * 1000
    return [f for f in fs if f["rule_id"] == r and lo <= int(f["start_ms"]) < hi]
# A host finding starts with the sensor's window (--interval-sec 1), which
# may open up to a second before the correlation slot does.
def reader(lo):
    return rule("unexpected-reader", lo - 1000, lo + slot * 1000)
def show(xs):
    return [(f["rule_id"], f.get("bucket", ""), ev(f, "comm"), f.get("count"), f["start_ms"]) for f in xs]
end = 2**63
bulk = [f for f in rule("bulk-download", audited, cluster) if key in json.dumps(f)]
checks = [
    ("one node: the bulk download in the entries raises bulk-download at the collector",
     len(bulk) >= 1 and max(int(f["count"]) for f in bulk) >= 100, show(bulk)),
    ("one node: the gateway's audited reads raise no unaudited-reads",
     rule("unaudited-reads", audited) == [], show(rule("unaudited-reads", audited))),
    ("one node: the gateway (node) is never an unexpected reader",
     [f for f in fs if f["rule_id"] == "unexpected-reader" and ev(f, "comm") == "node"] == [],
     show([f for f in fs if f["rule_id"] == "unexpected-reader"])),
    ("one node: the download with no entry raises unaudited-reads on media",
     [f["bucket"] for f in rule("unaudited-reads", unlogged)] == ["media"], show(rule("unaudited-reads", unlogged))),
    ("one node: cp copying the bucket's directory raises unexpected-reader",
     [(f["bucket"], ev(f, "comm")) for f in reader(unlogged)] == [("media", "cp")],
     show(reader(unlogged))),
    ("cluster: cp copying the bucket's directory still raises unexpected-reader",
     [(f["bucket"], ev(f, "comm")) for f in reader(cluster)] == [("media", "cp")],
     show(reader(cluster))),
    ("cluster: the same download with no entry raises no unaudited-reads",
     rule("unaudited-reads", cluster, end) == [], show(rule("unaudited-reads", cluster, end))),
]
bad = 0
for name, ok, got in checks:
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": got {got}"))
    bad |= not ok
if bad:
    print("all findings:", show(fs))
sys.exit(bad)
PY
[ $? -eq 0 ] || fails=$((fails + 1))
[ "$fails" -eq 0 ] || { for f in agent1 agent2; do echo "== $f"; cat "$T/$f.log"; done; exit 1; }
