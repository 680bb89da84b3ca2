#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""End-to-end test of the noEncap and hybrid modes on the sandbox cluster.

Each mode runs on its own `cluster up --nodes 3 --cni antrea --mode MODE
--subnets split`: node1 and node3 share 192.168.77.0/24, node2 is in
192.168.78.0/24 behind asbx-router.  So one cluster has both of the paths
each mode promises:

  noEncap  node1 <-> node3: a host route "podCIDR via peer node IP";
           node1 <-> node2: no per-peer route, the underlay (the router's
           routes to the Pod CIDRs, added by `cluster up`) carries Pod
           addresses; no tunnel port at all.
  hybrid   node1 <-> node3: routed as in noEncap;
           node1 <-> node2: tunnelled (geneve) through antrea-tun0; the
           router knows no Pod CIDR, so only the tunnel can work.

Checked for each mode, with real packets: Pod-to-Pod ICMP (no duplicate
replies), TCP and UDP on one Node and across Nodes on both paths, with the
far end seeing the Pod's own address (no SNAT between Pods); Pod to the
external host through SNAT (it sees the Node IP); node1's routes (main
table, table 300, the fwmark rule), iptables chains (ANTREA-POSTROUTING
with the peers' Pod CIDRs exempt from masquerading, ANTREA-MANGLE,
ANTREA-RAW), its OVS ports and L3Forwarding flows; and a capture on the
underlay bridge br-a showing plain Pod addresses on the routed paths and
(hybrid) geneve only between the subnets.  Then the NetworkPolicy
conformance suite (netpol/netpol.py run) on the same cluster, unless
ANTREA_MODES_NETPOL=0; ANTREA_MODES_NETPOL_CASES (regular expressions)
narrows it.  `cluster down` after each mode, with the checks of
test_antrea.py.

Then the same connectivity, route, flow and capture checks (without the
conformance suite) in the other combinations the userspace datapath
supports: hybrid with the vxlan and gre tunnels ("hybrid:vxlan",
"hybrid:gre"), and noEncap with noSNAT ("noEncap:nosnat", `cluster up
--no-snat`: the external host has routes to the Pod CIDRs, as the network
of such a deployment must, sees the Pods' own addresses, and no
MASQUERADE rule exists).

ANTREA_E2E_MODES (default "noEncap hybrid hybrid:vxlan hybrid:gre
noEncap:nosnat") picks the runs: MODE or MODE:VARIANT, VARIANT a tunnel
type or "nosnat"; the conformance suite runs in a mode's plain run only.  The build
tree is found as `cluster up` finds it; without one the test is skipped
(exit 77).  Exit status 0 only if every check passed.  Needs root.
"""

import json
import os
import pathlib
import re
import subprocess
import sys
import time

E2E = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(E2E))

from sandbox import cluster as sbx  # noqa: E402
from sandbox import util  # noqa: E402
import test_antrea as ta  # noqa: E402
from test_antrea import (check, down_checks, in_netns_argv,  # noqa: E402
                         node_exec, start_pods, tcp_transfer, udp_echo)
from test_sandbox import cluster, host_snapshot  # noqa: E402

UNDERLAY_NS = "asbx-underlay"
PY = "/usr/bin/python3"


def ping_no_dup(src: str, dst: str) -> None:
    """Three pings from src to dst: all answered, none twice.  First,
    single pings until one is answered (at most 5), whose losses are not
    counted: the userspace datapath drops the packet that makes it resolve
    a tunnel's next hop (tnl/neigh), once in each direction."""
    for _ in range(5):
        if subprocess.run(in_netns_argv(src, ["ping", "-c", "1", "-W", "1",
                                              dst]),
                          capture_output=True, text=True,
                          timeout=30).returncode == 0:
            break
    p = subprocess.run(in_netns_argv(src, ["ping", "-c", "3", "-i", "0.3",
                                           "-W", "2", dst]),
                       capture_output=True, text=True, timeout=30)
    out = p.stdout + p.stderr
    check(p.returncode == 0 and " 0% packet loss" in out,
          f"{src} pings {dst}", out)
    check("DUP!" not in out, f"{src} -> {dst}: no duplicate replies", out)


class Capture:
    """tcpdump on the underlay bridge br-a while traffic runs."""

    def __init__(self, bpf: str) -> None:
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", UNDERLAY_NS, "tcpdump", "-l", "-nn",
             "-i", "br-a", bpf],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)         # tcpdump has opened the interface

    def lines(self) -> list[str]:
        """Stops the capture; answers its lines."""
        time.sleep(0.5)
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=10)
        return [line for line in out.splitlines() if line.strip()]


def captured(src: str, dst_ip: str, bpf: str) -> list[str]:
    """The br-a packets matching bpf while src pings dst_ip twice."""
    cap = Capture(bpf)
    subprocess.run(in_netns_argv(src, ["ping", "-c", "2", "-i", "0.3", "-W",
                                       "2", dst_ip]),
                   capture_output=True, text=True, timeout=30)
    return cap.lines()


# What a tunnel looks like on the underlay, for tcpdump.
TUNNEL_BPF = {"geneve": "udp port 6081", "vxlan": "udp port 4789",
              "gre": "ip proto 47"}


def host_checks(mode: str, info: dict, ip: dict[str, str], *,
                tunnel: str = "geneve", no_snat: bool = False) -> None:
    """node1's routes, rules, iptables chains, OVS ports and flows."""
    node_ip = {n["name"]: n["ip"] for n in info["nodes"]}
    cidr = {n["name"]: n["podCIDR"] for n in info["nodes"]}
    routes = node_exec("node1", "ip", "route").stdout
    check(re.search(rf"^{re.escape(cidr['node3'])} via "
                    rf"{re.escape(node_ip['node3'])} dev br-phy proto 65",
                    routes, re.M) is not None,
          f"{mode}: node1 routes node3's Pods via node3's IP (same subnet)",
          routes)
    if mode.startswith("noEncap"):
        check(cidr["node2"] not in routes,
              f"{mode}: node1 has no route of its own to node2's Pods "
              "(other subnet: the underlay's)", routes)
    else:
        check(re.search(rf"^{re.escape(cidr['node2'])} via 10\.10\.2\.1 "
                        r"dev antrea-gw0 proto 65 onlink", routes, re.M)
              is not None,
              f"{mode}: node1 sends node2's Pods into OVS (tunnel, other "
              "subnet)", routes)
    table = node_exec("node1", "ip", "route", "show", "table", "300").stdout
    check(f"{cidr['node1']} dev antrea-gw0" in table
          and f"{cidr['node3']} via 10.10.3.1 dev antrea-gw0" in table,
          f"{mode}: route table 300 holds the local podCIDR and the peers' "
          "via the gateway", table)
    rules = node_exec("node1", "ip", "rule").stdout
    check("300:\tfrom all fwmark 0x800/0x800 iif antrea-gw0 lookup 300"
          in rules, f"{mode}: ip rule iif antrea-gw0 fwmark 0x800/0x800 "
          "lookup 300", rules)
    save = node_exec("node1", "iptables-legacy-save").stdout
    for peer in ("node2", "node3") if not no_snat else ():
        check(f"-A ANTREA-POSTROUTING -s {cidr['node1']} -d {cidr[peer]} "
              "-m comment --comment \"Antrea: do not masquerade pod to pod "
              "packets\" -j RETURN" in save,
              f"{mode}: Pod traffic to {peer}'s Pods is not masqueraded",
              save)
    if no_snat:
        check("MASQUERADE" not in save,
              f"{mode}: noSNAT: nothing is masqueraded", save)
    else:
        check(f"-A ANTREA-POSTROUTING -s {cidr['node1']} ! -o antrea-gw0"
              in save and "-j MASQUERADE" in save,
              f"{mode}: Pod traffic leaving the cluster is masqueraded",
              save)
    check("-A ANTREA-MANGLE -d 10.96.0.0/12 -i antrea-gw0" in save
          and "--set-xmark 0x800/0x800" in save,
          f"{mode}: ANTREA-MANGLE marks Service traffic 0x800", save)
    check("-A ANTREA-RAW -i antrea-gw0 -m mac --mac-source "
          "de:ad:be:ef:de:ad" in save and "-j CT --notrack" in save,
          f"{mode}: ANTREA-RAW leaves re-entering packets untracked", save)

    show = node_exec("node1", "ovs-vsctl", "show").stdout
    flows = node_exec("node1", "ovs-ofctl", "dump-flows", "br-int").stdout
    routed = re.search(rf"table=70,.*nw_dst={re.escape(cidr['node3'])} "
                       r"actions=dec_ttl,mod_dl_dst:", flows)
    check(routed is not None, f"{mode}: L3Forwarding sends node3's Pods to "
          "the gateway", flows)
    if mode.startswith("noEncap"):
        check("antrea-tun0" not in show, f"{mode}: no tunnel port", show)
        check(re.search(rf"table=70,.*nw_dst={re.escape(cidr['node2'])} "
                        r"actions=dec_ttl,mod_dl_dst:", flows) is not None,
              f"{mode}: L3Forwarding sends node2's Pods to the gateway",
              flows)
    else:
        check("antrea-tun0" in show and f"type: {tunnel}" in show,
              f"{mode}: antrea-tun0 is a {tunnel} port", show)
        check(re.search(rf"table=70,.*nw_dst={re.escape(cidr['node2'])} "
                        r"actions=.*->NXM_NX_TUN_IPV4_DST", flows) is not None,
              f"{mode}: L3Forwarding tunnels node2's Pods", flows)


def capture_checks(mode: str, info: dict, ip: dict[str, str], *,
                   tunnel: str = "geneve") -> None:
    """What crosses the underlay (br-a): Pod addresses in the clear on the
    routed paths; the tunnel only between the subnets (hybrid)."""
    node_ip = {n["name"]: n["ip"] for n in info["nodes"]}
    same = captured("default/web-a", ip["web-d"],
                    f"icmp and host {ip['web-a']} and host {ip['web-d']}")
    check(len(same) >= 4, f"{mode}: node1 -> node3 (same subnet) crosses "
          "the underlay as plain Pod-to-Pod ICMP", "\n".join(same))
    tun = captured("default/web-a", ip["web-d"], TUNNEL_BPF[tunnel])
    check(tun == [], f"{mode}: no {tunnel} between node1 and node3",
          "\n".join(tun))
    if mode.startswith("noEncap"):
        other = captured("default/web-a", ip["web-c"],
                         f"icmp and host {ip['web-a']} and host "
                         f"{ip['web-c']}")
        check(len(other) >= 4, f"{mode}: node1 -> node2 (other subnet) "
              "crosses the underlay as plain Pod-to-Pod ICMP, through the "
              "router", "\n".join(other))
        tun = captured("default/web-a", ip["web-c"], "udp")
        check(not any(".6081" in t or ".4789" in t for t in tun),
              f"{mode}: no tunnel traffic at all", "\n".join(tun))
    else:
        enc = captured("default/web-a", ip["web-c"],
                       f"{TUNNEL_BPF[tunnel]} and host {node_ip['node1']} "
                       f"and host {node_ip['node2']}")
        check(len(enc) >= 4, f"{mode}: node1 -> node2 (other subnet) is "
              f"{tunnel} between the Node IPs", "\n".join(enc))
        plain = captured("default/web-a", ip["web-c"],
                         f"icmp and host {ip['web-a']} and host "
                         f"{ip['web-c']}")
        check(plain == [], f"{mode}: node1 -> node2 Pod addresses never "
              "appear unencapsulated on the underlay", "\n".join(plain))


def netpol_checks(mode: str) -> None:
    """The NetworkPolicy conformance suite on this cluster."""
    if os.environ.get("ANTREA_MODES_NETPOL", "1") == "0":
        print(f"---- {mode}: NetworkPolicy suite skipped "
              "(ANTREA_MODES_NETPOL=0)", flush=True)
        return
    report = pathlib.Path(os.environ.get("ANTREA_NETPOL_JSON_DIR", "/tmp")) \
        / f"antrea-netpol-modes-{mode}.json"
    argv = [PY, str(E2E / "netpol" / "netpol.py"), "run", "--json",
            str(report), "--teardown",
            *os.environ.get("ANTREA_MODES_NETPOL_CASES", "").split()]
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
    check(p.returncode == 0, f"{mode}: NetworkPolicy conformance suite "
          f"({time.monotonic() - t0:.0f} s, {report})",
          p.stdout[-3000:] + p.stderr[-1500:])


def mode_run(mode: str, variant: str = "") -> None:
    """Everything for one mode (and variant: a tunnel type or "nosnat"),
    on one cluster."""
    tunnel = variant if variant in TUNNEL_BPF else "geneve"
    no_snat = variant == "nosnat"
    extra = ["--no-snat"] if no_snat else []
    t0 = time.monotonic()
    cluster("up", "--nodes", "3", "--cni", "antrea", "--mode", mode,
            "--tunnel", tunnel, "--subnets", "split", *extra, timeout=900)
    check(True, f"cluster up --nodes 3 --mode {mode} --tunnel {tunnel} "
          f"--subnets split{''.join(' ' + x for x in extra)} "
          f"({time.monotonic() - t0:.0f} s)")
    label = f"{mode}:{variant}" if variant else mode
    info = json.loads(cluster("info").stdout)
    pods = start_pods(info, {"web-a": "node1", "web-b": "node1",
                             "web-c": "node2", "web-d": "node3"})
    ip = {n: p["status"]["podIP"] for n, p in pods.items()}
    node_ip = {n["name"]: n["ip"] for n in info["nodes"]}

    ping_no_dup("default/web-a", ip["web-b"])
    for dst in ("web-c", "web-d"):
        ping_no_dup("default/web-a", ip[dst])
        ping_no_dup(f"default/{dst}", ip["web-a"])
    ping_no_dup("default/web-a", "10.10.1.1")
    tcp_transfer("default/web-a", "default/web-b", ip["web-b"], 5101,
                 ip["web-a"])
    tcp_transfer("default/web-a", "default/web-c", ip["web-c"], 5102,
                 ip["web-a"])
    tcp_transfer("default/web-d", "default/web-a", ip["web-a"], 5103,
                 ip["web-d"])
    udp_echo("default/web-a", "default/web-c", ip["web-c"], 5104,
             ip["web-a"])
    udp_echo("default/web-d", "default/web-a", ip["web-a"], 5105,
             ip["web-d"])
    ping_no_dup("default/web-a", sbx.EXTERNAL_IP)
    # With noSNAT the external host sees the Pods' own addresses.
    tcp_transfer("default/web-a", sbx.EXTERNAL_NS, sbx.EXTERNAL_IP, 5106,
                 ip["web-a"] if no_snat else node_ip["node1"],
                 size=1_000_000)
    tcp_transfer("default/web-c", sbx.EXTERNAL_NS, sbx.EXTERNAL_IP, 5107,
                 ip["web-c"] if no_snat else node_ip["node2"],
                 size=1_000_000)
    host_checks(label, info, ip, tunnel=tunnel, no_snat=no_snat)
    capture_checks(label, info, ip, tunnel=tunnel)
    if not variant:
        netpol_checks(mode)


def main() -> int:
    """Each mode of ANTREA_E2E_MODES: up, checks, down."""
    if os.geteuid() != 0:
        print("test_modes: needs root", file=sys.stderr)
        return 77
    if util.run_dir().joinpath("state.json").exists():
        print("test_modes: a sandbox cluster is running; not touching it",
              file=sys.stderr)
        return 2
    try:
        build = sbx.find_build_dir()
    except sbx.ClusterError as e:
        print(f"test_modes: SKIP: {e}", file=sys.stderr)
        return 77
    print(f"build tree: {build}", flush=True)
    for run in os.environ.get("ANTREA_E2E_MODES",
                              "noEncap hybrid hybrid:vxlan hybrid:gre "
                              "noEncap:nosnat").split():
        mode, _, variant = run.partition(":")
        print(f"=== mode {run}", flush=True)
        before = host_snapshot()
        try:
            mode_run(mode, variant)
        except Exception as e:  # noqa: BLE001 - report any failure, clean
            check(False, f"the {mode} test ran to the end", repr(e))
            for log in sorted((util.run_dir() / "logs").glob("*-agent.log")):
                print(f"--- {log} (end)\n"
                      f"{log.read_text(errors='replace')[-3000:]}",
                      flush=True)
        finally:
            down_checks(before, mode)
    print(f"\n{len(ta.failures)} failure(s)" if ta.failures else "\nPASS")
    return 1 if ta.failures else 0


if __name__ == "__main__":
    sys.exit(main())
