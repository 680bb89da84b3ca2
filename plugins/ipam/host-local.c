/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The "host-local" IPAM module: allocates Pod addresses by running the CNI
 * project's host-local program, as Antrea does.  Like Antrea, it rewrites
 * the network configuration's "ipam" section before running the program:
 * one range whose subnet is the Node's podCIDR and whose gateway is the
 * Node's gateway address, and the module's dataDir.  Everything else in
 * the configuration the runtime gave (cniVersion, name, args,
 * runtimeConfig, ...) goes to host-local unchanged, and its result comes
 * back in that cniVersion's format.
 *
 * The program runs with a clean environment (the CNI_* variables and
 * PATH), the configuration on stdin through a pipe, and its stdout and
 * stderr captured up to 64 KiB each.  A run that takes longer than 30 s is
 * killed and reported: an IPAM call may block the agent for a short while,
 * never forever.
 *
 * host-local's own CHECK only verifies that the container holds some
 * address; this module also verifies that each address of the previous
 * result is the one host-local recorded for the container and interface,
 * by reading host-local's store (<dataDir>/<network name>/<address>, which
 * holds "<container ID>\r\n<ifname>").
 */

#include <config.h>     /* _GNU_SOURCE: pipe2 and
                               posix_spawn_file_actions_addclosefrom_np */

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "antrea/host-api.h"
#include "antrea/ipam.h"
#include "antrea/net-util.h"
#include "antrea/plugin.h"
#include "ipam-util.h"

#define HOST_LOCAL_PROGRAM "host-local"
#define HOST_LOCAL_DEFAULT_DATA_DIR "/var/lib/cni/networks"

/* The most of stdout (the result) and of stderr that is kept.  A result
 * larger than this is not a host-local result: the run is killed. */
#define HOST_LOCAL_OUTPUT_MAX (64 * 1024)

/* How long one run may take before it is killed. */
#define HOST_LOCAL_TIMEOUT_MSEC 30000

/* Where host-local is looked for after the request's CNI_PATH. */
static const char *const default_bin_dirs[] = {
    "/usr/lib/cni",             /* Debian's containernetworking-plugins */
    "/opt/cni/bin",             /* upstream and most distributions */
};

/* PATH for the program: CNI plugins get the runtime's, and need little. */
#define HOST_LOCAL_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
    "/sbin:/bin"

/* The module's state. */
struct host_local {
    const struct antrea_host_api *api;  /* the agent's services */
    struct antrea_host *host;           /* our handle for 'api' calls */
    char *data_dir;                     /* host-local's dataDir */
    char *bin_dir;                      /* binDir, or NULL to search */
};

/* Output captured from the program, NUL-terminated. */
struct buffer {
    char *data;                 /* HOST_LOCAL_OUTPUT_MAX + 1 bytes, or NULL
                                   before anything arrived */
    size_t length;              /* bytes in 'data', excluding the NUL */
    bool truncated;             /* more arrived than the limit allows */
};

/* What one run of the program produced. */
struct program_output {
    struct buffer out;          /* its stdout */
    struct buffer err;          /* its stderr, at most the limit */
    int status;                 /* its waitpid status */
};

/* For ipam-util.c's messages. */
const char ipam_util_module_name[] = "host-local IPAM";

/* Returns 's', or "" if it is NULL. */
static const char *
nonnull(const char *s)
{
    return s ? s : "";
}

/* Finding and running the program. */

/* Returns true if 'path' is an executable regular file. */
static bool
is_executable(const char *path)
{
    struct stat st;

    return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/* Returns the malloc'd path of the host-local program: in binDir if it is
 * set, else in the first directory of 'cni_path' (colon-separated; may be
 * NULL) or of default_bin_dirs that has it.  Returns NULL with a reason
 * naming every directory tried in 'error' if there is none. */
static char *
find_program(const struct host_local *hl, const char *cni_path, char *error)
{
    char tried[ANTREA_ERROR_SIZE] = "";
    size_t tried_length = 0;
    char *dirs;

    if (hl->bin_dir) {
        dirs = xstrdup(hl->bin_dir);
    } else {
        dirs = xasprintf("%s%s%s:%s", nonnull(cni_path),
                         cni_path && cni_path[0] ? ":" : "",
                         default_bin_dirs[0], default_bin_dirs[1]);
    }

    char *save_ptr = NULL;
    for (char *dir = strtok_r(dirs, ":", &save_ptr); dir;
         dir = strtok_r(NULL, ":", &save_ptr)) {
        char *path = xasprintf("%s/%s", dir, HOST_LOCAL_PROGRAM);
        if (is_executable(path)) {
            free(dirs);
            return path;
        }
        free(path);
        if (tried_length < sizeof tried) {
            int n = snprintf(tried + tried_length,
                             sizeof tried - tried_length, "%s%s",
                             tried_length ? ", " : "", dir);
            tried_length += n > 0 ? n : 0;
        }
    }
    free(dirs);
    set_error(error, "host-local: no executable %s program in %s%s",
              HOST_LOCAL_PROGRAM, tried[0] ? tried : "(no directory)",
              hl->bin_dir ? " (binDir)" : "");
    return NULL;
}

/* Moves '*fd' above the standard descriptors if it is one of them, so
 * that setting up the child's stdin, stdout and stderr cannot clobber
 * another of our pipes.  Returns 0 or errno. */
static int
move_above_stdio(int *fd)
{
    if (*fd > STDERR_FILENO) {
        return 0;
    }
    int new_fd = fcntl(*fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (new_fd < 0) {
        return errno;
    }
    close(*fd);
    *fd = new_fd;
    return 0;
}

/* Closes '*fd' if it is open and marks it closed. */
static void
close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Appends what 'fd' has to read to 'buffer', keeping at most
 * HOST_LOCAL_OUTPUT_MAX bytes and setting 'truncated' when there is more.
 * Returns true while 'fd' stays open, false at end of file or on error. */
static bool
buffer_read(struct buffer *buffer, int fd)
{
    char scratch[4096];

    for (;;) {
        char *dst;
        size_t room;

        if (buffer->length < HOST_LOCAL_OUTPUT_MAX) {
            if (!buffer->data) {
                buffer->data = xmalloc(HOST_LOCAL_OUTPUT_MAX + 1);
                buffer->data[0] = '\0';
            }
            dst = buffer->data + buffer->length;
            room = HOST_LOCAL_OUTPUT_MAX - buffer->length;
        } else {
            dst = scratch;
            room = sizeof scratch;
        }

        ssize_t n = read(fd, dst, room);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN || errno == EWOULDBLOCK;
        } else if (n == 0) {
            return false;
        } else if (dst == scratch) {
            buffer->truncated = true;
        } else {
            buffer->length += n;
            buffer->data[buffer->length] = '\0';
        }
    }
}

/* Frees what 'buffer' owns. */
static void
buffer_destroy(struct buffer *buffer)
{
    free(buffer->data);
    memset(buffer, 0, sizeof *buffer);
}

/* Kills the child 'pid' and reaps it. */
static void
kill_and_reap(pid_t pid)
{
    int status;

    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        continue;
    }
}

/* Waits until 'pid' exits or 'deadline' passes.  Returns 0 with its
 * status in '*status', ETIMEDOUT, or errno. */
static int
wait_until(pid_t pid, long long deadline, int *status)
{
    for (;;) {
        pid_t reaped = waitpid(pid, status, WNOHANG);
        if (reaped == pid) {
            return 0;
        } else if (reaped < 0 && errno != EINTR) {
            return errno;
        } else if (monotonic_msec() >= deadline) {
            return ETIMEDOUT;
        }

        /* The program has closed its output, so it is about to exit. */
        struct timespec ts = { 0, 2 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

/* Feeds 'input' to the program's stdin ('*in_fd') and collects its stdout
 * and stderr into 'output' until both close, then waits for it to exit,
 * all before 'deadline'.  Returns 0 or a positive errno value with a
 * reason in 'error'; on failure the program has been killed and reaped. */
static int
talk_to_program(pid_t pid, int *in_fd, int out_fd, int err_fd,
                const char *input, long long deadline,
                struct program_output *output, char *error)
{
    size_t input_length = strlen(input);
    size_t written = 0;
    bool out_open = true;
    bool err_open = true;

    while (out_open || err_open) {
        struct pollfd pfds[3];
        int n_pfds = 0;
        int in_index = -1, out_index = -1, err_index = -1;

        if (*in_fd >= 0) {
            in_index = n_pfds;
            pfds[n_pfds++] = (struct pollfd) { *in_fd, POLLOUT, 0 };
        }
        if (out_open) {
            out_index = n_pfds;
            pfds[n_pfds++] = (struct pollfd) { out_fd, POLLIN, 0 };
        }
        if (err_open) {
            err_index = n_pfds;
            pfds[n_pfds++] = (struct pollfd) { err_fd, POLLIN, 0 };
        }

        long long remaining = deadline - monotonic_msec();
        if (remaining <= 0) {
            kill_and_reap(pid);
            set_error(error, "host-local: the program did not finish "
                      "within %d s and was killed",
                      HOST_LOCAL_TIMEOUT_MSEC / 1000);
            return ETIMEDOUT;
        }
        if (poll(pfds, n_pfds, remaining > INT_MAX ? INT_MAX
                 : (int) remaining) < 0) {
            if (errno == EINTR) {
                continue;
            }
            int err = errno;
            kill_and_reap(pid);
            set_error(error, "host-local: poll failed: %s", strerror(err));
            return err;
        }

        if (in_index >= 0 && pfds[in_index].revents) {
            ssize_t n = write(*in_fd, input + written,
                              input_length - written);
            if (n > 0) {
                written += n;
            }
            if (written == input_length
                || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                /* Done, or the program stopped reading (EPIPE): its
                 * output will say why. */
                close_fd(in_fd);
            }
        }
        if (out_index >= 0 && pfds[out_index].revents) {
            out_open = buffer_read(&output->out, out_fd);
            if (output->out.truncated) {
                kill_and_reap(pid);
                set_error(error, "host-local: the program wrote more than "
                          "%d bytes of output and was killed",
                          HOST_LOCAL_OUTPUT_MAX);
                return EMSGSIZE;
            }
        }
        if (err_index >= 0 && pfds[err_index].revents) {
            err_open = buffer_read(&output->err, err_fd);
        }
    }
    close_fd(in_fd);

    int err = wait_until(pid, deadline, &output->status);
    if (err == ETIMEDOUT) {
        kill_and_reap(pid);
        set_error(error, "host-local: the program did not exit within %d s "
                  "and was killed", HOST_LOCAL_TIMEOUT_MSEC / 1000);
    } else if (err) {
        kill_and_reap(pid);
        set_error(error, "host-local: cannot wait for the program: %s",
                  strerror(err));
    }
    return err;
}

/* Runs the program 'path' with environment 'envp' and 'input' on its
 * stdin, and fills 'output' (which the caller initialised to zeros and
 * destroys).  Returns 0 when the program ran to its exit (whatever its
 * status), or a positive errno value with a reason in 'error'. */
static int
run_program(const char *path, char *const envp[], const char *input,
            struct program_output *output, char *error)
{
    int in_pipe[2] = { -1, -1 };
    int out_pipe[2] = { -1, -1 };
    int err_pipe[2] = { -1, -1 };
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t pipe_set, old_mask, pending, all;
    bool pipe_pending;
    char *const argv[] = { (char *) HOST_LOCAL_PROGRAM, NULL };
    int err = 0;

    /* CLOEXEC, so that no other child of the agent inherits them; the
     * ends the program gets are dup2'ed, which clears it. */
    if (pipe2(in_pipe, O_CLOEXEC) || pipe2(out_pipe, O_CLOEXEC)
        || pipe2(err_pipe, O_CLOEXEC)) {
        err = errno;
    }
    int *fds[] = { &in_pipe[0], &in_pipe[1], &out_pipe[0], &out_pipe[1],
                   &err_pipe[0], &err_pipe[1] };
    for (size_t i = 0; !err && i < sizeof fds / sizeof fds[0]; i++) {
        err = move_above_stdio(fds[i]);
    }
    if (err) {
        set_error(error, "host-local: cannot create pipes: %s",
                  strerror(err));
        goto close_pipes;
    }

    /* The program gets the pipes as stdin, stdout and stderr, no other
     * descriptor, default signal dispositions and an empty mask. */
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    posix_spawnattr_init(&attr);
    sigemptyset(&all);
    posix_spawnattr_setsigmask(&attr, &all);
    sigfillset(&all);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    /* Writing to a program that exits without reading its stdin raises
     * SIGPIPE, which would kill the agent unless it ignores SIGPIPE.  Block
     * it for the duration and drop the one we cause. */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
    sigpending(&pending);
    pipe_pending = sigismember(&pending, SIGPIPE);

    pid_t pid;
    err = posix_spawn(&pid, path, &actions, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close_fd(&in_pipe[0]);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[1]);
    if (err) {
        set_error(error, "host-local: cannot run %s: %s", path,
                  strerror(err));
    } else {
        fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
        fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
        fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
        err = talk_to_program(pid, &in_pipe[1], out_pipe[0], err_pipe[0],
                              input,
                              monotonic_msec() + HOST_LOCAL_TIMEOUT_MSEC,
                              output, error);
    }

    if (!pipe_pending) {
        static const struct timespec zero = { 0, 0 };
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE)) {
            sigtimedwait(&pipe_set, NULL, &zero);
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);

close_pipes:
    for (int i = 0; i < 2; i++) {
        close_fd(&in_pipe[i]);
        close_fd(&out_pipe[i]);
        close_fd(&err_pipe[i]);
    }
    return err;
}

/* The configuration host-local reads. */

/* Returns the text of 'ip' as a new JSON string. */
static json_t *
json_ip(const struct antrea_ip *ip)
{
    char text[ANTREA_IP_STRING_SIZE];

    antrea_ip_to_string(ip, text, sizeof text);
    return json_string(text);
}

/* Returns the text of 'prefix' as a new JSON string. */
static json_t *
json_prefix(const struct antrea_prefix *prefix)
{
    char text[ANTREA_PREFIX_STRING_SIZE];

    antrea_prefix_to_string(prefix, text, sizeof text);
    return json_string(text);
}

/* Returns 'prev' as a CNI result of 'cni_version', for CHECK's
 * "prevResult", or NULL with a reason in 'error'. */
static json_t *
build_prev_result(const struct antrea_ipam_result *prev,
                  const char *cni_version, char *error)
{
    /* Before 1.0.0, each IP config carried its version. */
    bool with_version = !strncmp(cni_version, "0.", 2);
    char text[ANTREA_PREFIX_STRING_SIZE];

    if (!prev || !prev->n_addresses
        || prev->n_addresses > ANTREA_IPAM_MAX_ADDRESSES
        || prev->n_routes > ANTREA_IPAM_MAX_ROUTES) {
        set_error(error, "host-local: CHECK needs a previous result with 1 "
                  "to %d addresses", ANTREA_IPAM_MAX_ADDRESSES);
        return NULL;
    }

    json_t *ips = json_array();
    for (uint32_t i = 0; i < prev->n_addresses; i++) {
        const struct antrea_prefix *address = &prev->addresses[i].address;
        const struct antrea_ip *gateway = &prev->addresses[i].gateway;

        if (!antrea_prefix_to_string(address, text, sizeof text)
            || (gateway->family
                && !antrea_ip_to_string(gateway, text, sizeof text))) {
            set_error(error, "host-local: address %u of the previous result "
                      "is not valid", (unsigned int) i);
            json_decref(ips);
            return NULL;
        }
        json_t *ip = json_pack("{s:o}", "address", json_prefix(address));
        if (gateway->family) {
            json_object_set_new(ip, "gateway", json_ip(gateway));
        }
        if (with_version) {
            json_object_set_new(ip, "version", json_string(
                                    address->ip.family == AF_INET6
                                    ? "6" : "4"));
        }
        json_array_append_new(ips, ip);
    }

    json_t *routes = json_array();
    for (uint32_t i = 0; i < prev->n_routes; i++) {
        const struct antrea_prefix *dst = &prev->routes[i].dst;
        const struct antrea_ip *gw = &prev->routes[i].gateway;

        if (!antrea_prefix_to_string(dst, text, sizeof text)) {
            set_error(error, "host-local: route %u of the previous result "
                      "is not valid", (unsigned int) i);
            json_decref(ips);
            json_decref(routes);
            return NULL;
        }
        json_t *route = json_pack("{s:o}", "dst", json_prefix(dst));
        if (gw->family) {
            json_object_set_new(route, "gw", json_ip(gw));
        }
        json_array_append_new(routes, route);
    }

    return json_pack("{s:s, s:o, s:o}", "cniVersion", cni_version,
                     "ips", ips, "routes", routes);
}

/* Parses the request's network configuration and replaces its "ipam" with
 * the range host-local must allocate from (and, when 'prev' is not NULL,
 * its "prevResult" with 'prev').  Returns the configuration, or NULL with a
 * reason in 'error'. */
static json_t *
build_config(const struct host_local *hl,
             const struct antrea_ipam_request *req,
             const struct antrea_ipam_result *prev, char *error)
{
    char subnet_text[ANTREA_PREFIX_STRING_SIZE];
    char gateway_text[ANTREA_IP_STRING_SIZE];
    json_error_t json_error;

    if (!req->network_config || !req->network_config[0]) {
        set_error(error, "host-local: the request has no network "
                  "configuration");
        return NULL;
    }
    json_t *config = json_loads(req->network_config, JSON_REJECT_DUPLICATES,
                                &json_error);
    if (!config) {
        set_error(error, "host-local: the network configuration is not "
                  "valid JSON: line %d column %d: %s", json_error.line,
                  json_error.column, json_error.text);
        return NULL;
    }

    const char *cni_version = json_string_value(json_object_get(config,
                                                                "cniVersion"));
    const char *name = json_string_value(json_object_get(config, "name"));
    if (!json_is_object(config)) {
        set_error(error, "host-local: the network configuration is not a "
                  "JSON object");
    } else if (!cni_version || !cni_version[0]) {
        set_error(error, "host-local: the network configuration has no "
                  "\"cniVersion\" string");
    } else if (!name || !name[0]) {
        set_error(error, "host-local: the network configuration has no "
                  "\"name\" string");
    } else if (name[0] == '.' || strchr(name, '/')) {
        /* host-local makes it a directory name. */
        set_error(error, "host-local: network name \"%s\" is not valid",
                  name);
    } else if (!antrea_prefix_to_string(&req->subnet, subnet_text,
                                        sizeof subnet_text)) {
        set_error(error, "host-local: the request has no subnet (the "
                  "Node's podCIDR)");
    } else if (req->gateway.family
               && !antrea_ip_to_string(&req->gateway, gateway_text,
                                       sizeof gateway_text)) {
        set_error(error, "host-local: the request's gateway is not a valid "
                  "address");
    } else {
        json_t *range = json_pack("{s:s}", "subnet", subnet_text);
        if (req->gateway.family) {
            json_object_set_new(range, "gateway", json_string(gateway_text));
        }
        json_object_set_new(config, "ipam",
                            json_pack("{s:s, s:[[o]], s:s}",
                                      "type", HOST_LOCAL_PROGRAM,
                                      "ranges", range,
                                      "dataDir", hl->data_dir));
        if (!prev) {
            return config;
        }

        json_t *prev_result = build_prev_result(prev, cni_version, error);
        if (prev_result) {
            json_object_set_new(config, "prevResult", prev_result);
            return config;
        }
    }
    json_decref(config);
    return NULL;
}

/* The program's answer. */

/* Parses the address of IP config 'ip' (member 'key': "address" since CNI
 * 0.3.0, "ip" before) and its optional "gateway" into 'result'.  Returns
 * NULL or a malloc'd reason. */
static char *
parse_ip_config(json_t *ip, const char *key, struct antrea_ipam_result *result)
{
    const char *address = json_string_value(json_object_get(ip, key));
    const char *gateway = json_string_value(json_object_get(ip, "gateway"));

    if (result->n_addresses >= ANTREA_IPAM_MAX_ADDRESSES) {
        return xasprintf("more than %d addresses",
                         ANTREA_IPAM_MAX_ADDRESSES);
    }
    uint32_t i = result->n_addresses;
    memset(&result->addresses[i], 0, sizeof result->addresses[i]);
    if (!antrea_prefix_from_string(address,
                                   &result->addresses[i].address)) {
        return xasprintf("\"%s\" is not an address with a prefix length",
                         address ? address : "(missing)");
    }
    if (gateway && !antrea_ip_from_string(gateway,
                                          &result->addresses[i].gateway)) {
        return xasprintf("gateway \"%s\" is not an address", gateway);
    }
    result->n_addresses++;
    return NULL;
}

/* Parses the routes in JSON array 'routes' (may be NULL) into 'result'.
 * Returns NULL or a malloc'd reason. */
static char *
parse_routes(json_t *routes, struct antrea_ipam_result *result)
{
    size_t i;
    json_t *route;

    if (routes && !json_is_array(routes)) {
        return xasprintf("\"routes\" is not an array");
    }
    json_array_foreach (routes, i, route) {
        const char *dst = json_string_value(json_object_get(route, "dst"));
        const char *gw = json_string_value(json_object_get(route, "gw"));

        if (result->n_routes >= ANTREA_IPAM_MAX_ROUTES) {
            return xasprintf("more than %d routes", ANTREA_IPAM_MAX_ROUTES);
        }
        uint32_t j = result->n_routes;
        memset(&result->routes[j], 0, sizeof result->routes[j]);
        if (!antrea_prefix_from_string(dst, &result->routes[j].dst)) {
            return xasprintf("route destination \"%s\" is not a prefix",
                             dst ? dst : "(missing)");
        }
        if (gw && !antrea_ip_from_string(gw, &result->routes[j].gateway)) {
            return xasprintf("route gateway \"%s\" is not an address", gw);
        }
        result->n_routes++;
    }
    return NULL;
}

/* Parses the CNI result 'text' into 'result': "ips" and "routes" (CNI
 * 0.3.0 and later) or "ip4" and "ip6" (0.1.0, 0.2.0).  Returns NULL or a
 * malloc'd reason. */
static char *
parse_result(const char *text, struct antrea_ipam_result *result)
{
    json_error_t json_error;
    char *reason = NULL;

    json_t *root = json_loads(text, 0, &json_error);
    if (!root) {
        return xasprintf("not JSON: line %d column %d: %s", json_error.line,
                         json_error.column, json_error.text);
    }

    result->n_addresses = 0;
    result->n_routes = 0;
    json_t *ips = json_object_get(root, "ips");
    if (!json_is_object(root)) {
        reason = xasprintf("not a JSON object");
    } else if (ips) {
        size_t i;
        json_t *ip;

        if (!json_is_array(ips)) {
            reason = xasprintf("\"ips\" is not an array");
        }
        json_array_foreach (ips, i, ip) {
            reason = parse_ip_config(ip, "address", result);
            if (reason) {
                break;
            }
        }
        if (!reason) {
            reason = parse_routes(json_object_get(root, "routes"), result);
        }
    } else {
        static const char *const families[] = { "ip4", "ip6" };
        for (size_t i = 0; !reason && i < 2; i++) {
            json_t *ip = json_object_get(root, families[i]);
            if (ip) {
                reason = parse_ip_config(ip, "ip", result);
                if (!reason) {
                    reason = parse_routes(json_object_get(ip, "routes"),
                                          result);
                }
            }
        }
    }
    if (!reason && !result->n_addresses) {
        reason = xasprintf("no address");
    }
    json_decref(root);
    return reason;
}

/* Explains in 'error' why the program, which ran and produced 'output',
 * failed.  Returns the errno value to report. */
static int
explain_failure(const struct program_output *output, char *error)
{
    const int status = output->status;
    json_t *root = json_loads(output->out.data ? output->out.data : "", 0,
                              NULL);
    const char *msg = json_string_value(json_object_get(root, "msg"));
    const char *details = json_string_value(json_object_get(root,
                                                            "details"));
    json_int_t code = json_integer_value(json_object_get(root, "code"));
    static const char prefix[] = "host-local: ";

    if (msg) {
        /* host-local's own messages often start with its name already. */
        if (!strncmp(msg, prefix, strlen(prefix))) {
            msg += strlen(prefix);
        }
        set_error(error, "%s%s%s%s", prefix, msg,
                  details && details[0] ? ": " : "", nonnull(details));
    } else {
        const char *err_text = output->err.data ? output->err.data : "";
        size_t length = strcspn(err_text, "\n");
        char how[64];

        if (WIFEXITED(status)) {
            snprintf(how, sizeof how, "exited with status %d",
                     WEXITSTATUS(status));
        } else if (WIFSIGNALED(status)) {
            snprintf(how, sizeof how, "was killed by signal %d",
                     WTERMSIG(status));
        } else {
            snprintf(how, sizeof how, "failed (wait status %d)", status);
        }
        set_error(error, "%sthe program %s%s%.*s", prefix, how,
                  length ? ": " : "", (int) length, err_text);
    }
    json_decref(root);

    /* CNI error 11 is "try again later". */
    return code == 11 ? EAGAIN : EIO;
}

/* Runs host-local for 'command' ("ADD", "DEL" or "CHECK") on the request;
 * 'prev' is CHECK's previous result (NULL otherwise).  On success, for
 * ADD, parses the result into 'result'.  Stores the parsed network
 * configuration in '*configp' if 'configp' is not NULL (the caller
 * json_decref's it).  Returns 0, or a positive errno value with a reason
 * in 'error'. */
static int
host_local_run(const struct host_local *hl, const char *command,
               const struct antrea_ipam_request *req,
               const struct antrea_ipam_result *prev,
               struct antrea_ipam_result *result, json_t **configp,
               char *error)
{
    if (!req->container_id || !req->container_id[0]) {
        set_error(error, "host-local: the request has no container ID");
        return EINVAL;
    }
    if (!req->ifname || !req->ifname[0]) {
        set_error(error, "host-local: the request for container %s has no "
                  "interface name", req->container_id);
        return EINVAL;
    }

    json_t *config = build_config(hl, req, prev, error);
    if (!config) {
        return EINVAL;
    }
    char *path = find_program(hl, req->cni_path, error);
    if (!path) {
        json_decref(config);
        return ENOENT;
    }
    char *input = json_dumps(config, JSON_COMPACT);
    if (!input) {
        out_of_memory();
    }

    /* With no CNI_PATH from the runtime, the program's own directory. */
    char *cni_path;
    if (req->cni_path && req->cni_path[0]) {
        cni_path = xstrdup(req->cni_path);
    } else {
        cni_path = xstrdup(path);
        *strrchr(cni_path, '/') = '\0';
    }
    char *envp[] = {
        xasprintf("CNI_COMMAND=%s", command),
        xasprintf("CNI_CONTAINERID=%s", req->container_id),
        xasprintf("CNI_NETNS=%s", nonnull(req->netns)),
        xasprintf("CNI_IFNAME=%s", req->ifname),
        xasprintf("CNI_ARGS=%s", nonnull(req->cni_args)),
        xasprintf("CNI_PATH=%s", cni_path),
        xstrdup("PATH=" HOST_LOCAL_PATH),
        NULL,
    };

    hl->api->log(hl->host, ANTREA_LOG_DBG, "%s %s for container %s "
                 "interface %s", path, command, req->container_id,
                 req->ifname);

    struct program_output output;
    memset(&output, 0, sizeof output);
    int err = run_program(path, envp, input, &output, error);
    if (err) {
        /* 'error' says why. */
    } else if (!WIFEXITED(output.status) || WEXITSTATUS(output.status)) {
        err = explain_failure(&output, error);
    } else if (result) {
        char *reason = parse_result(output.out.data ? output.out.data : "",
                                    result);
        if (reason) {
            set_error(error, "host-local: unexpected %s result: %s",
                      command, reason);
            free(reason);
            err = EPROTO;
        }
    }

    buffer_destroy(&output.out);
    buffer_destroy(&output.err);
    for (char **e = envp; *e; e++) {
        free(*e);
    }
    free(cni_path);
    free(input);
    free(path);
    if (configp && !err) {
        *configp = config;
    } else {
        json_decref(config);
    }
    return err;
}

/* Returns true if 'address' is recorded in host-local's store for network
 * 'name' as allocated to the request's container and interface.  Otherwise
 * returns false with a reason in 'error'. */
static bool
store_has(const struct host_local *hl, const char *name,
          const struct antrea_ipam_request *req,
          const struct antrea_ip *address, char *error)
{
    char ip_text[ANTREA_IP_STRING_SIZE];
    char content[512];

    if (!antrea_ip_to_string(address, ip_text, sizeof ip_text)) {
        set_error(error, "host-local: the previous result has an invalid "
                  "address");
        return false;
    }

    char *path = xasprintf("%s/%s/%s", hl->data_dir, name, ip_text);
    FILE *stream = fopen(path, "re");
    free(path);
    if (!stream) {
        set_error(error, "host-local: %s is not allocated (container %s "
                  "interface %s)", ip_text, req->container_id, req->ifname);
        return false;
    }
    size_t length = fread(content, 1, sizeof content - 1, stream);
    fclose(stream);
    content[length] = '\0';

    /* "<container ID>\r\n<ifname>"; before plugins 0.8, the ID alone. */
    char *ifname = strchr(content, '\n');
    if (ifname) {
        *ifname++ = '\0';
    }
    content[strcspn(content, "\r\n")] = '\0';
    if (ifname) {
        ifname[strcspn(ifname, "\r\n")] = '\0';
    }
    if (strcmp(content, req->container_id)
        || (ifname && strcmp(ifname, req->ifname))) {
        set_error(error, "host-local: %s is allocated to container %s "
                  "interface %s, not to container %s interface %s",
                  ip_text, content, ifname ? ifname : "(unknown)",
                  req->container_id, req->ifname);
        return false;
    }
    return true;
}

/* The ops. */

/* The lifecycle's init: reads the "dataDir" and "binDir" keys. */
static int
host_local_init(const struct antrea_plugin_init_args *args, void **statep)
{
    static const char *const known_keys[] = {"dataDir", "binDir", NULL};
    const struct antrea_host_api *api = args->api;
    const char *data_dir, *bin_dir;

    int err = api->config_check_keys(args->host, args->config, known_keys);
    if (!err) {
        err = api->config_get_string(args->host, args->config, "dataDir",
                                     HOST_LOCAL_DEFAULT_DATA_DIR, &data_dir);
    }
    if (!err) {
        err = api->config_get_string(args->host, args->config, "binDir",
                                     NULL, &bin_dir);
    }
    if (err) {
        return err;
    }
    if (data_dir[0] != '/') {
        api->config_error(args->host, api->config_get(args->config,
                                                      "dataDir"),
                          "dataDir must be an absolute path, not \"%s\"",
                          data_dir);
        return EINVAL;
    }
    if (bin_dir && bin_dir[0] != '/') {
        api->config_error(args->host, api->config_get(args->config,
                                                      "binDir"),
                          "binDir must be an absolute path, not \"%s\"",
                          bin_dir);
        return EINVAL;
    }

    struct host_local *hl = xmalloc(sizeof *hl);
    hl->api = api;
    hl->host = args->host;
    hl->data_dir = xstrdup(data_dir);
    hl->bin_dir = bin_dir ? xstrdup(bin_dir) : NULL;
    *statep = hl;
    return 0;
}

/* The lifecycle's fini. */
static void
host_local_fini(void *hl_)
{
    struct host_local *hl = hl_;

    if (hl) {
        free(hl->data_dir);
        free(hl->bin_dir);
        free(hl);
    }
}

/* Allocates through host-local's ADD. */
static int
host_local_add(void *hl, const struct antrea_ipam_request *req,
               struct antrea_ipam_result *result, char *error)
{
    return host_local_run(hl, "ADD", req, NULL, result, NULL, error);
}

/* Releases through host-local's DEL. */
static int
host_local_del(void *hl, const struct antrea_ipam_request *req,
               char *error)
{
    return host_local_run(hl, "DEL", req, NULL, NULL, NULL, error);
}

/* Verifies through host-local's CHECK, then that each address of 'prev'
 * is the container's in host-local's store. */
static int
host_local_check(void *hl_, const struct antrea_ipam_request *req,
                 const struct antrea_ipam_result *prev, char *error)
{
    const struct host_local *hl = hl_;
    json_t *config;

    int err = host_local_run(hl, "CHECK", req, prev, NULL, &config, error);
    if (err) {
        return err;
    }
    const char *name = json_string_value(json_object_get(config, "name"));
    for (uint32_t i = 0; !err && i < prev->n_addresses; i++) {
        if (!store_has(hl, name, req, &prev->addresses[i].address.ip,
                       error)) {
            err = EINVAL;
        }
    }
    json_decref(config);
    return err;
}

/* The ops table the descriptor points to. */
static const struct antrea_ipam_ops host_local_ops = {
    .lifecycle = {
        .init = host_local_init,
        .fini = host_local_fini,
    },
    .add = host_local_add,
    .del = host_local_del,
    .check = host_local_check,
    .gc = NULL,
};

ANTREA_PLUGIN_DEFINE("host-local", ANTREA_PLUGIN_IPAM, PACKAGE_VERSION,
                     "Pod addresses from the CNI host-local program, as "
                     "Antrea does",
                     host_local_ops);
