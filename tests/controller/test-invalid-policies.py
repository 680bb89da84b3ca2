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
import os
import pathlib
import signal
import ssl
import sys
import tempfile
import time
import uuid

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SRC / "tests" / "agent"))
from agent_harness import Harness, kube, wait_for  # noqa: E402

BUILD = pathlib.Path(os.environ.get("abs_top_builddir", "."))
CONTROLLER = BUILD / "core" / "controller" / "antrea-controller"
PID = os.getpid()
NS = f"atest-npinv-{PID}"
IP = "192.168.81.2"
NODE = "atest-npinv-node"
PORT = 10351
CP = "/apis/controlplane.antrea.io/v1beta2/"
NP_API = "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies"
ETCD_PREFIX = "/registry"       # kube-apiserver's default --etcd-prefix
POD_NS = "npinv"                # the Kubernetes Namespace of the test
BOUND = 60                      # seconds: a safety bound, not a measure
h = Harness(NS, IP, NODE, BUILD)
check = h.check


def skip_unless_possible():
    """Exits 77 unless root with kube-apiserver, etcd and the controller."""
    if os.geteuid() != 0:
        print("SKIP: needs root")
        sys.exit(77)
    missing = [str(f) for f in (kube.apiserver_path(), CONTROLLER)
               if not pathlib.Path(f).is_file()]
    try:
        kube.etcd_path()
    except Exception:  # noqa: BLE001
        missing.append("etcd")
    if missing:
        print(f"SKIP: missing {', '.join(missing)}")
        sys.exit(77)


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


# --- A minimal protobuf reader: enough for controlplane.proto. ---

def pb_fields(data):
    """Answers {field number: [values]} of protobuf message bytes: ints
    for varints, bytes for length-delimited and fixed fields."""
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


def first(fields, num, default=b""):
    """The first value of field 'num'."""
    return fields.get(num, [default])[0]


# --- The controller's API, from inside the namespace. ---

class Api:
    """Requests to the controller's API, verified against its CA."""

    def __init__(self, ca_file, token):
        self.ctx = ssl.create_default_context(cafile=str(ca_file))
        self.token = token

    def get(self, path, auth=True):
        """GET path; answers (status, body bytes)."""
        with kube.enter_netns(NS):
            c = http.client.HTTPSConnection(IP, PORT, context=self.ctx,
                                            timeout=BOUND)
            c.connect()
        headers = {"Authorization": f"Bearer {self.token}"} if auth else {}
        try:
            c.request("GET", path, headers=headers)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def items(self, resource):
        """The encoded objects of a list of 'resource'."""
        status, data = self.get(CP + resource)
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
            f = pb_fields(item)
            name = first(pb_fields(first(f, 1)), 1).decode()
            members = []
            for m in f.get(2, []):
                pod = pb_fields(first(pb_fields(m), 1))
                members.append(f"{first(pod, 2).decode()}/"
                               f"{first(pod, 1).decode()}")
            out[name] = sorted(members)
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


def main():
    skip_unless_possible()
    run = pathlib.Path(tempfile.mkdtemp(prefix="atest-npinv-"))
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


def apiserver_argv(run):
    """The running kube-apiserver's command line."""
    pid = int((run / "kube" / "kube-apiserver.pid").read_text())
    return pathlib.Path(f"/proc/{pid}/cmdline").read_bytes() \
        .decode().split("\0")


def make_pods(admin):
    """The Namespace with Pods web (port "http" 80) and client on the
    Node, with IPs."""
    admin.create("/api/v1/namespaces", {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": POD_NS, "labels": {"ns": POD_NS}}})
    for pod, ip in (("web", "10.244.9.10"), ("client", "10.244.9.11")):
        admin.create(f"/api/v1/namespaces/{POD_NS}/pods", {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod, "namespace": POD_NS,
                         "labels": {"app": pod}},
            "spec": {"nodeName": NODE, "containers": [
                {"name": "c", "image": "busybox",
                 "ports": [{"name": "http", "containerPort": 80}]}]}})
        admin.patch(kube.api_path("pods", pod, namespace=POD_NS,
                                  subresource="status"),
                    {"status": {"podIP": ip, "podIPs": [{"ip": ip}]}},
                    "strategic")


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

    rules = [{"apiGroups": ["controlplane.antrea.io"],
              "resources": ["networkpolicies", "addressgroups",
                            "appliedtogroups"],
              "verbs": ["get", "list", "watch"]}]
    kube.service_account_kubeconfig(run, "kube-system", "npinv-agent",
                                    rules, kube=admin)
    token = (run / "kube" / "sa-kube-system-npinv-agent.token") \
        .read_text().strip()

    conf = run / "controller.conf"
    conf.write_text(f"clientConnection:\n  kubeconfig: {kc}\n"
                    f"apiPort: {PORT}\nselfSignedCert: true\n")
    ca = run / "ca.crt"
    log = run / "controller.log"
    wrapper = os.environ.get("ATEST_WRAPPER", "").split()
    h.start("controller", wrapper + [
        str(CONTROLLER), "--config", str(conf), "--self-signed-cert-dir",
        str(run / "self-signed"), "--ca-cert-out", str(ca)], log=log)
    wait_for(ca.exists, "the controller's certificate", BOUND)
    api = Api(ca, token)
    wait_for(lambda: api.get("/readyz")[0] == 200,
             "the controller to be ready", BOUND)

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
    check("/healthz: 200", api.get("/healthz", auth=False)[0] == 200)
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
    p = h.procs.pop("controller")
    p.send_signal(signal.SIGTERM)
    try:
        code = p.wait(BOUND)
    except Exception:  # noqa: BLE001
        p.kill()
        code = p.wait()
    check("SIGTERM: exit 0", code == 0, str(code))


if __name__ == "__main__":
    sys.exit(main())
