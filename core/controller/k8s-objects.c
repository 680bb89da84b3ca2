/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * JSON to typed Kubernetes objects, with validation (k8s-objects.h).
 */

#include <config.h>

#include "k8s-objects.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Returns string member 'name' of 'obj', or NULL. */
static const char *
get_string(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Parses IP 'text' into 'ip'; returns false if it is none. */
static bool
parse_ip(const char *text, struct cp_ip *ip)
{
    memset(ip, 0, sizeof *ip);
    if (inet_pton(AF_INET, text, ip->addr) == 1) {
        ip->len = 4;
        return true;
    }
    if (inet_pton(AF_INET6, text, ip->addr) == 1) {
        ip->len = 16;
        return true;
    }
    return false;
}

bool
k8s_parse_cidr(const char *text, struct k8s_ipnet *net)
{
    const char *slash = strchr(text, '/');
    char *end;

    if (!slash || slash - text > 63 || !isdigit((unsigned char) slash[1])) {
        return false;
    }
    char addr[64];
    memcpy(addr, text, slash - text);
    addr[slash - text] = '\0';
    long plen = strtol(slash + 1, &end, 10);
    if (*end || !parse_ip(addr, &net->ip)
        || plen < 0 || plen > net->ip.len * 8) {
        return false;
    }
    net->prefix_len = plen;
    for (int bit = plen; bit < net->ip.len * 8; bit++) {
        net->ip.addr[bit / 8] &= ~(0x80 >> (bit % 8));
    }
    return true;
}

bool
k8s_ipnet_strict_subset(const struct k8s_ipnet *inner,
                        const struct k8s_ipnet *outer)
{
    if (inner->ip.len != outer->ip.len
        || inner->prefix_len <= outer->prefix_len) {
        return false;
    }
    for (int bit = 0; bit < outer->prefix_len; bit++) {
        uint8_t mask = 0x80 >> (bit % 8);
        if ((inner->ip.addr[bit / 8] & mask)
            != (outer->ip.addr[bit / 8] & mask)) {
            return false;
        }
    }
    return true;
}

/* Parses protocol 'text' (NULL: TCP).  Returns false if unknown. */
static bool
parse_protocol(const char *text, enum cp_protocol *p)
{
    if (!text || !strcmp(text, "TCP")) {
        *p = CP_PROTOCOL_TCP;
    } else if (!strcmp(text, "UDP")) {
        *p = CP_PROTOCOL_UDP;
    } else if (!strcmp(text, "SCTP")) {
        *p = CP_PROTOCOL_SCTP;
    } else {
        return false;
    }
    return true;
}

/* Returns true if 's' is an IANA_SVC_NAME: 1 to 15 lowercase letters,
 * digits and '-', at least one letter, no leading, trailing or double
 * '-'. */
static bool
is_port_name(const char *s)
{
    size_t n = strlen(s);
    bool letter = false;

    if (!n || n > 15 || s[0] == '-' || s[n - 1] == '-') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (islower((unsigned char) s[i])) {
            letter = true;
        } else if (s[i] == '-') {
            if (s[i + 1] == '-') {
                return false;
            }
        } else if (!isdigit((unsigned char) s[i])) {
            return false;
        }
    }
    return letter;
}

/* Namespaces. */

struct k8s_namespace *
k8s_namespace_from_json(const json_t *obj, char **errorp)
{
    const json_t *meta = json_object_get(obj, "metadata");
    const char *name = meta ? get_string(meta, "name") : NULL;

    *errorp = NULL;
    if (!name || !name[0]) {
        *errorp = xstrdup("Namespace without metadata.name");
        return NULL;
    }

    struct k8s_namespace *ns = xcalloc(1, sizeof *ns);
    char *error = label_set_from_json(&ns->labels,
                                      json_object_get(meta, "labels"));
    if (error) {
        *errorp = xasprintf("Namespace %s: metadata.labels: %s", name, error);
        free(error);
        free(ns);
        return NULL;
    }
    ns->name = xstrdup(name);
    return ns;
}

void
k8s_namespace_destroy(struct k8s_namespace *ns)
{
    if (ns) {
        label_set_destroy(&ns->labels);
        free(ns->name);
        free(ns);
    }
}

/* Pods. */

/* Adds the named ports of the containers in array 'containers' to 'pod'. */
static void
pod_add_ports(struct k8s_pod *pod, const json_t *containers)
{
    size_t allocated = 0;
    size_t i;
    const json_t *c;

    json_array_foreach (containers, i, c) {
        const json_t *ports = json_object_get(c, "ports");
        size_t j;
        const json_t *p;
        json_array_foreach (ports, j, p) {
            const char *name = get_string(p, "name");
            const json_t *cport = json_object_get(p, "containerPort");
            enum cp_protocol proto;
            if (!name || !name[0] || !json_is_integer(cport)
                || json_integer_value(cport) < 1
                || json_integer_value(cport) > 65535
                || !parse_protocol(get_string(p, "protocol"), &proto)) {
                continue;
            }
            if (pod->n_ports >= allocated) {
                pod->ports = x2nrealloc(pod->ports, &allocated,
                                        sizeof *pod->ports);
            }
            struct k8s_pod_port *pp = &pod->ports[pod->n_ports++];
            pp->name = xstrdup(name);
            pp->port = json_integer_value(cport);
            pp->protocol = proto;
        }
    }
}

struct k8s_pod *
k8s_pod_from_json(const json_t *obj, char **errorp)
{
    const json_t *meta = json_object_get(obj, "metadata");
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *status = json_object_get(obj, "status");
    const char *ns = meta ? get_string(meta, "namespace") : NULL;
    const char *name = meta ? get_string(meta, "name") : NULL;

    *errorp = NULL;
    if (!ns || !ns[0] || !name || !name[0]) {
        *errorp = xasprintf("Pod without metadata.%s",
                            !ns || !ns[0] ? "namespace" : "name");
        return NULL;
    }

    struct k8s_pod *pod = xcalloc(1, sizeof *pod);
    char *error = label_set_from_json(&pod->labels,
                                      json_object_get(meta, "labels"));
    if (error) {
        *errorp = xasprintf("Pod %s/%s: metadata.labels: %s", ns, name,
                            error);
        free(error);
        free(pod);
        return NULL;
    }
    pod->ns = xstrdup(ns);
    pod->name = xstrdup(name);

    const char *node = spec ? get_string(spec, "nodeName") : NULL;
    pod->node = node && node[0] ? xstrdup(node) : NULL;
    pod->host_network = spec && json_is_true(json_object_get(spec,
                                                             "hostNetwork"));

    const json_t *ips = status ? json_object_get(status, "podIPs") : NULL;
    size_t i;
    const json_t *ip;
    json_array_foreach (ips, i, ip) {
        const char *text = get_string(ip, "ip");
        if (text && pod->n_ips < CP_MEMBER_MAX_IPS
            && parse_ip(text, &pod->ips[pod->n_ips])) {
            pod->n_ips++;
        }
    }
    const char *pod_ip = status ? get_string(status, "podIP") : NULL;
    if (!pod->n_ips && pod_ip && parse_ip(pod_ip, &pod->ips[0])) {
        pod->n_ips = 1;
    }
    if (spec) {
        pod_add_ports(pod, json_object_get(spec, "containers"));
    }
    return pod;
}

void
k8s_pod_destroy(struct k8s_pod *pod)
{
    if (!pod) {
        return;
    }
    for (size_t i = 0; i < pod->n_ports; i++) {
        free(pod->ports[i].name);
    }
    free(pod->ports);
    label_set_destroy(&pod->labels);
    free(pod->node);
    free(pod->name);
    free(pod->ns);
    free(pod);
}

/* NetworkPolicies. */

/* Parses the peer 'json' at 'what' into 'peer'.  Returns an error message
 * or NULL. */
static char *
parse_peer(struct k8s_np_peer *peer, const json_t *json, const char *what)
{
    char *error = NULL;

    if (!json_is_object(json)) {
        return xasprintf("%s: not an object", what);
    }

    const json_t *ps = json_object_get(json, "podSelector");
    const json_t *nss = json_object_get(json, "namespaceSelector");
    const json_t *ipb = json_object_get(json, "ipBlock");
    if (ps && !json_is_null(ps)) {
        char *field = xasprintf("%s.podSelector", what);
        peer->pod_selector = label_selector_from_json(ps, field, &error);
        free(field);
        if (error) {
            return error;
        }
    }
    if (nss && !json_is_null(nss)) {
        char *field = xasprintf("%s.namespaceSelector", what);
        peer->ns_selector = label_selector_from_json(nss, field, &error);
        free(field);
        if (error) {
            return error;
        }
    }
    if (ipb && !json_is_null(ipb)) {
        if (peer->pod_selector || peer->ns_selector) {
            return xasprintf("%s: ipBlock may not be combined with "
                             "podSelector or namespaceSelector", what);
        }
        const char *cidr = get_string(ipb, "cidr");
        if (!cidr) {
            return xasprintf("%s.ipBlock.cidr: missing", what);
        }
        if (!k8s_parse_cidr(cidr, &peer->cidr)) {
            return xasprintf("%s.ipBlock.cidr: \"%s\" is not a valid CIDR",
                             what, cidr);
        }
        peer->has_ip_block = true;
        const json_t *except = json_object_get(ipb, "except");
        if (except && !json_is_null(except) && !json_is_array(except)) {
            return xasprintf("%s.ipBlock.except: not an array", what);
        }
        size_t n = json_array_size(except);
        peer->except = xcalloc(n + 1, sizeof *peer->except);
        for (size_t i = 0; i < n; i++) {
            const json_t *e = json_array_get(except, i);
            const char *text = json_is_string(e) ? json_string_value(e) : "";
            if (!k8s_parse_cidr(text, &peer->except[i])) {
                return xasprintf("%s.ipBlock.except[%zu]: \"%s\" is not a "
                                 "valid CIDR", what, i, text);
            }
            peer->n_except++;
            if (!k8s_ipnet_strict_subset(&peer->except[i], &peer->cidr)) {
                return xasprintf("%s.ipBlock.except[%zu]: \"%s\" is not a "
                                 "strict subset of cidr \"%s\"", what, i,
                                 text, cidr);
            }
        }
    } else if (!peer->pod_selector && !peer->ns_selector) {
        return xasprintf("%s: must specify podSelector, namespaceSelector "
                         "or ipBlock", what);
    }
    return NULL;
}

/* Parses the port 'json' at 'what' into 'port'.  Returns an error message
 * or NULL. */
static char *
parse_port(struct k8s_np_port *port, const json_t *json, const char *what)
{
    if (!json_is_object(json)) {
        return xasprintf("%s: not an object", what);
    }

    const char *proto = get_string(json, "protocol");
    if (json_object_get(json, "protocol") && !json_is_null(
            json_object_get(json, "protocol")) && !proto) {
        return xasprintf("%s.protocol: not a string", what);
    }
    if (!parse_protocol(proto, &port->protocol)) {
        return xasprintf("%s.protocol: unsupported protocol \"%s\" "
                         "(expected TCP, UDP or SCTP)", what, proto);
    }

    const json_t *p = json_object_get(json, "port");
    if (json_is_integer(p)) {
        json_int_t v = json_integer_value(p);
        if (v < 1 || v > 65535) {
            return xasprintf("%s.port: %"JSON_INTEGER_FORMAT" is out of "
                             "range (1-65535)", what, v);
        }
        port->has_port = true;
        port->port = v;
    } else if (json_is_string(p)) {
        const char *name = json_string_value(p);
        if (!is_port_name(name)) {
            return xasprintf("%s.port: \"%s\" is not a valid port name "
                             "(IANA_SVC_NAME)", what, name);
        }
        port->has_port = true;
        port->port_name = xstrdup(name);
    } else if (p && !json_is_null(p)) {
        return xasprintf("%s.port: not a number or a name", what);
    }

    const json_t *ep = json_object_get(json, "endPort");
    if (ep && !json_is_null(ep)) {
        if (!json_is_integer(ep)) {
            return xasprintf("%s.endPort: not a number", what);
        }
        json_int_t v = json_integer_value(ep);
        if (!port->has_port || port->port_name) {
            return xasprintf("%s.endPort: requires a numeric port", what);
        }
        if (v < port->port || v > 65535) {
            return xasprintf("%s.endPort: %"JSON_INTEGER_FORMAT" must be "
                             "between port %"PRId32" and 65535", what, v,
                             port->port);
        }
        port->end_port = v;
    }
    return NULL;
}

/* Parses rule 'json' (direction 'dir', "ingress" or "egress", index 'i')
 * into 'rule'.  Returns an error message or NULL. */
static char *
parse_rule(struct k8s_np_rule *rule, const json_t *json, const char *dir,
           size_t i)
{
    const char *peers_name = !strcmp(dir, "ingress") ? "from" : "to";
    char *error = NULL;

    if (!json_is_object(json)) {
        return xasprintf("spec.%s[%zu]: not an object", dir, i);
    }

    const json_t *ports = json_object_get(json, "ports");
    if (ports && !json_is_null(ports) && !json_is_array(ports)) {
        return xasprintf("spec.%s[%zu].ports: not an array", dir, i);
    }
    size_t n = json_array_size(ports);
    rule->ports = xcalloc(n + 1, sizeof *rule->ports);
    for (size_t j = 0; j < n && !error; j++) {
        char *what = xasprintf("spec.%s[%zu].ports[%zu]", dir, i, j);
        error = parse_port(&rule->ports[j], json_array_get(ports, j), what);
        rule->n_ports++;
        free(what);
    }
    if (error) {
        return error;
    }

    const json_t *peers = json_object_get(json, peers_name);
    if (peers && !json_is_null(peers) && !json_is_array(peers)) {
        return xasprintf("spec.%s[%zu].%s: not an array", dir, i,
                         peers_name);
    }
    n = json_array_size(peers);
    rule->peers = xcalloc(n + 1, sizeof *rule->peers);
    for (size_t j = 0; j < n && !error; j++) {
        char *what = xasprintf("spec.%s[%zu].%s[%zu]", dir, i, peers_name,
                               j);
        error = parse_peer(&rule->peers[j], json_array_get(peers, j), what);
        rule->n_peers++;
        free(what);
    }
    return error;
}

/* Frees what 'rule' holds. */
static void
rule_destroy(struct k8s_np_rule *rule)
{
    for (size_t i = 0; i < rule->n_ports; i++) {
        free(rule->ports[i].port_name);
    }
    free(rule->ports);
    for (size_t i = 0; i < rule->n_peers; i++) {
        label_selector_destroy(rule->peers[i].pod_selector);
        label_selector_destroy(rule->peers[i].ns_selector);
        free(rule->peers[i].except);
    }
    free(rule->peers);
}

/* Parses rules array 'json' of direction 'dir' into '*rulesp', '*np'. */
static char *
parse_rules(struct k8s_np_rule **rulesp, size_t *np, const json_t *json,
            const char *dir)
{
    char *error = NULL;

    if (json && !json_is_null(json) && !json_is_array(json)) {
        return xasprintf("spec.%s: not an array", dir);
    }
    size_t n = json_array_size(json);
    *rulesp = xcalloc(n + 1, sizeof **rulesp);
    for (size_t i = 0; i < n && !error; i++) {
        error = parse_rule(&(*rulesp)[i], json_array_get(json, i), dir, i);
        (*np)++;
    }
    return error;
}

struct k8s_network_policy *
k8s_network_policy_from_json(const json_t *obj, char **errorp)
{
    const json_t *meta = json_object_get(obj, "metadata");
    const json_t *spec = json_object_get(obj, "spec");
    const char *ns = meta ? get_string(meta, "namespace") : NULL;
    const char *name = meta ? get_string(meta, "name") : NULL;
    const char *uid = meta ? get_string(meta, "uid") : NULL;
    char *error = NULL;

    *errorp = NULL;
    if (!ns || !ns[0] || !name || !name[0]) {
        *errorp = xasprintf("NetworkPolicy without metadata.%s",
                            !ns || !ns[0] ? "namespace" : "name");
        return NULL;
    }

    struct k8s_network_policy *np = xcalloc(1, sizeof *np);
    np->ns = xstrdup(ns);
    np->name = xstrdup(name);
    np->uid = xstrdup(uid && uid[0] ? uid : "");
    if (!uid || !uid[0]) {
        error = xstrdup("metadata.uid: missing");
        goto out;
    }
    if (!json_is_object(spec)) {
        error = xstrdup("spec: missing");
        goto out;
    }

    np->pod_selector = label_selector_from_json(
        json_object_get(spec, "podSelector"), "spec.podSelector", &error);
    if (error) {
        goto out;
    }
    error = parse_rules(&np->ingress, &np->n_ingress,
                        json_object_get(spec, "ingress"), "ingress");
    if (error) {
        goto out;
    }
    error = parse_rules(&np->egress, &np->n_egress,
                        json_object_get(spec, "egress"), "egress");
    if (error) {
        goto out;
    }

    const json_t *types = json_object_get(spec, "policyTypes");
    if (types && !json_is_null(types) && json_array_size(types)) {
        size_t i;
        const json_t *t;
        json_array_foreach (types, i, t) {
            const char *s = json_is_string(t) ? json_string_value(t) : "";
            if (!strcmp(s, "Ingress")) {
                np->policy_ingress = true;
            } else if (!strcmp(s, "Egress")) {
                np->policy_egress = true;
            } else {
                error = xasprintf("spec.policyTypes[%zu]: \"%s\" is neither "
                                  "Ingress nor Egress", i, s);
                goto out;
            }
        }
    } else if (types && !json_is_null(types) && !json_is_array(types)) {
        error = xstrdup("spec.policyTypes: not an array");
        goto out;
    } else {
        /* Kubernetes' default: Ingress, plus Egress if there are egress
         * rules. */
        np->policy_ingress = true;
        np->policy_egress = np->n_egress > 0;
    }

out:
    if (error) {
        *errorp = xasprintf("NetworkPolicy %s/%s: %s", ns, name, error);
        free(error);
        k8s_network_policy_destroy(np);
        return NULL;
    }
    return np;
}

void
k8s_network_policy_destroy(struct k8s_network_policy *np)
{
    if (!np) {
        return;
    }
    for (size_t i = 0; i < np->n_ingress; i++) {
        rule_destroy(&np->ingress[i]);
    }
    free(np->ingress);
    for (size_t i = 0; i < np->n_egress; i++) {
        rule_destroy(&np->egress[i]);
    }
    free(np->egress);
    label_selector_destroy(np->pod_selector);
    free(np->uid);
    free(np->name);
    free(np->ns);
    free(np);
}
