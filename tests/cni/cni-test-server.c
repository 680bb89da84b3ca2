/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A stand-in antrea-agent for tests/cni/test-antrea-cni.sh: the real CNI
 * server (core/lib/cni-server.c) in a real event loop, with the canned
 * handler of cni-test-handler.h.  Runs until SIGTERM or SIGINT.
 *
 *   cni-test-server --socket PATH [--delay-ms N] [--never-reply]
 *                   [--status-error CODE] [--log FILE]
 */

#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni-server.h"
#include "cni-test-handler.h"
#include "event-loop.h"
#include "log.h"

static void server_run(void *);
static void server_wait(void *);
static void handler_run(void *);
static void handler_wait(void *);

/* Parses the options, serves until a signal, then cleans up. */
int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "socket", required_argument, NULL, 's' },
        { "delay-ms", required_argument, NULL, 'd' },
        { "never-reply", no_argument, NULL, 'n' },
        { "status-error", required_argument, NULL, 'e' },
        { "log", required_argument, NULL, 'l' },
        { NULL, 0, NULL, 0 },
    };
    struct event_loop *loop = event_loop_create();
    struct cni_server_options server_options = { .socket_path = NULL };
    struct cni_test_handler handler;
    int opt;

    cni_test_handler_init(&handler, loop);
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            server_options.socket_path = optarg;
            break;
        case 'd':
            handler.delay_ms = atoi(optarg);
            break;
        case 'n':
            handler.never_reply = true;
            break;
        case 'e':
            handler.status_code = atoi(optarg);
            break;
        case 'l':
            handler.log = fopen(optarg, "a");
            if (!handler.log) {
                perror(optarg);
                return 1;
            }
            break;
        default:
            fprintf(stderr, "usage: %s --socket PATH [--delay-ms N] "
                    "[--never-reply] [--status-error CODE] [--log FILE]\n",
                    argv[0]);
            return 2;
        }
    }
    if (!server_options.socket_path) {
        fprintf(stderr, "%s: --socket is required\n", argv[0]);
        return 2;
    }

    struct cni_server *server;
    char *error;
    if (cni_server_create(loop, &server_options, &cni_test_handler_ops,
                          &handler, &server, &error)) {
        fprintf(stderr, "%s: %s\n", argv[0], error);
        free(error);
        return 1;
    }
    if (event_loop_catch_signals(loop, NULL, 0)) {
        return 1;
    }
    event_loop_add_task(loop, "cni-server", server_run, server_wait, server);
    event_loop_add_task(loop, "test-handler", handler_run, handler_wait,
                        &handler);
    event_loop_run(loop);

    cni_server_destroy(server);
    if (handler.log) {
        fclose(handler.log);
        handler.log = NULL;
    }
    cni_test_handler_destroy(&handler);
    event_loop_destroy(loop);
    return 0;
}

/* The server's run step, as an event loop task. */
static void
server_run(void *server)
{
    cni_server_run(server);
}

/* The server's wait step, as an event loop task. */
static void
server_wait(void *server)
{
    cni_server_wait(server);
}

/* The handler's run step (answers that are due), as a task. */
static void
handler_run(void *handler)
{
    cni_test_handler_run(handler);
}

/* The handler's wait step (timers for answers), as a task. */
static void
handler_wait(void *handler)
{
    cni_test_handler_wait(handler);
}
