/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's copy of the control-plane objects (policy-cache.h): the
 * conversion and checks of the protobuf-c structs, the objects, the
 * group -> policy index and the set of touched policies.
 */

#include <config.h>
#include "policy-cache.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "antrea/net-util.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(policy_cache);

/* The cache. */
struct policy_cache {
    struct policy_map policies;     /* name -> struct policy_np */
    struct policy_map address_groups; /* name -> struct policy_group */
    struct policy_map applied_to_groups; /* name -> struct policy_group */
    struct policy_map pods;         /* "NS/NAME" -> struct policy_pod */
    struct policy_map dirty;        /* touched policy names */
    bool replacing[POLICY_N_RESOURCES]; /* between replace begin and end */
    struct policy_map seen[POLICY_N_RESOURCES]; /* names put since begin */
};

/* A growing string, on open_memstream(). */
struct text {
    FILE *f;                        /* the stream */
    char *s;                        /* its buffer, after text_finish() */
    size_t len;                     /* its length */
};

/* Starts 't'. */
static void
text_init(struct text *t)
{
    t->s = NULL;
    t->len = 0;
    t->f = open_memstream(&t->s, &t->len);
    if (!t->f) {
        out_of_memory();
    }
}

/* Ends 't' and returns its string (caller frees). */
static char *
text_finish(struct text *t)
{
    fclose(t->f);
    return t->s;
}

/* A growing string for hot paths (members), without stdio. */
struct sbuf {
    char *s;                        /* the string, NUL-terminated */
    size_t len;                     /* its length */
    size_t allocated;               /* capacity of 's' */
};
#define SBUF_INITIALIZER { NULL, 0, 0 }

/* Makes room for 'n' more bytes and the NUL in 'b'. */
static void
sbuf_reserve(struct sbuf *b, size_t n)
{
    if (b->len + n + 1 > b->allocated) {
        size_t size = b->allocated ? b->allocated : 32;
        while (size < b->len + n + 1) {
            size *= 2;
        }
        b->s = xrealloc(b->s, size);
        b->allocated = size;
    }
}

/* Appends 's' to 'b'. */
static void
sbuf_put(struct sbuf *b, const char *s)
{
    size_t n = strlen(s);
    sbuf_reserve(b, n);
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* Appends 'ip' in text to 'b' (IPv4 by hand, IPv6 by inet_ntop). */
static void
sbuf_put_ip(struct sbuf *b, const struct antrea_ip *ip)
{
    if (ip->family != AF_INET) {
        char buf[ANTREA_IP_STRING_SIZE];
        antrea_ip_to_string(ip, buf, sizeof buf);
        sbuf_put(b, buf);
        return;
    }
    sbuf_reserve(b, 15);
    char *p = b->s + b->len;
    for (int i = 0; i < 4; i++) {
        unsigned int v = ip->bytes[i];
        if (i) {
            *p++ = '.';
        }
        if (v >= 100) {
            *p++ = (char) ('0' + v / 100);
        }
        if (v >= 10) {
            *p++ = (char) ('0' + v / 10 % 10);
        }
        *p++ = (char) ('0' + v % 10);
    }
    *p = '\0';
    b->len = (size_t) (p - b->s);
}

/* Returns the string of 'b' (caller frees; "" if empty). */
static char *
sbuf_steal(struct sbuf *b)
{
    return b->s ? b->s : xstrdup("");
}

/* Stores 'msg' in '*errorp' (or frees it) and returns 'error'. */
static int
fail(char **errorp, int error, char *msg)
{
    if (errorp) {
        *errorp = msg;
    } else {
        free(msg);
    }
    return error;
}

/* Returns the name in 'meta', or "" without one. */
static const char *
meta_name(const AntreaCp__ObjectMeta *meta)
{
    return meta && meta->name ? meta->name : "";
}

/* Converts a protocol of the API; returns 0 for an unknown one. */
static uint8_t
convert_protocol(AntreaCp__Protocol protocol)
{
    switch (protocol) {
    case ANTREA_CP__PROTOCOL__PROTOCOL_UNSPECIFIED:
    case ANTREA_CP__PROTOCOL__TCP:
        /* Kubernetes' default. */
        return IPPROTO_TCP;
    case ANTREA_CP__PROTOCOL__UDP:
        return IPPROTO_UDP;
    case ANTREA_CP__PROTOCOL__SCTP:
        return IPPROTO_SCTP;
    default:
        return 0;
    }
}

/* Converts address bytes of the API (4 or 16 bytes); returns a message
 * naming 'what' if they are neither. */
static char *
convert_ip(const ProtobufCBinaryData *data, const char *what,
           struct antrea_ip *ip)
{
    memset(ip, 0, sizeof *ip);
    if (data->len == 4) {
        ip->family = AF_INET;
    } else if (data->len == 16) {
        ip->family = AF_INET6;
    } else {
        return xasprintf("%s: address of %zu bytes (4 or 16 expected)",
                         what, data->len);
    }
    memcpy(ip->bytes, data->data, data->len);
    return NULL;
}

/* Converts an IPNet of the API. */
static char *
convert_ipnet(const AntreaCp__IPNet *net, const char *what,
              struct antrea_prefix *prefix)
{
    memset(prefix, 0, sizeof *prefix);
    if (!net) {
        return xasprintf("%s: no CIDR", what);
    }
    char *msg = convert_ip(&net->ip, what, &prefix->ip);
    if (msg) {
        return msg;
    }
    int bits = antrea_ip_family_bits(prefix->ip.family);
    if (net->prefix_length < 0 || net->prefix_length > bits) {
        return xasprintf("%s: prefix length %d out of range 0-%d", what,
                         (int) net->prefix_length, bits);
    }
    prefix->length = (uint8_t) net->prefix_length;
    return NULL;
}

/* Frees the contents of 'm'. */
static void
member_destroy(struct policy_member *m)
{
    if (m) {
        free(m->key);
        free(m->signature);
        free(m->pod_namespace);
        free(m->pod_name);
        free(m->ips);
        for (size_t i = 0; i < m->n_ports; i++) {
            free(m->ports[i].name);
        }
        free(m->ports);
        free(m);
    }
}

/* Converts group member 'gm' of group 'group'; NULL and a message in
 * '*msgp' if it is bad. */
static struct policy_member *
convert_member(const AntreaCp__GroupMember *gm, const char *group,
               char **msgp)
{
    struct policy_member *m = xcalloc(1, sizeof *m);
    /* "what" for messages; formatted only on error (groups are large). */
    const char *what = "member";
    *msgp = NULL;

    if (gm->pod && gm->pod->name && gm->pod->name[0]) {
        m->pod_namespace = xstrdup(gm->pod->namespace_
                                   ? gm->pod->namespace_ : "");
        m->pod_name = xstrdup(gm->pod->name);
    }
    m->ips = gm->n_ips ? xmalloc(gm->n_ips * sizeof *m->ips) : NULL;
    for (size_t i = 0; i < gm->n_ips && !*msgp; i++) {
        *msgp = convert_ip(&gm->ips[i], what, &m->ips[i]);
        m->n_ips++;
    }
    m->ports = gm->n_ports ? xcalloc(gm->n_ports, sizeof *m->ports) : NULL;
    for (size_t i = 0; i < gm->n_ports && !*msgp; i++) {
        const AntreaCp__NamedPort *np = gm->ports[i];
        struct policy_named_port *p = &m->ports[m->n_ports++];
        p->name = xstrdup(np->name ? np->name : "");
        p->protocol = convert_protocol(np->protocol);
        if (!p->protocol) {
            *msgp = xasprintf("%s: port %s: unknown protocol %d", what,
                              p->name, (int) np->protocol);
        } else if (np->port < 1 || np->port > 65535) {
            *msgp = xasprintf("%s: port %s: number %d out of range "
                              "1-65535", what, p->name, (int) np->port);
        }
        p->port = (uint16_t) np->port;
    }
    if (!*msgp && !m->pod_name && !m->n_ips) {
        *msgp = xasprintf("%s: neither a Pod nor an address", what);
    }
    if (*msgp) {
        char *msg = xasprintf("group %s: %s", group, *msgp);
        free(*msgp);
        *msgp = msg;
        member_destroy(m);
        return NULL;
    }

    /* By hand, not with stdio: a group may have thousands of members. */
    struct sbuf key = SBUF_INITIALIZER;
    if (m->pod_name) {
        sbuf_put(&key, m->pod_namespace);
        sbuf_put(&key, "/");
        sbuf_put(&key, m->pod_name);
    } else {
        sbuf_put(&key, "ip:");
        for (size_t i = 0; i < m->n_ips; i++) {
            if (i) {
                sbuf_put(&key, ",");
            }
            sbuf_put_ip(&key, &m->ips[i]);
        }
    }
    m->key = sbuf_steal(&key);

    struct sbuf sig = SBUF_INITIALIZER;
    sbuf_put(&sig, m->key);
    if (m->pod_name) {
        for (size_t i = 0; i < m->n_ips; i++) {
            sbuf_put(&sig, "|");
            sbuf_put_ip(&sig, &m->ips[i]);
        }
    }
    for (size_t i = 0; i < m->n_ports; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, ":%u:%u", m->ports[i].protocol,
                 m->ports[i].port);
        sbuf_put(&sig, "|");
        sbuf_put(&sig, m->ports[i].name);
        sbuf_put(&sig, buf);
    }
    m->signature = sbuf_steal(&sig);
    return m;
}

/* Frees the members of 'members' and empties it. */
static void
members_clear(struct policy_map *members)
{
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(members, &c)) != NULL) {
        member_destroy(node->value);
    }
    policy_map_destroy(members);
}

/* Converts 'n' members into 'out' (empty); returns a message on the first
 * bad one (then 'out' is left empty). */
static char *
convert_members(AntreaCp__GroupMember *const *gms, size_t n,
                const char *group, struct policy_map *out)
{
    for (size_t i = 0; i < n; i++) {
        char *msg;
        struct policy_member *m = convert_member(gms[i], group, &msg);
        if (!m) {
            members_clear(out);
            return msg;
        }
        void *old;
        policy_map_put(out, m->key, m, &old);
        member_destroy(old);
    }
    return NULL;
}

/* Rebuilds the address array of 'group' from its members. */
static void
group_update_ips(struct policy_group *group)
{
    free(group->ips);
    group->ips = NULL;
    group->n_ips = 0;
    size_t n = 0;
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(&group->members, &c)) != NULL) {
        const struct policy_member *m = node->value;
        n += m->n_ips;
    }
    if (!n) {
        return;
    }
    group->ips = xmalloc(n * sizeof *group->ips);
    memset(&c, 0, sizeof c);
    while ((node = policy_map_next(&group->members, &c)) != NULL) {
        const struct policy_member *m = node->value;
        memcpy(&group->ips[group->n_ips], m->ips,
               m->n_ips * sizeof *m->ips);
        group->n_ips += m->n_ips;
    }
}

/* Frees 'group'. */
static void
group_destroy(struct policy_group *group)
{
    if (group) {
        free(group->ips);
        members_clear(&group->members);
        policy_map_destroy(&group->users);
        free(group->name);
        free(group);
    }
}

/* Returns group 'name' of 'groups', created (not present) if needed. */
static struct policy_group *
group_get(struct policy_map *groups, const char *name)
{
    struct policy_group *group = policy_map_get(groups, name);
    if (!group) {
        group = xcalloc(1, sizeof *group);
        group->name = xstrdup(name);
        policy_map_put(groups, name, group, NULL);
    }
    return group;
}

/* Frees 'group' if nothing needs it any more. */
static void
group_gc(struct policy_map *groups, struct policy_group *group)
{
    if (!group->present && !policy_map_count(&group->users)) {
        policy_map_remove(groups, group->name);
        group_destroy(group);
    }
}

/* Marks every user of 'group' dirty. */
static void
touch_users(struct policy_cache *cache, const struct policy_group *group)
{
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(&group->users, &c)) != NULL) {
        policy_map_put(&cache->dirty, node->key, NULL, NULL);
    }
}

/* Returns true if member maps 'a' and 'b' hold the same members. */
static bool
members_equal(const struct policy_map *a, const struct policy_map *b)
{
    if (policy_map_count(a) != policy_map_count(b)) {
        return false;
    }
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(a, &c)) != NULL) {
        const struct policy_member *ma = node->value;
        const struct policy_member *mb = policy_map_get(b, node->key);
        if (!mb || strcmp(ma->signature, mb->signature)) {
            return false;
        }
    }
    return true;
}

/* Frees the contents of 'rule'. */
static void
rule_clear(struct policy_rule *rule)
{
    free(rule->key);
    for (size_t i = 0; i < rule->n_address_groups; i++) {
        free(rule->address_groups[i]);
    }
    free(rule->address_groups);
    for (size_t i = 0; i < rule->n_ip_blocks; i++) {
        free(rule->ip_blocks[i].except);
    }
    free(rule->ip_blocks);
    for (size_t i = 0; i < rule->n_services; i++) {
        free(rule->services[i].port_name);
    }
    free(rule->services);
}

/* Frees 'np'. */
static void
np_destroy(struct policy_np *np)
{
    if (np) {
        for (size_t i = 0; i < np->n_rules; i++) {
            rule_clear(&np->rules[i]);
        }
        free(np->rules);
        for (size_t i = 0; i < np->n_applied_to; i++) {
            free(np->applied_to[i]);
        }
        free(np->applied_to);
        free(np->name);
        free(np->source);
        free(np->signature);
        free(np);
    }
}

/* Converts service 's' of a rule; returns a message if bad. */
static char *
convert_service(const AntreaCp__Service *s, const char *what,
                struct policy_rule_service *out)
{
    memset(out, 0, sizeof *out);
    out->protocol = convert_protocol(s->protocol);
    if (!out->protocol) {
        return xasprintf("%s: unknown protocol %d", what, (int) s->protocol);
    }
    if (!s->port) {
        if (s->end_port) {
            return xasprintf("%s: endPort %d without a port", what,
                             (int) s->end_port);
        }
        return NULL;
    }
    if (s->port->type == ANTREA_CP__INT_OR_STRING__TYPE__STRING) {
        if (!s->port->str_val || !s->port->str_val[0]) {
            return xasprintf("%s: empty port name", what);
        }
        if (s->end_port) {
            return xasprintf("%s: endPort %d with named port %s", what,
                             (int) s->end_port, s->port->str_val);
        }
        out->port_name = xstrdup(s->port->str_val);
        return NULL;
    }
    if (s->port->int_val < 1 || s->port->int_val > 65535) {
        return xasprintf("%s: port %d out of range 1-65535", what,
                         (int) s->port->int_val);
    }
    out->port = (uint16_t) s->port->int_val;
    if (s->end_port) {
        if (s->end_port < s->port->int_val || s->end_port > 65535) {
            return xasprintf("%s: endPort %d not in %d-65535", what,
                             (int) s->end_port, (int) s->port->int_val);
        }
        out->end_port = (uint16_t) s->end_port;
    }
    return NULL;
}

/* Converts rule 'r' (number 'index') of policy 'np_name' into 'rule';
 * writes its content to 'key' (without the policy name).  Returns a
 * message if bad. */
static char *
convert_rule(const AntreaCp__NetworkPolicyRule *r, size_t index,
             const char *np_name, struct policy_rule *rule, FILE *key)
{
    char *what = xasprintf("NetworkPolicy %s: rule %zu", np_name, index);
    char *msg = NULL;

    memset(rule, 0, sizeof *rule);
    if (r->direction == ANTREA_CP__DIRECTION__IN) {
        rule->direction = POLICY_DIRECTION_IN;
    } else if (r->direction == ANTREA_CP__DIRECTION__OUT) {
        rule->direction = POLICY_DIRECTION_OUT;
    } else {
        msg = xasprintf("%s: direction %d is neither IN nor OUT", what,
                        (int) r->direction);
        goto out;
    }
    rule->priority = r->priority;
    rule->isolate_only = r->isolate_only;
    fprintf(key, "%s", rule->direction == POLICY_DIRECTION_IN
                       ? "in" : "out");
    if (rule->isolate_only) {
        /* Peers and services do not matter. */
        fputs("|isolate", key);
        goto out;
    }

    const AntreaCp__NetworkPolicyPeer *peer
        = rule->direction == POLICY_DIRECTION_IN ? r->from : r->to;
    size_t n_groups = peer ? peer->n_address_groups : 0;
    size_t n_blocks = peer ? peer->n_ip_blocks : 0;
    rule->address_groups = xcalloc(n_groups ? n_groups : 1,
                                   sizeof *rule->address_groups);
    fputs("|ag=", key);
    for (size_t i = 0; i < n_groups; i++) {
        const char *g = peer->address_groups[i];
        if (!g || !g[0]) {
            msg = xasprintf("%s: empty AddressGroup name", what);
            goto out;
        }
        rule->address_groups[rule->n_address_groups++] = xstrdup(g);
        fprintf(key, "%s%s", i ? "," : "", g);
    }
    rule->ip_blocks = xcalloc(n_blocks ? n_blocks : 1,
                              sizeof *rule->ip_blocks);
    fputs("|ip=", key);
    for (size_t i = 0; i < n_blocks; i++) {
        const AntreaCp__IPBlock *b = peer->ip_blocks[i];
        struct policy_ip_block *block = &rule->ip_blocks[rule->n_ip_blocks];
        char *bwhat = xasprintf("%s: ipBlock %zu", what, i);
        msg = convert_ipnet(b->cidr, bwhat, &block->cidr);
        block->except = xcalloc(b->n_except ? b->n_except : 1,
                                sizeof *block->except);
        rule->n_ip_blocks++;
        for (size_t k = 0; !msg && k < b->n_except; k++) {
            msg = convert_ipnet(b->except[k], bwhat, &block->except[k]);
            if (!msg && block->except[k].ip.family
                        != block->cidr.ip.family) {
                msg = xasprintf("%s: except of another address family",
                                bwhat);
            }
            block->n_except++;
        }
        free(bwhat);
        if (msg) {
            goto out;
        }
        char buf[ANTREA_PREFIX_STRING_SIZE];
        antrea_prefix_to_string(&block->cidr, buf, sizeof buf);
        fprintf(key, "%s%s", i ? "," : "", buf);
        for (size_t k = 0; k < block->n_except; k++) {
            antrea_prefix_to_string(&block->except[k], buf, sizeof buf);
            fprintf(key, "!%s", buf);
        }
    }
    rule->services = xcalloc(r->n_services ? r->n_services : 1,
                             sizeof *rule->services);
    fputs("|svc=", key);
    for (size_t i = 0; i < r->n_services; i++) {
        char *swhat = xasprintf("%s: service %zu", what, i);
        msg = convert_service(r->services[i], swhat,
                              &rule->services[rule->n_services]);
        free(swhat);
        rule->n_services++;
        if (msg) {
            goto out;
        }
        const struct policy_rule_service *s = &rule->services[i];
        if (s->port_name) {
            fprintf(key, "%s%u:%s", i ? "," : "", s->protocol,
                    s->port_name);
        } else {
            fprintf(key, "%s%u:%u-%u", i ? "," : "", s->protocol, s->port,
                    s->end_port);
        }
    }

out:
    free(what);
    return msg;
}

/* Converts 'in'; returns NULL and a message in '*msgp' if it is bad. */
static struct policy_np *
convert_policy(const AntreaCp__NetworkPolicy *in, char **msgp)
{
    const char *name = meta_name(in->metadata);
    *msgp = NULL;
    if (!name[0]) {
        *msgp = xstrdup("NetworkPolicy without a name");
        return NULL;
    }

    struct policy_np *np = xcalloc(1, sizeof *np);
    np->name = xstrdup(name);
    np->source = (in->source_ref
                  ? xasprintf("%s/%s", in->source_ref->namespace_,
                              in->source_ref->name)
                  : xstrdup(name));

    struct text groups;
    text_init(&groups);
    np->applied_to = xcalloc(in->n_applied_to_groups
                             ? in->n_applied_to_groups : 1,
                             sizeof *np->applied_to);
    for (size_t i = 0; i < in->n_applied_to_groups; i++) {
        const char *g = in->applied_to_groups[i];
        if (!g || !g[0]) {
            *msgp = xasprintf("NetworkPolicy %s: empty AppliedToGroup "
                              "name", name);
            break;
        }
        np->applied_to[np->n_applied_to++] = xstrdup(g);
        fprintf(groups.f, "%s%s", i ? "," : "", g);
    }
    char *applied = text_finish(&groups);

    struct text sig;
    text_init(&sig);
    fprintf(sig.f, "at=%s", applied);
    np->rules = xcalloc(in->n_rules ? in->n_rules : 1, sizeof *np->rules);
    struct policy_map keys = POLICY_MAP_INITIALIZER;
    for (size_t i = 0; i < in->n_rules && !*msgp; i++) {
        struct policy_rule *rule = &np->rules[np->n_rules++];
        struct text content;
        text_init(&content);
        fprintf(content.f, "%s|", name);
        *msgp = convert_rule(in->rules[i], i, name, rule, content.f);
        fprintf(content.f, "|at=%s", applied);
        char *key = text_finish(&content);
        /* Two identical rules in one policy get distinct keys. */
        for (unsigned int n = 2; policy_map_contains(&keys, key); n++) {
            char *k2 = xasprintf("%s#%u", key, n);
            if (!policy_map_contains(&keys, k2)) {
                free(key);
                key = k2;
                break;
            }
            free(k2);
        }
        policy_map_put(&keys, key, NULL, NULL);
        fprintf(sig.f, "\n%s", key);
        rule->key = key;
    }
    policy_map_destroy(&keys);
    free(applied);
    np->signature = text_finish(&sig);
    if (*msgp) {
        np_destroy(np);
        return NULL;
    }
    return np;
}

/* Adds or removes policy 'np' as a user of its groups. */
static void
np_link(struct policy_cache *cache, const struct policy_np *np, bool add)
{
    for (size_t i = 0; i < np->n_applied_to; i++) {
        struct policy_group *g = group_get(&cache->applied_to_groups,
                                           np->applied_to[i]);
        if (add) {
            policy_map_put(&g->users, np->name, NULL, NULL);
        } else {
            policy_map_remove(&g->users, np->name);
            group_gc(&cache->applied_to_groups, g);
        }
    }
    for (size_t r = 0; r < np->n_rules; r++) {
        const struct policy_rule *rule = &np->rules[r];
        for (size_t i = 0; i < rule->n_address_groups; i++) {
            struct policy_group *g = group_get(&cache->address_groups,
                                               rule->address_groups[i]);
            if (add) {
                policy_map_put(&g->users, np->name, NULL, NULL);
            } else {
                policy_map_remove(&g->users, np->name);
                group_gc(&cache->address_groups, g);
            }
        }
    }
}

/* Records that 'name' of 'resource' was put, for a replace in progress. */
static void
mark_seen(struct policy_cache *cache, enum policy_resource resource,
          const char *name)
{
    if (cache->replacing[resource]) {
        policy_map_put(&cache->seen[resource], name, NULL, NULL);
    }
}

struct policy_cache *
policy_cache_create(void)
{
    return xcalloc(1, sizeof(struct policy_cache));
}

/* Frees every group of 'groups' and the map. */
static void
groups_destroy(struct policy_map *groups)
{
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(groups, &c)) != NULL) {
        group_destroy(node->value);
    }
    policy_map_destroy(groups);
}

void
policy_cache_destroy(struct policy_cache *cache)
{
    if (!cache) {
        return;
    }
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(&cache->policies, &c)) != NULL) {
        np_destroy(node->value);
    }
    policy_map_destroy(&cache->policies);
    groups_destroy(&cache->address_groups);
    groups_destroy(&cache->applied_to_groups);
    memset(&c, 0, sizeof c);
    while ((node = policy_map_next(&cache->pods, &c)) != NULL) {
        free(node->value);
    }
    policy_map_destroy(&cache->pods);
    policy_map_destroy(&cache->dirty);
    for (int i = 0; i < POLICY_N_RESOURCES; i++) {
        policy_map_destroy(&cache->seen[i]);
    }
    free(cache);
}

int
policy_cache_put_policy(struct policy_cache *cache,
                        const AntreaCp__NetworkPolicy *in, char **errorp)
{
    char *msg;
    struct policy_np *np = convert_policy(in, &msg);
    if (!np) {
        return fail(errorp, EINVAL, msg);
    }
    if (errorp) {
        *errorp = NULL;
    }
    mark_seen(cache, POLICY_RESOURCE_NETWORK_POLICY, np->name);

    struct policy_np *old = policy_map_get(&cache->policies, np->name);
    if (old && !strcmp(old->signature, np->signature)) {
        np_destroy(np);
        return 0;
    }
    /* Groups only referenced (not received) hold nothing, so unlinking
     * the old version first loses nothing even if it frees them. */
    if (old) {
        np_link(cache, old, false);
        np_destroy(old);
    }
    np_link(cache, np, true);
    policy_map_put(&cache->policies, np->name, np, NULL);
    policy_map_put(&cache->dirty, np->name, NULL, NULL);
    return 0;
}

void
policy_cache_delete_policy(struct policy_cache *cache, const char *name)
{
    struct policy_np *np = policy_map_remove(&cache->policies, name);
    if (np) {
        np_link(cache, np, false);
        policy_map_put(&cache->dirty, name, NULL, NULL);
        np_destroy(np);
    }
}

/* Puts a whole group: 'name' with members 'gms'. */
static int
put_group(struct policy_cache *cache, enum policy_resource resource,
          struct policy_map *groups, const char *kind, const char *name,
          AntreaCp__GroupMember *const *gms, size_t n, char **errorp)
{
    if (!name[0]) {
        return fail(errorp, EINVAL, xasprintf("%s without a name", kind));
    }
    struct policy_map members = POLICY_MAP_INITIALIZER;
    char *what = xasprintf("%s %s", kind, name);
    char *msg = convert_members(gms, n, what, &members);
    free(what);
    if (msg) {
        return fail(errorp, EINVAL, msg);
    }
    if (errorp) {
        *errorp = NULL;
    }
    mark_seen(cache, resource, name);

    struct policy_group *group = group_get(groups, name);
    if (group->present && members_equal(&group->members, &members)) {
        members_clear(&members);
        return 0;
    }
    group->present = true;
    members_clear(&group->members);
    group->members = members;
    group_update_ips(group);
    touch_users(cache, group);
    return 0;
}

/* Applies a patch to group 'name'. */
static int
patch_group(struct policy_cache *cache, struct policy_map *groups,
            const char *kind, const char *name,
            AntreaCp__GroupMember *const *added, size_t n_added,
            AntreaCp__GroupMember *const *removed, size_t n_removed,
            char **errorp)
{
    struct policy_group *group = policy_map_get(groups, name);
    if (!group || !group->present) {
        return fail(errorp, ENOENT,
                    xasprintf("patch of unknown %s %s", kind, name));
    }
    struct policy_map add = POLICY_MAP_INITIALIZER;
    struct policy_map del = POLICY_MAP_INITIALIZER;
    char *what = xasprintf("%s %s", kind, name);
    char *msg = convert_members(added, n_added, what, &add);
    if (!msg) {
        msg = convert_members(removed, n_removed, what, &del);
    }
    free(what);
    if (msg) {
        members_clear(&add);
        members_clear(&del);
        return fail(errorp, EINVAL, msg);
    }
    if (errorp) {
        *errorp = NULL;
    }

    bool changed = false;
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(&del, &c)) != NULL) {
        struct policy_member *m = policy_map_remove(&group->members,
                                                    node->key);
        if (m) {
            member_destroy(m);
            changed = true;
        }
    }
    memset(&c, 0, sizeof c);
    while ((node = policy_map_next(&add, &c)) != NULL) {
        struct policy_member *m = node->value;
        struct policy_member *old = policy_map_get(&group->members,
                                                   node->key);
        if (old && !strcmp(old->signature, m->signature)) {
            member_destroy(m);
        } else {
            policy_map_put(&group->members, m->key, m, NULL);
            member_destroy(old);
            changed = true;
        }
    }
    policy_map_destroy(&add);
    members_clear(&del);
    if (changed) {
        group_update_ips(group);
        touch_users(cache, group);
    }
    return 0;
}

/* Deletes group 'name' (it stays as a reference while policies use it). */
static void
delete_group(struct policy_cache *cache, struct policy_map *groups,
             const char *name)
{
    struct policy_group *group = policy_map_get(groups, name);
    if (group && group->present) {
        group->present = false;
        members_clear(&group->members);
        group_update_ips(group);
        touch_users(cache, group);
        group_gc(groups, group);
    }
}

int
policy_cache_put_address_group(struct policy_cache *cache,
                               const AntreaCp__AddressGroup *in,
                               char **errorp)
{
    return put_group(cache, POLICY_RESOURCE_ADDRESS_GROUP,
                     &cache->address_groups, "AddressGroup",
                     meta_name(in->metadata), in->group_members,
                     in->n_group_members, errorp);
}

int
policy_cache_patch_address_group(struct policy_cache *cache,
                                 const AntreaCp__AddressGroupPatch *in,
                                 char **errorp)
{
    return patch_group(cache, &cache->address_groups, "AddressGroup",
                       meta_name(in->metadata), in->added_group_members,
                       in->n_added_group_members, in->removed_group_members,
                       in->n_removed_group_members, errorp);
}

void
policy_cache_delete_address_group(struct policy_cache *cache,
                                  const char *name)
{
    delete_group(cache, &cache->address_groups, name);
}

int
policy_cache_put_applied_to_group(struct policy_cache *cache,
                                  const AntreaCp__AppliedToGroup *in,
                                  char **errorp)
{
    return put_group(cache, POLICY_RESOURCE_APPLIED_TO_GROUP,
                     &cache->applied_to_groups, "AppliedToGroup",
                     meta_name(in->metadata), in->group_members,
                     in->n_group_members, errorp);
}

int
policy_cache_patch_applied_to_group(struct policy_cache *cache,
                                    const AntreaCp__AppliedToGroupPatch *in,
                                    char **errorp)
{
    return patch_group(cache, &cache->applied_to_groups, "AppliedToGroup",
                       meta_name(in->metadata), in->added_group_members,
                       in->n_added_group_members, in->removed_group_members,
                       in->n_removed_group_members, errorp);
}

void
policy_cache_delete_applied_to_group(struct policy_cache *cache,
                                     const char *name)
{
    delete_group(cache, &cache->applied_to_groups, name);
}

/* Returns the name of the object of 'ev', or NULL if it has none. */
static const char *
event_object_name(const AntreaCp__WatchEvent *ev)
{
    switch (ev->object_case) {
    case ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY:
        return ev->network_policy
               ? meta_name(ev->network_policy->metadata) : NULL;
    case ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP:
        return ev->address_group
               ? meta_name(ev->address_group->metadata) : NULL;
    case ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP_PATCH:
        return ev->address_group_patch
               ? meta_name(ev->address_group_patch->metadata) : NULL;
    case ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP:
        return ev->applied_to_group
               ? meta_name(ev->applied_to_group->metadata) : NULL;
    case ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP_PATCH:
        return ev->applied_to_group_patch
               ? meta_name(ev->applied_to_group_patch->metadata) : NULL;
    case ANTREA_CP__WATCH_EVENT__OBJECT__NOT_SET:
    default:
        return NULL;
    }
}

int
policy_cache_apply_event(struct policy_cache *cache,
                         const AntreaCp__WatchEvent *ev, char **errorp)
{
    if (errorp) {
        *errorp = NULL;
    }
    if (ev->type == ANTREA_CP__EVENT_TYPE__BOOKMARK) {
        return 0;
    }
    if (ev->type != ANTREA_CP__EVENT_TYPE__ADDED
        && ev->type != ANTREA_CP__EVENT_TYPE__MODIFIED
        && ev->type != ANTREA_CP__EVENT_TYPE__DELETED) {
        return fail(errorp, EINVAL,
                    xasprintf("watch event of type %d cannot be applied",
                              (int) ev->type));
    }
    const char *name = event_object_name(ev);
    if (!name) {
        return fail(errorp, EINVAL,
                    xasprintf("watch event of type %d without an object",
                              (int) ev->type));
    }

    if (ev->type == ANTREA_CP__EVENT_TYPE__DELETED) {
        switch (ev->object_case) {
        case ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY:
            policy_cache_delete_policy(cache, name);
            return 0;
        case ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP:
        case ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP_PATCH:
            policy_cache_delete_address_group(cache, name);
            return 0;
        case ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP:
        case ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP_PATCH:
            policy_cache_delete_applied_to_group(cache, name);
            return 0;
        case ANTREA_CP__WATCH_EVENT__OBJECT__NOT_SET:
        default:
            break;
        }
    } else {
        switch (ev->object_case) {
        case ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY:
            return policy_cache_put_policy(cache, ev->network_policy,
                                           errorp);
        case ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP:
            return policy_cache_put_address_group(cache, ev->address_group,
                                                  errorp);
        case ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP_PATCH:
            return policy_cache_patch_address_group(
                cache, ev->address_group_patch, errorp);
        case ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP:
            return policy_cache_put_applied_to_group(
                cache, ev->applied_to_group, errorp);
        case ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP_PATCH:
            return policy_cache_patch_applied_to_group(
                cache, ev->applied_to_group_patch, errorp);
        case ANTREA_CP__WATCH_EVENT__OBJECT__NOT_SET:
        default:
            break;
        }
    }
    return fail(errorp, EINVAL, xasprintf("watch event with unknown "
                                          "object %d",
                                          (int) ev->object_case));
}

void
policy_cache_replace_begin(struct policy_cache *cache,
                           enum policy_resource resource)
{
    policy_map_destroy(&cache->seen[resource]);
    cache->replacing[resource] = true;
}

void
policy_cache_replace_end(struct policy_cache *cache,
                         enum policy_resource resource)
{
    if (!cache->replacing[resource]) {
        return;
    }
    struct policy_map *seen = &cache->seen[resource];
    struct policy_map *objects
        = (resource == POLICY_RESOURCE_NETWORK_POLICY ? &cache->policies
           : resource == POLICY_RESOURCE_ADDRESS_GROUP
           ? &cache->address_groups : &cache->applied_to_groups);

    /* Collect first: deleting changes 'objects'. */
    const char **names = policy_map_sorted_keys(objects);
    size_t n = policy_map_count(objects);
    char **gone = xmalloc((n ? n : 1) * sizeof *gone);
    size_t n_gone = 0;
    for (size_t i = 0; i < n; i++) {
        if (!policy_map_contains(seen, names[i])) {
            gone[n_gone++] = xstrdup(names[i]);
        }
    }
    free(names);
    for (size_t i = 0; i < n_gone; i++) {
        if (resource == POLICY_RESOURCE_NETWORK_POLICY) {
            policy_cache_delete_policy(cache, gone[i]);
        } else if (resource == POLICY_RESOURCE_ADDRESS_GROUP) {
            policy_cache_delete_address_group(cache, gone[i]);
        } else {
            policy_cache_delete_applied_to_group(cache, gone[i]);
        }
        free(gone[i]);
    }
    free(gone);
    policy_map_destroy(seen);
    cache->replacing[resource] = false;
}

int
policy_cache_replace(struct policy_cache *cache,
                     enum policy_resource resource,
                     AntreaCp__WatchEvent *const *events,
                     size_t n_events, char **errorp)
{
    int retval = 0;
    if (errorp) {
        *errorp = NULL;
    }
    policy_cache_replace_begin(cache, resource);
    for (size_t i = 0; i < n_events; i++) {
        char *msg = NULL;
        int error = policy_cache_apply_event(cache, events[i], &msg);
        if (error) {
            LOG_WARN("replace: %s", msg);
            if (!retval) {
                retval = error;
                if (errorp) {
                    *errorp = msg;
                    msg = NULL;
                }
            }
        }
        free(msg);
    }
    policy_cache_replace_end(cache, resource);
    return retval;
}

/* Marks dirty the policies applied to Pod 'key' ("NS/NAME"). */
static void
touch_pod(struct policy_cache *cache, const char *key)
{
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(&cache->applied_to_groups, &c))
           != NULL) {
        const struct policy_group *group = node->value;
        if (policy_map_contains(&group->members, key)) {
            touch_users(cache, group);
        }
    }
}

void
policy_cache_pod_added(struct policy_cache *cache, const char *namespace,
                       const char *name, uint32_t ofport,
                       const struct antrea_ip *ip)
{
    char *key = xasprintf("%s/%s", namespace, name);
    struct policy_pod *pod = policy_map_get(&cache->pods, key);
    if (pod && pod->ofport == ofport && antrea_ip_equal(&pod->ip, ip)) {
        free(key);
        return;
    }
    if (!pod) {
        pod = xcalloc(1, sizeof *pod);
        policy_map_put(&cache->pods, key, pod, NULL);
    }
    pod->ofport = ofport;
    pod->ip = *ip;
    touch_pod(cache, key);
    free(key);
}

void
policy_cache_pod_removed(struct policy_cache *cache, const char *namespace,
                         const char *name)
{
    char *key = xasprintf("%s/%s", namespace, name);
    struct policy_pod *pod = policy_map_remove(&cache->pods, key);
    if (pod) {
        free(pod);
        touch_pod(cache, key);
    }
    free(key);
}

const struct policy_np *
policy_cache_find_policy(const struct policy_cache *cache, const char *name)
{
    return policy_map_get(&cache->policies, name);
}

const struct policy_group *
policy_cache_find_address_group(const struct policy_cache *cache,
                                const char *name)
{
    return policy_map_get(&cache->address_groups, name);
}

const struct policy_group *
policy_cache_find_applied_to_group(const struct policy_cache *cache,
                                   const char *name)
{
    return policy_map_get(&cache->applied_to_groups, name);
}

const struct policy_pod *
policy_cache_find_pod(const struct policy_cache *cache,
                      const char *namespace, const char *name)
{
    char buf[256];
    char *big = NULL;
    size_t n = strlen(namespace), m = strlen(name);
    char *key = n + m + 2 <= sizeof buf ? buf : (big = xmalloc(n + m + 2));
    memcpy(key, namespace, n);
    key[n] = '/';
    memcpy(key + n + 1, name, m + 1);
    const struct policy_pod *pod = policy_map_get(&cache->pods, key);
    free(big);
    return pod;
}

size_t
policy_cache_n_policies(const struct policy_cache *cache)
{
    return policy_map_count(&cache->policies);
}

const struct policy_map *
policy_cache_objects(const struct policy_cache *cache,
                     enum policy_resource resource)
{
    switch (resource) {
    case POLICY_RESOURCE_ADDRESS_GROUP:
        return &cache->address_groups;
    case POLICY_RESOURCE_APPLIED_TO_GROUP:
        return &cache->applied_to_groups;
    case POLICY_RESOURCE_NETWORK_POLICY:
    default:
        return &cache->policies;
    }
}

void
policy_cache_take_dirty(struct policy_cache *cache, struct policy_map *dirty)
{
    *dirty = cache->dirty;
    memset(&cache->dirty, 0, sizeof cache->dirty);
}

bool
policy_cache_has_dirty(const struct policy_cache *cache)
{
    return policy_map_count(&cache->dirty) > 0;
}
