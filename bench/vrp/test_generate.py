#!/usr/bin/env python3
"""Tests of the instance generator and of compare.py's reference gaps (standard library only).

    python3 bench/vrp/test_generate.py
"""

import json
import math
import random
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
import generate  # noqa: E402


class GenerateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.out = Path(cls.dir.name)
        generate.main(["--customers", "200", "--out", str(cls.out), "--per-family", "10"])

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def instances(self):
        return [compare.Instance(p) for p in sorted(self.out.glob("*.vrptw"))]

    def test_sixty_files_that_the_checker_reads(self):
        insts = self.instances()
        self.assertEqual(len(insts), 60)
        for inst in insts:
            self.assertEqual(len(inst.customers), 200, inst.name)
            self.assertIn(compare.family(inst.name), generate.FAMILIES)

    def test_the_same_arguments_give_the_same_files(self):
        again = tempfile.TemporaryDirectory()
        try:
            generate.main(["--customers", "200", "--out", again.name, "--families", "RC2,C1", "--per-family", "3"])
            for p in Path(again.name).glob("*.vrptw"):
                self.assertEqual(p.read_text(), (self.out / p.name).read_text(), p.name)
        finally:
            again.cleanup()

    def test_every_customer_can_be_served_alone(self):
        # depot -> customer -> depot inside the customer's window and the horizon
        for inst in self.instances():
            depot = inst.depot
            horizon = inst.window[depot][1]
            for c in inst.customers:
                e, l = inst.window[c]
                arrive = max(e, inst.dist(depot, c))
                self.assertLessEqual(e, l, (inst.name, c))
                self.assertLessEqual(arrive, l + 1e-9, (inst.name, c))
                back = arrive + inst.service[c] + inst.dist(c, depot)
                self.assertLessEqual(back, horizon + 1e-9, (inst.name, c))
                self.assertLessEqual(inst.demand[c], inst.capacity, (inst.name, c))

    def test_clustered_files_come_with_a_feasible_plan_of_their_fleet(self):
        # the plan the windows were centred on passes the independent checker with VEHICLES routes
        for fam in ("C1", "C2"):
            for k in range(1, 11):
                name, _ = generate.instance(fam, 200, k, 1)
                inst = compare.Instance(self.out / f"{name}.vrptw")
                rng = random.Random(f"1-{fam}-200-{k}")
                s = math.sqrt(2.0)
                side = 100.0 * s
                horizon = math.floor(generate.HORIZON[fam] * s)
                depot = (round(side / 2), round(side / 2))
                pts = generate.places("C", 200, side, rng)
                dem = generate.demands("C", 200, rng)
                routes = generate.sweep_plan(depot, pts, dem, generate.CAPACITY[fam], 90, horizon)
                total, used, errors, missing = compare.check(inst, [[i + 2 for i in r] for r in routes])
                self.assertEqual(errors, [], name)
                self.assertEqual(used, inst.vehicles, name)

    def test_windows_follow_the_density(self):
        for fam in ("R1", "RC2"):
            for k, (_, density) in enumerate(generate.PLAN, 1):
                inst = compare.Instance(self.out / f"{fam}-200-{k:02d}.vrptw")
                depot = inst.depot
                latest = {c: math.floor(inst.window[depot][1] - inst.dist(c, depot) - inst.service[c])
                          for c in inst.customers}
                open_ = sum(1 for c in inst.customers if inst.window[c] == (0.0, float(latest[c])))
                self.assertAlmostEqual(1 - open_ / 200, density, delta=0.02, msg=inst.name)


class ReferenceTest(unittest.TestCase):
    def test_the_shortest_feasible_plan_of_earlier_runs_is_the_reference(self):
        results = {"results": [
            {"instance": "R1-200-01", "status": "ok", "distance": 5000.0, "vehicles": 20},
            {"instance": "R1-200-01", "status": "ok", "distance": 4900.0, "vehicles": 21},
            {"instance": "R1-200-01", "status": "infeasible", "distance": 4000.0, "vehicles": 18},
            {"instance": "C1-200-01", "status": "fail"},
        ]}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(results, fh)
        try:
            ref = compare.load_reference([fh.name])
        finally:
            Path(fh.name).unlink()
        self.assertEqual(ref, {"R1-200-01": (21, 4900.0)})

    def test_families_of_both_namings(self):
        for name, fam in [("RC101", "RC1"), ("R211", "R2"), ("C109", "C1"), ("RC2-200-07", "RC2"),
                          ("C1-1000-10", "C1")]:
            self.assertEqual(compare.family(name), fam)


if __name__ == "__main__":
    unittest.main()
