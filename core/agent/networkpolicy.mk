# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# The agent's NetworkPolicy enforcement (issue 5): the policy cache fed by
# the control-plane watch (policy-cache), rules to conjunctive flows
# (policy-flows, pure) and the reconciler that keeps the bridge's policy
# flows (policy-reconciler); its sink for the agent's bridge
# (policy-bridge) and the agent's policy controller (policy-controller)
# are in the agent's own library (automake.mk).  A convenience library the
# agent links (POLICY_LIBS);
# docs/ovs-pipeline.md, section "NetworkPolicy", describes the flows.

noinst_LTLIBRARIES += core/agent/libantrea-policy.la
core_agent_libantrea_policy_la_SOURCES = \
	core/agent/policy-cache.c core/agent/policy-cache.h \
	core/agent/policy-flows.c core/agent/policy-flows.h \
	core/agent/policy-map.c core/agent/policy-map.h \
	core/agent/policy-reconciler.c core/agent/policy-reconciler.h
core_agent_libantrea_policy_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/core/agent $(CP_PROTO_CPPFLAGS)
core_agent_libantrea_policy_la_CFLAGS = $(AM_CFLAGS)
core_agent_libantrea_policy_la_LIBADD = core/proto/libantrea-cp-proto.la \
	$(PROTOBUF_C_LIBS)
$(core_agent_libantrea_policy_la_OBJECTS): core/proto/controlplane.pb-c.h

# What a program links to use the policy code.
POLICY_LIBS = core/agent/libantrea-policy.la core/agent/libantrea-pipeline.la \
	$(CORE_LIBS)

# Unit tests (criterion): the map, the pure flow functions, the cache, and
# the reconciler against a recording sink.  Every generated flow is checked
# with OVS's own parser (aovs_flow_check), hence the OVS shim.
POLICY_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/agent \
	-I$(top_srcdir)/core/lib/ovs $(CP_PROTO_CPPFLAGS)
POLICY_TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
POLICY_TEST_LDADD = $(POLICY_LIBS) $(OVS_SHIM_LDADD) $(CORE_LIBS) \
	$(CRITERION_LIBS)

check_PROGRAMS += \
	tests/unit/test-policy-map \
	tests/unit/test-policy-flows \
	tests/unit/test-policy-cache \
	tests/unit/test-policy-reconciler
TESTS += \
	tests/unit/test-policy-map \
	tests/unit/test-policy-flows \
	tests/unit/test-policy-cache \
	tests/unit/test-policy-reconciler

POLICY_TEST_HELPERS = tests/unit/policy-test-util.c \
	tests/unit/policy-test-util.h

tests_unit_test_policy_map_SOURCES = tests/unit/test-policy-map.c
tests_unit_test_policy_map_CPPFLAGS = $(POLICY_TEST_CPPFLAGS)
tests_unit_test_policy_map_CFLAGS = $(POLICY_TEST_CFLAGS)
tests_unit_test_policy_map_LDADD = $(POLICY_LIBS) $(CRITERION_LIBS)

tests_unit_test_policy_flows_SOURCES = tests/unit/test-policy-flows.c \
	$(POLICY_TEST_HELPERS)
tests_unit_test_policy_flows_CPPFLAGS = $(POLICY_TEST_CPPFLAGS)
tests_unit_test_policy_flows_CFLAGS = $(POLICY_TEST_CFLAGS)
tests_unit_test_policy_flows_LDADD = $(POLICY_TEST_LDADD)

tests_unit_test_policy_cache_SOURCES = tests/unit/test-policy-cache.c \
	$(POLICY_TEST_HELPERS)
tests_unit_test_policy_cache_CPPFLAGS = $(POLICY_TEST_CPPFLAGS)
tests_unit_test_policy_cache_CFLAGS = $(POLICY_TEST_CFLAGS)
tests_unit_test_policy_cache_LDADD = $(POLICY_TEST_LDADD)

tests_unit_test_policy_reconciler_SOURCES = \
	tests/unit/test-policy-reconciler.c $(POLICY_TEST_HELPERS)
tests_unit_test_policy_reconciler_CPPFLAGS = $(POLICY_TEST_CPPFLAGS)
tests_unit_test_policy_reconciler_CFLAGS = $(POLICY_TEST_CFLAGS)
tests_unit_test_policy_reconciler_LDADD = $(POLICY_TEST_LDADD)

$(tests_unit_test_policy_flows_OBJECTS) \
$(tests_unit_test_policy_cache_OBJECTS) \
$(tests_unit_test_policy_reconciler_OBJECTS): core/proto/controlplane.pb-c.h

# Against a real Open vSwitch (tests/ovs/ovs-sandbox.h: private daemons,
# own network namespace, stopped by pid): the flows as ovs-ofctl dumps
# them and the verdicts of ofproto/trace.  Skipped unless root.
check_PROGRAMS += tests/unit/test-policy-ovs
TESTS += tests/unit/test-policy-ovs
tests_unit_test_policy_ovs_SOURCES = tests/unit/test-policy-ovs.c \
	$(POLICY_TEST_HELPERS) $(OVS_SANDBOX_SOURCES)
tests_unit_test_policy_ovs_CPPFLAGS = $(POLICY_TEST_CPPFLAGS) \
	-I$(top_srcdir)/tests/ovs
tests_unit_test_policy_ovs_CFLAGS = $(POLICY_TEST_CFLAGS)
tests_unit_test_policy_ovs_LDADD = $(POLICY_TEST_LDADD)
$(tests_unit_test_policy_ovs_OBJECTS): core/proto/controlplane.pb-c.h

# Benchmark (tests/bench/README.md): flow computation for 100 rules x 500
# addresses; built by "make check", not run by it.
check_PROGRAMS += tests/bench/bench-policy-flows
tests_bench_bench_policy_flows_SOURCES = tests/bench/bench-policy-flows.c
tests_bench_bench_policy_flows_CPPFLAGS = $(POLICY_TEST_CPPFLAGS)
tests_bench_bench_policy_flows_CFLAGS = $(AM_CFLAGS)
tests_bench_bench_policy_flows_LDADD = $(POLICY_LIBS) $(OVS_SHIM_LDADD) \
	$(CORE_LIBS)
$(tests_bench_bench_policy_flows_OBJECTS): core/proto/controlplane.pb-c.h
