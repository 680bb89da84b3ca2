/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's Prometheus metrics (docs/metrics.md), named as Antrea's
 * (pkg/agent/metrics): NetworkPolicy, rule and group counts from the
 * policy cache, OpenFlow flow counts per table from the switch's mirror
 * of installed flows, local Pods, OVSDB and OpenFlow connection state
 * (gathered at scrape time), plus the CNI request latency histogram and
 * the watch reconnect counters (pushed as things happen, through the CNI
 * server's 'request_done' callback and the control-plane and Kubernetes
 * watch hooks).  The HTTPS server that exposes them is metrics-server.h.
 *
 * Ownership: the metrics borrow the bridge, the policy controller and the
 * Pod tables, which must outlive them.  Only one agent_metrics may exist
 * at a time: it installs the process-wide watch hooks.
 */

#ifndef AGENT_METRICS_H
#define AGENT_METRICS_H 1

#include <stdbool.h>

#include "cni-env.h"

struct agent_metrics;
struct bridge;
struct metrics;
struct pod_intercept;
struct pod_network;
struct policy_controller;

/* What the metrics read.  Any member may be NULL: its metrics read 0. */
struct agent_metrics_params {
    struct bridge *bridge;          /* flows, OVS connections */
    const struct policy_controller *policy; /* the policy cache */
    const struct pod_network *pods; /* local Pods (the agent's IPAM) */
    const struct pod_intercept *intercepted; /* or these (chained) */
};

/* Creates the registry and the agent's metrics in it, and installs the
 * watch hooks. */
struct agent_metrics *agent_metrics_create(
    const struct agent_metrics_params *);

/* Removes the hooks and frees everything.  Accepts NULL. */
void agent_metrics_destroy(struct agent_metrics *);

/* Serves the metrics with metrics-server.h on every address, TCP port
 * 'port' (apiPort), over HTTPS with a self-signed certificate for
 * 'node_name' and this host's addresses, requests checked through
 * 'client' (the agent's kube-apiserver client; it must outlive the
 * metrics).  If '!enabled' (enablePrometheusMetrics: false) the server
 * still runs and /metrics answers 404, as Antrea's.  Returns 0, or a
 * positive errno value with a malloc'd message in '*errorp'. */
struct event_loop;
struct k8s_client;
int agent_metrics_serve(struct agent_metrics *, struct event_loop *,
                        struct k8s_client *client, const char *node_name,
                        int port, bool enabled, char **errorp);

/* The TCP port served, or 0 if not serving. */
int agent_metrics_port(const struct agent_metrics *);

/* The PEM of the server's self-signed certificate (made at each start, as
 * Antrea's agent does; AntreaAgentInfo's apiCABundle), or NULL if not
 * serving. */
const char *agent_metrics_cert_pem(const struct agent_metrics *);

/* The registry, for the server. */
struct metrics *agent_metrics_registry(const struct agent_metrics *);

/* The CNI server's 'request_done' callback (cni-server.h), with the
 * agent_metrics as 'aux'. */
void agent_metrics_cni_done(void *am, enum cni_command, bool ok,
                            double seconds);

#endif /* agent-metrics.h */
