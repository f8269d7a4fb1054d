#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The issued LSC checked by the OpenSSL command-line tool (spec §8, §1.9):
# chain, subject/issuer, key unchanged, serial size, extensions, refusals.
#   test_lsc_cli.sh CAPF_LSCTOOL
set -eu
tool="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
ossl=${OPENSSL:-openssl}
dir=$(mktemp -d "${TMPDIR:-/tmp}/capf-lsc.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*"; exit 1; }
pass=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }

# test CA (RSA) with O/OU/L/ST/C in an unusual order, and a phone key
"$ossl" req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
    -subj "/C=NZ/O=Test Org/CN=Test CAPF Issuer/ST=Test State/OU=Test Unit/L=Test City" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign 2>/dev/null
"$ossl" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out phone.key 2>/dev/null
"$ossl" pkey -in phone.key -pubout -out phone.pub

"$tool" ca.pem ca.key phone.pub SEP58971ECC97C1 lsc.pem rsa:1024
"$ossl" verify -CAfile ca.pem lsc.pem | grep -q ': OK' || fail "openssl verify"
ok "openssl verify -CAfile ca.pem lsc.pem"

subj=$("$ossl" x509 -in lsc.pem -noout -subject -nameopt RFC2253,-esc_msb | sed 's/^subject=//')
# RFC 2253 output is reversed: C first means C was last in the issuer order
[ "$subj" = "L=Test City,OU=Test Unit,ST=Test State,O=Test Org,C=NZ,CN=SEP58971ECC97C1" ] ||
    fail "subject is '$subj'"
ok "subject: CN first, then the issuer's C, O, ST, OU, L in its order"
iss=$("$ossl" x509 -in lsc.pem -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
cas=$("$ossl" x509 -in ca.pem -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
[ "$iss" = "$cas" ] || fail "issuer '$iss' is not the CA subject '$cas'"
ok "issuer = CA subject"

"$ossl" x509 -in lsc.pem -noout -pubkey > lsc.pub
cmp -s lsc.pub phone.pub || fail "public key changed"
ok "public key unchanged"

serial=$("$ossl" x509 -in lsc.pem -noout -serial | sed 's/^serial=//')
n=${#serial}
[ "$n" -ge 16 ] && [ "$n" -le 32 ] || fail "serial $serial has $n hex digits"
ok "serial of at most 16 bytes ($serial)"

text=$("$ossl" x509 -in lsc.pem -noout -text)
echo "$text" | grep -q 'Signature Algorithm: sha256WithRSAEncryption' || fail "signature algorithm"
echo "$text" | grep -q 'Public-Key: (1024 bit)' || fail "key size"
echo "$text" | grep -A1 'Basic Constraints: critical' | grep -q 'CA:FALSE' || fail "basicConstraints"
echo "$text" | grep -A1 'Key Usage: critical' | grep -q 'Digital Signature, Key Encipherment' ||
    fail "keyUsage"
echo "$text" | grep -A1 'Extended Key Usage' | grep -q 'TLS Web Server Authentication, TLS Web Client Authentication, IPSec End System' ||
    fail "extendedKeyUsage"
echo "$text" | grep -A1 'Subject Alternative Name' | grep -q 'URI:SEP58971ECC97C1' || fail "SAN"
echo "$text" | grep -q 'Subject Key Identifier' || fail "SKI"
echo "$text" | grep -q 'Authority Key Identifier' || fail "AKI"
ok "profile: sha256WithRSA, CA:FALSE, KU, EKU, SAN, SKI, AKI"
nb=$("$ossl" x509 -in lsc.pem -noout -startdate | sed 's/^notBefore=//')
na=$("$ossl" x509 -in lsc.pem -noout -enddate | sed 's/^notAfter=//')
days=$(( ($(date -d "$na" +%s) - $(date -d "$nb" +%s)) / 86400 ))
[ "$days" -eq 365 ] || fail "validity is $days days"
ok "validity 365 days"

# EC phone key on P-256, EC issuer: ECDSA-SHA256 signature, keyAgreement
"$ossl" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout eca.key \
    -out eca.pem -days 30 -subj "/CN=Test EC Issuer/O=Test Org" 2>/dev/null
"$ossl" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecphone.key 2>/dev/null
"$ossl" pkey -in ecphone.key -pubout -out ecphone.pub
"$tool" eca.pem eca.key ecphone.pub SEP001122334455 eclsc.pem ec:P-256 30
"$ossl" verify -CAfile eca.pem eclsc.pem | grep -q ': OK' || fail "EC openssl verify"
"$ossl" x509 -in eclsc.pem -noout -text | grep -q 'ecdsa-with-SHA256' || fail "EC signature"
"$ossl" x509 -in eclsc.pem -noout -text | grep -A1 'Key Usage: critical' |
    grep -q 'Digital Signature, Key Encipherment' || fail "EC keyUsage (spec §1.9 profile)"
ok "EC LSC verifies with openssl"

# refusals: wrong size, wrong curve, RSA-512
if "$tool" ca.pem ca.key phone.pub SEPA x.pem rsa:2048 2>/dev/null; then fail "size mismatch accepted"; fi
if "$tool" ca.pem ca.key ecphone.pub SEPA x.pem ec:P-384 2>/dev/null; then fail "curve mismatch accepted"; fi
"$ossl" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 -out small.key 2>/dev/null
"$ossl" pkey -in small.key -pubout -out small.pub
if "$tool" ca.pem ca.key small.pub SEPA x.pem 2>/dev/null; then fail "RSA-512 accepted"; fi
ok "refusals: size, curve, RSA-512"
echo "$pass passed, 0 failed"
