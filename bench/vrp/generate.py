#!/usr/bin/env python3
"""Solomon-style VRPTW instances of any size, for developing the solver beyond the 56
Solomon files (issue 13: "build your own larger instances, a generator following Solomon's
construction").

    python3 bench/vrp/generate.py --customers 200 --out DIR        # 60 files, 10 per family
    python3 bench/vrp/generate.py --customers 400,1000 --out DIR --per-family 4

Each family follows Solomon (1987), scaled so that a route looks the same whatever the size:
for n customers the square's side and every time (horizon, window widths) are multiplied by
s = sqrt(n / 100), so the customers' density, a route's length in customers and the share
of the horizon a window covers stay those of the 100-customer files.

- Places: R uniform in the square; C in clusters of about ten; RC half in clusters of about
  five, half uniform. The depot is at the square's centre. Coordinates are integers.
- Demands: R 1-41, RC 2-40 (triangular, most small: means about 15 and 17 as in R101 and
  RC101), C 10-50 in tens with C101's mix (mean 18). Service time 10 (R, RC) or 90 (C).
- Type 1 (short horizon, capacity 200: few customers per route) and type 2 (long horizon,
  capacity 1,000, or 700 for C2), with Solomon's horizons: R1 230, R2 1000, RC1 240,
  RC2 960, C1 1236, C2 3390 (times s).
- Windows: instance k of a family takes one of three width classes and a density (the share
  of customers with a window: 100, 75, 50 or 25 %, as Solomon's x01-x04 and x05-x08);
  a customer without one gets [0, H - t(i,0) - s_i], the latest it can be served and still
  return. R and RC: the centre uniform over the times the customer can be reached and left
  from the depot, as in Solomon. C: windows are centred on the arrival times of a route plan
  built cluster by cluster (a sweep over the clusters, nearest neighbour inside), so that
  plan is feasible, and VEHICLES is its number of routes (Solomon's C files have a fleet of
  10 and 3 the same way). R and RC files say VEHICLES = n / 4, the size of Solomon's and
  Gehring-Homberger's original fleets (25 for 100, 50 for 200), not a best known fleet.
- Names: `R1-200-01` (family, customers, index); bench/vrp/compare.py reads the family from
  the leading letters and digit.

These instances have no published best known result: measure gaps against the best
distance any solver found (compare.py `--reference` with the raw results of a long run,
e.g. 5 seeds at 60 s). Deterministic: the same arguments give the same files.
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

FAMILIES = ["C1", "C2", "R1", "R2", "RC1", "RC2"]

HORIZON = {"R1": 230, "R2": 1000, "RC1": 240, "RC2": 960, "C1": 1236, "C2": 3390}
CAPACITY = {"R1": 200, "R2": 1000, "RC1": 200, "RC2": 1000, "C1": 200, "C2": 700}
SERVICE = {"R": 10, "RC": 10, "C": 90}

# Window width classes per family (full width in time units at 100 customers): (mean, spread)
# with spread 0 for a fixed width; read off Solomon's files (R101 10, R105 30, R109 37-83,
# R201 27-212, R205 240, R209 91-764, RC101 30, RC105 10-120, RC201 120, RC205 60-480,
# C101 37-89, C105 75-177, C109 360, C201 160, C205 320, C208 640).
WIDTHS = {
    "R1": [(10, 0), (30, 0), (60, 20)],
    "R2": [(120, 50), (240, 0), (400, 150)],
    "RC1": [(30, 0), (55, 30), (90, 30)],
    "RC2": [(120, 0), (220, 100), (400, 150)],
    "C1": [(60, 15), (120, 30), (360, 0)],
    "C2": [(160, 0), (320, 0), (640, 0)],
}

# Instance k (1-based) of a family: its width class and density, as Solomon's numbering does
# (x01-x04 the first class at 100/75/50/25 %, x05-x08 the second, then the widest).
PLAN = [(0, 1.0), (0, 0.75), (0, 0.5), (0, 0.25), (1, 1.0), (1, 0.75), (1, 0.5), (1, 0.25),
        (2, 1.0), (2, 0.5)]


def dist(a, b) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def places(kind: str, n: int, side: float, rng: random.Random) -> list[tuple[int, int]]:
    def uniform():
        return (rng.randint(0, int(side)), rng.randint(0, int(side)))

    def clustered(count: int, per: int):
        centres = [(rng.uniform(0.1 * side, 0.9 * side), rng.uniform(0.1 * side, 0.9 * side))
                   for _ in range(max(1, round(count / per)))]
        out = []
        for i in range(count):
            cx, cy = centres[i % len(centres)]
            r = 6.0 * math.sqrt(rng.random())
            a = rng.uniform(0, 2 * math.pi)
            x = min(max(round(cx + r * math.cos(a)), 0), int(side))
            y = min(max(round(cy + r * math.sin(a)), 0), int(side))
            out.append((x, y))
        return out

    if kind == "R":
        return [uniform() for _ in range(n)]
    if kind == "C":
        return clustered(n, 10)
    half = n // 2
    pts = clustered(half, 5) + [uniform() for _ in range(n - half)]
    rng.shuffle(pts)
    return pts


def demands(kind: str, n: int, rng: random.Random) -> list[int]:
    if kind == "C":
        # C101's mix: 52 % ten, 26 % twenty, 13 % thirty, 7 % forty, 2 % fifty
        return rng.choices([10, 20, 30, 40, 50], weights=[52, 26, 13, 7, 2], k=n)
    # skewed to small loads like Solomon's (R101 mean 14.6, RC101 mean 17.2)
    lo, hi, mode = (1, 41, 5) if kind == "R" else (2, 40, 10)
    return [round(rng.triangular(lo, hi, mode)) for _ in range(n)]


def width(cls: tuple[int, int], s: float, rng: random.Random) -> float:
    mean, spread = cls
    w = mean if spread == 0 else rng.uniform(mean - spread, mean + spread)
    return max(1.0, w * s)


def sweep_plan(depot, pts, dem, cap, service, horizon) -> list[list[int]]:
    """Routes built cluster by cluster: customers ordered by angle around the depot, each
    route grown by the nearest customer (among the next ones in that order) that still fits
    the capacity and returns to the depot one unit before the horizon."""
    order = sorted(range(len(pts)), key=lambda i: math.atan2(pts[i][1] - depot[1], pts[i][0] - depot[0]))
    left = list(order)
    routes = []
    while left:
        route, load, t, here = [], 0, 0.0, depot
        while True:
            best = None
            for i in left[:25]:
                arrive = t + dist(here, pts[i])
                if load + dem[i] > cap or arrive + service + dist(pts[i], depot) > horizon - 1:
                    continue
                if best is None or dist(here, pts[i]) < dist(here, pts[best]):
                    best = i
            if best is None:
                break
            t = t + dist(here, pts[best]) + service
            here = pts[best]
            load += dem[best]
            route.append(best)
            left.remove(best)
        if not route:
            raise SystemExit("a customer cannot be reached and left within the horizon")
        routes.append(route)
    return routes


def instance(family: str, n: int, k: int, seed: int) -> tuple[str, str]:
    kind = family.rstrip("12")
    rng = random.Random(f"{seed}-{family}-{n}-{k}")
    s = math.sqrt(n / 100.0)
    side = 100.0 * s
    horizon = math.floor(HORIZON[family] * s)
    cap = CAPACITY[family]
    service = SERVICE[kind]
    cls_i, density = PLAN[(k - 1) % len(PLAN)]
    cls = WIDTHS[family][cls_i]
    depot = (round(side / 2), round(side / 2))
    pts = places(kind, n, side, rng)
    dem = demands(kind, n, rng)
    latest = [math.floor(horizon - dist(p, depot) - service) for p in pts]
    if min(latest) < math.ceil(max(dist(p, depot) for p in pts)):
        raise SystemExit(f"{family}: the horizon is too short for the square")
    windowed = set(rng.sample(range(n), round(density * n)))
    windows = [(0, latest[i]) for i in range(n)]
    vehicles = n // 4
    if kind == "C":
        routes = sweep_plan(depot, pts, dem, cap, service, horizon)
        vehicles = len(routes)
        for route in routes:
            t, here = 0.0, depot
            for i in route:
                t += dist(here, pts[i])
                if i in windowed:
                    w = width(cls, s, rng)
                    e = max(0, math.floor(t - w / 2))
                    l = min(latest[i], math.ceil(t + w / 2))
                    windows[i] = (e, l)
                t += service
                here = pts[i]
    else:
        for i in windowed:
            reach = math.ceil(dist(pts[i], depot))
            w = width(cls, s, rng)
            centre = rng.uniform(reach, latest[i])
            e = max(reach, math.floor(centre - w / 2))
            l = min(latest[i], math.ceil(centre + w / 2))
            windows[i] = (min(e, l), l)
    name = f"{family}-{n}-{k:02d}"
    lines = [
        f"NAME : {name}",
        "TYPE : CVRPTW",
        f"COMMENT : generated by bench/vrp/generate.py (seed {seed}), Solomon's construction scaled to {n} customers",
        f"DIMENSION : {n + 1}",
        f"VEHICLES : {vehicles}",
        f"CAPACITY : {cap}",
        f"SERVICE_TIME : {service}",
        "EDGE_WEIGHT_TYPE : EXACT_2D",
        "NODE_COORD_SECTION",
        f"1 {depot[0]} {depot[1]}",
    ]
    lines += [f"{i + 2} {x} {y}" for i, (x, y) in enumerate(pts)]
    lines += ["DEMAND_SECTION", "1 0"] + [f"{i + 2} {d}" for i, d in enumerate(dem)]
    lines += ["TIME_WINDOW_SECTION", f"1 0 {horizon}"]
    lines += [f"{i + 2} {e} {l}" for i, (e, l) in enumerate(windows)]
    lines += ["DEPOT_SECTION", "1", "-1", "EOF"]
    return name, "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", default="200", help="comma-separated sizes, e.g. 200,400,1000")
    ap.add_argument("--out", required=True, help="directory for the .vrptw files")
    ap.add_argument("--per-family", type=int, default=10, help="instances per family and size (1-10)")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for n in (int(x) for x in args.customers.split(",")):
        if n < 10:
            raise SystemExit("--customers: at least 10")
        for family in args.families.split(","):
            if family not in FAMILIES:
                raise SystemExit(f"--families: {family!r} is not one of {FAMILIES}")
            for k in range(1, args.per_family + 1):
                name, text = instance(family, n, k, args.seed)
                (out / f"{name}.vrptw").write_text(text)
                count += 1
    print(f"{count} instances in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
