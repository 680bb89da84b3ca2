/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The blocking CNI client; see cni-client.h.
 */

#include <config.h>
#include "cni-client.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cni-env.h"
#include "cni-error.h"
#include "cni-frame.h"
#include "cni-protocol.h"
#include "event-loop.h"
#include "util.h"

/* Pause between attempts to connect while the agent's listen queue is
 * full, in milliseconds. */
#define CONNECT_RETRY_MSEC 20

static int connect_socket(const char *path, long long deadline,
                          const char *command, struct cni_error *);
static void sleep_msec(long long msec);

/* Sends the command in 'env' (ADD, DEL, CHECK, STATUS or GC) with the
 * 'config_size' bytes of network configuration at 'config' to the agent
 * listening on unix socket 'socket_path' and waits for its answer, giving
 * up after 'timeout_ms' milliseconds in all.  Returns true with the result
 * JSON (possibly empty), NUL-terminated, in a new buffer '*resultp' (the
 * caller frees it) and its length in '*result_sizep'.  Returns false with
 * the agent's error, or a transport error (see cni-client.h) naming the
 * socket, in 'error'. */
bool
cni_client_call(const char *socket_path, const struct cni_env *env,
                const char *config, size_t config_size, int timeout_ms,
                char **resultp, size_t *result_sizep, struct cni_error *error)
{
    long long deadline = time_msec() + (timeout_ms > 0 ? timeout_ms : 0);
    const char *command = cni_command_name(env->command);
    uint8_t *request = NULL;
    size_t request_size;
    uint8_t *reply = NULL;
    size_t reply_size;
    char *msg = NULL;
    bool ok = false;
    int retval;

    *resultp = NULL;
    *result_sizep = 0;

    int fd = connect_socket(socket_path, deadline, command, error);
    if (fd < 0) {
        return false;
    }

    cni_protocol_encode_request(env, config, config_size, &request,
                                &request_size);
    retval = cni_frame_write(fd, deadline, request, request_size, &msg);
    if (retval == EMSGSIZE) {
        cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                      "the %s request is too large for antrea-agent: %s",
                      command, msg);
        goto out;
    } else if (retval) {
        cni_error_set(error, CNI_ERR_TRY_AGAIN_LATER, NULL,
                      "sending %s to antrea-agent on %s failed: %s",
                      command, socket_path, msg);
        goto out;
    }

    retval = cni_frame_read(fd, deadline, &reply, &reply_size, &msg);
    if (retval == ETIMEDOUT) {
        cni_error_set(error, CNI_ERR_TRY_AGAIN_LATER, NULL,
                      "antrea-agent did not answer %s within %d ms on %s",
                      command, timeout_ms, socket_path);
    } else if (retval == ECONNRESET) {
        cni_error_set(error, CNI_ERR_TRY_AGAIN_LATER, NULL,
                      "antrea-agent closed the connection on %s without "
                      "answering %s", socket_path, command);
    } else if (retval) {
        cni_error_set(error, (retval == EMSGSIZE || retval == EPROTO
                              ? CNI_ERR_UNKNOWN_RPC_ERROR
                              : CNI_ERR_TRY_AGAIN_LATER), NULL,
                      "receiving antrea-agent's answer to %s on %s "
                      "failed: %s", command, socket_path, msg);
    } else {
        ok = cni_protocol_decode_response(reply, reply_size, resultp,
                                          result_sizep, error);
    }

out:
    free(msg);
    free(request);
    free(reply);
    close(fd);
    return ok;
}

/* Connects to unix socket 'path' by 'deadline'.  Returns the socket, or
 * -1 with an error about sending 'command' in 'error'. */
static int
connect_socket(const char *path, long long deadline, const char *command,
               struct cni_error *error)
{
    struct sockaddr_un sun;

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sun.sun_path) {
        cni_error_set(error, CNI_ERR_UNKNOWN_RPC_ERROR, NULL,
                      "antrea-agent's socket path %s is longer than the "
                      "%zu bytes a unix socket address holds", path,
                      sizeof sun.sun_path - 1);
        return -1;
    }
    strcpy(sun.sun_path, path);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        cni_error_set(error, CNI_ERR_UNKNOWN_RPC_ERROR, NULL,
                      "cannot create a unix socket: %s", strerror(errno));
        return -1;
    }

    for (;;) {
        if (!connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
            return fd;
        }

        int err = errno;
        if (err == EINTR) {
            continue;
        } else if (err == EAGAIN && time_msec() < deadline) {
            /* The agent's listen queue is full: it is busy, not gone. */
            sleep_msec(CONNECT_RETRY_MSEC);
            continue;
        } else if (err == EINPROGRESS) {
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            long long remaining = deadline - time_msec();
            int so_error = ETIMEDOUT;
            socklen_t len = sizeof so_error;
            if (remaining > 0
                && poll(&pfd, 1, remaining > INT_MAX ? INT_MAX : remaining) > 0
                && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len)
                && !so_error) {
                return fd;
            }
            err = so_error;
        }

        close(fd);
        if (err == ENOENT || err == ECONNREFUSED || err == EAGAIN
            || err == ETIMEDOUT) {
            cni_error_set(error, CNI_ERR_TRY_AGAIN_LATER, NULL,
                          "cannot send %s to antrea-agent: connecting to "
                          "%s failed: %s (is antrea-agent running?)",
                          command, path, strerror(err));
        } else {
            cni_error_set(error, CNI_ERR_UNKNOWN_RPC_ERROR, NULL,
                          "cannot send %s to antrea-agent: connecting to "
                          "%s failed: %s", command, path, strerror(err));
        }
        return -1;
    }
}

/* Sleeps for 'msec' milliseconds. */
static void
sleep_msec(long long msec)
{
    struct timespec ts = { .tv_sec = msec / 1000,
                           .tv_nsec = (msec % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) && errno == EINTR) {
        continue;
    }
}
