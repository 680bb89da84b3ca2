#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of antctl against a real agent and a real controller.

In a network namespace "atest-antctl-PID" of its own
(tests/agent/agent_harness.py): etcd + kube-apiserver, the real
antrea-controller (self-signed certificate), OVS (userspace datapath) and
the real antrea-agent, whose antreaClientConnection points at the
controller with a ServiceAccount token.  A Pod "web" gets an interface
through the real antrea-cni; the API holds it and a "client" Pod, and a
NetworkPolicy lets client reach web on TCP 80.  Then every antctl
command runs in every output format (table, json, yaml), in agent mode
(the agent's unix socket) and, for the controller's resources, in
controller mode (the admin kubeconfig's token, --server and --ca), and
the answers are checked against what was made: the Pod's interface
(name, IP, MAC, ofport as OVSDB has them), the policy and its groups,
flows per Pod, per policy and per table, a trace that ends in the web
Pod's port, log-level get and set, a support bundle with its files.
Last, a stopped agent and a stopped controller each give a clear error
naming the component, exit status 1, within a bound.

Root only, with the kube binaries and OVS (exit 77 otherwise); everything
made is removed at the end.  Environment: abs_top_builddir,
abs_top_srcdir.
"""

import json
import os
import pathlib
import subprocess
import sys
import tarfile
import time

import yaml

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SRC / "tests" / "agent"))
sys.path.insert(0, str(SRC / "tests" / "controller"))
from agent_harness import (  # noqa: E402
    BOUND, Harness, kube, skip_unless_root_with_daemons, wait_for)
from controller_harness import (  # noqa: E402
    ControllerApi, agent_kubeconfig, controller_path, start_controller)

IP = "192.168.81.2"
NODE = "atest-antctl-node"
h = Harness.for_test("atest-antctl", IP, NODE)
check = h.check
NS = h.ns
ANTCTL = h.build / "core" / "antctl" / "antctl"
CONTROLLER = controller_path(h.build)
CIDR = "10.244.9.0/24"
PORT = 10349
CLIENT_IP = "10.244.9.200"
FORMATS = ("table", "json", "yaml")


def antctl(*args, env=None, timeout=BOUND):
    """Runs antctl in the Node namespace; answers the CompletedProcess."""
    return subprocess.run(["ip", "netns", "exec", NS, str(ANTCTL), *args],
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def parsed(r, fmt):
    """The JSON or YAML output of 'r' as Python data (None if it does not
    parse)."""
    try:
        return json.loads(r.stdout) if fmt == "json" \
            else yaml.safe_load(r.stdout)
    except (ValueError, yaml.YAMLError):
        return None


def every_format(name, args, check_data, table_words, env=None):
    """Runs antctl 'args' with -o table, json and yaml: the data of json
    and yaml must satisfy check_data(data) (answers "" or what is wrong),
    the table must contain every word of 'table_words'."""
    for fmt in FORMATS:
        r = antctl("-o", fmt, *args, env=env)
        what = f"{name} -o {fmt}"
        if not check(f"{what}: exit 0", r.returncode == 0,
                     r.stderr + r.stdout):
            continue
        if fmt == "table":
            missing = [w for w in table_words if w not in r.stdout]
            check(f"{what}: shows {', '.join(table_words)}", not missing,
                  f"missing {missing} in:\n{r.stdout}")
        else:
            data = parsed(r, fmt)
            problem = "does not parse" if data is None else check_data(data)
            check(f"{what}: the right data", not problem,
                  f"{problem}:\n{r.stdout[:3000]}")


def start_agent(kc, antrea_kc):
    """Starts OVS and antrea-agent (the controller's kubeconfig);
    answers the agent's API socket."""
    h.setup_ovs()
    h.setup_agent(kc, antrea_kubeconfig=antrea_kc)
    sock = h.run / "antctl.sock"
    wait_for(lambda: sock.exists(), "the agent's API socket", BOUND)
    check("the API socket is mode 0600",
          (sock.stat().st_mode & 0o777) == 0o600, oct(sock.stat().st_mode))
    return sock


def body(run):
    h.setup_netns()
    kc = h.setup_control_plane(CIDR)
    admin = kube.Kube.from_kubeconfig(kc, netns=NS)
    ca = start_controller(h, kc, {"apiPort": PORT, "selfSignedCert": True},
                          wrapper=())
    ControllerApi(h, PORT, ca).wait_healthy()
    antrea_kc = agent_kubeconfig(h, admin, "antctl-agent", PORT, ca)
    sock = start_agent(kc, antrea_kc)
    agent_env = {"ANTCTL_AGENT_SOCKET": str(sock)}
    ctl_args = ["--mode", "controller", "-k", str(kc), "--server",
                f"https://{IP}:{PORT}", "--ca", str(ca)]

    # The web Pod: an interface through antrea-cni, then the API objects.
    h.sh("ip", "netns", "add", f"{NS}-web")
    r = h.cni("ADD", f"{NS}-web", "c0ffee" * 4, "web")
    check("CNI ADD web", r.returncode == 0, r.stderr + r.stdout)
    web_ip = json.loads(r.stdout)["ips"][0]["address"].split("/")[0]
    for pod, ip in (("web", web_ip), ("client", CLIENT_IP)):
        h.create_pod(admin, "default", pod, ip)
    admin.create("/apis/networking.k8s.io/v1/namespaces/default/"
                 "networkpolicies", {
                     "apiVersion": "networking.k8s.io/v1",
                     "kind": "NetworkPolicy",
                     "metadata": {"name": "allow-client"},
                     "spec": {"podSelector": {"matchLabels": {"app": "web"}},
                              "ingress": [{"from": [{"podSelector": {
                                  "matchLabels": {"app": "client"}}}],
                                  "ports": [{"port": 80}]}]}})

    def agent_has_policy():
        r = antctl("-o", "json", "get", "networkpolicy", env=agent_env)
        return r.returncode == 0 and len(json.loads(r.stdout)) == 1
    wait_for(agent_has_policy, "the policy on the agent", BOUND)
    np_name = json.loads(antctl("-o", "json", "get", "networkpolicy",
                                env=agent_env).stdout)[0]["metadata"]["name"]

    # version
    every_format("version (agent)", ["version"],
                 lambda d: "" if d.get("antctlVersion") and
                 d.get("agentVersion") else "no versions", ["antctlVersion"],
                 env=agent_env)
    every_format("version (controller)", ctl_args + ["version"],
                 lambda d: "" if d.get("controllerVersion") else
                 "no controllerVersion", ["controllerVersion"])

    # get agentinfo
    def agentinfo_ok(d):
        if d.get("nodeName") != NODE or d.get("nodeSubnet") != [CIDR]:
            return "wrong node or subnet"
        if d.get("localPodNum") != 1:
            return "localPodNum is not 1"
        if d["networkPolicyControllerInfo"]["networkPolicyNum"] != 1:
            return "networkPolicyNum is not 1"
        if not d["controllerConnection"]["connected"]:
            return "controller not connected"
        conds = {c["type"]: c["status"] for c in d["agentConditions"]}
        return "" if set(conds.values()) == {"True"} else f"conds {conds}"
    every_format("get agentinfo", ["get", "agentinfo"], agentinfo_ok,
                 [NODE, CIDR, "br-int"], env=agent_env)

    # get podinterface
    db = f"--db=unix:{h.ovs}/db.sock"
    name = h.sh("ovs-vsctl", db, "--bare", "--columns=name", "find", "Port",
                "external_ids:pod-name=web", ns=NS).strip()
    port = [name, h.sh("ovs-vsctl", db, "get", "Interface", name, "ofport",
                       ns=NS).strip()]
    mac = h.sh("ovs-vsctl", db, "get", "Port", name,
               "external_ids:attached-mac", ns=NS).strip().strip('"')

    def podif_ok(d):
        if len(d) != 1:
            return f"{len(d)} interfaces"
        p = d[0]
        want = {"podName": "web", "podNamespace": "default",
                "interfaceName": port[0], "ips": [web_ip], "mac": mac,
                "ofPort": int(port[1])}
        got = {k: p.get(k) for k in want}
        return "" if got == want else f"{got} != {want}"
    for args in (["get", "podinterface"], ["get", "pi", "-n", "default",
                                            "web"]):
        every_format(" ".join(args), args, podif_ok,
                     ["web", web_ip, mac, port[0]], env=agent_env)
    r = antctl("get", "podinterface", "-n", "default", "nope", env=agent_env)
    check("get podinterface of an unknown Pod: exit 1 naming it",
          r.returncode == 1 and "nope" in r.stderr, r.stderr)

    # get networkpolicy / appliedtogroup / addressgroup, both modes
    def np_ok(d):
        items = d if isinstance(d, list) else [d]
        if len(items) != 1:
            return f"{len(items)} policies"
        np = items[0]
        ref = np.get("sourceRef", {})
        if ref.get("name") != "allow-client" or np["metadata"]["name"] \
                != np_name:
            return "wrong policy"
        rule = np["rules"][0]
        if rule["direction"] != "In" or rule["services"] != [
                {"protocol": "TCP", "port": 80}]:
            return f"wrong rule {rule}"
        return ""

    def group_ok(member):
        def ok(d):
            items = d if isinstance(d, list) else [d]
            members = [m for g in items for m in g.get("groupMembers", [])]
            found = any(member(m) for m in members)
            return "" if len(items) == 1 and found else f"{items}"
        return ok

    atg_ok = group_ok(lambda m: m.get("pod", {}).get("name") == "web")
    ag_ok = group_ok(lambda m: CLIENT_IP in m.get("ips", []))
    for mode, extra, env in (("agent", [], agent_env),
                             ("controller", ctl_args, None)):
        every_format(f"get networkpolicy ({mode})",
                     extra + ["get", "networkpolicy"], np_ok,
                     [np_name, "allow-client"], env=env)
        every_format(f"get networkpolicy NAME ({mode})",
                     extra + ["get", "netpol", np_name], np_ok, [np_name],
                     env=env)
        every_format(f"get appliedtogroup ({mode})",
                     extra + ["get", "appliedtogroup"], atg_ok, ["web"],
                     env=env)
        every_format(f"get addressgroup ({mode})",
                     extra + ["get", "ag"], ag_ok, [CLIENT_IP], env=env)
        r = antctl(*extra, "get", "networkpolicy", "no-such", env=env)
        check(f"get networkpolicy no-such ({mode}): exit 1, 404",
              r.returncode == 1 and "no-such" in r.stderr
              and "404" in r.stderr, r.stderr)
    r = antctl("-o", "json", *ctl_args, "get", "networkpolicy")
    spans = [np.get("spanMeta", {}).get("nodeNames")
             for np in json.loads(r.stdout or "[]")]
    check("controller mode: the policy's span is the Node", spans == [[NODE]],
          str(spans))

    # get controllerinfo
    def ci_ok(d):
        if not d.get("version"):
            return "no version"
        if d.get("connectedAgentNum") != 1:
            return f"connectedAgentNum {d.get('connectedAgentNum')}"
        counts = d["networkPolicyControllerInfo"]
        return "" if counts["networkPolicyNum"] == 1 else f"{counts}"
    every_format("get controllerinfo", ctl_args + ["get", "controllerinfo"],
                 ci_ok, ["VERSION", "CONNECTED-AGENTS"])
    r = antctl("get", "controllerinfo", env=agent_env)
    check("get controllerinfo without a controller config: a clear error",
          r.returncode == 1 and "controller" in r.stderr, r.stderr)

    # get ovsflows: all, per Pod, per policy, per table
    def flows_ok(pred, what):
        def ok(d):
            if not d:
                return "no flows"
            bad = [f["flow"] for f in d if not pred(f)]
            return f"not {what}: {bad[:3]}" if bad else ""
        return ok
    every_format("get ovsflows", ["get", "ovsflows"],
                 flows_ok(lambda f: True, "any"), ["FLOW", "table="],
                 env=agent_env)
    every_format("get ovsflows -p web", ["get", "of", "-n", "default", "-p",
                                         "web"],
                 flows_ok(lambda f: web_ip in f["flow"] or mac in f["flow"]
                          or f"in_port={port[1]}" in f["flow"]
                          or f"output:{port[1]}" in f["flow"]
                          or f"0x{int(port[1]):x}" in f["flow"],
                          "the Pod's"), [web_ip], env=agent_env)
    every_format("get ovsflows --networkpolicy",
                 ["get", "ovsflows", "--networkpolicy", np_name],
                 flows_ok(lambda f: "conj" in f["flow"], "conjunctive"),
                 ["conj"], env=agent_env)
    every_format("get ovsflows -T IngressRule",
                 ["get", "ovsflows", "-T", "IngressRule"],
                 flows_ok(lambda f: f["table"] == 90, "table 90"),
                 ["IngressRule"], env=agent_env)
    r = antctl("get", "ovsflows", "-T", "NoSuchTable", env=agent_env)
    check("get ovsflows -T NoSuchTable: exit 1 naming it",
          r.returncode == 1 and "NoSuchTable" in r.stderr, r.stderr)

    # trace-packet: client -> web on TCP 80 from the gateway
    for fmt in FORMATS:
        r = antctl("-o", fmt, "trace-packet", "-p", "antrea-gw0", "-S",
                   CLIENT_IP, "-D", "default/web", "-f", "tcp,tcp_dst=80",
                   env=agent_env)
        text = r.stdout if fmt == "table" else \
            (parsed(r, fmt) or {}).get("result", "")
        check(f"trace-packet -o {fmt}: ofproto/trace reaches the web Pod",
              r.returncode == 0
              and f"output port is {port[1]}" in text,
              r.stderr + text[-2000:])
    r = antctl("trace-packet", "-S", "default/nope", env=agent_env)
    check("trace-packet from an unknown Pod: exit 1 naming it",
          r.returncode == 1 and "nope" in r.stderr, r.stderr)

    # log-level
    r = antctl("log-level", env=agent_env)
    check("log-level: info", r.returncode == 0
          and r.stdout.strip() == "info", r.stdout + r.stderr)
    for fmt in ("json", "yaml"):
        r = antctl("-o", fmt, "log-level", "dbg", env=agent_env)
        check(f"log-level dbg -o {fmt}",
              r.returncode == 0 and (parsed(r, fmt) or {}).get("level")
              == "dbg", r.stdout + r.stderr)
    r = antctl("log-level", "loud", env=agent_env)
    check("log-level loud: refused naming it",
          r.returncode == 1 and "loud" in r.stderr, r.stderr)
    antctl("log-level", "info", env=agent_env)

    # supportbundle
    out = run / "bundle"
    out.mkdir()
    for fmt in FORMATS:
        r = antctl("-o", fmt, "supportbundle", "-d", str(out),
                   env=agent_env, timeout=200)
        check(f"supportbundle -o {fmt}: exit 0", r.returncode == 0,
              r.stderr)
    files = list(out.glob("*.tar"))
    names = []
    if check("supportbundle: one tarball", len(files) == 1, str(files)):
        with tarfile.open(files[0]) as tar:
            names = tar.getnames()
            flows = tar.extractfile("flows.json").read()
            routes = tar.extractfile("routes.txt").read().decode()
    want = {"agentinfo.json", "flows.json", "networkpolicies.json",
            "config/agent.conf", "logs/antrea-agent.log", "ovsdb-dump.txt",
            "routes.txt", "iptables.txt", "errors.txt"}
    check("supportbundle: logs, config, flows, OVSDB, routes, iptables",
          want <= set(names), f"missing {want - set(names)}")
    if names:
        check("supportbundle: the flows and routes are real",
              b"table=" in flows and "antrea-gw0" in routes, routes[:500])

    # Down components: clear errors, bounded.
    h.stop("agent")
    start = time.monotonic()
    r = antctl("get", "agentinfo", env=agent_env, timeout=BOUND)
    check("stopped agent: exit 1 naming antrea-agent and the socket",
          r.returncode == 1 and "antrea-agent" in r.stderr
          and str(sock) in r.stderr, r.stderr)
    check("stopped agent: answered within 10 s",
          time.monotonic() - start < 10, f"{time.monotonic() - start:.1f}")
    h.stop("controller")
    start = time.monotonic()
    r = antctl(*ctl_args, "get", "controllerinfo", timeout=BOUND)
    check("stopped controller: exit 1 naming antrea-controller and URL",
          r.returncode == 1 and "antrea-controller" in r.stderr
          and f"{IP}:{PORT}" in r.stderr, r.stderr)
    check("stopped controller: answered within 10 s",
          time.monotonic() - start < 10, f"{time.monotonic() - start:.1f}")
    r = antctl(*ctl_args, "version")
    check("version with the controller stopped: the client version, "
          "then an error", r.returncode == 1 and "antctlVersion" in r.stdout
          and "antrea-controller" in r.stderr, r.stdout + r.stderr)


if __name__ == "__main__":
    skip_unless_root_with_daemons(ANTCTL, CONTROLLER,
                                  h.build / "core/agent/antrea-agent")
    sys.exit(h.run_test(body, logs=["controller.log", "agent.log"]))
