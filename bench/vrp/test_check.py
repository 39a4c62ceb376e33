#!/usr/bin/env python3
"""Tests of the benchmark's own checker (standard library only).

    python3 bench/vrp/test_check.py

scripts/test.sh runs it (a second): the benchmark itself has its own command.
"""

import math
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402

# Depot 1 at (0,0), window [0,100]. Customers on the axes, service 5.
INSTANCE = """NAME : TINY
TYPE : CVRPTW
DIMENSION : 5
VEHICLES : 2
CAPACITY : 10
SERVICE_TIME : 5
EDGE_WEIGHT_TYPE : EXACT_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
4 -3 -4
5 0 10
DEMAND_SECTION
1 0
2 4
3 4
4 5
5 2
TIME_WINDOW_SECTION
1 0 100
2 0 5
3 0 15
4 20 30
5 0 60
DEPOT_SECTION
1
-1
EOF
"""


class CheckTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        path = Path(cls.dir.name) / "TINY.vrptw"
        path.write_text(INSTANCE)
        cls.inst = compare.Instance(path)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_reads_instance(self):
        i = self.inst
        self.assertEqual((i.name, i.vehicles, i.capacity, i.depot), ("TINY", 2, 10, 1))
        self.assertEqual(i.customers, [2, 3, 4, 5])
        self.assertEqual((i.service[1], i.service[2]), (0.0, 5.0))

    def test_feasible_plan_and_exact_distance(self):
        # 1-2 (5, arrive 5 = due) serve to 10, 2-3 (5) arrive 15 = due, serve to 20, back 10.
        # 1-4 (5) wait to 20, serve to 25, 4-5 (sqrt(9+196)), back 10.
        dist, used, errors, missing = compare.check(self.inst, [[2, 3], [4, 5]])
        self.assertEqual(errors, [])
        self.assertEqual((used, missing), (2, 0))
        self.assertAlmostEqual(dist, 20 + 5 + math.sqrt(205) + 10)

    def test_late_arrival(self):
        _, _, errors, _ = compare.check(self.inst, [[3, 2], [4, 5]])
        self.assertTrue(any("node 2 reached" in e for e in errors), errors)

    def test_capacity(self):
        _, _, errors, _ = compare.check(self.inst, [[2, 3, 5], [4]])
        self.assertEqual(errors, [])  # 4 + 4 + 2 = 10 fits exactly
        _, _, errors, _ = compare.check(self.inst, [[2, 3, 4], [5]])
        self.assertTrue(any("load 13 > capacity 10" in e for e in errors), errors)

    def test_missing_twice_and_fleet(self):
        _, _, errors, missing = compare.check(self.inst, [[2, 3], [4]])
        self.assertEqual(missing, 1)
        _, _, errors, _ = compare.check(self.inst, [[2, 3], [4, 5], [5]])
        self.assertTrue(any("more than once" in e for e in errors), errors)
        self.assertTrue(any("3 routes > VEHICLES 2" in e for e in errors), errors)
        _, used, errors, _ = compare.check(self.inst, [[2, 3], [], [4, 5]])
        self.assertEqual((used, errors), (2, []))

    def test_depot_due_and_unknown_nodes(self):
        inst = self.inst
        saved = inst.window[1]
        inst.window[1] = (0, 50)
        try:
            _, _, errors, _ = compare.check(inst, [[2, 3], [4, 5]])
            self.assertTrue(any("back at depot" in e for e in errors), errors)
        finally:
            inst.window[1] = saved
        _, _, errors, _ = compare.check(inst, [[2, 3, 1], [4, 5, 99]])
        self.assertTrue(any("node 1" in e for e in errors) and any("node 99" in e for e in errors), errors)

    def test_tolerance_is_tiny(self):
        self.assertFalse(compare.late(100.00009, 100.0))
        self.assertTrue(compare.late(100.001, 100.0))

    def test_scaled_travel_times_never_undercut(self):
        order, dist, dur, ready, due, service, demand = compare.scaled(self.inst)
        for a in range(len(order)):
            for b in range(len(order)):
                exact = self.inst.dist(order[a], order[b]) * compare.SCALE
                self.assertGreaterEqual(dur[a][b], exact - 1e-6)
                self.assertLessEqual(abs(dist[a][b] - exact), 0.5 + 1e-9)


if __name__ == "__main__":
    unittest.main()
