/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for list and watch (k8s-reflector.c) against recorded answers
 * of a real kube-apiserver (tests/k8s/fixtures/) replayed by the test
 * HTTP/1.1 server: a list in three pages; an expired continue token; a
 * watch with ADDED, MODIFIED, DELETED and BOOKMARK events and
 * resourceVersion tracking, delivered whole, in chunks cut at every kind
 * of awkward place, and with the raw chunk framing recorded on the wire;
 * a 410 ERROR event and an HTTP 410; the stream's clean end; an apiserver
 * that is down (bounded backoff, giving up), one that cuts a watch, one
 * that answers errors; malformed and over-long events; selectors,
 * namespaces and API groups in the requests.
 */

#include <config.h>

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event-loop.h"
#include "http-test-server.h"
#include "k8s-test-util.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "k8s/k8s-reflector.h"
#include "k8s/k8s-resource.h"
#include "util.h"

TestSuite(k8s_reflector, .timeout = 60);

/* The continue tokens in list-pods-page1.json and -page2.json. */
#define TOKEN1 "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MjcwLCJzdGFydCI6IngvY1x1" \
    "MDAwMCJ9"
#define TOKEN2 "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MjcwLCJzdGFydCI6InkvY1x1" \
    "MDAwMCJ9"

/* Short retry delays, without jitter, so that timings are exact. */
#define FAST_BACKOFF { .initial_ms = 20, .max_ms = 100, .factor = 2, \
                       .jitter = -1 }

/* Which kind of request the server got. */
enum request_kind { LIST, WATCH };

/* Answers request 'req', the 'n'th of its kind (from 0). */
typedef void scenario_func(struct test_http_conn *,
                           const struct test_http_request *,
                           enum request_kind, int n);

/* The current test's answers, and counts per kind (server threads). */
static scenario_func *scenario;
static int kind_counts[2];

/* The server's handler: counts the request's kind and passes it on. */
static void
dispatch(struct test_http_conn *conn, const struct test_http_request *req,
         void *aux)
{
    (void) aux;
    char *watch = test_http_request_param(req, "watch");
    enum request_kind kind = watch ? WATCH : LIST;
    free(watch);
    int n = __atomic_fetch_add(&kind_counts[kind], 1, __ATOMIC_SEQ_CST);
    scenario(conn, req, kind, n);
}

/* The test's parts. */
static struct test_http_server *server;
static struct event_loop *loop;
static struct k8s_client *client;
static struct k8s_reflector *reflector;

/* What the reflector's handlers saw, one line per call. */
static char *calls;
static char *failed_error;

/* Appends a line to 'calls'. */
static void ANTREA_PRINTF_FORMAT(1, 2)
record(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *line = xvasprintf(format, args);
    va_end(args);

    char *joined = xasprintf("%s%s\n", calls ? calls : "", line);
    free(calls);
    free(line);
    calls = joined;
}

/* Handlers that record. */
static void
on_replace(json_t *items, const char *rv, void *aux)
{
    (void) aux;
    record("replace %s %zu", rv, json_array_size(items));
}

static void
on_event(enum k8s_event_type type, json_t *object, void *aux)
{
    char *key = k8s_object_key(object);
    (void) aux;
    record("%s %s %s", k8s_event_type_to_string(type), key,
           k8s_object_resource_version(object));
    free(key);
}

static void
on_bookmark(const char *rv, void *aux)
{
    (void) aux;
    record("BOOKMARK %s", rv);
}

static void
on_failed(const char *error, void *aux)
{
    (void) aux;
    record("failed");
    free(failed_error);
    failed_error = xstrdup(error);
}

static const struct k8s_reflector_handlers handlers = {
    .replace = on_replace,
    .event = on_event,
    .bookmark = on_bookmark,
    .failed = on_failed,
};

/* Starts a server answering with 'func', and a reflector of 'resource'
 * with 'options' against it (or against 'url' if not NULL). */
static void
start(scenario_func *func, const struct k8s_resource *resource,
      const struct k8s_list_watch_options *options, const char *url)
{
    scenario = func;
    kind_counts[LIST] = kind_counts[WATCH] = 0;
    server = test_http_server_start(dispatch, NULL);
    loop = event_loop_create();

    struct k8s_config config = { .source = "test" };
    char *server_url = test_http_server_url(server);
    config.server = CONST_CAST(char *, url ? url : server_url);
    client = k8s_client_create(&config, loop);
    free(server_url);

    reflector = k8s_reflector_create(client, resource, options, &handlers,
                                     NULL);
    k8s_reflector_start(reflector);
}

/* Stops everything start() started and forgets the calls. */
static void
stop(void)
{
    k8s_reflector_destroy(reflector);
    k8s_client_destroy(client);
    event_loop_destroy(loop);
    test_http_server_stop(server);
    reflector = NULL;
    client = NULL;
    loop = NULL;
    server = NULL;
    free(calls);
    calls = NULL;
    free(failed_error);
    failed_error = NULL;
}

/* The criterion fini of every test. */
static void
teardown(void)
{
    if (server) {
        stop();
    }
    log_capture_stop();
}

/* Returns the reflector's counters. */
static struct k8s_reflector_stats
stats(void)
{
    struct k8s_reflector_stats s;
    k8s_reflector_get_stats(reflector, &s);
    return s;
}

/* Loop conditions. */
static bool
has_n_watches(void *n_)
{
    return stats().watches >= (unsigned int) (uintptr_t) n_;
}

static bool
has_n_events(void *n_)
{
    struct k8s_reflector_stats s = stats();
    return s.events + s.bookmarks >= (unsigned int) (uintptr_t) n_;
}

static bool
has_failed(void *aux)
{
    (void) aux;
    return k8s_reflector_get_state(reflector) == K8S_REFLECTOR_FAILED;
}

/* Runs the loop until the reflector has sent 'n' watch requests and the
 * server has received them all (so that their queries can be read). */
static void
wait_watches(int n)
{
    cr_assert(run_loop_until(loop, has_n_watches, (void *) (uintptr_t) n,
                             GENEROUS_MSEC),
              "only %u watches; calls:\n%s", stats().watches, calls);
    size_t total = stats().list_requests + n;
    for (int i = 0; i < 200 && test_http_server_n_requests(server) < total;
         i++) {
        run_loop_for(loop, 10);
    }
    cr_assert_geq(test_http_server_n_requests(server), total);
}

/* Checks that request 'index' had path 'path' and query 'query'. */
static void
check_request(size_t index, const char *path, const char *query)
{
    const struct test_http_request *req = test_http_server_request(server,
                                                                   index);
    cr_assert_not_null(req, "no request %zu", index);
    cr_assert_str_eq(req->method, "GET");
    cr_assert_str_eq(req->path, path, "request %zu", index);
    cr_assert_str_eq(req->query, query, "request %zu", index);
}

/* Returns the calls the events of fixture 'name' (.jsonl) make, one line
 * each, as on_event() and on_bookmark() record them. */
static char *
expected_calls(const char *name)
{
    char *text = fixture_read(name, NULL);
    char *expected = xstrdup("");
    char *save = NULL;

    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        json_t *event = json_loads(line, 0, NULL);
        cr_assert_not_null(event);
        const char *type = json_string_value(json_object_get(event, "type"));
        json_t *object = json_object_get(event, "object");
        char *key = k8s_object_key(object);
        char *next = (!strcmp(type, "BOOKMARK")
                      ? xasprintf("%sBOOKMARK %s\n", expected,
                                  k8s_object_resource_version(object))
                      : xasprintf("%s%s %s %s\n", expected, type, key,
                                  k8s_object_resource_version(object)));
        free(expected);
        expected = next;
        free(key);
        json_decref(event);
    }
    free(text);
    return expected;
}

/* Lists pods in three pages, then replays watch-pods and holds it. */
static void
three_pages(struct test_http_conn *conn, const struct test_http_request *req,
            enum request_kind kind, int n)
{
    static const struct replay_options hold = { 0, REPLAY_HOLD };
    if (kind == WATCH) {
        if (n == 0) {
            replay_recorded(conn, "watch-pods", &hold);
        } else {
            replay_hold_empty_watch(conn);
        }
        return;
    }

    char *cont = test_http_request_param(req, "continue");
    replay_recorded(conn, (!cont ? "list-pods-page1"
                           : !strcmp(cont, TOKEN1) ? "list-pods-page2"
                           : !strcmp(cont, TOKEN2) ? "list-pods-page3"
                           : "nonexistent"), NULL);
    free(cont);
}

Test(k8s_reflector, list_in_three_pages_then_watch, .fini = teardown)
{
    struct k8s_list_watch_options options = {
        .page_size = 3, .watch_timeout_s = 40,
    };

    start(three_pages, &k8s_resource_pods, &options, NULL);
    cr_assert(run_loop_until(loop, has_n_events, (void *) 15,
                             GENEROUS_MSEC), "calls:\n%s", calls);

    check_request(0, "/api/v1/pods", "limit=3");
    check_request(1, "/api/v1/pods", "limit=3&continue=" TOKEN1);
    check_request(2, "/api/v1/pods", "limit=3&continue=" TOKEN2);
    check_request(3, "/api/v1/pods", "watch=1&resourceVersion=270&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");

    char *events = expected_calls("watch-pods.jsonl");
    char *expected = xasprintf("replace 270 8\n%s", events);
    cr_assert_str_eq(calls, expected);
    free(expected);
    free(events);

    /* The resourceVersion follows the events; the bookmark's is last. */
    cr_assert_str_eq(k8s_reflector_resource_version(reflector), "255");
    struct k8s_reflector_stats s = stats();
    cr_assert_eq(s.list_requests, 3);
    cr_assert_eq(s.lists, 1);
    cr_assert_eq(s.watches, 1);
    cr_assert_eq(s.events, 13);
    cr_assert_eq(s.bookmarks, 2);
    cr_assert_eq(s.failures, 0);
    cr_assert_eq(k8s_reflector_get_state(reflector),
                 K8S_REFLECTOR_WATCHING);
}

/* The chunk size replay_chunked() uses. */
static size_t chunk_size;

/* Lists pods in one page, then replays watch-pods in chunks of
 * 'chunk_size' bytes and holds it. */
static void
replay_chunked(struct test_http_conn *conn,
               const struct test_http_request *req, enum request_kind kind,
               int n)
{
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-pods", NULL);
    } else if (n == 0) {
        struct replay_options options = { chunk_size, REPLAY_HOLD };
        replay_recorded(conn, "watch-pods", &options);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, events_split_at_awkward_places, .fini = teardown)
{
    /* 1 byte per chunk puts a boundary everywhere: inside keys, between
     * an event and its newline, between the newline and the next event;
     * the others cut at places that differ from size to size; the last
     * puts several events in one chunk. */
    static const size_t sizes[] = { 1, 2, 3, 7, 64, 1000, 4096, 100000 };
    char *events = expected_calls("watch-pods.jsonl");
    char *expected = xasprintf("replace 270 8\n%s", events);

    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        chunk_size = sizes[i];
        start(replay_chunked, &k8s_resource_pods, NULL, NULL);
        cr_assert(run_loop_until(loop, has_n_events, (void *) 15,
                                 GENEROUS_MSEC),
                  "chunk size %zu: calls:\n%s", chunk_size, calls);
        cr_assert_str_eq(calls, expected, "chunk size %zu", chunk_size);
        cr_assert_eq(stats().failures, 0);
        cr_assert_str_eq(k8s_reflector_resource_version(reflector), "255");
        stop();
    }
    free(expected);
    free(events);
}

/* Lists namespaces, then sends the recorded HTTP/1.1 watch byte for byte
 * (head and chunk framing as kube-apiserver wrote them). */
static void
raw_framing(struct test_http_conn *conn, const struct test_http_request *req,
            enum request_kind kind, int n)
{
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-namespaces", NULL);
    } else if (n == 0) {
        size_t head_size, body_size;
        char *head = fixture_read("watch-http11-raw.headers", &head_size);
        char *body = fixture_read("watch-http11-raw.bin", &body_size);
        if (test_http_send(conn, head, head_size)) {
            /* In three pieces, cutting chunk-size lines in the middle. */
            size_t a = body_size / 3, b = 2 * body_size / 3;
            test_http_send(conn, body, a);
            usleep(5000);
            test_http_send(conn, body + a, b - a);
            usleep(5000);
            test_http_send(conn, body + b, body_size - b);
        }
        free(head);
        free(body);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, recorded_http11_chunk_framing, .fini = teardown)
{
    struct k8s_list_watch_options options = { .watch_timeout_s = 40 };

    start(raw_framing, &k8s_resource_namespaces, &options, NULL);
    wait_watches(2);
    cr_assert_str_eq(calls,
                     "replace 270 10\n"
                     "ADDED t 403\n"
                     "MODIFIED t 404\n"
                     "BOOKMARK 404\n"
                     "BOOKMARK 404\n");
    /* The recorded stream ends with its last chunk: watch again from the
     * last resourceVersion. */
    check_request(2, "/api/v1/namespaces", "watch=1&resourceVersion=404&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    cr_assert_eq(stats().failures, 0);
}

/* Pages 1 and 2 of pods; the first request for page 2 gets the recorded
 * 410 for an expired continue token. */
static void
expired_continue(struct test_http_conn *conn,
                 const struct test_http_request *req, enum request_kind kind,
                 int n)
{
    if (kind == WATCH) {
        replay_hold_empty_watch(conn);
        return;
    }
    (void) n;
    static int expired_once;
    char *cont = test_http_request_param(req, "continue");
    if (cont && !strcmp(cont, TOKEN1)
        && !__atomic_fetch_add(&expired_once, 1, __ATOMIC_SEQ_CST)) {
        replay_recorded(conn, "list-pods-expired-continue", NULL);
    } else {
        replay_recorded(conn, (!cont ? "list-pods-page1"
                               : !strcmp(cont, TOKEN1) ? "list-pods-page2"
                               : "list-pods-page3"), NULL);
    }
    free(cont);
}

Test(k8s_reflector, expired_continue_token_lists_again, .fini = teardown)
{
    struct k8s_list_watch_options options = {
        .page_size = 3, .watch_timeout_s = 40,
    };

    log_capture_start();
    start(expired_continue, &k8s_resource_pods, &options, NULL);
    wait_watches(1);

    check_request(0, "/api/v1/pods", "limit=3");
    check_request(1, "/api/v1/pods", "limit=3&continue=" TOKEN1);
    check_request(2, "/api/v1/pods", "limit=3");
    check_request(3, "/api/v1/pods", "limit=3&continue=" TOKEN1);
    check_request(4, "/api/v1/pods", "limit=3&continue=" TOKEN2);
    check_request(5, "/api/v1/pods", "watch=1&resourceVersion=270&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");

    /* The first attempt's page never reached the handler. */
    cr_assert_str_eq(calls, "replace 270 8\n");
    struct k8s_reflector_stats s = stats();
    cr_assert_eq(s.relists, 1);
    cr_assert_eq(s.lists, 1);

    char *log = log_capture_text();
    cr_assert(strstr(log, "pods: the list's continue token expired: HTTP "
                     "410 (Expired): The provided continue parameter is too "
                     "old"), "log:\n%s", log);
    free(log);
}

/* Lists pods; the first watch gets the recorded 410 ERROR event and is
 * held open; later watches are held open empty. */
static void
error_event(struct test_http_conn *conn, const struct test_http_request *req,
            enum request_kind kind, int n)
{
    static const struct replay_options hold = { 0, REPLAY_HOLD };
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-pods", NULL);
    } else if (n == 0) {
        replay_recorded(conn, "watch-pods-too-old", &hold);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, error_410_event_lists_again, .fini = teardown)
{
    struct k8s_list_watch_options options = { .watch_timeout_s = 40 };

    log_capture_start();
    start(error_event, &k8s_resource_pods, &options, NULL);
    wait_watches(2);

    check_request(0, "/api/v1/pods", "limit=500");
    check_request(1, "/api/v1/pods", "watch=1&resourceVersion=270&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    check_request(2, "/api/v1/pods", "limit=500");
    check_request(3, "/api/v1/pods", "watch=1&resourceVersion=270&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    cr_assert_str_eq(calls, "replace 270 8\nreplace 270 8\n");
    struct k8s_reflector_stats s = stats();
    cr_assert_eq(s.relists, 1);
    cr_assert_eq(s.lists, 2);

    char *log = log_capture_text();
    cr_assert(strstr(log, "pods: the watch from resourceVersion 270 "
                     "expired: HTTP 410 (Expired): too old resource "
                     "version: 5 (201); listing again"), "log:\n%s", log);
    free(log);
}

/* Lists namespaces; the first watch replays watch-namespaces and ends
 * cleanly (as at timeoutSeconds); the next is held open. */
static void
clean_end(struct test_http_conn *conn, const struct test_http_request *req,
          enum request_kind kind, int n)
{
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-namespaces", NULL);
    } else if (n == 0) {
        replay_recorded(conn, "watch-namespaces", NULL);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, clean_end_watches_again_from_last_version,
     .fini = teardown)
{
    struct k8s_list_watch_options options = { .watch_timeout_s = 40 };

    start(clean_end, &k8s_resource_namespaces, &options, NULL);
    wait_watches(2);

    check_request(1, "/api/v1/namespaces", "watch=1&resourceVersion=270&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    check_request(2, "/api/v1/namespaces", "watch=1&resourceVersion=264&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    char *events = expected_calls("watch-namespaces.jsonl");
    char *expected = xasprintf("replace 270 10\n%s", events);
    cr_assert_str_eq(calls, expected);
    free(expected);
    free(events);

    struct k8s_reflector_stats s = stats();
    cr_assert_eq(s.lists, 1, "no relist");
    cr_assert_eq(s.list_requests, 1);
    cr_assert_eq(s.failures, 0);
}

/* Never called: nothing listens. */
static void
unreachable(struct test_http_conn *conn, const struct test_http_request *req,
            enum request_kind kind, int n)
{
    (void) conn;
    (void) req;
    (void) kind;
    (void) n;
    abort();
}

/* Returns a port on 127.0.0.1 with nothing listening. */
static int
closed_port(void)
{
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    socklen_t len = sizeof sin;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    cr_assert_eq(bind(fd, (struct sockaddr *) &sin, sizeof sin), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *) &sin, &len), 0);
    close(fd);
    return ntohs(sin.sin_port);
}

Test(k8s_reflector, apiserver_down_backs_off_then_gives_up,
     .fini = teardown)
{
    struct k8s_list_watch_options options = {
        .backoff = FAST_BACKOFF, .max_retries = 4,
    };
    char *url = xasprintf("http://127.0.0.1:%d", closed_port());

    log_capture_start();
    long long start_time = time_msec();
    start(unreachable, &k8s_resource_nodes, &options, url);
    cr_assert(run_loop_until(loop, has_failed, NULL, GENEROUS_MSEC));
    long long elapsed = time_msec() - start_time;

    /* Five attempts, four waits of 20, 40, 80 and 100 (the bound) ms. */
    struct k8s_reflector_stats s = stats();
    cr_assert_eq(s.list_requests, 5);
    cr_assert_eq(s.failures, 5);
    cr_assert_eq(s.lists, 0);
    cr_assert_geq(elapsed, 240);
    cr_assert_lt(elapsed, 3000);
    cr_assert_str_eq(calls, "failed\n");
    cr_assert(strstr(failed_error, "list failed: GET http://127.0.0.1:"),
              "%s", failed_error);

    char *log = log_capture_text();
    cr_assert(strstr(log, "listing again in 20 ms"), "log:\n%s", log);
    cr_assert(strstr(log, "listing again in 40 ms"), "log:\n%s", log);
    cr_assert(strstr(log, "listing again in 80 ms"), "log:\n%s", log);
    cr_assert(strstr(log, "listing again in 100 ms"), "log:\n%s", log);
    cr_assert(strstr(log, "nodes: giving up after 5 failures in a row"),
              "log:\n%s", log);
    free(log);

    /* Nothing happens after giving up... */
    run_loop_for(loop, 300);
    cr_assert_eq(stats().list_requests, 5);
    /* ...until started again. */
    k8s_reflector_start(reflector);
    cr_assert_eq(k8s_reflector_get_state(reflector), K8S_REFLECTOR_LISTING);
    cr_assert(run_loop_until(loop, has_failed, NULL, GENEROUS_MSEC));
    cr_assert_eq(stats().list_requests, 10);
    free(url);
}

/* Lists namespaces; the first watch replays watch-namespaces and then
 * drops the connection mid-body. */
static void
cut_watch(struct test_http_conn *conn, const struct test_http_request *req,
          enum request_kind kind, int n)
{
    static const struct replay_options cut = { 0, REPLAY_CUT };
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-namespaces", NULL);
    } else if (n == 0) {
        replay_recorded(conn, "watch-namespaces", &cut);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, cut_watch_backs_off_and_resumes, .fini = teardown)
{
    struct k8s_list_watch_options options = {
        .watch_timeout_s = 40, .backoff = FAST_BACKOFF,
    };

    log_capture_start();
    start(cut_watch, &k8s_resource_namespaces, &options, NULL);
    wait_watches(2);
    check_request(2, "/api/v1/namespaces", "watch=1&resourceVersion=264&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    struct k8s_reflector_stats s = stats();
    cr_assert_eq(s.lists, 1, "no relist");
    cr_assert_eq(s.failures, 1);
    char *log = log_capture_text();
    cr_assert(strstr(log, "namespaces: watch failed: GET http://127.0.0.1:"),
              "log:\n%s", log);
    cr_assert(strstr(log, "watching again in 20 ms"), "log:\n%s", log);
    free(log);
}

/* Lists namespaces; the first watch sends one event, a malformed line and
 * another event; later watches are held open. */
static void
malformed(struct test_http_conn *conn, const struct test_http_request *req,
          enum request_kind kind, int n)
{
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-namespaces", NULL);
    } else if (n == 0) {
        static const char *const lines[] = {
            "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"m\","
            "\"resourceVersion\":\"300\"}}}\n",
            "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\n",
            "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"m\","
            "\"resourceVersion\":\"301\"}}}\n",
        };
        test_http_send_chunked_head(conn, 200, NULL);
        for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
            test_http_send_chunk(conn, lines[i], strlen(lines[i]));
        }
        test_http_wait_closed(conn, GENEROUS_MSEC);
        test_http_close_after(conn);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, malformed_event_restarts_the_watch, .fini = teardown)
{
    struct k8s_list_watch_options options = {
        .watch_timeout_s = 40, .backoff = FAST_BACKOFF,
    };

    log_capture_start();
    start(malformed, &k8s_resource_namespaces, &options, NULL);
    wait_watches(2);

    /* The event before the bad line counts, the one after does not; the
     * new watch starts from the last good one. */
    cr_assert_str_eq(calls, "replace 270 10\nADDED m 300\n");
    check_request(2, "/api/v1/namespaces", "watch=1&resourceVersion=300&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    char *log = log_capture_text();
    cr_assert(strstr(log, "namespaces: malformed watch event ("),
              "log:\n%s", log);
    cr_assert(strstr(log, "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":"
                     "{\"name\":"), "the bad line is not quoted:\n%s", log);
    free(log);
    cr_assert_eq(stats().failures, 1);
    cr_assert_eq(stats().lists, 1);
}

/* Lists namespaces; the first watch sends an event longer than the
 * test's bound. */
static void
long_event(struct test_http_conn *conn, const struct test_http_request *req,
           enum request_kind kind, int n)
{
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-namespaces", NULL);
    } else if (n == 0) {
        char *text = fixture_read("watch-namespaces.jsonl", NULL);
        test_http_send_chunked_head(conn, 200, NULL);
        test_http_send_chunk(conn, text, strlen(text));
        free(text);
        test_http_wait_closed(conn, GENEROUS_MSEC);
        test_http_close_after(conn);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, over_long_event_restarts_the_watch, .fini = teardown)
{
    /* The namespace events are 600 to 800 bytes; bookmarks are short. */
    struct k8s_list_watch_options options = {
        .watch_timeout_s = 40, .backoff = FAST_BACKOFF,
        .max_event_size = 400,
    };

    log_capture_start();
    start(long_event, &k8s_resource_namespaces, &options, NULL);
    wait_watches(2);
    cr_assert_str_eq(calls, "replace 270 10\n");
    check_request(2, "/api/v1/namespaces", "watch=1&resourceVersion=270&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    char *log = log_capture_text();
    cr_assert(strstr(log, "a line of the response is longer than 400 "
                     "bytes; watching again in 20 ms"), "log:\n%s", log);
    free(log);
}

/* Lists nodes; watch 0 gets an HTTP 500 with a Status, watch 1 an HTTP
 * 410 with the recorded too-old Status, and after the relist watch 2 is
 * held. */
static void
http_errors(struct test_http_conn *conn, const struct test_http_request *req,
            enum request_kind kind, int n)
{
    static const char internal[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
        "\"status\":\"Failure\",\"message\":\"etcd is sad\","
        "\"reason\":\"InternalError\",\"code\":500}";
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-nodes", NULL);
    } else if (n == 0) {
        test_http_send_response(conn, 500, "Content-Type: application/"
                                "json\r\n", internal, strlen(internal));
    } else if (n == 1) {
        size_t size;
        char *gone = fixture_read("list-pods-exact-too-old.json", &size);
        test_http_send_response(conn, 410, "Content-Type: application/"
                                "json\r\n", gone, size);
        free(gone);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, http_errors_on_watch, .fini = teardown)
{
    struct k8s_list_watch_options options = {
        .watch_timeout_s = 40, .backoff = FAST_BACKOFF,
    };

    log_capture_start();
    start(http_errors, &k8s_resource_nodes, &options, NULL);
    wait_watches(3);

    /* A 500 means watch again (after a backoff) from the same version; a
     * 410 means list again. */
    check_request(1, "/api/v1/nodes", "watch=1&resourceVersion=270&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    check_request(2, "/api/v1/nodes", "watch=1&resourceVersion=270&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    check_request(3, "/api/v1/nodes", "limit=500");
    check_request(4, "/api/v1/nodes", "watch=1&resourceVersion=270&"
                  "allowWatchBookmarks=true&timeoutSeconds=40");
    cr_assert_str_eq(calls, "replace 270 1\nreplace 270 1\n");
    struct k8s_reflector_stats s = stats();
    cr_assert_eq(s.relists, 1);
    cr_assert_eq(s.lists, 2);
    cr_assert_eq(s.failures, 2);

    char *log = log_capture_text();
    cr_assert(strstr(log, "nodes: watch failed: HTTP 500 (InternalError): "
                     "etcd is sad; watching again in 20 ms"), "log:\n%s",
              log);
    /* The second failure in a row waits. */
    cr_assert(strstr(log, "nodes: the watch from resourceVersion 270 "
                     "expired: HTTP 410 (Expired): The resourceVersion for "
                     "the provided list is too old.; listing again in 40 "
                     "ms"), "log:\n%s", log);
    free(log);
}

/* Lists network policies in namespace y with selectors, then replays
 * watch-networkpolicies and holds. */
static void
policies(struct test_http_conn *conn, const struct test_http_request *req,
         enum request_kind kind, int n)
{
    static const struct replay_options hold = { 0, REPLAY_HOLD };
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-networkpolicies", NULL);
    } else if (n == 0) {
        replay_recorded(conn, "watch-networkpolicies", &hold);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, namespace_selectors_and_api_group, .fini = teardown)
{
    struct k8s_list_watch_options options = {
        .namespace = "y", .label_selector = "team in (a,b)",
        .field_selector = "metadata.name!=deny-all", .page_size = 100,
        .watch_timeout_s = 60,
    };

    start(policies, &k8s_resource_networkpolicies, &options, NULL);
    cr_assert(run_loop_until(loop, has_n_events, (void *) 4,
                             GENEROUS_MSEC), "calls:\n%s", calls);
    check_request(0, "/apis/networking.k8s.io/v1/namespaces/y/"
                  "networkpolicies", "labelSelector=team%20in%20%28a%2Cb%29"
                  "&fieldSelector=metadata.name%21%3Ddeny-all&limit=100");
    check_request(1, "/apis/networking.k8s.io/v1/namespaces/y/"
                  "networkpolicies", "labelSelector=team%20in%20%28a%2Cb%29"
                  "&fieldSelector=metadata.name%21%3Ddeny-all&watch=1&"
                  "resourceVersion=270&allowWatchBookmarks=true&"
                  "timeoutSeconds=60");
    const struct test_http_request *req = test_http_server_request(server,
                                                                   0);
    char *selector = test_http_request_param(req, "labelSelector");
    cr_assert_str_eq(selector, "team in (a,b)");
    free(selector);

    char *events = expected_calls("watch-networkpolicies.jsonl");
    char *expected = xasprintf("replace 270 1\n%s", events);
    cr_assert_str_eq(calls, expected);
    free(expected);
    free(events);
    cr_assert_str_eq(k8s_reflector_name(reflector), "networkpolicies in y "
                     "(labelSelector team in (a,b), fieldSelector "
                     "metadata.name!=deny-all)");
}

/* Lists nodes, replays watch-nodes and holds: the agent's own Node. */
static void
own_node(struct test_http_conn *conn, const struct test_http_request *req,
         enum request_kind kind, int n)
{
    static const struct replay_options hold = { 0, REPLAY_HOLD };
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-nodes", NULL);
    } else if (n == 0) {
        replay_recorded(conn, "watch-nodes", &hold);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, agent_watches_its_own_node, .fini = teardown)
{
    struct k8s_list_watch_options options = {
        .field_selector = "metadata.name=node-1", .watch_timeout_s = 30,
    };

    start(own_node, &k8s_resource_nodes, &options, NULL);
    cr_assert(run_loop_until(loop, has_n_events, (void *) 4,
                             GENEROUS_MSEC), "calls:\n%s", calls);
    check_request(0, "/api/v1/nodes", "fieldSelector=metadata.name%3Dnode-1"
                  "&limit=500");
    check_request(1, "/api/v1/nodes", "fieldSelector=metadata.name%3Dnode-1"
                  "&watch=1&resourceVersion=270&allowWatchBookmarks=true&"
                  "timeoutSeconds=30");
    cr_assert_str_eq(calls, "replace 270 1\n"
                     "MODIFIED node-1 265\n"
                     "MODIFIED node-1 266\n"
                     "BOOKMARK 266\n"
                     "BOOKMARK 266\n");
}

/* Lists namespaces; every watch ends at once with no event. */
static void
empty_watches(struct test_http_conn *conn,
              const struct test_http_request *req, enum request_kind kind,
              int n)
{
    (void) req;
    if (kind == LIST) {
        replay_recorded(conn, "list-namespaces", NULL);
    } else if (n < 3) {
        test_http_send_chunked_head(conn, 200, NULL);
        test_http_end_chunks(conn);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, watches_that_end_at_once_back_off, .fini = teardown)
{
    struct k8s_list_watch_options options = {
        .watch_timeout_s = 40, .backoff = FAST_BACKOFF,
    };

    log_capture_start();
    long long start_time = time_msec();
    start(empty_watches, &k8s_resource_namespaces, &options, NULL);
    wait_watches(4);
    /* Waits of 20, 40 and 80 ms between them. */
    cr_assert_geq(time_msec() - start_time, 140);
    cr_assert_eq(stats().failures, 3);
    char *log = log_capture_text();
    cr_assert(strstr(log, "the watch ended at once, with no event; watching "
                     "again in 80 ms"), "log:\n%s", log);
    free(log);
}

/* The default watch timeout is random in 300..599 seconds. */
static void
hold_everything(struct test_http_conn *conn,
                const struct test_http_request *req, enum request_kind kind,
                int n)
{
    (void) req;
    (void) n;
    if (kind == LIST) {
        replay_recorded(conn, "list-namespaces", NULL);
    } else {
        replay_hold_empty_watch(conn);
    }
}

Test(k8s_reflector, default_watch_timeout_is_randomised, .fini = teardown)
{
    start(hold_everything, &k8s_resource_namespaces, NULL, NULL);
    wait_watches(1);
    const struct test_http_request *req = test_http_server_request(server,
                                                                   1);
    char *timeout = test_http_request_param(req, "timeoutSeconds");
    cr_assert_not_null(timeout);
    int seconds = atoi(timeout);
    cr_assert(seconds >= 300 && seconds < 600, "timeoutSeconds=%s",
              timeout);
    free(timeout);
}
