# Unit tests (criterion), run by "make check".  Each test program links the
# core library; the loader tests also load real plugins from the build tree
# and the defective modules built here.

UNIT_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
UNIT_LDADD = $(CORE_LIBS) $(CRITERION_LIBS)

check_PROGRAMS += \
	tests/unit/test-agent-config \
	tests/unit/test-controller-config \
	tests/unit/test-event-loop \
	tests/unit/test-iface-workers \
	tests/unit/test-ipam \
	tests/unit/test-log \
	tests/unit/test-module-set \
	tests/unit/test-plugin-loader \
	tests/unit/test-plugins \
	tests/unit/test-yaml-tree
TESTS += \
	tests/unit/test-agent-config \
	tests/unit/test-controller-config \
	tests/unit/test-event-loop \
	tests/unit/test-iface-workers \
	tests/unit/test-ipam \
	tests/unit/test-log \
	tests/unit/test-module-set \
	tests/unit/test-plugin-loader \
	tests/unit/test-plugins \
	tests/unit/test-yaml-tree

tests_unit_test_agent_config_SOURCES = tests/unit/test-agent-config.c
tests_unit_test_agent_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_agent_config_LDADD = $(UNIT_LDADD)
tests_unit_test_controller_config_SOURCES = tests/unit/test-controller-config.c
tests_unit_test_controller_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_controller_config_LDADD = $(UNIT_LDADD)
tests_unit_test_event_loop_SOURCES = tests/unit/test-event-loop.c
tests_unit_test_event_loop_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_event_loop_LDADD = $(UNIT_LDADD)
# The agent's veth worker threads, compiled in (the agent's library
# needs OVS and Kubernetes; this module needs neither).
tests_unit_test_iface_workers_SOURCES = tests/unit/test-iface-workers.c \
	core/agent/iface-workers.c core/agent/iface-workers.h
tests_unit_test_iface_workers_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/core/agent
tests_unit_test_iface_workers_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_iface_workers_LDADD = $(UNIT_LDADD) -lpthread
tests_unit_test_ipam_SOURCES = tests/unit/test-ipam.c \
	tests/unit/test-util.c tests/unit/test-util.h
tests_unit_test_ipam_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_ipam_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS)
tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_log_LDADD = $(UNIT_LDADD)
tests_unit_test_module_set_SOURCES = tests/unit/test-module-set.c \
	tests/unit/test-util.c tests/unit/test-util.h
tests_unit_test_module_set_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_module_set_LDADD = $(UNIT_LDADD)
tests_unit_test_plugin_loader_SOURCES = tests/unit/test-plugin-loader.c \
	tests/unit/test-util.c tests/unit/test-util.h
tests_unit_test_plugin_loader_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_plugin_loader_LDADD = $(UNIT_LDADD)
tests_unit_test_plugins_SOURCES = tests/unit/test-plugins.c \
	tests/unit/test-util.c tests/unit/test-util.h
tests_unit_test_plugins_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_plugins_LDADD = $(UNIT_LDADD)
tests_unit_test_yaml_tree_SOURCES = tests/unit/test-yaml-tree.c
tests_unit_test_yaml_tree_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_yaml_tree_LDADD = $(UNIT_LDADD)

# Defective modules, one per reason the loader refuses a module.  They are
# built as real shared objects (-rpath makes libtool build a module rather
# than a convenience library) but never installed.
BAD_PLUGIN_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath $(abs_builddir)/tests/unit/bad-plugins
check_LTLIBRARIES += \
	tests/unit/bad-plugins/bad-magic.la \
	tests/unit/bad-plugins/abi-major.la \
	tests/unit/bad-plugins/abi-minor.la \
	tests/unit/bad-plugins/name-mismatch.la \
	tests/unit/bad-plugins/unknown-kind.la \
	tests/unit/bad-plugins/small-ops.la \
	tests/unit/bad-plugins/small-descriptor.la \
	tests/unit/bad-plugins/missing-op.la \
	tests/unit/bad-plugins/no-descriptor.la
tests_unit_bad_plugins_bad_magic_la_SOURCES = tests/unit/bad-plugins/bad-plugin.c
tests_unit_bad_plugins_bad_magic_la_CPPFLAGS = $(AM_CPPFLAGS) -DBAD_MAGIC
tests_unit_bad_plugins_bad_magic_la_LDFLAGS = $(BAD_PLUGIN_LDFLAGS)
tests_unit_bad_plugins_abi_major_la_SOURCES = tests/unit/bad-plugins/bad-plugin.c
tests_unit_bad_plugins_abi_major_la_CPPFLAGS = $(AM_CPPFLAGS) -DABI_MAJOR
tests_unit_bad_plugins_abi_major_la_LDFLAGS = $(BAD_PLUGIN_LDFLAGS)
tests_unit_bad_plugins_abi_minor_la_SOURCES = tests/unit/bad-plugins/bad-plugin.c
tests_unit_bad_plugins_abi_minor_la_CPPFLAGS = $(AM_CPPFLAGS) -DABI_MINOR
tests_unit_bad_plugins_abi_minor_la_LDFLAGS = $(BAD_PLUGIN_LDFLAGS)
tests_unit_bad_plugins_name_mismatch_la_SOURCES = tests/unit/bad-plugins/bad-plugin.c
tests_unit_bad_plugins_name_mismatch_la_CPPFLAGS = $(AM_CPPFLAGS) -DNAME_MISMATCH
tests_unit_bad_plugins_name_mismatch_la_LDFLAGS = $(BAD_PLUGIN_LDFLAGS)
tests_unit_bad_plugins_unknown_kind_la_SOURCES = tests/unit/bad-plugins/bad-plugin.c
tests_unit_bad_plugins_unknown_kind_la_CPPFLAGS = $(AM_CPPFLAGS) -DUNKNOWN_KIND
tests_unit_bad_plugins_unknown_kind_la_LDFLAGS = $(BAD_PLUGIN_LDFLAGS)
tests_unit_bad_plugins_small_ops_la_SOURCES = tests/unit/bad-plugins/bad-plugin.c
tests_unit_bad_plugins_small_ops_la_CPPFLAGS = $(AM_CPPFLAGS) -DSMALL_OPS
tests_unit_bad_plugins_small_ops_la_LDFLAGS = $(BAD_PLUGIN_LDFLAGS)
tests_unit_bad_plugins_small_descriptor_la_SOURCES = tests/unit/bad-plugins/bad-plugin.c
tests_unit_bad_plugins_small_descriptor_la_CPPFLAGS = $(AM_CPPFLAGS) -DSMALL_DESCRIPTOR
tests_unit_bad_plugins_small_descriptor_la_LDFLAGS = $(BAD_PLUGIN_LDFLAGS)
tests_unit_bad_plugins_missing_op_la_SOURCES = tests/unit/bad-plugins/bad-plugin.c
tests_unit_bad_plugins_missing_op_la_CPPFLAGS = $(AM_CPPFLAGS) -DMISSING_OP
tests_unit_bad_plugins_missing_op_la_LDFLAGS = $(BAD_PLUGIN_LDFLAGS)
tests_unit_bad_plugins_no_descriptor_la_SOURCES = tests/unit/bad-plugins/no-descriptor.c
tests_unit_bad_plugins_no_descriptor_la_LDFLAGS = -module -avoid-version -shared \
	-no-undefined -rpath $(abs_builddir)/tests/unit/bad-plugins
EXTRA_DIST += tests/unit/bad-plugins/not-a-module.so

# Command-line tests of the programs.
TESTS += tests/unit/test-check-config.sh tests/unit/test-configure-deps.sh
EXTRA_DIST += tests/unit/test-check-config.sh tests/unit/test-configure-deps.sh

# The Prometheus metrics registry and its text exposition (metrics.h).
check_PROGRAMS += tests/unit/test-metrics
TESTS += tests/unit/test-metrics
tests_unit_test_metrics_SOURCES = tests/unit/test-metrics.c
tests_unit_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_metrics_LDADD = $(UNIT_LDADD) -lm
