/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the API server's delegated authentication and
 * authorisation (core/lib/api-auth.h) against a stand-in
 * kube-apiserver (tests/k8s/http-test-server.h) that answers TokenReviews
 * and SubjectAccessReviews: verdicts and messages, what the reviews ask,
 * the positive and negative caches, failures not cached, cancellation.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api-auth.h"
#include "event-loop.h"
#include "http-test-server.h"
#include "k8s-test-util.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "util.h"

#define AGENT_USER "system:serviceaccount:kube-system:antrea-agent"

/* The last SubjectAccessReview spec the stand-in saw (JSON text). */
static char *last_sar;
static pthread_mutex_t last_sar_mutex = PTHREAD_MUTEX_INITIALIZER;

/* Sends 'obj' (consumed) as JSON with 'status'. */
static void
send_json(struct test_http_conn *conn, int status, json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    test_http_send_response(conn, status,
                            "Content-Type: application/json\r\n", text,
                            strlen(text));
    free(text);
    json_decref(obj);
}

/* The stand-in kube-apiserver. */
static void
handler(struct test_http_conn *conn, const struct test_http_request *req,
        void *aux)
{
    json_t *body = json_loads(req->body, 0, NULL);
    json_t *spec = json_object_get(body, "spec");

    if (!strcmp(req->path, "/apis/authentication.k8s.io/v1/tokenreviews")) {
        const char *token = json_string_value(json_object_get(spec,
                                                              "token"));
        token = token ? token : "";
        if (!strcmp(token, "broken")) {
            send_json(conn, 500, json_pack("{s:s, s:s, s:i}", "kind",
                                           "Status", "message",
                                           "etcd is down", "code", 500));
        } else if (!strcmp(token, "good") || !strcmp(token, "nobody")) {
            const char *user = !strcmp(token, "good") ? AGENT_USER
                                                      : "nobody";
            send_json(conn, 201, json_pack(
                "{s:s, s:{s:b, s:{s:s, s:s, s:[s]}}}",
                "kind", "TokenReview", "status", "authenticated", 1,
                "user", "username", user, "uid", "u-1",
                "groups", "system:serviceaccounts"));
        } else {
            send_json(conn, 201, json_pack(
                "{s:s, s:{s:b, s:s}}", "kind", "TokenReview",
                "status", "authenticated", 0, "error", "invalid token"));
        }
    } else if (!strcmp(req->path, "/apis/authorization.k8s.io/v1/"
                                  "subjectaccessreviews")) {
        pthread_mutex_lock(&last_sar_mutex);
        free(last_sar);
        last_sar = json_dumps(spec, JSON_SORT_KEYS | JSON_COMPACT);
        pthread_mutex_unlock(&last_sar_mutex);
        const char *user = json_string_value(json_object_get(spec, "user"));
        bool allowed = user && !strcmp(user, AGENT_USER);
        send_json(conn, 201, json_pack(
            "{s:s, s:{s:b, s:s}}", "kind", "SubjectAccessReview",
            "status", "allowed", allowed, "reason",
            allowed ? "RBAC: allowed" : "RBAC: no rule allows it"));
    } else {
        send_json(conn, 404, json_pack("{s:s}", "kind", "Status"));
    }
    json_decref(body);
}

/* One check's outcome. */
struct outcome {
    bool done;                  /* the callback came */
    int n_calls;                /* callback calls */
    enum api_auth_verdict verdict;
    char message[512];
};

/* Records a check's outcome in 'o_'. */
static void
record(enum api_auth_verdict verdict, const char *message, void *o_)
{
    struct outcome *o = o_;
    o->done = true;
    o->n_calls++;
    o->verdict = verdict;
    snprintf(o->message, sizeof o->message, "%s", message);
}

/* Whether the outcome 'o_' came. */
static bool
outcome_done(void *o_)
{
    return ((struct outcome *) o_)->done;
}

/* The test's world. */
static struct event_loop *loop;
static struct test_http_server *server;
static struct k8s_client *client;
static struct k8s_config config;

/* Starts the loop, the stand-in kube-apiserver and a client. */
static void
setup(void)
{
    loop = event_loop_create();
    server = test_http_server_start(handler, NULL);
    memset(&config, 0, sizeof config);
    config.server = test_http_server_url(server);
    config.source = "test";
    client = k8s_client_create(&config, loop);
}

/* Stops what setup() started. */
static void
teardown(void)
{
    k8s_client_destroy(client);
    test_http_server_stop(server);
    event_loop_destroy(loop);
    free(config.server);
    free(last_sar);
    last_sar = NULL;
}

/* Checks 'req' with 'auth' and waits for the outcome.  'sync' says
 * whether the answer must come before api_auth_check() returns. */
static struct outcome
check_req(struct api_auth *auth, const struct api_auth_request *req,
          bool sync)
{
    struct outcome o = { 0 };
    struct api_auth_check *pending = api_auth_check(auth, req, record, &o);
    if (sync) {
        cr_assert(o.done && !pending, "not answered from the cache");
    } else {
        cr_assert(!o.done && pending, "answered without a review");
        cr_assert(run_loop_until(loop, outcome_done, &o, 20000));
    }
    cr_assert_eq(o.n_calls, 1);
    return o;
}

TestSuite(auth, .init = setup, .fini = teardown, .timeout = 60);

Test(auth, no_token_is_401_without_a_review)
{
    struct api_auth *auth = api_auth_create(client, 0, 0);
    struct api_auth_request req = { .verb = "list",
                                    .resource = "networkpolicies" };
    struct outcome o = check_req(auth, &req, true);
    cr_assert_eq(o.verdict, API_AUTH_UNAUTHENTICATED);
    cr_assert(strstr(o.message, "no bearer token"), "%s", o.message);
    req.token = "";
    o = check_req(auth, &req, true);
    cr_assert_eq(o.verdict, API_AUTH_UNAUTHENTICATED);
    cr_assert_eq(api_auth_n_reviews(auth), 0);
    api_auth_destroy(auth);
}

Test(auth, allowed_and_cached)
{
    struct api_auth *auth = api_auth_create(client, 0, 0);
    struct api_auth_request req = { .token = "good", .verb = "list",
                                    .resource = "networkpolicies" };
    struct outcome o = check_req(auth, &req, false);
    cr_assert_eq(o.verdict, API_AUTH_ALLOWED, "%s", o.message);
    cr_assert_eq(api_auth_n_reviews(auth), 2);
    cr_assert_str_eq(last_sar,
                     "{\"groups\":[\"system:serviceaccounts\"],"
                     "\"resourceAttributes\":{\"group\":"
                     "\"controlplane.antrea.io\",\"resource\":"
                     "\"networkpolicies\",\"verb\":\"list\",\"version\":"
                     "\"v1beta2\"},\"uid\":\"u-1\",\"user\":\""
                     AGENT_USER "\"}");

    /* The same again: from the caches. */
    o = check_req(auth, &req, true);
    cr_assert_eq(o.verdict, API_AUTH_ALLOWED);
    cr_assert_eq(api_auth_n_reviews(auth), 2);

    /* Another verb: the token is known, the access is not. */
    req.verb = "watch";
    o = check_req(auth, &req, false);
    cr_assert_eq(o.verdict, API_AUTH_ALLOWED);
    cr_assert_eq(api_auth_n_reviews(auth), 3);
    cr_assert(strstr(last_sar, "\"verb\":\"watch\""), "%s", last_sar);

    /* One object, and a non-resource path. */
    req.verb = "get";
    req.name = "np-1";
    o = check_req(auth, &req, false);
    cr_assert(strstr(last_sar, "\"name\":\"np-1\""), "%s", last_sar);
    struct api_auth_request readyz = { .token = "good", .verb = "get",
                                       .path = "/readyz" };
    o = check_req(auth, &readyz, false);
    cr_assert_eq(o.verdict, API_AUTH_ALLOWED);
    cr_assert(strstr(last_sar, "\"nonResourceAttributes\":{\"path\":"
                     "\"/readyz\",\"verb\":\"get\"}"), "%s", last_sar);
    api_auth_destroy(auth);
}

Test(auth, bad_token_is_401_and_cached_briefly)
{
    struct api_auth *auth = api_auth_create(client, 0, 100);
    struct api_auth_request req = { .token = "forged", .verb = "list",
                                    .resource = "addressgroups" };
    struct outcome o = check_req(auth, &req, false);
    cr_assert_eq(o.verdict, API_AUTH_UNAUTHENTICATED);
    cr_assert(strstr(o.message, "not valid: invalid token"), "%s",
              o.message);
    cr_assert_eq(api_auth_n_reviews(auth), 1);
    o = check_req(auth, &req, true);
    cr_assert_eq(o.verdict, API_AUTH_UNAUTHENTICATED);
    cr_assert_eq(api_auth_n_reviews(auth), 1);

    /* After the negative TTL, asked again. */
    run_loop_for(loop, 150);
    o = check_req(auth, &req, false);
    cr_assert_eq(o.verdict, API_AUTH_UNAUTHENTICATED);
    cr_assert_eq(api_auth_n_reviews(auth), 2);
    api_auth_destroy(auth);
}

Test(auth, no_permission_is_403)
{
    struct api_auth *auth = api_auth_create(client, 0, 0);
    struct api_auth_request req = { .token = "nobody", .verb = "watch",
                                    .resource = "appliedtogroups" };
    struct outcome o = check_req(auth, &req, false);
    cr_assert_eq(o.verdict, API_AUTH_FORBIDDEN);
    cr_assert(strstr(o.message, "not allowed to watch appliedtogroups in "
                     "controlplane.antrea.io: RBAC: no rule allows it"),
              "%s", o.message);
    o = check_req(auth, &req, true);
    cr_assert_eq(o.verdict, API_AUTH_FORBIDDEN);
    api_auth_destroy(auth);
}

Test(auth, failures_are_503_and_not_cached)
{
    struct api_auth *auth = api_auth_create(client, 0, 0);
    struct api_auth_request req = { .token = "broken", .verb = "list",
                                    .resource = "networkpolicies" };
    struct outcome o = check_req(auth, &req, false);
    cr_assert_eq(o.verdict, API_AUTH_UNAVAILABLE);
    cr_assert(strstr(o.message, "TokenReview: the kube-apiserver answered "
                     "HTTP 500: etcd is down"), "%s", o.message);
    o = check_req(auth, &req, false);
    cr_assert_eq(o.verdict, API_AUTH_UNAVAILABLE);
    cr_assert_eq(api_auth_n_reviews(auth), 2);
    api_auth_destroy(auth);

    /* Nobody listening. */
    struct k8s_config gone = config;
    gone.server = xstrdup("http://127.0.0.1:1");
    struct k8s_client *gone_client = k8s_client_create(&gone, loop);
    auth = api_auth_create(gone_client, 0, 0);
    req.token = "good";
    o = check_req(auth, &req, false);
    cr_assert_eq(o.verdict, API_AUTH_UNAVAILABLE);
    cr_assert(strstr(o.message, "could not be reached"), "%s", o.message);
    api_auth_destroy(auth);
    k8s_client_destroy(gone_client);
    free(gone.server);
}

Test(auth, cancel_and_destroy_with_pending_checks)
{
    struct api_auth *auth = api_auth_create(client, 0, 0);
    struct api_auth_request req = { .token = "good", .verb = "list",
                                    .resource = "networkpolicies" };
    struct outcome cancelled = { 0 }, left = { 0 };
    struct api_auth_check *c1 = api_auth_check(auth, &req, record,
                                               &cancelled);
    cr_assert_not_null(c1);
    api_auth_check_cancel(c1);
    struct api_auth_check *c2 = api_auth_check(auth, &req, record, &left);
    cr_assert_not_null(c2);
    run_loop_for(loop, 50);
    api_auth_destroy(auth);     /* with 'c2' perhaps still pending */
    run_loop_for(loop, 100);
    cr_assert_eq(cancelled.n_calls, 0);
    cr_assert_leq(left.n_calls, 1);
}
