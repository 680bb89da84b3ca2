/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The canned CNI handler for tests; see cni-test-handler.h.
 */

#include <config.h>
#include "cni-test-handler.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cni-config.h"
#include "cni-error.h"
#include "cni-result.h"
#include "event-loop.h"
#include "util.h"

static void handle(void *aux, struct cni_request *,
                   const struct cni_request_args *);
static void answer(struct cni_test_handler *, struct cni_test_pending *);
static void log_event(struct cni_test_handler *, const char *what,
                      const struct cni_test_event *);

/* Every command goes to handle(). */
const struct cni_server_handler cni_test_handler_ops = {
    .add = handle,
    .del = handle,
    .check = handle,
    .status = handle,
    .gc = handle,
};

/* Initializes 'h' to answer at once, using 'loop' for timers. */
void
cni_test_handler_init(struct cni_test_handler *h, struct event_loop *loop)
{
    memset(h, 0, sizeof *h);
    h->loop = loop;
}

/* Answers every request 'h' still holds with TRY_AGAIN_LATER (the server
 * API requires an answer) and frees what 'h' holds. */
void
cni_test_handler_destroy(struct cni_test_handler *h)
{
    for (size_t i = 0; i < h->n_pending; i++) {
        cni_server_reply_error(h->pending[i].req, CNI_ERR_TRY_AGAIN_LATER,
                               NULL, "the test handler is shutting down");
    }
    free(h->pending);
    for (size_t i = 0; i < h->n_events; i++) {
        free(h->events[i].container_id);
    }
    free(h->events);
    memset(h, 0, sizeof *h);
}

/* Answers the requests whose time has come. */
void
cni_test_handler_run(struct cni_test_handler *h)
{
    long long now = time_msec();

    for (size_t i = 0; i < h->n_pending; ) {
        if (h->pending[i].due <= now) {
            struct cni_test_pending p = h->pending[i];
            h->pending[i] = h->pending[--h->n_pending];
            answer(h, &p);
        } else {
            i++;
        }
    }
}

/* Wakes the loop when the next answer is due. */
void
cni_test_handler_wait(struct cni_test_handler *h)
{
    for (size_t i = 0; i < h->n_pending; i++) {
        if (h->pending[i].due != LLONG_MAX) {
            event_loop_timer_wait_until(h->loop, h->pending[i].due);
        }
    }
}

/* The callback for every command: records the request and schedules its
 * answer. */
static void
handle(void *aux, struct cni_request *req,
       const struct cni_request_args *args)
{
    struct cni_test_handler *h = aux;

    if (h->n_events >= h->allocated_events) {
        h->events = x2nrealloc(h->events, &h->allocated_events,
                               sizeof *h->events);
    }
    struct cni_test_event *e = &h->events[h->n_events];
    e->command = args->command;
    e->container_id = args->container_id ? xstrdup(args->container_id)
                                         : NULL;
    e->started = time_msec();
    e->answered = 0;
    log_event(h, "start", e);

    struct cni_test_pending p = {
        .req = req,
        .due = ((h->never_reply && args->command != CNI_CMD_STATUS)
                ? LLONG_MAX : e->started + h->delay_ms),
        .event = h->n_events++,
    };
    if (p.due <= e->started) {
        answer(h, &p);
    } else {
        if (h->n_pending >= h->allocated_pending) {
            h->pending = x2nrealloc(h->pending, &h->allocated_pending,
                                    sizeof *h->pending);
        }
        h->pending[h->n_pending++] = p;
    }
}

/* Answers 'p''s request. */
static void
answer(struct cni_test_handler *h, struct cni_test_pending *p)
{
    const struct cni_request_args *args = cni_request_get_args(p->req);
    struct cni_test_event *e = &h->events[p->event];

    e->answered = time_msec();
    log_event(h, "end", e);

    if (args->container_id && !strncmp(args->container_id, "fail-", 5)) {
        cni_server_reply_error(p->req, CNI_ERR_IPAM_FAILURE,
                               "range 10.10.1.0/24 is exhausted",
                               "no IP address left for container %s",
                               args->container_id);
    } else if (args->command == CNI_CMD_STATUS && h->status_code) {
        cni_server_reply_error(p->req, h->status_code, NULL,
                               "the test agent is not ready");
    } else if (args->command == CNI_CMD_ADD) {
        struct cni_result result;
        cni_result_init(&result);
        cni_result_add_interface(&result, "antrea-test0",
                                 "aa:bb:cc:00:00:01", NULL);
        cni_result_add_interface(&result, args->ifname,
                                 "aa:bb:cc:00:00:02", args->netns);
        cni_result_add_ip(&result, "10.10.1.5/24", "10.10.1.1", 1);
        cni_result_add_ip(&result, "fd00:10:10:1::5/64", "fd00:10:10:1::1",
                          1);
        cni_result_add_route(&result, "0.0.0.0/0", "10.10.1.1");
        cni_dns_add_nameserver(&result.dns, "10.96.0.10");
        cni_server_reply_result(p->req, &result);
        cni_result_destroy(&result);
    } else {
        cni_server_reply_result(p->req, NULL);
    }
}

/* Writes a line about 'e' to the handler's log, if it has one. */
static void
log_event(struct cni_test_handler *h, const char *what,
          const struct cni_test_event *e)
{
    if (h->log) {
        fprintf(h->log, "%lld %s %s %s\n", time_msec(), what,
                cni_command_name(e->command),
                e->container_id ? e->container_id : "-");
        fflush(h->log);
    }
}
