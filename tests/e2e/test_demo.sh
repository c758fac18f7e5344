#!/usr/bin/env bash
# End to end: `make demo` with real processes on loopback (collector,
# s3rver, the agent). The collector's store must hold the bulk download of
# the bundled sample and, as root, what the agent saw on the gateway: the
# copy behind its back, the new client with its 150 downloads, and one
# incident that joins the host's findings with the cloud's bulk download.
set -u
BUILD=${1:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
DEMO_DIR="$dir" bash tests/demo/demo.sh "$BUILD" > "$dir/demo.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then cat "$dir/demo.out"; echo "FAIL: demo exit $rc"; exit 1; fi
python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
batches = [json.loads(l) for l in open(os.path.join(d, "decoded.jsonl"))]
fs = [f for b in batches for f in b["findings"]]
latest = {}
for i in (i for b in batches for i in b.get("incidents", [])):
    if int(i.get("revision", 0)) >= int(latest.get(i["id"], {}).get("revision", 0)):
        latest[i["id"]] = i
ids = {f["id"] for f in fs}
exfil = [i for i in latest.values() if i["classification"] == "possible data exfiltration"]
ev = lambda f, k: next((e["value"] for e in f.get("evidence", []) if e["key"] == k), "")
host_rules = {"unexpected-reader", "new-client", "unaudited-reads", "credential-off-gateway",
              "process-read-spike", "sensor-blinded"}
rule_of = {f["id"]: f["rule_id"] for f in fs}
# incidents (latest revision) that hold host and cloud findings both
joined = [i for i in latest.values()
          if {rule_of.get(x) in host_rules for x in i["finding_ids"] if x in rule_of} == {True, False}]
def have(rule, pred):
    return [f for f in fs if f["rule_id"] == rule and pred(f)]
checks = [("offline: bulk-download by svc-reporting, count 240",
           len(have("bulk-download", lambda f: "svc-reporting" in f["principal"] and int(f["count"]) == 240)) == 1)]
if os.geteuid() == 0:
    checks += [
        ("gateway: the copy by cp of finance-reports",
         len(have("unexpected-reader", lambda f: ev(f, "comm") == "cp" and f["bucket"] == "finance-reports")) == 1),
        ("gateway: new client 127.0.0.66 with 150 reads",
         len(have("new-client", lambda f: f["source_ip"] == "127.0.0.66" and int(f["count"]) == 150)) == 1),
        ("gateway: the burst of svc-reporting reported live at its 101st read",
         len(have("bulk-download", lambda f: "svc-reporting" in f["principal"] and int(f["count"]) == 101)) == 1),
        ("gateway: one incident, possible data exfiltration, revoke the key first",
         "incident possible data exfiltration" in open(os.path.join(d, "agent.log")).read()
         and "first step: Revoke access key AKIAIOSFODNN7EXAMPLE" in open(os.path.join(d, "agent.log")).read()),
        ("collector: the exfiltration incident, latest revision, with its findings stored",
         len(exfil) == 1 and int(exfil[0]["finding_count"]) == len(exfil[0]["finding_ids"]) >= 2
         and set(exfil[0]["finding_ids"]) <= ids),
        ("collector: ONE incident holds the host findings (the copy by cp, the new client) "
         "and the cloud one (the bulk download), with one timeline and both sides' steps",
         len(joined) == 1 and {"unexpected-reader", "new-client", "bulk-download"} <= set(
             f["rule_id"] for f in fs if f["id"] in joined[0]["finding_ids"])
         and any(" host unexpected-reader: " in t and "finance-reports" in t for t in joined[0]["timeline"])
         and any(" cloud bulk-download: " in t for t in joined[0]["timeline"])
         and len(joined[0]["timeline"]) == int(joined[0]["finding_count"])
         and joined[0]["classification"] == "possible data exfiltration"
         and joined[0]["remediation"][0].startswith("Revoke access key AKIAIOSFODNN7EXAMPLE")
         and any("kill -KILL" in r for r in joined[0]["remediation"])),
        ("collector: the agent's findings batched, fewer batches than findings",
         0 < len([b for b in batches if b["findings"] or b.get("incidents")]) < len(fs)),
        ("collector: scores are whole numbers 0-100",
         all(float(x["score"]) == int(float(x["score"])) and 0 <= float(x["score"]) <= 100
             for x in fs + list(latest.values()))),
        ("gateway: the known client 127.0.0.1 is not new",
         not have("new-client", lambda f: f["source_ip"] == "127.0.0.1")),
    ]
bad = 0
for name, ok in checks:
    print(f"{'ok  ' if ok else 'FAIL'} {name}")
    bad |= not ok
if bad:
    print("got:", [(f["rule_id"], f.get("principal") or f.get("source_ip") or ev(f, "comm"), f.get("count")) for f in fs])
sys.exit(bad)
PY
