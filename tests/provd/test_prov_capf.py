#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""CAPF of a running shieldlockd, driven by the independent Python phone
(tests/capfclient, docs/capf-client.md) and checked with the openssl CLI
(docs/provisioning-tests.md, "test_prov_capf.py"):

  1. a daemon with provisioning (mixed mode) whose [provisioning] mic_ca
     lists the manufacturer CAs of a pki.py directory;
  2. every scenario of capf_scenarios.py against its CAPF port, scheduled
     through `shieldlockctl capf set` (capf_schedule.sh); issued LSCs verify
     with `openssl verify -CAfile state/ca/ca.pem`;
  3. install / wrong password / unknown device / fetch / delete as
     `shieldlockctl capf status --json` reports them (spec §1.8);
  4. the encrypted configuration (spec §5) fetched over TFTP, its signature
     checked and the file decrypted with ONLY the openssl CLI (spec §8);
  5. LSC and MIC authentication, a MIC from an untrusted CA, and mic_ca
     re-read on SIGHUP.

Exit 0 pass, 1 fail, 77 skip (a tool or python3-cryptography missing).
"""
import glob
import hashlib
import json
import os
import struct
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
CAPFCLIENT = os.path.join(HERE, '..', 'capfclient')
sys.path.insert(0, HERE)
sys.path.insert(0, CAPFCLIENT)
import provtest as pt  # noqa: E402
from provtest import check, require, log  # noqa: E402

CLIENT = os.path.join(CAPFCLIENT, 'capf_client.py')
SCENARIOS = os.path.join(CAPFCLIENT, 'capf_scenarios.py')
SCHEDULE = os.path.join(HERE, 'capf_schedule.sh')

USER, USER_PW = 'alice', 'Tr33-provisioning!'
MAC = '001122334455'
PHONE = 'SEP' + MAC                  # RSA LSC, profile encrypted
EC_PHONE = 'SEP0011223344EC'         # EC LSC, profile encrypted
MIC_PHONE = 'SEP0011223344AA'        # MIC authentication
CAPF_PW = 'CapfTest42'               # 4-15 characters (spec §1.10)

# Scenarios of capf_scenarios.py that cannot apply to shieldlockd, with the
# reason (the rest run). fetch-existing-lsc answers a FETCH for a fresh
# device with the LSC issued to ANOTHER device and expects the operation to
# be done; shieldlockd stores a fetched certificate only if its CA issued it
# to that very device (docs/provisioning.md, provd_parent.c ours()), records
# "fetched certificate not issued by this CA" and keeps the fetch pending --
# a documented choice. Section 3 below checks both halves of that rule.
NOT_APPLICABLE = {
    'fetch-existing-lsc': 'the phone returns another device\'s LSC, which shieldlockd '
                          'deliberately does not store (the fetch stays pending)',
}


def ctl_ok(d, *args, stdin=None):
    r = pt.ctl(d, *args, stdin=stdin)
    if r.returncode != 0:
        raise pt.Fatal('shieldlockctl %s: exit %d: %s%s' % (' '.join(args), r.returncode,
                                                             r.stdout, r.stderr))
    return r


def status(d, dev, until=None, timeout=5.0):
    """capf status DEVICE --json (one device object). With until(s): polls
    until it holds or timeout passes, since the prov process reports a
    session's result to the parent as the session ends, concurrently with
    the phone reading END_SESSION."""
    def once():
        r = ctl_ok(d, '--json', 'capf', 'status', dev)
        j = json.loads(r.stdout)
        return j['devices'][0] if 'devices' in j else j
    s = once()
    if until is not None:
        end = time.time() + timeout
        while not until(s) and time.time() < end:
            time.sleep(0.1)
            s = once()
    return s


def done(result):
    """until= for status(): the session's result is recorded."""
    return lambda s: s.get('last_result') == result and s.get('operation') == 'none'


def cert_serial(d, dev):
    c = status(d, dev).get('certificate')
    return c.get('serial') if c else None


def openssl_serial(path):
    r = pt.run(['openssl', 'x509', '-noout', '-serial', '-in', path], text=True)
    if r.returncode:
        raise pt.Fatal('openssl x509 -serial %s: %s' % (path, r.stderr))
    return r.stdout.strip().split('=', 1)[1].lower()


def openssl_verify_cert(ca, path):
    r = pt.run(['openssl', 'verify', '-CAfile', ca, path], text=True)
    return r.returncode == 0 and r.stdout.strip().endswith(': OK'), (r.stdout + r.stderr).strip()


class Phone:
    """capf_client.py (the independent phone) against the daemon's CAPF port."""

    def __init__(self, d, w):
        self.d, self.w = d, w
        self.capf_pem = os.path.join(d.state, 'certs', 'capf.pem')

    def run(self, dev, auth='null', password=None, cert=None, key=None, out=None,
            extra=()):
        cmd = [sys.executable, CLIENT, '--host', '127.0.0.1', '--port',
               str(self.d.ports['capf']), '--cafile', self.capf_pem, '--device', dev,
               '--auth', auth, '--json', '--timeout', '30']
        if password is not None:
            pf = os.path.join(self.w, 'pw.txt')
            with open(pf, 'w') as f:
                f.write(password + '\n')
            os.chmod(pf, 0o600)
            cmd += ['--password-file', pf]
        if cert:
            cmd += ['--cert', cert, '--key', key]
        if out:
            cmd += ['--out-cert', out + '.pem', '--out-key', out + '.key']
        cmd += list(extra)
        r = pt.run(cmd, timeout=120, text=True)
        try:
            j = json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            j = {'result': 'no-json', 'reason': None, 'error': (r.stdout + r.stderr).strip()}
        j['rc'] = r.returncode
        return j


def outcome(j):
    return 'result %s, END_SESSION %s, rc %s%s' % (j.get('result'), j.get('reason'), j.get('rc'),
                                                    ': ' + j['error'] if j.get('error') else '')


# ---------------------------------------------------------------- 2. scenarios

def run_scenarios(d, w, pki_dir, env):
    r = pt.run([sys.executable, SCENARIOS, '--list'], text=True)
    names = r.stdout.split()
    require(r.returncode == 0 and len(names) > 20, 'capf_scenarios.py --list names the '
            'scenarios', r.stdout + r.stderr)
    for n, why in sorted(NOT_APPLICABLE.items()):
        log('NOTE  scenario %s not run against shieldlockd: %s' % (n, why))
    run = [n for n in names if n not in NOT_APPLICABLE]
    scen = os.path.join(w, 'scen')
    cmd = [sys.executable, SCENARIOS, '--host', '127.0.0.1', '--port', str(d.ports['capf']),
           '--capf-cert', os.path.join(d.state, 'certs', 'capf.pem'),
           '--issuer-cert', d.ca_pem(), '--pki', pki_dir,
           '--schedule-cmd', '/bin/sh %s' % SCHEDULE, '--workdir', scen, '--only'] + run
    r = pt.run(cmd, timeout=400, text=True, env=env)
    seen = set()
    for line in r.stdout.splitlines():
        if line.startswith('ok   '):
            name = line[5:].strip()
            seen.add(name)
            check(True, 'scenario %s' % name)
        elif line.startswith('FAIL '):
            name, _, why = line[5:].partition(':')
            seen.add(name.strip())
            check(False, 'scenario %s' % name.strip(), why.strip())
        elif line.startswith('     server:'):
            log(line)
    missing = [n for n in run if n not in seen]
    check(not missing and r.returncode == 0 and
          ('scenarios: %d passed, 0 failed' % len(run)) in r.stdout,
          'capf_scenarios.py: all %d scenarios run and pass (exit 0)' % len(run),
          'exit %d; not reported: %s\n%s' % (r.returncode, missing, r.stderr.strip()[-2000:]))
    # every LSC the scenarios kept, checked again here against state/ca/ca.pem
    lscs = sorted(glob.glob(os.path.join(scen, '*-kept.pem')))
    bad = []
    for p in lscs:
        ok, det = openssl_verify_cert(d.ca_pem(), p)
        if not ok:
            bad.append('%s: %s' % (os.path.basename(p), det))
    check(len(lscs) >= 12 and not bad, 'openssl verify -CAfile state/ca/ca.pem: all %d LSCs '
          'issued in the scenarios' % len(lscs), '\n'.join(bad) or '%d LSCs' % len(lscs))


# ---------------------------------------------------------------- 4. spec §5 / §8

def tlv_u16(v):
    return struct.unpack('!H', v)[0] if len(v) == 2 else None


def decrypt_enc_sgn(buf, key_path, w, tag):
    """Spec §5.3 / §8 with the openssl CLI only: (plaintext or None, detail, header).
    The wrapped key, IV, padding count and hash are cut out of the header by
    pt.parse_header (Python byte parsing of spec §2.1)."""
    h = pt.parse_header(buf)
    f = h.fields
    wrapped, iv = f.get(25, b''), f.get(19, b'')
    pad = tlv_u16(f.get(20, b''))
    wp, kp = os.path.join(w, tag + '.wrapped'), os.path.join(w, tag + '.aeskey')
    bp, pp = os.path.join(w, tag + '.body'), os.path.join(w, tag + '.plain')
    with open(wp, 'wb') as o:
        o.write(wrapped)
    with open(bp, 'wb') as o:
        o.write(h.body)
    for p in (kp, pp):
        if os.path.exists(p):
            os.unlink(p)
    r = pt.run(['openssl', 'pkeyutl', '-decrypt', '-inkey', key_path, '-in', wp, '-out', kp,
                '-pkeyopt', 'rsa_padding_mode:pkcs1'], text=True)
    if r.returncode or not os.path.exists(kp):
        return None, 'openssl pkeyutl -decrypt: %s' % (r.stdout + r.stderr).strip(), h
    aes = open(kp, 'rb').read()
    if len(aes) != 16:
        return None, 'the unwrapped key has %d bytes, not 16 (AES-128)' % len(aes), h
    r = pt.run(['openssl', 'enc', '-d', '-aes-128-cbc', '-K', aes.hex(), '-iv', iv.hex(),
                '-nopad', '-in', bp, '-out', pp], text=True)
    if r.returncode:
        return None, 'openssl enc -d: %s' % (r.stdout + r.stderr).strip(), h
    plain = open(pp, 'rb').read()
    if pad is None or not 1 <= pad <= 16 or plain[-pad:] != b'\x0d' * pad:
        return None, 'PADDING %r does not count trailing 0x0D bytes (tail %r)' % (
            pad, plain[-17:]), h
    plain = plain[:-pad]
    with open(pp, 'wb') as o:
        o.write(plain)
    md = {1: '-sha1', 3: '-sha512'}.get(f.get(26, b'\0')[0])
    if not md:
        return None, 'ENCRYPTION_HASH_ALGORITHM %r is neither 1 nor 3' % f.get(26), h
    r = pt.run(['openssl', 'dgst', md, '-binary', '-out', pp + '.md', pp], text=True)
    digest = open(pp + '.md', 'rb').read() if r.returncode == 0 else b''
    if digest != f.get(27):
        return None, 'openssl dgst %s of the plaintext %s != ENCRYPTION_HASH %s' % (
            md, digest.hex(), f.get(27, b'').hex()), h
    return plain, 'ok', h


def check_encrypted(d, w, lsc_pem, lsc_key, what):
    """The .enc.sgn + stub pair of PHONE, fetched over TFTP, against the LSC
    lsc_pem/lsc_key: signature, §5.1 layout, decryption, stub contents."""
    port = d.ports['tftp']
    enc, stub = PHONE + '.cnf.xml.enc.sgn', PHONE + '.cnf.xml.sgn'
    tftp_pub = pt.pubkey_pem(os.path.join(d.state, 'certs', 'tftp.pem'),
                             os.path.join(w, 'tftp.pub.pem'))
    r, ebuf = pt.tftp_hpa_get(port, enc, os.path.join(w, 'enc.out'))
    require(ebuf, '%s: tftp-hpa get %s' % (what, enc), (r.stdout + r.stderr).strip())
    check(ebuf == pt.tree_file(d, enc), '%s: %s over TFTP = tree bytes' % (what, enc))
    r, sbuf = pt.tftp_hpa_get(port, stub, os.path.join(w, 'stub.out'))
    require(sbuf, '%s: tftp-hpa get %s (the stub)' % (what, stub), (r.stdout + r.stderr).strip())
    rc, code, hbuf = pt.curl_get('http://127.0.0.1:%d/%s' % (d.ports['http'], enc),
                                 os.path.join(w, 'enc.http'))
    check(code == '200' and hbuf == ebuf, '%s: HTTP GET %s = the TFTP bytes' % (what, enc),
          'HTTP %s' % code)

    # signatures (spec §8): the TFTP key, not the SAST key
    ok, det = pt.openssl_verify(ebuf, tftp_pub, w, 'enc')
    check(ok, '%s: openssl dgst -verify tftp.pem: %s' % (what, enc), det)
    ok, _ = pt.openssl_verify(pt.flip(ebuf, len(ebuf) - 5), tftp_pub, w, 'encneg')
    check(not ok, '%s: openssl refuses %s with a flipped ciphertext byte' % (what, enc))
    ok, det = pt.openssl_verify(sbuf, tftp_pub, w, 'stub')
    check(ok, '%s: openssl dgst -verify tftp.pem: %s' % (what, stub), det)

    # layout (spec §2.1, §5.1)
    h = pt.parse_header(ebuf)
    f = h.fields
    wrapped = f.get(25, b'')
    lsc_bits = 8 * len(wrapped)
    check(h.version == (2, 0) and h.filename == enc,
          '%s: %s header VERSION 2.0, FILENAME %s' % (what, enc, enc),
          '%s %r' % (h.version, h.filename))
    check(len(f.get(19, b'')) == 16 and f.get(18) == b'\0' and f.get(22) == b'\0' and
          f.get(24) == b'\x01',
          '%s: IV 16 bytes, UNKNOWN1 = UNKNOWN2 = 0, KEY_ALGORITHM 1' % what,
          'IV %d bytes, 18 %r, 22 %r, 24 %r' % (len(f.get(19, b'')), f.get(18), f.get(22),
                                                f.get(24)))
    check(tlv_u16(f.get(23, b'')) == lsc_bits == 2048,
          '%s: KEY_SIZE = 8 x len(wrapped key) = 2048 (the LSC modulus)' % what,
          'KEY_SIZE %r, wrapped %d bytes' % (tlv_u16(f.get(23, b'')), len(wrapped)))
    check(len(f.get(17, b'')) == 28 and len(f.get(21, b'')) == 16 + len(wrapped) and
          len(f.get(16, b'')) == 50 + len(wrapped),
          '%s: container lengths IV_INFO 28, KEY_INFO 16+k, ENCRYPTION_INFO 50+k' % what,
          '%d %d %d (k=%d)' % (len(f.get(17, b'')), len(f.get(21, b'')), len(f.get(16, b'')),
                               len(wrapped)))
    check(len(h.body) % 16 == 0 and len(h.body) > 0,
          '%s: the ciphertext is whole AES blocks (%d bytes)' % (what, len(h.body)))
    check(USER_PW.encode() not in ebuf and USER_PW.encode() not in sbuf,
          '%s: the user\'s password appears in neither %s nor the stub' % (what, enc))

    # decryption with the openssl CLI only (spec §8)
    plain, det, _ = decrypt_enc_sgn(ebuf, lsc_key, w, 'dec')
    check(plain is not None, '%s: openssl pkeyutl -decrypt + enc -d -aes-128-cbc -nopad, '
          '0x0D padding stripped, SHA digest = ENCRYPTION_HASH' % what, det)
    root = None
    if plain is not None:
        try:
            root = ET.fromstring(plain)
        except ET.ParseError as e:
            check(False, '%s: the plaintext is well-formed XML' % what, str(e))
    if root is not None:
        check(root.tag == 'device', '%s: the plaintext is well-formed XML, root <device>'
              % what, root.tag)
        pws = [(e.text or '') for e in root.iter('authPassword')]
        check(pws and all(p == USER_PW for p in pws),
              '%s: authPassword of the plaintext = %s\'s password' % (what, USER),
              'authPassword values: %d, match %s' % (len(pws), [p == USER_PW for p in pws]))

    # the stub (spec §5.2)
    sh = pt.parse_header(sbuf)
    check(sh.version == (1, 0) and sh.filename == stub,
          '%s: stub header VERSION 1.0, FILENAME %s' % (what, stub),
          '%s %r' % (sh.version, sh.filename))
    try:
        sroot = ET.fromstring(sh.body)
    except ET.ParseError as e:
        sroot = None
        check(False, '%s: the stub is well-formed XML' % what, str(e))
    if sroot is not None:
        md5 = hashlib.md5(pt.cert_der(lsc_pem)).hexdigest()
        enc_flag = (sroot.findtext('encrConfig') or '').strip()
        full = (sroot.findtext('fullConfig') or '').strip()
        chash = (sroot.findtext('certHash') or '').strip()
        check(sroot.tag == 'device' and not sroot.attrib,
              '%s: stub root is <device> without attributes' % what,
              '%s %s' % (sroot.tag, sroot.attrib))
        check(enc_flag == 'true' and full == 'false',
              '%s: stub encrConfig true, fullConfig false' % what,
              'encrConfig %r fullConfig %r' % (enc_flag, full))
        check(chash == md5, '%s: stub certHash = MD5 of the LSC DER (%s)' % (what, md5),
              'certHash %r' % chash)
        if root is not None:
            check((sroot.findtext('capfAuthMode') or '').strip() ==
                  (root.findtext('capfAuthMode') or '').strip() != '',
                  '%s: stub capfAuthMode = the plaintext\'s' % what,
                  '%r vs %r' % (sroot.findtext('capfAuthMode'), root.findtext('capfAuthMode')))
        check(sroot.find('.//authPassword') is None and
              sroot.find('.//devicePool') is None,
              '%s: the stub carries no line credentials or device pool' % what)

    # fail closed: the plain file is not offered
    err = pt.tftp_error(pt.tftp_raw(port, pt.rrq((PHONE + '.cnf.xml').encode())))
    check(err is not None and err[0] == 1, '%s: TFTP RRQ %s.cnf.xml: ERROR 1 (not served)'
          % (what, PHONE), repr(err))
    check(not os.path.exists(os.path.join(d.tree, PHONE + '.cnf.xml')),
          '%s: %s.cnf.xml is not in the tree' % (what, PHONE))
    return ebuf


def wait_file(d, name, present=True, timeout=15):
    return pt.wait(lambda: os.path.exists(os.path.join(d.tree, name)) == present, timeout)


# ---------------------------------------------------------------- the test

def test():
    pt.need_tools('openssl', 'tftp', 'curl')
    try:
        import pki as pkimod  # tests/capfclient/pki.py (python3-cryptography)
    except ImportError as e:
        raise pt.Skip('python3-cryptography is not available to %s (%s): run with '
                      '/usr/bin/python3' % (sys.executable, e))
    w = pt.workdir('sl-provcapf-')

    # ---- 1. daemon, test PKI, user and phones
    pki_dir = os.path.join(w, 'pki')
    pki = pkimod.TestPki(pki_dir, [PHONE, MIC_PHONE])
    mic_cas = [pki.path(s)[0] for s in ('mfg', 'mfg-ec', 'sudi-ca')]
    d = pt.prov_daemon('prov-capf', extra_prov='mic_ca = %s\n' % ', '.join(mic_cas))
    phone = Phone(d, w)
    ca = d.ca_pem()
    require(os.path.exists(ca) and os.path.exists(phone.capf_pem),
            'state/ca/ca.pem and state/certs/capf.pem exist')
    d.add_user(USER, USER_PW)
    d.add_device(PHONE, USER, 'encrypted')
    d.add_device(EC_PHONE, USER, 'encrypted')
    d.add_device(MIC_PHONE, USER, 'authenticated')
    check(not d.wait_log(r'mic_ca: .*will not accept', 0.2, must=False),
          'the daemon loaded every mic_ca (no "will not accept" error)')

    # ---- 2. the scenario runner, scheduled through shieldlockctl capf set
    env = dict(os.environ, CAPF_ADMIN_SOCKET=d.admin, CAPF_USER=USER,
               CAPF_PROFILE='authenticated', SHIELDLOCKCTL=d.ctlbin)
    run_scenarios(d, w, pki_dir, env)
    check(d.alive(), 'shieldlockd still running after the scenarios')

    # ---- 3. install, wrong password, unknown device, fetch, delete (spec §1.8)
    ctl_ok(d, 'capf', 'set', PHONE, '--install', '--auth', 'password', '--key', 'rsa:2048',
           '--password-stdin', stdin=CAPF_PW + '\n')
    s = status(d, PHONE)
    check(s.get('operation') == 'install' and s.get('auth') == 'password' and
          s.get('capf_auth_mode') == 1 and s.get('password_set') is True and
          s.get('key') == 'rsa:2048',
          'capf status --json after capf set: install, password (mode 1, set), rsa:2048',
          json.dumps(s))
    cnf = os.path.join(d.tree, PHONE + '.cnf.xml')
    check(pt.wait(lambda: os.path.exists(cnf) and
                  b'<capfAuthMode>1</capfAuthMode>' in open(cnf, 'rb').read(), 10),
          '%s.cnf.xml says capfAuthMode 1 (spec §7.1)' % PHONE)
    lsc1 = os.path.join(w, 'lsc1')
    j = phone.run(PHONE, 'password', CAPF_PW, out=lsc1)
    require(j['result'] == 'installed' and j['reason'] == 1 and j['rc'] == 0,
            'capf_client.py --auth password --keygen rsa:2048: installed, END_SESSION 1',
            outcome(j))
    ok, det = openssl_verify_cert(ca, lsc1 + '.pem')
    check(ok, 'openssl verify -CAfile state/ca/ca.pem: the installed LSC', det)
    ser1 = openssl_serial(lsc1 + '.pem')
    s = status(d, PHONE, done('installed'))
    c = s.get('certificate') or {}
    check(s.get('operation') == 'none', 'capf status: operation back to none after the '
          'install (spec §1.8 step 6)', json.dumps(s))
    check(s.get('last_result') == 'installed', 'capf status: last result installed',
          json.dumps(s))
    check(c.get('kind') == 'lsc' and c.get('serial') == ser1,
          'capf status: certificate lsc, serial = openssl x509 -serial of the client\'s '
          'cert (%s)' % ser1, json.dumps(c))

    # a wrong password: END_SESSION 7, nothing changes but the result
    # docs/shieldlockctl-capf.md: --keep-password keeps the stored string
    r = pt.ctl(d, 'capf', 'set', PHONE, '--install', '--auth', 'password', '--keep-password',
               stdin='')
    check(r.returncode == 0 and status(d, PHONE).get('password_set') is True,
          'capf set --install --auth password --keep-password keeps the stored one',
          (r.stdout + r.stderr).strip())
    r = pt.ctl(d, 'capf', 'set', PHONE, '--install', '--auth', 'password', stdin='')
    check(r.returncode != 0, 'capf set --auth password without --keep-password asks for a '
          'string (refused without a terminal)', (r.stdout + r.stderr).strip())
    ctl_ok(d, 'capf', 'set', PHONE, '--install')
    s = status(d, PHONE)
    check(s.get('operation') == 'install' and s.get('auth') == 'password' and
          s.get('password_set') is True,
          'capf set --install (no --auth): keeps auth password and the stored password',
          json.dumps(s))
    j = phone.run(PHONE, 'password', 'Wrong-pw-9', out=os.path.join(w, 'nope'))
    check(j['result'] == 'refused' and j['reason'] == 7 and j['rc'] == 3,
          'a wrong CAPF password: END_SESSION reason 7', outcome(j))
    s = status(d, PHONE)
    check(s.get('last_result') == 'authentication failed' and s.get('operation') == 'install',
          'capf status: "authentication failed", the operation stays install', json.dumps(s))
    check(cert_serial(d, PHONE) == ser1, 'capf status: the certificate is unchanged after '
          'the failure')
    # an unknown device: END_SESSION 9
    for name in ('SEP00000000DEAD', 'lobby-nothing'):
        j = phone.run(name, 'null')
        check(j['result'] == 'refused' and j['reason'] == 9 and j['rc'] == 3,
              'unknown device %s: END_SESSION reason 9' % name, outcome(j))
    # the right password now: a second LSC
    lsc2 = os.path.join(w, 'lsc2')
    j = phone.run(PHONE, 'password', CAPF_PW, out=lsc2)
    check(j['result'] == 'installed' and j['reason'] == 1,
          'the right password after the wrong one: installed', outcome(j))
    ser2 = openssl_serial(lsc2 + '.pem')
    status(d, PHONE, done('installed'))
    check(ser2 != ser1 and cert_serial(d, PHONE) == ser2,
          'capf status: the second LSC (%s) replaces the first' % ser2,
          'status %s, first %s' % (cert_serial(d, PHONE), ser1))

    # fetch: a certificate our CA did not issue to the device is not stored
    ctl_ok(d, 'capf', 'set', PHONE, '--fetch')
    rogue = pki.path(PHONE + '-rogue')[0]
    j = phone.run(PHONE, 'password', CAPF_PW, extra=['--existing-lsc', rogue])
    s = status(d, PHONE, lambda s: 'not issued' in (s.get('last_result') or ''))
    check(j['result'] == 'fetched' and j['reason'] == 0,
          'fetch answered with a rogue-CA certificate: END_SESSION 0', outcome(j))
    check(s.get('operation') == 'fetch' and cert_serial(d, PHONE) == ser2 and
          'not issued' in (s.get('last_result') or ''),
          'capf status: the rogue certificate is not stored, the fetch stays pending',
          json.dumps(s))
    # fetch returns the phone's certificate: it answers with its first LSC
    j = phone.run(PHONE, 'password', CAPF_PW, extra=['--existing-lsc', lsc1 + '.pem'])
    check(j['result'] == 'fetched' and j['reason'] == 0 and j['rc'] == 0,
          'fetch with the phone\'s LSC: END_SESSION 0 (spec §1.8)', outcome(j))
    s = status(d, PHONE, done('fetched'))
    check(s.get('operation') == 'none' and s.get('last_result') == 'fetched' and
          cert_serial(d, PHONE) == ser1,
          'capf status: fetched, operation none, the stored certificate is the one the '
          'phone returned (serial %s)' % ser1, json.dumps(s))

    # ---- 4. encrypted configuration (spec §5) for the RSA LSC lsc1
    ctl_ok(d, 'profile', 'set', 'encrypted', '--encrypt-config', 'yes')
    enc = PHONE + '.cnf.xml.enc.sgn'
    require(wait_file(d, enc), 'encrypt-config yes: %s appears in the tree' % enc,
            str(sorted(os.listdir(d.tree))))
    check(wait_file(d, PHONE + '.cnf.xml', present=False),
          'encrypt-config yes: the plain %s.cnf.xml is removed' % PHONE)
    check_encrypted(d, w, lsc1 + '.pem', lsc1 + '.key', 'LSC 1')
    # negative control: another RSA key does not recover the plaintext
    plain, _, _ = decrypt_enc_sgn(pt.tree_file(d, enc), lsc2 + '.key', w, 'wrongkey')
    check(plain is None, 'negative control: the other LSC key does not decrypt %s' % enc)

    # an EC LSC phone of the same profile gets no configuration file at all
    ctl_ok(d, 'capf', 'set', EC_PHONE, '--install', '--auth', 'null', '--key', 'ec:P-256')
    ecl = os.path.join(w, 'eclsc')
    j = phone.run(EC_PHONE, 'null', out=ecl)
    check(j['result'] == 'installed', '%s: EC P-256 LSC installed (auth null)' % EC_PHONE,
          outcome(j))
    ok, det = openssl_verify_cert(ca, ecl + '.pem')
    check(ok, 'openssl verify -CAfile state/ca/ca.pem: the EC LSC', det)
    check(((status(d, EC_PHONE, done('installed')).get('certificate') or {}).get('serial')) ==
          openssl_serial(ecl + '.pem'), 'capf status: %s holds the EC LSC' % EC_PHONE)
    ctl_ok(d, 'ctl', 'build')
    left = sorted(n for n in os.listdir(d.tree) if EC_PHONE[3:] in n)
    check(not [n for n in left if '.cnf.xml' in n],
          'EC LSC + encrypt-config: no .cnf.xml, .sgn or .enc.sgn for %s (fail closed)'
          % EC_PHONE, str(left))
    for n in ('.cnf.xml', '.cnf.xml.sgn', '.cnf.xml.enc.sgn'):
        err = pt.tftp_error(pt.tftp_raw(d.ports['tftp'], pt.rrq((EC_PHONE + n).encode())))
        check(err is not None and err[0] == 1, 'TFTP RRQ %s%s: ERROR 1' % (EC_PHONE, n),
              repr(err))

    # ---- 5. LSC and MIC authentication
    ctl_ok(d, 'capf', 'set', PHONE, '--install', '--auth', 'lsc')
    s = status(d, PHONE)
    check(s.get('auth') == 'lsc' and s.get('capf_auth_mode') == 3,
          'capf set --auth lsc: capfAuthMode 3', json.dumps(s))
    mic = pki.path(PHONE + '-mic-rsa')
    j = phone.run(PHONE, 'mic', cert=mic[0], key=mic[1], out=os.path.join(w, 'nope'))
    check(j['result'] == 'refused' and j['reason'] == 7,
          'auth lsc: a valid MIC is refused (LSC only), END_SESSION 7', outcome(j))
    ctl_ok(d, 'capf', 'set', EC_PHONE, '--install', '--auth', 'lsc', '--key', 'ec:P-256')
    j = phone.run(EC_PHONE, 'lsc', cert=lsc1 + '.pem', key=lsc1 + '.key',
                  out=os.path.join(w, 'nope'))
    check(j['result'] == 'refused' and j['reason'] == 7,
          '%s (auth lsc) presenting %s\'s LSC: END_SESSION 7 (CN must be the device)'
          % (EC_PHONE, PHONE), outcome(j))
    ctl_ok(d, 'capf', 'clear', EC_PHONE)
    lsc3 = os.path.join(w, 'lsc3')
    j = phone.run(PHONE, 'lsc', cert=lsc1 + '.pem', key=lsc1 + '.key', out=lsc3)
    check(j['result'] == 'installed' and j['reason'] == 1,
          'auth lsc with the LSC the phone got: a new LSC is installed', outcome(j))
    ok, det = openssl_verify_cert(ca, lsc3 + '.pem')
    check(ok, 'openssl verify -CAfile state/ca/ca.pem: the renewed LSC', det)
    ser3 = openssl_serial(lsc3 + '.pem')
    s = status(d, PHONE, done('installed'))
    check(ser3 not in (ser1, ser2) and cert_serial(d, PHONE) == ser3 and
          s.get('operation') == 'none' and s.get('last_result') == 'installed',
          'capf status: installed, operation none, the renewed LSC (%s)' % ser3, json.dumps(s))
    # the encrypted configuration follows the new certificate
    md5_3 = hashlib.md5(pt.cert_der(lsc3 + '.pem')).hexdigest()
    check(pt.wait(lambda: md5_3.encode() in pt.tree_file(d, PHONE + '.cnf.xml.sgn'), 10),
          'after the renewal the stub names the new LSC')
    check_encrypted(d, w, lsc3 + '.pem', lsc3 + '.key', 'LSC 3')

    # MIC authentication (RSA, from the mfg CA) and a MIC from the rogue CA
    ctl_ok(d, 'capf', 'set', MIC_PHONE, '--install', '--auth', 'mic', '--key', 'rsa:2048')
    mic = pki.path(MIC_PHONE + '-mic-rsa')
    rog = pki.path(MIC_PHONE + '-rogue')
    j = phone.run(MIC_PHONE, 'mic', cert=rog[0], key=rog[1], out=os.path.join(w, 'nope'))
    check(j['result'] == 'refused' and j['reason'] == 7,
          'auth mic with a MIC from the rogue CA: END_SESSION 7', outcome(j))
    s = status(d, MIC_PHONE)
    check(s.get('last_result') == 'authentication failed' and s.get('operation') == 'install',
          'capf status: rogue MIC -> "authentication failed", install stays', json.dumps(s))
    micl = os.path.join(w, 'miclsc')
    j = phone.run(MIC_PHONE, 'mic', cert=mic[0], key=mic[1], out=micl)
    check(j['result'] == 'installed' and j['reason'] == 1,
          'auth mic with the pki.py MIC: LSC installed', outcome(j))
    ok, det = openssl_verify_cert(ca, micl + '.pem')
    check(ok, 'openssl verify -CAfile state/ca/ca.pem: the LSC issued on MIC auth', det)
    status(d, MIC_PHONE, done('installed'))
    check(cert_serial(d, MIC_PHONE) == openssl_serial(micl + '.pem'),
          'capf status: %s holds the LSC issued on MIC auth' % MIC_PHONE)

    # mic_ca is read again on SIGHUP: without mfg-ec, an EC MIC is refused
    mic_ec = pki.path(MIC_PHONE + '-mic-ec')
    pt.set_conf(d, 'provisioning', 'mic_ca', pki.path('mfg')[0])
    m = pt.hup_rebuild(d)
    check('signatures made' in m.group(0), 'SIGHUP with mic_ca = mfg.pem only: reloaded',
          m.group(0))
    ctl_ok(d, 'capf', 'set', MIC_PHONE, '--install', '--auth', 'mic', '--key', 'ec:P-256')
    j = phone.run(MIC_PHONE, 'mic', cert=mic_ec[0], key=mic_ec[1], out=os.path.join(w, 'nope'))
    check(j['result'] == 'refused' and j['reason'] == 7,
          'after SIGHUP without mfg-ec.pem: the EC MIC is refused (END_SESSION 7)', outcome(j))
    pt.set_conf(d, 'provisioning', 'mic_ca', ', '.join(mic_cas))
    pt.hup_rebuild(d)
    j = phone.run(MIC_PHONE, 'mic', cert=mic_ec[0], key=mic_ec[1], out=micl + 'ec')
    check(j['result'] == 'installed' and j['reason'] == 1,
          'after SIGHUP with mfg-ec.pem back: the EC MIC enrols', outcome(j))

    # lsc-or-mic (capfAuthMode 3): the LSC and the MIC are both accepted
    ctl_ok(d, 'capf', 'set', MIC_PHONE, '--install', '--auth', 'lsc-or-mic', '--key',
           'rsa:2048')
    check(status(d, MIC_PHONE).get('capf_auth_mode') == 3, 'capf set --auth lsc-or-mic: '
          'capfAuthMode 3')
    j = phone.run(MIC_PHONE, 'lsc', cert=micl + '.pem', key=micl + '.key', out=micl + '2')
    check(j['result'] == 'installed' and j['reason'] == 1,
          'auth lsc-or-mic with the LSC: installed', outcome(j))
    status(d, MIC_PHONE, done('installed'))
    ctl_ok(d, 'capf', 'set', MIC_PHONE, '--install')
    j = phone.run(MIC_PHONE, 'mic', cert=mic[0], key=mic[1], out=micl + '3')
    check(j['result'] == 'installed' and j['reason'] == 1,
          'auth lsc-or-mic with the MIC: installed', outcome(j))
    status(d, MIC_PHONE, done('installed'))
    ctl_ok(d, 'capf', 'set', MIC_PHONE, '--install')
    j = phone.run(MIC_PHONE, 'mic', cert=rog[0], key=rog[1], out=os.path.join(w, 'nope'))
    check(j['result'] == 'refused' and j['reason'] == 7,
          'auth lsc-or-mic with the rogue MIC: END_SESSION 7', outcome(j))

    # ---- 3 (end). delete clears the certificate; encryption then fails closed
    ctl_ok(d, 'capf', 'set', PHONE, '--delete')     # auth stays lsc
    j = phone.run(PHONE, 'lsc', cert=lsc3 + '.pem', key=lsc3 + '.key')
    check(j['result'] == 'deleted' and j['reason'] == 1 and j['rc'] == 0,
          'delete: the phone is asked to delete its LSC, END_SESSION 1', outcome(j))
    s = status(d, PHONE, done('deleted'))
    check(s.get('certificate') is None and s.get('last_result') == 'deleted' and
          s.get('operation') == 'none',
          'capf status: deleted, operation none, no certificate', json.dumps(s))
    check(wait_file(d, enc, present=False) and
          wait_file(d, PHONE + '.cnf.xml.sgn', present=False) and
          not os.path.exists(os.path.join(d.tree, PHONE + '.cnf.xml')),
          'after the delete no configuration file is served for %s (fail closed)' % PHONE,
          str(sorted(n for n in os.listdir(d.tree) if MAC in n)))
    check(d.alive(), 'shieldlockd still running')


pt.main(test)
