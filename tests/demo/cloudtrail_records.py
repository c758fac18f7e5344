#!/usr/bin/env python3
"""Write the CloudTrail records a cloud would have logged for requests made
on this machine, as one log file {"Records": [...]}.

usage: cloudtrail_records.py OUT BUCKET SOURCE_IP ACCESS_KEY BYTES TIME_MS OBJECTS [USER]

One record per object (comma-separated), a millisecond apart from TIME_MS:
GetObject with BYTES bytes out, or ListObjects when BYTES is 0. The access
key names the IAM user unless USER is given.
"""
import datetime
import json
import sys


def main():
    out, bucket, ip, key, nbytes, t, objs = sys.argv[1:8]
    nbytes, t = int(nbytes), int(t)
    user = sys.argv[8] if len(sys.argv) > 8 else ("gateway" if key.startswith("AKIAGATEWAY") else "client")
    recs = []
    for i, obj in enumerate(objs.split(",")):
        when = datetime.datetime.fromtimestamp((t + i) / 1000, datetime.timezone.utc)
        recs.append({
            "eventVersion": "1.08",
            "eventTime": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "eventSource": "s3.amazonaws.com",
            "eventName": "GetObject" if nbytes else "ListObjects",
            "awsRegion": "us-east-1",
            "sourceIPAddress": ip,
            "userAgent": "[aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12]",
            "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE" + user.upper()[:8],
                             "arn": f"arn:aws:iam::123456789012:user/{user}",
                             "accountId": "123456789012", "accessKeyId": key, "userName": user},
            "requestParameters": {"bucketName": bucket, "key": obj, "Host": "127.0.0.1"},
            "additionalEventData": {"bytesTransferredOut": nbytes},
            "requestID": f"R{t}{i:05d}", "eventID": f"E{t}{i:05d}", "eventType": "AwsApiCall",
            "readOnly": True, "managementEvent": False, "eventCategory": "Data",
            "recipientAccountId": "123456789012",
        })
    with open(out, "w") as f:
        json.dump({"Records": recs}, f)


if __name__ == "__main__":
    main()
