#!/usr/bin/env python3
"""Synthetic CloudTrail activity with ground truth, for gatewatch's detector.

    gen_activity.py worked OUTDIR             the worked example of the detector issue
    gen_activity.py eval OUTDIR [--identities N] [--days D] [--seed S]
    gen_activity.py bench OUTDIR [--identities N] [--days D]   (load, no truth)

Writes OUTDIR/AWSLogs/<account>/CloudTrail/us-east-1/YYYY/MM/DD/*.json (one
file per day, plain JSON); for the eval's GCP and Azure identities, Cloud
Audit Logs as a log sink writes them (OUTDIR/gcs/cloudaudit.googleapis.com/
data_access/YYYY/MM/DD/*.json, JSON lines) and Azure StorageBlobLogs
(OUTDIR/azure/insights-logs-storageread/.../PT1H.json, JSON lines); and
OUTDIR/truth.json: the injected scenarios
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
GSUTIL_UA = "apitools Python/3.11.2 gsutil/5.30 (linux) analytics/disabled interactive/True command/cp"
AZCOPY_UA = "AzCopy/10.26.0 azsdk-go-azblob/v1.4.0 (go1.22.5; linux)"
AZ_SDK_UA = "azsdk-java-azure-storage-blob/12.26.1 (21.0.3; Linux; 6.1.0)"
TOR_IP = "198.51.100.66"        # listed in tests/data/intel/tor-exit-addresses
ATTACKER_IP = "198.51.100.77"   # on no list: new to the organisation
GCP_PROJECT = "proj-sim"
AZ_ACCOUNT = "acctsim"

# S3 calls of the activity model and their names in the other clouds' logs.
GCS_METHODS = {"GetObject": "storage.objects.get", "PutObject": "storage.objects.create",
               "ListObjects": "storage.objects.list", "HeadObject": "storage.objects.getMetadata",
               "GetBucketLocation": "storage.buckets.get", "CopyObject": "storage.objects.rewrite",
               "CreateBucket": "storage.buckets.create"}
AZ_OPS = {"GetObject": "GetBlob", "PutObject": "PutBlob", "ListObjects": "ListBlobs",
          "HeadObject": "GetBlobProperties", "GetBucketLocation": "GetContainerProperties",
          "CopyObject": "CopyBlob", "CreateBucket": "CreateContainer"}


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Writer:
    """Collects records per UTC day and writes one CloudTrail file per day."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.days = {}
        self.gcs = {}
        self.azure = {}
        self.n = 0

    def add(self, ident, t, service, api, region=None, ip=None, ua=None, bucket=None,
            key=None, error=None, nbytes=None):
        cloud = ident.get("cloud", "aws")
        if cloud == "gcp":
            return self.add_gcs(ident, t, api, ip, ua, bucket, key, error)
        if cloud == "azure":
            return self.add_azure(ident, t, api, ip, ua, bucket, key, error, nbytes)
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

    def add_gcs(self, ident, t, api, ip, ua, bucket, key, error):
        """A Cloud Audit Logs data_access entry (storage calls only)."""
        res = "projects/_/buckets/%s" % bucket + ("/objects/%s" % key if key else "")
        status = '{"code":7,"message":"PERMISSION_DENIED"}' if error else "{}"
        rec = ('{"insertId":"g%d","logName":"projects/%s/logs/cloudaudit.googleapis.com%%2Fdata_access",'
               '"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog",'
               '"status":%s,"authenticationInfo":{"principalEmail":"%s"},'
               '"requestMetadata":{"callerIp":"%s","callerSuppliedUserAgent":%s},'
               '"serviceName":"storage.googleapis.com","methodName":"%s","resourceName":"%s"},'
               '"resource":{"type":"gcs_bucket","labels":{"project_id":"%s","bucket_name":"%s",'
               '"location":"us-east1"}},"timestamp":"%s","severity":"%s"}') % (
            self.n, GCP_PROJECT, status, ident["arn"], ip or ident["ip"],
            json.dumps(ua or ident["ua"]), GCS_METHODS[api], res, GCP_PROJECT, bucket,
            iso(t), "ERROR" if error else "INFO")
        self.gcs.setdefault(t.date(), []).append(rec)
        self.n += 1

    def add_azure(self, ident, t, api, ip, ua, bucket, key, error, nbytes):
        """A StorageBlobLogs resource-log record (storage calls only)."""
        op = AZ_OPS[api]
        cat = "StorageRead" if op.startswith(("Get", "List")) else "StorageWrite"
        req = ('{"upn":"%s"}' % ident["arn"] if ident.get("user")
               else '{"objectId":"%s"}' % ident["arn"])
        rec = ('{"time":"%s","resourceId":"/subscriptions/00000000-0000-0000-0000-000000000000/'
               'resourceGroups/rg-sim/providers/Microsoft.Storage/storageAccounts/%s/blobServices/default",'
               '"category":"%s","operationName":"%s","operationVersion":"2021-08-06",'
               '"schemaVersion":"1.0","statusCode":%d,"statusText":"%s","durationMs":9,'
               '"callerIpAddress":"%s:%d","correlationId":"a%d","identity":{"type":"OAuth",'
               '"tokenHash":"","requester":%s},"location":"eastus","properties":{'
               '"accountName":"%s","userAgentHeader":%s,"serviceType":"blob",'
               '"objectKey":"/%s/%s%s","responseBodySize":%d}}') % (
            iso(t), AZ_ACCOUNT, cat, op, 403 if error else 200,
            "AuthorizationPermissionMismatch" if error else "Success", ip or ident["ip"],
            40000 + self.n % 20000, self.n, req, AZ_ACCOUNT, json.dumps(ua or ident["ua"]),
            AZ_ACCOUNT, bucket, "/" + key if key else "", nbytes or 0)
        self.azure.setdefault(t.date(), []).append(rec)
        self.n += 1

    def write_lines(self, recs_by_day, path_of):
        for day, recs in recs_by_day.items():
            path = path_of(day)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("\n".join(recs) + "\n")

    def write(self):
        self.write_lines(self.gcs, lambda d: os.path.join(
            self.outdir, "gcs", "cloudaudit.googleapis.com", "data_access", "%04d" % d.year,
            "%02d" % d.month, "%02d" % d.day, "00:00:00_23:59:59_S0.json"))
        self.write_lines(self.azure, lambda d: os.path.join(
            self.outdir, "azure", "insights-logs-storageread", "resourceId=", "y=%04d" % d.year,
            "m=%02d" % d.month, "d=%02d" % d.day, "PT1H.json"))
        for day, recs in self.days.items():
            d = os.path.join(self.outdir, "AWSLogs", ACCOUNT, "CloudTrail", "us-east-1",
                             "%04d" % day.year, "%02d" % day.month, "%02d" % day.day)
            os.makedirs(d, exist_ok=True)
            name = "%s_CloudTrail_us-east-1_%sT0000Z_sim.json" % (ACCOUNT, day.strftime("%Y%m%d"))
            with open(os.path.join(d, name), "w") as f:
                f.write('{"Records":[' + ",\n".join(recs) + "]}\n")


def make_ident(name, kind, ip, ua, region="us-east-1", buckets=("team-data",), key=None,
               volume=150, cloud="aws"):
    user = kind in ("office", "analyst", "worked")
    if cloud != "aws":
        # GCP: a user's email or a service account; Azure: a user's UPN or a
        # service principal's object id.
        if cloud == "gcp":
            who = ("%s@example.com" % name if user
                   else "%s@%s.iam.gserviceaccount.com" % (name, GCP_PROJECT))
        else:
            who = ("%s@contoso.example" % name if user
                   else "%08x-0000-4000-8000-%012x" % (zlib.crc32(name.encode()),
                                                      zlib.crc32(name[::-1].encode())))
        return {"name": name, "kind": kind, "ip": ip, "ua": ua, "region": region,
                "buckets": list(buckets), "arn": who, "key": "", "volume": volume,
                "cloud": cloud, "user": user}
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


def sc_bucket_spike(w, rng, ident, day):
    """90 reads in one hour of a bucket an application reads a few times an
    hour: under bulk-download's threshold, far above the bucket's own baseline."""
    t0 = at(day, 15, 20)
    for i in range(90):
        w.add(ident, t0 + dt.timedelta(seconds=i * 30), "s3", "GetObject", bucket="app-6",
              key="customers/%04d.json" % i, nbytes=120000)
    return t0, t0 + dt.timedelta(seconds=90 * 30)


SCENARIOS = [
    # type, function, expected rule, must become an incident, the victim's
    # cloud ("aws": the scenario calls AWS-only APIs; "gcp"/"azure": such a
    # victim when one is left, else any)
    ("bulk-download", sc_bulk, "bulk-download", True, "gcp"),
    ("enumeration", sc_enumeration, "enumeration-spike", True, "azure"),
    ("access-denied", sc_denied, "access-denied-cluster", True, "aws"),
    ("multi-region", sc_multi_region, "multi-region-burst", True, "aws"),
    ("after-hours", sc_after_hours, "after-hours-access", False, "azure"),
    ("tor-exit", sc_tor, "suspicious-source", True, "gcp"),
    ("new-user-agent", sc_new_ua, "new-user-agent", False, "azure"),
    ("new-source-ip", sc_new_ip, "new-source-ip", False, "gcp"),
    ("first-time-api", sc_first_api, "first-time-api", True, "aws"),
    ("cross-account-copy", sc_copy, "cross-account-copy", True, "aws"),
    ("slow-exfiltration", sc_slow_exfil, "read-volume", True, None),
    ("worked-example", sc_worked, "access-denied-cluster", True, "aws"),
    ("bucket-read-spike", sc_bucket_spike, "bucket-read-spike", False, "aws"),
]


def pick_victim(pool, cloud):
    """The first identity of the pool in that cloud (any cloud for a
    preference none is left for); None when the scenario cannot run."""
    for k, ident in enumerate(pool):
        if ident.get("cloud", "aws") == (cloud or "aws"):
            return pool.pop(k)
    if cloud == "aws" or not pool:
        return None
    return pool.pop(0)


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
        # Some identities live in GCP (r == 3) or Azure (r == 5, 7).
        cloud = "gcp" if r == 3 else "azure" if r in (5, 7) else "aws"
        if r in (0, 1, 2, 3):
            ident = make_ident("user%03d" % i, "office", rng.choice(office_ips),
                               GSUTIL_UA if r == 3 else rng.choice([BROWSER_UA, CLI_UA]),
                               buckets=("team-%d" % (i % 5),),
                               volume=rng.randrange(60, 200), cloud=cloud)
        elif r in (4, 5):
            ident = make_ident("analyst%03d" % i, "analyst", rng.choice(office_ips),
                               AZCOPY_UA if r == 5 else CLI_UA,
                               buckets=("research", "team-%d" % (i % 5)),
                               volume=rng.randrange(80, 250), cloud=cloud)
            ident["ip2"] = "192.0.2.%d" % (10 + i)   # home
        elif r in (6, 7):
            ident = make_ident("svc-app%03d" % i, "automation", "203.0.113.%d" % (40 + i % 50),
                               AZ_SDK_UA if r == 7 else rng.choice([GO_UA, JAVA_UA]),
                               buckets=("app-%d" % i,),
                               volume=rng.randrange(200, 600), cloud=cloud)
            if cloud == "aws" and rng.random() < 0.3:
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
    e = {"type": kind, "principal": ident["arn"], "start": iso(t0), "end": iso(t1),
         "cloud": ident.get("cloud", "aws")}
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
        for kind, fn, rule, inc, cloud in SCENARIOS:
            victim = pick_victim(pool, cloud)
            if not victim:
                continue
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
