#!/usr/bin/python3
"""Self-test of the sandbox Pod runtime (sandbox/runtime.py, k8s_watch.py).

Why: the runtime stands in for kubelet + containerd in every e2e test, so
its watch handling, its CNI calling convention and its Pod lifecycle must
be right before anything else is tested on top of it.

Two parts:
  offline  (no root, loopback only): the kubeconfig parser; the list+watch
           loop against a scripted fake apiserver speaking the recorded
           v1.20 watch protocol (paging, bookmarks, clean stream end,
           ERROR 410 -> relist, HTTP 500 -> backoff); the CNI calling
           convention with recording fake plugins (env, stdin, prevResult
           chaining, capability-filtered runtimeConfig, DEL in reverse with
           the cached result, error reporting).
  e2e      (root; needs sandbox.kube, sandbox.topology): a real apiserver,
           2 Nodes, Debian's bridge + host-local + portmap plugins, one
           runtime per Node; Pods bound directly and by the binder become
           Running with IPs from their Node's podCIDR, ping each other
           across Nodes, survive a restart of their runtime (same IP, same
           process), and deletion runs CNI DEL (IP freed), removes the netns
           and the Pod object.  Everything is torn down at the end.

    /usr/bin/python3 sandbox/test_runtime.py [--offline] [--keep]
(from tests/e2e).  Exit 0 only if every check passed.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import pathlib
import shutil
import socketserver
import sys
import tempfile
import threading
import time
import traceback
from typing import Any, Optional

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from sandbox import k8s_watch  # noqa: E402
from sandbox import runtime as rt  # noqa: E402
from sandbox import util  # noqa: E402

PY = "/usr/bin/python3"
RESULTS: list = []


def check(name: str, ok: bool, detail: str = "") -> bool:
    """Record and print one check."""
    RESULTS.append((name, bool(ok), detail))
    extra = f" - {detail}" if detail and not ok else ""
    print(f"{'PASS' if ok else 'FAIL'}: {name}{extra}", flush=True)
    return bool(ok)


# --------------------------------------------------------------------------
# offline: kubeconfig
# --------------------------------------------------------------------------

def test_kubeconfig(tmp: pathlib.Path) -> None:
    """The kubeconfig reader handles kubectl's YAML, relative paths, JSON."""
    (tmp / "ca.crt").write_text("x")
    (tmp / "tok").write_text("s3cret\n")
    (tmp / "kc.yaml").write_text(
        "apiVersion: v1\nclusters:\n- cluster:\n"
        "    certificate-authority: ca.crt\n"
        "    server: https://192.168.77.2:6443\n  name: asbx\n"
        "contexts:\n- context:\n    cluster: asbx\n    user: runtime\n"
        "  name: asbx\ncurrent-context: asbx\nkind: Config\n"
        "preferences: {}\nusers:\n- name: admin\n  user:\n    token: no\n"
        "- name: runtime\n  user:\n    token: \"abc#1\"  # inline comment\n")
    cfg = k8s_watch.load_kubeconfig(str(tmp / "kc.yaml"))
    check("kubeconfig yaml: server", cfg.server == "https://192.168.77.2:6443",
          cfg.server)
    check("kubeconfig yaml: relative CA path",
          cfg.ca_file == str(tmp / "ca.crt"), str(cfg.ca_file))
    check("kubeconfig yaml: current context's user token",
          cfg.token == "abc#1", str(cfg.token))
    (tmp / "kc.json").write_text(json.dumps({
        "clusters": [{"name": "c",
                      "cluster": {"server": "http://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"tokenFile": "tok"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x"}))
    cfg = k8s_watch.load_kubeconfig(str(tmp / "kc.json"))
    check("kubeconfig json + tokenFile", cfg.token == "s3cret"
          and cfg.server == "http://127.0.0.1:1", repr(cfg))


# --------------------------------------------------------------------------
# offline: list + watch against a scripted fake apiserver
# --------------------------------------------------------------------------

def _pod(name: str, rv: int, uid: Optional[str] = None) -> dict:
    """A minimal Pod object as the apiserver sends it."""
    return {"kind": "Pod", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": "x",
                         "uid": uid or f"uid-{name}",
                         "resourceVersion": str(rv)},
            "spec": {"nodeName": "node1", "containers": [{"name": "c"}]},
            "status": {}}


BOOKMARK = {"kind": "Pod", "apiVersion": "v1",
            "metadata": {"resourceVersion": "RV", "creationTimestamp": None},
            "spec": {"containers": None}, "status": {}}


class FakeApi(http.server.BaseHTTPRequestHandler):
    """Answers from a script: a list of (predicate, responder) per request.

    Speaks HTTP/1.1 with chunked watch bodies, one event per chunk, as the
    recorded real server does.
    """

    protocol_version = "HTTP/1.1"
    script: list = []
    log: list = []

    def log_message(self, *args: Any) -> None:
        """Keep the test output clean."""

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        """Serve the next scripted response."""
        FakeApi.log.append(self.path)
        if not FakeApi.script:
            self._json(500, {"message": "script exhausted"})
            return
        kind, payload = FakeApi.script.pop(0)
        if kind == "json":
            self._json(*payload)
        elif kind == "watch":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for event in payload:
                data = (json.dumps(event) + "\n").encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _json(self, status: int, obj: Any) -> None:
        """A plain JSON response."""
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Recorder(k8s_watch.WatchHandler):
    """Records handler calls for the watch test."""

    def __init__(self) -> None:
        """Set up state; see the class docstring."""
        self.calls: list = []
        self.state: dict = {}

    def replace(self, objects: list, resource_version: str) -> None:
        """Record a relist."""
        self.calls.append(("replace", sorted(o["metadata"]["name"]
                                             for o in objects),
                           resource_version))
        self.state = {o["metadata"]["uid"]: o for o in objects}

    def event(self, etype: str, obj: dict) -> None:
        """Record an event."""
        self.calls.append((etype, obj["metadata"]["name"],
                           obj["metadata"]["resourceVersion"]))
        if etype == "DELETED":
            self.state.pop(obj["metadata"]["uid"], None)
        else:
            self.state[obj["metadata"]["uid"]] = obj


def test_list_watch() -> None:
    """ListWatch: paging, bookmarks, re-watch, 410 relist, error backoff."""
    bm = json.loads(json.dumps(BOOKMARK).replace('"RV"', '"260"'))
    expired = {"kind": "Status", "apiVersion": "v1", "metadata": {},
               "status": "Failure", "reason": "Expired", "code": 410,
               "message": "too old resource version: 260 (300)"}
    FakeApi.log = []
    FakeApi.script = [
        ("json", (200, {"kind": "PodList", "metadata": {
            "resourceVersion": "250", "continue": "tok1"},
            "items": [_pod("a", 241)]})),
        ("json", (200, {"kind": "PodList", "metadata": {
            "resourceVersion": "250"}, "items": [_pod("b", 245)]})),
        ("watch", [{"type": "ADDED", "object": _pod("c", 251)},
                   {"type": "MODIFIED", "object": _pod("a", 252)},
                   {"type": "DELETED", "object": _pod("b", 253)},
                   {"type": "BOOKMARK", "object": bm}]),
        ("watch", [{"type": "ERROR", "object": expired}]),
        ("json", (500, {"message": "etcd is sad"})),
        ("json", (200, {"kind": "PodList", "metadata": {
            "resourceVersion": "300"}, "items": [_pod("c", 251),
                                                 _pod("d", 299)]})),
    ]
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    client = k8s_watch.KubeClient(
        k8s_watch.KubeConfig(server=f"http://127.0.0.1:{port}"), timeout=5)
    rec = Recorder()
    stop = threading.Event()
    lw = k8s_watch.ListWatch(client, "/api/v1/pods",
                             {"fieldSelector": "spec.nodeName=node1"}, rec,
                             "test", stop, timeout_seconds=5, max_backoff=0.5)
    thread = threading.Thread(target=lw.run, daemon=True)
    thread.start()
    try:
        util.wait_for(lambda: any(c[0] == "replace" and c[2] == "300"
                                  for c in rec.calls), 10,
                      "the relist after 410 and a 500")
    except util.WaitTimeout as exc:
        check("list+watch scripted sequence", False,
              f"{exc}; calls={rec.calls}; requests={FakeApi.log}")
        stop.set()
        server.shutdown()
        return
    stop.set()
    server.shutdown()
    paths = FakeApi.log
    check("list pages with limit and continue",
          "limit=500" in paths[0] and "continue=tok1" in paths[1], str(paths))
    check("field selector sent", all("fieldSelector=spec.nodeName%3Dnode1"
                                     in p for p in paths), str(paths))
    check("watch from the list's resourceVersion with bookmarks",
          "watch=1" in paths[2] and "resourceVersion=250" in paths[2]
          and "allowWatchBookmarks=true" in paths[2]
          and "timeoutSeconds=5" in paths[2], paths[2])
    check("re-watch after a clean end from the bookmark's resourceVersion",
          "watch=1" in paths[3] and "resourceVersion=260" in paths[3],
          paths[3])
    check("410 ERROR event -> relist (after backing off a 500)",
          "watch" not in paths[4] and "watch" not in paths[5], str(paths))
    want = [("replace", ["a", "b"], "250"), ("ADDED", "c", "251"),
            ("MODIFIED", "a", "252"), ("DELETED", "b", "253"),
            ("replace", ["c", "d"], "300")]
    check("handler calls in order (bookmark not delivered)",
          rec.calls[:5] == want, str(rec.calls))
    check("final state is the relisted set",
          sorted(rec.state) == ["uid-c", "uid-d"], str(sorted(rec.state)))


# --------------------------------------------------------------------------
# offline: CNI calling convention
# --------------------------------------------------------------------------

FAKE_PLUGIN = r'''#!/usr/bin/python3
import json, os, sys
conf = json.load(sys.stdin)
log = os.environ["FAKE_CNI_LOG"]
env = {k: v for k, v in os.environ.items() if k.startswith("CNI_")}
with open(log, "a") as fh:
    fh.write(json.dumps({"plugin": os.path.basename(sys.argv[0]),
                         "env": env, "conf": conf}) + "\n")
if conf.get("fail") and env["CNI_COMMAND"] == "ADD":
    print(json.dumps({"cniVersion": conf["cniVersion"], "code": 11,
                      "msg": "boom", "details": "on purpose"}))
    sys.exit(1)
if env["CNI_COMMAND"] == "ADD":
    prev = conf.get("prevResult")
    if prev is None:
        prev = {"cniVersion": conf["cniVersion"],
                "interfaces": [{"name": "cni0"},
                               {"name": "eth0", "sandbox": env["CNI_NETNS"]}],
                "ips": [{"address": "10.10.1.7/24", "interface": 1,
                         "gateway": "10.10.1.1"}]}
    print(json.dumps(prev))
'''


def test_cni(tmp: pathlib.Path) -> None:
    """Cni: env, stdin, chaining, runtimeConfig, DEL order, errors."""
    bindir = tmp / "bin"
    bindir.mkdir()
    for name in ("fakebr", "fakepm"):
        (bindir / name).write_text(FAKE_PLUGIN)
        (bindir / name).chmod(0o755)
    confdir = tmp / "net.d"
    confdir.mkdir()
    conflist = {"cniVersion": "1.0.0", "name": "asbx-net", "plugins": [
        {"type": "fakebr", "bridge": "cni0"},
        {"type": "fakepm", "capabilities": {"portMappings": True}}]}
    (confdir / "20-second.conflist").write_text(json.dumps(
        {"cniVersion": "1.0.0", "name": "other", "plugins": [{"type": "x"}]}))
    (confdir / "10-asbx.conflist").write_text(json.dumps(conflist))
    (confdir / "05-ignored.txt").write_text("{}")
    log = tmp / "calls.jsonl"
    os.environ["FAKE_CNI_LOG"] = str(log)
    cni = rt.Cni(str(confdir), str(bindir), 10)
    path, loaded = cni.load_conflist()
    check("first conflist by name", path.endswith("10-asbx.conflist"), path)
    args = ("IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;"
            "K8S_POD_INFRA_CONTAINER_ID=u1;K8S_POD_UID=u1")
    rc = {"portMappings": [{"hostPort": 8080, "containerPort": 80,
                            "protocol": "tcp"}]}
    result = cni.add(loaded, "u1", "/var/run/netns/asbx-pod-x", "eth0", args,
                     rc)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    check("ADD runs plugins in order",
          [c["plugin"] for c in calls] == ["fakebr", "fakepm"], str(calls))
    env = calls[0]["env"]
    check("ADD env", env == {"CNI_COMMAND": "ADD", "CNI_CONTAINERID": "u1",
                             "CNI_NETNS": "/var/run/netns/asbx-pod-x",
                             "CNI_IFNAME": "eth0", "CNI_ARGS": args,
                             "CNI_PATH": str(bindir)}, str(env))
    c0, c1 = calls[0]["conf"], calls[1]["conf"]
    check("name/cniVersion injected, no prevResult for the first plugin",
          c0["name"] == "asbx-net" and c0["cniVersion"] == "1.0.0"
          and "prevResult" not in c0 and "runtimeConfig" not in c0, str(c0))
    check("prevResult chained, runtimeConfig only where a capability asks",
          c1.get("prevResult", {}).get("ips", [{}])[0].get("address")
          == "10.10.1.7/24" and c1.get("runtimeConfig") == rc, str(c1))
    check("Pod IP from the result",
          rt.first_ipv4(result, "/var/run/netns/asbx-pod-x") == "10.10.1.7",
          str(result))
    log.unlink()
    cni.delete(loaded, "u1", "/var/run/netns/asbx-pod-x", "eth0", args, rc,
               result)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    check("DEL in reverse order with the cached result (1.0.0)",
          [c["plugin"] for c in calls] == ["fakepm", "fakebr"]
          and all(c["conf"].get("prevResult") == result for c in calls)
          and all(c["env"]["CNI_COMMAND"] == "DEL" for c in calls),
          str(calls))
    old = dict(loaded, cniVersion="0.3.1")
    log.unlink()
    cni.delete(old, "u1", "", "eth0", args, rc, result)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    check("DEL without prevResult before 0.4.0, empty CNI_NETNS passed",
          all("prevResult" not in c["conf"] for c in calls)
          and calls[0]["env"]["CNI_NETNS"] == "", str(calls))
    log.unlink()
    broken = {"cniVersion": "1.0.0", "name": "n", "plugins": [
        {"type": "fakebr"}, {"type": "gone"}]}
    try:
        cni.delete(broken, "u1", "", "eth0", args, {}, result)
        check("DEL with a missing plugin raises", False, "no exception")
    except rt.CniError as exc:
        calls = [json.loads(line) for line in log.read_text().splitlines()]
        check("DEL goes on past a failing plugin, then reports its error",
              [c["plugin"] for c in calls] == ["fakebr"]
              and "gone" in str(exc), f"{exc}; {calls}")
    failing = {"cniVersion": "1.0.0", "name": "n", "plugins": [
        {"type": "fakebr"}, {"type": "fakepm", "fail": True}]}
    try:
        cni.add(failing, "u2", "/x", "eth0", args, {})
        check("failing plugin raises CniError", False, "no exception")
    except rt.CniError as exc:
        check("failing plugin raises CniError with msg/details/code",
              "boom" in str(exc) and "on purpose" in str(exc)
              and "code 11" in str(exc), str(exc))
    try:
        cni.add({"cniVersion": "1.0.0", "name": "n",
                 "plugins": [{"type": "missing"}]}, "u3", "/x", "eth0",
                args, {})
        check("missing plugin raises CniError", False, "no exception")
    except rt.CniError as exc:
        check("missing plugin raises CniError", "not found" in str(exc),
              str(exc))
    empty = tmp / "empty.d"
    empty.mkdir()
    try:
        rt.Cni(str(empty), str(bindir), 10).load_conflist()
        check("no config -> SetupError", False, "no exception")
    except rt.SetupError as exc:
        check("no config -> SetupError (network not ready)",
              "no CNI config" in str(exc), str(exc))


def test_helpers() -> None:
    """Small pure helpers the status logic depends on."""
    check("subset: None means absent, extra API fields ignored",
          rt.subset({"a": 1, "b": None, "c": [{"x": 1}]},
                    {"a": 1, "c": [{"x": 1, "y": 2}], "z": 3}))
    check("subset: a changed value is noticed",
          not rt.subset({"a": {"b": 1}}, {"a": {"b": 2}}))
    check("subset: list length matters",
          not rt.subset({"a": [1]}, {"a": [1, 2]}))
    check("$(VAR) expansion", rt.expand_vars("x=$(A) y=$(B) $$(A)",
                                             {"A": "1"})
          == "x=1 y=$(B) $(A)")
    check("version compare", rt.version_ge("1.0.0", "0.4.0")
          and not rt.version_ge("0.3.1", "0.4.0"))
    check("netns name", rt.netns_name("node1", "91d75516-1f6a")
          == "asbx-pod-node1-91d75516")


def run_offline() -> None:
    """All checks that need neither root nor an apiserver."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="asbx-rt-test-"))
    try:
        for fn in (test_helpers, lambda: test_kubeconfig(tmp),
                   test_list_watch, lambda: test_cni(tmp)):
            try:
                fn()
            except Exception:  # noqa: BLE001 - report and go on
                check(f"offline test {getattr(fn, '__name__', fn)} raised",
                      False, traceback.format_exc())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        os.environ.pop("FAKE_CNI_LOG", None)


# --------------------------------------------------------------------------
# e2e: a real apiserver, 2 Nodes, Debian's reference CNI plugins
# --------------------------------------------------------------------------

OUR_NAMESPACES = ("asbx-underlay", "asbx-cp", "asbx-ext", "asbx-router",
                  "asbx-node1", "asbx-node2")


def _step(what: str) -> None:
    """Print a progress line."""
    print(f"--- {time.strftime('%H:%M:%S')} {what}", flush=True)


def _conflist(run_dir: pathlib.Path, i: int) -> pathlib.Path:
    """Write Node i's conflist: bridge (host-local IPAM) + portmap."""
    cni_dir = run_dir / "nodes" / f"node{i}" / "cni"
    conf_dir = cni_dir / "net.d"
    conf_dir.mkdir(parents=True, exist_ok=True)
    conf = {"cniVersion": "1.0.0", "name": "asbx-bridge", "plugins": [
        {"type": "bridge", "bridge": "cni0", "isGateway": True,
         "ipMasq": False,
         "ipam": {"type": "host-local", "subnet": f"10.10.{i}.0/24",
                  "dataDir": str(cni_dir / "ipam"),
                  "routes": [{"dst": "0.0.0.0/0"}]}},
        {"type": "portmap", "capabilities": {"portMappings": True}}]}
    (conf_dir / "10-asbx-bridge.conflist").write_text(json.dumps(conf,
                                                                 indent=1))
    return conf_dir


def _ipam_file(run_dir: pathlib.Path, node: str, ip: str) -> pathlib.Path:
    """host-local's reservation file for ip on node."""
    return run_dir / "nodes" / node / "cni" / "ipam" / "asbx-bridge" / ip


def _pod_body(name: str, node: Optional[str], host_port: int = 0) -> dict:
    """A Pod running `sleep 3600` (the image is ignored by the runtime)."""
    c: dict = {"name": "main", "image": "asbx/none",
               "command": ["sleep", "3600"]}
    if host_port:
        c["ports"] = [{"containerPort": 80, "hostPort": host_port,
                       "protocol": "TCP"}]
    spec: dict = {"containers": [c], "terminationGracePeriodSeconds": 5}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default",
                         "labels": {"app": "asbx-rt-test"}},
            "spec": spec}


def _state(run_dir: pathlib.Path, node: str, uid: str) -> Optional[dict]:
    """The runtime's record of a Pod, or None."""
    path = pathlib.Path(rt.paths(node, str(run_dir))["state_dir"]) / \
        "pods" / f"{uid}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run_e2e(keep: bool) -> None:
    """Bring up apiserver + 2 Nodes + runtimes; check the Pod lifecycle."""
    from sandbox import kube, topology  # late: only the e2e needs them
    if os.geteuid() != 0:
        check("e2e needs root", False, "run as root (or use --offline)")
        return
    busy = [n for n in topology.sandbox_namespaces()
            if n in OUR_NAMESPACES or n.startswith("asbx-pod-")]
    if busy:
        check("no sandbox is up already", False,
              f"namespaces {busy} exist: run `cluster down` first")
        return
    run_dir = pathlib.Path(tempfile.mkdtemp(prefix="asbx-rt-test-",
                                            dir="/run"))
    os.environ["ANTREA_SANDBOX_DIR"] = str(run_dir)
    rd = str(run_dir)
    ok = False
    try:
        _e2e_body(run_dir, kube, topology)
        ok = all(r[1] for r in RESULTS)
    finally:
        if keep and not ok:
            print(f"--keep: leaving the sandbox up (run dir {rd})")
        else:
            _e2e_teardown(run_dir, kube, topology)


def _e2e_body(run_dir: pathlib.Path, kube: Any, topology: Any) -> None:
    """The e2e steps (teardown is the caller's)."""
    rd = str(run_dir)
    _step("topology: underlay, control plane, 2 Nodes")
    topology.create(2, "same", rd, check=False)
    _step("control plane: etcd + kube-apiserver")
    kube.ensure_kube_binaries()
    plane = None
    for attempt in range(3):
        # start_control_plane is idempotent; its admin check can race the
        # apiserver's creation of the "default" namespace, so try again.
        try:
            plane = kube.start_control_plane(rd, topology.CP_NS)
            break
        except util.CommandError as exc:
            if attempt == 2 or "namespaces \"default\" not found" \
                    not in str(exc):
                raise
            time.sleep(2)
    api = plane.admin(timeout=15)
    nodes = {}
    for i in (1, 2):
        name, ip = f"node{i}", topology.node_ip(i, "same")
        cidr = f"10.10.{i}.0/24"
        api.create("/api/v1/nodes", {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name,
                         "labels": {"kubernetes.io/hostname": name}},
            "spec": {"podCIDR": cidr, "podCIDRs": [cidr]}}, exist_ok=True)
        now = k8s_watch.now_rfc3339()
        api.patch(f"/api/v1/nodes/{name}/status", {"status": {
            "addresses": [{"type": "InternalIP", "address": ip},
                          {"type": "Hostname", "address": name}],
            "conditions": [{"type": "Ready", "status": "True",
                            "reason": "KubeletReady",
                            "message": "asbx runtime test",
                            "lastHeartbeatTime": now,
                            "lastTransitionTime": now}]}})
        nodes[name] = {"i": i, "ip": ip, "cidr": cidr,
                       "netns": f"asbx-node{i}",
                       "conf_dir": _conflist(run_dir, i)}
    for name, n in nodes.items():
        peer = nodes["node2" if name == "node1" else "node1"]
        util.run_in_netns(n["netns"], ["ip", "route", "replace", peer["cidr"],
                                       "via", peer["ip"]], timeout=10,
                          what=f"{name}: route to {peer['cidr']}")

    _step("start one runtime per Node (node1 binds unscheduled Pods)")

    def start_runtime(name: str) -> int:
        """Start (or restart) a Node's runtime."""
        n = nodes[name]
        return rt.start(name, n["netns"], str(plane.admin_kubeconfig),
                        str(n["conf_dir"]), "/usr/lib/cni", run_dir=rd,
                        bind_unscheduled=(name == "node1"),
                        nodes=("node1", "node2"))

    for name in nodes:
        start_runtime(name)

    _step("create Pods: a (node1, hostPort 8080), b + c (unscheduled), "
          "d (node2)")
    pods_path = "/api/v1/namespaces/default/pods"
    api.create(pods_path, _pod_body("a", "node1", host_port=8080))
    api.create(pods_path, _pod_body("b", None))
    api.create(pods_path, _pod_body("c", None))
    api.create(pods_path, _pod_body("d", "node2"))

    def running(name: str) -> Optional[dict]:
        """The Pod if it is Running with an IP, else None."""
        pod = api.get_or_none(f"{pods_path}/{name}")
        if pod and pod["status"].get("phase") == "Running" and \
                pod["status"].get("podIP"):
            return pod
        return None

    pods = {}
    for name in "abcd":
        try:
            pods[name] = util.wait_for(lambda: running(name), 60,
                                       f"Pod {name} Running", interval=0.3)
        except util.WaitTimeout as exc:
            log = rt.paths("node1", rd)["log_file"]
            check(f"Pod {name} becomes Running", False,
                  f"{exc}; see {log} and the node2 log")
            return
    check("all 4 Pods Running", True)
    for name, pod in pods.items():
        node = pod["spec"]["nodeName"]
        n = nodes[node]
        ip = pod["status"]["podIP"]
        prefix = n["cidr"].rsplit(".", 2)[0] + "."
        check(f"Pod {name} on {node} has an IP from {n['cidr']} ({ip})",
              ip.startswith(prefix) and ip != prefix + "1", ip)
        st = pod["status"]
        conds = {c["type"]: c["status"] for c in st.get("conditions", [])}
        cs = (st.get("containerStatuses") or [{}])[0]
        check(f"Pod {name} status: hostIP, podIPs, Ready, containerStatus",
              st.get("hostIP") == n["ip"]
              and st.get("podIPs") == [{"ip": ip}]
              and conds.get("Ready") == "True"
              and conds.get("ContainersReady") == "True"
              and conds.get("PodScheduled") == "True"
              and cs.get("ready") is True and cs.get("started") is True
              and "running" in cs.get("state", {})
              and cs.get("restartCount") == 0 and cs.get("imageID") == "",
              json.dumps(st))
        netns = rt.netns_name(node, pod["metadata"]["uid"])
        check(f"Pod {name}: netns {netns} exists",
              rt.netns_exists(netns), netns)
    bound = sorted(pods[x]["spec"]["nodeName"] for x in "bc")
    check("binder spread the unscheduled Pods round-robin over both Nodes",
          bound == ["node1", "node2"], str(bound))

    a = pods["a"]
    a_ns = rt.netns_name("node1", a["metadata"]["uid"])
    same = next(pods[x] for x in "bc" if pods[x]["spec"]["nodeName"]
                == "node1")
    other = next(pods[x] for x in "bc" if pods[x]["spec"]["nodeName"]
                 == "node2")
    _step("ping from Pod a to a Pod on node1 and a Pod on node2")
    targets = [same["status"]["podIP"], other["status"]["podIP"]]
    res = topology.ping(a_ns, targets, tries=5, wait=1.0)
    check("ping a -> Pod on the same Node", res.get(targets[0]) is not None,
          str(res))
    check("ping a -> Pod on the other Node", res.get(targets[1]) is not None,
          str(res))
    other_ns = rt.netns_name("node2", other["metadata"]["uid"])
    res = topology.ping(other_ns, [a["status"]["podIP"]], tries=3, wait=1.0)
    check("ping back node2 Pod -> a", all(v is not None
                                          for v in res.values()), str(res))
    nat = util.run_in_netns("asbx-node1", ["iptables", "-t", "nat", "-S"],
                            timeout=15, check=False,
                            what="node1 nat rules").stdout
    check("portmap got runtimeConfig.portMappings (DNAT 8080 -> a:80)",
          f"--to-destination {a['status']['podIP']}:80" in nat, nat[-2000:])

    _step("restart node2's runtime; delete Pod d while it is down")
    o_uid = other["metadata"]["uid"]
    o_rec = _state(run_dir, "node2", o_uid) or {}
    o_pid = (o_rec.get("containers") or [{}])[0].get("pid")
    o_ticks = (o_rec.get("containers") or [{}])[0].get("ticks")
    check("runtime state records the container pid",
          bool(o_pid) and rt.proc_alive(o_pid, o_ticks), str(o_rec)[:500])
    d = pods["d"]
    d_uid, d_ip = d["metadata"]["uid"], d["status"]["podIP"]
    d_ns = rt.netns_name("node2", d_uid)
    old_pid = util.read_pid(rt.paths("node2", rd)["pid_file"])
    check("stop node2 runtime by pid", rt.stop("node2", rd)
          and not util.pid_alive(old_pid), str(old_pid))
    check("Pods keep running while their runtime is down",
          rt.proc_alive(o_pid, o_ticks) and rt.netns_exists(other_ns))
    api.delete(f"{pods_path}/d", grace_period=0)
    check("Pod d deleted from the API while node2's runtime is down",
          api.get_or_none(f"{pods_path}/d") is None)
    new_pid = start_runtime("node2")
    check("node2 runtime restarted with a new pid",
          new_pid != old_pid and util.pid_alive(new_pid), str(new_pid))
    try:
        util.wait_for(lambda: not rt.netns_exists(d_ns)
                      and not _ipam_file(run_dir, "node2", d_ip).exists()
                      and _state(run_dir, "node2", d_uid) is None, 30,
                      "cleanup of Pod d after the restart", interval=0.3)
        check("Pod d (gone while the runtime was down) cleaned up: "
              "netns, IP, state", True)
    except util.WaitTimeout as exc:
        check("Pod d (gone while the runtime was down) cleaned up", False,
              str(exc))
    time.sleep(2)
    pod = api.get(f"{pods_path}/{other['metadata']['name']}")
    rec = _state(run_dir, "node2", o_uid) or {}
    check("after the restart the node2 Pod is still Running, same IP",
          pod["status"].get("phase") == "Running"
          and pod["status"].get("podIP") == other["status"]["podIP"],
          json.dumps(pod["status"])[:800])
    check("after the restart the same process runs (not restarted)",
          (rec.get("containers") or [{}])[0].get("pid") == o_pid
          and rt.proc_alive(o_pid, o_ticks), str(rec)[:500])
    res = topology.ping(a_ns, [other["status"]["podIP"]], tries=3, wait=1.0)
    check("ping a -> node2 Pod after the restart",
          all(v is not None for v in res.values()), str(res))

    _step("restart the apiserver (etcd too); the watches must reconnect")
    kube.stop_control_plane(rd)
    time.sleep(1)
    plane = kube.start_control_plane(rd, topology.CP_NS)
    api = plane.admin(timeout=15)
    api.create(pods_path, _pod_body("e", "node2"))
    host = _pod_body("h", "node1")
    host["spec"]["hostNetwork"] = True
    api.create(pods_path, host)
    for name in ("e", "h"):
        try:
            pods[name] = util.wait_for(lambda: running(name), 60,
                                       f"Pod {name} Running", interval=0.3)
            check(f"Pod {name} Running after the apiserver restart", True)
        except util.WaitTimeout as exc:
            check(f"Pod {name} Running after the apiserver restart", False,
                  str(exc))
    if "h" in pods:
        h_rec = _state(run_dir, "node1", pods["h"]["metadata"]["uid"]) or {}
        h_pid = (h_rec.get("containers") or [{}])[0].get("pid")
        try:
            same_ns = (os.stat(f"/proc/{h_pid}/ns/net").st_ino
                       == os.stat("/run/netns/asbx-node1").st_ino)
        except (OSError, TypeError):
            same_ns = False
        check("hostNetwork Pod: podIP is the Node IP, process in the Node's "
              "netns", pods["h"]["status"]["podIP"] == nodes["node1"]["ip"]
              and h_rec.get("netns") is None and same_ns, str(h_rec)[:400])
    for name in ("e", "h"):
        api.delete(f"{pods_path}/{name}")

    _step("kubectl-like delete of the node2 Pod")
    o_name, o_ip = other["metadata"]["name"], other["status"]["podIP"]
    check("its host-local reservation exists before the delete",
          _ipam_file(run_dir, "node2", o_ip).exists())
    api.delete(f"{pods_path}/{o_name}", propagation="Background")
    try:
        util.wait_for(lambda: api.get_or_none(f"{pods_path}/{o_name}")
                      is None, 30, f"Pod {o_name} gone", interval=0.3)
        check("deleted Pod object is gone (runtime finished the delete)",
              True)
    except util.WaitTimeout as exc:
        check("deleted Pod object is gone", False, str(exc))
    check("CNI DEL freed the IP (host-local file gone)",
          not _ipam_file(run_dir, "node2", o_ip).exists(), o_ip)
    check("the Pod's netns is gone", not rt.netns_exists(other_ns), other_ns)
    check("the Pod's process is gone", not rt.proc_alive(o_pid, o_ticks),
          str(o_pid))
    check("the runtime forgot the Pod", _state(run_dir, "node2", o_uid)
          is None)

    _step("delete the remaining Pods through the API")
    for name in ("a", same["metadata"]["name"]):
        api.delete(f"{pods_path}/{name}")
    try:
        util.wait_for(lambda: not api.list(
            pods_path, {"labelSelector": "app=asbx-rt-test"}), 30,
            "all test Pods gone", interval=0.3)
        check("all test Pods deleted through their runtimes", True)
    except util.WaitTimeout as exc:
        check("all test Pods deleted through their runtimes", False, str(exc))
    leftovers = [n for n in topology.sandbox_namespaces()
                 if n.startswith("asbx-pod-")]
    check("no Pod netns left", not leftovers, str(leftovers))
    for name in ("node1", "node2"):
        log = pathlib.Path(rt.paths(name, rd)["log_file"]).read_text()
        bad = [line for line in log.splitlines()
               if "Traceback" in line or line.split()[2:3] == ["ERROR"]]
        check(f"{name} runtime log has no errors/tracebacks", not bad,
              "\n".join(bad[:10]))
        relists = [line for line in log.splitlines() if "relisting" in line]
        print(f"    ({name}: {len(relists)} relist(s) after 410)", flush=True)


def _e2e_teardown(run_dir: pathlib.Path, kube: Any, topology: Any) -> None:
    """Stop everything the e2e started; check nothing is left behind."""
    _step("teardown")
    rd = str(run_dir)
    pids = []
    for name in ("node1", "node2"):
        pid = util.read_pid(rt.paths(name, rd)["pid_file"])
        if pid:
            pids.append(pid)
        try:
            report = rt.cleanup(name, rd, cni_del=True)
            if report["pods"]:
                print(f"{name}: cleaned up {report}")
        except Exception as exc:  # noqa: BLE001 - keep tearing down
            check(f"cleanup {name}", False, str(exc))
    try:
        kube.stop_control_plane(rd)
    except Exception as exc:  # noqa: BLE001
        check("stop control plane", False, str(exc))
    try:
        topology.destroy(rd, keep_logs=False)
    except Exception as exc:  # noqa: BLE001
        check("topology destroy", False, str(exc))
    left = [n for n in topology.sandbox_namespaces()
            if n in OUR_NAMESPACES or n.startswith("asbx-pod-")]
    check("teardown: no sandbox namespace left", not left, str(left))
    alive = [p for p in pids if util.pid_alive(p)]
    check("teardown: runtimes stopped", not alive, str(alive))
    shutil.rmtree(run_dir, ignore_errors=True)
    check("teardown: run dir removed", not run_dir.exists(), rd)


def main() -> int:
    """Run the offline checks, then the e2e test unless --offline."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--offline", action="store_true",
                   help="only the checks that need no root/apiserver")
    p.add_argument("--keep", action="store_true",
                   help="e2e: leave the cluster up on failure for debugging")
    args = p.parse_args()
    run_offline()
    if not args.offline:
        try:
            run_e2e(args.keep)
        except Exception:  # noqa: BLE001 - report as a failed check
            check("e2e test completed", False, traceback.format_exc())
    failed = [r for r in RESULTS if not r[1]]
    print(f"\n{len(RESULTS) - len(failed)}/{len(RESULTS)} checks passed",
          flush=True)
    for name, _ok, detail in failed:
        print(f"FAILED: {name}\n  {detail}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
