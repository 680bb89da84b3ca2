/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A bounded unixctl call (aovs-unixctl.h).  Compiled in "OVS world" (see
 * aovs-smap.c), hence no "#include <config.h>".
 */

#include "aovs-unixctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon.h"
#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

char *
aovs_unixctl_vswitchd_path(const char *run_dir)
{
    struct stat st;
    char *pidfile = xasprintf("%s/ovs-vswitchd.pid", run_dir);
    char *path = NULL;

    if (!stat(pidfile, &st)) {
        pid_t pid = read_pidfile(pidfile);
        if (pid > 0) {
            path = xasprintf("%s/ovs-vswitchd.%ld.ctl", run_dir, (long) pid);
            if (stat(path, &st)) {
                free(path);
                path = NULL;
            }
        }
    }
    if (!path) {
        path = xasprintf("%s/ovs-vswitchd.ctl", run_dir);
        if (stat(path, &st)) {
            free(path);
            path = NULL;
        }
    }
    free(pidfile);
    return path;
}

/* Returns the text of a reply's 'result' or 'error' member. */
static char *
reply_text(const struct json *json)
{
    if (json && json->type == JSON_STRING) {
        return xstrdup(json_string(json));
    }
    return json ? json_to_string(json, 0) : xstrdup("");
}

int
aovs_unixctl_transact(const char *path, const char *command,
                      const char *const *argv, size_t argc, int timeout_ms,
                      char **resultp, char **errorp)
{
    struct jsonrpc *rpc = NULL;
    struct json *id = NULL;
    int error;

    *resultp = NULL;
    *errorp = NULL;
    error = unixctl_client_create(path, &rpc);
    if (error) {
        *errorp = xasprintf("%s: cannot connect: %s", path,
                            ovs_strerror(error));
        return error;
    }

    struct json *params = json_array_create_empty();
    for (size_t i = 0; i < argc; i++) {
        json_array_add(params, json_string_create(argv[i]));
    }
    struct jsonrpc_msg *request = jsonrpc_create_request(command, params,
                                                         &id);
    error = jsonrpc_send(rpc, request);
    long long deadline = time_msec() + timeout_ms;
    while (!error) {
        struct jsonrpc_msg *reply;
        jsonrpc_run(rpc);
        error = jsonrpc_recv(rpc, &reply);
        if (error == EAGAIN) {
            if (time_msec() >= deadline) {
                error = ETIMEDOUT;
                break;
            }
            error = 0;
            jsonrpc_wait(rpc);
            jsonrpc_recv_wait(rpc);
            poll_timer_wait_until(deadline);
            poll_block();
            continue;
        } else if (error) {
            break;
        }
        if ((reply->type == JSONRPC_REPLY || reply->type == JSONRPC_ERROR)
            && json_equal(reply->id, id)) {
            if (reply->type == JSONRPC_ERROR) {
                char *text = reply_text(reply->error);
                *errorp = xasprintf("%s %s: %s", path, command, text);
                free(text);
                error = EINVAL;
            } else {
                *resultp = reply_text(reply->result);
            }
            jsonrpc_msg_destroy(reply);
            break;
        }
        jsonrpc_msg_destroy(reply);
    }
    if (error && !*errorp) {
        *errorp = xasprintf("%s %s: %s", path, command,
                            (error == ETIMEDOUT ? "no answer in time"
                             : ovs_retval_to_string(error)));
    }
    json_destroy(id);
    jsonrpc_close(rpc);
    return error;
}
