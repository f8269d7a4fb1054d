#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""CAPF scenarios: every operation and auth mode, failures included, run by
the independent phone-side client (capf_client.py) against a CAPF server.

The server is an abstract Target with schedule(device, op, auth, password,
keyspec); two are provided:

  TestServerTarget  starts tests/capf/capf_testserver with a devices file and
                    restarts it (on the next port) when the schedule changes;
  CommandTarget     an already running server (e.g. shieldlockd) whose
                    schedule is changed by running a command.

Usage:
  capf_scenarios.py --server PATH/capf_testserver [--port-base 23830]
  capf_scenarios.py --host H --port P --capf-cert C --issuer-cert I \\
      --pki DIR --schedule-cmd 'CMD ...'     # CMD gets: DEVICE OP AUTH
                                             # [PASSWORD] [KEYSPEC]
Issued certificates are checked with `openssl verify -CAfile issuer.pem`,
`openssl x509 -noout -subject -issuer -serial` and the spec §1.9 profile.
Exit 0 all passed, 1 some failed, 77 server binary missing (meson skip).
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

import capf_auth as auth  # noqa: E402
import pki as pkimod  # noqa: E402

CLIENT = os.path.join(HERE, "capf_client.py")
SKIP = 77
EC_KEY_AGREEMENT_OK = False     # --allow-ec-keyagreement


class ScenarioFailure(Exception):
    pass


# ------------------------------------------------------------------ targets

class Target:
    """What the scenarios need from a CAPF server."""
    host = "127.0.0.1"
    port = None
    capf_cert = None          # PEM the phone trusts (CTL/ITL role CAPF)
    issuer_cert = None        # PEM of the LSC-issuing certificate
    supports_tls10 = False    # can be switched to TLS 1.0 (set_tls10)

    def schedule(self, device, op, auth_mode, password=None, keyspec=None):
        raise NotImplementedError

    def apply(self):
        """Make scheduled changes effective before the next session."""

    def set_tls10(self, on):
        raise NotImplementedError

    def alive(self):
        return True

    def log_tail(self):
        return ""

    def findings(self):
        """Sanitizer reports in the server's output (after stopping it)."""
        return []

    def stop(self):
        pass


def listening(port):
    """True when something listens on TCP port (read from /proc, so probing
    does not open a CAPF session)."""
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
                return True
    return False


class TestServerTarget(Target):
    """tests/capf/capf_testserver, one process per schedule."""

    supports_tls10 = True

    def __init__(self, binary, pki, workdir, port_base, ports=10,
                 curve_style="P"):
        self.binary = binary
        self.pki = pki
        self.workdir = workdir
        self.port_base = port_base
        self.ports = ports
        self.next_port = port_base
        self.curve_style = curve_style
        self.capf_cert = pki.path("capf")[0]
        self.issuer_cert = pki.path("issuer")[0]
        self.devices = {}
        self.tls10 = False
        self.proc = None
        self.dirty = True
        self.logs = []

    def keyspec_text(self, keyspec):
        if keyspec and keyspec.startswith("ec:") and self.curve_style == "secp":
            return "ec:" + {"P-256": "secp256r1", "P-384": "secp384r1",
                            "P-521": "secp521r1"}[keyspec[3:]]
        return keyspec

    def schedule(self, device, op, auth_mode, password=None, keyspec=None):
        fields = [device, op, auth_mode]
        if password:
            fields.append(password)
        if keyspec:
            fields.append(self.keyspec_text(keyspec))
        self.devices[device] = " ".join(fields)
        self.dirty = True

    def set_tls10(self, on):
        if self.tls10 != on:
            self.tls10 = on
            self.dirty = True

    def apply(self):
        if not self.dirty and self.alive():
            return
        self.stop()
        devfile = os.path.join(self.workdir, "devices.txt")
        with open(devfile, "w") as f:
            for line in self.devices.values():
                f.write(line + "\n")
        # Next port of the ring that nobody listens on (another test may
        # hold one; a server that fails to bind would look started).
        for _ in range(self.ports):
            self.port = self.next_port
            self.next_port = self.port_base + \
                (self.port + 1 - self.port_base) % self.ports
            if not listening(self.port):
                break
        else:
            raise ScenarioFailure("every port %d-%d is in use" % (
                self.port_base, self.port_base + self.ports - 1))
        cmd = [self.binary, "--port", str(self.port),
               "--cert", self.pki.path("capf")[0],
               "--key", self.pki.path("capf")[1],
               "--issuer", self.pki.path("issuer")[0],
               "--issuer-key", self.pki.path("issuer")[1],
               "--mic-ca", self.pki.path("mfg")[0],
               "--mic-ca", self.pki.path("mfg-ec")[0],
               "--mic-ca", self.pki.path("sudi-ca")[0],
               "--devices", devfile]
        if self.tls10:
            cmd.append("--tls10")
        log = os.path.join(self.workdir, "server-%d.log" % len(self.logs))
        self.logs.append(log)
        with open(log, "wb") as lf:
            # cwd: the server may write <device>.pem next to its store.
            self.proc = subprocess.Popen(cmd, stdout=lf, cwd=self.workdir,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not listening(self.port):
            if self.proc.poll() is not None:
                raise ScenarioFailure("capf_testserver exited with %d at"
                                      " start: %s" % (self.proc.returncode,
                                                      self.log_tail()))
            if time.monotonic() > deadline:
                raise ScenarioFailure("capf_testserver does not listen on"
                                      " port %d after 10 s" % self.port)
            time.sleep(0.05)
        time.sleep(0.05)
        if self.proc.poll() is not None:
            raise ScenarioFailure("capf_testserver exited with %d: %s"
                                  % (self.proc.returncode, self.log_tail()))
        self.dirty = False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=8):
        if not self.logs:
            return ""
        try:
            with open(self.logs[-1], errors="replace") as f:
                return " | ".join(f.read().splitlines()[-lines:])
        except OSError:
            return ""

    def findings(self):
        self.stop()
        out = []
        for log in self.logs:
            with open(log, errors="replace") as f:
                for line in f:
                    if "Sanitizer" in line or "runtime error:" in line:
                        out.append("%s: %s" % (os.path.basename(log),
                                               line.strip()))
        return out

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None


class CommandTarget(Target):
    """A running server; schedule() runs `CMD DEVICE OP AUTH [PASSWORD]
    [KEYSPEC]` (e.g. a wrapper around `shieldlockctl capf set ...`)."""

    def __init__(self, host, port, capf_cert, issuer_cert, command):
        self.host, self.port = host, port
        self.capf_cert, self.issuer_cert = capf_cert, issuer_cert
        self.command = shlex.split(command)

    def schedule(self, device, op, auth_mode, password=None, keyspec=None):
        args = self.command + [device, op, auth_mode]
        if password:
            args.append(password)
        if keyspec:
            args.append(keyspec)
        r = subprocess.run(args, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30, check=False)
        if r.returncode != 0:
            raise ScenarioFailure("schedule command %s failed (%d): %s"
                                  % (args, r.returncode, r.stdout.decode()))


class CallableTarget(Target):
    """A running server scheduled from Python:
    fn(device, op, auth, password, keyspec) (e.g. a helper that calls
    `shieldlockctl capf set ...`)."""

    def __init__(self, host, port, capf_cert, issuer_cert, fn):
        self.host, self.port = host, port
        self.capf_cert, self.issuer_cert = capf_cert, issuer_cert
        self.fn = fn

    def schedule(self, device, op, auth_mode, password=None, keyspec=None):
        self.fn(device, op, auth_mode, password, keyspec)


def run_scenarios(target, pki, workdir, only=None, verbose=False):
    """Library entry point: returns 0 when every scenario passed.
    `pki` is a pki.TestPki whose mfg, mfg-ec and sudi-ca the server trusts."""
    return Runner(target, pki, workdir, verbose).run(only)


# ------------------------------------------------------------------ checks

def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30, check=False)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def dn_line(text, field):
    for line in text.splitlines():
        if line.startswith(field + "="):
            return line[len(field) + 1:].replace(" = ", "=").strip()
    raise ScenarioFailure("openssl printed no %s= line: %r" % (field, text))


def check_lsc(target, device, cert_path, key_path, keyspec):
    """The issued LSC against the issuer with the OpenSSL CLI, then the
    spec §1.9 profile.  Returns the certificate's serial (hex)."""
    rc, out, err = openssl("verify", "-CAfile", target.issuer_cert, cert_path)
    if rc != 0 or not out.strip().endswith(": OK"):
        raise ScenarioFailure("openssl verify -CAfile issuer: %s %s"
                              % (out.strip(), err.strip()))
    rc, out, err = openssl("x509", "-noout", "-subject", "-issuer", "-serial",
                           "-in", cert_path)
    if rc != 0:
        raise ScenarioFailure("openssl x509: %s" % err)
    subject, issuer = dn_line(out, "subject"), dn_line(out, "issuer")
    serial = dn_line(out, "serial")
    if subject.split(",")[0].strip() != "CN=" + device:
        raise ScenarioFailure("subject %r does not start with CN=%s"
                              % (subject, device))
    rc, iout, _ = openssl("x509", "-noout", "-subject", "-in",
                          target.issuer_cert)
    if issuer != dn_line(iout, "subject"):
        raise ScenarioFailure("issuer %r is not the issuing certificate's"
                              " subject %r (spec §1.9)"
                              % (issuer, dn_line(iout, "subject")))
    # spec §1.9: 16 random bytes; fewer than 9 significant bytes has a
    # chance of 2^-56, so it means the serial is not random.
    if not 64 < int(serial, 16).bit_length() <= 128:
        raise ScenarioFailure("serial %s is not 16 random bytes (spec §1.9)"
                              % serial)
    _, cpub, _ = openssl("x509", "-noout", "-pubkey", "-in", cert_path)
    _, kpub, _ = openssl("pkey", "-pubout", "-in", key_path)
    if not cpub or cpub != kpub:
        raise ScenarioFailure("certificate public key is not the key the"
                              " client generated")
    with open(cert_path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    with open(target.issuer_cert, "rb") as f:
        icert = x509.load_pem_x509_certificate(f.read())
    check_profile(cert, icert, device, keyspec)
    return serial


def check_profile(cert, icert, device, keyspec):
    """spec §1.9 issued LSC profile."""
    problems = []
    want = [x509.NameAttribute(NameOID.COMMON_NAME, device)] + [
        a for a in icert.subject
        if a.oid in (NameOID.ORGANIZATION_NAME,
                     NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.LOCALITY_NAME,
                     NameOID.STATE_OR_PROVINCE_NAME, NameOID.COUNTRY_NAME)]
    if list(cert.subject) != want:
        problems.append("subject %s, expected %s" % (
            cert.subject.rfc4514_string(), x509.Name(want).rfc4514_string()))
    ext = {e.oid: e for e in cert.extensions}
    bc = ext.get(x509.oid.ExtensionOID.BASIC_CONSTRAINTS)
    if bc is None or bc.value.ca or not bc.critical:
        problems.append("BasicConstraints is not critical CA:FALSE")
    ku = ext.get(x509.oid.ExtensionOID.KEY_USAGE)
    is_ec = isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    if ku is None or not ku.critical or not ku.value.digital_signature:
        problems.append("KeyUsage is not critical with digitalSignature")
    elif not ku.value.key_encipherment and not (
            is_ec and EC_KEY_AGREEMENT_OK and ku.value.key_agreement):
        # spec §1.9 names keyEncipherment for every key type; an EC key
        # with keyAgreement instead is accepted only with
        # --allow-ec-keyagreement.
        problems.append("KeyUsage lacks keyEncipherment%s" % (
            " (EC key with keyAgreement: allowed only with"
            " --allow-ec-keyagreement)" if is_ec and ku.value.key_agreement
            else ""))
    eku = ext.get(x509.oid.ExtensionOID.EXTENDED_KEY_USAGE)
    want_eku = {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH,
                x509.ObjectIdentifier("1.3.6.1.5.5.7.3.5")}
    if eku is None or set(eku.value) != want_eku:
        problems.append("EKU is not serverAuth, clientAuth, ipsecEndSystem")
    san = ext.get(x509.oid.ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if san is None or san.value.get_values_for_type(
            x509.UniformResourceIdentifier) != [device]:
        problems.append("SubjectAltName is not one URI %s" % device)
    if not isinstance(cert.signature_hash_algorithm, hashes.SHA256):
        problems.append("signature hash is %s, not SHA-256"
                        % cert.signature_hash_algorithm.name)
    pub = cert.public_key()
    if keyspec:
        kind, arg = auth.parse_keyspec(keyspec)
        if kind == "rsa" and not (isinstance(pub, rsa.RSAPublicKey)
                                  and pub.key_size == arg):
            problems.append("key is not RSA-%d" % arg)
        if kind == "ec" and not (isinstance(pub, ec.EllipticCurvePublicKey)
                                 and pub.curve.name == auth.CURVES[arg].name):
            problems.append("key is not EC %s" % arg)
    if problems:
        raise ScenarioFailure("LSC profile (spec §1.9): " + "; ".join(problems))


# ------------------------------------------------------------------ runner

class Runner:
    def __init__(self, target, pki, workdir, verbose=False):
        self.t = target
        self.pki = pki
        self.dir = workdir
        self.verbose = verbose
        self.state = {}
        self.serials = set()
        self.passed = []
        self.failed = []
        self.n = 0

    def device(self):
        self.n += 1
        return "SEPC0FFEE%06X" % self.n

    def file(self, name):
        return os.path.join(self.dir, name)

    def phone(self, device, auth_mode="null", password=None, cert=None,
              key=None, sudi=None, fault=None, extra=(), save=True):
        """Run capf_client.py once; returns its --json result plus rc."""
        self.t.apply()
        cmd = [sys.executable, CLIENT, "--host", self.t.host, "--port",
               str(self.t.port), "--cafile", self.t.capf_cert, "--device",
               device, "--auth", auth_mode, "--json", "--timeout", "30"]
        if password is not None:
            pf = self.file(device + ".pw")
            with open(pf, "w") as f:
                f.write(password + "\n")
            cmd += ["--password-file", pf]
        if cert:
            cmd += ["--cert", cert, "--key", key]
        if sudi:
            cmd += ["--sudi-cert", sudi[0], "--sudi-key", sudi[1]]
        if fault:
            cmd += ["--fault", fault]
        if save:
            cmd += ["--out-cert", self.file(device + "-lsc.pem"),
                    "--out-key", self.file(device + "-lsc.key")]
        if self.verbose:
            cmd.append("--verbose")
        cmd += list(extra)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120, check=False)
        if self.verbose and r.stderr:
            sys.stderr.write(r.stderr.decode())
        try:
            out = json.loads(r.stdout.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise ScenarioFailure("client printed no JSON (rc %d): %s %s"
                                  % (r.returncode, r.stdout.decode(),
                                     r.stderr.decode()))
        out["rc"] = r.returncode
        return out

    def expect(self, out, result, reason=None, rc=None):
        ok = out["result"] == result
        if reason is not None:
            ok = ok and out["reason"] == reason
        if rc is not None:
            ok = ok and out["rc"] == rc
        if not ok:
            raise ScenarioFailure("expected %s/%s, client got %s/%s (rc %d)%s"
                                  % (result, reason, out["result"],
                                     out["reason"], out["rc"],
                                     ": " + out["error"] if out.get("error")
                                     else ""))

    def refused(self, out, reasons=(7,), allow_close=False):
        """END_SESSION(7) — or, where the spec allows the server to just
        close (§1.8 step 7 'and closes'), a close without END_SESSION."""
        if out["result"] == "refused" and out["reason"] in reasons:
            return
        err = out.get("error") or ""
        if allow_close and out["result"] == "error" and (
                "without END_SESSION" in err or "connection error" in err
                or "sending to server failed" in err):
            return
        self.expect(out, "refused", reasons[0], 3)

    def installed(self, device, out, keyspec):
        self.expect(out, "installed", 1, 0)
        cert, key = self.file(device + "-lsc.pem"), self.file(device +
                                                            "-lsc.key")
        serial = check_lsc(self.t, device, cert, key, keyspec)
        if serial in self.serials:
            raise ScenarioFailure("serial %s issued twice" % serial)
        self.serials.add(serial)
        keep = (self.file(device + "-kept.pem"), self.file(device +
                                                           "-kept.key"))
        os.replace(cert, keep[0])
        os.replace(key, keep[1])
        return keep

    def run(self, only=None):
        for name, fn in SCENARIOS:
            if only and name not in only:
                continue
            try:
                fn(self)
            except ScenarioFailure as e:
                tail = self.t.log_tail()
                self.failed.append(name)
                print("FAIL %s: %s%s" % (name, e,
                                         "\n     server: " + tail if tail
                                         else ""), flush=True)
            else:
                self.passed.append(name)
                print("ok   %s" % name, flush=True)
        if not only:
            found = self.t.findings()
            if found:
                self.failed.append("server-sanitizer-clean")
                print("FAIL server-sanitizer-clean: " + " | ".join(found[:5]))
            else:
                self.passed.append("server-sanitizer-clean")
                print("ok   server-sanitizer-clean")
        print("scenarios: %d passed, %d failed"
              % (len(self.passed), len(self.failed)))
        return 0 if not self.failed else 1


SCENARIOS = []


def scenario(fn):
    SCENARIOS.append((fn.__name__.replace("_", "-"), fn))
    return fn


def install(r, auth_mode, keyspec, password=None, cert=None, key=None,
            sudi=None, server_keyspec="same", extra=()):
    d = r.device()
    r.t.schedule(d, "install", auth_mode, password,
                 keyspec if server_keyspec == "same" else server_keyspec)
    out = r.phone(d, auth_mode, password, cert, key, sudi, extra=extra)
    return d, r.installed(d, out, keyspec)


@scenario
def install_password_rsa1024(r):
    d, kept = install(r, "password", "rsa:1024", password="123456")
    r.state["rsa-lsc"] = (d, kept)


@scenario
def operation_resets_to_none(r):
    # spec §1.8 step 6: after a successful install the operation is none.
    if "rsa-lsc" not in r.state:
        raise ScenarioFailure("needs install-password-rsa1024")
    d = r.state["rsa-lsc"][0]
    r.expect(r.phone(d, "password", "123456"), "no-action", 0, 0)


@scenario
def install_null_default_key(r):
    install(r, "null", "rsa:2048", server_keyspec=None)   # §1.9 default 2048


@scenario
def install_null_rsa4096(r):
    install(r, "null", "rsa:4096")


@scenario
def install_null_ec_p256(r):
    d, kept = install(r, "null", "ec:P-256")
    r.state["ec-lsc"] = (d, kept)


@scenario
def install_null_ec_p384(r):
    install(r, "null", "ec:P-384")


@scenario
def install_null_ec_p521(r):
    install(r, "null", "ec:P-521")


@scenario
def install_three_in_progress(r):
    install(r, "null", "rsa:1024", extra=["--in-progress", "3"])


@scenario
def install_no_in_progress(r):
    install(r, "null", "rsa:1024", extra=["--in-progress", "0"])


@scenario
def null_device_accepts_a_password(r):
    d = r.device()
    r.t.schedule(d, "install", "null", None, "rsa:1024")
    out = r.phone(d, "password", "whatever1")
    r.installed(d, out, "rsa:1024")


@scenario
def wrong_password_then_right(r):
    d = r.device()
    r.t.schedule(d, "install", "password", "123456", "rsa:1024")
    r.refused(r.phone(d, "password", "654321"))
    r.refused(r.phone(d, "null"))
    # A refused session must not consume the scheduled operation.
    r.installed(d, r.phone(d, "password", "123456"), "rsa:1024")


@scenario
def unknown_device(r):
    r.t.apply()
    r.refused(r.phone("SEPDEADBEEF0001", "null"), reasons=(9,))


@scenario
def no_operation(r):
    d = r.device()
    r.t.schedule(d, "none", "null")
    r.expect(r.phone(d, "null"), "no-action", 0, 0)


@scenario
def fetch_existing_lsc(r):
    if "rsa-lsc" not in r.state:
        raise ScenarioFailure("needs install-password-rsa1024")
    d = r.device()
    r.t.schedule(d, "fetch", "null")
    out = r.phone(d, "null", extra=["--existing-lsc", r.state["rsa-lsc"][1][0]])
    r.expect(out, "fetched", 0, 0)          # spec §1.8: fetch ends with 0
    r.expect(r.phone(d, "null"), "no-action", 0, 0)


@scenario
def fetch_without_lsc(r):
    d = r.device()
    r.t.schedule(d, "fetch", "null")
    r.expect(r.phone(d, "null"), "fetched", 0, 0)


@scenario
def delete_ok(r):
    d = r.device()
    r.t.schedule(d, "delete", "null")
    r.expect(r.phone(d, "null"), "deleted", 1, 0)


@scenario
def delete_fail_still_ends_1(r):
    d = r.device()
    r.t.schedule(d, "delete", "null")
    r.expect(r.phone(d, "null", extra=["--delete-answer", "fail"]),
             "deleted", 1, 0)


@scenario
def lsc_auth_rsa_renewal(r):
    if "rsa-lsc" not in r.state:
        raise ScenarioFailure("needs install-password-rsa1024")
    d, (cert, key) = r.state["rsa-lsc"]
    r.t.schedule(d, "install", "lsc", None, "rsa:2048")
    r.installed(d, r.phone(d, "lsc", cert=cert, key=key), "rsa:2048")


@scenario
def lsc_auth_ec(r):
    if "ec-lsc" not in r.state:
        raise ScenarioFailure("needs install-null-ec-p256")
    d, (cert, key) = r.state["ec-lsc"]
    r.t.schedule(d, "install", "lsc", None, "ec:P-256")
    r.installed(d, r.phone(d, "lsc", cert=cert, key=key), "ec:P-256")


@scenario
def lsc_auth_forged_issuer(r):
    # Same issuer Name, different key: the issuer signature check (§1.8 4)
    # must refuse it.
    d = r.device()
    with open(r.t.issuer_cert, "rb") as f:
        real = x509.load_pem_x509_certificate(f.read())
    fake_key = auth.generate_key("rsa", 2048)
    fake_ca_named = (x509.CertificateBuilder().subject_name(real.subject)
                     .issuer_name(real.subject).public_key(fake_key.public_key())
                     .serial_number(1).not_valid_before(real.not_valid_before)
                     .not_valid_after(real.not_valid_after)
                     .sign(fake_key, hashes.SHA256()))
    cert, key = pkimod.make_device_cert(fake_ca_named, fake_key, d)
    c, k = pkimod.write_pair(r.dir, d + "-forged", cert, key)
    r.t.schedule(d, "install", "lsc", None, "rsa:1024")
    r.refused(r.phone(d, "lsc", cert=c, key=k))


def mic(r, suffix, keyspec="rsa:1024", sudi=False, fault=None):
    d = r.device()
    r.pki.add_device(d)
    cert, key = r.pki.path("%s-%s" % (d, suffix))
    r.t.schedule(d, "install", "mic", None, keyspec)
    out = r.phone(d, "mic", cert=cert, key=key, fault=fault,
                  sudi=r.pki.path(d + "-sudi") if sudi else None)
    return d, out


@scenario
def mic_auth_rsa(r):
    d, out = mic(r, "mic-rsa")
    r.installed(d, out, "rsa:1024")


@scenario
def mic_auth_ec(r):
    d, out = mic(r, "mic-ec", "ec:P-256")
    r.installed(d, out, "ec:P-256")


@scenario
def mic_auth_with_sudi(r):
    d, out = mic(r, "mic-rsa", sudi=True)
    r.installed(d, out, "rsa:1024")


@scenario
def mic_untrusted_ca(r):
    r.refused(mic(r, "rogue")[1])


@scenario
def fault_wrong_signature_rsa(r):
    r.refused(mic(r, "mic-rsa", fault="wrong-signature")[1])


@scenario
def fault_wrong_signature_ec(r):
    r.refused(mic(r, "mic-ec", fault="wrong-signature")[1])


@scenario
def fault_digestinfo_signature(r):
    r.refused(mic(r, "mic-rsa", fault="digestinfo-signature")[1])


def fault(r, name, allow_close=False):
    d = r.device()
    r.t.schedule(d, "install", "password", "123456", "rsa:1024")
    r.refused(r.phone(d, "password", "123456", fault=name),
              allow_close=allow_close)
    return d


@scenario
def fault_bad_version(r):
    fault(r, "bad-version")


@scenario
def fault_no_device_name(r):
    fault(r, "no-device-name")


@scenario
def fault_wrong_session_id(r):
    fault(r, "wrong-session-id", allow_close=True)


@scenario
def fault_unexpected_command(r):
    fault(r, "unexpected-command", allow_close=True)


@scenario
def fault_oversized(r):
    fault(r, "oversized", allow_close=True)


@scenario
def fault_no_public_key(r):
    fault(r, "no-public-key")


@scenario
def fault_truncated_server_survives(r):
    d = r.device()
    r.t.schedule(d, "install", "password", "123456", "rsa:1024")
    r.expect(r.phone(d, "password", "123456", fault="truncated"), "aborted")
    time.sleep(0.2)
    if not r.t.alive():
        raise ScenarioFailure("server died after a truncated header")
    # The next phone is served, and the operation is still scheduled.
    r.installed(d, r.phone(d, "password", "123456"), "rsa:1024")


@scenario
def tls_wrong_trust_anchor(r):
    d = r.device()
    r.t.schedule(d, "none", "null")
    r.t.apply()
    cmd = [sys.executable, CLIENT, "--host", r.t.host, "--port",
           str(r.t.port), "--cafile", r.pki.path("rogue")[0], "--device", d,
           "--json"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, timeout=60, check=False)
    if p.returncode != 5:
        raise ScenarioFailure("client trusting another CA got rc %d, not 5"
                              % p.returncode)


@scenario
def tls10_only_phone(r):
    # spec §1.1: 7900-series phones speak only TLS 1.0.
    d = r.device()
    r.t.schedule(d, "none", "null")
    old = ["--tls-min", "1.0", "--tls-max", "1.0"]
    r.t.apply()
    out = r.phone(d, "null", extra=old)
    if out["rc"] != 5:
        raise ScenarioFailure("TLS 1.0 client got %s without --tls10"
                              % out["result"])
    if not r.t.supports_tls10:
        return
    r.t.set_tls10(True)
    try:
        r.expect(r.phone(d, "null", extra=old), "no-action", 0, 0)
    finally:
        r.t.set_tls10(False)


# ------------------------------------------------------------------ main

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", help="capf_testserver binary")
    ap.add_argument("--port-base", type=int, default=23830)
    ap.add_argument("--ports", type=int, default=10)
    ap.add_argument("--curve-style", choices=("P", "secp"), default="P",
                    help="ec:P-256 or ec:secp256r1 in the devices file")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int)
    ap.add_argument("--capf-cert")
    ap.add_argument("--issuer-cert")
    ap.add_argument("--pki", help="directory made by pki.py (external"
                    " target; the server must trust its mfg.pem, mfg-ec.pem,"
                    " sudi-ca.pem)")
    ap.add_argument("--schedule-cmd")
    ap.add_argument("--workdir")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--allow-ec-keyagreement", action="store_true",
                    help="accept KeyUsage digitalSignature + keyAgreement on"
                    " EC LSCs (spec §1.9 says keyEncipherment)")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv[1:])
    global EC_KEY_AGREEMENT_OK
    EC_KEY_AGREEMENT_OK = a.allow_ec_keyagreement
    if a.list:
        for name, _ in SCENARIOS:
            print(name)
        return 0
    tmp = None
    workdir = a.workdir
    if not workdir:
        tmp = tempfile.TemporaryDirectory(prefix="capf-scen-")
        workdir = tmp.name
    os.makedirs(workdir, exist_ok=True)
    target = None
    try:
        if a.server:
            a.server = os.path.abspath(a.server)
            if not (os.path.isfile(a.server) and os.access(a.server, os.X_OK)):
                print("SKIP: %s is not built yet (build tests/capf first)"
                      % a.server)
                return SKIP
            pki = pkimod.TestPki(os.path.join(workdir, "pki"))
            target = TestServerTarget(a.server, pki, workdir, a.port_base,
                                      a.ports, a.curve_style)
        elif a.schedule_cmd and a.port and a.capf_cert and a.issuer_cert \
                and a.pki:
            try:
                pki = pkimod.TestPki.load(a.pki)
            except OSError as e:
                ap.error(str(e))
            target = CommandTarget(a.host, a.port, a.capf_cert,
                                   a.issuer_cert, a.schedule_cmd)
        else:
            ap.error("give --server BIN, or --port --capf-cert --issuer-cert"
                     " --pki --schedule-cmd")
        return Runner(target, pki, workdir, a.verbose).run(a.only)
    finally:
        if target is not None:
            target.stop()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
