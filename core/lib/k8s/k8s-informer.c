/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The cache of one resource and its handlers; see k8s-informer.h.
 *
 * The cache is a jansson object used as a hash table: key -> object.
 * jansson's objects hash their keys and keep insertion order, which is
 * all a cache needs, and the objects are jansson values anyway.
 */

#include <config.h>
#include "k8s/k8s-informer.h"

#include <stdlib.h>
#include <string.h>

#include "k8s/k8s-resource.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(k8s-informer);

struct k8s_informer {
    struct k8s_reflector *reflector; /* feeds us */
    json_t *store;              /* key -> object */
    bool synced;                /* the first list arrived */
    struct k8s_informer_handlers handlers; /* the user's */
    void *aux;                  /* for 'handlers' */
};

static void informer_replace(json_t *items, const char *resource_version,
                             void *informer_);
static void informer_event(enum k8s_event_type, json_t *object,
                           void *informer_);
static void informer_failed(const char *error, void *informer_);

/* Returns a new informer for 'resource' through 'client', listing and
 * watching as 'options' (NULL: defaults) say and calling 'handlers'
 * (copied; NULL: none) with 'aux'.  It does nothing until
 * k8s_informer_start(). */
struct k8s_informer *
k8s_informer_create(struct k8s_client *client,
                    const struct k8s_resource *resource,
                    const struct k8s_list_watch_options *options,
                    const struct k8s_informer_handlers *handlers, void *aux)
{
    static const struct k8s_reflector_handlers reflector_handlers = {
        .replace = informer_replace,
        .event = informer_event,
        .failed = informer_failed,
    };
    struct k8s_informer *informer = xcalloc(1, sizeof *informer);

    informer->store = json_object();
    if (!informer->store) {
        out_of_memory();
    }
    if (handlers) {
        informer->handlers = *handlers;
    }
    informer->aux = aux;
    informer->reflector = k8s_reflector_create(client, resource, options,
                                               &reflector_handlers,
                                               informer);
    return informer;
}

/* Starts listing and watching (again, after the reflector gave up). */
void
k8s_informer_start(struct k8s_informer *informer)
{
    k8s_reflector_start(informer->reflector);
}

/* Stops 'informer' without calling any handler and frees it with its
 * cache.  Accepts NULL. */
void
k8s_informer_destroy(struct k8s_informer *informer)
{
    if (informer) {
        k8s_reflector_destroy(informer->reflector);
        json_decref(informer->store);
        free(informer);
    }
}

/* Returns true once the first complete list is in the cache. */
bool
k8s_informer_has_synced(const struct k8s_informer *informer)
{
    return informer->synced;
}

/* Returns the cached object 'name' in 'namespace' (NULL or "" for a
 * cluster-scoped resource), borrowed, or NULL if there is none. */
json_t *
k8s_informer_get(const struct k8s_informer *informer, const char *namespace,
                 const char *name)
{
    char *key = k8s_make_key(namespace, name);
    json_t *object = json_object_get(informer->store, key);
    free(key);
    return object;
}

/* Returns the cached object with key 'key' ("namespace/name" or "name"),
 * borrowed, or NULL if there is none. */
json_t *
k8s_informer_get_by_key(const struct k8s_informer *informer, const char *key)
{
    return json_object_get(informer->store, key);
}

/* Returns the number of cached objects. */
size_t
k8s_informer_count(const struct k8s_informer *informer)
{
    return json_object_size(informer->store);
}

/* Returns the cache itself, a jansson object mapping keys to objects, for
 * iterating with json_object_foreach.  It must not be modified, and
 * changes when the loop runs. */
const json_t *
k8s_informer_store(const struct k8s_informer *informer)
{
    return informer->store;
}

/* Returns the last resourceVersion seen, or NULL before the first list. */
const char *
k8s_informer_resource_version(const struct k8s_informer *informer)
{
    return k8s_reflector_resource_version(informer->reflector);
}

/* Returns the reflector that feeds 'informer' (for its state and
 * counters). */
struct k8s_reflector *
k8s_informer_reflector(const struct k8s_informer *informer)
{
    return informer->reflector;
}

/* Returns true if 'a' and 'b' have different resourceVersions (or either
 * has none). */
static bool
versions_differ(const json_t *a, const json_t *b)
{
    const char *rv_a = k8s_object_resource_version(a);
    const char *rv_b = k8s_object_resource_version(b);
    return !rv_a || !rv_b || strcmp(rv_a, rv_b);
}

/* Stores 'object' (taking a new reference) under 'key', then calls 'add'
 * or, if 'key' held an object whose version differs, 'update'. */
static void
store_and_notify(struct k8s_informer *informer, const char *key,
                 json_t *object)
{
    json_t *old = json_object_get(informer->store, key);

    json_incref(old);
    json_object_set(informer->store, key, object);
    if (!old) {
        if (informer->handlers.add) {
            informer->handlers.add(object, informer->aux);
        }
    } else if (versions_differ(old, object)) {
        if (informer->handlers.update) {
            informer->handlers.update(old, object, informer->aux);
        }
    }
    json_decref(old);
}

/* The reflector's complete list: reconciles the cache with 'items'. */
static void
informer_replace(json_t *items, const char *resource_version,
                 void *informer_)
{
    struct k8s_informer *informer = informer_;
    json_t *listed = json_object();
    size_t i;
    json_t *item;

    json_array_foreach (items, i, item) {
        char *key = k8s_object_key(item);
        if (!key) {
            LOG_WARN("%s: ignoring a listed object with no name",
                     k8s_reflector_name(informer->reflector));
            continue;
        }
        json_object_set_new(listed, key, json_true());
        store_and_notify(informer, key, item);
        free(key);
    }

    /* Whatever the list lacks was deleted while we were not watching. */
    const char *key;
    json_t *object;
    void *tmp;
    json_t *gone = json_array();
    json_object_foreach_safe (informer->store, tmp, key, object) {
        if (!json_object_get(listed, key)) {
            json_array_append(gone, object);
            json_object_del(informer->store, key);
        }
    }
    json_array_foreach (gone, i, object) {
        if (informer->handlers.delete) {
            informer->handlers.delete(object, informer->aux);
        }
    }
    json_decref(gone);
    json_decref(listed);

    LOG_DBG("%s: %zu objects at resourceVersion %s",
            k8s_reflector_name(informer->reflector),
            json_object_size(informer->store), resource_version);
    if (!informer->synced) {
        informer->synced = true;
        if (informer->handlers.synced) {
            informer->handlers.synced(informer->aux);
        }
    }
}

/* A watch event: applies it to the cache and calls the handler. */
static void
informer_event(enum k8s_event_type type, json_t *object, void *informer_)
{
    struct k8s_informer *informer = informer_;
    char *key = k8s_object_key(object);

    if (type == K8S_EVENT_DELETED) {
        if (json_object_get(informer->store, key)) {
            json_object_del(informer->store, key);
            if (informer->handlers.delete) {
                informer->handlers.delete(object, informer->aux);
            }
        } else {
            LOG_DBG("%s: DELETED for %s, which is not cached",
                    k8s_reflector_name(informer->reflector), key);
        }
    } else {
        store_and_notify(informer, key, object);
    }
    free(key);
}

/* The reflector gave up. */
static void
informer_failed(const char *error, void *informer_)
{
    struct k8s_informer *informer = informer_;

    if (informer->handlers.failed) {
        informer->handlers.failed(error, informer->aux);
    }
}
