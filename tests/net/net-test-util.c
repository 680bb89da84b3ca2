/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Test namespaces and commands; see net-test-util.h.
 */

#include <config.h>
#include "net-test-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "util.h"

/* The environment variable that carries the runner's pid to the test
 * processes. */
#define RUN_ID_VAR "ATEST_RUN_ID"

/* Returns the runner's pid, as the namespace name prefix uses it. */
static const char *
run_id(void)
{
    const char *id = getenv(RUN_ID_VAR);
    if (!id) {
        /* Not under the runner's hooks (a single test run by hand, say):
         * our own pid is unique as well. */
        static char own[24];
        snprintf(own, sizeof own, "%ld", (long) getpid());
        setenv(RUN_ID_VAR, own, 1);
        id = getenv(RUN_ID_VAR);
    }
    return id;
}

/* Before any test: fixes the run id in the runner, so that every test
 * process inherits it. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void) set;
    char id[24];
    snprintf(id, sizeof id, "%ld", (long) getpid());
    setenv(RUN_ID_VAR, id, 1);
}

/* After all tests: deletes any namespace of this run still there. */
ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void) stats;
    char *prefix = xasprintf("atest-%s-", run_id());
    DIR *dir = opendir("/run/netns");
    if (dir) {
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            if (str_starts_with(de->d_name, prefix)) {
                nt_netns_delete(de->d_name);
            }
        }
        closedir(dir);
    }
    free(prefix);
}

/* Creates namespace "atest-<pid>-<test pid>-<tag>". */
char *
nt_netns_create(const char *tag)
{
    /* The test's own pid too: criterion runs tests in parallel. */
    char *name = xasprintf("atest-%s-%ld-%s", run_id(), (long) getpid(),
                           tag);
    int status;
    char *out = nt_run(&status, "ip netns add %s 2>&1", name);
    cr_assert_eq(status, 0, "ip netns add %s failed: %s", name, out);
    free(out);
    out = nt_run(&status, "ip -n %s link set lo up 2>&1", name);
    cr_assert_eq(status, 0, "bringing up lo in %s failed: %s", name, out);
    free(out);
    return name;
}

/* Returns the path of namespace 'name'. */
char *
nt_netns_path(const char *name)
{
    return xasprintf("/run/netns/%s", name);
}

/* Moves the calling thread into namespace 'name'. */
void
nt_netns_enter(const char *name)
{
    char *path = nt_netns_path(name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
    cr_assert_eq(setns(fd, CLONE_NEWNET), 0, "setns %s: %s", path,
                 strerror(errno));
    close(fd);
    free(path);
}

/* Deletes namespace 'name'. */
void
nt_netns_delete(const char *name)
{
    if (name) {
        int status;
        free(nt_run(&status, "ip netns del %s 2>/dev/null", name));
    }
}

/* Runs a shell command and returns its output. */
static char *
run_va(int *statusp, const char *format, va_list args)
{
    char *command = xvasprintf(format, args);
    FILE *stream = popen(command, "r");
    cr_assert_not_null(stream, "popen %s: %s", command, strerror(errno));

    size_t allocated = 256, len = 0;
    char *out = xmalloc(allocated);
    size_t n;
    while ((n = fread(out + len, 1, allocated - len - 1, stream)) > 0) {
        len += n;
        if (allocated - len - 1 == 0) {
            out = x2nrealloc(out, &allocated, 1);
        }
    }
    out[len] = '\0';

    int status = pclose(stream);
    *statusp = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    free(command);
    return out;
}

/* Runs a shell command and returns its output and status. */
char *
nt_run(int *statusp, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *out = run_va(statusp, format, args);
    va_end(args);
    return out;
}

/* Runs a shell command that must succeed. */
char *
nt_run_ok(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *command = xvasprintf(format, args);
    va_end(args);

    int status;
    char *out = nt_run(&status, "%s", command);
    cr_assert_eq(status, 0, "command failed (exit %d): %s\n%s", status,
                 command, out);
    free(command);
    return out;
}

char *
nt_iptables_save(const char *ns, const char *table)
{
    return nt_run_ok("ip netns exec %s iptables-legacy-save -t %s "
                     "| grep -v '^#'", ns, table);
}

void
nt_assert_iptables_rule(const char *ns, const char *table, const char *spec)
{
    int status;
    char *out = nt_run(&status, "ip netns exec %s iptables-legacy -t %s "
                       "-C %s 2>&1", ns, table, spec);
    cr_assert_eq(status, 0, "iptables -t %s -C %s: %s", table, spec, out);
    free(out);
}

/* Returns true if 'haystack' contains 'needle'. */
bool
nt_contains(const char *haystack, const char *needle)
{
    return haystack && strstr(haystack, needle) != NULL;
}
