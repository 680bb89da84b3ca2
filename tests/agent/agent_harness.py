# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Shared harness of the agent integration tests and the CNI benchmark.

Used by tests/agent/test-agent-datapath.py, tests/agent/test-cni-errors.py
and tests/bench/bench-cni-add.py (which puts tests/agent on sys.path).
Standard library only, plus tests/e2e/sandbox/kube.py (re-exported here
as 'kube').

A Harness owns one Node network namespace (named by the caller, e.g.
"atest-agent-PID") and everything started in it: the uplink veth, etcd +
kube-apiserver (kube.start_control_plane), a Node object, ovsdb-server +
ovs-vswitchd (userspace datapath) and antrea-agent with native IPAM.
Daemons are started and stopped by pid (their Popen); cleanup() stops
them, removes the namespace and every "NS-*" namespace the caller made
(Pod namespaces), and the run directory unless ATEST_KEEP is set.

    h = Harness(ns, ip, node, build)
    h.setup(run, pod_cidr)          # control plane, OVS, agent
    r = h.cni("ADD", pod_ns, cid, pod)
    h.check("ADD works", r.returncode == 0, r.stderr)
    ...
    h.cleanup()
"""

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SRC / "tests" / "e2e"))
from sandbox import kube  # noqa: E402,F401  (re-exported)

TIMEOUT = 60                    # seconds, for every command run
CNI_PATH = "/usr/lib/cni"       # CNI_PATH given to the plugins
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


def sh(*argv, check=True, ns=None):
    """Runs argv (in netns 'ns' if given); answers its stdout.  Raises
    RuntimeError naming the command if it fails and 'check' is set."""
    if ns:
        argv = ("ip", "netns", "exec", ns) + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
    if check and r.returncode:
        raise RuntimeError(f"{' '.join(argv)}: {r.returncode}: {r.stderr}")
    return r.stdout


def wait_for(fn, what, timeout=30.0):
    """Polls fn() every 0.2 s until true (answers True); raises
    RuntimeError naming 'what' after 'timeout' seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def skip_unless_root_with_daemons(*files):
    """Exits 77 (automake's SKIP) unless root, with kube-apiserver,
    ovs-vswitchd and every one of 'files' present."""
    if os.geteuid() != 0:
        print("SKIP: needs root")
        sys.exit(77)
    missing = [str(f) for f in (kube.apiserver_path(),) + files
               if not pathlib.Path(f).is_file()]
    if missing or not shutil.which("ovs-vswitchd"):
        print(f"SKIP: missing {', '.join(missing) or 'ovs-vswitchd'}")
        sys.exit(77)


class Harness:
    """One Node namespace with the control plane, OVS and antrea-agent,
    the checks recorded so far and the daemons started (by name)."""

    def __init__(self, ns, ip, node, build):
        self.ns = ns                    # the Node's netns name
        self.ip = ip                    # the Node's InternalIP (uplink0)
        self.node = node                # the Node object's name
        self.build = pathlib.Path(build)  # build tree with the binaries
        self.run = None                 # run directory (setup())
        self.ovs = None                 # OVS run directory, run/ovs
        self.procs = {}                 # daemon name -> Popen
        self.failures = []              # names of failed checks
        self.agent_argv = None          # antrea-agent command line
        self.agent_env = None           # antrea-agent environment

    def sh(self, *argv, check=True, ns=None):
        """sh() above (kept here for symmetry)."""
        return sh(*argv, check=check, ns=ns)

    def check(self, name, ok, detail=""):
        """Prints PASS/FAIL 'name' (with 'detail' on failure) and records
        a failure; answers ok."""
        print(("PASS " if ok else "FAIL ") + name
              + ("" if ok else f": {detail}"), flush=True)
        if not ok:
            self.failures.append(name)
        return ok

    def start(self, name, argv, env=None, log=None):
        """Starts daemon 'name' in the Node namespace, output appended
        to 'log' (discarded if None)."""
        out = open(log, "ab") if log else subprocess.DEVNULL
        self.procs[name] = subprocess.Popen(
            ["ip", "netns", "exec", self.ns] + argv, env=env, stdout=out,
            stderr=subprocess.STDOUT)

    def stop(self, name):
        """Stops daemon 'name' if this harness started it (SIGTERM by
        pid, SIGKILL after 10 s)."""
        p = self.procs.pop(name, None)
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)

    def setup_netns(self):
        """Creates the Node namespace: lo up, a veth uplink0/uplink1
        with the Node's address on uplink0 (/24)."""
        ns = self.ns
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
        sh("ip", "link", "add", "uplink0", "type", "veth", "peer", "name",
           "uplink1", ns=ns)
        sh("ip", "addr", "add", f"{self.ip}/24", "dev", "uplink0", ns=ns)
        sh("ip", "link", "set", "uplink0", "up", ns=ns)

    def setup_control_plane(self, pod_cidr):
        """Starts etcd + kube-apiserver in the Node namespace and creates
        the Node with 'pod_cidr' and its InternalIP; answers the admin
        kubeconfig's path."""
        kube.start_control_plane(self.run, self.ns, self.ip)
        kc = self.run / "kube" / "admin.kubeconfig"
        k = kube.Kube.from_kubeconfig(kc, netns=self.ns)
        k.create("/api/v1/nodes", {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": self.node}, "spec": {"podCIDR": pod_cidr}})
        k.patch(kube.api_path("nodes", self.node, subresource="status"),
                {"status": {"addresses": [{"type": "InternalIP",
                                           "address": self.ip}]}},
                "strategic")
        return kc

    def setup_ovs(self):
        """Creates a fresh OVS database in run/ovs and starts ovsdb-server
        and ovs-vswitchd on it; answers the OVS directory."""
        ovs = self.ovs = self.run / "ovs"
        ovs.mkdir()
        env = dict(os.environ, OVS_RUNDIR=str(ovs), OVS_LOGDIR=str(ovs),
                   OVS_DBDIR=str(ovs), OVS_SYSCONFDIR=str(ovs))
        sh("ovsdb-tool", "create", str(ovs / "conf.db"), OVS_SCHEMA)
        self.start("ovsdb-server", ["ovsdb-server", str(ovs / "conf.db"),
                                    f"--remote=punix:{ovs}/db.sock",
                                    f"--unixctl={ovs}/ovsdb-server.ctl",
                                    f"--log-file={ovs}/ovsdb-server.log"],
                   env)
        wait_for(lambda: (ovs / "db.sock").exists(), "ovsdb-server")
        self.start("ovs-vswitchd", ["ovs-vswitchd", f"unix:{ovs}/db.sock",
                                    f"--unixctl={ovs}/ovs-vswitchd.ctl",
                                    f"--log-file={ovs}/ovs-vswitchd.log"],
                   env)
        return ovs

    def setup_agent(self, kubeconfig, extra_env=None):
        """Writes run/agent.conf (netdev datapath, encap/geneve, native
        IPAM in run/ipam) and starts antrea-agent, logging to
        run/agent.log; returns once its CNI socket exists.  'extra_env'
        is added to the agent's environment."""
        run, ovs = self.run, self.ovs
        (run / "ipam").mkdir()
        cfg = run / "agent.conf"
        cfg.write_text(f"""\
clientConnection:
  kubeconfig: {kubeconfig}
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
        self.agent_env = dict(os.environ, NODE_NAME=self.node,
                              OVS_RUNDIR=str(ovs), **(extra_env or {}))
        self.agent_argv = [str(self.build / "core/agent/antrea-agent"),
                           "--config", str(cfg)]
        self.start_agent()
        wait_for(lambda: (run / "cni.sock").exists(), "the CNI socket")

    def start_agent(self):
        """(Re)starts antrea-agent as setup_agent() configured it."""
        self.start("agent", self.agent_argv, self.agent_env,
                   self.run / "agent.log")

    def setup(self, run, pod_cidr, agent_env=None):
        """Everything in order: namespace, control plane + Node with
        'pod_cidr', OVS, agent.  Answers the OVS directory."""
        self.run = pathlib.Path(run)
        self.setup_netns()
        kc = self.setup_control_plane(pod_cidr)
        self.setup_ovs()
        self.setup_agent(kc, agent_env)
        return self.ovs

    def cni_conf(self, version=None, prev=None):
        """The network configuration antrea-cni reads on stdin."""
        conf = {"cniVersion": version or "1.0.0", "name": "antrea",
                "type": "antrea", "cniSocket": str(self.run / "cni.sock")}
        if prev:
            conf["prevResult"] = prev
        return conf

    def cni(self, command, pod_ns, cid, pod, stdin=None, drop=(),
            version=None, prev=None):
        """Runs the real antrea-cni in the Node namespace with the CNI
        environment for 'command' on container 'cid' (Pod 'pod' in netns
        'pod_ns', interface eth0), minus the variables in 'drop'; 'stdin'
        replaces the network configuration text.  Answers the
        CompletedProcess."""
        env = dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=cid,
                   CNI_NETNS=f"/run/netns/{pod_ns}", CNI_IFNAME="eth0",
                   CNI_PATH=CNI_PATH,
                   CNI_ARGS=f"K8S_POD_NAMESPACE=default;K8S_POD_NAME={pod}")
        for var in drop:
            env.pop(var, None)
        argv = ["ip", "netns", "exec", self.ns,
                str(self.build / "core/cni/antrea-cni")]
        text = json.dumps(self.cni_conf(version, prev)) if stdin is None \
            else stdin
        return subprocess.run(argv, input=text, env=env, capture_output=True,
                              text=True, timeout=TIMEOUT)

    def print_agent_log(self):
        """Prints the tail of the agent's log, if any (after a failure)."""
        log = self.run / "agent.log" if self.run else None
        if log and log.exists():
            print(log.read_text()[-4000:])

    def cleanup(self):
        """Stops the daemons this harness started (by pid), the control
        plane, removes the Node namespace and every "NS-*" namespace,
        and the run directory (kept if ATEST_KEEP is set)."""
        for name in ("agent", "ovs-vswitchd", "ovsdb-server"):
            self.stop(name)
        for name in list(self.procs):
            self.stop(name)
        if self.run is not None:
            try:
                kube.stop_control_plane(self.run)
            except Exception as e:  # noqa: BLE001
                print(f"stop control plane: {e}")
        netns_dir = pathlib.Path("/run/netns")
        for ns in (sorted(netns_dir.glob(f"{self.ns}*"))
                   if netns_dir.is_dir() else []):
            if ns.name == self.ns or ns.name.startswith(self.ns + "-"):
                subprocess.run(["ip", "netns", "del", ns.name])
        if self.run is None:
            return
        if os.environ.get("ATEST_KEEP"):
            print(f"kept {self.run}")
        else:
            shutil.rmtree(self.run, ignore_errors=True)
