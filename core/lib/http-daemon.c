/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * libmicrohttpd on the event loop (http-daemon.h): starting MHD in its
 * external epoll mode on an address or a given socket, and the loop task
 * that runs it.
 */

#include <config.h>

#include "http-daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "event-loop.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(http_daemon);

/* The longest MHD_get_timeout() wait we trust before calling MHD again. */
#define HTTP_DAEMON_MAX_WAIT_MS 60000

struct http_daemon {
    char *name;                 /* the server's name, for messages */
    struct event_loop *loop;    /* the loop it runs on (not owned) */
    struct event_loop_task *task; /* its task in 'loop' */
    struct MHD_Daemon *mhd;     /* libmicrohttpd */
    int epoll_fd;               /* MHD's epoll fd, to wait on */
    int port;                   /* the TCP port listened on, or 0 */
    char *cert_pem;             /* HTTPS certificate (MHD reads it while
                                   it runs), or NULL */
    char *key_pem;              /* its key, wiped when freed */
    char *priorities;           /* GnuTLS priorities, or NULL */
};

/* Logs libmicrohttpd's messages through our log, naming the server. */
static void
mhd_logger(void *d_, const char *format, va_list args)
{
    struct http_daemon *d = d_;
    char *message = xvasprintf(format, args);
    size_t length = strlen(message);

    while (length && message[length - 1] == '\n') {
        message[--length] = '\0';
    }
    LOG_WARN("%s: libmicrohttpd: %s", d->name, message);
    free(message);
}

/* Returns 'params''s address as the messages show it. */
static char *
address_text(const struct http_daemon_params *params)
{
    if (params->address && params->address[0]) {
        return xasprintf("[%s] port %d", params->address, params->port);
    }
    return xasprintf("every address port %d", params->port);
}

/* Starts MHD for 'd' with 'params'; 'dual_stack' asks for an IPv6 socket
 * that also takes IPv4.  Returns NULL or a malloc'd error. */
static char *
start_mhd(struct http_daemon *d, const struct http_daemon_params *params,
          bool dual_stack)
{
    static const struct MHD_OptionItem no_options[] = {
        { MHD_OPTION_END, 0, NULL },
    };
    unsigned int flags = params->flags | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem options[7];
    size_t n = 0;
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;

    /* The logger first, so that MHD logs nothing on its own. */
    options[n++] = (struct MHD_OptionItem) {
        MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) mhd_logger, d };
    if (params->listen_fd > 0) {
        options[n++] = (struct MHD_OptionItem) {
            MHD_OPTION_LISTEN_SOCKET, params->listen_fd, NULL };
    } else if (params->address && params->address[0]) {
        memset(&sin, 0, sizeof sin);
        memset(&sin6, 0, sizeof sin6);
        if (inet_pton(AF_INET, params->address, &sin.sin_addr) == 1) {
            sin.sin_family = AF_INET;
            sin.sin_port = htons(params->port);
            options[n++] = (struct MHD_OptionItem) {
                MHD_OPTION_SOCK_ADDR, 0, &sin };
        } else if (inet_pton(AF_INET6, params->address,
                             &sin6.sin6_addr) == 1) {
            sin6.sin6_family = AF_INET6;
            sin6.sin6_port = htons(params->port);
            flags |= MHD_USE_IPv6;
            options[n++] = (struct MHD_OptionItem) {
                MHD_OPTION_SOCK_ADDR, 0, &sin6 };
        } else {
            return xasprintf("%s: bind address \"%s\" is not an IPv4 or "
                             "IPv6 address", d->name, params->address);
        }
    } else if (dual_stack) {
        flags |= MHD_USE_DUAL_STACK;
    }
    if (params->listen_fd <= 0) {
        options[n++] = (struct MHD_OptionItem) {
            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL };
    }
    if (d->cert_pem) {
        flags |= MHD_USE_TLS;
        options[n++] = (struct MHD_OptionItem) {
            MHD_OPTION_HTTPS_MEM_CERT, 0, d->cert_pem };
        options[n++] = (struct MHD_OptionItem) {
            MHD_OPTION_HTTPS_MEM_KEY, 0, d->key_pem };
        if (d->priorities) {
            options[n++] = (struct MHD_OptionItem) {
                MHD_OPTION_HTTPS_PRIORITIES, 0, d->priorities };
        }
    }
    options[n++] = (struct MHD_OptionItem) { MHD_OPTION_END, 0, NULL };

    errno = 0;
    d->mhd = MHD_start_daemon(flags, params->listen_fd > 0 ? 0
                              : (uint16_t) params->port,
                              NULL, NULL, params->handler,
                              params->handler_cls,
                              MHD_OPTION_ARRAY, options,
                              MHD_OPTION_ARRAY,
                              params->options ? params->options
                                              : no_options,
                              MHD_OPTION_END);
    if (!d->mhd) {
        int error = errno;
        char *where = (params->listen_fd > 0
                       ? xasprintf("socket %d", params->listen_fd)
                       : address_text(params));
        char *message = xasprintf(
            "%s: cannot listen on %s: %s", d->name, where,
            (error ? strerror(error)
             : "libmicrohttpd refused the settings (see the log)"));
        free(where);
        return message;
    }
    return NULL;
}

/* The loop's run step: lets MHD do what is ready. */
static void
http_daemon_task_run(void *d_)
{
    struct http_daemon *d = d_;
    MHD_run(d->mhd);
}

/* The loop's wait step: MHD's epoll fd and its next timeout. */
static void
http_daemon_task_wait(void *d_)
{
    struct http_daemon *d = d_;
    MHD_UNSIGNED_LONG_LONG timeout;

    if (d->epoll_fd >= 0) {
        event_loop_fd_wait(d->loop, d->epoll_fd, POLLIN);
    }
    if (MHD_get_timeout(d->mhd, &timeout) == MHD_YES) {
        event_loop_timer_wait(d->loop, (timeout > HTTP_DAEMON_MAX_WAIT_MS
                                        ? HTTP_DAEMON_MAX_WAIT_MS
                                        : (long long) timeout));
    }
}

/* Frees 'd' (whose MHD daemon is stopped or never started), wiping the
 * key. */
static void
http_daemon_free(struct http_daemon *d)
{
    if (d->key_pem) {
        memset(d->key_pem, 0, strlen(d->key_pem));
    }
    free(d->key_pem);
    free(d->cert_pem);
    free(d->priorities);
    free(d->name);
    free(d);
}

/* Starts a daemon on 'loop' per 'params' (http-daemon.h). */
struct http_daemon *
http_daemon_start(struct event_loop *loop,
                  const struct http_daemon_params *params, char **errorp)
{
    const char *name = params->name ? params->name : "HTTP server";

    *errorp = NULL;
    if (!params->handler) {
        *errorp = xasprintf("%s: no request handler", name);
        return NULL;
    }
    if (params->listen_fd <= 0 && (params->port < 0
                                   || params->port > 65535)) {
        *errorp = xasprintf("%s: port %d is out of range 0 to 65535", name,
                            params->port);
        return NULL;
    }
    if ((params->cert_pem || (params->flags & MHD_USE_TLS))
        && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        *errorp = xasprintf("%s: this libmicrohttpd has no TLS", name);
        return NULL;
    }

    struct http_daemon *d = xcalloc(1, sizeof *d);
    d->name = xstrdup(name);
    d->loop = loop;
    d->cert_pem = params->cert_pem ? xstrdup(params->cert_pem) : NULL;
    d->key_pem = (params->cert_pem && params->key_pem
                  ? xstrdup(params->key_pem) : NULL);
    d->priorities = (params->cert_pem && params->priorities
                     ? xstrdup(params->priorities) : NULL);

    char *error = start_mhd(d, params, true);
    if (error && params->listen_fd <= 0
        && !(params->address && params->address[0])) {
        /* No IPv6 here: IPv4 alone. */
        char *error4 = start_mhd(d, params, false);
        if (!error4) {
            free(error);
            error = NULL;
        } else {
            free(error4);
        }
    }
    if (error) {
        *errorp = error;
        http_daemon_free(d);
        return NULL;
    }

    const union MHD_DaemonInfo *info
        = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    d->epoll_fd = info ? info->epoll_fd : -1;
    if (params->listen_fd > 0) {
        d->port = 0;
    } else {
        info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
        d->port = info ? info->port : params->port;
    }
    d->task = event_loop_add_task(loop, d->name, http_daemon_task_run,
                                  http_daemon_task_wait, d);
    return d;
}

/* Stops and frees 'd'; accepts NULL. */
void
http_daemon_stop(struct http_daemon *d)
{
    if (d) {
        MHD_stop_daemon(d->mhd);
        event_loop_remove_task(d->loop, d->task);
        http_daemon_free(d);
    }
}

/* Lets MHD do what is ready now. */
void
http_daemon_run(struct http_daemon *d)
{
    MHD_run(d->mhd);
}

/* The MHD daemon of 'd'. */
struct MHD_Daemon *
http_daemon_mhd(const struct http_daemon *d)
{
    return d->mhd;
}

/* The TCP port 'd' listens on, or 0. */
int
http_daemon_port(const struct http_daemon *d)
{
    return d->port;
}

/* Queues an in-memory answer on 'conn' (http-daemon.h). */
enum MHD_Result
http_daemon_respond(struct MHD_Connection *conn, unsigned int status,
                    const char *content_type, void *data, size_t size,
                    const struct http_header *headers)
{
    struct MHD_Response *response
        = MHD_create_response_from_buffer(size, data, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            content_type);
    for (const struct http_header *h = headers; h && h->name; h++) {
        MHD_add_response_header(response, h->name, h->value);
    }
    enum MHD_Result result = MHD_queue_response(conn, status, response);
    MHD_destroy_response(response);
    return result;
}
