#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""End-to-end test of antrea-c's own Pod networking on the sandbox cluster.

`cluster up --nodes 2 --cni antrea` runs the built antrea-agent in every
Node's namespace (against that Node's OVS, userspace datapath) and the built
antrea-cni as the Nodes' CNI plugin; nothing else connects the Nodes.  With
geneve, everything is checked: Pods Running with addresses from their
Node's podCIDR; ICMP and a TCP transfer between Pods on one Node and across
Nodes; Pod to its gateway; Pod to the external host through the agent's
SNAT (the external host sees the Node IP); the OVS bridge has the agent's
flows, gateway, tunnel and Pod ports; every Node's AntreaAgentInfo and
the AntreaControllerInfo hold current data (docs/monitoring.md); UDP
between Pods across Nodes (an echo server answers the payload); a Pod's
hostPort (8080 -> 80, portmap
in the conflist) reachable from the external host at the Node IP;
deleting a Pod frees its address in
the native IPAM store and removes its OVS port; a TCP stream survives an
agent restart; a NetworkPolicy (computed by antrea-controller, enforced by
the agents) isolates a Pod and stays enforced while the controller is
down, after it restarts and across an agent restart; `down` leaves nothing behind (the same checks as
test_sandbox.py).  Then, for vxlan and gre, the connectivity part again,
each with its own up and down.

The build tree is found as `cluster up` finds it ($ANTREA_BUILD_DIR, else
_build/plain, else _build/quickstart); without one the test is skipped
(exit 77).  ANTREA_E2E_TUNNELS (default "geneve vxlan gre") picks the
tunnel types; the first gets the full test.  Exit status 0 only if every
check passed.  Needs root.
"""

import calendar
import ipaddress
import json
import os
import pathlib
import select
import subprocess
import sys
import time

E2E = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(E2E))

from sandbox import cluster as sbx  # noqa: E402
from sandbox import util  # noqa: E402
# The host snapshot, process scan and cluster/Pod helpers are shared with
# the sandbox's own e2e test, so `down` is held to exactly its checks.
from test_sandbox import (cluster, create_pod, host_snapshot,  # noqa: E402
                          kubectl_json, sandbox_pids, wait_running)

PY = "/usr/bin/python3"
EXTERNAL_IP = sbx.EXTERNAL_IP
failures: list[str] = []

# A TCP sink: prints "ready", accepts one connection, counts bytes until
# EOF, acknowledges with one byte, prints "PEER BYTES".
SERVER = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(1)
s.settimeout(30)
print("ready", flush=True)
c, peer = s.accept()
c.settimeout(30)
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
c.sendall(b"k")
c.close()
print(peer[0], n, flush=True)
"""

# A TCP source: sends SIZE bytes, or (SECONDS > 0) 1000 bytes every 20 ms
# for SECONDS; then waits for the sink's acknowledgement; prints the count.
CLIENT = """
import socket, sys, time
host, port, size, seconds = sys.argv[1], int(sys.argv[2]), \\
    int(sys.argv[3]), float(sys.argv[4])
s = socket.create_connection((host, port), timeout=10)
n = 0
if seconds > 0:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        s.sendall(b"y" * 1000)
        n += 1000
        time.sleep(0.02)
else:
    s.sendall(b"x" * size)
    n = size
s.shutdown(socket.SHUT_WR)
s.settimeout(15)
ack = s.recv(1)
print("sent", n, "ack", ack.decode(), flush=True)
"""

# A UDP echo server: prints "ready", answers the first datagram with its
# payload, prints "PEER PAYLOAD".
UDP_SERVER = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(30)
print("ready", flush=True)
d, peer = s.recvfrom(65536)
s.sendto(d, peer)
print(peer[0], d.decode(), flush=True)
"""

# A UDP client: sends PAYLOAD up to 5 times (1 s apart) until the echo
# comes back; prints "echo PAYLOAD" (exit 1 without an echo).
UDP_CLIENT = """
import socket, sys
host, port, payload = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(5):
    s.sendto(payload.encode(), (host, port))
    try:
        d, _ = s.recvfrom(65536)
    except socket.timeout:
        continue
    print("echo", d.decode(), flush=True)
    sys.exit(0)
sys.exit(1)
"""


def check(ok: bool, what: str, detail: str = "") -> bool:
    """Records one check and prints it."""
    print(f"{'ok  ' if ok else 'FAIL'} {what}"
          f"{(': ' + detail.strip()[-1500:]) if detail and not ok else ''}",
          flush=True)
    if not ok:
        failures.append(what)
    return ok


def in_netns_argv(where: str, argv: list[str]) -> list[str]:
    """argv run in a Pod (NAMESPACE/NAME) or a sandbox netns (asbx-...)."""
    if where.startswith("asbx-"):
        return ["ip", "netns", "exec", where, *argv]
    return [*sbx_cluster_argv(), "exec", where, "--", *argv]


def sbx_cluster_argv() -> list[str]:
    """The cluster CLI."""
    return [str(E2E / "cluster")]


def ping(src: str, dst: str) -> bool:
    """True if Pod src gets an answer from dst."""
    p = subprocess.run(in_netns_argv(src, ["ping", "-c", "2", "-W", "2",
                                           dst]),
                       capture_output=True, text=True, timeout=30)
    return check(p.returncode == 0, f"{src} pings {dst}", p.stdout + p.stderr)


class TcpServer:
    """The SERVER sink running in a Pod or namespace until it reports."""

    def __init__(self, where: str, port: int) -> None:
        """Starts the sink and waits (bounded) until it listens."""
        self.where = where
        self.proc = subprocess.Popen(
            in_netns_argv(where, [PY, "-c", SERVER, str(port)]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 15)
        line = self.proc.stdout.readline() if ready else ""
        if line.strip() != "ready":
            self.proc.kill()
            raise RuntimeError(f"TCP server in {where} did not start: "
                               f"{line} {self.proc.stderr.read()}")

    def result(self, timeout: float = 40) -> tuple[str, int]:
        """(peer address, bytes received), once the connection ended."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate(timeout=5)
        fields = out.split()
        if self.proc.returncode != 0 or len(fields) != 2:
            return (f"server failed ({self.proc.returncode}): {out} {err}",
                    -1)
        return fields[0], int(fields[1])


def tcp_client(src: str, dst: str, port: int, size: int = 0,
               seconds: float = 0) -> subprocess.Popen:
    """Starts the CLIENT source in Pod src towards dst:port."""
    return subprocess.Popen(
        in_netns_argv(src, [PY, "-c", CLIENT, dst, str(port), str(size),
                            str(seconds)]),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def tcp_transfer(src: str, dst_where: str, dst_ip: str, port: int,
                 expect_peer: str, size: int = 4_000_000) -> None:
    """Sends size bytes from src to a sink at dst_ip; checks the count and
    the address the sink saw."""
    server = TcpServer(dst_where, port)
    t0 = time.monotonic()
    client = tcp_client(src, dst_ip, port, size=size)
    try:
        out, err = client.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        client.kill()
        out, err = client.communicate(timeout=5)
    peer, got = server.result()
    secs = time.monotonic() - t0
    check(client.returncode == 0 and got == size,
          f"TCP {src} -> {dst_ip}: {size} bytes ({secs:.1f} s)",
          f"client rc {client.returncode} {out} {err}; server: {peer} {got}")
    check(peer == expect_peer, f"TCP {src} -> {dst_ip}: the far end sees "
          f"{expect_peer}", f"it saw {peer}")


def udp_echo(src: str, dst_where: str, dst_ip: str, port: int,
             expect_peer: str) -> None:
    """A datagram from src to an echo server at dst_ip comes back with
    its payload; the server saw expect_peer (no NAT between Pods)."""
    server = subprocess.Popen(
        in_netns_argv(dst_where, [PY, "-c", UDP_SERVER, str(port)]),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([server.stdout], [], [], 15)
        line = server.stdout.readline() if ready else ""
        if line.strip() != "ready":
            raise RuntimeError(f"UDP server in {dst_where} did not start: "
                               f"{line}")
        payload = f"antrea-udp-{os.getpid()}-{port}"
        client = subprocess.run(
            in_netns_argv(src, [PY, "-c", UDP_CLIENT, dst_ip, str(port),
                                payload]),
            capture_output=True, text=True, timeout=30)
        out, err = server.communicate(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate(timeout=5)
    check(client.returncode == 0
          and client.stdout.split() == ["echo", payload],
          f"UDP {src} -> {dst_ip}:{port}: the payload is echoed back",
          f"client rc {client.returncode} {client.stdout} {client.stderr}; "
          f"server {out} {err}")
    check(out.split() == [expect_peer, payload],
          f"UDP {src} -> {dst_ip}: the server sees {expect_peer}",
          f"server: {out} {err}")


HOSTPORT_POD = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {{app: {name}}}}}
spec:
  nodeName: {node}
  containers:
  - name: main
    image: sandbox/none
    command: [sleep, "3600"]
    ports:
    - {{containerPort: 80, hostPort: 8080, protocol: TCP}}
"""


def hostport_checks(info: dict) -> None:
    """A Pod with hostPort 8080 -> containerPort 80 on node1 (portmap
    DNATs in the Node's namespace): a TCP server on 80 in the Pod gets a
    transfer from the external host sent to node1's IP:8080.  The
    transfer is 2 MB on purpose: the first few hundred kB pass even when
    TSO bursts are lost (OVS 3.1 hands them to the br-phy tap with
    gso_size = br-phy's MTU - headers; with br-phy at 1500 the Node could
    not forward them into antrea-gw0 at 1450 and the stream stalled,
    hence BR_PHY_MTU in sandbox/topology.py)."""
    node_ip = {n["name"]: n["ip"] for n in info["nodes"]}["node1"]
    p = subprocess.run([*sbx_cluster_argv(), "kubectl", "apply", "-f", "-"],
                       input=HOSTPORT_POD.format(name="web-hp",
                                                 node="node1"),
                       capture_output=True, text=True, timeout=60)
    if p.returncode:
        raise RuntimeError(f"creating Pod default/web-hp: {p.stderr}")
    pod = wait_running("default", "web-hp")
    ip_hp = pod["status"]["podIP"]
    nat = node_exec("node1", "iptables", "-t", "nat", "-S").stdout
    check(f"--to-destination {ip_hp}:80" in nat,
          f"portmap's DNAT 8080 -> {ip_hp}:80 in node1's nat table",
          nat[-2000:])
    size = 2_000_000
    server = TcpServer("default/web-hp", 80)
    client = tcp_client(sbx.EXTERNAL_NS, node_ip, 8080, size=size)
    try:
        out, err = client.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        client.kill()
        out, err = client.communicate(timeout=5)
    peer, got = server.result()
    check(client.returncode == 0 and got == size,
          f"hostPort: {EXTERNAL_IP} -> {node_ip}:8080 reaches web-hp:80 "
          f"({size} bytes)",
          f"client rc {client.returncode} {out} {err}; server: {peer} {got}")
    check(peer == EXTERNAL_IP,
          f"hostPort: web-hp sees the external host {EXTERNAL_IP}",
          f"it saw {peer}")


def node_exec(node: str, *argv: str) -> subprocess.CompletedProcess:
    """`cluster node-exec NODE -- ARGV`."""
    return cluster("node-exec", node, "--", *argv, check_rc=False,
                   timeout=60)


def pod_port(node: str, namespace: str, name: str) -> str:
    """The OVS port the agent made for Pod namespace/name ("" if none)."""
    p = node_exec(node, "ovs-vsctl", "--format=json",
                  "--columns=name,external_ids", "list", "Port")
    if p.returncode:
        return ""
    table = json.loads(p.stdout)
    for port_name, ids in table["data"]:
        pairs = dict(ids[1]) if ids and ids[0] == "map" else {}
        if (pairs.get("pod-name") == name
                and pairs.get("pod-namespace") == namespace):
            return port_name
    return ""


def ipam_allocated(node: str) -> set[str]:
    """The addresses Node's native IPAM store holds."""
    store = sbx.agent_paths(int(node.removeprefix("node")))["ipam"]
    ips = set()
    for f in store.glob("*.json"):
        ips |= set(json.loads(f.read_text()).get("allocations", {}))
    return ips


def up(tunnel: str) -> dict:
    """cluster up with two Nodes and antrea-c's CNI; answers `info`."""
    t0 = time.monotonic()
    cluster("up", "--nodes", "2", "--cni", "antrea", "--tunnel", tunnel,
            timeout=900)
    check(True, f"cluster up --nodes 2 --cni antrea --tunnel {tunnel} "
          f"({time.monotonic() - t0:.0f} s)")
    return json.loads(cluster("info").stdout)


def start_pods(info: dict, pods: dict[str, str]) -> dict[str, dict]:
    """Creates Pods {name: node}; checks Running with an IP of the Node's
    podCIDR; answers the Pod objects."""
    for name, node in pods.items():
        create_pod("default", name, node)
    got = {}
    for name, node in pods.items():
        pod = wait_running("default", name)
        got[name] = pod
        cidr = next(n["podCIDR"] for n in info["nodes"] if n["name"] == node)
        ip = pod["status"]["podIP"]
        check(ipaddress.ip_address(ip) in ipaddress.ip_network(cidr),
              f"Pod {name} Running on {node} with {ip} from {cidr}")
    return got


def connectivity(info: dict, tunnel: str, pods: dict[str, dict]) -> None:
    """Ping and TCP between Pods, to the gateways, and to the external host
    (SNAT to the Node IP)."""
    ip = {n: p["status"]["podIP"] for n, p in pods.items()}
    node_ip = {n["name"]: n["ip"] for n in info["nodes"]}
    same = [n for n in pods if pods[n]["spec"]["nodeName"] == "node1"]
    if len(same) > 1:
        ping(f"default/{same[0]}", ip[same[1]])
        tcp_transfer(f"default/{same[0]}", f"default/{same[1]}", ip[same[1]],
                     5001, ip[same[0]])
    ping("default/web-a", ip["web-c"])
    ping("default/web-c", ip["web-a"])
    tcp_transfer("default/web-a", "default/web-c", ip["web-c"], 5002,
                 ip["web-a"])
    tcp_transfer("default/web-c", "default/web-a", ip["web-a"], 5003,
                 ip["web-c"])
    ping("default/web-a", "10.10.1.1")
    ping("default/web-c", "10.10.2.1")
    ping("default/web-a", EXTERNAL_IP)
    tcp_transfer("default/web-a", sbx.EXTERNAL_NS, EXTERNAL_IP, 5004,
                 node_ip["node1"], size=1_000_000)
    tcp_transfer("default/web-c", sbx.EXTERNAL_NS, EXTERNAL_IP, 5005,
                 node_ip["node2"], size=1_000_000)
    show = node_exec("node1", "ovs-vsctl", "show").stdout
    check(f"type: {tunnel}" in show and "antrea-tun0" in show,
          f"node1's antrea-tun0 is a {tunnel} port", show)


def ovs_checks(pods: dict[str, dict]) -> None:
    """node-exec shows the agent's bridge: flows, gateway, tunnel, Pods."""
    flows = node_exec("node1", "ovs-ofctl", "dump-flows", "br-int")
    ip_a = pods["web-a"]["status"]["podIP"]
    check(flows.returncode == 0 and len(flows.stdout.splitlines()) > 20
          and f"nw_src={ip_a}" in flows.stdout
          and "nw_dst=10.10.2.0/24" in flows.stdout,
          "node-exec node1 -- ovs-ofctl dump-flows br-int: the agent's "
          "flows (Pod spoof guard, route to the peer's podCIDR)",
          flows.stdout + flows.stderr)
    show = node_exec("node1", "ovs-vsctl", "show").stdout
    ports = {n: pod_port("node1", "default", n) for n in ("web-a", "web-b")}
    check(all(ports.values())
          and all(f"Port {p}" in show for p in ports.values())
          and "Port antrea-gw0" in show and "Port antrea-tun0" in show,
          "ovs-vsctl show: antrea-gw0, antrea-tun0 and both Pod ports",
          f"{ports}\n{show}")


def delete_pod_checks(pods: dict[str, dict]) -> None:
    """Deleting web-b frees its address and removes its OVS port."""
    ip_b = pods["web-b"]["status"]["podIP"]
    port = pod_port("node1", "default", "web-b")
    check(ip_b in ipam_allocated("node1"),
          f"native IPAM holds {ip_b} while web-b runs")
    cluster("kubectl", "delete", "pod", "web-b", "--wait=false")
    util.wait_for(lambda: cluster("kubectl", "get", "pod", "web-b",
                                  check_rc=False).returncode != 0,
                  60, "Pod web-b to be gone", interval=0.5)
    check(ip_b not in ipam_allocated("node1"),
          f"deleting web-b freed {ip_b} in the native IPAM store",
          str(ipam_allocated("node1")))
    ports = node_exec("node1", "ovs-vsctl", "list-ports", "br-int").stdout
    check(bool(port) and port not in ports.split(),
          f"deleting web-b removed its OVS port {port}", ports)


def agent_restart_checks(pods: dict[str, dict]) -> None:
    """A TCP stream from web-a to web-c keeps going while node1's agent is
    stopped (SIGTERM) and started again by `cluster up`."""
    ip_c = pods["web-c"]["status"]["podIP"]
    server = TcpServer("default/web-c", 5006)
    client = tcp_client("default/web-a", ip_c, 5006, seconds=12)
    time.sleep(3)
    paths = sbx.agent_paths(1)
    old = util.read_pid(paths["pid_file"])
    stopped = util.stop_daemon(paths["pid_file"], timeout=15,
                               expect="antrea-agent")
    log = paths["log"].read_text(errors="replace")
    check(stopped and "stopping on signal" in log,
          "node1's agent stops on SIGTERM", log[-1500:])
    cluster("up", "--nodes", "2", "--cni", "antrea", "--tunnel", "geneve",
            timeout=300)
    new = util.read_pid(paths["pid_file"])
    check(bool(new) and new != old and util.pid_alive(new),
          "cluster up restarts a stopped agent", f"{old} -> {new}")
    try:
        out, err = client.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        client.kill()
        out, err = client.communicate(timeout=5)
    peer, got = server.result()
    sent = int(out.split()[1]) if out.startswith("sent ") else -2
    check(client.returncode == 0 and got == sent and got > 0,
          f"a TCP stream web-a -> web-c survives an agent restart "
          f"({got} bytes)", f"client rc {client.returncode} {out} {err}; "
          f"server {peer} {got}")
    ping("default/web-a", ip_c)


# A NetworkPolicy isolating web-c from every ingress.
DENY_WEB_C = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-web-c, namespace: default}
spec:
  podSelector: {matchLabels: {app: web-c}}
  policyTypes: [Ingress]
"""


def pings_once(src: str, dst: str) -> bool:
    """True if one ping from Pod src to dst is answered (no check)."""
    p = subprocess.run(in_netns_argv(src, ["ping", "-c", "1", "-W", "1",
                                           dst]),
                       capture_output=True, text=True, timeout=30)
    return p.returncode == 0


def wait_reachability(src: str, dst: str, reachable: bool,
                      timeout: float = 20) -> bool:
    """Waits (bounded) until pings src -> dst succeed (or fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pings_once(src, dst) == reachable:
            return True
        time.sleep(0.5)
    return False


def stays_blocked(src: str, dst: str, seconds: float) -> bool:
    """True if no ping src -> dst is answered for 'seconds'."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pings_once(src, dst):
            return False
    return True


def policy_restart_checks(pods: dict[str, dict]) -> None:
    """A NetworkPolicy computed by antrea-controller and enforced by the
    agents: applied, it isolates web-c; it stays enforced while the
    controller is down, after the controller restarts (agents resync) and
    across a restart of web-c's agent; deleted, web-c is reachable."""
    ip_c = pods["web-c"]["status"]["podIP"]
    src = "default/web-a"
    check(wait_reachability(src, ip_c, True), "web-a reaches web-c "
          "before any policy")
    apply = subprocess.run(sbx_cluster_argv() + ["kubectl", "apply", "-f",
                                                 "-"],
                           input=DENY_WEB_C, capture_output=True, text=True,
                           timeout=60)
    check(apply.returncode == 0, "kubectl apply NetworkPolicy deny-web-c",
          apply.stderr)
    check(wait_reachability(src, ip_c, False),
          "the NetworkPolicy is enforced: web-a no longer reaches web-c")

    stopped = sbx.stop_controller()
    check(stopped, "antrea-controller stops on SIGTERM")
    check(stays_blocked(src, ip_c, 3), "with the controller down the "
          "policy stays enforced")
    cluster("up", "--nodes", "2", "--cni", "antrea", "--tunnel", "geneve",
            timeout=300)
    check(stays_blocked(src, ip_c, 5), "after the controller restarts "
          "(agents resync) the policy stays enforced")

    paths = sbx.agent_paths(2)
    util.stop_daemon(paths["pid_file"], timeout=15, expect="antrea-agent")
    cluster("up", "--nodes", "2", "--cni", "antrea", "--tunnel", "geneve",
            timeout=300)
    check(stays_blocked(src, ip_c, 5), "across a restart of web-c's agent "
          "the policy stays enforced")

    delete = cluster("kubectl", "delete", "networkpolicy", "deny-web-c",
                     check_rc=False)
    check(delete.returncode == 0, "kubectl delete NetworkPolicy deny-web-c",
          delete.stderr)
    check(wait_reachability(src, ip_c, True),
          "the policy deleted (through the restarted controller), web-a "
          "reaches web-c again")


def _recent(stamp: str, within: float = 150) -> bool:
    """True if the RFC 3339 time 'stamp' is within 'within' s of now (the
    components write every 60 s)."""
    try:
        t = calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return False
    return abs(time.time() - t) <= within


def _conditions(obj: dict, kind: str) -> dict[str, dict]:
    """The conditions of an AntreaAgentInfo ('kind' "agent") or
    AntreaControllerInfo ("controller"), by type."""
    return {c.get("type"): c for c in obj.get(f"{kind}Conditions", [])}


def crd_info_checks(info: dict, pods: dict[str, dict]) -> None:
    """Every Node's AntreaAgentInfo and the AntreaControllerInfo hold the
    cluster's current state (docs/monitoring.md)."""
    nodes = {n["name"]: n for n in info["nodes"]}
    want_pods = {name: sum(1 for p in pods.values()
                           if p["spec"]["nodeName"] == name)
                 for name in nodes}
    listing = cluster("kubectl", "get",
                      "antreaagentinfos,antreacontrollerinfos", "-o", "yaml",
                      check_rc=False)
    check(listing.returncode == 0
          and all(f"name: {n}" in listing.stdout for n in nodes)
          and "name: antrea-controller" in listing.stdout,
          "kubectl get antreaagentinfos,antreacontrollerinfos -o yaml: "
          "every Node and the controller", listing.stdout + listing.stderr)

    def agent_infos() -> dict[str, dict]:
        items = kubectl_json("get", "antreaagentinfos")["items"]
        return {i["metadata"]["name"]: i for i in items}

    # The Pods were just made: their count shows soon (checked each
    # second), bounded here.
    deadline = time.monotonic() + 30
    got = agent_infos()
    while time.monotonic() < deadline and any(
            got.get(n, {}).get("localPodNum") != want_pods[n]
            for n in nodes):
        time.sleep(1)
        got = agent_infos()
    for name, node in nodes.items():
        obj = got.get(name)
        if not check(obj is not None, f"AntreaAgentInfo {name} exists",
                     str(sorted(got))):
            continue
        check(obj.get("nodeRef", {}).get("name") == name
              and obj.get("nodeSubnets") == [node["podCIDR"]],
              f"AntreaAgentInfo {name}: its Node and podCIDR",
              json.dumps(obj))
        check(obj.get("localPodNum") == want_pods[name],
              f"AntreaAgentInfo {name}: localPodNum {want_pods[name]}",
              str(obj.get("localPodNum")))
        tables = obj.get("ovsInfo", {}).get("flowTable", {})
        check(bool(tables) and all(v > 0 for v in tables.values()),
              f"AntreaAgentInfo {name}: flows per table", str(tables))
        conds = _conditions(obj, "agent")
        for ctype in ("AgentHealthy", "ControllerConnectionUp",
                      "OVSDBConnectionUp", "OpenflowConnectionUp"):
            c = conds.get(ctype, {})
            check(c.get("status") == "True"
                  and _recent(c.get("lastHeartbeatTime")),
                  f"AntreaAgentInfo {name}: {ctype} True, recent "
                  "heartbeat", json.dumps(c))

    aci = kubectl_json("get", "antreacontrollerinfos", "antrea-controller")
    check(aci.get("connectedAgentNum") == len(nodes),
          f"AntreaControllerInfo: {len(nodes)} connected agents",
          str(aci.get("connectedAgentNum")))
    c = _conditions(aci, "controller").get("ControllerHealthy", {})
    check(c.get("status") == "True" and _recent(c.get("lastHeartbeatTime")),
          "AntreaControllerInfo: ControllerHealthy True, recent heartbeat",
          json.dumps(c))
    table = cluster("kubectl", "get", "aai", check_rc=False)
    check(table.returncode == 0 and all(n in table.stdout for n in nodes)
          and "True" in table.stdout,
          "kubectl get aai: the printer columns show every Node healthy",
          table.stdout + table.stderr)


def full_run(tunnel: str) -> None:
    """Everything, on one cluster."""
    info = up(tunnel)
    check(info["cni"] == "antrea" and bool(info.get("buildDir")),
          f"info: cni antrea from {info.get('buildDir')}")
    status = cluster("status", check_rc=False)
    check(status.returncode == 0 and status.stdout.count("antrea-agent") == 2
          and "DOWN" not in status.stdout,
          "cluster status: both agents (and everything else) up",
          status.stdout)
    logs = cluster("logs", "agent", "node1", check_rc=False)
    check(logs.returncode == 0 and "CNI server on" in logs.stdout,
          "cluster logs agent node1", logs.stdout + logs.stderr)
    pods = start_pods(info, {"web-a": "node1", "web-b": "node1",
                             "web-c": "node2"})
    connectivity(info, tunnel, pods)
    crd_info_checks(info, pods)
    ip = {n: p["status"]["podIP"] for n, p in pods.items()}
    udp_echo("default/web-a", "default/web-c", ip["web-c"], 5007, ip["web-a"])
    udp_echo("default/web-c", "default/web-a", ip["web-a"], 5008, ip["web-c"])
    hostport_checks(info)
    ovs_checks(pods)
    delete_pod_checks(pods)
    agent_restart_checks(pods)
    policy_restart_checks(pods)


def connectivity_run(tunnel: str) -> None:
    """The connectivity part only."""
    info = up(tunnel)
    pods = start_pods(info, {"web-a": "node1", "web-c": "node2"})
    connectivity(info, tunnel, pods)


def down_checks(before: dict, tunnel: str) -> None:
    """`down` leaves nothing (as test_sandbox.py checks it)."""
    down = cluster("down", check_rc=False)
    check(down.returncode == 0, f"cluster down ({tunnel})", down.stderr)
    after = host_snapshot()
    check(after["netns"] == [], "down leaves no asbx namespace",
          str(after["netns"]))
    check(after["links"] == before["links"],
          "down leaves the root namespace's links as they were",
          str(set(after["links"]) ^ set(before["links"])))
    check(after["mounts"] == [], "down leaves no netns mount",
          "".join(after["mounts"]))
    check(after["iptables"] == before["iptables"],
          "down leaves the root namespace's iptables rules as they were")
    pids = []
    for _ in range(50):          # exited daemons may wait to be reaped
        pids = [p for p in sandbox_pids() if util.pid_alive(p)]
        if not pids:
            break
        time.sleep(0.1)
    check(pids == [], "down leaves no sandbox process", str(pids))
    check(not util.run_dir().exists(), "down removes the run directory")


def main() -> int:
    """Runs the full test for the first tunnel type, connectivity for the
    others; cleans up after each."""
    if os.geteuid() != 0:
        print("test_antrea: needs root", file=sys.stderr)
        return 77
    if util.run_dir().joinpath("state.json").exists():
        print("test_antrea: a sandbox cluster is running; not touching it",
              file=sys.stderr)
        return 2
    try:
        build = sbx.find_build_dir()
    except sbx.ClusterError as e:
        print(f"test_antrea: SKIP: {e}", file=sys.stderr)
        return 77
    print(f"build tree: {build}", flush=True)
    tunnels = os.environ.get("ANTREA_E2E_TUNNELS",
                             "geneve vxlan gre").split()
    for n, tunnel in enumerate(tunnels):
        print(f"=== tunnel {tunnel}", flush=True)
        before = host_snapshot()
        try:
            (full_run if n == 0 else connectivity_run)(tunnel)
        except Exception as e:  # noqa: BLE001 - report any failure, clean
            check(False, f"the {tunnel} test ran to the end", repr(e))
            for log in sorted((util.run_dir() / "logs").glob("*-agent.log")):
                print(f"--- {log} (end)\n"
                      f"{log.read_text(errors='replace')[-3000:]}",
                      flush=True)
        finally:
            down_checks(before, tunnel)
    print(f"\n{len(failures)} failure(s)" if failures else "\nPASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
