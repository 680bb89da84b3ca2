#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of the AntreaAgentInfo and AntreaControllerInfo
objects (docs/monitoring.md) with a real agent, a real controller and a
real kube-apiserver.

In a network namespace "atest-crdinfo-PID" of its own
(tests/agent/agent_harness.py): etcd + kube-apiserver, the real
antrea-controller (self-signed certificate), OVS (userspace datapath) and
the real antrea-agent, whose antreaClientConnection points at the
controller.  Then:

1. The CRDs are not installed yet: each component logs one warning that
   names the missing CustomResourceDefinition, however many attempts
   fail meanwhile (retries with backoff, logged once per outage).
2. etc/manifests/parts/crds.yml is applied (kubectl): both objects appear
   (the backoff is at most 30 s) and each component logs that writing
   works again.
3. Their content is the components' state: the agent's Node, podCIDR,
   version, bridge, flow counts per table (the same tables antctl's
   agentinfo shows), no Pods, four conditions True with a recent
   heartbeat, the Pod MTU, the transport interface's MTU, apiPort and
   apiCABundle (the certificate its metrics port serves); the controller's version, API port, one
   connected agent, ControllerHealthy True.
4. With nothing changing, both are rewritten by the 60 s heartbeat (and
   not more than twice meanwhile).
5. Changes show within SOON seconds (the components check once a
   second; the period is 60 s): a Pod added through antrea-cni
   (localPodNum 1); a NetworkPolicy applied to it (networkPolicyNum 1 on
   both, the groups counted); ovsdb-server killed (OVSDBConnectionUp and
   AgentHealthy False, with a message) and started again (True); the
   controller stopped (ControllerConnectionUp False on the agent) and
   started again (True again, and the agent's
   antrea_agent_controlplane_watch_reconnects metric grew).

Root only, with the kube binaries and OVS (exit 77 otherwise); everything
made is removed at the end.  Environment: abs_top_builddir,
abs_top_srcdir, and ATEST_WRAPPER, a command the agent and the controller
run under (e.g. "valgrind --leak-check=full --error-exitcode=99"): both
must exit 0 on SIGTERM.
"""

import base64
import calendar
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from agent_harness import (  # noqa: E402
    BOUND, SRC, Harness, kube, sh, skip_unless_root_with_daemons, wait_for)
sys.path.insert(0, str(SRC / "tests" / "controller"))
import promtext  # noqa: E402
from controller_harness import (  # noqa: E402
    WRAPPER, agent_kubeconfig, controller_path, start_controller)

IP = "192.168.83.2"
NODE = "atest-crdinfo-node"
h = Harness.for_test("atest-crdinfo", IP, NODE)
check = h.check
NS = h.ns
ANTCTL = h.build / "core" / "antctl" / "antctl"
AGENT = h.build / "core" / "agent" / "antrea-agent"
CONTROLLER = controller_path(h.build)
CRDS = SRC / "etc" / "manifests" / "parts" / "crds.yml"
CIDR = "10.244.11.0/24"
PORT = 10349
# Seconds: "soon after a change" (the components check every second).
SOON = 10
AAI = "/apis/crd.antrea.io/v1beta1/antreaagentinfos"
ACI = "/apis/crd.antrea.io/v1beta1/antreacontrollerinfos"


def try_wait(fn, what, timeout):
    """wait_for() answering False instead of raising on a timeout."""
    try:
        return wait_for(fn, what, timeout)
    except RuntimeError:
        return False


def log_text(name):
    """The log of component 'name' ("agent" or "controller")."""
    path = h.run / f"{name}.log"
    return path.read_text() if path.exists() else ""


def condition(obj, kind, ctype):
    """The condition 'ctype' of 'obj' ('kind' is "agent" or
    "controller"), or {}."""
    for c in (obj or {}).get(f"{kind}Conditions", []):
        if c.get("type") == ctype:
            return c
    return {}


def recent(stamp, within=120):
    """True if RFC 3339 'stamp' is within 'within' seconds of now."""
    try:
        t = calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return False
    return abs(time.time() - t) <= within


def kubectl(kc, *args):
    """Runs kubectl with the admin kubeconfig in the namespace."""
    return sh(str(kube.kubectl_path()), "--kubeconfig", str(kc), *args,
              ns=NS)


def version_of(program):
    """The version a program's --version prints on its first line."""
    out = subprocess.run([str(program), "--version"], capture_output=True,
                         text=True, timeout=BOUND).stdout
    return out.splitlines()[0].split()[-1] if out else ""


def phase_no_crds():
    """Both components warn once, naming the missing CRD."""
    for name in ("agent", "controller"):
        warned = try_wait(lambda n=name: "CustomResourceDefinition"
                          in log_text(n), f"the {name}'s warning", BOUND)
        check(f"{name}: warns that the CRD is missing", warned,
              log_text(name)[-2000:])
    # Several attempts fail meanwhile (backoff from 0.8 s): still one line.
    time.sleep(5)
    for name in ("agent", "controller"):
        text = log_text(name)
        n = text.count("cannot write it")
        check(f"{name}: the outage is logged once", n == 1,
              f"{n} warnings:\n{text[-3000:]}")


def phase_install(kc, admin):
    """The CRDs are applied; both objects appear."""
    kubectl(kc, "apply", "-f", str(CRDS))
    kubectl(kc, "wait", "--for=condition=Established", "--timeout=60s",
            "crd/antreaagentinfos.crd.antrea.io",
            "crd/antreacontrollerinfos.crd.antrea.io")
    for path, name in ((f"{AAI}/{NODE}", "agent"),
                       (f"{ACI}/antrea-controller", "controller")):
        made = try_wait(lambda p=path: admin.get_or_none(p) is not None,
                        f"the {name}'s object", BOUND)
        check(f"{name}: its object appears once the CRD is installed",
              made)
        # It logs once the apiserver's answer is in: maybe just after.
        check(f"{name}: logs that writing works again",
              try_wait(lambda n=name: "written again after"
                       in log_text(n), f"the {name}'s notice", BOUND),
              log_text(name)[-2000:])


def phase_content(admin, ca):
    """What both objects hold, against the components' own answers."""
    aai = admin.get(f"{AAI}/{NODE}")
    check("agent: nodeRef is its Node",
          aai.get("nodeRef") == {"kind": "Node", "name": NODE},
          aai.get("nodeRef"))
    check("agent: nodeSubnets is its podCIDR",
          aai.get("nodeSubnets") == [CIDR], aai.get("nodeSubnets"))
    check("agent: version is the agent's", aai.get("version")
          == version_of(AGENT), f"{aai.get('version')} != "
          f"{version_of(AGENT)}")
    ovs = aai.get("ovsInfo", {})
    tables = ovs.get("flowTable", {})
    check("agent: ovsInfo names br-int", ovs.get("bridgeName") == "br-int",
          ovs)
    vswitchd = subprocess.run(["ovs-vswitchd", "--version"],
                              capture_output=True, text=True,
                              timeout=BOUND).stdout.split()
    check("agent: ovsInfo.version is the running ovs-vswitchd's",
          bool(vswitchd) and ovs.get("version") == vswitchd[-1],
          f"{ovs.get('version')} != {vswitchd}")
    check("agent: flow counts per table, all positive",
          tables and all(isinstance(n, int) and n > 0
                         for n in tables.values()), tables)
    r = subprocess.run(["ip", "netns", "exec", NS, str(ANTCTL), "-o",
                        "json", "get", "agentinfo"], capture_output=True,
                       text=True, timeout=BOUND,
                       env=dict(os.environ,
                                ANTCTL_AGENT_SOCKET=str(h.run /
                                                        "antctl.sock")))
    if r.returncode == 0:
        view = json.loads(r.stdout)
        check("agent: the same tables as antctl's agentinfo",
              set(view["ovsInfo"]["flowTable"]) == set(tables),
              f"{sorted(view['ovsInfo']['flowTable'])} vs {sorted(tables)}")
    else:
        check("antctl get agentinfo works", False, r.stderr)
    check("agent: no Pods yet", aai.get("localPodNum") == 0,
          aai.get("localPodNum"))
    net = aai.get("networkInfo", {})
    check("agent: podMTU given", net.get("podMTU", 0) > 0, net)
    ifname = net.get("transportInterface", "")
    r = subprocess.run(["ip", "-n", NS, "-j", "link", "show", ifname],
                       capture_output=True, text=True, timeout=BOUND)
    links = json.loads(r.stdout) if r.returncode == 0 and ifname else []
    check("agent: transportInterfaceMTU is its interface's MTU",
          links and net.get("transportInterfaceMTU") == links[0]["mtu"],
          f"{net} vs {links[:1]}")

    # apiCABundle is the certificate the agent's API (metrics) port shows.
    check("agent: apiPort is the default 10350", aai.get("apiPort") == 10350,
          aai.get("apiPort"))
    bundle = base64.b64decode(aai.get("apiCABundle", "")).decode()
    r = subprocess.run(["ip", "netns", "exec", NS, "openssl", "s_client",
                        "-connect", f"{IP}:10350", "-showcerts"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=BOUND)
    served = r.stdout[r.stdout.find("-----BEGIN CERTIFICATE-----"):
                      r.stdout.find("-----END CERTIFICATE-----") + 25]
    check("agent: apiCABundle is the certificate served on apiPort",
          served.startswith("-----BEGIN") and served.strip() == bundle.strip(),
          f"bundle {bundle[:80]!r}, served {served[:80]!r} {r.stderr[-300:]}")

    # The controller connection needs the watches synced: wait for it.
    try_wait(lambda: condition(admin.get(f"{AAI}/{NODE}"), "agent",
                               "ControllerConnectionUp").get("status")
             == "True", "ControllerConnectionUp", BOUND)
    aai = admin.get(f"{AAI}/{NODE}")
    for ctype in ("AgentHealthy", "ControllerConnectionUp",
                  "OVSDBConnectionUp", "OpenflowConnectionUp"):
        c = condition(aai, "agent", ctype)
        check(f"agent: {ctype} True with a recent heartbeat",
              c.get("status") == "True"
              and recent(c.get("lastHeartbeatTime")), c)

    aci = admin.get(f"{ACI}/antrea-controller")
    check("controller: version is the controller's",
          aci.get("version") == version_of(CONTROLLER), aci.get("version"))
    check("controller: apiPort", aci.get("apiPort") == PORT,
          aci.get("apiPort"))
    check("controller: serviceRef is the antrea Service",
          aci.get("serviceRef", {}).get("name") == "antrea",
          aci.get("serviceRef"))
    connected = try_wait(lambda: admin.get(f"{ACI}/antrea-controller")
                         .get("connectedAgentNum") == 1,
                         "connectedAgentNum 1", BOUND)
    aci = admin.get(f"{ACI}/antrea-controller")
    check("controller: one connected agent", connected,
          aci.get("connectedAgentNum"))
    c = condition(aci, "controller", "ControllerHealthy")
    check("controller: ControllerHealthy True with a recent heartbeat",
          c.get("status") == "True" and recent(c.get("lastHeartbeatTime")),
          c)
    check("controller: no policies yet",
          aci.get("networkPolicyControllerInfo", {})
          .get("networkPolicyNum") == 0, aci.get(
              "networkPolicyControllerInfo"))


def phase_heartbeat(admin):
    """With nothing changing, both objects are written again by the 60 s
    heartbeat, and not in a storm meanwhile."""
    paths = {"agent": f"{AAI}/{NODE}",
             "controller": f"{ACI}/antrea-controller"}
    kinds = {"agent": "AgentHealthy", "controller": "ControllerHealthy"}
    first, versions = {}, {name: set() for name in paths}
    for name, path in paths.items():
        obj = admin.get(path)
        first[name] = condition(obj, name, kinds[name]) \
            .get("lastHeartbeatTime")
        versions[name].add(obj["metadata"]["resourceVersion"])

    def beaten():
        done = True
        for name, path in paths.items():
            obj = admin.get(path)
            versions[name].add(obj["metadata"]["resourceVersion"])
            done &= condition(obj, name, kinds[name]) \
                .get("lastHeartbeatTime") != first[name]
        return done
    ok = try_wait(beaten, "the heartbeats", 90)
    for name in paths:
        check(f"{name}: the heartbeat rewrites the object (period 60 s)",
              ok, f"lastHeartbeatTime still {first[name]}")
        check(f"{name}: no write storm meanwhile",
              len(versions[name]) <= 3, f"{len(versions[name])} versions")


def phase_pod_and_policy(admin):
    """A Pod and a NetworkPolicy show on both objects soon."""
    sh("ip", "netns", "add", f"{NS}-web")
    r = h.cni("ADD", f"{NS}-web", "cafe" * 8, "web")
    if not check("CNI ADD web", r.returncode == 0, r.stderr + r.stdout):
        return
    check("agent: localPodNum 1 soon after the ADD",
          try_wait(lambda: admin.get(f"{AAI}/{NODE}").get("localPodNum")
                   == 1, "localPodNum 1", SOON),
          admin.get(f"{AAI}/{NODE}").get("localPodNum"))

    ip = json.loads(r.stdout)["ips"][0]["address"].split("/")[0]
    h.create_pod(admin, "default", "web", ip)
    admin.create("/apis/networking.k8s.io/v1/namespaces/default/"
                 "networkpolicies", {
                     "apiVersion": "networking.k8s.io/v1",
                     "kind": "NetworkPolicy",
                     "metadata": {"name": "web-ingress"},
                     "spec": {"podSelector": {"matchLabels": {"app": "web"}},
                              "ingress": [{"from": [{"podSelector": {}}],
                                           "ports": [{"port": 80}]}]}})

    def counts(path):
        return (admin.get(path).get("networkPolicyControllerInfo") or {})
    # The controller computes, the agent receives and installs: a
    # policy's chain, so a bound per hop.
    check("controller: networkPolicyNum 1 soon after the policy",
          try_wait(lambda: counts(f"{ACI}/antrea-controller")
                   .get("networkPolicyNum") == 1, "controller count", SOON),
          counts(f"{ACI}/antrea-controller"))
    check("agent: networkPolicyNum 1 soon after",
          try_wait(lambda: counts(f"{AAI}/{NODE}")
                   .get("networkPolicyNum") == 1, "agent count", 2 * SOON),
          counts(f"{AAI}/{NODE}"))
    got = counts(f"{AAI}/{NODE}")
    check("agent: one AppliedToGroup and one AddressGroup",
          got.get("appliedToGroupNum") == 1
          and got.get("addressGroupNum") == 1, got)


def phase_ovsdb(admin, ovs):
    """ovsdb-server killed: the agent says so soon; restarted: again."""
    p = h.procs.pop("ovsdb-server")
    p.send_signal(signal.SIGKILL)
    p.wait(10)
    (ovs / "db.sock").unlink(missing_ok=True)

    def status(ctype):
        return condition(admin.get(f"{AAI}/{NODE}"), "agent",
                         ctype).get("status")
    down = try_wait(lambda: status("OVSDBConnectionUp") == "False",
                    "OVSDBConnectionUp False", SOON)
    aai = admin.get(f"{AAI}/{NODE}")
    check("agent: OVSDBConnectionUp False soon after ovsdb-server died",
          down, condition(aai, "agent", "OVSDBConnectionUp"))
    c = condition(aai, "agent", "AgentHealthy")
    check("agent: AgentHealthy False, with a message",
          c.get("status") == "False" and c.get("message"), c)

    h.start_ovsdb_server()
    check("agent: OVSDBConnectionUp True again soon after the restart",
          try_wait(lambda: status("OVSDBConnectionUp") == "True"
                   and status("AgentHealthy") == "True",
                   "OVSDBConnectionUp True", BOUND),
          condition(admin.get(f"{AAI}/{NODE}"), "agent",
                    "OVSDBConnectionUp"))


def agent_status(admin, ctype):
    """The status of the agent's condition 'ctype' now."""
    return condition(admin.get(f"{AAI}/{NODE}"), "agent", ctype).get("status")


def check_agent_condition(admin, ctype, status, what, timeout):
    """Checks 'what': the agent's condition 'ctype' gets 'status' within
    'timeout' seconds."""
    check(what, try_wait(lambda: agent_status(admin, ctype) == status,
                         f"{ctype} {status}", timeout),
          condition(admin.get(f"{AAI}/{NODE}"), "agent", ctype))


def phase_controller_gone(admin):
    """The controller stopped: the agent says so soon."""
    h.stop_cleanly("controller")
    check_agent_condition(admin, "ControllerConnectionUp", "False",
                          "agent: ControllerConnectionUp False soon after "
                          "the controller stopped", SOON)
    check("the controller's object stays (its last word)",
          admin.get_or_none(f"{ACI}/antrea-controller") is not None)


def reconnects():
    """The agent's antrea_agent_controlplane_watch_reconnects, summed over
    the resources, scraped from its metrics port with the admin token
    (system:masters passes the SubjectAccessReview); None if the scrape
    fails."""
    token = (h.run / "kube" / "admin.token").read_text().strip()
    r = subprocess.run(["ip", "netns", "exec", NS, "curl", "-sk",
                        "--max-time", "30", "-H",
                        f"Authorization: Bearer {token}",
                        f"https://{IP}:10350/metrics"],
                       capture_output=True, text=True, timeout=BOUND)
    if r.returncode:
        return None
    family = promtext.parse(r.stdout).get(
        "antrea_agent_controlplane_watch_reconnects")
    return sum(v for _, v in family.series()) if family else None


def phase_controller_back(admin, kc, before):
    """The controller started again: the agent's watches reconnect by
    themselves and its reconnect counter says so ('before': its value
    while the controller was up)."""
    start_controller(h, kc, {"apiPort": PORT, "selfSignedCert": True})
    check_agent_condition(admin, "ControllerConnectionUp", "True",
                          "agent: ControllerConnectionUp True again after "
                          "the controller came back", BOUND)
    after = reconnects()
    check("agent: the control-plane watch reconnect counter grew",
          before is not None and after is not None and after > before,
          f"{before} -> {after}")


def body(run):
    h.setup_netns()
    kc = h.setup_control_plane(CIDR)
    admin = kube.Kube.from_kubeconfig(kc, netns=NS)
    ca = start_controller(h, kc, {"apiPort": PORT, "selfSignedCert": True})
    antrea_kc = agent_kubeconfig(h, admin, "crdinfo-agent", PORT, ca)
    ovs = h.setup_ovs()
    h.setup_agent(kc, antrea_kubeconfig=antrea_kc, wrapper=WRAPPER)

    phase_no_crds()
    phase_install(kc, admin)
    phase_content(admin, ca)
    phase_heartbeat(admin)
    phase_pod_and_policy(admin)
    phase_ovsdb(admin, ovs)
    before = reconnects()
    phase_controller_gone(admin)
    phase_controller_back(admin, kc, before)
    check("the agent is still running", h.procs["agent"].poll() is None)
    h.stop_cleanly("agent")


if __name__ == "__main__":
    skip_unless_root_with_daemons(ANTCTL, CONTROLLER, AGENT)
    sys.exit(h.run_test(body, logs=["controller.log", "agent.log"]))
