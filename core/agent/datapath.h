/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's datapath, assembled in start-up order: the Kubernetes
 * client and this Node's facts, the bridge (gateway, tunnel, Node flows),
 * the encap mode's node_setup, the NetworkPolicy controller, the local
 * Pods restored from OVSDB, SNAT rules, the CNI server and the peer Node
 * watch.  Once the first Node list is applied and the three control-plane
 * watches have synced, flows of earlier agent runs are deleted.  All of it
 * runs as one task of the agent's event loop, which then blocks through
 * the OVS library's poll loop (aovs-poll.h).
 */

#ifndef AGENT_DATAPATH_H
#define AGENT_DATAPATH_H 1

struct agent_config;
struct event_loop;
struct module_set;
struct datapath;

/* Builds the datapath for 'cfg' with 'modules' (initialised) on 'loop'.
 * Returns 0 and the datapath in '*dpp', or a positive errno value with a
 * message in '*errorp' (caller frees), having undone what it did. */
int datapath_start(const struct agent_config *cfg,
                   const struct module_set *modules, struct event_loop *loop,
                   struct datapath **dpp, char **errorp);

/* Stops serving CNI and watching Nodes, and frees the datapath.  The
 * bridge, ports and flows stay, so Pods keep working across restarts. */
void datapath_stop(struct datapath *);

#endif /* datapath.h */
