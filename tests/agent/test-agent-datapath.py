#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of antrea-agent's datapath against real daemons.

In a network namespace atest-agent-PID of its own: etcd + kube-apiserver
(tests/e2e/sandbox/kube.py), ovsdb-server + ovs-vswitchd (userspace
datapath), and antrea-agent with a Node object created in the API.  The
real antrea-cni adds two Pods (namespaces atest-agent-PID-p1/-p2): result
JSON, veth and address in the Pod, OVS port external_ids, flows, pings
(Pod to gateway, Pod to Pod); an agent restart keeps the flows (new
round's cookies, Pod still pings); DEL removes port and veth.
Root only (exit 77 otherwise); everything it made is removed at the end.
Environment: abs_top_builddir, abs_top_srcdir, ANTREA_PLUGIN_PATH.
"""

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).parents[2]))
BUILD = pathlib.Path(os.environ.get("abs_top_builddir", "."))
sys.path.insert(0, str(SRC / "tests" / "e2e"))
from sandbox import kube  # noqa: E402

PID = os.getpid()
NS = f"atest-agent-{PID}"
PODS = [f"{NS}-p1", f"{NS}-p2"]
IP = "192.168.77.2"
NODE = "atest-node"
failures = []
procs = {}


def sh(*argv, check=True, ns=None, **kw):
    """Run argv (in netns 'ns'); return stdout."""
    if ns:
        argv = ("ip", "netns", "exec", ns) + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                       **kw)
    if check and r.returncode:
        raise RuntimeError(f"{' '.join(argv)}: {r.returncode}: {r.stderr}")
    return r.stdout


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name
          + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        failures.append(name)
    return ok


def wait_for(fn, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def start(name, argv, env=None, log=None):
    out = open(log, "ab") if log else subprocess.DEVNULL
    procs[name] = subprocess.Popen(["ip", "netns", "exec", NS] + argv,
                                   env=env, stdout=out,
                                   stderr=subprocess.STDOUT)


def stop(name):
    p = procs.pop(name, None)
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def cni(command, pod_ns, cid, pod, run, prev=None):
    conf = {"cniVersion": "1.0.0", "name": "antrea", "type": "antrea",
            "cniSocket": str(run / "cni.sock")}
    if prev:
        conf["prevResult"] = prev
    env = dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=cid,
               CNI_NETNS=f"/run/netns/{pod_ns}", CNI_IFNAME="eth0",
               CNI_PATH="/usr/lib/cni",
               CNI_ARGS=f"K8S_POD_NAMESPACE=default;K8S_POD_NAME={pod}")
    argv = ["ip", "netns", "exec", NS,
            str(BUILD / "core/cni/antrea-cni")]
    return subprocess.run(argv, input=json.dumps(conf), env=env,
                          capture_output=True, text=True, timeout=60)


def dump_flows(run):
    return sh("ovs-ofctl", "dump-flows", f"unix:{run}/br-int.mgmt",
              "--no-names", ns=NS)


def main(run):
    sh("ip", "netns", "add", NS)
    sh("ip", "link", "set", "lo", "up", ns=NS)
    sh("ip", "link", "add", "uplink0", "type", "veth", "peer", "name",
       "uplink1", ns=NS)
    sh("ip", "addr", "add", f"{IP}/24", "dev", "uplink0", ns=NS)
    sh("ip", "link", "set", "uplink0", "up", ns=NS)

    kube.start_control_plane(run, NS, IP)
    kc = run / "kube" / "admin.kubeconfig"
    k = kube.Kube.from_kubeconfig(kc, netns=NS)
    k.create("/api/v1/nodes", {
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": NODE},
        "spec": {"podCIDR": "10.10.1.0/24"}})
    k.patch(kube.api_path("nodes", NODE, subresource="status"),
            {"status": {"addresses": [{"type": "InternalIP",
                                       "address": IP}]}}, "strategic")

    ovs = run / "ovs"
    ovs.mkdir()
    env = dict(os.environ, OVS_RUNDIR=str(ovs), OVS_LOGDIR=str(ovs),
               OVS_DBDIR=str(ovs), OVS_SYSCONFDIR=str(ovs))
    sh("ovsdb-tool", "create", str(ovs / "conf.db"),
       "/usr/share/openvswitch/vswitch.ovsschema")
    start("ovsdb-server", ["ovsdb-server", str(ovs / "conf.db"),
                           f"--remote=punix:{ovs}/db.sock",
                           f"--unixctl={ovs}/ovsdb-server.ctl",
                           f"--log-file={ovs}/ovsdb-server.log"], env)
    wait_for(lambda: (ovs / "db.sock").exists(), "ovsdb-server")
    start("ovs-vswitchd", ["ovs-vswitchd", f"unix:{ovs}/db.sock",
                           f"--unixctl={ovs}/ovs-vswitchd.ctl",
                           f"--log-file={ovs}/ovs-vswitchd.log"], env)

    (run / "ipam").mkdir()
    cfg = run / "agent.conf"
    cfg.write_text(f"""\
clientConnection:
  kubeconfig: {kc}
ovsDatapathType: netdev
ovsRunDir: {ovs}
cniSocket: {run}/cni.sock
trafficEncapMode: encap
tunnelType: geneve
ipam: native
modules:
  - name: native
    config:
      dataDir: {run}/ipam
""")
    agent_env = dict(os.environ, NODE_NAME=NODE, OVS_RUNDIR=str(ovs))
    agent = [str(BUILD / "core/agent/antrea-agent"), "--config", str(cfg)]
    start("agent", agent, agent_env, run / "agent.log")
    wait_for(lambda: (run / "cni.sock").exists(), "the CNI socket")

    for p in PODS:
        sh("ip", "netns", "add", p)
    r = cni("ADD", PODS[0], "cid-one", "pod-one", run)
    check("ADD pod-one succeeds", r.returncode == 0, r.stdout + r.stderr)
    res = json.loads(r.stdout or "{}")
    addr = res.get("ips", [{}])[0].get("address", "")
    check("ADD result has an address in the podCIDR and the gateway",
          addr.startswith("10.10.1.") and
          res["ips"][0].get("gateway") == "10.10.1.1", r.stdout)
    out = sh("ip", "-4", "addr", "show", "eth0", ns=PODS[0])
    check("eth0 in the Pod has the address", addr in out, out)
    ports = sh("ovs-vsctl", f"--db=unix:{ovs}/db.sock", "--columns=name,"
               "external_ids", "list", "Port", ns=NS)
    check("OVS port with Pod external_ids",
          "cid-one" in ports and "pod-one" in ports
          and "antrea-type=container" in ports.replace('"', ""), ports)
    flows = dump_flows(ovs)
    ip1 = addr.split("/")[0]
    check("Pod flows installed", f"nw_src={ip1}" in flows, flows)
    r1 = subprocess.run(["ip", "netns", "exec", PODS[0], "ping", "-c", "2",
                         "-W", "2", "10.10.1.1"], capture_output=True,
                        text=True)
    check("Pod pings its gateway", r1.returncode == 0, r1.stdout)

    r = cni("ADD", PODS[1], "cid-two", "pod-two", run)
    check("ADD pod-two succeeds", r.returncode == 0, r.stdout + r.stderr)
    r2 = subprocess.run(["ip", "netns", "exec", PODS[1], "ping", "-c", "2",
                         "-W", "2", ip1], capture_output=True, text=True)
    check("pod-two pings pod-one", r2.returncode == 0, r2.stdout)

    r = cni("CHECK", PODS[0], "cid-one", "pod-one", run, prev=res)
    check("CHECK pod-one passes", r.returncode == 0, r.stdout + r.stderr)

    cookies_before = {l.split(",")[0] for l in flows.splitlines()
                      if "cookie=" in l}
    stop("agent")
    start("agent", agent, agent_env, run / "agent.log")
    wait_for(lambda: "round 2 in place" in (run / "agent.log").read_text(),
             "the restarted agent's resync")
    r3 = subprocess.run(["ip", "netns", "exec", PODS[1], "ping", "-c", "2",
                         "-W", "2", ip1], capture_output=True, text=True)
    check("pod-two still pings pod-one after an agent restart",
          r3.returncode == 0, r3.stdout)
    flows2 = dump_flows(ovs)
    cookies_after = {l.split(",")[0] for l in flows2.splitlines()
                     if "cookie=" in l}
    check("flows now carry round 2 cookies only",
          cookies_after and all(c.strip().startswith("cookie=0x2")
                                for c in cookies_after),
          f"{cookies_before} -> {cookies_after}")

    r = cni("DEL", PODS[0], "cid-one", "pod-one", run)
    check("DEL pod-one succeeds", r.returncode == 0, r.stdout + r.stderr)
    r = cni("DEL", PODS[0], "cid-one", "pod-one", run)
    check("DEL again succeeds", r.returncode == 0, r.stdout + r.stderr)
    ports = sh("ovs-vsctl", f"--db=unix:{ovs}/db.sock", "list-ports",
               "br-int", ns=NS)
    out = sh("ip", "link", "show", check=False, ns=PODS[0])
    check("DEL removed port and veth",
          "pod-one" not in ports and "eth0" not in out, ports + out)
    check("DEL removed pod-one's flows", f"nw_src={ip1}" not in
          dump_flows(ovs))


def cleanup(run):
    for name in ("agent", "ovs-vswitchd", "ovsdb-server"):
        stop(name)
    try:
        kube.stop_control_plane(run)
    except Exception as e:  # noqa: BLE001
        print(f"stop control plane: {e}")
    for ns in PODS + [NS]:
        if os.path.exists(f"/run/netns/{ns}"):
            subprocess.run(["ip", "netns", "del", ns])
    if os.environ.get("ATEST_KEEP"):
        print(f"kept {run}")
    else:
        shutil.rmtree(run, ignore_errors=True)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root")
        sys.exit(77)
    if not kube.apiserver_path().is_file() or not shutil.which("ovs-vswitchd"):
        print("SKIP: kube-apiserver or ovs-vswitchd not available")
        sys.exit(77)
    run = pathlib.Path(tempfile.mkdtemp(prefix=f"atest-agent-{PID}-"))
    try:
        main(run)
    except Exception as e:  # noqa: BLE001
        check("test ran to completion", False, f"{type(e).__name__}: {e}")
        log = run / "agent.log"
        if log.exists():
            print(log.read_text()[-4000:])
    finally:
        cleanup(run)
    print(f"{len(failures)} failures")
    sys.exit(1 if failures else 0)
