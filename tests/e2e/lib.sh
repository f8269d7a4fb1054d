# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers of the e2e scripts (sourced; docs/e2e.md).

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PHONE=${PHONE:-$E2E_DIR/phone.py}
PY=${PY:-/usr/bin/python3}
E2E_FAILED=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; E2E_FAILED=$((E2E_FAILED + 1)); }
# check NAME CMD...: PASS/FAIL on the command's exit status
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

skip() {
	echo "SKIP: $*"
	exit 77
}

# need_tools TOOL...: skip (77) when one is missing
need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed (scripts/setup.sh installs it)"
	done
}

# mkpki DIR NAME...: a throw-away test CA (DIR/ca.pem, ca.key) and for each
# NAME an ECDSA P-256 certificate DIR/NAME.pem + DIR/NAME.key with CN=NAME
# (subjectAltName DNS:NAME, clientAuth and serverAuth), valid 2 days.
mkpki() {
	local dir=$1 n
	shift
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 \
		-subj "/O=Shieldlock e2e test/CN=sl-e2e-test-ca" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		2>"$dir/openssl.log" || { cat "$dir/openssl.log" >&2; return 1; }
	for n in "$@"; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$dir/$n.key" -out "$dir/$n.csr" -subj "/CN=$n" 2>>"$dir/openssl.log" &&
		printf 'subjectAltName=DNS:%s\nextendedKeyUsage=clientAuth,serverAuth\nbasicConstraints=CA:FALSE\n' "$n" >"$dir/$n.ext" &&
		openssl x509 -req -in "$dir/$n.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
			-CAcreateserial -out "$dir/$n.pem" -days 2 -extfile "$dir/$n.ext" \
			2>>"$dir/openssl.log" || { cat "$dir/openssl.log" >&2; return 1; }
	done
}

# phone_stop_all DIR...: quit every phone given (ignores ones not started)
phone_stop_quiet() {
	local d
	for d in "$@"; do
		[ -f "$d/phone.json" ] && "$PY" "$PHONE" stop "$d" >/dev/null 2>&1
	done
	return 0
}
