# SPDX-License-Identifier: BSD-3-Clause
"""The TLS listener seen by the openssl CLI: the node certificate chains to
the appliance CA and its fingerprint is what shieldlockctl cert show and the
start-up line print; TLS 1.0/1.1 and non-ECDHE ciphers are refused; the
server asks for a client certificate without requiring one;
tls_min_version = 1.3 refuses TLS 1.2; SIGHUP with a bad file keeps the
running configuration; max_connections is enforced and the daemon recovers."""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (Daemon, Peer, check, require, main, log, openssl)  # noqa: E402


def s_client(d, *args, data=b'Q\n', timeout=15):
    cmd = ['openssl', 's_client', '-connect', '127.0.0.1:%d' % d.tls, '-CAfile', d.ca_pem(),
           '-verify_return_error', '-servername', 'sl-sipdt'] + list(args)
    try:
        r = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, '(timeout)'
    return r.returncode, (r.stdout + r.stderr).decode('utf-8', 'replace')


def run():
    d = Daemon('tls', sip='max_connections = 8\n')
    d.add_user('alice', 'secret-alice')
    d.add_device('alice-phone', 'alice', 'non-secure')

    rc, out = s_client(d, '-tls1_2', '-showcerts')
    check(rc == 0 and 'Verify return code: 0 (ok)' in out,
          'TLS 1.2 handshake verifies against the appliance CA', out[-1500:])
    check('CN = sl-sipdt' in out or 'CN=sl-sipdt' in out, 'node certificate CN = node_name',
          out[:1500])
    check('Client Certificate Types' in out or 'client certificate CA names' in out,
          'the server sends a CertificateRequest (asks for a client certificate)', out[:3000])
    rc, out = s_client(d, '-tls1_3')
    check(rc == 0 and 'TLSv1.3' in out, 'TLS 1.3 handshake works', out[-800:])

    node = os.path.join(d.state, 'certs', 'node.pem')
    fp = openssl('x509', '-in', node, '-noout', '-fingerprint', '-sha256').strip().split('=', 1)[1]
    check(fp in d.log(), 'the start-up log prints the node certificate SHA-256 fingerprint', fp)
    r = d.ctl('cert', 'show', json_out=False)
    check(fp in r.stdout, 'shieldlockctl cert show prints the same fingerprint', r.stdout)

    for flag in ('-tls1', '-tls1_1'):
        rc, out = s_client(d, flag, '-cipher', 'DEFAULT@SECLEVEL=0')
        if 'no protocols available' in out or 'unsupported protocol' in out and \
                'alert' not in out:
            log('note: this openssl client cannot offer %s at all; check inconclusive' % flag)
            continue
        check(rc != 0 or 'Cipher is (NONE)' in out, '%s is refused' % flag, out[-800:])
    rc, out = s_client(d, '-tls1_2', '-cipher', 'AES128-SHA:AES256-GCM-SHA384')
    check(rc != 0 or 'Cipher is (NONE)' in out, 'TLS 1.2 without ECDHE (RSA key exchange) is '
          'refused', out[-800:])

    log('--- max_connections = 8')
    peers = []
    for i in range(12):
        try:
            peers.append(Peer(d, 'alice', 'secret-alice', 'tcp'))
        except OSError:
            pass
    served = 0
    for p in peers:
        try:
            p.send(p.build('OPTIONS', 'sip:%s' % d.domain, '<sip:%s>' % d.domain,
                           callid='mc-' + os.urandom(4).hex()))
            r = p.response('OPTIONS', 2)
            served += 1 if r is not None and r.status == 200 else 0
        except OSError:
            pass
    check(served == 8, 'max_connections = 8: 8 of 12 concurrent TCP connections served',
          'served %d' % served)
    for p in peers:
        p.close()
    check(d.alive(), 'the daemon survives more connections than max_connections')
    time.sleep(0.5)
    p = Peer(d, 'alice', 'secret-alice', 'tcp')
    check(p.register()[1].status == 200, 'after the connections closed, a new one works')
    p.close()

    log('--- SIGHUP with a bad file keeps the running configuration')
    with open(d.conf) as f:
        good = f.read()
    with open(d.conf, 'a') as f:
        f.write('[sip]\nnonce_lifetime = 0\n')
    mark = d.mark()
    d.proc.send_signal(1)
    m = d.wait_log(r'(?i)(refus|keep|error).*nonce_lifetime|nonce_lifetime.*range', 5, since=mark,
                   must=False)
    check(m is not None, 'a bad file on SIGHUP is refused with the key and reason',
          d.log()[mark:])
    check(d.alive(), 'the daemon still runs after a refused reload')
    p = Peer(d, 'alice', 'secret-alice', 'tls')
    check(p.register()[1].status == 200, 'registration works after the refused reload')
    p.close()
    with open(d.conf, 'w') as f:
        f.write(good.replace('[sip]\n', '[sip]\ntls_min_version = 1.3\n', 1))
    d.hup(wait_for=r'TLS certificate .* loaded')
    rc, out = s_client(d, '-tls1_2')
    check(rc != 0 or 'Cipher is (NONE)' in out, 'tls_min_version = 1.3 after SIGHUP: TLS 1.2 '
          'refused', out[-800:])
    rc, out = s_client(d, '-tls1_3')
    check(rc == 0 and 'TLSv1.3' in out, 'tls_min_version = 1.3: TLS 1.3 works', out[-800:])
    check(d.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
