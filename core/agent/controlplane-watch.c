/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * One resource's watch of the controller's control-plane API, with
 * buffering of the initial set and reconnection (controlplane-watch.h).
 * The transport is the Kubernetes client (its own k8s_client on the
 * controller's address) with a raw-bytes body callback; frames are split
 * and decoded by controlplane-frames.
 */

#include <config.h>

#include "controlplane-watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event-loop.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "k8s/k8s-resource.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(controlplane_watch);

/* Silence after which a connection counts as dead, unless told: three
 * of the server's keepalive periods. */
#define DEFAULT_IDLE_TIMEOUT_MS 90000

/* Delay before reconnecting after a clean end or an ERROR event (a
 * controller-initiated resync, not a failure). */
#define RESYNC_DELAY_MS 100

struct controlplane_watch {
    struct event_loop *loop;    /* not owned */
    struct event_loop_task *task; /* reconnect and idle timers */
    struct k8s_client *client;  /* to the controller */
    enum controlplane_resource resource; /* what is watched */
    char *node_name;            /* or NULL */
    char *path;                 /* the watch's path and query */
    size_t max_frame;           /* largest frame accepted */
    long long idle_timeout_ms;  /* silence that counts as dead */
    struct controlplane_watch_handlers handlers; /* the user's */
    void *aux;                  /* for 'handlers' */

    bool started;               /* controlplane_watch_start() was called */
    struct k8s_request *request; /* the watch in flight, or NULL */
    long long retry_at;         /* time_msec() of the next connection, if
                                   'request' is NULL */
    long long last_data;        /* time_msec() of the last bytes in */
    struct k8s_backoff backoff; /* delays between failures */
    struct controlplane_frame_reader reader; /* the current stream */

    unsigned int n_connects;    /* connections made so far */
    bool synced;                /* the BOOKMARK of this connection came */
    unsigned int n_syncs;       /* 'replace' calls */
    AntreaCp__WatchEvent **initial; /* ADDED events before the BOOKMARK */
    size_t n_initial;           /* events in 'initial' */
    size_t allocated_initial;   /* capacity of 'initial' */
};

static void watch_run(void *w_);
static void watch_wait(void *w_);

/* The reconnect hook (controlplane_watch_set_reconnect_hook()). */
static controlplane_watch_reconnect_func *reconnect_hook;
static void *reconnect_hook_aux;

void
controlplane_watch_set_reconnect_hook(controlplane_watch_reconnect_func *hook,
                                      void *aux)
{
    reconnect_hook = hook;
    reconnect_hook_aux = aux;
}

/* Frees the buffered initial events of 'w'. */
static void
clear_initial(struct controlplane_watch *w)
{
    for (size_t i = 0; i < w->n_initial; i++) {
        antrea_cp__watch_event__free_unpacked(w->initial[i], NULL);
    }
    w->n_initial = 0;
}

struct controlplane_watch *
controlplane_watch_create(struct event_loop *loop,
                          const struct controlplane_watch_params *params,
                          const struct controlplane_watch_handlers *handlers,
                          void *aux)
{
    struct controlplane_watch *w = xcalloc(1, sizeof *w);

    w->loop = loop;
    w->client = k8s_client_create(params->config, loop);
    w->resource = params->resource;
    w->node_name = params->node_name ? xstrdup(params->node_name) : NULL;
    char *node = w->node_name ? k8s_url_escape(w->node_name) : NULL;
    w->path = xasprintf("/apis/controlplane.antrea.io/v1beta2/%s?watch=1"
                        "%s%s", controlplane_resource_name(params->resource),
                        node ? "&fieldSelector=nodeName%3D" : "",
                        node ? node : "");
    free(node);
    w->max_frame = params->max_frame;
    w->idle_timeout_ms = (params->idle_timeout_ms > 0
                          ? params->idle_timeout_ms
                          : DEFAULT_IDLE_TIMEOUT_MS);
    w->handlers = *handlers;
    w->aux = aux;
    k8s_backoff_init(&w->backoff, &params->backoff);
    controlplane_frame_reader_init(&w->reader, w->max_frame);
    w->task = event_loop_add_task(loop, "controlplane-watch", watch_run,
                                  watch_wait, w);
    return w;
}

void
controlplane_watch_start(struct controlplane_watch *w)
{
    w->started = true;
    w->retry_at = time_msec();
    event_loop_immediate_wake(w->loop);
}

void
controlplane_watch_destroy(struct controlplane_watch *w)
{
    if (!w) {
        return;
    }
    k8s_request_cancel(w->request);
    event_loop_remove_task(w->loop, w->task);
    k8s_client_destroy(w->client);
    clear_initial(w);
    free(w->initial);
    controlplane_frame_reader_destroy(&w->reader);
    free(w->node_name);
    free(w->path);
    free(w);
}

bool
controlplane_watch_is_synced(const struct controlplane_watch *w)
{
    return w->synced;
}

unsigned int
controlplane_watch_n_syncs(const struct controlplane_watch *w)
{
    return w->n_syncs;
}

/* The connection of 'w' is over ('why'); 'failed' says whether that was a
 * failure (backoff grows) or a normal end (reconnect soon).  Schedules
 * the next connection. */
static void
disconnected(struct controlplane_watch *w, const char *why, bool failed)
{
    long long delay;

    w->request = NULL;
    w->synced = false;
    clear_initial(w);
    controlplane_frame_reader_destroy(&w->reader);
    controlplane_frame_reader_init(&w->reader, w->max_frame);
    if (failed) {
        delay = k8s_backoff_next(&w->backoff);
        LOG_WARN("watch of %s for %s: %s; reconnecting in %lld ms",
                 controlplane_resource_name(w->resource),
                 w->node_name ? w->node_name : "every Node", why, delay);
    } else {
        delay = RESYNC_DELAY_MS;
        LOG_INFO("watch of %s for %s: %s; resyncing",
                 controlplane_resource_name(w->resource),
                 w->node_name ? w->node_name : "every Node", why);
    }
    w->retry_at = time_msec() + delay;
    event_loop_immediate_wake(w->loop);
    if (w->handlers.disconnected) {
        w->handlers.disconnected(why, delay, w->aux);
    }
}

/* Stops the current stream of 'w' from inside one of its callbacks,
 * because of 'why' (a failure; malloc'd, freed here). */
static void
abort_stream(struct controlplane_watch *w, char *why)
{
    struct k8s_request *request = w->request;

    /* Cancelling from the body callback is allowed; no on_done follows. */
    k8s_request_cancel(request);
    disconnected(w, why, true);
    free(why);
}

/* Handles one frame of the stream of 'w_'.  Returns false to stop. */
static bool
handle_frame(const uint8_t *payload, size_t size, void *w_)
{
    struct controlplane_watch *w = w_;
    char *error;

    AntreaCp__WatchEvent *event = controlplane_event_decode(w->resource,
                                                            payload, size,
                                                            &error);
    if (!event) {
        abort_stream(w, xasprintf("malformed frame from the controller: %s",
                                  error));
        free(error);
        return false;
    }

    switch (event->type) {
    case ANTREA_CP__EVENT_TYPE__ADDED:
        if (!w->synced) {
            if (w->n_initial >= w->allocated_initial) {
                w->initial = x2nrealloc(w->initial, &w->allocated_initial,
                                        sizeof *w->initial);
            }
            w->initial[w->n_initial++] = event;
            return true;
        }
        w->handlers.event(event, w->aux);
        break;
    case ANTREA_CP__EVENT_TYPE__MODIFIED:
    case ANTREA_CP__EVENT_TYPE__DELETED:
        if (!w->synced) {
            const char *type = (event->type
                                == ANTREA_CP__EVENT_TYPE__MODIFIED
                                ? "MODIFIED" : "DELETED");
            antrea_cp__watch_event__free_unpacked(event, NULL);
            abort_stream(w, xasprintf("the controller sent a %s event "
                                      "before the initial BOOKMARK", type));
            return false;
        }
        w->handlers.event(event, w->aux);
        break;
    case ANTREA_CP__EVENT_TYPE__BOOKMARK:
        if (!w->synced) {
            w->synced = true;
            w->n_syncs++;
            k8s_backoff_reset(&w->backoff);
            LOG_INFO("watch of %s for %s: synced, %zu objects",
                     controlplane_resource_name(w->resource),
                     w->node_name ? w->node_name : "every Node",
                     w->n_initial);
            w->handlers.replace(w->initial, w->n_initial, w->aux);
            clear_initial(w);
        }
        break;
    case ANTREA_CP__EVENT_TYPE__ERROR: {
        char *why = xasprintf("the controller ended the watch: %s",
                              event->message ? event->message : "");
        struct k8s_request *request = w->request;
        antrea_cp__watch_event__free_unpacked(event, NULL);
        k8s_request_cancel(request);
        disconnected(w, why, false);
        free(why);
        return false;
    }
    case ANTREA_CP__EVENT_TYPE__EVENT_TYPE_UNSPECIFIED:
    default:
        break;
    }
    antrea_cp__watch_event__free_unpacked(event, NULL);
    return true;
}

/* The body of the watch of 'w_' as it arrives. */
static void
on_data(struct k8s_request *request, const void *data, size_t size,
        void *w_)
{
    struct controlplane_watch *w = w_;
    char *error;

    w->last_data = time_msec();
    int retval = controlplane_frame_reader_feed(&w->reader, data, size,
                                                handle_frame, w, &error);
    if (retval && retval != ECANCELED) {
        abort_stream(w, xasprintf("malformed stream from the controller: "
                                  "%s", error));
    }
    free(error);
}

/* The watch of 'w_' ended. */
static void
on_done(struct k8s_request *request, const struct k8s_response *resp,
        void *w_)
{
    struct controlplane_watch *w = w_;
    char *why;
    bool failed = true;

    if (resp->error) {
        why = xstrdup(resp->error);
    } else if (resp->status < 200 || resp->status >= 300) {
        const char *message = (resp->body
                               ? json_string_value(json_object_get(
                                                       resp->body,
                                                       "message"))
                               : NULL);
        why = xasprintf("HTTP %ld%s%s", resp->status, message ? ": " : "",
                        message ? message : "");
    } else if (controlplane_frame_reader_pending(&w->reader)) {
        why = xasprintf("the stream ended inside a frame (%zu bytes of it "
                        "came)", controlplane_frame_reader_pending(
                            &w->reader));
    } else if (!w->synced) {
        why = xstrdup("the stream ended before the initial BOOKMARK");
    } else {
        why = xstrdup("the controller ended the stream");
        failed = false;
    }
    disconnected(w, why, failed);
    free(why);
}

/* Opens a new watch for 'w'. */
static void
connect_watch(struct controlplane_watch *w)
{
    struct k8s_request_args args = {
        .method = "GET",
        .path = w->path,
        .timeout_ms = -1,
        .on_data = on_data,
        .on_done = on_done,
        .aux = w,
        .accept = "application/vnd.antrea.cp.v1beta2+protobuf",
        .max_body = 64 * 1024,  /* an error Status, not a stream */
    };

    LOG_DBG("watching %s", w->path);
    if (w->n_connects++ && reconnect_hook) {
        reconnect_hook(controlplane_resource_name(w->resource),
                       reconnect_hook_aux);
    }
    w->synced = false;
    w->last_data = time_msec();
    w->request = k8s_client_request(w->client, &args);
    if (!w->request) {
        disconnected(w, "the request could not be made", true);
    }
}

/* The loop's run step: connects when due, drops a silent connection. */
static void
watch_run(void *w_)
{
    struct controlplane_watch *w = w_;
    long long now = time_msec();

    if (!w->started) {
        return;
    }
    if (!w->request && now >= w->retry_at) {
        connect_watch(w);
    } else if (w->request && now - w->last_data >= w->idle_timeout_ms) {
        struct k8s_request *request = w->request;
        k8s_request_cancel(request);
        char *why = xasprintf("nothing from the controller for %lld ms",
                              now - w->last_data);
        disconnected(w, why, true);
        free(why);
    }
}

/* The loop's wait step. */
static void
watch_wait(void *w_)
{
    struct controlplane_watch *w = w_;

    if (!w->started) {
        return;
    }
    if (!w->request) {
        event_loop_timer_wait_until(w->loop, w->retry_at);
    } else {
        event_loop_timer_wait_until(w->loop,
                                    w->last_data + w->idle_timeout_ms);
    }
}
