/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's Prometheus metrics (agent-metrics.h).  Every metric is
 * documented in docs/metrics.md; keep the two in step.
 */

#include <config.h>

#include "agent-metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aovs-switch.h"
#include "api-auth.h"
#include "api-tls.h"
#include "bridge.h"
#include "controlplane-watch.h"
#include "k8s/k8s-reflector.h"
#include "metrics-server.h"
#include "metrics.h"
#include "pipeline.h"
#include "pod-intercept.h"
#include "pod-network.h"
#include "policy-cache.h"
#include "policy-controller.h"
#include "policy-map.h"
#include "policy-reconciler.h"
#include "util.h"

/* Upper bounds of the CNI latency buckets, in seconds: an ADD takes tens
 * of milliseconds on a quiet Node (docs/performance.md) and seconds under
 * a burst, a DEL a few milliseconds. */
static const double cni_buckets[] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    30,
};

struct agent_metrics {
    struct agent_metrics_params params; /* what is read (borrowed) */
    struct metrics *registry;       /* owns every metric below */
    struct api_auth *auth;          /* checks scrapes, or NULL */
    struct metrics_server *server;  /* serves them, or NULL */
    char *cert_pem;                 /* the server's self-signed
                                       certificate, or NULL */

    /* Gathered at scrape time (collect()). */
    struct metric *policies;        /* antrea_agent_networkpolicy_count */
    struct metric *ingress_rules;   /* ..._ingress_networkpolicy_rule_count */
    struct metric *egress_rules;    /* ..._egress_networkpolicy_rule_count */
    struct metric *address_groups;  /* antrea_agent_addressgroup_count */
    struct metric *applied_to_groups; /* antrea_agent_appliedtogroup_count */
    struct metric *local_pods;      /* antrea_agent_local_pod_count */
    struct metric *flows;           /* antrea_agent_ovs_flow_count{table_id} */
    struct metric *total_flows;     /* antrea_agent_ovs_total_flow_count */
    struct metric *ovsdb_up;        /* antrea_agent_ovsdb_connection_up */
    struct metric *openflow_up;     /* antrea_agent_openflow_connection_up */
    struct metric *watches_synced;  /* antrea_agent_controlplane_watches_
                                       synced */

    /* Pushed as things happen. */
    struct metric *cni_duration;    /* antrea_agent_cni_request_duration_
                                       seconds{command} */
    struct metric *cni_failures;    /* antrea_agent_cni_request_failures
                                       {command} */
    struct metric *cp_reconnects;   /* antrea_agent_controlplane_watch_
                                       reconnects{resource} */
    struct metric *k8s_reconnects;  /* antrea_agent_k8s_watch_reconnects
                                       {resource} */
};

/* Counts the NetworkPolicies of the cache and their rules by direction,
 * and the groups the controller sent. */
static void
collect_policies(struct agent_metrics *am)
{
    struct policy_reconciler *reconciler
        = policy_controller_reconciler(am->params.policy);
    struct policy_cache *cache = (reconciler
                                  ? policy_reconciler_cache(reconciler)
                                  : NULL);
    size_t n_policies = 0, n_ingress = 0, n_egress = 0;
    size_t n_groups[POLICY_N_RESOURCES] = { 0 };

    if (cache) {
        struct policy_map_cursor cursor = { 0, NULL, false };
        struct policy_map_node *node;
        const struct policy_map *map
            = policy_cache_objects(cache, POLICY_RESOURCE_NETWORK_POLICY);
        while ((node = policy_map_next(map, &cursor))) {
            const struct policy_np *np = node->value;
            n_policies++;
            for (size_t i = 0; i < np->n_rules; i++) {
                if (np->rules[i].direction == POLICY_DIRECTION_IN) {
                    n_ingress++;
                } else {
                    n_egress++;
                }
            }
        }
        static const enum policy_resource groups[] = {
            POLICY_RESOURCE_ADDRESS_GROUP, POLICY_RESOURCE_APPLIED_TO_GROUP,
        };
        for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
            struct policy_map_cursor c = { 0, NULL, false };
            map = policy_cache_objects(cache, groups[g]);
            while ((node = policy_map_next(map, &c))) {
                const struct policy_group *group = node->value;
                n_groups[groups[g]] += group->present;
            }
        }
    }
    metric_set(am->policies, NULL, n_policies);
    metric_set(am->ingress_rules, NULL, n_ingress);
    metric_set(am->egress_rules, NULL, n_egress);
    metric_set(am->address_groups, NULL,
               n_groups[POLICY_RESOURCE_ADDRESS_GROUP]);
    metric_set(am->applied_to_groups, NULL,
               n_groups[POLICY_RESOURCE_APPLIED_TO_GROUP]);

    size_t n_watches = 0, n_synced = 0;
    policy_controller_watch_state(am->params.policy, &n_watches, &n_synced);
    metric_set(am->watches_synced, NULL, n_synced);
}

/* Publishes the installed flows per table: every pipeline table, and any
 * other table that holds flows. */
static void
collect_flows(struct agent_metrics *am)
{
    size_t counts[256] = { 0 };
    size_t total = 0;
    struct aovs_switch *sw = (am->params.bridge
                              ? bridge_switch(am->params.bridge) : NULL);

    if (sw) {
        aovs_switch_count_installed_by_table(sw, counts);
    }
    metric_clear(am->flows);
    for (unsigned int t = 0; t < 256; t++) {
        total += counts[t];
        if (counts[t] || pipeline_table_name(t)) {
            char table[4];
            snprintf(table, sizeof table, "%u", t);
            metric_set(am->flows, (const char *[]) { table }, counts[t]);
        }
    }
    metric_set(am->total_flows, NULL, total);
}

/* The registry's collector: reads the state behind the gauges. */
static void
collect(struct metrics *registry, void *am_)
{
    struct agent_metrics *am = am_;

    (void) registry;
    collect_policies(am);
    collect_flows(am);
    metric_set(am->local_pods, NULL,
               (am->params.pods ? pod_network_count(am->params.pods)
                : am->params.intercepted
                ? pod_intercept_count(am->params.intercepted) : 0));
    metric_set(am->ovsdb_up, NULL,
               am->params.bridge && bridge_ovsdb_connected(am->params.bridge));
    metric_set(am->openflow_up, NULL,
               (am->params.bridge
                && bridge_switch_connected(am->params.bridge)));
}

void
agent_metrics_cni_done(void *am_, enum cni_command command, bool ok,
                       double seconds)
{
    struct agent_metrics *am = am_;
    const char *values[] = { cni_command_name(command) };

    metric_observe(am->cni_duration, values, seconds);
    if (!ok) {
        metric_add(am->cni_failures, values, 1);
    }
}

struct agent_metrics *
agent_metrics_create(const struct agent_metrics_params *params)
{
    static const char *const command[] = { "command", NULL };
    static const char *const resource[] = { "resource", NULL };
    static const char *const table_id[] = { "table_id", NULL };
    struct agent_metrics *am = xcalloc(1, sizeof *am);
    struct metrics *r = metrics_create();

    const struct metric_spec specs[] = {
        { &am->policies, METRIC_GAUGE, "antrea_agent_networkpolicy_count",
          "Number of NetworkPolicies on this Node.", NULL, NULL, 0 },
        { &am->ingress_rules, METRIC_GAUGE,
          "antrea_agent_ingress_networkpolicy_rule_count",
          "Number of ingress rules of the NetworkPolicies on this Node.",
          NULL, NULL, 0 },
        { &am->egress_rules, METRIC_GAUGE,
          "antrea_agent_egress_networkpolicy_rule_count",
          "Number of egress rules of the NetworkPolicies on this Node.",
          NULL, NULL, 0 },
        { &am->address_groups, METRIC_GAUGE,
          "antrea_agent_addressgroup_count",
          "Number of AddressGroups the controller sent to this Node.",
          NULL, NULL, 0 },
        { &am->applied_to_groups, METRIC_GAUGE,
          "antrea_agent_appliedtogroup_count",
          "Number of AppliedToGroups the controller sent to this Node.",
          NULL, NULL, 0 },
        { &am->local_pods, METRIC_GAUGE, "antrea_agent_local_pod_count",
          "Number of Pods on this Node that the agent manages.",
          NULL, NULL, 0 },
        { &am->flows, METRIC_GAUGE, "antrea_agent_ovs_flow_count",
          "Number of OpenFlow flows installed in each table of the "
          "bridge.", table_id, NULL, 0 },
        { &am->total_flows, METRIC_GAUGE,
          "antrea_agent_ovs_total_flow_count",
          "Number of OpenFlow flows installed in the bridge.",
          NULL, NULL, 0 },
        { &am->ovsdb_up, METRIC_GAUGE, "antrea_agent_ovsdb_connection_up",
          "1 if the agent is connected to ovsdb-server, 0 if not.",
          NULL, NULL, 0 },
        { &am->openflow_up, METRIC_GAUGE,
          "antrea_agent_openflow_connection_up",
          "1 if the agent's OpenFlow connection to ovs-vswitchd is up, "
          "0 if not.", NULL, NULL, 0 },
        { &am->watches_synced, METRIC_GAUGE,
          "antrea_agent_controlplane_watches_synced",
          "Number of the agent's watches of the controller (of 3) that "
          "are connected with their initial set delivered.",
          NULL, NULL, 0 },
        { &am->cni_duration, METRIC_HISTOGRAM,
          "antrea_agent_cni_request_duration_seconds",
          "Time from a CNI request's arrival at the agent to its answer, "
          "by CNI command.", command, cni_buckets,
          ARRAY_SIZE(cni_buckets) },
        { &am->cni_failures, METRIC_COUNTER,
          "antrea_agent_cni_request_failures",
          "Number of CNI requests answered with an error, by CNI "
          "command.", command, NULL, 0 },
        { &am->cp_reconnects, METRIC_COUNTER,
          "antrea_agent_controlplane_watch_reconnects",
          "Number of times a watch of the controller's API connected "
          "again after its first connection, by resource.",
          resource, NULL, 0 },
        { &am->k8s_reconnects, METRIC_COUNTER,
          "antrea_agent_k8s_watch_reconnects",
          "Number of times a watch of the Kubernetes API was sent again "
          "after the first one (including the server's routine watch "
          "timeouts), by resource.", resource, NULL, 0 },
    };

    am->params = *params;
    am->registry = r;
    metrics_register_table(r, specs, ARRAY_SIZE(specs));

    /* The series a dashboard expects before anything happens. */
    static const char *const commands[] = { "ADD", "DEL", "CHECK" };
    metric_touch_each(am->cni_duration, commands, ARRAY_SIZE(commands));
    metric_touch_each(am->cni_failures, commands, ARRAY_SIZE(commands));
    static const char *const cp_resources[] = {
        "networkpolicies", "addressgroups", "appliedtogroups",
    };
    metric_touch_each(am->cp_reconnects, cp_resources,
                      ARRAY_SIZE(cp_resources));
    metric_touch(am->k8s_reconnects, (const char *[]) { "nodes" });

    metrics_add_collector(r, collect, am);
    controlplane_watch_set_reconnect_hook(metric_count_event,
                                          am->cp_reconnects);
    k8s_reflector_set_rewatch_hook(metric_count_event, am->k8s_reconnects);
    return am;
}

void
agent_metrics_destroy(struct agent_metrics *am)
{
    if (am) {
        metrics_server_destroy(am->server);
        api_auth_destroy(am->auth);
        controlplane_watch_set_reconnect_hook(NULL, NULL);
        k8s_reflector_set_rewatch_hook(NULL, NULL);
        metrics_destroy(am->registry);
        free(am->cert_pem);
        free(am);
    }
}

struct metrics *
agent_metrics_registry(const struct agent_metrics *am)
{
    return am->registry;
}

int
agent_metrics_serve(struct agent_metrics *am, struct event_loop *loop,
                    struct k8s_client *client, const char *node_name,
                    int port, bool enabled, char **errorp)
{
    char **names = NULL;
    size_t n_names = 0, allocated = 0;
    char *cert = NULL, *key = NULL, *error = NULL;

    /* As Antrea's agent: a self-signed certificate made at start-up. */
    names = x2nrealloc(names, &allocated, sizeof *names);
    names[n_names++] = xstrdup(node_name && node_name[0] ? node_name
                                                          : "antrea-agent");
    if (n_names >= allocated) {
        names = x2nrealloc(names, &allocated, sizeof *names);
    }
    names[n_names++] = xstrdup("localhost");
    api_tls_add_host_addresses(&names, &n_names, &allocated);
    int retval = api_tls_generate((const char *const *) names, n_names,
                                  &cert, &key, &error);
    for (size_t i = 0; i < n_names; i++) {
        free(names[i]);
    }
    free(names);
    if (retval) {
        *errorp = xasprintf("metrics server: no certificate: %s", error);
        free(error);
        return retval;
    }

    am->auth = api_auth_create(client, 0, 0);
    struct metrics_server_params params = {
        .port = port,
        .cert_pem = cert,
        .key_pem = key,
        .auth = am->auth,
        .metrics = enabled ? am->registry : NULL,
    };
    am->server = metrics_server_create(loop, &params, errorp);
    memset(key, 0, strlen(key));
    free(key);
    if (!am->server) {
        free(cert);
        api_auth_destroy(am->auth);
        am->auth = NULL;
        return EADDRINUSE;
    }
    am->cert_pem = cert;
    return 0;
}

int
agent_metrics_port(const struct agent_metrics *am)
{
    return am && am->server ? metrics_server_port(am->server) : 0;
}

const char *
agent_metrics_cert_pem(const struct agent_metrics *am)
{
    return am->cert_pem;
}
