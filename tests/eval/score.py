#!/usr/bin/env python3
"""Score gatewatch analyze reports against the generator's ground truth.

    score.py [--gate GOALS] REPORT.json TRUTH.json [REPORT.json TRUTH.json ...]

One REPORT/TRUTH pair per seed. GOALS (default: all) is a comma list of the
goals that decide the exit status: recall, signal, fp-incidents, fp-high.

Matching. A scenario is found when a finding of its expected rule names its
principal (bucket-read-spike: and its bucket) and overlaps its time range
(an hour of slack either side); a scenario that must become an incident is
found only when an incident's timeline holds that very finding. A scenario
with a second signal (new address, new user agent, off hours) is "found by
a signal" when, failing its rule, a finding of the signal's rule matches
(in an incident or not: the signal alone may be a weak finding).

Noise. A finding is a true positive when it names a scenario's principal
within the scenario's time range (any rule: an attack often trips several);
every other finding is a false positive, and so is every incident with no
true-positive finding. Rates are per 1,000 identity-days of the steady state
(after the truth's warm-up days, when every identity of the period has a
baseline); the warm-up is shown apart. A benign twin is flagged for a rule
when a finding of that rule names the twin's principal (or its bucket)
within its time range.

Size. Each scenario carries size / floor (ratio): detection is printed as a
curve over ratio bins per rule, so that moving a threshold shows as a
shift.

Goals (exit 1 when one is missed): recall >= 95% at ratio >= 1 for every
rule; >= 95% of the scenarios below their floor that carry a second signal
found by their rule or the signal's; <= 1 false-positive incident and <= 5
false-positive high/critical findings per 1,000 identity-days.
"""
import datetime as dt
import json
import sys

SLACK = dt.timedelta(hours=1)
BINS = [(0.0, 0.25, "<0.25x"), (0.25, 0.5, "0.25x"), (0.5, 1.0, "0.5x"), (1.0, 2.0, "1x"),
        (2.0, 1e9, "2x+")]
GOAL_RECALL, GOAL_SIGNAL, GOAL_FP_INC, GOAL_FP_HIGH = 0.95, 0.95, 1.0, 5.0
SEVERITIES = ["critical", "high", "medium", "low", "info"]


def ts(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


def overlaps(a0, a1, b0, b1):
    return a0 <= b1 + SLACK and b0 <= a1 + SLACK


class Seed:
    def __init__(self, report, truth):
        self.truth = truth
        self.findings = report["findings"]
        for f in self.findings:
            f["_s"], f["_e"] = ts(f["start"]), ts(f["end"])
        self.incidents = report["incidents"]
        self.inc_of = {}
        for k, inc in enumerate(self.incidents):
            for ev in inc.get("timeline", []):
                self.inc_of.setdefault(ev["finding_id"], []).append(k)
        self.by_principal = {}
        for f in self.findings:
            self.by_principal.setdefault(f["principal"], []).append(f)
        self.warm_end = ts(truth["start"]) + dt.timedelta(days=truth["warmup_days"])

    def match(self, sc, rule, need_incident=True):
        s0, s1 = ts(sc["start"]), ts(sc["end"])
        for f in self.by_principal.get(sc["principal"], []):
            if f["rule_id"] != rule or not overlaps(f["_s"], f["_e"], s0, s1):
                continue
            if sc.get("bucket") and f.get("bucket") != sc["bucket"]:
                continue
            if need_incident and sc.get("incident") and not self.inc_of.get(f["id"]):
                continue
            return True
        return False

    def flagged(self, tw, rule):
        s0, s1 = ts(tw["start"]), ts(tw["end"])
        for f in self.findings:
            if f["rule_id"] != rule or not overlaps(f["_s"], f["_e"], s0, s1):
                continue
            if f["principal"] == tw["principal"] or (tw.get("bucket") and f.get("bucket") == tw["bucket"]):
                return True
        return False

    def true_positive(self, f):
        return any(sc["principal"] == f["principal"] and
                   overlaps(f["_s"], f["_e"], ts(sc["start"]), ts(sc["end"]))
                   for sc in self.truth["scenarios"])


def pct(a, b):
    return "%d/%d" % (a, b) if b else "-"


def rate(n, days):
    return 1000.0 * n / days if days else 0.0


def score(seeds):
    rules = {}
    curve = {}
    signal = {}
    clouds = {}
    missed = []
    for s in seeds:
        for sc in s.truth["scenarios"]:
            ok = s.match(sc, sc["rule"])
            sc["_found"] = ok
            r = rules.setdefault(sc["rule"], {"n": 0, "found": 0, "tw": 0, "twf": 0, "floor": None})
            r["n"] += 1
            r["found"] += ok
            if sc["floor_key"]:
                r["floor"] = "%s=%g" % (sc["floor_key"], sc["floor"])
            b = next(lab for lo, hi, lab in BINS if lo <= sc["ratio"] < hi)
            c = curve.setdefault(sc["rule"], {}).setdefault(b, [0, 0])
            c[0] += ok
            c[1] += 1
            cl = clouds.setdefault(sc["cloud"], [0, 0])
            cl[0] += ok
            cl[1] += 1
            if sc["ratio"] < 1.0 and sc["signal"]:
                by_sig = ok or (sc["signal_rule"] and s.match(sc, sc["signal_rule"], False))
                g = signal.setdefault(sc["signal"], [0, 0])
                g[0] += bool(by_sig)
                g[1] += 1
                if not by_sig:
                    missed.append("below floor with %s: " % sc["signal"] + describe(s, sc))
            elif not ok and sc["ratio"] >= 1.0:
                missed.append("at/above floor: " + describe(s, sc))
        for tw in s.truth["benign"]:
            for rule in tw["twin_of"]:
                r = rules.setdefault(rule, {"n": 0, "found": 0, "tw": 0, "twf": 0, "floor": None})
                r["tw"] += 1
                r["twf"] += s.flagged(tw, rule)
    return rules, curve, signal, clouds, missed


def describe(s, sc):
    return "seed %s %s %s %s size %d %s (%.2fx of %s) signal %s" % (
        s.truth["seed"], sc["type"], sc["cloud"], sc["principal"], sc["size"], sc["unit"],
        sc["ratio"], sc["floor_key"] or "1", sc["signal"])


def noise(seeds):
    """False positives by period (warm-up, steady) for findings by severity
    and rule, and incidents by severity."""
    out = {"warmup": {}, "steady": {}}
    fps = []
    for s in seeds:
        tp_ids = set()
        for f in s.findings:
            period = "warmup" if f["_s"] < s.warm_end else "steady"
            if s.true_positive(f):
                tp_ids.add(f["id"])
                continue
            o = out[period]
            o.setdefault(("sev", f["severity"]), 0)
            o[("sev", f["severity"])] += 1
            o.setdefault(("rule", f["rule_id"], f["severity"]), 0)
            o[("rule", f["rule_id"], f["severity"])] += 1
        for k, inc in enumerate(s.incidents):
            if any(ev["finding_id"] in tp_ids for ev in inc.get("timeline", [])):
                continue
            period = "warmup" if ts(inc["start"]) < s.warm_end else "steady"
            out[period].setdefault(("inc", inc["severity"]), 0)
            out[period][("inc", inc["severity"])] += 1
            if period == "steady":
                fps.append("seed %s %s %s %s (%s, %.0f)" % (s.truth["seed"], inc["principal"],
                                                           inc["start"], inc["end"],
                                                           inc["classification"], inc["score"]))
    return out, fps


def print_tables(seeds, rules, curve, signal, clouds):
    print("%-24s %-26s %14s %22s" % ("rule", "floor", "attacks found", "benign twins flagged"))
    for rule in sorted(rules):
        r = rules[rule]
        print("%-24s %-26s %14s %22s" % (rule, r["floor"] or "1 (first event)",
                                          pct(r["found"], r["n"]), pct(r["twf"], r["tw"])))
    print("\ndetection over size / floor (found/injected per bin):")
    print("%-24s" % "rule" + "".join("%10s" % lab for _, _, lab in BINS))
    for rule in sorted(curve):
        print("%-24s" % rule + "".join("%10s" % pct(*curve[rule].get(lab, [0, 0]))
                                       for _, _, lab in BINS))
    print("\nbelow the floor, found by the rule or the second signal's rule:")
    for sig in sorted(signal):
        print("  %-10s %s" % (sig, pct(*signal[sig])))
    print("per cloud: " + ", ".join("%s %s" % (c, pct(*v)) for c, v in sorted(clouds.items())))


def print_noise(seeds, out):
    days = {"steady": sum(s.truth["steady_identity_days"] for s in seeds),
            "warmup": sum(s.truth["identity_days"] - s.truth["steady_identity_days"] for s in seeds)}
    for period in ("steady", "warmup"):
        o, d = out[period], days[period]
        print("\nfalse positives, %s (%d identity-days), per 1,000 identity-days:" % (
            period if period == "steady" else "warm-up: first %d days, not gated" %
            seeds[0].truth["warmup_days"], d))
        print("  findings:  " + ", ".join("%s %d (%.2f)" % (sv, o.get(("sev", sv), 0),
                                                           rate(o.get(("sev", sv), 0), d))
                                         for sv in SEVERITIES if o.get(("sev", sv))) or "  none")
        print("  incidents: " + ", ".join("%s %d (%.2f)" % (sv, o.get(("inc", sv), 0),
                                                           rate(o.get(("inc", sv), 0), d))
                                         for sv in SEVERITIES if o.get(("inc", sv))) or "  none")
        per_rule = {}
        for k, v in o.items():
            if k[0] == "rule":
                per_rule.setdefault(k[1], {})[k[2]] = v
        for rule in sorted(per_rule):
            print("    %-24s " % rule + ", ".join("%s %d (%.2f)" % (sv, n, rate(n, d))
                                                for sv, n in sorted(per_rule[rule].items())))
    return days["steady"]


def goals(rules, curve, signal, out, steady_days):
    res = []
    for rule in sorted(curve):
        f = sum(curve[rule].get(lab, [0, 0])[0] for lo, _, lab in BINS if lo >= 1.0)
        n = sum(curve[rule].get(lab, [0, 0])[1] for lo, _, lab in BINS if lo >= 1.0)
        if n:
            res.append((f >= GOAL_RECALL * n, "recall", "recall at >= 1x floor, %s: %d/%d (>= 95%%)" % (rule, f, n)))
    f = sum(v[0] for v in signal.values())
    n = sum(v[1] for v in signal.values())
    if n:
        res.append((f >= GOAL_SIGNAL * n, "signal",
                    "below the floor with a second signal, found: %d/%d (>= 95%%)" % (f, n)))
    o = out["steady"]
    inc = sum(v for k, v in o.items() if k[0] == "inc")
    high = sum(v for k, v in o.items() if k[0] == "sev" and k[1] in ("high", "critical"))
    res.append((rate(inc, steady_days) <= GOAL_FP_INC, "fp-incidents",
                "false-positive incidents: %d = %.2f per 1,000 identity-days (<= %.1f)" % (
                    inc, rate(inc, steady_days), GOAL_FP_INC)))
    res.append((rate(high, steady_days) <= GOAL_FP_HIGH, "fp-high",
                "false-positive high findings: %d = %.2f per 1,000 identity-days (<= %.1f)" % (
                    high, rate(high, steady_days), GOAL_FP_HIGH)))
    return res


def main(argv):
    gate = None
    if len(argv) > 2 and argv[1] == "--gate":
        gate = set(argv[2].split(","))
        argv = argv[:1] + argv[3:]
    if len(argv) < 3 or len(argv) % 2 == 0:
        sys.exit(__doc__)
    seeds = [Seed(json.load(open(argv[i])), json.load(open(argv[i + 1])))
             for i in range(1, len(argv), 2)]
    rules, curve, signal, clouds, missed = score(seeds)
    print_tables(seeds, rules, curve, signal, clouds)
    out, fps = noise(seeds)
    steady = print_noise(seeds, out)
    print("\ngoals:")
    res = goals(rules, curve, signal, out, steady)
    for ok, key, text in res:
        gated = gate is None or key in gate
        print("  %s %s%s" % ("met   " if ok else "MISSED", text, "" if gated else " (not gated here)"))
    for m in missed:
        print("  missed: " + m)
    for fp in fps:
        print("  false-positive incident: " + fp)
    sys.exit(0 if all(ok for ok, key, _ in res if gate is None or key in gate) else 1)


if __name__ == "__main__":
    main(sys.argv)
