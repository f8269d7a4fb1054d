# SPDX-License-Identifier: BSD-3-Clause
"""Media port accounting with shieldlock-dp (root only; 77 otherwise):
rtp_ports = 40000-40007 holds four RTP ports, i.e. two concurrent calls.
Two calls run at once on distinct ports with their own flows; a third is
refused with 503 and leaves nothing behind; after a hang-up its ports are
reused; a caller whose media address is outside every interface subnet gets
488; at the end no flow is left."""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (failed, Daemon, Peer, Dialog, Skip, check, require, main, log,  # noqa: E402
                      at_exit, sdp_offer, sdp_media, new_key)
from sipdtest import DataPlane, wait_for  # noqa: E402
from test_calls import answer_sdp  # noqa: E402


def keys():
    return [(1, 'AES_CM_128_HMAC_SHA1_80', new_key('AES_CM_128_HMAC_SHA1_80'))]


def setup_call(alice, bob, n, rport):
    dlg = Dialog(alice, 'bob', 'pc%d-%s' % (n, os.urandom(4).hex()))
    early = dlg.call_start(sdp_offer('127.0.0.1', rport, keys()))
    if early is not None:
        return dlg, early, None
    inv = bob.request_in('INVITE', 3)
    if inv is None:
        return dlg, dlg.final(3), None
    ans, _ = answer_sdp(inv.body, rport + 1000)
    bob.reply(inv, 200, 'OK', totag='b%d' % n, body=ans)
    r = dlg.final(5)
    bob.request_in('ACK', 3)
    return dlg, r, inv


def hangup(dlg, bob):
    dlg.in_dialog('BYE')
    b = bob.request_in('BYE', 5)
    if b is not None:
        bob.reply(b, 200, 'OK')
    return dlg.p.recv_match(lambda x: x.status is not None and x.cseq()[1] == 'BYE', 5)


def run():
    if os.geteuid() != 0:
        raise Skip('needs root (DPDK)')
    tmp = tempfile.mkdtemp(prefix='sl-sipdt-rig-')
    at_exit(lambda: shutil.rmtree(tmp, ignore_errors=True))
    dp = DataPlane(tmp)
    d = Daemon('calls-ports', sip='timer_t1 = 50\n', media='dp_socket = %s\ninactivity_timeout = 0\n'
               'interface = lo port=0 address=127.0.0.1 subnet=127.0.0.0/8 '
               'mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=40000-40007\n'
               % dp.sock)
    for u in ('alice', 'bob'):
        d.add_user(u, 'secret-' + u)
        d.add_device(u + '-phone', u, 'non-secure')
    alice = Peer(d, 'alice', 'secret-alice', 'tls')
    bob = Peer(d, 'bob', 'secret-bob', 'tls')
    for p in (alice, bob):
        require(p.register()[1].status == 200, '%s registers' % p.user)

    d1, r1, i1 = setup_call(alice, bob, 1, 4000)
    require(r1 is not None and r1.status == 200, 'call 1 up', repr(r1))
    d2, r2, i2 = setup_call(alice, bob, 2, 4010)
    require(r2 is not None and r2.status == 200, 'call 2 up at the same time', repr(r2))
    ports = [sdp_media(r1.body)[0], sdp_media(i1.body)[0], sdp_media(r2.body)[0],
             sdp_media(i2.body)[0]]
    check(sorted(ports) == [40000, 40002, 40004, 40006], 'the two calls use four distinct '
          'ports of the range', repr(ports))
    nflows = len(dp.flows())
    check(nflows in (4, 8), 'two calls: 4 or 8 flows', str(nflows))
    check(len([c for c in d.calls(all_=False)]) == 2, 'two active calls in shieldlockctl calls',
          json.dumps(d.calls(all_=False)))

    log('--- a third call: no port left')
    d3, r3, i3 = setup_call(alice, bob, 3, 4020)
    check(r3 is not None and r3.status == 503, 'a third call -> 503 (no media port)', repr(r3))
    check(i3 is None, 'bob never got the third INVITE')
    check(len(dp.flows()) == nflows, 'the refused call added no flows', json.dumps(dp.flows()))

    log('--- hang up call 1, call again')
    r = hangup(d1, bob)
    check(r is not None and r.status == 200, 'call 1 ended', repr(r))
    d4, r4, i4 = setup_call(alice, bob, 4, 4030)
    check(r4 is not None and r4.status == 200, 'a new call right after the hang-up gets call 1\'s '
          'ports', repr(r4))
    if r4 is None or r4.status != 200:
        # the INVITE transactions linger 64*T1 (RFC 6026 Timer L/M): 3.2 s with T1 = 50 ms
        time.sleep(4)
        d4, r4, i4 = setup_call(alice, bob, 4, 4030)
        check(r4 is not None and r4.status == 200, 'the ports are free again after 64*T1',
              repr(r4))
    if r4 is not None and r4.status == 200:
        p4 = sorted([sdp_media(r4.body)[0], sdp_media(i4.body)[0]])
        check(sorted(p4) == sorted(ports[:2]), 'it uses the ports call 1 freed', repr(p4))
        # a short call: hang up at once, call again at once (within 64*T1 of the answer)
        hangup(d4, bob)
        d5, r5, i5 = setup_call(alice, bob, 5, 4050)
        check(r5 is not None and r5.status == 200, 'a call right after a short call gets its '
              'ports (ports are freed at hang-up, not when the INVITE transactions end)',
              repr(r5))
        if r5 is not None and r5.status == 200:
            hangup(d5, bob)
    hangup(d2, bob)

    log('--- media address outside every interface')
    dlg = Dialog(alice, 'bob', 'pc5-' + os.urandom(4).hex())
    dlg.send_invite(sdp_offer('198.51.100.7', 4040, keys()))
    r = dlg.final(5)
    if r is not None and r.status == 401:
        dlg.send_invite(sdp_offer('198.51.100.7', 4040, keys()), auth_resp=r)
        r = dlg.final(5)
    check(r is not None and r.status == 488, 'caller media outside every subnet -> 488', repr(r))
    check(bob.request_in('INVITE', 0.5) is None, 'bob never got that INVITE')
    check(wait_for(lambda: not dp.flows()), 'no flows left at the end', json.dumps(dp.flows()))
    check(not d.calls(all_=False), 'no active calls left', json.dumps(d.calls(all_=False)))
    check(d.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
