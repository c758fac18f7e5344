#!/usr/bin/env python3
"""Write about MB megabytes of realistic records of one audit log format, as
files of about FILE_MB each under DIR (plain), and the same files gzipped
under DIR-gz. Shapes follow the clouds' documented samples (S3 server access
log fields, Azure Storage Analytics 1.0, StorageBlobLogs, GCP Cloud Audit
Logs, the Azure Activity Log export, MinIO's audit webhook).
Usage: gen_formats.py FORMAT DIR MB [FILE_MB]
FORMAT: s3access, azure_classic, azure_json, gcs, azure_activity, minio"""
import gzip
import json
import os
import random
import sys

fmt, out, total_mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
file_mb = float(sys.argv[4]) if len(sys.argv) > 4 else 20
rnd = random.Random(11)
ips = [f"{rnd.randrange(1, 223)}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
       for _ in range(3000)]
buckets = [f"corp-data-{i:02d}" for i in range(12)]
words = ["finance", "reports", "backup", "images", "logs", "2024", "q3", "raw", "db", "export"]
agents = ["aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/s3.cp",
          "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.2",
          "azsdk-python-storage-blob/12.19.0 Python/3.11.8 (Linux-6.1.0-x86_64-with-glibc2.36)",
          "google-cloud-sdk gcloud/468.0.0 command/gcloud.storage.cp,gzip(gfe)",
          "MinIO (linux; amd64) minio-go/v7.0.66 mc/RELEASE.2024-01-16T16-06-34Z"]


def key():
    return "/".join(rnd.choice(words) for _ in range(rnd.randrange(1, 4))) + \
        f"/part-{rnd.randrange(100000):05d}.parquet"


def hexid(n):
    return "".join(rnd.choice("0123456789abcdef") for _ in range(n))


def ts(sec):
    h, m, s = sec // 3600 % 24, sec // 60 % 60, sec % 60
    return f"2024-03-{1 + sec // 86400 % 28:02d}T{h:02d}:{m:02d}:{s:02d}"


owner = hexid(64)


def s3access(n, sec):
    op, verb = rnd.choice([("REST.GET.OBJECT", "GET"), ("REST.GET.OBJECT", "GET"),
                           ("REST.PUT.OBJECT", "PUT"), ("REST.HEAD.OBJECT", "HEAD"),
                           ("REST.GET.BUCKET", "GET"), ("REST.DELETE.OBJECT", "DELETE")])
    b, k = rnd.choice(buckets), key()
    req = f"arn:aws:iam::111122223333:user/user{rnd.randrange(200)}" if rnd.random() < .7 else \
        f"arn:aws:sts::111122223333:assumed-role/app-{rnd.randrange(20)}/i-0{rnd.randrange(1 << 60):015x}"
    st = rnd.choice([200, 200, 200, 200, 206, 304, 403, 404])
    size = rnd.randrange(1, 50_000_000)
    d = 1 + sec // 86400 % 28
    return (f"{owner} {b} [{d:02d}/Mar/2024:{sec // 3600 % 24:02d}:{sec // 60 % 60:02d}:{sec % 60:02d} +0000] "
            f"{rnd.choice(ips)} {req} {hexid(16).upper()} {op} {k} \"{verb} /{b}/{k} HTTP/1.1\" {st} "
            f"{'-' if st < 400 else 'AccessDenied'} {size if verb == 'GET' else '-'} {size} {rnd.randrange(1, 900)} "
            f"{rnd.randrange(1, 90)} \"-\" \"{rnd.choice(agents)}\" - {hexid(76)}= SigV4 "
            f"ECDHE-RSA-AES128-GCM-SHA256 AuthHeader {b}.s3.us-east-1.amazonaws.com TLSv1.3 - -\n")


def azure_classic(n, sec):
    op = rnd.choice(["GetBlob", "GetBlob", "PutBlob", "GetBlobProperties", "ListBlobs", "DeleteBlob"])
    b, k = rnd.choice(buckets), key()
    st = rnd.choice([200, 200, 200, 201, 206, 304, 403, 404])
    status = "Success" if st < 400 else ("AuthorizationError" if st == 403 else "ClientOtherError")
    auth = rnd.choice(["authenticated", "sas", "anonymous"])
    return (f"1.0;{ts(sec)}.{rnd.randrange(10**7):07d}Z;{op};{status};{st};{rnd.randrange(1, 90)};"
            f"{rnd.randrange(1, 60)};{auth};corpdata01;corpdata01;blob;"
            f"\"https://corpdata01.blob.core.windows.net/{b}/{k}\";\"/corpdata01/{b}/{k}\";"
            f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)};0;{rnd.choice(ips)}:{rnd.randrange(1024, 65535)};"
            f"2019-12-12;{rnd.randrange(200, 900)};0;{rnd.randrange(200, 900)};{rnd.randrange(0, 9000000)};0;;;"
            f"\"\"0x8D{hexid(13).upper()}\"\";Thursday, 19-Jun-14 22:58:10 GMT;;"
            f"\"{rnd.choice(agents)}\";;\"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}\"\n")


def azure_json(n, sec):
    op = rnd.choice(["GetBlob", "GetBlob", "PutBlob", "GetBlobProperties", "ListBlobs", "DeleteBlob"])
    b, k = rnd.choice(buckets), key()
    st = rnd.choice([200, 200, 200, 201, 206, 403, 404])
    auth = rnd.choice(["AccountKey", "SAS", "OAuth"])
    ident = {"type": auth}
    if auth == "OAuth":
        ident["requester"] = {"appId": hexid(8), "objectId": f"{hexid(8)}-{hexid(4)}",
                              "tenantId": "72f988bf", "upn": f"user{rnd.randrange(300)}@example.com"}
    else:
        ident["tokenHash"] = f"key1({hexid(64).upper()})"
    rec = {"time": f"{ts(sec)}.{rnd.randrange(10**7):07d}Z",
           "resourceId": "/subscriptions/a921d5d4-bdb7-43c3-aa01-88c6ae24992f/resourceGroups/rg/providers/"
                         "Microsoft.Storage/storageAccounts/corpdata01/blobServices/default",
           "category": "StorageRead" if op.startswith(("Get", "List")) else "StorageWrite",
           "operationName": op, "operationVersion": "2020-10-02", "schemaVersion": "1.0",
           "statusCode": st, "statusText": "Success" if st < 400 else "AuthorizationFailure",
           "durationMs": rnd.randrange(1, 200), "callerIpAddress": f"{rnd.choice(ips)}:{rnd.randrange(1024, 65535)}",
           "correlationId": f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
           "identity": ident, "location": "West Europe",
           "properties": {"accountName": "corpdata01", "userAgentHeader": rnd.choice(agents),
                          "clientRequestId": f"{hexid(8)}-{hexid(4)}", "serviceType": "blob",
                          "objectKey": f"/corpdata01/{b}/{k}", "metricResponseType": "Success",
                          "serverLatencyMs": rnd.randrange(1, 90), "requestHeaderSize": 601,
                          "responseHeaderSize": 210, "responseBodySize": rnd.randrange(0, 9000000),
                          "requestBodySize": 0, "tlsVersion": "TLS 1.2"},
           "uri": f"https://corpdata01.blob.core.windows.net:443/{b}/{k}", "protocol": "HTTPS",
           "resourceType": "Microsoft.Storage/storageAccounts/blobServices"}
    return json.dumps(rec, separators=(",", ":")) + "\n"


def gcs(n, sec):
    m = rnd.choice(["storage.objects.get", "storage.objects.get", "storage.objects.create",
                    "storage.objects.list", "storage.objects.delete"])
    b, k = rnd.choice(buckets), key()
    denied = rnd.random() < .05
    res = f"projects/_/buckets/{b}/objects/{k}"
    rec = {"protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                            "status": {"code": 7, "message": "PERMISSION_DENIED"} if denied else {},
                            "authenticationInfo": {"principalEmail": f"svc-{rnd.randrange(300)}@corp-data-prod.iam.gserviceaccount.com"},
                            "requestMetadata": {"callerIp": rnd.choice(ips), "callerSuppliedUserAgent": rnd.choice(agents),
                                                "requestAttributes": {"time": f"{ts(sec)}.000000Z", "auth": {}},
                                                "destinationAttributes": {}},
                            "serviceName": "storage.googleapis.com", "methodName": m,
                            "authorizationInfo": [{"resource": res, "permission": m, "granted": not denied,
                                                   "resourceAttributes": {}}],
                            "resourceLocation": {"currentLocations": ["us"]}, "resourceName": res},
           "insertId": hexid(16), "resource": {"type": "gcs_bucket", "labels": {
               "project_id": "corp-data-prod", "bucket_name": b, "location": "us"}},
           "timestamp": f"{ts(sec)}.{rnd.randrange(10**6):06d}Z", "severity": "INFO",
           "logName": "projects/corp-data-prod/logs/cloudaudit.googleapis.com%2Fdata_access",
           "receiveTimestamp": f"{ts(sec)}.{rnd.randrange(10**6):06d}Z"}
    return json.dumps(rec, separators=(",", ":")) + "\n"


def azure_activity(n, sec):
    op = rnd.choice(["MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION",
                     "MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE",
                     "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE",
                     "MICROSOFT.STORAGE/STORAGEACCOUNTS/BLOBSERVICES/CONTAINERS/WRITE"])
    sub = "8f3c2a10-4b7e-4d21-9a55-0c6e1d2f3a4b"
    rid = f"/SUBSCRIPTIONS/{sub.upper()}/RESOURCEGROUPS/RG-DATA/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/CORPDATA{rnd.randrange(20):02d}"
    rec = {"time": f"{ts(sec)}.{rnd.randrange(10**7):07d}Z", "resourceId": rid, "operationName": op,
           "category": "Administrative", "resultType": rnd.choice(["Start", "Success", "Success", "Failure"]),
           "resultSignature": "Succeeded.OK", "durationMs": str(rnd.randrange(1, 900)),
           "callerIpAddress": rnd.choice(ips),
           "correlationId": f"{hexid(8)}-{hexid(4)}-{hexid(4)}-{hexid(4)}-{hexid(12)}",
           "identity": {"authorization": {"scope": rid.lower(), "action": op.lower()},
                        "claims": {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":
                                   f"user{rnd.randrange(300)}@example-corp.com", "ipaddr": rnd.choice(ips),
                                   "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},
           "level": "Information", "location": "global",
           "properties": {"statusCode": "OK", "serviceRequestId": None, "eventCategory": "Administrative",
                          "entity": rid.lower(), "message": op.lower()}}
    return json.dumps(rec, separators=(",", ":")) + "\n"


def minio(n, sec):
    name = rnd.choice(["GetObject", "GetObject", "PutObject", "HeadObject", "ListObjectsV2", "DeleteObject"])
    b, k = rnd.choice(buckets), key()
    st = rnd.choice([200, 200, 200, 206, 403, 404])
    rec = {"version": "1", "deploymentid": "1b3002bf-5005-4d9b-853e-64a05008ebb2",
           "time": f"{ts(sec)}.{rnd.randrange(10**9):09d}Z", "event": "", "trigger": "incoming",
           "api": {"name": name, "bucket": b, "object": k, "status": "OK" if st < 400 else "AccessDenied",
                   "statusCode": st, "rx": rnd.randrange(200, 900), "tx": rnd.randrange(0, 9000000),
                   "timeToResponse": f"{rnd.randrange(10**6)}ns", "timeToResponseInNS": str(rnd.randrange(10**6))},
           "remotehost": rnd.choice(ips), "requestID": hexid(16).upper(), "userAgent": rnd.choice(agents),
           "requestPath": f"/{b}/{k}", "requestHost": "minio.corp:9000",
           "requestClaims": {"accessKey": f"user{rnd.randrange(300)}", "exp": 1700000000},
           "requestHeader": {"Authorization": f"AWS4-HMAC-SHA256 Credential=user{rnd.randrange(300)}/20240301/us-east-1/s3/aws4_request",
                             "User-Agent": rnd.choice(agents), "X-Amz-Date": "20240301T000000Z"},
           "responseHeader": {"Content-Type": "application/xml", "Server": "MinIO",
                              "X-Amz-Request-Id": hexid(16).upper()},
           "accessKey": f"user{rnd.randrange(300)}"}
    return json.dumps(rec, separators=(",", ":")) + "\n"


gen = globals()[fmt]
os.makedirs(out, exist_ok=True)
os.makedirs(out + "-gz", exist_ok=True)
ext = ".log" if fmt in ("s3access", "azure_classic") else ".json"
total, n, part, sec = int(total_mb * 1e6), 0, 0, 0
while total > 0:
    lines, size = [], 0
    while size < file_mb * 1e6 and size < total:
        line = gen(n, sec)
        lines.append(line)
        size += len(line)
        n += 1
        sec += rnd.randrange(0, 2)
    data = "".join(lines).encode()
    name = f"part-{part:04d}{ext}"
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    with gzip.open(os.path.join(out + "-gz", name + ".gz"), "wb", compresslevel=6) as f:
        f.write(data)
    total -= size
    part += 1
print(n)
