# SPDX-License-Identifier: BSD-3-Clause
"""Calls through shieldlockd with a real shieldlock-dp (net_null ports, no
packets: only the control path). Root only (DPDK); exits 77 otherwise.

alice and bob are encrypted-mode devices on TLS with client certificates of
a test CA. Checked: the B2BUA's INVITE to bob (appliance address and port,
fresh a=crypto keys, X-Shieldlock-Security), the answer to alice (one
a=crypto of a suite she offered, a key that is neither hers nor bob's), the
srtp-rekey flows in the data plane, shieldlockctl calls, re-INVITE hold
relayed with new keys and the flows modified in place, BYE, CANCEL, and a
callee error relayed to the caller."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (DataPlane, wait_for, failed, Daemon, Peer, Dialog, TestCA, Skip, Fatal, check, require, main,  # noqa
                      log, at_exit, binary, sdp_offer, new_key, sdp_cryptos, sdp_conn, sdp_media,
                      sdp_direction)

PORT_MIN, PORT_MAX = 40000, 40999


def offer(port, keys, direction='sendrecv', ver=1):
    return sdp_offer('127.0.0.1', port, keys, direction=direction, sess_ver=ver)


def alice_keys():
    return [(1, 'AES_CM_128_HMAC_SHA1_80', new_key('AES_CM_128_HMAC_SHA1_80')),
            (2, 'AEAD_AES_128_GCM', new_key('AEAD_AES_128_GCM'))]


def answer_sdp(offer_body, port, direction='sendrecv', prefer='AES_CM_128_HMAC_SHA1_80'):
    """bob's answer: one a=crypto with an offered tag and bob's own key."""
    offered = sdp_cryptos(offer_body)
    pick = [c for c in offered if c[1] == prefer] or offered
    tag, suite, _ = pick[0]
    key = new_key(suite)
    return sdp_offer('127.0.0.1', port, [(tag, suite, key)], direction=direction), (tag, suite, key)


def call_of(d, call_id_hint=None):
    calls = d.calls()
    return calls[0] if calls else None


def run():
    if os.geteuid() != 0:
        raise Skip('needs root (DPDK with --no-huge still maps memory and creates sockets)')
    tmp = tempfile.mkdtemp(prefix='sl-sipdt-rig-')
    at_exit(lambda: shutil.rmtree(tmp, ignore_errors=True))
    dp = DataPlane(tmp)

    ca = TestCA(tmp, 'trusted')
    acert, bcert = ca.issue('alice-desk'), ca.issue('bob-desk')
    d = Daemon('calls', media='dp_socket = %s\ninactivity_timeout = 0\n'
               'interface = lo port=0 address=127.0.0.1 subnet=127.0.0.0/8 '
               'mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=%d-%d\n'
               % (dp.sock, PORT_MIN, PORT_MAX))
    ca.install(d.trust_dir())
    d.hup(wait_for=r'TLS certificate .* loaded')
    for u in ('alice', 'bob'):
        d.add_user(u, 'secret-' + u)
        d.add_device(u + '-desk', u, 'encrypted')
    alice = Peer(d, 'alice', 'secret-alice', 'tls', cert=acert[0], key=acert[1])
    bob = Peer(d, 'bob', 'secret-bob', 'tls', cert=bcert[0], key=bcert[1])
    require(alice.register()[1].status == 200, 'alice registers (TLS, client certificate)')
    require(bob.register()[1].status == 200, 'bob registers (TLS, client certificate)')

    # ------------------------------------------------------------ a full call
    log('--- call alice -> bob')
    akeys = alice_keys()
    dlg = Dialog(alice, 'bob', 'call1-' + os.urandom(4).hex())
    early = dlg.call_start(offer(4000, akeys))
    require(early is None, 'INVITE challenged once, then accepted for processing', repr(early))
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'bob receives an INVITE')
    body = inv.body
    check(sdp_conn(body) == '127.0.0.1', 'bob\'s offer: c=127.0.0.1', body)
    bport, bproto = sdp_media(body)
    check(bport is not None and PORT_MIN <= bport <= PORT_MAX and bport % 2 == 0,
          'bob\'s offer: m= port even and in %d-%d' % (PORT_MIN, PORT_MAX), body)
    check(bproto == 'RTP/SAVP', 'bob\'s offer: RTP/SAVP', body)
    bob_offered = sdp_cryptos(body)
    check(bob_offered, 'bob\'s offer has a=crypto lines', body)
    check(not ({k for _, _, k in bob_offered} & {k for _, _, k in akeys}),
          'bob\'s offer: keys differ from alice\'s', body)
    check(len({k for _, _, k in bob_offered}) == len(bob_offered), 'each offered suite has its '
          'own key', body)
    check(inv.get('x-shieldlock-security') == 'encrypted', 'X-Shieldlock-Security: encrypted on '
          'the INVITE to bob', repr(inv.get('x-shieldlock-security')))
    check(inv.get('call-id') != dlg.callid, 'leg B has its own Call-ID')
    check('alice' in (inv.get('from') or ''), 'bob sees the call from alice', inv.get('from'))
    btag = 'bobtag1'
    bob.reply(inv, 180, 'Ringing', totag=btag)
    ans, bchoice = answer_sdp(body, 5004)
    bob.reply(inv, 200, 'OK', totag=btag, body=ans)
    r = dlg.final(10)
    require(r is not None and r.status == 200, 'alice gets 200 OK', repr(r))
    ack = bob.request_in('ACK', 5)
    check(ack is not None, 'bob gets the ACK of his 200')
    aans = r.body
    check(sdp_conn(aans) == '127.0.0.1', 'alice\'s answer: c=127.0.0.1', aans)
    aport, aproto = sdp_media(aans)
    check(aport is not None and PORT_MIN <= aport <= PORT_MAX and aport != bport,
          'alice\'s answer: an appliance port in range, not bob\'s', '%s vs %s' % (aport, bport))
    ac = sdp_cryptos(aans)
    check(len(ac) == 1, 'alice\'s answer has exactly one a=crypto', aans)
    if ac:
        tag, suite, key = ac[0]
        check((tag, suite) in [(t, s) for t, s, _ in akeys], 'the answer names a tag and suite '
              'alice offered (RFC 4568 §7.1.3)', repr(ac[0]))
        check(suite == 'AEAD_AES_128_GCM', 'the answer takes the first configured suite alice '
              'offered (AEAD_AES_128_GCM)', suite)
        check(key not in [k for _, _, k in akeys] and key != bchoice[2],
              'the answer key is the appliance\'s own (not alice\'s, not bob\'s)', key)
    check(r.get('x-shieldlock-security') == 'encrypted', 'X-Shieldlock-Security: encrypted on '
          'the 200 to alice', repr(r.get('x-shieldlock-security')))

    flows = wait_for(lambda: [f for f in dp.flows() if f.get('action') == 'srtp-rekey'])
    check(len(flows) in (2, 4), '2 or 4 srtp-rekey flows in the data plane', json.dumps(flows))
    srcs = {(f['match'].get('src'), f['match'].get('sport'), f['match'].get('dport'))
            for f in flows}
    check(('127.0.0.1', 4000, aport) in srcs, 'a flow matches alice 127.0.0.1:4000 -> appliance '
          ':%s' % aport, repr(srcs))
    check(('127.0.0.1', 5004, bport) in srcs, 'a flow matches bob 127.0.0.1:5004 -> appliance '
          ':%s' % bport, repr(srcs))
    for f in flows:
        rw = f.get('rewrite') or {}
        if f['match'].get('sport') == 4000:
            check(rw.get('dst') == '127.0.0.1' and rw.get('dport') == 5004 and
                  rw.get('sport') == bport, 'alice\'s flow is rewritten toward bob', json.dumps(f))
    flow_ids = sorted(f['id'] for f in flows)
    c = call_of(d)
    require(c is not None, 'shieldlockctl calls shows the call', repr(d.calls()))
    check(c.get('state') in ('active', 'answered', 'connected'), 'call state active',
          repr(c.get('state')))
    check(c.get('security') == 'encrypted', 'call security encrypted', json.dumps(c))
    legs = c.get('legs', [])
    check(len(legs) == 2 and {l.get('suite') for l in legs} ==
          {'AEAD_AES_128_GCM', bchoice[1]}, 'legs show the suites AEAD_AES_128_GCM and %s'
          % bchoice[1], json.dumps(legs))
    check([l.get('peer') for l in legs] == ['alice', 'bob'], 'legs: caller alice, callee bob',
          json.dumps(legs))

    log('--- re-INVITE hold from alice')
    hkeys = [(1, 'AES_CM_128_HMAC_SHA1_80', new_key('AES_CM_128_HMAC_SHA1_80')),
             (2, 'AEAD_AES_128_GCM', new_key('AEAD_AES_128_GCM'))]
    dlg.in_dialog('INVITE', body=offer(4000, hkeys, 'sendonly', ver=2))
    rinv = bob.request_in('INVITE', 5)
    require(rinv is not None, 'bob receives the re-INVITE')
    check(rinv.tag('to') == btag, 're-INVITE is inside bob\'s dialog (To tag)', rinv.get('to'))
    check(sdp_direction(rinv.body) == 'sendonly', 'bob\'s re-offer says sendonly', rinv.body)
    new_offered = sdp_cryptos(rinv.body)
    check(new_offered and not ({k for _, _, k in new_offered} & {k for _, _, k in bob_offered}),
          'the re-offer to bob carries new keys (RFC 4568 §7.1.4)', rinv.body)
    check(rinv.get('x-shieldlock-security') == 'encrypted', 'X-Shieldlock-Security on the '
          'relayed re-INVITE', repr(rinv.get('x-shieldlock-security')))
    hans, _ = answer_sdp(rinv.body, 5004, 'recvonly')
    bob.reply(rinv, 200, 'OK', totag=btag, body=hans)
    r = dlg.final(10)
    check(r is not None and r.status == 200, 'alice gets 200 to her re-INVITE', repr(r))
    if r is not None and r.status == 200:
        check(sdp_direction(r.body) == 'recvonly', 'alice\'s answer says recvonly', r.body)
        nac = sdp_cryptos(r.body)
        check(len(nac) == 1 and ac and nac[0][2] != ac[0][2], 'alice gets a new appliance key',
              r.body)
    check(bob.request_in('ACK', 5) is not None, 'bob gets the ACK of the re-INVITE')
    time.sleep(0.3)
    flows2 = [f for f in dp.flows() if f.get('action') == 'srtp-rekey']
    check(sorted(f['id'] for f in flows2) == flow_ids, 'the flows were modified in place '
          '(same ids)', '%s -> %s' % (flow_ids, [f['id'] for f in flows2]))

    log('--- BYE from alice')
    dlg.in_dialog('BYE')
    bye = bob.request_in('BYE', 5)
    require(bye is not None, 'bob receives BYE')
    bob.reply(bye, 200, 'OK')
    r = alice.recv_match(lambda x: x.status is not None and x.cseq()[1] == 'BYE', 5)
    check(r is not None and r.status == 200, 'alice gets 200 to BYE', repr(r))
    check(wait_for(lambda: not dp.flows()), 'the call\'s flows are gone',
          json.dumps(dp.flows()))
    c = wait_for(lambda: [x for x in d.calls() if x.get('state') == 'ended'])
    check(c, 'shieldlockctl calls --all shows the call ended', json.dumps(d.calls()))
    check(not d.ctl('calls').get('calls'), 'no active call left', json.dumps(d.ctl('calls')))

    log('--- CANCEL before the answer')
    dlg = Dialog(alice, 'bob', 'call2-' + os.urandom(4).hex())
    require(dlg.call_start(offer(4002, alice_keys())) is None, 'INVITE 2 accepted')
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'bob receives INVITE 2')
    bob.reply(inv, 180, 'Ringing', totag='bobtag2')
    check(dlg.provisional(5) is not None, 'alice gets a provisional answer')
    dlg.cancel()
    r = alice.recv_match(lambda x: x.status is not None and x.cseq()[1] == 'CANCEL', 5)
    check(r is not None and r.status == 200, 'alice\'s CANCEL -> 200', repr(r))
    can = bob.request_in('CANCEL', 5)
    check(can is not None, 'bob receives CANCEL')
    if can is not None:
        bob.reply(can, 200, 'OK')
        bob.reply(inv, 487, 'Request Terminated', totag='bobtag2')
        check(bob.request_in('ACK', 5) is not None, 'the appliance ACKs bob\'s 487')
    r = dlg.final(5)
    check(r is not None and r.status == 487, 'alice gets 487', repr(r))
    check(wait_for(lambda: not dp.flows()), 'no flows left after CANCEL', json.dumps(dp.flows()))

    log('--- callee busy')
    dlg = Dialog(alice, 'bob', 'call3-' + os.urandom(4).hex())
    require(dlg.call_start(offer(4004, alice_keys())) is None, 'INVITE 3 accepted')
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'bob receives INVITE 3')
    bob.reply(inv, 486, 'Busy Here', totag='bobtag3')
    check(bob.request_in('ACK', 5) is not None, 'the appliance ACKs bob\'s 486')
    r = dlg.final(5)
    check(r is not None and r.status == 486, 'alice gets 486', repr(r))
    check(wait_for(lambda: not dp.flows()), 'no flows left after 486', json.dumps(dp.flows()))
    ended = [x for x in d.calls() if x.get('state') == 'ended']
    check(len(ended) == 3, 'calls --all shows three ended calls', json.dumps(d.calls()))

    log('--- a caller without a From tag (RFC 2543 peer)')
    # §12.1.1: the UAS takes the remote tag as empty; in-dialog requests
    # without a From tag must still find the call (and its BYE end it)
    dlg = Dialog(alice, 'bob', 'call4-' + os.urandom(4).hex())
    dlg.fromtag = False
    require(dlg.call_start(offer(4006, alice_keys())) is None, 'tagless INVITE accepted')
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'bob receives the tagless caller\'s INVITE')
    check(inv.tag('from'), 'leg B carries the appliance\'s own From tag', inv.get('from'))
    bob.reply(inv, 200, 'OK', totag='bobtag4', body=answer_sdp(inv.body, 5006)[0])
    r = dlg.final(10)
    require(r is not None and r.status == 200, 'the tagless caller gets 200 OK', repr(r))
    check(bob.request_in('ACK', 5) is not None, 'bob gets the ACK (sent without a From tag)')
    dlg.in_dialog('BYE')
    bye = bob.request_in('BYE', 5)
    require(bye is not None, 'the tagless BYE finds the call and reaches bob')
    bob.reply(bye, 200, 'OK')
    r = alice.recv_match(lambda x: x.status is not None and x.cseq()[1] == 'BYE', 5)
    check(r is not None and r.status == 200, 'the tagless caller gets 200 to BYE', repr(r))
    check(wait_for(lambda: not dp.flows()), 'no flows left after the tagless call',
          json.dumps(dp.flows()))
    check(d.alive(), 'shieldlockd still running')
    check('SECURITY' not in d.log(), 'no security events logged in normal calls')


if __name__ == '__main__':
    main(run)
