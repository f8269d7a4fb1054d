#!/usr/bin/env python3
# Seeds for fuzz_ctl (tests/dp/fuzz_ctl.c): a few well-formed sessions.
# Byte 0 of each seed is the harness's option byte (bit 0: it sends HELLO).
# Usage: gen_corpus_ctl.py OUTDIR
import os
import struct
import sys

MAGIC, VERSION = 0x50444C53, 1
(HELLO, OK, ERROR, FLOW_ADD, FLOW_MOD, FLOW_DEL, FLOW_GET, FLOW_INFO, FLOW_LIST,
 LIST_REPLY, FLOW_FLUSH, STATS_GET, STATS, STATUS_GET, STATUS, SUBSCRIBE) = range(1, 17)


def msg(t, body, seq=7):
    return struct.pack('<IHHII', MAGIC, VERSION, t, len(body), seq) + body


def srtp(suite=0, nkeys=1):
    b = struct.pack('<BBBBHHII', suite, nkeys, 0, 0, 0, 0, 0, 0)
    key = bytes([0x11] * 32) + bytes([0x22] * 14) + bytes(4) + bytes(6) + struct.pack('<Q', 0)
    return b + key * nkeys + bytes(64) * (8 - nkeys)


def spec(action=1, fid=0, latch=False):
    match = struct.pack('<HBBHH', 0, 4, 1 if latch else 0, 0 if latch else 4000, 5000)
    match += bytes([10, 0, 0, 2]) + bytes(12) + bytes([10, 0, 1, 1]) + bytes(12)
    head = struct.pack('<QQQ', fid, 0, 42) + match
    head += struct.pack('<BBHHH', action, 1 if latch else 0, 1, 0xffff, 0)
    rewrite = bytes(52)
    inn = srtp() if action in (3, 4) else bytes(528)
    out = srtp() if action in (2, 4) else bytes(528)
    s = head + rewrite + bytes(4) + inn + out
    assert len(s) == 1184, len(s)
    return s


seeds = {
    'get': b'\x01' + msg(FLOW_GET, struct.pack('<Q', 1)),
    'add_forward': b'\x01' + msg(FLOW_ADD, spec(1)) + msg(FLOW_GET, struct.pack('<Q', 1)),
    'add_protect_pieces': b'\x07' + msg(FLOW_ADD, spec(2)) + msg(FLOW_LIST, struct.pack('<QII', 0, 10, 0)),
    'add_rekey_mod_del': b'\x01' + msg(FLOW_ADD, spec(4)) + msg(FLOW_MOD, spec(4, fid=1))
        + msg(FLOW_DEL, struct.pack('<Q', 1)),
    'latch': b'\x01' + msg(FLOW_ADD, spec(3, latch=True)) + msg(SUBSCRIBE, struct.pack('<II', 3, 0)),
    'stats_status_flush': b'\x01' + msg(STATS_GET, bytes(8)) + msg(STATUS_GET, bytes(8))
        + msg(FLOW_FLUSH, bytes(8)),
    'no_hello': b'\x00' + msg(FLOW_GET, struct.pack('<Q', 1)),
    'bad_magic': b'\x01' + b'XXXX' + msg(FLOW_GET, struct.pack('<Q', 1))[4:],
}

os.makedirs(sys.argv[1], exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(sys.argv[1], name), 'wb') as f:
        f.write(data)
