/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for the Kubernetes HTTP client on the event loop, against
 * the real HTTP/1.1 test server: every method with its headers and body,
 * credentials (token, token file, an unreadable token file), answers that
 * are errors (a Status body, connection refused, a timeout, a body or a
 * line too long), streaming line by line through awkward chunking,
 * cancellation (from outside and from inside callbacks, and starting new
 * requests from callbacks), many requests at once, and the blocking
 * variant.
 */

#include <config.h>

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event-loop.h"
#include "http-test-server.h"
#include "k8s-test-util.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "k8s/k8s-resource.h"
#include "util.h"

TestSuite(k8s_client, .timeout = 60);

/* What one request's callbacks saw. */
struct outcome {
    bool done;                  /* on_done was called */
    int n_done;                 /* how many times */
    long status;                /* its status */
    char *error;                /* its error, or NULL */
    json_t *body;               /* its body (a reference), or NULL */
    char *raw;                  /* its raw body */
    char lines[8192];           /* lines seen, each followed by '|' */
    int n_lines;                /* how many */
    struct k8s_request *req;    /* the request, while in flight */
    struct k8s_client *client;  /* for callbacks that start requests */
    int cancel_after_lines;     /* cancel from on_line after this many */
    struct outcome *follow_up;  /* started from a callback, or NULL */
    const char *follow_up_path; /* its path */
};

/* Records the response in the struct outcome. */
static void
record_done(struct k8s_request *req, const struct k8s_response *response,
            void *o_)
{
    struct outcome *o = o_;

    (void) req;
    o->done = true;
    o->n_done++;
    o->status = response->status;
    o->error = response->error ? xstrdup(response->error) : NULL;
    o->body = json_incref(response->body);
    o->raw = xmemdup0(response->raw, response->raw_size);
    o->req = NULL;
    if (o->follow_up) {
        struct k8s_request_args args = {
            .method = "GET", .path = o->follow_up_path,
            .on_done = record_done, .aux = o->follow_up,
        };
        o->follow_up->req = k8s_client_request(o->client, &args);
    }
}

/* Records a streamed line in the struct outcome. */
static void
record_line(struct k8s_request *req, const char *line, size_t length,
            void *o_)
{
    struct outcome *o = o_;
    size_t used = strlen(o->lines);

    cr_assert_lt(used + length + 2, sizeof o->lines);
    memcpy(o->lines + used, line, length);
    strcpy(o->lines + used + length, "|");
    o->n_lines++;
    if (o->cancel_after_lines && o->n_lines == o->cancel_after_lines) {
        k8s_request_cancel(req);
        o->req = NULL;
        if (o->follow_up) {
            struct k8s_request_args args = {
                .method = "GET", .path = o->follow_up_path,
                .on_done = record_done, .aux = o->follow_up,
            };
            o->follow_up->req = k8s_client_request(o->client, &args);
        }
    }
}

/* Frees what 'o' holds. */
static void
outcome_clear(struct outcome *o)
{
    free(o->error);
    free(o->raw);
    json_decref(o->body);
}

/* A loop condition: the outcome's on_done was called. */
static bool
is_done(void *o_)
{
    const struct outcome *o = o_;
    return o->done;
}

/* Set when the client closes a /hold connection. */
static bool hold_closed;

/* A loop condition: 'hold_closed' is set. */
static bool
is_hold_closed(void *aux)
{
    (void) aux;
    return __atomic_load_n(&hold_closed, __ATOMIC_SEQ_CST);
}

/* Answers for the tests, chosen by path. */
static void
handler(struct test_http_conn *conn, const struct test_http_request *req,
        void *aux)
{
    (void) aux;
    if (!strcmp(req->path, "/echo")) {
        /* Everything about the request, as JSON. */
        char *auth = test_http_request_header(req, "Authorization");
        char *type = test_http_request_header(req, "Content-Type");
        char *accept = test_http_request_header(req, "Accept");
        char *agent = test_http_request_header(req, "User-Agent");
        char *expect = test_http_request_header(req, "Expect");
        json_t *echo = json_pack(
            "{s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s#}",
            "method", req->method, "query", req->query,
            "authorization", auth, "content_type", type, "accept", accept,
            "user_agent", agent, "expect", expect,
            "body", req->body, (int) req->body_size);
        char *text = json_dumps(echo, 0);
        test_http_send_response(conn, 200, "Content-Type: application/"
                                "json\r\n", text, strlen(text));
        free(text);
        json_decref(echo);
        free(auth);
        free(type);
        free(accept);
        free(agent);
        free(expect);
    } else if (!strcmp(req->path, "/notfound")) {
        static const char status[] =
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
            "\"status\":\"Failure\",\"message\":\"pods \\\"p\\\" not found\","
            "\"reason\":\"NotFound\",\"details\":{\"name\":\"p\",\"kind\":"
            "\"pods\"},\"code\":404}";
        test_http_send_response(conn, 404, "Content-Type: application/"
                                "json\r\n", status, strlen(status));
    } else if (!strcmp(req->path, "/text")) {
        test_http_send_response(conn, 200, "Content-Type: text/plain\r\n",
                                "ok", 2);
    } else if (!strcmp(req->path, "/big")) {
        char body[1000];
        memset(body, 'x', sizeof body);
        test_http_send_response(conn, 200, NULL, body, sizeof body);
    } else if (!strcmp(req->path, "/stream")) {
        /* Three lines cut at awkward places, a CR LF, a final line
         * without its newline. */
        static const char *const pieces[] = {
            "{\"a\"", ":1}\n{\"b\":", "2}\r", "\n", "\n{\"c\":3}\nlast",
        };
        test_http_send_chunked_head(conn, 200, NULL);
        for (size_t i = 0; i < ARRAY_SIZE(pieces); i++) {
            test_http_send_chunk(conn, pieces[i], strlen(pieces[i]));
            usleep(2000);
        }
        test_http_end_chunks(conn);
    } else if (!strcmp(req->path, "/longline")) {
        char line[3000];
        memset(line, 'y', sizeof line);
        test_http_send_chunked_head(conn, 200, NULL);
        test_http_send_chunk(conn, "short\n", 6);
        for (size_t i = 0; i < sizeof line; i += 500) {
            if (!test_http_send_chunk(conn, line + i, 500)) {
                break;
            }
        }
        test_http_wait_closed(conn, GENEROUS_MSEC);
        test_http_close_after(conn);
    } else if (!strcmp(req->path, "/hold")) {
        /* Lines, then nothing until the client goes away. */
        test_http_send_chunked_head(conn, 200, NULL);
        test_http_send_chunk(conn, "one\ntwo\nthree\n", 14);
        if (test_http_wait_closed(conn, GENEROUS_MSEC)) {
            __atomic_store_n(&hold_closed, true, __ATOMIC_SEQ_CST);
        }
        test_http_close_after(conn);
    } else if (!strcmp(req->path, "/slow")) {
        usleep(300 * 1000);
        test_http_send_response(conn, 200, NULL, "{}", 2);
    } else {
        test_http_send_response(conn, 500, NULL, "", 0);
    }
}

/* The test's server, loop and client. */
static struct test_http_server *server;
static struct event_loop *loop;
static struct k8s_client *client;

/* Returns a config for the test server with bearer token 'token'. */
static struct k8s_config *
make_config(const char *server_url, const char *token)
{
    struct k8s_config *config = xcalloc(1, sizeof *config);
    config->server = xstrdup(server_url);
    config->token = token ? xstrdup(token) : NULL;
    config->source = xstrdup("test");
    return config;
}

/* Starts the server, the loop and a client with token "t0k3n". */
static void
setup(void)
{
    server = test_http_server_start(handler, NULL);
    loop = event_loop_create();
    char *url = test_http_server_url(server);
    struct k8s_config *config = make_config(url, "t0k3n");
    client = k8s_client_create(config, loop);
    k8s_config_destroy(config);
    free(url);
}

/* Stops them. */
static void
teardown(void)
{
    k8s_client_destroy(client);
    event_loop_destroy(loop);
    test_http_server_stop(server);
    client = NULL;
    loop = NULL;
    server = NULL;
}

/* Sends 'args' (with our on_done and 'o') and runs the loop until it is
 * done. */
static void
send_and_wait(struct k8s_request_args *args, struct outcome *o)
{
    args->on_done = record_done;
    args->aux = o;
    o->req = k8s_client_request(client, args);
    cr_assert_not_null(o->req);
    cr_assert(run_loop_until(loop, is_done, o, GENEROUS_MSEC),
              "%s %s did not finish", args->method, args->path);
    cr_assert_eq(o->n_done, 1);
}

Test(k8s_client, get_sends_token_accept_and_user_agent, .init = setup,
     .fini = teardown)
{
    struct outcome o = { .done = false };
    struct k8s_request_args args = {
        .method = "GET", .path = "/echo?limit=3&continue=x%2Fy",
    };

    send_and_wait(&args, &o);
    cr_assert_null(o.error, "%s", o.error);
    cr_assert_eq(o.status, 200);
    cr_assert(json_is_object(o.body));
    cr_assert_str_eq(json_string_value(json_object_get(o.body, "method")),
                     "GET");
    cr_assert_str_eq(json_string_value(json_object_get(o.body, "query")),
                     "limit=3&continue=x%2Fy");
    cr_assert_str_eq(json_string_value(json_object_get(o.body,
                                                       "authorization")),
                     "Bearer t0k3n");
    cr_assert_str_eq(json_string_value(json_object_get(o.body, "accept")),
                     "application/json");
    cr_assert(str_starts_with(json_string_value(json_object_get(
                                  o.body, "user_agent")), "antrea-c/"));
    cr_assert_null(json_string_value(json_object_get(o.body,
                                                     "content_type")));
    cr_assert_str_eq(json_string_value(json_object_get(o.body, "body")),
                     "");
    outcome_clear(&o);
}

/* Sends 'method' with body 'body' and content type 'type' to /echo and
 * checks what the server saw. */
static void
check_write(const char *method, const json_t *body, const char *type,
            const char *expected_type, const char *expected_body)
{
    struct outcome o = { .done = false };
    struct k8s_request_args args = {
        .method = method, .path = "/echo", .body = body,
        .content_type = type,
    };

    send_and_wait(&args, &o);
    cr_assert_null(o.error, "%s", o.error);
    cr_assert_eq(o.status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(o.body, "method")),
                     method);
    const char *got_type = json_string_value(json_object_get(
                                                 o.body, "content_type"));
    if (expected_type) {
        cr_assert_str_eq(got_type, expected_type, "%s", method);
    } else {
        cr_assert_null(got_type, "%s sent a content type", method);
    }
    cr_assert_str_eq(json_string_value(json_object_get(o.body, "body")),
                     expected_body, "%s", method);
    cr_assert_null(json_string_value(json_object_get(o.body, "expect")));
    outcome_clear(&o);
}

Test(k8s_client, post_put_patch_delete, .init = setup, .fini = teardown)
{
    json_t *pod = json_pack("{s:s,s:{s:s}}", "kind", "Pod", "metadata",
                            "name", "p");
    json_t *patch = json_pack("{s:{s:s}}", "status", "phase", "Running");
    json_t *options = json_pack("{s:i}", "gracePeriodSeconds", 0);

    check_write("POST", pod, NULL, "application/json",
                "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}");
    check_write("PUT", pod, NULL, "application/json",
                "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}");
    check_write("PATCH", patch, NULL, "application/merge-patch+json",
                "{\"status\":{\"phase\":\"Running\"}}");
    check_write("PATCH", patch, "application/strategic-merge-patch+json",
                "application/strategic-merge-patch+json",
                "{\"status\":{\"phase\":\"Running\"}}");
    check_write("DELETE", options, NULL, "application/json",
                "{\"gracePeriodSeconds\":0}");
    check_write("DELETE", NULL, NULL, NULL, "");

    json_decref(pod);
    json_decref(patch);
    json_decref(options);
}

Test(k8s_client, error_status_with_a_status_body, .init = setup,
     .fini = teardown)
{
    struct outcome o = { .done = false };
    struct k8s_request_args args = { .method = "GET", .path = "/notfound" };

    send_and_wait(&args, &o);
    cr_assert_null(o.error, "an HTTP error is still a completed exchange");
    cr_assert_eq(o.status, 404);
    char *msg = k8s_status_message(o.status, o.body);
    cr_assert_str_eq(msg, "HTTP 404 (NotFound): pods \"p\" not found");
    free(msg);
    outcome_clear(&o);

    /* A body that is not JSON is kept raw. */
    o = (struct outcome) { .done = false };
    args.path = "/text";
    send_and_wait(&args, &o);
    cr_assert_eq(o.status, 200);
    cr_assert_null(o.body);
    cr_assert_str_eq(o.raw, "ok");
    outcome_clear(&o);
}

/* Returns a port on 127.0.0.1 with nothing listening (it was bound a
 * moment ago, then closed). */
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

Test(k8s_client, connection_refused, .init = setup, .fini = teardown)
{
    char *url = xasprintf("http://127.0.0.1:%d", closed_port());
    struct k8s_config *config = make_config(url, NULL);
    struct k8s_client *down = k8s_client_create(config, loop);
    struct outcome o = { .done = false };
    struct k8s_request_args args = {
        .method = "GET", .path = "/api/v1/pods", .on_done = record_done,
        .aux = &o,
    };

    cr_assert_not_null(k8s_client_request(down, &args));
    cr_assert(run_loop_until(loop, is_done, &o, GENEROUS_MSEC));
    cr_assert_eq(o.status, 0);
    cr_assert_not_null(o.error);
    char *prefix = xasprintf("GET %s/api/v1/pods: ", url);
    cr_assert(str_starts_with(o.error, prefix), "%s", o.error);
    cr_assert(strstr(o.error, "onnect"), "%s", o.error);
    free(prefix);

    /* The blocking variant says the same. */
    char *error;
    json_t *body;
    cr_assert_eq(k8s_client_call(down, &args, &body, &error), 0);
    cr_assert_null(body);
    cr_assert(strstr(error, "onnect"), "%s", error);
    free(error);

    outcome_clear(&o);
    k8s_client_destroy(down);
    k8s_config_destroy(config);
    free(url);
}

Test(k8s_client, token_file_is_read_and_unreadable_one_fails_later,
     .init = setup, .fini = teardown)
{
    char *dir = make_temp_dir();
    char *url = test_http_server_url(server);
    struct k8s_config *config = make_config(url, NULL);
    config->token_file = xasprintf("%s/token", dir);
    write_text_file(dir, "token", "from-file\n");
    struct k8s_client *c = k8s_client_create(config, loop);

    struct outcome o = { .done = false };
    struct k8s_request_args args = {
        .method = "GET", .path = "/echo", .on_done = record_done, .aux = &o,
    };
    cr_assert_not_null(k8s_client_request(c, &args));
    cr_assert(run_loop_until(loop, is_done, &o, GENEROUS_MSEC));
    cr_assert_str_eq(json_string_value(json_object_get(o.body,
                                                       "authorization")),
                     "Bearer from-file");
    outcome_clear(&o);
    k8s_client_destroy(c);

    /* A client that never read the token cannot send: the request fails,
     * reported from the loop rather than from k8s_client_request(). */
    unlink(config->token_file);
    c = k8s_client_create(config, loop);
    o = (struct outcome) { .done = false };
    cr_assert_not_null(k8s_client_request(c, &args));
    cr_assert_not(o.done);
    cr_assert(run_loop_until(loop, is_done, &o, GENEROUS_MSEC));
    cr_assert_eq(o.status, 0);
    char *want = xasprintf("%s: cannot read token: No such file or "
                           "directory", config->token_file);
    cr_assert_str_eq(o.error, want);
    free(want);
    outcome_clear(&o);
    k8s_client_destroy(c);

    k8s_config_destroy(config);
    free(url);
    remove_temp_dir(dir);
}

Test(k8s_client, invalid_arguments_are_refused, .init = setup,
     .fini = teardown)
{
    struct k8s_request_args args = { .method = "BREW", .path = "/x" };
    cr_assert_null(k8s_client_request(client, &args));
    args.method = NULL;
    cr_assert_null(k8s_client_request(client, &args));
    args.method = "GET";
    args.path = "api/v1/pods";
    cr_assert_null(k8s_client_request(client, &args));
    args.path = NULL;
    cr_assert_null(k8s_client_request(client, &args));
}

Test(k8s_client, streamed_lines_across_awkward_chunks, .init = setup,
     .fini = teardown)
{
    struct outcome o = { .done = false };
    struct k8s_request_args args = {
        .method = "GET", .path = "/stream", .on_line = record_line,
    };

    send_and_wait(&args, &o);
    cr_assert_null(o.error, "%s", o.error);
    cr_assert_eq(o.status, 200);
    cr_assert_str_eq(o.lines, "{\"a\":1}|{\"b\":2}||{\"c\":3}|last|");
    cr_assert_str_eq(o.raw, "");
    outcome_clear(&o);

    /* A streaming request whose answer is an error gets the body whole
     * instead. */
    o = (struct outcome) { .done = false };
    args.path = "/notfound";
    send_and_wait(&args, &o);
    cr_assert_eq(o.status, 404);
    cr_assert_eq(o.n_lines, 0);
    cr_assert_str_eq(json_string_value(json_object_get(o.body, "reason")),
                     "NotFound");
    outcome_clear(&o);
}

Test(k8s_client, limits_on_lines_and_bodies, .init = setup,
     .fini = teardown)
{
    struct outcome o = { .done = false };
    struct k8s_request_args args = {
        .method = "GET", .path = "/longline", .on_line = record_line,
        .max_line = 1024,
    };

    send_and_wait(&args, &o);
    cr_assert_str_eq(o.lines, "short|");
    char *want = xasprintf("GET %s/longline: a line of the response is "
                           "longer than 1024 bytes",
                           k8s_client_get_config(client)->server);
    cr_assert_str_eq(o.error, want);
    free(want);
    outcome_clear(&o);

    o = (struct outcome) { .done = false };
    args = (struct k8s_request_args) {
        .method = "GET", .path = "/big", .max_body = 100,
    };
    send_and_wait(&args, &o);
    cr_assert(strstr(o.error, "the response body is larger than 100 "
                     "bytes"), "%s", o.error);
    outcome_clear(&o);
}

Test(k8s_client, timeout, .init = setup, .fini = teardown)
{
    struct outcome o = { .done = false };
    struct k8s_request_args args = {
        .method = "GET", .path = "/hold", .on_line = record_line,
        .timeout_ms = 300,
    };
    long long start = time_msec();

    send_and_wait(&args, &o);
    long long elapsed = time_msec() - start;
    cr_assert_str_eq(o.lines, "one|two|three|");
    cr_assert_not_null(o.error);
    cr_assert(strstr(o.error, "imeout") || strstr(o.error, "timed out"),
              "%s", o.error);
    cr_assert_geq(elapsed, 300);
    cr_assert_lt(elapsed, 5000);
    outcome_clear(&o);
}

/* A loop condition: the outcome has seen three lines. */
static bool
has_three_lines(void *o_)
{
    const struct outcome *o = o_;
    return o->n_lines >= 3;
}

Test(k8s_client, cancel_stops_callbacks_and_closes, .init = setup,
     .fini = teardown)
{
    struct outcome o = { .done = false };
    struct k8s_request_args args = {
        .method = "GET", .path = "/hold", .on_line = record_line,
        .on_done = record_done, .aux = &o,
    };

    o.req = k8s_client_request(client, &args);
    cr_assert(run_loop_until(loop, has_three_lines, &o, GENEROUS_MSEC));
    cr_assert_str_eq(o.lines, "one|two|three|");
    cr_assert_not(is_hold_closed(NULL));
    k8s_request_cancel(o.req);
    cr_assert(run_loop_until(loop, is_hold_closed, NULL, GENEROUS_MSEC),
              "the server did not see the connection close");
    run_loop_for(loop, 50);
    cr_assert_not(o.done, "on_done was called after cancel");

    /* The connection is gone: a new request works (on a new one). */
    struct outcome o2 = { .done = false };
    struct k8s_request_args args2 = { .method = "GET", .path = "/echo" };
    send_and_wait(&args2, &o2);
    cr_assert_eq(o2.status, 200);
    outcome_clear(&o2);
    outcome_clear(&o);
}

Test(k8s_client, cancel_and_request_from_inside_callbacks, .init = setup,
     .fini = teardown)
{
    struct outcome next = { .done = false };
    struct outcome o = {
        .done = false, .client = client, .cancel_after_lines = 2,
        .follow_up = &next, .follow_up_path = "/echo",
    };
    struct k8s_request_args args = {
        .method = "GET", .path = "/hold", .on_line = record_line,
        .on_done = record_done, .aux = &o,
    };

    o.req = k8s_client_request(client, &args);
    cr_assert(run_loop_until(loop, is_done, &next, GENEROUS_MSEC));
    cr_assert_str_eq(o.lines, "one|two|", "lines after the cancel");
    cr_assert_not(o.done);
    cr_assert_eq(next.status, 200);
    outcome_clear(&next);

    /* A request started from on_done works too. */
    struct outcome third = { .done = false };
    struct outcome second = {
        .done = false, .client = client, .follow_up = &third,
        .follow_up_path = "/text",
    };
    struct k8s_request_args args2 = {
        .method = "GET", .path = "/echo", .on_done = record_done,
        .aux = &second,
    };
    cr_assert_not_null(k8s_client_request(client, &args2));
    cr_assert(run_loop_until(loop, is_done, &third, GENEROUS_MSEC));
    cr_assert_str_eq(third.raw, "ok");
    outcome_clear(&second);
    outcome_clear(&third);
    outcome_clear(&o);
}

/* A loop condition: every one of 20 outcomes is done. */
static bool
all_done(void *outcomes_)
{
    const struct outcome *outcomes = outcomes_;
    for (size_t i = 0; i < 20; i++) {
        if (!outcomes[i].done) {
            return false;
        }
    }
    return true;
}

Test(k8s_client, many_requests_at_once, .init = setup, .fini = teardown)
{
    struct outcome outcomes[20];
    memset(outcomes, 0, sizeof outcomes);

    for (size_t i = 0; i < ARRAY_SIZE(outcomes); i++) {
        char *path = xasprintf("/%s?i=%zu", i % 2 ? "echo" : "slow", i);
        struct k8s_request_args args = {
            .method = "GET", .path = path, .on_done = record_done,
            .aux = &outcomes[i],
        };
        cr_assert_not_null(k8s_client_request(client, &args));
        free(path);
    }
    long long start = time_msec();
    cr_assert(run_loop_until(loop, all_done, outcomes, GENEROUS_MSEC));
    for (size_t i = 0; i < ARRAY_SIZE(outcomes); i++) {
        cr_assert_eq(outcomes[i].status, 200, "request %zu: %s", i,
                     outcomes[i].error);
        outcome_clear(&outcomes[i]);
    }
    /* Ten slow answers of 300 ms each ran side by side. */
    cr_assert_lt(time_msec() - start, 2500);
}

/* Arguments of a blocking call made in another thread. */
struct call_in_thread {
    long status;                /* what it returned */
    json_t *body;               /* its body */
    char *error;                /* its error */
};

/* Makes a blocking call of GET /echo on the test's client. */
static void *
call_main(void *c_)
{
    struct call_in_thread *c = c_;
    struct k8s_request_args args = { .method = "POST", .path = "/echo" };
    c->status = k8s_client_call(client, &args, &c->body, &c->error);
    return NULL;
}

Test(k8s_client, blocking_call, .init = setup, .fini = teardown)
{
    json_t *review = json_pack("{s:s,s:{s:s}}", "kind", "TokenReview",
                               "spec", "token", "abc");
    struct k8s_request_args args = {
        .method = "POST", .path = "/echo", .body = review,
    };
    json_t *body;
    char *error;

    cr_assert_eq(k8s_client_call(client, &args, &body, &error), 200);
    cr_assert_null(error);
    cr_assert_str_eq(json_string_value(json_object_get(body, "body")),
                     "{\"kind\":\"TokenReview\",\"spec\":{\"token\":"
                     "\"abc\"}}");
    cr_assert_str_eq(json_string_value(json_object_get(body,
                                                       "authorization")),
                     "Bearer t0k3n");
    json_decref(body);
    json_decref(review);

    args = (struct k8s_request_args) { .method = "GET", .path = "/notfound" };
    cr_assert_eq(k8s_client_call(client, &args, &body, NULL), 404);
    cr_assert_str_eq(json_string_value(json_object_get(body, "reason")),
                     "NotFound");
    json_decref(body);

    /* From another thread while the loop runs a request. */
    struct outcome o = { .done = false };
    struct k8s_request_args slow = { .method = "GET", .path = "/slow" };
    slow.on_done = record_done;
    slow.aux = &o;
    cr_assert_not_null(k8s_client_request(client, &slow));
    struct call_in_thread c = { .status = 0 };
    pthread_t thread;
    pthread_create(&thread, NULL, call_main, &c);
    cr_assert(run_loop_until(loop, is_done, &o, GENEROUS_MSEC));
    pthread_join(thread, NULL);
    cr_assert_eq(c.status, 200, "%s", c.error);
    cr_assert_eq(o.status, 200);
    json_decref(c.body);
    outcome_clear(&o);
}
