# SPDX-License-Identifier: BSD-3-Clause
"""More calls with shieldlock-dp (root only; 77 otherwise): keys only over
TLS (a TCP callee gets RTP, never a=crypto, and the flows protect and
unprotect), non-secure status header, ICE stripped and extra streams
rejected, BYE from the callee, re-INVITE glare (491), re-INVITE from the
callee side."""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (failed, Daemon, Peer, Dialog, Skip, check, require, main, log,  # noqa: E402
                      at_exit, sdp_offer, new_key, sdp_cryptos, sdp_media, sdp_direction, Msg)
from sipdtest import DataPlane, wait_for  # noqa: E402
from test_calls import alice_keys, answer_sdp, PORT_MIN, PORT_MAX  # noqa


def run():
    if os.geteuid() != 0:
        raise Skip('needs root (DPDK)')
    tmp = tempfile.mkdtemp(prefix='sl-sipdt-rig-')
    at_exit(lambda: shutil.rmtree(tmp, ignore_errors=True))
    dp = DataPlane(tmp)
    d = Daemon('calls-mixed', media='dp_socket = %s\ninactivity_timeout = 0\n'
               'interface = lo port=0 address=127.0.0.1 subnet=127.0.0.0/8 '
               'mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=%d-%d\n'
               % (dp.sock, PORT_MIN, PORT_MAX))
    for u in ('alice', 'bob', 'carol'):
        d.add_user(u, 'secret-' + u)
        d.add_device(u + '-phone', u, 'non-secure')
    alice = Peer(d, 'alice', 'secret-alice', 'tls')
    bob = Peer(d, 'bob', 'secret-bob', 'tls')
    carol = Peer(d, 'carol', 'secret-carol', 'tcp')
    for p in (alice, bob, carol):
        require(p.register()[1].status == 200, '%s registers over %s' % (p.user, p.proto))

    log('--- alice (TLS, SRTP) -> carol (TCP): keys only over TLS')
    dlg = Dialog(alice, 'carol', 'm1-' + os.urandom(4).hex())
    body = sdp_offer('127.0.0.1', 4100, alice_keys())
    body += 'a=candidate:1 1 UDP 2130706431 127.0.0.1 4100 typ host\r\n'
    body += 'm=video 4200 RTP/SAVP 96\r\na=rtpmap:96 H264/90000\r\n' \
            'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n' % new_key('AES_CM_128_HMAC_SHA1_80')
    require(dlg.call_start(body) is None, 'INVITE accepted')
    inv = carol.request_in('INVITE', 5)
    require(inv is not None, 'carol receives the INVITE over TCP')
    check(not sdp_cryptos(inv.body) and 'a=crypto' not in inv.body,
          'no a=crypto is sent over TCP (RFC 4568 §8.3)', inv.body)
    port, proto = sdp_media(inv.body)
    check(proto == 'RTP/AVP', 'carol is offered RTP/AVP', inv.body)
    check('a=candidate' not in inv.body, 'ICE candidates are stripped', inv.body)
    check('m=video 0 ' in inv.body or 'm=video' not in inv.body,
          'the video stream is rejected (port 0) toward carol', inv.body)
    check(inv.get('x-shieldlock-security') == 'non-secure', 'X-Shieldlock-Security: non-secure',
          repr(inv.get('x-shieldlock-security')))
    carol.reply(inv, 200, 'OK', totag='ct1', body=sdp_offer('127.0.0.1', 5100, None) +
                'm=video 0 RTP/AVP 96\r\n')
    r = dlg.final(10)
    require(r is not None and r.status == 200, 'alice gets 200', repr(r))
    check(carol.request_in('ACK', 5) is not None, 'carol gets the ACK')
    check(len(sdp_cryptos(r.body)) == 1, 'alice (TLS) still gets SRTP with one a=crypto', r.body)
    check('m=video 0 ' in r.body, 'alice\'s video stream is rejected (port 0)', r.body)
    acts = sorted(f.get('action') for f in wait_for(dp.flows))
    check(set(acts) == {'srtp-protect', 'srtp-unprotect'} and len(acts) in (2, 4),
          'flows: srtp-unprotect (alice->carol) and srtp-protect (carol->alice)', repr(acts))
    c = d.calls()
    check(c and c[0].get('security') == 'non-secure', 'calls: security non-secure', json.dumps(c))

    log('--- BYE from the callee (carol)')
    carol.cseq += 1
    bye = ('BYE %s SIP/2.0\r\n' % (Msg(inv.raw).get('contact').strip('<>').split('>')[0]) +
           carol.via() + 'Max-Forwards: 70\r\nFrom: %s;tag=ct1\r\nTo: %s\r\nCall-ID: %s\r\n'
           'CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n'
           % (inv.get('to'), inv.get('from'), inv.get('call-id')))
    carol.send(bye)
    r = carol.recv_match(lambda x: x.status is not None and x.cseq()[1] == 'BYE', 5)
    check(r is not None and r.status == 200, 'carol\'s BYE -> 200', repr(r))
    ab = alice.request_in('BYE', 5)
    check(ab is not None, 'alice receives BYE')
    if ab is not None:
        check(ab.get('call-id') == dlg.callid and ab.tag('from') == dlg.remote_tag,
              'the BYE is in alice\'s dialog', repr(ab))
        alice.reply(ab, 200, 'OK')
    check(wait_for(lambda: not dp.flows()), 'flows gone after the callee\'s BYE',
          json.dumps(dp.flows()))

    log('--- alice -> bob (both TLS, no client certificates): re-INVITE glare and from bob')
    dlg = Dialog(alice, 'bob', 'm2-' + os.urandom(4).hex())
    require(dlg.call_start(sdp_offer('127.0.0.1', 4300, alice_keys())) is None, 'INVITE accepted')
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'bob receives the INVITE')
    check(inv.get('x-shieldlock-security') == 'non-secure', 'TLS without a client certificate '
          'is non-secure', repr(inv.get('x-shieldlock-security')))
    ans, _ = answer_sdp(inv.body, 5300)
    bob.reply(inv, 200, 'OK', totag='bt2', body=ans)
    r = dlg.final(10)
    require(r is not None and r.status == 200, 'alice gets 200', repr(r))
    require(bob.request_in('ACK', 5) is not None, 'bob gets the ACK')
    flow_ids = sorted(f['id'] for f in dp.flows())
    # alice holds; while bob has not answered, bob sends his own re-INVITE
    dlg.in_dialog('INVITE', body=sdp_offer('127.0.0.1', 4300, alice_keys(), direction='sendonly', sess_ver=2))
    rinv = bob.request_in('INVITE', 5)
    require(rinv is not None, 'bob receives alice\'s re-INVITE')
    bob_contact = inv.get('contact').strip().strip('<>').split('>')[0]
    bob_dialog_to = inv.get('from')
    bob.cseq = 10
    glare = bob.build('INVITE', bob_contact, bob_dialog_to,
                      body=sdp_offer('127.0.0.1', 5300, [(1, 'AES_CM_128_HMAC_SHA1_80',
                                                          new_key('AES_CM_128_HMAC_SHA1_80'))],
                                     direction='sendonly', sess_ver=2),
                      callid=inv.get('call-id'), fromtag='bt2', cseq=10)
    glare = glare.replace('From: <sip:bob@%s>;tag=bt2' % d.domain, 'From: %s;tag=bt2'
                          % inv.get('to'), 1)
    bob.send(glare)
    g = bob.recv_match(lambda x: x.status is not None and x.cseq() == (10, 'INVITE') and
                       x.status >= 200, 5)
    check(g is not None and g.status == 491, 'bob\'s re-INVITE during alice\'s -> 491 (glare)',
          repr(g))
    if g is not None and g.status >= 300:
        gm = Msg(glare.encode())
        bob.send('ACK %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n'
                 'Call-ID: %s\r\nCSeq: 10 ACK\r\nContent-Length: 0\r\n\r\n'
                 % (gm.ruri, gm.get('via'), gm.get('from'), g.get('to'), gm.get('call-id')))
    hans, _ = answer_sdp(rinv.body, 5300, 'recvonly')
    bob.reply(rinv, 200, 'OK', totag='bt2', body=hans)
    r = dlg.final(10)
    check(r is not None and r.status == 200 and sdp_direction(r.body) == 'recvonly',
          'alice\'s hold completes (200, recvonly)', repr(r))
    bob.request_in('ACK', 5)
    # now bob re-INVITEs (resume with a new key)
    bob.cseq = 11
    bkey = new_key('AES_CM_128_HMAC_SHA1_80')
    reinv = bob.build('INVITE', bob_contact, bob_dialog_to,
                      body=sdp_offer('127.0.0.1', 5300, [(1, 'AES_CM_128_HMAC_SHA1_80', bkey)],
                                     sess_ver=3),
                      callid=inv.get('call-id'), fromtag='bt2', cseq=11)
    reinv = reinv.replace('From: <sip:bob@%s>;tag=bt2' % d.domain, 'From: %s;tag=bt2'
                          % inv.get('to'), 1)
    bob.send(reinv)
    ainv = alice.request_in('INVITE', 5)
    check(ainv is not None, 'alice receives bob\'s re-INVITE')
    if ainv is not None:
        check(ainv.get('call-id') == dlg.callid, 'in alice\'s dialog', repr(ainv))
        ac = sdp_cryptos(ainv.body)
        check(ac and bkey not in [k for _, _, k in ac], 'alice gets fresh appliance keys', ainv.body)
        aans, _ = answer_sdp(ainv.body, 4300)
        alice.reply(ainv, 200, 'OK', body=aans)
        r = bob.recv_match(lambda x: x.status is not None and x.cseq() == (11, 'INVITE') and
                           x.status >= 200, 5)
        check(r is not None and r.status == 200 and len(sdp_cryptos(r.body)) == 1,
              'bob gets 200 with one a=crypto', repr(r))
    time.sleep(0.3)
    check(sorted(f['id'] for f in dp.flows()) == flow_ids, 'flows modified in place after both '
          're-INVITEs', '%s -> %s' % (flow_ids, [f['id'] for f in dp.flows()]))
    dlg.in_dialog('BYE')
    b = bob.request_in('BYE', 5)
    if b is not None:
        bob.reply(b, 200, 'OK')
    check(wait_for(lambda: not dp.flows()), 'flows gone after BYE', json.dumps(dp.flows()))
    check(d.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
