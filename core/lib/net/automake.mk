# Host networking for the agent (issue 4): Pod veth pairs, routes and ip
# rules, gratuitous ARP, TX checksum offload, Antrea's iptables chains.
# A program using it links $(NET_LIBS) and $(CORE_LIBS) (log, util).
noinst_LTLIBRARIES += core/lib/net/libantrea-net.la
core_lib_net_libantrea_net_la_SOURCES = \
	core/lib/net/ethtool.c core/lib/net/ethtool.h \
	core/lib/net/garp.c core/lib/net/garp.h \
	core/lib/net/ipt-entry.c core/lib/net/ipt-entry.h \
	core/lib/net/iptables.c core/lib/net/iptables.h \
	core/lib/net/netns.c core/lib/net/netns.h \
	core/lib/net/nl-convert.c core/lib/net/nl-convert.h \
	core/lib/net/pod-iface.c core/lib/net/pod-iface.h \
	core/lib/net/route.c core/lib/net/route.h \
	core/lib/net/rtnl-conn.c core/lib/net/rtnl-conn.h \
	core/lib/net/sha1.c core/lib/net/sha1.h \
	core/lib/net/xtables-lock.c core/lib/net/xtables-lock.h
core_lib_net_libantrea_net_la_CFLAGS = $(AM_CFLAGS) $(NL_CFLAGS) \
	$(IPTC_CFLAGS)
core_lib_net_libantrea_net_la_LIBADD = $(NL_LIBS) $(IPTC_LIBS)

NET_LIBS = core/lib/net/libantrea-net.la

# Tests (tests/net/): real veths, routes and iptables rules, each inside
# network namespaces "atest-<pid>-..." that the test creates and deletes.
# They need root and skip otherwise.
NET_TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) $(NL_CFLAGS) \
	-I$(top_srcdir)/core/lib/net
NET_TEST_LDADD = $(NET_LIBS) $(CORE_LIBS) $(CRITERION_LIBS)
NET_TEST_UTIL = tests/net/net-test-util.c tests/net/net-test-util.h

check_PROGRAMS += \
	tests/net/test-pod-iface \
	tests/net/test-route \
	tests/net/test-iptables \
	tests/net/test-iptables-routed
TESTS += \
	tests/net/test-pod-iface \
	tests/net/test-route \
	tests/net/test-iptables \
	tests/net/test-iptables-routed

tests_net_test_pod_iface_SOURCES = tests/net/test-pod-iface.c \
	$(NET_TEST_UTIL)
tests_net_test_pod_iface_CFLAGS = $(NET_TEST_CFLAGS)
tests_net_test_pod_iface_LDADD = $(NET_TEST_LDADD)
tests_net_test_route_SOURCES = tests/net/test-route.c $(NET_TEST_UTIL)
tests_net_test_route_CFLAGS = $(NET_TEST_CFLAGS)
tests_net_test_route_LDADD = $(NET_TEST_LDADD)
tests_net_test_iptables_SOURCES = tests/net/test-iptables.c \
	$(NET_TEST_UTIL)
tests_net_test_iptables_CFLAGS = $(NET_TEST_CFLAGS)
tests_net_test_iptables_LDADD = $(NET_TEST_LDADD)
tests_net_test_iptables_routed_SOURCES = tests/net/test-iptables-routed.c \
	$(NET_TEST_UTIL)
tests_net_test_iptables_routed_CFLAGS = $(NET_TEST_CFLAGS)
tests_net_test_iptables_routed_LDADD = $(NET_TEST_LDADD)
