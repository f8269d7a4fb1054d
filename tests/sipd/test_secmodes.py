# SPDX-License-Identifier: BSD-3-Clause
"""Device security modes (docs/shieldlockd.md, "Security modes"): an
encrypted or authenticated device must register over TLS with a client
certificate that verifies against the trust store and whose CN or a SAN is
the device's certificate identity; otherwise 403 Security Policy Violation
with a log line naming the rule. The certificates come from the openssl CLI
(a test CA copied into the daemon's trust dir and rehashed, SIGHUP), never
from the daemon. cluster_security_mode = non-secure ignores device modes."""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (Daemon, Peer, TestCA, check, require, main, log, at_exit)  # noqa: E402
import shutil  # noqa: E402


def try_register(d, user, proto, cert=None, key=None, keep=None):
    """(status or None, note): a handshake refused by the server counts as None.
    keep: a list the peer is appended to instead of closing it (a TCP/TLS
    binding lives as long as its connection)."""
    try:
        p = Peer(d, user, 'secret-' + user, proto, cert=cert, key=key)
    except (OSError, Exception) as e:  # ssl.SSLError is an OSError
        return None, 'connect/handshake failed: %s' % e
    try:
        r1, r2 = p.register(600)
    except (OSError, Exception) as e:
        return None, 'connection failed during REGISTER: %s' % e
    finally:
        if keep is None:
            p.close()
        else:
            keep.append(p)
    if r2 is None:
        return None, 'no answer (%s)' % p.tls_error
    return r2.status, r2.start


def run():
    tmp = tempfile.mkdtemp(prefix='sl-sipdt-certs-')
    at_exit(lambda: shutil.rmtree(tmp, ignore_errors=True))
    ca = TestCA(tmp, 'trusted')
    rogue = TestCA(tmp, 'rogue')
    good = ca.issue('SEP00AA')
    wrong_cn = ca.issue('SEP00BB')
    by_san = ca.issue('some-other-cn', san='DNS:SEP00CC')
    untrusted = rogue.issue('SEP00AA')

    d = Daemon('secmodes')
    for u in ('alice', 'bob', 'carol', 'frank'):
        d.add_user(u, 'secret-' + u)
    d.add_device('SEP00AA', 'alice', 'encrypted')            # identity = device name
    d.add_device('bob-desk', 'bob', 'encrypted', ident='SEP00CC')
    d.add_device('carol-desk', 'carol', 'authenticated', ident='SEP00BB')

    log('--- before the test CA is trusted')
    mark = d.mark()
    st, note = try_register(d, 'alice', 'tls', *good)
    check(st in (403, None), 'TLS + certificate of a CA not in the trust store -> 403', note)
    if st == 403:
        check(d.wait_log(r'REGISTER of .alice.*refused: .*(trust|verif)', 2, since=mark,
                         must=False), 'log says the certificate did not verify', d.log()[mark:])

    ca.install(d.trust_dir())
    d.hup(wait_for=r'TLS certificate .* loaded')

    log('--- encrypted device alice (identity SEP00AA)')
    mark = d.mark()
    st, note = try_register(d, 'alice', 'tcp')
    check(st == 403, 'encrypted device over TCP -> 403', note)
    check(d.wait_log(r'REGISTER of .alice.*over TCP refused: .*TLS', 2, since=mark, must=False),
          'log says the profile requires TLS', d.log()[mark:])
    st, note = try_register(d, 'alice', 'udp')
    check(st == 403, 'encrypted device over UDP -> 403', note)
    mark = d.mark()
    st, note = try_register(d, 'alice', 'tls')
    check(st == 403, 'encrypted device over TLS without a client certificate -> 403', note)
    check(d.wait_log(r'REGISTER of .alice.*refused: .*client certificate', 2, since=mark,
                     must=False), 'log says a client certificate is required', d.log()[mark:])
    kept = []
    st, note = try_register(d, 'alice', 'tls', *good, keep=kept)
    check(st == 200, 'TLS + trusted certificate with CN = identity -> 200', note)
    regs = [r for r in d.registrations() if r.get('user') == 'alice']
    check(len(regs) == 1 and regs[0].get('device') == 'SEP00AA' and
          regs[0].get('transport') == 'tls', 'registrations: alice on device SEP00AA over tls',
          repr(regs))
    kept[0].close()
    mark = d.mark()
    st, note = try_register(d, 'alice', 'tls', *wrong_cn)
    check(st == 403, 'TLS + trusted certificate with another CN -> 403', note)
    check(d.wait_log(r'REGISTER of .alice.*refused: .*(match|identity)', 2, since=mark,
                     must=False), 'log says the identity does not match', d.log()[mark:])
    mark = d.mark()
    st, note = try_register(d, 'alice', 'tls', *untrusted)
    check(st in (403, None), 'TLS + certificate from an untrusted CA -> 403 (or handshake refused)',
          note)
    if st is None:
        log('note: the untrusted certificate was refused in the handshake, not with 403')

    log('--- identity in a SAN (bob, SEP00CC)')
    st, note = try_register(d, 'bob', 'tls', *by_san)
    check(st == 200, 'TLS + certificate whose DNS SAN = identity -> 200', note)
    st, note = try_register(d, 'bob', 'tls', *good)
    check(st == 403, 'bob with alice\'s certificate -> 403', note)

    log('--- authenticated device carol (SEP00BB)')
    st, note = try_register(d, 'carol', 'tcp')
    check(st == 403, 'authenticated device over TCP -> 403', note)
    st, note = try_register(d, 'carol', 'tls', *wrong_cn)
    check(st == 200, 'authenticated device over TLS with its certificate -> 200', note)

    log('--- user without a device (auto-registration refused in mixed mode)')
    st, note = try_register(d, 'frank', 'tls')
    check(st == 403, 'user without a device in mixed mode -> 403', note)
    check(d.alive(), 'shieldlockd still running')
    d.stop()

    log('--- cluster_security_mode = non-secure')
    n = Daemon('nonsecure', general='cluster_security_mode = non-secure\nauto_registration = yes\n')
    check(re.search(r'(?i)(ignor\w*.*(mode|profile))|((mode|profile)\w*.*ignor)', n.log()),
          'the daemon says at start that device modes are ignored', n.log())
    for u in ('alice', 'frank'):
        n.add_user(u, 'secret-' + u)
    n.add_device('SEP00AA', 'alice', 'encrypted')
    st, note = try_register(n, 'alice', 'tcp')
    check(st == 200, 'encrypted device over TCP in a non-secure cluster -> 200', note)
    st, note = try_register(n, 'alice', 'udp')
    check(st == 200, 'encrypted device over UDP in a non-secure cluster -> 200', note)
    st, note = try_register(n, 'frank', 'tcp')
    check(st == 200, 'auto-registration (no device) with auto_registration = yes -> 200', note)
    check(n.alive(), 'shieldlockd still running')
    n.stop()

    log('--- tls_require_client_cert = yes: the handshake itself refuses')
    r = Daemon('reqcert', sip='tls_require_client_cert = yes\n')
    ca.install(r.trust_dir())
    r.hup(wait_for=r'TLS certificate .* loaded')
    r.add_user('alice', 'secret-alice')
    r.add_device('SEP00AA', 'alice', 'encrypted')
    st, note = try_register(r, 'alice', 'tls')
    check(st is None, 'TLS without a client certificate -> handshake refused (no SIP answer)',
          note)
    st, note = try_register(r, 'alice', 'tls', *untrusted)
    check(st is None, 'TLS with a certificate from an untrusted CA -> handshake refused', note)
    st, note = try_register(r, 'alice', 'tls', *good)
    check(st == 200, 'TLS with a trusted certificate -> 200', note)
    check(r.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
