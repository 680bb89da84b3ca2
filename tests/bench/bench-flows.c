/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Flow installation benchmark for the OVS shim (core/lib/ovs/): against a
 * private ovsdb-server and ovs-vswitchd (userspace datapath, see
 * tests/ovs/ovs-sandbox.h), prints how fast flows are parsed into a
 * desired table, installed in one bundle (10,000 and 100,000 flows), and
 * how long a commit of a 1% difference on 100,000 flows takes.  Built by
 * "make check", not run by it; needs root.
 *
 *     tests/bench/bench-flows [N_LARGE]
 */

#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aovs-flow.h"
#include "aovs-ovsdb.h"
#include "aovs-poll.h"
#include "aovs-switch.h"
#include "event-loop.h"         /* time_msec() */
#include "../ovs/ovs-sandbox.h"
#include "util.h"

/* Bound on each blocking call of the shim, in milliseconds. */
#define TIMEOUT_MS 300000

/* Exits with a message if 'error' is nonzero. */
static void
check(int error, const char *what, char *message)
{
    if (error) {
        fprintf(stderr, "bench-flows: %s: %s\n", what,
                message ? message : strerror(error));
        exit(EXIT_FAILURE);
    }
}

/* Returns the time on a monotonic clock in seconds. */
static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Writes flow number 'i' of the benchmark, with actions variant 'v', into
 * 'buf': a mix of the shapes of Antrea's pipeline (tunnel routes, spoof
 * guard, policy conjunctions, conntrack). */
static void
make_flow(char *buf, size_t size, int i, int v)
{
    int a = (i >> 16) & 0xff, b = (i >> 8) & 0xff, c = i & 0xff;

    switch (i % 4) {
    case 0:
        snprintf(buf, size, "table=70,priority=200,ip,nw_dst=10.%d.%d.%d,"
                 "actions=set_field:192.168.%d.%d->tun_dst,"
                 "load:0x%x->NXM_NX_REG0[19],goto_table:80", a, b, c, b, c,
                 v & 1);
        break;
    case 1:
        snprintf(buf, size, "table=10,priority=200,ip,in_port=%d,"
                 "nw_src=10.%d.%d.%d,actions=goto_table:%d", 1 + i % 60000,
                 a, b, c, 29 + v % 2);
        break;
    case 2:
        snprintf(buf, size, "table=90,priority=200,tcp,nw_src=10.%d.%d.%d,"
                 "tp_dst=%d,actions=conjunction(%d,1/2)", a, b, c,
                 1 + (i % 60000), 1 + i + v);
        break;
    default:
        snprintf(buf, size, "table=105,priority=190,ct_state=+new+trk,ip,"
                 "nw_dst=10.%d.%d.%d,actions=ct(commit,table=110,"
                 "zone=%d)", a, b, c, 65520 - v);
        break;
    }
}

/* Puts flows 0 to 'n' - 1 into 'table' and returns the seconds taken. */
static double
fill(struct aovs_flow_table *table, int n)
{
    char flow[256];
    double start = now();

    for (int i = 0; i < n; i++) {
        char *error = NULL;
        make_flow(flow, sizeof flow, i, 0);
        check(aovs_flow_table_put(table, aovs_owner(4, i), flow, &error),
              "put", error);
    }
    return now() - start;
}

/* Commits 'table' to 'sw', prints a line about it and returns the stats. */
static struct aovs_commit_stats
commit(struct aovs_switch *sw, struct aovs_flow_table *table,
       const char *what)
{
    struct aovs_commit_stats stats;
    char *error = NULL;
    double start = now();

    check(aovs_switch_commit(sw, table, &stats, &error), what, error);

    double elapsed = now() - start;
    size_t changes = stats.n_added + stats.n_modified + stats.n_deleted;
    printf("%-44s %8.3f s  %9.0f flows/s  (%zu added, %zu modified, "
           "%zu deleted, %zu messages)\n", what, elapsed,
           elapsed > 0 ? changes / elapsed : 0.0, stats.n_added,
           stats.n_modified, stats.n_deleted, stats.n_messages);
    return stats;
}

int
main(int argc, char *argv[])
{
    int n_large = argc > 1 ? atoi(argv[1]) : 100000;
    int n_small = 10000;

    if (n_large < 100) {
        fprintf(stderr, "usage: %s [N_LARGE >= 100]\n", argv[0]);
        return EXIT_FAILURE;
    }
    if (!ovs_sandbox_can_run()) {
        fprintf(stderr, "bench-flows: needs root and the Open vSwitch "
                "daemons\n");
        return 77;
    }

    struct ovs_sandbox sandbox;
    char *error = NULL;
    check(ovs_sandbox_start(&sandbox, true, &error), "sandbox", error);

    struct aovs_ovsdb *db;
    check(aovs_ovsdb_open(sandbox.db_remote, TIMEOUT_MS, &db, &error),
          "OVSDB", error);
    struct aovs_bridge_settings br = {
        .name = "br-int", .datapath_type = "netdev",
    };
    check(aovs_bridge_ensure(db, &br, &error), "bridge", error);
    check(aovs_ovsdb_wait_applied(db, &error), "bridge", error);

    char *target = ovs_sandbox_target(&sandbox, "br-int");
    /* The datapath purge writes to ovs-vswitchd's control socket: a
     * killed daemon must give EPIPE, not end this process. */
    signal(SIGPIPE, SIG_IGN);
    struct aovs_switch *sw = aovs_switch_create(target, 1, TIMEOUT_MS);
    check(aovs_switch_wait_ready(sw, &error), "OpenFlow", error);
    printf("bench-flows: ovs-vswitchd userspace datapath, OpenFlow 1.%d, "
           "one bundle per commit\n", aovs_switch_get_version(sw) % 10);

    /* 10k flows. */
    struct aovs_flow_table *table = aovs_flow_table_create();
    double parse = fill(table, n_small);
    printf("%-44s %8.3f s  %9.0f flows/s\n", "parse 10000 flows into a table",
           parse, n_small / parse);
    commit(sw, table, "install 10000 flows");
    aovs_flow_table_clear(table);
    commit(sw, table, "delete 10000 flows");

    /* 100k flows. */
    char what[128];
    parse = fill(table, n_large);
    snprintf(what, sizeof what, "parse %d flows into a table", n_large);
    printf("%-44s %8.3f s  %9.0f flows/s\n", what, parse, n_large / parse);
    snprintf(what, sizeof what, "install %d flows", n_large);
    commit(sw, table, what);

    /* A 1% difference: half of it new actions, half replaced flows. */
    int n_diff = n_large / 100;
    char flow[256];
    for (int k = 0; k < n_diff; k++) {
        int i = (int) ((long long) k * n_large / n_diff);
        make_flow(flow, sizeof flow, i, 1);
        if (k % 2) {
            aovs_flow_table_remove_owner(table, aovs_owner(4, i));
        }
        check(aovs_flow_table_put(table, aovs_owner(k % 2 ? 5 : 4, i), flow,
                                  &error), "put", error);
    }
    snprintf(what, sizeof what, "commit a 1%% diff (%d of %d flows)", n_diff,
             n_large);
    commit(sw, table, what);
    snprintf(what, sizeof what, "commit with no change (%d flows)",
             n_large);
    commit(sw, table, what);

    struct aovs_flow_dump dump;
    double start = now();
    check(aovs_switch_dump_flows(sw, &dump, &error), "dump", error);
    double elapsed = now() - start;
    snprintf(what, sizeof what, "dump %zu flows", dump.n);
    printf("%-44s %8.3f s  %9.0f flows/s\n", what, elapsed,
           dump.n / elapsed);
    aovs_flow_dump_destroy(&dump);

    aovs_flow_table_destroy(table);
    aovs_switch_destroy(sw);
    free(target);
    aovs_ovsdb_close(db);
    ovs_sandbox_stop(&sandbox);
    return EXIT_SUCCESS;
}
