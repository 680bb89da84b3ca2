/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The life of an HTTP request checked by api-auth (http-auth-request.h):
 * the list of live requests, the bearer token, suspending and resuming
 * the connection around the check, the verdict's status, the response.
 */

#include <config.h>

#include "http-auth-request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event-loop.h"
#include "http-daemon.h"
#include "util.h"

/* Initialises 'h' and links it into '*list' (http-auth-request.h). */
void
http_auth_request_init(struct http_auth_request *h, void *owner,
                       struct http_auth_request **list,
                       struct event_loop *loop, struct MHD_Connection *conn)
{
    memset(h, 0, sizeof *h);
    h->owner = owner;
    h->list = list;
    h->loop = loop;
    h->conn = conn;
    h->phase = HTTP_AUTH_NEW;
    h->next = *list;
    if (*list) {
        (*list)->prev = h;
    }
    *list = h;
}

/* Unlinks 'h', cancels its check, frees its message. */
void
http_auth_request_destroy(struct http_auth_request *h)
{
    if (h->prev) {
        h->prev->next = h->next;
    } else {
        *h->list = h->next;
    }
    if (h->next) {
        h->next->prev = h->prev;
    }
    api_auth_check_cancel(h->check);
    h->check = NULL;
    free(h->message);
    h->message = NULL;
}

/* api-auth's answer for 'h_'. */
static void
check_done(enum api_auth_verdict verdict, const char *message, void *h_)
{
    struct http_auth_request *h = h_;

    h->check = NULL;
    h->verdict = verdict;
    free(h->message);
    h->message = xstrdup(message);
    h->phase = HTTP_AUTH_CHECKED;
    http_auth_request_resume(h);
}

/* Starts the check of 'h' (http-auth-request.h). */
bool
http_auth_request_check(struct http_auth_request *h, struct api_auth *auth,
                        const struct api_auth_request *req)
{
    h->phase = HTTP_AUTH_CHECKING;
    if (!auth) {
        check_done(API_AUTH_ALLOWED, "no authorisation needed", h);
        return true;
    }

    const char *header = MHD_lookup_connection_value(
        h->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *token = NULL;
    if (header) {
        if (strncasecmp(header, "Bearer ", 7)) {
            check_done(API_AUTH_UNAUTHENTICATED, "the Authorization header "
                       "does not hold a bearer token", h);
            return true;
        }
        token = header + 7;
        while (*token == ' ') {
            token++;
        }
    }
    struct api_auth_request with_token = *req;
    with_token.token = token;
    h->check = api_auth_check(auth, &with_token, check_done, h);
    return h->phase == HTTP_AUTH_CHECKED;
}

/* Suspends the connection of 'h'. */
void
http_auth_request_suspend(struct http_auth_request *h)
{
    MHD_suspend_connection(h->conn);
    h->suspended = true;
}

/* Resumes the connection of 'h' and wakes the loop. */
void
http_auth_request_resume(struct http_auth_request *h)
{
    if (h->suspended) {
        h->suspended = false;
        MHD_resume_connection(h->conn);
    }
    event_loop_immediate_wake(h->loop);
}

/* Cancels the check of 'h' and lets its connection go. */
void
http_auth_request_abandon(struct http_auth_request *h)
{
    api_auth_check_cancel(h->check);
    h->check = NULL;
    if (h->suspended) {
        h->suspended = false;
        MHD_resume_connection(h->conn);
    }
}

/* The HTTP status and reason of the verdict of 'h'. */
unsigned int
http_auth_request_status(const struct http_auth_request *h,
                         const char **reasonp)
{
    switch (h->verdict) {
    case API_AUTH_ALLOWED:
        *reasonp = NULL;
        return MHD_HTTP_OK;
    case API_AUTH_UNAUTHENTICATED:
        *reasonp = "Unauthorized";
        return MHD_HTTP_UNAUTHORIZED;
    case API_AUTH_FORBIDDEN:
        *reasonp = "Forbidden";
        return MHD_HTTP_FORBIDDEN;
    case API_AUTH_UNAVAILABLE:
    default:
        *reasonp = "ServiceUnavailable";
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
}

/* Queues an answer for 'h' and marks it responded. */
enum MHD_Result
http_auth_request_respond(struct http_auth_request *h, unsigned int status,
                          const char *content_type, void *data, size_t size,
                          const char *realm)
{
    char *challenge = (status == MHD_HTTP_UNAUTHORIZED
                       ? xasprintf("Bearer realm=\"%s\"", realm) : NULL);
    const struct http_header headers[] = {
        { challenge ? MHD_HTTP_HEADER_WWW_AUTHENTICATE : NULL, challenge },
        { NULL, NULL },
    };
    enum MHD_Result result = http_daemon_respond(h->conn, status,
                                                 content_type, data, size,
                                                 headers);
    free(challenge);
    h->phase = HTTP_AUTH_RESPONDED;
    return result;
}
