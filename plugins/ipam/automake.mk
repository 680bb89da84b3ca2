# IPAM backends: host-local (runs the CNI host-local program) and native
# (an in-process allocator).  Both modules share ipam-util.c (compiled
# into each: a module links no core code; its symbols are hidden).
plugin_LTLIBRARIES += plugins/ipam/host-local.la plugins/ipam/native.la
IPAM_COMMON = plugins/ipam/ipam-util.c plugins/ipam/ipam-util.h
plugins_ipam_host_local_la_SOURCES = plugins/ipam/host-local.c \
	$(IPAM_COMMON)
plugins_ipam_host_local_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
plugins_ipam_host_local_la_LIBADD = $(JANSSON_LIBS)
plugins_ipam_host_local_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_ipam_native_la_SOURCES = plugins/ipam/native.c $(IPAM_COMMON)
plugins_ipam_native_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
plugins_ipam_native_la_LIBADD = $(JANSSON_LIBS)
plugins_ipam_native_la_LDFLAGS = $(PLUGIN_LDFLAGS)
