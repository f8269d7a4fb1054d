#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""CAPF wire codec for the independent test client (phone side).

Written only from /work/shared/specs/cisco-phone-security.md §0 and §1; it
shares no code with the C server in controlplane/capf/, so the two check each
other.  Pure functions, no global state; every parser is bounds-checked and
raises WireError with a message that says what was wrong.

Run `capf_wire.py --self-test` to rebuild every message of the spec §1.11
worked trace byte for byte from its fields.
"""

import enum
import struct
import sys

PROTOCOL_ID = 0x55          # spec §1.2
HEADER_LEN = 8              # spec §1.2
MAX_BODY = 0xFFFF           # u16 body length, spec §1.2
PROTOCOL_VERSION = 3        # spec §1.4 VERSION


class WireError(ValueError):
    """A message or element that does not follow spec §1.2-§1.6."""


class Command(enum.IntEnum):
    """spec §1.3"""
    AUTH_REQUEST = 1
    AUTH_RESPONSE = 2
    KEY_GENERATE_REQUEST = 3
    KEY_GENERATE_RESPONSE = 4
    ENCRYPT_RESPONSE = 5
    ENCRYPT_REQUEST = 6
    DECRYPT_REQUEST = 7
    DECRYPT_RESPONSE = 8
    STORE_CERTIFICATE_REQUEST = 9
    STORE_CERTIFICATE_RESPONSE = 10
    FETCH_CERTIFICATE_REQUEST = 11
    FETCH_CERTIFICATE_RESPONSE = 12
    DELETE_CERTIFICATE_REQUEST = 13
    DELETE_CERTIFICATE_RESPONSE = 14
    END_SESSION = 15
    RETRY_LATER = 16
    REQUEST_IN_PROGRESS = 17
    STATUS_REQUEST = 18
    STATUS_RESPONSE = 19
    ABORT_REQUEST = 20
    ABORT_RESPONSE = 21
    SIGN_CERTIFICATE_REQUEST = 22
    SIGN_CERTIFICATE_RESPONSE = 23


class Tag(enum.IntEnum):
    """spec §1.4"""
    REASON = 1
    REASON_INFO = 2
    CERTIFICATE_TYPE = 3
    CERTIFICATE = 4
    CERTIFICATE_ID = 5
    SIGNED_DATA = 6
    VERSION = 7
    AUTH_TYPE = 8
    PUBLIC_KEY = 9
    KEY_SIZE = 10
    PASSWORD = 11
    RETRY_DELAY = 12
    DEVICE_NAME = 13
    SUDI_DATA = 16
    KEY_TYPE = 17
    CURVE = 18
    DIGEST_TYPE = 19
    SHA2_SIGNED_DATA = 20


class Reason(enum.IntEnum):
    """spec §1.5 (other values are not determined, spec §10)"""
    NO_ACTION = 0
    UPDATE_CERTIFICATE = 1
    INVALID_ELEMENT = 7
    UNKNOWN_DEVICE = 9


class CertType(enum.IntEnum):
    """CERTIFICATE_TYPE values, spec §1.4"""
    LSC = 1
    MIC = 2


class KeyType(enum.IntEnum):
    """KEY_TYPE values, spec §1.4"""
    RSA = 0
    EC = 1


class Curve(enum.IntEnum):
    """CURVE values, spec §1.4"""
    SECP256R1 = 0
    SECP384R1 = 1
    SECP521R1 = 2


class HashAlg(enum.IntEnum):
    """Hash-algorithm codes, spec §0"""
    SHA1 = 1
    SHA256 = 2
    SHA512 = 3


# Commands the server sends (spec §1.3 direction S→P, plus those the
# reference uses); anything else from the server is a protocol error.
SERVER_COMMANDS = frozenset({
    Command.AUTH_REQUEST, Command.KEY_GENERATE_REQUEST,
    Command.STORE_CERTIFICATE_REQUEST, Command.FETCH_CERTIFICATE_REQUEST,
    Command.DELETE_CERTIFICATE_REQUEST, Command.END_SESSION,
})

# spec §1.4: "The capfc test client rejects any server element outside
# {1, 2, 3, 4, 7, 8, 10, 17, 18}".
SERVER_ELEMENTS = frozenset({1, 2, 3, 4, 7, 8, 10, 17, 18})

CURVE_NAMES = {Curve.SECP256R1: "P-256", Curve.SECP384R1: "P-384",
               Curve.SECP521R1: "P-521"}


def reason_name(value):
    try:
        return Reason(value).name
    except ValueError:
        return "UNKNOWN_%d" % value


def command_name(value):
    try:
        return Command(value).name
    except ValueError:
        return "COMMAND_%d" % value


def tag_name(value):
    try:
        return Tag(value).name
    except ValueError:
        return "TAG_%d" % value


# ---------------------------------------------------------------- elements

def u8(value):
    if not 0 <= value <= 0xFF:
        raise WireError("u8 value %r out of range 0..255" % (value,))
    return bytes([value])


def u16(value):
    if not 0 <= value <= 0xFFFF:
        raise WireError("u16 value %r out of range 0..65535" % (value,))
    return struct.pack(">H", value)


def cstring(text):
    """C-string: UTF-8 then one NUL, the NUL counted in the length (§0)."""
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if b"\x00" in data:
        raise WireError("C-string value contains a NUL byte")
    return data + b"\x00"


def parse_u8(value, what="element"):
    if len(value) != 1:
        raise WireError("%s must be 1 byte, got %d" % (what, len(value)))
    return value[0]


def parse_u16(value, what="element"):
    if len(value) != 2:
        raise WireError("%s must be 2 bytes, got %d" % (what, len(value)))
    return struct.unpack(">H", value)[0]


def parse_cstring(value, what="string"):
    if not value or value[-1] != 0:
        raise WireError("%s is not NUL-terminated" % what)
    if 0 in value[:-1]:
        raise WireError("%s has a NUL before its end" % what)
    return value[:-1].decode("utf-8")


def element(tag, value):
    """One element TLV: tag u8, length u16 BE, value (spec §1.2)."""
    value = bytes(value)
    if len(value) > MAX_BODY:
        raise WireError("element %s value of %d bytes exceeds 65535"
                        % (tag_name(tag), len(value)))
    return u8(tag) + u16(len(value)) + value


def wrap_certificate(der, cert_type=CertType.LSC):
    """CERTIFICATE (tag 4) value: 01 | u16(len+2) | 00 | type | DER, §1.6."""
    der = bytes(der)
    if len(der) + 2 > 0xFFFF:
        raise WireError("certificate of %d bytes is too large" % len(der))
    return b"\x01" + u16(len(der) + 2) + b"\x00" + u8(cert_type) + der


def unwrap_certificate(value):
    """Return (cert_type, DER) from a CERTIFICATE value (spec §1.6).

    A receiver only has to skip 5 bytes; this test client also checks the
    prefix it knows (01, consistent length, 00) so a server that builds it
    differently is noticed."""
    value = bytes(value)
    if len(value) < 6:
        raise WireError("CERTIFICATE element of %d bytes is shorter than the"
                        " 5-byte prefix plus a certificate" % len(value))
    if value[0] != 0x01 or value[3] != 0x00:
        raise WireError("CERTIFICATE prefix %s is not 01 <len> 00 <type>"
                        % value[:5].hex())
    inner = struct.unpack(">H", value[1:3])[0]
    if inner != len(value) - 3:
        raise WireError("CERTIFICATE prefix length %d does not match %d bytes"
                        " of DER + 2" % (inner, len(value) - 3))
    return value[4], value[5:]


def sha2_signed_data(signature, hash_alg=HashAlg.SHA512):
    """SHA2_SIGNED_DATA (tag 20): u8 hashAlg | u16 len | sig (spec §1.6)."""
    return u8(hash_alg) + u16(len(signature)) + bytes(signature)


def parse_sha2_signed_data(value):
    value = bytes(value)
    if len(value) < 3:
        raise WireError("SHA2_SIGNED_DATA shorter than 3 bytes")
    n = struct.unpack(">H", value[1:3])[0]
    if n != len(value) - 3:
        raise WireError("SHA2_SIGNED_DATA length %d does not match %d bytes"
                        % (n, len(value) - 3))
    return value[0], value[3:]


def sudi_data(cert_der, sig_sha1, sig_sha512):
    """SUDI_DATA (tag 16): three `u8 x | u16 len | bytes` records with x = 0
    (certificate), 1 (SHA-1 signature), 3 (SHA-512 signature), spec §1.6."""
    out = b""
    for x, data in ((0, cert_der), (HashAlg.SHA1, sig_sha1),
                    (HashAlg.SHA512, sig_sha512)):
        out += u8(x) + u16(len(data)) + bytes(data)
    return out


def parse_sudi_data(value):
    value = bytes(value)
    records = []
    pos = 0
    while pos < len(value):
        if len(value) - pos < 3:
            raise WireError("SUDI_DATA record header truncated at %d" % pos)
        x = value[pos]
        n = struct.unpack(">H", value[pos + 1:pos + 3])[0]
        if pos + 3 + n > len(value):
            raise WireError("SUDI_DATA record at %d claims %d bytes, %d left"
                            % (pos, n, len(value) - pos - 3))
        records.append((x, value[pos + 3:pos + 3 + n]))
        pos += 3 + n
    if len(records) != 3:
        raise WireError("SUDI_DATA has %d records, expected 3" % len(records))
    return records


# ---------------------------------------------------------------- messages

class Message:
    """One CAPF message: command, session id and an ordered element list."""

    __slots__ = ("command", "session_id", "elements")

    def __init__(self, command, session_id, elements=()):
        self.command = int(command)
        self.session_id = int(session_id)
        self.elements = [(int(t), bytes(v)) for t, v in elements]

    def get(self, tag, default=None):
        for t, v in self.elements:
            if t == tag:
                return v
        return default

    def has(self, tag):
        return any(t == tag for t, _ in self.elements)

    def tags(self):
        return [t for t, _ in self.elements]

    def body(self):
        return b"".join(element(t, v) for t, v in self.elements)

    def encode(self):
        return encode_message(self.command, self.session_id, self.elements)

    def __eq__(self, other):
        return (isinstance(other, Message) and self.command == other.command
                and self.session_id == other.session_id
                and self.elements == other.elements)

    def __repr__(self):
        return "Message(%s, %d, %r)" % (command_name(self.command),
                                        self.session_id, self.elements)


def encode_header(command, session_id, length):
    if not 0 <= session_id <= 0xFFFFFFFF:
        raise WireError("session id %r out of u32 range" % (session_id,))
    if not 0 <= length <= MAX_BODY:
        raise WireError("body length %d exceeds 65535" % length)
    return struct.pack(">BBIH", PROTOCOL_ID, command, session_id, length)


def encode_message(command, session_id, elements):
    """Header + body as one byte string (to be sent with one write, §1.1)."""
    body = b"".join(element(t, v) for t, v in elements)
    return encode_header(command, session_id, len(body)) + body


def parse_header(data):
    """Return (command, session_id, body_length) from exactly 8 bytes."""
    if len(data) != HEADER_LEN:
        raise WireError("header must be 8 bytes, got %d" % len(data))
    proto, command, session_id, length = struct.unpack(">BBIH", data)
    if proto != PROTOCOL_ID:
        raise WireError("protocol id 0x%02x is not 0x55" % proto)
    return command, session_id, length


def parse_body(body):
    """Split a body into (tag, value) pairs, in order; strict bounds."""
    body = bytes(body)
    out = []
    pos = 0
    while pos < len(body):
        if len(body) - pos < 3:
            raise WireError("element header truncated at body offset %d"
                            " (%d bytes left)" % (pos, len(body) - pos))
        tag = body[pos]
        n = struct.unpack(">H", body[pos + 1:pos + 3])[0]
        if pos + 3 + n > len(body):
            raise WireError("element %s at offset %d claims %d bytes but only"
                            " %d remain" % (tag_name(tag), pos, n,
                                            len(body) - pos - 3))
        out.append((tag, body[pos + 3:pos + 3 + n]))
        pos += 3 + n
    return out


def parse_message(data):
    """Parse one complete message (header + exactly its body)."""
    data = bytes(data)
    command, session_id, length = parse_header(data[:HEADER_LEN])
    if len(data) - HEADER_LEN != length:
        raise WireError("header says %d body bytes, have %d"
                        % (length, len(data) - HEADER_LEN))
    return Message(command, session_id, parse_body(data[HEADER_LEN:]))


def check_server_message(msg, expect_session_id=None):
    """Checks a phone makes on everything the server sends (spec §1.2, §1.4).
    Returns a list of problems (empty when fine)."""
    problems = []
    if expect_session_id is not None and msg.session_id != expect_session_id:
        problems.append("session id %d does not echo %d"
                        % (msg.session_id, expect_session_id))
    if msg.command not in SERVER_COMMANDS:
        problems.append("command %s is not one a server sends"
                        % command_name(msg.command))
    bad = [t for t in msg.tags() if t not in SERVER_ELEMENTS]
    if bad:
        problems.append("element(s) %s outside {1,2,3,4,7,8,10,17,18}"
                        % ", ".join(tag_name(t) for t in bad))
    return problems


# ---------------------------------------------------------------- trace text

CSTRING_TAGS = (Tag.DEVICE_NAME,)
SECRET_TAGS = (Tag.PASSWORD,)


def format_message(msg, direction="", limit=24):
    """One line in the notation of spec §1.11:
    `S→P 55 01 00000001 0008 | 07 0001 03 | 08 0001 00`.
    Long values are cut after `limit` bytes with `…(N bytes)`; PASSWORD
    values are never shown."""
    body = msg.body()
    parts = ["%02x %02x %08x %04x" % (PROTOCOL_ID, msg.command,
                                      msg.session_id, len(body))]
    for tag, value in msg.elements:
        if tag in SECRET_TAGS:
            shown = "<password, %d bytes>" % len(value)
        elif tag in CSTRING_TAGS and value.endswith(b"\x00") and \
                all(32 <= b < 127 for b in value[:-1]):
            shown = '"%s\\0"' % value[:-1].decode("ascii")
        elif len(value) > limit:
            shown = value[:limit].hex() + "…(%d bytes)" % len(value)
        else:
            shown = value.hex()
        parts.append("%02x %04x %s" % (tag, len(value), shown))
    line = " | ".join(parts)
    return (direction + " " + line) if direction else line


def describe_message(msg):
    """Decoded element list for --verbose transcripts."""
    out = ["%s session=%d" % (command_name(msg.command), msg.session_id)]
    for tag, value in msg.elements:
        if tag == Tag.REASON and len(value) == 1:
            text = "%d (%s)" % (value[0], reason_name(value[0]))
        elif tag in (Tag.VERSION, Tag.AUTH_TYPE, Tag.KEY_TYPE, Tag.CURVE,
                     Tag.CERTIFICATE_TYPE) and len(value) == 1:
            text = "%d" % value[0]
        elif tag == Tag.KEY_SIZE and len(value) == 2:
            text = "%d bits" % struct.unpack(">H", value)[0]
        elif tag in SECRET_TAGS:
            text = "(%d bytes, not shown)" % len(value)
        elif tag in CSTRING_TAGS:
            text = repr(value)
        else:
            text = "%d bytes" % len(value)
        out.append("  %-18s %s" % (tag_name(tag), text))
    return "\n".join(out)


def trace_bytes(text):
    """Bytes of one line written in the spec §1.11 notation: hex groups,
    `|` separators and quoted strings with `\\0`."""
    out = b""
    for token in _trace_tokens(text):
        if token.startswith('"'):
            out += token[1:-1].replace("\\0", "\x00").encode("utf-8")
        else:
            out += bytes.fromhex(token)
    return out


def _trace_tokens(text):
    tokens = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in " |":
            i += 1
        elif c == '"':
            j = text.index('"', i + 1)
            tokens.append(text[i:j + 1])
            i = j + 1
        else:
            j = i
            while j < len(text) and text[j] not in " |":
                j += 1
            tokens.append(text[i:j])
            i = j
    return tokens


# ---------------------------------------------------------------- self-test

def _fake_der(total_len):
    """A DER SEQUENCE of exactly total_len bytes (long form, 2 length bytes),
    standing in for the certificate the §1.11 trace elides."""
    return b"\x30\x82" + u16(total_len - 4) + bytes(total_len - 4)


def self_test(spki_1024=None, verbose=False):
    """Rebuild spec §1.11 from fields; return a list of failures.

    spki_1024: DER SubjectPublicKeyInfo of some RSA-1024 key (e=65537); the
    trace shows only its first 22 bytes, which are the same for every such
    key.  If None, a zero modulus placeholder of the right shape is used."""
    fails = []
    sid = 1

    def check(name, built, expected_text, prefix_only=False, total=None):
        exp = trace_bytes(expected_text)
        ok = built.startswith(exp) if prefix_only else built == exp
        if total is not None and len(built) != total:
            ok = False
        if verbose:
            print("%-24s %s" % (name, "ok" if ok else "MISMATCH"))
        if not ok:
            fails.append("%s: built %s, spec %s%s" % (
                name, built.hex(), exp.hex(), " (prefix)" if prefix_only else ""))
        # Round trip: parse what was built and encode it again.
        try:
            again = parse_message(built).encode()
            if again != built:
                fails.append("%s: round trip differs" % name)
        except WireError as e:
            fails.append("%s: does not parse back: %s" % (name, e))

    # The worked trace, line by line (spec §1.11).
    check("AUTH_REQUEST", encode_message(Command.AUTH_REQUEST, sid, [
        (Tag.VERSION, u8(3)), (Tag.AUTH_TYPE, u8(0))]),
        "55 01 00000001 0008 | 07 0001 03 | 08 0001 00")
    check("AUTH_RESPONSE", encode_message(Command.AUTH_RESPONSE, sid, [
        (Tag.REASON, u8(Reason.UPDATE_CERTIFICATE)), (Tag.VERSION, u8(3)),
        (Tag.PASSWORD, cstring("123456")),
        (Tag.DEVICE_NAME, cstring("SEP58971ECC97C1"))]),
        '55 02 00000001 0025 | 01 0001 01 | 07 0001 03 | 0b 0007 "123456\\0"'
        ' | 0d 0010 "SEP58971ECC97C1\\0"')
    check("KEY_GENERATE_REQUEST", encode_message(
        Command.KEY_GENERATE_REQUEST, sid, [
            (Tag.KEY_SIZE, u16(1024)), (Tag.KEY_TYPE, u8(KeyType.RSA))]),
        "55 03 00000001 0009 | 0a 0002 0400 | 11 0001 00")
    check("REQUEST_IN_PROGRESS", encode_message(
        Command.REQUEST_IN_PROGRESS, sid, []), "55 11 00000001 0000")
    if spki_1024 is None:
        spki_1024 = (trace_bytes("30819f300d06092a864886f70d010101050003818d00")
                     + b"\x30\x81\x89\x02\x81\x81\x00" + bytes(128)
                     + b"\x02\x03\x01\x00\x01")
    check("KEY_GENERATE_RESPONSE", encode_message(
        Command.KEY_GENERATE_RESPONSE, sid, [(Tag.PUBLIC_KEY, spki_1024)]),
        "55 04 00000001 00a5 | 09 00a2 30819f300d06092a864886f70d010101050003818d00",
        prefix_only=True, total=8 + 0xa5)
    check("STORE_CERTIFICATE_REQUEST", encode_message(
        Command.STORE_CERTIFICATE_REQUEST, sid, [
            (Tag.CERTIFICATE_TYPE, u8(CertType.LSC)),
            (Tag.CERTIFICATE, wrap_certificate(_fake_der(724)))]),
        "55 09 00000001 02e0 | 03 0001 01 | 04 02d9 01 02d6 00 01 308202d0",
        prefix_only=True, total=8 + 0x2e0)
    check("STORE_CERTIFICATE_RESPONSE", encode_message(
        Command.STORE_CERTIFICATE_RESPONSE, sid, [
            (Tag.REASON, u8(Reason.UPDATE_CERTIFICATE))]),
        "55 0a 00000001 0004 | 01 0001 01")
    check("END_SESSION(1)", encode_message(Command.END_SESSION, sid, [
        (Tag.REASON, u8(Reason.UPDATE_CERTIFICATE))]),
        "55 0f 00000001 0004 | 01 0001 01")
    # The other cases (session id shown as … in the spec; 1 here).
    check("EC KEY_GENERATE_REQUEST", encode_message(
        Command.KEY_GENERATE_REQUEST, sid, [
            (Tag.KEY_TYPE, u8(KeyType.EC)), (Tag.CURVE, u8(Curve.SECP256R1))]),
        "55 03 00000001 0008 | 11 0001 01 | 12 0001 00")
    check("FETCH_REQUEST", encode_message(
        Command.FETCH_CERTIFICATE_REQUEST, sid, []), "55 0b 00000001 0000")
    check("FETCH_RESPONSE", encode_message(
        Command.FETCH_CERTIFICATE_RESPONSE, sid, [
            (Tag.REASON, u8(1)),
            (Tag.CERTIFICATE, wrap_certificate(_fake_der(724)))]),
        "55 0c 00000001 02e0 | 01 0001 01 | 04 02d9 01 02d6 00 01 308202d0",
        prefix_only=True)
    check("END_SESSION(0) fetch", encode_message(Command.END_SESSION, sid, [
        (Tag.REASON, u8(Reason.NO_ACTION))]),
        "55 0f 00000001 0004 | 01 0001 00")
    check("DELETE_REQUEST", encode_message(
        Command.DELETE_CERTIFICATE_REQUEST, sid, []), "55 0d 00000001 0000")
    check("DELETE_RESPONSE", encode_message(
        Command.DELETE_CERTIFICATE_RESPONSE, sid, [(Tag.REASON, u8(1))]),
        "55 0e 00000001 0004 | 01 0001 01")
    check("END_SESSION(1) delete", encode_message(Command.END_SESSION, sid, [
        (Tag.REASON, u8(1))]), "55 0f 00000001 0004 | 01 0001 01")
    check("END_SESSION(9)", encode_message(Command.END_SESSION, sid, [
        (Tag.REASON, u8(Reason.UNKNOWN_DEVICE))]),
        "55 0f 00000001 0004 | 01 0001 09")
    check("END_SESSION(7)", encode_message(Command.END_SESSION, sid, [
        (Tag.REASON, u8(Reason.INVALID_ELEMENT))]),
        "55 0f 00000001 0004 | 01 0001 07")

    # Parsing the trace back gives the fields (not only the same bytes).
    msg = parse_message(trace_bytes(
        '55 02 00000001 0025 | 01 0001 01 | 07 0001 03 | 0b 0007 "123456\\0"'
        ' | 0d 0010 "SEP58971ECC97C1\\0"'))
    if (msg.command != Command.AUTH_RESPONSE or msg.session_id != 1
            or parse_cstring(msg.get(Tag.PASSWORD)) != "123456"
            or parse_cstring(msg.get(Tag.DEVICE_NAME)) != "SEP58971ECC97C1"
            or msg.tags() != [1, 7, 11, 13]):
        fails.append("AUTH_RESPONSE fields parsed wrong: %r" % (msg,))
    ctype, der = unwrap_certificate(wrap_certificate(_fake_der(724)))
    if ctype != 1 or len(der) != 724:
        fails.append("unwrap_certificate lost the type or the DER")
    return fails


def main(argv):
    if argv[1:] != ["--self-test"]:
        print("usage: capf_wire.py --self-test", file=sys.stderr)
        return 2
    fails = self_test(verbose=True)
    for f in fails:
        print("FAIL " + f)
    print("capf_wire self-test: %d failure(s)" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
