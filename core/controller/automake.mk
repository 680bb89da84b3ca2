# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# antrea-controller: main.c (command line, config, Kubernetes informers,
# event loop) over the policy computation and store (compute.mk) and the
# control-plane API server (apiserver.mk).

include core/controller/compute.mk
include core/controller/apiserver.mk
include core/controller/status-page.mk

sbin_PROGRAMS += core/controller/antrea-controller
core_controller_antrea_controller_SOURCES = core/controller/main.c
core_controller_antrea_controller_CPPFLAGS = $(AM_CPPFLAGS) $(CONTROLLER_API_CPPFLAGS)
core_controller_antrea_controller_LDADD = $(STATUS_PAGE_LIBS) \
	$(CONTROLLER_API_LIBS) \
	core/controller/libantrea-np.la $(K8S_LIBS) $(CORE_LIBS) $(JANSSON_LIBS)
core_controller_antrea_controller_CFLAGS = $(AM_CFLAGS) $(K8S_CFLAGS) \
	$(JANSSON_CFLAGS)
$(core_controller_antrea_controller_OBJECTS): core/proto/controlplane.pb-c.h

# AntreaControllerInfo: the controllerinfo view (api-server.c) written to
# the Kubernetes API (docs/monitoring.md); in the API library, which the
# controller and the tests link.
core_controller_libantrea_cp_api_la_SOURCES += \
	core/controller/controller-info.c core/controller/controller-info.h

# The controller's CA in the ConfigMap antrea-ca (docs/architecture.md).
core_controller_libantrea_cp_api_la_SOURCES += \
	core/controller/ca-publisher.c core/controller/ca-publisher.h

# Prometheus metrics (docs/metrics.md), served by the API server at
# /metrics; in the API library, which the controller and the tests link.
core_controller_libantrea_cp_api_la_SOURCES += \
	core/controller/controller-metrics.c core/controller/controller-metrics.h

# Integration test of /metrics (real kube-apiserver and controller in a
# namespace "atest-cpmet-<pid>"; skipped unless root with the kube
# binaries).
TESTS += tests/controller/test-controller-metrics.py
EXTRA_DIST += tests/controller/test-controller-metrics.py

# What the Python tests of tests/controller/ (and tests/agent/test-crd-info.py,
# tests/antctl/test-antctl.py) share: the controller started against the
# harness's kube-apiserver, its API over HTTPS, a protobuf reader.
EXTRA_DIST += tests/controller/controller_harness.py \
	tests/controller/cp_protobuf.py
