#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test: invalid NetworkPolicies reach the real controller.

kube-apiserver 1.20 refuses an invalid NetworkPolicy at validation, but
objects already in etcd (written by an older or buggy apiserver) are
served as they are: the apiserver's storage decodes JSON values as well
as its own protobuf.  So this test writes invalid policies straight into
etcd (its v3 JSON gateway) under the key prefix the apiserver uses and
checks what the controller makes of them.

Starts etcd + kube-apiserver in a network namespace "atest-npinv-PID" of
its own (tests/agent/agent_harness.py), checks the apiserver's key prefix
(no --etcd-prefix, so /registry, the same command line as the sandbox's:
tests/e2e/sandbox/kube.py) by finding a policy made through the API at
/registry/networkpolicies/NS/NAME (not under the group's name), creates
a Namespace with two Pods and one valid policy, writes four invalid ones
(a bad CIDR, a selector operator "Foo", port 70000, a named port with bad
syntax; two before the controller starts, read by its first list, two
after, read by its watch) and runs the real antrea-controller.  Checks:

- the controller stays up (/healthz 200, the process alive) and stops
  cleanly on SIGTERM (exit 0; under ATEST_WRAPPER its exit code);
- the valid policy is computed and served (the control-plane API's list
  of networkpolicies: its sourceRef; its AppliedToGroup holds the Pod
  it selects), the invalid ones are not;
- the log has a line naming each invalid policy and the field at fault;
- each invalid policy has a Warning Event, reason InvalidNetworkPolicy,
  involvedObject the policy (with its uid), the message naming the
  field and the bad value;
- once one of them is fixed through the apiserver (an update), it is
  computed and served.

Root only, with the kube binaries (exit 77 otherwise); everything made is
removed at the end (ATEST_KEEP keeps the run directory).  Environment:
abs_top_builddir, abs_top_srcdir, ATEST_WRAPPER (a command the controller
runs under, e.g. "valgrind --leak-check=full --error-exitcode=99").
"""

import base64
import http.client
import json
import pathlib
import sys
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from controller_harness import (  # noqa: E402
    CONTROLPLANE_READER, ControllerApi, controller_path,
    service_account_token, start_controller)
from agent_harness import (  # noqa: E402
    BOUND, Harness, kube, skip_unless_root_with_daemons, wait_for)
from cp_protobuf import (  # noqa: E402
    first, group_members, object_name, pb_fields)

IP = "192.168.81.2"
NODE = "atest-npinv-node"
h = Harness.for_test("atest-npinv", IP, NODE)
check = h.check
NS = h.ns
CONTROLLER = controller_path(h.build)
PORT = 10351
CP = "/apis/controlplane.antrea.io/v1beta2/"
NP_API = "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies"
ETCD_PREFIX = "/registry"       # kube-apiserver's default --etcd-prefix
POD_NS = "npinv"                # the Kubernetes Namespace of the test


# --- etcd's v3 JSON gateway (inside the namespace). ---

def etcd(method, body):
    """POSTs 'body' to etcd's /v3/kv/'method'; answers the decoded JSON."""
    with kube.enter_netns(NS):
        c = http.client.HTTPConnection("127.0.0.1", 2379, timeout=BOUND)
        c.connect()
    try:
        c.request("POST", f"/v3/kv/{method}", json.dumps(body),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
    finally:
        c.close()
    if r.status != 200:
        raise RuntimeError(f"etcd {method}: {r.status} {data[:300]!r}")
    return json.loads(data)


def b64(data):
    """Base64 of bytes or str, as the gateway wants keys and values."""
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def etcd_get(key):
    """The value stored at 'key' (bytes), or None."""
    kvs = etcd("range", {"key": b64(key)}).get("kvs", [])
    return base64.b64decode(kvs[0]["value"]) if kvs else None


def policy_key(ns, name):
    """Where kube-apiserver keeps NetworkPolicy ns/name in etcd: the
    resource alone, without its group (NetworkPolicies moved from the
    extensions group and kept their key: a policy made through the API
    is looked for there below, so a different layout fails the test)."""
    return f"{ETCD_PREFIX}/networkpolicies/{ns}/{name}"


def put_policy(name, spec):
    """Writes NetworkPolicy POD_NS/name with 'spec' into etcd as JSON, as
    an apiserver that did not validate it would have; answers its uid."""
    uid = str(uuid.uuid4())
    obj = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": name, "namespace": POD_NS, "uid": uid,
                        "generation": 1,
                        "creationTimestamp": time.strftime(
                            "%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
           "spec": spec}
    etcd("put", {"key": b64(policy_key(POD_NS, name)),
                 "value": b64(json.dumps(obj))})
    return uid


# --- The controller's API, from inside the namespace. ---

class PolicyApi(ControllerApi):
    """The control-plane API as an agent with 'token' sees it."""

    def __init__(self, ca_file, token):
        super().__init__(h, PORT, ca_file)
        self.token = token              # the agent's bearer token

    def items(self, resource):
        """The encoded objects of a list of 'resource'."""
        status, _, data = self.get(CP + resource, self.token)
        if status != 200:
            raise RuntimeError(f"list {resource}: {status} {data[:200]!r}")
        return pb_fields(data).get(2, [])

    def policies(self):
        """{source policy "ns/name": (uid, [AppliedToGroup names])} of the
        internal NetworkPolicies served."""
        out = {}
        for item in self.items("networkpolicies"):
            f = pb_fields(item)
            ref = pb_fields(first(f, 4))
            key = f"{first(ref, 2).decode()}/{first(ref, 3).decode()}"
            out[key] = (first(ref, 4).decode(),
                        [g.decode() for g in f.get(3, [])])
        return out

    def applied_to_members(self):
        """{AppliedToGroup name: ["ns/pod", ...]}."""
        out = {}
        for item in self.items("appliedtogroups"):
            out[object_name(item)] = sorted(group_members(item))
        return out


# --- The policies. ---

def web_selector():
    """Selects the web Pod."""
    return {"matchLabels": {"app": "web"}}


VALID = ("allow-client", {
    "podSelector": web_selector(), "policyTypes": ["Ingress"],
    "ingress": [{"from": [{"podSelector": {
        "matchLabels": {"app": "client"}}}], "ports": [{"port": 80}]}]})

# name -> (spec, the field and the value the report must name); each
# selects the web Pod too, so a mistake would show in the valid policy's
# groups as well.
INVALID = {
    "bad-cidr": ({
        "podSelector": web_selector(), "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]}]},
        ("spec.ingress[0].from[0].ipBlock.cidr", "10.0.0.0/33")),
    "bad-operator": ({
        "podSelector": {"matchLabels": {"app": "web"}, "matchExpressions": [
            {"key": "tier", "operator": "Foo", "values": ["x"]}]},
        "policyTypes": ["Ingress"], "ingress": [{}]},
        ("spec.podSelector.matchExpressions[0].operator", "Foo")),
    "bad-port": ({
        "podSelector": web_selector(), "policyTypes": ["Ingress"],
        "ingress": [{"ports": [{"protocol": "TCP", "port": 70000}]}]},
        ("spec.ingress[0].ports[0].port", "70000")),
    "bad-port-name": ({
        "podSelector": web_selector(), "policyTypes": ["Egress"],
        "egress": [{"ports": [{"protocol": "TCP", "port": "web_port"}]}]},
        ("spec.egress[0].ports[0].port", "web_port")),
}
BEFORE_START = ("bad-cidr", "bad-operator")    # read by the first list
AFTER_START = ("bad-port", "bad-port-name")    # read by the watch


def apiserver_argv(run):
    """The running kube-apiserver's command line."""
    pid = int((run / "kube" / "kube-apiserver.pid").read_text())
    return pathlib.Path(f"/proc/{pid}/cmdline").read_bytes() \
        .decode().split("\0")


def make_pods(admin):
    """The Namespace with Pods web (port "http" 80) and client on the
    Node, with IPs."""
    h.create_namespace(admin, POD_NS)
    for pod, ip in (("web", "10.244.9.10"), ("client", "10.244.9.11")):
        h.create_pod(admin, POD_NS, pod, ip, ports=[("http", 80)])


def body(run):
    h.setup_netns()
    kc = h.setup_control_plane("10.244.9.0/24")
    admin = kube.Kube.from_kubeconfig(kc, netns=NS)
    np_path = NP_API.format(ns=POD_NS)

    # The key prefix: the same command line as the sandbox's apiserver
    # (no --etcd-prefix), and a policy made through the API lands there.
    argv = apiserver_argv(run)
    check("kube-apiserver runs without --etcd-prefix (default /registry)",
          not any(a.startswith("--etcd-prefix") for a in argv), str(argv))
    make_pods(admin)
    admin.create(np_path, {"apiVersion": "networking.k8s.io/v1",
                           "kind": "NetworkPolicy",
                           "metadata": {"name": VALID[0],
                                        "namespace": POD_NS},
                           "spec": VALID[1]})
    stored = etcd_get(policy_key(POD_NS, VALID[0]))
    check(f"the API's policy is in etcd at {policy_key(POD_NS, VALID[0])}"
          " (protobuf)", stored is not None and stored[:4] == b"k8s\0",
          repr(stored[:40]) if stored else "no such key")

    # Invalid policies the apiserver would refuse, straight into etcd.
    uids = {}
    for name in BEFORE_START:
        uids[name] = put_policy(name, INVALID[name][0])
    for name in BEFORE_START:
        got = admin.get_or_none(f"{np_path}/{name}")
        check(f"the apiserver serves {name} from its JSON in etcd",
              got is not None and got["metadata"]["uid"] == uids[name],
              repr(got)[:300])

    token = service_account_token(run, admin, "npinv-agent",
                                  [CONTROLPLANE_READER])
    ca = start_controller(h, kc, {"apiPort": PORT, "selfSignedCert": True})
    log = run / "controller.log"
    api = PolicyApi(ca, token)
    api.wait_ready(token)

    for name in AFTER_START:
        uids[name] = put_policy(name, INVALID[name][0])

    # A log line and an Event for each invalid policy.
    def log_line(name):
        head = f"NetworkPolicy {POD_NS}/{name} is invalid"
        for line in log.read_text(errors="replace").splitlines():
            if head in line:
                return line
        return None
    wait_for(lambda: all(log_line(n) for n in INVALID),
             "a log line for every invalid policy", BOUND)
    for name, (_, (field, value)) in INVALID.items():
        line = log_line(name)
        check(f"log: {name} named with {field} and {value}",
              line is not None and field in line and value in line,
              repr(line))

    def events():
        found = {}
        for ev in admin.list(f"/api/v1/namespaces/{POD_NS}/events"):
            obj = ev.get("involvedObject", {})
            if obj.get("kind") == "NetworkPolicy":
                found.setdefault(obj.get("name"), []).append(ev)
        return found
    wait_for(lambda: set(INVALID) <= set(events()),
             "an Event for every invalid policy", BOUND)
    found = events()
    for name, (_, (field, value)) in INVALID.items():
        evs = found.get(name, [])
        ev = evs[0] if evs else {}
        obj = ev.get("involvedObject", {})
        ok = (len(evs) == 1 and ev.get("type") == "Warning"
              and ev.get("reason") == "InvalidNetworkPolicy"
              and obj.get("apiVersion") == "networking.k8s.io/v1"
              and obj.get("namespace") == POD_NS
              and obj.get("uid") == uids[name]
              and field in ev.get("message", "")
              and value in ev.get("message", ""))
        check(f"Event: {name}: one Warning InvalidNetworkPolicy on the "
              f"policy (uid) naming {field}", ok, json.dumps(evs)[:600])
    check("no Event for the valid policy", VALID[0] not in found,
          json.dumps(found.get(VALID[0]))[:300])

    # Still up; only the valid policy computed and served.
    check("the controller is still running",
          h.procs["controller"].poll() is None,
          f"exit {h.procs['controller'].poll()}")
    check("/healthz: 200", api.healthy())
    served = api.policies()
    check("served: the valid policy only",
          sorted(served) == [f"{POD_NS}/{VALID[0]}"], str(sorted(served)))
    members = api.applied_to_members()
    groups = served.get(f"{POD_NS}/{VALID[0]}", ("", []))[1]
    check("the valid policy applies to the web Pod",
          len(groups) == 1 and members.get(groups[0]) == [f"{POD_NS}/web"],
          f"{groups} {members}")

    # Fix one through the apiserver: it is computed.
    fixed = "bad-port"
    obj = admin.get(f"{np_path}/{fixed}")
    obj["spec"]["ingress"][0]["ports"][0]["port"] = 8080
    admin.replace(f"{np_path}/{fixed}", obj)
    key = f"{POD_NS}/{fixed}"
    try:
        wait_for(lambda: key in api.policies(), f"{key} to be served",
                 BOUND)
    except RuntimeError:
        pass
    served = api.policies()
    check(f"{fixed} fixed by an update: computed and served",
          key in served and served[key][0] == uids[fixed],
          str(sorted(served)))
    check("the other invalid ones still are not",
          sorted(served) == sorted([f"{POD_NS}/{VALID[0]}", key]),
          str(sorted(served)))
    groups = served.get(key, ("", []))[1]
    members = api.applied_to_members()
    check(f"{fixed} applies to the web Pod",
          len(groups) == 1 and members.get(groups[0]) == [f"{POD_NS}/web"],
          f"{groups} {members}")

    # A clean stop.
    h.stop_cleanly("controller")


if __name__ == "__main__":
    skip_unless_root_with_daemons(CONTROLLER, ovs=False)
    sys.exit(h.run_test(body, logs=["controller.log"]))
