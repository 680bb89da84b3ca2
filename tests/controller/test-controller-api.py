#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of antrea-controller's control-plane API and its auth.

Starts etcd + kube-apiserver in a network namespace "atest-cpapi-PID" of
its own (tests/agent/agent_harness.py), two ServiceAccounts (one with a
ClusterRole allowing get/list/watch on the three controlplane.antrea.io
resources, one with no permissions), and the real antrea-controller
(selfSignedCert, its certificate written with --ca-cert-out).  Then, over
HTTPS verified against that certificate:

- /healthz answers without a token; the resources answer 401 without a
  token and with a bad one, 403 for the ServiceAccount without
  permission, 200 for the allowed one; errors are Kubernetes Status
  objects with the code;
- a watch sends its initial set and a BOOKMARK, then ADDED events after a
  Namespace, a Pod (on the Node, with an IP) and a NetworkPolicy are
  created: the internal NetworkPolicy, its AppliedToGroup holding the Pod
  and its AddressGroup; lists filtered by nodeName hold the Node's
  objects and nothing for another Node;
- with the kube-apiserver gone, a token not seen before gets 503;
- SIGTERM stops the controller cleanly (exit 0); started again, it
  serves the same self-signed certificate (kept in --self-signed-cert-dir).

Root only, with the kube binaries (exit 77 otherwise); everything made is
removed at the end.  Environment: abs_top_builddir, abs_top_srcdir, and
ATEST_WRAPPER, a command the controller runs under (e.g. "valgrind
--leak-check=full --error-exitcode=99": its exit code is checked).
"""

import http.client
import json
import os
import pathlib
import signal
import socket
import ssl
import struct
import sys
import tempfile
import time

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SRC / "tests" / "agent"))
from agent_harness import Harness, kube, wait_for  # noqa: E402

BUILD = pathlib.Path(os.environ.get("abs_top_builddir", "."))
CONTROLLER = BUILD / "core" / "controller" / "antrea-controller"
PID = os.getpid()
NS = f"atest-cpapi-{PID}"
IP = "192.168.79.2"
NODE = "atest-cp-node"
PORT = 10349
PREFIX = "/apis/controlplane.antrea.io/v1beta2/"
RESOURCES = ("networkpolicies", "addressgroups", "appliedtogroups")
BOUND = 60                      # seconds: a safety bound, not a measure
h = Harness(NS, IP, NODE, BUILD)
check = h.check


def skip_unless_possible():
    """Exits 77 unless root with kube-apiserver and the controller."""
    if os.geteuid() != 0:
        print("SKIP: needs root")
        sys.exit(77)
    missing = [str(f) for f in (kube.apiserver_path(), CONTROLLER)
               if not pathlib.Path(f).is_file()]
    if missing:
        print(f"SKIP: missing {', '.join(missing)}")
        sys.exit(77)


# --- A minimal protobuf reader: enough to follow controlplane.proto. ---

def pb_fields(data):
    """Answers {field number: [values]} of protobuf message bytes: ints
    for varints, bytes for length-delimited fields."""
    fields, i = {}, 0
    while i < len(data):
        key, i = _varint(data, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            length, i = _varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire} at {i}")
        fields.setdefault(num, []).append(value)
    return fields


def _varint(data, i):
    shift = value = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def pb_name(obj):
    """The metadata.name (field 1 of field 1) of an encoded object."""
    meta = pb_fields(obj).get(1, [b""])[0]
    return pb_fields(meta).get(1, [b""])[0].decode()


EVENT_TYPES = {1: "ADDED", 2: "MODIFIED", 3: "DELETED", 4: "BOOKMARK",
               5: "ERROR"}


def decode_event(payload):
    """Answers (type name, object field number or None, object bytes)."""
    f = pb_fields(payload)
    etype = EVENT_TYPES.get(f.get(1, [0])[0], "UNKNOWN")
    for num in (10, 11, 12, 13, 14):
        if num in f:
            return etype, num, f[num][0]
    return etype, None, b""


def group_members(group):
    """The Pod references (namespace/name) of an encoded group."""
    out = []
    for member in pb_fields(group).get(2, []):
        pod = pb_fields(pb_fields(member).get(1, [b""])[0])
        out.append(f"{pod.get(2, [b''])[0].decode()}/"
                   f"{pod.get(1, [b''])[0].decode()}")
    return out


# --- HTTPS to the controller, from inside the namespace. ---

class Api:
    """Requests to the controller's API, verified against its CA."""

    def __init__(self, ca_file):
        self.ctx = ssl.create_default_context(cafile=str(ca_file))

    def conn(self, timeout=BOUND):
        """A new connection (made inside the Node namespace)."""
        with kube.enter_netns(NS):
            c = http.client.HTTPSConnection(IP, PORT, context=self.ctx,
                                            timeout=timeout)
            c.connect()
        return c

    def get(self, path, token=None):
        """GET path; answers (status, content type, body bytes)."""
        c = self.conn()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, r.getheader("Content-Type", ""), body

    def watch(self, path, token):
        """Opens a watch; answers the response to read frames from."""
        c = self.conn()
        c.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        r = c.getresponse()
        return c, r


def read_frame(r):
    """Reads one non-empty frame of a watch response; answers the decoded
    event."""
    while True:
        head = r.read(4)
        if len(head) < 4:
            raise EOFError("the watch ended")
        (length,) = struct.unpack(">I", head)
        if length:
            return decode_event(r.read(length))


def status_check(name, result, code, text):
    """Checks that result is a JSON Status with code and text."""
    status, ctype, body = result
    ok = status == code and ctype.startswith("application/json")
    obj = {}
    if ok:
        obj = json.loads(body)
        ok = (obj.get("kind") == "Status" and obj.get("code") == code
              and text in obj.get("message", ""))
    check(name, ok, f"{status} {ctype} {body[:300]!r}")


def main():
    skip_unless_possible()
    run = pathlib.Path(tempfile.mkdtemp(prefix="atest-cpapi-"))
    h.run = run
    try:
        body(run)
    except Exception as e:  # noqa: BLE001
        check("no exception", False, repr(e))
    finally:
        if h.failures:
            log = run / "controller.log"
            if log.exists():
                print(log.read_text()[-6000:])
        h.cleanup()
    print(f"{len(h.failures)} failures")
    return 1 if h.failures else 0


def body(run):
    h.setup_netns()
    kc = h.setup_control_plane("10.244.7.0/24")
    admin = kube.Kube.from_kubeconfig(kc, netns=NS)

    rules = [{"apiGroups": ["controlplane.antrea.io"],
              "resources": list(RESOURCES),
              "verbs": ["get", "list", "watch"]}]
    kube.service_account_kubeconfig(run, "kube-system", "cp-agent", rules,
                                    kube=admin)
    kube.service_account_kubeconfig(run, "kube-system", "cp-nobody", [],
                                    kube=admin)
    token = (run / "kube" / "sa-kube-system-cp-agent.token").read_text() \
        .strip()
    nobody = (run / "kube" / "sa-kube-system-cp-nobody.token").read_text() \
        .strip()

    conf = run / "controller.conf"
    conf.write_text(f"clientConnection:\n  kubeconfig: {kc}\n"
                    f"apiPort: {PORT}\nselfSignedCert: true\n"
                    "tlsMinVersion: VersionTLS12\n")
    ca = run / "ca.crt"
    wrapper = os.environ.get("ATEST_WRAPPER", "").split()
    argv = wrapper + [str(CONTROLLER), "--config", str(conf),
                      "--self-signed-cert-dir", str(run / "self-signed")]
    h.start("controller", argv + ["--ca-cert-out", str(ca)],
            log=run / "controller.log")
    wait_for(lambda: ca.exists(), "the controller's certificate", BOUND)
    api = Api(ca)

    def healthy():
        try:
            return api.get("/healthz")[0] == 200
        except OSError:
            return False
    wait_for(healthy, "/healthz", BOUND)
    status, _, text = api.get("/healthz")
    check("/healthz without a token: 200 ok", status == 200
          and text == b"ok", f"{status} {text!r}")

    # Authentication and authorisation.
    np_path = PREFIX + "networkpolicies"
    status_check("no token: 401", api.get(np_path), 401, "no bearer token")
    status_check("bad token: 401", api.get(np_path, "not-a-token"), 401,
                 "not valid")
    status_check("bad token again (cached): 401",
                 api.get(np_path, "not-a-token"), 401, "not valid")
    status_check("token without permission: 403",
                 api.get(np_path, nobody), 403,
                 "not allowed to list networkpolicies")
    status_check("watch without permission: 403",
                 api.get(np_path + "?watch=1", nobody), 403,
                 "not allowed to watch networkpolicies")
    status_check("/readyz without a token: 401", api.get("/readyz"), 401,
                 "no bearer token")

    wait_for(lambda: api.get("/readyz", token)[0] == 200,
             "the controller to be ready", BOUND)
    for res in RESOURCES:
        status, ctype, _ = api.get(PREFIX + res, token)
        check(f"list {res}: 200 protobuf", status == 200 and ctype ==
              "application/vnd.antrea.cp.v1beta2+protobuf",
              f"{status} {ctype}")
    status_check("unknown resource: 404", api.get(PREFIX + "pods", token),
                 404, "unknown resource")
    status_check("bad field selector: 400",
                 api.get(np_path + "?fieldSelector=spec.nodeName%3Dx",
                         token), 400, "only nodeName=NAME")
    status_check("unknown object: 404",
                 api.get(np_path + "/no-such-policy", token), 404,
                 "not found")

    # Watches: the initial set ends with a BOOKMARK.
    sel = f"?watch=1&fieldSelector=nodeName%3D{NODE}"
    watches = {}
    for res in RESOURCES:
        c, r = api.watch(PREFIX + res + sel, token)
        check(f"watch {res}: 200", r.status == 200, str(r.status))
        initial = []
        while True:
            ev = read_frame(r)
            if ev[0] != "ADDED":
                break
            initial.append(ev)
        check(f"watch {res}: the initial set ends with a BOOKMARK",
              ev[0] == "BOOKMARK", ev[0])
        watches[res] = (c, r)

    # Objects: a Namespace, a Pod on the Node with an IP, a policy.
    admin.create("/api/v1/namespaces", {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "cpx", "labels": {"ns": "cpx"}}})
    for pod, ip in (("web", "10.244.7.10"), ("client", "10.244.7.11")):
        admin.create("/api/v1/namespaces/cpx/pods", {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod, "namespace": "cpx",
                         "labels": {"app": pod}},
            "spec": {"nodeName": NODE, "containers": [
                {"name": "c", "image": "busybox",
                 "ports": [{"name": "http", "containerPort": 80}]}]}})
        admin.patch(kube.api_path("pods", pod, namespace="cpx",
                                  subresource="status"),
                    {"status": {"podIP": ip, "podIPs": [{"ip": ip}]}},
                    "strategic")
    admin.create("/apis/networking.k8s.io/v1/namespaces/cpx/networkpolicies",
                  {"apiVersion": "networking.k8s.io/v1",
                   "kind": "NetworkPolicy",
                   "metadata": {"name": "allow-client", "namespace": "cpx"},
                   "spec": {"podSelector": {"matchLabels": {"app": "web"}},
                            "ingress": [{"from": [{"podSelector": {
                                "matchLabels": {"app": "client"}}}],
                                "ports": [{"port": 80}]}]}})

    got = {}
    for res in RESOURCES:
        c, r = watches[res]
        c.sock.settimeout(BOUND)
        try:
            got[res] = read_frame(r)
        except (OSError, EOFError) as e:
            got[res] = (repr(e), None, b"")
    etype, num, obj = got["networkpolicies"]
    check("watch networkpolicies: ADDED NetworkPolicy", etype == "ADDED"
          and num == 10, f"{etype} {num}")
    etype, num, obj = got["appliedtogroups"]
    check("watch appliedtogroups: ADDED with the web Pod",
          etype == "ADDED" and num == 13
          and group_members(obj) == ["cpx/web"],
          f"{etype} {num} {group_members(obj) if obj else ''}")
    etype, num, obj = got["addressgroups"]
    check("watch addressgroups: ADDED with the client Pod",
          etype == "ADDED" and num == 11
          and group_members(obj) == ["cpx/client"],
          f"{etype} {num} {group_members(obj) if obj else ''}")
    for c, _ in watches.values():
        c.close()

    # nodeName filtering of lists.
    for res in RESOURCES:
        status, _, data = api.get(
            PREFIX + res + f"?fieldSelector=nodeName%3D{NODE}", token)
        mine = len(pb_fields(data).get(2, []))
        status2, _, data2 = api.get(
            PREFIX + res + "?fieldSelector=nodeName%3Dother-node", token)
        other = len(pb_fields(data2).get(2, []))
        check(f"list {res}: 1 object for {NODE}, none for other-node",
              status == 200 and status2 == 200 and mine == 1 and other == 0,
              f"{status} {mine} {status2} {other}")

    # The kube-apiserver gone: a new token cannot be checked.
    kube.stop_control_plane(run)
    status_check("kube-apiserver unreachable: 503",
                 api.get(np_path, "never-seen-token"), 503, "TokenReview")

    # A clean stop.
    p = h.procs.pop("controller")
    p.send_signal(signal.SIGTERM)
    try:
        code = p.wait(BOUND)
    except Exception:  # noqa: BLE001
        p.kill()
        code = p.wait()
    check("SIGTERM: exit 0", code == 0, str(code))
    log = (run / "controller.log").read_text()
    check("the log says what it serves where",
          f":{PORT}" in log and "serving" in log, log[-500:])

    # A restarted controller keeps its self-signed certificate, so agents
    # that trust it keep trusting it.  (The kube-apiserver is gone: the
    # controller starts, writes the certificate, and waits to sync.)
    ca2 = run / "ca-after-restart.crt"
    h.start("controller", argv + ["--ca-cert-out", str(ca2)],
            log=run / "controller.log")
    wait_for(lambda: ca2.exists(), "the restarted controller's certificate",
             BOUND)
    h.stop("controller")
    check("a restart keeps the self-signed certificate",
          ca2.read_bytes() == ca.read_bytes(), "the certificate changed")


if __name__ == "__main__":
    sys.exit(main())
