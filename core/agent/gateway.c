/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Configuring the gateway interface in the Node's namespace (gateway.h).
 */

#include <config.h>

#include "gateway.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdlib.h>
#include <string.h>

#include "antrea/net-util.h"
#include "net/netns.h"
#include "net/nl-convert.h"
#include "net/rtnl-conn.h"
#include "util.h"

/* Brings 'ifname' up through 'conn' and returns its index in '*ifindexp'
 * and its MAC in 'mac'. */
static int
link_up(struct rtnl_conn *conn, const char *ifname, int *ifindexp,
        uint8_t mac[6], char **errorp)
{
    struct rtnl_link *link = NULL;
    rtnl_conn_clear(conn);
    int nl = rtnl_link_get_kernel(conn->sock, 0, ifname, &link);
    if (nl < 0) {
        *errorp = xasprintf("gateway %s: cannot read the interface: %s",
                            ifname, rtnl_conn_strerror(conn, nl));
        return rtnl_conn_errno(conn, nl);
    }

    int error = 0;
    struct rtnl_link *change = rtnl_link_alloc();
    rtnl_link_set_flags(change, IFF_UP);
    rtnl_conn_clear(conn);
    nl = rtnl_link_change(conn->sock, link, change, 0);
    if (nl < 0) {
        *errorp = xasprintf("gateway %s: cannot bring it up: %s", ifname,
                            rtnl_conn_strerror(conn, nl));
        error = rtnl_conn_errno(conn, nl);
    } else {
        struct nl_addr *lladdr = rtnl_link_get_addr(link);
        memset(mac, 0, 6);
        if (lladdr && nl_addr_get_len(lladdr) == 6) {
            memcpy(mac, nl_addr_get_binary_addr(lladdr), 6);
        }
        *ifindexp = rtnl_link_get_ifindex(link);
    }
    rtnl_link_put(change);
    rtnl_link_put(link);
    return error;
}

int
gateway_configure(const char *ifname, const struct antrea_prefix *address,
                  uint8_t mac[6], char **errorp)
{
    struct rtnl_conn conn;
    memset(&conn, 0, sizeof conn);
    int error = rtnl_conn_open(&conn, NETNS_CURRENT);
    if (error) {
        *errorp = xasprintf("gateway %s: cannot open route netlink: %s",
                            ifname, strerror(error));
        return error;
    }

    int ifindex = 0;
    error = link_up(&conn, ifname, &ifindex, mac, errorp);
    if (!error) {
        struct rtnl_addr *addr = rtnl_addr_alloc();
        struct nl_addr *local = nl_convert_from_prefix(address);
        rtnl_addr_set_ifindex(addr, ifindex);
        rtnl_addr_set_local(addr, local);
        rtnl_conn_clear(&conn);
        int nl = rtnl_addr_add(conn.sock, addr, NLM_F_REPLACE);
        if (nl < 0 && rtnl_conn_errno(&conn, nl) != EEXIST) {
            char s[ANTREA_PREFIX_STRING_SIZE];
            antrea_prefix_to_string(address, s, sizeof s);
            *errorp = xasprintf("gateway %s: cannot add address %s: %s",
                                ifname, s, rtnl_conn_strerror(&conn, nl));
            error = rtnl_conn_errno(&conn, nl);
        }
        nl_addr_put(local);
        rtnl_addr_put(addr);
    }
    rtnl_conn_close(&conn);
    if (!error) {
        *errorp = NULL;
    }
    return error;
}
