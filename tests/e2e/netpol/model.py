# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""What Kubernetes NetworkPolicy says the 9x9 reachability should be.

The suite's world is the upstream netpol e2e model: namespaces x, y, z
(labelled ns=NAME), Pods a, b, c in each (labelled pod=NAME), every Pod
serving TCP and UDP on ports 80 and 81 with the named ports
serve-80-tcp, serve-80-udp, serve-81-tcp and serve-81-udp.

This module owns the oracle: from the Namespaces' and Pods' labels, the
Pods' IPs and the NetworkPolicies in force it computes, per port and
protocol, whether a connection from each Pod to each other Pod is allowed
(networking.k8s.io/v1 semantics: a Pod is isolated for a direction when
a policy of its namespace selects it with that policyType; an isolated
Pod admits what the union of its policies' rules allows; a connection
needs the egress side of the client and the ingress side of the server).
The cases (cases.py) also carry upstream's hand-written expectations;
`netpol.py selftest` checks the oracle against every one of them, so the
two keep each other honest.  Matrix is the 9x9 table and its rendering
as upstream's truth tables.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any, Iterable, Optional

NAMESPACES = ("x", "y", "z")
POD_NAMES = ("a", "b", "c")
PORTS = (80, 81)
PROTOCOLS = ("TCP", "UDP")
ALL_PODS = tuple(f"{ns}/{p}" for ns in NAMESPACES for p in POD_NAMES)
# The key Kubernetes 1.21+ sets on every Namespace (1.20 does not; the
# suite sets it itself so the upstream "default ns label" cases apply).
NS_NAME_LABEL = "kubernetes.io/metadata.name"


class ModelError(ValueError):
    """A policy or expectation the oracle cannot evaluate; the message
    names the object and what is wrong with it."""


def container_ports() -> list[dict[str, Any]]:
    """The named container ports every Pod of the model declares."""
    return [{"name": f"serve-{port}-{proto.lower()}", "containerPort": port,
             "protocol": proto}
            for port in PORTS for proto in PROTOCOLS]


def default_ns_labels(ns: str) -> dict[str, str]:
    """The labels a model Namespace starts (and is reset) with."""
    return {"ns": ns, NS_NAME_LABEL: ns}


def default_pod_labels(pod: str) -> dict[str, str]:
    """The labels a model Pod starts (and is reset) with."""
    return {"pod": pod.split("/", 1)[1]}


class World:
    """The state the oracle evaluates: labels, Pod IPs, policies."""

    def __init__(self, pod_ips: dict[str, str]) -> None:
        missing = [p for p in ALL_PODS if p not in pod_ips]
        if missing:
            raise ModelError(f"no IP for Pods {', '.join(missing)}")
        # Namespace name -> its labels.
        self.ns_labels = {ns: default_ns_labels(ns) for ns in NAMESPACES}
        # "ns/name" -> the Pod's labels.
        self.pod_labels = {p: default_pod_labels(p) for p in ALL_PODS}
        # "ns/name" -> the Pod's IPv4 address.
        self.pod_ips = dict(pod_ips)
        # (namespace, policy name) -> the NetworkPolicy object.
        self.policies: dict[tuple[str, str], dict[str, Any]] = {}

    def copy(self) -> "World":
        """An independent copy (labels and policies deep-copied)."""
        return copy.deepcopy(self)


def selector_matches(selector: dict[str, Any], labels: dict[str, str],
                     what: str) -> bool:
    """True if a LabelSelector (matchLabels AND matchExpressions) selects
    a label set; {} selects everything."""
    if not isinstance(selector, dict):
        raise ModelError(f"{what}: a selector must be an object, not "
                         f"{selector!r}")
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for req in selector.get("matchExpressions") or []:
        key, op = req.get("key"), req.get("operator")
        values = req.get("values") or []
        if op == "In":
            ok = key in labels and labels[key] in values
        elif op == "NotIn":
            ok = key not in labels or labels[key] not in values
        elif op == "Exists":
            ok = key in labels
        elif op == "DoesNotExist":
            ok = key not in labels
        else:
            raise ModelError(f"{what}: unknown selector operator {op!r} "
                             "(In, NotIn, Exists, DoesNotExist)")
        if not ok:
            return False
    return True


def _in_ip_block(block: dict[str, Any], ip: str, what: str) -> bool:
    """True if ip is in block.cidr and in none of block.except."""
    try:
        net = ipaddress.ip_network(block["cidr"], strict=False)
        excepts = [ipaddress.ip_network(e, strict=False)
                   for e in block.get("except") or []]
    except (KeyError, ValueError) as e:
        raise ModelError(f"{what}: bad ipBlock {block!r}: {e}") from None
    addr = ipaddress.ip_address(ip)
    return addr in net and not any(addr in e for e in excepts)


def _peer_matches(world: World, policy_ns: str, peer: dict[str, Any],
                  pod: str, what: str) -> bool:
    """True if a NetworkPolicyPeer selects Pod `pod` ("ns/name")."""
    if "ipBlock" in peer:
        return _in_ip_block(peer["ipBlock"], world.pod_ips[pod], what)
    ns = pod.split("/", 1)[0]
    pod_sel = peer.get("podSelector")
    ns_sel = peer.get("namespaceSelector")
    if pod_sel is None and ns_sel is None:
        raise ModelError(f"{what}: a peer needs podSelector, "
                         "namespaceSelector or ipBlock")
    if ns_sel is None:
        if ns != policy_ns:
            return False
    elif not selector_matches(ns_sel, world.ns_labels[ns], what):
        return False
    return pod_sel is None or selector_matches(pod_sel,
                                               world.pod_labels[pod], what)


def _port_matches(entry: dict[str, Any], port: int, protocol: str,
                  what: str) -> bool:
    """True if a NetworkPolicyPort admits port/protocol on a model Pod
    (named ports resolve against the destination Pod's container ports,
    which are the same on every model Pod)."""
    proto = entry.get("protocol") or "TCP"
    if proto not in ("TCP", "UDP", "SCTP"):
        raise ModelError(f"{what}: unknown protocol {proto!r}")
    if proto != protocol:
        return False
    if "endPort" in entry:
        raise ModelError(f"{what}: endPort does not exist in Kubernetes "
                         "1.20")
    want = entry.get("port")
    if want is None:
        return True
    if isinstance(want, int):
        if not 1 <= want <= 65535:
            raise ModelError(f"{what}: port {want} out of range")
        return want == port
    named = [c for c in container_ports()
             if c["name"] == want and c["protocol"] == proto]
    return any(c["containerPort"] == port for c in named)


def _rule_admits(world: World, policy_ns: str, rule: dict[str, Any],
                 peers_key: str, peer_pod: str, port: int, protocol: str,
                 what: str) -> bool:
    """True if one ingress/egress rule admits the connection."""
    ports = rule.get("ports") or []
    if ports and not any(_port_matches(p, port, protocol, what)
                         for p in ports):
        return False
    peers = rule.get(peers_key) or []
    return not peers or any(_peer_matches(world, policy_ns, peer, peer_pod,
                                          what) for peer in peers)


def policy_types(policy: dict[str, Any]) -> list[str]:
    """spec.policyTypes as the apiserver defaults it: Ingress always,
    Egress too when the policy has egress rules."""
    spec = policy.get("spec") or {}
    if spec.get("policyTypes"):
        return list(spec["policyTypes"])
    return ["Ingress"] + (["Egress"] if spec.get("egress") else [])


def _side_allows(world: World, direction: str, subject: str, peer: str,
                 port: int, protocol: str) -> bool:
    """Whether `subject`'s policies admit the connection for one side:
    direction "Ingress" (subject is the server, peer the client) or
    "Egress" (subject is the client, peer the server)."""
    subject_ns = subject.split("/", 1)[0]
    rules_key, peers_key = (("ingress", "from") if direction == "Ingress"
                            else ("egress", "to"))
    isolated = False
    for (ns, name), policy in sorted(world.policies.items()):
        if ns != subject_ns or direction not in policy_types(policy):
            continue
        what = f"NetworkPolicy {ns}/{name}"
        spec = policy.get("spec") or {}
        if not selector_matches(spec.get("podSelector") or {},
                                world.pod_labels[subject], what):
            continue
        isolated = True
        for rule in spec.get(rules_key) or []:
            if _rule_admits(world, ns, rule, peers_key, peer, port,
                            protocol, what):
                return True
    return not isolated


def allowed(world: World, client: str, server: str, port: int,
            protocol: str) -> bool:
    """True if NetworkPolicy allows client to connect to server."""
    return (_side_allows(world, "Egress", client, server, port, protocol)
            and _side_allows(world, "Ingress", server, client, port,
                             protocol))


class Matrix:
    """A 9x9 table of booleans: (client, server) -> connected."""

    def __init__(self, default: bool = True) -> None:
        # (client, server) -> True if the connection is (to be) made.
        self.cells = {(c, s): default for c in ALL_PODS for s in ALL_PODS}

    @classmethod
    def expected(cls, world: World, port: int, protocol: str) -> "Matrix":
        """What the oracle says for port/protocol."""
        m = cls()
        for c, s in m.cells:
            m.cells[(c, s)] = allowed(world, c, s, port, protocol)
        return m

    def differences(self, other: "Matrix", *, ignore_loopback: bool = True
                    ) -> list[tuple[str, str]]:
        """Cells where self and other disagree (loopback, a Pod to
        itself, is ignored as upstream does: it never leaves the Pod)."""
        return [k for k in self.cells
                if self.cells[k] != other.cells[k]
                and not (ignore_loopback and k[0] == k[1])]

    def render(self, title: str) -> str:
        """Upstream's truth table: '.' connected, 'X' blocked."""
        return _table(title, lambda k: "." if self.cells[k] else "X")


def comparison(expected: Matrix, observed: Matrix, title: str) -> str:
    """Upstream's comparison table: '.' agrees, 'X' disagrees, '-' the
    ignored loopback cells."""
    def mark(k: tuple[str, str]) -> str:
        if k[0] == k[1]:
            return "-"
        return "." if expected.cells[k] == observed.cells[k] else "X"
    return _table(title, mark)


def _table(title: str, mark: Any) -> str:
    """Rows are clients, columns servers."""
    lines = [title, "-\t" + "\t".join(ALL_PODS)]
    for c in ALL_PODS:
        lines.append(c + "\t" + "\t".join(mark((c, s)) for s in ALL_PODS))
    return "\n".join(lines).expandtabs(5)


def _pattern_matches(pattern: str, pod: str) -> bool:
    """"*" any Pod, "x/*" any Pod of x, "*/a" any Pod a, "x/a" one Pod."""
    if pattern == "*":
        return True
    if "/" not in pattern:
        raise ModelError(f"expectation pattern {pattern!r}: write *, NS/*, "
                         "*/POD or NS/POD")
    ns, name = pattern.split("/", 1)
    pns, pname = pod.split("/", 1)
    return ns in ("*", pns) and name in ("*", pname)


def matrix_from_ops(ops: Iterable[tuple[str, str, bool]],
                    default: bool = True) -> Matrix:
    """Upstream's reachability builder: start from default, then each
    (client pattern, server pattern, value) overrides the matching cells,
    in order (ExpectPeer, ExpectAllIngress, ExpectAllEgress, Expect)."""
    m = Matrix(default)
    for op in ops:
        if len(op) != 3 or not isinstance(op[2], bool):
            raise ModelError(f"expectation {op!r}: want (client, server, "
                             "bool)")
        client, server, value = op
        for c, s in m.cells:
            if _pattern_matches(client, c) and _pattern_matches(server, s):
                m.cells[(c, s)] = value
    return m


def validate_pod(pod: Optional[str]) -> str:
    """Checks a "ns/name" of the model; answers it."""
    if pod not in ALL_PODS:
        raise ModelError(f"{pod!r} is not a model Pod ({', '.join(ALL_PODS)})")
    return pod
