/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Encap mode plugins (kind ANTREA_PLUGIN_ENCAP_MODE): how Pod traffic
 * reaches other Nodes.  Exactly one is loaded, chosen by the YAML's
 * trafficEncapMode (encap, noEncap, hybrid, networkPolicyOnly) or by an
 * entry of its modules section.
 *
 * The mode module decides; the agent acts.  The agent owns the OVS bridge,
 * the flows, the routes and the iptables rules; the mode tells it, through
 * 'flags', which other modules and which agent features it needs, and,
 * through peer_path, how each peer Node is reached.  docs/plugins.md shows
 * how each of the four built-in modes uses these members.
 */

#ifndef ANTREA_ENCAP_MODE_H
#define ANTREA_ENCAP_MODE_H 1

#include "antrea/net-types.h"
#include "antrea/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Flags in struct antrea_encap_mode_ops.  The agent reads them after
 * loading the module and before loading any other. */

/* Pod traffic to some peers is tunnelled: the agent loads the tunnel type
 * module named by tunnelType and creates the flow-based tunnel port. */
#define ANTREA_ENCAP_USES_TUNNEL        (1u << 0)

/* The agent allocates Pod addresses: it loads the IPAM module and owns Pod
 * interfaces.  Clear for a mode chained after a primary CNI. */
#define ANTREA_ENCAP_DOES_IPAM          (1u << 1)

/* The agent forwards Pod traffic between Nodes (gateway, L3 flows, peer
 * routes).  Clear when another CNI does forwarding and the agent only
 * enforces NetworkPolicy. */
#define ANTREA_ENCAP_FORWARDS           (1u << 2)

/* trafficEncryptionMode: ipsec may be used with this mode. */
#define ANTREA_ENCAP_ALLOWS_ENCRYPTION  (1u << 3)

/* noSNAT: true may be used with this mode (Pod addresses are routable in
 * the underlay, so Pod traffic leaving the cluster need not be
 * masqueraded). */
#define ANTREA_ENCAP_ALLOWS_NO_SNAT     (1u << 4)

/* How the agent reaches a peer Node's Pods. */
enum antrea_peer_path {
    /* The agent installs nothing for the peer: another CNI forwards. */
    ANTREA_PEER_PATH_NONE = 0,

    /* An L3Forwarding flow sends the peer's podCIDR into the tunnel port
     * with tun_dst = the peer's node IP. */
    ANTREA_PEER_PATH_TUNNEL = 1,

    /* A host route "podCIDR via node IP": traffic leaves OVS through the
     * gateway and the host forwards it to the peer directly (same
     * subnet). */
    ANTREA_PEER_PATH_ROUTE = 2,

    /* Traffic leaves OVS through the gateway and the host's own routes
     * (the underlay) carry it; the agent adds no per-peer route. */
    ANTREA_PEER_PATH_UNDERLAY = 3,
};

/* What peer_path sees. */
struct antrea_peer_path_request {
    size_t size;                            /* sizeof, as the agent built it */
    const struct antrea_local_node *local;   /* this Node */
    const struct antrea_peer_node *peer;     /* the peer Node */
};

struct antrea_encap_mode_ops {
    struct antrea_plugin_lifecycle lifecycle;

    /* ANTREA_ENCAP_* flags. */
    uint32_t flags;
    uint32_t reserved32;        /* zero */

    /* Called once the local Node is known (its Node object read, the
     * gateway up), before the first peer_path.  The mode prepares what it
     * needs on the host.  May be NULL.  Returns 0 or a positive errno
     * value, with a reason in 'error' (ANTREA_ERROR_SIZE bytes); a failure
     * stops the agent. */
    int (*node_setup)(void *state, const struct antrea_local_node *local,
                      char *error);

    /* Returns how to reach 'req->peer'.  Called for every peer Node when it
     * appears and whenever its podCIDR or node IP changes; the agent
     * replaces what it installed for the previous answer.  Must be a pure
     * decision: no side effects.  Required. */
    enum antrea_peer_path (*peer_path)(
        void *state, const struct antrea_peer_path_request *req);
};

#ifdef __cplusplus
}
#endif

#endif /* antrea/encap-mode.h */
