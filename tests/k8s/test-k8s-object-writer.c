/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for the object writer (k8s-object-writer.h) against a small
 * stand-in for the kube-apiserver's handling of one custom resource,
 * served by the real HTTP test server: the object created when missing
 * and replaced with its resourceVersion when present; a change of the
 * fingerprint written again, an unchanged one not until the period; a
 * conflict read back and retried; the object deleted meanwhile created
 * again; an outage retried with backoff and logged once, then the
 * recovery logged; a missing CRD named in the warning; a build that has
 * nothing to say sending nothing.  Also the fingerprint mixing, and the
 * fields AntreaAgentInfo and AntreaControllerInfo share (antrea-info.h).
 */

#include <config.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "event-loop.h"
#include "http-test-server.h"
#include "k8s-test-util.h"
#include "k8s/antrea-info.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "k8s/k8s-object-writer.h"
#include "util.h"

TestSuite(k8s_object_writer, .timeout = 60);

#define COLLECTION "/apis/example.io/v1/things"
#define OBJECT_PATH COLLECTION "/thing-1"

/* The stand-in apiserver's state (guarded by 'mutex': the server's
 * threads answer while the test's loop runs). */
static struct {
    pthread_mutex_t mutex;      /* guards the rest */
    bool crd_missing;           /* the resource is not served at all */
    int fail_status;            /* answer everything with this, or 0 */
    bool exists;                /* the object exists */
    json_t *stored;             /* its content as last written */
    long long rv;               /* its resourceVersion */
    int conflicts_left;         /* PUTs to refuse with 409 as if someone
                                   else had written just before */
    int n_get, n_post, n_put;   /* requests by method */
} api = { .mutex = PTHREAD_MUTEX_INITIALIZER };

/* Runs 'STATEMENT' (a change of the stand-in's state, or an assertion on
 * it) with 'api.mutex' held. */
#define API_LOCKED(STATEMENT)                   \
    do {                                        \
        pthread_mutex_lock(&api.mutex);         \
        STATEMENT;                              \
        pthread_mutex_unlock(&api.mutex);       \
    } while (0)

/* Answers 'status' with JSON 'body' (a reference this takes). */
static void
send_json(struct test_http_conn *conn, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    test_http_send_response(conn, status,
                            "Content-Type: application/json\r\n", text,
                            strlen(text));
    free(text);
    json_decref(body);
}

/* A Status object as the apiserver sends them. */
static json_t *
status_json(int code, const char *reason, const char *message,
            const char *name)
{
    json_t *details = name ? json_pack("{s:s, s:s}", "name", name, "kind",
                                       "things")
                           : json_object();
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:i}", "kind",
                     "Status", "apiVersion", "v1", "status", "Failure",
                     "message", message, "reason", reason, "details",
                     details, "code", code);
}

/* The stored object, as a GET answers it. */
static json_t *
stored_json(void)
{
    json_t *obj = json_deep_copy(api.stored);
    char rv[32];
    snprintf(rv, sizeof rv, "%lld", api.rv);
    json_object_set_new(json_object_get(obj, "metadata"), "resourceVersion",
                        json_string(rv));
    return obj;
}

/* Stores 'body' as the object's new content. */
static void
store(json_t *body)
{
    json_decref(api.stored);
    api.stored = body;
    api.exists = true;
    api.rv++;
}

/* The stand-in's request handler. */
static void
handler(struct test_http_conn *conn, const struct test_http_request *req,
        void *aux)
{
    (void) aux;
    pthread_mutex_lock(&api.mutex);
    bool get = !strcmp(req->method, "GET");
    bool post = !strcmp(req->method, "POST");
    bool put = !strcmp(req->method, "PUT");
    api.n_get += get;
    api.n_post += post;
    api.n_put += put;
    json_t *body = req->body_size ? json_loads(req->body, 0, NULL) : NULL;

    if (api.crd_missing) {
        send_json(conn, 404, status_json(404, "NotFound", "the server could "
                                         "not find the requested resource",
                                         NULL));
    } else if (api.fail_status) {
        send_json(conn, api.fail_status,
                  status_json(api.fail_status, "InternalError",
                              "etcdserver: request timed out", NULL));
    } else if (get && !strcmp(req->path, OBJECT_PATH)) {
        send_json(conn, api.exists ? 200 : 404,
                  (api.exists ? stored_json()
                   : status_json(404, "NotFound", "things \"thing-1\" not "
                                 "found", "thing-1")));
    } else if (post && !strcmp(req->path, COLLECTION) && body) {
        if (api.exists) {
            send_json(conn, 409, status_json(409, "AlreadyExists", "things "
                                             "\"thing-1\" already exists",
                                             "thing-1"));
        } else if (json_object_get(json_object_get(body, "metadata"),
                                   "resourceVersion")) {
            send_json(conn, 500, status_json(500, "BadRequest",
                                             "resourceVersion should not "
                                             "be set on objects to be "
                                             "created", NULL));
        } else {
            store(json_incref(body));
            send_json(conn, 201, stored_json());
        }
    } else if (put && !strcmp(req->path, OBJECT_PATH) && body) {
        const char *rv = json_string_value(json_object_get(
                                               json_object_get(body,
                                                               "metadata"),
                                               "resourceVersion"));
        if (api.conflicts_left > 0) {
            api.conflicts_left--;
            api.rv++;
            send_json(conn, 409, status_json(409, "Conflict", "the object "
                                             "has been modified", "thing-1"));
        } else if (!api.exists) {
            send_json(conn, 404, status_json(404, "NotFound", "things "
                                             "\"thing-1\" not found",
                                             "thing-1"));
        } else if (!rv || atoll(rv) != api.rv) {
            send_json(conn, 409, status_json(409, "Conflict", "the object "
                                             "has been modified", "thing-1"));
        } else {
            store(json_incref(body));
            send_json(conn, 200, stored_json());
        }
    } else {
        send_json(conn, 400, status_json(400, "BadRequest", "unexpected",
                                         NULL));
    }
    json_decref(body);
    pthread_mutex_unlock(&api.mutex);
}

/* What the owner of the object reports. */
static struct {
    uint64_t fingerprint;       /* current fingerprint */
    int n_builds;               /* build calls */
    int value;                  /* goes into the object as "value" */
    bool nothing;               /* build has nothing to say */
} owner;

/* The writer's fingerprint callback. */
static uint64_t
owner_fingerprint(void *aux)
{
    (void) aux;
    return owner.fingerprint;
}

/* The writer's build callback: {"value": owner.value}, or NULL. */
static json_t *
owner_build(void *aux)
{
    (void) aux;
    owner.n_builds++;
    return owner.nothing ? NULL : json_pack("{s:i}", "value", owner.value);
}

/* The test's stand-in server, loop, client and writer. */
static struct test_http_server *server;
static struct event_loop *loop;
static struct k8s_client *client;
static struct k8s_object_writer *writer;

/* Starts the stand-in, the loop and the client; resets the state. */
static void
setup(void)
{
    pthread_mutex_lock(&api.mutex);
    json_decref(api.stored);
    api.stored = NULL;
    api.crd_missing = false;
    api.fail_status = 0;
    api.exists = false;
    api.rv = 100;
    api.conflicts_left = 0;
    api.n_get = api.n_post = api.n_put = 0;
    pthread_mutex_unlock(&api.mutex);
    memset(&owner, 0, sizeof owner);
    owner.fingerprint = 1;

    server = test_http_server_start(handler, NULL);
    loop = event_loop_create();
    struct k8s_config *config = xcalloc(1, sizeof *config);
    config->server = test_http_server_url(server);
    config->source = xstrdup("test");
    client = k8s_client_create(config, loop);
    k8s_config_destroy(config);
    writer = NULL;
}

/* Stops them. */
static void
teardown(void)
{
    k8s_object_writer_destroy(writer);
    k8s_client_destroy(client);
    event_loop_destroy(loop);
    test_http_server_stop(server);
    pthread_mutex_lock(&api.mutex);
    json_decref(api.stored);
    api.stored = NULL;
    pthread_mutex_unlock(&api.mutex);
}

/* Creates the writer with 'period_ms' and a fast backoff. */
static void
start_writer(long long period_ms)
{
    struct k8s_object_writer_params p = {
        .collection = COLLECTION,
        .api_version = "example.io/v1",
        .kind = "Thing",
        .name = "thing-1",
        .period_ms = period_ms,
        .check_ms = 20,
        .fingerprint = owner_fingerprint,
        .build = owner_build,
        .backoff = { .initial_ms = 10, .max_ms = 40, .jitter = -1 },
    };
    writer = k8s_object_writer_create(client, &p);
}

/* The writer's counters. */
static struct k8s_object_writer_stats
stats(void)
{
    struct k8s_object_writer_stats s;
    k8s_object_writer_get_stats(writer, &s);
    return s;
}

/* A loop condition: the writer has written '*n_' times. */
static bool
writes_reach(void *n_)
{
    return stats().n_writes >= *(unsigned int *) n_;
}

/* A loop condition: '*n_' attempts have failed. */
static bool
failures_reach(void *n_)
{
    return stats().n_failures >= *(unsigned int *) n_;
}

/* Runs the loop until the writer has written 'n' times (bounded). */
static void
wait_writes(unsigned int n)
{
    cr_assert(run_loop_until(loop, writes_reach, &n, GENEROUS_MSEC),
              "only %u writes, expected %u", stats().n_writes, n);
}

/* The stored object's "value", or -1. */
static int
stored_value(void)
{
    pthread_mutex_lock(&api.mutex);
    int v = api.stored ? json_integer_value(json_object_get(api.stored,
                                                            "value")) : -1;
    pthread_mutex_unlock(&api.mutex);
    return v;
}

Test(k8s_object_writer, creates_missing_object, .init = setup,
     .fini = teardown)
{
    owner.value = 7;
    start_writer(600000);
    wait_writes(1);
    cr_assert_eq(stats().n_creates, 1);
    pthread_mutex_lock(&api.mutex);
    cr_assert_eq(api.n_get, 1);
    cr_assert_eq(api.n_post, 1);
    cr_assert_eq(api.n_put, 0);
    cr_assert_str_eq(json_string_value(json_object_get(api.stored, "kind")),
                     "Thing");
    cr_assert_str_eq(json_string_value(json_object_get(api.stored,
                                                       "apiVersion")),
                     "example.io/v1");
    cr_assert_str_eq(json_string_value(json_object_get(
                                           json_object_get(api.stored,
                                                           "metadata"),
                                           "name")), "thing-1");
    pthread_mutex_unlock(&api.mutex);
    cr_assert_eq(stored_value(), 7);
}

Test(k8s_object_writer, replaces_existing_object, .init = setup,
     .fini = teardown)
{
    pthread_mutex_lock(&api.mutex);
    store(json_pack("{s:{s:s}, s:i}", "metadata", "name", "thing-1",
                    "value", 1));
    pthread_mutex_unlock(&api.mutex);
    owner.value = 2;
    start_writer(600000);
    wait_writes(1);
    cr_assert_eq(stats().n_creates, 0);
    cr_assert_eq(stored_value(), 2);
    pthread_mutex_lock(&api.mutex);
    cr_assert_eq(api.n_post, 0);
    cr_assert_eq(api.n_put, 1);
    pthread_mutex_unlock(&api.mutex);
}

Test(k8s_object_writer, change_is_written_and_no_change_is_not,
     .init = setup, .fini = teardown)
{
    owner.value = 1;
    start_writer(600000);
    wait_writes(1);

    /* Unchanged: many check periods pass without a write. */
    run_loop_for(loop, 300);
    cr_assert_eq(stats().n_writes, 1);
    cr_assert_eq(owner.n_builds, 1);

    /* Changed: written again, with the resourceVersion it learnt, so no
     * GET. */
    owner.value = 5;
    owner.fingerprint = 2;
    wait_writes(2);
    cr_assert_eq(stored_value(), 5);
    pthread_mutex_lock(&api.mutex);
    cr_assert_eq(api.n_get, 1);
    cr_assert_eq(api.n_put, 1);
    pthread_mutex_unlock(&api.mutex);
}

Test(k8s_object_writer, period_writes_without_change, .init = setup,
     .fini = teardown)
{
    start_writer(50);
    wait_writes(4);
    cr_assert_eq(stats().n_failures, 0);
}

Test(k8s_object_writer, poke_writes_at_once, .init = setup,
     .fini = teardown)
{
    start_writer(600000);
    wait_writes(1);
    owner.value = 9;
    k8s_object_writer_poke(writer);
    wait_writes(2);
    cr_assert_eq(stored_value(), 9);
}

Test(k8s_object_writer, conflict_is_read_back_and_retried, .init = setup,
     .fini = teardown)
{
    start_writer(600000);
    wait_writes(1);
    API_LOCKED(api.conflicts_left = 1);
    owner.value = 3;
    owner.fingerprint = 2;
    wait_writes(2);
    cr_assert_eq(stats().n_conflicts, 1);
    cr_assert_eq(stats().n_failures, 0);
    cr_assert_eq(stored_value(), 3);
    /* The first GET, and one after the conflict. */
    API_LOCKED(cr_assert_eq(api.n_get, 2));
}

Test(k8s_object_writer, endless_conflicts_back_off, .init = setup,
     .fini = teardown)
{
    start_writer(600000);
    wait_writes(1);
    API_LOCKED(api.conflicts_left = 1000000);
    owner.fingerprint = 2;
    unsigned int n = 2;
    cr_assert(run_loop_until(loop, failures_reach, &n, GENEROUS_MSEC));
    cr_assert(stats().failing);
    API_LOCKED(api.conflicts_left = 0);
    wait_writes(2);
    cr_assert(!stats().failing);
}

Test(k8s_object_writer, deleted_object_is_created_again, .init = setup,
     .fini = teardown)
{
    start_writer(600000);
    wait_writes(1);
    API_LOCKED(api.exists = false);
    owner.value = 4;
    owner.fingerprint = 2;
    wait_writes(2);
    cr_assert_eq(stats().n_creates, 2);
    cr_assert_eq(stored_value(), 4);
}

Test(k8s_object_writer, outage_backs_off_and_logs_once, .init = setup,
     .fini = teardown)
{
    log_capture_start();
    API_LOCKED(api.fail_status = 503);
    owner.value = 6;
    start_writer(600000);
    unsigned int n = 4;
    cr_assert(run_loop_until(loop, failures_reach, &n, GENEROUS_MSEC));
    cr_assert(stats().failing);
    cr_assert_eq(stats().n_writes, 0);

    API_LOCKED(api.fail_status = 0);
    wait_writes(1);
    cr_assert(!stats().failing);
    cr_assert_eq(stored_value(), 6);

    char *text = log_capture_text();
    log_capture_stop();
    size_t warnings = 0;
    for (const char *s = text; (s = strstr(s, "cannot write it")); s++) {
        warnings++;
    }
    cr_assert_eq(warnings, 1, "%zu warnings in:\n%s", warnings, text);
    cr_assert(strstr(text, "Thing thing-1"), "%s", text);
    cr_assert(strstr(text, "etcdserver: request timed out"), "%s", text);
    cr_assert(strstr(text, "written again after"), "%s", text);
    free(text);
}

Test(k8s_object_writer, missing_crd_is_named, .init = setup,
     .fini = teardown)
{
    log_capture_start();
    API_LOCKED(api.crd_missing = true);
    start_writer(600000);
    unsigned int n = 2;
    cr_assert(run_loop_until(loop, failures_reach, &n, GENEROUS_MSEC));
    char *text = log_capture_text();
    log_capture_stop();
    cr_assert(strstr(text, "CustomResourceDefinition of " COLLECTION),
              "%s", text);
    free(text);
    API_LOCKED(cr_assert_eq(api.n_post, 0));
}

Test(k8s_object_writer, nothing_to_say_sends_nothing, .init = setup,
     .fini = teardown)
{
    owner.nothing = true;
    start_writer(600000);
    run_loop_for(loop, 200);
    cr_assert_gt(owner.n_builds, 1);
    API_LOCKED(cr_assert_eq(api.n_get + api.n_post + api.n_put, 0));
    owner.nothing = false;
    wait_writes(1);
}

Test(k8s_object_writer, formats_time)
{
    char buf[K8S_TIME_SIZE];
    k8s_format_time(1795723800, buf);
    cr_assert_str_eq(buf, "2026-11-26T20:10:00Z");
}

Test(k8s_object_writer, fingerprint_mix_is_fnv1a_over_the_bytes)
{
    /* FNV-1a 64 of the 8 bytes, least significant first. */
    uint64_t h = K8S_OBJECT_FINGERPRINT_INIT;
    k8s_object_fingerprint_mix(&h, 0);
    cr_assert_eq(h, UINT64_C(0xa8c7f832281a39c5));
    h = K8S_OBJECT_FINGERPRINT_INIT;
    k8s_object_fingerprint_mix(&h, UINT64_C(0x0102030405060708));
    cr_assert_eq(h, UINT64_C(0x0c6d4496e17859d5));

    /* The order of the values counts. */
    uint64_t a = K8S_OBJECT_FINGERPRINT_INIT;
    uint64_t b = K8S_OBJECT_FINGERPRINT_INIT;
    k8s_object_fingerprint_mix(&a, 1);
    k8s_object_fingerprint_mix(&a, 2);
    k8s_object_fingerprint_mix(&b, 2);
    k8s_object_fingerprint_mix(&b, 1);
    cr_assert_neq(a, b);
}

/* A message for every type but "Quiet". */
static const char *
test_condition_message(const char *type, const char *reason)
{
    return (!strcmp(type, "Quiet") ? NULL
            : reason ? "down, with a reason" : "down");
}

/* Asserts that 'actual' (a reference this takes) equals the JSON text
 * 'expected'. */
static void
assert_json(json_t *actual, const char *expected)
{
    json_error_t error;
    json_t *want = json_loads(expected, 0, &error);
    cr_assert_not_null(want, "bad expected JSON: %s", error.text);
    char *got = json_dumps(actual, JSON_SORT_KEYS | JSON_COMPACT);
    cr_assert(json_equal(actual, want), "got %s", got);
    free(got);
    json_decref(want);
    json_decref(actual);
}

Test(k8s_object_writer, antrea_info_conditions)
{
    json_t *view = json_loads(
        "[{\"type\": \"Up\", \"status\": \"True\", \"reason\": \"Fine\"},"
        " {\"type\": \"Linked\", \"status\": \"False\"},"
        " {\"type\": \"Synced\", \"status\": \"Unknown\","
        "  \"reason\": \"Waiting\"},"
        " {\"type\": \"Quiet\", \"status\": \"False\"},"
        " {\"type\": \"NoStatus\"}, {\"status\": \"True\"}]", 0, NULL);
    cr_assert_not_null(view);
    assert_json(antrea_info_conditions(view, 86400, test_condition_message),
                "[{\"type\": \"Up\", \"status\": \"True\","
                "  \"reason\": \"Fine\","
                "  \"lastHeartbeatTime\": \"1970-01-02T00:00:00Z\"},"
                " {\"type\": \"Linked\", \"status\": \"False\","
                "  \"lastHeartbeatTime\": \"1970-01-02T00:00:00Z\","
                "  \"message\": \"down\"},"
                " {\"type\": \"Synced\", \"status\": \"Unknown\","
                "  \"reason\": \"Waiting\","
                "  \"lastHeartbeatTime\": \"1970-01-02T00:00:00Z\","
                "  \"message\": \"down, with a reason\"},"
                " {\"type\": \"Quiet\", \"status\": \"False\","
                "  \"lastHeartbeatTime\": \"1970-01-02T00:00:00Z\"}]");
    /* No message function: no messages; not an array: no conditions. */
    json_t *conditions = antrea_info_conditions(view, 0, NULL);
    cr_assert_null(json_object_get(json_array_get(conditions, 1),
                                   "message"));
    json_decref(conditions);
    assert_json(antrea_info_conditions(NULL, 0, test_condition_message),
                "[]");
    json_decref(view);
}

Test(k8s_object_writer, antrea_info_shared_fields)
{
    json_t *view = json_loads(
        "{\"version\": \"v1.2.3\", \"networkPolicyControllerInfo\":"
        " {\"networkPolicyNum\": 3, \"addressGroupNum\": 2,"
        "  \"other\": 9}}", 0, NULL);
    cr_assert_not_null(view);
    assert_json(antrea_info_content_start(view, "kube-system", "agent-x"),
                "{\"version\": \"v1.2.3\", \"podRef\": {\"kind\": \"Pod\","
                " \"namespace\": \"kube-system\", \"name\": \"agent-x\"}}");
    assert_json(antrea_info_content_start(view, "kube-system", NULL),
                "{\"version\": \"v1.2.3\"}");
    assert_json(antrea_info_content_start(NULL, NULL, NULL), "{}");
    assert_json(antrea_info_policy_counts(view),
                "{\"networkPolicyNum\": 3, \"addressGroupNum\": 2}");
    assert_json(antrea_info_policy_counts(NULL), "{}");
    assert_json(antrea_info_object_ref("Node", NULL, "n1"),
                "{\"kind\": \"Node\", \"name\": \"n1\"}");
    json_decref(view);

    /* Kept strings: copies, NULL for "" and NULL. */
    const char *name = "antrea";
    const char *empty = "";
    const char *none = NULL;
    char *name_copy, *empty_copy, *none_copy;
    antrea_info_keep_string(&name_copy, &name);
    antrea_info_keep_string(&empty_copy, &empty);
    antrea_info_keep_string(&none_copy, &none);
    cr_assert_str_eq(name_copy, "antrea");
    cr_assert_eq(name, name_copy);
    cr_assert_null(empty_copy);
    cr_assert_null(empty);
    cr_assert_null(none_copy);
    cr_assert_null(none);
    free(name_copy);
}
