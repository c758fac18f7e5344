#!/usr/bin/env python3
"""Generate the bundled CloudTrail demo sample (tests/data/demo-cloudtrail/).

One day (2026-11-24, UTC) of account 123456789012 in the S3 delivery layout
(AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/..json.gz), plus one digest
file. A normal day of a few principals, and ONE bulk download: IAM user
svc-reporting, with a long-term AKIA key, reads 240 objects of bucket
finance-reports in about 25 minutes from 02:10 UTC, from 203.0.113.45 with
the AWS CLI. `gatewatch analyze` must report exactly one bulk-download
finding for it.

Deterministic: a fixed seed, gzip mtime 0; re-running rewrites the same bytes.
Only documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).

    python3 tests/data/gen_cloudtrail_demo.py [OUTDIR]
"""
import datetime as dt
import gzip
import json
import os
import random
import shutil
import sys
import uuid

ACCOUNT = "123456789012"
REGION = "us-east-1"
DAY = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)
RNG = random.Random(20261124)

CLI_UA = ("[aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/linux#6.1.0-27-amd64 md/arch#x86_64 "
          "lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe "
          "md/prompt#off md/command#s3.cp]")
CONSOLE_UA = ("[Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0]")
SDK_UA = "[aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2]"

ALICE = {
    "type": "IAMUser", "principalId": "AIDAEXAMPLEALICE0001",
    "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "accountId": ACCOUNT,
    "accessKeyId": "ASIAEXAMPLEALICE0001", "userName": "alice",
    "sessionContext": {"attributes": {"creationDate": "2026-11-24T08:55:02Z",
                                      "mfaAuthenticated": "true"}},
}
BACKUP = {
    "type": "AssumedRole", "principalId": "AROAEXAMPLEBACKUP001:nightly-backup",
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/backup-role/nightly-backup",
    "accountId": ACCOUNT, "accessKeyId": "ASIAEXAMPLEBACKUP001",
    "sessionContext": {
        "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEBACKUP001",
                          "arn": f"arn:aws:iam::{ACCOUNT}:role/backup-role",
                          "accountId": ACCOUNT, "userName": "backup-role"},
        "attributes": {"creationDate": "2026-11-24T00:59:40Z", "mfaAuthenticated": "false"},
    },
}
SVC = {
    "type": "IAMUser", "principalId": "AIDAEXAMPLESVCREP001",
    "arn": f"arn:aws:iam::{ACCOUNT}:user/svc-reporting", "accountId": ACCOUNT,
    "accessKeyId": "AKIAEXAMPLESVCREP001", "userName": "svc-reporting",
}
CT_SERVICE = {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}

OBJECT_API = {"GetObject", "PutObject", "HeadObject", "DeleteObject"}


def rid():
    return "".join(RNG.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(16))


def eid():
    return str(uuid.UUID(int=RNG.getrandbits(128), version=4))


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def record(t, who, ip, ua, api, bucket, key=None, size=0, error=None):
    host = f"{bucket}.s3.{REGION}.amazonaws.com"
    req = {"bucketName": bucket, "Host": host}
    resources = []
    if key is not None:
        req["key"] = key
        resources.append({"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"})
    elif api.startswith("List"):
        req.update({"list-type": "2", "prefix": "", "encoding-type": "url"})
    resources.append({"accountId": ACCOUNT, "type": "AWS::S3::Bucket",
                      "ARN": f"arn:aws:s3:::{bucket}"})
    read = api.startswith(("Get", "List", "Head"))
    rec = {
        "eventVersion": "1.10",
        "userIdentity": who,
        "eventTime": iso(t),
        "eventSource": "s3.amazonaws.com",
        "eventName": api,
        "awsRegion": REGION,
        "sourceIPAddress": ip,
        "userAgent": ua,
        "requestParameters": req,
        "responseElements": None,
        "additionalEventData": {
            "SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": size if api == "PutObject" else 0,
            "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": "".join(RNG.choice("abcdefghijklmnopqrstuvwxyz0123456789+/")
                                  for _ in range(76)),
            "bytesTransferredOut": size if api == "GetObject" else 0,
        },
        "requestID": rid(),
        "eventID": eid(),
        "readOnly": read,
        "resources": resources,
        "eventType": "AwsApiCall",
        "managementEvent": api not in OBJECT_API and not api.startswith("List"),
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Data" if api in OBJECT_API or api.startswith("List") else "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": host},
    }
    if who is CT_SERVICE:
        rec["userIdentity"] = dict(CT_SERVICE)
        rec["sourceIPAddress"] = "cloudtrail.amazonaws.com"
        rec["userAgent"] = "cloudtrail.amazonaws.com"
    if error:
        rec["errorCode"] = error
        rec["errorMessage"] = "Access Denied"
    return rec


def at(h, m, s=0):
    return DAY + dt.timedelta(hours=h, minutes=m, seconds=s)


def normal_day():
    ev = []
    # The nightly backup job writes archives and checks what is there.
    ev.append(record(at(1, 0, 12), BACKUP, "192.0.2.10", SDK_UA, "ListObjectsV2", "backups"))
    for i in range(30):
        ev.append(record(at(1, 0, 30 + i * 40), BACKUP, "192.0.2.10", SDK_UA, "PutObject",
                         "backups", f"nightly/2026-11-24/part-{i:04d}.tar.zst",
                         RNG.randint(50_000_000, 200_000_000)))
    for i in range(10):
        ev.append(record(at(1, 25, i * 20), BACKUP, "192.0.2.10", SDK_UA, "GetObject",
                         "backups", f"nightly/2026-11-24/part-{i:04d}.tar.zst", 4096))
    # alice works on team documents during the day.
    alice = [
        (9, 2, "ListObjects", None), (9, 3, "GetObject", "design/roadmap-2027.docx"),
        (9, 15, "GetObject", "design/architecture.pdf"), (10, 40, "PutObject", "design/roadmap-2027.docx"),
        (11, 5, "GetObjectAcl", "design/roadmap-2027.docx"), (13, 30, "ListObjects", None),
        (13, 31, "GetObject", "minutes/2026-11-23.md"), (14, 2, "PutObject", "minutes/2026-11-24.md"),
        (15, 45, "GetObject", "budget/2027-draft.xlsx"), (16, 10, "ListObjects", None),
        (16, 12, "GetObject", "minutes/2026-11-24.md"), (16, 50, "PutObject", "design/notes.txt"),
    ]
    for h, m, api, key in alice:
        ev.append(record(at(h, m, RNG.randint(0, 59)), ALICE, "198.51.100.23", CONSOLE_UA, api,
                         "team-docs", key, RNG.randint(10_000, 2_000_000)))
    ev.append(record(at(12, 0, 3), ALICE, "198.51.100.23", CONSOLE_UA, "GetObject",
                     "finance-reports", "reports/2026/q3/summary.pdf", 120_000, "AccessDenied"))
    # CloudTrail checks its own delivery bucket.
    ev.append(record(at(0, 0, 41), CT_SERVICE, "", "", "GetBucketAcl", "org-cloudtrail-logs"))
    # svc-reporting's usual job: a few report reads in the morning.
    for i in range(5):
        ev.append(record(at(6, 0, 5 + i * 9), SVC, "203.0.113.45", CLI_UA, "GetObject",
                         "finance-reports", f"reports/2026/q3/daily-{i + 1:02d}.csv", 52_000))
    return ev


def bulk_download():
    ev = [record(at(2, 9, 31), SVC, "203.0.113.45", CLI_UA, "ListObjectsV2", "finance-reports")]
    for i in range(240):
        # 240 reads in 25 minutes: one every 6.25 s.
        t = at(2, 10) + dt.timedelta(milliseconds=6250 * i)
        ev.append(record(t, SVC, "203.0.113.45", CLI_UA, "GetObject", "finance-reports",
                         f"reports/2026/q{i % 4 + 1}/invoice-{i + 1:05d}.pdf",
                         RNG.randint(80_000, 900_000)))
    return ev


def gz(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = json.dumps(obj, separators=(",", ":")).encode()
    with open(path, "wb") as f:
        f.write(gzip.compress(data, compresslevel=9, mtime=0))


def suffix():
    return "".join(RNG.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                   for _ in range(16))


def write(out):
    events = normal_day() + bulk_download()
    slots = {}
    for e in events:
        t = dt.datetime.strptime(e["eventTime"], "%Y-%m-%dT%H:%M:%SZ")
        # Quarter-hour files while the burst runs, six-hour files otherwise.
        minutes = t.hour * 60 + (t.minute // 15 * 15 + 15 if t.hour == 2 else 0)
        slot = minutes if t.hour == 2 else (t.hour // 6 * 6 + 6) * 60
        slots.setdefault(slot, []).append(e)
    base = os.path.join(out, "AWSLogs", ACCOUNT, "CloudTrail", REGION, "2026", "11", "24")
    for slot, recs in sorted(slots.items()):
        RNG.shuffle(recs)  # CloudTrail does not order records inside a file
        end = DAY + dt.timedelta(minutes=slot)
        name = f"{ACCOUNT}_CloudTrail_{REGION}_{end.strftime('%Y%m%dT%H%MZ')}_{suffix()}.json.gz"
        gz(os.path.join(base, name), {"Records": recs})
    digest = {
        "awsAccountId": ACCOUNT, "digestStartTime": "2026-11-24T02:00:00Z",
        "digestEndTime": "2026-11-24T03:00:00Z", "digestS3Bucket": "org-cloudtrail-logs",
        "digestS3Object": f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/{REGION}/2026/11/24/"
                          f"{ACCOUNT}_CloudTrail-Digest_{REGION}_org-trail_{REGION}_20261124T030000Z.json.gz",
        "digestPublicKeyFingerprint": "0123456789abcdef0123456789abcdef",
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": "2026-11-24T02:35:00Z", "oldestEventTime": "2026-11-24T02:09:31Z",
        "previousDigestS3Bucket": None, "previousDigestS3Object": None,
        "previousDigestHashValue": None, "previousDigestHashAlgorithm": None,
        "previousDigestSignature": None, "logFiles": [],
    }
    gz(os.path.join(out, "AWSLogs", ACCOUNT, "CloudTrail-Digest", REGION, "2026", "11", "24",
                    f"{ACCOUNT}_CloudTrail-Digest_{REGION}_org-trail_{REGION}_20261124T030000Z.json.gz"),
       digest)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "demo-cloudtrail")
    if os.path.isdir(os.path.join(out, "AWSLogs")):
        shutil.rmtree(os.path.join(out, "AWSLogs"))
    write(out)


if __name__ == "__main__":
    main()
