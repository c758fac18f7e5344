"""Protobuf wire encoding by hand, for the test writers of FindingBatch
messages (mkview.py, collect_attack.py): no generated code, so a test can
also write what the generated code never would."""


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wt, payload):
    key = varint(num << 3 | wt)
    if wt == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload
