/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers for the NetworkPolicy unit tests (test-policy-*.c): builders of
 * control-plane protobuf-c structs from short text (decode-free: the
 * structs are made in C as a decoder would make them, all malloc'd, and
 * freed with protobuf_c_message_free_unpacked()), a test Node, and a
 * recording sink that keeps flows in a real desired flow table
 * (aovs-flow.h), so every flow goes through OVS's own parser and two
 * objects can never hold the same flow key.
 */

#ifndef POLICY_TEST_UTIL_H
#define POLICY_TEST_UTIL_H 1

#include <stddef.h>
#include <stdint.h>

#include "antrea/net-types.h"
#include "controlplane.pb-c.h"
#include "pipeline.h"
#include "policy-map.h"
#include "policy-reconciler.h"

/* The test Node: gateway ofport 2, 10.10.0.1 in 10.10.0.0/24. */
#define PT_GW_OFPORT 2
#define PT_GW_IP "10.10.0.1"
void pt_node_config(struct pipeline_node_config *);

/* Parses 'text' or fails the test. */
struct antrea_ip pt_ip(const char *text);

/* Group members.  'ports' is "NAME:PROTO:NUMBER,..." (PROTO tcp, udp or
 * sctp) or NULL; 'ips' is "IP,IP..." or NULL. */
AntreaCp__GroupMember *pt_pod_member(const char *ns, const char *name,
                                     const char *ips, const char *ports);
AntreaCp__GroupMember *pt_ip_member(const char *ips);

/* Groups with the NULL-terminated members given (taken over). */
AntreaCp__AddressGroup *pt_address_group(const char *name, ...);
AntreaCp__AppliedToGroup *pt_applied_to_group(const char *name, ...);

/* A patch: 'added' and 'removed' are NULL-terminated arrays (taken over;
 * the arrays themselves are copied). */
AntreaCp__AddressGroupPatch *pt_address_group_patch(
    const char *name, AntreaCp__GroupMember **added,
    AntreaCp__GroupMember **removed);
AntreaCp__AppliedToGroupPatch *pt_applied_to_group_patch(
    const char *name, AntreaCp__GroupMember **added,
    AntreaCp__GroupMember **removed);

/* A rule.  'direction' "in" or "out"; 'groups' "G1,G2" or NULL; 'blocks'
 * "CIDR!EXCEPT!EXCEPT;CIDR..." or NULL; 'services' "PROTO[:PORT[-END]]"
 * or "PROTO:NAME", comma-separated, or NULL for all traffic. */
AntreaCp__NetworkPolicyRule *pt_rule(const char *direction,
                                     const char *groups, const char *blocks,
                                     const char *services);

/* An isolate-only rule of 'direction'. */
AntreaCp__NetworkPolicyRule *pt_isolate(const char *direction);

/* A policy applied to 'applied_to' ("G1,G2") with the NULL-terminated
 * rules given (taken over). */
AntreaCp__NetworkPolicy *pt_policy(const char *name, const char *applied_to,
                                   ...);

/* A watch event of 'type' carrying one object (taken over). */
AntreaCp__WatchEvent *pt_event_policy(AntreaCp__EventType,
                                      AntreaCp__NetworkPolicy *);
AntreaCp__WatchEvent *pt_event_address_group(AntreaCp__EventType,
                                             AntreaCp__AddressGroup *);
AntreaCp__WatchEvent *pt_event_applied_to_group(AntreaCp__EventType,
                                                AntreaCp__AppliedToGroup *);

/* Frees any of the above. */
void pt_free(void *message);

/* The recording sink. */
struct pt_sink {
    struct aovs_flow_table *table;  /* every flow, by owner */
    struct policy_map objects;      /* "ID" -> flow lines (char *) */
    uint64_t next_id;               /* next object id */
    size_t n_sets;                  /* set_flows calls */
    size_t n_removes;               /* remove_flows calls */
    size_t n_commits;               /* commit calls */
};

/* Makes 'ps' empty and returns the sink that records into it. */
struct policy_sink pt_sink_init(struct pt_sink *ps);
void pt_sink_destroy(struct pt_sink *ps);

/* Resets the call counters. */
void pt_sink_reset_counts(struct pt_sink *ps);

/* Returns every recorded flow as sorted lines without the static flows
 * ("table=T,priority=P,MATCH actions=A\n"...).  Caller frees. */
char *pt_sink_dump(const struct pt_sink *ps);

/* Sorts and joins the NULL-terminated lines given, each followed by "\n",
 * as pt_sink_dump() does.  Caller frees. */
char *pt_lines(const char *first, ...);

#endif /* policy-test-util.h */
