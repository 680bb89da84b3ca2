"""Per-Node Open vSwitch instances for the sandbox cluster.

There is no openvswitch kernel module on the machines we run on, so each
sandbox Node (network namespace asbx-node<i>) gets its own ovsdb-server and
ovs-vswitchd using the userspace (netdev) datapath.  The instances are kept
apart by giving each one its own run directory through OVS_RUNDIR,
OVS_DBDIR and OVS_LOGDIR; with those set, the stock ovs-vsctl, ovs-ofctl and
ovs-appctl find the right daemons without any --db/-t flags (default db
unix:$OVS_RUNDIR/db.sock, bridge sockets $OVS_RUNDIR/BR.mgmt, pid files
$OVS_RUNDIR/<daemon>.pid).

Layout (RUN = util.run_dir() unless a run_dir is passed):
    RUN/nodes/node<i>/ovs/conf.db, db.sock, *.pid, *.ctl, BR.mgmt
    RUN/logs/node<i>-ovsdb-server.log, RUN/logs/node<i>-ovs-vswitchd.log

API:
    node_index(node) -> int          1 for 1, "node1" or "asbx-node1"
    node_name(node) -> str           "node1"
    netns_name(node) -> str          "asbx-node1"
    ovs_dir(node, run_dir=None) -> Path
    env(node, run_dir=None) -> dict  OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR
    running(node, run_dir=None) -> dict {"ovsdb-server": pid|None,
                                          "ovs-vswitchd": pid|None}
    start(node, run_dir=None, *, tso=True, timeout=30.0) -> dict of pids
        Creates the db (ovsdb-tool) if absent, starts both daemons inside
        the Node's namespace (idempotent: running daemons are kept).
        other_config:userspace-tso-enable=true is written before
        ovs-vswitchd starts (it is read only at start-up): without it TCP
        through the userspace datapath stalls on checksum-offloaded veths.
    stop(node, run_dir=None, *, timeout=10.0) -> list[str]  (what it stopped)
    stop_all(run_dir=None) -> list[str]
    vsctl(node, args, run_dir=None, *, timeout=20.0) -> str (stdout)
    ofctl(node, args, run_dir=None, *, timeout=20.0) -> str
    appctl(node, args, run_dir=None, *, target="ovs-vswitchd",
           timeout=20.0) -> str
    ovs_exec(node, argv, run_dir=None, **run_kwargs) -> CompletedProcess
        Any command in the Node's namespace with the Node's OVS env.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
from typing import Any, Optional, Sequence, Union

from . import util

SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
DAEMONS = ("ovsdb-server", "ovs-vswitchd")   # start order; stop is reversed
NodeRef = Union[int, str]


def node_index(node: NodeRef) -> int:
    """Accept 1, "1", "node1" or "asbx-node1" so callers need not convert."""
    if isinstance(node, int):
        idx = node
    else:
        m = re.fullmatch(r"(?:asbx-)?(?:node)?(\d+)", str(node))
        if not m:
            raise ValueError(f"not a sandbox node: {node!r}")
        idx = int(m.group(1))
    if idx < 1:
        raise ValueError(f"node index must be >= 1: {node!r}")
    return idx


def node_name(node: NodeRef) -> str:
    """Kubernetes Node name (node<i>), also used in file and log names."""
    return f"node{node_index(node)}"


def netns_name(node: NodeRef) -> str:
    """Network namespace of the Node (asbx-node<i>)."""
    return f"asbx-node{node_index(node)}"


def _run_dir(run_dir: Optional[os.PathLike | str]) -> pathlib.Path:
    """Default to the shared run directory so callers may omit it."""
    return pathlib.Path(run_dir) if run_dir is not None else util.run_dir()


def ovs_dir(node: NodeRef, run_dir: Optional[os.PathLike | str] = None
            ) -> pathlib.Path:
    """RUN/nodes/node<i>/ovs: the Node's OVS rundir, dbdir and pid files."""
    return _run_dir(run_dir) / "nodes" / node_name(node) / "ovs"


def log_dir(run_dir: Optional[os.PathLike | str] = None) -> pathlib.Path:
    """RUN/logs, shared by every sandbox process."""
    return _run_dir(run_dir) / "logs"


def log_file(node: NodeRef, daemon: str,
             run_dir: Optional[os.PathLike | str] = None) -> pathlib.Path:
    """RUN/logs/node<i>-<daemon>.log (the file to read when OVS fails)."""
    return log_dir(run_dir) / f"{node_name(node)}-{daemon}.log"


def env(node: NodeRef, run_dir: Optional[os.PathLike | str] = None
        ) -> dict[str, str]:
    """Environment that points the OVS tools at this Node's daemons."""
    d = str(ovs_dir(node, run_dir))
    return {"OVS_RUNDIR": d, "OVS_DBDIR": d,
            "OVS_LOGDIR": str(log_dir(run_dir))}


def pid_file(node: NodeRef, daemon: str,
             run_dir: Optional[os.PathLike | str] = None) -> pathlib.Path:
    """The default pid file OVS writes (and ovs-appctl -t reads)."""
    return ovs_dir(node, run_dir) / f"{daemon}.pid"


def _daemon_pid(node: NodeRef, daemon: str,
                run_dir: Optional[os.PathLike | str]) -> Optional[int]:
    """Pid of our running daemon, checked against its command line.

    The command line must name the daemon and this Node's ovs dir, so a
    recycled pid never makes us think (or signal) a stranger is ours.
    """
    pid = util.read_pid(pid_file(node, daemon, run_dir))
    if pid is None or not util.pid_alive(pid):
        return None
    if not (util.pid_matches(pid, daemon)
            and util.pid_matches(pid, str(ovs_dir(node, run_dir)))):
        return None
    return pid


def running(node: NodeRef, run_dir: Optional[os.PathLike | str] = None
            ) -> dict[str, Optional[int]]:
    """Which of the Node's OVS daemons are alive (pid or None)."""
    return {d: _daemon_pid(node, d, run_dir) for d in DAEMONS}


def ovs_exec(node: NodeRef, argv: Sequence[str],
             run_dir: Optional[os.PathLike | str] = None,
             **kwargs: Any) -> subprocess.CompletedProcess:
    """Run argv in the Node's namespace with its OVS environment."""
    extra = dict(kwargs.pop("env", None) or {})
    merged = env(node, run_dir)
    merged.update(extra)
    return util.run_in_netns(netns_name(node), argv, env=merged, **kwargs)


def vsctl(node: NodeRef, args: Sequence[str],
          run_dir: Optional[os.PathLike | str] = None, *,
          timeout: float = 20.0) -> str:
    """ovs-vsctl against the Node's ovsdb-server; returns stdout."""
    t = max(1, int(timeout) - 2)
    return ovs_exec(node, ["ovs-vsctl", f"--timeout={t}", *args], run_dir,
                    timeout=timeout,
                    what=f"{node_name(node)}: ovs-vsctl {' '.join(args)} "
                         f"(see {log_file(node, 'ovs-vswitchd', run_dir)})"
                    ).stdout


def ofctl(node: NodeRef, args: Sequence[str],
          run_dir: Optional[os.PathLike | str] = None, *,
          timeout: float = 20.0) -> str:
    """ovs-ofctl against the Node's bridges (RUNDIR/BR.mgmt); stdout."""
    return ovs_exec(node, ["ovs-ofctl", *args], run_dir, timeout=timeout,
                    what=f"{node_name(node)}: ovs-ofctl {' '.join(args)}"
                    ).stdout


def appctl(node: NodeRef, args: Sequence[str],
           run_dir: Optional[os.PathLike | str] = None, *,
           target: str = "ovs-vswitchd", timeout: float = 20.0) -> str:
    """ovs-appctl -t TARGET against the Node's daemon; returns stdout."""
    t = max(1, int(timeout) - 2)
    return ovs_exec(node, ["ovs-appctl", f"--timeout={t}", "-t", target,
                           *args], run_dir, timeout=timeout,
                    what=f"{node_name(node)}: ovs-appctl {' '.join(args)}"
                    ).stdout


def start(node: NodeRef, run_dir: Optional[os.PathLike | str] = None, *,
          tso: bool = True, timeout: float = 30.0) -> dict[str, int]:
    """Start (or keep) the Node's ovsdb-server and ovs-vswitchd.

    Both run inside asbx-node<i> with OVS's own --detach: the command
    returns only once the daemon is ready, the daemon is in its own
    session (it outlives us), and OVS writes the pid file itself.
    """
    name = node_name(node)
    ns = netns_name(node)
    d = ovs_dir(node, run_dir)
    d.mkdir(parents=True, exist_ok=True)
    log_dir(run_dir).mkdir(parents=True, exist_ok=True)
    e = env(node, run_dir)
    db = d / "conf.db"
    pids: dict[str, int] = {}

    cur = running(node, run_dir)
    if cur["ovsdb-server"] is None:
        if not db.exists():
            util.run(["ovsdb-tool", "create", str(db), SCHEMA], timeout=15,
                     what=f"{name}: create OVS database {db}")
        log = log_file(node, "ovsdb-server", run_dir)
        util.run_in_netns(
            ns, ["ovsdb-server", str(db), f"--remote=punix:{d}/db.sock",
                 "--pidfile", "--detach", f"--log-file={log}",
                 "-vconsole:off"],
            env=e, timeout=timeout, output_file=log,
            what=f"{name}: start ovsdb-server (see {log})")
        pid = util.wait_for(lambda: _daemon_pid(node, "ovsdb-server", run_dir),
                            timeout, f"{name} ovsdb-server pid file "
                            f"(see {log})")
        pids["ovsdb-server"] = pid
    else:
        pids["ovsdb-server"] = cur["ovsdb-server"]

    # Written before ovs-vswitchd starts: userspace-tso-enable is read once.
    tso_value = "true" if tso else "false"
    settings = ["--no-wait", "init", "--", "set", "Open_vSwitch", ".",
                f"other_config:userspace-tso-enable={tso_value}",
                f"external_ids:system-id={name}",
                f"external_ids:hostname={name}"]
    vsctl(node, settings, run_dir, timeout=timeout)

    if cur["ovs-vswitchd"] is None:
        log = log_file(node, "ovs-vswitchd", run_dir)
        util.run_in_netns(
            ns, ["ovs-vswitchd", f"unix:{d}/db.sock", "--pidfile", "--detach",
                 f"--log-file={log}", "-vconsole:off"],
            env=e, timeout=timeout, output_file=log,
            what=f"{name}: start ovs-vswitchd (see {log})")
        pid = util.wait_for(lambda: _daemon_pid(node, "ovs-vswitchd", run_dir),
                            timeout, f"{name} ovs-vswitchd pid file "
                            f"(see {log})")
        pids["ovs-vswitchd"] = pid
    else:
        pids["ovs-vswitchd"] = cur["ovs-vswitchd"]
    return pids


def stop(node: NodeRef, run_dir: Optional[os.PathLike | str] = None, *,
         timeout: float = 10.0) -> list[str]:
    """Stop the Node's daemons by their pid files (vswitchd first).

    Only a process whose command line names the daemon and this Node's
    ovs dir is signalled.  Stale pid files are removed.  Returns a list
    like ["node1 ovs-vswitchd 1234"] of what was actually stopped.
    """
    stopped = []
    for daemon in reversed(DAEMONS):
        pf = pid_file(node, daemon, run_dir)
        pid = _daemon_pid(node, daemon, run_dir)
        if pid is not None and util.stop_pid(pid, timeout=timeout):
            stopped.append(f"{node_name(node)} {daemon} {pid}")
        try:
            pf.unlink()
        except FileNotFoundError:
            pass
    return stopped


def known_nodes(run_dir: Optional[os.PathLike | str] = None) -> list[str]:
    """Node names that have an ovs dir under RUN/nodes (for teardown)."""
    base = _run_dir(run_dir) / "nodes"
    if not base.is_dir():
        return []
    return sorted(p.parent.name for p in base.glob("node*/ovs") if p.is_dir()
                  and re.fullmatch(r"node\d+", p.parent.name))


def stop_all(run_dir: Optional[os.PathLike | str] = None, *,
             timeout: float = 10.0) -> list[str]:
    """Stop the OVS daemons of every Node that has a dir under RUN/nodes."""
    stopped = []
    for name in known_nodes(run_dir):
        stopped += stop(name, run_dir, timeout=timeout)
    return stopped
