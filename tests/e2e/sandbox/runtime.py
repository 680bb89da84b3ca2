"""The sandbox Pod runtime: the networking half of a kubelet, one per Node.

Why it exists: the sandbox cluster has a real kube-apiserver but no kubelet
and no container runtime.  This daemon gives every sandbox Node what a
kubelet + CRI runtime would give a CNI plugin, so that the product's CNI
(or Debian's reference plugins) is exercised exactly as in a real cluster:

- it watches the Pods bound to its Node (fieldSelector spec.nodeName=NODE:
  list, then watch from the list's resourceVersion, re-watch at the end of
  each stream, relist on 410, reconnect with bounded backoff);
- with --bind-unscheduled it also binds Pods without a nodeName round-robin
  over --nodes (honouring spec.nodeSelector against Node labels) through
  POST .../pods/NAME/binding: the sandbox has no scheduler;
- for a new Pod it creates a network namespace asbx-pod-<node>-<uid8> (lo
  up), runs the plugins of the Node's CNI config list as libcni does (ADD in
  order with prevResult chaining and capability-filtered runtimeConfig;
  DEL in reverse order with the cached result), starts each container's
  command+args with `ip netns exec` (the image is ignored: host programs
  run), and reports status (phase, podIP(s), hostIP, conditions,
  containerStatuses) through the status subresource;
- when a container process exits its state becomes terminated; when all
  have exited the phase is Succeeded (all exit codes 0) or Failed.
  restartPolicy is NOT honoured: containers are never restarted
  (restartCount stays 0), and the sandbox is kept until the Pod is deleted;
- on deletion (deletionTimestamp) it stops the processes (SIGTERM to the
  process group, bounded wait, SIGKILL), runs CNI DEL, deletes the netns and
  finishes the delete with gracePeriodSeconds=0 and a uid precondition;
- its state is one JSON file per Pod under --state-dir/pods (atomic
  writes), so a restarted runtime re-adopts running Pods without
  restarting their processes and cleans up Pods deleted meanwhile;
- SIGTERM/SIGINT exit cleanly without touching Pods.

Deliberate differences from kubelet/containerd (documented, not bugs):
- a failed sandbox setup (no CNI config yet, ADD error) is DEL'd (all
  plugins, reverse order) and retried with backoff (1 s doubling to 30 s);
  the Pod stays Pending with status.reason CNIAddFailed and the error in
  status.message, the Ready/ContainersReady conditions and the container's
  waiting state (kubectl shows CNIAddFailed).  --cni-max-attempts N turns
  it into phase Failed after N attempts (default 0: retry forever);
- CNI DEL goes on past a failing plugin (libcni stops at the first), so
  e.g. host-local still frees the IP; the first error is raised and DEL is
  retried; after --cni-del-attempts (5) failures it is given up (logged at
  ERROR) so that a deletion never hangs forever;
- a container without command runs its args as the command; with neither
  it runs `sleep infinity` (it only holds the network namespace);
- env: a minimal base (PATH, HOME, HOSTNAME) plus env[].value (with
  $(VAR) expansion) and env[].valueFrom.fieldRef for metadata.name/
  namespace/uid, spec.nodeName, spec.serviceAccountName, status.podIP,
  status.hostIP; other valueFrom sources are skipped (logged);
- init containers, probes, resources, volumes and restartPolicy are
  ignored; hostNetwork Pods run in the Node's namespace with no CNI call
  and podIP = hostIP;
- the annotations kubernetes.io/ingress-bandwidth and
  kubernetes.io/egress-bandwidth become runtimeConfig.bandwidth (rates in
  bits per second, as kubelet converts them, with kubelet's bounds 1k to
  1P), but the burst is a tenth of a second at the rate (at least 64 KiB,
  at most 512 MiB), not kubelet's fixed 2^31-1 bits, which lets the first
  256 MiB through unlimited and overflows tc's buffer below ~8 Mbit/s; a
  bad annotation fails the sandbox setup with a message naming it;
- hostIP is --node-ip, else the Node's InternalIP, else the source address
  of the route to the apiserver.

How it must be started: in the HOST mount namespace (so the netns it
creates with `ip netns add` are visible to every other process, e.g. the
CNI agent and `cluster exec`) and in the Node's network namespace.  The
simplest way is --netns asbx-nodeN, which makes it re-exec itself through
`nsenter --net=/run/netns/asbx-nodeN` (same pid).  Started under
`ip netns exec` (a private mount namespace) it refuses to run, because the
namespaces it would create there are invisible outside of it.

Command line (cwd tests/e2e, or PYTHONPATH=tests/e2e):
    /usr/bin/python3 -m sandbox.runtime --netns asbx-node1 --node node1 \\
        --kubeconfig RUN/kube/admin.kubeconfig \\
        --state-dir RUN/nodes/node1/runtime \\
        --cni-conf-dir RUN/nodes/node1/cni/net.d --cni-bin-dir /usr/lib/cni \\
        [--bind-unscheduled --nodes node1,node2] [--node-ip 192.168.77.11]
    /usr/bin/python3 -m sandbox.runtime --cleanup --state-dir DIR [--cni-del]
        (runtime stopped: kill the recorded Pods' processes, delete their
        netns and state; for `cluster down`)

Python API (for the cluster CLI):
    paths(node, run_dir=None) -> {state_dir, pid_file, log_file}
    runtime_argv(node, netns, kubeconfig, cni_conf_dir, cni_bin_dir, ...)
    start(node, netns, kubeconfig, cni_conf_dir, cni_bin_dir="/usr/lib/cni",
          *, run_dir=None, bind_unscheduled=False, nodes=(), node_ip=None,
          extra=()) -> pid          (idempotent; util.start_daemon)
    stop(node, run_dir=None, timeout=25.0) -> bool   (Pods keep running)
    cleanup(node, run_dir=None, *, cni_del=False) -> report
    cleanup_node(state_dir, *, cni_del=False, ...) -> report
    netns_name(node, uid) -> "asbx-pod-<node>-<uid8>"
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import fcntl
import fractions
import json
import logging
import math
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Optional

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    __package__ = "sandbox"  # noqa: A001 - allow `python3 runtime.py`

from sandbox import util  # noqa: E402
from sandbox.k8s_watch import (ApiError, KubeClient, ListWatch,  # noqa: E402
                               WatchHandler, backoff_delay, load_kubeconfig,
                               now_rfc3339)

LOG = logging.getLogger("runtime")

NETNS_DIR = "/var/run/netns"
IP = shutil.which("ip") or "/usr/sbin/ip"
NSENTER = shutil.which("nsenter") or "/usr/bin/nsenter"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The container wrapper: run the command as a child of sh so that its exit
# status is written to a file ($0) that survives a restart of the runtime
# (a restarted runtime is no longer the parent and cannot wait() for it).
# The file is only read once sh is gone, so no temp+rename is needed.
EXIT_WRAPPER = '"$@"; rc=$?; echo "$rc" > "$0"; exit "$rc"'



class SetupError(RuntimeError):
    """Creating the Pod sandbox (netns, CNI ADD) failed; retried later."""


class CniError(RuntimeError):
    """A CNI plugin failed (non-zero exit, timeout, bad output)."""


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------

def netns_name(node: str, uid: str) -> str:
    """The sandbox name of a Pod's network namespace (see the brief)."""
    return f"asbx-pod-{node}-{uid[:8]}"


def netns_exists(name: str) -> bool:
    """True if /var/run/netns/NAME is a live netns mount (not a stale file)."""
    path = os.path.join(NETNS_DIR, name)
    if not os.path.exists(path):
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.fstat(fd).st_dev != os.stat(NETNS_DIR).st_dev
    finally:
        os.close(fd)


# The Pod annotations kubelet turns into runtimeConfig.bandwidth, and the
# bounds it accepts (k8s.io/kubernetes pkg/util/bandwidth).
INGRESS_BANDWIDTH = "kubernetes.io/ingress-bandwidth"
EGRESS_BANDWIDTH = "kubernetes.io/egress-bandwidth"
MIN_BANDWIDTH = 1000                # 1k
MAX_BANDWIDTH = 10 ** 15            # 1P
# Burst given with a rate, in bits: a tenth of a second at the rate,
# within these bounds (see the module docstring).
MIN_BURST = 8 * 64 * 1024
MAX_BURST = 8 * 512 * 1024 * 1024
QUANTITY_RE = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
                         r"([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$")
QUANTITY_SUFFIXES = {
    None: 1, "n": fractions.Fraction(1, 10 ** 9),
    "u": fractions.Fraction(1, 10 ** 6), "m": fractions.Fraction(1, 1000),
    "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15,
    "E": 10 ** 18, "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30,
    "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
}


def parse_quantity(text: str) -> int:
    """The integer value of Kubernetes quantity 'text' ("10M", "1.5Gi",
    "2e6"), rounded up as resource.Quantity.Value() does.  Raises
    ValueError naming the text if it is not a quantity."""
    m = QUANTITY_RE.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{text!r} is not a Kubernetes quantity "
                         "(e.g. 10M, 512k, 1Gi)")
    number, suffix = fractions.Fraction(m.group(1)), m.group(2)
    if suffix and len(suffix) > 1 and suffix[0] in "eE":
        factor = fractions.Fraction(10) ** int(suffix[1:])
    else:
        factor = QUANTITY_SUFFIXES[suffix]
    return math.ceil(number * factor)


def bandwidth_config(annotations: Optional[dict]) -> Optional[dict]:
    """runtimeConfig.bandwidth for a Pod's annotations (None without
    either bandwidth annotation): ingressRate/egressRate in bits per
    second and a burst with each.  Raises ValueError naming the
    annotation and its value if one is not a quantity within 1k..1P."""
    out = {}
    for key, prefix in ((INGRESS_BANDWIDTH, "ingress"),
                        (EGRESS_BANDWIDTH, "egress")):
        text = (annotations or {}).get(key)
        if text is None:
            continue
        try:
            rate = parse_quantity(text)
        except ValueError as exc:
            raise ValueError(f"annotation {key}: {exc}") from None
        if not MIN_BANDWIDTH <= rate <= MAX_BANDWIDTH:
            raise ValueError(f"annotation {key}: {text!r} is outside the "
                             "range kubelet accepts (1k to 1P bits per "
                             "second)")
        out[f"{prefix}Rate"] = rate
        out[f"{prefix}Burst"] = min(max(rate // 10, MIN_BURST), MAX_BURST)
    return out or None


def pod_ref(pod: dict) -> str:
    """namespace/name of a Pod, for log lines."""
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"


def proc_start_ticks(pid: int) -> Optional[int]:
    """Process start time (clock ticks since boot), to detect pid reuse."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def proc_alive(pid: Optional[int], ticks: Optional[int]) -> bool:
    """True if pid runs, is not a zombie and is still the process we began."""
    if not pid:
        return False
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    if fields[0] in ("Z", "X"):
        return False
    try:
        return ticks is None or int(fields[19]) == ticks
    except (IndexError, ValueError):
        return False


def atomic_write_json(path: pathlib.Path, obj: Any) -> None:
    """Write JSON via temp file + fsync + rename so a crash never truncates."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def subset(want: Any, have: Any) -> bool:
    """True if every field in want equals the one in have (None = absent).

    Used to decide whether the API already shows the status we would write,
    ignoring fields the apiserver adds or that we never set.
    """
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return not want and have is None
        return all(subset(v, have.get(k)) if v is not None
                   else have.get(k) in (None, "", {}, [])
                   for k, v in want.items())
    if isinstance(want, list):
        return (isinstance(have, list) and len(want) == len(have)
                and all(subset(a, b) for a, b in zip(want, have)))
    return want == have


def rv_int(obj: dict) -> int:
    """An object's resourceVersion as an int (0 if absent/opaque)."""
    try:
        return int((obj.get("metadata") or {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


def expand_vars(text: str, env: dict) -> str:
    """Kubernetes $(VAR) expansion for command/args; $$ escapes a $."""
    def sub(m: re.Match) -> str:
        """Replace one $(VAR) or $$ match."""
        if m.group(0).startswith("$$"):
            return m.group(0)[1:]
        name = m.group(1)
        return env[name] if name in env else m.group(0)
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)", sub, text) \
        if "$" in text else text


def version_ge(version: str, minimum: str) -> bool:
    """Compare CNI versions like 0.4.0 >= 0.3.1."""
    def parts(v: str) -> tuple:
        """Split a version into comparable ints."""
        try:
            return tuple(int(x) for x in v.split("."))
        except ValueError:
            return (0,)
    return parts(version or "0.1.0") >= parts(minimum)


def first_ipv4(result: Optional[dict], netns_path: str) -> Optional[str]:
    """The Pod IP: the first IPv4 address of a CNI result.

    Addresses on an interface inside the Pod's netns are preferred (0.3.0+
    results); 0.1/0.2 results carry ip4.ip instead.
    """
    if not result:
        return None
    ifaces = result.get("interfaces") or []
    candidates = []
    for ipc in result.get("ips") or []:
        addr = str(ipc.get("address", "")).split("/")[0]
        if ":" in addr or not addr:
            continue
        idx = ipc.get("interface")
        in_sandbox = (isinstance(idx, int) and 0 <= idx < len(ifaces)
                      and ifaces[idx].get("sandbox"))
        candidates.append((0 if in_sandbox else 1, addr))
    if candidates:
        return sorted(candidates, key=lambda c: c[0])[0][1]
    ip4 = (result.get("ip4") or {}).get("ip")
    if ip4:
        return str(ip4).split("/")[0]
    return None


def check_mount_namespace() -> Optional[str]:
    """Explain why netns created here would be invisible, or None if fine.

    `ip netns exec` runs its command in a private mount namespace whose
    /run/netns is a slave of the host's: a netns bind mount made there never
    propagates back, so nobody else could open the Pod's netns by name.
    """
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as fh:
            for line in fh:
                fields = line.split()
                if len(fields) > 6 and fields[4] in ("/run/netns",
                                                     "/var/run/netns"):
                    sep = fields.index("-")
                    optional = fields[6:sep]
                    if any(o.startswith("master:") for o in optional):
                        return ("this process runs in a private mount "
                                "namespace (under `ip netns exec`?): Pod "
                                "network namespaces created here would be "
                                "invisible to other processes. Start the "
                                "runtime with --netns NAME (or `nsenter "
                                "--net=/run/netns/NAME`) instead")
    except OSError:
        pass
    return None


# --------------------------------------------------------------------------
# state on disk
# --------------------------------------------------------------------------

class StateStore:
    """One JSON file per Pod (by uid) under STATE/pods, written atomically.

    Per-Pod scratch (container exit-status files) lives in STATE/pods/UID/;
    container logs in STATE/logs/NS_NAME_UID8_CONTAINER.log (kept after the
    Pod is gone, for debugging; the run directory is removed by `down`).
    """

    def __init__(self, root: str) -> None:
        """Set up state; see the class docstring."""
        self.root = pathlib.Path(root)
        self.pods = self.root / "pods"
        self.logs = self.root / "logs"
        self.pods.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)

    def load_all(self) -> dict:
        """Read every Pod record; unreadable files are logged and skipped."""
        out = {}
        for path in sorted(self.pods.glob("*.json")):
            try:
                rec = json.loads(path.read_text())
                out[rec["uid"]] = rec
            except (OSError, ValueError, KeyError) as exc:
                LOG.error("state: cannot read %s: %s (ignored)", path, exc)
        return out

    def save(self, rec: dict) -> None:
        """Persist one record atomically."""
        atomic_write_json(self.pods / f"{rec['uid']}.json",
                          {k: v for k, v in rec.items()
                           if not k.startswith("_")})

    def scratch(self, uid: str) -> pathlib.Path:
        """The per-Pod scratch directory (created on demand)."""
        path = self.pods / uid
        path.mkdir(parents=True, exist_ok=True)
        return path

    def remove(self, uid: str) -> None:
        """Forget a Pod: its record and scratch directory."""
        shutil.rmtree(self.pods / uid, ignore_errors=True)
        try:
            (self.pods / f"{uid}.json").unlink()
        except FileNotFoundError:
            pass


# --------------------------------------------------------------------------
# CNI, as libcni drives it
# --------------------------------------------------------------------------

class Cni:
    """Runs a CNI config list's plugins the way libcni (containerd) does."""

    def __init__(self, conf_dir: str, bin_dir: str, timeout: float) -> None:
        """Set up state; see the class docstring."""
        self.conf_dir = conf_dir
        self.bin_dir = bin_dir
        self.timeout = timeout

    def load_conflist(self) -> tuple[str, dict]:
        """The first config file (sorted by name) in the conf dir, as a list.

        Like libcni, .conflist, .conf and .json files are considered in
        name order; a single-plugin .conf is wrapped into a list.
        """
        try:
            names = sorted(os.listdir(self.conf_dir))
        except OSError as exc:
            raise SetupError(f"no CNI config: cannot read {self.conf_dir}: "
                             f"{exc}") from None
        for name in names:
            if not name.endswith((".conflist", ".conf", ".json")):
                continue
            path = os.path.join(self.conf_dir, name)
            try:
                with open(path, encoding="utf-8") as fh:
                    conf = json.load(fh)
            except (OSError, ValueError) as exc:
                LOG.warning("CNI config %s unreadable: %s (skipped)", path,
                            exc)
                continue
            if not name.endswith(".conflist") and "plugins" not in conf:
                if not conf.get("type"):
                    continue
                conf = {"cniVersion": conf.get("cniVersion", "0.3.1"),
                        "name": conf.get("name", ""), "plugins": [conf]}
            if not conf.get("plugins"):
                LOG.warning("CNI config %s has no plugins (skipped)", path)
                continue
            return path, conf
        raise SetupError(f"no CNI config in {self.conf_dir} (network not "
                         f"ready)")

    def _binary(self, ptype: str) -> str:
        """Find a plugin binary in CNI_PATH (a colon-separated list)."""
        for d in self.bin_dir.split(":"):
            path = os.path.join(d, ptype)
            if os.access(path, os.X_OK):
                return path
        raise CniError(f"CNI plugin {ptype!r} not found in {self.bin_dir}")

    def _env(self, command: str, cid: str, netns: str, ifname: str,
             cni_args: str) -> dict:
        """The CNI_* environment (merged over ours, as libcni does)."""
        return {"CNI_COMMAND": command, "CNI_CONTAINERID": cid,
                "CNI_NETNS": netns, "CNI_IFNAME": ifname,
                "CNI_ARGS": cni_args, "CNI_PATH": self.bin_dir}

    def _exec(self, ptype: str, command: str, conf: dict, env: dict) -> Any:
        """Execute one plugin; answer its decoded stdout (None if empty)."""
        binary = self._binary(ptype)
        what = f"CNI {command} {ptype}"
        try:
            proc = util.run([binary], input=json.dumps(conf), env=env,
                            timeout=self.timeout, check=False, what=what)
        except util.CommandError as exc:
            raise CniError(f"{what}: {exc}") from None
        if proc.stderr.strip():
            LOG.info("%s stderr: %s", what, proc.stderr.strip()[-2000:])
        out = (proc.stdout or "").strip()
        if proc.returncode != 0:
            try:
                err = json.loads(out)
                msg = err.get("msg", "")
                if err.get("details"):
                    msg += f": {err['details']}"
                msg = f"{msg} (code {err.get('code')})"
            except (ValueError, AttributeError):
                msg = (out or proc.stderr or "").strip()[-2000:]
            raise CniError(f"{what} failed (exit {proc.returncode}): {msg}")
        if not out:
            return None
        try:
            return json.loads(out)
        except ValueError:
            raise CniError(f"{what}: output is not JSON: {out[:500]}") \
                from None

    @staticmethod
    def _plugin_conf(conflist: dict, plugin: dict, prev: Any,
                     runtime_config: dict) -> dict:
        """Build one plugin's stdin: name/cniVersion injected, prevResult,
        runtimeConfig limited to the capabilities the plugin declares."""
        conf = copy.deepcopy(plugin)
        conf["name"] = conflist.get("name", "")
        conf["cniVersion"] = conflist.get("cniVersion", "0.3.1")
        if prev is not None:
            conf["prevResult"] = prev
        caps = plugin.get("capabilities") or {}
        rc = {k: v for k, v in runtime_config.items() if caps.get(k)}
        if rc:
            conf["runtimeConfig"] = rc
        return conf

    def add(self, conflist: dict, cid: str, netns: str, ifname: str,
            cni_args: str, runtime_config: dict) -> Any:
        """ADD every plugin in order; answer the final result."""
        env = self._env("ADD", cid, netns, ifname, cni_args)
        prev = None
        for plugin in conflist["plugins"]:
            conf = self._plugin_conf(conflist, plugin, prev, runtime_config)
            out = self._exec(plugin["type"], "ADD", conf, env)
            if out is not None:
                prev = out
        return prev

    def delete(self, conflist: dict, cid: str, netns: str, ifname: str,
               cni_args: str, runtime_config: dict, cached: Any) -> None:
        """DEL every plugin in reverse order with the same env as ADD.

        prevResult is the cached ADD result for cniVersion >= 0.4.0 (as
        libcni does).  Unlike libcni, a failing plugin does not stop the
        others: each still frees what it holds (e.g. host-local its IP when
        a chained plugin is missing), then the first error is raised so the
        caller retries (DEL must be idempotent for every plugin).
        """
        env = self._env("DEL", cid, netns, ifname, cni_args)
        prev = cached if version_ge(conflist.get("cniVersion", ""),
                                    "0.4.0") else None
        errors = []
        for plugin in reversed(conflist["plugins"]):
            conf = self._plugin_conf(conflist, plugin, prev, runtime_config)
            try:
                self._exec(plugin.get("type", ""), "DEL", conf, env)
            except CniError as exc:
                errors.append(exc)
        if errors:
            raise errors[0]


# --------------------------------------------------------------------------
# watch handlers
# --------------------------------------------------------------------------

class PodCache(WatchHandler):
    """The API view of this Node's Pods, keyed by uid (fed by a ListWatch)."""

    def __init__(self, wake: threading.Event) -> None:
        """Set up state; see the class docstring."""
        self.lock = threading.Lock()
        self.pods: dict = {}
        self.synced = False
        self.wake = wake

    def replace(self, objects: list, resource_version: str) -> None:
        """A (re)list: the full set replaces the cache."""
        with self.lock:
            self.pods = {o["metadata"]["uid"]: o for o in objects}
            self.synced = True
        self.wake.set()

    def event(self, etype: str, obj: dict) -> None:
        """One watch event updates the cache."""
        uid = (obj.get("metadata") or {}).get("uid")
        if not uid:
            return
        with self.lock:
            if etype == "DELETED":
                self.pods.pop(uid, None)
            elif rv_int(obj) >= rv_int(self.pods.get(uid, {})):
                self.pods[uid] = obj
        self.wake.set()

    def get(self, uid: str) -> Optional[dict]:
        """The current API object of a Pod, or None."""
        with self.lock:
            return self.pods.get(uid)

    def update(self, obj: dict) -> None:
        """Store an object returned by a write, if newer than the cache."""
        uid = (obj.get("metadata") or {}).get("uid")
        with self.lock:
            if uid in self.pods and rv_int(obj) >= rv_int(self.pods[uid]):
                self.pods[uid] = obj

    def uids(self) -> set:
        """All uids in the cache."""
        with self.lock:
            return set(self.pods)


class Binder(WatchHandler):
    """Binds unscheduled Pods round-robin over the Nodes (the scheduler).

    A Pod with spec.nodeSelector only goes to Nodes whose labels match; a
    Pod no Node fits stays pending (retried with backoff, logged).
    """

    def __init__(self, client: KubeClient, nodes: list,
                 stop: threading.Event) -> None:
        """Set up state; see the class docstring."""
        self.client = client
        self.nodes = nodes
        self.stop = stop
        self.lock = threading.Lock()
        self.pending: dict = {}
        self.wake = threading.Event()
        self.next_index = 0
        self.failures: dict = {}
        self.retry_at: dict = {}
        self.label_cache: dict = {}

    def replace(self, objects: list, resource_version: str) -> None:
        """A (re)list of unscheduled Pods."""
        with self.lock:
            self.pending = {o["metadata"]["uid"]: o for o in objects}
        self.wake.set()

    def event(self, etype: str, obj: dict) -> None:
        """Track unscheduled Pods (a bound Pod leaves the selector)."""
        uid = (obj.get("metadata") or {}).get("uid")
        if not uid:
            return
        with self.lock:
            if etype == "DELETED" or (obj.get("spec") or {}).get("nodeName"):
                self.pending.pop(uid, None)
            else:
                self.pending[uid] = obj
        self.wake.set()

    def _labels(self, node: str) -> dict:
        """A Node's labels (cached for 10 s; {} if the Node is unknown)."""
        now = time.monotonic()
        hit = self.label_cache.get(node)
        if hit and now - hit[0] < 10:
            return hit[1]
        status, obj = self.client.request("GET", f"/api/v1/nodes/{node}")
        labels = ((obj or {}).get("metadata") or {}).get("labels") or {} \
            if status == 200 else {}
        self.label_cache[node] = (now, labels)
        return labels

    def _choose(self, pod: dict) -> Optional[str]:
        """The next Node in round-robin order that fits the Pod."""
        selector = (pod.get("spec") or {}).get("nodeSelector") or {}
        for i in range(len(self.nodes)):
            node = self.nodes[(self.next_index + i) % len(self.nodes)]
            if selector:
                labels = self._labels(node)
                if any(labels.get(k) != v for k, v in selector.items()):
                    continue
            self.next_index = (self.next_index + i + 1) % len(self.nodes)
            return node
        return None

    def bind(self, pod: dict) -> bool:
        """POST the binding; True when the Pod no longer needs us."""
        meta = pod["metadata"]
        node = self._choose(pod)
        if node is None:
            LOG.warning("binder: no Node among %s fits %s (nodeSelector %s)",
                        self.nodes, pod_ref(pod),
                        pod["spec"].get("nodeSelector"))
            return False
        body = {"apiVersion": "v1", "kind": "Binding",
                "metadata": {"name": meta["name"],
                             "namespace": meta["namespace"],
                             "uid": meta["uid"]},
                "target": {"apiVersion": "v1", "kind": "Node", "name": node}}
        status, obj = self.client.request(
            "POST", f"/api/v1/namespaces/{meta['namespace']}/pods/"
            f"{meta['name']}/binding", body)
        if status in (200, 201):
            LOG.info("binder: bound %s to %s", pod_ref(pod), node)
            return True
        if status in (404, 409):
            LOG.info("binder: %s: HTTP %s (%s); dropping", pod_ref(pod),
                     status, (obj or {}).get("message"))
            return True
        raise ApiError(f"bind {pod_ref(pod)} to {node}: HTTP {status}: "
                       f"{(obj or {}).get('message')}", status=status)

    def run(self) -> None:
        """Bind pending Pods until stop; failures back off per Pod."""
        while not self.stop.is_set():
            try:
                self._bind_pending()
            except Exception:  # noqa: BLE001 - the binder must not die
                LOG.exception("binder: pass failed; going on")
                self.stop.wait(1.0)

    def _bind_pending(self) -> None:
        """One pass: wait for news (at most 1 s), bind what is due."""
        self.wake.wait(1.0)
        self.wake.clear()
        with self.lock:
            pods = list(self.pending.values())
        now = time.monotonic()
        for pod in pods:
            uid = pod["metadata"]["uid"]
            if (pod["metadata"].get("deletionTimestamp")
                    or self.retry_at.get(uid, 0) > now):
                continue
            try:
                done = self.bind(pod)
            except Exception as exc:  # noqa: BLE001 - retried later
                LOG.warning("binder: %s: %s", pod_ref(pod), exc)
                done = False
            if done:
                with self.lock:
                    self.pending.pop(uid, None)
                self.failures.pop(uid, None)
                self.retry_at.pop(uid, None)
            else:
                n = self.failures.get(uid, 0) + 1
                self.failures[uid] = n
                self.retry_at[uid] = now + backoff_delay(n, 1.0, 30.0)


# --------------------------------------------------------------------------
# the runtime
# --------------------------------------------------------------------------

class Runtime:
    """Reconciles this Node's Pods (API view) with sandboxes (local state).

    Level-triggered: every wake-up (watch event) or poll tick, each Pod uid
    known to either side is synced by a worker; one worker per uid at a
    time; a failing uid backs off (1 s doubling to 30 s) without affecting
    the others.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        """Set up state; see the class docstring."""
        self.args = args
        self.node = args.node
        self.client = KubeClient(load_kubeconfig(args.kubeconfig),
                                 timeout=args.api_timeout)
        self.store = StateStore(args.state_dir)
        self.cni = Cni(args.cni_conf_dir, args.cni_bin_dir, args.cni_timeout)
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.cache = PodCache(self.wake)
        self.records: dict = {}
        self.rec_lock = threading.Lock()
        self.procs: dict = {}
        self.busy: set = set()
        self.retry_at: dict = {}
        self.failures: dict = {}
        self.deleted: dict = {}
        self.node_ip: Optional[str] = args.node_ip
        self._fallback_ip: Optional[tuple] = None
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=args.workers, thread_name_prefix="pod")
        self.futures: set = set()

    # ---------------------------------------------------------------- main

    def run(self) -> int:
        """Start the watches and reconcile until SIGTERM/SIGINT."""
        self.records = self.store.load_all()
        LOG.info("runtime for node %s starting: %d Pod(s) in state %s",
                 self.node, len(self.records), self.store.pods)
        pods_lw = ListWatch(
            self.client, "/api/v1/pods",
            {"fieldSelector": f"spec.nodeName={self.node}"}, self.cache,
            f"pods(node={self.node})", self.stop,
            timeout_seconds=self.args.watch_timeout)
        threading.Thread(target=pods_lw.run, name="watch-pods",
                         daemon=True).start()
        if self.args.bind_unscheduled:
            nodes = [n for n in (self.args.nodes or "").split(",") if n]
            if not nodes:
                nodes = [self.node]
            binder = Binder(self.client, nodes, self.stop)
            unsched_lw = ListWatch(
                self.client, "/api/v1/pods",
                {"fieldSelector": "spec.nodeName="}, binder,
                "pods(unscheduled)", self.stop,
                timeout_seconds=self.args.watch_timeout)
            threading.Thread(target=unsched_lw.run, name="watch-unscheduled",
                             daemon=True).start()
            threading.Thread(target=binder.run, name="binder",
                             daemon=True).start()
            LOG.info("binding unscheduled Pods round-robin over %s", nodes)
        while not self.stop.is_set():
            self.wake.wait(self.args.poll_interval)
            self.wake.clear()
            if self.stop.is_set():
                break
            if not self.cache.synced:
                continue
            try:
                self._dispatch()
            except Exception:  # noqa: BLE001 - the daemon must not die
                LOG.exception("dispatch failed; going on")
                self.stop.wait(1.0)
        return self._shutdown()

    def _dispatch(self) -> None:
        """Hand every uid that is due and idle to a worker."""
        with self.rec_lock:
            uids = self.cache.uids() | set(self.records)
        now = time.monotonic()
        self.futures = {f for f in self.futures if not f.done()}
        for uid in sorted(uids):
            if uid in self.busy or self.retry_at.get(uid, 0) > now:
                continue
            self.busy.add(uid)
            self.futures.add(self.executor.submit(self._work, uid))

    def _work(self, uid: str) -> None:
        """Sync one Pod; log and back off on any failure (never fatal)."""
        try:
            self.sync_pod(uid)
            self.failures.pop(uid, None)
            self.retry_at.pop(uid, None)
        except Exception as exc:  # noqa: BLE001 - one Pod must not kill us
            n = self.failures.get(uid, 0) + 1
            self.failures[uid] = n
            delay = backoff_delay(n, 1.0, 30.0)
            self.retry_at[uid] = time.monotonic() + delay
            if isinstance(exc, (SetupError, CniError, ApiError,
                                util.CommandError)):
                LOG.warning("pod %s: %s (attempt %d; retry in %.0fs)",
                            uid, exc, n, delay)
            else:
                LOG.exception("pod %s: unexpected error (attempt %d; retry "
                              "in %.0fs)", uid, n, delay)
        finally:
            self.busy.discard(uid)

    def _shutdown(self) -> int:
        """Leave Pods as they are; wait (bounded) for in-flight workers."""
        LOG.info("stopping (Pods are left running; state is in %s)",
                 self.store.root)
        pending = [f for f in self.futures if not f.done()]
        if pending:
            done, not_done = concurrent.futures.wait(pending, timeout=20)
            if not_done:
                LOG.warning("%d Pod operation(s) still running at exit; "
                            "they resume after a restart", len(not_done))
        self.executor.shutdown(wait=False, cancel_futures=True)
        return 0

    # ------------------------------------------------------------ records

    def _record(self, uid: str) -> Optional[dict]:
        """The local record of a Pod, or None."""
        with self.rec_lock:
            return self.records.get(uid)

    def _save(self, rec: dict) -> None:
        """Persist and index a record."""
        self.store.save(rec)
        with self.rec_lock:
            self.records[rec["uid"]] = rec

    def _forget(self, uid: str) -> None:
        """Drop a record from disk and memory."""
        self.store.remove(uid)
        with self.rec_lock:
            self.records.pop(uid, None)
        for key in [k for k in list(self.procs.keys()) if k[0] == uid]:
            self.procs.pop(key, None)

    # ---------------------------------------------------------------- sync

    def sync_pod(self, uid: str) -> None:
        """Bring one Pod's sandbox in line with the API (idempotent)."""
        pod = self.cache.get(uid)
        rec = self._record(uid)
        if pod is None:
            if rec is not None:
                LOG.info("pod %s/%s (%s) is gone from the API: cleaning up",
                         rec["namespace"], rec["name"], uid)
                self.teardown(rec)
            return
        if pod["metadata"].get("deletionTimestamp"):
            if rec is not None:
                LOG.info("pod %s is being deleted: tearing down",
                         pod_ref(pod))
                self.teardown(rec)
            self.finish_delete(pod)
            return
        if rec is None or rec.get("stage") in ("creating", "setup-failed"):
            rec = self.setup(pod, rec)
        elif rec.get("stage") == "running":
            self.refresh_containers(rec)
        self.report_status(pod, rec)

    # --------------------------------------------------------------- setup

    def _cni_args(self, rec: dict) -> str:
        """CNI_ARGS as kubelet/containerd pass them."""
        return (f"IgnoreUnknown=1;K8S_POD_NAMESPACE={rec['namespace']};"
                f"K8S_POD_NAME={rec['name']};"
                f"K8S_POD_INFRA_CONTAINER_ID={rec['container_id']};"
                f"K8S_POD_UID={rec['uid']}")

    @staticmethod
    def _port_mappings(pod: dict) -> list:
        """runtimeConfig.portMappings from the containers' hostPorts."""
        out = []
        for c in (pod.get("spec") or {}).get("containers") or []:
            for p in c.get("ports") or []:
                if p.get("hostPort"):
                    pm = {"hostPort": int(p["hostPort"]),
                          "containerPort": int(p.get("containerPort",
                                                     p["hostPort"])),
                          "protocol": str(p.get("protocol", "TCP")).lower()}
                    if p.get("hostIP"):
                        pm["hostIP"] = p["hostIP"]
                    out.append(pm)
        return out

    def _new_record(self, pod: dict, old: Optional[dict]) -> dict:
        """A fresh record for a Pod (keeps the failure count of a previous
        attempt)."""
        meta = pod["metadata"]
        spec = pod.get("spec") or {}
        host_net = bool(spec.get("hostNetwork"))
        return {
            "uid": meta["uid"], "namespace": meta["namespace"],
            "name": meta["name"], "node": self.node,
            "container_id": meta["uid"],
            "netns": None if host_net else netns_name(self.node, meta["uid"]),
            "host_network": host_net, "stage": "creating",
            "created": (old or {}).get("created") or now_rfc3339(),
            "setup_failures": (old or {}).get("setup_failures", 0),
            "cni": None, "pod_ip": None, "containers": [],
            "conditions": (old or {}).get("conditions", {}),
            "error": None,
        }

    def setup(self, pod: dict, old: Optional[dict]) -> dict:
        """Create netns, run CNI ADD, start the containers (or report why not).

        A record left in "creating"/"setup-failed" (crash or earlier
        failure) is cleaned up first, so every attempt starts from scratch.
        """
        if old is not None:
            self.cleanup_sandbox(old)
        rec = self._new_record(pod, old)
        self._save(rec)
        try:
            if not rec["host_network"]:
                self._create_netns(rec["netns"])
                self._cni_add(rec, pod)
            else:
                rec["pod_ip"] = self.get_node_ip()
        except (SetupError, CniError, util.CommandError) as exc:
            rec["setup_failures"] = rec.get("setup_failures", 0) + 1
            rec["error"] = str(exc)
            max_attempts = self.args.cni_max_attempts
            if max_attempts and rec["setup_failures"] >= max_attempts:
                rec["stage"] = "failed"
            else:
                rec["stage"] = "setup-failed"
            self._save(rec)
            LOG.warning("pod %s: sandbox setup failed (attempt %d): %s",
                        pod_ref(pod), rec["setup_failures"], exc)
            self.report_status(pod, rec)
            if rec["stage"] == "failed":
                return rec
            raise SetupError(f"sandbox setup of {pod_ref(pod)}: {exc}") \
                from None
        rec["error"] = None
        rec["containers"] = []
        self._save(rec)
        for container in (pod.get("spec") or {}).get("containers") or []:
            rec["containers"].append(self.start_container(rec, pod,
                                                          container))
            self._save(rec)
        rec["stage"] = "running"
        self._save(rec)
        LOG.info("pod %s: running (ip %s, netns %s, %d container(s))",
                 pod_ref(pod), rec["pod_ip"], rec["netns"],
                 len(rec["containers"]))
        return rec

    def _create_netns(self, name: str) -> None:
        """ip netns add NAME (replacing a stale one) and bring lo up."""
        if os.path.exists(os.path.join(NETNS_DIR, name)):
            util.run([IP, "netns", "delete", name], check=False,
                     timeout=20, what=f"delete stale netns {name}")
        util.run([IP, "netns", "add", name], timeout=20,
                 what=f"create netns {name}")
        util.run([IP, "-n", name, "link", "set", "lo", "up"], timeout=20,
                 what=f"lo up in {name}")

    def _cni_add(self, rec: dict, pod: dict) -> None:
        """Run ADD; on failure DEL in reverse order, delete the netns."""
        try:
            bandwidth = bandwidth_config(
                (pod.get("metadata") or {}).get("annotations"))
        except ValueError as exc:
            raise SetupError(str(exc)) from None
        path, conflist = self.cni.load_conflist()
        runtime_config = {"portMappings": self._port_mappings(pod)}
        if bandwidth:
            runtime_config["bandwidth"] = bandwidth
        rec["cni"] = {"file": path, "conflist": conflist, "result": None,
                      "runtime_config": runtime_config, "ifname": "eth0"}
        self._save(rec)
        netns_path = os.path.join(NETNS_DIR, rec["netns"])
        LOG.info("pod %s: CNI ADD %s (%s) in %s", pod_ref(pod),
                 conflist.get("name"),
                 ",".join(p.get("type", "?") for p in conflist["plugins"]),
                 rec["netns"])
        try:
            result = self.cni.add(conflist, rec["container_id"], netns_path,
                                  "eth0", self._cni_args(rec), runtime_config)
        except CniError:
            try:
                self.cni.delete(conflist, rec["container_id"], netns_path,
                                "eth0", self._cni_args(rec), runtime_config,
                                None)
            except CniError as del_exc:
                LOG.warning("pod %s: CNI DEL after failed ADD: %s",
                            pod_ref(pod), del_exc)
            rec["cni"] = None
            self._save(rec)
            util.run([IP, "netns", "delete", rec["netns"]], check=False,
                     timeout=20, what=f"delete netns {rec['netns']}")
            raise
        rec["cni"]["result"] = result
        rec["pod_ip"] = first_ipv4(result, netns_path)
        if not rec["pod_ip"]:
            LOG.warning("pod %s: CNI result has no IPv4 address: %s",
                        pod_ref(pod), json.dumps(result)[:1000])
        self._save(rec)

    # ---------------------------------------------------------- containers

    def _container_env(self, rec: dict, pod: dict, container: dict) -> dict:
        """The process environment: a minimal base plus the spec's env."""
        env = {"PATH": DEFAULT_PATH, "HOME": "/root",
               "HOSTNAME": rec["name"]}
        field_values = {
            "metadata.name": rec["name"],
            "metadata.namespace": rec["namespace"],
            "metadata.uid": rec["uid"],
            "spec.nodeName": self.node,
            "spec.serviceAccountName": (pod.get("spec") or {}).get(
                "serviceAccountName", ""),
            "status.podIP": rec.get("pod_ip") or "",
            "status.hostIP": self.node_ip or "",
        }
        for item in container.get("env") or []:
            name = item.get("name")
            if not name:
                continue
            if "value" in item:
                env[name] = expand_vars(str(item["value"] or ""), env)
            else:
                ref = ((item.get("valueFrom") or {}).get("fieldRef")
                       or {}).get("fieldPath")
                if ref in field_values:
                    env[name] = field_values[ref]
                else:
                    LOG.info("pod %s: env %s: valueFrom not supported "
                             "(skipped)", pod_ref(pod), name)
        return env

    def start_container(self, rec: dict, pod: dict, container: dict) -> dict:
        """Start one container's command as a process in the Pod's netns.

        Without a command, args are run as the command; with neither the
        container just holds the sandbox (`sleep infinity`, like pause).
        """
        name = container.get("name", "c")
        env = self._container_env(rec, pod, container)
        argv = [expand_vars(str(a), env)
                for a in (container.get("command") or [])
                + (container.get("args") or [])]
        if not argv:
            argv = ["sleep", "infinity"]
        scratch = self.store.scratch(rec["uid"])
        exit_file = scratch / f"{name}.exit"
        try:
            exit_file.unlink()
        except FileNotFoundError:
            pass
        log_file = self.store.logs / (f"{rec['namespace']}_{rec['name']}_"
                                      f"{rec['uid'][:8]}_{name}.log")
        full = ["/bin/sh", "-c", EXIT_WRAPPER, str(exit_file), *argv]
        if rec["netns"]:
            full = [IP, "netns", "exec", rec["netns"], *full]
        cwd = container.get("workingDir") or "/"
        if not os.path.isdir(cwd):
            cwd = "/"
        started = now_rfc3339()
        with open(log_file, "a", encoding="utf-8") as log:
            log.write(f"--- {started} start: {' '.join(argv)}\n")
            log.flush()
            try:
                proc = subprocess.Popen(full, stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT,
                                        env=env, cwd=cwd,
                                        start_new_session=True,
                                        close_fds=True)
            except OSError as exc:
                LOG.warning("pod %s: container %s cannot start: %s",
                            pod_ref(pod), name, exc)
                return {"name": name, "image": container.get("image", ""),
                        "pid": None, "ticks": None, "log": str(log_file),
                        "exit_file": str(exit_file), "started_at": started,
                        "finished_at": started, "exit_code": 128,
                        "reason": "StartError"}
        self.procs[(rec["uid"], name)] = proc
        LOG.info("pod %s: container %s started, pid %d: %s", pod_ref(pod),
                 name, proc.pid, " ".join(argv))
        return {"name": name, "image": container.get("image", ""),
                "pid": proc.pid, "ticks": proc_start_ticks(proc.pid),
                "log": str(log_file), "exit_file": str(exit_file),
                "started_at": started, "finished_at": None,
                "exit_code": None, "reason": None}

    def _exit_code(self, rec: dict, c: dict) -> Optional[int]:
        """The exit code of a container process, or None while it runs."""
        proc = self.procs.get((rec["uid"], c["name"]))
        if proc is not None:
            if proc.poll() is None:
                return None
        elif proc_alive(c.get("pid"), c.get("ticks")):
            return None
        try:
            return int(pathlib.Path(c["exit_file"]).read_text().strip())
        except (OSError, ValueError):
            pass
        if proc is not None and proc.returncode is not None:
            rc = proc.returncode
            return 128 - rc if rc < 0 else rc
        return 137

    def refresh_containers(self, rec: dict) -> None:
        """Notice container exits and record their terminated state."""
        changed = False
        for c in rec["containers"]:
            if c.get("finished_at"):
                continue
            code = self._exit_code(rec, c)
            if code is None:
                continue
            c["exit_code"] = code
            c["finished_at"] = now_rfc3339()
            c["reason"] = "Completed" if code == 0 else "Error"
            changed = True
            LOG.info("pod %s/%s: container %s exited with %d",
                     rec["namespace"], rec["name"], c["name"], code)
        if changed:
            self._save(rec)

    def stop_containers(self, rec: dict, grace: float) -> None:
        """TERM each live container's process group, wait, then KILL."""
        live = []
        for c in rec.get("containers") or []:
            pid = c.get("pid")
            proc = self.procs.get((rec["uid"], c["name"]))
            alive = (proc.poll() is None) if proc is not None else \
                proc_alive(pid, c.get("ticks"))
            if alive:
                live.append(c)
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            if not live:
                return
            for c in live:
                self._signal(c["pid"], sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                live = [c for c in live if self._still_alive(rec, c)]
                if not live:
                    return
                time.sleep(0.05)
        if live:
            LOG.warning("pod %s/%s: processes %s survived SIGKILL",
                        rec["namespace"], rec["name"],
                        [c["pid"] for c in live])

    def _still_alive(self, rec: dict, c: dict) -> bool:
        """Liveness of a container process (reaping our own children)."""
        proc = self.procs.get((rec["uid"], c["name"]))
        if proc is not None:
            return proc.poll() is None
        return proc_alive(c.get("pid"), c.get("ticks"))

    @staticmethod
    def _signal(pid: int, sig: int) -> None:
        """Signal a container's process group (it is a session leader)."""
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    # ------------------------------------------------------------ teardown

    def _grace(self, rec: dict) -> float:
        """How long to wait after SIGTERM (the Pod's grace, bounded)."""
        pod = self.cache.get(rec["uid"]) or {}
        grace = (pod.get("metadata") or {}).get("deletionGracePeriodSeconds")
        if grace is None:
            grace = (pod.get("spec") or {}).get(
                "terminationGracePeriodSeconds", 30)
        return float(max(1, min(int(grace or 0) or 1,
                                self.args.max_grace_period)))

    def cleanup_sandbox(self, rec: dict) -> None:
        """Stop processes, CNI DEL, delete the netns (no API calls).

        CNI DEL failures are retried (the exception backs the Pod off) up
        to --cni-del-attempts, after which the runtime gives up on DEL
        (logged) rather than leaving the Pod Terminating forever.
        """
        self.stop_containers(rec, self._grace(rec))
        cni = rec.get("cni")
        if cni and cni.get("conflist") and rec.get("netns"):
            netns_path = os.path.join(NETNS_DIR, rec["netns"])
            if not netns_exists(rec["netns"]):
                netns_path = ""
            try:
                LOG.info("pod %s/%s: CNI DEL in %s", rec["namespace"],
                         rec["name"], rec["netns"])
                self.cni.delete(cni["conflist"], rec["container_id"],
                                netns_path, cni.get("ifname", "eth0"),
                                self._cni_args(rec),
                                cni.get("runtime_config") or {},
                                cni.get("result"))
            except CniError as exc:
                rec["del_failures"] = rec.get("del_failures", 0) + 1
                self.store.save(rec)
                if rec["del_failures"] < self.args.cni_del_attempts:
                    raise
                LOG.error("pod %s/%s: giving up CNI DEL after %d attempts: "
                          "%s", rec["namespace"], rec["name"],
                          rec["del_failures"], exc)
            rec["cni"] = None
            self.store.save(rec)
        if rec.get("netns") and os.path.exists(
                os.path.join(NETNS_DIR, rec["netns"])):
            util.run([IP, "netns", "delete", rec["netns"]], timeout=20,
                     what=f"delete netns {rec['netns']}")
        shutil.rmtree(self.store.pods / rec["uid"], ignore_errors=True)

    def teardown(self, rec: dict) -> None:
        """Tear a Pod's sandbox down and forget it."""
        if rec.get("stage") != "terminating":
            rec["stage"] = "terminating"
            self._save(rec)
        self.cleanup_sandbox(rec)
        self._forget(rec["uid"])
        LOG.info("pod %s/%s (%s): sandbox removed", rec["namespace"],
                 rec["name"], rec["uid"])

    def finish_delete(self, pod: dict) -> None:
        """DELETE with gracePeriodSeconds=0 and a uid precondition."""
        meta = pod["metadata"]
        uid = meta["uid"]
        if time.monotonic() - self.deleted.get(uid, -1e9) < 10:
            return
        body = {"kind": "DeleteOptions", "apiVersion": "v1",
                "gracePeriodSeconds": 0, "preconditions": {"uid": uid}}
        status, obj = self.client.request(
            "DELETE", f"/api/v1/namespaces/{meta['namespace']}/pods/"
            f"{meta['name']}", body, query={"gracePeriodSeconds": "0"})
        if status in (200, 202, 404, 409):
            self.deleted[uid] = time.monotonic()
            LOG.info("pod %s: deleted (HTTP %d)", pod_ref(pod), status)
            return
        raise ApiError(f"delete {pod_ref(pod)}: HTTP {status}: "
                       f"{(obj or {}).get('message')}", status=status)

    # -------------------------------------------------------------- status

    def get_node_ip(self) -> Optional[str]:
        """The Node's IP: --node-ip, else its InternalIP, else the source
        address of the route to the apiserver (re-checked every 30 s until
        the Node object has an InternalIP)."""
        if self.node_ip:
            return self.node_ip
        now = time.monotonic()
        if self._fallback_ip and now - self._fallback_ip[1] < 30:
            return self._fallback_ip[0]
        try:
            status, node = self.client.request("GET",
                                               f"/api/v1/nodes/{self.node}")
            if status == 200:
                for addr in (node.get("status") or {}).get("addresses") or []:
                    if addr.get("type") == "InternalIP":
                        self.node_ip = addr.get("address")
                        return self.node_ip
        except (OSError, ValueError) as exc:
            LOG.warning("node IP lookup: %s", exc)
        ip = None
        try:
            target = socket.gethostbyname(self.client.host)
            proc = util.run([IP, "-4", "-o", "route", "get", target],
                            check=False, timeout=10, what="route to apiserver")
            m = re.search(r"\bsrc ([0-9.]+)", proc.stdout or "")
            ip = m.group(1) if m else None
        except (OSError, util.CommandError):
            pass
        self._fallback_ip = (ip, now)
        return ip

    def _condition(self, rec: dict, ctype: str, status: str,
                   reason: Optional[str] = None,
                   message: Optional[str] = None) -> dict:
        """A Pod condition whose transition time only moves on a change."""
        seen = rec["conditions"].get(ctype)
        if not seen or seen[0] != status:
            seen = [status, now_rfc3339()]
            rec["conditions"][ctype] = seen
        cond = {"type": ctype, "status": status, "lastProbeTime": None,
                "lastTransitionTime": seen[1]}
        if reason:
            cond["reason"] = reason
        if message:
            cond["message"] = message
        return cond

    def desired_status(self, pod: dict, rec: dict) -> dict:
        """The status this runtime reports for a Pod, from its record."""
        spec_containers = (pod.get("spec") or {}).get("containers") or []
        host_ip = self.get_node_ip()
        stage = rec.get("stage")
        status: dict = {"hostIP": host_ip, "startTime": rec["created"],
                        "message": None, "reason": None}
        if stage in ("setup-failed", "failed", "creating"):
            failed = stage == "failed"
            reason = "CNIAddFailed" if rec.get("error") else \
                "ContainerCreating"
            status.update({
                "phase": "Failed" if failed else "Pending",
                "message": rec.get("error"),
                "reason": reason if rec.get("error") else None,
                "podIP": None, "podIPs": None,
                "conditions": [
                    self._condition(rec, "Initialized", "True"),
                    self._condition(rec, "Ready", "False",
                                    "ContainersNotReady", rec.get("error")),
                    self._condition(rec, "ContainersReady", "False",
                                    "ContainersNotReady", rec.get("error")),
                    self._condition(rec, "PodScheduled", "True")],
                "containerStatuses": [{
                    "name": c.get("name"), "ready": False, "started": False,
                    "restartCount": 0, "image": c.get("image", ""),
                    "imageID": "", "lastState": {},
                    "state": {"waiting": {"reason": reason,
                                          "message": rec.get("error")}}}
                    for c in spec_containers]})
            return status
        statuses = []
        all_running = True
        all_done = True
        all_ok = True
        for c in rec.get("containers") or []:
            cs = {"name": c["name"], "image": c.get("image", ""),
                  "imageID": "", "restartCount": 0, "lastState": {},
                  "containerID": f"asbx://{rec['uid'][:8]}-{c['name']}"}
            if c.get("finished_at"):
                all_running = False
                if c.get("exit_code") != 0:
                    all_ok = False
                cs.update({"ready": False, "started": False, "state": {
                    "terminated": {"exitCode": c.get("exit_code", 137),
                                   "reason": c.get("reason") or "Error",
                                   "startedAt": c.get("started_at"),
                                   "finishedAt": c.get("finished_at"),
                                   "containerID": cs["containerID"]}}})
            else:
                all_done = False
                cs.update({"ready": True, "started": True, "state": {
                    "running": {"startedAt": c.get("started_at")}}})
            statuses.append(cs)
        if not statuses:
            all_done = False
        phase = "Running"
        if all_done:
            phase = "Succeeded" if all_ok else "Failed"
        ready = "True" if all_running else "False"
        why = None if all_running else (
            "PodCompleted" if all_done else "ContainersNotReady")
        pod_ip = rec.get("pod_ip")
        status.update({
            "phase": phase,
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}] if pod_ip else None,
            "conditions": [
                self._condition(rec, "Initialized", "True"),
                self._condition(rec, "Ready", ready, why),
                self._condition(rec, "ContainersReady", ready, why),
                self._condition(rec, "PodScheduled", "True")],
            "containerStatuses": statuses})
        return status

    def report_status(self, pod: dict, rec: dict) -> None:
        """PATCH the status subresource if the API shows something else."""
        want = self.desired_status(pod, rec)
        if subset(want, pod.get("status") or {}):
            return
        sent = rec.get("_sent")
        if sent and sent[0] == want and time.monotonic() - sent[1] < 5:
            return
        meta = pod["metadata"]
        status, obj = self.client.request(
            "PATCH", f"/api/v1/namespaces/{meta['namespace']}/pods/"
            f"{meta['name']}/status", {"status": want},
            content_type="application/merge-patch+json")
        if status == 404:
            return
        if status != 200:
            raise ApiError(f"status of {pod_ref(pod)}: HTTP {status}: "
                           f"{(obj or {}).get('message')}", status=status)
        if (obj.get("metadata") or {}).get("uid") == meta["uid"]:
            self.cache.update(obj)
        rec["_sent"] = [want, time.monotonic()]
        self.store.save(rec)
        LOG.info("pod %s: status %s ip=%s", pod_ref(pod), want["phase"],
                 want.get("podIP"))


# --------------------------------------------------------------------------
# launching (for the cluster CLI and the self-test)
# --------------------------------------------------------------------------

E2E_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def paths(node: str, run_dir: Optional[str] = None) -> dict:
    """Where a Node's runtime keeps things: state dir, pid file, log file."""
    rd = pathlib.Path(run_dir) if run_dir else util.run_dir()
    state = rd / "nodes" / node / "runtime"
    return {"state_dir": str(state), "pid_file": str(state / "runtime.pid"),
            "log_file": str(rd / "logs" / f"{node}-runtime.log")}


def runtime_argv(node: str, netns: str, kubeconfig: str, cni_conf_dir: str,
                 cni_bin_dir: str = "/usr/lib/cni", *,
                 run_dir: Optional[str] = None,
                 bind_unscheduled: bool = False, nodes: tuple = (),
                 node_ip: Optional[str] = None, extra: tuple = ()) -> list:
    """The runtime's command line (run it with cwd=tests/e2e)."""
    argv = ["/usr/bin/python3", "-m", "sandbox.runtime", "--netns", netns,
            "--node", node, "--kubeconfig", str(kubeconfig),
            "--state-dir", paths(node, run_dir)["state_dir"],
            "--cni-conf-dir", str(cni_conf_dir), "--cni-bin-dir",
            str(cni_bin_dir)]
    if bind_unscheduled:
        argv += ["--bind-unscheduled", "--nodes", ",".join(nodes or [node])]
    if node_ip:
        argv += ["--node-ip", node_ip]
    return argv + list(extra)


def start(node: str, netns: str, kubeconfig: str, cni_conf_dir: str,
          cni_bin_dir: str = "/usr/lib/cni", *, run_dir: Optional[str] = None,
          bind_unscheduled: bool = False, nodes: tuple = (),
          node_ip: Optional[str] = None, extra: tuple = ()) -> int:
    """Start a Node's runtime as a daemon (idempotent); answer its pid.

    It is started in the host mount namespace and enters `netns` itself
    (see the module doc for why not `ip netns exec`).  Logs go to
    RUN/logs/NODE-runtime.log, the pid to RUN/nodes/NODE/runtime/runtime.pid.
    """
    p = paths(node, run_dir)
    pid = util.read_pid(p["pid_file"])
    if pid and util.pid_alive(pid) and util.pid_matches(pid,
                                                        "sandbox.runtime"):
        return pid
    os.makedirs(p["state_dir"], exist_ok=True)
    argv = runtime_argv(node, netns, kubeconfig, cni_conf_dir, cni_bin_dir,
                        run_dir=run_dir, bind_unscheduled=bind_unscheduled,
                        nodes=nodes, node_ip=node_ip, extra=extra)
    env = {"PYTHONPATH": E2E_DIR}
    if run_dir:
        env["ANTREA_SANDBOX_DIR"] = str(run_dir)
    return util.start_daemon(argv, pid_file=p["pid_file"],
                             log_file=p["log_file"], env=env, cwd=E2E_DIR,
                             what=f"{node}: start the Pod runtime (see "
                             f"{p['log_file']})", settle=0.5)


def stop(node: str, run_dir: Optional[str] = None,
         timeout: float = 25.0) -> bool:
    """Stop a Node's runtime by its pid file (Pods keep running)."""
    return util.stop_daemon(paths(node, run_dir)["pid_file"],
                            timeout=timeout, expect="sandbox.runtime")


def cleanup(node: str, run_dir: Optional[str] = None, *,
            cni_del: bool = False) -> dict:
    """stop() then cleanup_node(): no Pod process or netns of node remains."""
    stop(node, run_dir)
    return cleanup_node(paths(node, run_dir)["state_dir"], cni_del=cni_del)


# --------------------------------------------------------------------------
# cleanup without the API (for `cluster down`)
# --------------------------------------------------------------------------

def cleanup_node(state_dir: str, *, cni_del: bool = False,
                 cni_bin_dir: str = "/usr/lib/cni", grace: float = 2.0
                 ) -> dict:
    """Remove every Pod sandbox recorded in state_dir, without the API.

    Why: `cluster down` must leave no process or namespace behind, and the
    Pods' processes outlive the runtime by design.  Stop the runtime first
    (its pid file), then call this: it kills each recorded container
    process group (pid checked against its recorded start time, so a reused
    pid is never signalled), optionally runs CNI DEL (off by default: the
    CNI agent may already be gone, and deleting the netns removes the
    interfaces anyway), deletes the Pod netns and the state files.
    Answers {"pods": [...], "killed": [pids], "netns": [names],
    "errors": [...]}.
    """
    report: dict = {"pods": [], "killed": [], "netns": [], "errors": []}
    root = pathlib.Path(state_dir)
    if not (root / "pods").is_dir():
        return report
    lock_fd = os.open(root / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock_fd)
        raise RuntimeError(f"cleanup of {state_dir}: a runtime still holds "
                           f"its lock; stop it first") from None
    try:
        return _cleanup_locked(StateStore(state_dir), report, cni_del,
                               cni_bin_dir, grace)
    finally:
        os.close(lock_fd)


def _cleanup_locked(store: StateStore, report: dict, cni_del: bool,
                    cni_bin_dir: str, grace: float) -> dict:
    """cleanup_node() once the state dir is locked."""
    cni = Cni("", cni_bin_dir, 30.0)
    for uid, rec in store.load_all().items():
        report["pods"].append(f"{rec.get('namespace')}/{rec.get('name')}")
        live = [c for c in rec.get("containers") or []
                if proc_alive(c.get("pid"), c.get("ticks"))]
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            for c in live:
                Runtime._signal(c["pid"], sig)
            deadline = time.monotonic() + wait
            while live and time.monotonic() < deadline:
                live = [c for c in live
                        if proc_alive(c.get("pid"), c.get("ticks"))]
                time.sleep(0.05)
        report["killed"] += [c["pid"] for c in rec.get("containers") or []
                             if c.get("pid")]
        for c in live:
            report["errors"].append(f"pid {c['pid']} survived SIGKILL")
        info = rec.get("cni")
        if cni_del and info and info.get("conflist") and rec.get("netns"):
            args = (f"IgnoreUnknown=1;K8S_POD_NAMESPACE={rec['namespace']};"
                    f"K8S_POD_NAME={rec['name']};"
                    f"K8S_POD_INFRA_CONTAINER_ID={rec['container_id']};"
                    f"K8S_POD_UID={uid}")
            path = os.path.join(NETNS_DIR, rec["netns"])
            try:
                cni.delete(info["conflist"], rec["container_id"],
                           path if netns_exists(rec["netns"]) else "",
                           info.get("ifname", "eth0"), args,
                           info.get("runtime_config") or {},
                           info.get("result"))
            except CniError as exc:
                report["errors"].append(str(exc))
        if rec.get("netns") and os.path.exists(
                os.path.join(NETNS_DIR, rec["netns"])):
            res = util.run([IP, "netns", "delete", rec["netns"]], timeout=20,
                           check=False, what=f"delete {rec['netns']}")
            if res.returncode == 0:
                report["netns"].append(rec["netns"])
            else:
                report["errors"].append(res.stderr.strip())
        store.remove(uid)
    return report


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------

def parse_args(argv: list) -> argparse.Namespace:
    """The runtime's command line."""
    p = argparse.ArgumentParser(
        prog="python3 -m sandbox.runtime",
        description="The sandbox Pod runtime of one Node (see module doc).")
    p.add_argument("--cleanup", action="store_true",
                   help="do not run: kill the recorded Pods' processes, "
                   "delete their netns and state (the runtime must be "
                   "stopped); only --state-dir (and --cni-del) matter")
    p.add_argument("--cni-del", action="store_true",
                   help="with --cleanup: also run CNI DEL")
    p.add_argument("--node", help="Kubernetes Node name")
    p.add_argument("--kubeconfig")
    p.add_argument("--state-dir", required=True)
    p.add_argument("--cni-conf-dir")
    p.add_argument("--cni-bin-dir", default="/usr/lib/cni",
                   help="CNI_PATH (colon-separated)")
    p.add_argument("--netns", help="enter this network namespace first "
                   "(re-exec through nsenter; keeps the host mount ns)")
    p.add_argument("--node-ip", help="hostIP to report (default: the Node's "
                   "InternalIP)")
    p.add_argument("--bind-unscheduled", action="store_true",
                   help="also bind Pods without a nodeName")
    p.add_argument("--nodes", default="",
                   help="comma-separated Nodes to bind to (round-robin)")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--poll-interval", type=float, default=1.0)
    p.add_argument("--watch-timeout", type=int, default=300)
    p.add_argument("--api-timeout", type=float, default=30.0)
    p.add_argument("--cni-timeout", type=float, default=60.0)
    p.add_argument("--cni-max-attempts", type=int, default=0,
                   help="failed sandbox setups before phase Failed "
                   "(0: retry forever, Pending, like a kubelet)")
    p.add_argument("--cni-del-attempts", type=int, default=5)
    p.add_argument("--max-grace-period", type=float, default=10.0)
    p.add_argument("--log-level", default="INFO")
    return p.parse_args(argv)


def reexec_in_netns(args: argparse.Namespace, argv: list) -> None:
    """Re-exec through nsenter into --netns unless already there (same pid)."""
    path = os.path.join(NETNS_DIR, args.netns)
    try:
        if os.stat(path).st_ino == os.stat("/proc/self/ns/net").st_ino:
            return
    except OSError as exc:
        raise SystemExit(f"runtime: cannot use netns {args.netns}: {exc}")
    env = dict(os.environ)
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(
        [top] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    sys.stdout.flush()
    os.execve(NSENTER, [NSENTER, f"--net={path}", "--", sys.executable,
                        "-m", "sandbox.runtime", *argv], env)


def acquire_lock(state_dir: str) -> int:
    """One runtime per state dir: flock STATE/lock (wait up to 15 s)."""
    os.makedirs(state_dir, exist_ok=True)
    fd = os.open(os.path.join(state_dir, "lock"), os.O_RDWR | os.O_CREAT,
                 0o644)
    deadline = time.monotonic() + 15
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise SystemExit(f"runtime: another runtime holds "
                                 f"{state_dir}/lock")
            time.sleep(0.2)


def main(argv: Optional[list] = None) -> int:
    """Entry point: parse, enter the netns, lock, run until a signal."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.cleanup:
        try:
            report = cleanup_node(args.state_dir, cni_del=args.cni_del,
                                  cni_bin_dir=args.cni_bin_dir)
        except (RuntimeError, OSError) as exc:
            print(f"runtime --cleanup: {exc}", file=sys.stderr)
            return 1
        print(json.dumps(report, indent=1))
        return 0 if not report["errors"] else 1
    missing = [f"--{n.replace('_', '-')}" for n in ("node", "kubeconfig",
                                                    "cni_conf_dir")
               if not getattr(args, n)]
    if missing:
        print(f"runtime: missing {', '.join(missing)}", file=sys.stderr)
        return 2
    logging.basicConfig(
        stream=sys.stdout, level=getattr(logging, args.log_level.upper(),
                                         logging.INFO),
        format="%(asctime)s %(levelname)s %(threadName)s %(message)s")
    if args.netns:
        reexec_in_netns(args, argv)
    problem = check_mount_namespace()
    if problem:
        LOG.error("runtime: %s", problem)
        return 2
    lock_fd = acquire_lock(args.state_dir)
    runtime = Runtime(args)

    def on_signal(signum: int, _frame: Any) -> None:
        """Ask the main loop to stop (Pods stay up)."""
        LOG.info("signal %d: exiting", signum)
        runtime.stop.set()
        runtime.wake.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        rc = runtime.run()
    finally:
        os.close(lock_fd)
    logging.shutdown()
    sys.stdout.flush()
    os._exit(rc)  # daemon watch threads may be blocked in a read


if __name__ == "__main__":
    sys.exit(main())
