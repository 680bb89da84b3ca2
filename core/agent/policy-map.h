/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A hash map from strings to pointers, for the agent's NetworkPolicy code
 * (policy-cache.c, policy-reconciler.c): objects by name, groups by name,
 * desired flows by key.  Keys are copied into the map and owned by it;
 * values are the caller's.  Open addressing with linear probing over an
 * array of (hash, entry) slots, so that a probe that does not match never
 * touches the entry (the flow table of a large policy set has tens of
 * thousands of entries, looked up once per generated flow); grown to
 * four times when three quarters full (removed slots included).
 * Iteration order is unspecified.  Not thread-safe.
 */

#ifndef POLICY_MAP_H
#define POLICY_MAP_H 1

#include <stdbool.h>
#include <stddef.h>

/* One entry; read 'key' and 'value', never change 'key'. */
struct policy_map_node {
    size_t hash;                    /* hash of 'key' */
    char *key;                      /* owned by the map (stored with the
                                       node) */
    void *value;                    /* owned by the caller */
};

/* A slot of the map's array. */
struct policy_map_slot {
    size_t hash;                    /* the entry's hash, if any */
    struct policy_map_node *node;   /* the entry, NULL if free, or the
                                       map's removed marker */
};

/* The map.  Zero-initialised it is empty and valid. */
struct policy_map {
    struct policy_map_slot *slots;  /* 'n_slots' slots, or NULL */
    size_t n_slots;                 /* a power of two, or 0 */
    size_t n;                       /* number of entries */
    size_t n_used;                  /* entries and removed markers */
};

#define POLICY_MAP_INITIALIZER { NULL, 0, 0, 0 }

/* Frees the map's entries and keys (not the values), leaving it empty. */
void policy_map_destroy(struct policy_map *);

/* Makes room for 'n' entries without rehashing. */
void policy_map_reserve(struct policy_map *, size_t n);

/* Returns the entry of 'key', or NULL. */
struct policy_map_node *policy_map_find(const struct policy_map *,
                                        const char *key);

/* Returns the value of 'key', or NULL if there is none. */
void *policy_map_get(const struct policy_map *, const char *key);

/* Returns true if 'key' is in the map. */
bool policy_map_contains(const struct policy_map *, const char *key);

/* Sets 'key' to 'value' and returns the entry; the previous value, if
 * any, is stored in '*oldp' (if nonnull; NULL when there was none). */
struct policy_map_node *policy_map_put(struct policy_map *, const char *key,
                                       void *value, void **oldp);

/* Adds 'key', which must not be in the map, with 'value' and returns the
 * entry: policy_map_put() without the lookup, for a key just looked up. */
struct policy_map_node *policy_map_insert_new(struct policy_map *,
                                              const char *key, void *value);

/* The same, with a value of 'size' zeroed bytes allocated with the entry
 * (node->value points to it): for values that live exactly as long as
 * their entry.  policy_map_remove() and policy_map_destroy() free it with
 * the entry; the caller must not. */
struct policy_map_node *policy_map_insert_blob(struct policy_map *,
                                               const char *key, size_t size);

/* Removes 'key' and returns its value (NULL if absent; for an entry of
 * policy_map_insert_blob() a freed pointer, not to be used). */
void *policy_map_remove(struct policy_map *, const char *key);

/* Returns the number of entries. */
static inline size_t
policy_map_count(const struct policy_map *map)
{
    return map->n;
}

/* Iteration: 'cursor' starts zeroed; returns the next entry or NULL at the
 * end.  The map may not change during a walk, except that the entry just
 * returned may be removed with policy_map_remove(). */
struct policy_map_cursor {
    size_t slot;                    /* slot of the next entry to look at */
    void *unused;                   /* reserved */
    bool started;                   /* the walk has begun */
};
struct policy_map_node *policy_map_next(const struct policy_map *,
                                        struct policy_map_cursor *);

/* Returns the keys of 'map' sorted with strcmp, in a malloc'd array of
 * 'policy_map_count(map)' pointers into the map (caller frees the array
 * only), for deterministic walks. */
const char **policy_map_sorted_keys(const struct policy_map *);

#endif /* policy-map.h */
