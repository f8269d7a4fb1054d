#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The provisioning part of the README demo (docs/provisioning.md).

One phone identity is enrolled through CAPF and then fetches and checks its
provisioning files, as a phone would:

  1. shieldlockd starts with provisioning on (first start: CA, SAST 1/2, TFTP
     and CAPF keys and certificates);
  2. the operator adds a line user and the phone SEP0011223344AA, asks for
     encrypted configuration in its security profile and schedules a CAPF
     install authenticated by a one-time authentication string;
  3. tests/capfclient/capf_client.py plays the phone: TLS to CAPF on the
     appliance, trusting only the CAPF certificate; it proves itself with
     the string, generates an RSA 2048 key and receives its LSC;
  4. the phone fetches CTLFile.tlv and its configuration over TFTP (tftp-hpa):
     the trust list verifies with shieldlockctl ctl verify and with openssl;
     the signed stub says the configuration is encrypted; the .enc.sgn
     verifies with the TFTP certificate and decrypts with the phone's new
     key using only the openssl command line (spec §8).

Exit 0 when every step worked, 1 otherwise, 77 when a tool is missing.
"""
import hashlib
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import provtest as pt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, '..', 'capfclient', 'capf_client.py')
PHONE = 'SEP0011223344AA'
PASSWORD = 'demo-alice-line'
CAPF_STRING = '4711'


def step(text):
    print('\n-- ' + text, flush=True)


def show(cmd, **kw):
    """Runs cmd, prints it and its output, returns the CompletedProcess."""
    print('$ ' + ' '.join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    out = (r.stdout + r.stderr).rstrip()
    if out:
        print('   ' + out.replace('\n', '\n   '), flush=True)
    return r


def ctl(d, *args, stdin=None):
    return show([d.ctlbin, '--daemon-socket', d.admin] + list(args), input=stdin)


def decrypt_enc_sgn(buf, key, work):
    """spec §8: unwrap the AES key with openssl pkeyutl, decrypt with openssl enc."""
    h = pt.parse_header(buf)
    f = h.fields
    wrapped, iv = f[25], f[19]
    pad = struct.unpack('!H', f[20])[0]
    with open(os.path.join(work, 'wrapped.bin'), 'wb') as o:
        o.write(wrapped)
    with open(os.path.join(work, 'body.bin'), 'wb') as o:
        o.write(h.body)
    aes = subprocess.run(['openssl', 'pkeyutl', '-decrypt', '-inkey', key, '-in',
                          os.path.join(work, 'wrapped.bin'), '-pkeyopt',
                          'rsa_padding_mode:pkcs1'], capture_output=True, check=True).stdout
    plain = subprocess.run(['openssl', 'enc', '-d', '-aes-128-cbc', '-K', aes.hex(), '-iv',
                            iv.hex(), '-nopad', '-in', os.path.join(work, 'body.bin')],
                           capture_output=True, check=True).stdout
    if pad < 1 or pad > 16 or plain[-pad:] != b'\r' * pad:
        raise ValueError('padding is not %d bytes of 0x0D' % pad)
    plain = plain[:-pad]
    digest = hashlib.sha512(plain) if f.get(26, b'\x01')[0] == 3 else hashlib.sha1(plain)
    if digest.digest() != f[27]:
        raise ValueError('ENCRYPTION_HASH does not match the decrypted configuration')
    return plain


def demo():
    pt.need_tools('tftp', 'openssl')
    work = pt.workdir('sl-enroll-demo-')

    step('1. shieldlockd with provisioning (CAPF, TFTP, HTTP on loopback ports)')
    d = pt.prov_daemon('enroll-demo')
    print('   CAPF on 127.0.0.1:%d, TFTP on 127.0.0.1:%d; state in %s'
          % (d.ports['capf'], d.ports['tftp'], d.state))
    ctl(d, 'cert', 'list')

    step('2. the operator: a line user, the phone, encrypted configuration, a CAPF install')
    r1 = ctl(d, 'user', 'add', 'alice', '--display', 'Alice', '--password-stdin',
             stdin=PASSWORD + '\n')
    r2 = ctl(d, 'device', 'add', PHONE, '--user', 'alice', '--profile', 'encrypted')
    r3 = ctl(d, 'profile', 'set', 'encrypted', '--encrypt-config', 'yes')
    r4 = ctl(d, 'capf', 'set', PHONE, '--install', '--auth', 'password', '--key', 'rsa:2048',
             '--password-stdin', stdin=CAPF_STRING + '\n')
    pt.check(all(r.returncode == 0 for r in (r1, r2, r3, r4)), 'the operator commands work')
    ctl(d, 'capf', 'status', PHONE)

    step('3. the phone enrolls through CAPF (capf_client.py plays the phone)')
    pwfile = os.path.join(work, 'capf-string')
    with open(pwfile, 'w') as f:
        f.write(CAPF_STRING + '\n')
    key, cert = os.path.join(work, 'phone.key'), os.path.join(work, 'phone.pem')
    r = show(['/usr/bin/python3', CLIENT, '--host', '127.0.0.1', '--port', str(d.ports['capf']),
              '--cafile', os.path.join(d.state, 'certs', 'capf.pem'), '--device', PHONE,
              '--auth', 'password', '--password-file', pwfile, '--out-key', key,
              '--out-cert', cert])
    pt.require(r.returncode == 0 and os.path.exists(cert), 'the phone received its LSC')
    r = show(['openssl', 'verify', '-CAfile', os.path.join(d.state, 'ca', 'ca.pem'), cert])
    pt.check(r.returncode == 0, 'the LSC verifies with the appliance CA (openssl verify)')
    show(['openssl', 'x509', '-in', cert, '-noout', '-subject', '-issuer', '-enddate'])
    ctl(d, 'capf', 'status', PHONE)
    pt.wait(lambda: os.path.exists(os.path.join(d.tree, PHONE + '.cnf.xml.enc.sgn')), 10)

    step('4. the phone fetches its trust list and configuration over TFTP and checks them')
    files = {}
    for name in ('CTLFile.tlv', PHONE + '.cnf.xml.sgn', PHONE + '.cnf.xml.enc.sgn'):
        out = os.path.join(work, name)
        _, data = pt.tftp_hpa_get(d.ports['tftp'], name, out)
        pt.check(bool(data), 'tftp get %s (%d bytes)' % (name, len(data or b'')))
        files[name] = out
    r = ctl(d, 'ctl', 'verify', files['CTLFile.tlv'])
    pt.check(r.returncode == 0, 'CTLFile.tlv: signed by its SAST record (shieldlockctl ctl verify)')
    sast_pub = pt.pubkey_pem(os.path.join(d.state, 'certs', 'sast1.pem'),
                             os.path.join(work, 'sast1.pub'))
    ok, det = pt.openssl_verify(open(files['CTLFile.tlv'], 'rb').read(), sast_pub, work, 'ctl')
    pt.check(ok, 'CTLFile.tlv: openssl dgst -verify with the SAST 1 certificate', det)
    tftp_pub = pt.pubkey_pem(os.path.join(d.state, 'certs', 'tftp.pem'),
                             os.path.join(work, 'tftp.pub'))
    for name in (PHONE + '.cnf.xml.sgn', PHONE + '.cnf.xml.enc.sgn'):
        ok, det = pt.openssl_verify(open(files[name], 'rb').read(), tftp_pub, work, name[-7:])
        pt.check(ok, '%s: openssl dgst -verify with the TFTP certificate' % name, det)
    stub = pt.parse_header(open(files[PHONE + '.cnf.xml.sgn'], 'rb').read()).body
    print('   the signed stub:\n   ' + stub.decode().strip().replace('\n', '\n   '))
    pt.check(b'<encrConfig>true</encrConfig>' in stub,
             'the stub tells the phone its configuration is encrypted')
    plain = decrypt_enc_sgn(open(files[PHONE + '.cnf.xml.enc.sgn'], 'rb').read(), key, work)
    root = ET.fromstring(plain)
    pt.check(root.tag == 'device' and root.findtext('deviceSecurityMode') == '3',
             'the .enc.sgn decrypts with the phone key (openssl pkeyutl + enc): '
             'deviceSecurityMode 3')
    pw = root.findtext('.//authPassword')
    pt.check(pw == PASSWORD, 'the decrypted configuration carries the line password, '
             'which never left the appliance in clear')
    print('   decrypted: %d bytes, transport %s, secured SIP port %s, capfAuthMode %s'
          % (len(plain), root.findtext('transportLayerProtocol'),
             root.findtext('.//securedSipPort'), root.findtext('capfAuthMode')))
    r, data = pt.tftp_hpa_get(d.ports['tftp'], PHONE + '.cnf.xml',
                              os.path.join(work, 'plain.xml'))
    pt.check(not data, 'the plain %s.cnf.xml is not served any more' % PHONE,
             (r.stdout + r.stderr).strip())
    d.stop()


if __name__ == '__main__':
    pt.main(demo)
