"""Network topology of the sandbox cluster: namespaces, underlay, per-Node OVS.

Why: the e2e tests need several "machines" (control plane, Nodes, an
external host) on one host without touching the host's own network.  Each
machine is a network namespace; they are wired to an underlay made of Linux
bridges that live in their own namespace (asbx-underlay), never connected
to the root namespace, so nothing the sandbox does can reach the machine's
uplink.  Every veth is created directly inside the namespaces (ip -n ...
link add ... netns ...), so none ever exists in the root namespace.

    asbx-underlay   br-a (192.168.77.0/24), br-b (192.168.78.0/24, split)
    asbx-router     split mode only: eth-a 192.168.77.1, eth-b 192.168.78.1,
                    ip_forward=1
    asbx-cp         eth0 192.168.77.2 (apiserver at :6443)
    asbx-ext        eth0 192.168.77.200 (a plain external host)
    asbx-node<i>    eth0 (no IPv4, IPv6 off) is a port of the netdev bridge
                    br-phy of the Node's own OVS; the Node IP
                    192.168.77.(10+i) (split: even i in 192.168.78.0/24)
                    is on br-phy; ip_forward=1 like a Kubernetes Node.

In split mode every host's default route points at the router (the only
thing the router is connected to is the two underlay bridges).

TCP through the userspace datapath needs other_config:userspace-tso-enable
=true (set by ovs.start before ovs-vswitchd starts): without it even the
TCP handshake between br-phy and a checksum-offloading veth peer fails
(measured here: no connection at all; ethtool is not installed, so "tx off"
is not an option).

API (all create_* are idempotent; run_dir defaults to util.run_dir()):
    create_underlay(subnets)                     subnets "same" | "split"
    attach_host(ns_name, ip_cidr, subnet, gateway) -> None
    create_control_plane(subnets="same")
    create_external(subnets="same")
    create_node(i, subnets, run_dir=None, *, tso=True) -> dict (pids, ip)
    create(num_nodes, subnets, run_dir=None, *, check=True) -> dict timings
        everything above in order, then check_connectivity() if asked.
    node_ip(i, subnets) -> str, node_subnet(i, subnets) -> "a"|"b",
    gateway_for(subnet, subnets) -> str|None
    node_env(i, run_dir=None) -> dict            OVS_RUNDIR/OVS_DBDIR/...
    node_exec(i, argv, run_dir=None, **kw) -> CompletedProcess
    ping(ns, targets, *, tries=3, wait=1.0) -> {ip: rtt_ms | None}
    check_connectivity(num_nodes, subnets) -> dict  (raises on failure)
    tcp_check(server_ns, server_ip, client_ns, *, size, port, timeout)
        -> dict (bytes, seconds, mbit_s)  (raises on failure)
    sandbox_namespaces() -> list[str]            every asbx-* netns
    root_veths() -> list[str]                    veths in the root ns
    destroy(run_dir=None, *, keep_logs=True) -> dict report
"""

from __future__ import annotations

import os
import pathlib
import select
import shutil
import subprocess
import time
from typing import Any, Optional, Sequence

from . import ovs, util

PREFIX = "asbx-"
UNDERLAY_NS = "asbx-underlay"
ROUTER_NS = "asbx-router"
CP_NS = "asbx-cp"
EXT_NS = "asbx-ext"
SUBNETS = {"a": "192.168.77", "b": "192.168.78"}
BRIDGES = {"a": "br-a", "b": "br-b"}
CP_IP = "192.168.77.2"
EXT_IP = "192.168.77.200"
PREFIXLEN = 24
PY = "/usr/bin/python3"


# ---------------------------------------------------------------- addresses

def _check_mode(subnets: str) -> None:
    """Reject anything but the two supported underlay layouts early."""
    if subnets not in ("same", "split"):
        raise ValueError(f"subnets must be 'same' or 'split', not {subnets!r}")


def node_subnet(i: int, subnets: str) -> str:
    """Which underlay subnet node i sits on: split puts even nodes on "b"."""
    _check_mode(subnets)
    return "b" if subnets == "split" and i % 2 == 0 else "a"


def node_ip(i: int, subnets: str = "same") -> str:
    """Node IP 192.168.7x.(10+i) (the address on br-phy)."""
    if not 1 <= i <= 189:
        raise ValueError(f"node index out of range: {i}")
    return f"{SUBNETS[node_subnet(i, subnets)]}.{10 + i}"


def gateway_for(subnet: str, subnets: str) -> Optional[str]:
    """The router's leg on that subnet in split mode, else None."""
    _check_mode(subnets)
    return f"{SUBNETS[subnet]}.1" if subnets == "split" else None


def _mac_for(ip: str) -> str:
    """A stable locally administered MAC derived from an IPv4 address."""
    octets = [int(x) for x in ip.split(".")]
    return "02:00:" + ":".join(f"{o:02x}" for o in octets)


# ---------------------------------------------------------------- helpers

def _ip(ns: Optional[str], args: Sequence[str], what: str,
        check: bool = True) -> subprocess.CompletedProcess:
    """`ip [-n NS] ARGS` with a bounded time and a step name."""
    argv = ["ip"] + (["-n", ns] if ns else []) + list(args)
    return util.run(argv, timeout=15, check=check, what=what)


def sandbox_namespaces() -> list[str]:
    """Every network namespace whose name starts with asbx- (ours)."""
    out = util.run(["ip", "netns", "list"], timeout=10,
                   what="list network namespaces").stdout
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    return sorted(n for n in names if n.startswith(PREFIX))


def ns_exists(ns: str) -> bool:
    """True if the named network namespace exists."""
    return (pathlib.Path("/run/netns", ns).exists()
            or ns in sandbox_namespaces())


def link_exists(ns: Optional[str], dev: str) -> bool:
    """True if device dev exists in namespace ns."""
    return _ip(ns, ["link", "show", "dev", dev], f"look for {dev}",
               check=False).returncode == 0


def _sysctl(ns: str, key: str, value: str) -> None:
    """Write a per-namespace sysctl through /proc/sys inside ns."""
    path = "/proc/sys/" + key.replace(".", "/")
    util.run_in_netns(ns, ["sh", "-c", f"echo {value} > {path}"], timeout=10,
                      what=f"{ns}: sysctl {key}={value}")


def ensure_ns(ns: str) -> None:
    """Create namespace ns (if absent) with lo up."""
    if not ns.startswith(PREFIX):
        raise ValueError(f"refusing to manage namespace {ns!r} "
                         f"(not {PREFIX}*)")
    if not ns_exists(ns):
        util.run(["ip", "netns", "add", ns], timeout=10,
                 what=f"create namespace {ns}")
    _ip(ns, ["link", "set", "lo", "up"], f"{ns}: lo up")


def ns_pids(ns: str) -> list[int]:
    """Pids of processes whose network namespace is ns (for reports)."""
    res = util.run(["ip", "netns", "pids", ns], timeout=10, check=False,
                   what=f"pids in {ns}")
    return [int(p) for p in res.stdout.split() if p.isdigit()]


def root_veths() -> list[str]:
    """veth devices in the root namespace (the sandbox never makes any)."""
    out = util.run(["ip", "-o", "link", "show", "type", "veth"], timeout=10,
                   what="list veths in the root namespace").stdout
    return [line.split(":")[1].strip().split("@")[0]
            for line in out.splitlines() if line.strip()]


# ---------------------------------------------------------------- underlay

def create_underlay(subnets: str = "same") -> None:
    """Create asbx-underlay with br-a (and br-b + asbx-router when split)."""
    _check_mode(subnets)
    ensure_ns(UNDERLAY_NS)
    # The underlay is a pure L2 switch: no IPv6 chatter from its ports.
    _sysctl(UNDERLAY_NS, "net.ipv6.conf.all.disable_ipv6", "1")
    _sysctl(UNDERLAY_NS, "net.ipv6.conf.default.disable_ipv6", "1")
    wanted = ["a", "b"] if subnets == "split" else ["a"]
    for sub in wanted:
        br = BRIDGES[sub]
        if not link_exists(UNDERLAY_NS, br):
            _ip(UNDERLAY_NS, ["link", "add", br, "type", "bridge",
                              "stp_state", "0", "forward_delay", "0"],
                f"underlay: create {br}")
        _ip(UNDERLAY_NS, ["link", "set", br, "up"], f"underlay: {br} up")
    if subnets == "split":
        ensure_ns(ROUTER_NS)
        for sub in ("a", "b"):
            _veth_to_underlay(ROUTER_NS, f"eth-{sub}", sub,
                              f"{SUBNETS[sub]}.1/{PREFIXLEN}")
        _sysctl(ROUTER_NS, "net.ipv4.ip_forward", "1")


def _underlay_port(ns: str, dev: str) -> str:
    """Name of the underlay-side veth for (ns, dev), at most 15 chars."""
    short = ns[len(PREFIX):] if ns.startswith(PREFIX) else ns
    suffix = "" if dev == "eth0" else "-" + dev.replace("eth-", "")
    name = f"u-{short}{suffix}"
    if len(name) > 15:
        raise ValueError(f"underlay port name too long: {name}")
    return name


def _veth_to_underlay(ns: str, dev: str, subnet: str,
                      ip_cidr: Optional[str]) -> None:
    """Wire dev in ns to the underlay bridge of subnet (created in place).

    The pair is created inside asbx-underlay with its peer moved straight
    into ns, so it never appears in the root namespace.
    """
    if not link_exists(UNDERLAY_NS, BRIDGES[subnet]):
        raise util.CommandError(
            f"{ns}: underlay bridge {BRIDGES[subnet]} missing; call "
            f"create_underlay() (split mode for subnet b) first")
    port = _underlay_port(ns, dev)
    have_port = link_exists(UNDERLAY_NS, port)
    have_dev = link_exists(ns, dev)
    if have_port != have_dev:
        # Half-made pair (an interrupted run): start that pair again.
        if have_port:
            _ip(UNDERLAY_NS, ["link", "del", port], f"{ns}: drop stale {port}")
        if have_dev:
            _ip(ns, ["link", "del", dev], f"{ns}: drop stale {dev}")
        have_port = have_dev = False
    if not have_port:
        _ip(UNDERLAY_NS, ["link", "add", port, "type", "veth", "peer",
                          "name", dev, "netns", ns],
            f"{ns}: create veth {port}<->{dev}")
    _ip(UNDERLAY_NS, ["link", "set", port, "master", BRIDGES[subnet], "up"],
        f"{ns}: attach {port} to {BRIDGES[subnet]}")
    if ip_cidr:
        _ip(ns, ["addr", "replace", ip_cidr, "dev", dev],
            f"{ns}: address {ip_cidr} on {dev}")
    _ip(ns, ["link", "set", dev, "up"], f"{ns}: {dev} up")


def attach_host(ns_name: str, ip_cidr: Optional[str], subnet: str,
                gateway: Optional[str]) -> None:
    """Create ns_name (lo up) with eth0 on the underlay bridge of subnet.

    ip_cidr goes on eth0 (None: no address, e.g. for a Node whose address
    lives on br-phy); gateway, when given, becomes the default route.  No
    route ever leads to the root namespace: the underlay is closed.
    """
    if subnet not in SUBNETS:
        raise ValueError(f"subnet must be 'a' or 'b', not {subnet!r}")
    ensure_ns(ns_name)
    _veth_to_underlay(ns_name, "eth0", subnet, ip_cidr)
    if gateway and ip_cidr:
        _ip(ns_name, ["route", "replace", "default", "via", gateway,
                      "dev", "eth0"], f"{ns_name}: default via {gateway}")


def create_control_plane(subnets: str = "same") -> None:
    """asbx-cp at 192.168.77.2 (the apiserver's address)."""
    attach_host(CP_NS, f"{CP_IP}/{PREFIXLEN}", "a", gateway_for("a", subnets))


def create_external(subnets: str = "same") -> None:
    """asbx-ext at 192.168.77.200, a plain host outside the cluster."""
    attach_host(EXT_NS, f"{EXT_IP}/{PREFIXLEN}", "a",
                gateway_for("a", subnets))


# ---------------------------------------------------------------- nodes

def node_env(i: int, run_dir: Optional[os.PathLike | str] = None
             ) -> dict[str, str]:
    """OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR for node i's OVS tools, and
    ANTCTL_AGENT_SOCKET for antctl: the agent's API socket, beside its CNI
    socket (RUN/nodes/nodeN/antrea/antctl.sock)."""
    env = ovs.env(i, run_dir)
    env["ANTCTL_AGENT_SOCKET"] = str(ovs.ovs_dir(i, run_dir).parent
                                     / "antrea" / "antctl.sock")
    return env


def node_exec(i: int, argv: Sequence[str],
              run_dir: Optional[os.PathLike | str] = None,
              **kwargs: Any) -> subprocess.CompletedProcess:
    """Run argv inside asbx-node<i> with node i's OVS environment."""
    return ovs.ovs_exec(i, argv, run_dir, **kwargs)


# The Node IP's MTU: the underlay's 1500 less the largest tunnel header.
BR_PHY_MTU = 1450


def create_node(i: int, subnets: str = "same",
                run_dir: Optional[os.PathLike | str] = None, *,
                tso: bool = True) -> dict[str, Any]:
    """Create Node i: namespace, eth0 on the underlay, OVS, br-phy, Node IP.

    eth0 carries no address (IPv6 off too): it is only a port of the
    netdev bridge br-phy, whose internal port holds the Node IP, exactly as
    OVS userspace tunnelling wants it.
    """
    ns = ovs.netns_name(i)
    sub = node_subnet(i, subnets)
    ip = node_ip(i, subnets)
    gw = gateway_for(sub, subnets)
    attach_host(ns, None, sub, None)
    _sysctl(ns, "net.ipv6.conf.eth0.disable_ipv6", "1")
    _sysctl(ns, "net.ipv4.ip_forward", "1")
    # Anything left on eth0 by an older layout goes: the IP is on br-phy.
    _ip(ns, ["addr", "flush", "dev", "eth0"], f"{ns}: flush eth0")
    pids = ovs.start(i, run_dir, tso=tso)
    # br-phy's MTU leaves room for the largest tunnel header (geneve/vxlan
    # 50): with userspace TSO, OVS 3.1 hands TSO bursts to the br-phy tap
    # with gso_size = the tap's MTU - headers, and the Node forwards them
    # to Pods (hostPort DNAT) only if those segments fit antrea-gw0's MTU;
    # otherwise it answers "need to frag" forever and the stream stalls.
    ovs.vsctl(i, ["--may-exist", "add-br", "br-phy", "--",
                  "set", "bridge", "br-phy", "datapath_type=netdev",
                  f"other_config:hwaddr=\"{_mac_for(ip)}\"", "--",
                  "set", "interface", "br-phy",
                  f"mtu_request={BR_PHY_MTU}", "--",
                  "--may-exist", "add-port", "br-phy", "eth0"], run_dir)
    util.wait_for(lambda: link_exists(ns, "br-phy"), 10,
                  f"{ns}: br-phy device (see "
                  f"{ovs.log_file(i, 'ovs-vswitchd', run_dir)})")
    _ip(ns, ["addr", "replace", f"{ip}/{PREFIXLEN}", "dev", "br-phy"],
        f"{ns}: Node IP on br-phy")
    _ip(ns, ["link", "set", "br-phy", "up"], f"{ns}: br-phy up")
    if gw:
        _ip(ns, ["route", "replace", "default", "via", gw, "dev", "br-phy"],
            f"{ns}: default via {gw}")
    return {"node": ovs.node_name(i), "netns": ns, "ip": ip, "pids": pids}


# ---------------------------------------------------------------- checks

_PING_SCRIPT = r'''
import os, socket, struct, sys, time
tries, wait = int(sys.argv[1]), float(sys.argv[2])
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ident = os.getpid() & 0xffff
seq = 0
for dst in sys.argv[3:]:
    rtt = None
    for _ in range(tries):
        seq += 1
        body = b"asbx-ping" * 4
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + body), ident, seq) + body
        t0 = time.monotonic(); deadline = t0 + wait
        try:
            sock.sendto(pkt, (dst, 0))
        except OSError as e:
            print("sendto", dst, e, file=sys.stderr)
            time.sleep(wait)
            continue
        while rtt is None:
            left = deadline - time.monotonic()
            if left <= 0: break
            sock.settimeout(left)
            try: data, addr = sock.recvfrom(4096)
            except socket.timeout: break
            ihl = (data[0] & 15) * 4
            t, c, _, i, q = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if t == 0 and i == ident and q == seq and addr[0] == dst:
                rtt = (time.monotonic() - t0) * 1000
        if rtt is not None: break
    print(dst, "%.3f" % rtt if rtt is not None else "-", flush=True)
'''


def ping(ns: str, targets: Sequence[str], *, tries: int = 3,
         wait: float = 1.0) -> dict[str, Optional[float]]:
    """ICMP echo from inside ns to each target (no ping binary needed).

    Returns {target: rtt in ms, or None when all tries went unanswered};
    tries > 1 lets the first probe pay for ARP resolution.
    """
    if not targets:
        return {}
    limit = len(targets) * tries * wait + 10
    out = util.run_in_netns(ns, [PY, "-c", _PING_SCRIPT, str(tries),
                                 str(wait), *targets],
                            timeout=limit, what=f"{ns}: ping {targets}").stdout
    res: dict[str, Optional[float]] = {t: None for t in targets}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in res and parts[1] != "-":
            res[parts[0]] = float(parts[1])
    return res


def check_connectivity(num_nodes: int, subnets: str = "same"
                       ) -> dict[str, dict[str, Optional[float]]]:
    """Ping from every Node to every other Node, the control plane and ext.

    Also pings from the control plane to every Node (the apiserver must
    be able to answer them).  Raises CommandError listing every failed
    pair; returns {source ns: {target ip: rtt ms}}.
    """
    results: dict[str, dict[str, Optional[float]]] = {}
    all_nodes = [node_ip(j, subnets) for j in range(1, num_nodes + 1)]
    for i in range(1, num_nodes + 1):
        mine = node_ip(i, subnets)
        targets = [t for t in all_nodes if t != mine] + [CP_IP, EXT_IP]
        results[ovs.netns_name(i)] = ping(ovs.netns_name(i), targets)
    results[CP_NS] = ping(CP_NS, all_nodes + [EXT_IP])
    failed = [f"{src}->{dst}" for src, r in results.items()
              for dst, rtt in r.items() if rtt is None]
    if failed:
        raise util.CommandError(
            "connectivity check failed: " + ", ".join(failed) + "; see "
            "RUN/logs/node*-ovs-vswitchd.log and `ovs-appctl dpctl/dump-flows`"
            " in the Node namespaces")
    return results


_TCP_SERVER = r'''
import hashlib, socket, sys
ip, port, tmo = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((ip, port)); l.listen(1); l.settimeout(tmo)
print("listening", flush=True)
c, _ = l.accept(); c.settimeout(tmo); h = hashlib.sha256(); n = 0
while True:
    d = c.recv(262144)
    if not d: break
    h.update(d); n += len(d)
c.sendall(("%d %s" % (n, h.hexdigest())).encode()); c.close()
'''

_TCP_CLIENT = r'''
import hashlib, socket, sys, time
ip, port = sys.argv[1], int(sys.argv[2])
size, tmo = int(sys.argv[3]), float(sys.argv[4])
block = bytes(range(256)) * 4096
data = (block * (size // len(block) + 1))[:size]
t0 = time.monotonic()
c = socket.create_connection((ip, port), timeout=tmo)
c.sendall(data); c.shutdown(socket.SHUT_WR)
reply = b""
while True:
    d = c.recv(4096)
    if not d: break
    reply += d
dt = time.monotonic() - t0
want = "%d %s" % (len(data), hashlib.sha256(data).hexdigest())
if reply.decode() != want:
    sys.exit("corrupt transfer: got %r want %r" % (reply, want))
print("%d %.6f" % (len(data), dt))
'''


def tcp_check(server_ns: str, server_ip: str, client_ns: str, *,
              size: int = 32 << 20, port: int = 5201,
              timeout: float = 20.0) -> dict[str, float]:
    """Send size bytes over TCP from client_ns to server_ip in server_ns.

    The server echoes the byte count and SHA-256, so a stall (the
    checksum-offload problem of the userspace datapath) shows up as a
    timeout and corruption as a mismatch.  Returns bytes, seconds, mbit_s.
    """
    srv = subprocess.Popen(util.netns_argv(server_ns, [PY, "-c", _TCP_SERVER,
                                                       server_ip, str(port),
                                                       str(timeout)]),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([srv.stdout], [], [], 10)
        line = srv.stdout.readline() if ready else ""
        if "listening" not in line:
            srv.kill()
            _, err = srv.communicate(timeout=5)
            raise util.CommandError(f"tcp_check: server in {server_ns} "
                                    f"did not start: {err.strip()}")
        res = util.run_in_netns(client_ns, [PY, "-c", _TCP_CLIENT, server_ip,
                                            str(port), str(size),
                                            str(timeout)],
                                timeout=timeout + 5, check=False,
                                what=f"tcp {client_ns}->{server_ip}")
        if res.returncode != 0:
            raise util.CommandError(
                f"tcp_check {client_ns} -> {server_ns} {server_ip}:{port} "
                f"failed (stall = TX checksum / userspace-tso problem): "
                f"{res.stderr.strip()[-500:]}")
        nbytes, secs = res.stdout.split()
        srv.communicate(timeout=10)
        return {"bytes": int(nbytes), "seconds": float(secs),
                "mbit_s": int(nbytes) * 8 / float(secs) / 1e6}
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.communicate(timeout=5)


# ---------------------------------------------------------------- all at once

def create(num_nodes: int, subnets: str = "same",
           run_dir: Optional[os.PathLike | str] = None, *,
           check: bool = True) -> dict[str, float]:
    """Bring the whole topology up; return seconds spent per step."""
    times: dict[str, float] = {}

    def step(name: str, fn, *args, **kwargs):
        t0 = time.monotonic()
        out = fn(*args, **kwargs)
        times[name] = time.monotonic() - t0
        return out

    step("underlay", create_underlay, subnets)
    step("control-plane", create_control_plane, subnets)
    step("external", create_external, subnets)
    for i in range(1, num_nodes + 1):
        step(f"node{i}", create_node, i, subnets, run_dir)
    if check:
        step("connectivity", check_connectivity, num_nodes, subnets)
    return times


# ---------------------------------------------------------------- teardown

def _stray_ovs_pids(run_dir: pathlib.Path) -> list[int]:
    """OVS daemons of ours that lost their pid file (interrupted start).

    Found only among processes inside asbx-node* namespaces whose command
    line names our RUN/nodes dir, so nothing else is ever matched.
    """
    marker = str(run_dir / "nodes") + "/"
    found = []
    for ns in sandbox_namespaces():
        if not ns.startswith("asbx-node"):
            continue
        for pid in ns_pids(ns):
            if (util.pid_matches(pid, marker)
                    and (util.pid_matches(pid, "ovs-vswitchd")
                         or util.pid_matches(pid, "ovsdb-server"))):
                found.append(pid)
    return found


def destroy(run_dir: Optional[os.PathLike | str] = None, *,
            keep_logs: bool = True) -> dict[str, Any]:
    """Tear down everything this module made; safe on half-made or no sandbox.

    1. stop the OVS daemons named by RUN/nodes/*/ovs/*.pid (and any of our
       OVS daemons in asbx-node* that lost its pid file);
    2. delete every asbx-* network namespace (this removes all veths, which
       only ever lived inside them);
    3. remove RUN/nodes/*/ovs (and RUN/nodes/<node> when left empty), and
       the Node OVS logs unless keep_logs.
    Processes of other helpers still inside a namespace are reported, not
    killed (they are not ours to stop).
    """
    rd = pathlib.Path(run_dir) if run_dir is not None else util.run_dir()
    report: dict[str, Any] = {"stopped": [], "namespaces": [],
                              "lingering": {}, "removed": []}
    report["stopped"] += ovs.stop_all(rd)
    for pid in _stray_ovs_pids(rd):
        if util.stop_pid(pid):
            report["stopped"].append(f"stray ovs {pid}")
    for ns in sandbox_namespaces():
        pids = ns_pids(ns)
        if pids:
            report["lingering"][ns] = pids
        util.run(["ip", "netns", "del", ns], timeout=15,
                 what=f"delete namespace {ns}")
        report["namespaces"].append(ns)
    nodes_dir = rd / "nodes"
    if nodes_dir.is_dir():
        for d in sorted(nodes_dir.glob("node*/ovs")):
            shutil.rmtree(d, ignore_errors=True)
            report["removed"].append(str(d))
            try:
                d.parent.rmdir()
            except OSError:
                pass
        try:
            nodes_dir.rmdir()
        except OSError:
            pass
    if not keep_logs:
        for log in sorted((rd / "logs").glob("node*-ovs*.log")):
            log.unlink()
            report["removed"].append(str(log))
        try:
            (rd / "logs").rmdir()
        except OSError:
            pass
    return report
