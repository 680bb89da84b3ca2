/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Two small open-addressing hash tables for the controller's indexes (the
 * core library has no hash table): 'struct str_map' maps strings to
 * pointers, 'struct ptr_set' is a set of pointers.  Both use linear
 * probing with backward-shift deletion, so there are no tombstones and a
 * table never degrades after many deletions.
 *
 * A str_map does not copy its keys: a key must stay valid, unchanged,
 * while it is in the map (it usually lives in the value).  Neither table
 * owns what it points to.  Iteration order is unspecified; a table must
 * not be changed while it is being iterated, except that
 * str_map_remove()/ptr_set_remove() of the current item is not allowed
 * either (collect first, then remove).
 */

#ifndef HASH_MAP_H
#define HASH_MAP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns a 32-bit hash of the 'n' bytes at 'p' (FNV-1a, then mixed). */
uint32_t hash_bytes(const void *p, size_t n, uint32_t basis);

/* Returns a hash of string 's'. */
uint32_t hash_string(const char *s, uint32_t basis);

/* One slot of a str_map. */
struct str_map_slot {
    const char *key;            /* NULL: empty slot */
    void *value;                /* the value stored under 'key' */
    uint32_t hash;              /* hash_string(key, 0) */
};

/* A map from strings to pointers. */
struct str_map {
    struct str_map_slot *slots; /* 'mask' + 1 slots, or NULL when empty */
    size_t mask;                /* number of slots minus 1 */
    size_t n;                   /* keys in the map */
};

#define STR_MAP_INITIALIZER { NULL, 0, 0 }

void str_map_init(struct str_map *);
void str_map_destroy(struct str_map *);

/* Returns the value under 'key', or NULL. */
void *str_map_get(const struct str_map *, const char *key);

/* Stores 'value' under 'key' and returns the value that was there before
 * (NULL if none; the old key pointer is replaced by 'key'). */
void *str_map_put(struct str_map *, const char *key, void *value);

/* Removes 'key' and returns its value, or NULL if it was absent. */
void *str_map_remove(struct str_map *, const char *key);

/* Number of keys. */
static inline size_t
str_map_count(const struct str_map *map)
{
    return map->n;
}

/* Iterates over every slot of 'MAP' with 'SLOT' pointing to each used
 * one. */
#define STR_MAP_FOR_EACH(SLOT, MAP)                                     \
    for (struct str_map_slot *SLOT = (MAP)->slots;                      \
         (MAP)->slots && SLOT <= &(MAP)->slots[(MAP)->mask]; SLOT++)    \
        if (SLOT->key)

/* A set of non-null pointers. */
struct ptr_set {
    void **slots;               /* 'mask' + 1 slots (NULL: empty) */
    size_t mask;                /* number of slots minus 1 */
    size_t n;                   /* pointers in the set */
};

#define PTR_SET_INITIALIZER { NULL, 0, 0 }

void ptr_set_init(struct ptr_set *);
void ptr_set_destroy(struct ptr_set *);

/* Adds 'p'; returns false if it was already there. */
bool ptr_set_add(struct ptr_set *, void *p);

/* Removes 'p'; returns false if it was not there. */
bool ptr_set_remove(struct ptr_set *, const void *p);

/* Returns true if 'p' is in the set. */
bool ptr_set_contains(const struct ptr_set *, const void *p);

/* Number of pointers. */
static inline size_t
ptr_set_count(const struct ptr_set *set)
{
    return set->n;
}

/* Iterates over every pointer 'P' (of type 'TYPE *') in 'SET'. */
#define PTR_SET_FOR_EACH(P, TYPE, SET)                                  \
    for (size_t P##__i = 0; (SET)->slots && P##__i <= (SET)->mask;      \
         P##__i++)                                                      \
        for (TYPE *P = (SET)->slots[P##__i]; P; P = NULL)

#endif /* hash-map.h */
