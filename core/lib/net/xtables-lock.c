/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The xtables lock and the retry pause (xtables-lock.h).
 */

#include <config.h>

#include "xtables-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* The iptables programs' lock, and how long we wait for it. */
#define XTABLES_LOCK_PATH "/run/xtables.lock"
#define XTABLES_LOCK_WAIT_MS 10000
#define XTABLES_LOCK_POLL_MS 20

/* Sleeps 'ms' milliseconds. */
void
xtables_sleep_ms(unsigned int ms)
{
    struct timespec delay = {
        .tv_sec = ms / 1000,
        .tv_nsec = (long) (ms % 1000) * 1000000,
    };
    while (nanosleep(&delay, &delay) && errno == EINTR) {
        continue;
    }
}

/* Takes the xtables lock, waiting at most XTABLES_LOCK_WAIT_MS.  Returns 0
 * and the lock's fd in '*fdp', or a positive errno value with '*errorp'
 * set. */
int
xtables_lock(int *fdp, char **errorp)
{
    const char *path = getenv("XTABLES_LOCKFILE");
    if (!path || !path[0]) {
        path = XTABLES_LOCK_PATH;
    }
    int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        int error = errno;
        *errorp = xasprintf("cannot open the xtables lock %s: %s", path,
                            strerror(error));
        return error;
    }
    for (unsigned int waited = 0; ; waited += XTABLES_LOCK_POLL_MS) {
        if (!flock(fd, LOCK_EX | LOCK_NB)) {
            *fdp = fd;
            return 0;
        }
        int error = errno;
        if (error != EWOULDBLOCK || waited >= XTABLES_LOCK_WAIT_MS) {
            *errorp = xasprintf("cannot take the xtables lock %s%s: %s",
                                path, error == EWOULDBLOCK
                                ? " (another iptables user holds it)" : "",
                                strerror(error));
            close(fd);
            return error;
        }
        xtables_sleep_ms(XTABLES_LOCK_POLL_MS);
    }
}

/* Releases the lock taken by xtables_lock(). */
void
xtables_unlock(int fd)
{
    close(fd);                  /* drops the flock */
}
