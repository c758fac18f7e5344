#!/usr/bin/env bash
# A fleet on loopback: three agents (`gatewatch run`, no sensor) read the
# same CloudTrail trail into one collector, as N gateway hosts pulling one
# organisation trail do. A cloud finding's id is derived from its content,
# so the collector stores each cloud finding once with three reporters, and
# each incident once at its latest revision. A fourth agent with
# `[audit] scope = gateway` judges only the events on its gateway's bucket:
# it reports the same id for the bulk download of that bucket, and neither
# the other bucket's nor the account-wide StopLogging. One agent also sends
# OTLP/HTTP logs: its incidents are log records with their id, revision,
# classification, severity, findings, MITRE techniques and remediation, and
# its findings carry the ids the collector stored.
#   tests/e2e/test_fleet.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/trail"
# Written from CloudTrail's documented record shapes: a bulk GetObject of
# bucket finance and a PutBucketAcl granting AllUsers READ on it by one key,
# a bulk GetObject of hr-archive by another, a StopLogging by a third.
python3 - "$T/trail" "$(($(date +%s%3N) - 20 * 60 * 1000))" <<'PY'
import datetime, json, os, subprocess, sys
out, t = sys.argv[1], int(sys.argv[2])
objs = ",".join("q/%03d.csv" % i for i in range(150))
rec = [sys.executable, "tests/demo/cloudtrail_records.py"]
subprocess.check_call(rec + [os.path.join(out, "ct-finance.json"), "finance", "203.0.113.7",
                             "AKIACLIENTEXAMPLE001", "200000", str(t), objs])
subprocess.check_call(rec + [os.path.join(out, "ct-hr.json"), "hr-archive", "198.51.100.9",
                             "AKIAOTHEREXAMPLE0002", "200000", str(t + 5000), objs, "mallory"])
def when(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
def user(name, key):
    return {"type": "IAMUser", "principalId": "AIDAEXAMPLE" + name.upper()[:8],
            "arn": "arn:aws:iam::123456789012:user/" + name, "accountId": "123456789012",
            "accessKeyId": key, "userName": name}
common = {"eventVersion": "1.09", "awsRegion": "us-east-1", "readOnly": False,
          "userAgent": "[aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12]",
          "eventType": "AwsApiCall", "managementEvent": True,
          "recipientAccountId": "123456789012", "eventCategory": "Management",
          "responseElements": None}
grant = {"Grantee": {"xsi:type": "Group",
                     "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
         "Permission": "READ"}
acl = dict(common, userIdentity=user("client", "AKIACLIENTEXAMPLE001"),
           eventTime=when(t + 60000), eventSource="s3.amazonaws.com",
           eventName="PutBucketAcl", sourceIPAddress="203.0.113.7",
           requestParameters={"bucketName": "finance", "Host": "finance.s3.amazonaws.com",
                              "acl": [""], "AccessControlPolicy": {
                                  "AccessControlList": {"Grant": [grant]}}},
           requestID="ACL%d" % t, eventID="eacl-%d" % t)
stop = dict(common, userIdentity=user("ops-admin", "AKIAOPSEXAMPLE00003"),
            eventTime=when(t + 90000), eventSource="cloudtrail.amazonaws.com",
            eventName="StopLogging", sourceIPAddress="192.0.2.50",
            requestParameters={"name": "arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail"},
            requestID="STOP%d" % t, eventID="estop-%d" % t)
json.dump({"Records": [acl, stop]}, open(os.path.join(out, "ct-mgmt.json"), "w"))
PY
touch -d '-1 min' "$T"/trail/*.json   # settled: the agents read them at once

start_collector "$T/collector.log" 0 --store "$T/store" || exit 1
URL="http://127.0.0.1:$PORT"
# An OTLP/HTTP logs receiver that keeps each body.
mkdir -p "$T/otlp"
python3 - "$T/otlp" <<'PY' &
import http.server, os, sys
out, n = sys.argv[1], [0]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        n[0] += 1
        open(os.path.join(out, "%03d.bin" % n[0]), "wb").write(body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(os.path.join(out, "port.tmp"), "w").write(str(s.server_address[1]))
os.rename(os.path.join(out, "port.tmp"), os.path.join(out, "port"))
s.serve_forever()
PY
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$T/otlp/port" ] && break; sleep 0.05; done
OTLP="http://127.0.0.1:$(cat "$T/otlp/port")/v1/logs"
agents=()
agent() {   # NAME [FLAGS...]
	local name=$1
	shift
	mkdir -p "$T/$name"
	"$GW" run --audit "cloudtrail:$T/trail" --state-dir "$T/$name" --agent-id "$name" \
		--collector-url "$URL" --pull-interval-sec 1 --duration 8 "$@" \
		>"$T/$name.log" 2>&1 &
	agents+=($!)
	PIDS+=($!)
}
agent fleet-1 --otlp-url "$OTLP"
agent fleet-2
agent fleet-3
agent fleet-gw --scope gateway --gateway-bucket finance
for p in "${agents[@]}"; do
	wait "$p"
	check "agent $p stops cleanly" 0 "$?"
done

curl -s "$URL/v1/findings?view=finding&limit=1000" >"$T/findings"
curl -s "$URL/v1/incidents?limit=1000" >"$T/incidents"
# "rule principal-name bucket agents..." per finding id, and per incident id
# "classification revision=latest-sent agents...".
python3 - "$T/findings" "$T/incidents" "$T/store" "$GW" >"$T/view" <<'PY'
import json, subprocess, sys
fs = [json.loads(l) for l in open(sys.argv[1])]
for e in sorted(fs, key=lambda e: (e["finding"]["rule_id"], e["finding"]["bucket"])):
    f = e["finding"]
    print("F", f["rule_id"], f["principal"].rsplit("/", 1)[1], f["bucket"] or "-",
          ",".join(sorted(a["agent_id"] for a in e["agents"])))
# the highest revision each incident id was sent at, from the raw batches
sent = {}
raw = subprocess.run([sys.argv[4], "decode", sys.argv[3] + "/batches.gwb"],
                     capture_output=True, text=True).stdout
for l in raw.splitlines():
    for i in json.loads(l)["incidents"]:
        sent[i["id"]] = max(sent.get(i["id"], 0), i["revision"])
incs = [json.loads(l) for l in open(sys.argv[2])]
for e in sorted(incs, key=lambda e: e["incident"]["classification"]):
    print("I", e["incident"]["classification"].replace(" ", "_"),
          "latest=%d" % (e["revision"] == sent.get(e["id"]) and e["incident"]["revision"] == e["revision"]),
          ",".join(sorted(a["agent_id"] for a in e["agents"])))
print("ids", len(fs), len({e["id"] for e in fs}), len(incs), len({e["id"] for e in incs}))
PY
cat "$T/view"
all=fleet-1,fleet-2,fleet-3
check "StopLogging: one finding, three reporters (account-wide: not the gateway agent)" 1 \
	"$(grep -c "^F audit-logging-disabled ops-admin - $all\$" "$T/view")"
check "bulk download of finance: one finding, the gateway agent reports it too" 1 \
	"$(grep -c "^F bulk-download client finance $all,fleet-gw\$" "$T/view")"
check "bulk download of hr-archive: one finding, three reporters (not the gateway's bucket)" 1 \
	"$(grep -c "^F bulk-download mallory hr-archive $all\$" "$T/view")"
check "public ACL on finance: one finding, four reporters" 1 \
	"$(grep -c "^F public-exposure client finance $all,fleet-gw\$" "$T/view")"
check "no other findings" 4 "$(grep -c '^F ' "$T/view")"
check "the exfiltration incident: once, at its latest revision, from every agent" 1 \
	"$(grep -c "^I possible_data_exfiltration latest=1 $all,fleet-gw\$" "$T/view")"
check "every incident at its latest revision" 0 "$(grep '^I ' "$T/view" | grep -vc 'latest=1')"
check "incidents are there" 1 "$(grep -q '^I ' "$T/view" && echo 1)"
check "the gateway agent judged only its gateway's events" 1 \
	"$(grep -c 'scope gateway: judging the audit events of 0 access keys, 0 addresses and 1 buckets' \
		"$T/fleet-gw.log")"
check "... and counted the rest (hr-archive's 150 reads, the StopLogging)" 1 \
	"$(grep -c 'scope gateway: 151 audit events did not touch the gateway' "$T/fleet-gw.log")"

# -- the same over OTLP: fleet-1's log records
protoc -Iproto --python_out="$T" proto/otlp_logs.proto || { echo "protoc failed"; exit 1; }
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=python3
PYTHONPATH="$T" "$PY3" - "$T/otlp" "$T/findings" "$T/incidents" >"$T/otlp.txt" <<'PY'
import glob, json, sys
import otlp_logs_pb2 as pb
def val(v):
    k = v.WhichOneof("value")
    return [val(x) for x in v.array_value.values] if k == "array_value" else getattr(v, k)
stored = {e["id"]: e["finding"] for e in map(json.loads, open(sys.argv[2]))}
fids = set(stored)
incs = {e["id"]: e for e in map(json.loads, open(sys.argv[3]))}
recs = []
for f in sorted(glob.glob(sys.argv[1] + "/*.bin")):
    req = pb.ExportLogsServiceRequest()
    req.ParseFromString(open(f, "rb").read())
    for rl in req.resource_logs:
        host = {kv.key: val(kv.value) for kv in rl.resource.attributes}.get("host.id")
        for sl in rl.scope_logs:
            for r in sl.log_records:
                recs.append((host, r, {kv.key: val(kv.value) for kv in r.attributes}))
print("hosts", *sorted({h for h, _, _ in recs}))
fr = [a for _, _, a in recs if a["gatewatch.kind"] == "finding"]
print("findings", len(fr), "ids stored at the collector",
      sum(a["gatewatch.finding.id"] in fids for a in fr))
last = {}
for _, r, a in recs:
    if a["gatewatch.kind"] == "incident":
        i = a["gatewatch.incident.id"]
        if a["gatewatch.incident.revision"] >= last.get(i, ({}, 0))[1]:
            last[i] = ((r, a), a["gatewatch.incident.revision"])
for i, ((r, a), rev) in sorted(last.items()):
    if a["gatewatch.classification"] != "possible data exfiltration":
        continue
    ids = a["gatewatch.finding_ids"]
    print("incident", i in incs, rev >= 1, a["gatewatch.severity"], r.severity_text,
          r.severity_number >= 17, a["gatewatch.incident.finding_count"] == len(ids),
          all(x in fids for x in ids),
          set(a["gatewatch.mitre"]) == {t for x in ids for t in stored[x]["mitre"]},
          len(a["gatewatch.remediation"]) > 0, a["gatewatch.principal"].rsplit("/", 1)[1])
PY
cat "$T/otlp.txt"
check "OTLP: the agent's records under its host.id" "hosts fleet-1" "$(grep '^hosts' "$T/otlp.txt")"
check "OTLP: every finding under the id the collector stored" 1 \
	"$(awk '/^findings/ {print ($2 == $8 && $2 >= 4)}' "$T/otlp.txt")"
check "OTLP: the exfiltration incident with its attributes" \
	"incident True True critical critical True True True True True client" \
	"$(grep '^incident' "$T/otlp.txt")"

[ $fails -eq 0 ] || { echo "--- fleet-1"; tail -5 "$T/fleet-1.log"; echo "--- fleet-gw"; tail -5 "$T/fleet-gw.log"; }
[ $fails -eq 0 ] && echo "test_fleet: all passed" || echo "test_fleet: $fails failed"
[ $fails -eq 0 ]
