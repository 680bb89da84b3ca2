/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's OpenFlow pipeline as data: every flow the agent installs on
 * br-int for the Node itself, for each local Pod and for each peer Node,
 * computed from state by pure functions (no I/O, no globals).  This is
 * Antrea's kube-proxy era pipeline (tables Classifier 0 to L2ForwardingOut
 * 110); docs/ovs-pipeline.md describes it table by table.
 *
 * Each flow comes out as ovs-ofctl text (a match and an action list, as
 * "ovs-ofctl add-flow" and the OVS library's flow parser accept them) plus
 * its table, priority, cookie category and the key of the object that owns
 * it ("node", "pod/NAMESPACE/NAME", "peer/NODE").  The agent's desired-flow
 * table keys flows by owner, so it can replace or remove everything one
 * object made.  Ports are ofport numbers, never names.
 *
 * Memory: generators append to a caller-owned struct pipeline_flows; every
 * string in it is malloc'd and owned by it, released by
 * pipeline_flows_destroy().  Inputs are only read during the call; nothing
 * keeps a pointer to them.
 *
 * Only IPv4 is supported for now: an IPv6 address anywhere is refused with
 * a message.  NetworkPolicy flows (issue 5) will be added to EgressRule,
 * EgressDefault, IngressRule and IngressDefault, which are pass-through
 * tables until then.
 */

#ifndef PIPELINE_H
#define PIPELINE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antrea/net-types.h"

/* The OpenFlow tables, in pipeline order, with Antrea v0.5's numbers. */
enum pipeline_table {
    PIPELINE_TABLE_CLASSIFIER = 0,
    PIPELINE_TABLE_SPOOF_GUARD = 10,
    PIPELINE_TABLE_ARP_RESPONDER = 20,
    PIPELINE_TABLE_CONNTRACK = 30,
    PIPELINE_TABLE_CONNTRACK_STATE = 31,
    PIPELINE_TABLE_DNAT = 40,
    PIPELINE_TABLE_EGRESS_RULE = 50,
    PIPELINE_TABLE_EGRESS_DEFAULT = 60,
    PIPELINE_TABLE_L3_FORWARDING = 70,
    PIPELINE_TABLE_L2_FORWARDING_CALC = 80,
    PIPELINE_TABLE_INGRESS_RULE = 90,
    PIPELINE_TABLE_INGRESS_DEFAULT = 100,
    PIPELINE_TABLE_CONNTRACK_COMMIT = 105,
    PIPELINE_TABLE_L2_FORWARDING_OUT = 110,
};

/* The number of tables in enum pipeline_table. */
#define PIPELINE_N_TABLES 14

/* Returns table number 'index' (0 to PIPELINE_N_TABLES - 1) in pipeline
 * order, for walking all tables. */
enum pipeline_table pipeline_table_at(size_t index);

/* Returns Antrea's name of 'table' ("Classifier", "L3Forwarding", ...), or
 * NULL for a number that is not a pipeline table. */
const char *pipeline_table_name(unsigned int table);

/* Flow priorities. */
enum {
    PIPELINE_PRIORITY_HIGH = 210,
    PIPELINE_PRIORITY_NORMAL = 200,
    PIPELINE_PRIORITY_LOW = 190,
    PIPELINE_PRIORITY_MISS = 0,
};

/* Cookie categories (bits 40..47 of a flow cookie), with Antrea's values
 * (pkg/agent/openflow/cookie). */
enum pipeline_category {
    PIPELINE_CATEGORY_DEFAULT = 0,  /* table-miss and pipeline plumbing */
    PIPELINE_CATEGORY_GATEWAY = 1,  /* the gateway port */
    PIPELINE_CATEGORY_NODE = 2,     /* a peer Node */
    PIPELINE_CATEGORY_POD = 3,      /* a local Pod */
    PIPELINE_CATEGORY_SERVICE = 4,  /* Services (the Service CIDR) */
    PIPELINE_CATEGORY_POLICY = 5,   /* NetworkPolicy (issue 5) */
};

/* Returns the name of 'category' ("Default", "Gateway", ...), or NULL. */
const char *pipeline_category_name(enum pipeline_category category);

/* Cookie layout: round number in bits 48..63, category in bits 40..47,
 * bits 0..39 zero (free for the flow table's own use). */
#define PIPELINE_COOKIE_ROUND_SHIFT 48
#define PIPELINE_COOKIE_CATEGORY_SHIFT 40
#define PIPELINE_COOKIE_ROUND_MASK UINT64_C(0xffff000000000000)
#define PIPELINE_COOKIE_CATEGORY_MASK UINT64_C(0x0000ff0000000000)

/* Returns the cookie of a flow of 'category' installed in 'round'. */
uint64_t pipeline_cookie(uint16_t round, enum pipeline_category category);

/* Register marks and other constants the flows use, for tests, docs and
 * code that must agree with the pipeline (e.g. policy flows). */

/* reg0 bits 0..15: where the packet entered (set by Classifier). */
#define PIPELINE_FROM_TUNNEL 0
#define PIPELINE_FROM_GATEWAY 1
#define PIPELINE_FROM_LOCAL 2

/* reg0 bit 16: reg1 holds the output port (the "dmac" hit). */
#define PIPELINE_PORT_FOUND_BIT 16

/* The conntrack zone of all Pod traffic. */
#define PIPELINE_CT_ZONE 65520

/* ct_mark of connections that entered through the gateway. */
#define PIPELINE_CT_MARK_FROM_GATEWAY 0x20

/* Destination MAC of all tunnelled traffic, and the ARP responder's
 * answer for peer gateways. */
#define PIPELINE_GLOBAL_VIRTUAL_MAC "aa:bb:cc:dd:ee:ff"

/* Source MAC of packets sent back into the gateway they came from
 * (noEncap re-entrance), so the host's iptables can skip conntrack. */
#define PIPELINE_REENTRANCE_MAC "de:ad:be:ef:de:ad"

/* Owner key of the Node's own flows. */
#define PIPELINE_OWNER_NODE "node"

/* One OpenFlow flow.  All strings are owned by the struct pipeline_flows
 * that holds the flow. */
struct pipeline_flow {
    uint8_t table;                  /* enum pipeline_table */
    uint16_t priority;              /* PIPELINE_PRIORITY_* */
    enum pipeline_category category; /* cookie category */
    char *match;                    /* ovs-ofctl match, "" matches all */
    char *actions;                  /* ovs-ofctl actions, never "" */
    char *owner;                    /* "node", "pod/NS/NAME", "peer/NODE" */
    char *comment;                  /* why the flow exists, one line */
};

/* A growable list of flows.  Zero-initialised or pipeline_flows_init()ed
 * it is empty and valid. */
struct pipeline_flows {
    struct pipeline_flow *flows;    /* 'n' flows, in generation order */
    size_t n;                       /* number of flows */
    size_t allocated;               /* capacity of 'flows' */
};

#define PIPELINE_FLOWS_INITIALIZER { NULL, 0, 0 }

/* Makes 'flows' an empty list. */
void pipeline_flows_init(struct pipeline_flows *flows);

/* Frees every flow of 'flows' and its array, leaving it empty and valid.
 * Accepts NULL. */
void pipeline_flows_destroy(struct pipeline_flows *flows);

/* Returns 'flow' as one ovs-ofctl add-flow line without cookie:
 * "table=T,priority=P,MATCH actions=ACTIONS" (no comma before " actions"
 * when MATCH is "").  The caller frees it. */
char *pipeline_flow_to_string(const struct pipeline_flow *flow);

/* The local Node, as the pipeline needs it.  Addresses are values in the
 * format of antrea/net-types.h (network byte order). */
struct pipeline_node_config {
    uint32_t gateway_ofport;        /* ofport of the gateway (antrea-gw0) */
    struct antrea_ip gateway_ip;    /* gateway address, inside pod_cidr */
    uint8_t gateway_mac[6];         /* MAC of the gateway port */
    uint32_t tunnel_ofport;         /* ofport of antrea-tun0, 0 if the mode
                                       uses no tunnel */
    bool peers_via_gateway;         /* some peers are reached through the
                                       gateway (noEncap, hybrid): add the
                                       gateway re-entrance flows */
    struct antrea_prefix pod_cidr;  /* this Node's podCIDR */
    struct antrea_prefix service_cidr; /* the Service CIDR; family 0 if
                                          unknown (no DNAT flow) */
    struct antrea_ip node_ip;       /* this Node's transport address; used
                                       to check peers */
};

/* A Pod on this Node.  Strings are only read during the call. */
struct pipeline_pod {
    const char *namespace;          /* Kubernetes namespace */
    const char *name;               /* Pod name */
    uint32_t ofport;                /* ofport of its host-side veth */
    struct antrea_ip ip;            /* its address, inside the podCIDR */
    uint8_t mac[6];                 /* MAC of its interface in the Pod */
};

/* Another Node.  Strings are only read during the call. */
struct pipeline_peer {
    const char *name;               /* Kubernetes Node name */
    struct antrea_prefix pod_cidr;  /* its podCIDR */
    struct antrea_ip node_ip;       /* its transport address (tun_dst) */
    struct antrea_ip gateway_ip;    /* its gateway: first IP of pod_cidr */
};

/* Generators.  Each checks its input, then appends its flows to 'out' in
 * a fixed order and returns 0.  On bad input it appends nothing and
 * returns EINVAL with a message naming the input and what is wrong in
 * '*errorp' (caller frees; 'errorp' may be NULL).  The same input always
 * gives the same flows. */

/* Checks 'cfg' alone; what every generator does first. */
int pipeline_node_config_check(const struct pipeline_node_config *cfg,
                               char **errorp);

/* The Node's static flows, owned by "node": table-miss flows of every
 * table, gateway classifier and spoof guard, tunnel classifier, ARP
 * normal processing, conntrack, the Service CIDR sent to the gateway
 * (kube-proxy), tunnel-to-gateway L3 forwarding, the dmac entries of the
 * gateway and the tunnel, conntrack commit, output, and the re-entrance
 * flows when 'cfg->peers_via_gateway'. */
int pipeline_node_flows(const struct pipeline_node_config *cfg,
                        struct pipeline_flows *out, char **errorp);

/* The flows of local Pod 'pod', owned by "pod/NAMESPACE/NAME": classifier,
 * IP and ARP spoof guard, tunnel-to-Pod L3 forwarding (with a tunnel) and
 * the dmac entry. */
int pipeline_pod_flows(const struct pipeline_node_config *cfg,
                       const struct pipeline_pod *pod,
                       struct pipeline_flows *out, char **errorp);

/* The flows of peer Node 'peer' reached through the tunnel, owned by
 * "peer/NODE": L3 forwarding of its podCIDR into the tunnel with
 * tun_dst = its node IP, and the ARP responder for its gateway.  EINVAL if
 * 'cfg' has no tunnel port. */
int pipeline_peer_tunnel_flows(const struct pipeline_node_config *cfg,
                               const struct pipeline_peer *peer,
                               struct pipeline_flows *out, char **errorp);

/* The flows of peer Node 'peer' reached through the host (noEncap, hybrid
 * same subnet), owned by "peer/NODE": L3 forwarding of its podCIDR to the
 * gateway. */
int pipeline_peer_route_flows(const struct pipeline_node_config *cfg,
                              const struct pipeline_peer *peer,
                              struct pipeline_flows *out, char **errorp);

/* The ARP responder for the gateway IP of peer Node 'peer', owned by
 * "peer/NODE": the host's requests for it on the gateway are answered
 * with the global virtual MAC.  Part of pipeline_peer_tunnel_flows();
 * alone for a peer reached through the gateway (noEncap, hybrid same
 * subnet), whose podCIDR the agent's Service route table sends back into
 * OVS "via the peer gateway, onlink". */
int pipeline_peer_gateway_arp_flows(const struct pipeline_node_config *cfg,
                                    const struct pipeline_peer *peer,
                                    struct pipeline_flows *out,
                                    char **errorp);

/* networkPolicyOnly (the agent is chained after a primary CNI that owns
 * addresses and forwarding; Antrea's policy-only flows).  The Node's
 * extra flows, owned by "node/policyonly": an ARP responder that answers
 * every ARP request with the global virtual MAC (so Pods and the host
 * send everything to OVS, which decides), and a low-priority
 * L3Forwarding flow that sends what no local Pod owns to the gateway,
 * for the host (and the primary CNI's routes) to carry on. */
int pipeline_policyonly_node_flows(const struct pipeline_node_config *cfg,
                                   struct pipeline_flows *out,
                                   char **errorp);

/* The policy-only flows of local Pod 'pod' beyond pipeline_pod_flows()'s,
 * owned by "pod/NAMESPACE/NAME": L3Forwarding of its address to its MAC
 * (whatever the destination MAC the sender used). */
int pipeline_policyonly_pod_flows(const struct pipeline_node_config *cfg,
                                  const struct pipeline_pod *pod,
                                  struct pipeline_flows *out,
                                  char **errorp);

/* Owner key of the Node's policy-only flows. */
#define PIPELINE_OWNER_POLICYONLY "node/policyonly"

/* Owner keys, malloc'd (caller frees). */
char *pipeline_pod_owner(const char *namespace, const char *name);
char *pipeline_peer_owner(const char *node_name);

#endif /* pipeline.h */
