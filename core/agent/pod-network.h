/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Pod networking: the agent's CNI handler.  ADD allocates the Pod's
 * address through the IPAM module, creates its veth pair with the
 * container end in the Pod's namespace, attaches the host end to the
 * bridge as a port whose external_ids describe the Pod (Antrea's keys:
 * container-id, pod-name, pod-namespace, ip-address, attached-mac,
 * antrea-type=container, if-dev = CNI_IFNAME), installs the Pod's flows
 * and only then answers with the CNI result; any failure undoes every
 * step in reverse.  ADDs are asynchronous and batched: the ADDs that
 * arrive together get their addresses in one IPAM call (the module's
 * add_batch, when it has one), their veth pairs are made by worker
 * threads, their ports go into one OVSDB transaction, their ofports
 * arrive with OVSDB's update notifications, and their flows go into one
 * bundle; each ADD is answered once its own flows are installed, and a
 * Pod that fails in a batch is rolled back alone.  Its address is
 * announced with GARP_DEFAULT_COUNT gratuitous ARPs on timers, injected
 * into the pipeline from the Pod's port (no blocking, no namespace
 * switch).  DEL undoes it all and is idempotent (it works without the
 * netns and for a container never seen).  CHECK compares the Pod's
 * interface with the prevResult.  GC (CNI 1.1) releases every attachment
 * the runtime's "cni.dev/valid-attachments" does not list: flows, port,
 * veth and address, plus the addresses IPAM holds for no Pod at all.
 *
 * The set of local Pods lives in OVSDB: at start-up the agent rebuilds it
 * from the ports' external_ids and re-declares their flows, so a restart
 * keeps Pods connected.  What went while it was down is reconciled then:
 * a port whose interface is gone (the Pod's namespace went, taking the
 * veth) is deleted and its address released, and every address no Pod
 * port accounts for (an ADD cut short after IPAM) is released through the
 * IPAM module's gc.
 *
 * Threads: everything runs on the event loop's thread except
 * pod_iface_create(), which runs on the Pod network's own worker threads
 * (started by pod_network_create(), joined by pod_network_destroy()).
 */

#ifndef AGENT_POD_NETWORK_H
#define AGENT_POD_NETWORK_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct antrea_ip;
struct antrea_ipam_ops;
struct bridge;
struct cni_server_handler;

/* What the Pod network needs from the rest of the agent. */
struct pod_network_options {
    struct bridge *bridge;              /* the bridge (ports, flows) */
    const struct antrea_ipam_ops *ipam; /* the IPAM module's ops */
    void *ipam_state;                   /* ... and its state */
    uint32_t mtu;                       /* Pod interface MTU */
    bool tx_csum_off;                   /* turn TX checksum offload off
                                           on the Pod's end */

    /* Told when a Pod joins the local table (its flows are installed, or
     * it was restored at start) and when it leaves it: NetworkPolicy
     * needs each Pod's port and address.  Either may be NULL. */
    void (*pod_added)(void *aux, const char *namespace, const char *name,
                      uint32_t ofport, const struct antrea_ip *ip);
    void (*pod_removed)(void *aux, const char *namespace, const char *name);
    void *pod_aux;                      /* their 'aux' */
};

struct pod_network;

/* Creates the Pod network and restores the Pods recorded in OVSDB
 * (declaring their flows; the caller commits).  Returns 0 or a positive
 * errno value with a message in '*errorp'. */
int pod_network_create(const struct pod_network_options *,
                       struct pod_network **, char **errorp);
void pod_network_destroy(struct pod_network *);

/* The CNI server handler; its 'aux' is the pod_network. */
const struct cni_server_handler *pod_network_cni_handler(void);

/* The number of local Pods. */
size_t pod_network_count(const struct pod_network *);

#endif /* pod-network.h */
