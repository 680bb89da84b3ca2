/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A small string-to-string map, the type the OVS shim uses for OVSDB map
 * columns (external_ids, options, other_config) on both sides of its API.
 *
 * This header, like every aovs-*.h header, includes no Open vSwitch header:
 * it is what the agent's code sees of the OVS layer (see "Linking the OVS
 * library" in docs/architecture.md).
 *
 * A map always owns its strings: aovs_smap_add() copies them and
 * aovs_smap_destroy() frees them, whoever built the map.
 */

#ifndef AOVS_SMAP_H
#define AOVS_SMAP_H 1

#include <stddef.h>

/* One key and its value. */
struct aovs_smap_entry {
    const char *key;            /* Owned by the map, never NULL. */
    const char *value;          /* Owned by the map, never NULL. */
};

/* A map with distinct keys.  Maps the shim returns are sorted by key; a map
 * built with aovs_smap_add() keeps insertion order. */
struct aovs_smap {
    struct aovs_smap_entry *entries; /* 'n' entries. */
    size_t n;                   /* Number of entries. */
    size_t allocated;           /* Capacity of 'entries'. */
};

#define AOVS_SMAP_INITIALIZER { NULL, 0, 0 }

void aovs_smap_init(struct aovs_smap *);
void aovs_smap_destroy(struct aovs_smap *);
void aovs_smap_add(struct aovs_smap *, const char *key, const char *value);
const char *aovs_smap_get(const struct aovs_smap *, const char *key);

#endif /* aovs-smap.h */
