#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of the CNI error paths: real antrea-cni, real agent.

Set up as test-agent-datapath.py does (etcd + kube-apiserver, ovsdb-server
+ ovs-vswitchd with the userspace datapath, antrea-agent with native IPAM,
all in a network namespace atest-cnierr-PID of its own), but the Node's
podCIDR is a /30: one Pod address besides the gateway.  The real
antrea-cni is then driven into every error a runtime can provoke, and the
test checks the CNI error code (and that the message names the culprit):
malformed stdin JSON (DECODING_FAILURE 6), an unknown cniVersion
(INCOMPATIBLE_CNI_VERSION 1), each missing CNI_* variable
(INVALID_ENVIRONMENT_VARIABLES 4), DEL of an unknown container (success:
DEL is idempotent), CHECK of an unknown container (UNKNOWN_CONTAINER 3),
ADD into a Pod namespace that already has the interface name
(CONFIG_INTERFACE_FAILURE 102, and no OVS port, host veth or IPAM
address left behind, not even an empty IPAM store file), ADD with the
podCIDR exhausted (IPAM_FAILURE 101,
nothing left behind); finally the agent still serves a good ADD (the Pod
pings its gateway).
Root only (exit 77 otherwise); everything it made is removed at the end.
Environment: abs_top_builddir, abs_top_srcdir, ANTREA_PLUGIN_PATH.
"""

import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from agent_harness import (  # noqa: E402
    Harness, sh, skip_unless_root_with_daemons)

IP = "192.168.77.2"
NODE = "atest-node"
h = Harness.for_test("atest-cnierr", IP, NODE)
NS = h.ns
check = h.check
PODS = [f"{NS}-p1", f"{NS}-p2", f"{NS}-p3"]
POD_CIDR = "10.10.1.0/30"       # gateway .1, a single Pod address .2


def cni(command, pod_ns, cid, pod, run, stdin=None, drop=(), version=None,
        prev=None):
    """Runs antrea-cni (Harness.cni) with the usual environment minus the
    variables in 'drop'; 'stdin' replaces the network configuration
    text.  ('run', the run directory, is the harness's own.)"""
    return h.cni(command, pod_ns, cid, pod, stdin=stdin, drop=drop,
                 version=version, prev=prev)


def cni_error(r):
    """The error object antrea-cni printed ({} if none)."""
    try:
        out = json.loads(r.stdout)
    except ValueError:
        return {}
    return out if isinstance(out, dict) and "code" in out else {}


def expect_error(name, r, code, words=()):
    """Checks a failed run: non-zero exit, error JSON with 'code', and a
    message containing every one of 'words'."""
    err = cni_error(r)
    text = f"{err.get('msg', '')} {err.get('details', '')}"
    return check(name, r.returncode != 0 and err.get("code") == code
                 and bool(err.get("msg")) and all(w in text for w in words),
                 f"rc {r.returncode} stdout {r.stdout!r} "
                 f"stderr {r.stderr!r}")


def ovs_ports(ovs):
    """Names and external_ids of every OVS port, as text."""
    return sh("ovs-vsctl", f"--db=unix:{ovs}/db.sock", "--columns=name,"
              "external_ids", "list", "Port", ns=NS)


def host_links():
    """The interface names in the test's (Node) namespace."""
    out = sh("ip", "-o", "link", "show", ns=NS)
    return {line.split(":")[1].strip().split("@")[0]
            for line in out.splitlines()}


def ipam_text(run):
    """The allocations the native IPAM store holds (every subnet file's
    "allocations"), as JSON text."""
    allocations = {}
    for f in sorted((run / "ipam").glob("*.json")):
        allocations.update(json.loads(f.read_text()).get("allocations", {}))
    return json.dumps(allocations, sort_keys=True)


def nothing_left(what, run, ovs, cid, links_before, ipam_before):
    """Checks that a failed ADD of 'cid' left no OVS port, no new host
    interface and no IPAM allocation."""
    ports = ovs_ports(ovs)
    check(f"{what}: no OVS port left", cid not in ports, ports)
    links = host_links()
    check(f"{what}: no host veth left", links == links_before,
          f"{sorted(links_before)} -> {sorted(links)}")
    ipam = ipam_text(run)
    check(f"{what}: no IPAM address left", cid not in ipam
          and ipam == ipam_before, f"{ipam_before!r} -> {ipam!r}")


def setup(run):
    """The control plane, OVS and the agent, as test-agent-datapath.py
    sets them up (agent_harness.py), with a /30 podCIDR."""
    ovs = h.setup(run, POD_CIDR)
    for p in PODS:
        sh("ip", "netns", "add", p)
    return ovs


def plugin_errors(run):
    """Errors antrea-cni finds in its input."""
    r = cni("ADD", PODS[0], "cid-bad", "pod-bad", run, stdin="{not json")
    expect_error("malformed stdin JSON -> DECODING_FAILURE 6", r, 6)
    r = cni("ADD", PODS[0], "cid-bad", "pod-bad", run, version="9.9.9")
    expect_error("cniVersion 9.9.9 -> INCOMPATIBLE_CNI_VERSION 1", r, 1,
                 ["9.9.9"])
    for command, var in (("ADD", "CNI_COMMAND"), ("ADD", "CNI_CONTAINERID"),
                         ("ADD", "CNI_NETNS"), ("ADD", "CNI_IFNAME"),
                         ("DEL", "CNI_CONTAINERID"),
                         ("DEL", "CNI_IFNAME")):
        r = cni(command, PODS[0], "cid-bad", "pod-bad", run, drop=[var])
        expect_error(f"{command} without {var} -> "
                     "INVALID_ENVIRONMENT_VARIABLES 4 naming it", r, 4,
                     [var])


def agent_errors(run, ovs):
    """Errors the agent answers; nothing may be left behind."""
    r = cni("DEL", PODS[0], "cid-unknown", "pod-unknown", run)
    check("DEL of an unknown container succeeds (idempotent)",
          r.returncode == 0 and not cni_error(r), r.stdout + r.stderr)
    prev = {"cniVersion": "1.0.0",
            "interfaces": [{"name": "eth0",
                            "sandbox": f"/run/netns/{PODS[0]}"}],
            "ips": [{"address": "10.10.1.2/30", "interface": 0,
                     "gateway": "10.10.1.1"}]}
    r = cni("CHECK", PODS[0], "cid-unknown", "pod-unknown", run, prev=prev)
    expect_error("CHECK of an unknown container -> UNKNOWN_CONTAINER 3", r,
                 3, ["cid-unknown"])

    # ADD where the Pod already has an eth0.
    # (A veth pair: this kernel has no dummy links.)
    sh("ip", "link", "add", "eth0", "type", "veth", "peer", "name",
       "clash0", ns=PODS[0])
    links, ipam = host_links(), ipam_text(run)
    r = cni("ADD", PODS[0], "cid-clash", "pod-clash", run)
    expect_error("ADD into a Pod that already has eth0 -> "
                 "CONFIG_INTERFACE_FAILURE 102 naming it", r, 102,
                 ["eth0", "already exists"])
    nothing_left("ADD with an interface clash", run, ovs, "cid-clash",
                 links, ipam)
    files = sorted(f.name for f in (run / "ipam").iterdir())
    check("ADD with an interface clash: no file left in the (empty) IPAM "
          "dataDir", files == [], files)
    out = sh("ip", "-o", "link", "show", ns=PODS[0])
    check("the Pod's own eth0 is still there (paired with clash0)",
          "eth0@clash0" in out, out)
    sh("ip", "link", "del", "eth0", ns=PODS[0])

    # The /30 holds one Pod: fill it, then one more.
    r = cni("ADD", PODS[1], "cid-one", "pod-one", run)
    check("ADD pod-one takes the /30's only address",
          r.returncode == 0 and "10.10.1.2/30" in r.stdout,
          r.stdout + r.stderr)
    links, ipam = host_links(), ipam_text(run)
    r = cni("ADD", PODS[2], "cid-two", "pod-two", run)
    expect_error("ADD with the podCIDR exhausted -> IPAM_FAILURE 101", r,
                 101, ["IPAM", "no free address", POD_CIDR])
    print(f"     (its error: {r.stdout.strip()})", flush=True)
    nothing_left("ADD with IPAM exhausted", run, ovs, "cid-two", links,
                 ipam)
    out = sh("ip", "-o", "link", "show", ns=PODS[2])
    check("ADD with IPAM exhausted: no eth0 in the Pod", "eth0" not in out,
          out)

    # The agent still works: free the address, ADD again.
    r = cni("DEL", PODS[1], "cid-one", "pod-one", run)
    check("DEL pod-one succeeds", r.returncode == 0, r.stdout + r.stderr)
    r = cni("ADD", PODS[2], "cid-two", "pod-two", run)
    check("the agent still serves a good ADD afterwards",
          r.returncode == 0 and "10.10.1.2/30" in r.stdout,
          r.stdout + r.stderr)
    p = subprocess.run(["ip", "netns", "exec", PODS[2], "ping", "-c", "2",
                        "-W", "2", "10.10.1.1"], capture_output=True,
                       text=True, timeout=30)
    check("the new Pod pings its gateway", p.returncode == 0, p.stdout)
    check("the agent is still running", h.procs["agent"].poll() is None)


def main(run):
    """Setup, then the plugin's and the agent's error paths."""
    ovs = setup(run)
    plugin_errors(run)
    agent_errors(run, ovs)


if __name__ == "__main__":
    skip_unless_root_with_daemons()
    sys.exit(h.run_test(main))
