# SPDX-License-Identifier: BSD-3-Clause
"""Media inactivity ([media] inactivity_timeout, docs/shieldlockd.md). Root
only (shieldlock-dp on net_null ports: no packet ever reaches a flow);
exits 77 otherwise.

inactivity_timeout = 6 s (the daemon reads the counters every 5 s). An
answered SRTP call alice -> bob over TLS sees no media: both phones must get
a BYE inside their own dialog within ~6..12 s of the answer, the flows are
removed, and `shieldlockctl calls --all --json` shows the call ended with a
reason that names the media, with zero packet counters. A phone that does
not answer the BYE does not keep the flows alive. A call still ringing is
not ended by the inactivity check."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moretest import (Call, Dialog, check, require, main, log, need_root, tmpdir,  # noqa
                      DataPlane, rig_daemon, phones, srtp_offer, flows_of, wait_for)

TIMEOUT = 6


def run():
    need_root()
    tmp = tmpdir()
    dp = DataPlane(tmp)
    d = rig_daemon('inactivity', dp, media_extra='inactivity_timeout = %d\n' % TIMEOUT,
                   sip='invite_timeout = 60\n')
    alice, bob = phones(d, tmp)

    log('--- an answered call without media')
    c = Call(alice, bob, 1, 4000, 5000)
    t0 = time.time()
    require(wait_for(lambda: flows_of(dp, 'srtp-rekey')), 'the call has flows')
    bb = bob.recv_match(lambda x: x.method == 'BYE', 16)
    ab = alice.recv_match(lambda x: x.method == 'BYE', max(0.5, 16 - (time.time() - t0)))
    el = time.time() - t0
    check(bb is not None, 'bob gets a BYE')
    check(ab is not None, 'alice gets a BYE')
    check(TIMEOUT - 1.0 <= el <= 2 * TIMEOUT + 1.0,
          'the BYEs come %d..%d s after the answer' % (TIMEOUT, 2 * TIMEOUT), '%.1f s' % el)
    if ab is not None:
        check(ab.get('call-id') == c.dlg.callid and ab.tag('to') == c.dlg.fromtag,
              'alice\'s BYE is inside her dialog', repr(ab))
        alice.reply(ab, 200, 'OK')
    if bb is not None:
        check(bb.get('call-id') == c.inv.get('call-id') and bb.tag('to') == c.btag,
              'bob\'s BYE is inside his dialog', repr(bb))
        bob.reply(bb, 200, 'OK')
    check(wait_for(lambda: not dp.flows()), 'flows removed', json.dumps(dp.flows()))
    calls = d.ctl('calls', '--all').get('calls', [])
    ended = [x for x in calls if x.get('state') == 'ended']
    check(len(ended) == 1, 'calls --all --json shows the call ended', json.dumps(calls))
    if ended:
        reason = (ended[0].get('end_reason') or '').lower()
        check('media' in reason or 'inactiv' in reason, 'the end reason names the media',
              repr(reason))
        check(ended[0].get('ended', 0) >= ended[0].get('answered', 0) > 0,
              'answered and ended times are set', json.dumps(ended[0]))
        check(all(l.get('packets_in', 0) == 0 for l in ended[0].get('legs', [])),
              'the legs show no packets in', json.dumps(ended[0].get('legs')))
    check(not d.ctl('calls').get('calls'), 'no active call left')

    log('--- phones that never answer the BYE')
    c = Call(alice, bob, 2, 4002, 5002)
    t0 = time.time()
    bb = bob.recv_match(lambda x: x.method == 'BYE', 16)
    ab = alice.recv_match(lambda x: x.method == 'BYE', 3)
    check(bb is not None and ab is not None, 'call 2: both phones get a BYE',
          '%s %s' % (bb is not None, ab is not None))
    check(wait_for(lambda: not dp.flows(), 3), 'call 2: flows removed without waiting for the '
          '200s to the BYEs', json.dumps(dp.flows()))

    log('--- a call that is still ringing is not "inactive"')
    offer, _ = srtp_offer(4004)
    dlg = Dialog(alice, 'bob', 'ring3-' + os.urandom(4).hex())
    require(dlg.call_start(offer) is None, 'call 3: INVITE accepted')
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'call 3: bob gets the INVITE')
    bob.reply(inv, 180, 'Ringing', totag='ring3')
    r = dlg.final(2 * TIMEOUT + 2)
    check(r is None, 'call 3: no final answer to alice while bob rings for %d s'
          % (2 * TIMEOUT + 2), repr(r))
    check(bob.request_in('CANCEL', 0.5) is None and bob.request_in('BYE', 0.1) is None,
          'call 3: bob gets no CANCEL/BYE from the inactivity check')
    dlg.cancel()
    can = bob.request_in('CANCEL', 5)
    if can is not None:
        bob.reply(can, 200, 'OK')
        bob.reply(inv, 487, 'Request Terminated', totag='ring3')
    r = dlg.final(5)
    check(r is not None and r.status == 487, 'call 3: cancelled normally', repr(r))
    check(wait_for(lambda: not dp.flows()), 'call 3: flows removed', json.dumps(dp.flows()))
    check(d.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
