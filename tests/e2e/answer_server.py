#!/usr/bin/env python3
"""A peer that answers every POST as the file MODE says, for the shipping
tests: 404, 302/307/308 (with a Location), 400 (a proxy's HTML page), 503,
reject (a gatewatch collector's refusal of the batch: 400, application/json,
{"error":"invalid-batch"}), or "proxy URL": pass the POST on to URL and its
answer back (502 when URL does not answer). Counts requests per mode in
MODE.count.
  answer_server.py MODE_FILE PORT_FILE   (binds 127.0.0.1, port 0)
"""
import http.server
import os
import sys
import urllib.error
import urllib.request

MODE, PORT_FILE = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, ctype, body, extra=()):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def proxy(self, url, body):
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": self.headers.get("Content-Type", "application/octet-stream")})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                code, ctype, data = r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            code, ctype, data = e.code, e.headers.get("Content-Type", ""), e.read()
        except (urllib.error.URLError, OSError):
            code, ctype, data = 502, "text/plain", b"collector unreachable\n"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with open(MODE) as f:
            mode = f.read().strip()
        with open(MODE + ".count", "a") as f:
            f.write(mode.split(" ")[0] + "\n")
        if mode.startswith("proxy "):
            self.proxy(mode.split(" ", 1)[1], body)
        elif mode in ("302", "307", "308"):
            self.answer(int(mode), "text/html", "<a>moved</a>",
                        [("Location", "https://collector.example:8443/v1/batches")])
        elif mode == "400":
            self.answer(400, "text/html", "<html>Bad Request</html>")
        elif mode == "503":
            self.answer(503, "text/plain", "busy\n", [("Retry-After", "1")])
        elif mode == "reject":
            self.answer(400, "application/json",
                        '{"error":"invalid-batch","detail":"synthetic refusal"}\n')
        else:
            self.answer(404, "text/plain", "no such endpoint\n")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
srv.serve_forever()
