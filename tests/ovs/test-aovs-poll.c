/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of blocking through OVS's poll loop (core/lib/ovs/aovs-poll.h):
 * aovs_poll() reports the caller's fds like poll(2), honours its timeout
 * (never early), and also wakes for registrations made in OVS's poll loop;
 * and the OVS log level setting and library version.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aovs-poll.h"
#include "event-loop.h"         /* time_msec() */

/* Liveness bound for anything that should finish "soon". */
#define GENEROUS_MSEC 5000

TestSuite(aovs_poll, .timeout = 30);

Test(aovs_poll, reports_ready_fds_like_poll)
{
    int a[2], b[2];
    cr_assert_eq(pipe(a), 0);
    cr_assert_eq(pipe(b), 0);
    cr_assert_eq(write(b[1], "x", 1), 1);

    struct pollfd fds[3] = {
        { .fd = a[0], .events = POLLIN },
        { .fd = -1, .events = POLLIN },     /* ignored, as by poll(2) */
        { .fd = b[0], .events = POLLIN },
    };
    long long start = time_msec();
    int n = aovs_poll(fds, 3, -1);
    cr_assert_eq(n, 1);
    cr_assert_eq(fds[0].revents, 0);
    cr_assert_eq(fds[1].revents, 0);
    cr_assert(fds[2].revents & POLLIN);
    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);

    /* Writable ends are ready at once. */
    struct pollfd out = { .fd = a[1], .events = POLLOUT };
    cr_assert_eq(aovs_poll(&out, 1, -1), 1);
    cr_assert(out.revents & POLLOUT);

    /* A closed peer shows as a hang-up. */
    close(a[1]);
    struct pollfd hup = { .fd = a[0], .events = POLLIN };
    cr_assert_eq(aovs_poll(&hup, 1, -1), 1);
    cr_assert(hup.revents & POLLHUP);
    close(a[0]);
    close(b[0]);
    close(b[1]);
}

Test(aovs_poll, timeout_is_never_early)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);

    struct pollfd fd = { .fd = p[0], .events = POLLIN };
    long long start = time_msec();
    cr_assert_eq(aovs_poll(&fd, 1, 100), 0);
    long long elapsed = time_msec() - start;
    cr_assert_geq(elapsed, 100);
    cr_assert_lt(elapsed, GENEROUS_MSEC);
    cr_assert_eq(fd.revents, 0);

    /* A zero timeout does not wait. */
    start = time_msec();
    cr_assert_eq(aovs_poll(&fd, 1, 0), 0);
    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);
    close(p[0]);
    close(p[1]);
}

Test(aovs_poll, ovs_registrations_wake_it)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    struct pollfd fd = { .fd = p[0], .events = POLLIN };

    /* What a shim object's *_wait() would register. */
    aovs_poll_immediate_wake();
    long long start = time_msec();
    cr_assert_eq(aovs_poll(&fd, 1, -1), 0);
    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);

    aovs_poll_timer_wait(50);
    start = time_msec();
    cr_assert_eq(aovs_poll(&fd, 1, -1), 0);
    cr_assert_geq(time_msec() - start, 50);

    /* An fd registered directly in OVS's loop wakes aovs_poll() without
     * being reported (it is not in the caller's array). */
    int q[2];
    cr_assert_eq(pipe(q), 0);
    cr_assert_eq(write(q[1], "x", 1), 1);
    aovs_poll_fd_wait(q[0], POLLIN);
    start = time_msec();
    cr_assert_eq(aovs_poll(&fd, 1, 10000), 0);
    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);

    /* Registrations last one block only. */
    start = time_msec();
    cr_assert_eq(aovs_poll(&fd, 1, 100), 0);
    cr_assert_geq(time_msec() - start, 100);

    /* The low-level block, with a caller's registrations. */
    aovs_poll_fd_wait(q[0], POLLIN);
    start = time_msec();
    aovs_poll_block();
    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);

    for (int i = 0; i < 2; i++) {
        close(p[i]);
        close(q[i]);
    }
}

Test(aovs_poll, log_levels_and_version)
{
    const char *version = aovs_library_version();
    cr_assert(version[0] >= '1' && version[0] <= '9' && strchr(version, '.'),
              "version \"%s\"", version);

    char *error = NULL;
    cr_assert_eq(aovs_log_set_levels("console:info;rconn:dbg", &error), 0,
                 "%s", error);
    cr_assert_null(error);
    cr_assert_eq(aovs_log_set_levels("console:loud", &error), EINVAL);
    cr_assert_not_null(error);
    cr_assert(strstr(error, "console:loud"), "%s", error);
    free(error);
}
