/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The HTTP/1.1 test server; see http-test-server.h.  An accept thread
 * hands each connection to a thread of its own, which reads requests
 * (request line, headers, a Content-Length body) and calls the handler.
 * Stopping shuts every socket down, which unblocks every thread, then
 * joins them all.
 */

#include <config.h>
#include "http-test-server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Bounds that keep a confused client from making a test hang or eat
 * memory. */
#define MAX_HEADER_SIZE (64 * 1024)
#define MAX_BODY_SIZE (64 * 1024 * 1024)

struct test_http_server {
    int listen_fd;              /* listening socket */
    int port;                   /* its port */
    int stop_pipe[2];           /* written to stop the accept thread */
    pthread_t accept_thread;    /* accepts connections */
    test_http_handler *handler; /* the test's */
    void *aux;                  /* for 'handler' */

    pthread_mutex_t mutex;      /* guards the members below */
    pthread_cond_t cond;        /* signalled for each new request */
    bool stopping;              /* test_http_server_stop() was called */
    struct test_http_request **requests; /* all requests so far */
    size_t n_requests;          /* used 'requests' */
    size_t allocated_requests;  /* capacity of 'requests' */
    struct test_http_conn **conns; /* all connections so far */
    size_t n_conns;             /* used 'conns' */
    size_t allocated_conns;     /* capacity of 'conns' */
};

struct test_http_conn {
    struct test_http_server *server; /* owner */
    int fd;                     /* the connection */
    pthread_t thread;           /* serves it */
    bool close_after;           /* close after the current answer */
    char *buffer;               /* received, not yet consumed */
    size_t buffer_size;         /* bytes in 'buffer' */
    size_t buffer_allocated;    /* capacity of 'buffer' */
};

static void *accept_main(void *server_);
static void *conn_main(void *conn_);

/* Returns the time on a monotonic clock in milliseconds. */
static long long
now_msec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts a server on 127.0.0.1 that answers with 'handler'.  Aborts the
 * test (exits) if it cannot listen. */
struct test_http_server *
test_http_server_start(test_http_handler *handler, void *aux)
{
    struct test_http_server *server = xcalloc(1, sizeof *server);
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    socklen_t len = sizeof sin;
    int one = 1;

    server->handler = handler;
    server->aux = aux;
    pthread_mutex_init(&server->mutex, NULL);
    pthread_cond_init(&server->cond, NULL);

    server->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (server->listen_fd < 0
        || setsockopt(server->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one,
                      sizeof one)
        || bind(server->listen_fd, (struct sockaddr *) &sin, sizeof sin)
        || listen(server->listen_fd, 64)
        || getsockname(server->listen_fd, (struct sockaddr *) &sin, &len)
        || pipe(server->stop_pipe)) {
        fprintf(stderr, "test http server: cannot listen: %s\n",
                strerror(errno));
        exit(1);
    }
    server->port = ntohs(sin.sin_port);
    pthread_create(&server->accept_thread, NULL, accept_main, server);
    return server;
}

/* Stops 'server': closes every connection, joins every thread, frees
 * everything.  Accepts NULL. */
void
test_http_server_stop(struct test_http_server *server)
{
    if (!server) {
        return;
    }

    pthread_mutex_lock(&server->mutex);
    server->stopping = true;
    for (size_t i = 0; i < server->n_conns; i++) {
        shutdown(server->conns[i]->fd, SHUT_RDWR);
    }
    pthread_cond_broadcast(&server->cond);
    pthread_mutex_unlock(&server->mutex);
    if (write(server->stop_pipe[1], "x", 1) != 1) {
        abort();
    }
    pthread_join(server->accept_thread, NULL);

    /* No connection is added after the accept thread ends. */
    for (size_t i = 0; i < server->n_conns; i++) {
        struct test_http_conn *conn = server->conns[i];
        pthread_join(conn->thread, NULL);
        close(conn->fd);
        free(conn->buffer);
        free(conn);
    }
    for (size_t i = 0; i < server->n_requests; i++) {
        struct test_http_request *req = server->requests[i];
        free(req->method);
        free(req->target);
        free(req->path);
        free(req->query);
        free(req->headers);
        free(req->body);
        free(req);
    }
    free(server->conns);
    free(server->requests);
    close(server->listen_fd);
    close(server->stop_pipe[0]);
    close(server->stop_pipe[1]);
    pthread_mutex_destroy(&server->mutex);
    pthread_cond_destroy(&server->cond);
    free(server);
}

/* Returns the port 'server' listens on. */
int
test_http_server_port(const struct test_http_server *server)
{
    return server->port;
}

/* Returns the malloc'd base URL of 'server', "http://127.0.0.1:PORT". */
char *
test_http_server_url(const struct test_http_server *server)
{
    return xasprintf("http://127.0.0.1:%d", server->port);
}

/* Returns the number of requests received so far. */
size_t
test_http_server_n_requests(struct test_http_server *server)
{
    pthread_mutex_lock(&server->mutex);
    size_t n = server->n_requests;
    pthread_mutex_unlock(&server->mutex);
    return n;
}

/* Returns request number 'index' (from 0), or NULL if there is none
 * yet. */
const struct test_http_request *
test_http_server_request(struct test_http_server *server, size_t index)
{
    pthread_mutex_lock(&server->mutex);
    const struct test_http_request *req = (index < server->n_requests
                                           ? server->requests[index]
                                           : NULL);
    pthread_mutex_unlock(&server->mutex);
    return req;
}

/* Waits until 'server' has received at least 'n' requests, for at most
 * 'timeout_ms'.  Returns true if it has. */
bool
test_http_server_wait_requests(struct test_http_server *server, size_t n,
                               int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }

    pthread_mutex_lock(&server->mutex);
    while (server->n_requests < n && !server->stopping) {
        if (pthread_cond_timedwait(&server->cond, &server->mutex,
                                   &deadline) == ETIMEDOUT) {
            break;
        }
    }
    bool ok = server->n_requests >= n;
    pthread_mutex_unlock(&server->mutex);
    return ok;
}

/* Returns the malloc'd value of header 'name' (any case) of 'req', or
 * NULL. */
char *
test_http_request_header(const struct test_http_request *req,
                         const char *name)
{
    size_t name_len = strlen(name);

    for (const char *line = req->headers; *line; ) {
        const char *end = strstr(line, "\r\n");
        if (!end) {
            break;
        }
        if ((size_t) (end - line) > name_len && line[name_len] == ':'
            && !strncasecmp(line, name, name_len)) {
            const char *value = line + name_len + 1;
            while (value < end && *value == ' ') {
                value++;
            }
            return xmemdup0(value, end - value);
        }
        line = end + 2;
    }
    return NULL;
}

/* Returns the value of hexadecimal digit 'c', or -1. */
static int
hex_value(int c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Returns the malloc'd, percent-decoded value of query parameter 'key' of
 * 'req', or NULL if it is absent. */
char *
test_http_request_param(const struct test_http_request *req,
                        const char *key)
{
    size_t key_len = strlen(key);

    for (const char *p = req->query; *p; ) {
        const char *end = strchr(p, '&');
        if (!end) {
            end = p + strlen(p);
        }
        if ((size_t) (end - p) >= key_len && !strncmp(p, key, key_len)
            && (p[key_len] == '=' || p + key_len == end)) {
            const char *v = p + key_len + (p[key_len] == '=');
            char *value = xmalloc(end - v + 1);
            size_t n = 0;
            while (v < end) {
                if (*v == '%' && v + 2 < end + 1 && hex_value(v[1]) >= 0
                    && hex_value(v[2]) >= 0) {
                    value[n++] = hex_value(v[1]) * 16 + hex_value(v[2]);
                    v += 3;
                } else {
                    value[n++] = *v == '+' ? ' ' : *v;
                    v++;
                }
            }
            value[n] = '\0';
            return value;
        }
        p = *end ? end + 1 : end;
    }
    return NULL;
}

/* Sends the 'size' bytes at 'data'.  Returns false if the client is
 * gone. */
bool
test_http_send(struct test_http_conn *conn, const void *data, size_t size)
{
    const char *p = data;

    while (size) {
        ssize_t n = send(conn->fd, p, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n <= 0) {
            return false;
        }
        p += n;
        size -= n;
    }
    return true;
}

/* Returns the reason phrase of HTTP status 'status'. */
const char *
test_http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

/* Sends a whole answer: status 'status', the header lines
 * 'extra_headers' (each ending "\r\n"; NULL for none), Content-Length and
 * the body. */
bool
test_http_send_response(struct test_http_conn *conn, int status,
                        const char *extra_headers, const void *body,
                        size_t size)
{
    char *head = xasprintf("HTTP/1.1 %d %s\r\n%sContent-Length: %zu\r\n"
                           "%s\r\n", status, test_http_reason(status),
                           extra_headers ? extra_headers : "", size,
                           conn->close_after ? "Connection: close\r\n" : "");
    bool ok = test_http_send(conn, head, strlen(head))
              && test_http_send(conn, body, size);
    free(head);
    return ok;
}

/* Sends the head of a chunked answer with status 'status' and the header
 * lines 'extra_headers'. */
bool
test_http_send_chunked_head(struct test_http_conn *conn, int status,
                            const char *extra_headers)
{
    char *head = xasprintf("HTTP/1.1 %d %s\r\n%sTransfer-Encoding: chunked"
                           "\r\n\r\n", status, test_http_reason(status),
                           extra_headers ? extra_headers : "");
    bool ok = test_http_send(conn, head, strlen(head));
    free(head);
    return ok;
}

/* Sends the 'size' bytes at 'data' as one chunk (nothing if 'size' is 0,
 * since an empty chunk would end the body). */
bool
test_http_send_chunk(struct test_http_conn *conn, const void *data,
                     size_t size)
{
    if (!size) {
        return true;
    }
    char head[32];
    snprintf(head, sizeof head, "%zx\r\n", size);
    return (test_http_send(conn, head, strlen(head))
            && test_http_send(conn, data, size)
            && test_http_send(conn, "\r\n", 2));
}

/* Ends a chunked body cleanly. */
bool
test_http_end_chunks(struct test_http_conn *conn)
{
    return test_http_send(conn, "0\r\n\r\n", 5);
}

/* Makes the connection close once the handler returns. */
void
test_http_close_after(struct test_http_conn *conn)
{
    conn->close_after = true;
}

/* Waits until the client closes the connection (or the server stops), for
 * at most 'timeout_ms'.  Returns true if it closed. */
bool
test_http_wait_closed(struct test_http_conn *conn, int timeout_ms)
{
    long long deadline = now_msec() + timeout_ms;

    for (;;) {
        long long left = deadline - now_msec();
        if (left <= 0) {
            return false;
        }
        struct pollfd pfd = { .fd = conn->fd, .events = POLLIN };
        int n = poll(&pfd, 1, left > 100 ? 100 : (int) left);
        if (n > 0) {
            char c;
            ssize_t got = recv(conn->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
            if (got <= 0 && !(got < 0 && errno == EAGAIN)) {
                return true;
            }
            if (got > 0) {
                /* The client sent something (it should not while a
                 * response is in progress): not a close. */
                return false;
            }
        }
        pthread_mutex_lock(&conn->server->mutex);
        bool stopping = conn->server->stopping;
        pthread_mutex_unlock(&conn->server->mutex);
        if (stopping) {
            return true;
        }
    }
}

/* Accepts connections until the server stops. */
static void *
accept_main(void *server_)
{
    struct test_http_server *server = server_;

    for (;;) {
        struct pollfd pfds[2] = {
            { .fd = server->listen_fd, .events = POLLIN },
            { .fd = server->stop_pipe[0], .events = POLLIN },
        };
        if (poll(pfds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (pfds[1].revents) {
            break;
        }
        int fd = accept4(server->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }

        struct test_http_conn *conn = xcalloc(1, sizeof *conn);
        conn->server = server;
        conn->fd = fd;
        pthread_mutex_lock(&server->mutex);
        if (server->stopping) {
            pthread_mutex_unlock(&server->mutex);
            close(fd);
            free(conn);
            break;
        }
        if (server->n_conns >= server->allocated_conns) {
            server->conns = x2nrealloc(server->conns,
                                       &server->allocated_conns,
                                       sizeof *server->conns);
        }
        server->conns[server->n_conns++] = conn;
        pthread_create(&conn->thread, NULL, conn_main, conn);
        pthread_mutex_unlock(&server->mutex);
    }
    return NULL;
}

/* Reads more bytes into the connection's buffer.  Returns false at the
 * end of the stream or on error. */
static bool
conn_read_more(struct test_http_conn *conn)
{
    if (conn->buffer_size + 4096 + 1 > conn->buffer_allocated) {
        conn->buffer_allocated = conn->buffer_allocated * 2 + 8192;
        conn->buffer = xrealloc(conn->buffer, conn->buffer_allocated);
    }
    for (;;) {
        ssize_t n = recv(conn->fd, conn->buffer + conn->buffer_size,
                         conn->buffer_allocated - conn->buffer_size - 1, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n <= 0) {
            return false;
        }
        conn->buffer_size += n;
        conn->buffer[conn->buffer_size] = '\0';
        return true;
    }
}

/* Drops the first 'n' bytes of the connection's buffer. */
static void
conn_consume(struct test_http_conn *conn, size_t n)
{
    memmove(conn->buffer, conn->buffer + n, conn->buffer_size - n);
    conn->buffer_size -= n;
    if (conn->buffer) {
        conn->buffer[conn->buffer_size] = '\0';
    }
}

/* Reads the next request from 'conn'.  Returns NULL at the end of the
 * stream or if the request is malformed. */
static struct test_http_request *
conn_read_request(struct test_http_conn *conn)
{
    char *end;
    while (!conn->buffer || !(end = strstr(conn->buffer, "\r\n\r\n"))) {
        if (conn->buffer_size > MAX_HEADER_SIZE || !conn_read_more(conn)) {
            return NULL;
        }
    }

    size_t head_size = end + 4 - conn->buffer;
    char *line_end = strstr(conn->buffer, "\r\n");
    char *request_line = xmemdup0(conn->buffer, line_end - conn->buffer);
    char *headers = xmemdup0(line_end + 2, end + 2 - (line_end + 2));
    conn_consume(conn, head_size);

    char *sp1 = strchr(request_line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp2) {
        free(request_line);
        free(headers);
        return NULL;
    }

    struct test_http_request *req = xcalloc(1, sizeof *req);
    req->method = xmemdup0(request_line, sp1 - request_line);
    req->target = xmemdup0(sp1 + 1, sp2 - sp1 - 1);
    char *q = strchr(req->target, '?');
    req->path = q ? xmemdup0(req->target, q - req->target)
                  : xstrdup(req->target);
    req->query = xstrdup(q ? q + 1 : "");
    req->headers = headers;
    free(request_line);

    char *length_text = test_http_request_header(req, "Content-Length");
    size_t length = length_text ? strtoul(length_text, NULL, 10) : 0;
    free(length_text);
    if (length > MAX_BODY_SIZE) {
        length = MAX_BODY_SIZE;
    }
    while (conn->buffer_size < length) {
        if (!conn_read_more(conn)) {
            break;
        }
    }
    size_t got = conn->buffer_size < length ? conn->buffer_size : length;
    req->body = xmemdup0(conn->buffer ? conn->buffer : "", got);
    req->body_size = got;
    conn_consume(conn, got);
    return req;
}

/* Serves one connection until the client closes it, the handler asks to
 * close it, or the server stops. */
static void *
conn_main(void *conn_)
{
    struct test_http_conn *conn = conn_;
    struct test_http_server *server = conn->server;

    for (;;) {
        struct test_http_request *req = conn_read_request(conn);
        if (!req) {
            break;
        }

        pthread_mutex_lock(&server->mutex);
        req->index = server->n_requests;
        if (server->n_requests >= server->allocated_requests) {
            server->requests = x2nrealloc(server->requests,
                                          &server->allocated_requests,
                                          sizeof *server->requests);
        }
        server->requests[server->n_requests++] = req;
        pthread_cond_broadcast(&server->cond);
        bool stopping = server->stopping;
        pthread_mutex_unlock(&server->mutex);
        if (stopping) {
            break;
        }

        server->handler(conn, req, server->aux);
        if (conn->close_after) {
            break;
        }
    }
    shutdown(conn->fd, SHUT_RDWR);
    return NULL;
}
