# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers of the rig tests (rig_test.py) and their offline net_pcap
twins (offline_test.py): keys, flow lines, udp_peer, JSON counters, and the
PASS/FAIL bookkeeping. Every check prints one line; a test fails if any
check failed."""
import base64
import json
import os
import re
import select
import subprocess
import sys
import time

SKIP = 77

PEER = os.environ.get('UDP_PEER', 'udp_peer')
DP = os.environ.get('SHIELDLOCK_DP', 'shieldlock-dp')
CTL = os.environ.get('SHIELDLOCK_CTL', 'shieldlockctl')

# The rig's fixed addresses (tools/rig/shieldlock-rig env; docs/rig.md).
MAC_PHONE, MAC_DP_PHONE = '02:53:4c:00:01:02', '02:53:4c:00:01:01'
MAC_TRUNK, MAC_DP_TRUNK = '02:53:4c:00:02:02', '02:53:4c:00:02:01'
IP_PHONE, IP_DP_PHONE = '10.77.1.2', '10.77.1.1'
IP_TRUNK, IP_DP_TRUNK = '10.77.2.2', '10.77.2.1'
IP6_PHONE, IP6_DP_PHONE = 'fd53:4c:1::2', 'fd53:4c:1::1'
IP6_TRUNK, IP6_DP_TRUNK = 'fd53:4c:2::2', 'fd53:4c:2::1'
PORT_PHONE, PORT_DP_PHONE, PORT_DP_TRUNK, PORT_TRUNK = 4000, 20000, 30000, 5004

SUITE_KEYLEN = {
    'AES_CM_128_HMAC_SHA1_80': 30, 'AES_CM_128_HMAC_SHA1_32': 30,
    'AES_256_CM_HMAC_SHA1_80': 46, 'AES_256_CM_HMAC_SHA1_32': 46,
    'AEAD_AES_128_GCM': 28, 'AEAD_AES_256_GCM': 44, 'NULL_HMAC_SHA1_80': 30,
}


class Checks:
    def __init__(self):
        self.failed = []
        self.passed = 0

    def check(self, name, cond, detail=''):
        if cond:
            self.passed += 1
            print('PASS ' + name, flush=True)
        else:
            self.failed.append(name)
            print('FAIL ' + name + (': ' + str(detail) if detail != '' else ''), flush=True)
        return cond

    def info(self, msg):
        print('     ' + msg, flush=True)

    def done(self):
        if self.failed:
            print('%d check(s) failed: %s' % (len(self.failed), ', '.join(self.failed)))
            return 1
        print('all %d checks passed' % self.passed)
        return 0


class Key:
    """A master key || salt for one suite: hex for udp_peer, the RFC 4568
    crypto attribute for the flow."""

    def __init__(self, seed, suite='AES_CM_128_HMAC_SHA1_80'):
        n = SUITE_KEYLEN[suite]
        self.suite = suite
        self.raw = bytes((seed * 37 + i * 11 + 5) & 0xff for i in range(n))

    def peer(self):
        return '%s:%s' % (self.suite, self.raw.hex())

    def sdes(self):
        return '%s inline:%s' % (self.suite, base64.b64encode(self.raw).decode())


def flow_tokens(in_port, src, dst, action, out_port, rw_src=None, rw_dst=None,
                eth_src=None, eth_dst=None, in_key=None, out_key=None, extra=()):
    """Flow text (dataplane/ctl/flowspec.h) as argv tokens."""
    t = ['in-port', str(in_port), 'src', src, 'dst', dst, 'action', action,
         'out-port', str(out_port)]
    if rw_src:
        t += ['rewrite-src', rw_src]
    if rw_dst:
        t += ['rewrite-dst', rw_dst]
    if eth_src:
        t += ['eth-src', eth_src]
    if eth_dst:
        t += ['eth-dst', eth_dst]
    if in_key:
        t += ['in-crypto', in_key.sdes()]
    if out_key:
        t += ['out-crypto', out_key.sdes()]
    return t + list(extra)


def flow_line(tokens):
    """One line of a --flows file: shell-like quoting."""
    return ' '.join('"%s"' % t if ' ' in t else t for t in tokens)


# Standard rig legs: phone side (DPDK port 0) <-> trunk side (port 1).
def phone_to_trunk(action, sport=PORT_PHONE, dport=PORT_DP_PHONE, out_sport=PORT_DP_TRUNK,
                   out_dport=PORT_TRUNK, **kw):
    return flow_tokens(0, '%s:%d' % (IP_PHONE, sport), '%s:%d' % (IP_DP_PHONE, dport), action, 1,
                       '%s:%d' % (IP_DP_TRUNK, out_sport), '%s:%d' % (IP_TRUNK, out_dport),
                       MAC_DP_TRUNK, MAC_TRUNK, **kw)


def trunk_to_phone(action, sport=PORT_TRUNK, dport=PORT_DP_TRUNK, out_sport=PORT_DP_PHONE,
                   out_dport=PORT_PHONE, **kw):
    return flow_tokens(1, '%s:%d' % (IP_TRUNK, sport), '%s:%d' % (IP_DP_TRUNK, dport), action, 0,
                       '%s:%d' % (IP_DP_PHONE, out_sport), '%s:%d' % (IP_PHONE, out_dport),
                       MAC_DP_PHONE, MAC_PHONE, **kw)


def peer_args(count, key=None, ssrc=None, seq=None, rtcp=False, tamper=None, replay=None,
              payload=None):
    a = ['--count', str(count)]
    if key:
        a += ['--srtp', key.peer()]
    if ssrc is not None:
        a += ['--ssrc', str(ssrc)]
    if seq is not None:
        a += ['--seq', str(seq)]
    if rtcp:
        a += ['--rtcp']
    if tamper:
        a += ['--tamper', ','.join(str(x) for x in tamper)]
    if replay:
        a += ['--replay', ','.join(str(x) for x in replay)]
    if payload is not None:
        a += ['--payload-size', str(payload)]
    return a


def run(cmd, timeout=60, check_rc=False):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check_rc and p.returncode != 0:
        print('     command failed (rc %d): %s\n     %s' % (p.returncode, ' '.join(cmd),
                                                        (p.stderr or p.stdout).strip()[-2000:]))
    return p


def parse_json(text):
    """The last JSON object in text (tools may print a line before it)."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for start in [m.start() for m in re.finditer(r'^\{', text, re.M)][::-1]:
        try:
            return json.loads(text[start:])
        except ValueError:
            continue
    return None


def jfind(obj, key, default=None):
    """First value of key in a nested JSON document, breadth first (so a
    top-level counter wins over a per-port one of the same name)."""
    queue = [obj]
    while queue:
        o = queue.pop(0)
        if isinstance(o, dict):
            if key in o:
                return o[key]
            queue.extend(o.values())
        elif isinstance(o, list):
            queue.extend(o)
    return default


def jnum(obj, *keys):
    """The first of keys found (names differ between the CLI and the stats
    file: e.g. no_flow_drop / no_flow), as an int; None if none is there."""
    for k in keys:
        v = jfind(obj, k)
        if isinstance(v, (int, float)):
            return int(v)
    return None


def jlist(obj, key):
    v = jfind(obj, key)
    return v if isinstance(v, list) else []


class Receiver:
    """udp_peer recv in the background; start() returns once it listens."""

    def __init__(self, prefix, listen, count, timeout_ms=3000, extra=()):
        self.cmd = list(prefix) + [PEER, 'recv', '--listen', str(listen), '--count', str(count),
                                   '--timeout-ms', str(timeout_ms)] + list(extra)
        self.p = None

    def start(self):
        self.p = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        deadline = time.time() + 10
        buf = ''
        while time.time() < deadline:
            r, _, _ = select.select([self.p.stderr], [], [], 0.2)
            if r:
                line = self.p.stderr.readline()
                buf += line
                if 'listening' in line:
                    return self
                if line == '':
                    break
        raise RuntimeError('udp_peer recv did not start: ' + ' '.join(self.cmd) + '\n' + buf)

    def result(self, timeout=60):
        out, err = self.p.communicate(timeout=timeout)
        r = parse_json(out)
        if r is None:
            print('     udp_peer recv printed no JSON: ' + (out + err).strip()[-1000:])
            return {}
        return r


def skip(msg):
    print('SKIP: ' + msg)
    sys.exit(SKIP)
