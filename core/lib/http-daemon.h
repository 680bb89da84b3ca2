/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * libmicrohttpd on the event loop: one shared way for every HTTP server
 * of the programs (the controller's API, its status page, the agent's
 * local API) to start an MHD daemon in its external epoll mode and run it
 * as a task of the loop, so that no server starts a thread.
 *
 * The task's run step calls MHD_run(); its wait step waits on MHD's epoll
 * fd and MHD's own timeout.  MHD's messages go to our log, prefixed with
 * the server's name.  Binding: an IPv4 or IPv6 address, or every address
 * (dual stack, falling back to IPv4 where there is no IPv6), or a socket
 * the caller already listens on (a unix socket).
 *
 * With a certificate it serves HTTPS (GnuTLS through MHD).  Responses
 * with a body in memory go through http_daemon_respond(), the one place
 * that builds and queues them for every server.
 *
 * Ownership: the daemon borrows the loop, which must outlive it; it
 * copies the parameters it keeps (the key is wiped when it stops).
 */

#ifndef HTTP_DAEMON_H
#define HTTP_DAEMON_H 1

#include <microhttpd.h>

struct event_loop;
struct http_daemon;

/* How to start.  Zero members mean the defaults. */
struct http_daemon_params {
    const char *name;           /* names the server in messages and the
                                   loop's task, e.g. "status page" */
    const char *address;        /* IP address to bind; NULL or "" for
                                   every address (IPv6 and IPv4) */
    int port;                   /* TCP port, 0 to 65535; 0 picks one */
    int listen_fd;              /* if > 0, serve this listening socket
                                   instead of 'address' and 'port' (MHD
                                   closes it when stopped) */
    unsigned int flags;         /* MHD_USE_* flags besides MHD_USE_EPOLL,
                                   MHD_USE_ERROR_LOG and MHD_USE_TLS, e.g.
                                   MHD_ALLOW_SUSPEND_RESUME */
    const char *cert_pem;       /* if not NULL, serve HTTPS with this
                                   certificate (PEM) ... */
    const char *key_pem;        /* ... and its key (PEM) */
    const char *priorities;     /* GnuTLS priorities for HTTPS, or NULL
                                   for GnuTLS's defaults */
    const struct MHD_OptionItem *options; /* more MHD options, ended by
                                             MHD_OPTION_END; or NULL */
    MHD_AccessHandlerCallback handler; /* answers requests */
    void *handler_cls;          /* its first argument */
};

/* A header of a response. */
struct http_header {
    const char *name;           /* e.g. "Cache-Control"; NULL ends a list */
    const char *value;          /* its value */
};

/* Starts a daemon per 'params' and adds its task to 'loop': it listens
 * now and serves from the loop's next iterations.  Returns NULL with a
 * malloc'd message in '*errorp' (naming the server, the address and the
 * reason) if it cannot. */
struct http_daemon *http_daemon_start(struct event_loop *,
                                      const struct http_daemon_params *,
                                      char **errorp);

/* Stops the daemon (MHD closes every connection and calls its completion
 * callback for each request), removes its task and frees it.  Accepts
 * NULL. */
void http_daemon_stop(struct http_daemon *);

/* Lets MHD do whatever is ready now, outside the loop (e.g. to take back
 * resumed connections before stopping). */
void http_daemon_run(struct http_daemon *);

/* The MHD daemon, for MHD calls on it. */
struct MHD_Daemon *http_daemon_mhd(const struct http_daemon *);

/* The TCP port listened on (0 for a caller's socket that is not TCP). */
int http_daemon_port(const struct http_daemon *);

/* Queues on 'conn' the answer 'status' with 'size' bytes 'data' (malloc'd;
 * MHD frees it, or this does if it cannot), of 'content_type', plus the
 * 'headers' (ended by a NULL name; or NULL).  Returns MHD's result. */
enum MHD_Result http_daemon_respond(struct MHD_Connection *,
                                    unsigned int status,
                                    const char *content_type,
                                    void *data, size_t size,
                                    const struct http_header *headers);

#endif /* http-daemon.h */
