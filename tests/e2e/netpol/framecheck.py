# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Proof on the cluster that the suite tells enforcement from its absence.

`netpol.py framecheck` runs the case default-deny-ingress twice, expecting
its NetworkPolicy each time: once with the policy emulated by iptables
DROP rules in the INPUT chain of x's Pods (TCP and UDP, ports 80 and 81;
traffic a Pod sends itself, on lo, is left alone) on top of the policy
itself, and once with the policy in the model only, not in the cluster,
so that nothing enforces it whatever the CNI.  The first must pass, the
second must fail with exactly the denied cells as mismatches, each a
connection that was made; a probe of a dropped cell must report a
timeout.  So a passing suite means real
blocked connections were observed, and a failing one names the right
cells, whatever the CNI does.  The rules live in the Pods' own network
namespaces and are always removed.
"""

from __future__ import annotations

import subprocess
from typing import Any

from netpol import cases as cases_mod
from netpol import model

IPTABLES = "iptables-legacy"


def _rules(port: int, proto: str) -> list[str]:
    """One DROP rule's match and target."""
    return ["INPUT", "!", "-i", "lo", "-p", proto.lower(), "--dport",
            str(port), "-j", "DROP"]


def _iptables(netns: str, op: str, rule: list[str], check: bool) -> None:
    """iptables-legacy -OP RULE inside netns."""
    p = subprocess.run(["ip", "netns", "exec", netns, IPTABLES, op, *rule],
                       capture_output=True, text=True, timeout=30)
    if check and p.returncode:
        raise RuntimeError(f"{IPTABLES} {op} {' '.join(rule)} in {netns}: "
                           f"{p.stderr.strip()}")


def emulate(runner: Any, on: bool) -> None:
    """Adds (on) or removes the DROP rules in x's Pods."""
    for pod in model.ALL_PODS:
        if not pod.startswith("x/"):
            continue
        for port in model.PORTS:
            for proto in model.PROTOCOLS:
                _iptables(runner.work.netns[pod], "-I" if on else "-D",
                          _rules(port, proto), check=on)


def framecheck(runner: Any) -> int:
    """Runs the two checks; answers the exit status."""
    case = next(c for c in cases_mod.CASES if c.name == "default-deny-ingress")
    runner.prepare()
    failures = []
    try:
        emulate(runner, True)
        print("--- with the policy emulated by iptables in x's Pods: the "
              "case must pass", flush=True)
        res = runner.run_case(case)
        if not res["passed"]:
            failures.append("the emulated policy did not pass")
        for cell in (("y/a", "x/a", 80, "TCP"), ("z/b", "x/c", 81, "UDP")):
            seen = runner.prober.one(cell).detail
            if seen != "timeout":
                failures.append(f"probe {cell} through a DROP rule saw "
                                f"{seen!r}, not a timeout")
    finally:
        emulate(runner, False)
    runner.reset()
    print("--- without enforcement: the case must fail on exactly the "
          "cells into x", flush=True)
    res = runner.run_case(case, model_only=True)
    got = {(m["client"], m["server"], m["port"], m["protocol"]): m
           for s in res["steps"] for m in s.get("mismatches", [])}
    want = {(c, s, port, proto) for c in model.ALL_PODS for s in model.ALL_PODS
            if s.startswith("x/") and c != s
            for port, proto in runner.combos}
    if res["passed"] or set(got) != want:
        failures.append(f"without enforcement the mismatches were "
                        f"{len(got)} cells, want the {len(want)} into x")
    if any(m["observed"] != "ok" for m in got.values()):
        failures.append("a mismatch without enforcement was not a made "
                        "connection")
    runner.work.reset()
    for f in failures:
        print(f"FAIL framecheck: {f}")
    print("framecheck: " + ("FAILED" if failures else
                            "the suite passes real enforcement and fails "
                            "its absence"))
    return 1 if failures else 0
