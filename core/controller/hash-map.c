/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Hash tables (hash-map.h): open addressing with linear probing at a
 * load factor of at most 3/4 (str_map slots store the hash and ptr_set
 * compares pointers, so longer probes cost little, and the big tables
 * take half the memory they would at 1/2) and backward-shift deletion; and the
 * intrusive chained hmap, at most one node per bucket on average.
 */

#include <config.h>

#include "hash-map.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Finishes a hash so that its low bits, which pick the slot, depend on
 * every input bit (murmur3's finaliser). */
static uint32_t
hash_finish(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6b;
    h ^= h >> 13;
    h *= 0xc2b2ae35;
    h ^= h >> 16;
    return h;
}

uint32_t
hash_bytes(const void *p_, size_t n, uint32_t basis)
{
    /* Eight bytes per step (names are mostly 10-40 bytes: a byte at a
     * time was a visible part of the controller's lookups), each word
     * mixed in with a multiply and a shift. */
    const uint8_t *p = p_;
    uint64_t h = (basis ^ n) * UINT64_C(0x9e3779b97f4a7c15);
    uint64_t w;

    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
        h ^= h >> 29;
    }
    if (n) {
        w = 0;
        memcpy(&w, p, n);
        h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
        h ^= h >> 29;
    }
    h *= UINT64_C(0x94d049bb133111eb);
    return hash_finish((uint32_t) (h ^ (h >> 32)));
}

uint32_t
hash_string(const char *s, uint32_t basis)
{
    return hash_bytes(s, strlen(s), basis);
}

/* Returns 'n' * 'size' bytes of zeros, written rather than calloc()'d:
 * a table's probes read its slots before writing them, and fresh calloc()
 * memory that is read first is mapped to the zero page and faulted again
 * on the first write, so writing the zeros now halves its page faults. */
static void *
zalloc_written(size_t n, size_t size)
{
    void *p = xmalloc(n * size);

    memset(p, 0, n * size);
    return p;
}

uint32_t
hash_pointer(const void *p)
{
    uint64_t x = (uintptr_t) p;

    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return (uint32_t) x;
}

void
str_map_init(struct str_map *map)
{
    map->slots = NULL;
    map->mask = 0;
    map->n = 0;
}

void
str_map_destroy(struct str_map *map)
{
    if (map) {
        free(map->slots);
        str_map_init(map);
    }
}

/* Returns the slot that holds 'key' (hash 'hash') or the empty slot where
 * it would go.  The map must have slots. */
static struct str_map_slot *
str_map_find_slot(const struct str_map *map, const char *key, uint32_t hash)
{
    for (size_t i = hash & map->mask; ; i = (i + 1) & map->mask) {
        struct str_map_slot *slot = &map->slots[i];

        if (!slot->key
            || (slot->hash == hash && !strcmp(slot->key, key))) {
            return slot;
        }
    }
}

void *
str_map_get(const struct str_map *map, const char *key)
{
    return map->n ? str_map_get_hashed(map, key, hash_string(key, 0)) : NULL;
}

void *
str_map_get_hashed(const struct str_map *map, const char *key,
                   uint32_t hash)
{
    if (!map->n) {
        return NULL;
    }
    struct str_map_slot *slot = str_map_find_slot(map, key, hash);
    return slot->key ? slot->value : NULL;
}

/* Doubles the number of slots of 'map' (or creates the first ones). */
static void
str_map_grow(struct str_map *map)
{
    struct str_map_slot *old = map->slots;
    size_t old_n_slots = old ? map->mask + 1 : 0;
    size_t n_slots = old_n_slots ? old_n_slots * 2 : 4;

    map->slots = zalloc_written(n_slots, sizeof *map->slots);
    map->mask = n_slots - 1;
    for (size_t i = 0; i < old_n_slots; i++) {
        if (old[i].key) {
            *str_map_find_slot(map, old[i].key, old[i].hash) = old[i];
        }
    }
    free(old);
}

void *
str_map_put(struct str_map *map, const char *key, void *value)
{
    return str_map_put_hashed(map, key, hash_string(key, 0), value);
}

void *
str_map_put_hashed(struct str_map *map, const char *key, uint32_t hash,
                   void *value)
{
    if (!map->slots || (map->n + 1) * 4 > (map->mask + 1) * 3) {
        str_map_grow(map);
    }

    struct str_map_slot *slot = str_map_find_slot(map, key, hash);
    void *old = slot->key ? slot->value : NULL;
    if (!slot->key) {
        map->n++;
    }
    slot->key = key;
    slot->value = value;
    slot->hash = hash;
    return old;
}

void *
str_map_remove(struct str_map *map, const char *key)
{
    if (!map->n) {
        return NULL;
    }

    struct str_map_slot *slot = str_map_find_slot(map, key,
                                                  hash_string(key, 0));
    if (!slot->key) {
        return NULL;
    }
    void *value = slot->value;
    map->n--;

    /* Backward-shift: move later members of the probe run into the hole
     * when their home slot does not lie after the hole. */
    size_t hole = slot - map->slots;
    for (size_t i = (hole + 1) & map->mask; map->slots[i].key;
         i = (i + 1) & map->mask) {
        size_t home = map->slots[i].hash & map->mask;
        if (((i - home) & map->mask) >= ((i - hole) & map->mask)) {
            map->slots[hole] = map->slots[i];
            hole = i;
        }
    }
    map->slots[hole].key = NULL;
    map->slots[hole].value = NULL;
    return value;
}

void
ptr_set_init(struct ptr_set *set)
{
    set->slots = NULL;
    set->mask = 0;
    set->n = 0;
}

void
ptr_set_destroy(struct ptr_set *set)
{
    if (set) {
        free(set->slots);
        ptr_set_init(set);
    }
}

/* Sets of at most PTR_SET_SMALL slots (most sets: a group's few Pods, a
 * Pod's few groups) are not hashed: their pointers sit in slots[0..n-1],
 * are found by a scan and fill every slot, so they grow less often and
 * need no hashing.  Larger sets are open-addressing tables at load factor
 * 3/4. */
#define PTR_SET_SMALL 8

/* Returns true if 'set' is a small, unhashed set. */
static bool
ptr_set_is_small(const struct ptr_set *set)
{
    return set->mask < PTR_SET_SMALL;
}

/* Returns the index of the slot holding 'p' or of the empty slot where it
 * would go.  The set must have slots and be hashed. */
static size_t
ptr_set_find_slot(const struct ptr_set *set, const void *p)
{
    for (size_t i = hash_pointer(p) & set->mask; ;
         i = (i + 1) & set->mask) {
        if (!set->slots[i] || set->slots[i] == p) {
            return i;
        }
    }
}

/* Returns the index of 'p' in small set 'set', or SIZE_MAX. */
static size_t
ptr_set_small_find(const struct ptr_set *set, const void *p)
{
    for (size_t i = 0; i < set->n; i++) {
        if (set->slots[i] == p) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* Doubles the number of slots of 'set' (or creates the first ones). */
static void
ptr_set_grow(struct ptr_set *set)
{
    void **old = set->slots;
    size_t old_n_slots = old ? set->mask + 1 : 0;
    size_t n_slots = old_n_slots ? old_n_slots * 2 : 2;

    set->slots = zalloc_written(n_slots, sizeof *set->slots);
    set->mask = n_slots - 1;
    if (ptr_set_is_small(set)) {
        if (set->n) {
            memcpy(set->slots, old, set->n * sizeof *set->slots);
        }
    } else {
        for (size_t i = 0; i < old_n_slots; i++) {
            if (old[i]) {
                set->slots[ptr_set_find_slot(set, old[i])] = old[i];
            }
        }
    }
    free(old);
}

bool
ptr_set_add(struct ptr_set *set, void *p)
{
    if (set->slots && ptr_set_is_small(set)) {
        if (ptr_set_small_find(set, p) != SIZE_MAX) {
            return false;
        }
        if (set->n > set->mask) {
            ptr_set_grow(set);
        }
    } else if (!set->slots || (set->n + 1) * 4 > (set->mask + 1) * 3) {
        ptr_set_grow(set);
    }
    if (ptr_set_is_small(set)) {
        set->slots[set->n++] = p;
        return true;
    }
    size_t i = ptr_set_find_slot(set, p);
    if (set->slots[i]) {
        return false;
    }
    set->slots[i] = p;
    set->n++;
    return true;
}

bool
ptr_set_contains(const struct ptr_set *set, const void *p)
{
    if (!set->n) {
        return false;
    }
    return (ptr_set_is_small(set)
            ? ptr_set_small_find(set, p) != SIZE_MAX
            : set->slots[ptr_set_find_slot(set, p)] != NULL);
}

bool
ptr_set_remove(struct ptr_set *set, const void *p)
{
    if (!set->n) {
        return false;
    }
    if (ptr_set_is_small(set)) {
        size_t i = ptr_set_small_find(set, p);
        if (i == SIZE_MAX) {
            return false;
        }
        set->slots[i] = set->slots[--set->n];
        set->slots[set->n] = NULL;
        if (!set->n) {
            ptr_set_destroy(set);
        }
        return true;
    }
    size_t hole = ptr_set_find_slot(set, p);
    if (!set->slots[hole]) {
        return false;
    }
    set->n--;
    for (size_t i = (hole + 1) & set->mask; set->slots[i];
         i = (i + 1) & set->mask) {
        size_t home = hash_pointer(set->slots[i]) & set->mask;
        if (((i - home) & set->mask) >= ((i - hole) & set->mask)) {
            set->slots[hole] = set->slots[i];
            hole = i;
        }
    }
    set->slots[hole] = NULL;
    if (!set->n) {
        ptr_set_destroy(set);
    }
    return true;
}

void
hmap_init(struct hmap *map)
{
    map->buckets = NULL;
    map->mask = 0;
    map->n = 0;
}

void
hmap_destroy(struct hmap *map)
{
    if (map) {
        free(map->buckets);
        hmap_init(map);
    }
}

/* Resizes 'map' to 'n_buckets' chains (a power of 2). */
static void
hmap_resize(struct hmap *map, size_t n_buckets)
{
    struct hmap_node **old = map->buckets;
    size_t old_n = old ? map->mask + 1 : 0;

    map->buckets = zalloc_written(n_buckets, sizeof *map->buckets);
    map->mask = n_buckets - 1;
    for (size_t i = 0; i < old_n; i++) {
        struct hmap_node *node, *next;
        for (node = old[i]; node; node = next) {
            struct hmap_node **b = &map->buckets[node->hash & map->mask];
            next = node->next;
            node->next = *b;
            *b = node;
        }
    }
    free(old);
}

void
hmap_insert(struct hmap *map, struct hmap_node *node, uint32_t hash)
{
    if (!map->buckets || map->n + 1 > map->mask + 1) {
        hmap_resize(map, map->buckets ? (map->mask + 1) * 2 : 2);
    }

    struct hmap_node **b = &map->buckets[hash & map->mask];
    node->hash = hash;
    node->next = *b;
    *b = node;
    map->n++;
}

void
hmap_remove(struct hmap *map, struct hmap_node *node)
{
    struct hmap_node **p = &map->buckets[node->hash & map->mask];

    while (*p != node) {
        p = &(*p)->next;
    }
    *p = node->next;
    map->n--;
    if (!map->n) {
        hmap_destroy(map);
    }
}

struct hmap_node *
hmap_first_with_hash(const struct hmap *map, uint32_t hash)
{
    struct hmap_node *node = map->n ? map->buckets[hash & map->mask] : NULL;

    while (node && node->hash != hash) {
        node = node->next;
    }
    return node;
}

struct hmap_node *
hmap_next_with_hash(const struct hmap_node *node)
{
    uint32_t hash = node->hash;

    for (node = node->next; node && node->hash != hash; node = node->next) {
        continue;
    }
    return CONST_CAST(struct hmap_node *, node);
}

/* Returns the first node in bucket 'i' or a later one, or NULL. */
static struct hmap_node *
hmap_first_from(const struct hmap *map, size_t i)
{
    for (; map->buckets && i <= map->mask; i++) {
        if (map->buckets[i]) {
            return map->buckets[i];
        }
    }
    return NULL;
}

struct hmap_node *
hmap_first(const struct hmap *map)
{
    return hmap_first_from(map, 0);
}

struct hmap_node *
hmap_next(const struct hmap *map, const struct hmap_node *node)
{
    return (node->next ? node->next
            : hmap_first_from(map, (node->hash & map->mask) + 1));
}
