/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * List and watch of one resource; see k8s-reflector.h for the protocol.
 *
 * The reflector is a small state machine: at most one request (a list
 * page or a watch) is in flight, and its completion or its watch lines
 * decide the next step.  When a step must wait (a backoff), the
 * reflector's own task wakes the loop at the deadline and starts it.
 *
 * The backoff is reset only by signs that the API works end to end: a
 * valid watch event, or a watch that ran its course.  A relist after a
 * 410 happens at once the first time, so that the usual expiry costs no
 * delay, but counts as a failure, so that a server that keeps answering
 * 410 is not hammered.
 */

#include <config.h>
#include "k8s/k8s-reflector.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event-loop.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-lines.h"
#include "k8s/k8s-resource.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(k8s-reflector);

#define DEFAULT_PAGE_SIZE 500
#define MIN_WATCH_TIMEOUT_S 300      /* client-go's minWatchTimeout */

/* Extra time given to a watch beyond its timeoutSeconds before the client
 * gives up on a silent connection. */
#define WATCH_GRACE_MS 60000

/* A watch that ends cleanly sooner than this without any event counts as
 * a failure (so that a server that ends every watch at once is not
 * hammered). */
#define MIN_WATCH_DURATION_MS 1000

/* What to do when a backoff ends. */
enum next_step {
    NEXT_LIST,                  /* list from the first page */
    NEXT_WATCH,                 /* watch from 'resource_version' */
};

struct k8s_reflector {
    struct k8s_client *client;  /* sends our requests (not owned) */
    const struct k8s_resource *resource; /* what we list and watch */
    char *name;                 /* for messages, e.g. "pods (fieldSelector
                                   spec.nodeName=n1)" */

    /* The options (struct k8s_list_watch_options), copied. */
    char *namespace;            /* NULL: all namespaces */
    char *label_selector;       /* or NULL */
    char *field_selector;       /* or NULL */
    unsigned int page_size;     /* list page size, never 0 */
    unsigned int watch_timeout_s; /* 0: random per watch */
    size_t max_event_size;      /* 0: the client's default line bound */
    unsigned int max_retries;   /* 0: retry for ever */
    bool keep_managed_fields;   /* do not trim objects */

    struct k8s_reflector_handlers handlers; /* where events go */
    void *aux;                  /* for 'handlers' */
    struct event_loop_task *task; /* our backoff timer */

    enum k8s_reflector_state state; /* what we do */
    struct k8s_request *request; /* the list page or watch in flight, or
                                    NULL */
    json_t *items;              /* the pages of the list so far */
    char *continue_token;       /* the next page's, or NULL */
    char *resource_version;     /* the last one seen, or NULL */
    enum next_step next;        /* in K8S_REFLECTOR_BACKOFF */
    long long retry_at;         /* in K8S_REFLECTOR_BACKOFF, time_msec() */
    struct k8s_backoff backoff; /* retry delays */
    long long watch_started_at; /* when the current watch was sent */
    bool watch_had_events;      /* it delivered a valid event */
    uint64_t random_state;      /* for watch timeouts */
    struct k8s_reflector_stats stats; /* counters */
};

/* The watch reconnect hook (k8s_reflector_set_rewatch_hook()). */
static k8s_reflector_rewatch_func *rewatch_hook;
static void *rewatch_hook_aux;

void
k8s_reflector_set_rewatch_hook(k8s_reflector_rewatch_func *hook, void *aux)
{
    rewatch_hook = hook;
    rewatch_hook_aux = aux;
}

static void reflector_run(void *);
static void reflector_wait(void *);
static void begin_list(struct k8s_reflector *);
static void begin_watch(struct k8s_reflector *);

/* Returns the description of 'r' for messages. */
static char *
make_name(const struct k8s_resource *resource,
          const struct k8s_list_watch_options *options)
{
    char *name = options->namespace
                 ? xasprintf("%s in %s", resource->plural, options->namespace)
                 : xstrdup(resource->plural);
    if (options->label_selector || options->field_selector) {
        char *with = xasprintf(
            "%s (%s%s%s%s%s)", name,
            options->label_selector ? "labelSelector " : "",
            options->label_selector ? options->label_selector : "",
            options->label_selector && options->field_selector ? ", " : "",
            options->field_selector ? "fieldSelector " : "",
            options->field_selector ? options->field_selector : "");
        free(name);
        name = with;
    }
    return name;
}

/* Returns a malloc'd copy of 's', or NULL if 's' is NULL or empty. */
static char *
nonempty_strdup(const char *s)
{
    return s && s[0] ? xstrdup(s) : NULL;
}

/* Returns a new reflector that lists and watches 'resource' through
 * 'client' as 'options' (NULL: all defaults) say, calling 'handlers'
 * (copied) with 'aux'.  It does nothing until k8s_reflector_start(). */
struct k8s_reflector *
k8s_reflector_create(struct k8s_client *client,
                     const struct k8s_resource *resource,
                     const struct k8s_list_watch_options *options,
                     const struct k8s_reflector_handlers *handlers,
                     void *aux)
{
    static const struct k8s_list_watch_options no_options;
    struct k8s_reflector *r = xcalloc(1, sizeof *r);

    if (!options) {
        options = &no_options;
    }
    r->client = client;
    r->resource = resource;
    r->name = make_name(resource, options);
    r->namespace = nonempty_strdup(options->namespace);
    r->label_selector = nonempty_strdup(options->label_selector);
    r->field_selector = nonempty_strdup(options->field_selector);
    r->page_size = options->page_size ? options->page_size
                                      : DEFAULT_PAGE_SIZE;
    r->watch_timeout_s = options->watch_timeout_s;
    r->max_event_size = options->max_event_size;
    r->max_retries = options->max_retries;
    r->keep_managed_fields = options->keep_managed_fields;
    if (handlers) {
        r->handlers = *handlers;
    }
    r->aux = aux;
    r->state = K8S_REFLECTOR_STOPPED;
    k8s_backoff_init(&r->backoff, &options->backoff);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r->random_state = ((uint64_t) ts.tv_nsec << 20) ^ (uint64_t) getpid()
                      ^ (uint64_t) (uintptr_t) r;
    if (!r->random_state) {
        r->random_state = 1;
    }

    r->task = event_loop_add_task(k8s_client_get_loop(client), r->name,
                                  reflector_run, reflector_wait, r);
    return r;
}

/* Starts listing and watching, if 'r' is not already at it (after it gave
 * up, starts again with a fresh backoff). */
void
k8s_reflector_start(struct k8s_reflector *r)
{
    if (r->state == K8S_REFLECTOR_STOPPED
        || r->state == K8S_REFLECTOR_FAILED) {
        k8s_backoff_reset(&r->backoff);
        begin_list(r);
    }
}

/* Stops 'r' (cancelling its request, without calling any handler) and
 * frees it.  Accepts NULL. */
void
k8s_reflector_destroy(struct k8s_reflector *r)
{
    if (!r) {
        return;
    }
    k8s_request_cancel(r->request);
    event_loop_remove_task(k8s_client_get_loop(r->client), r->task);
    json_decref(r->items);
    free(r->continue_token);
    free(r->resource_version);
    free(r->namespace);
    free(r->label_selector);
    free(r->field_selector);
    free(r->name);
    free(r);
}

/* Returns what 'r' is doing. */
enum k8s_reflector_state
k8s_reflector_get_state(const struct k8s_reflector *r)
{
    return r->state;
}

/* Returns the last resourceVersion 'r' saw (of a list, an event or a
 * bookmark), or NULL before the first list completes. */
const char *
k8s_reflector_resource_version(const struct k8s_reflector *r)
{
    return r->resource_version;
}

/* Returns the description of 'r' used in its log messages. */
const char *
k8s_reflector_name(const struct k8s_reflector *r)
{
    return r->name;
}

/* Copies the counters of 'r' into '*stats'. */
void
k8s_reflector_get_stats(const struct k8s_reflector *r,
                        struct k8s_reflector_stats *stats)
{
    *stats = r->stats;
}

/* Returns the name of 'type' as the API spells it ("ADDED"...). */
const char *
k8s_event_type_to_string(enum k8s_event_type type)
{
    switch (type) {
    case K8S_EVENT_ADDED:
        return "ADDED";
    case K8S_EVENT_MODIFIED:
        return "MODIFIED";
    case K8S_EVENT_DELETED:
        return "DELETED";
    case K8S_EVENT_BOOKMARK:
        return "BOOKMARK";
    case K8S_EVENT_ERROR:
        return "ERROR";
    default:
        return "(unknown)";
    }
}

/* Returns the name of 'state', for messages. */
const char *
k8s_reflector_state_to_string(enum k8s_reflector_state state)
{
    switch (state) {
    case K8S_REFLECTOR_STOPPED:
        return "stopped";
    case K8S_REFLECTOR_LISTING:
        return "listing";
    case K8S_REFLECTOR_WATCHING:
        return "watching";
    case K8S_REFLECTOR_BACKOFF:
        return "backoff";
    case K8S_REFLECTOR_FAILED:
        return "failed";
    default:
        return "(unknown)";
    }
}

/* Records a failure described by the printf-style message, then either
 * gives up (after too many) or schedules 'next' after the backoff delay,
 * or at once if 'immediate' and this is the first failure in a row. */
static void ANTREA_PRINTF_FORMAT(4, 5)
retry(struct k8s_reflector *r, enum next_step next, bool immediate,
      const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *msg = xvasprintf(format, args);
    va_end(args);

    long long delay = k8s_backoff_next(&r->backoff);
    unsigned int failures = k8s_backoff_failures(&r->backoff);
    r->stats.failures++;
    r->request = NULL;

    if (r->max_retries && failures > r->max_retries) {
        LOG_ERR("%s: giving up after %u failures in a row: %s", r->name,
                failures, msg);
        r->state = K8S_REFLECTOR_FAILED;
        if (r->handlers.failed) {
            r->handlers.failed(msg, r->aux);
        }
        free(msg);
        return;
    }

    if (immediate && failures == 1) {
        delay = 0;
    }
    if (delay) {
        LOG_WARN("%s: %s; %s again in %lld ms", r->name, msg,
                 next == NEXT_LIST ? "listing" : "watching", delay);
    } else {
        LOG_INFO("%s: %s; %s again", r->name, msg,
                 next == NEXT_LIST ? "listing" : "watching");
    }
    free(msg);

    r->state = K8S_REFLECTOR_BACKOFF;
    r->next = next;
    r->retry_at = time_msec() + delay;
}

/* Returns the path of the collection with the selectors as a query. */
static char *
collection_path(const struct k8s_reflector *r)
{
    char *path = k8s_resource_path(r->resource, r->namespace, NULL, NULL);
    k8s_query_append(&path, "labelSelector", r->label_selector);
    k8s_query_append(&path, "fieldSelector", r->field_selector);
    return path;
}

/* Drops metadata.managedFields from 'object', unless asked to keep it. */
static void
trim_object(const struct k8s_reflector *r, json_t *object)
{
    if (!r->keep_managed_fields) {
        json_object_del(json_object_get(object, "metadata"),
                        "managedFields");
    }
}

static void list_done(struct k8s_request *, const struct k8s_response *,
                      void *r_);

/* Requests the next page of the list. */
static void
send_list_page(struct k8s_reflector *r)
{
    char *path = collection_path(r);
    char limit[16];
    snprintf(limit, sizeof limit, "%u", r->page_size);
    k8s_query_append(&path, "limit", limit);
    k8s_query_append(&path, "continue", r->continue_token);

    struct k8s_request_args args = {
        .method = "GET",
        .path = path,
        .on_done = list_done,
        .aux = r,
    };
    r->stats.list_requests++;
    r->request = k8s_client_request(r->client, &args);
    free(path);
}

/* Starts a list from the first page. */
static void
begin_list(struct k8s_reflector *r)
{
    json_decref(r->items);
    r->items = json_array();
    free(r->continue_token);
    r->continue_token = NULL;
    r->state = K8S_REFLECTOR_LISTING;
    send_list_page(r);
}

/* Handles the answer to a list page. */
static void
list_done(struct k8s_request *req, const struct k8s_response *response,
          void *r_)
{
    struct k8s_reflector *r = r_;

    (void) req;
    r->request = NULL;
    if (response->error) {
        retry(r, NEXT_LIST, false, "list failed: %s", response->error);
        return;
    } else if (response->status == 410) {
        char *msg = k8s_status_message(response->status, response->body);
        r->stats.relists++;
        retry(r, NEXT_LIST, true, "%s: %s",
              (r->continue_token ? "the list's continue token expired"
               : "the list expired"), msg);
        free(msg);
        return;
    } else if (response->status != 200) {
        char *msg = k8s_status_message(response->status, response->body);
        retry(r, NEXT_LIST, false, "list failed: %s", msg);
        free(msg);
        return;
    }

    json_t *items = json_object_get(response->body, "items");
    json_t *metadata = json_object_get(response->body, "metadata");
    if (!json_is_object(response->body)
        || !(json_is_array(items) || json_is_null(items) || !items)) {
        retry(r, NEXT_LIST, false, "list failed: the answer is not a list "
              "(%.80s)", response->raw);
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item) {
        if (!json_is_object(item)) {
            retry(r, NEXT_LIST, false, "list failed: item %zu is not an "
                  "object", i);
            return;
        }
        trim_object(r, item);
        json_array_append(r->items, item);
    }

    const char *cont = json_string_value(json_object_get(metadata,
                                                         "continue"));
    if (cont && cont[0]) {
        free(r->continue_token);
        r->continue_token = xstrdup(cont);
        send_list_page(r);
        return;
    }

    const char *rv = json_string_value(json_object_get(metadata,
                                                       "resourceVersion"));
    if (!rv || !rv[0]) {
        retry(r, NEXT_LIST, false, "list failed: the list has no "
              "resourceVersion");
        return;
    }
    free(r->resource_version);
    r->resource_version = xstrdup(rv);
    free(r->continue_token);
    r->continue_token = NULL;
    r->stats.lists++;
    LOG_DBG("%s: listed %zu objects at resourceVersion %s", r->name,
            json_array_size(r->items), rv);

    json_t *all = r->items;
    r->items = NULL;
    if (r->handlers.replace) {
        r->handlers.replace(all, r->resource_version, r->aux);
    }
    json_decref(all);
    begin_watch(r);
}

/* Moves the resourceVersion on to that of 'object', if it has one. */
static void
note_resource_version(struct k8s_reflector *r, const json_t *object)
{
    const char *rv = k8s_object_resource_version(object);
    if (rv && rv[0]) {
        free(r->resource_version);
        r->resource_version = xstrdup(rv);
    }
}

/* Stops the watch in flight (from inside its callbacks) and retries. */
static void ANTREA_PRINTF_FORMAT(2, 3)
abort_watch(struct k8s_reflector *r, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *msg = xvasprintf(format, args);
    va_end(args);

    k8s_request_cancel(r->request);
    r->request = NULL;
    retry(r, NEXT_WATCH, false, "%s", msg);
    free(msg);
}

/* Returns true if the 'length' bytes at 'line' are all white space. */
static bool
is_blank(const char *line, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
            return false;
        }
    }
    return true;
}

/* Handles a watch event whose type is the string 'type' and whose object
 * is 'object'. */
static void
handle_event(struct k8s_reflector *r, const char *type, json_t *object)
{
    enum k8s_event_type event_type;

    if (!strcmp(type, "ADDED")) {
        event_type = K8S_EVENT_ADDED;
    } else if (!strcmp(type, "MODIFIED")) {
        event_type = K8S_EVENT_MODIFIED;
    } else if (!strcmp(type, "DELETED")) {
        event_type = K8S_EVENT_DELETED;
    } else if (!strcmp(type, "BOOKMARK")) {
        note_resource_version(r, object);
        r->stats.bookmarks++;
        r->watch_had_events = true;
        k8s_backoff_reset(&r->backoff);
        if (r->handlers.bookmark && r->resource_version) {
            r->handlers.bookmark(r->resource_version, r->aux);
        }
        return;
    } else if (!strcmp(type, "ERROR")) {
        json_int_t code = json_integer_value(json_object_get(object,
                                                             "code"));
        char *msg = k8s_status_message(code, object);
        if (code == 410) {
            k8s_request_cancel(r->request);
            r->request = NULL;
            r->stats.relists++;
            retry(r, NEXT_LIST, true, "the watch from resourceVersion %s "
                  "expired: %s", r->resource_version, msg);
        } else {
            abort_watch(r, "the watch failed: %s", msg);
        }
        free(msg);
        return;
    } else {
        abort_watch(r, "unknown watch event type \"%s\"", type);
        return;
    }

    if (!k8s_object_name(object)) {
        abort_watch(r, "a %s event's object has no metadata.name", type);
        return;
    }
    note_resource_version(r, object);
    trim_object(r, object);
    r->stats.events++;
    r->watch_had_events = true;
    k8s_backoff_reset(&r->backoff);
    if (r->handlers.event) {
        r->handlers.event(event_type, object, r->aux);
    }
}

/* Handles one line of the watch stream: one JSON event. */
static void
watch_line(struct k8s_request *req, const char *line, size_t length,
           void *r_)
{
    struct k8s_reflector *r = r_;

    (void) req;
    if (is_blank(line, length)) {
        return;
    }

    json_error_t error;
    json_t *event = json_loadb(line, length, 0, &error);
    if (!event) {
        LOG_ERR("%s: malformed watch event (%s, at byte %d): %.*s%s",
                r->name, error.text, error.position,
                (int) (length > 200 ? 200 : length), line,
                length > 200 ? "..." : "");
        abort_watch(r, "malformed watch event");
        return;
    }

    const char *type = json_string_value(json_object_get(event, "type"));
    json_t *object = json_object_get(event, "object");
    if (!type || !json_is_object(object)) {
        LOG_ERR("%s: malformed watch event (no type or object): %.*s%s",
                r->name, (int) (length > 200 ? 200 : length), line,
                length > 200 ? "..." : "");
        abort_watch(r, "malformed watch event");
    } else {
        handle_event(r, type, object);
    }
    json_decref(event);
}

/* Handles the end of a watch. */
static void
watch_done(struct k8s_request *req, const struct k8s_response *response,
           void *r_)
{
    struct k8s_reflector *r = r_;

    (void) req;
    r->request = NULL;
    if (response->error) {
        retry(r, NEXT_WATCH, false, "watch failed: %s", response->error);
    } else if (response->status == 410) {
        char *msg = k8s_status_message(response->status, response->body);
        r->stats.relists++;
        retry(r, NEXT_LIST, true, "the watch from resourceVersion %s "
              "expired: %s", r->resource_version, msg);
        free(msg);
    } else if (response->status != 200) {
        char *msg = k8s_status_message(response->status, response->body);
        retry(r, NEXT_WATCH, false, "watch failed: %s", msg);
        free(msg);
    } else if (r->watch_had_events
               || time_msec() - r->watch_started_at
                  >= MIN_WATCH_DURATION_MS) {
        /* The server ended the watch at timeoutSeconds. */
        LOG_DBG("%s: the watch ended; watching again from "
                "resourceVersion %s", r->name, r->resource_version);
        k8s_backoff_reset(&r->backoff);
        begin_watch(r);
    } else {
        retry(r, NEXT_WATCH, false, "the watch ended at once, with no "
              "event");
    }
}

/* Returns a pseudo-random number from 'r''s state. */
static uint64_t
next_random(struct k8s_reflector *r)
{
    uint64_t x = r->random_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r->random_state = x;
    return x;
}

/* Opens a watch from the last resourceVersion. */
static void
begin_watch(struct k8s_reflector *r)
{
    unsigned int timeout_s = r->watch_timeout_s;
    if (!timeout_s) {
        timeout_s = MIN_WATCH_TIMEOUT_S
                    + next_random(r) % MIN_WATCH_TIMEOUT_S;
    }
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%u", timeout_s);

    char *path = collection_path(r);
    k8s_query_append(&path, "watch", "1");
    k8s_query_append(&path, "resourceVersion", r->resource_version);
    k8s_query_append(&path, "allowWatchBookmarks", "true");
    k8s_query_append(&path, "timeoutSeconds", timeout);

    struct k8s_request_args args = {
        .method = "GET",
        .path = path,
        .timeout_ms = timeout_s * 1000LL + WATCH_GRACE_MS,
        .on_line = watch_line,
        .max_line = r->max_event_size,
        .on_done = watch_done,
        .aux = r,
    };
    r->state = K8S_REFLECTOR_WATCHING;
    r->watch_started_at = time_msec();
    r->watch_had_events = false;
    if (r->stats.watches && rewatch_hook) {
        rewatch_hook(r->resource->plural, rewatch_hook_aux);
    }
    r->stats.watches++;
    r->request = k8s_client_request(r->client, &args);
    free(path);
}

/* The run step: starts the step a backoff was waiting for. */
static void
reflector_run(void *r_)
{
    struct k8s_reflector *r = r_;

    if (r->state == K8S_REFLECTOR_BACKOFF && time_msec() >= r->retry_at) {
        if (r->next == NEXT_LIST) {
            begin_list(r);
        } else {
            begin_watch(r);
        }
    }
}

/* The wait step: wakes the loop when a backoff ends. */
static void
reflector_wait(void *r_)
{
    struct k8s_reflector *r = r_;

    if (r->state == K8S_REFLECTOR_BACKOFF) {
        event_loop_timer_wait_until(k8s_client_get_loop(r->client),
                                    r->retry_at);
    }
}
