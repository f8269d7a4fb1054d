# SPDX-License-Identifier: BSD-3-Clause
"""Digest abuse (RFC 7616, RFC 3261 §22): wrong password, unknown user
(same answer), replayed nonce-count, forged nonce, INVITE without
credentials, blocking after auth_fail_threshold failures (per source and
per user), OPTIONS and CRLF keepalives never challenged.

Failures are counted per source address, so each case sends from its own
loopback address (127.0.0.N): Linux routes all of 127.0.0.0/8 to lo."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (Daemon, Peer, check, require, challenges, main, log,  # noqa: E402
                      digest_response, sdp_offer)

THRESHOLD = 3


def shape(resp):
    """The 401 without what must differ (nonce, tags, branch)."""
    return [re.sub(r'nonce="[^"]*"', 'nonce=X', v) for v in resp.all('www-authenticate')]


def run():
    d = Daemon('digest', sip='auth_fail_threshold = %d\nauth_fail_window = 60\n'
               'auth_fail_penalty = 300\n' % THRESHOLD)
    for u in ('alice', 'bob', 'carol', 'dave', 'erin'):
        d.add_user(u, 'secret-' + u)
        d.add_device(u + '-phone', u, 'non-secure')
    dom = 'sip:%s' % d.domain

    log('--- wrong password, unknown user (127.0.0.2)')
    p = Peer(d, 'alice', 'secret-alice', 'tcp', src='127.0.0.2')
    r1, r2 = p.register(600, pw='wrong-password')
    require(r1 is not None and r1.status == 401, 'REGISTER -> 401')
    check(r2 is not None and r2.status == 401, 'wrong password -> 401 again', repr(r2))
    if r2 is not None and r2.status == 401:
        check(len(challenges(r2)) == 2, 'a new challenge (SHA-256 and MD5) after the failure',
              repr(r2))
        check(not any(c.get('stale', '').lower() == 'true' for c in challenges(r2) if c),
              'wrong password is not stale', repr(r2))
    u = Peer(d, 'mallory', 'whatever-pw', 'tcp', src='127.0.0.2')
    ur1, ur2 = u.register(600)
    check(ur2 is not None and ur2.status == 401, 'unknown user -> 401', repr(ur2))
    if r2 is not None and ur2 is not None:
        check(shape(ur2) == shape(r2) and ur2.reason == r2.reason,
              'unknown user gets the same answer as a wrong password',
              'wrong pw: %s %s\nunknown: %s %s' % (r2.start, shape(r2), ur2.start, shape(ur2)))
    check(re.search(r"authentication failed for user 'alice' from 127\.0\.0\.2", d.log()),
          'the failure is logged with user and source')
    check('wrong-password' not in d.log() and 'secret-alice' not in d.log(),
          'passwords never appear in the log')
    p.close()
    u.close()

    log('--- replayed nonce-count, forged nonce (127.0.0.3)')
    p = Peer(d, 'bob', 'secret-bob', 'udp', src='127.0.0.3')
    r1 = p.register_once(600)
    require(r1 is not None and r1.status == 401, 'REGISTER -> 401')
    auth = p.authorization('REGISTER', dom, r1, nc=1)
    r = p.register_once(600, auth=auth)
    check(r is not None and r.status == 200, 'nc=1 -> 200', repr(r))
    r = p.register_once(600, auth=auth)
    check(r is not None and r.status == 401, 'the same Authorization again (nc=1 replayed) -> 401',
          repr(r))
    auth2 = p.authorization('REGISTER', dom, r1, nc=2)
    r = p.register_once(600, auth=auth2)
    check(r is not None and r.status == 200, 'the same nonce with nc=2 -> 200', repr(r))
    check(re.search(r"authentication failed for user 'bob' from 127\.0\.0\.3: .*replay", d.log()),
          'the replay is logged')
    c = challenges(r1)[0]
    forged = c['nonce'][:-4] + ('AAAA' if not c['nonce'].endswith('AAAA') else 'BBBB')
    a = 'Authorization: %s\r\n' % digest_response('bob', 'secret-bob', d.realm, forged,
                                                   'REGISTER', dom, 'SHA-256')
    r = p.register_once(600, auth=a)
    check(r is not None and r.status == 401, 'a forged nonce -> 401', repr(r))
    if r is not None:
        check(not any(x.get('stale', '').lower() == 'true' for x in challenges(r) if x),
              'a forged nonce is not stale', repr(r))
    # a response computed for another Request-URI
    a = 'Authorization: %s\r\n' % digest_response('bob', 'secret-bob', d.realm, c['nonce'],
                                                   'REGISTER', 'sip:evil.example', 'SHA-256', nc=5)
    r = p.register_once(600, auth=a)
    check(r is not None and r.status in (400, 401, 403), 'digest uri != Request-URI -> refused',
          repr(r))
    p.close()

    log('--- INVITE without credentials, OPTIONS, keepalives (127.0.0.4)')
    for proto in ('udp', 'tcp', 'tls'):
        p = Peer(d, 'carol', 'secret-carol', proto, src='127.0.0.4')
        inv = p.build('INVITE', 'sip:dave@%s' % d.domain, '<sip:dave@%s>' % d.domain,
                      body=sdp_offer('127.0.0.4', 4000), callid='inv-' + os.urandom(4).hex())
        p.send(inv)
        r = p.response('INVITE')
        check(r is not None and r.status == 401, '%s: INVITE without credentials -> 401' % proto,
              repr(r))
        if r is not None and r.status >= 300:
            # ACK the final response (RFC 3261 §17.1.1.3) on the same branch
            via = inv.split('\r\n')[1]
            p.send('ACK sip:dave@%s SIP/2.0\r\n%s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n'
                   'Call-ID: %s\r\nCSeq: %d ACK\r\nContent-Length: 0\r\n\r\n'
                   % (d.domain, via, r.get('from'), r.get('to'), r.get('call-id'), r.cseq()[0]))
        p.send(p.build('OPTIONS', 'sip:%s' % d.domain, '<sip:%s>' % d.domain,
                       callid='opt-' + os.urandom(4).hex()))
        r = p.response('OPTIONS')
        check(r is not None and r.status == 200, '%s: OPTIONS -> 200' % proto, repr(r))
        if r is not None:
            check(not r.all('www-authenticate'), '%s: OPTIONS is not challenged' % proto)
            check('INVITE' in (r.get('allow') or ''), '%s: OPTIONS 200 has Allow' % proto, repr(r))
        if proto != 'udp':
            # RFC 5626 §3.5.1: a double-CRLF ping gets a single-CRLF pong
            p.send(b'\r\n\r\n')
            pong = p.recv(3, keepalive=True)
            check(pong in (b'\r\n', b'\r\n\r\n'), '%s: CRLFCRLF ping -> CRLF pong' % proto,
                  repr(pong))
            # the connection still works after the ping
            r1, r2 = p.register(600)
            check(r2 is not None and r2.status == 200, '%s: REGISTER after the ping -> 200' % proto,
                  repr(r2))
        p.close()

    log('--- blocking a source (127.0.0.5) after %d failures' % THRESHOLD)
    mark = d.mark()
    p = Peer(d, 'dave', 'secret-dave', 'tcp', src='127.0.0.5')
    codes = []
    for i in range(THRESHOLD):
        r1, r2 = p.register(600, pw='bad-%d' % i)
        codes.append(r2.status if r2 is not None else None)
    check(all(c == 401 for c in codes), 'the first %d failures -> 401' % THRESHOLD, repr(codes))
    r = p.register_once(600)
    check(r is not None and r.status == 403, 'next request from the blocked source -> 403',
          repr(r))
    if r is not None and r.status == 403:
        check('too many' in r.reason.lower(), '403 reason says Too Many Failed Attempts', r.start)
    r1, r2 = p.register(600)
    check(r2 is not None and r2.status == 403, 'even the right password -> 403 while blocked',
          repr(r2))
    check(d.wait_log(r'blocking source 127\.0\.0\.5 for 300 s', 2, since=mark, must=False),
          'the block of the source is logged')
    check(len(re.findall(r'blocking source 127\.0\.0\.5', d.log()[mark:])) == 1,
          'the block is logged once', d.log()[mark:])
    check(d.wait_log(r"blocking user 'dave'", 1, since=mark, must=False),
          'the block of the user is logged too')
    # another source, user dave: blocked as a user
    q = Peer(d, 'dave', 'secret-dave', 'tcp', src='127.0.0.6')
    r1, r2 = q.register(600)
    check(r2 is not None and r2.status == 403, 'dave from another source -> 403 (user blocked)',
          repr(r2))
    # another source and user: not affected
    e = Peer(d, 'erin', 'secret-erin', 'tcp', src='127.0.0.7')
    r1, r2 = e.register(600)
    check(r2 is not None and r2.status == 200, 'erin from 127.0.0.7 still registers', repr(r2))
    # OPTIONS from the blocked source: keepalives are never challenged, but may be
    # refused while blocked; either way the daemon answers
    p.send(p.build('OPTIONS', 'sip:%s' % d.domain, '<sip:%s>' % d.domain, callid='o2'))
    r = p.response('OPTIONS')
    check(r is not None and r.status in (200, 403), 'OPTIONS from a blocked source answered',
          repr(r))
    check(d.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
