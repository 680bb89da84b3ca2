#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""End-to-end test of the Prometheus metrics on the sandbox cluster
(docs/metrics.md).

`cluster up --nodes 2 --cni antrea` (geneve) makes a ServiceAccount
kube-system/antrea-metrics-scraper whose ClusterRole grants get on the
non-resource URL /metrics (sandbox/cluster.py).  With one Pod per Node
Running, curl, from inside each Node's namespace, scrapes that Node's
agent at https://NODE_IP:10350/metrics, and from inside asbx-cp the
controller's API server at /metrics:

- without a token: 401; with the antrea-agent ServiceAccount's token
  (no /metrics grant): 403; with the scraper's token: 200 and the text
  format (tests/agent/promtext.py) with every metric docs/metrics.md
  lists for that daemon;
- each agent: its Pod counted, the ADD histogram's count at least one,
  OVSDB and OpenFlow up, flows in table 0, its three controller watches
  synced;
- the controller: two connected agents.

Takes the sandbox lock (/tmp/antrea-sandbox.lock) unless
ANTREA_SANDBOX_LOCKED is set (run-e2e.sh holds it); brings the cluster
down at the end.  Needs root and a build tree (as `cluster up` finds it;
exit 77 otherwise).
"""

import pathlib
import subprocess
import sys

E2E = pathlib.Path(__file__).resolve().parent
SRC = E2E.parents[1]
sys.path.insert(0, str(E2E))
sys.path.insert(0, str(SRC / "tests" / "agent"))

from sandbox import util  # noqa: E402
from test_sandbox import create_pod, wait_running  # noqa: E402
import e2e_main  # noqa: E402
import promtext  # noqa: E402
import test_antrea as ta  # noqa: E402

AGENT_PORT = 10350
check = ta.check
failures = ta.failures


def curl(ns: str, url: str, token: str = "", ca: str = ""):
    """GET url from inside netns 'ns'; answers (status, body)."""
    argv = ["ip", "netns", "exec", ns, "curl", "-sS", "--max-time", "20",
            "-o", "-", "-w", "\n%{http_code}"]
    argv += ["--cacert", ca] if ca else ["-k"]
    if token:
        argv += ["-H", f"Authorization: Bearer {token}"]
    r = subprocess.run(argv + [url], capture_output=True, text=True,
                       timeout=60)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


def scrape_checks(who: str, ns: str, url: str, prefix: str, tokens: dict,
                  ca: str = "") -> dict:
    """The 401/403/200 checks and the format; answers the families."""
    status, body = curl(ns, url, ca=ca)
    check(status == 401, f"{who}: no token: 401", f"{status} {body}")
    status, body = curl(ns, url, tokens["agent"], ca)
    check(status == 403, f"{who}: a token without the /metrics grant: 403",
          f"{status} {body}")
    status, body = curl(ns, url, tokens["scraper"], ca)
    if not check(status == 200, f"{who}: the scraper's token: 200",
                 f"{status} {body}"):
        return {}
    try:
        fams = promtext.parse(body)
    except ValueError as e:
        check(False, f"{who}: text format 0.0.4", str(e))
        return {}
    docs = promtext.documented(prefix)
    missing = promtext.missing(fams, docs)
    check(docs and not missing, f"{who}: every documented metric",
          str(missing))
    return fams


def body() -> None:
    info = e2e_main.cluster_up(check, "--nodes", "2", "--cni", "antrea",
                               "--tunnel", "geneve")
    kube_dir = pathlib.Path(info["runDir"]) / "kube"
    tokens = {
        "scraper": (kube_dir / "sa-kube-system-antrea-metrics-scraper.token")
        .read_text().strip(),
        "agent": (kube_dir / "sa-kube-system-antrea-agent.token")
        .read_text().strip(),
    }
    for i, node in enumerate(info["nodes"]):
        create_pod("default", f"met-{i}", node["name"])
    for i, _ in enumerate(info["nodes"]):
        wait_running("default", f"met-{i}", timeout=120)

    hist = "antrea_agent_cni_request_duration_seconds"
    for node in info["nodes"]:
        who = f"agent on {node['name']}"
        url = f"https://{node['ip']}:{AGENT_PORT}/metrics"

        def synced():
            status, text = curl(node["namespace"], url, tokens["scraper"])
            if status != 200:
                return False
            f = promtext.parse(text)
            return f["antrea_agent_controlplane_watches_synced"].value() == 3
        try:
            util.wait_for(synced, 60, f"{who}: watches synced", interval=1)
        except Exception as e:  # noqa: BLE001
            check(False, f"{who}: three controller watches synced", str(e))
        m = scrape_checks(who, node["namespace"], url, "antrea_agent_",
                          tokens)
        if not m:
            continue
        check(m["antrea_agent_local_pod_count"].value() >= 1,
              f"{who}: its Pod counted",
              str(m["antrea_agent_local_pod_count"].samples))
        check((m[hist].value("_count", command="ADD") or 0) >= 1,
              f"{who}: CNI ADD latency observed")
        check(m["antrea_agent_ovsdb_connection_up"].value() == 1
              and m["antrea_agent_openflow_connection_up"].value() == 1,
              f"{who}: OVSDB and OpenFlow up")
        check((m["antrea_agent_ovs_flow_count"].value(table_id="0") or 0) > 0,
              f"{who}: flows in table 0")

    ctl = info["controller"]
    m = scrape_checks("controller", info["controlPlane"]["namespace"],
                      f"{ctl['url']}/metrics", "antrea_controller_", tokens,
                      ca=ctl["caCert"])
    if m:
        check(m["antrea_controller_connected_agents"].value()
              == len(info["nodes"]), "controller: every agent connected",
              str(m["antrea_controller_connected_agents"].samples))


def main() -> int:
    return e2e_main.run("test_metrics", body, check, failures)


if __name__ == "__main__":
    sys.exit(main())
