/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The NetworkPolicy computation (np-compute.h).
 *
 * Objects: 'struct ns' (a Namespace, known or only referenced), 'struct
 * pod', 'struct group' (one normalised selector; it serves as the
 * AppliedToGroup and/or the AddressGroup of that name) and 'struct policy'.
 *
 * Indexes, so that no event scans every policy or group:
 *   - per Namespace: its Pods and policies by name, its namespace-local
 *     groups by normalised Pod selector, its Pods by label, the
 *     namespace-local groups by one label of their selector (or in
 *     'wild_groups' when the selector has no usable equality), and the
 *     namespaceSelector groups that currently select the Namespace;
 *   - global: namespaceSelector groups by normalised name and by one
 *     label of their namespaceSelector (or 'nssel_wild'), Namespaces by
 *     label.
 * Objects are found through their Namespace and label indexes hash the
 * label's key and value (struct hmap), so no lookup formats a string key.
 *
 * Spans: a group's member Nodes are counted ('member_nodes'); a policy's
 * span is the member Nodes of its AppliedToGroup; an AddressGroup's span
 * is the union of the spans of the AppliedToGroups linked to it through
 * some policy ('links' counts the policies per AppliedToGroup ->
 * AddressGroup pair), counted in 'ag_span'.  A Node entering or leaving an
 * AppliedToGroup therefore updates only its linked AddressGroups, however
 * many policies share them.
 *
 * Pending work: groups and policies are queued in 'dirty_groups' and
 * 'dirty_policies'; each group remembers the Pods to resend ('dirty_pods')
 * and the store (which diffs members by Pod) turns them into patches at
 * np_engine_flush().
 */

#include <config.h>

#include "np-compute.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane.pb-c.h"
#include "cp-store.h"
#include "hash-map.h"
#include "k8s-objects.h"
#include "label-selector.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(np-compute);

#define NO_NODE UINT32_MAX

/* A set of Node ids with a count each. */
struct nodeset {
    uint32_t *ids;              /* ascending; one allocation with 'counts'
                                   (a set usually holds a few Nodes) */
    uint32_t *counts;           /* in parallel with 'ids', all > 0: at
                                   'ids' + 'allocated' */
    size_t n;                   /* elements */
    size_t allocated;           /* capacity */
};

/* The set of objects under one label (key and value) in an index (a
 * 'struct hmap' of buckets by label_hash()). */
struct bucket {
    struct hmap_node node;      /* in the index */
    struct ptr_set set;         /* the objects */
    const char *value;          /* the label's value, inside 'key' */
    char key[];                 /* the label's key, then its value */
};

/* A Namespace. */
struct ns {
    char *name;                 /* its name */
    struct k8s_namespace *obj;  /* NULL if not (or no longer) known */
    struct str_map pods;        /* Pod name -> struct pod */
    struct str_map policies;    /* policy name -> struct policy */
    struct str_map local_groups; /* normalised Pod selector -> its
                                    namespace-local group */
    struct hmap pods_by_label;  /* buckets of Pods */
    struct hmap group_index;    /* buckets of local groups */
    struct ptr_set wild_groups; /* local groups not in 'group_index' */
    struct ptr_set nssel_groups; /* namespaceSelector groups selecting it */
};

/* A Pod. */
struct pod {
    struct k8s_pod *obj;        /* the Pod */
    struct cp_pod_ref *ref;     /* its identity in the store */
    struct ns *ns;              /* its Namespace */
    uint32_t node;              /* store Node id, NO_NODE */
    struct ptr_set groups;      /* groups it is a member of */
    bool deleted;               /* deleted, freed at the next flush */
};

/* A link from an AppliedToGroup to an AddressGroup. */
struct link {
    struct group *ag;           /* the AddressGroup */
    size_t count;               /* policies that make this link */
};

/* A group: one normalised selector. */
struct group {
    char *key;                  /* namespaceSelector group: the normalised
                                   selector; NULL for a local group (the
                                   key is its Pod selector's) */
    char uuid[37];              /* its name in the store */
    struct ns *ns;              /* namespace-local group: its Namespace */
    struct label_selector *pod_sel; /* NULL: every Pod */
    struct label_selector *ns_sel;  /* namespaceSelector group: the
                                       selector, else NULL */
    struct ptr_set matched_ns;  /* namespaceSelector group: selected
                                   Namespaces */
    struct ptr_set members;     /* Pods selected */
    struct nodeset member_nodes; /* Nodes of the members, counted */
    struct ptr_set atg_policies; /* policies applied to this group */
    struct ptr_set ag_policies; /* policies with this group as a peer */
    struct link *links;         /* AddressGroups linked (as an ATG) */
    size_t n_links;             /* elements in 'links' */
    size_t allocated_links;     /* capacity of 'links' */
    struct nodeset ag_span;     /* as an AddressGroup: span, counted by
                                   linked AppliedToGroups */
    struct ptr_set dirty_pods;  /* Pods to resend to the store */
    bool in_store_atg;          /* present as an AppliedToGroup */
    bool in_store_ag;           /* present as an AddressGroup */
    bool ag_span_dirty;         /* 'ag_span' changed since the flush */
    bool atg_span_dirty;        /* member Nodes changed since the flush */
    bool all_pods_dirty;        /* resend every member */
    size_t queue_pos;           /* 1 + its index in the engine's
                                   'dirty_groups', 0 if not queued */
};

/* A Kubernetes NetworkPolicy. */
struct policy {
    struct k8s_network_policy *obj; /* the policy */
    struct ns *ns;              /* its Namespace */
    struct group *atg;          /* its AppliedToGroup */
    struct group **ags;         /* its AddressGroups, unique */
    size_t n_ags;               /* elements in 'ags' */
    bool in_store;              /* written into the store */
    size_t queue_pos;           /* 1 + its index in the engine's
                                   'dirty_policies', 0 if not queued */
};

/* A bump allocator for the protobuf-c structs of one NetworkPolicy
 * message, which live only until the store has encoded it: one reset
 * instead of a free() per struct. */
/* What arena allocations are aligned for. */
union arena_align {
    long double ld;             /* the widest scalar */
    long long ll;               /* the widest integer */
    void *p;                    /* pointers */
};

struct arena {
    struct arena_chunk *chunks; /* newest first */
};

/* One block of an arena. */
struct arena_chunk {
    struct arena_chunk *next;   /* older chunk */
    size_t size;                /* usable bytes in 'data' */
    size_t used;                /* bytes handed out */
    union arena_align data[];   /* the memory */
};

/* Objects queued for the flush, each knowing its place ('queue_pos'),
 * so that queueing, checking and removing cost no hash lookup. */
struct queue {
    void **items;               /* the objects */
    size_t n;                   /* elements in 'items' */
    size_t allocated;           /* capacity of 'items' */
};

/* The engine. */
struct np_engine {
    struct cp_store *store;     /* where results go */
    np_invalid_func *invalid;   /* reports invalid policies */
    void *aux;                  /* for 'invalid' */
    struct str_map namespaces;  /* name -> struct ns */
    struct str_map nssel_groups; /* normalised selector -> namespaceSelector
                                    group */
    size_t n_groups;            /* groups, local and namespaceSelector */
    size_t n_policies;          /* policies */
    struct hmap nssel_index;    /* buckets of nssel groups */
    struct ptr_set nssel_wild;  /* nssel groups not in 'nssel_index' */
    struct hmap ns_by_label;    /* buckets of struct ns */
    struct queue dirty_groups;  /* groups with pending work */
    struct queue dirty_policies; /* policies to rewrite */
    struct ptr_set dead_pods;   /* deleted Pods to free at the flush */
    struct arena arena;         /* for the NetworkPolicy message being
                                   written */
    struct label_selector *all_namespaces; /* the empty selector: the
                                              all-Pods AddressGroup of
                                              egress named ports */
};

/* Node sets. */

/* Returns the index of 'id' in 'set' or where it goes; '*found'. */
static size_t
nodeset_find(const struct nodeset *set, uint32_t id, bool *found)
{
    size_t lo = 0, hi = set->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->ids[mid] < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = lo < set->n && set->ids[lo] == id;
    return lo;
}

/* Counts 'id' once more; returns true if it is new in 'set'. */
static bool
nodeset_add(struct nodeset *set, uint32_t id)
{
    bool found;
    size_t i = nodeset_find(set, id, &found);

    if (found) {
        set->counts[i]++;
        return false;
    }
    if (set->n >= set->allocated) {
        size_t allocated = set->allocated ? set->allocated * 2 : 2;
        uint32_t *block = xmalloc(2 * allocated * sizeof *block);
        if (set->n) {
            memcpy(block, set->ids, set->n * sizeof *block);
            memcpy(block + allocated, set->counts, set->n * sizeof *block);
        }
        free(set->ids);
        set->ids = block;
        set->counts = block + allocated;
        set->allocated = allocated;
    }
    memmove(&set->ids[i + 1], &set->ids[i], (set->n - i) * sizeof *set->ids);
    memmove(&set->counts[i + 1], &set->counts[i],
            (set->n - i) * sizeof *set->counts);
    set->ids[i] = id;
    set->counts[i] = 1;
    set->n++;
    return true;
}

/* Counts 'id' once less; returns true if it left 'set'. */
static bool
nodeset_remove(struct nodeset *set, uint32_t id)
{
    bool found;
    size_t i = nodeset_find(set, id, &found);

    if (!found || --set->counts[i]) {
        return false;
    }
    memmove(&set->ids[i], &set->ids[i + 1],
            (set->n - i - 1) * sizeof *set->ids);
    memmove(&set->counts[i], &set->counts[i + 1],
            (set->n - i - 1) * sizeof *set->counts);
    set->n--;
    return true;
}

/* Frees what 'set' holds. */
static void
nodeset_destroy(struct nodeset *set)
{
    free(set->ids);
    memset(set, 0, sizeof *set);
}

/* Buckets (index entries). */

/* Returns the index hash of label 'key'='value'. */
static uint32_t
label_hash(const char *key, const char *value)
{
    return hash_string(value, hash_string(key, 0));
}

/* Returns the bucket of 'key'='value', whose label_hash() is 'hash', in
 * 'index', or NULL. */
static struct bucket *
index_find_hashed(const struct hmap *index, const char *key,
                  const char *value, uint32_t hash)
{
    HMAP_FOR_EACH_WITH_HASH (b, struct bucket, node, hash, index) {
        if (!strcmp(b->key, key) && !strcmp(b->value, value)) {
            return b;
        }
    }
    return NULL;
}

/* Returns the bucket of 'key'='value' in 'index', or NULL. */
static struct bucket *
index_find(const struct hmap *index, const char *key, const char *value)
{
    return index_find_hashed(index, key, value, label_hash(key, value));
}

/* Adds 'obj' to the bucket of 'key'='value' in 'index'. */
static void
index_add(struct hmap *index, const char *key, const char *value,
          void *obj)
{
    uint32_t hash = label_hash(key, value);
    struct bucket *b = index_find_hashed(index, key, value, hash);

    if (!b) {
        size_t key_len = strlen(key), value_len = strlen(value);
        b = xmalloc(sizeof *b + key_len + value_len + 2);
        ptr_set_init(&b->set);
        memcpy(b->key, key, key_len + 1);
        memcpy(b->key + key_len + 1, value, value_len + 1);
        b->value = b->key + key_len + 1;
        hmap_insert(index, &b->node, hash);
    }
    ptr_set_add(&b->set, obj);
}

/* Removes 'obj' from the bucket of 'key'='value' in 'index'. */
static void
index_remove(struct hmap *index, const char *key, const char *value,
             void *obj)
{
    struct bucket *b = index_find(index, key, value);

    if (b) {
        ptr_set_remove(&b->set, obj);
        if (!ptr_set_count(&b->set)) {
            hmap_remove(index, &b->node);
            ptr_set_destroy(&b->set);
            free(b);
        }
    }
}

/* Returns the set under 'key'='value' in 'index', or NULL. */
static struct ptr_set *
index_get(const struct hmap *index, const char *key, const char *value)
{
    struct bucket *b = index_find(index, key, value);

    return b ? &b->set : NULL;
}

/* Frees every bucket of 'index'. */
static void
index_destroy(struct hmap *index)
{
    HMAP_FOR_EACH_POP (b, struct bucket, node, index) {
        ptr_set_destroy(&b->set);
        free(b);
    }
    hmap_destroy(index);
}

/* Calls 'cb' for each index label of 'sel': the values of its first
 * equality or In requirement.  Returns false if it has none (the selector
 * must then be indexed as a wildcard). */
static bool
selector_index_keys(const struct label_selector *sel,
                    void (*cb)(const char *key, const char *value,
                               void *aux),
                    void *aux)
{
    for (size_t i = 0; sel && i < sel->n_reqs; i++) {
        const struct label_requirement *r = &sel->reqs[i];
        if (r->op == LABEL_OP_EQUALS || r->op == LABEL_OP_IN) {
            for (size_t j = 0; j < r->n_values; j++) {
                cb(r->key, r->values[j], aux);
            }
            return true;
        }
    }
    return false;
}

/* Namespaces. */

/* Returns Namespace 'name', creating an unknown one if needed. */
static struct ns *
ns_get(struct np_engine *e, const char *name)
{
    uint32_t hash = hash_string(name, 0);
    struct ns *ns = str_map_get_hashed(&e->namespaces, name, hash);

    if (!ns) {
        ns = xcalloc(1, sizeof *ns);
        ns->name = xstrdup(name);
        str_map_put_hashed(&e->namespaces, ns->name, hash, ns);
    }
    return ns;
}

/* Returns true if namespaceSelector group 'g' selects 'ns'. */
static bool
group_selects_ns(const struct group *g, const struct ns *ns)
{
    return ns->obj && label_selector_matches(g->ns_sel, &ns->obj->labels);
}

/* Returns true if group 'g' selects Pod 'pod'. */
static bool
group_selects_pod(const struct group *g, const struct pod *pod)
{
    if (pod->deleted || pod->obj->host_network) {
        return false;
    }
    if (g->ns_sel ? !ptr_set_contains(&g->matched_ns, pod->ns)
                  : g->ns != pod->ns) {
        return false;
    }
    return !g->pod_sel || label_selector_matches(g->pod_sel,
                                                 &pod->obj->labels);
}

/* Orders pointers by address, for qsort(). */
static int
compare_pointers(const void *a_, const void *b_)
{
    uintptr_t a = (uintptr_t) *(void *const *) a_;
    uintptr_t b = (uintptr_t) *(void *const *) b_;

    return a < b ? -1 : a > b;
}

/* Queues: adds 'obj', whose place is '*pos', to 'q' unless it is
 * queued already. */
static void
queue_add(struct queue *q, void *obj, size_t *pos)
{
    if (!*pos) {
        if (q->n >= q->allocated) {
            q->items = x2nrealloc(q->items, &q->allocated, sizeof *q->items);
        }
        q->items[q->n++] = obj;
        *pos = q->n;
    }
}

/* Removes the object whose place is '*pos' from 'q' (if queued): the last
 * one takes its place, and 'last_pos' is where that one keeps it. */
static void
queue_remove(struct queue *q, size_t *pos, size_t *last_pos)
{
    if (*pos) {
        size_t i = *pos - 1;
        q->items[i] = q->items[--q->n];
        *last_pos = i + 1;
        *pos = 0;
    }
}

/* Takes every object out of 'q' into an array of '*n' objects in address
 * order (mostly allocation order: far fewer cache misses than any hash
 * order), which the caller frees, and clears their places: 'pos_offset'
 * is where an object keeps its 'queue_pos'. */
static void **
queue_take(struct queue *q, size_t pos_offset, size_t *n)
{
    void **items = q->items;

    *n = q->n;
    for (size_t i = 0; i < q->n; i++) {
        *(size_t *) ((char *) items[i] + pos_offset) = 0;
    }
    q->items = NULL;
    q->n = q->allocated = 0;
    if (*n > 1) {
        qsort(items, *n, sizeof *items, compare_pointers);
    }
    return items;
}

/* Queues 'g' for the flush. */
static void
group_queue(struct np_engine *e, struct group *g)
{
    queue_add(&e->dirty_groups, g, &g->queue_pos);
}

/* Queues 'p' to be rewritten at the flush. */
static void
policy_queue(struct np_engine *e, struct policy *p)
{
    queue_add(&e->dirty_policies, p, &p->queue_pos);
}

/* Marks 'pod' as to be resent in every group it is in (or was in). */
static void
group_dirty_pod(struct np_engine *e, struct group *g, struct pod *pod)
{
    ptr_set_add(&g->dirty_pods, pod);
    group_queue(e, g);
}

/* Called when Node 'node' enters (added) or leaves (!added) the member
 * Nodes of 'g'. */
static void
group_member_node_changed(struct np_engine *e, struct group *g,
                          uint32_t node, bool added)
{
    g->atg_span_dirty = true;
    group_queue(e, g);
    for (size_t i = 0; i < g->n_links; i++) {
        struct group *ag = g->links[i].ag;
        if (added ? nodeset_add(&ag->ag_span, node)
                  : nodeset_remove(&ag->ag_span, node)) {
            ag->ag_span_dirty = true;
            group_queue(e, ag);
        }
    }
}

/* Makes 'pod' a member of 'g'. */
static void
group_add_pod(struct np_engine *e, struct group *g, struct pod *pod)
{
    if (!ptr_set_add(&g->members, pod)) {
        return;
    }
    ptr_set_add(&pod->groups, g);
    if (pod->node != NO_NODE && nodeset_add(&g->member_nodes, pod->node)) {
        group_member_node_changed(e, g, pod->node, true);
    }
    group_dirty_pod(e, g, pod);
}

/* Removes 'pod' from 'g'. */
static void
group_remove_pod(struct np_engine *e, struct group *g, struct pod *pod)
{
    if (!ptr_set_remove(&g->members, pod)) {
        return;
    }
    ptr_set_remove(&pod->groups, g);
    if (pod->node != NO_NODE && nodeset_remove(&g->member_nodes,
                                               pod->node)) {
        group_member_node_changed(e, g, pod->node, false);
    }
    group_dirty_pod(e, g, pod);
}

/* Adds 'ns' to namespaceSelector group 'g' (selected) or removes it, and
 * updates the members from the Pods of 'ns'. */
static void
group_set_ns(struct np_engine *e, struct group *g, struct ns *ns,
             bool selected)
{
    if (selected) {
        ptr_set_add(&g->matched_ns, ns);
        ptr_set_add(&ns->nssel_groups, g);
    } else {
        ptr_set_remove(&g->matched_ns, ns);
        ptr_set_remove(&ns->nssel_groups, g);
    }
    STR_MAP_FOR_EACH (slot, &ns->pods) {
        struct pod *pod = slot->value;
        if (group_selects_pod(g, pod)) {
            group_add_pod(e, g, pod);
        } else {
            group_remove_pod(e, g, pod);
        }
    }
}

/* Callback of selector_index_keys() collecting candidates from an index:
 * 'aux' is a 'struct collect'. */
struct collect {
    const struct hmap *index;   /* where to look */
    struct ptr_set *out;        /* what was found */
};

/* Adds to 'c->out' the objects under 'key'='value'. */
static void
collect_key(const char *key, const char *value, void *c_)
{
    struct collect *c = c_;
    struct ptr_set *set = index_get(c->index, key, value);

    if (set) {
        PTR_SET_FOR_EACH (obj, void, set) {
            ptr_set_add(c->out, obj);
        }
    }
}

/* Adds 'g' to its index. */
static void
index_group_key(const char *key, const char *value, void *aux)
{
    void **args = aux;

    index_add(args[0], key, value, args[1]);
}

/* Removes 'g' from its index. */
static void
unindex_group_key(const char *key, const char *value, void *aux)
{
    void **args = aux;

    index_remove(args[0], key, value, args[1]);
}

/* Returns the key of local group 'g' in its Namespace's 'local_groups'. */
static const char *
local_group_key(const struct group *g)
{
    return g->pod_sel ? g->pod_sel->normalized : "";
}

/* Creates the group named 'normalized' for ('ns', 'pod_sel', 'ns_sel')
 * and computes its members.  Takes the selectors' ownership; 'key' too,
 * for a namespaceSelector group. */
static struct group *
group_create(struct np_engine *e, const char *normalized, char *key,
             struct ns *ns, struct label_selector *pod_sel,
             struct label_selector *ns_sel)
{
    struct group *g = xcalloc(1, sizeof *g);

    np_group_uuid(normalized, g->uuid);
    g->pod_sel = pod_sel;
    g->ns_sel = ns_sel;
    g->ns = ns_sel ? NULL : ns;
    if (ns_sel) {
        g->key = key;
        str_map_put(&e->nssel_groups, g->key, g);
    } else {
        str_map_put(&ns->local_groups, local_group_key(g), g);
    }
    e->n_groups++;

    if (!ns_sel) {
        void *args[2] = { &ns->group_index, g };
        if (!selector_index_keys(pod_sel, index_group_key, args)) {
            ptr_set_add(&ns->wild_groups, g);
        }
        /* Candidates: the Pods under one of the selector's labels, or all
         * Pods of the Namespace. */
        struct ptr_set cand = PTR_SET_INITIALIZER;
        struct collect c = { &ns->pods_by_label, &cand };
        if (selector_index_keys(pod_sel, collect_key, &c)) {
            PTR_SET_FOR_EACH (pod, struct pod, &cand) {
                if (group_selects_pod(g, pod)) {
                    group_add_pod(e, g, pod);
                }
            }
        } else {
            STR_MAP_FOR_EACH (slot, &ns->pods) {
                struct pod *pod = slot->value;
                if (group_selects_pod(g, pod)) {
                    group_add_pod(e, g, pod);
                }
            }
        }
        ptr_set_destroy(&cand);
    } else {
        void *args[2] = { &e->nssel_index, g };
        if (!selector_index_keys(ns_sel, index_group_key, args)) {
            ptr_set_add(&e->nssel_wild, g);
        }
        struct ptr_set cand = PTR_SET_INITIALIZER;
        struct collect c = { &e->ns_by_label, &cand };
        if (selector_index_keys(ns_sel, collect_key, &c)) {
            PTR_SET_FOR_EACH (n, struct ns, &cand) {
                if (group_selects_ns(g, n)) {
                    group_set_ns(e, g, n, true);
                }
            }
        } else {
            STR_MAP_FOR_EACH (slot, &e->namespaces) {
                struct ns *n = slot->value;
                if (group_selects_ns(g, n)) {
                    group_set_ns(e, g, n, true);
                }
            }
        }
        ptr_set_destroy(&cand);
    }
    return g;
}

/* Frees group 'g', which no policy references and the store no longer
 * holds. */
static void
group_free(struct np_engine *e, struct group *g)
{
    PTR_SET_FOR_EACH (pod, struct pod, &g->members) {
        ptr_set_remove(&pod->groups, g);
    }
    if (!g->ns_sel) {
        void *args[2] = { &g->ns->group_index, g };
        if (!selector_index_keys(g->pod_sel, unindex_group_key, args)) {
            ptr_set_remove(&g->ns->wild_groups, g);
        }
    } else {
        void *args[2] = { &e->nssel_index, g };
        if (!selector_index_keys(g->ns_sel, unindex_group_key, args)) {
            ptr_set_remove(&e->nssel_wild, g);
        }
        PTR_SET_FOR_EACH (n, struct ns, &g->matched_ns) {
            ptr_set_remove(&n->nssel_groups, g);
        }
    }
    if (g->ns_sel) {
        str_map_remove(&e->nssel_groups, g->key);
    } else {
        str_map_remove(&g->ns->local_groups, local_group_key(g));
    }
    e->n_groups--;
    if (g->queue_pos) {
        struct queue *q = &e->dirty_groups;
        struct group *last = q->items[q->n - 1];
        queue_remove(q, &g->queue_pos, &last->queue_pos);
    }
    ptr_set_destroy(&g->matched_ns);
    ptr_set_destroy(&g->members);
    ptr_set_destroy(&g->atg_policies);
    ptr_set_destroy(&g->ag_policies);
    ptr_set_destroy(&g->dirty_pods);
    nodeset_destroy(&g->member_nodes);
    nodeset_destroy(&g->ag_span);
    free(g->links);
    label_selector_destroy(g->pod_sel);
    label_selector_destroy(g->ns_sel);
    free(g->key);
    free(g);
}

/* Links AppliedToGroup 'atg' to AddressGroup 'ag' once more (delta 1) or
 * once less (delta -1). */
static void
group_link(struct np_engine *e, struct group *atg, struct group *ag,
           int delta)
{
    size_t i;

    for (i = 0; i < atg->n_links && atg->links[i].ag != ag; i++) {
        continue;
    }
    if (i == atg->n_links) {
        if (delta < 0) {
            return;
        }
        if (atg->n_links >= atg->allocated_links) {
            atg->links = x2nrealloc(atg->links, &atg->allocated_links,
                                    sizeof *atg->links);
        }
        atg->links[atg->n_links].ag = ag;
        atg->links[atg->n_links].count = 0;
        atg->n_links++;
    }
    struct link *l = &atg->links[i];
    if (delta > 0 ? l->count++ : --l->count) {
        return;
    }

    /* The link appeared or disappeared: the AddressGroup gains or loses
     * the AppliedToGroup's Nodes. */
    for (size_t k = 0; k < atg->member_nodes.n; k++) {
        uint32_t node = atg->member_nodes.ids[k];
        if (delta > 0 ? nodeset_add(&ag->ag_span, node)
                      : nodeset_remove(&ag->ag_span, node)) {
            ag->ag_span_dirty = true;
        }
    }
    group_queue(e, ag);
    if (delta < 0) {
        atg->links[i] = atg->links[--atg->n_links];
    }
}

/* Pods. */

/* Adds 'pod' to or removes it from the label index of its Namespace. */
static void
pod_index(struct pod *pod, bool add)
{
    const struct label_set *labels = &pod->obj->labels;

    for (size_t i = 0; i < labels->n; i++) {
        const struct label *l = &labels->labels[i];
        if (add) {
            index_add(&pod->ns->pods_by_label, l->key, l->value, pod);
        } else {
            index_remove(&pod->ns->pods_by_label, l->key, l->value, pod);
        }
    }
}

/* Recomputes the groups 'pod' belongs to. */
static void
pod_update_groups(struct np_engine *e, struct pod *pod)
{
    /* Leave the groups that no longer select it. */
    size_t n = ptr_set_count(&pod->groups), k = 0;
    struct group **old = xmalloc((n + 1) * sizeof *old);
    PTR_SET_FOR_EACH (g, struct group, &pod->groups) {
        old[k++] = g;
    }
    for (size_t i = 0; i < k; i++) {
        if (!group_selects_pod(old[i], pod)) {
            group_remove_pod(e, old[i], pod);
        }
    }
    free(old);
    if (pod->deleted) {
        return;
    }

    /* Join the candidates that select it. */
    const struct label_set *labels = &pod->obj->labels;
    struct ptr_set cand = PTR_SET_INITIALIZER;
    struct collect c = { &pod->ns->group_index, &cand };
    for (size_t i = 0; i < labels->n; i++) {
        collect_key(labels->labels[i].key, labels->labels[i].value, &c);
    }
    const struct ptr_set *sets[3] = { &cand, &pod->ns->wild_groups,
                                      &pod->ns->nssel_groups };
    for (int s = 0; s < 3; s++) {
        PTR_SET_FOR_EACH (g, struct group, sets[s]) {
            if (!ptr_set_contains(&pod->groups, g)
                && group_selects_pod(g, pod)) {
                group_add_pod(e, g, pod);
            }
        }
    }
    ptr_set_destroy(&cand);
}

/* Returns true if 'a' and 'b' differ in what the store sends (Node, IPs,
 * named ports). */
static bool
pod_content_differs(const struct k8s_pod *a, const struct k8s_pod *b)
{
    if ((a->node == NULL) != (b->node == NULL)
        || (a->node && strcmp(a->node, b->node))
        || a->n_ips != b->n_ips || a->n_ports != b->n_ports) {
        return true;
    }
    for (size_t i = 0; i < a->n_ips; i++) {
        if (a->ips[i].len != b->ips[i].len
            || memcmp(a->ips[i].addr, b->ips[i].addr, a->ips[i].len)) {
            return true;
        }
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        if (a->ports[i].port != b->ports[i].port
            || a->ports[i].protocol != b->ports[i].protocol
            || strcmp(a->ports[i].name, b->ports[i].name)) {
            return true;
        }
    }
    return false;
}

void
np_engine_set_pod(struct np_engine *e, struct k8s_pod *obj)
{
    struct ns *ns = ns_get(e, obj->ns);
    uint32_t hash = hash_string(obj->name, 0);
    struct pod *pod = str_map_get_hashed(&ns->pods, obj->name, hash);
    uint32_t node = obj->node ? cp_store_node_id(e->store, obj->node)
                              : NO_NODE;

    if (!pod) {
        pod = xcalloc(1, sizeof *pod);
        pod->obj = obj;
        pod->ref = cp_store_pod_ref(e->store, obj->ns, obj->name);
        pod->ns = ns;
        pod->node = node;
        str_map_put_hashed(&ns->pods, obj->name, hash, pod);
        pod_index(pod, true);
        pod_update_groups(e, pod);
        return;
    }

    bool relabel = !label_set_equals(&pod->obj->labels, &obj->labels);
    bool content = pod_content_differs(pod->obj, obj);
    if (relabel) {
        pod_index(pod, false);
    }
    if (node != pod->node) {
        /* Move the Pod's Node in the counts of every group it is in. */
        PTR_SET_FOR_EACH (g, struct group, &pod->groups) {
            if (pod->node != NO_NODE
                && nodeset_remove(&g->member_nodes, pod->node)) {
                group_member_node_changed(e, g, pod->node, false);
            }
            if (node != NO_NODE && nodeset_add(&g->member_nodes, node)) {
                group_member_node_changed(e, g, node, true);
            }
        }
        pod->node = node;
    }
    bool host_network_changed = pod->obj->host_network != obj->host_network;
    /* The map's key is the object's name: replace it first. */
    str_map_put_hashed(&ns->pods, obj->name, hash, pod);
    k8s_pod_destroy(pod->obj);
    pod->obj = obj;
    if (relabel) {
        pod_index(pod, true);
    }
    if (content) {
        PTR_SET_FOR_EACH (g, struct group, &pod->groups) {
            group_dirty_pod(e, g, pod);
        }
    }
    if (relabel || host_network_changed) {
        pod_update_groups(e, pod);
    }
}

void
np_engine_delete_pod(struct np_engine *e, const char *ns, const char *name)
{
    struct ns *n = str_map_get(&e->namespaces, ns);
    struct pod *pod = n ? str_map_remove(&n->pods, name) : NULL;

    if (!pod) {
        return;
    }
    pod->deleted = true;
    pod_update_groups(e, pod);
    pod_index(pod, false);
    ptr_set_add(&e->dead_pods, pod);
}

/* Frees 'pod'. */
static void
pod_free(struct np_engine *e, struct pod *pod)
{
    cp_store_pod_unref(e->store, pod->ref);
    ptr_set_destroy(&pod->groups);
    k8s_pod_destroy(pod->obj);
    free(pod);
}

/* Namespaces. */

/* Adds 'ns' to or removes it from the Namespace label index. */
static void
ns_index(struct np_engine *e, struct ns *ns, bool add)
{
    for (size_t i = 0; ns->obj && i < ns->obj->labels.n; i++) {
        const struct label *l = &ns->obj->labels.labels[i];
        if (add) {
            index_add(&e->ns_by_label, l->key, l->value, ns);
        } else {
            index_remove(&e->ns_by_label, l->key, l->value, ns);
        }
    }
}

/* Adds to 'cand' the namespaceSelector groups that labels of 'ns' can
 * concern, and the wildcard ones. */
static void
ns_candidate_groups(struct np_engine *e, const struct ns *ns,
                    struct ptr_set *cand)
{
    struct collect c = { &e->nssel_index, cand };

    for (size_t i = 0; ns->obj && i < ns->obj->labels.n; i++) {
        collect_key(ns->obj->labels.labels[i].key,
                    ns->obj->labels.labels[i].value, &c);
    }
}

/* Replaces the Namespace object of 'ns' by 'obj' (NULL: deleted) and
 * updates the namespaceSelector groups. */
static void
ns_replace(struct np_engine *e, struct ns *ns, struct k8s_namespace *obj)
{
    struct ptr_set cand = PTR_SET_INITIALIZER;

    ns_candidate_groups(e, ns, &cand);
    PTR_SET_FOR_EACH (g, struct group, &ns->nssel_groups) {
        ptr_set_add(&cand, g);
    }
    ns_index(e, ns, false);
    k8s_namespace_destroy(ns->obj);
    ns->obj = obj;
    ns_index(e, ns, true);
    ns_candidate_groups(e, ns, &cand);
    PTR_SET_FOR_EACH (g, struct group, &e->nssel_wild) {
        ptr_set_add(&cand, g);
    }

    PTR_SET_FOR_EACH (g, struct group, &cand) {
        bool selected = group_selects_ns(g, ns);
        if (selected != ptr_set_contains(&ns->nssel_groups, g)) {
            group_set_ns(e, g, ns, selected);
        }
    }
    ptr_set_destroy(&cand);
}

void
np_engine_set_namespace(struct np_engine *e, struct k8s_namespace *obj)
{
    struct ns *ns = ns_get(e, obj->name);

    if (ns->obj && label_set_equals(&ns->obj->labels, &obj->labels)) {
        k8s_namespace_destroy(obj);
        return;
    }
    ns_replace(e, ns, obj);
}

void
np_engine_delete_namespace(struct np_engine *e, const char *name)
{
    struct ns *ns = str_map_get(&e->namespaces, name);

    if (ns && ns->obj) {
        ns_replace(e, ns, NULL);
    }
}

/* Policies. */

/* Returns the concatenation of 'a', 'b', 'c' and 'd' (like xasprintf()
 * with "%s%s%s%s", without parsing a format for each new group). */
static char *
concat4(const char *a, const char *b, const char *c, const char *d)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c), ld = strlen(d);
    char *s = xmalloc(la + lb + lc + ld + 1);

    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc);
    memcpy(s + la + lb + lc, d, ld + 1);
    return s;
}

/* Returns the group for a peer or applied-to selection in Namespace
 * 'ns': 'pod_sel' (NULL: all Pods) within 'ns_sel' Namespaces (NULL:
 * within 'ns').  The selectors are borrowed. */
static struct group *
policy_group(struct np_engine *e, struct ns *ns,
             const struct label_selector *pod_sel,
             const struct label_selector *ns_sel)
{
    struct label_selector *ps = pod_sel ? label_selector_ref(pod_sel) : NULL;
    struct group *g;

    /* Antrea's generateNormalizedName(): the parts sorted, " And ". */
    if (!ns_sel) {
        /* Local groups are found by Pod selector in their Namespace; the
         * name is only formatted for a new group. */
        const char *sel = pod_sel ? pod_sel->normalized : "";
        g = str_map_get(&ns->local_groups, sel);
        if (!g) {
            char *name = concat4("namespace=", ns->name,
                                 " And podSelector=", sel);
            g = group_create(e, name, NULL, ns, ps, NULL);
            free(name);
            return g;
        }
    } else {
        char *key = (pod_sel
                     ? xasprintf("namespaceSelector=%s And podSelector=%s",
                                 ns_sel->normalized, pod_sel->normalized)
                     : xasprintf("namespaceSelector=%s",
                                 ns_sel->normalized));
        g = str_map_get(&e->nssel_groups, key);
        if (!g) {
            return group_create(e, key, key, NULL, ps,
                                label_selector_ref(ns_sel));
        }
        free(key);
    }
    label_selector_destroy(ps);
    return g;
}

/* Returns true if egress rule 'rule' has no peers but names a port: "to
 * everyone" then needs the AddressGroup of every Pod, because a named port
 * exists only on Pods and is resolved per destination Pod (Antrea's
 * matchAllPodsPeer).  Ingress needs nothing: the applied-to Pods resolve
 * their own named ports. */
static bool
rule_needs_all_pods(const struct k8s_np_rule *rule, bool in)
{
    if (in || rule->n_peers) {
        return false;
    }
    for (size_t i = 0; i < rule->n_ports; i++) {
        if (rule->ports[i].has_port && rule->ports[i].port_name) {
            return true;
        }
    }
    return false;
}

/* Returns the AddressGroup of every Pod in every Namespace. */
static struct group *
all_pods_group(struct np_engine *e, struct ns *ns)
{
    return policy_group(e, ns, NULL, e->all_namespaces);
}

/* Adds 'g' to the unique AddressGroups of 'p'. */
static void
policy_add_ag(struct policy *p, struct group *g, size_t *allocated)
{
    for (size_t i = 0; i < p->n_ags; i++) {
        if (p->ags[i] == g) {
            return;
        }
    }
    if (p->n_ags >= *allocated) {
        p->ags = x2nrealloc(p->ags, allocated, sizeof *p->ags);
    }
    p->ags[p->n_ags++] = g;
}

/* Resolves the groups of 'p' and takes the references. */
static void
policy_attach(struct np_engine *e, struct policy *p)
{
    const struct k8s_network_policy *np = p->obj;
    size_t allocated = 0;

    p->atg = policy_group(e, p->ns, np->pod_selector, NULL);
    ptr_set_add(&p->atg->atg_policies, p);
    group_queue(e, p->atg);

    for (int dir = 0; dir < 2; dir++) {
        bool in = !dir;
        if (in ? !np->policy_ingress : !np->policy_egress) {
            continue;
        }
        const struct k8s_np_rule *rules = in ? np->ingress : np->egress;
        size_t n_rules = in ? np->n_ingress : np->n_egress;
        for (size_t i = 0; i < n_rules; i++) {
            if (rule_needs_all_pods(&rules[i], in)) {
                policy_add_ag(p, all_pods_group(e, p->ns), &allocated);
            }
            for (size_t j = 0; j < rules[i].n_peers; j++) {
                const struct k8s_np_peer *peer = &rules[i].peers[j];
                if (!peer->has_ip_block) {
                    policy_add_ag(p, policy_group(e, p->ns,
                                                  peer->pod_selector,
                                                  peer->ns_selector),
                                  &allocated);
                }
            }
        }
    }
    for (size_t i = 0; i < p->n_ags; i++) {
        ptr_set_add(&p->ags[i]->ag_policies, p);
        group_link(e, p->atg, p->ags[i], 1);
        group_queue(e, p->ags[i]);
    }
}

/* Drops the group references of 'p'. */
static void
policy_detach(struct np_engine *e, struct policy *p)
{
    for (size_t i = 0; i < p->n_ags; i++) {
        ptr_set_remove(&p->ags[i]->ag_policies, p);
        group_link(e, p->atg, p->ags[i], -1);
        group_queue(e, p->ags[i]);
    }
    free(p->ags);
    p->ags = NULL;
    p->n_ags = 0;
    if (p->atg) {
        ptr_set_remove(&p->atg->atg_policies, p);
        group_queue(e, p->atg);
        p->atg = NULL;
    }
}

void
np_engine_set_policy(struct np_engine *e, struct k8s_network_policy *obj)
{
    struct ns *ns = ns_get(e, obj->ns);
    uint32_t hash = hash_string(obj->name, 0);
    struct policy *p = str_map_get_hashed(&ns->policies, obj->name, hash);

    if (!p) {
        p = xcalloc(1, sizeof *p);
        p->ns = ns;
        e->n_policies++;
    } else {
        if (p->in_store && strcmp(p->obj->uid, obj->uid)) {
            /* Recreated with a new UID: a new internal policy. */
            cp_store_delete(e->store, CP_RESOURCE_NETWORK_POLICIES,
                            p->obj->uid);
            p->in_store = false;
        }
    }

    /* Attach the new version before detaching the old one, so that groups
     * both share are not destroyed and recreated. */
    struct policy old = *p;
    p->obj = obj;
    str_map_put_hashed(&ns->policies, obj->name, hash, p);
    p->ags = NULL;
    p->n_ags = 0;
    p->atg = NULL;
    policy_attach(e, p);
    if (old.obj) {
        struct policy tmp = old;
        /* 'tmp' stands for the old version in the groups' sets, which
         * hold 'p': detach by hand. */
        for (size_t i = 0; i < tmp.n_ags; i++) {
            bool still = false;
            for (size_t j = 0; j < p->n_ags && !still; j++) {
                still = p->ags[j] == tmp.ags[i];
            }
            if (!still) {
                ptr_set_remove(&tmp.ags[i]->ag_policies, p);
            }
            group_link(e, tmp.atg, tmp.ags[i], -1);
            group_queue(e, tmp.ags[i]);
        }
        free(tmp.ags);
        if (tmp.atg != p->atg) {
            ptr_set_remove(&tmp.atg->atg_policies, p);
        }
        group_queue(e, tmp.atg);
        k8s_network_policy_destroy(old.obj);
    }
    policy_queue(e, p);
}

void
np_engine_delete_policy(struct np_engine *e, const char *ns,
                        const char *name)
{
    struct ns *n = str_map_get(&e->namespaces, ns);
    struct policy *p = n ? str_map_remove(&n->policies, name) : NULL;

    if (!p) {
        return;
    }
    e->n_policies--;
    if (p->in_store) {
        cp_store_delete(e->store, CP_RESOURCE_NETWORK_POLICIES, p->obj->uid);
    }
    policy_detach(e, p);
    if (p->queue_pos) {
        struct queue *q = &e->dirty_policies;
        struct policy *last = q->items[q->n - 1];
        queue_remove(q, &p->queue_pos, &last->queue_pos);
    }
    k8s_network_policy_destroy(p->obj);
    free(p);
}

/* JSON entry points. */

bool
np_engine_set_namespace_json(struct np_engine *e, const json_t *json)
{
    char *error;
    struct k8s_namespace *ns = k8s_namespace_from_json(json, &error);

    if (!ns) {
        LOG_WARN("%s", error);
        free(error);
        return false;
    }
    np_engine_set_namespace(e, ns);
    return true;
}

bool
np_engine_set_pod_json(struct np_engine *e, const json_t *json)
{
    char *error;
    struct k8s_pod *pod = k8s_pod_from_json(json, &error);

    if (!pod) {
        LOG_WARN("%s", error);
        free(error);
        return false;
    }
    np_engine_set_pod(e, pod);
    return true;
}

bool
np_engine_set_policy_json(struct np_engine *e, const json_t *json)
{
    char *error;
    struct k8s_network_policy *np = k8s_network_policy_from_json(json,
                                                                 &error);

    if (!np) {
        const json_t *meta = json_object_get(json, "metadata");
        const char *ns = json_string_value(json_object_get(meta,
                                                           "namespace"));
        const char *name = json_string_value(json_object_get(meta, "name"));
        if (e->invalid) {
            e->invalid(ns ? ns : "", name ? name : "", error, e->aux);
        }
        if (ns && name) {
            np_engine_delete_policy(e, ns, name);
        }
        free(error);
        return false;
    }
    np_engine_set_policy(e, np);
    return true;
}

/* Flush. */

/* Fills 'm' (with 'ports', room for the Pod's ports) from 'pod'. */
static void
member_from_pod(struct cp_member *m, struct cp_named_port *ports,
                const struct pod *pod)
{
    const struct k8s_pod *o = pod->obj;

    memset(m, 0, sizeof *m);
    m->pod_namespace = o->ns;
    m->pod_name = o->name;
    m->pod_ref = pod->ref;
    m->node = o->node;
    if (pod->node != NO_NODE && o->node[0]) {
        m->has_node_id = true;
        m->node_id = pod->node;
    }
    m->n_ips = o->n_ips;
    memcpy(m->ips, o->ips, o->n_ips * sizeof *o->ips);
    for (size_t i = 0; i < o->n_ports; i++) {
        ports[i].name = o->ports[i].name;
        ports[i].port = o->ports[i].port;
        ports[i].protocol = o->ports[i].protocol;
    }
    m->ports = ports;
    m->n_ports = o->n_ports;
}

static void *arena_alloc(struct arena *, size_t size);
static void arena_reset(struct arena *);

/* Member lists being built for the store, in the engine's arena (they
 * live until the store has taken the update: one reset instead of a
 * free() per array). */
struct member_list {
    struct arena *arena;        /* where the arrays are */
    struct cp_member *added;    /* members to add */
    size_t n_added;             /* elements in 'added' */
    struct cp_member *removed;  /* members to remove */
    size_t n_removed;           /* elements in 'removed' */
};

/* Appends 'pod' to 'ml' as added (if 'present') or removed. */
static void
member_list_add(struct member_list *ml, const struct pod *pod, bool present)
{
    if (present) {
        struct cp_named_port *ports = NULL;
        if (pod->obj->n_ports) {
            ports = arena_alloc(ml->arena, pod->obj->n_ports * sizeof *ports);
        }
        member_from_pod(&ml->added[ml->n_added++], ports, pod);
    } else {
        struct cp_member *m = &ml->removed[ml->n_removed++];
        memset(m, 0, sizeof *m);
        m->pod_namespace = pod->obj->ns;
        m->pod_name = pod->obj->name;
        m->pod_ref = pod->ref;
    }
}

/* Allocates 'ml' for up to 'n' members from 'arena'. */
static void
member_list_init(struct member_list *ml, struct arena *arena, size_t n)
{
    ml->arena = arena;
    ml->added = arena_alloc(arena, (n + 1) * sizeof *ml->added);
    ml->removed = arena_alloc(arena, (n + 1) * sizeof *ml->removed);
    ml->n_added = ml->n_removed = 0;
}

/* Frees what 'ml' holds (everything in its arena). */
static void
member_list_destroy(struct member_list *ml)
{
    arena_reset(ml->arena);
}

/* Returns true if 'pod' belongs in the store's version of 'g' in role
 * 'res'. */
static bool
pod_eligible(const struct group *g, const struct pod *pod,
             enum cp_resource res)
{
    if (pod->deleted || !ptr_set_contains(&g->members, pod)
        || pod->node == NO_NODE) {
        return false;
    }
    return res == CP_RESOURCE_APPLIED_TO_GROUPS || pod->obj->n_ips > 0;
}

/* Writes group 'g' in role 'res' into the store. */
static void
flush_group_role(struct np_engine *e, struct group *g, enum cp_resource res)
{
    bool is_atg = res == CP_RESOURCE_APPLIED_TO_GROUPS;
    bool wanted = ptr_set_count(is_atg ? &g->atg_policies
                                       : &g->ag_policies) > 0;
    bool *in_store = is_atg ? &g->in_store_atg : &g->in_store_ag;

    if (!wanted) {
        if (*in_store) {
            cp_store_delete(e->store, res, g->uuid);
            *in_store = false;
        }
        return;
    }

    struct member_list ml;
    struct cp_group_update up = { .set_span = false };
    if (!*in_store) {
        member_list_init(&ml, &e->arena, ptr_set_count(&g->members));
        PTR_SET_FOR_EACH (pod, struct pod, &g->members) {
            if (pod_eligible(g, pod, res)) {
                member_list_add(&ml, pod, true);
            }
        }
        *in_store = true;
    } else {
        member_list_init(&ml, &e->arena, ptr_set_count(&g->dirty_pods));
        PTR_SET_FOR_EACH (pod, struct pod, &g->dirty_pods) {
            member_list_add(&ml, pod, pod_eligible(g, pod, res));
        }
    }
    up.added = ml.added;
    up.n_added = ml.n_added;
    up.removed = ml.removed;
    up.n_removed = ml.n_removed;
    if (!is_atg) {
        up.set_span = true;
        up.span = g->ag_span.ids;
        up.n_span = g->ag_span.n;
    }
    cp_store_update_group(e->store, res, g->uuid, &up);
    member_list_destroy(&ml);
}

/* Returns 'size' bytes from 'a', aligned for any type. */
static void *
arena_alloc(struct arena *a, size_t size)
{
    size = ((size + sizeof(union arena_align) - 1)
            / sizeof(union arena_align) * sizeof(union arena_align));

    struct arena_chunk *c = a->chunks;
    if (!c || c->size - c->used < size) {
        size_t chunk_size = size > 4096 ? size : 4096;
        c = xmalloc(sizeof *c + chunk_size);
        c->next = a->chunks;
        c->size = chunk_size;
        c->used = 0;
        a->chunks = c;
    }
    void *p = (char *) c->data + c->used;
    c->used += size;
    return p;
}

/* Makes all of 'a' available again, keeping its newest chunk. */
static void
arena_reset(struct arena *a)
{
    struct arena_chunk *c = a->chunks;

    if (c) {
        struct arena_chunk *next = c->next;
        c->next = NULL;
        c->used = 0;
        while (next) {
            struct arena_chunk *tmp = next->next;
            free(next);
            next = tmp;
        }
    }
}

/* Frees 'a'. */
static void
arena_destroy(struct arena *a)
{
    arena_reset(a);
    free(a->chunks);
    a->chunks = NULL;
}

/* Returns a new IPNet message for 'net' from 'a'. */
static AntreaCp__IPNet *
ipnet_msg(struct arena *a, const struct k8s_ipnet *net)
{
    AntreaCp__IPNet *m = arena_alloc(a, sizeof *m);

    antrea_cp__ipnet__init(m);
    m->ip.len = net->ip.len;
    m->ip.data = CONST_CAST(uint8_t *, net->ip.addr);
    m->prefix_length = net->prefix_len;
    return m;
}

/* Returns a new NetworkPolicyRule message for 'rule' of policy 'p', with
 * direction 'in' and position 'prio'; NULL 'rule' gives an isolate-only
 * rule. */
static AntreaCp__NetworkPolicyRule *
rule_msg(struct np_engine *e, const struct policy *p,
         const struct k8s_np_rule *rule, bool in, int prio)
{
    struct arena *a = &e->arena;
    AntreaCp__NetworkPolicyRule *m = arena_alloc(a, sizeof *m);
    AntreaCp__NetworkPolicyPeer *peer = arena_alloc(a, sizeof *peer);

    antrea_cp__network_policy_rule__init(m);
    antrea_cp__network_policy_peer__init(peer);
    m->direction = in ? ANTREA_CP__DIRECTION__IN : ANTREA_CP__DIRECTION__OUT;
    m->priority = prio;
    if (in) {
        m->from = peer;
    } else {
        m->to = peer;
    }
    if (!rule) {
        m->isolate_only = true;
        return m;
    }

    peer->address_groups = arena_alloc(a, (rule->n_peers + 1)
                                       * sizeof *peer->address_groups);
    peer->ip_blocks = arena_alloc(a, (rule->n_peers + 1)
                                  * sizeof *peer->ip_blocks);
    if (rule_needs_all_pods(rule, in)) {
        /* Everyone: every address (numeric ports) and every Pod (named
         * ports, resolved per Pod by the agent). */
        static const struct k8s_ipnet any = { .ip = { .len = 4 } };
        AntreaCp__IPBlock *b = arena_alloc(a, sizeof *b);
        antrea_cp__ipblock__init(b);
        b->cidr = ipnet_msg(a, &any);
        peer->ip_blocks[peer->n_ip_blocks++] = b;
        peer->address_groups[peer->n_address_groups++]
            = all_pods_group(e, p->ns)->uuid;
    }
    for (size_t i = 0; i < rule->n_peers; i++) {
        const struct k8s_np_peer *kp = &rule->peers[i];
        if (kp->has_ip_block) {
            AntreaCp__IPBlock *b = arena_alloc(a, sizeof *b);
            antrea_cp__ipblock__init(b);
            b->cidr = ipnet_msg(a, &kp->cidr);
            b->n_except = kp->n_except;
            b->except = arena_alloc(a, (kp->n_except + 1)
                                    * sizeof *b->except);
            for (size_t j = 0; j < kp->n_except; j++) {
                b->except[j] = ipnet_msg(a, &kp->except[j]);
            }
            peer->ip_blocks[peer->n_ip_blocks++] = b;
        } else {
            struct group *g = policy_group(e, p->ns, kp->pod_selector,
                                           kp->ns_selector);
            bool dup = false;
            for (size_t j = 0; j < peer->n_address_groups && !dup; j++) {
                dup = !strcmp(peer->address_groups[j], g->uuid);
            }
            if (!dup) {
                peer->address_groups[peer->n_address_groups++] = g->uuid;
            }
        }
    }

    m->services = arena_alloc(a, (rule->n_ports + 1) * sizeof *m->services);
    for (size_t i = 0; i < rule->n_ports; i++) {
        const struct k8s_np_port *kp = &rule->ports[i];
        AntreaCp__Service *s = arena_alloc(a, sizeof *s);
        antrea_cp__service__init(s);
        s->protocol = (AntreaCp__Protocol) kp->protocol;
        if (kp->has_port) {
            AntreaCp__IntOrString *port = arena_alloc(a, sizeof *port);
            antrea_cp__int_or_string__init(port);
            if (kp->port_name) {
                port->type = ANTREA_CP__INT_OR_STRING__TYPE__STRING;
                port->str_val = kp->port_name;
            } else {
                port->type = ANTREA_CP__INT_OR_STRING__TYPE__INT;
                port->int_val = kp->port;
            }
            s->port = port;
            s->end_port = kp->end_port;
        }
        m->services[m->n_services++] = s;
    }
    return m;
}

/* Writes policy 'p' into the store. */
static void
flush_policy(struct np_engine *e, struct policy *p)
{
    const struct k8s_network_policy *np = p->obj;
    AntreaCp__NetworkPolicy msg = ANTREA_CP__NETWORK_POLICY__INIT;
    AntreaCp__ObjectMeta meta = ANTREA_CP__OBJECT_META__INIT;
    AntreaCp__NetworkPolicyReference ref
        = ANTREA_CP__NETWORK_POLICY_REFERENCE__INIT;
    size_t max_rules = np->n_ingress + np->n_egress + 2;
    AntreaCp__NetworkPolicyRule **rules
        = arena_alloc(&e->arena, max_rules * sizeof *rules);
    char *atg = p->atg->uuid;
    size_t n = 0;

    meta.name = np->uid;
    meta.uid = np->uid;
    ref.type = ANTREA_CP__NETWORK_POLICY_TYPE__K8S_NETWORK_POLICY;
    ref.namespace_ = np->ns;
    ref.name = np->name;
    ref.uid = np->uid;
    if (np->policy_ingress) {
        for (size_t i = 0; i < np->n_ingress; i++) {
            rules[n] = rule_msg(e, p, &np->ingress[i], true, n);
            n++;
        }
        if (!np->n_ingress) {
            rules[n] = rule_msg(e, p, NULL, true, n);
            n++;
        }
    }
    if (np->policy_egress) {
        for (size_t i = 0; i < np->n_egress; i++) {
            rules[n] = rule_msg(e, p, &np->egress[i], false, n);
            n++;
        }
        if (!np->n_egress) {
            rules[n] = rule_msg(e, p, NULL, false, n);
            n++;
        }
    }
    msg.metadata = &meta;
    msg.n_rules = n;
    msg.rules = rules;
    msg.n_applied_to_groups = 1;
    msg.applied_to_groups = &atg;
    msg.source_ref = &ref;
    cp_store_put_network_policy(e->store, &msg, p->atg->member_nodes.ids,
                                p->atg->member_nodes.n);
    p->in_store = true;
    arena_reset(&e->arena);
}

void
np_engine_flush(struct np_engine *e)
{
    /* Groups first, so that a policy never names a group the agents do
     * not have; policies whose AppliedToGroup's Nodes changed follow. */
    size_t k;
    struct group **groups = (struct group **) queue_take(
        &e->dirty_groups, offsetof(struct group, queue_pos), &k);

    for (size_t i = 0; i < k; i++) {
        struct group *g = groups[i];
        if (ptr_set_count(&g->atg_policies)) {
            flush_group_role(e, g, CP_RESOURCE_APPLIED_TO_GROUPS);
        }
        if (ptr_set_count(&g->ag_policies)) {
            flush_group_role(e, g, CP_RESOURCE_ADDRESS_GROUPS);
        }
        if (g->atg_span_dirty) {
            PTR_SET_FOR_EACH (p, struct policy, &g->atg_policies) {
                policy_queue(e, p);
            }
        }
        ptr_set_destroy(&g->dirty_pods);
        g->atg_span_dirty = g->ag_span_dirty = false;
    }

    size_t n_policies;
    struct policy **policies = (struct policy **) queue_take(
        &e->dirty_policies, offsetof(struct policy, queue_pos),
        &n_policies);
    for (size_t i = 0; i < n_policies; i++) {
        flush_policy(e, policies[i]);
    }
    free(policies);

    /* Then groups no policy needs any more. */
    for (size_t i = 0; i < k; i++) {
        struct group *g = groups[i];
        if (!ptr_set_count(&g->atg_policies)) {
            flush_group_role(e, g, CP_RESOURCE_APPLIED_TO_GROUPS);
        }
        if (!ptr_set_count(&g->ag_policies)) {
            flush_group_role(e, g, CP_RESOURCE_ADDRESS_GROUPS);
        }
        if (!ptr_set_count(&g->atg_policies)
            && !ptr_set_count(&g->ag_policies)) {
            group_free(e, g);
        }
    }
    free(groups);

    PTR_SET_FOR_EACH (pod, struct pod, &e->dead_pods) {
        pod_free(e, pod);
    }
    ptr_set_destroy(&e->dead_pods);
}

/* Engine. */

struct np_engine *
np_engine_create(struct cp_store *store, np_invalid_func *invalid,
                 void *aux)
{
    struct np_engine *e = xcalloc(1, sizeof *e);

    e->store = store;
    e->invalid = invalid;
    e->aux = aux;

    json_t *empty = json_object();
    char *error = NULL;
    e->all_namespaces = label_selector_from_json(empty, "namespaceSelector",
                                                 &error);
    if (!e->all_namespaces) {
        /* The empty selector cannot be invalid: only allocation fails. */
        free(error);
        out_of_memory();
    }
    json_decref(empty);
    return e;
}

/* Frees group 'g' at engine destruction (the indexes go as a whole). */
static void
group_destroy(struct group *g)
{
    ptr_set_destroy(&g->matched_ns);
    ptr_set_destroy(&g->members);
    ptr_set_destroy(&g->atg_policies);
    ptr_set_destroy(&g->ag_policies);
    ptr_set_destroy(&g->dirty_pods);
    nodeset_destroy(&g->member_nodes);
    nodeset_destroy(&g->ag_span);
    free(g->links);
    label_selector_destroy(g->pod_sel);
    label_selector_destroy(g->ns_sel);
    free(g->key);
    free(g);
}

void
np_engine_destroy(struct np_engine *e)
{
    if (!e) {
        return;
    }

    STR_MAP_FOR_EACH (slot, &e->nssel_groups) {
        group_destroy(slot->value);
    }
    str_map_destroy(&e->nssel_groups);
    PTR_SET_FOR_EACH (pod, struct pod, &e->dead_pods) {
        pod_free(e, pod);
    }
    ptr_set_destroy(&e->dead_pods);
    STR_MAP_FOR_EACH (slot, &e->namespaces) {
        struct ns *ns = slot->value;
        STR_MAP_FOR_EACH (ps, &ns->policies) {
            struct policy *p = ps->value;
            k8s_network_policy_destroy(p->obj);
            free(p->ags);
            free(p);
        }
        str_map_destroy(&ns->policies);
        STR_MAP_FOR_EACH (gs, &ns->local_groups) {
            group_destroy(gs->value);
        }
        str_map_destroy(&ns->local_groups);
        STR_MAP_FOR_EACH (pods, &ns->pods) {
            pod_free(e, pods->value);
        }
        str_map_destroy(&ns->pods);
        k8s_namespace_destroy(ns->obj);
        index_destroy(&ns->pods_by_label);
        index_destroy(&ns->group_index);
        ptr_set_destroy(&ns->wild_groups);
        ptr_set_destroy(&ns->nssel_groups);
        free(ns->name);
        free(ns);
    }
    str_map_destroy(&e->namespaces);
    index_destroy(&e->nssel_index);
    ptr_set_destroy(&e->nssel_wild);
    index_destroy(&e->ns_by_label);
    free(e->dirty_groups.items);
    free(e->dirty_policies.items);
    arena_destroy(&e->arena);
    label_selector_destroy(e->all_namespaces);
    free(e);
}

size_t
np_engine_n_groups(const struct np_engine *e)
{
    return e->n_groups;
}

size_t
np_engine_n_policies(const struct np_engine *e)
{
    return e->n_policies;
}

void
np_group_uuid(const char *normalized, char uuid[37])
{
    static const uint8_t ns_uuid[16] = {
        0x5a, 0x5e, 0x7d, 0xd9, 0xe3, 0xfb, 0x49, 0xbb,
        0xb2, 0x63, 0x9b, 0xab, 0x25, 0xc9, 0x58, 0x41,
    };
    size_t len = strlen(normalized);
    uint8_t *buf = xmalloc(16 + len);
    uint8_t digest[20];

    memcpy(buf, ns_uuid, 16);
    memcpy(buf + 16, normalized, len);
    if (gnutls_hash_fast(GNUTLS_DIG_SHA1, buf, 16 + len, digest) < 0) {
        /* SHA-1 is always built into GnuTLS. */
        abort();
    }
    free(buf);
    digest[6] = (digest[6] & 0x0f) | 0x50;
    digest[8] = (digest[8] & 0x3f) | 0x80;

    /* 8-4-4-4-12 lowercase hex digits. */
    static const char hex[] = "0123456789abcdef";
    char *q = uuid;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            *q++ = '-';
        }
        *q++ = hex[digest[i] >> 4];
        *q++ = hex[digest[i] & 15];
    }
    *q = '\0';
}
