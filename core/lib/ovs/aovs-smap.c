/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The shim's string map (see aovs-smap.h), and the conversions between it
 * and Open vSwitch's struct smap that the other wrappers use.
 *
 * Like every file in core/lib/ovs/, this is compiled in "OVS world": with
 * Open vSwitch's config.h forced in by the build (-include), never ours,
 * which is why there is no "#include <config.h>" line.
 */

#include "aovs-smap.h"
#include "aovs-private.h"

#include <stdlib.h>
#include <string.h>

#include "smap.h"
#include "util.h"

/* Initializes 'map' as empty. */
void
aovs_smap_init(struct aovs_smap *map)
{
    map->entries = NULL;
    map->n = 0;
    map->allocated = 0;
}

/* Frees the strings and memory of 'map' (which may be NULL) and leaves it
 * empty. */
void
aovs_smap_destroy(struct aovs_smap *map)
{
    if (!map) {
        return;
    }
    for (size_t i = 0; i < map->n; i++) {
        free(CONST_CAST(char *, map->entries[i].key));
        free(CONST_CAST(char *, map->entries[i].value));
    }
    free(map->entries);
    aovs_smap_init(map);
}

/* Sets 'key' to 'value' in 'map', replacing any value 'key' had.  Copies
 * both strings. */
void
aovs_smap_add(struct aovs_smap *map, const char *key, const char *value)
{
    for (size_t i = 0; i < map->n; i++) {
        if (!strcmp(map->entries[i].key, key)) {
            free(CONST_CAST(char *, map->entries[i].value));
            map->entries[i].value = xstrdup(value);
            return;
        }
    }
    if (map->n >= map->allocated) {
        map->entries = x2nrealloc(map->entries, &map->allocated,
                                  sizeof *map->entries);
    }
    map->entries[map->n].key = xstrdup(key);
    map->entries[map->n].value = xstrdup(value);
    map->n++;
}

/* Returns the value of 'key' in 'map' (which may be NULL), or NULL if it
 * has none.  The string belongs to 'map'. */
const char *
aovs_smap_get(const struct aovs_smap *map, const char *key)
{
    if (map) {
        for (size_t i = 0; i < map->n; i++) {
            if (!strcmp(map->entries[i].key, key)) {
                return map->entries[i].value;
            }
        }
    }
    return NULL;
}

/* Initializes OVS map 'dst' with a copy of 'src' (which may be NULL). */
void
aovs_smap_to_ovs(const struct aovs_smap *src, struct smap *dst)
{
    smap_init(dst);
    if (src) {
        for (size_t i = 0; i < src->n; i++) {
            smap_replace(dst, src->entries[i].key, src->entries[i].value);
        }
    }
}

/* Initializes 'dst' with a copy of OVS map 'src', sorted by key. */
void
aovs_smap_from_ovs(const struct smap *src, struct aovs_smap *dst)
{
    const struct smap_node **nodes = smap_sort(src);
    size_t n = smap_count(src);

    aovs_smap_init(dst);
    if (n) {
        dst->entries = xmalloc(n * sizeof *dst->entries);
        dst->allocated = n;
        for (size_t i = 0; i < n; i++) {
            dst->entries[i].key = xstrdup(nodes[i]->key);
            dst->entries[i].value = xstrdup(nodes[i]->value);
        }
        dst->n = n;
    }
    free(nodes);
}
