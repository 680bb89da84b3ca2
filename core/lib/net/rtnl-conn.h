/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A route-netlink (libnl) connection opened inside any network namespace,
 * which remembers the kernel's own answer to a failed request.
 *
 * libnl reduces the kernel's errno to its own NLE_* codes and drops the
 * kernel's extended-ack text ("Nexthop has invalid gateway"), so a route
 * failure would read "Unspecific failure".  A connection here installs an
 * error callback that keeps both, and rtnl_conn_errno() /
 * rtnl_conn_strerror() turn a libnl result into the kernel's errno and
 * message when there was one.  The socket is created inside the namespace
 * (netns.h) and every request on it acts there.
 *
 * Usage: rtnl_conn_clear() before a request, then pass the request's libnl
 * return value to rtnl_conn_errno() and rtnl_conn_strerror().  A
 * connection is used by one thread at a time, and must not be copied or
 * moved after rtnl_conn_open() (libnl holds a pointer to it).
 */

#ifndef NET_RTNL_CONN_H
#define NET_RTNL_CONN_H 1

struct nl_sock;

/* A route-netlink connection. */
struct rtnl_conn {
    struct nl_sock *sock;       /* libnl socket, connected */
    int kernel_error;           /* positive errno of the kernel's last
                                   error reply since rtnl_conn_clear(),
                                   or 0 */
    char kernel_message[200];   /* its extended-ack text, or "" */
    char text[320];             /* storage for rtnl_conn_strerror() */
};

/* Opens 'conn' in namespace 'netns_fd' (NETNS_CURRENT: the caller's).
 * Returns 0 or a positive errno value. */
int rtnl_conn_open(struct rtnl_conn *conn, int netns_fd);

/* Closes 'conn' (which may be zeroed or already closed). */
void rtnl_conn_close(struct rtnl_conn *conn);

/* Forgets the last kernel error; call before each request. */
void rtnl_conn_clear(struct rtnl_conn *conn);

/* Returns 0 if 'nl_result' (a libnl return value) is not negative, else
 * the positive errno value the kernel answered, or the closest errno for a
 * failure that libnl found itself. */
int rtnl_conn_errno(const struct rtnl_conn *conn, int nl_result);

/* Returns a description of failed 'nl_result': the kernel's extended-ack
 * text and errno text when there were any, libnl's text otherwise.  The
 * string lives in 'conn' until the next call. */
const char *rtnl_conn_strerror(struct rtnl_conn *conn, int nl_result);

#endif /* net/rtnl-conn.h */
