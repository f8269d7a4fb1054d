# SPDX-License-Identifier: BSD-3-Clause
"""The sip process as an unprivileged user ([general] user = nobody) with a
real shieldlock-dp started with --ctl-user nobody. Root only; exits 77
otherwise.

Checked from outside (/proc): exactly one child of shieldlockd runs as
nobody, with every uid and gid of nobody, NoNewPrivs and no supplementary
groups; the ca child stays root. The sip process cannot read the key or the
trust store (state dir 0700, key 0600), so TLS with client certificates
working proves the parent sent them; a trust anchor added afterwards and a
SIGHUP reach it the same way. A call installs its flows through the data
plane socket as nobody. Refusals: an unknown user and root in the
configuration, an unknown --ctl-user, a socket nobody cannot reach."""
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sipdtest import (DataPlane, wait_for, Daemon, Peer, Dialog, TestCA, Skip, check,  # noqa
                      require, main, log, at_exit, binary, sdp_offer, new_key, sdp_cryptos)

PORT_MIN, PORT_MAX = 41000, 41999


def status_of(pid):
    with open('/proc/%d/status' % pid) as f:
        return dict(l.rstrip('\n').split(':\t', 1) for l in f if ':\t' in l)


def children_of(pid):
    out = []
    for task in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/children' % (pid, task)) as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def run():
    if os.geteuid() != 0:
        raise Skip('needs root (switching users, DPDK)')
    nobody = pwd.getpwnam('nobody')
    tmp = tempfile.mkdtemp(prefix='sl-sipdt-user-')
    at_exit(lambda: shutil.rmtree(tmp, ignore_errors=True))
    os.chmod(tmp, 0o711)        # nobody passes through to the socket, lists nothing

    log('--- refusals')
    dpbin = binary('SHIELDLOCK_DP', 'shieldlock-dp')
    base = [dpbin, '-l', '0,1', '--no-pci', '--no-huge', '-m', '256', '--file-prefix',
            'sl-user-%d' % os.getpid(), '--no-shconf', '--vdev', 'net_null0', '--']
    r = subprocess.run(base + ['--ctl-user', 'no-such-user-x', '--ctl-socket',
                               os.path.join(tmp, 'x.sock')], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode != 0 and "no user 'no-such-user-x'" in r.stderr,
          'shieldlock-dp refuses an unknown --ctl-user', r.stderr)
    closed = os.path.join(tmp, 'closed')
    os.mkdir(closed, 0o700)
    r = subprocess.run(base + ['--ctl-user', 'nobody', '--ctl-socket',
                               os.path.join(closed, 'dp.sock'), '--run-for', '1'],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode != 0 and 'cannot reach' in (r.stdout + r.stderr) and closed in
          (r.stdout + r.stderr), 'shieldlock-dp refuses a socket --ctl-user cannot reach, '
          'naming the directory', r.stdout + r.stderr)
    for who, why in (('no-such-user-x', 'no such user'), ('root', 'that is root')):
        d0 = Daemon('user-' + who, general='user = %s\n' % who, start=False)
        r = subprocess.run([d0.bin, '--check-config', '--config', d0.conf],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 1 and why in r.stderr and 'user = ' + who in r.stderr,
              'shieldlockd refuses [general] user = %s (%s)' % (who, why), r.stderr)

    log('--- the sip process as nobody')
    dp = DataPlane(tmp, ctl_user='nobody')
    st = os.stat(dp.sock)
    check(st.st_uid == nobody.pw_uid and (st.st_mode & 0o777) == 0o600,
          'the data plane socket is owned by nobody, mode 0600',
          'uid %d mode %o' % (st.st_uid, st.st_mode & 0o777))
    ca = TestCA(tmp, 'trusted')
    acert, bcert = ca.issue('alice-desk'), ca.issue('bob-desk')
    d = Daemon('user', general='user = nobody\n',
               media='dp_socket = %s\ninactivity_timeout = 0\n'
               'interface = lo port=0 address=127.0.0.1 subnet=127.0.0.0/8 '
               'mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=%d-%d\n'
               % (dp.sock, PORT_MIN, PORT_MAX))
    check(d.wait_log(r'running as nobody \(uid %d' % nobody.pw_uid, 10, must=False),
          'the sip process says it runs as nobody')
    kids = children_of(d.proc.pid)
    stats = {k: status_of(k) for k in kids}
    as_nobody = [k for k, s in stats.items() if s['Uid'].split() == [str(nobody.pw_uid)] * 4]
    require(len(as_nobody) == 1, 'exactly one child runs as nobody (real, effective, saved, '
            'fs uid)', repr({k: s['Uid'] for k, s in stats.items()}))
    sip = stats[as_nobody[0]]
    check(sip['Gid'].split() == [str(nobody.pw_gid)] * 4, 'its gids are nobody\'s', sip['Gid'])
    check(sip.get('Groups', '').split() in ([], [str(nobody.pw_gid)]),
          'no supplementary groups of root', repr(sip.get('Groups')))
    check(sip.get('NoNewPrivs') == '1', 'NoNewPrivs is set', repr(sip.get('NoNewPrivs')))
    check(sip.get('CapEff', '').strip('0') == '', 'no effective capabilities',
          repr(sip.get('CapEff')))
    others = [k for k in kids if k not in as_nobody]
    check(others and all(stats[k]['Uid'].split()[1] == '0' for k in others),
          'the other children (ca) stay root', repr({k: stats[k]['Uid'] for k in others}))
    key = os.path.join(d.state, 'private', 'node.key')
    check(os.stat(key).st_mode & 0o077 == 0, 'the node key is root-only (%s)' % key)

    log('--- TLS with client certificates, a trust anchor added at run time')
    mark = d.mark()
    ca.install(d.trust_dir())
    d.hup(wait_for=r'TLS certificate .* loaded, [1-9]\d* trust anchor')
    check(re.search(r'TLS certificate .* loaded, 2 trust anchor', d.log()[mark:]),
          'the reload brought 2 trust anchors (the appliance CA and the test CA)',
          d.log()[mark:])
    for u in ('alice', 'bob'):
        d.add_user(u, 'secret-' + u)
        d.add_device(u + '-desk', u, 'encrypted')
    alice = Peer(d, 'alice', 'secret-alice', 'tls', cert=acert[0], key=acert[1])
    bob = Peer(d, 'bob', 'secret-bob', 'tls', cert=bcert[0], key=bcert[1])
    require(alice.register()[1].status == 200, 'alice registers (TLS, client certificate)')
    require(bob.register()[1].status == 200, 'bob registers (TLS, client certificate)')

    log('--- a call: flows through the data plane socket as nobody')
    keys = [(1, 'AES_CM_128_HMAC_SHA1_80', new_key('AES_CM_128_HMAC_SHA1_80'))]
    dlg = Dialog(alice, 'bob', 'user1-' + os.urandom(4).hex())
    require(dlg.call_start(sdp_offer('127.0.0.1', 4000, keys)) is None, 'INVITE accepted')
    inv = bob.request_in('INVITE', 5)
    require(inv is not None, 'bob receives the INVITE')
    tag, suite, _ = sdp_cryptos(inv.body)[0]
    bob.reply(inv, 200, 'OK', totag='bt1',
              body=sdp_offer('127.0.0.1', 5000, [(tag, suite, new_key(suite))]))
    r = dlg.final(10)
    require(r is not None and r.status == 200, 'alice gets 200 OK', repr(r))
    check(wait_for(lambda: [f for f in dp.flows() if f.get('action') == 'srtp-rekey']),
          'the call\'s flows are in the data plane', repr(dp.flows()))
    check(re.search(r'control client \d+ connected \(pid %d, uid %d\)'
                    % (as_nobody[0], nobody.pw_uid), dp.log()),
          'the data plane saw the sip process connect as nobody', dp.log()[-2000:])
    dlg.in_dialog('BYE')
    bye = bob.request_in('BYE', 5)
    if bye is not None:
        bob.reply(bye, 200, 'OK')
    check(wait_for(lambda: not dp.flows()), 'the flows are gone after BYE', repr(dp.flows()))
    check(d.alive(), 'shieldlockd still running')


if __name__ == '__main__':
    main(run)
