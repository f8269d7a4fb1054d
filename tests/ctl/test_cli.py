#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
shieldlockctl end to end: usage errors and exit codes without a data plane,
then every dp command against a real shieldlock-dp on two idle net_ring
ports (no traffic: the ring PMD only polls). Checks the JSON output with
Python's json module and that no key ever appears in any output.

usage: test_cli.py SHIELDLOCKCTL SHIELDLOCK_DP
"""
import json
import os
import subprocess
import sys
import tempfile
import time

K1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
K2 = "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywt"
K3 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9"
KEYS = (K1, K2, K3)

ctl, dp = sys.argv[1], sys.argv[2]
failures = 0
env = dict(os.environ)
env.pop("SHIELDLOCK_DP_SOCKET", None)


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def run(*args, sock=None, want=0, json_out=False):
    cmd = [ctl] + (["--socket", sock] if sock else []) + (["--json"] if json_out else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30)
    for k in KEYS:
        if k in p.stdout or k in p.stderr:
            check(False, "key material printed by: " + " ".join(args))
    what = "exit %d (want %d): %s" % (p.returncode, want, " ".join(args[:6]))
    if p.returncode != want:
        what += "\n     stdout: %s\n     stderr: %s" % (p.stdout.strip()[:300], p.stderr.strip()[:300])
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
    check("dp " in p.stdout and "Exit status" in p.stdout, "--help lists commands")
    run(want=2)
    _, p = run("frob", want=2)
    check(p.stderr.startswith("shieldlockctl: unknown command 'frob'"), "unknown command message")
    _, p = run("dp", "--help")
    check("dp flow add FLOW" in p.stdout, "dp --help")
    _, p = run("dp", "flow", "add", "in-port", "0", "src", "10.0.0.1:1", "dst", "10.1.1", "action",
               "forward", "out-port", "1", want=2)
    check("dst: '10.1.1' is not an IPv4/IPv6 address with :port" in p.stderr, "flow syntax error message")
    _, p = run("dp", "flow", "list", sock=missing, want=1)
    check(p.stderr.strip().startswith("shieldlockctl: cannot connect to the data plane at " + missing +
                                      ": No such file or directory (is shieldlock-dp running?"),
          "missing socket message: " + p.stderr.strip())
    env["SHIELDLOCK_DP_SOCKET"] = missing
    _, p = run("dp", "stats", want=1)
    check(missing in p.stderr, "SHIELDLOCK_DP_SOCKET is used")
    del env["SHIELDLOCK_DP_SOCKET"]
    run("dp", "flow", "del", "x", want=2)
    run("dp", "events", "--count", "0", want=2)


def start_dp(tmp):
    sock = os.path.join(tmp, "dp.sock")
    log = open(os.path.join(tmp, "dp.log"), "w")
    p = subprocess.Popen([dp, "--no-pci", "--no-huge", "-m", "256", "--file-prefix",
                          "ctltest%d" % os.getpid(), "--no-shconf", "--no-telemetry", "--vdev", "net_ring0",
                          "--vdev", "net_ring1", "-l", "0,1", "--", "--ctl-socket", sock,
                          "--engine", "openssl"], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        if os.path.exists(sock) or p.poll() is not None:
            break
        time.sleep(0.1)
    return p, sock


def online(tmp, sock):
    keyfile = os.path.join(tmp, "leg.key")
    with open(keyfile, "w") as f:
        f.write("# leg 2, two master keys\nAES_CM_128_HMAC_SHA1_80 inline:%s|2^20|1:1;inline:%s|2^20|2:1\n"
                % (K2, K3))
    flows = [
        ("srtp-protect", ["in-port", "0", "src", "10.10.1.2:4000", "dst", "10.10.1.1:20000", "action",
                          "srtp-protect", "out-port", "1", "rewrite-src", "10.10.2.1:30000", "rewrite-dst",
                          "10.10.2.2:5004", "eth-src", "02:53:4c:00:02:01", "eth-dst", "02:53:4c:00:02:02",
                          "out-crypto", "AES_CM_128_HMAC_SHA1_80 inline:%s|2^31|1:4" % K1]),
        ("srtp-unprotect", ["in-port", "1", "src", "any", "dst", "10.10.2.1:30000", "action",
                            "srtp-unprotect", "out-port", "0", "latch", "in-crypto",
                            "AES_CM_128_HMAC_SHA1_32 inline:" + K1]),
        ("srtp-rekey", ["in-port", "0", "src", "10.20.0.1:4000", "dst", "10.20.0.2:20000", "action",
                        "srtp-rekey", "out-port", "1", "in-crypto", "AES_CM_128_HMAC_SHA1_80 inline:" + K1,
                        "out-crypto", "@" + keyfile, "out-active-key", "2"]),
        ("forward", ["in-port", "0", "src", "[2001:db8::2]:4000", "dst", "[2001:db8::1]:20000", "action",
                     "forward", "out-port", "1"]),
        ("drop", ["in-port", "1", "src", "192.0.2.1:9", "dst", "192.0.2.2:9", "action", "drop"]),
    ]
    ids = {}
    for action, toks in flows:
        o, _ = run("dp", "flow", "add", *toks, sock=sock, json_out=True)
        if o:
            ids[action] = o["id"]
    check(len(ids) == 5, "added one flow of each action")
    _, p = run("dp", "flow", "add", *flows[4][1], sock=sock, want=1)
    check(p.stderr.startswith("shieldlockctl: flow add refused: "), "duplicate refused: " + p.stderr.strip())
    run("dp", "flow", "add", "in-port", "9", "src", "192.0.2.1:9", "dst", "192.0.2.2:19", "action",
        "forward", "out-port", "1", sock=sock, want=1)

    o, _ = run("dp", "flow", "list", sock=sock, json_out=True)
    check(o and o["count"] == 5 and sorted(f["action"] for f in o["flows"]) == sorted(ids),
          "list --json has the 5 flows")
    _, p = run("dp", "flow", "list", sock=sock)
    check(p.stdout.count("\n") == 7 and "any -> 10.10.2.1:30000" in p.stdout, "list table")
    o, _ = run("dp", "flow", "show", str(ids["srtp-rekey"]), sock=sock, json_out=True)
    check(o and o["in_srtp"]["suite"] == "AES_CM_128_HMAC_SHA1_80" and o["out_srtp"] is not None,
          "show --json rekey suites")
    o, _ = run("dp", "flow", "show", str(ids["srtp-protect"]), sock=sock, json_out=True)
    check(o and o["rewrite"]["dst"] == "10.10.2.2" and o["rewrite"]["dport"] == 5004 and
          o["rewrite"]["eth_src"] == "02:53:4c:00:02:01" and o["in_srtp"] is None, "show --json rewrite")
    o, _ = run("dp", "flow", "show", str(ids["forward"]), sock=sock, json_out=True)
    check(o and o["match"]["ip_version"] == 6 and o["match"]["dst"] == "2001:db8::1", "show --json IPv6")
    _, p = run("dp", "flow", "show", str(ids["srtp-unprotect"]), sock=sock)
    check("src any" in p.stdout and "latch" in p.stdout, "show readable")

    run("dp", "flow", "mod", str(ids["drop"]), "action", "forward", "out-port", "0", sock=sock)
    o, _ = run("dp", "flow", "show", str(ids["drop"]), sock=sock, json_out=True)
    check(o and o["action"] == "forward" and o["out_port"] == 0, "mod changed the action")
    run("dp", "flow", "mod", "999999", "action", "drop", sock=sock, want=1)

    run("dp", "flow", "del", str(ids["forward"]), sock=sock)
    run("dp", "flow", "del", str(ids["forward"]), sock=sock, want=1)
    o, _ = run("dp", "flow", "list", sock=sock, json_out=True)
    check(o and o["count"] == 4, "del removed one flow")

    ffile = os.path.join(tmp, "flows.txt")
    with open(ffile, "w") as f:
        f.write("# two flows\n\nin-port 0 src 10.30.0.1:1 dst 10.30.0.2:2 action forward out-port 1\n"
                "in-port 0 src 10.30.0.3:1 dst 10.30.0.4:2 action srtp-protect out-port 1 "
                "out-crypto \"AES_CM_128_HMAC_SHA1_80 inline:%s\"  # leg 3\n" % K3)
    o, _ = run("dp", "flow", "add", "--file", ffile, sock=sock, json_out=True)
    check(o and o["added"] == 2 and len(o["ids"]) == 2, "--file added 2 flows")
    with open(ffile, "a") as f:
        f.write("in-port 0 src 10.30.0.5:1 dst 10.30.0.6:2 action forward\n")
    _, p = run("dp", "flow", "add", "--file", ffile, sock=sock, want=2)
    check(":5: out-port is missing" in p.stderr and "nothing was added" in p.stderr, "--file syntax error")
    o, _ = run("dp", "flow", "list", sock=sock, json_out=True)
    check(o and o["count"] == 6, "a bad file adds nothing")

    o, _ = run("dp", "stats", sock=sock, json_out=True)
    check(o and o["flows"] == 6 and len(o["ports"]) == 2 and len(o["workers"]) == 1, "stats --json")
    _, p = run("dp", "stats", sock=sock)
    check("PORT" in p.stdout and "WORKER" in p.stdout, "stats table")
    o, _ = run("dp", "status", sock=sock, json_out=True)
    check(o and o["engine"] == "openssl" and [x["name"] for x in o["ports"]] == ["net_ring0", "net_ring1"],
          "status --json")
    o, _ = run("dp", "flow", "flush", sock=sock, json_out=True)
    check(o and o["deleted"] == 6, "flush deleted 6")
    o, _ = run("dp", "flow", "list", sock=sock, json_out=True)
    check(o and o["count"] == 0 and o["flows"] == [], "empty after flush")


def main():
    with tempfile.TemporaryDirectory(prefix="ctltest") as tmp:
        offline(tmp)
        p, sock = start_dp(tmp)
        try:
            if not os.path.exists(sock):
                check(False, "shieldlock-dp did not start: " + open(os.path.join(tmp, "dp.log")).read()[-2000:])
            else:
                online(tmp, sock)
        finally:
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    print("%d failure(s)" % failures)
    return 1 if failures else 0


sys.exit(main())
