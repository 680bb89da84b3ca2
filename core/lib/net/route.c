/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Routes and ip rules through libnl; see route.h.
 */

#include <config.h>
#include "route.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "antrea/net-util.h"
#include "log.h"
#include "netns.h"
#include "nl-convert.h"
#include "rtnl-conn.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(route);

/* Either the caller's connection or one opened for a call. */
struct conn_ref {
    struct rtnl_conn *conn;     /* the one to use */
    struct rtnl_conn own;       /* storage when we open one */
    bool owned;                 /* 'own' is open */
};

/* Points 'ref' at 'conn' or, if NULL, at a new connection in the caller's
 * namespace.  Returns 0 or a positive errno value with '*errorp' set. */
static int
conn_ref_init(struct conn_ref *ref, struct rtnl_conn *conn, char **errorp)
{
    ref->owned = false;
    if (conn) {
        ref->conn = conn;
        return 0;
    }
    int error = rtnl_conn_open(&ref->own, NETNS_CURRENT);
    if (error) {
        *errorp = xasprintf("cannot open a route netlink socket: %s",
                            strerror(error));
        return error;
    }
    ref->conn = &ref->own;
    ref->owned = true;
    return 0;
}

/* Releases what conn_ref_init() opened. */
static void
conn_ref_destroy(struct conn_ref *ref)
{
    if (ref->owned) {
        rtnl_conn_close(&ref->own);
    }
}

/* Writes 'route' as text into 'buf'. */
char *
net_route_format(const struct net_route *route, char *buf, size_t size)
{
    char dst[ANTREA_PREFIX_STRING_SIZE];
    char gw[ANTREA_IP_STRING_SIZE];
    char table[24] = "";
    char metric[24] = "";
    char proto[16] = "";
    char dev[IFNAMSIZ + 16] = "";

    antrea_prefix_to_string(&route->dst, dst, sizeof dst);
    if (route->gateway.family) {
        antrea_ip_to_string(&route->gateway, gw, sizeof gw);
    }
    if (route->ifname[0]) {
        snprintf(dev, sizeof dev, " dev %s", route->ifname);
    } else if (route->ifindex) {
        snprintf(dev, sizeof dev, " dev #%d", route->ifindex);
    }
    if (route->table && route->table != NET_ROUTE_TABLE_MAIN) {
        snprintf(table, sizeof table, " table %"PRIu32, route->table);
    }
    if (route->priority) {
        snprintf(metric, sizeof metric, " metric %"PRIu32,
                 route->priority);
    }
    if (route->protocol) {
        snprintf(proto, sizeof proto, " proto %u",
                 (unsigned int) route->protocol);
    }
    snprintf(buf, size, "%s%s%s%s%s%s%s%s", dst,
             route->gateway.family ? " via " : "",
             route->gateway.family ? gw : "", dev,
             route->onlink ? " onlink" : "", table, metric, proto);
    return buf;
}

/* Checks that 'route' is well formed; returns 0 or EINVAL with '*errorp'
 * set. */
static int
route_validate(const struct net_route *route, const char *text,
               char **errorp)
{
    int family = route->dst.ip.family;
    if (family != AF_INET && family != AF_INET6) {
        *errorp = xasprintf("route %s: destination has no address family",
                            text);
        return EINVAL;
    }
    if (route->dst.length > antrea_ip_family_bits(family)) {
        *errorp = xasprintf("route %s: prefix length %u too long", text,
                            (unsigned int) route->dst.length);
        return EINVAL;
    }
    if (route->gateway.family && route->gateway.family != family) {
        *errorp = xasprintf("route %s: gateway and destination are of "
                            "different address families", text);
        return EINVAL;
    }
    if (!route->gateway.family && !route->ifindex && !route->ifname[0]) {
        *errorp = xasprintf("route %s: needs a gateway or an interface",
                            text);
        return EINVAL;
    }
    if (route->onlink && !route->gateway.family) {
        *errorp = xasprintf("route %s: onlink needs a gateway", text);
        return EINVAL;
    }
    return 0;
}

/* Stores the index of interface 'ifname' in the namespace of 'conn' into
 * '*ifindexp'.  Returns 0 or a positive errno value (ENODEV: none). */
static int
lookup_ifindex(struct rtnl_conn *conn, const char *ifname, int *ifindexp)
{
    struct rtnl_link *link = NULL;
    rtnl_conn_clear(conn);
    int nl_result = rtnl_link_get_kernel(conn->sock, 0, ifname, &link);
    if (nl_result < 0) {
        *ifindexp = 0;
        return rtnl_conn_errno(conn, nl_result);
    }
    *ifindexp = rtnl_link_get_ifindex(link);
    rtnl_link_put(link);
    return 0;
}

/* Builds the libnl route for 'route' into '*rtp'.  'for_delete' leaves out
 * what a delete should not constrain.  Returns 0 or a positive errno value
 * with '*errorp' set. */
static int
route_build(struct rtnl_conn *conn, const struct net_route *route,
            bool for_delete, const char *text, struct rtnl_route **rtp,
            char **errorp)
{
    *rtp = NULL;
    int error = route_validate(route, text, errorp);
    if (error) {
        return error;
    }

    int ifindex = route->ifindex;
    if (!ifindex && route->ifname[0]) {
        error = lookup_ifindex(conn, route->ifname, &ifindex);
        if (error) {
            *errorp = xasprintf("route %s: interface %s: %s", text,
                                route->ifname, strerror(error));
            return error;
        }
    }

    struct rtnl_route *rt = rtnl_route_alloc();
    struct nl_addr *dst = nl_convert_from_prefix(&route->dst);
    rtnl_route_set_family(rt, route->dst.ip.family);
    rtnl_route_set_dst(rt, dst);
    nl_addr_put(dst);
    rtnl_route_set_table(rt, route->table ? route->table
                                          : NET_ROUTE_TABLE_MAIN);
    rtnl_route_set_type(rt, RTN_UNICAST);
    if (route->priority) {
        rtnl_route_set_priority(rt, route->priority);
    }
    if (for_delete) {
        /* RT_SCOPE_NOWHERE: match any scope. */
        rtnl_route_set_scope(rt, RT_SCOPE_NOWHERE);
        /* Always set: libnl would send its default, RTPROT_STATIC, and
         * the kernel matches any protocol only for RTPROT_UNSPEC. */
        rtnl_route_set_protocol(rt, route->protocol);
    } else {
        rtnl_route_set_scope(rt, route->gateway.family ? RT_SCOPE_UNIVERSE
                                                       : RT_SCOPE_LINK);
        rtnl_route_set_protocol(rt, route->protocol ? route->protocol
                                                    : RTPROT_BOOT);
    }

    if (ifindex || route->gateway.family) {
        struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
        if (ifindex) {
            rtnl_route_nh_set_ifindex(nh, ifindex);
        }
        if (route->gateway.family) {
            struct nl_addr *gw = nl_convert_from_ip(&route->gateway);
            rtnl_route_nh_set_gateway(nh, gw);
            nl_addr_put(gw);
        }
        if (route->onlink && !for_delete) {
            rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
        }
        rtnl_route_add_nexthop(rt, nh);     /* 'rt' owns 'nh' now */
    }
    *rtp = rt;
    return 0;
}

/* Adds 'route' with netlink flags 'nl_flags'. */
static int
route_add__(struct rtnl_conn *conn_, const struct net_route *route,
            int nl_flags, char **errorp)
{
    char text[NET_ROUTE_STRING_SIZE];
    net_route_format(route, text, sizeof text);

    struct conn_ref ref;
    int error = conn_ref_init(&ref, conn_, errorp);
    if (error) {
        return error;
    }
    struct rtnl_conn *conn = ref.conn;

    struct rtnl_route *rt;
    error = route_build(conn, route, false, text, &rt, errorp);
    if (!error) {
        rtnl_conn_clear(conn);
        int nl_result = rtnl_route_add(conn->sock, rt, nl_flags);
        error = rtnl_conn_errno(conn, nl_result);
        if (error) {
            *errorp = xasprintf("cannot add route %s: %s", text,
                                rtnl_conn_strerror(conn, nl_result));
        } else {
            LOG_DBG("added route %s", text);
        }
        rtnl_route_put(rt);
    }
    conn_ref_destroy(&ref);
    return error;
}

/* Adds 'route'; EEXIST if there is one to the same destination. */
int
net_route_add(struct rtnl_conn *conn, const struct net_route *route,
              char **errorp)
{
    return route_add__(conn, route, NLM_F_EXCL, errorp);
}

/* Adds or replaces 'route'. */
int
net_route_replace(struct rtnl_conn *conn, const struct net_route *route,
                  char **errorp)
{
    return route_add__(conn, route, NLM_F_REPLACE, errorp);
}

/* Deletes 'route'; missing is success. */
int
net_route_delete(struct rtnl_conn *conn_, const struct net_route *route,
                 char **errorp)
{
    char text[NET_ROUTE_STRING_SIZE];
    net_route_format(route, text, sizeof text);

    struct conn_ref ref;
    int error = conn_ref_init(&ref, conn_, errorp);
    if (error) {
        return error;
    }
    struct rtnl_conn *conn = ref.conn;

    struct rtnl_route *rt;
    error = route_build(conn, route, true, text, &rt, errorp);
    if (error == ENODEV) {
        /* Its interface is gone, and its routes with it. */
        free(*errorp);
        *errorp = NULL;
        error = 0;
    } else if (!error) {
        rtnl_conn_clear(conn);
        int nl_result = rtnl_route_delete(conn->sock, rt, 0);
        error = rtnl_conn_errno(conn, nl_result);
        if (error == ESRCH || error == ENOENT) {
            error = 0;
        } else if (error) {
            *errorp = xasprintf("cannot delete route %s: %s", text,
                                rtnl_conn_strerror(conn, nl_result));
        } else {
            LOG_DBG("deleted route %s", text);
        }
        rtnl_route_put(rt);
    }
    conn_ref_destroy(&ref);
    return error;
}

/* The state of one net_route_list() call, for the cache walk. */
struct route_list_ctx {
    uint32_t table;             /* wanted table */
    int protocol;               /* wanted protocol or NET_ROUTE_PROTO_ANY */
    struct nl_cache *links;     /* for interface names, may be NULL */
    struct net_route *routes;   /* results */
    size_t n_routes;            /* used 'routes' */
    size_t allocated_routes;    /* capacity of 'routes' */
};

/* nl_cache_foreach() callback: appends 'obj' to the list in 'ctx_' if it
 * is wanted. */
static void
route_list_one(struct nl_object *obj, void *ctx_)
{
    struct route_list_ctx *ctx = ctx_;
    struct rtnl_route *rt = (struct rtnl_route *) obj;
    int family = rtnl_route_get_family(rt);

    if ((family != AF_INET && family != AF_INET6)
        || rtnl_route_get_table(rt) != ctx->table
        || rtnl_route_get_type(rt) != RTN_UNICAST
        || (ctx->protocol != NET_ROUTE_PROTO_ANY
            && rtnl_route_get_protocol(rt) != ctx->protocol)) {
        return;
    }

    struct net_route r;
    memset(&r, 0, sizeof r);
    if (!nl_convert_to_prefix(rtnl_route_get_dst(rt), &r.dst)) {
        return;
    }
    r.table = ctx->table;
    r.priority = rtnl_route_get_priority(rt);
    r.protocol = rtnl_route_get_protocol(rt);
    if (rtnl_route_get_nnexthops(rt) > 0) {
        struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, 0);
        r.ifindex = rtnl_route_nh_get_ifindex(nh);
        nl_convert_to_ip(rtnl_route_nh_get_gateway(nh), &r.gateway);
        r.onlink = (rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK) != 0;
        if (r.ifindex && ctx->links) {
            rtnl_link_i2name(ctx->links, r.ifindex, r.ifname,
                             sizeof r.ifname);
        }
    }

    if (ctx->n_routes >= ctx->allocated_routes) {
        ctx->routes = x2nrealloc(ctx->routes, &ctx->allocated_routes,
                                 sizeof *ctx->routes);
    }
    ctx->routes[ctx->n_routes++] = r;
}

/* Lists the routes of 'table' with 'protocol'. */
int
net_route_list(struct rtnl_conn *conn_, uint32_t table, int protocol,
               struct net_route **routesp, size_t *n_routesp, char **errorp)
{
    *routesp = NULL;
    *n_routesp = 0;

    struct conn_ref ref;
    int error = conn_ref_init(&ref, conn_, errorp);
    if (error) {
        return error;
    }
    struct rtnl_conn *conn = ref.conn;

    struct route_list_ctx ctx = {
        .table = table ? table : NET_ROUTE_TABLE_MAIN,
        .protocol = protocol,
    };
    struct nl_cache *cache = NULL;
    rtnl_conn_clear(conn);
    int nl_result = rtnl_route_alloc_cache(conn->sock, AF_UNSPEC, 0,
                                           &cache);
    if (nl_result < 0) {
        error = rtnl_conn_errno(conn, nl_result);
        *errorp = xasprintf("cannot list routes: %s",
                            rtnl_conn_strerror(conn, nl_result));
        goto out;
    }
    rtnl_conn_clear(conn);
    nl_result = rtnl_link_alloc_cache(conn->sock, AF_UNSPEC, &ctx.links);
    if (nl_result < 0) {
        error = rtnl_conn_errno(conn, nl_result);
        *errorp = xasprintf("cannot list interfaces: %s",
                            rtnl_conn_strerror(conn, nl_result));
        goto out;
    }
    nl_cache_foreach(cache, route_list_one, &ctx);
    *routesp = ctx.routes;
    *n_routesp = ctx.n_routes;
    ctx.routes = NULL;

out:
    free(ctx.routes);
    nl_cache_free(ctx.links);
    nl_cache_free(cache);
    conn_ref_destroy(&ref);
    return error;
}

/* Writes 'rule' as text into 'buf' of 'size' bytes. */
static void
rule_format(const struct net_rule *rule, char *buf, size_t size)
{
    char iif[IFNAMSIZ + 8] = "";
    char mark[48] = "";
    if (rule->iif[0]) {
        snprintf(iif, sizeof iif, "iif %s ", rule->iif);
    }
    if (rule->fwmark || rule->fwmask) {
        snprintf(mark, sizeof mark, "fwmark %#"PRIx32"/%#"PRIx32" ",
                 rule->fwmark, rule->fwmask);
    }
    snprintf(buf, size, "%s%s%slookup %"PRIu32" priority %"PRIu32,
             rule->family == AF_INET6 ? "(IPv6) " : "", iif, mark,
             rule->table, rule->priority);
}

/* Builds the libnl rule for 'rule', or returns EINVAL with '*errorp'
 * set. */
static int
rule_build(const struct net_rule *rule, const char *text,
           struct rtnl_rule **rp, char **errorp)
{
    *rp = NULL;
    if (rule->family != AF_INET && rule->family != AF_INET6) {
        *errorp = xasprintf("ip rule %s: family must be IPv4 or IPv6",
                            text);
        return EINVAL;
    }
    if (!rule->priority || !rule->table) {
        *errorp = xasprintf("ip rule %s: priority and table must not be 0",
                            text);
        return EINVAL;
    }
    if (rule->fwmark & ~rule->fwmask) {
        *errorp = xasprintf("ip rule %s: fwmark has bits outside its mask",
                            text);
        return EINVAL;
    }

    struct rtnl_rule *r = rtnl_rule_alloc();
    rtnl_rule_set_family(r, rule->family);
    rtnl_rule_set_prio(r, rule->priority);
    rtnl_rule_set_table(r, rule->table);
    rtnl_rule_set_action(r, FR_ACT_TO_TBL);
    if (rule->fwmark || rule->fwmask) {
        rtnl_rule_set_mark(r, rule->fwmark);
        rtnl_rule_set_mask(r, rule->fwmask);
    }
    if (rule->iif[0]) {
        rtnl_rule_set_iif(r, rule->iif);
    }
    *rp = r;
    return 0;
}

/* Adds 'rule' unless it exists. */
int
net_rule_add(struct rtnl_conn *conn_, const struct net_rule *rule,
             char **errorp)
{
    char text[128];
    rule_format(rule, text, sizeof text);

    struct rtnl_rule *r;
    int error = rule_build(rule, text, &r, errorp);
    if (error) {
        return error;
    }
    struct conn_ref ref;
    error = conn_ref_init(&ref, conn_, errorp);
    if (!error) {
        struct rtnl_conn *conn = ref.conn;
        rtnl_conn_clear(conn);
        /* NLM_F_EXCL makes the kernel compare with existing rules (it
         * adds duplicates otherwise). */
        int nl_result = rtnl_rule_add(conn->sock, r, NLM_F_EXCL);
        error = rtnl_conn_errno(conn, nl_result);
        if (error == EEXIST) {
            error = 0;
        } else if (error) {
            *errorp = xasprintf("cannot add ip rule %s: %s", text,
                                rtnl_conn_strerror(conn, nl_result));
        }
        conn_ref_destroy(&ref);
    }
    rtnl_rule_put(r);
    return error;
}

/* Deletes 'rule'; missing is success. */
int
net_rule_delete(struct rtnl_conn *conn_, const struct net_rule *rule,
                char **errorp)
{
    char text[128];
    rule_format(rule, text, sizeof text);

    struct rtnl_rule *r;
    int error = rule_build(rule, text, &r, errorp);
    if (error) {
        return error;
    }
    struct conn_ref ref;
    error = conn_ref_init(&ref, conn_, errorp);
    if (!error) {
        struct rtnl_conn *conn = ref.conn;
        rtnl_conn_clear(conn);
        int nl_result = rtnl_rule_delete(conn->sock, r, 0);
        error = rtnl_conn_errno(conn, nl_result);
        if (error == ENOENT || error == ESRCH) {
            error = 0;
        } else if (error) {
            *errorp = xasprintf("cannot delete ip rule %s: %s", text,
                                rtnl_conn_strerror(conn, nl_result));
        }
        conn_ref_destroy(&ref);
    }
    rtnl_rule_put(r);
    return error;
}
