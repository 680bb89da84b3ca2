#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""netpol: the NetworkPolicy conformance suite on the sandbox cluster.

    netpol.py list [REGEX...]            the cases (and the skipped ones)
    netpol.py selftest                   oracle vs upstream's expectations
                                         (no cluster needed)
    netpol.py run [REGEX...] [--json FILE] [--settle S] [--parallel N]
                  [--timeout S] [--protocols TCP,UDP] [--ports 80,81]
                  [--fail-fast] [--verbose] [--teardown]
    netpol.py framecheck                 the suite passes enforcement
                                         (emulated) and fails its absence
    netpol.py setup | teardown           the model's Namespaces and Pods

`run` needs a running sandbox (`tests/e2e/cluster up`) and root.  It
creates (or reuses) Namespaces x, y, z and Pods a, b, c in each, then runs
every case whose name or title matches one of the regular expressions
(all cases without one).  After each step it probes the 9x9 matrix on
both ports and both protocols with real connections, compares with what
NetworkPolicy says (model.py), and re-probes the cells that disagree
until they agree or --settle seconds pass (policy realisation is
asynchronous); a step whose cells had to be re-probed is confirmed by one
more full probe.  A failing step prints upstream's truth tables
(expected, observed, comparison) and the failing cells.  Between cases
every policy and label is reset and full connectivity checked.  Exit
status: 0 only if every selected case passed; 1 if one failed; 2 on a
usage or setup error.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys
import time
from typing import Any, Optional

E2E = pathlib.Path(__file__).resolve().parent.parent
# Always first: run as a script, sys.path[0] is this file's directory,
# where "netpol" would be this very file instead of the package.
sys.path.insert(0, str(E2E))

from netpol import cases as cases_mod  # noqa: E402
from netpol import model  # noqa: E402

Combo = tuple[int, str]
# Failing cells listed one per line after the truth tables.
MAX_CELLS_SHOWN = 24


def select(patterns: list[str]) -> list[cases_mod.Case]:
    """The cases whose name or title matches one of patterns (regular
    expressions); all cases when there is none."""
    try:
        regexes = [re.compile(p) for p in patterns]
    except re.error as e:
        print(f"netpol: bad pattern {e.pattern!r}: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    return [c for c in cases_mod.CASES
            if not regexes or any(r.search(c.name) or r.search(c.title)
                                  for r in regexes)]


# ---------------------------------------------------------------- selftest


def fake_ips() -> dict[str, str]:
    """Pod IPs laid out as the sandbox does (round-robin over 2 Nodes)."""
    nodes = [0, 0]
    ips = {}
    for i, pod in enumerate(model.ALL_PODS):
        n = i % 2
        nodes[n] += 1
        ips[pod] = f"10.10.{n + 1}.{nodes[n] + 1}"
    return ips


def apply_offline(action: tuple, world: model.World) -> None:
    """What workload.Workload.apply does to the World, without a cluster."""
    from netpol.workload import merged_labels, substitute
    kind = action[0]
    if kind in ("create", "update"):
        policy = substitute(action[2], world.pod_ips)
        key = (action[1], policy["metadata"]["name"])
        if (kind == "create") == (key in world.policies):
            state = "exists" if kind == "create" else "is missing"
            raise model.ModelError(f"{kind} NetworkPolicy {key}: it {state}")
        world.policies[key] = policy
    elif kind == "delete":
        world.policies.pop((action[1], action[2]))
    elif kind == "delete-all":
        world.policies.clear()
    elif kind == "label-ns":
        world.ns_labels[action[1]] = merged_labels(
            world.ns_labels[action[1]], action[2])
    elif kind == "label-pod":
        world.pod_labels[action[1]] = merged_labels(
            world.pod_labels[model.validate_pod(action[1])], action[2])
    else:
        raise model.ModelError(f"unknown action {action!r}")


def selftest() -> int:
    """Every upstream hand-written expectation equals the oracle's."""
    failures = 0
    checks = 0
    names = [c.name for c in cases_mod.CASES]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        print(f"FAIL duplicate case names: {sorted(dupes)}")
        failures += 1
    for case in cases_mod.CASES:
        world = model.World(fake_ips())
        for n, step in enumerate(case.steps, 1):
            try:
                for action in step.actions:
                    apply_offline(action, world)
                for check in step.checks:
                    checks += 1
                    want = model.matrix_from_ops(check.expect)
                    got = model.Matrix.expected(world, check.port,
                                                check.protocol)
                    diff = want.differences(got)
                    if diff:
                        failures += 1
                        combo = f"{check.protocol}/{check.port}"
                        print(f"FAIL {case.name} step {n} {combo}: upstream "
                              f"and the oracle disagree on {diff}")
                        print(want.render("upstream:"))
                        print(got.render("oracle:"))
            except model.ModelError as e:
                failures += 1
                print(f"FAIL {case.name} step {n}: {e}")
    print(f"selftest: {len(cases_mod.CASES)} cases, {checks} upstream "
          f"expectations, {failures} failure(s)")
    return 1 if failures else 0


# ---------------------------------------------------------------- run


class Runner:
    """Runs cases on the cluster and records the results."""

    def __init__(self, args: argparse.Namespace) -> None:
        from netpol import probe
        from netpol import workload
        # The parsed command line.
        self.args = args
        # The model's objects on the cluster.
        self.work = workload.Workload()
        # (port, protocol) pairs probed after each step.
        self.combos: list[Combo] = [(p, proto) for proto in args.protocols
                                    for p in args.ports]
        # Probe bounds.
        self.settings = probe.Settings(tcp_timeout=args.timeout,
                                       udp_wait=args.timeout / 3,
                                       parallel=args.parallel)
        # Set up in prepare().
        self.prober: Optional[probe.Prober] = None

    def prepare(self) -> None:
        """Namespaces, Pods, servers answering (each Pod to itself)."""
        from netpol import probe
        t0 = time.monotonic()
        self.work.setup()
        self.prober = probe.Prober(self.work.netns, self.work.ips,
                                   self.settings)
        cells = [(p, p, port, proto) for p in model.ALL_PODS
                 for port, proto in self.combos]
        deadline = time.monotonic() + 60
        while True:
            down = [c for c, o in self.prober.many(cells).items()
                    if not o.connected]
            if not down:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("servers not answering after 60 s: "
                                   + ", ".join(f"{c[0]} {c[3]}/{c[2]}"
                                               for c in down))
            time.sleep(0.5)
        where = ", ".join(f"{p}={self.work.ips[p]}@{self.work.nodes[p]}"
                          for p in model.ALL_PODS)
        print(f"model ready in {time.monotonic() - t0:.1f} s: {where}",
              flush=True)

    def _cells(self, combos: list[Combo]) -> list[tuple]:
        """Every (client, server, port, protocol) of combos."""
        return [(c, s, port, proto) for port, proto in combos
                for c in model.ALL_PODS for s in model.ALL_PODS]

    def verify(self, world: model.World) -> dict[str, Any]:
        """Probes until the cluster agrees with world or --settle passes;
        answers the verdict with the final observations."""
        assert self.prober is not None
        expected = {combo: model.Matrix.expected(world, *combo)
                    for combo in self.combos}

        def wrong(obs: dict) -> list[tuple]:
            return [cell for cell, o in obs.items()
                    if cell[0] != cell[1]
                    and o.connected != expected[cell[2:]].cells[cell[:2]]]

        t0 = time.monotonic()
        observed = self.prober.many(self._cells(self.combos))
        bad = wrong(observed)
        attempts, delay = 1, 0.25
        while bad and time.monotonic() - t0 < self.args.settle:
            time.sleep(min(delay, max(0.0, self.args.settle
                                      - (time.monotonic() - t0))))
            delay = min(delay * 2, 2.0)
            observed.update(self.prober.many(bad))
            bad = wrong(observed)
            attempts += 1
        confirmed = True
        if not bad and attempts > 1:
            observed = self.prober.many(self._cells(self.combos))
            bad = wrong(observed)
            attempts += 1
            confirmed = not bad
        return {"expected": expected, "observed": observed, "wrong": bad,
                "attempts": attempts, "confirmed": confirmed,
                "seconds": time.monotonic() - t0}

    def report(self, label: str, verdict: dict[str, Any]) -> dict[str, Any]:
        """Prints a step's outcome (tables when it failed or -v);
        answers its JSON record."""
        bad = verdict["wrong"]
        ok = not bad
        note = "" if verdict["confirmed"] else " (changed after settling)"
        print(f"{'ok  ' if ok else 'FAIL'} {label} ({verdict['attempts']} "
              f"probe round(s), {verdict['seconds']:.1f} s){note}",
              flush=True)
        failing = sorted({cell[2:] for cell in bad})
        for combo in (self.combos if self.args.verbose else failing):
            port, proto = combo
            exp = verdict["expected"][combo]
            obs = model.Matrix()
            for (c, s, p, pr), o in verdict["observed"].items():
                if (p, pr) == combo:
                    obs.cells[(c, s)] = o.connected
            print(f"\n{proto}/{port}:")
            print(exp.render("expected:"))
            print(obs.render("observed:"))
            print(model.comparison(exp, obs, "comparison:"))
        for cell in sorted(bad)[:MAX_CELLS_SHOWN]:
            o = verdict["observed"][cell]
            want = verdict["expected"][cell[2:]].cells[cell[:2]]
            print(f"    {cell[0]} -> {cell[1]} {cell[3]}/{cell[2]}: expected "
                  f"{'connected' if want else 'blocked'}, got {o.detail}")
        if len(bad) > MAX_CELLS_SHOWN:
            print(f"    ... and {len(bad) - MAX_CELLS_SHOWN} more (--json "
                  "lists them all)")
        return {"label": label, "passed": ok,
                "attempts": verdict["attempts"],
                "seconds": round(verdict["seconds"], 3),
                "mismatches": [
                    {"client": c, "server": s, "port": p, "protocol": pr,
                     "expected": verdict["expected"][(p, pr)].cells[(c, s)],
                     "observed": verdict["observed"][(c, s, p, pr)].detail}
                    for c, s, p, pr in sorted(bad)]}

    def run_case(self, case: cases_mod.Case,
                 model_only: bool = False) -> dict[str, Any]:
        """Runs one case from a clean state; answers its JSON record.
        With 'model_only' its actions change the expectations only, not
        the cluster (framecheck)."""
        t0 = time.monotonic()
        print(f"=== {case.name}: {case.title}", flush=True)
        world = model.World(self.work.ips)
        steps = []
        passed = True
        for n, step in enumerate(case.steps, 1):
            try:
                done = [self.work.apply(a, world, cluster=not model_only)
                        for a in step.actions]
            except Exception as e:  # noqa: BLE001 - report, go on
                print(f"FAIL {case.name} step {n}: {e}", flush=True)
                steps.append({"label": f"step {n}: {step.what}",
                              "passed": False, "error": str(e)})
                passed = False
                break
            for d in done:
                print(f"    {d}", flush=True)
            rec = self.report(f"{case.name} step {n}: {step.what}",
                              self.verify(world))
            steps.append(rec)
            passed = passed and rec["passed"]
            if not rec["passed"] and self.args.fail_fast:
                break
        return {"name": case.name, "title": case.title, "passed": passed,
                "seconds": round(time.monotonic() - t0, 3), "steps": steps}

    def reset(self) -> Optional[dict[str, Any]]:
        """Removes every policy and label change, checks everything is
        reachable again; answers a failure record or None."""
        try:
            self.work.reset()
        except Exception as e:  # noqa: BLE001 - reported as a failure
            print(f"FAIL reset: {e}", flush=True)
            return {"label": "reset", "passed": False, "error": str(e)}
        verdict = self.verify(model.World(self.work.ips))
        if verdict["wrong"]:
            return self.report("reset: no policy, every Pod reachable",
                               verdict)
        return None

    def run(self, selected: list[cases_mod.Case]) -> dict[str, Any]:
        """Runs the cases; answers the JSON summary."""
        t0 = time.monotonic()
        results = []
        for i, case in enumerate(selected):
            if i:
                failure = self.reset()
                if failure:
                    results.append({"name": case.name, "title": case.title,
                                    "passed": False, "seconds": 0,
                                    "steps": [failure]})
                    if self.args.fail_fast:
                        break
                    continue
            res = self.run_case(case)
            results.append(res)
            if not res["passed"] and self.args.fail_fast:
                break
        self.work.reset()
        failed = [r["name"] for r in results if not r["passed"]]
        return {"passed": len(results) - len(failed), "failed": len(failed),
                "failedCases": failed,
                "notRun": [c.name for c in selected[len(results):]],
                "skipped": [{"name": n, "reason": r}
                            for n, r in cases_mod.SKIPPED],
                "combos": [f"{proto}/{port}" for port, proto in self.combos],
                "pods": {p: {"ip": self.work.ips[p],
                             "node": self.work.nodes[p]}
                         for p in model.ALL_PODS},
                "seconds": round(time.monotonic() - t0, 1),
                "cases": results}


# ---------------------------------------------------------------- CLI


def _csv(kind: type, allowed: tuple) -> Any:
    """An argparse type: comma-separated values out of allowed."""
    def parse(text: str) -> list:
        out = []
        for item in text.split(","):
            try:
                value = kind(item.strip().upper() if kind is str
                             else item.strip())
            except ValueError:
                value = None
            if value not in allowed:
                raise argparse.ArgumentTypeError(
                    f"{item!r}: choose from {', '.join(map(str, allowed))}")
            out.append(value)
        return out
    return parse


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="netpol.py", description="NetworkPolicy conformance on the "
        "sandbox cluster (upstream Kubernetes netpol e2e cases).")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="list the cases")
    ls.add_argument("patterns", nargs="*", metavar="REGEX")
    sub.add_parser("selftest", help="check the oracle against upstream's "
                   "expectations (no cluster)")
    sub.add_parser("setup", help="create the Namespaces and Pods")
    sub.add_parser("teardown", help="delete the Namespaces and Pods")
    run = sub.add_parser("run", help="run cases on the sandbox cluster")
    run.add_argument("patterns", nargs="*", metavar="REGEX",
                     help="run the cases whose name or title matches")
    _probe_options(run)
    frame = sub.add_parser("framecheck", help="prove on the cluster that "
                           "the suite passes enforcement (emulated with "
                           "iptables) and fails its absence")
    _probe_options(frame)
    return p


def _probe_options(run: argparse.ArgumentParser) -> None:
    """The options of run and framecheck."""
    run.add_argument("--json", metavar="FILE",
                     help="write the summary as JSON ('-': stdout)")
    run.add_argument("--settle", type=float, default=10.0,
                     help="seconds a step may take to be realised "
                     "(default 10)")
    run.add_argument("--timeout", type=float, default=1.0,
                     help="seconds one probe waits (default 1)")
    run.add_argument("--parallel", type=int, default=64,
                     help="probes in flight at once (default 64)")
    run.add_argument("--protocols", type=_csv(str, model.PROTOCOLS),
                     default=list(model.PROTOCOLS))
    run.add_argument("--ports", type=_csv(int, model.PORTS),
                     default=list(model.PORTS))
    run.add_argument("--fail-fast", action="store_true",
                     help="stop at the first failing case")
    run.add_argument("-v", "--verbose", action="store_true",
                     help="print the truth tables of passing steps too")
    run.add_argument("--teardown", action="store_true",
                     help="delete the Namespaces and Pods afterwards")


def main(argv: list[str]) -> int:
    """Runs one subcommand; answers the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "list":
        chosen = select(args.patterns)
        for c in chosen:
            print(f"{c.name:48} {len(c.steps)} step(s)  {c.title}")
        for name, reason in cases_mod.SKIPPED:
            print(f"{name:48} skipped: {reason}")
        print(f"{len(chosen)} case(s), {len(cases_mod.SKIPPED)} skipped")
        return 0
    if args.command == "selftest":
        return selftest()
    if args.command in ("run", "framecheck") and (
            args.timeout <= 0 or args.settle < 0 or args.parallel < 1):
        print("netpol run: --timeout and --parallel must be positive, "
              "--settle not negative", file=sys.stderr)
        return 2
    from netpol import workload
    from sandbox import kube
    try:
        if args.command == "setup":
            workload.Workload().setup()
            return 0
        if args.command == "teardown":
            workload.Workload().teardown()
            return 0
        if args.command == "framecheck":
            from netpol import framecheck
            return framecheck.framecheck(Runner(args))
        selected = select(args.patterns)
        if not selected:
            print(f"netpol run: no case matches {args.patterns}",
                  file=sys.stderr)
            return 2
        runner = Runner(args)
        runner.prepare()
        summary = runner.run(selected)
        if args.teardown:
            runner.work.teardown()
    except (kube.KubeError, workload.WorkloadError, RuntimeError,
            OSError) as e:
        print(f"netpol {args.command}: {e}", file=sys.stderr)
        return 2
    text = json.dumps(summary, indent=2)
    if args.json == "-":
        print(text)
    elif args.json:
        pathlib.Path(args.json).write_text(text + "\n")
    failed = (f" ({', '.join(summary['failedCases'])})"
              if summary["failed"] else "")
    print(f"\nnetpol: {summary['passed']} passed, {summary['failed']} failed"
          f"{failed}, {len(summary['notRun'])} not run, "
          f"{len(summary['skipped'])} "
          f"skipped upstream cases, {summary['seconds']} s", flush=True)
    return 1 if summary["failed"] or summary["notRun"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
