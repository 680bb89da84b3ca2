/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Network namespaces; see netns.h for the rule that only socket creation
 * happens inside another namespace.
 */

#include <config.h>
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(netns);

/* Opens the network namespace file 'path' and checks that it is one. */
int
netns_open(const char *path, int *fdp, char **errorp)
{
    *fdp = -1;
    if (!path || !path[0]) {
        *errorp = xstrdup("network namespace path is empty");
        return EINVAL;
    }

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        *errorp = xasprintf("cannot open network namespace %s: %s",
                            path, strerror(error));
        return error;
    }

    /* NS_GET_NSTYPE (Linux 4.11) answers ENOTTY for a file that is no
     * namespace at all, and another CLONE_NEW* for a namespace of a
     * different kind. */
    int type = ioctl(fd, NS_GET_NSTYPE);
    if (type != CLONE_NEWNET) {
        *errorp = xasprintf("%s is not a network namespace%s", path,
                            type < 0 ? "" : " (it is another kind of "
                            "namespace)");
        close(fd);
        return EINVAL;
    }
    *fdp = fd;
    return 0;
}

/* Runs 'fn(aux)' with the calling thread inside namespace 'netns_fd'. */
int
netns_call(int netns_fd, int (*fn)(void *aux), void *aux)
{
    if (netns_fd == NETNS_CURRENT) {
        return fn(aux);
    }

    /* /proc/thread-self, not /proc/self: the namespace of this thread,
     * which may differ from the main thread's. */
    int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (saved < 0) {
        return errno;
    }
    if (setns(netns_fd, CLONE_NEWNET)) {
        int error = errno;
        close(saved);
        return error;
    }

    int retval = fn(aux);

    if (setns(saved, CLONE_NEWNET)) {
        /* Carrying on would configure some Pod's network as if it were
         * the Node's. */
        LOG_ERR("cannot return to the original network namespace: %s; "
                "aborting", strerror(errno));
        abort();
    }
    close(saved);
    return retval;
}

/* The arguments and result of socket() for socket_in_netns(). */
struct socket_args {
    int domain;                 /* socket() domain */
    int type;                   /* socket() type, with SOCK_CLOEXEC */
    int protocol;               /* socket() protocol */
    int fd;                     /* result, or -1 */
};

/* netns_call() callback: creates the socket described by 'args_'. */
static int
socket_in_netns(void *args_)
{
    struct socket_args *args = args_;
    args->fd = socket(args->domain, args->type, args->protocol);
    return args->fd < 0 ? errno : 0;
}

/* Creates a socket inside namespace 'netns_fd'. */
int
netns_socket(int netns_fd, int domain, int type, int protocol, int *fdp)
{
    struct socket_args args = {
        .domain = domain,
        .type = type | SOCK_CLOEXEC,
        .protocol = protocol,
        .fd = -1,
    };
    int error = netns_call(netns_fd, socket_in_netns, &args);
    *fdp = error ? -1 : args.fd;
    return error;
}
