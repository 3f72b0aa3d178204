#!/usr/bin/env python3
"""Tests of dav_report.py's round-by-round verdict (run by CTest: bench_dav_report)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dav_report  # noqa: E402


class MedianIntervalTest(unittest.TestCase):
    def test_too_few_values_have_no_95_percent_interval(self):
        # With 5 values even the lowest and highest miss the median with chance 2/32 > 5%.
        self.assertIsNone(dav_report.median_interval([1.0, 2.0, 3.0, 4.0, 5.0]))

    def test_six_values_give_the_extremes(self):
        low, high, coverage = dav_report.median_interval([6.0, 1.0, 5.0, 2.0, 4.0, 3.0])
        self.assertEqual((low, high), (1.0, 6.0))
        self.assertAlmostEqual(coverage, 1 - 2 / 64)

    def test_ten_values_drop_one_at_each_end(self):
        # P(Binomial(10, 1/2) <= 1) = 11/1024 <= 2.5%, P(<= 2) = 56/1024 is not.
        low, high, coverage = dav_report.median_interval([float(x) for x in range(10, 0, -1)])
        self.assertEqual((low, high), (2.0, 9.0))
        self.assertAlmostEqual(coverage, 1 - 22 / 1024)

    def test_verdicts(self):
        self.assertEqual(dav_report.verdict((1.02, 1.10, 0.97)), "ahead")
        self.assertEqual(dav_report.verdict((0.90, 0.99, 0.97)), "behind")
        self.assertTrue(dav_report.verdict((0.97, 1.02, 0.97)).startswith("level"))
        self.assertTrue(dav_report.verdict(None).startswith("too few rounds"))


class PairedTableTest(unittest.TestCase):
    def test_rows_ahead_behind_and_level(self):
        # Ten rounds of three rows; nginx is the only peer. putnew: Quire-fs 10% ahead in every
        # round; move: 10% behind in every round; putover: ahead in five rounds, behind in five.
        lines = []
        for r in range(1, 11):
            nginx = 1000.0 + r
            over = nginx * (1.05 if r % 2 else 0.95)
            for server, putnew, putover, move in (
                ("quire-fs", nginx * 1.1, over, nginx * 0.9),
                ("nginx", nginx, nginx, nginx),
            ):
                for row, rps in (("putnew", putnew), ("putover", putover), ("move", move)):
                    lines.append("\t".join([server, row, str(r), "%.1f" % rps, "0", "100", "-",
                                            "50.0", "40"]))
        with tempfile.TemporaryDirectory() as tmp:
            raw = os.path.join(tmp, "raw.tsv")
            md = os.path.join(tmp, "out.md")
            with open(raw, "w") as f:
                f.write("\n".join(lines) + "\n")
            with open(os.devnull, "w") as quiet:
                stdout, sys.stdout = sys.stdout, quiet
                try:
                    dav_report.paired(raw, md, ["quire-fs", "nginx"], ["putnew", "putover", "move"])
                finally:
                    sys.stdout = stdout
            rows = {}
            with open(md) as f:
                out = f.readlines()
            for line in out:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if cells and cells[0] in dav_report.TITLES.values():
                    rows[cells[0]] = cells
        new, over, move = (rows[dav_report.TITLES[k]] for k in ("putnew", "putover", "move"))
        self.assertEqual(new[-1], "ahead")
        self.assertEqual(new[6], "10 of 10")
        self.assertEqual(new[7], "1.10-1.10 (97.9%)")
        self.assertEqual(move[-1], "behind")
        self.assertTrue(over[-1].startswith("level"), over)
        self.assertEqual(over[6], "5 of 10")
        self.assertEqual(over[7], "0.95-1.05 (97.9%)")


if __name__ == "__main__":
    unittest.main()
