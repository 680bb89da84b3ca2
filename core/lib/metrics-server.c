/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The HTTPS /metrics server (metrics-server.h).  A request's life, as in
 * the controller's API server: MHD calls the access handler when the
 * headers are in (we allocate the request), then once the (ignored) body
 * is in; the request is routed and, for /metrics, checked by api-auth.
 * If the check waits for the kube-apiserver the connection is suspended
 * and the check's callback resumes it; MHD then calls the handler again
 * and the answer is queued.  The completion callback frees the request,
 * cancelling a pending check.
 */

#include <config.h>

#include "metrics-server.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api-auth.h"
#include "event-loop.h"
#include "http-daemon.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(metrics_server);

/* Seconds of inactivity after which MHD closes a connection. */
#define METRICS_SERVER_CONNECTION_TIMEOUT 60

struct metrics_server {
    struct event_loop *loop;    /* the loop (not owned) */
    struct http_daemon *http;   /* libmicrohttpd on 'loop' */
    struct api_auth *auth;      /* checks requests (not owned), or NULL */
    struct metrics *metrics;    /* what is served (not owned), or NULL */
    char *cert_pem;             /* certificate (MHD reads it while it
                                   runs), or NULL */
    char *key_pem;              /* its key, wiped when freed */
    char *priorities;           /* GnuTLS priorities, or NULL */
    struct metrics_request *requests; /* live requests */
    bool stopping;              /* being destroyed */
};

/* Where a request is in its life. */
enum metrics_phase {
    PHASE_NEW,                  /* headers in, not checked yet */
    PHASE_AUTHORISING,          /* waiting for api-auth */
    PHASE_AUTHORISED,           /* api-auth answered */
    PHASE_RESPONDED,            /* a response is queued */
};

/* One request. */
struct metrics_request {
    struct metrics_server *server; /* owner */
    struct metrics_request *prev, *next; /* in server->requests */
    struct MHD_Connection *conn; /* its connection */
    enum metrics_phase phase;   /* see above */
    bool suspended;             /* we suspended 'conn' */
    struct api_auth_check *check; /* pending check, or NULL */
    enum api_auth_verdict verdict; /* api-auth's answer */
    char *message;              /* api-auth's message */
};

/* Queues 'text' (copied) with 'status' and 'content_type'. */
static enum MHD_Result
respond(struct metrics_request *r, unsigned int status,
        const char *content_type, char *text)
{
    size_t size = strlen(text);
    struct MHD_Response *response
        = MHD_create_response_from_buffer(size, text, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            content_type);
    if (status == MHD_HTTP_UNAUTHORIZED) {
        MHD_add_response_header(response, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"antrea\"");
    }
    enum MHD_Result result = MHD_queue_response(r->conn, status, response);
    MHD_destroy_response(response);
    r->phase = PHASE_RESPONDED;
    return result;
}

/* Queues a plain-text error: the status line's reason is in 'message'. */
static enum MHD_Result
respond_error(struct metrics_request *r, unsigned int status,
              const char *message)
{
    LOG_DBG("%u %s", status, message);
    return respond(r, status, "text/plain; charset=utf-8",
                   xasprintf("%s\n", message));
}

/* api-auth's answer for 'r_'. */
static void
auth_done(enum api_auth_verdict verdict, const char *message, void *r_)
{
    struct metrics_request *r = r_;

    r->check = NULL;
    r->verdict = verdict;
    free(r->message);
    r->message = xstrdup(message);
    r->phase = PHASE_AUTHORISED;
    if (r->suspended) {
        r->suspended = false;
        MHD_resume_connection(r->conn);
    }
    event_loop_immediate_wake(r->server->loop);
}

/* Starts checking 'r' (a /metrics request).  Returns true if the answer
 * is in already. */
static bool
authorise(struct metrics_request *r)
{
    struct metrics_server *server = r->server;

    r->phase = PHASE_AUTHORISING;
    if (!server->auth) {
        auth_done(API_AUTH_ALLOWED, "no authorisation configured", r);
        return true;
    }
    const char *header = MHD_lookup_connection_value(
        r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    const char *token = NULL;
    if (header) {
        if (strncasecmp(header, "Bearer ", 7)) {
            auth_done(API_AUTH_UNAUTHENTICATED, "the Authorization header "
                      "does not hold a bearer token", r);
            return true;
        }
        token = header + 7;
        while (*token == ' ') {
            token++;
        }
    }
    struct api_auth_request req = {
        .token = token,
        .verb = "get",
        .path = METRICS_SERVER_PATH,
    };
    r->check = api_auth_check(server->auth, &req, auth_done, r);
    return r->phase == PHASE_AUTHORISED;
}

/* Queues the answer to the checked /metrics request 'r'. */
static enum MHD_Result
respond_metrics(struct metrics_request *r)
{
    switch (r->verdict) {
    case API_AUTH_ALLOWED:
        break;
    case API_AUTH_UNAUTHENTICATED:
        return respond_error(r, MHD_HTTP_UNAUTHORIZED, r->message);
    case API_AUTH_FORBIDDEN:
        return respond_error(r, MHD_HTTP_FORBIDDEN, r->message);
    case API_AUTH_UNAVAILABLE:
    default:
        return respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, r->message);
    }
    return respond(r, MHD_HTTP_OK, METRICS_CONTENT_TYPE,
                   metrics_format(r->server->metrics));
}

/* MHD's access handler: see the file's comment. */
static enum MHD_Result
access_handler(void *server_, struct MHD_Connection *conn, const char *url,
               const char *method, const char *version,
               const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    struct metrics_server *server = server_;
    struct metrics_request *r = *con_cls;

    (void) version;
    (void) upload_data;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        r->server = server;
        r->conn = conn;
        r->next = server->requests;
        if (server->requests) {
            server->requests->prev = r;
        }
        server->requests = r;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }

    switch (r->phase) {
    case PHASE_NEW:
        if (strcmp(method, MHD_HTTP_METHOD_GET)
            && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
            char *message = xasprintf("method %s is not allowed: only GET",
                                      method);
            enum MHD_Result result = respond_error(
                r, MHD_HTTP_METHOD_NOT_ALLOWED, message);
            free(message);
            return result;
        }
        if (!strcmp(url, METRICS_SERVER_HEALTH_PATH)) {
            return respond(r, MHD_HTTP_OK, "text/plain; charset=utf-8",
                           xstrdup("ok"));
        }
        if (strcmp(url, METRICS_SERVER_PATH) || !server->metrics) {
            char *message = xasprintf(
                "%s: not found%s", url,
                (!strcmp(url, METRICS_SERVER_PATH)
                 ? " (enablePrometheusMetrics is false)"
                 : ": this server serves " METRICS_SERVER_PATH " and "
                   METRICS_SERVER_HEALTH_PATH));
            enum MHD_Result result = respond_error(r, MHD_HTTP_NOT_FOUND,
                                                   message);
            free(message);
            return result;
        }
        if (!authorise(r)) {
            MHD_suspend_connection(conn);
            r->suspended = true;
            return MHD_YES;
        }
        return respond_metrics(r);
    case PHASE_AUTHORISING:
        if (server->stopping) {
            return respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                                 "the server is stopping");
        }
        MHD_suspend_connection(conn);
        r->suspended = true;
        return MHD_YES;
    case PHASE_AUTHORISED:
        return respond_metrics(r);
    case PHASE_RESPONDED:
    default:
        return MHD_YES;
    }
}

/* Frees 'r', cancelling its pending check. */
static void
request_free(struct metrics_request *r)
{
    struct metrics_server *server = r->server;

    if (r->prev) {
        r->prev->next = r->next;
    } else {
        server->requests = r->next;
    }
    if (r->next) {
        r->next->prev = r->prev;
    }
    api_auth_check_cancel(r->check);
    free(r->message);
    free(r);
}

/* MHD's completion callback. */
static void
request_completed(void *server_, struct MHD_Connection *conn,
                  void **con_cls, enum MHD_RequestTerminationCode code)
{
    struct metrics_request *r = *con_cls;

    (void) server_;
    (void) conn;
    (void) code;
    if (r) {
        request_free(r);
        *con_cls = NULL;
    }
}

struct metrics_server *
metrics_server_create(struct event_loop *loop,
                      const struct metrics_server_params *params,
                      char **errorp)
{
    struct metrics_server *server = xcalloc(1, sizeof *server);
    server->loop = loop;
    server->auth = params->auth;
    server->metrics = params->metrics;
    server->cert_pem = params->cert_pem ? xstrdup(params->cert_pem) : NULL;
    server->key_pem = params->key_pem ? xstrdup(params->key_pem) : NULL;
    server->priorities = (params->priorities
                          ? xstrdup(params->priorities) : NULL);

    unsigned int flags = MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_OptionItem options[8];
    size_t n = 0;
    if (server->cert_pem) {
        flags |= MHD_USE_TLS;
        options[n++] = (struct MHD_OptionItem) {
            MHD_OPTION_HTTPS_MEM_CERT, 0, server->cert_pem };
        options[n++] = (struct MHD_OptionItem) {
            MHD_OPTION_HTTPS_MEM_KEY, 0, server->key_pem };
        if (server->priorities) {
            options[n++] = (struct MHD_OptionItem) {
                MHD_OPTION_HTTPS_PRIORITIES, 0, server->priorities };
        }
    }
    options[n++] = (struct MHD_OptionItem) {
        MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) request_completed, server };
    options[n++] = (struct MHD_OptionItem) {
        MHD_OPTION_CONNECTION_TIMEOUT, METRICS_SERVER_CONNECTION_TIMEOUT,
        NULL };
    options[n++] = (struct MHD_OptionItem) { MHD_OPTION_END, 0, NULL };

    struct http_daemon_params http = {
        .name = "metrics server",
        .address = params->address,
        .port = params->port,
        .flags = flags,
        .options = options,
        .handler = access_handler,
        .handler_cls = server,
    };
    server->http = http_daemon_start(loop, &http, errorp);
    if (!server->http) {
        free(server->cert_pem);
        free(server->key_pem);
        free(server->priorities);
        free(server);
        return NULL;
    }
    return server;
}

void
metrics_server_destroy(struct metrics_server *server)
{
    if (!server) {
        return;
    }
    server->stopping = true;
    for (struct metrics_request *r = server->requests; r; r = r->next) {
        api_auth_check_cancel(r->check);
        r->check = NULL;
        if (r->suspended) {
            r->suspended = false;
            MHD_resume_connection(r->conn);
        }
    }
    /* Let MHD take the resumed connections back, then stop: it closes
     * every connection and calls request_completed for each. */
    http_daemon_run(server->http);
    http_daemon_stop(server->http);
    while (server->requests) {
        request_free(server->requests);
    }
    free(server->cert_pem);
    if (server->key_pem) {
        memset(server->key_pem, 0, strlen(server->key_pem));
    }
    free(server->key_pem);
    free(server->priorities);
    free(server);
}

int
metrics_server_port(const struct metrics_server *server)
{
    return http_daemon_port(server->http);
}
