/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Control-plane objects as JSON (cp-json.h).
 */

#include <config.h>

#include "cp-json.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

const char *
cp_json_ip_string(const uint8_t *addr, size_t len, char *buf, size_t size)
{
    if ((len != 4 && len != 16)
        || !inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, buf, size)) {
        snprintf(buf, size, "?");
    }
    return buf;
}

/* Adds string 'value' to 'obj' as 'key' unless it is NULL or empty. */
static void
set_str(json_t *obj, const char *key, const char *value)
{
    if (value && value[0]) {
        json_object_set_new(obj, key, json_string(value));
    }
}

/* ObjectMeta in Kubernetes' field names. */
static json_t *
meta_json(const AntreaCp__ObjectMeta *meta)
{
    json_t *obj = json_object();
    if (meta) {
        set_str(obj, "name", meta->name);
        set_str(obj, "uid", meta->uid);
        set_str(obj, "resourceVersion", meta->resource_version);
        if (meta->generation) {
            json_object_set_new(obj, "generation",
                                json_integer(meta->generation));
        }
    }
    return obj;
}

/* The protocol's name as in Kubernetes ("TCP"...). */
static const char *
protocol_name(AntreaCp__Protocol protocol)
{
    switch (protocol) {
    case ANTREA_CP__PROTOCOL__TCP:
        return "TCP";
    case ANTREA_CP__PROTOCOL__UDP:
        return "UDP";
    case ANTREA_CP__PROTOCOL__SCTP:
        return "SCTP";
    case ANTREA_CP__PROTOCOL__PROTOCOL_UNSPECIFIED:
    case _ANTREA_CP__PROTOCOL_IS_INT_SIZE:
    default:
        return "";
    }
}

/* An IPNet as {"ip", "prefixLength"}. */
static json_t *
ipnet_json(const AntreaCp__IPNet *net)
{
    char buf[64];
    if (!net) {
        return json_null();
    }
    return json_pack("{s:s, s:i}", "ip",
                     cp_json_ip_string(net->ip.data, net->ip.len, buf,
                                       sizeof buf),
                     "prefixLength", (int) net->prefix_length);
}

/* A peer: addressGroups and ipBlocks. */
static json_t *
peer_json(const AntreaCp__NetworkPolicyPeer *peer)
{
    json_t *obj = json_object();
    if (!peer) {
        return obj;
    }
    if (peer->n_address_groups) {
        json_t *groups = json_array();
        for (size_t i = 0; i < peer->n_address_groups; i++) {
            json_array_append_new(groups,
                                  json_string(peer->address_groups[i]));
        }
        json_object_set_new(obj, "addressGroups", groups);
    }
    if (peer->n_ip_blocks) {
        json_t *blocks = json_array();
        for (size_t i = 0; i < peer->n_ip_blocks; i++) {
            const AntreaCp__IPBlock *b = peer->ip_blocks[i];
            json_t *block = json_object();
            json_object_set_new(block, "cidr", ipnet_json(b->cidr));
            if (b->n_except) {
                json_t *except = json_array();
                for (size_t k = 0; k < b->n_except; k++) {
                    json_array_append_new(except, ipnet_json(b->except[k]));
                }
                json_object_set_new(block, "except", except);
            }
            json_array_append_new(blocks, block);
        }
        json_object_set_new(obj, "ipBlocks", blocks);
    }
    return obj;
}

/* A service: protocol, port (number or name), endPort. */
static json_t *
service_json(const AntreaCp__Service *svc)
{
    json_t *obj = json_object();
    set_str(obj, "protocol", protocol_name(svc->protocol));
    if (svc->port) {
        if (svc->port->type == ANTREA_CP__INT_OR_STRING__TYPE__STRING) {
            set_str(obj, "port", svc->port->str_val);
        } else {
            json_object_set_new(obj, "port",
                                json_integer(svc->port->int_val));
        }
    }
    if (svc->end_port) {
        json_object_set_new(obj, "endPort", json_integer(svc->end_port));
    }
    return obj;
}

/* A rule. */
static json_t *
rule_json(const AntreaCp__NetworkPolicyRule *rule)
{
    json_t *obj = json_object();
    bool in = rule->direction != ANTREA_CP__DIRECTION__OUT;
    json_object_set_new(obj, "direction", json_string(in ? "In" : "Out"));
    json_object_set_new(obj, in ? "from" : "to",
                        peer_json(in ? rule->from : rule->to));
    json_t *services = json_array();
    for (size_t i = 0; i < rule->n_services; i++) {
        json_array_append_new(services, service_json(rule->services[i]));
    }
    json_object_set_new(obj, "services", services);
    json_object_set_new(obj, "priority", json_integer(rule->priority));
    if (rule->isolate_only) {
        json_object_set_new(obj, "isolateOnly", json_true());
    }
    return obj;
}

json_t *
cp_json_network_policy(const AntreaCp__NetworkPolicy *np)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "metadata", meta_json(np->metadata));
    json_t *rules = json_array();
    for (size_t i = 0; i < np->n_rules; i++) {
        json_array_append_new(rules, rule_json(np->rules[i]));
    }
    json_object_set_new(obj, "rules", rules);
    json_t *groups = json_array();
    for (size_t i = 0; i < np->n_applied_to_groups; i++) {
        json_array_append_new(groups,
                              json_string(np->applied_to_groups[i]));
    }
    json_object_set_new(obj, "appliedToGroups", groups);
    if (np->source_ref) {
        const AntreaCp__NetworkPolicyReference *ref = np->source_ref;
        json_t *src = json_object();
        bool k8s = (ref->type
                    == ANTREA_CP__NETWORK_POLICY_TYPE__K8S_NETWORK_POLICY);
        json_object_set_new(src, "type",
                            json_string(k8s ? "K8sNetworkPolicy" : ""));
        set_str(src, "namespace", ref->namespace_);
        set_str(src, "name", ref->name);
        set_str(src, "uid", ref->uid);
        json_object_set_new(obj, "sourceRef", src);
    }
    return obj;
}

/* A group member: pod, ips, ports. */
static json_t *
member_json(const AntreaCp__GroupMember *m)
{
    json_t *obj = json_object();
    if (m->pod) {
        json_t *pod = json_object();
        set_str(pod, "name", m->pod->name);
        set_str(pod, "namespace", m->pod->namespace_);
        json_object_set_new(obj, "pod", pod);
    }
    if (m->n_ips) {
        json_t *ips = json_array();
        for (size_t i = 0; i < m->n_ips; i++) {
            char buf[64];
            json_array_append_new(ips, json_string(
                cp_json_ip_string(m->ips[i].data, m->ips[i].len, buf,
                                  sizeof buf)));
        }
        json_object_set_new(obj, "ips", ips);
    }
    if (m->n_ports) {
        json_t *ports = json_array();
        for (size_t i = 0; i < m->n_ports; i++) {
            const AntreaCp__NamedPort *p = m->ports[i];
            json_t *port = json_pack("{s:i}", "port", (int) p->port);
            set_str(port, "name", p->name);
            set_str(port, "protocol", protocol_name(p->protocol));
            json_array_append_new(ports, port);
        }
        json_object_set_new(obj, "ports", ports);
    }
    return obj;
}

/* A group of either kind. */
static json_t *
group_json(const AntreaCp__ObjectMeta *meta, AntreaCp__GroupMember **members,
           size_t n)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "metadata", meta_json(meta));
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(array, member_json(members[i]));
    }
    json_object_set_new(obj, "groupMembers", array);
    return obj;
}

json_t *
cp_json_address_group(const AntreaCp__AddressGroup *g)
{
    return group_json(g->metadata, g->group_members, g->n_group_members);
}

json_t *
cp_json_applied_to_group(const AntreaCp__AppliedToGroup *g)
{
    return group_json(g->metadata, g->group_members, g->n_group_members);
}

/* Wraps 'items' in a list object of 'kind'. */
static json_t *
list_json(const char *kind, const AntreaCp__ListMeta *meta, json_t *items)
{
    json_t *metadata = json_object();
    if (meta) {
        set_str(metadata, "resourceVersion", meta->resource_version);
    }
    return json_pack("{s:s, s:s, s:o, s:o}", "kind", kind,
                     "apiVersion", "controlplane.antrea.io/v1beta2",
                     "metadata", metadata, "items", items);
}

json_t *
cp_json_decode(const char *resource, const void *data, size_t size,
               int for_list, char **errorp)
{
    json_t *result = NULL;

    *errorp = NULL;
    if (!strcmp(resource, "networkpolicies")) {
        if (for_list) {
            AntreaCp__NetworkPolicyList *list
                = antrea_cp__network_policy_list__unpack(NULL, size, data);
            if (list) {
                json_t *items = json_array();
                for (size_t i = 0; i < list->n_items; i++) {
                    json_array_append_new(
                        items, cp_json_network_policy(list->items[i]));
                }
                result = list_json("NetworkPolicyList", list->metadata,
                                   items);
                antrea_cp__network_policy_list__free_unpacked(list, NULL);
            }
        } else {
            AntreaCp__NetworkPolicy *np
                = antrea_cp__network_policy__unpack(NULL, size, data);
            if (np) {
                result = cp_json_network_policy(np);
                antrea_cp__network_policy__free_unpacked(np, NULL);
            }
        }
    } else if (!strcmp(resource, "addressgroups")) {
        if (for_list) {
            AntreaCp__AddressGroupList *list
                = antrea_cp__address_group_list__unpack(NULL, size, data);
            if (list) {
                json_t *items = json_array();
                for (size_t i = 0; i < list->n_items; i++) {
                    json_array_append_new(
                        items, cp_json_address_group(list->items[i]));
                }
                result = list_json("AddressGroupList", list->metadata,
                                   items);
                antrea_cp__address_group_list__free_unpacked(list, NULL);
            }
        } else {
            AntreaCp__AddressGroup *g
                = antrea_cp__address_group__unpack(NULL, size, data);
            if (g) {
                result = cp_json_address_group(g);
                antrea_cp__address_group__free_unpacked(g, NULL);
            }
        }
    } else if (!strcmp(resource, "appliedtogroups")) {
        if (for_list) {
            AntreaCp__AppliedToGroupList *list
                = antrea_cp__applied_to_group_list__unpack(NULL, size, data);
            if (list) {
                json_t *items = json_array();
                for (size_t i = 0; i < list->n_items; i++) {
                    json_array_append_new(
                        items, cp_json_applied_to_group(list->items[i]));
                }
                result = list_json("AppliedToGroupList", list->metadata,
                                   items);
                antrea_cp__applied_to_group_list__free_unpacked(list, NULL);
            }
        } else {
            AntreaCp__AppliedToGroup *g
                = antrea_cp__applied_to_group__unpack(NULL, size, data);
            if (g) {
                result = cp_json_applied_to_group(g);
                antrea_cp__applied_to_group__free_unpacked(g, NULL);
            }
        }
    } else {
        *errorp = xasprintf("unknown resource \"%s\"", resource);
        return NULL;
    }
    if (!result) {
        *errorp = xasprintf("%s: %zu bytes that do not decode as %s",
                            resource, size, for_list ? "a list" : "an "
                            "object");
    }
    return result;
}
