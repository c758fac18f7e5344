#!/usr/bin/env python3
"""Write DAYS days of ordinary CloudTrail history ending yesterday: a
reporting service account reading a few dozen objects every working day from
its usual address, so that the agent's baselines know it.

usage: cloudtrail_history.py OUTDIR DAYS NOW_MS
One file a day, {"Records": [...]}, deterministic.
"""
import datetime
import json
import os
import random
import sys


def main():
    out, days, now_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(7)
    today = datetime.datetime.fromtimestamp(now_ms / 1000, datetime.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0)
    for d in range(days, 0, -1):
        day = today - datetime.timedelta(days=d)
        recs = []
        for i in range(rnd.randint(25, 40)):
            when = day + datetime.timedelta(hours=rnd.randint(9, 16), minutes=rnd.randint(0, 59),
                                            seconds=rnd.randint(0, 59))
            recs.append({
                "eventVersion": "1.08",
                "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
                "awsRegion": "us-east-1", "sourceIPAddress": "127.0.0.1",
                "userAgent": "[aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12]",
                "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLESVCREPORT",
                                 "arn": "arn:aws:iam::123456789012:user/svc-reporting",
                                 "accountId": "123456789012", "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                                 "userName": "svc-reporting"},
                "requestParameters": {"bucketName": "finance-reports", "key": f"q{rnd.randint(1, 150)}.csv"},
                "additionalEventData": {"bytesTransferredOut": 2048},
                "requestID": f"H{d:03d}{i:04d}", "eventID": f"HE{d:03d}{i:04d}",
                "eventType": "AwsApiCall", "eventCategory": "Data",
                "recipientAccountId": "123456789012",
            })
        recs.sort(key=lambda r: r["eventTime"])
        with open(os.path.join(out, f"history-{day:%Y%m%d}.json"), "w") as f:
            json.dump({"Records": recs}, f)


if __name__ == "__main__":
    main()
