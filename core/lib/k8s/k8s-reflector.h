/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Keeping up with one resource in the API by list and watch, as client-go's
 * reflector does:
 *
 *   - List, page by page (limit/continue); every page belongs to the same
 *     snapshot.  An expired continue token (HTTP 410) restarts the list
 *     from the first page.  The complete list goes to 'replace'.
 *   - Watch from the list's resourceVersion with allowWatchBookmarks and
 *     timeoutSeconds: each line of the chunked answer is one event;
 *     ADDED, MODIFIED and DELETED go to 'event', BOOKMARK (which carries
 *     only a resourceVersion) to 'bookmark', and each moves the
 *     resourceVersion on.
 *   - A 410 ERROR event (the resourceVersion is too old) or an HTTP 410
 *     means list again.  The stream's clean end (at timeoutSeconds) means
 *     watch again from the last resourceVersion, at once.
 *   - Anything else that goes wrong (connection refused or cut, an HTTP
 *     error, a malformed event, an event longer than the bound) is
 *     logged, and the same step is retried from the last resourceVersion
 *     after an exponential backoff with jitter (k8s-backoff.h).  After
 *     'max_retries' consecutive failures, if not 0, the reflector gives up
 *     and calls 'failed'.
 *
 * The reflector is a task of the client's event loop (for its backoff
 * timer); its requests run through the client.  k8s-informer.h builds a
 * cache on top of it.
 *
 * Objects passed to the handlers are borrowed: take a reference
 * (json_incref) to keep one, and do not modify them.  Handlers must not
 * destroy the reflector.
 */

#ifndef K8S_REFLECTOR_H
#define K8S_REFLECTOR_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "k8s/k8s-backoff.h"

struct k8s_client;
struct k8s_resource;
struct k8s_reflector;

/* The kinds of watch events. */
enum k8s_event_type {
    K8S_EVENT_ADDED,
    K8S_EVENT_MODIFIED,
    K8S_EVENT_DELETED,
    K8S_EVENT_BOOKMARK,
    K8S_EVENT_ERROR,
};

/* What to list and watch, and how.  Zero members mean the defaults. */
struct k8s_list_watch_options {
    const char *namespace;      /* NULL: all namespaces */
    const char *label_selector; /* e.g. "app=x,tier!=db", or NULL */
    const char *field_selector; /* e.g. "spec.nodeName=node-1", or NULL */
    unsigned int page_size;     /* items per list page; default 500 */
    unsigned int watch_timeout_s; /* timeoutSeconds of each watch; default
                                     random in 300..599, as client-go */
    size_t max_event_size;      /* longest watch line; default 16 MiB */
    struct k8s_backoff_params backoff; /* retry delays */
    unsigned int max_retries;   /* consecutive failures before giving up;
                                   0: never give up */
    bool keep_managed_fields;   /* keep metadata.managedFields (by default
                                   it is dropped from every object: it is
                                   large and no use to us) */
};

/* Where the reflector delivers.  Any member may be NULL. */
struct k8s_reflector_handlers {
    /* A complete list: 'items' (an array of objects) at
     * 'resource_version'. */
    void (*replace)(json_t *items, const char *resource_version,
                    void *aux);
    /* A watch event: K8S_EVENT_ADDED, _MODIFIED or _DELETED. */
    void (*event)(enum k8s_event_type, json_t *object, void *aux);
    /* A bookmark: nothing changed up to 'resource_version'. */
    void (*bookmark)(const char *resource_version, void *aux);
    /* The reflector gave up after 'max_retries' failures; 'error' says
     * what failed last.  k8s_reflector_start() starts it again. */
    void (*failed)(const char *error, void *aux);
};

/* What the reflector is doing. */
enum k8s_reflector_state {
    K8S_REFLECTOR_STOPPED,      /* not started */
    K8S_REFLECTOR_LISTING,      /* a list page is in flight */
    K8S_REFLECTOR_WATCHING,     /* a watch is open */
    K8S_REFLECTOR_BACKOFF,      /* waiting to retry */
    K8S_REFLECTOR_FAILED,       /* gave up */
};

/* Counters, for tests and diagnostics. */
struct k8s_reflector_stats {
    unsigned int list_requests; /* list pages requested */
    unsigned int lists;         /* complete lists handed to 'replace' */
    unsigned int watches;       /* watch requests */
    unsigned int relists;       /* lists restarted because of a 410 */
    unsigned int events;        /* ADDED, MODIFIED and DELETED events */
    unsigned int bookmarks;     /* BOOKMARK events */
    unsigned int failures;      /* failures of any kind */
};

struct k8s_reflector *k8s_reflector_create(
    struct k8s_client *, const struct k8s_resource *,
    const struct k8s_list_watch_options *,
    const struct k8s_reflector_handlers *, void *aux);
void k8s_reflector_start(struct k8s_reflector *);
void k8s_reflector_destroy(struct k8s_reflector *);

enum k8s_reflector_state k8s_reflector_get_state(
    const struct k8s_reflector *);
const char *k8s_reflector_resource_version(const struct k8s_reflector *);
const char *k8s_reflector_name(const struct k8s_reflector *);
void k8s_reflector_get_stats(const struct k8s_reflector *,
                             struct k8s_reflector_stats *);

const char *k8s_event_type_to_string(enum k8s_event_type);
const char *k8s_reflector_state_to_string(enum k8s_reflector_state);

/* Watch reconnects, for metrics (docs/metrics.md): a process-wide hook
 * called with the resource's plural (e.g. "pods") each time a reflector
 * sends a watch request after its first one, whatever the reason (the
 * server ended the watch at its timeout, the watch failed, a relist).
 * NULL removes it.  This keeps the Kubernetes client free of any metrics
 * code. */
typedef void k8s_reflector_rewatch_func(const char *resource, void *aux);
void k8s_reflector_set_rewatch_hook(k8s_reflector_rewatch_func *,
                                    void *aux);

#endif /* k8s-reflector.h */
