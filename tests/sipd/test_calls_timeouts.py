# SPDX-License-Identifier: BSD-3-Clause
"""Timers and failures of calls with shieldlock-dp (root only; 77 otherwise):
a retransmitted INVITE over UDP is one call; an unanswered call ends with
408 after invite_timeout and CANCEL to the callee; a UDP callee that never
answers gets retransmissions (Timer A) and the caller 408; a call without
media is ended with BYE on both legs after inactivity_timeout; BYE outside
a dialog gets 481; stopping shieldlockd removes its flows from the data
plane."""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (failed, Daemon, Peer, Dialog, Skip, check, require, main, log,  # noqa: E402
                      at_exit, sdp_offer, sdp_cryptos)
from sipdtest import DataPlane, wait_for  # noqa: E402
from test_calls import answer_sdp, PORT_MIN, PORT_MAX  # noqa: E402


def run():
    if os.geteuid() != 0:
        raise Skip('needs root (DPDK)')
    tmp = tempfile.mkdtemp(prefix='sl-sipdt-rig-')
    at_exit(lambda: shutil.rmtree(tmp, ignore_errors=True))
    dp = DataPlane(tmp)
    d = Daemon('calls-timeouts', sip='timer_t1 = 100\ninvite_timeout = 3\n',
               media='dp_socket = %s\ninactivity_timeout = 6\n'
               'interface = lo port=0 address=127.0.0.1 subnet=127.0.0.0/8 '
               'mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=%d-%d\n'
               % (dp.sock, PORT_MIN, PORT_MAX))
    for u in ('alice', 'bob', 'carol'):
        d.add_user(u, 'secret-' + u)
        d.add_device(u + '-phone', u, 'non-secure')
    alice = Peer(d, 'alice', 'secret-alice', 'udp')
    bob = Peer(d, 'bob', 'secret-bob', 'tls')
    carol = Peer(d, 'carol', 'secret-carol', 'udp')
    for p in (alice, bob, carol):
        require(p.register()[1].status == 200, '%s registers over %s' % (p.user, p.proto))

    log('--- a retransmitted INVITE over UDP is one call; invite_timeout')
    dlg = Dialog(alice, 'bob', 't1-' + os.urandom(4).hex())
    t0 = time.time()
    require(dlg.call_start(sdp_offer('127.0.0.1', 4600)) is None, 'INVITE (RTP, UDP) accepted')
    time.sleep(0.2)
    alice.send(dlg.invite)               # the same INVITE again (RFC 3261 §17.2.1)
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'bob receives the INVITE')
    check(sdp_cryptos(inv.body), 'bob (TLS) is offered SRTP although alice sends RTP', inv.body)
    check(bob.request_in('INVITE', 1.0) is None, 'the retransmission did not make a second call')
    check(len(d.calls(all_=True)) == 1, 'one call in shieldlockctl calls', json.dumps(d.calls()))
    bob.reply(inv, 180, 'Ringing', totag='bt1')
    r = dlg.final(10)
    el = time.time() - t0
    check(r is not None and r.status == 408, 'no answer within invite_timeout -> 408 to alice',
          repr(r))
    check(2.0 <= el <= 6.0, 'the 408 came about invite_timeout (3 s) after the INVITE', '%.1f s' % el)
    can = bob.request_in('CANCEL', 3)
    check(can is not None, 'bob gets CANCEL')
    if can is not None:
        bob.reply(can, 200, 'OK')
        bob.reply(inv, 487, 'Request Terminated', totag='bt1')
        check(bob.request_in('ACK', 3) is not None, 'bob\'s 487 is ACKed')
    check(wait_for(lambda: not dp.flows()), 'no flows left', json.dumps(dp.flows()))

    log('--- a UDP callee that never answers')
    dlg = Dialog(alice, 'carol', 't2-' + os.urandom(4).hex())
    require(dlg.call_start(sdp_offer('127.0.0.1', 4602)) is None, 'INVITE to carol accepted')
    first = carol.request_in('INVITE', 5)
    require(first is not None, 'carol receives the INVITE (over UDP, RTP)')
    copies = 1
    end = time.time() + 2.5
    while time.time() < end:
        if carol.request_in('INVITE', max(0.05, end - time.time())) is not None:
            copies += 1
    check(copies >= 3, 'the INVITE is retransmitted over UDP (Timer A, T1 = 100 ms)',
          '%d copies' % copies)
    r = dlg.final(10)
    check(r is not None and r.status in (408, 480, 503), 'alice gets 408 (or 480/503)', repr(r))
    check(wait_for(lambda: not dp.flows()), 'no flows left', json.dumps(dp.flows()))

    log('--- media inactivity (inactivity_timeout = 6 s, checked every 5 s)')
    dlg = Dialog(alice, 'bob', 't3-' + os.urandom(4).hex())
    require(dlg.call_start(sdp_offer('127.0.0.1', 4604)) is None, 'INVITE 3 accepted')
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'bob receives INVITE 3')
    ans, _ = answer_sdp(inv.body, 5600)
    bob.reply(inv, 200, 'OK', totag='bt3', body=ans)
    r = dlg.final(5)
    require(r is not None and r.status == 200, 'alice gets 200', repr(r))
    bob.request_in('ACK', 3)
    check(wait_for(lambda: dp.flows()), 'flows installed')
    t0 = time.time()
    bb = bob.request_in('BYE', 15)
    ab = alice.request_in('BYE', 3)
    el = time.time() - t0
    check(bb is not None and ab is not None, 'a silent call gets BYE on both legs', '%s %s'
          % (bb is not None, ab is not None))
    check(el >= 4.0, 'not before the inactivity timeout', '%.1f s' % el)
    for p, b in ((bob, bb), (alice, ab)):
        if b is not None:
            p.reply(b, 200, 'OK')
    check(wait_for(lambda: not dp.flows()), 'flows removed after the inactivity BYE',
          json.dumps(dp.flows()))
    ended = [c for c in d.calls() if c.get('state') == 'ended']
    check(any('inactiv' in (c.get('end_reason') or '').lower() or 'media' in
              (c.get('end_reason') or '').lower() for c in ended),
          'the end reason names the media inactivity', json.dumps(ended))

    log('--- BYE outside a dialog')
    alice.send(alice.build('BYE', 'sip:bob@%s' % d.domain, '<sip:bob@%s>;tag=nosuch' % d.domain,
                           callid='nodialog-1'))
    r = alice.response('BYE')
    check(r is not None and r.status == 481, 'BYE for an unknown dialog -> 481', repr(r))

    log('--- CANCEL before the callee sent anything, then a 200 that crosses the CANCEL')
    dlg = Dialog(alice, 'bob', 't5-' + os.urandom(4).hex())
    require(dlg.call_start(sdp_offer('127.0.0.1', 4608)) is None, 'INVITE 5 accepted')
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'bob receives INVITE 5')
    dlg.cancel()
    r = alice.recv_match(lambda x: x.status is not None and x.cseq()[1] == 'CANCEL', 3)
    check(r is not None and r.status == 200, 'alice\'s CANCEL -> 200', repr(r))
    early = bob.request_in('CANCEL', 0.7)
    check(early is None, 'no CANCEL to bob before he sent a provisional response '
          '(RFC 3261 §9.1)', repr(early))
    bob.reply(inv, 180, 'Ringing', totag='bt5')
    can = early or bob.request_in('CANCEL', 3)
    check(can is not None, 'bob gets the CANCEL after his 180')
    if can is not None:
        bob.reply(can, 200, 'OK')
    # bob's 200 to the INVITE crosses the CANCEL: the appliance must ACK it and hang up
    ans, _ = answer_sdp(inv.body, 5608)
    bob.reply(inv, 200, 'OK', totag='bt5', body=ans)
    ack = bob.request_in('ACK', 3)
    check(ack is not None, 'the appliance ACKs a 200 that crossed its CANCEL (§15, §9.1)')
    bye = bob.request_in('BYE', 3)
    check(bye is not None, 'and sends BYE to bob at once')
    if bye is not None:
        bob.reply(bye, 200, 'OK')
    r = dlg.final(3)
    check(r is not None and r.status == 487, 'alice gets 487, never the 200', repr(r))
    check(alice.request_in('BYE', 0.5) is None, 'alice gets no BYE (her dialog never existed)')
    check(wait_for(lambda: not dp.flows()), 'no flows left', json.dumps(dp.flows()))

    log('--- stopping shieldlockd with a call up')
    dlg = Dialog(alice, 'bob', 't4-' + os.urandom(4).hex())
    require(dlg.call_start(sdp_offer('127.0.0.1', 4606)) is None, 'INVITE 4 accepted')
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'bob receives INVITE 4')
    ans, _ = answer_sdp(inv.body, 5602)
    bob.reply(inv, 200, 'OK', totag='bt4', body=ans)
    require(dlg.final(5) is not None, 'call 4 answered')
    require(wait_for(lambda: dp.flows()), 'flows of call 4 installed')
    d.stop()
    check(wait_for(lambda: not dp.flows(), 5), 'stopping shieldlockd removes its flows from the '
          'data plane', json.dumps(dp.flows()))
    check(dp.proc.poll() is None, 'the data plane still runs')


if __name__ == '__main__':
    main(run)
