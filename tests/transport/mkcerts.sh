#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Throwaway PKI for the transport tests, made at test time in DIR (never
# committed): a CA, two server certificates (for the replacement test), a
# phone client certificate, an untrusted self-signed client, a CApath.
set -eu
d=$1
cd "$d"
q() { "$@" >/dev/null 2>&1 || { echo "mkcerts: failed: $*" >&2; exit 1; }; }

q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
q openssl req -x509 -new -key ca.key -subj "/CN=Shieldlock Test CA" -days 2 -out ca.pem \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# leaf NAME SUBJECT SAN EKU
leaf() {
	q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
	q openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName=%s\nextendedKeyUsage=%s\n' \
		"$3" "$4" > "$1.ext"
	q openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile "$1.ext" -out "$1.pem"
}
leaf server "/CN=sbc.test" "DNS:sbc.test,IP:127.0.0.1" "serverAuth,clientAuth"
leaf server2 "/CN=sbc2.test" "DNS:sbc2.test,IP:127.0.0.1" "serverAuth,clientAuth"
leaf client "/O=Shieldlock/CN=phone-1001" "DNS:phone1001.test,URI:sip:1001@shieldlock.test" "clientAuth"

q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out rogue.key
q openssl req -x509 -new -key rogue.key -subj "/CN=rogue" -days 2 -out rogue.pem

mkdir -p trust
cp ca.pem trust/ca.pem
q openssl rehash trust
