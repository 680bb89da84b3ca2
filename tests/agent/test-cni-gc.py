#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of CNI GC (spec 1.1): real antrea-cni, real agent.

The same real daemons as tests/agent/test-agent-datapath.py (set up by
agent_harness.py in a network namespace atest-gc-PID of its own).  Three
Pods are added; an address is allocated in the native IPAM store for a
container that never got a port (as an ADD interrupted after IPAM
leaves it).  Then the real antrea-cni runs GC with
"cni.dev/valid-attachments" listing two of the Pods.  Checks:
  - GC with cniVersion 1.0.0 is INCOMPATIBLE_CNI_VERSION (1) and changes
    nothing; GC without the valid attachments is INVALID_NETWORK_CONFIG
    (7) and changes nothing;
  - GC succeeds; the Pod not listed loses its OVS port, host veth,
    flows and IPAM address, and so does the orphan address;
  - the listed Pods keep port, veth, flows and address, and still ping
    each other; GC again changes nothing;
  - a new ADD gets the lowest free address, the released Pod's;
  - GC with an empty list releases everything, and leaves no IPAM file.
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
    Harness, sh, skip_unless_root_with_daemons)

IP = "192.168.80.2"
NODE = "atest-gc-node"
h = Harness.for_test("atest-gc", IP, NODE)
NS = h.ns
check = h.check
POD_CIDR = "10.10.4.0/24"


def host_ifname(pod, cid):
    """The host end's name as the agent derives it (Antrea's rule)."""
    prefix = pod
    if len(pod) > 8:
        prefix = pod[:8].lstrip("-")
    return f"{prefix}-{hashlib.sha1(cid.encode()).hexdigest()[:6]}"


def vsctl(ovs, *args):
    """ovs-vsctl against the test's OVSDB."""
    return sh("ovs-vsctl", f"--db=unix:{ovs}/db.sock", *args, ns=NS)


def dump_flows(ovs):
    """The bridge's flows, without port names."""
    return sh("ovs-ofctl", "dump-flows", f"unix:{ovs}/br-int.mgmt",
              "--no-names", ns=NS)


def host_links():
    """The interface names in the Node namespace."""
    out = sh("ip", "-o", "link", "show", ns=NS)
    return {line.split(":")[1].strip().split("@")[0]
            for line in out.splitlines()}


def allocations(run):
    """Every allocation of the native IPAM store: address -> container."""
    out = {}
    for f in sorted((run / "ipam").glob("*.json")):
        for ip, owner in json.loads(f.read_text())["allocations"].items():
            out[ip] = owner["containerId"]
    return out


def gc(valid, version="1.1.0", key="cni.dev/valid-attachments"):
    """Runs antrea-cni GC with 'valid' [(containerID, ifname)] as the
    runtime does (no container variables); answers the CompletedProcess."""
    conf = h.cni_conf(version)
    if valid is not None:
        conf[key] = [{"containerID": c, "ifname": i} for c, i in valid]
    return h.cni("GC", "-", "-", "-", stdin=json.dumps(conf),
                 drop=("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME",
                       "CNI_ARGS"))


def cni_error(r):
    """The error object antrea-cni printed ({} if none)."""
    try:
        out = json.loads(r.stdout)
    except ValueError:
        return {}
    return out if isinstance(out, dict) and "code" in out else {}


def add_orphan_address(run, ip, cid):
    """Records 'ip' for container 'cid' in the native IPAM store, as an
    ADD that stopped after IPAM leaves it (the agent is idle: it reads
    the file afresh on every operation)."""
    path = run / "ipam" / (POD_CIDR.replace("/", "_") + ".json")
    state = json.loads(path.read_text())
    state["allocations"][ip] = {"containerId": cid, "ifname": "eth0"}
    path.write_text(json.dumps(state, indent=2) + "\n")


def pod_state(ovs, pods, addrs):
    """For each Pod index: (port present, veth present, flows present)."""
    ports = vsctl(ovs, "list-ports", "br-int")
    links = host_links()
    flows = dump_flows(ovs)
    out = {}
    for i, (_, cid, pod) in enumerate(pods):
        name = host_ifname(pod, cid)
        out[i] = (name in ports, name in links,
                  re.search(rf"nw_src={re.escape(addrs[i])}\b", flows)
                  is not None)
    return out


def main(run):
    """Setup, three Pods and an orphan address, then GC."""
    ovs = h.setup(run, POD_CIDR)
    pods = [(f"{NS}-p{i}", f"cid-gc-{i}", f"gc-{i}") for i in range(3)]
    addrs = {}
    for i, (pod_ns, cid, pod) in enumerate(pods):
        sh("ip", "netns", "add", pod_ns)
        r = h.cni("ADD", pod_ns, cid, pod, version="1.1.0")
        ok = check(f"ADD {pod} succeeds", r.returncode == 0,
                   r.stdout + r.stderr)
        if ok:
            addrs[i] = json.loads(r.stdout)["ips"][0]["address"] \
                .split("/")[0]
    if len(addrs) != 3:
        return
    add_orphan_address(run, "10.10.4.200", "cid-gc-orphan")
    before = allocations(run)
    check("the store holds the three Pods and the orphan",
          len(before) == 4 and before.get("10.10.4.200") ==
          "cid-gc-orphan", before)
    valid = [(pods[0][1], "eth0"), (pods[2][1], "eth0"),
             ("cid-gc-elsewhere", "eth0")]

    r = gc(valid, version="1.0.0")
    check("GC with cniVersion 1.0.0 -> INCOMPATIBLE_CNI_VERSION 1",
          r.returncode != 0 and cni_error(r).get("code") == 1
          and "1.1.0" in cni_error(r).get("msg", ""), r.stdout + r.stderr)
    r = gc(None)
    check("GC without valid attachments -> INVALID_NETWORK_CONFIG 7",
          r.returncode != 0 and cni_error(r).get("code") == 7,
          r.stdout + r.stderr)
    check("refused GCs changed nothing", allocations(run) == before
          and all(all(v) for v in pod_state(ovs, pods, addrs).values()),
          f"{allocations(run)}")

    r = gc(valid)
    check("GC succeeds", r.returncode == 0 and not r.stdout.strip(),
          r.stdout + r.stderr)
    state = pod_state(ovs, pods, addrs)
    check("GC released gc-1's port, veth and flows",
          state[1] == (False, False, False), state[1])
    after = allocations(run)
    check("GC released gc-1's address and the orphan's",
          after == {addrs[0]: pods[0][1], addrs[2]: pods[2][1]}, after)
    check("GC kept gc-0 and gc-2 (port, veth, flows)",
          state[0] == state[2] == (True, True, True), state)
    p = subprocess.run(["ip", "netns", "exec", pods[0][0], "ping", "-c",
                        "2", "-W", "2", addrs[2]], capture_output=True,
                       text=True, timeout=30)
    check("gc-0 still pings gc-2", p.returncode == 0, p.stdout)

    r = gc(valid)
    check("GC again succeeds and changes nothing",
          r.returncode == 0 and allocations(run) == after
          and pod_state(ovs, pods, addrs) == state, r.stdout + r.stderr)

    pod_ns, cid, pod = f"{NS}-p3", "cid-gc-3", "gc-3"
    sh("ip", "netns", "add", pod_ns)
    r = h.cni("ADD", pod_ns, cid, pod, version="1.1.0")
    check("a new ADD gets the released address",
          r.returncode == 0 and f'"{addrs[1]}/24"' in r.stdout,
          r.stdout + r.stderr)
    r = h.cni("DEL", pods[1][0], pods[1][1], pods[1][2], version="1.1.0")
    check("DEL of the collected Pod succeeds (idempotent)",
          r.returncode == 0, r.stdout + r.stderr)

    r = gc([])
    pods.append((pod_ns, cid, pod))
    addrs[3] = addrs[1]
    state = pod_state(ovs, pods, addrs)
    check("GC with no valid attachment succeeds", r.returncode == 0,
          r.stdout + r.stderr)
    check("... and releases every Pod",
          all(v == (False, False, False) for v in state.values()), state)
    files = sorted(p.name for p in (run / "ipam").iterdir())
    check("... and leaves no IPAM file behind", files == [], files)
    check("the agent is still running", h.procs["agent"].poll() is None)


if __name__ == "__main__":
    skip_unless_root_with_daemons()
    sys.exit(h.run_test(main))
