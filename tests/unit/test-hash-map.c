/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the controller's hash tables (core/controller/hash-map.c):
 * ptr_set across its small (unhashed) and hashed forms, adds, removes and
 * iteration checked against a plain array of what the set should hold;
 * str_map with the hashed and unhashed calls mixed; hash_bytes() over
 * every length around its 8-byte steps.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash-map.h"

/* Objects to put in sets: their addresses are the pointers. */
static char objects[1000];

/* Checks that 'set' holds exactly the pointers marked in 'in'. */
static void
check_set(const struct ptr_set *set, const bool in[], size_t n_objects)
{
    size_t expected = 0, seen = 0;

    for (size_t i = 0; i < n_objects; i++) {
        expected += in[i];
        cr_assert_eq(ptr_set_contains(set, &objects[i]), in[i],
                     "object %zu: contains() says %d", i, !in[i]);
    }
    cr_assert_eq(ptr_set_count(set), expected);
    PTR_SET_FOR_EACH (p, char, set) {
        size_t i = p - objects;
        cr_assert_lt(i, n_objects);
        cr_assert(in[i], "object %zu iterated but not in the set", i);
        seen++;
    }
    cr_assert_eq(seen, expected, "iterated %zu of %zu", seen, expected);
}

Test(ptr_set, grows_through_small_to_hashed_and_back)
{
    struct ptr_set set = PTR_SET_INITIALIZER;
    bool in[1000] = { false };

    for (size_t n = 0; n < 100; n++) {
        cr_assert(ptr_set_add(&set, &objects[n]));
        cr_assert(!ptr_set_add(&set, &objects[n]), "added %zu twice", n);
        in[n] = true;
        check_set(&set, in, 100);
    }
    /* Remove every other one, then the rest, checking each time. */
    for (size_t n = 0; n < 100; n += 2) {
        cr_assert(ptr_set_remove(&set, &objects[n]));
        cr_assert(!ptr_set_remove(&set, &objects[n]));
        in[n] = false;
        check_set(&set, in, 100);
    }
    for (size_t n = 1; n < 100; n += 2) {
        cr_assert(ptr_set_remove(&set, &objects[n]));
        in[n] = false;
        check_set(&set, in, 100);
    }
    cr_assert_null(set.slots, "an emptied set keeps no memory");
    ptr_set_destroy(&set);
}

Test(ptr_set, random_operations_match_a_reference)
{
    struct ptr_set sets[4] = { PTR_SET_INITIALIZER, PTR_SET_INITIALIZER,
                               PTR_SET_INITIALIZER, PTR_SET_INITIALIZER };
    /* Sets kept around sizes 3, 9, 40 and 300. */
    const size_t ranges[4] = { 6, 18, 80, 600 };
    static bool in[4][1000];
    unsigned int seed = 12345;

    for (int step = 0; step < 20000; step++) {
        seed = seed * 1103515245 + 12345;
        int s = (seed >> 8) & 3;
        size_t i = (seed >> 12) % ranges[s];
        bool add = (seed >> 24) & 1;
        if (add) {
            cr_assert_eq(ptr_set_add(&sets[s], &objects[i]), !in[s][i]);
            in[s][i] = true;
        } else {
            cr_assert_eq(ptr_set_remove(&sets[s], &objects[i]), in[s][i]);
            in[s][i] = false;
        }
        if (step % 97 == 0) {
            check_set(&sets[s], in[s], ranges[s]);
        }
    }
    for (int s = 0; s < 4; s++) {
        check_set(&sets[s], in[s], ranges[s]);
        ptr_set_destroy(&sets[s]);
    }
}

Test(str_map, hashed_and_plain_calls_agree)
{
    struct str_map map = STR_MAP_INITIALIZER;
    char keys[500][16];

    for (int i = 0; i < 500; i++) {
        snprintf(keys[i], sizeof keys[i], "key-%d", i);
        if (i % 2) {
            cr_assert_null(str_map_put(&map, keys[i], &objects[i]));
        } else {
            cr_assert_null(str_map_put_hashed(&map, keys[i],
                                              hash_string(keys[i], 0),
                                              &objects[i]));
        }
    }
    cr_assert_eq(str_map_count(&map), 500);
    for (int i = 0; i < 500; i++) {
        char copy[16];
        strcpy(copy, keys[i]);  /* found by content, not by address */
        cr_assert_eq(str_map_get(&map, copy), &objects[i]);
        cr_assert_eq(str_map_get_hashed(&map, copy, hash_string(copy, 0)),
                     &objects[i]);
    }
    cr_assert_null(str_map_get(&map, "key-500"));
    cr_assert_eq(str_map_put(&map, keys[7], &objects[700]), &objects[7]);
    cr_assert_eq(str_map_remove(&map, keys[7]), &objects[700]);
    cr_assert_null(str_map_get(&map, keys[7]));
    cr_assert_eq(str_map_count(&map), 499);
    str_map_destroy(&map);
}

Test(hash_bytes, every_length_and_every_byte_counts)
{
    uint8_t buf[40];

    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] = i * 7 + 1;
    }
    for (size_t n = 0; n <= sizeof buf; n++) {
        uint32_t h = hash_bytes(buf, n, 0);
        cr_assert_eq(h, hash_bytes(buf, n, 0), "not deterministic");
        if (n) {
            cr_assert_neq(h, hash_bytes(buf, n - 1, 0),
                          "length %zu and %zu collide", n, n - 1);
        }
        for (size_t i = 0; i < n; i++) {
            buf[i] ^= 0x10;
            cr_assert_neq(h, hash_bytes(buf, n, 0),
                          "byte %zu of %zu ignored", i, n);
            buf[i] ^= 0x10;
        }
        cr_assert_neq(h, hash_bytes(buf, n, 1), "basis ignored");
    }
    char s[] = "namespace=ns-1 And podSelector=app In (a)";
    cr_assert_eq(hash_string(s, 3), hash_bytes(s, strlen(s), 3));
}
