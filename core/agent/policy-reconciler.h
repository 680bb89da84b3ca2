/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's NetworkPolicy reconciler: keeps the NetworkPolicy flows in
 * the bridge equal to what the policy cache (policy-cache.h) says.
 *
 * Feeding it: the control-plane watch hands its events to the cache
 * (policy_reconciler_cache(), then policy_cache_apply_event() and, after
 * each (re)sync, policy_cache_replace*()); the datapath reports local Pods
 * as they come and go (policy_reconciler_pod_added/removed()).  Those
 * calls only record what changed.  policy_reconciler_sync() (or _run(),
 * once per event-loop iteration) then recomputes the rules of the touched
 * policies, updates the desired flows and sends everything that changed in
 * ONE commit (one OpenFlow bundle).
 *
 * Flows (policy-flows.h, docs/ovs-pipeline.md "NetworkPolicy"):
 *   - each rule is split by its resolved service set (named ports resolved
 *     per Pod: ingress from the applied-to Pod's ports, egress from the
 *     destination AddressGroup member's ports; a named port a Pod does not
 *     have matches nothing for it); each part gets a conjunction id from
 *     an allocator shared by both directions (from 1, released ids are
 *     reused), kept as long as the rule and the part exist;
 *   - identical match flows (same table, priority and match) of several
 *     rules are one flow whose actions are all their conjunction()
 *     contributions, reference-counted: a rule going away removes only its
 *     own contributions;
 *   - every applied-to Pod of a policy with a rule in a direction gets the
 *     default drop of that direction (also shared and counted);
 *   - a rule whose groups have not all arrived yet keeps what it had
 *     (nothing, if new), so a resync never opens a gap;
 *   - the static flows (established connections and the gateway bypass
 *     the rule tables) are put when the reconciler is created.
 *
 * A flow whose actions did not change is not handed to the bridge again,
 * so replacing the cache with the same objects after a controller restart
 * sends nothing.
 *
 * The bridge is reached through struct policy_sink, so the reconciler can
 * be tested without a switch; policy_sink_for_bridge() (policy-bridge.h)
 * makes one for the agent's bridge.  Each desired flow is one sink object.
 */

#ifndef POLICY_RECONCILER_H
#define POLICY_RECONCILER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antrea/net-types.h"

struct pipeline_flows;
struct pipeline_node_config;
struct policy_cache;

/* Where the flows go: the agent's bridge (bridge.h) or a test double.
 * Every function is called only from policy_reconciler_* calls. */
struct policy_sink {
    /* Returns a new object id (never 0). */
    uint64_t (*new_object)(void *aux);
    /* Replaces the flows of object 'id' with 'flows' (not committed). */
    int (*set_flows)(void *aux, uint64_t id,
                     const struct pipeline_flows *flows, char **errorp);
    /* Removes the flows of object 'id' (not committed). */
    void (*remove_flows)(void *aux, uint64_t id);
    /* Sends what changed as one bundle. */
    int (*commit)(void *aux, char **errorp);
    void *aux;                      /* passed to each function */
};

/* Counters, for tests, logs and antctl. */
struct policy_reconciler_stats {
    size_t n_rules;                 /* rules with realized flows */
    size_t n_flows;                 /* desired NetworkPolicy flows, without
                                       the static ones */
    size_t n_conj_ids;              /* conjunction ids in use */
    size_t n_commits;               /* commits sent */
    size_t n_flow_sets;             /* flows handed to the sink */
    size_t n_flow_removals;         /* flows removed from the sink */
};

struct policy_reconciler;

/* Creates a reconciler that sends its flows to 'sink' (copied) for the
 * Node 'cfg' (its gateway IP is used).  Puts the static flows (committed
 * by the first sync).  Returns NULL with a message in '*errorp' if 'cfg'
 * is bad. */
struct policy_reconciler *policy_reconciler_create(
    const struct policy_sink *sink, const struct pipeline_node_config *cfg,
    char **errorp);

/* Frees the reconciler.  Its flows stay in the sink (the agent is going
 * away; a restarted agent replaces them). */
void policy_reconciler_destroy(struct policy_reconciler *);

/* The cache to feed with control-plane objects. */
struct policy_cache *policy_reconciler_cache(struct policy_reconciler *);

/* Local Pods: 'ip' is the Pod's IPv4 address, 'ofport' its port on
 * br-int.  Added again with other values, the Pod is updated. */
void policy_reconciler_pod_added(struct policy_reconciler *,
                                 const char *namespace, const char *name,
                                 uint32_t ofport, const struct antrea_ip *ip);
void policy_reconciler_pod_removed(struct policy_reconciler *,
                                   const char *namespace, const char *name);

/* Returns true if a sync has something to do. */
bool policy_reconciler_needs_sync(const struct policy_reconciler *);

/* Recomputes what changed and commits it in one bundle (no commit when
 * nothing changed in the sink).  Returns 0, or a positive errno value with
 * a message in '*errorp' (caller frees; may be NULL) if the sink refused a
 * flow or the commit failed; the next sync retries the commit. */
int policy_reconciler_sync(struct policy_reconciler *, char **errorp);

/* Event loop step: sync when needed, logging failures. */
void policy_reconciler_run(struct policy_reconciler *);

void policy_reconciler_get_stats(const struct policy_reconciler *,
                                 struct policy_reconciler_stats *);

/* Returns the desired NetworkPolicy flows (static ones included) as
 * "table=T,priority=P,MATCH actions=ACTIONS" lines sorted by text, for
 * tests and diagnostics.  The caller frees the string. */
char *policy_reconciler_dump_flows(const struct policy_reconciler *);

/* Returns the conjunction ids of the realized rules of NetworkPolicy
 * 'name' in a malloc'd array (caller frees; NULL if none), their number in
 * '*np', for antctl's "get ovsflows --networkpolicy" (agent-api.h). */
uint32_t *policy_reconciler_policy_conj_ids(const struct policy_reconciler *,
                                            const char *name, size_t *np);

#endif /* policy-reconciler.h */
