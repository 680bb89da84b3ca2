#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""End-to-end test of antctl on the sandbox cluster (docs/antctl.md).

`cluster up --nodes 2 --cni antrea` (geneve), a Pod on each Node and a
NetworkPolicy selecting the Pod on node1.  Then, with the antctl of the
build tree:

- agent mode on node1 (`cluster node-exec node1 -- antctl ...`, which
  points antctl at that Node's agent socket): version, get networkpolicy,
  appliedtogroup, addressgroup, agentinfo, podinterface, ovsflows (of a
  Pod, of a NetworkPolicy, of a table) in table, json and yaml, each
  answering with what the cluster really holds; trace-packet between the
  two Pods; log-level; supportbundle writing its tarball;
- controller mode from the control-plane namespace (the admin
  kubeconfig, the controller's address and CA): version, get
  controllerinfo, networkpolicy, appliedtogroup, addressgroup in the three
  formats, with the policy's span;
- a stopped agent and a stopped controller: antctl fails at once (exit 1,
  bounded) with a message naming the component.

Takes the sandbox lock unless ANTREA_SANDBOX_LOCKED is set (run-e2e.sh
holds it); brings the cluster down at the end.  Needs root and a build
tree (exit 77 otherwise).
"""

import json
import pathlib
import subprocess
import sys
import tempfile
import time

E2E = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(E2E))

from sandbox import cluster as sbx  # noqa: E402
from sandbox import util  # noqa: E402
import e2e_main  # noqa: E402
import test_antrea as ta  # noqa: E402
from test_sandbox import CLUSTER  # noqa: E402

check = ta.check
failures = ta.failures
FORMATS = ("table", "json", "yaml")
# A stopped component must make antctl fail well within this (it bounds
# connecting by 5 s).
FAIL_FAST_SECONDS = 15

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ac-policy, namespace: default}
spec:
  podSelector: {matchLabels: {app: ac-1}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: ac-2}}
"""


def antctl_path() -> str:
    """antctl of the build tree the cluster runs."""
    return str(sbx.find_build_dir() / "core" / "antctl" / "antctl")


def agent_antctl(*args: str) -> subprocess.CompletedProcess:
    """antctl in agent mode on node1."""
    return ta.node_exec("node1", antctl_path(), *args)


def controller_antctl(*args: str, timeout: int = 60
                      ) -> subprocess.CompletedProcess:
    """antctl in controller mode, run in the control-plane namespace."""
    run = util.run_dir()
    return subprocess.run(
        ["ip", "netns", "exec", sbx.CONTROL_PLANE_NS, antctl_path(),
         "--mode", "controller",
         "-k", str(run / "kube" / "admin.kubeconfig"),
         "--server", sbx.controller_url(),
         "--ca", str(sbx.controller_paths()["ca"]), *args],
        capture_output=True, text=True, timeout=timeout)


def formats_check(who: str, run, args: tuple, expect) -> None:
    """Runs antctl ARGS in every output format; checks rc 0, that json
    parses, that every format holds the strings expect(json) names."""
    p = run("-o", "json", *args)
    try:
        doc = json.loads(p.stdout) if p.returncode == 0 else None
    except ValueError:
        doc = None
    if not check(doc is not None, f"{who} {' '.join(args)} -o json",
                 p.stdout[-800:] + p.stderr):
        return
    wanted = expect(doc)
    for fmt in FORMATS:
        p = run("-o", fmt, *args)
        missing = [w for w in wanted if w not in p.stdout]
        check(p.returncode == 0 and p.stdout.strip() and not missing,
              f"{who} {' '.join(args)} -o {fmt}: shows {', '.join(wanted)}",
              f"rc {p.returncode}, missing {missing}: {p.stdout[-800:]} "
              f"{p.stderr}")


def items(doc) -> list:
    """A list answer, or the items of a list object."""
    if isinstance(doc, list):
        return doc
    return doc.get("items", []) if isinstance(doc, dict) else []


def name_of(obj: dict) -> str:
    """An object's name in antctl's JSON."""
    return obj.get("name") or obj.get("metadata", {}).get("name", "")


def wait_policy_on_node1() -> str:
    """Waits until node1's agent enforces ac-policy; answers the internal
    NetworkPolicy's name."""
    found = {}

    def enforced() -> bool:
        p = agent_antctl("-o", "json", "get", "networkpolicy")
        try:
            nps = items(json.loads(p.stdout)) if p.returncode == 0 else []
        except ValueError:
            return False
        for np in nps:
            if "ac-policy" in json.dumps(np):
                found["name"] = name_of(np)
                return True
        return False
    util.wait_for(enforced, 90, "node1's agent to enforce ac-policy",
                  interval=1)
    return found["name"]


def agent_checks(ip: dict) -> None:
    """Every agent-mode command on node1."""
    np_name = wait_policy_on_node1()
    check(bool(np_name), "node1 enforces ac-policy", np_name)
    formats_check("agent", agent_antctl, ("version",),
                  lambda d: ["agentVersion", d["agentVersion"]])
    formats_check("agent", agent_antctl, ("get", "networkpolicy"),
                  lambda d: [np_name])
    formats_check("agent", agent_antctl, ("get", "appliedtogroup"),
                  lambda d: [name_of(items(d)[0]), "ac-1"])
    formats_check("agent", agent_antctl, ("get", "addressgroup"),
                  lambda d: [ip["ac-2"]])
    formats_check("agent", agent_antctl, ("get", "agentinfo"),
                  lambda d: ["node1", "br-int"])
    formats_check("agent", agent_antctl,
                  ("get", "podinterface", "-n", "default"),
                  lambda d: ["ac-1", ip["ac-1"]])
    formats_check("agent", agent_antctl,
                  ("get", "ovsflows", "-n", "default", "-p", "ac-1"),
                  lambda d: [ip["ac-1"]])
    formats_check("agent", agent_antctl,
                  ("get", "ovsflows", "--networkpolicy", np_name),
                  lambda d: ["conjunction"])
    formats_check("agent", agent_antctl,
                  ("get", "ovsflows", "-T", "IngressRule"),
                  lambda d: ["conj"])

    p = agent_antctl("trace-packet", "-S", "default/ac-1", "-D", ip["ac-2"])
    check(p.returncode == 0 and "Final flow" in p.stdout,
          "agent trace-packet default/ac-1 -> ac-2's IP",
          p.stdout[-800:] + p.stderr)
    p = agent_antctl("log-level")
    check(p.returncode == 0 and p.stdout.strip(), "agent log-level",
          p.stdout + p.stderr)
    with tempfile.TemporaryDirectory(prefix="atest-antctl-bundle-") as d:
        p = agent_antctl("supportbundle", "-d", d)
        tars = list(pathlib.Path(d).glob("agent-node1-supportbundle.tar"))
        check(p.returncode == 0 and tars and tars[0].stat().st_size > 0,
              "agent supportbundle writes agent-node1-supportbundle.tar",
              p.stdout + p.stderr)


def controller_checks(ip: dict) -> None:
    """Every controller-mode command."""
    formats_check("controller", controller_antctl, ("version",),
                  lambda d: ["controllerVersion", d["controllerVersion"]])
    formats_check("controller", controller_antctl,
                  ("get", "controllerinfo"), lambda d: ["2"])
    formats_check("controller", controller_antctl,
                  ("get", "networkpolicy"), lambda d: ["ac-policy", "node1"])
    formats_check("controller", controller_antctl,
                  ("get", "appliedtogroup"),
                  lambda d: [name_of(items(d)[0]), "ac-1", "node1"])
    formats_check("controller", controller_antctl,
                  ("get", "addressgroup"), lambda d: [ip["ac-2"]])


def stopped_checks() -> None:
    """antctl against a stopped agent, then a stopped controller."""
    util.stop_daemon(sbx.agent_paths(1)["pid_file"], timeout=15.0,
                     expect="antrea-agent")
    t0 = time.monotonic()
    p = agent_antctl("get", "agentinfo")
    took = time.monotonic() - t0
    check(p.returncode == 1 and "antrea-agent" in p.stderr
          and took < FAIL_FAST_SECONDS,
          f"a stopped agent: antctl fails at once naming it ({took:.1f} s)",
          f"rc {p.returncode}: {p.stderr}")
    sbx.stop_controller()
    t0 = time.monotonic()
    p = controller_antctl("get", "controllerinfo")
    took = time.monotonic() - t0
    check(p.returncode == 1 and "antrea-controller" in p.stderr
          and took < FAIL_FAST_SECONDS,
          f"a stopped controller: antctl fails at once naming it "
          f"({took:.1f} s)", f"rc {p.returncode}: {p.stderr}")


def body() -> None:
    info = e2e_main.cluster_up(check, "--nodes", "2", "--cni", "antrea")
    pods = ta.start_pods(info, {"ac-1": "node1", "ac-2": "node2"})
    ip = {n: p["status"]["podIP"] for n, p in pods.items()}
    for name in pods:
        p = subprocess.run(CLUSTER + ["kubectl", "label", "pod", name,
                                      f"app={name}", "--overwrite"],
                           capture_output=True, text=True, timeout=60)
        check(p.returncode == 0, f"label {name}", p.stderr)
    p = subprocess.run(CLUSTER + ["kubectl", "apply", "-f", "-"],
                       input=POLICY, capture_output=True, text=True,
                       timeout=60)
    check(p.returncode == 0, "kubectl apply NetworkPolicy ac-policy",
          p.stderr)
    agent_checks(ip)
    controller_checks(ip)
    stopped_checks()


def main() -> int:
    return e2e_main.run("test_antctl", body, check, failures)


if __name__ == "__main__":
    sys.exit(main())
