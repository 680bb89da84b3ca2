#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""End-to-end test of IPsec (trafficEncryptionMode: ipsec) on the sandbox.

`cluster up --nodes 3 --cni antrea --ipsec` runs, per Node, antrea-agent
with the ipsec module (espMode: tunnel), ovs-monitor-ipsec and strongSwan's
charon with kernel-libipsec (ESP in userspace: the sandbox's userspace
datapath bypasses the kernel's XFRM, see docs/plugins.md).  Checked:

- every agent made one IPsec tunnel port per peer Node (Port external_ids
  antrea-type=ipsec-tunnel and node-name, options remote_ip = the peer's
  IP and psk) and its Classifier flow on br-int;
- IKE SAs and CHILD SAs are up between EVERY pair of Nodes, as strongSwan
  and `cluster status` show them;
- Pod-to-Pod traffic across Nodes works (ping both ways between all three
  Nodes, and a TCP transfer), and on the underlay it is ESP in UDP 4500
  only: a capture on node1's eth0 holds ESP packets to and from both peers,
  no plain Geneve, and not the marker the Pods sent, while a capture in the
  receiving Pod shows the marker (so the capture could have seen it);
- a wrong pre-shared key on node3: `cluster status` reports the failed
  authentication for node3's peers, node3 has no SA, node1 and node2 keep
  theirs and their Pods keep talking, and Pods on node3 are not reached in
  the clear (no Geneve on the wire); the right key brings every SA back;
- no agent log holds either key;
- `down` leaves nothing behind (test_sandbox.py's checks).

Exit 77 (skipped) without root, strongSwan, ovs-monitor-ipsec, tcpdump or
a build tree (found as `cluster up` finds it).  Exit 0 only if every
check passed.  Every wait is bounded; the whole test takes about a minute
(< 5 min).  Takes the sandbox lock (/tmp/antrea-sandbox.lock) unless
ANTREA_SANDBOX_LOCKED is set (run-e2e.sh holds it); e2e_main.py.
"""

import json
import os
import pathlib
import re
import select
import shutil
import subprocess
import sys
import time

E2E = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(E2E))

from sandbox import cluster as sbx  # noqa: E402
from sandbox import ipsec as sbx_ipsec  # noqa: E402
from sandbox import util  # noqa: E402
from test_sandbox import cluster, create_pod, wait_running  # noqa: E402
import e2e_main  # noqa: E402
import test_antrea as ta  # noqa: E402

check = ta.check
failures = ta.failures
NODES = 3
# How long SAs may take to come up (or go down) after a change.
SA_TIMEOUT = 60.0
# A key that is not the cluster's, for node3.
WRONG_PSK = f"not-the-cluster-key-{os.getpid()}"
# 16 ASCII bytes the Pods send (ping -p repeats them through the payload).
MARKER = f"IPSEC{os.getpid() % 10**11:011d}"
STRONGSWAN = ("/usr/sbin/ipsec", "/usr/lib/ipsec/charon",
              "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so")


def missing_programs() -> list[str]:
    """What the test needs from the machine and does not find."""
    need = list(STRONGSWAN) + [sbx_ipsec.MONITOR]
    missing = [p for p in need if not os.access(p, os.R_OK)]
    if not shutil.which("tcpdump"):
        missing.append("tcpdump")
    return missing


def node_ips(info: dict) -> dict[str, str]:
    """{node name: node IP}."""
    return {n["name"]: n["ip"] for n in info["nodes"]}


def sa_view() -> dict[int, dict]:
    """Every Node's strongSwan view (sandbox/ipsec.py status)."""
    view = {}
    for i in range(1, NODES + 1):
        try:
            view[i] = sbx_ipsec.status(i)
        except (util.CommandError, OSError,
                subprocess.SubprocessError) as e:
            view[i] = {"error": str(e), "ike_peers": [], "child_sas": [],
                       "auth_failures": []}
    return view


def pairs_up(view: dict[int, dict], ips: dict[str, str],
             nodes: list[int]) -> list[str]:
    """The pairs among 'nodes' that are NOT up on both ends (IKE SA with
    the peer, and CHILD SAs installed)."""
    down = []
    for i in nodes:
        for j in nodes:
            if i != j and ips[f"node{j}"] not in view[i]["ike_peers"]:
                down.append(f"node{i}->node{j}")
        if len(nodes) > 1 and not view[i]["child_sas"]:
            down.append(f"node{i}: no CHILD SA")
    return down


def retry_down() -> None:
    """Starts again the connections that are not up on every Node.  After
    an agent restart, a peer may answer with the key it had before its
    ovs-monitor-ipsec reloaded, and charon does not retry a failed
    authentication by itself (sandbox/ipsec.py retry_down)."""
    for i in range(1, NODES + 1):
        try:
            sbx_ipsec.retry_down(i)
        except (util.CommandError, OSError, subprocess.SubprocessError):
            pass        # the status checks report it


def wait_all_pairs_up(ips: dict[str, str], what: str,
                      retry: bool = False) -> None:
    """Waits (bounded) until every pair of Nodes has its SAs; checks it.
    With 'retry', starts connections that are down again every 5 s."""
    nodes = list(range(1, NODES + 1))
    deadline = time.monotonic() + SA_TIMEOUT
    next_retry = time.monotonic() + 5
    while True:
        view = sa_view()
        down = pairs_up(view, ips, nodes)
        if not down or time.monotonic() > deadline:
            break
        if retry and time.monotonic() > next_retry:
            retry_down()
            next_retry = time.monotonic() + 5
        time.sleep(1)
    check(not down, f"{what}: IKE and CHILD SAs up between every pair of "
          f"the {NODES} Nodes", f"not up: {down}; node1: "
          f"{view[1].get('statusall', view[1].get('error'))}")


def port_checks(info: dict) -> None:
    """One IPsec tunnel port per peer, with remote_ip and psk, and its
    Classifier flow."""
    ips = node_ips(info)
    for node in ips:
        p = ta.node_exec(node, "ovs-vsctl", "--format=json",
                         "--columns=name,external_ids", "list", "Port")
        ports = {}
        if p.returncode == 0:
            for name, ids in json.loads(p.stdout)["data"]:
                pairs = dict(ids[1]) if ids and ids[0] == "map" else {}
                if pairs.get("antrea-type") == "ipsec-tunnel":
                    ports[pairs.get("node-name")] = name
        peers = sorted(n for n in ips if n != node)
        check(sorted(ports) == peers,
              f"{node}: one IPsec tunnel port per peer ({', '.join(peers)})",
              json.dumps(ports))
        flows = ta.node_exec(node, "ovs-ofctl", "dump-flows",
                             "br-int").stdout
        for peer, port in ports.items():
            q = ta.node_exec(node, "ovs-vsctl", "--format=json",
                             "--columns=type,options,ofport", "find",
                             "Interface", f"name={port}")
            rows = json.loads(q.stdout)["data"] if q.returncode == 0 else []
            row = rows[0] if rows else ["", ["map", []], -1]
            opts = dict(row[1][1])
            ofport = row[2]
            check(row[0] == "geneve" and opts.get("remote_ip") == ips[peer]
                  and opts.get("psk") == sbx.SANDBOX_IPSEC_PSK
                  and opts.get("ipsec_type") == "tunnel",
                  f"{node}: port {port} to {peer} is geneve with remote_ip "
                  f"{ips[peer]}, the cluster's psk, ipsec_type tunnel",
                  json.dumps(row))
            check(f"in_port={ofport} " in flows
                  or f"in_port={ofport}," in flows,
                  f"{node}: Classifier flow for {port} (ofport {ofport})",
                  flows)


class Capture:
    """tcpdump writing a pcap file in a namespace, until stopped; in
    immediate mode, so that every packet seen is in the file when it is
    stopped (libpcap otherwise holds packets back in blocks)."""

    def __init__(self, netns: str, iface: str, bpf: str,
                 path: pathlib.Path) -> None:
        """Starts tcpdump and waits (bounded) until it listens."""
        self.path = path
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", netns, "tcpdump", "-n", "-U",
             "--immediate-mode", "-i", iface, "-w", str(path),
             *bpf.split()],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, bufsize=0)
        # tcpdump says "listening on" (after other notes) once it
        # captures.  Raw reads of the pipe: a buffered readline() could
        # swallow both lines at once and leave select() nothing to see.
        deadline = time.monotonic() + 15
        said = b""
        while b"listening on" not in said:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stderr], [], [],
                                        max(left, 0))
            chunk = os.read(self.proc.stderr.fileno(), 4096) if ready else b""
            if not chunk:
                self.proc.kill()
                self.proc.communicate(timeout=5)
                text = said.decode(errors="replace")
                raise RuntimeError(f"tcpdump in {netns} on {iface} did "
                                   f"not start: {text}")
            said += chunk

    def stop(self) -> tuple[bytes, str]:
        """Stops tcpdump; answers the pcap's bytes and its text dump."""
        time.sleep(1)          # what is still in flight
        self.proc.terminate()
        try:
            self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate(timeout=5)
        data = self.path.read_bytes() if self.path.exists() else b""
        text = subprocess.run(["tcpdump", "-n", "-r", str(self.path)],
                              capture_output=True, text=True,
                              timeout=30).stdout
        return data, text


def ping_marker(src: str, dst: str, count: int = 3) -> int:
    """Pings with MARKER repeated through a 256-byte payload; answers the
    number of replies."""
    p = subprocess.run(ta.in_netns_argv(src, [
        "ping", "-c", str(count), "-i", "0.2", "-W", "2", "-s", "256",
        "-p", MARKER.encode().hex(), dst]),
        capture_output=True, text=True, timeout=30)
    m = re.search(r"(\d+) received", p.stdout)
    return int(m.group(1)) if m else 0


def wire_checks(info: dict, pods: dict[str, dict]) -> None:
    """Pod traffic from node1 to node2 and node3 is ESP on node1's eth0,
    without the payload; the receiving Pod sees the payload."""
    ips = node_ips(info)
    tmp = sbx.run_dir() / "test-ipsec"
    tmp.mkdir(exist_ok=True)
    wire = Capture("asbx-node1", "eth0",
                   "udp port 4500 or udp port 500 or udp port 6081 "
                   "or esp", tmp / "node1-eth0.pcap")
    inside = Capture(sbx.pod_netns("default", "ip-2"), "any", "icmp",
                     tmp / "ip-2.pcap")
    replies = {}
    try:
        for peer in ("node2", "node3"):
            pod = f"ip-{peer[-1]}"
            replies[peer] = ping_marker("default/ip-1",
                                        pods[pod]["status"]["podIP"])
    finally:
        wire_data, wire_text = wire.stop()
        inside_data, _ = inside.stop()
    check(all(replies.values()), "ip-1 (node1) pings ip-2 and ip-3 with "
          "the marker payload", str(replies))
    check(MARKER.encode() in inside_data,
          "the marker is readable in a capture inside ip-2 (the payload "
          "was sent in the clear to the Pod)")
    lines = wire_text.splitlines()
    for peer in ("node2", "node3"):
        esp_out = [ln for ln in lines if "ESP" in ln and
                   f"{ips['node1']}.4500 > {ips[peer]}.4500" in ln]
        esp_in = [ln for ln in lines if "ESP" in ln and
                  f"{ips[peer]}.4500 > {ips['node1']}.4500" in ln]
        # Every answered ping is one ESP packet each way (or more).
        check(replies[peer] >= 1 and len(esp_out) >= replies[peer]
              and len(esp_in) >= replies[peer],
              f"node1's eth0: Pod traffic with {peer} is ESP in UDP 4500 "
              f"both ways ({replies[peer]} replies; {len(esp_out)} out, "
              f"{len(esp_in)} in)", wire_text[-2000:])
    geneve = [ln for ln in lines if ".6081" in ln]
    check(not geneve, "node1's eth0: no plain Geneve on the underlay",
          "\n".join(geneve[:5]))
    check(MARKER.encode() not in wire_data,
          "node1's eth0: the marker the Pods sent is not in the capture")


def connectivity(pods: dict[str, dict]) -> None:
    """Ping between every pair of Pods (one per Node), and TCP."""
    ip = {n: p["status"]["podIP"] for n, p in pods.items()}
    for a in ip:
        for b in ip:
            if a != b:
                ta.ping(f"default/{a}", ip[b])
    ta.tcp_transfer("default/ip-1", "default/ip-3", ip["ip-3"], 5301,
                    ip["ip-1"], size=2_000_000)


def status_text() -> str:
    """`cluster status`, whatever its exit status."""
    return cluster("status", check_rc=False, timeout=120).stdout


def wrong_psk_checks(info: dict, pods: dict[str, dict]) -> None:
    """node3's agent restarts with a wrong key: reported, its SAs stay
    down, node1-node2 is unaffected, node3's Pods are not reached in the
    clear; the right key brings everything back."""
    ips = node_ips(info)
    ip = {n: p["status"]["podIP"] for n, p in pods.items()}
    sbx.restart_agent(3, psk=WRONG_PSK)

    def reported() -> bool:
        view = sa_view()
        fails = view[3]["auth_failures"]
        return (not view[3]["ike_peers"]
                and ips["node3"] not in view[1]["ike_peers"]
                and ips["node3"] not in view[2]["ike_peers"]
                and all(any(ips[p] in f for f in fails)
                        for p in ("node1", "node2")))
    deadline = time.monotonic() + SA_TIMEOUT
    next_retry = time.monotonic() + 5
    while not reported() and time.monotonic() < deadline:
        if time.monotonic() > next_retry:
            retry_down()
            next_retry = time.monotonic() + 5
        time.sleep(1)
    view = sa_view()
    check(not view[3]["ike_peers"], "wrong key on node3: node3 has no IKE "
          "SA", str(view[3]["ike_peers"]))
    check(ips["node3"] not in view[1]["ike_peers"]
          and ips["node3"] not in view[2]["ike_peers"],
          "wrong key on node3: node1 and node2 have no SA with node3")
    check(all(any(ips[p] in f for f in view[3]["auth_failures"])
              for p in ("node1", "node2")),
          "wrong key on node3: its charon logs the failed authentication "
          "with node1 and node2", "\n".join(view[3]["auth_failures"]))
    check(not pairs_up(view, ips, [1, 2]),
          "wrong key on node3: node1 and node2 keep their SAs",
          str(pairs_up(view, ips, [1, 2])))

    text = status_text()
    node3_lines = [ln for ln in text.splitlines()
                   if ln.split()[1:3] == ["node3", "IPsec"]]
    check(len(node3_lines) == 2
          and all(ln.startswith("DOWN") and "authentication FAILED" in ln
                  for ln in node3_lines),
          "`cluster status` reports node3's failed authentication with "
          "both peers", text)
    check(re.search(r"^ok\s+node1 IPsec with node2 ", text, re.M)
          is not None, "`cluster status`: node1 with node2 is still ok",
          text)

    ta.ping("default/ip-1", ip["ip-2"])
    wire = Capture("asbx-node1", "eth0", "udp port 6081",
                   sbx.run_dir() / "test-ipsec" / "wrong-psk.pcap")
    try:
        reached = ta.pings_once("default/ip-1", ip["ip-3"])
    finally:
        _, geneve = wire.stop()
    check(not reached, "wrong key on node3: ip-1 does not reach ip-3 (no "
          "SA, nothing sent in the clear)")
    check(not geneve.strip(), "wrong key on node3: no plain Geneve left "
          "node1", geneve)

    sbx.restart_agent(3)
    wait_all_pairs_up(ips, "node3 back on the cluster's key", retry=True)
    check(ta.wait_reachability("default/ip-1", ip["ip-3"], True, 30),
          "node3 back on the cluster's key: ip-1 reaches ip-3 again")


def log_checks() -> None:
    """No agent log holds a key."""
    for i in range(1, NODES + 1):
        log = sbx.run_dir() / "logs" / f"node{i}-agent.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        check(bool(text) and sbx.SANDBOX_IPSEC_PSK not in text
              and WRONG_PSK not in text,
              f"node{i}'s agent log holds no pre-shared key")


def run_checks() -> None:
    """Everything between up and down."""
    info = e2e_main.cluster_up(check, "--nodes", str(NODES), "--cni",
                               "antrea", "--ipsec", timeout=300)
    ips = node_ips(info)
    port_checks(info)
    wait_all_pairs_up(ips, "after up")
    text = status_text()
    ipsec_lines = [ln for ln in text.splitlines() if " IPsec with " in ln]
    check(len(ipsec_lines) == NODES * (NODES - 1)
          and all(ln.startswith("ok") for ln in ipsec_lines),
          "`cluster status` shows an IKE SA with every peer on every Node",
          text)

    for n in range(1, NODES + 1):
        create_pod("default", f"ip-{n}", f"node{n}")
    pods = {f"ip-{n}": wait_running("default", f"ip-{n}")
            for n in range(1, NODES + 1)}
    connectivity(pods)
    wire_checks(info, pods)
    wrong_psk_checks(info, pods)
    log_checks()


def main() -> int:
    return e2e_main.run("test_ipsec", run_checks, check, failures,
                        missing_programs())


if __name__ == "__main__":
    sys.exit(main())
