# SPDX-License-Identifier: BSD-3-Clause
"""An expired nonce gets a new challenge with stale=true (RFC 7616 §3.3),
not a failure. The nonce is an HMAC over its time stamp under a key the
daemon never shows, so an old nonce cannot be forged: the test takes a
nonce with nonce_lifetime = 1 (minute) and waits 61 s (about 65 s in all)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (Daemon, Peer, check, require, challenges, main, log)  # noqa: E402


def run():
    d = Daemon('stale', sip='nonce_lifetime = 1\nauth_fail_threshold = 2\n')
    d.add_user('alice', 'secret-alice')
    d.add_device('alice-phone', 'alice', 'non-secure')
    dom = 'sip:%s' % d.domain
    p = Peer(d, 'alice', 'secret-alice', 'udp')
    r1 = p.register_once(600)
    require(r1 is not None and r1.status == 401, 'REGISTER -> 401')
    r = p.register_once(600, auth=p.authorization('REGISTER', dom, r1, nc=1))
    require(r is not None and r.status == 200, 'fresh nonce -> 200', repr(r))
    log('waiting 61 s for the nonce to expire (nonce_lifetime = 1)')
    time.sleep(61)
    for nc in (2, 3, 4):
        # three times: a stale nonce must not count as an authentication failure
        # (auth_fail_threshold = 2 would block the source otherwise)
        r = p.register_once(600, auth=p.authorization('REGISTER', dom, r1, nc=nc))
        check(r is not None and r.status == 401, 'expired nonce (nc=%d) -> 401' % nc, repr(r))
        if r is None or r.status != 401:
            continue
        ch = challenges(r)
        check(ch and all(c.get('stale', '').lower() == 'true' for c in ch if c),
              'every challenge has stale=true', '\n'.join(r.all('www-authenticate')))
    check(d.wait_log(r'stale nonce from user .alice.', 1, must=False), 'the stale nonce is logged')
    # the new nonce works at once
    auth = p.authorization('REGISTER', dom, r, nc=1)
    r = p.register_once(600, auth=auth)
    check(r is not None and r.status == 200, 'the new nonce -> 200 (stale answers are no failures)',
          repr(r))
    check('blocking source' not in d.log(), 'no block for stale nonces')


if __name__ == '__main__':
    main(run)
