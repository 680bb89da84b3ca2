# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# The controller's NetworkPolicy computation and control-plane store:
# typed Kubernetes objects (k8s-objects), label selectors, the engine
# (np-compute), the store with its watchers (cp-store), their unit tests
# and the computation benchmark.

noinst_LTLIBRARIES += core/controller/libantrea-np.la
core_controller_libantrea_np_la_SOURCES = \
	core/controller/cp-store.c core/controller/cp-store.h \
	core/controller/hash-map.c core/controller/hash-map.h \
	core/controller/k8s-objects.c core/controller/k8s-objects.h \
	core/controller/label-selector.c core/controller/label-selector.h \
	core/controller/np-compute.c core/controller/np-compute.h
core_controller_libantrea_np_la_CPPFLAGS = $(AM_CPPFLAGS) \
	$(CP_PROTO_CPPFLAGS)
core_controller_libantrea_np_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(GNUTLS_CFLAGS)
core_controller_libantrea_np_la_LIBADD = core/proto/libantrea-cp-proto.la \
	$(JANSSON_LIBS) $(GNUTLS_LIBS) $(PROTOBUF_C_LIBS)
$(core_controller_libantrea_np_la_OBJECTS): core/proto/controlplane.pb-c.h

# What a program links to use the computation and the store (the
# controller and the API server's tests); its objects add
# $(CP_PROTO_CPPFLAGS) to include controlplane.pb-c.h.
NP_LIBS = core/controller/libantrea-np.la $(CORE_LIBS)

# Unit tests.
NP_TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CP_PROTO_CPPFLAGS) \
	-I$(top_srcdir)/core/controller
NP_TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(JANSSON_CFLAGS)
NP_TEST_LDADD = $(NP_LIBS) $(CRITERION_LIBS) $(JANSSON_LIBS) \
	$(PROTOBUF_C_LIBS)
check_PROGRAMS += tests/unit/test-cp-store
TESTS += tests/unit/test-cp-store
tests_unit_test_cp_store_SOURCES = tests/unit/test-cp-store.c
tests_unit_test_cp_store_CPPFLAGS = $(NP_TEST_CPPFLAGS)
tests_unit_test_cp_store_CFLAGS = $(NP_TEST_CFLAGS)
tests_unit_test_cp_store_LDADD = $(NP_TEST_LDADD)
$(tests_unit_test_cp_store_OBJECTS): core/proto/controlplane.pb-c.h

# The computation benchmark (tests/bench/README.md); built by "make check"
# but not run.
check_PROGRAMS += tests/bench/bench-np-compute
tests_bench_bench_np_compute_SOURCES = tests/bench/bench-np-compute.c
tests_bench_bench_np_compute_CPPFLAGS = $(NP_TEST_CPPFLAGS)
tests_bench_bench_np_compute_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_bench_bench_np_compute_LDADD = $(NP_LIBS) $(JANSSON_LIBS)
$(tests_bench_bench_np_compute_OBJECTS): core/proto/controlplane.pb-c.h

check_PROGRAMS += tests/unit/test-np-compute
TESTS += tests/unit/test-np-compute
tests_unit_test_np_compute_SOURCES = tests/unit/test-np-compute.c
tests_unit_test_np_compute_CPPFLAGS = $(NP_TEST_CPPFLAGS)
tests_unit_test_np_compute_CFLAGS = $(NP_TEST_CFLAGS)
tests_unit_test_np_compute_LDADD = $(NP_TEST_LDADD)
$(tests_unit_test_np_compute_OBJECTS): core/proto/controlplane.pb-c.h

# Invalid NetworkPolicies written straight into etcd, read by the real
# controller behind a real kube-apiserver (skipped unless root with the
# kube binaries).
TESTS += tests/controller/test-invalid-policies.py
EXTRA_DIST += tests/controller/test-invalid-policies.py

check_PROGRAMS += tests/unit/test-hash-map
TESTS += tests/unit/test-hash-map
tests_unit_test_hash_map_SOURCES = tests/unit/test-hash-map.c
tests_unit_test_hash_map_CPPFLAGS = $(NP_TEST_CPPFLAGS)
tests_unit_test_hash_map_CFLAGS = $(NP_TEST_CFLAGS)
tests_unit_test_hash_map_LDADD = $(NP_TEST_LDADD)
