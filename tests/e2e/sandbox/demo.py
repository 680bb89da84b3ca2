"""The quickstart's demo: Pods in two namespaces and their connectivity.

Creates a web server Pod and a client Pod in each of the namespaces
demo-a and demo-b, waits until they run, and prints who can open a TCP
connection to whom, measured with real connections from inside each
Pod's network namespace.  `policy` then applies a NetworkPolicy (demo-b's
web server accepts connections only from its own namespace), waits until
the cluster enforces it and prints the matrix again.  Run as
`python3 -m sandbox.demo [create|matrix|policy]` from tests/e2e on a
running sandbox cluster.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from sandbox import cluster
from sandbox import kube
from sandbox import util

NAMESPACES = ("demo-a", "demo-b")
PODS = ("web", "client")
PORT = 80

# A tiny TCP server that accepts and closes: enough to prove reachability
# without depending on any program but the host's Python.
_SERVER = ("import socket\n"
           "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, "
           "socket.SO_REUSEADDR, 1)\n"
           f"s.bind(('0.0.0.0', {PORT})); s.listen(64)\n"
           "while True:\n"
           "    c, _ = s.accept(); c.close()\n")


def _pod(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace,
                     "labels": {"app": name, "demo": "true"}},
        "spec": {"containers": [{
            "name": "main", "image": "sandbox/python",
            "command": ["/usr/bin/python3", "-c", _SERVER],
            "ports": [{"containerPort": PORT, "protocol": "TCP"}]}]},
    }


def create(admin: kube.Kube) -> dict[str, dict[str, Any]]:
    """Creates the demo Pods (idempotent) and waits until they run."""
    for ns in NAMESPACES:
        admin.create(kube.api_path("namespaces"), {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"ns": ns}}}, exist_ok=True)
        for name in PODS:
            admin.create(kube.api_path("pods", namespace=ns),
                         _pod(ns, name), exist_ok=True)
    pods = {}
    for ns in NAMESPACES:
        for name in PODS:
            def running(ns=ns, name=name):
                pod = admin.get(kube.api_path("pods", name, namespace=ns))
                status = pod.get("status", {})
                return (pod if status.get("phase") == "Running"
                        and status.get("podIP") else None)
            pods[f"{ns}/{name}"] = util.wait_for(
                running, 60, f"Pod {ns}/{name} to run", interval=0.5)
    return pods


def can_connect(src_netns: str, ip: str) -> bool:
    """Opens a TCP connection to ip:PORT from inside src_netns."""
    probe = ("import socket, sys\n"
             f"s = socket.create_connection(('{ip}', {PORT}), timeout=2)\n"
             "s.close()\n")
    p = subprocess.run(["ip", "netns", "exec", src_netns,
                        "/usr/bin/python3", "-c", probe],
                       capture_output=True, timeout=10)
    return p.returncode == 0


def matrix(pods: dict[str, dict[str, Any]]) -> str:
    """The connectivity matrix as text: rows are sources, columns
    destinations, '.' reachable, 'X' not."""
    names = sorted(pods)
    width = max(len(n) for n in names)
    lines = [" " * (width + 4) + " ".join(f"{j:>2}"
                                         for j in range(len(names)))]
    for i, src in enumerate(names):
        ns, name = src.split("/")
        src_netns = cluster.pod_netns(ns, name)
        cells = [" ." if can_connect(src_netns, pods[dst]["status"]["podIP"])
                 else " X" for dst in names]
        lines.append(f"{src:<{width}} {i:>2} " + " ".join(cells))
    legend = [f"  {i:>2} = {n} ({pods[n]['status']['podIP']} on "
              f"{pods[n]['spec']['nodeName']})" for i, n in enumerate(names)]
    return "\n".join(lines + ["", *legend,
                              "  '.' = TCP connection to port 80 opened, "
                              "'X' = refused or timed out"])


# The demo's NetworkPolicy: demo-b/web accepts only Pods of demo-b.
POLICY = {
    "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
    "metadata": {"name": "web-from-own-namespace", "namespace": "demo-b"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "web"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"podSelector": {}}],
                     "ports": [{"protocol": "TCP", "port": PORT}]}],
    },
}

# How long the policy may take to be enforced on every Node.
POLICY_TIMEOUT = 30.0


def apply_policy(admin: kube.Kube, pods: dict[str, dict[str, Any]]) -> float:
    """Creates POLICY and waits until demo-a's Pods can no longer reach
    demo-b/web while demo-b/client still can; answers the seconds it
    took.  Raises RuntimeError if it is not enforced in time."""
    path = kube.api_path("networkpolicies", namespace="demo-b",
                         group="networking.k8s.io", version="v1")
    t0 = time.monotonic()
    admin.create(path, POLICY, exist_ok=True)
    web_ip = pods["demo-b/web"]["status"]["podIP"]
    blocked = cluster.pod_netns("demo-a", "client")
    allowed = cluster.pod_netns("demo-b", "client")
    while time.monotonic() - t0 < POLICY_TIMEOUT:
        if not can_connect(blocked, web_ip) and can_connect(allowed, web_ip):
            return time.monotonic() - t0
        time.sleep(0.5)
    raise RuntimeError(f"NetworkPolicy demo-b/{POLICY['metadata']['name']} "
                       f"not enforced after {POLICY_TIMEOUT:g} s")


def main(argv: list[str]) -> int:
    """`create`: creates the demo Pods; `matrix` (default): also prints
    their connectivity matrix; `policy`: applies the demo NetworkPolicy
    and prints the matrix under it."""
    admin = cluster.admin_client()
    pods = create(admin)
    if argv and argv[0] == "policy":
        try:
            took = apply_policy(admin, pods)
        except RuntimeError as e:
            print(f"demo: {e}", file=sys.stderr)
            return 1
        print(f"NetworkPolicy demo-b/{POLICY['metadata']['name']} (demo-b's "
              f"web accepts TCP {PORT} only from demo-b) enforced after "
              f"{took:.1f} s:")
        print(matrix(pods))
    elif not argv or argv[0] != "create":
        print(matrix(pods))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
