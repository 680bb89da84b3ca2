/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Peer Nodes: a Node informer whose handlers ask the encap mode how each
 * other Node is reached (peer_path) and install what the answer needs:
 * the tunnel flows and the host route "podCIDR via peer-gateway dev
 * antrea-gw0 onlink" (tunnel), the route flows and a host route via the
 * peer's node IP (route), or the route flows alone (underlay: the host's
 * own routes carry the traffic).  Host routes carry the agent's protocol
 * marker (route.h).  With IPsec ('ipsec' in the options), a tunnelled
 * peer also gets its own IPsec tunnel port (ipsec-tunnels.h), removed
 * with the peer; stale ones go once the first Node list is applied.
 *
 * When some peers are reached through the gateway (the bridge's
 * peers_via_gateway: noEncap and hybrid), the peers also own the host
 * side Antrea sets up for those modes (reference/antrea.md section 8.1):
 *
 *   - route table PEERS_SERVICE_TABLE (300, Antrea's "Antrea-service")
 *     holding the local podCIDR "dev GW" and, for every tunnel or route
 *     peer, "podCIDR via peer-gateway dev GW onlink";
 *   - the ip rule "iif GW fwmark 0x800/0x800 lookup 300 priority 300";
 *   - the iptables chains of net/iptables.h with 'routed_peers' (the mark
 *     and the re-entrance NOTRACK), rewritten with every peer's podCIDR
 *     as a "do not masquerade" destination whenever the peer set
 *     changes, so Pod traffic to other Nodes' Pods keeps its source
 *     address and only traffic leaving the cluster is SNATed (unless
 *     noSNAT);
 *   - send_redirects off on "all" and on the gateway.
 *
 * Otherwise (encap) the ip rule is removed.  Once the first Node list is
 * applied, in a mode that forwards (ANTREA_ENCAP_FORWARDS), host routes
 * with the agent's marker that no current peer (or the local podCIDR)
 * accounts for are deleted: in table 300 all of them, in the main table
 * those with a next hop (every peer route has one).  They are left from
 * an earlier run.
 */

#ifndef AGENT_PEERS_H
#define AGENT_PEERS_H 1

#include <stdbool.h>

struct antrea_encap_mode_ops;
struct antrea_local_node;
struct bridge;
struct ipsec_tunnels;
struct k8s_client;

/* What the peers need. */
/* The agent's route table for Pod traffic to Services (Antrea's
 * "Antrea-service"), and the priority of the ip rule that selects it. */
#define PEERS_SERVICE_TABLE 300
#define PEERS_SERVICE_RULE_PRIORITY 300

struct peers_options {
    struct bridge *bridge;              /* flows */
    struct k8s_client *client;          /* the Node watch */
    const struct antrea_encap_mode_ops *mode; /* peer_path */
    void *mode_state;                   /* ... its state */
    const struct antrea_local_node *local; /* this Node (copied) */
    const char *gateway_name;           /* for host routes */
    bool no_snat;                       /* noSNAT: Pod traffic leaving the
                                           cluster is not masqueraded
                                           (only used with routed peers,
                                           which rewrite the chains) */
    /* IPsec: one tunnel port per tunnelled peer (ipsec-tunnels.h), or
     * NULL without encryption.  Owned by the caller. */
    struct ipsec_tunnels *ipsec;
    void (*synced)(void *aux);          /* called once, after the first
                                           list has been applied */
    void *aux;                          /* for 'synced' */
};

struct peers;

struct peers *peers_create(const struct peers_options *);
void peers_destroy(struct peers *);

#endif /* peers.h */
