/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The OpenFlow connection to one bridge (see aovs-switch.h), after
 * ovn-controller's ofctrl: an rconn (OVS's reconnecting OpenFlow
 * connection), a mirror of the installed flows rebuilt from a flow dump
 * after every (re)connection, and commits that send the difference between
 * a desired table and the mirror as one bundle.
 *
 * A bundle goes out as OPEN, one ADD_MESSAGE per flow_mod, then a BARRIER:
 * the switch checks each message as it is added and reports a bad one with
 * an error carrying that message's xid, so once the barrier reply is in,
 * every such error is too.  Then COMMIT if there was none, DISCARD
 * otherwise (as vconn_bundle_transact() does, but without blocking without
 * bound).  Flow_mods are encoded as the connection drains, so a commit of
 * 100,000 flows never holds them all encoded at once.
 *
 * Synchronous calls (commit, delete_stale, dump_flows, wait_ready) drive
 * the connection themselves with OVS's poll loop until their reply, an
 * error, a reconnection or their deadline.
 *
 * After a commit that changed flows, a background conversation with
 * ovs-vswitchd's control socket (unixctl, as ovs-appctl speaks it) waits
 * for the revalidators to finish the rounds that follow the change and
 * then purges the datapath flows: the userspace datapath may otherwise
 * keep a megaflow with its old actions (see aovs-switch.h and
 * docs/ovs-pipeline.md, "Stale datapath flows").  Compiled in "OVS world"
 * (see aovs-smap.c).
 */

#include "aovs-switch.h"
#include "aovs-flow.h"
#include "aovs-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bitmap.h"
#include "byte-order.h"
#include "daemon.h"
#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/rconn.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(aovs_switch);

/* Messages queued on the connection before a commit stops encoding more
 * until some are sent. */
#define MAX_QUEUED_MSGS 1000

/* Every bundle is ordered and atomic. */
#define BUNDLE_FLAGS (OFPBF_ORDERED | OFPBF_ATOMIC)

/* Messages handled per aovs_switch_run(), to keep each run short. */
#define MAX_MSGS_PER_RUN 100

/* OpenFlow versions offered to the switch. */
#define ALLOWED_VERSIONS ((1u << OFP13_VERSION) | (1u << OFP14_VERSION) \
                          | (1u << OFP15_VERSION))

/* Revalidation rounds the datapath purge waits for before purging.  The
 * first wait's reply comes at the earliest in the main-loop iteration
 * after the commit's, in which ovs-vswitchd signals the revalidators
 * (ofproto-dpif.c type_run()); the second's ends a round that may have
 * started before that signal; the third's ends a round that started
 * after it, so every revalidation of the commit's change is over. */
#define PURGE_WAITS 3

/* Connection states. */
enum switch_state {
    S_DISCONNECTED,             /* No OpenFlow connection. */
    S_SYNCING,                  /* Connected; reading the flow table back. */
    S_READY,                    /* Connected, mirror up to date. */
};

/* An OpenFlow error the switch sent while a bundle ran. */
struct switch_error {
    ovs_be32 xid;               /* xid of the message it is about. */
    enum ofperr error;          /* What went wrong. */
};

/* A flow dump in progress. */
struct flow_dump {
    ovs_be32 xid;               /* xid of the flow stats request. */
    bool done;                  /* Last reply (or an error) received. */
    int error;                  /* 0, or EPROTO after a bad reply. */
    struct hmap *mirror;        /* Where flows go when rebuilding the
                                   mirror, else NULL. */
    struct aovs_flow_dump *out; /* Where flows go for the caller, else
                                   NULL. */
    size_t allocated;           /* Capacity of 'out->flows'. */
};

/* The background datapath purge (see the file comment). */
struct dp_purge {
    bool enabled;               /* Purge after commits that change flows. */
    bool again;                 /* Another commit changed flows after the
                                   current sequence started. */
    int step;                   /* -1: idle; 0..PURGE_WAITS-1: awaiting
                                   the reply to revalidator/wait number
                                   'step'; PURGE_WAITS: awaiting the
                                   reply to revalidator/purge. */
    struct jsonrpc *rpc;        /* Control connection, or NULL. */
    struct json *request_id;    /* id of the request awaiting a reply. */
    unsigned int n_done;        /* Purges completed. */
    bool warned;                /* Warned that there is no control socket
                                   (warned once). */
};

/* The connection to one bridge. */
struct aovs_switch {
    struct rconn *rconn;        /* The OpenFlow connection. */
    char *target;               /* e.g. "unix:/run/openvswitch/br.mgmt" */
    enum switch_state state;    /* See above. */
    unsigned int conn_seqno;    /* rconn connection seqno of 'state'. */
    bool reconnected;           /* Became S_READY since the last
                                   aovs_switch_run() returned true. */
    uint16_t round;             /* Round number in new cookies. */
    int timeout_ms;             /* Bound on each synchronous call. */
    uint32_t next_bundle_id;    /* Id of the next bundle. */
    struct rconn_packet_counter *txq; /* Messages we have queued. */

    struct hmap installed;      /* Mirror: 'struct aovs_flow's, with their
                                   cookies, by key. */
    struct flow_dump *dump;     /* Dump in progress, or NULL. */

    bool in_call;               /* A synchronous call is running. */
    struct bundle *active;      /* The bundle in progress (it receives the
                                   switch's errors and its replies), or
                                   NULL. */
    struct bundle *async;       /* The asynchronous commit, until
                                   aovs_switch_commit_poll() has reported
                                   it, or NULL. */

    struct dp_purge purge;      /* Datapath purge after commits. */
};

/* A synchronous call's bounds. */
struct call {
    const char *what;           /* For messages, e.g. "commit". */
    long long deadline;         /* time_msec() limit. */
    unsigned int conn_seqno;    /* Connection it must stay on. */
    char **errorp;              /* Where its error message goes. */
};

/* Kinds of flow changes in a bundle. */
enum op_type {
    OP_DELETE,                  /* Remove an installed flow (strict). */
    OP_DELETE_ROUND,            /* Remove every flow of one round. */
    OP_MODIFY,                  /* New actions, same cookie (strict). */
    OP_REPLACE,                 /* New cookie (and actions): an add over
                                   the installed flow. */
    OP_ADD,                     /* A new flow. */
};

/* One flow change in a bundle. */
struct op {
    enum op_type type;          /* What to do. */
    const struct aovs_flow *desired; /* OP_MODIFY, OP_REPLACE, OP_ADD. */
    struct aovs_flow *installed; /* OP_DELETE, OP_MODIFY, OP_REPLACE. */
    uint64_t cookie;            /* OP_REPLACE, OP_ADD: cookie to install;
                                   OP_DELETE_ROUND: the round's cookie. */
    ovs_be32 xid;               /* xid of its bundle add message. */
};

/* Where a bundle is. */
enum bundle_phase {
    B_ADDING,                   /* Opened; its flow_mods are being sent,
                                   then the barrier. */
    B_BARRIER,                  /* Waiting for the barrier's reply: the
                                   switch has answered every flow_mod. */
    B_COMMITTING,               /* Waiting for the commit's reply. */
    B_DISCARDING,               /* Flow_mods were refused: waiting for the
                                   discard's reply. */
    B_DONE,                     /* Over: 'error' and 'message' say how. */
};

/* One bundle of flow changes on its way to the switch: a commit or a
 * stale-round deletion.  It advances with bundle_step(), blocking in
 * run_bundle() for the synchronous calls, in aovs_switch_run() for an
 * asynchronous commit (aovs_switch_commit_start()). */
struct bundle {
    const char *what;           /* For messages, e.g. "commit". */
    struct op *ops;             /* The changes, in order. */
    size_t n_ops;               /* Number of 'ops'. */
    size_t n_sent;              /* 'ops' sent so far. */
    bool owns_ops;              /* 'ops' and their 'desired' flows are
                                   copies it frees (asynchronous: the
                                   caller's table may change meanwhile). */
    uint32_t id;                /* Bundle id. */
    enum bundle_phase phase;    /* Where it is. */
    ovs_be32 open_xid;          /* xid of its open request. */
    ovs_be32 xid;               /* Barrier, commit or discard awaited. */
    bool replied;               /* 'xid' answered (a reply or an error). */
    struct ofpbuf *reply;       /* The reply to 'xid', if not an error. */
    struct switch_error *errors; /* Errors received while it ran. */
    size_t n_errors;            /* Number of 'errors'. */
    size_t allocated_errors;    /* Capacity of 'errors'. */
    unsigned int conn_seqno;    /* Connection it is sent on. */
    long long deadline;         /* time_msec() by which it must be over. */
    struct aovs_commit_stats stats; /* What it sends, reported on
                                       success. */
    int error;                  /* B_DONE: 0 or a positive errno value. */
    char *message;              /* B_DONE with an error: what went wrong. */
};

static void switch_io(struct aovs_switch *, size_t max_msgs);
static void switch_io_wait(struct aovs_switch *);
static void check_connection(struct aovs_switch *);
static void handle_msg(struct aovs_switch *, struct ofpbuf *);
static void handle_flow_stats_reply(struct aovs_switch *, struct ofpbuf *);
static void start_dump(struct aovs_switch *, struct flow_dump *);
static void end_dump(struct aovs_switch *);
static void clear_installed(struct aovs_switch *);
static void call_start(struct aovs_switch *, struct call *,
                       const char *what, char **errorp);
static void call_end(struct aovs_switch *);
static int call_step(struct aovs_switch *, const struct call *);
static int call_block(struct aovs_switch *, const struct call *);
static int wait_ready(struct aovs_switch *, struct call *);
static ovs_be32 send_msg(struct aovs_switch *, struct ofpbuf *);
static struct bundle *bundle_create(struct aovs_switch *, const char *what,
                                    struct op *, size_t n_ops, bool owns_ops,
                                    const struct aovs_commit_stats *,
                                    long long deadline);
static void bundle_step(struct aovs_switch *, struct bundle *);
static bool bundle_owns_xid(const struct bundle *, ovs_be32 xid);
static struct ofpbuf *encode_ctrl(const struct aovs_switch *,
                                  const struct bundle *, uint16_t type);
static bool bundle_can_send(const struct aovs_switch *,
                            const struct bundle *);
static void bundle_destroy(struct bundle *);
static void finish_async(struct aovs_switch *);
static size_t diff_ops(const struct aovs_switch *,
                       const struct aovs_flow_table *, struct op **,
                       struct aovs_commit_stats *);
static int run_bundle(struct aovs_switch *, const struct call *,
                      struct op *, size_t n_ops,
                      const struct aovs_commit_stats *);
static struct ofpbuf *encode_op(const struct aovs_switch *,
                                const struct op *, uint32_t bundle_id,
                                uint16_t flags);
static void apply_op(struct aovs_switch *, const struct op *);
static char *format_errors(const struct bundle *, int *errorp);
static int compare_flow_stats(const void *, const void *);
static void purge_request(struct aovs_switch *);
static void purge_run(struct aovs_switch *);
static void purge_wait(struct aovs_switch *);
static void purge_close(struct aovs_switch *);

/* Creates a connection to the switch at 'target' (e.g. "unix:/var/run/
 * openvswitch/br-int.mgmt"; see aovs_switch_default_target()) that gives
 * new flows cookies of round 'round' and bounds each synchronous call to
 * 'timeout_ms' milliseconds (10000 if 'timeout_ms' is not positive).
 * Connecting starts at once, in the background; aovs_switch_run() (or any
 * synchronous call) advances it.  Returns the new connection, which the
 * caller frees with aovs_switch_destroy(). */
struct aovs_switch *
aovs_switch_create(const char *target, uint16_t round, int timeout_ms)
{
    struct aovs_switch *sw = xzalloc(sizeof *sw);

    aovs_init__();
    sw->rconn = rconn_create(0, 1, 0, ALLOWED_VERSIONS);
    sw->target = xstrdup(target);
    rconn_connect(sw->rconn, target, target);
    sw->state = S_DISCONNECTED;
    sw->round = round;
    sw->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
    sw->next_bundle_id = 1;
    sw->txq = rconn_packet_counter_create();
    hmap_init(&sw->installed);
    sw->purge.enabled = true;
    sw->purge.step = -1;
    return sw;
}

/* Closes the connection and frees 'sw' (the flows stay on the switch).
 * NULL is ignored. */
void
aovs_switch_destroy(struct aovs_switch *sw)
{
    if (sw) {
        bundle_destroy(sw->async);
        end_dump(sw);
        clear_installed(sw);
        purge_close(sw);
        hmap_destroy(&sw->installed);
        rconn_destroy(sw->rconn);
        rconn_packet_counter_destroy(sw->txq);
        free(sw->target);
        free(sw);
    }
}

/* Returns the usual OpenFlow target of bridge 'bridge' of the local
 * ovs-vswitchd: "unix:RUNDIR/BRIDGE.mgmt", where RUNDIR is $OVS_RUNDIR or
 * else /var/run/openvswitch.  The caller frees the string. */
char *
aovs_switch_default_target(const char *bridge)
{
    return xasprintf("unix:%s/%s.mgmt", aovs_rundir__(), bridge);
}

/* Advances the connection without blocking: connects or reconnects,
 * answers the switch's echo requests, and rebuilds the mirror after a
 * (re)connection.  Returns true once each time the connection becomes
 * ready after a (re)connection (the first one included): the switch may
 * then lack flows the caller wants (after an ovs-vswitchd restart it has
 * none), so the caller should commit its desired table. */
bool
aovs_switch_run(struct aovs_switch *sw)
{
    switch_io(sw, MAX_MSGS_PER_RUN);
    if (sw->async) {
        bundle_step(sw, sw->async);
    }
    purge_run(sw);

    bool reconnected = sw->reconnected;
    sw->reconnected = false;
    return reconnected;
}

/* Registers the connection with OVS's poll loop, so that the next
 * aovs_poll() wakes when aovs_switch_run() has work. */
void
aovs_switch_wait(struct aovs_switch *sw)
{
    switch_io_wait(sw);
    purge_wait(sw);
    if (sw->reconnected) {
        poll_immediate_wake();
    }
    if (sw->async) {
        /* Over but not yet reported: its owner polls in this round. */
        if (sw->async->phase == B_DONE || bundle_can_send(sw, sw->async)) {
            poll_immediate_wake();
        } else {
            poll_timer_wait_until(sw->async->deadline);
        }
    }
}

/* Returns true if 'sw' is connected and its mirror is up to date, i.e. a
 * commit would start at once. */
bool
aovs_switch_is_ready(const struct aovs_switch *sw)
{
    return sw->state == S_READY;
}

/* Returns a number that changes each time the connection is made or
 * lost. */
unsigned int
aovs_switch_get_connection_seqno(const struct aovs_switch *sw)
{
    return rconn_get_connection_seqno(sw->rconn);
}

/* Returns the OpenFlow version in use as 13, 14 or 15 (for OpenFlow 1.3,
 * 1.4, 1.5), or 0 if not connected. */
int
aovs_switch_get_version(const struct aovs_switch *sw)
{
    if (!rconn_is_connected(sw->rconn)) {
        return 0;
    }
    switch (rconn_get_version(sw->rconn)) {
    case OFP13_VERSION:
        return 13;
    case OFP14_VERSION:
        return 14;
    case OFP15_VERSION:
        return 15;
    default:
        return 0;
    }
}

/* Waits, at most the switch's timeout, until 'sw' is connected and its
 * mirror up to date.  Returns 0, or ENOTCONN with a message in '*errorp'
 * (freed by the caller). */
int
aovs_switch_wait_ready(struct aovs_switch *sw, char **errorp)
{
    struct call call;

    call_start(sw, &call, "connecting", errorp);
    int error = wait_ready(sw, &call);
    call_end(sw);
    return error;
}

/* Sends the 'size' bytes of Ethernet frame 'packet' into the bridge's
 * pipeline (table 0) as if it had arrived on OpenFlow port 'in_port', as
 * an OpenFlow packet-out, without waiting for anything (a switch that
 * refuses it logs an error).  Returns 0, or ENOTCONN with a message in
 * '*errorp' (caller frees) if the connection is not ready. */
int
aovs_switch_packet_out(struct aovs_switch *sw, uint32_t in_port,
                       const void *packet, size_t size, char **errorp)
{
    *errorp = NULL;
    if (!aovs_switch_is_ready(sw)) {
        *errorp = xasprintf("%s: cannot send a packet: not connected",
                            sw->target);
        return ENOTCONN;
    }

    uint64_t stub[64 / 8];
    struct ofpbuf ofpacts = OFPBUF_STUB_INITIALIZER(stub);
    ofpact_put_OUTPUT(&ofpacts)->port = OFPP_TABLE;
    struct ofputil_packet_out po = {
        .packet = packet,
        .packet_len = size,
        .buffer_id = UINT32_MAX,
        .ofpacts = ofpacts.data,
        .ofpacts_len = ofpacts.size,
    };
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, OFP_PORT_C(in_port));
    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(rconn_get_version(sw->rconn));
    send_msg(sw, ofputil_encode_packet_out(&po, protocol));
    ofpbuf_uninit(&ofpacts);
    return 0;
}

/* Returns the round number 'sw' puts in new cookies. */
uint16_t
aovs_switch_get_round(const struct aovs_switch *sw)
{
    return sw->round;
}

/* Returns the number of flows in the mirror of installed flows. */
size_t
aovs_switch_count_installed(const struct aovs_switch *sw)
{
    return hmap_count(&sw->installed);
}

/* Counts the mirror's flows per table (see aovs-switch.h). */
void
aovs_switch_count_installed_by_table(const struct aovs_switch *sw,
                                     size_t counts[256])
{
    const struct aovs_flow *flow;

    memset(counts, 0, 256 * sizeof *counts);
    HMAP_FOR_EACH (flow, node, &sw->installed) {
        counts[flow->table_id]++;
    }
}

/* Returns the flow in 'map' with the key of 'key', which is in a map
 * (so its hash is known), or NULL. */
static struct aovs_flow *
find_same_key(const struct hmap *map, const struct aovs_flow *key)
{
    struct aovs_flow *flow;

    HMAP_FOR_EACH_WITH_HASH (flow, node, key->node.hash, map) {
        if (aovs_flow_key_equal(flow, key)) {
            return flow;
        }
    }
    return NULL;
}

/* Fills '*opsp' (caller frees) with the changes that make the switch's
 * flows those of 'desired' (see aovs-switch.h for what is sent and what is
 * left alone), deletions first, then changes, then additions (the order
 * does not matter to the result, each flow has one change at most, but
 * it keeps the bundle readable), and 'stats' with what they send.
 * Returns their number. */
static size_t
diff_ops(const struct aovs_switch *sw, const struct aovs_flow_table *desired,
         struct op **opsp, struct aovs_commit_stats *stats)
{
    size_t n_desired = hmap_count(&desired->flows);
    size_t n_ops = 0;
    size_t n_adds = 0;
    struct op *ops = xmalloc((n_desired + hmap_count(&sw->installed) + 1)
                             * sizeof *ops);
    struct op *adds = xmalloc((n_desired + 1) * sizeof *adds);

    memset(stats, 0, sizeof *stats);
    struct aovs_flow *i;
    HMAP_FOR_EACH (i, node, &sw->installed) {
        if (aovs_cookie_round(i->cookie) == sw->round
            && !find_same_key(&desired->flows, i)) {
            ops[n_ops++] = (struct op) { .type = OP_DELETE, .installed = i };
            stats->n_deleted++;
        }
    }
    const struct aovs_flow *d;
    HMAP_FOR_EACH (d, node, &desired->flows) {
        i = find_same_key(&sw->installed, d);
        uint64_t cookie = aovs_cookie(sw->round, d->owner);
        if (!i) {
            adds[n_adds++] = (struct op) { .type = OP_ADD, .desired = d,
                                           .cookie = cookie };
        } else if (i->cookie != cookie) {
            ops[n_ops++] = (struct op) { .type = OP_REPLACE, .desired = d,
                                         .installed = i, .cookie = cookie };
            stats->n_modified++;
        } else if (!aovs_flow_actions_equal(i, d)) {
            ops[n_ops++] = (struct op) { .type = OP_MODIFY, .desired = d,
                                         .installed = i, .cookie = cookie };
            stats->n_modified++;
            if (VLOG_IS_DBG_ENABLED()) {
                char *old = aovs_flow_to_string(i);
                char *new = aovs_flow_to_string(d);
                VLOG_DBG("%s: modifying %s into %s", sw->target, old, new);
                free(old);
                free(new);
            }
        }
    }
    memcpy(&ops[n_ops], adds, n_adds * sizeof *adds);
    n_ops += n_adds;
    free(adds);
    stats->n_added = n_adds;
    stats->n_messages = n_ops ? n_ops + 3 : 0;
    *opsp = ops;
    return n_ops;
}

/* Returns EINVAL, with a message in '*errorp', if a flow of 'desired'
 * cannot be expressed in the OpenFlow version of 'sw''s connection;
 * otherwise 0. */
static int
check_expressible(const struct aovs_switch *sw,
                  const struct aovs_flow_table *desired, const char *what,
                  char **errorp)
{
    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(rconn_get_version(sw->rconn));
    const struct aovs_flow *d;
    HMAP_FOR_EACH (d, node, &desired->flows) {
        if (!(d->usable_protocols & protocol)) {
            char *text = aovs_flow_to_string(d);
            *errorp = xasprintf("%s to %s: flow \"%s\" cannot be "
                                "expressed in %s, the OpenFlow version in "
                                "use", what, sw->target, text,
                                ofputil_version_to_string(
                                    rconn_get_version(sw->rconn)));
            free(text);
            return EINVAL;
        }
    }
    return 0;
}

/* Starts the synchronous call 'what' that sends a bundle: zeroes
 * 'stats', lets the asynchronous commit in progress end, and waits for
 * the connection to be ready.  Returns 0, or an error with a message (the
 * call is then over). */
static int
bundle_call_start(struct aovs_switch *sw, struct call *call,
                  const char *what, struct aovs_commit_stats *stats,
                  char **errorp)
{
    memset(stats, 0, sizeof *stats);
    finish_async(sw);
    call_start(sw, call, what, errorp);
    int error = wait_ready(sw, call);
    if (error) {
        call_end(sw);
    }
    return error;
}

/* Makes the switch's flows those of 'desired' (see aovs-switch.h for what
 * is sent and what is left alone) with one bundle, and waits for the
 * switch to commit it.  Does nothing, and sends nothing, if the switch
 * already has them.  An asynchronous commit in progress is waited for
 * first (its outcome stays for aovs_switch_commit_poll()).  If 'stats' is
 * nonnull, fills it with what was sent (zeros on failure).  Returns 0 or
 * an error as described in aovs-switch.h; EINVAL names the first flow the
 * switch (or the negotiated OpenFlow version) refused. */
int
aovs_switch_commit(struct aovs_switch *sw,
                   const struct aovs_flow_table *desired,
                   struct aovs_commit_stats *stats, char **errorp)
{
    struct aovs_commit_stats dummy;
    struct call call;

    stats = stats ? stats : &dummy;
    int error = bundle_call_start(sw, &call, "commit", stats, errorp);
    if (error) {
        return error;
    }
    error = check_expressible(sw, desired, "commit", errorp);
    if (error) {
        call_end(sw);
        return error;
    }

    struct op *ops;
    struct aovs_commit_stats sent;
    size_t n_ops = diff_ops(sw, desired, &ops, &sent);
    if (n_ops) {
        error = run_bundle(sw, &call, ops, n_ops, &sent);
        if (!error) {
            *stats = sent;
        }
    }
    free(ops);
    call_end(sw);
    return error;
}

/* Starts making the switch's flows those of 'desired', as
 * aovs_switch_commit() does, without waiting: the bundle goes out now and
 * advances in aovs_switch_run(); aovs_switch_commit_poll() reports how
 * it ended.  'desired' may change meanwhile (the bundle has its own copy
 * of what it sends).  Returns EINPROGRESS once it is on its way, 0 if the
 * switch already has the flows (nothing sent, nothing to poll), or an
 * error with a message in '*errorp': ENOTCONN if the connection is not
 * ready (aovs_switch_commit() would wait for it), EINVAL for a flow the
 * OpenFlow version in use cannot express.  One asynchronous commit at a
 * time: calling it while aovs_switch_commit_pending() is a bug. */
int
aovs_switch_commit_start(struct aovs_switch *sw,
                         const struct aovs_flow_table *desired,
                         char **errorp)
{
    *errorp = NULL;
    ovs_assert(!sw->async && !sw->in_call);
    switch_io(sw, 0);
    if (sw->state != S_READY) {
        *errorp = xasprintf("commit on %s: not connected", sw->target);
        return ENOTCONN;
    }
    int error = check_expressible(sw, desired, "commit", errorp);
    if (error) {
        return error;
    }

    struct op *ops;
    struct aovs_commit_stats stats;
    size_t n_ops = diff_ops(sw, desired, &ops, &stats);
    if (!n_ops) {
        free(ops);
        return 0;
    }
    for (size_t k = 0; k < n_ops; k++) {
        const struct aovs_flow *d = ops[k].desired;
        if (d) {
            /* The clone keeps the key's hash, which apply_op() files it
             * under in the mirror. */
            struct aovs_flow *copy = aovs_flow_clone(d);
            copy->node.hash = d->node.hash;
            ops[k].desired = copy;
        }
    }
    sw->async = bundle_create(sw, "commit", ops, n_ops, true, &stats,
                              time_msec() + sw->timeout_ms);
    bundle_step(sw, sw->async);
    return EINPROGRESS;
}

/* Returns true from a successful aovs_switch_commit_start() until
 * aovs_switch_commit_poll() has reported its outcome. */
bool
aovs_switch_commit_pending(const struct aovs_switch *sw)
{
    return sw->async != NULL;
}

/* Reports the outcome of the asynchronous commit: EINPROGRESS while it
 * runs; then, once, 0 (with 'stats', if nonnull, filled as
 * aovs_switch_commit() does) or an error as described in aovs-switch.h
 * with a message in '*errorp' (caller frees).  Without an asynchronous
 * commit, returns 0. */
int
aovs_switch_commit_poll(struct aovs_switch *sw,
                        struct aovs_commit_stats *stats, char **errorp)
{
    *errorp = NULL;
    if (stats) {
        memset(stats, 0, sizeof *stats);
    }
    struct bundle *b = sw->async;
    if (!b) {
        return 0;
    }
    if (b->phase != B_DONE) {
        return EINPROGRESS;
    }
    int error = b->error;
    if (error) {
        *errorp = b->message;
        b->message = NULL;
    } else if (stats) {
        *stats = b->stats;
    }
    bundle_destroy(b);
    sw->async = NULL;
    return error;
}

/* Deletes, with one bundle, every flow on the switch whose cookie has a
 * round other than 'sw''s: what the previous agent run installed and this
 * one has not re-installed.  Call it once the agent has rebuilt its
 * desired state and committed it.  If 'stats' is nonnull, fills it with
 * what was sent ('n_deleted' counts one deletion per stale round).
 * Returns 0 or an error as described in aovs-switch.h. */
int
aovs_switch_delete_stale(struct aovs_switch *sw,
                         struct aovs_commit_stats *stats, char **errorp)
{
    struct aovs_commit_stats dummy;
    struct call call;

    stats = stats ? stats : &dummy;
    int error = bundle_call_start(sw, &call, "deleting stale flows", stats,
                                  errorp);
    if (error) {
        return error;
    }

    /* One masked deletion per stale round: few messages, and it also
     * catches flows of that round that appeared after the mirror was
     * read. */
    unsigned long *seen = bitmap_allocate(UINT16_MAX + 1);
    struct op *ops = NULL;
    size_t n_ops = 0;
    size_t allocated_ops = 0;
    const struct aovs_flow *i;
    HMAP_FOR_EACH (i, node, &sw->installed) {
        uint16_t round = aovs_cookie_round(i->cookie);
        if (round != sw->round && !bitmap_is_set(seen, round)) {
            bitmap_set1(seen, round);
            if (n_ops >= allocated_ops) {
                ops = x2nrealloc(ops, &allocated_ops, sizeof *ops);
            }
            ops[n_ops++] = (struct op) {
                .type = OP_DELETE_ROUND,
                .cookie = (uint64_t) round << AOVS_COOKIE_ROUND_SHIFT,
            };
        }
    }
    bitmap_free(seen);

    if (n_ops) {
        struct aovs_commit_stats sent = {
            .n_deleted = n_ops, .n_messages = n_ops + 3,
        };
        error = run_bundle(sw, &call, ops, n_ops, &sent);
        if (!error) {
            *stats = sent;
        }
    }
    free(ops);
    call_end(sw);
    return error;
}

/* Reads every flow of every table from the switch (not from the mirror)
 * into 'dump', which the caller frees with aovs_flow_dump_destroy().
 * Returns 0, or an error as described in aovs-switch.h with 'dump'
 * empty. */
int
aovs_switch_dump_flows(struct aovs_switch *sw, struct aovs_flow_dump *dump,
                       char **errorp)
{
    struct call call;

    dump->flows = NULL;
    dump->n = 0;
    finish_async(sw);
    call_start(sw, &call, "dumping flows", errorp);
    int error = wait_ready(sw, &call);
    if (error) {
        call_end(sw);
        return error;
    }

    struct flow_dump fd = { .out = dump };
    start_dump(sw, &fd);
    while (!fd.done) {
        error = call_step(sw, &call);
        if (error || fd.done) {
            break;
        }
        error = call_block(sw, &call);
        if (error) {
            break;
        }
    }
    if (!error && fd.error) {
        *errorp = xasprintf("dumping flows from %s: the switch sent a bad "
                            "flow stats reply", sw->target);
        error = fd.error;
    }
    end_dump(sw);
    call_end(sw);

    if (error) {
        aovs_flow_dump_destroy(dump);
    } else if (dump->n) {
        qsort(dump->flows, dump->n, sizeof *dump->flows,
              compare_flow_stats);
    }
    return error;
}

/* Frees the flows of 'dump' (which may be NULL) and leaves it empty. */
void
aovs_flow_dump_destroy(struct aovs_flow_dump *dump)
{
    if (dump) {
        for (size_t i = 0; i < dump->n; i++) {
            free(dump->flows[i].flow);
            free(dump->flows[i].ofctl);
        }
        free(dump->flows);
        dump->flows = NULL;
        dump->n = 0;
    }
}

/* Runs the connection: sends what is queued, notices connections and
 * disconnections, and handles up to 'max_msgs' received messages (or all
 * of them if 'max_msgs' is 0). */
static void
switch_io(struct aovs_switch *sw, size_t max_msgs)
{
    rconn_run(sw->rconn);
    check_connection(sw);
    for (size_t n = 0; !max_msgs || n < max_msgs; n++) {
        struct ofpbuf *msg = rconn_recv(sw->rconn);
        if (!msg) {
            break;
        }
        handle_msg(sw, msg);
        ofpbuf_delete(msg);
        check_connection(sw);
    }
}

/* Registers what switch_io() waits for with OVS's poll loop. */
static void
switch_io_wait(struct aovs_switch *sw)
{
    rconn_run_wait(sw->rconn);
    rconn_recv_wait(sw->rconn);
}

/* Updates 'sw''s state after the rconn connected or disconnected: a new
 * connection empties the mirror and starts reading it back. */
static void
check_connection(struct aovs_switch *sw)
{
    unsigned int seqno = rconn_get_connection_seqno(sw->rconn);

    if (!rconn_is_connected(sw->rconn)) {
        if (sw->state != S_DISCONNECTED) {
            VLOG_INFO("%s: disconnected", sw->target);
            sw->state = S_DISCONNECTED;
            end_dump(sw);
        }
        sw->conn_seqno = seqno;
    } else if (sw->state == S_DISCONNECTED || seqno != sw->conn_seqno) {
        VLOG_INFO("%s: connected (%s); reading its flows", sw->target,
                  ofputil_version_to_string(rconn_get_version(sw->rconn)));
        sw->conn_seqno = seqno;
        end_dump(sw);
        clear_installed(sw);
        sw->state = S_SYNCING;

        struct flow_dump *fd = xzalloc(sizeof *fd);
        fd->mirror = &sw->installed;
        start_dump(sw, fd);
    }
}

/* Handles the message 'msg' received from the switch (the caller frees
 * it). */
static void
handle_msg(struct aovs_switch *sw, struct ofpbuf *msg)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    const struct ofp_header *oh = msg->data;
    enum ofptype type;

    if (ofptype_decode(&type, oh)) {
        VLOG_WARN_RL(&rl, "%s: ignoring a message that does not decode",
                     sw->target);
        return;
    }

    switch (type) {
    case OFPTYPE_ECHO_REQUEST:
        send_msg(sw, ofputil_encode_echo_reply(oh));
        return;

    case OFPTYPE_ERROR:
        if (sw->dump && oh->xid == sw->dump->xid) {
            VLOG_WARN_RL(&rl, "%s: the switch refused a flow dump: %s",
                         sw->target,
                         ofperr_to_string(ofperr_decode_msg(oh, NULL)));
            sw->dump->error = EPROTO;
            sw->dump->done = true;
        } else if (sw->active && bundle_owns_xid(sw->active, oh->xid)) {
            struct bundle *b = sw->active;
            if (b->n_errors >= b->allocated_errors) {
                b->errors = x2nrealloc(b->errors, &b->allocated_errors,
                                       sizeof *b->errors);
            }
            b->errors[b->n_errors++] = (struct switch_error) {
                .xid = oh->xid, .error = ofperr_decode_msg(oh, NULL),
            };
            if (oh->xid == b->xid) {
                b->replied = true;
            }
        } else {
            VLOG_WARN_RL(&rl, "%s: unexpected error from the switch: %s",
                         sw->target,
                         ofperr_to_string(ofperr_decode_msg(oh, NULL)));
        }
        return;

    case OFPTYPE_FLOW_STATS_REPLY:
        if (sw->dump && oh->xid == sw->dump->xid) {
            handle_flow_stats_reply(sw, msg);
            return;
        }
        break;

    default:
        if (sw->active && oh->xid == sw->active->xid
            && !sw->active->replied) {
            sw->active->replied = true;
            sw->active->reply = ofpbuf_clone(msg);
            return;
        }
        break;
    }
    VLOG_DBG_RL(&rl, "%s: ignoring %s message (xid %08"PRIx32")",
                sw->target, ofptype_get_name(type), ntohl(oh->xid));
}

/* Adds the flows in flow stats reply 'msg' to the dump in progress. */
static void
handle_flow_stats_reply(struct aovs_switch *sw, struct ofpbuf *msg)
{
    struct flow_dump *fd = sw->dump;
    const struct ofp_header *oh = msg->data;
    struct ofpbuf ofpacts;

    ofpbuf_init(&ofpacts, 64);
    for (;;) {
        struct ofputil_flow_stats fs;
        int retval = ofputil_decode_flow_stats_reply(&fs, msg, false,
                                                     &ofpacts);
        if (retval == EOF) {
            break;
        } else if (retval) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
            VLOG_WARN_RL(&rl, "%s: bad flow stats reply: %s", sw->target,
                         ofperr_to_string(retval));
            fd->error = EPROTO;
            fd->done = true;
            break;
        }

        struct aovs_flow *flow = aovs_flow_create(fs.table_id, fs.priority,
                                                  &fs.match, fs.ofpacts,
                                                  fs.ofpacts_len);
        flow->cookie = ntohll(fs.cookie);
        if (fd->mirror) {
            hmap_insert(fd->mirror, &flow->node, aovs_flow_hash(flow));
        } else {
            if (fd->out->n >= fd->allocated) {
                fd->out->flows = x2nrealloc(fd->out->flows, &fd->allocated,
                                            sizeof *fd->out->flows);
            }
            struct aovs_flow_stats *stats = &fd->out->flows[fd->out->n++];
            struct ds s = DS_EMPTY_INITIALIZER;
            ofputil_flow_stats_format(&s, &fs, NULL, NULL, false);
            *stats = (struct aovs_flow_stats) {
                .cookie = flow->cookie,
                .table_id = fs.table_id,
                .priority = fs.priority,
                .n_packets = fs.packet_count,
                .n_bytes = fs.byte_count,
                .flow = aovs_flow_to_string(flow),
                .ofctl = xstrdup(s.string + strspn(s.string, " ")),
            };
            ds_destroy(&s);
            aovs_flow_destroy(flow);
        }
    }
    ofpbuf_uninit(&ofpacts);

    if (!ofpmp_more(oh)) {
        fd->done = true;
    }
    if (fd->done && fd->mirror) {
        if (fd->error) {
            /* The mirror is incomplete: start over on a new
             * connection. */
            VLOG_WARN("%s: reconnecting to read the flows again",
                      sw->target);
            end_dump(sw);
            rconn_reconnect(sw->rconn);
        } else {
            VLOG_INFO("%s: ready, with %"PRIuSIZE" flows installed",
                      sw->target, hmap_count(&sw->installed));
            end_dump(sw);
            sw->state = S_READY;
            sw->reconnected = true;
        }
    }
}

/* Sends a request for every flow and makes 'fd' (owned by the caller, or,
 * when rebuilding the mirror, by 'sw') the dump in progress. */
static void
start_dump(struct aovs_switch *sw, struct flow_dump *fd)
{
    struct ofputil_flow_stats_request fsr = {
        .aggregate = false,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    match_init_catchall(&fsr.match);

    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(rconn_get_version(sw->rconn));
    struct ofpbuf *request = ofputil_encode_flow_stats_request(&fsr,
                                                               protocol);
    sw->dump = fd;
    fd->done = false;
    fd->error = 0;
    fd->xid = send_msg(sw, request);
}

/* Forgets the dump in progress, if any, freeing it if 'sw' owns it. */
static void
end_dump(struct aovs_switch *sw)
{
    if (sw->dump && sw->dump->mirror) {
        free(sw->dump);
    }
    sw->dump = NULL;
}

/* Empties the mirror. */
static void
clear_installed(struct aovs_switch *sw)
{
    struct aovs_flow *flow;
    HMAP_FOR_EACH_POP (flow, node, &sw->installed) {
        aovs_flow_destroy(flow);
    }
}

/* Starts a synchronous call described by 'what' on 'sw', filling 'call'.
 * Nested calls are a bug and abort. */
static void
call_start(struct aovs_switch *sw, struct call *call, const char *what,
           char **errorp)
{
    ovs_assert(!sw->in_call);
    *errorp = NULL;
    sw->in_call = true;
    call->what = what;
    call->deadline = time_msec() + sw->timeout_ms;
    call->conn_seqno = 0;
    call->errorp = errorp;
}

/* Ends the synchronous call in progress. */
static void
call_end(struct aovs_switch *sw)
{
    sw->in_call = false;
}

/* Returns the message for call or bundle 'what' whose connection
 * dropped. */
static char *
dropped_message(const struct aovs_switch *sw, const char *what)
{
    return xasprintf("%s on %s: the connection dropped; the flows are read "
                     "again on reconnection", what, sw->target);
}

/* Returns the message for call or bundle 'what' that got no answer in
 * time (the caller resets the connection, so that nothing half sent
 * survives). */
static char *
timeout_message(const struct aovs_switch *sw, const char *what)
{
    return xasprintf("%s on %s: no answer from the switch within %d ms; "
                     "reconnecting", what, sw->target, sw->timeout_ms);
}

/* Does one round of I/O for 'call'.  Returns 0, or ECONNRESET (with a
 * message) if the connection the call was using has dropped. */
static int
call_step(struct aovs_switch *sw, const struct call *call)
{
    switch_io(sw, 0);
    if (call->conn_seqno
        && (sw->state == S_DISCONNECTED
            || sw->conn_seqno != call->conn_seqno)) {
        *call->errorp = dropped_message(sw, call->what);
        return ECONNRESET;
    }
    return 0;
}

/* Blocks until there is more I/O for 'call' or its deadline.  Returns 0,
 * or ETIMEDOUT (with a message) if the deadline has passed, after
 * resetting the connection so that nothing half-sent survives. */
static int
call_block(struct aovs_switch *sw, const struct call *call)
{
    if (time_msec() >= call->deadline) {
        *call->errorp = timeout_message(sw, call->what);
        if (call->conn_seqno) {
            rconn_reconnect(sw->rconn);
            check_connection(sw);
        }
        return ETIMEDOUT;
    }
    switch_io_wait(sw);
    poll_timer_wait_until(call->deadline);
    poll_block();
    return 0;
}

/* Waits, within 'call''s deadline, until 'sw' is ready, then binds 'call'
 * to the current connection.  Returns 0, or ENOTCONN with a message. */
static int
wait_ready(struct aovs_switch *sw, struct call *call)
{
    for (;;) {
        switch_io(sw, 0);
        if (sw->state == S_READY) {
            call->conn_seqno = sw->conn_seqno;
            return 0;
        }
        if (time_msec() >= call->deadline) {
            int last_error = rconn_get_last_error(sw->rconn);
            *call->errorp = xasprintf(
                "%s on %s: %s within %d ms%s%s", call->what, sw->target,
                (sw->state == S_SYNCING
                 ? "connected, but the switch did not send its flows"
                 : "no OpenFlow connection"), sw->timeout_ms,
                last_error ? ": " : "",
                last_error ? ovs_retval_to_string(last_error) : "");
            return ENOTCONN;
        }
        switch_io_wait(sw);
        poll_timer_wait_until(call->deadline);
        poll_block();
    }
}

/* Queues 'msg' for the switch and returns its xid. */
static ovs_be32
send_msg(struct aovs_switch *sw, struct ofpbuf *msg)
{
    ofpmsg_update_length(msg);

    ovs_be32 xid = ((const struct ofp_header *) msg->data)->xid;
    int error = rconn_send(sw->rconn, msg, sw->txq);
    if (error) {
        /* rconn_send() freed 'msg'; the caller notices the disconnection
         * through the connection seqno. */
        VLOG_DBG("%s: sending failed (%s)", sw->target,
                 ovs_strerror(error));
    }
    return xid;
}

/* Returns true if 'msg' is a bundle control reply of type 'type' for
 * bundle 'bundle_id'. */
static bool
is_bundle_reply(const struct ofpbuf *msg, uint32_t bundle_id, uint16_t type)
{
    struct ofputil_bundle_ctrl_msg bc;
    enum ofptype msg_type;

    return (msg
            && !ofptype_decode(&msg_type, msg->data)
            && msg_type == OFPTYPE_BUNDLE_CONTROL
            && !ofputil_decode_bundle_ctrl(msg->data, &bc)
            && bc.bundle_id == bundle_id
            && bc.type == type);
}

/* Starts a bundle of the 'n_ops' changes in 'ops' ('what' for messages;
 * 'stats' is what it reports on success) on 'sw''s connection, which must
 * be ready, with 'deadline' as its bound: sends the open request and
 * makes it the bundle that receives the switch's errors and replies.  If
 * 'owns_ops', the bundle frees 'ops' and their 'desired' flows. */
static struct bundle *
bundle_create(struct aovs_switch *sw, const char *what, struct op *ops,
              size_t n_ops, bool owns_ops,
              const struct aovs_commit_stats *stats, long long deadline)
{
    ovs_assert(!sw->active && sw->state == S_READY);
    struct bundle *b = xzalloc(sizeof *b);
    b->what = what;
    b->ops = ops;
    b->n_ops = n_ops;
    b->owns_ops = owns_ops;
    b->id = sw->next_bundle_id++;
    b->phase = B_ADDING;
    b->conn_seqno = sw->conn_seqno;
    b->deadline = deadline;
    b->stats = *stats;
    sw->active = b;
    b->open_xid = send_msg(sw, encode_ctrl(sw, b, OFPBCT_OPEN_REQUEST));
    return b;
}

/* Returns the bundle control request 'type' for 'b'. */
static struct ofpbuf *
encode_ctrl(const struct aovs_switch *sw, const struct bundle *b,
            uint16_t type)
{
    struct ofputil_bundle_ctrl_msg bc = {
        .bundle_id = b->id,
        .type = type,
        .flags = BUNDLE_FLAGS,
    };
    return ofputil_encode_bundle_ctrl_request(rconn_get_version(sw->rconn),
                                              &bc);
}

/* Returns true if 'xid' is that of a message 'b' sent (not, e.g., of a
 * packet-out sent meanwhile, whose error must not fail the bundle). */
static bool
bundle_owns_xid(const struct bundle *b, ovs_be32 xid)
{
    if (xid == b->open_xid || xid == b->xid) {
        return true;
    }
    for (size_t k = 0; k < b->n_sent; k++) {
        if (b->ops[k].xid == xid) {
            return true;
        }
    }
    return false;
}

/* Ends 'b' with 'error' and 'message' (NULL on success). */
static void
bundle_finish(struct aovs_switch *sw, struct bundle *b, int error,
              char *message)
{
    b->phase = B_DONE;
    b->error = error;
    b->message = message;
    ofpbuf_delete(b->reply);
    b->reply = NULL;
    if (sw->active == b) {
        sw->active = NULL;
    }
}

/* Ends 'b', whose flow_mods or commit the switch refused, with an error
 * that names what it refused. */
static void
bundle_refused(struct aovs_switch *sw, struct bundle *b)
{
    int error;
    char *msg = format_errors(b, &error);
    bundle_finish(sw, b, error, xasprintf("%s on %s: %s; nothing was "
                                          "changed", b->what, sw->target,
                                          msg));
    free(msg);
}

/* Sends 'msg' (a barrier or a bundle control request of 'b') and awaits
 * its reply in 'phase'. */
static void
bundle_await(struct aovs_switch *sw, struct bundle *b, struct ofpbuf *msg,
             enum bundle_phase phase)
{
    b->replied = false;
    ofpbuf_delete(b->reply);
    b->reply = NULL;
    b->xid = send_msg(sw, msg);
    b->phase = phase;
}

/* Returns true if 'b' has flow_mods left to send and the connection room
 * to queue them. */
static bool
bundle_can_send(const struct aovs_switch *sw, const struct bundle *b)
{
    return (b->phase == B_ADDING && b->n_sent < b->n_ops
            && rconn_packet_counter_n_packets(sw->txq) < MAX_QUEUED_MSGS);
}

/* Advances 'b' as far as it can without blocking (call it after
 * switch_io()).  The flow_mods go out as the connection's queue drains,
 * then a barrier: its reply means the switch has judged every one of
 * them.  Then the commit, unless the switch refused some, which the
 * bundle's discard follows instead (a refused flow_mod is left out of
 * the bundle, so committing the rest would break its atomicity).  Once
 * committed, the mirror takes the changes and the datapath purge is
 * requested. */
static void
bundle_step(struct aovs_switch *sw, struct bundle *b)
{
    if (b->phase == B_DONE) {
        return;
    }
    if (sw->state == S_DISCONNECTED || sw->conn_seqno != b->conn_seqno) {
        bundle_finish(sw, b, ECONNRESET, dropped_message(sw, b->what));
        return;
    }

    if (b->phase == B_ADDING) {
        while (bundle_can_send(sw, b)) {
            struct op *op = &b->ops[b->n_sent++];
            op->xid = send_msg(sw, encode_op(sw, op, b->id, BUNDLE_FLAGS));
        }
        if (b->n_sent == b->n_ops) {
            bundle_await(sw, b, ofputil_encode_barrier_request(
                             rconn_get_version(sw->rconn)), B_BARRIER);
        }
    } else if (b->phase == B_BARRIER && b->replied) {
        if (b->n_errors) {
            bundle_await(sw, b, encode_ctrl(sw, b, OFPBCT_DISCARD_REQUEST),
                         B_DISCARDING);
        } else {
            bundle_await(sw, b, encode_ctrl(sw, b, OFPBCT_COMMIT_REQUEST),
                         B_COMMITTING);
        }
    } else if (b->phase == B_COMMITTING && b->replied) {
        if (!b->n_errors && is_bundle_reply(b->reply, b->id,
                                            OFPBCT_COMMIT_REPLY)) {
            for (size_t k = 0; k < b->n_ops; k++) {
                apply_op(sw, &b->ops[k]);
            }
            purge_request(sw);
            bundle_finish(sw, b, 0, NULL);
        } else if (b->n_errors) {
            bundle_refused(sw, b);
        } else {
            rconn_reconnect(sw->rconn);
            bundle_finish(sw, b, EPROTO, xasprintf(
                              "%s on %s: unexpected reply to the bundle "
                              "commit", b->what, sw->target));
        }
        return;
    }

    if (b->phase == B_DISCARDING
        && (b->replied || time_msec() >= b->deadline)) {
        /* Over either way: the refused flows matter more than whether
         * the discard was answered. */
        bundle_refused(sw, b);
    } else if (b->phase != B_DONE && time_msec() >= b->deadline) {
        /* Resetting the connection discards whatever was half sent. */
        rconn_reconnect(sw->rconn);
        check_connection(sw);
        bundle_finish(sw, b, ETIMEDOUT, timeout_message(sw, b->what));
    }
}

/* Frees 'b', which is over (or never ran). */
static void
bundle_destroy(struct bundle *b)
{
    if (b) {
        if (b->owns_ops) {
            for (size_t k = 0; k < b->n_ops; k++) {
                aovs_flow_destroy(CONST_CAST(struct aovs_flow *,
                                             b->ops[k].desired));
            }
            free(b->ops);
        }
        ofpbuf_delete(b->reply);
        free(b->errors);
        free(b->message);
        free(b);
    }
}

/* Blocks until the bundle 'b' is over (within its own deadline). */
static void
bundle_block_until_done(struct aovs_switch *sw, struct bundle *b)
{
    for (;;) {
        switch_io(sw, 0);
        bundle_step(sw, b);
        if (b->phase == B_DONE) {
            return;
        }
        if (!bundle_can_send(sw, b)) {
            switch_io_wait(sw);
            poll_timer_wait_until(b->deadline);
            poll_block();
        }
    }
}

/* Lets the asynchronous commit in progress, if any, end before a
 * synchronous call: the mirror must include its changes (or know they
 * failed) before anything is compared with it.  Its outcome stays for
 * aovs_switch_commit_poll(). */
static void
finish_async(struct aovs_switch *sw)
{
    if (sw->async && sw->async->phase != B_DONE) {
        bundle_block_until_done(sw, sw->async);
    }
}

/* Sends the 'n_ops' changes in 'ops' as one bundle and commits it, within
 * 'call''s bounds.  Returns 0 once the switch has committed it (the
 * mirror then has the changes), otherwise an error with a message (the
 * bundle is then discarded, or dropped with the connection). */
static int
run_bundle(struct aovs_switch *sw, const struct call *call, struct op *ops,
           size_t n_ops, const struct aovs_commit_stats *stats)
{
    struct bundle *b = bundle_create(sw, call->what, ops, n_ops, false,
                                     stats, call->deadline);
    bundle_block_until_done(sw, b);
    int error = b->error;
    *call->errorp = b->message;
    b->message = NULL;
    bundle_destroy(b);
    return error;
}

/* Returns the bundle add message for 'op' in bundle 'bundle_id' with
 * bundle flags 'flags'. */
static struct ofpbuf *
encode_op(const struct aovs_switch *sw, const struct op *op,
          uint32_t bundle_id, uint16_t flags)
{
    enum ofp_version version = rconn_get_version(sw->rconn);
    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(version);
    const struct aovs_flow *flow = op->desired ? op->desired : op->installed;
    struct ofputil_flow_mod fm = {
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .new_cookie = OVS_BE64_MAX,
    };

    switch (op->type) {
    case OP_DELETE:
        fm.command = OFPFC_DELETE_STRICT;
        break;
    case OP_DELETE_ROUND:
        fm.command = OFPFC_DELETE;
        fm.table_id = OFPTT_ALL;
        fm.cookie = htonll(op->cookie);
        fm.cookie_mask = htonll(UINT64_C(0xffff)
                                << AOVS_COOKIE_ROUND_SHIFT);
        break;
    case OP_MODIFY:
        fm.command = OFPFC_MODIFY_STRICT;
        break;
    case OP_REPLACE:
    case OP_ADD:
        fm.command = OFPFC_ADD;
        fm.new_cookie = htonll(op->cookie);
        break;
    default:
        OVS_NOT_REACHED();
    }
    if (flow) {
        fm.match = flow->match;
        fm.priority = flow->priority;
        fm.table_id = flow->table_id;
    } else {
        minimatch_init_catchall(&fm.match);
    }
    if (op->desired) {
        fm.ofpacts = op->desired->ofpacts;
        fm.ofpacts_len = op->desired->ofpacts_len;
    }

    struct ofpbuf *fm_msg = ofputil_encode_flow_mod(&fm, protocol);
    if (!flow) {
        minimatch_destroy(&fm.match);
    }
    ofpmsg_update_length(fm_msg);

    struct ofputil_bundle_add_msg bam = {
        .bundle_id = bundle_id,
        .flags = flags,
        .msg = fm_msg->data,
    };
    struct ofpbuf *add = ofputil_encode_bundle_add(version, &bam);
    ofpbuf_delete(fm_msg);
    return add;
}

/* Updates the mirror for 'op', which the switch has committed. */
static void
apply_op(struct aovs_switch *sw, const struct op *op)
{
    struct aovs_flow *flow;

    switch (op->type) {
    case OP_DELETE:
        hmap_remove(&sw->installed, &op->installed->node);
        aovs_flow_destroy(op->installed);
        break;

    case OP_DELETE_ROUND:
        HMAP_FOR_EACH_SAFE (flow, node, &sw->installed) {
            if (aovs_cookie_round(flow->cookie)
                == aovs_cookie_round(op->cookie)) {
                hmap_remove(&sw->installed, &flow->node);
                aovs_flow_destroy(flow);
            }
        }
        break;

    case OP_MODIFY:
    case OP_REPLACE:
        flow = op->installed;
        free(flow->ofpacts);
        flow->ofpacts = (op->desired->ofpacts_len
                         ? xmemdup(op->desired->ofpacts,
                                   op->desired->ofpacts_len)
                         : NULL);
        flow->ofpacts_len = op->desired->ofpacts_len;
        flow->cookie = op->cookie;
        break;

    case OP_ADD:
        flow = aovs_flow_clone(op->desired);
        flow->cookie = op->cookie;
        hmap_insert(&sw->installed, &flow->node, op->desired->node.hash);
        break;

    default:
        OVS_NOT_REACHED();
    }
}

/* Returns a description of the errors received during bundle 'b',
 * naming the flows they are about, and stores in '*errorp' EINVAL if some
 * are about a flow, otherwise EPROTO.  The caller frees the string. */
static char *
format_errors(const struct bundle *b, int *errorp)
{
    const struct switch_error *first = NULL;
    const struct op *first_op = NULL;

    /* Prefer an error about a flow to one about the bundle. */
    for (size_t e = 0; e < b->n_errors && !first_op; e++) {
        for (size_t k = 0; k < b->n_ops; k++) {
            if (b->ops[k].xid == b->errors[e].xid) {
                first = &b->errors[e];
                first_op = &b->ops[k];
                break;
            }
        }
    }
    if (!first) {
        first = b->n_errors ? &b->errors[0] : NULL;
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    if (!first) {
        ds_put_cstr(&s, "the switch refused the bundle");
    } else if (first_op) {
        const struct aovs_flow *flow = (first_op->desired
                                        ? first_op->desired
                                        : first_op->installed);
        ds_put_format(&s, "the switch refused flow ");
        if (flow) {
            char *text = aovs_flow_to_string(flow);
            ds_put_format(&s, "\"%s\"", text);
            free(text);
        } else {
            ds_put_format(&s, "deletion of round %"PRIu16,
                          aovs_cookie_round(first_op->cookie));
        }
        ds_put_format(&s, ": %s (%s)", ofperr_get_name(first->error),
                      ofperr_get_description(first->error));
    } else {
        ds_put_format(&s, "the switch refused the bundle: %s (%s)",
                      ofperr_get_name(first->error),
                      ofperr_get_description(first->error));
    }
    if (b->n_errors > 1) {
        ds_put_format(&s, " (and %"PRIuSIZE" more error%s)",
                      b->n_errors - 1, b->n_errors > 2 ? "s" : "");
    }
    *errorp = first_op ? EINVAL : EPROTO;
    return ds_steal_cstr(&s);
}

/* qsort() comparison of two 'struct aovs_flow_stats': by table, then
 * priority (highest first), then text. */
static int
compare_flow_stats(const void *a_, const void *b_)
{
    const struct aovs_flow_stats *a = a_;
    const struct aovs_flow_stats *b = b_;

    if (a->table_id != b->table_id) {
        return a->table_id < b->table_id ? -1 : 1;
    } else if (a->priority != b->priority) {
        return a->priority > b->priority ? -1 : 1;
    } else {
        return strcmp(a->flow, b->flow);
    }
}

/* Makes 'sw' purge the datapath's flows after each commit that changes
 * flows ('enable', the default) or not (see aovs-switch.h). */
void
aovs_switch_set_datapath_purge(struct aovs_switch *sw, bool enable)
{
    sw->purge.enabled = enable;
    if (!enable) {
        purge_close(sw);
    }
}

/* Returns true while a datapath purge requested by a commit has not been
 * done yet (aovs_switch_run() advances it). */
bool
aovs_switch_datapath_purge_pending(const struct aovs_switch *sw)
{
    return sw->purge.step >= 0 || sw->purge.again;
}

/* Returns the number of datapath purges done so far. */
unsigned int
aovs_switch_get_datapath_purges(const struct aovs_switch *sw)
{
    return sw->purge.n_done;
}

/* Returns the control socket of the ovs-vswitchd that serves 'sw''s
 * target "unix:DIR/BRIDGE.mgmt": DIR/ovs-vswitchd.PID.ctl when
 * DIR/ovs-vswitchd.pid names a process with such a socket (ovs-vswitchd
 * --pidfile, as ovs-appctl finds it), else DIR/ovs-vswitchd.ctl if it
 * exists (--unixctl=DIR/ovs-vswitchd.ctl), else NULL.  The caller frees
 * the string. */
static char *
purge_ctl_path(const struct aovs_switch *sw)
{
    struct stat st;

    if (strncmp(sw->target, "unix:", 5)) {
        return NULL;
    }
    const char *file = sw->target + 5;
    const char *slash = strrchr(file, '/');
    if (!slash) {
        return NULL;
    }

    char *dir = xmemdup0(file, slash - file);
    char *pidfile = xasprintf("%s/ovs-vswitchd.pid", dir);
    char *path = NULL;
    if (!stat(pidfile, &st)) {
        pid_t pid = read_pidfile(pidfile);
        if (pid > 0) {
            path = xasprintf("%s/ovs-vswitchd.%ld.ctl", dir, (long) pid);
            if (stat(path, &st)) {
                free(path);
                path = NULL;
            }
        }
    }
    if (!path) {
        path = xasprintf("%s/ovs-vswitchd.ctl", dir);
        if (stat(path, &st)) {
            free(path);
            path = NULL;
        }
    }
    free(pidfile);
    free(dir);
    return path;
}

/* Closes the control connection and forgets the sequence in progress. */
static void
purge_close(struct aovs_switch *sw)
{
    jsonrpc_close(sw->purge.rpc);
    sw->purge.rpc = NULL;
    json_destroy(sw->purge.request_id);
    sw->purge.request_id = NULL;
    sw->purge.step = -1;
    sw->purge.again = false;
}

/* Sends unixctl command 'command' (no arguments) on the control
 * connection, remembering its id.  Returns 0 or an errno value. */
static int
purge_send(struct aovs_switch *sw, const char *command)
{
    struct json *id;
    struct jsonrpc_msg *request
        = jsonrpc_create_request(command, json_array_create_empty(), &id);

    json_destroy(sw->purge.request_id);
    sw->purge.request_id = id;
    return jsonrpc_send(sw->purge.rpc, request);
}

/* Starts a purge sequence: connects to ovs-vswitchd's control socket (a
 * unix socket: the connection is made at once) and asks for the first
 * revalidator/wait.  On failure, logs why and stays idle. */
static void
purge_start(struct aovs_switch *sw)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    sw->purge.again = false;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!sw->purge.rpc) {
            char *path = purge_ctl_path(sw);
            if (!path) {
                if (!sw->purge.warned) {
                    sw->purge.warned = true;
                    VLOG_WARN("%s: no ovs-vswitchd control socket next to "
                              "it; cannot purge stale datapath flows after "
                              "flow changes", sw->target);
                }
                return;
            }
            int error = unixctl_client_create(path, &sw->purge.rpc);
            if (error) {
                VLOG_WARN_RL(&rl, "%s: cannot connect to %s (%s); stale "
                             "datapath flows may remain", sw->target, path,
                             ovs_strerror(error));
                free(path);
                sw->purge.rpc = NULL;
                return;
            }
            free(path);
        }
        sw->purge.step = 0;
        if (!purge_send(sw, "revalidator/wait")) {
            return;
        }
        /* A connection to an ovs-vswitchd that has since restarted:
         * reconnect once. */
        purge_close(sw);
    }
    VLOG_WARN_RL(&rl, "%s: cannot talk to ovs-vswitchd's control socket; "
                 "stale datapath flows may remain", sw->target);
}

/* Asks for a purge after a commit that changed flows: starts a sequence,
 * or, if one is running, makes it start over once done (its waits may
 * have begun before this change). */
static void
purge_request(struct aovs_switch *sw)
{
    if (!sw->purge.enabled) {
        return;
    }
    if (sw->purge.step < 0) {
        purge_start(sw);
    } else {
        sw->purge.again = true;
    }
}

/* Advances the purge sequence without blocking. */
static void
purge_run(struct aovs_switch *sw)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct dp_purge *p = &sw->purge;

    if (p->step < 0) {
        return;
    }

    jsonrpc_run(p->rpc);
    for (;;) {
        struct jsonrpc_msg *msg;
        int error = jsonrpc_recv(p->rpc, &msg);
        if (error == EAGAIN) {
            return;
        } else if (error) {
            VLOG_WARN_RL(&rl, "%s: the ovs-vswitchd control connection "
                         "failed (%s); stale datapath flows may remain",
                         sw->target, ovs_retval_to_string(error));
            purge_close(sw);
            return;
        }

        bool ours = ((msg->type == JSONRPC_REPLY
                      || msg->type == JSONRPC_ERROR)
                     && p->request_id && json_equal(msg->id, p->request_id));
        if (ours && msg->type == JSONRPC_ERROR) {
            /* e.g. "can't wait on multiple udpifs": the purge alone is
             * still better than nothing. */
            char *text = json_to_string(msg->error, 0);
            VLOG_WARN_RL(&rl, "%s: ovs-vswitchd refused %s: %s",
                         sw->target, p->step < PURGE_WAITS
                         ? "revalidator/wait" : "revalidator/purge", text);
            free(text);
            if (p->step < PURGE_WAITS) {
                p->step = PURGE_WAITS - 1;
            }
        }
        jsonrpc_msg_destroy(msg);
        if (!ours) {
            continue;
        }

        p->step++;
        if (p->step <= PURGE_WAITS) {
            const char *command = (p->step < PURGE_WAITS
                                   ? "revalidator/wait"
                                   : "revalidator/purge");
            if (purge_send(sw, command)) {
                VLOG_WARN_RL(&rl, "%s: cannot send %s to ovs-vswitchd; "
                             "stale datapath flows may remain", sw->target,
                             command);
                purge_close(sw);
                return;
            }
        } else {
            p->n_done++;
            p->step = -1;
            json_destroy(p->request_id);
            p->request_id = NULL;
            VLOG_DBG("%s: datapath flows purged", sw->target);
            if (p->again) {
                purge_start(sw);
            }
            return;
        }
    }
}

/* Registers the purge sequence's connection with OVS's poll loop. */
static void
purge_wait(struct aovs_switch *sw)
{
    if (sw->purge.step >= 0 && sw->purge.rpc) {
        jsonrpc_wait(sw->purge.rpc);
        jsonrpc_recv_wait(sw->purge.rpc);
    }
}
