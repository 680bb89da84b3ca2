#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of the agent with trafficEncryptionMode: ipsec.

The same real daemons as tests/agent/test-agent-datapath.py (set up by
agent_harness.py in a network namespace atest-ipsec-PID of its own), the
agent configured for encap/geneve with IPsec.  No IKE daemon runs: this
test is about what the agent puts into OVS (tests/e2e/test_ipsec.py runs
strongSwan).  Checks:
  - without ANTREA_IPSEC_PSK the agent refuses to start and says why;
  - with a key: one IPsec tunnel port per peer Node (geneve, remote_ip the
    peer's InternalIP, psk, dst_port, Port external_ids antrea-type and
    node-name) and a Classifier flow for each; an IPsec port left from an
    earlier run for a Node that no longer exists is deleted;
  - the Pod MTU is 1500 - Geneve (50) - ESP (38) = 1412 (on antrea-gw0);
  - a new Node gets a port, a deleted Node's port and flow go, a Node
    whose IP changes gets its port re-created with the new remote_ip;
  - a restart with another key updates every port's psk;
  - the agent log never holds a key.
Root only (exit 77 otherwise); everything it made is removed at the end.
Environment: abs_top_builddir, abs_top_srcdir, ANTREA_PLUGIN_PATH, and
ATEST_WRAPPER, a command the agent runs under (e.g. "valgrind
--leak-check=full --error-exitcode=99"): the agent must then exit with 0
when stopped at the end.
"""

import json
import os
import pathlib
import re
import signal
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from agent_harness import (  # noqa: E402
    Harness, kube, sh, skip_unless_root_with_daemons, wait_for)

PID = os.getpid()
IP = "192.168.83.2"
NODE = "atest-ipsec-node"
h = Harness.for_test("atest-ipsec", IP, NODE)
NS = h.ns
BUILD = h.build
check = h.check
POD_CIDR = "10.10.7.0/24"
PSK = f"itest-psk-{PID}"
PSK2 = f"itest-other-psk-{PID}"
# Peer Nodes: name -> (InternalIP, podCIDR).
PEERS = {"peer-b": ("192.168.83.12", "10.10.8.0/24"),
         "peer-c": ("192.168.83.13", "10.10.9.0/24")}
GENEVE_PORT = "6081"
EXPECTED_MTU = 1500 - 50 - 38
WRAPPER = os.environ.get("ATEST_WRAPPER", "").split()
# Waits take longer under a wrapper such as valgrind.
SLOW = 5 if WRAPPER else 1


def vsctl(*args):
    """ovs-vsctl against the test's OVS."""
    return sh("ovs-vsctl", f"--db=unix:{h.ovs}/db.sock", *args, ns=NS)


def ipsec_ports():
    """{node-name: {"port", "type", "options", "ofport"}} of the ports
    with external_ids antrea-type=ipsec-tunnel."""
    ports = json.loads(vsctl("--format=json",
                             "--columns=name,external_ids", "list", "Port"))
    out = {}
    for name, ids in ports["data"]:
        pairs = dict(ids[1])
        if pairs.get("antrea-type") != "ipsec-tunnel":
            continue
        iface = json.loads(vsctl("--format=json",
                                 "--columns=type,options,ofport", "find",
                                 "Interface", f"name={name}"))["data"]
        typ, opts, ofport = iface[0] if iface else ("", ["map", []], -1)
        out[pairs.get("node-name", "")] = {"port": name, "type": typ,
                                           "options": dict(opts[1]),
                                           "ofport": ofport}
    return out


def classifier_ofports():
    """The in_port of every Classifier (table 0) flow."""
    flows = sh("ovs-ofctl", "dump-flows", f"unix:{h.ovs}/br-int.mgmt",
               "--no-names", "table=0", ns=NS)
    return {int(m.group(1)) for m in re.finditer(r"in_port=(\d+)", flows)}


def port_ok(ports, peer, ip, psk):
    """True if 'peer' has a port as the agent should make it."""
    p = ports.get(peer)
    return bool(p) and p["type"] == "geneve" and p["options"] == {
        "remote_ip": ip, "psk": psk, "dst_port": GENEVE_PORT}


def start_agent(run, cfg, psk):
    """Starts the agent with 'psk' (None: no key) in its environment."""
    env = dict(os.environ, NODE_NAME=NODE, OVS_RUNDIR=str(h.ovs))
    env.pop("ANTREA_IPSEC_PSK", None)
    if psk is not None:
        env["ANTREA_IPSEC_PSK"] = psk
    h.agent_env = env
    h.agent_argv = WRAPPER + [str(BUILD / "core/agent/antrea-agent"),
                              "--config", str(cfg)]
    h.start_agent()


def node_object(name, ip, cidr):
    """A Node with 'cidr' and InternalIP 'ip'."""
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "spec": {"podCIDR": cidr},
            "status": {"addresses": [{"type": "InternalIP",
                                      "address": ip}]}}


def set_node_ip(k, name, ip):
    """Changes Node 'name''s InternalIP."""
    k.patch(kube.api_path("nodes", name, subresource="status"),
            {"status": {"addresses": [{"type": "InternalIP",
                                       "address": ip}]}}, "strategic")


def stop_agent_checked(when):
    """Stops the agent (SIGTERM) and checks that it exits with 0, as it
    must under ATEST_WRAPPER (valgrind's error exit code otherwise)."""
    agent = h.procs.pop("agent")
    agent.send_signal(signal.SIGTERM)
    try:
        rc = agent.wait(60)
    except subprocess.TimeoutExpired:
        agent.kill()
        rc = agent.wait(10)
    check(f"{when}: the agent under {WRAPPER[0]} exits with 0", rc == 0,
          f"exit {rc}; see {h.run / 'agent.log'}")


def main(run):
    """Setup, the missing key, ports, Node changes, a new key."""
    h.run = run
    h.setup_netns()
    kc = h.setup_control_plane(POD_CIDR)
    k = kube.Kube.from_kubeconfig(kc, netns=NS)
    for name, (ip, cidr) in PEERS.items():
        k.create("/api/v1/nodes", node_object(name, ip, cidr))
        set_node_ip(k, name, ip)
    h.setup_ovs()
    cfg = h.write_agent_conf(kc, extra="trafficEncryptionMode: ipsec\n")
    log = run / "agent.log"

    # No key: a clear refusal.
    start_agent(run, cfg, None)
    try:
        h.procs["agent"].wait(30 * SLOW)
    except Exception:  # noqa: BLE001 - still running: a failure below
        pass
    rc = h.procs["agent"].poll()
    text = log.read_text() if log.exists() else ""
    check("without ANTREA_IPSEC_PSK the agent exits with an error",
          rc not in (None, 0), f"rc {rc}")
    check("... and says the key is not set",
          "ANTREA_IPSEC_PSK is not set" in text, text[-2000:])
    h.stop("agent")

    # A port left by an earlier run for a Node that is gone.
    vsctl("--may-exist", "add-br", "br-int", "--", "set", "Bridge",
          "br-int", "datapath_type=netdev", "--", "add-port", "br-int",
          "ipsec-deadbeef", "--", "set", "Interface", "ipsec-deadbeef",
          "type=geneve", "options:remote_ip=192.168.83.99",
          "options:psk=old", "--", "set", "Port", "ipsec-deadbeef",
          "external_ids:antrea-type=ipsec-tunnel",
          "external_ids:node-name=gone-node")

    start_agent(run, cfg, PSK)
    wait_for(lambda: (run / "cni.sock").exists(), "the CNI socket",
             30 * SLOW)
    wait_for(lambda: sorted(ipsec_ports()) == sorted(PEERS)
             and "Node list applied" in log.read_text(),
             "one IPsec port per peer", 30 * SLOW)
    ports = ipsec_ports()
    for peer, (ip, _) in PEERS.items():
        check(f"{peer}: IPsec port with remote_ip {ip}, psk, dst_port",
              port_ok(ports, peer, ip, PSK), ports.get(peer))
    check("the stale port of a gone Node is deleted",
          "gone-node" not in ports and "ipsec-deadbeef" not in
          vsctl("list-ports", "br-int"), ports)
    wait_for(lambda: {p["ofport"] for p in ipsec_ports().values()}
             <= classifier_ofports(), "the Classifier flows", 10 * SLOW)
    check("a Classifier flow per IPsec port",
          {p["ofport"] for p in ports.values()} <= classifier_ofports(),
          f"{ports} {classifier_ofports()}")
    mtu = sh("ip", "-o", "link", "show", "antrea-gw0", ns=NS)
    check(f"the Pod MTU is {EXPECTED_MTU} (Geneve and ESP off 1500)",
          f" mtu {EXPECTED_MTU} " in mtu
          and f"MTU {EXPECTED_MTU}," in log.read_text(), mtu)

    # A new Node, a deleted Node, a changed IP.
    gone_ofport = ports["peer-c"]["ofport"]
    k.create("/api/v1/nodes", node_object("peer-d", "192.168.83.14",
                                          "10.10.10.0/24"))
    set_node_ip(k, "peer-d", "192.168.83.14")
    k.delete(kube.api_path("nodes", "peer-c"))
    set_node_ip(k, "peer-b", "192.168.83.22")
    want = {"peer-b": "192.168.83.22", "peer-d": "192.168.83.14"}

    def settled():
        p = ipsec_ports()
        return sorted(p) == sorted(want) and all(
            port_ok(p, n, ip, PSK) for n, ip in want.items())
    try:
        wait_for(settled, "the ports to follow the Node changes",
                 20 * SLOW)
    except RuntimeError:
        pass
    ports = ipsec_ports()
    check("a new Node gets an IPsec port",
          port_ok(ports, "peer-d", "192.168.83.14", PSK), ports)
    check("a deleted Node's IPsec port is gone", "peer-c" not in ports,
          ports)
    check("a Node whose IP changed has its port with the new remote_ip",
          port_ok(ports, "peer-b", "192.168.83.22", PSK), ports)
    check("the Classifier flows follow the ports (the deleted Node's "
          "is gone)",
          {p["ofport"] for p in ports.values()} <= classifier_ofports()
          and gone_ofport not in classifier_ofports(),
          f"{ports} {classifier_ofports()} (peer-c had {gone_ofport})")

    # Another key.
    if WRAPPER:
        stop_agent_checked("after the Node changes")
    else:
        h.stop("agent")
    start_agent(run, cfg, PSK2)
    try:
        wait_for(lambda: all(p["options"].get("psk") == PSK2
                             for p in ipsec_ports().values()),
                 "the new key on every port", 30 * SLOW)
    except RuntimeError:
        pass
    ports = ipsec_ports()
    check("a restart with another key puts it on every port",
          sorted(ports) == sorted(want)
          and all(port_ok(ports, n, ip, PSK2) for n, ip in want.items()),
          ports)

    text = log.read_text()
    check("the agent log holds no key", PSK not in text
          and PSK2 not in text)
    check("the agent is still running", h.procs["agent"].poll() is None)
    if WRAPPER:
        stop_agent_checked("after the key change")


if __name__ == "__main__":
    skip_unless_root_with_daemons(
        BUILD / "plugins" / "ipsec" / ".libs" / "ipsec.so")
    sys.exit(h.run_test(main))
