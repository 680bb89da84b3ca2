/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * aovs-flowctl: a test helper that installs flows on a bridge through the
 * agent's OpenFlow layer (aovs-switch.h), the way the agent does (diff
 * commits as one bundle, the background datapath purge), driven by a test
 * script through its standard input.  It owns one desired flow table and
 * one aovs_switch; between commands it runs the switch's background work
 * like the agent's event loop does.
 *
 *     aovs-flowctl TARGET [--no-purge]
 *
 * Commands, one per line; each is answered with one line, "ok ..." or
 * "error: MESSAGE":
 *     put OWNER FLOW     put FLOW (aovs_flow_table_put() syntax) for
 *                        owner OWNER (a decimal number)
 *     remove FLOW        remove the flow with FLOW's key
 *     commit             aovs_switch_commit(); answers "ok added=A
 *                        modified=M deleted=D"
 *     settle             runs until no datapath purge is pending (at most
 *                        30 s); answers "ok purges=N"
 *     quit               answers "ok" and exits 0
 * --no-purge turns the datapath purge off (to show what happens without
 * it).  End of input exits 0.
 */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aovs-flow.h"
#include "aovs-poll.h"
#include "aovs-switch.h"
#include "event-loop.h"         /* time_msec() */
#include "util.h"

/* Longest command line accepted. */
#define MAX_LINE 4096

/* Bound on "settle", in milliseconds. */
#define SETTLE_MS 30000

/* Prints the answer to one command and flushes it. */
static void ANTREA_PRINTF_FORMAT(1, 2)
answer(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    putchar('\n');
    fflush(stdout);
}

/* Runs the switch's background work once without blocking long. */
static void
run_once(struct aovs_switch *sw, int timeout_ms)
{
    aovs_switch_run(sw);
    aovs_switch_wait(sw);
    aovs_poll(NULL, 0, timeout_ms);
    aovs_switch_run(sw);
}

/* Executes command 'line' against 'table' and 'sw'.  Returns false on
 * "quit". */
static bool
execute(char *line, struct aovs_flow_table *table, struct aovs_switch *sw)
{
    char *error = NULL;

    if (!strncmp(line, "put ", 4)) {
        char *end;
        errno = 0;
        unsigned long long owner = strtoull(line + 4, &end, 10);
        if (errno || end == line + 4 || *end != ' ') {
            answer("error: put: \"%s\" is not \"put OWNER FLOW\"", line);
        } else if (aovs_flow_table_put(table, owner, end + 1, &error)) {
            answer("error: put: %s", error);
        } else {
            answer("ok");
        }
    } else if (!strncmp(line, "remove ", 7)) {
        if (aovs_flow_table_remove(table, line + 7, &error)) {
            answer("error: remove: %s", error);
        } else {
            answer("ok");
        }
    } else if (!strcmp(line, "commit")) {
        struct aovs_commit_stats stats;
        if (aovs_switch_commit(sw, table, &stats, &error)) {
            answer("error: commit: %s", error);
        } else {
            answer("ok added=%zu modified=%zu deleted=%zu", stats.n_added,
                   stats.n_modified, stats.n_deleted);
        }
    } else if (!strcmp(line, "settle")) {
        long long int deadline = time_msec() + SETTLE_MS;
        while (aovs_switch_datapath_purge_pending(sw)
               && time_msec() < deadline) {
            run_once(sw, 100);
        }
        if (aovs_switch_datapath_purge_pending(sw)) {
            answer("error: settle: a datapath purge is still pending after "
                   "%d ms", SETTLE_MS);
        } else {
            answer("ok purges=%u", aovs_switch_get_datapath_purges(sw));
        }
    } else if (!strcmp(line, "quit")) {
        answer("ok");
        free(error);
        return false;
    } else {
        answer("error: unknown command \"%s\"", line);
    }
    free(error);
    return true;
}

int
main(int argc, char *argv[])
{
    if (argc < 2 || argc > 3
        || (argc == 3 && strcmp(argv[2], "--no-purge"))) {
        fprintf(stderr, "usage: %s TARGET [--no-purge]\n", argv[0]);
        return 2;
    }

    /* The datapath purge writes to ovs-vswitchd's control socket: a
     * killed daemon must give EPIPE, not end this process. */
    signal(SIGPIPE, SIG_IGN);
    struct aovs_switch *sw = aovs_switch_create(argv[1], 1, 10000);
    aovs_switch_set_datapath_purge(sw, argc != 3);
    struct aovs_flow_table *table = aovs_flow_table_create();
    char *error = NULL;
    if (aovs_switch_wait_ready(sw, &error)) {
        fprintf(stderr, "%s: %s\n", argv[0], error);
        free(error);
        return 1;
    }

    /* OVS's poll loop takes fd 0 for "no fd": poll a copy of stdin. */
    int in = dup(STDIN_FILENO);
    if (in < 0) {
        perror("dup");
        return 1;
    }

    char buf[MAX_LINE + 1];
    size_t len = 0;
    bool running = true;
    while (running) {
        struct pollfd pfd = { .fd = in, .events = POLLIN };
        aovs_switch_run(sw);
        aovs_switch_wait(sw);
        if (aovs_poll(&pfd, 1, 1000) <= 0 || !(pfd.revents & POLLIN)) {
            if (!(pfd.revents & (POLLHUP | POLLERR))) {
                continue;
            }
        }

        ssize_t n = read(in, buf + len, MAX_LINE - len);
        if (n <= 0) {
            break;
        }
        len += n;
        char *nl;
        while (running && (nl = memchr(buf, '\n', len))) {
            *nl = '\0';
            running = execute(buf, table, sw);
            len -= nl + 1 - buf;
            memmove(buf, nl + 1, len);
        }
        if (len == MAX_LINE) {
            answer("error: command longer than %d bytes", MAX_LINE);
            len = 0;
        }
    }

    close(in);
    aovs_flow_table_destroy(table);
    aovs_switch_destroy(sw);
    return 0;
}
