#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Independent check of the signed-file formats with the OpenSSL command line
# (spec §8); suite 'unit'. For each golden file: walk the header with a few
# lines of python3 (spec §2.1 reading rules, nothing from our C code), cut
# the SIGNATURE TLV out, and verify the rest with
#   openssl dgst -sha1|-sha512 -verify signer-pub.pem -signature sig.bin rest.bin
# Then for a fresh .enc.sgn (sgn_encmake): unwrap the AES key with
# `openssl pkeyutl -decrypt -pkeyopt rsa_padding_mode:pkcs1`, decrypt with
# `openssl enc -d -aes-128-cbc -K -iv -nopad`, strip the 0x0D padding and
# compare with the original and with ENCRYPTION_HASH. A flipped byte must
# make openssl refuse.
#   openssl_check.sh FIXTURE_DIR GOLDEN_DIR SGN_ENCMAKE
set -eu
fix=$1 gold=$2 encmake=$3
OPENSSL=${OPENSSL:-openssl}
PYTHON3=${PYTHON3:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/sgn-openssl.XXXXXX")
trap 'rm -rf "$work"' EXIT

# cut.py FILE OUTDIR: writes sig.bin, rest.bin, and prints
#   hash=<1|3> hl=<header length> [enc fields as hex]
cat >"$work/cut.py" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
out = sys.argv[2]
assert data[0] == 1 and data[5] == 2, "not a signed file"
hl = int.from_bytes(data[8:10], 'big')
off, fields, containers = 10, {}, {3, 7, 9, 16, 17, 21}
while off < hl:
    tag = data[off]
    if tag == 0x0D:                 # PADDING: one byte, no length
        off += 1
        continue
    n = int.from_bytes(data[off + 1:off + 3], 'big')
    if tag in containers:           # step into the container
        off += 3
        continue
    fields[tag] = (off, data[off + 3:off + 3 + n])
    off += 3 + n
assert off == hl, "header walk ended at %d, not %d" % (off, hl)
soff, sig = fields[12]
open(out + '/sig.bin', 'wb').write(sig)
open(out + '/rest.bin', 'wb').write(data[:soff] + data[soff + 3 + len(sig):])
open(out + '/body.bin', 'wb').write(data[hl:])
print('hash=%d' % fields[8][1][0])
print('hl=%d' % hl)
if 19 in fields:
    open(out + '/wrapped.bin', 'wb').write(fields[25][1])
    print('iv=' + fields[19][1].hex())
    print('pad=%d' % int.from_bytes(fields[20][1], 'big'))
    print('ehash=%d' % fields[26][1][0])
    print('encdigest=' + fields[27][1].hex())
PY

fail=0
check_sig() {		# FILE SIGNER_CERT
	f=$1 cert=$2
	rm -f "$work"/*.bin
	eval "$("$PYTHON3" "$work/cut.py" "$f" "$work")"
	case $hash in 1) md=-sha1 ;; 3) md=-sha512 ;; *) echo "FAIL $f: hash code $hash"; fail=1; return ;; esac
	"$OPENSSL" x509 -in "$cert" -pubkey -noout >"$work/pub.pem"
	if "$OPENSSL" dgst $md -verify "$work/pub.pem" -signature "$work/sig.bin" "$work/rest.bin" >/dev/null; then
		echo "ok   $(basename "$f"): openssl dgst $md -verify"
	else
		echo "FAIL $(basename "$f"): openssl dgst $md -verify refused it"
		fail=1
	fi
	# Negative: one flipped byte in the signed data must not verify.
	"$PYTHON3" -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 1; open(sys.argv[1], "wb").write(b)' "$work/rest.bin"
	if "$OPENSSL" dgst $md -verify "$work/pub.pem" -signature "$work/sig.bin" "$work/rest.bin" >/dev/null 2>&1; then
		echo "FAIL $(basename "$f"): a flipped byte still verifies"
		fail=1
	fi
}

check_sig "$gold/CTLFile.tlv" "$fix/sast-a-test.pem"
check_sig "$gold/ITLFile.tlv" "$fix/sast-a-test.pem"
check_sig "$gold/SEP001122334455.cnf.xml.sgn" "$fix/tftp-test.pem"
check_sig "$gold/SEP001122334455.cnf.xml.sha512.sgn" "$fix/tftp-test.pem"
# The .sgn body is the original file unchanged (spec §4).
"$PYTHON3" "$work/cut.py" "$gold/SEP001122334455.cnf.xml.sgn" "$work" >/dev/null
cmp -s "$work/body.bin" "$fix/SEP001122334455.cnf.xml" || { echo "FAIL .sgn body differs from the original"; fail=1; }

for h in sha1 sha512; do
	enc="$work/SEP001122334455.cnf.xml.enc.sgn"
	"$encmake" "$fix" "$enc" $h
	check_sig "$enc" "$fix/tftp-test.pem"
	eval "$("$PYTHON3" "$work/cut.py" "$enc" "$work")"
	"$OPENSSL" pkeyutl -decrypt -inkey "$fix/phone-test.key" -in "$work/wrapped.bin" \
		-pkeyopt rsa_padding_mode:pkcs1 -out "$work/aeskey.bin"
	key=$(od -An -tx1 "$work/aeskey.bin" | tr -d ' \n')
	[ ${#key} -eq 32 ] || { echo "FAIL unwrapped key is not 16 bytes"; fail=1; }
	"$OPENSSL" enc -d -aes-128-cbc -K "$key" -iv "$iv" -nopad -in "$work/body.bin" -out "$work/padded.bin"
	size=$(wc -c <"$work/padded.bin")
	# The padding is $pad bytes of 0x0D (spec §5.1 step 5).
	tailhex=$(tail -c "$pad" "$work/padded.bin" | od -An -tx1 | tr -d ' \n')
	[ "$tailhex" = "$(printf '0d%.0s' $(seq "$pad"))" ] || { echo "FAIL padding is not $pad x 0d: $tailhex"; fail=1; }
	head -c $((size - pad)) "$work/padded.bin" >"$work/plain.bin"
	if cmp -s "$work/plain.bin" "$fix/SEP001122334455.cnf.xml"; then
		echo "ok   .enc.sgn ($h): openssl pkeyutl + enc -d give the original"
	else
		echo "FAIL .enc.sgn ($h): decrypted text differs from the original"; fail=1
	fi
	case $ehash in 1) md=-sha1 ;; 3) md=-sha512 ;; *) md=-none ;; esac
	[ "$ehash" = "$hash" ] || { echo "FAIL ENCRYPTION_HASH_ALGORITHM $ehash != HASH_ALGORITHM $hash"; fail=1; }
	dig=$("$OPENSSL" dgst $md -r "$work/plain.bin" | cut -d' ' -f1)
	if [ "$dig" = "$encdigest" ]; then
		echo "ok   .enc.sgn ($h): ENCRYPTION_HASH matches openssl dgst $md"
	else
		echo "FAIL .enc.sgn ($h): ENCRYPTION_HASH $encdigest, openssl says $dig"; fail=1
	fi
	unset iv pad ehash encdigest
done
exit $fail
