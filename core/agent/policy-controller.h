/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's NetworkPolicy controller: it watches the controller's
 * networkpolicies, addressgroups and appliedtogroups for this Node
 * (controlplane-watch), feeds them to the policy reconciler's cache, learns
 * the local Pods from the Pod network, and lets the reconciler keep the
 * bridge's policy flows.  It owns the three watches and the reconciler; the
 * bridge belongs to the datapath.
 *
 * After a reconnect (a controller restart, a broken connection) each watch
 * hands over the complete set again and the cache replaces what it had;
 * flows of objects that did not change stay installed, so enforcement has
 * no gap.
 */

#ifndef AGENT_POLICY_CONTROLLER_H
#define AGENT_POLICY_CONTROLLER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct antrea_ip;
struct bridge;
struct event_loop;
struct k8s_config;
struct policy_controller;

/* Creates the policy controller for Node 'node_name' on 'bridge' (its
 * static policy flows are declared at once, committed with the bridge's
 * next commit).  If 'controller' is nonnull (the controller's address, CA
 * and token; copied) the watches start on 'loop'; otherwise only local
 * state is kept and no policy is enforced.  Returns 0 or a positive errno
 * value with a message in '*errorp'. */
int policy_controller_create(struct event_loop *loop, struct bridge *bridge,
                             const struct k8s_config *controller,
                             const char *node_name,
                             struct policy_controller **pcp, char **errorp);

/* Stops the watches and frees the controller.  Its flows stay in the
 * bridge's tables (as all flows do across agent restarts).  Accepts
 * NULL. */
void policy_controller_destroy(struct policy_controller *);

/* Pod network callbacks (pod_network_options' pod_added/pod_removed with
 * the controller as 'aux'). */
void policy_controller_pod_added(void *pc, const char *namespace,
                                 const char *name, uint32_t ofport,
                                 const struct antrea_ip *ip);
void policy_controller_pod_removed(void *pc, const char *namespace,
                                   const char *name);

/* Returns whether every watch has delivered its complete set at least once
 * (true without a controller, or for NULL): until then the flows of the
 * previous agent run are what enforces policy. */
bool policy_controller_is_synced(const struct policy_controller *);

/* Event loop step: installs what changed, as one bundle. */
void policy_controller_run(struct policy_controller *);

/* For antctl (agent-api.h): the reconciler, whose cache holds the Node's
 * objects and whose stats count its flows; NULL for NULL. */
struct policy_reconciler *policy_controller_reconciler(
    const struct policy_controller *);

/* For antctl: how many of the three watches exist (0 without a
 * controller) and how many are connected with their set delivered now. */
void policy_controller_watch_state(const struct policy_controller *,
                                   size_t *n_watchesp, size_t *n_syncedp);

#endif /* policy-controller.h */
