/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for core/agent/pipeline.c: the exact flows of a Node (encap,
 * noEncap, hybrid), of a Pod and of a peer Node reached through the tunnel
 * or through the host; owner keys, cookies and table names; every input
 * check (EINVAL, a message naming the input, nothing appended); and the
 * generated example in docs/ovs-pipeline.md, which must match the code.
 * test-pipeline-ovs.c checks the same flows against a real ovs-vswitchd.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "antrea/net-util.h"
#include "pipeline-example.h"
#include "pipeline.h"
#include "util.h"

/* An expected flow: its add-flow text (without cookie), its category. */
struct expected_flow {
    const char *text;
    enum pipeline_category category;
};

/* Checks that 'flows' from index 'start' holds exactly the 'n' flows of
 * 'expected', in order, all owned by 'owner'. */
static void
check_flows(const struct pipeline_flows *flows, size_t start,
            const struct expected_flow *expected, size_t n,
            const char *owner)
{
    cr_assert_eq(flows->n - start, n, "expected %zu flows, got %zu", n,
                 flows->n - start);
    for (size_t i = 0; i < n; i++) {
        const struct pipeline_flow *f = &flows->flows[start + i];
        char *text = pipeline_flow_to_string(f);

        cr_expect_str_eq(text, expected[i].text, "flow %zu", i);
        cr_expect_eq(f->category, expected[i].category,
                     "flow %zu (%s): category %s, expected %s", i, text,
                     pipeline_category_name(f->category),
                     pipeline_category_name(expected[i].category));
        cr_expect_str_eq(f->owner, owner, "flow %zu", i);
        cr_expect(f->comment && f->comment[0], "flow %zu has no comment",
                  i);
        free(text);
    }
}

/* Parses 'text' into '*ip', failing the test on bad text. */
static void
set_ip(struct antrea_ip *ip, const char *text)
{
    cr_assert(antrea_ip_from_string(text, ip), "bad test IP %s", text);
}

/* Parses 'text' into '*prefix', failing the test on bad text. */
static void
set_prefix(struct antrea_prefix *prefix, const char *text)
{
    cr_assert(antrea_prefix_from_string(text, prefix), "bad prefix %s",
              text);
}

#define D PIPELINE_CATEGORY_DEFAULT
#define G PIPELINE_CATEGORY_GATEWAY
#define N PIPELINE_CATEGORY_NODE
#define P PIPELINE_CATEGORY_POD
#define S PIPELINE_CATEGORY_SERVICE

/* The table-miss flows, the first 14 flows of every Node. */
#define TABLE_MISS_FLOWS                                                \
    { "table=0,priority=0 actions=drop", D },                           \
    { "table=10,priority=0 actions=drop", D },                          \
    { "table=20,priority=0 actions=drop", D },                          \
    { "table=30,priority=0 actions=drop", D },                          \
    { "table=31,priority=0 actions=goto_table:40", D },                 \
    { "table=40,priority=0 actions=goto_table:50", D },                 \
    { "table=50,priority=0 actions=goto_table:60", D },                 \
    { "table=60,priority=0 actions=goto_table:70", D },                 \
    { "table=70,priority=0 actions=goto_table:80", D },                 \
    { "table=80,priority=0 actions=goto_table:90", D },                 \
    { "table=90,priority=0 actions=goto_table:100", D },                \
    { "table=100,priority=0 actions=goto_table:105", D },               \
    { "table=105,priority=0 actions=goto_table:110", D },               \
    { "table=110,priority=0 actions=drop", D }

Test(pipeline, node_flows_encap)
{
    static const struct expected_flow expected[] = {
        TABLE_MISS_FLOWS,
        { "table=0,priority=200,in_port=2 "
          "actions=load:0x1->NXM_NX_REG0[0..15],goto_table:10", G },
        { "table=0,priority=200,in_port=1 "
          "actions=load:0x0->NXM_NX_REG0[0..15],goto_table:30", D },
        { "table=10,priority=200,ip,in_port=2 actions=goto_table:30", G },
        { "table=10,priority=200,arp,in_port=2,arp_spa=10.10.0.1,"
          "arp_sha=e2:e5:a4:9b:1c:b1 actions=goto_table:20", G },
        { "table=20,priority=190,arp actions=NORMAL", D },
        { "table=30,priority=200,ip actions=ct(table=31,zone=65520)", D },
        { "table=31,priority=210,ct_state=-new+trk,ct_mark=0x20,ip,"
          "reg0=0x1/0xffff actions=goto_table:40", G },
        { "table=31,priority=200,ct_state=+inv+trk,ip actions=drop", D },
        { "table=31,priority=200,ct_state=-new+trk,ct_mark=0x20,ip "
          "actions=mod_dl_dst:e2:e5:a4:9b:1c:b1,goto_table:40", G },
        { "table=40,priority=200,ip,nw_dst=10.96.0.0/12 "
          "actions=load:0x2->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[16],"
          "mod_dl_dst:e2:e5:a4:9b:1c:b1,goto_table:105", S },
        { "table=70,priority=200,ip,dl_dst=aa:bb:cc:dd:ee:ff,"
          "nw_dst=10.10.0.1 "
          "actions=mod_dl_dst:e2:e5:a4:9b:1c:b1,goto_table:80", G },
        { "table=80,priority=200,dl_dst=e2:e5:a4:9b:1c:b1 "
          "actions=load:0x2->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[16],"
          "goto_table:90", G },
        { "table=80,priority=200,dl_dst=aa:bb:cc:dd:ee:ff "
          "actions=load:0x1->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[16],"
          "goto_table:90", D },
        { "table=105,priority=200,ct_state=+new+trk,ip,reg0=0x1/0xffff "
          "actions=ct(commit,table=110,zone=65520,"
          "exec(load:0x20->NXM_NX_CT_MARK[]))", G },
        { "table=105,priority=190,ct_state=+new+trk,ip "
          "actions=ct(commit,table=110,zone=65520)", D },
        { "table=110,priority=200,ip,reg0=0x10000/0x10000 "
          "actions=output:NXM_NX_REG1[]", D },
    };
    struct pipeline_node_config cfg;
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    char *error = NULL;

    example_node_config(&cfg);
    cr_assert_eq(pipeline_node_flows(&cfg, &flows, &error), 0, "%s",
                 error);
    check_flows(&flows, 0, expected, ARRAY_SIZE(expected), "node");
    pipeline_flows_destroy(&flows);
}

/* noEncap: no tunnel, peers through the gateway, and no Service CIDR
 * known (no DNAT flow). */
Test(pipeline, node_flows_noencap)
{
    static const struct expected_flow expected[] = {
        TABLE_MISS_FLOWS,
        { "table=0,priority=200,in_port=2 "
          "actions=load:0x1->NXM_NX_REG0[0..15],goto_table:10", G },
        { "table=10,priority=200,ip,in_port=2 actions=goto_table:30", G },
        { "table=10,priority=200,arp,in_port=2,arp_spa=10.10.0.1,"
          "arp_sha=e2:e5:a4:9b:1c:b1 actions=goto_table:20", G },
        { "table=20,priority=190,arp actions=NORMAL", D },
        { "table=30,priority=200,ip actions=ct(table=31,zone=65520)", D },
        { "table=31,priority=210,ct_state=-new+trk,ct_mark=0x20,ip,"
          "reg0=0x1/0xffff actions=goto_table:40", G },
        { "table=31,priority=200,ct_state=+inv+trk,ip actions=drop", D },
        { "table=31,priority=200,ct_state=-new+trk,ct_mark=0x20,ip "
          "actions=mod_dl_dst:e2:e5:a4:9b:1c:b1,goto_table:40", G },
        { "table=80,priority=200,dl_dst=e2:e5:a4:9b:1c:b1 "
          "actions=load:0x2->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[16],"
          "goto_table:90", G },
        { "table=105,priority=210,ip,in_port=2,reg1=0x2 "
          "actions=goto_table:110", G },
        { "table=105,priority=200,ct_state=+new+trk,ip,reg0=0x1/0xffff "
          "actions=ct(commit,table=110,zone=65520,"
          "exec(load:0x20->NXM_NX_CT_MARK[]))", G },
        { "table=105,priority=190,ct_state=+new+trk,ip "
          "actions=ct(commit,table=110,zone=65520)", D },
        { "table=110,priority=210,ip,in_port=2,reg1=0x2 "
          "actions=mod_dl_src:de:ad:be:ef:de:ad,IN_PORT", G },
        { "table=110,priority=200,ip,reg0=0x10000/0x10000 "
          "actions=output:NXM_NX_REG1[]", D },
    };
    struct pipeline_node_config cfg;
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    char *error = NULL;

    example_node_config(&cfg);
    cfg.tunnel_ofport = 0;
    cfg.peers_via_gateway = true;
    memset(&cfg.service_cidr, 0, sizeof cfg.service_cidr);
    cr_assert_eq(pipeline_node_flows(&cfg, &flows, &error), 0, "%s",
                 error);
    check_flows(&flows, 0, expected, ARRAY_SIZE(expected), "node");
    pipeline_flows_destroy(&flows);
}

/* Hybrid: a tunnel and peers through the gateway; the re-entrance flows
 * come on top of the encap set. */
Test(pipeline, node_flows_hybrid)
{
    struct pipeline_node_config cfg;
    struct pipeline_flows encap = PIPELINE_FLOWS_INITIALIZER;
    struct pipeline_flows hybrid = PIPELINE_FLOWS_INITIALIZER;

    example_node_config(&cfg);
    cr_assert_eq(pipeline_node_flows(&cfg, &encap, NULL), 0);
    cfg.peers_via_gateway = true;
    cr_assert_eq(pipeline_node_flows(&cfg, &hybrid, NULL), 0);
    cr_assert_eq(hybrid.n, encap.n + 2);

    size_t n_reentrance = 0;
    for (size_t i = 0; i < hybrid.n; i++) {
        char *text = pipeline_flow_to_string(&hybrid.flows[i]);
        if (strstr(text, "in_port=2,reg1=0x2")) {
            n_reentrance++;
        }
        free(text);
    }
    cr_assert_eq(n_reentrance, 2);
    pipeline_flows_destroy(&encap);
    pipeline_flows_destroy(&hybrid);
}

Test(pipeline, pod_flows)
{
    static const struct expected_flow expected[] = {
        { "table=0,priority=190,in_port=3 "
          "actions=load:0x2->NXM_NX_REG0[0..15],goto_table:10", P },
        { "table=10,priority=200,ip,in_port=3,dl_src=12:9e:a6:47:d0:70,"
          "nw_src=10.10.0.2 actions=goto_table:30", P },
        { "table=10,priority=200,arp,in_port=3,arp_spa=10.10.0.2,"
          "arp_sha=12:9e:a6:47:d0:70 actions=goto_table:20", P },
        { "table=70,priority=200,ip,dl_dst=aa:bb:cc:dd:ee:ff,"
          "nw_dst=10.10.0.2 actions=mod_dl_src:e2:e5:a4:9b:1c:b1,"
          "mod_dl_dst:12:9e:a6:47:d0:70,dec_ttl,goto_table:80", P },
        { "table=80,priority=200,dl_dst=12:9e:a6:47:d0:70 "
          "actions=load:0x3->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[16],"
          "goto_table:90", P },
    };
    struct pipeline_node_config cfg;
    struct pipeline_pod pod;
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    char *error = NULL;

    example_node_config(&cfg);
    example_pod(1, &pod);
    cr_assert_eq(pipeline_pod_flows(&cfg, &pod, &flows, &error), 0, "%s",
                 error);
    check_flows(&flows, 0, expected, ARRAY_SIZE(expected),
                "pod/default/web-1");
    cr_expect_str_eq(flows.flows[1].comment,
                     "SpoofGuard: IP from Pod default/web-1 with its own "
                     "addresses");
    pipeline_flows_destroy(&flows);
}

/* Without a tunnel nothing arrives with the global virtual MAC, so the Pod
 * has no L3Forwarding flow. */
Test(pipeline, pod_flows_without_tunnel)
{
    struct pipeline_node_config cfg;
    struct pipeline_pod pod;
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;

    example_node_config(&cfg);
    cfg.tunnel_ofport = 0;
    example_pod(2, &pod);
    cr_assert_eq(pipeline_pod_flows(&cfg, &pod, &flows, NULL), 0);
    cr_assert_eq(flows.n, 4);
    for (size_t i = 0; i < flows.n; i++) {
        cr_expect_neq(flows.flows[i].table, PIPELINE_TABLE_L3_FORWARDING);
        cr_expect_str_eq(flows.flows[i].owner, "pod/default/web-2");
    }
    pipeline_flows_destroy(&flows);
}

Test(pipeline, peer_tunnel_flows)
{
    static const struct expected_flow expected[] = {
        { "table=20,priority=200,arp,arp_op=1,arp_tpa=10.10.1.1 "
          "actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
          "mod_dl_src:aa:bb:cc:dd:ee:ff,load:0x2->NXM_OF_ARP_OP[],"
          "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
          "set_field:aa:bb:cc:dd:ee:ff->arp_sha,"
          "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
          "set_field:10.10.1.1->arp_spa,IN_PORT", N },
        { "table=70,priority=200,ip,nw_dst=10.10.1.0/24 "
          "actions=dec_ttl,mod_dl_src:e2:e5:a4:9b:1c:b1,"
          "mod_dl_dst:aa:bb:cc:dd:ee:ff,load:0x1->NXM_NX_REG1[],"
          "load:0x1->NXM_NX_REG0[16],set_field:192.168.77.101->tun_dst,"
          "goto_table:105", N },
    };
    struct pipeline_node_config cfg;
    struct pipeline_peer peer;
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    char *error = NULL;

    example_node_config(&cfg);
    example_peer(&peer);
    cr_assert_eq(pipeline_peer_tunnel_flows(&cfg, &peer, &flows, &error),
                 0, "%s", error);
    check_flows(&flows, 0, expected, ARRAY_SIZE(expected), "peer/node-b");
    pipeline_flows_destroy(&flows);
}

/* The peer's podCIDR is written as its network even when given with host
 * bits. */
Test(pipeline, peer_route_flows)
{
    static const struct expected_flow expected[] = {
        { "table=70,priority=200,ip,nw_dst=10.10.1.0/24 "
          "actions=dec_ttl,mod_dl_dst:e2:e5:a4:9b:1c:b1,goto_table:80", N },
    };
    struct pipeline_node_config cfg;
    struct pipeline_peer peer;
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    char *error = NULL;

    example_node_config(&cfg);
    cfg.tunnel_ofport = 0;
    example_peer(&peer);
    set_prefix(&peer.pod_cidr, "10.10.1.77/24");
    cr_assert_eq(pipeline_peer_route_flows(&cfg, &peer, &flows, &error),
                 0, "%s", error);
    check_flows(&flows, 0, expected, ARRAY_SIZE(expected), "peer/node-b");
    pipeline_flows_destroy(&flows);
}

Test(pipeline, peer_tunnel_flows_need_a_tunnel)
{
    struct pipeline_node_config cfg;
    struct pipeline_peer peer;
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    char *error = NULL;

    example_node_config(&cfg);
    cfg.tunnel_ofport = 0;
    example_peer(&peer);
    cr_assert_eq(pipeline_peer_tunnel_flows(&cfg, &peer, &flows, &error),
                 EINVAL);
    cr_assert_str_eq(error, "peer Node node-b: a tunnel path needs a "
                     "tunnel port, and the Node config has none");
    cr_assert_eq(flows.n, 0);
    free(error);
}

/* Generators append: one list can hold every object's flows, and the
 * same input gives the same flows. */
Test(pipeline, generators_append_and_repeat)
{
    struct pipeline_flows a = PIPELINE_FLOWS_INITIALIZER;
    struct pipeline_flows b;

    pipeline_flows_init(&b);
    example_all_flows(&a);
    example_all_flows(&b);
    cr_assert_eq(a.n, 30 + 5 + 5 + 2);
    cr_assert_eq(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        char *ta = pipeline_flow_to_string(&a.flows[i]);
        char *tb = pipeline_flow_to_string(&b.flows[i]);
        cr_expect_str_eq(ta, tb);
        cr_expect_str_eq(a.flows[i].owner, b.flows[i].owner);
        free(ta);
        free(tb);
    }

    /* (table, priority, match) is what identifies a flow in OVS: no two
     * generated flows may share it. */
    for (size_t i = 0; i < a.n; i++) {
        for (size_t j = i + 1; j < a.n; j++) {
            const struct pipeline_flow *x = &a.flows[i];
            const struct pipeline_flow *y = &a.flows[j];
            cr_expect(x->table != y->table || x->priority != y->priority
                      || strcmp(x->match, y->match),
                      "flows %zu and %zu share table %u priority %u "
                      "match \"%s\"", i, j, x->table, x->priority,
                      x->match);
        }
    }

    pipeline_flows_destroy(&a);
    pipeline_flows_destroy(&b);
    cr_assert_eq(a.n, 0);
    cr_assert_null(a.flows);
    pipeline_flows_destroy(NULL);
}

Test(pipeline, owners_cookies_and_names)
{
    char *s = pipeline_pod_owner("kube-system", "coredns-1");
    cr_expect_str_eq(s, "pod/kube-system/coredns-1");
    free(s);
    s = pipeline_peer_owner("node-b");
    cr_expect_str_eq(s, "peer/node-b");
    free(s);

    cr_expect_eq(pipeline_cookie(1, PIPELINE_CATEGORY_DEFAULT),
                 UINT64_C(0x0001000000000000));
    cr_expect_eq(pipeline_cookie(0xabcd, PIPELINE_CATEGORY_POD),
                 UINT64_C(0xabcd030000000000));
    cr_expect_eq(pipeline_cookie(7, PIPELINE_CATEGORY_POLICY)
                 & PIPELINE_COOKIE_CATEGORY_MASK,
                 (uint64_t) PIPELINE_CATEGORY_POLICY
                 << PIPELINE_COOKIE_CATEGORY_SHIFT);

    static const char *const names[PIPELINE_N_TABLES] = {
        "Classifier", "SpoofGuard", "ARPResponder", "Conntrack",
        "ConntrackState", "DNAT", "EgressRule", "EgressDefault",
        "L3Forwarding", "L2ForwardingCalc", "IngressRule", "IngressDefault",
        "ConntrackCommit", "L2ForwardingOut",
    };
    static const unsigned int numbers[PIPELINE_N_TABLES] = {
        0, 10, 20, 30, 31, 40, 50, 60, 70, 80, 90, 100, 105, 110,
    };
    for (size_t i = 0; i < PIPELINE_N_TABLES; i++) {
        cr_expect_eq((unsigned int) pipeline_table_at(i), numbers[i]);
        cr_expect_str_eq(pipeline_table_name(numbers[i]), names[i]);
    }
    cr_expect_null(pipeline_table_name(1));
    cr_expect_str_eq(pipeline_category_name(PIPELINE_CATEGORY_GATEWAY),
                     "Gateway");
    cr_expect_str_eq(pipeline_category_name(PIPELINE_CATEGORY_SERVICE),
                     "Service");
    cr_expect_null(pipeline_category_name((enum pipeline_category) 99));

    struct pipeline_flow miss = {
        .table = 0, .priority = 0, .match = (char *) "",
        .actions = (char *) "drop",
    };
    s = pipeline_flow_to_string(&miss);
    cr_expect_str_eq(s, "table=0,priority=0 actions=drop");
    free(s);
}

/* Bad input. */

/* What a bad-input case changes in the example, and the message it must
 * give. */
struct bad_case {
    const char *desc;
    const char *message;            /* the whole expected message */
    void (*mutate)(struct pipeline_node_config *, struct pipeline_pod *,
                   struct pipeline_peer *);
};

static void
no_gw_ofport(struct pipeline_node_config *c, struct pipeline_pod *p,
             struct pipeline_peer *r)
{
    (void) p; (void) r;
    c->gateway_ofport = 0;
}

static void
big_gw_ofport(struct pipeline_node_config *c, struct pipeline_pod *p,
              struct pipeline_peer *r)
{
    (void) p; (void) r;
    c->gateway_ofport = 0xff00;
}

static void
tun_is_gw(struct pipeline_node_config *c, struct pipeline_pod *p,
          struct pipeline_peer *r)
{
    (void) p; (void) r;
    c->tunnel_ofport = c->gateway_ofport;
}

static void
gw_ipv6(struct pipeline_node_config *c, struct pipeline_pod *p,
        struct pipeline_peer *r)
{
    (void) p; (void) r;
    set_ip(&c->gateway_ip, "fd00::1");
}

static void
gw_missing(struct pipeline_node_config *c, struct pipeline_pod *p,
           struct pipeline_peer *r)
{
    (void) p; (void) r;
    memset(&c->gateway_ip, 0, sizeof c->gateway_ip);
}

static void
gw_outside(struct pipeline_node_config *c, struct pipeline_pod *p,
           struct pipeline_peer *r)
{
    (void) p; (void) r;
    set_ip(&c->gateway_ip, "10.10.9.1");
}

static void
gw_network(struct pipeline_node_config *c, struct pipeline_pod *p,
           struct pipeline_peer *r)
{
    (void) p; (void) r;
    set_ip(&c->gateway_ip, "10.10.0.0");
}

static void
gw_mac_zero(struct pipeline_node_config *c, struct pipeline_pod *p,
            struct pipeline_peer *r)
{
    (void) p; (void) r;
    memset(c->gateway_mac, 0, sizeof c->gateway_mac);
}

static void
gw_mac_multicast(struct pipeline_node_config *c, struct pipeline_pod *p,
                 struct pipeline_peer *r)
{
    (void) p; (void) r;
    example_parse_mac("01:00:5e:00:00:01", c->gateway_mac);
}

static void
gw_mac_virtual(struct pipeline_node_config *c, struct pipeline_pod *p,
               struct pipeline_peer *r)
{
    (void) p; (void) r;
    example_parse_mac(PIPELINE_GLOBAL_VIRTUAL_MAC, c->gateway_mac);
}

static void
pod_cidr_zero_length(struct pipeline_node_config *c, struct pipeline_pod *p,
                     struct pipeline_peer *r)
{
    (void) p; (void) r;
    set_prefix(&c->pod_cidr, "10.10.0.0/0");
}

static void
svc_overlaps(struct pipeline_node_config *c, struct pipeline_pod *p,
             struct pipeline_peer *r)
{
    (void) p; (void) r;
    set_prefix(&c->service_cidr, "10.0.0.0/8");
}

static void
node_ip_loopback(struct pipeline_node_config *c, struct pipeline_pod *p,
                 struct pipeline_peer *r)
{
    (void) p; (void) r;
    set_ip(&c->node_ip, "127.0.0.1");
}

static const struct bad_case bad_configs[] = {
    { "gateway ofport 0",
      "Node config: gateway ofport 0 is not a valid OpenFlow port "
      "(1 to 65279)", no_gw_ofport },
    { "reserved gateway ofport",
      "Node config: gateway ofport 65280 is not a valid OpenFlow port "
      "(1 to 65279)", big_gw_ofport },
    { "tunnel on the gateway's port",
      "Node config: tunnel ofport 2 is also the gateway ofport", tun_is_gw },
    { "IPv6 gateway",
      "Node config: gateway IP fd00::1: IPv6 is not supported by the "
      "pipeline yet", gw_ipv6 },
    { "no gateway IP", "Node config: gateway IP is missing", gw_missing },
    { "gateway outside the podCIDR",
      "Node config: gateway IP 10.10.9.1 is outside the podCIDR "
      "10.10.0.0/24", gw_outside },
    { "gateway on the network address",
      "Node config: gateway IP 10.10.0.0 is the network or broadcast "
      "address of the podCIDR 10.10.0.0/24", gw_network },
    { "no gateway MAC",
      "Node config: gateway MAC is missing (all zeros)", gw_mac_zero },
    { "multicast gateway MAC",
      "Node config: gateway MAC 01:00:5e:00:00:01 is a multicast address",
      gw_mac_multicast },
    { "gateway MAC is the global virtual MAC",
      "Node config: gateway MAC aa:bb:cc:dd:ee:ff is reserved by the "
      "pipeline", gw_mac_virtual },
    { "podCIDR /0",
      "Node config: podCIDR 10.10.0.0/0: the prefix length must be 1 to 32",
      pod_cidr_zero_length },
    { "Service CIDR over the podCIDR",
      "Node config: Service CIDR overlaps the podCIDR 10.10.0.0/24",
      svc_overlaps },
    { "loopback node IP",
      "Node config: node IP 127.0.0.1 is not a unicast host address",
      node_ip_loopback },
};

/* Every generator refuses a bad Node config with the same message and
 * appends nothing. */
Test(pipeline, bad_node_config)
{
    for (size_t i = 0; i < ARRAY_SIZE(bad_configs); i++) {
        const struct bad_case *bc = &bad_configs[i];
        struct pipeline_node_config cfg;
        struct pipeline_pod pod;
        struct pipeline_peer peer;
        struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
        char *error;

        example_node_config(&cfg);
        example_pod(1, &pod);
        example_peer(&peer);
        bc->mutate(&cfg, &pod, &peer);

        error = NULL;
        cr_expect_eq(pipeline_node_config_check(&cfg, &error), EINVAL,
                     "%s", bc->desc);
        cr_expect_str_eq(error, bc->message, "%s", bc->desc);
        free(error);

        error = NULL;
        cr_expect_eq(pipeline_node_flows(&cfg, &flows, &error), EINVAL,
                     "%s", bc->desc);
        cr_expect_str_eq(error, bc->message, "%s", bc->desc);
        free(error);

        error = NULL;
        cr_expect_eq(pipeline_pod_flows(&cfg, &pod, &flows, &error), EINVAL,
                     "%s", bc->desc);
        cr_expect_str_eq(error, bc->message, "%s", bc->desc);
        free(error);

        error = NULL;
        cr_expect_eq(pipeline_peer_tunnel_flows(&cfg, &peer, &flows,
                                                &error), EINVAL,
                     "%s", bc->desc);
        free(error);
        cr_expect_eq(pipeline_peer_route_flows(&cfg, &peer, &flows, NULL),
                     EINVAL, "%s", bc->desc);
        cr_expect_eq(flows.n, 0, "%s: flows were appended", bc->desc);
        pipeline_flows_destroy(&flows);
    }
}

static void
pod_no_name(struct pipeline_node_config *c, struct pipeline_pod *p,
            struct pipeline_peer *r)
{
    (void) c; (void) r;
    p->name = "";
}

static void
pod_slash(struct pipeline_node_config *c, struct pipeline_pod *p,
          struct pipeline_peer *r)
{
    (void) c; (void) r;
    p->name = "a/b";
}

static void
pod_on_gw_port(struct pipeline_node_config *c, struct pipeline_pod *p,
               struct pipeline_peer *r)
{
    (void) r;
    p->ofport = c->gateway_ofport;
}

static void
pod_on_tun_port(struct pipeline_node_config *c, struct pipeline_pod *p,
                struct pipeline_peer *r)
{
    (void) r;
    p->ofport = c->tunnel_ofport;
}

static void
pod_no_ofport(struct pipeline_node_config *c, struct pipeline_pod *p,
              struct pipeline_peer *r)
{
    (void) c; (void) r;
    p->ofport = 0;
}

static void
pod_outside(struct pipeline_node_config *c, struct pipeline_pod *p,
            struct pipeline_peer *r)
{
    (void) c; (void) r;
    set_ip(&p->ip, "10.10.1.2");
}

static void
pod_broadcast(struct pipeline_node_config *c, struct pipeline_pod *p,
              struct pipeline_peer *r)
{
    (void) c; (void) r;
    set_ip(&p->ip, "10.10.0.255");
}

static void
pod_gw_ip(struct pipeline_node_config *c, struct pipeline_pod *p,
          struct pipeline_peer *r)
{
    (void) c; (void) r;
    set_ip(&p->ip, "10.10.0.1");
}

static void
pod_ipv6(struct pipeline_node_config *c, struct pipeline_pod *p,
         struct pipeline_peer *r)
{
    (void) c; (void) r;
    set_ip(&p->ip, "fd00:10:10::2");
}

static void
pod_gw_mac(struct pipeline_node_config *c, struct pipeline_pod *p,
           struct pipeline_peer *r)
{
    (void) r;
    memcpy(p->mac, c->gateway_mac, sizeof p->mac);
}

static void
pod_reentrance_mac(struct pipeline_node_config *c, struct pipeline_pod *p,
                   struct pipeline_peer *r)
{
    (void) c; (void) r;
    example_parse_mac(PIPELINE_REENTRANCE_MAC, p->mac);
}

static const struct bad_case bad_pods[] = {
    { "no name", "Pod default/: namespace and name are required",
      pod_no_name },
    { "slash in the name", "Pod default/a/b: a namespace or name holds '/'",
      pod_slash },
    { "no ofport", "Pod default/web-1: ofport 0 is not a valid OpenFlow "
      "port (1 to 65279)", pod_no_ofport },
    { "gateway ofport",
      "Pod default/web-1: ofport 2 belongs to the gateway", pod_on_gw_port },
    { "tunnel ofport",
      "Pod default/web-1: ofport 1 belongs to the tunnel", pod_on_tun_port },
    { "IP outside the podCIDR",
      "Pod default/web-1: IP 10.10.1.2 is outside the Node's podCIDR "
      "10.10.0.0/24", pod_outside },
    { "broadcast IP",
      "Pod default/web-1: IP 10.10.0.255 is the network or broadcast "
      "address of the podCIDR 10.10.0.0/24", pod_broadcast },
    { "gateway IP", "Pod default/web-1: IP 10.10.0.1 is the gateway's",
      pod_gw_ip },
    { "IPv6", "Pod default/web-1: IP fd00:10:10::2: IPv6 is not supported "
      "by the pipeline yet", pod_ipv6 },
    { "gateway MAC", "Pod default/web-1: MAC is the gateway's", pod_gw_mac },
    { "re-entrance MAC",
      "Pod default/web-1: MAC de:ad:be:ef:de:ad is reserved by the "
      "pipeline", pod_reentrance_mac },
};

Test(pipeline, bad_pod)
{
    for (size_t i = 0; i < ARRAY_SIZE(bad_pods); i++) {
        const struct bad_case *bc = &bad_pods[i];
        struct pipeline_node_config cfg;
        struct pipeline_pod pod;
        struct pipeline_peer peer;
        struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
        char *error = NULL;

        example_node_config(&cfg);
        example_pod(1, &pod);
        example_peer(&peer);
        bc->mutate(&cfg, &pod, &peer);
        cr_expect_eq(pipeline_pod_flows(&cfg, &pod, &flows, &error), EINVAL,
                     "%s", bc->desc);
        cr_expect_str_eq(error, bc->message, "%s", bc->desc);
        cr_expect_eq(flows.n, 0, "%s: flows were appended", bc->desc);
        free(error);
        pipeline_flows_destroy(&flows);
    }

    struct pipeline_node_config cfg;
    struct pipeline_pod pod = { .namespace = NULL, .name = "x" };
    char *error = NULL;
    example_node_config(&cfg);
    cr_expect_eq(pipeline_pod_flows(&cfg, &pod, NULL, &error), EINVAL);
    cr_expect_str_eq(error, "Pod (null)/x: namespace and name are required");
    free(error);
    error = NULL;
    cr_expect_eq(pipeline_pod_flows(&cfg, NULL, NULL, &error), EINVAL);
    cr_expect_str_eq(error, "Pod is missing");
    free(error);
}

static void
peer_no_name(struct pipeline_node_config *c, struct pipeline_pod *p,
             struct pipeline_peer *r)
{
    (void) c; (void) p;
    r->name = NULL;
}

static void
peer_overlaps_local(struct pipeline_node_config *c, struct pipeline_pod *p,
                    struct pipeline_peer *r)
{
    (void) c; (void) p;
    set_prefix(&r->pod_cidr, "10.10.0.0/16");
    set_ip(&r->gateway_ip, "10.10.0.1");
}

static void
peer_overlaps_services(struct pipeline_node_config *c,
                       struct pipeline_pod *p, struct pipeline_peer *r)
{
    (void) c; (void) p;
    set_prefix(&r->pod_cidr, "10.100.0.0/24");
    set_ip(&r->gateway_ip, "10.100.0.1");
}

static void
peer_is_us(struct pipeline_node_config *c, struct pipeline_pod *p,
           struct pipeline_peer *r)
{
    (void) p;
    r->node_ip = c->node_ip;
}

static void
peer_gw_outside(struct pipeline_node_config *c, struct pipeline_pod *p,
                struct pipeline_peer *r)
{
    (void) c; (void) p;
    set_ip(&r->gateway_ip, "10.10.2.1");
}

static void
peer_node_ip_missing(struct pipeline_node_config *c, struct pipeline_pod *p,
                     struct pipeline_peer *r)
{
    (void) c; (void) p;
    memset(&r->node_ip, 0, sizeof r->node_ip);
}

static void
peer_cidr_ipv6(struct pipeline_node_config *c, struct pipeline_pod *p,
               struct pipeline_peer *r)
{
    (void) c; (void) p;
    set_prefix(&r->pod_cidr, "fd00:10:11::/64");
}

static const struct bad_case bad_peers[] = {
    { "no name", "peer Node: the name is required", peer_no_name },
    { "podCIDR over ours",
      "peer Node node-b: podCIDR 10.10.0.0/16 overlaps this Node's podCIDR",
      peer_overlaps_local },
    { "podCIDR in the Service CIDR",
      "peer Node node-b: podCIDR 10.100.0.0/24 overlaps the Service CIDR",
      peer_overlaps_services },
    { "our node IP",
      "peer Node node-b: node IP 192.168.77.100 is this Node's",
      peer_is_us },
    { "gateway outside its podCIDR",
      "peer Node node-b: gateway IP 10.10.2.1 is outside its podCIDR "
      "10.10.1.0/24", peer_gw_outside },
    { "no node IP", "peer Node node-b: node IP is missing",
      peer_node_ip_missing },
    { "IPv6 podCIDR",
      "peer Node node-b: podCIDR fd00:10:11::/64: IPv6 is not supported by "
      "the pipeline yet",
      peer_cidr_ipv6 },
};

Test(pipeline, bad_peer)
{
    for (size_t i = 0; i < ARRAY_SIZE(bad_peers); i++) {
        const struct bad_case *bc = &bad_peers[i];
        struct pipeline_node_config cfg;
        struct pipeline_pod pod;
        struct pipeline_peer peer;
        struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;

        for (int route = 0; route < 2; route++) {
            char *error = NULL;
            int retval;

            example_node_config(&cfg);
            example_pod(1, &pod);
            example_peer(&peer);
            bc->mutate(&cfg, &pod, &peer);
            retval = (route
                      ? pipeline_peer_route_flows(&cfg, &peer, &flows, &error)
                      : pipeline_peer_tunnel_flows(&cfg, &peer, &flows,
                                                   &error));
            cr_expect_eq(retval, EINVAL, "%s", bc->desc);
            cr_expect_str_eq(error, bc->message, "%s", bc->desc);
            cr_expect_eq(flows.n, 0, "%s: flows were appended", bc->desc);
            free(error);
        }
        pipeline_flows_destroy(&flows);
    }
}

/* docs/ovs-pipeline.md shows the example Node's flows between two marker
 * lines; they must be exactly what the code generates. */
Test(pipeline, docs_example_matches)
{
    const char *srcdir = getenv("abs_top_srcdir");
    if (!srcdir) {
        cr_skip_test("abs_top_srcdir is not set (run through make check)");
    }

    char *path = xasprintf("%s/docs/ovs-pipeline.md", srcdir);
    FILE *stream = fopen(path, "r");
    cr_assert_not_null(stream, "%s: %s", path, strerror(errno));
    char *doc = NULL;
    size_t doc_size = 0;
    FILE *mem = open_memstream(&doc, &doc_size);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stream)) > 0) {
        fwrite(buf, 1, n, mem);
    }
    fclose(stream);
    fclose(mem);

    static const char begin[] = "<!-- BEGIN generated example: "
                                "test-pipeline checks it -->\n```\n";
    static const char end[] = "```\n<!-- END generated example -->";
    char *start = strstr(doc, begin);
    cr_assert_not_null(start, "%s: no line \"%.40s...\"", path, begin);
    start += strlen(begin);
    char *stop = strstr(start, end);
    cr_assert_not_null(stop, "%s: no end marker", path);
    *stop = '\0';

    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    char *generated = NULL;
    size_t generated_size = 0;
    example_all_flows(&flows);
    mem = open_memstream(&generated, &generated_size);
    example_write_flows(&flows, 1, mem);
    fclose(mem);

    cr_expect_str_eq(start, generated,
                     "%s is out of date; the generated example is:\n%s",
                     path, generated);
    free(generated);
    pipeline_flows_destroy(&flows);
    free(doc);
    free(path);
}
