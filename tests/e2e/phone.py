#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A scripted SIP phone for the end-to-end tests: baresip (Debian's
baresip-core 1.0.0) in a network namespace, driven over its ctrl_tcp socket.

  phone.py setup DIR --user U --domain D --laddr IP --cert PEM --key PEM
                 --ca PEM --play WAV --record WAV [--password-file F]
                 [--proxy URI] [--regint S] [--sip-port P] [--rtp-ports A-B]
                 [--ctrl-port P] [--answer auto|manual] [--mediaenc srtp-mand|srtp|none]
                 [--net-interface IF]
  phone.py start DIR --ns NS          start baresip (ip netns exec NS baresip -f DIR)
  phone.py wait-registered DIR [--timeout S]
  phone.py dial DIR URI
  phone.py wait-established DIR [--timeout S]
  phone.py hangup DIR
  phone.py wait-closed DIR [--timeout S]
  phone.py cmd DIR COMMAND [PARAMS]   any baresip long command (reginfo, listcalls, ...)
  phone.py stop DIR                   quit baresip (kill if it does not), then copy
                                      the received audio to the --record file

Facts about baresip 1.0.0 this relies on (docs/e2e.md):
- TLS listens on the sip_listen port + 1; sip_certificate is one PEM with
  the certificate and its key, presented as server and as client certificate;
  sip_cafile is the CA list.
- aufile is only an audio *source* in 1.0.0 (8 kHz mono S16 wav when
  ausrc_srate is 8000). Received audio is recorded by the sndfile audio
  filter: snd_path/dump-<time>-dec.wav is the decoded stream (what the
  phone heard), dump-<time>-enc.wav what it sent. The player is ALSA's
  "null" device.
- ctrl_tcp speaks netstrings of JSON: {"command":..,"params":..,"token":..}
  -> {"response":true,"ok":..,"data":..,"token":..}; events arrive on the
  same connection and are skipped here (we poll state instead, so no event
  can be missed).
"""

import argparse
import ctypes
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

BARESIP = os.environ.get('BARESIP', 'baresip')
MODULE_PATH = os.environ.get('BARESIP_MODULES', '/usr/lib/baresip/modules')
STATE = 'phone.json'


def die(msg):
    print('phone.py: ' + msg, file=sys.stderr)
    sys.exit(1)


def load_state(d):
    try:
        with open(os.path.join(d, STATE)) as f:
            return json.load(f)
    except OSError as e:
        die('%s: not a phone directory (%s): run "phone.py setup %s ..." first' % (d, e, d))


def save_state(d, st):
    with open(os.path.join(d, STATE), 'w') as f:
        json.dump(st, f, indent=1)


def read_file(path, what):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        die('cannot read %s %s: %s' % (what, path, e))


# ------------------------------------------------------------------ setup

def cmd_setup(a):
    d = os.path.abspath(a.dir)
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o700)
    snd = os.path.join(d, 'snd')
    os.makedirs(snd, exist_ok=True)
    for old in glob.glob(os.path.join(snd, 'dump-*.wav')):
        os.unlink(old)
    # sip_certificate: certificate followed by its private key, one file
    pem = read_file(a.cert, 'certificate').rstrip('\n') + '\n' + read_file(a.key, 'key')
    cert_path = os.path.join(d, 'cert.pem')
    fd = os.open(cert_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(pem)
    ca_path = os.path.join(d, 'ca.pem')
    shutil.copyfile(a.ca, ca_path)
    play = os.path.abspath(a.play)
    if not os.path.isfile(play):
        die('--play %s: no such file (make one: audio_check gen OUT.wav FREQ SECONDS)' % play)
    rtp_lo, rtp_hi = a.rtp_ports.split('-')
    ctrl = '127.0.0.1:%d' % a.ctrl_port
    config = [
        '# written by tests/e2e/phone.py',
        'poll_method\t\tepoll',
        'sip_listen\t\t%s:%d' % (a.laddr, a.sip_port),
        'sip_certificate\t%s' % cert_path,
        'sip_cafile\t\t%s' % ca_path,
        'call_local_timeout\t120',
        'call_max_calls\t\t4',
        'audio_player\t\talsa,null',
        'audio_alert\t\talsa,null',
        'audio_source\t\taufile,%s' % play,
        'ausrc_srate\t\t8000',
        'auplay_srate\t\t8000',
        'ausrc_channels\t\t1',
        'auplay_channels\t\t1',
        'audio_level\t\tno',
        'audio_buffer\t\t20-160',
        'rtp_tos\t\t\t184',
        'rtp_ports\t\t%s-%s' % (rtp_lo, rtp_hi),
        'rtcp_mux\t\tno',
        'jitter_buffer_delay\t5-10',
        'rtp_stats\t\tno',
        'module_path\t\t%s' % MODULE_PATH,
        'module\t\t\tg711.so',
        'module\t\t\taufile.so',
        'module\t\t\talsa.so',
        'module\t\t\tsrtp.so',
        'module\t\t\tsndfile.so',
        'module_tmp\t\tuuid.so',
        'module_tmp\t\taccount.so',
        'module_app\t\tmenu.so',
        'module_app\t\tctrl_tcp.so',
        'ctrl_tcp_listen\t\t%s' % ctrl,
        'snd_path\t\t%s' % snd,
    ]
    # without it baresip 1.0.0 finds no local address in a namespace
    # without a default route ("sa_set_port: no af 0"); an address works
    config.insert(3, 'net_interface\t\t%s' % (a.net_interface or a.laddr))
    with open(os.path.join(d, 'config'), 'w') as f:
        f.write('\n'.join(config) + '\n')

    # accounts: <sip:user@domain;transport=tls>;params (baresip 1.0.0 syntax)
    aor = '<sip:%s@%s;transport=tls>' % (a.user, a.domain)
    params = ['answermode=%s' % a.answer, 'regint=%d' % a.regint,
              'audio_codecs=PCMU/8000/1,PCMA/8000/1', 'ptime=20']
    if a.mediaenc != 'none':
        params.append('mediaenc=%s' % a.mediaenc)
    if a.password_file:
        pw = read_file(a.password_file, 'password file').strip('\n')
        if not pw or any(c in pw for c in ';"<>\r\n'):
            die('--password-file %s: empty, or holds ; " < > or a line break '
                '(baresip\'s account line cannot carry those)' % a.password_file)
        params.append('auth_user=%s' % a.user)
        params.append('auth_pass=%s' % pw)
    if a.proxy:
        params.append('outbound="%s"' % a.proxy)
    fd = os.open(os.path.join(d, 'accounts'), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(aor + ';' + ';'.join(params) + '\n')
    with open(os.path.join(d, 'contacts'), 'w') as f:
        f.write('')
    save_state(d, {'ctrl': ctrl, 'record': os.path.abspath(a.record), 'snd': snd,
                   'ns': None, 'pid': None, 'user': a.user})
    print('phone.py: %s ready: %s, SIP %s:%d (TLS %d), ctrl %s' %
          (d, aor, a.laddr, a.sip_port, a.sip_port + 1, ctrl))


# ------------------------------------------------------------ namespaces

def enter_ns(ns):
    """setns(2) into /run/netns/NS (python 3.11 has no os.setns)."""
    if not ns:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open('/run/netns/' + ns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:        # CLONE_NEWNET
        e = ctypes.get_errno()
        die('setns into %s: %s (run as root)' % (ns, os.strerror(e)))
    os.close(fd)


# --------------------------------------------------------------- ctrl_tcp

class Ctrl:
    def __init__(self, st, timeout=5.0):
        enter_ns(st.get('ns'))
        host, port = st['ctrl'].rsplit(':', 1)
        self.s = socket.create_connection((host, int(port)), timeout=timeout)
        self.buf = b''
        self.n = 0

    def _read_netstring(self, deadline):
        while True:
            colon = self.buf.find(b':')
            if colon > 0:
                ln = int(self.buf[:colon])
                if len(self.buf) >= colon + 1 + ln + 1:
                    msg = self.buf[colon + 1:colon + 1 + ln]
                    if self.buf[colon + 1 + ln:colon + 2 + ln] != b',':
                        raise ValueError('bad netstring from ctrl_tcp')
                    self.buf = self.buf[colon + 2 + ln:]
                    return json.loads(msg.decode('utf-8', 'replace'))
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError('no answer from baresip ctrl_tcp')
            self.s.settimeout(left)
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError('baresip closed the ctrl_tcp connection')
            self.buf += chunk

    def command(self, cmd, params=None, timeout=5.0):
        self.n += 1
        tok = 'pp%d' % self.n
        req = {'command': cmd, 'token': tok}
        if params is not None:
            req['params'] = params
        body = json.dumps(req).encode()
        self.s.sendall(b'%d:%s,' % (len(body), body))
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_netstring(deadline)
            if m.get('response') and m.get('token') == tok:
                return m.get('ok', False), m.get('data', '')

    def close(self):
        self.s.close()


def strip_ansi(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == '\x1b':
            j = s.find('m', i)
            i = j + 1 if j >= 0 else len(s)
        else:
            out.append(s[i])
            i += 1
    return ''.join(out)


def poll(st, cmd, pred, timeout, what):
    deadline = time.monotonic() + timeout
    last = ''
    while True:
        try:
            c = Ctrl(st)
            ok, data = c.command(cmd)
            c.close()
            last = strip_ansi(data or '')
            if pred(last):
                return last
        except (OSError, ValueError, TimeoutError, ConnectionError) as e:
            last = 'ctrl_tcp: %s' % e
        if time.monotonic() >= deadline:
            die('%s: not reached within %gs; last "%s": %s' % (what, timeout, cmd, last.strip()))
        time.sleep(0.3)


# ------------------------------------------------------------- commands

def cmd_start(a):
    d = os.path.abspath(a.dir)
    st = load_state(d)
    st['ns'] = a.ns
    log = open(os.path.join(d, 'baresip.log'), 'w')
    argv = ([] if not a.ns else ['ip', 'netns', 'exec', a.ns]) + [BARESIP, '-f', d, '-v']
    if a.sip_trace:
        argv.append('-s')
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True, cwd=d)
    st['pid'] = p.pid
    save_state(d, st)
    deadline = time.monotonic() + a.timeout
    while True:
        if p.poll() is not None:
            die('baresip exited at start (status %s); its log: %s\n%s' %
                (p.returncode, log.name, read_file(log.name, 'log')[-2000:]))
        try:
            c = Ctrl(st, timeout=1)
            c.command('reginfo')
            c.close()
            break
        except (OSError, ValueError, TimeoutError, ConnectionError):
            pass
        if time.monotonic() >= deadline:
            os.killpg(p.pid, signal.SIGKILL)
            die('baresip did not open ctrl_tcp %s within %gs (log %s)' %
                (st['ctrl'], a.timeout, log.name))
        time.sleep(0.2)
    print('phone.py: baresip pid %d in %s, log %s' % (p.pid, a.ns or 'this namespace', log.name))


def cmd_wait_registered(a):
    st = load_state(a.dir)
    # reginfo lists "<aor> OK" once the REGISTER got its 200 (ERR before)
    out = poll(st, 'reginfo', lambda s: ' OK' in s, a.timeout, 'registration')
    print('phone.py: registered: ' + ' '.join(out.split()))


def cmd_dial(a):
    st = load_state(a.dir)
    c = Ctrl(st)
    ok, data = c.command('dial', a.uri)
    c.close()
    if not ok:
        die('dial %s failed: %s' % (a.uri, strip_ansi(data or '')))
    print('phone.py: dialling %s' % a.uri)


def call_state(s):
    for word in ('ESTABLISHED', 'EARLY', 'RINGING', 'OUTGOING', 'INCOMING'):
        if word in s:
            return word
    return None


def cmd_wait_established(a):
    st = load_state(a.dir)
    out = poll(st, 'listcalls', lambda s: 'ESTABLISHED' in s, a.timeout, 'call established')
    print('phone.py: call established: ' + ' '.join(out.split()))


def cmd_hangup(a):
    st = load_state(a.dir)
    c = Ctrl(st)
    ok, data = c.command('hangup')
    c.close()
    print('phone.py: hangup: %s' % ('sent' if ok else strip_ansi(data or '')))


def cmd_wait_closed(a):
    st = load_state(a.dir)
    poll(st, 'listcalls', lambda s: call_state(s) is None, a.timeout, 'call closed')
    print('phone.py: no call active')


def cmd_cmd(a):
    st = load_state(a.dir)
    c = Ctrl(st)
    ok, data = c.command(a.command, ' '.join(a.params) if a.params else None)
    c.close()
    print(strip_ansi(data or ''))
    return 0 if ok else 1


def alive(pid):
    """True while pid runs (a zombie counts as gone; it may not be our child)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


def cmd_stop(a):
    d = os.path.abspath(a.dir)
    st = load_state(d)
    pid = st.get('pid')
    if pid:
        try:
            c = Ctrl(st, timeout=2)
            c.command('quit', timeout=2)
            c.close()
        except (OSError, ValueError, TimeoutError, ConnectionError):
            pass
        for _ in range(50):
            if not alive(pid):
                break
            time.sleep(0.1)
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            print('phone.py: baresip (pid %d) did not quit in 5 s: killed' % pid)
        st['pid'] = None
        save_state(d, st)
    dumps = sorted(glob.glob(os.path.join(st['snd'], 'dump-*-dec.wav')), key=os.path.getmtime)
    if not dumps:
        die('no received audio: %s has no dump-*-dec.wav (no call, or no audio decoded)' %
            st['snd'])
    if len(dumps) > 1:
        print('phone.py: %d calls recorded; keeping the last' % len(dumps))
    shutil.copyfile(dumps[-1], st['record'])
    print('phone.py: received audio -> %s' % st['record'])


def main():
    ap = argparse.ArgumentParser(description='baresip phone for the e2e tests')
    sub = ap.add_subparsers(dest='op', required=True)
    s = sub.add_parser('setup')
    s.add_argument('dir')
    s.add_argument('--user', required=True)
    s.add_argument('--domain', required=True, help='domain of the address of record')
    s.add_argument('--laddr', required=True, help='local IP for SIP and media')
    s.add_argument('--cert', required=True)
    s.add_argument('--key', required=True)
    s.add_argument('--ca', required=True)
    s.add_argument('--play', required=True, help='8 kHz mono 16-bit wav sent as audio')
    s.add_argument('--record', required=True, help='where stop puts the received audio')
    s.add_argument('--password-file')
    s.add_argument('--proxy', help='outbound proxy, e.g. "sip:10.77.11.1:5061;transport=tls"')
    s.add_argument('--regint', type=int, default=0, help='register interval s (0: no REGISTER)')
    s.add_argument('--sip-port', type=int, default=5060)
    s.add_argument('--rtp-ports', default='10000-10999')
    s.add_argument('--ctrl-port', type=int, default=4444)
    s.add_argument('--answer', default='auto', choices=['auto', 'manual', 'early'])
    s.add_argument('--mediaenc', default='srtp-mand', choices=['srtp-mand', 'srtp', 'none'])
    s.add_argument('--net-interface', help='interface name or address (default: --laddr)')
    s = sub.add_parser('start')
    s.add_argument('dir')
    s.add_argument('--ns', help='network namespace (default: this one)')
    s.add_argument('--timeout', type=float, default=10)
    s.add_argument('--sip-trace', action='store_true', help='baresip -s: SIP messages in the log')
    for name in ('wait-registered', 'wait-established', 'wait-closed'):
        s = sub.add_parser(name)
        s.add_argument('dir')
        s.add_argument('--timeout', type=float, default=10)
    s = sub.add_parser('dial')
    s.add_argument('dir')
    s.add_argument('uri')
    s = sub.add_parser('hangup')
    s.add_argument('dir')
    s = sub.add_parser('cmd')
    s.add_argument('dir')
    s.add_argument('command')
    s.add_argument('params', nargs='*')
    s = sub.add_parser('stop')
    s.add_argument('dir')
    a = ap.parse_args()
    f = {'setup': cmd_setup, 'start': cmd_start, 'wait-registered': cmd_wait_registered,
         'dial': cmd_dial, 'wait-established': cmd_wait_established, 'hangup': cmd_hangup,
         'wait-closed': cmd_wait_closed, 'cmd': cmd_cmd, 'stop': cmd_stop}[a.op]
    return f(a) or 0


if __name__ == '__main__':
    sys.exit(main())
