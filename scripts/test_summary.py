#!/usr/bin/env python3
"""Sums meson test results over build directories and prints one closing line.

Exit status 1 if any test failed, timed out or no test ran at all.
"""
import json
import os
import sys

passed = failed = skipped = 0
failures = []
for d in sys.argv[1:]:
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        print(f"summary: {d}: no test log (build failed?)")
        failed += 1
        failures.append(f"{d}: no tests ran")
        continue
    with open(log) as f:
        for line in f:
            t = json.loads(line)
            r = t.get("result")
            if r in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif r == "SKIP":
                skipped += 1
            else:
                failed += 1
                failures.append(f"{d}: {t.get('name')} [{r}]")

for f in failures:
    print("FAILED:", f)
if passed + failed == 0:
    print("tests: no test ran")
    sys.exit(1)
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
