"""Sandbox cluster helpers for the e2e tests (topology, OVS, kube, runtime)."""
