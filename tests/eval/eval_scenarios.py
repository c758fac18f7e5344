"""The attack table of `make eval`: one row per scenario type.

A row says what the scenario does (fn), which rule must see it (rule) and on
which entity (the victim principal; bucket-read-spike also its bucket),
whether it must become an incident, on which clouds' logs it can be
expressed (clouds), and how big it is:

  size    today's size, in the unit the rule counts (reads in an hour,
          denials in an hour, list calls in an hour, regions in 6 hours,
          reads in a day, calls)
  floor   (key, default): the [detect] key the size is compared with, or
          None for rules that fire on the first event (floor 1)
  spread  (lo, hi): each injection draws its size log-uniformly from
          lo * size to hi * size (rounded, at least 1), so that sizes below
          the floor occur and the report can show detection as a curve over
          size / floor
  signals second signals an injection may carry besides its volume, one
          drawn per injection: None (pure volume), "new-ip" (a new source
          address), "new-ua" (a new user-agent family), "off-hours"
          (Saturday evening); inherent is a signal the scenario always has
  unit    reads | denials | lists | regions | day-reads | calls
  scale   what one unit of size counts for against the floor (default 1:
          the worked example's calls are two in five denials)

A scenario function fn(w, rng, a) writes the attack through the Writer and
returns its (first, last) time; `a` (an Attack) carries the victim, the day,
the drawn size and signal, and the entities the organisation gave this one
injection alone (a new address, a destination bucket, a target bucket).
To add a scenario, write its function and add a row.
"""
import datetime as dt
import math

from gen_activity import (BOTO3_UA, CLI_UA, GO_UA, START, at, sc_worked)

RCLONE_UA = "rclone/v1.68.1"
CURL_UA = "curl/8.5.0"
SIGNAL_RULE = {"new-ip": "new-source-ip", "new-ua": "new-user-agent",
               "off-hours": "after-hours-access"}
AWS_REGIONS = ["us-west-2", "eu-central-1", "ap-northeast-1", "sa-east-1", "eu-west-2",
               "ap-south-1", "ca-central-1", "eu-north-1", "ap-southeast-2", "me-south-1",
               "af-south-1", "eu-west-3", "ap-northeast-2", "us-east-2", "eu-south-1"]
# Calls of the discovery scenarios: AWS identity and secrets APIs; on the
# storage-only clouds, the storage permission and account calls.
PROBE_AWS = [("iam", "ListUsers"), ("kms", "ListKeys"), ("secretsmanager", "ListSecrets"),
             ("iam", "ListRoles")]
PROBE_STORAGE = [("s3", "GetBucketPolicy"), ("s3", "ListBuckets"), ("s3", "GetBucketAcl"),
                 ("s3", "ListHmacKeys")]


class Attack:
    """One injection: the victim, when, how big, and its own entities."""

    def __init__(self, row, ident, day, days, size, signal, uid, new_ip):
        self.row, self.ident, self.size, self.signal, self.uid = row, ident, size, signal, uid
        self.new_ip = new_ip            # an address no one else uses
        self.bucket = None              # the entity the rule names, when not the victim's own
        self.day = day
        self.days = days
        self.off_hours = signal == "off-hours" or row.get("inherent") == "off-hours"
        if self.off_hours:
            self.day = saturday(day, days)

    def cloud(self):
        return self.ident.get("cloud", "aws")

    def ip(self):
        return self.new_ip if self.signal == "new-ip" else self.ident["ip"]

    def ua(self):
        if self.signal != "new-ua":
            return self.ident["ua"]
        own = self.ident["ua"].split("/")[0]
        return next(u for u in (BOTO3_UA, RCLONE_UA, CURL_UA) if u.split("/")[0] != own)

    def start(self, hour, minute=2):
        """The attack's first minute: at that hour on a business day, or on
        a Saturday evening when it is off hours."""
        return at(self.day, 21 if self.off_hours else hour, minute)

    def spacing(self, n, span=3400):
        """Seconds between n calls that must fall in one hour."""
        return min(60.0, span / max(n, 1))

    def probes(self):
        return PROBE_AWS if self.cloud() == "aws" else PROBE_STORAGE

    def home_bucket(self):
        return self.ident["buckets"][0]


def saturday(day, days):
    """The Saturday on or after day (or the one before when that is past the end)."""
    d = day
    while (START + dt.timedelta(days=d)).weekday() != 5:
        d += 1
    if d > days - 2:
        d -= 7
    return d


def draw_size(rng, row):
    lo, hi = row["spread"]
    x = math.exp(rng.uniform(math.log(lo * row["size"]), math.log(hi * row["size"])))
    return max(1, int(round(x)))


def reads(w, a, t0, n, bucket, prefix, nbytes=250000, span=3400):
    step = a.spacing(n, span)
    for i in range(n):
        w.add(a.ident, t0 + dt.timedelta(seconds=i * step), "s3", "GetObject", ip=a.ip(),
              ua=a.ua(), bucket=bucket, key="%s/%05d" % (prefix, i), nbytes=nbytes)
    return t0, t0 + dt.timedelta(seconds=max(0, n - 1) * step)


def sc_bulk(w, rng, a):
    return reads(w, a, a.start(15), a.size, a.home_bucket(), "finance/q%d" % a.uid)


def sc_after_hours(w, rng, a):
    return reads(w, a, a.start(21), a.size, a.home_bucket(), "hr/salaries-%d" % a.uid, 80000)


def sc_bucket_spike(w, rng, a):
    """Reads of another team's application bucket: under bulk-download's
    threshold for the reader, far above the bucket's own hourly baseline."""
    return reads(w, a, a.start(15), a.size, a.bucket, "customers/%d" % a.uid, 120000)


def sc_slow_exfil(w, rng, a):
    """size reads a day, spread over 12 business hours, three days running:
    under every hourly floor, far above the identity's own days."""
    per_hour = max(1, a.size // 12)
    t0 = at(a.day, 8, 0)
    last = t0
    for d in range(3):
        for h in range(8, 20):
            for i in range(per_hour):
                last = at(a.day + d, h, 0) + dt.timedelta(seconds=i * a.spacing(per_hour, 3500))
                w.add(a.ident, last, "s3", "GetObject", ip=a.ip(), ua=a.ua(),
                      bucket=a.home_bucket(), key="archive/%d/%d/%d/%d.bin" % (a.uid, d, h, i),
                      nbytes=400000)
    return t0, last


def sc_enumeration(w, rng, a):
    """size list calls over size/5 buckets (so both enumeration floors scale
    together), from an address new to the identity."""
    nb = max(1, a.size // 5)
    t0 = a.start(10)
    step = a.spacing(a.size)
    for i in range(a.size):
        w.add(a.ident, t0 + dt.timedelta(seconds=i * step), "s3", "ListObjects", ip=a.new_ip,
              ua=CLI_UA, bucket="corp-%d-bucket-%02d" % (a.uid, i % nb))
    return t0, t0 + dt.timedelta(seconds=(a.size - 1) * step)


def sc_denied(w, rng, a):
    probes = a.probes()
    t0 = a.start(11)
    step = a.spacing(a.size)
    for i in range(a.size):
        svc, api = probes[i % len(probes)]
        w.add(a.ident, t0 + dt.timedelta(seconds=i * step), svc, api, ip=a.ip(), ua=a.ua(),
              bucket=None if a.cloud() == "aws" else a.home_bucket(), error="AccessDenied")
    return t0, t0 + dt.timedelta(seconds=(a.size - 1) * step)


def sc_multi_region(w, rng, a):
    """Calls in size regions within the hour, the first the victim's own."""
    regions = [a.ident["region"]] + [r for r in AWS_REGIONS if r != a.ident["region"]]
    regions = regions[:a.size]
    t0 = a.start(13)
    n = 10 * len(regions)
    for i in range(n):
        w.add(a.ident, t0 + dt.timedelta(seconds=i * a.spacing(n)), "ec2", "DescribeInstances",
              region=regions[i % len(regions)], ip=a.new_ip, ua=a.ua())
    return t0, t0 + dt.timedelta(seconds=(n - 1) * a.spacing(n))


def sc_tor(w, rng, a):
    t0 = a.start(9, 40)
    for i in range(a.size):
        w.add(a.ident, t0 + dt.timedelta(seconds=i * 30), "s3", "ListObjects", ip=a.new_ip,
              ua=a.ua(), bucket=a.home_bucket())
    return t0, t0 + dt.timedelta(seconds=(a.size - 1) * 30)


def sc_new_ua(w, rng, a):
    t0 = a.start(16)
    ua = BOTO3_UA if not a.ident["ua"].startswith("Boto3") else GO_UA
    for i in range(a.size):
        w.add(a.ident, t0 + dt.timedelta(seconds=i * 40), "s3", "GetObject", ip=a.ident["ip"],
              ua=ua, bucket=a.home_bucket(), key="k/%d/%d" % (a.uid, i), nbytes=1000)
    return t0, t0 + dt.timedelta(seconds=(a.size - 1) * 40)


def sc_new_ip(w, rng, a):
    t0 = a.start(12)
    for i in range(a.size):
        w.add(a.ident, t0 + dt.timedelta(seconds=i * 60), "s3", "GetObject", ip=a.new_ip,
              ua=a.ident["ua"], bucket=a.home_bucket(), key="k/%d/%d" % (a.uid, i), nbytes=1000)
    return t0, t0 + dt.timedelta(seconds=(a.size - 1) * 60)


def sc_first_api(w, rng, a):
    calls = ([("iam", "ListUsers"), ("iam", "ListAttachedUserPolicies"),
              ("iam", "GetAccountAuthorizationDetails"), ("sts", "GetCallerIdentity")]
             if a.cloud() == "aws" else PROBE_STORAGE)
    t0 = a.start(14, 30)
    for i in range(a.size):
        svc, api = calls[i % len(calls)]
        w.add(a.ident, t0 + dt.timedelta(seconds=i * 50), svc, api, ip=a.new_ip, ua=BOTO3_UA,
              bucket=None if a.cloud() == "aws" else a.home_bucket())
    return t0, t0 + dt.timedelta(seconds=(a.size - 1) * 50)


def sc_copy(w, rng, a):
    """Server-side copies into a bucket the organisation never used."""
    t0 = a.start(10)
    for i in range(a.size):
        w.add(a.ident, t0 + dt.timedelta(seconds=i * 30), "s3", "CopyObject", ip=a.ip(),
              ua=a.ua(), bucket=a.bucket, key="loot/%03d" % i)
    return t0, t0 + dt.timedelta(seconds=(a.size - 1) * 30)


def sc_worked_sized(w, rng, a):
    """The worked example (new address, Boto3, SNS/SES probing in four
    regions), size calls of which two in five are denied."""
    return sc_worked(w, rng, a.ident, a.day, n=a.size, ip=a.new_ip)


ALL = ("aws", "gcp", "azure", "minio")
VOL = (None, "new-ip", "new-ua", "off-hours")
SCENARIOS = [
    dict(type="bulk-download", fn=sc_bulk, rule="bulk-download", incident=False, clouds=ALL,
         size=400, floor=("bulk_threshold", 100), spread=(0.1, 2.0), signals=VOL, unit="reads"),
    dict(type="enumeration", fn=sc_enumeration, rule="enumeration-spike", incident=True,
         clouds=ALL, size=240, floor=("list_floor", 50), spread=(0.1, 2.0), signals=(None,),
         inherent="new-ip", unit="lists"),
    dict(type="access-denied", fn=sc_denied, rule="access-denied-cluster", incident=True,
         clouds=ALL, size=24, floor=("denied_min", 5), spread=(0.1, 2.0),
         signals=(None, "new-ip", "new-ua"), unit="denials"),
    dict(type="multi-region", fn=sc_multi_region, rule="multi-region-burst", incident=True,
         clouds=("aws",), size=5, floor=("regions_min", 3), spread=(0.2, 2.0), signals=(None,),
         inherent="new-ip", unit="regions"),
    dict(type="after-hours", fn=sc_after_hours, rule="after-hours-access", incident=False,
         clouds=ALL, size=80, floor=("after_hours_floor", 20), spread=(0.1, 2.0),
         signals=(None, "new-ip", "new-ua"), inherent="off-hours", unit="reads"),
    dict(type="tor-exit", fn=sc_tor, rule="suspicious-source", incident=True, clouds=ALL,
         size=15, floor=None, spread=(0.1, 2.0), signals=(None,), inherent="new-ip",
         unit="calls"),
    dict(type="new-user-agent", fn=sc_new_ua, rule="new-user-agent", incident=False, clouds=ALL,
         size=30, floor=None, spread=(0.1, 2.0), signals=(None,), unit="calls"),
    dict(type="new-source-ip", fn=sc_new_ip, rule="new-source-ip", incident=False, clouds=ALL,
         size=20, floor=None, spread=(0.1, 2.0), signals=(None,), unit="calls"),
    dict(type="first-time-api", fn=sc_first_api, rule="first-time-api", incident=True,
         clouds=ALL, size=12, floor=None, spread=(0.1, 2.0), signals=(None,), inherent="new-ip",
         unit="calls"),
    dict(type="cross-account-copy", fn=sc_copy, rule="cross-account-copy", incident=True,
         clouds=ALL, size=30, floor=None, spread=(0.1, 2.0), signals=(None, "new-ip"),
         unit="calls"),
    dict(type="slow-exfiltration", fn=sc_slow_exfil, rule="read-volume", incident=True,
         clouds=ALL, size=540, floor=("read_day_floor", 300), spread=(0.1, 2.0),
         signals=(None, "new-ip"), unit="day-reads"),
    dict(type="worked-example", fn=sc_worked_sized, rule="access-denied-cluster", incident=True,
         clouds=("aws",), size=100, floor=("denied_min", 5), scale=0.4, spread=(0.1, 2.0),
         signals=(None,), inherent="new-ip", unit="calls (2 in 5 denied)"),
    dict(type="bucket-read-spike", fn=sc_bucket_spike, rule="bucket-read-spike", incident=False,
         clouds=ALL, size=90, floor=("bucket_read_floor", 60), spread=(0.1, 2.0), signals=VOL,
         unit="reads"),
]
