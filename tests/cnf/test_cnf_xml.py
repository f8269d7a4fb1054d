#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks the XML that controlplane/cnf builds with an independent parser
(Python's xml.etree.ElementTree) and the stub's certHash with hashlib.

Usage: test_cnf_xml.py CNF_DUMP OPENSSL
The phone certificate is a throw-away test certificate made here with the
openssl command line.
"""
import hashlib
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n<device>\n'
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def no_prefixes(root, name):
    """Root <device>, no attributes on it, no namespace prefix anywhere."""
    check(root.tag == "device", f"{name}: root is <{root.tag}>, not <device>")
    check(not root.attrib, f"{name}: root has attributes {root.attrib}")
    for el in root.iter():
        check(":" not in el.tag and "{" not in el.tag,
              f"{name}: element {el.tag} has a namespace")
        for a in el.attrib:
            check(":" not in a and "{" not in a and not a.startswith("xmlns"),
                  f"{name}: attribute {a} on {el.tag} has a namespace")


def text(root, path):
    el = root.find(path)
    return None if el is None else (el.text or "")


def main():
    dump, openssl = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="test_cnf_py.") as tmp:
        der_path = os.path.join(tmp, "phone-test-cert.der")
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", os.path.join(tmp, "phone-test-key.pem"),
                        "-subj", "/CN=SEP001122AABBCC", "-days", "2",
                        "-outform", "DER", "-out", der_path],
                       check=True, capture_output=True)
        subprocess.run([dump, tmp, der_path], check=True)
        with open(der_path, "rb") as f:
            der = f.read()

        docs = {}
        for name in ("base.cnf.xml", "escape.cnf.xml", "minimal.cnf.xml",
                     "max.cnf.xml", "stub.xml"):
            with open(os.path.join(tmp, name), "rb") as f:
                raw = f.read()
            check(raw.startswith(DECL), f"{name}: does not start with the declaration")
            try:
                root = ET.fromstring(raw)
            except ET.ParseError as e:
                check(False, f"{name}: not well-formed: {e}")
                continue
            no_prefixes(root, name)
            docs[name] = root

        if failures:
            print(f"{len(failures)} check(s) failed")
            return 1

        b = docs["base.cnf.xml"]
        check(text(b, "fullConfig") == "true", "base: fullConfig")
        check(text(b, "deviceSecurityMode") == "2", "base: deviceSecurityMode")
        check(text(b, "transportLayerProtocol") == "3", "base: transportLayerProtocol")
        check(text(b, "TLSResumptionTimer") == "3600", "base: TLSResumptionTimer")
        check(text(b, "encrConfig") == "false", "base: encrConfig")
        check(text(b, "certHash") == "", "base: certHash not empty")
        check(text(b, "capfAuthMode") == "3", "base: capfAuthMode")
        check(text(b, "capfList/capf/phonePort") == "3804", "base: CAPF port")
        check(b.find("TVS") is None, "base: TVS present without TVS servers")
        m = b.find("devicePool/callManagerGroup/members/member")
        check(m is not None and m.get("priority") == "0", "base: member priority")
        check(text(b, "devicePool/callManagerGroup/members/member/callManager/ports/"
                   "securedSipPort") == "5061", "base: securedSipPort")
        check(text(b, "devicePool/callManagerGroup/members/member/callManager/"
                   "processNodeName") == "pbx.example.net", "base: processNodeName")
        line = b.find("sipProfile/sipLines/line")
        check(line is not None and line.get("button") == "1", "base: line button")
        check(text(b, "sipProfile/sipLines/line/featureID") == "9", "base: featureID")
        check(text(b, "sipProfile/sipLines/line/authPassword") == "s3cret",
              "base: authPassword")

        e = docs["escape.cnf.xml"]
        ln = "sipProfile/sipLines/line/"
        check(text(e, ln + "featureLabel") == "R&D <lab>", "escape: featureLabel")
        check(text(e, ln + "displayName") == "O'Neil \"Bob\" & co", "escape: displayName")
        check(text(e, ln + "authPassword") == "p&<>\"'w]]>", "escape: authPassword")
        check(text(e, ln + "contact") == "\u00c5sa \u20ac \U0001f4de", "escape: UTF-8")
        check(text(e, "loadInformation") == "<load & go>", "escape: loadInformation")
        check(text(e, "networkLocale") == "New_Zealand", "escape: networkLocale")
        check(text(e, "userLocale/name") == "English_United_States", "escape: userLocale")

        n = docs["minimal.cnf.xml"]
        for absent in ("TVS", "capfList", "capfAuthMode", ln + "authPassword",
                       "userLocale", "networkLocale"):
            check(n.find(absent) is None, f"minimal: {absent} present")
        check(text(n, "deviceSecurityMode") == "1", "minimal: mode")
        check(text(n, "loadInformation") == "", "minimal: loadInformation")

        x = docs["max.cnf.xml"]
        check([mm.get("priority") for mm in x.findall(
            "devicePool/callManagerGroup/members/member")] == ["0", "1", "2"],
            "max: call server priorities")
        check([mm.get("priority") for mm in x.findall("TVS/members/member")] ==
              [str(i) for i in range(5)], "max: TVS priorities")
        check([t.text for t in x.findall("TVS/members/member/port")] == ["2445"] * 5,
              "max: TVS ports")
        check(len(x.findall("capfList/capf")) == 5, "max: 5 CAPF")
        check([ll.get("lineIndex") for ll in x.findall("sipProfile/sipLines/line")] ==
              [str(i) for i in range(1, 17)], "max: 16 lines")

        s = docs["stub.xml"]
        check([c.tag for c in s] == ["fullConfig", "ipAddressMode", "loadInformation",
                                     "capfAuthMode", "capfList", "certHash",
                                     "encrConfig"], f"stub: children {[c.tag for c in s]}")
        check(text(s, "fullConfig") == "false", "stub: fullConfig")
        check(text(s, "encrConfig") == "true", "stub: encrConfig")
        check(text(s, "ipAddressMode") == "2", "stub: ipAddressMode")
        check(text(s, "loadInformation") == "<load & go>", "stub: loadInformation")
        check(text(s, "capfAuthMode") == "3", "stub: capfAuthMode")
        check(text(s, "capfList/capf/processNodeName") == "capf.example.net",
              "stub: capfList")
        want = hashlib.md5(der).hexdigest()
        check(text(s, "certHash") == want, f"stub: certHash {text(s, 'certHash')} != {want}")
        check(s.find(".//authPassword") is None, "stub: leaks authPassword")

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all XML checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
