#!/usr/bin/env python3
"""Score gatewatch analyze reports of the cold-start scenarios.

    coldstart_score.py EXPECT.tsv REPORT_DIR [--check] [--max-fp-per-1000 X]

REPORT_DIR holds SCENARIO.json for each scenario of EXPECT.tsv (see
tests/data/coldstart/expect.tsv). An expected finding is found when a
finding of its rule, with at least its severity, names a principal holding
the expected substring; an expected incident when an incident of that
classification does. A benign twin ("quiet") must give no finding at all.
Prints recall per scenario kind and false-positive incidents per 1,000
identity-days (incidents on twins over the twins' distinct (principal, day)
pairs, identity_days.tsv beside EXPECT.tsv). Exits 1 when an expectation is
missed or a twin gives a finding (--check), or when recall is under 100% or
the rate above the target (default 1.0 per 1,000).
"""
import json
import os
import sys

SEV = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def load(path):
    rows = []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        rows.append(line.rstrip("\n").split("\t"))
    return rows


def check(row, rep):
    scen, kind, what = row[0], row[1], row[2]
    if what == "quiet":
        bad = ["%s %s" % (f["rule_id"], f["principal"]) for f in rep["findings"]]
        return not bad, "no finding" if not bad else "findings: " + "; ".join(bad[:5])
    if what == "finding":
        rule, sev, who = row[3], row[4], row[5]
        ok = any(f["rule_id"] == rule and SEV[f["severity"]] >= SEV[sev] and who in f["principal"]
                 for f in rep["findings"])
        return ok, "%s %s+ on %s" % (rule, sev, who)
    if what == "incident":
        cls, who = row[3], row[4]
        ok = any(i["classification"] == cls and who in i["principal"] for i in rep["incidents"])
        return ok, "incident '%s' on %s" % (cls, who)
    return False, "unknown expectation %r" % what


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    rows = load(argv[1])
    strict = "--check" in argv
    max_fp = float(argv[argv.index("--max-fp-per-1000") + 1]) if "--max-fp-per-1000" in argv else 1.0
    days = {r[0]: int(r[1]) for r in load(os.path.join(os.path.dirname(argv[1]), "identity_days.tsv"))}
    per_kind, failed, twin_days, twin_incidents = {}, [], 0, 0
    seen_twins = set()
    for row in rows:
        rep = json.load(open(os.path.join(argv[2], row[0] + ".json")))
        ok, what = check(row, rep)
        print("%-4s %-22s %s" % ("ok" if ok else "FAIL", row[0], what))
        if row[2] == "quiet":
            if row[0] not in seen_twins:
                seen_twins.add(row[0])
                twin_days += days.get(row[0], 0)
                twin_incidents += len(rep["incidents"])
        else:
            k = per_kind.setdefault(row[1], [0, 0])
            k[0] += 1
            k[1] += ok
        if not ok:
            failed.append(row[0] + ": " + what)
    print("%-16s %8s %8s" % ("kind", "expected", "found"))
    total = [0, 0]
    for kind in sorted(per_kind):
        n, ok = per_kind[kind]
        total[0] += n
        total[1] += ok
        print("%-16s %8d %7.0f%%" % (kind, n, 100.0 * ok / n))
    rate = 1000.0 * twin_incidents / twin_days if twin_days else 0.0
    print("coldstart recall: %d/%d; twins: %d false-positive incidents over %d identity-days "
          "= %.2f per 1,000 (target <= %.2f)" % (total[1], total[0], twin_incidents, twin_days,
                                                 rate, max_fp))
    if (strict and failed) or total[1] < total[0] or rate > max_fp:
        print("FAIL: " + "; ".join(failed) if failed else "FAIL: false-positive rate above target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
