/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Blocking through Open vSwitch's poll loop, and the OVS library's logging
 * and version (see aovs-poll.h); also the shim's one-time initialization
 * of the OVS library.  Compiled in "OVS world" (see aovs-smap.c).
 */

#include "aovs-poll.h"
#include "aovs-private.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/poll-loop.h"
#include "openvswitch/version.h"
#include "openvswitch/vlog.h"
#include "util.h"

/* Waits, like poll(2), until one of the 'n_fds' fds in 'fds' has one of
 * its 'events' or an error, or 'timeout_ms' milliseconds pass (a negative
 * 'timeout_ms' waits without limit, 0 does not wait) -- and also until
 * anything the shim's objects registered in their *_wait() calls since the
 * last block happens.  Entries with a negative fd are ignored, as poll(2)
 * does.  Fills in every entry's 'revents' and returns the number of entries
 * with nonzero 'revents', which is 0 when the timeout or an OVS
 * registration woke the call; returns -1 with errno set if poll(2) fails
 * while collecting the events.  All registrations, the caller's and the
 * shim's, last for this one call. */
int
aovs_poll(struct pollfd *fds, size_t n_fds, int timeout_ms)
{
    aovs_init__();
    for (size_t i = 0; i < n_fds; i++) {
        if (fds[i].fd >= 0) {
            poll_fd_wait(fds[i].fd, fds[i].events);
        }
    }
    if (timeout_ms == 0) {
        poll_immediate_wake();
    } else if (timeout_ms > 0) {
        poll_timer_wait(timeout_ms);
    }
    poll_block();

    /* OVS's poll_block() keeps the events it saw to itself: ask the kernel
     * again, without waiting.  The fds are level-triggered, so whatever
     * woke the block is still there. */
    if (!n_fds) {
        return 0;
    }
    if (n_fds > INT_MAX) {
        errno = EINVAL;
        return -1;
    }
    for (;;) {
        int retval = poll(fds, n_fds, 0);
        if (retval >= 0 || errno != EINTR) {
            return retval;
        }
    }
}

/* Makes the next aovs_poll_block() (or aovs_poll()) wake when 'fd' has one
 * of 'events' (POLLIN, POLLOUT) or an error. */
void
aovs_poll_fd_wait(int fd, short events)
{
    aovs_init__();
    poll_fd_wait(fd, events);
}

/* Makes the next aovs_poll_block() (or aovs_poll()) wake no later than
 * 'msec' milliseconds from now; 0 or less wakes it at once. */
void
aovs_poll_timer_wait(long long msec)
{
    aovs_init__();
    poll_timer_wait(msec);
}

/* Makes the next aovs_poll_block() (or aovs_poll()) return at once. */
void
aovs_poll_immediate_wake(void)
{
    aovs_init__();
    poll_immediate_wake();
}

/* Blocks until one of the registrations made since the last block (the
 * caller's, through the functions above, and the shim's, through the
 * *_wait() functions) happens, then forgets them all. */
void
aovs_poll_block(void)
{
    aovs_init__();
    poll_block();
}

/* Applies 'spec' to the OVS library's logging: one or more of OVS's -v
 * specifications separated by ';', each "[MODULE][:DESTINATION][:LEVEL]"
 * with the destinations console, syslog and file and the levels off, emer,
 * err, warn, info and dbg (e.g. "console:info" or "rconn:dbg;vconn:dbg").
 * The shim's default is "console:warn;syslog:off": OVS's warnings and
 * errors go to stderr with OVS's own line format.  Returns 0, or EINVAL
 * with a message in '*errorp' (which the caller frees) naming the bad
 * part; the parts before it have been applied. */
int
aovs_log_set_levels(const char *spec, char **errorp)
{
    char *copy = xstrdup(spec);
    char *save_ptr = NULL;
    int error = 0;

    *errorp = NULL;
    aovs_init__();
    for (char *part = strtok_r(copy, ";", &save_ptr); part;
         part = strtok_r(NULL, ";", &save_ptr)) {
        char *msg = vlog_set_levels_from_string(part);
        if (msg) {
            *errorp = xasprintf("OVS log level \"%s\": %s", part, msg);
            free(msg);
            error = EINVAL;
            break;
        }
    }
    free(copy);
    return error;
}

/* Returns the version of the OVS library inside the shim, e.g. "3.1.0". */
const char *
aovs_library_version(void)
{
    return OVS_PACKAGE_VERSION;
}

/* Prepares the OVS library once: names the program after the process
 * (OVS uses the name in fatal messages) and sets the default log levels
 * described at aovs_log_set_levels(). */
void
aovs_init__(void)
{
    static bool inited;

    if (!inited) {
        inited = true;
        set_program_name(program_invocation_short_name);
        vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
        vlog_set_levels(NULL, VLF_SYSLOG, VLL_OFF);
    }
}

/* Returns the directory of the local OVS daemons' sockets: $OVS_RUNDIR, or
 * else Debian's /var/run/openvswitch.  (The OVS library's own default is
 * its build prefix's, which need not be where the packaged daemons run.) */
const char *
aovs_rundir__(void)
{
    const char *rundir = getenv("OVS_RUNDIR");
    return rundir && *rundir ? rundir : "/var/run/openvswitch";
}
