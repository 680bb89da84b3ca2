#!/usr/bin/python3
# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
"""Unit tests of the sandbox runtime's bandwidth annotations (no cluster,
no root): Kubernetes quantities to bits per second as kubelet reads
kubernetes.io/ingress-bandwidth and kubernetes.io/egress-bandwidth, the
burst that goes with a rate, the errors on bad annotations, and that
runtimeConfig.bandwidth reaches only a plugin declaring the capability.

    PYTHONPATH=tests/e2e /usr/bin/python3 \\
        tests/e2e/sandbox/test_runtime_bandwidth.py
"""

import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from sandbox import runtime  # noqa: E402

INGRESS = "kubernetes.io/ingress-bandwidth"
EGRESS = "kubernetes.io/egress-bandwidth"


class QuantityTest(unittest.TestCase):
    """parse_quantity(): resource.Quantity's syntax and Value()."""

    def test_decimal_suffixes(self):
        for text, value in (("10M", 10_000_000), ("512k", 512_000),
                            ("1G", 10 ** 9), ("2T", 2 * 10 ** 12),
                            ("1P", 10 ** 15), ("1E", 10 ** 18),
                            ("250", 250)):
            self.assertEqual(runtime.parse_quantity(text), value, text)

    def test_binary_suffixes(self):
        for text, value in (("1Ki", 1024), ("10Mi", 10 * 2 ** 20),
                            ("1.5Gi", 3 * 2 ** 29)):
            self.assertEqual(runtime.parse_quantity(text), value, text)

    def test_exponents(self):
        self.assertEqual(runtime.parse_quantity("2e6"), 2_000_000)
        self.assertEqual(runtime.parse_quantity("1E3"), 1000)

    def test_fractions_round_up(self):
        self.assertEqual(runtime.parse_quantity("1.0000001M"), 1_000_001)
        self.assertEqual(runtime.parse_quantity("1500m"), 2)
        self.assertEqual(runtime.parse_quantity(".5k"), 500)

    def test_not_a_quantity(self):
        for text in ("", "abc", "10 M", "10MB", "M", "1e", "10Mbit",
                     "1.2.3k"):
            with self.assertRaises(ValueError, msg=text) as ctx:
                runtime.parse_quantity(text)
            self.assertIn(repr(text), str(ctx.exception))


class BandwidthConfigTest(unittest.TestCase):
    """bandwidth_config(): annotations to runtimeConfig.bandwidth."""

    def test_no_annotation(self):
        self.assertIsNone(runtime.bandwidth_config(None))
        self.assertIsNone(runtime.bandwidth_config({}))
        self.assertIsNone(runtime.bandwidth_config({"other": "10M"}))

    def test_egress_only(self):
        self.assertEqual(runtime.bandwidth_config({EGRESS: "10M"}),
                         {"egressRate": 10_000_000,
                          "egressBurst": 1_000_000})

    def test_both(self):
        bw = runtime.bandwidth_config({INGRESS: "1Gi", EGRESS: "100M"})
        self.assertEqual(bw["ingressRate"], 2 ** 30)
        self.assertEqual(bw["ingressBurst"], 2 ** 30 // 10)
        self.assertEqual(bw["egressRate"], 100_000_000)
        self.assertEqual(bw["egressBurst"], 10_000_000)

    def test_burst_bounds(self):
        low = runtime.bandwidth_config({INGRESS: "1k"})
        self.assertEqual(low["ingressBurst"], 8 * 64 * 1024)
        high = runtime.bandwidth_config({INGRESS: "1P"})
        self.assertEqual(high["ingressBurst"], 8 * 512 * 1024 * 1024)

    def test_kubelet_bounds(self):
        self.assertEqual(runtime.bandwidth_config({EGRESS: "1k"})
                         ["egressRate"], 1000)
        for text in ("999", "0", "-10M", "1001T", "2P"):
            with self.assertRaises(ValueError, msg=text) as ctx:
                runtime.bandwidth_config({EGRESS: text})
            self.assertIn(EGRESS, str(ctx.exception))
            self.assertIn(repr(text), str(ctx.exception))

    def test_bad_annotation_names_it(self):
        with self.assertRaises(ValueError) as ctx:
            runtime.bandwidth_config({INGRESS: "fast"})
        self.assertIn(INGRESS, str(ctx.exception))
        self.assertIn("'fast'", str(ctx.exception))


class PluginConfTest(unittest.TestCase):
    """runtimeConfig reaches only plugins declaring the capability."""

    CONFLIST = {"cniVersion": "1.0.0", "name": "antrea", "plugins": [
        {"type": "antrea"},
        {"type": "portmap", "capabilities": {"portMappings": True}},
        {"type": "bandwidth", "capabilities": {"bandwidth": True}}]}
    RC = {"portMappings": [],
          "bandwidth": runtime.bandwidth_config({EGRESS: "10M"})}

    def conf(self, i):
        """Plugin i's stdin."""
        return runtime.Cni._plugin_conf(
            self.CONFLIST, self.CONFLIST["plugins"][i], None, self.RC)

    def test_filtering(self):
        self.assertNotIn("runtimeConfig", self.conf(0))
        self.assertEqual(self.conf(1)["runtimeConfig"],
                         {"portMappings": []})
        self.assertEqual(self.conf(2)["runtimeConfig"],
                         {"bandwidth": {"egressRate": 10_000_000,
                                        "egressBurst": 1_000_000}})


if __name__ == "__main__":
    unittest.main()
