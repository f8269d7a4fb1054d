#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Independent CAPF test client: plays the phone side of spec §1.8.

Written only from /work/shared/specs/cisco-phone-security.md §0, §1, §8.
See docs/capf-client.md for usage, faults and exit codes.
"""

import argparse
import json
import os
import socket
import ssl
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization

import capf_auth as auth
import capf_wire as w
from capf_wire import Command, Reason, Tag

# Exit codes (docs/capf-client.md).
EXIT_OK = 0          # END_SESSION reason 0 or 1 (or --fault truncated sent)
EXIT_LOCAL = 1       # local problem: unreadable file, key/cert mismatch
EXIT_USAGE = 2       # bad command line (argparse uses 2 as well)
EXIT_REFUSED = 3     # END_SESSION with any other reason (7, 9, ...)
EXIT_PROTOCOL = 4    # server broke the protocol, or closed without END_SESSION
EXIT_TLS = 5         # TCP connect or TLS handshake/verification failed

FAULTS = ("wrong-signature", "digestinfo-signature", "bad-version",
          "no-device-name", "wrong-session-id", "unexpected-command",
          "oversized", "truncated", "no-public-key")


class ClientError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Transcript:
    def __init__(self, verbose):
        self.verbose = verbose

    def msg(self, direction, msg):
        if self.verbose:
            print(w.format_message(msg, direction), file=sys.stderr)
            for line in w.describe_message(msg).splitlines()[1:]:
                print("      " + line, file=sys.stderr)

    def raw(self, direction, data, note):
        if self.verbose:
            print("%s %s… (%d bytes raw: %s)" % (direction, data[:8].hex(),
                                                len(data), note),
                  file=sys.stderr)

    def note(self, text):
        if self.verbose:
            print("  -- " + text, file=sys.stderr)


def read_password(path):
    """First line of the file, without its line end; a bytearray so it can
    be wiped after use (best effort in Python)."""
    try:
        with open(path, "rb") as f:
            data = bytearray(f.read())
    except OSError as e:
        raise ClientError(EXIT_LOCAL, "cannot read --password-file %s: %s"
                          % (path, e.strerror))
    end = len(data)
    for i, b in enumerate(data):
        if b in (0x0A, 0x0D):
            end = i
            break
    pw = bytearray(data[:end])
    data[:] = bytes(len(data))
    return pw


def load_cert(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ClientError(EXIT_LOCAL, "cannot read certificate %s: %s"
                          % (path, e.strerror))
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as e:
        raise ClientError(EXIT_LOCAL, "%s is not a PEM or DER certificate: %s"
                          % (path, e))


def load_key(path):
    try:
        return auth.load_key(path)
    except OSError as e:
        raise ClientError(EXIT_LOCAL, "cannot read key %s: %s"
                          % (path, e.strerror))
    except (ValueError, TypeError) as e:
        raise ClientError(EXIT_LOCAL, "%s is not an unencrypted PEM private"
                          " key: %s" % (path, e))


def cert_der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def same_public_key(cert, key):
    return auth.spki_der(key) == cert.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


class Phone:
    """One CAPF session from the phone side (spec §1.8 seen from the phone)."""

    def __init__(self, args):
        self.a = args
        self.log = Transcript(args.verbose)
        self.sock = None
        self.send_error = None
        self.session_id = None
        self.key = None            # key generated on KEY_GENERATE_REQUEST
        self.operations = []       # server requests seen, in order
        self.problems = []         # protocol deviations noticed
        self.cert_path = None
        self.stored_ok = False
        self.password = None
        if args.auth == "password":
            self.password = read_password(args.password_file)
        self.dev_cert = self.dev_key = None
        self.sudi_cert = self.sudi_key = None
        if args.auth in ("lsc", "mic"):
            self.dev_cert = load_cert(args.cert)
            self.dev_key = load_key(args.key)
            if not same_public_key(self.dev_cert, self.dev_key):
                raise ClientError(EXIT_LOCAL, "--key %s does not belong to"
                                  " --cert %s" % (args.key, args.cert))
        if args.sudi_cert:
            self.sudi_cert = load_cert(args.sudi_cert)
            self.sudi_key = load_key(args.sudi_key)
            if not same_public_key(self.sudi_cert, self.sudi_key):
                raise ClientError(EXIT_LOCAL, "--sudi-key does not belong to"
                                  " --sudi-cert")
        self.existing = load_cert(args.existing_lsc) if args.existing_lsc \
            else None

    # ------------------------------------------------------------ transport

    def connect(self):
        a = self.a
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        # A phone trusts the CAPF certificate itself (CTL/ITL role 4, spec
        # §1.1), not a host name: no hostname check, partial chains allowed
        # so a non-self-signed CAPF certificate can be the trust anchor.
        ctx.check_hostname = False
        if a.insecure_no_verify:
            ctx.verify_mode = ssl.CERT_NONE
        else:
            ctx.verify_mode = ssl.CERT_REQUIRED
            try:
                ctx.load_verify_locations(cafile=a.cafile)
            except (OSError, ssl.SSLError) as e:
                raise ClientError(EXIT_LOCAL, "cannot load --cafile %s: %s"
                                  % (a.cafile, e))
            ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        versions = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
                    "1.2": ssl.TLSVersion.TLSv1_2,
                    "1.3": ssl.TLSVersion.TLSv1_3}
        if a.tls_min in ("1.0", "1.1") or a.tls_max in ("1.0", "1.1"):
            # 7900-series phones: TLS 1.0 with RSA CBC suites (spec §1.1).
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = versions[a.tls_min]
        if a.tls_max:
            ctx.maximum_version = versions[a.tls_max]
        try:
            raw = socket.create_connection((a.host, a.port), timeout=a.timeout)
        except OSError as e:
            raise ClientError(EXIT_TLS, "cannot connect to %s:%d: %s (is the"
                              " CAPF server running?)" % (a.host, a.port, e))
        try:
            self.sock = ctx.wrap_socket(raw, server_hostname=None)
        except (ssl.SSLError, OSError) as e:
            raw.close()
            raise ClientError(EXIT_TLS, "TLS handshake with %s:%d failed: %s"
                              " (check --cafile is the CAPF certificate and"
                              " the TLS versions)" % (a.host, a.port, e))
        self.log.note("TLS %s %s" % (self.sock.version(),
                                      self.sock.cipher()[0]))

    def recv_exact(self, n, what):
        try:
            return self._recv_exact(n, what)
        except ClientError as e:
            if self.send_error:
                raise ClientError(e.code, "%s (%s)" % (e, self.send_error))
            raise

    def _recv_exact(self, n, what):
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except socket.timeout:
                raise ClientError(EXIT_PROTOCOL, "timed out after %ss waiting"
                                  " for %s" % (self.a.timeout, what))
            except (ssl.SSLError, OSError) as e:
                raise ClientError(EXIT_PROTOCOL, "connection error reading %s:"
                                  " %s" % (what, e))
            if not chunk:
                raise ClientError(EXIT_PROTOCOL, "server closed the connection"
                                  " after %d of %d bytes of %s, without"
                                  " END_SESSION" % (len(buf), n, what))
            buf += chunk
        return bytes(buf)

    def recv(self):
        """Read exactly 8 bytes, then exactly N (spec §1.2)."""
        hdr = self.recv_exact(w.HEADER_LEN, "a message header")
        try:
            command, sid, length = w.parse_header(hdr)
        except w.WireError as e:
            raise ClientError(EXIT_PROTOCOL, "bad header %s from server: %s"
                              % (hdr.hex(), e))
        body = self.recv_exact(length, "a %d-byte body" % length)
        try:
            msg = w.Message(command, sid, w.parse_body(body))
        except w.WireError as e:
            raise ClientError(EXIT_PROTOCOL, "malformed %s body from server:"
                              " %s" % (w.command_name(command), e))
        self.log.msg("S→P", msg)
        if self.session_id is None:
            self.session_id = sid
        problems = w.check_server_message(msg, self.session_id)
        if problems:
            raise ClientError(EXIT_PROTOCOL, "server %s refused: %s"
                              % (w.command_name(command), "; ".join(problems)))
        return msg

    def send(self, command, elements, session_id=None):
        sid = self.session_id if session_id is None else session_id
        msg = w.Message(command, sid, elements)
        self.log.msg("P→S", msg)
        self.send_raw(msg.encode(), None)

    def send_raw(self, data, note):
        if note:
            self.log.raw("P→S", data, note)
        try:
            self.sock.sendall(data)      # one write per message (spec §1.1)
        except (ssl.SSLError, OSError) as e:
            # The server may have answered END_SESSION and closed before
            # reading all of it (e.g. --fault oversized): read that answer
            # next; if there is none, the read error names this failure.
            self.send_error = "sending to server failed: %s" % e
            self.log.note(self.send_error)

    # ------------------------------------------------------------ auth

    def auth_elements(self):
        """AUTH_RESPONSE elements. Order: REASON, VERSION, PASSWORD,
        DEVICE_NAME as in the §1.11 trace; certificate elements after (their
        order on real phones is not determined, spec §10)."""
        a, fault = self.a, self.a.fault
        els = [(Tag.REASON, w.u8(Reason.UPDATE_CERTIFICATE)),
               (Tag.VERSION, w.u8(4 if fault == "bad-version"
                                  else w.PROTOCOL_VERSION))]
        if a.auth == "password":
            els.append((Tag.PASSWORD, bytes(self.password) + b"\x00"))
        elif a.auth == "null":
            els.append((Tag.PASSWORD, b"\x00"))   # spec §1.4: just the NUL
        if fault != "no-device-name":
            els.append((Tag.DEVICE_NAME, w.cstring(a.device)))
        if a.auth in ("lsc", "mic"):
            der = cert_der(self.dev_cert)
            ctype = w.CertType.MIC if a.auth == "mic" else w.CertType.LSC
            data = auth.device_auth_data(a.device, der)
            style = "digestinfo" if fault == "digestinfo-signature" else "raw"
            try:
                sig1 = auth.sign(self.dev_key, data, w.HashAlg.SHA1, style)
                sig2 = auth.sign(self.dev_key, data, w.HashAlg.SHA512, style)
            except ValueError as e:
                raise ClientError(EXIT_USAGE, str(e))
            if fault == "wrong-signature":
                sig1 = sig1[:-1] + bytes([sig1[-1] ^ 0x01])
            els.append((Tag.CERTIFICATE, w.wrap_certificate(der, ctype)))
            els.append((Tag.SIGNED_DATA, sig1))
            els.append((Tag.SHA2_SIGNED_DATA, w.sha2_signed_data(sig2)))
            if self.sudi_cert is not None:
                sder = cert_der(self.sudi_cert)
                sdata = auth.sudi_auth_data(self.session_id, sder)
                s1 = auth.sign(self.sudi_key, sdata, w.HashAlg.SHA1)
                s2 = auth.sign(self.sudi_key, sdata, w.HashAlg.SHA512)
                els.append((Tag.SUDI_DATA, w.sudi_data(sder, s1, s2)))
        return els

    def send_auth_response(self):
        fault = self.a.fault
        if fault == "unexpected-command":
            self.send(Command.FETCH_CERTIFICATE_RESPONSE,
                      [(Tag.REASON, w.u8(Reason.UPDATE_CERTIFICATE))])
            return
        if fault == "oversized":
            junk = b"\xee" * w.MAX_BODY
            self.send_raw(w.encode_header(Command.AUTH_RESPONSE,
                                          self.session_id, w.MAX_BODY) + junk,
                          "oversized AUTH_RESPONSE, 65535 bytes of junk")
            return
        els = self.auth_elements()
        if self.password is not None:
            self.password[:] = bytes(len(self.password))
        sid = self.session_id
        if fault == "wrong-session-id":
            sid = (sid + 1) & 0xFFFFFFFF
        if fault == "truncated":
            data = w.encode_message(Command.AUTH_RESPONSE, sid, els)
            self.send_raw(data[:4], "first 4 header bytes, then close")
            return
        self.send(Command.AUTH_RESPONSE, els, session_id=sid)

    # ------------------------------------------------------------ operations

    def choose_key(self, msg):
        ktype = msg.get(Tag.KEY_TYPE)
        size = msg.get(Tag.KEY_SIZE)
        curve = msg.get(Tag.CURVE)
        try:
            if ktype is not None:
                ktype = w.parse_u8(ktype, "KEY_TYPE")
            if size is not None:
                size = w.parse_u16(size, "KEY_SIZE")
            if curve is not None:
                curve = w.parse_u8(curve, "CURVE")
        except w.WireError as e:
            raise ClientError(EXIT_PROTOCOL, "KEY_GENERATE_REQUEST: %s" % e)
        if ktype == w.KeyType.EC:
            if curve not in auth.CURVE_BY_CODE:
                raise ClientError(EXIT_PROTOCOL, "KEY_GENERATE_REQUEST asks"
                                  " for EC with CURVE %r (known: 0, 1, 2)"
                                  % (curve,))
            return ("ec", auth.CURVE_BY_CODE[curve])
        if ktype not in (None, w.KeyType.RSA):
            raise ClientError(EXIT_PROTOCOL, "KEY_GENERATE_REQUEST KEY_TYPE %d"
                              " is neither 0 (RSA) nor 1 (EC)" % ktype)
        if size is not None:
            if not 512 <= size <= 16384:
                raise ClientError(EXIT_PROTOCOL, "KEY_GENERATE_REQUEST KEY_SIZE"
                                  " %d is not a usable RSA size" % size)
            return ("rsa", size)
        # Neither size nor type: the server left it to us (--keygen).
        self.log.note("server gave no KEY_SIZE/KEY_TYPE; using --keygen %s"
                      % self.a.keygen)
        return auth.parse_keyspec(self.a.keygen)

    def on_key_generate(self, msg):
        kind, arg = self.choose_key(msg)
        self.operations.append("keygen %s:%s" % (kind, arg))
        n = self.a.in_progress
        if n > 0:
            self.send(Command.REQUEST_IN_PROGRESS, [])
        self.key = auth.generate_key(kind, arg)
        for _ in range(max(0, n - 1)):
            self.send(Command.REQUEST_IN_PROGRESS, [])
        if self.a.out_key:
            write_private(self.a.out_key, auth.key_pem(self.key))
        if self.a.fault == "no-public-key":
            self.send(Command.KEY_GENERATE_RESPONSE,
                      [(Tag.REASON, w.u8(Reason.INVALID_ELEMENT))])
            return
        # The §1.11 trace: KEY_GENERATE_RESPONSE carries PUBLIC_KEY only.
        self.send(Command.KEY_GENERATE_RESPONSE,
                  [(Tag.PUBLIC_KEY, auth.spki_der(self.key))])

    def on_store(self, msg):
        self.operations.append("store")
        answer = Reason.UPDATE_CERTIFICATE
        try:
            ctype = msg.get(Tag.CERTIFICATE_TYPE)
            if ctype is not None and w.parse_u8(ctype, "CERTIFICATE_TYPE") != 1:
                self.problems.append("STORE_CERTIFICATE_REQUEST CERTIFICATE_TYPE"
                                     " is %d, not 1 (LSC)" % ctype[0])
            value = msg.get(Tag.CERTIFICATE)
            if value is None:
                raise w.WireError("STORE_CERTIFICATE_REQUEST has no"
                                  " CERTIFICATE")
            ptype, der = w.unwrap_certificate(value)
            if ptype != 1:
                self.problems.append("CERTIFICATE prefix type %d is not 1"
                                     % ptype)
            cert = x509.load_der_x509_certificate(der)
            if self.key is None:
                self.problems.append("STORE_CERTIFICATE_REQUEST before any"
                                     " KEY_GENERATE_REQUEST")
            elif not same_public_key(cert, self.key):
                self.problems.append("stored certificate does not carry the"
                                     " public key this client generated")
            else:
                self.stored_ok = True
            if self.a.out_cert:
                with open(self.a.out_cert, "wb") as f:
                    f.write(cert.public_bytes(serialization.Encoding.PEM))
                self.cert_path = self.a.out_cert
        except (w.WireError, ValueError) as e:
            self.problems.append("bad certificate in STORE_CERTIFICATE_REQUEST:"
                                 " %s" % e)
            answer = Reason.INVALID_ELEMENT
        if self.problems:
            answer = Reason.INVALID_ELEMENT
        self.send(Command.STORE_CERTIFICATE_RESPONSE,
                  [(Tag.REASON, w.u8(answer))])

    def on_fetch(self, msg):
        self.operations.append("fetch")
        if self.existing is not None:
            self.send(Command.FETCH_CERTIFICATE_RESPONSE, [
                (Tag.REASON, w.u8(Reason.UPDATE_CERTIFICATE)),
                (Tag.CERTIFICATE, w.wrap_certificate(cert_der(self.existing)))])
        else:
            # spec §1.8: "the phone emulator uses 7 here" (no LSC).
            self.send(Command.FETCH_CERTIFICATE_RESPONSE,
                      [(Tag.REASON, w.u8(Reason.INVALID_ELEMENT))])

    def on_delete(self, msg):
        self.operations.append("delete")
        r = Reason.UPDATE_CERTIFICATE if self.a.delete_answer == "ok" \
            else Reason.INVALID_ELEMENT
        self.send(Command.DELETE_CERTIFICATE_RESPONSE, [(Tag.REASON, w.u8(r))])

    # ------------------------------------------------------------ session

    def run(self):
        self.connect()
        try:
            first = self.recv()
            if first.command != Command.AUTH_REQUEST:
                raise ClientError(EXIT_PROTOCOL, "server spoke %s first, not"
                                  " AUTH_REQUEST (spec §1.1)"
                                  % w.command_name(first.command))
            self.send_auth_response()
            if self.a.fault == "truncated":
                return self.outcome("aborted", None)
            handlers = {Command.KEY_GENERATE_REQUEST: self.on_key_generate,
                        Command.STORE_CERTIFICATE_REQUEST: self.on_store,
                        Command.FETCH_CERTIFICATE_REQUEST: self.on_fetch,
                        Command.DELETE_CERTIFICATE_REQUEST: self.on_delete}
            while True:
                msg = self.recv()
                if msg.command == Command.END_SESSION:
                    return self.end_session(msg)
                handler = handlers.get(msg.command)
                if handler is None:
                    raise ClientError(EXIT_PROTOCOL, "unexpected %s from server"
                                      " after AUTH_REQUEST"
                                      % w.command_name(msg.command))
                handler(msg)
        finally:
            self.close()

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def end_session(self, msg):
        value = msg.get(Tag.REASON)
        if value is None or len(value) != 1:
            raise ClientError(EXIT_PROTOCOL, "END_SESSION without a 1-byte"
                              " REASON")
        reason = value[0]
        if self.problems:
            return self.outcome("error", reason)
        if reason not in (Reason.NO_ACTION, Reason.UPDATE_CERTIFICATE):
            result = "refused"
        elif "store" in self.operations:
            result = "installed" if self.stored_ok else "error"
        elif "fetch" in self.operations:
            result = "fetched"
        elif "delete" in self.operations:
            result = "deleted"
        else:
            result = "no-action"
        return self.outcome(result, reason)

    def outcome(self, result, reason):
        return {"result": result, "reason": reason,
                "reason_name": w.reason_name(reason) if reason is not None
                else None,
                "cert": self.cert_path, "key": self.a.out_key if self.key
                else None,
                "device": self.a.device, "session_id": self.session_id,
                "operations": self.operations, "fault": self.a.fault,
                "error": "; ".join(self.problems) or None}


def exit_code_for(out):
    if out["result"] == "error":
        return EXIT_PROTOCOL
    if out["result"] == "aborted":
        return EXIT_OK
    return EXIT_OK if out["reason"] in (0, 1) else EXIT_REFUSED


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="capf_client.py",
        description="CAPF test client (phone side of spec §1.8)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=3804)
    trust = ap.add_mutually_exclusive_group(required=True)
    trust.add_argument("--cafile", help="CAPF certificate to trust (PEM)")
    trust.add_argument("--insecure-no-verify", action="store_true")
    ap.add_argument("--device", required=True, help="e.g. SEP58971ECC97C1")
    ap.add_argument("--auth", choices=("password", "null", "lsc", "mic"),
                    default="null")
    ap.add_argument("--password-file")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--sudi-cert")
    ap.add_argument("--sudi-key")
    ap.add_argument("--keygen", default="rsa:2048",
                    help="key used only if the server's request names none")
    ap.add_argument("--out-key")
    ap.add_argument("--out-cert")
    ap.add_argument("--existing-lsc", help="certificate returned on FETCH")
    ap.add_argument("--delete-answer", choices=("ok", "fail"), default="ok")
    ap.add_argument("--in-progress", type=int, default=1,
                    help="REQUEST_IN_PROGRESS messages before the key")
    ap.add_argument("--tls-min", choices=("1.0", "1.2"), default="1.2")
    ap.add_argument("--tls-max", choices=("1.0", "1.1", "1.2", "1.3"))
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--fault", choices=FAULTS)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)
    if a.auth == "password" and not a.password_file:
        ap.error("--auth password needs --password-file FILE")
    if a.auth in ("lsc", "mic") and not (a.cert and a.key):
        ap.error("--auth %s needs --cert C --key K" % a.auth)
    if bool(a.sudi_cert) != bool(a.sudi_key):
        ap.error("--sudi-cert and --sudi-key go together")
    if a.sudi_cert and a.auth != "mic":
        ap.error("--sudi-cert is only sent with --auth mic")
    if a.fault in ("wrong-signature", "digestinfo-signature") and \
            a.auth not in ("lsc", "mic"):
        ap.error("--fault %s needs --auth lsc or mic" % a.fault)
    if not 0 <= a.in_progress <= 100:
        ap.error("--in-progress must be 0..100")
    try:
        auth.parse_keyspec(a.keygen)
    except ValueError as e:
        ap.error(str(e))
    return a


def main(argv):
    a = parse_args(argv[1:])
    try:
        out = Phone(a).run()
        code = exit_code_for(out)
    except ClientError as e:
        out = {"result": "error", "reason": None, "reason_name": None,
               "cert": None, "device": a.device, "fault": a.fault,
               "error": str(e)}
        code = e.code
    out["exit"] = code
    if a.json:
        print(json.dumps(out, sort_keys=True))
    else:
        line = "capf_client: %s %s" % (a.device, out["result"])
        if out.get("reason") is not None:
            line += " (END_SESSION reason %d %s)" % (out["reason"],
                                                    out["reason_name"])
        if out.get("cert"):
            line += ", certificate in %s" % out["cert"]
        if out.get("error"):
            line += ": " + out["error"]
        print(line)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
