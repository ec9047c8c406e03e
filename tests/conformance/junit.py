#!/usr/bin/env python3
"""Writes a JUnit XML report (stdout) for tools/test's counter.

  junit.py --suite NAME --results run_offline.json   one testcase per conformance test
  junit.py --suite NAME --skip REASON                one skipped testcase
  junit.py --suite NAME --fail REASON                one failed testcase
"""
import argparse
import json
import sys
from xml.sax.saxutils import escape, quoteattr


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suite", required=True)
    ap.add_argument("--results")
    ap.add_argument("--skip")
    ap.add_argument("--fail")
    a = ap.parse_args()
    cases = []
    if a.results:
        with open(a.results) as f:
            data = json.load(f)
        for r in data["results"]:
            body = ""
            if r["status"] in ("FAIL", "XPASS(strict)"):
                want = "verified" if r["expect_success"] else "rejected"
                detail = "$ " + " ".join(r["cmd"]) + "\n" + r.get("stderr", "")
                body = "<failure message=%s>%s</failure>" % (
                    quoteattr("want %s, exit code %s" % (want, r["rc"])), escape(detail))
            elif r["status"] in ("SKIP", "XFAIL"):
                body = "<skipped message=%s/>" % quoteattr(r["status"])
            cases.append((r["id"], r.get("seconds", 0), body))
        if not cases:
            cases.append(("no-results", 0, "<failure message=\"no conformance results\"/>"))
    elif a.skip:
        cases.append(("all", 0, "<skipped message=%s/>" % quoteattr(a.skip)))
    else:
        cases.append(("all", 0, "<failure message=%s/>" % quoteattr(a.fail or "failed")))
    failures = sum(1 for c in cases if c[2].startswith("<failure"))
    skipped = sum(1 for c in cases if c[2].startswith("<skipped"))
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<testsuites><testsuite name=%s tests="%d" failures="%d" skipped="%d">'
           % (quoteattr(a.suite), len(cases), failures, skipped)]
    for name, seconds, body in cases:
        out.append('<testcase classname=%s name=%s time="%.3f">%s</testcase>'
                   % (quoteattr(a.suite), quoteattr(name), seconds, body))
    out.append("</testsuite></testsuites>")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
