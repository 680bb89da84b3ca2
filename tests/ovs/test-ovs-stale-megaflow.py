#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Stale datapath flows after a flow change (userspace datapath).

docs/ovs-pipeline.md, "Stale datapath flows": Open vSwitch 3.1's
revalidator modifies a megaflow in place with a put that the userspace
datapath applies to the first megaflow its classifier finds for the
ukey's key (lib/dpif-netdev.c flow_put_on_pmd()), which can be another,
overlapping megaflow; the ukey records the new actions anyway, so the
original megaflow keeps its old actions for as long as packets hit it.
aovs-switch.c mitigates this with a background "revalidator/purge" after
every commit that changes flows.

This test builds the situation with a real ovs-vswitchd (userspace
datapath) in namespaces of its own and flows committed through the
agent's OpenFlow layer (tests/ovs/aovs-flowctl), like the agent commits
them: Pod 1 (10.10.0.2) talks to Pods 2, 3 and the gateway (megaflows D,
with the destination MAC in their mask); an egress default drop for Pod 1
is committed (the revalidator turns the D megaflows into drops in place);
Pod 1 then talks to an unknown address (megaflow F, a drop without the
MAC, overlapping every D); an older megaflow of Pod 1's port (its ARP)
expires, which moves F's classifier subtable ahead of D's; the drop is
removed.  Traffic to Pods 2 and 3 must then get through.  Without the
purge (--no-purge) some attempts leave the D megaflows dropping until
traffic stops; with it, none may.

    test-ovs-stale-megaflow.py [--no-purge] [ATTEMPTS]

Needs root and ovs-vswitchd; exits 77 (skip) otherwise.  Environment:
abs_top_builddir (the build tree with tests/ovs/aovs-flowctl; default
the current directory).  Everything started is stopped by pid; the
namespaces are named after this process's pid.
"""

import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time

PID = os.getpid()
NS = f"stale-{PID}"                         # ovs-vswitchd's namespace
RUN = pathlib.Path(f"/tmp/stale-megaflow-{PID}")
BUILD = pathlib.Path(os.environ.get("abs_top_builddir", "."))
FLOWCTL = BUILD / "tests" / "ovs" / "aovs-flowctl"
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
ENV = dict(os.environ, OVS_RUNDIR=str(RUN), OVS_LOGDIR=str(RUN),
           OVS_DBDIR=str(RUN))
TIMEOUT = 60

GW = ("10.10.0.1", "e2:e5:a4:9b:1c:b1", 2)
PODS = [  # name, IP, MAC, ofport
    ("p1", "10.10.0.2", "12:9e:a6:47:d0:70", 3),
    ("p2", "10.10.0.3", "ba:a8:13:ca:ed:cf", 4),
    ("p3", "10.10.0.4", "5a:1c:00:00:00:04", 5),
]
UNKNOWN = ("10.10.0.99", "02:00:00:00:00:99")   # makes megaflow F
DROP = "table=60,priority=200,ip,nw_src=10.10.0.2"
MAX_IDLE_MS = 2000

procs = []


def sh(*argv, ns=None, check=True):
    """Runs argv (in netns 'ns'); answers stdout; raises on failure."""
    if ns:
        argv = ("ip", "netns", "exec", ns) + argv
    r = subprocess.run(argv, capture_output=True, text=True, env=ENV,
                       timeout=TIMEOUT)
    if check and r.returncode:
        raise RuntimeError(f"{' '.join(argv)}: {r.returncode}: {r.stderr}")
    return r.stdout


def appctl(*args):
    return sh("ovs-appctl", "-t", str(RUN / "ovs-vswitchd.ctl"), *args)


def pod_ns(name):
    return f"{NS}-{name}"


def wait_for(fn, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


class FlowCtl:
    """tests/ovs/aovs-flowctl on br-int, driven line by line."""

    def __init__(self, purge):
        argv = ["ip", "netns", "exec", NS, str(FLOWCTL),
                f"unix:{RUN}/br-int.mgmt"] + ([] if purge else ["--no-purge"])
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, env=ENV)
        procs.append(self.p)

    def do(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        reply = self.p.stdout.readline().strip()
        if not reply.startswith("ok"):
            raise RuntimeError(f"aovs-flowctl {line!r}: {reply!r}")
        return reply


# Programs run inside the Pod namespaces (python3 -c).
SERVER = """
import selectors, socket, sys
sel = selectors.DefaultSelector()
for p in (80, 81):
    t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", p)); t.listen(512); t.setblocking(False)
    sel.register(t, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        try:
            key.fileobj.accept()[0].close()
        except OSError:
            pass
"""
SPRAY = """
import socket, sys, time
socks = []
while True:
    for t in sys.argv[1:]:
        h, p = t.split(":")
        s = socket.socket(); s.setblocking(False); s.connect_ex((h, int(p)))
        socks.append(s)
    time.sleep(0.3)
    while len(socks) > 64:
        socks.pop(0).close()
"""
PROBE = """
import socket, sys
ok = 0
for t in sys.argv[1:]:
    h, p = t.split(":")
    s = socket.socket(); s.settimeout(1.0)
    try:
        s.connect((h, int(p))); ok += 1
    except OSError:
        pass
    s.close()
print(ok)
"""
TXOFF = """
import array, fcntl, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
buf = array.array("B", struct.pack("II", 0x17, 0))   # ETHTOOL_STXCSUM off
fcntl.ioctl(s.fileno(), 0x8946,                      # SIOCETHTOOL
            struct.pack("16sP", sys.argv[1].encode(), buf.buffer_info()[0]))
"""


def py(ns, program, *args, background=False):
    argv = ["ip", "netns", "exec", ns, sys.executable, "-c", program] \
        + list(args)
    if background:
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        procs.append(p)
        return p
    return sh(*argv)


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def base_flows():
    """The Node's pipeline for these Pods (docs/ovs-pipeline.md), plus a
    rule of another policy that matches Pod 1's address in table 90."""
    gw_ip, gw_mac, gw = GW
    f = [f"table=0,priority=200,in_port={gw},actions=load:0x1->NXM_NX_REG0[0..15],goto_table:10",
         "table=0,priority=0,actions=drop",
         f"table=10,priority=200,ip,in_port={gw},actions=goto_table:30",
         "table=10,priority=0,actions=drop",
         "table=20,priority=190,arp,actions=NORMAL",
         "table=20,priority=0,actions=drop",
         "table=30,priority=200,ip,actions=ct(table=31,zone=65520)",
         "table=30,priority=0,actions=drop",
         "table=31,priority=200,ct_state=+inv+trk,ip,actions=drop",
         f"table=31,priority=200,ct_state=-new+trk,ct_mark=0x20,ip,actions=mod_dl_dst:{gw_mac},goto_table:40",
         "table=31,priority=0,actions=goto_table:40",
         f"table=40,priority=200,ip,nw_dst=10.96.0.0/12,actions=load:0x{gw:x}->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[16],mod_dl_dst:{gw_mac},goto_table:105",
         "table=40,priority=0,actions=goto_table:50",
         "table=50,priority=210,ct_state=-new+est,ip,actions=goto_table:70",
         "table=50,priority=0,actions=goto_table:60",
         "table=60,priority=0,actions=goto_table:70",
         "table=70,priority=0,actions=goto_table:80",
         f"table=80,priority=200,dl_dst={gw_mac},actions=load:0x{gw:x}->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[16],goto_table:90",
         "table=80,priority=0,actions=goto_table:90",
         "table=90,priority=210,ct_state=-new+est,ip,actions=goto_table:105",
         f"table=90,priority=210,ip,nw_src={gw_ip},actions=goto_table:105",
         "table=90,priority=200,ip,nw_src=10.10.0.2,actions=conjunction(9,1/2)",
         "table=90,priority=200,ip,reg1=0x63,actions=conjunction(9,2/2)",
         "table=90,priority=190,conj_id=9,ip,actions=goto_table:105",
         "table=90,priority=0,actions=goto_table:100",
         "table=100,priority=0,actions=goto_table:105",
         "table=105,priority=190,ct_state=+new+trk,ip,actions=ct(commit,table=110,zone=65520)",
         "table=105,priority=0,actions=goto_table:110",
         "table=110,priority=200,ip,reg0=0x10000/0x10000,actions=output:NXM_NX_REG1[]",
         "table=110,priority=0,actions=drop"]
    for _, ip, mac, port in PODS:
        f += [f"table=0,priority=190,in_port={port},actions=load:0x2->NXM_NX_REG0[0..15],goto_table:10",
              f"table=10,priority=200,ip,in_port={port},dl_src={mac},nw_src={ip},actions=goto_table:30",
              f"table=10,priority=200,arp,in_port={port},arp_spa={ip},arp_sha={mac},actions=goto_table:20",
              f"table=80,priority=200,dl_dst={mac},actions=load:0x{port:x}->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[16],goto_table:90"]
    return f


def setup(purge):
    RUN.mkdir()
    sh("ip", "netns", "add", NS)
    sh("ip", "link", "set", "lo", "up", ns=NS)
    sh("ovsdb-tool", "create", str(RUN / "conf.db"), SCHEMA)
    for argv, sock in (
            (["ovsdb-server", str(RUN / "conf.db"),
              f"--remote=punix:{RUN}/db.sock",
              f"--unixctl={RUN}/ovsdb-server.ctl",
              f"--log-file={RUN}/ovsdb-server.log"], "db.sock"),
            (["ovs-vswitchd", f"unix:{RUN}/db.sock",
              f"--unixctl={RUN}/ovs-vswitchd.ctl",
              f"--log-file={RUN}/ovs-vswitchd.log"], "ovs-vswitchd.ctl")):
        procs.append(subprocess.Popen(["ip", "netns", "exec", NS] + argv,
                                      env=ENV, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        wait_for(lambda: (RUN / sock).exists(), argv[0])
    vsctl = ("ovs-vsctl", f"--db=unix:{RUN}/db.sock")
    sh(*vsctl, "set", "open", ".", f"other_config:max-idle={MAX_IDLE_MS}")
    sh(*vsctl, "add-br", "br-int", "--", "set", "bridge", "br-int",
       "datapath_type=netdev", "fail_mode=secure",
       "protocols=OpenFlow13,OpenFlow14,OpenFlow15")
    sh(*vsctl, "add-port", "br-int", "gw0", "--", "set", "interface", "gw0",
       "type=internal", f"ofport_request={GW[2]}", f'mac="{GW[1]}"')
    for name, ip, mac, port in PODS:
        ns = pod_ns(name)
        sh("ip", "netns", "add", ns)
        sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
           "net.ipv6.conf.default.disable_ipv6=1", ns=ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
        sh("ip", "link", "add", f"{name}h", "type", "veth", "peer", "name",
           "eth0", "netns", ns, ns=NS)
        sh("ip", "link", "set", "eth0", "address", mac, ns=ns)
        sh("ip", "addr", "add", f"{ip}/24", "dev", "eth0", ns=ns)
        sh("ip", "link", "set", "eth0", "up", ns=ns)
        py(ns, TXOFF, "eth0")
        sh("ip", "link", "set", f"{name}h", "up", ns=NS)
        sh(*vsctl, "add-port", "br-int", f"{name}h", "--", "set",
           "interface", f"{name}h", f"ofport_request={port}")
        if name != "p1":
            py(ns, SERVER, background=True)
    p1 = pod_ns("p1")
    sh("ip", "neigh", "replace", GW[0], "lladdr", GW[1], "dev", "eth0",
       ns=p1)
    sh("ip", "neigh", "replace", UNKNOWN[0], "lladdr", UNKNOWN[1], "dev",
       "eth0", ns=p1)
    fc = FlowCtl(purge)
    for flow in base_flows():
        fc.do(f"put 1 {flow}")
    fc.do("commit")
    fc.do("settle")
    return fc


def p1_flows():
    """Pod 1's datapath flows (ovs-appctl dpctl/dump-flows lines)."""
    port = PODS[0][3]
    return [line for line in appctl("dpctl/dump-flows").splitlines()
            if f"in_port({port})" in line or f"in_port(p1h)" in line]


def d_flows():
    """Pod 1's first-packet megaflows with a destination MAC (D)."""
    return [line for line in p1_flows()
            if "+new" in line and "eth(dst=" in line
            and "recirc_id(0x" in line]


def attempt(fc, n, purge):
    """One round; answers the number of connections out of 8 to Pods 2
    and 3 that failed after the drop was removed (traffic kept on)."""
    p1 = pod_ns("p1")
    appctl("dpctl/del-flows")
    for _, ip, _, _ in PODS[1:]:
        sh("ip", "neigh", "del", ip, "dev", "eth0", ns=p1, check=False)
    targets = [f"{ip}:80" for _, ip, _, _ in PODS[1:]] + [f"{GW[0]}:80"]
    py(p1, PROBE, *targets)                 # ARP, then D megaflows
    fc.do(f"put 2 {DROP},actions=drop")
    fc.do("commit")
    fc.do("settle")
    spray_d = py(p1, SPRAY, *targets, background=True)
    # Without the purge the revalidator turns the D megaflows into drops
    # in place; with it they are gone and come back as drops without the
    # MAC in their mask.
    wait_for(lambda: ((d_flows() or purge)
                      and all(l.endswith("actions:drop") for l in d_flows())),
             "the D megaflows to become drops")
    spray_f = py(p1, SPRAY, f"{UNKNOWN[0]}:80", background=True)
    wait_for(lambda: any("+new" in l and "eth(dst=" not in l
                         and "recirc_id(0x" in l for l in p1_flows()),
             "megaflow F")
    wait_for(lambda: not any("0x0806" in l for l in p1_flows()),
             "Pod 1's ARP megaflows to expire")
    fc.do(f"remove {DROP}")
    fc.do("commit")
    fc.do("settle")
    stop(spray_f)
    # Keep hitting the D megaflows for longer than max-idle: a stale one
    # stays, a fixed or purged one forwards.
    time.sleep(2 * MAX_IDLE_MS / 1000)
    stale = [l for l in d_flows() if l.endswith("actions:drop")]
    failed = 8 - int(py(p1, PROBE, *[f"{ip}:81" for _, ip, _, _ in PODS[1:]]
                        * 4))
    stop(spray_d)
    print(f"attempt {n}: {len(stale)} stale drop megaflows, {failed} of 8 "
          "connections failed", flush=True)
    for line in stale:
        print("    " + line, flush=True)
    return failed


def cleanup():
    for p in reversed(procs):
        stop(p)
    for name, *_ in PODS:
        sh("ip", "netns", "del", pod_ns(name), check=False)
    sh("ip", "netns", "del", NS, check=False)
    if not os.environ.get("ATEST_KEEP"):
        shutil.rmtree(RUN, ignore_errors=True)


def main():
    args = sys.argv[1:]
    purge = "--no-purge" not in args
    args = [a for a in args if a != "--no-purge"]
    attempts = int(args[0]) if args else 6
    if os.geteuid() != 0 or not shutil.which("ovs-vswitchd"):
        print("SKIP: needs root and ovs-vswitchd")
        return 77
    if not FLOWCTL.is_file():
        print(f"SKIP: {FLOWCTL} not built")
        return 77
    try:
        fc = setup(purge)
        bad = 0
        for n in range(attempts):
            if attempt(fc, n, purge):
                bad += 1
        fc.do("quit")
    finally:
        cleanup()
    what = "with" if purge else "without"
    if bad:
        print(f"FAIL {what} the datapath purge: Pod 1 stayed cut off from "
              f"Pods 2 and 3 after the drop went, in {bad} of {attempts} "
              "attempts")
        return 1
    print(f"PASS {what} the datapath purge: no stale drop in {attempts} "
          "attempts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
