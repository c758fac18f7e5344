#!/usr/bin/env python3
"""Write one FindingBatch protobuf with the findings and incidents named
(tests/e2e/test_collect_view.sh):

  mkview.py OUT AGENT SEQ HOST ITEM...
    f:ID[:COUNT]                 a finding (rule bulk-download, count COUNT)
    i:ID:REVISION:FID[,FID...]   an incident at REVISION holding those findings
"""
import sys

from pbwire import field


def finding(fid, count):
    f = field(1, 2, fid.encode()) + field(2, 2, b'bulk-download')
    f += field(3, 2, b'Bulk download of objects') + field(4, 0, 4)
    f += field(6, 0, 1700000000000) + field(8, 0, 1)
    f += field(9, 2, b'arn:aws:iam::111122223333:user/alice')
    f += field(14, 2, b'finance-reports') + field(16, 2, b'T1530')
    return f + field(17, 0, count)


def incident(iid, rev, fids):
    i = field(1, 2, iid.encode()) + field(2, 2, b'possible exfiltration')
    for fid in fids:
        i += field(4, 2, fid.encode())
    i += field(5, 2, b'rev %d' % rev)
    i += field(6, 2, b'revoke the access key')
    i += field(7, 0, rev) + field(8, 0, len(fids))
    return i + field(9, 2, b'arn:aws:iam::111122223333:user/alice')


def main(a):
    out, agent, seq, host = a[0], a[1], int(a[2]), a[3]
    b = field(1, 2, agent.encode()) + field(2, 2, host.encode()) + field(5, 0, seq)
    for item in a[4:]:
        p = item.split(':')
        if p[0] == 'f':
            b += field(6, 2, finding(p[1], int(p[2]) if len(p) > 2 else 1))
        else:
            b += field(7, 2, incident(p[1], int(p[2]), p[3].split(',')))
    open(out, 'wb').write(b)


main(sys.argv[1:])
