/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the desired flow table (core/lib/ovs/aovs-flow.h) through the
 * OVS shim, without a switch: the ovs-ofctl syntax Antrea's pipeline uses
 * (conjunction, ct(), set_field, load, resubmit, goto_table), keys and
 * owners, cookie layout, and clear errors for bad flows.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aovs-flow.h"

TestSuite(aovs_flow, .timeout = 30);

/* Puts 'flow' for 'owner' into 'table', failing the test on an error. */
static void
put_ok(struct aovs_flow_table *table, uint64_t owner, const char *flow)
{
    char *error = NULL;
    int retval = aovs_flow_table_put(table, owner, flow, &error);
    cr_assert_eq(retval, 0, "put \"%s\": %s", flow, error ? error : "?");
    cr_assert_null(error);
}

/* Expects putting 'flow' to fail with 'expected_errno' and a message that
 * contains the flow text and 'expected_text'. */
static void
put_fails(struct aovs_flow_table *table, const char *flow,
          int expected_errno, const char *expected_text)
{
    char *error = NULL;
    size_t before = aovs_flow_table_count(table);
    int retval = aovs_flow_table_put(table, aovs_owner(1, 1), flow, &error);

    cr_assert_eq(retval, expected_errno, "put \"%s\" returned %d (%s)", flow,
                 retval, error ? error : "no message");
    cr_assert_not_null(error);
    cr_assert(strstr(error, flow), "message \"%s\" does not name \"%s\"",
              error, flow);
    cr_assert(strstr(error, expected_text),
              "message \"%s\" lacks \"%s\"", error, expected_text);
    cr_assert_eq(aovs_flow_table_count(table), before);
    free(error);
}

Test(aovs_flow, cookie_layout_is_round_category_id)
{
    uint64_t owner = aovs_owner(3, 0x123456789aULL);
    uint64_t cookie = aovs_cookie(7, owner);

    cr_assert_eq(cookie, (UINT64_C(7) << 48) | (UINT64_C(3) << 40)
                 | UINT64_C(0x123456789a));
    cr_assert_eq(aovs_cookie_round(cookie), 7);
    cr_assert_eq(aovs_cookie_category(cookie), 3);
    cr_assert_eq(aovs_cookie_owner(cookie), owner);
    /* Ids are cut to 40 bits, never spilling into the category. */
    cr_assert_eq(aovs_owner(1, UINT64_MAX), (UINT64_C(1) << 40)
                 | AOVS_OWNER_ID_MASK);
}

Test(aovs_flow, antrea_pipeline_syntax_parses)
{
    static const char *const flows[] = {
        "table=0,priority=200,in_port=32769,"
            "actions=load:0x1->NXM_NX_REG0[0..15],goto_table:10",
        "table=10,priority=200,ip,in_port=3,dl_src=aa:bb:cc:dd:ee:ff,"
            "nw_src=10.10.0.5,actions=goto_table:29",
        "table=20,priority=100,arp,arp_tpa=10.10.1.1,arp_op=1,"
            "actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
            "set_field:aa:bb:cc:dd:ee:01->eth_src,load:0x2->NXM_OF_ARP_OP[],"
            "IN_PORT",
        "table=30,priority=200,ip,actions=ct(table=31,zone=65520,nat)",
        "table=31,priority=190,ct_state=+inv+trk,ip,actions=drop",
        "table=50,priority=200,ip,nw_src=10.10.0.5,actions=conjunction(1,"
            "1/2),conjunction(2,1/3)",
        "table=50,priority=200,conj_id=1,ip,"
            "actions=load:0x1->NXM_NX_REG5[],goto_table:70",
        "table=70,priority=200,ip,reg0=0x10000/0x10000,nw_dst=10.10.1.0/24,"
            "actions=set_field:10.0.0.2->tun_dst,resubmit(,80)",
        "table=105,priority=190,ct_state=+new+trk,ip,actions=ct(commit,"
            "table=110,zone=65520,exec(load:0x1->NXM_NX_CT_MARK[0..1]))",
        "table=110,priority=0,actions=drop",
    };
    struct aovs_flow_table *table = aovs_flow_table_create();

    for (size_t i = 0; i < sizeof flows / sizeof flows[0]; i++) {
        put_ok(table, aovs_owner(1, i), flows[i]);
        char *error = NULL;
        cr_assert_eq(aovs_flow_check(flows[i], &error), 0, "%s", error);
    }
    cr_assert_eq(aovs_flow_table_count(table), 10);
    aovs_flow_table_destroy(table);
}

Test(aovs_flow, same_key_replaces_and_other_owner_conflicts)
{
    struct aovs_flow_table *table = aovs_flow_table_create();
    uint64_t pod = aovs_owner(4, 17);

    put_ok(table, pod, "table=0,priority=100,in_port=2,actions=goto_table:10");
    /* Same table, priority and match: new actions replace the old. */
    put_ok(table, pod, "table=0,priority=100,in_port=2,actions=drop");
    cr_assert_eq(aovs_flow_table_count(table), 1);
    char *text = aovs_flow_table_to_string(table);
    cr_assert(strstr(text, "in_port=2,actions=drop"), "%s", text);
    cr_assert_null(strstr(text, "goto_table"), "%s", text);
    free(text);

    /* Another priority or table is another flow. */
    put_ok(table, pod, "table=0,priority=101,in_port=2,actions=drop");
    put_ok(table, pod, "table=1,priority=100,in_port=2,actions=drop");
    cr_assert_eq(aovs_flow_table_count(table), 3);

    /* Another owner may not take a flow over. */
    char *error = NULL;
    cr_assert_eq(aovs_flow_table_put(table, aovs_owner(4, 18),
                                     "table=0,priority=100,in_port=2,"
                                     "actions=drop", &error), EEXIST);
    cr_assert(strstr(error, "another owner"), "%s", error);
    free(error);
    cr_assert_eq(aovs_flow_table_count_owner(table, pod), 3);
    aovs_flow_table_destroy(table);
}

Test(aovs_flow, remove_by_owner_and_by_key)
{
    struct aovs_flow_table *table = aovs_flow_table_create();
    uint64_t a = aovs_owner(4, 1);
    uint64_t b = aovs_owner(4, 2);

    for (int i = 0; i < 50; i++) {
        char flow[128];
        snprintf(flow, sizeof flow,
                 "table=%d,priority=100,ip,nw_dst=10.0.0.%d,actions=drop",
                 i % 3, i);
        put_ok(table, i % 2 ? a : b, flow);
    }
    cr_assert_eq(aovs_flow_table_count(table), 50);
    cr_assert_eq(aovs_flow_table_count_owner(table, a), 25);

    cr_assert_eq(aovs_flow_table_remove_owner(table, a), 25);
    cr_assert_eq(aovs_flow_table_remove_owner(table, a), 0);
    cr_assert_eq(aovs_flow_table_count(table), 25);

    /* By key, with or without the actions. */
    char *error = NULL;
    cr_assert_eq(aovs_flow_table_remove(table,
                                        "table=0,priority=100,ip,"
                                        "nw_dst=10.0.0.0", &error), 0,
                 "%s", error);
    cr_assert_eq(aovs_flow_table_remove(table,
                                        "table=2,priority=100,ip,"
                                        "nw_dst=10.0.0.2,actions=output:9",
                                        &error), 0, "%s", error);
    cr_assert_eq(aovs_flow_table_count(table), 23);
    cr_assert_eq(aovs_flow_table_remove(table,
                                        "table=2,priority=100,ip,"
                                        "nw_dst=10.0.0.2", &error), ENOENT);
    cr_assert(strstr(error, "no such flow"), "%s", error);
    free(error);

    aovs_flow_table_clear(table);
    cr_assert_eq(aovs_flow_table_count(table), 0);
    cr_assert_eq(aovs_flow_table_count_owner(table, b), 0);
    aovs_flow_table_destroy(table);
}

Test(aovs_flow, bad_flows_are_refused_with_clear_messages)
{
    struct aovs_flow_table *table = aovs_flow_table_create();

    put_fails(table, "table=0,priority=100,in_port=2", EINVAL,
              "must specify an action");
    put_fails(table, "table=0,priority=100,nosuchfield=1,actions=drop",
              EINVAL, "nosuchfield");
    put_fails(table, "table=0,priority=100,ip,actions=nosuchaction:1",
              EINVAL, "nosuchaction");
    put_fails(table, "table=0,priority=100,ip,nw_dst=10.0.0.x,"
              "actions=drop", EINVAL, "10.0.0.x");
    put_fails(table, "table=0,priority=70000,actions=drop", EINVAL,
              "priority");
    put_fails(table, "table=3,priority=1,actions=goto_table:2", EINVAL,
              "actions are invalid");
    put_fails(table, "cookie=0x5,table=0,actions=drop", EINVAL,
              "cookie");
    put_fails(table, "table=0,idle_timeout=10,actions=drop", EINVAL,
              "timeout");
    put_fails(table, "table=0,send_flow_rem,actions=drop", EINVAL,
              "flags");
    put_fails(table, "", EINVAL, "must specify an action");
    aovs_flow_table_destroy(table);
}

Test(aovs_flow, to_string_round_trips)
{
    struct aovs_flow_table *table = aovs_flow_table_create();
    put_ok(table, aovs_owner(2, 5),
           "table=20,priority=300,ip,nw_dst=10.1.2.0/24,"
           "actions=set_field:10.0.0.2->tun_dst,output:1");
    put_ok(table, aovs_owner(2, 5), "table=0,priority=0,actions=drop");

    char *text = aovs_flow_table_to_string(table);
    cr_assert_str_eq(text,
                     "owner=0x020000000005,table=0,priority=0,actions=drop\n"
                     "owner=0x020000000005,table=20,priority=300,ip,"
                     "nw_dst=10.1.2.0/24,actions=set_field:10.0.0.2->"
                     "tun_dst,output:1\n");

    /* Each line, minus the owner, puts back the same flow. */
    struct aovs_flow_table *copy = aovs_flow_table_create();
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        put_ok(copy, aovs_owner(2, 5), strchr(line, ',') + 1);
    }
    char *copy_text = aovs_flow_table_to_string(copy);
    char *orig_text = aovs_flow_table_to_string(table);
    cr_assert_str_eq(copy_text, orig_text);
    free(copy_text);
    free(orig_text);
    free(text);
    aovs_flow_table_destroy(copy);
    aovs_flow_table_destroy(table);
}
