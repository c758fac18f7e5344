#!/usr/bin/env python3
"""Write the cold-start detection scenarios of tests/data/coldstart.

    make_scenarios.py [OUTDIR]   (default: the directory of this script)

Each scenario is a directory of audit logs in a cloud's documented format
(CloudTrail records, S3 server access log lines, GCS Cloud Audit Log
entries, Azure StorageBlobLogs JSON lines), written from the providers'
request shapes and from public descriptions of the attacks:

  ec2-stolen-session    GuardDuty UnauthorizedAccess:IAMUser/
                        InstanceCredentialExfiltration.OutsideAWS: an EC2
                        instance profile session, used for days by its
                        instance, is replayed from an outside address that
                        lists every bucket and downloads from one.
  ec2-proxy-theft       a role session stolen through an SSRF proxy (as in
                        the 2019 Capital One breach write-up): never seen
                        before, it lists the buckets, then downloads.
  root-takeover         a compromised root account (the pattern of public
                        incident reports): failed console sign-ins, a
                        success from a new address, a new IAM user and its
                        access key, and that user reading the customer data.
  sas-passwords         an Azure SAS token, new to the account, reads
                        passwords.txt (Azure's documented SAS log shape).
  public-bucket-writes  internet scanners write into a bucket left public:
                        anonymous PUTs (S3 access log) and PUTs signed by
                        principals of foreign accounts (CloudTrail).
  gcs-anonymous-read    allUsers reads of a GCS bucket (no principal).
  new-principal-denied  a new access key's first calls are one denied
                        GetObject of a private key file.

and their benign twins, which must stay quiet:

  ci-twin               a new CI role session lists then reads its usual
                        bucket in business hours from inside AWS's ranges.
  website-twin          a public website bucket read anonymously by
                        design (allowed by [detect] public_buckets).
  partner-twin          a partner account with a documented grant reads
                        the exchange bucket (allowed by partner_accounts).
  sas-twin              a SAS token the application has used for weeks
                        reads its usual blobs from its usual address.
"""
import datetime as dt
import gzip
import json
import os
import sys
import uuid

OWN = "111122223333"
PARTNER = "444455556666"
SCANNER = "999988887777"
T0 = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)     # a Monday
AWS_IP = "52.94.133.10"          # inside the AWS ranges of intel/aws-ip-ranges.json
CI_IP = "52.94.133.20"
OFFICE_IP = "198.51.100.10"
ATTACKER = "203.0.113.50"
ATTACKER2 = "203.0.113.66"
PROXY_ATTACKER = "198.51.100.77"
seq = [0]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def uid():
    seq[0] += 1
    return str(uuid.UUID(int=seq[0] * 7919 + 12345))


def at(day, hour, minute=0, second=0):
    return T0 + dt.timedelta(days=day, hours=hour, minutes=minute, seconds=second)


def ct(t, identity, name, ip, ua, source="s3.amazonaws.com", req=None, resp=None,
       error=None, data=None, extra=None):
    r = {"eventVersion": "1.09", "userIdentity": identity, "eventTime": iso(t),
         "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
         "sourceIPAddress": ip, "userAgent": ua, "requestParameters": req,
         "responseElements": resp, "requestID": uid()[:16].upper(), "eventID": uid(),
         "readOnly": name.startswith(("Get", "List", "Head")),
         "eventType": "AwsApiCall", "managementEvent": not data,
         "recipientAccountId": OWN, "eventCategory": "Data" if data else "Management"}
    if error:
        r["errorCode"], r["errorMessage"] = error, "Access Denied"
    if extra:
        r["additionalEventData"] = extra
    return r


def s3req(bucket, key=None):
    r = {"bucketName": bucket, "Host": bucket + ".s3.us-east-1.amazonaws.com"}
    if key:
        r["key"] = key
    return r


def role_session(role, session, key="ASIAEXAMPLESESSION01"):
    return {"type": "AssumedRole", "principalId": "AROAEXAMPLEROLEID:" + session,
            "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (OWN, role, session),
            "accountId": OWN, "accessKeyId": key,
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "principalId": "AROAEXAMPLEROLEID",
                "arn": "arn:aws:iam::%s:role/%s" % (OWN, role), "accountId": OWN,
                "userName": role},
                "attributes": {"creationDate": "2026-03-01T00:00:00Z",
                               "mfaAuthenticated": "false"},
                "ec2RoleDelivery": "2.0"}}


def iam_user(name, key, account=OWN):
    return {"type": "IAMUser", "principalId": "AIDAEXAMPLE" + name.upper()[:8],
            "arn": "arn:aws:iam::%s:user/%s" % (account, name), "accountId": account,
            "accessKeyId": key, "userName": name}


ROOT = {"type": "Root", "principalId": OWN, "arn": "arn:aws:iam::%s:root" % OWN,
        "accountId": OWN}


def get(t, who, ip, ua, bucket, key, size=20480):
    return ct(t, who, "GetObject", ip, ua, req=s3req(bucket, key), data=True,
              extra={"bytesTransferredIn": 0, "bytesTransferredOut": size})


def list_objects(t, who, ip, ua, bucket):
    return ct(t, who, "ListObjectsV2", ip, ua, req=s3req(bucket), data=True)


def list_buckets(t, who, ip, ua):
    return ct(t, who, "ListBuckets", ip, ua, req={"Host": "s3.amazonaws.com"})


IDENTITY_DAYS = {}


def count_days(name, pairs):
    """Distinct (principal, UTC day) pairs of a scenario, for the false-
    positive rate per 1,000 identity-days."""
    IDENTITY_DAYS.setdefault(name, set()).update(pairs)


def write_ct(out, name, records, gz=False):
    """One CloudTrail file; a long history is gzipped, as CloudTrail
    delivers it (mtime 0: the same bytes on every run)."""
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    records.sort(key=lambda r: r["eventTime"])
    count_days(name, ((r["userIdentity"].get("arn") or r["userIdentity"].get("principalId"),
                       r["eventTime"][:10]) for r in records))
    if gz:
        with open(os.path.join(d, "cloudtrail.json.gz"), "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
                f.write(json.dumps({"Records": records}).encode() + b"\n")
        return
    with open(os.path.join(d, "cloudtrail.json"), "w") as f:
        json.dump({"Records": records}, f, indent=1)
        f.write("\n")


SDK_JAVA = "aws-sdk-java/2.25.6 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11"
CLI_KALI = "aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off command/s3.cp"
CLI = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-18-amd64 exe/x86_64.debian.12 prompt/off command/s3.ls"
BOTO = "Boto3/1.34.60 md/Botocore#1.34.60 ua/2.0 os/linux#5.15.0 md/arch#x86_64 lang/python#3.11.8"


def app_history(days=4):
    """An IAM user of the application, for the account's own history."""
    app = iam_user("app-reporting", "AKIAEXAMPLEAPP00001")
    recs = []
    for day in range(days):
        for hour in (9, 13, 16):
            recs.append(list_objects(at(day, hour, 2), app, OFFICE_IP, BOTO, "reports"))
            for i in range(3):
                recs.append(get(at(day, hour, 3, i), app, OFFICE_IP, BOTO, "reports",
                                "daily/%02d/part-%d.parquet" % (day, i)))
    return recs


def ec2_stolen_session(out):
    sess = role_session("web-ec2-role", "i-0a1b2c3d4e5f60718")
    recs = app_history()
    for day in range(3):
        for hour in range(0, 24, 3):
            recs.append(get(at(day, hour, 11), sess, AWS_IP, SDK_JAVA, "app-assets",
                            "config/site.json", 2048))
    # day 3, 10:00: the same session from outside AWS
    recs.append(get(at(3, 9, 11), sess, AWS_IP, SDK_JAVA, "app-assets", "config/site.json", 2048))
    recs.append(list_buckets(at(3, 10, 0, 5), sess, ATTACKER, CLI_KALI))
    recs.append(list_objects(at(3, 10, 0, 40), sess, ATTACKER, CLI_KALI, "customer-data"))
    for i in range(3):
        recs.append(get(at(3, 10, 1, i * 7), sess, ATTACKER, CLI_KALI, "customer-data",
                        "export/customers-%d.csv" % i, 9 << 20))
    write_ct(out, "ec2-stolen-session", recs)


def ec2_proxy_theft(out):
    """Only the attacker's calls, as a short recorded attack holds them."""
    sess = role_session("ec2-proxy-role", "i-0fedcba9876543210")
    recs = [list_buckets(at(0, 14, 20, 1), sess, PROXY_ATTACKER, CLI),
            list_objects(at(0, 14, 20, 30), sess, PROXY_ATTACKER, CLI, "prod-backups")]
    for i in range(2):
        recs.append(get(at(0, 14, 21, i * 9), sess, PROXY_ATTACKER, CLI, "prod-backups",
                        "db/dump-2026-03-0%d.sql.gz" % (i + 1), 50 << 20))
    write_ct(out, "ec2-proxy-theft", recs)


def ci_twin(out):
    recs = app_history(6)
    for day in range(6):
        sess = role_session("ci-deploy", "gh-run-%d" % (4100 + day), "ASIAEXAMPLECI%07d" % day)
        t = at(day, 10 + day % 3, 5)
        recs.append(list_objects(t, sess, CI_IP, BOTO, "build-artifacts"))
        for i in range(5):
            recs.append(get(t + dt.timedelta(seconds=20 + i * 5), sess, CI_IP, BOTO,
                            "build-artifacts", "main/%d/app-%d.tar.gz" % (4100 + day, i), 1 << 20))
    write_ct(out, "ci-twin", recs)


def root_takeover(out):
    recs = app_history()
    login = lambda t, ok: ct(t, ROOT, "ConsoleLogin", ATTACKER2,
                             "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
                             source="signin.amazonaws.com", req=None,
                             resp={"ConsoleLogin": "Success" if ok else "Failure"},
                             extra={"LoginTo": "https://console.aws.amazon.com/console/home",
                                    "MobileVersion": "No", "MFAUsed": "No"})
    for i in range(3):
        r = login(at(3, 2, 10, i * 20), False)
        r["errorMessage"] = "Failed authentication"
        recs.append(r)
    recs.append(login(at(3, 2, 11, 30), True))
    created = "arn:aws:iam::%s:user/svc-backup" % OWN
    recs.append(ct(at(3, 2, 14), ROOT, "CreateUser", ATTACKER2, "AWS Internal",
                   source="iam.amazonaws.com", req={"userName": "svc-backup"},
                   resp={"user": {"path": "/", "userName": "svc-backup", "userId": "AIDAEXAMPLESVCBACKUP",
                                  "arn": created, "createDate": "Mar 5, 2026 2:14:00 AM"}}))
    recs.append(ct(at(3, 2, 15), ROOT, "CreateAccessKey", ATTACKER2, "AWS Internal",
                   source="iam.amazonaws.com", req={"userName": "svc-backup"},
                   resp={"accessKey": {"userName": "svc-backup", "accessKeyId": "AKIAEXAMPLENEWKEY001",
                                       "status": "Active", "createDate": "Mar 5, 2026 2:15:00 AM"}}))
    user = iam_user("svc-backup", "AKIAEXAMPLENEWKEY001")
    recs.append(list_buckets(at(3, 2, 40), user, ATTACKER2, CLI))
    recs.append(list_objects(at(3, 2, 41), user, ATTACKER2, CLI, "customer-data"))
    for i in range(4):
        recs.append(get(at(3, 2, 42, i * 10), user, ATTACKER2, CLI, "customer-data",
                        "crm/accounts-%d.csv" % i, 4 << 20))
    write_ct(out, "root-takeover", recs)


def public_bucket_writes(out):
    d = os.path.join(out, "public-bucket-writes")
    os.makedirs(d, exist_ok=True)
    owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    lines = []
    for i, ip in enumerate(["192.0.2.15", "192.0.2.77", "203.0.113.201"]):
        t = at(2, 3 + i, 17, i)
        lines.append('%s media-uploads [%s] %s - %s REST.PUT.OBJECT probe-%d.html '
                     '"PUT /media-uploads/probe-%d.html HTTP/1.1" 200 - - 1044 31 - "-" '
                     '"python-requests/2.31.0" - %s SigV4 - - media-uploads.s3.amazonaws.com TLSv1.3 - -'
                     % (owner, t.strftime("%d/%b/%Y:%H:%M:%S +0000"), ip, uid()[:16].upper(), i, i,
                        uid().replace("-", "")[:32]))
    with open(os.path.join(d, "s3-access.log"), "w") as f:
        f.write("\n".join(lines) + "\n")
    count_days("public-bucket-writes", (("anonymous", l.split("[")[1][:11]) for l in lines))
    scanner = {"type": "AWSAccount", "principalId": "AIDAEXAMPLESCANNER01", "accountId": SCANNER}
    recs = app_history()
    for i in range(3):
        recs.append(ct(at(2, 4, 30, i * 3), scanner, "PutObject", "192.0.2.99", "python-requests/2.31.0",
                       req=s3req("media-uploads", "scan/poc-%d.txt" % i), data=True,
                       extra={"bytesTransferredIn": 31, "bytesTransferredOut": 0}))
    write_ct(out, "public-bucket-writes", recs)


def website_twin(out):
    d = os.path.join(out, "website-twin")
    os.makedirs(d, exist_ok=True)
    owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    lines = []
    for day in range(3):
        for i in range(40):
            t = at(day, (i * 7) % 24, i % 60, i % 50)
            ip = "198.51.100.%d" % (20 + i % 200) if i % 2 else "192.0.2.%d" % (1 + i % 250)
            key = ["index.html", "css/site.css", "img/logo.png"][i % 3]
            lines.append('%s www-example-site [%s] %s - %s WEBSITE.GET.OBJECT %s '
                         '"GET /%s HTTP/1.1" 200 - 5120 5120 12 11 "https://www.example.com/" '
                         '"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 Safari/605.1.15" '
                         '- - - - - www-example-site.s3-website-us-east-1.amazonaws.com - - -'
                         % (owner, t.strftime("%d/%b/%Y:%H:%M:%S +0000"), ip, uid()[:16].upper(),
                            key, key))
    lines.sort(key=lambda l: dt.datetime.strptime(l.split("[")[1].split("]")[0], "%d/%b/%Y:%H:%M:%S %z"))
    with open(os.path.join(d, "s3-access.log"), "w") as f:
        f.write("\n".join(lines) + "\n")
    count_days("website-twin", (("anonymous", l.split("[")[1][:11]) for l in lines))
    with open(os.path.join(out, "website-twin.conf"), "w") as f:
        f.write("[detect]\npublic_buckets = www-example-site\n")


def partner_twin(out):
    partner = {"type": "AWSAccount", "principalId": "AIDAEXAMPLEPARTNER01", "accountId": PARTNER}
    recs = app_history()
    for day in range(4):
        t = at(day, 11, 30)
        recs.append(list_objects(t, partner, "198.51.100.200", BOTO, "partner-exchange"))
        for i in range(3):
            recs.append(get(t + dt.timedelta(seconds=10 + i), partner, "198.51.100.200", BOTO,
                            "partner-exchange", "outbound/%d/orders-%d.csv" % (day, i)))
    write_ct(out, "partner-twin", recs)
    with open(os.path.join(out, "partner-twin.conf"), "w") as f:
        f.write("[detect]\nown_accounts = %s\npartner_accounts = %s\n" % (OWN, PARTNER))


def azure_rec(t, op, identity, ip, key, status=200, ua="azsdk-python-storage-blob/12.19.0 Python/3.11.8 (Linux)"):
    acct = "contosodata"
    return {"time": t.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
            "resourceId": "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-data/"
                          "providers/Microsoft.Storage/storageAccounts/%s/blobServices/default" % acct,
            "category": "StorageRead", "operationName": op, "operationVersion": "2021-08-06",
            "schemaVersion": "1.0", "statusCode": status,
            "statusText": "Success" if status < 400 else "AuthorizationFailure",
            "durationMs": 12, "callerIpAddress": ip + ":51234", "correlationId": uid(),
            "identity": identity, "location": "westeurope",
            "properties": {"accountName": acct, "userAgentHeader": ua, "serviceType": "blob",
                           "objectKey": "/%s/%s" % (acct, key), "responseBodySize": 2048},
            "uri": "https://%s.blob.core.windows.net/%s" % (acct, key), "protocol": "HTTPS",
            "resourceType": "Microsoft.Storage/storageAccounts/blobServices"}


def write_azure(out, name, recs):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    recs.sort(key=lambda r: r["time"])
    count_days(name, ((r["identity"].get("tokenHash"), r["time"][:10]) for r in recs))
    with open(os.path.join(d, "storagebloblogs.json"), "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


KEY_ID = {"type": "AccountKey", "tokenHash": "key1(0F6A1E2D3C4B5A69788796A5B4C3D2E1F00112233445566778899AABBCCDDEEF)"}
APP_SAS = {"type": "SAS", "tokenHash": "key1(0F6A1E2D3C4B5A69788796A5B4C3D2E1F00112233445566778899AABBCCDDEEF),"
                                      "SasSignature(5D2C1B0A99887766554433221100FFEEDDCCBBAA99887766554433221100FFEE)"}


def azure_history():
    recs = []
    for day in range(4):
        for hour in (9, 14):
            recs.append(azure_rec(at(day, hour, 1), "ListBlobs", KEY_ID, "20.50.2.10", "reports"))
            recs.append(azure_rec(at(day, hour, 2), "GetBlob", KEY_ID, "20.50.2.10",
                                  "reports/day-%d.csv" % day))
    return recs


def sas_passwords(out):
    sas = {"type": "SAS", "tokenHash": "key1(0F6A1E2D3C4B5A69788796A5B4C3D2E1F00112233445566778899AABBCCDDEEF),"
                                       "SasSignature(A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90)"}
    recs = azure_history()
    recs.append(azure_rec(at(3, 22, 40), "ListBlobs", sas, ATTACKER, "it-share",
                          ua="Microsoft Azure Storage Explorer, 1.33.0, win32, azcopy-node, 2.0.0"))
    recs.append(azure_rec(at(3, 22, 41), "GetBlob", sas, ATTACKER, "it-share/passwords.txt",
                          ua="Microsoft Azure Storage Explorer, 1.33.0, win32, azcopy-node, 2.0.0"))
    write_azure(out, "sas-passwords", recs)


def sas_twin(out):
    recs = azure_history()
    for day in range(20):
        for hour in (10, 15):
            recs.append(azure_rec(at(day, hour, 5), "GetBlob", APP_SAS, "20.50.2.11",
                                  "exports/summary-%d.json" % day))
    write_azure(out, "sas-twin", recs)


def gcs_anonymous_read(out):
    d = os.path.join(out, "gcs-anonymous-read")
    os.makedirs(d, exist_ok=True)
    recs = []
    for i in range(4):
        t = at(1, 20, 5 + i)
        recs.append({
            "protoPayload": {
                "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                "status": {}, "authenticationInfo": {},
                "requestMetadata": {"callerIp": "203.0.113.%d" % (90 + i),
                                    "callerSuppliedUserAgent": "curl/8.5.0,gzip(gfe)",
                                    "requestAttributes": {"time": iso(t), "auth": {}},
                                    "destinationAttributes": {}},
                "serviceName": "storage.googleapis.com", "methodName": "storage.objects.get",
                "authorizationInfo": [{"resource": "projects/_/buckets/hr-exports/objects/payroll-%d.csv" % i,
                                       "permission": "storage.objects.get", "granted": True,
                                       "resourceAttributes": {}}],
                "resourceName": "projects/_/buckets/hr-exports/objects/payroll-%d.csv" % i,
                "resourceLocation": {"currentLocations": ["us-central1"]}},
            "insertId": "anon%04d" % i,
            "resource": {"type": "gcs_bucket", "labels": {"project_id": "acme-prod", "location": "us-central1",
                                                           "bucket_name": "hr-exports"}},
            "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.123456Z"), "severity": "INFO",
            "logName": "projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access",
            "receiveTimestamp": t.strftime("%Y-%m-%dT%H:%M:%S.456789Z")})
    count_days("gcs-anonymous-read", (("anonymous", r["timestamp"][:10]) for r in recs))
    with open(os.path.join(d, "gcs-audit.json"), "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


def new_principal_denied(out):
    recs = app_history()
    who = iam_user("temp-contractor", "AKIAEXAMPLECONTR0001")
    recs.append(get(at(3, 23, 5), who, ATTACKER, CLI, "infra-secrets", "ssh/deploy_id_rsa"))
    recs[-1]["errorCode"], recs[-1]["errorMessage"] = "AccessDenied", "Access Denied"
    # another new key's first call: make a bucket public, through a VPC endpoint policy
    probe = iam_user("build-bot-2", "AKIAEXAMPLEBUILD0002")
    recs.append(ct(at(3, 15, 30), probe, "PutBucketPolicy", "10.20.3.4", CLI,
                   req={"bucketName": "reports", "policy": "", "Host": "s3.amazonaws.com"},
                   error="VpceAccessDenied"))
    write_ct(out, "new-principal-denied", recs)


def analysts_history(days=16):
    """Three IAM users of the analytics team with a baseline of their own:
    a few dozen report reads in office hours, weekdays and weekends alike
    (T0 is a Monday; the users are established after 14 active days)."""
    recs = []
    for n, name in enumerate(("ana", "bo", "cy")):
        who = iam_user(name, "AKIAEXAMPLEANALYST%02d" % n)
        for day in range(days):
            for i in range(30 + 4 * n):
                recs.append(get(at(day, 9 + (i % 8), 5 + n, i), who, OFFICE_IP, BOTO, "reports",
                                "daily/%02d/%s-part-%03d.parquet" % (day, name, i)))
    return recs


def new_user_night_volume(out):
    """A user created for a contractor, first seen on day 17, reads the
    reports bucket through the night: 90 objects an hour from 01:00 to 05:00
    UTC, under the bulk-download rate, ten times the busiest day of the
    established users of its kind and at hours none of them works (the shape
    of GuardDuty's Exfiltration:S3/AnomalousBehavior for a principal with no
    history of its own: judged against its peers)."""
    recs = analysts_history()
    who = iam_user("contractor-tmp", "AKIAEXAMPLECONTR0009")
    for hour in range(1, 5):
        for i in range(90):
            recs.append(get(at(17, hour, 0, i * 39), who, ATTACKER, BOTO, "reports",
                            "daily/%02d/export-%03d.parquet" % (hour, i)))
    write_ct(out, "new-user-night-volume", recs, gz=True)


def new_user_peer_twin(out):
    """Its twin: a new analyst's first day reads what the others read, in
    office hours, from the office."""
    recs = analysts_history()
    who = iam_user("dee", "AKIAEXAMPLEANALYST09")
    for i in range(35):
        recs.append(get(at(17, 9 + (i % 8), 20, i), who, OFFICE_IP, BOTO, "reports",
                        "daily/16/dee-part-%03d.parquet" % i))
    write_ct(out, "new-user-peer-twin", recs, gz=True)


ORG = "organizations/123456789012"


def gcp_rec(t, who, method, resource, ip, service="storage.googleapis.com", extra=None,
            rtype="gcs_bucket", labels=None, log="data_access"):
    """A Cloud Audit Log entry as the documented AuditLog payload."""
    pp = {"@type": "type.googleapis.com/google.cloud.audit.AuditLog", "status": {},
          "authenticationInfo": {"principalEmail": who},
          "requestMetadata": {"callerIp": ip,
                              "callerSuppliedUserAgent": "google-cloud-sdk gcloud/467.0.0 command/gcloud",
                              "requestAttributes": {"time": iso(t), "auth": {}},
                              "destinationAttributes": {}},
          "serviceName": service, "methodName": method,
          "authorizationInfo": [{"resource": resource, "permission": method, "granted": True,
                                 "resourceAttributes": {}}],
          "resourceName": resource}
    pp.update(extra or {})
    parent = ORG if rtype == "organization" else "projects/acme-prod"
    return {"protoPayload": pp, "insertId": uid()[:12],
            "resource": {"type": rtype, "labels": labels or {"project_id": "acme-prod",
                                                            "bucket_name": resource.split("/")[3]
                                                            if resource.startswith("projects/_/buckets/")
                                                            else ""}},
            "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S.123456Z"), "severity": "NOTICE",
            "logName": "%s/logs/cloudaudit.googleapis.com%%2F%s" % (parent, log),
            "receiveTimestamp": t.strftime("%Y-%m-%dT%H:%M:%S.456789Z")}


def iam_grant(t, who, resource, role, member, rtype):
    """SetIamPolicy adding one binding: request and serviceData.policyDelta
    as Cloud Resource Manager logs them."""
    extra = {"request": {"@type": "type.googleapis.com/google.iam.v1.SetIamPolicyRequest",
                         "resource": resource,
                         "policy": {"bindings": [{"role": role, "members": [member]}],
                                    "etag": "BwYUjvZk1Lw="}},
             "serviceData": {"@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
                             "policyDelta": {"bindingDeltas": [{"action": "ADD", "role": role,
                                                                "member": member}]}},
             "response": {"@type": "type.googleapis.com/google.iam.v1.Policy",
                          "bindings": [{"role": role, "members": [member]}]}}
    labels = {"organization_id": "123456789012"} if rtype == "organization" else {"project_id": "acme-prod"}
    return gcp_rec(t, who, "SetIamPolicy", resource, OFFICE_IP, "cloudresourcemanager.googleapis.com",
                   extra, rtype, labels, "activity")


def write_gcp(out, name, recs):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    count_days(name, ((r["protoPayload"]["authenticationInfo"]["principalEmail"], r["timestamp"][:10])
                      for r in recs))
    with open(os.path.join(d, "gcp-audit.json"), "w") as f:
        for r in sorted(recs, key=lambda r: r["timestamp"]):
            f.write(json.dumps(r) + "\n")


def gcp_history():
    """The platform admin's ordinary days: reading the reports bucket."""
    return [gcp_rec(at(day, 10, i), "platform-admin@acme.example", "storage.objects.get",
                    "projects/_/buckets/reports/objects/daily/%02d/part-%d.csv" % (day, i), OFFICE_IP)
            for day in range(3) for i in range(3)]


def gcp_org_owner(out):
    """A compromised administrator makes an outside account an owner of the
    organization (persistence through an added cloud role, as technique
    write-ups of GCP intrusions describe it) and that account then reads
    customer data: the grant and the new owner's reads are root-activity."""
    recs = gcp_history()
    outsider = "backup.ops.acme@gmail.com"
    recs.append(iam_grant(at(3, 2, 10), "platform-admin@acme.example", ORG, "roles/owner",
                          "user:" + outsider, "organization"))
    recs.append(gcp_rec(at(3, 2, 31), outsider, "storage.objects.list",
                        "projects/_/buckets/customer-data", ATTACKER))
    for i in range(5):
        recs.append(gcp_rec(at(3, 2, 33, i), outsider, "storage.objects.get",
                            "projects/_/buckets/customer-data/objects/export/cust-%d.csv" % i, ATTACKER))
    write_gcp(out, "gcp-org-owner", recs)


def gcp_project_grant_twin(out):
    """Its twin: the admin grants a pipeline's service account read access
    on one project, in office hours, and the pipeline reads its bucket."""
    recs = gcp_history()
    sa = "etl@acme-prod.iam.gserviceaccount.com"
    recs.append(iam_grant(at(3, 10, 10), "platform-admin@acme.example", "projects/acme-prod",
                          "roles/storage.objectViewer", "serviceAccount:" + sa, "project"))
    for i in range(3):
        recs.append(gcp_rec(at(3, 10, 40, i), sa, "storage.objects.get",
                            "projects/_/buckets/reports/objects/daily/03/part-%d.csv" % i, CI_IP))
    write_gcp(out, "gcp-project-grant-twin", recs)


def gcp_super_admin(out):
    """A Workspace super admin (named in [detect] privileged_principals,
    since the Cloud Audit Logs do not say who is one) mints a service
    account key and reads customer data at night: root-activity."""
    recs = gcp_history()
    admin = "superadmin@acme.example"
    recs.append(gcp_rec(at(3, 3, 5), admin, "google.iam.admin.v1.CreateServiceAccountKey",
                        "projects/-/serviceAccounts/etl@acme-prod.iam.gserviceaccount.com",
                        ATTACKER2, "iam.googleapis.com", rtype="service_account",
                        labels={"project_id": "acme-prod"}, log="activity"))
    for i in range(2):
        recs.append(gcp_rec(at(3, 3, 9, i), admin, "storage.objects.get",
                            "projects/_/buckets/customer-data/objects/export/cust-%d.csv" % i,
                            ATTACKER2))
    write_gcp(out, "gcp-super-admin", recs)
    with open(os.path.join(out, "gcp-super-admin.conf"), "w") as f:
        f.write("[detect]\nprivileged_principals = superadmin@*\n")


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for fn in (ec2_stolen_session, ec2_proxy_theft, ci_twin, root_takeover, public_bucket_writes,
               website_twin, partner_twin, sas_passwords, sas_twin, gcs_anonymous_read,
               new_principal_denied, new_user_night_volume, new_user_peer_twin, gcp_org_owner,
               gcp_project_grant_twin, gcp_super_admin):
        fn(out)
    with open(os.path.join(out, "identity_days.tsv"), "w") as f:
        f.write("# scenario\tdistinct (principal, day) pairs in its logs\n")
        for name in sorted(IDENTITY_DAYS):
            f.write("%s\t%d\n" % (name, len(IDENTITY_DAYS[name])))
    os.makedirs(os.path.join(out, "intel"), exist_ok=True)
    with open(os.path.join(out, "intel", "aws-ip-ranges.json"), "w") as f:
        json.dump({"syncToken": "1709251200", "createDate": "2026-03-01-00-00-00",
                   "prefixes": [{"ip_prefix": "52.94.133.0/24", "region": "us-east-1",
                                 "service": "AMAZON", "network_border_group": "us-east-1"},
                                {"ip_prefix": "52.94.133.0/24", "region": "us-east-1",
                                 "service": "EC2", "network_border_group": "us-east-1"}],
                   "ipv6_prefixes": []}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
