/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * What the agent's local API (agent-api.h) answers, as JSON built from
 * the agent's state: its info, Pod interfaces (from the OVS ports'
 * external_ids), OpenFlow flows (dumped from the switch through the
 * bridge's OpenFlow connection), the policy cache's objects, packet
 * traces (ofproto/trace through ovs-vswitchd's control socket) and the
 * support bundle.  Separate from the HTTP side so that each answer is a
 * plain function of the state.
 *
 * Each function returns a new JSON reference, or NULL with an HTTP status
 * in '*statusp' and a malloc'd message in '*errorp'.
 */

#ifndef AGENT_API_VIEWS_H
#define AGENT_API_VIEWS_H 1

#include <jansson.h>
#include <stddef.h>

struct agent_api_params;

json_t *agent_view_info(const struct agent_api_params *);

/* Pods of Namespace 'ns' (NULL: all) named 'name' (NULL: all). */
json_t *agent_view_pod_interfaces(const struct agent_api_params *,
                                  const char *ns, const char *name);

/* At most one filter: a Pod ('ns' and 'pod'), a NetworkPolicy, or a table
 * (number or Antrea name). */
json_t *agent_view_ovs_flows(const struct agent_api_params *, const char *ns,
                             const char *pod, const char *policy,
                             const char *table, unsigned int *statusp,
                             char **errorp);

/* 'resource' is "networkpolicies", "addressgroups" or "appliedtogroups";
 * 'name' NULL for the list. */
json_t *agent_view_policy_objects(const struct agent_api_params *,
                                  const char *resource, const char *name,
                                  unsigned int *statusp, char **errorp);

/* Traces a packet: 'port' the input (a Pod "NS/NAME", or a port name;
 * default: the source Pod's port), 'source' and 'destination' a Pod
 * "NS/NAME" or an IPv4 address, 'flow' extra fields in ovs-ofctl syntax
 * (e.g. "tcp,tcp_dst=80"). */
json_t *agent_view_trace(const struct agent_api_params *, const char *port,
                         const char *source, const char *destination,
                         const char *flow, unsigned int *statusp,
                         char **errorp);

/* The support bundle: a tar archive in '*datap' (malloc'd), '*sizep'
 * bytes.  Never fails: what cannot be collected is described in the
 * archive's "errors.txt". */
void agent_view_support_bundle(const struct agent_api_params *,
                               char **datap, size_t *sizep);

#endif /* agent-api-views.h */
