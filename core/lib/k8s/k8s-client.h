/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * HTTP requests to the Kubernetes API, JSON in and out, on the agent's
 * single-threaded event loop: libcurl's multi interface drives every
 * transfer through the loop's fd and timer waits (the client is a task of
 * the loop), so nothing ever blocks the loop.  A request is started with
 * k8s_client_request() and finishes with one call of its 'on_done'
 * callback, unless it is cancelled first.  A streaming request (a watch)
 * also hands its body over line by line as it arrives ('on_line'), or as
 * raw bytes for binary streams ('on_data').
 *
 * Every request carries the config's credentials: a bearer token (read
 * again from its file every minute, as ServiceAccount tokens rotate) or a
 * client certificate, and is checked against the config's CA.  HTTP/1.1
 * is used, so each watch has a connection of its own; other requests
 * reuse idle connections.
 *
 * k8s_client_call() is the blocking variant, for start-up code and for
 * threads other than the loop's.
 *
 * Ownership: the client copies its config and owns its requests; a
 * request handle is valid until its 'on_done' returns or it is
 * cancelled.  Callbacks must not destroy the client.
 */

#ifndef K8S_CLIENT_H
#define K8S_CLIENT_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct event_loop;
struct k8s_config;
struct k8s_client;
struct k8s_request;

/* Limits, unless a request says otherwise. */
#define K8S_CLIENT_DEFAULT_TIMEOUT_MS 60000   /* whole request */
#define K8S_CLIENT_CONNECT_TIMEOUT_MS 10000   /* TCP and TLS handshake */
#define K8S_CLIENT_DEFAULT_MAX_BODY (512 * 1024 * 1024) /* buffered body */

/* What came back.  Valid only during the 'on_done' call. */
struct k8s_response {
    long status;                /* HTTP status, or 0 if none came */
    json_t *body;               /* the body decoded as JSON (borrowed: take
                                   a reference to keep it), or NULL if it
                                   was empty, not JSON or streamed */
    const char *raw;            /* the body's bytes, NUL-terminated; "" if
                                   streamed or none */
    size_t raw_size;            /* bytes in 'raw' */
    const char *error;          /* NULL if the exchange completed (whatever
                                   the status), else why not: connection
                                   refused, TLS, timeout, cut short, a line
                                   or body too long */
};

/* Called once when a request ends, unless it was cancelled. */
typedef void k8s_response_func(struct k8s_request *,
                               const struct k8s_response *, void *aux);

/* Called for each line of a streaming request's body ('length' bytes, not
 * NUL-terminated, without the newline), as the lines arrive, but only if
 * the status is 2xx; otherwise the body is buffered for 'on_done'.  May
 * cancel the request. */
typedef void k8s_line_func(struct k8s_request *, const char *line,
                           size_t length, void *aux);

/* Called for each piece of a streaming request's body ('size' bytes, in
 * pieces of any size, as they arrive), but only if the status is 2xx;
 * otherwise the body is buffered for 'on_done'.  For binary streams whose
 * framing is not lines.  May cancel the request. */
typedef void k8s_data_func(struct k8s_request *, const void *data,
                           size_t size, void *aux);

/* A request.  Only 'method' and 'path' are required. */
struct k8s_request_args {
    const char *method;         /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *path;           /* from the server's root, e.g.
                                   "/api/v1/pods?limit=500" */
    const json_t *body;         /* sent as JSON, or NULL for none */
    const char *content_type;   /* of 'body'; NULL means
                                   "application/merge-patch+json" for PATCH,
                                   "application/json" otherwise */
    long long timeout_ms;       /* whole request; 0: the default, negative:
                                   none */
    k8s_line_func *on_line;     /* NULL: buffer the body for 'on_done' */
    size_t max_line;            /* for 'on_line'; 0: K8S_LINES_DEFAULT_MAX */
    size_t max_body;            /* buffered body; 0: the default */
    k8s_response_func *on_done; /* may be NULL */
    void *aux;                  /* for the callbacks */
    k8s_data_func *on_data;     /* NULL: see 'on_line'; otherwise the body
                                   goes here raw ('on_line' is ignored) */
    const char *accept;         /* the Accept header's value; NULL means
                                   "application/json" */
};

struct k8s_client *k8s_client_create(const struct k8s_config *,
                                     struct event_loop *);
void k8s_client_destroy(struct k8s_client *);
struct event_loop *k8s_client_get_loop(const struct k8s_client *);
const struct k8s_config *k8s_client_get_config(const struct k8s_client *);

struct k8s_request *k8s_client_request(struct k8s_client *,
                                       const struct k8s_request_args *);
void k8s_request_cancel(struct k8s_request *);
const char *k8s_request_url(const struct k8s_request *);

long k8s_client_call(struct k8s_client *, const struct k8s_request_args *,
                     json_t **bodyp, char **errorp);

#endif /* k8s-client.h */
