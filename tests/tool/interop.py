#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""shieldlock-srtp against libsrtp2 (the independent peer), for every suite.

Generates an RTP+RTCP capture (several SSRCs, sequence wrap, CSRCs, RFC 8285
one- and two-byte header extensions, padding, RTCP compounds, IPv4, IPv6,
VLAN, plus packets that must pass unchanged: non-RTP UDP, non-IP, an IPv4
fragment), then per suite checks:
  libsrtp2 encrypt -> shieldlock-srtp decrypt == original
  shieldlock-srtp encrypt -> libsrtp2 decrypt == original
  shieldlock-srtp encrypt output is byte-identical to libsrtp2's
plus MKI + lifetime + ROC handover, other link types, a tampered packet and
a replayed packet. Usage: interop.py SHIELDLOCK_SRTP LIBSRTP_PCAP WORKDIR
Only the Python standard library is used.
"""
import base64
import os
import random
import shutil
import struct
import subprocess
import sys

SUITES = {  # name: key+salt bytes (RFC 4568 §6.2, RFC 6188 §4, RFC 7714 §12)
    "AES_CM_128_HMAC_SHA1_80": 30, "AES_CM_128_HMAC_SHA1_32": 30,
    "AES_256_CM_HMAC_SHA1_80": 46, "AES_256_CM_HMAC_SHA1_32": 46,
    "AEAD_AES_128_GCM": 28, "AEAD_AES_256_GCM": 44, "NULL_HMAC_SHA1_80": 30,
}
DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL = 1, 101, 113
FAILED = []


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def udp(src, dst, sport, dport, payload, v6):
    ln = 8 + len(payload)
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", ln, 17)
    else:
        pseudo = src + dst + struct.pack("!BBH", 0, 17, ln)
    hdr = struct.pack("!HHHH", sport, dport, ln, 0)
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, ln, c) + payload


def ipv4(src, dst, l4, proto=17, frag=0, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, frag, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def ipv6(src, dst, l4):
    return struct.pack("!IHBB16s16s", 6 << 28, len(l4), 17, 64, src, dst) + l4


def link(dlt, ip, v6, vlan=False):
    et = 0x86DD if v6 else 0x0800
    if dlt == DLT_RAW:
        return ip
    if dlt == DLT_LINUX_SLL:
        return struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\1\0\0", et) + ip
    mac = b"\x02\0\0\0\0\2\x02\0\0\0\0\1"
    if vlan:
        return mac + struct.pack("!HHH", 0x8100, 42, et) + ip
    return mac + struct.pack("!H", et) + ip


def rtp(seq, ts, ssrc, payload, pt=0, marker=0, csrcs=(), ext=None, pad=0):
    b0 = 0x80 | len(csrcs) | (0x10 if ext is not None else 0) | (0x20 if pad else 0)
    h = struct.pack("!BBHII", b0, (marker << 7) | pt, seq & 0xFFFF, ts, ssrc)
    h += b"".join(struct.pack("!I", c) for c in csrcs)
    if ext is not None:
        prof, data = ext
        data += b"\0" * (-len(data) % 4)
        h += struct.pack("!HH", prof, len(data) // 4) + data
    body = payload
    if pad:
        body += b"\0" * (pad - 1) + bytes([pad])
    return h + body


def rtcp_sr(ssrc, rnd):
    sr = struct.pack("!BBHI", 0x80, 200, 6, ssrc) + rnd.randbytes(20)
    cname = b"\x01\x05alice\0"  # CNAME item, then the null end of the chunk (RFC 3550 §6.5)
    sdes = struct.pack("!BBHI", 0x81, 202, (8 + len(cname)) // 4 - 1, ssrc) + cname
    return sr + sdes


def rtcp_rr(ssrc, rnd):
    block = struct.pack("!I", 0xABCDEF01) + rnd.randbytes(20)
    return struct.pack("!BBHI", 0x81, 201, 7, ssrc) + block


def make_packets(dlt, rnd):
    """(timestamp, frame) list."""
    a4, b4 = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
    a6 = bytes.fromhex("20010db8000000000000000000000001")
    b6 = bytes.fromhex("20010db8000000000000000000000002")
    frames = []
    seq_a, seq_b, seq_c = 65520, 100, 65500
    for i in range(40):
        kw = {}
        if i % 5 == 1:
            kw["csrcs"] = (0x11111111, 0x22222222)
        if i % 5 == 2:
            kw["ext"] = (0xBEDE, b"\x10\xaa\x21\xbb\xcc")          # RFC 8285 one-byte
        if i % 5 == 3:
            kw["ext"] = (0x1000, b"\x01\x02\xaa\xbb\x02\x00")      # RFC 8285 two-byte
        if i % 7 == 4:
            kw["pad"] = 4
        plen = [0, 1, 20, 160, 1200][i % 5] if i % 9 else rnd.randrange(0, 1400)
        pa = rtp(seq_a + i, 1000 + 160 * i, 0xA1A1A1A1, rnd.randbytes(plen), marker=i == 0, **kw)
        frames.append(link(dlt, ipv4(a4, b4, udp(a4, b4, 40000, 50000, pa, False)), False))
        pb = rtp(seq_b + i, 7 * i, 0xB2B2B2B2, rnd.randbytes(160), pt=8)
        frames.append(link(dlt, ipv6(a6, b6, udp(a6, b6, 40002, 50002, pb, True)), True,
                           vlan=dlt == DLT_EN10MB))
        if i % 2 == 0:  # third SSRC: big sequence steps, wraps once
            pc = rtp(seq_c + i * 2000, 0, 0xC3C3C3C3, rnd.randbytes(33), pt=96)
            frames.append(link(dlt, ipv4(b4, a4, udp(b4, a4, 50004, 40004, pc, False)), False))
        if i % 10 == 5:  # RTCP on the RTP port (RFC 5761)
            frames.append(link(dlt, ipv4(a4, b4, udp(a4, b4, 40000, 50000, rtcp_sr(0xA1A1A1A1, rnd), False)), False))
            frames.append(link(dlt, ipv6(b6, a6, udp(b6, a6, 50002, 40002, rtcp_rr(0xB2B2B2B2, rnd), True)), True))
        if i == 10:  # must pass unchanged: DNS-like UDP, IPv4 fragment, ARP
            frames.append(link(dlt, ipv4(a4, b4, udp(a4, b4, 5353, 53, b"\x12\x34\x01\x00" + bytes(8), False)), False))
            frames.append(link(dlt, ipv4(a4, b4, udp(a4, b4, 40000, 50000, bytes(16), False), frag=0x2000), False))
            if dlt == DLT_EN10MB:
                frames.append(b"\xff" * 6 + b"\x02\0\0\0\0\1" + b"\x08\x06" + bytes(28))
    return [((1700000000 + n // 50, (n % 50) * 20000), f) for n, f in enumerate(frames)]


def write_pcap(path, dlt, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, dlt))
        for (sec, usec), data in pkts:
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


def read_pcap(path):
    with open(path, "rb") as f:
        b = f.read()
    magic = struct.unpack("<I", b[:4])[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), "%s: bad pcap magic" % path
    off, out = 24, []
    while off < len(b):
        sec, usec, cap, ln = struct.unpack("<IIII", b[off:off + 16])
        out.append(((sec, usec), b[off + 16:off + 16 + cap]))
        off += 16 + cap
    return out


def run(cmd, want_rc=0):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != want_rc:
        raise AssertionError("%s: exit %d (wanted %d)\n%s%s" % (
            " ".join(os.path.basename(c) for c in cmd[:2]), p.returncode, want_rc, p.stdout, p.stderr))
    return p.stderr


def check(name, cond, detail=""):
    print("%s: %s" % ("ok  " if cond else "FAIL", name) + (" -- " + detail if detail and not cond else ""))
    if not cond:
        FAILED.append(name)


def same_packets(a, b):
    if len(a) != len(b):
        return "packet count %d vs %d" % (len(a), len(b))
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "packet %d differs (%d vs %d bytes)" % (i + 1, len(x[1]), len(y[1]))
    return ""


def checksums_ok(pkts):
    """Every IPv4 header and UDP checksum of an Ethernet capture verifies."""
    for n, (_, f) in enumerate(pkts):
        et, off = struct.unpack("!H", f[12:14])[0], 14
        if et == 0x8100:
            et, off = struct.unpack("!H", f[16:18])[0], 18
        if et == 0x0800:
            ihl = (f[off] & 15) * 4
            total = struct.unpack("!H", f[off + 2:off + 4])[0]
            if csum(f[off:off + ihl]) != 0:
                return "packet %d: IPv4 header checksum" % (n + 1)
            if f[off + 9] != 17 or struct.unpack("!H", f[off + 6:off + 8])[0] & 0x3FFF:
                continue
            seg = f[off + ihl:off + total]
            pseudo = f[off + 12:off + 20] + struct.pack("!BBH", 0, 17, len(seg))
        elif et == 0x86DD:
            seg = f[off + 40:off + 40 + struct.unpack("!H", f[off + 4:off + 6])[0]]
            pseudo = f[off + 8:off + 40] + struct.pack("!IxxxB", len(seg), 17)
        else:
            continue
        if struct.unpack("!H", seg[4:6])[0] != len(seg) or csum(pseudo + seg) != 0:
            return "packet %d: UDP length or checksum" % (n + 1)
    return ""


def one_case(tool, peer, work, suite, orig, pkts, keysalt, roc=0, mki=None, lifetime=None, label="",
             engine=()):
    name = suite + label
    key = base64.b64encode(keysalt).decode()
    if lifetime:
        key += "|" + lifetime
    if mki:
        key += "|" + mki
    tkey = ["--suite", suite, "--key", "inline:" + key] + list(engine)
    if roc:
        tkey += ["--roc", str(roc)]
    pargs = [suite, keysalt.hex(), str(roc), mki or "-"]
    p = lambda n: os.path.join(work, "%s%s.%s.pcap" % (suite, label, n))
    try:
        run([peer, "encrypt"] + pargs + [orig, p("lib-enc")])
        run([tool, "encrypt"] + tkey + [orig, p("sl-enc")])
        with open(p("lib-enc"), "rb") as f1, open(p("sl-enc"), "rb") as f2:
            a, b = f1.read(), f2.read()
        check(name + ": shieldlock-srtp encrypt == libsrtp2 encrypt (byte-identical file)", a == b,
              same_packets(read_pcap(p("lib-enc")), read_pcap(p("sl-enc"))))
        enc = read_pcap(p("sl-enc"))
        check(name + ": encryption changed the RTP packets", enc != pkts)
        if not label:
            d = checksums_ok(enc)
            check(name + ": IP and UDP lengths and checksums of the output verify", not d, d)
        summary = run([tool, "decrypt"] + tkey + [p("lib-enc"), p("sl-dec")])
        d = same_packets(read_pcap(p("sl-dec")), pkts)
        check(name + ": libsrtp2 encrypt -> shieldlock-srtp decrypt == original", not d, d)
        check(name + ": summary reports no failures", "auth failures        0" in summary, summary)
        run([peer, "decrypt"] + pargs + [p("sl-enc"), p("lib-dec")])
        d = same_packets(read_pcap(p("lib-dec")), pkts)
        check(name + ": shieldlock-srtp encrypt -> libsrtp2 decrypt == original", not d, d)
    except AssertionError as e:
        check(name, False, str(e))


def tamper_case(tool, work, orig, pkts):
    suite, keysalt = "AES_CM_128_HMAC_SHA1_80", bytes(range(30))
    tkey = ["--suite", suite, "--key", base64.b64encode(keysalt).decode()]
    enc, bad, out = (os.path.join(work, n) for n in ("t-enc.pcap", "t-bad.pcap", "t-dec.pcap"))
    try:
        run([tool, "encrypt"] + tkey + [orig, enc])
        e = read_pcap(enc)
        e[0] = (e[0][0], e[0][1][:-1] + bytes([e[0][1][-1] ^ 1]))   # flip a tag bit
        e.insert(5, e[3])                                           # replay a packet
        write_pcap(bad, DLT_EN10MB, e)
        s = run([tool, "decrypt"] + tkey + [bad, out], want_rc=1)
        check("tamper: one auth failure counted", "auth failures        1" in s, s)
        check("tamper: one replay counted", "replays              1" in s, s)
        d = same_packets(read_pcap(out), pkts[1:])
        check("tamper: failed packets not written, the rest decrypts", not d, d)
        run([tool, "decrypt", "--keep-failed"] + tkey + [bad, out], want_rc=1)
        check("tamper: --keep-failed writes every packet", len(read_pcap(out)) == len(e))
        s = run([tool, "decrypt", "--suite", suite, "--key", base64.b64encode(bytes(29)).decode(),
                 bad, out], want_rc=2)
        check("usage: short key named", "--key: base64 decodes to 29 bytes, AES_CM_128_HMAC_SHA1_80 needs 30" in s, s)
    except AssertionError as e:
        check("tamper", False, str(e))


def main():
    tool, peer, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rnd = random.Random(4568)
    pkts = make_packets(DLT_EN10MB, rnd)
    orig = os.path.join(work, "orig.pcap")
    write_pcap(orig, DLT_EN10MB, pkts)
    print("capture: %d packets, 3 SSRCs, seq wrap, CSRCs, extensions, padding, RTCP, IPv4/IPv6/VLAN" % len(pkts))
    for suite, n in SUITES.items():
        one_case(tool, peer, work, suite, orig, pkts, rnd.randbytes(n))
    one_case(tool, peer, work, "AES_CM_128_HMAC_SHA1_80", orig, pkts, rnd.randbytes(30),
             roc=7, mki="258:2", lifetime="2^31", label="+mki+roc")
    one_case(tool, peer, work, "AEAD_AES_128_GCM", orig, pkts, rnd.randbytes(28),
             mki="4294967295:4", label="+mki4")
    for eng in (["openssl"], ["cryptodev", "crypto_aesni_mb"]):  # default run used ipsec-mb
        args = ["--engine", eng[0]] + (["--engine-args", eng[1]] if len(eng) > 1 else [])
        for suite in ("AES_CM_128_HMAC_SHA1_32", "AEAD_AES_256_GCM"):
            one_case(tool, peer, work, suite, orig, pkts, rnd.randbytes(SUITES[suite]),
                     label="+" + eng[0], engine=args)
    for dlt, nm in ((DLT_LINUX_SLL, "sll"), (DLT_RAW, "raw")):
        lp = make_packets(dlt, random.Random(dlt))
        lo = os.path.join(work, "orig-%s.pcap" % nm)
        write_pcap(lo, dlt, lp)
        one_case(tool, peer, work, "AES_256_CM_HMAC_SHA1_32", lo, lp, rnd.randbytes(46), label="+" + nm)
    tamper_case(tool, work, orig, pkts)
    if shutil.which("tshark"):
        p = subprocess.run(["tshark", "-r", os.path.join(work, "AES_CM_128_HMAC_SHA1_80.sl-enc.pcap")],
                           capture_output=True, text=True)
        check("tshark reads the encrypted capture", p.returncode == 0, p.stderr)
    else:
        print("skip: tshark not installed, not checking that it reads the output")
    print("%d check(s) failed" % len(FAILED) if FAILED else "all interop checks passed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
