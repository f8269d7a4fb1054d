# SPDX-License-Identifier: BSD-3-Clause
"""Registration over UDP, TCP and TLS (RFC 3261 §10.3, RFC 7616, RFC 8760):
401 with SHA-256 then MD5 challenges, 200 with the binding's Contact and
expires, shieldlockctl registrations, Expires: 0, 423, max expiry,
another user's AOR, binding removal when the TCP connection closes."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (Daemon, Peer, check, require, challenges, main, log)  # noqa: E402


def reg_of(d, user):
    return [r for r in d.registrations() if r.get('user') == user]


def run():
    d = Daemon('register')
    for u in ('alice', 'bob', 'carol'):
        d.add_user(u, 'secret-' + u)
        d.add_device(u + '-phone', u, 'non-secure')

    for proto, user in (('udp', 'alice'), ('tcp', 'bob'), ('tls', 'carol')):
        log('--- %s (%s)' % (proto, user))
        p = Peer(d, user, 'secret-' + user, proto)
        r1, r2 = p.register(600)
        require(r1 is not None, '%s: an answer to REGISTER without credentials' % proto)
        check(r1.status == 401, '%s: REGISTER without credentials -> 401' % proto, r1.start)
        ch = challenges(r1)
        algs = [c.get('algorithm', 'MD5').upper() for c in ch if c]
        check(algs == ['SHA-256', 'MD5'], '%s: challenges SHA-256 then MD5 (RFC 8760 §2.4)'
              % proto, repr(algs))
        check(all(c.get('realm') == d.realm and 'auth' in c.get('qop', '').split(',')
                  for c in ch if c), '%s: realm %s and qop="auth" in every challenge'
              % (proto, d.realm), '\n'.join(r1.all('www-authenticate')))
        check(r1.tag('to') is not None, '%s: 401 carries a To tag' % proto)
        require(r2 is not None and r2.status == 200, '%s: REGISTER with SHA-256 digest -> 200'
                % proto, repr(r2))
        contacts = r2.all('contact')
        mine = [c for c in contacts if p.contact_uri() in c]
        check(len(mine) == 1, '%s: 200 lists our Contact' % proto, '\n'.join(contacts))
        if mine:
            m = re.search(r'expires=(\d+)', mine[0])
            check(m and 590 <= int(m.group(1)) <= 600, '%s: Contact expires=600 in 200' % proto,
                  mine[0])
        regs = reg_of(d, user)
        check(len(regs) == 1, '%s: shieldlockctl registrations shows %s' % (proto, user),
              repr(d.registrations()))
        if regs:
            r = regs[0]
            check(r.get('transport') == proto, '%s: transport %s in registrations' % (proto, proto),
                  repr(r))
            check(r.get('device') == user + '-phone', '%s: device %s-phone' % (proto, user), repr(r))
            src = '%s:%d' % p.local[:2]
            check(r.get('source') == src, '%s: source %s' % (proto, src), repr(r))
            check(p.contact_uri() in r.get('contact', ''), '%s: contact' % proto, repr(r))
            check(r.get('user_agent') == 'sipdtest', '%s: user agent' % proto, repr(r))

        # refresh with MD5 keeps one binding
        r1, r2 = p.register(600, alg='MD5')
        check(r2 is not None and r2.status == 200, '%s: refresh with MD5 digest -> 200' % proto,
              repr(r2))
        check(len(reg_of(d, user)) == 1, '%s: refresh keeps one binding' % proto,
              repr(d.registrations()))

        # 423 Interval Too Brief (§10.3 step 7), binding unchanged
        r1, r2 = p.register(30)
        check(r2 is not None and r2.status == 423, '%s: Expires: 30 -> 423' % proto, repr(r2))
        if r2 is not None and r2.status == 423:
            check(r2.get('min-expires') == '60', '%s: 423 has Min-Expires: 60' % proto, repr(r2))
        check(len(reg_of(d, user)) == 1, '%s: 423 left the binding' % proto)

        # too long: shortened to registration_max_expires (3600)
        r1, r2 = p.register(99999)
        check(r2 is not None and r2.status == 200, '%s: Expires: 99999 -> 200' % proto, repr(r2))
        if r2 is not None and r2.status == 200:
            m = re.search(r'expires=(\d+)', ' '.join(r2.all('contact')))
            check(m and 3590 <= int(m.group(1)) <= 3600, '%s: expiry shortened to 3600' % proto,
                  repr(r2))

        # another user's AOR: 403 (§10.3 step 6)
        other = 'alice' if user != 'alice' else 'bob'
        r1, r2 = p.register(600, to_user=other)
        check(r2 is not None and r2.status == 403, '%s: REGISTER of %s as %s -> 403'
              % (proto, other, user), repr(r2))

        # unregister
        r1, r2 = p.register(0)
        check(r2 is not None and r2.status == 200, '%s: Expires: 0 -> 200' % proto, repr(r2))
        if r2 is not None:
            check(not [c for c in r2.all('contact') if p.contact_uri() in c],
                  '%s: 200 to Expires: 0 no longer lists the contact' % proto, repr(r2))
        check(reg_of(d, user) == [], '%s: unregister removes the registration' % proto,
              repr(d.registrations()))
        p.close()

    # Contact: * with Expires: 0 removes all bindings; a TCP binding goes when its
    # connection closes (docs: requests go back over the connection)
    log('--- wildcard and connection close')
    p = Peer(d, 'bob', 'secret-bob', 'tcp')
    r1, r2 = p.register(600)
    require(r2 is not None and r2.status == 200, 'tcp: bob registers again')
    q = Peer(d, 'bob', 'secret-bob', 'udp')
    r1, r2 = q.register(600)
    require(r2 is not None and r2.status == 200, 'udp: bob registers a second contact')
    check(len(r2.all('contact')) == 2, '200 lists both of bob\'s contacts', repr(r2))
    check(len(reg_of(d, 'bob')) == 2, 'registrations shows two bindings for bob')
    p.close()
    end = time.time() + 3
    while time.time() < end and len(reg_of(d, 'bob')) != 1:
        time.sleep(0.1)
    regs = reg_of(d, 'bob')
    check(len(regs) == 1 and regs[0].get('transport') == 'udp',
          'closing the TCP connection removes only that binding', repr(regs))
    r1 = q.register_once(0, extra='')
    auth = q.authorization('REGISTER', 'sip:%s' % d.domain, r1)
    m = q.build('REGISTER', 'sip:%s' % d.domain, '<sip:bob@%s>' % d.domain,
                extra='Expires: 0\r\n' + auth)
    m = m.replace('Contact: <%s>' % q.contact_uri(), 'Contact: *')
    q.send(m)
    r = q.response('REGISTER')
    check(r is not None and r.status == 200, 'Contact: * with Expires: 0 -> 200', repr(r))
    check(reg_of(d, 'bob') == [], 'Contact: * removes every binding of bob',
          repr(d.registrations()))
    check(d.alive(), 'shieldlockd still running')
    check('transport "TCP"' not in d.log() and 'is not one of tls' not in d.log(),
          'the store accepted every registration (no transport warnings)')


if __name__ == '__main__':
    main(run)
