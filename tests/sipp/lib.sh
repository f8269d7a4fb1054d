# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers of the SIPp load test and `shieldlock-bench calls`
# (docs/sipp.md): start shieldlock-dp on net_null ports, shieldlockd on
# loopback, stunnel4 TLS clients, and read SIPp's statistics. Sourced.
#
# Programs: $SHIELDLOCKD, $SHIELDLOCKCTL, $SHIELDLOCK_DP (default: in PATH),
# $SIPP (default sipp), $STUNNEL (default stunnel4).

SL_SIPP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHIELDLOCKD=${SHIELDLOCKD:-shieldlockd}
SHIELDLOCKCTL=${SHIELDLOCKCTL:-shieldlockctl}
SHIELDLOCK_DP=${SHIELDLOCK_DP:-shieldlock-dp}
SIPP=${SIPP:-sipp}
STUNNEL=${STUNNEL:-stunnel4}
SL_DOMAIN=shieldlock.test
SL_PIDS=()

sl_log() { echo "sipp: $*" >&2; }
sl_die() { echo "sipp: error: $*" >&2; exit 1; }
sl_skip() { echo "SKIP: $*"; exit 77; }

# sl_need_tools TOOL...: skip (77) when one is missing
sl_need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			sl_skip "$t not found (scripts/setup.sh installs sip-tester and stunnel4)"
	done
}

# sl_free_ports N: N distinct ports free for both TCP and UDP on 127.0.0.1
sl_free_ports() {
	python3 - "$1" <<'PY'
import random, socket, sys
# Even candidates from 20000..39998 (Linux hands out odd ports for bind(0)),
# each checked with TCP and UDP binds, plus the next odd port (RTCP).
n, got, held = int(sys.argv[1]), [], []
for _ in range(2000):
    if len(got) == n:
        break
    p = random.randrange(20000, 40000, 2)
    if p in got:
        continue
    socks = []
    try:
        for port in (p, p + 1):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(socket.AF_INET, kind)
                socks.append(s)
                s.bind(("127.0.0.1", port))
    except OSError:
        for s in socks:
            s.close()
        continue
    held += socks
    got.append(p)
if len(got) < n:
    sys.exit("no free ports")
print(" ".join(map(str, got)))
PY
}

# sl_wait_file PATH SECONDS PID: wait until PATH exists (fails when PID died)
sl_wait_file() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -e "$1" ] && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# sl_start_dp DIR: shieldlock-dp on two net_null ports (no packets), one
# worker (it busy-polls one CPU), control socket DIR/dp.sock.
sl_start_dp() {
	local dir=$1 lcores=(-l 0,1)
	# one CPU: both lcores (main = control, 1 = worker) on it
	[ "$(nproc)" -lt 2 ] && lcores=(--lcores 0@0,1@0)
	"$SHIELDLOCK_DP" "${lcores[@]}" --no-pci --no-huge -m 512 --file-prefix "sl-sipp-$$" \
		--vdev net_null0,no-rx=1 --vdev net_null1,no-rx=1 -- \
		--ctl-socket "$dir/dp.sock" --engine openssl --workers 1 >"$dir/dp.log" 2>&1 &
	SL_DP_PID=$!
	SL_PIDS+=("$SL_DP_PID")
	sl_wait_file "$dir/dp.sock" 30 "$SL_DP_PID" ||
		{ cat "$dir/dp.log" >&2; sl_die "shieldlock-dp did not start (log above)"; }
}

# sl_write_conf DIR SIP_PORT TLS_PORT [EXTRA_SIP_LINES]: DIR/sl.conf
sl_write_conf() {
	local dir=$1
	cat >"$dir/sl.conf" <<CONF
[general]
state_dir = $dir/state
log_level = ${SL_LOG_LEVEL:-notice}
node_name = sl-sipp
[admin]
socket = $dir/admin.sock
[sip]
listen_udp = 127.0.0.1:$2
listen_tcp = 127.0.0.1:$2
listen_tls = 127.0.0.1:$3
domain = $SL_DOMAIN
realm = $SL_DOMAIN
# SIPp 3.6 computes MD5 digests only (one challenge, no SHA-256 first).
digest_algorithms = MD5
${4:-}
[provisioning]
enabled = no
[media]
dp_socket = $dir/dp.sock
inactivity_timeout = 0
interface = lo port=0 address=127.0.0.1 subnet=127.0.0.0/8 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:00:02 rtp_ports=40000-49999
CONF
	chmod 0644 "$dir/sl.conf"
}

# sl_start_daemon DIR: shieldlockd with DIR/sl.conf, log in DIR/sl.log
sl_start_daemon() {
	local dir=$1
	"$SHIELDLOCKD" --config "$dir/sl.conf" >"$dir/sl.out" 2>"$dir/sl.log" &
	SL_D_PID=$!
	SL_PIDS+=("$SL_D_PID")
	sl_wait_file "$dir/admin.sock" 30 "$SL_D_PID" ||
		{ tail -20 "$dir/sl.log" >&2; sl_die "shieldlockd did not start (log above)"; }
}

sl_ctl() { "$SHIELDLOCKCTL" --daemon-socket "$SL_DIR/admin.sock" --socket "$SL_DIR/dp.sock" "$@"; }

# sl_add_phone USER PASSWORD: user + non-secure device USER-dev
sl_add_phone() {
	printf '%s\n' "$2" | sl_ctl user add "$1" --password-stdin >/dev/null ||
		sl_die "shieldlockctl user add $1 failed"
	sl_ctl device add "$1-dev" --user "$1" --profile non-secure >/dev/null ||
		sl_die "shieldlockctl device add $1-dev failed"
}

# sl_start_stunnel DIR NAME ACCEPT_PORT CONNECT_PORT: a TLS client tunnel
# 127.0.0.1:ACCEPT_PORT (TCP) -> 127.0.0.1:CONNECT_PORT (TLS). The node
# certificate is not verified (the test is about load, not PKI).
sl_start_stunnel() {
	local dir=$1 name=$2
	cat >"$dir/stunnel-$name.conf" <<CONF
foreground = yes
pid =
debug = 3
output = $dir/stunnel-$name.log
[$name]
client = yes
accept = 127.0.0.1:$3
connect = 127.0.0.1:$4
verifyChain = no
CONF
	"$STUNNEL" "$dir/stunnel-$name.conf" >/dev/null 2>&1 &
	SL_PIDS+=("$!")
	local i
	for ((i = 0; i < 50; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null && return 0
		sleep 0.1
	done
	sl_die "stunnel $name does not accept on 127.0.0.1:$3 (see $dir/stunnel-$name.log)"
}

# sl_stat CSV FIELD: the last value of FIELD in a SIPp -trace_stat file
sl_stat() {
	python3 - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
i = rows[0].index(sys.argv[2])
print(rows[-1][i])
PY
}

# sl_stop: stop everything started here, newest first
sl_stop() {
	local i
	for ((i = ${#SL_PIDS[@]} - 1; i >= 0; i--)); do
		kill "${SL_PIDS[i]}" 2>/dev/null
	done
	for ((i = ${#SL_PIDS[@]} - 1; i >= 0; i--)); do
		wait "${SL_PIDS[i]}" 2>/dev/null
	done
	SL_PIDS=()
}
