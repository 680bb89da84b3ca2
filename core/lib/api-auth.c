/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Delegated authentication and authorisation (api-auth.h): TokenReviews
 * and SubjectAccessReviews through the asynchronous Kubernetes client,
 * with small expiring caches in front of both.  Tokens are kept only as
 * their SHA-256, so the cache holds no credentials.
 */

#include <config.h>

#include "api-auth.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-loop.h"
#include "k8s/k8s-client.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(api_auth);

/* Buckets of each cache (a power of 2). */
#define CACHE_BUCKETS 1024

/* Entries past which inserting sweeps out expired ones. */
#define CACHE_SWEEP_THRESHOLD 4096

/* One cached answer. */
struct cache_entry {
    struct cache_entry *next;   /* in its bucket */
    char *key;                  /* what was asked */
    long long expires;          /* time_msec() after which it is stale */
    bool positive;              /* authenticated, or allowed */
    json_t *user;               /* for TokenReviews that authenticated:
                                   status.user, else NULL */
    char *message;              /* why not (for negative answers) */
};

/* An expiring map from strings to answers. */
struct cache {
    struct cache_entry *buckets[CACHE_BUCKETS]; /* chains */
    size_t n;                   /* entries */
};

/* What a pending check waits for. */
enum check_state {
    CHECK_TOKEN_REVIEW,         /* the TokenReview's answer */
    CHECK_ACCESS_REVIEW,        /* the SubjectAccessReview's answer */
};

struct api_auth {
    struct k8s_client *client;  /* to the kube-apiserver (not owned) */
    long long ttl_ms;           /* lifetime of positive answers */
    long long negative_ttl_ms;  /* lifetime of negative answers */
    struct cache tokens;        /* token hash -> TokenReview answer */
    struct cache access;        /* token hash, verb, resource, name ->
                                   SubjectAccessReview answer */
    struct api_auth_check *checks; /* pending checks */
    unsigned long long n_reviews;  /* reviews sent */
};

struct api_auth_check {
    struct api_auth *auth;      /* owner */
    struct api_auth_check *prev, *next; /* in auth->checks */
    enum check_state state;     /* what it waits for */
    struct k8s_request *request; /* the review in flight, or NULL */
    char *token;                /* the bearer token */
    char *token_key;            /* its SHA-256, in hex */
    char *verb;                 /* as in struct api_auth_request */
    char *resource;             /* or NULL */
    char *name;                 /* or NULL */
    char *path;                 /* or NULL */
    api_auth_func *cb;          /* the caller's callback */
    void *aux;                  /* for 'cb' */
};

/* Returns the FNV-1a hash of 'key'. */
static uint32_t
hash_string(const char *key)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *) key; *p; p++) {
        h = (h ^ *p) * 16777619u;
    }
    return h;
}

/* Frees entry 'e'. */
static void
cache_entry_free(struct cache_entry *e)
{
    free(e->key);
    json_decref(e->user);
    free(e->message);
    free(e);
}

/* Frees every entry of 'cache'. */
static void
cache_clear(struct cache *cache)
{
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        while (cache->buckets[i]) {
            struct cache_entry *e = cache->buckets[i];
            cache->buckets[i] = e->next;
            cache_entry_free(e);
        }
    }
    cache->n = 0;
}

/* Returns the fresh entry for 'key' in 'cache', or NULL (dropping a stale
 * one). */
static struct cache_entry *
cache_find(struct cache *cache, const char *key)
{
    struct cache_entry **pp = &cache->buckets[hash_string(key)
                                              & (CACHE_BUCKETS - 1)];
    long long now = time_msec();
    for (; *pp; pp = &(*pp)->next) {
        struct cache_entry *e = *pp;
        if (!strcmp(e->key, key)) {
            if (e->expires > now) {
                return e;
            }
            *pp = e->next;
            cache_entry_free(e);
            cache->n--;
            return NULL;
        }
    }
    return NULL;
}

/* Drops every expired entry of 'cache'. */
static void
cache_sweep(struct cache *cache)
{
    long long now = time_msec();
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        struct cache_entry **pp = &cache->buckets[i];
        while (*pp) {
            struct cache_entry *e = *pp;
            if (e->expires <= now) {
                *pp = e->next;
                cache_entry_free(e);
                cache->n--;
            } else {
                pp = &e->next;
            }
        }
    }
}

/* Stores an answer for 'key' in 'cache' for 'ttl_ms', replacing any
 * other.  Takes a reference to 'user' (may be NULL). */
static void
cache_put(struct cache *cache, const char *key, long long ttl_ms,
          bool positive, json_t *user, const char *message)
{
    struct cache_entry *old = cache_find(cache, key);
    if (old) {
        old->expires = 0;
        cache_find(cache, key);     /* drops it */
    }
    if (cache->n >= CACHE_SWEEP_THRESHOLD) {
        cache_sweep(cache);
    }

    struct cache_entry *e = xcalloc(1, sizeof *e);
    e->key = xstrdup(key);
    e->expires = time_msec() + ttl_ms;
    e->positive = positive;
    e->user = user ? json_incref(user) : NULL;
    e->message = message ? xstrdup(message) : NULL;
    size_t i = hash_string(key) & (CACHE_BUCKETS - 1);
    e->next = cache->buckets[i];
    cache->buckets[i] = e;
    cache->n++;
}

struct api_auth *
api_auth_create(struct k8s_client *client, long long ttl_ms,
                long long negative_ttl_ms)
{
    struct api_auth *auth = xcalloc(1, sizeof *auth);
    auth->client = client;
    auth->ttl_ms = ttl_ms > 0 ? ttl_ms : API_AUTH_DEFAULT_TTL_MS;
    auth->negative_ttl_ms = (negative_ttl_ms > 0 ? negative_ttl_ms
                             : API_AUTH_DEFAULT_NEGATIVE_TTL_MS);
    return auth;
}

void
api_auth_destroy(struct api_auth *auth)
{
    if (!auth) {
        return;
    }
    while (auth->checks) {
        api_auth_check_cancel(auth->checks);
    }
    cache_clear(&auth->tokens);
    cache_clear(&auth->access);
    free(auth);
}

unsigned long long
api_auth_n_reviews(const struct api_auth *auth)
{
    return auth->n_reviews;
}

/* Returns the SHA-256 of 'token' in hex, malloc'd. */
static char *
token_hash(const char *token)
{
    unsigned char digest[32];
    char *hex = xmalloc(2 * sizeof digest + 1);

    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), digest)) {
        /* Cannot happen with a working GnuTLS; never key by the token. */
        memset(digest, 0, sizeof digest);
    }
    for (size_t i = 0; i < sizeof digest; i++) {
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    return hex;
}

/* Returns the access cache's key for 'check', malloc'd. */
static char *
access_key(const struct api_auth_check *check)
{
    return xasprintf("%s\n%s\n%s\n%s\n%s", check->token_key, check->verb,
                     check->resource ? check->resource : "",
                     check->name ? check->name : "",
                     check->path ? check->path : "");
}

/* Puts 'check' into its owner's list of pending checks. */
static void
check_link(struct api_auth_check *check)
{
    struct api_auth *auth = check->auth;

    check->next = auth->checks;
    if (auth->checks) {
        auth->checks->prev = check;
    }
    auth->checks = check;
}

/* Takes 'check' out of its owner's list (if it is in it) and frees it,
 * without a callback. */
static void
check_free(struct api_auth_check *check)
{
    struct api_auth *auth = check->auth;

    if (check->prev || check->next || auth->checks == check) {
        if (check->prev) {
            check->prev->next = check->next;
        } else {
            auth->checks = check->next;
        }
        if (check->next) {
            check->next->prev = check->prev;
        }
    }
    free(check->token);
    free(check->token_key);
    free(check->verb);
    free(check->resource);
    free(check->name);
    free(check->path);
    free(check);
}

/* Ends 'check' with 'verdict': unlinks it, frees it, calls back. */
static void
check_finish(struct api_auth_check *check, enum api_auth_verdict verdict,
             const char *message)
{
    api_auth_func *cb = check->cb;
    void *aux = check->aux;

    check_free(check);
    cb(verdict, message, aux);
}

/* Returns a malloc'd description of a failed review 'what' from 'resp'. */
static char *
review_failure(const char *what, const struct k8s_response *resp)
{
    if (resp->error) {
        return xasprintf("%s: the kube-apiserver could not be reached: %s",
                         what, resp->error);
    }
    const char *message = NULL;
    if (resp->body) {
        message = json_string_value(json_object_get(resp->body, "message"));
    }
    return xasprintf("%s: the kube-apiserver answered HTTP %ld%s%s", what,
                     resp->status, message ? ": " : "",
                     message ? message : "");
}

/* Goes on with a check once the review it waited for answered with
 * 'status' (an object). */
typedef void review_answer_func(struct api_auth_check *, json_t *status);
static review_answer_func token_review_answered;
static review_answer_func access_review_answered;

/* The reviews a check posts, by the state of waiting for their answer. */
static const struct review_kind {
    const char *kind;           /* the object's kind */
    const char *api_version;    /* its API group and version */
    const char *path;           /* where it is POSTed */
    review_answer_func *answered; /* goes on with its status */
} review_kinds[] = {
    [CHECK_TOKEN_REVIEW] = {
        "TokenReview", "authentication.k8s.io/v1",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        token_review_answered,
    },
    [CHECK_ACCESS_REVIEW] = {
        "SubjectAccessReview", "authorization.k8s.io/v1",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        access_review_answered,
    },
};

static k8s_response_func review_done;

/* Posts the review 'state' waits for, with 'spec' (a reference the call
 * takes), and makes 'check' wait for it.  Returns true if the check
 * finished instead (the request could not be made). */
static bool
post_review(struct api_auth_check *check, enum check_state state,
            json_t *spec)
{
    const struct review_kind *review = &review_kinds[state];
    struct api_auth *auth = check->auth;
    json_t *body = json_pack("{s:s, s:s, s:o}",
                             "apiVersion", review->api_version,
                             "kind", review->kind, "spec", spec);
    struct k8s_request_args args = {
        .method = "POST",
        .path = review->path,
        .body = body,
        .timeout_ms = 10000,
        .on_done = review_done,
        .aux = check,
    };
    check->state = state;
    auth->n_reviews++;
    check->request = k8s_client_request(auth->client, &args);
    json_decref(body);
    if (!check->request) {
        char *message = xasprintf("%s: the request could not be made",
                                  review->kind);
        check_finish(check, API_AUTH_UNAVAILABLE, message);
        free(message);
        return true;
    }
    return false;
}

/* Handles the answer 'resp' to the review 'check_' waited for: goes on
 * with its status, or, if there is none (the kube-apiserver could not be
 * reached, or failed), finishes the check as unavailable. */
static void
review_done(struct k8s_request *request, const struct k8s_response *resp,
            void *check_)
{
    struct api_auth_check *check = check_;
    const struct review_kind *review = &review_kinds[check->state];

    (void) request;
    check->request = NULL;
    json_t *status = resp->body ? json_object_get(resp->body, "status")
                                : NULL;
    if (resp->error || resp->status < 200 || resp->status >= 300
        || !json_is_object(status)) {
        char *message = review_failure(review->kind, resp);
        LOG_WARN("%s", message);
        check_finish(check, API_AUTH_UNAVAILABLE, message);
        free(message);
        return;
    }
    review->answered(check, status);
}

/* Goes on with 'check' once its token is known to name 'user': answers
 * from the access cache or sends a SubjectAccessReview.  Returns true if
 * the check finished. */
static bool
check_access(struct api_auth_check *check, json_t *user)
{
    struct api_auth *auth = check->auth;
    char *key = access_key(check);
    struct cache_entry *e = cache_find(&auth->access, key);
    free(key);
    if (e) {
        if (e->positive) {
            check_finish(check, API_AUTH_ALLOWED, "allowed");
        } else {
            char *message = xstrdup(e->message);
            check_finish(check, API_AUTH_FORBIDDEN, message);
            free(message);
        }
        return true;
    }

    json_t *spec = json_object();
    const char *field_names[] = { "username", "uid", "groups", "extra" };
    const char *spec_names[] = { "user", "uid", "groups", "extra" };
    for (size_t i = 0; i < ARRAY_SIZE(field_names); i++) {
        json_t *v = json_object_get(user, field_names[i]);
        if (v) {
            json_object_set(spec, spec_names[i], v);
        }
    }
    if (check->resource) {
        json_t *attrs = json_pack("{s:s, s:s, s:s, s:s}",
                                  "verb", check->verb,
                                  "group", "controlplane.antrea.io",
                                  "version", "v1beta2",
                                  "resource", check->resource);
        if (check->name) {
            json_object_set_new(attrs, "name", json_string(check->name));
        }
        json_object_set_new(spec, "resourceAttributes", attrs);
    } else {
        json_object_set_new(spec, "nonResourceAttributes",
                            json_pack("{s:s, s:s}", "verb", check->verb,
                                      "path", check->path));
    }
    return post_review(check, CHECK_ACCESS_REVIEW, spec);
}

/* Finishes 'check' with the 'status' of its SubjectAccessReview. */
static void
access_review_answered(struct api_auth_check *check, json_t *status)
{
    struct api_auth *auth = check->auth;
    bool allowed = json_is_true(json_object_get(status, "allowed"));
    const char *reason = json_string_value(json_object_get(status,
                                                           "reason"));
    char *message;
    if (allowed) {
        message = xstrdup("allowed");
    } else if (check->resource) {
        message = xasprintf("not allowed to %s %s%s%s in "
                            "controlplane.antrea.io%s%s", check->verb,
                            check->resource, check->name ? " " : "",
                            check->name ? check->name : "",
                            reason && reason[0] ? ": " : "",
                            reason ? reason : "");
    } else {
        message = xasprintf("not allowed to %s %s%s%s", check->verb,
                            check->path, reason && reason[0] ? ": " : "",
                            reason ? reason : "");
    }
    char *key = access_key(check);
    cache_put(&auth->access, key,
              allowed ? auth->ttl_ms : auth->negative_ttl_ms, allowed,
              NULL, message);
    free(key);
    check_finish(check, allowed ? API_AUTH_ALLOWED : API_AUTH_FORBIDDEN,
                 message);
    free(message);
}

/* Goes on with 'check' after the 'status' of its TokenReview. */
static void
token_review_answered(struct api_auth_check *check, json_t *status)
{
    struct api_auth *auth = check->auth;
    json_t *user = json_object_get(status, "user");
    if (json_is_true(json_object_get(status, "authenticated"))
        && json_is_object(user)) {
        cache_put(&auth->tokens, check->token_key, auth->ttl_ms, true, user,
                  NULL);
        check_access(check, user);
    } else {
        const char *why = json_string_value(json_object_get(status,
                                                            "error"));
        char *message = xasprintf("the bearer token is not valid%s%s",
                                  why ? ": " : "", why ? why : "");
        cache_put(&auth->tokens, check->token_key, auth->negative_ttl_ms,
                  false, NULL, message);
        check_finish(check, API_AUTH_UNAUTHENTICATED, message);
        free(message);
    }
}

struct api_auth_check *
api_auth_check(struct api_auth *auth, const struct api_auth_request *req,
               api_auth_func *cb, void *aux)
{
    if (!req->token || !req->token[0]) {
        cb(API_AUTH_UNAUTHENTICATED, "no bearer token in the request", aux);
        return NULL;
    }

    struct api_auth_check *check = xcalloc(1, sizeof *check);
    check->auth = auth;
    check->token = xstrdup(req->token);
    check->token_key = token_hash(req->token);
    check->verb = xstrdup(req->verb);
    check->resource = req->resource ? xstrdup(req->resource) : NULL;
    check->name = req->name ? xstrdup(req->name) : NULL;
    check->path = xstrdup(req->path ? req->path : "/");
    check->cb = cb;
    check->aux = aux;

    struct cache_entry *e = cache_find(&auth->tokens, check->token_key);
    if (e && !e->positive) {
        char *message = xstrdup(e->message);
        check_finish(check, API_AUTH_UNAUTHENTICATED, message);
        free(message);
        return NULL;
    } else if (e) {
        json_t *user = json_incref(e->user);
        bool done;
        /* Linked first: check_access may leave it pending. */
        check_link(check);
        done = check_access(check, user);
        json_decref(user);
        return done ? NULL : check;
    }

    check_link(check);
    bool done = post_review(check, CHECK_TOKEN_REVIEW,
                            json_pack("{s:s}", "token", req->token));
    return done ? NULL : check;
}

void
api_auth_check_cancel(struct api_auth_check *check)
{
    if (!check) {
        return;
    }
    k8s_request_cancel(check->request);
    check_free(check);
}
