/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * libnl route connections that keep the kernel's errno and extended-ack
 * message; see rtnl-conn.h.
 */

#include <config.h>
#include "rtnl-conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "netns.h"
#include "util.h"

/* libnl error callback: records the kernel's errno and, if the reply
 * carries one, its extended-ack message in 'conn_'. */
static int
record_kernel_error(struct sockaddr_nl *nla, struct nlmsgerr *err,
                    void *conn_)
{
    struct rtnl_conn *conn = conn_;
    conn->kernel_error = err->error < 0 ? -err->error : err->error;
    conn->kernel_message[0] = '\0';

    /* The reply is an nlmsghdr, then 'err' (whose 'msg' is the request's
     * header), then the request's payload unless NLM_F_CAPPED, then the
     * extended-ack attributes if NLM_F_ACK_TLVS. */
    const struct nlmsghdr *reply = (const struct nlmsghdr *)
        ((const char *) err - NLMSG_HDRLEN);
    if (!(reply->nlmsg_flags & NLM_F_ACK_TLVS)) {
        return NL_STOP;
    }
    size_t offset = NLMSG_HDRLEN + sizeof *err;
    if (!(reply->nlmsg_flags & NLM_F_CAPPED)
        && err->msg.nlmsg_len > NLMSG_HDRLEN) {
        offset += NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
    }
    while (offset + NLA_HDRLEN <= reply->nlmsg_len) {
        const struct nlattr *attr = (const struct nlattr *)
            ((const char *) reply + offset);
        if (attr->nla_len < NLA_HDRLEN
            || offset + attr->nla_len > reply->nlmsg_len) {
            break;
        }
        if ((attr->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
            size_t len = attr->nla_len - NLA_HDRLEN;
            const char *text = (const char *) attr + NLA_HDRLEN;
            len = strnlen(text, len);
            if (len >= sizeof conn->kernel_message) {
                len = sizeof conn->kernel_message - 1;
            }
            memcpy(conn->kernel_message, text, len);
            conn->kernel_message[len] = '\0';
            break;
        }
        offset += NLA_ALIGN(attr->nla_len);
    }
    return NL_STOP;
}

/* Maps a libnl error code to the closest errno value. */
static int
nlerr_to_errno(int nlerr)
{
    switch (nlerr < 0 ? -nlerr : nlerr) {
    case NLE_SUCCESS:
        return 0;
    case NLE_INTR:
        return EINTR;
    case NLE_BAD_SOCK:
        return EBADF;
    case NLE_AGAIN:
        return EAGAIN;
    case NLE_NOMEM:
        return ENOMEM;
    case NLE_EXIST:
        return EEXIST;
    case NLE_INVAL:
    case NLE_MISSING_ATTR:
    case NLE_AF_MISMATCH:
    case NLE_OBJ_MISMATCH:
    case NLE_IMMUTABLE:
        return EINVAL;
    case NLE_RANGE:
        return ERANGE;
    case NLE_MSGSIZE:
    case NLE_MSG_OVERFLOW:
        return EMSGSIZE;
    case NLE_OPNOTSUPP:
    case NLE_SRCRT_NOSUPPORT:
    case NLE_MSGTYPE_NOSUPPORT:
        return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT:
        return EAFNOSUPPORT;
    case NLE_OBJ_NOTFOUND:
        return ENOENT;
    case NLE_NOADDR:
        return EADDRNOTAVAIL;
    case NLE_BUSY:
        return EBUSY;
    case NLE_PROTO_MISMATCH:
        return EPROTONOSUPPORT;
    case NLE_NOACCESS:
        return EACCES;
    case NLE_PERM:
        return EPERM;
    case NLE_NODEV:
        return ENODEV;
    case NLE_DUMP_INTR:
        return EAGAIN;
    default:
        return EIO;
    }
}

/* netns_call() callback: connects the libnl socket 'sock_'. */
static int
connect_route_socket(void *sock_)
{
    int nl_result = nl_connect(sock_, NETLINK_ROUTE);
    return nl_result < 0 ? nlerr_to_errno(nl_result) : 0;
}

/* Opens 'conn' in namespace 'netns_fd'. */
int
rtnl_conn_open(struct rtnl_conn *conn, int netns_fd)
{
    memset(conn, 0, sizeof *conn);
    conn->sock = nl_socket_alloc();
    if (!conn->sock) {
        return ENOMEM;
    }
    int error = netns_call(netns_fd, connect_route_socket, conn->sock);
    if (error) {
        nl_socket_free(conn->sock);
        conn->sock = NULL;
        return error;
    }

    /* Ask for the kernel's explanations, and not for copies of our own
     * requests in error replies.  Older kernels lack these: then we just
     * have no message. */
    int fd = nl_socket_get_fd(conn->sock);
    int one = 1;
    (void) setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    nl_socket_modify_err_cb(conn->sock, NL_CB_CUSTOM, record_kernel_error,
                            conn);
    return 0;
}

/* Closes 'conn'. */
void
rtnl_conn_close(struct rtnl_conn *conn)
{
    if (conn && conn->sock) {
        nl_socket_free(conn->sock);     /* also closes the fd */
        conn->sock = NULL;
    }
}

/* Forgets the last kernel error. */
void
rtnl_conn_clear(struct rtnl_conn *conn)
{
    conn->kernel_error = 0;
    conn->kernel_message[0] = '\0';
}

/* Returns the errno value for libnl result 'nl_result'. */
int
rtnl_conn_errno(const struct rtnl_conn *conn, int nl_result)
{
    if (nl_result >= 0) {
        return 0;
    }
    return conn->kernel_error ? conn->kernel_error
                              : nlerr_to_errno(nl_result);
}

/* Describes failed 'nl_result'. */
const char *
rtnl_conn_strerror(struct rtnl_conn *conn, int nl_result)
{
    if (conn->kernel_error && conn->kernel_message[0]) {
        snprintf(conn->text, sizeof conn->text, "%s (%s)",
                 conn->kernel_message, strerror(conn->kernel_error));
    } else if (conn->kernel_error) {
        snprintf(conn->text, sizeof conn->text, "%s",
                 strerror(conn->kernel_error));
    } else {
        snprintf(conn->text, sizeof conn->text, "%s",
                 nl_geterror(nl_result));
    }
    return conn->text;
}
