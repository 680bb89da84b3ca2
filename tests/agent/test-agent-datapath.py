#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of antrea-agent's datapath against real daemons.

In a network namespace atest-agent-PID of its own: etcd + kube-apiserver
(tests/e2e/sandbox/kube.py), ovsdb-server + ovs-vswitchd (userspace
datapath), and antrea-agent with a Node object created in the API (all
set up by agent_harness.py).  The real antrea-cni adds two Pods
(namespaces atest-agent-PID-p1/-p2): result JSON, veth and address in the
Pod, OVS port external_ids, flows, pings (Pod to gateway, Pod to Pod); an
agent restart keeps the flows (new round's cookies, Pod still pings); DEL
removes port and veth.
Root only (exit 77 otherwise); everything it made is removed at the end.
Environment: abs_top_builddir, abs_top_srcdir, ANTREA_PLUGIN_PATH.
"""

import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from agent_harness import (  # noqa: E402
    Harness, sh, skip_unless_root_with_daemons, wait_for)

IP = "192.168.77.2"
NODE = "atest-node"
h = Harness.for_test("atest-agent", IP, NODE)
NS = h.ns
check = h.check
PODS = [f"{NS}-p1", f"{NS}-p2"]
POD_CIDR = "10.10.1.0/24"


def dump_flows(run):
    """The bridge's flows, without port names."""
    return sh("ovs-ofctl", "dump-flows", f"unix:{run}/br-int.mgmt",
              "--no-names", ns=NS)


def main(run):
    """Setup, then ADD/CHECK/agent restart/DEL of two Pods."""
    ovs = h.setup(run, POD_CIDR)

    for p in PODS:
        sh("ip", "netns", "add", p)
    r = h.cni("ADD", PODS[0], "cid-one", "pod-one")
    check("ADD pod-one succeeds", r.returncode == 0, r.stdout + r.stderr)
    res = json.loads(r.stdout or "{}")
    addr = res.get("ips", [{}])[0].get("address", "")
    check("ADD result has an address in the podCIDR and the gateway",
          addr.startswith("10.10.1.") and
          res["ips"][0].get("gateway") == "10.10.1.1", r.stdout)
    out = sh("ip", "-4", "addr", "show", "eth0", ns=PODS[0])
    check("eth0 in the Pod has the address", addr in out, out)
    ports = sh("ovs-vsctl", f"--db=unix:{ovs}/db.sock", "--columns=name,"
               "external_ids", "list", "Port", ns=NS)
    check("OVS port with Pod external_ids",
          "cid-one" in ports and "pod-one" in ports
          and "antrea-type=container" in ports.replace('"', ""), ports)
    flows = dump_flows(ovs)
    ip1 = addr.split("/")[0]
    check("Pod flows installed", f"nw_src={ip1}" in flows, flows)
    r1 = subprocess.run(["ip", "netns", "exec", PODS[0], "ping", "-c", "2",
                         "-W", "2", "10.10.1.1"], capture_output=True,
                        text=True)
    check("Pod pings its gateway", r1.returncode == 0, r1.stdout)

    r = h.cni("ADD", PODS[1], "cid-two", "pod-two")
    check("ADD pod-two succeeds", r.returncode == 0, r.stdout + r.stderr)
    r2 = subprocess.run(["ip", "netns", "exec", PODS[1], "ping", "-c", "2",
                         "-W", "2", ip1], capture_output=True, text=True)
    check("pod-two pings pod-one", r2.returncode == 0, r2.stdout)

    r = h.cni("CHECK", PODS[0], "cid-one", "pod-one", prev=res)
    check("CHECK pod-one passes", r.returncode == 0, r.stdout + r.stderr)

    cookies_before = {l.split(",")[0] for l in flows.splitlines()
                      if "cookie=" in l}
    h.stop("agent")
    h.start_agent()
    wait_for(lambda: "round 2 in place" in (run / "agent.log").read_text(),
             "the restarted agent's resync")
    r3 = subprocess.run(["ip", "netns", "exec", PODS[1], "ping", "-c", "2",
                         "-W", "2", ip1], capture_output=True, text=True)
    check("pod-two still pings pod-one after an agent restart",
          r3.returncode == 0, r3.stdout)
    flows2 = dump_flows(ovs)
    cookies_after = {l.split(",")[0] for l in flows2.splitlines()
                     if "cookie=" in l}
    check("flows now carry round 2 cookies only",
          cookies_after and all(c.strip().startswith("cookie=0x2")
                                for c in cookies_after),
          f"{cookies_before} -> {cookies_after}")

    r = h.cni("DEL", PODS[0], "cid-one", "pod-one")
    check("DEL pod-one succeeds", r.returncode == 0, r.stdout + r.stderr)
    r = h.cni("DEL", PODS[0], "cid-one", "pod-one")
    check("DEL again succeeds", r.returncode == 0, r.stdout + r.stderr)
    ports = sh("ovs-vsctl", f"--db=unix:{ovs}/db.sock", "list-ports",
               "br-int", ns=NS)
    out = sh("ip", "link", "show", check=False, ns=PODS[0])
    check("DEL removed port and veth",
          "pod-one" not in ports and "eth0" not in out, ports + out)
    check("DEL removed pod-one's flows", f"nw_src={ip1}" not in
          dump_flows(ovs))


if __name__ == "__main__":
    skip_unless_root_with_daemons()
    sys.exit(h.run_test(main))
