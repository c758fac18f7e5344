#!/usr/bin/env python3
"""Single-event rules: one record in, one finding out, no baseline.

Runs `gatewatch analyze` on every record file under DIR laid out as
CLOUD/RULE/{attack,benign}-NAME.json(l) (with the analyze options in
CLOUD/RULE/options, if any) and prints per rule: attack
records found / total (the rule's finding on the attack record itself)
and benign twins flagged / total (any single-event rule firing).

  single_event.py GATEWATCH DIR [--check]

--check (make test): exit 1 unless every attack file gives exactly its
rule's finding, at the record's time, and no other single-event finding,
and every benign file gives none.
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

RULES = ("public-exposure", "audit-logging-disabled", "protection-removed",
         "ransomware-encryption", "foreign-account-copy", "storage-credential-created",
         "mass-delete", "mass-overwrite")
TIME_KEYS = ("eventTime", "@timestamp", "timestamp", "time", "eventTimestamp")


def to_ms(s):
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1]
    frac = ""
    if "." in s:
        s, frac = s.split(".", 1)
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    ms = int((frac + "000")[:3]) if frac else 0
    return int(t.timestamp()) * 1000 + ms


def record_ms(path):
    """The times of the file's records (a .jsonl file may need several
    records, as mass-delete does: its finding is on one of them)."""
    times = set()
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            for k in TIME_KEYS:
                if isinstance(rec.get(k), str):
                    times.add(to_ms(rec[k]))
                    break
    return times or None


def findings(gw, path, tmp):
    out = os.path.join(tmp, "report.json")
    # a rule directory may name options (--own-account ...) in a file "options"
    opts = os.path.join(os.path.dirname(path), "options")
    extra = open(opts).read().split() if os.path.exists(opts) else []
    r = subprocess.run([gw, "analyze", "--audit", path, "--output", out] + extra,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    with open(out) as f:
        rep = json.load(f)
    return [x for x in rep.get("findings", []) if x.get("rule_id") in RULES], ""


def judge(gw, path, rule, kind, tmp):
    """(hit, problem): hit is the rule found (attack) or a rule fired (benign)."""
    fs, err = findings(gw, path, tmp)
    if fs is None:
        return False, "analyze failed: " + err
    if kind == "benign":
        return bool(fs), ", ".join(f["rule_id"] for f in fs) if fs else ""
    mine = [f for f in fs if f["rule_id"] == rule]
    want = record_ms(path)
    on_record = [f for f in mine if want is None or to_ms(f["start"]) in want]
    if len(on_record) == 1 and len(fs) == 1:
        return True, ""
    return bool(on_record), "got " + (", ".join(f["rule_id"] for f in fs) or "nothing")


def main():
    check = "--check" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    gw, root = args
    table, problems = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        for dirpath, _, names in sorted(os.walk(root)):
            for name in sorted(names):
                if not name.endswith((".json", ".jsonl")):
                    continue
                kind = name.split("-", 1)[0]
                rule = os.path.basename(dirpath)
                cloud = os.path.basename(os.path.dirname(dirpath))
                if kind not in ("attack", "benign"):
                    continue
                path = os.path.join(dirpath, name)
                hit, why = judge(gw, path, rule, kind, tmp)
                row = table.setdefault(rule, {"attack": [0, 0], "benign": [0, 0], "clouds": set()})
                row["clouds"].add(cloud)
                row[kind][1] += 1
                row[kind][0] += int(hit)
                bad = (kind == "attack" and (not hit or why)) or (kind == "benign" and hit)
                if bad:
                    problems.append(f"{cloud}/{rule}/{name}: {why or 'no finding'}")
    print(f"{'rule':28} {'clouds':16} {'attacks found':>14} {'benign flagged':>15}")
    for rule in sorted(table):
        r = table[rule]
        a, b = r["attack"], r["benign"]
        print(f"{rule:28} {','.join(sorted(r['clouds'])):16} {a[0]:>6}/{a[1]:<7} {b[0]:>7}/{b[1]:<7}")
    ta = [sum(table[r]["attack"][i] for r in table) for i in (0, 1)]
    tb = [sum(table[r]["benign"][i] for r in table) for i in (0, 1)]
    print(f"{'all':28} {'':16} {ta[0]:>6}/{ta[1]:<7} {tb[0]:>7}/{tb[1]:<7}")
    for p in problems:
        print("  miss:" if check else "  note:", p)
    if check and problems:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
