#!/usr/bin/env python3
"""Hostile clients for the collector tests (tests/e2e/test_collect_{read,loris,dedup}.sh),
loopback only, every loop bounded.

  batch OUT AGENT SEQ HOST [NFINDINGS]   a FindingBatch protobuf; AGENT takes
                                         Python escapes (\\x00, \\n)
  store DIR N NFINDINGS                  DIR/batches.gwb with N batches
  loris PORT PER_IP FIRST NIPS SECS      PER_IP half-sent requests from each of
                                         127.0.0.FIRST.. (NIPS addresses), a
                                         header byte every 0.5 s for SECS; prints
                                         "open N" once, when all are sent
  refused PORT SRC N                     N half-sent requests from 127.0.0.SRC;
                                         prints how many the server closed
  trickle PORT SECS TOKEN head|body      one request trickled a byte every 0.2 s
                                         from its headers on, or from its body
                                         on; prints the seconds until the
                                         server closed it
  holdbody PORT TOKEN LEN SEND SECS      a POST declaring LEN body bytes that
                                         sends SEND of them, prints "held",
                                         then waits SECS
"""
import os
import select
import socket
import struct
import sys
import time
import zlib

from pbwire import field


def finding(i):
    f = field(1, 2, b'bulk-download:alice:%d' % i)
    f += field(2, 2, b'bulk-download')
    f += field(3, 2, b'Bulk download of objects')
    f += field(4, 0, 4)
    f += field(9, 2, b'arn:aws:iam::111122223333:user/alice')
    f += field(11, 2, b'203.0.113.7')
    f += field(12, 2, b'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64' * 4)
    f += field(13, 2, b'us-east-1')
    f += field(14, 2, b'finance-reports-archive-bucket')
    return f


def batch(agent, seq, host, nfindings=1):
    b = field(1, 2, agent) + field(2, 2, host) + field(5, 0, seq)
    for i in range(nfindings):
        b += field(6, 2, finding(i))
    return b


def cmd_batch(a):
    agent = a[1].encode().decode('unicode_escape').encode('latin-1')
    n = int(a[4]) if len(a) > 4 else 1
    open(a[0], 'wb').write(batch(agent, int(a[2]), a[3].encode(), n))


def cmd_store(a):
    os.makedirs(a[0], mode=0o700, exist_ok=True)
    with open(os.path.join(a[0], 'batches.gwb'), 'wb') as f:
        for s in range(1, int(a[1]) + 1):
            p = batch(b'agent-big', s, b'gw-big', int(a[2]))
            f.write(b'GWB1' + struct.pack('<II', len(p), zlib.crc32(p)) + p)


def half_request(src, port):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(2)
    s.connect(('127.0.0.1', port))
    s.setblocking(False)
    try:
        s.send(b'POST /v1/batches HTTP/1.1\r\nHost: x\r\nX-Slow: ')
    except OSError:
        pass
    return s


def closed(s):
    try:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            return False
        return s.recv(4096) == b''
    except OSError:
        return True


def cmd_loris(a):
    port, per_ip, first, nips, secs = map(int, a)
    socks = []
    for ip in range(first, first + nips):
        for _ in range(per_ip):
            socks.append(half_request('127.0.0.%d' % ip, port))
    print('open %d' % len(socks), flush=True)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        time.sleep(0.5)
        for s in socks:
            try:
                s.send(b'a')
            except OSError:
                pass


def cmd_refused(a):
    port, src, n = int(a[0]), int(a[1]), int(a[2])
    socks = [half_request('127.0.0.%d' % src, port) for _ in range(n)]
    # The count once it has stopped changing for 2 s (at most 15 s): a
    # loaded server closes the last refused ones late (0.7 s was once too
    # short on a 2-core runner and counted 7 of 8).
    gone, last, since, end = set(), -1, time.monotonic(), time.monotonic() + 15
    while time.monotonic() < end:
        gone.update(i for i, s in enumerate(socks) if i not in gone and closed(s))
        if len(gone) != last:
            last, since = len(gone), time.monotonic()
        elif time.monotonic() - since >= 2.0:
            break
        time.sleep(0.1)
    print(len(gone))


def cmd_trickle(a):
    port, secs = int(a[0]), float(a[1])
    head = (b'POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' +
            a[2].encode() + b'\r\nContent-Length: 400\r\n\r\n')
    req = head + b'x' * 400
    s = socket.create_connection(('127.0.0.1', port))
    start = time.monotonic()
    first = len(head) if a[3] == 'body' else 0
    if first:
        s.sendall(head)
    for i in range(first, len(req)):
        if time.monotonic() - start > secs:
            break
        try:
            s.send(req[i:i + 1])
        except OSError:
            break
        time.sleep(0.2)
        if closed(s):
            break
    print('%.1f' % (time.monotonic() - start))


def cmd_holdbody(a):
    port, token, n, send, secs = int(a[0]), a[1], int(a[2]), int(a[3]), float(a[4])
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(b'POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' +
              token.encode() + b'\r\nContent-Length: %d\r\n\r\n' % n + b'\0' * send)
    print('held', flush=True)
    time.sleep(secs)


if __name__ == '__main__':
    {'batch': cmd_batch, 'store': cmd_store, 'loris': cmd_loris, 'refused': cmd_refused,
     'trickle': cmd_trickle, 'holdbody': cmd_holdbody}[sys.argv[1]](sys.argv[2:])
