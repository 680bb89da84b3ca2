/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the OpenFlow layer (core/lib/ovs/aovs-switch.h) against a real
 * ovs-vswitchd (userspace datapath) in a sandbox per test: OpenFlow 1.5
 * negotiation, a commit of more than 1000 flows in one bundle checked with
 * the shim's dump and with the real ovs-ofctl, diff commits that send only
 * the changes, a flow the switch refuses failing the whole bundle, stale
 * round cleanup after an agent restart, reinstalling after ovs-vswitchd is
 * killed and restarted, and the asynchronous commit (the caller's loop
 * runs meanwhile; refused flows; synchronous calls waiting for it; the
 * switch dying under it; errors about other messages).  Skipped unless
 * root.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aovs-flow.h"
#include "aovs-ovsdb.h"
#include "aovs-poll.h"
#include "aovs-switch.h"
#include "event-loop.h"         /* time_msec() */
#include "ovs-sandbox.h"
#include "util.h"

/* Bound on every blocking call of the shim, in milliseconds. */
#define TIMEOUT_MS 10000

/* Owner categories used by the tests. */
enum { CAT_NODE = 2, CAT_POD = 4 };

static struct ovs_sandbox sandbox;
static struct aovs_ovsdb *db;
static struct aovs_switch *sw;
static struct aovs_flow_table *desired;

/* Tears down what a test started. */
static void
teardown(void)
{
    aovs_flow_table_destroy(desired);
    desired = NULL;
    aovs_switch_destroy(sw);
    sw = NULL;
    aovs_ovsdb_close(db);
    db = NULL;
    ovs_sandbox_stop(&sandbox);
}

TestSuite(aovs_switch, .fini = teardown, .timeout = 120);

/* Runs 'sw' the way the agent's event loop does (run, wait, block) until
 * aovs_switch_run() reports a (re)connection; fails after 'timeout_ms'. */
static void
run_until_connected(struct aovs_switch *s, int timeout_ms)
{
    long long deadline = time_msec() + timeout_ms;
    for (;;) {
        if (aovs_switch_run(s)) {
            return;
        }
        cr_assert_lt(time_msec(), deadline, "no connection after %d ms",
                     timeout_ms);
        aovs_switch_wait(s);
        aovs_poll(NULL, 0, 100);
    }
}

/* Starts a sandbox with bridge br-int (and its gateway and tunnel ports)
 * and connects 'sw' to it with round 'round'; skips unless root. */
static void
start(uint16_t round)
{
    if (!ovs_sandbox_can_run()) {
        cr_skip_test("needs root and the Open vSwitch daemons");
    }
    /* As in the agent (core/agent/main.c): a write to ovs-vswitchd's
     * control socket after it was killed (the datapath purge) must be an
     * EPIPE, not the end of the process. */
    signal(SIGPIPE, SIG_IGN);
    char *error = NULL;
    cr_assert_eq(ovs_sandbox_start(&sandbox, true, &error), 0,
                 "sandbox: %s", error);
    cr_assert_eq(aovs_ovsdb_open(sandbox.db_remote, TIMEOUT_MS, &db,
                                 &error), 0, "%s", error);
    struct aovs_bridge_settings br = {
        .name = "br-int", .datapath_type = "netdev",
    };
    cr_assert_eq(aovs_bridge_ensure(db, &br, &error), 0, "%s", error);
    struct aovs_port_settings gw = {
        .name = "antrea-gw0", .type = "internal", .ofport_request = 2,
    };
    cr_assert_eq(aovs_port_add(db, "br-int", &gw, &error), 0, "%s", error);
    struct aovs_smap options = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&options, "remote_ip", "flow");
    aovs_smap_add(&options, "key", "flow");
    struct aovs_port_settings tun = {
        .name = "antrea-tun0", .type = "geneve", .options = &options,
        .ofport_request = 1,
    };
    cr_assert_eq(aovs_port_add(db, "br-int", &tun, &error), 0, "%s", error);
    aovs_smap_destroy(&options);
    cr_assert_eq(aovs_ovsdb_wait_applied(db, &error), 0, "%s", error);

    char *target = ovs_sandbox_target(&sandbox, "br-int");
    sw = aovs_switch_create(target, round, TIMEOUT_MS);
    free(target);
    run_until_connected(sw, TIMEOUT_MS);
    cr_assert(aovs_switch_is_ready(sw));
    cr_assert_eq(aovs_switch_get_version(sw), 15);
    cr_assert_eq(aovs_switch_get_round(sw), round);
    desired = aovs_flow_table_create();
}

/* Puts 'flow' into the desired table, failing the test on an error. */
static void
put(uint64_t owner, const char *flow)
{
    char *error = NULL;
    cr_assert_eq(aovs_flow_table_put(desired, owner, flow, &error), 0,
                 "%s", error);
}

/* Returns the text of a flow, numbered 'i', in one of several shapes of
 * Antrea's pipeline.  The caller frees it. */
static char *
make_flow(int i)
{
    int a = (i >> 8) & 0xff, b = i & 0xff;

    switch (i % 6) {
    case 0:
        return xasprintf("table=70,priority=200,ip,nw_dst=10.%d.%d.0/24,"
                         "actions=set_field:192.168.%d.%d->tun_dst,"
                         "load:0x1->NXM_NX_REG0[19],goto_table:80", a, b,
                         a, b);
    case 1:
        return xasprintf("table=10,priority=200,ip,in_port=%d,"
                         "dl_src=aa:bb:cc:00:%02x:%02x,nw_src=10.10.%d.%d,"
                         "actions=goto_table:29", 3 + i, a, b, a, b);
    case 2:
        return xasprintf("table=90,priority=200,tcp,nw_src=10.20.%d.%d,"
                         "tp_dst=%d,actions=conjunction(%d,1/2)", a, b,
                         1000 + (i % 5000), i + 1);
    case 3:
        return xasprintf("table=20,priority=100,arp,arp_tpa=10.30.%d.%d,"
                         "arp_op=1,actions=move:NXM_OF_ETH_SRC[]->"
                         "NXM_OF_ETH_DST[],set_field:aa:bb:cc:dd:%02x:%02x->"
                         "eth_src,load:0x2->NXM_OF_ARP_OP[],IN_PORT", a, b,
                         a, b);
    case 4:
        return xasprintf("table=105,priority=%d,ct_state=+new+trk,ip,"
                         "nw_dst=10.40.%d.%d,actions=ct(commit,table=110,"
                         "zone=65520,exec(load:0x1->NXM_NX_CT_MARK[0..1]))",
                         190 + i % 7, a, b);
    default:
        return xasprintf("table=80,priority=200,dl_dst=aa:bb:cc:11:%02x:%02x,"
                         "actions=load:0x%x->NXM_NX_REG1[],"
                         "load:0x1->NXM_NX_REG0[16],goto_table:90", a, b,
                         3 + i);
    }
}

/* Puts flows 'first' to 'last' (inclusive), flow 'i' owned by Pod 'i'. */
static void
put_range(int first, int last)
{
    for (int i = first; i <= last; i++) {
        char *flow = make_flow(i);
        put(aovs_owner(CAT_POD, i), flow);
        free(flow);
    }
}

/* Commits the desired table, failing the test on an error; stores what
 * was sent in '*stats'. */
static void
commit(struct aovs_commit_stats *stats)
{
    char *error = NULL;
    cr_assert_eq(aovs_switch_commit(sw, desired, stats, &error), 0, "%s",
                 error);
    cr_assert_null(error);
}

/* Dumps the switch's flows through the shim, failing on an error. */
static void
dump(struct aovs_flow_dump *d)
{
    char *error = NULL;
    cr_assert_eq(aovs_switch_dump_flows(sw, d, &error), 0, "%s", error);
}

/* qsort() comparison of two strings. */
static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Returns the flows ovs-ofctl (the real binary, over its own connection)
 * sees on br-int, as sorted lines without leading spaces, and their number
 * in '*n'.  Free with free_lines(). */
static char **
ofctl_dump(size_t *n)
{
    char *command = xasprintf("ovs-ofctl -O OpenFlow15 --no-stats "
                              "dump-flows unix:%s/br-int.mgmt", sandbox.dir);
    char *output;
    int retval = ovs_sandbox_capture(command, &output);
    cr_assert_eq(retval, 0, "%s: %s", command, output);
    free(command);

    char **lines = NULL;
    size_t allocated = 0;
    char *save = NULL;
    *n = 0;
    for (char *line = strtok_r(output, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        line += strspn(line, " ");
        if (*line) {
            if (*n >= allocated) {
                lines = x2nrealloc(lines, &allocated, sizeof *lines);
            }
            lines[(*n)++] = xstrdup(line);
        }
    }
    free(output);
    if (*n) {
        qsort(lines, *n, sizeof *lines, compare_strings);
    }
    return lines;
}

/* Frees 'n' lines from ofctl_dump(). */
static void
free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(lines[i]);
    }
    free(lines);
}

/* Checks that the shim's dump and ovs-ofctl's agree, line for line, and
 * that the switch holds 'expected' flows.  Returns nothing; fails the test
 * otherwise. */
static void
check_dumps_agree(size_t expected)
{
    struct aovs_flow_dump d;
    dump(&d);
    cr_assert_eq(d.n, expected, "the shim dumped %zu flows, expected %zu",
                 d.n, expected);

    size_t n;
    char **lines = ofctl_dump(&n);
    cr_assert_eq(n, expected, "ovs-ofctl dumped %zu flows, expected %zu",
                 n, expected);

    char **mine = xmalloc((d.n ? d.n : 1) * sizeof *mine);
    for (size_t i = 0; i < d.n; i++) {
        mine[i] = d.flows[i].ofctl;
    }
    if (d.n) {
        qsort(mine, d.n, sizeof *mine, compare_strings);
    }
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(mine[i], lines[i], "line %zu differs", i);
    }
    free(mine);
    free_lines(lines, n);
    aovs_flow_dump_destroy(&d);
}

/* Asserts that tables 'a' and 'b' hold the same flows with the same
 * owners, naming the first difference. */
static void
assert_same_tables(const struct aovs_flow_table *a,
                   const struct aovs_flow_table *b)
{
    char *a_text = aovs_flow_table_to_string(a);
    char *b_text = aovs_flow_table_to_string(b);
    char *a_save = NULL, *b_save = NULL;
    char *a_line = strtok_r(a_text, "\n", &a_save);
    char *b_line = strtok_r(b_text, "\n", &b_save);
    for (int i = 0; a_line || b_line; i++) {
        cr_assert(a_line && b_line && !strcmp(a_line, b_line),
                  "line %d differs:\n  %s\n  %s", i,
                  a_line ? a_line : "(none)", b_line ? b_line : "(none)");
        a_line = strtok_r(NULL, "\n", &a_save);
        b_line = strtok_r(NULL, "\n", &b_save);
    }
    free(a_text);
    free(b_text);
}

/* Runs 'sw' as the agent's loop does until the asynchronous commit is
 * over; returns its outcome (message in '*errorp') and counts the loop's
 * passes in '*passes'.  Fails after 'timeout_ms'. */
static int
run_until_committed(struct aovs_commit_stats *stats, char **errorp,
                    int *passes, int timeout_ms)
{
    long long deadline = time_msec() + timeout_ms;
    for (*passes = 0; ; (*passes)++) {
        aovs_switch_run(sw);
        int retval = aovs_switch_commit_poll(sw, stats, errorp);
        if (retval != EINPROGRESS) {
            cr_assert_not(aovs_switch_commit_pending(sw));
            return retval;
        }
        cr_assert_null(*errorp);
        cr_assert(aovs_switch_commit_pending(sw));
        cr_assert_lt(time_msec(), deadline, "commit not over after %d ms",
                     timeout_ms);
        aovs_switch_wait(sw);
        aovs_poll(NULL, 0, 100);
    }
}

Test(aovs_switch, commit_1200_flows_in_one_bundle)
{
    start(1);
    cr_assert_eq(aovs_switch_count_installed(sw), 0);

    put_range(0, 1199);
    cr_assert_eq(aovs_flow_table_count(desired), 1200);
    struct aovs_commit_stats stats;
    commit(&stats);
    cr_assert_eq(stats.n_added, 1200);
    cr_assert_eq(stats.n_modified, 0);
    cr_assert_eq(stats.n_deleted, 0);
    /* Open, 1200 adds, barrier, commit. */
    cr_assert_eq(stats.n_messages, 1203);
    cr_assert_eq(aovs_switch_count_installed(sw), 1200);

    check_dumps_agree(1200);

    /* Every flow is there, with its owner and the round in its cookie. */
    struct aovs_flow_dump d;
    dump(&d);
    struct aovs_flow_table *back = aovs_flow_table_create();
    for (size_t i = 0; i < d.n; i++) {
        cr_assert_eq(aovs_cookie_round(d.flows[i].cookie), 1);
        cr_assert_eq(aovs_cookie_category(d.flows[i].cookie), CAT_POD);
        char *error = NULL;
        cr_assert_eq(aovs_flow_table_put(back,
                                         aovs_cookie_owner(d.flows[i].cookie),
                                         d.flows[i].flow, &error), 0,
                     "%s", error);
    }
    assert_same_tables(back, desired);
    aovs_flow_table_destroy(back);
    aovs_flow_dump_destroy(&d);

    /* Committing the same table again sends nothing at all. */
    commit(&stats);
    cr_assert_eq(stats.n_messages, 0);
    cr_assert_eq(stats.n_added + stats.n_modified + stats.n_deleted, 0);
}

Test(aovs_switch, diff_commit_sends_only_changes)
{
    start(1);
    put_range(0, 99);
    struct aovs_commit_stats stats;
    commit(&stats);
    cr_assert_eq(stats.n_added, 100);

    /* One new flow, one with new actions, one gone, one with a new owner
     * (a new cookie), and all of one owner's flows gone. */
    put(aovs_owner(CAT_NODE, 1),
        "table=70,priority=200,ip,nw_dst=10.99.0.0/16,"
        "actions=set_field:192.168.99.1->tun_dst,goto_table:80");
    char *flow = make_flow(7);
    char *actions = strstr(flow, "actions=");
    cr_assert_not_null(actions);
    char *changed = xasprintf("%.*sactions=output:2", (int) (actions - flow),
                              flow);
    put(aovs_owner(CAT_POD, 7), changed);
    free(flow);
    free(changed);
    flow = make_flow(8);
    char *error = NULL;
    cr_assert_eq(aovs_flow_table_remove(desired, flow, &error), 0, "%s",
                 error);
    free(flow);
    flow = make_flow(9);
    aovs_flow_table_remove_owner(desired, aovs_owner(CAT_POD, 9));
    put(aovs_owner(CAT_NODE, 9), flow);
    free(flow);
    cr_assert_eq(aovs_flow_table_remove_owner(desired,
                                              aovs_owner(CAT_POD, 10)), 1);

    commit(&stats);
    cr_assert_eq(stats.n_added, 1);
    cr_assert_eq(stats.n_modified, 2);
    cr_assert_eq(stats.n_deleted, 2);
    cr_assert_eq(stats.n_messages, 5 + 3);
    cr_assert_eq(aovs_switch_count_installed(sw), 99);

    check_dumps_agree(99);
    struct aovs_flow_dump d;
    dump(&d);
    bool found_new = false, found_changed = false, found_moved = false;
    for (size_t i = 0; i < d.n; i++) {
        const struct aovs_flow_stats *fs = &d.flows[i];
        if (strstr(fs->flow, "nw_dst=10.99.0.0/16")) {
            found_new = true;
            cr_assert_eq(fs->cookie, aovs_cookie(1, aovs_owner(CAT_NODE,
                                                               1)));
        }
        if (strstr(fs->flow, "output:2")) {
            found_changed = true;
            cr_assert_eq(fs->cookie, aovs_cookie(1, aovs_owner(CAT_POD, 7)));
        }
        if (fs->cookie == aovs_cookie(1, aovs_owner(CAT_NODE, 9))) {
            found_moved = true;
        }
        cr_assert_neq(fs->cookie, aovs_cookie(1, aovs_owner(CAT_POD, 8)));
        cr_assert_neq(fs->cookie, aovs_cookie(1, aovs_owner(CAT_POD, 10)));
    }
    cr_assert(found_new && found_changed && found_moved);
    aovs_flow_dump_destroy(&d);
}

Test(aovs_switch, refused_flow_fails_the_whole_bundle)
{
    start(1);
    put_range(0, 49);
    struct aovs_commit_stats stats;
    commit(&stats);

    /* Parses, but the switch refuses it: there is no group 42. */
    const char *bad = "table=0,priority=5,ip,actions=group:42";
    put_range(50, 549);
    put(aovs_owner(CAT_NODE, 42), bad);
    char *error = NULL;
    int retval = aovs_switch_commit(sw, desired, &stats, &error);
    cr_assert_eq(retval, EINVAL, "commit returned %d: %s", retval, error);
    cr_assert(strstr(error, "group:42"), "%s", error);
    cr_assert(strstr(error, "OFPBAC_BAD_OUT_GROUP"), "%s", error);
    cr_assert_eq(stats.n_messages, 0);
    free(error);

    /* Nothing of the bundle reached the switch. */
    cr_assert_eq(aovs_switch_count_installed(sw), 50);
    check_dumps_agree(50);

    /* Without it, the rest goes in. */
    cr_assert_eq(aovs_flow_table_remove(desired, bad, &error), 0, "%s",
                 error);
    commit(&stats);
    cr_assert_eq(stats.n_added, 500);
    check_dumps_agree(550);

    /* A flow only the switch can judge, at commit time: table 254 is
     * reserved. */
    put(aovs_owner(CAT_NODE, 254), "table=254,priority=1,actions=drop");
    retval = aovs_switch_commit(sw, desired, &stats, &error);
    cr_assert_eq(retval, EINVAL, "%s", error);
    cr_assert(strstr(error, "table=254"), "%s", error);
    free(error);
    check_dumps_agree(550);
}

Test(aovs_switch, stale_rounds_are_deleted_after_restart)
{
    start(1);
    put_range(0, 99);
    struct aovs_commit_stats stats;
    commit(&stats);

    /* The agent restarts with round 2: a new connection reads the 100
     * flows of round 1 back into its mirror. */
    aovs_switch_destroy(sw);
    char *target = ovs_sandbox_target(&sandbox, "br-int");
    sw = aovs_switch_create(target, 2, TIMEOUT_MS);
    free(target);
    run_until_connected(sw, TIMEOUT_MS);
    cr_assert_eq(aovs_switch_count_installed(sw), 100);

    /* It rebuilds 60 of the old flows (the dumped flows match the parsed
     * ones exactly, so they are replaced, not duplicated) plus 10 new. */
    aovs_flow_table_clear(desired);
    put_range(0, 59);
    put_range(100, 109);
    commit(&stats);
    cr_assert_eq(stats.n_modified, 60);
    cr_assert_eq(stats.n_added, 10);
    cr_assert_eq(stats.n_deleted, 0, "flows of round 1 must stay until "
                 "aovs_switch_delete_stale()");
    check_dumps_agree(110);

    struct aovs_flow_dump d;
    dump(&d);
    size_t n_round1 = 0;
    for (size_t i = 0; i < d.n; i++) {
        n_round1 += aovs_cookie_round(d.flows[i].cookie) == 1;
    }
    cr_assert_eq(n_round1, 40);
    aovs_flow_dump_destroy(&d);

    char *error = NULL;
    cr_assert_eq(aovs_switch_delete_stale(sw, &stats, &error), 0, "%s",
                 error);
    cr_assert_eq(stats.n_deleted, 1, "one deletion for round 1");
    cr_assert_eq(stats.n_messages, 4);
    cr_assert_eq(aovs_switch_count_installed(sw), 70);
    check_dumps_agree(70);
    dump(&d);
    for (size_t i = 0; i < d.n; i++) {
        cr_assert_eq(aovs_cookie_round(d.flows[i].cookie), 2);
    }
    aovs_flow_dump_destroy(&d);

    /* Nothing stale is left: nothing is sent. */
    cr_assert_eq(aovs_switch_delete_stale(sw, &stats, &error), 0, "%s",
                 error);
    cr_assert_eq(stats.n_messages, 0);
    commit(&stats);
    cr_assert_eq(stats.n_messages, 0);

    /* A new connection in the same round reads back flows equal, match
     * and actions, to the desired ones: a commit then sends nothing. */
    aovs_switch_destroy(sw);
    target = ovs_sandbox_target(&sandbox, "br-int");
    sw = aovs_switch_create(target, 2, TIMEOUT_MS);
    free(target);
    run_until_connected(sw, TIMEOUT_MS);
    cr_assert_eq(aovs_switch_count_installed(sw), 70);
    commit(&stats);
    cr_assert_eq(stats.n_messages, 0, "%zu added, %zu modified, %zu deleted",
                 stats.n_added, stats.n_modified, stats.n_deleted);
}

Test(aovs_switch, reinstalls_after_vswitchd_restart)
{
    start(1);
    put_range(0, 299);
    struct aovs_commit_stats stats;
    commit(&stats);
    check_dumps_agree(300);
    unsigned int seqno = aovs_switch_get_connection_seqno(sw);

    /* ovs-vswitchd crashes and comes back with no flows. */
    ovs_sandbox_stop_vswitchd(&sandbox, SIGKILL);
    char *error = NULL;
    cr_assert_eq(ovs_sandbox_start_vswitchd(&sandbox, &error), 0, "%s",
                 error);

    /* The agent's loop notices: run reports the new connection. */
    run_until_connected(sw, 15000);
    cr_assert_neq(aovs_switch_get_connection_seqno(sw), seqno);
    cr_assert_eq(aovs_switch_count_installed(sw), 0);
    check_dumps_agree(0);

    /* The caller reinstalls its desired table. */
    commit(&stats);
    cr_assert_eq(stats.n_added, 300);
    check_dumps_agree(300);

    /* The ports survived in OVSDB, with their numbers. */
    int ofport;
    cr_assert_eq(aovs_port_wait_ofport(db, "antrea-gw0", &ofport, &error), 0,
                 "%s", error);
    cr_assert_eq(ofport, 2);
}

Test(aovs_switch, no_switch_is_a_bounded_error)
{
    char *target = xasprintf("unix:/tmp/atest-ovs-%ld-none/br.mgmt",
                             (long) getpid());
    struct aovs_switch *lonely = aovs_switch_create(target, 1, 300);
    struct aovs_flow_table *table = aovs_flow_table_create();
    char *error = NULL;
    cr_assert_eq(aovs_flow_table_put(table, aovs_owner(1, 1),
                                     "table=0,actions=drop", &error), 0);

    long long start_time = time_msec();
    struct aovs_commit_stats stats;
    cr_assert_eq(aovs_switch_commit(lonely, table, &stats, &error),
                 ENOTCONN);
    cr_assert_lt(time_msec() - start_time, 5000);
    cr_assert(strstr(error, target), "%s", error);
    free(error);

    struct aovs_flow_dump d;
    cr_assert_eq(aovs_switch_dump_flows(lonely, &d, &error), ENOTCONN);
    cr_assert_eq(d.n, 0);
    free(error);
    cr_assert_not(aovs_switch_is_ready(lonely));
    cr_assert_eq(aovs_switch_get_version(lonely), 0);

    aovs_flow_table_destroy(table);
    aovs_switch_destroy(lonely);
    free(target);
}

/* The asynchronous commit sends the same bundle as the synchronous one,
 * returns at once and ends in the caller's loop; the desired table may
 * change meanwhile. */
Test(aovs_switch, async_commit_runs_in_the_loop)
{
    start(1);
    char *error = NULL;
    struct aovs_commit_stats stats;

    /* Nothing to do: nothing sent, nothing to poll. */
    cr_assert_eq(aovs_switch_commit_start(sw, desired, &error), 0, "%s",
                 error);
    cr_assert_not(aovs_switch_commit_pending(sw));
    cr_assert_eq(aovs_switch_commit_poll(sw, &stats, &error), 0);
    cr_assert_eq(stats.n_messages, 0);

    put_range(0, 1199);
    cr_assert_eq(aovs_switch_commit_start(sw, desired, &error), EINPROGRESS,
                 "%s", error);
    cr_assert_null(error);
    cr_assert(aovs_switch_commit_pending(sw));
    /* Nothing can be answered before the loop runs. */
    cr_assert_eq(aovs_switch_commit_poll(sw, &stats, &error), EINPROGRESS);
    cr_assert_eq(aovs_switch_count_installed(sw), 0);

    /* The caller's table changes under the bundle in flight. */
    for (int i = 0; i < 100; i++) {
        char *flow = make_flow(i);
        cr_assert_eq(aovs_flow_table_remove(desired, flow, &error), 0, "%s",
                     error);
        free(flow);
    }
    put_range(1200, 1249);

    int passes;
    cr_assert_eq(run_until_committed(&stats, &error, &passes, TIMEOUT_MS), 0,
                 "%s", error);
    cr_assert_null(error);
    cr_assert_geq(passes, 1);
    cr_assert_eq(stats.n_added, 1200);
    cr_assert_eq(stats.n_messages, 1203);
    cr_assert_eq(aovs_switch_count_installed(sw), 1200);
    check_dumps_agree(1200);

    /* Polling again reports nothing more. */
    cr_assert_eq(aovs_switch_commit_poll(sw, &stats, &error), 0);
    cr_assert_eq(stats.n_messages, 0);

    /* The next commit sends what changed meanwhile. */
    commit(&stats);
    cr_assert_eq(stats.n_added, 50);
    cr_assert_eq(stats.n_deleted, 100);
    check_dumps_agree(1150);
}

/* A flow the switch refuses fails the asynchronous commit as it fails the
 * synchronous one: nothing changes, and the message names the flow. */
Test(aovs_switch, async_commit_refused_flow_changes_nothing)
{
    start(1);
    put_range(0, 49);
    struct aovs_commit_stats stats;
    commit(&stats);

    const char *bad = "table=0,priority=5,ip,actions=group:42";
    put_range(50, 99);
    put(aovs_owner(CAT_NODE, 42), bad);
    char *error = NULL;
    cr_assert_eq(aovs_switch_commit_start(sw, desired, &error), EINPROGRESS,
                 "%s", error);
    int passes;
    int retval = run_until_committed(&stats, &error, &passes, TIMEOUT_MS);
    cr_assert_eq(retval, EINVAL, "commit returned %d: %s", retval, error);
    cr_assert(strstr(error, "group:42"), "%s", error);
    cr_assert(strstr(error, "nothing was changed"), "%s", error);
    cr_assert_eq(stats.n_messages, 0);
    free(error);
    cr_assert_eq(aovs_switch_count_installed(sw), 50);
    check_dumps_agree(50);
}

/* A synchronous call made while the asynchronous commit runs waits for it
 * (its flows are then in the mirror and on the switch) and leaves its
 * outcome to aovs_switch_commit_poll(). */
Test(aovs_switch, sync_calls_wait_for_the_async_commit)
{
    start(1);
    put_range(0, 299);
    char *error = NULL;
    cr_assert_eq(aovs_switch_commit_start(sw, desired, &error), EINPROGRESS,
                 "%s", error);

    struct aovs_flow_dump d;
    dump(&d);
    cr_assert_eq(d.n, 300);
    aovs_flow_dump_destroy(&d);
    cr_assert(aovs_switch_commit_pending(sw));

    /* A synchronous commit of a further change sends only that. */
    put_range(300, 309);
    struct aovs_commit_stats stats;
    commit(&stats);
    cr_assert_eq(stats.n_added, 10);

    cr_assert_eq(aovs_switch_commit_poll(sw, &stats, &error), 0, "%s",
                 error);
    cr_assert_eq(stats.n_added, 300);
    cr_assert_not(aovs_switch_commit_pending(sw));
    check_dumps_agree(310);
}

/* The switch dies under an asynchronous commit: it ends with an error
 * within its bound, and the mirror, read again on reconnection, says what
 * the new switch has. */
Test(aovs_switch, async_commit_survives_the_switch_dying)
{
    start(1);
    put_range(0, 2999);
    char *error = NULL;
    cr_assert_eq(aovs_switch_commit_start(sw, desired, &error), EINPROGRESS,
                 "%s", error);
    ovs_sandbox_stop_vswitchd(&sandbox, SIGKILL);

    struct aovs_commit_stats stats;
    int passes;
    long long started = time_msec();
    int retval = run_until_committed(&stats, &error, &passes,
                                     TIMEOUT_MS + 5000);
    cr_assert(retval == ECONNRESET || retval == ETIMEDOUT,
              "commit returned %d: %s", retval, error);
    cr_assert_lt(time_msec() - started, TIMEOUT_MS + 1000);
    cr_assert(strstr(error, "br-int"), "%s", error);
    free(error);
    cr_assert_eq(stats.n_messages, 0);

    cr_assert_eq(ovs_sandbox_start_vswitchd(&sandbox, &error), 0, "%s",
                 error);
    run_until_connected(sw, 15000);
    cr_assert_eq(aovs_switch_count_installed(sw), 0);
    commit(&stats);
    cr_assert_eq(stats.n_added, 3000);
    check_dumps_agree(3000);
}

/* An error the switch sends about something else while a bundle is on
 * its way (here a packet-out from a port number it refuses, as a
 * gratuitous ARP of a Pod could be) does not fail the bundle. */
Test(aovs_switch, other_errors_do_not_fail_the_async_commit)
{
    start(1);
    put_range(0, 499);
    char *error = NULL;
    cr_assert_eq(aovs_switch_commit_start(sw, desired, &error), EINPROGRESS,
                 "%s", error);
    static const uint8_t frame[60] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xbb, 0xcc, 0, 0, 1,
        0x08, 0x06,
    };
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(aovs_switch_packet_out(sw, 0xff80, frame, sizeof frame,
                                            &error), 0, "%s", error);
    }

    struct aovs_commit_stats stats;
    int passes;
    cr_assert_eq(run_until_committed(&stats, &error, &passes, TIMEOUT_MS), 0,
                 "%s", error);
    cr_assert_eq(stats.n_added, 500);
    check_dumps_agree(500);
}
