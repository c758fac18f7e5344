#!/usr/bin/env bash
# End to end: the demo path with a real collector process on loopback; the
# decoded store must hold the bulk-download finding of the bundled sample.
set -u
BUILD=${1:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
DEMO_DIR="$dir" bash tests/demo/demo.sh "$BUILD" > "$dir/demo.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then cat "$dir/demo.out"; echo "FAIL: demo exit $rc"; exit 1; fi
python3 - "$dir" <<'PY'
import json, sys, os
d = sys.argv[1]
batches = [json.loads(l) for l in open(os.path.join(d, "decoded.jsonl"))]
found = [f for b in batches for f in b["findings"]]
bulk = [f for f in found if f["rule_id"] == "bulk-download"]
ok = len(batches) == 1 and len(bulk) == 1 and "svc-reporting" in bulk[0]["principal"] \
    and int(bulk[0]["count"]) == 240
print(f"expected 1 batch with 1 bulk-download by svc-reporting, count 240; got "
      f"{len(batches)} batch(es), findings {[(f['rule_id'], f['principal'], f['count']) for f in found]}")
if os.geteuid() == 0:
    # the sensor part of the demo: the copy of the bucket was seen
    rows = [p for l in open(os.path.join(d, "windows.jsonl")) for p in json.loads(l)["processes"]]
    cp = sum(p["read_bytes"] for p in rows if p["comm"] == "cp")
    print(f"sensor: expected cp to read 327680 bytes of finance-reports; got {cp}")
    ok = ok and cp == 5 * 65536
sys.exit(0 if ok else 1)
PY
