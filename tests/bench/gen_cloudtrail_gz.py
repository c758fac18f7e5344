#!/usr/bin/env python3
"""Write about MB megabytes (uncompressed) of realistic CloudTrail records as
gzipped delivery files under DIR/AWSLogs/<account>/CloudTrail/<region>/...

Usage: gen_cloudtrail_gz.py DIR MB [FILE_MB] [--identities N] [--jobs J]

Two regions deliver side by side, one file per region every five minutes
(named, as CloudTrail names them, by delivery time), so a directory read in
path order is not in time order: every region's files come before the next
region's. Records within a file are in time order. --identities spreads the
calls over N IAM users (default 60 principals). The output depends only on
the arguments (a fixed seed per file), so a run with a larger MB extends a
smaller one file for file."""
import datetime
import gzip
import json
import os
import random
import sys
from multiprocessing import Pool

ACCT = "111122223333"
REGIONS = ("us-east-1", "eu-west-1")
START = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)
SLOT = 300                # seconds of calls per delivery file
DELAY = 120               # delivery after the slot's end
APIS = [("s3.amazonaws.com", "GetObject", 60), ("s3.amazonaws.com", "PutObject", 10),
        ("s3.amazonaws.com", "ListObjects", 8), ("s3.amazonaws.com", "HeadObject", 8),
        ("s3.amazonaws.com", "DeleteObject", 2), ("sts.amazonaws.com", "AssumeRole", 4),
        ("sns.amazonaws.com", "ListTopics", 2), ("iam.amazonaws.com", "ListUsers", 2),
        ("ec2.amazonaws.com", "DescribeInstances", 4)]
WEIGHTS = [a[2] for a in APIS]
AGENTS = ["[aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/s3.cp]",
          "[aws-sdk-java/1.12.600 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.9 java/17.0.9]",
          "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.2",
          "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488]"]


def principal(rnd, n, identities):
    if identities:
        i = rnd.randrange(identities)
        return False, f"arn:aws:iam::{ACCT}:user/user{i}", i
    if rnd.random() < 0.4:
        i = rnd.randrange(20)
        return True, f"arn:aws:sts::{ACCT}:assumed-role/app-role-{i}/i-0{i:015x}", i
    i = rnd.randrange(40)
    return False, f"arn:aws:iam::{ACCT}:user/user{i}", i


def record(rnd, n, t, region, identities):
    src, name, _ = rnd.choices(APIS, WEIGHTS)[0]
    role, arn, who = principal(rnd, n, identities)
    uid = {"type": "AssumedRole" if role else "IAMUser", "principalId": f"AIDA{who:012d}",
           "arn": arn, "accountId": ACCT,
           "accessKeyId": ("ASIA" if role else "AKIA") + f"{who:016d}"}
    if role:
        uid["sessionContext"] = {"sessionIssuer": {"type": "Role", "arn": arn.split("/")[0], "accountId": ACCT},
                                 "attributes": {"creationDate": t, "mfaAuthenticated": "false"}}
    else:
        uid["userName"] = arn.rsplit("/", 1)[1]
    r = {"eventVersion": "1.09", "userIdentity": uid, "eventTime": t, "eventSource": src,
         "eventName": name, "awsRegion": region,
         "sourceIPAddress": f"198.51.{who % 200}.{who % 250}", "userAgent": AGENTS[who % len(AGENTS)],
         "requestID": f"{n:016X}", "eventID": f"e{n:08x}-0000-4000-8000-{n:012x}",
         "readOnly": name.startswith(("Get", "List", "Head", "Describe")),
         "eventType": "AwsApiCall", "managementEvent": src != "s3.amazonaws.com",
         "recipientAccountId": ACCT, "eventCategory": "Data" if src == "s3.amazonaws.com" else "Management",
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
                          {"accountId": ACCT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::data-bucket"}]
    else:
        r["requestParameters"] = {"maxResults": 100}
        r["responseElements"] = None
    return r


def write_file(args):
    out, f, per_file, identities = args
    rnd = random.Random(7 * 1000003 + f)
    region, slot = REGIONS[f % len(REGIONS)], f // len(REGIONS)
    t0 = START + datetime.timedelta(seconds=slot * SLOT)
    recs = []
    for i in range(per_file):
        n = f * per_file + i
        t = (t0 + datetime.timedelta(seconds=i * SLOT // per_file)).strftime("%Y-%m-%dT%H:%M:%SZ")
        recs.append(record(rnd, n, t, region, identities))
    body = json.dumps({"Records": recs}, separators=(",", ":")).encode()
    day = t0.strftime("%Y/%m/%d")
    stamp = (t0 + datetime.timedelta(seconds=SLOT + DELAY)).strftime("%Y%m%dT%H%MZ")
    path = os.path.join(out, f"AWSLogs/{ACCT}/CloudTrail/{region}/{day}/"
                        f"{ACCT}_CloudTrail_{region}_{stamp}_{f:06d}.json.gz")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        with gzip.open(path + ".tmp", "wb", compresslevel=1) as fh:
            fh.write(body)
        os.rename(path + ".tmp", path)
    return len(body)


def main(argv):
    opts = {"--identities": 0, "--jobs": 1}
    pos = []
    i = 1
    while i < len(argv):
        if argv[i] in opts:
            opts[argv[i]] = int(argv[i + 1])
            i += 2
        else:
            pos.append(argv[i])
            i += 1
    out, total_mb = pos[0], float(pos[1])
    file_mb = float(pos[2]) if len(pos) > 2 else 10
    per_file = int(file_mb * 1e6 / 1340)        # about 1.34 kB a record
    nfiles = max(1, int(total_mb / file_mb + 0.5))
    jobs = [(out, f, per_file, opts["--identities"]) for f in range(nfiles)]
    if opts["--jobs"] > 1:
        with Pool(opts["--jobs"]) as p:
            written = sum(p.imap(write_file, jobs, chunksize=4))
    else:
        written = sum(map(write_file, jobs))
    print(f"{nfiles} files, {nfiles * per_file} records, {written} bytes")


if __name__ == "__main__":
    main(sys.argv)
