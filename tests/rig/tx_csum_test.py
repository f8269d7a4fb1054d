#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""TX checksum offload (docs/dataplane.md, "Checksums"): shieldlock-dp on two
net_tap ports, whose PMD offers IPv4 header and UDP checksum offload. RTP for
an srtp-protect flow with an address rewrite goes in on sltx0 (IPv4 and
IPv6), SRTP comes out on sltx1; scapy, not our code, recomputes every IPv4
header and UDP checksum of what came out. Run twice: with the offload (the
port line must say so, and the device fills the checksums in) and with
--sw-checksums (the worker computes them).

Root (tap devices); exits 77 (skipped) otherwise. $SHIELDLOCK_DP is the
data plane (meson sets it)."""
import os
import subprocess
import sys
import tempfile
import time

KEY = 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e'
FLOWS = (
    'in-port 0 src 10.1.0.2:4000 dst 10.1.0.1:20000 action srtp-protect out-port 1 '
    'rewrite-src 10.2.0.1:30000 rewrite-dst 10.2.0.2:5004 '
    'out-crypto "AES_CM_128_HMAC_SHA1_80 inline:%s"\n'
    'in-port 0 src [fd00:1::2]:4000 dst [fd00:1::1]:20000 action srtp-protect out-port 1 '
    'rewrite-src [fd00:2::1]:30000 rewrite-dst [fd00:2::2]:5004 '
    'out-crypto "AES_CM_128_HMAC_SHA1_80 inline:%s"\n' % (KEY, KEY))
N = 8            # packets per address family
PAYLOAD = 160
failures = []


def check(ok, what, detail=''):
    print('%s  %s%s' % ('PASS' if ok else 'FAIL', what, (': ' + detail) if detail and not ok else ''))
    if not ok:
        failures.append(what)
    return ok


def is_up(ifname):
    try:
        with open('/sys/class/net/%s/flags' % ifname) as f:
            return int(f.read(), 16) & 1 == 1       # IFF_UP
    except (OSError, ValueError):
        return False


def run_once(work, extra):
    from scapy.all import IP, UDP, AsyncSniffer, Ether, IPv6, Raw, conf, sendp
    conf.verb = 0
    flows = os.path.join(work, 'flows.txt')
    with open(flows, 'w') as f:
        f.write(FLOWS)
    dp = subprocess.Popen(
        [os.environ.get('SHIELDLOCK_DP', 'shieldlock-dp'), '-l', '0,1', '--no-pci', '--no-huge',
         '-m', '256', '--file-prefix', 'sl-txcsum-%d' % os.getpid(), '--no-shconf',
         '--no-telemetry', '--log-level=*:warning',
         '--vdev', 'net_tap0,iface=sltx0', '--vdev', 'net_tap1,iface=sltx1', '--',
         '--ctl-socket', os.path.join(work, 'ctl'), '--flows', flows, '--run-for', '5',
         '--stats-json', os.path.join(work, 'stats.json')] + extra,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # ready when the PMD has started both ports: it sets the devices up
        for _ in range(200):
            if all(is_up(i) for i in ('sltx0', 'sltx1')):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        for i in ('sltx0', 'sltx1'):
            # no router solicitations or DAD on the test devices
            subprocess.run(['sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=1' % i])
            subprocess.run(['ip', 'link', 'set', i, 'up'], check=True)
        sn = AsyncSniffer(iface='sltx1', filter='udp')
        sn.start()
        time.sleep(0.5)
        for k in range(N):
            rtp = bytes([0x80, 0, 0, k + 1, 0, 0, k, 0, 0, 0, 0, 7]) + os.urandom(PAYLOAD)
            eth = Ether(dst='ff:ff:ff:ff:ff:ff')
            sendp(eth / IP(src='10.1.0.2', dst='10.1.0.1') / UDP(sport=4000, dport=20000) /
                  Raw(rtp), iface='sltx0')
            sendp(eth / IPv6(src='fd00:1::2', dst='fd00:1::1') / UDP(sport=4000, dport=20000) /
                  Raw(rtp), iface='sltx0')
        time.sleep(1.0)
        got = sn.stop()
    finally:
        out, _ = dp.communicate(timeout=30)
    return out, got


def verify(got, label):
    from scapy.all import IP, UDP, Ether, IPv6
    v4 = v6 = 0
    bad = []
    for p in got:
        if IP in p and p[IP].src == '10.2.0.1':
            q = p.copy()
            del q[IP].chksum
            del q[UDP].chksum
            q = Ether(bytes(q))
            v4 += 1
            if (q[IP].chksum, q[UDP].chksum) != (p[IP].chksum, p[UDP].chksum) or \
               len(p[UDP].payload) != 12 + PAYLOAD + 10:
                bad.append('IPv4 ip %#x udp %#x, scapy %#x %#x, %d bytes' % (
                    p[IP].chksum, p[UDP].chksum, q[IP].chksum, q[UDP].chksum,
                    len(p[UDP].payload)))
        elif IPv6 in p and p[IPv6].src == 'fd00:2::1':
            q = p.copy()
            del q[UDP].chksum
            q = Ether(bytes(q))
            v6 += 1
            if q[UDP].chksum != p[UDP].chksum or p[UDP].chksum == 0 or \
               len(p[UDP].payload) != 12 + PAYLOAD + 10:
                bad.append('IPv6 udp %#x, scapy %#x' % (p[UDP].chksum, q[UDP].chksum))
    check(v4 == N and v6 == N, '%s: %d IPv4 and %d IPv6 SRTP packets left port 1' % (label, N, N),
          'got %d and %d' % (v4, v6))
    check(not bad, '%s: scapy agrees with every IPv4 header and UDP checksum' % label,
          '; '.join(bad[:4]))


def main():
    if os.geteuid() != 0:
        print('SKIP  needs root (tap devices)')
        return 77
    try:
        import scapy.all  # noqa: F401
    except ImportError:
        print('SKIP  python3-scapy is not installed (scripts/setup.sh installs it)')
        return 77
    with tempfile.TemporaryDirectory(prefix='sl-txcsum-') as work:
        out, got = run_once(work, [])
        ports = [ln for ln in out.splitlines() if ln.startswith('port ') and 'driver' in ln]
        check(len(ports) == 2 and all('TX checksum offload' in ln for ln in ports),
              'offload: both net_tap ports run with TX checksum offload', '\n'.join(ports) or out)
        verify(got, 'offload')
        out, got = run_once(work, ['--sw-checksums'])
        ports = [ln for ln in out.splitlines() if ln.startswith('port ') and 'driver' in ln]
        check(len(ports) == 2 and not any('TX checksum offload' in ln for ln in ports),
              '--sw-checksums: no port uses the offload', '\n'.join(ports) or out)
        verify(got, '--sw-checksums')
    print('%d failed check(s)%s' % (len(failures), (': ' + '; '.join(failures)) if failures else ''))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
