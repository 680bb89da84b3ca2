/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the NetworkPolicy computation (np-compute.c) through the
 * store it writes (cp-store.c): the recorded kube-apiserver objects in
 * /work/shared/fixtures/k8s (directory from $K8S_FIXTURES, else that
 * path), and hand-made cases for each semantic point: policyTypes,
 * isolation, empty peers, named ports, ipBlock, namespaceSelector, shared
 * groups, spans, incremental changes with the events a Node's watcher
 * receives, invalid policies; plus the validation messages of
 * k8s-objects.c and label-selector.c.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane.pb-c.h"
#include "cp-store.h"
#include "k8s-objects.h"
#include "label-selector.h"
#include "np-compute.h"

/* Events a watcher received. */
struct recorder {
    AntreaCp__WatchEvent *events[256]; /* decoded */
    size_t n;                   /* count */
};

/* cp_deliver_func for a recorder. */
static bool
record(struct cp_frame *frame, void *aux)
{
    struct recorder *r = aux;

    cr_assert_lt(r->n, 256);
    r->events[r->n] = antrea_cp__watch_event__unpack(NULL, frame->len - 4,
                                                     frame->data + 4);
    cr_assert_not_null(r->events[r->n]);
    r->n++;
    return true;
}

/* Forgets the events of 'r'. */
static void
recorder_clear(struct recorder *r)
{
    for (size_t i = 0; i < r->n; i++) {
        antrea_cp__watch_event__free_unpacked(r->events[i], NULL);
    }
    r->n = 0;
}

/* Returns the number of events of 'type' in 'r' with an object of
 * 'object_case'. */
static size_t
count_events(const struct recorder *r, AntreaCp__EventType type,
             AntreaCp__WatchEvent__ObjectCase object_case)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n; i++) {
        n += (r->events[i]->type == type
              && r->events[i]->object_case == object_case);
    }
    return n;
}

/* The last invalid-policy report. */
static char last_invalid[512];
static int n_invalid;

/* np_invalid_func recording the report. */
static void
on_invalid(const char *ns, const char *name, const char *error, void *aux)
{
    (void) aux;
    snprintf(last_invalid, sizeof last_invalid, "%s/%s: %s", ns, name,
             error);
    n_invalid++;
}

/* A store and an engine. */
struct fixture {
    struct cp_store *store;     /* the store */
    struct np_engine *e;        /* the engine */
};

/* Creates the store and the engine. */
static void
fixture_init(struct fixture *f)
{
    f->store = cp_store_create();
    f->e = np_engine_create(f->store, on_invalid, NULL);
    n_invalid = 0;
    last_invalid[0] = '\0';
}

/* Frees them. */
static void
fixture_destroy(struct fixture *f)
{
    np_engine_destroy(f->e);
    cp_store_destroy(f->store);
}

/* Parses 'text' as JSON. */
static json_t *
js(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);

    cr_assert_not_null(j, "bad test JSON: %s: %s", err.text, text);
    return j;
}

/* Sets Namespace 'name' with labels JSON 'labels'. */
static void
set_ns(struct fixture *f, const char *name, const char *labels)
{
    char buf[512];

    snprintf(buf, sizeof buf, "{\"metadata\":{\"name\":\"%s\","
             "\"labels\":%s}}", name, labels);
    json_t *j = js(buf);
    cr_assert(np_engine_set_namespace_json(f->e, j));
    json_decref(j);
}

/* Sets Pod 'ns'/'name' with 'labels' on 'node' with 'ip' (NULL: none) and
 * a named port "http" 8080/TCP. */
static void
set_pod(struct fixture *f, const char *ns, const char *name,
        const char *labels, const char *node, const char *ip)
{
    char buf[1024];

    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"namespace\":\"%s\",\"name\":\"%s\","
             "\"labels\":%s},\"spec\":{%s%s%s\"containers\":[{\"ports\":"
             "[{\"name\":\"http\",\"containerPort\":8080},"
             "{\"containerPort\":9090}]}]},\"status\":{%s%s%s}}",
             ns, name, labels, node ? "\"nodeName\":\"" : "",
             node ? node : "", node ? "\"," : "", ip ? "\"podIP\":\"" : "",
             ip ? ip : "", ip ? "\"" : "");
    json_t *j = js(buf);
    cr_assert(np_engine_set_pod_json(f->e, j));
    json_decref(j);
}

/* Sets policy 'ns'/'name' (uid "uid-'name'") with 'spec'.  Returns
 * whether it was valid. */
static bool
set_np(struct fixture *f, const char *ns, const char *name,
       const char *spec)
{
    char buf[2048];

    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"namespace\":\"%s\",\"name\":\"%s\","
             "\"uid\":\"uid-%s\"},\"spec\":%s}", ns, name, name, spec);
    json_t *j = js(buf);
    bool ok = np_engine_set_policy_json(f->e, j);
    json_decref(j);
    return ok;
}

/* Returns the internal policy 'uid' as the whole store has it, or NULL. */
static AntreaCp__NetworkPolicy *
get_np(struct fixture *f, const char *uid)
{
    size_t len;
    uint8_t *buf = cp_store_get(f->store, CP_RESOURCE_NETWORK_POLICIES, uid,
                                NULL, &len);
    if (!buf) {
        return NULL;
    }
    AntreaCp__NetworkPolicy *np = antrea_cp__network_policy__unpack(NULL,
                                                                    len, buf);
    free(buf);
    cr_assert_not_null(np);
    return np;
}

/* Returns group 'name' of 'res' (an AddressGroup or AppliedToGroup, both
 * have the same layout) as 'node' sees it, or NULL. */
static AntreaCp__AddressGroup *
get_group(struct fixture *f, enum cp_resource res, const char *name,
          const char *node)
{
    size_t len;
    uint8_t *buf = cp_store_get(f->store, res, name, node, &len);
    if (!buf) {
        return NULL;
    }
    /* AddressGroup and AppliedToGroup have the same fields and numbers. */
    AntreaCp__AddressGroup *g = antrea_cp__address_group__unpack(NULL, len,
                                                                 buf);
    free(buf);
    cr_assert_not_null(g);
    return g;
}

/* Returns true if 'g' has member Pod 'ns'/'name'. */
static bool
has_member(const AntreaCp__AddressGroup *g, const char *ns, const char *name)
{
    for (size_t i = 0; i < g->n_group_members; i++) {
        if (!strcmp(g->group_members[i]->pod->namespace_, ns)
            && !strcmp(g->group_members[i]->pod->name, name)) {
            return true;
        }
    }
    return false;
}

/* Returns the UUID of normalised selector 's' (static buffer). */
static const char *
uuid_of(const char *s)
{
    static char buf[4][37];
    static int i;

    i = (i + 1) % 4;
    np_group_uuid(s, buf[i]);
    return buf[i];
}

/* Feeds the items of list file 'name' through 'set'. */
static void
feed_list(struct fixture *f, const char *name,
          bool (*set)(struct np_engine *, const json_t *))
{
    const char *dir = getenv("K8S_FIXTURES");
    char path[512];
    json_error_t err;

    snprintf(path, sizeof path, "%s/%s",
             dir ? dir : "/work/shared/fixtures/k8s", name);
    json_t *list = json_load_file(path, 0, &err);
    cr_assert_not_null(list, "%s: %s", path, err.text);
    size_t i;
    json_t *item;
    json_array_foreach (json_object_get(list, "items"), i, item) {
        cr_assert(set(f->e, item), "%s item %zu did not parse", name, i);
    }
    json_decref(list);
}

Test(np_compute, group_uuid_matches_antrea)
{
    /* Reference values: Python's uuid.uuid5 with Antrea's namespace. */
    cr_assert_str_eq(uuid_of("namespace=x And podSelector=pod=a"),
                     "168a0db1-ee93-5e1e-878e-f4c75ac37d7c");
    cr_assert_str_eq(uuid_of("namespaceSelector=ns notin (x) And "
                             "podSelector=pod=b"),
                     "47ee3f34-bdb4-57df-9d33-d5518238a40d");
}

Test(np_compute, recorded_objects)
{
    struct fixture f;

    fixture_init(&f);
    feed_list(&f, "list-namespaces.json", np_engine_set_namespace_json);
    feed_list(&f, "list-pods.json", np_engine_set_pod_json);
    feed_list(&f, "list-networkpolicies.json", np_engine_set_policy_json);
    np_engine_flush(f.e);

    /* y/egress-ipblock-namedport: applied to every Pod of y, policyTypes
     * Egress only, one egress rule. */
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_NETWORK_POLICIES), 1);
    size_t len;
    uint8_t *buf = cp_store_list(f.store, CP_RESOURCE_NETWORK_POLICIES,
                                 "node-1", &len);
    AntreaCp__NetworkPolicyList *list
        = antrea_cp__network_policy_list__unpack(NULL, len, buf);
    free(buf);
    cr_assert_eq(list->n_items, 1);
    AntreaCp__NetworkPolicy *np = list->items[0];
    cr_assert_str_eq(np->source_ref->namespace_, "y");
    cr_assert_str_eq(np->source_ref->name, "egress-ipblock-namedport");
    cr_assert_str_eq(np->metadata->name, np->source_ref->uid);
    cr_assert_eq(np->n_applied_to_groups, 1);
    cr_assert_str_eq(np->applied_to_groups[0],
                     uuid_of("namespace=y And podSelector="));
    cr_assert_eq(np->n_rules, 1);
    AntreaCp__NetworkPolicyRule *rule = np->rules[0];
    cr_assert_eq(rule->direction, ANTREA_CP__DIRECTION__OUT);
    cr_assert(!rule->isolate_only);
    cr_assert_eq(rule->n_services, 3);
    cr_assert_eq(rule->services[0]->protocol, ANTREA_CP__PROTOCOL__TCP);
    cr_assert_eq(rule->services[0]->port->int_val, 8080);
    cr_assert_eq(rule->services[1]->protocol, ANTREA_CP__PROTOCOL__UDP);
    cr_assert_eq(rule->services[2]->port->type,
                 ANTREA_CP__INT_OR_STRING__TYPE__STRING);
    cr_assert_str_eq(rule->services[2]->port->str_val, "serve-80-tcp");
    cr_assert_eq(rule->to->n_ip_blocks, 1);
    AntreaCp__IPBlock *b = rule->to->ip_blocks[0];
    cr_assert_eq(b->cidr->prefix_length, 8);
    cr_assert_eq(b->cidr->ip.len, 4);
    cr_assert_eq(b->cidr->ip.data[0], 10);
    cr_assert_eq(b->n_except, 1);
    cr_assert_eq(b->except[0]->prefix_length, 24);
    cr_assert_eq(b->except[0]->ip.data[2], 1);
    const char *ag = uuid_of("namespaceSelector=ns notin (x) And "
                             "podSelector=pod=b");
    cr_assert_eq(rule->to->n_address_groups, 1);
    cr_assert_str_eq(rule->to->address_groups[0], ag);
    antrea_cp__network_policy_list__free_unpacked(list, NULL);

    /* The AppliedToGroup: y/a, y/b, y/c on node-1. */
    AntreaCp__AddressGroup *atg = get_group(
        &f, CP_RESOURCE_APPLIED_TO_GROUPS,
        uuid_of("namespace=y And podSelector="), "node-1");
    cr_assert_not_null(atg);
    cr_assert_eq(atg->n_group_members, 3);
    cr_assert(has_member(atg, "y", "a"));
    cr_assert(has_member(atg, "y", "c"));
    antrea_cp__address_group__free_unpacked(atg, NULL);

    /* The AddressGroup selects y/b and z/b (not x/b), but the recorded
     * Pods have no IP yet: no member, span node-1. */
    AntreaCp__AddressGroup *g = get_group(&f, CP_RESOURCE_ADDRESS_GROUPS,
                                          ag, "node-1");
    cr_assert_not_null(g);
    cr_assert_eq(g->n_group_members, 0);
    antrea_cp__address_group__free_unpacked(g, NULL);
    cr_assert(cp_store_span_has(f.store, CP_RESOURCE_ADDRESS_GROUPS, ag,
                                "node-1"));

    /* z/b gets an IP: it joins the AddressGroup with its named ports. */
    set_pod(&f, "z", "b", "{\"pod\":\"b\"}", "node-1", "10.10.2.7");
    np_engine_flush(f.e);
    g = get_group(&f, CP_RESOURCE_ADDRESS_GROUPS, ag, NULL);
    cr_assert_eq(g->n_group_members, 1);
    cr_assert(has_member(g, "z", "b"));
    cr_assert_eq(g->group_members[0]->n_ports, 1);
    cr_assert_str_eq(g->group_members[0]->ports[0]->name, "http");
    cr_assert_eq(g->group_members[0]->ports[0]->port, 8080);
    antrea_cp__address_group__free_unpacked(g, NULL);

    fixture_destroy(&f);
}

Test(np_compute, recorded_policy_watch)
{
    struct fixture f;
    const char *dir = getenv("K8S_FIXTURES");
    char path[512];

    fixture_init(&f);
    feed_list(&f, "list-namespaces.json", np_engine_set_namespace_json);
    feed_list(&f, "list-pods.json", np_engine_set_pod_json);
    snprintf(path, sizeof path, "%s/watch-networkpolicies.jsonl",
             dir ? dir : "/work/shared/fixtures/k8s");
    FILE *stream = fopen(path, "r");
    cr_assert_not_null(stream, "%s", path);
    char line[65536];
    int added = 0, deleted = 0;
    while (fgets(line, sizeof line, stream)) {
        json_t *ev = js(line);
        const char *type = json_string_value(json_object_get(ev, "type"));
        json_t *obj = json_object_get(ev, "object");
        if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
            cr_assert(np_engine_set_policy_json(f.e, obj));
            added++;
        } else if (!strcmp(type, "DELETED")) {
            json_t *meta = json_object_get(obj, "metadata");
            np_engine_delete_policy(
                f.e, json_string_value(json_object_get(meta, "namespace")),
                json_string_value(json_object_get(meta, "name")));
            deleted++;
        }
        np_engine_flush(f.e);
        json_decref(ev);
    }
    fclose(stream);
    cr_assert_eq(added, 2);
    cr_assert_eq(deleted, 1);

    /* x-a-allows-x-b is gone with both its groups; the other remains. */
    cr_assert_eq(np_engine_n_policies(f.e), 1);
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_NETWORK_POLICIES), 1);
    cr_assert(!cp_store_contains(f.store, CP_RESOURCE_APPLIED_TO_GROUPS,
                                 uuid_of("namespace=x And podSelector="
                                         "pod=a")));
    cr_assert(!cp_store_contains(f.store, CP_RESOURCE_ADDRESS_GROUPS,
                                 uuid_of("namespace=x And podSelector="
                                         "pod=b")));
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_ADDRESS_GROUPS), 1);
    cr_assert_eq(n_invalid, 0);
    fixture_destroy(&f);
}

Test(np_compute, policy_types_and_isolation)
{
    struct fixture f;

    fixture_init(&f);
    set_ns(&f, "x", "{\"ns\":\"x\"}");
    set_pod(&f, "x", "a", "{\"pod\":\"a\"}", "n1", "10.0.0.1");

    /* No policyTypes, ingress rules only: Ingress only. */
    cr_assert(set_np(&f, "x", "p1", "{\"podSelector\":{},\"ingress\":[{}]}"));
    /* No policyTypes with egress rules: Ingress (isolate) and Egress. */
    cr_assert(set_np(&f, "x", "p2", "{\"podSelector\":{},"
                     "\"egress\":[{\"to\":[]}]}"));
    /* Both types listed, no rules: deny all both ways. */
    cr_assert(set_np(&f, "x", "p3", "{\"podSelector\":{},\"policyTypes\":"
                     "[\"Ingress\",\"Egress\"]}"));
    /* Egress listed only, with an ingress rule: the rule is ignored. */
    cr_assert(set_np(&f, "x", "p4", "{\"podSelector\":{},\"policyTypes\":"
                     "[\"Egress\"],\"ingress\":[{}]}"));
    np_engine_flush(f.e);

    AntreaCp__NetworkPolicy *np = get_np(&f, "uid-p1");
    cr_assert_eq(np->n_rules, 1);
    cr_assert_eq(np->rules[0]->direction, ANTREA_CP__DIRECTION__IN);
    cr_assert(!np->rules[0]->isolate_only);
    cr_assert_eq(np->rules[0]->from->n_address_groups, 0);
    cr_assert_eq(np->rules[0]->from->n_ip_blocks, 0);
    cr_assert_eq(np->rules[0]->n_services, 0);
    antrea_cp__network_policy__free_unpacked(np, NULL);

    np = get_np(&f, "uid-p2");
    cr_assert_eq(np->n_rules, 2);
    cr_assert_eq(np->rules[0]->direction, ANTREA_CP__DIRECTION__IN);
    cr_assert(np->rules[0]->isolate_only);
    cr_assert_eq(np->rules[1]->direction, ANTREA_CP__DIRECTION__OUT);
    cr_assert(!np->rules[1]->isolate_only);
    cr_assert_eq(np->rules[1]->to->n_address_groups, 0);
    antrea_cp__network_policy__free_unpacked(np, NULL);

    np = get_np(&f, "uid-p3");
    cr_assert_eq(np->n_rules, 2);
    cr_assert(np->rules[0]->isolate_only);
    cr_assert(np->rules[1]->isolate_only);
    cr_assert_eq(np->rules[1]->direction, ANTREA_CP__DIRECTION__OUT);
    antrea_cp__network_policy__free_unpacked(np, NULL);

    np = get_np(&f, "uid-p4");
    cr_assert_eq(np->n_rules, 1);
    cr_assert_eq(np->rules[0]->direction, ANTREA_CP__DIRECTION__OUT);
    cr_assert(np->rules[0]->isolate_only);
    antrea_cp__network_policy__free_unpacked(np, NULL);

    /* All four share one AppliedToGroup. */
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_APPLIED_TO_GROUPS), 1);
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_ADDRESS_GROUPS), 0);
    fixture_destroy(&f);
}

Test(np_compute, peers_and_shared_groups)
{
    struct fixture f;

    fixture_init(&f);
    set_ns(&f, "x", "{\"ns\":\"x\",\"team\":\"red\"}");
    set_ns(&f, "y", "{\"ns\":\"y\",\"team\":\"blue\"}");
    set_pod(&f, "x", "a", "{\"pod\":\"a\"}", "n1", "10.0.0.1");
    set_pod(&f, "x", "b", "{\"pod\":\"b\"}", "n2", "10.0.0.2");
    set_pod(&f, "y", "a", "{\"pod\":\"a\"}", "n3", "10.0.0.3");
    set_pod(&f, "y", "b", "{\"pod\":\"b\"}", "n3", NULL);
    set_pod(&f, "y", "c", "{\"pod\":\"c\"}", NULL, "10.0.0.5");

    /* Two policies with the same peer share one AddressGroup; peers: pod
     * only, namespace only, both. */
    cr_assert(set_np(&f, "x", "p1", "{\"podSelector\":{\"matchLabels\":"
                     "{\"pod\":\"a\"}},\"ingress\":[{\"from\":["
                     "{\"podSelector\":{\"matchLabels\":{\"pod\":\"b\"}}},"
                     "{\"namespaceSelector\":{\"matchLabels\":"
                     "{\"team\":\"blue\"}}},"
                     "{\"namespaceSelector\":{\"matchExpressions\":[{\"key\":"
                     "\"team\",\"operator\":\"Exists\"}]},\"podSelector\":"
                     "{\"matchExpressions\":[{\"key\":\"pod\",\"operator\":"
                     "\"In\",\"values\":[\"b\",\"a\"]}]}}],"
                     "\"ports\":[{\"port\":\"http\"}]}]}"));
    cr_assert(set_np(&f, "x", "p2", "{\"podSelector\":{\"matchLabels\":"
                     "{\"pod\":\"b\"}},\"ingress\":[{\"from\":["
                     "{\"podSelector\":{\"matchLabels\":"
                     "{\"pod\":\"b\"}}}]}]}"));
    np_engine_flush(f.e);

    const char *ag_b = uuid_of("namespace=x And podSelector=pod=b");
    const char *ag_blue = uuid_of("namespaceSelector=team=blue");
    const char *ag_both = uuid_of("namespaceSelector=team And "
                                  "podSelector=pod in (a,b)");
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_ADDRESS_GROUPS), 3);
    /* pod=b in x is p2's AppliedToGroup too. */
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_APPLIED_TO_GROUPS), 2);
    cr_assert(cp_store_contains(f.store, CP_RESOURCE_APPLIED_TO_GROUPS,
                                ag_b));

    AntreaCp__AddressGroup *g = get_group(&f, CP_RESOURCE_ADDRESS_GROUPS,
                                          ag_blue, NULL);
    /* y/a only: y/b has no IP, y/c no Node. */
    cr_assert_eq(g->n_group_members, 1);
    cr_assert(has_member(g, "y", "a"));
    antrea_cp__address_group__free_unpacked(g, NULL);
    g = get_group(&f, CP_RESOURCE_ADDRESS_GROUPS, ag_both, NULL);
    cr_assert_eq(g->n_group_members, 3);
    cr_assert(has_member(g, "x", "a"));
    cr_assert(has_member(g, "x", "b"));
    cr_assert(has_member(g, "y", "a"));
    antrea_cp__address_group__free_unpacked(g, NULL);

    /* Spans: p1 on n1 (x/a), p2 on n2 (x/b); AddressGroup pod=b is used
     * by both: n1 and n2; team=blue only by p1: n1. */
    cr_assert(cp_store_span_has(f.store, CP_RESOURCE_NETWORK_POLICIES,
                                "uid-p1", "n1"));
    cr_assert_eq(cp_store_span_size(f.store, CP_RESOURCE_NETWORK_POLICIES,
                                    "uid-p1"), 1);
    cr_assert_eq(cp_store_span_size(f.store, CP_RESOURCE_ADDRESS_GROUPS,
                                    ag_b), 2);
    cr_assert_eq(cp_store_span_size(f.store, CP_RESOURCE_ADDRESS_GROUPS,
                                    ag_blue), 1);
    cr_assert(cp_store_span_has(f.store, CP_RESOURCE_ADDRESS_GROUPS,
                                ag_blue, "n1"));

    /* The named port is passed on. */
    AntreaCp__NetworkPolicy *np = get_np(&f, "uid-p1");
    cr_assert_eq(np->rules[0]->from->n_address_groups, 3);
    cr_assert_str_eq(np->rules[0]->services[0]->port->str_val, "http");
    cr_assert_eq(np->rules[0]->services[0]->protocol,
                 ANTREA_CP__PROTOCOL__TCP);
    antrea_cp__network_policy__free_unpacked(np, NULL);

    /* Deleting p1 removes the groups only it used; pod=b stays for p2
     * with span n2 only. */
    np_engine_delete_policy(f.e, "x", "p1");
    np_engine_flush(f.e);
    cr_assert(!cp_store_contains(f.store, CP_RESOURCE_ADDRESS_GROUPS,
                                 ag_blue));
    cr_assert(!cp_store_contains(f.store, CP_RESOURCE_ADDRESS_GROUPS,
                                 ag_both));
    cr_assert(!cp_store_contains(f.store, CP_RESOURCE_APPLIED_TO_GROUPS,
                                 uuid_of("namespace=x And podSelector="
                                         "pod=a")));
    cr_assert_eq(cp_store_span_size(f.store, CP_RESOURCE_ADDRESS_GROUPS,
                                    ag_b), 1);
    cr_assert(cp_store_span_has(f.store, CP_RESOURCE_ADDRESS_GROUPS, ag_b,
                                "n2"));
    cr_assert_eq(np_engine_n_groups(f.e), 1);
    fixture_destroy(&f);
}

/* An egress rule to everyone on a named port needs the AddressGroup of
 * every Pod (the agent resolves the port per destination Pod) plus
 * 0.0.0.0/0 for its numeric ports; to everyone on numeric ports only it
 * needs no group; ingress from everyone never does. */
Test(np_compute, egress_named_port_to_everyone)
{
    struct fixture f;

    fixture_init(&f);
    set_ns(&f, "x", "{\"ns\":\"x\"}");
    set_ns(&f, "y", "{\"ns\":\"y\"}");
    set_pod(&f, "x", "a", "{\"pod\":\"a\"}", "n1", "10.0.0.1");
    set_pod(&f, "y", "b", "{\"pod\":\"b\"}", "n2", "10.0.0.2");
    cr_assert(set_np(&f, "x", "named", "{\"podSelector\":{},"
                     "\"policyTypes\":[\"Egress\"],\"egress\":[{\"ports\":["
                     "{\"port\":\"http\"},{\"protocol\":\"UDP\","
                     "\"port\":53}]}]}"));
    cr_assert(set_np(&f, "x", "numeric", "{\"podSelector\":{},"
                     "\"policyTypes\":[\"Egress\",\"Ingress\"],"
                     "\"ingress\":[{\"ports\":[{\"port\":\"http\"}]}],"
                     "\"egress\":[{\"ports\":[{\"port\":80}]}]}"));
    np_engine_flush(f.e);

    AntreaCp__NetworkPolicy *np = get_np(&f, "uid-named");
    cr_assert_not_null(np);
    cr_assert_eq(np->n_rules, 1);
    const AntreaCp__NetworkPolicyPeer *to = np->rules[0]->to;
    cr_assert_eq(to->n_address_groups, 1);
    cr_assert_eq(to->n_ip_blocks, 1);
    cr_assert_eq(to->ip_blocks[0]->cidr->prefix_length, 0);
    cr_assert_eq(to->ip_blocks[0]->cidr->ip.len, 4);
    AntreaCp__AddressGroup *g = get_group(&f, CP_RESOURCE_ADDRESS_GROUPS,
                                          to->address_groups[0], NULL);
    cr_assert_not_null(g);
    cr_assert_eq(g->n_group_members, 2);
    cr_assert(has_member(g, "x", "a"));
    cr_assert(has_member(g, "y", "b"));
    antrea_cp__address_group__free_unpacked(g, NULL);
    antrea_cp__network_policy__free_unpacked(np, NULL);

    np = get_np(&f, "uid-numeric");
    cr_assert_not_null(np);
    cr_assert_eq(np->n_rules, 2);
    for (size_t i = 0; i < np->n_rules; i++) {
        const AntreaCp__NetworkPolicyPeer *peer
            = np->rules[i]->direction == ANTREA_CP__DIRECTION__IN
              ? np->rules[i]->from : np->rules[i]->to;
        cr_assert_eq(peer->n_address_groups, 0);
        cr_assert_eq(peer->n_ip_blocks, 0);
    }
    antrea_cp__network_policy__free_unpacked(np, NULL);

    /* The group goes with the last policy that needs it. */
    np_engine_delete_policy(f.e, "x", "named");
    np_engine_flush(f.e);
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_ADDRESS_GROUPS), 0);
    fixture_destroy(&f);
}

Test(np_compute, incremental_events)
{
    struct fixture f;
    struct recorder n1 = { 0 }, n2 = { 0 }, n1np = { 0 }, n2np = { 0 };
    struct recorder n1atg = { 0 };

    fixture_init(&f);
    set_ns(&f, "x", "{\"ns\":\"x\"}");
    set_ns(&f, "y", "{\"ns\":\"y\"}");
    set_pod(&f, "x", "a", "{\"pod\":\"a\"}", "n1", "10.0.0.1");
    set_pod(&f, "x", "b", "{\"pod\":\"b\"}", "n1", "10.0.0.2");
    set_pod(&f, "y", "b", "{\"pod\":\"b\"}", "n2", "10.0.0.3");
    /* x/a admits Pods b from Namespaces labelled allowed=yes. */
    cr_assert(set_np(&f, "x", "p", "{\"podSelector\":{\"matchLabels\":"
                     "{\"pod\":\"a\"}},\"ingress\":[{\"from\":["
                     "{\"namespaceSelector\":{\"matchLabels\":{\"allowed\":"
                     "\"yes\"}},\"podSelector\":{\"matchLabels\":{\"pod\":"
                     "\"b\"}}}]}]}"));
    np_engine_flush(f.e);
    const char *ag = uuid_of("namespaceSelector=allowed=yes And "
                             "podSelector=pod=b");
    const char *atg = uuid_of("namespace=x And podSelector=pod=a");

    cr_assert_not_null(cp_store_watch(f.store, CP_RESOURCE_ADDRESS_GROUPS,
                                      "n1", record, NULL, &n1));
    cr_assert_not_null(cp_store_watch(f.store, CP_RESOURCE_ADDRESS_GROUPS,
                                      "n2", record, NULL, &n2));
    cr_assert_not_null(cp_store_watch(f.store,
                                      CP_RESOURCE_NETWORK_POLICIES, "n1",
                                      record, NULL, &n1np));
    cr_assert_not_null(cp_store_watch(f.store,
                                      CP_RESOURCE_NETWORK_POLICIES, "n2",
                                      record, NULL, &n2np));
    cr_assert_not_null(cp_store_watch(f.store,
                                      CP_RESOURCE_APPLIED_TO_GROUPS, "n1",
                                      record, NULL, &n1atg));
    /* Initial: the empty AddressGroup and the policy on n1, nothing but
     * the bookmark on n2. */
    cr_assert_eq(n1.n, 2);
    cr_assert_eq(n1.events[0]->address_group->n_group_members, 0);
    cr_assert_eq(n2.n, 1);
    cr_assert_eq(n1np.n, 2);
    cr_assert_eq(n2np.n, 1);
    recorder_clear(&n1);
    recorder_clear(&n2);
    recorder_clear(&n1np);
    recorder_clear(&n2np);
    recorder_clear(&n1atg);

    /* Relabel Namespace y: y/b joins; n1 gets a patch adding it. */
    set_ns(&f, "y", "{\"ns\":\"y\",\"allowed\":\"yes\"}");
    np_engine_flush(f.e);
    cr_assert_eq(n1.n, 1);
    AntreaCp__AddressGroupPatch *p = n1.events[0]->address_group_patch;
    cr_assert_not_null(p);
    cr_assert_eq(p->n_added_group_members, 1);
    cr_assert_str_eq(p->added_group_members[0]->pod->namespace_, "y");
    cr_assert_eq(p->n_removed_group_members, 0);
    cr_assert_eq(n2.n, 0);
    cr_assert_eq(n1np.n, 0);
    recorder_clear(&n1);

    /* Relabel Pod y/b to c: it leaves. */
    set_pod(&f, "y", "b", "{\"pod\":\"c\"}", "n2", "10.0.0.3");
    np_engine_flush(f.e);
    cr_assert_eq(n1.n, 1);
    p = n1.events[0]->address_group_patch;
    cr_assert_eq(p->n_removed_group_members, 1);
    cr_assert_str_eq(p->removed_group_members[0]->pod->name, "b");
    recorder_clear(&n1);

    /* Relabel Pod x/b to a: it joins the AppliedToGroup on n1 (patch),
     * no span change for the policy. */
    set_pod(&f, "x", "b", "{\"pod\":\"a\"}", "n1", "10.0.0.2");
    np_engine_flush(f.e);
    cr_assert_eq(n1atg.n, 1);
    cr_assert_eq(n1atg.events[0]->type, ANTREA_CP__EVENT_TYPE__MODIFIED);
    cr_assert_eq(n1atg.events[0]->applied_to_group_patch
                 ->n_added_group_members, 1);
    cr_assert_eq(n1np.n, 0);
    recorder_clear(&n1atg);

    /* Pod x/a moves to n2 (deleted and recreated there): the policy and
     * the AddressGroup now span n1 (x/b) and n2. */
    np_engine_delete_pod(f.e, "x", "a");
    set_pod(&f, "x", "a", "{\"pod\":\"a\"}", "n2", "10.0.0.9");
    np_engine_flush(f.e);
    cr_assert_eq(count_events(&n2np, ANTREA_CP__EVENT_TYPE__ADDED,
                              ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY),
                 1);
    cr_assert_eq(count_events(&n2, ANTREA_CP__EVENT_TYPE__ADDED,
                              ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP),
                 1);
    cr_assert_eq(n1np.n, 0);
    cr_assert_eq(n1atg.n, 1);
    cr_assert_eq(n1atg.events[0]->applied_to_group_patch
                 ->n_removed_group_members, 1);
    cr_assert(cp_store_span_has(f.store, CP_RESOURCE_APPLIED_TO_GROUPS, atg,
                                "n2"));
    recorder_clear(&n2np);
    recorder_clear(&n2);
    recorder_clear(&n1atg);

    /* x/b leaves n1 (relabelled back): n1 loses the policy and the
     * AddressGroup. */
    set_pod(&f, "x", "b", "{\"pod\":\"b\"}", "n1", "10.0.0.2");
    np_engine_flush(f.e);
    cr_assert_eq(count_events(&n1np, ANTREA_CP__EVENT_TYPE__DELETED,
                              ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY),
                 1);
    cr_assert_eq(count_events(&n1, ANTREA_CP__EVENT_TYPE__DELETED,
                              ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP),
                 1);
    cr_assert(!cp_store_span_has(f.store, CP_RESOURCE_ADDRESS_GROUPS, ag,
                                 "n1"));
    recorder_clear(&n1);
    recorder_clear(&n1np);
    recorder_clear(&n1atg);

    /* Deleting the policy: DELETED for all three on n2. */
    np_engine_delete_policy(f.e, "x", "p");
    np_engine_flush(f.e);
    cr_assert_eq(count_events(&n2np, ANTREA_CP__EVENT_TYPE__DELETED,
                              ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY),
                 1);
    cr_assert_eq(count_events(&n2, ANTREA_CP__EVENT_TYPE__DELETED,
                              ANTREA_CP__WATCH_EVENT__OBJECT_ADDRESS_GROUP),
                 1);
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_APPLIED_TO_GROUPS), 0);
    cr_assert_eq(np_engine_n_groups(f.e), 0);
    recorder_clear(&n2);
    recorder_clear(&n2np);
    fixture_destroy(&f);
}

Test(np_compute, invalid_policy_reported_and_not_installed)
{
    struct fixture f;

    fixture_init(&f);
    set_ns(&f, "x", "{}");
    set_pod(&f, "x", "a", "{\"pod\":\"a\"}", "n1", "10.0.0.1");
    cr_assert(set_np(&f, "x", "good", "{\"podSelector\":{}}"));
    cr_assert(set_np(&f, "x", "bad", "{\"podSelector\":{}}"));
    np_engine_flush(f.e);
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_NETWORK_POLICIES), 2);

    /* 'bad' becomes invalid: reported, removed; 'good' untouched. */
    cr_assert(!set_np(&f, "x", "bad", "{\"podSelector\":{},\"ingress\":[{"
                      "\"from\":[{\"ipBlock\":{\"cidr\":\"10.0.0/8\"}}]}]}"));
    np_engine_flush(f.e);
    cr_assert_eq(n_invalid, 1);
    cr_assert(strstr(last_invalid, "x/bad"), "%s", last_invalid);
    cr_assert(strstr(last_invalid, "spec.ingress[0].from[0].ipBlock.cidr"),
              "%s", last_invalid);
    cr_assert(strstr(last_invalid, "10.0.0/8"), "%s", last_invalid);
    cr_assert(!cp_store_contains(f.store, CP_RESOURCE_NETWORK_POLICIES,
                                 "uid-bad"));
    cr_assert(cp_store_contains(f.store, CP_RESOURCE_NETWORK_POLICIES,
                                "uid-good"));

    cr_assert(!set_np(&f, "x", "bad2", "{\"podSelector\":{\"matchExpressions"
                      "\":[{\"key\":\"a\",\"operator\":\"Like\"}]}}"));
    cr_assert(strstr(last_invalid, "unknown operator \"Like\""), "%s",
              last_invalid);
    cr_assert(!set_np(&f, "x", "bad3", "{\"podSelector\":{},\"egress\":[{"
                      "\"ports\":[{\"port\":70000}]}]}"));
    cr_assert(strstr(last_invalid, "spec.egress[0].ports[0].port: 70000 is "
                     "out of range"), "%s", last_invalid);
    cr_assert(!set_np(&f, "x", "bad4", "{\"podSelector\":{},\"ingress\":[{"
                      "\"from\":[{\"ipBlock\":{\"cidr\":\"10.0.0.0/16\","
                      "\"except\":[\"10.1.0.0/24\"]}}]}]}"));
    cr_assert(strstr(last_invalid, "not a strict subset of cidr"), "%s",
              last_invalid);
    cr_assert(!set_np(&f, "x", "bad5", "{\"podSelector\":{},\"ingress\":[{"
                      "\"ports\":[{\"protocol\":\"ICMP\"}]}]}"));
    cr_assert(strstr(last_invalid, "unsupported protocol \"ICMP\""), "%s",
              last_invalid);
    cr_assert(!set_np(&f, "x", "bad6", "{\"podSelector\":{},\"ingress\":[{"
                      "\"from\":[{}]}]}"));
    cr_assert_eq(n_invalid, 6);
    np_engine_flush(f.e);
    cr_assert_eq(cp_store_count(f.store, CP_RESOURCE_NETWORK_POLICIES), 1);
    fixture_destroy(&f);
}

Test(np_compute, label_selector_normalized)
{
    char *error;
    json_t *j = js("{\"matchLabels\":{\"z\":\"1\",\"app\":\"web\"},"
                   "\"matchExpressions\":[{\"key\":\"tier\",\"operator\":"
                   "\"NotIn\",\"values\":[\"b\",\"a\",\"b\"]},{\"key\":\"k\","
                   "\"operator\":\"DoesNotExist\"},{\"key\":\"e\","
                   "\"operator\":\"Exists\"}]}");
    struct label_selector *sel = label_selector_from_json(j, "sel", &error);
    json_decref(j);
    cr_assert_not_null(sel, "%s", error);
    cr_assert_str_eq(sel->normalized, "app=web,e,!k,tier notin (a,b),z=1");

    struct label_set labels;
    j = js("{\"app\":\"web\",\"z\":\"1\",\"e\":\"\",\"tier\":\"c\"}");
    cr_assert_null(label_set_from_json(&labels, j));
    json_decref(j);
    cr_assert(label_selector_matches(sel, &labels));
    label_set_destroy(&labels);
    j = js("{\"app\":\"web\",\"z\":\"1\",\"e\":\"\",\"tier\":\"a\"}");
    cr_assert_null(label_set_from_json(&labels, j));
    json_decref(j);
    cr_assert(!label_selector_matches(sel, &labels));
    label_set_destroy(&labels);
    label_selector_destroy(sel);

    j = js("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}");
    cr_assert_null(label_selector_from_json(j, "spec.podSelector", &error));
    json_decref(j);
    cr_assert_str_eq(error, "spec.podSelector.matchExpressions[0].values: "
                     "operator In needs at least one value");
    free(error);
}
