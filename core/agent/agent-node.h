/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The facts the agent needs about a Kubernetes Node object: its podCIDR,
 * its transport address (InternalIP) and the gateway address derived from
 * the podCIDR (its first address, as Antrea assigns antrea-gw0).  Used for
 * the agent's own Node at start-up and for every peer Node the Node
 * informer reports.  Pure parsing, plus one blocking GET for the agent's
 * own Node.
 */

#ifndef AGENT_NODE_H
#define AGENT_NODE_H 1

#include <jansson.h>

#include "antrea/net-types.h"

struct k8s_client;

/* One Node's networking facts. */
struct agent_node {
    char *name;                     /* metadata.name */
    struct antrea_prefix pod_cidr;  /* spec.podCIDR (IPv4) */
    struct antrea_ip node_ip;       /* status.addresses InternalIP */
    struct antrea_ip gateway_ip;    /* first address of 'pod_cidr' */
    struct antrea_prefix node_subnet; /* node_ip with the prefix length of
                                         the interface holding it, or /32
                                         if no interface holds it */
    char transport_interface[16];   /* that interface's name, or "" */
    unsigned int transport_mtu;     /* its MTU, or 0 if unknown */
};

/* Reads 'node' (a Node object as the API sends it) into '*out'.  Returns
 * 0, or EINVAL with a message in '*errorp' (caller frees) naming the Node
 * and the missing or malformed field; '*out' is then untouched.  The
 * caller frees the result with agent_node_destroy(). */
int agent_node_from_json(const json_t *node, struct agent_node *out,
                         char **errorp);

/* Fetches Node 'name' from the API through 'client' (blocking, for
 * start-up) and reads it into '*out' as agent_node_from_json() does.
 * Returns 0 or a positive errno value with a message in '*errorp'. */
int agent_node_fetch(struct k8s_client *client, const char *name,
                     struct agent_node *out, char **errorp);

/* Returns the name of the Node this agent runs on: $NODE_NAME (as
 * Antrea's DaemonSet sets it from spec.nodeName), else the host name.
 * The caller frees it. */
char *agent_node_own_name(void);

/* Finds the local interface holding 'node->node_ip' and fills
 * 'node->node_subnet' and 'node->transport_interface' from it; encap modes
 * decide per peer whether it shares this subnet (noEncap and hybrid route
 * such peers directly).  Returns 0, or ENOENT (the subnet is then the
 * node IP alone, so no peer counts as same-subnet). */
int agent_node_find_transport(struct agent_node *node);

/* Frees what 'node' owns.  Accepts NULL. */
void agent_node_destroy(struct agent_node *node);

#endif /* agent-node.h */
