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

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from controller_harness import (  # noqa: E402
    CONTROLPLANE_READER, ControllerApi, controller_path,
    service_account_token, start_controller)
from agent_harness import (  # noqa: E402
    BOUND, Harness, kube, skip_unless_root_with_daemons, wait_for)
import promtext  # noqa: E402

IP = "192.168.81.2"
NODE = "atest-cpmet-node"
h = Harness.for_test("atest-cpmet", IP, NODE)
check = h.check
CONTROLLER = controller_path(h.build)
PORT = 10349
PREFIX = "/apis/controlplane.antrea.io/v1beta2/"


class MetricsApi(ControllerApi):
    """The controller's API with its /metrics parsed."""

    def metrics(self, token):
        """The metric families of /metrics (promtext.parse())."""
        status, _, body = self.get("/metrics", token)
        if status != 200:
            raise RuntimeError(f"/metrics: {status} {body!r}")
        return promtext.parse(body.decode(errors="replace"))


def stop_controller():
    """Stops the controller, if it runs, checking that it exits 0
    (Harness.stop_cleanly())."""
    if "controller" in h.procs:
        h.stop_cleanly("controller")


def restart_controller(run, kc, enabled):
    """(Re)starts the controller; answers the Api once /healthz works."""
    stop_controller()
    ca = start_controller(h, kc, {"apiPort": PORT, "selfSignedCert": True,
                                  "enablePrometheusMetrics": enabled},
                          cert_dir="ss")
    api = MetricsApi(h, PORT, ca)
    api.wait_healthy()
    return api


def body(run):
    h.setup_netns()
    kc = h.setup_control_plane("10.244.9.0/24")
    admin = kube.Kube.from_kubeconfig(kc, netns=h.ns)
    token = service_account_token(
        run, admin, "cpmet-reader",
        [CONTROLPLANE_READER,
         {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}])
    nobody = service_account_token(run, admin, "cpmet-nobody", [])

    api = restart_controller(run, kc, True)
    status, _, text = api.get("/metrics")
    check("no token: 401", status == 401, f"{status} {text}")
    status, _, text = api.get("/metrics", "not-a-token")
    check("bad token: 401", status == 401, f"{status} {text}")
    status, _, text = api.get("/metrics", nobody)
    check("ServiceAccount without RBAC: 403", status == 403,
          f"{status} {text}")
    status, _, text = api.get("/metrics", token)
    check("ServiceAccount with RBAC: 200", status == 200, f"{status}")

    docs = promtext.documented("antrea_controller_")
    m = api.metrics(token)
    check("docs/metrics.md lists controller metrics", len(docs) >= 5,
          str(docs))
    missing = promtext.missing(m, docs)
    check("every documented controller metric, with its type",
          not missing, str(missing))
    undocumented = [n for n in m if n not in docs]
    check("every controller metric is documented", not undocumented,
          str(undocumented))
    processed0 = m["antrea_controller_network_policy_processed"].value()

    api.wait_ready(token)
    # An agent's watch for the Node.
    c, r = api.watch(PREFIX + "networkpolicies?watch=1&fieldSelector="
                     f"nodeName%3D{NODE}", token)
    check("the agent's watch opens", r.status == 200, str(r.status))

    h.create_namespace(admin, "cpm")
    h.create_pod(admin, "cpm", "web", "10.244.9.10")
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
    kube.start_control_plane(run, h.ns, IP)

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

    api = restart_controller(run, kc, False)
    status, _, text = api.get("/metrics", token)
    check("enablePrometheusMetrics false: 404", status == 404,
          f"{status} {text}")
    status, _, _ = api.get("/controllerinfo", token)
    check("... while the API still answers (403 for controllerinfo "
          "without its RBAC)", status == 403, str(status))
    stop_controller()


if __name__ == "__main__":
    skip_unless_root_with_daemons(CONTROLLER, ovs=False)
    sys.exit(h.run_test(body, logs=["controller.log"]))
