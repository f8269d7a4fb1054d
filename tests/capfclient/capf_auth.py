# SPDX-License-Identifier: BSD-3-Clause
"""CAPF phone-side authentication signatures and key generation.

spec §1.7: the CAPF "signed data" is NOT PKCS#1 v1.5 with a DigestInfo. For
RSA it is the type-1 block `00 01 FF..FF 00 || H` over the raw digest H,
put through the private-key operation (OpenSSL RSA_private_encrypt).
python3-cryptography has no API for that, so it is done here from the
private numbers: s = block^d mod n.  ECDSA keys use a standard DER
Ecdsa-Sig-Value.
"""

import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

import capf_wire as w

HASHES = {w.HashAlg.SHA1: hashes.SHA1, w.HashAlg.SHA512: hashes.SHA512}

CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}
CURVE_BY_CODE = {w.Curve.SECP256R1: "P-256", w.Curve.SECP384R1: "P-384",
                 w.Curve.SECP521R1: "P-521"}


def digest(data, hash_alg):
    h = hashes.Hash(HASHES[hash_alg]())
    h.update(data)
    return h.finalize()


def raw_digest_block(dig, modulus_bytes):
    """EMSA type-1 block with the bare digest: 00 01 FF.. 00 || H (§1.7)."""
    pad = modulus_bytes - 3 - len(dig)
    if pad < 8:
        raise ValueError("RSA modulus of %d bytes too small for a %d-byte"
                         " digest" % (modulus_bytes, len(dig)))
    return b"\x00\x01" + b"\xff" * pad + b"\x00" + dig


def rsa_raw_digest_sign(key, dig):
    """RSA_private_encrypt(PKCS1 padding) of the raw digest (spec §1.7)."""
    priv = key.private_numbers()
    n = priv.public_numbers.n
    k = (n.bit_length() + 7) // 8
    m = int.from_bytes(raw_digest_block(dig, k), "big")
    s = pow(m, priv.d, n)
    # Check with the public key before use (guards against a wrong key).
    if pow(s, priv.public_numbers.e, n) != m:
        raise ValueError("RSA private operation did not verify")
    return s.to_bytes(k, "big")


def rsa_raw_digest_recover(pub, sig):
    """Public-key operation + type-1 unpadding; returns the payload."""
    nums = pub.public_numbers()
    k = (nums.n.bit_length() + 7) // 8
    if len(sig) != k:
        raise ValueError("signature is %d bytes, modulus %d" % (len(sig), k))
    block = pow(int.from_bytes(sig, "big"), nums.e, nums.n).to_bytes(k, "big")
    if block[:2] != b"\x00\x01":
        raise ValueError("not a type-1 block")
    end = block.index(b"\x00", 2)
    if end < 10 or set(block[2:end]) != {0xFF}:
        raise ValueError("bad type-1 padding")
    return block[end + 1:]


def sign(key, data, hash_alg, style="raw"):
    """Signature over data as a phone makes it (spec §1.7).

    style "raw": the CAPF scheme; "digestinfo": standard PKCS#1 v1.5
    (a fault a correct server must refuse; RSA only)."""
    if isinstance(key, rsa.RSAPrivateKey):
        if style == "digestinfo":
            return key.sign(data, padding.PKCS1v15(), HASHES[hash_alg]())
        return rsa_raw_digest_sign(key, digest(data, hash_alg))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if style == "digestinfo":
            raise ValueError("the digestinfo-signature fault needs an RSA key")
        return key.sign(data, ec.ECDSA(HASHES[hash_alg]()))
    raise ValueError("unsupported key type %s" % type(key).__name__)


def device_auth_data(device_name, cert_der):
    """deviceName (UTF-8) || 0x00 || DER of the certificate (spec §1.7)."""
    return device_name.encode("utf-8") + b"\x00" + cert_der


def sudi_auth_data(session_id, sudi_der):
    """sessionID as u32 LITTLE-endian || SUDI DER (spec §0, §1.7)."""
    return struct.pack("<I", session_id) + sudi_der


def parse_keyspec(spec):
    """'rsa:2048' -> ('rsa', 2048); 'ec:P-256' -> ('ec', 'P-256')."""
    kind, _, arg = spec.partition(":")
    if kind == "rsa" and arg.isdigit() and 512 <= int(arg) <= 16384:
        return ("rsa", int(arg))
    if kind == "ec" and arg in CURVES:
        return ("ec", arg)
    raise ValueError("key spec %r: use rsa:BITS (512..16384) or"
                     " ec:P-256|P-384|P-521" % spec)


def generate_key(kind, arg):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=arg)
    return ec.generate_private_key(CURVES[arg]())


def spki_der(key):
    return key.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)
