#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit tests of the CAPF test client (suite 'unit').

- capf_wire: the spec §1.11 trace rebuilt byte for byte, round trips and
  malformed input;
- capf_auth: the raw-digest RSA "signed data" checked by the OpenSSL CLI
  (`openssl pkeyutl -verifyrecover`, spec §8), ECDSA by `openssl dgst`;
- capf_client.py end to end against a small scripted TLS server in this
  file (ports 23820-23829), for its state machine, faults and exit codes.
  The scripted server only exercises the client; the real servers are
  checked by capf_scenarios.py.
"""

import datetime
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

import capf_auth as auth  # noqa: E402
import capf_wire as w  # noqa: E402
import pki  # noqa: E402
from capf_wire import Command, Tag  # noqa: E402

CLIENT = os.path.join(HERE, "capf_client.py")
PORT_BASE = int(os.environ.get("CAPFC_UNIT_PORT", "23820"))


def run(cmd, data=None):
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False, timeout=60)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def pub_pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)


class WireTest(unittest.TestCase):
    def test_trace_rebuilt_byte_for_byte(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        self.assertEqual(w.self_test(spki_1024=auth.spki_der(key)), [])
        self.assertEqual(w.self_test(), [])

    def test_trace_bytes_notation(self):
        self.assertEqual(w.trace_bytes('55 0f 00000001 0004 | 01 0001 07'),
                         bytes.fromhex("550f00000001000401000107"))
        self.assertEqual(w.trace_bytes('0b 0007 "123456\\0"'),
                         b"\x0b\x00\x07123456\x00")

    def test_format_message_matches_spec_and_hides_password(self):
        m = w.Message(Command.AUTH_REQUEST, 1, [(Tag.VERSION, b"\x03"),
                                               (Tag.AUTH_TYPE, b"\x00")])
        self.assertEqual(w.format_message(m, "S→P"),
                         "S→P 55 01 00000001 0008 | 07 0001 03 | 08 0001 00")
        m = w.Message(Command.AUTH_RESPONSE, 1, [
            (Tag.PASSWORD, b"secret\x00"),
            (Tag.DEVICE_NAME, b"SEP58971ECC97C1\x00")])
        line = w.format_message(m)
        self.assertNotIn("secret", line)
        self.assertNotIn(b"secret".hex(), line)
        self.assertIn('"SEP58971ECC97C1\\0"', line)
        self.assertNotIn("secret", w.describe_message(m))

    def test_parse_round_trip_every_tag(self):
        els = [(t, bytes([t]) * (t % 5)) for t in w.Tag]
        m = w.Message(Command.AUTH_RESPONSE, 0xDEADBEEF, els)
        self.assertEqual(w.parse_message(m.encode()), m)
        self.assertEqual(m.encode()[:6], bytes.fromhex("5502deadbeef"))

    def test_parse_rejects_malformed(self):
        good = w.encode_message(Command.END_SESSION, 1, [(Tag.REASON, b"\x01")])
        with self.assertRaisesRegex(w.WireError, "0x55"):
            w.parse_header(b"\x54" + good[1:8])
        with self.assertRaisesRegex(w.WireError, "8 bytes"):
            w.parse_header(good[:7])
        with self.assertRaisesRegex(w.WireError, "body bytes"):
            w.parse_message(good[:-1])
        with self.assertRaisesRegex(w.WireError, "claims 2 bytes"):
            w.parse_body(b"\x01\x00\x02\x01")
        with self.assertRaisesRegex(w.WireError, "truncated"):
            w.parse_body(b"\x01\x00\x01\x01\x07\x00")
        with self.assertRaises(w.WireError):
            w.encode_message(Command.AUTH_RESPONSE, 1,
                             [(Tag.PUBLIC_KEY, bytes(65533))])
        with self.assertRaises(w.WireError):
            w.encode_header(1, 1 << 32, 0)
        self.assertEqual(w.parse_body(b""), [])

    def test_cstring(self):
        self.assertEqual(w.cstring("SEP1"), b"SEP1\x00")
        self.assertEqual(w.parse_cstring(b"SEP1\x00"), "SEP1")
        for bad in (b"", b"SEP1", b"SE\x00P\x00"):
            with self.assertRaises(w.WireError):
                w.parse_cstring(bad)
        with self.assertRaises(w.WireError):
            w.cstring("a\x00b")

    def test_certificate_wrapping(self):
        der = b"\x30\x03\x02\x01\x05"
        v = w.wrap_certificate(der)
        self.assertEqual(v, bytes.fromhex("01000700 01") + der)
        self.assertEqual(w.unwrap_certificate(v), (1, der))
        self.assertEqual(w.wrap_certificate(der, w.CertType.MIC)[4], 2)
        for bad in (v[:5], b"\x02" + v[1:], v[:3] + b"\x01" + v[4:], v + b"x"):
            with self.assertRaises(w.WireError):
                w.unwrap_certificate(bad)

    def test_sha2_and_sudi_layout(self):
        self.assertEqual(w.sha2_signed_data(b"\xaa\xbb"),
                         bytes.fromhex("030002aabb"))
        self.assertEqual(w.parse_sha2_signed_data(bytes.fromhex("030002aabb")),
                         (3, b"\xaa\xbb"))
        with self.assertRaises(w.WireError):
            w.parse_sha2_signed_data(bytes.fromhex("030003aabb"))
        s = w.sudi_data(b"C", b"S1", b"S512")
        self.assertEqual(s, bytes.fromhex("00000143") + b"\x01\x00\x02S1"
                         + b"\x03\x00\x04S512")
        self.assertEqual(w.parse_sudi_data(s),
                         [(0, b"C"), (1, b"S1"), (3, b"S512")])
        with self.assertRaises(w.WireError):
            w.parse_sudi_data(s[:-1])

    def test_server_element_allowlist(self):
        m = w.Message(Command.AUTH_REQUEST, 5, [(Tag.VERSION, b"\x03"),
                                               (Tag.PUBLIC_KEY, b"x")])
        self.assertEqual(len(w.check_server_message(m, 5)), 1)
        m = w.Message(Command.AUTH_REQUEST, 6, [(Tag.VERSION, b"\x03")])
        self.assertIn("session id", w.check_server_message(m, 5)[0])
        m = w.Message(Command.AUTH_RESPONSE, 5, [])
        self.assertIn("not one a server", w.check_server_message(m, 5)[0])
        for t in (1, 2, 3, 4, 7, 8, 10, 17, 18):
            m = w.Message(Command.END_SESSION, 5, [(t, b"\x01")])
            self.assertEqual(w.check_server_message(m, 5), [])


class SignatureTest(unittest.TestCase):
    """spec §1.7 signatures, checked by the OpenSSL CLI (spec §8)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="capfc-sig-")
        cls.rsa = rsa.generate_private_key(public_exponent=65537,
                                           key_size=1024)
        cls.ec = ec.generate_private_key(ec.SECP256R1())

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name, data):
        p = os.path.join(self.tmp.name, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def verifyrecover(self, key, sig):
        pub = self.path("pub.pem", pub_pem(key))
        sigp = self.path("sig.bin", sig)
        r = run(["openssl", "pkeyutl", "-verifyrecover", "-pubin", "-inkey",
                 pub, "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", sigp])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_rsa_raw_digest_recovers_bare_digest(self):
        data = auth.device_auth_data("SEP58971ECC97C1", b"\x30\x00")
        self.assertEqual(data, b"SEP58971ECC97C1\x00\x30\x00")
        for alg, h in ((w.HashAlg.SHA1, hashes.SHA1),
                       (w.HashAlg.SHA512, hashes.SHA512)):
            sig = auth.sign(self.rsa, data, alg)
            self.assertEqual(len(sig), 128)
            dg = hashes.Hash(h())
            dg.update(data)
            self.assertEqual(self.verifyrecover(self.rsa, sig), dg.finalize())
            self.assertEqual(auth.rsa_raw_digest_recover(
                self.rsa.public_key(), sig), auth.digest(data, alg))

    def test_digestinfo_fault_is_not_the_capf_scheme(self):
        data = b"SEP1\x00\x30\x00"
        sig = auth.sign(self.rsa, data, w.HashAlg.SHA1, "digestinfo")
        rec = self.verifyrecover(self.rsa, sig)
        h = auth.digest(data, w.HashAlg.SHA1)
        self.assertNotEqual(rec, h)
        self.assertTrue(rec.endswith(h) and len(rec) == 35)   # DigestInfo
        self.assertNotEqual(sig, auth.sign(self.rsa, data, w.HashAlg.SHA1))

    def test_block_too_small(self):
        with self.assertRaises(ValueError):
            auth.raw_digest_block(bytes(64), 64)

    def test_ecdsa_checked_by_openssl(self):
        data = b"SEP1\x00\x30\x00"
        pub = self.path("ecpub.pem", pub_pem(self.ec))
        dp = self.path("data.bin", data)
        for alg, opt in ((w.HashAlg.SHA1, "-sha1"),
                         (w.HashAlg.SHA512, "-sha512")):
            sig = self.path("ecsig.bin", auth.sign(self.ec, data, alg))
            r = run(["openssl", "dgst", opt, "-verify", pub, "-signature",
                     sig, dp])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        bad = bytearray(auth.sign(self.ec, data, w.HashAlg.SHA1))
        bad[-1] ^= 1
        sig = self.path("ecsig.bin", bytes(bad))
        r = run(["openssl", "dgst", "-sha1", "-verify", pub, "-signature",
                 sig, dp])
        self.assertNotEqual(r.returncode, 0)

    def test_sudi_auth_data_is_little_endian(self):
        self.assertEqual(auth.sudi_auth_data(0x01020304, b"X"),
                         b"\x04\x03\x02\x01X")

    def test_keyspec(self):
        self.assertEqual(auth.parse_keyspec("rsa:2048"), ("rsa", 2048))
        self.assertEqual(auth.parse_keyspec("ec:P-521"), ("ec", "P-521"))
        for bad in ("rsa:12", "ec:P-999", "dsa:1024", "rsa:"):
            with self.assertRaises(ValueError):
                auth.parse_keyspec(bad)


# ------------------------------------------------------------------ client

class ScriptedServer(threading.Thread):
    """One TLS connection driven by a script(conn, helper) function."""

    def __init__(self, port, certfile, keyfile, script):
        super().__init__(daemon=True)
        self.script = script
        self.error = None
        self.seen = []
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certfile, keyfile)
        self.ctx = ctx
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", port))
        self.lsock.listen(1)
        self.lsock.settimeout(30)

    def run(self):
        conn = None
        try:
            raw, _ = self.lsock.accept()
            raw.settimeout(30)
            conn = self.ctx.wrap_socket(raw, server_side=True)
            self.conn = conn
            self.script(self)
        except Exception as e:          # reported by the test
            self.error = e
        finally:
            if conn is not None:
                conn.close()
            self.lsock.close()

    def send(self, cmd, els, sid=7):
        self.conn.sendall(w.encode_message(cmd, sid, els))

    def recv(self):
        hdr = b""
        while len(hdr) < 8:
            c = self.conn.recv(8 - len(hdr))
            if not c:
                return None
            hdr += c
        cmd, sid, n = w.parse_header(hdr)
        body = b""
        while len(body) < n:
            c = self.conn.recv(n - len(body))
            if not c:
                return None
            body += c
        m = w.Message(cmd, sid, w.parse_body(body))
        self.seen.append(m)
        return m

    def end(self, reason, sid=7):
        self.send(Command.END_SESSION, [(Tag.REASON, bytes([reason]))], sid)


def issue(pk, device, spki):
    issuer = x509.load_pem_x509_certificate(read_bytes(pk.path("issuer")[0]))
    ikey = auth.load_key(pk.path("issuer")[1])
    pub = serialization.load_der_public_key(spki)
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(
                x509.oid.NameOID.COMMON_NAME, device)]))
            .issuer_name(issuer.subject).public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(1))
            .sign(ikey, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


class ClientTest(unittest.TestCase):
    port = PORT_BASE

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="capfc-unit-")
        cls.pki = pki.TestPki(os.path.join(cls.tmp.name, "pki"),
                              ["SEP001122334455"])
        cls.pw = os.path.join(cls.tmp.name, "pw")
        with open(cls.pw, "w") as f:
            f.write("123456\n")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def client(self, script, *args, cafile=None):
        ClientTest.port += 1
        if ClientTest.port > PORT_BASE + 9:
            ClientTest.port = PORT_BASE
        srv = ScriptedServer(ClientTest.port, *self.pki.path("capf"), script)
        srv.start()
        cmd = [sys.executable, CLIENT, "--host", "127.0.0.1", "--port",
               str(ClientTest.port), "--cafile",
               cafile or self.pki.path("capf")[0], "--json",
               "--verbose", "--timeout", "20"] + list(args)
        r = run(cmd)
        srv.join(30)
        self.assertFalse(srv.is_alive())
        out = json.loads(r.stdout.decode().strip().splitlines()[-1])
        out["rc"] = r.returncode
        out["stderr"] = r.stderr.decode()
        return srv, out

    def out(self, name):
        return os.path.join(self.tmp.name, name)

    def test_password_install_rsa1024(self):
        def script(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03"),
                                          (Tag.AUTH_TYPE, b"\x00")])
            m = s.recv()
            assert m.command == Command.AUTH_RESPONSE and m.session_id == 7
            s.send(Command.KEY_GENERATE_REQUEST, [(Tag.KEY_SIZE, w.u16(1024)),
                                                  (Tag.KEY_TYPE, b"\x00")])
            m = s.recv()
            while m.command == Command.REQUEST_IN_PROGRESS:
                m = s.recv()
            assert m.command == Command.KEY_GENERATE_RESPONSE
            der = issue(self.pki, "SEP001122334455", m.get(Tag.PUBLIC_KEY))
            s.send(Command.STORE_CERTIFICATE_REQUEST, [
                (Tag.CERTIFICATE_TYPE, b"\x01"),
                (Tag.CERTIFICATE, w.wrap_certificate(der))])
            m = s.recv()
            assert m.get(Tag.REASON) == b"\x01"
            s.end(1)
        srv, out = self.client(script, "--device", "SEP001122334455",
                               "--auth", "password", "--password-file",
                               self.pw, "--in-progress", "2",
                               "--out-cert", self.out("lsc.pem"),
                               "--out-key", self.out("lsc.key"))
        self.assertIsNone(srv.error, out["stderr"])
        self.assertEqual((out["rc"], out["result"], out["reason"]),
                         (0, "installed", 1), out)
        # The exact AUTH_RESPONSE of the §1.11 trace (session 7 here).
        self.assertEqual(srv.seen[0].encode(), w.trace_bytes(
            '55 02 00000007 0025 | 01 0001 01 | 07 0001 03 | 0b 0007'
            ' "123456\\0" | 0d 0010 "SEP001122334455\\0"'))
        self.assertEqual([m.command for m in srv.seen],
                         [2, 17, 17, 4, 10])
        spki = srv.seen[3].get(Tag.PUBLIC_KEY)
        self.assertEqual(srv.seen[3].tags(), [Tag.PUBLIC_KEY])
        self.assertEqual(spki[:22], bytes.fromhex(
            "30819f300d06092a864886f70d010101050003818d00"))
        self.assertNotIn("123456", out["stderr"])
        key = auth.load_key(self.out("lsc.key"))
        self.assertEqual(auth.spki_der(key), spki)
        r = run(["openssl", "verify", "-CAfile", self.pki.path("issuer")[0],
                 self.out("lsc.pem")])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_null_ec_and_mismatched_certificate(self):
        def script(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
            m = s.recv()
            assert m.get(Tag.PASSWORD) == b"\x00", m
            s.send(Command.KEY_GENERATE_REQUEST, [(Tag.KEY_TYPE, b"\x01"),
                                                  (Tag.CURVE, b"\x01")])
            m = s.recv()
            while m.command == Command.REQUEST_IN_PROGRESS:
                m = s.recv()
            pub = serialization.load_der_public_key(m.get(Tag.PUBLIC_KEY))
            assert pub.curve.name == "secp384r1"
            # Issue for a different key: the client must notice.
            other = ec.generate_private_key(ec.SECP384R1())
            der = issue(self.pki, "SEP001122334455", auth.spki_der(other))
            s.send(Command.STORE_CERTIFICATE_REQUEST, [
                (Tag.CERTIFICATE_TYPE, b"\x01"),
                (Tag.CERTIFICATE, w.wrap_certificate(der))])
            m = s.recv()
            assert m.get(Tag.REASON) == b"\x07"
            s.end(1)
        srv, out = self.client(script, "--device", "SEP001122334455",
                               "--auth", "null")
        self.assertIsNone(srv.error, out["stderr"])
        self.assertEqual((out["rc"], out["result"]), (4, "error"))
        self.assertIn("public key", out["error"])

    def test_mic_auth_signatures_and_sudi(self):
        dev = "SEP001122334455"
        cert, key = self.pki.path(dev + "-mic-rsa")
        scert, skey = self.pki.path(dev + "-sudi")

        def script(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")], sid=0x01020304)
            m = s.recv()
            ctype, der = w.unwrap_certificate(m.get(Tag.CERTIFICATE))
            assert ctype == 2
            c = x509.load_der_x509_certificate(der)
            data = auth.device_auth_data(dev, der)
            assert auth.rsa_raw_digest_recover(
                c.public_key(), m.get(Tag.SIGNED_DATA)) == \
                auth.digest(data, w.HashAlg.SHA1)
            alg, sig = w.parse_sha2_signed_data(m.get(Tag.SHA2_SIGNED_DATA))
            assert alg == 3
            assert auth.rsa_raw_digest_recover(c.public_key(), sig) == \
                auth.digest(data, w.HashAlg.SHA512)
            recs = w.parse_sudi_data(m.get(Tag.SUDI_DATA))
            sc = x509.load_der_x509_certificate(recs[0][1])
            sdata = b"\x04\x03\x02\x01" + recs[0][1]
            assert auth.rsa_raw_digest_recover(sc.public_key(), recs[2][1]) \
                == auth.digest(sdata, w.HashAlg.SHA512)
            assert [r[0] for r in recs] == [0, 1, 3]
            s.end(0, sid=0x01020304)
        srv, out = self.client(script, "--device", dev, "--auth", "mic",
                               "--cert", cert, "--key", key,
                               "--sudi-cert", scert, "--sudi-key", skey)
        self.assertIsNone(srv.error, out["stderr"])
        self.assertEqual((out["rc"], out["result"], out["reason"]),
                         (0, "no-action", 0))

    def test_fetch_delete_and_refusal(self):
        dev = "SEP001122334455"
        existing = self.pki.path(dev + "-mic-ec")[0]

        def script(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
            s.recv()
            s.send(Command.FETCH_CERTIFICATE_REQUEST, [])
            m = s.recv()
            assert m.command == Command.FETCH_CERTIFICATE_RESPONSE
            assert m.tags() == [Tag.REASON, Tag.CERTIFICATE]
            s.send(Command.DELETE_CERTIFICATE_REQUEST, [])
            m = s.recv()
            assert m.get(Tag.REASON) == b"\x07"
            s.end(9)
        srv, out = self.client(script, "--device", dev, "--existing-lsc",
                               existing, "--delete-answer", "fail")
        self.assertIsNone(srv.error, out["stderr"])
        self.assertEqual((out["rc"], out["result"], out["reason_name"]),
                         (3, "refused", "UNKNOWN_DEVICE"))
        self.assertEqual(out["operations"], ["fetch", "delete"])

    def test_faults_on_the_wire(self):
        dev = "SEP001122334455"
        cert, key = self.pki.path(dev + "-mic-rsa")
        cases = {
            "bad-version": lambda m: m.get(Tag.VERSION) == b"\x04",
            "no-device-name": lambda m: not m.has(Tag.DEVICE_NAME),
            "wrong-session-id": lambda m: m.session_id == 8,
            "unexpected-command": lambda m: m.command == 12,
            "oversized": lambda m: len(m.body()) > 60000,
        }
        for fault, check in cases.items():
            def script(s):
                s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
                hdr = s.conn.recv(8)
                while len(hdr) < 8:
                    hdr += s.conn.recv(8 - len(hdr))
                cmd, sid, n = w.parse_header(hdr)
                body = b""
                while len(body) < n:
                    body += s.conn.recv(n - len(body))
                try:
                    m = w.Message(cmd, sid, w.parse_body(body))
                except w.WireError:
                    m = w.Message(cmd, sid, [(0xEE, body)])
                s.seen.append(m)
                s.end(7)
            srv, out = self.client(script, "--device", dev, "--auth", "mic",
                                   "--cert", cert, "--key", key,
                                   "--fault", fault)
            self.assertIsNone(srv.error, fault)
            self.assertTrue(check(srv.seen[0]), fault)
            self.assertEqual((out["rc"], out["result"]), (3, "refused"), fault)

        def sig_script(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
            s.recv()
            s.end(7)
        srv, out = self.client(sig_script, "--device", dev, "--auth", "mic",
                               "--cert", cert, "--key", key,
                               "--fault", "wrong-signature")
        c = x509.load_pem_x509_certificate(read_bytes(cert))
        with self.assertRaises(ValueError):
            auth.rsa_raw_digest_recover(c.public_key(),
                                        srv.seen[0].get(Tag.SIGNED_DATA))

        def nokey_script(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
            s.recv()
            s.send(Command.KEY_GENERATE_REQUEST, [(Tag.KEY_SIZE, w.u16(512))])
            m = s.recv()
            while m.command == Command.REQUEST_IN_PROGRESS:
                m = s.recv()
            assert m.command == Command.KEY_GENERATE_RESPONSE
            assert m.tags() == [Tag.REASON] and m.get(Tag.REASON) == b"\x07"
            s.end(7)
        srv, out = self.client(nokey_script, "--device", dev, "--fault",
                               "no-public-key")
        self.assertIsNone(srv.error, out["stderr"])
        self.assertEqual((out["rc"], out["result"]), (3, "refused"))

        def trunc_script(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
            data = b""
            while True:
                c = s.conn.recv(100)
                if not c:
                    break
                data += c
            s.seen.append(data)
        srv, out = self.client(trunc_script, "--device", dev, "--fault",
                               "truncated")
        self.assertEqual(srv.seen[0], bytes.fromhex("55020000"))
        self.assertEqual((out["rc"], out["result"]), (0, "aborted"))

    def test_oversized_answered_early(self):
        # The server refuses after the header, without reading the body.
        def script(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
            hdr = b""
            while len(hdr) < 8:
                hdr += s.conn.recv(8 - len(hdr))
            s.seen.append(w.parse_header(hdr))
            s.end(7)
        srv, out = self.client(script, "--device", "SEP001122334455",
                               "--fault", "oversized")
        self.assertIsNone(srv.error, out["stderr"])
        self.assertEqual(srv.seen[0], (Command.AUTH_RESPONSE, 7, 65535))
        self.assertIn((out["rc"], out["result"]), ((3, "refused"), (4, "error")))
        if out["rc"] == 3:
            self.assertEqual(out["reason"], 7)

    def test_server_protocol_violations(self):
        dev = "SEP001122334455"

        def bad_element(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03"),
                                          (Tag.PUBLIC_KEY, b"\x00")])
            s.recv()

        def bad_session(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
            s.recv()
            s.end(0, sid=99)

        def no_end(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
            s.recv()

        def store_without_keygen(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
            s.recv()
            s.send(Command.STORE_CERTIFICATE_REQUEST, [
                (Tag.CERTIFICATE, w.wrap_certificate(b"\x30\x00"))])
            m = s.recv()
            assert m.get(Tag.REASON) == b"\x07"
            s.end(1)
        for script, text in ((bad_element, "outside"),
                             (bad_session, "does not echo"),
                             (no_end, "without END_SESSION"),
                             (store_without_keygen, "certificate")):
            srv, out = self.client(script, "--device", dev)
            self.assertIsNone(srv.error, out["stderr"])
            self.assertEqual((out["rc"], out["result"]), (4, "error"), out)
            self.assertIn(text, out["error"])

    def test_tls_trust_is_the_capf_certificate(self):
        def script(s):
            s.send(Command.AUTH_REQUEST, [(Tag.VERSION, b"\x03")])
        srv, out = self.client(script, "--device", "SEP001122334455",
                               cafile=self.pki.path("rogue")[0])
        self.assertEqual((out["rc"], out["result"]), (5, "error"))
        self.assertIn("TLS handshake", out["error"])

    def test_usage_errors(self):
        base = [sys.executable, CLIENT, "--insecure-no-verify", "--device",
                "SEP1"]
        for extra in (["--auth", "password"], ["--auth", "lsc"],
                      ["--fault", "wrong-signature"], ["--keygen", "rsa:1"]):
            r = run(base + extra)
            self.assertEqual(r.returncode, 2, extra)


if __name__ == "__main__":
    unittest.main(verbosity=2)
