# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""The model's objects on the sandbox cluster, and the cases' actions.

Owns Namespaces x, y, z and their Pods a, b, c (each running server.py,
placed round-robin over the Nodes so that traffic crosses Nodes as well as
staying on one), the NetworkPolicies of those namespaces, and the labels
the cases change.  Everything goes through the sandbox's REST client
(sandbox.kube.Kube, admin identity, inside the control-plane namespace).
The same actions are applied to a model.World so the oracle follows the
cluster.  setup() is idempotent and reuses Running Pods, so a second run
costs nothing; reset() brings policies and labels back to the model's
start between cases.
"""

from __future__ import annotations

import copy
import json
import pathlib
import re
import time
from typing import Any, Optional

from sandbox import kube
from sandbox import runtime as sbx_runtime

from netpol import model

SERVER = pathlib.Path(__file__).resolve().parent / "server.py"
PYTHON = "/usr/bin/python3"
NETPOL_GROUP = "networking.k8s.io"


class WorkloadError(RuntimeError):
    """A cluster operation of the suite failed; the message says which."""


def netpol_path(ns: str, name: Optional[str] = None) -> str:
    """/apis/networking.k8s.io/v1/namespaces/NS/networkpolicies[/NAME]."""
    return kube.api_path("networkpolicies", name, namespace=ns,
                         group=NETPOL_GROUP)


def substitute(obj: Any, ips: dict[str, str]) -> Any:
    """A copy of obj with every "{ip:NS/POD}" replaced by that Pod's IP."""
    if isinstance(obj, dict):
        return {k: substitute(v, ips) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [substitute(v, ips) for v in obj]
    if isinstance(obj, str):
        def ip(m: re.Match) -> str:
            if m.group(1) not in ips:
                raise WorkloadError(f"{obj!r}: no Pod {m.group(1)}")
            return ips[m.group(1)]
        return re.sub(r"\{ip:([^}]+)\}", ip, obj)
    return obj


def pod_manifest(pod: str, node: str) -> dict[str, Any]:
    """Pod NS/NAME of the model: labels, named ports, server command."""
    ns, name = pod.split("/", 1)
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns,
                     "labels": model.default_pod_labels(pod)},
        "spec": {
            "nodeName": node,
            "terminationGracePeriodSeconds": 1,
            "containers": [{
                "name": "server", "image": "sandbox/none",
                "command": [PYTHON, str(SERVER), "--name", pod,
                            "--ports", ",".join(map(str, model.PORTS))],
                "ports": model.container_ports(),
            }],
        },
    }


def merged_labels(current: dict[str, str],
                  change: dict[str, Optional[str]]) -> dict[str, str]:
    """current with change merged in (None removes a key)."""
    out = dict(current)
    for k, v in change.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


class Workload:
    """The model on the cluster."""

    def __init__(self, client: Optional[kube.Kube] = None) -> None:
        # The admin REST client (inside the control-plane namespace).
        self.kube = client or kube.Kube.from_run_dir()
        # "ns/pod" -> its IP, once setup() saw the Pods Running.
        self.ips: dict[str, str] = {}
        # "ns/pod" -> its network namespace.
        self.netns: dict[str, str] = {}
        # "ns/pod" -> the Node it runs on.
        self.nodes: dict[str, str] = {}

    # ------------------------------------------------------------ setup

    def node_names(self) -> list[str]:
        """The cluster's Nodes, sorted."""
        nodes = sorted(n["metadata"]["name"]
                       for n in self.kube.list(kube.api_path("nodes")))
        if not nodes:
            raise WorkloadError("the cluster has no Node")
        return nodes

    def setup(self, timeout: float = 120.0) -> None:
        """Creates what is missing (Namespaces, Pods), waits until every
        Pod is Running with an IP and its network namespace."""
        nodes = self.node_names()
        for ns in model.NAMESPACES:
            self.kube.create(kube.api_path("namespaces"), {
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns,
                             "labels": model.default_ns_labels(ns)}},
                exist_ok=True)
        for i, pod in enumerate(model.ALL_PODS):
            ns, name = pod.split("/", 1)
            path = kube.api_path("pods", name, namespace=ns)
            current = self.kube.get_or_none(path)
            if current and not self._reusable(current):
                self._delete_pod(pod, timeout)
                current = None
            if not current:
                self.kube.create(kube.api_path("pods", namespace=ns),
                                 pod_manifest(pod, nodes[i % len(nodes)]))
        deadline = time.monotonic() + timeout
        for pod in model.ALL_PODS:
            self._wait_running(pod, deadline)
        self.reset()

    @staticmethod
    def _reusable(obj: dict[str, Any]) -> bool:
        """A Pod of an earlier run that still serves: not being deleted,
        not finished, running this server.py."""
        if obj["metadata"].get("deletionTimestamp"):
            return False
        if obj.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            return False
        containers = obj["spec"].get("containers") or [{}]
        return str(SERVER) in (containers[0].get("command") or [])

    def _wait_running(self, pod: str, deadline: float) -> None:
        """Waits for Running + podIP + netns; records them."""
        ns, name = pod.split("/", 1)
        path = kube.api_path("pods", name, namespace=ns)
        last: Any = None
        while time.monotonic() < deadline:
            obj = self.kube.get_or_none(path)
            last = obj and obj.get("status")
            if obj and last.get("phase") == "Running" and last.get("podIP"):
                node = obj["spec"]["nodeName"]
                netns = sbx_runtime.netns_name(node, obj["metadata"]["uid"])
                if pathlib.Path("/run/netns", netns).exists():
                    self.ips[pod] = last["podIP"]
                    self.netns[pod] = netns
                    self.nodes[pod] = node
                    return
            if obj and last and last.get("phase") in ("Succeeded", "Failed"):
                break
            time.sleep(0.5)
        raise WorkloadError(f"Pod {pod} is not Running with an IP: status "
                            f"{json.dumps(last)[:600]}")

    def _delete_pod(self, pod: str, timeout: float) -> None:
        """Deletes a Pod and waits until the runtime finished it."""
        ns, name = pod.split("/", 1)
        path = kube.api_path("pods", name, namespace=ns)
        self.kube.delete(path)
        deadline = time.monotonic() + timeout
        while self.kube.get_or_none(path):
            if time.monotonic() > deadline:
                raise WorkloadError(f"Pod {pod} still exists {timeout:g} s "
                                    "after its deletion")
            time.sleep(0.5)

    def teardown(self, timeout: float = 120.0) -> None:
        """Deletes the Pods, policies and Namespaces of the model.  The
        sandbox has no namespace controller, so the Namespaces are
        finalized here once they are empty."""
        for pod in model.ALL_PODS:
            self._delete_pod(pod, timeout)
        self.delete_all_policies()
        for ns in model.NAMESPACES:
            path = kube.api_path("namespaces", ns)
            if not self.kube.delete(path):
                continue
            obj = self.kube.get_or_none(path)
            if obj:
                obj.setdefault("spec", {})["finalizers"] = []
                self.kube.replace(path + "/finalize", obj)

    # ------------------------------------------------------------ state

    def delete_all_policies(self) -> None:
        """Deletes every NetworkPolicy of x, y and z."""
        for ns in model.NAMESPACES:
            for p in self.kube.list(netpol_path(ns)):
                self.kube.delete(netpol_path(ns, p["metadata"]["name"]))

    def _set_labels(self, path: str, labels: dict[str, str]) -> bool:
        """Makes an object's labels exactly `labels`; True if it changed
        anything."""
        obj = self.kube.get(path)
        current = obj["metadata"].get("labels") or {}
        if current == labels:
            return False
        patch: dict[str, Any] = {k: None for k in current if k not in labels}
        patch.update(labels)
        self.kube.patch(path, {"metadata": {"labels": patch}})
        return True

    def reset(self) -> None:
        """No policy in x, y, z; every label as the model starts."""
        self.delete_all_policies()
        for ns in model.NAMESPACES:
            self._set_labels(kube.api_path("namespaces", ns),
                             model.default_ns_labels(ns))
        for pod in model.ALL_PODS:
            ns, name = pod.split("/", 1)
            self._set_labels(kube.api_path("pods", name, namespace=ns),
                             model.default_pod_labels(pod))

    # ------------------------------------------------------------ actions

    def apply(self, action: tuple, world: model.World,
              cluster: bool = True) -> str:
        """Applies one case action to the cluster (unless not 'cluster':
        then to the model only, what framecheck needs to expect a policy
        the cluster does not have) and to world; answers a one-line
        description."""
        kind = action[0]
        if not cluster:
            if kind not in ("create", "update"):
                raise WorkloadError(f"model-only action {kind!r}: only "
                                    "create and update are supported")
            ns, policy = action[1], substitute(action[2], self.ips)
            world.policies[(ns, policy["metadata"]["name"])] = policy
            return (f"{kind} NetworkPolicy {ns}/{policy['metadata']['name']}"
                    " (in the model only)")
        if kind in ("create", "update"):
            ns, policy = action[1], substitute(action[2], self.ips)
            name = policy["metadata"]["name"]
            body = copy.deepcopy(policy)
            body["metadata"]["namespace"] = ns
            if kind == "create":
                self.kube.create(netpol_path(ns), body)
            else:
                old = self.kube.get(netpol_path(ns, name))
                body["metadata"]["resourceVersion"] = \
                    old["metadata"]["resourceVersion"]
                self.kube.replace(netpol_path(ns, name), body)
            world.policies[(ns, name)] = policy
            return f"{kind} NetworkPolicy {ns}/{name}"
        if kind == "delete":
            ns, name = action[1], action[2]
            self.kube.delete(netpol_path(ns, name), missing_ok=False)
            world.policies.pop((ns, name), None)
            return f"delete NetworkPolicy {ns}/{name}"
        if kind == "delete-all":
            self.delete_all_policies()
            world.policies.clear()
            return "delete every NetworkPolicy of x, y, z"
        if kind == "label-ns":
            ns, change = action[1], action[2]
            world.ns_labels[ns] = merged_labels(world.ns_labels[ns], change)
            self._set_labels(kube.api_path("namespaces", ns),
                             world.ns_labels[ns])
            return f"label Namespace {ns} {change}"
        if kind == "label-pod":
            pod, change = model.validate_pod(action[1]), action[2]
            ns, name = pod.split("/", 1)
            world.pod_labels[pod] = merged_labels(world.pod_labels[pod],
                                                  change)
            self._set_labels(kube.api_path("pods", name, namespace=ns),
                             world.pod_labels[pod])
            return f"label Pod {pod} {change}"
        raise WorkloadError(f"unknown action {action!r}")
