#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""End-to-end test of the controller's status page on the sandbox cluster
(docs/status-page.md).

`cluster up --nodes 2 --cni antrea` (geneve): the sandbox's
antrea-controller serves its page on 127.0.0.1:10348 inside the
control-plane namespace (the default bind address; an operator would
port-forward to it).  With one Pod per Node Running and a NetworkPolicy
applied to the Pod on the first Node, headless Chromium renders the page
from inside that namespace (tests/e2e/chromium_page.py) and the DOM
shows:

- a row for every real Node of the cluster, its agent healthy with a
  recent heartbeat, its Pod counted and flows installed;
- the cluster's health Healthy, no notice of unreadable objects;
- the NetworkPolicy with its span: the first Node only;
- the controller healthy, with every agent connected.

/status.json, fetched the same way, agrees; `cluster status-page` serves
it on this machine's loopback.  Exits 77 without chromium
or root.  Takes the sandbox lock (/tmp/antrea-sandbox.lock) unless
ANTREA_SANDBOX_LOCKED is set (run-e2e.sh holds it); brings the cluster
down at the end.
"""

import json
import os
import pathlib
import subprocess
import sys

E2E = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(E2E))

from sandbox import util  # noqa: E402
from test_sandbox import (  # noqa: E402
    CLUSTER, create_pod, wait_running)
import chromium_page  # noqa: E402
import e2e_main  # noqa: E402
import test_antrea as ta  # noqa: E402

PAGE_PORT = 10348
URL = f"http://127.0.0.1:{PAGE_PORT}/"
check = ta.check
failures = ta.failures

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: page-policy, namespace: default}
spec:
  podSelector: {matchLabels: {app: page-0}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: page-1}}
"""


def status_json(netns: str) -> dict:
    """The page's /status.json from inside 'netns', or {}."""
    r = subprocess.run(["ip", "netns", "exec", netns, "curl", "-sS",
                        "--max-time", "10", URL + "status.json"],
                       capture_output=True, text=True, timeout=30)
    try:
        return json.loads(r.stdout) if r.returncode == 0 else {}
    except ValueError:
        return {}


def body() -> None:
    info = e2e_main.cluster_up(check, "--nodes", "2", "--cni", "antrea",
                               "--tunnel", "geneve")
    cp = info["controlPlane"]["namespace"]
    nodes = [n["name"] for n in info["nodes"]]
    for i, node in enumerate(nodes):
        create_pod("default", f"page-{i}", node)
    for i, _ in enumerate(nodes):
        wait_running("default", f"page-{i}", timeout=120)
    p = subprocess.run(CLUSTER + ["kubectl", "apply", "-f", "-"],
                       input=POLICY, capture_output=True, text=True,
                       timeout=60)
    check(p.returncode == 0, "kubectl apply NetworkPolicy page-policy",
          p.stderr)

    # The agents report every 60 s and soon after a change: wait until
    # the page has every Node with its Pod, healthy, and the policy.
    def settled() -> bool:
        s = status_json(cp)
        agents = {a.get("node"): a for a in s.get("agents", [])}
        pols = [x for x in s.get("networkPolicies", [])
                if x.get("policyName") == "page-policy"]
        return (set(agents) == set(nodes)
                and all((a.get("localPodNum") or 0) >= 1
                        and a.get("ok") for a in agents.values())
                and len(pols) == 1 and pols[0].get("span") == [nodes[0]])
    try:
        util.wait_for(settled, 150, "the page to show every Node, its Pod "
                      "and the policy", interval=2)
    except Exception as e:  # noqa: BLE001
        check(False, "the page settles", f"{e}: "
              f"{json.dumps(status_json(cp))[:3000]}")

    dom = chromium_page.render(URL, netns=cp)
    check(dom.title == "Antrea cluster status", "Chromium rendered the page",
          dom.source[:500])
    for node in nodes:
        row = f"agent-{node}"
        text = dom.text(row) or ""
        heartbeat = dom.cell(row, "heartbeat") or ""
        check(dom.cell(row, "node") == node
              and dom.cell(row, "healthy") == "True"
              and heartbeat.endswith("s ago)"),
              f"{node}: a row, healthy, recent heartbeat", text)
        pods = (dom.cell(row, "pods") or "").split()
        flows = (dom.cell(row, "flows") or "").split()
        check(pods and pods[0].isdigit() and int(pods[0]) >= 1
              and flows and flows[0].isdigit() and int(flows[0]) > 0,
              f"{node}: its Pod counted and flows installed", text)
    health = dom.text("health") or ""
    check(health.startswith(f"Cluster health: Healthy – {len(nodes)} of "
                            f"{len(nodes)} agents healthy"),
          "the cluster is Healthy, every agent healthy",
          f"{health} / {dom.text('problems')}")
    check(not dom.has_id("source-antreaagentinfos")
          and not dom.has_id("source-antreacontrollerinfos"),
          "both kinds of info objects are read")
    policy = dom.text("policy-default-page-policy") or ""
    check(policy.startswith("default page-policy 1 / 0 ")
          and f" 1: {nodes[0]} " in policy
          and all(n not in policy for n in nodes[1:]),
          "the NetworkPolicy with its span (the first Node only)", policy)
    controller = dom.text("controller") or ""
    check("Healthy True" in controller
          and f"Connected agents {len(nodes)}" in controller,
          "the controller healthy, every agent connected", controller)

    s = status_json(cp)
    check(s.get("health", {}).get("status") == "Healthy"
          and s.get("totals", {}).get("agents") == len(nodes),
          "/status.json agrees", json.dumps(s)[:2000])

    forward_checks(nodes)


def forward_checks(nodes: list) -> None:
    """`cluster status-page` serves the same page on this machine's
    loopback: /status.json fetched through it names every Node."""
    port = 20000 + os.getpid() % 20000
    fwd = subprocess.Popen(CLUSTER + ["status-page", "--port", str(port),
                                      "--seconds", "60"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    try:
        banner = fwd.stdout.readline()
        check(f"http://127.0.0.1:{port}/" in banner,
              "cluster status-page says where the page is", banner)
        r = subprocess.run(["curl", "-sS", "--max-time", "10",
                            f"http://127.0.0.1:{port}/status.json"],
                           capture_output=True, text=True, timeout=30)
        try:
            s = json.loads(r.stdout)
        except ValueError:
            s = {}
        agents = {a.get("node") for a in s.get("agents", [])}
        check(agents == set(nodes), "cluster status-page forwards the "
              "page to this machine's loopback", r.stdout[:500] + r.stderr)
    finally:
        fwd.terminate()
        fwd.wait(timeout=15)


def main() -> int:
    missing = [] if chromium_page.chromium_path() else ["chromium"]
    return e2e_main.run("test_status_page", body, check, failures, missing)


if __name__ == "__main__":
    sys.exit(main())
