/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's client of one resource of the controller's control-plane
 * API (networkpolicies, addressgroups or appliedtogroups) for its Node:
 * a watch over HTTPS with the agent's ServiceAccount token (through the
 * Kubernetes client's transport, k8s-client.h), kept up for as long as
 * the object lives.
 *
 * A watch begins with every object selected for the Node as ADDED and one
 * BOOKMARK (docs/wire-formats.md): the client buffers the ADDED events
 * and hands the whole set over at the BOOKMARK as one 'replace' call, so
 * the user can swap its state in one step.  Afterwards each ADDED,
 * MODIFIED (groups: a patch) and DELETED event goes to 'event'.  When the
 * stream ends or fails (controller restart, network, a malformed frame,
 * an ERROR event, silence for longer than three keepalive periods), the
 * client reconnects with exponential backoff (k8s-backoff.h) and the new
 * watch's initial set comes as 'replace' again: nothing is dropped in
 * between, what the agent enforces stays until the replacement arrives.
 *
 * Callbacks run on the event loop; events passed to them are borrowed
 * and valid during the call.  Callbacks must not destroy the watch.
 */

#ifndef CONTROLPLANE_WATCH_H
#define CONTROLPLANE_WATCH_H 1

#include <stdbool.h>
#include <stddef.h>

#include "controlplane-frames.h"
#include "k8s/k8s-backoff.h"

struct event_loop;
struct k8s_config;
struct controlplane_watch;

/* What the watch tells its user.  'replace' and 'event' are required. */
struct controlplane_watch_handlers {
    /* The complete set of objects for the Node, as 'n' ADDED events,
     * replacing whatever came before. */
    void (*replace)(AntreaCp__WatchEvent *const *events, size_t n,
                    void *aux);
    /* One ADDED, MODIFIED or DELETED event after the initial set. */
    void (*event)(const AntreaCp__WatchEvent *event, void *aux);
    /* The connection failed or ended; a reconnect follows after
     * 'retry_ms'.  May be NULL. */
    void (*disconnected)(const char *why, long long retry_ms, void *aux);
};

/* What to watch and how. */
struct controlplane_watch_params {
    const struct k8s_config *config; /* the controller's address
                                        ("https://HOST:PORT"), its CA, and
                                        the token (file) to present;
                                        copied */
    enum controlplane_resource resource; /* what to watch */
    const char *node_name;      /* the Node whose objects to get, or NULL
                                   for every object */
    size_t max_frame;           /* 0: CONTROLPLANE_DEFAULT_MAX_FRAME */
    long long idle_timeout_ms;  /* silence that counts as a dead
                                   connection; 0: 90 s */
    struct k8s_backoff_params backoff; /* zeros: the defaults */
};

/* Creates a watch on 'loop'; it connects once started. */
struct controlplane_watch *controlplane_watch_create(
    struct event_loop *loop, const struct controlplane_watch_params *,
    const struct controlplane_watch_handlers *, void *aux);

/* Connects (on the loop's next iteration). */
void controlplane_watch_start(struct controlplane_watch *);

/* Stops and frees the watch.  Accepts NULL. */
void controlplane_watch_destroy(struct controlplane_watch *);

/* Returns whether the current connection has delivered its initial set
 * (a 'replace' came and no failure since). */
bool controlplane_watch_is_synced(const struct controlplane_watch *);

/* The number of 'replace' calls so far: 1 after the first sync, one more
 * after each resync. */
unsigned int controlplane_watch_n_syncs(const struct controlplane_watch *);

/* Reconnects, for metrics (docs/metrics.md): a process-wide hook called
 * with the resource's name (e.g. "networkpolicies") each time a watch
 * connects again after its first connection (a failure, an idle
 * connection, or a resync the controller asked for).  NULL removes it. */
typedef void controlplane_watch_reconnect_func(const char *resource,
                                               void *aux);
void controlplane_watch_set_reconnect_hook(
    controlplane_watch_reconnect_func *, void *aux);

#endif /* controlplane-watch.h */
