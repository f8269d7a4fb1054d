#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks the SIP signalling of an end-to-end call from captures of the
TLS connections, decrypted by tshark with the daemon's NSS key log.

  sipcheck.py --keylog FILE [--tls-port 5061] [--key-dump FILE]
              --leg NAME,PCAP,PHONE_IP,SERVER_IP,MEDIA_IP [--leg ...]

For each leg (one phone's connection to the appliance):
  - REGISTER: the appliance answers 401 first, then 200 (RFC 3261 §22,
    digest challenge then success);
  - every SDP the phone receives from the appliance says c=IN IP4 MEDIA_IP
    (media anchored on the appliance), uses RTP/SAVP and carries a=crypto
    (RFC 4568);
  - a BYE and its 200 were exchanged.
Across the legs: the SRTP keys the appliance gives one phone are neither the
keys the other phone offered nor the keys the other phone was given (one key
per leg: the appliance re-keys, it does not pass keys through).
--key-dump writes every inline key seen (one a line) so the caller can make
sure none of them appears in a log.
Prints PASS/FAIL lines; exit 0 if all pass, 1 otherwise, 2 on usage/tool errors.
"""

import argparse
import subprocess
import sys

failed = 0


def check(name, ok, detail=''):
    global failed
    print('%s: %s%s' % ('PASS' if ok else 'FAIL', name, '' if ok or not detail else '  [%s]' % detail))
    if not ok:
        failed += 1


FIELDS = ['frame.number', 'ip.src', 'ip.dst', 'sip.Method', 'sip.Status-Code', 'sip.CSeq.method',
          'sdp.connection_info.address', 'sdp.media.proto', 'sdp.media_attr']


def tshark(pcap, keylog, port):
    argv = ['tshark', '-n', '-r', pcap, '-o', 'tls.keylog_file:' + keylog,
            '-o', 'sip.tls.port:%d' % port, '-Y', 'sip', '-T', 'fields',
            '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=\x1f']
    for f in FIELDS:
        argv += ['-e', f]
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        print('sipcheck: tshark failed on %s: %s' % (pcap, p.stderr.strip()), file=sys.stderr)
        sys.exit(2)
    msgs = []
    for line in p.stdout.splitlines():
        cols = line.split('\t')
        cols += [''] * (len(FIELDS) - len(cols))
        m = dict(zip(FIELDS, cols))
        # a frame may hold several SIP messages: keep the first of each
        # field, attributes stay a list
        for k in ('ip.src', 'ip.dst', 'sip.Method', 'sip.Status-Code', 'sip.CSeq.method',
                  'sdp.media.proto'):
            m[k] = m[k].split('\x1f')[0].split(',')[0]
        m['c'] = [a for a in m['sdp.connection_info.address'].split('\x1f') if a]
        m['attrs'] = [a for a in m['sdp.media_attr'].split('\x1f') if a]
        m['keys'] = [a.split('inline:')[1].split('|')[0].split()[0]
                     for a in m['attrs'] if a.startswith('crypto:') and 'inline:' in a]
        m['what'] = m['sip.Method'] or '%s (%s)' % (m['sip.Status-Code'], m['sip.CSeq.method'])
        msgs.append(m)
    return msgs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--keylog', required=True)
    ap.add_argument('--tls-port', type=int, default=5061)
    ap.add_argument('--key-dump')
    ap.add_argument('--leg', action='append', required=True,
                    help='NAME,PCAP,PHONE_IP,SERVER_IP,MEDIA_IP')
    a = ap.parse_args()
    legs = []
    for spec in a.leg:
        parts = spec.split(',')
        if len(parts) != 5:
            print('sipcheck: --leg %s: give NAME,PCAP,PHONE_IP,SERVER_IP,MEDIA_IP' % spec,
                  file=sys.stderr)
            return 2
        legs.append(dict(zip(('name', 'pcap', 'phone', 'server', 'media'), parts)))

    all_keys = set()
    for leg in legs:
        n = leg['name']
        msgs = tshark(leg['pcap'], a.keylog, a.tls_port)
        print('sipcheck: %s: %d SIP messages decrypted from %s' % (n, len(msgs), leg['pcap']))
        for m in msgs:
            print('    %s -> %s  %s%s' % (m['ip.src'], m['ip.dst'], m['what'],
                                         ('  c=%s %s crypto=%d' % (','.join(m['c']), m['sdp.media.proto'],
                                                                   len(m['keys'])))
                                         if m['c'] else ''))
        check('%s: SIP over TLS decrypted with the key log' % n, len(msgs) > 0,
              'no SIP found: is tls_keylog set, and did the capture start before the connection?')
        down = [m for m in msgs if m['ip.src'] == leg['server'] and m['ip.dst'] == leg['phone']]
        up = [m for m in msgs if m['ip.src'] == leg['phone'] and m['ip.dst'] == leg['server']]
        reg = [m['sip.Status-Code'] for m in down
               if m['sip.CSeq.method'] == 'REGISTER' and m['sip.Status-Code'] and
               int(m['sip.Status-Code']) >= 200]
        check('%s: REGISTER answered 401 then 200 (responses: %s)' % (n, ' '.join(reg) or 'none'),
              len(reg) >= 2 and reg[0] == '401' and '200' in reg[1:], reg)
        sdp_in = [m for m in down if m['c']]
        check('%s: the phone received SDP from the appliance (%s)' %
              (n, ', '.join(m['what'] for m in sdp_in) or 'none'), len(sdp_in) > 0)
        for m in sdp_in:
            check('%s: %s SDP: c=%s (want %s)' % (n, m['what'], ','.join(m['c']), leg['media']),
                  set(m['c']) == {leg['media']})
            check('%s: %s SDP: %s with a=crypto (%d keys)' % (n, m['what'], m['sdp.media.proto'],
                                                             len(m['keys'])),
                  m['sdp.media.proto'] == 'RTP/SAVP' and len(m['keys']) > 0)
        leg['rx_keys'] = {k for m in sdp_in for k in m['keys']}
        leg['tx_keys'] = {k for m in up for k in m['keys']}
        all_keys |= leg['rx_keys'] | leg['tx_keys']
        bye = [m for m in msgs if m['sip.Method'] == 'BYE']
        bye_ok = [m for m in msgs if m['sip.CSeq.method'] == 'BYE' and m['sip.Status-Code'] == '200']
        check('%s: BYE and 200 OK (BYE) after the call' % n, bye and bye_ok)
    for i, x in enumerate(legs):
        for y in legs[i + 1:]:
            check('keys: %s and %s were given different keys' % (x['name'], y['name']),
                  x['rx_keys'] and y['rx_keys'] and not (x['rx_keys'] & y['rx_keys']))
            check('keys: %s did not get %s\'s own key (re-keyed, not passed through)' %
                  (x['name'], y['name']), x['rx_keys'] and not (x['rx_keys'] & y['tx_keys']))
            check('keys: %s did not get %s\'s own key (re-keyed, not passed through)' %
                  (y['name'], x['name']), y['rx_keys'] and not (y['rx_keys'] & x['tx_keys']))
    if a.key_dump:
        with open(a.key_dump, 'w') as f:
            f.write(''.join(k + '\n' for k in sorted(all_keys)))
    print('sipcheck: %s' % ('%d check(s) failed' % failed if failed else 'all checks passed'))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
