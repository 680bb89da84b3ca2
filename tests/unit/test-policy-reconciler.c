/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the NetworkPolicy reconciler (policy-reconciler.h): the
 * control-plane objects are built in C (no decoding), fed to the cache,
 * and the exact flows the reconciler hands to a recording sink are
 * compared with the expected ones.  The sink keeps them in a real desired
 * flow table, so each flow goes through OVS's parser and no two objects
 * can hold the same key; the sink's call counters show what each change
 * sent and that each sync is one commit.
 *
 * The Node has two local Pods: x/a (ofport 5, 10.10.0.5) and x/b (ofport
 * 6, 10.10.0.6).
 */

#include <config.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "policy-cache.h"
#include "policy-reconciler.h"
#include "policy-test-util.h"
#include "util.h"

/* The reconciler under test and its sink. */
static struct pt_sink sink;
static struct policy_reconciler *rec;
static struct policy_cache *cache;

/* Creates the reconciler with the two local Pods and syncs once. */
static void
setup(void)
{
    struct pipeline_node_config cfg;
    pt_node_config(&cfg);
    struct policy_sink ps = pt_sink_init(&sink);
    char *error = NULL;
    rec = policy_reconciler_create(&ps, &cfg, &error);
    cr_assert_not_null(rec, "%s", error);
    cache = policy_reconciler_cache(rec);
    struct antrea_ip a = pt_ip("10.10.0.5"), b = pt_ip("10.10.0.6");
    policy_reconciler_pod_added(rec, "x", "a", 5, &a);
    policy_reconciler_pod_added(rec, "x", "b", 6, &b);
    cr_assert_eq(policy_reconciler_sync(rec, &error), 0, "%s", error);
    cr_assert_eq(sink.n_commits, 1, "the static flows are committed");
    pt_sink_reset_counts(&sink);
}

/* Frees the reconciler and the sink. */
static void
teardown(void)
{
    policy_reconciler_destroy(rec);
    pt_sink_destroy(&sink);
}

TestSuite(policy_reconciler, .init = setup, .fini = teardown);

/* Puts a policy into the cache (and frees it). */
static void
put_policy(AntreaCp__NetworkPolicy *np)
{
    char *error = NULL;
    cr_assert_eq(policy_cache_put_policy(cache, np, &error), 0, "%s",
                 error);
    pt_free(np);
}

/* Puts an AddressGroup (and frees it). */
static void
put_ag(AntreaCp__AddressGroup *g)
{
    char *error = NULL;
    cr_assert_eq(policy_cache_put_address_group(cache, g, &error), 0, "%s",
                 error);
    pt_free(g);
}

/* Puts an AppliedToGroup (and frees it). */
static void
put_atg(AntreaCp__AppliedToGroup *g)
{
    char *error = NULL;
    cr_assert_eq(policy_cache_put_applied_to_group(cache, g, &error), 0,
                 "%s", error);
    pt_free(g);
}

/* Syncs, expecting success and one commit if anything changed, and
 * compares the policy flows with 'expected' (from pt_lines(); freed). */
static void
sync_and_expect(char *expected)
{
    pt_sink_reset_counts(&sink);
    char *error = NULL;
    cr_assert_eq(policy_reconciler_sync(rec, &error), 0, "%s", error);
    size_t n_changes = sink.n_sets + sink.n_removes;
    cr_expect_eq(sink.n_commits, n_changes ? 1u : 0u,
                 "one bundle per sync with changes, none without (%zu "
                 "commits for %zu changes)", sink.n_commits, n_changes);
    char *got = pt_sink_dump(&sink);
    cr_assert_str_eq(got, expected, "got:\n%s\nexpected:\n%s", got,
                     expected);
    free(got);
    free(expected);

    /* What the reconciler believes is what the sink has. */
    char *dump = policy_reconciler_dump_flows(rec);
    char *copy = xstrdup(dump);
    size_t n_lines = 0;
    for (char *p = copy; (p = strchr(p, '\n')) != NULL; p++) {
        n_lines++;
    }
    struct policy_reconciler_stats stats;
    policy_reconciler_get_stats(rec, &stats);
    cr_expect_eq(n_lines, stats.n_flows + 3);
    free(copy);
    free(dump);
}

Test(policy_reconciler, static_flows_are_installed_once)
{
    char *dump = policy_reconciler_dump_flows(rec);
    char *expected = pt_lines(
        "table=50,priority=210,ct_state=-new+est,ip actions=goto_table:70",
        "table=90,priority=210,ct_state=-new+est,ip actions=goto_table:105",
        "table=90,priority=210,ip,nw_src=10.10.0.1 actions=goto_table:105",
        NULL);
    cr_expect_str_eq(dump, expected);
    free(expected);
    free(dump);
    char *error = NULL;
    cr_assert_eq(policy_reconciler_sync(rec, &error), 0);
    cr_expect_eq(sink.n_commits + sink.n_sets + sink.n_removes, 0,
                 "nothing to do, nothing sent");
    cr_expect(!policy_reconciler_needs_sync(rec));
}

Test(policy_reconciler, ingress_from_pods)
{
    put_atg(pt_applied_to_group("atg-a", pt_pod_member("x", "a", NULL,
                                                       NULL), NULL));
    put_ag(pt_address_group("ag-b",
                            pt_pod_member("y", "b", "10.10.1.7", NULL),
                            pt_pod_member("y", "c", "10.10.1.8", NULL),
                            NULL));
    put_policy(pt_policy("np1", "atg-a",
                         pt_rule("in", "ag-b", NULL, "tcp:80"), NULL));
    cr_expect(policy_reconciler_needs_sync(rec));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.10.1.8 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(1,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));
}

Test(policy_reconciler, ingress_from_namespace_any_port)
{
    /* A namespaceSelector peer: the AddressGroup holds every Pod of the
     * selected namespaces, including local ones. */
    put_atg(pt_applied_to_group("atg-ab",
                                pt_pod_member("x", "a", NULL, NULL),
                                pt_pod_member("x", "b", NULL, NULL),
                                NULL));
    put_ag(pt_address_group("ns-y",
                            pt_pod_member("y", "p", "10.10.1.7", NULL),
                            pt_pod_member("x", "b", "10.10.0.6", NULL),
                            NULL));
    put_policy(pt_policy("np1", "atg-ab",
                         pt_rule("in", "ns-y", NULL, NULL), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=100,priority=200,ip,reg1=6 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/2)",
        "table=90,priority=200,ip,nw_src=10.10.0.6 "
        "actions=conjunction(1,1/2)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(1,2/2)",
        "table=90,priority=200,ip,reg1=6 actions=conjunction(1,2/2)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));
}

Test(policy_reconciler, ingress_ip_block_with_except)
{
    put_atg(pt_applied_to_group("atg-a", pt_pod_member("x", "a", NULL,
                                                       NULL), NULL));
    put_policy(pt_policy("np1", "atg-a",
                         pt_rule("in", NULL, "10.0.0.0/8!10.1.0.0/16",
                                 "tcp:443"), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.0.0.0/16 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.2.0.0/15 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.4.0.0/14 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.8.0.0/13 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.16.0.0/12 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.32.0.0/11 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.64.0.0/10 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.128.0.0/9 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(1,2/3)",
        "table=90,priority=200,tcp,tp_dst=443 actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));
}

Test(policy_reconciler, egress_to_cidr)
{
    put_atg(pt_applied_to_group("atg-a", pt_pod_member("x", "a", NULL,
                                                       NULL), NULL));
    put_policy(pt_policy("np1", "atg-a",
                         pt_rule("out", NULL, "192.168.0.0/16", "udp:53"),
                         NULL));
    sync_and_expect(pt_lines(
        "table=60,priority=200,ip,nw_src=10.10.0.5 actions=drop",
        "table=50,priority=200,ip,nw_src=10.10.0.5 "
        "actions=conjunction(1,1/3)",
        "table=50,priority=200,ip,nw_dst=192.168.0.0/16 "
        "actions=conjunction(1,2/3)",
        "table=50,priority=200,udp,tp_dst=53 actions=conjunction(1,3/3)",
        "table=50,priority=190,ip,conj_id=1 actions=goto_table:70",
        NULL));
}

Test(policy_reconciler, named_ports_resolved_per_pod)
{
    /* Ingress: the applied-to Pods' own ports.  x/a serves "http" on 80,
     * x/b on 8080: two parts, two conjunctions sharing the source flow. */
    put_atg(pt_applied_to_group("atg-ab",
                                pt_pod_member("x", "a", NULL,
                                              "http:tcp:80"),
                                pt_pod_member("x", "b", NULL,
                                              "http:tcp:8080,dns:udp:53"),
                                NULL));
    put_ag(pt_address_group("ag", pt_ip_member("10.10.1.7"), NULL));
    put_policy(pt_policy("np1", "atg-ab",
                         pt_rule("in", "ag", NULL, "tcp:http"), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=100,priority=200,ip,reg1=6 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3),conjunction(2,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(1,2/3)",
        "table=90,priority=200,ip,reg1=6 actions=conjunction(2,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(1,3/3)",
        "table=90,priority=200,tcp,tp_dst=8080 "
        "actions=conjunction(2,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        "table=90,priority=190,ip,conj_id=2 actions=goto_table:105",
        NULL));

    /* A port name x/a lacks matches nothing for x/a: only x/b's part. */
    put_policy(pt_policy("np1", "atg-ab",
                         pt_rule("in", "ag", NULL, "udp:dns"), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=100,priority=200,ip,reg1=6 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,reg1=6 actions=conjunction(1,2/3)",
        "table=90,priority=200,udp,tp_dst=53 actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));
}

Test(policy_reconciler, egress_named_port_resolved_per_destination)
{
    /* Egress: the destination members' ports. */
    put_atg(pt_applied_to_group("atg-a", pt_pod_member("x", "a", NULL,
                                                       NULL), NULL));
    put_ag(pt_address_group("dst",
                            pt_pod_member("y", "p", "10.10.1.7",
                                          "web:tcp:80"),
                            pt_pod_member("y", "q", "10.10.1.8",
                                          "web:tcp:81"),
                            pt_pod_member("y", "r", "10.10.1.9", NULL),
                            NULL));
    put_policy(pt_policy("np1", "atg-a",
                         pt_rule("out", "dst", NULL, "tcp:web"), NULL));
    sync_and_expect(pt_lines(
        "table=60,priority=200,ip,nw_src=10.10.0.5 actions=drop",
        "table=50,priority=200,ip,nw_src=10.10.0.5 "
        "actions=conjunction(1,1/3),conjunction(2,1/3)",
        "table=50,priority=200,ip,nw_dst=10.10.1.7 "
        "actions=conjunction(1,2/3)",
        "table=50,priority=200,ip,nw_dst=10.10.1.8 "
        "actions=conjunction(2,2/3)",
        "table=50,priority=200,tcp,tp_dst=80 actions=conjunction(1,3/3)",
        "table=50,priority=200,tcp,tp_dst=81 actions=conjunction(2,3/3)",
        "table=50,priority=190,ip,conj_id=1 actions=goto_table:70",
        "table=50,priority=190,ip,conj_id=2 actions=goto_table:70",
        NULL));
}

Test(policy_reconciler, port_range)
{
    put_atg(pt_applied_to_group("atg-a", pt_pod_member("x", "a", NULL,
                                                       NULL), NULL));
    put_ag(pt_address_group("ag", pt_ip_member("10.10.1.7"), NULL));
    put_policy(pt_policy("np1", "atg-a",
                         pt_rule("in", "ag", NULL, "tcp:8080-8090"),
                         NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(1,2/3)",
        "table=90,priority=200,tcp,tp_dst=0x1f90/0xfff8 "
        "actions=conjunction(1,3/3)",
        "table=90,priority=200,tcp,tp_dst=0x1f98/0xfffe "
        "actions=conjunction(1,3/3)",
        "table=90,priority=200,tcp,tp_dst=8090 "
        "actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));
}

Test(policy_reconciler, deny_all_isolates_both_directions)
{
    put_atg(pt_applied_to_group("atg-ab",
                                pt_pod_member("x", "a", NULL, NULL),
                                pt_pod_member("x", "b", NULL, NULL),
                                NULL));
    put_policy(pt_policy("deny", "atg-ab", pt_isolate("in"),
                         pt_isolate("out"), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=100,priority=200,ip,reg1=6 actions=drop",
        "table=60,priority=200,ip,nw_src=10.10.0.5 actions=drop",
        "table=60,priority=200,ip,nw_src=10.10.0.6 actions=drop",
        NULL));
    struct policy_reconciler_stats stats;
    policy_reconciler_get_stats(rec, &stats);
    cr_expect_eq(stats.n_conj_ids, 0);
}

Test(policy_reconciler, allow_all_with_empty_peer)
{
    put_atg(pt_applied_to_group("atg-a", pt_pod_member("x", "a", NULL,
                                                       NULL), NULL));
    put_policy(pt_policy("allow", "atg-a",
                         pt_rule("in", NULL, NULL, NULL),
                         pt_rule("out", NULL, NULL, "udp:53"), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=190,ip,reg1=5 actions=goto_table:105",
        "table=60,priority=200,ip,nw_src=10.10.0.5 actions=drop",
        "table=50,priority=190,udp,nw_src=10.10.0.5,tp_dst=53 "
        "actions=goto_table:70",
        NULL));
    struct policy_reconciler_stats stats;
    policy_reconciler_get_stats(rec, &stats);
    cr_expect_eq(stats.n_conj_ids, 0);
}

Test(policy_reconciler, shared_match_flow_and_its_update)
{
    put_atg(pt_applied_to_group("atg-a", pt_pod_member("x", "a", NULL,
                                                       NULL), NULL));
    put_ag(pt_address_group("ag-1", pt_ip_member("10.10.1.7"),
                            pt_ip_member("10.10.1.8"), NULL));
    put_ag(pt_address_group("ag-2", pt_ip_member("10.10.1.8"), NULL));
    put_policy(pt_policy("np1", "atg-a",
                         pt_rule("in", "ag-1", NULL, "tcp:80"), NULL));
    put_policy(pt_policy("np2", "atg-a",
                         pt_rule("in", "ag-2", NULL, "tcp:80"), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.10.1.8 "
        "actions=conjunction(1,1/3),conjunction(2,1/3)",
        "table=90,priority=200,ip,reg1=5 "
        "actions=conjunction(1,2/3),conjunction(2,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 "
        "actions=conjunction(1,3/3),conjunction(2,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        "table=90,priority=190,ip,conj_id=2 actions=goto_table:105",
        NULL));

    /* np1 goes: the shared flows keep np2's contribution only; the drop
     * (still needed by np2) stays untouched. */
    policy_cache_delete_policy(cache, "np1");
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.8 "
        "actions=conjunction(2,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(2,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(2,3/3)",
        "table=90,priority=190,ip,conj_id=2 actions=goto_table:105",
        NULL));
    cr_expect_eq(sink.n_sets, 3, "3 shared flows modified (%zu)",
                 sink.n_sets);
    cr_expect_eq(sink.n_removes, 2, "2 flows of np1 alone removed (%zu)",
                 sink.n_removes);

    /* The released id is reused by the next rule. */
    put_policy(pt_policy("np3", "atg-a",
                         pt_rule("in", "ag-1", NULL, "udp:53"), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.10.1.8 "
        "actions=conjunction(1,1/3),conjunction(2,1/3)",
        "table=90,priority=200,ip,reg1=5 "
        "actions=conjunction(1,2/3),conjunction(2,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(2,3/3)",
        "table=90,priority=200,udp,tp_dst=53 actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        "table=90,priority=190,ip,conj_id=2 actions=goto_table:105",
        NULL));
}

Test(policy_reconciler, group_patches_change_only_their_flows)
{
    put_atg(pt_applied_to_group("atg-a", pt_pod_member("x", "a", NULL,
                                                       NULL), NULL));
    put_ag(pt_address_group("ag", pt_ip_member("10.10.1.7"),
                            pt_ip_member("10.10.1.8"), NULL));
    put_policy(pt_policy("np1", "atg-a",
                         pt_rule("in", "ag", NULL, "tcp:80"), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.10.1.8 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(1,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));

    AntreaCp__GroupMember *added[] = { pt_ip_member("10.10.1.9"), NULL };
    AntreaCp__GroupMember *removed[] = { pt_ip_member("10.10.1.7"), NULL };
    AntreaCp__AddressGroupPatch *patch
        = pt_address_group_patch("ag", added, removed);
    char *error = NULL;
    cr_assert_eq(policy_cache_patch_address_group(cache, patch, &error), 0,
                 "%s", error);
    pt_free(patch);
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.8 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.10.1.9 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(1,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));
    cr_expect_eq(sink.n_sets, 1, "one flow added (%zu)", sink.n_sets);
    cr_expect_eq(sink.n_removes, 1, "one flow removed (%zu)",
                 sink.n_removes);

    /* AppliedToGroup patch: x/b joins, x/a leaves. */
    AntreaCp__GroupMember *in[] = { pt_pod_member("x", "b", NULL, NULL),
                                    NULL };
    AntreaCp__GroupMember *out[] = { pt_pod_member("x", "a", NULL, NULL),
                                     NULL };
    AntreaCp__AppliedToGroupPatch *apatch
        = pt_applied_to_group_patch("atg-a", in, out);
    cr_assert_eq(policy_cache_patch_applied_to_group(cache, apatch, &error),
                 0, "%s", error);
    pt_free(apatch);
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=6 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.8 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,nw_src=10.10.1.9 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,reg1=6 actions=conjunction(1,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));
    cr_expect_eq(sink.n_sets, 2);
    cr_expect_eq(sink.n_removes, 2);
}

/* Feeds a full set of objects as replace-all of each resource. */
static void
replace_all(bool with_np2)
{
    AntreaCp__WatchEvent *nps[2] = {
        pt_event_policy(ANTREA_CP__EVENT_TYPE__ADDED,
                        pt_policy("np1", "atg-a",
                                  pt_rule("in", "ag", NULL, "tcp:80"),
                                  NULL)),
        pt_event_policy(ANTREA_CP__EVENT_TYPE__ADDED,
                        pt_policy("np2", "atg-a",
                                  pt_rule("out", NULL, "10.20.0.0/16",
                                          NULL), NULL)),
    };
    AntreaCp__WatchEvent *ags[1] = {
        pt_event_address_group(ANTREA_CP__EVENT_TYPE__ADDED,
                               pt_address_group("ag",
                                                pt_ip_member("10.10.1.7"),
                                                NULL)),
    };
    AntreaCp__WatchEvent *atgs[1] = {
        pt_event_applied_to_group(ANTREA_CP__EVENT_TYPE__ADDED,
                                  pt_applied_to_group(
                                      "atg-a",
                                      pt_pod_member("x", "a", NULL, NULL),
                                      NULL)),
    };
    char *error = NULL;
    cr_assert_eq(policy_cache_replace(
                     cache, POLICY_RESOURCE_NETWORK_POLICY,
                     nps,
                     with_np2 ? 2 : 1, &error), 0, "%s", error);
    cr_assert_eq(policy_cache_replace(
                     cache, POLICY_RESOURCE_ADDRESS_GROUP,
                     ags, 1, &error),
                 0, "%s", error);
    cr_assert_eq(policy_cache_replace(
                     cache, POLICY_RESOURCE_APPLIED_TO_GROUP,
                     atgs, 1,
                     &error), 0, "%s", error);
    pt_free(nps[0]);
    pt_free(nps[1]);
    pt_free(ags[0]);
    pt_free(atgs[0]);
}

Test(policy_reconciler, replace_all_keeps_unchanged_flows)
{
    char *full = pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(1,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        "table=60,priority=200,ip,nw_src=10.10.0.5 actions=drop",
        "table=50,priority=200,ip,nw_src=10.10.0.5 "
        "actions=conjunction(2,1/2)",
        "table=50,priority=200,ip,nw_dst=10.20.0.0/16 "
        "actions=conjunction(2,2/2)",
        "table=50,priority=190,ip,conj_id=2 actions=goto_table:70",
        NULL);
    replace_all(true);
    sync_and_expect(xstrdup(full));

    /* The controller restarted: the watches resync with the same
     * objects.  Nothing is sent, not even an empty bundle. */
    replace_all(true);
    pt_sink_reset_counts(&sink);
    char *error = NULL;
    cr_assert_eq(policy_reconciler_sync(rec, &error), 0, "%s", error);
    cr_expect_eq(sink.n_sets, 0);
    cr_expect_eq(sink.n_removes, 0);
    cr_expect_eq(sink.n_commits, 0);
    char *got = pt_sink_dump(&sink);
    cr_expect_str_eq(got, full);
    free(got);
    free(full);

    /* A resync without np2: only np2's flows go, in one bundle. */
    replace_all(false);
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(1,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));
    cr_expect_eq(sink.n_sets, 0);
    cr_expect_eq(sink.n_removes, 4);
}

Test(policy_reconciler, rules_wait_for_groups_and_pods)
{
    /* The policy comes before its groups: nothing yet. */
    put_policy(pt_policy("np1", "atg-c",
                         pt_rule("in", "ag", NULL, NULL), NULL));
    sync_and_expect(pt_lines(NULL));
    put_atg(pt_applied_to_group("atg-c", pt_pod_member("x", "c", NULL,
                                                       NULL), NULL));
    sync_and_expect(pt_lines(NULL));
    put_ag(pt_address_group("ag", pt_ip_member("10.10.1.7"), NULL));
    /* Complete, but x/c is not on the Node yet. */
    sync_and_expect(pt_lines(NULL));

    struct antrea_ip c = pt_ip("10.10.0.7");
    policy_reconciler_pod_added(rec, "x", "c", 7, &c);
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=7 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/2)",
        "table=90,priority=200,ip,reg1=7 actions=conjunction(1,2/2)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));

    /* The group is deleted while the policy still uses it: the rule keeps
     * its flows (no gap while the controller sends the rest). */
    policy_cache_delete_address_group(cache, "ag");
    pt_sink_reset_counts(&sink);
    char *error = NULL;
    cr_assert_eq(policy_reconciler_sync(rec, &error), 0, "%s", error);
    cr_expect_eq(sink.n_sets + sink.n_removes, 0);

    /* The Pod goes: its flows go. */
    put_ag(pt_address_group("ag", pt_ip_member("10.10.1.7"), NULL));
    policy_reconciler_pod_removed(rec, "x", "c");
    sync_and_expect(pt_lines(NULL));
    struct policy_reconciler_stats stats;
    policy_reconciler_get_stats(rec, &stats);
    cr_expect_eq(stats.n_conj_ids, 0, "the id is released");
}

Test(policy_reconciler, policy_update_keeps_unchanged_rules)
{
    put_atg(pt_applied_to_group("atg-a", pt_pod_member("x", "a", NULL,
                                                       NULL), NULL));
    put_ag(pt_address_group("ag", pt_ip_member("10.10.1.7"), NULL));
    put_policy(pt_policy("np1", "atg-a",
                         pt_rule("in", "ag", NULL, "tcp:80"), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3)",
        "table=90,priority=200,ip,reg1=5 actions=conjunction(1,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(1,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        NULL));

    /* A rule is added in front: the old rule keeps id 1 and its flows. */
    put_policy(pt_policy("np1", "atg-a",
                         pt_rule("in", "ag", NULL, "udp:53"),
                         pt_rule("in", "ag", NULL, "tcp:80"), NULL));
    sync_and_expect(pt_lines(
        "table=100,priority=200,ip,reg1=5 actions=drop",
        "table=90,priority=200,ip,nw_src=10.10.1.7 "
        "actions=conjunction(1,1/3),conjunction(2,1/3)",
        "table=90,priority=200,ip,reg1=5 "
        "actions=conjunction(1,2/3),conjunction(2,2/3)",
        "table=90,priority=200,tcp,tp_dst=80 actions=conjunction(1,3/3)",
        "table=90,priority=200,udp,tp_dst=53 actions=conjunction(2,3/3)",
        "table=90,priority=190,ip,conj_id=1 actions=goto_table:105",
        "table=90,priority=190,ip,conj_id=2 actions=goto_table:105",
        NULL));
    cr_expect_eq(sink.n_removes, 0);
    cr_expect_eq(sink.n_sets, 4, "2 flows modified, 2 added (%zu)",
                 sink.n_sets);
}
