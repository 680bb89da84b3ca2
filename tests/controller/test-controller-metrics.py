#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Integration test of antrea-controller's Prometheus metrics
(docs/metrics.md) on its API server's /metrics.

In a network namespace "atest-cpmet-PID" of its own
(tests/agent/agent_harness.py): etcd + kube-apiserver, two
ServiceAccounts (one granted get on the non-resource URL /metrics and
get/list/watch on the controlplane.antrea.io resources, one with
nothing) and the real antrea-controller (selfSignedCert, its certificate
written with --ca-cert-out).  Then, over HTTPS verified against it:

- /metrics answers 401 without a token and with a bad one, 403 for the
  ServiceAccount without RBAC, 200 with the text format 0.0.4
  (tests/agent/promtext.py) for the one with it, holding every controller
  metric docs/metrics.md lists, with its type;
- a NetworkPolicy (on a Pod of the Node) moves the processed counter and
  the policy and group gauges; an open watch for the Node counts as one
  connected agent;
- the kube-apiserver restarted, the reconnect counter of each of the
  controller's watches (namespaces, pods, networkpolicies) grows;
- with enablePrometheusMetrics: false (the controller restarted),
  /metrics answers 404 while the API still works.

Root only, with the kube binaries (exit 77 otherwise); everything made is
removed at the end.  Environment: abs_top_builddir, abs_top_srcdir, and
ATEST_WRAPPER, a command the controller runs under (e.g. "valgrind
--leak-check=full --error-exitcode=99"): it must exit with 0.
"""

import http.client
import os
import pathlib
import re
import ssl
import sys
import tempfile

SRC = pathlib.Path(os.environ.get("abs_top_srcdir",
                                  pathlib.Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SRC / "tests" / "agent"))
from agent_harness import Harness, kube, wait_for  # noqa: E402
import promtext  # noqa: E402

BUILD = pathlib.Path(os.environ.get("abs_top_builddir", "."))
CONTROLLER = BUILD / "core" / "controller" / "antrea-controller"
PID = os.getpid()
NS = f"atest-cpmet-{PID}"
IP = "192.168.81.2"
NODE = "atest-cpmet-node"
PORT = 10349
PREFIX = "/apis/controlplane.antrea.io/v1beta2/"
BOUND = 60                      # seconds: a safety bound, not a measure
h = Harness(NS, IP, NODE, BUILD)
check = h.check


def documented(prefix):
    """{name: type} of the metrics docs/metrics.md lists with 'prefix'
    (its table rows: | `name` | type | labels | meaning |)."""
    text = (SRC / "docs" / "metrics.md").read_text()
    return dict(re.findall(rf"^\| `({prefix}[a-z0-9_]+)` \| (\w+) \|", text,
                           re.M))


class Api:
    """Requests to the controller, verified against its CA."""

    def __init__(self, ca_file):
        self.ctx = ssl.create_default_context(cafile=str(ca_file))

    def conn(self):
        with kube.enter_netns(NS):
            c = http.client.HTTPSConnection(IP, PORT, context=self.ctx,
                                            timeout=BOUND)
            c.connect()
        return c

    def get(self, path, token=None):
        """GET path; answers (status, body text)."""
        c = self.conn()
        c.request("GET", path, headers=({"Authorization": f"Bearer {token}"}
                                        if token else {}))
        r = c.getresponse()
        body = r.read().decode(errors="replace")
        c.close()
        return r.status, body

    def metrics(self, token):
        status, body = self.get("/metrics", token)
        if status != 200:
            raise RuntimeError(f"/metrics: {status} {body}")
        return promtext.parse(body)


def stop_controller():
    """Stops the controller (SIGTERM) and checks it exits with 0 (under
    ATEST_WRAPPER, e.g. valgrind --error-exitcode=99, that is also a
    clean memory check)."""
    p = h.procs.get("controller")
    if p is None:
        return
    h.stop("controller")
    check("the controller stops cleanly (exit 0)", p.returncode == 0,
          str(p.returncode))


def start_controller(run, kc, enabled):
    """(Re)starts the controller; answers the Api once /healthz works."""
    stop_controller()
    conf = run / "controller.conf"
    conf.write_text(f"clientConnection:\n  kubeconfig: {kc}\n"
                    f"apiPort: {PORT}\nselfSignedCert: true\n"
                    f"enablePrometheusMetrics: {str(enabled).lower()}\n")
    ca = run / "ca.crt"
    if ca.exists():
        ca.unlink()
    wrapper = os.environ.get("ATEST_WRAPPER", "").split()
    argv = wrapper + [str(CONTROLLER), "--config", str(conf),
                      "--self-signed-cert-dir", str(run / "ss"),
                      "--ca-cert-out", str(ca)]
    h.start("controller", argv, log=run / "controller.log")
    wait_for(lambda: ca.exists(), "the controller's certificate", BOUND)
    api = Api(ca)

    def healthy():
        try:
            return api.get("/healthz")[0] == 200
        except OSError:
            return False
    wait_for(healthy, "/healthz", BOUND)
    return api


def body(run):
    h.setup_netns()
    kc = h.setup_control_plane("10.244.9.0/24")
    admin = kube.Kube.from_kubeconfig(kc, netns=NS)
    kube.service_account_kubeconfig(
        run, "kube-system", "cpmet-reader",
        [{"apiGroups": ["controlplane.antrea.io"],
          "resources": ["networkpolicies", "addressgroups",
                        "appliedtogroups"],
          "verbs": ["get", "list", "watch"]},
         {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}], kube=admin)
    kube.service_account_kubeconfig(run, "kube-system", "cpmet-nobody", [],
                                    kube=admin)
    token = (run / "kube" / "sa-kube-system-cpmet-reader.token") \
        .read_text().strip()
    nobody = (run / "kube" / "sa-kube-system-cpmet-nobody.token") \
        .read_text().strip()

    api = start_controller(run, kc, True)
    status, text = api.get("/metrics")
    check("no token: 401", status == 401, f"{status} {text}")
    status, text = api.get("/metrics", "not-a-token")
    check("bad token: 401", status == 401, f"{status} {text}")
    status, text = api.get("/metrics", nobody)
    check("ServiceAccount without RBAC: 403", status == 403,
          f"{status} {text}")
    status, text = api.get("/metrics", token)
    check("ServiceAccount with RBAC: 200", status == 200, f"{status}")

    docs = documented("antrea_controller_")
    m = api.metrics(token)
    check("docs/metrics.md lists controller metrics", len(docs) >= 5,
          str(docs))
    missing = {n: t for n, t in docs.items()
               if n not in m or m[n].type != t}
    check("every documented controller metric, with its type",
          not missing, str(missing))
    undocumented = [n for n in m if n not in docs]
    check("every controller metric is documented", not undocumented,
          str(undocumented))
    processed0 = m["antrea_controller_network_policy_processed"].value()

    wait_for(lambda: api.get("/readyz", token)[0] == 200, "/readyz", BOUND)
    # An agent's watch for the Node.
    c = api.conn()
    c.request("GET", PREFIX + "networkpolicies?watch=1&fieldSelector="
              f"nodeName%3D{NODE}",
              headers={"Authorization": f"Bearer {token}"})
    r = c.getresponse()
    check("the agent's watch opens", r.status == 200, str(r.status))

    admin.create("/api/v1/namespaces", {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "cpm"}})
    admin.create("/api/v1/namespaces/cpm/pods", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "cpm",
                     "labels": {"app": "web"}},
        "spec": {"nodeName": NODE, "containers": [
            {"name": "c", "image": "busybox"}]}})
    admin.patch(kube.api_path("pods", "web", namespace="cpm",
                              subresource="status"),
                {"status": {"podIP": "10.244.9.10",
                            "podIPs": [{"ip": "10.244.9.10"}]}},
                "strategic")
    admin.create("/apis/networking.k8s.io/v1/namespaces/cpm/networkpolicies",
                 {"apiVersion": "networking.k8s.io/v1",
                  "kind": "NetworkPolicy",
                  "metadata": {"name": "web", "namespace": "cpm"},
                  "spec": {"podSelector": {"matchLabels": {"app": "web"}},
                           "ingress": [{"from": [{"podSelector": {}}]}]}})

    def counted():
        m = api.metrics(token)
        return (m["antrea_controller_network_policy_count"].value() >= 1
                and m["antrea_controller_applied_to_group_count"].value()
                >= 1)
    wait_for(counted, "the policy in the metrics", BOUND)
    m = api.metrics(token)
    processed = m["antrea_controller_network_policy_processed"].value()
    check("the NetworkPolicy event was processed",
          processed >= processed0 + 1, f"{processed0} -> {processed}")
    check("one policy, its groups",
          m["antrea_controller_network_policy_count"].value() == 1
          and m["antrea_controller_address_group_count"].value() == 1
          and m["antrea_controller_applied_to_group_count"].value() == 1,
          str({n: f.value() for n, f in m.items() if n.endswith("count")}))
    check("one connected agent, one watch",
          m["antrea_controller_connected_agents"].value() == 1
          and m["antrea_controller_watches"].value() == 1,
          str((m["antrea_controller_connected_agents"].value(),
               m["antrea_controller_watches"].value())))
    c.close()

    # The kube-apiserver restarted: the controller's watches of it are
    # sent again, and counted.
    rewatch = "antrea_controller_k8s_watch_reconnects"
    before = {lab["resource"]: v for lab, v in m[rewatch].series()}
    kube.stop_control_plane(run)
    kube.start_control_plane(run, NS, IP)

    def rewatched():
        try:
            now = {lab["resource"]: v
                   for lab, v in api.metrics(token)[rewatch].series()}
        except (OSError, RuntimeError):
            return False
        return all(now.get(r, 0) > before.get(r, 0)
                   for r in ("namespaces", "pods", "networkpolicies"))
    wait_for(rewatched, "the watch reconnects counted", BOUND)
    check("kube-apiserver restarted: each watch's reconnect counted", True)

    api = start_controller(run, kc, False)
    status, text = api.get("/metrics", token)
    check("enablePrometheusMetrics false: 404", status == 404,
          f"{status} {text}")
    status, _ = api.get("/controllerinfo", token)
    check("... while the API still answers (403 for controllerinfo "
          "without its RBAC)", status == 403, str(status))
    stop_controller()


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root")
        return 77
    missing = [str(f) for f in (kube.apiserver_path(), CONTROLLER)
               if not pathlib.Path(f).is_file()]
    if missing:
        print(f"SKIP: missing {', '.join(missing)}")
        return 77
    run = pathlib.Path(tempfile.mkdtemp(prefix="atest-cpmet-"))
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


if __name__ == "__main__":
    sys.exit(main())
