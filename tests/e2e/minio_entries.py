#!/usr/bin/env python3
"""MinIO audit webhook entries, written from the shapes MinIO has shipped
(docs/logging and internal/logger/message/audit): version "1" with
api.args (2018), api.status/statusCode with timeToResponse (2019-2022,
requestClaims, trigger, tags, requestHeader/responseHeader), and
accessKey at the top with rx/tx and timeToResponseInNS (2023+).

usage: minio_entries.py SHAPE COUNT FORM [PREFIX [KEY [API]]]
       minio_entries.py --many < SPECS   (lines "OUTFILE SHAPE COUNT FORM PREFIX KEY API")
       minio_entries.py --served SHAPE FORM PREFIX KEY BUCKET REMOTE < SERVED
  SERVED lines "TIME_MS OBJECT BYTES": GetObject requests a server really
         served, one entry each with that time, object and tx
  SHAPE  2018 | 2021 | 2024 (cycled when "all")
  FORM   single (one object), array (a JSON array), lines (JSON lines,
         what MinIO's batch_size sends)
Request ids are PREFIX + a number, so that a test can send the same entry
twice (a retry) or distinct ones. Times are now.
"""
import json
import sys
from datetime import datetime, timezone

DEPLOYMENT = "8a1d8091-b874-45df-b9ea-e044eede6ace"


def entry(shape, i, prefix, key, api, bucket="data", obj=None, tx=1048576, when=None,
          remote=None):
    when = when or datetime.now(timezone.utc)
    now = when.strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
    rid = "%s%08X" % (prefix, i)
    obj = obj or "reports/part-%05d.csv" % i
    auth = ("AWS4-HMAC-SHA256 Credential=%s/20260101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=%s" % (key, "0" * 64))
    base = {"version": "1", "deploymentid": DEPLOYMENT, "time": now,
            "remotehost": remote or "10.0.0.%d" % (5 + i % 3), "requestID": rid,
            "userAgent": "MinIO (linux; amd64) minio-go/v7.0.63 mc/RELEASE.2024-01-01",
            "requestHeader": {"Authorization": auth, "X-Amz-Date": "20260101T000000Z"},
            "responseHeader": {"X-Amz-Request-Id": rid, "Content-Type": "application/octet-stream"}}
    if shape == "2018":
        base["api"] = {"name": api, "args": {"bucket": bucket, "object": obj}}
    elif shape == "2021":
        base["trigger"] = "incoming"
        base["tags"] = {}
        base["requestClaims"] = {"accessKey": key}
        base["api"] = {"name": api, "bucket": bucket, "object": obj, "status": "OK",
                       "statusCode": 200, "rx": 310, "tx": tx,
                       "timeToFirstByte": "1.2ms", "timeToResponse": "3.4ms"}
    else:
        base["accessKey"] = key
        base["requestHost"] = "minio-1:9000"
        base["requestPath"] = "/%s/%s" % (bucket, obj)
        base["trigger"] = "incoming"
        base["event"] = "S3 API"
        base["tags"] = {"objectLocation": {"name": bucket}}
        base["api"] = {"name": api, "bucket": bucket, "object": obj, "status": "OK",
                       "statusCode": 200, "rx": 310, "tx": tx,
                       "timeToResponse": "3402125ns", "timeToResponseInNS": "3402125"}
    return base


def body(shape, count, form, prefix="17F0", key="backupuser", api="GetObject"):
    shapes = ["2018", "2021", "2024"] if shape == "all" else [shape]
    return form_body([entry(shapes[i % len(shapes)], i, prefix, key, api)
                      for i in range(int(count))], form)


def served(shape, form, prefix, key, bucket, remote, lines):
    es = []
    for i, line in enumerate(l for l in lines if l.strip()):
        ms, obj, size = line.split()
        when = datetime.fromtimestamp(int(ms) / 1000, timezone.utc)
        es.append(entry(shape, i, prefix, key, "GetObject", bucket, obj, int(size), when, remote))
    return form_body(es, form)


def form_body(es, form):
    if form == "single":
        return json.dumps(es[0])
    if form == "array":
        return json.dumps(es)
    return "".join(json.dumps(e) + "\n" for e in es)


def main():
    if sys.argv[1] == "--served":
        sys.stdout.write(served(*sys.argv[2:8], sys.stdin))
        return
    if sys.argv[1] == "--many":
        for line in sys.stdin:
            if line.strip():
                out, *spec = line.split()
                with open(out, "w") as f:
                    f.write(body(*spec))
        return
    sys.stdout.write(body(*sys.argv[1:]))


main()
