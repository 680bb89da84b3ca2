/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Network namespaces: opening one by path (a CNI_NETNS such as
 * /proc/PID/ns/net or /var/run/netns/NAME) and doing something inside it.
 *
 * How we work inside another namespace: only socket creation happens
 * there.  A socket belongs for its whole life to the namespace it was
 * created in, so netns_socket() and netns_call() switch the CALLING THREAD
 * into the target namespace with setns(), create the socket (or run a short
 * function that does), and switch back at once, before returning.  All
 * later work (netlink requests, ioctls, sends) goes through that socket
 * from the agent's own namespace.  setns() on a network namespace affects
 * only the calling thread, so other threads never see the switch; the
 * namespace is restored on every path, and if restoring fails the process
 * aborts with a message, because a thread left in a Pod's namespace would
 * silently configure the wrong network.
 *
 * Everywhere in core/lib/net, a namespace file descriptor of -1
 * (NETNS_CURRENT) means "the calling thread's current namespace"; no switch
 * happens then.
 */

#ifndef NET_NETNS_H
#define NET_NETNS_H 1

/* The calling thread's own namespace, wherever a netns fd is taken. */
#define NETNS_CURRENT (-1)

/* Opens the network namespace file 'path' and checks that it is one.
 * Returns 0 and stores a close-on-exec fd in '*fdp', or a positive errno
 * value and a message naming 'path' in '*errorp' (caller frees): ENOENT if
 * it does not exist, EINVAL if it is not a network namespace. */
int netns_open(const char *path, int *fdp, char **errorp);

/* Runs 'fn(aux)' with the calling thread inside namespace 'netns_fd'
 * (NETNS_CURRENT: no switch) and returns what it returns.  'fn' must be
 * short and must not block: it is meant to create sockets.  Returns a
 * positive errno value without calling 'fn' if entering the namespace
 * fails.  Aborts the process if the thread cannot be returned to its
 * namespace. */
int netns_call(int netns_fd, int (*fn)(void *aux), void *aux);

/* Creates socket(domain, type | SOCK_CLOEXEC, protocol) inside namespace
 * 'netns_fd'.  Returns 0 and the fd in '*fdp', or a positive errno
 * value. */
int netns_socket(int netns_fd, int domain, int type, int protocol,
                 int *fdp);

#endif /* net/netns.h */
