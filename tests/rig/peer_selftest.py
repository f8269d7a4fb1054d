#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""udp_peer against itself: before the rig tests trust udp_peer as the
oracle, check that what it writes it reads back, that libsrtp2 catches a
flipped bit and a replay, and that its frames carry valid checksums
(the checker recomputes them; scapy, an independent framer, agrees)."""
import json
import os
import subprocess
import sys
import tempfile

PEER = sys.argv[1]
FAILS = []

KEYS = {
    'AES_CM_128_HMAC_SHA1_80': 30, 'AES_CM_128_HMAC_SHA1_32': 30,
    'AES_256_CM_HMAC_SHA1_80': 46, 'AES_256_CM_HMAC_SHA1_32': 46,
    'AEAD_AES_128_GCM': 28, 'AEAD_AES_256_GCM': 44, 'NULL_HMAC_SHA1_80': 30,
}
ADDR = ['--from', '10.77.1.2:4000', '--to', '10.77.1.1:20000',
        '--src-mac', '02:53:4c:00:01:02', '--dst-mac', '02:53:4c:00:01:01']


def check(name, cond, detail=''):
    print(('PASS ' if cond else 'FAIL ') + name + ('' if cond else ': ' + detail))
    if not cond:
        FAILS.append(name)


def run(args, expect_rc=None):
    p = subprocess.run([PEER] + args, capture_output=True, text=True)
    if expect_rc is not None and p.returncode != expect_rc:
        print('  command:', ' '.join(args), '\n  rc', p.returncode, p.stderr.strip())
    return p


def key(n, base=1):
    return ''.join('%02x' % ((base * 7 + i * 13) & 0xff) for i in range(n))


def result(p):
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {}


def main():
    d = tempfile.mkdtemp(prefix='udp_peer_')
    f = os.path.join(d, 'a.pcap')
    for suite, n in KEYS.items():
        srtp = '%s:%s' % (suite, key(n))
        for rtcp in ([], ['--rtcp']):
            tag = suite + (' rtcp' if rtcp else '')
            run(['pcap-write', f, '--count', '20', '--srtp', srtp] + ADDR + rtcp, 0)
            p = run(['pcap-check', f, '--count', '20', '--srtp', srtp] + ADDR + rtcp)
            r = result(p)
            check(tag + ' round trip', p.returncode == 0 and r.get('decrypted_ok') == 20,
                  p.stdout + p.stderr)
            p = run(['pcap-check', f, '--count', '20', '--srtp', '%s:%s' % (suite, key(n, 2))] + rtcp)
            check(tag + ' wrong key fails', result(p).get('auth_fail') == 20, p.stdout)
            p = run(['pcap-check', f, '--count', '20'] + rtcp)
            if suite.startswith('NULL'):
                # NULL cipher: payload readable, tag trailing (RTCP: SRTCP index too)
                check(tag + ' null cipher payload readable', result(p).get('received') == 20, p.stdout)
            else:
                check(tag + ' ciphertext is not plaintext', result(p).get('payload_ok') == 0, p.stdout)
    srtp = 'AES_CM_128_HMAC_SHA1_80:' + key(30)
    run(['pcap-write', f, '--count', '10', '--srtp', srtp, '--tamper', '3,5', '--replay', '7'] + ADDR, 0)
    r = result(run(['pcap-check', f, '--count', '11', '--srtp', srtp]))
    check('tamper counted as auth_fail', r.get('auth_fail') == 2, str(r))
    check('replay counted as replay_fail', r.get('replay_fail') == 1, str(r))
    check('others decrypt', r.get('decrypted_ok') == 8 and r.get('payload_ok') == 8, str(r))
    r = result(run(['pcap-check', f, '--count', '11', '--to', '10.77.1.1:20001']))
    check('--to filters', r.get('received') == 0 and r.get('other') == 11, str(r))
    r = result(run(['pcap-check', f, '--count', '11', '--from', '10.77.1.9:4000',
                    '--src-mac', '02:53:4c:00:01:09']))
    check('--from/--src-mac mismatches counted', r.get('src_mismatch') == 11 and r.get('eth_mismatch') == 11, str(r))
    # plain RTP, plus append; IPv6 with a VLAN tag
    run(['pcap-write', f, '--count', '5'] + ADDR, 0)
    run(['pcap-write', f, '--count', '5', '--rtcp', '--append'] + ADDR, 0)
    p = run(['pcap-check', f, '--count', '10'] + ADDR)
    r = result(p)
    check('plain RTP + RTCP appended', p.returncode == 0 and r.get('rtp') == 5 and r.get('rtcp') == 5, str(r))
    v6 = ['--from', '[fd53:4c:1::2]:4000', '--to', '[fd53:4c:1::1]:20000',
          '--src-mac', '02:53:4c:00:01:02', '--dst-mac', '02:53:4c:00:01:01', '--vlan', '77']
    run(['pcap-write', f, '--count', '5', '--srtp', srtp] + v6, 0)
    p = run(['pcap-check', f, '--count', '5', '--srtp', srtp] + v6)
    check('IPv6 + VLAN round trip', p.returncode == 0, p.stdout + p.stderr)
    try:
        from scapy.all import Dot1Q, UDP, rdpcap
        pk = rdpcap(f)[0]
        raw_csum = pk[UDP].chksum
        del pk[UDP].chksum
        again = pk.__class__(bytes(pk))
        check('scapy agrees on the UDP checksum', again[UDP].chksum == raw_csum and pk.haslayer(Dot1Q),
              '%s vs %s' % (raw_csum, again[UDP].chksum))
    except ImportError:
        print('SKIP scapy cross-check (python3-scapy not installed)')
    # an empty pcap for net_pcap rx on an idle port
    run(['pcap-write', f, '--count', '0'], 0)
    r = result(run(['pcap-check', f, '--count', '0']))
    check('empty pcap', r.get('frames') == 0, str(r))
    p = run(['send', '--count', '1'])
    check('usage error without --to', p.returncode == 2 and '--to' in p.stderr, p.stderr)
    p = run(['send', '--to', '10.0.0.1:1', '--srtp', 'AES_CM_128_HMAC_SHA1_80:00', '--count', '1'])
    check('short key rejected with a message', p.returncode == 2 and 'key' in p.stderr, p.stderr)
    print('%d failed' % len(FAILS) if FAILS else 'all passed')
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main())
