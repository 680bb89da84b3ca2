/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's AntreaAgentInfo (crd.antrea.io/v1beta1, cluster-scoped,
 * named after the Node): what antctl's "get agentinfo" shows
 * (agent_view_info(), agent-api-views.h), in the CRD's shape, written to
 * the Kubernetes API every 60 s and within about a second of a change of
 * the OVSDB, OpenFlow or controller connections, the bridge's ports (Pods
 * come and go), the NetworkPolicy objects and rules, or the installed
 * flows.  The writing, its retries and its logging are the object
 * writer's (k8s-object-writer.h).  docs/monitoring.md describes the
 * object.
 *
 * Ownership: the writer borrows the client and what 'view' points to
 * (the agent's bridge, policy controller, configuration), which must
 * outlive it; it copies the strings.
 */

#ifndef AGENT_INFO_H
#define AGENT_INFO_H 1

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "agent-api.h"

struct agent_info;
struct k8s_client;

/* The collection the objects live in. */
#define AGENT_INFO_COLLECTION "/apis/crd.antrea.io/v1beta1/antreaagentinfos"

/* What the object says beside the agentinfo view, and the cadence. */
struct agent_info_params {
    struct agent_api_params view; /* what agent_view_info() reads; only
                                     'cfg', 'node_name', 'pod_cidr',
                                     'bridge' and 'policy' are used */
    const char *pod_namespace;  /* the agent's Pod (podRef), or NULL */
    const char *pod_name;       /* its name, or NULL */
    const char *transport_interface; /* networkInfo, or NULL */
    const char *transport_ip;   /* the Node IP on it, or NULL */
    unsigned int transport_mtu; /* networkInfo.transportInterfaceMTU, 0 if
                                   unknown */
    unsigned int pod_mtu;       /* networkInfo.podMTU, 0 if unknown */
    int api_port;               /* apiPort, 0 if not serving */
    const char *api_ca_pem;     /* apiCABundle (PEM; the object holds it
                                   in base64, as Kubernetes does []byte),
                                   or NULL */
    long long period_ms;        /* 0: every 60 s */
    long long check_ms;         /* change detection; 0: every second */
};

struct agent_info *agent_info_create(struct k8s_client *,
                                     const struct agent_info_params *);
void agent_info_destroy(struct agent_info *);

/* The object's content (every field but apiVersion, kind and metadata)
 * from the agentinfo view 'view' and 'p''s extra fields, with every
 * condition's lastHeartbeatTime 'now'.  A new reference. */
json_t *agent_info_content(const json_t *view,
                           const struct agent_info_params *p, time_t now);

#endif /* agent-info.h */
