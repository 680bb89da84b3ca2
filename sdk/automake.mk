# The plugin SDK: public headers, antrea-plugin.pc and the example plugin
# (installed as sources for third parties to start from).
antreaincludedir = $(includedir)/antrea
antreainclude_HEADERS = \
	sdk/include/antrea/antrea-plugin-sdk.h \
	sdk/include/antrea/encap-mode.h \
	sdk/include/antrea/host-api.h \
	sdk/include/antrea/ipam.h \
	sdk/include/antrea/ipsec.h \
	sdk/include/antrea/net-types.h \
	sdk/include/antrea/net-util.h \
	sdk/include/antrea/plugin.h \
	sdk/include/antrea/tunnel-type.h

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = sdk/antrea-plugin.pc

sdkexampledir = $(datadir)/antrea/sdk/example
dist_sdkexample_DATA = \
	sdk/example/Makefile \
	sdk/example/README.md \
	sdk/example/example-ipam.c

EXTRA_DIST += sdk/antrea-plugin.pc.in sdk/antrea-plugin-uninstalled.pc.in
DISTCLEANFILES += sdk/antrea-plugin.pc sdk/antrea-plugin-uninstalled.pc
