/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * IPsec tunnel ports, one per peer Node, as Antrea makes them: the IPsec
 * module says what each port looks like (name, type, remote_ip, psk...);
 * this file puts the port on br-int with Port external_ids
 * "node-name=PEER" and "antrea-type=ipsec-tunnel" (so ovs-monitor-ipsec
 * reads remote_ip and psk and programs strongSwan, and a restarted agent
 * finds its ports again), and adds the Classifier flow that marks traffic
 * arriving on the port as tunnel traffic.  Egress keeps using the
 * flow-based tunnel port with tun_dst, as Antrea does: OVS receives on the
 * most specific tunnel port, so replies arrive on the per-peer port.
 *
 * The pre-shared key is an option of every port: it is never logged, and
 * OVSDB error texts are scrubbed of it before they are passed on.
 *
 * Ownership: the struct ipsec_tunnels belongs to the datapath; strings in
 * the options are copied.  Ports stay in OVSDB when the agent stops (Pods
 * keep working across restarts); ports of Nodes that are gone are deleted
 * once the first Node list has been applied.
 */

#ifndef AGENT_IPSEC_TUNNELS_H
#define AGENT_IPSEC_TUNNELS_H 1

#include <stdbool.h>
#include <stdint.h>

#include "antrea/net-types.h"
#include "pipeline.h"

struct antrea_ipsec_ops;
struct bridge;

/* The Port external_ids Antrea gives an IPsec tunnel port. */
#define IPSEC_TUNNELS_TYPE_KEY "antrea-type"
#define IPSEC_TUNNELS_TYPE_VALUE "ipsec-tunnel"
#define IPSEC_TUNNELS_NODE_KEY "node-name"

/* What the IPsec tunnels need. */
struct ipsec_tunnels_options {
    struct bridge *bridge;              /* br-int: ports and flows */
    const struct antrea_ipsec_ops *ipsec; /* the IPsec module */
    void *ipsec_state;                  /* ... its state */
    const struct antrea_local_node *local; /* this Node (copied) */
    const char *tunnel_ovs_type;        /* the tunnel type, e.g. "geneve" */
    uint16_t dst_port;                  /* tunnel UDP port, 0 if none */
};

struct ipsec_tunnels;

/* Creates the IPsec tunnel set; no port is touched until a peer is
 * added.  Logs, once, what IPsec can and cannot do on the userspace
 * datapath when 'datapath_type' is "netdev". */
struct ipsec_tunnels *ipsec_tunnels_create(const struct ipsec_tunnels_options *,
                                           const char *datapath_type);

/* Frees the set; ports and flows stay. */
void ipsec_tunnels_destroy(struct ipsec_tunnels *);

/* Ensures the IPsec tunnel port of 'peer' (re-created if its type or
 * options, e.g. the peer's IP or the key, changed) and its Classifier
 * flow in the desired table (committed by the caller).  Returns 0, or a
 * positive errno value with a message (without the key) in '*errorp',
 * caller frees. */
int ipsec_tunnels_add_peer(struct ipsec_tunnels *,
                           const struct antrea_peer_node *peer,
                           char **errorp);

/* Removes the port and flow of the peer named 'name', if any. */
void ipsec_tunnels_remove_peer(struct ipsec_tunnels *, const char *name);

/* Deletes every IPsec tunnel port on the bridge whose Node has not been
 * added since the set was created (Nodes deleted while the agent was
 * down).  Called once the first Node list has been applied. */
void ipsec_tunnels_remove_stale(struct ipsec_tunnels *);

/* Returns the number of peers with a port. */
size_t ipsec_tunnels_count(const struct ipsec_tunnels *);

/* Returns the Pod MTU once 'esp_overhead' bytes of ESP are taken off
 * 'mtu' (an MTU computed from the uplink's); 'mtu' unchanged when it was
 * set explicitly ('explicit_mtu'), as Antrea's defaultMTU is. */
uint32_t ipsec_tunnels_pod_mtu(uint32_t mtu, bool explicit_mtu,
                               uint16_t esp_overhead);

/* Appends to 'out' the Classifier flow of the IPsec tunnel port 'ofport'
 * of peer 'peer_name' (owner "peer/NAME"): traffic arriving on it is
 * tunnel traffic, sent to Conntrack.  Returns 0, or EINVAL with a
 * message in '*errorp' (caller frees; may be NULL) for an ofport that is
 * not a usable port number or is the gateway's or the tunnel's. */
int ipsec_tunnels_flows(const struct pipeline_node_config *cfg,
                        const char *peer_name, uint32_t ofport,
                        struct pipeline_flows *out, char **errorp);

/* Returns a copy of 'message' with every occurrence of 'secret' replaced
 * by "<redacted>" (a copy of 'message' if 'secret' is NULL or empty).
 * The caller frees it. */
char *ipsec_tunnels_redact(const char *message, const char *secret);

#endif /* ipsec-tunnels.h */
