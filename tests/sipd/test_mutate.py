# SPDX-License-Identifier: BSD-3-Clause
"""Bounded mutation testing through the network: (A) byte- and line-level
mutations of REGISTER, INVITE and OPTIONS over UDP; (B) mutated SDP bodies
(including a=crypto lines) inside correctly authenticated INVITEs over TLS,
so that the SDP and SDES parsers behind digest authentication see them.
The daemon must answer or drop, never die, and stay usable. The seed is
printed; SIPD_MUTATE_SEED and SIPD_MUTATE_N repeat or lengthen a run."""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (Daemon, Peer, Dialog, check, require, main, log, sdp_offer,  # noqa: E402
                      new_key, Msg)

INTERESTING = [b'0', b'-1', b'4294967296', b'99999999999999999999', b'', b' ', b'\t', b';',
               b',', b'"', b'<', b'>', b'%00', b'%', b'\x00', b'\xff', b'\r', b'\n', b'\r\n',
               b'a' * 300, b'::', b'[', b']', b'@', b'sip:', b'inline:', b'|', b'2^31', b'=']


def mutate(rng, data, n=None):
    data = bytearray(data)
    for _ in range(n or rng.randint(1, 4)):
        if not data:
            data += b'x'
        op = rng.randrange(8)
        i = rng.randrange(len(data))
        if op == 0:
            data[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            data[i:i] = rng.choice(INTERESTING)
        elif op == 2:
            del data[i:i + rng.randint(1, 16)]
        elif op == 3:
            data[i:i + rng.randint(1, 8)] = rng.choice(INTERESTING)
        elif op == 4:                       # duplicate a line
            lines = bytes(data).split(b'\r\n')
            k = rng.randrange(len(lines))
            lines.insert(k, lines[k])
            data = bytearray(b'\r\n'.join(lines))
        elif op == 5:                       # drop a line
            lines = bytes(data).split(b'\r\n')
            if len(lines) > 2:
                del lines[rng.randrange(1, len(lines))]
            data = bytearray(b'\r\n'.join(lines))
        elif op == 6:                       # truncate
            data = data[:i]
        else:                               # a digit run becomes huge
            j = i
            while j < len(data) and 48 <= data[j] <= 57:
                j += 1
            data[i:j] = b'9' * rng.randint(10, 40)
    return bytes(data)


def crypto_sdp(rng):
    cr = [(1, 'AES_CM_128_HMAC_SHA1_80', new_key('AES_CM_128_HMAC_SHA1_80')),
          (2, 'AEAD_AES_128_GCM', new_key('AEAD_AES_128_GCM')),
          (3, 'AEAD_AES_256_GCM', new_key('AEAD_AES_256_GCM') + '|2^31|1:1')]
    s = sdp_offer('127.0.0.1', 4000 + 2 * rng.randrange(100), cr)
    s += 'a=rtcp-mux\r\na=rtcp:4001 IN IP4 127.0.0.1\r\na=ptime:20\r\n'
    s += 'm=video 5000 RTP/SAVP 96\r\na=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:%s\r\n' \
        % new_key('AES_CM_128_HMAC_SHA1_32')
    return s


def run():
    seed = int(os.environ.get('SIPD_MUTATE_SEED', random.randrange(1 << 30)))
    n = int(os.environ.get('SIPD_MUTATE_N', '600'))
    log('seed %d, %d cases per part (SIPD_MUTATE_SEED=%d repeats this run)' % (seed, n, seed))
    rng = random.Random(seed)
    d = Daemon('mutate', sip='auth_fail_threshold = 1000\n', log_level='info')
    for u in ('alice', 'bob'):
        d.add_user(u, 'secret-' + u)
        d.add_device(u + '-phone', u, 'non-secure')
    bob = Peer(d, 'bob', 'secret-bob', 'tls')
    require(bob.register()[1].status == 200, 'bob registers (callee of part B)')

    log('--- part A: mutated requests over UDP')
    p = Peer(d, 'alice', 'secret-alice', 'udp')
    seeds = [
        p.build('REGISTER', 'sip:%s' % d.domain, '<sip:alice@%s>' % d.domain,
                extra='Expires: 600\r\nAuthorization: Digest username="alice", realm="%s", '
                'nonce="abc", uri="sip:%s", response="00", algorithm=SHA-256, qop=auth, '
                'nc=00000001, cnonce="x"\r\n' % (d.realm, d.domain)).encode(),
        p.build('INVITE', 'sip:bob@%s' % d.domain, '<sip:bob@%s>' % d.domain,
                body=sdp_offer('127.0.0.1', 4000)).encode(),
        p.build('OPTIONS', 'sip:%s' % d.domain, '<sip:%s>' % d.domain).encode(),
    ]
    answered = 0
    for i in range(n):
        m = mutate(rng, rng.choice(seeds))
        p.send(m[:65000])
        # read whatever came back without waiting for every case
        while True:
            r = p.recv(0.002 if i % 50 else 0.2)
            if r is None:
                break
            answered += 1
        if i % 200 == 0:
            require(d.alive(), 'alive after %d UDP cases' % i)
    log('%d answers to %d mutated UDP requests' % (answered, n))
    require(d.alive(), 'shieldlockd alive after part A')
    p.close()
    q = Peer(d, 'alice', 'secret-alice', 'udp')
    check(q.register()[1].status == 200, 'a valid REGISTER works after part A')
    q.close()

    log('--- part B: mutated SDP in authenticated INVITEs over TLS')
    a = Peer(d, 'alice', 'secret-alice', 'tls')
    require(a.register()[1].status == 200, 'alice registers over TLS')
    dlg = Dialog(a, 'bob', 'mut-0')
    dlg.send_invite(crypto_sdp(rng))
    r = dlg.final(5)
    require(r is not None and r.status == 401, 'the first INVITE is challenged')
    ch = r
    codes = {}
    nc = 0
    for i in range(n):
        nc += 1
        raw = mutate(rng, crypto_sdp(rng).encode(), rng.randint(1, 6))
        body = raw.decode('latin-1')
        dlg = Dialog(a, 'bob', 'mut-%d' % i)
        auth = a.authorization('INVITE', dlg.ruri, ch, nc=nc)
        dlg.cseq = 1
        dlg.invite = a.build('INVITE', dlg.ruri, dlg.to, extra=auth, body=body,
                             callid=dlg.callid, cseq=1, fromtag=dlg.fromtag,
                             content_length=len(raw))
        try:
            a.send(dlg.invite.encode('latin-1'))
        except OSError as e:
            check(False, 'TLS connection alive at case %d' % i, str(e))
            break
        r = dlg.final(5)
        if r is None:
            check(False, 'an answer to mutated INVITE %d' % i, dlg.invite[:2000])
            break
        codes[r.status] = codes.get(r.status, 0) + 1
        if r.status == 401:                 # stale or nc trouble: take the new nonce
            ch, nc = r, 0
        if r.status == 200:                 # should not happen (no data plane)
            check(False, 'no call can be answered without a data plane', repr(r))
        # bob may have been offered a call (it cannot be: dp is off); drain
        while bob.recv(0.0005) is not None:
            pass
        if i % 200 == 0:
            require(d.alive(), 'alive after %d SDP cases' % i)
    log('answers: %s' % ', '.join('%d x%d' % kv for kv in sorted(codes.items())))
    check(set(codes) <= {400, 401, 403, 404, 415, 480, 488, 503, 513},
          'only refusals for mutated SDP (no 5xx other than 503, no crash)', repr(codes))
    require(d.alive(), 'shieldlockd alive after part B')
    q = Peer(d, 'alice', 'secret-alice', 'tls')
    check(q.register()[1].status == 200, 'a valid REGISTER works after part B')


if __name__ == '__main__':
    main(run)
