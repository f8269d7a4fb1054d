#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
End-to-end test of the provisioning servers (serve_tree) with independent
peers: tftp-hpa's `tftp`, curl (TFTP and HTTP), and a raw-socket TFTP peer
written here from RFC 1350 / 2347 / 2348 / 2349.

usage: test_tftp_http.py SERVE_TREE
Ports: 127.0.0.1 UDP/TCP 23842..23845.
"""
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SERVE = sys.argv[1]
HOST = "127.0.0.1"
TFTP_PORT, HTTP_PORT = 23842, 23843
TFTP_PORT2, HTTP_PORT2 = 23844, 23845

failures = []
passed = 0


def check(cond, what):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(what)
        print("FAIL:", what, flush=True)


def run(cmd, timeout=30):
    return subprocess.run(cmd, capture_output=True, timeout=timeout)


def make_tree(root):
    rnd = random.Random(5)
    files = {
        "small.xml": b"<device><x>1</x></device>\n",
        "empty.bin": b"",
        "exact512.bin": bytes(rnd.getrandbits(8) for _ in range(512)),
        "big.bin": bytes(rnd.getrandbits(8) for _ in range(200 * 1024)),
        "New_Zealand/g3-tones.xml.sgn": bytes(rnd.getrandbits(8) for _ in range(3000)),
        "SEP001122334455.cnf.xml": b"<device>\r\n<a>b</a>\n</device>\n",
        "text.txt": b"line one\nline two\r\nbare cr\rend",
        "ITLFile.tlv": bytes(range(256)) * 9,
    }
    os.makedirs(os.path.join(root, "New_Zealand"))
    for name, data in files.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(root, name), 0o644)
    with open(os.path.join(root, "private.key"), "wb") as f:
        f.write(b"not for phones\n")
    os.chmod(os.path.join(root, "private.key"), 0o600)
    os.symlink("/etc/passwd", os.path.join(root, "escape"))
    return files


class Server:
    def __init__(self, tree, tport, hport, extra=()):
        self.p = subprocess.Popen([SERVE, "--dir", tree, "--tftp-port", str(tport),
                                   "--http-port", str(hport)] + list(extra),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.p.stdout.readline().decode()
        if not line.startswith("ready"):
            raise SystemExit("serve_tree did not start: " + line +
                             self.p.stderr.read().decode())

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        out, err = self.p.communicate(timeout=20)
        return self.p.returncode, out.decode(), err.decode()


def counters(text):
    """{'tftp': {...}, 'tftp errors': {...}, 'http': {...}} from serve_tree's output."""
    res = {}
    for line in text.splitlines():
        key = "tftp errors" if line.startswith("tftp errors") else line.split(" ")[0]
        fields = line[len(key):].split()
        res[key] = {k: int(v) for k, v in (f.split("=") for f in fields)}
    return res


# ---------------- raw TFTP peer ----------------

def rrq(name, mode=b"octet", opts=(), opcode=1):
    if isinstance(name, str):
        name = name.encode()
    pkt = struct.pack("!H", opcode) + name + b"\0" + mode + b"\0"
    for k, v in opts:
        pkt += k + b"\0" + v + b"\0"
    return pkt


def sock(timeout=3.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, 0))
    s.settimeout(timeout)
    return s


def exchange(pkt, port=TFTP_PORT, timeout=3.0):
    s = sock(timeout)
    s.sendto(pkt, (HOST, port))
    try:
        data, addr = s.recvfrom(70000)
    except socket.timeout:
        data, addr = None, None
    return s, data, addr


def error_code(data):
    if data is None or len(data) < 4 or struct.unpack("!H", data[:2])[0] != 5:
        return None
    return struct.unpack("!H", data[2:4])[0]


def raw_get(name, mode=b"octet", opts=()):
    """Complete RRQ with the raw peer; returns (bytes, oack_dict or None)."""
    s, data, addr = exchange(rrq(name, mode, opts))
    oack = None
    out = b""
    blksize = 512
    if data is not None and data[:2] == b"\x00\x06":
        parts = data[2:].split(b"\0")[:-1]
        oack = {parts[i].decode(): parts[i + 1].decode() for i in range(0, len(parts), 2)}
        blksize = int(oack.get("blksize", 512))
        s.sendto(b"\x00\x04\x00\x00", addr)
        data, addr = s.recvfrom(70000)
    expect = 1
    while True:
        if data is None or data[:2] != b"\x00\x03":
            raise RuntimeError("expected DATA, got %r" % (data[:20] if data else None))
        block = struct.unpack("!H", data[2:4])[0]
        assert block == expect & 0xFFFF, (block, expect)
        out += data[4:]
        s.sendto(b"\x00\x04" + data[2:4], addr)
        if len(data) - 4 < blksize:
            break
        expect += 1
        data, addr = s.recvfrom(70000)
    s.close()
    return out, oack


def netascii(b):
    return b.replace(b"\r", b"\r\0").replace(b"\n", b"\r\n")


# ---------------- tests ----------------

def test_tftp_hpa(tree, files, work):
    for name, data in files.items():
        out = os.path.join(work, "hpa.out")
        if os.path.exists(out):
            os.unlink(out)
        r = run(["tftp", "-m", "binary", HOST, str(TFTP_PORT), "-c", "get", name, out])
        with open(out, "rb") as f:
            got = f.read()
        check(got == data and b"Error" not in r.stdout + r.stderr,
              "tftp-hpa get %s (%d bytes): got %d, %r" % (name, len(data), len(got), r.stdout))
    # a leading '/' is accepted (Cisco phones send one)
    out = os.path.join(work, "hpa.out")
    run(["tftp", "-m", "binary", HOST, str(TFTP_PORT), "-c", "get", "/small.xml", out])
    check(open(out, "rb").read() == files["small.xml"], "tftp-hpa get /small.xml")
    # netascii (tftp-hpa converts back on receipt)
    run(["tftp", "-m", "netascii", HOST, str(TFTP_PORT), "-c", "get", "text.txt", out])
    check(open(out, "rb").read() == files["text.txt"], "tftp-hpa netascii round trip")

    def hpa_error(name):
        r = run(["tftp", "-m", "binary", HOST, str(TFTP_PORT), "-c", "get", name,
                 os.path.join(work, "err.out")])
        return (r.stdout + r.stderr).decode()   # tftp-hpa prints errors on stdout
    check("Error code 1" in hpa_error("missing.xml"), "tftp-hpa: unknown file -> ERROR 1")
    check("Error code 2" in hpa_error("../x"), "tftp-hpa: ../x -> ERROR 2")
    check("Error code 2" in hpa_error("a/../../x"), "tftp-hpa: a/../../x -> ERROR 2")
    check("Error code 2" in hpa_error("escape"), "tftp-hpa: symlink -> ERROR 2")
    check("Error code 2" in hpa_error("private.key"), "tftp-hpa: 0600 file -> ERROR 2")
    check("Error code 2" in hpa_error("New_Zealand"), "tftp-hpa: directory -> ERROR 2")
    # "/etc/passwd": one '/' is stripped, so it is "etc/passwd" in the tree
    check("Error code 1" in hpa_error("/etc/passwd"), "tftp-hpa: /etc/passwd -> ERROR 1")
    check("Error code 2" in hpa_error("//etc/passwd"), "tftp-hpa: //etc/passwd -> ERROR 2")
    # a write is refused, nothing created
    src = os.path.join(work, "upload.txt")
    with open(src, "wb") as f:
        f.write(b"upload attempt\n")
    r = run(["tftp", "-m", "binary", HOST, str(TFTP_PORT), "-c", "put", src, "uploaded.txt"])
    check("Error code 2" in (r.stdout + r.stderr).decode(), "tftp-hpa put -> ERROR 2: %r" % r.stdout)
    check(not os.path.exists(os.path.join(tree, "uploaded.txt")), "put created nothing")


def test_curl_tftp(tree, files, work):
    out = os.path.join(work, "curl.out")
    for name, data in files.items():
        variants = [[], ["--tftp-blksize", "1024"], ["--tftp-no-options"]]
        if len(data) < 10000:
            variants.append(["--tftp-blksize", "8"])
        for extra in variants:
            if os.path.exists(out):
                os.unlink(out)
            r = run(["curl", "-s", "--max-time", "20"] + extra +
                     ["tftp://%s:%d/%s" % (HOST, TFTP_PORT, name), "-o", out])
            got = open(out, "rb").read() if os.path.exists(out) else b""
            check(r.returncode == 0 and got == data,
                  "curl tftp %s %s: rc %d, %d bytes" % (name, extra, r.returncode, len(got)))

    def curl_rc(path):
        return run(["curl", "-s", "--path-as-is", "--max-time", "10",
                    "tftp://%s:%d/%s" % (HOST, TFTP_PORT, path), "-o", out]).returncode
    # curl: 68 = TFTP file not found, 69 = TFTP permission problem
    check(curl_rc("missing.xml") == 68, "curl tftp unknown file -> 68")
    check(curl_rc("../x") == 69, "curl tftp ../x -> 69")
    check(curl_rc("escape") == 69, "curl tftp symlink -> 69")
    src = os.path.join(work, "upload.txt")
    r = run(["curl", "-s", "--max-time", "10", "-T", src,
             "tftp://%s:%d/curl-upload.txt" % (HOST, TFTP_PORT)])
    check(r.returncode == 69, "curl -T tftp -> 69 (access violation), got %d" % r.returncode)
    check(not os.path.exists(os.path.join(tree, "curl-upload.txt")), "curl -T created nothing")


def http(method, path, extra=()):
    r = run(["curl", "-s", "--path-as-is", "--max-time", "10", "-X", method, "-D", "-",
             "-o", "/dev/null"] + list(extra) + ["http://%s:%d%s" % (HOST, HTTP_PORT, path)])
    lines = r.stdout.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    hdrs = {}
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    return status, hdrs


def test_http(tree, files, work):
    out = os.path.join(work, "http.out")
    for name, data in files.items():
        if os.path.exists(out):
            os.unlink(out)
        r = run(["curl", "-s", "-f", "--max-time", "20", "-o", out,
                 "http://%s:%d/%s" % (HOST, HTTP_PORT, name)])
        got = open(out, "rb").read() if os.path.exists(out) else b""
        check(r.returncode == 0 and got == data, "http GET %s" % name)
    # all of them on one keep-alive connection, and over HTTP/1.0
    for extra in ([], ["-0"]):
        urls = []
        for i, name in enumerate(files):
            urls += ["http://%s:%d/%s" % (HOST, HTTP_PORT, name), "-o", out + str(i)]
        r = run(["curl", "-s", "-f", "--max-time", "30"] + extra + urls)
        ok = r.returncode == 0 and all(
            open(out + str(i), "rb").read() == data for i, data in enumerate(files.values()))
        check(ok, "http GET all files on one connection %s" % extra)
    st, h = http("HEAD", "/big.bin")
    check(st == 200 and h.get("content-length") == str(200 * 1024), "HEAD Content-Length")
    check(h.get("content-type") == "application/octet-stream", "HEAD Content-Type bin")
    check(h.get("last-modified", "").endswith("GMT"), "HEAD Last-Modified")
    st, h = http("HEAD", "/SEP001122334455.cnf.xml")
    check(st == 200 and h.get("content-type") == "text/xml", "xml Content-Type")
    st, h = http("GET", "/empty.bin")
    check(st == 200 and h.get("content-length") == "0", "GET empty file")
    for path, want in [("/missing.xml", 404), ("/../x", 400), ("/a/../../x", 400),
                       ("/%2e%2e/x", 400), ("/%2E%2E%2Fetc%2Fpasswd", 400),
                       ("/small.xml%00.txt", 400), ("/a%5cb", 400),
                       ("/escape", 403), ("/private.key", 403), ("/New_Zealand", 403),
                       ("/New_Zealand/", 400), ("/", 400), ("//etc/passwd", 400)]:
        st, _ = http("GET", path)
        check(st == want, "GET %s -> %d (got %d)" % (path, want, st))
    for m in ("PUT", "POST", "DELETE", "OPTIONS"):
        st, h = http(m, "/written.txt", ["--data-binary", "x"] if m in ("PUT", "POST") else [])
        check(st == 405 and h.get("allow") == "GET, HEAD", "%s -> 405 with Allow" % m)
    check(not os.path.exists(os.path.join(tree, "written.txt")), "PUT/POST created nothing")
    # a header block over the limit is refused, and the server goes on
    st, _ = http("GET", "/small.xml", ["-H", "X-Big: " + "a" * 9000])
    check(st in (400, 413, 431) or st == 0, "oversized headers refused (got %d)" % st)
    st, _ = http("GET", "/small.xml")
    check(st == 200, "HTTP still serves after refusals")


def test_raw(files):
    # malformed requests: exact ERROR codes
    cases = [
        (b"\x00", 4, "1-byte packet"),
        (b"\x00\x09abc\0octet\0", 4, "opcode 9"),
        (b"\x00\x03\x00\x01data", 4, "DATA to the server port"),
        (b"\x00\x01small.xml", 4, "file name without NUL"),
        (b"\x00\x01small.xml\0octet", 4, "mode without NUL"),
        (rrq("small.xml", b"mail"), 4, "mode mail"),
        (rrq("small.xml", b"bogus"), 4, "unknown mode"),
        (rrq("small.xml", opts=[(b"blksize", b"7")]), 8, "blksize 7"),
        (rrq("small.xml", opts=[(b"blksize", b"70000")]), 8, "blksize 70000"),
        (rrq("small.xml", opts=[(b"blksize", b"abc")]), 8, "blksize abc"),
        (rrq("small.xml", opts=[(b"timeout", b"0")]), 8, "timeout 0"),
        (rrq("small.xml", opts=[(b"tsize", b"0"), (b"tsize", b"0")]), 8, "duplicate tsize"),
        (rrq("small.xml", opts=[(b"blksize", b"512"), (b"BLKSIZE", b"1024")]), 8,
         "duplicate blksize (case)"),
        (rrq("small.xml") + b"blksize\0", 8, "option without value"),
        (rrq("small.xml") + b"blksize\x00512", 8, "option value without NUL"),
        (rrq("small.xml", opcode=2), 2, "WRQ"),
        (rrq("../small.xml"), 2, "RRQ ../"),
        (rrq("sm\x01all.xml"), 2, "control char"),
        (rrq("a\\b"), 2, "backslash"),
        (rrq("nothere"), 1, "unknown file"),
    ]
    for pkt, code, what in cases:
        s, data, _ = exchange(pkt)
        s.close()
        check(error_code(data) == code, "raw %s -> ERROR %d (got %r)" % (what, code, data))
    s, data, _ = exchange(rrq("small.xml", opcode=2))
    check(data is not None and data[4:-1] == b"access violation: this server is read-only",
          "WRQ message")
    s.close()
    # an ERROR to the server port gets no answer
    s, data, _ = exchange(b"\x00\x05\x00\x00hi\0", timeout=0.5)
    check(data is None, "ERROR to the server port is not answered")
    s.close()

    # OACK: blksize capped to the request, tsize = file size, timeout echoed
    s, data, addr = exchange(rrq("big.bin", opts=[(b"blksize", b"1024"), (b"tsize", b"0"),
                                                  (b"timeout", b"2"), (b"x-unknown", b"1")]))
    check(data == b"\x00\x06blksize\x001024\x00timeout\x002\x00tsize\x00204800\x00",
          "OACK bytes: %r" % data)
    check(addr is not None and addr[1] != TFTP_PORT, "transfer from a new port (TID)")
    # DATA 1 after ACK 0; duplicate ACK does not trigger a resend
    s.sendto(b"\x00\x04\x00\x00", addr)
    d1, _ = s.recvfrom(70000)
    check(d1[:4] == b"\x00\x03\x00\x01" and len(d1) == 1028, "DATA 1 with 1024 bytes")
    s.sendto(b"\x00\x04\x00\x01", addr)
    d2, _ = s.recvfrom(70000)
    check(d2[:4] == b"\x00\x03\x00\x02", "DATA 2")
    s.sendto(b"\x00\x04\x00\x01", addr)   # duplicate ACK 1
    s.settimeout(0.7)
    try:
        extra, _ = s.recvfrom(70000)
    except socket.timeout:
        extra = None
    check(extra is None, "no resend on a duplicate ACK (Sorcerer's Apprentice): %r"
          % (extra[:4] if extra else None))
    # wrong TID: ERROR 5 to the stranger, the transfer goes on
    stranger = sock()
    stranger.sendto(b"\x00\x04\x00\x02", addr)
    e5, _ = stranger.recvfrom(1000)
    check(error_code(e5) == 5, "wrong TID -> ERROR 5 (got %r)" % e5)
    stranger.close()
    s.settimeout(3)
    s.sendto(b"\x00\x04\x00\x02", addr)
    d3, _ = s.recvfrom(70000)
    check(d3[:4] == b"\x00\x03\x00\x03", "transfer continues after a wrong-TID packet")
    # retransmission on timeout (2 s negotiated): DATA 3 comes again
    s.settimeout(4)
    again, _ = s.recvfrom(70000)
    check(again == d3, "DATA 3 retransmitted after the negotiated timeout")
    # the client aborts
    s.sendto(b"\x00\x05\x00\x00user abort\0", addr)
    s.close()

    # full transfers with the raw peer
    data, oack = raw_get("big.bin", opts=[(b"blksize", b"65464")])
    check(data == files["big.bin"] and oack == {"blksize": "1468"},
          "raw get with blksize 65464 -> capped to 1468 (%r)" % oack)
    data, oack = raw_get("exact512.bin")
    check(data == files["exact512.bin"] and oack is None, "raw get 512-byte file (empty DATA 2)")
    data, oack = raw_get("text.txt", mode=b"netascii", opts=[(b"tsize", b"0")])
    check(data == netascii(files["text.txt"]), "netascii conversion on the wire")
    check(oack is None, "no tsize in netascii (size unknown): %r" % oack)
    data, oack = raw_get("/New_Zealand/g3-tones.xml.sgn", opts=[(b"tsize", b"0")])
    check(data == files["New_Zealand/g3-tones.xml.sgn"] and oack == {"tsize": "3000"},
          "raw get subdir file with tsize")


def test_rename_replace(tree, files):
    # The file is read from the fd opened at RRQ time: replacing it by
    # rename during the transfer does not change what this transfer sends.
    path = os.path.join(tree, "big.bin")
    s, data, addr = exchange(rrq("big.bin"))
    got = data[4:]
    new = os.path.join(tree, ".big.new")
    with open(new, "wb") as f:
        f.write(b"\xee" * len(files["big.bin"]))
    os.chmod(new, 0o644)
    os.rename(new, path)
    block = 1
    while len(data) - 4 == 512:
        s.sendto(b"\x00\x04" + struct.pack("!H", block & 0xFFFF), addr)
        data, _ = s.recvfrom(70000)
        got += data[4:]
        block += 1
    s.sendto(b"\x00\x04" + struct.pack("!H", block & 0xFFFF), addr)
    s.close()
    check(got == files["big.bin"], "content stable across a rename-replace")
    data, _ = raw_get("big.bin")
    check(data == b"\xee" * len(files["big.bin"]), "the next transfer sends the new file")
    with open(new, "wb") as f:
        f.write(files["big.bin"])
    os.chmod(new, 0o644)
    os.rename(new, path)


def test_rollover(tree, work):
    # 65536 + 12 blocks of 8 bytes: block numbers wrap 65535 -> 0 (curl expects this)
    data = os.urandom(8 * 65548 + 3)
    with open(os.path.join(tree, "rollover.bin"), "wb") as f:
        f.write(data)
    os.chmod(os.path.join(tree, "rollover.bin"), 0o644)
    out = os.path.join(work, "roll.out")
    t0 = time.monotonic()
    r = run(["curl", "-s", "--max-time", "60", "--tftp-blksize", "8",
             "tftp://%s:%d/rollover.bin" % (HOST, TFTP_PORT), "-o", out], timeout=90)
    got = open(out, "rb").read() if os.path.exists(out) else b""
    check(r.returncode == 0 and got == data, "block number rollover (%d blocks, %.1f s)"
          % (len(data) // 8 + 1, time.monotonic() - t0))


def test_limits_and_passed_sockets(tree, files):
    srv = Server(tree, TFTP_PORT2, HTTP_PORT2,
                 ["--pass-sockets", "--max-transfers", "1", "--timeout", "1", "--retries", "1"])
    try:
        r = run(["curl", "-s", "tftp://%s:%d/small.xml" % (HOST, TFTP_PORT2)])
        check(r.stdout == files["small.xml"], "TFTP on a passed socket")
        r = run(["curl", "-s", "http://%s:%d/small.xml" % (HOST, HTTP_PORT2)])
        check(r.stdout == files["small.xml"], "HTTP on a passed socket")
        # one transfer held open (no ACK), the next is refused busy
        s1, d1, _ = exchange(rrq("big.bin"), port=TFTP_PORT2)
        check(d1 is not None and d1[:4] == b"\x00\x03\x00\x01", "first transfer starts")
        s2, d2, _ = exchange(rrq("small.xml"), port=TFTP_PORT2)
        check(error_code(d2) == 0 and b"busy" in d2, "second transfer -> ERROR 0 busy")
        s2.close()
        # the held transfer times out: 1 retransmission, then given up
        s1.settimeout(3)
        r1, _ = s1.recvfrom(70000)
        check(r1 == d1, "retransmission of DATA 1")
        s1.close()
        time.sleep(2.5)
        r = run(["curl", "-s", "tftp://%s:%d/small.xml" % (HOST, TFTP_PORT2)])
        check(r.stdout == files["small.xml"], "serves again after the timeout")
    finally:
        rc, out, err = srv.stop()
    c = counters(out)
    check(rc == 0, "second server exits 0")
    check("runtime error" not in err and "Sanitizer" not in err,
          "no sanitizer reports (second server): %s" % err[-2000:])
    check(c["tftp"]["timeouts"] == 1 and c["tftp errors"]["0"] >= 1,
          "timeout and busy counted: %r" % c)


def main():
    for tool in ("tftp", "curl"):
        if shutil.which(tool) is None:
            print("SKIP: %s not installed (apt-get install tftp-hpa curl)" % tool)
            sys.exit(77)
    work = tempfile.mkdtemp(prefix="sl-tftp-test.")
    tree = os.path.join(work, "tree")
    os.mkdir(tree)
    files = make_tree(tree)
    before = sorted(os.listdir(tree))
    srv = Server(tree, TFTP_PORT, HTTP_PORT, ["--max-blksize", "1468"])
    try:
        test_raw(files)
        test_rename_replace(tree, files)
        test_tftp_hpa(tree, files, work)
        test_curl_tftp(tree, files, work)
        test_http(tree, files, work)
        test_rollover(tree, work)
        # after all the abuse, it still serves
        data, _ = raw_get("small.xml")
        check(data == files["small.xml"], "TFTP still serves at the end")
    finally:
        rc, out, err = srv.stop()
    print(out)
    c = counters(out)
    check(rc == 0, "serve_tree exits 0 on SIGTERM")
    check("runtime error" not in err and "Sanitizer" not in err,
          "no sanitizer reports: %s" % err[-2000:])
    if failures:
        print(err[-6000:])
    check(c["tftp"]["completed"] > 40 and c["tftp"]["bytes_sent"] > 1000000,
          "tftp counters: %r" % c["tftp"])
    check(c["tftp errors"]["1"] >= 4 and c["tftp errors"]["2"] >= 8 and
          c["tftp errors"]["4"] >= 6 and c["tftp errors"]["5"] >= 1 and
          c["tftp errors"]["8"] >= 6, "tftp error counters: %r" % c["tftp errors"])
    check(c["tftp"]["client_aborts"] >= 1, "client abort counted")
    check(c["http"]["404"] >= 1 and c["http"]["405"] >= 4 and c["http"]["400"] >= 5,
          "http counters: %r" % c["http"])
    check(c["tftp"]["active"] == 0, "no transfer left over")
    lines = [ln for ln in err.splitlines() if "tftp:" in ln or "http:" in ln]
    check(any('"big.bin" 204800 bytes, complete' in ln for ln in lines),
          "one log line per transfer")
    check(sorted(os.listdir(tree)) == sorted(before + ["rollover.bin"]),
          "the tree is unchanged")
    test_limits_and_passed_sockets(tree, files)
    shutil.rmtree(work)
    print("%d passed, %d failed" % (passed, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
