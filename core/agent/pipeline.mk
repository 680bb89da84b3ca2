# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# The agent's OpenFlow pipeline as data (core/agent/pipeline.[ch]): a
# convenience library of pure functions, linked by the agent and tested on
# its own.  docs/ovs-pipeline.md describes the flows.

noinst_LTLIBRARIES += core/agent/libantrea-pipeline.la
core_agent_libantrea_pipeline_la_SOURCES = \
	core/agent/pipeline.c core/agent/pipeline.h
core_agent_libantrea_pipeline_la_CFLAGS = $(AM_CFLAGS)

# What a program links to use the pipeline.
PIPELINE_LIBS = core/agent/libantrea-pipeline.la $(CORE_LIBS)

# test-pipeline: exact flows for a Node, a Pod and peers, the input checks,
# and the example in docs/ovs-pipeline.md.  test-pipeline-ovs: every flow
# accepted by a real ovs-vswitchd (userspace datapath, in a network
# namespace of its own) and packets traced through it; skipped unless root.
check_PROGRAMS += \
	tests/pipeline/test-pipeline \
	tests/pipeline/test-pipeline-ovs
TESTS += \
	tests/pipeline/test-pipeline \
	tests/pipeline/test-pipeline-ovs

tests_pipeline_test_pipeline_SOURCES = \
	tests/pipeline/test-pipeline.c \
	tests/pipeline/pipeline-example.c tests/pipeline/pipeline-example.h
tests_pipeline_test_pipeline_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	-I$(top_srcdir)/core/agent
tests_pipeline_test_pipeline_LDADD = $(PIPELINE_LIBS) $(CRITERION_LIBS)

tests_pipeline_test_pipeline_ovs_SOURCES = \
	tests/pipeline/test-pipeline-ovs.c \
	tests/pipeline/pipeline-example.c tests/pipeline/pipeline-example.h
tests_pipeline_test_pipeline_ovs_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	-I$(top_srcdir)/core/agent
tests_pipeline_test_pipeline_ovs_LDADD = $(PIPELINE_LIBS) $(CRITERION_LIBS)

