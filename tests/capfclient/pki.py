#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Test PKI for CAPF tests, made at run time (no checked-in keys).

  pki.py DIR [--devices SEP001122334455,...]

writes into DIR (all test-only, unencrypted keys, mode 0600):
  capf.pem/capf.key            self-signed RSA-2048 CAPF TLS certificate
  issuer.pem/issuer.key        the LSC-issuing CA (RSA-2048)
  mfg.pem/mfg.key              "manufacturer CA" (stands in for Cisco
                               Manufacturing CA, RSA-2048)
  mfg-ec.pem/mfg-ec.key        an EC P-256 manufacturer CA
  sudi-ca.pem/sudi-ca.key      the CA of the SUDI certificates (RSA-2048)
  rogue.pem/rogue.key          a CA no server trusts
and, per device D: D-mic-rsa.{pem,key} (RSA 2048, by mfg), D-mic-ec.{pem,key}
(EC P-256, by mfg-ec), D-sudi.{pem,key} (RSA 2048, by sudi-ca),
D-rogue.{pem,key} (RSA 2048, by rogue).
"""

import argparse
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

import capf_auth


def _name(cn, org="Shieldlock Test"):
    return x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "CAPF tests"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NZ"),
    ])


def _key(spec):
    return capf_auth.generate_key(*capf_auth.parse_keyspec(spec))


def _builder(subject, issuer, pub, days):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(pub).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days)))


def make_ca(cn, keyspec="rsa:2048", days=3650, org="Shieldlock Test"):
    """A self-signed CA certificate; returns (cert, key)."""
    key = _key(keyspec)
    name = _name(cn, org)
    cert = (_builder(name, name, key.public_key(), days)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                           critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def make_capf(cn="CAPF-shieldlock-test", keyspec="rsa:2048"):
    """Self-signed CAPF TLS certificate (spec §1.1: RSA, mkcert-style)."""
    key = _key(keyspec)
    name = _name(cn)
    cert = (_builder(name, name, key.public_key(), 3650)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def make_device_cert(ca_cert, ca_key, device, keyspec="rsa:2048",
                     org="Cisco Systems Test", days=3650):
    """A MIC/SUDI-like end-entity certificate for `device`, issued by
    ca_cert/ca_key (only the issuer Name and signature matter to CAPF,
    spec §1.8 step 4)."""
    key = _key(keyspec)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, device),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
    ])
    cert = (_builder(subject, ca_cert.subject, key.public_key(), days)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .sign(ca_key, hashes.SHA256()))
    return cert, key


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def write_pair(directory, stem, cert, key):
    cpath = os.path.join(directory, stem + ".pem")
    kpath = os.path.join(directory, stem + ".key")
    with open(cpath, "wb") as f:
        f.write(cert_pem(cert))
    fd = os.open(kpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(capf_auth.key_pem(key))
    return cpath, kpath


class TestPki:
    """All the files of a test PKI in one directory (see module doc)."""

    def __init__(self, directory, devices=()):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.files = {}
        self._cas = {}
        for stem, maker in (
                ("capf", lambda: make_capf()),
                ("issuer", lambda: make_ca("Shieldlock Test LSC Issuer")),
                ("mfg", lambda: make_ca("Test Manufacturing CA",
                                        org="Cisco Systems Test")),
                ("mfg-ec", lambda: make_ca("Test Manufacturing CA EC",
                                           keyspec="ec:P-256",
                                           org="Cisco Systems Test")),
                ("sudi-ca", lambda: make_ca("Test ACT2 SUDI CA",
                                            org="Cisco Systems Test")),
                ("rogue", lambda: make_ca("Rogue Test CA"))):
            cert, key = maker()
            self._cas[stem] = (cert, key)
            self.files[stem] = write_pair(directory, stem, cert, key)
        for d in devices:
            self.add_device(d)

    @classmethod
    def load(cls, directory):
        """The PKI a previous `pki.py DIR` wrote (more devices can be added:
        the CA keys are read back)."""
        from cryptography.hazmat.primitives.serialization import \
            load_pem_private_key
        self = cls.__new__(cls)
        self.dir, self.files, self._cas = directory, {}, {}
        for name in sorted(os.listdir(directory)):
            if not name.endswith(".pem"):
                continue
            stem = name[:-4]
            cpath = os.path.join(directory, name)
            kpath = os.path.join(directory, stem + ".key")
            if not os.path.exists(kpath):
                continue
            self.files[stem] = (cpath, kpath)
        for stem in ("capf", "issuer", "mfg", "mfg-ec", "sudi-ca", "rogue"):
            if stem not in self.files:
                raise FileNotFoundError("%s has no %s.pem/%s.key: make it with"
                                        " pki.py %s" % (directory, stem, stem,
                                                        directory))
            cpath, kpath = self.files[stem]
            with open(cpath, "rb") as f:
                cert = x509.load_pem_x509_certificate(f.read())
            with open(kpath, "rb") as f:
                key = load_pem_private_key(f.read(), password=None)
            self._cas[stem] = (cert, key)
        return self

    def path(self, stem):
        return self.files[stem]

    def add_device(self, device):
        for suffix, ca, spec in (("mic-rsa", "mfg", "rsa:2048"),
                                 ("mic-ec", "mfg-ec", "ec:P-256"),
                                 ("sudi", "sudi-ca", "rsa:2048"),
                                 ("rogue", "rogue", "rsa:2048")):
            ca_cert, ca_key = self._cas[ca]
            cert, key = make_device_cert(ca_cert, ca_key, device, spec)
            self.files["%s-%s" % (device, suffix)] = write_pair(
                self.dir, "%s-%s" % (device, suffix), cert, key)
        return self


def main(argv):
    ap = argparse.ArgumentParser(description="write a CAPF test PKI")
    ap.add_argument("dir")
    ap.add_argument("--devices", default="SEP001122334455")
    a = ap.parse_args(argv[1:])
    p = TestPki(a.dir, [d for d in a.devices.split(",") if d])
    for stem, (c, k) in sorted(p.files.items()):
        print("%-28s %s %s" % (stem, c, k))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
