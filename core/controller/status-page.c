/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The status page (status-page.h): the HTTP listener, the routes, and the
 * CRD informers with their restart after a failure.
 *
 * A CRD informer is created with max_retries 1: the reflector retries a
 * failed list once after its own short backoff, then gives up and tells
 * us why (crd_failed()), which is what the page shows.  Our task starts
 * it again after our own, longer backoff, and clears the error once the
 * reflector is watching again.
 */

#include <config.h>

#include "status-page.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event-loop.h"
#include "http-daemon.h"
#include "k8s/k8s-informer.h"
#include "k8s/k8s-reflector.h"
#include "k8s/k8s-resource.h"
#include "log.h"
#include "status-model.h"
#include "status-view.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(status_page);

/* Seconds of inactivity after which a connection is closed. */
#define STATUS_PAGE_CONNECTION_TIMEOUT 30

/* The CRDs the page reads (crd.antrea.io/v1beta1, cluster-scoped). */
static const struct k8s_resource agent_infos_resource = {
    .group = "crd.antrea.io", .version = "v1beta1",
    .plural = "antreaagentinfos", .kind = "AntreaAgentInfo",
    .namespaced = false,
};
static const struct k8s_resource controller_infos_resource = {
    .group = "crd.antrea.io", .version = "v1beta1",
    .plural = "antreacontrollerinfos", .kind = "AntreaControllerInfo",
    .namespaced = false,
};

/* One CRD's informer and its failures. */
struct crd_watch {
    struct status_page *page;   /* owner */
    const struct k8s_resource *resource; /* what it watches */
    struct k8s_informer *informer; /* the informer, or NULL (no client) */
    char *error;                /* the last failure, until watching
                                   again; or NULL */
    bool failed;                /* the informer gave up: restart it */
    long long restart_at;       /* time_msec() of the restart */
    struct k8s_backoff backoff; /* delays between restarts */
};

struct status_page {
    struct event_loop *loop;    /* the loop it runs on (not owned) */
    struct event_loop_task *task; /* restarts failed informers */
    struct http_daemon *http;   /* the listener */
    struct cp_store *store;     /* the policies (not owned), or NULL */
    status_page_info_func *controller_info; /* the controller's own
                                               information, or NULL */
    void *controller_info_aux;  /* its 'aux' */
    int refresh_seconds;        /* the page's reload period, or 0 */
    struct crd_watch agents;    /* AntreaAgentInfos */
    struct crd_watch controllers; /* AntreaControllerInfos */
};

/* The informer of 'w' gave up after a failure described by 'error'. */
static void
crd_failed(const char *error, void *w_)
{
    struct crd_watch *w = w_;
    long long delay = k8s_backoff_next(&w->backoff);

    if (!w->error || strcmp(w->error, error)) {
        LOG_WARN("%s cannot be read (the status page says so): %s; "
                 "trying again in %lld ms", w->resource->plural, error,
                 delay);
    }
    free(w->error);
    w->error = xstrdup(error);
    w->failed = true;
    w->restart_at = time_msec() + delay;
    event_loop_immediate_wake(w->page->loop);
}

/* Starts the informer of 'w' through 'client' (NULL: none). */
static void
crd_start(struct crd_watch *w, struct status_page *page,
          const struct k8s_resource *resource, struct k8s_client *client,
          const struct k8s_backoff_params *retry)
{
    struct k8s_backoff_params params = *retry;
    if (!params.initial_ms) {
        params.initial_ms = 1000;
    }
    if (!params.max_ms) {
        params.max_ms = 60000;
    }
    w->page = page;
    w->resource = resource;
    k8s_backoff_init(&w->backoff, &params);
    if (!client) {
        return;
    }
    struct k8s_list_watch_options options = {
        .page_size = 500, .max_retries = 1,
    };
    struct k8s_informer_handlers handlers = { .failed = crd_failed };
    w->informer = k8s_informer_create(client, resource, &options,
                                      &handlers, w);
    k8s_informer_start(w->informer);
}

/* Restarts the informer of 'w' when due; forgets its error once it
 * watches again. */
static void
crd_run(struct crd_watch *w, long long now)
{
    if (!w->informer) {
        return;
    }
    if (w->failed && now >= w->restart_at) {
        w->failed = false;
        LOG_INFO("listing %s again", w->resource->plural);
        k8s_informer_start(w->informer);
    }
    if (!w->failed && w->error
        && k8s_reflector_get_state(k8s_informer_reflector(w->informer))
           == K8S_REFLECTOR_WATCHING) {
        LOG_INFO("%s can be read again", w->resource->plural);
        free(w->error);
        w->error = NULL;
        k8s_backoff_reset(&w->backoff);
    }
}

/* Fills 'source' with what 'w' knows now. */
static void
crd_source(const struct crd_watch *w, long long now,
           struct status_model_source *source)
{
    memset(source, 0, sizeof *source);
    if (!w->informer) {
        source->error = "the controller has no Kubernetes client";
        return;
    }
    source->objects = k8s_informer_store(w->informer);
    source->synced = k8s_informer_has_synced(w->informer) && !w->error;
    source->error = w->error;
    if (w->failed && w->restart_at > now) {
        source->retry_in_ms = w->restart_at - now;
    }
}

/* The page's task: restarts the CRD informers that gave up. */
static void
page_run(void *page_)
{
    struct status_page *page = page_;
    long long now = time_msec();

    crd_run(&page->agents, now);
    crd_run(&page->controllers, now);
}

/* The page's wait step: the next restart. */
static void
page_wait(void *page_)
{
    struct status_page *page = page_;
    const struct crd_watch *watches[] = { &page->agents,
                                          &page->controllers };

    for (size_t i = 0; i < ARRAY_SIZE(watches); i++) {
        if (watches[i]->failed) {
            event_loop_timer_wait_until(page->loop, watches[i]->restart_at);
        } else if (watches[i]->error) {
            /* Look again soon whether it watches again. */
            event_loop_timer_wait(page->loop, 1000);
        }
    }
}

/* Returns the document /status.json serves now (status-page.h). */
json_t *
status_page_model(const struct status_page *page)
{
    long long now = time_msec();
    json_t *local = (page->controller_info
                     ? page->controller_info(page->controller_info_aux)
                     : NULL);
    struct status_model_input in = {
        .now = (long long) time(NULL),
        .local_controller = local,
        .store = page->store,
    };
    crd_source(&page->agents, now, &in.agent_infos);
    crd_source(&page->controllers, now, &in.controller_infos);
    json_t *model = status_model_build(&in);
    json_decref(local);
    return model;
}

/* Queues 'size' bytes of 'data' (malloc'd; MHD frees it) as the answer
 * with 'status' and 'content_type', and the headers that keep the page
 * inert: nothing but its inline style may load or run. */
static enum MHD_Result
respond(struct MHD_Connection *conn, unsigned int status,
        const char *content_type, char *data, size_t size)
{
    const struct http_header headers[] = {
        { MHD_HTTP_HEADER_CACHE_CONTROL, "no-store" },
        { "X-Content-Type-Options", "nosniff" },
        { "X-Frame-Options", "DENY" },
        { "Referrer-Policy", "no-referrer" },
        { "Content-Security-Policy",
          "default-src 'none'; style-src 'unsafe-inline'; "
          "frame-ancestors 'none'" },
        /* Last: for other statuses its NULL name ends the list. */
        { status == MHD_HTTP_METHOD_NOT_ALLOWED ? MHD_HTTP_HEADER_ALLOW
                                                : NULL, "GET, HEAD" },
        { NULL, NULL },
    };
    return http_daemon_respond(conn, status, content_type, data, size,
                               headers);
}

/* Queues a plain-text answer. */
static enum MHD_Result
respond_text(struct MHD_Connection *conn, unsigned int status,
             const char *text)
{
    char *copy = xstrdup(text);
    return respond(conn, status, "text/plain; charset=utf-8", copy,
                   strlen(copy));
}

/* MHD's access handler: answers one request at once. */
static enum MHD_Result
access_handler(void *page_, struct MHD_Connection *conn, const char *url,
               const char *method, const char *version,
               const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    static int headers_seen;
    struct status_page *page = page_;

    if (!*con_cls) {
        /* Headers in; the answer comes with the next call. */
        *con_cls = &headers_seen;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* No request here has a body: drop it. */
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (strcmp(method, MHD_HTTP_METHOD_GET)
        && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
        return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                            "the status page is read-only: GET or HEAD\n");
    }
    if (!strcmp(url, "/healthz")) {
        return respond_text(conn, MHD_HTTP_OK, "ok\n");
    } else if (!strcmp(url, "/status.json")) {
        json_t *model = status_page_model(page);
        char *text = json_dumps(model, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(model);
        if (!text) {
            return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                "cannot encode the status\n");
        }
        size_t len = strlen(text);
        text = xrealloc(text, len + 2);
        memcpy(text + len, "\n", 2);
        return respond(conn, MHD_HTTP_OK, "application/json", text,
                       len + 1);
    } else if (!strcmp(url, "/") || !strcmp(url, "/index.html")) {
        json_t *model = status_page_model(page);
        size_t len;
        char *html = status_view_html(model, page->refresh_seconds, &len);
        json_decref(model);
        return respond(conn, MHD_HTTP_OK, "text/html; charset=utf-8", html,
                       len);
    }
    return respond_text(conn, MHD_HTTP_NOT_FOUND,
                        "not found: the status page serves /, "
                        "/status.json and /healthz\n");
}

/* Starts the page per 'params' (status-page.h). */
struct status_page *
status_page_create(struct event_loop *loop,
                   const struct status_page_params *params, char **errorp)
{
    struct status_page *page = xcalloc(1, sizeof *page);
    page->loop = loop;
    page->store = params->store;
    page->controller_info = params->controller_info;
    page->controller_info_aux = params->controller_info_aux;
    page->refresh_seconds = (params->refresh_seconds > 0
                             ? params->refresh_seconds
                             : params->refresh_seconds < 0 ? 0
                             : STATUS_PAGE_DEFAULT_REFRESH_SECONDS);

    static const struct MHD_OptionItem options[] = {
        { MHD_OPTION_CONNECTION_TIMEOUT, STATUS_PAGE_CONNECTION_TIMEOUT,
          NULL },
        { MHD_OPTION_CONNECTION_LIMIT, 64, NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    struct http_daemon_params http = {
        .name = "status page", .address = params->address,
        .port = params->port, .options = options,
        .handler = access_handler, .handler_cls = page,
    };
    page->http = http_daemon_start(loop, &http, errorp);
    if (!page->http) {
        free(page);
        return NULL;
    }

    page->task = event_loop_add_task(loop, "status-page", page_run,
                                     page_wait, page);
    crd_start(&page->agents, page, &agent_infos_resource, params->client,
              &params->retry);
    crd_start(&page->controllers, page, &controller_infos_resource,
              params->client, &params->retry);
    return page;
}

/* Stops and frees 'page'; accepts NULL. */
void
status_page_destroy(struct status_page *page)
{
    if (!page) {
        return;
    }
    http_daemon_stop(page->http);
    const struct crd_watch *watches[] = { &page->agents,
                                          &page->controllers };
    for (size_t i = 0; i < ARRAY_SIZE(watches); i++) {
        k8s_informer_destroy(watches[i]->informer);
        free(watches[i]->error);
    }
    event_loop_remove_task(page->loop, page->task);
    free(page);
}

/* The TCP port 'page' listens on. */
int
status_page_port(const struct status_page *page)
{
    return http_daemon_port(page->http);
}
