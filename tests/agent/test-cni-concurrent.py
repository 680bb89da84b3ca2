#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of concurrent CNI ADDs (the agent's batched ADD path).

The same real daemons as tests/agent/test-agent-datapath.py (set up by
agent_harness.py in a network namespace atest-conc-PID of its own).  16
real antrea-cni ADDs are started at once (threads released by a barrier);
two of them, in the middle, are made to fail:
  - "bad-port": an OVSDB port with its host interface name exists already
    (made with ovs-vsctl beforehand), so its port is refused inside the
    batched OVSDB transaction;
  - "bad-netns": its network namespace does not exist (fails before the
    batch).
Checks: the 14 others succeed with distinct addresses in the podCIDR;
each has its OVS port with its external_ids and its flows; the failing
ones answer a CNI error and leave no veth, no IPAM allocation, and the
pre-existing port untouched; a Pod of the batch pings another; DELs of
all at once (the batched DEL path; one for the Pod whose netns never
existed) remove every port, veth, flow and allocation, and a repeated
DEL succeeds.
Root only (exit 77 otherwise); everything it made is removed at the end.
Environment: abs_top_builddir, abs_top_srcdir, ANTREA_PLUGIN_PATH.
"""

import hashlib
import json
import pathlib
import subprocess
import sys
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from agent_harness import (  # noqa: E402
    TIMEOUT, Harness, sh, skip_unless_root_with_daemons)

IP = "192.168.79.2"
NODE = "atest-conc-node"
h = Harness.for_test("atest-conc", IP, NODE)
NS = h.ns
check = h.check
POD_CIDR = "10.10.3.0/24"
N = 16
BAD_PORT = 7                    # index of the Pod whose port is refused
BAD_NETNS = 9                   # index of the Pod without a netns


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


def ipam_text(run):
    """Everything the native IPAM keeps on disk."""
    return "".join(p.read_text() for p in (run / "ipam").glob("*.json"))


def main(run):
    """Setup, 16 concurrent ADDs with two failing, checks, DEL."""
    ovs = h.setup(run, POD_CIDR)
    pods = [(f"{NS}-p{i}", f"conc-cid-{i}", f"conc-{i}") for i in range(N)]
    pods[BAD_PORT] = (pods[BAD_PORT][0], "conc-cid-bad", "bad-port")
    pods[BAD_NETNS] = (f"{NS}-missing", "conc-cid-nons", "bad-netns")
    for i, (pod_ns, _, _) in enumerate(pods):
        if i != BAD_NETNS:
            sh("ip", "netns", "add", pod_ns)
    bad_name = host_ifname("bad-port", "conc-cid-bad")
    vsctl(ovs, "add-port", "br-int", bad_name, "--", "set", "Port",
          bad_name, "external_ids:owner=test")

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

    good = [i for i in range(N) if i not in (BAD_PORT, BAD_NETNS)]
    addrs = {}
    for i in good:
        r = results[i]
        ok = r is not None and r.returncode == 0
        if ok:
            res = json.loads(r.stdout)
            addrs[i] = res["ips"][0]["address"].split("/")[0]
        check(f"ADD {pods[i][2]} succeeds", ok,
              r and (r.stdout + r.stderr))
    check("the 14 Pods have distinct addresses in the podCIDR",
          len(set(addrs.values())) == len(good)
          and all(a.startswith("10.10.3.") for a in addrs.values()),
          str(addrs))

    for i, what in ((BAD_PORT, "its port name is taken in OVSDB"),
                    (BAD_NETNS, "its netns is missing")):
        r = results[i]
        err = json.loads(r.stdout or "{}") if r else {}
        check(f"ADD {pods[i][2]} fails ({what}) with a CNI error",
              r is not None and r.returncode != 0 and err.get("code"),
              r and (r.stdout + r.stderr))
    out = sh("ip", "link", "show", bad_name, check=False, ns=NS)
    check("the refused Pod's veth is gone", not out.strip(), out)
    text = ipam_text(run)
    check("the failed Pods hold no address",
          "conc-cid-bad" not in text and "conc-cid-nons" not in text
          and all(pods[i][1] in text for i in good), text)
    ext = vsctl(ovs, "get", "Port", bad_name, "external_ids")
    check("the port that was there before is untouched",
          "owner" in ext and "container-id" not in ext, ext)

    ports = vsctl(ovs, "--columns=name,external_ids", "--format=json",
                  "list", "Port")
    rows = {row[0]: str(row[1]) for row in json.loads(ports)["data"]}
    flows = dump_flows(ovs)
    for i in good:
        name = host_ifname(pods[i][2], pods[i][1])
        ids = rows.get(name, "")
        check(f"{pods[i][2]}: port {name} with its external_ids",
              pods[i][1] in ids and addrs.get(i, "?") in ids, ids)
        check(f"{pods[i][2]}: flows for {addrs.get(i)}",
              f"nw_src={addrs.get(i)}" in flows)

    a, b = good[0], good[-1]
    r = subprocess.run(["ip", "netns", "exec", pods[a][0], "ping", "-c",
                        "2", "-W", "2", addrs.get(b, "0.0.0.0")],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check(f"{pods[a][2]} pings {pods[b][2]}", r.returncode == 0, r.stdout)

    # The DELs at once too (the agent's batched DEL path), with the one
    # of the Pod whose netns never existed (a DEL must work without it).
    dels = good + [BAD_NETNS]
    del_results = {}
    del_barrier = threading.Barrier(len(dels))

    def one_del(i):
        del_barrier.wait(TIMEOUT)
        del_results[i] = h.cni("DEL", *pods[i])

    threads = [threading.Thread(target=one_del, args=(i,)) for i in dels]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 2)
    for i in dels:
        r = del_results.get(i)
        check(f"DEL {pods[i][2]} succeeds", r is not None
              and r.returncode == 0, r and (r.stdout + r.stderr))
    r = h.cni("DEL", *pods[good[0]])
    check(f"DEL {pods[good[0]][2]} again succeeds (idempotent)",
          r.returncode == 0, r.stdout + r.stderr)
    out = sh("ip", "-o", "link", "show", "type", "veth", check=False, ns=NS)
    check("DEL removed every veth", "conc-" not in out, out)
    names = vsctl(ovs, "list-ports", "br-int").split()
    flows = dump_flows(ovs)
    check("DEL removed every Pod port (the foreign one stays)",
          names.count(bad_name) == 1
          and not any(n.startswith("conc-") for n in names), str(names))
    check("DEL removed every Pod flow",
          not any(f"nw_src={ip}" in flows for ip in addrs.values()))
    text = ipam_text(run)
    check("DEL released every address",
          not any(p[1] in text for p in pods), text)


if __name__ == "__main__":
    skip_unless_root_with_daemons()
    sys.exit(h.run_test(main))
