/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The NetworkPolicy reconciler (policy-reconciler.h): rule resolution
 * (applied-to Pods, peers, named ports, service sets), the conjunction id
 * allocator, the reference-counted desired flows shared between rules and
 * the hand-over of changed flows to the sink.
 */

#include <config.h>
#include "policy-reconciler.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "antrea/net-util.h"
#include "log.h"
#include "pipeline.h"
#include "policy-cache.h"
#include "policy-flows.h"
#include "policy-map.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(policy_reconciler);

/* One desired flow: a key and the contributions of the rules that make
 * it. */
struct desired_flow {
    struct flow_map *map;           /* the map it is in */
    uint8_t table;                  /* its table */
    uint16_t priority;              /* its priority */
    const char *match;              /* its match: the key in 'map' */
    struct policy_flow *contribs;   /* contributions ('match' NULL):
                                       '&one' or malloc'd */
    size_t n_contribs;              /* its length */
    size_t allocated;               /* capacity of 'contribs' */
    struct policy_flow one;         /* room for the first contribution,
                                       which is all most flows have */
    uint64_t object;                /* sink object id, 0 if none */
    char *installed;                /* actions the sink has, or NULL */
    bool dirty;                     /* on the reconciler's dirty list */
};

/* The desired flows of one table and priority, by match.  There are only
 * a few such pairs, so flows are keyed by their match alone. */
struct flow_map {
    uint8_t table;                  /* the table */
    uint16_t priority;              /* the priority */
    struct policy_map flows;        /* match -> struct desired_flow (a blob
                                       of the entry) */
};

/* The most (table, priority) pairs NetworkPolicy flows use: rule clauses,
 * actions and direct flows in two tables, drops in two. */
#define MAX_FLOW_MAPS 8

/* A part of a realized rule. */
struct realized_part {
    char *services;                 /* the resolved service set, as text */
    uint32_t conj_id;               /* its conjunction id, 0 if none */
};

/* A rule whose flows are in the desired table. */
struct realized_rule {
    char *key;                      /* the rule's key (policy-cache.h) */
    struct realized_part *parts;    /* its parts */
    size_t n_parts;                 /* its length */
    struct desired_flow **flows;    /* the flow of each contribution */
    struct policy_flow *contribs;   /* its contributions ('match' NULL) */
    size_t n_contribs;              /* its length */
};

/* The reconciler. */
struct policy_reconciler {
    struct policy_sink sink;        /* where flows go */
    struct policy_cache *cache;     /* what to enforce */
    struct flow_map maps[MAX_FLOW_MAPS]; /* the desired flows */
    size_t n_maps;                  /* 'maps' in use */
    struct policy_map rules;        /* rule key -> struct realized_rule */
    struct policy_map by_policy;    /* policy name -> struct policy_map of
                                       its realized rule keys */
    struct desired_flow **dirty;    /* flows to hand over */
    size_t n_dirty, allocated_dirty; /* used and allocated */
    uint32_t *free_ids;             /* released conjunction ids, in
                                       decreasing order */
    size_t n_free_ids, allocated_free_ids; /* used and allocated */
    uint32_t next_id;               /* next never-used conjunction id */
    size_t n_ids_in_use;            /* allocated and not released */
    struct policy_flow_list scratch; /* generated flows of one rule */
    struct pipeline_flows static_flows; /* the static flows */
    uint64_t static_object;         /* their sink object */
    bool need_commit;               /* something not committed yet */
    struct policy_reconciler_stats stats; /* counters */
};

/* Returns a conjunction id: the smallest released one if any, else a new
 * one.  'free_ids' is kept in decreasing order, so the smallest is last. */
static uint32_t
id_allocate(struct policy_reconciler *r)
{
    r->n_ids_in_use++;
    if (r->n_free_ids) {
        return r->free_ids[--r->n_free_ids];
    }
    return r->next_id++;
}

/* Releases conjunction id 'id'. */
static void
id_release(struct policy_reconciler *r, uint32_t id)
{
    if (r->n_free_ids >= r->allocated_free_ids) {
        r->free_ids = x2nrealloc(r->free_ids, &r->allocated_free_ids,
                                 sizeof *r->free_ids);
    }
    size_t i = r->n_free_ids++;
    while (i > 0 && r->free_ids[i - 1] < id) {
        r->free_ids[i] = r->free_ids[i - 1];
        i--;
    }
    r->free_ids[i] = id;
    r->n_ids_in_use--;
}

/* Puts 'flow' on the dirty list. */
static void
flow_touch(struct policy_reconciler *r, struct desired_flow *flow)
{
    if (!flow->dirty) {
        flow->dirty = true;
        if (r->n_dirty >= r->allocated_dirty) {
            r->dirty = x2nrealloc(r->dirty, &r->allocated_dirty,
                                  sizeof *r->dirty);
        }
        r->dirty[r->n_dirty++] = flow;
    }
}

/* Returns true if contributions 'a' and 'b' are the same. */
static bool
contrib_equal(const struct policy_flow *a, const struct policy_flow *b)
{
    return (a->kind == b->kind && a->conj_id == b->conj_id
            && a->clause == b->clause && a->n_clauses == b->n_clauses
            && a->next_table == b->next_table);
}

/* Returns the flow map of 'table' and 'priority', created if needed. */
static struct flow_map *
flow_map_get(struct policy_reconciler *r, uint8_t table, uint16_t priority)
{
    for (size_t i = 0; i < r->n_maps; i++) {
        if (r->maps[i].table == table && r->maps[i].priority == priority) {
            return &r->maps[i];
        }
    }
    if (r->n_maps >= MAX_FLOW_MAPS) {
        /* policy-flows.c uses fewer pairs; a new one is a bug there. */
        LOG_ERR("more than %d (table, priority) pairs", MAX_FLOW_MAPS);
        abort();
    }
    struct flow_map *fm = &r->maps[r->n_maps++];
    memset(fm, 0, sizeof *fm);
    fm->table = table;
    fm->priority = priority;
    return fm;
}

/* Returns the number of desired flows. */
static size_t
count_flows(const struct policy_reconciler *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_maps; i++) {
        n += policy_map_count(&r->maps[i].flows);
    }
    return n;
}

/* Returns the desired flow of generated flow 'pf', created if needed. */
static struct desired_flow *
flow_get(struct policy_reconciler *r, const struct policy_flow *pf)
{
    struct flow_map *fm = flow_map_get(r, pf->table, pf->priority);
    struct policy_map_node *node = policy_map_find(&fm->flows, pf->match);
    if (node) {
        return node->value;
    }
    /* The flow is allocated with its map entry. */
    node = policy_map_insert_blob(&fm->flows, pf->match,
                                  sizeof(struct desired_flow));
    struct desired_flow *flow = node->value;
    flow->map = fm;
    flow->table = pf->table;
    flow->priority = pf->priority;
    flow->match = node->key;
    return flow;
}

/* Adds contribution 'pf' to 'flow'. */
static void
flow_add(struct policy_reconciler *r, struct desired_flow *flow,
         const struct policy_flow *pf)
{
    if (!flow->allocated) {
        flow->contribs = &flow->one;
        flow->allocated = 1;
    } else if (flow->n_contribs >= flow->allocated) {
        if (flow->contribs == &flow->one) {
            flow->contribs = xmalloc(4 * sizeof *flow->contribs);
            flow->contribs[0] = flow->one;
            flow->allocated = 4;
        } else {
            flow->contribs = x2nrealloc(flow->contribs, &flow->allocated,
                                        sizeof *flow->contribs);
        }
    }
    struct policy_flow *c = &flow->contribs[flow->n_contribs++];
    *c = *pf;
    c->match = NULL;
    flow_touch(r, flow);
}

/* Frees the contribution array of 'flow' unless it is the inline one. */
static void
flow_free_contribs(struct desired_flow *flow)
{
    if (flow->contribs != &flow->one) {
        free(flow->contribs);
    }
}

/* Removes one contribution equal to 'pf' from 'flow'. */
static void
flow_remove(struct policy_reconciler *r, struct desired_flow *flow,
            const struct policy_flow *pf)
{
    for (size_t i = 0; i < flow->n_contribs; i++) {
        if (contrib_equal(&flow->contribs[i], pf)) {
            flow->contribs[i] = flow->contribs[--flow->n_contribs];
            flow_touch(r, flow);
            return;
        }
    }
    LOG_ERR("flow table=%u,priority=%u,%s: contribution to remove not "
            "found", flow->table, flow->priority, flow->match);
}

/* Removes every contribution of 'rule' and forgets them. */
static void
rule_withdraw(struct policy_reconciler *r, struct realized_rule *rule)
{
    for (size_t i = 0; i < rule->n_contribs; i++) {
        flow_remove(r, rule->flows[i], &rule->contribs[i]);
    }
    free(rule->flows);
    free(rule->contribs);
    rule->flows = NULL;
    rule->contribs = NULL;
    rule->n_contribs = 0;
}

/* Frees the parts of 'rule', releasing their ids unless 'keep' holds
 * them. */
static void
rule_free_parts(struct policy_reconciler *r, struct realized_part *parts,
                size_t n_parts, const struct realized_part *keep,
                size_t n_keep)
{
    for (size_t i = 0; i < n_parts; i++) {
        bool kept = false;
        for (size_t k = 0; k < n_keep; k++) {
            if (parts[i].conj_id && keep[k].conj_id == parts[i].conj_id) {
                kept = true;
                break;
            }
        }
        if (parts[i].conj_id && !kept) {
            id_release(r, parts[i].conj_id);
        }
        free(parts[i].services);
    }
    free(parts);
}

/* Unrealizes and frees realized rule 'key'. */
static void
rule_remove(struct policy_reconciler *r, const char *key)
{
    struct realized_rule *rule = policy_map_remove(&r->rules, key);
    if (rule) {
        rule_withdraw(r, rule);
        rule_free_parts(r, rule->parts, rule->n_parts, NULL, 0);
        free(rule->key);
        free(rule);
    }
}

/* The Pods a policy applies to. */
struct applied_pod {
    const struct policy_pod *pod;   /* ofport and IP */
    const struct policy_member *member; /* its AppliedToGroup member */
};

/* A resolved service set and what it applies to. */
struct part_builder {
    char *key;                      /* the set as text */
    struct policy_service *services; /* the set */
    size_t n_services;              /* its length */
    uint32_t *ofports;              /* IN: applied-to ofports */
    size_t n_ofports, allocated_ofports; /* used and allocated */
    struct antrea_ip *ips;          /* OUT: peer IPs */
    size_t n_ips, allocated_ips;    /* used and allocated */
    struct antrea_prefix *cidrs;    /* OUT: peer CIDRs */
    size_t n_cidrs, allocated_cidrs; /* used and allocated */
};

/* qsort() order of services. */
static int
compare_services(const void *a_, const void *b_)
{
    const struct policy_service *a = a_;
    const struct policy_service *b = b_;
    if (a->protocol != b->protocol) {
        return a->protocol < b->protocol ? -1 : 1;
    }
    if (a->port != b->port) {
        return a->port < b->port ? -1 : 1;
    }
    return (int) a->end_port - (int) b->end_port;
}

/* Resolves the services of 'rule' for a member with named ports 'ports'
 * (NULL: none).  Returns false if the rule has services and none
 * resolves (the member matches nothing); else stores the set (sorted,
 * without duplicates; empty = all traffic) in '*servicesp' (caller frees)
 * and its text in '*keyp' (caller frees). */
static bool
resolve_services(const struct policy_rule *rule,
                 const struct policy_member *member,
                 struct policy_service **servicesp, size_t *np, char **keyp)
{
    struct policy_service *s = xcalloc(rule->n_services
                                       ? rule->n_services : 1, sizeof *s);
    size_t n = 0;
    for (size_t i = 0; i < rule->n_services; i++) {
        const struct policy_rule_service *rs = &rule->services[i];
        if (!rs->port_name) {
            s[n].protocol = rs->protocol;
            s[n].port = rs->port;
            s[n].end_port = rs->end_port;
            n++;
            continue;
        }
        for (size_t k = 0; member && k < member->n_ports; k++) {
            const struct policy_named_port *p = &member->ports[k];
            if (p->protocol == rs->protocol
                && !strcmp(p->name, rs->port_name)) {
                s[n].protocol = rs->protocol;
                s[n].port = p->port;
                s[n].end_port = 0;
                n++;
                break;
            }
        }
    }
    if (rule->n_services && !n) {
        free(s);
        return false;
    }
    qsort(s, n, sizeof *s, compare_services);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!m || compare_services(&s[m - 1], &s[i])) {
            s[m++] = s[i];
        }
    }
    char *key = xmalloc(m * 20 + 1);
    char *p = key;
    *p = '\0';
    for (size_t i = 0; i < m; i++) {
        p += sprintf(p, "%s%u:%u-%u", i ? "," : "", s[i].protocol,
                     s[i].port, s[i].end_port);
    }
    *servicesp = s;
    *np = m;
    *keyp = key;
    return true;
}

/* Returns the part of 'parts' for the services of 'rule' resolved for
 * 'member', created if needed, or NULL if the member matches nothing. */
static struct part_builder *
part_for(struct policy_map *parts, const struct policy_rule *rule,
         const struct policy_member *member)
{
    struct policy_service *services;
    size_t n;
    char *key;
    if (!resolve_services(rule, member, &services, &n, &key)) {
        return NULL;
    }
    struct part_builder *pb = policy_map_get(parts, key);
    if (pb) {
        free(services);
        free(key);
        return pb;
    }
    pb = xcalloc(1, sizeof *pb);
    pb->key = key;
    pb->services = services;
    pb->n_services = n;
    policy_map_put(parts, key, pb, NULL);
    return pb;
}

/* Appends an ofport to a part. */
static void
part_add_ofport(struct part_builder *pb, uint32_t ofport)
{
    if (pb->n_ofports >= pb->allocated_ofports) {
        pb->ofports = x2nrealloc(pb->ofports, &pb->allocated_ofports,
                                 sizeof *pb->ofports);
    }
    pb->ofports[pb->n_ofports++] = ofport;
}

/* Appends an IP to a part. */
static void
part_add_ip(struct part_builder *pb, const struct antrea_ip *ip)
{
    if (pb->n_ips >= pb->allocated_ips) {
        pb->ips = x2nrealloc(pb->ips, &pb->allocated_ips, sizeof *pb->ips);
    }
    pb->ips[pb->n_ips++] = *ip;
}

/* Appends a CIDR to a part. */
static void
part_add_cidr(struct part_builder *pb, const struct antrea_prefix *cidr)
{
    if (pb->n_cidrs >= pb->allocated_cidrs) {
        pb->cidrs = x2nrealloc(pb->cidrs, &pb->allocated_cidrs,
                               sizeof *pb->cidrs);
    }
    pb->cidrs[pb->n_cidrs++] = *cidr;
}

/* Frees the parts of 'parts' and the map. */
static void
parts_destroy(struct policy_map *parts)
{
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(parts, &c)) != NULL) {
        struct part_builder *pb = node->value;
        free(pb->key);
        free(pb->services);
        free(pb->ofports);
        free(pb->ips);
        free(pb->cidrs);
        free(pb);
    }
    policy_map_destroy(parts);
}

/* The peer side of a rule, common to all its parts. */
struct peer_set {
    bool any;                       /* no groups and no blocks */
    struct antrea_ip *ips;          /* IN: AddressGroup member IPs */
    size_t n_ips, allocated_ips;    /* used and allocated */
    struct antrea_prefix *cidrs;    /* blocks minus their excepts */
    size_t n_cidrs;                 /* its length */
};

/* Appends the IPv4 CIDRs of the ipBlocks of 'rule' to '*cidrsp'. */
static void
rule_cidrs(const struct policy_rule *rule, struct antrea_prefix **cidrsp,
           size_t *np)
{
    *cidrsp = NULL;
    *np = 0;
    size_t allocated = 0;
    for (size_t i = 0; i < rule->n_ip_blocks; i++) {
        const struct policy_ip_block *b = &rule->ip_blocks[i];
        if (b->cidr.ip.family != AF_INET) {
            continue;               /* the pipeline is IPv4 only */
        }
        struct antrea_prefix *pieces;
        size_t n_pieces;
        policy_prefix_subtract(&b->cidr, b->except, b->n_except, &pieces,
                               &n_pieces);
        for (size_t k = 0; k < n_pieces; k++) {
            if (*np >= allocated) {
                *cidrsp = x2nrealloc(*cidrsp, &allocated, sizeof **cidrsp);
            }
            (*cidrsp)[(*np)++] = pieces[k];
        }
        free(pieces);
    }
}

/* Collects the applied-to Pods of 'np' that are on this Node (each once)
 * into '*podsp'; returns false if an AppliedToGroup has not arrived. */
static bool
collect_applied(const struct policy_reconciler *r, const struct policy_np *np,
                struct applied_pod **podsp, size_t *np_out)
{
    struct policy_map seen = POLICY_MAP_INITIALIZER;
    struct applied_pod *pods = NULL;
    size_t n = 0, allocated = 0;
    bool complete = true;
    for (size_t i = 0; i < np->n_applied_to; i++) {
        const struct policy_group *g
            = policy_cache_find_applied_to_group(r->cache, np->applied_to[i]);
        if (!g || !g->present) {
            complete = false;
            continue;
        }
        const char **keys = policy_map_sorted_keys(&g->members);
        for (size_t k = 0; k < policy_map_count(&g->members); k++) {
            const struct policy_member *m = policy_map_get(&g->members,
                                                           keys[k]);
            if (!m->pod_name || policy_map_contains(&seen, m->key)) {
                continue;
            }
            const struct policy_pod *pod
                = policy_cache_find_pod(r->cache, m->pod_namespace,
                                        m->pod_name);
            if (!pod || pod->ip.family != AF_INET) {
                continue;           /* not (yet) on this Node */
            }
            policy_map_put(&seen, m->key, NULL, NULL);
            if (n >= allocated) {
                pods = x2nrealloc(pods, &allocated, sizeof *pods);
            }
            pods[n].pod = pod;
            pods[n].member = m;
            n++;
        }
        free(keys);
    }
    policy_map_destroy(&seen);
    *podsp = pods;
    *np_out = n;
    return complete;
}

/* Returns true if every AddressGroup of 'rule' has arrived. */
static bool
peers_complete(const struct policy_reconciler *r,
               const struct policy_rule *rule)
{
    for (size_t i = 0; i < rule->n_address_groups; i++) {
        const struct policy_group *g
            = policy_cache_find_address_group(r->cache,
                                              rule->address_groups[i]);
        if (!g || !g->present) {
            return false;
        }
    }
    return true;
}

/* Builds the parts of ingress rule 'rule' in 'parts' and its peers in
 * 'peers'. */
static void
build_ingress(const struct policy_reconciler *r,
              const struct policy_rule *rule,
              const struct applied_pod *pods, size_t n_pods,
              struct policy_map *parts, struct peer_set *peers)
{
    for (size_t i = 0; i < n_pods; i++) {
        struct part_builder *pb = part_for(parts, rule, pods[i].member);
        if (pb) {
            part_add_ofport(pb, pods[i].pod->ofport);
        }
    }
    for (size_t i = 0; i < rule->n_address_groups; i++) {
        const struct policy_group *g
            = policy_cache_find_address_group(r->cache,
                                              rule->address_groups[i]);
        if (peers->n_ips + g->n_ips > peers->allocated_ips) {
            peers->allocated_ips = peers->n_ips + g->n_ips;
            peers->ips = xrealloc(peers->ips, peers->allocated_ips
                                              * sizeof *peers->ips);
        }
        for (size_t k = 0; k < g->n_ips; k++) {
            if (g->ips[k].family == AF_INET) {
                peers->ips[peers->n_ips++] = g->ips[k];
            }
        }
    }
}

/* Builds the parts of egress rule 'rule' in 'parts': the destinations are
 * split by the services resolved for each AddressGroup member. */
static void
build_egress(const struct policy_reconciler *r,
             const struct policy_rule *rule, const struct peer_set *peers,
             struct policy_map *parts)
{
    if (peers->any) {
        part_for(parts, rule, NULL);
        return;
    }
    for (size_t i = 0; i < rule->n_address_groups; i++) {
        const struct policy_group *g
            = policy_cache_find_address_group(r->cache,
                                              rule->address_groups[i]);
        struct policy_map_cursor c = { 0, NULL, false };
        struct policy_map_node *node;
        while ((node = policy_map_next(&g->members, &c)) != NULL) {
            const struct policy_member *m = node->value;
            struct part_builder *pb = NULL;
            for (size_t k = 0; k < m->n_ips; k++) {
                if (m->ips[k].family != AF_INET) {
                    continue;
                }
                if (!pb) {
                    pb = part_for(parts, rule, m);
                    if (!pb) {
                        break;
                    }
                }
                part_add_ip(pb, &m->ips[k]);
            }
        }
    }
    if (peers->n_cidrs) {
        struct part_builder *pb = part_for(parts, rule, NULL);
        for (size_t k = 0; pb && k < peers->n_cidrs; k++) {
            part_add_cidr(pb, &peers->cidrs[k]);
        }
    }
}

/* Realizes rule 'rule' of policy 'np' (replacing its previous flows). */
static void
rule_realize(struct policy_reconciler *r, const struct policy_np *np,
             const struct policy_rule *rule)
{
    struct realized_rule *old = policy_map_get(&r->rules, rule->key);

    struct applied_pod *pods;
    size_t n_pods;
    bool complete = collect_applied(r, np, &pods, &n_pods);
    if (!complete || !peers_complete(r, rule)) {
        /* Wait for the groups; keep what is there. */
        LOG_DBG("NetworkPolicy %s: rule %s waits for its groups",
                np->source, rule->key);
        free(pods);
        return;
    }

    struct policy_flow_list *out = &r->scratch;
    struct realized_part *new_parts = NULL;
    size_t n_new_parts = 0;
    bool in = rule->direction == POLICY_DIRECTION_IN;

    /* Default drops of the applied-to Pods. */
    for (size_t i = 0; i < n_pods; i++) {
        if (in) {
            policy_flows_ingress_drop(pods[i].pod->ofport, out, NULL);
        } else {
            policy_flows_egress_drop(&pods[i].pod->ip, out, NULL);
        }
    }

    if (!rule->isolate_only && n_pods) {
        struct peer_set peers;
        memset(&peers, 0, sizeof peers);
        peers.any = !rule->n_address_groups && !rule->n_ip_blocks;
        rule_cidrs(rule, &peers.cidrs, &peers.n_cidrs);

        struct policy_map parts = POLICY_MAP_INITIALIZER;
        if (in) {
            build_ingress(r, rule, pods, n_pods, &parts, &peers);
        } else {
            build_egress(r, rule, &peers, &parts);
        }

        uint32_t *pod_ofports = xmalloc(n_pods * sizeof *pod_ofports);
        struct antrea_ip *pod_ips = xmalloc(n_pods * sizeof *pod_ips);
        for (size_t i = 0; i < n_pods; i++) {
            pod_ofports[i] = pods[i].pod->ofport;
            pod_ips[i] = pods[i].pod->ip;
        }
        const char **keys = policy_map_sorted_keys(&parts);
        new_parts = xcalloc(policy_map_count(&parts) + 1,
                            sizeof *new_parts);
        for (size_t i = 0; i < policy_map_count(&parts); i++) {
            struct part_builder *pb = policy_map_get(&parts, keys[i]);
            struct policy_rule_part part = {
                .direction = rule->direction,
                .peer_any = peers.any,
                .services = pb->services,
                .n_services = pb->n_services,
            };
            if (in) {
                part.ofports = pb->ofports;
                part.n_ofports = pb->n_ofports;
                part.peer_ips = peers.ips;
                part.n_peer_ips = peers.n_ips;
                part.peer_cidrs = peers.cidrs;
                part.n_peer_cidrs = peers.n_cidrs;
            } else {
                part.pod_ips = pod_ips;
                part.n_pod_ips = n_pods;
                part.peer_ips = pb->ips;
                part.n_peer_ips = pb->n_ips;
                part.peer_cidrs = pb->cidrs;
                part.n_peer_cidrs = pb->n_cidrs;
            }
            bool matches = (in ? part.n_ofports : part.n_pod_ips)
                           && (part.peer_any || part.n_peer_ips
                               || part.n_peer_cidrs);
            if (!matches) {
                continue;
            }
            struct realized_part *rp = &new_parts[n_new_parts++];
            rp->services = xstrdup(pb->key);
            if (!peers.any) {
                /* Keep the id of the same part of the previous version. */
                for (size_t k = 0; old && k < old->n_parts; k++) {
                    if (!strcmp(old->parts[k].services, pb->key)) {
                        rp->conj_id = old->parts[k].conj_id;
                        break;
                    }
                }
                if (!rp->conj_id) {
                    rp->conj_id = id_allocate(r);
                }
            }
            part.conj_id = rp->conj_id;
            char *error = NULL;
            if (policy_flows_rule_part(&part, out, &error)) {
                LOG_ERR("NetworkPolicy %s: %s", np->source, error);
                free(error);
            }
        }
        free(keys);
        free(pod_ofports);
        free(pod_ips);
        parts_destroy(&parts);
        free(peers.ips);
        free(peers.cidrs);
    }
    free(pods);

    /* Swap the contributions: old out, new in. */
    if (!old) {
        old = xcalloc(1, sizeof *old);
        old->key = xstrdup(rule->key);
        policy_map_put(&r->rules, rule->key, old, NULL);
    } else {
        rule_withdraw(r, old);
    }
    rule_free_parts(r, old->parts, old->n_parts, new_parts, n_new_parts);
    old->parts = new_parts;
    old->n_parts = n_new_parts;
    old->flows = xmalloc((out->n ? out->n : 1) * sizeof *old->flows);
    old->contribs = xmalloc((out->n ? out->n : 1) * sizeof *old->contribs);
    old->n_contribs = out->n;
    for (size_t i = 0; i < out->n; i++) {
        struct desired_flow *flow = flow_get(r, &out->flows[i]);
        flow_add(r, flow, &out->flows[i]);
        old->flows[i] = flow;
        old->contribs[i] = out->flows[i];
        old->contribs[i].match = NULL;
    }
    policy_flow_list_clear(out);
}

/* Recomputes policy 'name': drops its rules that are gone, realizes the
 * others. */
static void
policy_reconcile(struct policy_reconciler *r, const char *name)
{
    const struct policy_np *np = policy_cache_find_policy(r->cache, name);
    struct policy_map *realized = policy_map_get(&r->by_policy, name);

    if (realized) {
        const char **keys = policy_map_sorted_keys(realized);
        size_t n = policy_map_count(realized);
        for (size_t i = 0; i < n; i++) {
            bool keep = false;
            for (size_t k = 0; np && k < np->n_rules; k++) {
                if (!strcmp(np->rules[k].key, keys[i])) {
                    keep = true;
                    break;
                }
            }
            if (!keep) {
                char *key = xstrdup(keys[i]);
                rule_remove(r, key);
                policy_map_remove(realized, key);
                free(key);
            }
        }
        free(keys);
    }
    if (!np) {
        if (realized) {
            policy_map_destroy(realized);
            free(realized);
            policy_map_remove(&r->by_policy, name);
        }
        return;
    }
    if (!realized) {
        realized = xcalloc(1, sizeof *realized);
        policy_map_put(&r->by_policy, name, realized, NULL);
    }
    for (size_t i = 0; i < np->n_rules; i++) {
        rule_realize(r, np, &np->rules[i]);
        if (policy_map_contains(&r->rules, np->rules[i].key)) {
            policy_map_put(realized, np->rules[i].key, NULL, NULL);
        }
    }
}

/* Hands the dirty flows to the sink.  Returns 0 or the first error. */
static int
flush_flows(struct policy_reconciler *r, char **errorp)
{
    int retval = 0;
    for (size_t i = 0; i < r->n_dirty; i++) {
        struct desired_flow *flow = r->dirty[i];
        flow->dirty = false;
        if (!flow->n_contribs) {
            if (flow->object) {
                r->sink.remove_flows(r->sink.aux, flow->object);
                r->stats.n_flow_removals++;
                r->need_commit = true;
            }
            flow_free_contribs(flow);
            free(flow->installed);
            /* Frees 'flow' too (policy_map_insert_blob()). */
            policy_map_remove(&flow->map->flows, flow->match);
            continue;
        }

        char *actions = policy_flow_actions(flow->contribs,
                                            flow->n_contribs);
        if (flow->installed && !strcmp(flow->installed, actions)) {
            free(actions);
            continue;
        }

        struct pipeline_flow pf = {
            .table = flow->table,
            .priority = flow->priority,
            .category = PIPELINE_CATEGORY_POLICY,
            .match = (char *) flow->match,
            .actions = actions,
            .owner = (char *) POLICY_FLOWS_OWNER,
            .comment = (char *) "NetworkPolicy",
        };
        struct pipeline_flows one = { &pf, 1, 1 };
        if (!flow->object) {
            flow->object = r->sink.new_object(r->sink.aux);
        }
        char *error = NULL;
        int e = r->sink.set_flows(r->sink.aux, flow->object, &one, &error);
        r->stats.n_flow_sets++;
        r->need_commit = true;
        free(flow->installed);
        flow->installed = NULL;
        if (e) {
            LOG_ERR("NetworkPolicy flow table=%u,priority=%u,%s refused: "
                    "%s", flow->table, flow->priority, flow->match, error);
            if (!retval) {
                retval = e;
                if (errorp) {
                    *errorp = error;
                    error = NULL;
                }
            }
            free(error);
            free(actions);
        } else {
            flow->installed = actions;
        }
    }
    r->n_dirty = 0;
    return retval;
}

struct policy_reconciler *
policy_reconciler_create(const struct policy_sink *sink,
                         const struct pipeline_node_config *cfg,
                         char **errorp)
{
    struct policy_reconciler *r = xcalloc(1, sizeof *r);
    r->sink = *sink;
    r->next_id = 1;
    pipeline_flows_init(&r->static_flows);
    int error = policy_flows_static(cfg, &r->static_flows, errorp);
    if (error) {
        pipeline_flows_destroy(&r->static_flows);
        free(r);
        return NULL;
    }
    r->cache = policy_cache_create();
    r->static_object = r->sink.new_object(r->sink.aux);
    error = r->sink.set_flows(r->sink.aux, r->static_object,
                              &r->static_flows, errorp);
    if (error) {
        policy_cache_destroy(r->cache);
        pipeline_flows_destroy(&r->static_flows);
        free(r);
        return NULL;
    }
    r->need_commit = true;
    return r;
}

void
policy_reconciler_destroy(struct policy_reconciler *r)
{
    if (!r) {
        return;
    }
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(&r->rules, &c)) != NULL) {
        struct realized_rule *rule = node->value;
        for (size_t i = 0; i < rule->n_parts; i++) {
            free(rule->parts[i].services);
        }
        free(rule->parts);
        free(rule->flows);
        free(rule->contribs);
        free(rule->key);
        free(rule);
    }
    policy_map_destroy(&r->rules);
    for (size_t i = 0; i < r->n_maps; i++) {
        struct policy_map *flows = &r->maps[i].flows;
        memset(&c, 0, sizeof c);
        while ((node = policy_map_next(flows, &c)) != NULL) {
            struct desired_flow *flow = node->value;
            flow_free_contribs(flow);
            free(flow->installed);
        }
        policy_map_destroy(flows);
    }
    memset(&c, 0, sizeof c);
    while ((node = policy_map_next(&r->by_policy, &c)) != NULL) {
        policy_map_destroy(node->value);
        free(node->value);
    }
    policy_map_destroy(&r->by_policy);
    policy_cache_destroy(r->cache);
    policy_flow_list_destroy(&r->scratch);
    pipeline_flows_destroy(&r->static_flows);
    free(r->dirty);
    free(r->free_ids);
    free(r);
}

struct policy_cache *
policy_reconciler_cache(struct policy_reconciler *r)
{
    return r->cache;
}

void
policy_reconciler_pod_added(struct policy_reconciler *r,
                            const char *namespace, const char *name,
                            uint32_t ofport, const struct antrea_ip *ip)
{
    policy_cache_pod_added(r->cache, namespace, name, ofport, ip);
}

void
policy_reconciler_pod_removed(struct policy_reconciler *r,
                              const char *namespace, const char *name)
{
    policy_cache_pod_removed(r->cache, namespace, name);
}

bool
policy_reconciler_needs_sync(const struct policy_reconciler *r)
{
    return r->need_commit || r->n_dirty || policy_cache_has_dirty(r->cache);
}

int
policy_reconciler_sync(struct policy_reconciler *r, char **errorp)
{
    if (errorp) {
        *errorp = NULL;
    }
    struct policy_map dirty;
    policy_cache_take_dirty(r->cache, &dirty);
    const char **names = policy_map_sorted_keys(&dirty);
    for (size_t i = 0; i < policy_map_count(&dirty); i++) {
        policy_reconcile(r, names[i]);
    }
    free(names);
    policy_map_destroy(&dirty);

    int error = flush_flows(r, errorp);
    if (r->need_commit) {
        char *msg = NULL;
        int e = r->sink.commit(r->sink.aux, &msg);
        if (e) {
            if (!error) {
                error = e;
                if (errorp) {
                    free(*errorp);
                    *errorp = msg;
                    msg = NULL;
                }
            }
            free(msg);
        } else {
            r->stats.n_commits++;
            r->need_commit = false;
        }
    }
    return error;
}

void
policy_reconciler_run(struct policy_reconciler *r)
{
    if (policy_reconciler_needs_sync(r)) {
        char *error = NULL;
        if (policy_reconciler_sync(r, &error)) {
            LOG_WARN("NetworkPolicy flows: %s", error);
        }
        free(error);
    }
}

void
policy_reconciler_get_stats(const struct policy_reconciler *r,
                            struct policy_reconciler_stats *stats)
{
    *stats = r->stats;
    stats->n_rules = policy_map_count(&r->rules);
    stats->n_flows = count_flows(r);
    stats->n_conj_ids = r->n_ids_in_use;
}

/* qsort() order of strings. */
static int
compare_lines(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;
    return strcmp(*a, *b);
}

char *
policy_reconciler_dump_flows(const struct policy_reconciler *r)
{
    size_t n = r->static_flows.n + count_flows(r);
    char **lines = xmalloc((n ? n : 1) * sizeof *lines);
    size_t k = 0;
    for (size_t i = 0; i < r->static_flows.n; i++) {
        lines[k++] = pipeline_flow_to_string(&r->static_flows.flows[i]);
    }
    for (size_t m = 0; m < r->n_maps; m++) {
        struct policy_map_cursor c = { 0, NULL, false };
        struct policy_map_node *node;
        while ((node = policy_map_next(&r->maps[m].flows, &c)) != NULL) {
            const struct desired_flow *flow = node->value;
            char *actions = policy_flow_actions(flow->contribs,
                                                flow->n_contribs);
            struct pipeline_flow pf = {
                .table = flow->table,
                .priority = flow->priority,
                .match = (char *) flow->match,
                .actions = actions,
            };
            lines[k++] = pipeline_flow_to_string(&pf);
            free(actions);
        }
    }
    qsort(lines, k, sizeof *lines, compare_lines);

    size_t size = 1;
    for (size_t i = 0; i < k; i++) {
        size += strlen(lines[i]) + 1;
    }
    char *s = xmalloc(size);
    char *p = s;
    for (size_t i = 0; i < k; i++) {
        size_t len = strlen(lines[i]);
        memcpy(p, lines[i], len);
        p[len] = '\n';
        p += len + 1;
        free(lines[i]);
    }
    *p = '\0';
    free(lines);
    return s;
}

uint32_t *
policy_reconciler_policy_conj_ids(const struct policy_reconciler *r,
                                  const char *name, size_t *np)
{
    const struct policy_map *realized = policy_map_get(&r->by_policy, name);
    uint32_t *ids = NULL;
    size_t n = 0, allocated = 0;

    struct policy_map_cursor cursor = { 0, NULL, false };
    struct policy_map_node *node;
    while (realized && (node = policy_map_next(realized, &cursor))) {
        const struct realized_rule *rule = policy_map_get(&r->rules,
                                                          node->key);
        for (size_t i = 0; rule && i < rule->n_parts; i++) {
            if (rule->parts[i].conj_id) {
                if (n >= allocated) {
                    ids = x2nrealloc(ids, &allocated, sizeof *ids);
                }
                ids[n++] = rule->parts[i].conj_id;
            }
        }
    }
    *np = n;
    return ids;
}
