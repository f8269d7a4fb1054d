#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Rig tests (issue 3 §6; docs/rig.md): real namespaces and veths,
shieldlock-dp on net_af_packet, libsrtp2 (udp_peer) at both ends.

    rig_test.py PATH/TO/shieldlock-rig SCENARIO

Binaries come from $SHIELDLOCK_DP, $SHIELDLOCK_CTL and $UDP_PEER (meson sets
them). Each scenario brings the rig up with the options it needs and takes it
down at the end, whatever happened. Exit 0 = pass, 1 = fail, 77 = skipped
(not root, or no network namespaces)."""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

from riglib import (CTL, DP, IP_DP_PHONE, IP_DP_TRUNK, IP_PHONE, IP_TRUNK, MAC_DP_PHONE,
                    MAC_DP_TRUNK, MAC_PHONE, MAC_TRUNK, PEER, PORT_DP_PHONE, PORT_DP_TRUNK,
                    PORT_PHONE, PORT_TRUNK, Checks, Key, Receiver, jfind, jlist, jnum,
                    parse_json, peer_args, phone_to_trunk, run, skip, trunk_to_phone)

NS_PHONE, NS_TRUNK, NS_DP = 'sl-phone', 'sl-trunk', 'sl-dp'
SOCK = '/run/shieldlock/rig-dp.sock'
LOG = '/run/shieldlock/rig-dp.log'
INTERVAL = ['--interval-us', '2000']


def ns(name):
    return ['ip', 'netns', 'exec', name]


class Rig:
    def __init__(self, script, c):
        self.script = script
        self.c = c
        self.is_up = False

    def up(self, workers=1, engine='ipsec-mb', no_dp=False, dp_args=()):
        cmd = [self.script, 'up', '--workers', str(workers), '--engine', engine]
        if no_dp:
            cmd.append('--no-dp')
        if dp_args:
            cmd += ['--dp-args'] + list(dp_args)
        self.is_up = True
        p = run(cmd, timeout=120)
        print(p.stdout.rstrip())
        if p.returncode != 0:
            raise RuntimeError('shieldlock-rig up failed:\n' + p.stderr)

    def down(self, keep_log=False):
        p = run([self.script, 'down'] + (['--keep-log'] if keep_log else []), timeout=60)
        if p.returncode != 0:
            print('     shieldlock-rig down: ' + p.stderr.strip())
        self.is_up = False
        return p.returncode == 0

    def log_tail(self, n=40):
        try:
            with open(LOG) as f:
                lines = f.readlines()[-n:]
            print('--- %s (last %d lines) ---\n%s---' % (LOG, len(lines), ''.join(lines)))
        except OSError:
            pass

    def ctl(self, *args, as_json=True):
        cmd = [CTL, '--socket', SOCK] + (['--json'] if as_json else []) + list(args)
        return run(cmd, timeout=30)

    def flow_add(self, tokens):
        p = self.ctl('dp', 'flow', 'add', *tokens)
        if p.returncode != 0:
            raise RuntimeError('flow add failed (rc %d): %s %s\n  tokens: %s' % (
                p.returncode, p.stdout.strip(), p.stderr.strip(),
                ' '.join(t if 'inline' not in t else '<crypto>' for t in tokens)))
        j = parse_json(p.stdout)
        fid = jfind(j, 'id') if j is not None else None
        if fid is None:
            import re
            m = re.search(r'(\d+)', p.stdout)
            fid = int(m.group(1)) if m else None
        if fid is None:
            raise RuntimeError('flow add printed no id: ' + p.stdout)
        return int(fid)

    def flow_show(self, fid):
        p = self.ctl('dp', 'flow', 'show', str(fid))
        return parse_json(p.stdout) if p.returncode == 0 else None

    def stats(self):
        p = self.ctl('dp', 'stats')
        j = parse_json(p.stdout) if p.returncode == 0 else None
        if j is None:
            print('     dp stats failed: ' + (p.stderr or p.stdout).strip())
            return {}
        return j

    def send(self, where, to, frm, args, check_rc=True):
        return run(ns(where) + [PEER, 'send', '--to', to, '--from', str(frm)] + INTERVAL + args,
                   timeout=120, check_rc=check_rc)


def recv(where, port, count, args=(), timeout_ms=3000):
    return Receiver(ns(where), port, count, timeout_ms, list(args)).start()


def media_ok(c, name, r, n, key=None, frm=None, rtcp=0):
    """n RTP (+ rtcp RTCP) packets arrived, each decrypted (if key) and intact."""
    c.check(name + ': %d packets arrived' % (n + rtcp), r.get('received') == n + rtcp, r)
    c.check(name + ': payloads intact', r.get('payload_ok') == n + rtcp and
            r.get('payload_mismatch') == 0, r)
    if key:
        c.check(name + ': libsrtp2 authenticated and decrypted all', r.get('decrypted_ok') == n + rtcp
                and r.get('auth_fail') == 0, r)
    if rtcp:
        c.check(name + ': %d RTP + %d RTCP demultiplexed' % (n, rtcp),
                r.get('rtp') == n and r.get('rtcp') == rtcp, r)
    if frm:
        c.check(name + ': source rewritten to ' + frm, r.get('from') == frm, r.get('from'))


def counters(rig, fid):
    j = rig.flow_show(fid) or {}
    return {k: jnum(j, k) for k in ('pkts_in', 'pkts_out', 'rtcp_in', 'rtcp_out', 'auth_fail',
                                    'replay', 'malformed', 'other_drop', 'engine_err')}


class Capture:
    """tcpdump on an interface of a namespace, to check what crossed the wire."""

    def __init__(self, where, ifc, path):
        self.path = path
        self.p = subprocess.Popen(ns(where) + ['tcpdump', '-i', ifc, '--immediate-mode', '-U', '-n', '-w', path,
                                               'udp'], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            line = self.p.stderr.readline()
            if 'listening' in line or line == '':
                break

    def stop(self):
        time.sleep(0.3)
        self.p.terminate()
        self.p.wait(timeout=10)


def pcap_check(path, args):
    p = run([PEER, 'pcap-check', path] + args)
    return parse_json(p.stdout) or {}


# ---------------------------------------------------------------- scenarios

def s_wiring(rig, c, tmp):
    """The rig without the data plane: namespaces, veths, MACs, neighbours,
    checksums. The appliance addresses are put on the dp veths for a moment
    so a plain socket in sl-dp can answer."""
    rig.up(no_dp=True)
    key = Key(1)
    for host, dpif, dpip, src in ((NS_PHONE, 'dp-phone', IP_DP_PHONE, IP_PHONE),
                                  (NS_TRUNK, 'dp-trunk', IP_DP_TRUNK, IP_TRUNK)):
        run(ns(NS_DP) + ['ip', 'addr', 'add', dpip + '/24', 'dev', dpif], check_rc=True)
        try:
            cap = Capture(NS_DP, dpif, os.path.join(tmp, dpif + '.pcap'))
            r = recv(NS_DP, 20000, 10, ['--srtp', key.peer()])
            rig.send(host, '%s:20000' % dpip, 4000, peer_args(10, key))
            res = r.result()
            cap.stop()
            media_ok(c, '%s -> sl-dp SRTP (libsrtp2 both ends)' % host, res, 10, key,
                     frm='%s:4000' % src)
            r = recv(NS_DP, 20001, 10)
            rig.send(host, '%s:20001' % dpip, 4001, peer_args(10))
            media_ok(c, '%s -> sl-dp plain RTP' % host, r.result(), 10)
            pc = pcap_check(cap.path, ['--count', '10', '--to', '%s:20000' % dpip, '--srtp',
                                       key.peer(), '--src-mac',
                                       MAC_PHONE if host == NS_PHONE else MAC_TRUNK])
            c.check('%s: frames seen on %s carry valid UDP checksums (offload off)' % (host, dpif),
                    pc.get('received') == 10 and pc.get('bad_udp_csum') == 0 and
                    pc.get('bad_ip_csum') == 0 and pc.get('no_udp_csum') == 0, pc)
            c.check('%s: fixed MAC on the wire' % host, pc.get('eth_mismatch') == 0, pc)
        finally:
            run(ns(NS_DP) + ['ip', 'addr', 'del', dpip + '/24', 'dev', dpif])
    p = run(ns(NS_PHONE) + ['ethtool', '-k', 'phone0'])
    c.check('tx checksum offload off on phone0', 'tx-checksumming: off' in p.stdout, p.stdout[:200])
    p = run(ns(NS_DP) + ['ethtool', '-k', 'dp-trunk'])
    c.check('rx/tx checksum offload off on dp-trunk', 'tx-checksumming: off' in p.stdout and
            'rx-checksumming: off' in p.stdout, p.stdout[:200])


def s_protect(rig, c, tmp, workers=1):
    """(a) RTP from the phone leaves the trunk side as SRTP libsrtp2 decrypts."""
    rig.up(workers=workers)
    key = Key(2)
    fid = rig.flow_add(phone_to_trunk('srtp-protect', out_key=key))
    cap = Capture(NS_TRUNK, 'trunk0', os.path.join(tmp, 'trunk0.pcap'))
    r = recv(NS_TRUNK, PORT_TRUNK, 50, ['--srtp', key.peer()])
    rig.send(NS_PHONE, '%s:%d' % (IP_DP_PHONE, PORT_DP_PHONE), PORT_PHONE, peer_args(50))
    res = r.result()
    cap.stop()
    media_ok(c, 'srtp-protect', res, 50, key, frm='%s:%d' % (IP_DP_TRUNK, PORT_DP_TRUNK))
    c.check('srtp-protect: sequence numbers in order',
            jlist(res, 'seqs') == list(range(1000, 1050)), jlist(res, 'seqs'))
    pc = pcap_check(cap.path, ['--count', '50', '--to', '%s:%d' % (IP_TRUNK, PORT_TRUNK),
                               '--from', '%s:%d' % (IP_DP_TRUNK, PORT_DP_TRUNK),
                               '--src-mac', MAC_DP_TRUNK, '--dst-mac', MAC_TRUNK,
                               '--srtp', key.peer()])
    c.check('srtp-protect: wire frames: rewritten MACs/addresses, valid checksums',
            pc.get('decrypted_ok') == 50 and pc.get('eth_mismatch') == 0 and
            pc.get('src_mismatch') == 0 and pc.get('bad_udp_csum') == 0 and
            pc.get('bad_ip_csum') == 0, pc)
    pc = pcap_check(cap.path, ['--count', '50'])
    c.check('srtp-protect: no plaintext payload on the trunk wire', pc.get('payload_ok') == 0, pc)
    k = counters(rig, fid)
    c.check('srtp-protect: flow counters pkts_in=50 pkts_out=50',
            k['pkts_in'] == 50 and k['pkts_out'] == 50, k)
    return res


def s_unprotect(rig, c, tmp):
    """(b) SRTP from the trunk leaves the phone side as RTP."""
    rig.up()
    key = Key(3)
    fid = rig.flow_add(trunk_to_phone('srtp-unprotect', in_key=key))
    r = recv(NS_PHONE, PORT_PHONE, 50)
    rig.send(NS_TRUNK, '%s:%d' % (IP_DP_TRUNK, PORT_DP_TRUNK), PORT_TRUNK, peer_args(50, key))
    media_ok(c, 'srtp-unprotect', r.result(), 50, frm='%s:%d' % (IP_DP_PHONE, PORT_DP_PHONE))
    k = counters(rig, fid)
    c.check('srtp-unprotect: flow counters pkts_in=50 pkts_out=50 auth_fail=0',
            k['pkts_in'] == 50 and k['pkts_out'] == 50 and k['auth_fail'] == 0, k)


def s_rekey(rig, c, tmp):
    """(c) SRTP with the phone leg's key in, SRTP with the trunk leg's key out,
    both directions, two suites."""
    rig.up()
    k_phone, k_trunk = Key(4), Key(5, 'AEAD_AES_128_GCM')
    keyfile = os.path.join(tmp, 'trunk.key')
    with open(keyfile, 'w') as f:
        f.write(k_trunk.sdes() + '\n')
    os.chmod(keyfile, 0o600)
    t = phone_to_trunk('srtp-rekey', in_key=k_phone)
    t += ['out-crypto', '@' + keyfile]          # keys from a file, not argv
    f1 = rig.flow_add(t)
    r = recv(NS_TRUNK, PORT_TRUNK, 40, ['--srtp', k_trunk.peer()])
    rig.send(NS_PHONE, '%s:%d' % (IP_DP_PHONE, PORT_DP_PHONE), PORT_PHONE, peer_args(40, k_phone))
    media_ok(c, 'srtp-rekey phone->trunk (AES_CM_80 -> AEAD_AES_128_GCM)', r.result(), 40, k_trunk)
    f2 = rig.flow_add(trunk_to_phone('srtp-rekey', in_key=k_trunk, out_key=k_phone))
    r = recv(NS_PHONE, PORT_PHONE, 40, ['--srtp', k_phone.peer()])
    rig.send(NS_TRUNK, '%s:%d' % (IP_DP_TRUNK, PORT_DP_TRUNK), PORT_TRUNK,
             peer_args(40, k_trunk, ssrc=0x7777))
    media_ok(c, 'srtp-rekey trunk->phone (AEAD_AES_128_GCM -> AES_CM_80)', r.result(), 40, k_phone)
    for fid in (f1, f2):
        k = counters(rig, fid)
        c.check('srtp-rekey flow %d: counters in=out=40' % fid,
                k['pkts_in'] == 40 and k['pkts_out'] == 40, k)


def s_rtcp(rig, c, tmp):
    """(d) RTCP/SRTCP of the same flows, RFC 5761 muxed on the RTP ports."""
    rig.up()
    kp, kt = Key(6), Key(7)
    f1 = rig.flow_add(phone_to_trunk('srtp-protect', out_key=kt))
    f2 = rig.flow_add(trunk_to_phone('srtp-unprotect', in_key=kt))
    r = recv(NS_TRUNK, PORT_TRUNK, 25, ['--srtp', kt.peer()])
    to = '%s:%d' % (IP_DP_PHONE, PORT_DP_PHONE)
    rig.send(NS_PHONE, to, PORT_PHONE, peer_args(20))
    rig.send(NS_PHONE, to, PORT_PHONE, peer_args(5, rtcp=True))
    media_ok(c, 'RTP+RTCP -> SRTP+SRTCP', r.result(), 20, kt, rtcp=5)
    r = recv(NS_PHONE, PORT_PHONE, 25)
    to = '%s:%d' % (IP_DP_TRUNK, PORT_DP_TRUNK)
    rig.send(NS_TRUNK, to, PORT_TRUNK, peer_args(5, kt, rtcp=True, ssrc=0x5151))
    rig.send(NS_TRUNK, to, PORT_TRUNK, peer_args(20, kt, ssrc=0x5151))
    media_ok(c, 'SRTCP+SRTP -> RTCP+RTP', r.result(), 20, rtcp=5)
    for fid in (f1, f2):
        k = counters(rig, fid)
        c.check('flow %d: rtcp_in=rtcp_out=5 of pkts_in=25' % fid, k['rtcp_in'] == 5 and
                k['rtcp_out'] == 5 and k['pkts_in'] == 25, k)
    del kp


def s_tamper_replay(rig, c, tmp):
    """(e) tampered and replayed SRTP/SRTCP are dropped and counted."""
    rig.up()
    key = Key(8)
    fid = rig.flow_add(trunk_to_phone('srtp-unprotect', in_key=key))
    s0 = rig.stats()
    r = recv(NS_PHONE, PORT_PHONE, 22, timeout_ms=2500)
    to = '%s:%d' % (IP_DP_TRUNK, PORT_DP_TRUNK)
    rig.send(NS_TRUNK, to, PORT_TRUNK, peer_args(20, key, tamper=[3, 7], replay=[10, 12]))
    rig.send(NS_TRUNK, to, PORT_TRUNK, peer_args(5, key, rtcp=True, tamper=[1], replay=[2]))
    res = r.result()
    c.check('18 RTP + 4 RTCP of 20 + 5 passed (2+1 tampered, 2+1 replays dropped)',
            res.get('rtp') == 18 and res.get('rtcp') == 4 and res.get('payload_ok') == 22, res)
    c.check('no duplicate reached the phone', res.get('duplicates') == 0, res)
    c.check('tampered sequence numbers are missing', 1003 not in jlist(res, 'seqs') and
            1007 not in jlist(res, 'seqs'), jlist(res, 'seqs'))
    k = counters(rig, fid)
    c.check('flow counters: auth_fail=3 replay=3', k['auth_fail'] == 3 and k['replay'] == 3, k)
    c.check('flow counters: pkts_out=22', k['pkts_out'] == 22, k)
    s1 = rig.stats()
    for name in ('auth_fail', 'replay'):
        a, b = jnum(s0, name), jnum(s1, name)
        c.check('dp stats: %s grew by 3' % name, a is not None and b is not None and b - a == 3,
                (a, b))


def s_no_flow_drop(rig, c, tmp):
    """(f) default policy drop: nothing passes, no_flow counters count it."""
    rig.up(dp_args=['--no-flow', 'drop'])
    s0 = rig.stats()
    r = recv(NS_TRUNK, PORT_TRUNK, 1, timeout_ms=1500)
    rig.send(NS_PHONE, '%s:%d' % (IP_DP_PHONE, 20002), PORT_PHONE, peer_args(10))
    res = r.result()
    c.check('no flow: nothing reached the trunk', res.get('received') == 0, res)
    s1 = rig.stats()
    a, b = jnum(s0, 'no_flow_drop'), jnum(s1, 'no_flow_drop')
    c.check('dp stats: no_flow_drop grew by 10', a is not None and b is not None and b - a == 10,
            (a, b))
    ports = jfind(s1, 'ports') or jfind(s1, 'port') or []
    p0 = ports[0] if isinstance(ports, list) and ports else {}
    c.check('dp stats: port 0 no_flow >= 10', (jnum(p0, 'no_flow') or 0) >= 10, p0)


def ctl_has_events():
    p = run([CTL, '--help'])
    return 'events' in (p.stdout + p.stderr)


def s_no_flow_punt(rig, c, tmp):
    """(f) default policy punt: packets go to the control plane as events."""
    rig.up(dp_args=['--no-flow', 'punt'])
    s0 = rig.stats()
    ev = None
    if ctl_has_events():
        ev = subprocess.Popen([CTL, '--socket', SOCK, '--json', 'dp', 'events', '--punt',
                               '--count', '10'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        time.sleep(1.0)     # subscribed before the packets come
    else:
        c.info('shieldlockctl has no "dp events": checking counters only')
    r = recv(NS_TRUNK, PORT_TRUNK, 1, timeout_ms=1500)
    rig.send(NS_PHONE, '%s:%d' % (IP_DP_PHONE, 20003), PORT_PHONE, peer_args(10))
    c.check('punt: nothing forwarded to the trunk', r.result().get('received') == 0)
    if ev:
        try:
            out, err = ev.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            ev.kill()
            out, err = ev.communicate()
        lines = [ln for ln in out.splitlines() if ln.strip()]
        c.check('punt: 10 events delivered to a subscriber', len(lines) >= 10 and ev.returncode == 0,
                (ev.returncode, out[-500:], err[-500:]))
        evs = [parse_json(ln) or {} for ln in lines[:10]]
        c.check('punt: events carry in-port 0 and the packet sent to port 20003',
                all(e.get('in_port') == 0 and '20003' in str(e.get('dst')) and
                    '4000' in str(e.get('src')) for e in evs), lines[:2])
    s1 = rig.stats()
    a0, a1 = jnum(s0, 'no_flow_punt'), jnum(s1, 'no_flow_punt')
    d0, d1 = jnum(s0, 'punt_drop'), jnum(s1, 'punt_drop')
    if None in (a0, a1, d0, d1):
        c.check('dp stats: no_flow_punt/punt_drop present', False, s1)
    elif ev:
        c.check('dp stats: no_flow_punt grew by 10', a1 - a0 == 10, (a0, a1, d0, d1))
    else:
        c.check('dp stats: no_flow_punt + punt_drop grew by 10', (a1 - a0) + (d1 - d0) == 10,
                (a0, a1, d0, d1))
    c.check('dp stats: no_flow_drop unchanged under punt',
            jnum(s0, 'no_flow_drop') == jnum(s1, 'no_flow_drop'), s1)


def s_flow_del(rig, c, tmp):
    """(g) a deleted flow stops passing traffic at once."""
    rig.up()
    key = Key(9)
    fid = rig.flow_add(phone_to_trunk('srtp-protect', out_key=key))
    to = '%s:%d' % (IP_DP_PHONE, PORT_DP_PHONE)
    r = recv(NS_TRUNK, PORT_TRUNK, 10, ['--srtp', key.peer()])
    rig.send(NS_PHONE, to, PORT_PHONE, peer_args(10))
    media_ok(c, 'before delete', r.result(), 10, key)
    p = rig.ctl('dp', 'flow', 'del', str(fid))
    c.check('flow del succeeds', p.returncode == 0, p.stderr)
    s0 = rig.stats()
    r = recv(NS_TRUNK, PORT_TRUNK, 10, ['--srtp', key.peer()], timeout_ms=1500)
    rig.send(NS_PHONE, to, PORT_PHONE, peer_args(10, seq=2000))
    res = r.result()
    c.check('after delete: nothing passes', res.get('received') == 0, res)
    s1 = rig.stats()
    a, b = jnum(s0, 'no_flow_drop'), jnum(s1, 'no_flow_drop')
    c.check('after delete: the 10 packets count as no_flow_drop', a is not None and b is not None
            and b - a == 10, (a, b))
    p = rig.ctl('dp', 'flow', 'show', str(fid))
    c.check('flow show of the deleted id fails with a message', p.returncode != 0 and
            (p.stderr + p.stdout).strip() != '', (p.returncode, p.stdout, p.stderr))
    p = rig.ctl('dp', 'flow', 'del', str(fid))
    c.check('deleting it again fails with a message', p.returncode != 0, p.stdout)


def run_mixed(rig, c, workers):
    """Four flows of three kinds, pinned half to worker 0 and half to worker
    1 (when there are two); returns what each receiver saw."""
    rig.up(workers=workers)
    k1, k2, k3 = Key(10), Key(11), Key(12, 'AES_256_CM_HMAC_SHA1_80')
    pin = lambda i: ['worker', str(i % workers)]
    rig.flow_add(phone_to_trunk('srtp-protect', out_key=k1, extra=pin(0)))
    rig.flow_add(phone_to_trunk('srtp-rekey', sport=4002, dport=20002, out_sport=30002,
                                out_dport=5006, in_key=k2, out_key=k3, extra=pin(1)))
    # a sender and a receiver must not share a port (the kernel would hand
    # one socket's datagrams to the other), so this leg uses 5010/4010
    rig.flow_add(trunk_to_phone('srtp-unprotect', sport=5010, dport=30010, out_sport=20010,
                                out_dport=4010, in_key=k1, extra=pin(1)))
    rig.flow_add(trunk_to_phone('forward', sport=5008, dport=30008, out_sport=20008,
                                out_dport=4008, extra=pin(0)))
    rx = [recv(NS_TRUNK, PORT_TRUNK, 30, ['--srtp', k1.peer()]),
          recv(NS_TRUNK, 5006, 30, ['--srtp', k3.peer()]),
          recv(NS_PHONE, 4010, 30),
          recv(NS_PHONE, 4008, 30)]
    # all four streams at once, so both workers are busy together
    tx = [subprocess.Popen(ns(NS_PHONE) + [PEER, 'send', '--to', '%s:20000' % IP_DP_PHONE,
                                           '--from', '4000'] + INTERVAL + peer_args(30)),
          subprocess.Popen(ns(NS_PHONE) + [PEER, 'send', '--to', '%s:20002' % IP_DP_PHONE,
                                           '--from', '4002'] + INTERVAL + peer_args(30, k2, ssrc=2)),
          subprocess.Popen(ns(NS_TRUNK) + [PEER, 'send', '--to', '%s:30010' % IP_DP_TRUNK,
                                           '--from', '5010'] + INTERVAL + peer_args(30, k1, ssrc=3)),
          subprocess.Popen(ns(NS_TRUNK) + [PEER, 'send', '--to', '%s:30008' % IP_DP_TRUNK,
                                           '--from', '5008'] + INTERVAL + peer_args(30, ssrc=4))]
    for t in tx:
        t.wait(timeout=60)
    res = [r.result() for r in rx]
    names = ['protect', 'rekey', 'unprotect', 'forward']
    for name, r in zip(names, res):
        c.check('%d worker(s): %s: 30 packets intact' % (workers, name),
                r.get('received') == 30 and r.get('payload_ok') == 30, r)
    st = rig.stats()
    workers_st = jfind(st, 'workers') or jfind(st, 'worker') or []
    if isinstance(workers_st, list):
        busy = [jnum(w, 'processed') or 0 for w in workers_st[:workers]]
        c.check('%d worker(s): every worker processed packets of its flows: %s' % (workers, busy),
                len(busy) == workers and all(b > 0 for b in busy), st)
    rig.down()
    return [(r.get('seqs'), r.get('ssrc'), r.get('payload_ok')) for r in res]


def s_workers(rig, c, tmp):
    """(h) two workers give the same results as one."""
    one = run_mixed(rig, c, 1)
    two = run_mixed(rig, c, 2)
    c.check('1 worker and 2 workers: identical results per flow', one == two, (one, two))


def ctl_raw(msgs, read=True):
    """Sends raw bytes to the control socket; returns the replies' (type, code)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(SOCK)
    out = []
    for m in msgs:
        try:
            s.sendall(m)
        except OSError:
            break
    if read:
        data = b''
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if len(data) >= 16 + 8:
                    break
        except OSError:
            pass
        while len(data) >= 16:
            magic, ver, typ, ln, seq = struct.unpack('<IHHII', data[:16])
            body = data[16:16 + ln]
            code = struct.unpack('<i', body[:4])[0] if len(body) >= 4 else None
            out.append((magic, typ, code))
            data = data[16 + ln:]
    s.close()
    return out


MAGIC = 0x50444c53
SL_DP_ERROR, SL_DP_FLOW_ADD = 3, 4
E_FRAMING, E_VERSION, E_TYPE = 1, 2, 3


def hdr(typ, ln, seq=1, magic=MAGIC, ver=1):
    return struct.pack('<IHHII', magic, ver, typ, ln, seq)


def s_malformed_ctl(rig, c, tmp):
    """(i) malformed control messages get an error; the data plane lives on."""
    rig.up()
    key = Key(13)
    rig.flow_add(phone_to_trunk('srtp-protect', out_key=key))
    cases = [
        ('garbage bytes', [b'GET / HTTP/1.1\r\nHost: x\r\n\r\n' + os.urandom(64)], E_FRAMING),
        ('bad magic', [hdr(1, 8, magic=0xdeadbeef) + bytes(8)], E_FRAMING),
        ('oversized length', [hdr(1, 10 * 1024 * 1024)], E_FRAMING),
        ('flow add before hello', [hdr(SL_DP_FLOW_ADD, 8) + bytes(8)], None),
        ('hello with a wrong length', [hdr(1, 3) + bytes(3)], None),
        ('unknown type', [hdr(999, 0)], None),
    ]
    for name, msgs, want in cases:
        replies = ctl_raw(msgs)
        ok = bool(replies) and replies[0][0] == MAGIC and replies[0][1] == SL_DP_ERROR
        if ok and want is not None:
            ok = replies[0][2] == want
        c.check('%s: SL_DP_ERROR reply%s' % (name, '' if want is None else ' code %d' % want),
                ok, replies)
    # a truncated message and a client that vanishes mid-message
    ctl_raw([hdr(1, 200) + bytes(10)], read=False)
    ctl_raw([b'\x53\x4c'], read=False)
    p = rig.ctl('dp', 'status')
    c.check('data plane still answers dp status', p.returncode == 0, p.stderr)
    p = rig.ctl('dp', 'flow', 'add', 'in-port', '0', 'src', 'nonsense', 'action', 'drop')
    c.check('CLI: bad flow text rejected with a message naming it', p.returncode != 0 and
            'src' in (p.stderr + p.stdout), (p.stdout, p.stderr))
    p = rig.ctl('dp', 'flow', 'add', *phone_to_trunk('forward', sport=4100, dport=20100)[:8],
                'out-port', '9')
    c.check('data plane: out-port 9 rejected with a message', p.returncode != 0 and
            (p.stderr + p.stdout).strip() != '', (p.stdout, p.stderr))
    r = recv(NS_TRUNK, PORT_TRUNK, 10, ['--srtp', key.peer()])
    rig.send(NS_PHONE, '%s:%d' % (IP_DP_PHONE, PORT_DP_PHONE), PORT_PHONE, peer_args(10))
    media_ok(c, 'traffic still flows after the abuse', r.result(), 10, key)
    st = os.stat(SOCK)
    c.check('control socket mode is 0600', (st.st_mode & 0o777) == 0o600, oct(st.st_mode))


def s_latch(rig, c, tmp):
    """(j) a flow with "src any latch" learns the phone's address from the
    first packet that authenticates; the reverse flow then sends there."""
    rig.up()
    k_in, k_out = Key(14), Key(15)
    rev = rig.flow_add(trunk_to_phone('srtp-protect', out_key=k_out))
    fwd = rig.flow_add(flow_any_latch(k_in, rev))
    to = '%s:%d' % (IP_DP_PHONE, PORT_DP_PHONE)
    # a forged packet from another port must not latch
    r = recv(NS_TRUNK, PORT_TRUNK, 1, timeout_ms=1000)
    rig.send(NS_PHONE, to, 5555, peer_args(1, k_in, tamper=[0]))
    c.check('forged packet not forwarded', r.result().get('received') == 0)
    info = rig.flow_show(fwd) or {}
    c.check('forged packet did not latch', not jfind(info, 'latched'), info)
    r = recv(NS_TRUNK, PORT_TRUNK, 10)
    rig.send(NS_PHONE, to, 4444, peer_args(10, k_in, seq=3000))
    media_ok(c, 'phone from an unannounced port 4444 -> trunk', r.result(), 10)
    info = rig.flow_show(fwd) or {}
    c.check('flow reports latched', bool(jfind(info, 'latched')), info)
    lt = jfind(info, 'latched')
    c.check('latched address is 10.77.1.2:4444', isinstance(lt, dict) and
            lt.get('src') == IP_PHONE and lt.get('sport') == 4444, lt)
    rv = jfind(rig.flow_show(rev) or {}, 'rewrite') or {}
    c.check('peer flow now rewrites to 10.77.1.2:4444', rv.get('dst') == IP_PHONE and
            rv.get('dport') == 4444, rv)
    r = recv(NS_PHONE, 4444, 10, ['--srtp', k_out.peer()])
    rig.send(NS_TRUNK, '%s:%d' % (IP_DP_TRUNK, PORT_DP_TRUNK), PORT_TRUNK, peer_args(10, ssrc=99))
    media_ok(c, 'reverse media follows the latched address', r.result(), 10, k_out)


def flow_any_latch(key, peer_id):
    from riglib import flow_tokens
    return flow_tokens(0, 'any', '%s:%d' % (IP_DP_PHONE, PORT_DP_PHONE), 'srtp-unprotect', 1,
                       '%s:%d' % (IP_DP_TRUNK, PORT_DP_TRUNK), '%s:%d' % (IP_TRUNK, PORT_TRUNK),
                       MAC_DP_TRUNK, MAC_TRUNK, in_key=key, extra=['latch', 'peer', str(peer_id)])


def s_ipv6(rig, c, tmp):
    """The same legs over IPv6 (fd53:4c:1::/64 and fd53:4c:2::/64)."""
    from riglib import IP6_DP_PHONE, IP6_DP_TRUNK, IP6_PHONE, IP6_TRUNK, flow_tokens
    rig.up()
    k1, k2 = Key(16), Key(17)
    rig.flow_add(flow_tokens(0, '[%s]:4000' % IP6_PHONE, '[%s]:20000' % IP6_DP_PHONE,
                             'srtp-protect', 1, '[%s]:30000' % IP6_DP_TRUNK,
                             '[%s]:5004' % IP6_TRUNK, MAC_DP_TRUNK, MAC_TRUNK, out_key=k1))
    rig.flow_add(flow_tokens(1, '[%s]:5010' % IP6_TRUNK, '[%s]:30010' % IP6_DP_TRUNK,
                             'srtp-unprotect', 0, '[%s]:20010' % IP6_DP_PHONE,
                             '[%s]:4010' % IP6_PHONE, MAC_DP_PHONE, MAC_PHONE, in_key=k2))
    r = recv(NS_TRUNK, PORT_TRUNK, 20, ['--srtp', k1.peer()])
    rig.send(NS_PHONE, '[%s]:20000' % IP6_DP_PHONE, 4000, peer_args(20))
    media_ok(c, 'IPv6 srtp-protect', r.result(), 20, k1, frm='[%s]:30000' % IP6_DP_TRUNK)
    r = recv(NS_PHONE, 4010, 20)
    rig.send(NS_TRUNK, '[%s]:30010' % IP6_DP_TRUNK, 5010, peer_args(20, k2))
    media_ok(c, 'IPv6 srtp-unprotect', r.result(), 20, frm='[%s]:20010' % IP6_DP_PHONE)


def s_rig_lifecycle(rig, c, tmp):
    """The rig script itself: idempotent up, status, env, clean down."""
    rig.up()
    pid1 = open('/run/shieldlock/rig-dp.pid').read().strip()
    rig.up()
    pid2 = open('/run/shieldlock/rig-dp.pid').read().strip()
    c.check('up twice keeps the same data plane', pid1 == pid2, (pid1, pid2))
    p = run([rig.script, 'status'])
    c.check('status exits 0 when up', p.returncode == 0, p.stdout + p.stderr)
    p = run(['bash', '-c', 'eval "$(%s env)" && echo "$SL_RIG_MAC_DP_TRUNK $SL_RIG_SOCK"' %
             rig.script])
    c.check('env evaluates in a shell', p.stdout.strip() == '%s %s' % (MAC_DP_TRUNK, SOCK), p.stdout)
    rig.up(workers=2)
    pid3 = open('/run/shieldlock/rig-dp.pid').read().strip()
    c.check('up with other options restarts the data plane', pid3 != pid1, (pid1, pid3))
    c.check('the old data plane is gone', not os.path.exists('/proc/' + pid1), pid1)
    c.check('down succeeds', rig.down())
    c.check('down again is harmless', rig.down())
    left = run(['ip', 'netns', 'list']).stdout
    c.check('no rig namespaces left', not any(n in left for n in (NS_PHONE, NS_TRUNK, NS_DP)), left)
    c.check('no run files left', not os.path.exists('/run/shieldlock/rig-dp.sock') and
            not os.path.exists('/run/shieldlock/rig-dp.pid') and
            not os.path.exists(LOG), os.listdir('/run/shieldlock')
            if os.path.isdir('/run/shieldlock') else '')
    c.check('no DPDK runtime dir left', not os.path.exists('/var/run/dpdk/sl-rig'))
    c.check('no data plane process left', not os.path.exists('/proc/' + pid3), pid3)
    links = run(['ip', '-o', 'link']).stdout
    c.check('no veths left in the root namespace', 'dp-phone' not in links and 'slr' not in links)
    p = run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', rig.script, 'up'])
    c.check('non-root: clear refusal', p.returncode != 0 and 'root' in p.stderr, p.stderr)
    env = dict(os.environ, SHIELDLOCK_DP='/nonexistent/shieldlock-dp')
    p = subprocess.run([rig.script, 'up'], capture_output=True, text=True, env=env)
    c.check('missing binary: clear message', p.returncode != 0 and 'SHIELDLOCK_DP' in p.stderr,
            p.stderr)
    run([rig.script, 'down'])
    env = dict(os.environ, SHIELDLOCK_DP='/bin/false', SL_RIG_TIMEOUT='5')
    p = subprocess.run([rig.script, 'up'], capture_output=True, text=True, env=env)
    c.check('data plane dying at start: error with the log', p.returncode != 0 and
            'exited' in p.stderr, p.stderr)


SCENARIOS = {
    'wiring': s_wiring, 'protect': s_protect, 'unprotect': s_unprotect, 'rekey': s_rekey,
    'rtcp': s_rtcp, 'tamper_replay': s_tamper_replay, 'no_flow_drop': s_no_flow_drop,
    'no_flow_punt': s_no_flow_punt, 'flow_del': s_flow_del, 'workers': s_workers,
    'malformed_ctl': s_malformed_ctl, 'latch': s_latch, 'ipv6': s_ipv6,
    'lifecycle': s_rig_lifecycle,
}


def preflight():
    if os.geteuid() != 0:
        skip('the rig needs root (network namespaces, veths, af_packet); CI runs it as root')
    if subprocess.run(['unshare', '--net', 'true'], capture_output=True).returncode != 0:
        skip('network namespaces are not available here (unshare --net failed)')
    for tool in ('ip', 'ethtool', 'tcpdump'):
        if subprocess.run(['sh', '-c', 'command -v ' + tool], capture_output=True).returncode:
            skip('%s is not installed (scripts/setup.sh installs it)' % tool)


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in SCENARIOS:
        print('usage: rig_test.py SHIELDLOCK-RIG {%s}' % ','.join(SCENARIOS))
        return 2
    preflight()
    c = Checks()
    rig = Rig(sys.argv[1], c)
    tmp = tempfile.mkdtemp(prefix='sl-rig-test-')
    print('scenario %s (dp %s, ctl %s, peer %s)' % (sys.argv[2], DP, CTL, PEER))
    try:
        SCENARIOS[sys.argv[2]](rig, c, tmp)
    except Exception as e:          # a setup step failed: report, do not hide it
        c.check('scenario ran to the end', False, '%s: %s' % (type(e).__name__, e))
    finally:
        if c.failed:
            rig.log_tail()
            print('     captures kept in ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        rig.down(keep_log=True)
        sanitizer_check(c)
    return c.done()


def sanitizer_check(c):
    """With a sanitizer build, the data plane reports at exit (SIGTERM from
    down) into its log: any report fails the test."""
    try:
        with open(LOG) as f:
            log = f.read()
        os.unlink(LOG)
        os.rmdir(os.path.dirname(LOG))
    except OSError:
        return
    bad = [ln for ln in log.splitlines() if 'Sanitizer' in ln or 'runtime error:' in ln]
    if bad:
        c.check('no sanitizer report in the data plane log', False, '\n'.join(bad[:20]))


if __name__ == '__main__':
    sys.exit(main())
