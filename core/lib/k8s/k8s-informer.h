/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * An in-memory cache of one resource, kept up to date by a reflector
 * (k8s-reflector.h), with handlers told of every change, as client-go's
 * informers do.  The cache maps each object's key ("namespace/name", or
 * "name" for cluster-scoped objects) to the object as the API last sent
 * it (a jansson object, metadata.managedFields dropped unless asked).
 *
 * Handler calls:
 *   - After each complete list (the first one and every relist), the
 *     list is reconciled with the cache: for the list's objects in list
 *     order, 'add' for a new key or 'update' for a known key whose
 *     resourceVersion changed (unchanged ones get no call); then 'delete'
 *     for every cached key the list lacks, in cache order.  After the
 *     first list, 'synced' is called once and k8s_informer_has_synced()
 *     turns true.
 *   - Watch events in stream order: ADDED and MODIFIED call 'add' for a
 *     new key or 'update' for a known one (an ADDED for a known key
 *     happens after a rewatch); DELETED calls 'delete' with the event's
 *     object, the last state (and is ignored for an unknown key).
 *   - The cache already holds the change when a handler runs.
 *
 * Objects passed to handlers are borrowed and valid during the call;
 * take a reference (json_incref) to keep one, never modify one.  Handlers
 * must not destroy the informer.
 */

#ifndef K8S_INFORMER_H
#define K8S_INFORMER_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "k8s/k8s-reflector.h"

struct k8s_client;
struct k8s_resource;
struct k8s_informer;

/* What an informer tells its user.  Any member may be NULL. */
struct k8s_informer_handlers {
    void (*add)(json_t *object, void *aux);
    void (*update)(json_t *old_object, json_t *new_object, void *aux);
    void (*delete)(json_t *object, void *aux);
    void (*synced)(void *aux);                  /* once, after the first
                                                   list */
    void (*failed)(const char *error, void *aux); /* the reflector gave up */
};

struct k8s_informer *k8s_informer_create(
    struct k8s_client *, const struct k8s_resource *,
    const struct k8s_list_watch_options *,
    const struct k8s_informer_handlers *, void *aux);
void k8s_informer_start(struct k8s_informer *);
void k8s_informer_destroy(struct k8s_informer *);

bool k8s_informer_has_synced(const struct k8s_informer *);
json_t *k8s_informer_get(const struct k8s_informer *, const char *namespace,
                         const char *name);
json_t *k8s_informer_get_by_key(const struct k8s_informer *,
                                const char *key);
size_t k8s_informer_count(const struct k8s_informer *);
const json_t *k8s_informer_store(const struct k8s_informer *);
const char *k8s_informer_resource_version(const struct k8s_informer *);
struct k8s_reflector *k8s_informer_reflector(const struct k8s_informer *);

#endif /* k8s-informer.h */
