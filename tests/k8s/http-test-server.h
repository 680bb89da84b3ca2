/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A small real HTTP/1.1 server for the Kubernetes client's tests: it
 * listens on 127.0.0.1 (an ephemeral port), serves each connection in a
 * thread of its own (so a held-open watch does not stop other requests),
 * keeps connections alive, records every request, and lets the test's
 * handler answer however it likes: plain or chunked, in pieces of any
 * size, cut short, or held open until the client goes away.  The tests
 * replay recorded answers of a real kube-apiserver through it.
 *
 * The server owns the requests it records; they live until
 * test_http_server_stop().
 */

#ifndef HTTP_TEST_SERVER_H
#define HTTP_TEST_SERVER_H 1

#include <stdbool.h>
#include <stddef.h>

struct test_http_server;
struct test_http_conn;

/* A request as received. */
struct test_http_request {
    size_t index;               /* 0 for the server's first request */
    char *method;               /* "GET"... */
    char *target;               /* path and query as sent */
    char *path;                 /* 'target' before any '?' */
    char *query;                /* 'target' after the '?', or "" */
    char *headers;              /* the header lines, each ending "\r\n" */
    char *body;                 /* NUL-terminated */
    size_t body_size;           /* bytes in 'body' */
};

/* Answers 'request' on 'conn'; runs in the connection's thread. */
typedef void test_http_handler(struct test_http_conn *conn,
                               const struct test_http_request *request,
                               void *aux);

struct test_http_server *test_http_server_start(test_http_handler *,
                                                void *aux);
void test_http_server_stop(struct test_http_server *);
int test_http_server_port(const struct test_http_server *);
char *test_http_server_url(const struct test_http_server *);
size_t test_http_server_n_requests(struct test_http_server *);
const struct test_http_request *test_http_server_request(
    struct test_http_server *, size_t index);
bool test_http_server_wait_requests(struct test_http_server *, size_t n,
                                    int timeout_ms);

/* Request helpers. */
char *test_http_request_header(const struct test_http_request *,
                               const char *name);
char *test_http_request_param(const struct test_http_request *,
                              const char *key);

/* Answering, from a handler.  Each returns false if the client is gone. */
bool test_http_send(struct test_http_conn *, const void *data, size_t);
bool test_http_send_response(struct test_http_conn *, int status,
                             const char *extra_headers, const void *body,
                             size_t size);
bool test_http_send_chunked_head(struct test_http_conn *, int status,
                                 const char *extra_headers);
bool test_http_send_chunk(struct test_http_conn *, const void *data,
                          size_t);
bool test_http_end_chunks(struct test_http_conn *);
void test_http_close_after(struct test_http_conn *);
bool test_http_wait_closed(struct test_http_conn *, int timeout_ms);
const char *test_http_reason(int status);

#endif /* http-test-server.h */
