/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's store of control-plane objects and its watchers
 * (cp-store.h).  The policy computation (np-compute.c) writes it; the API
 * server reads lists from it and streams watch frames out of it.
 *
 * Group members are interned: a Pod that is a member of several groups
 * with the same IPs, Node and ports is one 'struct member' shared by
 * reference count.  A group's members are a map from "namespace/name" to
 * the interned member.  Spans are sorted arrays of Node ids; Nodes are
 * interned too and carry the list of watchers for each resource, so a
 * mutation only visits the Nodes of the object's old and new span.
 *
 * Frames are built once per event (once per event and Node for
 * AppliedToGroups, whose members are per Node) and shared by reference
 * between the watchers that receive the same bytes.
 */

#include <config.h>

#include "cp-store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane.pb-c.h"
#include "hash-map.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(cp-store);

/* No Node. */
#define NODE_NONE UINT32_MAX

/* A sorted set of Node ids. */
struct span {
    uint32_t *ids;              /* ascending, no duplicates */
    uint32_t *counts;           /* AppliedToGroups: members per Node, in
                                   parallel with 'ids'; NULL otherwise */
    size_t n;                   /* elements in 'ids' (and 'counts') */
    size_t allocated;           /* capacity of 'ids' (and 'counts') */
};

/* A Node that appears in a span or has watchers. */
struct node {
    char *name;                 /* the Node's name */
    uint32_t id;                /* index in 'store->nodes' */
    struct cp_watch *watches[CP_N_RESOURCES]; /* its watchers, per
                                                 resource (a list) */
};

/* A Pod's identity (namespace and name), interned: the key of members
 * within a group, so that members are found by pointer, not by a
 * formatted "namespace/name" string.  It lives while it has members or
 * references from cp_store_pod_ref(). */
struct cp_pod_ref {
    struct hmap_node node;      /* in 'store->pod_refs', by pod_ref_hash() */
    struct member *variants;    /* the interned members of this Pod (one
                                   per distinct Node, IPs and ports) */
    size_t n_refs;              /* cp_store_pod_ref() references */
    const char *name;           /* the Pod's name, inside 'ns' */
    char ns[];                  /* "namespace\0name\0" */
};

/* An interned group member. */
struct member {
    struct member *next_same_pod; /* other members with the same Pod */
    struct cp_pod_ref *pod;        /* the Pod */
    uint32_t node;              /* Node id, or NODE_NONE */
    uint32_t refcount;          /* groups (and changes) holding it */
    uint8_t n_ips;              /* elements in 'ips' */
    uint32_t n_ports;           /* elements in 'ports' */
    struct cp_ip ips[CP_MEMBER_MAX_IPS]; /* the Pod's IPs */
    struct cp_named_port *ports; /* named ports, names owned */
};

/* The members of a group: an open-addressing set of members keyed by
 * their 'pod' (a group holds one member per Pod). */
struct member_set {
    struct member **slots;      /* 'mask' + 1 slots (NULL: empty) */
    uint32_t mask;              /* number of slots minus 1 */
    uint32_t n;                 /* members in the set */
};

/* An AddressGroup or an AppliedToGroup. */
struct group {
    uint64_t rv;                /* resourceVersion of the last change */
    struct member_set members;  /* its members */
    struct span span;           /* AddressGroup: as set; AppliedToGroup:
                                   the Nodes of the members, counted */
    char name[];                /* the key (UUID of the selector) */
};

/* An internal NetworkPolicy, kept encoded: the protobuf encoding of its
 * ObjectMeta without resource_version ('meta'), and of the rest of the
 * NetworkPolicy without metadata ('rest').  A frame or a list splices
 * the resource_version in (policy_encode()), and comparing the bytes
 * tells whether the content changed. */
struct policy {
    uint64_t rv;                /* resourceVersion of the last change */
    uint8_t *bytes;             /* 'meta_len' bytes of ObjectMeta, then
                                   'rest_len' bytes of NetworkPolicy */
    size_t meta_len;            /* ObjectMeta bytes in 'bytes' */
    size_t rest_len;            /* NetworkPolicy bytes after them */
    struct span span;           /* as set */
    char name[];                /* the key (the K8s policy's UID) */
};

/* A watch. */
struct cp_watch {
    struct cp_store *store;     /* the store */
    enum cp_resource resource;  /* what it watches */
    struct node *node;          /* its Node, NULL for all */
    cp_deliver_func *deliver;   /* frame sink */
    cp_ended_func *ended;       /* called when the store ends it */
    void *aux;                  /* for the callbacks */
    struct cp_watch *prev;      /* in the list of 'node' or of the store */
    struct cp_watch *next;      /* in the list of 'node' or of the store */
    bool dead;                  /* ended or cancelled during a dispatch;
                                   freed at its end */
};

/* The store. */
struct cp_store {
    uint64_t rv;                /* last resourceVersion handed out */
    struct str_map objects[CP_N_RESOURCES]; /* name -> group or policy */
    struct str_map node_by_name; /* name -> struct node */
    struct node **nodes;        /* by id */
    size_t n_nodes;             /* elements in 'nodes' */
    size_t allocated_nodes;     /* capacity of 'nodes' */
    struct hmap pod_refs;       /* struct cp_pod_ref, by pod_ref_hash() */
    struct cp_watch *all_watches[CP_N_RESOURCES]; /* Node-less watchers */
    size_t n_watches;           /* live watches */
    int busy;                   /* nesting of dispatches */
    struct cp_watch **dead;     /* watches to free when 'busy' drops to 0 */
    size_t n_dead;              /* elements in 'dead' */
    size_t allocated_dead;      /* capacity of 'dead' */
};

static const char *const resource_names[CP_N_RESOURCES] = {
    [CP_RESOURCE_NETWORK_POLICIES] = "networkpolicies",
    [CP_RESOURCE_ADDRESS_GROUPS] = "addressgroups",
    [CP_RESOURCE_APPLIED_TO_GROUPS] = "appliedtogroups",
};

const char *
cp_resource_name(enum cp_resource resource)
{
    return resource < CP_N_RESOURCES ? resource_names[resource] : "?";
}

bool
cp_resource_from_name(const char *name, enum cp_resource *resource)
{
    for (int i = 0; i < CP_N_RESOURCES; i++) {
        if (!strcmp(name, resource_names[i])) {
            *resource = i;
            return true;
        }
    }
    return false;
}

struct cp_frame *
cp_frame_ref(struct cp_frame *frame)
{
    frame->refcount++;
    return frame;
}

void
cp_frame_unref(struct cp_frame *frame)
{
    if (frame && !--frame->refcount) {
        free(frame);
    }
}

/* Spans. */

/* Returns the position of 'id' in 'span' or where it would go; '*found'
 * tells which. */
static size_t
span_find(const struct span *span, uint32_t id, bool *found)
{
    size_t lo = 0, hi = span->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (span->ids[mid] < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = lo < span->n && span->ids[lo] == id;
    return lo;
}

/* Returns true if 'span' holds 'id'. */
static bool
span_has(const struct span *span, uint32_t id)
{
    bool found;

    span_find(span, id, &found);
    return found;
}

/* Adds 'id' to 'span' (counted if 'counted'). */
static void
span_add(struct span *span, uint32_t id, bool counted)
{
    bool found;
    size_t i = span_find(span, id, &found);

    if (found) {
        if (counted) {
            span->counts[i]++;
        }
        return;
    }
    if (span->n >= span->allocated) {
        size_t allocated = span->allocated;
        span->ids = x2nrealloc(span->ids, &allocated, sizeof *span->ids);
        if (counted) {
            span->counts = xrealloc(span->counts,
                                    allocated * sizeof *span->counts);
        }
        span->allocated = allocated;
    }
    memmove(&span->ids[i + 1], &span->ids[i],
            (span->n - i) * sizeof *span->ids);
    span->ids[i] = id;
    if (counted) {
        memmove(&span->counts[i + 1], &span->counts[i],
                (span->n - i) * sizeof *span->counts);
        span->counts[i] = 1;
    }
    span->n++;
}

/* Drops one count of 'id' from counted 'span', removing it at zero. */
static void
span_remove_counted(struct span *span, uint32_t id)
{
    bool found;
    size_t i = span_find(span, id, &found);

    if (found && !--span->counts[i]) {
        memmove(&span->ids[i], &span->ids[i + 1],
                (span->n - i - 1) * sizeof *span->ids);
        memmove(&span->counts[i], &span->counts[i + 1],
                (span->n - i - 1) * sizeof *span->counts);
        span->n--;
    }
}

/* Copies the ids of 'src' into 'dst' (uncounted). */
static void
span_copy(struct span *dst, const struct span *src)
{
    dst->ids = src->n ? xmalloc(src->n * sizeof *dst->ids) : NULL;
    if (src->n) {
        memcpy(dst->ids, src->ids, src->n * sizeof *dst->ids);
    }
    dst->counts = NULL;
    dst->n = dst->allocated = src->n;
}

/* Frees what 'span' holds. */
static void
span_destroy(struct span *span)
{
    free(span->ids);
    free(span->counts);
    memset(span, 0, sizeof *span);
}

/* Compares two uint32_t for qsort(). */
static int
compare_u32(const void *a_, const void *b_)
{
    const uint32_t *a = a_, *b = b_;

    return *a < *b ? -1 : *a > *b;
}

/* Nodes. */

/* Returns the Node named 'name', creating it if needed. */
static struct node *
node_intern(struct cp_store *store, const char *name)
{
    struct node *node = str_map_get(&store->node_by_name, name);

    if (!node) {
        node = xcalloc(1, sizeof *node);
        node->name = xstrdup(name);
        node->id = store->n_nodes;
        if (store->n_nodes >= store->allocated_nodes) {
            store->nodes = x2nrealloc(store->nodes, &store->allocated_nodes,
                                      sizeof *store->nodes);
        }
        store->nodes[store->n_nodes++] = node;
        str_map_put(&store->node_by_name, node->name, node);
    }
    return node;
}

/* Returns the id of Node 'name', NODE_NONE for NULL or "". */
static uint32_t
node_id(struct cp_store *store, const char *name)
{
    return name && name[0] ? node_intern(store, name)->id : NODE_NONE;
}

uint32_t
cp_store_node_id(struct cp_store *store, const char *name)
{
    return node_intern(store, name)->id;
}

const char *
cp_store_node_name(const struct cp_store *store, uint32_t id)
{
    return id < store->n_nodes ? store->nodes[id]->name : NULL;
}

/* Replaces 'span' with the Nodes 'ids' (ignoring ids the store never
 * gave out). */
static void
span_set_ids(const struct cp_store *store, struct span *span,
             const uint32_t *ids, size_t n)
{
    span_destroy(span);
    if (!n) {
        return;
    }
    span->ids = xmalloc(n * sizeof *span->ids);
    memcpy(span->ids, ids, n * sizeof *span->ids);
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++) {
        sorted = ids[i - 1] < ids[i];
    }
    if (!sorted) {
        qsort(span->ids, n, sizeof *span->ids, compare_u32);
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (span->ids[i] < store->n_nodes
            && (!k || span->ids[k - 1] != span->ids[i])) {
            span->ids[k++] = span->ids[i];
        }
    }
    span->n = k;
    span->allocated = n;
}

/* Members. */

/* Returns true if member 'm' has the content of 'in' on Node 'node'. */
static bool
member_equals(const struct member *m, const struct cp_member *in,
              uint32_t node)
{
    size_t n_ips = in->n_ips < CP_MEMBER_MAX_IPS ? in->n_ips
                                                 : CP_MEMBER_MAX_IPS;

    if (m->node != node || m->n_ips != n_ips || m->n_ports != in->n_ports) {
        return false;
    }
    for (size_t i = 0; i < m->n_ips; i++) {
        if (m->ips[i].len != in->ips[i].len
            || memcmp(m->ips[i].addr, in->ips[i].addr, m->ips[i].len)) {
            return false;
        }
    }
    for (size_t i = 0; i < m->n_ports; i++) {
        if (m->ports[i].port != in->ports[i].port
            || m->ports[i].protocol != in->ports[i].protocol
            || strcmp(m->ports[i].name, in->ports[i].name)) {
            return false;
        }
    }
    return true;
}

/* Returns the hash of Pod 'ns'/'name'. */
static uint32_t
pod_ref_hash(const char *ns, const char *name)
{
    return hash_string(name, hash_string(ns, 0));
}

/* Returns the interned identity of Pod 'ns'/'name', whose
 * pod_ref_hash() is 'hash', or NULL. */
static struct cp_pod_ref *
pod_ref_find_hashed(const struct cp_store *store, const char *ns,
                    const char *name, uint32_t hash)
{
    HMAP_FOR_EACH_WITH_HASH (ref, struct cp_pod_ref, node, hash,
                             &store->pod_refs) {
        if (!strcmp(ref->name, name) && !strcmp(ref->ns, ns)) {
            return ref;
        }
    }
    return NULL;
}

/* Returns the interned identity of Pod 'ns'/'name', or NULL. */
static struct cp_pod_ref *
pod_ref_find(const struct cp_store *store, const char *ns, const char *name)
{
    return pod_ref_find_hashed(store, ns, name, pod_ref_hash(ns, name));
}

/* Returns the interned identity of Pod 'ns'/'name', creating it. */
static struct cp_pod_ref *
pod_ref_intern(struct cp_store *store, const char *ns, const char *name)
{
    uint32_t hash = pod_ref_hash(ns, name);
    struct cp_pod_ref *ref = pod_ref_find_hashed(store, ns, name, hash);

    if (!ref) {
        size_t ns_len = strlen(ns), name_len = strlen(name);
        ref = xmalloc(sizeof *ref + ns_len + name_len + 2);
        ref->variants = NULL;
        ref->n_refs = 0;
        memcpy(ref->ns, ns, ns_len + 1);
        memcpy(ref->ns + ns_len + 1, name, name_len + 1);
        ref->name = ref->ns + ns_len + 1;
        hmap_insert(&store->pod_refs, &ref->node, hash);
    }
    return ref;
}

/* Frees 'ref' if nothing uses it any more. */
static void
pod_ref_release(struct cp_store *store, struct cp_pod_ref *ref)
{
    if (!ref->variants && !ref->n_refs) {
        hmap_remove(&store->pod_refs, &ref->node);
        free(ref);
    }
}

struct cp_pod_ref *
cp_store_pod_ref(struct cp_store *store, const char *ns, const char *name)
{
    struct cp_pod_ref *ref = pod_ref_intern(store, ns, name);

    ref->n_refs++;
    return ref;
}

void
cp_store_pod_unref(struct cp_store *store, struct cp_pod_ref *ref)
{
    if (ref) {
        ref->n_refs--;
        pod_ref_release(store, ref);
    }
}

/* Returns a new reference to the interned member for 'in'. */
static struct member *
member_intern(struct cp_store *store, const struct cp_member *in)
{
    struct cp_pod_ref *ref = (in->pod_ref ? in->pod_ref
                              : pod_ref_intern(store, in->pod_namespace,
                                               in->pod_name));
    uint32_t node = in->has_node_id ? in->node_id : node_id(store, in->node);

    for (struct member *m = ref->variants; m; m = m->next_same_pod) {
        if (member_equals(m, in, node)) {
            m->refcount++;
            return m;
        }
    }

    struct member *m = xcalloc(1, sizeof *m);
    m->pod = ref;
    m->node = node;
    m->refcount = 1;
    m->n_ips = in->n_ips < CP_MEMBER_MAX_IPS ? in->n_ips : CP_MEMBER_MAX_IPS;
    memcpy(m->ips, in->ips, m->n_ips * sizeof *m->ips);
    m->n_ports = in->n_ports;
    if (in->n_ports) {
        m->ports = xmalloc(in->n_ports * sizeof *m->ports);
        for (size_t i = 0; i < in->n_ports; i++) {
            m->ports[i] = in->ports[i];
            m->ports[i].name = xstrdup(in->ports[i].name);
        }
    }
    m->next_same_pod = ref->variants;
    ref->variants = m;
    return m;
}

/* Drops a reference to 'm'. */
static void
member_unref(struct cp_store *store, struct member *m)
{
    if (--m->refcount) {
        return;
    }

    struct cp_pod_ref *ref = m->pod;
    struct member **p = &ref->variants;
    while (*p != m) {
        p = &(*p)->next_same_pod;
    }
    *p = m->next_same_pod;
    pod_ref_release(store, ref);
    for (size_t i = 0; i < m->n_ports; i++) {
        free(CONST_CAST(char *, m->ports[i].name));
    }
    free(m->ports);
    free(m);
}

/* Member sets. */

/* Sets of at most MEMBER_SET_SMALL slots (most groups) are not hashed:
 * their members sit in slots[0..n-1] and are found by a scan, filling
 * every slot; larger ones are open-addressing tables at load 3/4. */
#define MEMBER_SET_SMALL 8

/* Returns true if 'set' is a small, unhashed set. */
static bool
member_set_is_small(const struct member_set *set)
{
    return set->mask < MEMBER_SET_SMALL;
}

/* Returns the slot of the member of Pod 'ref' in 'set', or the empty slot
 * where it would go (in a small set: slot 'n', which may be past the
 * end).  The set must have slots. */
static size_t
member_set_find(const struct member_set *set, const struct cp_pod_ref *ref)
{
    if (member_set_is_small(set)) {
        size_t i = 0;
        while (i < set->n && set->slots[i]->pod != ref) {
            i++;
        }
        return i;
    }
    for (size_t i = hash_pointer(ref) & set->mask; ;
         i = (i + 1) & set->mask) {
        if (!set->slots[i] || set->slots[i]->pod == ref) {
            return i;
        }
    }
}

/* Doubles the slots of 'set' (or makes the first ones). */
static void
member_set_grow(struct member_set *set)
{
    struct member **old = set->slots;
    size_t old_n = old ? set->mask + 1 : 0;
    size_t n_slots = old_n ? old_n * 2 : 2;

    set->slots = xmalloc(n_slots * sizeof *set->slots);
    memset(set->slots, 0, n_slots * sizeof *set->slots);
    set->mask = n_slots - 1;
    if (member_set_is_small(set)) {
        if (set->n) {
            memcpy(set->slots, old, set->n * sizeof *set->slots);
        }
    } else {
        for (size_t i = 0; i < old_n; i++) {
            if (old[i]) {
                set->slots[member_set_find(set, old[i]->pod)] = old[i];
            }
        }
    }
    free(old);
}

/* Stores 'm' in 'set', replacing the member of the same Pod, which it
 * returns (NULL if none). */
static struct member *
member_set_put(struct member_set *set, struct member *m)
{
    if (set->slots && member_set_is_small(set)) {
        size_t i = member_set_find(set, m->pod);
        if (i < set->n) {
            struct member *old = set->slots[i];
            set->slots[i] = m;
            return old;
        }
        if (set->n > set->mask) {
            member_set_grow(set);
        }
    } else if (!set->slots || (set->n + 1) * 4 > (set->mask + 1) * 3) {
        member_set_grow(set);
    }

    size_t i = member_set_find(set, m->pod);
    struct member *old = set->slots[i];
    if (!old) {
        set->n++;
    }
    set->slots[i] = m;
    return old;
}

/* Removes the member of Pod 'ref' from 'set' and returns it (NULL if
 * none). */
static struct member *
member_set_remove(struct member_set *set, const struct cp_pod_ref *ref)
{
    if (!set->n) {
        return NULL;
    }
    size_t hole = member_set_find(set, ref);
    if (member_set_is_small(set)) {
        if (hole >= set->n) {
            return NULL;
        }
        struct member *m = set->slots[hole];
        set->slots[hole] = set->slots[--set->n];
        set->slots[set->n] = NULL;
        return m;
    }
    struct member *m = set->slots[hole];
    if (!m) {
        return NULL;
    }
    set->n--;
    for (size_t i = (hole + 1) & set->mask; set->slots[i];
         i = (i + 1) & set->mask) {
        size_t home = hash_pointer(set->slots[i]->pod) & set->mask;
        if (((i - home) & set->mask) >= ((i - hole) & set->mask)) {
            set->slots[hole] = set->slots[i];
            hole = i;
        }
    }
    set->slots[hole] = NULL;
    return m;
}

/* Iterates 'M' (a 'struct member *') over the members of set 'SET'. */
#define MEMBER_SET_FOR_EACH(M, SET)                                     \
    for (size_t M##__i = 0; (SET)->slots && M##__i <= (SET)->mask;      \
         M##__i++)                                                      \
        for (struct member *M = (SET)->slots[M##__i]; M; M = NULL)

/* Encoding. */

/* The protobuf-c structs of one encoded member. */
struct member_msg {
    AntreaCp__GroupMember gm;   /* the member */
    AntreaCp__PodReference pod; /* its Pod */
    ProtobufCBinaryData ips[CP_MEMBER_MAX_IPS]; /* its IPs */
    AntreaCp__NamedPort **port_ptrs; /* its ports, pointers */
    AntreaCp__NamedPort *ports; /* its ports */
};

/* A list of members being encoded. */
struct member_msgs {
    AntreaCp__GroupMember **ptrs; /* what the message points to */
    struct member_msg **msgs;   /* the structs, owned */
    size_t n;                   /* members */
    size_t allocated;           /* capacity of 'ptrs' and 'msgs' */
};

/* Appends member 'm' to 'mm'. */
static void
member_msgs_add(struct member_msgs *mm, const struct member *m)
{
    if (mm->n >= mm->allocated) {
        size_t allocated = mm->allocated;
        mm->ptrs = x2nrealloc(mm->ptrs, &allocated, sizeof *mm->ptrs);
        mm->msgs = xrealloc(mm->msgs, allocated * sizeof *mm->msgs);
        mm->allocated = allocated;
    }

    struct member_msg *msg = xmalloc(sizeof *msg);
    antrea_cp__group_member__init(&msg->gm);
    antrea_cp__pod_reference__init(&msg->pod);
    msg->pod.name = CONST_CAST(char *, m->pod->name);
    msg->pod.namespace_ = m->pod->ns;
    msg->gm.pod = &msg->pod;
    for (size_t i = 0; i < m->n_ips; i++) {
        msg->ips[i].len = m->ips[i].len;
        msg->ips[i].data = CONST_CAST(uint8_t *, m->ips[i].addr);
    }
    msg->gm.n_ips = m->n_ips;
    msg->gm.ips = msg->ips;
    msg->port_ptrs = NULL;
    msg->ports = NULL;
    if (m->n_ports) {
        msg->ports = xmalloc(m->n_ports * sizeof *msg->ports);
        msg->port_ptrs = xmalloc(m->n_ports * sizeof *msg->port_ptrs);
        for (size_t i = 0; i < m->n_ports; i++) {
            antrea_cp__named_port__init(&msg->ports[i]);
            msg->ports[i].port = m->ports[i].port;
            msg->ports[i].name = CONST_CAST(char *, m->ports[i].name);
            msg->ports[i].protocol = (AntreaCp__Protocol) m->ports[i].protocol;
            msg->port_ptrs[i] = &msg->ports[i];
        }
    }
    msg->gm.n_ports = m->n_ports;
    msg->gm.ports = msg->port_ptrs;
    mm->msgs[mm->n] = msg;
    mm->ptrs[mm->n++] = &msg->gm;
}

/* Frees what 'mm' holds. */
static void
member_msgs_destroy(struct member_msgs *mm)
{
    for (size_t i = 0; i < mm->n; i++) {
        free(mm->msgs[i]->ports);
        free(mm->msgs[i]->port_ptrs);
        free(mm->msgs[i]);
    }
    free(mm->msgs);
    free(mm->ptrs);
    memset(mm, 0, sizeof *mm);
}

/* Adds the members of 'g' on Node 'node' (NODE_NONE: all) to 'mm'. */
static void
member_msgs_add_group(struct member_msgs *mm, const struct group *g,
                      uint32_t node)
{
    MEMBER_SET_FOR_EACH (m, &g->members) {
        if (node == NODE_NONE || m->node == node) {
            member_msgs_add(mm, m);
        }
    }
}

/* Adds the members of array 'members' on Node 'node' (NODE_NONE: all) to
 * 'mm'. */
static void
member_msgs_add_array(struct member_msgs *mm, struct member **members,
                      size_t n, uint32_t node)
{
    for (size_t i = 0; i < n; i++) {
        if (node == NODE_NONE || members[i]->node == node) {
            member_msgs_add(mm, members[i]);
        }
    }
}

/* Returns a new frame holding 'ev'. */
static struct cp_frame *
frame_create(const AntreaCp__WatchEvent *ev)
{
    size_t size = antrea_cp__watch_event__get_packed_size(ev);
    struct cp_frame *frame = xmalloc(sizeof *frame + 4 + size);

    frame->refcount = 1;
    frame->len = 4 + size;
    frame->data[0] = size >> 24;
    frame->data[1] = size >> 16;
    frame->data[2] = size >> 8;
    frame->data[3] = size;
    antrea_cp__watch_event__pack(ev, frame->data + 4);
    return frame;
}

/* Formats 'rv' into 'buf' and returns it. */
static char *
format_rv(uint64_t rv, char buf[24])
{
    snprintf(buf, 24, "%"PRIu64, rv);
    return buf;
}

/* Initialises 'meta' for object 'name' at version 'rv' (in 'rvbuf'). */
static void
meta_init(AntreaCp__ObjectMeta *meta, const char *name, uint64_t rv,
          char rvbuf[24])
{
    antrea_cp__object_meta__init(meta);
    meta->name = CONST_CAST(char *, name);
    meta->uid = CONST_CAST(char *, name);
    meta->resource_version = format_rv(rv, rvbuf);
}

/* The kinds of frames. */
enum frame_kind {
    FRAME_ADDED,                /* the full object (for a Node) */
    FRAME_MODIFIED,             /* full policy or group patch (for a
                                   Node) */
    FRAME_DELETED               /* metadata only */
};

/* What a group mutation changed. */
struct group_change {
    struct member **added;      /* members added (referenced) */
    size_t n_added;             /* elements in 'added' */
    size_t allocated_added;     /* capacity of 'added' */
    struct member **removed;    /* members removed (referenced) */
    size_t n_removed;           /* elements in 'removed' */
    size_t allocated_removed;   /* capacity of 'removed' */
};

/* Encodes a message of group resource 'res' into 'ev' with 'mm', or
 * the patch with 'added' and 'removed'. */
static struct cp_frame *
group_frame(enum cp_resource res, const struct group *g,
            const struct group_change *change, enum frame_kind kind,
            uint32_t node, uint64_t rv)
{
    AntreaCp__WatchEvent ev = ANTREA_CP__WATCH_EVENT__INIT;
    AntreaCp__ObjectMeta meta;
    AntreaCp__AddressGroup ag = ANTREA_CP__ADDRESS_GROUP__INIT;
    AntreaCp__AddressGroupPatch agp = ANTREA_CP__ADDRESS_GROUP_PATCH__INIT;
    AntreaCp__AppliedToGroup atg = ANTREA_CP__APPLIED_TO_GROUP__INIT;
    AntreaCp__AppliedToGroupPatch atgp
        = ANTREA_CP__APPLIED_TO_GROUP_PATCH__INIT;
    struct member_msgs full = { 0 }, added = { 0 }, removed = { 0 };
    char rvbuf[24], evrv[24];
    bool is_ag = res == CP_RESOURCE_ADDRESS_GROUPS;

    meta_init(&meta, g->name, rv, rvbuf);
    ev.resource_version = format_rv(rv, evrv);
    if (kind == FRAME_MODIFIED) {
        member_msgs_add_array(&added, change->added, change->n_added, node);
        member_msgs_add_array(&removed, change->removed, change->n_removed,
                              node);
        if (!added.n && !removed.n) {
            return NULL;
        }
        ev.type = ANTREA_CP__EVENT_TYPE__MODIFIED;
        if (is_ag) {
            agp.metadata = &meta;
            agp.n_added_group_members = added.n;
            agp.added_group_members = added.ptrs;
            agp.n_removed_group_members = removed.n;
            agp.removed_group_members = removed.ptrs;
            ev.object_case
                = ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP_PATCH;
            ev.address_group_patch = &agp;
        } else {
            atgp.metadata = &meta;
            atgp.n_added_group_members = added.n;
            atgp.added_group_members = added.ptrs;
            atgp.n_removed_group_members = removed.n;
            atgp.removed_group_members = removed.ptrs;
            ev.object_case
                = ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP_PATCH;
            ev.applied_to_group_patch = &atgp;
        }
    } else {
        if (kind == FRAME_ADDED) {
            ev.type = ANTREA_CP__EVENT_TYPE__ADDED;
            member_msgs_add_group(&full, g, is_ag ? NODE_NONE : node);
        } else {
            ev.type = ANTREA_CP__EVENT_TYPE__DELETED;
        }
        if (is_ag) {
            ag.metadata = &meta;
            ag.n_group_members = full.n;
            ag.group_members = full.ptrs;
            ev.object_case = ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP;
            ev.address_group = &ag;
        } else {
            atg.metadata = &meta;
            atg.n_group_members = full.n;
            atg.group_members = full.ptrs;
            ev.object_case = ANTREA_CP__WATCH_EVENT__OBJECT_APPLIED_TO_GROUP;
            ev.applied_to_group = &atg;
        }
    }

    struct cp_frame *frame = frame_create(&ev);
    member_msgs_destroy(&full);
    member_msgs_destroy(&added);
    member_msgs_destroy(&removed);
    return frame;
}

/* The tag byte of length-delimited field 'FIELD' (1..15). */
#define FIELD_TAG(FIELD) ((uint8_t) ((FIELD) << 3 | 2))

/* Returns the size of 'v' as a protobuf varint. */
static size_t
varint_size(uint64_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Writes 'v' as a varint at 'p'; returns the byte after it. */
static uint8_t *
put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (v & 0x7f) | 0x80;
        v >>= 7;
    }
    *p++ = v;
    return p;
}

/* Returns the size of the ObjectMeta of 'p' with resource_version 'rv'. */
static size_t
policy_meta_size(const struct policy *p, const char *rv)
{
    size_t rv_len = strlen(rv);

    return p->meta_len + 1 + varint_size(rv_len) + rv_len;
}

/* Returns the size of NetworkPolicy 'p' encoded with resource_version
 * 'rv'. */
static size_t
policy_encoded_size(const struct policy *p, const char *rv)
{
    size_t meta = policy_meta_size(p, rv);

    return 1 + varint_size(meta) + meta + p->rest_len;
}

/* Writes NetworkPolicy 'p' with resource_version 'rv' at 'q'
 * (policy_encoded_size() bytes); returns the byte after it. */
static uint8_t *
policy_encode(const struct policy *p, const char *rv, uint8_t *q)
{
    size_t rv_len = strlen(rv);

    /* metadata = 1: ObjectMeta, resource_version = 4 appended. */
    *q++ = FIELD_TAG(1);
    q = put_varint(q, policy_meta_size(p, rv));
    memcpy(q, p->bytes, p->meta_len);
    q += p->meta_len;
    *q++ = FIELD_TAG(4);
    q = put_varint(q, rv_len);
    memcpy(q, rv, rv_len);
    q += rv_len;
    memcpy(q, p->bytes + p->meta_len, p->rest_len);
    return q + p->rest_len;
}

/* Returns a frame for policy 'p' of 'kind' (ADDED and MODIFIED carry the
 * full policy). */
static struct cp_frame *
policy_frame(const struct policy *p, enum frame_kind kind)
{
    AntreaCp__WatchEvent ev = ANTREA_CP__WATCH_EVENT__INIT;
    AntreaCp__NetworkPolicy np = ANTREA_CP__NETWORK_POLICY__INIT;
    AntreaCp__ObjectMeta meta;
    char rvbuf[24], evrv[24];

    ev.resource_version = format_rv(p->rv, evrv);
    ev.object_case = ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY;
    if (kind == FRAME_DELETED) {
        ev.type = ANTREA_CP__EVENT_TYPE__DELETED;
        meta_init(&meta, p->name, p->rv, rvbuf);
        np.metadata = &meta;
        ev.network_policy = &np;
        return frame_create(&ev);
    }

    /* The event without its object, then the policy as field
     * 'network_policy' (fields may come in any order; this is the order
     * protobuf-c itself writes). */
    ev.type = (kind == FRAME_ADDED ? ANTREA_CP__EVENT_TYPE__ADDED
               : ANTREA_CP__EVENT_TYPE__MODIFIED);
    ev.object_case = ANTREA_CP__WATCH_EVENT__OBJECT__NOT_SET;
    size_t ev_len = antrea_cp__watch_event__get_packed_size(&ev);
    size_t np_len = policy_encoded_size(p, evrv);
    size_t size = ev_len + 1 + varint_size(np_len) + np_len;
    struct cp_frame *frame = xmalloc(sizeof *frame + 4 + size);
    frame->refcount = 1;
    frame->len = 4 + size;
    frame->data[0] = size >> 24;
    frame->data[1] = size >> 16;
    frame->data[2] = size >> 8;
    frame->data[3] = size;
    uint8_t *q = frame->data + 4;
    q += antrea_cp__watch_event__pack(&ev, q);
    *q++ = FIELD_TAG(ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY);
    q = put_varint(q, np_len);
    policy_encode(p, evrv, q);
    return frame;
}

/* Watches and dispatch. */

/* Returns the head of the list of watchers of 'res' on 'node' (NULL:
 * Node-less watchers). */
static struct cp_watch **
watch_list(struct cp_store *store, enum cp_resource res, struct node *node)
{
    return node ? &node->watches[res] : &store->all_watches[res];
}

/* Unlinks 'w' from its list. */
static void
watch_unlink(struct cp_watch *w)
{
    struct cp_watch **head = watch_list(w->store, w->resource, w->node);

    if (w->prev) {
        w->prev->next = w->next;
    } else {
        *head = w->next;
    }
    if (w->next) {
        w->next->prev = w->prev;
    }
    w->prev = w->next = NULL;
}

/* Takes 'w' out of service; it is freed when no dispatch runs. */
static void
watch_kill(struct cp_watch *w)
{
    struct cp_store *store = w->store;

    w->dead = true;
    store->n_watches--;
    if (store->n_dead >= store->allocated_dead) {
        store->dead = x2nrealloc(store->dead, &store->allocated_dead,
                                 sizeof *store->dead);
    }
    store->dead[store->n_dead++] = w;
}

/* Frees the watches killed during a dispatch, if none runs any more. */
static void
store_reap(struct cp_store *store)
{
    if (store->busy) {
        return;
    }
    for (size_t i = 0; i < store->n_dead; i++) {
        watch_unlink(store->dead[i]);
        free(store->dead[i]);
    }
    store->n_dead = 0;
}

/* Gives 'frame' to 'w'; ends the watch if it refuses.  Returns false if
 * the watch is (now) dead. */
static bool
watch_send(struct cp_watch *w, struct cp_frame *frame)
{
    if (w->dead) {
        return false;
    }
    if (!w->deliver(frame, w->aux)) {
        watch_kill(w);
        if (w->ended) {
            w->ended(w->aux);
        }
        return false;
    }
    return true;
}

/* Sends 'frame' to every live watcher in list 'w'. */
static void
watch_list_send(struct cp_watch *w, struct cp_frame *frame)
{
    for (; w; w = w->next) {
        watch_send(w, frame);
    }
}

/* What one mutation of one object looks like, for dispatch. */
struct dispatch {
    enum cp_resource res;       /* the object's resource */
    const struct group *group;  /* the group, or NULL */
    const struct group_change *change; /* the group's change */
    const struct policy *policy; /* the policy, or NULL */
    bool prev_exists;           /* the object existed before */
    bool curr_exists;           /* the object exists after */
    bool modified;              /* the content changed */
    const struct span *prev_span; /* its span before */
    const struct span *curr_span; /* its span after */
    uint64_t rv;                /* the version of the change */
    struct cp_frame *frames[3]; /* cache, per frame_kind, of frames that do
                                   not depend on the Node */
};

/* Returns (a borrowed pointer to) the frame of 'kind' for Node 'node'
 * (NODE_NONE: the whole object), or NULL if there is nothing to send. */
static struct cp_frame *
dispatch_frame(struct dispatch *d, enum frame_kind kind, uint32_t node,
               struct cp_frame **per_node)
{
    bool node_dependent = (d->res == CP_RESOURCE_APPLIED_TO_GROUPS
                           && kind != FRAME_DELETED && node != NODE_NONE);
    struct cp_frame **slot = node_dependent ? &per_node[kind]
                                            : &d->frames[kind];

    if (!*slot) {
        if (d->policy) {
            *slot = policy_frame(d->policy, kind);
        } else {
            *slot = group_frame(d->res, d->group, d->change, kind,
                                node_dependent ? node : NODE_NONE, d->rv);
        }
    }
    return *slot;
}

/* Sends what 'd' means to watchers in list 'w' for Node 'node'
 * (NODE_NONE: Node-less watchers), given the object's selection before
 * and after. */
static void
dispatch_to(struct dispatch *d, struct cp_watch *w, uint32_t node,
            bool prev_sel, bool curr_sel)
{
    struct cp_frame *per_node[3] = { NULL, NULL, NULL };
    struct cp_frame *frame = NULL;

    if (!w || (!prev_sel && !curr_sel)) {
        return;
    }
    if (!prev_sel) {
        frame = dispatch_frame(d, FRAME_ADDED, node, per_node);
    } else if (!curr_sel) {
        frame = dispatch_frame(d, FRAME_DELETED, node, per_node);
    } else if (d->modified) {
        frame = dispatch_frame(d, FRAME_MODIFIED, node, per_node);
    }
    if (frame) {
        watch_list_send(w, frame);
    }
    for (int i = 0; i < 3; i++) {
        cp_frame_unref(per_node[i]);
    }
}

/* Sends the events of mutation 'd' to the watchers concerned. */
static void
dispatch_run(struct cp_store *store, struct dispatch *d)
{
    const struct span *a = d->prev_span, *b = d->curr_span;
    size_t i = 0, j = 0;

    store->busy++;
    dispatch_to(d, store->all_watches[d->res], NODE_NONE, d->prev_exists,
                d->curr_exists);
    while (i < a->n || j < b->n) {
        uint32_t id;
        bool in_a = false, in_b = false;
        if (j >= b->n || (i < a->n && a->ids[i] < b->ids[j])) {
            id = a->ids[i++];
            in_a = true;
        } else if (i >= a->n || b->ids[j] < a->ids[i]) {
            id = b->ids[j++];
            in_b = true;
        } else {
            id = a->ids[i++];
            j++;
            in_a = in_b = true;
        }
        dispatch_to(d, store->nodes[id]->watches[d->res], id,
                    in_a && d->prev_exists, in_b && d->curr_exists);
    }
    for (int k = 0; k < 3; k++) {
        cp_frame_unref(d->frames[k]);
        d->frames[k] = NULL;
    }
    store->busy--;
    store_reap(store);
}

/* Store. */

struct cp_store *
cp_store_create(void)
{
    struct cp_store *store = xcalloc(1, sizeof *store);

    for (int i = 0; i < CP_N_RESOURCES; i++) {
        str_map_init(&store->objects[i]);
    }
    str_map_init(&store->node_by_name);
    hmap_init(&store->pod_refs);
    return store;
}

/* Frees group 'g' and drops its members. */
static void
group_free(struct cp_store *store, struct group *g)
{
    MEMBER_SET_FOR_EACH (m, &g->members) {
        member_unref(store, m);
    }
    free(g->members.slots);
    span_destroy(&g->span);
    free(g);
}

/* Frees policy 'p'. */
static void
policy_free(struct policy *p)
{
    span_destroy(&p->span);
    free(p->bytes);
    free(p);
}

void
cp_store_destroy(struct cp_store *store)
{
    if (!store) {
        return;
    }

    store->busy++;
    for (int r = 0; r < CP_N_RESOURCES; r++) {
        for (struct cp_watch *w = store->all_watches[r]; w; w = w->next) {
            if (!w->dead) {
                watch_kill(w);
                if (w->ended) {
                    w->ended(w->aux);
                }
            }
        }
        for (size_t n = 0; n < store->n_nodes; n++) {
            for (struct cp_watch *w = store->nodes[n]->watches[r]; w;
                 w = w->next) {
                if (!w->dead) {
                    watch_kill(w);
                    if (w->ended) {
                        w->ended(w->aux);
                    }
                }
            }
        }
    }
    store->busy--;
    store_reap(store);
    free(store->dead);

    for (int r = 0; r < CP_N_RESOURCES; r++) {
        STR_MAP_FOR_EACH (slot, &store->objects[r]) {
            if (r == CP_RESOURCE_NETWORK_POLICIES) {
                policy_free(slot->value);
            } else {
                group_free(store, slot->value);
            }
        }
        str_map_destroy(&store->objects[r]);
    }
    hmap_destroy(&store->pod_refs);
    for (size_t n = 0; n < store->n_nodes; n++) {
        free(store->nodes[n]->name);
        free(store->nodes[n]);
    }
    free(store->nodes);
    str_map_destroy(&store->node_by_name);
    free(store);
}

uint64_t
cp_store_resource_version(const struct cp_store *store)
{
    return store->rv;
}

size_t
cp_store_count(const struct cp_store *store, enum cp_resource res)
{
    return res < CP_N_RESOURCES ? str_map_count(&store->objects[res]) : 0;
}

size_t
cp_store_n_watches(const struct cp_store *store)
{
    return store->n_watches;
}

bool
cp_store_contains(const struct cp_store *store, enum cp_resource res,
                  const char *name)
{
    return res < CP_N_RESOURCES && str_map_get(&store->objects[res], name);
}

/* Returns the span of object 'obj' of 'res'. */
static const struct span *
object_span(enum cp_resource res, const void *obj)
{
    if (res == CP_RESOURCE_NETWORK_POLICIES) {
        const struct policy *p = obj;
        return &p->span;
    } else {
        const struct group *g = obj;
        return &g->span;
    }
}

bool
cp_store_span_has(const struct cp_store *store, enum cp_resource res,
                  const char *name, const char *node_name)
{
    const void *obj = cp_store_contains(store, res, name)
                      ? str_map_get(&store->objects[res], name) : NULL;
    const struct node *node = str_map_get(&store->node_by_name, node_name);

    return obj && node && span_has(object_span(res, obj), node->id);
}

size_t
cp_store_span_size(const struct cp_store *store, enum cp_resource res,
                   const char *name)
{
    const void *obj = cp_store_contains(store, res, name)
                      ? str_map_get(&store->objects[res], name) : NULL;

    return obj ? object_span(res, obj)->n : 0;
}

/* Appends 'm' to array '*arrayp' of '*np' elements and capacity
 * '*allocatedp'. */
static void
member_array_push(struct member ***arrayp, size_t *np, size_t *allocatedp,
                  struct member *m)
{
    if (*np >= *allocatedp) {
        *arrayp = x2nrealloc(*arrayp, allocatedp, sizeof **arrayp);
    }
    (*arrayp)[(*np)++] = m;
}

/* Removes from 'change' the members that are both added and removed (a
 * member replaced by an identical one). */
static void
group_change_cancel(struct group_change *change)
{
    if (!change->n_added || !change->n_removed) {
        return;
    }

    struct ptr_set removed = PTR_SET_INITIALIZER;
    struct ptr_set both = PTR_SET_INITIALIZER;
    for (size_t i = 0; i < change->n_removed; i++) {
        ptr_set_add(&removed, change->removed[i]);
    }
    for (size_t i = 0; i < change->n_added; i++) {
        if (ptr_set_contains(&removed, change->added[i])) {
            ptr_set_add(&both, change->added[i]);
        }
    }
    if (ptr_set_count(&both)) {
        /* Each element of 'both' is once in each array (a group holds a
         * member once): drop both.  The caller keeps the full arrays to
         * release the references. */
        size_t k = 0;
        for (size_t i = 0; i < change->n_added; i++) {
            if (!ptr_set_contains(&both, change->added[i])) {
                change->added[k++] = change->added[i];
            }
        }
        change->n_added = k;
        k = 0;
        for (size_t i = 0; i < change->n_removed; i++) {
            if (!ptr_set_contains(&both, change->removed[i])) {
                change->removed[k++] = change->removed[i];
            }
        }
        change->n_removed = k;
    }
    ptr_set_destroy(&removed);
    ptr_set_destroy(&both);
}

void
cp_store_update_group(struct cp_store *store, enum cp_resource res,
                      const char *name, const struct cp_group_update *up)
{
    bool is_atg = res == CP_RESOURCE_APPLIED_TO_GROUPS;
    uint32_t hash = hash_string(name, 0);
    struct group *g = str_map_get_hashed(&store->objects[res], name, hash);
    bool created = !g;

    if (res != CP_RESOURCE_ADDRESS_GROUPS && !is_atg) {
        LOG_ERR("%s is not a group resource", cp_resource_name(res));
        return;
    }
    if (!g) {
        size_t name_len = strlen(name);
        g = xcalloc(1, sizeof *g + name_len + 1);
        memcpy(g->name, name, name_len + 1);
        str_map_put_hashed(&store->objects[res], g->name, hash, g);
    }

    struct span prev_span;
    span_copy(&prev_span, &g->span);

    /* Members: every member removed or added keeps one reference in
     * 'change' until the events are sent. */
    struct group_change change = { 0 };
    for (size_t i = 0; up && i < up->n_removed; i++) {
        const struct cp_member *in = &up->removed[i];
        struct cp_pod_ref *ref = (in->pod_ref ? in->pod_ref
                                  : pod_ref_find(store, in->pod_namespace,
                                                 in->pod_name));
        struct member *m = ref ? member_set_remove(&g->members, ref) : NULL;
        if (m) {
            if (is_atg && m->node != NODE_NONE) {
                span_remove_counted(&g->span, m->node);
            }
            member_array_push(&change.removed, &change.n_removed,
                              &change.allocated_removed, m);
        }
    }
    for (size_t i = 0; up && i < up->n_added; i++) {
        struct member *m = member_intern(store, &up->added[i]);
        struct member *old = member_set_put(&g->members, m);
        if (old == m) {
            member_unref(store, m);
            continue;
        }
        if (old) {
            if (is_atg && old->node != NODE_NONE) {
                span_remove_counted(&g->span, old->node);
            }
            member_array_push(&change.removed, &change.n_removed,
                              &change.allocated_removed, old);
        }
        if (is_atg && m->node != NODE_NONE) {
            span_add(&g->span, m->node, true);
        }
        m->refcount++;
        member_array_push(&change.added, &change.n_added,
                          &change.allocated_added, m);
    }
    size_t n_added_refs = change.n_added, n_removed_refs = change.n_removed;
    struct member **added_refs = change.added;
    struct member **removed_refs = change.removed;
    if (change.n_added && change.n_removed) {
        /* Keep the full arrays for releasing; cancel on copies. */
        change.added = xmalloc(n_added_refs * sizeof *change.added);
        memcpy(change.added, added_refs, n_added_refs * sizeof *added_refs);
        change.removed = xmalloc(n_removed_refs * sizeof *change.removed);
        memcpy(change.removed, removed_refs,
               n_removed_refs * sizeof *removed_refs);
        group_change_cancel(&change);
    }

    if (!is_atg && up && up->set_span) {
        span_set_ids(store, &g->span, up->span, up->n_span);
    }

    bool span_changed = (prev_span.n != g->span.n
                         || (prev_span.n && memcmp(prev_span.ids, g->span.ids,
                                                   prev_span.n
                                                   * sizeof *prev_span.ids)));
    bool modified = change.n_added || change.n_removed;
    if (created || modified || span_changed) {
        g->rv = ++store->rv;
        struct dispatch d = {
            .res = res,
            .group = g,
            .change = &change,
            .prev_exists = !created,
            .curr_exists = true,
            .modified = modified,
            .prev_span = &prev_span,
            .curr_span = &g->span,
            .rv = g->rv,
        };
        dispatch_run(store, &d);
    }

    if (change.added != added_refs) {
        free(change.added);
        free(change.removed);
    }
    for (size_t i = 0; i < n_added_refs; i++) {
        member_unref(store, added_refs[i]);
    }
    for (size_t i = 0; i < n_removed_refs; i++) {
        member_unref(store, removed_refs[i]);
    }
    free(added_refs);
    free(removed_refs);
    span_destroy(&prev_span);
}

bool
cp_store_put_network_policy(struct cp_store *store,
                            const struct AntreaCp__NetworkPolicy *np_in,
                            const uint32_t *span, size_t n_span)
{
    if (!np_in->metadata || !np_in->metadata->name
        || !np_in->metadata->name[0]) {
        LOG_ERR("NetworkPolicy without metadata.name not stored");
        return false;
    }

    /* Encode the metadata without resource_version, then the rest. */
    AntreaCp__ObjectMeta meta = *np_in->metadata;
    AntreaCp__NetworkPolicy rest = *np_in;
    meta.resource_version = NULL;
    rest.metadata = NULL;
    size_t meta_len = antrea_cp__object_meta__get_packed_size(&meta);
    size_t rest_len = antrea_cp__network_policy__get_packed_size(&rest);
    uint8_t *bytes = xmalloc(meta_len + rest_len + 1);
    antrea_cp__object_meta__pack(&meta, bytes);
    antrea_cp__network_policy__pack(&rest, bytes + meta_len);

    struct str_map *policies = &store->objects[CP_RESOURCE_NETWORK_POLICIES];
    uint32_t hash = hash_string(np_in->metadata->name, 0);
    struct policy *p = str_map_get_hashed(policies, np_in->metadata->name,
                                          hash);
    bool created = !p;
    if (!p) {
        size_t name_len = strlen(np_in->metadata->name);
        p = xcalloc(1, sizeof *p + name_len + 1);
        memcpy(p->name, np_in->metadata->name, name_len + 1);
        str_map_put_hashed(policies, p->name, hash, p);
    }
    bool modified = (created || p->meta_len != meta_len
                     || p->rest_len != rest_len
                     || memcmp(p->bytes, bytes, meta_len + rest_len));
    struct span prev_span = p->span;
    memset(&p->span, 0, sizeof p->span);
    span_set_ids(store, &p->span, span, n_span);
    bool span_changed = (prev_span.n != p->span.n
                         || (prev_span.n && memcmp(prev_span.ids, p->span.ids,
                                                   prev_span.n
                                                   * sizeof *prev_span.ids)));

    if (!modified) {
        free(bytes);
        if (!span_changed) {
            span_destroy(&prev_span);
            return true;
        }
    } else {
        free(p->bytes);
        p->bytes = bytes;
        p->meta_len = meta_len;
        p->rest_len = rest_len;
    }
    p->rv = ++store->rv;

    struct dispatch d = {
        .res = CP_RESOURCE_NETWORK_POLICIES,
        .policy = p,
        .prev_exists = !created,
        .curr_exists = true,
        .modified = modified,
        .prev_span = &prev_span,
        .curr_span = &p->span,
        .rv = p->rv,
    };
    dispatch_run(store, &d);
    span_destroy(&prev_span);
    return true;
}

bool
cp_store_delete(struct cp_store *store, enum cp_resource res,
                const char *name)
{
    if (res >= CP_N_RESOURCES) {
        return false;
    }
    void *obj = str_map_remove(&store->objects[res], name);
    if (!obj) {
        return false;
    }

    uint64_t rv = ++store->rv;
    struct span empty = { 0 };
    struct group_change no_change = { 0 };
    struct dispatch d = {
        .res = res,
        .prev_exists = true,
        .curr_exists = false,
        .prev_span = object_span(res, obj),
        .curr_span = &empty,
        .rv = rv,
    };
    if (res == CP_RESOURCE_NETWORK_POLICIES) {
        struct policy *p = obj;
        p->rv = rv;
        d.policy = p;
        dispatch_run(store, &d);
        policy_free(p);
    } else {
        struct group *g = obj;
        g->rv = rv;
        d.group = g;
        d.change = &no_change;
        dispatch_run(store, &d);
        group_free(store, g);
    }
    return true;
}

/* Returns true if object 'obj' of 'res' is selected for 'node' (NULL:
 * all). */
static bool
object_selected(enum cp_resource res, const void *obj,
                const struct node *node)
{
    return !node || span_has(object_span(res, obj), node->id);
}

/* Returns a frame with the ADDED event of 'obj' of 'res' as 'node' sees
 * it. */
static struct cp_frame *
added_frame(enum cp_resource res, const void *obj, const struct node *node)
{
    if (res == CP_RESOURCE_NETWORK_POLICIES) {
        return policy_frame(obj, FRAME_ADDED);
    } else {
        const struct group *g = obj;
        return group_frame(res, g, NULL, FRAME_ADDED,
                           node ? node->id : NODE_NONE, g->rv);
    }
}

struct cp_watch *
cp_store_watch(struct cp_store *store, enum cp_resource res,
               const char *node_name, cp_deliver_func *deliver,
               cp_ended_func *ended, void *aux)
{
    if (res >= CP_N_RESOURCES) {
        return NULL;
    }

    struct cp_watch *w = xcalloc(1, sizeof *w);
    w->store = store;
    w->resource = res;
    w->node = node_name ? node_intern(store, node_name) : NULL;
    w->deliver = deliver;
    w->ended = ended;
    w->aux = aux;
    struct cp_watch **head = watch_list(store, res, w->node);
    w->next = *head;
    if (*head) {
        (*head)->prev = w;
    }
    *head = w;
    store->n_watches++;

    store->busy++;
    bool alive = true;
    STR_MAP_FOR_EACH (slot, &store->objects[res]) {
        if (object_selected(res, slot->value, w->node)) {
            struct cp_frame *frame = added_frame(res, slot->value, w->node);
            alive = watch_send(w, frame);
            cp_frame_unref(frame);
            if (!alive) {
                break;
            }
        }
    }
    if (alive) {
        AntreaCp__WatchEvent ev = ANTREA_CP__WATCH_EVENT__INIT;
        char rvbuf[24];
        ev.type = ANTREA_CP__EVENT_TYPE__BOOKMARK;
        ev.resource_version = format_rv(store->rv, rvbuf);
        struct cp_frame *frame = frame_create(&ev);
        alive = watch_send(w, frame);
        cp_frame_unref(frame);
    }
    store->busy--;
    store_reap(store);
    return alive ? w : NULL;
}

void
cp_watch_cancel(struct cp_watch *w)
{
    if (w && !w->dead) {
        struct cp_store *store = w->store;
        watch_kill(w);
        store_reap(store);
    }
}

/* Fills 'ag' or 'atg' (by 'res') for group 'g' as 'node' sees it, adding
 * the member structs to 'mm'. */
static void
group_msg_fill(enum cp_resource res, const struct group *g,
               const struct node *node, AntreaCp__ObjectMeta *meta,
               char rvbuf[24], struct member_msgs *mm,
               AntreaCp__AddressGroup *ag, AntreaCp__AppliedToGroup *atg)
{
    meta_init(meta, g->name, g->rv, rvbuf);
    member_msgs_add_group(mm, g, (res == CP_RESOURCE_ADDRESS_GROUPS || !node
                                  ? NODE_NONE : node->id));
    if (res == CP_RESOURCE_ADDRESS_GROUPS) {
        antrea_cp__address_group__init(ag);
        ag->metadata = meta;
        ag->n_group_members = mm->n;
        ag->group_members = mm->ptrs;
    } else {
        antrea_cp__applied_to_group__init(atg);
        atg->metadata = meta;
        atg->n_group_members = mm->n;
        atg->group_members = mm->ptrs;
    }
}

uint8_t *
cp_store_list(struct cp_store *store, enum cp_resource res,
              const char *node_name, size_t *lenp)
{
    const struct node *node = NULL;
    bool none = false;
    char list_rv[24];

    *lenp = 0;
    if (res >= CP_N_RESOURCES) {
        return NULL;
    }
    if (node_name) {
        node = str_map_get(&store->node_by_name, node_name);
        none = !node;
    }
    format_rv(store->rv, list_rv);

    size_t n = 0, cap = str_map_count(&store->objects[res]);
    AntreaCp__ListMeta lmeta = ANTREA_CP__LIST_META__INIT;
    lmeta.resource_version = list_rv;
    uint8_t *buf;
    size_t len;

    if (res == CP_RESOURCE_NETWORK_POLICIES) {
        /* The list's metadata, then each item (field 2) encoded from the
         * policy's bytes. */
        AntreaCp__NetworkPolicyList list
            = ANTREA_CP__NETWORK_POLICY_LIST__INIT;
        struct item {
            const struct policy *p; /* the policy */
            char rv[24];        /* its resource_version */
            size_t len;         /* its encoded size */
        } *items = xmalloc((cap + 1) * sizeof *items);
        list.metadata = &lmeta;
        len = antrea_cp__network_policy_list__get_packed_size(&list);
        STR_MAP_FOR_EACH (slot, &store->objects[res]) {
            struct policy *p = slot->value;
            if (!none && object_selected(res, p, node)) {
                struct item *it = &items[n++];
                it->p = p;
                format_rv(p->rv, it->rv);
                it->len = policy_encoded_size(p, it->rv);
                len += 1 + varint_size(it->len) + it->len;
            }
        }
        buf = xmalloc(len ? len : 1);
        uint8_t *q = buf + antrea_cp__network_policy_list__pack(&list, buf);
        for (size_t i = 0; i < n; i++) {
            *q++ = FIELD_TAG(2);
            q = put_varint(q, items[i].len);
            q = policy_encode(items[i].p, items[i].rv, q);
        }
        free(items);
    } else {
        struct item {
            AntreaCp__ObjectMeta meta;
            char rvbuf[24];
            struct member_msgs mm;
            AntreaCp__AddressGroup ag;
            AntreaCp__AppliedToGroup atg;
        } *items = xcalloc(cap + 1, sizeof *items);
        void **ptrs = xmalloc((cap + 1) * sizeof *ptrs);
        STR_MAP_FOR_EACH (slot, &store->objects[res]) {
            struct group *g = slot->value;
            if (!none && object_selected(res, g, node)) {
                struct item *it = &items[n];
                group_msg_fill(res, g, node, &it->meta, it->rvbuf, &it->mm,
                               &it->ag, &it->atg);
                ptrs[n++] = (res == CP_RESOURCE_ADDRESS_GROUPS
                             ? (void *) &it->ag : (void *) &it->atg);
            }
        }
        if (res == CP_RESOURCE_ADDRESS_GROUPS) {
            AntreaCp__AddressGroupList list
                = ANTREA_CP__ADDRESS_GROUP_LIST__INIT;
            list.metadata = &lmeta;
            list.n_items = n;
            list.items = (AntreaCp__AddressGroup **) ptrs;
            len = antrea_cp__address_group_list__get_packed_size(&list);
            buf = xmalloc(len ? len : 1);
            antrea_cp__address_group_list__pack(&list, buf);
        } else {
            AntreaCp__AppliedToGroupList list
                = ANTREA_CP__APPLIED_TO_GROUP_LIST__INIT;
            list.metadata = &lmeta;
            list.n_items = n;
            list.items = (AntreaCp__AppliedToGroup **) ptrs;
            len = antrea_cp__applied_to_group_list__get_packed_size(&list);
            buf = xmalloc(len ? len : 1);
            antrea_cp__applied_to_group_list__pack(&list, buf);
        }
        for (size_t i = 0; i < n; i++) {
            member_msgs_destroy(&items[i].mm);
        }
        free(items);
        free(ptrs);
    }
    *lenp = len;
    return buf;
}

uint8_t *
cp_store_get(struct cp_store *store, enum cp_resource res, const char *name,
             const char *node_name, size_t *lenp)
{
    const struct node *node = NULL;
    void *obj;

    *lenp = 0;
    if (res >= CP_N_RESOURCES
        || !(obj = str_map_get(&store->objects[res], name))) {
        return NULL;
    }
    if (node_name) {
        node = str_map_get(&store->node_by_name, node_name);
        if (!node) {
            return NULL;
        }
    }
    if (!object_selected(res, obj, node)) {
        return NULL;
    }

    uint8_t *buf;
    size_t len;
    if (res == CP_RESOURCE_NETWORK_POLICIES) {
        struct policy *p = obj;
        char rv[24];
        format_rv(p->rv, rv);
        len = policy_encoded_size(p, rv);
        buf = xmalloc(len);
        policy_encode(p, rv, buf);
    } else {
        AntreaCp__ObjectMeta meta;
        char rvbuf[24];
        struct member_msgs mm = { 0 };
        AntreaCp__AddressGroup ag;
        AntreaCp__AppliedToGroup atg;
        group_msg_fill(res, obj, node, &meta, rvbuf, &mm, &ag, &atg);
        if (res == CP_RESOURCE_ADDRESS_GROUPS) {
            len = antrea_cp__address_group__get_packed_size(&ag);
            buf = xmalloc(len ? len : 1);
            antrea_cp__address_group__pack(&ag, buf);
        } else {
            len = antrea_cp__applied_to_group__get_packed_size(&atg);
            buf = xmalloc(len ? len : 1);
            antrea_cp__applied_to_group__pack(&atg, buf);
        }
        member_msgs_destroy(&mm);
    }
    *lenp = len;
    return buf;
}
