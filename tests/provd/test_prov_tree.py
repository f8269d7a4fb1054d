#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The provisioning tree of a running shieldlockd, fetched and checked by
independent peers (docs/provisioning-tests.md):

  tftp-hpa, curl over TFTP and curl over HTTP return the tree's bytes; every
  .tlv/.sgn signature verifies with the openssl CLI alone (spec §8); the
  CTL/ITL records, parsed here (spec §3.2), carry the expected certificates
  and roles; shieldlockctl ctl verify accepts them and refuses a flipped
  byte; the cnf.xml has the spec §7 security elements; non-phones get no
  files; deleting a device removes its files; traversal and writes are
  refused; as root, the prov process is chrooted into the tree, runs as
  nobody and holds no key file; a rebuild with no change re-signs nothing.
"""
import json
import os
import pwd
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import provtest as pt  # noqa: E402
from provtest import check, require, log  # noqa: E402

MAC = '001122334455'
PHONE = 'SEP' + MAC
OTHER = 'lobby-gateway'
CNF = PHONE + '.cnf.xml'
SGN = CNF + '.sgn'
CTLSEP = 'CTLSEP%s.tlv' % MAC
ITLSEP = 'ITLSEP%s.tlv' % MAC
FETCH = ['CTLFile.tlv', 'ITLFile.tlv', CNF, SGN, CTLSEP, ITLSEP]
ROLE = {'SAST': 0, 'CCM': 1, 'TFTP': 3, 'CAPF': 4}


def test():
    pt.need_tools('openssl', 'tftp', 'curl')
    w = pt.workdir()
    d = pt.prov_daemon('prov-tree')
    port = d.ports['tftp']
    certs = os.path.join(d.state, 'certs')
    pub = {n: pt.pubkey_pem(os.path.join(certs, n + '.pem'), os.path.join(w, n + '.pub.pem'))
           for n in ('sast1', 'sast2', 'tftp')}
    cert = {n: pt.Cert(pt.cert_der(os.path.join(certs, n + '.pem')))
            for n in ('sast1', 'sast2', 'node', 'tftp', 'capf')}

    # ---- devices
    d.add_user('alice', 'Tr33-provisioning!')
    d.add_device(PHONE, 'alice', 'encrypted')
    d.add_device(OTHER, 'alice', 'non-secure')
    require(pt.wait(lambda: os.path.exists(os.path.join(d.tree, SGN)), 15),
            'device add builds %s' % SGN)
    names = sorted(n for n in os.listdir(d.tree) if not n.startswith('.'))
    check(names == sorted(FETCH), 'the tree holds exactly %s' % ', '.join(sorted(FETCH)),
          'tree: %s' % names)
    check(not any(OTHER.lower() in n.lower() for n in os.listdir(d.tree)),
          'no files for the non-phone device %s' % OTHER)
    for n in names:
        mode = os.stat(os.path.join(d.tree, n)).st_mode & 0o777
        check(mode == 0o644, '%s is mode 0644 (served files are world-readable)' % n,
              'mode %o' % mode)
    tree = {n: pt.tree_file(d, n) for n in FETCH}

    # ---- fetching: tftp-hpa, curl TFTP, curl HTTP
    for n in FETCH:
        r, data = pt.tftp_hpa_get(port, n, os.path.join(w, 'hpa.out'))
        check(data == tree[n], 'tftp-hpa get %s = tree bytes (%d)' % (n, len(tree[n])),
              (r.stdout + r.stderr).strip())
        rc, _, data = pt.curl_get('tftp://127.0.0.1:%d/%s' % (port, n), os.path.join(w, 'c.out'))
        check(rc == 0 and data == tree[n], 'curl tftp:// %s = tree bytes' % n, 'curl rc %d' % rc)
        rc, code, data = pt.curl_get('http://127.0.0.1:%d/%s' % (d.ports['http'], n),
                                     os.path.join(w, 'h.out'))
        check(rc == 0 and code == '200' and data == tree[n], 'curl http:// %s = tree bytes' % n,
              'curl rc %d, HTTP %s' % (rc, code))
    # netascii (RFC 1350): the server sends CR LF, tftp-hpa turns it back into LF
    r, data = pt.tftp_hpa_get(port, CNF, os.path.join(w, 'asc.out'), mode='netascii')
    check(data == tree[CNF], 'tftp-hpa netascii get %s = tree bytes' % CNF,
          (r.stdout + r.stderr).strip())
    rc, code, data = pt.curl_get('http://127.0.0.1:%d/%s' % (d.ports['http'], CNF),
                                 os.path.join(w, 'h.out'), ['-I'])
    check(rc == 0 and code == '200' and b'Content-Length: %d' % len(tree[CNF]) in (data or b''),
          'HTTP HEAD %s: 200 with Content-Length %d' % (CNF, len(tree[CNF])), repr(data))
    # a large block size (RFC 2348) through curl
    rc, _, data = pt.curl_get('tftp://127.0.0.1:%d/CTLFile.tlv' % port, os.path.join(w, 'c.out'),
                              ['--tftp-blksize', '1428'])
    check(rc == 0 and data == tree['CTLFile.tlv'], 'curl tftp:// with blksize 1428 = tree bytes')

    # ---- signatures with the openssl CLI only (spec §8)
    signer = {'CTLFile.tlv': 'sast1', 'ITLFile.tlv': 'sast1', CTLSEP: 'sast1', ITLSEP: 'sast1',
              SGN: 'tftp'}
    for n, who in sorted(signer.items()):
        ok, det = pt.openssl_verify(tree[n], pub[who], w, 'v')
        check(ok, 'openssl dgst -sha1 -verify %s.pem: %s' % (who, n), det)
        h = pt.parse_header(tree[n])
        check(h.serial == cert[who].serial, '%s: header SERIAL_NUMBER = %s serial' % (n, who),
              '%s != %s' % (h.serial.hex(), cert[who].serial.hex()))
        check(h.signer_name == cert[who].subject and h.issuer_name == cert[who].issuer,
              '%s: SIGNER_NAME/ISSUER_NAME = the %s certificate\'s DNs (spec §0)' % (n, who),
              '%r/%r vs %r/%r' % (h.signer_name, h.issuer_name, cert[who].subject,
                                  cert[who].issuer))
        check(h.hash == 1 and h.sig_len == 256, '%s: HASH_ALGORITHM 1, 256-byte signature' % n,
              'hash %d, %d bytes' % (h.hash, h.sig_len))
        check(h.header_length % 4 == 0, '%s: HEADER_LENGTH is a multiple of 4 (spec §2.2)' % n)
    # the negative control: openssl refuses a flipped byte in the body
    ok, _ = pt.openssl_verify(pt.flip(tree['CTLFile.tlv'], len(tree['CTLFile.tlv']) - 40),
                              pub['sast1'], w, 'neg')
    check(not ok, 'openssl refuses CTLFile.tlv with one flipped byte (the check can fail)')
    ok, _ = pt.openssl_verify(tree[SGN], pub['sast1'], w, 'neg2')
    check(not ok, 'openssl refuses %s with the SAST1 key instead of TFTP' % SGN)

    # ---- headers and records (spec §2.1, §3.2)
    expect = sorted([(ROLE['SAST'], cert['sast1'].der), (ROLE['SAST'], cert['sast2'].der),
                     (ROLE['CCM'], cert['node'].der), (ROLE['TFTP'], cert['tftp'].der),
                     (ROLE['CAPF'], cert['capf'].der)])
    names_of = {c.der: n for n, c in cert.items()}
    for n, fname in (('CTLFile.tlv', 'CTLFile.tlv'), ('ITLFile.tlv', 'ITLFile.tlv'),
                     (CTLSEP, 'CTLFile.tlv'), (ITLSEP, 'ITLFile.tlv')):
        h = pt.parse_header(tree[n])
        check(h.version == (1, 2), '%s: VERSION 1.2' % n, str(h.version))
        check(h.signer_version in ((1, 0), (1, 1)), '%s: SIGNER_VERSION 1.0 or 1.1' % n,
              str(h.signer_version))
        check(h.filename == fname, '%s: FILENAME %s' % (n, fname), repr(h.filename))
        try:
            recs = pt.parse_records(tree[n], h)
        except ValueError as e:
            check(False, '%s: records parse' % n, str(e))
            continue
        got = sorted((pt.role_of(r), r.get(9, b'')) for r in recs)
        check(got == expect, '%s: records = SAST sast1, SAST sast2, CCM node, TFTP tftp, '
              'CAPF capf (role codes and CERTIFICATE DER)' % n,
              'got %s' % [(ro, names_of.get(der, '?')) for ro, der in got])
        bad = []
        for r in recs:
            c = cert.get(names_of.get(r.get(9, b''), ''), None)
            if c is None:
                continue
            for tag, want, what in ((3, c.subject, 'SUBJECT_NAME'), (5, c.issuer, 'ISSUER_NAME')):
                if r.get(tag, b'').rstrip(b'\0').decode('utf-8', 'replace') != want:
                    bad.append('%s %s' % (names_of[c.der], what))
            if r.get(6) != c.serial:
                bad.append('%s SERIAL_NUMBER' % names_of[c.der])
            if r.get(7) != c.pubkey:
                bad.append('%s PUBLIC_KEY' % names_of[c.der])
            if r.get(8) != c.sigvalue:
                bad.append('%s SIGNATURE' % names_of[c.der])
        check(not bad, '%s: SUBJECT/ISSUER/SERIAL/PUBLIC_KEY/SIGNATURE match the certificates'
              % n, ', '.join(bad))
        if n == 'CTLFile.tlv':
            sast = [r for r in recs if pt.role_of(r) == 0 and r.get(6) == h.serial]
            check(len(sast) == 1, 'CTLFile.tlv: the header serial names one SAST record '
                  '(spec §3.3)')
    h = pt.parse_header(tree[SGN])
    check(h.version == (1, 0) and h.filename == SGN and h.signer_version is None,
          '%s: VERSION 1.0, FILENAME %s, no SIGNER_VERSION' % (SGN, SGN),
          '%s %r %s' % (h.version, h.filename, h.signer_version))
    check(h.body == tree[CNF], '%s body = %s bytes unchanged (spec §4)' % (SGN, CNF))

    # ---- shieldlockctl ctl verify
    for n in ('CTLFile.tlv', 'ITLFile.tlv', CTLSEP, ITLSEP):
        r = pt.ctl(d, 'ctl', 'verify', os.path.join(d.tree, n))
        check(r.returncode == 0, 'ctl verify %s accepts it' % n, r.stdout + r.stderr)
    for what, off in (('in a record', len(tree['CTLFile.tlv']) - 100),
                      ('in the signature', pt.parse_header(tree['CTLFile.tlv']).sig_off + 10)):
        p = os.path.join(w, 'flipped.tlv')
        with open(p, 'wb') as f:
            f.write(pt.flip(tree['CTLFile.tlv'], off))
        r = pt.ctl(d, 'ctl', 'verify', p)
        check(r.returncode != 0, 'ctl verify refuses CTLFile.tlv with a flipped byte %s' % what,
              r.stdout + r.stderr)
    r = pt.ctl(d, 'ctl', 'verify', os.path.join(d.tree, 'ITLFile.tlv'), '--previous',
               os.path.join(d.tree, 'CTLFile.tlv'))
    check(r.returncode == 0, 'ctl verify ITLFile.tlv --previous CTLFile.tlv (same signer)',
          r.stdout + r.stderr)

    # ---- cnf.xml (spec §7.1)
    try:
        root = ET.fromstring(tree[CNF])
    except ET.ParseError as e:
        root = None
        check(False, '%s is well-formed XML' % CNF, str(e))
    if root is not None:
        check(True, '%s is well-formed XML' % CNF)
        check(root.tag == 'device', '%s root element is <device>' % CNF, root.tag)
        check((root.findtext('deviceSecurityMode') or '').strip() == '3',
              'deviceSecurityMode 3 (profile encrypted)', root.findtext('deviceSecurityMode'))
        check((root.findtext('transportLayerProtocol') or '').strip() == '3',
              'transportLayerProtocol 3 (TLS)', root.findtext('transportLayerProtocol'))
        ssp = [e.text.strip() for e in root.iter('securedSipPort') if e.text]
        check(ssp and all(p == str(d.tls) for p in ssp),
              'securedSipPort = the daemon\'s TLS port %d' % d.tls, str(ssp))
        pp = [e.text.strip() for e in root.iter('phonePort') if e.text]
        check(pp == [str(d.ports['capf'])], 'capfList phonePort = the CAPF port %d'
              % d.ports['capf'], str(pp))

    # ---- refusals: traversal, unknown, hidden, writes
    passwd = open('/etc/passwd', 'rb').read()
    for name in ('../etc/passwd', '/etc/passwd', '../../../../../../etc/passwd',
                 '.shieldlock-manifest', 'nonexistent.xml'):
        r, data = pt.tftp_hpa_get(port, name, os.path.join(w, 'trav.out'))
        check(not data, 'tftp-hpa get %s is refused (no data)' % name,
              (r.stdout + r.stderr).strip())
        err = pt.tftp_error(pt.tftp_raw(port, pt.rrq(name.encode())))
        check(err is not None and err[0] in (1, 2),
              'raw RRQ %s gets ERROR 1 or 2' % name, 'answer: %r' % (err,))
    for url, codes in (('/../etc/passwd', ('400', '403', '404')),
                       ('/%2e%2e/etc/passwd', ('400',)),
                       ('//etc/passwd', ('400', '404')),
                       ('/.shieldlock-manifest', ('403', '404'))):
        rc, code, data = pt.curl_get('http://127.0.0.1:%d%s' % (d.ports['http'], url),
                                     os.path.join(w, 'h.out'), ['--path-as-is'])
        check(code in codes and data != passwd, 'HTTP GET %s refused (%s)' % (url, code),
              'HTTP %s' % code)
    # files an operator left in the tree: a symlink out of it, a private file
    os.symlink('/etc/passwd', os.path.join(d.tree, 'evil.xml'))
    with open(os.path.join(d.tree, 'secret-test.key'), 'w') as f:
        f.write('test secret\n')
    os.chmod(os.path.join(d.tree, 'secret-test.key'), 0o600)
    for name in ('evil.xml', 'secret-test.key'):
        err = pt.tftp_error(pt.tftp_raw(port, pt.rrq(name.encode())))
        check(err is not None and err[0] == 2, 'TFTP RRQ %s (symlink / mode 0600) gets ERROR 2'
              % name, repr(err))
        rc, code, data = pt.curl_get('http://127.0.0.1:%d/%s' % (d.ports['http'], name),
                                     os.path.join(w, 'h.out'))
        check(code == '403' and data != passwd, 'HTTP GET %s gets 403' % name, 'HTTP %s' % code)
    os.unlink(os.path.join(d.tree, 'evil.xml'))
    os.unlink(os.path.join(d.tree, 'secret-test.key'))
    # writes
    up = os.path.join(w, 'upload.txt')
    with open(up, 'wb') as f:
        f.write(b'not allowed\n')
    r = pt.run(['tftp', '-m', 'binary', '127.0.0.1', str(port), '-c', 'put', up, 'upload.txt'],
               text=True, timeout=40)
    check(not os.path.exists(os.path.join(d.tree, 'upload.txt')),
          'tftp-hpa put is refused: upload.txt not created', (r.stdout + r.stderr).strip())
    check('rror' in (r.stdout + r.stderr), 'tftp-hpa put reports the server\'s error',
          (r.stdout + r.stderr).strip())
    err = pt.tftp_error(pt.tftp_raw(port, pt.rrq(b'upload2.txt', op=2)))
    check(err is not None and err[0] == 2, 'raw WRQ gets ERROR 2 (access violation)', repr(err))
    err = pt.tftp_error(pt.tftp_raw(port, pt.rrq(SGN.encode(), op=2)))
    check(err is not None and tree[SGN] == pt.tree_file(d, SGN),
          'WRQ for an existing file is refused and changes nothing', repr(err))
    rc, code, _ = pt.curl_get('http://127.0.0.1:%d/upload3.txt' % d.ports['http'],
                              os.path.join(w, 'h.out'), ['-T', up])
    check(code == '405' and not os.path.exists(os.path.join(d.tree, 'upload3.txt')),
          'HTTP PUT gets 405 and creates nothing', 'HTTP %s' % code)

    # ---- the prov process (root only)
    # (unprivileged, the prov process is not chrooted and not dumpable: its
    # /proc entries are unreadable, so it cannot be told apart from the others)
    pid = pt.prov_pid(d) if os.geteuid() == 0 else None
    if os.geteuid() != 0:
        log('NOTE  not root: the chroot/uid checks of the prov process are skipped')
    elif check(pid is not None, 'the prov process is found (child of shieldlockd in the tree)'):
        nobody = pwd.getpwnam('nobody').pw_uid
        uids = pt.proc_uid(pid)
        check(uids and all(u == nobody for u in uids), 'prov process runs as nobody (uid %d)'
              % nobody, 'Uid: %s' % uids)
        status = dict(l.split(':', 1) for l in open('/proc/%d/status' % pid) if ':' in l)
        gids = [int(x) for x in status.get('Gid', '').split()]
        groups = [int(x) for x in status.get('Groups', '').split()]
        check(gids and 0 not in gids and 0 not in groups,
              'prov process has no root gid or supplementary group 0',
              'Gid: %s Groups: %s' % (gids, groups))
        check(all(int(status.get(k, '1').strip(), 16) == 0 for k in ('CapEff', 'CapPrm')),
              'prov process has no capabilities (CapEff = CapPrm = 0)',
              'CapEff %s CapPrm %s' % (status.get('CapEff', '').strip(),
                                       status.get('CapPrm', '').strip()))
        root = os.readlink('/proc/%d/root' % pid)
        check(os.path.realpath(root) == os.path.realpath(d.tree),
              '/proc/PID/root of the prov process is the tree', root)
        fds = []
        for fd in os.listdir('/proc/%d/fd' % pid):
            try:
                fds.append(os.readlink('/proc/%d/fd/%s' % (pid, fd)))
            except OSError:
                pass
        check(not [f for f in fds if f.endswith('.key') or '/private/' in f],
              'the prov process holds no private key file open', '\n'.join(fds))
        check(not [f for f in fds if f.endswith('.db') or '.db-' in f],
              'the prov process holds no store file open', '\n'.join(fds))

    # ---- a rebuild with no change re-signs nothing
    def snap():
        out = {}
        for n in os.listdir(d.tree):
            if n.startswith('.'):
                continue
            p = os.path.join(d.tree, n)
            with open(p, 'rb') as f:
                out[n] = (f.read(), os.stat(p).st_mtime_ns, os.stat(p).st_ino)
        return out
    before = snap()
    mark = d.mark()
    r = pt.ctl(d, 'ctl', 'build')
    check(r.returncode == 0, 'ctl build succeeds', r.stdout + r.stderr)
    check(' 0 signatures made' in r.stdout, 'ctl build reports 0 signatures made', r.stdout)
    after = snap()
    check(sorted(before) == sorted(after), 'ctl build with no change: same file set')
    same_bytes = [n for n in before if n in after and before[n][0] == after[n][0]]
    check(len(same_bytes) == len(before), 'ctl build with no change: every file byte-identical',
          'changed: %s' % sorted(set(before) - set(same_bytes)))
    ts = [n for n in before if n.endswith(('.tlv', '.sgn')) and n in after and
          pt.parse_header(before[n][0]).timestamp == pt.parse_header(after[n][0]).timestamp]
    check(len(ts) == len([n for n in before if n.endswith(('.tlv', '.sgn'))]),
          'ctl build with no change: header TIMESTAMPs unchanged')
    check(all(before[n][1:] == after[n][1:] for n in before if n in after),
          'ctl build with no change: mtime and inode unchanged (nothing rewritten)',
          ', '.join(n for n in before if n in after and before[n][1:] != after[n][1:]))
    check(d.wait_log(r'provisioning tree .* 0 files written.* 0 signatures made', 5, since=mark,
                     must=False) is not None,
          'the daemon logs 0 files written, 0 signatures made for the rebuild')

    # ---- a change re-signs only the files that depend on it
    # (the line's digest password is in the plain cnf.xml: the spec's warning case)
    d.ctl('user', 'passwd', 'alice', '--password-stdin', stdin='N3w-secret-42\n', json_out=False)
    pt.wait(lambda: b'N3w-secret-42' in pt.tree_file(d, CNF), 10)
    changed = snap()
    check(b'N3w-secret-42' in changed[CNF][0], 'user passwd reaches %s (authPassword)' % CNF)
    h = pt.parse_header(changed[SGN][0])
    check(h.body == changed[CNF][0], '%s re-signed over the new %s' % (SGN, CNF))
    ok, det = pt.openssl_verify(changed[SGN][0], pub['tftp'], w, 'v2')
    check(ok, 'openssl verifies the re-signed %s' % SGN, det)
    check(all(changed[n][1:] == after[n][1:] for n in
              ('CTLFile.tlv', 'ITLFile.tlv', CTLSEP, ITLSEP)),
          'the trust lists are not rewritten for a password change')

    # ---- a change to one device rebuilds that device's files only
    MAC2 = '00112233BB01'
    PHONE2 = 'SEP' + MAC2
    CNF2 = PHONE2 + '.cnf.xml'

    def alice_files(snapshot):
        return {n: v[1:] for n, v in snapshot.items() if MAC in n}
    base = snap()
    d.add_user('bob', 'Tr33-provisioning-b!')
    mark = d.mark()
    d.add_device(PHONE2, 'bob', 'authenticated')
    check(d.wait_log(r'provisioning tree .*: device %s: 4 files put, 0 removed; '
                     r'1 signatures made' % PHONE2, 10, since=mark, must=False) is not None,
          'device add: the daemon builds that device\'s 4 files (one signature), '
          'not the whole tree')
    now = snap()
    check(sorted(n for n in now if MAC2 in n) ==
          sorted([CNF2, CNF2 + '.sgn', 'CTLSEP%s.tlv' % MAC2, 'ITLSEP%s.tlv' % MAC2]),
          'device add: %s, .sgn, CTLSEP and ITLSEP of the new phone are in the tree' % CNF2,
          str(sorted(n for n in now if MAC2 in n)))
    check(alice_files(now) == alice_files(base) and
          all(now[n][1:] == base[n][1:] for n in ('CTLFile.tlv', 'ITLFile.tlv')),
          'device add: the other phone\'s files and the common lists are not rewritten')
    d.ctl('user', 'passwd', 'bob', '--password-stdin', stdin='B0b-secret-77\n', json_out=False)
    pt.wait(lambda: b'B0b-secret-77' in pt.tree_file(d, CNF2), 10)
    after_pw = snap()
    check(b'B0b-secret-77' in after_pw[CNF2][0] and
          pt.parse_header(after_pw[CNF2 + '.sgn'][0]).body == after_pw[CNF2][0],
          'user passwd bob: bob\'s phone gets the new password, signed')
    check(alice_files(after_pw) == alice_files(base),
          'user passwd bob: alice\'s phone files are not rewritten')
    def mode2():
        try:
            return (ET.fromstring(pt.tree_file(d, CNF2)).findtext('deviceSecurityMode')
                    or '').strip()
        except (ET.ParseError, TypeError, OSError):
            return None
    check(mode2() == '2', '%s of the authenticated phone says deviceSecurityMode 2' % CNF2,
          repr(mode2()))
    d.ctl('device', 'set', PHONE2, '--profile', 'encrypted', json_out=False)
    check(pt.wait(lambda: mode2() == '3', 10),
          'device set --profile encrypted: %s says deviceSecurityMode 3' % CNF2)
    mark = d.mark()
    d.ctl('device', 'del', PHONE2, json_out=False)
    check(pt.wait(lambda: not [n for n in os.listdir(d.tree) if MAC2 in n], 10),
          'device del: every file of %s is removed' % PHONE2,
          str([n for n in os.listdir(d.tree) if MAC2 in n]))
    check(d.wait_log(r'deleted device %s: 0 files put, 4 removed' % PHONE2, 10, since=mark,
                     must=False) is not None, 'device del: the daemon logs 4 files removed')
    gone = snap()
    check(alice_files(gone) == alice_files(base),
          'device del: the other phone\'s files are not rewritten')
    r = pt.ctl(d, 'ctl', 'build')
    check(r.returncode == 0 and ' 0 files written' in r.stdout and ' 0 removed' in r.stdout and
          ' 0 signatures made' in r.stdout,
          'after the per-device changes a whole ctl build writes, removes and signs nothing '
          '(the per-device path left the tree a whole build makes)', r.stdout + r.stderr)

    # ---- encrypted configuration without a phone certificate: fail closed (spec §5)
    r = pt.ctl(d, 'profile', 'set', 'encrypted', '--encrypt-config', 'yes')
    if r.returncode != 0:
        log('NOTE  profile set --encrypt-config is not available (%s): skipped'
            % (r.stdout + r.stderr).strip())
    else:
        check(True, 'profile set encrypted --encrypt-config yes')
        pt.wait(lambda: not os.path.exists(os.path.join(d.tree, CNF)), 10)
        left = sorted(n for n in os.listdir(d.tree) if MAC in n)
        check(CNF not in left and SGN not in left and CNF + '.enc.sgn' not in left,
              'encrypt-config on, no phone certificate: no %s, .sgn or .enc.sgn is offered '
              '(the password never goes out in the clear)' % CNF, str(left))
        check(CTLSEP in left and ITLSEP in left, 'the per-phone trust lists stay', str(left))
        err = pt.tftp_error(pt.tftp_raw(port, pt.rrq(CNF.encode())))
        check(err is not None and err[0] == 1, 'TFTP RRQ %s: ERROR 1' % CNF, repr(err))
        r = pt.ctl(d, 'profile', 'set', 'encrypted', '--encrypt-config', 'no')
        check(r.returncode == 0 and pt.wait(lambda: os.path.exists(os.path.join(d.tree, SGN)),
                                            10),
              'encrypt-config back to no: %s is offered again' % SGN, r.stdout + r.stderr)

    # ---- the operator's view of the servers: shieldlockctl prov status
    r = pt.ctl(d, '--json', 'prov', 'status')
    try:
        st_ = json.loads(r.stdout)
    except ValueError:
        st_ = {}
    check(st_.get('tftp', {}).get('on') and st_['tftp'].get('completed', 0) >= 3 and
          st_['tftp'].get('bytes', 0) > 0,
          'prov status: TFTP on, the completed transfers and bytes are counted', r.stdout)
    http = st_.get('http', {})
    check(http.get('ok', 0) >= 1 and http.get('bad_request', 0) + http.get('forbidden', 0) >= 2,
          'prov status: HTTP answers and the refused traversal/symlink requests are counted',
          r.stdout)
    check(st_.get('capf', {}).get('on') is True, 'prov status: CAPF is on', r.stdout)

    # ---- a restart with no change re-signs nothing either
    before = snap()
    d.stop()
    d.start(timeout=60)
    after = snap()
    check(sorted(before) == sorted(after) and
          all(before[n] == after[n] for n in before),
          'restart with no change: every file byte-identical, same mtime and inode',
          ', '.join(n for n in before if before[n] != after.get(n)))
    check(pt.wait(lambda: pt.tftp_hpa_get(port, 'CTLFile.tlv', os.path.join(w, 'r.out'))[1] ==
                  after['CTLFile.tlv'][0], 10),
          'after the restart TFTP serves CTLFile.tlv again')

    # ---- deleting the device removes its files
    d.ctl('device', 'del', PHONE, json_out=False)
    gone = pt.wait(lambda: not [n for n in os.listdir(d.tree) if MAC in n], 10)
    check(gone, 'device del removes %s\'s files from the tree' % PHONE,
          str([n for n in os.listdir(d.tree) if MAC in n]))
    check(os.path.exists(os.path.join(d.tree, 'CTLFile.tlv')) and
          os.path.exists(os.path.join(d.tree, 'ITLFile.tlv')),
          'CTLFile.tlv and ITLFile.tlv stay after the device is deleted')
    err = pt.tftp_error(pt.tftp_raw(port, pt.rrq(SGN.encode())))
    check(err is not None and err[0] == 1, 'TFTP RRQ %s after delete: ERROR 1 file not found'
          % SGN, repr(err))
    rc, code, _ = pt.curl_get('http://127.0.0.1:%d/%s' % (d.ports['http'], CNF),
                              os.path.join(w, 'h.out'))
    check(code == '404', 'HTTP GET %s after delete: 404' % CNF, 'HTTP %s' % code)
    check(d.alive(), 'shieldlockd still running')


pt.main(test)
