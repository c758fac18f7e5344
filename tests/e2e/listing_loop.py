#!/usr/bin/env python3
"""A listing server that never ends its listing, for the pagination guard
test: S3 ListObjectsV2 (GET /BUCKET?list-type=2...) and Azure List Blobs
(GET /ACCOUNT/CONTAINER?comp=list...), path style, on 127.0.0.1. The prefix
picks the misbehaviour:
  same/     the same keys and the same continuation token every time
  cycle/    the same keys under two tokens taken in turn
  endless/  new keys and a new token on every page
  empty/    no keys and a new token on every page
Objects answer 404. Prints "ready PORT", then one line per listing request
to the file named by the second argument.
  listing_loop.py PORT LOGFILE"""
import http.server, sys, urllib.parse
from xml.sax.saxutils import escape

port, log = int(sys.argv[1]), sys.argv[2]


def page(prefix, token):
    mode = prefix.split("/")[0]
    n = int(token[1:]) if token and token[1:].isdigit() else 0
    if mode == "same":
        return [prefix + "a.json", prefix + "b.json"], "T0"
    if mode == "cycle":
        return [prefix + "a.json"], "B1" if token == "A0" else "A0"
    if mode == "endless":
        return [prefix + "k%08d.json" % n], "t%d" % (n + 1)
    return [], "t%d" % (n + 1)


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        with open(log, "a") as f:
            f.write(self.path + "\n")
        if q.get("list-type") == "2":
            keys, tok = page(q.get("prefix", ""), q.get("continuation-token"))
            body = "<ListBucketResult><IsTruncated>true</IsTruncated>" + "".join(
                "<Contents><Key>%s</Key></Contents>" % escape(k) for k in keys) + \
                "<NextContinuationToken>%s</NextContinuationToken></ListBucketResult>" % tok
        elif q.get("comp") == "list":
            keys, tok = page(q.get("prefix", ""), q.get("marker"))
            body = "<EnumerationResults><Blobs>" + "".join(
                "<Blob><Name>%s</Name></Blob>" % escape(k) for k in keys) + \
                "</Blobs><NextMarker>%s</NextMarker></EnumerationResults>" % tok
        else:
            return self.reply(404, b"<Error><Code>NoSuchKey</Code></Error>")
        self.reply(200, body.encode())


srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
print("ready", srv.server_address[1], flush=True)
srv.serve_forever()
