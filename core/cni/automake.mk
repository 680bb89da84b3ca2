# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# CNI: the library both sides share (core/lib/cni-*: framing, the
# protocol, CNI env/config/result/error handling, the blocking client and
# the agent's server), the antrea-cni plugin binary, and their tests.

# The library.  The agent links it for the server (CNI_LIBS); it needs
# libantrea-core.la (util, log, event loop) after it.
noinst_LTLIBRARIES += core/lib/libantrea-cni.la
core_lib_libantrea_cni_la_SOURCES = \
	core/lib/cni-client.c core/lib/cni-client.h \
	core/lib/cni-config.c core/lib/cni-config.h \
	core/lib/cni-env.c core/lib/cni-env.h \
	core/lib/cni-error.c core/lib/cni-error.h \
	core/lib/cni-frame.c core/lib/cni-frame.h \
	core/lib/cni-protocol.c core/lib/cni-protocol.h \
	core/lib/cni-result.c core/lib/cni-result.h \
	core/lib/cni-server.c core/lib/cni-server.h \
	core/lib/cni-version.c core/lib/cni-version.h
core_lib_libantrea_cni_la_CPPFLAGS = $(AM_CPPFLAGS) $(CNI_PROTO_CPPFLAGS)
core_lib_libantrea_cni_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(PROTOBUF_C_CFLAGS)
core_lib_libantrea_cni_la_LIBADD = core/proto/libantrea-cni-proto.la \
	$(JANSSON_LIBS) $(PROTOBUF_C_LIBS)
$(core_lib_libantrea_cni_la_OBJECTS): core/proto/cni.pb-c.h

# What a program links to use the CNI library.
CNI_LIBS = core/lib/libantrea-cni.la $(CORE_LIBS)

# antrea-cni.  Not a command for people: it goes to
# $(libexecdir)/antrea, and whoever installs Antrea on a Node copies or
# links it into the runtime's CNI directory as /opt/cni/bin/antrea (the
# conflist's "type": "antrea"); docs/wire-formats.md.
antrealibexecdir = $(libexecdir)/antrea
antrealibexec_PROGRAMS = core/cni/antrea-cni
core_cni_antrea_cni_SOURCES = core/cni/main.c
core_cni_antrea_cni_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
core_cni_antrea_cni_LDADD = $(CNI_LIBS) $(JANSSON_LIBS)

# The protocol and antrea-cni's behaviour.  (docs/automake.mk should list
# it in dist_doc_DATA; until then it is at least distributed.)

# Tests: criterion unit tests of the library, a CNI server with a canned
# handler for the end-to-end test of antrea-cni, and that test.
CNI_TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(JANSSON_CFLAGS)
CNI_TEST_LDADD = $(CNI_LIBS) $(CRITERION_LIBS) $(JANSSON_LIBS)
check_PROGRAMS += \
	tests/cni/test-cni-config \
	tests/cni/test-cni-env \
	tests/cni/test-cni-error \
	tests/cni/test-cni-frame \
	tests/cni/test-cni-result \
	tests/cni/test-cni-server \
	tests/cni/cni-test-server
TESTS += \
	tests/cni/test-cni-config \
	tests/cni/test-cni-env \
	tests/cni/test-cni-error \
	tests/cni/test-cni-frame \
	tests/cni/test-cni-result \
	tests/cni/test-cni-server \
	tests/cni/test-antrea-cni.sh
EXTRA_DIST += tests/cni/test-antrea-cni.sh

tests_cni_test_cni_config_SOURCES = tests/cni/test-cni-config.c
tests_cni_test_cni_config_CFLAGS = $(CNI_TEST_CFLAGS)
tests_cni_test_cni_config_LDADD = $(CNI_TEST_LDADD)
tests_cni_test_cni_env_SOURCES = tests/cni/test-cni-env.c
tests_cni_test_cni_env_CFLAGS = $(CNI_TEST_CFLAGS)
tests_cni_test_cni_env_LDADD = $(CNI_TEST_LDADD)
tests_cni_test_cni_error_SOURCES = tests/cni/test-cni-error.c
tests_cni_test_cni_error_CFLAGS = $(CNI_TEST_CFLAGS)
tests_cni_test_cni_error_LDADD = $(CNI_TEST_LDADD)
tests_cni_test_cni_frame_SOURCES = tests/cni/test-cni-frame.c
tests_cni_test_cni_frame_CPPFLAGS = $(AM_CPPFLAGS) $(CNI_PROTO_CPPFLAGS)
tests_cni_test_cni_frame_CFLAGS = $(CNI_TEST_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_cni_test_cni_frame_LDADD = $(CNI_TEST_LDADD) $(PROTOBUF_C_LIBS)
$(tests_cni_test_cni_frame_OBJECTS): core/proto/cni.pb-c.h
tests_cni_test_cni_result_SOURCES = tests/cni/test-cni-result.c
tests_cni_test_cni_result_CFLAGS = $(CNI_TEST_CFLAGS)
tests_cni_test_cni_result_LDADD = $(CNI_TEST_LDADD)
tests_cni_test_cni_server_SOURCES = tests/cni/test-cni-server.c
tests_cni_test_cni_server_CFLAGS = $(CNI_TEST_CFLAGS)
tests_cni_test_cni_server_LDADD = $(CNI_TEST_LDADD) -lpthread
tests_cni_test_cni_server_SOURCES += tests/cni/cni-test-handler.c \
	tests/cni/cni-test-handler.h
tests_cni_test_cni_server_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/cni
tests_cni_cni_test_server_SOURCES = tests/cni/cni-test-server.c \
	tests/cni/cni-test-handler.c tests/cni/cni-test-handler.h
tests_cni_cni_test_server_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_cni_cni_test_server_LDADD = $(CNI_LIBS) $(JANSSON_LIBS)
