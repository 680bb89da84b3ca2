/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's OpenFlow connection to one bridge, which installs desired
 * flow tables (aovs-flow.h) as differences, each in one bundle.
 *
 * An 'aovs_switch' connects to the bridge's management socket (usually
 * unix:RUNDIR/BRIDGE.mgmt; see aovs_switch_default_target()), negotiating
 * OpenFlow 1.5, 1.4 or 1.3 (the highest both sides allow), and reconnects
 * by itself, with backoff, when ovs-vswitchd restarts.  After every
 * (re)connection it reads the switch's flow table back into its mirror of
 * the installed flows, so the mirror always describes the switch.
 *
 * aovs_switch_commit() compares a desired table with the mirror and sends
 * the difference as one ordered, atomic OpenFlow bundle:
 *   - a desired flow missing from the switch is added;
 *   - an installed flow with the same key but other actions is modified
 *     (its counters kept), or replaced if its cookie must change (another
 *     owner, or another round: a flow left by the previous agent run);
 *   - an installed flow of the current round that is no longer desired is
 *     deleted; installed flows of other rounds stay, until
 *     aovs_switch_delete_stale() removes them after the agent has rebuilt
 *     its state.
 * Either the whole bundle is applied or none of it: a flow the switch
 * rejects (e.g. output to a port or goto_table it refuses) fails the
 * commit with a message naming the flow, and nothing changes.
 *
 * Reconnection: when ovs-vswitchd restarts it comes back with no flows;
 * aovs_switch_run() then returns true once the new connection is ready,
 * and the caller commits its desired table again, which reinstalls it all.
 * The first connection is reported the same way.
 *
 * Blocking: commit, delete_stale, dump_flows and wait_ready are
 * synchronous and bounded: they return after the switch's reply or after
 * the switch's timeout (given to aovs_switch_create()).  They first wait,
 * within the same bound, for the connection to be ready.  aovs_switch_run()
 * never blocks; aovs_switch_wait() registers with OVS's poll loop (see
 * aovs-poll.h).
 *
 * Asynchronous commit: aovs_switch_commit_start() computes and sends the
 * same bundle as aovs_switch_commit() but returns at once; the bundle
 * advances in aovs_switch_run(), and aovs_switch_commit_poll() reports
 * its outcome, once.  Meanwhile the caller's loop goes on (a synchronous
 * commit makes it wait for ovs-vswitchd's main loop, which can be busy
 * for tens of milliseconds, e.g. closing the sockets of deleted ports).
 * One asynchronous commit at a time; a synchronous call made while it
 * runs first waits for it to end (within its bound), so that the mirror
 * is current, and leaves its outcome to aovs_switch_commit_poll().
 *
 * Errors: 0 or a positive errno value, with a message in '*errorp' that
 * the caller frees (NULL on success):
 *     ENOTCONN    not connected (and no connection within the timeout)
 *     ETIMEDOUT   the switch did not answer in time; the connection is
 *                 reset, so any half-sent bundle is discarded
 *     ECONNRESET  the connection dropped during the call
 *     EINVAL      the switch rejected a flow (the message names it)
 *     EPROTO      the switch rejected the bundle or sent something
 *                 unexpected
 * After an error the mirror still describes the switch.  Not
 * thread-safe.
 *
 * Datapath purge.  Open vSwitch 3.1's userspace datapath can keep a
 * megaflow with the actions it had before a flow change, for as long as
 * packets hit it: the revalidator's in-place modification of a megaflow
 * finds its target by a classifier lookup of the megaflow's key, which
 * lands on another, overlapping megaflow, while the revalidator records
 * the new actions as installed (docs/ovs-pipeline.md, "Stale datapath
 * flows").  So, by default, after every commit or stale-round deletion
 * that changed flows, aovs_switch_run() talks to ovs-vswitchd's control
 * socket in the background (found next to the target: RUNDIR/
 * ovs-vswitchd.PID.ctl, or RUNDIR/ovs-vswitchd.ctl): three
 * "revalidator/wait" (until the revalidation rounds that follow the
 * change are over), then "revalidator/purge" (every datapath flow goes;
 * the next packets rebuild them from the current tables).  A commit made
 * meanwhile restarts the sequence once it ends.  Without a control
 * socket it logs a warning once and does nothing.  Never blocks.  The
 * process must ignore SIGPIPE (as OVS's own daemons do): the control
 * socket of a killed ovs-vswitchd fails with EPIPE.
 */

#ifndef AOVS_SWITCH_H
#define AOVS_SWITCH_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aovs_flow_table;
struct aovs_switch;

/* What a commit or a stale-round deletion sent. */
struct aovs_commit_stats {
    size_t n_added;             /* Flows added. */
    size_t n_modified;          /* Flows whose actions or cookie changed. */
    size_t n_deleted;           /* Flow deletions sent (a stale-round
                                   deletion sends one per round). */
    size_t n_messages;          /* OpenFlow messages sent, bundle control
                                   and barrier included; 0 if there was
                                   nothing to do. */
};

/* One flow read from the switch. */
struct aovs_flow_stats {
    uint64_t cookie;            /* Cookie (see aovs-flow.h). */
    uint8_t table_id;           /* OpenFlow table. */
    uint16_t priority;          /* Priority. */
    uint64_t n_packets;         /* Packets matched, UINT64_MAX if unknown. */
    uint64_t n_bytes;           /* Bytes matched, UINT64_MAX if unknown. */
    char *flow;                 /* The flow in aovs_flow_table_put() syntax:
                                   "table=T,priority=P,MATCH,actions=A". */
    char *ofctl;                /* The line "ovs-ofctl --no-stats
                                   dump-flows" prints for it, without the
                                   leading space. */
};

/* Flows read from the switch, sorted by table, then priority (highest
 * first), then text. */
struct aovs_flow_dump {
    struct aovs_flow_stats *flows; /* 'n' flows. */
    size_t n;                   /* Number of flows. */
};

struct aovs_switch *aovs_switch_create(const char *target, uint16_t round,
                                       int timeout_ms);
void aovs_switch_destroy(struct aovs_switch *);
char *aovs_switch_default_target(const char *bridge);

bool aovs_switch_run(struct aovs_switch *);
void aovs_switch_wait(struct aovs_switch *);
bool aovs_switch_is_ready(const struct aovs_switch *);
unsigned int aovs_switch_get_connection_seqno(const struct aovs_switch *);
int aovs_switch_get_version(const struct aovs_switch *);
int aovs_switch_wait_ready(struct aovs_switch *, char **errorp);

uint16_t aovs_switch_get_round(const struct aovs_switch *);
size_t aovs_switch_count_installed(const struct aovs_switch *);
/* Fills counts[T] with the number of installed flows (the mirror) in
 * OpenFlow table T, for every T (metrics: flow count per table). */
void aovs_switch_count_installed_by_table(const struct aovs_switch *,
                                          size_t counts[256]);

int aovs_switch_commit(struct aovs_switch *, const struct aovs_flow_table *,
                       struct aovs_commit_stats *, char **errorp);
int aovs_switch_commit_start(struct aovs_switch *,
                             const struct aovs_flow_table *, char **errorp);
bool aovs_switch_commit_pending(const struct aovs_switch *);
int aovs_switch_commit_poll(struct aovs_switch *, struct aovs_commit_stats *,
                            char **errorp);
int aovs_switch_delete_stale(struct aovs_switch *,
                             struct aovs_commit_stats *, char **errorp);

int aovs_switch_packet_out(struct aovs_switch *, uint32_t in_port,
                           const void *packet, size_t size, char **errorp);

int aovs_switch_dump_flows(struct aovs_switch *, struct aovs_flow_dump *,
                           char **errorp);

void aovs_switch_set_datapath_purge(struct aovs_switch *, bool enable);
bool aovs_switch_datapath_purge_pending(const struct aovs_switch *);
unsigned int aovs_switch_get_datapath_purges(const struct aovs_switch *);
void aovs_flow_dump_destroy(struct aovs_flow_dump *);

#endif /* aovs-switch.h */
