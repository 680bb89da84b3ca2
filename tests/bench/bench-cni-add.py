#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""CNI ADD latency benchmark: antrea-c against Debian's bridge plugin.

Not part of "make check" or CI; run it by hand as root:

    /usr/bin/python3 tests/bench/bench-cni-add.py [--build DIR]
        [--concurrency 1,16,32] [--samples 64] [--plugins antrea-c,bridge]

antrea-c is set up by tests/agent/agent_harness.py, as for
tests/agent/test-agent-datapath.py: in a network
namespace atest-bench-PID of its own, etcd + kube-apiserver
(tests/e2e/sandbox/kube.py), ovsdb-server + ovs-vswitchd (userspace
datapath) and antrea-agent with native IPAM and a /24 podCIDR; each ADD
runs the real antrea-cni.  Side by side, in a namespace atest-bench-PID-br
acting as the Node, Debian's bridge + host-local plugins (/usr/lib/cni) do
the same ADDs.  Both plugins are launched the same way, by
tests/bench/cni-burst (built by "make check"): it enters the Node's
namespace once and spawns the N plugin processes of a round at once, as a
container runtime's fork and exec would, so the launcher cost is small and
the same for both; it is printed as a baseline (/bin/true through the
same launcher at the same concurrency).

One measured ADD: the Pod namespace is created beforehand (not timed);
the time runs from spawning the plugin process with the CNI environment
and stdin to reaping its exit with a result.  Concurrency N: N ADDs
spawned together.
Rounds repeat until each setting has at least --samples samples; rounds of
the two plugins alternate; each starts once the machine is quiet (the
kernel tears the previous round's namespaces down in the background,
holding the routing lock for long stretches); after each round its Pods
are DELeted, all at once, and timed the same way (figures without a
target), and the Pod namespaces removed (not timed).  Prints p50, p99 and
max per plugin and concurrency, then the target of issue 4: p50 <= 10 ms
and p99 <= 50 ms at 16 concurrent Pods, and faster than bridge.

It also prints the CPU time the ADDs cost, per ADD, measured while each
round's ADDs run: the plugin processes (their rusage, with the IPAM
plugins they wait for), antrea-agent (and how much of it the kernel
did for it: veths, addresses, routes), ovs-vswitchd and ovsdb-server
(the scheduler's per-thread run time), and the whole machine (/proc/stat,
in ticks of 10 ms, so an average over many rounds).  From it, a lower
bound no scheduler can beat: k of N ADDs cannot all be done before k
times the CPU time of one ADD has been spent, on the machine's CPUs; for
the median, k = N / 2.  Everything made (namespaces, processes by pid,
the run directory) is removed at the end, even on failure; ATEST_KEEP=1
keeps the run directory (agent log).
Exit status: 0 if all ADDs and DELs succeeded, 1 otherwise, 77 if not root or a
dependency is missing.
"""

import argparse
import json
import math
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]
                       / "agent"))
from agent_harness import (  # noqa: E402
    CNI_PATH, SRC, TIMEOUT, Harness, sh, skip_unless_root_with_daemons)

PID = os.getpid()
NS = f"atest-bench-{PID}"          # antrea-c's Node
BRNS = f"{NS}-br"                  # the bridge plugin's Node
IP = "192.168.78.2"
NODE = "atest-bench-node"
POD_CIDR = "10.10.1.0/24"
BR_SUBNET = "10.20.1.0/24"
h = None                           # the Harness (main)
BURST = None                       # the cni-burst launcher (main)


class Plugin:
    """How to run one CNI plugin: its Node netns, binary and config."""

    def __init__(self, run, name, node_ns, binary, conf):
        self.name = name            # label in the table
        self.node_ns = node_ns      # netns the plugin runs in
        self.binary = str(binary)   # plugin executable
        self.conf_file = run / f"{name}.conf"  # network config on stdin
        self.conf_file.write_text(json.dumps(conf))
        self.pod_prefix = f"{NS}-{name[0]}"  # Pod netns name prefix

    def burst(self, command, pods):
        """Runs the plugin once per (pod_ns, cid, pod) in 'pods', all
        started at once by cni-burst inside the Node netns; returns
        [(ms, rc, stdout, stderr, cpu_ms)] in the order of 'pods'."""
        argv = [str(BURST), "--netns", f"/run/netns/{self.node_ns}",
                "--timeout", str(TIMEOUT), command, self.binary,
                str(self.conf_file), CNI_PATH]
        argv += [f"/run/netns/{ns},{cid},{pod}" for ns, cid, pod in pods]
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=TIMEOUT * 2)
        if r.returncode == 2 or len(r.stdout.splitlines()) != len(pods):
            raise RuntimeError(f"cni-burst failed (rc {r.returncode}): "
                               f"{r.stderr.strip()}")
        calls = [json.loads(line) for line in r.stdout.splitlines()]
        return [(c["ms"], c["rc"], c["stdout"], c["stderr"], c["cpu_ms"])
                for c in calls]


def thread_cpu_ms(pid):
    """CPU time in ms that the live threads of process 'pid' have run so
    far (the scheduler's se.sum_exec_runtime, exact to the nanosecond;
    time of threads that have ended is not counted); 0 if it is gone."""
    total = 0.0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/sched") as f:
                for line in f:
                    if line.startswith("se.sum_exec_runtime"):
                        total += float(line.split(":")[1])
                        break
        except OSError:
            pass
    return total


def process_ticks(pid):
    """(user, system) clock ticks process 'pid' has used, dead threads
    included; (0, 0) if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0, 0
    return int(fields[11]), int(fields[12])


def machine_busy_ms():
    """CPU time in ms all CPUs have spent not idle since boot (/proc/stat:
    user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1e3 / TICKS


def wait_quiet(busy=0.2, window=0.05, timeout=3.0):
    """Waits until the CPUs were busy less than 'busy' of a 'window' of
    seconds (the kernel tears namespaces and veths of the previous round
    down in the background, holding the routing lock), at most 'timeout'
    seconds."""
    cpus = os.cpu_count()
    deadline = time.monotonic() + timeout
    before = machine_busy_ms()
    while time.monotonic() < deadline:
        time.sleep(window)
        now = machine_busy_ms()
        if now - before < busy * window * 1e3 * cpus:
            return
        before = now


TICKS = os.sysconf("SC_CLK_TCK")
DAEMONS = ("agent", "ovs-vswitchd", "ovsdb-server")  # as h.procs names them


class CpuMeter:
    """CPU time spent while a burst of ADDs runs, by who spent it."""

    def __init__(self):
        self.pids = {d: h.procs[d].pid for d in DAEMONS if d in h.procs}
        self.daemons = {}
        self.ticks = {}
        self.machine = 0.0

    def start(self):
        self.daemons = {d: thread_cpu_ms(p) for d, p in self.pids.items()}
        self.ticks = {d: process_ticks(p) for d, p in self.pids.items()}
        self.machine = machine_busy_ms()

    def stop(self, plugin_cpu_ms):
        """Returns {who: ms} since start(); 'plugin_cpu_ms' is what the
        plugin processes used (from cni-burst)."""
        used = {"machine": machine_busy_ms() - self.machine,
                "plugin": plugin_cpu_ms}
        for d, p in self.pids.items():
            used[d] = thread_cpu_ms(p) - self.daemons[d]
            u, s = process_ticks(p)
            used[d + " user ticks"] = u - self.ticks[d][0]
            used[d + " system ticks"] = s - self.ticks[d][1]
        return used


def run_round(plugin, n, rnd, errors, cpu):
    """One round of n concurrent ADDs, then n concurrent DELs of the same
    Pods; returns the latencies in ms of the ADDs and of the DELs, and
    the CPU time the ADDs used ({who: ms}, CpuMeter.stop())."""
    pods = [(f"{plugin.pod_prefix}{i}", f"bench-{rnd}-{i}", f"pod-{rnd}-{i}")
            for i in range(n)]
    for pod_ns, _, _ in pods:
        sh("ip", "netns", "add", pod_ns)
    lat = []
    wait_quiet()
    cpu.start()
    calls = plugin.burst("ADD", pods)
    used = cpu.stop(sum(c[4] for c in calls))
    for (_, cid, _), (ms, rc, out, err, _) in zip(pods, calls):
        try:
            ok = rc == 0 and json.loads(out or "{}").get("ips")
        except ValueError:
            ok = False
        if ok:
            lat.append(ms)
        else:
            errors.append(f"{plugin.name} ADD {cid}: rc {rc}: "
                          f"{out.strip()} {err.strip()}")
    del_lat = []
    for (_, cid, _), (ms, rc, out, err, _) in zip(
            pods, plugin.burst("DEL", pods)):
        if rc:
            errors.append(f"{plugin.name} DEL {cid}: rc {rc}: {out} {err}")
        else:
            del_lat.append(ms)
    for pod_ns, _, _ in pods:
        sh("ip", "netns", "del", pod_ns, check=False)
    return lat, del_lat, used


def print_table(results, plugins, concurrency):
    """Prints p50/p99/max per plugin and concurrency of results[(plugin
    name, n)]; returns {(name, n): (p50, p99, max)}."""
    hdr = f"{'plugin':<10} {'conc':>4} {'samples':>7} {'p50 ms':>8} " \
          f"{'p99 ms':>8} {'max ms':>8}"
    print(hdr)
    print("-" * len(hdr))
    stats = {}
    for n in concurrency:
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
    return stats


def print_cpu(cpu_results, plugins, concurrency, stats):
    """Prints the CPU time per ADD of cpu_results[(plugin name, n)] (sums
    over the rounds, see CpuMeter) and the lower bound it sets on p50."""
    cpus = os.cpu_count()
    print(f"CPU time per ADD in ms, while the ADDs of a round ran ({cpus} "
          "CPUs); 'agent' in brackets: the share the kernel did for it")
    hdr = (f"{'plugin':<10} {'conc':>4} {'plugin':>7} {'agent':>13} "
           f"{'vswitchd':>9} {'ovsdb':>6} {'sum':>6} {'machine':>8} "
           f"{'p50 >=':>7} {'p50':>6}")
    print(hdr)
    print("-" * len(hdr))
    for n in concurrency:
        for p in plugins:
            t = cpu_results.get((p.name, n))
            if not t or not t["ADDs"]:
                continue
            per = {k: v / t["ADDs"] for k, v in t.items()}
            counted = sum(per.get(k, 0) for k in ("plugin",) + DAEMONS)
            ticks = (t.get("agent user ticks", 0)
                     + t.get("agent system ticks", 0))
            kernel = (f"({100 * t['agent system ticks'] / ticks:.0f}%)"
                      if ticks else "")
            bound = math.ceil(n / 2) * counted / cpus
            p50 = stats.get((p.name, n), (float("nan"),))[0]
            print(f"{p.name:<10} {n:>4} {per['plugin']:>7.2f} "
                  f"{per.get('agent', 0):>6.2f} {kernel:>6} "
                  f"{per.get('ovs-vswitchd', 0):>9.2f} "
                  f"{per.get('ovsdb-server', 0):>6.2f} {counted:>6.2f} "
                  f"{per['machine']:>8.2f} {bound:>7.1f} {p50:>6.1f}")
    print("'sum' = plugin + agent + vswitchd + ovsdb; 'p50 >=': the median "
          "of N ADDs needs N/2 x sum of CPU time, on all CPUs at best")


def percentile(samples, p):
    """Nearest-rank percentile p (0-100] of a non-empty list."""
    s = sorted(samples)
    return s[max(0, math.ceil(p / 100.0 * len(s)) - 1)]


def setup_antrea(run, build):
    """Start apiserver, OVS and the agent in NS; return the Plugin."""
    plugin_path = ":".join(str(build / "plugins" / d / ".libs") for d in (
        "encap", "noencap", "hybrid", "policyonly", "ipsec", "ipam"))
    h.setup(run, POD_CIDR, {"ANTREA_PLUGIN_PATH": plugin_path})
    return Plugin(run, "antrea-c", NS, build / "core/cni/antrea-cni",
                  h.cni_conf())


def setup_bridge(run):
    """Create BRNS as the bridge plugin's Node; return the Plugin."""
    sh("ip", "netns", "add", BRNS)
    sh("ip", "link", "set", "lo", "up", ns=BRNS)
    (run / "host-local").mkdir()
    return Plugin(run, "bridge", BRNS, f"{CNI_PATH}/bridge", {
        "cniVersion": "1.0.0", "name": "bench-bridge", "type": "bridge",
        "bridge": "cni0", "isGateway": True, "ipMasq": False,
        "ipam": {"type": "host-local", "subnet": BR_SUBNET,
                 "dataDir": str(run / "host-local")}})


def launcher_baseline(run, n):
    """(p50 ms, mean CPU ms) of n concurrent /bin/true through cni-burst:
    the launch overhead in every figure at concurrency n, and the CPU
    time any plugin process costs before doing anything (exec, the
    dynamic loader, exit)."""
    true = Plugin(run, "true", BRNS, "/bin/true", {})
    lat, cpu = [], []
    for _ in range(max(1, 64 // n)):
        pods = [(f"{BRNS}-none", f"true-{i}", f"true-{i}") for i in range(n)]
        for c in true.burst("VERSION", pods):
            if c[1] == 0:
                lat.append(c[0])
                cpu.append(c[4])
    return percentile(lat, 50), sum(cpu) / len(cpu)


def main(run, args):
    build = pathlib.Path(args.build).resolve()
    antrea = setup_antrea(run, build)
    bridge = setup_bridge(run)
    plugins = [p for p in (antrea, bridge) if p.name in args.plugins]
    errors = []
    cpu = CpuMeter()

    for p in plugins:                       # warm up, not measured
        run_round(p, 2, "warm", errors, cpu)
    if errors:
        raise RuntimeError("warm-up failed: " + "; ".join(errors))

    results, del_results, cpu_results = {}, {}, {}
    for n in args.concurrency:
        rounds = math.ceil(args.samples / n)
        for rnd in range(rounds):
            order = plugins if rnd % 2 == 0 else plugins[::-1]
            for p in order:
                lat, del_lat, used = run_round(p, n, f"{n}-{rnd}", errors,
                                               cpu)
                results.setdefault((p.name, n), []).extend(lat)
                del_results.setdefault((p.name, n), []).extend(del_lat)
                total = cpu_results.setdefault((p.name, n), {"ADDs": 0})
                total["ADDs"] += n
                for who, ms in used.items():
                    total[who] = total.get(who, 0) + ms
        print(f"... concurrency {n}: {rounds} rounds done", flush=True)

    base = {n: launcher_baseline(run, n) for n in args.concurrency}
    print()
    print("CNI ADD latency, from spawning the plugin to reaping it "
          "(launcher: tests/bench/cni-burst)")
    print("spawn+exit of /bin/true at the same concurrency, p50 ms "
          "(in every figure): " + ", ".join(
              f"{n}: {ms:.1f}" for n, (ms, _) in base.items())
          + "; CPU time of each such process: " + ", ".join(
              f"{n}: {cpu:.2f} ms" for n, (_, cpu) in base.items()))
    stats = print_table(results, plugins, args.concurrency)
    print()
    print("CNI DEL latency of the same Pods, all of a round at once "
          "(no target; for comparison)")
    print_table(del_results, plugins, args.concurrency)
    print()
    print_cpu(cpu_results, plugins, args.concurrency, stats)
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
    ap.add_argument("--plugins", default="antrea-c,bridge",
                    help="comma-separated plugins to run: antrea-c, bridge "
                    "(default both)")
    args = ap.parse_args()
    args.plugins = args.plugins.split(",")
    if not args.plugins or set(args.plugins) - {"antrea-c", "bridge"}:
        ap.error(f"--plugins {','.join(args.plugins)}: each must be "
                 "antrea-c or bridge")
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
    build_dir = pathlib.Path(args.build)
    BURST = build_dir.resolve() / "tests/bench/cni-burst"
    skip_unless_root_with_daemons(BURST,
        build_dir / "core/agent/antrea-agent",
        build_dir / "core/cni/antrea-cni", pathlib.Path(CNI_PATH) / "bridge",
        pathlib.Path(CNI_PATH) / "host-local")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    run = pathlib.Path(tempfile.mkdtemp(prefix=f"atest-bench-{PID}-"))
    h = Harness(NS, IP, NODE, build_dir.resolve())
    h.run = run
    ok = False
    try:
        ok = main(run, args)
    except BaseException as e:  # noqa: BLE001
        print(f"benchmark failed: {type(e).__name__}: {e}")
        h.print_agent_log()
    finally:
        h.cleanup()
    sys.exit(0 if ok else 1)
