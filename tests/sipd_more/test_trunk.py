# SPDX-License-Identifier: BSD-3-Clause
"""Trunk routing and the client side of digest (RFC 3261 §22.2, §8.1.3.5,
RFC 7616 §3.4) against a fake carrier over TLS. Root only (shieldlock-dp on
net_null ports); exits 77 otherwise.

A registered TLS phone dials 9123; `trunk add carrier --prefix 9` routes it
to the fake trunk, which challenges the first INVITE with 407. Checked: the
INVITE to the trunk (Request-URI user 9123, SDP at the appliance, fresh
a=crypto), the ACK of the 407, the re-sent INVITE (same Call-ID and From
tag, next CSeq, same body) with a Proxy-Authorization whose response is
recomputed here from the password given to `trunk cred set`, for MD5 and
for a SHA-256 + MD5 challenge (SHA-256 must be chosen); the call connects,
BYE works from the phone and from the trunk, the flows are removed. Wrong
stored credentials: the second 407 is not answered again, the phone gets a
final error, no flows remain. A trunk whose certificate is not trusted
fails the call instead of hanging it, and so does a trusted
certificate that does not name the trunk's host (RFC 5922 §7.2). A 401 from
the trunk is answered with Authorization. A TCP trunk never gets a=crypto:
its leg is RTP, the phone's leg stays SRTP, the call is non-secure. A BYE
that the carrier challenges is sent again with credentials."""
import hashlib
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moretest import (Dialog, FakeTrunk, check, require, main, log, need_root, tmpdir,  # noqa
                      DataPlane, rig_daemon, phones, srtp_offer, srtp_answer, sdp_cryptos,
                      sdp_conn, sdp_media, flows_of, wait_for, sdp_offer, PORT_MIN, PORT_MAX)
from sipdtest import parse_challenge  # noqa: E402

REALM = 'carrier.test'
USER = 'acct-4711'
PW = 'carrier-Pw-1'


def h(alg, s):
    return (hashlib.sha256 if alg.upper() == 'SHA-256' else hashlib.md5)(s.encode()).hexdigest()


def expected_response(alg, user, realm, pw, nonce, method, uri, nc, cnonce):
    """RFC 7616 §3.4.1, qop=auth."""
    ha1 = h(alg, '%s:%s:%s' % (user, realm, pw))
    ha2 = h(alg, '%s:%s' % (method, uri))
    return h(alg, '%s:%s:%s:%s:auth:%s' % (ha1, nonce, nc, cnonce, ha2))


def challenge(algs, nonce, opaque, hdr='Proxy-Authenticate'):
    return ''.join(hdr + ': Digest realm="%s", nonce="%s", qop="auth", '
                   'algorithm=%s, opaque="%s"\r\n' % (REALM, nonce + '-' + a.lower(), a, opaque)
                   for a in algs)


def check_auth(inv1, inv2, algs, want_alg, nonce, opaque, pw, code=407):
    """The re-sent INVITE and its Proxy-Authorization; True if it verifies with pw."""
    check(inv2.get('call-id') == inv1.get('call-id'), 're-sent INVITE keeps the Call-ID '
          '(§8.1.3.5)', '%s vs %s' % (inv1.get('call-id'), inv2.get('call-id')))
    check(inv2.tag('from') == inv1.tag('from'), 're-sent INVITE keeps the From tag')
    check(inv2.cseq() == (inv1.cseq()[0] + 1, 'INVITE'), 're-sent INVITE has CSeq + 1',
          '%s -> %s' % (inv1.cseq(), inv2.cseq()))
    check(inv2.body == inv1.body, 're-sent INVITE carries the same offer')
    mine, other = ('proxy-authorization', 'authorization') if code == 407 else \
        ('authorization', 'proxy-authorization')
    check(inv2.get(other) is None, 'no %s header answers a %d' % (other, code))
    pa = inv2.all(mine)
    if not check(len(pa) == 1, 'exactly one %s (answering %d)' % (mine, code), repr(pa)):
        return False
    a = parse_challenge(pa[0]) or {}
    check(a.get('username') == USER, 'Proxy-Authorization: username %s' % USER, pa[0])
    check(a.get('realm') == REALM, 'Proxy-Authorization: realm %s' % REALM, pa[0])
    check((a.get('algorithm') or 'MD5').upper() == want_alg,
          'Proxy-Authorization: algorithm %s (challenged with %s)' % (want_alg, ', '.join(algs)),
          pa[0])
    check(a.get('nonce') == nonce + '-' + want_alg.lower(), 'the nonce of that challenge', pa[0])
    check(a.get('opaque') == opaque, 'opaque returned unchanged (RFC 7616 §3.4)', pa[0])
    check(a.get('qop') == 'auth', 'qop=auth', pa[0])
    check(a.get('nc') == '00000001', 'nc=00000001', pa[0])
    check(bool(a.get('cnonce')), 'a cnonce', pa[0])
    check(a.get('uri') == inv2.ruri, 'digest uri equals the Request-URI (RFC 7616 §3.4)',
          '%s vs %s' % (a.get('uri'), inv2.ruri))
    want = expected_response(want_alg, USER, REALM, pw, a.get('nonce', ''), 'INVITE',
                             a.get('uri', ''), a.get('nc', ''), a.get('cnonce', ''))
    return a.get('response') == want


def set_cred(d, pw):
    d.ctl('trunk', 'cred', 'set', 'carrier', '--realm', REALM, '--username', USER,
          '--password-stdin', stdin=pw + '\n', json_out=False)


def trunk_call(d, dp, trunk, alice, n, algs, want_alg, port, code=407):
    """Up to the authenticated INVITE; returns (dialog, inv1, inv2, verified)."""
    offer, akeys = srtp_offer(port)
    dlg = Dialog(alice, '9123', 'trk%d-%s' % (n, os.urandom(4).hex()))
    early = dlg.call_start(offer)
    require(early is None, 'call %d: the INVITE to 9123 is challenged once and accepted' % n,
            repr(early))
    inv1 = trunk.request_in('INVITE', 10)
    require(inv1 is not None, 'call %d: the trunk receives an INVITE (prefix 9)' % n,
            '\n'.join(trunk.accept_errors))
    user = inv1.ruri.split(':', 1)[1].split('@', 1)[0] if ':' in inv1.ruri else ''
    check(user == '9123', 'call %d: Request-URI user is 9123' % n, inv1.ruri)
    body = inv1.body
    check(sdp_conn(body) == '127.0.0.1', 'call %d: trunk offer c=127.0.0.1 (the appliance)' % n,
          body)
    tport, tproto = sdp_media(body)
    check(tport is not None and PORT_MIN <= tport <= PORT_MAX and tport % 2 == 0,
          'call %d: trunk offer m= port even, in %d-%d' % (n, PORT_MIN, PORT_MAX), body)
    check(tproto == 'RTP/SAVP', 'call %d: trunk offer RTP/SAVP' % n, body)
    offered = sdp_cryptos(body)
    check(offered and not ({k for _, _, k in offered} & {k for _, _, k in akeys}),
          'call %d: the trunk is offered a=crypto with keys of the appliance' % n, body)
    nonce, opaque = 'n%d%s' % (n, os.urandom(6).hex()), 'op%d' % n
    if code == 407:
        trunk.reply(inv1, 407, 'Proxy Authentication Required', totag='t407-%d' % n,
                    extra=challenge(algs, nonce, opaque))
    else:
        trunk.reply(inv1, 401, 'Unauthorized', totag='t401-%d' % n,
                    extra=challenge(algs, nonce, opaque, 'WWW-Authenticate'))
    ack = trunk.request_in('ACK', 5)
    if check(ack is not None, 'call %d: the %d is ACKed' % (n, code)) and ack.get('via'):
        check(ack.get('via').split('branch=')[-1].split(';')[0] ==
              inv1.get('via').split('branch=')[-1].split(';')[0],
              'call %d: the ACK of the %d has the INVITE\'s branch (§17.1.1.3)' % (n, code))
    inv2 = trunk.request_in('INVITE', 5)
    require(inv2 is not None, 'call %d: the INVITE is sent again with credentials' % n)
    ok = check_auth(inv1, inv2, algs, want_alg, nonce, opaque, PW, code)
    return dlg, akeys, inv2, ok


def answer(trunk, inv, totag, port):
    ans, choice = srtp_answer(inv.body, port)
    trunk.reply(inv, 180, 'Ringing', totag=totag)
    trunk.reply(inv, 200, 'OK', totag=totag, body=ans)
    return choice


def connected(d, dp, trunk, dlg, akeys, inv, choice, n, tport):
    r = dlg.final(10)
    require(r is not None and r.status == 200, 'call %d: the phone gets 200 OK' % n, repr(r))
    check(trunk.request_in('ACK', 5) is not None, 'call %d: the trunk gets the ACK of its 200' % n)
    ac = sdp_cryptos(r.body)
    check(len(ac) == 1 and ac[0][2] not in [k for _, _, k in akeys] and ac[0][2] != choice[2],
          'call %d: the phone\'s answer has one a=crypto with the appliance\'s own key' % n,
          r.body)
    flows = wait_for(lambda: flows_of(dp, 'srtp-rekey'))
    check(len(flows) in (2, 4), 'call %d: 2 or 4 srtp-rekey flows' % n, json.dumps(flows))
    srcs = {(f['match'].get('src'), f['match'].get('sport')) for f in flows}
    check(('127.0.0.1', tport) in srcs, 'call %d: a flow matches the trunk\'s media 127.0.0.1:%d'
          % (n, tport), repr(srcs))
    calls = d.ctl('calls').get('calls', [])
    check(len(calls) == 1 and any('carrier' in (l.get('peer') or '')
                                  for l in calls[0].get('legs', [])),
          'call %d: shieldlockctl calls shows the callee leg to the trunk' % n, json.dumps(calls))
    return r


def run():
    need_root()
    tmp = tmpdir()
    dp = DataPlane(tmp)
    d = rig_daemon('trunk', dp)
    trunk = FakeTrunk(tmp)
    trunk.ca.install(d.trust_dir())
    alice, = phones(d, tmp, ('alice',))      # SIGHUP reloads the trust store
    d.ctl('trunk', 'add', 'carrier', '--host', '127.0.0.1', '--port', str(trunk.port),
          '--transport', 'tls', '--prefix', '9', json_out=False)
    set_cred(d, PW)
    shown = d.ctl('trunk', 'show', 'carrier', json_out=False).stdout
    check(PW not in shown and USER in shown, 'trunk show names the username, not the password',
          shown)

    log('--- call 1: 407 with MD5, BYE from the phone')
    dlg, akeys, inv, ok = trunk_call(d, dp, trunk, alice, 1, ['MD5'], 'MD5', 4000)
    require(ok, 'call 1: the MD5 response verifies with the password given to trunk cred set',
            inv.get('proxy-authorization'))
    choice = answer(trunk, inv, 'trk-1', 6000)
    connected(d, dp, trunk, dlg, akeys, inv, choice, 1, 6000)
    dlg.in_dialog('BYE')
    bye = trunk.request_in('BYE', 5)
    require(bye is not None, 'call 1: the trunk receives BYE')
    check(bye.get('call-id') == inv.get('call-id') and bye.tag('to') == 'trk-1',
          'call 1: BYE is in the trunk dialog', repr(bye))
    trunk.reply(bye, 200, 'OK')
    r = alice.recv_match(lambda x: x.status is not None and x.cseq()[1] == 'BYE', 5)
    check(r is not None and r.status == 200, 'call 1: the phone gets 200 to BYE', repr(r))
    check(wait_for(lambda: not dp.flows()), 'call 1: flows removed', json.dumps(dp.flows()))

    log('--- call 2: 407 with SHA-256 and MD5 (SHA-256 must win), BYE from the trunk')
    dlg, akeys, inv, ok = trunk_call(d, dp, trunk, alice, 2, ['SHA-256', 'MD5'], 'SHA-256', 4002)
    require(ok, 'call 2: the SHA-256 response verifies', inv.get('proxy-authorization'))
    choice = answer(trunk, inv, 'trk-2', 6002)
    connected(d, dp, trunk, dlg, akeys, inv, choice, 2, 6002)
    tb = trunk.request(inv.conn, 'BYE', inv, 'trk-2', 1)
    abye = alice.request_in('BYE', 5)
    require(abye is not None, 'call 2: a BYE from the trunk reaches the phone')
    alice.reply(abye, 200, 'OK')
    r = trunk.recv_match(lambda x: x.status is not None and x.get('call-id') == tb.get('call-id')
                         and x.cseq()[1] == 'BYE', 5)
    check(r is not None and r.status == 200, 'call 2: the trunk gets 200 to its BYE', repr(r))
    check(wait_for(lambda: not dp.flows()), 'call 2: flows removed', json.dumps(dp.flows()))

    log('--- call 3: 401 with SHA-256 only (a trunk acting as UAS)')
    dlg, akeys, inv, ok = trunk_call(d, dp, trunk, alice, 3, ['SHA-256'], 'SHA-256', 4004,
                                     code=401)
    check(ok, 'call 3: the SHA-256-only 401 challenge is answered correctly',
          inv.get('authorization'))
    trunk.reply(inv, 486, 'Busy Here', totag='trk-3')
    check(trunk.request_in('ACK', 5) is not None, 'call 3: the 486 is ACKed')
    r = dlg.final(10)
    check(r is not None and r.status == 486, 'call 3: the phone gets 486', repr(r))
    check(wait_for(lambda: not dp.flows()), 'call 3: flows removed', json.dumps(dp.flows()))

    log('--- call 4: wrong stored password -> second 407 -> failure to the phone')
    set_cred(d, 'not-the-carrier-pw')
    dlg, akeys, inv, ok = trunk_call(d, dp, trunk, alice, 4, ['MD5'], 'MD5', 4006)
    check(not ok, 'call 4: the response does not verify with the real password')
    trunk.reply(inv, 407, 'Proxy Authentication Required', totag='t407b',
                extra=challenge(['MD5'], 'again' + os.urandom(4).hex(), 'op4'))
    check(trunk.request_in('ACK', 5) is not None, 'call 4: the second 407 is ACKed')
    again = trunk.request_in('INVITE', 3)
    check(again is None, 'call 4: the daemon does not answer a second challenge (no loop)',
          repr(again))
    r = dlg.final(10)
    check(r is not None and 400 <= r.status < 700,
          'call 4: the phone gets a final error response, not a hang', repr(r))
    if r is not None:
        check(r.status != 407 and r.status != 401, 'call 4: the trunk\'s 407 is not relayed '
              'to the phone as a challenge', repr(r))
    check(wait_for(lambda: not dp.flows()), 'call 4: flows removed', json.dumps(dp.flows()))
    ended = wait_for(lambda: [c for c in d.calls() if c.get('state') == 'ended'])
    check(len(ended) == 4, 'calls --all shows 4 ended calls', json.dumps(d.calls()))
    check(not d.ctl('calls').get('calls'), 'no active call left')

    log('--- call 5: a trunk whose certificate is not trusted')
    rogue = FakeTrunk(tmp, name='rogue')        # its CA is NOT in the trust store
    set_cred(d, PW)
    d.ctl('trunk', 'set', 'carrier', '--port', str(rogue.port), json_out=False)
    offer, _ = srtp_offer(4008)
    mark5 = d.mark()
    dlg = Dialog(alice, '9123', 'trk5-' + os.urandom(4).hex())
    check(dlg.call_start(offer) is None, 'call 5: INVITE accepted for processing')
    got = rogue.request_in('INVITE', 5)
    check(got is None, 'call 5: no INVITE reaches a trunk with an untrusted certificate',
          repr(got))
    t0 = time.time()
    r = dlg.final(40)
    el = time.time() - t0
    check(r is not None and r.status >= 400, 'call 5: the phone gets a final error', repr(r))
    check(el < 10, 'call 5: ... promptly: a failed TLS handshake is a transport error '
          '(RFC 3261 §8.1.3.1: 503 at once), not a 32 s Timer B timeout', '%.1f s, %s'
          % (el, r.start if r is not None else None))
    check(re.search(r'(WARN|ERR) .*(certificate|handshake|verif)', d.log()[mark5:]),
          'call 5: the untrusted trunk certificate is logged as a warning or error',
          d.log()[mark5:][-1500:])
    check(wait_for(lambda: not dp.flows()), 'call 5: flows removed', json.dumps(dp.flows()))

    log('--- call 6: a trusted certificate that names another host (RFC 5922 §7.2)')
    imp = FakeTrunk(tmp, cn='other.example', san='DNS:other.example', ca=trunk.ca,
                    name='imposter')
    d.ctl('trunk', 'set', 'carrier', '--port', str(imp.port), json_out=False)
    offer, _ = srtp_offer(4010)
    dlg = Dialog(alice, '9123', 'trk6-' + os.urandom(4).hex())
    check(dlg.call_start(offer) is None, 'call 6: INVITE accepted for processing')
    got = imp.request_in('INVITE', 5)
    check(got is None, 'call 6: no INVITE (with SDES keys) is sent to a trunk whose certificate '
          'does not name 127.0.0.1 (server identity, RFC 5922 §7.2 / RFC 3261 §26.3.1)',
          repr(got))
    if got is not None:
        imp.reply(got, 503, 'Imposter', totag='imp')
    r = dlg.final(40)
    check(r is not None and r.status >= 400, 'call 6: the phone gets a final error', repr(r))
    check(wait_for(lambda: not dp.flows()), 'call 6: flows removed', json.dumps(dp.flows()))

    log('--- call 7: a TCP trunk (prefix 8): no keys over TCP, RTP on that leg')
    plain = FakeTrunk(tmp, name='plain', tls=False)
    d.ctl('trunk', 'add', 'plain', '--host', '127.0.0.1', '--port', str(plain.port),
          '--transport', 'tcp', '--prefix', '8', json_out=False)
    offer, akeys = srtp_offer(4012)
    dlg = Dialog(alice, '8555', 'trk7-' + os.urandom(4).hex())
    check(dlg.call_start(offer) is None, 'call 7: INVITE accepted for processing')
    inv = plain.request_in('INVITE', 5)
    require(inv is not None, 'call 7: the TCP trunk receives the INVITE (prefix 8)')
    check(inv.ruri.startswith('sip:8555@'), 'call 7: Request-URI user 8555', inv.ruri)
    check(not sdp_cryptos(inv.body) and 'crypto' not in inv.body,
          'call 7: no a=crypto is sent over TCP (keys only over TLS)', inv.body)
    check(sdp_media(inv.body)[1] == 'RTP/AVP', 'call 7: the TCP trunk is offered RTP/AVP',
          inv.body)
    plain.reply(inv, 200, 'OK', totag='plain7',
                body=sdp_offer('127.0.0.1', 6012, None))
    r = dlg.final(10)
    require(r is not None and r.status == 200, 'call 7: the phone gets 200', repr(r))
    check(plain.request_in('ACK', 5) is not None, 'call 7: the TCP trunk gets the ACK')
    ac = sdp_cryptos(r.body)
    check(len(ac) == 1 and sdp_media(r.body)[1] == 'RTP/SAVP',
          'call 7: the phone (encrypted device) still gets SRTP on its leg', r.body)
    fl = wait_for(lambda: dp.flows())
    acts = sorted(f.get('action') for f in fl)
    check(set(acts) == {'srtp-protect', 'srtp-unprotect'},
          'call 7: srtp-unprotect toward the trunk, srtp-protect toward the phone', repr(acts))
    cl = d.ctl('calls').get('calls', [])
    check(cl and cl[0].get('security') == 'non-secure', 'call 7: call security non-secure '
          '(RTP on the trunk leg)', json.dumps(cl))
    check(r.get('x-shieldlock-security') == 'non-secure',
          'call 7: X-Shieldlock-Security: non-secure on the 200 to the phone',
          repr(r.get('x-shieldlock-security')))
    dlg.in_dialog('BYE')
    bye = plain.request_in('BYE', 5)
    check(bye is not None, 'call 7: the TCP trunk receives BYE')
    if bye is not None:
        plain.reply(bye, 200, 'OK')
    check(wait_for(lambda: not dp.flows()), 'call 7: flows removed', json.dumps(dp.flows()))

    log('--- call 8: the carrier challenges the BYE too (407 on BYE)')
    d.ctl('trunk', 'set', 'carrier', '--port', str(trunk.port), json_out=False)
    dlg, akeys, inv, ok = trunk_call(d, dp, trunk, alice, 8, ['MD5'], 'MD5', 4014)
    check(ok, 'call 8: the INVITE challenge is answered', inv.get('proxy-authorization'))
    choice = answer(trunk, inv, 'trk-8', 6014)
    connected(d, dp, trunk, dlg, akeys, inv, choice, 8, 6014)
    dlg.in_dialog('BYE')
    bye1 = trunk.request_in('BYE', 5)
    require(bye1 is not None, 'call 8: the trunk receives BYE')
    nonce = 'bye' + os.urandom(6).hex()
    trunk.reply(bye1, 407, 'Proxy Authentication Required',
                extra=challenge(['MD5'], nonce, 'op8'))
    bye2 = trunk.request_in('BYE', 5)
    check(bye2 is not None, 'call 8: the BYE is sent again with credentials after a 407 '
          '(RFC 3261 §22.2 applies to every request; otherwise the carrier never ends the call)')
    if bye2 is not None:
        check(bye2.cseq()[0] == bye1.cseq()[0] + 1 and bye2.get('call-id') == bye1.get('call-id'),
              'call 8: the re-sent BYE has CSeq + 1 in the same dialog',
              '%s -> %s' % (bye1.cseq(), bye2.cseq()))
        pa = bye2.get('proxy-authorization') or ''
        a2 = parse_challenge(pa) or {}
        want = expected_response('MD5', USER, REALM, PW, a2.get('nonce', ''), 'BYE',
                                 a2.get('uri', ''), a2.get('nc', ''), a2.get('cnonce', ''))
        check(a2.get('response') == want and a2.get('uri') == bye2.ruri,
              'call 8: the BYE\'s Proxy-Authorization verifies (method BYE, uri = Request-URI)',
              pa)
        trunk.reply(bye2, 200, 'OK')
    r = alice.recv_match(lambda x: x.status is not None and x.cseq()[1] == 'BYE', 5)
    check(r is not None and r.status == 200, 'call 8: the phone gets 200 to BYE', repr(r))
    check(wait_for(lambda: not dp.flows()), 'call 8: flows removed', json.dumps(dp.flows()))

    check(d.alive(), 'shieldlockd still running')
    pwlog = [l for l in d.log().splitlines() if PW in l or 'not-the-carrier-pw' in l]
    check(not pwlog, 'trunk passwords never appear in the log', '\n'.join(pwlog))


if __name__ == '__main__':
    main(run)
