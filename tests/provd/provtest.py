# SPDX-License-Identifier: BSD-3-Clause
"""Shared pieces of the provisioning integration tests (docs/provisioning-tests.md).

The daemon harness (Daemon, free_port, main, ...) is tests/sipd/sipdtest.py,
imported, not copied. What is added here is written independently of
shieldlockd's C code, from /work/shared/specs/cisco-phone-security.md:

  - a parser of the common signed-file header (spec §2.1) and of CTL/ITL
    records (spec §3.2), in plain Python byte slicing;
  - a minimal DER reader for X.509 certificates (serial, names, public key,
    signatureValue), so records are compared with the certificate files
    without going through the code under test;
  - signature checks with ONLY the openssl command line (spec §8): the
    SIGNATURE TLV is cut out and `openssl dgst -sha1|-sha512 -verify` runs
    over the rest;
  - fetching with tftp-hpa (`tftp`), curl over TFTP and curl over HTTP.

Checks print one line each, "PASS  what" or "FAIL  what"; a summary line
follows at the end. Exit status: 0 pass, 1 fail, 77 skip.
"""
import base64
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'sipd'))
import sipdtest as st  # noqa: E402  (tests/sipd/sipdtest.py)

Skip = st.Skip
Fatal = st.Fatal
log = st.log
SKIP = st.SKIP

_count = {'pass': 0, 'fail': 0, 'xfail': 0}
_xfail = []


def check(cond, what, detail=''):
    """A soft check (one PASS/FAIL line); failures make the test fail."""
    if cond:
        log('PASS  ' + what)
        _count['pass'] += 1
    else:
        log('FAIL  ' + what + (('\n      ' + str(detail).replace('\n', '\n      '))
                               if detail else ''))
        _count['fail'] += 1
        st._failures.append(what)
    return bool(cond)


def xcheck(cond, what, bug, detail=''):
    """A check of a known bug (/tmp/shieldlock-bugs.md entry `bug`): printed as
    XFAIL and not counted as a failure while the bug is open; XPASS once fixed."""
    if cond:
        log('XPASS ' + what + ' (bug "%s" seems fixed: make this a check())' % bug)
        _count['pass'] += 1
    else:
        log('XFAIL ' + what + ' (known bug: %s)' % bug +
            (('\n      ' + str(detail).replace('\n', '\n      ')) if detail else ''))
        _count['xfail'] += 1
        _xfail.append(what)
    return bool(cond)


def require(cond, what, detail=''):
    if not check(cond, what, detail):
        raise Fatal(what)


def need_tools(*tools):
    for t in tools:
        if not shutil.which(t):
            raise Skip('%s is not installed' % t)


def _summary():
    log('\nsummary: %d passed, %d failed, %d expected failures (known bugs)%s'
        % (_count['pass'], _count['fail'], _count['xfail'],
           (': ' + '; '.join(_xfail)) if _xfail else ''))


def main(fn):
    st.at_exit(_summary)
    st.main(fn)


def run(cmd, input=None, timeout=30, text=False, cwd=None, env=None):
    return subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, text=text,
                          cwd=cwd, env=env)


# ---------------------------------------------------------------- daemon

def prov_body(extra=''):
    """A [provisioning] body on free loopback ports: TFTP on UDP P, HTTP on TCP P,
    CAPF on TCP P+1 (free_port checks TCP P, P+1 and UDP P)."""
    p = st.free_port(2, udp=True)
    ports = {'tftp': p, 'http': p, 'capf': p + 1}
    body = ('enabled = yes\nlisten_tftp = 127.0.0.1:%d\nlisten_http = 127.0.0.1:%d\n'
            'listen_capf = 127.0.0.1:%d\n%s' % (p, p, p + 1, extra))
    return body, ports


def prov_daemon(name='prov', extra_prov='', keys='', general='', start=True):
    """A shieldlockd (cluster_security_mode mixed, the default) with provisioning on.
    keys: the body of a [keys] section (appended to the configuration)."""
    body, ports = prov_body(extra_prov)
    d = st.Daemon(name, general=general, prov=body, start=False)
    d.ports = ports
    d.tree = os.path.join(d.state, 'tftp')
    if keys:
        with open(d.conf, 'a') as f:
            f.write('[keys]\n' + keys)
    if start:
        d.start(timeout=60)
    return d


def set_conf(d, section, key, value):
    """Sets key = value in [section] of d's configuration file (adds it if missing)."""
    with open(d.conf) as f:
        text = f.read()
    m = re.search(r'(?m)^\[%s\]\n' % re.escape(section), text)
    if not m:
        text += '[%s]\n%s = %s\n' % (section, key, value)
    else:
        end = text.find('\n[', m.end())
        end = len(text) if end < 0 else end + 1
        sect = text[m.end():end]
        line = re.compile(r'(?m)^%s\s*=.*\n?' % re.escape(key))
        if line.search(sect):
            sect = line.sub('%s = %s\n' % (key, value), sect, count=1)
        else:
            sect = sect + ('' if sect.endswith('\n') or not sect else '\n') + \
                '%s = %s\n' % (key, value)
        text = text[:m.end()] + sect + text[end:]
    with open(d.conf, 'w') as f:
        f.write(text)


def hup_rebuild(d, timeout=30):
    """SIGHUP, then wait for the provisioning rebuild that follows the reload.
    The log line (a match object): the rebuild summary, or the reload's error."""
    mark = d.mark()
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log(r'SIGHUP: reloading', timeout, since=mark, what='SIGHUP reload')
    return d.wait_log(r'provisioning tree .*signatures made.*|provisioning reload: .*|'
                      r'reload refused.*', timeout, since=mark,
                      what='provisioning rebuild after SIGHUP')


def tree_file(d, name):
    with open(os.path.join(d.tree, name), 'rb') as f:
        return f.read()


def children(pid):
    out = []
    for e in os.listdir('/proc'):
        if not e.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % e) as f:
                s = f.read()
            ppid = int(s[s.rindex(')') + 2:].split()[1])
        except (OSError, ValueError):
            continue
        if ppid == pid:
            out.append(int(e))
    return out


def prov_pid(d):
    """The prov child: a child of the daemon whose root is the tree (as root)
    or, when not chrooted, whose cwd is the tree."""
    tree = os.path.realpath(d.tree)
    for c in children(d.proc.pid):
        for link in ('root', 'cwd'):
            try:
                if os.path.realpath(os.readlink('/proc/%d/%s' % (c, link))) == tree:
                    return c
            except OSError:
                pass
    return None


def proc_uid(pid):
    with open('/proc/%d/status' % pid) as f:
        for l in f:
            if l.startswith('Uid:'):
                return [int(x) for x in l.split()[1:]]
    return None


# ---------------------------------------------------------------- fetching

def tftp_hpa_get(port, name, out, mode='binary'):
    """tftp-hpa; it prints errors but may exit 0, so callers compare the file."""
    if os.path.exists(out):
        os.unlink(out)
    r = run(['tftp', '-m', mode, '127.0.0.1', str(port), '-c', 'get', name, out], timeout=40,
            text=True)
    data = None
    if os.path.exists(out):
        with open(out, 'rb') as f:
            data = f.read()
    return r, data


def curl_get(url, out, extra=()):
    """(curl exit code, http_code or '', body or None)."""
    if os.path.exists(out):
        os.unlink(out)
    r = run(['curl', '-s', '--max-time', '20', '-o', out, '-w', '%{http_code}'] + list(extra)
            + [url], timeout=40, text=True)
    data = None
    if os.path.exists(out):
        with open(out, 'rb') as f:
            data = f.read()
    return r.returncode, r.stdout.strip(), data


def tftp_raw(port, packet, timeout=5.0):
    """Sends one packet to the TFTP server port; the first answer (bytes) or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(packet, ('127.0.0.1', port))
        try:
            data, _ = s.recvfrom(70000)
        except socket.timeout:
            return None
        return data
    finally:
        s.close()


def rrq(name, mode=b'octet', op=1):
    return struct.pack('!H', op) + name + b'\0' + mode + b'\0'


def tftp_error(pkt):
    """(code, message) of an ERROR packet, else None."""
    if pkt and len(pkt) >= 4 and struct.unpack('!H', pkt[:2])[0] == 5:
        return struct.unpack('!H', pkt[2:4])[0], pkt[4:].split(b'\0')[0].decode('latin-1')
    return None


# ---------------------------------------------------------------- spec §2: header

CONTAINERS = (3, 7, 9, 16, 17, 21)


class Header:
    pass


def parse_header(buf):
    """Spec §2.1 reading rules. Raises ValueError on a malformed header."""
    h = Header()
    if len(buf) < 10 or buf[0] != 1 or buf[1:3] != b'\x00\x02' or buf[5] != 2 or \
            buf[6:8] != b'\x00\x02':
        raise ValueError('the file does not start with VERSION and HEADER_LENGTH')
    h.version = (buf[3], buf[4])
    h.header_length = struct.unpack('!H', buf[8:10])[0]
    if h.header_length > len(buf):
        raise ValueError('HEADER_LENGTH %d beyond the end of the file (%d bytes)'
                         % (h.header_length, len(buf)))
    h.fields = {}
    h.sig_off = None
    off = 10
    while off < h.header_length:
        tag = buf[off]
        if tag == 0x0D:
            off += 1
            continue
        if off + 3 > h.header_length:
            raise ValueError('truncated TLV at %d' % off)
        ln = struct.unpack('!H', buf[off + 1:off + 3])[0]
        if tag in CONTAINERS:
            h.fields.setdefault(tag, buf[off + 3:off + 3 + ln])
            off += 3
            continue
        if off + 3 + ln > h.header_length:
            raise ValueError('TLV %d at %d runs past the header' % (tag, off))
        if tag == 12:
            h.sig_off = off
            h.sig_len = ln
        h.fields.setdefault(tag, buf[off + 3:off + 3 + ln])
        off += 3 + ln
    if h.sig_off is None:
        raise ValueError('no SIGNATURE TLV in the header')
    f = h.fields
    h.hash = f.get(8, b'\x00')[0]
    h.filename = f.get(14, b'').rstrip(b'\0').decode('utf-8', 'replace')
    h.timestamp = struct.unpack('!I', f[15])[0] if len(f.get(15, b'')) == 4 else None
    h.serial = f.get(5, b'')
    h.signer_name = f.get(4, b'').rstrip(b'\0').decode('utf-8', 'replace')
    h.issuer_name = f.get(6, b'').rstrip(b'\0').decode('utf-8', 'replace')
    h.signer_version = tuple(f[28]) if 28 in f else None
    h.signature = f[12]
    h.body = buf[h.header_length:]
    return h


def cut_signature(buf, h):
    """(signature bytes, the file without the SIGNATURE TLV): spec §2.2 'Verifying'."""
    return (buf[h.sig_off + 3:h.sig_off + 3 + h.sig_len],
            buf[:h.sig_off] + buf[h.sig_off + 3 + h.sig_len:])


def parse_records(buf, h):
    """Spec §3.2: the records after the header; each a dict tag -> value."""
    recs = []
    off = h.header_length
    while off < len(buf):
        if off + 5 > len(buf) or buf[off] != 1 or buf[off + 1:off + 3] != b'\x00\x02':
            raise ValueError('record at %d does not start with 01 0002' % off)
        rl = struct.unpack('!H', buf[off + 3:off + 5])[0]
        if rl < 5 or off + rl > len(buf):
            raise ValueError('record at %d: length %d out of range' % (off, rl))
        r = {}
        p = off + 5
        while p < off + rl:
            if p + 3 > off + rl:
                raise ValueError('record at %d: truncated TLV' % off)
            tag = buf[p]
            ln = struct.unpack('!H', buf[p + 1:p + 3])[0]
            if p + 3 + ln > off + rl:
                raise ValueError('record at %d: TLV %d runs past the record' % (off, tag))
            r[tag] = buf[p + 3:p + 3 + ln]
            p += 3 + ln
        recs.append(r)
        off += rl
    return recs


def role_of(rec):
    v = rec.get(4, b'')
    return struct.unpack('!H', v)[0] if len(v) == 2 else None


# ---------------------------------------------------------------- minimal DER / X.509

def _der(buf, off):
    """(tag, content offset, content length) of the DER element at off."""
    tag = buf[off]
    l = buf[off + 1]
    p = off + 2
    if l & 0x80:
        n = l & 0x7f
        l = int.from_bytes(buf[p:p + n], 'big')
        p += n
    return tag, p, l


def _children(buf, off):
    tag, p, l = _der(buf, off)
    out = []
    q = p
    while q < p + l:
        t, cp, cl = _der(buf, q)
        out.append((t, q, cp, cl))
        q = cp + cl
    return out


OID_SHORT = {'2.5.4.3': 'CN', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O',
             '2.5.4.11': 'OU', '2.5.4.6': 'C', '2.5.4.9': 'STREET',
             '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID'}


def _oid(b):
    first = b[0]
    parts = [str(min(first // 40, 2)), str(first - 40 * min(first // 40, 2))]
    v = 0
    for x in b[1:]:
        v = (v << 7) | (x & 0x7f)
        if not x & 0x80:
            parts.append(str(v))
            v = 0
    return '.'.join(parts)


def _esc(v):
    out = ''
    for i, ch in enumerate(v):
        if ch in ',+"\\<>;' or (i == 0 and ch in '# ') or (i == len(v) - 1 and ch == ' '):
            out += '\\' + ch
        else:
            out += ch
    return out


class Cert:
    """The fields of a DER certificate the files carry (spec §3.2, §2.1)."""

    def __init__(self, der):
        self.der = der
        top = _children(der, 0)
        tbs_off = top[0][1]
        self.sigvalue = der[top[2][2] + 1:top[2][2] + top[2][3]]   # BIT STRING minus pad byte
        kids = _children(der, tbs_off)
        i = 1 if kids[0][0] == 0xa0 else 0
        ser = der[kids[i][2]:kids[i][2] + kids[i][3]]
        self.serial = ser.lstrip(b'\0') or b'\0'                   # minimal unsigned
        self.issuer = _dn(der, kids[i + 2][1])
        self.subject = _dn(der, kids[i + 4][1])
        spki = _children(der, kids[i + 5][1])
        bs = spki[1]
        self.pubkey = der[bs[2] + 1:bs[2] + bs[3]]                  # RSAPublicKey or EC point


def _dn(buf, off):
    """Spec §0 DN string: attributes in encoded order, SHORT=value, ',' joined."""
    parts = []
    for _, set_off, _, _ in _children(buf, off):             # RDN (SET)
        for _, atv_off, _, _ in _children(buf, set_off):      # AttributeTypeAndValue
            kids = _children(buf, atv_off)
            oid = _oid(buf[kids[0][2]:kids[0][2] + kids[0][3]])
            val = buf[kids[1][2]:kids[1][2] + kids[1][3]].decode('utf-8', 'replace')
            parts.append('%s=%s' % (OID_SHORT.get(oid, oid), _esc(val)))
    return ','.join(parts)


def pem_certs(path):
    """DER of every certificate in a PEM file."""
    with open(path) as f:
        text = f.read()
    return [base64.b64decode(''.join(m.group(1).split()))
            for m in re.finditer(r'-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----',
                                 text, re.S)]


def cert_der(path):
    c = pem_certs(path)
    if not c:
        raise Fatal('%s holds no PEM certificate' % path)
    return c[0]


def fingerprint(path):
    r = run(['openssl', 'x509', '-in', path, '-noout', '-fingerprint', '-sha256'], text=True)
    if r.returncode:
        raise Fatal('openssl x509 -fingerprint %s: %s' % (path, r.stderr))
    return r.stdout.strip().split('=', 1)[1]


# ---------------------------------------------------------------- spec §8: openssl checks

def pubkey_pem(cert_path, out):
    r = run(['openssl', 'x509', '-in', cert_path, '-noout', '-pubkey', '-out', out], text=True)
    if r.returncode:
        raise Fatal('openssl x509 -pubkey %s: %s' % (cert_path, r.stderr))
    return out


def openssl_verify(buf, pub_pem, workdir, tag='f'):
    """(ok, detail): the spec §8 check with the openssl CLI only."""
    try:
        h = parse_header(buf)
    except ValueError as e:
        return False, 'header: %s' % e
    sig, rest = cut_signature(buf, h)
    sp = os.path.join(workdir, tag + '.sig.bin')
    rp = os.path.join(workdir, tag + '.rest.bin')
    with open(sp, 'wb') as f:
        f.write(sig)
    with open(rp, 'wb') as f:
        f.write(rest)
    md = {1: '-sha1', 3: '-sha512'}.get(h.hash)
    if not md:
        return False, 'HASH_ALGORITHM %d is neither 1 nor 3' % h.hash
    r = run(['openssl', 'dgst', md, '-verify', pub_pem, '-signature', sp, rp], text=True)
    return r.returncode == 0 and 'Verified OK' in r.stdout, (r.stdout + r.stderr).strip()


def flip(buf, off):
    b = bytearray(buf)
    b[off] ^= 0x01
    return bytes(b)


def ctl(d, *args, stdin=None):
    """shieldlockctl against d; the CompletedProcess (no exit-status check)."""
    return run([d.ctlbin, '--daemon-socket', d.admin] + list(args), input=stdin, text=True,
               timeout=60)


def workdir(prefix='sl-provt-'):
    w = tempfile.mkdtemp(prefix=prefix)
    st.at_exit(lambda: shutil.rmtree(w, ignore_errors=True))
    return w


def wait(fn, timeout=10.0, step=0.1):
    """sipdtest.wait_for with the longer timeout provisioning rebuilds need."""
    return st.wait_for(fn, timeout, step)
