# The shared building blocks of the four programs, one file per concern.
noinst_LTLIBRARIES += core/lib/libantrea-core.la
core_lib_libantrea_core_la_SOURCES = \
	core/lib/agent-config.c core/lib/agent-config.h \
	core/lib/config-schema.c core/lib/config-schema.h \
	core/lib/controller-config.c core/lib/controller-config.h \
	core/lib/diag.c core/lib/diag.h \
	core/lib/event-loop.c core/lib/event-loop.h \
	core/lib/host-api.c core/lib/host-api.h \
	core/lib/log.c core/lib/log.h \
	core/lib/module-set.c core/lib/module-set.h \
	core/lib/plugin-loader.c core/lib/plugin-loader.h \
	core/lib/util.c core/lib/util.h \
	core/lib/yaml-tree.c core/lib/yaml-tree.h
core_lib_libantrea_core_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
core_lib_libantrea_core_la_LIBADD = $(YAML_LIBS) $(LTDL_LIBS)

# What a program links to use the core library.
CORE_LIBS = core/lib/libantrea-core.la
