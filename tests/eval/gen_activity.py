#!/usr/bin/env python3
"""Synthetic audit activity with ground truth, for gatewatch's detector.

    gen_activity.py worked OUTDIR             the worked example of the detector issue
    gen_activity.py eval OUTDIR [--identities N] [--days D] [--seed S]
    gen_activity.py bench OUTDIR [--identities N] [--days D]   (load, no truth)

Writes, gzip-compressed, one file per UTC day and cloud:
  OUTDIR/AWSLogs/<account>/CloudTrail/us-east-1/YYYY/MM/DD/*.json.gz (CloudTrail),
  OUTDIR/gcs/cloudaudit.googleapis.com/data_access/YYYY/MM/DD/*.json.gz (Cloud
  Audit Logs as a log sink writes them, JSON lines),
  OUTDIR/azure/insights-logs-storageread/.../PT1H.json.gz (StorageBlobLogs),
  OUTDIR/minio/YYYY-MM-DD.ndjson.gz (MinIO audit webhook records);
and OUTDIR/truth.json. The eval mode (eval_world.py: the organisation;
eval_scenarios.py: the attack table) also writes OUTDIR/intel/ (the threat
lists the scenarios are built against). The worked example and the bench
load write plain CloudTrail JSON.

Every identity calls the S3 names of the activity model (GetObject, ...);
each cloud's writer spells them as that cloud's logs do (tables below).
Only documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)
and 2001:db8::/32. Deterministic for a seed; standard library only.
"""
import datetime as dt
import gzip
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

# S3 calls of the activity model and their names in the other clouds' logs;
# a list is used round-robin (a copy is a rewrite or a copy on GCS, a Copy
# Blob or a Put Block From URL on Azure).
GCS_METHODS = {"GetObject": "storage.objects.get", "PutObject": "storage.objects.create",
               "ListObjects": "storage.objects.list", "HeadObject": "storage.objects.getMetadata",
               "GetBucketLocation": "storage.buckets.get",
               "CopyObject": ["storage.objects.rewrite", "storage.objects.copy"],
               "CreateBucket": "storage.buckets.create", "ListBuckets": "storage.buckets.list",
               "GetBucketPolicy": "storage.buckets.getIamPolicy",
               "PutBucketPolicy": "storage.buckets.setIamPolicy",
               "GetBucketAcl": "storage.bucketAccessControls.list",
               "DeleteObject": "storage.objects.delete",
               "ListHmacKeys": "storage.hmacKeys.list"}
AZ_OPS = {"GetObject": "GetBlob", "PutObject": "PutBlob", "ListObjects": "ListBlobs",
          "HeadObject": "GetBlobProperties", "GetBucketLocation": "GetContainerProperties",
          "CopyObject": ["CopyBlob", "PutBlockFromURL"], "CreateBucket": "CreateContainer",
          "ListBuckets": "ListContainers", "GetBucketPolicy": "GetContainerACL",
          "PutBucketPolicy": "SetContainerACL", "GetBucketAcl": "GetContainerACL",
          "DeleteObject": "DeleteBlob", "ListHmacKeys": "GetUserDelegationKey"}
MINIO_APIS = {"ListObjects": "ListObjectsV2", "ListHmacKeys": "ListServiceAccounts"}


def cloud_name(table, api, n):
    name = table[api]
    return name[n % len(name)] if isinstance(name, list) else name


def iso(t):
    # isoformat is several times faster than strftime; [:19] drops the
    # fraction and the offset (times are UTC).
    return t.isoformat()[:19] + "Z"


_QUOTED = {}


def quoted(text):
    """json.dumps(text), remembered: a few dozen user agents make up the logs."""
    q = _QUOTED.get(text)
    if q is None:
        q = _QUOTED[text] = json.dumps(text)
    return q


class Writer:
    """Collects records per UTC day and cloud; write() puts out one file per
    day and cloud (gzip unless plain=True)."""

    def __init__(self, outdir, plain=False):
        self.outdir = outdir
        self.plain = plain
        self.days = {}
        self.gcs = {}
        self.azure = {}
        self.minio = {}
        self.n = 0

    def add(self, ident, t, service, api, region=None, ip=None, ua=None, bucket=None,
            key=None, error=None, nbytes=None):
        cloud = ident.get("cloud", "aws")
        if cloud == "gcp":
            return self.add_gcs(ident, t, api, ip, ua, bucket, key, error)
        if cloud == "azure":
            return self.add_azure(ident, t, api, ip, ua, bucket, key, error, nbytes)
        if cloud == "minio":
            return self.add_minio(ident, t, api, ip, ua, bucket, key, error, nbytes)
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
            quoted(ua), ident["uid_json"], self.n, self.n, ACCOUNT, ",".join(extra))
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
            quoted(ua or ident["ua"]), cloud_name(GCS_METHODS, api, self.n), res,
            GCP_PROJECT, bucket, iso(t), "ERROR" if error else "INFO")
        self.gcs.setdefault(t.date(), []).append(rec)
        self.n += 1

    def add_azure(self, ident, t, api, ip, ua, bucket, key, error, nbytes):
        """A StorageBlobLogs resource-log record (storage calls only)."""
        op = cloud_name(AZ_OPS, api, self.n)
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
            "AuthorizationPermissionMismatch" if error else "Success",
            ("[%s]" % (ip or ident["ip"])) if ":" in (ip or ident["ip"]) else (ip or ident["ip"]),
            40000 + self.n % 20000, self.n, req, AZ_ACCOUNT, quoted(ua or ident["ua"]),
            AZ_ACCOUNT, bucket or "", "/" + key if key else "", nbytes or 0)
        self.azure.setdefault(t.date(), []).append(rec)
        self.n += 1

    def add_minio(self, ident, t, api, ip, ua, bucket, key, error, nbytes):
        """A MinIO audit record as the audit webhook posts it (2023+ shape)."""
        rec = ('{"version":"1","deploymentid":"5b1c2d3e-0000-4000-8000-000000000001",'
               '"time":"%s","event":"","trigger":"incoming","api":{"name":"%s","bucket":"%s",'
               '"object":"%s","status":"%s","statusCode":%d,"rx":0,"tx":%d,'
               '"timeToResponse":"2100000ns"},"remotehost":"%s","requestID":"M%016X",'
               '"userAgent":%s,"accessKey":"%s"}') % (
            iso(t), MINIO_APIS.get(api, api), bucket or "", key or "",
            "AccessDenied" if error else "OK", 403 if error else 200, nbytes or 0,
            ip or ident["ip"], self.n, quoted(ua or ident["ua"]), ident["arn"])
        self.minio.setdefault(t.date(), []).append(rec)
        self.n += 1

    def put(self, path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if self.plain:
            with open(path, "w") as f:
                f.write(text)
            return
        with open(path + ".gz", "wb") as f:
            f.write(gzip.compress(text.encode(), compresslevel=1, mtime=0))

    def write(self):
        out = self.outdir
        for day, recs in self.gcs.items():
            self.put(os.path.join(out, "gcs", "cloudaudit.googleapis.com", "data_access",
                                  day.strftime("%Y/%m/%d"), "00:00:00_23:59:59_S0.json"),
                     "\n".join(recs) + "\n")
        for day, recs in self.azure.items():
            self.put(os.path.join(out, "azure", "insights-logs-storageread", "resourceId=",
                                  day.strftime("y=%Y/m=%m/d=%d"), "PT1H.json"),
                     "\n".join(recs) + "\n")
        for day, recs in self.minio.items():
            self.put(os.path.join(out, "minio", day.strftime("%Y-%m-%d.ndjson")),
                     "\n".join(recs) + "\n")
        for day, recs in self.days.items():
            d = os.path.join(out, "AWSLogs", ACCOUNT, "CloudTrail", "us-east-1",
                             day.strftime("%Y/%m/%d"))
            name = "%s_CloudTrail_us-east-1_%sT0000Z_sim.json" % (ACCOUNT, day.strftime("%Y%m%d"))
            self.put(os.path.join(d, name), '{"Records":[' + ",\n".join(recs) + "]}\n")


USER_KINDS = ("office", "analyst", "worked", "oncall", "hire")


def make_ident(name, kind, ip, ua, region="us-east-1", buckets=("team-data",), key=None,
               volume=150, cloud="aws"):
    user = kind in USER_KINDS
    if cloud != "aws":
        # GCP: a user's email or a service account; Azure: a user's UPN or a
        # service principal's object id; MinIO: the access key (its users
        # are named by it).
        if cloud == "minio":
            who = "MK%018X" % zlib.crc32(name.encode())
        elif cloud == "gcp":
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


def sc_worked(w, rng, ident, day, n=100, ip=ATTACKER_IP):
    """About n calls (100) in one afternoon: a new IP, Boto3, the long-term key,
    four regions, SNS SMS (denied), Service Quotas and SES."""
    calls = [("sns", "GetSMSAttributes", "AccessDenied"),
             ("sns", "GetSMSSandboxAccountStatus", "AccessDenied"),
             ("servicequotas", "GetServiceQuota", None),
             ("ses", "GetAccount", None), ("ses", "GetSendQuota", None)]
    regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"]
    t0 = at(day, 14, 5)
    t = t0
    for i in range(n):
        svc, api, err = calls[i % len(calls)]
        w.add(ident, t, svc, api, region=regions[(i // 5) % 4], ip=ip, ua=BOTO3_UA,
              error=err)
        t += dt.timedelta(seconds=rng.randrange(20, 70))
    return t0, t


def truth_entry(kind, ident, t0, t1, rule=None, incident=False):
    e = {"type": kind, "principal": ident["arn"], "start": iso(t0), "end": iso(t1),
         "cloud": ident.get("cloud", "aws")}
    if rule:
        e.update({"rule": rule, "incident": incident})
    return e


def worked(outdir, seed=61):
    rng = random.Random(seed)
    w = Writer(outdir, plain=True)
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


def bench(outdir, n, days, seed):
    """Load for the detector benchmark: n identities, each a few calls a day
    from its own IP, every hour of the day busy."""
    rng = random.Random(seed)
    w = Writer(outdir, plain=True)
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
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import eval_world
        truth = eval_world.evaluate(out, opts["--identities"], opts["--days"], opts["--seed"])
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    print("%d events, %d identities, %d days" % (truth["events"], truth["identities"],
                                                  truth["days"]))


if __name__ == "__main__":
    main(sys.argv)
