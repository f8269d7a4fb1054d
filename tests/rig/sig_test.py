#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""rig_signalling: the rig's signalling veths (docs/rig.md "Signalling").

sig-phone 10.77.11.1 (sl-dp) <-> psig0 10.77.11.2 (sl-phone) and
sig-trunk 10.77.12.1 (sl-dp) <-> tsig0 10.77.12.2 (sl-trunk); the phone and
the trunk reach them from their media addresses 10.77.1.2 / 10.77.2.2, and
sl-dp must never forward (the kernel would carry media around the data
plane). Runs without the data plane (up --no-dp). Root; exit 77 otherwise.

usage: sig_test.py SHIELDLOCK-RIG
"""

import os
import socket
import subprocess
import sys
import threading
import time

NS_PHONE, NS_DP, NS_TRUNK = 'sl-phone', 'sl-dp', 'sl-trunk'
failed = 0


def check(name, ok, detail=''):
    global failed
    print('%s: %s%s' % ('PASS' if ok else 'FAIL', name, '' if ok else '  [%s]' % (detail,)))
    if not ok:
        failed += 1


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def ns(n, *argv):
    return run(['ip', 'netns', 'exec', n] + list(argv))


# A tiny TCP/UDP endpoint run inside a namespace (python -c): prints the
# peer address of the first connection/datagram, or "timeout".
SERVER = r'''
import socket, sys
proto, host, port, tmo = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == 'tcp' else socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port))
s.settimeout(tmo)
if proto == 'tcp':
    s.listen(1)
print('ready', flush=True)
try:
    if proto == 'tcp':
        c, a = s.accept()
        c.settimeout(tmo)
        d = c.recv(64)
        c.sendall(b'ack:' + d)
        print('%s:%d %s' % (a[0], a[1], d.decode()), flush=True)
    else:
        d, a = s.recvfrom(64)
        print('%s:%d %s' % (a[0], a[1], d.decode()), flush=True)
except socket.timeout:
    print('timeout', flush=True)
'''

CLIENT = r'''
import socket, sys
proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if proto == 'tcp':
    c = socket.create_connection((host, port), timeout=5)
    c.sendall(b'hello')
    print(c.getsockname()[0], c.recv(64).decode())
else:
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(5):
        c.sendto(b'media', (host, port))
    print(c.getsockname()[0])
'''


def exchange(srv_ns, cli_ns, proto, bind, dst, port, tmo=5.0):
    """Returns (what the server saw, what the client printed)."""
    srv = subprocess.Popen(['ip', 'netns', 'exec', srv_ns, '/usr/bin/python3', '-c', SERVER,
                            proto, bind, str(port), str(tmo)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    srv.stdout.readline()                       # "ready"
    cli = ns(cli_ns, '/usr/bin/python3', '-c', CLIENT, proto, dst, str(port))
    out, err = srv.communicate(timeout=tmo + 5)
    return out.strip(), (cli.stdout + cli.stderr).strip()


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    rig = sys.argv[1]
    if os.geteuid() != 0:
        print('SKIP: the rig needs root (network namespaces, veths); CI runs it as root')
        return 77
    if run(['unshare', '--net', 'true']).returncode != 0:
        print('SKIP: network namespaces are not available here (unshare --net failed)')
        return 77
    try:
        p = run([rig, 'up', '--no-dp'])
        check('up --no-dp', p.returncode == 0, p.stderr)
        for n, ifc, addr in ((NS_PHONE, 'psig0', '10.77.11.2/24'),
                             (NS_DP, 'sig-phone', '10.77.11.1/24'),
                             (NS_DP, 'sig-trunk', '10.77.12.1/24'),
                             (NS_TRUNK, 'tsig0', '10.77.12.2/24')):
            out = ns(n, 'ip', '-br', 'addr', 'show', ifc).stdout
            check('%s %s has %s and is up' % (n, ifc, addr), addr in out and 'UP' in out, out)
            k = ns(n, 'ethtool', '-k', ifc).stdout
            check('%s: tx checksum offload off' % ifc, 'tx-checksumming: off' in k, k[:120])
        for n, dst, dev, src in ((NS_PHONE, '10.77.11.1', 'psig0', '10.77.1.2'),
                                 (NS_TRUNK, '10.77.12.1', 'tsig0', '10.77.2.2'),
                                 (NS_DP, '10.77.1.2', 'sig-phone', '10.77.11.1'),
                                 (NS_DP, '10.77.2.2', 'sig-trunk', '10.77.12.1')):
            out = ns(n, 'ip', 'route', 'get', dst).stdout
            check('%s: route to %s via %s from %s' % (n, dst, dev, src),
                  'dev %s' % dev in out and 'src %s' % src in out, out.strip())

        seen, cli = exchange(NS_DP, NS_PHONE, 'tcp', '0.0.0.0', '10.77.11.1', 5061)
        check('TCP sl-phone -> 10.77.11.1:5061 arrives from 10.77.1.2',
              seen.startswith('10.77.1.2:') and 'hello' in seen and 'ack:hello' in cli,
              (seen, cli))
        seen, cli = exchange(NS_DP, NS_TRUNK, 'tcp', '0.0.0.0', '10.77.12.1', 5061)
        check('TCP sl-trunk -> 10.77.12.1:5061 arrives from 10.77.2.2',
              seen.startswith('10.77.2.2:') and 'ack:hello' in cli, (seen, cli))
        seen, cli = exchange(NS_PHONE, NS_DP, 'tcp', '10.77.1.2', '10.77.1.2', 5061)
        check('TCP sl-dp -> phone 10.77.1.2:5061 (daemon-initiated) from 10.77.11.1',
              seen.startswith('10.77.11.1:') and 'ack:hello' in cli, (seen, cli))
        seen, cli = exchange(NS_TRUNK, NS_DP, 'tcp', '10.77.2.2', '10.77.2.2', 5061)
        check('TCP sl-dp -> trunk 10.77.2.2:5061 from 10.77.12.1',
              seen.startswith('10.77.12.1:') and 'ack:hello' in cli, (seen, cli))

        fwd = ns(NS_DP, 'sysctl', '-n', 'net.ipv4.ip_forward').stdout.strip()
        check('sl-dp: net.ipv4.ip_forward = 0', fwd == '0', fwd)
        # Media that reaches sl-dp's kernel on dp-phone must not be routed to
        # the trunk. Send phone -> 10.77.2.2 through the appliance's MAC.
        ns(NS_PHONE, 'ip', 'route', 'replace', '10.77.2.2/32', 'via', '10.77.1.1', 'dev', 'phone0')
        try:
            seen, _ = exchange(NS_TRUNK, NS_PHONE, 'udp', '0.0.0.0', '10.77.2.2', 5004, tmo=2)
            check('forwarding off: media sent to dp-phone does not reach the trunk',
                  seen == 'timeout', seen)
            # negative control: with forwarding on it would (the hole the
            # status check guards against)
            ns(NS_DP, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
            seen, _ = exchange(NS_TRUNK, NS_PHONE, 'udp', '0.0.0.0', '10.77.2.2', 5004, tmo=3)
            check('control: with forwarding on the kernel would bypass the data plane',
                  seen.startswith('10.77.1.2:'), seen)
            p = run([rig, 'status'])
            check('status fails and says so when sl-dp forwards',
                  p.returncode != 0 and 'forwarding in sl-dp: ON' in p.stdout, p.stdout[-300:])
        finally:
            ns(NS_PHONE, 'ip', 'route', 'del', '10.77.2.2/32')
        p = run([rig, 'up', '--no-dp'])
        fwd = ns(NS_DP, 'sysctl', '-n', 'net.ipv4.ip_forward').stdout.strip()
        check('up turns forwarding off again', p.returncode == 0 and fwd == '0', fwd)
        p = run([rig, 'status'])
        check('status exits 0 and reports forwarding off',
              p.returncode == 0 and 'forwarding in sl-dp: off' in p.stdout, p.stdout[-300:])
        p = run([rig, 'up', '--no-dp'])
        out = ns(NS_PHONE, 'ip', 'route', 'show', '10.77.11.1').stdout
        check('up is idempotent (one route, no error)', p.returncode == 0 and
              out.count('10.77.11.1') == 1, (p.stderr, out))
        p = run(['bash', '-c', 'eval "$(%s env)" && echo "$SL_SIG_PHONE $SL_SIG_TRUNK"' % rig])
        check('env: SL_SIG_PHONE / SL_SIG_TRUNK', p.stdout.strip() == '10.77.11.1 10.77.12.1',
              p.stdout)
    finally:
        p = run([rig, 'down'])
        check('down', p.returncode == 0, p.stderr)
        left = run(['ip', 'netns', 'list']).stdout
        links = run(['ip', '-o', 'link']).stdout
        check('nothing left', not any(n in left for n in (NS_PHONE, NS_DP, NS_TRUNK)) and
              'sig' not in links, (left, links[-200:]))
    print('%d failed' % failed if failed else 'all checks passed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
