#!/usr/bin/env python3
"""Compare daojia's VRPTW solver with PyVRP, VROOM and OR-Tools on the Solomon instances.

Driver (standard library only): for each instance x time limit x solver it runs the solver in
its own subprocess with a hard wall-clock timeout, reads the routes it returns (node ids as in
the instance file, depot excluded), checks them independently (exact Euclidean distances, time
windows, service times, capacity, fleet size) and prints tables of distance, vehicles and gap
to the best known solution and to the other solvers.

Worker mode (`--worker SOLVER`, run under the benchmark venv's Python): solves one instance
with one peer library and prints one JSON object on stdout. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import fnmatch
import glob
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "vrptw" / "solomon100"
ALL_SOLVERS = ["daojia", "pyvrp", "vroom", "ortools"]

# Peers need integer data: coordinates-derived distances and times are multiplied by SCALE.
# Objective (distance) uses round(d * SCALE); travel time uses ceil(d * SCALE), so that a
# solution feasible in the peer's integer model is also feasible with exact distances
# (the rounding never lets a peer cut a corner; it costs it at most 1e-4 time units per arc).
SCALE = int(os.environ.get("BENCH_SCALE", "10000"))

# Checker tolerance: a time may exceed a due date by 1e-6 relative (of the due date, at least
# 1e-6 absolute) before it is called late. Loads are integers and are compared exactly.
REL_EPS = 1e-6


# --------------------------------------------------------------------------------------------
# Instance reading and checking (shared by driver and workers)
# --------------------------------------------------------------------------------------------


class Instance:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = self.path.stem
        self.vehicles = 0
        self.capacity = 0
        self.service_time = 0.0
        self.ids: list[int] = []  # node ids in file order
        self.coord: dict[int, tuple[float, float]] = {}
        self.demand: dict[int, int] = {}
        self.window: dict[int, tuple[float, float]] = {}
        self.service: dict[int, float] = {}
        self.depot = 1
        self._parse()

    def _parse(self) -> None:
        section = None
        depots: list[int] = []
        with open(self.path) as fh:
            for lineno, raw in enumerate(fh, 1):
                line = raw.strip()
                if not line:
                    continue
                if line == "EOF":
                    break
                if ":" in line and not line[0].isdigit():
                    key, _, value = line.partition(":")
                    key = key.strip().upper()
                    value = value.strip()
                    section = None
                    if key == "NAME":
                        self.name = value
                    elif key == "VEHICLES":
                        self.vehicles = int(value)
                    elif key == "CAPACITY":
                        self.capacity = int(value)
                    elif key == "SERVICE_TIME":
                        self.service_time = float(value)
                    continue
                if line.endswith("_SECTION"):
                    section = line
                    continue
                parts = line.split()
                try:
                    if section == "NODE_COORD_SECTION":
                        i = int(parts[0])
                        self.ids.append(i)
                        self.coord[i] = (float(parts[1]), float(parts[2]))
                    elif section == "DEMAND_SECTION":
                        self.demand[int(parts[0])] = int(parts[1])
                    elif section == "TIME_WINDOW_SECTION":
                        self.window[int(parts[0])] = (float(parts[1]), float(parts[2]))
                    elif section == "SERVICE_TIME_SECTION":
                        self.service[int(parts[0])] = float(parts[1])
                    elif section == "DEPOT_SECTION":
                        v = int(parts[0])
                        if v != -1:
                            depots.append(v)
                    else:
                        raise ValueError("data outside a section")
                except (ValueError, IndexError) as exc:
                    raise ValueError(f"{self.path}:{lineno}: cannot read {line!r}: {exc}") from None
        if depots:
            self.depot = depots[0]
        for i in self.ids:
            self.demand.setdefault(i, 0)
            self.window.setdefault(i, (0.0, math.inf))
            if i not in self.service:
                self.service[i] = 0.0 if i == self.depot else self.service_time
        if not self.ids or self.vehicles <= 0 or self.capacity <= 0:
            raise ValueError(f"{self.path}: missing coordinates, VEHICLES or CAPACITY")

    @property
    def customers(self) -> list[int]:
        return [i for i in self.ids if i != self.depot]

    def dist(self, a: int, b: int) -> float:
        (xa, ya), (xb, yb) = self.coord[a], self.coord[b]
        return math.hypot(xa - xb, ya - yb)


def late(t: float, due: float) -> bool:
    return t > due + REL_EPS * max(1.0, abs(due))


def check(inst: Instance, routes) -> tuple[float, int, list[str], int]:
    """Return (exact distance, routes used, violations, customers missing) for routes of node ids."""
    errors: list[str] = []
    seen: dict[int, int] = {}
    total = 0.0
    used = 0
    if not isinstance(routes, list):
        return math.nan, 0, ["routes is not a list"], len(inst.customers)
    d_ready, d_due = inst.window[inst.depot]
    for r, route in enumerate(routes):
        if not isinstance(route, list) or not all(isinstance(v, int) for v in route):
            errors.append(f"route {r} is not a list of node ids")
            continue
        if not route:
            continue
        used += 1
        t = d_ready
        load = 0
        prev = inst.depot
        for v in route:
            if v not in inst.coord or v == inst.depot:
                errors.append(f"route {r}: unknown or depot node {v}")
                continue
            seen[v] = seen.get(v, 0) + 1
            d = inst.dist(prev, v)
            total += d
            t += d
            ready, due = inst.window[v]
            if late(t, due):
                errors.append(f"route {r}: node {v} reached at {t:.4f} > due {due:g}")
            t = max(t, ready) + inst.service[v]
            load += inst.demand[v]
            prev = v
        d = inst.dist(prev, inst.depot)
        total += d
        t += d
        if late(t, d_due):
            errors.append(f"route {r}: back at depot at {t:.4f} > due {d_due:g}")
        if load > inst.capacity:
            errors.append(f"route {r}: load {load} > capacity {inst.capacity}")
    missing = [c for c in inst.customers if c not in seen]
    twice = [c for c, n in seen.items() if n > 1]
    if missing:
        errors.append(f"{len(missing)} customers not served (e.g. {missing[:5]})")
    if twice:
        errors.append(f"{len(twice)} customers served more than once (e.g. {twice[:5]})")
    if used > inst.vehicles:
        errors.append(f"{used} routes > VEHICLES {inst.vehicles}")
    return total, used, errors, len(missing)


# --------------------------------------------------------------------------------------------
# Workers: one peer solving one instance (run in the venv, one process per instance)
# --------------------------------------------------------------------------------------------


def scaled(inst: Instance):
    """Integer data for the peers: index 0 = depot, 1.. = customers in file order."""
    order = [inst.depot] + inst.customers
    n = len(order)
    dist = [[0] * n for _ in range(n)]
    dur = [[0] * n for _ in range(n)]
    for a in range(n):
        for b in range(n):
            if a != b:
                d = inst.dist(order[a], order[b]) * SCALE
                dist[a][b] = int(round(d))
                dur[a][b] = int(math.ceil(d - 1e-7))
    ready = [int(math.ceil(inst.window[v][0] * SCALE - 1e-7)) for v in order]
    due = [int(math.floor(inst.window[v][1] * SCALE + 1e-7)) for v in order]
    service = [int(math.ceil(inst.service[v] * SCALE - 1e-7)) for v in order]
    demand = [inst.demand[v] for v in order]
    return order, dist, dur, ready, due, service, demand


def solve_pyvrp(inst: Instance, seconds: float, seed: int):
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    order, dist, dur, ready, due, service, demand = scaled(inst)
    m = Model()
    locs = [m.add_location(*inst.coord[v]) for v in order]
    depot = m.add_depot(locs[0], tw_early=ready[0], tw_late=due[0])
    m.add_vehicle_type(
        num_available=inst.vehicles,
        capacity=[inst.capacity],
        start_depot=depot,
        end_depot=depot,
        tw_early=ready[0],
        tw_late=due[0],
    )
    fleet = os.environ.get("BENCH_PYVRP_FLEET", "strict")
    if fleet == "soft":
        # PyVRP with exactly VEHICLES vehicles often never leaves the infeasible region when
        # the fleet is tight (e.g. C101 at 10 vehicles: no feasible plan in 5 s, yet found in
        # 0.1 s with 12). So it also gets as many extra vehicles as there are customers, each
        # with a fixed cost above the distance of the all-out-and-back plan: a plan that
        # needs an extra vehicle always costs more than any plan that does not. A result that
        # still uses one has more routes than VEHICLES and is counted infeasible by the checker.
        star = sum(dist[0][k] + dist[k][0] for k in range(1, len(order)))
        m.add_vehicle_type(
            num_available=len(order) - 1,
            capacity=[inst.capacity],
            start_depot=depot,
            end_depot=depot,
            tw_early=ready[0],
            tw_late=due[0],
            fixed_cost=int(os.environ.get("BENCH_PYVRP_FIXED", "1")) * star,
        )
    for k in range(1, len(order)):
        m.add_client(
            locs[k],
            delivery=[demand[k]],
            service_duration=service[k],
            tw_early=ready[k],
            tw_late=due[k],
        )
    for a in range(len(order)):
        for b in range(len(order)):
            if a != b:
                m.add_edge(locs[a], locs[b], distance=dist[a][b], duration=dur[a][b])
    t0 = time.perf_counter()
    res = m.solve(stop=MaxRuntime(seconds), seed=seed, display=False, collect_stats=False)
    used = time.perf_counter() - t0
    routes = []
    for route in res.best.routes():
        routes.append([order[1 + act.idx] for act in route if act.is_client()])
    return routes, used, {"pyvrp_feasible": bool(res.is_feasible())}


def solve_vroom(inst: Instance, seconds: float, seed: int):
    import datetime

    import numpy
    import vroom

    order, dist, dur, ready, due, service, demand = scaled(inst)
    problem = vroom.Input()
    problem.set_durations_matrix("car", numpy.asarray(dur, dtype="uint32"))
    problem.set_costs_matrix("car", numpy.asarray(dist, dtype="uint32"))
    for k in range(inst.vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=0,
                end=0,
                capacity=[inst.capacity],
                time_window=vroom.TimeWindow(ready[0], due[0]),
            )
        )
    for k in range(1, len(order)):
        problem.add_job(
            vroom.Job(
                k,
                location=k,
                default_service=service[k],
                delivery=[demand[k]],
                time_windows=[vroom.TimeWindow(ready[k], due[k])],
            )
        )
    t0 = time.perf_counter()
    sol = problem.solve(exploration_level=5, nb_threads=1, timeout=datetime.timedelta(seconds=seconds))
    used = time.perf_counter() - t0
    out = sol.to_dict()
    routes = []
    for route in out.get("routes", []):
        routes.append([order[step["id"]] for step in route["steps"] if step["type"] == "job"])
    return routes, used, {"unassigned": len(out.get("unassigned", []))}


ORTOOLS_STRATEGIES = ["LOCAL_CHEAPEST_INSERTION", "PARALLEL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC", "SAVINGS", "AUTOMATIC"]


def solve_ortools(inst: Instance, seconds: float, seed: int, strategy: str | None = None):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    strategy = strategy or os.environ.get("BENCH_ORTOOLS_FIRST", ORTOOLS_STRATEGIES[0])
    drop = os.environ.get("BENCH_ORTOOLS_DROP", "1") == "1"
    order, dist, dur, ready, due, service, demand = scaled(inst)
    n = len(order)
    vehicles = inst.vehicles
    manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    # Matrices registered on the C++ side (no Python callback per arc evaluation).
    arc = routing.RegisterTransitMatrix(dist)
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    tcb = routing.RegisterTransitMatrix([[service[a] + dur[a][b] for b in range(n)] for a in range(n)])
    horizon = due[0]
    routing.AddDimension(tcb, horizon, horizon, False, "Time")
    tdim = routing.GetDimensionOrDie("Time")
    for k in range(1, n):
        tdim.CumulVar(manager.NodeToIndex(k)).SetRange(ready[k], due[k])
    for v in range(vehicles):
        tdim.CumulVar(routing.Start(v)).SetRange(ready[0], due[0])
        tdim.CumulVar(routing.End(v)).SetRange(ready[0], due[0])
    if drop:
        # Let the search start from a partial plan: a customer may be left out at a penalty
        # far above any route cost, so the local search keeps inserting until all are served.
        # A plan still missing customers at the time limit is reported and checked (infeasible).
        penalty = 100 * max(max(row) for row in dist)
        for k in range(1, n):
            routing.AddDisjunction([manager.NodeToIndex(k)], penalty)
    dcb = routing.RegisterUnaryTransitVector(demand)
    routing.AddDimensionWithVehicleCapacity(dcb, 0, [inst.capacity] * vehicles, True, "Capacity")

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy)
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    t0 = time.perf_counter()
    sol = routing.SolveWithParameters(params)
    used = time.perf_counter() - t0
    if sol is None:
        return None, used, {"status": int(routing.status()), "first_solution": strategy}
    routes = []
    for v in range(vehicles):
        idx = sol.Value(routing.NextVar(routing.Start(v)))
        route = []
        while not routing.IsEnd(idx):
            route.append(order[manager.IndexToNode(idx)])
            idx = sol.Value(routing.NextVar(idx))
        if route:
            routes.append(route)
    return routes, used, {"first_solution": strategy}


WORKERS = {"pyvrp": solve_pyvrp, "vroom": solve_vroom, "ortools": solve_ortools}


def worker_main(args) -> int:
    inst = Instance(Path(args.file))
    c0 = time.process_time()
    routes, used, extra = WORKERS[args.worker](inst, args.worker_seconds, args.seed)
    extra["process_cpu"] = time.process_time() - c0  # model building + solve, all threads
    print(json.dumps({"instance": inst.name, "routes": routes, "seconds": used, "extra": extra}))
    return 0


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def load_bks(data_dir: Path) -> dict[str, tuple[int, float]]:
    bks = {}
    path = data_dir.parent / "bks.csv"
    if path.exists():
        with open(path) as fh:
            next(fh, None)
            for line in fh:
                parts = line.strip().split(",")
                if len(parts) >= 3:
                    bks[parts[0]] = (int(parts[1]), float(parts[2]))
    return bks


def load_reference(files: list[str]) -> dict[str, tuple[int, float]]:
    """For instances without a published best known result (bench/vrp/generate.py): the
    shortest feasible plan any solver found in earlier raw results (e.g. five seeds at 60 s),
    as (routes, distance), in place of bks.csv."""
    best: dict[str, tuple[int, float]] = {}
    for f in files:
        with open(f) as fh:
            for r in json.load(fh)["results"]:
                if r["status"] == "ok" and (r["instance"] not in best or r["distance"] < best[r["instance"]][1]):
                    best[r["instance"]] = (r["vehicles"], r["distance"])
    return best


def find_daojia(explicit: str | None) -> str | None:
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    candidates = []
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(Path(os.environ["CARGO_TARGET_DIR"]) / "release" / "daojia")
    candidates.append(Path.home() / ".cache" / "daojia-target" / "release" / "daojia")
    candidates.append(REPO / "target" / "release" / "daojia")
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return shutil.which("daojia")


def run_one(task, cfg) -> dict:
    inst_path, limit, solver, seed = task
    inst = Instance(inst_path)
    rec = {"instance": inst.name, "solver": solver, "limit": limit, "seed": seed}
    if solver in cfg.binaries:
        # daojia, or a variant of it: the same command line (`daojia vrp solve`, or the
        # dispatch crate's `vrp_solve` example, which takes the same arguments).
        cmd = [cfg.binaries[solver], "vrp", "solve", str(inst_path), "--seconds", f"{limit:g}",
               "--seed", str(seed), "--json"]
        if cfg.iterations:
            cmd += ["--iterations", str(cfg.iterations)]
    else:
        cmd = [cfg.python, str(Path(__file__).resolve()), "--worker", solver, "--file", str(inst_path),
               "--worker-seconds", f"{limit:g}", "--seed", str(seed)]
    timeout = limit + max(cfg.grace, 0.5 * limit)
    # Other work on the machine steals CPU from a run with a wall-clock limit: record the load
    # and, when runs are sequential, the CPU seconds the run really got (children's rusage).
    rec["load_before"] = os.getloadavg()[0]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        rec.update(status="fail", wall=time.perf_counter() - t0, error=f"timed out after {timeout:g} s")
        return rec
    except OSError as exc:
        rec.update(status="fail", wall=time.perf_counter() - t0, error=f"cannot run: {exc}")
        return rec
    rec["wall"] = time.perf_counter() - t0
    if cfg.jobs == 1:
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        rec["cpu"] = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout).strip().splitlines() if ln.strip()]
        # The message is usually the first line (a backtrace may follow) or the last ones.
        shown = lines[:2] + (["..."] + lines[-2:] if len(lines) > 4 else lines[2:])
        rec.update(status="fail", error=f"exit {proc.returncode}: {' | '.join(shown)}")
        return rec
    out = None
    for line in reversed(proc.stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                out = json.loads(line)
                break
            except json.JSONDecodeError:
                pass
    if out is None:
        try:
            out = json.loads(proc.stdout)
        except json.JSONDecodeError:
            rec.update(status="fail", error="no JSON object in output")
            return rec
    rec["solver_seconds"] = out.get("seconds")
    rec["extra"] = out.get("extra")
    if out.get("distance") is not None:
        rec["reported_distance"] = out.get("distance")
    routes = out.get("routes")
    if routes is None:
        rec.update(status="fail", error=f"no solution ({out.get('extra')})")
        return rec
    total, used, errors, missing = check(inst, routes)
    rec.update(distance=total, vehicles=used, routes=routes, missing=missing)
    if errors:
        rec.update(status="infeasible", errors=errors[:10], error_count=len(errors))
    else:
        rec["status"] = "ok"
    rep = rec.get("reported_distance")
    if isinstance(rep, (int, float)) and abs(rep - total) > 1e-3 * max(1.0, total):
        rec["distance_mismatch"] = f"reported {rep:.3f}, recomputed {total:.3f}"
    return rec


def gap(a: float, b: float) -> float:
    return (a - b) / b * 100.0


def pct(x: float, signed: bool = False) -> str:
    x = 0.0 if abs(x) < 0.005 else x  # no "-0.00%" for a tie with a best known rounded to 3 places
    return f"{x:+.2f}%" if signed else f"{x:.2f}%"


def family(name: str) -> str:
    """RC1 for RC101 (Solomon) and for RC1-200-01 (bench/vrp/generate.py)."""
    letters = name[: len(name) - len(name.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
    rest = name[len(letters):]
    return letters + rest[:1]


def cell(rec, bks) -> str:
    if rec is None:
        return "-"
    if rec["status"] == "fail":
        return "fail"
    if rec["status"] == "infeasible":
        missing = rec.get("missing", 0)
        return f"infeasible ({missing} unserved)" if missing and rec.get("error_count") == 1 else "infeasible"
    s = f"{rec['distance']:.2f}/{rec['vehicles']}"
    if bks:
        s += " " + pct(gap(rec["distance"], bks[1]), signed=True)
    return s


# Two mean gaps closer than this (percentage points) are a tie in the head-to-head.
TIE = 0.01


def report(results: list[dict], bks, solvers: list[str], limits: list[float], markdown: bool) -> str:
    """Tables of one or more runs. With several seeds, a cell is one (instance, seed) run:
    feasible counts are out of all runs; "common" gaps are over the runs (instance, seed) that
    every solver shown solved, so that no solver's mean is flattered by leaving hard runs
    out; the head-to-head compares per instance the mean gap over the seeds both solved (more
    feasible seeds first: a solver feasible on more seeds of an instance wins it)."""
    index = {(r["instance"], r["limit"], r["solver"], r.get("seed", 1)): r for r in results}
    instances = sorted({r["instance"] for r in results}, key=lambda n: (family(n), n))
    seeds = sorted({r.get("seed", 1) for r in results})
    lines: list[str] = []

    def table(header: list[str], rows: list[list[str]], title: str):
        if markdown:
            lines.append(f"#### {title}\n")
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
            for row in rows:
                lines.append("| " + " | ".join(row) + " |")
        else:
            lines.append(f"== {title}")
            widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
            lines.append("  ".join(h.ljust(widths[i]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(header)))
            for row in rows:
                lines.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)))
        lines.append("")

    def ok(name, limit, s, seed):
        r = index.get((name, limit, s, seed))
        return r if r and r["status"] == "ok" and name in bks else None

    def g(r):
        return gap(r["distance"], bks[r["instance"]][1])

    for limit in limits:
        present = [s for s in solvers if any(k[1] == limit and k[2] == s for k in index)]
        if not present:
            continue
        runs = [(n, seed) for n in instances for seed in seeds
                if any((n, limit, s, seed) in index for s in present)]
        common = [(n, seed) for n, seed in runs if all(ok(n, limit, s, seed) for s in present)]

        rows = []
        for name in instances:
            b = bks.get(name)
            row = [name, f"{b[1]:.2f}/{b[0]}" if b else "?"]
            for s in present:
                recs = [index.get((name, limit, s, seed)) for seed in seeds]
                recs = [r for r in recs if r]
                if len(recs) == 1:
                    row.append(cell(recs[0], b))
                    continue
                good = [r for r in recs if r["status"] == "ok"]
                if not good:
                    row.append(f"0/{len(recs)} ok" if recs else "-")
                    continue
                mean_d = statistics.mean(r["distance"] for r in good)
                c = f"{mean_d:.2f} {len(good)}/{len(recs)}"
                if b:
                    c += " " + pct(gap(mean_d, b[1]), signed=True)
                row.append(c)
            rows.append(row)
        what = "distance/routes and gap" if len(seeds) == 1 else f"mean distance, feasible seeds of {len(seeds)}, gap"
        table(["instance", "BKS dist/veh"] + present, rows, f"Per instance at {limit:g} s ({what} to best known)")

        # Summary per solver
        rows = []
        for s in present:
            recs = [index.get((n, limit, s, seed)) for n, seed in runs]
            recs = [r for r in recs if r]
            feasible = [r for r in recs if r["status"] == "ok"]
            gaps = [g(r) for r in feasible if r["instance"] in bks]
            cgaps = [g(ok(n, limit, s, seed)) for n, seed in common]
            infeasible = sum(1 for r in recs if r["status"] == "infeasible")
            fail = sum(1 for r in recs if r["status"] == "fail")
            secs = [r.get("solver_seconds") or r["wall"] for r in recs if r.get("wall") is not None]
            share = [r["cpu"] / r["wall"] for r in recs if r.get("cpu") is not None and r.get("wall")]
            row = [s, f"{len(feasible)}/{len(recs)}", f"{infeasible}", f"{fail}",
                   pct(statistics.mean(gaps)) if gaps else "-",
                   pct(statistics.mean(cgaps)) if cgaps else "-",
                   pct(statistics.median(cgaps)) if cgaps else "-",
                   f"{statistics.mean(secs):.2f}" if secs else "-",
                   f"{statistics.mean(share):.2f}" if share else "-"]
            rows.append(row)
        table(["solver", "feasible runs", "infeasible", "fail", "mean gap (own feasible)",
               f"mean gap (common {len(common)})", "median gap (common)", "mean s", "CPU/wall"],
              rows, f"Summary at {limit:g} s ({len(runs)} runs: {len(instances)} instances x {len(seeds)} seeds)")

        # Head-to-head per instance, and mean gap difference on the runs both solve.
        rows = []
        for s in present:
            row = [s]
            for p in present:
                if p == s:
                    row.append("")
                    continue
                win = tie = loss = 0
                diffs = []
                for name in instances:
                    a = [ok(name, limit, s, seed) for seed in seeds]
                    b_ = [ok(name, limit, p, seed) for seed in seeds]
                    na, nb = sum(1 for x in a if x), sum(1 for x in b_ if x)
                    if na == 0 and nb == 0:
                        continue
                    if na != nb:
                        win, loss = win + (na > nb), loss + (na < nb)
                        continue
                    both = [(x, y) for x, y in zip(a, b_) if x and y]
                    if not both:
                        continue
                    da = statistics.mean(g(x) for x, _ in both)
                    db = statistics.mean(g(y) for _, y in both)
                    diffs += [gap(x["distance"], y["distance"]) for x, y in both]
                    if abs(da - db) < TIE:
                        tie += 1
                    elif da < db:
                        win += 1
                    else:
                        loss += 1
                d = f", {pct(statistics.mean(diffs), signed=True)} on {len(diffs)}" if diffs else ""
                row.append(f"{win}/{tie}/{loss}{d}")
            rows.append(row)
        table(["solver"] + [f"vs {p}" for p in present], rows,
              f"Head-to-head at {limit:g} s (instances won/tied/lost; then mean distance difference on the runs both solve)")

        # Per family
        fams = sorted({family(n) for n in instances})
        rows = []
        for fam in fams:
            names = [n for n in instances if family(n) == fam]
            fam_runs = [(n, seed) for n, seed in runs if family(n) == fam]
            fam_common = [(n, seed) for n, seed in common if family(n) == fam]
            row = [fam, str(len(names)), str(len(fam_common))]
            for s in present:
                recs = [index.get((n, limit, s, seed)) for n, seed in fam_runs]
                feasible = [r for r in recs if r and r["status"] == "ok"]
                good = [r for r in feasible if r["instance"] in bks]
                cg = [g(ok(n, limit, s, seed)) for n, seed in fam_common]
                own = pct(statistics.mean(g(r) for r in good)) if good else "-"
                row.append(f"{len(feasible)}/{len(fam_runs)} ok, {own}; {pct(statistics.mean(cg)) if cg else '-'}")
            rows.append(row)
        table(["family", "n", "common runs"] + present, rows,
              f"Per family at {limit:g} s (feasible runs, mean gap on own feasible; mean gap on the common runs)")
    return "\n".join(lines)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", default="1,10", help="comma-separated time limits per instance")
    ap.add_argument("--instances", default="*", help="glob on instance names or file names (e.g. 'R1*')")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="directory of .vrptw files (bks.csv in its parent)")
    ap.add_argument("--solvers", default=",".join(ALL_SOLVERS))
    ap.add_argument("--jobs", type=int, default=1, help="solver runs at once (1 keeps timings honest)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", help="comma-separated seeds, each run in turn (overrides --seed), e.g. 1,2,3,4,5")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=PATH",
                    help="another build of our solver, run as solver NAME beside the others (same "
                         "command line as `daojia vrp solve`; repeatable)")
    ap.add_argument("--iterations", type=int,
                    help="a fixed number of search steps per run (our builds only, each a --variant "
                         "built from crates/dispatch/examples/vrp_solve.rs); --seconds is then only a cap")
    ap.add_argument("--grace", type=float, default=5.0, help="extra wall seconds before a run is killed")
    ap.add_argument("--out", help="write raw results (JSON) here, updated after every run")
    ap.add_argument("--markdown", help="also write the markdown tables to this file")
    ap.add_argument("--daojia", help="path to the daojia binary (default: cargo target dirs, PATH)")
    ap.add_argument("--python", default=sys.executable, help="Python with the peers installed")
    ap.add_argument("--reference", nargs="+", metavar="FILE",
                    help="raw results (--out) whose shortest feasible plan per instance is the reference "
                         "for the gaps, instead of bks.csv (instances without a best known result)")
    ap.add_argument("--from-json", nargs="+", metavar="FILE",
                    help="do not run anything: print the tables for earlier raw results")
    # worker mode
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--worker-seconds", type=float, default=1.0, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)

    data_dir = Path(args.data)
    bks = load_reference(args.reference) if args.reference else load_bks(data_dir)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    variants = {}
    for v in args.variant:
        name, _, path = v.partition("=")
        if not name or not path or name in ALL_SOLVERS or not os.access(path, os.X_OK):
            print(f"--variant {v!r}: want NAME=PATH to an executable, NAME not one of {ALL_SOLVERS}",
                  file=sys.stderr)
            return 2
        variants[name] = path
    unknown = [s for s in solvers if s not in ALL_SOLVERS and s not in variants]
    if unknown:
        print(f"unknown solver(s): {unknown}; choose from {ALL_SOLVERS} or a --variant", file=sys.stderr)
        return 2
    solvers += [v for v in variants if v not in solvers]
    seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else [args.seed]
    limits = [float(x) for x in args.seconds.split(",") if x.strip()]

    if args.from_json:
        results = []
        for f in args.from_json:
            with open(f) as fh:
                results += json.load(fh)["results"]
        limits = sorted({r["limit"] for r in results})
        named = list(dict.fromkeys(r["solver"] for r in results))
        solvers = [s for s in ALL_SOLVERS if s in named] + [s for s in named if s not in ALL_SOLVERS]
        print(report(results, bks, solvers, limits, markdown=False))
        md = report(results, bks, solvers, limits, markdown=True)
        print(md)
        if args.markdown:
            Path(args.markdown).write_text(md + "\n")
        return 0

    files = sorted(Path(p) for p in glob.glob(str(data_dir / "*.vrptw")))
    files = [f for f in files if fnmatch.fnmatch(f.stem, args.instances) or fnmatch.fnmatch(f.name, args.instances)]
    if not files:
        print(f"no instances match {args.instances!r} in {data_dir}", file=sys.stderr)
        return 2

    if "daojia" in solvers:
        args.daojia = find_daojia(args.daojia)
        if not args.daojia:
            print("daojia binary not found: leaving daojia out (build it or pass --daojia)", file=sys.stderr)
            solvers.remove("daojia")
    args.binaries = dict(variants)
    if "daojia" in solvers:
        args.binaries["daojia"] = args.daojia
    peers = [s for s in solvers if s not in args.binaries]
    if args.iterations and (peers or "daojia" in solvers):
        print("--iterations: only --variant builds of vrp_solve take it; list only them in --solvers",
              file=sys.stderr)
        return 2
    for s in peers:
        probe = subprocess.run([args.python, "-c", f"import {'vroom' if s == 'vroom' else s}"],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"{s} is not importable with {args.python}: leaving it out", file=sys.stderr)
            solvers.remove(s)

    # Interleaved: every solver runs an instance and seed before the next one starts, so that
    # a change of load on the machine hits all solvers alike.
    tasks = [(f, limit, s, seed) for limit in limits for seed in seeds for f in files for s in solvers]
    print(f"{len(files)} instances x {len(limits)} limits x {len(seeds)} seeds x {len(solvers)} solvers "
          f"= {len(tasks)} runs, {args.jobs} at a time", file=sys.stderr)
    meta = {"seeds": seeds, "variants": variants, "iterations": args.iterations, "scale": SCALE, "rel_eps": REL_EPS, "jobs": args.jobs, "limits": limits,
            "solvers": solvers, "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count()}
    results: list[dict] = []

    def save():
        if args.out:
            tmp = args.out + ".tmp"
            with open(tmp, "w") as fh:
                json.dump({"meta": meta, "results": results}, fh, indent=1)
            os.replace(tmp, args.out)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_one, t, args): t for t in tasks}
        for done, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            rec = fut.result()
            results.append(rec)
            b = bks.get(rec["instance"])
            msg = cell(rec, b)
            if rec["status"] != "ok":
                msg += ": " + (rec.get("error") or "; ".join(rec.get("errors", [])[:2]))
            if rec.get("distance_mismatch"):
                msg += f" [{rec['distance_mismatch']}]"
            print(f"[{done}/{len(tasks)}] {rec['instance']} {rec['limit']:g}s seed {rec['seed']} {rec['solver']}: {msg}",
                  file=sys.stderr, flush=True)
            save()

    print(report(results, bks, solvers, limits, markdown=False))
    md = report(results, bks, solvers, limits, markdown=True)
    print(md)
    if args.markdown:
        Path(args.markdown).write_text(md + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
