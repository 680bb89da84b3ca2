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
    struct k8s_object_writer *writer; /* writes the object */
};

/* Returns a copy of 's', or NULL for NULL or "". */
static char *
nonempty_copy(const char *s)
{
    return s && s[0] ? xstrdup(s) : NULL;
}

/* Mixes 'value' into the FNV-1a hash '*h'. */
static void
mix(uint64_t *h, uint64_t value)
{
    for (int i = 0; i < 8; i++) {
        *h ^= (value >> (i * 8)) & 0xff;
        *h *= UINT64_C(0x100000001b3);
    }
}

/* The writer's fingerprint: what the object shows that can change, in
 * cheap terms (the flow dump the view makes is not): connections, the
 * bridge's ports (Pods), the policy objects and rules, the installed
 * flows. */
static uint64_t
fingerprint(void *info_)
{
    const struct agent_info *info = info_;
    const struct agent_api_params *v = &info->p.view;
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    mix(&h, bridge_ovsdb_connected(v->bridge));
    mix(&h, bridge_switch_connected(v->bridge));
    struct aovs_switch *sw = bridge_switch(v->bridge);
    mix(&h, aovs_switch_count_installed(sw));
    mix(&h, aovs_switch_get_connection_seqno(sw));

    struct aovs_port_list ports;
    memset(&ports, 0, sizeof ports);
    mix(&h, aovs_port_list(bridge_ovsdb(v->bridge), bridge_name(v->bridge),
                           &ports));
    mix(&h, ports.n);
    aovs_port_list_destroy(&ports);

    size_t n_watches = 0, n_synced = 0;
    policy_controller_watch_state(v->policy, &n_watches, &n_synced);
    mix(&h, n_watches);
    mix(&h, n_synced);
    struct policy_reconciler *r = policy_controller_reconciler(v->policy);
    if (r) {
        struct policy_reconciler_stats stats;
        memset(&stats, 0, sizeof stats);
        policy_reconciler_get_stats(r, &stats);
        mix(&h, stats.n_rules);
        mix(&h, stats.n_flows);
        const struct policy_cache *cache = policy_reconciler_cache(r);
        for (int i = 0; cache && i < POLICY_N_RESOURCES; i++) {
            mix(&h, policy_map_count(policy_cache_objects(cache, i)));
        }
    }
    return h;
}

/* A message for condition 'type' when its status is False. */
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

/* The view's conditions with 'stamp' as lastHeartbeatTime and a message
 * when False. */
static json_t *
conditions_json(const json_t *view_conditions, const char *stamp)
{
    json_t *conditions = json_array();
    size_t i;
    const json_t *c;
    json_array_foreach (view_conditions, i, c) {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *status = json_string_value(json_object_get(c,
                                                               "status"));
        const char *reason = json_string_value(json_object_get(c,
                                                               "reason"));
        if (!type || !status) {
            continue;
        }
        json_t *out = json_pack("{s:s, s:s, s:s}", "type", type,
                                "status", status,
                                "lastHeartbeatTime", stamp);
        if (reason) {
            json_object_set_new(out, "reason", json_string(reason));
        }
        const char *message = condition_message(type, reason);
        if (strcmp(status, "True") && message) {
            json_object_set_new(out, "message", json_string(message));
        }
        json_array_append_new(conditions, out);
    }
    return conditions;
}

/* Copies member 'key' of 'from' into 'to' if it is there. */
static void
copy_member(json_t *to, const json_t *from, const char *key)
{
    json_t *value = json_object_get(from, key);
    if (value) {
        json_object_set(to, key, value);
    }
}

json_t *
agent_info_content(const json_t *view, const struct agent_info_params *p,
                   time_t now)
{
    char stamp[K8S_TIME_SIZE];
    k8s_format_time(now, stamp);

    json_t *content = json_object();
    copy_member(content, view, "version");
    if (p->pod_namespace && p->pod_name) {
        json_object_set_new(content, "podRef",
                            json_pack("{s:s, s:s, s:s}", "kind", "Pod",
                                      "namespace", p->pod_namespace,
                                      "name", p->pod_name));
    }
    const char *node = json_string_value(json_object_get(view, "nodeName"));
    if (node) {
        json_object_set_new(content, "nodeRef",
                            json_pack("{s:s, s:s}", "kind", "Node",
                                      "name", node));
    }
    json_t *subnets = json_object_get(view, "nodeSubnet");
    if (json_is_array(subnets)) {
        json_object_set(content, "nodeSubnets", subnets);
    }

    const json_t *ovs = json_object_get(view, "ovsInfo");
    json_t *ovs_info = json_object();
    copy_member(ovs_info, ovs, "bridgeName");
    copy_member(ovs_info, ovs, "flowTable");
    json_object_set_new(content, "ovsInfo", ovs_info);

    const json_t *np = json_object_get(view, "networkPolicyControllerInfo");
    json_t *np_info = json_object();
    copy_member(np_info, np, "networkPolicyNum");
    copy_member(np_info, np, "addressGroupNum");
    copy_member(np_info, np, "appliedToGroupNum");
    json_object_set_new(content, "networkPolicyControllerInfo", np_info);

    copy_member(content, view, "localPodNum");
    json_object_set_new(content, "agentConditions",
                        conditions_json(json_object_get(view,
                                                        "agentConditions"),
                                        stamp));

    json_t *net = json_object();
    if (p->transport_interface && p->transport_interface[0]) {
        json_object_set_new(net, "transportInterface",
                            json_string(p->transport_interface));
    }
    if (p->transport_ip && p->transport_ip[0]) {
        json_object_set_new(net, "transportInterfaceIPs",
                            json_pack("[s]", p->transport_ip));
    }
    if (p->pod_mtu) {
        json_object_set_new(net, "podMTU", json_integer(p->pod_mtu));
    }
    json_object_set_new(content, "networkInfo", net);
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
    info->pod_namespace = nonempty_copy(p->pod_namespace);
    info->pod_name = nonempty_copy(p->pod_name);
    info->transport_interface = nonempty_copy(p->transport_interface);
    info->transport_ip = nonempty_copy(p->transport_ip);
    info->p.pod_namespace = info->pod_namespace;
    info->p.pod_name = info->pod_name;
    info->p.transport_interface = info->transport_interface;
    info->p.transport_ip = info->transport_ip;

    struct k8s_object_writer_params wp = {
        .collection = AGENT_INFO_COLLECTION,
        .api_version = "crd.antrea.io/v1beta1",
        .kind = "AntreaAgentInfo",
        .name = info->node_name,
        .period_ms = p->period_ms,
        .check_ms = p->check_ms,
        .fingerprint = fingerprint,
        .build = build,
        .aux = info,
    };
    info->writer = k8s_object_writer_create(client, &wp);
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
        free(info);
    }
}
