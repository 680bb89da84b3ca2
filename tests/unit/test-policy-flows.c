/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the pure NetworkPolicy flow functions (policy-flows.h):
 * port ranges as masks and CIDRs minus excepts (checked against brute
 * force), the exact flows of rule parts of both directions, the static
 * flows, bad input, and every flow through OVS's own parser.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "antrea/net-util.h"
#include "aovs-flow.h"
#include "pipeline.h"
#include "policy-flows.h"
#include "policy-test-util.h"
#include "util.h"

/* Returns the flows of 'list' as sorted "table=T,priority=P,MATCH
 * actions=A" lines, each contribution alone, after checking that each
 * parses with OVS's parser.  Caller frees. */
static char *
render(const struct policy_flow_list *list)
{
    char **lines = xcalloc(list->n + 1, sizeof *lines);
    size_t size = 1;
    for (size_t i = 0; i < list->n; i++) {
        const struct policy_flow *f = &list->flows[i];
        char *actions = policy_flow_actions(f, 1);
        struct pipeline_flow pf = {
            .table = f->table, .priority = f->priority,
            .match = f->match, .actions = actions,
        };
        lines[i] = pipeline_flow_to_string(&pf);
        free(actions);
        char *error = NULL;
        cr_assert_eq(aovs_flow_check(lines[i], &error), 0,
                     "OVS refuses %s: %s", lines[i], error);
        size += strlen(lines[i]) + 1;
    }
    /* Sorted, as pt_lines() sorts the expectation. */
    for (size_t i = 1; i < list->n; i++) {
        for (size_t k = i; k > 0 && strcmp(lines[k - 1], lines[k]) > 0;
             k--) {
            char *t = lines[k];
            lines[k] = lines[k - 1];
            lines[k - 1] = t;
        }
    }
    char *text = xmalloc(size);
    char *p = text;
    *p = '\0';
    for (size_t i = 0; i < list->n; i++) {
        p += sprintf(p, "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
    return text;
}

/* Asserts that 'list' renders as 'expected' (from pt_lines(); freed). */
static void
assert_flows(const struct policy_flow_list *list, char *expected)
{
    char *got = render(list);
    cr_assert_str_eq(got, expected, "got:\n%s\nexpected:\n%s", got,
                     expected);
    free(got);
    free(expected);
}

Test(policy_flows, port_range_masks_cover_exactly_the_range)
{
    static const struct { uint16_t first, last; size_t n; } cases[] = {
        { 80, 80, 1 }, { 0, 65535, 1 }, { 8080, 8090, 3 },
        { 1, 65535, 16 }, { 1000, 1999, 0 }, { 32768, 60999, 0 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint16_t values[32], masks[32];
        size_t n = policy_port_range_masks(cases[c].first, cases[c].last,
                                           values, masks);
        if (cases[c].n) {
            cr_expect_eq(n, cases[c].n, "%u-%u: %zu pairs",
                         cases[c].first, cases[c].last, n);
        }
        for (uint32_t port = 0; port <= 65535; port++) {
            size_t hits = 0;
            for (size_t k = 0; k < n; k++) {
                hits += (port & masks[k]) == values[k];
            }
            bool in = port >= cases[c].first && port <= cases[c].last;
            cr_assert_eq(hits, in ? 1u : 0u, "%u-%u: port %u matched %zu "
                         "times", cases[c].first, cases[c].last, port,
                         hits);
        }
    }
}

/* Returns true if 'ip' is in one of the 'n' prefixes. */
static size_t
count_containing(const struct antrea_prefix *prefixes, size_t n,
                 const struct antrea_ip *ip)
{
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        hits += antrea_prefix_contains(&prefixes[i], ip);
    }
    return hits;
}

Test(policy_flows, prefix_subtract_is_exact)
{
    struct antrea_prefix block, excepts[3];
    cr_assert(antrea_prefix_from_string("10.0.0.0/8", &block));
    cr_assert(antrea_prefix_from_string("10.1.0.0/16", &excepts[0]));
    cr_assert(antrea_prefix_from_string("10.200.3.0/24", &excepts[1]));
    cr_assert(antrea_prefix_from_string("192.168.0.0/16", &excepts[2]));

    struct antrea_prefix *out;
    size_t n;
    policy_prefix_subtract(&block, excepts, 1, &out, &n);
    cr_assert_eq(n, 8);
    char buf[ANTREA_PREFIX_STRING_SIZE];
    antrea_prefix_to_string(&out[0], buf, sizeof buf);
    cr_expect_str_eq(buf, "10.0.0.0/16");
    antrea_prefix_to_string(&out[7], buf, sizeof buf);
    cr_expect_str_eq(buf, "10.128.0.0/9");
    free(out);

    policy_prefix_subtract(&block, excepts, 3, &out, &n);
    unsigned int seed = 1;
    for (int i = 0; i < 200000; i++) {
        seed = seed * 1103515245 + 12345;
        struct antrea_ip ip = pt_ip("10.0.0.0");
        ip.bytes[1] = (uint8_t) (seed >> 8);
        ip.bytes[2] = (uint8_t) (seed >> 16);
        ip.bytes[3] = (uint8_t) (seed >> 24);
        if (i % 4 == 0) {
            ip.bytes[1] = i % 8 ? 1 : 200;
            ip.bytes[2] = i % 8 ? ip.bytes[2] : 3;
        }
        bool excluded = (antrea_prefix_contains(&excepts[0], &ip)
                         || antrea_prefix_contains(&excepts[1], &ip));
        cr_assert_eq(count_containing(out, n, &ip), excluded ? 0u : 1u);
    }
    free(out);

    /* An except covering the whole block leaves nothing. */
    policy_prefix_subtract(&excepts[0], &block, 1, &out, &n);
    cr_expect_eq(n, 0);
    free(out);
}

Test(policy_flows, ingress_conjunction_from_ips_and_cidrs_with_services)
{
    struct antrea_ip peers[2] = { pt_ip("10.10.1.5"), pt_ip("10.10.2.6") };
    struct antrea_prefix cidr;
    cr_assert(antrea_prefix_from_string("172.16.0.0/12", &cidr));
    uint32_t ofports[2] = { 5, 7 };
    struct policy_service services[2] = {
        { IPPROTO_TCP, 80, 0 }, { IPPROTO_UDP, 8080, 8083 },
    };
    struct policy_rule_part part = {
        .direction = POLICY_DIRECTION_IN, .conj_id = 4,
        .ofports = ofports, .n_ofports = 2,
        .peer_ips = peers, .n_peer_ips = 2,
        .peer_cidrs = &cidr, .n_peer_cidrs = 1,
        .services = services, .n_services = 2,
    };
    struct policy_flow_list list = POLICY_FLOW_LIST_INITIALIZER;
    char *error = NULL;
    cr_assert_eq(policy_flows_rule_part(&part, &list, &error), 0);
    cr_assert_null(error);
    assert_flows(&list, pt_lines(
        "table=90,priority=200,ip,nw_src=10.10.1.5 "
        "actions=conjunction(4,1/3)",
        "table=90,priority=200,ip,nw_src=10.10.2.6 "
        "actions=conjunction(4,1/3)",
        "table=90,priority=200,ip,nw_src=172.16.0.0/12 "
        "actions=conjunction(4,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(4,2/3)",
        "table=90,priority=200,ip,reg1=7 actions=conjunction(4,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(4,3/3)",
        "table=90,priority=200,udp,tp_dst=0x1f90/0xfffc "
        "actions=conjunction(4,3/3)",
        "table=90,priority=190,ip,conj_id=4 actions=goto_table:105",
        NULL));
    policy_flow_list_destroy(&list);
}

Test(policy_flows, egress_conjunction_to_cidr_all_ports)
{
    struct antrea_ip pods[1] = { pt_ip("10.10.0.5") };
    struct antrea_prefix cidr;
    cr_assert(antrea_prefix_from_string("0.0.0.0/0", &cidr));
    struct policy_service tcp_all = { IPPROTO_TCP, 0, 0 };
    struct policy_rule_part part = {
        .direction = POLICY_DIRECTION_OUT, .conj_id = 9,
        .pod_ips = pods, .n_pod_ips = 1,
        .peer_cidrs = &cidr, .n_peer_cidrs = 1,
        .services = &tcp_all, .n_services = 1,
    };
    struct policy_flow_list list = POLICY_FLOW_LIST_INITIALIZER;
    cr_assert_eq(policy_flows_rule_part(&part, &list, NULL), 0);
    assert_flows(&list, pt_lines(
        "table=50,priority=200,ip,nw_src=10.10.0.5 "
        "actions=conjunction(9,1/3)",
        "table=50,priority=200,ip actions=conjunction(9,2/3)",
        "table=50,priority=200,tcp actions=conjunction(9,3/3)",
        "table=50,priority=190,ip,conj_id=9 actions=goto_table:70",
        NULL));
    policy_flow_list_destroy(&list);
}

Test(policy_flows, any_peer_has_no_conjunction)
{
    uint32_t ofports[1] = { 5 };
    struct policy_service dns = { IPPROTO_UDP, 53, 0 };
    struct policy_rule_part part = {
        .direction = POLICY_DIRECTION_IN, .peer_any = true,
        .ofports = ofports, .n_ofports = 1,
        .services = &dns, .n_services = 1,
    };
    struct policy_flow_list list = POLICY_FLOW_LIST_INITIALIZER;
    cr_assert_eq(policy_flows_rule_part(&part, &list, NULL), 0);
    assert_flows(&list, pt_lines(
        "table=90,priority=190,udp,reg1=5,tp_dst=53 actions=goto_table:105",
        NULL));

    policy_flow_list_clear(&list);
    part.n_services = 0;
    cr_assert_eq(policy_flows_rule_part(&part, &list, NULL), 0);
    assert_flows(&list, pt_lines(
        "table=90,priority=190,ip,reg1=5 actions=goto_table:105", NULL));
    policy_flow_list_destroy(&list);
}

Test(policy_flows, empty_sides_make_no_flow)
{
    uint32_t ofports[1] = { 5 };
    struct policy_rule_part part = {
        .direction = POLICY_DIRECTION_IN, .conj_id = 1,
        .ofports = ofports, .n_ofports = 1,
    };
    struct policy_flow_list list = POLICY_FLOW_LIST_INITIALIZER;
    cr_assert_eq(policy_flows_rule_part(&part, &list, NULL), 0);
    cr_expect_eq(list.n, 0, "empty peer (not any): no flow");
    part.n_ofports = 0;
    part.peer_any = true;
    cr_assert_eq(policy_flows_rule_part(&part, &list, NULL), 0);
    cr_expect_eq(list.n, 0, "no applied-to Pod: no flow");
    policy_flow_list_destroy(&list);
}

Test(policy_flows, default_drops)
{
    struct policy_flow_list list = POLICY_FLOW_LIST_INITIALIZER;
    struct antrea_ip ip = pt_ip("10.10.0.5");
    cr_assert_eq(policy_flows_ingress_drop(5, &list, NULL), 0);
    cr_assert_eq(policy_flows_egress_drop(&ip, &list, NULL), 0);
    assert_flows(&list, pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=60,priority=200,ip,nw_src=10.10.0.5 actions=drop", NULL));
    policy_flow_list_destroy(&list);
}

Test(policy_flows, bad_input_is_refused_with_a_message)
{
    struct antrea_ip v6 = pt_ip("fd00::5");
    uint32_t ofports[1] = { 5 };
    struct policy_rule_part part = {
        .direction = POLICY_DIRECTION_IN, .conj_id = 1,
        .ofports = ofports, .n_ofports = 1,
        .peer_ips = &v6, .n_peer_ips = 1,
    };
    struct policy_flow_list list = POLICY_FLOW_LIST_INITIALIZER;
    char *error = NULL;
    cr_assert_eq(policy_flows_rule_part(&part, &list, &error), EINVAL);
    cr_expect(strstr(error, "peer IP") && strstr(error, "IPv6"), "%s",
              error);
    free(error);
    cr_expect_eq(list.n, 0);

    struct antrea_ip v4 = pt_ip("10.0.0.1");
    part.peer_ips = &v4;
    part.conj_id = 0;
    cr_assert_eq(policy_flows_rule_part(&part, &list, &error), EINVAL);
    cr_expect(strstr(error, "conjunction id"), "%s", error);
    free(error);

    struct policy_service bad = { IPPROTO_TCP, 90, 80 };
    part.conj_id = 1;
    part.services = &bad;
    part.n_services = 1;
    cr_assert_eq(policy_flows_rule_part(&part, &list, &error), EINVAL);
    cr_expect(strstr(error, "port range 90-80"), "%s", error);
    free(error);

    cr_assert_eq(policy_flows_ingress_drop(0, &list, &error), EINVAL);
    cr_expect(strstr(error, "ofport 0"), "%s", error);
    free(error);
    cr_expect_eq(list.n, 0);
    policy_flow_list_destroy(&list);
}

Test(policy_flows, merged_conjunction_actions_are_sorted_and_unique)
{
    struct policy_flow a = { .kind = POLICY_FLOW_CONJUNCTION, .conj_id = 7,
                             .clause = 2, .n_clauses = 3 };
    struct policy_flow b = { .kind = POLICY_FLOW_CONJUNCTION, .conj_id = 3,
                             .clause = 1, .n_clauses = 2 };
    const struct policy_flow flows[3] = { a, b, a };
    char *actions = policy_flow_actions(flows, 3);
    cr_expect_str_eq(actions, "conjunction(3,1/2),conjunction(7,2/3)");
    char *flow = xasprintf("table=90,priority=200,ip,reg1=5 actions=%s",
                           actions);
    char *error = NULL;
    cr_expect_eq(aovs_flow_check(flow, &error), 0, "%s", error);
    free(flow);
    free(actions);
}

Test(policy_flows, static_flows)
{
    struct pipeline_node_config cfg;
    pt_node_config(&cfg);
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    cr_assert_eq(policy_flows_static(&cfg, &flows, NULL), 0);
    cr_assert_eq(flows.n, 3);
    static const char *expected[3] = {
        "table=50,priority=210,ct_state=-new+est,ip actions=goto_table:70",
        "table=90,priority=210,ct_state=-new+est,ip actions=goto_table:105",
        "table=90,priority=210,ip,nw_src=10.10.0.1 actions=goto_table:105",
    };
    for (size_t i = 0; i < flows.n; i++) {
        char *line = pipeline_flow_to_string(&flows.flows[i]);
        cr_expect_str_eq(line, expected[i]);
        cr_expect_eq(flows.flows[i].category, PIPELINE_CATEGORY_POLICY);
        char *error = NULL;
        cr_expect_eq(aovs_flow_check(line, &error), 0, "%s", error);
        free(line);
    }
    pipeline_flows_destroy(&flows);

    cfg.gateway_ofport = 0;
    char *error = NULL;
    cr_expect_eq(policy_flows_static(&cfg, &flows, &error), EINVAL);
    cr_expect_not_null(error);
    free(error);
}
