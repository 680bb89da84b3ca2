/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Hash tables for the controller's indexes (the core library has none):
 * 'struct str_map' maps strings to pointers and 'struct ptr_set' is a set
 * of pointers, both open-addressing with linear probing and backward-shift
 * deletion (no tombstones, so a table never degrades after many
 * deletions); 'struct hmap' is an intrusive chained table, as in Open
 * vSwitch, for objects with composite keys (a Namespace and a name, a
 * label's key and value) that would otherwise need a formatted string
 * key: the caller hashes and compares, the table stores no key.
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

/* Returns a 32-bit hash of the 'n' bytes at 'p' (8 bytes per multiply-mix
 * step, then murmur3's finaliser). */
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
    uint32_t mask;              /* number of slots minus 1 */
    uint32_t n;                 /* keys in the map */
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

/* str_map_get() and str_map_put() with 'hash' = hash_string('key', 0)
 * computed by the caller: a lookup followed by an insertion of the same
 * key (the usual "find or create") hashes it once. */
void *str_map_get_hashed(const struct str_map *, const char *key,
                         uint32_t hash);
void *str_map_put_hashed(struct str_map *, const char *key, uint32_t hash,
                         void *value);

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

/* A set of non-null pointers: up to 8 slots, an unhashed array scanned
 * in order (most sets hold a few pointers); beyond, an open-addressing
 * table.  Either way iteration visits the non-null slots. */
struct ptr_set {
    void **slots;               /* 'mask' + 1 slots (NULL: empty) */
    uint32_t mask;              /* number of slots minus 1 */
    uint32_t n;                 /* pointers in the set */
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

/* Returns the hash of pointer 'p'. */
uint32_t hash_pointer(const void *p);

/* An intrusive chained hash table: objects embed a 'struct hmap_node'. */
struct hmap_node {
    struct hmap_node *next;     /* next node in the same bucket */
    uint32_t hash;              /* the hash the node was inserted with */
};

/* The table. */
struct hmap {
    struct hmap_node **buckets; /* 'mask' + 1 chains, or NULL when empty */
    size_t mask;                /* number of buckets minus 1 */
    size_t n;                   /* nodes in the table */
};

#define HMAP_INITIALIZER { NULL, 0, 0 }

void hmap_init(struct hmap *);
void hmap_destroy(struct hmap *);

/* Inserts 'node' with 'hash' (duplicates are the caller's business). */
void hmap_insert(struct hmap *, struct hmap_node *node, uint32_t hash);

/* Removes 'node', which must be in the table. */
void hmap_remove(struct hmap *, struct hmap_node *node);

/* Returns the first node with 'hash' (or a colliding one: the caller
 * compares keys and goes on with hmap_next_with_hash()), or NULL. */
struct hmap_node *hmap_first_with_hash(const struct hmap *, uint32_t hash);

/* Returns the next node after 'node' with the same hash, or NULL. */
struct hmap_node *hmap_next_with_hash(const struct hmap_node *node);

/* Returns the first node of the table in bucket order, or NULL. */
struct hmap_node *hmap_first(const struct hmap *);

/* Returns the node after 'node' in bucket order, or NULL. */
struct hmap_node *hmap_next(const struct hmap *, const struct hmap_node *);

/* Number of nodes. */
static inline size_t
hmap_count(const struct hmap *map)
{
    return map->n;
}

/* Returns the struct of type 'TYPE' whose member 'MEMBER' is at 'NODE'
 * (NULL for NULL). */
#define HMAP_OBJECT(NODE, TYPE, MEMBER)                                 \
    ((NODE) ? (TYPE *) (void *) ((char *) (NODE)                        \
                                 - offsetof(TYPE, MEMBER)) : NULL)

/* Iterates 'OBJ' (a 'TYPE *') over the objects with hash 'HASH'. */
#define HMAP_FOR_EACH_WITH_HASH(OBJ, TYPE, MEMBER, HASH, MAP)           \
    for (TYPE *OBJ = HMAP_OBJECT(hmap_first_with_hash(MAP, HASH),       \
                                 TYPE, MEMBER);                         \
         OBJ;                                                           \
         OBJ = HMAP_OBJECT(hmap_next_with_hash(&OBJ->MEMBER), TYPE,     \
                           MEMBER))

/* Iterates 'OBJ' (a 'TYPE *') over every object of 'MAP'.  The current
 * object may not be removed; use HMAP_FOR_EACH_POP to empty a table. */
#define HMAP_FOR_EACH(OBJ, TYPE, MEMBER, MAP)                           \
    for (TYPE *OBJ = HMAP_OBJECT(hmap_first(MAP), TYPE, MEMBER);        \
         OBJ;                                                           \
         OBJ = HMAP_OBJECT(hmap_next(MAP, &OBJ->MEMBER), TYPE, MEMBER))

/* Removes every object of 'MAP' in turn, 'OBJ' (a 'TYPE *') pointing to
 * it in the body. */
#define HMAP_FOR_EACH_POP(OBJ, TYPE, MEMBER, MAP)                       \
    for (TYPE *OBJ;                                                     \
         (OBJ = HMAP_OBJECT(hmap_first(MAP), TYPE, MEMBER)) != NULL      \
         && (hmap_remove(MAP, &OBJ->MEMBER), true); )

#endif /* hash-map.h */
