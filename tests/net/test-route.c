/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of route.c: routes and ip rules added, listed, replaced and
 * deleted in a namespace of the test's own (which the test process
 * enters, standing in for the Node), checked with "ip -n NS".
 */

#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "antrea/net-util.h"
#include "net-test-util.h"
#include "route.h"
#include "rtnl-conn.h"

/* The test's namespace. */
static char *ns;

/* Creates the namespace with an interface "rt0" 192.168.50.1/24 (a veth:
 * the kernel has no dummy interfaces) and enters it. */
static void
setup(void)
{
    if (geteuid() != 0) {
        return;
    }
    ns = nt_netns_create("route");
    free(nt_run_ok("ip -n %s link add rt0 type veth peer name rt0p", ns));
    free(nt_run_ok("ip -n %s addr add 192.168.50.1/24 dev rt0", ns));
    free(nt_run_ok("ip -n %s link set rt0p up", ns));
    free(nt_run_ok("ip -n %s link set rt0 up", ns));
    nt_netns_enter(ns);
}

/* Deletes the namespace. */
static void
teardown(void)
{
    nt_netns_delete(ns);
    free(ns);
}

/* Returns a route "DST [via GW] dev rt0" marked as Antrea's. */
static struct net_route
make_route(const char *dst, const char *gw)
{
    struct net_route r;
    memset(&r, 0, sizeof r);
    cr_assert(antrea_prefix_from_string(dst, &r.dst), "%s", dst);
    if (gw) {
        cr_assert(antrea_ip_from_string(gw, &r.gateway), "%s", gw);
    }
    strcpy(r.ifname, "rt0");
    r.protocol = NET_ROUTE_PROTO_ANTREA;
    return r;
}

TestSuite(route, .init = setup, .fini = teardown, .timeout = 60);

/* Routes of both shapes go in, list back by their marker, replace and
 * delete, idempotently. */
Test(route, add_list_replace_delete)
{
    NT_REQUIRE_ROOT();
    char *error = NULL;
    struct net_route via = make_route("10.10.2.0/24", "192.168.50.2");
    struct net_route dev = make_route("10.10.3.0/24", NULL);
    struct net_route onlink = make_route("10.10.4.0/24", "10.10.4.1");
    onlink.onlink = true;
    struct net_route in_table = make_route("10.10.5.0/24", NULL);
    in_table.table = 300;
    struct net_route v6 = make_route("fd00:10:6::/64", NULL);
    struct net_route other = make_route("10.10.7.0/24", NULL);
    other.protocol = 0;         /* "ip route add"'s own: not ours */

    struct net_route *all[] = { &via, &dev, &onlink, &in_table, &v6, &other };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        cr_assert_eq(net_route_add(NULL, all[i], &error), 0, "%s", error);
    }

    char *out = nt_run_ok("ip -n %s route show", ns);
    cr_assert(nt_contains(out, "10.10.2.0/24 via 192.168.50.2 dev rt0 "
                          "proto 65"), "%s", out);
    cr_assert(nt_contains(out, "10.10.3.0/24 dev rt0 proto 65 scope link"),
              "%s", out);
    cr_assert(nt_contains(out, "10.10.4.0/24 via 10.10.4.1 dev rt0 "
                          "proto 65 onlink"), "%s", out);
    /* RTPROT_BOOT, which "ip route" does not print. */
    cr_assert(nt_contains(out, "10.10.7.0/24 dev rt0 scope link"),
              "%s", out);
    free(out);
    out = nt_run_ok("ip -n %s route show table 300", ns);
    cr_assert(nt_contains(out, "10.10.5.0/24 dev rt0 proto 65"), "%s",
              out);
    free(out);
    out = nt_run_ok("ip -n %s -6 route show", ns);
    cr_assert(nt_contains(out, "fd00:10:6::/64 dev rt0 proto 65"), "%s",
              out);
    free(out);

    /* Adding again: EEXIST, naming the route. */
    cr_assert_eq(net_route_add(NULL, &via, &error), EEXIST);
    cr_assert(nt_contains(error, "10.10.2.0/24 via 192.168.50.2"), "%s",
              error);
    free(error);

    /* Our routes of the main table, both families, nothing else. */
    struct net_route *routes;
    size_t n;
    cr_assert_eq(net_route_list(NULL, 0, NET_ROUTE_PROTO_ANTREA, &routes, &n,
                                &error), 0, "%s", error);
    cr_assert_eq(n, 4);
    bool seen[4] = { false };
    for (size_t i = 0; i < n; i++) {
        char text[NET_ROUTE_STRING_SIZE];
        net_route_format(&routes[i], text, sizeof text);
        cr_log_info("listed: %s", text);
        cr_assert_str_eq(routes[i].ifname, "rt0");
        cr_assert_eq(routes[i].protocol, NET_ROUTE_PROTO_ANTREA);
        cr_assert_eq(routes[i].table, NET_ROUTE_TABLE_MAIN);
        for (int j = 0; j < 4; j++) {
            const struct net_route *want = (const struct net_route *[]) {
                &via, &dev, &onlink, &v6 }[j];
            if (routes[i].dst.length == want->dst.length
                && antrea_ip_equal(&routes[i].dst.ip, &want->dst.ip)
                && antrea_ip_equal(&routes[i].gateway, &want->gateway)
                && routes[i].onlink == want->onlink) {
                seen[j] = true;
            }
        }
    }
    cr_assert(seen[0] && seen[1] && seen[2] && seen[3]);
    free(routes);
    cr_assert_eq(net_route_list(NULL, 300, NET_ROUTE_PROTO_ANTREA, &routes,
                                &n, &error), 0, "%s", error);
    cr_assert_eq(n, 1);
    cr_assert_eq(routes[0].table, 300);
    free(routes);
    cr_assert_eq(net_route_list(NULL, 0, 3 /* RTPROT_BOOT */, &routes,
                                &n, &error), 0, "%s", error);
    cr_assert_eq(n, 1);
    cr_assert_eq(routes[0].dst.length, 24);
    cr_assert_eq(routes[0].dst.ip.bytes[2], 7);
    free(routes);

    /* Replace moves the route to another gateway. */
    struct net_route moved = make_route("10.10.2.0/24", "192.168.50.3");
    cr_assert_eq(net_route_replace(NULL, &moved, &error), 0, "%s", error);
    out = nt_run_ok("ip -n %s route show 10.10.2.0/24", ns);
    cr_assert(nt_contains(out, "via 192.168.50.3"), "%s", out);
    cr_assert(!nt_contains(out, "192.168.50.2"), "%s", out);
    free(out);

    /* Delete, twice. */
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        struct net_route *r = all[i] == &via ? &moved : all[i];
        cr_assert_eq(net_route_delete(NULL, r, &error), 0, "%s", error);
        cr_assert_eq(net_route_delete(NULL, r, &error), 0, "%s", error);
    }
    out = nt_run_ok("ip -n %s route show table all proto 65", ns);
    cr_assert_str_eq(out, "");
    free(out);
    out = nt_run_ok("ip -n %s route show 10.10.7.0/24", ns);
    cr_assert_str_eq(out, "");
    free(out);

    /* Deleting a route of a vanished interface is success too. */
    struct net_route gone = make_route("10.10.8.0/24", NULL);
    strcpy(gone.ifname, "nosuchif");
    cr_assert_eq(net_route_delete(NULL, &gone, &error), 0, "%s", error);
}

/* A caller-provided connection works the same, and the kernel's reasons
 * come back in the messages. */
Test(route, errors_are_explained)
{
    NT_REQUIRE_ROOT();
    struct rtnl_conn conn;
    cr_assert_eq(rtnl_conn_open(&conn, -1), 0);
    char *error = NULL;

    struct net_route unreachable = make_route("10.20.0.0/16", "172.31.0.1");
    int retval = net_route_add(&conn, &unreachable, &error);
    cr_assert_eq(retval, ENETUNREACH, "got %s: %s", strerror(retval), error);
    cr_assert(nt_contains(error, "10.20.0.0/16 via 172.31.0.1 dev rt0"),
              "%s", error);
    cr_log_info("kernel said: %s", error);
    free(error);

    struct net_route no_if = make_route("10.20.0.0/16", NULL);
    strcpy(no_if.ifname, "nosuchif");
    cr_assert_eq(net_route_add(&conn, &no_if, &error), ENODEV);
    cr_assert(nt_contains(error, "nosuchif"), "%s", error);
    free(error);

    struct net_route nothing = make_route("10.20.0.0/16", NULL);
    nothing.ifname[0] = '\0';
    cr_assert_eq(net_route_add(&conn, &nothing, &error), EINVAL);
    cr_assert(nt_contains(error, "needs a gateway or an interface"), "%s",
              error);
    free(error);

    struct net_route mixed = make_route("10.20.0.0/16", "fd00::1");
    cr_assert_eq(net_route_add(&conn, &mixed, &error), EINVAL);
    free(error);
    rtnl_conn_close(&conn);
}

/* ip rules: added once however often asked, deleted idempotently. */
Test(route, rules)
{
    NT_REQUIRE_ROOT();
    struct net_rule rule = {
        .family = AF_INET,
        .priority = 300,
        .fwmark = 0x800,
        .fwmask = 0x800,
        .table = 300,
    };
    strcpy(rule.iif, "rt0");
    char *error = NULL;
    cr_assert_eq(net_rule_add(NULL, &rule, &error), 0, "%s", error);
    cr_assert_eq(net_rule_add(NULL, &rule, &error), 0, "%s", error);

    char *out = nt_run_ok("ip -n %s rule show", ns);
    const char *want = "300:\tfrom all fwmark 0x800/0x800 iif rt0 "
                       "lookup 300";
    int count = 0;
    for (const char *p = out; (p = strstr(p, "lookup 300")) != NULL; p++) {
        count++;
    }
    cr_assert(nt_contains(out, want), "%s", out);
    cr_assert_eq(count, 1, "rule added %d times:\n%s", count, out);
    free(out);

    cr_assert_eq(net_rule_delete(NULL, &rule, &error), 0, "%s", error);
    cr_assert_eq(net_rule_delete(NULL, &rule, &error), 0, "%s", error);
    out = nt_run_ok("ip -n %s rule show", ns);
    cr_assert(!nt_contains(out, "lookup 300"), "%s", out);
    free(out);

    struct net_rule bad = rule;
    bad.fwmark = 0x801;
    cr_assert_eq(net_rule_add(NULL, &bad, &error), EINVAL);
    cr_assert(nt_contains(error, "outside its mask"), "%s", error);
    free(error);
    bad = rule;
    bad.priority = 0;
    cr_assert_eq(net_rule_add(NULL, &bad, &error), EINVAL);
    free(error);
}
