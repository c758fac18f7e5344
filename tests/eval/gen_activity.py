#!/usr/bin/env python3
"""Synthetic CloudTrail activity with ground truth, for gatewatch's detector.

    gen_activity.py worked OUTDIR             the worked example of the detector issue
    gen_activity.py eval OUTDIR [--identities N] [--days D] [--seed S]
    gen_activity.py bench OUTDIR [--identities N] [--days D]   (load, no truth)

Writes OUTDIR/AWSLogs/<account>/CloudTrail/us-east-1/YYYY/MM/DD/*.json (one
file per day, plain JSON) and OUTDIR/truth.json: the injected scenarios
(type, principal, time range, the rule expected to see it, whether it must
become an incident) and the benign look-alikes, which must not.

Activity has a daily and weekly rhythm, public holidays, office users,
automation accounts (steady around the clock), a nightly batch job, analysts
who sometimes work late, a new laptop's IP, and a planned migration. Only
documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and
2001:db8::/32. Deterministic for a seed; standard library only.
"""
import datetime as dt
import json
import os
import random
import sys
import zlib

ACCOUNT = "111122223333"
START = dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc)
HOLIDAYS = {dt.date(2026, 9, 7), dt.date(2026, 10, 12), dt.date(2026, 11, 11),
            dt.date(2026, 11, 26), dt.date(2026, 11, 27)}

CLI_UA = "aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.12.6"
GO_UA = "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2"
JAVA_UA = "aws-sdk-java/2.25.60 Linux/6.1.0 OpenJDK_64-Bit_Server_VM/21.0.3 Java/21.0.3 vendor/Debian"
BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
BOTO3_UA = ("Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#6.8.0-45-generic md/arch#x86_64 "
            "lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.84")
TOR_IP = "198.51.100.66"        # listed in tests/data/intel/tor-exit-addresses
ATTACKER_IP = "198.51.100.77"   # on no list: new to the organisation


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Writer:
    """Collects records per UTC day and writes one CloudTrail file per day."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.days = {}
        self.n = 0

    def add(self, ident, t, service, api, region=None, ip=None, ua=None, bucket=None,
            key=None, error=None, nbytes=None):
        # Formatted by hand: json.dumps per record would make the 60-day
        # histories several times slower to write.
        if "uid_json" not in ident:
            ident["uid_json"] = json.dumps(ident["uid"], separators=(",", ":"))
        ua = ua or ident["ua"]
        extra = []
        if bucket:
            req = {"bucketName": bucket}
            if key:
                req["key"] = key
            extra.append('"requestParameters":' + json.dumps(req, separators=(",", ":")))
            data = api.endswith("Object") or api.startswith("List")
            extra.append('"eventCategory":"%s"' % ("Data" if data else "Management"))
        else:
            extra.append('"eventCategory":"Management"')
        if nbytes:
            extra.append('"additionalEventData":{"bytesTransferredOut":%d}' % nbytes)
        if error:
            extra.append('"errorCode":"%s","errorMessage":"User is not authorized to perform '
                         'this action"' % error)
        rec = ('{"eventVersion":"1.09","eventTime":"%s","eventSource":"%s.amazonaws.com",'
               '"eventName":"%s","awsRegion":"%s","sourceIPAddress":"%s","userAgent":%s,'
               '"userIdentity":%s,"requestID":"%016X","eventID":"e-%d",'
               '"recipientAccountId":"%s",%s}') % (
            iso(t), service, api, region or ident["region"], ip or ident["ip"],
            json.dumps(ua), ident["uid_json"], self.n, self.n, ACCOUNT, ",".join(extra))
        self.days.setdefault(t.date(), []).append(rec)
        self.n += 1

    def write(self):
        for day, recs in self.days.items():
            d = os.path.join(self.outdir, "AWSLogs", ACCOUNT, "CloudTrail", "us-east-1",
                             "%04d" % day.year, "%02d" % day.month, "%02d" % day.day)
            os.makedirs(d, exist_ok=True)
            name = "%s_CloudTrail_us-east-1_%sT0000Z_sim.json" % (ACCOUNT, day.strftime("%Y%m%d"))
            with open(os.path.join(d, name), "w") as f:
                f.write('{"Records":[' + ",\n".join(recs) + "]}\n")


def make_ident(name, kind, ip, ua, region="us-east-1", buckets=("team-data",), key=None,
               volume=150):
    user = kind in ("office", "analyst", "worked")
    arn = ("arn:aws:iam::%s:user/%s" % (ACCOUNT, name) if user
           else "arn:aws:sts::%s:assumed-role/%s/session" % (ACCOUNT, name))
    key = key or ("AKIA" if user else "ASIA") + "%016X" % zlib.crc32(name.encode())
    uid = {"type": "IAMUser" if user else "AssumedRole", "arn": arn, "accountId": ACCOUNT,
           "accessKeyId": key, "principalId": "AID" + name.upper()[:12]}
    if not user:
        uid["sessionContext"] = {"sessionIssuer": {
            "type": "Role", "arn": "arn:aws:iam::%s:role/%s" % (ACCOUNT, name)}}
    return {"name": name, "kind": kind, "ip": ip, "ua": ua, "region": region,
            "buckets": list(buckets), "uid": uid, "arn": arn, "key": key, "volume": volume}


MIX = [("s3", "GetObject", 50), ("s3", "PutObject", 15), ("s3", "ListObjects", 20),
       ("s3", "HeadObject", 10), ("s3", "GetBucketLocation", 5)]


def normal_call(w, rng, ident, t, region=None, ip=None):
    r = rng.randrange(100)
    for svc, api, weight in MIX:
        if r < weight:
            break
        r -= weight
    b = rng.choice(ident["buckets"])
    key = "data/%s/part-%05d.parquet" % (ident["name"], rng.randrange(5000)) \
        if api.endswith("Object") else None
    err = "AccessDenied" if rng.random() < 0.005 else None
    w.add(ident, t, svc, api, region=region, ip=ip, bucket=b, key=key, error=err,
          nbytes=rng.randrange(10000, 900000) if api == "GetObject" and not err else None)


def day_of(ident, rng, w, day, hours, n):
    """n normal calls of ident spread over the given hours of day."""
    base = START + dt.timedelta(days=day)
    for _ in range(n):
        h = rng.choice(hours)
        t = base + dt.timedelta(hours=h, seconds=rng.randrange(3600))
        region = ident["region"]
        if ident.get("region2") and rng.random() < 0.2:
            region = ident["region2"]
        ip = ident["ip"]
        if ident.get("ip2") and rng.random() < 0.3:
            ip = ident["ip2"]
        normal_call(w, rng, ident, t, region=region, ip=ip)


def routine(ident, rng, w, day):
    date = (START + dt.timedelta(days=day)).date()
    weekend = date.weekday() >= 5
    kind = ident["kind"]
    vol = ident["volume"]
    if kind in ("office", "analyst", "worked"):
        if date in HOLIDAYS or (weekend and kind != "worked"):
            if rng.random() < 0.1:
                day_of(ident, rng, w, day, [10, 11, 15], rng.randrange(3, 10))
            return
        n = int(vol * rng.uniform(0.7, 1.3))
        if weekend:
            n //= 4
        day_of(ident, rng, w, day, list(range(8, 18)), n)
        if kind == "analyst" and rng.random() < 0.15:
            # working late now and then: a few reads in the evening
            day_of(ident, rng, w, day, [19, 20, 21], rng.randrange(8, 30))
    elif kind == "automation":
        day_of(ident, rng, w, day, list(range(24)), int(vol * rng.uniform(0.8, 1.2)))
    elif kind == "nightly":
        base = START + dt.timedelta(days=day, hours=2)
        for i in range(rng.randrange(140, 180)):
            t = base + dt.timedelta(seconds=rng.randrange(3000))
            w.add(ident, t, "s3", "GetObject", bucket=ident["buckets"][0],
                  key="exports/%d/%05d.csv" % (day, i), nbytes=rng.randrange(10**5, 10**6))
        day_of(ident, rng, w, day, [2], 5)


# ---- attacks: each returns (first, last) time and the rule expected to see it

def at(day, hour, minute=0):
    return START + dt.timedelta(days=day, hours=hour, minutes=minute)


def sc_worked(w, rng, ident, day):
    """About 100 calls in one afternoon: a new IP, Boto3, the long-term key, four
    regions, SNS SMS (denied), Service Quotas and SES."""
    calls = [("sns", "GetSMSAttributes", "AccessDenied"),
             ("sns", "GetSMSSandboxAccountStatus", "AccessDenied"),
             ("servicequotas", "GetServiceQuota", None),
             ("ses", "GetAccount", None), ("ses", "GetSendQuota", None)]
    regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"]
    t0 = at(day, 14, 5)
    t = t0
    for i in range(100):
        svc, api, err = calls[i % len(calls)]
        w.add(ident, t, svc, api, region=regions[(i // 5) % 4], ip=ATTACKER_IP, ua=BOTO3_UA,
              error=err)
        t += dt.timedelta(seconds=rng.randrange(20, 70))
    return t0, t


def sc_bulk(w, rng, ident, day):
    t0 = at(day, 15, 10)
    for i in range(400):
        w.add(ident, t0 + dt.timedelta(seconds=i * 7), "s3", "GetObject",
              bucket=ident["buckets"][0], key="finance/%05d.pdf" % i, nbytes=250000)
    return t0, t0 + dt.timedelta(seconds=400 * 7)


def sc_enumeration(w, rng, ident, day):
    t0 = at(day, 10, 30)
    t = t0
    for i in range(240):
        bucket = "corp-bucket-%02d" % (i % 40)
        w.add(ident, t, "s3", "ListObjects", ip=ATTACKER_IP, ua=CLI_UA, bucket=bucket)
        t += dt.timedelta(seconds=10)
    return t0, t


def sc_denied(w, rng, ident, day):
    apis = [("iam", "ListUsers"), ("kms", "ListKeys"), ("secretsmanager", "ListSecrets"),
            ("iam", "ListRoles")]
    t0 = at(day, 11, 0)
    t = t0
    for i in range(24):
        svc, api = apis[i % 4]
        w.add(ident, t, svc, api, error="AccessDenied")
        t += dt.timedelta(seconds=45)
    return t0, t


def sc_multi_region(w, rng, ident, day):
    regions = ["us-west-2", "eu-central-1", "ap-northeast-1", "sa-east-1"]
    t0 = at(day, 13, 0)
    t = t0
    for i in range(40):
        w.add(ident, t, "ec2", "DescribeInstances", region=regions[i % 4], ip=ATTACKER_IP)
        t += dt.timedelta(seconds=90)
    return t0, t


def sc_after_hours(w, rng, ident, day):
    # Saturday night, as late as possible in the week.
    while (START + dt.timedelta(days=day)).weekday() != 5:
        day += 1
    t0 = at(day, 23, 5)
    for i in range(80):
        w.add(ident, t0 + dt.timedelta(seconds=i * 20), "s3", "GetObject",
              bucket=ident["buckets"][0], key="hr/salaries-%03d.xlsx" % i, nbytes=80000)
    return t0, t0 + dt.timedelta(seconds=80 * 20)


def sc_tor(w, rng, ident, day):
    t0 = at(day, 9, 40)
    for i in range(15):
        w.add(ident, t0 + dt.timedelta(seconds=i * 30), "s3", "ListObjects", ip=TOR_IP,
              bucket=ident["buckets"][0])
    return t0, t0 + dt.timedelta(seconds=15 * 30)


def sc_new_ua(w, rng, ident, day):
    t0 = at(day, 16, 0)
    for i in range(30):
        w.add(ident, t0 + dt.timedelta(seconds=i * 40), "s3", "GetObject", ip="203.0.113.200",
              ua=BOTO3_UA, bucket=ident["buckets"][0], key="k/%d" % i, nbytes=1000)
    return t0, t0 + dt.timedelta(seconds=30 * 40)


def sc_new_ip(w, rng, ident, day):
    t0 = at(day, 12, 0)
    for i in range(20):
        w.add(ident, t0 + dt.timedelta(seconds=i * 60), "s3", "GetObject", ip="192.0.2.230",
              bucket=ident["buckets"][0], key="k/%d" % i, nbytes=1000)
    return t0, t0 + dt.timedelta(seconds=20 * 60)


def sc_first_api(w, rng, ident, day):
    apis = [("iam", "ListUsers"), ("iam", "ListAttachedUserPolicies"),
            ("iam", "GetAccountAuthorizationDetails"), ("sts", "GetCallerIdentity")]
    t0 = at(day, 14, 30)
    for i in range(12):
        svc, api = apis[i % 4]
        w.add(ident, t0 + dt.timedelta(seconds=i * 50), svc, api, ip=ATTACKER_IP, ua=BOTO3_UA)
    return t0, t0 + dt.timedelta(seconds=12 * 50)


def sc_copy(w, rng, ident, day):
    t0 = at(day, 10, 0)
    for i in range(30):
        w.add(ident, t0 + dt.timedelta(seconds=i * 30), "s3", "CopyObject",
              bucket="drop-zone-4471", key="loot/%03d" % i)
    return t0, t0 + dt.timedelta(seconds=30 * 30)


def sc_slow_exfil(w, rng, ident, day):
    t0 = at(day, 8, 0)
    for d in range(3):
        for h in range(8, 20):
            for i in range(45):
                t = at(day + d, h, 0) + dt.timedelta(seconds=i * 75)
                w.add(ident, t, "s3", "GetObject", bucket=ident["buckets"][0],
                      key="archive/%d/%d/%d.bin" % (d, h, i), nbytes=400000)
    return t0, at(day + 2, 20, 0)


SCENARIOS = [
    # type, function, expected rule, must become an incident
    ("bulk-download", sc_bulk, "bulk-download", True),
    ("enumeration", sc_enumeration, "enumeration-spike", True),
    ("access-denied", sc_denied, "access-denied-cluster", True),
    ("multi-region", sc_multi_region, "multi-region-burst", True),
    ("after-hours", sc_after_hours, "after-hours-access", False),
    ("tor-exit", sc_tor, "suspicious-source", True),
    ("new-user-agent", sc_new_ua, "new-user-agent", False),
    ("new-source-ip", sc_new_ip, "new-source-ip", False),
    ("first-time-api", sc_first_api, "first-time-api", True),
    ("cross-account-copy", sc_copy, "cross-account-copy", True),
    ("slow-exfiltration", sc_slow_exfil, "read-volume", True),
    ("worked-example", sc_worked, "access-denied-cluster", True),
]


# ---- benign look-alikes

def bn_new_laptop(w, rng, ident, first_day, days):
    ident["ip"] = "192.0.2.%d" % rng.randrange(100, 200)   # from now on
    return at(first_day, 0), at(first_day + 1, 0)


def bn_migration(w, rng, ident, day):
    """A planned migration: a new bucket created, then 2,000 copies into it."""
    t0 = at(day, 9, 0)
    w.add(ident, t0, "s3", "CreateBucket", bucket="archive-2026")
    for i in range(2000):
        w.add(ident, t0 + dt.timedelta(seconds=60 + i * 8), "s3", "CopyObject",
              bucket="archive-2026", key="moved/%05d" % i)
    return t0, t0 + dt.timedelta(seconds=60 + 2000 * 8)


def population(rng, n):
    office_ips = ["203.0.113.%d" % i for i in (10, 11, 12)]
    ids = []
    for i in range(n):
        r = i % 10
        if r in (0, 1, 2, 3):
            ident = make_ident("user%03d" % i, "office", rng.choice(office_ips),
                               rng.choice([BROWSER_UA, CLI_UA]), buckets=("team-%d" % (i % 5),),
                               volume=rng.randrange(60, 200))
        elif r in (4, 5):
            ident = make_ident("analyst%03d" % i, "analyst", rng.choice(office_ips), CLI_UA,
                               buckets=("research", "team-%d" % (i % 5)),
                               volume=rng.randrange(80, 250))
            ident["ip2"] = "192.0.2.%d" % (10 + i)   # home
        elif r in (6, 7):
            ident = make_ident("svc-app%03d" % i, "automation", "203.0.113.%d" % (40 + i % 50),
                               rng.choice([GO_UA, JAVA_UA]), buckets=("app-%d" % i,),
                               volume=rng.randrange(200, 600))
            if rng.random() < 0.3:
                ident["region2"] = "eu-west-1"
        elif r == 8:
            ident = make_ident("svc-nightly%03d" % i, "nightly", "203.0.113.%d" % (100 + i % 50),
                               GO_UA, buckets=("exports-%d" % i,), volume=5)
        else:
            ident = make_ident("svc-etl%03d" % i, "automation", "203.0.113.%d" % (150 + i % 50),
                               CLI_UA, buckets=("lake-%d" % i, "lake-shared"),
                               volume=rng.randrange(100, 300))
        ids.append(ident)
    return ids


def truth_entry(kind, ident, t0, t1, rule=None, incident=False):
    e = {"type": kind, "principal": ident["arn"], "start": iso(t0), "end": iso(t1)}
    if rule:
        e.update({"rule": rule, "incident": incident})
    return e


def worked(outdir, seed=61):
    rng = random.Random(seed)
    w = Writer(outdir)
    victim = make_ident("build-agent", "worked", "203.0.113.20", GO_UA,
                        buckets=("artifacts", "releases"), key="AKIA3EXAMPLE7WORKED1")
    victim["ip2"] = "203.0.113.21"
    others = [make_ident("alice", "office", "203.0.113.10", BROWSER_UA, buckets=("team-0",)),
              make_ident("svc-sync", "automation", "203.0.113.40", JAVA_UA, buckets=("sync",),
                         volume=300),
              make_ident("svc-nightly", "nightly", "203.0.113.41", GO_UA, buckets=("exports",))]
    days = 61
    for day in range(days):
        n = rng.randrange(1500, 7301)
        # steady around the clock, busier in business hours
        day_of(victim, rng, w, day, list(range(24)) + list(range(8, 18)) * 2, n)
        for o in others:
            routine(o, rng, w, day)
    t0, t1 = sc_worked(w, rng, victim, days - 1)
    w.write()
    truth = {"identities": 4, "days": days, "start": iso(START), "events": w.n,
             "scenarios": [truth_entry("worked-example", victim, t0, t1,
                                       "access-denied-cluster", True)],
             "attacker_ip": ATTACKER_IP, "access_key": victim["key"],
             "regions": ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"],
             "benign": []}
    return truth


def evaluate(outdir, n, days, seed):
    rng = random.Random(seed)
    w = Writer(outdir)
    ids = population(rng, n)
    pool = [i for i in ids if i["kind"] in ("office", "analyst")]
    autos = [i for i in ids if i["kind"] == "automation"]
    rng.shuffle(pool)
    injections, benign = [], []
    reps = max(1, n // 30)
    first = max(20, days - 40)
    for rep in range(reps):
        for k, (kind, fn, rule, inc) in enumerate(SCENARIOS):
            if not pool:
                break
            victim = pool.pop()
            injections.append((rng.randrange(first, days - 3), kind, fn, rule, inc, victim))
        for _ in range(2):
            if pool:
                benign.append(("new-laptop", rng.randrange(first, days - 3), pool.pop()))
        if autos:
            benign.append(("planned-migration", rng.randrange(first, days - 3), autos.pop()))
    by_day = {}
    for inj in injections:
        by_day.setdefault(inj[0], []).append(inj)
    laptops = {(d, i["name"]): kind for kind, d, i in benign}
    truth = {"identities": n, "days": days, "start": iso(START), "scenarios": [], "benign": []}
    for day in range(days):
        for ident in ids:
            if laptops.get((day, ident["name"])) == "new-laptop":
                t0, t1 = bn_new_laptop(w, rng, ident, day, days)
                truth["benign"].append(truth_entry("new-laptop", ident, t0, t1))
            routine(ident, rng, w, day)
            if laptops.get((day, ident["name"])) == "planned-migration":
                t0, t1 = bn_migration(w, rng, ident, day)
                truth["benign"].append(truth_entry("planned-migration", ident, t0, t1))
        for _, kind, fn, rule, inc, victim in by_day.get(day, []):
            t0, t1 = fn(w, rng, victim, day)
            truth["scenarios"].append(truth_entry(kind, victim, t0, t1, rule, inc))
    for ident in ids:
        if ident["kind"] == "nightly":
            truth["benign"].append(truth_entry("nightly-batch", ident, START,
                                               START + dt.timedelta(days=days)))
    truth["events"] = w.n
    w.write()
    return truth


def bench(outdir, n, days, seed):
    """Load for the detector benchmark: n identities, each a few calls a day
    from its own IP, every hour of the day busy."""
    rng = random.Random(seed)
    w = Writer(outdir)
    ids = [make_ident("bench%06d" % i, "automation" if i % 2 else "office",
                      "203.0.113.%d" % (i % 250), GO_UA if i % 3 else CLI_UA,
                      buckets=("bench-%d" % (i % 500),)) for i in range(n)]
    for day in range(days):
        for k, ident in enumerate(ids):
            for _ in range(6):
                t = at(day, (k + rng.randrange(4)) % 24, rng.randrange(60))
                normal_call(w, rng, ident, t)
    w.write()
    return {"identities": n, "days": days, "start": iso(START), "events": w.n,
            "scenarios": [], "benign": []}


def main(argv):
    if len(argv) < 3 or argv[1] not in ("worked", "eval", "bench"):
        sys.exit(__doc__)
    out = argv[2]
    opts = {"--identities": 30, "--days": 62, "--seed": 1}
    rest = argv[3:]
    while rest:
        if rest[0] not in opts or len(rest) < 2:
            sys.exit("unknown option %s\n%s" % (rest[0], __doc__))
        opts[rest[0]] = int(rest[1])
        rest = rest[2:]
    os.makedirs(out, exist_ok=True)
    if argv[1] == "worked":
        truth = worked(out)
    elif argv[1] == "bench":
        truth = bench(out, opts["--identities"], opts["--days"], opts["--seed"])
    else:
        truth = evaluate(out, opts["--identities"], opts["--days"], opts["--seed"])
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    print("%d events, %d identities, %d days" % (truth["events"], truth["identities"],
                                                  truth["days"]))


if __name__ == "__main__":
    main(sys.argv)
