/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A CNI server handler for tests (core/lib/cni-server.h): it answers ADD
 * with a canned result built from the request (a host and a container
 * interface, an IPv4 and an IPv6 address, a default route, DNS), and DEL,
 * CHECK, STATUS and GC with success, each after a configurable delay, or
 * never.  It records when it started and answered each request, so tests
 * can see whether calls overlapped.  The handler is test code; the server,
 * the client and the protocol it exercises are the real ones.
 *
 * Container IDs starting with "fail-" get IPAM_FAILURE (101) with details,
 * to test that an agent's error reaches the runtime intact.
 */

#ifndef CNI_TEST_HANDLER_H
#define CNI_TEST_HANDLER_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cni-env.h"
#include "cni-server.h"

struct event_loop;

/* One request the handler saw. */
struct cni_test_event {
    enum cni_command command;   /* what */
    char *container_id;         /* for whom, or NULL */
    long long started;          /* time_msec() at dispatch */
    long long answered;         /* time_msec() at the answer, or 0 */
};

/* A request waiting for its answer. */
struct cni_test_pending {
    struct cni_request *req;    /* the handle */
    long long due;              /* when to answer; LLONG_MAX: never */
    size_t event;               /* index into 'events' */
};

/* The handler's state. */
struct cni_test_handler {
    struct event_loop *loop;    /* for timers */
    int delay_ms;               /* answer this long after dispatch */
    bool never_reply;           /* keep ADD, DEL, CHECK unanswered */
    int status_code;            /* STATUS answers this error; 0: success */
    FILE *log;                  /* "<msec> start|end CMD ID" lines, or
                                   NULL */

    struct cni_test_pending *pending; /* unanswered requests */
    size_t n_pending;
    size_t allocated_pending;

    struct cni_test_event *events; /* every request, in dispatch order */
    size_t n_events;
    size_t allocated_events;
};

extern const struct cni_server_handler cni_test_handler_ops;

void cni_test_handler_init(struct cni_test_handler *, struct event_loop *);
void cni_test_handler_destroy(struct cni_test_handler *);
void cni_test_handler_run(struct cni_test_handler *);
void cni_test_handler_wait(struct cni_test_handler *);

#endif /* cni-test-handler.h */
