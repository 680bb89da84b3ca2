# antrea-agent: main.c (command line, config, modules, event loop) and the
# datapath it starts (core/agent/*.c but pipeline.c), which is a
# convenience library of its own: its sources must not see OVS's headers
# (OVS's include/linux/ shadows the kernel's, which libnl needs), and they
# reach the OVS library only through the shim (core/lib/ovs/automake.mk).
noinst_LTLIBRARIES += core/agent/libantrea-agent.la
core_agent_libantrea_agent_la_SOURCES = \
	core/agent/agent-metrics.c core/agent/agent-metrics.h \
	core/agent/agent-node.c core/agent/agent-node.h \
	core/agent/bridge.c core/agent/bridge.h \
	core/agent/datapath.c core/agent/datapath.h \
	core/agent/gateway.c core/agent/gateway.h \
	core/agent/iface-workers.c core/agent/iface-workers.h \
	core/agent/peers.c core/agent/peers.h \
	core/agent/pod-network.c core/agent/pod-network.h \
	core/agent/policy-bridge.c core/agent/policy-bridge.h \
	core/agent/policy-controller.c core/agent/policy-controller.h \
	core/agent/ipsec-tunnels.c core/agent/ipsec-tunnels.h \
	core/agent/pod-intercept.c core/agent/pod-intercept.h \
	core/agent/pod-intercept-raw.c core/agent/pod-intercept-raw.h
core_agent_libantrea_agent_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/core/agent -I$(top_srcdir)/core/lib/ovs \
	$(CP_PROTO_CPPFLAGS)
core_agent_libantrea_agent_la_CFLAGS = $(AM_CFLAGS) $(K8S_CFLAGS) \
	$(NL_CFLAGS) $(IPTC_CFLAGS)
$(core_agent_libantrea_agent_la_OBJECTS): core/proto/controlplane.pb-c.h

# AntreaAgentInfo: the agentinfo view (agent-api-views.c) written to the
# Kubernetes API (docs/monitoring.md).
core_agent_libantrea_agent_la_SOURCES += \
	core/agent/agent-info.c core/agent/agent-info.h

# What a program links to use the datapath (then $(OVS_SHIM_LDADD)).
AGENT_LIBS = core/agent/libantrea-agent.la core/agent/libantrea-policy.la \
	$(CP_WATCH_LIBS) core/agent/libantrea-pipeline.la \
	$(API_AUTH_LIBS) $(HTTP_DAEMON_LIBS) \
	$(K8S_LIBS) $(NET_LIBS) core/lib/libantrea-cni.la $(CORE_LIBS) \
	$(JANSSON_LIBS)

sbin_PROGRAMS += core/agent/antrea-agent
core_agent_antrea_agent_SOURCES = core/agent/main.c
core_agent_antrea_agent_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/agent
# $(OVS_CFLAGS) for the version header only.
core_agent_antrea_agent_CFLAGS = $(AM_CFLAGS) $(OVS_CFLAGS)
core_agent_antrea_agent_LDADD = $(AGENT_LIBS) $(OVS_SHIM_LDADD)

# Integration test (tests/agent/): real etcd + kube-apiserver, ovsdb-server
# + ovs-vswitchd (userspace datapath), antrea-agent and antrea-cni inside
# network namespaces "atest-agent-<pid>*" the test creates and removes;
# skipped unless root with the kube binaries and OVS installed.
TESTS += tests/agent/test-agent-datapath.py
EXTRA_DIST += tests/agent/test-agent-datapath.py

# Integration test of the CNI error paths (tests/agent/): the same real
# daemons in namespaces "atest-cnierr-<pid>*"; the real antrea-cni driven
# into every error a runtime can provoke; same skip rules.
TESTS += tests/agent/test-cni-errors.py
EXTRA_DIST += tests/agent/test-cni-errors.py

# The harness both tests above (and tests/bench/bench-cni-add.py) share:
# netns + uplink, control plane + Node, OVS, antrea-agent, antrea-cni runs.
EXTRA_DIST += tests/agent/agent_harness.py

# Integration test of concurrent ADDs (tests/agent/): 16 at once, two of
# them failing in the middle; the same real daemons in namespaces
# "atest-conc-<pid>*"; same skip rules.
TESTS += tests/agent/test-cni-concurrent.py
EXTRA_DIST += tests/agent/test-cni-concurrent.py

# Integration tests of CNI GC (spec 1.1 valid-attachments), of restart
# reconciliation (Pods gone while the agent was down, an agent killed
# mid-ADD) and of a burst of ADDs exhausting the podCIDR; the same real
# daemons in namespaces of their own; same skip rules.
TESTS += tests/agent/test-cni-gc.py tests/agent/test-agent-reconcile.py \
	tests/agent/test-cni-burst-exhaustion.py
EXTRA_DIST += tests/agent/test-cni-gc.py tests/agent/test-agent-reconcile.py \
	tests/agent/test-cni-burst-exhaustion.py

# Integration tests: ovs-vswitchd and ovsdb-server killed and restarted
# under the agent ("atest-ovsrst-<pid>*"); the shipped conflist's chain
# with the bandwidth plugin ("atest-bw-<pid>*"); same skip rules.
TESTS += tests/agent/test-ovs-restart.py tests/agent/test-cni-bandwidth.py
EXTRA_DIST += tests/agent/test-ovs-restart.py tests/agent/test-cni-bandwidth.py

# Integration test of the AntreaAgentInfo and AntreaControllerInfo writers
# (docs/monitoring.md): a real agent, controller and kube-apiserver in
# namespaces "atest-crdinfo-<pid>*"; same skip rules.
TESTS += tests/agent/test-crd-info.py
EXTRA_DIST += tests/agent/test-crd-info.py

# Integration test of the agent's Prometheus metrics on apiPort (401, 403,
# 200, the format, counts moving after CNI ADDs) in namespaces
# "atest-metrics-<pid>*"; same skip rules.  promtext.py is the strict
# exposition-format reader it, the controller's and the e2e test share.
TESTS += tests/agent/test-agent-metrics.py
EXTRA_DIST += tests/agent/test-agent-metrics.py tests/agent/promtext.py

# Integration test of IPsec (tests/agent/): the per-peer IPsec tunnel
# ports, their flows, the MTU, Node changes and a new key; the same real
# daemons in namespaces "atest-ipsec-<pid>*"; same skip rules.
TESTS += tests/agent/test-agent-ipsec.py
EXTRA_DIST += tests/agent/test-agent-ipsec.py

# Unit test of the IPsec tunnel helpers that need no OVS (the MTU, the
# key's redaction, the Classifier flow); linked like the agent.
check_PROGRAMS += tests/unit/test-ipsec-tunnels
TESTS += tests/unit/test-ipsec-tunnels
tests_unit_test_ipsec_tunnels_SOURCES = tests/unit/test-ipsec-tunnels.c
tests_unit_test_ipsec_tunnels_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/core/agent
tests_unit_test_ipsec_tunnels_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_ipsec_tunnels_LDADD = $(AGENT_LIBS) $(OVS_SHIM_LDADD) \
	$(CRITERION_LIBS)
