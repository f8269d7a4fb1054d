# SPDX-License-Identifier: BSD-3-Clause
"""Shared pieces of the shieldlockd integration tests (docs/sipd-tests.md).

The SIP peers here are written from the RFCs with Python's standard library
only (socket, ssl, hashlib): they share no code with shieldlockd, so a
misreading of RFC 3261 / RFC 7616 / RFC 4568 in the daemon shows up as a
failed check instead of being mirrored by the test.

Every test starts its own shieldlockd (Daemon) with a temporary state
directory, random free ports and its own admin socket, and stops it at the
end. Checks are soft where possible (check() records a failure and the test
goes on, so one run shows every problem); require() stops the test. On
failure every daemon's complete output is printed.

Exit status: 0 pass, 1 fail, 77 skip (meson's convention).
"""
import base64
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

SKIP = 77
_daemons = []
_failures = []
_cleanups = []
_stopped = []


class Skip(Exception):
    pass


class Fatal(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def check(cond, what, detail=''):
    """A soft check: records the failure and carries on."""
    if cond:
        log('ok    ' + what)
    else:
        log('FAIL  ' + what + (('\n      ' + detail.replace('\n', '\n      ')) if detail else ''))
        _failures.append(what)
    return bool(cond)


def failed():
    """True once any check failed (to print extra logs at the end)."""
    return bool(_failures or _stopped)


def require(cond, what, detail=''):
    """A check the rest of the test depends on."""
    if not check(cond, what, detail):
        raise Fatal(what)


def binary(env, name):
    p = os.environ.get(env)
    if not p:
        raise Fatal('%s is not set: run this test through meson (meson test -C BUILD %s), '
                    'or set %s to the built %s' % (env, os.path.basename(sys.argv[0]), env, name))
    if not os.access(p, os.X_OK):
        raise Fatal('%s=%s is not an executable: build it first' % (env, p))
    return p


def main(fn):
    """Runs fn(); prints daemon logs on failure; exits 0/1/77."""
    rc = 0
    try:
        fn()
    except Skip as e:
        log('SKIP: %s' % e)
        rc = SKIP
    except Fatal as e:
        log('stopped: %s' % e)
        _stopped.append(str(e))
        rc = 1
    except Exception:
        traceback.print_exc()
        _stopped.append('exception')
        rc = 1
    for d in _daemons:
        try:
            d.stop()
        except Exception:
            traceback.print_exc()
    for c in reversed(_cleanups):
        try:
            c()
        except Exception:
            traceback.print_exc()
    # a daemon built with -Db_sanitize=address,undefined reports into its log
    for d in _daemons:
        bad = [l for l in d.log().splitlines()
               if re.search(r'AddressSanitizer|LeakSanitizer|runtime error:', l)]
        if bad:
            check(False, '%s: no sanitizer reports in the daemon output' % d.name,
                  '\n'.join(bad[:20]))
    if rc == 0 and _failures:
        rc = 1
    if rc == 1:
        log('\n%d failed check(s): %s' % (len(_failures), '; '.join(_failures)))
        for d in _daemons:
            log('\n======== output of %s (%s) ========' % (d.name, d.logpath))
            log(d.log())
    for d in _daemons:
        if rc != 1 and not os.environ.get('SIPD_TEST_KEEP'):
            shutil.rmtree(d.dir, ignore_errors=True)
    sys.exit(rc)


def at_exit(fn):
    _cleanups.append(fn)


# ---------------------------------------------------------------- data plane

def wait_for(fn, timeout=3.0, step=0.1):
    """fn() until it is truthy or timeout seconds pass; its last value."""
    end = time.time() + timeout
    v = fn()
    while not v and time.time() < end:
        time.sleep(step)
        v = fn()
    return v


class DataPlane:
    """shieldlock-dp on two net_null ports (control path only: no packets),
    stopped at exit; its output is printed when a check failed."""

    def __init__(self, tmp, prefix='sl-sipdt', ctl_user=None):
        self.bin = binary('SHIELDLOCK_DP', 'shieldlock-dp')
        self.ctlbin = binary('SHIELDLOCKCTL', 'shieldlockctl')
        self.sock = os.path.join(tmp, 'dp.sock')
        self.logpath = os.path.join(tmp, 'dp.log')
        self.logf = open(self.logpath, 'wb')
        self.prefix = '%s-%d' % (prefix, os.getpid())
        cmd = [self.bin, '-l', '0,1', '--no-pci', '--no-huge', '-m', '512',
               '--file-prefix', self.prefix, '--no-shconf',
               '--vdev', 'net_null0', '--vdev', 'net_null1', '--',
               '--ctl-socket', self.sock, '--engine', 'openssl', '--workers', '1']
        if ctl_user:
            cmd += ['--ctl-user', ctl_user]
        log('starting: %s' % ' '.join(cmd))
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        at_exit(self.stop)
        end = time.time() + 40
        while time.time() < end:
            if self.proc.poll() is not None:
                raise Fatal('shieldlock-dp exited with %s:\n%s' % (self.proc.returncode,
                                                                   self.log()))
            if os.path.exists(self.sock) and self.ctl('dp', 'status', expect=None) is not None:
                return
            time.sleep(0.2)
        raise Fatal('shieldlock-dp did not come up within 40 s:\n%s' % self.log())

    def log(self):
        with open(self.logpath, errors='replace') as f:
            return f.read()

    def ctl(self, *args, expect=0):
        # a loaded CI machine (or a sanitizer build) can be slow to answer
        env = dict(os.environ, SHIELDLOCK_DP_TIMEOUT_MS='20000')
        for _ in range(3):
            r = subprocess.run([self.ctlbin, '--socket', self.sock, '--json'] + list(args),
                               capture_output=True, text=True, timeout=60, env=env)
            # a data plane starved of CPU (2 shared cores) may miss the hello: retry
            if r.returncode == 0 or 'did not answer' not in r.stderr:
                break
            log('note: shieldlockctl %s: %s (retrying)' % (' '.join(args), r.stderr.strip()))
        if r.returncode != 0:
            if expect is None:
                return None
            raise Fatal('shieldlockctl %s: %s %s' % (' '.join(args), r.stdout, r.stderr))
        return json.loads(r.stdout) if r.stdout.strip().startswith('{') else r.stdout

    def flows(self):
        return self.ctl('dp', 'flow', 'list').get('flows', [])

    def stop(self):
        if self.logf.closed:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        # DPDK may leave its runtime directory (--file-prefix) behind
        shutil.rmtree('/var/run/dpdk/%s' % self.prefix, ignore_errors=True)
        # built with -Db_sanitize=address,undefined (suite rig-san), it reports here
        bad = [l for l in self.log().splitlines()
               if re.search(r'AddressSanitizer|LeakSanitizer|runtime error:', l)]
        if bad:
            check(False, 'shieldlock-dp: no sanitizer reports in its output', '\n'.join(bad[:20]))
        if _failures or os.environ.get('SIPD_TEST_VERBOSE'):
            log('\n======== shieldlock-dp output ========\n' + self.log())


# ---------------------------------------------------------------- ports

def free_port(pairs=2, udp=True):
    """A random high port P such that TCP P..P+pairs-1 (and UDP P) are free."""
    for _ in range(200):
        p = random.randrange(20000, 39000, 2)
        socks = []
        try:
            for i in range(pairs):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                socks.append(s)
                s.bind(('127.0.0.1', p + i))
            if udp:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(('127.0.0.1', p))
            return p
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise Fatal('no free port found')


# ---------------------------------------------------------------- daemon

class Daemon:
    """One shieldlockd with a private state dir, ports and admin socket."""

    def __init__(self, name='sipd', general='', sip='', media='dp_socket = off\n', start=True,
                 log_level='debug', prov='enabled = no\n'):
        self.name = name
        self.bin = binary('SHIELDLOCKD', 'shieldlockd')
        self.ctlbin = binary('SHIELDLOCKCTL', 'shieldlockctl')
        self.dir = tempfile.mkdtemp(prefix='sl-sipdt-')
        os.chmod(self.dir, 0o755)
        self.state = os.path.join(self.dir, 'state')
        self.admin = os.path.join(self.dir, 'admin.sock')
        self.conf = os.path.join(self.dir, 'shieldlockd.conf')
        self.logpath = os.path.join(self.dir, 'daemon.log')
        self.port = free_port(2)
        self.udp = self.tcp = self.port
        self.tls = self.port + 1
        self.domain = 'shieldlock.test'
        self.realm = 'shieldlock.test'
        self.host = '127.0.0.1'
        with open(self.conf, 'w') as f:
            f.write('[general]\nstate_dir = %s\nlog_level = %s\nnode_name = sl-sipdt\n%s'
                    '[admin]\nsocket = %s\n'
                    '[sip]\nlisten_udp = 127.0.0.1:%d\nlisten_tcp = 127.0.0.1:%d\n'
                    'listen_tls = 127.0.0.1:%d\ndomain = %s\nrealm = %s\n%s'
                    '[provisioning]\n%s'
                    '[media]\n%s'
                    % (self.state, log_level, general, self.admin, self.udp, self.tcp,
                       self.tls, self.domain, self.realm, sip, prov, media))
        os.chmod(self.conf, 0o644)
        self.proc = None
        _daemons.append(self)
        if start:
            self.start()

    def start(self, timeout=30):
        mark = self.mark()
        self.logf = open(self.logpath, 'ab')
        self.proc = subprocess.Popen([self.bin, '--config', self.conf], stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.wait_log(r'sip process ready', timeout, since=mark, what='shieldlockd start')
        end = time.time() + timeout
        while not os.path.exists(self.admin) and time.time() < end:
            time.sleep(0.05)
        require(os.path.exists(self.admin), 'admin socket %s exists' % self.admin)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                log('%s did not stop within 10 s of SIGTERM: killing it' % self.name)
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        self.proc = None

    def hup(self, wait_for=r'configuration reloaded'):
        mark = len(self.log())
        self.proc.send_signal(signal.SIGHUP)
        return self.wait_log(wait_for, 10, since=mark, what='SIGHUP reload')

    def log(self):
        try:
            with open(self.logpath, 'r', errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def mark(self):
        return len(self.log())

    def wait_log(self, regex, timeout=5.0, since=0, what=None, must=True):
        end = time.time() + timeout
        while True:
            text = self.log()[since:]
            m = re.search(regex, text, re.M)
            if m:
                return m
            if self.proc is not None and self.proc.poll() is not None:
                if must:
                    raise Fatal('%s: shieldlockd exited (status %s) while waiting for /%s/'
                                % (what or self.name, self.proc.returncode, regex))
                return None
            if time.time() > end:
                if must:
                    raise Fatal('%s: no log line matching /%s/ within %.0f s'
                                % (what or self.name, regex, timeout))
                return None
            time.sleep(0.05)

    def ctl(self, *args, stdin=None, json_out=True, expect_rc=0):
        cmd = [self.ctlbin, '--daemon-socket', self.admin] + (['--json'] if json_out else []) \
            + list(args)
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=20)
        if expect_rc is not None and r.returncode != expect_rc:
            raise Fatal('%s: exit %d (expected %d): %s%s' % (' '.join(args), r.returncode,
                        expect_rc, r.stdout, r.stderr))
        if json_out and r.returncode == 0:
            try:
                return json.loads(r.stdout)
            except ValueError:
                raise Fatal('%s --json printed no JSON: %r' % (' '.join(args), r.stdout))
        return r

    def add_user(self, name, pw):
        self.ctl('user', 'add', name, '--password-stdin', stdin=pw + '\n', json_out=False)

    def add_device(self, name, user, profile, ident=None):
        a = ['device', 'add', name, '--user', user, '--profile', profile]
        if ident:
            a += ['--cert-identity', ident]
        self.ctl(*a, json_out=False)

    def registrations(self, user=None):
        r = self.ctl('registrations', *(['--user', user] if user else []))
        return r.get('registrations', [])

    def calls(self, all_=True):
        r = self.ctl('calls', *(['--all'] if all_ else []))
        return r.get('calls', [])

    def ca_pem(self):
        return os.path.join(self.state, 'ca', 'ca.pem')

    def trust_dir(self):
        return os.path.join(self.state, 'trust')


# ---------------------------------------------------------------- SIP messages

COMPACT = {'i': 'call-id', 'm': 'contact', 'e': 'content-encoding', 'l': 'content-length',
           'c': 'content-type', 'f': 'from', 's': 'subject', 'k': 'supported', 't': 'to',
           'v': 'via'}


class Msg:
    def __init__(self, raw):
        self.raw = raw
        head, _, body = raw.partition(b'\r\n\r\n')
        lines = head.decode('utf-8', 'replace').split('\r\n')
        self.start = lines[0]
        self.headers = []
        for l in lines[1:]:
            if l[:1] in (' ', '\t') and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + ' ' + l.strip())
                continue
            n, _, v = l.partition(':')
            n = n.strip().lower()
            self.headers.append((COMPACT.get(n, n), v.strip()))
        self.body = body.decode('utf-8', 'replace')
        p = self.start.split(' ', 2)
        if p[0].startswith('SIP/'):
            self.status = int(p[1])
            self.reason = p[2] if len(p) > 2 else ''
            self.method = None
            self.ruri = None
        else:
            self.status = None
            self.method = p[0]
            self.ruri = p[1] if len(p) > 1 else ''

    def all(self, name):
        name = name.lower()
        return [v for n, v in self.headers if n == name]

    def get(self, name, default=None):
        v = self.all(name)
        return v[0] if v else default

    def cseq(self):
        n, m = self.get('cseq', '0 X').split()
        return int(n), m

    def tag(self, hdr):
        m = re.search(r';\s*tag=([^;>\s]+)', self.get(hdr, ''))
        return m.group(1) if m else None

    def __repr__(self):
        return self.raw.decode('utf-8', 'replace')


def branch():
    return 'z9hG4bK' + os.urandom(8).hex()


def newtag():
    return os.urandom(5).hex()


def digest_response(user, pw, realm, nonce, method, uri, alg='SHA-256', nc=1, cnonce=None,
                    opaque=None):
    """RFC 7616 §3.4.1 with qop=auth."""
    h = (lambda x: hashlib.sha256(x.encode()).hexdigest()) if alg.upper() == 'SHA-256' \
        else (lambda x: hashlib.md5(x.encode()).hexdigest())
    cnonce = cnonce or os.urandom(8).hex()
    ha1 = h('%s:%s:%s' % (user, realm, pw))
    ha2 = h('%s:%s' % (method, uri))
    resp = h('%s:%s:%08x:%s:auth:%s' % (ha1, nonce, nc, cnonce, ha2))
    s = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
         'algorithm=%s, qop=auth, nc=%08x, cnonce="%s"' % (user, realm, nonce, uri, resp, alg, nc,
                                                           cnonce))
    if opaque:
        s += ', opaque="%s"' % opaque
    return s


def parse_challenge(value):
    """WWW-Authenticate: Digest k=v, ... → dict (lower-case keys)."""
    v = value.strip()
    if not v.lower().startswith('digest '):
        return None
    d = {}
    for m in re.finditer(r'([A-Za-z0-9_-]+)\s*=\s*("([^"]*)"|[^,\s]+)', v[7:]):
        d[m.group(1).lower()] = m.group(3) if m.group(3) is not None else m.group(2)
    return d


def challenges(resp):
    return [parse_challenge(v) for v in resp.all('www-authenticate')]


# ---------------------------------------------------------------- SIP peer

class Peer:
    """A SIP user agent over UDP, TCP or TLS (optionally with a client cert)."""

    def __init__(self, d, user=None, pw=None, proto='tcp', cert=None, key=None, src='127.0.0.1',
                 verify_server=True, connect=True):
        self.d = d
        self.user = user
        self.pw = pw
        self.proto = proto
        self.cert = cert
        self.key = key
        self.src = src
        self.verify_server = verify_server
        self.sock = None
        self.buf = b''
        self.pending = []
        self.callid = 'reg-%s-%s' % (user, os.urandom(4).hex())
        self.fromtag = newtag()
        self.cseq = 0
        self.nonce = None
        self.nc = 0
        self.tls_error = None
        if connect:
            self.connect()

    @property
    def transport(self):
        return self.proto.upper()

    def connect(self):
        if self.sock:
            self.close()
        self.buf = b''
        port = self.d.tls if self.proto == 'tls' else self.d.tcp
        if self.proto == 'udp':
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((self.src, 0))
            s.connect((self.d.host, self.d.udp))
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((self.src, 0))
            s.settimeout(5)
            s.connect((self.d.host, port))
            if self.proto == 'tls':
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False
                if self.verify_server:
                    ctx.verify_mode = ssl.CERT_REQUIRED
                    ctx.load_verify_locations(self.d.ca_pem())
                else:
                    ctx.verify_mode = ssl.CERT_NONE
                if self.cert:
                    ctx.load_cert_chain(self.cert, self.key)
                s = ctx.wrap_socket(s)
        self.sock = s
        self.local = s.getsockname()

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data) if self.proto != 'udp' else self.sock.send(data)

    def _recv_bytes(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError, BlockingIOError):
            return None
        except (ConnectionResetError, ssl.SSLError, OSError) as e:
            self.tls_error = e
            return b''
        return data

    def recv(self, timeout=5.0, keepalive=False):
        """The next SIP message (Msg), or None after timeout or on close.
        keepalive=True returns b'\\r\\n' pongs too."""
        if self.pending:
            return self.pending.pop(0)
        end = time.time() + timeout
        if self.proto == 'udp':
            while True:
                left = end - time.time()
                if left <= 0:
                    return None
                data = self._recv_bytes(left)
                if not data:
                    return None
                if data.strip() == b'':
                    if keepalive:
                        return data
                    continue
                return Msg(data)
        while True:
            # CRLF keepalives between messages (RFC 5626 §3.5.1)
            while self.buf.startswith(b'\r\n') and not self.buf.startswith(b'\r\n\r\n') \
                    or self.buf == b'\r\n':
                self.buf = self.buf[2:]
                if keepalive:
                    return b'\r\n'
            while self.buf.startswith(b'\r\n\r\n'):
                self.buf = self.buf[4:]
                if keepalive:
                    return b'\r\n\r\n'
            if b'\r\n\r\n' in self.buf:
                head, rest = self.buf.split(b'\r\n\r\n', 1)
                m = re.search(rb'(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)', head)
                cl = int(m.group(1)) if m else 0
                if len(rest) >= cl:
                    self.buf = rest[cl:]
                    return Msg(head + b'\r\n\r\n' + rest[:cl])
            left = end - time.time()
            if left <= 0:
                return None
            data = self._recv_bytes(left)
            if data is None:
                return None
            if data == b'':
                self.closed = True
                return None
            self.buf += data

    def recv_match(self, pred, timeout=5.0, what='message'):
        """Reads until pred(msg); other messages stay queued for recv()."""
        end = time.time() + timeout
        skipped = []
        try:
            while True:
                m = self.recv(max(0.01, end - time.time()))
                if m is None:
                    return None
                if pred(m):
                    return m
                skipped.append(m)
        finally:
            self.pending = skipped + self.pending

    def response(self, cseq_method, timeout=5.0, final=True):
        """The next response for cseq_method; provisional ones skipped if final."""
        end = time.time() + timeout
        while True:
            m = self.recv_match(lambda x: x.status is not None and x.cseq()[1] == cseq_method
                                and (not final or x.status >= 200),
                                max(0.01, end - time.time()))
            return m

    def request_in(self, method, timeout=5.0):
        return self.recv_match(lambda x: x.method == method, timeout)

    # -- building

    def via(self, br=None):
        ip, port = self.local[:2]
        return 'Via: SIP/2.0/%s %s:%d;branch=%s;rport\r\n' % (self.transport, ip, port,
                                                             br or branch())

    def contact_uri(self):
        ip, port = self.local[:2]
        return 'sip:%s@%s:%d;transport=%s' % (self.user, ip, port, self.proto)

    def build(self, method, ruri, to, extra='', body='', callid=None, cseq=None, fromtag=None,
              br=None, ctype='application/sdp', content_length=None, from_user=None):
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        fu = from_user or self.user
        # fromtag=False: no tag at all, as an RFC 2543 peer sends (§12.1.1)
        ftag = '' if fromtag is False else ';tag=%s' % (fromtag or self.fromtag)
        m = ('%s %s SIP/2.0\r\n' % (method, ruri) + self.via(br) +
             'Max-Forwards: 70\r\n'
             'From: <sip:%s@%s>%s\r\n' % (fu, self.d.domain, ftag) +
             'To: %s\r\n' % to +
             'Call-ID: %s\r\n' % (callid or self.callid) +
             'CSeq: %d %s\r\n' % (cseq, method) +
             'Contact: <%s>\r\n' % self.contact_uri() +
             'User-Agent: sipdtest\r\n' + extra)
        if body:
            m += 'Content-Type: %s\r\n' % ctype
        m += 'Content-Length: %d\r\n\r\n' % (len(body.encode()) if content_length is None
                                             else content_length)
        return m + body

    def authorization(self, method, uri, resp401, alg='SHA-256', user=None, pw=None, nc=None,
                      nonce=None):
        ch = [c for c in challenges(resp401) if c and c.get('algorithm', 'MD5').upper() ==
              alg.upper()]
        if not ch:
            raise Fatal('no %s challenge in %s' % (alg, resp401.start))
        c = ch[0]
        self.nonce = nonce or c['nonce']
        self.nc = nc if nc is not None else 1
        return 'Authorization: %s\r\n' % digest_response(user or self.user, pw or self.pw,
                                                          c['realm'], self.nonce, method, uri,
                                                          alg, self.nc, opaque=c.get('opaque'))

    # -- REGISTER

    def register_once(self, expires=600, auth='', extra='', contact_expires=None, to_user=None):
        ruri = 'sip:%s' % self.d.domain
        to = '<sip:%s@%s>' % (to_user or self.user, self.d.domain)
        ex = '' if expires is None else 'Expires: %d\r\n' % expires
        m = self.build('REGISTER', ruri, to, extra=ex + auth + extra)
        if contact_expires is not None:
            m = m.replace('>\r\nUser-Agent', '>;expires=%d\r\nUser-Agent' % contact_expires, 1)
        self.send(m)
        return self.response('REGISTER')

    def register(self, expires=600, alg='SHA-256', pw=None, to_user=None):
        """REGISTER, answer the 401, return (first response, final response)."""
        r1 = self.register_once(expires, to_user=to_user)
        if r1 is None or r1.status != 401:
            return r1, r1
        auth = self.authorization('REGISTER', 'sip:%s' % self.d.domain, r1, alg, pw=pw)
        r2 = self.register_once(expires, auth=auth, to_user=to_user)
        return r1, r2

    # -- answering requests

    def reply(self, req, code, reason, totag=None, extra='', body='', ctype='application/sdp'):
        to = req.get('to')
        if totag and ';tag=' not in to:
            to += ';tag=%s' % totag
        m = 'SIP/2.0 %d %s\r\n' % (code, reason)
        for v in req.all('via'):
            m += 'Via: %s\r\n' % v
        m += ('From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n'
              % (req.get('from'), to, req.get('call-id'), req.get('cseq')))
        if code >= 200 and code < 300 or code > 100 and code < 200:
            m += 'Contact: <%s>\r\n' % self.contact_uri()
        m += extra
        if body:
            m += 'Content-Type: %s\r\n' % ctype
        m += 'Content-Length: %d\r\n\r\n' % len(body.encode()) + body
        self.send(m)


# ---------------------------------------------------------------- certificates

def openssl(*args, cwd=None):
    r = subprocess.run(['openssl'] + list(args), capture_output=True, text=True, cwd=cwd)
    if r.returncode != 0:
        raise Fatal('openssl %s failed: %s' % (' '.join(args), r.stderr))
    return r.stdout


class TestCA:
    """A CA of the test (openssl CLI): issues client certificates."""

    def __init__(self, directory, name):
        self.dir = directory
        self.name = name
        self.key = os.path.join(directory, name + '-ca.key')
        self.pem = os.path.join(directory, name + '-ca.pem')
        self.serial = 1
        openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                '-nodes', '-keyout', self.key, '-out', self.pem, '-days', '2',
                '-subj', '/CN=%s test CA' % name,
                '-addext', 'basicConstraints=critical,CA:TRUE',
                '-addext', 'keyUsage=critical,keyCertSign,cRLSign')

    def issue(self, cn, san=None):
        base = os.path.join(self.dir, '%s-%s' % (self.name, cn))
        key, csr, pem, ext = base + '.key', base + '.csr', base + '.pem', base + '.ext'
        openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
                '-keyout', key, '-out', csr, '-subj', '/CN=%s' % cn)
        with open(ext, 'w') as f:
            f.write('basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n'
                    'extendedKeyUsage=clientAuth,serverAuth\n')
            if san:
                f.write('subjectAltName=%s\n' % san)
        self.serial += 1
        openssl('x509', '-req', '-in', csr, '-CA', self.pem, '-CAkey', self.key, '-set_serial',
                str(self.serial + random.randrange(1 << 30)), '-days', '2', '-out', pem,
                '-extfile', ext)
        return pem, key

    def install(self, trust_dir):
        """Copy into the daemon's trust store (CApath) and rehash it."""
        shutil.copy(self.pem, os.path.join(trust_dir, os.path.basename(self.pem)))
        r = subprocess.run(['openssl', 'rehash', trust_dir], capture_output=True, text=True)
        if r.returncode != 0:
            raise Fatal('openssl rehash %s: %s' % (trust_dir, r.stderr))


# ---------------------------------------------------------------- SDP

def sdp_offer(ip, port, cryptos=None, proto=None, direction='sendrecv', sess_ver=1):
    """An audio offer; cryptos is a list of (tag, suite, key_b64)."""
    proto = proto or ('RTP/SAVP' if cryptos else 'RTP/AVP')
    s = ('v=0\r\no=- 4242 %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n'
         'm=audio %d %s 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n'
         'a=rtpmap:101 telephone-event/8000\r\na=%s\r\n'
         % (sess_ver, ip, ip, port, proto, direction))
    for tag, suite, key in cryptos or []:
        s += 'a=crypto:%d %s inline:%s\r\n' % (tag, suite, key)
    return s


KEYLEN = {'AES_CM_128_HMAC_SHA1_80': 30, 'AES_CM_128_HMAC_SHA1_32': 30,
          'AEAD_AES_128_GCM': 28, 'AEAD_AES_256_GCM': 44,
          'AES_256_CM_HMAC_SHA1_80': 46, 'AES_256_CM_HMAC_SHA1_32': 46}


def new_key(suite):
    return base64.b64encode(os.urandom(KEYLEN[suite])).decode()


def sdp_cryptos(body):
    """[(tag, suite, inline key)] of the a=crypto lines."""
    out = []
    for m in re.finditer(r'(?m)^a=crypto:(\d+)\s+(\S+)\s+inline:([A-Za-z0-9+/=]+)', body):
        out.append((int(m.group(1)), m.group(2), m.group(3)))
    return out


def sdp_conn(body):
    m = re.search(r'(?m)^c=IN IP[46] (\S+)', body)
    return m.group(1) if m else None


def sdp_media(body):
    """(port, proto) of the first m=audio line."""
    m = re.search(r'(?m)^m=audio (\d+) (\S+)', body)
    return (int(m.group(1)), m.group(2)) if m else (None, None)


def sdp_direction(body):
    m = re.search(r'(?m)^a=(sendrecv|sendonly|recvonly|inactive)\s*$', body)
    return m.group(1) if m else 'sendrecv'


# ---------------------------------------------------------------- calls (UAC and UAS helpers)

def _uri_of(nameaddr):
    m = re.search(r'<([^>]+)>', nameaddr or '')
    return m.group(1) if m else (nameaddr or '').split(';')[0].strip()


class Dialog:
    """The caller's view of one INVITE dialog (RFC 3261 §12.1.2)."""

    def __init__(self, peer, to_user, callid):
        self.p = peer
        self.ruri = 'sip:%s@%s' % (to_user, peer.d.domain)
        self.to = '<%s>' % self.ruri
        self.callid = callid
        self.fromtag = newtag()
        self.cseq = 0
        self.invite = None      # the last INVITE sent (str)
        self.remote_tag = None
        self.target = None

    def send_invite(self, body, extra='', auth_resp=None, ruri=None):
        self.cseq += 1
        to = self.to + (';tag=%s' % self.remote_tag if self.remote_tag else '')
        auth = ''
        if auth_resp is not None:
            auth = self.p.authorization('INVITE', ruri or self.ruri, auth_resp)
        self.invite = self.p.build('INVITE', ruri or self.ruri, to, extra=extra + auth, body=body,
                                   callid=self.callid, cseq=self.cseq, fromtag=self.fromtag)
        self.p.send(self.invite)

    def final(self, timeout=10.0):
        r = self.p.recv_match(lambda x: x.status is not None and x.status >= 200 and
                              x.get('call-id') == self.callid and x.cseq() == (self.cseq, 'INVITE'),
                              timeout)
        if r is not None:
            if r.status < 300:
                self.remote_tag = r.tag('to')
                self.target = _uri_of(r.get('contact'))
            self.ack(r)
        return r

    def provisional(self, timeout=5.0):
        return self.p.recv_match(lambda x: x.status is not None and x.status < 200 and
                                 x.get('call-id') == self.callid, timeout)

    def ack(self, r):
        inv = Msg(self.invite.encode())
        if r.status >= 300:      # §17.1.1.3: same branch, hop-by-hop
            ruri, via = inv.ruri, 'Via: %s\r\n' % inv.get('via')
        else:                    # §13.2.2.4: a new transaction to the remote target
            ruri, via = self.target or inv.ruri, self.p.via()
        self.p.send('ACK %s SIP/2.0\r\n%sMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n'
                    'Call-ID: %s\r\nCSeq: %d ACK\r\nContent-Length: 0\r\n\r\n'
                    % (ruri, via, inv.get('from'), r.get('to'), self.callid, r.cseq()[0]))

    def call(self, body, extra='', timeout=10.0):
        """INVITE, answer the 401 once, return the final response."""
        self.send_invite(body, extra)
        r = self.final(timeout)
        if r is not None and r.status == 401:
            self.send_invite(body, extra, auth_resp=r)
            r = self.final(timeout)
        return r

    def call_start(self, body, extra=''):
        """INVITE and answer the 401; the final answer is left to the caller."""
        self.send_invite(body, extra)
        r = self.p.recv_match(lambda x: x.status is not None and x.get('call-id') == self.callid
                              and x.status != 100, 5)
        if r is not None and r.status == 401:
            self.ack(r)
            self.send_invite(body, extra, auth_resp=r)
            return None
        return r

    def in_dialog(self, method, body='', extra=''):
        """BYE/re-INVITE inside the dialog; returns the request sent."""
        self.cseq += 1
        m = self.p.build(method, self.target, self.to + ';tag=%s' % self.remote_tag, extra=extra,
                         body=body, callid=self.callid, cseq=self.cseq, fromtag=self.fromtag)
        if method == 'INVITE':
            self.invite = m
        self.p.send(m)
        return m

    def cancel(self):
        inv = Msg(self.invite.encode())
        self.p.send('CANCEL %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n'
                    'Call-ID: %s\r\nCSeq: %d CANCEL\r\nContent-Length: 0\r\n\r\n'
                    % (inv.ruri, inv.get('via'), inv.get('from'), inv.get('to'), self.callid,
                       self.cseq))
