# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Shared harness of the agent integration tests and the CNI benchmark.

Used by the tests in tests/agent/, tests/controller/ (with
controller_harness.py), tests/antctl/test-antctl.py, tests/runtime/ and
tests/bench/bench-cni-add.py (which put tests/agent on sys.path).
Standard library only, plus tests/e2e/sandbox/kube.py (re-exported here
as 'kube').

A Harness owns one Node network namespace (named by the caller, e.g.
"atest-agent-PID") and everything started in it: the uplink veth, etcd +
kube-apiserver (kube.start_control_plane), a Node object, ovsdb-server +
ovs-vswitchd (userspace datapath) and antrea-agent with native IPAM.
Daemons are started and stopped by pid (their Popen); cleanup() stops
them, removes the namespace and every "NS-*" namespace the caller made
(Pod namespaces), and the run directory unless ATEST_KEEP is set.

    h = Harness.for_test("atest-x", ip, node)   # namespace atest-x-PID

    def body(run):
        h.setup(run, pod_cidr)      # control plane, OVS, agent
        r = h.cni("ADD", pod_ns, cid, pod)
        h.check("ADD works", r.returncode == 0, r.stderr)

    sys.exit(h.run_test(body))      # run directory, cleanup, exit status
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
                                  pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SRC / "tests" / "e2e"))
from sandbox import kube  # noqa: E402,F401  (re-exported)

BUILD = pathlib.Path(os.environ.get("abs_top_builddir", ".")).resolve()
TIMEOUT = 60                    # seconds, for every command run
BOUND = 60                      # seconds a daemon may take to come up
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


def skip_unless_root_with_daemons(*files, ovs=True):
    """Exits 77 (automake's SKIP) unless root, with etcd, kube-apiserver,
    every one of 'files' and (if 'ovs') ovs-vswitchd present."""
    if os.geteuid() != 0:
        print("SKIP: needs root")
        sys.exit(77)
    missing = [str(f) for f in (kube.apiserver_path(),) + files
               if not pathlib.Path(f).is_file()]
    try:
        kube.etcd_path()
    except Exception:  # noqa: BLE001
        missing.append("etcd")
    if ovs and not shutil.which("ovs-vswitchd"):
        missing.append("ovs-vswitchd")
    if missing:
        print(f"SKIP: missing {', '.join(missing)}")
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

    @classmethod
    def for_test(cls, name, ip, node):
        """A Harness for test 'name': its Node namespace "name-PID", the
        binaries of the build tree $abs_top_builddir (else ".")."""
        return cls(f"{name}-{os.getpid()}", ip, node, BUILD)

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

    def stop_cleanly(self, name, timeout=BOUND):
        """SIGTERMs daemon 'name' (started by this harness) and checks
        that it exits 0 within 'timeout' seconds (SIGKILL after); under
        ATEST_WRAPPER (e.g. valgrind --error-exitcode=99) that is also a
        clean memory check.  Answers the exit status."""
        p = self.procs.pop(name)
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait(10)
        self.check(f"{name}: exits 0 on SIGTERM", rc == 0,
                   f"exit status {rc}")
        return rc

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
        sh("ovsdb-tool", "create", str(ovs / "conf.db"), OVS_SCHEMA)
        self.start_ovsdb_server()
        self.start_ovs_vswitchd()
        return ovs

    def ovs_env(self):
        """The environment of the OVS daemons: everything in run/ovs."""
        ovs = str(self.ovs)
        return dict(os.environ, OVS_RUNDIR=ovs, OVS_LOGDIR=ovs,
                    OVS_DBDIR=ovs, OVS_SYSCONFDIR=ovs)

    def start_ovsdb_server(self):
        """(Re)starts ovsdb-server on run/ovs/conf.db (setup_ovs());
        returns once its socket is there."""
        ovs = self.ovs
        self.start("ovsdb-server", ["ovsdb-server", str(ovs / "conf.db"),
                                    f"--remote=punix:{ovs}/db.sock",
                                    f"--unixctl={ovs}/ovsdb-server.ctl",
                                    f"--log-file={ovs}/ovsdb-server.log"],
                   self.ovs_env())
        wait_for(lambda: (ovs / "db.sock").exists(), "ovsdb-server")

    def start_ovs_vswitchd(self):
        """(Re)starts ovs-vswitchd on run/ovs's ovsdb-server."""
        ovs = self.ovs
        self.start("ovs-vswitchd", ["ovs-vswitchd", f"unix:{ovs}/db.sock",
                                    f"--unixctl={ovs}/ovs-vswitchd.ctl",
                                    f"--log-file={ovs}/ovs-vswitchd.log"],
                   self.ovs_env())

    def write_agent_conf(self, kubeconfig, antrea_kubeconfig=None,
                         extra=""):
        """Writes run/agent.conf: netdev datapath, encap/geneve, native
        IPAM in run/ipam (made), antreaClientConnection
        'antrea_kubeconfig' if given, then the lines 'extra'.  Answers
        its path."""
        run = self.run
        (run / "ipam").mkdir(exist_ok=True)
        controller = (f"antreaClientConnection:\n"
                      f"  kubeconfig: {antrea_kubeconfig}\n"
                      if antrea_kubeconfig else "")
        cfg = run / "agent.conf"
        cfg.write_text(f"""\
clientConnection:
  kubeconfig: {kubeconfig}
{controller}ovsDatapathType: netdev
ovsRunDir: {self.ovs}
cniSocket: {run}/cni.sock
trafficEncapMode: encap
tunnelType: geneve
{extra}ipam: native
modules:
  - name: native
    config:
      dataDir: {run}/ipam
""")
        return cfg

    def setup_agent(self, kubeconfig, extra_env=None,
                    antrea_kubeconfig=None, wrapper=()):
        """Writes run/agent.conf (write_agent_conf()) and starts
        antrea-agent (under the command 'wrapper', if any), logging to
        run/agent.log; returns once its CNI socket exists.  'extra_env'
        is added to the agent's environment."""
        cfg = self.write_agent_conf(kubeconfig, antrea_kubeconfig)
        self.agent_env = dict(os.environ, NODE_NAME=self.node,
                              OVS_RUNDIR=str(self.ovs), **(extra_env or {}))
        self.agent_argv = list(wrapper) + [
            str(self.build / "core/agent/antrea-agent"), "--config",
            str(cfg)]
        self.start_agent()
        wait_for(lambda: (self.run / "cni.sock").exists(), "the CNI socket",
                 BOUND)

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

    def create_namespace(self, admin, name):
        """Creates Namespace 'name' (label ns=name) through 'admin'."""
        admin.create("/api/v1/namespaces", {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {"ns": name}}})

    def create_pod(self, admin, namespace, name, ip, node=None,
                   ports=()):
        """Creates Pod namespace/name (label app=name, one container
        with the named 'ports', (name, number) pairs) on 'node' (this
        harness's Node by default) through 'admin', then gives it 'ip'
        in its status, as its kubelet would."""
        container = {"name": "c", "image": "busybox"}
        if ports:
            container["ports"] = [{"name": n, "containerPort": p}
                                  for n, p in ports]
        admin.create(f"/api/v1/namespaces/{namespace}/pods", {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": {"app": name}},
            "spec": {"nodeName": node or self.node,
                     "containers": [container]}})
        admin.patch(kube.api_path("pods", name, namespace=namespace,
                                  subresource="status"),
                    {"status": {"podIP": ip, "podIPs": [{"ip": ip}]}},
                    "strategic")

    def print_logs(self, names, chars=5000):
        """Prints the tail of each log 'names' of the run directory that
        exists (after a failure)."""
        for name in names:
            log = self.run / name if self.run else None
            if log and log.exists():
                print(f"--- {name}")
                print(log.read_text(errors="replace")[-chars:])

    def print_agent_log(self):
        """Prints the tail of the agent's log, if any (after a failure)."""
        self.print_logs(["agent.log"], 4000)

    def run_test(self, body, logs=("agent.log",)):
        """Runs body(run) in a new run directory "/tmp/NS-*" (an exception
        is a failed check); after a failure prints the tail of each log
        'logs' of the run directory; always cleanup().  Prints the count
        of failures and answers the exit status: 0 if every check
        passed, else 1."""
        self.run = pathlib.Path(tempfile.mkdtemp(prefix=f"{self.ns}-"))
        try:
            body(self.run)
        except Exception as e:  # noqa: BLE001
            self.check("test ran to completion", False,
                       f"{type(e).__name__}: {e}")
        finally:
            if self.failures:
                self.print_logs(logs)
            self.cleanup()
        print(f"{len(self.failures)} failures")
        return 1 if self.failures else 0

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
