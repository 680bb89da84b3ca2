/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * An HTTPS server for Prometheus: GET /metrics answers a registry's text
 * exposition (metrics.h), authenticated and authorised as Antrea's
 * apiservers do, by delegation to the kube-apiserver (api-auth.h: a
 * TokenReview of the bearer token, then a SubjectAccessReview of the
 * non-resource URL /metrics, verb get); GET /healthz answers "ok" without
 * authentication.  The agent serves it on its apiPort (Antrea's 10350);
 * the controller serves /metrics on its own API server instead
 * (api-server.h).
 *
 * It runs on the event loop (http-daemon.h); a request waiting for the
 * kube-apiserver's answer is suspended, not blocking the loop.
 *
 * Ownership: the server borrows the loop, the auth object and the
 * registry, which must outlive it; it copies the parameters' strings.
 */

#ifndef METRICS_SERVER_H
#define METRICS_SERVER_H 1

struct api_auth;
struct event_loop;
struct metrics;
struct metrics_server;

/* The path Prometheus scrapes, and the one that needs no token. */
#define METRICS_SERVER_PATH "/metrics"
#define METRICS_SERVER_HEALTH_PATH "/healthz"

/* How to serve. */
struct metrics_server_params {
    const char *address;        /* IP address to bind, NULL or "" for
                                   every address */
    int port;                   /* TCP port; 0 picks a free one */
    const char *cert_pem;       /* certificate, or NULL for plain HTTP
                                   (tests only) */
    const char *key_pem;        /* its key */
    const char *priorities;     /* GnuTLS priorities (api-tls.h), or NULL
                                   for GnuTLS's defaults */
    struct api_auth *auth;      /* checks every /metrics request; NULL
                                   lets every request in (tests only) */
    struct metrics *metrics;    /* what /metrics answers; NULL: 404
                                   (enablePrometheusMetrics: false) */
};

/* Starts serving on 'loop'.  Returns NULL with a malloc'd message in
 * '*errorp' if it cannot listen or TLS is not available. */
struct metrics_server *metrics_server_create(
    struct event_loop *, const struct metrics_server_params *,
    char **errorp);

/* Stops serving and frees the server, cancelling pending checks.
 * Accepts NULL. */
void metrics_server_destroy(struct metrics_server *);

/* The TCP port listened on. */
int metrics_server_port(const struct metrics_server *);

#endif /* metrics-server.h */
