#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# interop / e2e_direct_call: validates the e2e harness without shieldlockd.
# Two baresips in a private network namespace call each other directly over
# SIP/TLS with SDES-SRTP (mediaenc=srtp-mand); alice plays 1000 Hz, bob
# 1700 Hz; each must have RECEIVED the other's tone (audio_check), and the
# wrong tone must fail the check (negative test). Root + baresip, else 77.
#
#   direct_call.sh AUDIO_CHECK [CALL_SECONDS]
set -uo pipefail
. "$(dirname "$0")/lib.sh"

AC=${1:?usage: direct_call.sh AUDIO_CHECK [CALL_SECONDS]}
SECS=${2:-5}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace); CI runs it as root"
need_tools baresip openssl ip
[ -f /usr/lib/baresip/modules/srtp.so ] && [ -f /usr/lib/baresip/modules/ctrl_tcp.so ] ||
	skip "baresip modules srtp/ctrl_tcp missing (install baresip-core)"
unshare --net true 2>/dev/null || skip "network namespaces are not available here"

NS=sl-e2e-direct-$$
TMP=$(mktemp -d /tmp/sl-e2e-direct.XXXXXX)
A=$TMP/alice
B=$TMP/bob
cleanup() {
	phone_stop_quiet "$A" "$B"
	ip netns del "$NS" 2>/dev/null
	if [ $E2E_FAILED -eq 0 ]; then rm -rf "$TMP"; else echo "files kept in $TMP"; fi
}
trap cleanup EXIT

ip netns add "$NS" && ip netns exec "$NS" ip link set lo up || { fail "namespace $NS"; exit 1; }
mkpki "$TMP/pki" alice-phone bob-phone || { fail "test PKI (openssl)"; exit 1; }
"$AC" gen "$TMP/alice-1000.wav" 1000 $((SECS + 10)) 0.5 >/dev/null &&
	"$AC" gen "$TMP/bob-1700.wav" 1700 $((SECS + 10)) 0.5 >/dev/null || { fail "tones"; exit 1; }

"$PY" "$PHONE" setup "$A" --user alice --domain 127.0.0.1 --laddr 127.0.0.1 --sip-port 15060 \
	--rtp-ports 11000-11099 --ctrl-port 14444 --cert "$TMP/pki/alice-phone.pem" \
	--key "$TMP/pki/alice-phone.key" --ca "$TMP/pki/ca.pem" --play "$TMP/alice-1000.wav" \
	--record "$TMP/alice-heard.wav" >/dev/null &&
"$PY" "$PHONE" setup "$B" --user bob --domain 127.0.0.1 --laddr 127.0.0.1 --sip-port 25060 \
	--rtp-ports 12000-12099 --ctrl-port 24444 --cert "$TMP/pki/bob-phone.pem" \
	--key "$TMP/pki/bob-phone.key" --ca "$TMP/pki/ca.pem" --play "$TMP/bob-1700.wav" \
	--record "$TMP/bob-heard.wav" >/dev/null || { fail "phone setup"; exit 1; }

check "alice's baresip starts in $NS" "$PY" "$PHONE" start "$A" --ns "$NS" --sip-trace
check "bob's baresip starts in $NS" "$PY" "$PHONE" start "$B" --ns "$NS" --sip-trace
[ $E2E_FAILED -eq 0 ] || exit 1
# the account adds ;transport=tls: bob's TLS port is his SIP port + 1
check "alice dials bob over TLS" "$PY" "$PHONE" dial "$A" "sip:bob@127.0.0.1:25061"
check "call established at alice" "$PY" "$PHONE" wait-established "$A" --timeout 10
check "call established at bob (auto-answer)" "$PY" "$PHONE" wait-established "$B" --timeout 5
sleep "$SECS"
check "alice hangs up" "$PY" "$PHONE" hangup "$A"
check "call closed at bob" "$PY" "$PHONE" wait-closed "$B" --timeout 5
check "alice's received audio saved" "$PY" "$PHONE" stop "$A"
check "bob's received audio saved" "$PY" "$PHONE" stop "$B"

# signalling went over TLS and the media was SDES-SRTP (baresip -s trace)
for who in alice bob; do
	log=$TMP/$who/baresip.log
	check "$who: SIP over TLS (Via SIP/2.0/TLS)" grep -q 'SIP/2.0/TLS' "$log"
	check "$who: SDP with RTP/SAVP and a=crypto" \
		bash -c "grep -q 'm=audio [0-9]* RTP/SAVP' '$log' && grep -q 'a=crypto:' '$log'"
	check "$who: SRTP enabled" grep -q 'SRTP is Enabled' "$log"
done

echo "--- alice heard (expect bob's 1700 Hz):"
"$AC" check "$TMP/alice-heard.wav" --expect 1700 --min-seconds $((SECS - 2))
check "alice received bob's 1700 Hz tone" [ $? -eq 0 ]
echo "--- bob heard (expect alice's 1000 Hz):"
"$AC" check "$TMP/bob-heard.wav" --expect 1000 --min-seconds $((SECS - 2))
check "bob received alice's 1000 Hz tone" [ $? -eq 0 ]
echo "--- negative: alice's recording checked for her own tone must fail:"
"$AC" check "$TMP/alice-heard.wav" --expect 1000 --min-seconds $((SECS - 2))
check "audio_check rejects the wrong tone" [ $? -eq 1 ]

if [ $E2E_FAILED -eq 0 ]; then
	echo "direct call: all checks passed"
	exit 0
fi
echo "direct call: $E2E_FAILED check(s) failed"
exit 1
