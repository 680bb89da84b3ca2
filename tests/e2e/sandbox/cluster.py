"""Bringing the sandbox cluster up and down, and reading its state.

The pieces are built elsewhere (topology.py: namespaces, underlay, OVS per
Node; kube.py: etcd, kube-apiserver, PKI, tokens; runtime.py: the Pod
runtime of each Node); this module puts them together in order, records
what it made in RUN/state.json, and undoes it.  Every step says what it
does, and a failure names the step and the log to read.
"""

from __future__ import annotations

import ipaddress
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
from typing import Any, Optional

from sandbox import kube
from sandbox import ovs
from sandbox import runtime
from sandbox import topology
from sandbox import util

E2E_DIR = pathlib.Path(__file__).resolve().parent.parent
CLUSTER_CIDR = "10.10.0.0/16"
SERVICE_CIDR = "10.96.0.0/12"
CONTROL_PLANE_NS = "asbx-cp"
CONTROL_PLANE_IP = "192.168.77.2"
EXTERNAL_NS = "asbx-ext"
EXTERNAL_IP = "192.168.77.200"
REFERENCE_CNI_DIR = "/usr/lib/cni"
MAX_NODES = 20


class ClusterError(RuntimeError):
    """A cluster operation failed; the message says which step and why."""


def _step(message: str) -> None:
    """Prints one progress line, so a user sees where `up` is."""
    print(f"--> {message}", flush=True)


def run_dir() -> pathlib.Path:
    """The sandbox's run directory."""
    return util.run_dir()


def _state_file() -> pathlib.Path:
    return run_dir() / "state.json"


def load_state() -> Optional[dict[str, Any]]:
    """Returns what `up` recorded, or None if there is no cluster."""
    try:
        return json.loads(_state_file().read_text())
    except FileNotFoundError:
        return None
    except ValueError as e:
        raise ClusterError(f"{_state_file()}: corrupt state ({e}); run "
                           "`cluster down` to clean up") from e


def _save_state(state: dict[str, Any]) -> None:
    path = _state_file()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    os.replace(tmp, path)


def node_name(i: int) -> str:
    """Kubernetes name of Node i (1-based)."""
    return f"node{i}"


def pod_cidr(i: int) -> str:
    """Node i's podCIDR: one /24 per Node out of the cluster CIDR."""
    return f"10.10.{i}.0/24"


def _gateway(cidr: str) -> str:
    return str(next(ipaddress.ip_network(cidr).hosts()))


def _node_index(name: str, state: dict[str, Any]) -> int:
    """Accepts "node2", "asbx-node2" or "2"; returns 2."""
    name = name.removeprefix("asbx-").removeprefix("node")
    if not name.isdigit() or not 1 <= int(name) <= state["nodes"]:
        raise ClusterError(f"no Node '{name}': the cluster has node1 to "
                           f"node{state['nodes']}")
    return int(name)


def admin_client() -> kube.Kube:
    """An admin client that reaches the apiserver inside asbx-cp."""
    return kube.Kube.from_kubeconfig(
        run_dir() / "kube" / "admin.kubeconfig", netns=CONTROL_PLANE_NS)


# ---------------------------------------------------------------- up


def up(*, nodes: int, mode: str, tunnel: str, ipsec: bool, subnets: str,
       cni: str) -> None:
    """Creates the cluster, or checks that the existing one matches."""
    if not 1 <= nodes <= MAX_NODES:
        raise ClusterError(f"--nodes {nodes}: give 1 to {MAX_NODES}")
    if cni == "auto":
        # antrea-c's CNI needs the agent's datapath (issue 4); until then
        # the runtime is proven with Debian's reference plugins.
        cni = "reference"
    if cni == "antrea":
        raise ClusterError("--cni antrea: antrea-agent has no datapath yet "
                           "(OVS bridge, CNI server); use --cni reference")
    if cni == "reference" and (mode != "encap" or tunnel != "geneve"
                               or ipsec):
        raise ClusterError("--mode, --tunnel and --ipsec configure "
                           "antrea-agent, which the reference CNI does not "
                           "use; they become available with --cni antrea")

    wanted = {"nodes": nodes, "mode": mode, "tunnel": tunnel, "ipsec": ipsec,
              "subnets": subnets, "cni": cni}
    state = load_state()
    if state and {k: state.get(k) for k in wanted} != wanted:
        raise ClusterError(
            f"a cluster with {json.dumps({k: state.get(k) for k in wanted})} "
            "exists; run `cluster down` first")
    run_dir().mkdir(parents=True, exist_ok=True)
    (run_dir() / "logs").mkdir(exist_ok=True)
    state = dict(wanted, created=state["created"] if state else time.time())
    _save_state(state)

    t0 = time.monotonic()
    _step("Kubernetes binaries (built once from Debian's source, cached)")
    kube.ensure_kube_binaries()

    _step(f"network: underlay ({subnets} subnet), control plane, external "
          f"host, {nodes} Node namespaces with OVS")
    topology.create(nodes, subnets, run_dir())

    _step("control plane: etcd and kube-apiserver in asbx-cp")
    plane = kube.start_control_plane(run_dir(), CONTROL_PLANE_NS,
                                     CONTROL_PLANE_IP)
    admin = plane.admin()

    _step("Node objects (podCIDR, InternalIP, Ready)")
    for i in range(1, nodes + 1):
        _register_node(admin, i, subnets)

    _step("Pod networking: reference CNI plugins (bridge + host-local + "
          "portmap) and routes between Nodes")
    for i in range(1, nodes + 1):
        _write_reference_conflist(i)
    _add_pod_routes(nodes, subnets)

    _step("ServiceAccounts, RBAC and kubeconfigs for antrea-agent and "
          "antrea-controller")
    for name, rules in (("antrea-agent", AGENT_RULES),
                        ("antrea-controller", CONTROLLER_RULES)):
        kube.service_account_kubeconfig(run_dir(), "kube-system", name,
                                        rules)

    _step("Pod runtimes (one per Node)")
    runtime_kubeconfig = kube.service_account_kubeconfig(
        run_dir(), "kube-system", "sandbox-runtime", _RUNTIME_RULES)
    names = ",".join(node_name(i) for i in range(1, nodes + 1))
    for i in range(1, nodes + 1):
        _start_runtime(i, subnets, runtime_kubeconfig,
                       bind_for=names if i == 1 else None)

    _step(f"cluster up in {time.monotonic() - t0:.1f} s; "
          "`tests/e2e/cluster kubectl get nodes -o wide` to look")


# What antrea-agent may do (after Antrea's antrea-agent ClusterRole, kube-
# proxy era): read its Node and the cluster's Nodes, Pods, Namespaces and
# Services, report its AntreaAgentInfo, watch the controller's API.
AGENT_RULES = [
    {"apiGroups": [""], "resources": ["nodes"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["pods"],
     "verbs": ["get", "list", "watch", "patch"]},
    {"apiGroups": [""], "resources": ["namespaces", "services", "endpoints"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["events"],
     "verbs": ["create", "patch"]},
    {"apiGroups": ["crd.antrea.io"], "resources": ["antreaagentinfos"],
     "verbs": ["get", "create", "update", "patch", "delete"]},
    {"apiGroups": ["controlplane.antrea.io"],
     "resources": ["networkpolicies", "addressgroups", "appliedtogroups"],
     "verbs": ["get", "list", "watch"]},
]

# What antrea-controller may do: watch what NetworkPolicies are computed
# from, authenticate and authorise its clients, report its info.
CONTROLLER_RULES = [
    {"apiGroups": [""], "resources": ["nodes", "pods", "namespaces"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"],
     "verbs": ["create"]},
    {"apiGroups": ["authorization.k8s.io"],
     "resources": ["subjectaccessreviews"], "verbs": ["create"]},
    {"apiGroups": ["crd.antrea.io"], "resources": ["antreacontrollerinfos"],
     "verbs": ["get", "create", "update", "patch", "delete"]},
    {"apiGroups": [""], "resources": ["events"],
     "verbs": ["create", "patch"]},
]

# What the Pod runtime may do: the kubelet's part for Pods.
_RUNTIME_RULES = [
    {"apiGroups": [""], "resources": ["pods"],
     "verbs": ["get", "list", "watch", "delete"]},
    {"apiGroups": [""], "resources": ["pods/status"],
     "verbs": ["get", "patch", "update"]},
    {"apiGroups": [""], "resources": ["pods/binding"], "verbs": ["create"]},
    {"apiGroups": [""], "resources": ["nodes"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["events"],
     "verbs": ["create", "patch"]},
]


def _register_node(admin: kube.Kube, i: int, subnets: str) -> None:
    """Creates Node i with its podCIDR and marks it Ready at its IP."""
    name = node_name(i)
    cidr = pod_cidr(i)
    admin.create(kube.api_path("nodes"), {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64"}},
        "spec": {"podCIDR": cidr, "podCIDRs": [cidr]},
    }, exist_ok=True)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    admin.patch(kube.api_path("nodes", name, subresource="status"), {
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": topology.node_ip(i, subnets)},
                {"type": "Hostname", "address": name}],
            "conditions": [{
                "type": "Ready", "status": "True", "reason": "SandboxReady",
                "message": "sandbox Node namespace is up",
                "lastHeartbeatTime": now, "lastTransitionTime": now}],
            "nodeInfo": {"kubeletVersion": "v1.20.2-sandbox",
                         "operatingSystem": "linux",
                         "architecture": "amd64",
                         "containerRuntimeVersion": "sandbox://1",
                         "kubeProxyVersion": "", "kernelVersion":
                         os.uname().release, "osImage": "antrea-c sandbox",
                         "machineID": "", "systemUUID": "", "bootID": ""},
        }})


def _cni_dir(i: int) -> pathlib.Path:
    return run_dir() / "nodes" / node_name(i) / "cni"


def _write_reference_conflist(i: int) -> None:
    """Writes Node i's conflist with Debian's reference plugins."""
    cidr = pod_cidr(i)
    conf_dir = _cni_dir(i) / "net.d"
    conf_dir.mkdir(parents=True, exist_ok=True)
    conflist = {
        "cniVersion": "1.0.0",
        "name": "sandbox",
        "plugins": [
            {"type": "bridge", "bridge": "cni0", "isGateway": True,
             # Pod traffic leaving for another Node or the external host is
             # masqueraded: without the agent nothing else routes it back.
             "ipMasq": True, "hairpinMode": True,
             "ipam": {"type": "host-local",
                      "ranges": [[{"subnet": cidr,
                                   "gateway": _gateway(cidr)}]],
                      "routes": [{"dst": "0.0.0.0/0"}],
                      "dataDir": str(_cni_dir(i) / "ipam")}},
            {"type": "portmap", "capabilities": {"portMappings": True},
             "snat": True},
        ],
    }
    path = conf_dir / "10-sandbox.conflist"
    path.write_text(json.dumps(conflist, indent=2) + "\n")


def _add_pod_routes(nodes: int, subnets: str) -> None:
    """Routes each Node's podCIDR to it: on peers in the same subnet
    directly, and on the router for peers in the other subnet."""
    for i in range(1, nodes + 1):
        for j in range(1, nodes + 1):
            if i == j:
                continue
            if topology.node_subnet(i, subnets) == \
                    topology.node_subnet(j, subnets):
                util.run_in_netns(f"asbx-node{i}", [
                    "ip", "route", "replace", pod_cidr(j),
                    "via", topology.node_ip(j, subnets)],
                    what=f"route to {node_name(j)}'s Pods on node{i}")
    if subnets == "split":
        for j in range(1, nodes + 1):
            util.run_in_netns("asbx-router", [
                "ip", "route", "replace", pod_cidr(j),
                "via", topology.node_ip(j, subnets)],
                what=f"route to {node_name(j)}'s Pods on the router")


def _start_runtime(i: int, subnets: str, kubeconfig: pathlib.Path,
                   bind_for: Optional[str]) -> None:
    """Starts Node i's Pod runtime unless it is already running."""
    runtime.start(node_name(i), f"asbx-node{i}", str(kubeconfig),
                  str(_cni_dir(i) / "net.d"), REFERENCE_CNI_DIR,
                  run_dir=str(run_dir()), bind_unscheduled=bool(bind_for),
                  nodes=bind_for.split(",") if bind_for else (),
                  node_ip=topology.node_ip(i, subnets))


# ---------------------------------------------------------------- down


def down(*, keep_logs: bool = False) -> None:
    """Removes everything the cluster made, and nothing else."""
    state = load_state() or {}
    nodes = int(state.get("nodes", 0))
    _step("stopping Pod runtimes and their Pods (CNI DEL, namespaces)")
    for i in range(1, max(nodes, _known_node_count()) + 1):
        runtime.cleanup(node_name(i), str(run_dir()), cni_del=True)

    _step("stopping the control plane")
    kube.stop_control_plane(run_dir())

    _step("removing namespaces and OVS")
    report = topology.destroy(run_dir(), keep_logs=keep_logs)
    if report.get("lingering"):
        print(f"    stopped stray processes: {report['lingering']}")

    _step("removing the run directory")
    if keep_logs:
        for child in run_dir().iterdir():
            if child.name != "logs":
                _remove(child)
    elif run_dir().exists():
        shutil.rmtree(run_dir())


def _known_node_count() -> int:
    nodes_dir = run_dir() / "nodes"
    if not nodes_dir.is_dir():
        return 0
    return len([p for p in nodes_dir.iterdir() if p.name.startswith("node")])


def _remove(path: pathlib.Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------- queries


def _require_state() -> dict[str, Any]:
    state = load_state()
    if not state:
        raise ClusterError("no cluster: run `tests/e2e/cluster up` first")
    return state


def info() -> dict[str, Any]:
    """The cluster as data: where everything is."""
    state = _require_state()
    subnets = state["subnets"]
    return {
        "kubeconfig": str(run_dir() / "kube" / "admin.kubeconfig"),
        "agentKubeconfig": str(run_dir() / "kube" /
                               "sa-kube-system-antrea-agent.kubeconfig"),
        "controllerKubeconfig": str(
            run_dir() / "kube" / "sa-kube-system-antrea-controller.kubeconfig"),
        "apiserver": f"https://{CONTROL_PLANE_IP}:6443",
        "controlPlane": {"namespace": CONTROL_PLANE_NS,
                         "ip": CONTROL_PLANE_IP},
        "nodes": [{"name": node_name(i), "namespace": f"asbx-node{i}",
                   "ip": topology.node_ip(i, subnets),
                   "podCIDR": pod_cidr(i)}
                  for i in range(1, state["nodes"] + 1)],
        "external": {"namespace": EXTERNAL_NS, "ip": EXTERNAL_IP},
        "clusterCIDR": CLUSTER_CIDR,
        "serviceCIDR": SERVICE_CIDR,
        "subnets": subnets,
        "cni": state["cni"],
        "logDir": str(run_dir() / "logs"),
        "runDir": str(run_dir()),
    }


def status() -> int:
    """Prints which components run; returns 0 if all of them do."""
    state = _require_state()
    healthy = True

    def line(what: str, ok: bool, detail: str = "") -> None:
        nonlocal healthy
        healthy = healthy and ok
        print(f"{'ok  ' if ok else 'DOWN'} {what}{'  ' + detail if detail else ''}")

    kube_dir = run_dir() / "kube"
    for daemon in ("etcd", "kube-apiserver"):
        pid = util.read_pid(kube_dir / f"{daemon}.pid")
        line(daemon, bool(pid and util.pid_alive(pid)), f"pid {pid}")
    ready = {}
    try:
        for n in admin_client().list(kube.api_path("nodes")):
            conds = {c["type"]: c["status"]
                     for c in n.get("status", {}).get("conditions", [])}
            ready[n["metadata"]["name"]] = conds.get("Ready") == "True"
    except (kube.KubeError, OSError) as e:
        line("apiserver reachable", False, str(e))
    for i in range(1, state["nodes"] + 1):
        name = node_name(i)
        line(f"{name} namespace", topology.ns_exists(f"asbx-node{i}"))
        line(f"{name} OVS", ovs.running(i, run_dir()))
        pid = util.read_pid(runtime.paths(name, str(run_dir()))["pid_file"])
        line(f"{name} Pod runtime", bool(pid and util.pid_alive(pid)),
             f"pid {pid}")
        line(f"{name} Ready", ready.get(name, False))
    return 0 if healthy else 1


def kubectl(args: list[str]) -> int:
    """Runs the cached kubectl inside asbx-cp with the admin kubeconfig."""
    _require_state()
    argv = ["ip", "netns", "exec", CONTROL_PLANE_NS,
            str(kube.kubectl_path()),
            "--kubeconfig", str(run_dir() / "kube" / "admin.kubeconfig"),
            *args]
    return subprocess.call(argv)


def pod_netns(namespace: str, name: str) -> str:
    """The network namespace the runtime made for Pod namespace/name."""
    pod = admin_client().get_or_none(kube.api_path("pods", name,
                                             namespace=namespace))
    if not pod:
        raise ClusterError(f"no Pod {namespace}/{name}")
    node = pod.get("spec", {}).get("nodeName")
    if not node:
        raise ClusterError(f"Pod {namespace}/{name} is not on a Node yet")
    netns = f"asbx-pod-{node}-{pod['metadata']['uid'][:8]}"
    if not topology.ns_exists(netns):
        raise ClusterError(f"Pod {namespace}/{name} has no network "
                           f"namespace ({netns}) yet: phase "
                           f"{pod.get('status', {}).get('phase')}")
    return netns


def pod_exec(pod: str, command: list[str]) -> int:
    """Runs `command` in Pod NAMESPACE/NAME's network namespace."""
    _require_state()
    namespace, _, name = pod.rpartition("/")
    netns = pod_netns(namespace or "default", name)
    return subprocess.call(["ip", "netns", "exec", netns, *command])


def node_exec(node: str, command: list[str]) -> int:
    """Runs `command` in a Node's namespace with its OVS environment."""
    state = _require_state()
    i = _node_index(node, state)
    env = dict(os.environ, **topology.node_env(i, run_dir()))
    return subprocess.call(["ip", "netns", "exec", f"asbx-node{i}",
                            *command], env=env)


def logs(component: str, node: Optional[str]) -> int:
    """Prints a component's log file."""
    state = _require_state()
    log_dir = run_dir() / "logs"
    if component in ("etcd", "kube-apiserver", "controller"):
        path = log_dir / f"{component}.log"
    else:
        if not node:
            raise ClusterError(f"logs {component}: name the Node")
        name = node_name(_node_index(node, state))
        path = log_dir / f"{name}-{component}.log"
    if not path.exists():
        raise ClusterError(f"no log {path}")
    with open(path, "rb") as f:
        shutil.copyfileobj(f, sys.stdout.buffer)
    return 0
