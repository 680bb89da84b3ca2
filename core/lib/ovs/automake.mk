# The agent's Open vSwitch layer: OVSDB and OpenFlow through the OVS C
# library, behind a symbol wall ("Linking the OVS library" in
# docs/architecture.md).
#
# 1. The wrappers (aovs-*.c) are compiled in "OVS world": with OVS's
#    config.h forced in and OVS's include directories, never with our
#    config.h or core/lib headers.  They form a convenience archive that no
#    program links directly.
# 2. ovs-shim.o is that archive partially linked (ld -r) with the OVS
#    library's archives, which pulls in only the OVS objects the wrappers
#    need; objcopy then makes every symbol local except the API listed in
#    ovs-shim.sym, and the rule fails if anything else stays global.
# 3. A program that uses the OVS layer links $(OVS_SHIM) $(OVS_SHIM_LIBS)
#    (see OVS_SHIM_LDADD), never $(OVS_LIBS), and includes the aovs-*.h
#    headers, which include no OVS header.

noinst_LTLIBRARIES += core/lib/ovs/libaovs-wrappers.la
core_lib_ovs_libaovs_wrappers_la_SOURCES = \
	core/lib/ovs/aovs-flow.c core/lib/ovs/aovs-flow.h \
	core/lib/ovs/aovs-ovsdb.c core/lib/ovs/aovs-ovsdb.h \
	core/lib/ovs/aovs-poll.c core/lib/ovs/aovs-poll.h \
	core/lib/ovs/aovs-private.h \
	core/lib/ovs/aovs-smap.c core/lib/ovs/aovs-smap.h \
	core/lib/ovs/aovs-switch.c core/lib/ovs/aovs-switch.h
core_lib_ovs_libaovs_wrappers_la_CPPFLAGS = \
	-include $(OVS_BUILD_DIR)/config.h \
	-I$(OVS_BUILD_DIR)/include -I$(OVS_BUILD_DIR)/lib -I$(OVS_BUILD_DIR)
# OVS's VLOG macros compare an int with an enum, which -Wextra reports.
core_lib_ovs_libaovs_wrappers_la_CFLAGS = $(AM_CFLAGS) -Wno-sign-compare

OVS_SHIM = core/lib/ovs/ovs-shim.o
OVS_SHIM_LDADD = $(OVS_SHIM) $(OVS_SHIM_LIBS)
OVS_SHIM_SYMBOLS = $(srcdir)/core/lib/ovs/ovs-shim.sym
OVS_SHIM_CHECK = $(srcdir)/core/lib/ovs/check-shim-symbols.sh

core/lib/ovs/ovs-shim.o: core/lib/ovs/libaovs-wrappers.la \
		$(OVS_SHIM_SYMBOLS) $(OVS_SHIM_CHECK) $(OVS_ARCHIVES)
	$(AM_V_GEN)rm -f $@ $@.tmp && \
	$(LD) -r -o $@.tmp \
	  --whole-archive core/lib/ovs/.libs/libaovs-wrappers.a \
	  --no-whole-archive --start-group $(OVS_ARCHIVES) --end-group && \
	$(OBJCOPY) --keep-global-symbols=$(OVS_SHIM_SYMBOLS) $@.tmp && \
	$(SHELL) $(OVS_SHIM_CHECK) '$(NM)' $@.tmp $(OVS_SHIM_SYMBOLS) && \
	mv $@.tmp $@
CLEANFILES += core/lib/ovs/ovs-shim.o core/lib/ovs/ovs-shim.o.tmp
EXTRA_DIST += \
	core/lib/ovs/README.md \
	core/lib/ovs/ovs-shim.sym \
	core/lib/ovs/check-shim-symbols.sh

# Tests (tests/ovs/) and the flow benchmark (tests/bench/, built by "make
# check" but not run by it).
OVS_TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) \
	-I$(top_srcdir)/core/lib/ovs
OVS_TEST_LDADD = $(OVS_SHIM_LDADD) $(CORE_LIBS) $(CRITERION_LIBS)
OVS_SANDBOX_SOURCES = tests/ovs/ovs-sandbox.c tests/ovs/ovs-sandbox.h

check_PROGRAMS += \
	tests/ovs/test-ovs-wall \
	tests/ovs/test-aovs-poll \
	tests/ovs/test-aovs-flow \
	tests/ovs/test-aovs-ovsdb \
	tests/ovs/test-aovs-switch \
	tests/bench/bench-flows
TESTS += \
	tests/ovs/test-shim-symbols.sh \
	tests/ovs/test-ovs-wall \
	tests/ovs/test-aovs-poll \
	tests/ovs/test-aovs-flow \
	tests/ovs/test-aovs-ovsdb \
	tests/ovs/test-aovs-switch
EXTRA_DIST += tests/ovs/test-shim-symbols.sh

tests_ovs_test_ovs_wall_SOURCES = tests/ovs/test-ovs-wall.c \
	$(OVS_SANDBOX_SOURCES)
tests_ovs_test_ovs_wall_CFLAGS = $(OVS_TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_ovs_test_ovs_wall_LDADD = $(OVS_TEST_LDADD) $(JANSSON_LIBS)

tests_ovs_test_aovs_poll_SOURCES = tests/ovs/test-aovs-poll.c
tests_ovs_test_aovs_poll_CFLAGS = $(OVS_TEST_CFLAGS)
tests_ovs_test_aovs_poll_LDADD = $(OVS_TEST_LDADD)

tests_ovs_test_aovs_flow_SOURCES = tests/ovs/test-aovs-flow.c
tests_ovs_test_aovs_flow_CFLAGS = $(OVS_TEST_CFLAGS)
tests_ovs_test_aovs_flow_LDADD = $(OVS_TEST_LDADD)

tests_ovs_test_aovs_ovsdb_SOURCES = tests/ovs/test-aovs-ovsdb.c \
	$(OVS_SANDBOX_SOURCES)
tests_ovs_test_aovs_ovsdb_CFLAGS = $(OVS_TEST_CFLAGS)
tests_ovs_test_aovs_ovsdb_LDADD = $(OVS_TEST_LDADD)

tests_ovs_test_aovs_switch_SOURCES = tests/ovs/test-aovs-switch.c \
	$(OVS_SANDBOX_SOURCES)
tests_ovs_test_aovs_switch_CFLAGS = $(OVS_TEST_CFLAGS)
tests_ovs_test_aovs_switch_LDADD = $(OVS_TEST_LDADD)

tests_bench_bench_flows_SOURCES = tests/bench/bench-flows.c \
	$(OVS_SANDBOX_SOURCES)
tests_bench_bench_flows_CFLAGS = $(OVS_TEST_CFLAGS)
tests_bench_bench_flows_LDADD = $(OVS_TEST_LDADD)

# The stale-megaflow regression test (docs/ovs-pipeline.md, "Stale
# datapath flows"): aovs-flowctl commits flows through aovs_switch as the
# agent does; the test drives it with real TCP in namespaces of its own
# against a real ovs-vswitchd (userspace datapath); skipped unless root.
check_PROGRAMS += tests/ovs/aovs-flowctl
TESTS += tests/ovs/test-ovs-stale-megaflow.py
EXTRA_DIST += tests/ovs/test-ovs-stale-megaflow.py
tests_ovs_aovs_flowctl_SOURCES = tests/ovs/aovs-flowctl.c
tests_ovs_aovs_flowctl_CFLAGS = $(OVS_TEST_CFLAGS)
tests_ovs_aovs_flowctl_LDADD = $(OVS_SHIM_LDADD) $(CORE_LIBS)
