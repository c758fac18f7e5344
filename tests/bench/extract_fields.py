#!/usr/bin/env python3
"""The plain Python baseline of the audit stage's bench: read FILES (plain or
.gz) of one log format and extract the fields gatewatch's normalizer reads
(time, principal, source IP, user agent, API, bucket, key, status or error,
bytes, request id), the ordinary way: json.loads per record, a regular
expression for S3 access logs, csv for Azure Storage Analytics. Prints the
record count. Usage: extract_fields.py FORMAT FILE..."""
import csv
import gzip
import json
import re
import sys

S3 = re.compile(r'(\S+) (\S+) \[([^\]]*)\] (\S+) (\S+) (\S+) (\S+) (\S+) "([^"]*)" (\S+) (\S+) '
                r'(\S+) (\S+) (\S+) (\S+) "([^"]*)" "([^"]*)" (\S+)')


def lines(path):
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        yield from f


def s3access(path):
    for line in lines(path):
        m = S3.match(line)
        if m:
            yield (m.group(3), m.group(5), m.group(4), m.group(17), m.group(7), m.group(2),
                   m.group(8), m.group(10), m.group(11), m.group(12), m.group(6))


def azure_classic(path):
    for f in csv.reader(lines(path), delimiter=";", quotechar='"'):
        if len(f) >= 30:
            yield (f[1], f[2], f[3], f[4], f[7], f[8], f[12], f[13], f[15], f[18], f[20], f[27])


def records(path):
    for line in lines(path):
        if line.strip():
            yield json.loads(line)


def azure_json(path):
    for r in records(path):
        p, i = r.get("properties") or {}, r.get("identity") or {}
        yield (r.get("time"), r.get("operationName"), r.get("statusCode"), r.get("statusText"),
               i.get("type"), (i.get("requester") or {}).get("upn"), i.get("tokenHash"),
               r.get("callerIpAddress"), r.get("location"), r.get("correlationId"),
               p.get("accountName"), p.get("userAgentHeader"), p.get("objectKey"),
               p.get("responseBodySize"), p.get("requestBodySize"))


def gcs(path):
    for r in records(path):
        pp = r.get("protoPayload") or {}
        md, au = pp.get("requestMetadata") or {}, pp.get("authenticationInfo") or {}
        lb = (r.get("resource") or {}).get("labels") or {}
        yield (r.get("timestamp"), pp.get("serviceName"), pp.get("methodName"),
               au.get("principalEmail"), md.get("callerIp"), md.get("callerSuppliedUserAgent"),
               pp.get("resourceName"), (pp.get("status") or {}).get("code"), lb.get("project_id"),
               lb.get("location"), r.get("insertId"))


def azure_activity(path):
    for r in records(path):
        c = (r.get("identity") or {}).get("claims") or {}
        yield (r.get("time"), r.get("operationName"), r.get("resultType"), r.get("callerIpAddress"),
               c.get("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"), c.get("appid"),
               r.get("resourceId"), r.get("correlationId"), r.get("location"),
               json.dumps(r.get("properties")))


def minio(path):
    for r in records(path):
        a = r.get("api") or {}
        yield (r.get("time"), a.get("name"), a.get("bucket"), a.get("object"), a.get("statusCode"),
               a.get("status"), a.get("rx"), a.get("tx"), r.get("remotehost"), r.get("userAgent"),
               r.get("requestID"), r.get("deploymentid"), r.get("accessKey"))


def cloudtrail(path):
    with (gzip.open(path) if path.endswith(".gz") else open(path, "rb")) as fh:
        for r in json.load(fh)["Records"]:
            u = r.get("userIdentity") or {}
            p = r.get("requestParameters") or {}
            x = r.get("additionalEventData") or {}
            yield (r.get("eventTime"), r.get("eventName"), r.get("eventSource"), u.get("arn"),
                   u.get("type"), u.get("accessKeyId"), r.get("sourceIPAddress"), r.get("userAgent"),
                   r.get("awsRegion"), p.get("bucketName"), p.get("key"), r.get("errorCode"),
                   r.get("requestID"), x.get("bytesTransferredOut"))


fn = globals()[sys.argv[1]]
print(sum(1 for path in sys.argv[2:] for _ in fn(path)))
