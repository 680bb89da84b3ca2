sbin_PROGRAMS += core/controller/antrea-controller
core_controller_antrea_controller_SOURCES = core/controller/main.c
core_controller_antrea_controller_LDADD = $(CORE_LIBS)
