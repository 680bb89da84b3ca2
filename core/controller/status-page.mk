# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# The controller's status web page (docs/status-page.md): the listener and
# the CRD informers (status-page), the status document (status-model) and
# its HTML (status-view); their unit tests, and the integration test that
# renders the page of a real controller in headless Chromium.

noinst_LTLIBRARIES += core/controller/libantrea-status-page.la
core_controller_libantrea_status_page_la_SOURCES = \
	core/controller/status-model.c core/controller/status-model.h \
	core/controller/status-page.c core/controller/status-page.h \
	core/controller/status-view.c core/controller/status-view.h
core_controller_libantrea_status_page_la_CPPFLAGS = $(AM_CPPFLAGS) \
	$(CP_PROTO_CPPFLAGS) -I$(top_srcdir)/core/controller
core_controller_libantrea_status_page_la_CFLAGS = $(AM_CFLAGS) \
	$(MHD_CFLAGS) $(K8S_CFLAGS)
core_controller_libantrea_status_page_la_LIBADD = $(HTTP_DAEMON_LIBS) \
	core/proto/libantrea-cp-proto.la $(MHD_LIBS) $(JANSSON_LIBS) \
	$(PROTOBUF_C_LIBS)
$(core_controller_libantrea_status_page_la_OBJECTS): \
	core/proto/controlplane.pb-c.h

# What the controller links (before the store, $(K8S_LIBS) and
# $(CORE_LIBS)).
STATUS_PAGE_LIBS = core/controller/libantrea-status-page.la

# Unit tests: the document from a real store and CRD objects, the HTML
# (escaping, ids, counts, the CRD-missing notice), and the listener's
# routes over loopback with the CRD informers against a stand-in
# kube-apiserver that answers 404.
check_PROGRAMS += tests/controller/test-status-page
TESTS += tests/controller/test-status-page
tests_controller_test_status_page_SOURCES = \
	tests/controller/test-status-page.c
tests_controller_test_status_page_CPPFLAGS = $(AM_CPPFLAGS) \
	$(CP_PROTO_CPPFLAGS) -I$(top_srcdir)/core/controller \
	-I$(top_srcdir)/tests/k8s
tests_controller_test_status_page_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	$(K8S_CFLAGS)
tests_controller_test_status_page_LDADD = tests/k8s/libk8stest.la \
	$(STATUS_PAGE_LIBS) core/controller/libantrea-np.la $(K8S_LIBS) \
	$(CORE_LIBS) $(CRITERION_LIBS) $(CURL_LIBS) $(JANSSON_LIBS) \
	$(PROTOBUF_C_LIBS) -lpthread
$(tests_controller_test_status_page_OBJECTS): core/proto/controlplane.pb-c.h

# The page of a real controller (real etcd and kube-apiserver, CRDs,
# AntreaAgentInfos, a NetworkPolicy) in headless Chromium; skipped (77)
# without root, the kube binaries or chromium.
TESTS += tests/controller/test-status-page-chromium.py
EXTRA_DIST += tests/controller/test-status-page-chromium.py

# The sandbox's page in Chromium (tests/e2e/run-e2e.sh runs it) and the
# rendering helper both Chromium tests share.
EXTRA_DIST += tests/e2e/test_status_page.py tests/e2e/chromium_page.py
