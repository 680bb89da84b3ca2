/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for informers (k8s-informer.c) against recorded answers of a
 * real kube-apiserver replayed by the test HTTP/1.1 server: the cache's
 * contents after the list and after each kind of event, the exact order
 * of handler calls (adds in list order, 'synced' once after them, updates
 * only when the resourceVersion changed, deletes), the reconciliation a
 * relist does (updates and deletes for what changed while not watching),
 * lookups, and managedFields trimming.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "event-loop.h"
#include "http-test-server.h"
#include "k8s-test-util.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "k8s/k8s-informer.h"
#include "k8s/k8s-resource.h"
#include "util.h"

TestSuite(k8s_informer, .timeout = 60);

/* The test's parts. */
static struct test_http_server *server;
static struct event_loop *loop;
static struct k8s_client *client;
static struct k8s_informer *informer;
static int n_watches;           /* watch requests the server got */
static int n_lists;             /* list requests the server got */
static char *second_list;       /* the body of lists after the first, or
                                   NULL to replay list-pods again */

/* Handler calls, one line each. */
static char *calls;

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

static void
on_add(json_t *object, void *aux)
{
    char *key = k8s_object_key(object);
    (void) aux;
    /* The cache already holds the object. */
    cr_assert_eq(k8s_informer_get_by_key(informer, key), object);
    record("add %s %s", key, k8s_object_resource_version(object));
    free(key);
}

static void
on_update(json_t *old, json_t *new, void *aux)
{
    char *key = k8s_object_key(new);
    (void) aux;
    cr_assert_eq(k8s_informer_get_by_key(informer, key), new);
    record("update %s %s->%s", key, k8s_object_resource_version(old),
           k8s_object_resource_version(new));
    free(key);
}

static void
on_delete(json_t *object, void *aux)
{
    char *key = k8s_object_key(object);
    (void) aux;
    cr_assert_null(k8s_informer_get_by_key(informer, key));
    record("delete %s %s", key, k8s_object_resource_version(object));
    free(key);
}

static void
on_synced(void *aux)
{
    (void) aux;
    cr_assert(k8s_informer_has_synced(informer));
    record("synced %zu", k8s_informer_count(informer));
}

static const struct k8s_informer_handlers handlers = {
    .add = on_add,
    .update = on_update,
    .delete = on_delete,
    .synced = on_synced,
};

/* Lists pods (list-pods, or 'second_list' after the first); watch 0
 * replays watch-pods and holds it (or, if the test set 'second_list',
 * ends it, and watch 1 gets the recorded 410 ERROR event); later watches
 * are held empty. */
static void
handler(struct test_http_conn *conn, const struct test_http_request *req,
        void *aux)
{
    static const struct replay_options hold = { 0, REPLAY_HOLD };
    char *watch = test_http_request_param(req, "watch");

    (void) aux;
    if (!watch) {
        int n = __atomic_fetch_add(&n_lists, 1, __ATOMIC_SEQ_CST);
        if (n && second_list) {
            test_http_send_response(conn, 200, NULL, second_list,
                                    strlen(second_list));
        } else {
            replay_recorded(conn, "list-pods", NULL);
        }
    } else {
        int n = __atomic_fetch_add(&n_watches, 1, __ATOMIC_SEQ_CST);
        if (n == 0) {
            /* With a second list, end this watch so that the next one
             * gets the 410. */
            replay_recorded(conn, "watch-pods", second_list ? NULL : &hold);
        } else if (n == 1 && second_list) {
            replay_recorded(conn, "watch-pods-too-old", &hold);
        } else {
            replay_hold_empty_watch(conn);
        }
    }
    free(watch);
}

/* Starts the server and an informer of pods with 'options'. */
static void
start(const struct k8s_list_watch_options *options)
{
    n_watches = n_lists = 0;
    server = test_http_server_start(handler, NULL);
    loop = event_loop_create();
    char *url = test_http_server_url(server);
    struct k8s_config config = { .server = url, .source = "test" };
    client = k8s_client_create(&config, loop);
    free(url);
    informer = k8s_informer_create(client, &k8s_resource_pods, options,
                                   &handlers, NULL);
}

/* Stops everything. */
static void
teardown(void)
{
    k8s_informer_destroy(informer);
    k8s_client_destroy(client);
    event_loop_destroy(loop);
    test_http_server_stop(server);
    informer = NULL;
    client = NULL;
    loop = NULL;
    server = NULL;
    free(calls);
    calls = NULL;
    free(second_list);
    second_list = NULL;
}

/* Loop conditions on the reflector's counters. */
static bool
has_n_events(void *n_)
{
    struct k8s_reflector_stats s;
    k8s_reflector_get_stats(k8s_informer_reflector(informer), &s);
    return s.events + s.bookmarks >= (unsigned int) (uintptr_t) n_;
}

static bool
has_n_lists(void *n_)
{
    struct k8s_reflector_stats s;
    k8s_reflector_get_stats(k8s_informer_reflector(informer), &s);
    return s.lists >= (unsigned int) (uintptr_t) n_;
}

/* The calls the list makes: an add per pod, in list order, then synced. */
#define LIST_CALLS \
    "add x/a 252\n" \
    "add x/b 253\n" \
    "add x/c 243\n" \
    "add y/a 268\n" \
    "add y/b 245\n" \
    "add y/c 246\n" \
    "add z/a 247\n" \
    "add z/b 248\n" \
    "synced 8\n"

Test(k8s_informer, cache_and_handler_order, .fini = teardown)
{
    start(NULL);
    cr_assert_not(k8s_informer_has_synced(informer));
    cr_assert_eq(k8s_informer_count(informer), 0);
    cr_assert_null(k8s_informer_resource_version(informer));
    k8s_informer_start(informer);

    cr_assert(run_loop_until(loop, has_n_events, (void *) 15,
                             GENEROUS_MSEC), "calls:\n%s", calls);

    /* The recorded watch began at resourceVersion 240, before the list's
     * snapshot (270): its ADDED events for pods the list already had
     * update them, except where the version is the same (no call); z/c
     * is new. */
    cr_assert_str_eq(calls,
                     LIST_CALLS
                     "update x/a 252->241\n"
                     "update x/b 253->242\n"
                     "update y/a 268->244\n"
                     "add z/c 249\n"
                     "update x/a 241->252\n"
                     "update x/b 242->253\n"
                     "update z/c 249->254\n"
                     "delete z/c 255\n");
    cr_assert(k8s_informer_has_synced(informer));
    cr_assert_str_eq(k8s_informer_resource_version(informer), "255");

    /* What the cache holds now. */
    cr_assert_eq(k8s_informer_count(informer), 8);
    static const char *const expected[][2] = {
        { "x/a", "252" }, { "x/b", "253" }, { "x/c", "243" },
        { "y/a", "244" }, { "y/b", "245" }, { "y/c", "246" },
        { "z/a", "247" }, { "z/b", "248" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(expected); i++) {
        json_t *pod = k8s_informer_get_by_key(informer, expected[i][0]);
        cr_assert_not_null(pod, "%s is not cached", expected[i][0]);
        cr_assert_str_eq(k8s_object_resource_version(pod), expected[i][1],
                         "%s", expected[i][0]);
    }
    cr_assert_null(k8s_informer_get(informer, "z", "c"));
    json_t *xb = k8s_informer_get(informer, "x", "b");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
        json_object_get(xb, "metadata"), "labels"), "pod2")), "updated");

    /* The store iterates over the same objects. */
    const char *key;
    json_t *value;
    size_t n = 0;
    json_object_foreach (CONST_CAST(json_t *, k8s_informer_store(informer)),
                         key, value) {
        cr_assert_eq(k8s_informer_get_by_key(informer, key), value);
        n++;
    }
    cr_assert_eq(n, 8);
}

Test(k8s_informer, relist_reconciles_the_cache, .fini = teardown)
{
    /* The second list: x/a changed, the pods of y are gone, x/d is new. */
    char *path = fixture_path("list-pods.json");
    json_t *list = json_load_file(path, 0, NULL);
    free(path);
    cr_assert_not_null(list);
    json_t *items = json_object_get(list, "items");
    for (size_t i = json_array_size(items); i-- > 0; ) {
        json_t *item = json_array_get(items, i);
        if (!strcmp(k8s_object_namespace(item), "y")) {
            json_array_remove(items, i);
        }
    }
    json_t *xa = json_array_get(items, 0);
    json_object_set_new(json_object_get(xa, "metadata"), "resourceVersion",
                        json_string("280"));
    json_t *xd = json_deep_copy(xa);
    json_object_set_new(json_object_get(xd, "metadata"), "name",
                        json_string("d"));
    json_array_append_new(items, xd);
    json_object_set_new(json_object_get(list, "metadata"),
                        "resourceVersion", json_string("290"));
    second_list = json_dumps(list, JSON_COMPACT);
    json_decref(list);

    start(NULL);
    k8s_informer_start(informer);
    cr_assert(run_loop_until(loop, has_n_lists, (void *) 2, GENEROUS_MSEC),
              "calls:\n%s", calls);

    /* After the watch's events, the 410 ERROR makes a relist: changed
     * objects are updated in list order, new ones added, missing ones
     * deleted in cache order; 'synced' is not called again. */
    cr_assert_str_eq(calls,
                     LIST_CALLS
                     "update x/a 252->241\n"
                     "update x/b 253->242\n"
                     "update y/a 268->244\n"
                     "add z/c 249\n"
                     "update x/a 241->252\n"
                     "update x/b 242->253\n"
                     "update z/c 249->254\n"
                     "delete z/c 255\n"
                     "update x/a 252->280\n"
                     "add x/d 280\n"
                     "delete y/a 244\n"
                     "delete y/b 245\n"
                     "delete y/c 246\n");
    cr_assert_eq(k8s_informer_count(informer), 6);
    cr_assert_str_eq(k8s_informer_resource_version(informer), "290");
    cr_assert_null(k8s_informer_get(informer, "y", "a"));
    cr_assert_not_null(k8s_informer_get(informer, "x", "d"));
}

Test(k8s_informer, managed_fields_are_dropped_unless_kept,
     .fini = teardown)
{
    start(NULL);
    k8s_informer_start(informer);
    cr_assert(run_loop_until(loop, has_n_lists, (void *) 1, GENEROUS_MSEC));
    json_t *pod = k8s_informer_get(informer, "x", "a");
    cr_assert_not_null(pod);
    json_t *metadata = json_object_get(pod, "metadata");
    cr_assert_null(json_object_get(metadata, "managedFields"));
    cr_assert_not_null(json_object_get(metadata, "labels"));
    teardown();

    struct k8s_list_watch_options options = { .keep_managed_fields = true };
    start(&options);
    k8s_informer_start(informer);
    cr_assert(run_loop_until(loop, has_n_lists, (void *) 1, GENEROUS_MSEC));
    pod = k8s_informer_get(informer, "x", "a");
    cr_assert(json_is_array(json_object_get(json_object_get(pod, "metadata"),
                                            "managedFields")));
}
