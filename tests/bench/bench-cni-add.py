#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""CNI ADD latency benchmark: antrea-c against Debian's bridge plugin.

Not part of "make check" or CI; run it by hand as root:

    /usr/bin/python3 tests/bench/bench-cni-add.py [--build DIR]
        [--concurrency 1,16,32] [--samples 64]

antrea-c is set up like tests/agent/test-agent-datapath.py: in a network
namespace atest-bench-PID of its own, etcd + kube-apiserver
(tests/e2e/sandbox/kube.py), ovsdb-server + ovs-vswitchd (userspace
datapath) and antrea-agent with native IPAM and a /24 podCIDR; each ADD
runs the real antrea-cni.  Side by side, in a namespace atest-bench-PID-br
acting as the Node, Debian's bridge + host-local plugins (/usr/lib/cni) do
the same ADDs.  Both plugins are launched the same way (nsenter --net into
the Node namespace), so the launcher cost, printed as a baseline, is in
both figures.

One measured ADD: the Pod namespace is created beforehand (not timed);
the time runs from starting the plugin process with the CNI environment
and stdin to its exit with a result.  Concurrency N: N ADDs started
together (N threads released by a barrier, each launching a process).
Rounds repeat until each setting has at least --samples samples; rounds of
the two plugins alternate; between rounds everything is DELeted and the
Pod namespaces removed (not timed).  Prints p50, p99 and max per plugin and
concurrency, then the target of issue 4: p50 <= 10 ms and p99 <= 50 ms at
16 concurrent Pods, and faster than bridge.  Everything made (namespaces,
processes by pid, the run directory) is removed at the end, even on
failure; ATEST_KEEP=1 keeps the run directory (agent log).
Exit status: 0 if all ADDs succeeded, 1 otherwise, 77 if not root or a
dependency is missing.
"""

import argparse
import json
import math
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SRC / "tests" / "e2e"))
from sandbox import kube  # noqa: E402

PID = os.getpid()
NS = f"atest-bench-{PID}"          # antrea-c's Node
BRNS = f"{NS}-br"                  # the bridge plugin's Node
IP = "192.168.78.2"
NODE = "atest-bench-node"
POD_CIDR = "10.10.1.0/24"
BR_SUBNET = "10.20.1.0/24"
CNI_PATH = "/usr/lib/cni"
TIMEOUT = 60
procs = {}


def sh(*argv, check=True, ns=None):
    """Run argv (in netns 'ns'); return stdout; raise on failure."""
    if ns:
        argv = ("ip", "netns", "exec", ns) + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
    if check and r.returncode:
        raise RuntimeError(f"{' '.join(argv)}: {r.returncode}: {r.stderr}")
    return r.stdout


def wait_for(fn, what, timeout=30.0):
    """Poll fn() every 0.2 s until true; raise after 'timeout' seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def start(name, argv, env=None, log=None):
    """Start daemon 'name' in NS, remembering it by its Popen."""
    out = open(log, "ab") if log else subprocess.DEVNULL
    procs[name] = subprocess.Popen(["ip", "netns", "exec", NS] + argv,
                                   env=env, stdout=out,
                                   stderr=subprocess.STDOUT)


def stop(name):
    """SIGTERM daemon 'name' (by pid), then SIGKILL after 10 s."""
    p = procs.pop(name, None)
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


class Plugin:
    """How to run one CNI plugin: its Node netns, binary and config."""

    def __init__(self, name, node_ns, binary, conf):
        self.name = name            # label in the table
        self.node_ns = node_ns      # netns the plugin runs in
        self.binary = str(binary)   # plugin executable
        self.conf = json.dumps(conf)  # network config on stdin
        self.pod_prefix = f"{NS}-{name[0]}"  # Pod netns name prefix

    def argv(self):
        """The command line: the plugin inside the Node netns."""
        return ["nsenter", f"--net=/run/netns/{self.node_ns}", "--",
                self.binary]

    def env(self, command, pod_ns, cid, pod):
        """The CNI environment of one call."""
        return dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=cid,
                    CNI_NETNS=f"/run/netns/{pod_ns}", CNI_IFNAME="eth0",
                    CNI_PATH=CNI_PATH,
                    CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;"
                    f"K8S_POD_NAME={pod}")

    def call(self, command, pod_ns, cid, pod):
        """Run the plugin once; return (elapsed ms, rc, stdout, stderr)."""
        t0 = time.perf_counter()
        r = subprocess.run(self.argv(), input=self.conf,
                           env=self.env(command, pod_ns, cid, pod),
                           capture_output=True, text=True, timeout=TIMEOUT)
        ms = (time.perf_counter() - t0) * 1000.0
        return ms, r.returncode, r.stdout, r.stderr


def run_round(plugin, n, rnd, errors):
    """One round of n concurrent ADDs; returns their latencies in ms."""
    pods = [(f"{plugin.pod_prefix}{i}", f"bench-{rnd}-{i}", f"pod-{rnd}-{i}")
            for i in range(n)]
    for pod_ns, _, _ in pods:
        sh("ip", "netns", "add", pod_ns)
    barrier = threading.Barrier(n)
    lat = [None] * n

    def one(i):
        pod_ns, cid, pod = pods[i]
        try:
            barrier.wait(TIMEOUT)
            ms, rc, out, err = plugin.call("ADD", pod_ns, cid, pod)
            ok = rc == 0 and json.loads(out or "{}").get("ips")
            if ok:
                lat[i] = ms
            else:
                errors.append(f"{plugin.name} ADD {cid}: rc {rc}: "
                              f"{out.strip()} {err.strip()}")
        except Exception as e:  # noqa: BLE001
            errors.append(f"{plugin.name} ADD {cid}: {type(e).__name__}: "
                          f"{e}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 2)
    for pod_ns, cid, pod in pods:           # DEL everything, not timed
        _, rc, out, err = plugin.call("DEL", pod_ns, cid, pod)
        if rc:
            errors.append(f"{plugin.name} DEL {cid}: rc {rc}: {out} {err}")
        sh("ip", "netns", "del", pod_ns, check=False)
    return [x for x in lat if x is not None]


def percentile(samples, p):
    """Nearest-rank percentile p (0-100] of a non-empty list."""
    s = sorted(samples)
    return s[max(0, math.ceil(p / 100.0 * len(s)) - 1)]


def setup_antrea(run, build):
    """Start apiserver, OVS and the agent in NS; return the Plugin."""
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
        "spec": {"podCIDR": POD_CIDR}})
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
    plugin_path = ":".join(str(build / "plugins" / d / ".libs") for d in (
        "encap", "noencap", "hybrid", "policyonly", "ipsec", "ipam"))
    agent_env = dict(os.environ, NODE_NAME=NODE, OVS_RUNDIR=str(ovs),
                     ANTREA_PLUGIN_PATH=plugin_path)
    start("agent", [str(build / "core/agent/antrea-agent"), "--config",
                    str(cfg)], agent_env, run / "agent.log")
    wait_for(lambda: (run / "cni.sock").exists(), "the CNI socket")
    return Plugin("antrea-c", NS, build / "core/cni/antrea-cni", {
        "cniVersion": "1.0.0", "name": "antrea", "type": "antrea",
        "cniSocket": str(run / "cni.sock")})


def setup_bridge(run):
    """Create BRNS as the bridge plugin's Node; return the Plugin."""
    sh("ip", "netns", "add", BRNS)
    sh("ip", "link", "set", "lo", "up", ns=BRNS)
    (run / "host-local").mkdir()
    return Plugin("bridge", BRNS, f"{CNI_PATH}/bridge", {
        "cniVersion": "1.0.0", "name": "bench-bridge", "type": "bridge",
        "bridge": "cni0", "isGateway": True, "ipMasq": False,
        "ipam": {"type": "host-local", "subnet": BR_SUBNET,
                 "dataDir": str(run / "host-local")}})


def launcher_baseline(n=64):
    """Median ms of 'nsenter --net=... -- /bin/true': launch overhead."""
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(["nsenter", f"--net=/run/netns/{BRNS}", "--",
                        "/bin/true"], check=True, timeout=TIMEOUT)
        lat.append((time.perf_counter() - t0) * 1000.0)
    return percentile(lat, 50)


def main(run, args):
    build = pathlib.Path(args.build).resolve()
    antrea = setup_antrea(run, build)
    bridge = setup_bridge(run)
    plugins = [antrea, bridge]
    errors = []

    for p in plugins:                       # warm up, not measured
        run_round(p, 2, "warm", errors)
    if errors:
        raise RuntimeError("warm-up failed: " + "; ".join(errors))

    results = {}
    for n in args.concurrency:
        rounds = math.ceil(args.samples / n)
        for rnd in range(rounds):
            order = plugins if rnd % 2 == 0 else plugins[::-1]
            for p in order:
                lat = run_round(p, n, f"{n}-{rnd}", errors)
                results.setdefault((p.name, n), []).extend(lat)
        print(f"... concurrency {n}: {rounds} rounds done", flush=True)

    base = launcher_baseline()
    print()
    print(f"CNI ADD latency (launcher nsenter+exec baseline p50 "
          f"{base:.1f} ms, included in every figure)")
    hdr = f"{'plugin':<10} {'conc':>4} {'samples':>7} {'p50 ms':>8} " \
          f"{'p99 ms':>8} {'max ms':>8}"
    print(hdr)
    print("-" * len(hdr))
    stats = {}
    for n in args.concurrency:
        for p in plugins:
            s = results.get((p.name, n), [])
            if not s:
                print(f"{p.name:<10} {n:>4} {0:>7} {'-':>8} {'-':>8} "
                      f"{'-':>8}")
                continue
            st = (percentile(s, 50), percentile(s, 99), max(s))
            stats[(p.name, n)] = st
            print(f"{p.name:<10} {n:>4} {len(s):>7} {st[0]:>8.1f} "
                  f"{st[1]:>8.1f} {st[2]:>8.1f}")
    print()
    a, b = stats.get(("antrea-c", 16)), stats.get(("bridge", 16))
    if a:
        def verdict(ok):
            return "met" if ok else "NOT met"
        print(f"target at 16 concurrent: p50 <= 10 ms: {a[0]:.1f} ms "
              f"{verdict(a[0] <= 10)}; p99 <= 50 ms: {a[1]:.1f} ms "
              f"{verdict(a[1] <= 50)}")
        if b:
            print(f"target: faster than bridge at 16 concurrent: p50 "
                  f"{a[0]:.1f} vs {b[0]:.1f} ms, p99 {a[1]:.1f} vs "
                  f"{b[1]:.1f} ms: {verdict(a[0] < b[0] and a[1] < b[1])}")
    else:
        print("target: not measured (16 not in --concurrency)")
    if errors:
        print(f"{len(errors)} errors:")
        for e in errors[:20]:
            print("  " + e)
    return not errors


def cleanup(run):
    """Stop our daemons by pid, remove our netns and the run directory."""
    for name in ("agent", "ovs-vswitchd", "ovsdb-server"):
        stop(name)
    try:
        kube.stop_control_plane(run)
    except Exception as e:  # noqa: BLE001
        print(f"stop control plane: {e}")
    netns_dir = pathlib.Path("/run/netns")
    for ns in sorted(netns_dir.glob(f"{NS}*")) if netns_dir.is_dir() else []:
        if ns.name == NS or ns.name.startswith(NS + "-"):
            subprocess.run(["ip", "netns", "del", ns.name])
    if os.environ.get("ATEST_KEEP"):
        print(f"kept {run}")
    else:
        shutil.rmtree(run, ignore_errors=True)


def parse_args():
    """Command line options."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_build = os.environ.get("abs_top_builddir",
                                   str(SRC / "_build" / "plain"))
    ap.add_argument("--build", default=default_build,
                    help="build tree with core/agent/antrea-agent "
                    "(default %(default)s)")
    ap.add_argument("--concurrency", default="1,16,32",
                    help="comma-separated concurrency levels (<= 64)")
    ap.add_argument("--samples", type=int, default=64,
                    help="minimum samples per setting")
    args = ap.parse_args()
    try:
        args.concurrency = [int(x) for x in args.concurrency.split(",")]
    except ValueError:
        ap.error(f"--concurrency {args.concurrency!r}: not a comma-separated "
                 "list of integers")
    if any(n < 1 or n > 64 for n in args.concurrency):
        ap.error(f"--concurrency {args.concurrency}: each must be 1..64 "
                 "(the /24s hold 253 Pods)")
    if args.samples < 1:
        ap.error(f"--samples {args.samples}: must be positive")
    return args


if __name__ == "__main__":
    args = parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root")
        sys.exit(77)
    build_dir = pathlib.Path(args.build)
    missing = [str(f) for f in (
        kube.apiserver_path(), build_dir / "core/agent/antrea-agent",
        build_dir / "core/cni/antrea-cni", pathlib.Path(CNI_PATH) / "bridge",
        pathlib.Path(CNI_PATH) / "host-local") if not f.is_file()]
    if missing or not shutil.which("ovs-vswitchd"):
        print(f"SKIP: missing {', '.join(missing) or 'ovs-vswitchd'}")
        sys.exit(77)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    run = pathlib.Path(tempfile.mkdtemp(prefix=f"atest-bench-{PID}-"))
    ok = False
    try:
        ok = main(run, args)
    except BaseException as e:  # noqa: BLE001
        print(f"benchmark failed: {type(e).__name__}: {e}")
        log = run / "agent.log"
        if log.exists():
            print(log.read_text()[-4000:])
    finally:
        cleanup(run)
    sys.exit(0 if ok else 1)
