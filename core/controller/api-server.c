/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The control-plane API server (api-server.h): libmicrohttpd in external
 * epoll mode on the event loop, routing, authorisation through api-auth,
 * lists and gets from the store, and watches streamed from the store's
 * shared frames.
 *
 * A request's life: MHD calls the access handler once when the headers
 * are in (we allocate the request context), then again for the body
 * (ignored) and once more when it is complete.  Then the request is
 * routed; if authorisation is pending the connection is suspended, and
 * the auth callback resumes it, after which MHD calls the handler again
 * and the response is queued (http-auth-request.h: the part of this life
 * the agent's metrics server shares).  A watch's response is produced by a
 * content reader that copies queued frames out; with nothing queued it
 * suspends the connection, and the next frame (or the keepalive timer,
 * or the end of the watch) resumes it.  MHD's completion callback frees
 * the context, cancelling whatever is still pending.
 *
 * antctl's views: a list or get whose Accept header asks for
 * API_SERVER_JSON_CONTENT_TYPE is answered with cp-json.h's JSON of the
 * same bytes, each object with its span ("spanMeta": {"nodeNames":
 * [...]}); and API_SERVER_CONTROLLERINFO_PATH answers the controller's
 * information.
 */

#include <config.h>

#include "api-server.h"

#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api-auth.h"
#include "controlplane.pb-c.h"
#include "cp-json.h"
#include "cp-store.h"
#include "event-loop.h"
#include "http-auth-request.h"
#include "http-daemon.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(api_server);

/* Seconds of inactivity after which MHD closes a connection (a watch is
 * never that quiet: keepalives). */
#define API_SERVER_CONNECTION_TIMEOUT 300

/* Largest piece a watch's content reader produces at once. */
#define API_SERVER_WATCH_BLOCK (64 * 1024)

/* What a request asks for. */
enum api_route {
    ROUTE_HEALTHZ,              /* GET /healthz, no authentication */
    ROUTE_READYZ,               /* GET /readyz */
    ROUTE_LIST,                 /* GET PREFIX/RESOURCE */
    ROUTE_GET,                  /* GET PREFIX/RESOURCE/NAME */
    ROUTE_WATCH,                /* GET PREFIX/RESOURCE?watch=1 */
    ROUTE_CONTROLLERINFO,       /* GET API_SERVER_CONTROLLERINFO_PATH */
    ROUTE_METRICS,              /* GET API_SERVER_METRICS_PATH */
};

/* The realm a 401 names. */
#define API_SERVER_REALM "antrea-controller"

struct api_server {
    struct event_loop *loop;    /* the loop it runs on (not owned) */
    struct event_loop_task *task; /* its keepalive task in 'loop' */
    struct cp_store *store;     /* where objects come from (not owned) */
    struct api_auth *auth;      /* checks requests (not owned), or NULL */
    struct http_daemon *http;   /* libmicrohttpd on 'loop' */
    struct MHD_Daemon *daemon;  /* its MHD daemon */
    int port;                   /* the port listened on */
    bool ready;                 /* /readyz answers 200 */
    bool stopping;              /* being destroyed */
    size_t watch_max_bytes;     /* unsent bytes a watch may queue */
    long long keepalive_ms;     /* silence before a keepalive frame */
    long long next_keepalive_scan; /* time_msec() of the next look for
                                      idle watches */
    char *version;              /* for controllerinfo, or NULL */
    api_server_span_func *span; /* spans for JSON answers, or NULL */
    void *span_aux;             /* its 'aux' */
    struct metrics *metrics;    /* for /metrics (not owned), or NULL */
    long long started;          /* time_wall_msec() at creation */
    struct http_auth_request *requests; /* every live request (owners:
                                           struct api_request) */
    size_t n_watches;           /* requests with a store watch */
};

/* One request: MHD's per-request context. */
struct api_request {
    struct http_auth_request auth; /* its life and check (owner: this) */
    struct api_server *server;  /* owner */

    enum api_route route;       /* what it asks for */
    enum cp_resource resource;  /* for the resource routes */
    char *name;                 /* for ROUTE_GET */
    char *node_name;            /* from fieldSelector=nodeName=..., or
                                   NULL */
    bool json;                  /* Accept asks for application/json */

    /* A watch. */
    struct cp_watch *watch;     /* the store's watch, or NULL */
    bool watching;              /* counted in server->n_watches */
    bool watch_ended;           /* the store ended it (or we stop) */
    struct cp_frame **frames;   /* queued frames, oldest first */
    size_t n_frames;            /* frames in 'frames' */
    size_t allocated_frames;    /* capacity of 'frames' */
    size_t first_frame;         /* index of the oldest unsent frame */
    size_t offset;              /* bytes of it already sent */
    size_t queued_bytes;        /* unsent bytes in the queue */
    bool initial;               /* inside cp_store_watch(): the initial
                                   set, which is not limited */
    size_t initial_frames;      /* unsent frames of the initial set, at
                                   the head of the queue */
    size_t initial_bytes;       /* their bytes */
    uint8_t *tail;              /* the ERROR frame sent after the end, or
                                   NULL */
    size_t tail_size;           /* bytes in 'tail' */
    size_t tail_offset;         /* bytes of it sent */
    long long last_sent;        /* time_msec() of the last bytes out */
};

static void server_run(void *server_);
static void server_wait(void *server_);
static enum MHD_Result access_handler(void *server_,
                                      struct MHD_Connection *,
                                      const char *url, const char *method,
                                      const char *version,
                                      const char *upload_data,
                                      size_t *upload_data_size,
                                      void **con_cls);
static void request_completed(void *server_, struct MHD_Connection *,
                              void **con_cls,
                              enum MHD_RequestTerminationCode);
static void request_free(struct api_request *);

/* Starts the HTTP daemon of 'server' with 'params' (http-daemon.h does
 * the binding and the loop).  Returns NULL or a malloc'd error. */
static char *
start_daemon(struct api_server *server,
             const struct api_server_params *params)
{
    struct MHD_OptionItem options[] = {
        { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) request_completed, server },
        { MHD_OPTION_CONNECTION_TIMEOUT, API_SERVER_CONNECTION_TIMEOUT,
          NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    struct http_daemon_params http = {
        .name = "API server", .address = params->address,
        .port = params->port, .flags = MHD_ALLOW_SUSPEND_RESUME,
        .cert_pem = params->cert_pem, .key_pem = params->key_pem,
        .priorities = params->priorities, .options = options,
        .handler = access_handler, .handler_cls = server,
    };
    char *error;
    server->http = http_daemon_start(server->loop, &http, &error);
    return server->http ? NULL : error;
}

struct api_server *
api_server_create(struct event_loop *loop, struct cp_store *store,
                  struct api_auth *auth,
                  const struct api_server_params *params, char **errorp)
{
    *errorp = NULL;
    struct api_server *server = xcalloc(1, sizeof *server);
    server->loop = loop;
    server->store = store;
    server->auth = auth;
    server->watch_max_bytes = (params->watch_max_bytes
                               ? params->watch_max_bytes
                               : API_SERVER_DEFAULT_WATCH_MAX_BYTES);
    server->keepalive_ms = (params->keepalive_ms > 0 ? params->keepalive_ms
                            : API_SERVER_DEFAULT_KEEPALIVE_MS);
    server->version = params->version ? xstrdup(params->version) : NULL;
    server->span = params->span;
    server->span_aux = params->span_aux;
    server->metrics = params->metrics;
    server->started = time_msec();

    char *error = start_daemon(server, params);
    if (error) {
        *errorp = error;
        free(server->version);
        free(server);
        return NULL;
    }

    server->daemon = http_daemon_mhd(server->http);
    server->port = http_daemon_port(server->http);
    server->next_keepalive_scan = time_msec() + server->keepalive_ms / 2;
    server->task = event_loop_add_task(loop, "api-server", server_run,
                                       server_wait, server);
    return server;
}

void
api_server_destroy(struct api_server *server)
{
    if (!server) {
        return;
    }
    server->stopping = true;
    for (struct http_auth_request *h = server->requests; h; h = h->next) {
        struct api_request *r = h->owner;
        if (r->watch) {
            cp_watch_cancel(r->watch);
            r->watch = NULL;
        }
        r->watch_ended = true;
        http_auth_request_abandon(h);
    }
    /* Let MHD take the resumed connections back, then stop: it closes
     * every connection and calls request_completed for each. */
    http_daemon_run(server->http);
    http_daemon_stop(server->http);
    while (server->requests) {
        request_free(server->requests->owner);
    }
    event_loop_remove_task(server->loop, server->task);
    free(server->version);
    free(server);
}

void
api_server_set_ready(struct api_server *server, bool ready)
{
    server->ready = ready;
}

int
api_server_port(const struct api_server *server)
{
    return server->port;
}

size_t
api_server_n_watches(const struct api_server *server)
{
    return server->n_watches;
}

static size_t count_connected_agents(const struct api_server *);

size_t
api_server_n_connected_agents(const struct api_server *server)
{
    return count_connected_agents(server);
}

/* The loop's run step: wakes idle watches that are due a keepalive (the
 * HTTP daemon's own task runs MHD). */
static void
server_run(void *server_)
{
    struct api_server *server = server_;
    long long now = time_msec();

    if (now >= server->next_keepalive_scan) {
        for (struct http_auth_request *h = server->requests; h;
             h = h->next) {
            struct api_request *r = h->owner;
            if (r->watching && h->suspended
                && now - r->last_sent >= server->keepalive_ms) {
                http_auth_request_resume(h);
            }
        }
        server->next_keepalive_scan = now + server->keepalive_ms / 2;
    }
}

/* The loop's wait step: the next look for idle watches. */
static void
server_wait(void *server_)
{
    struct api_server *server = server_;

    event_loop_timer_wait_until(server->loop, server->next_keepalive_scan);
}

/* Queues a response of 'size' bytes 'data' (malloc'd; MHD frees it) with
 * 'status' and 'content_type'.  Returns MHD's result. */
static enum MHD_Result
respond_bytes(struct api_request *r, unsigned int status,
              const char *content_type, void *data, size_t size)
{
    return http_auth_request_respond(&r->auth, status, content_type, data,
                                     size, API_SERVER_REALM);
}

/* Queues a Kubernetes Status object (JSON) with HTTP 'status', 'reason'
 * (e.g. "NotFound") and 'message'. */
static enum MHD_Result
respond_status(struct api_request *r, unsigned int status,
               const char *reason, const char *message)
{
    json_t *obj = json_pack("{s:s, s:s, s:{}, s:s, s:s, s:s, s:i}",
                            "kind", "Status", "apiVersion", "v1",
                            "metadata", "status",
                            status < 300 ? "Success" : "Failure",
                            "message", message, "reason", reason,
                            "code", (int) status);
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!text) {
        text = xstrdup("{\"kind\":\"Status\",\"status\":\"Failure\"}");
    }
    LOG_DBG("%u %s", status, message);
    return respond_bytes(r, status, "application/json", text, strlen(text));
}

/* Queues a plain-text response. */
static enum MHD_Result
respond_text(struct api_request *r, unsigned int status, const char *text)
{
    char *copy = xstrdup(text);
    return respond_bytes(r, status, "text/plain; charset=utf-8", copy,
                         strlen(copy));
}

/* Parses 'value' of the fieldSelector query parameter into '*node_namep'
 * (malloc'd, or NULL for no selection).  Returns NULL or a malloc'd
 * message. */
static char *
parse_field_selector(const char *value, char **node_namep)
{
    *node_namep = NULL;
    if (!value || !value[0]) {
        return NULL;
    }
    const char *eq = strchr(value, '=');
    if (!eq || (size_t) (eq - value) != strlen("nodeName")
        || strncmp(value, "nodeName", eq - value)) {
        return xasprintf("field selector \"%s\": only nodeName=NAME is "
                         "supported", value);
    }
    const char *name = eq[1] == '=' ? eq + 2 : eq + 1;
    if (!name[0] || strpbrk(name, ",=!")) {
        return xasprintf("field selector \"%s\": the Node name is empty or "
                         "not a single name", value);
    }
    *node_namep = xstrdup(name);
    return NULL;
}

/* Returns true if the Accept header 'accept' (may be NULL) asks for the
 * JSON views (API_SERVER_JSON_CONTENT_TYPE).  Plain application/json
 * keeps the protobuf answer: it is the Kubernetes client's default
 * Accept, which existing clients send without expecting JSON. */
static bool
accepts_json(const char *accept)
{
    return accept && strstr(accept, API_SERVER_JSON_CONTENT_TYPE);
}

/* Routes the request 'r' for 'url' and 'method': fills in its route and
 * parameters, or queues an error response.  Returns true if routed. */
static bool
route_request(struct api_request *r, const char *url, const char *method)
{
    if (strcmp(method, MHD_HTTP_METHOD_GET)) {
        char *message = xasprintf("method %s is not allowed: the API is "
                                  "read-only (GET)", method);
        respond_status(r, MHD_HTTP_METHOD_NOT_ALLOWED, "MethodNotAllowed",
                       message);
        free(message);
        return false;
    }
    if (!strcmp(url, "/healthz")) {
        r->route = ROUTE_HEALTHZ;
        return true;
    } else if (!strcmp(url, "/readyz")) {
        r->route = ROUTE_READYZ;
        return true;
    } else if (!strcmp(url, API_SERVER_CONTROLLERINFO_PATH)) {
        r->route = ROUTE_CONTROLLERINFO;
        return true;
    } else if (!strcmp(url, API_SERVER_METRICS_PATH)
               && r->server->metrics) {
        /* Without metrics (enablePrometheusMetrics: false) it is one
         * more unknown path: 404 below. */
        r->route = ROUTE_METRICS;
        return true;
    } else if (!str_starts_with(url, API_SERVER_PREFIX)) {
        char *message = xasprintf("the server could not find the requested "
                                  "resource %s", url);
        respond_status(r, MHD_HTTP_NOT_FOUND, "NotFound", message);
        free(message);
        return false;
    }

    const char *rest = url + strlen(API_SERVER_PREFIX);
    const char *slash = strchr(rest, '/');
    char *resource = (slash ? xmemdup0(rest, slash - rest)
                      : xstrdup(rest));
    bool known = cp_resource_from_name(resource, &r->resource);
    if (!known || (slash && (!slash[1] || strchr(slash + 1, '/')))) {
        char *message = (known
                         ? xasprintf("the server could not find the "
                                     "requested resource %s", url)
                         : xasprintf("unknown resource \"%s\" in "
                                     "controlplane.antrea.io/v1beta2: "
                                     "expected networkpolicies, "
                                     "addressgroups or appliedtogroups",
                                     resource));
        respond_status(r, MHD_HTTP_NOT_FOUND, "NotFound", message);
        free(message);
        free(resource);
        return false;
    }
    free(resource);

    const char *selector = MHD_lookup_connection_value(
        r->auth.conn, MHD_GET_ARGUMENT_KIND, "fieldSelector");
    char *error = parse_field_selector(selector, &r->node_name);
    const char *watch = MHD_lookup_connection_value(
        r->auth.conn, MHD_GET_ARGUMENT_KIND, "watch");
    bool watching = false;
    if (!error && watch) {
        if (!strcmp(watch, "1") || !strcasecmp(watch, "true")) {
            watching = true;
        } else if (strcmp(watch, "0") && strcasecmp(watch, "false")
                   && watch[0]) {
            error = xasprintf("watch \"%s\": expected true, false, 1 or 0",
                              watch);
        }
    }
    if (!error && watching && slash) {
        error = xstrdup("a watch of one object is not supported: watch the "
                        "collection");
    }
    if (error) {
        respond_status(r, MHD_HTTP_BAD_REQUEST, "BadRequest", error);
        free(error);
        return false;
    }

    if (slash) {
        r->route = ROUTE_GET;
        r->name = xstrdup(slash + 1);
    } else {
        r->route = watching ? ROUTE_WATCH : ROUTE_LIST;
    }
    r->json = !watching && accepts_json(MHD_lookup_connection_value(
                                            r->auth.conn, MHD_HEADER_KIND,
                                            MHD_HTTP_HEADER_ACCEPT));
    return true;
}

/* Starts authorising 'r'.  Returns true if the answer is already in. */
static bool
authorise(struct api_request *r)
{
    struct api_server *server = r->server;
    static const char *const verbs[] = {
        [ROUTE_HEALTHZ] = "get", [ROUTE_READYZ] = "get",
        [ROUTE_LIST] = "list", [ROUTE_GET] = "get", [ROUTE_WATCH] = "watch",
        [ROUTE_CONTROLLERINFO] = "get", [ROUTE_METRICS] = "get",
    };

    struct api_auth_request req = {
        .verb = verbs[r->route],
        .resource = (r->route == ROUTE_READYZ
                     || r->route == ROUTE_CONTROLLERINFO
                     || r->route == ROUTE_METRICS ? NULL
                     : cp_resource_name(r->resource)),
        .name = r->name,
        .path = (r->route == ROUTE_CONTROLLERINFO
                 ? API_SERVER_CONTROLLERINFO_PATH
                 : r->route == ROUTE_METRICS ? API_SERVER_METRICS_PATH
                 : "/readyz"),
    };
    return http_auth_request_check(&r->auth, (r->route == ROUTE_HEALTHZ
                                              ? NULL : server->auth), &req);
}

/* Gives watcher 'r_' one frame from the store. */
static bool
watch_deliver(struct cp_frame *frame, void *r_)
{
    struct api_request *r = r_;

    if (r->watch_ended) {
        return false;
    }
    /* The initial set is as large as the Node's state, whatever the
     * limit; the limit bounds the backlog of later events. */
    size_t backlog = r->queued_bytes - r->initial_bytes;
    if (!r->initial
        && (frame->len > r->server->watch_max_bytes
            || backlog > r->server->watch_max_bytes - frame->len)) {
        LOG_WARN("watch of %s for Node %s: more than %zu bytes queued; "
                 "ending it (the client relists)",
                 cp_resource_name(r->resource),
                 r->node_name ? r->node_name : "(all)",
                 r->server->watch_max_bytes);
        return false;
    }
    if (r->first_frame && r->first_frame == r->n_frames) {
        /* Everything sent: start the array over. */
        r->n_frames = r->first_frame = 0;
    }
    if (r->n_frames >= r->allocated_frames) {
        if (r->first_frame) {
            memmove(r->frames, r->frames + r->first_frame,
                    (r->n_frames - r->first_frame) * sizeof *r->frames);
            r->n_frames -= r->first_frame;
            r->first_frame = 0;
        }
        if (r->n_frames >= r->allocated_frames) {
            r->frames = x2nrealloc(r->frames, &r->allocated_frames,
                                   sizeof *r->frames);
        }
    }
    r->frames[r->n_frames++] = cp_frame_ref(frame);
    r->queued_bytes += frame->len;
    if (r->initial) {
        r->initial_frames++;
        r->initial_bytes += frame->len;
    }
    http_auth_request_resume(&r->auth);
    return true;
}

/* Builds the ERROR frame that tells the client of 'r' its watch ended. */
static void
watch_build_tail(struct api_request *r, const char *message)
{
    AntreaCp__WatchEvent event = ANTREA_CP__WATCH_EVENT__INIT;
    event.type = ANTREA_CP__EVENT_TYPE__ERROR;
    event.message = (char *) message;
    size_t size = antrea_cp__watch_event__get_packed_size(&event);
    r->tail = xmalloc(4 + size);
    r->tail[0] = size >> 24;
    r->tail[1] = size >> 16;
    r->tail[2] = size >> 8;
    r->tail[3] = size;
    antrea_cp__watch_event__pack(&event, r->tail + 4);
    r->tail_size = 4 + size;
    r->tail_offset = 0;
}

/* The store ended the watch of 'r_'. */
static void
watch_ended(void *r_)
{
    struct api_request *r = r_;

    r->watch = NULL;
    r->watch_ended = true;
    if (!r->tail) {
        watch_build_tail(r, "the watch was ended by the controller (the "
                         "client fell behind, or the controller is "
                         "stopping): relist");
    }
    http_auth_request_resume(&r->auth);
}

/* Produces the next bytes of the watch response of 'r_'. */
static ssize_t
watch_reader(void *r_, uint64_t pos, char *buf, size_t max)
{
    struct api_request *r = r_;
    size_t n = 0;

    while (n < max && r->first_frame < r->n_frames) {
        struct cp_frame *frame = r->frames[r->first_frame];
        size_t chunk = frame->len - r->offset;
        if (chunk > max - n) {
            chunk = max - n;
        }
        memcpy(buf + n, frame->data + r->offset, chunk);
        n += chunk;
        r->offset += chunk;
        if (r->offset == frame->len) {
            r->queued_bytes -= frame->len;
            if (r->initial_frames) {
                r->initial_frames--;
                r->initial_bytes -= frame->len;
            }
            cp_frame_unref(frame);
            r->frames[r->first_frame++] = NULL;
            r->offset = 0;
        }
    }
    if (!n && r->watch_ended) {
        if (r->server->stopping || !r->tail
            || r->tail_offset == r->tail_size) {
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        n = r->tail_size - r->tail_offset;
        n = n > max ? max : n;
        memcpy(buf, r->tail + r->tail_offset, n);
        r->tail_offset += n;
    }
    long long now = time_msec();
    if (!n && max >= 4 && now - r->last_sent >= r->server->keepalive_ms) {
        memset(buf, 0, 4);      /* an empty frame */
        n = 4;
    }
    if (n) {
        r->last_sent = now;
        return n;
    }
    http_auth_request_suspend(&r->auth);
    return 0;
}

/* Queues 'obj' (a reference the call takes) as a JSON response. */
static enum MHD_Result
respond_json(struct api_request *r, unsigned int status, json_t *obj)
{
    char *text = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(obj);
    if (!text) {
        return respond_status(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "InternalError", "cannot encode the answer");
    }
    return respond_bytes(r, status, "application/json", text,
                         strlen(text));
}

/* Adds the span of 'obj' (an object of 'r''s resource) to it. */
static void
add_span(struct api_request *r, json_t *obj)
{
    struct api_server *server = r->server;
    const char *name = json_string_value(
        json_object_get(json_object_get(obj, "metadata"), "name"));
    if (!server->span || !name) {
        return;
    }
    size_t n = 0;
    const char **nodes = server->span(server->span_aux, r->resource, name,
                                      &n);
    json_t *names = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(names, json_string(nodes[i]));
    }
    free(nodes);
    json_object_set_new(obj, "spanMeta", json_pack("{s:o}", "nodeNames",
                                                   names));
}

/* Answers 'r' (a list if 'list') with the JSON of the encoded 'data' of
 * 'size' bytes (malloc'd; freed here), spans added. */
static enum MHD_Result
respond_decoded(struct api_request *r, uint8_t *data, size_t size,
                bool list)
{
    char *error = NULL;
    json_t *obj = cp_json_decode(cp_resource_name(r->resource), data, size,
                                 list, &error);
    free(data);
    if (!obj) {
        enum MHD_Result result = respond_status(
            r, MHD_HTTP_INTERNAL_SERVER_ERROR, "InternalError", error);
        free(error);
        return result;
    }
    if (list) {
        size_t i;
        json_t *item;
        json_array_foreach (json_object_get(obj, "items"), i, item) {
            add_span(r, item);
        }
    } else {
        add_span(r, obj);
    }
    return respond_json(r, MHD_HTTP_OK, obj);
}

/* Returns the number of distinct Nodes with a watch open: the connected
 * agents (antctl's "get controllerinfo"). */
static size_t
count_connected_agents(const struct api_server *server)
{
    size_t n = 0;
    for (const struct http_auth_request *h = server->requests; h;
         h = h->next) {
        const struct api_request *r = h->owner;
        if (!r->watching || !r->node_name) {
            continue;
        }
        bool seen = false;
        for (const struct http_auth_request *g = server->requests; g != h;
             g = g->next) {
            const struct api_request *q = g->owner;
            if (q->watching && q->node_name
                && !strcmp(q->node_name, r->node_name)) {
                seen = true;
                break;
            }
        }
        n += !seen;
    }
    return n;
}

/* The controller's information (API_SERVER_CONTROLLERINFO_PATH), in the
 * spirit of Antrea's AntreaControllerInfo. */
static json_t *
controller_info(const struct api_server *server)
{
    json_t *counts = json_pack(
        "{s:I, s:I, s:I}",
        "networkPolicyNum", (json_int_t) cp_store_count(
            server->store, CP_RESOURCE_NETWORK_POLICIES),
        "addressGroupNum", (json_int_t) cp_store_count(
            server->store, CP_RESOURCE_ADDRESS_GROUPS),
        "appliedToGroupNum", (json_int_t) cp_store_count(
            server->store, CP_RESOURCE_APPLIED_TO_GROUPS));
    json_t *conditions = json_pack(
        "[{s:s, s:s, s:s}]", "type", "ControllerHealthy",
        "status", server->ready ? "True" : "False",
        "reason", server->ready ? "Synced" : "NotSynced");
    return json_pack("{s:s, s:s, s:s, s:i, s:o, s:I, s:I, s:I, s:o}",
                     "kind", "AntreaControllerInfo",
                     "name", "antrea-controller",
                     "version", server->version ? server->version : "",
                     "apiPort", server->port,
                     "networkPolicyControllerInfo", counts,
                     "connectedAgentNum",
                     (json_int_t) count_connected_agents(server),
                     "watchNum", (json_int_t) server->n_watches,
                     "uptimeSeconds",
                     (json_int_t) ((time_msec() - server->started) / 1000),
                     "controllerConditions", conditions);
}

/* AntreaControllerInfo (core/controller/controller-info.c) reuses the
 * controllerinfo view and the readiness. */
json_t *
api_server_controller_info(const struct api_server *server)
{
    return controller_info(server);
}

bool
api_server_is_ready(const struct api_server *server)
{
    return server->ready;
}

/* Queues the response to the authorised request 'r'. */
static enum MHD_Result
respond(struct api_request *r)
{
    struct api_server *server = r->server;
    size_t size;
    uint8_t *data;

    const char *reason;
    unsigned int status = http_auth_request_status(&r->auth, &reason);
    if (status != MHD_HTTP_OK) {
        return respond_status(r, status, reason, r->auth.message);
    }

    switch (r->route) {
    case ROUTE_HEALTHZ:
        return respond_text(r, MHD_HTTP_OK, "ok");
    case ROUTE_READYZ:
        return (server->ready ? respond_text(r, MHD_HTTP_OK, "ok")
                : respond_text(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                               "not ready: the Kubernetes informers have "
                               "not synced yet"));
    case ROUTE_CONTROLLERINFO:
        return respond_json(r, MHD_HTTP_OK, controller_info(server));
    case ROUTE_METRICS: {
        char *text = metrics_format(server->metrics);
        return respond_bytes(r, MHD_HTTP_OK, METRICS_CONTENT_TYPE, text,
                             strlen(text));
    }
    case ROUTE_LIST:
    case ROUTE_GET:
    case ROUTE_WATCH:
    default:
        if (!server->ready) {
            /* An empty initial set would make agents drop what they
             * enforce: they wait (and retry) instead. */
            return respond_status(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                                  "ServiceUnavailable",
                                  "the controller has not synced with the "
                                  "Kubernetes API yet");
        }
        break;
    }

    switch (r->route) {
    case ROUTE_HEALTHZ:
    case ROUTE_READYZ:
    case ROUTE_CONTROLLERINFO:
    case ROUTE_METRICS:
        break;
    case ROUTE_LIST:
        data = cp_store_list(server->store, r->resource, r->node_name,
                             &size);
        if (r->json) {
            return respond_decoded(r, data, size, true);
        }
        return respond_bytes(r, MHD_HTTP_OK, API_SERVER_CONTENT_TYPE, data,
                             size);
    case ROUTE_GET:
        data = cp_store_get(server->store, r->resource, r->name,
                            r->node_name, &size);
        if (!data) {
            char *message = xasprintf("%s \"%s\" not found%s%s",
                                      cp_resource_name(r->resource),
                                      r->name,
                                      r->node_name ? " for Node " : "",
                                      r->node_name ? r->node_name : "");
            enum MHD_Result result = respond_status(r, MHD_HTTP_NOT_FOUND,
                                                    "NotFound", message);
            free(message);
            return result;
        }
        if (r->json) {
            return respond_decoded(r, data, size, false);
        }
        return respond_bytes(r, MHD_HTTP_OK, API_SERVER_CONTENT_TYPE, data,
                             size);
    case ROUTE_WATCH:
    default:
        break;
    }

    /* A watch. */
    struct MHD_Response *response = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, API_SERVER_WATCH_BLOCK, watch_reader, r, NULL);
    if (!response) {
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            API_SERVER_CONTENT_TYPE);
    enum MHD_Result result = MHD_queue_response(r->auth.conn, MHD_HTTP_OK,
                                                response);
    MHD_destroy_response(response);
    r->auth.phase = HTTP_AUTH_RESPONDED;
    if (result != MHD_YES) {
        return result;
    }

    r->watching = true;
    server->n_watches++;
    r->last_sent = time_msec();
    r->initial = true;
    struct cp_watch *watch = cp_store_watch(server->store, r->resource,
                                            r->node_name, watch_deliver,
                                            watch_ended, r);
    r->initial = false;
    /* If the initial set alone overflowed, the store has already ended
     * (and freed) the watch. */
    r->watch = r->watch_ended ? NULL : watch;
    LOG_INFO("watch of %s for %s%s started (%zu watches)",
             cp_resource_name(r->resource),
             r->node_name ? "Node " : "every Node",
             r->node_name ? r->node_name : "", server->n_watches);
    return MHD_YES;
}

/* MHD's access handler: see the file's comment. */
static enum MHD_Result
access_handler(void *server_, struct MHD_Connection *conn, const char *url,
               const char *method, const char *version,
               const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    struct api_server *server = server_;
    struct api_request *r = *con_cls;

    if (!r) {
        r = xcalloc(1, sizeof *r);
        r->server = server;
        http_auth_request_init(&r->auth, r, &server->requests, server->loop,
                               conn);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* No request of this API has a body: drop it. */
        *upload_data_size = 0;
        return MHD_YES;
    }

    switch (r->auth.phase) {
    case HTTP_AUTH_NEW:
        if (server->stopping) {
            return respond_status(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                                  "ServiceUnavailable",
                                  "the controller is stopping");
        }
        if (!route_request(r, url, method)) {
            return MHD_YES;
        }
        if (!authorise(r)) {
            http_auth_request_suspend(&r->auth);
            return MHD_YES;
        }
        return respond(r);
    case HTTP_AUTH_CHECKING:
        if (server->stopping) {
            return respond_status(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                                  "ServiceUnavailable",
                                  "the controller is stopping");
        }
        /* Woken early: wait on. */
        http_auth_request_suspend(&r->auth);
        return MHD_YES;
    case HTTP_AUTH_CHECKED:
        return respond(r);
    case HTTP_AUTH_RESPONDED:
    default:
        return MHD_YES;
    }
}

/* Frees request 'r', cancelling what it still waits for. */
static void
request_free(struct api_request *r)
{
    struct api_server *server = r->server;

    http_auth_request_destroy(&r->auth);
    cp_watch_cancel(r->watch);
    if (r->watching) {
        server->n_watches--;
        LOG_INFO("watch of %s for %s%s ended (%zu watches)",
                 cp_resource_name(r->resource),
                 r->node_name ? "Node " : "every Node",
                 r->node_name ? r->node_name : "", server->n_watches);
    }
    for (size_t i = r->first_frame; i < r->n_frames; i++) {
        cp_frame_unref(r->frames[i]);
    }
    free(r->frames);
    free(r->tail);
    free(r->name);
    free(r->node_name);
    free(r);
}

/* MHD's completion callback: the request is over, whatever happened. */
static void
request_completed(void *server_, struct MHD_Connection *conn,
                  void **con_cls, enum MHD_RequestTerminationCode code)
{
    struct api_request *r = *con_cls;

    if (r) {
        request_free(r);
        *con_cls = NULL;
    }
}
