"""Bringing the sandbox cluster up and down, and reading its state.

The pieces are built elsewhere (topology.py: namespaces, underlay, OVS per
Node; kube.py: etcd, kube-apiserver, PKI, tokens; runtime.py: the Pod
runtime of each Node); this module puts them together in order, records
what it made in RUN/state.json, and undoes it.  Every step says what it
does, and a failure names the step and the log to read.

Pod networking is either Debian's reference CNI plugins (bridge +
host-local, routes between Nodes added here), or antrea-c itself (--cni
antrea): one antrea-agent per Node, run from a build tree inside the
Node's namespace against that Node's OVS, and the built antrea-cni as the
Node's CNI plugin; the agent's tunnel flows and routes connect the Nodes.
With antrea-c, antrea-controller runs in the control-plane namespace with
its own ServiceAccount, serving the control-plane API on CONTROL_PLANE_IP
(self-signed certificate, written to RUN/controller/ca.crt); each agent
reaches it through a kubeconfig with that CA and the agent's token.
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

from sandbox import ipsec as sandbox_ipsec
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
REPO_DIR = E2E_DIR.parent.parent
# Where a build tree is looked for when neither --build-dir nor
# $ANTREA_BUILD_DIR names one: the README's test build, then the
# quickstart's.
DEFAULT_BUILD_DIRS = (REPO_DIR / "_build" / "plain",
                      REPO_DIR / "_build" / "quickstart")
AGENT_PROGRAM = pathlib.Path("core") / "agent" / "antrea-agent"
CONTROLLER_PROGRAM = pathlib.Path("core") / "controller" / "antrea-controller"
# The controller's API port (Antrea's default apiPort).
CONTROLLER_API_PORT = 10349
# How long a starting antrea-controller may take to answer /healthz.
CONTROLLER_START_TIMEOUT = 60.0
CNI_PROGRAM = pathlib.Path("core") / "cni" / "antrea-cni"
# How long a starting antrea-agent may take to open its CNI socket.
AGENT_START_TIMEOUT = 60.0
# The pre-shared key of --ipsec (a sandbox has nothing worth hiding).
SANDBOX_IPSEC_PSK = "antrea-sandbox-psk"
# The Pod MTU with --ipsec: Geneve (50) and ESP in UDP through charon's
# TUN device (about 70) must fit br-phy's 1450 (topology.BR_PHY_MTU).
IPSEC_POD_MTU = 1300


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
       cni: str, build_dir: Optional[str] = None,
       no_snat: bool = False) -> None:
    """Creates the cluster, or checks that the existing one matches."""
    if not 1 <= nodes <= MAX_NODES:
        raise ClusterError(f"--nodes {nodes}: give 1 to {MAX_NODES}")
    if cni == "auto":
        # Ours when a build exists; otherwise the runtime is still proven
        # with Debian's reference plugins.
        try:
            find_build_dir(build_dir)
            cni = "antrea"
        except ClusterError as e:
            _step(f"no antrea-c build to run ({e}); using the reference "
                  "CNI plugins")
            cni = "reference"
    build: Optional[pathlib.Path] = None
    if cni == "antrea":
        # networkPolicyOnly: Debian's ptp + host-local own Pod addresses
        # and forwarding, antrea is chained after them (policy only).
        build = find_build_dir(build_dir)
    if cni == "reference" and (mode != "encap" or tunnel != "geneve"
                               or ipsec or no_snat):
        raise ClusterError("--mode, --tunnel and --ipsec configure "
                           "antrea-agent, which the reference CNI does not "
                           "use; they become available with --cni antrea")

    wanted = {"nodes": nodes, "mode": mode, "tunnel": tunnel, "ipsec": ipsec,
              "subnets": subnets, "cni": cni, "noSNAT": no_snat}
    state = load_state()
    if state and {k: state.get(k) for k in wanted} != wanted:
        raise ClusterError(
            f"a cluster with {json.dumps({k: state.get(k) for k in wanted})} "
            "exists; run `cluster down` first")
    run_dir().mkdir(parents=True, exist_ok=True)
    (run_dir() / "logs").mkdir(exist_ok=True)
    state = dict(wanted, created=state["created"] if state else time.time())
    if build:
        state["buildDir"] = str(build)
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

    # AntreaAgentInfo / AntreaControllerInfo (docs/monitoring.md): the
    # CRDs first, so the components' first writes find them.
    _step("CRDs: antreaagentinfos and antreacontrollerinfos "
          "(etc/manifests/parts/crds.yml)")
    _install_crds()

    if cni == "reference":
        _step("Pod networking: reference CNI plugins (bridge + host-local + "
              "portmap) and routes between Nodes")
        for i in range(1, nodes + 1):
            _write_reference_conflist(i)
        _add_pod_routes(nodes, subnets)
    elif mode == "networkPolicyOnly":
        _step("Pod networking: primary CNI ptp + host-local, routes between "
              "Nodes (antrea-agent is chained after ptp: policy only)")
        _add_pod_routes(nodes, subnets)

    _step("ServiceAccounts, RBAC and kubeconfigs for antrea-agent, "
          "antrea-controller and a metrics scraper")
    agent_kubeconfig = None
    controller_kubeconfig = None
    for name, rules in (("antrea-agent", AGENT_RULES),
                        ("antrea-controller", CONTROLLER_RULES),
                        ("antrea-metrics-scraper", METRICS_SCRAPER_RULES)):
        path = kube.service_account_kubeconfig(run_dir(), "kube-system",
                                               name, rules)
        if name == "antrea-agent":
            agent_kubeconfig = pathlib.Path(path)
        elif name == "antrea-controller":
            controller_kubeconfig = pathlib.Path(path)

    cni_bin_dir = {i: REFERENCE_CNI_DIR for i in range(1, nodes + 1)}
    if cni == "antrea":
        assert build is not None and agent_kubeconfig is not None
        assert controller_kubeconfig is not None
        _step(f"antrea-controller in {CONTROL_PLANE_NS} (control-plane API "
              f"on https://{CONTROL_PLANE_IP}:{CONTROLLER_API_PORT})")
        _start_controller(build, controller_kubeconfig)
        _wait_controller()
        _step(f"Pod networking: antrea-agent and antrea-cni from {build} "
              f"(trafficEncapMode {mode}, tunnelType {tunnel}"
              f"{', IPsec' if ipsec else ''}), one agent per Node")
        if ipsec:
            _step("IPsec: ovs-monitor-ipsec and strongSwan (charon with "
                  "kernel-libipsec) per Node, Geneve routed through "
                  "charon's ipsec0")
            for i in range(1, nodes + 1):
                sandbox_ipsec.start(i)
                sandbox_ipsec.datapath_plumbing(
                    i, topology.node_ip(i, subnets))
        for i in range(1, nodes + 1):
            _start_agent(i, build, agent_kubeconfig, mode=mode,
                         tunnel=tunnel, ipsec=ipsec, no_snat=no_snat)
        for i in range(1, nodes + 1):
            _wait_agent(i)
            cni_bin_dir[i] = str(_write_antrea_cni(
                i, build, chained=mode == "networkPolicyOnly"))
        if ipsec:
            _step("IPsec: bringing up the IKE SAs between the Nodes")
            for i in range(1, nodes + 1):
                sandbox_ipsec.initiate(i, nodes - 1)
            # Not fatal: `cluster status` says which pairs are down, and
            # why (a wrong key) if charon knows.
            down = sandbox_ipsec.wait_sas(
                {i: topology.node_ip(i, subnets)
                 for i in range(1, nodes + 1)})
            if down:
                _step(f"IPsec: no IKE SA for {', '.join(down)} (see "
                      "`cluster status` and RUN/logs/nodeN-charon.log)")
        if mode == "noEncap" and subnets == "split":
            # Not in hybrid: there the agents tunnel between subnets, and
            # routes on the router would hide a tunnel that does not work.
            _step("underlay routes to the Pod CIDRs on asbx-router "
                  "(noEncap: peers in the other subnet are the underlay's)")
            _add_router_pod_routes(nodes, subnets)
        if no_snat:
            # noSNAT: what the network of such a deployment must do, route
            # the Pod CIDRs to their Nodes; the external host holds the
            # routes (via the router for the Nodes in the other subnet).
            _step(f"noSNAT: routes to the Pod CIDRs on {EXTERNAL_NS}")
            _add_external_pod_routes(nodes, subnets)

    _step("Pod runtimes (one per Node)")
    runtime_kubeconfig = kube.service_account_kubeconfig(
        run_dir(), "kube-system", "sandbox-runtime", _RUNTIME_RULES)
    names = ",".join(node_name(i) for i in range(1, nodes + 1))
    for i in range(1, nodes + 1):
        _start_runtime(i, subnets, runtime_kubeconfig,
                       bind_for=names if i == 1 else None,
                       cni_bin_dir=cni_bin_dir[i])

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
    # Its metrics server (apiPort) checks scrapers' tokens by delegation,
    # as Antrea's agent does with system:auth-delegator.
    {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"],
     "verbs": ["create"]},
    {"apiGroups": ["authorization.k8s.io"],
     "resources": ["subjectaccessreviews"], "verbs": ["create"]},
]

# What a Prometheus scraper may do: GET /metrics of the agents and the
# controller (docs/metrics.md); its token is
# RUN/kube/sa-kube-system-antrea-metrics-scraper.token.
METRICS_SCRAPER_RULES = [
    {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
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
    # The ConfigMap antrea-ca that publishes its CA (the manifests grant
    # this in a Role of kube-system only).
    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create"]},
    {"apiGroups": [""], "resources": ["configmaps"],
     "resourceNames": ["antrea-ca"], "verbs": ["get", "update"]},
    # The status page (docs/status-page.md) reads the info objects.
    {"apiGroups": ["crd.antrea.io"],
     "resources": ["antreaagentinfos", "antreacontrollerinfos"],
     "verbs": ["get", "list", "watch"]},
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


# The CRDs the agents and the controller report through.
CRDS_FILE = REPO_DIR / "etc" / "manifests" / "parts" / "crds.yml"
CRD_NAMES = ("antreaagentinfos.crd.antrea.io",
             "antreacontrollerinfos.crd.antrea.io")


def _install_crds() -> None:
    """Applies CRDS_FILE with kubectl (admin, inside the control-plane
    namespace) and waits until the apiserver serves the resources."""
    kubectl_argv = [str(kube.kubectl_path()), "--kubeconfig",
                    str(run_dir() / "kube" / "admin.kubeconfig")]
    util.run_in_netns(CONTROL_PLANE_NS, kubectl_argv + [
        "apply", "-f", str(CRDS_FILE)], timeout=60,
        what=f"kubectl apply -f {CRDS_FILE}")
    util.run_in_netns(CONTROL_PLANE_NS, kubectl_argv + [
        "wait", "--for=condition=Established", "--timeout=60s",
        *[f"crd/{name}" for name in CRD_NAMES]], timeout=90,
        what="kubectl wait for the CRDs to be Established")


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
        _add_router_pod_routes(nodes, subnets)


def _add_router_pod_routes(nodes: int, subnets: str) -> None:
    """The underlay's routes to every Node's podCIDR, on the router: what
    Antrea's noEncap mode expects of the network between subnets (the
    agent routes same-subnet peers itself)."""
    for j in range(1, nodes + 1):
        util.run_in_netns(topology.ROUTER_NS, [
            "ip", "route", "replace", pod_cidr(j),
            "via", topology.node_ip(j, subnets)],
            what=f"route to {node_name(j)}'s Pods on the router")


def _add_external_pod_routes(nodes: int, subnets: str) -> None:
    """Routes on the external host to every Node's podCIDR: straight to
    the Nodes in its subnet, through the router to the others (the router
    gets its own routes to them)."""
    for j in range(1, nodes + 1):
        if topology.node_subnet(j, subnets) == "a":     # the external's
            via = topology.node_ip(j, subnets)
        else:
            via = topology.gateway_for("a", subnets)
            util.run_in_netns(topology.ROUTER_NS, [
                "ip", "route", "replace", pod_cidr(j),
                "via", topology.node_ip(j, subnets)],
                what=f"route to {node_name(j)}'s Pods on the router")
        util.run_in_netns(EXTERNAL_NS, [
            "ip", "route", "replace", pod_cidr(j), "via", via],
            what=f"route to {node_name(j)}'s Pods on the external host")


def _start_runtime(i: int, subnets: str, kubeconfig: pathlib.Path,
                   bind_for: Optional[str],
                   cni_bin_dir: str = REFERENCE_CNI_DIR) -> None:
    """Starts Node i's Pod runtime unless it is already running."""
    runtime.start(node_name(i), f"asbx-node{i}", str(kubeconfig),
                  str(_cni_dir(i) / "net.d"), cni_bin_dir,
                  run_dir=str(run_dir()), bind_unscheduled=bool(bind_for),
                  nodes=bind_for.split(",") if bind_for else (),
                  node_ip=topology.node_ip(i, subnets))


# ---------------------------------------------------------------- antrea


def find_build_dir(explicit: Optional[str] = None) -> pathlib.Path:
    """The build tree whose antrea-agent and antrea-cni the Nodes run:
    --build-dir, else $ANTREA_BUILD_DIR, else the first of _build/plain
    and _build/quickstart that has a built antrea-agent."""
    given = explicit or os.environ.get("ANTREA_BUILD_DIR")
    candidates = ([pathlib.Path(given)] if given
                  else list(DEFAULT_BUILD_DIRS))
    for d in candidates:
        d = d.resolve()
        if (d / AGENT_PROGRAM).is_file():
            missing = [str(p) for p in (CNI_PROGRAM,)
                       if not (d / p).is_file()]
            if missing:
                raise ClusterError(f"build tree {d} has no {missing[0]}: "
                                   f"run `make -C {d}`")
            return d
        if given:
            raise ClusterError(f"--build-dir/ANTREA_BUILD_DIR {d}: no "
                               f"{AGENT_PROGRAM} there; build it first "
                               f"(`make -C {d}`)")
    raise ClusterError(
        "--cni antrea: no built antrea-agent in "
        f"{' or '.join(str(d) for d in DEFAULT_BUILD_DIRS)}; build one "
        "(README) or give --build-dir DIR (or set ANTREA_BUILD_DIR)")


def plugin_dirs(build: pathlib.Path) -> list[str]:
    """The build tree's module directories (plugins/*/.libs), as `make
    check` puts them in ANTREA_PLUGIN_PATH."""
    return sorted(str(d) for d in (build / "plugins").glob("*/.libs")
                  if d.is_dir())


def agent_paths(i: int) -> dict[str, pathlib.Path]:
    """Where Node i's antrea-agent keeps its config, pid, socket, IPAM
    store and log."""
    d = run_dir() / "nodes" / node_name(i) / "antrea"
    return {"dir": d, "config": d / "agent.conf", "pid_file": d / "agent.pid",
            "socket": d / "cni.sock", "ipam": d / "ipam",
            "log": run_dir() / "logs" / f"{node_name(i)}-agent.log"}


def agent_config(i: int, kubeconfig: pathlib.Path, *, mode: str,
                 tunnel: str, ipsec: bool, plugins: list[str],
                 no_snat: bool = False) -> str:
    """Node i's agent configuration (etc/antrea-agent-encap.conf with the
    sandbox's paths and the userspace datapath)."""
    p = agent_paths(i)
    # strongSwan's kernel-libipsec only does tunnel mode (sandbox/ipsec.py).
    ipsec_module = ("\n  - name: ipsec\n    config:\n      espMode: tunnel"
                    if ipsec else "")
    ipsec_mtu = f"\ndefaultMTU: {IPSEC_POD_MTU}" if ipsec else ""
    # networkPolicyOnly loads no IPAM module (the primary CNI allocates).
    ipam = "" if mode == "networkPolicyOnly" else f"""\
ipam: native
modules:
  - name: native
    config:
      dataDir: {p["ipam"]}{ipsec_module}
"""
    return f"""\
# antrea-agent of {node_name(i)}, written by tests/e2e/cluster up.
ovsBridge: br-int
ovsDatapathType: netdev
ovsRunDir: {ovs.ovs_dir(i, run_dir())}
hostGateway: antrea-gw0
trafficEncapMode: {mode}
tunnelType: {tunnel}
trafficEncryptionMode: {"ipsec" if ipsec else "none"}
noSNAT: {"true" if no_snat else "false"}
serviceCIDR: {SERVICE_CIDR}
cniSocket: {p["socket"]}
pluginDir: {plugins[0] if plugins else ""}{ipsec_mtu}
clientConnection:
  kubeconfig: {kubeconfig}
antreaClientConnection:
  kubeconfig: {controller_paths()["agent_kubeconfig"]}
{ipam}"""


def _log_tail(path: pathlib.Path, lines: int = 15) -> str:
    """The end of a log, for an error message."""
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text[-lines:])


def _agent_pid(i: int) -> Optional[int]:
    """Node i's running antrea-agent, or None."""
    pid = util.read_pid(agent_paths(i)["pid_file"])
    if pid and util.pid_alive(pid) and util.pid_matches(pid, "antrea-agent"):
        return pid
    return None


def _start_agent(i: int, build: pathlib.Path, kubeconfig: pathlib.Path, *,
                 mode: str, tunnel: str, ipsec: bool,
                 psk: str = SANDBOX_IPSEC_PSK, no_snat: bool = False) -> None:
    """Starts Node i's antrea-agent in its namespace (unless it runs);
    with IPsec, 'psk' is its pre-shared key."""
    if _agent_pid(i):
        return
    p = agent_paths(i)
    p["ipam"].mkdir(parents=True, exist_ok=True)
    # A socket left by a killed agent would look like readiness.
    p["socket"].unlink(missing_ok=True)
    plugins = plugin_dirs(build)
    p["config"].write_text(agent_config(i, kubeconfig, mode=mode,
                                        tunnel=tunnel, ipsec=ipsec,
                                        plugins=plugins, no_snat=no_snat))
    env = dict(topology.node_env(i, run_dir()), NODE_NAME=node_name(i),
               ANTREA_PLUGIN_PATH=":".join(plugins))
    if ipsec:
        env["ANTREA_IPSEC_PSK"] = psk
    try:
        util.start_daemon([str(build / AGENT_PROGRAM), "--config",
                           str(p["config"])],
                          pid_file=p["pid_file"], log_file=p["log"],
                          netns=f"asbx-node{i}", env=env,
                          what=f"{node_name(i)}: start antrea-agent",
                          settle=0.3)
    except util.CommandError as e:
        raise ClusterError(f"{node_name(i)}: antrea-agent exited at once "
                           f"({e}); {p['log']} ends with:\n"
                           f"{_log_tail(p['log'])}") from None


def controller_paths() -> dict[str, pathlib.Path]:
    """Where antrea-controller keeps its config, pid, certificate and log,
    and the kubeconfig the agents reach it with."""
    d = run_dir() / "controller"
    return {"dir": d, "config": d / "controller.conf",
            "pid_file": d / "controller.pid", "ca": d / "ca.crt",
            "agent_kubeconfig": d / "agent-to-controller.kubeconfig",
            "log": run_dir() / "logs" / "controller.log"}


def controller_url() -> str:
    """The controller's API address."""
    return f"https://{CONTROL_PLANE_IP}:{CONTROLLER_API_PORT}"


def _controller_pid() -> Optional[int]:
    """The running antrea-controller, or None."""
    pid = util.read_pid(controller_paths()["pid_file"])
    if pid and util.pid_alive(pid) and util.pid_matches(
            pid, "antrea-controller"):
        return pid
    return None


def _start_controller(build: pathlib.Path, kubeconfig: pathlib.Path) -> None:
    """Starts antrea-controller in the control-plane namespace (unless it
    runs) with a self-signed certificate for CONTROL_PLANE_IP."""
    if _controller_pid():
        return
    p = controller_paths()
    p["dir"].mkdir(parents=True, exist_ok=True)
    p["ca"].unlink(missing_ok=True)
    p["config"].write_text(f"""\
# antrea-controller, written by tests/e2e/cluster up.
clientConnection:
  kubeconfig: {kubeconfig}
apiPort: {CONTROLLER_API_PORT}
selfSignedCert: true
""")
    try:
        util.start_daemon([str(build / CONTROLLER_PROGRAM),
                           "--config", str(p["config"]),
                           "--bind-address", CONTROL_PLANE_IP,
                           "--tls-san", CONTROL_PLANE_IP,
                           "--self-signed-cert-dir",
                           str(p["dir"] / "self-signed"),
                           "--ca-cert-out", str(p["ca"])],
                          pid_file=p["pid_file"], log_file=p["log"],
                          netns=CONTROL_PLANE_NS,
                          what="start antrea-controller", settle=0.3)
    except util.CommandError as e:
        raise ClusterError(f"antrea-controller exited at once ({e}); "
                           f"{p['log']} ends with:\n"
                           f"{_log_tail(p['log'])}") from None


def _controller_healthy() -> bool:
    """Whether the controller answers /healthz over TLS with its CA."""
    p = controller_paths()
    if not p["ca"].exists():
        return False
    r = subprocess.run(["ip", "netns", "exec", CONTROL_PLANE_NS, "curl",
                        "-sS", "--max-time", "2", "--cacert", str(p["ca"]),
                        f"{controller_url()}/healthz"],
                       capture_output=True, text=True)
    return r.returncode == 0


def _wait_controller() -> None:
    """Waits until the controller serves, then writes the agents'
    kubeconfig for it; fails naming its log."""
    p = controller_paths()
    deadline = time.monotonic() + CONTROLLER_START_TIMEOUT
    while not _controller_healthy():
        if not _controller_pid():
            raise ClusterError(f"antrea-controller exited; {p['log']} ends "
                               f"with:\n{_log_tail(p['log'])}")
        if time.monotonic() > deadline:
            raise ClusterError(
                f"antrea-controller did not answer {controller_url()}"
                f"/healthz within {CONTROLLER_START_TIMEOUT:g} s; "
                f"{p['log']} ends with:\n{_log_tail(p['log'])}")
        time.sleep(0.2)
    token = (run_dir() / "kube" /
             "sa-kube-system-antrea-agent.token").read_text().strip()
    kube.write_kubeconfig(p["agent_kubeconfig"], controller_url(), p["ca"],
                          token, user="antrea-agent")


def stop_controller() -> bool:
    """Stops antrea-controller by its pid file; answers whether it ran."""
    return util.stop_daemon(controller_paths()["pid_file"], timeout=15.0,
                            expect="antrea-controller")


def _wait_agent(i: int) -> None:
    """Waits until Node i's agent serves CNI, or fails naming its log."""
    p = agent_paths(i)

    def ready() -> bool:
        if not _agent_pid(i):
            raise ClusterError(f"{node_name(i)}: antrea-agent exited; "
                               f"{p['log']} ends with:\n"
                               f"{_log_tail(p['log'])}")
        return p["socket"].exists()
    deadline = time.monotonic() + AGENT_START_TIMEOUT
    while not ready():
        if time.monotonic() > deadline:
            raise ClusterError(
                f"{node_name(i)}: antrea-agent did not open its CNI socket "
                f"{p['socket']} within {AGENT_START_TIMEOUT:g} s; "
                f"{p['log']} ends with:\n{_log_tail(p['log'])}")
        time.sleep(0.1)


def _write_antrea_cni(i: int, build: pathlib.Path,
                      chained: bool = False) -> pathlib.Path:
    """Writes Node i's antrea conflist and CNI bin dir; returns the bin
    dir (antrea -> the built antrea-cni; portmap, loopback -> Debian's;
    with 'chained', also ptp and host-local)."""
    bin_dir = _cni_dir(i) / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    links = {"antrea": build / CNI_PROGRAM,
             "portmap": pathlib.Path(REFERENCE_CNI_DIR) / "portmap",
             "loopback": pathlib.Path(REFERENCE_CNI_DIR) / "loopback"}
    if chained:
        for name in ("ptp", "host-local"):
            links[name] = pathlib.Path(REFERENCE_CNI_DIR) / name
    for name, target in links.items():
        link = bin_dir / name
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    conf_dir = _cni_dir(i) / "net.d"
    conf_dir.mkdir(parents=True, exist_ok=True)
    conflist = {
        "cniVersion": "1.0.0",
        "name": "antrea",
        "plugins": [
            {"type": "antrea",
             "cniSocket": str(agent_paths(i)["socket"])},
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    if chained:
        conflist["plugins"][:0] = [_ptp_plugin(i)]
    (conf_dir / "10-antrea.conflist").write_text(
        json.dumps(conflist, indent=2) + "\n")
    return bin_dir


def _ptp_plugin(i: int) -> dict[str, Any]:
    """networkPolicyOnly's primary CNI on Node i: Debian's ptp with
    host-local, as Antrea is chained after a cloud's CNI.  Addresses come
    from the Node's podCIDR, but the subnet given to ptp is the cluster
    CIDR, so its masquerade (ipMasq) leaves Pod-to-Pod traffic between
    Nodes alone (NetworkPolicy sees real Pod sources) and only hides Pods
    from the external host, which has no route to them."""
    cidr = ipaddress.ip_network(pod_cidr(i))
    hosts = list(cidr.hosts())
    return {"type": "ptp", "ipMasq": True,
            "ipam": {"type": "host-local",
                     "ranges": [[{"subnet": CLUSTER_CIDR,
                                  "rangeStart": str(hosts[1]),
                                  "rangeEnd": str(hosts[-1]),
                                  "gateway": str(hosts[0])}]],
                     "routes": [{"dst": "0.0.0.0/0"}],
                     "dataDir": str(_cni_dir(i) / "ipam")}}


def restart_agent(i: int, *, psk: str = SANDBOX_IPSEC_PSK) -> None:
    """Restarts Node i's antrea-agent as `up` made it; with --ipsec,
    with pre-shared key 'psk' (a wrong key shows how a mismatch is
    reported)."""
    state = _require_state()
    if state.get("cni") != "antrea":
        raise ClusterError("restart_agent: the cluster runs no antrea-agent")
    util.stop_daemon(agent_paths(i)["pid_file"], timeout=15.0,
                     expect="antrea-agent")
    build = pathlib.Path(state["buildDir"])
    kubeconfig = (run_dir() / "kube" /
                  "sa-kube-system-antrea-agent.kubeconfig")
    _start_agent(i, build, kubeconfig, mode=state["mode"],
                 tunnel=state["tunnel"], ipsec=state["ipsec"], psk=psk,
                 no_snat=bool(state.get("noSNAT")))
    _wait_agent(i)
    if state["ipsec"]:
        for j in range(1, state["nodes"] + 1):
            sandbox_ipsec.initiate(j, state["nodes"] - 1)


def stop_agents() -> list[str]:
    """Stops every Node's antrea-agent by its pid file (SIGTERM; the agent
    exits cleanly); answers the Nodes whose agent was running."""
    stopped = []
    nodes_dir = run_dir() / "nodes"
    if not nodes_dir.is_dir():
        return stopped
    for pid_file in sorted(nodes_dir.glob("node*/antrea/agent.pid")):
        if util.stop_daemon(pid_file, timeout=15.0, expect="antrea-agent"):
            stopped.append(pid_file.parent.parent.name)
    return stopped


# ---------------------------------------------------------------- down


def down(*, keep_logs: bool = False) -> None:
    """Removes everything the cluster made, and nothing else."""
    state = load_state() or {}
    nodes = int(state.get("nodes", 0))
    # With antrea-c's CNI, DEL is not run here: this process is in the root
    # namespace (portmap's iptables calls would land there), and the
    # agent's state goes with the Node's OVS and run directory anyway.
    antrea = state.get("cni") == "antrea"
    _step("stopping Pod runtimes and their Pods "
          f"({'' if antrea else 'CNI DEL, '}namespaces)")
    for i in range(1, max(nodes, _known_node_count()) + 1):
        runtime.cleanup(node_name(i), str(run_dir()), cni_del=not antrea)

    _step("stopping antrea-agents")
    stopped = stop_agents()
    if stopped:
        print(f"    stopped the agents of {', '.join(stopped)}")

    stopped = sandbox_ipsec.stop_all()
    if stopped:
        _step("stopped the IPsec daemons")
        print(f"    {', '.join(stopped)}")

    _step("stopping antrea-controller and the control plane")
    if stop_controller():
        print("    stopped antrea-controller")
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
        "controller": ({"url": controller_url(),
                        "caCert": str(controller_paths()["ca"]),
                        "agentKubeconfig":
                            str(controller_paths()["agent_kubeconfig"])}
                       if state["cni"] == "antrea" else None),
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
        "buildDir": state.get("buildDir"),
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
    if state.get("cni") == "antrea":
        pid = _controller_pid()
        line("antrea-controller", bool(pid and _controller_healthy()),
             f"pid {pid}, {controller_url()}")
    for i in range(1, state["nodes"] + 1):
        name = node_name(i)
        line(f"{name} namespace", topology.ns_exists(f"asbx-node{i}"))
        line(f"{name} OVS", ovs.running(i, run_dir()))
        pid = util.read_pid(runtime.paths(name, str(run_dir()))["pid_file"])
        line(f"{name} Pod runtime", bool(pid and util.pid_alive(pid)),
             f"pid {pid}")
        if state.get("cni") == "antrea":
            pid = _agent_pid(i)
            sock = agent_paths(i)["socket"].exists()
            line(f"{name} antrea-agent", bool(pid and sock),
                 f"pid {pid}" + ("" if sock else ", no CNI socket"))
        line(f"{name} Ready", ready.get(name, False))
        if state.get("ipsec"):
            _ipsec_status_lines(i, state, line)
    return 0 if healthy else 1


def _ipsec_status_lines(i: int, state: dict[str, Any], line: Any) -> None:
    """Prints Node i's IKE SAs with each peer, and any authentication
    failure (a wrong pre-shared key) from its charon log."""
    name = node_name(i)
    try:
        st = sandbox_ipsec.status(i)
    except (util.CommandError, OSError, subprocess.SubprocessError) as e:
        line(f"{name} IPsec", False, str(e))
        return
    subnets = state["subnets"]
    for j in range(1, state["nodes"] + 1):
        if j == i:
            continue
        peer_ip = topology.node_ip(j, subnets)
        up_ = peer_ip in st["ike_peers"]
        fails = [f for f in st["auth_failures"] if peer_ip in f]
        detail = ("IKE SA established" if up_ else
                  "no IKE SA" + (f"; authentication FAILED (wrong "
                                 f"pre-shared key?): {fails[-1]}"
                                 if fails else ""))
        line(f"{name} IPsec with {node_name(j)} ({peer_ip})", up_, detail)


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
