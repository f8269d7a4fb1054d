# SPDX-License-Identifier: BSD-3-Clause
"""re-INVITE with new keys from the callee side (RFC 3261 §14, RFC 4568
§7.1.4) and one-offer-at-a-time (§14.2: 491). Root only (shieldlock-dp on
net_null ports); exits 77 otherwise.

alice calls bob (TLS, client certificates, SRTP). bob sends a re-INVITE with
a new a=crypto key. Checked: alice gets a re-INVITE inside her dialog with a
NEW appliance key (not the one of the first 200, not bob's); while it is
pending, a second re-INVITE from bob and one from alice both get 491; bob's
200 carries a new appliance key too; the flows keep their ids
(`dp flow list --json`) and are modified; a re-INVITE that moves bob's
media port re-targets the flows. Refused re-INVITEs change nothing: one
without SDP, an RTP downgrade from an encrypted device (488), and a move
that alice rejects (488 relayed, flows and `calls` still at the old port).
A hold re-INVITE and BYE from bob follow. A second call: alice accepts a
re-INVITE with an answer whose a=crypto tag was never offered; the 200 is
ACKed, bob gets 488 and both get BYE (RFC 3261 §13.2.2.4)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moretest import (Call, check, require, main, log, need_root, tmpdir, DataPlane,  # noqa
                      rig_daemon, phones, srtp_offer, srtp_answer, sdp_cryptos, sdp_conn,
                      sdp_media, sdp_direction, flows_of, wait_for, new_key, sdp_offer)


def run():
    need_root()
    tmp = tmpdir()
    dp = DataPlane(tmp)
    d = rig_daemon('reinvite', dp)
    alice, bob = phones(d, tmp)

    c = Call(alice, bob, 1, 4000, 5000)
    k_first = c.answer_keys[0][2] if c.answer_keys else None
    require(k_first, 'alice\'s first 200 has an appliance key', c.ok.body)
    bob_offered_first = {k for _, _, k in sdp_cryptos(c.inv.body)}
    flows = wait_for(lambda: flows_of(dp, 'srtp-rekey'))
    require(flows, 'the call has srtp-rekey flows', json.dumps(dp.flows()))
    ids = sorted(f['id'] for f in flows)
    before = {f['id']: json.dumps(f, sort_keys=True) for f in flows}
    aport_first = c.ok.body and sdp_media(c.ok.body)[0]

    log('--- bob re-INVITEs with a new key')
    suite = c.bchoice[1]
    bkey2 = new_key(suite)
    boffer = sdp_offer('127.0.0.1', 5000, [(1, suite, bkey2)], sess_ver=2)
    binv = c.callee_request('INVITE', body=boffer)
    rinv = alice.request_in('INVITE', 5)
    require(rinv is not None, 'alice receives a re-INVITE')
    check(rinv.get('call-id') == c.dlg.callid, 'the re-INVITE is in alice\'s dialog (Call-ID)',
          rinv.get('call-id'))
    check(rinv.tag('to') == c.dlg.fromtag and rinv.tag('from') == c.dlg.remote_tag,
          'the re-INVITE carries alice\'s dialog tags', '%s / %s' % (rinv.get('from'),
                                                                     rinv.get('to')))
    check(rinv.get('x-shieldlock-security') == 'encrypted',
          'X-Shieldlock-Security on the relayed re-INVITE', repr(rinv.get('x-shieldlock-security')))
    check(sdp_conn(rinv.body) == '127.0.0.1' and sdp_media(rinv.body)[0] == aport_first,
          'the re-offer keeps the appliance address and alice\'s media port', rinv.body)
    rk = sdp_cryptos(rinv.body)
    check(rk, 'the re-offer to alice has a=crypto', rinv.body)
    check(rk and k_first not in {k for _, _, k in rk},
          'alice gets a NEW appliance key (not the one of the first 200)', rinv.body)
    check(rk and not ({k for _, _, k in rk} & ({bkey2, c.bchoice[2]} | bob_offered_first)),
          'the new key is neither bob\'s nor one offered to bob before', rinv.body)

    log('--- a second offer while one is pending -> 491 (§14.2)')
    b2 = c.callee_request('INVITE', body=sdp_offer('127.0.0.1', 5000,
                                                      [(1, suite, new_key(suite))], sess_ver=3))
    r = bob.recv_match(lambda x: x.status is not None and x.status >= 200 and
                       x.cseq() == (c.bcseq, 'INVITE'), 5)
    check(r is not None and r.status == 491, 'bob\'s second re-INVITE gets 491', repr(r))
    if r is not None:             # §17.1.1.3: the ACK of a non-2xx reuses the INVITE's branch
        bob.send('ACK %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n'
                 'Call-ID: %s\r\nCSeq: %d ACK\r\nContent-Length: 0\r\n\r\n'
                 % (b2.ruri, b2.get('via'), b2.get('from'), r.get('to'), b2.get('call-id'),
                    b2.cseq()[0]))
    aoff, _ = srtp_offer(4000, ver=2)
    c.dlg.in_dialog('INVITE', body=aoff)
    r = c.dlg.final(5)
    check(r is not None and r.status == 491, 'alice\'s re-INVITE (glare) gets 491', repr(r))
    check(alice.request_in('INVITE', 0.5) is None and bob.request_in('INVITE', 0.5) is None,
          'neither 491ed offer was relayed')

    log('--- alice answers; bob gets 200 with a new appliance key')
    mark = d.mark()
    aans, achoice = srtp_answer(rinv.body, 4000, ver=2)
    alice.reply(rinv, 200, 'OK', body=aans)
    r = bob.recv_match(lambda x: x.status is not None and x.status >= 200 and
                       x.cseq() == (binv.cseq()[0], 'INVITE'), 10)
    require(r is not None and r.status == 200, 'bob gets 200 to his re-INVITE', repr(r))
    bk = sdp_cryptos(r.body)
    check(len(bk) == 1 and bk[0][1] == suite, 'bob\'s answer has one a=crypto of his suite',
          r.body)
    check(bk and bk[0][2] not in (bob_offered_first | {bkey2, achoice[2]}),
          'bob\'s answer key is a new appliance key', r.body)
    c.callee_request('ACK', cseq=binv.cseq()[0])
    ack = alice.request_in('ACK', 5)
    check(ack is not None and ack.get('call-id') == c.dlg.callid, 'alice gets the ACK of her 200',
          repr(ack))
    time.sleep(0.3)
    after = flows_of(dp, 'srtp-rekey')
    check(sorted(f['id'] for f in after) == ids, 'the flows keep their ids (modified in place)',
          '%s -> %s' % (ids, [f['id'] for f in after]))
    check(all(f['match'] == json.loads(before[f['id']])['match'] for f in after
              if f['id'] in before), 'the flows keep their matches')
    # dp flow list shows no keys; the daemon says it re-keyed them (FLOW_MOD)
    check(d.wait_log(r'media updated with new keys', 3, since=mark, must=False),
          'the daemon updated the flows with the new keys', d.log()[mark:])

    log('--- bob moves his media to port 5010 in a re-INVITE (new address)')
    b4 = c.callee_request('INVITE', body=sdp_offer('127.0.0.1', 5010, [(1, suite, new_key(suite))],
                                                      sess_ver=4))
    rinv = alice.request_in('INVITE', 5)
    require(rinv is not None, 'alice receives the re-INVITE for bob\'s new port')
    check(sdp_media(rinv.body)[0] == aport_first, 'alice\'s side keeps the appliance port '
          '(bob\'s move is hidden by the anchor)', rinv.body)
    aans, _ = srtp_answer(rinv.body, 4000, ver=3)
    alice.reply(rinv, 200, 'OK', body=aans)
    r = bob.recv_match(lambda x: x.status is not None and x.status >= 200 and
                       x.cseq() == (b4.cseq()[0], 'INVITE'), 10)
    check(r is not None and r.status == 200, 'bob gets 200 for the move', repr(r))
    c.callee_request('ACK', cseq=b4.cseq()[0])
    alice.request_in('ACK', 5)
    time.sleep(0.3)
    fl = flows_of(dp, 'srtp-rekey')
    to_bob = [f for f in fl if f['match'].get('sport') == 4000]
    from_bob = [f for f in fl if f['match'].get('sport') == 5010]
    check(to_bob and to_bob[0]['rewrite'].get('dport') == 5010,
          'alice\'s flow now sends to bob\'s new port 5010', json.dumps(fl))
    check(from_bob, 'a flow matches bob\'s new source port 5010 (symmetric RTP)',
          json.dumps(fl))
    check(len(fl) in (2, 4), 'the call still has its flows after the move', json.dumps(fl))
    check(not [f for f in fl if f['match'].get('sport') == 5000],
          'no flow matches bob\'s old port 5000 any more', json.dumps(fl))
    act = d.ctl('calls').get('calls', [])
    remotes = [l.get('media_remote') for l in (act[0].get('legs', []) if act else [])]
    check('127.0.0.1:5010' in remotes, 'calls --json shows bob\'s media at 5010 right after '
          'the move', repr(remotes))

    flows_now = sorted((f['id'], f['match'].get('sport'), (f.get('rewrite') or {}).get('dport'))
                       for f in flows_of(dp, 'srtp-rekey'))

    def nonfinal_ok(what, r, bseq):
        check(r is not None and r.status >= 300, what, repr(r))
        if r is not None and r.status >= 300:   # ACK of a non-2xx: the INVITE's branch
            b = bseq
            bob.send('ACK %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n'
                     'Call-ID: %s\r\nCSeq: %d ACK\r\nContent-Length: 0\r\n\r\n'
                     % (b.ruri, b.get('via'), b.get('from'), r.get('to'), b.get('call-id'),
                        b.cseq()[0]))

    def bob_final(req, t=10):
        return bob.recv_match(lambda x: x.status is not None and x.status >= 200 and
                              x.cseq() == (req.cseq()[0], 'INVITE'), t)

    def unchanged(what):
        time.sleep(0.3)
        now = sorted((f['id'], f['match'].get('sport'), (f.get('rewrite') or {}).get('dport'))
                     for f in flows_of(dp, 'srtp-rekey'))
        check(now == flows_now, '%s: the flows are unchanged' % what,
              '%s -> %s' % (flows_now, now))
        act = d.ctl('calls').get('calls', [])
        check(len(act) == 1, '%s: the call is still up' % what, json.dumps(act))
        return act

    log('--- a re-INVITE without SDP from bob (offer in the 200 / answer in ACK)')
    b5 = c.callee_request('INVITE')
    r = bob_final(b5)
    got = alice.request_in('INVITE', 0.5)
    if r is not None and r.status == 200:
        check(False, 'bodyless re-INVITE: answered 200 by the appliance itself (unexpected)',
              repr(r))
        c.callee_request('ACK', cseq=b5.cseq()[0])
    elif got is not None:
        log('note: the bodyless re-INVITE was relayed to alice')
        alice.reply(got, 488, 'Not Here')
        nonfinal_ok('bodyless re-INVITE relayed and refused: bob gets the error', bob_final(b5),
                    b5)
    else:
        nonfinal_ok('a bodyless re-INVITE is refused with an error (not relayed)', r, b5)
    unchanged('after the bodyless re-INVITE')

    log('--- an encrypted-mode device re-INVITEs with plain RTP (downgrade)')
    b6 = c.callee_request('INVITE', body=sdp_offer('127.0.0.1', 5010, None, sess_ver=6))
    r = bob_final(b6)
    check(r is not None and r.status == 488, 'the RTP re-offer from an encrypted device gets 488',
          repr(r))
    if r is not None and r.status >= 300:
        nonfinal_ok('the downgrade is refused', r, b6)
    check(alice.request_in('INVITE', 0.5) is None, 'the RTP re-offer is not relayed to alice')
    unchanged('after the refused downgrade')

    log('--- alice refuses bob\'s re-INVITE that would move him to 5020')
    b7 = c.callee_request('INVITE', body=sdp_offer('127.0.0.1', 5020,
                                                      [(1, suite, new_key(suite))], sess_ver=7))
    rinv = alice.request_in('INVITE', 5)
    require(rinv is not None, 'alice receives the re-INVITE (5020)')
    alice.reply(rinv, 488, 'Not Acceptable Here')
    ack = alice.request_in('ACK', 5)
    check(ack is not None, 'alice\'s 488 is ACKed')
    r = bob_final(b7)
    check(r is not None and r.status == 488, 'bob gets alice\'s 488', repr(r))
    if r is not None and r.status >= 300:
        nonfinal_ok('refused move', r, b7)
    act = unchanged('after the refused move')
    if act:
        remotes = [l.get('media_remote') for l in act[0].get('legs', [])]
        check(not any('5020' in (x or '') for x in remotes),
              'calls --json still shows bob\'s media at 5010, not the refused 5020 '
              '(RFC 3264 §8: a rejected offer changes nothing)', repr(remotes))

    log('--- the call still works: another re-INVITE (hold) from bob is accepted now')
    b3 = c.callee_request('INVITE', body=sdp_offer('127.0.0.1', 5010, [(1, suite, new_key(suite))],
                                                      direction='sendonly', sess_ver=5))
    rinv = alice.request_in('INVITE', 5)
    check(rinv is not None and sdp_direction(rinv.body) == 'sendonly',
          'alice receives the hold re-INVITE', repr(rinv))
    if rinv is not None:
        aans, _ = srtp_answer(rinv.body, 4000, 'recvonly', ver=4)
        alice.reply(rinv, 200, 'OK', body=aans)
        r = bob.recv_match(lambda x: x.status is not None and x.status >= 200 and
                           x.cseq() == (b3.cseq()[0], 'INVITE'), 10)
        check(r is not None and r.status == 200 and sdp_direction(r.body) == 'recvonly',
              'bob gets 200 recvonly', repr(r))
        c.callee_request('ACK', cseq=b3.cseq()[0])
        alice.request_in('ACK', 5)

    log('--- BYE from bob')
    c.bye_from_callee('call 1')
    check(wait_for(lambda: not dp.flows()), 'flows removed', json.dumps(dp.flows()))

    log('--- alice accepts a re-INVITE with an answer that cannot be used')
    # RFC 3261 §13.2.2.4: the 2xx is ACKed, then the call ends with BYE;
    # bob's re-INVITE gets 488. Keeping the call would leave alice sending
    # with a key the data plane never got.
    c2 = Call(alice, bob, 2, 4002, 5002)
    require(wait_for(lambda: flows_of(dp, 'srtp-rekey')), 'call 2 has flows')
    b8 = c2.callee_request('INVITE', body=sdp_offer('127.0.0.1', 5002,
                                                       [(1, c2.bchoice[1], new_key(c2.bchoice[1]))],
                                                       sess_ver=2))
    rinv = alice.request_in('INVITE', 5)
    require(rinv is not None, 'call 2: alice receives bob\'s re-INVITE')
    offered = sdp_cryptos(rinv.body)
    bad_tag = max([t for t, _, _ in offered] + [0]) + 7      # a tag that was not offered
    alice.reply(rinv, 200, 'OK', body=sdp_offer('127.0.0.1', 4002,
                [(bad_tag, offered[0][1], new_key(offered[0][1]))], sess_ver=2))
    ack = alice.request_in('ACK', 5)
    check(ack is not None, 'call 2: alice\'s 200 is ACKed')
    r = bob_final(b8)
    check(r is not None and r.status == 488, 'call 2: bob\'s re-INVITE gets 488', repr(r))
    if r is not None and r.status >= 300:
        nonfinal_ok('call 2: refused', r, b8)
    abye = alice.request_in('BYE', 5)
    check(abye is not None, 'call 2: alice gets BYE after her unusable answer')
    if abye is not None:
        alice.reply(abye, 200, 'OK')
    bbye = bob.request_in('BYE', 5)
    check(bbye is not None, 'call 2: bob gets BYE')
    if bbye is not None:
        bob.reply(bbye, 200, 'OK')
    check(wait_for(lambda: not dp.flows()), 'call 2: flows removed', json.dumps(dp.flows()))
    ended = [x for x in d.calls() if x.get('state') == 'ended' and
             'unusable' in (x.get('end_reason') or '')]
    check(ended, 'call 2: calls --all says why it ended', json.dumps(d.calls()))
    check(d.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
