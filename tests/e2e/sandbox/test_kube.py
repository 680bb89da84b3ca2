#!/usr/bin/python3
"""Self-test of sandbox.kube against a real etcd and kube-apiserver.

Why: the sandbox cluster stands on this control plane, so this proves each
piece the other sandbox modules rely on, for real and in isolation: a
throwaway network namespace asbx-kubetest (lo, and 192.168.77.2/24 on an
interface linked to nothing), the control plane started in it (twice, to
show start is idempotent), kubectl, a Node with podCIDR and status, a Pod
with nodeName and status, the binding subresource, a watch, the
ServiceAccount token flows, and a clean stop.  It leaves nothing behind.

Run as root from tests/e2e:  /usr/bin/python3 -m sandbox.test_kube
Exit status 0 only if every check passed.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import shutil
import sys
import time
import traceback
from typing import Any, Callable

if __package__ in (None, ""):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
    from sandbox import kube, util  # noqa: E402
else:
    from . import kube, util

NETNS = "asbx-kubetest"
RUN_DIR = pathlib.Path("/run/asbx-kubetest")
IP = "192.168.77.2"


class Checks:
    """Counts passed and failed checks and prints each one as it happens."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, ok: Any, detail: str = "") -> bool:
        """Record one check; print PASS/FAIL with detail on failure."""
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""),
                  flush=True)
        return bool(ok)

    def step(self, name: str, fn: Callable[[], Any]) -> Any:
        """Run fn as one check; an exception fails it (and returns None)."""
        try:
            value = fn()
        except Exception as exc:  # noqa: BLE001 - reported as a failure
            self.check(name, False, f"{type(exc).__name__}: {exc}")
            traceback.print_exc()
            return None
        self.check(name, True)
        return value


def kubectl(kubeconfig: pathlib.Path, *args: str, check: bool = True):
    """Run the cached kubectl inside the test namespace."""
    return util.run_in_netns(
        NETNS, [str(kube.kubectl_path()), "--kubeconfig", str(kubeconfig),
                "--request-timeout=15s", *args],
        timeout=30, check=check, what="kubectl " + " ".join(args))


def jwt_claims(token: str) -> dict:
    """Decode (without verifying) a JWT's payload."""
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


def make_netns() -> None:
    """Create asbx-kubetest: lo up, 192.168.77.2/24 on an unlinked device.

    A dummy device when the kernel has one; otherwise a veth pair whose
    both ends stay inside the namespace (same effect: no way out).
    """
    util.run(["ip", "netns", "add", NETNS], what="create netns " + NETNS)
    util.run_in_netns(NETNS, ["ip", "link", "set", "lo", "up"])
    made = util.run_in_netns(NETNS, ["ip", "link", "add", "kt0", "type",
                                     "dummy"], check=False)
    if made.returncode != 0:
        util.run_in_netns(NETNS, ["ip", "link", "add", "kt0", "type", "veth",
                                  "peer", "name", "kt1"])
        util.run_in_netns(NETNS, ["ip", "link", "set", "kt1", "up"])
    util.run_in_netns(NETNS, ["ip", "addr", "add", f"{IP}/24", "dev", "kt0"])
    util.run_in_netns(NETNS, ["ip", "link", "set", "kt0", "up"])


def cleanup(checks: Checks | None = None) -> None:
    """Stop what this (or a crashed) run started; remove the netns and dir."""
    if RUN_DIR.exists():
        kube.stop_control_plane(RUN_DIR)
    if os.path.exists(f"/run/netns/{NETNS}"):
        pids = util.run(["ip", "netns", "pids", NETNS]).stdout.split()
        if checks:
            checks.check("no process left in the namespace", not pids,
                         f"pids {pids}")
        if pids:
            raise RuntimeError(f"processes {pids} still run in {NETNS}; "
                               "not deleting it")
        util.run(["ip", "netns", "del", NETNS], what="delete netns " + NETNS)
    if RUN_DIR.exists():
        shutil.rmtree(RUN_DIR)


def test_objects(c: Checks, k: kube.Kube) -> None:
    """Node, Pod, status subresources, binding, watch, delete."""
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "node1", "labels": {"asbx": "test"}},
            "spec": {"podCIDR": "10.10.1.0/24", "podCIDRs": ["10.10.1.0/24"]}}
    c.step("create Node node1 with podCIDR",
           lambda: k.create("/api/v1/nodes", node))
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    status = {"status": {
        "conditions": [{"type": "Ready", "status": "True",
                        "reason": "SandboxReady", "message": "sandbox node",
                        "lastHeartbeatTime": now,
                        "lastTransitionTime": now}],
        "addresses": [{"type": "InternalIP", "address": "192.168.77.11"},
                      {"type": "Hostname", "address": "node1"}]}}
    c.step("patch Node status (Ready, InternalIP)",
           lambda: k.patch(kube.api_path("nodes", "node1",
                                         subresource="status"),
                           status, "strategic"))
    got = k.get("/api/v1/nodes/node1")
    st = got["status"]
    conds = {x["type"]: x["status"] for x in st.get("conditions", [])}
    addrs = {x["type"]: x["address"] for x in st.get("addresses", [])}
    c.check("Node is Ready with InternalIP and podCIDR",
            conds.get("Ready") == "True"
            and addrs.get("InternalIP") == "192.168.77.11"
            and got["spec"].get("podCIDR") == "10.10.1.0/24", str(st))

    c.step("create namespace asbx-kt", lambda: k.create(
        "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                               "metadata": {"name": "asbx-kt"}}))
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p1", "namespace": "asbx-kt"},
           "spec": {"nodeName": "node1",
                    "containers": [{"name": "c", "image": "busybox",
                                    "command": ["sleep", "3600"]}]}}
    c.step("create Pod p1 with spec.nodeName",
           lambda: k.create("/api/v1/namespaces/asbx-kt/pods", pod))
    pod_status = {"status": {
        "phase": "Running", "podIP": "10.10.1.5",
        "podIPs": [{"ip": "10.10.1.5"}], "hostIP": "192.168.77.11",
        "conditions": [{"type": "Ready", "status": "True"}]}}
    c.step("patch Pod status (Running, podIP)", lambda: k.patch(
        kube.api_path("pods", "p1", namespace="asbx-kt",
                      subresource="status"), pod_status))
    got = k.get("/api/v1/namespaces/asbx-kt/pods/p1")
    c.check("Pod p1 is Running on node1 with podIP",
            got["status"].get("phase") == "Running"
            and got["status"].get("podIP") == "10.10.1.5"
            and got["spec"].get("nodeName") == "node1", str(got["status"]))

    # Binding and watch: events after the list's resourceVersion.
    pods = k.get("/api/v1/namespaces/asbx-kt/pods")
    rv = pods["metadata"]["resourceVersion"]
    pod2 = json.loads(json.dumps(pod))
    pod2["metadata"]["name"] = "p2"
    del pod2["spec"]["nodeName"]
    c.step("create unscheduled Pod p2", lambda: k.create(
        "/api/v1/namespaces/asbx-kt/pods", pod2))
    c.step("bind p2 to node1 (binding subresource)", lambda: k.create(
        kube.api_path("pods", "p2", namespace="asbx-kt",
                      subresource="binding"),
        {"apiVersion": "v1", "kind": "Binding",
         "metadata": {"name": "p2", "namespace": "asbx-kt"},
         "target": {"apiVersion": "v1", "kind": "Node", "name": "node1"}}))
    c.check("p2 is bound to node1",
            k.get("/api/v1/namespaces/asbx-kt/pods/p2")["spec"].get(
                "nodeName") == "node1")
    seen = []
    started = time.monotonic()
    for ev in k.watch("/api/v1/namespaces/asbx-kt/pods", resource_version=rv,
                      timeout_seconds=5):
        obj = ev.get("object") or {}
        seen.append((ev.get("type"), obj.get("metadata", {}).get("name"),
                     (obj.get("spec") or {}).get("nodeName")))
        if ("MODIFIED", "p2", "node1") in seen:
            break
    c.check("watch sees p2 ADDED then bound (MODIFIED)",
            ("ADDED", "p2", None) in seen
            and ("MODIFIED", "p2", "node1") in seen
            and time.monotonic() - started < 10, str(seen))
    n = len(k.list("/api/v1/pods", {"labelSelector": None}, limit=1))
    c.check("list follows continue tokens (limit=1)", n == 2, f"{n} pods")

    for name in ("p1", "p2"):
        c.step(f"delete Pod {name} with grace period 0", lambda name=name:
               k.delete(f"/api/v1/namespaces/asbx-kt/pods/{name}",
                        grace_period=0, missing_ok=False))
    c.check("Pods are gone", not k.list("/api/v1/namespaces/asbx-kt/pods"))
    c.check("deleting a missing Pod is fine (missing_ok)",
            k.delete("/api/v1/namespaces/asbx-kt/pods/p1") is False)
    status_code, body = k.request("GET",
                                  "/api/v1/namespaces/asbx-kt/pods/nope")
    c.check("request() returns 404 and a Status for a missing object",
            status_code == 404 and isinstance(body, dict)
            and body.get("reason") == "NotFound", f"{status_code} {body}")


def test_service_accounts(c: Checks, k: kube.Kube) -> None:
    """TokenRequest and self-signed legacy tokens; RBAC limits both."""
    rules = [{"apiGroups": [""], "resources": ["pods", "nodes"],
              "verbs": ["get", "list", "watch"]}]
    for method, name in (("tokenrequest", "asbx-kt-agent"),
                         ("legacy", "asbx-kt-controller")):
        cfg = c.step(f"ServiceAccount kubeconfig via {method}",
                     lambda method=method, name=name:
                     kube.service_account_kubeconfig(
                         RUN_DIR, "kube-system", name, rules, method=method))
        if cfg is None:
            continue
        token = (RUN_DIR / "kube" / f"sa-kube-system-{name}.token") \
            .read_text().strip()
        iss = jwt_claims(token).get("iss")
        c.check(f"{method} token issuer",
                iss == (kube.SA_ISSUER if method == "tokenrequest"
                        else kube.LEGACY_SA_ISSUER), str(iss))
        if method == "tokenrequest":
            head = token.split(".")[0]
            head += "=" * (-len(head) % 4)
            kid = json.loads(base64.urlsafe_b64decode(head)).get("kid")
            c.check("the apiserver's kid is the one we sign with",
                    kid == kube._key_id(RUN_DIR / "kube" / "pki" / "sa.key"),
                    str(kid))
        out = kubectl(cfg, "get", "pods", "-A", check=False)
        c.check(f"kubectl as {name}: get pods allowed", out.returncode == 0,
                out.stderr)
        out = kubectl(cfg, "get", "secrets", "-A", check=False)
        c.check(f"kubectl as {name}: get secrets forbidden",
                out.returncode != 0 and "forbidden" in out.stderr.lower(),
                out.stderr)
        sa = kube.Kube.from_kubeconfig(cfg, netns=NETNS)
        st, _ = sa.request("DELETE", "/api/v1/nodes/node1")
        c.check(f"Kube client as {name}: delete node -> 403", st == 403,
                str(st))
    # Running it again (say on a second `cluster up`) updates, not fails.
    rules2 = rules + [{"apiGroups": [""], "resources": ["secrets"],
                       "verbs": ["list"]}]
    cfg = c.step("ServiceAccount kubeconfig again with more rules",
                 lambda: kube.service_account_kubeconfig(
                     RUN_DIR, "kube-system", "asbx-kt-agent", rules2))
    if cfg:
        out = kubectl(cfg, "get", "secrets", "-A", check=False)
        c.check("updated rules apply (get secrets allowed now)",
                out.returncode == 0, out.stderr)


def main() -> int:
    """Run every check; always clean up; exit 0 only if all passed."""
    if os.geteuid() != 0:
        print("test_kube: must run as root (network namespaces)",
              file=sys.stderr)
        return 2
    c = Checks()
    try:
        cleanup()
        c.step("kube binaries built (build-kube.sh)",
               kube.ensure_kube_binaries)
        c.step("create network namespace " + NETNS, make_netns)
        t0 = time.monotonic()
        plane = c.step("start etcd and kube-apiserver",
                       lambda: kube.start_control_plane(RUN_DIR, NETNS, IP))
        if plane is None:
            raise RuntimeError("no control plane: the remaining checks "
                               "cannot run")
        print(f"  control plane ready in {time.monotonic() - t0:.1f}s",
              flush=True)
        t0 = time.monotonic()
        again = c.step("start again is a no-op",
                       lambda: kube.start_control_plane(RUN_DIR, NETNS, IP))
        c.check("same daemons after the second start",
                again is not None
                and again.apiserver_pid == plane.apiserver_pid
                and again.etcd_pid == plane.etcd_pid
                and time.monotonic() - t0 < 5)
        c.check("control_plane_running() is true",
                kube.control_plane_running(RUN_DIR))
        k = plane.admin()
        ver = k.get("/version")
        c.check("apiserver is v1.20.2", ver.get("gitVersion") == "v1.20.2",
                str(ver))
        out = kubectl(plane.admin_kubeconfig, "get", "ns", check=False)
        c.check("kubectl get ns (admin kubeconfig)",
                out.returncode == 0 and "kube-system" in out.stdout
                and "default" in out.stdout, out.stdout + out.stderr)
        st, _ = k.with_token("not-a-token").request("GET", "/api/v1/nodes")
        c.check("a wrong token gets 401", st == 401, str(st))
        test_objects(c, k)
        test_service_accounts(c, k)
        stopped = kube.stop_control_plane(RUN_DIR)
        c.check("stop stops both daemons",
                stopped == {"kube-apiserver": True, "etcd": True},
                str(stopped))
        c.check("daemons are gone",
                not util.pid_alive(plane.apiserver_pid)
                and not util.pid_alive(plane.etcd_pid))
        stopped = kube.stop_control_plane(RUN_DIR)
        c.check("stop again is a no-op",
                stopped == {"kube-apiserver": False, "etcd": False},
                str(stopped))
        c.check("control_plane_running() is false",
                not kube.control_plane_running(RUN_DIR))
    except Exception as exc:  # noqa: BLE001 - counted, then cleanup
        c.check("test ran to the end", False, f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
    finally:
        try:
            cleanup(c)
            c.check("namespace and run directory removed",
                    not os.path.exists(f"/run/netns/{NETNS}")
                    and not RUN_DIR.exists())
        except Exception as exc:  # noqa: BLE001
            c.check("cleanup", False, str(exc))
    print(f"{c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
