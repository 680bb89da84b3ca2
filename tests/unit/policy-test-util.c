/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers for the NetworkPolicy unit tests (policy-test-util.h).
 */

#include <config.h>
#include "policy-test-util.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "antrea/net-util.h"
#include "aovs-flow.h"
#include "util.h"

void
pt_node_config(struct pipeline_node_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->gateway_ofport = PT_GW_OFPORT;
    cfg->gateway_ip = pt_ip(PT_GW_IP);
    static const uint8_t mac[6] = { 0x0a, 0x00, 0x00, 0x00, 0x00, 0x01 };
    memcpy(cfg->gateway_mac, mac, sizeof mac);
    cfg->tunnel_ofport = 1;
    cr_assert(antrea_prefix_from_string("10.10.0.0/24", &cfg->pod_cidr));
    cfg->node_ip = pt_ip("192.168.77.2");
}

struct antrea_ip
pt_ip(const char *text)
{
    struct antrea_ip ip;
    cr_assert(antrea_ip_from_string(text, &ip), "bad IP %s", text);
    return ip;
}

/* Splits 'text' at 'sep' into a NULL-terminated array of strings (caller
 * frees each and the array). */
static char **
split(const char *text, const char *sep, size_t *np)
{
    char *copy = xstrdup(text);
    char **out = xcalloc(strlen(text) + 2, sizeof *out);
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, sep, &save); tok;
         tok = strtok_r(NULL, sep, &save)) {
        out[n++] = xstrdup(tok);
    }
    free(copy);
    *np = n;
    return out;
}

/* Frees what split() returned. */
static void
split_free(char **parts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(parts[i]);
    }
    free(parts);
}

/* Returns the API protocol named 'name'. */
static AntreaCp__Protocol
protocol(const char *name)
{
    if (!strcmp(name, "tcp")) {
        return ANTREA_CP__PROTOCOL__TCP;
    } else if (!strcmp(name, "udp")) {
        return ANTREA_CP__PROTOCOL__UDP;
    } else if (!strcmp(name, "sctp")) {
        return ANTREA_CP__PROTOCOL__SCTP;
    }
    cr_assert_fail("bad protocol %s", name);
    return ANTREA_CP__PROTOCOL__PROTOCOL_UNSPECIFIED;
}

/* Stores the addresses of 'ips' in 'gm'. */
static void
member_ips(AntreaCp__GroupMember *gm, const char *ips)
{
    size_t n;
    char **parts = split(ips, ",", &n);
    gm->ips = xcalloc(n + 1, sizeof *gm->ips);
    for (size_t i = 0; i < n; i++) {
        struct antrea_ip ip = pt_ip(parts[i]);
        size_t len = ip.family == AF_INET ? 4 : 16;
        gm->ips[i].data = xmalloc(len);
        memcpy(gm->ips[i].data, ip.bytes, len);
        gm->ips[i].len = len;
    }
    gm->n_ips = n;
    split_free(parts, n);
}

AntreaCp__GroupMember *
pt_pod_member(const char *ns, const char *name, const char *ips,
              const char *ports)
{
    AntreaCp__GroupMember *gm = xmalloc(sizeof *gm);
    antrea_cp__group_member__init(gm);
    gm->pod = xmalloc(sizeof *gm->pod);
    antrea_cp__pod_reference__init(gm->pod);
    gm->pod->namespace_ = xstrdup(ns);
    gm->pod->name = xstrdup(name);
    if (ips) {
        member_ips(gm, ips);
    }
    if (ports) {
        size_t n;
        char **parts = split(ports, ",", &n);
        gm->ports = xcalloc(n + 1, sizeof *gm->ports);
        for (size_t i = 0; i < n; i++) {
            char pname[64], proto[16];
            int number;
            cr_assert_eq(sscanf(parts[i], "%63[^:]:%15[^:]:%d", pname, proto,
                                &number), 3, "bad port %s", parts[i]);
            AntreaCp__NamedPort *np = xmalloc(sizeof *np);
            antrea_cp__named_port__init(np);
            np->name = xstrdup(pname);
            np->protocol = protocol(proto);
            np->port = number;
            gm->ports[i] = np;
        }
        gm->n_ports = n;
        split_free(parts, n);
    }
    return gm;
}

AntreaCp__GroupMember *
pt_ip_member(const char *ips)
{
    AntreaCp__GroupMember *gm = xmalloc(sizeof *gm);
    antrea_cp__group_member__init(gm);
    member_ips(gm, ips);
    return gm;
}

/* Returns new metadata named 'name'. */
static AntreaCp__ObjectMeta *
meta(const char *name)
{
    AntreaCp__ObjectMeta *m = xmalloc(sizeof *m);
    antrea_cp__object_meta__init(m);
    m->name = xstrdup(name);
    return m;
}

/* Collects the NULL-terminated members of 'args' into '*membersp'. */
static size_t
collect_members(va_list args, AntreaCp__GroupMember ***membersp)
{
    size_t n = 0, allocated = 0;
    AntreaCp__GroupMember **members = NULL;
    AntreaCp__GroupMember *gm;
    while ((gm = va_arg(args, AntreaCp__GroupMember *)) != NULL) {
        if (n >= allocated) {
            members = x2nrealloc(members, &allocated, sizeof *members);
        }
        members[n++] = gm;
    }
    *membersp = members;
    return n;
}

AntreaCp__AddressGroup *
pt_address_group(const char *name, ...)
{
    AntreaCp__AddressGroup *g = xmalloc(sizeof *g);
    antrea_cp__address_group__init(g);
    g->metadata = meta(name);
    va_list args;
    va_start(args, name);
    g->n_group_members = collect_members(args, &g->group_members);
    va_end(args);
    return g;
}

AntreaCp__AppliedToGroup *
pt_applied_to_group(const char *name, ...)
{
    AntreaCp__AppliedToGroup *g = xmalloc(sizeof *g);
    antrea_cp__applied_to_group__init(g);
    g->metadata = meta(name);
    va_list args;
    va_start(args, name);
    g->n_group_members = collect_members(args, &g->group_members);
    va_end(args);
    return g;
}

/* Copies the NULL-terminated array 'in' into '*outp'. */
static size_t
copy_members(AntreaCp__GroupMember **in, AntreaCp__GroupMember ***outp)
{
    size_t n = 0;
    while (in && in[n]) {
        n++;
    }
    *outp = n ? xmalloc(n * sizeof **outp) : NULL;
    for (size_t i = 0; i < n; i++) {
        (*outp)[i] = in[i];
    }
    return n;
}

AntreaCp__AddressGroupPatch *
pt_address_group_patch(const char *name, AntreaCp__GroupMember **added,
                       AntreaCp__GroupMember **removed)
{
    AntreaCp__AddressGroupPatch *p = xmalloc(sizeof *p);
    antrea_cp__address_group_patch__init(p);
    p->metadata = meta(name);
    p->n_added_group_members = copy_members(added,
                                            &p->added_group_members);
    p->n_removed_group_members = copy_members(removed,
                                              &p->removed_group_members);
    return p;
}

AntreaCp__AppliedToGroupPatch *
pt_applied_to_group_patch(const char *name, AntreaCp__GroupMember **added,
                          AntreaCp__GroupMember **removed)
{
    AntreaCp__AppliedToGroupPatch *p = xmalloc(sizeof *p);
    antrea_cp__applied_to_group_patch__init(p);
    p->metadata = meta(name);
    p->n_added_group_members = copy_members(added,
                                            &p->added_group_members);
    p->n_removed_group_members = copy_members(removed,
                                              &p->removed_group_members);
    return p;
}

/* Returns a new IPNet from "CIDR". */
static AntreaCp__IPNet *
ipnet(const char *text)
{
    struct antrea_prefix prefix;
    cr_assert(antrea_prefix_from_string(text, &prefix), "bad CIDR %s", text);
    AntreaCp__IPNet *net = xmalloc(sizeof *net);
    antrea_cp__ipnet__init(net);
    size_t len = prefix.ip.family == AF_INET ? 4 : 16;
    net->ip.data = xmalloc(len);
    memcpy(net->ip.data, prefix.ip.bytes, len);
    net->ip.len = len;
    net->prefix_length = prefix.length;
    return net;
}

/* Returns the peer of 'groups' and 'blocks'. */
static AntreaCp__NetworkPolicyPeer *
peer(const char *groups, const char *blocks)
{
    AntreaCp__NetworkPolicyPeer *p = xmalloc(sizeof *p);
    antrea_cp__network_policy_peer__init(p);
    if (groups) {
        size_t n;
        char **parts = split(groups, ",", &n);
        p->address_groups = xcalloc(n + 1, sizeof *p->address_groups);
        for (size_t i = 0; i < n; i++) {
            p->address_groups[i] = xstrdup(parts[i]);
        }
        p->n_address_groups = n;
        split_free(parts, n);
    }
    if (blocks) {
        size_t n;
        char **parts = split(blocks, ";", &n);
        p->ip_blocks = xcalloc(n + 1, sizeof *p->ip_blocks);
        for (size_t i = 0; i < n; i++) {
            size_t m;
            char **cidrs = split(parts[i], "!", &m);
            AntreaCp__IPBlock *b = xmalloc(sizeof *b);
            antrea_cp__ipblock__init(b);
            b->cidr = ipnet(cidrs[0]);
            b->except = xcalloc(m, sizeof *b->except);
            for (size_t k = 1; k < m; k++) {
                b->except[k - 1] = ipnet(cidrs[k]);
            }
            b->n_except = m - 1;
            p->ip_blocks[i] = b;
            split_free(cidrs, m);
        }
        p->n_ip_blocks = n;
        split_free(parts, n);
    }
    return p;
}

AntreaCp__NetworkPolicyRule *
pt_rule(const char *direction, const char *groups, const char *blocks,
        const char *services)
{
    AntreaCp__NetworkPolicyRule *r = xmalloc(sizeof *r);
    antrea_cp__network_policy_rule__init(r);
    bool in = !strcmp(direction, "in");
    r->direction = in ? ANTREA_CP__DIRECTION__IN : ANTREA_CP__DIRECTION__OUT;
    if (in) {
        r->from = peer(groups, blocks);
    } else {
        r->to = peer(groups, blocks);
    }
    if (services) {
        size_t n;
        char **parts = split(services, ",", &n);
        r->services = xcalloc(n + 1, sizeof *r->services);
        for (size_t i = 0; i < n; i++) {
            AntreaCp__Service *s = xmalloc(sizeof *s);
            antrea_cp__service__init(s);
            char proto[16], port[64] = "";
            int fields = sscanf(parts[i], "%15[^:]:%63s", proto, port);
            cr_assert(fields >= 1, "bad service %s", parts[i]);
            s->protocol = protocol(proto);
            if (port[0]) {
                s->port = xmalloc(sizeof *s->port);
                antrea_cp__int_or_string__init(s->port);
                int first, last;
                if (sscanf(port, "%d-%d", &first, &last) == 2) {
                    s->port->int_val = first;
                    s->end_port = last;
                } else if (sscanf(port, "%d", &first) == 1) {
                    s->port->int_val = first;
                } else {
                    s->port->type = ANTREA_CP__INT_OR_STRING__TYPE__STRING;
                    s->port->str_val = xstrdup(port);
                }
            }
            r->services[i] = s;
        }
        r->n_services = n;
        split_free(parts, n);
    }
    return r;
}

AntreaCp__NetworkPolicyRule *
pt_isolate(const char *direction)
{
    AntreaCp__NetworkPolicyRule *r = pt_rule(direction, NULL, NULL, NULL);
    r->isolate_only = true;
    return r;
}

AntreaCp__NetworkPolicy *
pt_policy(const char *name, const char *applied_to, ...)
{
    AntreaCp__NetworkPolicy *np = xmalloc(sizeof *np);
    antrea_cp__network_policy__init(np);
    np->metadata = meta(name);
    size_t n;
    char **parts = split(applied_to, ",", &n);
    np->applied_to_groups = xcalloc(n + 1, sizeof *np->applied_to_groups);
    for (size_t i = 0; i < n; i++) {
        np->applied_to_groups[i] = xstrdup(parts[i]);
    }
    np->n_applied_to_groups = n;
    split_free(parts, n);

    va_list args;
    va_start(args, applied_to);
    size_t allocated = 0;
    AntreaCp__NetworkPolicyRule *r;
    while ((r = va_arg(args, AntreaCp__NetworkPolicyRule *)) != NULL) {
        if (np->n_rules >= allocated) {
            np->rules = x2nrealloc(np->rules, &allocated, sizeof *np->rules);
        }
        r->priority = (int32_t) np->n_rules;
        np->rules[np->n_rules++] = r;
    }
    va_end(args);
    return np;
}

/* Returns a new event of 'type'. */
static AntreaCp__WatchEvent *
event(AntreaCp__EventType type)
{
    AntreaCp__WatchEvent *ev = xmalloc(sizeof *ev);
    antrea_cp__watch_event__init(ev);
    ev->type = type;
    return ev;
}

AntreaCp__WatchEvent *
pt_event_policy(AntreaCp__EventType type, AntreaCp__NetworkPolicy *np)
{
    AntreaCp__WatchEvent *ev = event(type);
    ev->object_case = ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY;
    ev->network_policy = np;
    return ev;
}

AntreaCp__WatchEvent *
pt_event_address_group(AntreaCp__EventType type, AntreaCp__AddressGroup *g)
{
    AntreaCp__WatchEvent *ev = event(type);
    ev->object_case = ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP;
    ev->address_group = g;
    return ev;
}

AntreaCp__WatchEvent *
pt_event_applied_to_group(AntreaCp__EventType type,
                          AntreaCp__AppliedToGroup *g)
{
    AntreaCp__WatchEvent *ev = event(type);
    ev->object_case = ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP;
    ev->applied_to_group = g;
    return ev;
}

void
pt_free(void *message)
{
    if (message) {
        protobuf_c_message_free_unpacked(message, NULL);
    }
}

/* struct policy_sink's new_object: the next id. */
static uint64_t
sink_new_object(void *aux)
{
    struct pt_sink *ps = aux;
    return ps->next_id++;
}

/* Returns the object key of 'id'. */
static void
object_key(uint64_t id, char key[24])
{
    snprintf(key, 24, "%"PRIu64, id);
}

/* struct policy_sink's remove_flows: forgets object 'id'. */
static void
sink_remove_flows(void *aux, uint64_t id)
{
    struct pt_sink *ps = aux;
    char key[24];
    object_key(id, key);
    ps->n_removes++;
    aovs_flow_table_remove_owner(ps->table,
                                 aovs_owner(PIPELINE_CATEGORY_POLICY, id));
    free(policy_map_remove(&ps->objects, key));
}

/* struct policy_sink's set_flows: records the flows of object 'id' in
 * the flow table (OVS's parser checks them) and as text. */
static int
sink_set_flows(void *aux, uint64_t id, const struct pipeline_flows *flows,
               char **errorp)
{
    struct pt_sink *ps = aux;
    char key[24];
    object_key(id, key);
    aovs_flow_table_remove_owner(ps->table,
                                 aovs_owner(PIPELINE_CATEGORY_POLICY, id));
    ps->n_sets++;

    size_t size = 1;
    char **lines = xmalloc((flows->n + 1) * sizeof *lines);
    for (size_t i = 0; i < flows->n; i++) {
        cr_assert_eq(flows->flows[i].category, PIPELINE_CATEGORY_POLICY);
        lines[i] = pipeline_flow_to_string(&flows->flows[i]);
        char *error = NULL;
        int retval = aovs_flow_table_put(ps->table,
                                         aovs_owner(PIPELINE_CATEGORY_POLICY,
                                                    id), lines[i], &error);
        cr_assert_eq(retval, 0, "flow refused: %s", error);
        size += strlen(lines[i]) + 1;
    }
    char *text = xmalloc(size);
    char *p = text;
    for (size_t i = 0; i < flows->n; i++) {
        p += sprintf(p, "%s\n", lines[i]);
        free(lines[i]);
    }
    *p = '\0';
    free(lines);
    void *old;
    policy_map_put(&ps->objects, key, text, &old);
    free(old);
    *errorp = NULL;
    return 0;
}

/* struct policy_sink's commit: counts. */
static int
sink_commit(void *aux, char **errorp)
{
    struct pt_sink *ps = aux;
    ps->n_commits++;
    *errorp = NULL;
    return 0;
}

struct policy_sink
pt_sink_init(struct pt_sink *ps)
{
    memset(ps, 0, sizeof *ps);
    ps->table = aovs_flow_table_create();
    ps->next_id = 1;
    struct policy_sink sink = {
        .new_object = sink_new_object,
        .set_flows = sink_set_flows,
        .remove_flows = sink_remove_flows,
        .commit = sink_commit,
        .aux = ps,
    };
    return sink;
}

void
pt_sink_destroy(struct pt_sink *ps)
{
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(&ps->objects, &c)) != NULL) {
        free(node->value);
    }
    policy_map_destroy(&ps->objects);
    aovs_flow_table_destroy(ps->table);
}

void
pt_sink_reset_counts(struct pt_sink *ps)
{
    ps->n_sets = ps->n_removes = ps->n_commits = 0;
}

/* qsort() order of strings. */
static int
compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;
    return strcmp(*a, *b);
}

char *
pt_sink_dump(const struct pt_sink *ps)
{
    char **lines = NULL;
    size_t n = 0, allocated = 0;
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(&ps->objects, &c)) != NULL) {
        char *copy = xstrdup(node->value);
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            /* Skip the static flows: the tests check them once. */
            if (strstr(line, "priority=210")) {
                continue;
            }
            if (n >= allocated) {
                lines = x2nrealloc(lines, &allocated, sizeof *lines);
            }
            lines[n++] = xstrdup(line);
        }
        free(copy);
    }
    if (n) {
        qsort(lines, n, sizeof *lines, compare_strings);
    }
    size_t size = 1;
    for (size_t i = 0; i < n; i++) {
        size += strlen(lines[i]) + 1;
    }
    char *text = xmalloc(size);
    char *p = text;
    *p = '\0';
    for (size_t i = 0; i < n; i++) {
        p += sprintf(p, "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
    return text;
}

char *
pt_lines(const char *first, ...)
{
    size_t n = 0, allocated = 0;
    const char **lines = NULL;
    va_list args;
    va_start(args, first);
    for (const char *s = first; s; s = va_arg(args, const char *)) {
        if (n >= allocated) {
            lines = x2nrealloc(lines, &allocated, sizeof *lines);
        }
        lines[n++] = s;
    }
    va_end(args);
    if (n) {
        qsort(lines, n, sizeof *lines, compare_strings);
    }
    size_t size = 1;
    for (size_t i = 0; i < n; i++) {
        size += strlen(lines[i]) + 1;
    }
    char *text = xmalloc(size);
    char *p = text;
    *p = '\0';
    for (size_t i = 0; i < n; i++) {
        p += sprintf(p, "%s\n", lines[i]);
    }
    free(lines);
    return text;
}
