#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
shieldlockctl cert end to end: cert_testd serves the cert commands; the real
shieldlockctl binary imports PEM bundles and DER files (read and
base64-encoded by shieldlockctl), exports PEM to stdout and DER to a file,
and everything is checked with the OpenSSL command line: fingerprints,
byte-identical DER, openssl verify -CApath before and after a delete.
Private keys and oversized files are refused before anything is sent.

usage: test_ctl_cert.py SHIELDLOCKCTL CERT_TESTD
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ctl, testd = sys.argv[1], sys.argv[2]
openssl = os.environ.get("OPENSSL", "openssl")
failures = 0
env = dict(os.environ)
env.pop("SHIELDLOCK_SOCKET", None)


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def run(*args, sock=None, want=0, json_out=False, binary=False, stdin=None):
    cmd = [ctl] + (["--daemon-socket", sock] if sock else []) + (["--json"] if json_out else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, env=env, timeout=30, input=stdin,
                       stdin=None if stdin is not None else subprocess.DEVNULL)
    out = p.stdout if binary else p.stdout.decode()
    err = p.stderr.decode()
    what = "exit %d (want %d): %s" % (p.returncode, want, " ".join(args[:5]))
    if p.returncode != want:
        what += "\n     stdout: %r\n     stderr: %s" % (out[:300], err.strip()[:400])
    check(p.returncode == want, what)
    if json_out and p.returncode == 0:
        try:
            return json.loads(out), err
        except ValueError as e:
            check(False, "JSON from %s: %s" % (" ".join(args[:3]), e))
    return out, err


def ossl(*args, check_rc=True):
    p = subprocess.run([openssl] + list(args), capture_output=True, timeout=30)
    if check_rc and p.returncode:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), p.stderr.decode()))
    return p


def fingerprint(path, alg, inform="PEM"):
    out = ossl("x509", "-inform", inform, "-in", path, "-noout", "-fingerprint", "-" + alg).stdout.decode()
    return out.strip().split("=", 1)[1]


def make_ca(tmp, name, cn):
    key, crt = os.path.join(tmp, name + ".key"), os.path.join(tmp, name + ".pem")
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
         "-out", crt, "-days", "10", "-subj", "/O=Shieldlock Test/CN=" + cn,
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    return key, crt


def make_leaf(tmp, name, ca_key, ca_crt):
    key, csr, crt = (os.path.join(tmp, name + x) for x in (".key", ".csr", ".pem"))
    ossl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
         "-out", csr, "-subj", "/CN=" + name)
    ossl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-out", crt,
         "-days", "5")
    return crt


def offline(tmp):
    _, err = run("cert", want=2)
    out, _ = run("cert", "--help")
    check("cert import FILE|-" in out and "cert export NAME|FILE|FP [--der] [--out FILE]" in out,
          "cert --help")
    missing = os.path.join(tmp, "none.sock")
    _, err = run("cert", "import", os.path.join(tmp, "nofile.pem"), sock=missing, want=2)
    check("cannot open" in err, "import of a missing file: " + err.strip())
    big = os.path.join(tmp, "big.pem")
    with open(big, "wb") as f:
        f.write(b"x" * (800 * 1024))
    _, err = run("cert", "import", big, sock=missing, want=2)
    check("split the bundle" in err and "1048576" in err, "oversized file refused: " + err.strip())
    _, err = run("cert", "import", sock=missing, want=2)
    check("FILE is missing" in err, "import without FILE")
    _, err = run("cert", "import", "a.pem", "--data", "x", sock=missing, want=2)
    check("give the certificate FILE" in err, "--data refused on the command line")


def online(tmp, sock, lines):
    ca_key, ca_crt = make_ca(tmp, "vendor", "Test Vendor Root")
    leaf = make_leaf(tmp, "phone-1", ca_key, ca_crt)
    trust = os.path.join(tmp, "daemon", "trust")

    # A PEM bundle with text around, and the same CA again as DER.
    bundle = os.path.join(tmp, "bundle.pem")
    o2_key, o2_crt = make_ca(tmp, "other", "Test Other Root")
    with open(bundle, "w") as f:
        f.write("vendor roots\n" + open(ca_crt).read() + "\n" + open(o2_crt).read())
    check(ossl("verify", "-CApath", trust, leaf, check_rc=False).returncode != 0, "leaf refused before import")
    out, _ = run("cert", "import", bundle, "--name", "Vendor roots", sock=sock)
    check("2 added, 0 already trusted" in out, "bundle imported: " + out.strip())
    check(ossl("verify", "-CApath", trust, leaf, check_rc=False).returncode == 0,
          "openssl verify -CApath accepts the leaf after import")
    der = os.path.join(tmp, "vendor.der")
    ossl("x509", "-in", ca_crt, "-outform", "DER", "-out", der)
    out, _ = run("cert", "import", der, sock=sock)
    check("0 added, 1 already trusted" in out, "DER duplicate skipped: " + out.strip())
    with open(der, "rb") as f:
        out, _ = run("cert", "import", "-", sock=sock, stdin=f.read())
    check("already trusted" in out, "import from stdin")

    # Names are the subject hashes.
    h = ossl("x509", "-in", ca_crt, "-noout", "-subject_hash").stdout.decode().strip()
    check(os.path.exists(os.path.join(trust, h + ".0")), "file named %s.0" % h)

    # Fingerprints as openssl prints them.
    sha256, sha1 = fingerprint(ca_crt, "sha256"), fingerprint(ca_crt, "sha1")
    out, _ = run("cert", "fingerprint", h + ".0", sock=sock)
    check(out.strip() == sha256, "cert fingerprint FILE = openssl -sha256")
    out, _ = run("cert", "fingerprint", sha256[:11].lower(), "--sha1", sock=sock)
    check(out.strip() == sha1, "cert fingerprint PREFIX --sha1 = openssl -sha1")
    j, _ = run("cert", "show", h + ".0", sock=sock, json_out=True)
    check(j is not None and j["sha256"] == sha256 and j["label"] == "Vendor roots" and j["ca"],
          "cert show --json")

    # Export: PEM on stdout equals openssl's; DER into a file is byte-identical.
    out, _ = run("cert", "export", sha256, sock=sock)
    want = ossl("x509", "-in", ca_crt).stdout.decode()
    check(out == want, "PEM export equals openssl x509 output")
    dout = os.path.join(tmp, "out.der")
    out, _ = run("cert", "export", h + ".0", "--der", "--out", dout, sock=sock)
    check(out.startswith("wrote " + dout + " (DER, "), "export --der --out: " + out.strip())
    check(open(dout, "rb").read() == open(der, "rb").read(), "DER export is byte-identical")
    raw, _ = run("cert", "export", "ca", "--der", sock=sock, binary=True)
    check(fingerprint(os.path.join(tmp, "daemon", "ca.pem"), "sha256") ==
          _fp_der(tmp, raw), "DER on a non-tty stdout")
    j, _ = run("cert", "export", "node", "--out", os.path.join(tmp, "node-out.pem"), sock=sock, json_out=True)
    check(j is not None and j["format"] == "pem" and j["bytes"] > 0, "export --out --json")

    # A private key is refused before anything is sent.
    withkey = os.path.join(tmp, "withkey.pem")
    shutil.copy(ca_crt, withkey)
    with open(withkey, "a") as f:
        f.write(open(ca_key).read())
    before = len(lines())
    _, err = run("cert", "import", withkey, sock=sock, want=2)
    check("holds a private key; nothing was sent" in err, "key refused: " + err.strip())
    check(len(lines()) == before, "no change announced after the refusal")

    # Delete: verify fails afterwards; own certificates are refused.
    _, err = run("cert", "delete", "ca", sock=sock, want=5)
    check("cert regenerate ca" in err, "own certificate not deleted: " + err.strip())
    out, _ = run("cert", "delete", sha256[:11], sock=sock)
    check(out.startswith("deleted " + h + ".0"), "deleted by fingerprint: " + out.strip())
    check(ossl("verify", "-CApath", trust, leaf, check_rc=False).returncode != 0,
          "openssl verify -CApath refuses the leaf after delete")
    _, err = run("cert", "show", sha256[:11], sock=sock, want=3)

    # Regenerate reports the new fingerprint.
    old = fingerprint(os.path.join(tmp, "daemon", "ca.pem"), "sha256")
    out, _ = run("cert", "regenerate", "ca", sock=sock)
    new = fingerprint(os.path.join(tmp, "daemon", "ca.pem"), "sha256")
    check(new != old and ("SHA-256 " + new) in out and old in out, "regenerate: " + out.strip()[:120])
    check(lines().count("prov_changed") == 3, "prov_changed after import, delete, regenerate: %r" % lines())
    out, _ = run("cert", "list", sock=sock)
    check("Test Other Root" in out and "Regenerated CA" in out, "cert list")


def _fp_der(tmp, raw):
    p = os.path.join(tmp, "stdout.der")
    with open(p, "wb") as f:
        f.write(raw)
    return fingerprint(p, "sha256", "DER")


def main():
    tmp = tempfile.mkdtemp(prefix="sl-ctl-cert-")
    p = None
    try:
        offline(tmp)
        d = os.path.join(tmp, "daemon")
        os.mkdir(d)
        make_ca(d, "ca", "Shieldlock CA test")
        ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             os.path.join(d, "node.key"), "-out", os.path.join(d, "node.pem"), "-days", "10", "-subj",
             "/CN=node1.test.example")
        sock = os.path.join(tmp, "admin.sock")
        log = open(os.path.join(tmp, "testd.log"), "w")
        p = subprocess.Popen([testd, sock, os.path.join(tmp, "store.db"), d], stdout=subprocess.PIPE,
                             stderr=log, text=True)
        ready = p.stdout.readline().strip() == "ready"
        check(ready, "cert_testd ready")
        seen = []
        os.set_blocking(p.stdout.fileno(), False)

        def lines():
            while True:
                line = p.stdout.readline()
                if not line:
                    break
                seen.append(line.strip())
            return seen
        if ready:
            online(tmp, sock, lines)
    finally:
        if p:
            p.terminate()
            p.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % failures)
    sys.exit(1 if failures else 0)


main()
