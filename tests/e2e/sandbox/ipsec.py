"""IPsec daemons of the sandbox Nodes (`cluster up --ipsec`).

Antrea runs ovs-monitor-ipsec and strongSwan next to OVS (the antrea-ipsec
container); here each Node gets its own pair, started inside the Node's
network namespace and in a private mount namespace, so that strongSwan's
fixed paths (/etc/ipsec.conf, /etc/ipsec.secrets, /etc/strongswan.d,
/run/charon.*) are the Node's own files under RUN/nodes/node<i>/ipsec:

    RUN/nodes/node<i>/ipsec/etc/ipsec.conf, ipsec.secrets   (written by
        ovs-monitor-ipsec from the IPsec tunnel ports' remote_ip and psk)
    RUN/nodes/node<i>/ipsec/etc/strongswan.d/               (a copy of the
        packaged charon/*.conf, ovs.conf from ovs-monitor-ipsec, and
        zz-sandbox.conf: kernel-libipsec, logging)
    RUN/nodes/node<i>/ipsec/run/        mounted on /run (charon.pid,
        charon.ctl, starter.charon.pid), the sandbox run dir mounted back
    RUN/logs/node<i>-charon.log, node<i>-ovs-monitor-ipsec.log

The kernels we run on have no ESP, and OVS's userspace datapath sends
tunnel packets itself (AF_PACKET), so the kernel's XFRM would never see
them anyway.  strongSwan's kernel-libipsec does ESP in userspace on a TUN
device (ipsec0) and only in tunnel mode: the agent's ipsec module is told
`espMode: tunnel`.  To put the Geneve packets of Pod traffic through it,
each Node's host plumbing (datapath_plumbing) does:

  - br-phy: Geneve that br-int's tunnel pushes into br-phy (in_port=LOCAL)
    goes to the host's stack instead of eth0 (dl_dst = br-phy's MAC);
    Geneve for this Node coming back from the host is sent to br-phy's own
    port again, where OVS pops the tunnel; plain Geneve from eth0 (not
    encrypted) is dropped.
  - routing: forwarded Geneve (iif br-phy, udp dport 6081) is looked up in
    a table whose default route is ipsec0, so charon encrypts it (ESP in
    UDP 4500 on the underlay); decrypted Geneve (iif ipsec0) is forwarded
    to this Node's own IP on br-phy (the local-table rule moves behind
    that rule, and a permanent neighbour gives br-phy's MAC).
  - everything else the Node sends (IKE on UDP 500 and 4500, ESP in UDP
    4500 from charon's socket, any host-to-Node traffic) is looked up in
    the main table (rule MAIN_RULE_PREF) before charon's table 220:
    kernel-libipsec puts "PEER dev ipsec0" there for every CHILD SA
    (charon.install_routes = no does not stop it), which would send the
    responder's IKE_AUTH answer into ipsec0, where no policy matches and
    it is dropped: the responder's SA came up, the initiator's never did.

API:
    paths(i) -> dict
    start(i, subnets) -> dict of pids        (idempotent)
    stop(i) -> list[str]                     what was stopped, by pid
    stop_all() -> list[str]
    datapath_plumbing(i, subnets)           after start()
    run(i, argv) -> CompletedProcess        a command in the Node's IPsec
                                            mount namespace (ipsec status)
    status(i) -> dict                       {conn: line}, and failures
    initiate(i, peers)                      start Node i's connections
    retry_down(i) -> list[str]              start again those not up
    pairs_down(node_ips) -> list[str]       pairs without an IKE SA
    wait_sas(node_ips) -> list[str]         bounded wait (with retries)
                                            until every pair is up
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import time
from typing import Any, Optional, Sequence

from . import ovs, util

# Antrea's Geneve port, and the routing tables and rule priorities the
# plumbing uses in the Node's namespace.
GENEVE_PORT = 6081
ENCRYPT_TABLE = 90
DECRYPT_TABLE = 80
LOCAL_RULE_PREF = 100
MAIN_RULE_PREF = 110
TUN_DEVICE = "ipsec0"
STRONGSWAN_CHARON_CONF = pathlib.Path("/etc/strongswan.d/charon")
MONITOR = "/usr/share/openvswitch/scripts/ovs-monitor-ipsec"
START_TIMEOUT = 30.0

SANDBOX_CONF = """\
# Written by tests/e2e/cluster up --ipsec for {node}.
charon {{
    # The kernel has no ESP: charon does ESP itself on a TUN device.
    install_routes = no
    plugins {{
        kernel-libipsec {{
            load = yes
            allow_peer_ts = yes
        }}
    }}
    filelog {{
        sandbox {{
            path = {log}
            time_format = %F %T
            default = 1
            ike = 2
            cfg = 2
            flush_line = yes
        }}
    }}
}}
"""


def paths(i: int) -> dict[str, pathlib.Path]:
    """Where Node i's IPsec daemons keep their files."""
    d = util.run_dir() / "nodes" / ovs.node_name(i) / "ipsec"
    logs = util.run_dir() / "logs"
    return {"dir": d, "etc": d / "etc", "swan_d": d / "etc" / "strongswan.d",
            "conf": d / "etc" / "ipsec.conf",
            "secrets": d / "etc" / "ipsec.secrets",
            "run": d / "run",
            "monitor_pid": d / "ovs-monitor-ipsec.pid",
            "charon_pid": d / "run" / "charon.pid",
            "starter_pid": d / "run" / "starter.charon.pid",
            "charon_log": logs / f"{ovs.node_name(i)}-charon.log",
            "monitor_log": logs / f"{ovs.node_name(i)}-ovs-monitor-ipsec.log"}


def _mount_script(i: int, command: str) -> str:
    """A shell script that makes the Node's private mounts, then runs
    `command` (exec)."""
    p = paths(i)
    rd = util.run_dir()
    lines = ["set -e",
             f"mount --bind {p['conf']} /etc/ipsec.conf",
             f"mount --bind {p['secrets']} /etc/ipsec.secrets",
             f"mount --bind {p['swan_d']} /etc/strongswan.d"]
    # /run becomes the Node's run dir; the sandbox run dir (under /run)
    # is mounted back inside it (--rbind carries that mount along) so
    # every path under it still works.
    if str(rd).startswith("/run/"):
        inner = p["run"] / str(rd).removeprefix("/run/")
        lines += [f"mkdir -p {inner}", f"mount --bind {rd} {inner}"]
    lines += [f"mount --rbind {p['run']} /run", f"exec {command}"]
    return "\n".join(lines)


def _in_mount_ns(i: int, argv: Sequence[str]) -> list[str]:
    """argv run in the Node's namespace and a private mount namespace."""
    cmd = " ".join(_quote(a) for a in argv)
    return ["ip", "netns", "exec", ovs.netns_name(i), "unshare", "--mount",
            "--propagation", "private", "sh", "-c", _mount_script(i, cmd)]


def _quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _monitor_pid(i: int) -> Optional[int]:
    pid = util.read_pid(paths(i)["monitor_pid"])
    if pid and util.pid_alive(pid) and util.pid_matches(
            pid, "ovs-monitor-ipsec"):
        return pid
    return None


def _charon_pid(i: int) -> Optional[int]:
    pid = util.read_pid(paths(i)["charon_pid"])
    if pid and util.pid_alive(pid) and util.pid_matches(pid, "charon"):
        return pid
    return None


def start(i: int) -> dict[str, int]:
    """Starts Node i's ovs-monitor-ipsec, which (re)starts strongSwan's
    starter and charon in the same namespaces.  Idempotent."""
    p = paths(i)
    if _monitor_pid(i) and _charon_pid(i):
        return {"ovs-monitor-ipsec": _monitor_pid(i) or 0,
                "charon": _charon_pid(i) or 0}
    for d in (p["etc"], p["run"]):
        d.mkdir(parents=True, exist_ok=True)
    if not p["swan_d"].exists():
        shutil.copytree(STRONGSWAN_CHARON_CONF, p["swan_d"] / "charon")
    for f in (p["conf"], p["secrets"]):
        if not f.exists():
            f.write_text("")
    p["secrets"].chmod(0o600)
    p["charon_log"].parent.mkdir(parents=True, exist_ok=True)
    (p["swan_d"] / "zz-sandbox.conf").write_text(
        SANDBOX_CONF.format(node=ovs.node_name(i), log=p["charon_log"]))

    db = f"unix:{ovs.ovs_dir(i)}/db.sock"
    argv = [MONITOR, "--ike-daemon=strongswan",
            f"--pidfile={p['monitor_pid']}",
            f"--log-file={p['monitor_log']}", "-vconsole:off", "--detach",
            db]
    env = dict(os.environ, **ovs.env(i))
    util.run(_in_mount_ns(i, argv), timeout=START_TIMEOUT, env=env,
             what=f"{ovs.node_name(i)}: start ovs-monitor-ipsec "
                  f"(see {p['monitor_log']})")
    util.wait_for(lambda: _monitor_pid(i), START_TIMEOUT,
                  f"{ovs.node_name(i)} ovs-monitor-ipsec "
                  f"(see {p['monitor_log']})")
    util.wait_for(lambda: _charon_pid(i) and _tun_exists(i), START_TIMEOUT,
                  f"{ovs.node_name(i)} charon with its {TUN_DEVICE} "
                  f"(see {p['charon_log']})")
    return {"ovs-monitor-ipsec": _monitor_pid(i) or 0,
            "charon": _charon_pid(i) or 0}


def _tun_exists(i: int) -> bool:
    return subprocess.run(["ip", "-n", ovs.netns_name(i), "link", "show",
                           TUN_DEVICE], capture_output=True).returncode == 0


def stop(i: int) -> list[str]:
    """Stops Node i's ovs-monitor-ipsec, starter and charon by their pid
    files; answers what it stopped."""
    p = paths(i)
    stopped = []
    checks = (("monitor_pid", "ovs-monitor-ipsec"),
              ("starter_pid", "starter"), ("charon_pid", "charon"))
    for key, name in checks:
        pid = util.read_pid(p[key])
        if pid and util.pid_alive(pid) and util.pid_matches(pid, name):
            if util.stop_pid(pid, timeout=10.0):
                stopped.append(f"{ovs.node_name(i)} {name} {pid}")
    # The bind mounts lived in the daemons' own mount namespace: nothing
    # to unmount here.
    return stopped


def stop_all() -> list[str]:
    """Stops the IPsec daemons of every Node with an ipsec dir."""
    stopped = []
    base = util.run_dir() / "nodes"
    if base.is_dir():
        for d in sorted(base.glob("node*/ipsec")):
            m = re.fullmatch(r"node(\d+)", d.parent.name)
            if m:
                stopped += stop(int(m.group(1)))
    return stopped


def run(i: int, argv: Sequence[str], timeout: float = 20.0
        ) -> subprocess.CompletedProcess:
    """Runs argv in Node i's network namespace and in the mount namespace
    of its charon (so `ipsec status` reaches that charon)."""
    pid = _charon_pid(i) or _monitor_pid(i)
    if not pid:
        raise util.CommandError(f"{ovs.node_name(i)}: strongSwan is not "
                                "running")
    return subprocess.run(["nsenter", "-t", str(pid), "-m", "-n", *argv],
                          capture_output=True, text=True, timeout=timeout)


def _mac(i: int, dev: str) -> str:
    out = subprocess.run(["ip", "-n", ovs.netns_name(i), "-o", "link",
                          "show", dev], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"link/ether ([0-9a-f:]{17})", out)
    if not m:
        raise util.CommandError(f"{ovs.node_name(i)}: no MAC on {dev}")
    return m.group(1)


def datapath_plumbing(i: int, node_ip: str) -> None:
    """Routes Node i's Geneve packets through charon's ipsec0 and back
    (see the module's doc).  Needs charon (ipsec0) running."""
    ns = ovs.netns_name(i)
    mac = _mac(i, "br-phy")

    def ip(*args: str) -> None:
        util.run(["ip", "-n", ns, *args], timeout=10,
                 what=f"{ns}: ip {' '.join(args)}")

    for key in ("all", "default", "br-phy", TUN_DEVICE):
        util.run_in_netns(ns, ["sysctl", "-qw",
                               f"net.ipv4.conf.{key}.rp_filter=0"],
                          timeout=10, what=f"{ns}: rp_filter off on {key}")
    util.run_in_netns(ns, ["sysctl", "-qw",
                           "net.ipv4.conf.br-phy.accept_local=1"],
                      timeout=10, what=f"{ns}: accept_local on br-phy")
    # Encrypt: forwarded Geneve goes to charon.
    ip("route", "replace", "default", "dev", TUN_DEVICE, "table",
       str(ENCRYPT_TABLE))
    # Decrypted: Geneve for us goes back to OVS through br-phy.
    ip("route", "replace", f"{node_ip}/32", "dev", "br-phy", "table",
       str(DECRYPT_TABLE))
    ip("neigh", "replace", node_ip, "lladdr", mac, "dev", "br-phy", "nud",
       "permanent")
    rules = subprocess.run(["ip", "-n", ns, "rule", "show"],
                           capture_output=True, text=True).stdout
    if f"{LOCAL_RULE_PREF}:" not in rules:
        ip("rule", "add", "pref", str(LOCAL_RULE_PREF), "lookup", "local")
        ip("rule", "del", "pref", "0", "lookup", "local")
    if f"{MAIN_RULE_PREF}:" not in rules:
        ip("rule", "add", "pref", str(MAIN_RULE_PREF), "lookup", "main")
    if f"lookup {ENCRYPT_TABLE}" not in rules:
        ip("rule", "add", "pref", str(ENCRYPT_TABLE), "iif", "br-phy",
           "ipproto", "udp", "dport", str(GENEVE_PORT), "lookup",
           str(ENCRYPT_TABLE))
    if f"lookup {DECRYPT_TABLE}" not in rules:
        ip("rule", "add", "pref", str(DECRYPT_TABLE), "iif", TUN_DEVICE,
           "ipproto", "udp", "dport", str(GENEVE_PORT), "lookup",
           str(DECRYPT_TABLE))

    flows = [
        # Decrypted Geneve for this Node, back from the host: to br-phy's
        # own port, where OVS pops the tunnel.
        f"priority=110,in_port=LOCAL,udp,nw_dst={node_ip},"
        f"tp_dst={GENEVE_PORT},actions=IN_PORT",
        # Geneve pushed by br-int: to the host, which routes it to ipsec0.
        f"priority=100,in_port=LOCAL,udp,tp_dst={GENEVE_PORT},"
        f"actions=mod_dl_dst:{mac},IN_PORT",
        # Plain Geneve from the underlay was not encrypted: dropped.
        f"priority=100,in_port=eth0,udp,tp_dst={GENEVE_PORT},actions=drop",
        "priority=0,actions=NORMAL",
    ]
    for flow in flows:
        ovs.ofctl(i, ["add-flow", "br-phy", flow])


def status(i: int) -> dict[str, Any]:
    """Node i's strongSwan view: `ipsec statusall` output, the IKE SAs
    established and the authentication failures in charon's log."""
    res = run(i, ["ipsec", "statusall"])
    text = res.stdout
    established = re.findall(r"^\s*(\S+?)\[\d+\]: ESTABLISHED .*?"
                             r"\.\.\.(\d+\.\d+\.\d+\.\d+)\[", text, re.M)
    installed = re.findall(r"^\s*(\S+?)\{\d+\}:\s+INSTALLED", text, re.M)
    failures = []
    log = paths(i)["charon_log"]
    if log.exists():
        for line in log.read_text(errors="replace").splitlines():
            if re.search(r"AUTHENTICATION_FAILED|MAC mismatched|"
                         r"authentication of .* failed", line):
                failures.append(line.strip())
    return {"statusall": text, "ike_peers": sorted({ip for _, ip in
                                                    established}),
            "child_sas": installed, "auth_failures": failures}


def _started_conns(i: int) -> list[str]:
    """The connections ovs-monitor-ipsec wrote with auto=start (this Node
    initiates them: the agent's ipsec module gives auto=start to the Node
    with the lower IP of each pair)."""
    return list(_started_conn_peers(i))


def _started_conn_peers(i: int) -> dict[str, str]:
    """{connection: peer IP (right=)} of the auto=start connections."""
    conns: dict[str, str] = {}
    peer: dict[str, str] = {}
    name = None
    for line in paths(i)["conf"].read_text().splitlines():
        m = re.match(r"conn (\S+)", line)
        if m:
            name = m.group(1)
        elif name and name != "%default":
            key, _, value = line.strip().partition("=")
            if key == "right":
                # Per port: PORT-in-VERSION and PORT-out-VERSION.
                peer[name.rsplit("-", 2)[0]] = value
            elif key == "auto" and value == "start":
                conns[name] = ""
    return {c: peer.get(c.rsplit("-", 2)[0], "") for c in conns}


def retry_down(i: int) -> list[str]:
    """Starts again the connections Node i initiates whose peer has no
    IKE SA (charon does not retry after a fatal error such as a failed
    authentication, and kernel-libipsec raises no acquire that would);
    answers the connections it started."""
    up = set(status(i)["ike_peers"])
    started = []
    for conn, peer in _started_conn_peers(i).items():
        if peer and peer not in up:
            run(i, ["ipsec", "stroke", "up-nb", conn])
            started.append(conn)
    return started


def initiate(i: int, peers: int, timeout: float = START_TIMEOUT) -> None:
    """Once every agent has made its ports: waits until ovs-monitor-ipsec
    wrote Node i's connections to its 'peers' peers, then brings up the
    ones Node i initiates.  charon starts an auto=start connection once,
    when it is loaded; a peer whose agent was not up yet answers
    NO_PROPOSAL_CHOSEN, and kernel-libipsec's policies never raise the
    acquire that would try again."""
    def written() -> bool:
        text = paths(i)["conf"].read_text()
        return len(re.findall(r"^conn ipsec-", text, re.M)) >= 2 * peers
    util.wait_for(written, timeout,
                  f"{ovs.node_name(i)}: ovs-monitor-ipsec's connections "
                  f"(see {paths(i)['monitor_log']})")
    for conn in _started_conns(i):
        # Without waiting for the outcome: a failure (a wrong key) is
        # reported by status(), not here.
        run(i, ["ipsec", "stroke", "up-nb", conn], timeout=timeout)


def pairs_down(node_ips: dict[int, str]) -> list[str]:
    """The pairs of Nodes (i -> j, by index) where Node i has no IKE SA
    with Node j; a Node whose charon does not answer counts as down with
    every peer."""
    down = []
    for i in node_ips:
        try:
            peers = set(status(i)["ike_peers"])
        except (util.CommandError, OSError, subprocess.SubprocessError):
            peers = set()
        down += [f"{ovs.node_name(i)}->{ovs.node_name(j)}"
                 for j, ip in node_ips.items() if j != i and ip not in peers]
    return down


def wait_sas(node_ips: dict[int, str], timeout: float = START_TIMEOUT,
             retry_every: float = 5.0) -> list[str]:
    """Waits (bounded) until every pair of the Nodes 'node_ips' (index ->
    node IP) has its IKE SA, starting again every 'retry_every' seconds
    the connections that are not up (a responder whose connection was
    not loaded yet answered NO_PROPOSAL_CHOSEN, and charon does not
    retry that).  Answers the pairs still down ([] if all are up)."""
    deadline = time.monotonic() + timeout
    next_retry = time.monotonic() + retry_every
    while True:
        down = pairs_down(node_ips)
        if not down or time.monotonic() >= deadline:
            return down
        if time.monotonic() >= next_retry:
            for i in node_ips:
                try:
                    retry_down(i)
                except (util.CommandError, OSError,
                        subprocess.SubprocessError):
                    pass        # reported as down
            next_retry = time.monotonic() + retry_every
        time.sleep(0.5)
