# The Kubernetes API client (libcurl + jansson): kubeconfig and in-cluster
# config, requests on the event loop, list and watch, informer caches.
# A program links $(K8S_LIBS) before $(CORE_LIBS).
noinst_LTLIBRARIES += core/lib/k8s/libantrea-k8s.la
core_lib_k8s_libantrea_k8s_la_SOURCES = \
	core/lib/k8s/k8s-backoff.c core/lib/k8s/k8s-backoff.h \
	core/lib/k8s/k8s-client.c core/lib/k8s/k8s-client.h \
	core/lib/k8s/k8s-config.c core/lib/k8s/k8s-config.h \
	core/lib/k8s/k8s-informer.c core/lib/k8s/k8s-informer.h \
	core/lib/k8s/k8s-kubeconfig.c \
	core/lib/k8s/k8s-lines.c core/lib/k8s/k8s-lines.h \
	core/lib/k8s/k8s-object-writer.c core/lib/k8s/k8s-object-writer.h \
	core/lib/k8s/k8s-reflector.c core/lib/k8s/k8s-reflector.h \
	core/lib/k8s/k8s-resource.c core/lib/k8s/k8s-resource.h
# The fields AntreaAgentInfo and AntreaControllerInfo share (built by
# core/agent/agent-info.c and core/controller/controller-info.c).
core_lib_k8s_libantrea_k8s_la_SOURCES += \
	core/lib/k8s/antrea-info.c core/lib/k8s/antrea-info.h
core_lib_k8s_libantrea_k8s_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) \
	$(JANSSON_CFLAGS) $(YAML_CFLAGS)
core_lib_k8s_libantrea_k8s_la_LIBADD = $(CURL_LIBS) $(JANSSON_LIBS) \
	$(YAML_LIBS)

# What a program links to use the client (then $(CORE_LIBS)), and the
# flags its sources need to include the client's headers.
K8S_LIBS = core/lib/k8s/libantrea-k8s.la
K8S_CFLAGS = $(CURL_CFLAGS) $(JANSSON_CFLAGS)

# Tests (tests/k8s/): criterion unit tests against recorded apiserver
# answers (tests/k8s/fixtures/, copied from the project's shared
# fixtures) replayed by a real HTTP/1.1 server in the test process, and a
# live test against a real kube-apiserver in a throwaway network
# namespace (skipped unless root and the kube binaries are built).
check_LTLIBRARIES += tests/k8s/libk8stest.la
tests_k8s_libk8stest_la_SOURCES = \
	tests/k8s/http-test-server.c tests/k8s/http-test-server.h \
	tests/k8s/k8s-test-util.c tests/k8s/k8s-test-util.h
tests_k8s_libk8stest_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DK8S_FIXTURE_DIR='"$(abs_top_srcdir)/tests/k8s/fixtures"'
tests_k8s_libk8stest_la_CFLAGS = $(AM_CFLAGS) $(K8S_CFLAGS)

K8S_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/k8s
K8S_TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(K8S_CFLAGS)
K8S_TEST_LDADD = tests/k8s/libk8stest.la $(K8S_LIBS) $(CORE_LIBS) \
	$(CRITERION_LIBS) -lpthread

K8S_UNIT_TESTS = \
	tests/k8s/test-k8s-units \
	tests/k8s/test-k8s-kubeconfig \
	tests/k8s/test-k8s-client \
	tests/k8s/test-k8s-reflector \
	tests/k8s/test-k8s-informer \
	tests/k8s/test-k8s-object-writer
check_PROGRAMS += $(K8S_UNIT_TESTS) tests/k8s/k8s-live-tool
TESTS += $(K8S_UNIT_TESTS) tests/k8s/test-k8s-live.sh

tests_k8s_test_k8s_units_SOURCES = tests/k8s/test-k8s-units.c
tests_k8s_test_k8s_units_CPPFLAGS = $(K8S_TEST_CPPFLAGS)
tests_k8s_test_k8s_units_CFLAGS = $(K8S_TEST_CFLAGS)
tests_k8s_test_k8s_units_LDADD = $(K8S_TEST_LDADD)
tests_k8s_test_k8s_kubeconfig_SOURCES = tests/k8s/test-k8s-kubeconfig.c
tests_k8s_test_k8s_kubeconfig_CPPFLAGS = $(K8S_TEST_CPPFLAGS)
tests_k8s_test_k8s_kubeconfig_CFLAGS = $(K8S_TEST_CFLAGS)
tests_k8s_test_k8s_kubeconfig_LDADD = $(K8S_TEST_LDADD)
tests_k8s_test_k8s_client_SOURCES = tests/k8s/test-k8s-client.c
tests_k8s_test_k8s_client_CPPFLAGS = $(K8S_TEST_CPPFLAGS)
tests_k8s_test_k8s_client_CFLAGS = $(K8S_TEST_CFLAGS)
tests_k8s_test_k8s_client_LDADD = $(K8S_TEST_LDADD)
tests_k8s_test_k8s_reflector_SOURCES = tests/k8s/test-k8s-reflector.c
tests_k8s_test_k8s_reflector_CPPFLAGS = $(K8S_TEST_CPPFLAGS)
tests_k8s_test_k8s_reflector_CFLAGS = $(K8S_TEST_CFLAGS)
tests_k8s_test_k8s_reflector_LDADD = $(K8S_TEST_LDADD)
tests_k8s_test_k8s_informer_SOURCES = tests/k8s/test-k8s-informer.c
tests_k8s_test_k8s_informer_CPPFLAGS = $(K8S_TEST_CPPFLAGS)
tests_k8s_test_k8s_informer_CFLAGS = $(K8S_TEST_CFLAGS)
tests_k8s_test_k8s_informer_LDADD = $(K8S_TEST_LDADD)
tests_k8s_test_k8s_object_writer_SOURCES = \
	tests/k8s/test-k8s-object-writer.c
tests_k8s_test_k8s_object_writer_CPPFLAGS = $(K8S_TEST_CPPFLAGS)
tests_k8s_test_k8s_object_writer_CFLAGS = $(K8S_TEST_CFLAGS)
tests_k8s_test_k8s_object_writer_LDADD = $(K8S_TEST_LDADD)

# The live test's client: lists and watches Pods, and exercises writes.
tests_k8s_k8s_live_tool_SOURCES = tests/k8s/k8s-live-tool.c
tests_k8s_k8s_live_tool_CFLAGS = $(AM_CFLAGS) $(K8S_CFLAGS)
tests_k8s_k8s_live_tool_LDADD = $(K8S_LIBS) $(CORE_LIBS)

EXTRA_DIST += \
	tests/k8s/test-k8s-live.sh \
	tests/k8s/fixtures/README.rv \
	tests/k8s/fixtures/list-namespaces.json \
	tests/k8s/fixtures/list-networkpolicies.json \
	tests/k8s/fixtures/list-nodes.json \
	tests/k8s/fixtures/list-pods-exact-too-old.json \
	tests/k8s/fixtures/list-pods-expired-continue.headers \
	tests/k8s/fixtures/list-pods-expired-continue.json \
	tests/k8s/fixtures/list-pods-page1.json \
	tests/k8s/fixtures/list-pods-page2.json \
	tests/k8s/fixtures/list-pods-page3.json \
	tests/k8s/fixtures/list-pods.json \
	tests/k8s/fixtures/watch-http11-raw.bin \
	tests/k8s/fixtures/watch-http11-raw.headers \
	tests/k8s/fixtures/watch-namespaces.headers \
	tests/k8s/fixtures/watch-namespaces.jsonl \
	tests/k8s/fixtures/watch-networkpolicies.headers \
	tests/k8s/fixtures/watch-networkpolicies.jsonl \
	tests/k8s/fixtures/watch-nodes.headers \
	tests/k8s/fixtures/watch-nodes.jsonl \
	tests/k8s/fixtures/watch-pods-labelselector.jsonl \
	tests/k8s/fixtures/watch-pods-too-old.headers \
	tests/k8s/fixtures/watch-pods-too-old.jsonl \
	tests/k8s/fixtures/watch-pods.headers \
	tests/k8s/fixtures/watch-pods.jsonl
