/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's local API for antctl: HTTP/1.1 over a unix socket (mode
 * 0600, so root only, like Antrea's agent API socket), served by
 * libmicrohttpd in external epoll mode as a task of the agent's event
 * loop (no thread).  Every answer is JSON, but the support bundle (a tar
 * archive).  Endpoints (docs/antctl.md has the fields):
 *
 *   GET /agentinfo                 Node, podCIDR, version, OVS and
 *                                  controller connections, counts
 *   GET /podinterfaces[?namespace=NS][&name=POD]
 *   GET /ovsflows[?namespace=NS&pod=POD | ?networkpolicy=NAME | ?table=T]
 *   GET /networkpolicies[/NAME], /addressgroups[/NAME],
 *       /appliedtogroups[/NAME]    the policy cache's objects
 *   GET /loglevel, PUT /loglevel?level=SPEC
 *   GET /ovstracing?port=&source=&destination=&flow=
 *                                  ofproto/trace through ovs-vswitchd's
 *                                  control socket
 *   GET /supportbundle             tar: logs, config, flows, OVSDB,
 *                                  routes, iptables
 *
 * Errors are {"code": N, "message": "..."} with the HTTP status N.
 *
 * Ownership: the API borrows what its params point to (they must outlive
 * it) and copies the strings.
 */

#ifndef AGENT_API_H
#define AGENT_API_H 1

#include "antrea/net-types.h"

struct agent_api;
struct agent_config;
struct bridge;
struct event_loop;
struct policy_controller;

/* The socket's file name, in the directory of the CNI socket: with
 * Antrea's cniSocket /var/run/antrea/cni.sock it is
 * /var/run/antrea/antctl.sock, antctl's default. */
#define AGENT_API_SOCKET_NAME "antctl.sock"

/* What the API reads from. */
struct agent_api_params {
    const char *socket_path;        /* where to listen */
    const struct agent_config *cfg; /* the agent's configuration */
    const char *node_name;          /* this Node */
    struct antrea_prefix pod_cidr;  /* its podCIDR */
    struct bridge *bridge;          /* br-int: flows, ports, connections */
    struct policy_controller *policy; /* NetworkPolicy state, or NULL */
};

/* Returns the default socket path for 'cni_socket' (see above), malloc'd. */
char *agent_api_default_socket(const char *cni_socket);

/* Listens on 'params->socket_path' (replacing a stale socket file; its
 * directory is made 0700 if missing) and serves from 'loop'.  Returns 0
 * or a positive errno value with a message in '*errorp'. */
int agent_api_create(struct event_loop *loop,
                     const struct agent_api_params *params,
                     struct agent_api **apip, char **errorp);

/* Stops serving, removes the socket file and frees the API.  Accepts
 * NULL. */
void agent_api_destroy(struct agent_api *);

#endif /* agent-api.h */
