#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
shieldlockctl against the admin socket end to end: admin_testd serves
sl_admin on a temporary store; the real shieldlockctl binary adds users with
--password-stdin / --password-file, lists them as JSON (checked with
Python's json module), shows the node certificate (fingerprints compared
with the OpenSSL command line), schedules and cancels a CAPF enrolment with
its password from stdin, and gets the documented exit codes and messages
for errors. No password may ever appear in any output.

usage: test_ctl_admin.py SHIELDLOCKCTL ADMIN_TESTD
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ctl, testd = sys.argv[1], sys.argv[2]
failures = 0
PASSWORDS = ("correct horse battery", "tr0ub4dor&3", "carrier-secret", "Capf1234x")
env = dict(os.environ)
env.pop("SHIELDLOCK_SOCKET", None)


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def run(*args, sock=None, want=0, stdin=None, json_out=False):
    cmd = [ctl] + (["--daemon-socket", sock] if sock else []) + (["--json"] if json_out else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30, input=stdin,
                       stdin=None if stdin is not None else subprocess.DEVNULL)
    for pw in PASSWORDS:
        if pw in p.stdout or pw in p.stderr:
            check(False, "password printed by: " + " ".join(args))
    what = "exit %d (want %d): %s" % (p.returncode, want, " ".join(args[:7]))
    if p.returncode != want:
        what += "\n     stdout: %s\n     stderr: %s" % (p.stdout.strip()[:400], p.stderr.strip()[:400])
    check(p.returncode == want, what)
    if json_out and p.returncode == 0:
        try:
            return json.loads(p.stdout), p
        except ValueError as e:
            check(False, "JSON from %s: %s: %r" % (" ".join(args[:4]), e, p.stdout[:200]))
            return None, p
    return None, p


def offline(tmp):
    missing = os.path.join(tmp, "none.sock")
    _, p = run("--help")
    check("user " in p.stdout and "--daemon-socket" in p.stdout, "--help lists user and --daemon-socket")
    _, p = run("user", "--help")
    check("user add NAME" in p.stdout and "--password-stdin" in p.stdout, "user --help")
    _, p = run("user", "list", sock=missing, want=1)
    check(p.stderr.startswith("shieldlockctl: cannot connect to shieldlockd at " + missing +
                              ": No such file or directory") and "is shieldlockd running?" in p.stderr,
          "missing daemon message: " + p.stderr.strip())
    env["SHIELDLOCK_SOCKET"] = missing
    _, p = run("calls", want=1)
    check(missing in p.stderr, "SHIELDLOCK_SOCKET is used")
    del env["SHIELDLOCK_SOCKET"]
    # Passwords never on the command line; nothing is sent.
    _, p = run("user", "add", "eve", "--password", "x", sock=missing, want=2)
    check("not taken from the command line" in p.stderr, "--password refused: " + p.stderr.strip())
    _, p = run("user", "add", "eve", "--password=x", sock=missing, want=2)
    # No terminal (stdin is /dev/null, no controlling tty under meson): say what to do.
    _, p = run("user", "passwd", "eve", "--password-file", os.path.join(tmp, "nofile"), sock=missing, want=2)
    check("cannot open the password file" in p.stderr, "missing password file")
    _, p = run("user", "list", "--password-stdin", sock=missing, want=2)
    check("belong to user add" in p.stderr, "--password-stdin on a command without password")
    # capf: usage, and the CAPF password only through the prompt/stdin/file.
    _, p = run("capf", "--help")
    check("capf set DEVICE --install|--fetch|--delete|--none" in p.stdout and "capf status" in p.stdout,
          "capf --help: " + p.stdout.strip()[:200])
    _, p = run("capf", "set", "SEP001122334455", "--install", "--auth", "password", "--password",
               PASSWORDS[3], sock=missing, want=2)
    check("not taken from the command line" in p.stderr, "capf --password refused: " + p.stderr.strip())
    _, p = run("capf", "set", "SEP001122334455", "--install", "--auth", "null", "--password-stdin",
               sock=missing, stdin=PASSWORDS[3] + "\n", want=2)
    check("capf set --auth password" in p.stderr, "--password-stdin without --auth password")
    _, p = run("capf", "set", "SEP001122334455", "--install", "--auth", "password", sock=missing, want=2)
    check("no terminal to ask for the password" in p.stderr, "capf prompt without a terminal: " +
          p.stderr.strip())


def start(tmp):
    sock = os.path.join(tmp, "admin.sock")
    cert = os.path.join(tmp, "node.pem")
    keyf = os.path.join(tmp, "node.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", keyf, "-out", cert, "-days", "10", "-subj",
                    "/O=Shieldlock/CN=node1.lab.example"], check=True, capture_output=True)
    log = open(os.path.join(tmp, "testd.log"), "w")
    p = subprocess.Popen([testd, sock, os.path.join(tmp, "store.db"), cert], stdout=subprocess.PIPE,
                         stderr=log, text=True)
    line = p.stdout.readline()
    return p, sock, cert, line.strip() == "ready"


def online(tmp, sock, cert):
    _, p = run("user", "add", "alice", "--display", "Alice Example", "--password-stdin", sock=sock,
               stdin=PASSWORDS[0] + "\n")
    check(p.stdout.strip() == "user alice added (realm lab.example)", "user add output: " + p.stdout.strip())
    pwfile = os.path.join(tmp, "pw")
    with open(pwfile, "w") as f:
        f.write(PASSWORDS[1] + "\nsecond line ignored\n")
    os.chmod(pwfile, 0o600)
    run("user", "add", "bob", "--disabled", "--password-file", pwfile, sock=sock)
    _, p = run("user", "add", "alice", "--password-stdin", sock=sock, stdin=PASSWORDS[0] + "\n", want=4)
    check(p.stderr.startswith("shieldlockctl: user add: user 'alice' exists already"), "exists message")
    _, p = run("user", "add", "carol", "--password-stdin", sock=sock, stdin="short\n", want=2)
    check("too short" in p.stderr, "short password refused: " + p.stderr.strip())
    o, _ = run("user", "list", sock=sock, json_out=True)
    check(o is not None and o["count"] == 2 and [u["name"] for u in o["users"]] == ["alice", "bob"] and
          o["users"][0]["display"] == "Alice Example" and o["users"][1]["enabled"] is False,
          "user list --json: %r" % (o,))
    _, p = run("user", "list", sock=sock)
    check(p.stdout.startswith("USER ") and "\nalice " in p.stdout, "user list table")
    run("user", "passwd", "alice", "--password-stdin", sock=sock, stdin=PASSWORDS[1] + "\n")

    _, p = run("device", "add", "SEP001122334455", "--user", "alice", "--profile", "encryptd", sock=sock, want=3)
    check("profile 'encryptd' does not exist (profiles: non-secure, authenticated, encrypted)" in p.stderr,
          "profile typo message: " + p.stderr.strip())
    run("device", "add", "SEP001122334455", "--user", "alice", "--profile", "encrypted", sock=sock)
    _, p = run("user", "del", "alice", sock=sock, want=5)
    check("owns 1 device(s)" in p.stderr, "busy message")
    o, _ = run("device", "list", sock=sock, json_out=True)
    check(o is not None and o["devices"][0]["mode"] == "encrypted", "device list --json")
    o, _ = run("profile", "list", sock=sock, json_out=True)
    check(o is not None and o["count"] == 3, "profile list --json")
    run("trunk", "add", "carrier", "--host", "198.51.100.7", sock=sock)
    run("trunk", "cred", "set", "carrier", "--realm", "carrier.example", "--username", "acct1",
        "--password-stdin", sock=sock, stdin=PASSWORDS[2] + "\n")
    # CAPF: schedule with a password from stdin, watch, cancel.
    _, p = run("capf", "set", "SEP001122334455", "--install", "--auth", "password", "--key", "rsa:2048",
               "--deadline", "7", "--password-stdin", sock=sock, stdin=PASSWORDS[3] + "\n")
    check(p.stdout.startswith("device SEP001122334455: CAPF install scheduled (authentication password, "
                              "key rsa:2048, until "), "capf set output: " + p.stdout.strip())
    _, p = run("capf", "set", "SEP001122334455", "--install", "--auth=password", "--password-stdin",
               sock=sock, stdin="12\n", want=2)
    check("too short" in p.stderr, "short CAPF password refused: " + p.stderr.strip())
    o, _ = run("capf", "status", sock=sock, json_out=True)
    d = o["devices"][0] if o and o.get("count") == 1 else {}
    check(d.get("device") == "SEP001122334455" and d.get("operation") == "install" and
          d.get("auth") == "password" and d.get("capf_auth_mode") == 1 and d.get("password_set") is True and
          d.get("deadline", 0) > time.time() + 6 * 86400 and d.get("certificate", 1) is None,
          "capf status --json: %r" % (o,))
    _, p = run("capf", "status", "SEP001122334455", sock=sock)
    check("authentication: password (capfAuthMode 1, password set)" in p.stdout, "capf status DEVICE")
    _, p = run("capf", "set", "SEP009999999999", "--fetch", sock=sock, want=3)
    check("device 'SEP009999999999' does not exist" in p.stderr, "capf set unknown device")
    _, p = run("capf", "clear", "SEP001122334455", sock=sock)
    check(p.stdout.strip() == "device SEP001122334455: CAPF install cancelled (the certificate is kept)",
          "capf clear: " + p.stdout.strip())
    o, _ = run("trunk", "show", "carrier", sock=sock, json_out=True)
    check(o is not None and o["credentials"] == [{"realm": "carrier.example", "username": "acct1"}],
          "trunk show --json credentials")
    o, _ = run("registrations", sock=sock, json_out=True)
    check(o == {"registrations": [], "count": 0}, "registrations --json empty")
    o, _ = run("calls", "--all", sock=sock, json_out=True)
    check(o == {"calls": [], "count": 0}, "calls --json empty")
    run("calls", "--limit", "x", sock=sock, want=2)

    # cert show against the OpenSSL command line.
    o, _ = run("cert", "show", sock=sock, json_out=True)
    for alg, key in (("-sha1", "sha1"), ("-sha256", "sha256")):
        fp = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", alg],
                            capture_output=True, text=True, check=True).stdout.strip().split("=", 1)[1]
        check(o is not None and o[key] == fp, "cert show %s matches openssl: %s" % (key, fp))
    check(o is not None and o["subject"] == "CN=node1.lab.example,O=Shieldlock" and o["self_signed"],
          "cert show subject")
    _, p = run("cert", "show", sock=sock)
    check("SHA-256:" in p.stdout and "valid, " in p.stdout, "cert show readable")
    _, p = run("frob", sock=sock, want=2)


def main():
    with tempfile.TemporaryDirectory(prefix="admintest") as tmp:
        offline(tmp)
        p, sock, cert, ready = start(tmp)
        try:
            if not ready:
                check(False, "admin_testd did not start: " + open(os.path.join(tmp, "testd.log")).read()[-2000:])
            else:
                check(os.stat(sock).st_mode & 0o777 == 0o600, "socket mode 0600")
                online(tmp, sock, cert)
        finally:
            p.terminate()
            try:
                out, _ = p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                out, _ = p.communicate()
        if ready:
            # user add x2, passwd, device add, trunk add, trunk cred set
            check(out.count("dir_changed") == 6, "dir_changed called 6 times, got %d" % out.count("dir_changed"))
            # user passwd, device add, capf set, capf clear
            check(out.count("prov_changed") == 4, "prov_changed called 4 times, got %d" %
                  out.count("prov_changed"))
            check(not os.path.exists(sock), "socket removed at exit")
            log = open(os.path.join(tmp, "testd.log")).read()
            for pw in PASSWORDS:
                check(pw not in log, "password not in the daemon log")
    print("%d failure(s)" % failures)
    return 1 if failures else 0


sys.exit(main())
