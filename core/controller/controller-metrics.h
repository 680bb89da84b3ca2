/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's Prometheus metrics (docs/metrics.md), named as
 * Antrea's (pkg/controller/metrics): NetworkPolicy events processed, the
 * internal NetworkPolicies, AddressGroups and AppliedToGroups the store
 * holds, the connected agents and watches (read at scrape time), and the
 * Kubernetes watch reconnects (through the reflector's hook).  The API
 * server (api-server.h) serves them at /metrics.
 *
 * Ownership: the metrics borrow the store and the API server, which must
 * outlive them.  Only one controller_metrics may exist at a time: it
 * installs the process-wide reflector hook.
 */

#ifndef CONTROLLER_METRICS_H
#define CONTROLLER_METRICS_H 1

struct api_server;
struct controller_metrics;
struct cp_store;
struct metrics;

/* Creates the registry and the controller's metrics over 'store', and
 * installs the reflector hook. */
struct controller_metrics *controller_metrics_create(
    const struct cp_store *store);

/* Removes the hook and frees everything.  Accepts NULL. */
void controller_metrics_destroy(struct controller_metrics *);

/* The server whose watches count as connected agents (NULL: none yet);
 * the server is created with the registry, so it comes after. */
void controller_metrics_set_server(struct controller_metrics *,
                                   const struct api_server *);

/* The registry, for the API server's params. */
struct metrics *controller_metrics_registry(const struct controller_metrics *);

/* Counts one Kubernetes NetworkPolicy event (added, updated or deleted)
 * handed to the computation.  Accepts NULL. */
void controller_metrics_policy_processed(struct controller_metrics *);

#endif /* controller-metrics.h */
