#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of the shipped conflist's plugin chain with bandwidth.

The same real daemons as tests/agent/test-agent-datapath.py (set up by
agent_harness.py in a network namespace atest-bw-PID of its own).  The
plugins of etc/10-antrea.conflist (antrea-cni, then Debian's portmap and
bandwidth) are run in order as libcni runs them, with runtimeConfig built
by the sandbox runtime from a Pod's annotations
kubernetes.io/ingress-bandwidth: 20M and kubernetes.io/egress-bandwidth:
10M (tests/e2e/sandbox/runtime.py: bandwidth_config()).  Checks:
  - ADD of every plugin succeeds; CHECK of the chain passes;
  - the bandwidth plugin's tc state: a tbf at 20 Mbit/s on the Pod's host
    veth; an ifb device with a tbf at 10 Mbit/s and the host veth's
    ingress redirected to it;
  - ingress-bandwidth is enforced: a TCP transfer from a second Pod to
    the limited one stays under 1.5 times the rate, while the same
    transfer to an unlimited Pod goes faster than that (so the
    measurement means something);
  - egress-bandwidth: the transfer from the limited Pod is measured and
    reported.  On the userspace datapath it is NOT enforced (OVS reads
    the host veth through an AF_PACKET socket, which sees each packet
    before the tc ingress hook redirects it to the ifb), so this is
    reported as a known limitation, not a failure;
  - DEL in reverse order succeeds and removes the ifb device.
Root only (exit 77 otherwise); everything it made is removed at the end.
Environment: abs_top_builddir, abs_top_srcdir, ANTREA_PLUGIN_PATH.
"""

import json
import os
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from agent_harness import (  # noqa: E402
    CNI_PATH, SRC, Harness, sh, skip_unless_root_with_daemons)
from sandbox import runtime  # noqa: E402  (agent_harness's sys.path)

IP = "192.168.87.2"
NODE = "atest-bw-node"
h = Harness.for_test("atest-bw", IP, NODE)
NS = h.ns
BUILD = h.build
check = h.check
POD_CIDR = "10.10.17.0/24"
CONFLIST = SRC / "etc" / "10-antrea.conflist"
ANNOTATIONS = {"kubernetes.io/ingress-bandwidth": "20M",
               "kubernetes.io/egress-bandwidth": "10M"}
INGRESS_RATE = 20_000_000        # bits/s, as annotated
EGRESS_RATE = 10_000_000
TOLERANCE = 1.5                  # a limited transfer stays under this x rate
TRANSFER_SECONDS = 3
PORT = 5201

# A TCP sink: accepts one connection, answers "bytes seconds" on stdout.
SINK = f"""
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", {PORT}))
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
n, t0 = 0, time.monotonic()
while True:
    b = c.recv(65536)
    if not b:
        break
    n += len(b)
print(n, time.monotonic() - t0, flush=True)
"""

# A TCP source: sends for argv[2] seconds to argv[1].
SOURCE = f"""
import socket, sys, time
c = socket.create_connection((sys.argv[1], {PORT}), timeout=30)
buf, t0 = b"x" * 65536, time.monotonic()
while time.monotonic() - t0 < float(sys.argv[2]):
    c.sendall(buf)
c.shutdown(socket.SHUT_WR)
c.recv(1)
"""


def plugin_env(command, pod_ns, cid, pod):
    """The CNI environment of 'command' for container 'cid'."""
    return dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=cid,
                CNI_NETNS=f"/run/netns/{pod_ns}", CNI_IFNAME="eth0",
                CNI_PATH=CNI_PATH,
                CNI_ARGS=f"K8S_POD_NAMESPACE=default;K8S_POD_NAME={pod}")


def plugin_binary(ptype):
    """The binary of plugin type 'ptype'."""
    if ptype == "antrea":
        return str(BUILD / "core/cni/antrea-cni")
    return f"{CNI_PATH}/{ptype}"


def run_chain(command, conflist, pod_ns, cid, pod, runtime_config,
              prev=None):
    """Runs 'command' through every plugin of 'conflist' as libcni does
    (ADD and CHECK in order with prevResult chaining, DEL in reverse),
    each plugin's stdin built by the sandbox runtime.  Answers (the last
    result, [(type, CompletedProcess)])."""
    plugins = conflist["plugins"]
    if command == "DEL":
        plugins = list(reversed(plugins))
    runs = []
    for plugin in plugins:
        conf = runtime.Cni._plugin_conf(conflist, plugin, prev,
                                        runtime_config)
        r = subprocess.run(["ip", "netns", "exec", NS,
                            plugin_binary(plugin["type"])],
                           input=json.dumps(conf),
                           env=plugin_env(command, pod_ns, cid, pod),
                           capture_output=True, text=True, timeout=60)
        runs.append((plugin["type"], r))
        if r.returncode:
            break
        if command == "ADD" and r.stdout.strip():
            prev = json.loads(r.stdout)
    return prev, runs


def chain_ok(runs):
    """True if every plugin run exited 0; else False and a message."""
    bad = [f"{t}: {r.stdout}{r.stderr}" for t, r in runs if r.returncode]
    return not bad, "; ".join(bad)


def load_conflist():
    """The shipped conflist, antrea's entry pointed at the test's agent."""
    conflist = json.loads(CONFLIST.read_text())
    for plugin in conflist["plugins"]:
        if plugin["type"] == "antrea":
            plugin["cniSocket"] = str(h.run / "cni.sock")
    return conflist


def transfer_mbps(src_ns, dst_ns, dst_ip):
    """Sends TCP from 'src_ns' to 'dst_ns' for TRANSFER_SECONDS; answers
    the rate the receiver saw, in Mbit/s."""
    sink = subprocess.Popen(["ip", "netns", "exec", dst_ns, "python3", "-c",
                             SINK], stdout=subprocess.PIPE, text=True)
    try:
        assert sink.stdout.readline().strip() == "ready"
        subprocess.run(["ip", "netns", "exec", src_ns, "python3", "-c",
                        SOURCE, dst_ip, str(TRANSFER_SECONDS)], check=True,
                       capture_output=True, timeout=120)
        out, _ = sink.communicate(timeout=60)
    finally:
        if sink.poll() is None:
            sink.kill()
            sink.wait()
    n, seconds = out.split()
    return int(n) * 8 / float(seconds) / 1e6


def host_veth(pod):
    """The host end of 'pod''s veth (the result's interface without a
    sandbox)."""
    return next(i["name"] for i in pod["result"]["interfaces"]
                if not i.get("sandbox"))


def add_pod(conflist, i, annotations):
    """Adds Pod i through the chain; answers its description or None."""
    pod_ns, cid, name = f"{NS}-p{i}", f"cid-bw-{i}", f"bw-{i}"
    sh("ip", "netns", "add", pod_ns)
    sh("ip", "link", "set", "lo", "up", ns=pod_ns)
    rc = {"portMappings": []}
    bandwidth = runtime.bandwidth_config(annotations)
    if bandwidth:
        rc["bandwidth"] = bandwidth
    result, runs = run_chain("ADD", conflist, pod_ns, cid, name, rc)
    ok, why = chain_ok(runs)
    if not check(f"ADD {name} through {[t for t, _ in runs]} succeeds",
                 ok and len(runs) == len(conflist["plugins"]), why):
        return None
    return {"ns": pod_ns, "cid": cid, "name": name, "rc": rc,
            "result": result,
            "ip": result["ips"][0]["address"].split("/")[0]}


def check_tc(limited):
    """Checks the bandwidth plugin's qdiscs for the limited Pod; answers
    the ifb device's name (or None)."""
    veth = host_veth(limited)
    qdiscs = sh("tc", "qdisc", "show", ns=NS)
    check("a 20 Mbit/s tbf on the Pod's host veth",
          any(f"dev {veth} root" in line and "tbf" in line
              and "rate 20Mbit" in line for line in qdiscs.splitlines()),
          qdiscs)
    ifbs = [line.split(":")[1].strip() for line in
            sh("ip", "-o", "link", "show", "type", "ifb", ns=NS).splitlines()]
    if not check("one ifb device for the egress limit", len(ifbs) == 1,
                 ifbs):
        return None
    check("a 10 Mbit/s tbf on the ifb device",
          any(f"dev {ifbs[0]} root" in line and "tbf" in line
              and "rate 10Mbit" in line for line in qdiscs.splitlines()),
          qdiscs)
    filters = sh("tc", "filter", "show", "dev", veth, "parent", "ffff:",
                 ns=NS)
    check("the host veth's ingress is redirected to the ifb device",
          f"Redirect to device {ifbs[0]}" in filters, filters)
    return ifbs[0]


def main(run):
    """Setup, a limited and two unlimited Pods, tc, transfers, DEL."""
    h.setup(run, POD_CIDR)
    conflist = load_conflist()
    check("the shipped conflist chains bandwidth with its capability",
          any(p["type"] == "bandwidth"
              and p.get("capabilities", {}).get("bandwidth")
              for p in conflist["plugins"]), conflist)
    limited = add_pod(conflist, 0, ANNOTATIONS)
    peer = add_pod(conflist, 1, {})
    other = add_pod(conflist, 2, {})
    if None in (limited, peer, other):
        return

    _, runs = run_chain("CHECK", conflist, limited["ns"], limited["cid"],
                        limited["name"], limited["rc"], limited["result"])
    check("CHECK of the chain passes", *chain_ok(runs))
    ifb = check_tc(limited)

    control = transfer_mbps(peer["ns"], other["ns"], other["ip"])
    print(f"unlimited transfer: {control:.1f} Mbit/s", flush=True)
    limit = INGRESS_RATE * TOLERANCE / 1e6
    if check("an unlimited transfer goes faster than 1.5x the limit "
             "(else the measurement cannot tell)", control > limit,
             f"{control:.1f} Mbit/s"):
        ingress = transfer_mbps(peer["ns"], limited["ns"], limited["ip"])
        print(f"transfer to the limited Pod: {ingress:.1f} Mbit/s "
              f"(ingress-bandwidth 20M)", flush=True)
        check("ingress-bandwidth 20M limits the transfer to the Pod",
              ingress <= limit, f"{ingress:.1f} Mbit/s > {limit:.1f}")

    egress = transfer_mbps(limited["ns"], peer["ns"], peer["ip"])
    print(f"transfer from the limited Pod: {egress:.1f} Mbit/s "
          f"(egress-bandwidth 10M)", flush=True)
    if egress <= EGRESS_RATE * TOLERANCE / 1e6:
        check("egress-bandwidth 10M limits the transfer from the Pod", True)
    else:
        print("KNOWN LIMITATION: egress-bandwidth is not enforced on the "
              "userspace datapath (OVS's AF_PACKET socket on the host veth "
              "sees packets before tc ingress redirects them to the ifb)",
              flush=True)

    for pod in (limited, peer, other):
        _, runs = run_chain("DEL", conflist, pod["ns"], pod["cid"],
                            pod["name"], pod["rc"], pod["result"])
        check(f"DEL {pod['name']} through every plugin succeeds",
              *chain_ok(runs))
    if ifb:
        links = sh("ip", "-o", "link", "show", ns=NS)
        check("DEL removed the ifb device", ifb not in links, links)


if __name__ == "__main__":
    skip_unless_root_with_daemons(f"{CNI_PATH}/bandwidth",
                                  f"{CNI_PATH}/portmap")
    sys.exit(h.run_test(main))
