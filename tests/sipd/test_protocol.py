# SPDX-License-Identifier: BSD-3-Clause
"""RFC 3261 UAS rules at the edge (no data plane): 405 with Allow for an
unknown method, 420 with Unsupported for an unknown Require, 483 for
Max-Forwards 0, 415 with Accept for a non-SDP body, 481 for CANCEL and BYE
without a transaction or dialog, the Contact expires parameter over the
Expires header, a REGISTER retransmitted over UDP answered alike, compact
header forms, and a response's Vias copied in order."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (Daemon, Peer, check, require, main, log, sdp_offer)  # noqa: E402


def run():
    d = Daemon('protocol')
    d.add_user('alice', 'secret-alice')
    d.add_device('alice-phone', 'alice', 'non-secure')
    dom = 'sip:%s' % d.domain
    to = '<%s>' % dom

    for proto in ('udp', 'tls'):
        log('--- %s' % proto)
        p = Peer(d, 'alice', 'secret-alice', proto)
        p.send(p.build('SUBSCRIBE', dom, to, callid='sub-1', extra='Event: presence\r\n'))
        r = p.response('SUBSCRIBE')
        check(r is not None and r.status == 405 and 'INVITE' in (r.get('allow') or ''),
              '%s: SUBSCRIBE -> 405 with Allow' % proto, repr(r))
        p.send(p.build('OPTIONS', dom, to, callid='req-1', extra='Require: 100rel-bogus-ext\r\n'))
        r = p.response('OPTIONS')
        check(r is not None and r.status == 420 and
              'bogus' in (r.get('unsupported') or ''), '%s: unknown Require -> 420 with '
              'Unsupported' % proto, repr(r))
        m = p.build('OPTIONS', dom, to, callid='mf-1').replace('Max-Forwards: 70',
                                                                'Max-Forwards: 0')
        p.send(m)
        r = p.response('OPTIONS')
        check(r is not None and r.status in (200, 483), '%s: OPTIONS with Max-Forwards 0 -> 483 '
              '(or 200: the UAS is the target, RFC 3261 §8.2 has no Max-Forwards rule)' % proto,
              repr(r))
        p.send(p.build('INVITE', 'sip:bob@%s' % d.domain, '<sip:bob@%s>' % d.domain,
                       callid='ct-1', body='hello', ctype='text/plain'))
        r = p.response('INVITE')
        check(r is not None and r.status in (401, 415), '%s: INVITE with a text/plain body -> '
              '415 (or 401 first)' % proto, repr(r))
        if r is not None and r.status == 415:
            check('application/sdp' in (r.get('accept') or ''), '%s: 415 lists Accept' % proto,
                  repr(r))
        p.send(p.build('CANCEL', 'sip:bob@%s' % d.domain, '<sip:bob@%s>' % d.domain,
                       callid='nosuch-cancel'))
        r = p.response('CANCEL')
        check(r is not None and r.status == 481, '%s: CANCEL without a transaction -> 481' % proto,
              repr(r))
        p.send(p.build('BYE', 'sip:bob@%s' % d.domain, '<sip:bob@%s>;tag=x' % d.domain,
                       callid='nosuch-bye'))
        r = p.response('BYE')
        check(r is not None and r.status == 481, '%s: BYE without a dialog -> 481' % proto,
              repr(r))
        # Vias copied in order (§8.2.6.2)
        m = p.build('OPTIONS', dom, to, callid='via-1')
        m = m.replace('\r\nMax-Forwards', '\r\nVia: SIP/2.0/%s 192.0.2.9:5060;branch=z9hG4bKsecond'
                      '\r\nMax-Forwards' % p.transport, 1)
        p.send(m)
        r = p.response('OPTIONS')
        vias = r.all('via') if r is not None else []
        check(len(vias) == 2 and 'z9hG4bKsecond' in vias[1], '%s: both Vias copied in order'
              % proto, repr(vias))
        if vias and proto == 'udp':
            check('received=' in vias[0] or 'rport=' in vias[0],
                  'udp: the top Via gets rport/received (RFC 3581)', vias[0])
        # compact forms (§7.3.3)
        ip, port = p.local[:2]
        m = ('OPTIONS %s SIP/2.0\r\nv: SIP/2.0/%s %s:%d;branch=z9hG4bKcompact%s\r\n'
             'Max-Forwards: 70\r\nf: <sip:alice@%s>;tag=c1\r\nt: %s\r\ni: compact-1\r\n'
             'CSeq: 1 OPTIONS\r\nl: 0\r\n\r\n' % (dom, p.transport, ip, port, proto, d.domain, to))
        p.send(m)
        r = p.response('OPTIONS')
        check(r is not None and r.status == 200, '%s: compact header forms understood' % proto,
              repr(r))
        # Contact expires parameter wins over Expires (§10.2.1.1)
        r1 = p.register_once(600)
        auth = p.authorization('REGISTER', dom, r1)
        r = p.register_once(600, auth=auth, contact_expires=120)
        ok = r is not None and r.status == 200
        check(ok, '%s: REGISTER with ;expires=120 -> 200' % proto, repr(r))
        if ok:
            m2 = re.search(r'expires=(\d+)', ' '.join(r.all('contact')))
            check(m2 and 110 <= int(m2.group(1)) <= 120, '%s: the Contact expires param (120) '
                  'wins over Expires: 600' % proto, repr(r))
        p.close()

    log('--- UDP retransmission of a REGISTER')
    p = Peer(d, 'alice', 'secret-alice', 'udp')
    r1 = p.register_once(600)
    auth = p.authorization('REGISTER', dom, r1)
    m = p.build('REGISTER', dom, '<sip:alice@%s>' % d.domain, extra='Expires: 600\r\n' + auth)
    p.send(m)
    a = p.response('REGISTER')
    p.send(m)                               # the same request again (same branch)
    b = p.response('REGISTER')
    check(a is not None and a.status == 200, 'REGISTER -> 200', repr(a))
    check(b is not None and b.status == 200 and a is not None and b.tag('to') == a.tag('to'),
          'the retransmission gets the same answer from the transaction (not a nc replay 401)',
          repr(b))
    check(d.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
