#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed scripts of fuzz_txn (see its header for the record format)
into tests/txn/corpus/: the usual lives of server and client transactions,
as RFC 3261 §17 draws them, so the fuzzer starts from every state."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def req(method, branch, cseq=1, cseq_method=None, from_tag=";tag=ft1", to_tag="",
        port=5060, body=""):
    return ("%s sip:bob@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.10:%d;branch=%s\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:alice@example.com>%s\r\n"
            "To: <sip:bob@example.com>%s\r\n"
            "Call-ID: c1@192.0.2.10\r\n"
            "CSeq: %d %s\r\n"
            "Contact: <sip:alice@192.0.2.10:%d>\r\n"
            "Content-Length: %d\r\n\r\n%s"
            % (method, port, branch, from_tag, to_tag, cseq, cseq_method or method, port,
               len(body), body))


def resp(code, reason, method, branch, cseq=1, to_tag=";tag=tt1"):
    return ("SIP/2.0 %d %s\r\n"
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=%s\r\n"
            "From: <sip:alice@example.com>;tag=ft1\r\n"
            "To: <sip:bob@example.com>%s\r\n"
            "Call-ID: c1@192.0.2.10\r\n"
            "CSeq: %d %s\r\n"
            "Content-Length: 0\r\n\r\n" % (code, reason, branch, to_tag, cseq, method))


def rec(op, payload=b""):
    if isinstance(payload, str):
        payload = payload.encode()
    assert b"\0" not in payload
    return op.encode() + payload + b"\0"


def tick(n):
    return rec("t", bytes([n]))


CODES = [100, 180, 183, 200, 202, 301, 401, 407, 481, 486, 487, 500, 503, 603]  # fuzz_txn.c


def answer(i, code):
    """R: answer live server transaction i (i < 6) with code. The bytes are
    offset by multiples of the table sizes so that no record holds a NUL."""
    return rec("R", bytes([i + 60, CODES.index(code) + len(CODES)]))


inv = req("INVITE", "z9hG4bKs1", body="v=0\r\n")
seeds = {
    # INVITE server: 100, 486, retransmission, ACK, timer I
    "inv_486": [rec("U", inv), answer(0, 100), rec("U", inv), answer(0, 486),
                rec("U", inv), tick(1), rec("U", req("ACK", "z9hG4bKs1", to_tag=";tag=fztag")),
                tick(60)],
    # INVITE server: 2xx, Accepted, the 2xx ACK on a new branch (RFC 6026)
    "inv_200": [rec("U", inv), answer(0, 180), answer(0, 200), rec("U", inv),
                rec("U", req("ACK", "z9hG4bKack", to_tag=";tag=fztag")), tick(200)],
    # INVITE server over TCP, no ACK: timer H
    "inv_tcp_timer_h": [rec("T", inv), answer(0, 486), tick(255), tick(255)],
    # non-INVITE server: retransmissions in every state, timer J
    "register_401": [rec("U", req("REGISTER", "z9hG4bKr1")), rec("U", req("REGISTER", "z9hG4bKr1")),
                     answer(0, 100), rec("U", req("REGISTER", "z9hG4bKr1")),
                     answer(0, 401), rec("U", req("REGISTER", "z9hG4bKr1")), tick(10),
                     answer(0, 200), tick(255)],
    # CANCEL of a pending INVITE, lookups
    "cancel": [rec("U", inv), rec("X", req("CANCEL", "z9hG4bKs1", cseq_method="CANCEL")),
               rec("U", req("CANCEL", "z9hG4bKs1", cseq_method="CANCEL")), answer(1, 200),
               answer(0, 487), tick(40)],
    # a From without a tag, a second sent-by port, an RFC 2543 branch
    "odd_keys": [rec("U", req("OPTIONS", "z9hG4bKo1", from_tag="")),
                 rec("U", req("OPTIONS", "z9hG4bKo1", port=5070)),
                 rec("U", req("OPTIONS", "old-branch")), answer(0, 200), answer(1, 486),
                 rec("X", req("OPTIONS", "z9hG4bKo1", from_tag="")), tick(100)],
    # INVITE client: 180, 200, the 200 again (reaches the TU), timer B otherwise
    "client_invite": [rec("C", req("INVITE", "z9hG4bKc1")), tick(5),
                      rec("U", resp(180, "Ringing", "INVITE", "z9hG4bKc1")),
                      rec("U", resp(200, "OK", "INVITE", "z9hG4bKc1")),
                      rec("U", resp(200, "OK", "INVITE", "z9hG4bKc1")), tick(100)],
    # INVITE client: 486 and its ACK, the 486 again
    "client_invite_486": [rec("C", req("INVITE", "z9hG4bKc2")),
                          rec("U", resp(486, "Busy Here", "INVITE", "z9hG4bKc2")),
                          rec("U", resp(486, "Busy Here", "INVITE", "z9hG4bKc2")), tick(100)],
    # non-INVITE client over TCP, unanswered: timer F; one over UDP answered
    "client_options": [rec("c", req("OPTIONS", "z9hG4bKc3")), rec("C", req("BYE", "z9hG4bKc4")),
                       tick(3), rec("U", resp(100, "Trying", "BYE", "z9hG4bKc4")),
                       tick(10), rec("U", resp(200, "OK", "BYE", "z9hG4bKc4")), tick(255)],
    # transport errors: a send fails for a client request and a server response
    "send_fail": [rec("F", b"\x01"), rec("C", req("INVITE", "z9hG4bKc5")),
                  rec("U", inv), rec("F", b"\x01"), answer(0, 486), tick(50),
                  rec("C", req("OPTIONS", "z9hG4bKc6")), rec("F", b"\x02"), tick(20)],
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
os.makedirs(out, exist_ok=True)
for name, recs in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(b"".join(recs))
print("wrote %d seeds to %s" % (len(seeds), out))
