/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers for the core/lib/net tests: network namespaces the test owns
 * and shell commands whose output the test checks.
 *
 * Every namespace is named "atest-<pid>-<test pid>-<tag>", where <pid> is
 * the test runner's pid and <test pid> the test process's, so that neither
 * parallel runs nor parallel tests collide.  A test deletes its
 * namespaces in its fini; a report hook in the runner deletes any left by
 * a test that crashed.
 */

#ifndef NET_TEST_UTIL_H
#define NET_TEST_UTIL_H 1

#include <stdbool.h>

#include "antrea/host-api.h"    /* ANTREA_PRINTF_FORMAT */

/* Skips the current test unless running as root. */
#define NT_REQUIRE_ROOT()                                               \
    do {                                                                \
        if (geteuid() != 0) {                                           \
            cr_skip_test("needs root (network namespaces)");            \
        }                                                               \
    } while (0)

/* Creates namespace "atest-<pid>-<test pid>-<tag>" and returns its name
 * (caller frees); fails the test if it cannot. */
char *nt_netns_create(const char *tag);

/* Returns the path of namespace 'name' (caller frees). */
char *nt_netns_path(const char *name);

/* Moves the calling thread into namespace 'name'; fails the test if it
 * cannot. */
void nt_netns_enter(const char *name);

/* Deletes namespace 'name' (NULL is fine). */
void nt_netns_delete(const char *name);

/* Runs the shell command 'format' and returns its standard output (caller
 * frees); '*statusp' gets its exit status (-1 if it did not exit
 * normally). */
char *nt_run(int *statusp, const char *format, ...)
    ANTREA_PRINTF_FORMAT(2, 3);

/* Runs the shell command and fails the test unless it exits 0; returns
 * its output (caller frees). */
char *nt_run_ok(const char *format, ...) ANTREA_PRINTF_FORMAT(1, 2);

/* Returns iptables-legacy-save's output for 'table' in namespace 'ns'
 * without its comment lines (they carry the time); caller frees. */
char *nt_iptables_save(const char *ns, const char *table);

/* Asserts that "iptables-legacy -C" finds rule 'spec' in 'table' of
 * namespace 'ns'. */
void nt_assert_iptables_rule(const char *ns, const char *table,
                             const char *spec);

/* Returns true if 'haystack' contains 'needle'. */
bool nt_contains(const char *haystack, const char *needle);

#endif /* net-test-util.h */
