/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * String-keyed hash map of the NetworkPolicy code (policy-map.h).
 */

#include <config.h>
#include "policy-map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The marker of a removed entry: probes go on past it. */
static struct policy_map_node removed_marker;
#define REMOVED (&removed_marker)

/* Returns the hash of 'key': 8 bytes at a time with a multiply-xorshift
 * mix (keys such as flow matches are hashed tens of thousands of times
 * per policy change). */
static size_t
hash_key(const char *key)
{
    size_t len = strlen(key);
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, key, 8);
        h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 32;
        key += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, key, len);
    h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 29;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 32;
    return (size_t) h;
}

void
policy_map_destroy(struct policy_map *map)
{
    for (size_t i = 0; i < map->n_slots; i++) {
        if (map->slots[i].node && map->slots[i].node != REMOVED) {
            free(map->slots[i].node);
        }
    }
    free(map->slots);
    memset(map, 0, sizeof *map);
}

/* Returns the slot of 'key' with 'hash', or NULL. */
static struct policy_map_slot *
find__(const struct policy_map *map, const char *key, size_t hash)
{
    if (!map->n_slots) {
        return NULL;
    }
    size_t mask = map->n_slots - 1;
    for (size_t i = hash & mask; ; i = (i + 1) & mask) {
        struct policy_map_slot *slot = &map->slots[i];
        if (!slot->node) {
            return NULL;
        }
        if (slot->hash == hash && slot->node != REMOVED
            && !strcmp(slot->node->key, key)) {
            return slot;
        }
    }
}

struct policy_map_node *
policy_map_find(const struct policy_map *map, const char *key)
{
    struct policy_map_slot *slot = find__(map, key, hash_key(key));
    return slot ? slot->node : NULL;
}

void *
policy_map_get(const struct policy_map *map, const char *key)
{
    struct policy_map_node *node = policy_map_find(map, key);
    return node ? node->value : NULL;
}

bool
policy_map_contains(const struct policy_map *map, const char *key)
{
    return policy_map_find(map, key) != NULL;
}

/* Rebuilds the slot array with 'n_slots' slots (a power of two that
 * holds every entry), dropping the removed markers.  Only the slots are
 * touched, not the entries. */
static void
rehash(struct policy_map *map, size_t n_slots)
{
    struct policy_map_slot *slots = xcalloc(n_slots, sizeof *slots);
    size_t mask = n_slots - 1;
    for (size_t i = 0; i < map->n_slots; i++) {
        struct policy_map_slot *old = &map->slots[i];
        if (old->node && old->node != REMOVED) {
            size_t k = old->hash & mask;
            while (slots[k].node) {
                k = (k + 1) & mask;
            }
            slots[k] = *old;
        }
    }
    free(map->slots);
    map->slots = slots;
    map->n_slots = n_slots;
    map->n_used = map->n;
}

/* Returns the number of slots that hold 'n' entries at most three
 * quarters full. */
static size_t
slots_for(size_t n)
{
    size_t n_slots = 16;
    while (n_slots / 4 * 3 < n) {
        n_slots *= 2;
    }
    return n_slots;
}

void
policy_map_reserve(struct policy_map *map, size_t n)
{
    size_t n_slots = slots_for(n);
    if (n_slots > map->n_slots) {
        rehash(map, n_slots);
    }
}

/* Adds 'key' with 'hash' and 'value' (not in the map yet); with a
 * nonzero 'blob_size', the value is that many zeroed bytes allocated with
 * the entry instead. */
static struct policy_map_node *
insert__(struct policy_map *map, const char *key, size_t hash, void *value,
         size_t blob_size)
{
    if (map->n_used + 1 > map->n_slots / 4 * 3) {
        /* Grow by four (fewer rehashes while a big table fills), or just
         * sweep the removed markers if the entries alone fit. */
        size_t n_slots = slots_for(map->n + 1);
        rehash(map, n_slots > map->n_slots ? n_slots * 2 : map->n_slots);
    }

    /* One allocation per entry: the node, the key, then the blob, aligned
     * as malloc() aligns. */
    size_t len = strlen(key) + 1;
    size_t align = 2 * sizeof(void *);
    size_t offset = (sizeof(struct policy_map_node) + len + align - 1)
                    / align * align;
    struct policy_map_node *node = xmalloc(offset + blob_size);
    node->hash = hash;
    node->key = memcpy(node + 1, key, len);
    if (blob_size) {
        value = memset((char *) node + offset, 0, blob_size);
    }
    node->value = value;

    size_t mask = map->n_slots - 1;
    size_t i = hash & mask;
    while (map->slots[i].node && map->slots[i].node != REMOVED) {
        i = (i + 1) & mask;
    }
    if (!map->slots[i].node) {
        map->n_used++;
    }
    map->slots[i].hash = hash;
    map->slots[i].node = node;
    map->n++;
    return node;
}

struct policy_map_node *
policy_map_put(struct policy_map *map, const char *key, void *value,
               void **oldp)
{
    size_t hash = hash_key(key);
    struct policy_map_slot *slot = find__(map, key, hash);
    if (slot) {
        if (oldp) {
            *oldp = slot->node->value;
        }
        slot->node->value = value;
        return slot->node;
    }
    if (oldp) {
        *oldp = NULL;
    }
    return insert__(map, key, hash, value, 0);
}

struct policy_map_node *
policy_map_insert_new(struct policy_map *map, const char *key, void *value)
{
    return insert__(map, key, hash_key(key), value, 0);
}

struct policy_map_node *
policy_map_insert_blob(struct policy_map *map, const char *key, size_t size)
{
    return insert__(map, key, hash_key(key), NULL, size);
}

void *
policy_map_remove(struct policy_map *map, const char *key)
{
    struct policy_map_slot *slot = find__(map, key, hash_key(key));
    if (!slot) {
        return NULL;
    }
    struct policy_map_node *node = slot->node;
    void *value = node->value;
    slot->node = REMOVED;
    map->n--;
    free(node);
    return value;
}

struct policy_map_node *
policy_map_next(const struct policy_map *map,
                struct policy_map_cursor *cursor)
{
    if (!cursor->started) {
        cursor->started = true;
        cursor->slot = 0;
    }
    while (cursor->slot < map->n_slots) {
        struct policy_map_node *node = map->slots[cursor->slot++].node;
        if (node && node != REMOVED) {
            return node;
        }
    }
    return NULL;
}

/* qsort() comparison of two string pointers. */
static int
compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;
    return strcmp(*a, *b);
}

const char **
policy_map_sorted_keys(const struct policy_map *map)
{
    const char **keys = xmalloc((map->n ? map->n : 1) * sizeof *keys);
    size_t n = 0;
    struct policy_map_cursor cursor = { 0, NULL, false };
    struct policy_map_node *node;
    while ((node = policy_map_next(map, &cursor)) != NULL) {
        keys[n++] = node->key;
    }
    if (n > 1) {
        qsort(keys, n, sizeof *keys, compare_strings);
    }
    return keys;
}
