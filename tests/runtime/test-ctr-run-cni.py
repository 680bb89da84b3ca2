#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""antrea-cni run by a real container runtime: containerd's `ctr run --cni`.

The agent side is set up as tests/agent/ does it (agent_harness.py: etcd +
kube-apiserver, ovsdb-server + ovs-vswitchd with the userspace datapath,
antrea-agent with native IPAM, all in a network namespace atest-ctr-PID of
the test's own).  The test then starts a private containerd (its own root,
state and socket under the run directory; the CRI plugin disabled) and
imports a one-layer OCI image it builds from Debian's busybox-static.

`ctr run --cni` has no options for the CNI directories: it reads
/etc/cni/net.d and runs plugins from /opt/cni/bin.  So ctr runs in a
private mount namespace (unshare -m) where /etc is an overlay whose upper
layer holds our conflist and /opt a tmpfs holding antrea-cni: the machine's
own /etc and /opt are never written.  ctr runs in the Node namespace (as a
runtime on the Node would), creates the container's own network namespace
through runc, calls antrea-cni ADD with /proc/PID/ns/net, runs the
container's command, and after it exits calls DEL (--rm).

Checks: the container sees eth0 with an address of the Node's podCIDR and
the gateway as default route, and pings the gateway through OVS; while it
runs, OVS has its port with the container's ID; after it exits the port,
the host veth and the IPAM allocation are gone.
Root only (exit 77 otherwise, or when containerd, ctr, runc or
busybox-static is missing); everything it made is removed at the end.
Environment: abs_top_builddir, abs_top_srcdir, ANTREA_PLUGIN_PATH.
"""

import gzip
import hashlib
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SRC / "tests" / "agent"))
from agent_harness import (  # noqa: E402
    Harness, sh, skip_unless_root_with_daemons, wait_for)

BUILD = pathlib.Path(os.environ.get("abs_top_builddir", "."))
PID = os.getpid()
NS = f"atest-ctr-{PID}"
IP = "192.168.77.2"
NODE = "atest-node"
POD_CIDR = "10.10.7.0/24"
GATEWAY = "10.10.7.1"
IMAGE = "atest.local/busybox:1"
CTR_NAMESPACE = "atest"
CONTAINER = f"atest-ctr-{PID}"
BUSYBOX = pathlib.Path("/bin/busybox")
TIMEOUT = 120
h = Harness(NS, IP, NODE, BUILD)
check = h.check


def layer_tar():
    """A rootfs layer: busybox and its applet links, plus the mount
    points runc needs.  Answers the uncompressed tar bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for d in ("bin", "proc", "sys", "dev", "etc", "tmp", "run"):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            t.addfile(info)
        data = BUSYBOX.read_bytes()
        info = tarfile.TarInfo("bin/busybox")
        info.size = len(data)
        info.mode = 0o755
        t.addfile(info, io.BytesIO(data))
        for applet in ("sh", "ip", "ping", "sleep", "cat"):
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type = tarfile.SYMTYPE
            info.linkname = "busybox"
            t.addfile(info)
    return buf.getvalue()


def blob(blobs, data):
    """Stores 'data' as a content-addressed blob; answers its digest."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    (blobs / digest.split(":")[1]).write_bytes(data)
    return digest


def oci_image(run):
    """Writes an OCI image archive of the busybox rootfs; answers its
    path."""
    root = run / "image"
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    layer = layer_tar()
    layer_gz = gzip.compress(layer)
    layer_digest = blob(blobs, layer_gz)
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [
            "sha256:" + hashlib.sha256(layer).hexdigest()]},
    }).encode()
    config_digest = blob(blobs, config)
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": len(config)},
        "layers": [{"mediaType":
                    "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest, "size": len(layer_gz)}],
    }).encode()
    manifest_digest = blob(blobs, manifest)
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (root / "index.json").write_text(json.dumps({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest, "size": len(manifest),
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"io.containerd.image.name": IMAGE,
                            "org.opencontainers.image.ref.name": "1"}}],
    }))
    archive = run / "image.tar"
    with tarfile.open(archive, "w") as t:
        for p in sorted(root.rglob("*")):
            t.add(p, arcname=str(p.relative_to(root)), recursive=False)
    return archive


def start_containerd(run):
    """Starts a private containerd (root, state and socket in 'run');
    answers its socket path."""
    sock = run / "containerd.sock"
    conf = run / "containerd.toml"
    conf.write_text(f"""\
version = 2
root = "{run}/containerd-root"
state = "{run}/containerd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "{sock}"
[ttrpc]
  address = "{sock}.ttrpc"
""")
    h.procs["containerd"] = subprocess.Popen(
        ["containerd", "--config", str(conf)],
        stdout=open(run / "containerd.log", "ab"), stderr=subprocess.STDOUT)
    wait_for(lambda: sock.exists(), "containerd's socket")
    return sock


def ctr(sock, *args, check_rc=True):
    """Runs ctr against the private containerd (outside the Node
    namespace)."""
    return sh("ctr", "--address", str(sock), "--namespace", CTR_NAMESPACE,
              *args, check=check_rc)


def ctr_run_script(run, sock):
    """The shell script that runs `ctr run --cni` in a private mount
    namespace with our CNI directories in place of /etc/cni/net.d and
    /opt/cni/bin."""
    (run / "etc-upper").mkdir()
    (run / "etc-work").mkdir()
    conflist = json.dumps({
        "cniVersion": "1.0.0", "name": "antrea",
        "plugins": [{"type": "antrea",
                     "cniSocket": str(run / "cni.sock")}]})
    cni = BUILD / "core" / "cni" / "antrea-cni"
    # The container prints its address, routes and a ping of the gateway;
    # "sleep 2" gives the test time to see its OVS port while it runs.
    command = ("ip -4 -o addr show dev eth0; ip -4 route; "
               f"ping -c 3 -W 2 {GATEWAY} && echo PING-OK; sleep 2")
    script = run / "ctr-run.sh"
    script.write_text(f"""\
set -e
mount -t overlay overlay -o lowerdir=/etc,upperdir={run}/etc-upper,\
workdir={run}/etc-work /etc
mkdir -p /etc/cni/net.d
printf '%s' '{conflist}' > /etc/cni/net.d/10-antrea.conflist
mount -t tmpfs tmpfs /opt
mkdir -p /opt/cni/bin
cp {cni} /opt/cni/bin/antrea
exec ctr --address {sock} --namespace {CTR_NAMESPACE} run --rm --cni \\
    --snapshotter native {IMAGE} {CONTAINER} sh -c '{command}'
""")
    return script


def ovs_ports():
    """The external_ids of every OVS port, as text."""
    return sh("ovs-vsctl", f"--db=unix:{h.ovs}/db.sock",
              "--columns=name,external_ids", "list", "Port", ns=NS)


def ipam_allocations(run):
    """Every allocation the native IPAM store holds, as JSON text."""
    allocations = {}
    for f in sorted((run / "ipam").glob("*.json")):
        allocations.update(json.loads(f.read_text()).get("allocations", {}))
    return json.dumps(allocations, sort_keys=True)


def run_container(run, sock):
    """Runs the container; checks its network while it runs and after."""
    script = ctr_run_script(run, sock)
    proc = subprocess.Popen(
        ["ip", "netns", "exec", NS, "unshare", "-m", "--propagation",
         "private", "sh", str(script)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen_port = False
    deadline = time.monotonic() + TIMEOUT
    while proc.poll() is None and time.monotonic() < deadline:
        if not seen_port and CONTAINER in ovs_ports():
            seen_port = True
        time.sleep(0.2)
    try:
        out, err = proc.communicate(timeout=max(1, deadline
                                                - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    check("ctr run --cni exits 0", proc.returncode == 0,
          f"rc {proc.returncode}\nstdout {out}\nstderr {err}")
    check("while the container runs, OVS has its port (external_ids "
          "name the container)", seen_port, ovs_ports())
    addr = [line for line in out.splitlines() if "eth0" in line
            and "inet " in line]
    ok = bool(addr) and " 10.10.7." in addr[0] and "/24" in addr[0]
    check("the container's eth0 has an address of the Node's podCIDR",
          ok, out)
    check("its default route is the gateway",
          f"default via {GATEWAY}" in out, out)
    check("it pings the gateway through OVS", "PING-OK" in out, out)
    ports = ovs_ports()
    check("after the container exits (CNI DEL), its OVS port is gone",
          CONTAINER not in ports, ports)
    check("and its IPAM allocation is released",
          CONTAINER not in ipam_allocations(run), ipam_allocations(run))


def main():
    skip_unless_root_with_daemons(BUILD / "core/agent/antrea-agent",
                                  BUILD / "core/cni/antrea-cni")
    for prog in ("containerd", "ctr", "runc", "unshare"):
        if shutil.which(prog) is None:
            print(f"SKIP: {prog} is not installed")
            sys.exit(77)
    if not BUSYBOX.exists():
        print("SKIP: busybox-static is not installed")
        sys.exit(77)
    run = pathlib.Path(tempfile.mkdtemp(prefix="atest-ctr-"))
    try:
        h.setup(run, POD_CIDR)
        sock = start_containerd(run)
        archive = oci_image(run)
        ctr(sock, "images", "import", "--snapshotter", "native",
            str(archive))
        images = ctr(sock, "images", "ls", "-q")
        check("the busybox image is imported", IMAGE in images, images)
        run_container(run, sock)
    except Exception as e:  # noqa: BLE001
        check("the test ran to the end", False, repr(e))
    finally:
        if h.failures:
            h.print_agent_log()
        if "containerd" in h.procs:
            ctr(sock, "tasks", "kill", "-s", "KILL", CONTAINER,
                check_rc=False)
            ctr(sock, "containers", "rm", CONTAINER, check_rc=False)
        h.cleanup()
        # containerd's snapshots may hold mounts under 'run': the harness
        # stopped containerd; unmount what is left before removing.
        for m in reversed(pathlib.Path("/proc/self/mounts").read_text()
                          .splitlines()):
            target = m.split()[1]
            if target.startswith(str(run)):
                subprocess.run(["umount", "-l", target])
        if not os.environ.get("ATEST_KEEP"):
            shutil.rmtree(run, ignore_errors=True)
    print(f"{len(h.failures)} failure(s)")
    sys.exit(1 if h.failures else 0)


if __name__ == "__main__":
    main()
