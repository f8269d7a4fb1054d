#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# End to end over TLS on 127.0.0.1 (ports 23800-23802): capf_testserver and
# the minimal phone capf_testclient through install (RSA, EC), fetch,
# delete, none, unknown device, wrong password, MIC authentication, a
# refused store, a session ID mismatch, the TLS 1.0 option, the step
# deadline and the session limit (port 23802).
#   test_e2e.sh CAPF_TESTSERVER CAPF_TESTCLIENT
set -eu
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
srv=$(abs "$1") cli=$(abs "$2")
ossl=${OPENSSL:-openssl}
dir=$(mktemp -d "${TMPDIR:-/tmp}/capf-e2e.XXXXXX")
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
cd "$dir"
fail() { echo "FAIL: $*"; echo "--- server output"; cat srv*.out 2>/dev/null || true; exit 1; }
pass=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }

q() { "$@" 2>/dev/null; }
q "$ossl" req -x509 -newkey rsa:2048 -nodes -keyout capf.key -out capf.pem -days 30 \
    -subj "/CN=Test CAPF/O=Test Org"
q "$ossl" req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
    -subj "/CN=Test CAPF Issuer/O=Test Org/OU=Test Unit/C=NZ"
q "$ossl" req -x509 -newkey rsa:2048 -nodes -keyout mfg.key -out mfg.pem -days 30 \
    -subj "/CN=Test Manufacturing CA/O=Test Maker"
q "$ossl" req -x509 -newkey rsa:2048 -nodes -keyout unk.key -out unk.pem -days 30 \
    -subj "/CN=Test Unknown CA"
for ca in mfg unk; do
    q "$ossl" req -newkey rsa:1024 -nodes -keyout mic-$ca.key -out mic-$ca.csr \
        -subj "/CN=CP-8865-SEPAAAA00000006"
    q "$ossl" x509 -req -in mic-$ca.csr -CA $ca.pem -CAkey $ca.key -CAcreateserial \
        -out mic-$ca.pem -days 30
done
cat > devices <<'DEV'
# NAME OPERATION AUTH [PASSWORD] [KEY]
SEPAAAA00000001 install password 123456 rsa:1024
SEPAAAA00000002 install none ec:P-256
SEPAAAA00000003 fetch none
SEPAAAA00000004 delete password 4321
SEPAAAA00000005 none password 9999
SEPAAAA00000006 none mic
SEPAAAA00000007 install password 123456 rsa:1024
DEV
mkdir out

start() { # PORT OUTFILE [extra args]
    port=$1 out=$2
    shift 2
    : > "$out"
    "$srv" --port "$port" --cert capf.pem --key capf.key --issuer ca.pem --issuer-key ca.key \
        --mic-ca mfg.pem --devices devices --certdir out "$@" > "$out" 2> "$out.err" &
    pids="$pids $!"
    i=0
    until grep -q '^listening' "$out"; do
        i=$((i + 1)); [ $i -lt 100 ] || fail "server did not start: $(cat "$out.err")"
        sleep 0.1
    done
}
expect() { # WANT_REASON client args...
    want=$1
    shift
    got=$("$cli" --port 23800 "$@" 2>>cli.err) || fail "client failed ($*): $(tail -3 cli.err)"
    [ "$got" = "end_reason=$want" ] || fail "$*: got '$got', want end_reason=$want"
}

start 23800 srv1.out
expect 1 --device SEPAAAA00000001 --password 123456 --lsc-out l1.pem
"$ossl" verify -CAfile ca.pem l1.pem | grep -q ': OK' || fail "issued LSC does not verify"
cmp -s l1.pem out/SEPAAAA00000001.pem || fail "stored LSC differs from the one the phone got"
ok "install RSA-1024 with password: END_SESSION(1), LSC verifies, stored"
expect 0 --device SEPAAAA00000001 --password 123456
ok "operation back to none after the install: END_SESSION(0)"
expect 7 --device SEPAAAA00000005 --password 99999
ok "wrong password: END_SESSION(7)"
expect 9 --device SEPFFFFFFFFFFFF --password 123456
ok "unknown device: END_SESSION(9)"
expect 1 --device SEPAAAA00000002 --lsc-out l2.pem
"$ossl" x509 -in l2.pem -noout -text | grep -q 'ASN1 OID: prime256v1' || fail "EC LSC key"
ok "install EC P-256 without password"
expect 0 --device SEPAAAA00000003 --fetch-cert l1.pem
cmp -s l1.pem out/SEPAAAA00000003.pem || fail "fetched certificate not stored"
ok "fetch: END_SESSION(0), certificate stored"
cp l1.pem out/SEPAAAA00000004.pem
expect 1 --device SEPAAAA00000004 --password 4321
[ ! -e out/SEPAAAA00000004.pem ] || fail "delete left the certificate"
ok "delete: END_SESSION(1), certificate removed"
expect 0 --device SEPAAAA00000006 --auth-cert mic-mfg.pem --auth-key mic-mfg.key
ok "MIC authentication (raw-digest RSA signatures): END_SESSION(0)"
expect 7 --device SEPAAAA00000006 --auth-cert mic-unk.pem --auth-key mic-unk.key
ok "MIC from an unknown manufacturer CA: END_SESSION(7)"
expect 1 --device SEPAAAA00000007 --password 123456 --refuse
[ ! -e out/SEPAAAA00000007.pem ] || fail "refused store was stored"
expect 1 --device SEPAAAA00000007 --password 123456
[ -e out/SEPAAAA00000007.pem ] || fail "retry after a refused store did not store"
ok "phone refuses the store: nothing stored, operation kept"
expect 7 --device SEPAAAA00000001 --password 123456 --wrong-session
ok "session ID mismatch: END_SESSION(7)"
if "$cli" --port 23800 --device SEPAAAA00000001 --tls10 >/dev/null 2>&1; then
    fail "TLS 1.0 accepted without --tls10"
fi
ok "TLS 1.0 refused by default"
ids=$(sed -n 's/^session=\([0-9]*\) .*/\1/p' srv1.out | tr '\n' ' ')
[ "$ids" = "1 2 3 4 5 6 7 8 9 10 11 12 " ] || fail "session IDs: $ids"
grep -q 'session=1 device=SEPAAAA00000001 operation=install outcome=OK end_reason=1' srv1.out ||
    fail "outcome line"
grep -q '123456' srv1.out srv1.out.err && fail "a password reached the output"
ok "one outcome line per session, IDs from 1, no password logged"

start 23801 srv2.out --tls10
got=$("$cli" --port 23801 --device SEPFFFFFFFFFFFF --tls10 2>tls.err) || fail "TLS 1.0: $(cat tls.err)"
[ "$got" = "end_reason=9" ] || fail "TLS 1.0 session: $got"
grep -q 'TLSv1$' tls.err || fail "not TLS 1.0: $(cat tls.err)"
ok "--tls10 server accepts a TLS 1.0 (AES128-SHA) phone"
# deadlines and the session limit through the libevent server (port 23802)
start 23802 srv3.out --step-timeout 700 --max-sessions 1
(sleep 4 | "$ossl" s_client -quiet -connect 127.0.0.1:23802 > silent.bin 2>/dev/null) &
spid=$!
i=0
until [ "$(wc -c < silent.bin)" -ge 16 ]; do
    i=$((i + 1)); [ $i -lt 50 ] || fail "no AUTH_REQUEST for a silent phone"; sleep 0.1
done
if "$cli" --port 23802 --device SEPAAAA00000001 --password 123456 >/dev/null 2>&1; then
    fail "a second session got through --max-sessions 1"
fi
ok "--max-sessions 1: a second connection is closed at once"
wait "$spid" || true
got=$(od -An -tx1 -v silent.bin | tr -d ' \n')
[ "$got" = "55010000000100080700010308000100550f00000001000401000107" ] ||
    fail "silent phone got $got"
grep -q 'outcome=timeout end_reason=7' srv3.out || fail "no timeout outcome: $(cat srv3.out)"
ok "silent phone: AUTH_REQUEST, then END_SESSION(7) after the step deadline"

# clean exit on SIGTERM (a sanitizer build reports leaks here)
for p in $pids; do kill -TERM "$p"; wait "$p" || fail "server exit status $?"; done
pids=""
if grep -q 'Sanitizer' srv1.out.err srv2.out.err srv3.out.err; then fail "sanitizer: $(cat srv*.out.err)"; fi
ok "servers exit cleanly on SIGTERM"
echo "$pass passed, 0 failed"
