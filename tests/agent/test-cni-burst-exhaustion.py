#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of a burst of ADDs that exhausts the podCIDR.

The same real daemons as tests/agent/test-agent-datapath.py (set up by
agent_harness.py in a network namespace atest-burst-PID of its own), with
a /29 podCIDR: five Pod addresses besides the gateway.  Eight real
antrea-cni ADDs are started at once (threads released by a barrier), so
the agent allocates their addresses in batches (the native module's
add_batch, one state file save per batch).  Checks:
  - exactly five ADDs succeed, with distinct addresses of the /29 that
    are neither the network, the gateway nor the broadcast address;
  - the three others fail with IPAM_FAILURE (101) naming the exhausted
    subnet, and leave no OVS port, no host veth and no allocation;
  - the IPAM store holds exactly the five successful allocations, one
    per container;
  - after DEL of everything, no IPAM file is left (the store file of a
    subnet with no allocation is removed).
Root only (exit 77 otherwise); everything it made is removed at the end.
Environment: abs_top_builddir, abs_top_srcdir, ANTREA_PLUGIN_PATH.
"""

import hashlib
import json
import pathlib
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from agent_harness import (  # noqa: E402
    TIMEOUT, Harness, sh, skip_unless_root_with_daemons)

IP = "192.168.82.2"
NODE = "atest-burst-node"
h = Harness.for_test("atest-burst", IP, NODE)
NS = h.ns
check = h.check
POD_CIDR = "10.10.6.0/29"       # .1 gateway, .2-.6 Pods, .7 broadcast
N = 8


def host_ifname(pod, cid):
    """The host end's name as the agent derives it (Antrea's rule)."""
    prefix = pod
    if len(pod) > 8:
        prefix = pod[:8].lstrip("-")
    return f"{prefix}-{hashlib.sha1(cid.encode()).hexdigest()[:6]}"


def allocations(run):
    """Every allocation of the native IPAM store: address -> container."""
    out = {}
    for f in sorted((run / "ipam").glob("*.json")):
        for ip, owner in json.loads(f.read_text())["allocations"].items():
            out[ip] = owner["containerId"]
    return out


def main(run):
    """Setup, eight concurrent ADDs into five addresses, checks, DEL."""
    ovs = h.setup(run, POD_CIDR)
    pods = [(f"{NS}-p{i}", f"burst-cid-{i}", f"burst-{i}") for i in range(N)]
    for pod_ns, _, _ in pods:
        sh("ip", "netns", "add", pod_ns)

    results = [None] * N
    barrier = threading.Barrier(N)

    def one(i):
        pod_ns, cid, pod = pods[i]
        barrier.wait(TIMEOUT)
        results[i] = h.cni("ADD", pod_ns, cid, pod)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 2)

    ok = [i for i in range(N) if results[i] and results[i].returncode == 0]
    addrs = {i: json.loads(results[i].stdout)["ips"][0]["address"]
             for i in ok}
    check("exactly five of the eight ADDs succeed", len(ok) == 5,
          f"succeeded: {ok}")
    expected = {f"10.10.6.{k}/29" for k in range(2, 7)}
    check("they hold distinct Pod addresses of the /29",
          set(addrs.values()) <= expected
          and len(set(addrs.values())) == len(addrs), str(addrs))

    ports = sh("ovs-vsctl", f"--db=unix:{ovs}/db.sock", "list-ports",
               "br-int", ns=NS)
    links = sh("ip", "-o", "link", "show", ns=NS)
    for i in range(N):
        if i in ok:
            continue
        r = results[i]
        err = json.loads(r.stdout or "{}") if r else {}
        check(f"ADD {pods[i][2]} fails with IPAM_FAILURE 101 naming the "
              "exhausted subnet",
              r is not None and r.returncode != 0 and err.get("code") == 101
              and "no free address in 10.10.6.0/29" in err.get("msg", ""),
              r and (r.stdout + r.stderr))
        name = host_ifname(pods[i][2], pods[i][1])
        check(f"{pods[i][2]}: no port and no veth left",
              name not in ports and name not in links)
    store = allocations(run)
    check("the store holds exactly the successful allocations",
          store == {addrs[i].split("/")[0]: pods[i][1] for i in ok},
          f"{store} vs {addrs}")

    for i in range(N):
        r = h.cni("DEL", *pods[i])
        check(f"DEL {pods[i][2]} succeeds", r.returncode == 0,
              r.stdout + r.stderr)
    files = sorted(p.name for p in (run / "ipam").iterdir())
    check("after DEL of everything no IPAM file is left", files == [],
          files)
    check("the agent is still running", h.procs["agent"].poll() is None)
    batches = (run / "agent.log").read_text().count("in one batch")
    print(f"     (IPAM batches of more than one ADD: {batches})")


if __name__ == "__main__":
    skip_unless_root_with_daemons()
    sys.exit(h.run_test(main))
