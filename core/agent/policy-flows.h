/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * NetworkPolicy rules as OpenFlow flows: pure functions (no I/O, no
 * globals) that turn one resolved part of a rule into the flows of
 * EgressRule (50) / IngressRule (90), and the isolation of a Pod into its
 * default drop in EgressDefault (60) / IngressDefault (100).  This is
 * Antrea v0.5's scheme (pkg/agent/openflow/network_policy.go);
 * docs/ovs-pipeline.md, section "NetworkPolicy", shows the flows.
 *
 * A rule part is a rule restricted to one resolved service set (named
 * ports are resolved per Pod, so one rule may have several parts, each
 * with its own conjunction id).  Its flows:
 *
 *   - with a peer (not "any"): a conjunction of 2 or 3 clauses, each a set
 *     of match flows at priority 200 whose action is
 *     conjunction(ID, CLAUSE/N):
 *       ingress: 1 = sources (nw_src of peer IPs and CIDRs),
 *                2 = destinations (reg1 = the applied-to Pods' ofports),
 *                3 = services (tp_dst), if any;
 *       egress:  1 = sources (nw_src of the applied-to Pods' IPs),
 *                2 = destinations (nw_dst of peer IPs and CIDRs),
 *                3 = services, if any;
 *     and one action flow at priority 190, "ip,conj_id=ID", to the next
 *     table (ConntrackCommit for ingress, L3Forwarding for egress);
 *   - with peer "any": no conjunction; the applied-to match times each
 *     service, at priority 190, straight to the next table.
 *
 * Flows come out as struct policy_flow: a key (table, priority, match
 * text) and what the flow contributes to the action of the flow with
 * that key.  Several rules may produce the same key (the same Pod in two
 * rules' clauses); the reconciler merges their contributions into one
 * OpenFlow flow with several conjunction() actions.  The match text of a
 * given key is always written the same way, so equal keys are equal
 * strings.
 *
 * ipBlock "except" ranges are subtracted from the block beforehand
 * (policy_prefix_subtract()), so a block becomes the exact list of CIDRs
 * it allows; no drop flows are needed, and another rule that allows an
 * excepted address still does.  Port ranges (end_port) become masked
 * tp_dst matches (policy_port_range_masks()).
 *
 * IPv4 only, as the pipeline: IPv6 input is refused with EINVAL.
 */

#ifndef POLICY_FLOWS_H
#define POLICY_FLOWS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antrea/net-types.h"

struct pipeline_flows;
struct pipeline_node_config;

/* Traffic direction of a rule. */
enum policy_direction {
    POLICY_DIRECTION_IN,            /* ingress: IngressRule/Default */
    POLICY_DIRECTION_OUT,           /* egress: EgressRule/Default */
};

/* One resolved service: a protocol and a port range. */
struct policy_service {
    uint8_t protocol;               /* IPPROTO_TCP, IPPROTO_UDP or
                                       IPPROTO_SCTP */
    uint16_t port;                  /* first port; 0: every port */
    uint16_t end_port;              /* last port (>= port), or 0 for just
                                       'port' */
};

/* What a generated flow contributes to the actions of its key. */
enum policy_flow_kind {
    POLICY_FLOW_CONJUNCTION,        /* conjunction(conj_id,clause/n) */
    POLICY_FLOW_GOTO,               /* goto_table:next_table */
    POLICY_FLOW_DROP,               /* drop */
};

/* One generated flow: key and contribution. */
struct policy_flow {
    uint8_t table;                  /* enum pipeline_table */
    uint16_t priority;              /* PIPELINE_PRIORITY_* */
    enum policy_flow_kind kind;     /* what the flow contributes */
    uint8_t clause;                 /* CONJUNCTION: 1-based clause */
    uint8_t n_clauses;              /* CONJUNCTION: 2 or 3 */
    uint8_t next_table;             /* GOTO: the table to go to */
    uint32_t conj_id;               /* CONJUNCTION: the conjunction id */
    char *match;                    /* ovs-ofctl match, in the list's
                                       text buffer */
};

/* A growable list of generated flows; zero-initialised it is empty.  The
 * match strings live in one buffer of the list (no allocation per flow:
 * a large policy makes tens of thousands of flows). */
struct policy_flow_list {
    struct policy_flow *flows;      /* 'n' flows in generation order */
    size_t n;                       /* number of flows */
    size_t allocated;               /* capacity of 'flows' */
    char *text;                     /* the matches, NUL-separated */
    size_t text_used;               /* bytes of 'text' in use */
    size_t text_allocated;          /* capacity of 'text' */
};

#define POLICY_FLOW_LIST_INITIALIZER { NULL, 0, 0, NULL, 0, 0 }

/* Frees the flows of 'list' and its buffers, leaving it empty and
 * valid. */
void policy_flow_list_destroy(struct policy_flow_list *list);

/* Empties 'list' but keeps its array for reuse. */
void policy_flow_list_clear(struct policy_flow_list *list);

/* One part of a rule, fully resolved.  Arrays are only read. */
struct policy_rule_part {
    enum policy_direction direction; /* IN or OUT */
    uint32_t conj_id;               /* nonzero; unused with 'peer_any' */
    const uint32_t *ofports;        /* IN: applied-to Pods' ofports */
    size_t n_ofports;               /* its length */
    const struct antrea_ip *pod_ips; /* OUT: applied-to Pods' IPs */
    size_t n_pod_ips;               /* its length */
    bool peer_any;                  /* the peer is everything */
    const struct antrea_ip *peer_ips; /* peer addresses (/32) */
    size_t n_peer_ips;              /* its length */
    const struct antrea_prefix *peer_cidrs; /* peer blocks, except ranges
                                               already subtracted */
    size_t n_peer_cidrs;            /* its length */
    const struct policy_service *services; /* empty: all traffic */
    size_t n_services;              /* its length */
};

/* Appends the flows of 'part' to 'out' and returns 0.  A part whose
 * applied-to side is empty, or whose peer is empty and not "any", matches
 * nothing and makes no flow.  On bad input (conj_id 0 where needed, an
 * ofport of 0, an IPv6 or bad address, a bad protocol or port range)
 * appends nothing and returns EINVAL with a message in '*errorp' (caller
 * frees; may be NULL). */
int policy_flows_rule_part(const struct policy_rule_part *part,
                           struct policy_flow_list *out, char **errorp);

/* Appends the default drop of an isolated Pod: ingress, by its ofport in
 * IngressDefault; egress, by its IP in EgressDefault.  EINVAL as above. */
int policy_flows_ingress_drop(uint32_t ofport, struct policy_flow_list *out,
                              char **errorp);
int policy_flows_egress_drop(const struct antrea_ip *pod_ip,
                             struct policy_flow_list *out, char **errorp);

/* Appends to 'out' the policy flows that do not depend on any policy,
 * owned by POLICY_FLOWS_OWNER_STATIC: established connections bypass
 * EgressRule and IngressRule (priority 210, ct_state=-new+est), so policy
 * changes never cut them, and traffic from the gateway's IP bypasses
 * IngressRule (the kubelet's liveness probes).  Returns 0 or EINVAL with
 * a message for a bad 'cfg'. */
int policy_flows_static(const struct pipeline_node_config *cfg,
                        struct pipeline_flows *out, char **errorp);

/* Owner key of the static flows and of the policy flows. */
#define POLICY_FLOWS_OWNER_STATIC "policy/static"
#define POLICY_FLOWS_OWNER "policy"

/* Returns the ovs-ofctl actions for the merged contributions of one key:
 * for CONJUNCTION the 'n' contributions in 'flows' (all of the same key;
 * their 'match' is not read), sorted by conjunction id and clause,
 * duplicates once; for GOTO and DROP the action of the first.  The caller
 * frees the string. */
char *policy_flow_actions(const struct policy_flow *flows, size_t n);

/* Stores in '*outp' (malloc'd, caller frees) and '*n_outp' the CIDRs that
 * make up 'block' minus every range in 'excepts' (ranges outside 'block'
 * change nothing), as few and as large as possible, in address order.
 * 'block' and 'excepts' must be of one family; the host bits of each are
 * ignored. */
void policy_prefix_subtract(const struct antrea_prefix *block,
                            const struct antrea_prefix *excepts,
                            size_t n_excepts, struct antrea_prefix **outp,
                            size_t *n_outp);

/* Stores in 'values' and 'masks' the fewest value/mask pairs whose union
 * is ports 'first' to 'last' (first <= last) and returns how many (at most
 * 32).  0-65535 is one pair with mask 0. */
size_t policy_port_range_masks(uint16_t first, uint16_t last,
                               uint16_t values[32], uint16_t masks[32]);

#endif /* policy-flows.h */
