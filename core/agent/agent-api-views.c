/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The answers of the agent's local API (agent-api-views.h).
 */

#include <config.h>

#include "agent-api-views.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent-api.h"
#include "agent-config.h"
#include "antrea/net-util.h"
#include "aovs-flow.h"
#include "aovs-ovsdb.h"
#include "aovs-smap.h"
#include "aovs-switch.h"
#include "aovs-unixctl.h"
#include "bridge.h"
#include "log.h"
#include "pipeline.h"
#include "policy-cache.h"
#include "policy-controller.h"
#include "policy-reconciler.h"
#include "util.h"

/* Bounds ofproto/trace. */
#define TRACE_TIMEOUT_MS 10000

/* How long ovs-vswitchd may take to say its version (a local socket; the
 * agent's loop waits meanwhile). */
#define OVS_VERSION_TIMEOUT_MS 1000

/* Bytes of a log file the support bundle keeps (its end). */
#define BUNDLE_LOG_MAX (4 * 1024 * 1024)

/* Seconds each command of the support bundle may run. */
#define BUNDLE_COMMAND_TIMEOUT "10"

/* Fills '*list' with the bridge's ports.  Returns 0 or an errno value. */
static int
list_ports(const struct agent_api_params *p, struct aovs_port_list *list)
{
    memset(list, 0, sizeof *list);
    return aovs_port_list(bridge_ovsdb(p->bridge), bridge_name(p->bridge),
                          list);
}

/* Returns true if 'port' is a Pod's port. */
static bool
is_pod_port(const struct aovs_port *port)
{
    const char *type = aovs_smap_get(&port->external_ids, "antrea-type");
    return type && !strcmp(type, "container");
}

/* One Pod port as JSON, in the shape of Antrea's podinterface. */
static json_t *
pod_interface_json(const struct aovs_port *port)
{
    const struct aovs_smap *ids = &port->external_ids;
    const char *ip = aovs_smap_get(ids, "ip-address");
    json_t *ips = json_array();
    if (ip && ip[0]) {
        /* Antrea's ip-address may hold "v4,v6". */
        char *copy = xstrdup(ip), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            json_array_append_new(ips, json_string(t));
        }
        free(copy);
    }
    const char *ifname = aovs_smap_get(ids, "if-dev");
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:i}",
                     "podName", aovs_smap_get(ids, "pod-name") ?: "",
                     "podNamespace",
                     aovs_smap_get(ids, "pod-namespace") ?: "",
                     "containerID",
                     aovs_smap_get(ids, "container-id") ?: "",
                     "interfaceName", port->name,
                     "containerInterfaceName", ifname ? ifname : "",
                     "ips", ips,
                     "mac", aovs_smap_get(ids, "attached-mac") ?: "",
                     "ofPort", port->ofport);
}

/* Returns the index of Pod 'ns'/'name' in 'list', or -1. */
static ssize_t
find_pod_port(const struct aovs_port_list *list, const char *ns,
              const char *name)
{
    for (size_t i = 0; i < list->n; i++) {
        const struct aovs_port *port = &list->ports[i];
        const char *pns = aovs_smap_get(&port->external_ids,
                                        "pod-namespace");
        const char *pname = aovs_smap_get(&port->external_ids, "pod-name");
        if (is_pod_port(port) && pns && pname && !strcmp(pns, ns)
            && !strcmp(pname, name)) {
            return i;
        }
    }
    return -1;
}

/* Counts the Pod ports. */
static size_t
count_pods(const struct agent_api_params *p)
{
    struct aovs_port_list list;
    size_t n = 0;
    if (!list_ports(p, &list)) {
        for (size_t i = 0; i < list.n; i++) {
            n += is_pod_port(&list.ports[i]);
        }
    }
    aovs_port_list_destroy(&list);
    return n;
}

/* The policy cache, or NULL. */
static struct policy_cache *
cache_of(const struct agent_api_params *p)
{
    struct policy_reconciler *r = policy_controller_reconciler(p->policy);
    return r ? policy_reconciler_cache(r) : NULL;
}

/* Counts the objects of 'resource' the controller sent. */
static size_t
count_objects(const struct agent_api_params *p,
              enum policy_resource resource)
{
    struct policy_cache *cache = cache_of(p);
    if (!cache) {
        return 0;
    }
    const struct policy_map *map = policy_cache_objects(cache, resource);
    if (resource == POLICY_RESOURCE_NETWORK_POLICY) {
        return policy_map_count(map);
    }
    size_t n = 0;
    struct policy_map_cursor cursor = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(map, &cursor))) {
        const struct policy_group *group = node->value;
        n += group->present;
    }
    return n;
}

/* A condition in the shape of Antrea's AgentCondition. */
static json_t *
condition(const char *type, bool up, const char *reason)
{
    return json_pack("{s:s, s:s, s:s}", "type", type,
                     "status", up ? "True" : "False", "reason", reason);
}

/* Returns the version of the Open vSwitch the agent runs on (caller
 * frees), or NULL if unknown: Open_vSwitch:ovs_version, which ovs-ctl
 * sets, else what ovs-vswitchd itself answers to "version" (started
 * without ovs-ctl, nothing sets the column). */
static char *
running_ovs_version(const struct agent_api_params *p)
{
    char *version = aovs_ovsdb_get_ovs_version(bridge_ovsdb(p->bridge));
    if (version) {
        return version;
    }

    char *ctl = aovs_unixctl_vswitchd_path(p->cfg->ovs_run_dir);
    char *answer = NULL, *error = NULL;
    if (ctl && !aovs_unixctl_transact(ctl, "version", NULL, 0,
                                      OVS_VERSION_TIMEOUT_MS, &answer,
                                      &error)) {
        /* "ovs-vswitchd (Open vSwitch) 3.1.0\n...": the first line's last
         * word. */
        answer[strcspn(answer, "\n")] = '\0';
        const char *last = strrchr(answer, ' ');
        last = last ? last + 1 : answer;
        if (*last) {
            version = xstrdup(last);
        }
    }
    free(answer);
    free(error);
    free(ctl);
    return version;
}

json_t *
agent_view_info(const struct agent_api_params *p)
{
    char cidr[ANTREA_PREFIX_STRING_SIZE];
    antrea_prefix_to_string(&p->pod_cidr, cidr, sizeof cidr);

    bool ovsdb = bridge_ovsdb_connected(p->bridge);
    bool openflow = bridge_switch_connected(p->bridge);
    size_t n_watches, n_synced;
    policy_controller_watch_state(p->policy, &n_watches, &n_synced);
    bool controller = n_watches && n_synced == n_watches;

    char *ovs_version = ovsdb ? running_ovs_version(p) : NULL;
    struct aovs_switch *sw = bridge_switch(p->bridge);
    json_t *tables = json_object();
    struct aovs_flow_dump dump;
    char *error = NULL;
    /* Without its database ovs-vswitchd serves no OpenFlow (it runs its
     * bridges only while it holds the database's lock), so a dump would
     * only wait for the switch's timeout, blocking the loop: no flow
     * counts then. */
    if (openflow && ovsdb && !aovs_switch_dump_flows(sw, &dump, &error)) {
        for (size_t i = 0; i < dump.n; i++) {
            const char *name = pipeline_table_name(dump.flows[i].table_id);
            char number[8];
            if (!name) {
                snprintf(number, sizeof number, "%u",
                         dump.flows[i].table_id);
                name = number;
            }
            json_int_t n = json_integer_value(json_object_get(tables,
                                                              name));
            json_object_set_new(tables, name, json_integer(n + 1));
        }
        aovs_flow_dump_destroy(&dump);
    }
    free(error);

    struct policy_reconciler_stats stats = { 0 };
    struct policy_reconciler *r = policy_controller_reconciler(p->policy);
    if (r) {
        policy_reconciler_get_stats(r, &stats);
    }
    json_t *conditions = json_pack(
        "[o, o, o, o]",
        condition("AgentHealthy", ovsdb && openflow,
                  ovsdb && openflow ? "Healthy" : "OVSDisconnected"),
        condition("ControllerConnectionUp", controller,
                  !n_watches ? "NoControllerConfigured"
                  : controller ? "Connected" : "Disconnected"),
        condition("OVSDBConnectionUp", ovsdb,
                  ovsdb ? "Connected" : "Disconnected"),
        condition("OpenflowConnectionUp", openflow,
                  openflow ? "Connected" : "Disconnected"));
    json_t *view = json_pack(
        "{s:s, s:s, s:s, s:[s], s:{s:s, s:s?, s:s, s:I, s:I, s:o}, "
        "s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:{s:b, s:I, s:I}, s:o}",
        "kind", "AntreaAgentInfo",
        "version", PACKAGE_VERSION,
        "nodeName", p->node_name,
        "nodeSubnet", cidr,
        "ovsInfo",
        "bridgeName", bridge_name(p->bridge),
        "version", ovs_version,
        "datapathType", p->cfg->ovs_datapath_type,
        "flowNum", (json_int_t) aovs_switch_count_installed(sw),
        "round", (json_int_t) aovs_switch_get_round(sw),
        "flowTable", tables,
        "networkPolicyControllerInfo",
        "networkPolicyNum",
        (json_int_t) count_objects(p, POLICY_RESOURCE_NETWORK_POLICY),
        "addressGroupNum",
        (json_int_t) count_objects(p, POLICY_RESOURCE_ADDRESS_GROUP),
        "appliedToGroupNum",
        (json_int_t) count_objects(p, POLICY_RESOURCE_APPLIED_TO_GROUP),
        "ruleNum", (json_int_t) stats.n_rules,
        "flowNum", (json_int_t) stats.n_flows,
        "localPodNum", (json_int_t) count_pods(p),
        "controllerConnection",
        "connected", controller,
        "watches", (json_int_t) n_watches,
        "syncedWatches", (json_int_t) n_synced,
        "agentConditions", conditions);
    free(ovs_version);
    return view;
}

json_t *
agent_view_pod_interfaces(const struct agent_api_params *p, const char *ns,
                          const char *name)
{
    struct aovs_port_list list;
    json_t *array = json_array();
    if (!list_ports(p, &list)) {
        for (size_t i = 0; i < list.n; i++) {
            const struct aovs_port *port = &list.ports[i];
            const char *pns = aovs_smap_get(&port->external_ids,
                                            "pod-namespace");
            const char *pname = aovs_smap_get(&port->external_ids,
                                              "pod-name");
            if (is_pod_port(port)
                && (!ns || (pns && !strcmp(ns, pns)))
                && (!name || (pname && !strcmp(name, pname)))) {
                json_array_append_new(array, pod_interface_json(port));
            }
        }
    }
    aovs_port_list_destroy(&list);
    return array;
}

/* Parses 'table' (a number or a pipeline table's name) into '*idp'. */
static bool
parse_table(const char *table, unsigned int *idp)
{
    char *end;
    unsigned long n = strtoul(table, &end, 10);
    if (table[0] && !*end && n < 255) {
        *idp = n;
        return true;
    }
    for (unsigned int id = 0; id < 255; id++) {
        const char *name = pipeline_table_name(id);
        if (name && !strcasecmp(name, table)) {
            *idp = id;
            return true;
        }
    }
    return false;
}

/* Returns true if 'text' holds 'word' followed by a delimiter (',', ' ',
 * ')' or the end). */
static bool
has_token(const char *text, const char *word)
{
    size_t len = strlen(word);
    for (const char *s = strstr(text, word); s; s = strstr(s + 1, word)) {
        char next = s[len];
        bool start = s == text || s[-1] == ',' || s[-1] == ' '
                     || s[-1] == '(' || s[-1] == ':';
        if (start && (!next || next == ',' || next == ' ' || next == ')'
                      || next == '/')) {
            return true;
        }
    }
    return false;
}

/* One flow as JSON. */
static json_t *
flow_json(const struct aovs_flow_stats *f)
{
    const char *name = pipeline_table_name(f->table_id);
    return json_pack("{s:i, s:s, s:i, s:s, s:I, s:I, s:s}",
                     "table", f->table_id, "tableName", name ? name : "",
                     "priority", f->priority,
                     "cookie", "", /* replaced below */
                     "packets", (json_int_t) (f->n_packets == UINT64_MAX
                                              ? -1 : (json_int_t)
                                                     f->n_packets),
                     "bytes", (json_int_t) (f->n_bytes == UINT64_MAX
                                            ? -1 : (json_int_t) f->n_bytes),
                     "flow", f->ofctl);
}

json_t *
agent_view_ovs_flows(const struct agent_api_params *p, const char *ns,
                     const char *pod, const char *policy, const char *table,
                     unsigned int *statusp, char **errorp)
{
    int n_filters = (pod != NULL) + (policy != NULL) + (table != NULL);
    if (n_filters > 1 || (ns && !pod)) {
        *statusp = 400;
        *errorp = xstrdup("ovsflows: give at most one of a Pod (namespace "
                          "and pod), a networkpolicy or a table");
        return NULL;
    }
    unsigned int table_id = 0;
    if (table && !parse_table(table, &table_id)) {
        *statusp = 400;
        *errorp = xasprintf("ovsflows: table \"%s\" is neither a number "
                            "nor the name of a pipeline table", table);
        return NULL;
    }

    /* What selects a flow: a Pod's owners, a policy's conjunction ids. */
    uint64_t pod_owner = UINT64_MAX;
    uint32_t *conj_ids = NULL;
    size_t n_conj_ids = 0;
    int pod_ofport = -1;
    if (pod) {
        struct aovs_port_list list;
        list_ports(p, &list);
        ssize_t i = find_pod_port(&list, ns ? ns : "default", pod);
        pod_ofport = i >= 0 ? list.ports[i].ofport : -1;
        aovs_port_list_destroy(&list);
        if (pod_ofport <= 0) {
            *statusp = 404;
            *errorp = xasprintf("ovsflows: Pod %s/%s has no interface on "
                                "this Node", ns ? ns : "default", pod);
            return NULL;
        }
    } else if (policy) {
        struct policy_reconciler *r = policy_controller_reconciler(
            p->policy);
        struct policy_cache *cache = cache_of(p);
        if (!cache || !policy_cache_find_policy(cache, policy)) {
            *statusp = 404;
            *errorp = xasprintf("ovsflows: NetworkPolicy \"%s\" is not on "
                                "this Node", policy);
            return NULL;
        }
        conj_ids = policy_reconciler_policy_conj_ids(r, policy,
                                                     &n_conj_ids);
    }

    struct aovs_flow_dump dump;
    char *error = NULL;
    if (aovs_switch_dump_flows(bridge_switch(p->bridge), &dump, &error)) {
        *statusp = 503;
        *errorp = xasprintf("ovsflows: cannot read the flows of bridge "
                            "%s: %s", bridge_name(p->bridge), error);
        free(error);
        free(conj_ids);
        return NULL;
    }

    if (pod) {
        /* The Pod's own flows: the Pod-category owner of its classifier
         * flow (in_port=OFPORT), i.e. every flow made for the Pod. */
        char in_port[32];
        snprintf(in_port, sizeof in_port, "in_port=%d", pod_ofport);
        for (size_t i = 0; i < dump.n; i++) {
            uint64_t cookie = dump.flows[i].cookie;
            if (aovs_cookie_category(cookie) == PIPELINE_CATEGORY_POD
                && has_token(dump.flows[i].flow, in_port)) {
                pod_owner = aovs_cookie_owner(cookie);
                break;
            }
        }
    }

    json_t *array = json_array();
    for (size_t i = 0; i < dump.n; i++) {
        const struct aovs_flow_stats *f = &dump.flows[i];
        bool keep = true;
        if (table) {
            keep = f->table_id == table_id;
        } else if (pod) {
            keep = aovs_cookie_owner(f->cookie) == pod_owner;
        } else if (policy) {
            keep = false;
            for (size_t k = 0; !keep && k < n_conj_ids; k++) {
                char a[32], b[32];
                snprintf(a, sizeof a, "conj_id=%"PRIu32, conj_ids[k]);
                snprintf(b, sizeof b, "conjunction(%"PRIu32",", conj_ids[k]);
                keep = has_token(f->flow, a) || strstr(f->flow, b);
            }
        }
        if (keep) {
            json_t *obj = flow_json(f);
            char cookie[24];
            snprintf(cookie, sizeof cookie, "0x%"PRIx64, f->cookie);
            json_object_set_new(obj, "cookie", json_string(cookie));
            json_array_append_new(array, obj);
        }
    }
    aovs_flow_dump_destroy(&dump);
    free(conj_ids);
    return array;
}

/* The JSON of 'n' addresses. */
static json_t *
ips_json(const struct antrea_ip *ips, size_t n)
{
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++) {
        char buf[ANTREA_IP_STRING_SIZE];
        antrea_ip_to_string(&ips[i], buf, sizeof buf);
        json_array_append_new(array, json_string(buf));
    }
    return array;
}

/* A protocol number's name. */
static const char *
proto_name(uint8_t protocol)
{
    return (protocol == 6 ? "TCP" : protocol == 17 ? "UDP"
            : protocol == 132 ? "SCTP" : "");
}

/* A group of the cache in the shape of the controller's JSON. */
static json_t *
group_json(const struct policy_group *g)
{
    json_t *members = json_array();
    const char **keys = policy_map_sorted_keys(&g->members);
    for (size_t i = 0; i < policy_map_count(&g->members); i++) {
        const struct policy_member *m = policy_map_get(&g->members,
                                                       keys[i]);
        json_t *obj = json_object();
        if (m->pod_name) {
            json_object_set_new(obj, "pod", json_pack(
                                    "{s:s, s:s}", "name", m->pod_name,
                                    "namespace", m->pod_namespace
                                    ? m->pod_namespace : ""));
        }
        if (m->n_ips) {
            json_object_set_new(obj, "ips", ips_json(m->ips, m->n_ips));
        }
        if (m->n_ports) {
            json_t *ports = json_array();
            for (size_t k = 0; k < m->n_ports; k++) {
                json_array_append_new(ports, json_pack(
                    "{s:i, s:s, s:s}", "port", m->ports[k].port,
                    "name", m->ports[k].name ? m->ports[k].name : "",
                    "protocol", proto_name(m->ports[k].protocol)));
            }
            json_object_set_new(obj, "ports", ports);
        }
        json_array_append_new(members, obj);
    }
    free(keys);
    return json_pack("{s:{s:s}, s:o}", "metadata", "name", g->name,
                     "groupMembers", members);
}

/* A prefix as {"ip", "prefixLength"}. */
static json_t *
prefix_json(const struct antrea_prefix *prefix)
{
    char buf[ANTREA_IP_STRING_SIZE];
    antrea_ip_to_string(&prefix->ip, buf, sizeof buf);
    return json_pack("{s:s, s:i}", "ip", buf, "prefixLength",
                     prefix->length);
}

/* A rule of the cache in the shape of the controller's JSON. */
static json_t *
rule_json(const struct policy_rule *rule)
{
    json_t *peer = json_object();
    if (rule->n_address_groups) {
        json_t *groups = json_array();
        for (size_t i = 0; i < rule->n_address_groups; i++) {
            json_array_append_new(groups,
                                  json_string(rule->address_groups[i]));
        }
        json_object_set_new(peer, "addressGroups", groups);
    }
    if (rule->n_ip_blocks) {
        json_t *blocks = json_array();
        for (size_t i = 0; i < rule->n_ip_blocks; i++) {
            const struct policy_ip_block *b = &rule->ip_blocks[i];
            json_t *block = json_pack("{s:o}", "cidr", prefix_json(&b->cidr));
            if (b->n_except) {
                json_t *except = json_array();
                for (size_t k = 0; k < b->n_except; k++) {
                    json_array_append_new(except,
                                          prefix_json(&b->except[k]));
                }
                json_object_set_new(block, "except", except);
            }
            json_array_append_new(blocks, block);
        }
        json_object_set_new(peer, "ipBlocks", blocks);
    }
    json_t *services = json_array();
    for (size_t i = 0; i < rule->n_services; i++) {
        const struct policy_rule_service *s = &rule->services[i];
        json_t *svc = json_pack("{s:s}", "protocol", proto_name(s->protocol));
        if (s->port_name) {
            json_object_set_new(svc, "port", json_string(s->port_name));
        } else if (s->port) {
            json_object_set_new(svc, "port", json_integer(s->port));
        }
        if (s->end_port) {
            json_object_set_new(svc, "endPort", json_integer(s->end_port));
        }
        json_array_append_new(services, svc);
    }
    bool in = rule->direction == POLICY_DIRECTION_IN;
    json_t *obj = json_pack("{s:s, s:o, s:o, s:i}",
                            "direction", in ? "In" : "Out",
                            in ? "from" : "to", peer,
                            "services", services,
                            "priority", (int) rule->priority);
    if (rule->isolate_only) {
        json_object_set_new(obj, "isolateOnly", json_true());
    }
    return obj;
}

/* A NetworkPolicy of the cache in the shape of the controller's JSON. */
static json_t *
policy_json(const struct policy_np *np)
{
    json_t *rules = json_array();
    for (size_t i = 0; i < np->n_rules; i++) {
        json_array_append_new(rules, rule_json(&np->rules[i]));
    }
    json_t *groups = json_array();
    for (size_t i = 0; i < np->n_applied_to; i++) {
        json_array_append_new(groups, json_string(np->applied_to[i]));
    }
    json_t *obj = json_pack("{s:{s:s}, s:o, s:o}", "metadata", "name",
                            np->name, "rules", rules, "appliedToGroups",
                            groups);
    if (np->source) {
        const char *slash = strchr(np->source, '/');
        json_t *src = json_pack("{s:s}", "type", "K8sNetworkPolicy");
        if (slash) {
            json_object_set_new(src, "namespace", json_stringn(
                                    np->source, slash - np->source));
            json_object_set_new(src, "name", json_string(slash + 1));
        } else {
            json_object_set_new(src, "name", json_string(np->source));
        }
        json_object_set_new(obj, "sourceRef", src);
    }
    return obj;
}

json_t *
agent_view_policy_objects(const struct agent_api_params *p,
                          const char *resource, const char *name,
                          unsigned int *statusp, char **errorp)
{
    enum policy_resource res;
    if (!strcmp(resource, "networkpolicies")) {
        res = POLICY_RESOURCE_NETWORK_POLICY;
    } else if (!strcmp(resource, "addressgroups")) {
        res = POLICY_RESOURCE_ADDRESS_GROUP;
    } else {
        res = POLICY_RESOURCE_APPLIED_TO_GROUP;
    }

    struct policy_cache *cache = cache_of(p);
    json_t *items = json_array();
    if (cache) {
        const struct policy_map *map = policy_cache_objects(cache, res);
        const char **keys = policy_map_sorted_keys(map);
        for (size_t i = 0; i < policy_map_count(map); i++) {
            if (name && strcmp(name, keys[i])) {
                continue;
            }
            const void *value = policy_map_get(map, keys[i]);
            if (res == POLICY_RESOURCE_NETWORK_POLICY) {
                json_array_append_new(items, policy_json(value));
            } else if (((const struct policy_group *) value)->present) {
                json_array_append_new(items, group_json(value));
            }
        }
        free(keys);
    }
    if (!name) {
        return items;
    }
    json_t *obj = json_incref(json_array_get(items, 0));
    json_decref(items);
    if (!obj) {
        *statusp = 404;
        *errorp = xasprintf("%s \"%s\" is not on this Node", resource,
                            name);
    }
    return obj;
}

/* Resolves 'what' (a local Pod "NS/NAME", or an IPv4 address) to its IP
 * and, for a Pod, its MAC and ofport.  Returns false with a message if it
 * is neither. */
static bool
resolve_endpoint(const struct aovs_port_list *list, const char *what,
                 char **ipp, char **macp, int *ofportp, char **errorp)
{
    struct antrea_ip ip;
    *ipp = *macp = NULL;
    *ofportp = -1;
    if (antrea_ip_from_string(what, &ip)) {
        *ipp = xstrdup(what);
        return true;
    }
    const char *slash = strchr(what, '/');
    char *ns = slash ? xmemdup0(what, slash - what) : xstrdup("default");
    ssize_t i = find_pod_port(list, ns, slash ? slash + 1 : what);
    free(ns);
    if (i < 0) {
        *errorp = xasprintf("\"%s\" is neither an IP address nor a Pod "
                            "(NAMESPACE/NAME) on this Node", what);
        return false;
    }
    const struct aovs_smap *ids = &list->ports[i].external_ids;
    const char *pip = aovs_smap_get(ids, "ip-address");
    const char *mac = aovs_smap_get(ids, "attached-mac");
    *ipp = pip ? xmemdup0(pip, strcspn(pip, ",")) : NULL;
    *macp = mac ? xstrdup(mac) : NULL;
    *ofportp = list->ports[i].ofport;
    return true;
}

/* Appends ",FIELD=VALUE" to 'flow' unless 'user' already sets FIELD. */
static void
add_field(char **flow, const char *user, const char *field,
          const char *value)
{
    char key[32];
    snprintf(key, sizeof key, "%s=", field);
    if (!value || (user && strstr(user, key))) {
        return;
    }
    char *next = xasprintf("%s%s%s=%s", *flow, **flow ? "," : "", field,
                           value);
    free(*flow);
    *flow = next;
}

json_t *
agent_view_trace(const struct agent_api_params *p, const char *port,
                 const char *source, const char *destination,
                 const char *flow, unsigned int *statusp, char **errorp)
{
    struct aovs_port_list list;
    char *src_ip = NULL, *src_mac = NULL, *dst_ip = NULL, *dst_mac = NULL;
    int src_ofport = -1, dst_ofport = -1, in_port = -1;
    json_t *result = NULL;
    char *text = NULL;

    list_ports(p, &list);
    *statusp = 400;
    if (!port && !source && !(flow && strstr(flow, "in_port="))) {
        *errorp = xstrdup("trace-packet: give the input port (--port) or "
                          "a source Pod (--source)");
        goto out;
    }
    if (source && !resolve_endpoint(&list, source, &src_ip, &src_mac,
                                    &src_ofport, errorp)) {
        goto out;
    }
    if (destination && !resolve_endpoint(&list, destination, &dst_ip,
                                         &dst_mac, &dst_ofport, errorp)) {
        goto out;
    }
    in_port = src_ofport;
    if (port) {
        char *ip = NULL, *mac = NULL;
        int ofport = -1;
        if (strchr(port, '/')
            && resolve_endpoint(&list, port, &ip, &mac, &ofport, errorp)) {
            in_port = ofport;
            if (!src_mac) {
                src_mac = mac;
                mac = NULL;
            }
            if (!src_ip) {
                src_ip = ip;
                ip = NULL;
            }
        } else if (strchr(port, '/')) {
            goto out;
        } else {
            for (size_t i = 0; i < list.n; i++) {
                if (!strcmp(list.ports[i].name, port)) {
                    in_port = list.ports[i].ofport;
                }
            }
            if (in_port < 0) {
                *errorp = xasprintf("trace-packet: no port \"%s\" on "
                                    "bridge %s", port,
                                    bridge_name(p->bridge));
                goto out;
            }
        }
        free(ip);
        free(mac);
    }

    /* To a Pod of this Node: its MAC; elsewhere: the gateway's, as the
     * Pod's route sends it. */
    char gw_mac[18];
    const uint8_t *m = bridge_node_config(p->bridge)->gateway_mac;
    snprintf(gw_mac, sizeof gw_mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0],
             m[1], m[2], m[3], m[4], m[5]);
    text = xstrdup(flow ? flow : "");
    if (in_port > 0) {
        char number[16];
        snprintf(number, sizeof number, "%d", in_port);
        add_field(&text, flow, "in_port", number);
    }
    /* From the gateway (traffic from outside the Node): its MAC. */
    add_field(&text, flow, "dl_src",
              (src_mac ? src_mac
               : (uint32_t) in_port == bridge_node_config(
                   p->bridge)->gateway_ofport ? gw_mac : NULL));
    add_field(&text, flow, "dl_dst", dst_mac ? dst_mac : gw_mac);
    if (!flow || (!strstr(flow, "ip") && !strstr(flow, "tcp")
                  && !strstr(flow, "udp") && !strstr(flow, "icmp")
                  && !strstr(flow, "arp") && !strstr(flow, "sctp"))) {
        char *next = xasprintf("%s,ip", text);
        free(text);
        text = next;
    }
    add_field(&text, flow, "nw_src", src_ip);
    add_field(&text, flow, "nw_dst", dst_ip);

    char *ctl = aovs_unixctl_vswitchd_path(p->cfg->ovs_run_dir);
    if (!ctl) {
        *statusp = 503;
        *errorp = xasprintf("trace-packet: no ovs-vswitchd control socket "
                            "in %s (is ovs-vswitchd running?)",
                            p->cfg->ovs_run_dir);
        goto out;
    }
    const char *argv[] = { bridge_name(p->bridge), text };
    char *output = NULL, *error = NULL;
    int retval = aovs_unixctl_transact(ctl, "ofproto/trace", argv, 2,
                                       TRACE_TIMEOUT_MS, &output, &error);
    free(ctl);
    if (retval) {
        *statusp = retval == EINVAL ? 400 : 503;
        *errorp = xasprintf("trace-packet: %s", error);
        free(error);
        goto out;
    }
    result = json_pack("{s:s, s:s}", "flow", text, "result", output);
    free(output);

out:
    aovs_port_list_destroy(&list);
    free(text);
    free(src_ip);
    free(src_mac);
    free(dst_ip);
    free(dst_mac);
    return result;
}

/* A tar archive being written in memory (ustar). */
struct tar {
    char *data;                     /* the bytes */
    size_t size;                    /* used */
    size_t allocated;               /* allocated */
};

/* Appends 'n' bytes to 't'. */
static void
tar_put(struct tar *t, const void *bytes, size_t n)
{
    while (t->size + n > t->allocated) {
        t->data = x2nrealloc(t->data, &t->allocated, 1);
    }
    memcpy(t->data + t->size, bytes, n);
    t->size += n;
}

/* Adds file 'name' with 'size' bytes 'content' to 't'. */
static void
tar_add(struct tar *t, const char *name, const char *content, size_t size)
{
    char header[512];
    memset(header, 0, sizeof header);
    snprintf(header, 100, "%s", name);
    snprintf(header + 100, 8, "%07o", 0644);
    snprintf(header + 108, 8, "%07o", 0);
    snprintf(header + 116, 8, "%07o", 0);
    snprintf(header + 124, 12, "%011zo", size);
    snprintf(header + 136, 12, "%011llo", (unsigned long long) time(NULL));
    memset(header + 148, ' ', 8);
    header[156] = '0';
    memcpy(header + 257, "ustar", 6);
    memcpy(header + 263, "00", 2);
    unsigned int sum = 0;
    for (size_t i = 0; i < sizeof header; i++) {
        sum += (unsigned char) header[i];
    }
    snprintf(header + 148, 8, "%06o", sum);
    header[155] = ' ';
    tar_put(t, header, sizeof header);
    tar_put(t, content, size);
    static const char zeros[512];
    if (size % 512) {
        tar_put(t, zeros, 512 - size % 512);
    }
}

/* Adds the JSON 'obj' (a reference this takes) as file 'name'. */
static void
tar_add_json(struct tar *t, const char *name, json_t *obj)
{
    char *text = obj ? json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS)
                     : NULL;
    json_decref(obj);
    if (text) {
        tar_add(t, name, text, strlen(text));
    }
    free(text);
}

/* Reads at most the last 'max' bytes of 'file' into '*datap'. */
static int
read_tail(const char *file, size_t max, char **datap, size_t *sizep)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        return errno;
    }
    if (fseek(f, 0, SEEK_END) == 0) {
        long end = ftell(f);
        if (end > 0 && (size_t) end > max) {
            fseek(f, end - (long) max, SEEK_SET);
        } else {
            fseek(f, 0, SEEK_SET);
        }
    }
    char *data = xmalloc(max);
    *sizep = fread(data, 1, max, f);
    *datap = data;
    fclose(f);
    return 0;
}

/* Runs the shell command 'command' (bounded by timeout(1)) and adds its
 * output as file 'name'; failures go to 'errors'. */
static void
tar_add_command(struct tar *t, const char *name, const char *command,
                FILE *errors)
{
    char *line = xasprintf("timeout " BUNDLE_COMMAND_TIMEOUT " %s 2>&1",
                           command);
    FILE *pipe = popen(line, "r");
    free(line);
    if (!pipe) {
        fprintf(errors, "%s: cannot run \"%s\": %s\n", name, command,
                strerror(errno));
        return;
    }
    struct tar out = { NULL, 0, 0 };
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) {
        tar_put(&out, buf, n);
    }
    int status = pclose(pipe);
    if (status) {
        fprintf(errors, "%s: \"%s\" exited with status %d\n", name, command,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    tar_add(t, name, out.data ? out.data : "", out.size);
    free(out.data);
}

/* Adds file 'path' (its tail) as 'name'; failures go to 'errors'. */
static void
tar_add_file(struct tar *t, const char *name, const char *path,
             FILE *errors)
{
    char *data = NULL;
    size_t size = 0;
    int error = read_tail(path, BUNDLE_LOG_MAX, &data, &size);
    if (error) {
        fprintf(errors, "%s: cannot read %s: %s\n", name, path,
                strerror(error));
    } else {
        tar_add(t, name, data, size);
    }
    free(data);
}

void
agent_view_support_bundle(const struct agent_api_params *p, char **datap,
                          size_t *sizep)
{
    struct tar t = { NULL, 0, 0 };
    char *errors_text = NULL;
    size_t errors_size = 0;
    FILE *errors = open_memstream(&errors_text, &errors_size);

    tar_add_json(&t, "agentinfo.json", agent_view_info(p));
    tar_add_json(&t, "podinterfaces.json",
                 agent_view_pod_interfaces(p, NULL, NULL));
    unsigned int status;
    char *error = NULL;
    json_t *flows = agent_view_ovs_flows(p, NULL, NULL, NULL, NULL, &status,
                                         &error);
    if (!flows) {
        fprintf(errors, "flows.json: %s\n", error);
        free(error);
        error = NULL;
    }
    tar_add_json(&t, "flows.json", flows);
    static const char *const resources[] = {
        "networkpolicies", "addressgroups", "appliedtogroups",
    };
    for (size_t i = 0; i < ARRAY_SIZE(resources); i++) {
        char *name = xasprintf("%s.json", resources[i]);
        tar_add_json(&t, name, agent_view_policy_objects(
                         p, resources[i], NULL, &status, &error));
        free(name);
    }

    /* Configuration. */
    if (p->cfg->file && p->cfg->file[0] != '(') {
        tar_add_file(&t, "config/agent.conf", p->cfg->file, errors);
    }

    /* Logs: the agent's (where its stderr goes, if a file), OVS's. */
    char target[PATH_MAX];
    ssize_t n = readlink("/proc/self/fd/2", target, sizeof target - 1);
    struct stat st;
    if (n > 0) {
        target[n] = '\0';
        if (!stat(target, &st) && S_ISREG(st.st_mode)) {
            tar_add_file(&t, "logs/antrea-agent.log", target, errors);
        } else {
            fprintf(errors, "logs/antrea-agent.log: the agent logs to %s, "
                    "not a file\n", target);
        }
    }
    static const char *const ovs_logs[] = {
        "ovs-vswitchd.log", "ovsdb-server.log",
    };
    for (size_t i = 0; i < ARRAY_SIZE(ovs_logs); i++) {
        char *path = xasprintf("%s/%s", p->cfg->ovs_run_dir, ovs_logs[i]);
        if (!stat(path, &st)) {
            char *name = xasprintf("logs/%s", ovs_logs[i]);
            tar_add_file(&t, name, path, errors);
            free(name);
        }
        free(path);
    }

    /* The host's view: OVSDB, routes, addresses, iptables. */
    char *ovsdb = xasprintf("ovsdb-client dump unix:%s/db.sock "
                            "Open_vSwitch", p->cfg->ovs_run_dir);
    tar_add_command(&t, "ovsdb-dump.txt", ovsdb, errors);
    free(ovsdb);
    tar_add_command(&t, "routes.txt", "ip route show table all", errors);
    tar_add_command(&t, "addresses.txt", "ip address show", errors);
    tar_add_command(&t, "iptables.txt",
                    "iptables-legacy-save -c || iptables-save -c", errors);

    fclose(errors);
    tar_add(&t, "errors.txt", errors_text ? errors_text : "", errors_size);
    free(errors_text);

    static const char end[1024];
    tar_put(&t, end, sizeof end);
    *datap = t.data;
    *sizep = t.size;
}
