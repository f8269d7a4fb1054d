#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The rig behaviours offline: udp_peer pcap-write builds what the phone and
the trunk would send, shieldlock-dp replays it through net_pcap ports
(port 0 = phone side, port 1 = trunk side, as in the rig) with --flows and
--run-for, and udp_peer pcap-check (libsrtp2) checks what came out, next to
the counters of --stats-json. No root, no namespaces.

    offline_test.py CASE      (CASE: see CASES at the end)

Binaries from $SHIELDLOCK_DP and $UDP_PEER (meson sets them)."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from riglib import (DP, IP6_DP_PHONE, IP6_DP_TRUNK, IP6_PHONE, IP6_TRUNK, IP_DP_PHONE,
                    IP_DP_TRUNK, IP_PHONE, IP_TRUNK, MAC_DP_PHONE, MAC_DP_TRUNK, MAC_PHONE,
                    MAC_TRUNK, PEER, PORT_DP_PHONE, PORT_DP_TRUNK, PORT_PHONE, PORT_TRUNK,
                    Checks, Key, flow_line, flow_tokens, jfind, jnum, parse_json, peer_args,
                    phone_to_trunk, run, trunk_to_phone)


def ap(ip, port):
    return ('[%s]:%d' if ':' in ip else '%s:%d') % (ip, port)


PHONE_SIDE = ['--from', ap(IP_PHONE, PORT_PHONE), '--to', ap(IP_DP_PHONE, PORT_DP_PHONE),
              '--src-mac', MAC_PHONE, '--dst-mac', MAC_DP_PHONE]
TRUNK_SIDE = ['--from', ap(IP_TRUNK, PORT_TRUNK), '--to', ap(IP_DP_TRUNK, PORT_DP_TRUNK),
              '--src-mac', MAC_TRUNK, '--dst-mac', MAC_DP_TRUNK]
# What leaves each side of the data plane for those flows.
TO_TRUNK = ['--from', ap(IP_DP_TRUNK, PORT_DP_TRUNK), '--to', ap(IP_TRUNK, PORT_TRUNK),
            '--src-mac', MAC_DP_TRUNK, '--dst-mac', MAC_TRUNK]
TO_PHONE = ['--from', ap(IP_DP_PHONE, PORT_DP_PHONE), '--to', ap(IP_PHONE, PORT_PHONE),
            '--src-mac', MAC_DP_PHONE, '--dst-mac', MAC_PHONE]


class Offline:
    def __init__(self, c, name):
        self.c = c
        self.name = name
        # short path: the control socket path must fit sun_path
        self.dir = tempfile.mkdtemp(prefix='sl-pcap-', dir='/tmp')
        self.flows = []
        for f in ('in0.pcap', 'in1.pcap'):
            self.write(f, ['--count', '0'])

    def path(self, f):
        return os.path.join(self.dir, f)

    def write(self, f, args, append=False):
        p = run([PEER, 'pcap-write', self.path(f)] + (['--append'] if append else []) + args,
                check_rc=True)
        if p.returncode != 0:
            raise RuntimeError('udp_peer pcap-write failed')

    def phone_sends(self, args):
        self.write('in0.pcap', PHONE_SIDE + args, append=True)

    def trunk_sends(self, args):
        self.write('in1.pcap', TRUNK_SIDE + args, append=True)

    def flow(self, tokens, cookie):
        self.flows.append(flow_line(tokens + ['cookie', str(cookie)]))

    def run_dp(self, workers=1, tag='', extra=(), engine='ipsec-mb'):
        """One shieldlock-dp run over the input pcaps; returns --stats-json."""
        with open(self.path('flows.txt'), 'w') as f:
            f.write('# %s\n' % self.name + '\n'.join(self.flows) + '\n')
        os.chmod(self.path('flows.txt'), 0o600)
        prefix = 'sl-pcap-%d-%s%s' % (os.getpid(), self.name, tag)
        lcores = '0@0,' + ','.join('%d@%d' % (i, i % os.cpu_count()) for i in range(1, workers + 1))
        out = [self.path('out0%s.pcap' % tag), self.path('out1%s.pcap' % tag)]
        stats = self.path('stats%s.json' % tag)
        cmd = [DP, '--no-pci', '--no-huge', '-m', '512', '--file-prefix', prefix, '--no-telemetry',
               '--lcores', lcores, '--log-level', 'pmd.net.pcap:error',
               '--vdev', 'net_pcap0,rx_pcap=%s,tx_pcap=%s' % (self.path('in0.pcap'), out[0]),
               '--vdev', 'net_pcap1,rx_pcap=%s,tx_pcap=%s' % (self.path('in1.pcap'), out[1]),
               '--', '--ctl-socket', self.path('ctl.sock'), '--engine', engine,
               '--workers', ','.join(str(i) for i in range(1, workers + 1)),
               '--flows', self.path('flows.txt'), '--run-for', '2', '--stats-json', stats,
               '--quiet'] + list(extra)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
        for d in ('/var/run/dpdk/' + prefix,
                  os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/tmp'), 'dpdk', prefix)):
            shutil.rmtree(d, ignore_errors=True)
        ok = self.c.check('%sshieldlock-dp ran (%d worker%s) and exited 0' % (
            tag + ': ' if tag else '', workers, 's' if workers > 1 else ''), p.returncode == 0,
            'rc %d\n%s\n%s' % (p.returncode, p.stdout[-3000:], p.stderr[-3000:]))
        if not ok:
            return {}
        try:
            with open(stats) as f:
                s = parse_json(f.read())
        except OSError as e:
            s = None
            self.c.check('--stats-json written', False, e)
        return s or {}

    def check_out(self, name, f, count, expect, key=None, rtcp=0, rtp=None):
        args = ['--count', str(count)] + expect + (['--srtp', key.peer()] if key else [])
        p = run([PEER, 'pcap-check', self.path(f)] + args)
        r = parse_json(p.stdout) or {}
        self.c.check('%s: %d packets out, libsrtp2-verified, addresses/MACs/checksums right' % (
            name, count), p.returncode == 0, r or p.stderr)
        if rtp is not None:
            self.c.check('%s: %d RTP + %d RTCP' % (name, rtp, rtcp),
                         r.get('rtp') == rtp and r.get('rtcp') == rtcp, r)
        return r

    def inspect(self, f, args):
        """pcap-check output without a verdict (for negative checks)."""
        return parse_json(run([PEER, 'pcap-check', self.path(f)] + args).stdout) or {}

    def frames(self, f):
        return read_pcap(self.path(f))

    def cleanup(self):
        if self.c.failed:
            print('     files kept in ' + self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def read_pcap(path):
    """Frame bytes of a classic pcap file (what net_pcap writes)."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack('<I', data[:4])[0]
    end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + 'IIII', data[off:off + 16])
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def flow_ctr(stats, cookie):
    for fl in jfind(stats, 'flow_list') or []:
        if fl.get('cookie') == cookie:
            return fl.get('counters', {})
    return {}


def port_ctr(stats, port, name):
    ports = jfind(stats, 'ports') or []
    return ports[port].get(name) if port < len(ports) else None


# ---------------------------------------------------------------- cases

def c_protect(o, c):
    key = Key(2)
    o.phone_sends(peer_args(50))
    o.flow(phone_to_trunk('srtp-protect', out_key=key), 1)
    s = o.run_dp()
    o.check_out('srtp-protect', 'out1.pcap', 50, TO_TRUNK, key)
    r = o.inspect('out1.pcap', ['--count', '50'])
    c.check('srtp-protect: no plaintext payload left the trunk side',
            r.get('received') == 50 and r.get('payload_ok') == 0, r)
    c.check('srtp-protect: nothing went back to the phone side', o.frames('out0.pcap') == [])
    k = flow_ctr(s, 1)
    c.check('flow counters pkts_in=50 pkts_out=50', k.get('pkts_in') == 50 and
            k.get('pkts_out') == 50, k)
    c.check('port 0 rx_pkts=50, port 1 tx_pkts=50', port_ctr(s, 0, 'rx_pkts') == 50 and
            port_ctr(s, 1, 'tx_pkts') == 50, jfind(s, 'ports'))


def c_unprotect(o, c):
    key = Key(3, 'AEAD_AES_256_GCM')
    o.trunk_sends(peer_args(50, key))
    o.flow(trunk_to_phone('srtp-unprotect', in_key=key), 1)
    s = o.run_dp()
    o.check_out('srtp-unprotect', 'out0.pcap', 50, TO_PHONE)
    k = flow_ctr(s, 1)
    c.check('flow counters pkts_in=50 pkts_out=50 auth_fail=0', k.get('pkts_in') == 50 and
            k.get('pkts_out') == 50 and k.get('auth_fail') == 0, k)


def c_rekey(o, c):
    k1, k2 = Key(4), Key(5, 'AES_256_CM_HMAC_SHA1_32')
    o.phone_sends(peer_args(40, k1))
    o.trunk_sends(peer_args(40, k2, ssrc=0x7777))
    o.flow(phone_to_trunk('srtp-rekey', in_key=k1, out_key=k2), 1)
    o.flow(trunk_to_phone('srtp-rekey', in_key=k2, out_key=k1), 2)
    s = o.run_dp()
    o.check_out('srtp-rekey phone->trunk', 'out1.pcap', 40, TO_TRUNK, k2)
    o.check_out('srtp-rekey trunk->phone', 'out0.pcap', 40, TO_PHONE, k1)
    r = o.inspect('out1.pcap', ['--count', '40', '--srtp', k1.peer()])
    c.check('srtp-rekey: output is under the new key only', r.get('auth_fail') == 40, r)
    for ck in (1, 2):
        k = flow_ctr(s, ck)
        c.check('flow %d counters in=out=40' % ck, k.get('pkts_in') == 40 and
                k.get('pkts_out') == 40, k)


def c_rtcp(o, c):
    key = Key(6)
    o.phone_sends(peer_args(20))
    o.phone_sends(peer_args(5, rtcp=True))
    o.trunk_sends(peer_args(5, key, rtcp=True, ssrc=0x5151))
    o.trunk_sends(peer_args(20, key, ssrc=0x5151))
    o.flow(phone_to_trunk('srtp-protect', out_key=key), 1)
    o.flow(trunk_to_phone('srtp-unprotect', in_key=key), 2)
    s = o.run_dp()
    o.check_out('RTP+RTCP -> SRTP+SRTCP', 'out1.pcap', 25, TO_TRUNK, key, rtcp=5, rtp=20)
    o.check_out('SRTCP+SRTP -> RTCP+RTP', 'out0.pcap', 25, TO_PHONE, rtcp=5, rtp=20)
    for ck in (1, 2):
        k = flow_ctr(s, ck)
        c.check('flow %d: rtcp_in=rtcp_out=5, pkts_in=25' % ck, k.get('rtcp_in') == 5 and
                k.get('rtcp_out') == 5 and k.get('pkts_in') == 25, k)


def c_tamper_replay(o, c):
    key = Key(8)
    o.trunk_sends(peer_args(20, key, tamper=[3, 7], replay=[10, 12]))
    o.trunk_sends(peer_args(5, key, rtcp=True, tamper=[1], replay=[2]))
    o.flow(trunk_to_phone('srtp-unprotect', in_key=key), 1)
    s = o.run_dp()
    r = o.check_out('tamper/replay', 'out0.pcap', 22, TO_PHONE, rtcp=4, rtp=18)
    c.check('no duplicates passed', r.get('duplicates') == 0, r)
    c.check('tampered 1003 and 1007 missing', 1003 not in r.get('seqs', []) and
            1007 not in r.get('seqs', []), r.get('seqs'))
    k = flow_ctr(s, 1)
    c.check('flow counters auth_fail=3 replay=3 pkts_out=22', k.get('auth_fail') == 3 and
            k.get('replay') == 3 and k.get('pkts_out') == 22, k)
    c.check('global auth_fail=3 replay=3', jnum(s, 'auth_fail') == 3 and jnum(s, 'replay') == 3,
            {x: jnum(s, x) for x in ('auth_fail', 'replay')})


def c_no_flow_drop(o, c):
    key = Key(9)
    o.phone_sends(peer_args(10))                                      # has a flow
    o.write('in0.pcap', ['--from', ap(IP_PHONE, 4100), '--to', ap(IP_DP_PHONE, 20100),
                         '--src-mac', MAC_PHONE, '--dst-mac', MAC_DP_PHONE, '--ssrc', '7']
            + peer_args(10), append=True)                             # has none
    o.flow(phone_to_trunk('srtp-protect', out_key=key), 1)
    s = o.run_dp(extra=['--no-flow', 'drop'])
    o.check_out('the flow still passes', 'out1.pcap', 10, TO_TRUNK, key)
    c.check('no_flow_drop=10', jnum(s, 'no_flow_drop') == 10, jnum(s, 'no_flow_drop'))
    c.check('port 0 no_flow=10', port_ctr(s, 0, 'no_flow') == 10, jfind(s, 'ports'))
    c.check('nothing else left the data plane', len(o.frames('out1.pcap')) == 10 and
            o.frames('out0.pcap') == [])


def c_ipv6_vlan(o, c):
    """IPv6 on both sides; the phone side tagged with VLAN 77 (one tag)."""
    key = Key(10)
    o.write('in0.pcap', ['--from', ap(IP6_PHONE, PORT_PHONE), '--to', ap(IP6_DP_PHONE, PORT_DP_PHONE),
                         '--src-mac', MAC_PHONE, '--dst-mac', MAC_DP_PHONE, '--vlan', '77']
            + peer_args(30), append=True)
    o.flow(flow_tokens(0, ap(IP6_PHONE, PORT_PHONE), ap(IP6_DP_PHONE, PORT_DP_PHONE),
                       'srtp-protect', 1, ap(IP6_DP_TRUNK, PORT_DP_TRUNK),
                       ap(IP6_TRUNK, PORT_TRUNK), MAC_DP_TRUNK, MAC_TRUNK, out_key=key), 1)
    s = o.run_dp()
    o.check_out('IPv6 (VLAN in) srtp-protect', 'out1.pcap', 30,
                ['--from', ap(IP6_DP_TRUNK, PORT_DP_TRUNK), '--to', ap(IP6_TRUNK, PORT_TRUNK),
                 '--src-mac', MAC_DP_TRUNK, '--dst-mac', MAC_TRUNK], key)
    k = flow_ctr(s, 1)
    c.check('IPv6 flow counters in=out=30', k.get('pkts_in') == 30 and k.get('pkts_out') == 30, k)


def c_workers(o, c):
    """The same input through 1 and 2 workers: identical output per flow."""
    k1, k2, k3 = Key(11), Key(12), Key(13, 'AEAD_AES_128_GCM')
    o.phone_sends(peer_args(30))
    o.write('in0.pcap', ['--from', ap(IP_PHONE, 4002), '--to', ap(IP_DP_PHONE, 20002),
                         '--src-mac', MAC_PHONE, '--dst-mac', MAC_DP_PHONE]
            + peer_args(30, k2, ssrc=2, tamper=[5], replay=[9]), append=True)
    o.trunk_sends(peer_args(30, k1, ssrc=3))
    o.trunk_sends(peer_args(10, k1, ssrc=3, seq=5000, rtcp=True))
    o.flow(phone_to_trunk('srtp-protect', out_key=k1) + ['worker', '0'], 1)
    o.flow(phone_to_trunk('srtp-rekey', sport=4002, dport=20002, out_sport=30002, out_dport=5006,
                          in_key=k2, out_key=k3) + ['worker', '1'], 2)
    o.flow(trunk_to_phone('srtp-unprotect', in_key=k1) + ['worker', '1'], 3)
    flows_two = list(o.flows)
    # one worker: the same flows without the pins (worker 1 does not exist)
    o.flows = [f.replace(' worker 0', '').replace(' worker 1', '') for f in flows_two]
    s1 = o.run_dp(workers=1, tag='w1')
    o.flows = flows_two
    s2 = o.run_dp(workers=2, tag='w2')
    for tag in ('w1', 'w2'):
        o.check_out(tag + ' protect', 'out1%s.pcap' % tag, 30, TO_TRUNK[:2] + ['--to', ap(IP_TRUNK, 5004)], k1)
        o.check_out(tag + ' rekey', 'out1%s.pcap' % tag, 29,
                    ['--from', ap(IP_DP_TRUNK, 30002), '--to', ap(IP_TRUNK, 5006)], k3)
        o.check_out(tag + ' unprotect', 'out0%s.pcap' % tag, 40, TO_PHONE, rtp=30, rtcp=10)
    for side in ('0', '1'):
        a, b = o.frames('out%sw1.pcap' % side), o.frames('out%sw2.pcap' % side)
        c.check('port %s: same frames with 1 and 2 workers' % side, sorted(a) == sorted(b),
                '%d vs %d frames' % (len(a), len(b)))
        c.check('port %s: same order within each flow' % side,
                per_flow(a) == per_flow(b), 'order differs')
    for ck in (1, 2, 3):
        a, b = flow_ctr(s1, ck), flow_ctr(s2, ck)
        keys = ('pkts_in', 'pkts_out', 'rtcp_in', 'rtcp_out', 'auth_fail', 'replay')
        c.check('flow %d: same counters with 1 and 2 workers' % ck,
                a and all(a.get(x) == b.get(x) for x in keys), (a, b))
    w = jfind(s2, 'workers') or []
    busy = [x.get('processed', 0) for x in w]
    c.check('2 workers: both processed packets of their flows %s' % busy,
            len(busy) == 2 and all(x > 0 for x in busy), w)
    ho = sum(x.get('handoff_in', 0) for x in w)
    c.info('2 workers: %d packets were steered between workers (no RSS on net_pcap)' % ho)


def c_engines(o, c):
    """Every engine gives output libsrtp2 accepts (and the same frames: the
    SRTP transform is deterministic), both directions, two suites."""
    k1, k2 = Key(14), Key(15, 'AEAD_AES_256_GCM')
    o.phone_sends(peer_args(20, k1))
    o.trunk_sends(peer_args(20, k2, ssrc=0x7777))
    o.trunk_sends(peer_args(4, k2, ssrc=0x7777, seq=300, rtcp=True))
    o.flow(phone_to_trunk('srtp-rekey', in_key=k1, out_key=k2), 1)
    o.flow(trunk_to_phone('srtp-rekey', in_key=k2, out_key=k1), 2)
    outs = {}
    for eng in ('ipsec-mb', 'openssl', 'cryptodev'):
        tag = eng.replace('-', '')
        s = o.run_dp(tag=tag, engine=eng)
        if not s:
            continue
        o.check_out(eng + ' phone->trunk', 'out1%s.pcap' % tag, 20, TO_TRUNK, k2)
        o.check_out(eng + ' trunk->phone', 'out0%s.pcap' % tag, 24, TO_PHONE, k1, rtp=20, rtcp=4)
        outs[eng] = (o.frames('out0%s.pcap' % tag), o.frames('out1%s.pcap' % tag))
    ref = outs.get('ipsec-mb')
    for eng, fr in outs.items():
        if eng != 'ipsec-mb':
            c.check('%s: byte-identical output to ipsec-mb' % eng, fr == ref)


def per_flow(frames):
    """Frames grouped by UDP destination port, each group in order."""
    g = {}
    for f in frames:
        off = 14 + (4 if f[12:14] == b'\x81\x00' else 0)
        l4 = off + (20 if f[off] >> 4 == 4 else 40)
        g.setdefault(f[l4 + 2:l4 + 4], []).append(f)
    return g


CASES = {
    'protect': c_protect, 'unprotect': c_unprotect, 'rekey': c_rekey, 'rtcp': c_rtcp,
    'tamper_replay': c_tamper_replay, 'no_flow_drop': c_no_flow_drop, 'ipv6_vlan': c_ipv6_vlan,
    'workers': c_workers, 'engines': c_engines,
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print('usage: offline_test.py {%s}' % ','.join(CASES))
        return 2
    c = Checks()
    if not c.check('%s --help works' % DP,
                   subprocess.run([DP, '--help'], capture_output=True).returncode == 0):
        return c.done()
    o = Offline(c, sys.argv[1])
    try:
        CASES[sys.argv[1]](o, c)
    except Exception as e:
        c.check('case ran to the end', False, '%s: %s' % (type(e).__name__, e))
    finally:
        o.cleanup()
    return c.done()


if __name__ == '__main__':
    sys.exit(main())
