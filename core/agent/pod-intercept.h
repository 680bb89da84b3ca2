/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * networkPolicyOnly: the agent's CNI handler when it is chained after a
 * primary CNI (Debian's ptp plugin, AWS's VPC CNI...) that owns Pod
 * addresses and forwarding.  Antrea calls the Pod's interface
 * "intercepted": the agent does no IPAM and creates no interface.
 *
 * ADD needs the primary's result (prevResult): it takes the Pod's
 * interface (CNI_IFNAME) and IPv4 address from it, finds the host end of
 * the Pod's veth by its peer index, and puts that existing interface
 * behind OVS, as Antrea does:
 *
 *   1. TX checksum offload off on the Pod's end (OVS's userspace
 *      datapath needs it);
 *   2. the host end becomes an OVS port of the bridge, with Antrea's
 *      external_ids (container-id, pod-name, pod-namespace, ip-address,
 *      attached-mac, antrea-type=container, if-dev) plus
 *      antrea-intercepted=true;
 *   3. the Pod's flows (pipeline_pod_flows() and
 *      pipeline_policyonly_pod_flows()) are installed;
 *   4. the host's own stack stops reading that interface
 *      (pod-intercept-raw.h), so every packet of the Pod goes through
 *      OVS and its NetworkPolicy flows;
 *   5. the host's routes through that interface (ptp's "POD-IP dev
 *      VETH") move to the gateway (Antrea's MigrateRoutesToGw), so that
 *      traffic to the Pod enters OVS too.
 *
 * and answers with the prevResult unchanged.  The primary CNI's
 * connectivity is kept: the host still routes between Pods, Nodes and
 * the outside; OVS only sits between the Pod and the host.  DEL undoes
 * these steps only (routes back to the Pod's interface if it still
 * exists, drop rule, flows, port) and is idempotent; the primary's DEL
 * removes the interface.  CHECK succeeds for a known Pod whose port
 * exists.  The Node's own policy-only flows
 * (pipeline_policyonly_node_flows()) are declared at creation.
 *
 * Restart: the Pods are rebuilt from their ports' external_ids; a port
 * whose interface is gone is deleted with its route.
 */

#ifndef AGENT_POD_INTERCEPT_H
#define AGENT_POD_INTERCEPT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct antrea_ip;
struct bridge;
struct cni_server_handler;

/* What the handler needs from the rest of the agent. */
struct pod_intercept_options {
    struct bridge *bridge;              /* the bridge (ports, flows) */
    const char *gateway_name;           /* routes to Pods move to it */
    bool tx_csum_off;                   /* turn TX checksum offload off
                                           on the Pod's end */

    /* As in struct pod_network_options: told when a Pod joins or leaves
     * the local table.  Either may be NULL. */
    void (*pod_added)(void *aux, const char *namespace, const char *name,
                      uint32_t ofport, const struct antrea_ip *ip);
    void (*pod_removed)(void *aux, const char *namespace, const char *name);
    void *pod_aux;                      /* their 'aux' */
};

struct pod_intercept;

/* Declares the Node's policy-only flows, restores the Pods recorded in
 * OVSDB (declaring their flows; the caller commits) and their drop
 * rules.  Returns 0 or a positive errno value with a message in
 * '*errorp'. */
int pod_intercept_create(const struct pod_intercept_options *,
                         struct pod_intercept **, char **errorp);

/* Frees the handler; ports, flows, rules and routes stay, so Pods keep
 * their connectivity and policy across restarts. */
void pod_intercept_destroy(struct pod_intercept *);

/* The CNI server handler; its 'aux' is the pod_intercept. */
const struct cni_server_handler *pod_intercept_cni_handler(void);

/* The number of local Pods. */
size_t pod_intercept_count(const struct pod_intercept *);

#endif /* pod-intercept.h */
