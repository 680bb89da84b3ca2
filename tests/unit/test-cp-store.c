/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the control-plane store (core/controller/cp-store.c):
 * per-Node selection, ADDED/MODIFIED/DELETED generation, group patches,
 * AppliedToGroup members per Node, shared frames, lists, ended watches.
 * Every frame a test watcher receives is decoded with protoc-c's code.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane.pb-c.h"
#include "cp-store.h"

/* What a test watcher received. */
struct recorder {
    AntreaCp__WatchEvent *events[64]; /* decoded events */
    const struct cp_frame *frames[64]; /* the frames, for identity */
    size_t n;                   /* events received */
    size_t limit;               /* refuse frames beyond this many (0: no
                                   limit) */
    int ended;                  /* times 'ended' was called */
};

/* cp_deliver_func for a recorder. */
static bool
record(struct cp_frame *frame, void *aux)
{
    struct recorder *r = aux;

    if (r->limit && r->n >= r->limit) {
        return false;
    }
    cr_assert_lt(r->n, 64);
    uint32_t len = ((uint32_t) frame->data[0] << 24 | frame->data[1] << 16
                    | frame->data[2] << 8 | frame->data[3]);
    cr_assert_eq(len + 4, frame->len, "frame length prefix %u, frame %zu",
                 len, frame->len);
    r->events[r->n] = antrea_cp__watch_event__unpack(NULL, len,
                                                     frame->data + 4);
    cr_assert_not_null(r->events[r->n], "frame does not decode");
    r->frames[r->n++] = frame;
    return true;
}

/* cp_ended_func for a recorder. */
static void
ended(void *aux)
{
    struct recorder *r = aux;

    r->ended++;
}

/* Forgets what 'r' received. */
static void
recorder_clear(struct recorder *r)
{
    for (size_t i = 0; i < r->n; i++) {
        antrea_cp__watch_event__free_unpacked(r->events[i], NULL);
    }
    r->n = 0;
}

/* Returns a member for Pod 'ns'/'name' on 'node' with IPv4 10.0.0.'ip'. */
static struct cp_member
member(const char *ns, const char *name, const char *node, int ip)
{
    struct cp_member m = {
        .pod_namespace = ns, .pod_name = name, .node = node, .n_ips = 1,
    };
    m.ips[0].len = 4;
    m.ips[0].addr[0] = 10;
    m.ips[0].addr[3] = ip;
    return m;
}

/* Returns true if 'members' holds Pod 'ns'/'name'. */
static bool
has_pod(AntreaCp__GroupMember **members, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(members[i]->pod->name, name)) {
            return true;
        }
    }
    return false;
}

/* Applies 'n_added' members and 'n_removed' removals to group 'name'. */
static void
update(struct cp_store *s, enum cp_resource res, const char *name,
       const struct cp_member *added, size_t n_added,
       const struct cp_member *removed, size_t n_removed)
{
    struct cp_group_update up = {
        .added = added, .n_added = n_added,
        .removed = removed, .n_removed = n_removed,
    };
    cp_store_update_group(s, res, name, &up);
}

Test(cp_store, empty_watch_gets_bookmark)
{
    struct cp_store *s = cp_store_create();
    struct recorder r = { 0 };
    struct cp_watch *w = cp_store_watch(s, CP_RESOURCE_ADDRESS_GROUPS, "n1",
                                        record, ended, &r);

    cr_assert_not_null(w);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.events[0]->type, ANTREA_CP__EVENT_TYPE__BOOKMARK);
    cr_assert_eq(cp_store_n_watches(s), 1);
    cp_watch_cancel(w);
    cr_assert_eq(cp_store_n_watches(s), 0);
    cr_assert_eq(r.ended, 0);
    recorder_clear(&r);
    cp_store_destroy(s);
}

Test(cp_store, applied_to_group_members_per_node)
{
    struct cp_store *s = cp_store_create();
    struct recorder r1 = { 0 }, r2 = { 0 }, all = { 0 };
    enum cp_resource atg = CP_RESOURCE_APPLIED_TO_GROUPS;

    struct cp_member m[] = {
        member("ns", "a", "n1", 1),
        member("ns", "b", "n2", 2),
    };
    update(s, atg, "g1", m, 2, NULL, 0);
    cr_assert(cp_store_span_has(s, atg, "g1", "n1"));
    cr_assert(cp_store_span_has(s, atg, "g1", "n2"));
    cr_assert_eq(cp_store_span_size(s, atg, "g1"), 2);

    cr_assert_not_null(cp_store_watch(s, atg, "n1", record, ended, &r1));
    cr_assert_not_null(cp_store_watch(s, atg, "n2", record, ended, &r2));
    cr_assert_not_null(cp_store_watch(s, atg, NULL, record, ended, &all));

    /* Initial: each Node sees its own member only. */
    cr_assert_eq(r1.n, 2);
    cr_assert_eq(r1.events[0]->type, ANTREA_CP__EVENT_TYPE__ADDED);
    AntreaCp__AppliedToGroup *g = r1.events[0]->applied_to_group;
    cr_assert_str_eq(g->metadata->name, "g1");
    cr_assert_eq(g->n_group_members, 1);
    cr_assert_str_eq(g->group_members[0]->pod->name, "a");
    cr_assert_eq(r1.events[1]->type, ANTREA_CP__EVENT_TYPE__BOOKMARK);
    cr_assert_eq(r2.events[0]->applied_to_group->n_group_members, 1);
    cr_assert_str_eq(r2.events[0]->applied_to_group->group_members[0]
                     ->pod->name, "b");
    cr_assert_eq(all.events[0]->applied_to_group->n_group_members, 2);
    recorder_clear(&r1);
    recorder_clear(&r2);
    recorder_clear(&all);

    /* A new member on n1: a patch for n1, nothing for n2. */
    struct cp_member c = member("ns", "c", "n1", 3);
    update(s, atg, "g1", &c, 1, NULL, 0);
    cr_assert_eq(r1.n, 1);
    cr_assert_eq(r1.events[0]->type, ANTREA_CP__EVENT_TYPE__MODIFIED);
    AntreaCp__AppliedToGroupPatch *p = r1.events[0]->applied_to_group_patch;
    cr_assert_not_null(p);
    cr_assert_eq(p->n_added_group_members, 1);
    cr_assert_str_eq(p->added_group_members[0]->pod->name, "c");
    cr_assert_eq(p->n_removed_group_members, 0);
    cr_assert_eq(r2.n, 0);
    cr_assert_eq(all.n, 1);
    recorder_clear(&r1);
    recorder_clear(&all);

    /* The only member on n2 leaves: DELETED for n2. */
    update(s, atg, "g1", NULL, 0, &m[1], 1);
    cr_assert_eq(r2.n, 1);
    cr_assert_eq(r2.events[0]->type, ANTREA_CP__EVENT_TYPE__DELETED);
    cr_assert_str_eq(r2.events[0]->applied_to_group->metadata->name, "g1");
    cr_assert_eq(r1.n, 0);
    cr_assert(!cp_store_span_has(s, atg, "g1", "n2"));
    recorder_clear(&r2);
    recorder_clear(&all);

    /* Pod a moves from n1 to n2: n1 gets a removal, n2 ADDED with a. */
    struct cp_member moved = member("ns", "a", "n2", 1);
    update(s, atg, "g1", &moved, 1, NULL, 0);
    cr_assert_eq(r1.n, 1);
    p = r1.events[0]->applied_to_group_patch;
    cr_assert_not_null(p);
    cr_assert_eq(p->n_added_group_members, 0);
    cr_assert_eq(p->n_removed_group_members, 1);
    cr_assert_str_eq(p->removed_group_members[0]->pod->name, "a");
    cr_assert_eq(r2.n, 1);
    cr_assert_eq(r2.events[0]->type, ANTREA_CP__EVENT_TYPE__ADDED);
    g = r2.events[0]->applied_to_group;
    cr_assert_eq(g->n_group_members, 1);
    cr_assert_str_eq(g->group_members[0]->pod->name, "a");
    recorder_clear(&r1);
    recorder_clear(&r2);
    recorder_clear(&all);

    cp_store_destroy(s);
    cr_assert_eq(r1.ended, 1);
    cr_assert_eq(r2.ended, 1);
    cr_assert_eq(all.ended, 1);
}

Test(cp_store, address_group_span_and_patches)
{
    struct cp_store *s = cp_store_create();
    struct recorder r1 = { 0 }, r1b = { 0 }, r2 = { 0 };
    enum cp_resource ag = CP_RESOURCE_ADDRESS_GROUPS;
    uint32_t span1[] = { cp_store_node_id(s, "n1"),
                         cp_store_node_id(s, "n1") };
    uint32_t span2[] = { cp_store_node_id(s, "n2") };

    cr_assert_not_null(cp_store_watch(s, ag, "n1", record, ended, &r1));
    cr_assert_not_null(cp_store_watch(s, ag, "n1", record, ended, &r1b));
    cr_assert_not_null(cp_store_watch(s, ag, "n2", record, ended, &r2));
    recorder_clear(&r1);
    recorder_clear(&r1b);
    recorder_clear(&r2);

    /* A group with no span reaches nobody. */
    struct cp_member m[] = {
        member("x", "a", "n7", 1),
        member("y", "b", "n8", 2),
    };
    update(s, ag, "ag1", m, 2, NULL, 0);
    cr_assert_eq(r1.n + r2.n, 0);
    uint64_t rv1 = cp_store_resource_version(s);
    cr_assert_gt(rv1, 0);

    /* Span {n1}: n1 gets ADDED with every member (not only n1's), and both
     * n1 watchers get the very same frame. */
    struct cp_group_update up = { .set_span = true, .span = span1,
                                  .n_span = 2 };
    cp_store_update_group(s, ag, "ag1", &up);
    cr_assert_gt(cp_store_resource_version(s), rv1);
    cr_assert_eq(cp_store_span_size(s, ag, "ag1"), 1);
    cr_assert_str_eq(cp_store_node_name(s, span1[0]), "n1");
    cr_assert_eq(r1.n, 1);
    cr_assert_eq(r1.events[0]->type, ANTREA_CP__EVENT_TYPE__ADDED);
    AntreaCp__AddressGroup *g = r1.events[0]->address_group;
    cr_assert_eq(g->n_group_members, 2);
    cr_assert(has_pod(g->group_members, 2, "a"));
    cr_assert(has_pod(g->group_members, 2, "b"));
    cr_assert_eq(g->group_members[0]->n_ips, 1);
    cr_assert_eq(g->group_members[0]->ips[0].len, 4);
    cr_assert_eq(r1b.n, 1);
    cr_assert_eq(r1.frames[0], r1b.frames[0], "frame not shared");
    cr_assert_eq(r2.n, 0);
    recorder_clear(&r1);
    recorder_clear(&r1b);

    /* A's IP changes: one patch removing the old and adding the new. */
    struct cp_member a2 = member("x", "a", "n7", 9);
    update(s, ag, "ag1", &a2, 1, NULL, 0);
    cr_assert_eq(r1.n, 1);
    AntreaCp__AddressGroupPatch *p = r1.events[0]->address_group_patch;
    cr_assert_not_null(p);
    cr_assert_eq(p->n_added_group_members, 1);
    cr_assert_eq(p->added_group_members[0]->ips[0].data[3], 9);
    cr_assert_eq(p->n_removed_group_members, 1);
    cr_assert_eq(p->removed_group_members[0]->ips[0].data[3], 1);
    recorder_clear(&r1);
    recorder_clear(&r1b);

    /* The same member again, or removed and re-added unchanged: no
     * event. */
    update(s, ag, "ag1", &a2, 1, &a2, 1);
    update(s, ag, "ag1", &a2, 1, NULL, 0);
    cr_assert_eq(r1.n, 0);

    /* Span {n2}: DELETED for n1, ADDED for n2. */
    up.span = span2;
    up.n_span = 1;
    cp_store_update_group(s, ag, "ag1", &up);
    cr_assert_eq(r1.n, 1);
    cr_assert_eq(r1.events[0]->type, ANTREA_CP__EVENT_TYPE__DELETED);
    cr_assert_eq(r2.n, 1);
    cr_assert_eq(r2.events[0]->type, ANTREA_CP__EVENT_TYPE__ADDED);
    recorder_clear(&r1);
    recorder_clear(&r1b);
    recorder_clear(&r2);

    /* Deleting the group: DELETED for n2 only. */
    cr_assert(cp_store_delete(s, ag, "ag1"));
    cr_assert(!cp_store_delete(s, ag, "ag1"));
    cr_assert_eq(r1.n, 0);
    cr_assert_eq(r2.n, 1);
    cr_assert_eq(r2.events[0]->type, ANTREA_CP__EVENT_TYPE__DELETED);
    cr_assert_eq(cp_store_count(s, ag), 0);
    recorder_clear(&r2);
    cp_store_destroy(s);
}

/* Fills 'np' (with 'meta', 'rule') as policy 'name' with one IN rule of
 * priority 'prio'. */
static void
make_policy(AntreaCp__NetworkPolicy *np, AntreaCp__ObjectMeta *meta,
            AntreaCp__NetworkPolicyRule *rule,
            AntreaCp__NetworkPolicyRule **rules, const char *name, int prio)
{
    antrea_cp__network_policy__init(np);
    antrea_cp__object_meta__init(meta);
    antrea_cp__network_policy_rule__init(rule);
    meta->name = (char *) name;
    rule->direction = ANTREA_CP__DIRECTION__IN;
    rule->priority = prio;
    rules[0] = rule;
    np->metadata = meta;
    np->n_rules = 1;
    np->rules = rules;
}

Test(cp_store, network_policy_events)
{
    struct cp_store *s = cp_store_create();
    struct recorder r1 = { 0 }, r2 = { 0 };
    enum cp_resource npr = CP_RESOURCE_NETWORK_POLICIES;
    AntreaCp__NetworkPolicy np;
    AntreaCp__ObjectMeta meta;
    AntreaCp__NetworkPolicyRule rule, *rules[1];
    uint32_t n1[] = { cp_store_node_id(s, "n1") };
    uint32_t n12[] = { cp_store_node_id(s, "n2"), cp_store_node_id(s, "n1") };

    cr_assert_not_null(cp_store_watch(s, npr, "n1", record, ended, &r1));
    cr_assert_not_null(cp_store_watch(s, npr, "n2", record, ended, &r2));
    recorder_clear(&r1);
    recorder_clear(&r2);

    make_policy(&np, &meta, &rule, rules, "uid-1", 0);
    cr_assert(cp_store_put_network_policy(s, &np, n1, 1));
    cr_assert_eq(r1.n, 1);
    cr_assert_eq(r1.events[0]->type, ANTREA_CP__EVENT_TYPE__ADDED);
    AntreaCp__NetworkPolicy *got = r1.events[0]->network_policy;
    cr_assert_str_eq(got->metadata->name, "uid-1");
    cr_assert_str_eq(got->metadata->resource_version,
                     r1.events[0]->resource_version);
    cr_assert_eq(got->n_rules, 1);
    cr_assert_eq(r2.n, 0);
    recorder_clear(&r1);

    /* Same content, same span: nothing. */
    cr_assert(cp_store_put_network_policy(s, &np, n1, 1));
    cr_assert_eq(r1.n, 0);

    /* Span grows: ADDED for n2 only. */
    cr_assert(cp_store_put_network_policy(s, &np, n12, 2));
    cr_assert_eq(r1.n, 0);
    cr_assert_eq(r2.n, 1);
    cr_assert_eq(r2.events[0]->type, ANTREA_CP__EVENT_TYPE__ADDED);
    recorder_clear(&r2);

    /* Content changes: MODIFIED with the full policy for both. */
    rule.priority = 7;
    cr_assert(cp_store_put_network_policy(s, &np, n12, 2));
    cr_assert_eq(r1.n, 1);
    cr_assert_eq(r1.events[0]->type, ANTREA_CP__EVENT_TYPE__MODIFIED);
    cr_assert_eq(r1.events[0]->network_policy->rules[0]->priority, 7);
    cr_assert_eq(r2.n, 1);
    cr_assert_eq(r1.frames[0], r2.frames[0], "frame not shared");
    recorder_clear(&r1);
    recorder_clear(&r2);

    /* List and get, filtered by Node. */
    size_t len;
    uint8_t *buf = cp_store_list(s, npr, "n2", &len);
    AntreaCp__NetworkPolicyList *list
        = antrea_cp__network_policy_list__unpack(NULL, len, buf);
    cr_assert_not_null(list);
    cr_assert_eq(list->n_items, 1);
    antrea_cp__network_policy_list__free_unpacked(list, NULL);
    free(buf);
    buf = cp_store_list(s, npr, "n9", &len);
    list = antrea_cp__network_policy_list__unpack(NULL, len, buf);
    cr_assert_not_null(list);
    cr_assert_eq(list->n_items, 0);
    antrea_cp__network_policy_list__free_unpacked(list, NULL);
    free(buf);
    buf = cp_store_get(s, npr, "uid-1", "n1", &len);
    cr_assert_not_null(buf);
    free(buf);
    cr_assert_null(cp_store_get(s, npr, "uid-1", "n9", &len));
    cr_assert_null(cp_store_get(s, npr, "nope", NULL, &len));

    /* Nameless policy refused. */
    meta.name = (char *) "";
    cr_assert(!cp_store_put_network_policy(s, &np, n1, 1));
    cr_assert_eq(cp_store_count(s, npr), 1);

    /* Delete: DELETED to both. */
    cr_assert(cp_store_delete(s, npr, "uid-1"));
    cr_assert_eq(r1.n, 1);
    cr_assert_eq(r1.events[0]->type, ANTREA_CP__EVENT_TYPE__DELETED);
    cr_assert_eq(r2.n, 1);
    recorder_clear(&r1);
    recorder_clear(&r2);
    cp_store_destroy(s);
}

/* A copy of the last frame a watcher received. */
struct frame_copy {
    uint8_t *data;              /* the frame's bytes, malloc'd */
    size_t len;                 /* their number */
};

/* cp_deliver_func keeping a copy of the frame in a 'struct frame_copy'. */
static bool
copy_frame(struct cp_frame *frame, void *aux)
{
    struct frame_copy *c = aux;

    free(c->data);
    c->data = malloc(frame->len);
    memcpy(c->data, frame->data, frame->len);
    c->len = frame->len;
    return true;
}

/* The store keeps a NetworkPolicy encoded and splices its
 * resource_version in: what it serves must decode to the policy it was
 * given and be the very bytes protobuf-c writes for that message. */
Test(cp_store, network_policy_encoding)
{
    struct cp_store *s = cp_store_create();
    struct recorder r = { 0 };
    struct frame_copy copy = { NULL, 0 };
    enum cp_resource npr = CP_RESOURCE_NETWORK_POLICIES;
    AntreaCp__NetworkPolicy np;
    AntreaCp__ObjectMeta meta;
    AntreaCp__NetworkPolicyRule rule, *rules[1];
    AntreaCp__NetworkPolicyReference ref
        = ANTREA_CP__NETWORK_POLICY_REFERENCE__INIT;
    char *atgs[] = { (char *) "group-a", (char *) "group-b" };
    uint32_t n1[] = { cp_store_node_id(s, "n1") };

    make_policy(&np, &meta, &rule, rules, "uid-7", 3);
    meta.uid = (char *) "uid-7";
    meta.generation = 5;
    meta.resource_version = (char *) "ignored";
    ref.type = ANTREA_CP__NETWORK_POLICY_TYPE__K8S_NETWORK_POLICY;
    ref.namespace_ = (char *) "ns";
    ref.name = (char *) "web";
    np.source_ref = &ref;
    np.n_applied_to_groups = 2;
    np.applied_to_groups = atgs;
    for (int i = 0; i < 200; i++) {
        /* Enough resourceVersions for a longer number. */
        cp_store_update_group(s, CP_RESOURCE_ADDRESS_GROUPS, "g", NULL);
        cp_store_delete(s, CP_RESOURCE_ADDRESS_GROUPS, "g");
    }
    cr_assert_not_null(cp_store_watch(s, npr, "n1", record, ended, &r));
    cr_assert_not_null(cp_store_watch(s, npr, "n1", copy_frame, NULL,
                                      &copy));
    recorder_clear(&r);
    cr_assert(cp_store_put_network_policy(s, &np, n1, 1));
    cr_assert_eq(r.n, 1);

    /* The watch frame. */
    AntreaCp__WatchEvent *ev = r.events[0];
    AntreaCp__NetworkPolicy *got = ev->network_policy;
    cr_assert_not_null(got);
    cr_assert_str_eq(got->metadata->name, "uid-7");
    cr_assert_str_eq(got->metadata->uid, "uid-7");
    cr_assert_eq(got->metadata->generation, 5);
    cr_assert_str_eq(got->metadata->resource_version, "401");
    cr_assert_str_eq(ev->resource_version, "401");
    cr_assert_eq(got->n_rules, 1);
    cr_assert_eq(got->rules[0]->priority, 3);
    cr_assert_eq(got->n_applied_to_groups, 2);
    cr_assert_str_eq(got->applied_to_groups[1], "group-b");
    cr_assert_str_eq(got->source_ref->name, "web");
    size_t ev_len = antrea_cp__watch_event__get_packed_size(ev);
    uint8_t *again = malloc(ev_len);
    antrea_cp__watch_event__pack(ev, again);
    cr_assert_eq(ev_len + 4, copy.len, "repacked %zu, frame %zu", ev_len,
                 copy.len - 4);
    cr_assert(!memcmp(again, copy.data + 4, ev_len),
              "frame differs from protobuf-c's encoding");
    free(again);
    free(copy.data);

    /* Get, then list. */
    size_t len;
    uint8_t *buf = cp_store_get(s, npr, "uid-7", NULL, &len);
    cr_assert_not_null(buf);
    AntreaCp__NetworkPolicy *one
        = antrea_cp__network_policy__unpack(NULL, len, buf);
    cr_assert_not_null(one);
    cr_assert_eq(antrea_cp__network_policy__get_packed_size(one), len);
    again = malloc(len);
    antrea_cp__network_policy__pack(one, again);
    cr_assert(!memcmp(again, buf, len));
    cr_assert_str_eq(one->metadata->resource_version, "401");
    free(again);
    free(buf);
    antrea_cp__network_policy__free_unpacked(one, NULL);

    buf = cp_store_list(s, npr, "n1", &len);
    AntreaCp__NetworkPolicyList *list
        = antrea_cp__network_policy_list__unpack(NULL, len, buf);
    cr_assert_not_null(list);
    cr_assert_eq(list->n_items, 1);
    cr_assert_str_eq(list->metadata->resource_version, "401");
    cr_assert_str_eq(list->items[0]->metadata->resource_version, "401");
    cr_assert_str_eq(list->items[0]->applied_to_groups[0], "group-a");
    cr_assert_eq(antrea_cp__network_policy_list__get_packed_size(list), len);
    again = malloc(len);
    antrea_cp__network_policy_list__pack(list, again);
    cr_assert(!memcmp(again, buf, len));
    free(again);
    free(buf);
    antrea_cp__network_policy_list__free_unpacked(list, NULL);

    recorder_clear(&r);
    cp_store_destroy(s);
}

/* Members given with the store's Pod identity (cp_store_pod_ref()) and
 * members given by namespace and name are the same members. */
Test(cp_store, pod_refs)
{
    struct cp_store *s = cp_store_create();
    struct recorder r = { 0 };
    enum cp_resource agr = CP_RESOURCE_ADDRESS_GROUPS;
    struct cp_pod_ref *ref = cp_store_pod_ref(s, "ns", "a");
    struct cp_member a = member("ns", "a", "n1", 1);
    struct cp_member b = member("ns", "b", "n1", 2);
    uint32_t n1[] = { cp_store_node_id(s, "n1") };

    cr_assert_not_null(cp_store_watch(s, agr, "n1", record, ended, &r));
    recorder_clear(&r);
    a.pod_ref = ref;
    struct cp_member both[] = { a, b };
    struct cp_group_update up = {
        .added = both, .n_added = 2, .set_span = true, .span = n1,
        .n_span = 1,
    };
    cp_store_update_group(s, agr, "g", &up);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.events[0]->address_group->n_group_members, 2);
    recorder_clear(&r);

    /* Re-adding "ns/a" by name with the same content changes nothing. */
    struct cp_member a_by_name = member("ns", "a", "n1", 1);
    struct cp_group_update same = { .added = &a_by_name, .n_added = 1 };
    cp_store_update_group(s, agr, "g", &same);
    cr_assert_eq(r.n, 0);

    /* Removing it by name removes the member added by reference. */
    struct cp_group_update rm = { .removed = &a_by_name, .n_removed = 1 };
    cp_store_update_group(s, agr, "g", &rm);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.events[0]->address_group_patch
                 ->n_removed_group_members, 1);
    cr_assert_str_eq(r.events[0]->address_group_patch
                     ->removed_group_members[0]->pod->name, "a");
    recorder_clear(&r);

    /* The reference outlives the member; removing by reference works. */
    struct cp_group_update readd = { .added = &a, .n_added = 1 };
    cp_store_update_group(s, agr, "g", &readd);
    cr_assert_eq(r.n, 1);
    recorder_clear(&r);
    struct cp_member a_ref = { .pod_ref = ref };
    a_ref.pod_namespace = "other";   /* ignored: the reference wins */
    a_ref.pod_name = "other";
    struct cp_group_update rm_ref = { .removed = &a_ref, .n_removed = 1 };
    cp_store_update_group(s, agr, "g", &rm_ref);
    cr_assert_eq(r.n, 1);
    cr_assert_str_eq(r.events[0]->address_group_patch
                     ->removed_group_members[0]->pod->name, "a");
    recorder_clear(&r);
    cp_store_pod_unref(s, ref);
    cp_store_destroy(s);
}

Test(cp_store, refused_frame_ends_watch)
{
    struct cp_store *s = cp_store_create();
    struct recorder r = { .limit = 1 }, ok = { 0 };
    enum cp_resource ag = CP_RESOURCE_ADDRESS_GROUPS;
    uint32_t span[] = { cp_store_node_id(s, "n1") };
    struct cp_member m = member("ns", "a", "n1", 1);
    struct cp_group_update up = { .added = &m, .n_added = 1,
                                  .set_span = true, .span = span,
                                  .n_span = 1 };

    cp_store_update_group(s, ag, "g", &up);
    /* Two frames in the initial set (ADDED, BOOKMARK); the second is
     * refused. */
    cr_assert_null(cp_store_watch(s, ag, "n1", record, ended, &r));
    cr_assert_eq(r.ended, 1);
    cr_assert_eq(cp_store_n_watches(s), 0);

    r.limit = 3;
    recorder_clear(&r);
    cr_assert_not_null(cp_store_watch(s, ag, "n1", record, ended, &r));
    cr_assert_not_null(cp_store_watch(s, ag, "n1", record, ended, &ok));
    cr_assert_eq(cp_store_n_watches(s), 2);
    struct cp_member b = member("ns", "b", "n1", 2);
    struct cp_member c = member("ns", "c", "n1", 3);
    update(s, ag, "g", &b, 1, NULL, 0);
    update(s, ag, "g", &c, 1, NULL, 0);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.ended, 2);
    cr_assert_eq(ok.n, 4);
    cr_assert_eq(cp_store_n_watches(s), 1);
    recorder_clear(&r);
    recorder_clear(&ok);
    cp_store_destroy(s);
    cr_assert_eq(ok.ended, 1);
}

Test(cp_store, resource_names)
{
    enum cp_resource r;

    cr_assert(cp_resource_from_name("appliedtogroups", &r));
    cr_assert_eq(r, CP_RESOURCE_APPLIED_TO_GROUPS);
    cr_assert_str_eq(cp_resource_name(CP_RESOURCE_NETWORK_POLICIES),
                     "networkpolicies");
    cr_assert(!cp_resource_from_name("pods", &r));
}
