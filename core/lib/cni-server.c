/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's CNI server; see cni-server.h.
 *
 * Three kinds of object: connections (one per antrea-cni call, owned by
 * the server), requests (created once a connection's request is decoded
 * and valid; owned by the server until dispatched, then by the handler
 * until answered) and queues (one per container ID with requests in
 * flight, in arrival order; the first is the one being handled).
 * Requests waiting to be dispatched, because they just arrived at an idle
 * queue or their predecessor was just answered, sit in the 'pending' list
 * until cni_server_run() hands them over.
 *
 * Lookups are linear: a Node has few CNI calls in flight at once.
 */

#include <config.h>
#include "cni-server.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cni-config.h"
#include "cni-error.h"
#include "cni-frame.h"
#include "cni-protocol.h"
#include "cni-result.h"
#include "event-loop.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(cni-server);

#define DEFAULT_IO_TIMEOUT_MS 10000
#define DEFAULT_MAX_CONNECTIONS 256

/* Connections accepted per cni_server_run(), so that a flood of clients
 * cannot keep the loop in the server. */
#define MAX_ACCEPTS_PER_RUN 64

/* The listen queue's length. */
#define LISTEN_BACKLOG 128

/* A node in a circular doubly linked list; a list is a sentinel node. */
struct list {
    struct list *prev;          /* previous node, or the sentinel */
    struct list *next;          /* next node, or the sentinel */
};

/* What a connection is doing. */
enum conn_state {
    CONN_READING,               /* receiving the request */
    CONN_WAITING,               /* request queued or being handled */
    CONN_WRITING,               /* sending the reply */
};

/* One client connection. */
struct cni_conn {
    struct list node;           /* in the server's 'conns' */
    int fd;                     /* the accepted socket */
    enum conn_state state;      /* what it is doing */
    long long deadline;         /* READING, WRITING: when to give up;
                                   WAITING: LLONG_MAX */
    bool fresh;                 /* accepted in this run: service it
                                   without waiting for poll() */
    unsigned long long id;      /* for logs */
    struct cni_frame_reader reader; /* CONN_READING: the request frame */
    struct cni_frame_writer writer; /* CONN_WRITING: the reply frame */
    struct cni_request *request; /* CONN_WAITING: its request */
};

/* The requests for one container, oldest first. */
struct cni_queue {
    struct list node;           /* in the server's 'queues' */
    char *container_id;         /* the key */
    struct list requests;       /* struct cni_request's 'queue_node' */
};

/* A valid request. */
struct cni_request {
    struct cni_server *server;  /* NULL once the server is destroyed */
    struct list all_node;       /* in the server's 'requests' */
    struct cni_conn *conn;      /* NULL once the client is gone */
    struct cni_queue *queue;    /* its container's queue, or NULL */
    struct list queue_node;     /* in 'queue->requests' */
    struct list pending_node;   /* in the server's 'pending' */
    bool in_pending;            /* 'pending_node' is in use */
    bool dispatched;            /* handed to the handler */
    unsigned long long id;      /* for logs */
    long long received;         /* time_msec() it arrived */
    long long received_usec;    /* time_usec() it arrived, for metrics */

    struct cni_request_args args; /* what the handler sees */
    struct cni_env env;         /* owns the strings in 'args' */
    struct cni_k8s_args k8s;    /* 'args.k8s' */
    struct cni_net_conf conf;   /* 'args.conf' */
    char *config;               /* 'args.network_config' */
};

/* The server. */
struct cni_server {
    struct event_loop *loop;    /* the loop it runs in */
    char *socket_path;          /* where it listens */
    int listen_fd;              /* the listening socket */
    int io_timeout_ms;          /* see struct cni_server_options */
    size_t max_connections;     /* see struct cni_server_options */
    void (*request_done)(void *, enum cni_command, bool, double);
                                /* see struct cni_server_options */
    void *request_done_aux;     /* its 'aux' */
    struct cni_server_handler handler; /* the callbacks */
    void *aux;                  /* their first argument */

    struct list conns;          /* struct cni_conn */
    size_t n_conns;             /* length of 'conns' */
    struct list queues;         /* struct cni_queue */
    struct list requests;       /* every struct cni_request not answered */
    struct list pending;        /* requests to dispatch, in order */
    size_t n_pending;           /* length of 'pending' */
    unsigned long long next_id; /* for connections and requests */
};

static void list_init(struct list *);
static void list_push_back(struct list *, struct list *node);
static void list_remove(struct list *node);
static bool list_is_empty(const struct list *);

static int open_socket(struct cni_server *, char **errorp);
static void accept_connections(struct cni_server *);
static void conn_service(struct cni_server *, struct cni_conn *);
static void conn_receive(struct cni_server *, struct cni_conn *);
static void conn_check_closed(struct cni_server *, struct cni_conn *);
static void conn_send(struct cni_server *, struct cni_conn *);
static void conn_respond(struct cni_server *, struct cni_conn *,
                         const char *result, size_t result_size,
                         const struct cni_error *);
static void conn_close(struct cni_server *, struct cni_conn *);
static void handle_request(struct cni_server *, struct cni_conn *,
                           const uint8_t *payload, size_t size);
static struct cni_queue *queue_find_or_create(struct cni_server *,
                                              const char *container_id);
static void request_make_pending(struct cni_server *, struct cni_request *);
static void request_detach(struct cni_request *);
static void request_free(struct cni_request *);
static void dispatch(struct cni_server *, struct cni_request *);
static void reply(struct cni_request *, const char *result,
                  size_t result_size, const struct cni_error *);

/* Creates a CNI server that listens on the socket 'options' name (NULL
 * for all defaults), calls 'handler's callbacks with 'aux', and runs in
 * 'loop' (through cni_server_run() and cni_server_wait(), which the caller
 * calls from a task).  The socket's directory is created with mode 0700 if
 * it does not exist; the socket gets mode 0600.  A socket file left by a
 * process that is gone is replaced; one that a live process listens on,
 * or a file that is not a socket, is an error.  Returns 0 with the server
 * in '*serverp', or a positive errno value with a message naming the
 * socket in '*errorp' (the caller frees it). */
int
cni_server_create(struct event_loop *loop,
                  const struct cni_server_options *options,
                  const struct cni_server_handler *handler, void *aux,
                  struct cni_server **serverp, char **errorp)
{
    struct cni_server *server = xcalloc(1, sizeof *server);

    *serverp = NULL;
    *errorp = NULL;
    server->loop = loop;
    server->socket_path = xstrdup(options && options->socket_path
                                  ? options->socket_path
                                  : CNI_DEFAULT_SOCKET);
    server->io_timeout_ms = (options && options->io_timeout_ms > 0
                             ? options->io_timeout_ms
                             : DEFAULT_IO_TIMEOUT_MS);
    if (options) {
        server->request_done = options->request_done;
        server->request_done_aux = options->request_done_aux;
    }
    server->max_connections = (options && options->max_connections
                               ? options->max_connections
                               : DEFAULT_MAX_CONNECTIONS);
    if (handler) {
        server->handler = *handler;
    }
    server->aux = aux;
    list_init(&server->conns);
    list_init(&server->queues);
    list_init(&server->requests);
    list_init(&server->pending);
    server->next_id = 1;

    int error = open_socket(server, errorp);
    if (error) {
        free(server->socket_path);
        free(server);
        return error;
    }
    LOG_INFO("listening for CNI requests on %s", server->socket_path);
    *serverp = server;
    return 0;
}

/* Closes 'server''s socket (removing the socket file) and connections and
 * frees it.  Requests not yet dispatched are dropped; dispatched ones stay
 * valid until the handler answers them, and the answers go nowhere.
 * Accepts NULL. */
void
cni_server_destroy(struct cni_server *server)
{
    if (!server) {
        return;
    }

    close(server->listen_fd);
    unlink(server->socket_path);

    /* Closing a connection drops its request unless it is dispatched. */
    while (!list_is_empty(&server->conns)) {
        conn_close(server, CONTAINER_OF(server->conns.next, struct cni_conn,
                                        node));
    }

    /* What is left has been dispatched: orphan it. */
    while (!list_is_empty(&server->requests)) {
        struct cni_request *req = CONTAINER_OF(server->requests.next,
                                               struct cni_request, all_node);
        request_detach(req);
        req->server = NULL;
    }
    free(server->socket_path);
    free(server);
}

/* Returns the path of the socket 'server' listens on. */
const char *
cni_server_socket_path(const struct cni_server *server)
{
    return server->socket_path;
}

/* Does the work that is ready without blocking: accepts connections,
 * receives requests, sends replies, closes connections past their
 * deadline, dispatches requests to the handler, and lets the handler run
 * (struct cni_server_handler's 'run'). */
void
cni_server_run(struct cni_server *server)
{
    if (event_loop_revents(server->loop, server->listen_fd)) {
        accept_connections(server);
    }

    long long now = time_msec();
    struct list *next;
    for (struct list *node = server->conns.next; node != &server->conns;
         node = next) {
        struct cni_conn *conn = CONTAINER_OF(node, struct cni_conn, node);
        next = node->next;

        /* The deadline first: a client that trickles bytes must not
         * keep its connection forever. */
        if (now >= conn->deadline) {
            LOG_WARN("closing CNI connection #%llu: the client did not %s "
                     "within %d ms", conn->id,
                     (conn->state == CONN_READING ? "send its request"
                      : "take its reply"),
                     server->io_timeout_ms);
            conn_close(server, conn);
        } else if (conn->fresh
                   || event_loop_revents(server->loop, conn->fd)) {
            conn->fresh = false;
            conn_service(server, conn);
        }
    }

    /* Dispatch.  A callback may answer at once, which may make another
     * request pending; that one waits for the next run, so a queue's
     * requests never run inside each other's callbacks. */
    size_t n = server->n_pending;
    for (size_t i = 0; i < n && !list_is_empty(&server->pending); i++) {
        struct cni_request *req = CONTAINER_OF(server->pending.next,
                                               struct cni_request,
                                               pending_node);
        list_remove(&req->pending_node);
        req->in_pending = false;
        server->n_pending--;
        dispatch(server, req);
    }

    if (server->handler.run) {
        server->handler.run(server->aux);
    }
}

/* Registers with the loop what should wake it for 'server': its listening
 * socket (unless at the connection limit), each connection's socket, the
 * earliest connection deadline, and an immediate wake if requests wait to
 * be dispatched. */
void
cni_server_wait(struct cni_server *server)
{
    long long deadline = LLONG_MAX;

    if (server->n_conns < server->max_connections) {
        event_loop_fd_wait(server->loop, server->listen_fd, POLLIN);
    }
    for (struct list *node = server->conns.next; node != &server->conns;
         node = node->next) {
        struct cni_conn *conn = CONTAINER_OF(node, struct cni_conn, node);
        event_loop_fd_wait(server->loop, conn->fd,
                           conn->state == CONN_WRITING ? POLLOUT : POLLIN);
        if (conn->deadline < deadline) {
            deadline = conn->deadline;
        }
        if (conn->fresh) {
            event_loop_immediate_wake(server->loop);
        }
    }
    if (deadline != LLONG_MAX) {
        event_loop_timer_wait_until(server->loop, deadline);
    }
    if (server->n_pending) {
        event_loop_immediate_wake(server->loop);
    }
    if (server->handler.wait) {
        server->handler.wait(server->aux, server->loop);
    }
}

/* Answers 'req' with success and 'result' (NULL: an empty result).  For
 * ADD, the client prints 'result' in the format of the request's
 * cniVersion; the other commands print nothing on success, so 'result' is
 * ignored for them.  Frees 'req'. */
void
cni_server_reply_result(struct cni_request *req,
                        const struct cni_result *result)
{
    char *json = NULL;

    if (req->args.command == CNI_CMD_ADD) {
        struct cni_result empty;
        cni_result_init(&empty);
        json = cni_result_to_string(result ? result : &empty,
                                    req->conf.cni_version);
    }
    reply(req, json, json ? strlen(json) : 0, NULL);
    free(json);
}

/* Answers 'req' with success and 'json' (NULL: nothing), which the client
 * prints unchanged: for a result the handler already has in the right
 * format, e.g. a prevResult passed through in chaining mode.  Frees
 * 'req'. */
void
cni_server_reply_json(struct cni_request *req, const char *json)
{
    reply(req, json, json ? strlen(json) : 0, NULL);
}

/* Answers 'req' with a CNI error: 'code' (enum cni_error_code; the CNI
 * spec's codes or Antrea's 101-103), a printf-style message and 'details'
 * (may be NULL).  Frees 'req'. */
void
cni_server_reply_error(struct cni_request *req, int code,
                       const char *details, const char *format, ...)
{
    struct cni_error error;
    va_list args;

    cni_error_init(&error);
    va_start(args, format);
    char *msg = xvasprintf(format, args);
    va_end(args);
    cni_error_set(&error, code, details, "%s", msg);
    free(msg);

    reply(req, NULL, 0, &error);
    cni_error_destroy(&error);
}

/* Returns the arguments of 'req'. */
const struct cni_request_args *
cni_request_get_args(const struct cni_request *req)
{
    return &req->args;
}

/* Returns true if nobody waits for the answer to 'req' any more: its
 * client went away, or the server was destroyed.  It must still be
 * answered. */
bool
cni_request_is_abandoned(const struct cni_request *req)
{
    return !req->conn;
}

/* Returns the number of open connections of 'server'. */
size_t
cni_server_n_connections(const struct cni_server *server)
{
    return server->n_conns;
}

/* Returns the number of requests of 'server' that are not answered yet
 * (waiting in a queue or being handled). */
size_t
cni_server_n_pending(const struct cni_server *server)
{
    size_t n = 0;

    for (const struct list *node = server->requests.next;
         node != &server->requests; node = node->next) {
        n++;
    }
    return n;
}

/* Initializes 'list' as empty. */
static void
list_init(struct list *list)
{
    list->prev = list->next = list;
}

/* Appends 'node' to 'list'. */
static void
list_push_back(struct list *list, struct list *node)
{
    node->prev = list->prev;
    node->next = list;
    list->prev->next = node;
    list->prev = node;
}

/* Removes 'node' from its list. */
static void
list_remove(struct list *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->prev = node->next = node;
}

/* Returns true if 'list' is empty. */
static bool
list_is_empty(const struct list *list)
{
    return list->next == list;
}

/* Creates the socket's directory if need be, clears a stale socket file,
 * and binds and listens on 'server''s socket path. */
static int
open_socket(struct cni_server *server, char **errorp)
{
    const char *path = server->socket_path;
    struct sockaddr_un sun;
    struct stat st;
    int error;

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sun.sun_path) {
        *errorp = xasprintf("CNI socket path %s is longer than the %zu "
                            "bytes a unix socket address holds", path,
                            sizeof sun.sun_path - 1);
        return ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);

    /* The directory. */
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) && errno != EEXIST) {
            error = errno;
            *errorp = xasprintf("cannot create the CNI socket's directory "
                                "%s: %s", dir, strerror(error));
            free(dir);
            return error;
        }
    }
    free(dir);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = errno;
        *errorp = xasprintf("cannot create a unix socket: %s",
                            strerror(error));
        return error;
    }

    /* A socket file already there: in use, or left by a dead agent? */
    if (!lstat(path, &st)) {
        if (!S_ISSOCK(st.st_mode)) {
            *errorp = xasprintf("cannot listen on %s: it exists and is not "
                                "a socket", path);
            close(fd);
            return EEXIST;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK
                           | SOCK_CLOEXEC, 0);
        bool live = (probe >= 0
                     && (!connect(probe, (struct sockaddr *) &sun, sizeof sun)
                         || errno == EAGAIN));
        if (probe >= 0) {
            close(probe);
        }
        if (live) {
            *errorp = xasprintf("cannot listen on %s: another process "
                                "(another antrea-agent?) listens on it",
                                path);
            close(fd);
            return EADDRINUSE;
        }
        unlink(path);
    }

    /* Only root (the agent's and the runtime's user) may connect; the
     * umask makes the socket so from the start, chmod() makes sure. */
    mode_t old_umask = umask(0177);
    int retval = bind(fd, (struct sockaddr *) &sun, sizeof sun);
    error = errno;
    umask(old_umask);
    if (retval) {
        *errorp = xasprintf("cannot bind to %s: %s", path, strerror(error));
        close(fd);
        return error;
    }
    if (chmod(path, 0600) || listen(fd, LISTEN_BACKLOG)) {
        error = errno;
        *errorp = xasprintf("cannot listen on %s: %s", path,
                            strerror(error));
        close(fd);
        unlink(path);
        return error;
    }
    server->listen_fd = fd;
    return 0;
}

/* Accepts the connections waiting on 'server''s socket, up to its limit
 * and MAX_ACCEPTS_PER_RUN. */
static void
accept_connections(struct cni_server *server)
{
    for (int i = 0; i < MAX_ACCEPTS_PER_RUN
             && server->n_conns < server->max_connections; i++) {
        int fd = accept4(server->listen_fd, NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                LOG_WARN("accepting a CNI connection on %s failed: %s",
                         server->socket_path, strerror(errno));
            }
            return;
        }

        struct cni_conn *conn = xcalloc(1, sizeof *conn);
        conn->fd = fd;
        conn->state = CONN_READING;
        conn->deadline = time_msec() + server->io_timeout_ms;
        conn->fresh = true;
        conn->id = server->next_id++;
        cni_frame_reader_init(&conn->reader);
        list_push_back(&server->conns, &conn->node);
        server->n_conns++;
        LOG_DBG("CNI connection #%llu accepted", conn->id);
    }
}

/* Does what 'conn' is ready for. */
static void
conn_service(struct cni_server *server, struct cni_conn *conn)
{
    switch (conn->state) {
    case CONN_READING:
        conn_receive(server, conn);
        break;
    case CONN_WAITING:
        conn_check_closed(server, conn);
        break;
    case CONN_WRITING:
        conn_send(server, conn);
        break;
    default:
        abort();
    }
}

/* Receives what is available of 'conn''s request and handles the request
 * once it is complete. */
static void
conn_receive(struct cni_server *server, struct cni_conn *conn)
{
    char *msg = NULL;
    int error = cni_frame_reader_receive(&conn->reader, conn->fd, &msg);

    if (!error) {
        size_t size;
        uint8_t *payload = cni_frame_reader_take(&conn->reader, &size);
        handle_request(server, conn, payload, size);
        free(payload);
    } else if (error == ECONNRESET) {
        LOG_DBG("CNI connection #%llu closed without a request", conn->id);
        conn_close(server, conn);
    } else if (error != EAGAIN) {
        LOG_WARN("CNI connection #%llu: %s", conn->id, msg);
        if (error == EMSGSIZE) {
            /* Tell the client why before closing. */
            struct cni_error e;
            cni_error_init(&e);
            cni_error_set(&e, CNI_ERR_DECODING_FAILURE, NULL,
                          "antrea-agent refused the request: %s", msg);
            conn_respond(server, conn, NULL, 0, &e);
            cni_error_destroy(&e);
        } else {
            conn_close(server, conn);
        }
    }
    free(msg);
}

/* Checks whether the client of 'conn', which waits for its answer, went
 * away, and if so abandons its request. */
static void
conn_check_closed(struct cni_server *server, struct cni_conn *conn)
{
    char c;
    ssize_t n = recv(conn->fd, &c, 1, MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK
                  || errno == EINTR)) {
        return;
    }
    LOG_INFO("CNI connection #%llu: the client %s before the answer to "
             "request #%llu", conn->id,
             (n > 0 ? "sent more data (not allowed)"
              : n == 0 ? "went away" : "connection failed"),
             conn->request->id);
    conn_close(server, conn);
}

/* Sends what it can of 'conn''s reply and closes 'conn' once all is
 * sent. */
static void
conn_send(struct cni_server *server, struct cni_conn *conn)
{
    char *msg = NULL;
    int error = cni_frame_writer_send(&conn->writer, conn->fd, &msg);

    if (!error) {
        LOG_DBG("CNI connection #%llu: reply sent", conn->id);
        conn_close(server, conn);
    } else if (error != EAGAIN) {
        LOG_WARN("CNI connection #%llu: %s", conn->id, msg);
        conn_close(server, conn);
    }
    free(msg);
}

/* Starts sending 'conn' a response: the error in 'error' if nonnull,
 * otherwise the 'result_size' bytes at 'result'.  May close 'conn' (if
 * all is sent at once, or sending fails). */
static void
conn_respond(struct cni_server *server, struct cni_conn *conn,
             const char *result, size_t result_size,
             const struct cni_error *error)
{
    uint8_t *buf;
    size_t size;
    char *msg = NULL;

    cni_protocol_encode_response(result, result_size, error, &buf, &size);
    if (cni_frame_writer_init(&conn->writer, buf, size, &msg)) {
        /* A result larger than a frame: say so instead. */
        struct cni_error e;
        cni_error_init(&e);
        cni_error_set(&e, CNI_ERR_UNKNOWN_RPC_ERROR, NULL,
                      "antrea-agent's answer is too large: %s", msg);
        free(buf);
        free(msg);
        msg = NULL;
        cni_protocol_encode_response(NULL, 0, &e, &buf, &size);
        cni_error_destroy(&e);
        cni_frame_writer_init(&conn->writer, buf, size, &msg);
    }
    free(buf);
    free(msg);

    conn->state = CONN_WRITING;
    conn->deadline = time_msec() + server->io_timeout_ms;
    conn->request = NULL;
    cni_frame_reader_destroy(&conn->reader);
    conn_send(server, conn);
}

/* Closes 'conn' and frees it, abandoning its request if it has one. */
static void
conn_close(struct cni_server *server, struct cni_conn *conn)
{
    struct cni_request *req = conn->request;

    if (req) {
        req->conn = NULL;
        if (!req->dispatched) {
            LOG_INFO("CNI %s request #%llu dropped before it was handled",
                     cni_command_name(req->args.command), req->id);
            request_free(req);
        }
    }
    list_remove(&conn->node);
    server->n_conns--;
    close(conn->fd);
    cni_frame_reader_destroy(&conn->reader);
    cni_frame_writer_destroy(&conn->writer);
    free(conn);
}

/* Handles the request in the 'size' bytes at 'payload' that arrived on
 * 'conn': answers it with an error if it is not valid, otherwise queues
 * it. */
static void
handle_request(struct cni_server *server, struct cni_conn *conn,
               const uint8_t *payload, size_t size)
{
    struct cni_request *req = xcalloc(1, sizeof *req);
    struct cni_error error;
    int code;

    cni_error_init(&error);
    cni_env_init(&req->env);
    cni_k8s_args_init(&req->k8s);
    cni_net_conf_init(&req->conf);
    req->server = server;
    req->id = server->next_id++;
    req->received = time_msec();
    req->received_usec = time_usec();
    list_init(&req->queue_node);
    list_init(&req->pending_node);
    list_init(&req->all_node);

    size_t config_size;
    code = cni_protocol_decode_request(payload, size, &req->env,
                                       &req->config, &config_size, &error);
    if (!code) {
        code = cni_env_validate(&req->env, &error);
    }
    if (!code) {
        code = cni_k8s_args_parse(&req->k8s, req->env.args, &error);
    }
    if (!code) {
        code = cni_net_conf_parse(&req->conf, req->config, config_size,
                                  &error);
    }
    if (!code) {
        code = cni_net_conf_check_command(&req->conf, req->env.command,
                                          &error);
    }
    if (code) {
        LOG_WARN("CNI connection #%llu: refusing %s request: %s", conn->id,
                 cni_command_name(req->env.command), error.msg);
        conn_respond(server, conn, NULL, 0, &error);
        cni_error_destroy(&error);
        request_free(req);
        return;
    }

    struct cni_request_args *args = &req->args;
    args->command = req->env.command;
    args->container_id = req->env.container_id;
    args->netns = req->env.netns;
    args->ifname = req->env.ifname;
    args->cni_args = req->env.args;
    args->cni_path = req->env.path;
    args->k8s = &req->k8s;
    args->conf = &req->conf;
    args->network_config = req->config;
    args->network_config_size = config_size;

    list_push_back(&server->requests, &req->all_node);
    req->conn = conn;
    conn->request = req;
    conn->state = CONN_WAITING;
    conn->deadline = LLONG_MAX;

    LOG_DBG("CNI connection #%llu: %s request #%llu for container %s "
            "(Pod %s/%s)", conn->id, cni_command_name(args->command),
            req->id, args->container_id ? args->container_id : "-",
            req->k8s.pod_namespace ? req->k8s.pod_namespace : "-",
            req->k8s.pod_name ? req->k8s.pod_name : "-");

    if (args->container_id) {
        /* ADD, DEL, CHECK: behind the container's earlier requests. */
        req->queue = queue_find_or_create(server, args->container_id);
        list_push_back(&req->queue->requests, &req->queue_node);
        if (req->queue->requests.next == &req->queue_node) {
            request_make_pending(server, req);
        } else {
            LOG_INFO("CNI %s request #%llu for container %s waits for an "
                     "earlier request for the same container",
                     cni_command_name(args->command), req->id,
                     args->container_id);
        }
    } else {
        request_make_pending(server, req);
    }
}

/* Returns the queue of 'container_id', creating it if need be. */
static struct cni_queue *
queue_find_or_create(struct cni_server *server, const char *container_id)
{
    for (struct list *node = server->queues.next; node != &server->queues;
         node = node->next) {
        struct cni_queue *queue = CONTAINER_OF(node, struct cni_queue, node);
        if (!strcmp(queue->container_id, container_id)) {
            return queue;
        }
    }

    struct cni_queue *queue = xmalloc(sizeof *queue);
    queue->container_id = xstrdup(container_id);
    list_init(&queue->requests);
    list_push_back(&server->queues, &queue->node);
    return queue;
}

/* Puts 'req' in line for dispatching in the next cni_server_run(). */
static void
request_make_pending(struct cni_server *server, struct cni_request *req)
{
    list_push_back(&server->pending, &req->pending_node);
    req->in_pending = true;
    server->n_pending++;
    event_loop_immediate_wake(server->loop);
}

/* Takes 'req' out of the server's lists and its queue; if it led the
 * queue, the next request in it becomes pending, and an emptied queue is
 * freed. */
static void
request_detach(struct cni_request *req)
{
    struct cni_server *server = req->server;
    struct cni_queue *queue = req->queue;

    if (!server) {
        return;
    }
    if (req->in_pending) {
        list_remove(&req->pending_node);
        req->in_pending = false;
        server->n_pending--;
    }
    list_remove(&req->all_node);

    if (queue) {
        bool was_first = queue->requests.next == &req->queue_node;
        list_remove(&req->queue_node);
        req->queue = NULL;
        if (list_is_empty(&queue->requests)) {
            list_remove(&queue->node);
            free(queue->container_id);
            free(queue);
        } else if (was_first) {
            struct cni_request *next = CONTAINER_OF(queue->requests.next,
                                                    struct cni_request,
                                                    queue_node);
            if (!next->dispatched && !next->in_pending) {
                request_make_pending(server, next);
            }
        }
    }
}

/* Detaches 'req' and frees it. */
static void
request_free(struct cni_request *req)
{
    request_detach(req);
    cni_env_destroy(&req->env);
    cni_k8s_args_destroy(&req->k8s);
    cni_net_conf_destroy(&req->conf);
    free(req->config);
    free(req);
}

/* Hands 'req' to the handler's callback for its command, or answers it
 * if there is none. */
static void
dispatch(struct cni_server *server, struct cni_request *req)
{
    const struct cni_server_handler *h = &server->handler;
    const struct cni_request_args *args = &req->args;
    void (*callback)(void *, struct cni_request *,
                     const struct cni_request_args *);

    switch (args->command) {
    case CNI_CMD_ADD: callback = h->add; break;
    case CNI_CMD_DEL: callback = h->del; break;
    case CNI_CMD_CHECK: callback = h->check; break;
    case CNI_CMD_STATUS: callback = h->status; break;
    case CNI_CMD_GC: callback = h->gc; break;
    case CNI_CMD_NONE:
    case CNI_CMD_VERSION:
    default:
        abort();
    }

    req->dispatched = true;
    LOG_INFO("CNI %s request #%llu: container %s, Pod %s/%s",
             cni_command_name(args->command), req->id,
             args->container_id ? args->container_id : "-",
             req->k8s.pod_namespace ? req->k8s.pod_namespace : "-",
             req->k8s.pod_name ? req->k8s.pod_name : "-");
    if (callback) {
        callback(server->aux, req, args);
    } else if (args->command == CNI_CMD_STATUS
               || args->command == CNI_CMD_GC) {
        cni_server_reply_result(req, NULL);
    } else {
        cni_server_reply_error(req, CNI_ERR_TRY_AGAIN_LATER, NULL,
                               "antrea-agent is not ready to handle %s",
                               cni_command_name(args->command));
    }
}

/* Sends 'req''s answer to its client if it is still there (an error if
 * 'error' is nonnull, otherwise the 'result_size' bytes at 'result'),
 * lets the next request for its container go ahead, and frees 'req'. */
static void
reply(struct cni_request *req, const char *result, size_t result_size,
      const struct cni_error *error)
{
    struct cni_server *server = req->server;
    long long elapsed = time_msec() - req->received;

    if (!req->dispatched) {
        LOG_ERR("CNI request #%llu answered before it was dispatched "
                "(handler bug); ignoring the answer", req->id);
        return;
    }

    if (error) {
        LOG_INFO("CNI %s request #%llu failed after %lld ms: %s (code %d)",
                 cni_command_name(req->args.command), req->id, elapsed,
                 error->msg, error->code);
    } else {
        LOG_INFO("CNI %s request #%llu succeeded after %lld ms",
                 cni_command_name(req->args.command), req->id, elapsed);
    }
    if (server && server->request_done) {
        server->request_done(server->request_done_aux, req->args.command,
                             !error, (time_usec() - req->received_usec)
                                     / 1e6);
    }

    if (req->conn) {
        struct cni_conn *conn = req->conn;
        req->conn = NULL;
        conn_respond(server, conn, result, result_size, error);
    } else {
        LOG_INFO("CNI request #%llu: nobody waits for the answer any more",
                 req->id);
    }
    if (server) {
        /* For the reply's unsent part and the next request in line. */
        event_loop_immediate_wake(server->loop);
    }
    request_free(req);
}
