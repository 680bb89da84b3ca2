/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Blocking through Open vSwitch's poll loop, and the OVS library's logging
 * and version: what concerns the whole process rather than one connection.
 *
 * The OVS connections behind the shim (an OVSDB IDL, an OpenFlow rconn)
 * register what should wake the process in OVS's own poll loop (its
 * poll_fd_wait()/poll_timer_wait() globals), and OVS's API has no way to
 * read those registrations back out.  So when the shim is in use, the
 * process must block in OVS's poll_block(), and everything else it waits
 * for must be registered there too.  aovs_poll() packages that: it has
 * poll(2)'s signature and meaning for the caller's fds, and it also wakes
 * for whatever the shim's objects registered in their *_wait() calls.
 *
 * How the agent's event loop uses it: its wait phase lets every task wait
 * (the OVS tasks call aovs_ovsdb_wait() and aovs_switch_wait()), then its
 * block step calls aovs_poll() with its own pollfd array and timeout
 * instead of poll(2).  aovs_poll() may return 0 before the timeout when
 * only an OVS registration woke it; the loop must then return to its run
 * phase rather than poll again, so that the OVS tasks run.
 *
 * The lower-level aovs_poll_fd_wait(), aovs_poll_timer_wait(),
 * aovs_poll_immediate_wake() and aovs_poll_block() are OVS's calls as
 * they are, for a loop that prefers to hand its registrations over one by
 * one (they report no revents).
 *
 * Side effects of OVS's poll loop on the process: the first block installs
 * OVS's fatal-signal handlers for SIGTERM, SIGINT, SIGHUP and SIGALRM
 * where the disposition is still the default (a loop that reads those
 * through a signalfd blocks them, so the handlers never run) and ignores
 * SIGPIPE.
 */

#ifndef AOVS_POLL_H
#define AOVS_POLL_H 1

#include <stddef.h>

struct pollfd;

int aovs_poll(struct pollfd *fds, size_t n_fds, int timeout_ms);

void aovs_poll_fd_wait(int fd, short events);
void aovs_poll_timer_wait(long long msec);
void aovs_poll_immediate_wake(void);
void aovs_poll_block(void);

int aovs_log_set_levels(const char *spec, char **errorp);
const char *aovs_library_version(void);

#endif /* aovs-poll.h */
