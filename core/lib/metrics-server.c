/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The HTTPS /metrics server (metrics-server.h).  A request's life is
 * http-auth-request.h's, as in the controller's API server: MHD calls
 * the access handler when the headers are in (we allocate the request),
 * then once the (ignored) body is in; the request is routed and, for
 * /metrics, checked by api-auth.  If the check waits for the
 * kube-apiserver the connection is suspended and the answer resumes it;
 * MHD then calls the handler again and the answer is queued.  The
 * completion callback frees the request, cancelling a pending check.
 */

#include <config.h>

#include "metrics-server.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api-auth.h"
#include "event-loop.h"
#include "http-auth-request.h"
#include "http-daemon.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(metrics_server);

/* Seconds of inactivity after which MHD closes a connection. */
#define METRICS_SERVER_CONNECTION_TIMEOUT 60

/* The realm a 401 names. */
#define METRICS_SERVER_REALM "antrea"

struct metrics_server {
    struct event_loop *loop;    /* the loop (not owned) */
    struct http_daemon *http;   /* libmicrohttpd on 'loop' */
    struct api_auth *auth;      /* checks requests (not owned), or NULL */
    struct metrics *metrics;    /* what is served (not owned), or NULL */
    struct http_auth_request *requests; /* live requests */
    bool stopping;              /* being destroyed */
};

/* One request. */
struct metrics_request {
    struct http_auth_request auth; /* its check (owner: this) */
    struct metrics_server *server; /* owner */
};

/* Queues 'text' (malloc'd) with 'status' and 'content_type'. */
static enum MHD_Result
respond(struct metrics_request *r, unsigned int status,
        const char *content_type, char *text)
{
    return http_auth_request_respond(&r->auth, status, content_type, text,
                                     strlen(text), METRICS_SERVER_REALM);
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

/* Starts checking 'r' (a /metrics request).  Returns true if the answer
 * is in already. */
static bool
authorise(struct metrics_request *r)
{
    struct api_auth_request req = {
        .verb = "get",
        .path = METRICS_SERVER_PATH,
    };
    return http_auth_request_check(&r->auth, r->server->auth, &req);
}

/* Queues the answer to the checked /metrics request 'r'. */
static enum MHD_Result
respond_metrics(struct metrics_request *r)
{
    const char *reason;
    unsigned int status = http_auth_request_status(&r->auth, &reason);
    if (status != MHD_HTTP_OK) {
        return respond_error(r, status, r->auth.message);
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
        http_auth_request_init(&r->auth, r, &server->requests, server->loop,
                               conn);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }

    switch (r->auth.phase) {
    case HTTP_AUTH_NEW:
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
            http_auth_request_suspend(&r->auth);
            return MHD_YES;
        }
        return respond_metrics(r);
    case HTTP_AUTH_CHECKING:
        if (server->stopping) {
            return respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                                 "the server is stopping");
        }
        http_auth_request_suspend(&r->auth);
        return MHD_YES;
    case HTTP_AUTH_CHECKED:
        return respond_metrics(r);
    case HTTP_AUTH_RESPONDED:
    default:
        return MHD_YES;
    }
}

/* Frees 'r', cancelling its pending check. */
static void
request_free(struct metrics_request *r)
{
    http_auth_request_destroy(&r->auth);
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

    struct MHD_OptionItem options[] = {
        { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) request_completed, server },
        { MHD_OPTION_CONNECTION_TIMEOUT, METRICS_SERVER_CONNECTION_TIMEOUT,
          NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    struct http_daemon_params http = {
        .name = "metrics server",
        .address = params->address,
        .port = params->port,
        .flags = MHD_ALLOW_SUSPEND_RESUME,
        .cert_pem = params->cert_pem,
        .key_pem = params->key_pem,
        .priorities = params->priorities,
        .options = options,
        .handler = access_handler,
        .handler_cls = server,
    };
    server->http = http_daemon_start(loop, &http, errorp);
    if (!server->http) {
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
    for (struct http_auth_request *h = server->requests; h; h = h->next) {
        http_auth_request_abandon(h);
    }
    /* Let MHD take the resumed connections back, then stop: it closes
     * every connection and calls request_completed for each. */
    http_daemon_run(server->http);
    http_daemon_stop(server->http);
    while (server->requests) {
        request_free(server->requests->owner);
    }
    free(server);
}

int
metrics_server_port(const struct metrics_server *server)
{
    return http_daemon_port(server->http);
}
