/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The life of an HTTP request that api-auth checks, shared by the
 * servers that delegate authorisation to the kube-apiserver (the
 * controller's API server, the agent's metrics server).  MHD calls a
 * server's access handler when the headers are in: the server embeds a
 * struct http_auth_request in its own request and initialises it, which
 * puts it in the server's list of live requests.  Once routed, the
 * request is checked with its bearer token; if the answer waits for the
 * kube-apiserver the server suspends the connection, and the answer
 * resumes it and wakes the loop, so that MHD calls the handler again and
 * the server responds (http_auth_request_respond(), which also marks the
 * request responded).  The server's completion callback destroys it,
 * cancelling a pending check.
 *
 * Ownership: the server owns the embedding request and the list head;
 * the loop and the api_auth outlive every request.
 */

#ifndef HTTP_AUTH_REQUEST_H
#define HTTP_AUTH_REQUEST_H 1

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "api-auth.h"

struct event_loop;

/* Where a request is in its life. */
enum http_auth_phase {
    HTTP_AUTH_NEW,              /* headers in, not checked yet */
    HTTP_AUTH_CHECKING,         /* waiting for api-auth */
    HTTP_AUTH_CHECKED,          /* api-auth answered */
    HTTP_AUTH_RESPONDED,        /* a response is queued */
};

/* The part of a server's request that the check needs. */
struct http_auth_request {
    void *owner;                /* the server's request embedding this */
    struct http_auth_request *prev, *next; /* in '*list' */
    struct http_auth_request **list; /* the server's live requests */
    struct event_loop *loop;    /* woken when the answer comes */
    struct MHD_Connection *conn; /* the request's connection */
    enum http_auth_phase phase; /* see above */
    bool suspended;             /* 'conn' is suspended by us */
    struct api_auth_check *check; /* the pending check, or NULL */
    enum api_auth_verdict verdict; /* api-auth's answer, once checked */
    char *message;              /* why, once checked (malloc'd) */
};

/* Initialises 'h', the part of 'owner' (the server's request on 'conn'),
 * and puts it at the head of the server's live requests '*list'. */
void http_auth_request_init(struct http_auth_request *h, void *owner,
                            struct http_auth_request **list,
                            struct event_loop *, struct MHD_Connection *conn);

/* Takes 'h' out of its list, cancels its pending check and frees what it
 * holds (not 'h' itself). */
void http_auth_request_destroy(struct http_auth_request *h);

/* Starts checking 'h' for 'req' (whose 'token' is ignored: the bearer
 * token comes from the request's Authorization header) with 'auth', or
 * allows it if 'auth' is NULL.  Returns true if the answer is in
 * already; otherwise the server suspends the connection and the answer
 * resumes it. */
bool http_auth_request_check(struct http_auth_request *h,
                             struct api_auth *auth,
                             const struct api_auth_request *req);

/* Suspends the connection of 'h' until http_auth_request_resume(). */
void http_auth_request_suspend(struct http_auth_request *h);

/* Resumes the connection of 'h' if it is suspended, and wakes the loop
 * so that MHD runs again soon. */
void http_auth_request_resume(struct http_auth_request *h);

/* For a server that stops: cancels the check of 'h' (it will not be
 * answered) and resumes its connection, so that MHD can close it. */
void http_auth_request_abandon(struct http_auth_request *h);

/* Returns the HTTP status of the checked 'h' (MHD_HTTP_OK if allowed,
 * else 401, 403 or 503) and, in '*reasonp', its Kubernetes Status reason
 * ("Unauthorized", "Forbidden", "ServiceUnavailable"; NULL if allowed). */
unsigned int http_auth_request_status(const struct http_auth_request *h,
                                      const char **reasonp);

/* Queues the answer 'status' with 'size' bytes 'data' (malloc'd; freed
 * whatever happens) of 'content_type' for 'h', and marks it responded.  A
 * 401 asks for a bearer token of realm 'realm'.  Returns MHD's result. */
enum MHD_Result http_auth_request_respond(struct http_auth_request *h,
                                          unsigned int status,
                                          const char *content_type,
                                          void *data, size_t size,
                                          const char *realm);

#endif /* http-auth-request.h */
