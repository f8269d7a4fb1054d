#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# e2e_call: one encrypted call through the whole appliance (docs/e2e.md).
#
#   alice (baresip, sl-phone 10.77.1.2) --TLS--> shieldlockd (sl-dp, 10.77.11.1:5061)
#   bob   (baresip, sl-trunk 10.77.2.2) --TLS--> shieldlockd (sl-dp, 10.77.12.1:5061)
#   media: alice <-SRTP-> 10.77.1.1 [shieldlock-dp, srtp-rekey] 10.77.2.1 <-SRTP-> bob
#
#   e2e_call.sh --rig SHIELDLOCK-RIG --shieldlockd PATH --ctl PATH --dp PATH
#               --audio-check PATH [--call-seconds N] [--keep]
#
# Each option may instead come from the environment: SL_RIG, SHIELDLOCKD,
# SHIELDLOCK_CTL, SHIELDLOCK_DP, AUDIO_CHECK. --keep leaves the rig up and
# the files in place. Root, baresip, tcpdump, tshark and openssl are needed
# (exit 77 = skipped otherwise). Every check prints PASS/FAIL with its
# figures; exit 0 when all pass, 1 otherwise.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

RIG=${SL_RIG:-}
DAEMON=${SHIELDLOCKD:-}
CTL=${SHIELDLOCK_CTL:-}
DP=${SHIELDLOCK_DP:-}
AC=${AUDIO_CHECK:-}
SECS=8
KEEP=0
usage() {
	sed -n '10,17p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--rig) RIG=${2:-}; shift 2 ;;
	--shieldlockd) DAEMON=${2:-}; shift 2 ;;
	--ctl) CTL=${2:-}; shift 2 ;;
	--dp) DP=${2:-}; shift 2 ;;
	--audio-check) AC=${2:-}; shift 2 ;;
	--call-seconds) SECS=${2:-}; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage ;;
	*) echo "e2e_call.sh: unknown option '$1'" >&2; usage ;;
	esac
done
for v in RIG DAEMON CTL DP AC; do
	[ -n "${!v}" ] && [ -x "${!v}" ] || {
		echo "e2e_call.sh: ${v,,} '${!v}' is not an executable (give it with an option or its variable)" >&2
		usage
	}
done
[[ $SECS =~ ^[0-9]+$ ]] && [ "$SECS" -ge 4 ] || { echo "e2e_call.sh: --call-seconds: 4 or more" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || skip "needs root (the rig: namespaces, veths, af_packet)"
need_tools baresip openssl tcpdump tshark ip ethtool
unshare --net true 2>/dev/null || skip "network namespaces are not available here"

export SHIELDLOCK_DP=$DP SHIELDLOCK_CTL=$CTL
NS_PHONE=sl-phone NS_TRUNK=sl-trunk NS_DP=sl-dp
DP_SOCK=/run/shieldlock/rig-dp.sock
DOMAIN=shieldlock.test
TMP=$(mktemp -d /tmp/sl-e2e-call.XXXXXX)
chmod 0700 "$TMP"
STATE=$TMP/state
CONF=$TMP/shieldlockd.conf
ADMIN=$TMP/admin.sock
KEYLOG=$TMP/keylog
DLOG=$TMP/shieldlockd.log
A=$TMP/alice
B=$TMP/bob
DPID='' TD1='' TD2=''

ctl() { "$CTL" --daemon-socket "$ADMIN" "$@"; }
dpflows() { "$CTL" --socket "$DP_SOCK" --json dp flow list; }

stop_pid() {	# stop_pid PID NAME: SIGTERM, SIGKILL after 5 s; returns its status
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "e2e_call: $2 (pid $pid) ignored SIGTERM for 5 s: killed"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
}

cleanup() {
	phone_stop_quiet "$A" "$B"
	stop_pid "$TD1" tcpdump
	stop_pid "$TD2" tcpdump
	stop_pid "$DPID" shieldlockd
	if [ $KEEP -eq 1 ]; then
		echo "e2e_call: --keep: rig left up, files in $TMP"
		return
	fi
	"$RIG" down >/dev/null 2>&1
	if [ $E2E_FAILED -eq 0 ]; then rm -rf "$TMP"; else echo "e2e_call: files kept in $TMP"; fi
}
trap cleanup EXIT

# ---- rig, daemon configuration, daemon ----------------------------------------------
# the sip process runs as nobody (docs/shieldlockd.md): the data plane lets it in
if ! out=$("$RIG" up --dp-args --ctl-user nobody 2>&1); then
	echo "$out"
	fail "rig up"
	exit 1
fi
pass "rig up (shieldlock-dp on $DP_SOCK)"
eval "$("$RIG" env)"
mkdir -m 0700 "$STATE"
cat >"$CONF" <<EOF
# e2e_call.sh: shieldlockd in the rig (docs/e2e.md)
[general]
state_dir = $STATE
log_level = debug
node_name = shieldlock-e2e
cluster_security_mode = mixed
user = nobody

[admin]
socket = $ADMIN

[sip]
listen_udp = off
listen_tcp = off
listen_tls = 0.0.0.0:5061
domain = $DOMAIN
realm = $DOMAIN
# baresip 1.0.0 (libre 1.1) gives up ("Register: Function not implemented")
# when any challenge says algorithm=SHA-256, even with an MD5 one next to it
digest_algorithms = MD5
tls_keylog = $KEYLOG

[provisioning]
enabled = no

[media]
dp_socket = $DP_SOCK
interface = phone port=$SL_RIG_DPDK_PORT_PHONE address=$SL_RIG_IP_DP_PHONE subnet=10.77.1.0/24 mac=$SL_RIG_MAC_DP_PHONE next_hop_mac=$SL_RIG_MAC_PHONE rtp_ports=20000-20999
interface = trunk port=$SL_RIG_DPDK_PORT_TRUNK address=$SL_RIG_IP_DP_TRUNK subnet=10.77.2.0/24 mac=$SL_RIG_MAC_DP_TRUNK next_hop_mac=$SL_RIG_MAC_TRUNK rtp_ports=30000-30999
EOF

# captures of both signalling links, from before the first connection
ip netns exec $NS_DP tcpdump -i "$SL_RIG_IF_SIG_PHONE" --immediate-mode -U -n -w "$TMP/sig-phone.pcap" tcp port 5061 2>"$TMP/tcpdump1.log" &
TD1=$!
ip netns exec $NS_DP tcpdump -i "$SL_RIG_IF_SIG_TRUNK" --immediate-mode -U -n -w "$TMP/sig-trunk.pcap" tcp port 5061 2>"$TMP/tcpdump2.log" &
TD2=$!

setsid ip netns exec $NS_DP "$DAEMON" --config "$CONF" </dev/null >"$DLOG" 2>&1 &
DPID=$!
up=0
for _ in $(seq 1 100); do
	if ! kill -0 "$DPID" 2>/dev/null; then break; fi
	if ctl user list >/dev/null 2>&1; then up=1; break; fi
	sleep 0.2
done
if [ $up -eq 0 ]; then
	fail "shieldlockd answers on $ADMIN within 20 s"
	echo "--- last lines of $DLOG:"
	tail -n 30 "$DLOG"
	exit 1
fi
pass "shieldlockd running (pid $DPID), admin socket answers"
# the process that parses the phones' SIP runs as nobody (from /proc, not its log)
nobody_uid=$(id -u nobody)
sip_pids=""
for c in $(cat /proc/"$DPID"/task/*/children 2>/dev/null); do
	if [ "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' /proc/"$c"/status)" = \
	     "$nobody_uid$nobody_uid$nobody_uid$nobody_uid" ]; then
		sip_pids="$sip_pids $c"
	fi
done
if [ "$(echo $sip_pids | wc -w)" -eq 1 ]; then
	pass "the sip process (pid${sip_pids}) runs as nobody"
else
	fail "exactly one child of shieldlockd runs as nobody (found:${sip_pids:- none})"
fi
for _ in $(seq 1 20); do
	grep -q 'listening on' "$TMP/tcpdump1.log" && grep -q 'listening on' "$TMP/tcpdump2.log" && break
	sleep 0.1
done

# ---- PKI, users, devices --------------------------------------------------------------
mkpki "$TMP/pki" alice-phone bob-phone || { fail "test PKI (openssl)"; exit 1; }
TRUST=$STATE/trust
# the supported way: the parent stores it and sends the sip process (which
# runs as nobody and cannot read the store) its new trust anchors
check "shieldlockctl cert import of the test client CA" ctl cert import "$TMP/pki/ca.pem" --name "e2e phones CA"
check "test client CA in the trust store" openssl verify -CApath "$TRUST" "$TMP/pki/alice-phone.pem"
for _ in $(seq 1 50); do
	grep -q 'loaded, 2 trust anchor' "$DLOG" && break
	sleep 0.1
done
check "the sip process reloaded 2 trust anchors" grep -q 'loaded, 2 trust anchor' "$DLOG"
check "node CA at $STATE/ca/ca.pem" test -s "$STATE/ca/ca.pem"

printf '%s\n' 'alice-E2E-pw-7' >"$TMP/alice.pw"
printf '%s\n' 'bob-E2E-pw-9' >"$TMP/bob.pw"
chmod 0600 "$TMP"/*.pw
check "user add alice" ctl user add alice --password-stdin <"$TMP/alice.pw"
check "user add bob" ctl user add bob --password-stdin <"$TMP/bob.pw"
check "device add alice-phone (encrypted, cert identity alice-phone)" \
	ctl device add alice-phone --user alice --profile encrypted --cert-identity alice-phone
check "device add bob-phone (encrypted, cert identity bob-phone)" \
	ctl device add bob-phone --user bob --profile encrypted --cert-identity bob-phone

# baresip 1.0.0 does not verify the server certificate (docs/e2e.md): check
# it here, as each phone would, with the node CA and the phone's certificate
for side in phone:$NS_PHONE:$SL_SIG_PHONE:alice trunk:$NS_TRUNK:$SL_SIG_TRUNK:bob; do
	IFS=: read -r _ ns addr who <<<"$side"
	out=$(ip netns exec "$ns" openssl s_client -connect "$addr:5061" -CAfile "$STATE/ca/ca.pem" \
		-verify_return_error -cert "$TMP/pki/$who-phone.pem" -key "$TMP/pki/$who-phone.key" \
		-brief </dev/null 2>&1)
	rc=$?
	v=$(grep -m1 -E 'Verification|verify error' <<<"$out")
	check "$who's side: server certificate on $addr:5061 verifies against the node CA ($v)" \
		[ $rc -eq 0 -a -n "$(grep 'Verification: OK' <<<"$out")" ]
done

# ---- phones ---------------------------------------------------------------------------
"$AC" gen "$TMP/alice-1000.wav" 1000 $((SECS + 20)) 0.5 >/dev/null &&
	"$AC" gen "$TMP/bob-1700.wav" 1700 $((SECS + 20)) 0.5 >/dev/null || { fail "test tones"; exit 1; }
"$PY" "$PHONE" setup "$A" --user alice --password-file "$TMP/alice.pw" --domain $DOMAIN \
	--proxy "sip:$SL_SIG_PHONE:5061;transport=tls" --regint 600 --laddr "$SL_RIG_IP_PHONE" \
	--sip-port 5060 --rtp-ports 10000-10998 --cert "$TMP/pki/alice-phone.pem" \
	--key "$TMP/pki/alice-phone.key" --ca "$STATE/ca/ca.pem" --play "$TMP/alice-1000.wav" \
	--record "$TMP/alice-heard.wav" >/dev/null &&
"$PY" "$PHONE" setup "$B" --user bob --password-file "$TMP/bob.pw" --domain $DOMAIN \
	--proxy "sip:$SL_SIG_TRUNK:5061;transport=tls" --regint 600 --laddr "$SL_RIG_IP_TRUNK" \
	--sip-port 5060 --rtp-ports 10000-10998 --cert "$TMP/pki/bob-phone.pem" \
	--key "$TMP/pki/bob-phone.key" --ca "$STATE/ca/ca.pem" --play "$TMP/bob-1700.wav" \
	--record "$TMP/bob-heard.wav" >/dev/null || { fail "phone setup"; exit 1; }
check "alice's baresip starts in $NS_PHONE" "$PY" "$PHONE" start "$A" --ns $NS_PHONE --sip-trace
check "bob's baresip starts in $NS_TRUNK" "$PY" "$PHONE" start "$B" --ns $NS_TRUNK --sip-trace
check "alice registered" "$PY" "$PHONE" wait-registered "$A" --timeout 15
check "bob registered" "$PY" "$PHONE" wait-registered "$B" --timeout 15
ctl registrations

# ---- the call -------------------------------------------------------------------------
check "alice dials bob@$DOMAIN" "$PY" "$PHONE" dial "$A" "sip:bob@$DOMAIN"
check "call established at alice" "$PY" "$PHONE" wait-established "$A" --timeout 15
check "call established at bob (auto-answer)" "$PY" "$PHONE" wait-established "$B" --timeout 5
sleep $((SECS / 2))
dpflows >"$TMP/flows-call.json" 2>"$TMP/flows-call.err"
"$PY" - "$TMP/flows-call.json" <<'EOF'
import json, sys
try:
    flows = json.load(open(sys.argv[1]))['flows']
except (OSError, ValueError, KeyError) as e:
    print('FAIL: dp flow list --json during the call: %s' % e)
    sys.exit(1)
rk = [f for f in flows if f['action'] == 'srtp-rekey']
for f in flows:
    c = f['counters']
    print('    flow %s in-port %s %s:%s -> %s:%s %s out-port %s pkts_in %d pkts_out %d auth_fail %d replay %d' % (
        f['id'], f['match'].get('in_port'), f['match'].get('src'), f['match'].get('sport'),
        f['match'].get('dst'), f['match'].get('dport'), f['action'], f['out_port'],
        c['pkts_in'], c['pkts_out'], c['auth_fail'], c['replay']))
busy = [f for f in rk if f['counters']['pkts_in'] >= 50 and f['counters']['pkts_out'] >= 50]
ports = sorted({f['match'].get('in_port') for f in busy})
ok = len(busy) >= 2 and ports == [0, 1]
print('%s: during the call: %d flows, %d srtp-rekey, %d carrying media (>= 50 packets in and out) '
      'from in-ports %s (want >= 2, from both ports 0 and 1)' %
      ('PASS' if ok else 'FAIL', len(flows), len(rk), len(busy), ports))
bad = [f for f in flows if f['counters']['auth_fail'] or f['counters']['replay']]
print('%s: no SRTP authentication or replay failures (%d flows with some)' %
      ('PASS' if not bad else 'FAIL', len(bad)))
sys.exit(0 if ok and not bad else 1)
EOF
[ $? -eq 0 ] || E2E_FAILED=$((E2E_FAILED + 1))
echo "--- the call as shieldlockd sees it (security status, suite per leg, media counters):"
ctl calls
sleep $((SECS - SECS / 2))
check "alice hangs up" "$PY" "$PHONE" hangup "$A"
check "call closed at bob" "$PY" "$PHONE" wait-closed "$B" --timeout 10
check "call closed at alice" "$PY" "$PHONE" wait-closed "$A" --timeout 5
left=-1
for _ in $(seq 1 50); do
	left=$(dpflows 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["count"])' 2>/dev/null || echo -1)
	[ "$left" = 0 ] && break
	sleep 0.2
done
check "after hang-up the data plane has no flows ($left left)" [ "$left" = 0 ]
ctl calls --all --limit 5
check "alice's received audio saved" "$PY" "$PHONE" stop "$A"
check "bob's received audio saved" "$PY" "$PHONE" stop "$B"
for who in alice bob; do
	check "$who: baresip used SRTP (AES_CM_128_HMAC_SHA1_80 or better)" grep -q 'SRTP is Enabled' "$TMP/$who/baresip.log"
done

# ---- audio ----------------------------------------------------------------------------
echo "--- alice heard (expect bob's 1700 Hz):"
"$AC" check "$TMP/alice-heard.wav" --expect 1700 --min-seconds $((SECS - 3))
check "alice received bob's 1700 Hz tone through the appliance" [ $? -eq 0 ]
echo "--- bob heard (expect alice's 1000 Hz):"
"$AC" check "$TMP/bob-heard.wav" --expect 1000 --min-seconds $((SECS - 3))
check "bob received alice's 1000 Hz tone through the appliance" [ $? -eq 0 ]

# ---- signalling -----------------------------------------------------------------------
stop_pid "$TD1" tcpdump; TD1=
stop_pid "$TD2" tcpdump; TD2=
check "daemon wrote the TLS key log" test -s "$KEYLOG"
"$PY" "$E2E_DIR/sipcheck.py" --keylog "$KEYLOG" --key-dump "$TMP/sdes-keys.txt" \
	--leg "alice,$TMP/sig-phone.pcap,$SL_RIG_IP_PHONE,$SL_SIG_PHONE,$SL_RIG_IP_DP_PHONE" \
	--leg "bob,$TMP/sig-trunk.pcap,$SL_RIG_IP_TRUNK,$SL_SIG_TRUNK,$SL_RIG_IP_DP_TRUNK"
[ $? -eq 0 ] || E2E_FAILED=$((E2E_FAILED + 1))

# ---- the daemon -----------------------------------------------------------------------
stop_pid "$DPID" shieldlockd
st=$?
DPID=
check "shieldlockd exits cleanly on SIGTERM (status $st)" [ $st -eq 0 ]
leaked=0
while read -r k; do
	[ -n "$k" ] && grep -qF -- "$k" "$DLOG" && leaked=$((leaked + 1))
done <"$TMP/sdes-keys.txt"
check "no SDES key in the daemon log ($(wc -l <"$TMP/sdes-keys.txt") keys looked for, $leaked found)" [ $leaked -eq 0 ]
check "no password in the daemon log" bash -c "! grep -qF -e alice-E2E-pw-7 -e bob-E2E-pw-9 '$DLOG'"
check "no sanitizer report in the daemon log" bash -c "! grep -qE 'Sanitizer|runtime error:' '$DLOG'"

echo
if [ $E2E_FAILED -eq 0 ]; then
	echo "e2e_call: all checks passed"
	exit 0
fi
echo "e2e_call: $E2E_FAILED check(s) failed (daemon log: $DLOG)"
exit 1
