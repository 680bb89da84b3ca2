# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# antrea-controller: main.c (command line, config, Kubernetes informers,
# event loop) over the policy computation and store (compute.mk) and the
# control-plane API server (apiserver.mk).

include core/controller/compute.mk
include core/controller/apiserver.mk

sbin_PROGRAMS += core/controller/antrea-controller
core_controller_antrea_controller_SOURCES = core/controller/main.c
core_controller_antrea_controller_CPPFLAGS = $(AM_CPPFLAGS) $(CONTROLLER_API_CPPFLAGS)
core_controller_antrea_controller_LDADD = $(CONTROLLER_API_LIBS) \
	core/controller/libantrea-np.la $(K8S_LIBS) $(CORE_LIBS) $(JANSSON_LIBS)
core_controller_antrea_controller_CFLAGS = $(AM_CFLAGS) $(K8S_CFLAGS) \
	$(JANSSON_CFLAGS)
$(core_controller_antrea_controller_OBJECTS): core/proto/controlplane.pb-c.h
