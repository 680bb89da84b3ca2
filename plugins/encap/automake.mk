# The encap mode and the four tunnel types.  The tunnel modules share
# tunnel-port.c (compiled into each: a module links no core code).
plugin_LTLIBRARIES += plugins/encap/encap.la \
	plugins/encap/geneve.la plugins/encap/vxlan.la \
	plugins/encap/gre.la plugins/encap/stt.la
plugins_encap_encap_la_SOURCES = plugins/encap/encap.c
plugins_encap_encap_la_LDFLAGS = $(PLUGIN_LDFLAGS)
TUNNEL_COMMON = plugins/encap/tunnel-port.c plugins/encap/tunnel-port.h
plugins_encap_geneve_la_SOURCES = plugins/encap/geneve.c $(TUNNEL_COMMON)
plugins_encap_geneve_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_encap_vxlan_la_SOURCES = plugins/encap/vxlan.c $(TUNNEL_COMMON)
plugins_encap_vxlan_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_encap_gre_la_SOURCES = plugins/encap/gre.c $(TUNNEL_COMMON)
plugins_encap_gre_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_encap_stt_la_SOURCES = plugins/encap/stt.c $(TUNNEL_COMMON)
plugins_encap_stt_la_LDFLAGS = $(PLUGIN_LDFLAGS)
