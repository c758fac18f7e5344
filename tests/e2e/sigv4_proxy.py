#!/usr/bin/env python3
"""A SigV4-checking reverse proxy for the S3 pull test.

s3rver accepts any AWS4-HMAC-SHA256 signature (it only checks that the
access key id exists), so this proxy recomputes each request's signature
with the known secret and answers 403 SignatureDoesNotMatch when it differs
(or when the request is unsigned); good requests are forwarded to the
server. Usage: sigv4_proxy.py LISTEN_PORT UPSTREAM_PORT ACCESS_KEY SECRET [TOKEN]
With TOKEN, requests must also carry it as x-amz-security-token, signed
(temporary credentials). With PROXY_SLOW set in the environment, objects
whose path contains it are sent slowly (64 KiB every 50 ms, after a
"slow-start" line in the log), so that a test can kill a pull mid-object.
With PROXY_FAIL=SUBSTR:N:CODE, the first N checked GETs of paths containing
SUBSTR are answered CODE (an empty body) instead of being forwarded, each
logged as "failed SUBSTR", so that a test can see the pull retry or give up.
It prints "ready" once listening and counts checked requests in its log.
"""
import hashlib
import hmac
import http.client
import http.server
import os
import re
import sys
import threading
import time

PORT, UPSTREAM, AK, SK = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
TOKEN = sys.argv[5] if len(sys.argv) > 5 else None
SLOW = os.environ.get("PROXY_SLOW")
FAIL = os.environ.get("PROXY_FAIL", "").rsplit(":", 2) if os.environ.get("PROXY_FAIL") else None
FAILED = {"n": 0}
FAIL_LOCK = threading.Lock()
AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                  r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")


def hm(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def expected_signature(method, raw_path, headers, date, region, service, signed):
    path, _, query = raw_path.partition("?")
    pairs = sorted(p if "=" in p else p + "=" for p in query.split("&") if p)
    canon_headers = "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed.split(";"))
    creq = "\n".join([method, path, "&".join(pairs), canon_headers, signed,
                      headers.get("x-amz-content-sha256", "")])
    scope = f"{date}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", headers.get("x-amz-date", ""), scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = hm(("AWS4" + SK).encode(), date)
    for part in (region, service, "aws4_request"):
        k = hm(k, part)
    return hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()


class Proxy(http.server.BaseHTTPRequestHandler):
    def deny(self, why):
        body = f"<Error><Code>SignatureDoesNotMatch</Code><Message>{why}</Message></Error>".encode()
        self.send_response(403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        headers = {k.lower(): v for k, v in self.headers.items()}
        m = AUTH.match(headers.get("authorization", ""))
        if not m or m.group(1) != AK:
            return self.deny("unsigned or unknown key")
        _, date, region, service, signed, sig = m.groups()
        if TOKEN is not None and (headers.get("x-amz-security-token") != TOKEN or
                                  "x-amz-security-token" not in signed.split(";")):
            return self.deny("missing, wrong or unsigned session token")
        if not hmac.compare_digest(sig, expected_signature(
                "GET", self.path, headers, date, region, service, signed)):
            return self.deny("signature mismatch")
        sys.stderr.write("checked\n")
        if FAIL and FAIL[0] in self.path:
            with FAIL_LOCK:
                fail = FAILED["n"] < int(FAIL[1])
                FAILED["n"] += fail
            if fail:
                sys.stderr.write(f"failed {FAIL[0]}\n")
                sys.stderr.flush()
                self.send_response(int(FAIL[2]))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=30)
        conn.request("GET", self.path, headers=dict(self.headers.items()))
        resp = conn.getresponse()
        body = resp.read()
        self.send_response(resp.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        conn.close()
        if SLOW and SLOW in self.path and resp.status == 200:
            sys.stderr.write("slow-start\n")
            sys.stderr.flush()
            for i in range(0, len(body), 65536):
                self.wfile.write(body[i:i + 65536])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Proxy)
print("ready", flush=True)
server.serve_forever()
