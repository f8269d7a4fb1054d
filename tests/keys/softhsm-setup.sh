#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Creates a throwaway SoftHSM2 configuration (its own tokens directory in a
# temporary directory; /etc/softhsm and /var/lib/softhsm are never touched),
# two SAST tokens with test keys, PIN files and independently exported public
# keys, then runs the test program given as $1 with that environment and
# removes everything. Exit 77 (skip) without softhsm2 or pkcs11-tool.
#   SAST-A: RSA 2048 "sast" id 01, EC P-256 "ecsast" id 02
#   SAST-B: RSA 2048 "sast" id 01
set -eu
test_prog=$1
module=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
openssl=${OPENSSL:-openssl}
for tool in softhsm2-util pkcs11-tool "$openssl"; do
	command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool missing"; exit 77; }
done
[ -r "$module" ] || { echo "skip: $module missing"; exit 77; }

dir=$(mktemp -d /tmp/sl-keys-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT INT TERM
mkdir "$dir/tokens"
cat > "$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
SOFTHSM2_CONF=$dir/softhsm2.conf
export SOFTHSM2_CONF

pin=1234
so=87654321
p11() { pkcs11-tool --module "$module" "$@" >/dev/null 2>&1; }
for t in SAST-A SAST-B; do
	softhsm2-util --init-token --free --label "$t" --so-pin "$so" --pin "$pin" >/dev/null
	p11 --token-label "$t" --login --pin "$pin" --keypairgen --key-type rsa:2048 \
		--label sast --id 01
	pkcs11-tool --module "$module" --token-label "$t" --read-object --type pubkey \
		--id 01 -o "$dir/$t-rsa.der" >/dev/null 2>&1
	"$openssl" pkey -pubin -inform DER -in "$dir/$t-rsa.der" -out "$dir/$t-rsa.pub.pem"
done
p11 --token-label SAST-A --login --pin "$pin" --keypairgen --key-type EC:prime256v1 \
	--label ecsast --id 02
pkcs11-tool --module "$module" --token-label SAST-A --read-object --type pubkey \
	--id 02 -o "$dir/SAST-A-ec.der" >/dev/null 2>&1
"$openssl" pkey -pubin -inform DER -in "$dir/SAST-A-ec.der" -out "$dir/SAST-A-ec.pub.pem"

(umask 077; printf '%s\n' "$pin" > "$dir/pin-ok"; printf '9999\n' > "$dir/pin-wrong")
printf '%s\n' "$pin" > "$dir/pin-open"
chmod 0644 "$dir/pin-open"

SL_KEYS_DIR=$dir SL_KEYS_MODULE=$module OPENSSL=$openssl
export SL_KEYS_DIR SL_KEYS_MODULE OPENSSL
rc=0
"$test_prog" || rc=$?
exit $rc
