/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Peer Nodes: a Node informer whose handlers ask the encap mode how each
 * other Node is reached (peer_path) and install what the answer needs:
 * the tunnel flows and the host route "podCIDR via peer-gateway dev
 * antrea-gw0 onlink" (tunnel), or the route flows and a host route via
 * the peer's node IP (route).  Host routes carry the agent's protocol
 * marker (route.h).
 */

#ifndef AGENT_PEERS_H
#define AGENT_PEERS_H 1

#include <stdbool.h>

struct antrea_encap_mode_ops;
struct antrea_local_node;
struct bridge;
struct k8s_client;

/* What the peers need. */
struct peers_options {
    struct bridge *bridge;              /* flows */
    struct k8s_client *client;          /* the Node watch */
    const struct antrea_encap_mode_ops *mode; /* peer_path */
    void *mode_state;                   /* ... its state */
    const struct antrea_local_node *local; /* this Node (copied) */
    const char *gateway_name;           /* for host routes */
    void (*synced)(void *aux);          /* called once, after the first
                                           list has been applied */
    void *aux;                          /* for 'synced' */
};

struct peers;

struct peers *peers_create(const struct peers_options *);
void peers_destroy(struct peers *);

#endif /* peers.h */
