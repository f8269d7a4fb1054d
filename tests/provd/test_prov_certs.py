#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Signed images, the file hash and certificate regeneration on a running
shieldlockd (docs/provisioning-tests.md):

  shieldlockctl image sign gives a .sgn that the openssl CLI verifies with
  the TFTP certificate (spec §4, §8) and image verify accepts, but not with
  the SAST1 certificate; SIGHUP with file_hash = sha512 re-signs every .sgn
  and .tlv with SHA-512 (HASH_ALGORITHM 3); cert regenerate tftp gives a new
  TFTP certificate, every .sgn re-signed under its serial and the CTL listing
  it; cert regenerate capf makes the CAPF port present the new certificate
  without a restart.
"""
import base64
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import provtest as pt  # noqa: E402
from provtest import check, require, log  # noqa: E402

MAC = '00AABBCCDDEE'
PHONE = 'SEP' + MAC
SGN = PHONE + '.cnf.xml.sgn'


def sgn_files(d):
    return sorted(n for n in os.listdir(d.tree) if n.endswith('.sgn'))


def tlv_files(d):
    return sorted(n for n in os.listdir(d.tree) if n.endswith('.tlv'))


def capf_cert_der(port):
    """The leaf certificate the CAPF port presents (openssl s_client)."""
    r = pt.run(['openssl', 's_client', '-connect', '127.0.0.1:%d' % port, '-showcerts'],
               input='', timeout=20, text=True)
    certs = re.findall(r'-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----', r.stdout, re.S)
    if not certs:
        return None, (r.stdout + r.stderr)[-2000:]
    body = certs[0].split('-----')[2]
    return base64.b64decode(''.join(body.split())), ''


def test():
    pt.need_tools('openssl', 'curl')
    w = pt.workdir()
    d = pt.prov_daemon('prov-certs')
    certs = os.path.join(d.state, 'certs')
    tftp_pem = os.path.join(certs, 'tftp.pem')
    sast1_pem = os.path.join(certs, 'sast1.pem')
    pub_tftp = pt.pubkey_pem(tftp_pem, os.path.join(w, 'tftp.pub.pem'))
    pub_sast1 = pt.pubkey_pem(sast1_pem, os.path.join(w, 'sast1.pub.pem'))
    d.add_user('bob', 'Bob-provisioning-7')
    d.add_device(PHONE, 'bob', 'authenticated')
    require(pt.wait(lambda: os.path.exists(os.path.join(d.tree, SGN)), 15),
            '%s is in the tree' % SGN)

    # ---- image sign / verify (spec §4)
    fw = os.path.join(w, 'fw.bin')
    with open(fw, 'wb') as f:
        f.write(os.urandom(70000) + b'firmware image for the test\n')
    orig = open(fw, 'rb').read()
    r = pt.ctl(d, 'image', 'sign', fw)
    require(r.returncode == 0 and os.path.exists(fw + '.sgn'), 'image sign fw.bin -> fw.bin.sgn',
            r.stdout + r.stderr)
    sgn = open(fw + '.sgn', 'rb').read()
    h = pt.parse_header(sgn)
    check(h.version == (1, 0) and h.filename == 'fw.bin.sgn' and h.hash == 1,
          'fw.bin.sgn: VERSION 1.0, FILENAME fw.bin.sgn, HASH_ALGORITHM 1',
          '%s %r %d' % (h.version, h.filename, h.hash))
    check(h.body == orig, 'fw.bin.sgn body = fw.bin unchanged')
    ok, det = pt.openssl_verify(sgn, pub_tftp, w, 'fw')
    check(ok, 'openssl dgst -sha1 -verify tftp.pem: fw.bin.sgn', det)
    ok, _ = pt.openssl_verify(sgn, pub_sast1, w, 'fw2')
    check(not ok, 'openssl refuses fw.bin.sgn with the SAST1 key')
    r = pt.ctl(d, 'image', 'verify', fw + '.sgn')
    check(r.returncode == 0, 'image verify fw.bin.sgn (the daemon\'s TFTP certificate)',
          r.stdout + r.stderr)
    r = pt.ctl(d, 'image', 'verify', fw + '.sgn', '--cert', tftp_pem, '--out',
               os.path.join(w, 'fw.out'))
    check(r.returncode == 0 and open(os.path.join(w, 'fw.out'), 'rb').read() == orig,
          'image verify --cert tftp.pem --out gives back fw.bin', r.stdout + r.stderr)
    r = pt.ctl(d, 'image', 'verify', fw + '.sgn', '--cert', sast1_pem)
    check(r.returncode != 0, 'image verify --cert sast1.pem is refused', r.stdout + r.stderr)
    bad = os.path.join(w, 'bad.bin.sgn')
    with open(bad, 'wb') as f:
        f.write(pt.flip(sgn, len(sgn) - 7))
    r = pt.ctl(d, 'image', 'verify', bad)
    check(r.returncode != 0, 'image verify refuses a copy with one flipped byte',
          r.stdout + r.stderr)

    # ---- file_hash = sha512 by SIGHUP
    before = {n: pt.tree_file(d, n) for n in sgn_files(d) + tlv_files(d)}
    pt.set_conf(d, 'provisioning', 'file_hash', 'sha512')
    m = pt.hup_rebuild(d)
    check('signatures made' in m.group(0), 'SIGHUP with file_hash = sha512 rebuilds the tree',
          m.group(0))
    pub = {'sgn': pub_tftp, 'tlv': pub_sast1}
    for n in sgn_files(d) + tlv_files(d):
        data = pt.tree_file(d, n)
        h = pt.parse_header(data)
        check(h.hash == 3, '%s: HASH_ALGORITHM 3 (SHA-512) after the reload' % n, str(h.hash))
        ok, det = pt.openssl_verify(data, pub[n.rsplit('.', 1)[1]], w, 's512')
        check(ok, 'openssl dgst -sha512 -verify: %s' % n, det)
        check(data != before.get(n), '%s was re-signed' % n)
        if n.endswith('.sgn'):
            check(h.body == pt.tree_file(d, PHONE + '.cnf.xml'), '%s body unchanged' % n)
    r = pt.ctl(d, 'image', 'sign', fw, '--out', os.path.join(w, 'fw512.sgn'))
    s512 = open(os.path.join(w, 'fw512.sgn'), 'rb').read() if r.returncode == 0 else b''
    check(r.returncode == 0 and s512 and pt.parse_header(s512).hash == 3,
          'image sign after the reload uses SHA-512', r.stdout + r.stderr)
    if s512:
        ok, det = pt.openssl_verify(s512, pub_tftp, w, 'fw512')
        check(ok, 'openssl dgst -sha512 -verify tftp.pem: the SHA-512 image', det)
        r = pt.ctl(d, 'image', 'verify', os.path.join(w, 'fw512.sgn'))
        check(r.returncode == 0, 'image verify accepts the SHA-512 image', r.stdout + r.stderr)

    # ---- cert regenerate tftp
    pid0, prov0 = d.proc.pid, pt.prov_pid(d)
    old_fp = pt.fingerprint(tftp_pem)
    old_serial = pt.Cert(pt.cert_der(tftp_pem)).serial
    r = pt.ctl(d, 'cert', 'regenerate', 'tftp')
    if r.returncode != 0 and re.search(r'unknown|not supported|usage', r.stderr, re.I):
        log('NOTE  cert regenerate is not available in this build (%s): its checks are '
            'skipped' % r.stderr.strip())
        return
    check(r.returncode == 0, 'cert regenerate tftp succeeds', r.stdout + r.stderr)
    new_fp = pt.fingerprint(tftp_pem)
    new = pt.Cert(pt.cert_der(tftp_pem))
    check(new_fp != old_fp and new.serial != old_serial,
          'cert regenerate tftp: new TFTP certificate (fingerprint and serial)',
          '%s -> %s' % (old_fp, new_fp))
    pub_new = pt.pubkey_pem(tftp_pem, os.path.join(w, 'tftp2.pub.pem'))
    files = sgn_files(d)
    check(files, 'the tree still has .sgn files')
    for n in files:
        data = pt.tree_file(d, n)
        h = pt.parse_header(data)
        check(h.serial == new.serial, '%s: signer serial = the new TFTP certificate' % n,
              h.serial.hex())
        ok, det = pt.openssl_verify(data, pub_new, w, 'rg')
        check(ok, 'openssl verifies %s with the new TFTP key' % n, det)
        ok, _ = pt.openssl_verify(data, pub_tftp, w, 'rg2')
        check(not ok, '%s no longer verifies with the old TFTP key' % n)
    for n in tlv_files(d):
        data = pt.tree_file(d, n)
        h = pt.parse_header(data)
        recs = pt.parse_records(data, h)
        tftp_recs = [r_.get(9) for r_ in recs if pt.role_of(r_) == 3]
        check(tftp_recs == [new.der], '%s lists the new TFTP certificate (role 3)' % n,
              '%d TFTP records' % len(tftp_recs))
        ok, det = pt.openssl_verify(data, pub_sast1, w, 'rgt')
        check(ok, 'openssl verifies the re-signed %s with SAST1' % n, det)
    r = pt.ctl(d, 'image', 'verify', fw + '.sgn')
    check(r.returncode != 0, 'image verify refuses fw.bin.sgn signed by the old TFTP key',
          r.stdout + r.stderr)
    r = pt.ctl(d, 'image', 'verify', os.path.join(w, 'fw512.sgn'), '--cert',
               os.path.join(w, 'tftp2.pub.pem'))
    check(r.returncode != 0, 'image verify --cert with a file that holds no certificate is '
          'refused', r.stdout + r.stderr)

    # ---- SAST roll-over with file keys (docs/provisioning.md "Rotating a SAST token")
    def snap_ctl(tag):
        p = os.path.join(w, 'CTL-%s.tlv' % tag)
        with open(p, 'wb') as f:
            f.write(pt.tree_file(d, 'CTLFile.tlv'))
        return p

    def accepted(new, prev):
        r_ = pt.ctl(d, 'ctl', 'verify', new, '--previous', prev)
        return r_.returncode == 0, (r_.stdout + r_.stderr).strip()

    s2_pem = os.path.join(certs, 'sast2.pem')
    c0 = snap_ctl('0')
    r = pt.ctl(d, 'cert', 'regenerate', 'sast2')
    check(r.returncode == 0, 'cert regenerate sast2 (the standby SAST)', r.stdout + r.stderr)
    c1 = snap_ctl('1')
    ok, det = accepted(c1, c0)
    check(ok, 'the CTL listing the new SAST2 is accepted as an update (signed by SAST1)', det)
    sast = [r_.get(9) for r_ in pt.parse_records(open(c1, 'rb').read(),
                                                 pt.parse_header(open(c1, 'rb').read()))
            if pt.role_of(r_) == 0]
    check(pt.cert_der(s2_pem) in sast, 'the new CTL lists the regenerated SAST2 certificate')
    pt.set_conf(d, 'keys', 'sast_signer', '2')
    pt.hup_rebuild(d)
    c2 = snap_ctl('2')
    ok, det = accepted(c2, c1)
    check(ok, 'sast_signer = 2: the CTL signed by the new SAST2 is accepted after it', det)
    ok, det = pt.openssl_verify(open(c2, 'rb').read(),
                                pt.pubkey_pem(s2_pem, os.path.join(w, 's2n.pub.pem')), w, 'c2')
    check(ok, 'openssl verifies it with the new sast2.pem', det)
    r = pt.ctl(d, 'cert', 'regenerate', 'sast1')
    check(r.returncode == 0, 'cert regenerate sast1 (now the standby SAST)', r.stdout + r.stderr)
    c3 = snap_ctl('3')
    ok, det = accepted(c3, c2)
    check(ok, 'the CTL listing the new SAST1 is accepted (signed by SAST2)', det)
    # Regenerating the SAST that signs: phones holding c3 would refuse every
    # later list (spec §3.3), so the command refuses and nothing changes.
    r = pt.ctl(d, 'cert', 'regenerate', 'sast2')
    check(r.returncode != 0 and 'sast_signer' in r.stderr,
          'cert regenerate of the active SAST signer is refused, naming sast_signer',
          'exit %d: %s' % (r.returncode, r.stdout + r.stderr))
    c4 = snap_ctl('4')
    ok, det = accepted(c4, c3)
    check(ok and open(c4, 'rb').read() == open(c3, 'rb').read(),
          'the trust list stays as it was', det)
    pt.set_conf(d, 'keys', 'sast_signer', '1')
    pt.hup_rebuild(d)

    # ---- cert regenerate capf: the CAPF listener changes certificate live
    capf_pem = os.path.join(certs, 'capf.pem')
    der, det = capf_cert_der(d.ports['capf'])
    check(der == pt.cert_der(capf_pem), 'the CAPF port presents certs/capf.pem', det)
    old = hashlib.sha256(der or b'').hexdigest()
    mark = d.mark()
    r = pt.ctl(d, 'cert', 'regenerate', 'capf')
    check(r.returncode == 0, 'cert regenerate capf succeeds', r.stdout + r.stderr)
    d.wait_log(r'CAPF certificate reloaded|CAPF: ', 10, since=mark, must=False)
    newder = pt.cert_der(capf_pem)
    der, det = capf_cert_der(d.ports['capf'])
    check(der is not None and hashlib.sha256(der).hexdigest() != old,
          'the CAPF port presents a different certificate after regenerate', det)
    check(der == newder, 'the CAPF port presents the new certs/capf.pem (SHA-256 %s)'
          % hashlib.sha256(newder).hexdigest()[:16], det)
    ctl = pt.tree_file(d, 'CTLFile.tlv')
    capf_recs = [r_.get(9) for r_ in pt.parse_records(ctl, pt.parse_header(ctl))
                 if pt.role_of(r_) == 4]
    check(capf_recs == [newder], 'CTLFile.tlv lists the new CAPF certificate (role 4)')
    check(d.alive() and d.proc.pid == pid0 and pt.prov_pid(d) == prov0 and
          (prov0 is not None or os.geteuid() != 0),
          'no restart: the same shieldlockd and prov processes (pid %s)' % prov0)


pt.main(test)
