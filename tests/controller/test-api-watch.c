/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The API server (core/controller/api-server.h) and the agent's watch
 * client (core/agent/controlplane-watch.h) against each other in one
 * process and one event loop, over real HTTPS on loopback with a
 * generated certificate, with a small in-test store (fake-cp-store.h) and
 * no authorisation: lists, gets, errors as Kubernetes Status objects,
 * the watch's initial set as one replace, later events filtered by Node,
 * and resync after a malformed frame and after the store ends a watch.
 * The authorisation paths are tested against a real kube-apiserver by
 * test-controller-api.py.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api-server.h"
#include "api-tls.h"
#include "controlplane-watch.h"
#include "event-loop.h"
#include "fake-cp-store.h"
#include "k8s-test-util.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "util.h"

/* Everything one test uses. */
struct fixture {
    struct event_loop *loop;
    struct cp_store *store;
    struct api_server *server;
    char *dir;                  /* temporary directory */
    char *ca_file;              /* the server's certificate */
    struct k8s_config config;   /* how clients reach the server */
    struct k8s_client *client;  /* for plain requests */
    char *cert;                 /* the server's certificate (PEM) */
    char *key;                  /* its key */
};

/* What the watch client reported. */
struct watch_log {
    unsigned int n_replace;     /* replace calls */
    char replaced[4096];        /* names in the last replace, "a,b," */
    char events[1024];          /* "ADDED:p3 DELETED:p3 " ... */
    unsigned int n_disconnects; /* disconnected calls */
    char last_why[512];         /* the last disconnected message */
};

static struct fixture fx;

/* Starts the loop, the store and the server (HTTPS on loopback). */
static void
setup(void)
{
    const char *names[] = { "localhost", "127.0.0.1" };
    char *cert, *key, *error;

    /* As the daemons do: a peer that went away is an error, not a
     * signal. */
    signal(SIGPIPE, SIG_IGN);
    fx.loop = event_loop_create();
    fx.store = fake_store_create();
    cr_assert_eq(api_tls_generate(names, 2, &cert, &key, &error), 0);
    fx.dir = make_temp_dir();
    fx.ca_file = xasprintf("%s/ca.crt", fx.dir);
    cr_assert_eq(api_tls_write_pem(fx.ca_file, cert, &error), 0);

    char *prio = api_tls_priorities("", "", &error);
    struct api_server_params params = {
        .address = "127.0.0.1", .port = 0, .cert_pem = cert,
        .key_pem = key, .priorities = prio, .watch_max_bytes = 4096,
        .keepalive_ms = 200,
    };
    fx.server = api_server_create(fx.loop, fx.store, NULL, &params, &error);
    cr_assert_not_null(fx.server, "%s", error);
    free(prio);
    fx.cert = cert;
    fx.key = key;

    memset(&fx.config, 0, sizeof fx.config);
    api_server_set_ready(fx.server, true);
    fx.config.server = xasprintf("https://127.0.0.1:%d",
                                 api_server_port(fx.server));
    fx.config.ca_file = fx.ca_file;
    fx.config.source = "test";
    fx.client = k8s_client_create(&fx.config, fx.loop);
}

/* Stops what setup() started. */
static void
teardown(void)
{
    k8s_client_destroy(fx.client);
    api_server_destroy(fx.server);
    fake_store_destroy(fx.store);
    event_loop_destroy(fx.loop);
    unlink(fx.ca_file);
    free(fx.ca_file);
    free(fx.config.server);
    remove_temp_dir(fx.dir);
    free(fx.cert);
    free(fx.key);
}

/* One finished plain request. */
struct answer {
    bool done;                  /* on_done came */
    long status;                /* HTTP status */
    json_t *body;               /* JSON body, or NULL */
    uint8_t *raw;               /* raw body */
    size_t raw_size;            /* bytes in 'raw' */
};

/* Records the answer to a plain request in 'a_'. */
static void
answer_done(struct k8s_request *req, const struct k8s_response *resp,
            void *a_)
{
    struct answer *a = a_;
    a->done = true;
    a->status = resp->status;
    a->body = resp->body ? json_incref(resp->body) : NULL;
    a->raw = xmalloc(resp->raw_size + 1);
    memcpy(a->raw, resp->raw, resp->raw_size);
    a->raw[resp->raw_size] = '\0';
    a->raw_size = resp->raw_size;
    cr_assert_null(resp->error, "%s", resp->error);
}

/* Whether the answer 'a_' came. */
static bool
answer_is_done(void *a_)
{
    return ((struct answer *) a_)->done;
}

/* GETs 'path' from the server and waits for the answer. */
static struct answer
get(const char *path)
{
    struct answer a = { 0 };
    struct k8s_request_args args = {
        .method = "GET", .path = path, .on_done = answer_done, .aux = &a,
    };
    cr_assert_not_null(k8s_client_request(fx.client, &args));
    cr_assert(run_loop_until(fx.loop, answer_is_done, &a, 20000),
              "no answer to GET %s", path);
    return a;
}

/* Frees what 'a' holds. */
static void
answer_free(struct answer *a)
{
    json_decref(a->body);
    free(a->raw);
}

/* Checks that 'a' is a Kubernetes Status with 'code' whose message holds
 * 'text'. */
static void
check_status(const struct answer *a, long code, const char *text)
{
    cr_assert_eq(a->status, code, "status %ld", a->status);
    cr_assert_not_null(a->body, "not JSON: %.*s", (int) a->raw_size,
                       a->raw);
    cr_assert_str_eq(json_string_value(json_object_get(a->body, "kind")),
                     "Status");
    cr_assert_eq(json_integer_value(json_object_get(a->body, "code")), code);
    const char *message = json_string_value(json_object_get(a->body,
                                                            "message"));
    cr_assert(message && strstr(message, text), "message \"%s\" lacks "
              "\"%s\"", message ? message : "(none)", text);
}

TestSuite(api, .init = setup, .fini = teardown, .timeout = 120);

Test(api, healthz_list_get_and_errors)
{
    fake_store_add_policy(fx.store, "p1", "node-a");
    fake_store_add_policy(fx.store, "p2", "node-b");

    /* Not ready: healthy, but nothing is served. */
    api_server_set_ready(fx.server, false);
    struct answer a = get("/healthz");
    cr_assert_eq(a.status, 200);
    cr_assert_str_eq((char *) a.raw, "ok");
    answer_free(&a);

    a = get("/readyz");
    cr_assert_eq(a.status, 503);
    answer_free(&a);
    a = get(API_SERVER_PREFIX "networkpolicies?watch=1");
    check_status(&a, 503, "not synced");
    answer_free(&a);
    a = get(API_SERVER_PREFIX "networkpolicies");
    check_status(&a, 503, "not synced");
    answer_free(&a);
    api_server_set_ready(fx.server, true);
    a = get("/readyz");
    cr_assert_eq(a.status, 200);
    answer_free(&a);

    /* A list, all and for one Node. */
    a = get(API_SERVER_PREFIX "networkpolicies");
    cr_assert_eq(a.status, 200);
    AntreaCp__NetworkPolicyList *list
        = antrea_cp__network_policy_list__unpack(NULL, a.raw_size, a.raw);
    cr_assert_not_null(list);
    cr_assert_eq(list->n_items, 2);
    antrea_cp__network_policy_list__free_unpacked(list, NULL);
    answer_free(&a);

    a = get(API_SERVER_PREFIX "networkpolicies?fieldSelector="
            "nodeName%3Dnode-b");
    cr_assert_eq(a.status, 200);
    list = antrea_cp__network_policy_list__unpack(NULL, a.raw_size, a.raw);
    cr_assert_not_null(list);
    cr_assert_eq(list->n_items, 1);
    cr_assert_str_eq(list->items[0]->metadata->name, "p2");
    antrea_cp__network_policy_list__free_unpacked(list, NULL);
    answer_free(&a);

    /* A get, found and not. */
    a = get(API_SERVER_PREFIX "networkpolicies/p1");
    cr_assert_eq(a.status, 200);
    AntreaCp__NetworkPolicy *np
        = antrea_cp__network_policy__unpack(NULL, a.raw_size, a.raw);
    cr_assert_not_null(np);
    cr_assert_str_eq(np->metadata->name, "p1");
    antrea_cp__network_policy__free_unpacked(np, NULL);
    answer_free(&a);

    a = get(API_SERVER_PREFIX "networkpolicies/p1?fieldSelector="
            "nodeName%3Dnode-b");
    check_status(&a, 404, "networkpolicies \"p1\" not found for Node "
                 "node-b");
    answer_free(&a);

    a = get(API_SERVER_PREFIX "pods");
    check_status(&a, 404, "unknown resource \"pods\"");
    answer_free(&a);

    a = get("/api/v1/namespaces");
    check_status(&a, 404, "could not find the requested resource");
    answer_free(&a);

    a = get(API_SERVER_PREFIX "addressgroups?fieldSelector=spec.nodeName%3Dx");
    check_status(&a, 400, "only nodeName=NAME is supported");
    answer_free(&a);

    a = get(API_SERVER_PREFIX "addressgroups?fieldSelector=nodeName%3D");
    check_status(&a, 400, "empty");
    answer_free(&a);

    a = get(API_SERVER_PREFIX "addressgroups?watch=maybe");
    check_status(&a, 400, "watch \"maybe\"");
    answer_free(&a);

    a = get(API_SERVER_PREFIX "networkpolicies/p1?watch=1");
    check_status(&a, 400, "watch of one object");
    answer_free(&a);

    a = get(API_SERVER_PREFIX "networkpolicies/a/b");
    check_status(&a, 404, "could not find");
    answer_free(&a);

    struct answer post = { 0 };
    json_t *body = json_object();
    struct k8s_request_args args = {
        .method = "POST", .path = API_SERVER_PREFIX "networkpolicies",
        .body = body, .on_done = answer_done, .aux = &post,
    };
    cr_assert_not_null(k8s_client_request(fx.client, &args));
    json_decref(body);
    cr_assert(run_loop_until(fx.loop, answer_is_done, &post, 20000));
    check_status(&post, 405, "method POST is not allowed");
    answer_free(&post);
}

/* Records a replace in the watch log 'log_'. */
static void
log_replace(AntreaCp__WatchEvent *const *events, size_t n, void *log_)
{
    struct watch_log *log = log_;
    log->n_replace++;
    log->replaced[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(events[i]->type, ANTREA_CP__EVENT_TYPE__ADDED);
        strcat(log->replaced, controlplane_event_object_name(events[i]));
        strcat(log->replaced, ",");
    }
}

/* Records an event in the watch log 'log_'. */
static void
log_event(const AntreaCp__WatchEvent *event, void *log_)
{
    struct watch_log *log = log_;
    const char *type = (event->type == ANTREA_CP__EVENT_TYPE__ADDED ? "ADDED"
                        : event->type == ANTREA_CP__EVENT_TYPE__MODIFIED
                        ? "MODIFIED"
                        : event->type == ANTREA_CP__EVENT_TYPE__DELETED
                        ? "DELETED" : "OTHER");
    size_t len = strlen(log->events);
    snprintf(log->events + len, sizeof log->events - len, "%s:%s ", type,
             controlplane_event_object_name(event));
}

/* Records a disconnection in the watch log 'log_'. */
static void
log_disconnected(const char *why, long long retry_ms, void *log_)
{
    struct watch_log *log = log_;
    log->n_disconnects++;
    snprintf(log->last_why, sizeof log->last_why, "%s", why);
}

/* Conditions for run_loop_until. */
struct wait_replace {
    struct watch_log *log;      /* what to look at */
    unsigned int n;             /* replace calls to wait for */
};

/* Whether enough replaces came. */
static bool
replace_count_reached(void *w_)
{
    struct wait_replace *w = w_;
    return w->log->n_replace >= w->n;
}

struct wait_event {
    struct watch_log *log;
    const char *text;           /* to find in the event log */
};

/* Whether the event text was logged. */
static bool
event_logged(void *w_)
{
    struct wait_event *w = w_;
    return strstr(w->log->events, w->text) != NULL;
}

/* Whether the watch client of 'log_' lost its connection. */
static bool
disconnected_once(void *log_)
{
    return ((struct watch_log *) log_)->n_disconnects >= 1;
}

/* Whether the server serves no watch. */
static bool
no_watches(void *aux)
{
    return api_server_n_watches(fx.server) == 0;
}

Test(api, watch_replace_events_and_resync)
{
    struct watch_log log = { 0 };
    fake_store_add_policy(fx.store, "p1", "node-a");
    fake_store_add_policy(fx.store, "p2", "node-b");

    struct controlplane_watch_params params = {
        .config = &fx.config,
        .resource = CONTROLPLANE_NETWORK_POLICIES,
        .node_name = "node-a",
        .backoff = { .initial_ms = 20, .max_ms = 100, .jitter = -1 },
    };
    struct controlplane_watch_handlers handlers = {
        .replace = log_replace, .event = log_event,
        .disconnected = log_disconnected,
    };
    struct controlplane_watch *w = controlplane_watch_create(
        fx.loop, &params, &handlers, &log);
    controlplane_watch_start(w);

    struct wait_replace wr = { &log, 1 };
    cr_assert(run_loop_until(fx.loop, replace_count_reached, &wr, 20000));
    cr_assert_str_eq(log.replaced, "p1,");
    cr_assert(controlplane_watch_is_synced(w));
    cr_assert_eq(api_server_n_watches(fx.server), 1);

    /* Events for node-a only, in order. */
    fake_store_add_policy(fx.store, "p3", "node-a");
    fake_store_add_policy(fx.store, "p4", "node-b");
    fake_store_delete_policy(fx.store, "p3");
    fake_store_add_policy(fx.store, "p5", "node-a");
    struct wait_event we = { &log, "ADDED:p5" };
    cr_assert(run_loop_until(fx.loop, event_logged, &we, 20000),
              "events: %s", log.events);
    cr_assert_str_eq(log.events, "ADDED:p3 DELETED:p3 ADDED:p5 ");

    /* A malformed frame: the client drops the connection, says why, and
     * resyncs with the whole set. */
    static const uint8_t bad[] = { 0, 0, 0, 3, 0xff, 0xff, 0xff };
    fake_store_send_raw(fx.store, bad, sizeof bad);
    wr.n = 2;
    cr_assert(run_loop_until(fx.loop, replace_count_reached, &wr, 20000));
    cr_assert_eq(log.n_disconnects, 1);
    cr_assert(strstr(log.last_why, "malformed frame"), "%s", log.last_why);
    cr_assert_str_eq(log.replaced, "p1,p5,");

    /* A frame announcing more than the client's limit. */
    static const uint8_t huge[] = { 0x7f, 0xff, 0xff, 0xff };
    fake_store_send_raw(fx.store, huge, sizeof huge);
    wr.n = 3;
    cr_assert(run_loop_until(fx.loop, replace_count_reached, &wr, 20000));
    cr_assert(strstr(log.last_why, "more than the limit"), "%s",
              log.last_why);

    /* The store ends the watch (a slow watcher): an ERROR frame, then a
     * resync. */
    fake_store_end_watches(fx.store);
    wr.n = 4;
    cr_assert(run_loop_until(fx.loop, replace_count_reached, &wr, 20000));
    cr_assert(strstr(log.last_why, "the controller ended the watch"), "%s",
              log.last_why);
    cr_assert_str_eq(log.replaced, "p1,p5,");

    /* The server ends a watch whose buffer overflows (4096 bytes here):
     * many events at once while the loop does not run. */
    for (int i = 0; i < 200; i++) {
        char name[32];
        snprintf(name, sizeof name, "bulk-%03d", i);
        fake_store_add_policy(fx.store, name, "node-a");
    }
    wr.n = 5;
    cr_assert(run_loop_until(fx.loop, replace_count_reached, &wr, 20000));
    cr_assert(strstr(log.replaced, "bulk-199,"));
    controlplane_watch_destroy(w);

    /* The server notices the clients that went away (those whose
     * streams were cut, and this one) when it writes to them: events or
     * keepalives (every 200 ms here). */
    fake_store_add_policy(fx.store, "p6", "node-a");
    cr_assert(run_loop_until(fx.loop, no_watches, NULL, 20000),
              "%zu watches left", api_server_n_watches(fx.server));
}

Test(api, watch_survives_server_restart)
{
    struct watch_log log = { 0 };
    fake_store_add_policy(fx.store, "p1", "node-a");

    struct controlplane_watch_params params = {
        .config = &fx.config,
        .resource = CONTROLPLANE_NETWORK_POLICIES,
        .node_name = "node-a",
        .backoff = { .initial_ms = 20, .max_ms = 100, .jitter = -1 },
    };
    struct controlplane_watch_handlers handlers = {
        .replace = log_replace, .event = log_event,
        .disconnected = log_disconnected,
    };
    struct controlplane_watch *w = controlplane_watch_create(
        fx.loop, &params, &handlers, &log);
    controlplane_watch_start(w);
    struct wait_replace wr = { &log, 1 };
    cr_assert(run_loop_until(fx.loop, replace_count_reached, &wr, 20000));

    /* Restart the server on the same port with a changed store. */
    int port = api_server_port(fx.server);
    api_server_destroy(fx.server);
    fake_store_add_policy(fx.store, "p2", "node-a");
    cr_assert(run_loop_until(fx.loop, disconnected_once, &log, 20000));

    char *error;
    struct api_server_params sp = {
        .address = "127.0.0.1", .port = port, .cert_pem = fx.cert,
        .key_pem = fx.key,
    };
    fx.server = api_server_create(fx.loop, fx.store, NULL, &sp, &error);
    cr_assert_not_null(fx.server, "%s", error);
    api_server_set_ready(fx.server, true);
    wr.n = 2;
    cr_assert(run_loop_until(fx.loop, replace_count_reached, &wr, 20000));
    cr_assert_str_eq(log.replaced, "p1,p2,");
    controlplane_watch_destroy(w);
}
