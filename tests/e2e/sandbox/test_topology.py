#!/usr/bin/python3
"""Self-test of the sandbox topology with real namespaces and real OVS.

Why: topology.py is the ground every e2e test stands on; this proves on
the machine itself that the underlay, the per-Node userspace OVS, routing
in split mode and teardown really work (root needed).  It refuses to run
while any asbx-* namespace exists, so it never clobbers a running sandbox.

Run:  sudo /usr/bin/python3 tests/e2e/sandbox/test_topology.py [-v]
Exit status 0 only when every check passed; every step is timed.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import sys
import tempfile
import time
import traceback
from typing import Any, Callable

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from sandbox import ovs, topology as topo, util  # noqa: E402


class Checker:
    """Runs named, timed steps; records pass/fail so all results print."""

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.rows: list[tuple[str, float, bool, str]] = []

    def step(self, name: str, fn: Callable[[], Any]) -> Any:
        """Run fn as step name; failures raise after being recorded."""
        t0 = time.monotonic()
        try:
            out = fn()
        except Exception as exc:
            dt = time.monotonic() - t0
            self.rows.append((name, dt, False, str(exc).splitlines()[0][:160]))
            print(f"FAIL {name} ({dt:.3f}s): {exc}", flush=True)
            if self.verbose:
                traceback.print_exc()
            raise
        dt = time.monotonic() - t0
        detail = "" if out is None else _brief(out)
        self.rows.append((name, dt, True, detail))
        print(f"ok   {name} ({dt:.3f}s) {detail}", flush=True)
        return out

    def table(self) -> str:
        """A summary table of all steps with their timings."""
        lines = [f"{'step':52} {'seconds':>8}  result"]
        for name, dt, ok, detail in self.rows:
            lines.append(f"{name:52} {dt:8.3f}  {'ok' if ok else 'FAIL'}"
                         f"{'  ' + detail if detail else ''}")
        return "\n".join(lines)


def _brief(value: Any) -> str:
    """Short text for a step's return value."""
    if isinstance(value, dict) and "mbit_s" in value:
        return f"{value['bytes']} B in {value['seconds']:.3f}s = " \
               f"{value['mbit_s']:.0f} Mbit/s"
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "..."


def expect(cond: bool, message: str) -> None:
    """Assert that keeps working under python -O."""
    if not cond:
        raise AssertionError(message)


def ping_ok(src: str, targets: list[str]) -> dict[str, float]:
    """Ping targets from src; fail naming every unanswered target."""
    res = topo.ping(src, targets)
    bad = [t for t, rtt in res.items() if rtt is None]
    expect(not bad, f"{src}: no answer from {bad}")
    return {t: round(rtt, 3) for t, rtt in res.items()}


def no_ipv4_on_eth0(i: int) -> str:
    """Node eth0 must be a bare OVS port (the IP lives on br-phy)."""
    ns = ovs.netns_name(i)
    out = util.run(["ip", "-n", ns, "-o", "addr", "show", "dev", "eth0"],
                   timeout=10).stdout
    expect(out.strip() == "", f"{ns}: eth0 has addresses: {out!r}")
    br = util.run(["ip", "-n", ns, "-o", "-4", "addr", "show", "dev",
                   "br-phy"], timeout=10).stdout
    expect(topo.node_ip(i, MODE[0]) in br, f"{ns}: br-phy lacks Node IP: {br}")
    return "eth0 bare, IP on br-phy"


MODE = ["same"]   # current mode for helpers above


def netdev_bridge(i: int, run_dir: str) -> str:
    """br-phy must be a userspace (netdev) bridge with eth0 as a port."""
    dp = ovs.vsctl(i, ["get", "bridge", "br-phy", "datapath_type"],
                   run_dir).strip()
    ports = ovs.vsctl(i, ["list-ports", "br-phy"], run_dir).split()
    tso = ovs.vsctl(i, ["get", "Open_vSwitch", ".",
                        "other_config:userspace-tso-enable"], run_dir).strip()
    expect(dp == "netdev", f"node{i}: datapath_type={dp}")
    expect(ports == ["eth0"], f"node{i}: br-phy ports {ports}")
    expect(tso.strip('"') == "true", f"node{i}: userspace-tso-enable={tso}")
    ofctl = ovs.ofctl(i, ["show", "br-phy"], run_dir)
    expect("eth0" in ofctl, f"node{i}: ovs-ofctl show br-phy: {ofctl}")
    appctl = ovs.appctl(i, ["dpif/show"], run_dir)
    expect("netdev@ovs-netdev" in appctl, f"node{i}: dpif/show: {appctl}")
    return "netdev, eth0 port, tso on; vsctl/ofctl/appctl reach node"


def no_root_veths() -> str:
    """The sandbox must never leave (or make) a veth in the root namespace."""
    veths = topo.root_veths()
    expect(veths == [], f"veths in the root namespace: {veths}")
    addrs = util.run(["ip", "-o", "-4", "addr", "show"], timeout=10).stdout
    expect("192.168.77." not in addrs and "192.168.78." not in addrs,
           f"underlay address in the root namespace: {addrs}")
    return "none (and no underlay address in the root namespace)"


def all_gone(pids: list[int], run_dir: str) -> str:
    """After destroy: no asbx-* netns, our OVS pids dead, files removed."""
    left = topo.sandbox_namespaces()
    expect(left == [], f"namespaces left: {left}")
    alive = [p for p in pids if util.pid_alive(p)]
    expect(alive == [], f"OVS processes still alive: {alive}")
    expect(not (pathlib.Path(run_dir) / "nodes").exists(),
           f"{run_dir}/nodes still exists")
    no_root_veths()
    return f"{len(pids)} OVS pids dead, no asbx-* netns, no root veth"


def our_pids(num_nodes: int, run_dir: str) -> list[int]:
    """Pids of every OVS daemon we started (from their pid files)."""
    pids = []
    for i in range(1, num_nodes + 1):
        for daemon, pid in ovs.running(i, run_dir).items():
            expect(pid is not None, f"node{i} {daemon} not running")
            pids.append(pid)
    return pids


def same_mode(c: Checker, run_dir: str) -> None:
    """Three Nodes on one subnet: ping, TCP, idempotency, teardown."""
    MODE[0] = "same"
    n = 3
    c.step("same: underlay", lambda: topo.create_underlay("same"))
    c.step("same: control plane asbx-cp",
           lambda: topo.create_control_plane("same"))
    c.step("same: external asbx-ext", lambda: topo.create_external("same"))
    for i in range(1, n + 1):
        c.step(f"same: node{i} (netns + OVS + br-phy)",
               lambda i=i: topo.create_node(i, "same", run_dir)["pids"])
    for i in range(1, n + 1):
        c.step(f"same: node{i} eth0 bare", lambda i=i: no_ipv4_on_eth0(i))
        c.step(f"same: node{i} br-phy is netdev",
               lambda i=i: netdev_bridge(i, run_dir))
    ip = {i: topo.node_ip(i, "same") for i in range(1, n + 1)}
    c.step("same: ping node1 -> node3", lambda: ping_ok("asbx-node1", [ip[3]]))
    c.step("same: ping node3 -> node1", lambda: ping_ok("asbx-node3", [ip[1]]))
    c.step("same: ping node1 -> cp, ext",
           lambda: ping_ok("asbx-node1", [topo.CP_IP, topo.EXT_IP]))
    c.step("same: full connectivity matrix",
           lambda: sum(len(v) for v in
                       topo.check_connectivity(n, "same").values()))
    c.step("same: TCP 32MiB node1 -> node3 (br-phy both ends)",
           lambda: topo.tcp_check("asbx-node3", ip[3], "asbx-node1"))
    c.step("same: TCP 32MiB node3 -> node1",
           lambda: topo.tcp_check("asbx-node1", ip[1], "asbx-node3"))
    c.step("same: TCP 32MiB node2 -> cp:6443-like port",
           lambda: topo.tcp_check("asbx-cp", topo.CP_IP, "asbx-node2",
                                  port=6443))
    c.step("same: TCP 32MiB cp -> node2",
           lambda: topo.tcp_check("asbx-node2", ip[2], "asbx-cp"))
    c.step("same: TCP 32MiB ext -> node1",
           lambda: topo.tcp_check("asbx-node1", ip[1], "asbx-ext"))
    c.step("same: no veth in root namespace", no_root_veths)
    pids = c.step("same: OVS pids", lambda: our_pids(n, run_dir))
    c.step("same: create() again (idempotent) + check",
           lambda: {k: round(v, 3) for k, v in
                    topo.create(n, "same", run_dir).items()})
    c.step("same: pids unchanged after re-create",
           lambda: expect(our_pids(n, run_dir) == pids, "OVS restarted"))
    c.step("same: destroy", lambda: topo.destroy(run_dir)["stopped"])
    c.step("same: nothing left", lambda: all_gone(pids, run_dir))


def split_mode(c: Checker, run_dir: str) -> None:
    """Two Nodes on two subnets joined by asbx-router."""
    MODE[0] = "split"
    n = 2
    times = c.step("split: create(2, split) incl. connectivity check",
                   lambda: {k: round(v, 3) for k, v in
                            topo.create(n, "split", run_dir).items()})
    del times
    ip1, ip2 = topo.node_ip(1, "split"), topo.node_ip(2, "split")
    c.step("split: addresses", lambda: expect(
        (ip1, ip2) == ("192.168.77.11", "192.168.78.12"), f"{ip1} {ip2}")
        or f"node1 {ip1}, node2 {ip2}")
    for i in (1, 2):
        c.step(f"split: node{i} eth0 bare", lambda i=i: no_ipv4_on_eth0(i))
    c.step("split: node2 default route via router", lambda: _route_via(
        "asbx-node2", "192.168.78.1"))
    c.step("split: ping node1 (.77) -> node2 (.78)",
           lambda: ping_ok("asbx-node1", [ip2]))
    c.step("split: ping node2 (.78) -> node1, cp, ext",
           lambda: ping_ok("asbx-node2", [ip1, topo.CP_IP, topo.EXT_IP]))
    c.step("split: TCP 32MiB node1 -> node2 through router",
           lambda: topo.tcp_check("asbx-node2", ip2, "asbx-node1"))
    c.step("split: TCP 32MiB node2 -> cp through router",
           lambda: topo.tcp_check("asbx-cp", topo.CP_IP, "asbx-node2",
                                  port=6443))
    c.step("split: no veth in root namespace", no_root_veths)
    pids = c.step("split: OVS pids", lambda: our_pids(n, run_dir))
    c.step("split: destroy", lambda: topo.destroy(run_dir)["namespaces"])
    c.step("split: nothing left", lambda: all_gone(pids, run_dir))


def _route_via(ns: str, gw: str) -> str:
    """The default route of ns must point at gw."""
    out = util.run(["ip", "-n", ns, "route", "show", "default"],
                   timeout=10).stdout
    expect(f"via {gw}" in out, f"{ns}: default route {out!r}")
    return out.strip()


def half_made(c: Checker, run_dir: str) -> None:
    """destroy() must cope with an interrupted bring-up and with nothing."""
    MODE[0] = "same"
    c.step("half: underlay + node1, then lose vswitchd pid file", lambda: (
        topo.create_underlay("same"), topo.create_node(1, "same", run_dir),
        ovs.pid_file(1, "ovs-vswitchd", run_dir).unlink()) and None)
    stray = util.read_pid(ovs.pid_file(1, "ovsdb-server", run_dir))
    vsw = [p for p in topo.ns_pids("asbx-node1")
           if util.pid_matches(p, "ovs-vswitchd")]
    c.step("half: a bare namespace asbx-router only",
           lambda: topo.ensure_ns(topo.ROUTER_NS))
    c.step("half: destroy", lambda: topo.destroy(run_dir)["stopped"])
    c.step("half: nothing left (incl. pid-file-less vswitchd)",
           lambda: all_gone([p for p in [stray, *vsw] if p], run_dir))
    c.step("empty: destroy with nothing there",
           lambda: topo.destroy(run_dir))


def no_tso_control(c: Checker, run_dir: str) -> None:
    """Control experiment: without userspace TSO, TCP must fail (detected).

    Proves both that tcp_check notices a stall and that the tso setting
    ovs.start writes is what makes TCP work.
    """
    MODE[0] = "same"
    c.step("no-tso: underlay + cp + node1 with tso=False", lambda: (
        topo.create_underlay("same"), topo.create_control_plane("same"),
        topo.create_node(1, "same", run_dir, tso=False)) and None)
    c.step("no-tso: ping node1 -> cp still works",
           lambda: ping_ok("asbx-node1", [topo.CP_IP]))

    def tcp_must_fail() -> str:
        try:
            topo.tcp_check("asbx-node1", topo.node_ip(1, "same"), "asbx-cp",
                           size=1 << 20, timeout=3)
        except util.CommandError as exc:
            return "failed as expected: " + str(exc).splitlines()[-1][-60:]
        raise AssertionError("TCP worked without userspace TSO: the "
                             "checksum stall premise no longer holds")
    c.step("no-tso: TCP cp -> node1 stalls (expected)", tcp_must_fail)
    pids = c.step("no-tso: OVS pids", lambda: our_pids(1, run_dir))
    c.step("no-tso: destroy", lambda: topo.destroy(run_dir)["stopped"])
    c.step("no-tso: nothing left", lambda: all_gone(pids, run_dir))


def main() -> int:
    """Run every scenario; print the timing table; exit 0 only if all pass."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary run directory")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("test_topology: needs root (network namespaces, OVS)")
        return 77
    existing = topo.sandbox_namespaces()
    if existing:
        print(f"test_topology: refusing to run, asbx-* namespaces exist "
              f"(a sandbox is up?): {existing}")
        return 2
    run_dir = tempfile.mkdtemp(prefix="asbx-test-topology-")
    c = Checker(args.verbose)
    ok = True
    t0 = time.monotonic()
    for scenario in (same_mode, split_mode, half_made, no_tso_control):
        try:
            scenario(c, run_dir)
        except Exception:  # noqa: BLE001 - recorded; clean up, go on
            ok = False
            try:
                report = topo.destroy(run_dir)
                print(f"cleanup after failure: {report}")
            except Exception as exc:  # noqa: BLE001
                print(f"cleanup after failure FAILED: {exc}")
    total = time.monotonic() - t0
    print()
    print(c.table())
    print(f"{'total':52} {total:8.3f}")
    if ok and not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    else:
        print(f"run directory (logs): {run_dir}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
