#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of antrea-agent's Prometheus metrics (docs/metrics.md).

In a network namespace atest-metrics-PID of its own (agent_harness.py):
etcd + kube-apiserver, ovsdb-server + ovs-vswitchd (userspace datapath)
and antrea-agent, whose metrics server listens on apiPort (10350) over
HTTPS with delegated authentication.  Two ServiceAccounts: one whose
ClusterRole grants get on the non-resource URL /metrics, one with nothing.
Then, with curl inside the namespace:

- /healthz answers without a token; /metrics answers 401 without a token
  and with a bad one, 403 for the ServiceAccount without the grant, 200
  for the one with it;
- the answer is the text format 0.0.4 (promtext.py: HELP/TYPE, cumulative
  buckets ending with +Inf equal to _count), with exactly the metrics
  docs/metrics.md lists for the agent, each with its type;
- the OVSDB and OpenFlow connection gauges are 1, flows are counted per
  table (nonzero, and their sum is the total);
- after three CNI ADDs and one DEL (the real antrea-cni) the ADD
  histogram's count grew by three, DEL's by one, and the local Pod count
  is two; a failing ADD counts as a failure;
- the Node watch's reconnect counter exists at 0;
- ovs-vswitchd stopped, the OpenFlow gauge drops to 0 (OVSDB stays 1) and
  comes back to 1 when it is started again; the same for ovsdb-server and
  the OVSDB gauge;
- the agent stops cleanly (exit 0; under ATEST_WRAPPER too).

Root only, with the kube binaries and OVS (exit 77 otherwise); everything
made is removed at the end.  Environment: abs_top_builddir,
abs_top_srcdir, ANTREA_PLUGIN_PATH, and ATEST_WRAPPER, a command the agent
runs under (e.g. "valgrind --leak-check=full --error-exitcode=99"): it
must exit with 0.
"""

import os
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from agent_harness import (  # noqa: E402
    Harness, kube, sh, skip_unless_root_with_daemons, wait_for)
import promtext  # noqa: E402

IP = "192.168.78.2"
NODE = "atest-metrics-node"
h = Harness.for_test("atest-metrics", IP, NODE)
NS = h.ns
check = h.check
PODS = [f"{NS}-p{i}" for i in range(1, 4)]
POD_CIDR = "10.10.3.0/24"
PORT = 10350
URL = f"https://{IP}:{PORT}"

HIST = "antrea_agent_cni_request_duration_seconds"


def curl(path, token=None):
    """GET URL+path inside the Node namespace (certificate not verified:
    it is self-signed; the test is about the answers).  Answers (status,
    body)."""
    argv = ["ip", "netns", "exec", NS, "curl", "-sk", "--max-time", "30",
            "-o", "-", "-w", "\n%{http_code}", URL + path]
    if token:
        argv[6:6] = ["-H", f"Authorization: Bearer {token}"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


def scrape(token):
    """The parsed metrics (raises if the answer is not 200 and valid)."""
    status, body = curl("/metrics", token)
    if status != 200:
        raise RuntimeError(f"/metrics: {status} {body}")
    return promtext.parse(body)


def gauge(token, name):
    """The value of the unlabelled gauge 'name' now."""
    return scrape(token)[name].value()


def ovs_connections(run, token):
    """ovs-vswitchd, then ovsdb-server, stopped and started again: each
    connection gauge drops to 0 and comes back to 1."""
    of, db = ("antrea_agent_openflow_connection_up",
              "antrea_agent_ovsdb_connection_up")

    h.stop("ovs-vswitchd")
    wait_for(lambda: gauge(token, of) == 0, "OpenFlow gauge 0", 30)
    check("ovs-vswitchd stopped: OpenFlow gauge 0, OVSDB still 1",
          gauge(token, db) == 1)
    h.start_ovs_vswitchd()
    wait_for(lambda: gauge(token, of) == 1, "OpenFlow gauge 1", 60)
    check("ovs-vswitchd back: OpenFlow gauge 1", True)

    h.stop("ovsdb-server")
    wait_for(lambda: gauge(token, db) == 0, "OVSDB gauge 0", 30)
    check("ovsdb-server stopped: OVSDB gauge 0", True)
    h.start_ovsdb_server()
    wait_for(lambda: gauge(token, db) == 1, "OVSDB gauge 1", 60)
    check("ovsdb-server back: OVSDB gauge 1", True)


def main(run):
    h.setup(run, POD_CIDR)
    wrapper = os.environ.get("ATEST_WRAPPER", "").split()
    if wrapper:
        # Again, under the wrapper (e.g. valgrind) from the start.
        h.stop("agent")
        h.agent_argv = wrapper + h.agent_argv
        h.start_agent()
    kc = run / "kube" / "admin.kubeconfig"
    admin = kube.Kube.from_kubeconfig(kc, netns=NS)
    kube.service_account_kubeconfig(
        run, "kube-system", "metrics-reader",
        [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}], kube=admin)
    kube.service_account_kubeconfig(run, "kube-system", "metrics-nobody",
                                    [], kube=admin)
    token = (run / "kube" / "sa-kube-system-metrics-reader.token") \
        .read_text().strip()
    nobody = (run / "kube" / "sa-kube-system-metrics-nobody.token") \
        .read_text().strip()

    wait_for(lambda: curl("/healthz")[0] == 200, "the metrics server", 60)
    check("/healthz without a token: 200", curl("/healthz") == (200, "ok"))
    status, body = curl("/metrics")
    check("/metrics without a token: 401", status == 401, f"{status} {body}")
    status, body = curl("/metrics", "not-a-token")
    check("/metrics with a bad token: 401", status == 401,
          f"{status} {body}")
    status, body = curl("/metrics", nobody)
    check("/metrics for a ServiceAccount without RBAC: 403",
          status == 403, f"{status} {body}")
    status, body = curl("/nothing", token)
    check("another path: 404", status == 404, f"{status} {body}")

    before = scrape(token)
    docs = promtext.documented("antrea_agent_")
    check("docs/metrics.md lists agent metrics", len(docs) >= 10, str(docs))
    missing = promtext.missing(before, docs)
    check("every documented agent metric, with its type", not missing,
          str(missing))
    undocumented = [n for n in before if n not in docs]
    check("every agent metric is documented", not undocumented,
          str(undocumented))
    wait_for(lambda: scrape(token)["antrea_agent_openflow_connection_up"]
             .value() == 1, "the OpenFlow connection gauge", 30)
    m = scrape(token)
    check("OVSDB connection gauge is 1",
          m["antrea_agent_ovsdb_connection_up"].value() == 1)
    tables = m["antrea_agent_ovs_flow_count"].series()
    total = m["antrea_agent_ovs_total_flow_count"].value()
    check("flows counted per table, nonzero",
          tables and total > 0 and sum(v for _, v in tables) == total
          and all(set(lab) == {"table_id"} for lab, _ in tables),
          f"{tables} total {total}")
    check("Classifier (table 0) has flows",
          (m["antrea_agent_ovs_flow_count"].value(table_id="0") or 0) > 0)
    check("the Node watch's reconnect counter exists",
          m["antrea_agent_k8s_watch_reconnects"].value(resource="nodes")
          is not None)
    adds0 = m[HIST].value("_count", command="ADD")
    dels0 = m[HIST].value("_count", command="DEL")
    fails0 = m["antrea_agent_cni_request_failures"].value(command="ADD")

    for i, p in enumerate(PODS):
        sh("ip", "netns", "add", p)
        r = h.cni("ADD", p, f"cid-{i}", f"pod-{i}")
        check(f"ADD pod-{i}", r.returncode == 0, r.stdout + r.stderr)
    r = h.cni("DEL", PODS[0], "cid-0", "pod-0")
    check("DEL pod-0", r.returncode == 0, r.stdout + r.stderr)
    r = h.cni("ADD", f"{NS}-nonexistent", "cid-bad", "pod-bad")
    check("ADD into a missing netns fails", r.returncode != 0, r.stdout)

    m = scrape(token)
    adds = m[HIST].value("_count", command="ADD")
    check("the ADD histogram counted the four ADDs",
          adds == adds0 + 4, f"{adds0} -> {adds}")
    check("the DEL histogram counted the DEL",
          m[HIST].value("_count", command="DEL") == dels0 + 1)
    check("the ADD latency sum is positive",
          m[HIST].value("_sum", command="ADD") > 0)
    fails = m["antrea_agent_cni_request_failures"].value(command="ADD")
    check("the failed ADD counts as a failure", fails == fails0 + 1,
          f"{fails0} -> {fails}")
    check("two local Pods", m["antrea_agent_local_pod_count"].value() == 2,
          str(m["antrea_agent_local_pod_count"].samples))
    after_total = m["antrea_agent_ovs_total_flow_count"].value()
    check("Pods added flows", after_total > total,
          f"{total} -> {after_total}")

    ovs_connections(run, token)

    agent = h.procs.get("agent")
    h.stop("agent")
    check("the agent stops cleanly (exit 0)", agent.returncode == 0,
          str(agent.returncode))


if __name__ == "__main__":
    skip_unless_root_with_daemons()
    if not subprocess.run(["which", "curl"], capture_output=True) \
            .returncode == 0:
        print("SKIP: needs curl")
        sys.exit(77)
    sys.exit(h.run_test(main))
