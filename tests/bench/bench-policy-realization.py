#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""NetworkPolicy realisation time on the sandbox cluster (issue 5).

Starts `cluster up --nodes N --cni antrea` (or uses the running cluster
with --reuse), creates one Pod per Node labelled app=bench, then creates
NetworkPolicies one at a time.  Policy i selects app=bench (so its span is
every Node) and allows ingress from ipBlock 10.200.i.0/24 only, a CIDR no
other policy uses: it is realised on a Node when that Node's bridge has an
IngressRule flow matching nw_src=10.200.i.0/24.  The time from the
create request to the moment every Node has the flow is the policy's
realisation time: the controller's watch of the Kubernetes API, its
computation, its watch to each agent, the agent's flow computation and the
OpenFlow bundle.  Prints p50, p90, p99 and max over the policies.

The Nodes' flow tables are polled with ovs-ofctl every few milliseconds,
so figures include up to one poll interval (printed) of measurement error.
Needs root.  Usage:
  sudo /usr/bin/python3 tests/bench/bench-policy-realization.py \\
      [--policies 100] [--nodes 2] [--build _build/plain] [--reuse]
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

TOP = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TOP / "tests" / "e2e"))

from sandbox import cluster as sbx  # noqa: E402
from sandbox import kube  # noqa: E402
from sandbox import topology  # noqa: E402
from sandbox import util  # noqa: E402

CLUSTER = [str(TOP / "tests" / "e2e" / "cluster")]
NAMESPACE = "bench"
TIMEOUT = 30.0                  # seconds one policy may take


def sh(argv, **kw):
    """Runs argv, raising with its output on failure."""
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600,
                       **kw)
    if p.returncode:
        raise RuntimeError(f"{' '.join(argv)}: {p.stdout}{p.stderr}")
    return p.stdout


def flows(i: int) -> str:
    """Node i's IngressRule flows."""
    env = dict(os.environ, **topology.node_env(i, sbx.run_dir()))
    return subprocess.run(["ip", "netns", "exec", f"asbx-node{i}",
                           "ovs-ofctl", "dump-flows", "br-int", "table=90"],
                          capture_output=True, text=True, env=env,
                          timeout=30).stdout


def policy(i: int) -> dict:
    """Policy i: app=bench accepts ingress only from 10.200.i.0/24."""
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"bench-{i}", "namespace": NAMESPACE},
            "spec": {"podSelector": {"matchLabels": {"app": "bench"}},
                     "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"ipBlock": {
                         "cidr": f"10.200.{i}.0/24"}}]}]}}


def setup_pods(admin: kube.Kube, nodes: int) -> None:
    """The bench Namespace and one app=bench Pod per Node, Running."""
    admin.create(kube.api_path("namespaces"), {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": NAMESPACE}}, exist_ok=True)
    for i in range(1, nodes + 1):
        admin.create(kube.api_path("pods", namespace=NAMESPACE), {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"p{i}", "namespace": NAMESPACE,
                         "labels": {"app": "bench"}},
            "spec": {"nodeName": sbx.node_name(i), "containers": [{
                "name": "main", "image": "sandbox/none",
                "command": ["sleep", "3600"]}]}}, exist_ok=True)
    for i in range(1, nodes + 1):
        def running(i=i):
            pod = admin.get(kube.api_path("pods", f"p{i}",
                                          namespace=NAMESPACE))
            st = pod.get("status", {})
            return st.get("phase") == "Running" and st.get("podIP")
        util.wait_for(running, 60, f"Pod {NAMESPACE}/p{i}", interval=0.2)


def measure(admin: kube.Kube, n_policies: int, nodes: int) -> list[float]:
    """Creates the policies one by one; answers their realisation times
    in ms."""
    path = kube.api_path("networkpolicies", namespace=NAMESPACE,
                         group="networking.k8s.io", version="v1")
    for old in admin.list(path):         # a previous --reuse run's
        admin.delete(path + "/" + old["metadata"]["name"])
    times = []
    polls = []
    for i in range(n_policies):
        want = f"nw_src=10.200.{i}.0/24"
        t0 = time.monotonic()
        admin.create(path, policy(i))
        pending = set(range(1, nodes + 1))
        while pending:
            t_poll = time.monotonic()
            pending = {n for n in pending if want not in flows(n)}
            polls.append(time.monotonic() - t_poll)
            if time.monotonic() - t0 > TIMEOUT:
                raise RuntimeError(f"policy bench-{i} not realised on "
                                   f"Nodes {sorted(pending)} after "
                                   f"{TIMEOUT:g} s")
        times.append((time.monotonic() - t0) * 1000)
    print(f"poll interval (one ovs-ofctl dump per pending Node): "
          f"median {statistics.median(polls) * 1000:.1f} ms")
    return times


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policies", type=int, default=100)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--build", default=None,
                    help="build tree (default: as `cluster up` finds it)")
    ap.add_argument("--reuse", action="store_true",
                    help="use the running cluster; leave it up")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench-policy-realization: needs root", file=sys.stderr)
        return 77
    if not args.reuse:
        if sbx.load_state():
            print("a sandbox cluster is running: `cluster down` first, or "
                  "--reuse", file=sys.stderr)
            return 2
        up = CLUSTER + ["up", "--nodes", str(args.nodes), "--cni", "antrea"]
        if args.build:
            up += ["--build-dir", args.build]
        sh(up)
    try:
        admin = sbx.admin_client()
        setup_pods(admin, args.nodes)
        times = measure(admin, args.policies, args.nodes)
        print(json.dumps({
            "policies": len(times), "nodes": args.nodes,
            "p50_ms": round(pct(times, 50), 1),
            "p90_ms": round(pct(times, 90), 1),
            "p99_ms": round(pct(times, 99), 1),
            "max_ms": round(max(times), 1)}))
    finally:
        if not args.reuse:
            sh(CLUSTER + ["down"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
