/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's AntreaAgentInfo writer (agent-info.h).
 */

#include <config.h>

#include "agent-info.h"

#include <stdlib.h>
#include <string.h>

#include "agent-api-views.h"
#include "aovs-ovsdb.h"
#include "aovs-switch.h"
#include "bridge.h"
#include "k8s/antrea-info.h"
#include "api-tls.h"
#include "k8s/k8s-object-writer.h"
#include "policy-cache.h"
#include "policy-controller.h"
#include "policy-map.h"
#include "policy-reconciler.h"
#include "util.h"

/* The AntreaAgentInfo writer: what it reads, and the object writer. */
struct agent_info {
    struct agent_info_params p;     /* copied; strings below */
    char *node_name;                /* p.view.node_name's copy */
    char *pod_namespace;            /* p.pod_namespace's copy, or NULL */
    char *pod_name;                 /* p.pod_name's copy, or NULL */
    char *transport_interface;      /* p.transport_interface's, or NULL */
    char *transport_ip;             /* p.transport_ip's copy, or NULL */
    char *api_ca_pem;               /* p.api_ca_pem's copy, or NULL */
    struct k8s_object_writer *writer; /* writes the object */
};

/* The writer's fingerprint: what the object shows that can change, in
 * cheap terms (the flow dump the view makes is not): connections, the
 * bridge's ports (Pods), the policy objects and rules, the installed
 * flows. */
static uint64_t
fingerprint(void *info_)
{
    const struct agent_info *info = info_;
    const struct agent_api_params *v = &info->p.view;
    struct aovs_switch *sw = bridge_switch(v->bridge);
    struct aovs_port_list ports;
    memset(&ports, 0, sizeof ports);
    int ports_error = aovs_port_list(bridge_ovsdb(v->bridge),
                                     bridge_name(v->bridge), &ports);
    size_t n_ports = ports.n;
    aovs_port_list_destroy(&ports);
    size_t n_watches = 0, n_synced = 0;
    policy_controller_watch_state(v->policy, &n_watches, &n_synced);

    uint64_t h = K8S_OBJECT_FINGERPRINT_INIT;
    const uint64_t values[] = {
        bridge_ovsdb_connected(v->bridge),
        bridge_switch_connected(v->bridge),
        aovs_switch_count_installed(sw),
        aovs_switch_get_connection_seqno(sw),
        ports_error, n_ports, n_watches, n_synced,
    };
    for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
        k8s_object_fingerprint_mix(&h, values[i]);
    }

    struct policy_reconciler *r = policy_controller_reconciler(v->policy);
    if (r) {
        struct policy_reconciler_stats stats;
        memset(&stats, 0, sizeof stats);
        policy_reconciler_get_stats(r, &stats);
        k8s_object_fingerprint_mix(&h, stats.n_rules);
        k8s_object_fingerprint_mix(&h, stats.n_flows);
        const struct policy_cache *cache = policy_reconciler_cache(r);
        for (int i = 0; cache && i < POLICY_N_RESOURCES; i++) {
            k8s_object_fingerprint_mix(
                &h, policy_map_count(policy_cache_objects(cache, i)));
        }
    }
    return h;
}

/* A message for condition 'type' when its status is not True
 * (antrea_info_message_func). */
static const char *
condition_message(const char *type, const char *reason)
{
    if (!strcmp(type, "AgentHealthy")) {
        return "the OVSDB or the OpenFlow connection is down";
    } else if (!strcmp(type, "ControllerConnectionUp")) {
        return (reason && !strcmp(reason, "NoControllerConfigured")
                ? "antreaClientConnection.kubeconfig is empty: no "
                  "NetworkPolicy is enforced"
                : "the control-plane watches of antrea-controller are not "
                  "all connected and synced");
    } else if (!strcmp(type, "OVSDBConnectionUp")) {
        return "not connected to ovsdb-server";
    } else if (!strcmp(type, "OpenflowConnectionUp")) {
        return "not connected to the bridge's OpenFlow management socket";
    }
    return NULL;
}

json_t *
agent_info_content(const json_t *view, const struct agent_info_params *p,
                   time_t now)
{
    json_t *content = antrea_info_content_start(view, p->pod_namespace,
                                                p->pod_name);
    const char *node = json_string_value(json_object_get(view, "nodeName"));
    if (node) {
        json_object_set_new(content, "nodeRef",
                            antrea_info_object_ref("Node", NULL, node));
    }
    json_t *subnets = json_object_get(view, "nodeSubnet");
    if (json_is_array(subnets)) {
        json_object_set(content, "nodeSubnets", subnets);
    }

    const json_t *ovs = json_object_get(view, "ovsInfo");
    json_t *ovs_info = json_object();
    /* null while ovs-vswitchd has not written it: left out. */
    if (json_is_string(json_object_get(ovs, "version"))) {
        antrea_info_copy_member(ovs_info, ovs, "version");
    }
    antrea_info_copy_member(ovs_info, ovs, "bridgeName");
    antrea_info_copy_member(ovs_info, ovs, "flowTable");
    json_object_set_new(content, "ovsInfo", ovs_info);

    json_object_set_new(content, "networkPolicyControllerInfo",
                        antrea_info_policy_counts(view));
    antrea_info_copy_member(content, view, "localPodNum");
    json_object_set_new(content, "agentConditions",
                        antrea_info_conditions(
                            json_object_get(view, "agentConditions"), now,
                            condition_message));

    json_t *net = json_object();
    if (p->transport_interface && p->transport_interface[0]) {
        json_object_set_new(net, "transportInterface",
                            json_string(p->transport_interface));
    }
    if (p->transport_ip && p->transport_ip[0]) {
        json_object_set_new(net, "transportInterfaceIPs",
                            json_pack("[s]", p->transport_ip));
    }
    if (p->transport_mtu) {
        json_object_set_new(net, "transportInterfaceMTU",
                            json_integer(p->transport_mtu));
    }
    if (p->pod_mtu) {
        json_object_set_new(net, "podMTU", json_integer(p->pod_mtu));
    }
    json_object_set_new(content, "networkInfo", net);

    if (p->api_port > 0) {
        json_object_set_new(content, "apiPort", json_integer(p->api_port));
    }
    char *bundle = p->api_ca_pem ? api_tls_base64(p->api_ca_pem) : NULL;
    if (bundle) {
        json_object_set_new(content, "apiCABundle", json_string(bundle));
        free(bundle);
    }
    return content;
}

/* The writer's build callback: the view, reshaped. */
static json_t *
build(void *info_)
{
    struct agent_info *info = info_;
    json_t *view = agent_view_info(&info->p.view);
    if (!view) {
        return NULL;
    }
    json_t *content = agent_info_content(view, &info->p, time(NULL));
    json_decref(view);
    return content;
}

struct agent_info *
agent_info_create(struct k8s_client *client,
                  const struct agent_info_params *p)
{
    struct agent_info *info = xcalloc(1, sizeof *info);
    info->p = *p;
    info->p.view.socket_path = NULL;
    info->node_name = xstrdup(p->view.node_name);
    info->p.view.node_name = info->node_name;
    antrea_info_keep_string(&info->pod_namespace, &info->p.pod_namespace);
    antrea_info_keep_string(&info->pod_name, &info->p.pod_name);
    antrea_info_keep_string(&info->transport_interface,
                            &info->p.transport_interface);
    antrea_info_keep_string(&info->transport_ip, &info->p.transport_ip);
    antrea_info_keep_string(&info->api_ca_pem, &info->p.api_ca_pem);

    info->writer = antrea_info_writer_create(
        client, AGENT_INFO_COLLECTION, "AntreaAgentInfo", info->node_name,
        p->period_ms, p->check_ms, fingerprint, build, info);
    return info;
}

void
agent_info_destroy(struct agent_info *info)
{
    if (info) {
        k8s_object_writer_destroy(info->writer);
        free(info->node_name);
        free(info->pod_namespace);
        free(info->pod_name);
        free(info->transport_interface);
        free(info->transport_ip);
        free(info->api_ca_pem);
        free(info);
    }
}
