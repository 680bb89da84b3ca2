# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""The conformance cases: upstream Kubernetes' netpol e2e cases as data.

Every case of test/e2e/network/netpol/network_policy.go that Kubernetes
1.20 can express is here (the SCTP-traffic cases and the endPort cases are
listed in SKIPPED with the reason).  A case is a sequence of steps; a step
is a list of actions on the cluster and upstream's hand-written
expectation for the port and protocol upstream probes.  The runner probes
every step on both ports and both protocols and compares with the oracle
(model.py), which `netpol.py selftest` checks against every hand-written
expectation here.

Actions (tuples):
    ("create", NS, POLICY)    create a NetworkPolicy in NS
    ("update", NS, POLICY)    replace the NetworkPolicy of that name
    ("delete", NS, NAME)      delete one NetworkPolicy
    ("delete-all",)           delete every NetworkPolicy of x, y and z
    ("label-ns", NS, LABELS)  merge LABELS into Namespace NS's labels
                              (a value None removes the key)
    ("label-pod", POD, LABELS)  the same for Pod "ns/name"
Strings "{ip:NS/POD}" in a policy are replaced by that Pod's IP when the
step runs.  Expectations are (client, server, allowed) overrides of an
all-allowed 9x9 matrix, applied in order, with patterns "*", "NS/*",
"*/POD" or "NS/POD" (upstream's ExpectPeer, ExpectAllIngress,
ExpectAllEgress and Expect).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

DNS = {"protocol": "UDP", "port": 53}


@dataclasses.dataclass(frozen=True)
class Check:
    """Upstream's hand-written expectation for one port and protocol."""
    # The port upstream probes (80 or 81).
    port: int
    # "TCP" or "UDP".
    protocol: str
    # (client pattern, server pattern, allowed) overrides, in order.
    expect: tuple[tuple[str, str, bool], ...] = ()


@dataclasses.dataclass(frozen=True)
class Step:
    """Actions, then the reachability they must lead to."""
    # What the step does, printed as it runs.
    what: str
    # The actions (see the module comment), applied in order.
    actions: tuple[tuple[Any, ...], ...]
    # Upstream's expectations after the actions.
    checks: tuple[Check, ...]


@dataclasses.dataclass(frozen=True)
class Case:
    """One upstream netpol e2e case."""
    # A short unique name (the runner's patterns match it).
    name: str
    # Upstream's It(...) title.
    title: str
    # The steps, in order, from a clean state (no policy, model labels).
    steps: tuple[Step, ...]


def netpol(name: str, pod_selector: Optional[dict[str, Any]] = None, *,
           ingress: Optional[list] = None, egress: Optional[list] = None,
           types: Optional[list[str]] = None) -> dict[str, Any]:
    """A NetworkPolicy as upstream's GenNetworkPolicyWithNameAndPodSelector
    + SetSpecIngressRules/SetSpecEgressRules make it: giving ingress (even
    []) adds the Ingress policyType, giving egress adds Egress."""
    spec: dict[str, Any] = {"podSelector": pod_selector or {}}
    policy_types = []
    if ingress is not None:
        spec["ingress"] = ingress
        policy_types.append("Ingress")
    if egress is not None:
        spec["egress"] = egress
        policy_types.append("Egress")
    spec["policyTypes"] = types or policy_types
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name}, "spec": spec}


def labels(**kv: str) -> dict[str, Any]:
    """{"matchLabels": kv}."""
    return {"matchLabels": dict(kv)}


def expr(key: str, op: str, *values: str) -> dict[str, Any]:
    """A selector with one matchExpression."""
    req: dict[str, Any] = {"key": key, "operator": op}
    if values:
        req["values"] = list(values)
    return {"matchExpressions": [req]}


POD_A = labels(pod="a")


def tcp(port: int) -> dict[str, Any]:
    """A TCP NetworkPolicyPort."""
    return {"protocol": "TCP", "port": port}


def one(name: str, title: str, actions: list, checks: list) -> Case:
    """A single-step case."""
    return Case(name, title, (Step("apply", tuple(actions), tuple(checks)),))


ALL_OPEN: tuple = ()
DENY_X_INGRESS = (("*", "x/*", False),)
ALLOW_81_FROM_Y = (("x/*", "x/a", False), ("y/*", "x/a", True),
                   ("z/*", "x/a", False))
CIDR_EXCEPT_POLICY = netpol(
    "allow-client-a-via-cidr-egress-rule", POD_A,
    egress=[{"to": [{"ipBlock": {"cidr": "{ip:x/a}/4",
                                 "except": ["{ip:x/b}/32"]}}]},
            {"ports": [DNS]}])

CASES: tuple[Case, ...] = (
    one("no-policy", "(baseline) every Pod reaches every Pod without policies",
        [], [Check(80, "TCP"), Check(81, "TCP"), Check(80, "UDP"),
             Check(81, "UDP")]),
    one("default-deny-ingress",
        "should support a 'default-deny-ingress' policy",
        [("create", "x", netpol("deny-ingress", ingress=[]))],
        [Check(80, "TCP", DENY_X_INGRESS)]),
    one("default-deny-all", "should support a 'default-deny-all' policy",
        [("create", "x", netpol("deny-all-tcp-allow-dns", ingress=[],
                                egress=[{"ports": [DNS]}]))],
        [Check(80, "TCP", (("*", "x/*", False), ("x/*", "*", False)))]),
    one("podselector-same-namespace",
        "should enforce policy to allow traffic from pods within server "
        "namespace based on PodSelector",
        [("create", "x", netpol("x-a-allows-x-b", POD_A, ingress=[
            {"from": [{"podSelector": labels(pod="b")}]}]))],
        [Check(80, "TCP", (("*", "x/a", False), ("x/b", "x/a", True)))]),
    one("ingress-for-target",
        "should enforce policy to allow ingress traffic for a target",
        [("create", "x", netpol("deny-all", ingress=[])),
         ("create", "x", netpol("allow-all-to-a", POD_A, ingress=[
             {"from": [{"podSelector": {}, "namespaceSelector": {}}]}]))],
        [Check(80, "TCP", (("*", "x/a", True), ("*", "x/b", False),
                           ("*", "x/c", False)))]),
    one("ingress-from-all-namespaces",
        "should enforce policy to allow ingress traffic from pods in all "
        "namespaces",
        [("create", "x", netpol("allow-from-another-ns", POD_A, ingress=[
            {"from": [{"namespaceSelector": {"matchLabels": {}}}]}]))],
        [Check(80, "TCP", ALL_OPEN)]),
    one("namespaceselector",
        "should enforce policy to allow traffic only from a different "
        "namespace, based on NamespaceSelector",
        [("create", "x", netpol("allow-client-a-via-ns-selector", POD_A,
                                ingress=[{"from": [{"namespaceSelector":
                                                    labels(ns="y")}]}]))],
        [Check(80, "TCP", (("x/*", "x/a", False), ("z/*", "x/a", False)))]),
    one("podselector-matchexpressions",
        "should enforce policy based on PodSelector with MatchExpressions",
        [("create", "x", netpol("x-a-allows-x-b", POD_A, ingress=[
            {"from": [{"podSelector": expr("pod", "In", "b")}]}]))],
        [Check(80, "TCP", (("*", "x/a", False), ("x/b", "x/a", True)))]),
    one("namespaceselector-matchexpressions",
        "should enforce policy based on NamespaceSelector with "
        "MatchExpressions",
        [("create", "x", netpol("allow-ns-y-match-selector", POD_A, ingress=[
            {"from": [{"namespaceSelector": expr("ns", "In", "y")}]}]))],
        [Check(80, "TCP", (("x/*", "x/a", False), ("z/*", "x/a", False)))]),
    one("podselector-or-namespaceselector",
        "should enforce policy based on PodSelector or NamespaceSelector",
        [("create", "x", netpol("allow-ns-y-match-selector", POD_A, ingress=[
            {"from": [{"namespaceSelector": expr("ns", "NotIn", "x")},
                      {"podSelector": labels(pod="b")}]}]))],
        [Check(80, "TCP", (("x/a", "x/a", False), ("x/c", "x/a", False)))]),
    one("podselector-and-namespaceselector",
        "should enforce policy based on PodSelector and NamespaceSelector",
        [("create", "x", netpol(
            "allow-ns-y-podselector-and-nsselector", POD_A, ingress=[
                {"from": [{"namespaceSelector": expr("ns", "NotIn", "x"),
                           "podSelector": labels(pod="b")}]}]))],
        [Check(80, "TCP", (("*", "x/a", False), ("y/b", "x/a", True),
                           ("z/b", "x/a", True)))]),
    one("multiple-podselectors-and-namespaceselectors",
        "should enforce policy based on Multiple PodSelectors and "
        "NamespaceSelectors",
        [("create", "x", netpol("allow-ns-y-z-pod-b-c", POD_A, ingress=[
            {"from": [{"namespaceSelector": expr("ns", "NotIn", "x"),
                       "podSelector": expr("pod", "In", "b", "c")}]}]))],
        [Check(80, "TCP", (("x/*", "x/a", False), ("y/a", "x/a", False),
                           ("z/a", "x/a", False)))]),
    one("any-podselectors",
        "should enforce policy based on any PodSelectors",
        [("create", "x", netpol("allow-ns-x-pod-b-c", POD_A, ingress=[
            {"from": [{"podSelector": labels(pod="b")},
                      {"podSelector": labels(pod="c")}]}]))],
        [Check(80, "TCP", (("*", "x/a", False), ("x/b", "x/a", True),
                           ("x/c", "x/a", True)))]),
    one("pod-in-other-namespace",
        "should enforce policy to allow traffic only from a pod in a "
        "different namespace based on PodSelector and NamespaceSelector",
        [("create", "x", netpol(
            "allow-ns-y-pod-a-via-namespace-pod-selector", POD_A, ingress=[
                {"from": [{"namespaceSelector": labels(ns="y"),
                           "podSelector": labels(pod="a")}]}]))],
        [Check(80, "TCP", (("*", "x/a", False), ("y/a", "x/a", True)))]),
    one("ports", "should enforce policy based on Ports",
        [("create", "x", netpol("allow-client-a-via-ns-selector", POD_A,
                                ingress=[{"from": [{"namespaceSelector":
                                                    labels(ns="y")}],
                                          "ports": [tcp(81)]}]))],
        [Check(81, "TCP", ALLOW_81_FROM_Y)]),
    Case("stacked-overlapping-podselectors",
         "should enforce multiple, stacked policies with overlapping "
         "podSelectors", (
             Step("allow TCP 81 from namespace y to x/a", (
                 ("create", "x", netpol(
                     "allow-client-a-via-ns-selector", POD_A,
                     ingress=[{"from": [{"namespaceSelector":
                                         labels(ns="y")}],
                               "ports": [tcp(81)]}])),),
                 (Check(81, "TCP", ALLOW_81_FROM_Y),
                  Check(80, "TCP", (("*", "x/a", False),)))),
             Step("add a policy allowing TCP 80 from namespace y", (
                 ("create", "x", netpol(
                     "allow-client-a-via-ns-selector-80", POD_A,
                     ingress=[{"from": [{"namespaceSelector":
                                         labels(ns="y")}],
                               "ports": [tcp(80)]}])),),
                 (Check(80, "TCP", ALLOW_81_FROM_Y),)))),
    one("allow-all", "should support allow-all policy",
        [("create", "x", netpol("allow-all", ingress=[{}]))],
        [Check(80, "TCP"), Check(81, "TCP")]),
    one("named-port-ingress", "should allow ingress access on one named port",
        [("create", "x", netpol("allow-all", ingress=[
            {"ports": [{"port": "serve-81-tcp"}]}]))],
        [Check(81, "TCP"), Check(80, "TCP", DENY_X_INGRESS)]),
    one("named-port-ingress-from-namespace",
        "should allow ingress access from namespace on one named port",
        [("create", "x", netpol(
            "allow-client-a-via-ns-selector-80", POD_A,
            ingress=[{"from": [{"namespaceSelector": labels(ns="y")}],
                      "ports": [{"port": "serve-80-tcp",
                                 "protocol": "TCP"}]}]))],
        [Check(80, "TCP", (("x/*", "x/a", False), ("z/*", "x/a", False))),
         Check(81, "TCP", (("*", "x/a", False),))]),
    one("named-port-egress", "should allow egress access on one named port",
        [("create", "x", netpol("allow-egress", egress=[
            {"ports": [{"port": "serve-80-tcp"}, DNS]}]))],
        [Check(80, "TCP"), Check(81, "TCP", (("x/*", "*", False),))]),
    Case("updated-policy", "should enforce updated policy", (
        Step("allow all ingress in x", (
            ("create", "x", netpol("allow-all-mutate-to-deny-all",
                                   ingress=[{}])),),
             (Check(81, "TCP"),)),
        Step("update the policy to deny all ingress", (
            ("update", "x", netpol("allow-all-mutate-to-deny-all",
                                   ingress=[])),),
             (Check(81, "TCP", DENY_X_INGRESS),)))),
    Case("updated-namespace",
         "should allow ingress access from updated namespace", (
             Step("allow x/a from namespaces labelled ns2=updated", (
                 ("create", "x", netpol(
                     "allow-client-a-via-ns-selector", POD_A, ingress=[
                         {"from": [{"namespaceSelector":
                                    labels(ns2="updated")}]}])),),
                 (Check(80, "TCP", (("*", "x/a", False),)),)),
             Step("label namespace y ns2=updated", (
                 ("label-ns", "y", {"ns2": "updated"}),),
                 (Check(80, "TCP", (("*", "x/a", False),
                                    ("y/*", "*", True))),)))),
    Case("updated-pod", "should allow ingress access from updated pod", (
        Step("allow x/a from pods labelled pod=b,pod2=updated", (
            ("create", "x", netpol(
                "allow-client-a-via-pod-selector", POD_A, ingress=[
                    {"from": [{"podSelector": labels(pod="b",
                                                     pod2="updated")}]}])),),
             (Check(80, "TCP", (("*", "x/a", False),)),)),
        Step("label x/b pod2=updated", (
            ("label-pod", "x/b", {"pod2": "updated"}),),
             (Check(80, "TCP", (("*", "x/a", False),
                                ("x/b", "x/a", True))),)))),
    one("deny-other-namespaces",
        "should deny ingress from pods on other namespaces",
        [("create", "x", netpol("deny-empty-policy", ingress=[
            {"from": [{"podSelector": {"matchLabels": {}}}]}]))],
        [Check(80, "TCP", (("y/*", "x/*", False), ("z/*", "x/*", False)))]),
    Case("deny-updated-pod", "should deny ingress access to updated pod", (
        Step("deny ingress to pods labelled target=isolated", (
            ("create", "x", netpol("deny-ingress-via-label-selector",
                                   labels(target="isolated"), ingress=[])),),
             (Check(80, "TCP"),)),
        Step("label x/a target=isolated", (
            ("label-pod", "x/a", {"target": "isolated"}),),
             (Check(80, "TCP", (("*", "x/a", False),)),)))),
    one("deny-egress-podselector",
        "should deny egress from pods based on PodSelector",
        [("create", "x", netpol("deny-egress-pod-a", POD_A, egress=[]))],
        [Check(80, "TCP", (("x/a", "*", False),))]),
    one("deny-egress-namespace",
        "should deny egress from all pods in a namespace",
        [("create", "x", netpol("deny-egress-ns-x", egress=[]))],
        [Check(80, "TCP", (("x/*", "*", False),))]),
    one("ingress-and-egress-together",
        "should work with Ingress, Egress specified together",
        [("create", "x", netpol(
            "allow-client-a-via-pod-selector", POD_A,
            ingress=[{"from": [{"podSelector": labels(pod="b")}]}],
            egress=[{"ports": [{"port": 80}, DNS]}],
            types=["Egress", "Ingress"]))],
        [Check(80, "TCP", (("*", "x/a", False), ("x/b", "x/a", True))),
         Check(81, "TCP", (("*", "x/a", False), ("x/a", "*", False),
                           ("x/b", "x/a", True)))]),
    one("egress-denied-on-client-side",
        "should support denying of egress traffic on the client side (even "
        "if the server explicitly allows this traffic)",
        [("create", "x", netpol("allow-to-ns-y-pod-a", POD_A, egress=[
            {"to": [{"namespaceSelector": labels(ns="y"),
                     "podSelector": labels(pod="a")}]},
            {"ports": [DNS]}])),
         ("create", "y", netpol("allow-from-xa-on-ya-match-selector", POD_A,
                                ingress=[{"from": [{
                                    "namespaceSelector": labels(ns="x"),
                                    "podSelector": labels(pod="a")}]}])),
         ("create", "y", netpol("allow-from-xa-on-yb-match-selector",
                                labels(pod="b"),
                                ingress=[{"from": [{
                                    "namespaceSelector": labels(ns="x"),
                                    "podSelector": labels(pod="a")}]}]))],
        [Check(80, "TCP", (("x/a", "*", False), ("*", "y/a", False),
                           ("x/a", "y/a", True), ("*", "y/b", False)))]),
    one("egress-to-pod-in-other-namespace",
        "should enforce egress policy allowing traffic to a server in a "
        "different namespace based on PodSelector and NamespaceSelector",
        [("create", "x", netpol("allow-to-ns-y-pod-a", POD_A, egress=[
            {"to": [{"namespaceSelector": labels(ns="y"),
                     "podSelector": labels(pod="a")}]},
            {"ports": [DNS]}]))],
        [Check(80, "TCP", (("x/a", "*", False), ("x/a", "y/a", True)))]),
    one("ingress-any-port-one-protocol",
        "should enforce ingress policy allowing any port traffic to a server "
        "on a specific protocol",
        [("create", "x", netpol("allow-ingress-by-proto", POD_A, ingress=[
            {"ports": [{"protocol": "TCP"}]}]))],
        [Check(80, "TCP"), Check(80, "UDP", (("*", "x/a", False),))]),
    Case("ingress-allow-all-precedence",
         "should enforce multiple ingress policies with ingress allow-all "
         "policy taking precedence", (
             Step("allow ingress to x on port 80 only", (
                 ("create", "x", netpol("allow-ingress-port-80", ingress=[
                     {"ports": [{"port": 80}]}])),),
                 (Check(81, "TCP", DENY_X_INGRESS),)),
             Step("add an allow-all ingress policy", (
                 ("create", "x", netpol("allow-ingress", ingress=[{}])),),
                 (Check(81, "TCP"),)))),
    Case("egress-allow-all-precedence",
         "should enforce multiple egress policies with egress allow-all "
         "policy taking precedence", (
             Step("allow egress from x on port 80 only", (
                 ("create", "x", netpol("allow-egress-port-80", egress=[
                     {"ports": [{"port": 80}, DNS]}])),),
                 (Check(81, "TCP", (("x/*", "*", False),)),)),
             Step("add an allow-all egress policy", (
                 ("create", "x", netpol("allow-egress", egress=[{}])),),
                 (Check(81, "TCP"),)))),
    Case("stop-enforcing-after-delete",
         "should stop enforcing policies after they are deleted", (
             Step("deny all ingress and egress in x", (
                 ("create", "x", netpol("deny-all", ingress=[],
                                        egress=[])),),
                 (Check(80, "TCP", (("x/*", "*", False),
                                    ("*", "x/*", False))),)),
             Step("delete every policy", (("delete-all",),),
                  (Check(80, "TCP"),)))),
    one("egress-cidr", "should allow egress access to server in CIDR block",
        [("create", "x", netpol(
            "allow-client-a-via-cidr-egress-rule", POD_A, egress=[
                {"to": [{"ipBlock": {"cidr": "{ip:y/b}/32"}}]},
                {"ports": [DNS]}]))],
        [Check(80, "TCP", (("x/a", "*", False), ("x/a", "y/b", True)))]),
    one("egress-cidr-except",
        "should enforce except clause while egress access to server in CIDR "
        "block",
        [("create", "x", CIDR_EXCEPT_POLICY)],
        [Check(80, "TCP", (("x/a", "x/b", False),))]),
    Case("ipblock-cidr-and-except-overlap",
         "should ensure an IP overlapping both IPBlock.CIDR and "
         "IPBlock.Except is allowed", (
             Step("egress from x/a to a /4 except x/b", (
                 ("create", "x", CIDR_EXCEPT_POLICY),),
                 (Check(80, "TCP", (("x/a", "x/b", False),)),)),
             Step("update the policy to allow only x/b's /32", (
                 ("update", "x", netpol(
                     "allow-client-a-via-cidr-egress-rule", POD_A, egress=[
                         {"to": [{"ipBlock": {"cidr": "{ip:x/b}/32"}}]},
                         {"ports": [DNS]}])),),
                 (Check(80, "TCP", (("x/a", "*", False),
                                    ("x/a", "x/b", True))),)))),
    Case("ingress-egress-independent",
         "should enforce policies to check ingress and egress policies can be "
         "controlled independently based on PodSelector", (
             Step("allow all egress from x/a", (
                 ("create", "x", netpol("allow-egress-for-target", POD_A,
                                        egress=[{}])),),
                 (Check(80, "TCP"),)),
             Step("deny all ingress to x/a", (
                 ("create", "x", netpol("deny-ingress-via-label-selector",
                                        POD_A, ingress=[])),),
                 (Check(80, "TCP", (("*", "x/a", False),)),)))),
    one("sctp-is-not-tcp",
        "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', "
        "even if the plugin doesn't support SCTP",
        [("create", "x", netpol("deny-ingress", ingress=[])),
         ("create", "x", netpol("allow-only-sctp-ingress-on-port-81", POD_A,
                                ingress=[{"ports": [{"protocol": "SCTP",
                                                     "port": 81}]}]))],
        [Check(81, "TCP", DENY_X_INGRESS)]),
    one("sctp-policy-isolates",
        "should properly isolate pods that are selected by a policy allowing "
        "SCTP, even if the plugin doesn't support SCTP",
        [("create", "x", netpol("allow-only-sctp-ingress-on-port-80", POD_A,
                                ingress=[{"ports": [{"protocol": "SCTP",
                                                     "port": 80}]}]))],
        [Check(81, "TCP", (("*", "x/a", False),))]),
    one("udp-only-is-not-tcp",
        "should not allow access by TCP when a policy specifies only UDP",
        [("create", "x", netpol("allow-only-udp-ingress-on-port-81", POD_A,
                                ingress=[{"ports": [{"protocol": "UDP",
                                                     "port": 81}]}]))],
        [Check(81, "TCP", (("*", "x/a", False),))]),
    one("default-ns-label-matchlabels",
        "should enforce policy to allow traffic based on NamespaceSelector "
        "with MatchLabels using default ns label",
        [("create", "x", netpol(
            "allow-client-a-via-ns-selector-for-immutable-ns-label", POD_A,
            ingress=[{"from": [{"namespaceSelector": {"matchLabels": {
                "kubernetes.io/metadata.name": "y"}}}]}]))],
        [Check(80, "TCP", (("x/*", "x/a", False), ("z/*", "x/a", False)))]),
    one("default-ns-label-matchexpressions",
        "should enforce policy based on NamespaceSelector with "
        "MatchExpressions using default ns label",
        [("create", "x", netpol(
            "allow-ns-y-match-selector-for-immutable-ns-label", POD_A,
            egress=[{"to": [{"namespaceSelector": expr(
                "kubernetes.io/metadata.name", "NotIn", "y")}]}]))],
        [Check(80, "TCP", (("x/a", "y/*", False),))]),
    one("udp-default-deny-ingress",
        "(UDP) should support a 'default-deny-ingress' policy",
        [("create", "x", netpol("deny-all", ingress=[]))],
        [Check(80, "UDP", DENY_X_INGRESS)]),
    one("udp-ports", "(UDP) should enforce policy based on Ports",
        [("create", "x", netpol("allow-ingress-on-port-81-ns-x", POD_A,
                                ingress=[{"from": [{"namespaceSelector":
                                                    labels(ns="y")}],
                                          "ports": [{"protocol": "UDP",
                                                     "port": 81}]}]))],
        [Check(81, "UDP", (("x/*", "x/a", False), ("z/*", "x/a", False)))]),
    one("udp-pod-in-other-namespace",
        "(UDP) should enforce policy to allow traffic only from a pod in a "
        "different namespace based on PodSelector and NamespaceSelector",
        [("create", "x", netpol(
            "allow-ns-y-pod-a-via-namespace-pod-selector", POD_A, ingress=[
                {"from": [{"namespaceSelector": labels(ns="y"),
                           "podSelector": labels(pod="a")}]}]))],
        [Check(80, "UDP", (("*", "x/a", False), ("y/a", "x/a", True)))]),
)

# Upstream cases this suite cannot run, and why.
SKIPPED: tuple[tuple[str, str], ...] = (
    ("sctp-default-deny-ingress",
     "SCTP traffic: the sandbox kernel has no SCTP"),
    ("sctp-ports", "SCTP traffic: the sandbox kernel has no SCTP"),
    ("sctp-pod-in-other-namespace",
     "SCTP traffic: the sandbox kernel has no SCTP"),
    ("endport-ingress", "endPort: not in the Kubernetes 1.20 API"),
    ("endport-egress", "endPort: not in the Kubernetes 1.20 API"),
)
