# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# The control-plane API: the controller's HTTPS server (api-server: MHD on
# the event loop, routes, lists and watches from cp-store), its delegated
# authentication and authorisation (api-auth: TokenReview and
# SubjectAccessReview through the Kubernetes client) and TLS (api-tls:
# self-signed or file certificates, GnuTLS priorities), both in core/lib
# since the agent's metrics server uses them too; and the agent's
# client of it (controlplane-frames: frame splitting and decoding;
# controlplane-watch: one resource's watch with resync), which the agent
# links.  docs/wire-formats.md, "Control-plane API", describes the wire.

# The controller's side.  antrea-controller links $(CONTROLLER_API_LIBS)
# before the store (compute.mk), $(K8S_LIBS) and $(CORE_LIBS), and adds
# $(CONTROLLER_API_CPPFLAGS) to its CPPFLAGS.
noinst_LTLIBRARIES += core/controller/libantrea-cp-api.la
core_controller_libantrea_cp_api_la_SOURCES = \
	core/controller/api-server.c core/controller/api-server.h
core_controller_libantrea_cp_api_la_CPPFLAGS = $(AM_CPPFLAGS) \
	$(CP_PROTO_CPPFLAGS) -I$(top_srcdir)/core/controller
core_controller_libantrea_cp_api_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) \
	$(GNUTLS_CFLAGS) $(JANSSON_CFLAGS) $(CURL_CFLAGS)
core_controller_libantrea_cp_api_la_LIBADD = $(HTTP_DAEMON_LIBS) \
	core/proto/libantrea-cp-proto.la $(MHD_LIBS) $(GNUTLS_LIBS) \
	$(JANSSON_LIBS) $(PROTOBUF_C_LIBS)
$(core_controller_libantrea_cp_api_la_OBJECTS): core/proto/controlplane.pb-c.h

# api-auth and api-tls live in core/lib (shared with the agent's metrics
# server): $(API_AUTH_LIBS).
CONTROLLER_API_LIBS = core/controller/libantrea-cp-api.la $(API_AUTH_LIBS)
CONTROLLER_API_CPPFLAGS = $(CP_PROTO_CPPFLAGS) -I$(top_srcdir)/core/controller

# The agent's side.  The agent links $(CP_WATCH_LIBS) before $(K8S_LIBS)
# and $(CORE_LIBS); sources that include controlplane-watch.h add
# $(CP_WATCH_CPPFLAGS).
noinst_LTLIBRARIES += core/agent/libantrea-cp-watch.la
core_agent_libantrea_cp_watch_la_SOURCES = \
	core/agent/controlplane-frames.c core/agent/controlplane-frames.h \
	core/agent/controlplane-watch.c core/agent/controlplane-watch.h
core_agent_libantrea_cp_watch_la_CPPFLAGS = $(AM_CPPFLAGS) \
	$(CP_PROTO_CPPFLAGS)
core_agent_libantrea_cp_watch_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CURL_CFLAGS)
core_agent_libantrea_cp_watch_la_LIBADD = \
	core/proto/libantrea-cp-proto.la $(PROTOBUF_C_LIBS)
$(core_agent_libantrea_cp_watch_la_OBJECTS): core/proto/controlplane.pb-c.h

CP_WATCH_LIBS = core/agent/libantrea-cp-watch.la
CP_WATCH_CPPFLAGS = $(CP_PROTO_CPPFLAGS) -I$(top_srcdir)/core/agent

# Tests (tests/controller/): criterion unit tests of the frame reader and
# decoder with malformed input, of the TokenReview/SubjectAccessReview
# checks and their caches against a stand-in kube-apiserver, and of the
# TLS settings; the server and
# the agent's watch client against each other in one process over a
# small in-test store; and the integration test against a real
# kube-apiserver (skipped unless root with the kube binaries).
CP_API_TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CONTROLLER_API_CPPFLAGS) \
	-I$(top_srcdir)/core/agent -I$(top_srcdir)/tests/controller \
	-I$(top_srcdir)/tests/k8s
CP_API_TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(JANSSON_CFLAGS) \
	$(CURL_CFLAGS) $(GNUTLS_CFLAGS)

check_PROGRAMS += \
	tests/controller/test-cp-frames \
	tests/controller/test-api-auth \
	tests/controller/test-api-tls \
	tests/controller/test-api-watch
TESTS += \
	tests/controller/test-cp-frames \
	tests/controller/test-api-auth \
	tests/controller/test-api-tls \
	tests/controller/test-api-watch \
	tests/controller/test-controller-api.py
EXTRA_DIST += tests/controller/test-controller-api.py

tests_controller_test_cp_frames_SOURCES = tests/controller/test-cp-frames.c
tests_controller_test_cp_frames_CPPFLAGS = $(CP_API_TEST_CPPFLAGS)
tests_controller_test_cp_frames_CFLAGS = $(CP_API_TEST_CFLAGS)
tests_controller_test_cp_frames_LDADD = $(CP_WATCH_LIBS) $(K8S_LIBS) \
	$(CORE_LIBS) $(CRITERION_LIBS) $(PROTOBUF_C_LIBS)
$(tests_controller_test_cp_frames_OBJECTS): core/proto/controlplane.pb-c.h

tests_controller_test_api_auth_SOURCES = tests/controller/test-api-auth.c
tests_controller_test_api_auth_CPPFLAGS = $(CP_API_TEST_CPPFLAGS)
tests_controller_test_api_auth_CFLAGS = $(CP_API_TEST_CFLAGS)
tests_controller_test_api_auth_LDADD = tests/k8s/libk8stest.la \
	$(CONTROLLER_API_LIBS) $(K8S_LIBS) $(CORE_LIBS) $(CRITERION_LIBS) \
	-lpthread

tests_controller_test_api_tls_SOURCES = tests/controller/test-api-tls.c
tests_controller_test_api_tls_CPPFLAGS = $(CP_API_TEST_CPPFLAGS)
tests_controller_test_api_tls_CFLAGS = $(CP_API_TEST_CFLAGS)
tests_controller_test_api_tls_LDADD = $(CONTROLLER_API_LIBS) $(K8S_LIBS) \
	$(CORE_LIBS) $(CRITERION_LIBS) $(GNUTLS_LIBS)

tests_controller_test_api_watch_SOURCES = tests/controller/test-api-watch.c \
	tests/controller/fake-cp-store.c tests/controller/fake-cp-store.h
tests_controller_test_api_watch_CPPFLAGS = $(CP_API_TEST_CPPFLAGS)
tests_controller_test_api_watch_CFLAGS = $(CP_API_TEST_CFLAGS)
tests_controller_test_api_watch_LDADD = tests/k8s/libk8stest.la \
	$(CONTROLLER_API_LIBS) $(CP_WATCH_LIBS) $(K8S_LIBS) $(CORE_LIBS) \
	$(CRITERION_LIBS) $(PROTOBUF_C_LIBS)
$(tests_controller_test_api_watch_OBJECTS): core/proto/controlplane.pb-c.h
