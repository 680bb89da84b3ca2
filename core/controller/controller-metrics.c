/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's Prometheus metrics (controller-metrics.h).  Every
 * metric is documented in docs/metrics.md; keep the two in step.
 */

#include <config.h>

#include "controller-metrics.h"

#include <stdlib.h>

#include "api-server.h"
#include "cp-store.h"
#include "k8s/k8s-reflector.h"
#include "metrics.h"
#include "util.h"

struct controller_metrics {
    const struct cp_store *store;   /* the computed objects (borrowed) */
    const struct api_server *server; /* its watches (borrowed), or NULL */
    struct metrics *registry;       /* owns every metric below */
    struct metric *processed;       /* antrea_controller_network_policy_
                                       processed */
    struct metric *policies;        /* antrea_controller_network_policy_
                                       count */
    struct metric *address_groups;  /* antrea_controller_address_group_
                                       count */
    struct metric *applied_to_groups; /* antrea_controller_applied_to_
                                         group_count */
    struct metric *agents;          /* antrea_controller_connected_agents */
    struct metric *watches;         /* antrea_controller_watches */
    struct metric *k8s_reconnects;  /* antrea_controller_k8s_watch_
                                       reconnects{resource} */
};

/* The registry's collector: reads the store and the server. */
static void
collect(struct metrics *registry, void *cm_)
{
    struct controller_metrics *cm = cm_;

    (void) registry;
    metric_set(cm->policies, NULL,
               cp_store_count(cm->store, CP_RESOURCE_NETWORK_POLICIES));
    metric_set(cm->address_groups, NULL,
               cp_store_count(cm->store, CP_RESOURCE_ADDRESS_GROUPS));
    metric_set(cm->applied_to_groups, NULL,
               cp_store_count(cm->store, CP_RESOURCE_APPLIED_TO_GROUPS));
    metric_set(cm->agents, NULL,
               cm->server ? api_server_n_connected_agents(cm->server) : 0);
    metric_set(cm->watches, NULL,
               cm->server ? api_server_n_watches(cm->server) : 0);
}

struct controller_metrics *
controller_metrics_create(const struct cp_store *store)
{
    static const char *const resource[] = { "resource", NULL };
    struct controller_metrics *cm = xcalloc(1, sizeof *cm);
    struct metrics *r = metrics_create();

    const struct metric_spec specs[] = {
        { &cm->processed, METRIC_COUNTER,
          "antrea_controller_network_policy_processed",
          "Number of Kubernetes NetworkPolicy events (added, updated, "
          "deleted) processed.", NULL, NULL, 0 },
        { &cm->policies, METRIC_GAUGE,
          "antrea_controller_network_policy_count",
          "Number of internal NetworkPolicies the controller serves.",
          NULL, NULL, 0 },
        { &cm->address_groups, METRIC_GAUGE,
          "antrea_controller_address_group_count",
          "Number of AddressGroups the controller serves.", NULL, NULL, 0 },
        { &cm->applied_to_groups, METRIC_GAUGE,
          "antrea_controller_applied_to_group_count",
          "Number of AppliedToGroups the controller serves.",
          NULL, NULL, 0 },
        { &cm->agents, METRIC_GAUGE, "antrea_controller_connected_agents",
          "Number of Nodes whose agent has a watch open.", NULL, NULL, 0 },
        { &cm->watches, METRIC_GAUGE, "antrea_controller_watches",
          "Number of control-plane watches being served.", NULL, NULL, 0 },
        { &cm->k8s_reconnects, METRIC_COUNTER,
          "antrea_controller_k8s_watch_reconnects",
          "Number of times a watch of the Kubernetes API was sent again "
          "after the first one (including the server's routine watch "
          "timeouts), by resource.", resource, NULL, 0 },
    };
    static const char *const resources[] = {
        "namespaces", "pods", "networkpolicies",
    };

    cm->store = store;
    cm->registry = r;
    metrics_register_table(r, specs, ARRAY_SIZE(specs));
    metric_touch_each(cm->k8s_reconnects, resources, ARRAY_SIZE(resources));
    metrics_add_collector(r, collect, cm);
    k8s_reflector_set_rewatch_hook(metric_count_event, cm->k8s_reconnects);
    return cm;
}

void
controller_metrics_destroy(struct controller_metrics *cm)
{
    if (cm) {
        k8s_reflector_set_rewatch_hook(NULL, NULL);
        metrics_destroy(cm->registry);
        free(cm);
    }
}

void
controller_metrics_set_server(struct controller_metrics *cm,
                              const struct api_server *server)
{
    cm->server = server;
}

struct metrics *
controller_metrics_registry(const struct controller_metrics *cm)
{
    return cm->registry;
}

void
controller_metrics_policy_processed(struct controller_metrics *cm)
{
    if (cm) {
        metric_add(cm->processed, NULL, 1);
    }
}
