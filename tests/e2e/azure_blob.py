#!/usr/bin/env python3
"""A minimal Azure Blob client for the pull test (SharedKey signing written
from the REST documentation, independent of gatewatch's own).
  azure_blob.py ENDPOINT ACCOUNT KEY mkcontainer CONTAINER
  azure_blob.py ENDPOINT ACCOUNT KEY put CONTAINER BLOB FILE
  azure_blob.py ENDPOINT ACCOUNT KEY sas      (prints an account SAS, read+list)
ENDPOINT is http://host:port (path style: the account is the first segment)."""
import base64, hashlib, hmac, sys, urllib.parse, urllib.request
from email.utils import formatdate

ep, acct, key, cmd = sys.argv[1:5]
k = base64.b64decode(key)


def sign(s):
    return base64.b64encode(hmac.new(k, s.encode(), hashlib.sha256).digest()).decode()


def put(path, query, body, extra):
    date = formatdate(usegmt=True)
    hdrs = {"x-ms-date": date, "x-ms-version": "2021-08-06", **extra}
    canon_h = "".join(f"{h}:{v}\n" for h, v in sorted(hdrs.items()))
    canon_r = f"/{acct}/{acct}{path}" + "".join(f"\n{n}:{v}" for n, v in sorted(query.items()))
    ctype = "application/octet-stream"
    sts = "\n".join(["PUT", "", "", str(len(body)) if body else "", "", ctype, "", "", "", "", "", ""]) + \
        "\n" + canon_h + canon_r
    hdrs["Authorization"] = f"SharedKey {acct}:{sign(sts)}"
    url = f"{ep}/{acct}{path}" + ("?" + urllib.parse.urlencode(query) if query else "")
    hdrs["Content-Type"] = ctype
    req = urllib.request.Request(url, data=body, method="PUT", headers=hdrs)
    with urllib.request.urlopen(req) as r:
        assert r.status in (200, 201), r.status


if cmd == "mkcontainer":
    put("/" + urllib.parse.quote(sys.argv[5], safe=""), {"restype": "container"}, b"", {})
elif cmd == "put":
    with open(sys.argv[7], "rb") as fh:
        data = fh.read()
    path = "/" + urllib.parse.quote(sys.argv[5], safe="") + "/" + urllib.parse.quote(sys.argv[6], safe="/")
    put(path, {}, data, {"x-ms-blob-type": "BlockBlob"})
elif cmd == "sas":
    sv, ss, srt, sp, se, spr = "2019-12-12", "b", "sco", "rl", "2099-01-01T00:00:00Z", "https,http"
    sig = sign("\n".join([acct, sp, ss, srt, "", se, "", spr, sv, ""]))
    print(urllib.parse.urlencode({"sv": sv, "ss": ss, "srt": srt, "sp": sp, "se": se, "spr": spr, "sig": sig}))
