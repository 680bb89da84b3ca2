/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * antrea-cni: the CNI plugin binary the container runtime runs for every
 * Pod network operation.  A thin client: it reads the CNI_* variables and
 * the network configuration on stdin, answers VERSION itself, checks the
 * rest with the same rules as the agent (so obvious mistakes fail fast
 * with the right CNI error), forwards ADD, DEL, CHECK, STATUS and GC to
 * antrea-agent over its unix socket (core/lib/cni-client.h) and prints
 * the agent's result, or the CNI error JSON and exit status 1.
 *
 * The socket is ANTREA_CNI_SOCKET if set, else the network
 * configuration's "cniSocket", else /var/run/antrea/cni.sock.  The whole
 * exchange is bounded by ANTREA_CNI_TIMEOUT_MS (default 60 s; 10 s for
 * STATUS), and reading stdin by 10 s: antrea-cni never hangs.
 *
 * docs/wire-formats.md describes the protocol and the choices (where
 * antrea-cni is installed, what DEL does when the agent is down).
 */

#include <config.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cni-client.h"
#include "cni-config.h"
#include "cni-env.h"
#include "cni-error.h"
#include "cni-frame.h"
#include "cni-protocol.h"
#include "cni-version.h"
#include "event-loop.h"
#include "util.h"

extern char **environ;

/* Default bound on the exchange with the agent, in milliseconds.  ADD
 * waits for the Pod's flows; the agent itself gives up on a Node that is
 * not ready after 30 s, as Antrea does. */
#define DEFAULT_TIMEOUT_MS 60000
#define DEFAULT_STATUS_TIMEOUT_MS 10000

/* Largest accepted value of ANTREA_CNI_TIMEOUT_MS: one hour. */
#define MAX_TIMEOUT_MS (3600 * 1000)

/* Bound on reading the network configuration from stdin. */
#define STDIN_TIMEOUT_MS 10000

/* Largest network configuration: what fits in a request frame with room
 * for the other fields. */
#define STDIN_MAX_SIZE (CNI_FRAME_MAX_SIZE - 64 * 1024)

static int read_stdin(char **datap, size_t *sizep, struct cni_error *);
static int get_timeout(enum cni_command, int *timeout_ms,
                       struct cni_error *);
static int print_version(void);
static int fail(const struct cni_error *, const char *cni_version);
static void usage(void);

/* Runs one CNI command; see the comment at the top of this file. */
int
main(int argc, char *argv[])
{
    struct cni_error error = CNI_ERROR_INITIALIZER;
    struct cni_net_conf conf;
    struct cni_env env;
    char *data = NULL;
    size_t size = 0;
    char *version = NULL;
    int status;

    if (argc > 1) {
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
            usage();
            return 0;
        }
        fprintf(stderr, "%s: a CNI plugin takes no arguments (try "
                "--help)\n", argv[0]);
        return 2;
    }

    const char *command = getenv("CNI_COMMAND");
    if (command && !strcmp(command, "VERSION")) {
        return print_version();
    }

    cni_env_init(&env);
    cni_net_conf_init(&conf);

    /* stdin first, so that even an error about the environment comes in
     * the runtime's cniVersion. */
    int code = read_stdin(&data, &size, &error);
    if (!code) {
        version = cni_net_conf_peek_version(data, size);
        code = cni_env_from_environ(&env, environ, &error);
    }
    if (!code) {
        code = cni_net_conf_parse(&conf, data, size, &error);
    }
    if (!code) {
        code = cni_net_conf_check_command(&conf, env.command, &error);
    }

    int timeout_ms = 0;
    if (!code) {
        code = get_timeout(env.command, &timeout_ms, &error);
    }
    if (code) {
        status = fail(&error, version);
        goto out;
    }

    const char *socket_path = getenv("ANTREA_CNI_SOCKET");
    if (!socket_path || !socket_path[0]) {
        socket_path = conf.cni_socket ? conf.cni_socket : CNI_DEFAULT_SOCKET;
    }

    char *result;
    size_t result_size;
    if (cni_client_call(socket_path, &env, data, size, timeout_ms, &result,
                        &result_size, &error)) {
        if (result_size) {
            fwrite(result, 1, result_size, stdout);
            putchar('\n');
        }
        free(result);
        status = fflush(stdout) ? 1 : 0;
    } else {
        if (env.command == CNI_CMD_STATUS
            && error.code == CNI_ERR_TRY_AGAIN_LATER) {
            /* STATUS reports an unreachable agent with the code the spec
             * defines for it. */
            error.code = CNI_ERR_PLUGIN_NOT_AVAILABLE;
        }
        status = fail(&error, conf.cni_version);
    }

out:
    cni_error_destroy(&error);
    cni_net_conf_destroy(&conf);
    cni_env_destroy(&env);
    free(data);
    free(version);
    return status;
}

/* Reads all of stdin, within STDIN_TIMEOUT_MS and STDIN_MAX_SIZE bytes,
 * into a new NUL-terminated buffer '*datap' (the caller frees it) of
 * '*sizep' bytes.  A closed stdin reads as empty.  Returns 0, or IO_FAILURE
 * or DECODING_FAILURE (too large) with a message in 'error'. */
static int
read_stdin(char **datap, size_t *sizep, struct cni_error *error)
{
    long long deadline = time_msec() + STDIN_TIMEOUT_MS;
    size_t allocated = 4096;
    size_t size = 0;
    char *data = xmalloc(allocated + 1);

    for (;;) {
        if (size == allocated) {
            allocated *= 2;
            data = xrealloc(data, allocated + 1);
        }

        long long remaining = deadline - time_msec();
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        int n = remaining > 0 ? poll(&pfd, 1, remaining) : 0;
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n == 0) {
            free(data);
            return cni_error_set(error, CNI_ERR_IO_FAILURE, NULL,
                                 "timed out after %d ms reading the network "
                                 "configuration from stdin",
                                 STDIN_TIMEOUT_MS);
        } else if (n > 0 && pfd.revents & POLLNVAL) {
            break;              /* No stdin at all: empty. */
        }

        ssize_t retval = read(STDIN_FILENO, data + size, allocated - size);
        if (retval > 0) {
            size += retval;
            if (size > STDIN_MAX_SIZE) {
                free(data);
                return cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                                     "the network configuration on stdin "
                                     "is larger than %d bytes",
                                     STDIN_MAX_SIZE);
            }
        } else if (!retval || errno == EBADF) {
            break;
        } else if (errno != EINTR && errno != EAGAIN) {
            int err = errno;
            free(data);
            return cni_error_set(error, CNI_ERR_IO_FAILURE, NULL,
                                 "cannot read the network configuration "
                                 "from stdin: %s", strerror(err));
        }
    }
    data[size] = '\0';
    *datap = data;
    *sizep = size;
    return 0;
}

/* Sets '*timeout_ms' to ANTREA_CNI_TIMEOUT_MS if it is set, otherwise to
 * the default for 'command'.  Returns 0, or INVALID_ENVIRONMENT_VARIABLES
 * if the variable is not a number of milliseconds in range. */
static int
get_timeout(enum cni_command command, int *timeout_ms,
            struct cni_error *error)
{
    const char *s = getenv("ANTREA_CNI_TIMEOUT_MS");

    *timeout_ms = (command == CNI_CMD_STATUS ? DEFAULT_STATUS_TIMEOUT_MS
                   : DEFAULT_TIMEOUT_MS);
    if (!s || !s[0]) {
        return 0;
    }

    char *end;
    errno = 0;
    long value = strtol(s, &end, 10);
    if (errno || *end || value <= 0 || value > MAX_TIMEOUT_MS) {
        char *q = cni_quote(s);
        cni_error_set(error, CNI_ERR_INVALID_ENVIRONMENT_VARIABLES, NULL,
                      "ANTREA_CNI_TIMEOUT_MS=%s is invalid: it must be a "
                      "number of milliseconds from 1 to %d", q,
                      MAX_TIMEOUT_MS);
        free(q);
        return CNI_ERR_INVALID_ENVIRONMENT_VARIABLES;
    }
    *timeout_ms = value;
    return 0;
}

/* Answers VERSION: the supported versions, labelled with the cniVersion
 * the runtime passed on stdin if it is one of them.  stdin is optional
 * here (older runtimes pass none) and never waited for on a terminal. */
static int
print_version(void)
{
    struct cni_error error = CNI_ERROR_INITIALIZER;
    char *data = NULL;
    size_t size = 0;
    char *version = NULL;

    if (!isatty(STDIN_FILENO) && !read_stdin(&data, &size, &error)) {
        version = cni_net_conf_peek_version(data, size);
    }

    json_t *info = cni_version_info(version);
    char *s = json_dumps(info, JSON_COMPACT);
    puts(s);
    free(s);
    json_decref(info);
    free(version);
    free(data);
    cni_error_destroy(&error);
    return fflush(stdout) ? 1 : 0;
}

/* Prints 'error' as CNI error JSON on stdout, in 'cni_version' (or the
 * newest version if NULL), and returns the exit status for failure. */
static int
fail(const struct cni_error *error, const char *cni_version)
{
    char *json = cni_error_to_json(error, (cni_version ? cni_version
                                           : CNI_VERSION_LATEST));
    puts(json);
    free(json);
    fflush(stdout);
    return 1;
}

/* Prints what antrea-cni is and how it is run. */
static void
usage(void)
{
    char *versions = cni_version_list();
    printf("antrea-cni: the Antrea CNI plugin (antrea-c %s)\n"
           "\n"
           "A container runtime runs it with the CNI_* environment variables\n"
           "and the network configuration on stdin; it forwards ADD, DEL,\n"
           "CHECK, STATUS and GC to antrea-agent and answers VERSION.\n"
           "Supported CNI versions: %s.\n"
           "\n"
           "Environment beyond the CNI spec's:\n"
           "  ANTREA_CNI_SOCKET      the agent's socket (overrides the\n"
           "                         configuration's \"cniSocket\"; default\n"
           "                         %s)\n"
           "  ANTREA_CNI_TIMEOUT_MS  bound on the whole exchange with the\n"
           "                         agent (default %d; %d for STATUS)\n",
           PACKAGE_VERSION, versions, CNI_DEFAULT_SOCKET,
           DEFAULT_TIMEOUT_MS, DEFAULT_STATUS_TIMEOUT_MS);
    free(versions);
}
