/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Routes and policy-routing rules, through libnl.
 *
 * The agent adds host routes for peer Nodes' Pod CIDRs ("CIDR via GW dev
 * IF onlink" in encap mode, "CIDR via NODEIP" or "CIDR dev IF" in noEncap
 * and hybrid) and, for noEncap, ip rules that send marked packets to a
 * table of its own.  Routes it adds carry a protocol marker
 * (NET_ROUTE_PROTO_ANTREA) so that after a restart it can list exactly its
 * own routes (net_route_list()) and reconcile them with the Nodes it knows,
 * instead of flushing.
 *
 * Every function takes the route-netlink connection to work through (whose
 * namespace is the one changed), or NULL for a connection opened for the
 * call in the caller's namespace.  pod-iface.c passes a connection in a
 * Pod's namespace.  IPv4 and IPv6 both work.  Errors: a positive errno
 * value (the kernel's when it answered) and a message in '*errorp' that
 * names the route (caller frees).
 */

#ifndef NET_ROUTE_H
#define NET_ROUTE_H 1

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antrea/net-types.h"

struct rtnl_conn;

/* The route protocol (rtm_protocol) that marks the agent's routes.  No
 * routing daemon in iproute2's rt_protos uses it. */
#define NET_ROUTE_PROTO_ANTREA 65

/* net_route_list(): any protocol. */
#define NET_ROUTE_PROTO_ANY (-1)

/* The main table, where 'table' 0 also points. */
#define NET_ROUTE_TABLE_MAIN 254

/* Room for net_route_format()'s text. */
#define NET_ROUTE_STRING_SIZE 200

/* One route with at most one next hop. */
struct net_route {
    struct antrea_prefix dst;   /* destination CIDR; 0.0.0.0/0: default */
    struct antrea_ip gateway;   /* next hop; family 0: a link route
                                   ("CIDR dev IF") */
    char ifname[IFNAMSIZ];      /* output interface, or "" (then a gateway
                                   is required and the kernel picks the
                                   interface); ignored if 'ifindex' set */
    int ifindex;                /* output interface by index, or 0 */
    uint32_t table;             /* routing table; 0: main */
    uint32_t priority;          /* metric; 0: none */
    uint8_t protocol;           /* rtm_protocol.  Adding: 0 is RTPROT_BOOT,
                                   as "ip route add" does.  Deleting: 0
                                   matches any protocol. */
    bool onlink;                /* the gateway is on the link even with no
                                   matching address (RTNH_F_ONLINK) */
};

/* Adds 'route'.  Fails with EEXIST if a route to the same destination
 * (and metric) is in the table already. */
int net_route_add(struct rtnl_conn *, const struct net_route *route,
                  char **errorp);

/* Adds 'route', replacing any route to the same destination and metric in
 * the table. */
int net_route_replace(struct rtnl_conn *, const struct net_route *route,
                      char **errorp);

/* Deletes the route that matches 'route': its destination and table, and
 * its gateway, interface, metric and protocol where given.  A route that
 * is not there is success. */
int net_route_delete(struct rtnl_conn *, const struct net_route *route,
                     char **errorp);

/* Lists the unicast routes of 'table' (0: main) whose protocol is
 * 'protocol' (NET_ROUTE_PROTO_ANY: all), both families, into a new array
 * '*routesp' (caller frees) of '*n_routesp' entries, with 'ifindex' and
 * 'ifname' filled. */
int net_route_list(struct rtnl_conn *, uint32_t table, int protocol,
                   struct net_route **routesp, size_t *n_routesp,
                   char **errorp);

/* Writes 'route' as "DST [via GW] [dev IF] [onlink] [table T] [metric M]
 * [proto P]" into 'buf' ('size' bytes, NET_ROUTE_STRING_SIZE is enough);
 * returns 'buf'. */
char *net_route_format(const struct net_route *route, char *buf,
                       size_t size);

/* An ip rule "[iif IF] [fwmark MARK/MASK] lookup TABLE priority PRIO". */
struct net_rule {
    uint8_t family;             /* AF_INET or AF_INET6 */
    uint32_t priority;          /* rule priority; must not be 0 (the
                                   local-table rule's) */
    uint32_t fwmark;            /* packet mark to match... */
    uint32_t fwmask;            /* ...under this mask; both 0: any mark */
    uint32_t table;             /* table to look up; must not be 0 */
    char iif[IFNAMSIZ];         /* input interface, or "": any */
};

/* Adds 'rule' unless an identical rule exists (then success). */
int net_rule_add(struct rtnl_conn *, const struct net_rule *rule,
                 char **errorp);

/* Deletes 'rule'; a rule that is not there is success. */
int net_rule_delete(struct rtnl_conn *, const struct net_rule *rule,
                    char **errorp);

#endif /* net/route.h */
