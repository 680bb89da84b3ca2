/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers shared by the Kubernetes client's tests: reading the recorded
 * apiserver answers in tests/k8s/fixtures/, replaying them through the
 * test HTTP server (http-test-server.h) the way the apiserver sent them,
 * running the event loop until a condition holds (bounded in time), and
 * capturing log output to check what was logged.
 *
 * Functions that the server's threads call never use criterion's
 * assertions; they abort with a message instead.
 */

#ifndef K8S_TEST_UTIL_H
#define K8S_TEST_UTIL_H 1

#include <stdbool.h>
#include <stddef.h>

struct event_loop;
struct test_http_conn;

/* Liveness bound for anything that should finish "soon". */
#define GENEROUS_MSEC 10000

char *fixture_read(const char *name, size_t *sizep);
char *fixture_path(const char *name);

/* How a recorded watch (a .jsonl file) is replayed. */
struct replay_options {
    size_t chunk_size;          /* 0: one chunk per event, as the apiserver
                                   sends them; else the events' bytes cut
                                   into chunks of this size regardless of
                                   line boundaries */
    enum {
        REPLAY_END,             /* end the body cleanly (timeoutSeconds) */
        REPLAY_HOLD,            /* keep it open until the client goes */
        REPLAY_CUT,             /* close the connection mid-body */
    } ending;
};

bool replay_recorded(struct test_http_conn *, const char *base,
                     const struct replay_options *);
bool replay_hold_empty_watch(struct test_http_conn *);

typedef bool loop_condition_func(void *aux);
bool run_loop_until(struct event_loop *, loop_condition_func *, void *aux,
                    long long timeout_ms);
void run_loop_for(struct event_loop *, long long msec);

void log_capture_start(void);
char *log_capture_text(void);
void log_capture_stop(void);

char *make_temp_dir(void);
void write_text_file(const char *dir, const char *name, const char *text);
void remove_temp_dir(char *dir);

#endif /* k8s-test-util.h */
