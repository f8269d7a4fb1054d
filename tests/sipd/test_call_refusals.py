# SPDX-License-Identifier: BSD-3-Clause
"""INVITEs refused before any media is set up (no data plane needed):
404 unknown user, 480 known but not registered, 488 for SDES keys over TCP
(logged as a security event), 488 for an encrypted-mode device offering
RTP/AVP, 488 without an offer, 503 without a data plane, 401 first."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (Daemon, Peer, Dialog, TestCA, check, require, main, log, at_exit,  # noqa
                      sdp_offer, new_key)


def offer_srtp(ip='127.0.0.1', port=4000):
    return sdp_offer(ip, port, [(1, 'AES_CM_128_HMAC_SHA1_80', new_key('AES_CM_128_HMAC_SHA1_80')),
                                (2, 'AEAD_AES_128_GCM', new_key('AEAD_AES_128_GCM'))])


def run():
    tmp = tempfile.mkdtemp(prefix='sl-sipdt-certs-')
    at_exit(lambda: shutil.rmtree(tmp, ignore_errors=True))
    ca = TestCA(tmp, 'trusted')
    dave_cert = ca.issue('dave-desk')

    d = Daemon('refusals')
    ca.install(d.trust_dir())
    d.hup(wait_for=r'TLS certificate .* loaded')
    for u in ('alice', 'bob', 'carol', 'dave'):
        d.add_user(u, 'secret-' + u)
    for u in ('alice', 'bob', 'carol'):
        d.add_device(u + '-phone', u, 'non-secure')
    d.add_device('dave-desk', 'dave', 'encrypted')

    alice = Peer(d, 'alice', 'secret-alice', 'tls')
    require(alice.register()[1].status == 200, 'alice registers over TLS')
    bob = Peer(d, 'bob', 'secret-bob', 'tls')
    require(bob.register()[1].status == 200, 'bob registers over TLS')
    dave = Peer(d, 'dave', 'secret-dave', 'tls', cert=dave_cert[0], key=dave_cert[1])
    require(dave.register()[1].status == 200, 'dave (encrypted, client certificate) registers')

    r = Dialog(alice, 'nobody', 'c-404').call(offer_srtp())
    check(r is not None and r.status == 404, 'INVITE to an unknown user -> 404', repr(r))
    r = Dialog(alice, 'carol', 'c-480').call(offer_srtp())
    check(r is not None and r.status == 480, 'INVITE to a known user who is not registered -> 480',
          repr(r))

    mark = d.mark()
    tcp = Peer(d, 'alice', 'secret-alice', 'tcp')
    r = Dialog(tcp, 'bob', 'c-tcp-crypto').call(offer_srtp())
    check(r is not None and r.status == 488, 'INVITE over TCP carrying a=crypto -> 488', repr(r))
    check(d.wait_log(r'SECURITY: INVITE from .alice.*over TCP.*SRTP keys', 2, since=mark,
                     must=False), 'the keys in clear are logged as a security event',
          d.log()[mark:])
    udp = Peer(d, 'alice', 'secret-alice', 'udp')
    r = Dialog(udp, 'bob', 'c-udp-crypto').call(offer_srtp())
    check(r is not None and r.status == 488, 'INVITE over UDP carrying a=crypto -> 488', repr(r))

    r = Dialog(dave, 'bob', 'c-enc-rtp').call(sdp_offer('127.0.0.1', 4000))
    check(r is not None and r.status == 488, 'encrypted-mode device offering RTP/AVP -> 488',
          repr(r))
    r = Dialog(alice, 'bob', 'c-nosdp').call('')
    check(r is not None and r.status == 488, 'INVITE without an offer -> 488', repr(r))
    r = Dialog(alice, 'bob', 'c-badsuite').call(sdp_offer('127.0.0.1', 4000,
                                                         [(1, 'F8_128_HMAC_SHA1_80', 'A' * 40)]))
    check(r is not None and r.status == 488, 'only an unknown SRTP suite offered -> 488', repr(r))
    r = Dialog(alice, 'bob', 'c-503').call(offer_srtp())
    check(r is not None and r.status == 503, 'a valid call without a data plane -> 503', repr(r))
    check(bob.request_in('INVITE', 0.5) is None, 'bob never saw any of these INVITEs')
    check(d.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
