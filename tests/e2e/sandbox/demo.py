"""The quickstart's demo: Pods in two namespaces and their connectivity.

Creates a web server Pod and a client Pod in each of the namespaces
demo-a and demo-b, waits until they run, and prints who can open a TCP
connection to whom, measured with real connections from inside each
Pod's network namespace.  Run as `python3 -m sandbox.demo [create|matrix]`
from tests/e2e on a running sandbox cluster.
"""

from __future__ import annotations

import subprocess
import sys
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


def main(argv: list[str]) -> int:
    """`create`: creates the demo Pods; `matrix` (default): also prints
    their connectivity matrix."""
    admin = cluster.admin_client()
    pods = create(admin)
    if not argv or argv[0] != "create":
        print(matrix(pods))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
