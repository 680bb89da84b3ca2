plugin_LTLIBRARIES += plugins/policyonly/policyonly.la
plugins_policyonly_policyonly_la_SOURCES = plugins/policyonly/policyonly.c
plugins_policyonly_policyonly_la_LDFLAGS = $(PLUGIN_LDFLAGS)
