plugin_LTLIBRARIES += plugins/ipsec/ipsec.la
plugins_ipsec_ipsec_la_SOURCES = plugins/ipsec/ipsec.c
plugins_ipsec_ipsec_la_LDFLAGS = $(PLUGIN_LDFLAGS)
