# SPDX-License-Identifier: BSD-3-Clause
"""Administration changes reach the SIP process at once (docs/shieldlockctl.md):
a disabled user cannot register (and gets the same 401 as a wrong
password), enable restores it, a new password counts from the next request,
user del removes the user's registrations, a device's profile change to
encrypted makes its next TCP REGISTER fail; users and credentials survive a
restart (encrypted store, master key), and a nonce_lifetime change on
SIGHUP re-challenges with a fresh nonce key."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (Daemon, Peer, check, require, main, log, challenges)  # noqa: E402


def reg(d, user, proto='udp', pw=None):
    p = Peer(d, user, pw or 'secret-' + user, proto)
    r1, r2 = p.register(600)
    p.close()
    return r2


def run():
    d = Daemon('admin-effects')
    for u in ('alice', 'bob', 'carol'):
        d.add_user(u, 'secret-' + u)
        d.add_device(u + '-phone', u, 'non-secure')

    log('--- disable / enable')
    d.ctl('user', 'disable', 'alice', json_out=False)
    r = reg(d, 'alice')
    check(r is not None and r.status in (401, 403), 'a disabled user cannot register', repr(r))
    wrong = reg(d, 'carol', pw='not-carols-password')
    if r is not None and wrong is not None:
        check(r.status == wrong.status and r.reason == wrong.reason,
              'a disabled user gets the same answer as a wrong password',
              '%s / %s' % (r.start, wrong.start))
    d.ctl('user', 'enable', 'alice', json_out=False)
    r = reg(d, 'alice')
    check(r is not None and r.status == 200, 'after enable alice registers', repr(r))

    log('--- passwd')
    d.ctl('user', 'passwd', 'bob', '--password-stdin', stdin='new-secret-bob\n', json_out=False)
    r = reg(d, 'bob')
    check(r is not None and r.status == 401, 'the old password no longer works', repr(r))
    r = reg(d, 'bob', pw='new-secret-bob')
    check(r is not None and r.status == 200, 'the new password works at once', repr(r))

    log('--- profile change')
    d.ctl('device', 'set', 'carol-phone', '--profile', 'encrypted', json_out=False)
    r = reg(d, 'carol', 'tcp')
    check(r is not None and r.status == 403, 'after device set --profile encrypted: TCP -> 403',
          repr(r))
    d.ctl('device', 'set', 'carol-phone', '--profile', 'non-secure', json_out=False)

    log('--- user del removes registrations')
    keep = Peer(d, 'carol', 'secret-carol', 'udp')
    check(keep.register()[1].status == 200, 'carol registers')
    check([x for x in d.registrations() if x.get('user') == 'carol'], 'carol is registered')
    d.ctl('device', 'del', 'carol-phone', json_out=False)
    d.ctl('user', 'del', 'carol', json_out=False)
    regs = [x for x in d.registrations() if x.get('user') == 'carol']
    check(not regs, 'user del removes carol\'s registration', repr(regs))
    r = keep.register()[1]
    check(r is not None and r.status == 401, 'a deleted user cannot register', repr(r))

    log('--- restart keeps users and credentials')
    d.stop()
    d.start()
    r = reg(d, 'bob', pw='new-secret-bob')
    check(r is not None and r.status == 200, 'bob\'s new password works after a restart', repr(r))
    r = reg(d, 'alice', 'tls')
    check(r is not None and r.status == 200, 'alice registers over TLS after a restart', repr(r))
    check(re.search(r'created master key', d.log()) and
          len(re.findall(r'created master key', d.log())) == 1,
          'the master key is created once, not again on restart')
    db = open(os.path.join(d.state, 'shieldlock.db'), 'rb').read()
    check(b'secret-' not in db and b'new-secret-bob' not in db, 'no password in the store file')

    log('--- nonce_lifetime change on SIGHUP')
    p = Peer(d, 'alice', 'secret-alice', 'udp')
    r1 = p.register_once(600)
    require(r1 is not None and r1.status == 401, 'a nonce before the reload')
    with open(d.conf) as f:
        conf = f.read()
    with open(d.conf, 'w') as f:
        f.write(conf.replace('[sip]\n', '[sip]\nnonce_lifetime = 7\n', 1))
    d.hup()
    time.sleep(0.3)
    r = p.register_once(600, auth=p.authorization('REGISTER', 'sip:%s' % d.domain, r1))
    check(r is not None and r.status == 401, 'a nonce of the old key is re-challenged', repr(r))
    if r is not None and r.status == 401:
        r = p.register_once(600, auth=p.authorization('REGISTER', 'sip:%s' % d.domain, r))
        check(r is not None and r.status == 200, 'the new nonce works', repr(r))
    check(d.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
