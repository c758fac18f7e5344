#!/usr/bin/env python3
"""MinIO audit webhook entries, written from the shapes MinIO has shipped
(docs/logging and internal/logger/message/audit): version "1" with
api.args (2018), api.status/statusCode with timeToResponse (2019-2022,
requestClaims, trigger, tags, requestHeader/responseHeader), and
accessKey at the top with rx/tx and timeToResponseInNS (2023+).

usage: minio_entries.py SHAPE COUNT FORM [PREFIX [KEY [API]]]
       minio_entries.py --many < SPECS   (lines "OUTFILE SHAPE COUNT FORM PREFIX KEY API")
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


def entry(shape, i, prefix, key, api):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
    rid = "%s%08X" % (prefix, i)
    obj = "reports/part-%05d.csv" % i
    auth = ("AWS4-HMAC-SHA256 Credential=%s/20260101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=%s" % (key, "0" * 64))
    base = {"version": "1", "deploymentid": DEPLOYMENT, "time": now,
            "remotehost": "10.0.0.%d" % (5 + i % 3), "requestID": rid,
            "userAgent": "MinIO (linux; amd64) minio-go/v7.0.63 mc/RELEASE.2024-01-01",
            "requestHeader": {"Authorization": auth, "X-Amz-Date": "20260101T000000Z"},
            "responseHeader": {"X-Amz-Request-Id": rid, "Content-Type": "application/octet-stream"}}
    if shape == "2018":
        base["api"] = {"name": api, "args": {"bucket": "data", "object": obj}}
    elif shape == "2021":
        base["trigger"] = "incoming"
        base["tags"] = {}
        base["requestClaims"] = {"accessKey": key}
        base["api"] = {"name": api, "bucket": "data", "object": obj, "status": "OK",
                       "statusCode": 200, "rx": 310, "tx": 1048576,
                       "timeToFirstByte": "1.2ms", "timeToResponse": "3.4ms"}
    else:
        base["accessKey"] = key
        base["requestHost"] = "minio-1:9000"
        base["requestPath"] = "/data/" + obj
        base["trigger"] = "incoming"
        base["event"] = "S3 API"
        base["tags"] = {"objectLocation": {"name": "data"}}
        base["api"] = {"name": api, "bucket": "data", "object": obj, "status": "OK",
                       "statusCode": 200, "rx": 310, "tx": 1048576,
                       "timeToResponse": "3402125ns", "timeToResponseInNS": "3402125"}
    return base


def body(shape, count, form, prefix="17F0", key="backupuser", api="GetObject"):
    shapes = ["2018", "2021", "2024"] if shape == "all" else [shape]
    es = [entry(shapes[i % len(shapes)], i, prefix, key, api) for i in range(int(count))]
    if form == "single":
        return json.dumps(es[0])
    if form == "array":
        return json.dumps(es)
    return "".join(json.dumps(e) + "\n" for e in es)


def main():
    if sys.argv[1] == "--many":
        for line in sys.stdin:
            if line.strip():
                out, *spec = line.split()
                with open(out, "w") as f:
                    f.write(body(*spec))
        return
    sys.stdout.write(body(*sys.argv[1:]))


main()
