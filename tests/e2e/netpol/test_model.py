#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Unit tests of the conformance suite's oracle and case data (no cluster,
no root): selector operators, peers, ports (named, protocol defaults),
ipBlock with except, policyTypes defaulting, bad input, the truth-table
rendering, and every upstream expectation (netpol.py selftest).

    PYTHONPATH=tests/e2e /usr/bin/python3 tests/e2e/netpol/test_model.py
"""

import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from netpol import cases, model, netpol  # noqa: E402
from netpol.cases import expr, labels  # noqa: E402


def world() -> model.World:
    """A World with the sandbox-like IPs of netpol.fake_ips()."""
    return model.World(netpol.fake_ips())


def add(w: model.World, ns: str, policy: dict) -> None:
    """Puts a policy in force in the World."""
    w.policies[(ns, policy["metadata"]["name"])] = policy


class Selectors(unittest.TestCase):
    """LabelSelector semantics."""

    def test_operators(self) -> None:
        lab = {"pod": "a", "env": "x"}
        self.assertTrue(model.selector_matches({}, lab, "t"))
        self.assertTrue(model.selector_matches(expr("pod", "In", "a", "b"),
                                               lab, "t"))
        self.assertFalse(model.selector_matches(expr("pod", "NotIn", "a"),
                                                lab, "t"))
        self.assertTrue(model.selector_matches(expr("zone", "NotIn", "a"),
                                               lab, "t"))
        self.assertTrue(model.selector_matches(expr("env", "Exists"),
                                               lab, "t"))
        self.assertFalse(model.selector_matches(expr("env", "DoesNotExist"),
                                                lab, "t"))
        both = {"matchLabels": {"pod": "a"},
                "matchExpressions": [{"key": "env", "operator": "In",
                                      "values": ["y"]}]}
        self.assertFalse(model.selector_matches(both, lab, "t"))

    def test_unknown_operator_is_named(self) -> None:
        with self.assertRaisesRegex(model.ModelError, "np1.*'Near'"):
            model.selector_matches(expr("pod", "Near", "a"), {}, "np1")


class Policies(unittest.TestCase):
    """Isolation, peers, ports."""

    def test_no_policy_allows_everything(self) -> None:
        m = model.Matrix.expected(world(), 80, "UDP")
        self.assertTrue(all(m.cells.values()))

    def test_ingress_only_policy_leaves_egress_open(self) -> None:
        w = world()
        add(w, "x", cases.netpol("d", labels(pod="a"), ingress=[]))
        self.assertFalse(model.allowed(w, "y/a", "x/a", 80, "TCP"))
        self.assertTrue(model.allowed(w, "x/a", "y/a", 80, "TCP"))
        self.assertTrue(model.allowed(w, "y/a", "x/b", 80, "TCP"))

    def test_policy_types_default_from_rules(self) -> None:
        p = cases.netpol("e", egress=[{}])
        del p["spec"]["policyTypes"]
        self.assertEqual(model.policy_types(p), ["Ingress", "Egress"])
        p = cases.netpol("i", ingress=[{}])
        del p["spec"]["policyTypes"]
        self.assertEqual(model.policy_types(p), ["Ingress"])

    def test_pod_selector_alone_stays_in_the_namespace(self) -> None:
        w = world()
        add(w, "x", cases.netpol("p", ingress=[
            {"from": [{"podSelector": labels(pod="b")}]}]))
        self.assertTrue(model.allowed(w, "x/b", "x/a", 80, "TCP"))
        self.assertFalse(model.allowed(w, "y/b", "x/a", 80, "TCP"))

    def test_named_port_needs_its_protocol(self) -> None:
        w = world()
        add(w, "x", cases.netpol("n", ingress=[
            {"ports": [{"port": "serve-81-tcp"}]}]))
        self.assertTrue(model.allowed(w, "y/a", "x/a", 81, "TCP"))
        self.assertFalse(model.allowed(w, "y/a", "x/a", 81, "UDP"))
        self.assertFalse(model.allowed(w, "y/a", "x/a", 80, "TCP"))
        add(w, "x", cases.netpol("u", ingress=[
            {"ports": [{"port": "serve-81-tcp", "protocol": "UDP"}]}]))
        self.assertFalse(model.allowed(w, "y/a", "x/a", 81, "UDP"))

    def test_ip_block_except(self) -> None:
        w = world()
        ip_b = w.pod_ips["x/b"]
        add(w, "x", cases.netpol("c", labels(pod="a"), egress=[
            {"to": [{"ipBlock": {"cidr": "10.10.0.0/16",
                                 "except": [ip_b + "/32"]}}]}]))
        self.assertFalse(model.allowed(w, "x/a", "x/b", 80, "TCP"))
        self.assertTrue(model.allowed(w, "x/a", "x/c", 80, "TCP"))

    def test_bad_input_is_named(self) -> None:
        w = world()
        add(w, "x", cases.netpol("bad", ingress=[
            {"from": [{"ipBlock": {"cidr": "10.10.0.0/33"}}]}]))
        with self.assertRaisesRegex(model.ModelError, "x/bad.*ipBlock"):
            model.allowed(w, "y/a", "x/a", 80, "TCP")
        w.policies.clear()
        add(w, "x", cases.netpol("big", ingress=[
            {"ports": [{"port": 70000}]}]))
        with self.assertRaisesRegex(model.ModelError, "x/big.*70000"):
            model.allowed(w, "y/a", "x/a", 80, "TCP")
        with self.assertRaisesRegex(model.ModelError, "no IP"):
            model.World({})


class Tables(unittest.TestCase):
    """Expectation builder and rendering."""

    def test_ops_override_in_order(self) -> None:
        m = model.matrix_from_ops([("*", "x/a", False), ("x/b", "x/a", True)])
        self.assertFalse(m.cells[("y/c", "x/a")])
        self.assertTrue(m.cells[("x/b", "x/a")])
        self.assertTrue(m.cells[("x/a", "y/a")])
        with self.assertRaises(model.ModelError):
            model.matrix_from_ops([("xa", "*", False)])

    def test_comparison_marks_differences_not_loopback(self) -> None:
        exp = model.matrix_from_ops([("*", "x/a", False)])
        obs = model.Matrix()
        self.assertEqual(len(exp.differences(obs)), 8)
        text = model.comparison(exp, obs, "cmp")
        row = next(line for line in text.splitlines()
                   if line.startswith("y/a"))
        self.assertEqual(row.split()[1:3], ["X", "."])
        self.assertEqual(text.splitlines()[2].split()[1], "-")


class Upstream(unittest.TestCase):
    """The case data."""

    def test_selftest_passes(self) -> None:
        self.assertEqual(netpol.selftest(), 0)

    def test_every_case_has_checks(self) -> None:
        for c in cases.CASES:
            self.assertTrue(c.steps, c.name)
            for s in c.steps:
                self.assertTrue(s.checks, f"{c.name}: {s.what}")


if __name__ == "__main__":
    unittest.main()
