/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the NetworkPolicy code's hash map (policy-map.h), checked
 * against a plain array model through many random inserts, replacements
 * and removals (removed slots, regrowth, sweeps), plus walks with removal
 * and blob entries.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-map.h"
#include "util.h"

/* The model: value i + 1 present for key "k<i>" iff present[i]. */
#define N_KEYS 3000

Test(policy_map, random_operations_match_a_model)
{
    struct policy_map map = POLICY_MAP_INITIALIZER;
    static bool present[N_KEYS];
    static uintptr_t values[N_KEYS];
    size_t n = 0;
    unsigned int seed = 7;
    for (int step = 0; step < 200000; step++) {
        seed = seed * 1103515245 + 12345;
        int i = (int) ((seed >> 8) % N_KEYS);
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        switch ((seed >> 24) % 4) {
        case 0:
        case 1: {
            void *old;
            uintptr_t v = (uintptr_t) step + 1;
            policy_map_put(&map, key, (void *) v, &old);
            cr_assert_eq((uintptr_t) old, present[i] ? values[i] : 0);
            n += !present[i];
            present[i] = true;
            values[i] = v;
            break;
        }
        case 2: {
            void *v = policy_map_remove(&map, key);
            cr_assert_eq((uintptr_t) v, present[i] ? values[i] : 0);
            n -= present[i];
            present[i] = false;
            break;
        }
        default:
            cr_assert_eq((uintptr_t) policy_map_get(&map, key),
                         present[i] ? values[i] : 0, "step %d key %s", step,
                         key);
            break;
        }
        cr_assert_eq(policy_map_count(&map), n);
    }

    /* A walk sees each entry once. */
    static bool seen[N_KEYS];
    size_t walked = 0;
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(&map, &c)) != NULL) {
        int i = atoi(node->key + 1);
        cr_assert(present[i] && !seen[i], "%s", node->key);
        seen[i] = true;
        walked++;
    }
    cr_assert_eq(walked, n);

    /* Sorted keys are sorted and complete. */
    const char **keys = policy_map_sorted_keys(&map);
    for (size_t k = 1; k < n; k++) {
        cr_assert_lt(strcmp(keys[k - 1], keys[k]), 0);
    }
    free(keys);
    policy_map_destroy(&map);
    cr_assert_eq(policy_map_count(&map), 0);
}

Test(policy_map, walk_may_remove_the_current_entry)
{
    struct policy_map map = POLICY_MAP_INITIALIZER;
    for (int i = 0; i < 1000; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", i);
        policy_map_put(&map, key, (void *) (uintptr_t) (i + 1), NULL);
    }
    struct policy_map_cursor c = { 0, NULL, false };
    struct policy_map_node *node;
    size_t walked = 0;
    while ((node = policy_map_next(&map, &c)) != NULL) {
        walked++;
        if (atoi(node->key) % 2) {
            char *key = xstrdup(node->key);
            policy_map_remove(&map, key);
            free(key);
        }
    }
    cr_expect_eq(walked, 1000);
    cr_expect_eq(policy_map_count(&map), 500);
    cr_expect_null(policy_map_get(&map, "7"));
    cr_expect_eq((uintptr_t) policy_map_get(&map, "8"), 9);
    policy_map_destroy(&map);
}

Test(policy_map, blobs_live_with_their_entry)
{
    struct policy_map map = POLICY_MAP_INITIALIZER;
    policy_map_reserve(&map, 100);
    for (int i = 0; i < 100; i++) {
        char key[16];
        snprintf(key, sizeof key, "blob-%d", i);
        struct policy_map_node *node = policy_map_insert_blob(&map, key, 24);
        cr_assert_not_null(node->value);
        for (int k = 0; k < 24; k++) {
            cr_assert_eq(((unsigned char *) node->value)[k], 0);
        }
        memset(node->value, 0xab, 24);
        cr_assert_str_eq(node->key, key);
    }
    struct policy_map_node *node = policy_map_find(&map, "blob-42");
    cr_assert_not_null(node);
    cr_expect_eq(((unsigned char *) node->value)[23], 0xab);
    policy_map_remove(&map, "blob-42");
    cr_expect_null(policy_map_find(&map, "blob-42"));
    cr_expect_eq(policy_map_count(&map), 99);
    policy_map_destroy(&map);
}
