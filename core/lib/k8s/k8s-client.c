/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Kubernetes HTTP client on the event loop; see k8s-client.h.
 *
 * libcurl's multi interface tells us, through its socket and timer
 * callbacks, which sockets it wants watched for what and when it next
 * needs a timeout; the client's wait step registers exactly that with the
 * event loop, and its run step hands what happened back to libcurl with
 * curl_multi_socket_action(), then reports finished transfers.
 *
 * libcurl refuses to add or remove transfers from inside its own
 * callbacks, and our callbacks (on_line, on_done) may start or cancel
 * requests.  So while the run step dispatches ('dispatching'), new
 * requests wait in the 'pending' state and cancelled ones are only marked;
 * both are dealt with once dispatching is over.  Errors found before a
 * request could start (an unreadable token file) are reported from the
 * run step too, so 'on_done' is never called from inside
 * k8s_client_request().
 */

#include <config.h>
#include "k8s/k8s-client.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "event-loop.h"
#include "k8s/k8s-config.h"
#include "k8s/k8s-lines.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(k8s-client);

/* How long a token read from a file is used before reading it again;
 * client-go also re-reads every minute. */
#define TOKEN_REFRESH_MS 60000

/* 'timer_deadline' when libcurl wants no timeout. */
#define NO_DEADLINE LLONG_MAX

/* A socket libcurl wants watched. */
struct client_socket {
    curl_socket_t fd;           /* the socket */
    int what;                   /* CURL_POLL_IN, _OUT or _INOUT */
};

/* Where a request is in its life. */
enum request_state {
    REQUEST_PENDING,            /* created; not yet handed to libcurl */
    REQUEST_ACTIVE,             /* in the multi handle */
    REQUEST_FINISHED,           /* out of it; 'on_done' is being called */
};

struct k8s_client {
    struct k8s_config *config;  /* our copy */
    struct event_loop *loop;    /* where we run (not owned) */
    struct event_loop_task *task; /* our run and wait steps */
    CURLM *multi;               /* all transfers */

    struct client_socket *sockets; /* what libcurl wants watched */
    size_t n_sockets;           /* used 'sockets' */
    size_t allocated_sockets;   /* capacity of 'sockets' */
    long long timer_deadline;   /* when libcurl wants a timeout call, in
                                   time_msec() units, or NO_DEADLINE */

    struct k8s_request *requests; /* all live requests (doubly linked) */
    int dispatching;            /* >0 inside the run step's dispatch */
    bool has_pending;           /* some request is REQUEST_PENDING */
    bool has_cancelled;         /* some request is marked 'cancelled' */

    pthread_mutex_t token_mutex; /* guards the two members below, since
                                    k8s_client_call() may run in any
                                    thread */
    char *token;                /* the token last read from the config's
                                   token file, or NULL */
    long long token_read_at;    /* when it was read, time_msec() */
};

struct k8s_request {
    struct k8s_client *client;  /* owner */
    struct k8s_request *prev, *next; /* in client->requests */
    enum request_state state;   /* see above */
    bool cancelled;             /* no more callbacks; free when safe */

    CURL *easy;                 /* the transfer */
    struct curl_slist *headers; /* request headers (libcurl does not copy
                                   them) */
    char *method;               /* for messages */
    char *url;                  /* the whole URL */
    char *body_text;            /* the serialised request body, or NULL
                                   (libcurl does not copy it) */
    char curl_error[CURL_ERROR_SIZE]; /* libcurl's detailed error text */
    char *early_error;          /* why the request could not start, or
                                   NULL */

    k8s_line_func *on_line;     /* streaming, or NULL */
    k8s_data_func *on_data;     /* streaming raw bytes, or NULL */
    k8s_response_func *on_done; /* or NULL */
    void *aux;                  /* for the callbacks */

    bool status_checked;        /* 'streaming' was decided */
    bool streaming;             /* the body goes to 'on_line' */
    struct k8s_lines lines;     /* splitting the streamed body */
    char *error;                /* why our callback stopped the transfer
                                   (too long), or NULL */

    char *body;                 /* the buffered body, or NULL */
    size_t body_size;           /* bytes in 'body' */
    size_t body_allocated;      /* capacity of 'body' */
    size_t max_body;            /* bound on 'body_size' */
};

static void client_run(void *client_);
static void client_wait(void *client_);
static int socket_callback(CURL *, curl_socket_t, int what, void *client_,
                           void *socketp);
static int timer_callback(CURLM *, long timeout_ms, void *client_);
static void request_destroy(struct k8s_request *);
static void request_remove_from_multi(struct k8s_request *);
static char *request_setup(struct k8s_client *, struct k8s_request *,
                           const struct k8s_request_args *);

/* Initializes libcurl's global state, once per process. */
static void
global_init_once(void)
{
    CURLcode retval = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (retval != CURLE_OK) {
        LOG_ERR("libcurl initialization failed: %s",
                curl_easy_strerror(retval));
        abort();
    }
}

/* Returns a new client that talks to the apiserver 'config' describes
 * (copied) and runs as a task of 'loop'. */
struct k8s_client *
k8s_client_create(const struct k8s_config *config, struct event_loop *loop)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init_once);

    struct k8s_client *client = xcalloc(1, sizeof *client);
    client->config = k8s_config_clone(config);
    client->loop = loop;
    client->timer_deadline = NO_DEADLINE;
    pthread_mutex_init(&client->token_mutex, NULL);

    client->multi = curl_multi_init();
    if (!client->multi) {
        out_of_memory();
    }
    curl_multi_setopt(client->multi, CURLMOPT_SOCKETFUNCTION,
                      socket_callback);
    curl_multi_setopt(client->multi, CURLMOPT_SOCKETDATA, client);
    curl_multi_setopt(client->multi, CURLMOPT_TIMERFUNCTION, timer_callback);
    curl_multi_setopt(client->multi, CURLMOPT_TIMERDATA, client);

    client->task = event_loop_add_task(loop, "k8s-client", client_run,
                                       client_wait, client);
    return client;
}

/* Cancels every request of 'client' (without calling back) and frees it.
 * Reflectors and informers using it must be destroyed first.  Accepts
 * NULL. */
void
k8s_client_destroy(struct k8s_client *client)
{
    if (!client) {
        return;
    }

    while (client->requests) {
        request_destroy(client->requests);
    }
    event_loop_remove_task(client->loop, client->task);
    curl_multi_cleanup(client->multi);
    free(client->sockets);
    if (client->token) {
        memset(client->token, 0, strlen(client->token));
        free(client->token);
    }
    pthread_mutex_destroy(&client->token_mutex);
    k8s_config_destroy(client->config);
    free(client);
}

/* Returns the event loop 'client' runs on. */
struct event_loop *
k8s_client_get_loop(const struct k8s_client *client)
{
    return client->loop;
}

/* Returns the client's copy of its config. */
const struct k8s_config *
k8s_client_get_config(const struct k8s_client *client)
{
    return client->config;
}

/* Starts the request 'args' describes on 'client'.  Its 'on_done' is
 * called exactly once from the loop later (even for a failure found at
 * once), unless the request is cancelled first.  Returns the request, or
 * NULL (with an error logged, and no callback) if 'args' is invalid: no
 * method or an unknown one, or a path that does not begin with '/'. */
struct k8s_request *
k8s_client_request(struct k8s_client *client,
                   const struct k8s_request_args *args)
{
    struct k8s_request *req = xcalloc(1, sizeof *req);

    req->client = client;
    req->early_error = request_setup(client, req, args);
    if (!req->easy) {
        LOG_ERR("%s", req->early_error);
        request_destroy(req);
        return NULL;
    }

    req->next = client->requests;
    if (client->requests) {
        client->requests->prev = req;
    }
    client->requests = req;

    LOG_DBG("%s %s", req->method, req->url);
    if (client->dispatching || req->early_error) {
        req->state = REQUEST_PENDING;
        client->has_pending = true;
        event_loop_immediate_wake(client->loop);
    } else {
        req->state = REQUEST_ACTIVE;
        curl_multi_add_handle(client->multi, req->easy);
    }
    return req;
}

/* Stops 'req' and frees it: no callback is called for it any more.  May
 * be called from any callback of any request; calling it from the
 * request's own 'on_done' does nothing (the request is freed when that
 * returns).  Accepts NULL. */
void
k8s_request_cancel(struct k8s_request *req)
{
    if (!req || req->cancelled || req->state == REQUEST_FINISHED) {
        return;
    }
    req->cancelled = true;
    if (req->client->dispatching) {
        req->client->has_cancelled = true;
    } else {
        request_destroy(req);
    }
}

/* Returns the full URL of 'req', for messages. */
const char *
k8s_request_url(const struct k8s_request *req)
{
    return req->url;
}

/* Returns the token to send, malloc'd, or NULL if the config has none.
 * On failure to read the token file returns NULL with '*errorp' set,
 * unless a token read earlier can still be used. */
static char *
get_token(struct k8s_client *client, char **errorp)
{
    const struct k8s_config *config = client->config;

    *errorp = NULL;
    if (config->token) {
        return xstrdup(config->token);
    } else if (!config->token_file) {
        return NULL;
    }

    pthread_mutex_lock(&client->token_mutex);
    long long now = time_msec();
    if (!client->token || now - client->token_read_at >= TOKEN_REFRESH_MS) {
        char *error;
        char *token = k8s_config_read_token(config->token_file, &error);
        if (token) {
            if (client->token) {
                memset(client->token, 0, strlen(client->token));
                free(client->token);
            }
            client->token = token;
            client->token_read_at = now;
        } else if (client->token) {
            LOG_WARN("%s (using the token read before)", error);
            client->token_read_at = now;
            free(error);
        } else {
            *errorp = error;
        }
    }
    char *copy = client->token ? xstrdup(client->token) : NULL;
    pthread_mutex_unlock(&client->token_mutex);
    return copy;
}

/* Returns true if 'method' is one the client sends. */
static bool
method_is_valid(const char *method)
{
    static const char *const methods[] = {
        "GET", "POST", "PUT", "PATCH", "DELETE",
    };
    for (size_t i = 0; i < ARRAY_SIZE(methods); i++) {
        if (!strcmp(method, methods[i])) {
            return true;
        }
    }
    return false;
}

/* Sets the TLS options of 'easy' from 'config'.  Returns NULL, or a
 * malloc'd error if this libcurl cannot do what the config asks. */
static char *
setup_tls(CURL *easy, const struct k8s_config *config)
{
    if (config->insecure_skip_tls_verify) {
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (config->ca_file) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, config->ca_file);
    }
    if (config->cert_file) {
        curl_easy_setopt(easy, CURLOPT_SSLCERT, config->cert_file);
        curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (config->key_file) {
        curl_easy_setopt(easy, CURLOPT_SSLKEY, config->key_file);
        curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
    }

#if LIBCURL_VERSION_NUM >= 0x074d00     /* 7.77.0: CURLOPT_CAINFO_BLOB */
    if (config->ca_data) {
        struct curl_blob blob = {
            .data = config->ca_data, .len = config->ca_data_size,
            .flags = CURL_BLOB_COPY,
        };
        curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (config->cert_data) {
        struct curl_blob blob = {
            .data = config->cert_data, .len = config->cert_data_size,
            .flags = CURL_BLOB_COPY,
        };
        curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &blob);
        curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (config->key_data) {
        struct curl_blob blob = {
            .data = config->key_data, .len = config->key_data_size,
            .flags = CURL_BLOB_COPY,
        };
        curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &blob);
        curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
    }
#else
    if (config->ca_data || config->cert_data || config->key_data) {
        return xasprintf("%s: inline certificate or key data needs libcurl "
                         "7.77 or later (this is %s); use file names "
                         "instead", config->source, LIBCURL_VERSION);
    }
#endif
    return NULL;
}

static bool deliver_line(const char *line, size_t length, void *req_);

/* Called by libcurl with each piece of the response body of the request
 * 'req_': streams it line by line or buffers it.  Returning less than
 * the size given aborts the transfer. */
static size_t
write_callback(char *data, size_t size, size_t nmemb, void *req_)
{
    struct k8s_request *req = req_;
    size_t n = size * nmemb;

    if (req->cancelled || req->error) {
        return 0;
    }
    if (!req->status_checked) {
        long status = 0;
        curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
        req->streaming = ((req->on_line || req->on_data)
                          && status >= 200 && status < 300);
        req->status_checked = true;
    }

    if (req->streaming && req->on_data) {
        req->on_data(req, data, n, req->aux);
        return req->cancelled ? 0 : n;
    } else if (req->streaming) {
        int error = k8s_lines_feed(&req->lines, data, n, deliver_line, req);
        if (error == EMSGSIZE) {
            req->error = xasprintf("a line of the response is longer than "
                                   "%zu bytes", req->lines.max_length);
            return 0;
        }
        return req->cancelled ? 0 : n;
    }

    if (n > req->max_body - req->body_size) {
        req->error = xasprintf("the response body is larger than %zu bytes",
                               req->max_body);
        return 0;
    }
    if (req->body_size + n + 1 > req->body_allocated) {
        size_t allocated = req->body_allocated * 2;
        if (allocated < req->body_size + n + 1) {
            allocated = req->body_size + n + 1;
        }
        req->body = xrealloc(req->body, allocated);
        req->body_allocated = allocated;
    }
    memcpy(req->body + req->body_size, data, n);
    req->body_size += n;
    req->body[req->body_size] = '\0';
    return n;
}

/* Passes one line of the streamed body to the request's 'on_line'.
 * Returns false once the request is cancelled. */
static bool
deliver_line(const char *line, size_t length, void *req_)
{
    struct k8s_request *req = req_;

    req->on_line(req, line, length, req->aux);
    return !req->cancelled;
}

/* Fills the request 'req' of 'client' from 'args': a libcurl handle with
 * the URL, method, headers, body, credentials and limits.  Returns NULL,
 * or a malloc'd error: if 'req->easy' is then NULL the arguments were
 * invalid, otherwise the request cannot be sent (and will fail). */
static char *
request_setup(struct k8s_client *client, struct k8s_request *req,
              const struct k8s_request_args *args)
{
    const struct k8s_config *config = client->config;

    if (!args->method || !method_is_valid(args->method)) {
        return xasprintf("k8s request: invalid HTTP method \"%s\"",
                         args->method ? args->method : "(null)");
    } else if (!args->path || args->path[0] != '/') {
        return xasprintf("k8s request: the path \"%s\" does not begin "
                         "with '/'", args->path ? args->path : "(null)");
    }

    req->method = xstrdup(args->method);
    req->url = xasprintf("%s%s", config->server, args->path);
    req->on_line = args->on_data ? NULL : args->on_line;
    req->on_data = args->on_data;
    req->on_done = args->on_done;
    req->aux = args->aux;
    req->max_body = args->max_body ? args->max_body
                                   : K8S_CLIENT_DEFAULT_MAX_BODY;
    k8s_lines_init(&req->lines, args->max_line);

    CURL *easy = req->easy = curl_easy_init();
    if (!easy) {
        out_of_memory();
    }
    curl_easy_setopt(easy, CURLOPT_URL, req->url);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_callback);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->curl_error);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                     (long) CURL_HTTP_VERSION_1_1);
#if LIBCURL_VERSION_NUM >= 0x075500     /* 7.85.0 */
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS,
                     (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "antrea-c/" PACKAGE_VERSION);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) K8S_CLIENT_CONNECT_TIMEOUT_MS);
    long long timeout = (args->timeout_ms > 0 ? args->timeout_ms
                         : args->timeout_ms < 0 ? 0
                         : K8S_CLIENT_DEFAULT_TIMEOUT_MS);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                     (long) (timeout > LONG_MAX ? LONG_MAX : timeout));
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 10L);

    /* The method and body. */
    if (args->body) {
        req->body_text = json_dumps(args->body, JSON_COMPACT);
        if (!req->body_text) {
            return xasprintf("%s %s: the request body cannot be "
                             "serialised as JSON", req->method, req->url);
        }
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body_text);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t) strlen(req->body_text));
    } else if (!strcmp(req->method, "POST") || !strcmp(req->method, "PUT")
               || !strcmp(req->method, "PATCH")) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) 0);
    }
    if (strcmp(req->method, "GET") && strcmp(req->method, "POST")) {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
    }

    /* The headers. */
    char *accept = xasprintf("Accept: %s", (args->accept ? args->accept
                                             : "application/json"));
    req->headers = curl_slist_append(NULL, accept);
    free(accept);
    req->headers = curl_slist_append(req->headers, "Expect:");
    if (args->body) {
        const char *type = (args->content_type ? args->content_type
                            : !strcmp(req->method, "PATCH")
                            ? "application/merge-patch+json"
                            : "application/json");
        char *header = xasprintf("Content-Type: %s", type);
        req->headers = curl_slist_append(req->headers, header);
        free(header);
    }
    char *error;
    char *token = get_token(client, &error);
    if (error) {
        return error;
    }
    if (token) {
        char *header = xasprintf("Authorization: Bearer %s", token);
        req->headers = curl_slist_append(req->headers, header);
        memset(header, 0, strlen(header));
        memset(token, 0, strlen(token));
        free(header);
        free(token);
    }
    if (!req->headers) {
        out_of_memory();
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, req->headers);

    return setup_tls(easy, config);
}

/* Takes 'req' out of libcurl's multi handle if it is there. */
static void
request_remove_from_multi(struct k8s_request *req)
{
    if (req->state == REQUEST_ACTIVE) {
        curl_multi_remove_handle(req->client->multi, req->easy);
        req->state = REQUEST_FINISHED;
    }
}

/* Unlinks 'req' from its client (if linked) and frees it. */
static void
request_destroy(struct k8s_request *req)
{
    struct k8s_client *client = req->client;

    request_remove_from_multi(req);
    if (req->prev) {
        req->prev->next = req->next;
    } else if (client->requests == req) {
        client->requests = req->next;
    }
    if (req->next) {
        req->next->prev = req->prev;
    }

    if (req->easy) {
        curl_easy_cleanup(req->easy);
    }
    curl_slist_free_all(req->headers);
    free(req->method);
    free(req->url);
    free(req->body_text);
    free(req->early_error);
    free(req->error);
    free(req->body);
    k8s_lines_destroy(&req->lines);
    free(req);
}

/* Returns a malloc'd description of why transfer 'req' ended with
 * 'result'. */
static char *
describe_failure(const struct k8s_request *req, CURLcode result)
{
    if (req->error) {
        return xasprintf("%s %s: %s", req->method, req->url, req->error);
    }
    return xasprintf("%s %s: %s", req->method, req->url,
                     (req->curl_error[0] ? req->curl_error
                      : curl_easy_strerror(result)));
}

/* The transfer of 'req' has ended with 'result' (or could not start, if
 * 'req->early_error' is set): reports it to 'on_done' and frees 'req'. */
static void
request_finish(struct k8s_request *req, CURLcode result)
{
    request_remove_from_multi(req);
    req->state = REQUEST_FINISHED;

    long status = 0;
    char *error = NULL;
    if (req->early_error) {
        error = xstrdup(req->early_error);
    } else {
        curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
        if (result != CURLE_OK) {
            error = describe_failure(req, result);
        } else if (req->streaming && k8s_lines_pending(&req->lines)) {
            /* The stream ended without a final newline: the last line
             * is still a line. */
            req->on_line(req, req->lines.partial, req->lines.partial_length,
                         req->aux);
        }
    }

    json_t *body = NULL;
    if (!error && req->body_size) {
        body = json_loadb(req->body, req->body_size, 0, NULL);
    }
    LOG_DBG("%s %s: %ld%s%s", req->method, req->url, status,
            error ? ": " : "", error ? error : "");

    if (req->on_done) {
        struct k8s_response response = {
            .status = status,
            .body = body,
            .raw = req->body ? req->body : "",
            .raw_size = req->body_size,
            .error = error,
        };
        req->on_done(req, &response, req->aux);
    }
    json_decref(body);
    free(error);
    request_destroy(req);
}

/* Reports every transfer libcurl has finished. */
static void
process_finished(struct k8s_client *client)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(client->multi, &left))) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        struct k8s_request *req = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &req);
        if (req && !req->cancelled) {
            request_finish(req, result);
        }
    }
}

/* Reports the requests that failed before they could start. */
static void
process_early_failures(struct k8s_client *client)
{
    bool again = true;

    while (again) {
        again = false;
        for (struct k8s_request *req = client->requests; req;
             req = req->next) {
            if (req->state == REQUEST_PENDING && req->early_error
                && !req->cancelled) {
                /* 'on_done' may change the list: start over. */
                request_finish(req, CURLE_OK);
                again = true;
                break;
            }
        }
    }
}

/* Frees the requests cancelled while dispatching, and hands the pending
 * ones to libcurl. */
static void
process_cancelled_and_pending(struct k8s_client *client)
{
    if (client->has_cancelled) {
        client->has_cancelled = false;
        struct k8s_request *next;
        for (struct k8s_request *req = client->requests; req; req = next) {
            next = req->next;
            if (req->cancelled) {
                request_destroy(req);
            }
        }
    }
    if (client->has_pending) {
        client->has_pending = false;
        for (struct k8s_request *req = client->requests; req;
             req = req->next) {
            if (req->state == REQUEST_PENDING) {
                if (req->early_error) {
                    client->has_pending = true;
                } else {
                    req->state = REQUEST_ACTIVE;
                    curl_multi_add_handle(client->multi, req->easy);
                }
            }
        }
    }
}

/* The run step: lets libcurl act on ready sockets and expired timers,
 * then reports what finished. */
static void
client_run(void *client_)
{
    struct k8s_client *client = client_;
    int running;

    client->dispatching++;

    /* libcurl may change its socket list while acting on one. */
    size_t n = client->n_sockets;
    struct client_socket *sockets = NULL;
    if (n) {
        sockets = xmalloc(n * sizeof *sockets);
        memcpy(sockets, client->sockets, n * sizeof *sockets);
    }
    for (size_t i = 0; i < n; i++) {
        short revents = event_loop_revents(client->loop, sockets[i].fd);
        if (revents) {
            int flags = 0;
            if (revents & (POLLIN | POLLHUP)) {
                flags |= CURL_CSELECT_IN;
            }
            if (revents & POLLOUT) {
                flags |= CURL_CSELECT_OUT;
            }
            if (revents & (POLLERR | POLLNVAL)) {
                flags |= CURL_CSELECT_ERR;
            }
            curl_multi_socket_action(client->multi, sockets[i].fd, flags,
                                     &running);
        }
    }
    free(sockets);

    if (client->timer_deadline != NO_DEADLINE
        && time_msec() >= client->timer_deadline) {
        client->timer_deadline = NO_DEADLINE;
        curl_multi_socket_action(client->multi, CURL_SOCKET_TIMEOUT, 0,
                                 &running);
    }

    process_finished(client);
    process_early_failures(client);
    client->dispatching--;

    process_cancelled_and_pending(client);
}

/* The wait step: wakes the loop for the sockets and the timeout libcurl
 * asked for. */
static void
client_wait(void *client_)
{
    struct k8s_client *client = client_;

    for (size_t i = 0; i < client->n_sockets; i++) {
        const struct client_socket *s = &client->sockets[i];
        short events = 0;
        if (s->what == CURL_POLL_IN || s->what == CURL_POLL_INOUT) {
            events |= POLLIN;
        }
        if (s->what == CURL_POLL_OUT || s->what == CURL_POLL_INOUT) {
            events |= POLLOUT;
        }
        event_loop_fd_wait(client->loop, s->fd, events);
    }
    if (client->timer_deadline != NO_DEADLINE) {
        event_loop_timer_wait_until(client->loop, client->timer_deadline);
    }
    if (client->has_pending) {
        event_loop_immediate_wake(client->loop);
    }
}

/* libcurl's CURLMOPT_SOCKETFUNCTION: records what 'fd' should be watched
 * for ('what'), or forgets it (CURL_POLL_REMOVE). */
static int
socket_callback(CURL *easy, curl_socket_t fd, int what, void *client_,
                void *socketp)
{
    struct k8s_client *client = client_;
    size_t i;

    (void) easy;
    (void) socketp;
    for (i = 0; i < client->n_sockets; i++) {
        if (client->sockets[i].fd == fd) {
            break;
        }
    }

    if (what == CURL_POLL_REMOVE) {
        if (i < client->n_sockets) {
            client->sockets[i] = client->sockets[--client->n_sockets];
        }
    } else {
        if (i == client->n_sockets) {
            if (client->n_sockets >= client->allocated_sockets) {
                client->sockets = x2nrealloc(client->sockets,
                                             &client->allocated_sockets,
                                             sizeof *client->sockets);
            }
            client->sockets[client->n_sockets++].fd = fd;
        }
        client->sockets[i].what = what;
    }
    return 0;
}

/* libcurl's CURLMOPT_TIMERFUNCTION: remembers when to call
 * curl_multi_socket_action() with CURL_SOCKET_TIMEOUT ('timeout_ms' from
 * now; negative: never). */
static int
timer_callback(CURLM *multi, long timeout_ms, void *client_)
{
    struct k8s_client *client = client_;

    (void) multi;
    if (timeout_ms < 0) {
        client->timer_deadline = NO_DEADLINE;
    } else {
        client->timer_deadline = time_msec() + timeout_ms;
        if (!timeout_ms) {
            event_loop_immediate_wake(client->loop);
        }
    }
    return 0;
}

/* Sends the request 'args' describes and waits for the answer: blocks
 * the calling thread, so it is meant for start-up code and for threads
 * other than the event loop's ('args->on_line' and 'on_done' are
 * ignored).  Safe to call from any thread while the loop runs.
 *
 * Returns the HTTP status, with the decoded JSON body (a new reference,
 * NULL if empty or not JSON) in '*bodyp' if 'bodyp' is not NULL.  Returns
 * 0 if no complete answer came, with a malloc'd message in '*errorp' if
 * 'errorp' is not NULL ('*errorp' is set to NULL otherwise). */
long
k8s_client_call(struct k8s_client *client,
                const struct k8s_request_args *args, json_t **bodyp,
                char **errorp)
{
    struct k8s_request_args sync_args = *args;
    struct k8s_request req = { .client = client };
    long status = 0;
    char *error;

    sync_args.on_line = NULL;
    sync_args.on_data = NULL;
    sync_args.on_done = NULL;
    if (bodyp) {
        *bodyp = NULL;
    }

    error = request_setup(client, &req, &sync_args);
    if (!error) {
        CURLcode result = curl_easy_perform(req.easy);
        if (result == CURLE_OK) {
            curl_easy_getinfo(req.easy, CURLINFO_RESPONSE_CODE, &status);
            if (bodyp && req.body_size) {
                *bodyp = json_loadb(req.body, req.body_size, 0, NULL);
            }
        } else {
            error = describe_failure(&req, result);
        }
    }

    if (errorp) {
        *errorp = error;
    } else {
        free(error);
    }
    /* 'req' is not linked into the client: free its members alone. */
    if (req.easy) {
        curl_easy_cleanup(req.easy);
    }
    curl_slist_free_all(req.headers);
    free(req.method);
    free(req.url);
    free(req.body_text);
    free(req.error);
    free(req.body);
    k8s_lines_destroy(&req.lines);
    return status;
}
