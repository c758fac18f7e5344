#!/usr/bin/env python3
"""Score a gatewatch analyze report against the generator's ground truth.

    score.py REPORT.json TRUTH.json [--max-fp-per-1000 X]

A scenario is found when a finding of its expected rule names its principal
within its time range (an hour of slack either side); scenarios marked
"incident" must also be covered by an incident. Every incident that covers
no scenario is a false positive; the rate is per 1,000 identity-days.
Prints recall per scenario type and the false-positive rate; exits 1 when a
scenario is missed or the rate is above the target (default 1.0).
"""
import datetime as dt
import json
import sys

SLACK = dt.timedelta(hours=1)


def ts(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


def overlaps(a0, a1, b0, b1, slack=SLACK):
    return a0 <= b1 + slack and b0 <= a1 + slack


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    report = json.load(open(argv[1]))
    truth = json.load(open(argv[2]))
    max_fp = float(argv[4]) if len(argv) > 4 and argv[3] == "--max-fp-per-1000" else 1.0
    findings = [(f["rule_id"], f["principal"], ts(f["start"]), ts(f["end"]))
                for f in report["findings"]]
    incidents = [(x["principal"], ts(x["start"]), ts(x["end"]), x["classification"], x["score"])
                 for x in report["incidents"]]
    per_type = {}
    per_cloud = {}
    missed = []
    covered = set()
    for sc in truth["scenarios"]:
        s0, s1 = ts(sc["start"]), ts(sc["end"])
        rule = any(r == sc["rule"] and p == sc["principal"] and overlaps(a, b, s0, s1)
                   for r, p, a, b in findings)
        inc = [k for k, (p, a, b, _, _) in enumerate(incidents)
               if p == sc["principal"] and overlaps(a, b, s0, s1)]
        covered.update(inc)
        ok = rule and (bool(inc) or not sc["incident"])
        c = per_cloud.setdefault(sc.get("cloud", "aws"), [0, 0])
        c[0] += 1
        c[1] += ok
        t = per_type.setdefault(sc["type"], [0, 0, 0, sc["incident"]])
        t[0] += 1
        t[1] += ok
        t[2] += bool(inc)
        if not ok:
            missed.append("%s %s %s (rule %s: %s, incident: %s)" % (
                sc["type"], sc["principal"], sc["start"], sc["rule"], rule, bool(inc)))
    fps = [x for k, x in enumerate(incidents) if k not in covered]
    idays = truth["identities"] * truth["days"]
    rate = 1000.0 * len(fps) / idays if idays else 0.0
    print("%-22s %8s %8s %10s" % ("scenario", "injected", "found", "incident"))
    for name in sorted(per_type):
        n, found, inc, need = per_type[name]
        print("%-22s %8d %7.0f%% %9d%s" % (name, n, 100.0 * found / n, inc,
                                           " (required)" if need else ""))
    total = sum(v[0] for v in per_type.values())
    found = sum(v[1] for v in per_type.values())
    print("recall: %d/%d scenarios (%s)" % (found, total, ", ".join(
        "%s %d/%d" % (c, v[1], v[0]) for c, v in sorted(per_cloud.items()))))
    print("false-positive incidents: %d over %d identity-days = %.2f per 1,000 (target <= %.2f)"
          % (len(fps), idays, rate, max_fp))
    print("benign look-alikes: %s" % ", ".join(sorted({b["type"] for b in truth["benign"]})))
    for p, a, b, cls, score in fps:
        print("  false positive: %s %s %s (%s, %.0f)" % (p, a, b, cls, score))
    for m in missed:
        print("  missed: " + m)
    sys.exit(0 if not missed and rate <= max_fp else 1)


if __name__ == "__main__":
    main(sys.argv)
