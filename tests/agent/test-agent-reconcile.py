#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of the agent's restart reconciliation of Pods and IPAM.

The same real daemons as tests/agent/test-agent-datapath.py (set up by
agent_harness.py in a network namespace atest-recon-PID of its own).
Three Pods are added; the agent is stopped; while it is down, the
network namespace of one Pod is deleted without any CNI DEL (a runtime
that went away: its veth goes with the namespace), and an address is
allocated in the native IPAM store for a container that has no port (an
agent killed in the middle of an ADD, after IPAM).  The agent is then
started again.  Checks:
  - the gone Pod's OVS port and flows are removed and its IPAM address
    released; the orphan address is released;
  - the two other Pods keep their ports, flows and addresses, and still
    ping each other;
  - a new ADD gets the lowest free address, the gone Pod's;
  - a second restart changes nothing (no address of a live Pod is lost).
Root only (exit 77 otherwise); everything it made is removed at the end.
Environment: abs_top_builddir, abs_top_srcdir, ANTREA_PLUGIN_PATH.
"""

import hashlib
import json
import pathlib
import re
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from agent_harness import (  # noqa: E402
    Harness, sh, skip_unless_root_with_daemons, wait_for)

IP = "192.168.81.2"
NODE = "atest-recon-node"
h = Harness.for_test("atest-recon", IP, NODE)
NS = h.ns
check = h.check
POD_CIDR = "10.10.5.0/24"


def host_ifname(pod, cid):
    """The host end's name as the agent derives it (Antrea's rule)."""
    prefix = pod
    if len(pod) > 8:
        prefix = pod[:8].lstrip("-")
    return f"{prefix}-{hashlib.sha1(cid.encode()).hexdigest()[:6]}"


def dump_flows(ovs):
    """The bridge's flows, without port names."""
    return sh("ovs-ofctl", "dump-flows", f"unix:{ovs}/br-int.mgmt",
              "--no-names", ns=NS)


def allocations(run):
    """Every allocation of the native IPAM store: address -> container."""
    out = {}
    for f in sorted((run / "ipam").glob("*.json")):
        for ip, owner in json.loads(f.read_text())["allocations"].items():
            out[ip] = owner["containerId"]
    return out


def pod_state(ovs, pods, addrs):
    """For each Pod index: (port present, flows present)."""
    ports = sh("ovs-vsctl", f"--db=unix:{ovs}/db.sock", "list-ports",
               "br-int", ns=NS)
    flows = dump_flows(ovs)
    return {i: (host_ifname(pod, cid) in ports,
                re.search(rf"nw_src={re.escape(addrs[i])}\b", flows)
                is not None)
            for i, (_, cid, pod) in enumerate(pods)}


def restart_agent(run, round_number):
    """Starts the (stopped) agent again and waits for its resync to
    'round_number'."""
    h.start_agent()
    wait_for(lambda: f"round {round_number} in place"
             in (run / "agent.log").read_text(),
             f"the restarted agent's resync (round {round_number})")


def ping(src_ns, dst):
    """True if 'src_ns' pings 'dst'."""
    p = subprocess.run(["ip", "netns", "exec", src_ns, "ping", "-c", "2",
                        "-W", "2", dst], capture_output=True, text=True,
                       timeout=30)
    return p.returncode == 0


def main(run):
    """Setup, three Pods, a stop, changes while down, restarts."""
    ovs = h.setup(run, POD_CIDR)
    pods = [(f"{NS}-p{i}", f"cid-recon-{i}", f"recon-{i}") for i in range(3)]
    addrs = {}
    for i, (pod_ns, cid, pod) in enumerate(pods):
        sh("ip", "netns", "add", pod_ns)
        r = h.cni("ADD", pod_ns, cid, pod)
        if check(f"ADD {pod} succeeds", r.returncode == 0,
                 r.stdout + r.stderr):
            addrs[i] = json.loads(r.stdout)["ips"][0]["address"] \
                .split("/")[0]
    if len(addrs) != 3:
        return

    h.stop("agent")
    # recon-1's runtime goes away with its namespace: no DEL.
    sh("ip", "netns", "del", pods[1][0])
    gone = host_ifname(pods[1][2], pods[1][1])
    wait_for(lambda: gone not in sh("ip", "-o", "link", "show", ns=NS),
             "the gone Pod's veth to disappear")
    # An agent killed in the middle of an ADD, after IPAM.
    path = run / "ipam" / (POD_CIDR.replace("/", "_") + ".json")
    state = json.loads(path.read_text())
    state["allocations"]["10.10.5.200"] = {"containerId": "cid-recon-orphan",
                                           "ifname": "eth0"}
    path.write_text(json.dumps(state, indent=2) + "\n")

    restart_agent(run, 2)
    state = pod_state(ovs, pods, addrs)
    check("the gone Pod's port and flows are removed",
          state[1] == (False, False), state)
    check("the live Pods keep their ports and flows",
          state[0] == state[2] == (True, True), state)
    after = allocations(run)
    check("the gone Pod's address and the orphan address are released; "
          "the live Pods keep theirs",
          after == {addrs[0]: pods[0][1], addrs[2]: pods[2][1]}, after)
    check("recon-0 still pings recon-2", ping(pods[0][0], addrs[2]))

    pod_ns, cid, pod = f"{NS}-p3", "cid-recon-3", "recon-3"
    sh("ip", "netns", "add", pod_ns)
    r = h.cni("ADD", pod_ns, cid, pod)
    check("a new ADD gets the gone Pod's address",
          r.returncode == 0 and f'"{addrs[1]}/24"' in r.stdout,
          r.stdout + r.stderr)
    before = allocations(run)

    h.stop("agent")
    restart_agent(run, 3)
    check("a second restart keeps every live Pod's address",
          allocations(run) == before, f"{before} -> {allocations(run)}")
    check("recon-3 pings recon-0 after the second restart",
          ping(pod_ns, addrs[0]))
    check("the agent is still running", h.procs["agent"].poll() is None)


if __name__ == "__main__":
    skip_unless_root_with_daemons()
    sys.exit(h.run_test(main))
