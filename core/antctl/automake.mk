# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# antctl (docs/antctl.md) and the APIs it reads: the program itself, the
# agent's local API (core/agent/agent-api*.c, part of the agent's datapath
# library), the controller's JSON views (core/antctl/cp-json.c, part of
# the controller's API library) and the OVS unixctl call trace-packet
# uses (core/lib/ovs/aovs-unixctl.c, part of the OVS wrappers).  Included
# by Makefile.am after core/controller/automake.mk, since it adds to the
# libraries those fragments define.

# The output formats, a library of their own for the unit tests.
noinst_LTLIBRARIES += core/antctl/libantctl-output.la
core_antctl_libantctl_output_la_SOURCES = \
	core/antctl/output.c core/antctl/output.h
core_antctl_libantctl_output_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
core_antctl_libantctl_output_la_LIBADD = $(JANSSON_LIBS)

bin_PROGRAMS += core/antctl/antctl
core_antctl_antctl_SOURCES = core/antctl/antctl.c \
	core/antctl/antctl-http.c core/antctl/antctl-http.h
core_antctl_antctl_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
core_antctl_antctl_LDADD = core/antctl/libantctl-output.la $(K8S_LIBS) \
	$(CORE_LIBS) $(CURL_LIBS) $(JANSSON_LIBS)

# kubectl finds plugins as kubectl-NAME in PATH: "kubectl antctl ..."
# runs antctl.  A symbolic link in the build tree and in bindir.
noinst_SCRIPTS = core/antctl/kubectl-antctl
core/antctl/kubectl-antctl: core/antctl/antctl$(EXEEXT)
	$(AM_V_GEN)rm -f $@ && $(LN_S) antctl$(EXEEXT) $@
CLEANFILES += core/antctl/kubectl-antctl
install-exec-hook: install-kubectl-antctl
install-kubectl-antctl:
	cd $(DESTDIR)$(bindir) && rm -f kubectl-antctl$(EXEEXT) && \
	  $(LN_S) antctl$(EXEEXT) kubectl-antctl$(EXEEXT)
uninstall-hook: uninstall-kubectl-antctl
uninstall-kubectl-antctl:
	rm -f $(DESTDIR)$(bindir)/kubectl-antctl$(EXEEXT)
.PHONY: install-kubectl-antctl uninstall-kubectl-antctl

# The agent's local API, in the agent's datapath library.
core_agent_libantrea_agent_la_SOURCES += \
	core/agent/agent-api.c core/agent/agent-api.h \
	core/agent/agent-api-views.c core/agent/agent-api-views.h
core_agent_libantrea_agent_la_CFLAGS += $(MHD_CFLAGS)
AGENT_LIBS += $(MHD_LIBS)

# The controller's JSON answers, in its API library.
core_controller_libantrea_cp_api_la_SOURCES += \
	core/antctl/cp-json.c core/antctl/cp-json.h
core_controller_libantrea_cp_api_la_CPPFLAGS += -I$(top_srcdir)/core/antctl

# ofproto/trace through ovs-vswitchd's control socket, in the OVS
# wrappers (its two functions are in ovs-shim.sym).
core_lib_ovs_libaovs_wrappers_la_SOURCES += \
	core/lib/ovs/aovs-unixctl.c core/lib/ovs/aovs-unixctl.h

# Unit tests of the output formats.
check_PROGRAMS += tests/antctl/test-antctl-output
TESTS += tests/antctl/test-antctl-output
tests_antctl_test_antctl_output_SOURCES = tests/antctl/test-antctl-output.c
tests_antctl_test_antctl_output_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/core/antctl
tests_antctl_test_antctl_output_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	$(JANSSON_CFLAGS) $(YAML_CFLAGS)
tests_antctl_test_antctl_output_LDADD = core/antctl/libantctl-output.la \
	$(CORE_LIBS) $(CRITERION_LIBS) $(JANSSON_LIBS) $(YAML_LIBS)

# Integration test: a real agent (tests/agent/agent_harness.py) and a
# real controller, every command in every format, and the errors of a
# stopped component; namespaces "atest-antctl-<pid>*"; skipped unless
# root with the kube binaries and OVS.
TESTS += tests/antctl/test-antctl.py
EXTRA_DIST += tests/antctl/test-antctl.py

# The reference page and the man page.
dist_man_MANS = docs/man/antctl.1
