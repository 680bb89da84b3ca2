# Copyright (c) 2026 The antrea-c authors.  SPDX-License-Identifier: Apache-2.0
#
# The .proto files, compiled by protoc-c (which configure finds) at build
# time into the build tree; nothing generated is distributed.
#
# cni.proto: the antrea-cni <-> agent messages, compiled into a
# convenience library that core/cni/automake.mk's libantrea-cni.la links.
# Only core/lib/cni-protocol.c (and tests) include cni.pb-c.h, through
# -I$(top_builddir)/core/proto; their objects depend on the header below.

EXTRA_DIST += core/proto/cni.proto

# protoc-c writes the .c and the .h at once: one stamp rule runs it, and
# the files depend on the stamp (the automake manual's recipe for rules
# with several outputs, safe under make -j).
core/proto/cni.pb-c.c core/proto/cni.pb-c.h: core/proto/cni-proto.stamp
	@test -f $@ || { rm -f core/proto/cni-proto.stamp && \
	  $(MAKE) $(AM_MAKEFLAGS) core/proto/cni-proto.stamp; }
core/proto/cni-proto.stamp: core/proto/cni.proto
	@$(MKDIR_P) core/proto
	@rm -f $@.tmp && touch $@.tmp
	$(AM_V_GEN)$(PROTOC_C) --proto_path=$(srcdir)/core/proto \
	  --c_out=core/proto $(srcdir)/core/proto/cni.proto
	@mv -f $@.tmp $@
CLEANFILES += core/proto/cni.pb-c.c core/proto/cni.pb-c.h \
	core/proto/cni-proto.stamp core/proto/cni-proto.stamp.tmp

noinst_LTLIBRARIES += core/proto/libantrea-cni-proto.la
nodist_core_proto_libantrea_cni_proto_la_SOURCES = \
	core/proto/cni.pb-c.c core/proto/cni.pb-c.h
core_proto_libantrea_cni_proto_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_builddir)/core/proto
core_proto_libantrea_cni_proto_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
core_proto_libantrea_cni_proto_la_LIBADD = $(PROTOBUF_C_LIBS)

# What a target that includes cni.pb-c.h adds to its CPPFLAGS.
CNI_PROTO_CPPFLAGS = -I$(top_builddir)/core/proto

# controlplane.proto: the controller <-> agent control-plane API messages,
# compiled into a convenience library the controller and the agent link.
EXTRA_DIST += core/proto/controlplane.proto

core/proto/controlplane.pb-c.c core/proto/controlplane.pb-c.h: \
		core/proto/controlplane-proto.stamp
	@test -f $@ || { rm -f core/proto/controlplane-proto.stamp && \
	  $(MAKE) $(AM_MAKEFLAGS) core/proto/controlplane-proto.stamp; }
core/proto/controlplane-proto.stamp: core/proto/controlplane.proto
	@$(MKDIR_P) core/proto
	@rm -f $@.tmp && touch $@.tmp
	$(AM_V_GEN)$(PROTOC_C) --proto_path=$(srcdir)/core/proto \
	  --c_out=core/proto $(srcdir)/core/proto/controlplane.proto
	@mv -f $@.tmp $@
CLEANFILES += core/proto/controlplane.pb-c.c core/proto/controlplane.pb-c.h \
	core/proto/controlplane-proto.stamp \
	core/proto/controlplane-proto.stamp.tmp

noinst_LTLIBRARIES += core/proto/libantrea-cp-proto.la
nodist_core_proto_libantrea_cp_proto_la_SOURCES = \
	core/proto/controlplane.pb-c.c core/proto/controlplane.pb-c.h
core_proto_libantrea_cp_proto_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_builddir)/core/proto
core_proto_libantrea_cp_proto_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
core_proto_libantrea_cp_proto_la_LIBADD = $(PROTOBUF_C_LIBS)

# What a target that includes controlplane.pb-c.h adds to its CPPFLAGS;
# its objects must also depend on core/proto/controlplane.pb-c.h.
CP_PROTO_CPPFLAGS = -I$(top_builddir)/core/proto $(PROTOBUF_C_CFLAGS)
