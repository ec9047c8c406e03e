# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""The audit report's HTML page as a person sees it: vouch-audit report over a state directory
made here (three days of entries of every kind, two identities, a finding), rendered by headless
Chromium from Debian; the screenshot must show the page (not blank), the chart's bar colours and
the red inconsistency banner; the page loads nothing from outside."""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402

AUDIT = vt.runfile("audit/vouch-audit")
CHROMIUM = shutil.which("chromium")


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6), (depth, color)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return width, height, rows


class ReportScreenshotTest(unittest.TestCase):

    def make_state(self, d):
        base = 1764547200  # 2025-12-01T00:00:00Z
        lines = []
        for i in range(300):
            kind = ("hashedrekord", "dsse", "intoto")[i % 3]
            e = {"i": i, "uuid": "%064x" % i, "t": base + (i * 3 * 86400) // 300, "ts": "certificate",
                 "kind": kind, "v": "0.0.1" if kind != "intoto" else "0.0.2", "ok": i != 7,
                 "key": ["%064x" % (i % 4)], "dig": ["sha256:%064x" % i]}
            if i % 2 == 0:
                e["san"] = ["alice@example.com" if i % 4 == 0 else
                            "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main"]
                e["iss"] = "https://issuer.example.com"
            if i == 7:
                e["err"] = "signature: spec.signature.content: signature does not verify"
            lines.append(json.dumps(e))
        text = "\n".join(lines) + "\n"
        with open(os.path.join(d, "entries.jsonl"), "w") as f:
            f.write(text)
        state = {"version": 1, "log_url": "http://127.0.0.1:8080", "origin": "log.example - 1234",
                 "log_id": "ab" * 32, "size": 300, "root": "cd" * 32,
                 "checkpoint": "log.example - 1234\n300\nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc0=\n\n"
                               "\u2014 log.example AAAAAA==\n",
                 "compact_range": [], "tile_rows": {}, "index_bytes": len(text.encode()),
                 "updated": "2025-12-04T00:00:00Z"}
        with open(os.path.join(d, "state.json"), "w") as f:
            json.dump(state, f)
        os.makedirs(os.path.join(d, "evidence"))
        with open(os.path.join(d, "evidence", "20251203T000000.000Z-split-view.json"), "w") as f:
            json.dump({"kind": "split-view", "summary": "two checkpoints for size 250 with different "
                       "roots", "detected": "2025-12-03T00:00:00Z"}, f)

    def test_report_page_renders(self):
        if CHROMIUM is None:
            if os.environ.get("CI"):
                self.fail("chromium is not installed (tools/setup installs it)")
            self.skipTest("chromium is not installed")
        d = tempfile.mkdtemp(prefix="vouch-report-")
        self.make_state(d)
        html = os.path.join(d, "report.html")
        r = subprocess.run([AUDIT, "report", "--state", d, "--from", "2025-12-01", "--to",
                            "2025-12-04"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # the state holds a finding
        with open(html) as f:
            page = f.read()
        # Self-contained: no scripts, no external resources.
        self.assertNotIn("<script", page)
        for attr in ("src=", "href="):
            self.assertNotIn(attr, page)
        self.assertIn("INCONSISTENT", page)
        self.assertIn("alice@example.com", page)
        shot = os.path.join(d, "report.png")
        profile = tempfile.mkdtemp(prefix="chromium-")
        r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-background-networking", "--no-first-run",
                            "--user-data-dir=" + profile, "--hide-scrollbars",
                            "--window-size=1000,1400", "--screenshot=" + shot, "file://" + html],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        width, height, rows = png_pixels(shot)
        self.assertEqual((width, height), (1000, 1400))
        colours = {}
        for row in rows[::4]:
            for px in row[::4]:
                colours[px] = colours.get(px, 0) + 1
        total = sum(colours.values())
        # Not blank: white is the background, but far from everything.
        self.assertLess(colours.get((255, 255, 255), 0) / total, 0.97)

        def near(want, tol=12):
            return sum(n for px, n in colours.items()
                       if all(abs(px[k] - want[k]) <= tol for k in range(3)))
        self.assertGreater(near((0x3b, 0x6f, 0xb6)), 20, "no hashedrekord bars")
        self.assertGreater(near((0xd9, 0x82, 0x2b)), 20, "no dsse bars")
        self.assertGreater(near((0x2e, 0x9d, 0x5b)), 20, "no intoto bars")
        self.assertGreater(near((0xfb, 0xe4, 0xe4)), 50, "no red inconsistency banner")
        if os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR"):
            shutil.copy(shot, os.environ["TEST_UNDECLARED_OUTPUTS_DIR"])
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    vt.main()
