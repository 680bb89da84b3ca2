/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the agent's policy cache (policy-cache.h): conversion of
 * the control-plane structs (built in C), refusal of bad objects with a
 * message and without losing the previous version, watch events, group
 * patches, replace-all and the set of touched policies.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-cache.h"
#include "policy-test-util.h"
#include "util.h"

/* Takes the dirty set of 'cache' and returns its names, sorted and joined
 * with spaces.  Caller frees. */
static char *
take_dirty(struct policy_cache *cache)
{
    struct policy_map dirty;
    policy_cache_take_dirty(cache, &dirty);
    const char **names = policy_map_sorted_keys(&dirty);
    size_t size = 1;
    for (size_t i = 0; i < policy_map_count(&dirty); i++) {
        size += strlen(names[i]) + 1;
    }
    char *s = xmalloc(size);
    char *p = s;
    *p = '\0';
    for (size_t i = 0; i < policy_map_count(&dirty); i++) {
        p += sprintf(p, "%s%s", i ? " " : "", names[i]);
    }
    free(names);
    policy_map_destroy(&dirty);
    return s;
}

/* Asserts the dirty set of 'cache' is 'expected'. */
static void
expect_dirty(struct policy_cache *cache, const char *expected)
{
    char *got = take_dirty(cache);
    cr_expect_str_eq(got, expected);
    free(got);
}

/* Applies event 'ev' (freed), expecting 'error'; returns the message. */
static char *
apply(struct policy_cache *cache, AntreaCp__WatchEvent *ev, int error)
{
    char *msg = NULL;
    cr_expect_eq(policy_cache_apply_event(cache, ev, &msg), error, "%s",
                 msg ? msg : "");
    pt_free(ev);
    return msg;
}

Test(policy_cache, converts_a_policy)
{
    struct policy_cache *cache = policy_cache_create();
    AntreaCp__NetworkPolicy *in = pt_policy(
        "uid-1", "atg-1,atg-2",
        pt_rule("in", "ag-1", "10.0.0.0/8!10.1.0.0/16", "tcp:80-90,udp:dns"),
        pt_isolate("out"), NULL);
    cr_assert_eq(apply(cache, pt_event_policy(ANTREA_CP__EVENT_TYPE__ADDED,
                                              in), 0), NULL);

    const struct policy_np *np = policy_cache_find_policy(cache, "uid-1");
    cr_assert_not_null(np);
    cr_expect_eq(np->n_applied_to, 2);
    cr_assert_eq(np->n_rules, 2);
    const struct policy_rule *r = &np->rules[0];
    cr_expect_eq(r->direction, POLICY_DIRECTION_IN);
    cr_assert_eq(r->n_address_groups, 1);
    cr_expect_str_eq(r->address_groups[0], "ag-1");
    cr_assert_eq(r->n_ip_blocks, 1);
    cr_expect_eq(r->ip_blocks[0].cidr.length, 8);
    cr_expect_eq(r->ip_blocks[0].n_except, 1);
    cr_assert_eq(r->n_services, 2);
    cr_expect_eq(r->services[0].protocol, IPPROTO_TCP);
    cr_expect_eq(r->services[0].port, 80);
    cr_expect_eq(r->services[0].end_port, 90);
    cr_expect_eq(r->services[1].protocol, IPPROTO_UDP);
    cr_expect_str_eq(r->services[1].port_name, "dns");
    cr_expect(np->rules[1].isolate_only);
    cr_expect_str_neq(np->rules[0].key, np->rules[1].key);

    /* Groups it references exist as references, not yet present. */
    const struct policy_group *g
        = policy_cache_find_address_group(cache, "ag-1");
    cr_assert_not_null(g);
    cr_expect(!g->present);
    expect_dirty(cache, "uid-1");
    policy_cache_destroy(cache);
}

Test(policy_cache, bad_objects_are_refused_and_the_old_version_stays)
{
    struct policy_cache *cache = policy_cache_create();
    char *msg = apply(cache, pt_event_policy(
                          ANTREA_CP__EVENT_TYPE__ADDED,
                          pt_policy("np", "atg",
                                    pt_rule("in", NULL, NULL, "tcp:80"),
                                    NULL)), 0);
    cr_expect_null(msg);
    expect_dirty(cache, "np");

    static const struct {
        const char *services;       /* the rule's services */
        const char *message;        /* part of the expected message */
    } bad[] = {
        { "tcp:0", "port 0 out of range" },
        { "tcp:70000", "port 70000 out of range" },
        { "tcp:90-80", "endPort 80 not in 90-65535" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        msg = apply(cache, pt_event_policy(
                        ANTREA_CP__EVENT_TYPE__MODIFIED,
                        pt_policy("np", "atg",
                                  pt_rule("in", NULL, NULL, bad[i].services),
                                  NULL)), EINVAL);
        cr_assert_not_null(msg);
        cr_expect(strstr(msg, bad[i].message) && strstr(msg, "np"),
                  "%s: %s", bad[i].services, msg);
        free(msg);
    }

    AntreaCp__NetworkPolicy *bad_cidr = pt_policy(
        "np", "atg", pt_rule("in", NULL, "10.0.0.0/8", NULL), NULL);
    bad_cidr->rules[0]->from->ip_blocks[0]->cidr->prefix_length = 33;
    msg = apply(cache, pt_event_policy(ANTREA_CP__EVENT_TYPE__MODIFIED,
                                       bad_cidr), EINVAL);
    cr_expect(strstr(msg, "prefix length 33"), "%s", msg);
    free(msg);

    AntreaCp__NetworkPolicy *bad_dir = pt_policy(
        "np", "atg", pt_rule("in", NULL, NULL, NULL), NULL);
    bad_dir->rules[0]->direction = 7;
    msg = apply(cache, pt_event_policy(ANTREA_CP__EVENT_TYPE__MODIFIED,
                                       bad_dir), EINVAL);
    cr_expect(strstr(msg, "direction 7"), "%s", msg);
    free(msg);

    AntreaCp__AddressGroup *bad_ip = pt_address_group(
        "ag", pt_ip_member("10.0.0.1"), NULL);
    bad_ip->group_members[0]->ips[0].len = 3;
    msg = apply(cache, pt_event_address_group(ANTREA_CP__EVENT_TYPE__ADDED,
                                              bad_ip), EINVAL);
    cr_expect(strstr(msg, "AddressGroup ag") && strstr(msg, "3 bytes"),
              "%s", msg);
    free(msg);
    cr_expect_null(policy_cache_find_address_group(cache, "ag"));

    /* The first version is still there and nothing was touched. */
    const struct policy_np *np = policy_cache_find_policy(cache, "np");
    cr_assert_not_null(np);
    cr_expect_eq(np->rules[0].services[0].port, 80);
    expect_dirty(cache, "");

    AntreaCp__WatchEvent *empty = xmalloc(sizeof *empty);
    antrea_cp__watch_event__init(empty);
    empty->type = ANTREA_CP__EVENT_TYPE__ADDED;
    msg = apply(cache, empty, EINVAL);
    cr_expect(strstr(msg, "without an object"), "%s", msg);
    free(msg);
    policy_cache_destroy(cache);
}

Test(policy_cache, group_changes_touch_their_users_only)
{
    struct policy_cache *cache = policy_cache_create();
    char *error = NULL;
    AntreaCp__NetworkPolicy *p1 = pt_policy(
        "p1", "atg", pt_rule("in", "ag-1", NULL, NULL), NULL);
    AntreaCp__NetworkPolicy *p2 = pt_policy(
        "p2", "atg", pt_rule("out", "ag-2", NULL, NULL), NULL);
    cr_assert_eq(policy_cache_put_policy(cache, p1, &error), 0);
    cr_assert_eq(policy_cache_put_policy(cache, p2, &error), 0);
    expect_dirty(cache, "p1 p2");

    /* Putting the same policy again touches nothing. */
    cr_assert_eq(policy_cache_put_policy(cache, p1, &error), 0);
    expect_dirty(cache, "");
    pt_free(p1);
    pt_free(p2);

    AntreaCp__AddressGroup *ag1 = pt_address_group(
        "ag-1", pt_ip_member("10.0.0.1"), NULL);
    cr_assert_eq(policy_cache_put_address_group(cache, ag1, &error), 0);
    expect_dirty(cache, "p1");
    cr_assert_eq(policy_cache_put_address_group(cache, ag1, &error), 0);
    expect_dirty(cache, "");
    pt_free(ag1);

    /* Patches: adding a member that is there already is no change. */
    AntreaCp__GroupMember *same[] = { pt_ip_member("10.0.0.1"), NULL };
    AntreaCp__AddressGroupPatch *patch
        = pt_address_group_patch("ag-1", same, NULL);
    cr_assert_eq(policy_cache_patch_address_group(cache, patch, &error), 0);
    pt_free(patch);
    expect_dirty(cache, "");
    AntreaCp__GroupMember *more[] = { pt_ip_member("10.0.0.2"), NULL };
    AntreaCp__GroupMember *less[] = { pt_ip_member("10.0.0.1"), NULL };
    patch = pt_address_group_patch("ag-1", more, less);
    cr_assert_eq(policy_cache_patch_address_group(cache, patch, &error), 0);
    pt_free(patch);
    expect_dirty(cache, "p1");
    const struct policy_group *g
        = policy_cache_find_address_group(cache, "ag-1");
    cr_assert_eq(policy_map_count(&g->members), 1);
    cr_expect(policy_map_contains(&g->members, "ip:10.0.0.2"));

    /* A patch of a group never received is refused. */
    patch = pt_address_group_patch("ag-2", NULL, NULL);
    cr_expect_eq(policy_cache_patch_address_group(cache, patch, &error),
                 ENOENT);
    cr_expect(strstr(error, "unknown AddressGroup ag-2"), "%s", error);
    free(error);
    pt_free(patch);

    /* Pods: x/a is in atg, so p1 and p2 are touched; x/z is in nothing. */
    AntreaCp__AppliedToGroup *atg = pt_applied_to_group(
        "atg", pt_pod_member("x", "a", NULL, NULL), NULL);
    cr_assert_eq(policy_cache_put_applied_to_group(cache, atg, &error), 0);
    pt_free(atg);
    expect_dirty(cache, "p1 p2");
    struct antrea_ip ip = pt_ip("10.10.0.5");
    policy_cache_pod_added(cache, "x", "a", 5, &ip);
    expect_dirty(cache, "p1 p2");
    policy_cache_pod_added(cache, "x", "a", 5, &ip);
    expect_dirty(cache, "");
    policy_cache_pod_added(cache, "x", "z", 9, &ip);
    expect_dirty(cache, "");
    cr_expect_eq(policy_cache_find_pod(cache, "x", "a")->ofport, 5);
    policy_cache_pod_removed(cache, "x", "a");
    expect_dirty(cache, "p1 p2");
    cr_expect_null(policy_cache_find_pod(cache, "x", "a"));

    /* Deleting a policy touches it and frees the groups only it used. */
    policy_cache_delete_policy(cache, "p2");
    expect_dirty(cache, "p2");
    cr_expect_null(policy_cache_find_address_group(cache, "ag-2"));
    cr_expect_not_null(policy_cache_find_address_group(cache, "ag-1"));
    policy_cache_destroy(cache);
}

Test(policy_cache, replace_deletes_what_the_resync_lacks)
{
    struct policy_cache *cache = policy_cache_create();
    AntreaCp__WatchEvent *evs[3] = {
        pt_event_policy(ANTREA_CP__EVENT_TYPE__ADDED,
                        pt_policy("a", "atg", pt_isolate("in"), NULL)),
        pt_event_policy(ANTREA_CP__EVENT_TYPE__ADDED,
                        pt_policy("b", "atg", pt_isolate("in"), NULL)),
        pt_event_policy(ANTREA_CP__EVENT_TYPE__ADDED,
                        pt_policy("c", "atg", pt_isolate("out"), NULL)),
    };
    char *error = NULL;
    cr_assert_eq(policy_cache_replace(cache, POLICY_RESOURCE_NETWORK_POLICY,
                                      evs, 2, &error), 0);
    expect_dirty(cache, "a b");

    /* Resync with a and c: b goes, c comes, a is untouched. */
    AntreaCp__WatchEvent *again[2] = { evs[0], evs[2] };
    cr_assert_eq(policy_cache_replace(cache, POLICY_RESOURCE_NETWORK_POLICY,
                                      again, 2, &error), 0);
    expect_dirty(cache, "b c");
    cr_expect_null(policy_cache_find_policy(cache, "b"));
    cr_expect_eq(policy_cache_n_policies(cache), 2);

    /* A bad object in a resync is skipped; the others are kept. */
    evs[1]->network_policy->rules[0]->direction = 0;
    AntreaCp__WatchEvent *bad[3] = { evs[0], evs[1], evs[2] };
    cr_expect_eq(policy_cache_replace(cache, POLICY_RESOURCE_NETWORK_POLICY,
                                      bad, 3, &error), EINVAL);
    cr_expect(strstr(error, "NetworkPolicy b"), "%s", error);
    free(error);
    expect_dirty(cache, "");
    cr_expect_eq(policy_cache_n_policies(cache), 2);

    for (int i = 0; i < 3; i++) {
        pt_free(evs[i]);
    }
    policy_cache_destroy(cache);
}
