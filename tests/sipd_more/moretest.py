# SPDX-License-Identifier: BSD-3-Clause
"""Shared pieces of the tests in tests/sipd_more (docs/sipd-more-tests.md).

Builds on tests/sipd/sipdtest.py (imported from the sibling folder, not
copied): Daemon, Peer, Dialog, TestCA, check/require/main. Adds what these
tests need on top: a shieldlock-dp on net_null ports, a shieldlockd wired to
it, two registered TLS phones with client certificates, and a fake carrier
trunk (a SIP UAS over TLS with its own CA) that can challenge with 407.
"""
import json
import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'sipd'))
import sipdtest  # noqa: E402
from sipdtest import wait_for  # noqa: E402,F401 (used by the tests)
from sipdtest import (Daemon, Peer, Dialog, TestCA, Skip, Fatal, Msg, check, require, main,  # noqa
                      log, at_exit, binary, sdp_offer, new_key, sdp_cryptos, sdp_conn,
                      sdp_media, sdp_direction, branch, free_port, openssl)

PORT_MIN, PORT_MAX = 40000, 40999


def failed():
    return bool(sipdtest._failures)


def need_root():
    if os.geteuid() != 0:
        raise Skip('needs root (DPDK with --no-huge still maps memory and creates sockets)')
    if not shutil.which('openssl'):
        raise Skip('needs the openssl command')


def tmpdir():
    tmp = tempfile.mkdtemp(prefix='sl-more-')
    os.chmod(tmp, 0o755)
    at_exit(lambda: shutil.rmtree(tmp, ignore_errors=True))
    return tmp


class DataPlane(sipdtest.DataPlane):
    """The data plane of tests/sipd with this suite's runtime-directory prefix."""

    def __init__(self, tmp):
        super().__init__(tmp, prefix='sl-more')


def rig_daemon(name, dp, media_extra='inactivity_timeout = 0\n', sip='', general='',
               log_level='debug'):
    """A shieldlockd wired to dp with the lo media interface of the brief."""
    d = Daemon(name, sip=sip, general=general, log_level=log_level,
               media='dp_socket = %s\n%s'
               'interface = lo port=0 address=127.0.0.1 subnet=127.0.0.0/8 '
               'mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=%d-%d\n'
               % (dp.sock, media_extra, PORT_MIN, PORT_MAX))
    m = d.wait_log(r'connected to the data plane|data plane at .* not reachable', 15,
                   what='data plane connection')
    require('connected' in m.group(0), 'shieldlockd connected to shieldlock-dp at start '
            '(on an overloaded machine the data plane may miss its 5 s hello)', m.group(0))
    return d


def phones(d, tmp, names=('alice', 'bob'), profile='encrypted'):
    """Registered TLS phones with client certificates of a test CA."""
    ca = TestCA(tmp, 'phones')
    ca.install(d.trust_dir())
    d.hup(wait_for=r'TLS certificate .* loaded')
    out = []
    for u in names:
        d.add_user(u, 'secret-' + u)
        d.add_device(u + '-desk', u, profile)
        cert = ca.issue(u + '-desk')
        p = Peer(d, u, 'secret-' + u, 'tls', cert=cert[0], key=cert[1])
        r = p.register()[1]
        require(r is not None and r.status == 200, '%s registers (TLS, client certificate)' % u,
                repr(r))
        out.append(p)
    return out


def srtp_offer(port, suites=('AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'), direction='sendrecv',
               ver=1):
    keys = [(i + 1, s, new_key(s)) for i, s in enumerate(suites)]
    return sdp_offer('127.0.0.1', port, keys, direction=direction, sess_ver=ver), keys


def srtp_answer(offer_body, port, direction='sendrecv', prefer='AES_CM_128_HMAC_SHA1_80', ver=1):
    """One a=crypto with an offered tag and a key of our own (RFC 4568 §7.1.3)."""
    offered = sdp_cryptos(offer_body)
    pick = [c for c in offered if c[1] == prefer] or offered
    if not pick:
        raise Fatal('no a=crypto in the offer:\n' + offer_body)
    tag, suite, _ = pick[0]
    key = new_key(suite)
    return (sdp_offer('127.0.0.1', port, [(tag, suite, key)], direction=direction,
                      sess_ver=ver), (tag, suite, key))


def flows_of(dp, action=None):
    return [f for f in dp.flows() if action is None or f.get('action') == action]


def fingerprint_pem(path):
    out = openssl('x509', '-in', path, '-noout', '-fingerprint', '-sha256')
    return out.strip().split('=', 1)[1].replace(':', '').upper()


def fingerprint_der(der):
    import hashlib
    return hashlib.sha256(der).hexdigest().upper()


# ---------------------------------------------------------------- fake trunk

class Conn:
    def __init__(self, sock, addr):
        self.sock = sock
        self.addr = addr
        self.buf = b''
        self.open = True


class FakeTrunk:
    """A carrier's SIP server over TLS on 127.0.0.1 with a certificate of its
    own CA (installed in the daemon's trust store by the test). Accepts any
    number of connections; each message read carries .conn (where to answer)."""

    def __init__(self, tmp, cn='127.0.0.1', san='IP:127.0.0.1', ca=None, name='carrier',
                 tls=True):
        self.tls = tls
        self.ctx = None
        self.ca = None
        if tls:
            self.ca = ca or TestCA(tmp, name)
            self.cert, self.key = self.ca.issue(name + '-sip', san=san) \
                if cn == '127.0.0.1' else self.ca.issue(cn, san=san)
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(self.cert, self.key)
        self.port = free_port(1, udp=False)
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(('127.0.0.1', self.port))
        self.lsock.listen(8)
        self.conns = []
        self.pending = []
        self.accept_errors = []
        self.user = name
        at_exit(self.close)

    def close(self):
        for c in self.conns:
            try:
                c.sock.close()
            except OSError:
                pass
        self.conns = []
        try:
            self.lsock.close()
        except OSError:
            pass

    def _accept(self):
        s, addr = self.lsock.accept()
        s.settimeout(5)
        try:
            t = self.ctx.wrap_socket(s, server_side=True) if self.tls else s
        except (ssl.SSLError, OSError) as e:
            self.accept_errors.append(str(e))
            s.close()
            return
        t.setblocking(False)
        self.conns.append(Conn(t, addr))

    def _parse(self, c):
        while c.buf.startswith(b'\r\n'):
            c.buf = c.buf[2:]
        if b'\r\n\r\n' not in c.buf:
            return None
        head, rest = c.buf.split(b'\r\n\r\n', 1)
        m = re.search(rb'(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)', head)
        cl = int(m.group(1)) if m else 0
        if len(rest) < cl:
            return None
        c.buf = rest[cl:]
        msg = Msg(head + b'\r\n\r\n' + rest[:cl])
        msg.conn = c
        return msg

    def recv(self, timeout=5.0):
        if self.pending:
            return self.pending.pop(0)
        end = time.time() + timeout
        while True:
            for c in self.conns:
                m = self._parse(c)
                if m is not None:
                    return m
            left = end - time.time()
            if left <= 0:
                return None
            rl = [self.lsock] + [c.sock for c in self.conns if c.open]
            # TLS may hold decrypted bytes that select() cannot see
            ready = [c.sock for c in self.conns if c.open and self.tls and c.sock.pending()]
            if not ready:
                ready, _, _ = select.select(rl, [], [], min(left, 0.2))
            for s in ready:
                if s is self.lsock:
                    self._accept()
                    continue
                c = [x for x in self.conns if x.sock is s][0]
                try:
                    data = s.recv(65536)
                except (ssl.SSLWantReadError, BlockingIOError):
                    continue
                except (ssl.SSLError, OSError):
                    data = b''
                if not data:
                    c.open = False
                else:
                    c.buf += data

    def recv_match(self, pred, timeout=5.0):
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

    def request_in(self, method, timeout=5.0):
        return self.recv_match(lambda x: x.method == method, timeout)

    def send(self, conn, data):
        if isinstance(data, str):
            data = data.encode()
        conn.sock.setblocking(True)
        conn.sock.settimeout(5)
        try:
            conn.sock.sendall(data)
        finally:
            conn.sock.setblocking(False)

    def contact(self):
        return 'sip:%s@127.0.0.1:%d;transport=%s' % (self.user, self.port,
                                                     'tls' if self.tls else 'tcp')

    def reply(self, req, code, reason, totag=None, extra='', body=''):
        to = req.get('to')
        if totag and ';tag=' not in to:
            to += ';tag=%s' % totag
        m = 'SIP/2.0 %d %s\r\n' % (code, reason)
        for v in req.all('via'):
            m += 'Via: %s\r\n' % v
        m += ('From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n'
              % (req.get('from'), to, req.get('call-id'), req.get('cseq')))
        if 100 < code < 300:
            m += 'Contact: <%s>\r\n' % self.contact()
        m += extra
        if body:
            m += 'Content-Type: application/sdp\r\n'
        m += 'Content-Length: %d\r\n\r\n' % len(body.encode()) + body
        self.send(req.conn, m)

    def request(self, conn, method, inv, totag, cseq, body='', extra=''):
        """A request inside the dialog the trunk (UAS) created from inv
        (RFC 3261 §12.2.1.1: From/To swapped, target = the INVITE's Contact)."""
        m = re.search(r'<([^>]+)>', inv.get('contact') or '')
        target = m.group(1) if m else inv.ruri
        msg = ('%s %s SIP/2.0\r\nVia: SIP/2.0/%s 127.0.0.1:%d;branch=%s\r\n'
               'Max-Forwards: 70\r\nFrom: %s;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\n'
               'CSeq: %d %s\r\nContact: <%s>\r\n%s'
               % (method, target, 'TLS' if self.tls else 'TCP', self.port, branch(), re.sub(r';\s*tag=[^;>\s]+', '',
                                                              inv.get('to')),
                  totag, inv.get('from'), inv.get('call-id'), cseq, method, self.contact(),
                  extra))
        if body:
            msg += 'Content-Type: application/sdp\r\n'
        msg += 'Content-Length: %d\r\n\r\n' % len(body.encode()) + body
        self.send(conn, msg)
        return Msg(msg.encode())


class Call:
    """An answered call caller -> callee (both Peers) through the daemon."""

    def __init__(self, caller, callee, n, aport, bport, suites=None, btag=None):
        self.caller, self.callee = caller, callee
        offer, self.akeys = srtp_offer(aport, suites) if suites else srtp_offer(aport)
        self.dlg = Dialog(caller, callee.user, 'more%d-%s' % (n, os.urandom(4).hex()))
        early = self.dlg.call_start(offer)
        require(early is None, 'call %d: INVITE challenged once and accepted' % n, repr(early))
        self.inv = callee.request_in('INVITE', 5)
        require(self.inv is not None, 'call %d: %s receives the INVITE' % (n, callee.user))
        self.btag = btag or 'b%d%s' % (n, os.urandom(3).hex())
        self.bcseq = 0                 # the callee's own CSeq in this dialog
        ans, self.bchoice = srtp_answer(self.inv.body, bport)
        callee.reply(self.inv, 200, 'OK', totag=self.btag, body=ans)
        self.ok = self.dlg.final(10)
        require(self.ok is not None and self.ok.status == 200,
                'call %d: %s gets 200 OK' % (n, caller.user), repr(self.ok))
        self.ack = callee.request_in('ACK', 5)
        check(self.ack is not None, 'call %d: %s gets the ACK' % (n, callee.user))
        self.answer_keys = sdp_cryptos(self.ok.body)

    def callee_request(self, method, body='', extra='', cseq=None):
        """A request from the callee inside its dialog (§12.2.1.1); an ACK
        takes the CSeq number of its INVITE (cseq)."""
        inv = self.inv
        m = re.search(r'<([^>]+)>', inv.get('contact') or '')
        target = m.group(1) if m else inv.ruri
        if cseq is None:
            self.bcseq += 1
            cseq = self.bcseq
        to = inv.get('from')
        frm = re.sub(r';\s*tag=[^;>\s]+', '', inv.get('to')) + ';tag=' + self.btag
        msg = self.callee.build(method, target, to, extra=extra, body=body,
                                callid=inv.get('call-id'), cseq=cseq, fromtag='x')
        msg = re.sub(r'(?m)^From: [^\r\n]*', lambda _m: 'From: ' + frm, msg, count=1)
        self.callee.send(msg)
        return Msg(msg.encode())

    def bye_from_caller(self, what='call'):
        self.dlg.in_dialog('BYE')
        bye = self.callee.request_in('BYE', 5)
        check(bye is not None, '%s: the callee receives BYE' % what)
        if bye is not None:
            self.callee.reply(bye, 200, 'OK')
        r = self.caller.recv_match(lambda x: x.status is not None and x.cseq()[1] == 'BYE', 5)
        check(r is not None and r.status == 200, '%s: the caller gets 200 to BYE' % what, repr(r))

    def bye_from_callee(self, what='call'):
        self.callee_request('BYE')
        bye = self.caller.request_in('BYE', 5)
        check(bye is not None, '%s: the caller receives BYE' % what)
        if bye is not None:
            self.caller.reply(bye, 200, 'OK')
        r = self.callee.recv_match(lambda x: x.status is not None and x.cseq()[1] == 'BYE', 5)
        check(r is not None and r.status == 200, '%s: the callee gets 200 to BYE' % what, repr(r))
