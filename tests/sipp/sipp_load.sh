#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# SIPp load test of shieldlockd (docs/sipp.md).
#
#   sipp_load.sh [--transport tcp|tls] [--calls N] [--rate CPS] [--hold MS]
#                [--connections one|per-call] [--keep DIR]
#
# Starts shieldlock-dp on two net_null ports (no packets flow: the test is
# about signalling and flow programming), shieldlockd on 127.0.0.1 with a
# fresh state directory, two users with non-secure devices (alice calls,
# bob answers), then
#   - a SIPp callee (uas.xml + uas_answer.xml) that registers with digest
#     and answers every INVITE on its registration connection, and
#   - a SIPp caller (uac.xml): N calls at CPS calls/s, each INVITE -> 401 ->
#     INVITE with digest -> 200 -> ACK -> hold -> BYE -> 200.
# tcp: SIPp talks TCP to shieldlockd, media RTP (no a=crypto over TCP).
# tls: SIPp talks TCP to a local stunnel4 client per SIPp, which speaks TLS
#      to shieldlockd's TLS port; SRTP offers/answers (uac_srtp.xml,
#      uas_answer_srtp.xml).
# Passes when SIPp counts N successful and 0 failed calls, the data plane
# has no flow left and `shieldlockctl calls --all` lists N ended calls.
#
# Exit: 0 pass, 1 fail, 77 skipped (not root: shieldlock-dp needs it; sipp
# or stunnel4 missing). Programs: $SHIELDLOCKD, $SHIELDLOCKCTL,
# $SHIELDLOCK_DP (meson sets them), $SIPP, $STUNNEL.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

transport=tcp calls=200 rate=50 hold=500 conns=one keep=
while [ $# -gt 0 ]; do
	case $1 in
	--transport) transport=$2; shift 2 ;;
	--calls) calls=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--hold) hold=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	-h|--help) sed -n '4,27p' "$0"; exit 0 ;;
	*) echo "sipp_load.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case $transport in tcp|tls) ;; *) echo "sipp_load.sh: --transport tcp or tls" >&2; exit 2 ;; esac
case $conns in one) topt=t1 ;; per-call) topt=tn ;; *) echo "sipp_load.sh: --connections one or per-call" >&2; exit 2 ;; esac
[[ $calls =~ ^[1-9][0-9]*$ && $rate =~ ^[1-9][0-9]*$ && $hold =~ ^[0-9]+$ ]] ||
	{ echo "sipp_load.sh: --calls, --rate and --hold take whole numbers" >&2; exit 2; }

[ "$(id -u)" = 0 ] || sl_skip "needs root (shieldlock-dp runs DPDK)"
sl_need_tools "$SIPP" "$SHIELDLOCKD" "$SHIELDLOCKCTL" "$SHIELDLOCK_DP" python3
[ "$transport" = tls ] && sl_need_tools "$STUNNEL"

if [ -n "$keep" ]; then
	SL_DIR=$keep
	mkdir -p "$SL_DIR"
else
	SL_DIR=$(mktemp -d /tmp/sl-sipp.XXXXXX)
fi
cleanup() {
	local rc=$?
	sl_stop
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		echo "--- shieldlockd log (last 30 lines) ---"
		tail -30 "$SL_DIR/sl.log" 2>/dev/null
		for f in "$SL_DIR"/uac_err.log; do
			[ -f "$f" ] && { echo "--- $f (first 40 lines) ---"; head -40 "$f"; }
		done
		echo "(files kept in $SL_DIR)"
	elif [ -z "$keep" ]; then
		rm -rf "$SL_DIR"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

read -r p_sip p_tls p_uac p_uas m_uac m_uas p_tun_uac p_tun_uas <<<"$(sl_free_ports 8)" ||
	sl_die "no free ports"
[ -n "$p_tun_uas" ] || sl_die "no free ports"

sl_start_dp "$SL_DIR"
sl_write_conf "$SL_DIR" "$p_sip" "$p_tls"
sl_start_daemon "$SL_DIR"
sl_add_phone alice 'alice-pw-sipp1'
sl_add_phone bob 'bob-pw-sipp22'

if [ "$transport" = tls ]; then
	sl_start_stunnel "$SL_DIR" uac "$p_tun_uac" "$p_tls"
	sl_start_stunnel "$SL_DIR" uas "$p_tun_uas" "$p_tls"
	target_uac=127.0.0.1:$p_tun_uac target_uas=127.0.0.1:$p_tun_uas
	uac_sf=uac_srtp.xml uas_ooc=uas_answer_srtp.xml
else
	target_uac=127.0.0.1:$p_sip target_uas=127.0.0.1:$p_sip
	uac_sf=uac.xml uas_ooc=uas_answer.xml
fi

# The callee: registers once, then answers on that connection.
"$SIPP" "$target_uas" -sf "$SL_SIPP_DIR/uas.xml" -oocsf "$SL_SIPP_DIR/$uas_ooc" \
	-t t1 -i 127.0.0.1 -p "$p_uas" -mp "$m_uas" -m 1 -d 3600000 \
	-key callee bob -key domain "$SL_DOMAIN" -key expires 3600 \
	-au bob -ap 'bob-pw-sipp22' -auth_uri "$SL_DOMAIN" \
	-nostdin -timeout 120s >"$SL_DIR/uas.out" 2>&1 &
SL_PIDS+=("$!")
uas_pid=$!
registered=0
for ((i = 0; i < 100; i++)); do
	if sl_ctl --json registrations --user bob 2>/dev/null | grep -q '"user":"bob"'; then
		registered=1
		break
	fi
	kill -0 "$uas_pid" 2>/dev/null || break
	sleep 0.1
done
[ $registered = 1 ] || { tail -20 "$SL_DIR/uas.out"; sl_die "the SIPp callee did not register (see $SL_DIR)"; }
echo "bob registered over $transport"

# The caller.
t0=$(date +%s.%N)
"$SIPP" "$target_uac" -sf "$SL_SIPP_DIR/$uac_sf" -t "$topt" -i 127.0.0.1 -p "$p_uac" -mp "$m_uac" \
	-m "$calls" -r "$rate" -d "$hold" -max_socket 1000 -s bob -key caller alice -key domain "$SL_DOMAIN" \
	-au alice -ap 'alice-pw-sipp1' -auth_uri "bob@$SL_DOMAIN" \
	-trace_err -error_file "$SL_DIR/uac_err.log" -trace_stat -stf "$SL_DIR/uac_stat.csv" \
	-nostdin -timeout 45s -timeout_error >"$SL_DIR/uac.out" 2>&1
uac_rc=$?
t1=$(date +%s.%N)

fails=0
check() {
	if [ "$2" = "$3" ]; then
		echo "PASS: $1 ($2)"
	else
		echo "FAIL: $1: got $2, want $3"
		fails=$((fails + 1))
	fi
}
ok=$(sl_stat "$SL_DIR/uac_stat.csv" 'SuccessfulCall(C)' 2>/dev/null || echo '?')
bad=$(sl_stat "$SL_DIR/uac_stat.csv" 'FailedCall(C)' 2>/dev/null || echo '?')
check "sipp exit status" "$uac_rc" 0
check "successful calls" "$ok" "$calls"
check "failed calls" "$bad" 0
kill -0 "$uas_pid" 2>/dev/null
check "callee still running" "$?" 0

# BYE removes the flows; give the last ones a moment.
nflows='?'
for ((i = 0; i < 50; i++)); do
	nflows=$(sl_ctl dp flow list --json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])' 2>/dev/null || echo '?')
	[ "$nflows" = 0 ] && break
	sleep 0.1
done
check "data plane flows left" "$nflows" 0
read -r n_ended n_other <<<"$(sl_ctl --json calls --all --limit 100000 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin)["calls"]
print(sum(x["state"] == "ended" for x in c), sum(x["state"] != "ended" for x in c))' 2>/dev/null || echo '? ?')"
check "ended calls in shieldlockctl calls --all" "$n_ended" "$calls"
check "calls not ended" "$n_other" 0
python3 -c "import sys; print('%s calls over %s in %.1f s' % (sys.argv[1], sys.argv[2], float(sys.argv[4]) - float(sys.argv[3])))" \
	"$calls" "$transport" "$t0" "$t1"
[ $fails = 0 ] || exit 1
exit 0
