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
  serves the same self-signed certificate (kept in --self-signed-cert-dir),
  also after the host gained an address.

Root only, with the kube binaries (exit 77 otherwise); everything made is
removed at the end.  Environment: abs_top_builddir, abs_top_srcdir, and
ATEST_WRAPPER, a command the controller runs under (e.g. "valgrind
--leak-check=full --error-exitcode=99": its exit code is checked).
"""

import json
import pathlib
import struct
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from controller_harness import (  # noqa: E402
    CONTROLPLANE_READER, ControllerApi, controller_path,
    service_account_token, start_controller)
from agent_harness import (  # noqa: E402
    BOUND, Harness, kube, sh, skip_unless_root_with_daemons, wait_for)
from cp_protobuf import group_members, pb_fields  # noqa: E402

IP = "192.168.79.2"
NODE = "atest-cp-node"
h = Harness.for_test("atest-cpapi", IP, NODE)
check = h.check
CONTROLLER = controller_path(h.build)
PORT = 10349
PREFIX = "/apis/controlplane.antrea.io/v1beta2/"
RESOURCES = tuple(CONTROLPLANE_READER["resources"])


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


def body(run):
    h.setup_netns()
    kc = h.setup_control_plane("10.244.7.0/24")
    admin = kube.Kube.from_kubeconfig(kc, netns=h.ns)

    token = service_account_token(run, admin, "cp-agent",
                                  [CONTROLPLANE_READER])
    nobody = service_account_token(run, admin, "cp-nobody", [])
    settings = {"apiPort": PORT, "selfSignedCert": True,
                "tlsMinVersion": "VersionTLS12"}
    ca = start_controller(h, kc, settings)
    api = ControllerApi(h, PORT, ca)
    api.wait_healthy()
    status, _, text = api.get("/healthz")
    check("/healthz without a token: 200 ok", status == 200
          and text == b"ok", f"{status} {text!r}")

    # The CA for the agents, published as Antrea does.
    cm_path = "/api/v1/namespaces/kube-system/configmaps/antrea-ca"
    try:
        wait_for(lambda: admin.get_or_none(cm_path) is not None,
                 "the ConfigMap antrea-ca", BOUND)
    except RuntimeError:
        pass
    cm = admin.get_or_none(cm_path) or {}
    check("ConfigMap kube-system/antrea-ca holds the controller's "
          "certificate as ca.crt",
          cm.get("data", {}).get("ca.crt", "").strip()
          == ca.read_text().strip(), str(cm)[:300])

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

    api.wait_ready(token)
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
    h.create_namespace(admin, "cpx")
    for pod, ip in (("web", "10.244.7.10"), ("client", "10.244.7.11")):
        h.create_pod(admin, "cpx", pod, ip, ports=[("http", 80)])
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
    h.stop_cleanly("controller")
    log = (run / "controller.log").read_text()
    check("the log says what it serves where",
          f":{PORT}" in log and "serving" in log, log[-500:])

    # A restarted controller keeps its self-signed certificate, so agents
    # that trust it keep trusting it, even though the host has an address
    # more by then (as when the agent on the controller's Node has made
    # antrea-gw0).  (The kube-apiserver is gone: the controller starts,
    # writes the certificate, and waits to sync.)
    sh("ip", "address", "add", "10.99.0.1/32", "dev", "lo", ns=h.ns)
    ca2 = start_controller(h, kc, settings, ca_out="ca-after-restart.crt")
    h.stop("controller")
    check("a restart keeps the self-signed certificate (a new host address "
          "notwithstanding)",
          ca2.read_bytes() == ca.read_bytes(), "the certificate changed")
    log = (run / "controller.log").read_text()
    check("the log says the kept certificate does not name the new address",
          "does not name 10.99.0.1" in log, log[-800:])


if __name__ == "__main__":
    skip_unless_root_with_daemons(CONTROLLER, ovs=False)
    sys.exit(h.run_test(body, logs=["controller.log"]))
