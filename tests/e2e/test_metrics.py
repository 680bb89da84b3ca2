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

import fcntl
import json
import os
import pathlib
import re
import subprocess
import sys
import time

E2E = pathlib.Path(__file__).resolve().parent
SRC = E2E.parents[1]
sys.path.insert(0, str(E2E))
sys.path.insert(0, str(SRC / "tests" / "agent"))

from sandbox import util  # noqa: E402
from test_sandbox import cluster, create_pod, wait_running  # noqa: E402
import promtext  # noqa: E402

AGENT_PORT = 10350
LOCK = "/tmp/antrea-sandbox.lock"
failures: list[str] = []


def check(ok: bool, what: str, detail: str = "") -> bool:
    print(("PASS " if ok else "FAIL ") + what + ("" if ok else f": {detail}"),
          flush=True)
    if not ok:
        failures.append(what)
    return ok


def documented(prefix: str) -> dict:
    """{name: type} of docs/metrics.md's table rows for 'prefix'."""
    text = (SRC / "docs" / "metrics.md").read_text()
    return dict(re.findall(rf"^\| `({prefix}[a-z0-9_]+)` \| (\w+) \|", text,
                           re.M))


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
    docs = documented(prefix)
    missing = {n: t for n, t in docs.items()
               if n not in fams or fams[n].type != t}
    check(docs and not missing, f"{who}: every documented metric",
          str(missing))
    return fams


def body() -> None:
    t0 = time.monotonic()
    cluster("up", "--nodes", "2", "--cni", "antrea", "--tunnel", "geneve",
            timeout=900)
    check(True, f"cluster up ({time.monotonic() - t0:.0f} s)")
    info = json.loads(cluster("info").stdout)
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
    if os.geteuid() != 0:
        print("test_metrics: needs root", file=sys.stderr)
        return 77
    lock = None
    if not os.environ.get("ANTREA_SANDBOX_LOCKED"):
        lock = open(LOCK, "a")
        print(f"waiting for the sandbox lock {LOCK}", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        if util.run_dir().joinpath("state.json").exists():
            print("test_metrics: a sandbox is already up; not touching it",
                  file=sys.stderr)
            return 1
        try:
            body()
        except Exception as e:  # noqa: BLE001
            check(False, "test ran to completion", f"{type(e).__name__}: {e}")
        finally:
            down = cluster("down", check_rc=False, timeout=300)
            check(down.returncode == 0, "cluster down", down.stderr)
    finally:
        if lock:
            lock.close()
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
