plugin_LTLIBRARIES += plugins/noencap/noencap.la
plugins_noencap_noencap_la_SOURCES = plugins/noencap/noencap.c
plugins_noencap_noencap_la_LDFLAGS = $(PLUGIN_LDFLAGS)
