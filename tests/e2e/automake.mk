# The sandbox cluster and the end-to-end tests (docs/sandbox.md).  They run
# as root outside "make check" (tests/e2e/run-e2e.sh, from tests/run-all.sh)
# and are distributed with the sources.
EXTRA_DIST += \
	tests/e2e/build-kube.sh \
	tests/e2e/cluster \
	tests/e2e/run-e2e.sh \
	tests/e2e/test_antrea.py \
	tests/e2e/test_ipsec.py \
	tests/e2e/test_modes.py \
	tests/e2e/test_policyonly.py \
	tests/e2e/test_sandbox.py \
	tests/e2e/sandbox/__init__.py \
	tests/e2e/sandbox/cli.py \
	tests/e2e/sandbox/cluster.py \
	tests/e2e/sandbox/demo.py \
	tests/e2e/sandbox/ipsec.py \
	tests/e2e/sandbox/k8s_watch.py \
	tests/e2e/sandbox/kube.py \
	tests/e2e/sandbox/ovs.py \
	tests/e2e/sandbox/runtime.py \
	tests/e2e/sandbox/test_kube.py \
	tests/e2e/sandbox/test_runtime.py \
	tests/e2e/sandbox/test_topology.py \
	tests/e2e/sandbox/topology.py \
	tests/e2e/sandbox/util.py

# The NetworkPolicy conformance suite (tests/e2e/netpol/, docs/sandbox.md).
EXTRA_DIST += \
	tests/e2e/netpol/__init__.py tests/e2e/netpol/cases.py \
	tests/e2e/netpol/framecheck.py tests/e2e/netpol/model.py \
	tests/e2e/netpol/netpol.py tests/e2e/netpol/probe.py \
	tests/e2e/netpol/server.py tests/e2e/netpol/test_model.py \
	tests/e2e/netpol/test_netpol.py tests/e2e/netpol/workload.py

# Unit test of the sandbox runtime's bandwidth annotations (no root, no
# cluster): runs in make check.
TESTS += tests/e2e/sandbox/test_runtime_bandwidth.py
EXTRA_DIST += tests/e2e/sandbox/test_runtime_bandwidth.py

# The Prometheus metrics of the agents and the controller, scraped on the
# cluster with the sandbox's scraper ServiceAccount (docs/metrics.md).
EXTRA_DIST += tests/e2e/test_metrics.py

# antctl on the cluster: every command, both modes, the three output
# formats, a stopped agent and controller (docs/antctl.md).
EXTRA_DIST += tests/e2e/test_antctl.py

# The main() of the e2e tests that bring the sandbox up themselves: skip
# rules, the sandbox lock, cluster down and the host checks after it.
EXTRA_DIST += tests/e2e/e2e_main.py
