sbin_PROGRAMS += core/agent/antrea-agent
core_agent_antrea_agent_SOURCES = core/agent/main.c
core_agent_antrea_agent_CFLAGS = $(AM_CFLAGS) $(OVS_CFLAGS)
core_agent_antrea_agent_LDADD = $(CORE_LIBS) $(OVS_LIBS)
