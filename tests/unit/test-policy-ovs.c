/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The NetworkPolicy reconciler against a real Open vSwitch: a private
 * ovsdb-server and ovs-vswitchd (tests/ovs/ovs-sandbox.h: userspace
 * datapath, own network namespace, stopped by pid), bridge br-int with the
 * gateway at ofport 2 and two Pod ports at 5 and 6.  The reconciler's sink
 * does what the agent's bridge does (bridge.c): a desired flow table,
 * committed with aovs_switch_commit() as one bundle.  The test checks the
 * flows ovs-ofctl dumps from the switch, and what the switch decides for
 * packets with ofproto/trace, through a minimal pipeline around the policy
 * tables (table 0 sets reg1 like L2ForwardingCalc; ConntrackCommit and
 * L3Forwarding output).  Skipped unless root with the OVS daemons.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aovs-flow.h"
#include "aovs-ovsdb.h"
#include "aovs-poll.h"
#include "aovs-switch.h"
#include "event-loop.h"
#include "ovs-sandbox.h"
#include "pipeline.h"
#include "policy-cache.h"
#include "policy-reconciler.h"
#include "policy-test-util.h"
#include "util.h"

/* Bounds every OVSDB and OpenFlow wait. */
#define TIMEOUT_MS 10000

/* The switch, the desired table and what the commits did. */
static struct ovs_sandbox sandbox;
static struct aovs_ovsdb *db;
static struct aovs_switch *sw;
static struct aovs_flow_table *desired;
static uint64_t next_object = 100;
static size_t n_commits;
static struct aovs_commit_stats last_stats;
static struct policy_reconciler *rec;

/* struct policy_sink's new_object, as bridge_new_object(). */
static uint64_t
sw_new_object(void *aux)
{
    (void) aux;
    return next_object++;
}

/* struct policy_sink's remove_flows, as bridge_remove_flows(). */
static void
sw_remove_flows(void *aux, uint64_t id)
{
    (void) aux;
    aovs_flow_table_remove_owner(desired,
                                 aovs_owner(PIPELINE_CATEGORY_POLICY, id));
}

/* struct policy_sink's set_flows, as bridge_set_flows(). */
static int
sw_set_flows(void *aux, uint64_t id, const struct pipeline_flows *flows,
             char **errorp)
{
    sw_remove_flows(aux, id);
    for (size_t i = 0; i < flows->n; i++) {
        char *text = pipeline_flow_to_string(&flows->flows[i]);
        int error = aovs_flow_table_put(desired,
                                        aovs_owner(flows->flows[i].category,
                                                   id), text, errorp);
        free(text);
        if (error) {
            return error;
        }
    }
    *errorp = NULL;
    return 0;
}

/* struct policy_sink's commit, as bridge_commit(). */
static int
sw_commit(void *aux, char **errorp)
{
    (void) aux;
    n_commits++;
    return aovs_switch_commit(sw, desired, &last_stats, errorp);
}

/* Puts one plumbing flow (owner 1, category Default). */
static void
put_plumbing(const char *flow)
{
    char *error = NULL;
    cr_assert_eq(aovs_flow_table_put(desired, aovs_owner(0, 1), flow,
                                     &error), 0, "%s: %s", flow, error);
}

/* Starts the switch and the reconciler; skips unless root. */
static void
setup(void)
{
    if (!ovs_sandbox_can_run()) {
        cr_skip_test("needs root and the Open vSwitch daemons");
    }
    char *error = NULL;
    cr_assert_eq(ovs_sandbox_start(&sandbox, true, &error), 0, "sandbox: %s",
                 error);
    cr_assert_eq(aovs_ovsdb_open(sandbox.db_remote, TIMEOUT_MS, &db,
                                 &error), 0, "%s", error);
    struct aovs_bridge_settings br = {
        .name = "br-int", .datapath_type = "netdev", .fail_mode = "secure",
    };
    cr_assert_eq(aovs_bridge_ensure(db, &br, &error), 0, "%s", error);
    static const struct { const char *name; int ofport; } ports[] = {
        { "antrea-gw0", PT_GW_OFPORT }, { "pod-a", 5 }, { "pod-b", 6 },
    };
    for (size_t i = 0; i < 3; i++) {
        struct aovs_port_settings port = {
            .name = ports[i].name, .type = "internal",
            .ofport_request = ports[i].ofport,
        };
        cr_assert_eq(aovs_port_add(db, "br-int", &port, &error), 0, "%s",
                     error);
    }
    cr_assert_eq(aovs_ovsdb_wait_applied(db, &error), 0, "%s", error);

    char *target = ovs_sandbox_target(&sandbox, "br-int");
    /* The datapath purge writes to ovs-vswitchd's control socket: a
     * killed daemon must give EPIPE, not end this process. */
    signal(SIGPIPE, SIG_IGN);
    sw = aovs_switch_create(target, 1, TIMEOUT_MS);
    free(target);
    cr_assert_eq(aovs_switch_wait_ready(sw, &error), 0, "%s", error);
    desired = aovs_flow_table_create();

    /* Around the policy tables: table 0 finds the output port of the
     * Pods (as L2ForwardingCalc does) and sends traffic from a Pod port
     * to EgressRule; the tables between pass; L3Forwarding (70) outputs
     * to the gateway; ConntrackCommit (105) outputs to reg1. */
    put_plumbing("table=0,priority=200,ip,in_port=5,"
                 "actions=load:0x2->NXM_NX_REG1[],goto_table:50");
    put_plumbing("table=0,priority=100,ip,nw_dst=10.10.0.5,"
                 "actions=load:0x5->NXM_NX_REG1[],goto_table:90");
    put_plumbing("table=0,priority=100,ip,nw_dst=10.10.0.6,"
                 "actions=load:0x6->NXM_NX_REG1[],goto_table:90");
    put_plumbing("table=0,priority=0,actions=drop");
    put_plumbing("table=50,priority=0,actions=goto_table:60");
    put_plumbing("table=60,priority=0,actions=goto_table:70");
    put_plumbing("table=70,priority=0,actions=output:NXM_NX_REG1[]");
    put_plumbing("table=90,priority=0,actions=goto_table:100");
    put_plumbing("table=100,priority=0,actions=goto_table:105");
    put_plumbing("table=105,priority=0,actions=output:NXM_NX_REG1[]");

    struct pipeline_node_config cfg;
    pt_node_config(&cfg);
    struct policy_sink sink = {
        sw_new_object, sw_set_flows, sw_remove_flows, sw_commit, NULL,
    };
    rec = policy_reconciler_create(&sink, &cfg, &error);
    cr_assert_not_null(rec, "%s", error);
    struct antrea_ip a = pt_ip("10.10.0.5"), b = pt_ip("10.10.0.6");
    policy_reconciler_pod_added(rec, "x", "a", 5, &a);
    policy_reconciler_pod_added(rec, "x", "b", 6, &b);
    cr_assert_eq(policy_reconciler_sync(rec, &error), 0, "%s", error);
}

/* Stops everything started. */
static void
teardown(void)
{
    policy_reconciler_destroy(rec);
    aovs_switch_destroy(sw);
    aovs_flow_table_destroy(desired);
    aovs_ovsdb_close(db);
    ovs_sandbox_stop(&sandbox);
}

TestSuite(policy_ovs, .init = setup, .fini = teardown, .timeout = 120);

/* Syncs, expecting success and exactly one commit. */
static void
sync_once(void)
{
    size_t before = n_commits;
    char *error = NULL;
    cr_assert_eq(policy_reconciler_sync(rec, &error), 0, "%s", error);
    cr_assert_eq(n_commits, before + 1, "one bundle per sync");
}

/* Returns ovs-ofctl's dump of 'table' on br-int (its own connection), as
 * "priority=P,MATCH actions=A" lines sorted.  Caller frees. */
static char *
ofctl_table(int table)
{
    char *command = xasprintf("ovs-ofctl -O OpenFlow15 --no-stats "
                              "dump-flows unix:%s/br-int.mgmt table=%d "
                              "| sed -e 's/^ *//' -e 's/cookie=[^ ]* //' "
                              "-e 's/table=[0-9]*, //' | sort",
                              sandbox.dir, table);
    char *output;
    int retval = ovs_sandbox_capture(command, &output);
    cr_assert_eq(retval, 0, "%s: %s", command, output);
    free(command);
    return output;
}

/* Returns the output of ofproto/trace for 'flow'.  Caller frees. */
static char *
trace(const char *flow)
{
    char *command = xasprintf("ovs-appctl -t %s/ovs-vswitchd.ctl "
                              "ofproto/trace br-int '%s'", sandbox.dir,
                              flow);
    char *output;
    int retval = ovs_sandbox_capture(command, &output);
    cr_assert_eq(retval, 0, "%s: %s", command, output);
    free(command);
    return output;
}

/* Asserts that 'flow' goes out of OpenFlow port 'ofport', or with 0 that
 * it is dropped.  The plumbing outputs only through reg1, which the trace
 * shows as "-> output port is N". */
static void
expect_verdict(const char *flow, int ofport)
{
    char *text = trace(flow);
    static const char marker[] = "-> output port is ";
    const char *last = NULL;
    for (const char *p = text; (p = strstr(p, marker)) != NULL; p++) {
        last = p;
    }
    int port = last ? atoi(last + strlen(marker)) : 0;
    cr_expect_eq(port, ofport, "%s: output %d, expected %d:\n%s", flow,
                 port, ofport, text);
    if (!ofport) {
        cr_expect(strstr(text, "Datapath actions: drop"), "%s", text);
    }
    free(text);
}

/* The TCP packet from 'src' to 'dst' port 'port', entering from the
 * gateway. */
static char *
tcp(const char *src, const char *dst, int port)
{
    return xasprintf("in_port=2,tcp,nw_src=%s,nw_dst=%s,tp_dst=%d", src,
                     dst, port);
}

Test(policy_ovs, flows_on_the_switch_and_their_verdicts)
{
    char *error = NULL;
    struct policy_cache *cache = policy_reconciler_cache(rec);
    AntreaCp__AppliedToGroup *atg = pt_applied_to_group(
        "atg-a", pt_pod_member("x", "a", NULL, NULL), NULL);
    AntreaCp__AddressGroup *ag = pt_address_group(
        "ag", pt_ip_member("10.10.1.7"), pt_ip_member("10.10.1.8"), NULL);
    AntreaCp__NetworkPolicy *np = pt_policy(
        "np1", "atg-a", pt_rule("in", "ag", NULL, "tcp:80"),
        pt_rule("in", NULL, "10.0.0.0/8!10.1.0.0/16", "tcp:443"),
        pt_rule("out", NULL, "192.168.0.0/16", "udp:53"), NULL);
    cr_assert_eq(policy_cache_put_applied_to_group(cache, atg, &error), 0);
    cr_assert_eq(policy_cache_put_address_group(cache, ag, &error), 0);
    cr_assert_eq(policy_cache_put_policy(cache, np, &error), 0);
    pt_free(atg);
    pt_free(ag);
    pt_free(np);
    sync_once();

    /* What the switch has, as ovs-ofctl prints it. */
    char *t100 = ofctl_table(100);
    cr_expect_str_eq(t100, "priority=0 actions=goto_table:105\n"
                     "priority=200,ip,reg1=0x5 actions=drop\n");
    char *t90 = ofctl_table(90);
    cr_expect(strstr(t90, "priority=200,ip,nw_src=10.10.1.7 "
                     "actions=conjunction(1,1/3)\n"), "%s", t90);
    cr_expect(strstr(t90, "priority=200,ip,reg1=0x5 "
                     "actions=conjunction(1,2/3),conjunction(2,2/3)\n"),
              "%s", t90);
    cr_expect(strstr(t90, "priority=200,ip,nw_src=10.128.0.0/9 "
                     "actions=conjunction(2,1/3)\n"), "%s", t90);
    cr_expect(strstr(t90, "priority=190,conj_id=1,ip "
                     "actions=goto_table:105\n"), "%s", t90);
    cr_expect(strstr(t90, "priority=210,ct_state=-new+est,ip "
                     "actions=goto_table:105\n"), "%s", t90);
    /* 2 + 8 sources, 1 destination, 2 services, 2 action flows, 2 static
     * flows and the table-miss. */
    size_t n = 0;
    for (const char *p = t90; (p = strchr(p, '\n')); p++) {
        n++;
    }
    cr_expect_eq(n, 18, "%s", t90);
    free(t90);
    free(t100);
    char *t60 = ofctl_table(60);
    cr_expect(strstr(t60, "priority=200,ip,nw_src=10.10.0.5 actions=drop"),
              "%s", t60);
    free(t60);

    /* What the switch does. */
    char *f;
    expect_verdict(f = tcp("10.10.1.7", "10.10.0.5", 80), 5);
    free(f);
    expect_verdict(f = tcp("10.10.1.9", "10.10.0.5", 80), 0);
    free(f);
    expect_verdict(f = tcp("10.10.1.7", "10.10.0.5", 81), 0);
    free(f);
    expect_verdict(f = tcp("10.2.3.4", "10.10.0.5", 443), 5);
    free(f);
    expect_verdict(f = tcp("10.1.2.3", "10.10.0.5", 443), 0);
    free(f);
    /* The gateway's own address (kubelet probes) always gets in. */
    expect_verdict(f = tcp(PT_GW_IP, "10.10.0.5", 9999), 5);
    free(f);
    /* Pod b is not isolated. */
    expect_verdict(f = tcp("10.10.1.9", "10.10.0.6", 22), 6);
    free(f);
    /* Egress of Pod a: DNS to 192.168/16 only. */
    expect_verdict("in_port=5,udp,nw_src=10.10.0.5,nw_dst=192.168.1.1,"
                   "udp_dst=53", 2);
    expect_verdict("in_port=5,udp,nw_src=10.10.0.5,nw_dst=8.8.8.8,"
                   "udp_dst=53", 0);
}

Test(policy_ovs, incomplete_conjunction_falls_through_to_direct_allow)
{
    /* Pod b: one policy allows TCP/80 from 10.10.1.7 (conjunction: the
     * clause flow "ip,reg1=6" at 200), another allows everything (the
     * direct flow "ip,reg1=6" at 190).  A packet that matches the clause
     * but not the conjunction must still reach the direct flow. */
    char *error = NULL;
    struct policy_cache *cache = policy_reconciler_cache(rec);
    AntreaCp__AppliedToGroup *atg = pt_applied_to_group(
        "atg-b", pt_pod_member("x", "b", NULL, NULL), NULL);
    AntreaCp__AddressGroup *ag = pt_address_group(
        "ag", pt_ip_member("10.10.1.7"), NULL);
    AntreaCp__NetworkPolicy *web = pt_policy(
        "web", "atg-b", pt_rule("in", "ag", NULL, "tcp:80"), NULL);
    AntreaCp__NetworkPolicy *all = pt_policy(
        "all", "atg-b", pt_rule("in", NULL, NULL, NULL), NULL);
    cr_assert_eq(policy_cache_put_applied_to_group(cache, atg, &error), 0);
    cr_assert_eq(policy_cache_put_address_group(cache, ag, &error), 0);
    cr_assert_eq(policy_cache_put_policy(cache, web, &error), 0);
    sync_once();
    char *f;
    expect_verdict(f = tcp("10.9.9.9", "10.10.0.6", 22), 0);
    free(f);

    cr_assert_eq(policy_cache_put_policy(cache, all, &error), 0);
    sync_once();
    cr_expect_eq(last_stats.n_added, 1, "only the direct flow is new");
    expect_verdict(f = tcp("10.9.9.9", "10.10.0.6", 22), 6);
    free(f);
    expect_verdict(f = tcp("10.10.1.7", "10.10.0.6", 80), 6);
    free(f);

    /* "all" goes: Pod b is isolated again except for the web rule; the
     * shared drop and clause flows stay, one flow is deleted. */
    policy_cache_delete_policy(cache, "all");
    sync_once();
    cr_expect_eq(last_stats.n_deleted, 1);
    cr_expect_eq(last_stats.n_added + last_stats.n_modified, 0);
    expect_verdict(f = tcp("10.9.9.9", "10.10.0.6", 22), 0);
    free(f);
    pt_free(atg);
    pt_free(ag);
    pt_free(web);
    pt_free(all);
}
