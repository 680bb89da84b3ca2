#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test: the agent survives its OVS daemons being killed.

The same real daemons as tests/agent/test-agent-datapath.py (set up by
agent_harness.py in a network namespace atest-ovsrst-PID of its own).
Two Pods are added through the real antrea-cni and ping each other and
their gateway.  Then:
  1. ovs-vswitchd (the one the harness started, by pid) is killed with
     SIGKILL and started again with the same database and arguments.
     The agent must notice (a log line), and within a bounded time every
     flow must be back (the same number of flows per table and cookie as
     before), the Pods' ports must be on the bridge with the same
     OpenFlow port numbers, and the Pods must ping each other and the
     gateway again.
  2. ovsdb-server is killed with SIGKILL and started again on the same
     database.  The agent must reconnect (the OVSDB connection is
     re-established: a new CNI ADD, which writes a port to OVSDB,
     succeeds and the new Pod pings the others).
Root only (exit 77 otherwise); everything it made is removed at the end.
Environment: abs_top_builddir, abs_top_srcdir, ANTREA_PLUGIN_PATH.
"""

import collections
import json
import pathlib
import re
import signal
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from agent_harness import (  # noqa: E402
    Harness, sh, skip_unless_root_with_daemons, wait_for)

IP = "192.168.86.2"
NODE = "atest-ovsrst-node"
h = Harness.for_test("atest-ovsrst", IP, NODE)
NS = h.ns
check = h.check
POD_CIDR = "10.10.16.0/24"
GATEWAY = "10.10.16.1"
RECOVERY_TIMEOUT = 60.0         # seconds the agent has to recover
# What the agent logs (core/agent/bridge.c) when it notices a restart.
NEW_OPENFLOW_CONNECTION = "new OpenFlow connection (ovs-vswitchd restarted)"
OVSDB_LOST = "lost the connection to the OVSDB server"
OVSDB_RECONNECTED = "connected to the OVSDB server again"


def kill(name):
    """SIGKILLs daemon 'name' (started by the harness, by pid) and
    reaps it."""
    p = h.procs.pop(name)
    p.send_signal(signal.SIGKILL)
    p.wait(10)


def flow_counts(ovs):
    """Number of flows per (table, cookie) on br-int, or None if the
    switch cannot be reached."""
    r = subprocess.run(["ip", "netns", "exec", NS, "ovs-ofctl",
                        "dump-flows", f"unix:{ovs}/br-int.mgmt",
                        "--no-names"], capture_output=True, text=True,
                       timeout=30)
    if r.returncode:
        return None
    counts = collections.Counter()
    for line in r.stdout.splitlines():
        m = re.search(r"cookie=(0x[0-9a-f]+),.*table=(\d+)", line)
        if m:
            counts[(int(m.group(2)), m.group(1))] += 1
    return counts


def ofports(ovs):
    """Interface name -> ofport of every interface in the database, or
    None if ovsdb-server cannot be reached."""
    r = subprocess.run(["ip", "netns", "exec", NS, "ovs-vsctl",
                        f"--db=unix:{ovs}/db.sock", "--timeout=5",
                        "--format=json", "--columns=name,ofport", "list",
                        "Interface"], capture_output=True, text=True,
                       timeout=30)
    if r.returncode:
        return None
    return {row[0]: row[1] for row in json.loads(r.stdout)["data"]}


def ping(src_ns, dst):
    """True if 'src_ns' pings 'dst' (one answer out of two tries)."""
    p = subprocess.run(["ip", "netns", "exec", src_ns, "ping", "-c", "2",
                        "-W", "1", dst], capture_output=True, text=True,
                       timeout=30)
    return p.returncode == 0


def all_ping(pods, addrs):
    """True if every Pod pings its gateway and every other Pod."""
    for i, pod_ns in enumerate(pods):
        targets = [GATEWAY] + [a for j, a in enumerate(addrs) if j != i]
        if not all(ping(pod_ns, t) for t in targets):
            return False
    return True


def log_count(run, text):
    """How many times 'text' appears in the agent's log."""
    return (run / "agent.log").read_text().count(text)


def try_wait(fn, what, timeout=RECOVERY_TIMEOUT):
    """wait_for() answering False instead of raising on a timeout."""
    try:
        return wait_for(fn, what, timeout)
    except RuntimeError:
        return False


def add_pod(i):
    """Adds Pod 'i' through antrea-cni; answers (netns, address) or
    None (with a failed check)."""
    pod_ns, cid, pod = f"{NS}-p{i}", f"cid-ovsrst-{i}", f"ovsrst-{i}"
    sh("ip", "netns", "add", pod_ns)
    r = h.cni("ADD", pod_ns, cid, pod)
    if not check(f"ADD {pod} succeeds", r.returncode == 0,
                 r.stdout + r.stderr):
        return None
    return pod_ns, json.loads(r.stdout)["ips"][0]["address"].split("/")[0]


def restart_vswitchd(run, ovs, pods, addrs):
    """Kills and restarts ovs-vswitchd; checks the agent recovers."""
    flows_before = flow_counts(ovs)
    ports_before = ofports(ovs)
    notices = log_count(run, NEW_OPENFLOW_CONNECTION)

    kill("ovs-vswitchd")
    h.start_ovs_vswitchd()

    check("the agent notices the new ovs-vswitchd (log line)",
          try_wait(lambda: log_count(run, NEW_OPENFLOW_CONNECTION) > notices,
                   "the agent's notice"),
          f"no new '{NEW_OPENFLOW_CONNECTION}' line")
    check("every flow is back (same count per table and cookie)",
          try_wait(lambda: flow_counts(ovs) == flows_before,
                   "the flows to be back"),
          f"before {sorted(flows_before.items())}\n"
          f"after  {sorted((flow_counts(ovs) or {}).items())}")
    check("every port is back with its OpenFlow port number",
          try_wait(lambda: ofports(ovs) == ports_before,
                   "the ports to be back"),
          f"{ports_before} -> {ofports(ovs)}")
    check("the Pods ping each other and the gateway again",
          try_wait(lambda: all_ping(pods, addrs), "the pings"))


def restart_ovsdb_server(run, ovs, pods, addrs):
    """Kills and restarts ovsdb-server; checks that the agent reconnects
    and that a new ADD works."""
    reconnects = log_count(run, OVSDB_RECONNECTED)
    kill("ovsdb-server")
    (ovs / "db.sock").unlink(missing_ok=True)
    check("the agent notices the loss of ovsdb-server (log line)",
          try_wait(lambda: log_count(run, OVSDB_LOST) > 0,
                   "the agent's notice"), f"no '{OVSDB_LOST}' line")
    h.start_ovsdb_server()
    if not check("the agent reconnects to the new ovsdb-server (log line)",
                 try_wait(lambda: log_count(run, OVSDB_RECONNECTED)
                          > reconnects, "the agent's reconnection"),
                 f"no '{OVSDB_RECONNECTED}' line"):
        return

    pod = add_pod(len(pods))
    if pod is None:
        return
    check("the Pod added after the ovsdb-server restart pings the others "
          "and the gateway",
          try_wait(lambda: all_ping(pods + [pod[0]], addrs + [pod[1]]),
                   "the pings"))
    check("the earlier Pods still ping each other and the gateway",
          all_ping(pods, addrs))


def main(run):
    """Setup, two Pods, ovs-vswitchd restart, ovsdb-server restart."""
    ovs = h.setup(run, POD_CIDR)
    added = [add_pod(i) for i in range(2)]
    if None in added:
        return
    pods = [p for p, _ in added]
    addrs = [a for _, a in added]
    if not check("the Pods ping each other and the gateway",
                 all_ping(pods, addrs)):
        return

    restart_vswitchd(run, ovs, pods, addrs)
    restart_ovsdb_server(run, ovs, pods, addrs)
    check("the agent is still running", h.procs["agent"].poll() is None)


if __name__ == "__main__":
    skip_unless_root_with_daemons()
    sys.exit(h.run_test(main))
