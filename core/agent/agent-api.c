/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's local API (agent-api.h): the unix socket, libmicrohttpd in
 * external epoll mode on the event loop (http-daemon.h), and routing to
 * the views (agent-api-views.h).  Every request is answered at once in
 * MHD's access handler (nothing is suspended): the views read in-memory
 * state, plus bounded synchronous calls to the switch (flow dumps, 10 s)
 * and to ovs-vswitchd's control socket (traces, 10 s), and the support
 * bundle's commands (10 s each).
 */

#include <config.h>

#include "agent-api.h"

#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent-api-views.h"
#include "event-loop.h"
#include "http-daemon.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(agent_api);

/* Seconds of inactivity after which MHD closes a connection. */
#define AGENT_API_CONNECTION_TIMEOUT 60

struct agent_api {
    struct event_loop *loop;        /* the agent's loop (not owned) */
    struct agent_api_params params; /* what we read; strings copied */
    char *socket_path;              /* our copy of params.socket_path */
    char *node_name;                /* our copy of params.node_name */
    int listen_fd;                  /* the bound unix socket */
    struct http_daemon *http;       /* libmicrohttpd on 'loop' */
};

char *
agent_api_default_socket(const char *cni_socket)
{
    const char *slash = cni_socket ? strrchr(cni_socket, '/') : NULL;
    if (!slash) {
        return xstrdup("/var/run/antrea/" AGENT_API_SOCKET_NAME);
    }
    return xasprintf("%.*s/%s", (int) (slash - cni_socket), cni_socket,
                     AGENT_API_SOCKET_NAME);
}

/* Queues 'obj' (a reference this takes) as JSON. */
static enum MHD_Result
respond_json(struct MHD_Connection *conn, unsigned int status, json_t *obj)
{
    char *text = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(obj);
    if (!text) {
        text = xstrdup("{\"code\": 500, \"message\": \"cannot encode\"}");
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    return http_daemon_respond(conn, status, "application/json", text,
                               strlen(text), NULL);
}

/* Queues an error {"code", "message"}. */
static enum MHD_Result
respond_error(struct MHD_Connection *conn, unsigned int status,
              const char *message)
{
    LOG_DBG("%u %s", status, message);
    return respond_json(conn, status, json_pack("{s:i, s:s}", "code",
                                                (int) status, "message",
                                                message));
}

/* Returns query parameter 'key' of 'conn', NULL if absent or empty. */
static const char *
arg(struct MHD_Connection *conn, const char *key)
{
    const char *value = MHD_lookup_connection_value(
        conn, MHD_GET_ARGUMENT_KIND, key);
    return value && value[0] ? value : NULL;
}

/* Answers a view's result: 'obj', or the error it gave. */
static enum MHD_Result
respond_view(struct MHD_Connection *conn, json_t *obj, unsigned int status,
             char *error)
{
    if (!obj) {
        enum MHD_Result result = respond_error(
            conn, status ? status : MHD_HTTP_INTERNAL_SERVER_ERROR,
            error ? error : "unknown error");
        free(error);
        return result;
    }
    return respond_json(conn, MHD_HTTP_OK, obj);
}

/* GET or PUT /loglevel. */
static enum MHD_Result
serve_log_level(struct MHD_Connection *conn, const char *method)
{
    if (!strcmp(method, MHD_HTTP_METHOD_PUT)
        || !strcmp(method, MHD_HTTP_METHOD_POST)) {
        const char *level = arg(conn, "level");
        char *error = NULL;
        if (!level) {
            return respond_error(conn, MHD_HTTP_BAD_REQUEST,
                                 "loglevel: the level parameter is "
                                 "missing (LEVEL or MODULE:LEVEL,...)");
        }
        if (log_set_levels(level, &error)) {
            char *message = xasprintf("loglevel \"%s\": %s", level, error);
            enum MHD_Result result = respond_error(
                conn, MHD_HTTP_BAD_REQUEST, message);
            free(message);
            free(error);
            return result;
        }
        LOG_INFO("log level set to %s (antctl)", level);
    }
    return respond_json(conn, MHD_HTTP_OK, json_pack(
        "{s:s}", "level", log_level_to_string(log_get_default_level())));
}

/* MHD's access handler: routes and answers at once. */
static enum MHD_Result
access_handler(void *api_, struct MHD_Connection *conn, const char *url,
               const char *method, const char *version,
               const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    struct agent_api *api = api_;
    const struct agent_api_params *p = &api->params;
    static int first;

    if (!*con_cls) {
        *con_cls = &first;      /* headers seen; wait for the body */
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;  /* no endpoint reads a body */
        return MHD_YES;
    }

    if (!strcmp(url, "/loglevel")) {
        return serve_log_level(conn, method);
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET)) {
        char *message = xasprintf("method %s is not allowed on %s", method,
                                  url);
        enum MHD_Result result = respond_error(
            conn, MHD_HTTP_METHOD_NOT_ALLOWED, message);
        free(message);
        return result;
    }

    unsigned int status = 0;
    char *error = NULL;
    if (!strcmp(url, "/agentinfo")) {
        return respond_json(conn, MHD_HTTP_OK, agent_view_info(p));
    } else if (!strcmp(url, "/podinterfaces")) {
        return respond_json(conn, MHD_HTTP_OK, agent_view_pod_interfaces(
                                p, arg(conn, "namespace"),
                                arg(conn, "name")));
    } else if (!strcmp(url, "/ovsflows")) {
        json_t *obj = agent_view_ovs_flows(
            p, arg(conn, "namespace"), arg(conn, "pod"),
            arg(conn, "networkpolicy"), arg(conn, "table"), &status,
            &error);
        return respond_view(conn, obj, status, error);
    } else if (!strcmp(url, "/ovstracing")) {
        json_t *obj = agent_view_trace(
            p, arg(conn, "port"), arg(conn, "source"),
            arg(conn, "destination"), arg(conn, "flow"), &status, &error);
        return respond_view(conn, obj, status, error);
    } else if (!strcmp(url, "/supportbundle")) {
        char *data;
        size_t size;
        agent_view_support_bundle(p, &data, &size);
        return http_daemon_respond(conn, MHD_HTTP_OK, "application/x-tar",
                                   data, size, NULL);
    }

    static const char *const resources[] = {
        "networkpolicies", "addressgroups", "appliedtogroups",
    };
    for (size_t i = 0; i < ARRAY_SIZE(resources); i++) {
        size_t len = strlen(resources[i]);
        if (url[0] == '/' && !strncmp(url + 1, resources[i], len)
            && (!url[len + 1] || (url[len + 1] == '/' && url[len + 2]
                                  && !strchr(url + len + 2, '/')))) {
            const char *name = url[len + 1] ? url + len + 2 : NULL;
            json_t *obj = agent_view_policy_objects(p, resources[i], name,
                                                    &status, &error);
            return respond_view(conn, obj, status, error);
        }
    }

    char *message = xasprintf("no such endpoint %s: expected /agentinfo, "
                              "/podinterfaces, /ovsflows, /ovstracing, "
                              "/networkpolicies, /addressgroups, "
                              "/appliedtogroups, /loglevel or "
                              "/supportbundle", url);
    enum MHD_Result result = respond_error(conn, MHD_HTTP_NOT_FOUND,
                                           message);
    free(message);
    return result;
}

/* Binds and listens on 'path', mode 0600, making its directory (0700) if
 * missing and replacing a stale socket.  Returns the fd, or -1 with a
 * message. */
static int
listen_unix(const char *path, char **errorp)
{
    struct sockaddr_un sun;
    if (strlen(path) >= sizeof sun.sun_path) {
        *errorp = xasprintf("agent API socket %s: the path is too long",
                            path);
        return -1;
    }
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) && errno != EEXIST) {
            *errorp = xasprintf("agent API socket %s: cannot make %s: %s",
                                path, dir, strerror(errno));
            free(dir);
            return -1;
        }
    }
    free(dir);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        *errorp = xasprintf("agent API socket: %s", strerror(errno));
        return -1;
    }
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);
    struct stat st;
    if (!lstat(path, &st) && S_ISSOCK(st.st_mode)) {
        unlink(path);           /* a previous agent's */
    }
    if (bind(fd, (struct sockaddr *) &sun, sizeof sun)
        || chmod(path, 0600) || listen(fd, 16)) {
        *errorp = xasprintf("agent API socket %s: %s", path,
                            strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int
agent_api_create(struct event_loop *loop,
                 const struct agent_api_params *params,
                 struct agent_api **apip, char **errorp)
{
    *apip = NULL;
    *errorp = NULL;
    int fd = listen_unix(params->socket_path, errorp);
    if (fd < 0) {
        return EADDRINUSE;
    }

    struct agent_api *api = xcalloc(1, sizeof *api);
    api->loop = loop;
    api->params = *params;
    api->socket_path = xstrdup(params->socket_path);
    api->node_name = xstrdup(params->node_name);
    api->params.socket_path = api->socket_path;
    api->params.node_name = api->node_name;
    api->listen_fd = fd;

    static const struct MHD_OptionItem options[] = {
        { MHD_OPTION_CONNECTION_TIMEOUT, AGENT_API_CONNECTION_TIMEOUT,
          NULL },
        { MHD_OPTION_END, 0, NULL },
    };
    struct http_daemon_params http = {
        .name = "agent API", .listen_fd = fd, .options = options,
        .handler = access_handler, .handler_cls = api,
    };
    char *error;
    api->http = http_daemon_start(loop, &http, &error);
    if (!api->http) {
        *errorp = xasprintf("agent API socket %s: %s", api->socket_path,
                            error);
        free(error);
        agent_api_destroy(api);
        return EINVAL;
    }
    LOG_INFO("antctl API on %s", api->socket_path);
    *apip = api;
    return 0;
}

void
agent_api_destroy(struct agent_api *api)
{
    if (api) {
        if (api->http) {
            http_daemon_stop(api->http); /* closes 'listen_fd' too */
        } else {
            close(api->listen_fd);
        }
        unlink(api->socket_path);
        free(api->socket_path);
        free(api->node_name);
        free(api);
    }
}
