# SPDX-License-Identifier: BSD-3-Clause
"""Malformed SIP over UDP, TCP and TLS: garbage, a request without Call-ID,
a huge header section, bad and lying Content-Length, binary junk, a
truncated TLS record. The daemon answers 400 (or 413/513) or drops,
never crashes, and a valid REGISTER on a fresh connection still works."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (Daemon, Peer, check, require, main, log, branch)  # noqa: E402


def request(p, drop=(), add='', cl=None, body='', method='REGISTER'):
    """A REGISTER (or other) with headers in `drop` left out."""
    ip, port = p.local[:2]
    h = [('Via', 'SIP/2.0/%s %s:%d;branch=%s' % (p.transport, ip, port, branch())),
         ('Max-Forwards', '70'),
         ('From', '<sip:alice@%s>;tag=f1' % p.d.domain),
         ('To', '<sip:alice@%s>' % p.d.domain),
         ('Call-ID', 'mal-%s' % os.urandom(4).hex()),
         ('CSeq', '1 %s' % method),
         ('Contact', '<sip:alice@%s:%d>' % (ip, port))]
    m = '%s sip:%s SIP/2.0\r\n' % (method, p.d.domain)
    for n, v in h:
        if n not in drop:
            m += '%s: %s\r\n' % (n, v)
    m += add
    m += 'Content-Length: %s\r\n\r\n' % (len(body) if cl is None else cl) + body
    return m


def answer(p, timeout=2.0):
    """A response, or 'closed' / None (no answer)."""
    try:
        m = p.recv(timeout)
    except OSError as e:
        return 'closed: %s' % e
    if m is None and getattr(p, 'closed', False):
        return 'closed'
    return m


def ok_or_drop(a, codes=(400,)):
    return a is None or (isinstance(a, str) and a.startswith('closed')) or \
        (hasattr(a, 'status') and a.status in codes)


def desc(a):
    return a.start if hasattr(a, 'start') else repr(a)


def still_works(d, proto, what):
    p = Peer(d, 'alice', 'secret-alice', proto)
    r1, r2 = p.register(600)
    check(r2 is not None and r2.status == 200, '%s: a valid REGISTER works after %s' % (proto, what),
          repr(r2))
    p.close()
    require(d.alive(), '%s: shieldlockd alive after %s' % (proto, what))


def run():
    d = Daemon('malformed', sip='max_connections = 50\n')
    d.add_user('alice', 'secret-alice')
    d.add_device('alice-phone', 'alice', 'non-secure')

    for proto in ('udp', 'tcp', 'tls'):
        log('--- %s' % proto)
        cases = [
            ('garbage text', lambda p: 'hello, this is not SIP\r\n\r\n', (400,)),
            ('binary junk', lambda p: bytes(range(256)) * 4 + b'\r\n\r\n', (400,)),
            ('no Call-ID', lambda p: request(p, drop=('Call-ID',)), 'strict'),
            ('no From, To, Call-ID (RFC 4475 3.1.2.18)',
             lambda p: request(p, drop=('Call-ID', 'From', 'To')), 'strict'),
            ('no CSeq', lambda p: request(p, drop=('CSeq',)), (400,)),
            ('no Via', lambda p: request(p, drop=('Via',)), (400,)),
            ('Content-Length: abc', lambda p: request(p, cl='abc'), (400,)),
            ('Content-Length: -5', lambda p: request(p, cl='-5'), (400,)),
            ('Content-Length: 99999999999999999999', lambda p: request(p, cl='9' * 20), (400, 413, 513)),
            ('bad CSeq method', lambda p: request(p).replace('CSeq: 1 REGISTER', 'CSeq: 1 INVITE'),
             (400,)),
            ('huge header section (200 KB)', lambda p: request(
                p, add=''.join('X-Pad-%d: %s\r\n' % (i, 'a' * 1000) for i in range(200))),
             (400, 413, 513)),
            ('one 70 KB header line', lambda p: request(p, add='Subject: %s\r\n' % ('b' * 70000)),
             (400, 413, 513)),
            ('3000 headers', lambda p: request(p, add='X-A: 1\r\n' * 3000), (400, 413, 513)),
            ('bad start line', lambda p: 'REGISTER  SIP/2.0\r\nCall-ID: x\r\n\r\n', (400,)),
            ('NUL in a header', lambda p: request(p).replace('Max-Forwards: 70',
                                                              'Max-Forwards: 7\x000'), (400,)),
        ]
        if proto == 'udp':
            cases.append(('Content-Length larger than the datagram',
                          lambda p: request(p, cl=100, body='v=0\r\n'), (400,)))
        for name, make, codes in cases:
            p = Peer(d, 'alice', 'secret-alice', proto)
            data = make(p)
            if isinstance(data, str):
                data = data.encode('latin-1')
            if proto == 'udp' and len(data) > 65000:
                data = data[:65000]
            try:
                p.send(data)
                a = answer(p)
            except OSError as e:
                a = 'closed: %s' % e
            if codes == 'strict':
                check(hasattr(a, 'status') and a.status == 400, '%s: %s -> 400 (got %s)'
                      % (proto, name, desc(a)))
            else:
                check(ok_or_drop(a, codes), '%s: %s -> %s or dropped (got %s)'
                      % (proto, name, codes, desc(a)))
            p.close()
            require(d.alive(), '%s: shieldlockd alive after %s' % (proto, name))
        still_works(d, proto, 'the malformed messages')

        if proto != 'udp':
            # a body shorter than Content-Length, then the connection closes
            p = Peer(d, 'alice', 'secret-alice', proto)
            p.send(request(p, cl=500, body='v=0\r\n'))
            time.sleep(0.3)
            p.close()
            # a Content-Length that swallows the next request: the next one is
            # not parsed as a message of its own, and the daemon survives
            p = Peer(d, 'alice', 'secret-alice', proto)
            p.send(request(p, cl=0) + 'GARBAGE\r\n\r\n' + request(p))
            a1, a2 = answer(p), answer(p)
            check(d.alive(), '%s: pipelined valid + garbage + valid handled' % proto,
                  '%s / %s' % (desc(a1), desc(a2)))
            p.close()
            still_works(d, proto, 'truncated and pipelined messages')

    log('--- TLS-level abuse')
    # plain text on the TLS port, a truncated ClientHello, an idle connection
    s = socket.create_connection((d.host, d.tls))
    s.sendall(b'REGISTER sip:x SIP/2.0\r\n\r\n')
    s.settimeout(3)
    try:
        data = s.recv(4096)
    except OSError:
        data = b''
    check(b'SIP/2.0 200' not in data, 'plain SIP on the TLS port is not accepted', repr(data[:80]))
    s.close()
    s = socket.create_connection((d.host, d.tls))
    s.sendall(b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + os.urandom(20))
    time.sleep(0.2)
    s.close()
    require(d.alive(), 'shieldlockd alive after TLS garbage')
    still_works(d, 'tls', 'TLS-level garbage')
    still_works(d, 'udp', 'everything')
    check('sip process exited' not in d.log() and 'exited' not in d.log().lower(),
          'no child exited', '')


if __name__ == '__main__':
    main(run)
