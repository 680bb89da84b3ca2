/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's CNI server: listens on a unix socket for antrea-cni's
 * requests (cni-protocol.h), checks them, and hands each to a handler
 * (the agent's Pod network code) through callbacks, one at a time per
 * container; the handler answers whenever it is done, possibly many loop
 * iterations later (ADD answers only once the Pod's flows are installed).
 *
 * The server lives in the agent's event loop: cni_server_run() does all
 * its work without blocking (accepting, reading requests, writing replies,
 * dispatching, expiring connections), cni_server_wait() registers what
 * should wake the loop next.  A slow or stuck client never blocks the
 * loop: each connection has its own buffers and a deadline for sending
 * its request and for taking its reply.
 *
 * What the handler sees.  The server decodes each request, validates the
 * CNI_* values, CNI_ARGS and the network configuration with the same rules
 * as antrea-cni (cni-env.h, cni-config.h), and answers malformed requests
 * itself with the right CNI error; the handler only sees well-formed
 * requests.  Requests for one container ID (ADD, DEL, CHECK) form a queue:
 * the next is dispatched only once the handler has answered the previous
 * one, so calls for one container never overlap, as Antrea's
 * containerAccessArbitrator ensures.  Requests for different containers,
 * and STATUS and GC (which have no container), are dispatched as soon as
 * they arrive.  Dispatching happens in cni_server_run(), never inside a
 * cni_server_reply_*() call, so a handler may answer from inside its
 * callback without recursion.
 *
 * Request handles.  A dispatched request must be answered exactly once
 * with one of the cni_server_reply_*() functions, which frees it.  The
 * handle stays valid until then even if the client goes away or the
 * server is destroyed (the answer is then dropped), so the handler never
 * has to track that.  A client that closes its connection (or half-closes
 * it) before its answer abandons the request: if the request was not
 * dispatched yet, it is dropped; if it was, the handler's work goes on
 * (an ADD in progress still holds its container's queue until answered).
 *
 * Threads: everything here, the cni_server_reply_*() functions included,
 * runs on the event loop's thread.  A callback must not destroy the
 * server.
 */

#ifndef CNI_SERVER_H
#define CNI_SERVER_H 1

#include <stdbool.h>
#include <stddef.h>

#include "antrea/host-api.h"    /* ANTREA_PRINTF_FORMAT */
#include "cni-env.h"

struct cni_net_conf;
struct cni_result;
struct cni_server;
struct event_loop;

/* A request being handled (opaque). */
struct cni_request;

/* A request as the handler sees it.  Everything is owned by the request
 * and valid until it is answered. */
struct cni_request_args {
    enum cni_command command;   /* ADD, DEL, CHECK, STATUS or GC */
    const char *container_id;   /* CNI_CONTAINERID; NULL for STATUS, GC */
    const char *netns;          /* CNI_NETNS; may be NULL for DEL, and is
                                   for STATUS and GC */
    const char *ifname;         /* CNI_IFNAME; NULL for STATUS, GC */
    const char *cni_args;       /* CNI_ARGS, unparsed, or NULL */
    const char *cni_path;       /* CNI_PATH, or NULL for STATUS */
    const struct cni_k8s_args *k8s; /* CNI_ARGS parsed (members NULL when
                                       absent) */
    const struct cni_net_conf *conf; /* the network configuration, parsed
                                        and checked for this command */
    const char *network_config; /* ... as received, NUL-terminated */
    size_t network_config_size; /* its length */
};

/* The handler: one callback per command.  Each gets the handler's 'aux',
 * the request handle to answer and the request's arguments.  A NULL
 * callback answers for itself: STATUS and GC succeed; ADD, DEL and CHECK
 * fail with TRY_AGAIN_LATER ("antrea-agent is not ready"). */
struct cni_server_handler {
    void (*add)(void *aux, struct cni_request *,
                const struct cni_request_args *);
    void (*del)(void *aux, struct cni_request *,
                const struct cni_request_args *);
    void (*check)(void *aux, struct cni_request *,
                  const struct cni_request_args *);
    void (*status)(void *aux, struct cni_request *,
                   const struct cni_request_args *);
    void (*gc)(void *aux, struct cni_request *,
               const struct cni_request_args *);

    /* Optional event loop steps of a handler that works asynchronously:
     * cni_server_run() calls 'run' after dispatching every pending request
     * (so requests that arrived together can be handled as one batch),
     * cni_server_wait() calls 'wait' with the server's loop.  Either may
     * be NULL. */
    void (*run)(void *aux);
    void (*wait)(void *aux, struct event_loop *);
};

/* Settings; a member left 0 or NULL takes its default. */
struct cni_server_options {
    const char *socket_path;    /* default CNI_DEFAULT_SOCKET */
    int io_timeout_ms;          /* time a client has to send its request,
                                   and to take its reply; default 10000 */
    size_t max_connections;     /* open connections at most; more wait in
                                   the listen queue; default 256 */
    /* For metrics (docs/metrics.md): called as each request is answered,
     * with its command, whether it succeeded, and the seconds since it
     * arrived; NULL for none. */
    void (*request_done)(void *aux, enum cni_command, bool ok,
                         double seconds);
    void *request_done_aux;     /* its 'aux' */
};

/* Life cycle. */
int cni_server_create(struct event_loop *, const struct cni_server_options *,
                      const struct cni_server_handler *, void *aux,
                      struct cni_server **serverp, char **errorp);
void cni_server_destroy(struct cni_server *);
const char *cni_server_socket_path(const struct cni_server *);

/* Event loop steps. */
void cni_server_run(struct cni_server *);
void cni_server_wait(struct cni_server *);

/* Answering. */
void cni_server_reply_result(struct cni_request *, const struct cni_result *);
void cni_server_reply_json(struct cni_request *, const char *json);
void cni_server_reply_error(struct cni_request *, int code,
                            const char *details, const char *format, ...)
    ANTREA_PRINTF_FORMAT(4, 5);

/* Introspection, for logs and diagnostics. */
const struct cni_request_args *cni_request_get_args(
    const struct cni_request *);
bool cni_request_is_abandoned(const struct cni_request *);
size_t cni_server_n_connections(const struct cni_server *);
size_t cni_server_n_pending(const struct cni_server *);

#endif /* cni-server.h */
