plugin_LTLIBRARIES += plugins/hybrid/hybrid.la
plugins_hybrid_hybrid_la_SOURCES = plugins/hybrid/hybrid.c
plugins_hybrid_hybrid_la_LDFLAGS = $(PLUGIN_LDFLAGS)
