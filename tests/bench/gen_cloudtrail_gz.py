#!/usr/bin/env python3
"""Write about MB megabytes (uncompressed) of realistic CloudTrail records as
gzipped delivery files under DIR/AWSLogs/<account>/CloudTrail/<region>/...
Usage: gen_cloudtrail_gz.py DIR MB [FILE_MB]"""
import gzip
import json
import os
import random
import sys

out, total_mb = sys.argv[1], float(sys.argv[2])
file_mb = float(sys.argv[3]) if len(sys.argv) > 3 else 10
rnd = random.Random(7)
acct = "111122223333"
users = [f"arn:aws:iam::{acct}:user/user{i}" for i in range(40)]
roles = [f"arn:aws:sts::{acct}:assumed-role/app-role-{i}/i-0{i:015x}" for i in range(20)]
apis = [("s3.amazonaws.com", "GetObject", 60), ("s3.amazonaws.com", "PutObject", 10),
        ("s3.amazonaws.com", "ListObjects", 8), ("s3.amazonaws.com", "HeadObject", 8),
        ("s3.amazonaws.com", "DeleteObject", 2), ("sts.amazonaws.com", "AssumeRole", 4),
        ("sns.amazonaws.com", "ListTopics", 2), ("iam.amazonaws.com", "ListUsers", 2),
        ("ec2.amazonaws.com", "DescribeInstances", 4)]
weights = [a[2] for a in apis]
agents = ["[aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/s3.cp]",
          "[aws-sdk-java/1.12.600 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.9 java/17.0.9]",
          "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.2",
          "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488]"]


def record(n, t):
    src, name, _ = rnd.choices(apis, weights)[0]
    role = rnd.random() < 0.4
    arn = rnd.choice(roles if role else users)
    uid = {"type": "AssumedRole" if role else "IAMUser", "principalId": f"AIDA{n % 9999:012d}",
           "arn": arn, "accountId": acct,
           "accessKeyId": ("ASIA" if role else "AKIA") + f"{n % 977:016d}"}
    if role:
        uid["sessionContext"] = {"sessionIssuer": {"type": "Role", "arn": arn.split("/")[0], "accountId": acct},
                                 "attributes": {"creationDate": t, "mfaAuthenticated": "false"}}
    else:
        uid["userName"] = arn.rsplit("/", 1)[1]
    r = {"eventVersion": "1.09", "userIdentity": uid, "eventTime": t, "eventSource": src,
         "eventName": name, "awsRegion": "us-east-1",
         "sourceIPAddress": f"198.51.{n % 200}.{n % 250}", "userAgent": rnd.choice(agents),
         "requestID": f"{n:016X}", "eventID": f"e{n:08x}-0000-4000-8000-{n:012x}",
         "readOnly": name.startswith(("Get", "List", "Head", "Describe")),
         "eventType": "AwsApiCall", "managementEvent": src != "s3.amazonaws.com",
         "recipientAccountId": acct, "eventCategory": "Data" if src == "s3.amazonaws.com" else "Management",
         "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                        "clientProvidedHostHeader": "data-bucket.s3.us-east-1.amazonaws.com"}}
    if src == "s3.amazonaws.com":
        r["requestParameters"] = {"bucketName": f"data-bucket-{n % 5}", "Host": "data-bucket.s3.amazonaws.com",
                                  "key": f"exports/2024/05/{n % 31:02d}/part-{n:08d}.parquet"}
        r["responseElements"] = None
        r["additionalEventData"] = {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
                                    "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader",
                                    "x-amz-id-2": "Zx" * 30, "bytesTransferredOut": rnd.randint(1000, 5000000)}
        r["resources"] = [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::data-bucket/part-{n}"},
                          {"accountId": acct, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::data-bucket"}]
    else:
        r["requestParameters"] = {"maxResults": 100}
        r["responseElements"] = None
    return r


written, n, f = 0, 0, 0
while written < total_mb * 1e6:
    recs, size = [], 0
    while size < file_mb * 1e6:
        n += 1
        t = f"2024-05-{1 + f // 24 % 28:02d}T{f % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"
        rec = record(n, t)
        recs.append(rec)
        size += 1000
    body = json.dumps({"Records": recs}, separators=(",", ":")).encode()
    day = 1 + f // 24 % 28
    path = os.path.join(out, f"AWSLogs/{acct}/CloudTrail/us-east-1/2024/05/{day:02d}/"
                        f"{acct}_CloudTrail_us-east-1_202405{day:02d}T{f % 24:02d}00Z_{f:04d}.json.gz")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(body)
    written += len(body)
    f += 1
print(f"{f} files, {n} records, {written} bytes")
