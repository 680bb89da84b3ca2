# The test harness.  Every test finds the build tree's plugins through
# ANTREA_PLUGIN_PATH (the agent's search path after pluginDir) and the
# trees through abs_top_srcdir and abs_top_builddir.

TEST_PLUGIN_PATH = $(abs_top_builddir)/plugins/encap/.libs:$(abs_top_builddir)/plugins/noencap/.libs:$(abs_top_builddir)/plugins/hybrid/.libs:$(abs_top_builddir)/plugins/policyonly/.libs:$(abs_top_builddir)/plugins/ipsec/.libs:$(abs_top_builddir)/plugins/ipam/.libs

AM_TESTS_ENVIRONMENT = \
	ANTREA_PLUGIN_PATH='$(TEST_PLUGIN_PATH)'; export ANTREA_PLUGIN_PATH; \
	abs_top_srcdir='$(abs_top_srcdir)'; export abs_top_srcdir; \
	abs_top_builddir='$(abs_top_builddir)'; export abs_top_builddir; \
	OVS_BUILD_DIR='$(OVS_BUILD_DIR)'; export OVS_BUILD_DIR; \
	ANTREA_TEST_BAD_PLUGIN_DIR='$(abs_top_builddir)/tests/unit/bad-plugins/.libs'; \
	export ANTREA_TEST_BAD_PLUGIN_DIR; \
	ANTREA_TEST_DATA_DIR='$(abs_top_srcdir)/tests/unit/data'; \
	export ANTREA_TEST_DATA_DIR; \
	ASAN_OPTIONS='detect_leaks=1:abort_on_error=1'; export ASAN_OPTIONS; \
	UBSAN_OPTIONS='print_stacktrace=1:halt_on_error=1'; export UBSAN_OPTIONS;

TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)

EXTRA_DIST += \
	tests/bench/README.md \
	tests/bench/bench-cni-add.py \
	tests/bench/bench-policy-realization.py \
	tests/install-deps.sh \
	tests/run-all.sh \
	tests/quickstart.sh

# The launcher bench-cni-add.py starts CNI plugin calls with (a burst of
# spawns, timed from spawn to reap); built by "make check", run only by
# the benchmark.
check_PROGRAMS += tests/bench/cni-burst
tests_bench_cni_burst_SOURCES = tests/bench/cni-burst.c
tests_bench_cni_burst_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_bench_cni_burst_LDADD = $(JANSSON_LIBS)

# antrea-cni run by a real container runtime (containerd's `ctr run
# --cni`, a private containerd, a busybox image the test builds), against
# the real agent and OVS in a namespace "atest-ctr-<pid>"; skipped unless
# root with containerd, runc and busybox-static installed.
TESTS += tests/runtime/test-ctr-run-cni.py
EXTRA_DIST += tests/runtime/test-ctr-run-cni.py
