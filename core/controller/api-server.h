/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's control-plane API server: HTTPS (libmicrohttpd with
 * GnuTLS) on the controller's event loop, serving lists, gets and watches
 * of networkpolicies, addressgroups and appliedtogroups from the store
 * (cp-store.h) as protobuf, plus /healthz and /readyz.  Resources, framing
 * and status codes: docs/wire-formats.md, "Control-plane API".
 *
 * libmicrohttpd runs in its external epoll mode: the server is a task of
 * the event loop that waits on MHD's epoll fd and timeout, so no thread is
 * started.  A request whose authorisation needs the kube-apiserver, and a
 * watch waiting for events, is suspended (MHD_ALLOW_SUSPEND_RESUME) and
 * resumed when its answer or data arrives.
 *
 * For antctl the same server answers lists and gets as JSON (cp-json.h)
 * when the request's Accept header asks for API_SERVER_JSON_CONTENT_TYPE,
 * with each object's span, and serves API_SERVER_CONTROLLERINFO_PATH.
 *
 * Every request except /healthz is checked by 'auth' (api-auth.h); with
 * no auth object every request is allowed (tests only).
 *
 * Ownership: the server borrows the loop, the store and the auth object,
 * which must outlive it; it copies the parameters.
 */

#ifndef API_SERVER_H
#define API_SERVER_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cp-store.h"

struct api_auth;
struct api_server;
struct event_loop;

/* The API's path prefix and media type. */
#define API_SERVER_PREFIX "/apis/controlplane.antrea.io/v1beta2/"
#define API_SERVER_CONTENT_TYPE "application/vnd.antrea.cp.v1beta2+protobuf"

/* What antctl puts in Accept to get lists and objects as JSON (cp-json.h),
 * with their spans; the answer's Content-Type is application/json. */
#define API_SERVER_JSON_CONTENT_TYPE "application/vnd.antrea.cp.v1beta2+json"

/* Bytes a watcher may have queued and unsent before the store ends its
 * watch, unless told otherwise. */
#define API_SERVER_DEFAULT_WATCH_MAX_BYTES (64 * 1024 * 1024)

/* Milliseconds of silence after which a watch gets a keepalive (an empty
 * frame), which is also how the server notices clients that went away. */
#define API_SERVER_DEFAULT_KEEPALIVE_MS 30000

/* Path of the controller's information for antctl ("get controllerinfo"):
 * version, readiness, object counts and the connected agents, as JSON.
 * Authorised as a non-resource "get" of this path. */
#define API_SERVER_CONTROLLERINFO_PATH "/controllerinfo"

/* Path of the Prometheus metrics (metrics.h), authorised as a
 * non-resource "get" of this path, as Antrea's apiserver does. */
#define API_SERVER_METRICS_PATH "/metrics"

/* Returns the names of the Nodes in the span of object 'name' of
 * 'resource' as a malloc'd array of strings the store owns (valid until it
 * changes), their number in '*np'; NULL when there are none.  Lists and
 * gets in JSON carry them (antctl); the server cannot compute them from
 * the store's read interface alone. */
typedef const char **api_server_span_func(void *aux, enum cp_resource,
                                          const char *name, size_t *np);

/* How to serve. */
struct api_server_params {
    const char *address;        /* IP address to bind, NULL or "" for
                                   every address (IPv6 and IPv4) */
    int port;                   /* TCP port; 0 picks a free one */
    const char *cert_pem;       /* certificate chain, or NULL for plain
                                   HTTP (tests only) */
    const char *key_pem;        /* its key */
    const char *priorities;     /* GnuTLS priorities (api-tls.h), or NULL
                                   for GnuTLS's "NORMAL" */
    size_t watch_max_bytes;     /* 0: API_SERVER_DEFAULT_WATCH_MAX_BYTES */
    long long keepalive_ms;     /* 0: API_SERVER_DEFAULT_KEEPALIVE_MS */
    const char *version;        /* the controller's version, for
                                   controllerinfo; NULL: unknown */
    api_server_span_func *span; /* spans for JSON answers, or NULL (no
                                   spans shown) */
    void *span_aux;             /* 'span''s 'aux' */
    /* Prometheus metrics (docs/metrics.md). */
    struct metrics *metrics;    /* what GET API_SERVER_METRICS_PATH
                                   answers (borrowed); NULL: 404
                                   (enablePrometheusMetrics: false) */
};

/* Starts serving: binds and listens now, serves from the loop's next
 * iterations.  Returns NULL with a malloc'd message in '*errorp' if it
 * cannot (address in use, bad certificate, TLS not available). */
struct api_server *api_server_create(struct event_loop *, struct cp_store *,
                                     struct api_auth *,
                                     const struct api_server_params *,
                                     char **errorp);

/* Stops serving: ends every watch and connection, frees the server.
 * Accepts NULL. */
void api_server_destroy(struct api_server *);

/* Sets whether the server is ready: the informers have synced and the
 * store holds the computed state.  Until then /readyz and every list, get
 * and watch answer 503, so that no agent takes an empty store for the
 * truth.  Starts not ready. */
void api_server_set_ready(struct api_server *, bool ready);

/* The TCP port the server listens on. */
int api_server_port(const struct api_server *);

/* The number of watches being served. */
size_t api_server_n_watches(const struct api_server *);

/* The number of distinct Nodes with a watch open: the connected agents
 * (a metric, docs/metrics.md). */
size_t api_server_n_connected_agents(const struct api_server *);

/* For the AntreaControllerInfo writer (controller-info.h): the JSON of
 * API_SERVER_CONTROLLERINFO_PATH (a new reference), and whether the
 * server is ready (api_server_set_ready()). */
json_t *api_server_controller_info(const struct api_server *);
bool api_server_is_ready(const struct api_server *);

#endif /* api-server.h */
