#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""SAST keys in PKCS#11 tokens (SoftHSM2) and the CTL update rule
(docs/provisioning-tests.md, spec §3.3):

  tokens SAST-A and SAST-B each hold an RSA 2048 key; shieldlockd signs
  CTLFile.tlv with A (checked with the openssl CLI against the token's own
  public key); after sast_signer = 2 and SIGHUP the CTL is signed by B and
  `ctl verify NEW --previous OLD` accepts it, since OLD lists B as SAST; with
  both SASTs replaced by fresh tokens C and D, the new CTL is refused against
  OLD with a message naming its signer. No token key ever appears as a file.

A throwaway SOFTHSM2_CONF in a temporary directory is used; /etc/softhsm and
/var/lib/softhsm are never touched.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import provtest as pt  # noqa: E402
from provtest import check, require  # noqa: E402

MODULE = os.environ.get('SOFTHSM_MODULE', '/usr/lib/softhsm/libsofthsm2.so')
PIN = '1234'        # test PIN of throwaway test tokens
SO_PIN = '87654321'


class Tokens:
    def __init__(self, w):
        self.dir = os.path.join(w, 'softhsm')
        os.makedirs(os.path.join(self.dir, 'tokens'))
        self.conf = os.path.join(self.dir, 'softhsm2.conf')
        with open(self.conf, 'w') as f:
            f.write('directories.tokendir = %s/tokens\nobjectstore.backend = file\n'
                    'log.level = ERROR\nslots.removable = false\n' % self.dir)
        os.environ['SOFTHSM2_CONF'] = self.conf      # the daemon inherits it
        self.pub = {}

    def create(self, label):
        """A token with an RSA 2048 key 'sast' (id 01); its public key as PEM."""
        r = pt.run(['softhsm2-util', '--init-token', '--free', '--label', label, '--so-pin',
                    SO_PIN, '--pin', PIN], text=True)
        require(r.returncode == 0, 'softhsm2-util --init-token %s' % label, r.stdout + r.stderr)
        r = pt.run(['pkcs11-tool', '--module', MODULE, '--token-label', label, '--login',
                    '--pin', PIN, '--keypairgen', '--key-type', 'rsa:2048', '--label', 'sast',
                    '--id', '01'], text=True, timeout=60)
        require(r.returncode == 0, 'pkcs11-tool --keypairgen rsa:2048 in %s' % label,
                r.stdout + r.stderr)
        der = os.path.join(self.dir, label + '.pub.der')
        r = pt.run(['pkcs11-tool', '--module', MODULE, '--token-label', label, '--read-object',
                    '--type', 'pubkey', '--id', '01', '-o', der], text=True)
        require(r.returncode == 0, 'pkcs11-tool --read-object pubkey of %s' % label,
                r.stdout + r.stderr)
        pem = os.path.join(self.dir, label + '.pub.pem')
        r = pt.run(['openssl', 'pkey', '-pubin', '-inform', 'DER', '-in', der, '-out', pem],
                   text=True)
        require(r.returncode == 0, 'openssl pkey: public key of %s' % label, r.stderr)
        self.pub[label] = pem
        return pem

    def uri(self, label):
        return ('pkcs11:token=%s;object=sast;type=private?module-path=%s&pin-value=%s'
                % (label, MODULE, PIN))


def cert_pub(cert_path, w, tag):
    return open(pt.pubkey_pem(cert_path, os.path.join(w, tag + '.pub.pem'))).read()


def test():
    pt.need_tools('openssl', 'softhsm2-util', 'pkcs11-tool')
    if not os.path.exists(MODULE):
        raise pt.Skip('%s is missing (softhsm2)' % MODULE)
    w = pt.workdir()
    t = Tokens(w)
    t.create('SAST-A')
    t.create('SAST-B')
    t.create('CA')
    keys = 'ca = %s\nsast1 = %s\nsast2 = %s\n' % (t.uri('CA'), t.uri('SAST-A'),
                                                   t.uri('SAST-B'))
    d = pt.prov_daemon('prov-sast', keys=keys)
    certs = os.path.join(d.state, 'certs')

    # ---- the CA key in a token too (issue 5 §1: every signing key)
    capem = os.path.join(d.state, 'ca', 'ca.pem')
    check(not os.path.exists(os.path.join(d.state, 'ca', 'ca.key')),
          'no CA key file: the CA key stays in token CA')
    check(os.path.exists(capem) and cert_pub(capem, w, 'ca') == open(t.pub['CA']).read(),
          'ca/ca.pem was created for the token CA key (same public key)')
    r = pt.run(['openssl', 'verify', '-CAfile', capem, os.path.join(certs, 'node.pem')],
               text=True)
    check(r.returncode == 0, 'the node certificate was issued by the token CA (openssl verify)',
          r.stdout + r.stderr)
    s1, s2 = os.path.join(certs, 'sast1.pem'), os.path.join(certs, 'sast2.pem')
    require(os.path.exists(s1) and os.path.exists(s2),
            'the daemon created certs/sast1.pem and certs/sast2.pem for the token keys')
    check(cert_pub(s1, w, 's1') == open(t.pub['SAST-A']).read(),
          'certs/sast1.pem holds the public key of token SAST-A')
    check(cert_pub(s2, w, 's2') == open(t.pub['SAST-B']).read(),
          'certs/sast2.pem holds the public key of token SAST-B')
    check(pt.wait(lambda: os.path.exists(os.path.join(d.tree, 'CTLFile.tlv')), 10),
          'CTLFile.tlv built')

    # ---- signed by A
    old = pt.tree_file(d, 'CTLFile.tlv')
    oldp = os.path.join(w, 'CTL-old.tlv')
    with open(oldp, 'wb') as f:
        f.write(old)
    ok, det = pt.openssl_verify(old, t.pub['SAST-A'], w, 'a')
    check(ok, 'openssl verifies CTLFile.tlv with token SAST-A\'s public key', det)
    ok, det = pt.openssl_verify(old, os.path.join(w, 's1.pub.pem'), w, 'a1')
    check(ok, 'openssl verifies CTLFile.tlv with certs/sast1.pem', det)
    ok, _ = pt.openssl_verify(old, t.pub['SAST-B'], w, 'a2')
    check(not ok, 'CTLFile.tlv does not verify with SAST-B (negative control)')
    h = pt.parse_header(old)
    c1 = pt.Cert(pt.cert_der(s1))
    c2 = pt.Cert(pt.cert_der(s2))
    check(h.serial == c1.serial, 'CTL header serial = the SAST1 certificate')
    sast = sorted(r.get(9) for r in pt.parse_records(old, h) if pt.role_of(r) == 0)
    check(sast == sorted([c1.der, c2.der]), 'CTL lists both token certificates with role SAST')
    r = pt.ctl(d, 'ctl', 'verify', oldp)
    check(r.returncode == 0, 'ctl verify OLD', r.stdout + r.stderr)

    # ---- sast_signer = 2: signed by B, accepted as an update of OLD
    pt.set_conf(d, 'keys', 'sast_signer', '2')
    m = pt.hup_rebuild(d)
    check('signatures made' in m.group(0), 'SIGHUP with sast_signer = 2 rebuilds', m.group(0))
    new = pt.tree_file(d, 'CTLFile.tlv')
    newp = os.path.join(w, 'CTL-new.tlv')
    with open(newp, 'wb') as f:
        f.write(new)
    ok, det = pt.openssl_verify(new, t.pub['SAST-B'], w, 'b')
    check(ok, 'openssl verifies the new CTLFile.tlv with token SAST-B\'s public key', det)
    check(pt.parse_header(new).serial == c2.serial, 'new CTL header serial = SAST2 certificate')
    for n in os.listdir(d.tree):
        if n.endswith('.tlv'):
            ok, det = pt.openssl_verify(pt.tree_file(d, n), t.pub['SAST-B'], w, 'bb')
            check(ok, '%s is signed by SAST-B' % n, det)
    r = pt.ctl(d, 'ctl', 'verify', newp, '--previous', oldp)
    check(r.returncode == 0, 'ctl verify NEW --previous OLD accepts the update (OLD lists B)',
          r.stdout + r.stderr)

    # ---- both SASTs replaced by unknown tokens C and D
    d.stop()
    t.create('SAST-C')
    t.create('SAST-D')
    pt.set_conf(d, 'keys', 'sast1', t.uri('SAST-C'))
    pt.set_conf(d, 'keys', 'sast2', t.uri('SAST-D'))
    pt.set_conf(d, 'keys', 'sast_signer', '1')
    os.unlink(s1)       # the operator removes the old certificates: new ones are made
    os.unlink(s2)
    d.start(timeout=60)
    require(pt.wait(lambda: os.path.exists(s1), 10), 'a new certs/sast1.pem for token SAST-C')
    check(cert_pub(s1, w, 's1c') == open(t.pub['SAST-C']).read(),
          'certs/sast1.pem now holds token SAST-C\'s public key')
    new2 = pt.tree_file(d, 'CTLFile.tlv')
    new2p = os.path.join(w, 'CTL-new2.tlv')
    with open(new2p, 'wb') as f:
        f.write(new2)
    ok, det = pt.openssl_verify(new2, t.pub['SAST-C'], w, 'c')
    check(ok, 'openssl verifies NEW2 with token SAST-C\'s public key', det)
    r = pt.ctl(d, 'ctl', 'verify', new2p)
    check(r.returncode == 0, 'ctl verify NEW2 alone accepts it (self-consistent)',
          r.stdout + r.stderr)
    h2 = pt.parse_header(new2)
    for prev, pp in (('OLD', oldp), ('NEW', newp)):
        r = pt.ctl(d, 'ctl', 'verify', new2p, '--previous', pp)
        msg = r.stdout + r.stderr
        check(r.returncode != 0, 'ctl verify NEW2 --previous %s is refused (unknown signer)'
              % prev, msg)
        # subjects are alike (CN=<node>-sast1): the serial tells the key apart
        names_signer = h2.signer_name in msg and \
            h2.serial.hex() in msg.lower().replace(':', '')
        check(names_signer, 'the refusal names the signer (%s, serial %s)'
              % (h2.signer_name, h2.serial.hex()), msg)

    # ---- no token key as a file
    priv = os.path.join(d.state, 'private')
    names = sorted(os.listdir(priv))
    check(not [n for n in names if n.startswith('sast')],
          'no sast*.key in state/private (the keys stay in the tokens)', str(names))
    token_pubs = {open(p).read() for p in t.pub.values()}
    leaked = []
    for root, _, files in os.walk(d.state):
        for n in files:
            p = os.path.join(root, n)
            try:
                head = open(p, 'rb').read(64)
            except OSError:
                continue
            if b'PRIVATE KEY' not in head:
                continue
            r = pt.run(['openssl', 'pkey', '-in', p, '-pubout'], text=True)
            if r.returncode == 0 and r.stdout in token_pubs:
                leaked.append(p)
    check(not leaked, 'no private key file under the state dir matches a token key',
          '\n'.join(leaked))


pt.main(test)
