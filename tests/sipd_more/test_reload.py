# SPDX-License-Identifier: BSD-3-Clause
"""SIGHUP reload with a registration and a call up (docs/shieldlockd.md,
"Reload"). Root only (shieldlock-dp on net_null ports); exits 77 otherwise.

With alice and bob registered over TLS and a call up, the test changes
log_level (debug -> notice), nonce_lifetime and the srtp_suites order, and
replaces the node certificate and key with a new one issued by the daemon's
own CA (openssl with state/ca/ca.key, as root), then sends SIGHUP. Checked:
the registrations and the call stay; the old TLS connections keep working
(re-INVITE and BYE over them, flows modified and then removed); a new TLS
connection sees the new certificate (SHA-256 fingerprint from openssl
s_client) and `cert show` agrees; the new suite order and log level apply;
the new nonce lifetime re-challenges an old nonce. A broken certificate file
on SIGHUP keeps the running certificate. A file with an error is
refused on SIGHUP with file:line in the log, and the daemon keeps running
with the old configuration."""
import json
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moretest import (Call, check, require, main, log, need_root, tmpdir, DataPlane,  # noqa
                      rig_daemon, phones, srtp_offer, srtp_answer, sdp_cryptos, flows_of,
                      wait_for, fingerprint_pem, fingerprint_der, openssl, Peer)


def sclient_fingerprint(d):
    """The SHA-256 fingerprint of the certificate a NEW TLS connection sees."""
    r = subprocess.run(['openssl', 's_client', '-connect', '127.0.0.1:%d' % d.tls,
                        '-CAfile', d.ca_pem(), '-verify_return_error'],
                       input='', capture_output=True, text=True, timeout=20)
    m = re.search(r'-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----', r.stdout, re.S)
    if not m:
        return None, r.stdout + r.stderr
    f = subprocess.run(['openssl', 'x509', '-noout', '-fingerprint', '-sha256'],
                       input=m.group(0), capture_output=True, text=True)
    return f.stdout.strip().split('=', 1)[-1].replace(':', '').upper(), r.stdout[-400:]


def new_node_cert(d, tmp):
    """A new node certificate from the daemon's CA, written over tls_cert/tls_key."""
    cakey = os.path.join(d.state, 'ca', 'ca.key')
    capem = d.ca_pem()
    node = os.path.join(d.state, 'certs', 'node.pem')
    nkey = os.path.join(d.state, 'private', 'node.key')
    key, csr, leaf, ext = [os.path.join(tmp, 'node2.' + e) for e in ('key', 'csr', 'pem', 'ext')]
    openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
            '-keyout', key, '-out', csr, '-subj', '/CN=sl-sipdt')
    with open(ext, 'w') as f:
        f.write('basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n'
                'extendedKeyUsage=serverAuth,clientAuth\n'
                'subjectAltName=DNS:sl-sipdt,IP:127.0.0.1\n')
    openssl('x509', '-req', '-in', csr, '-CA', capem, '-CAkey', cakey, '-set_serial',
            str(int.from_bytes(os.urandom(8), 'big')), '-days', '2', '-out', leaf,
            '-extfile', ext)
    with open(leaf) as a, open(capem) as b:
        chain = a.read() + b.read()
    with open(nkey) as f:
        oldkey = f.read()
    with open(key) as f:
        newkey = f.read()
    # key first, then cert: the daemon only reads them on SIGHUP
    fd = os.open(nkey, os.O_WRONLY | os.O_TRUNC)
    os.write(fd, newkey.encode())
    os.close(fd)
    with open(node, 'w') as f:
        f.write(chain)
    check(oldkey != newkey, 'a new node key was written')
    return fingerprint_pem(leaf)


def edit_conf(d, fn):
    with open(d.conf) as f:
        text = f.read()
    text = fn(text)
    with open(d.conf, 'w') as f:
        f.write(text)
    return text


def run():
    need_root()
    tmp = tmpdir()
    dp = DataPlane(tmp)
    d = rig_daemon('reload', dp, log_level='debug')
    alice, bob = phones(d, tmp)
    fp0, out = sclient_fingerprint(d)
    require(fp0 is not None, 'openssl s_client gets the node certificate', out)
    check(fp0 == fingerprint_pem(os.path.join(d.state, 'certs', 'node.pem')),
          'the first TLS connection sees certs/node.pem')
    old_peer_fp = fingerprint_der(alice.sock.getpeercert(binary_form=True))
    check(old_peer_fp == fp0, 'alice\'s connection sees the same certificate')

    log('--- call 1 before the reload (default suite order: AEAD_AES_128_GCM first of alice\'s)')
    c = Call(alice, bob, 1, 4000, 5000)
    check(len(c.answer_keys) == 1 and c.answer_keys[0][1] == 'AEAD_AES_128_GCM',
          'before: alice\'s answer takes AEAD_AES_128_GCM', c.ok.body)
    before = sdp_cryptos(c.inv.body)
    check([s for _, s, _ in before][:2] == ['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM'],
          'before: bob is offered the default order', c.inv.body)
    flows = wait_for(lambda: flows_of(dp, 'srtp-rekey'))
    flow_ids = sorted(f['id'] for f in flows)
    require(flows, 'call 1 has flows', json.dumps(dp.flows()))

    log('--- change log_level, nonce_lifetime, srtp_suites and the node certificate; SIGHUP')
    new_order = 'AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM, AEAD_AES_256_GCM'
    good = edit_conf(d, lambda t: t.replace('log_level = debug', 'log_level = notice')
                     .replace('[sip]\n', '[sip]\nnonce_lifetime = 7\n', 1)
                     .replace('[media]\n', '[media]\nsrtp_suites = %s\n' % new_order, 1))
    old_nonce = alice.nonce        # from call 1's INVITE challenge, used with nc 1
    fp1 = new_node_cert(d, tmp)
    check(fp1 != fp0, 'the new certificate has another fingerprint')
    mark = d.mark()
    d.hup(wait_for=r'configuration reloaded')
    time.sleep(0.5)       # 'TLS certificate ... loaded' is an info line: not at notice
    check('TLS reload failed' not in d.log()[mark:], 'the new certificate was accepted',
          d.log()[mark:])

    regs = d.registrations()
    check(sorted(r.get('user') for r in regs) == ['alice', 'bob'],
          'registrations kept across SIGHUP', json.dumps(regs))
    act = d.ctl('calls').get('calls', [])
    check(len(act) == 1, 'the call is still active after SIGHUP', json.dumps(act))
    check(sorted(f['id'] for f in flows_of(dp, 'srtp-rekey')) == flow_ids,
          'the flows are untouched by SIGHUP')

    fp2, out = sclient_fingerprint(d)
    check(fp2 == fp1, 'a NEW TLS connection sees the new certificate (s_client)',
          'expected %s, got %s\n%s' % (fp1, fp2, out))
    show = d.ctl('cert', 'show', json_out=False).stdout
    check(fp1 in show.replace(':', '').upper(), 'cert show prints the new fingerprint', show)
    newp = Peer(d, 'alice', 'secret-alice', 'tls', verify_server=True, connect=False)
    try:
        newp.connect()
        check(fingerprint_der(newp.sock.getpeercert(binary_form=True)) == fp1,
              'the new certificate verifies against the appliance CA')
    except Exception as e:          # noqa: BLE001 (report any TLS failure)
        check(False, 'a new verified TLS connection after the reload', repr(e))
    finally:
        newp.close()
    check(fingerprint_der(alice.sock.getpeercert(binary_form=True)) == fp0,
          'alice\'s old connection still has the old certificate')

    log('--- the old connections keep working: re-INVITE from alice (new suite order)')
    hoffer, _ = srtp_offer(4000, direction='sendonly', ver=2)
    c.dlg.in_dialog('INVITE', body=hoffer)
    rinv = bob.request_in('INVITE', 5)
    require(rinv is not None, 'bob receives the re-INVITE over his old connection')
    re_keys = sdp_cryptos(rinv.body)
    check(re_keys and not ({k for _, _, k in re_keys} & {k for _, _, k in before}),
          'the re-offer to bob (after the reload) carries new keys', rinv.body)
    ans, _ = srtp_answer(rinv.body, 5000, 'recvonly', ver=2)
    bob.reply(rinv, 200, 'OK', totag=c.btag, body=ans)
    r = c.dlg.final(10)
    check(r is not None and r.status == 200, 'alice gets 200 to the re-INVITE', repr(r))
    check(bob.request_in('ACK', 5) is not None, 'bob gets the ACK')
    time.sleep(0.3)
    check(sorted(f['id'] for f in flows_of(dp, 'srtp-rekey')) == flow_ids,
          'the flows were modified in place after the reload')

    log('--- BYE from bob over his old connection')
    c.bye_from_callee('call 1')
    check(wait_for(lambda: not dp.flows()), 'call 1: flows removed', json.dumps(dp.flows()))

    log('--- call 2 after the reload: the new suite order decides the answer')
    c2 = Call(alice, bob, 2, 4002, 5002)
    check(len(c2.answer_keys) == 1 and c2.answer_keys[0][1] == 'AES_CM_128_HMAC_SHA1_80',
          'after: alice\'s answer takes AES_CM_128_HMAC_SHA1_80', c2.ok.body)
    check([x for _, x, _ in sdp_cryptos(c2.inv.body)] == [x.strip() for x in new_order.split(',')],
          'after: bob is offered exactly the reloaded srtp_suites, in order', c2.inv.body)
    c2.bye_from_caller('call 2')
    check(wait_for(lambda: not dp.flows()), 'call 2: flows removed', json.dumps(dp.flows()))

    log('--- log_level = notice: no debug lines any more; nonce key restarted')
    since = d.mark()
    # alice answers with a nonce she got before the reload (nc 2): the key changed
    r1 = alice.register_once(600, auth=alice.authorization('REGISTER', 'sip:%s' % d.domain,
                                                           _fake_401(old_nonce), nc=2))
    check(r1 is not None and r1.status == 401, 'an old nonce is re-challenged after the '
          'nonce_lifetime change', repr(r1))
    if r1 is not None and r1.status == 401:
        r2 = alice.register_once(600, auth=alice.authorization('REGISTER', 'sip:%s' % d.domain,
                                                               r1))
        check(r2 is not None and r2.status == 200, 'the new challenge is answered', repr(r2))
    time.sleep(0.3)
    dbg = [l for l in d.log()[since:].splitlines() if ' DEBUG ' in l]
    check(not dbg, 'log_level = notice after SIGHUP: no DEBUG lines', '\n'.join(dbg[:5]))

    log('--- a broken certificate file on SIGHUP: the running certificate stays')
    node = os.path.join(d.state, 'certs', 'node.pem')
    with open(node) as f:
        saved = f.read()
    with open(node, 'w') as f:
        f.write('-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n')
    m = d.hup(wait_for=r'TLS reload failed.*')
    check(m is not None and 'node.pem' in m.group(0), 'the TLS reload failure names the file',
          m.group(0) if m else '')
    fp3, out = sclient_fingerprint(d)
    check(fp3 == fp1, 'new TLS connections still get the running certificate', '%s\n%s'
          % (fp3, out))
    check(d.alive(), 'shieldlockd keeps running with a broken certificate file')
    with open(node, 'w') as f:
        f.write(saved)
    d.hup()

    log('--- a bad file on SIGHUP is refused with file:line; the old configuration stays')
    lines = good.split('\n')
    idx = [i for i, l in enumerate(lines) if l.startswith('nonce_lifetime')][0]
    lines[idx] = 'nonce_lifetime = 0'
    lines.insert(idx + 1, 'log_level_typo = debug')
    with open(d.conf, 'w') as f:
        f.write('\n'.join(lines).replace('log_level = notice', 'log_level = debug'))
    bad_line = idx + 1
    since = d.mark()
    m = d.hup(wait_for=r'reload refused.*')
    check(m is not None and ('%s:%d:' % (d.conf, bad_line)) in m.group(0),
          'the refusal names %s:%d' % (os.path.basename(d.conf), bad_line),
          m.group(0) if m else d.log()[since:])
    time.sleep(1.0)
    check(d.alive(), 'shieldlockd keeps running after a refused reload')
    tail = d.log()[since:]
    check('configuration reloaded' not in tail, 'the sip process got no new configuration',
          tail)
    check(not [l for l in tail.splitlines() if ' DEBUG ' in l],
          'log_level stays notice (the bad file asked for debug)', tail)
    c3 = Call(alice, bob, 3, 4004, 5004)
    check(len(c3.answer_keys) == 1 and c3.answer_keys[0][1] == 'AES_CM_128_HMAC_SHA1_80',
          'the running srtp_suites order is kept', c3.ok.body)
    c3.bye_from_caller('call 3')
    check(wait_for(lambda: not dp.flows()), 'call 3: flows removed', json.dumps(dp.flows()))
    regs = d.registrations()
    check(len(regs) == 2, 'both registrations still there', json.dumps(regs))

    log('--- listen address and media interface changes need a restart (and say so)')
    from moretest import free_port
    newport = free_port(1, udp=False)
    edit_conf(d, lambda t: t.replace('listen_tls = 127.0.0.1:%d' % d.tls,
                                     'listen_tls = 127.0.0.1:%d' % newport)
              .replace('rtp_ports=40000-40999', 'rtp_ports=41000-41999'))
    with open(d.conf) as f:
        text = f.read()
    text = text.replace('nonce_lifetime = 0\n', 'nonce_lifetime = 7\n')
    text = text.replace('log_level_typo = debug\n', '')
    with open(d.conf, 'w') as f:
        f.write(text)
    since = d.mark()
    d.hup()
    time.sleep(0.3)
    tail = d.log()[since:]
    check(re.search(r'(?i)listen.*restart|restart.*listen', tail),
          'the log says the listen address change needs a restart (docs/shieldlockd.md)', tail)
    check(re.search(r'(?i)interface.*restart|restart.*interface|media.*restart', tail),
          'the log says the media interface change needs a restart', tail)
    fp4, out = sclient_fingerprint(d)
    check(fp4 is not None, 'TLS still answers on the old port after the reload', out)
    s2 = socket.socket()
    try:
        s2.settimeout(2)
        refused = s2.connect_ex(('127.0.0.1', newport)) != 0
    finally:
        s2.close()
    check(refused, 'nothing listens on the new port before a restart')


def _fake_401(nonce):
    """A stand-in 401 carrying the nonce alice already had (to reuse it)."""
    from sipdtest import Msg
    return Msg(('SIP/2.0 401 Unauthorized\r\nCSeq: 1 REGISTER\r\nWWW-Authenticate: Digest '
                'realm="shieldlock.test", nonce="%s", qop="auth", algorithm=SHA-256\r\n'
                'Content-Length: 0\r\n\r\n' % nonce).encode())


if __name__ == '__main__':
    main(run)
