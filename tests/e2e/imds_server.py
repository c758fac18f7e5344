#!/usr/bin/env python3
"""A stand-in for the EC2 instance metadata service, IMDSv2 only.

PUT /latest/api/token (with X-aws-ec2-metadata-token-ttl-seconds) hands out
a session token; every GET without that token in X-aws-ec2-metadata-token
is refused with 401, as IMDSv2 does. The role's credentials expire
EXPIRES_IN seconds after each fetch.
Usage: imds_server.py PORT ROLE ACCESS_KEY SECRET TOKEN EXPIRES_IN
It prints "ready" once listening and logs "token", "role", "creds" and
"refused" lines to stderr, one per request.
"""
import datetime
import http.server
import json
import secrets
import sys

PORT, ROLE, AK, SK, TOKEN, EXPIRES_IN = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                                         sys.argv[4], sys.argv[5], int(sys.argv[6]))
SESSION = secrets.token_urlsafe(32)
BASE = "/latest/meta-data/iam/security-credentials/"


class Imds(http.server.BaseHTTPRequestHandler):
    def answer(self, code, body, what):
        sys.stderr.write(what + "\n")
        sys.stderr.flush()
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
        if self.path != "/latest/api/token" or not ttl.isdigit():
            return self.answer(400, "", "refused")
        return self.answer(200, SESSION, "token")

    def do_GET(self):
        if self.headers.get("X-aws-ec2-metadata-token") != SESSION:
            return self.answer(401, "", "refused")
        if self.path == BASE:
            return self.answer(200, ROLE + "\n", "role")
        if self.path == BASE + ROLE:
            now = datetime.datetime.now(datetime.timezone.utc)
            exp = now + datetime.timedelta(seconds=EXPIRES_IN)
            doc = {"Code": "Success", "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "Type": "AWS-HMAC", "AccessKeyId": AK, "SecretAccessKey": SK,
                   "Token": TOKEN, "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}
            return self.answer(200, json.dumps(doc), "creds")
        return self.answer(404, "", "notfound")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Imds)
print("ready", flush=True)
server.serve_forever()
