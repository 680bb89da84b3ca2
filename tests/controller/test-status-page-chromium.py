#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""The controller's status page (docs/status-page.md) rendered by headless
Chromium, against a real antrea-controller and a real kube-apiserver.

In a network namespace "atest-page-PID" of its own
(tests/agent/agent_harness.py): etcd + kube-apiserver and the real
antrea-controller with its status page on 127.0.0.1 (the default bind
address; the namespace's own loopback).  Then, each time reading the DOM
Chromium rendered (tests/e2e/chromium_page.py):

1. The CRDs are not installed: the page says that
   antreaagentinfos.crd.antrea.io is not installed and that it retries;
   the cluster's health is Unknown; /status.json says the same.
2. etc/manifests/parts/crds.yml is applied, two AntreaAgentInfos are
   created through the apiserver (one healthy Node with Pods and flows,
   one whose OVSDB connection is down, its condition message holding
   markup), and a Namespace, two Pods on the first Node and a
   NetworkPolicy selecting one of them.  The page shows both Nodes with
   their Pod and flow counts and health, the problem of the second,
   health Degraded, and the policy with its span (the first Node only);
   the markup in the message is text, not elements; /status.json holds
   the same data.
3. The page answers 405 to a POST, and SIGTERM stops the controller
   cleanly (exit 0).

Exits 77 unless root with the kube binaries, the controller and chromium;
everything made is removed at the end.  Environment: abs_top_builddir,
abs_top_srcdir, and ATEST_WRAPPER, a command the controller runs under
(e.g. "valgrind --leak-check=full --error-exitcode=99": its exit code is
checked).
"""

import http.client
import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from controller_harness import (  # noqa: E402
    controller_path, start_controller)
from agent_harness import (  # noqa: E402
    BOUND, SRC, Harness, kube, sh, skip_unless_root_with_daemons, wait_for)
sys.path.insert(0, str(SRC / "tests" / "e2e"))
import chromium_page  # noqa: E402

IP = "192.168.84.2"
NODE_A = "atest-page-node-a"
NODE_B = "atest-page-node-b"
h = Harness.for_test("atest-page", IP, NODE_A)
check = h.check
NS = h.ns
CONTROLLER = controller_path(h.build)
CRDS = SRC / "etc" / "manifests" / "parts" / "crds.yml"
CIDR = "10.244.12.0/24"
PAGE_PORT = 10348
URL = f"http://127.0.0.1:{PAGE_PORT}/"
AAI = "/apis/crd.antrea.io/v1beta1/antreaagentinfos"
HOSTILE = "<script>document.title='owned'</script><b>down</b>"


def skip_unless_possible():
    """Exits 77 unless root with kube-apiserver, the controller and
    chromium."""
    skip_unless_root_with_daemons(CONTROLLER, ovs=False)
    if not chromium_page.chromium_path():
        print("SKIP: missing chromium (Debian's chromium package)")
        sys.exit(77)


def page_get(path, method="GET"):
    """Answers (status, body text) of 'path' of the page, from inside
    the namespace."""
    c = http.client.HTTPConnection("127.0.0.1", PAGE_PORT, timeout=10)
    with kube.enter_netns(NS):
        c.connect()
    try:
        c.request(method, path)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def status_json():
    """Answers /status.json, or {} if the page does not answer yet."""
    try:
        status, text = page_get("/status.json")
    except OSError:
        return {}
    return json.loads(text) if status == 200 else {}


def stamp(ago=0):
    """An RFC 3339 UTC time 'ago' seconds ago."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - ago))


def agent_info(node, pods, flows, ovsdb_message=None):
    """An AntreaAgentInfo for 'node' with 'pods' local Pods and 'flows'
    flows in two tables; OVSDB down with 'ovsdb_message' if given."""
    now = stamp()
    up = ovsdb_message is None
    conditions = [
        {"type": "AgentHealthy", "status": "True" if up else "False",
         "lastHeartbeatTime": now},
        {"type": "OVSDBConnectionUp", "status": "True" if up else "False",
         "lastHeartbeatTime": now},
        {"type": "OpenflowConnectionUp", "status": "True",
         "lastHeartbeatTime": now},
    ]
    if not up:
        conditions[1].update(reason="Disconnected", message=ovsdb_message)
    return {"apiVersion": "crd.antrea.io/v1beta1", "kind": "AntreaAgentInfo",
            "metadata": {"name": node}, "version": "v0.1-page-test",
            "nodeRef": {"kind": "Node", "name": node},
            "nodeSubnets": ["10.244.12.0/24"],
            "ovsInfo": {"version": "3.1.0", "bridgeName": "br-int",
                        "flowTable": {"Classification": flows - 3,
                                      "IngressRule": 3}},
            "networkPolicyControllerInfo": {"networkPolicyNum": 1,
                                            "addressGroupNum": 1,
                                            "appliedToGroupNum": 1},
            "localPodNum": pods, "agentConditions": conditions}


def body(run):
    h.setup_netns()
    kc = h.setup_control_plane(CIDR)
    admin = kube.Kube.from_kubeconfig(kc, netns=NS)

    start_controller(h, kc, {"statusPagePort": PAGE_PORT}, ca_out=None)

    # 1. No CRDs: the page says so.
    def crd_reported_missing():
        src = status_json().get("sources", {}).get("antreaagentinfos", {})
        return src.get("crdMissing") is True
    wait_for(crd_reported_missing, "the page to report the missing CRD",
             BOUND)
    dom = chromium_page.render(URL, netns=NS)
    notice = dom.text("source-antreaagentinfos") or ""
    check("no CRD: the page names the CRD that is not installed",
          "antreaagentinfos.crd.antrea.io is not installed" in notice
          and "HTTP 404" in notice and "Retrying" in notice, notice)
    check("no CRD: health Unknown",
          (dom.text("health") or "").startswith("Cluster health: Unknown"),
          dom.text("health"))
    check("no CRD: the page is titled", dom.title ==
          "Antrea cluster status", dom.title)

    # 2. CRDs, AgentInfos and a policy.
    sh(str(kube.kubectl_path()), "--kubeconfig", str(kc), "apply", "-f",
       str(CRDS), ns=NS)
    sh(str(kube.kubectl_path()), "--kubeconfig", str(kc), "wait",
       "--for=condition=Established", "--timeout=60s",
       "crd/antreaagentinfos.crd.antrea.io",
       "crd/antreacontrollerinfos.crd.antrea.io", ns=NS)
    admin.create(AAI, agent_info(NODE_A, 2, 17))
    admin.create(AAI, agent_info(NODE_B, 0, 9, HOSTILE))
    h.create_namespace(admin, "pagex")
    for pod, ip in (("web", "10.244.12.10"), ("client", "10.244.12.11")):
        h.create_pod(admin, "pagex", pod, ip)
    admin.create("/apis/networking.k8s.io/v1/namespaces/pagex/"
                 "networkpolicies",
                 {"apiVersion": "networking.k8s.io/v1",
                  "kind": "NetworkPolicy",
                  "metadata": {"name": "allow-client", "namespace": "pagex"},
                  "spec": {"podSelector": {"matchLabels": {"app": "web"}},
                           "ingress": [{"from": [{"podSelector": {
                               "matchLabels": {"app": "client"}}}]}]}})

    def everything_shown():
        s = status_json()
        agents = {a.get("node") for a in s.get("agents", [])}
        policies = s.get("networkPolicies", [])
        return (agents == {NODE_A, NODE_B} and len(policies) == 1
                and policies[0].get("span") == [NODE_A])
    wait_for(everything_shown, "the page to show the agents and the policy",
             BOUND)

    dom = chromium_page.render(URL, netns=NS)
    row_a = dom.text(f"agent-{NODE_A}") or ""
    row_b = dom.text(f"agent-{NODE_B}") or ""
    check("Node A's row: name, healthy, 2 Pods, 17 flows",
          row_a.startswith(f"{NODE_A} True ") and " 2 17 " in row_a,
          row_a)
    check("Node B's row: not healthy, 0 Pods, 9 flows, the OVSDB message",
          row_b.startswith(f"{NODE_B} False ") and " 0 9 " in row_b
          and "OVSDBConnectionUp: False" in row_b and HOSTILE in row_b,
          row_b)
    check("markup from the cluster stays text (no script or b element)",
          "script" not in dom.tags and "b" not in dom.tags
          and dom.title == "Antrea cluster status",
          f"{sorted(dom.tags)} title={dom.title!r}")
    health = dom.text("health") or ""
    check("health Degraded, 1 of 2 agents healthy, 2 Pods, 26 flows, "
          "1 NetworkPolicy",
          health.startswith("Cluster health: Degraded – 1 of 2 agents "
                            "healthy, 2 Pods, 26 flows, 1 NetworkPolicies"),
          health)
    problems = dom.text("problems") or ""
    check("the problem names Node B and its condition",
          f"agent on Node {NODE_B}: AgentHealthy is False" in problems,
          problems)
    check("the CRD notice is gone", not dom.has_id("source-antreaagentinfos"))
    policy = dom.text("policy-pagex-allow-client") or ""
    check("the policy's row: namespace, name, 1 ingress rule, span Node A",
          policy.startswith("pagex allow-client 1 / 0 ")
          and f" 1: {NODE_A} " in policy and NODE_B not in policy, policy)
    controller = dom.text("controller") or ""
    check("the controller: 1 NetworkPolicy computed",
          "NetworkPolicies 1 " in controller, controller)

    s = status_json()
    a = {x["node"]: x for x in s.get("agents", [])}
    check("/status.json: the same counts",
          a.get(NODE_A, {}).get("flowCount") == 17
          and a.get(NODE_A, {}).get("localPodNum") == 2
          and a.get(NODE_B, {}).get("healthy") == "False"
          and s.get("health", {}).get("status") == "Degraded"
          and s.get("networkPolicies", [{}])[0].get("policyName")
          == "allow-client", json.dumps(s)[:2000])

    # 3. Read-only; a clean stop.
    status, _ = page_get("/", "POST")
    check("POST: 405", status == 405, str(status))
    h.stop_cleanly("controller")


if __name__ == "__main__":
    skip_unless_possible()
    sys.exit(h.run_test(body, logs=["controller.log"]))
