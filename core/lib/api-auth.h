/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Authentication and authorisation of the controller API's requests (and
 * of the agent's metrics server, metrics-server.h), delegated to the
 * kube-apiserver as Antrea (k8s.io/apiserver) does: a
 * bearer token is checked with a TokenReview (authentication.k8s.io/v1)
 * and the user it names is checked with a SubjectAccessReview
 * (authorization.k8s.io/v1) for the request's verb and resource (or
 * non-resource path).  Both go through the asynchronous Kubernetes client
 * on the event loop, so a check never blocks the loop.
 *
 * Answers are cached: positive ones for 'ttl_ms', negative ones for
 * 'negative_ttl_ms'; failures to reach the kube-apiserver are not cached.
 *
 * Ownership: the caller owns the auth object and must cancel its pending
 * checks before destroying it (destruction cancels what is left, without
 * callbacks).
 */

#ifndef API_AUTH_H
#define API_AUTH_H 1

#include <stdbool.h>

struct api_auth;
struct api_auth_check;
struct k8s_client;

/* The outcome of a check. */
enum api_auth_verdict {
    API_AUTH_ALLOWED,           /* authenticated and authorised */
    API_AUTH_UNAUTHENTICATED,   /* no token, or the token is not valid:
                                   HTTP 401 */
    API_AUTH_FORBIDDEN,         /* valid token, no permission: HTTP 403 */
    API_AUTH_UNAVAILABLE,       /* the kube-apiserver could not say: 503 */
};

/* What is asked for.  A request names either a resource (API group
 * controlplane.antrea.io, version v1beta2) or a non-resource path. */
struct api_auth_request {
    const char *token;          /* the bearer token, or NULL if none */
    const char *verb;           /* "get", "list", "watch" */
    const char *resource;       /* e.g. "networkpolicies", or NULL */
    const char *name;           /* the object's name, or NULL */
    const char *path;           /* non-resource path (e.g. "/readyz"), used
                                   if 'resource' is NULL */
};

/* Called once with the outcome and a message that says why (valid during
 * the call), unless the check is cancelled first. */
typedef void api_auth_func(enum api_auth_verdict, const char *message,
                           void *aux);

/* Cache lifetimes unless told otherwise, as k8s.io/apiserver's
 * delegating authenticator and authoriser use. */
#define API_AUTH_DEFAULT_TTL_MS 10000
#define API_AUTH_DEFAULT_NEGATIVE_TTL_MS 2000

/* Creates an authoriser that asks the kube-apiserver 'client' talks to
 * (the client must outlive it).  Zero TTLs mean the defaults. */
struct api_auth *api_auth_create(struct k8s_client *client, long long ttl_ms,
                                 long long negative_ttl_ms);

/* Frees 'auth', cancelling its pending checks without callbacks.  Accepts
 * NULL. */
void api_auth_destroy(struct api_auth *auth);

/* Checks 'req'.  If the caches (or the request alone) answer, calls
 * 'cb' before returning and returns NULL; otherwise returns a pending
 * check whose 'cb' comes later from the event loop. */
struct api_auth_check *api_auth_check(struct api_auth *auth,
                                      const struct api_auth_request *req,
                                      api_auth_func *cb, void *aux);

/* Cancels a pending check: its callback will not be called.  Accepts
 * NULL. */
void api_auth_check_cancel(struct api_auth_check *);

/* The number of kube-apiserver reviews sent so far (TokenReviews plus
 * SubjectAccessReviews), to see the caches work. */
unsigned long long api_auth_n_reviews(const struct api_auth *);

#endif /* api-auth.h */
