#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""End-to-end test of the sandbox cluster, driven through its CLI as a
user would: up with three Nodes, Pods in two namespaces become Running
with addresses from their Node's podCIDR, Pods reach each other across
Nodes and reach the external host, deleting a Pod runs CNI DEL and frees
its address, a restarted runtime keeps its Pods, and `down` leaves no
namespace, process, veth, mount or iptables rule behind; then up again.

Exit status 0 only if every check passed.  Needs root.
"""

import ipaddress
import json
import os
import pathlib
import subprocess
import sys
import time

E2E = pathlib.Path(__file__).resolve().parent
CLUSTER = [str(E2E / "cluster")]
sys.path.insert(0, str(E2E))

from sandbox import util  # noqa: E402

failures = []


def check(ok: bool, what: str, detail: str = "") -> bool:
    """Records one check and prints it."""
    print(f"{'ok  ' if ok else 'FAIL'} {what}"
          f"{(': ' + detail) if detail and not ok else ''}", flush=True)
    if not ok:
        failures.append(what)
    return ok


def cluster(*args: str, timeout: float = 600, check_rc: bool = True
            ) -> subprocess.CompletedProcess:
    """Runs `cluster ARGS`, returning its output."""
    p = subprocess.run(CLUSTER + list(args), capture_output=True, text=True,
                       timeout=timeout)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"cluster {' '.join(args)} failed "
                           f"({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def kubectl_json(*args: str) -> dict:
    return json.loads(cluster("kubectl", *args, "-o", "json").stdout)


def host_snapshot() -> dict:
    """What the host looks like outside the sandbox, to compare after
    `down`: namespaces, root-namespace links, netns mounts, iptables."""
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True,
                           text=True).stdout
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True,
                           text=True).stdout
    mounts = [line for line in open("/proc/self/mountinfo")
              if "asbx" in line]
    rules = subprocess.run(["iptables-save"], capture_output=True,
                           text=True).stdout if _have("iptables-save") else ""
    return {
        "netns": sorted(n.split()[0] for n in netns.splitlines()
                        if n.startswith("asbx-")),
        "links": sorted(line.split(":")[1].strip().split("@")[0]
                        for line in links.splitlines()),
        "mounts": mounts,
        "iptables": [r for r in rules.splitlines()
                     if not r.startswith("#") and not r.startswith(":")],
    }


def _have(program: str) -> bool:
    return any(os.access(os.path.join(d, program), os.X_OK)
               for d in os.environ.get("PATH", "").split(":"))


def sandbox_pids() -> list[int]:
    """Pids of processes whose command line mentions the run directory."""
    run = str(util.run_dir())
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = open(f"/proc/{entry}/cmdline", "rb").read()
        except OSError:
            continue
        if run.encode() in cmd and int(entry) != os.getpid():
            pids.append(int(entry))
    return pids


POD_TEMPLATE = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}, labels: {{app: {name}}}}}
spec:
  {node}
  containers:
  - name: main
    image: sandbox/none
    command: [sleep, "3600"]
"""


def create_pod(ns: str, name: str, node: str = "") -> None:
    spec = POD_TEMPLATE.format(name=name, ns=ns,
                               node=f"nodeName: {node}" if node else "")
    p = subprocess.run(CLUSTER + ["kubectl", "apply", "-f", "-"],
                       input=spec, capture_output=True, text=True,
                       timeout=60)
    if p.returncode:
        raise RuntimeError(f"creating Pod {ns}/{name}: {p.stderr}")


def wait_running(ns: str, name: str, timeout: float = 60) -> dict:
    def running():
        pod = kubectl_json("get", "pod", "-n", ns, name)
        if pod.get("status", {}).get("phase") == "Running" and \
                pod["status"].get("podIP"):
            return pod
        return None
    return util.wait_for(running, timeout, f"Pod {ns}/{name} Running",
                         interval=0.5)


def main() -> int:
    if os.geteuid() != 0:
        print("test_sandbox: needs root", file=sys.stderr)
        return 77
    if util.run_dir().joinpath("state.json").exists():
        print("test_sandbox: a sandbox cluster is running; not touching it",
              file=sys.stderr)
        return 2

    before = host_snapshot()
    try:
        run_checks()
    except Exception as e:  # noqa: BLE001 - report any failure, then clean
        check(False, "the test ran to the end", repr(e))
        print(f"logs: {util.run_dir() / 'logs'}", flush=True)
    finally:
        down = cluster("down", check_rc=False)
        check(down.returncode == 0, "cluster down", down.stderr)

    after = host_snapshot()
    check(after["netns"] == [], "down leaves no asbx namespace",
          str(after["netns"]))
    check(after["links"] == before["links"],
          "down leaves the root namespace's links as they were",
          str(set(after["links"]) ^ set(before["links"])))
    check(after["mounts"] == [], "down leaves no netns mount",
          "".join(after["mounts"]))
    check(after["iptables"] == before["iptables"],
          "down leaves the root namespace's iptables rules as they were")
    check(sandbox_pids() == [], "down leaves no sandbox process",
          str(sandbox_pids()))
    check(not util.run_dir().exists(), "down removes the run directory")

    # up works again after down.
    try:
        cluster("up", "--nodes", "1", "--cni", "reference", timeout=900)
        pod = None
        create_pod("default", "again", "node1")
        pod = wait_running("default", "again")
        check(bool(pod), "up works again after down")
    except Exception as e:  # noqa: BLE001
        check(False, "up works again after down", repr(e))
    finally:
        cluster("down", check_rc=False)
    check(host_snapshot()["netns"] == [], "second down leaves nothing")

    print(f"\n{len(failures)} failure(s)" if failures else "\nPASS")
    return 1 if failures else 0


def run_checks() -> None:
    t0 = time.monotonic()
    cluster("up", "--nodes", "3", "--cni", "reference", timeout=1800)
    check(True, f"cluster up --nodes 3 --cni reference "
          f"({time.monotonic() - t0:.0f} s)")
    info = json.loads(cluster("info").stdout)
    check(len(info["nodes"]) == 3, "info lists three Nodes")
    for key in ("agentKubeconfig", "controllerKubeconfig"):
        check(os.path.exists(info[key]), f"{key} written")
    # The agent's identity may read Nodes but not Secrets.
    agent = subprocess.run(CLUSTER + ["kubectl", "--kubeconfig",
                                      info["agentKubeconfig"], "get",
                                      "nodes", "-o", "name"],
                           capture_output=True, text=True, timeout=60)
    check(agent.returncode == 0 and agent.stdout.count("node/") == 3,
          "the agent's ServiceAccount lists Nodes", agent.stderr)
    agent = subprocess.run(CLUSTER + ["kubectl", "--kubeconfig",
                                      info["agentKubeconfig"], "get",
                                      "secrets", "-A"],
                           capture_output=True, text=True, timeout=60)
    check(agent.returncode != 0 and "forbidden" in agent.stderr,
          "the agent's ServiceAccount may not read Secrets", agent.stderr)

    nodes = kubectl_json("get", "nodes")["items"]
    check(len(nodes) == 3, "three Node objects")
    for n in nodes:
        conds = {c["type"]: c["status"] for c in n["status"]["conditions"]}
        check(conds.get("Ready") == "True",
              f"{n['metadata']['name']} is Ready")
        check(bool(n["spec"].get("podCIDR")),
              f"{n['metadata']['name']} has a podCIDR")
    status = cluster("status", check_rc=False)
    check(status.returncode == 0, "cluster status: all components up",
          status.stdout)

    # Pods in two namespaces, pinned and scheduled by the binder.
    cluster("kubectl", "create", "namespace", "demo")
    create_pod("default", "a", "node1")
    create_pod("default", "b", "node2")
    create_pod("demo", "c", "node3")
    create_pod("demo", "d")
    pods = {}
    for ns, name in (("default", "a"), ("default", "b"), ("demo", "c"),
                     ("demo", "d")):
        pod = wait_running(ns, name)
        pods[name] = pod
        node = pod["spec"]["nodeName"]
        cidr = next(x["podCIDR"] for x in info["nodes"] if x["name"] == node)
        check(ipaddress.ip_address(pod["status"]["podIP"])
              in ipaddress.ip_network(cidr),
              f"Pod {name} on {node} has {pod['status']['podIP']} "
              f"from {cidr}")
    check(bool(pods["d"]["spec"].get("nodeName")),
          "an unscheduled Pod was bound to a Node")

    # Connectivity: across Nodes, and to the external host.
    for src, dst in (("default/a", "b"), ("default/a", "c"),
                     ("demo/c", "a"), ("demo/d", "b")):
        ip = pods[dst]["status"]["podIP"]
        p = cluster("exec", src, "--", "ping", "-c", "2", "-W", "2", ip,
                    check_rc=False, timeout=30)
        check(p.returncode == 0, f"{src} pings Pod {dst} ({ip})", p.stdout)
    ext = info["external"]["ip"]
    p = cluster("exec", "default/b", "--", "ping", "-c", "2", "-W", "2", ext,
                check_rc=False, timeout=30)
    check(p.returncode == 0, f"Pod b pings the external host {ext}",
          p.stdout)

    # A restarted runtime keeps its Pods.
    run = util.run_dir()
    pid_file = run / "nodes" / "node2" / "runtime" / "runtime.pid"
    old_pid = util.read_pid(pid_file)
    util.stop_daemon(pid_file, expect="sandbox.runtime")
    # idempotent: restarts what is down
    cluster("up", "--nodes", "3", "--cni", "reference")
    new_pid = util.read_pid(pid_file)
    check(new_pid is not None and new_pid != old_pid,
          "up restarts a stopped runtime")
    time.sleep(2)
    pod_b = kubectl_json("get", "pod", "-n", "default", "b")
    check(pod_b["status"].get("podIP") == pods["b"]["status"]["podIP"]
          and pod_b["status"].get("phase") == "Running",
          "the Pod of a restarted runtime keeps running with its IP")

    # Deleting a Pod runs CNI DEL and frees its address.
    ip_b = pods["b"]["status"]["podIP"]
    store = run / "nodes" / "node2" / "cni" / "ipam" / "sandbox" / ip_b
    check(store.exists(), f"host-local holds {ip_b} while b runs")
    cluster("kubectl", "delete", "pod", "-n", "default", "b", "--wait=false")
    util.wait_for(lambda: cluster("kubectl", "get", "pod", "-n", "default",
                                  "b", check_rc=False).returncode != 0,
                  60, "Pod b to be gone", interval=0.5)
    check(not store.exists(), f"CNI DEL freed {ip_b}")
    netns = f"asbx-pod-node2-{pods['b']['metadata']['uid'][:8]}"
    check(netns not in subprocess.run(["ip", "netns", "list"],
                                      capture_output=True,
                                      text=True).stdout,
          "the deleted Pod's network namespace is gone")

    # node-exec reaches the Node's own OVS.
    p = cluster("node-exec", "node1", "--", "ovs-vsctl", "br-exists",
                "br-phy", check_rc=False)
    check(p.returncode == 0, "node-exec reaches node1's OVS", p.stderr)
    p = cluster("logs", "kube-apiserver", check_rc=False)
    check(p.returncode == 0 and len(p.stdout) > 0, "logs kube-apiserver")


if __name__ == "__main__":
    sys.exit(main())
