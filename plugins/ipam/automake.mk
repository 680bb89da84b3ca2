# IPAM backends: host-local (runs the CNI host-local program) and native
# (an in-process allocator).
plugin_LTLIBRARIES += plugins/ipam/host-local.la plugins/ipam/native.la
plugins_ipam_host_local_la_SOURCES = plugins/ipam/host-local.c
plugins_ipam_host_local_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
plugins_ipam_host_local_la_LIBADD = $(JANSSON_LIBS)
plugins_ipam_host_local_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_ipam_native_la_SOURCES = plugins/ipam/native.c
plugins_ipam_native_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
plugins_ipam_native_la_LIBADD = $(JANSSON_LIBS)
plugins_ipam_native_la_LDFLAGS = $(PLUGIN_LDFLAGS)
