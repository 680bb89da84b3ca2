/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the IPAM modules, "native" and "host-local", loaded from the
 * build tree through the real loader and run with the agent's real host
 * API (test-util.h).  Every test gets a fresh temporary dataDir.
 *
 * The host-local tests run the real CNI host-local program from
 * /usr/lib/cni and are skipped when it is not installed; the tests of how
 * the module runs a program (environment, stdin, errors, output limits)
 * use small shell scripts in a temporary binDir instead.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include "antrea/ipam.h"
#include "antrea/net-util.h"
#include "log.h"
#include "test-util.h"
#include "util.h"

/* The real program, from Debian's containernetworking-plugins. */
#define REAL_HOST_LOCAL "/usr/lib/cni/host-local"

/* The network configuration a runtime would pass for Antrea. */
#define NETCONF(VERSION) \
    "{\"cniVersion\":\"" VERSION "\",\"name\":\"antrea\"," \
    "\"type\":\"antrea\",\"ipam\":{\"type\":\"host-local\"}}"

/* The temporary directory of the running test (each criterion test runs in
 * its own process, so one global per test). */
static char *test_dir;

/* The module under test and its ops. */
static struct test_plugin *module;
static const struct antrea_ipam_ops *ops;

/* Where capture_log() sends log lines; NULL until it is called. */
static FILE *log_capture;

/* ------------------------------------------------------------------ */
/* Helpers */

/* Removes 'path' and, if it is a directory, everything below it. */
static void
remove_tree(const char *path)
{
    struct stat st;

    if (lstat(path, &st)) {
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *dir = opendir(path);
        if (dir) {
            struct dirent *de;
            while ((de = readdir(dir)) != NULL) {
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                    char *child = xasprintf("%s/%s", path, de->d_name);
                    remove_tree(child);
                    free(child);
                }
            }
            closedir(dir);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Fixture: creates the test's temporary directory. */
static void
setup_dir(void)
{
    char template[] = "/tmp/antrea-test-ipam-XXXXXX";
    cr_assert_not_null(mkdtemp(template), "mkdtemp: %s", strerror(errno));
    test_dir = strdup(template);
    module = NULL;
    ops = NULL;
}

/* Fixture: stops the module and removes the temporary directory. */
static void
teardown_dir(void)
{
    test_plugin_stop(module);
    module = NULL;
    if (test_dir) {
        remove_tree(test_dir);
        free(test_dir);
        test_dir = NULL;
    }
}

/* Returns a malloc'd "<test_dir>/<name>". */
static char *
test_path(const char *name)
{
    return xasprintf("%s/%s", test_dir, name);
}

/* Returns the malloc'd YAML config "dataDir: <test_dir>/data", plus
 * 'extra' (more YAML lines, may be ""). */
static char *
config_yaml(const char *extra)
{
    return xasprintf("dataDir: %s/data\n%s", test_dir, extra);
}

/* Starts module 'name' with config_yaml('extra') into 'module' and
 * 'ops'. */
static void
start_module(const char *name, const char *extra)
{
    char *yaml = config_yaml(extra);
    module = test_plugin_start(name, yaml);
    ops = test_plugin_ops(module);
    free(yaml);
}

/* Stops the module started by start_module. */
static void
stop_module(void)
{
    test_plugin_stop(module);
    module = NULL;
    ops = NULL;
}

/* Parses 's' into an address, failing the test if it does not parse. */
static struct antrea_ip
ip(const char *s)
{
    struct antrea_ip addr;
    cr_assert(antrea_ip_from_string(s, &addr), "cannot parse %s", s);
    return addr;
}

/* Parses 's' into a prefix, failing the test if it does not parse. */
static struct antrea_prefix
prefix(const char *s)
{
    struct antrea_prefix p;
    cr_assert(antrea_prefix_from_string(s, &p), "cannot parse %s", s);
    return p;
}

/* Returns a request of 'container_id' for interface eth0 in 'subnet' with
 * gateway 'gateway' (NULL for none), and NETCONF 1.0.0. */
static struct antrea_ipam_request
request(const char *container_id, const char *subnet, const char *gateway)
{
    struct antrea_ipam_request req = {
        .size = sizeof req,
        .container_id = container_id,
        .ifname = "eth0",
        .netns = "/var/run/netns/test",
        .pod_namespace = "default",
        .pod_name = "pod",
        .cni_args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;"
                    "K8S_POD_NAME=pod",
        .cni_path = "/usr/lib/cni",
        .network_config = NETCONF("1.0.0"),
    };
    req.subnet = prefix(subnet);
    if (gateway) {
        req.gateway = ip(gateway);
    }
    return req;
}

/* Runs add for 'req', which must succeed with exactly one address, and
 * returns that address as text in 'buf' (ANTREA_PREFIX_STRING_SIZE);
 * '*resultp' gets the whole result if 'resultp' is not NULL. */
static const char *
add_ok(const struct antrea_ipam_request *req, char *buf,
       struct antrea_ipam_result *resultp)
{
    struct antrea_ipam_result result;
    char error[ANTREA_ERROR_SIZE] = "";

    memset(&result, 0, sizeof result);
    result.size = sizeof result;
    int err = ops->add(module->state, req, &result, error);
    cr_assert_eq(err, 0, "add for %s failed: %s (%s)", req->container_id,
                 strerror(err), error);
    cr_assert_eq(result.n_addresses, 1, "add for %s gave %u addresses",
                 req->container_id, result.n_addresses);
    cr_assert(antrea_prefix_to_string(&result.addresses[0].address, buf,
                                      ANTREA_PREFIX_STRING_SIZE));
    if (resultp) {
        *resultp = result;
    }
    return buf;
}

/* Runs add for container 'container_id' in 'subnet' with 'gateway' and
 * fails the test unless it gives 'expected' (an address with its prefix
 * length). */
static void
expect_add(const char *container_id, const char *subnet, const char *gateway,
           const char *expected)
{
    struct antrea_ipam_request req = request(container_id, subnet, gateway);
    char buf[ANTREA_PREFIX_STRING_SIZE];

    cr_expect_str_eq(add_ok(&req, buf, NULL), expected,
                     "container %s", container_id);
}

/* Runs del for 'req' and fails the test unless it succeeds. */
static void
del_ok(const struct antrea_ipam_request *req)
{
    char error[ANTREA_ERROR_SIZE] = "";
    int err = ops->del(module->state, req, error);
    cr_assert_eq(err, 0, "del for %s failed: %s (%s)", req->container_id,
                 strerror(err), error);
}

/* Writes 'text' to 'path', replacing it; 'mode' is the file's mode. */
static void
write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
    size_t length = strlen(text);
    cr_assert_eq(write(fd, text, length), (ssize_t) length);
    cr_assert_eq(close(fd), 0);
}

/* Returns the malloc'd contents of 'path', or NULL if it cannot be read. */
static char *
read_file(const char *path)
{
    FILE *stream = fopen(path, "r");
    if (!stream) {
        return NULL;
    }
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stream)) > 0) {
        fwrite(buf, 1, n, mem);
    }
    fclose(stream);
    fclose(mem);
    return text;
}

/* Sends log lines to a temporary file for the rest of the test; read it
 * back with captured_log(). */
static void
capture_log(void)
{
    log_capture = tmpfile();
    cr_assert_not_null(log_capture);
    log_set_stream(log_capture);
}

/* Returns what was logged since capture_log(), malloc'd. */
static char *
captured_log(void)
{
    fflush(log_capture);
    long size = ftell(log_capture);
    cr_assert(size >= 0);
    char *text = malloc((size_t) size + 1);
    cr_assert_not_null(text);
    rewind(log_capture);
    size_t n = fread(text, 1, (size_t) size, log_capture);
    text[n] = '\0';
    fseek(log_capture, 0, SEEK_END);
    return text;
}

/* ------------------------------------------------------------------ */
/* native */

TestSuite(native, .init = setup_dir, .fini = teardown_dir);

Test(native, sequential_allocation_skips_network_and_gateway)
{
    start_module("native", "");

    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    struct antrea_ipam_result result;
    char buf[ANTREA_PREFIX_STRING_SIZE];
    cr_expect_str_eq(add_ok(&req, buf, &result), "10.10.1.2/24");
    cr_expect(antrea_ip_equal(&result.addresses[0].gateway,
                              &req.gateway), "gateway not returned");
    cr_expect_eq(result.n_routes, 0, "native must leave routes to the "
                 "agent");
    expect_add("c2", "10.10.1.0/24", "10.10.1.1", "10.10.1.3/24");
    expect_add("c3", "10.10.1.0/24", "10.10.1.1", "10.10.1.4/24");

    /* A gateway in the middle of the subnet is skipped too. */
    expect_add("d1", "10.20.0.0/24", "10.20.0.2", "10.20.0.1/24");
    expect_add("d2", "10.20.0.0/24", "10.20.0.2", "10.20.0.3/24");

    /* The state file is named after the subnet and maps addresses to
     * their owners. */
    char *path = test_path("data/10.10.1.0_24.json");
    json_error_t json_error;
    json_t *root = json_load_file(path, 0, &json_error);
    cr_assert_not_null(root, "%s: %s", path, json_error.text);
    json_t *owner = json_object_get(json_object_get(root, "allocations"),
                                    "10.10.1.3");
    cr_expect_str_eq(json_string_value(json_object_get(owner,
                                                       "containerId")),
                     "c2");
    cr_expect_str_eq(json_string_value(json_object_get(owner, "ifname")),
                     "eth0");
    cr_expect_eq(json_object_size(json_object_get(root, "allocations")), 3);
    json_decref(root);
    free(path);
}

Test(native, add_is_idempotent)
{
    start_module("native", "");

    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
    expect_add("c2", "10.10.1.0/24", "10.10.1.1", "10.10.1.3/24");

    /* Another interface of the same container is another owner. */
    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    req.ifname = "eth1";
    char buf[ANTREA_PREFIX_STRING_SIZE];
    cr_expect_str_eq(add_ok(&req, buf, NULL), "10.10.1.4/24");
    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
}

Test(native, del_releases_and_lowest_free_is_reused)
{
    start_module("native", "");

    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
    expect_add("c2", "10.10.1.0/24", "10.10.1.1", "10.10.1.3/24");
    expect_add("c3", "10.10.1.0/24", "10.10.1.1", "10.10.1.4/24");

    struct antrea_ipam_request req = request("c2", "10.10.1.0/24",
                                             "10.10.1.1");
    del_ok(&req);
    del_ok(&req);               /* Idempotent. */
    struct antrea_ipam_request unknown = request("nobody", "10.10.1.0/24",
                                                 "10.10.1.1");
    del_ok(&unknown);

    expect_add("c4", "10.10.1.0/24", "10.10.1.1", "10.10.1.3/24");
    expect_add("c5", "10.10.1.0/24", "10.10.1.1", "10.10.1.5/24");
    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
}

/* del_batch (ABI 1.2) releases what del would for each request, across
 * subnets, answering each request on its own. */
Test(native, del_batch_releases_each_request)
{
    start_module("native", "");
    cr_assert_not_null(ops->del_batch);

    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
    expect_add("c2", "10.10.1.0/24", "10.10.1.1", "10.10.1.3/24");
    expect_add("c3", "10.10.1.0/24", "10.10.1.1", "10.10.1.4/24");
    expect_add("c4", "10.10.1.0/24", "10.10.1.1", "10.10.1.5/24");
    expect_add("d1", "10.20.0.0/24", "10.20.0.1", "10.20.0.2/24");

    struct antrea_ipam_request reqs[5] = {
        request("c2", "10.10.1.0/24", "10.10.1.1"),
        request("d1", "10.20.0.0/24", "10.20.0.1"),
        request("nobody", "10.10.1.0/24", "10.10.1.1"),
        request("c3", "10.10.1.0/24", "10.10.1.1"),
        request("c4", "10.10.1.0/24", "10.10.1.1"),
    };
    reqs[3].ifname = "";        /* refused: c3 keeps its address */
    const struct antrea_ipam_request *reqps[5];
    int retvals[5];
    char errors[5][ANTREA_ERROR_SIZE];
    char *errorps[5];
    for (int i = 0; i < 5; i++) {
        reqps[i] = &reqs[i];
        errors[i][0] = '\0';
        errorps[i] = errors[i];
    }
    ops->del_batch(module->state, reqps, retvals, errorps, 5);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(retvals[i], i == 3 ? EINVAL : 0, "request %d: %s", i,
                     errors[i]);
    }
    cr_assert(strstr(errors[3], "no interface name"), "%s", errors[3]);

    /* c1 and c3 kept theirs; those of c2, c4 and d1 are free again. */
    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
    expect_add("c3", "10.10.1.0/24", "10.10.1.1", "10.10.1.4/24");
    expect_add("n1", "10.10.1.0/24", "10.10.1.1", "10.10.1.3/24");
    expect_add("n2", "10.10.1.0/24", "10.10.1.1", "10.10.1.5/24");
    expect_add("n3", "10.20.0.0/24", "10.20.0.1", "10.20.0.2/24");
}

Test(native, del_before_anything_was_allocated)
{
    start_module("native", "");

    /* dataDir does not even exist yet. */
    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    req.netns = NULL;           /* DEL may come without a netns. */
    del_ok(&req);
}

Test(native, exhaustion_of_a_slash_29)
{
    start_module("native", "");

    /* .0 is the network, .7 the broadcast, .1 the gateway: .2 to .6. */
    static const char *const expected[] = {
        "10.10.1.2/29", "10.10.1.3/29", "10.10.1.4/29", "10.10.1.5/29",
        "10.10.1.6/29",
    };
    for (size_t i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "c%zu", i);
        expect_add(id, "10.10.1.0/29", "10.10.1.1", expected[i]);
    }

    struct antrea_ipam_request req = request("full", "10.10.1.0/29",
                                             "10.10.1.1");
    struct antrea_ipam_result result = { .size = sizeof result };
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(ops->add(module->state, &req, &result, error), ENOSPC);
    cr_expect_str_eq(error, "no free address in 10.10.1.0/29");

    /* Releasing one makes room again. */
    struct antrea_ipam_request c3 = request("c3", "10.10.1.0/29",
                                            "10.10.1.1");
    del_ok(&c3);
    expect_add("full", "10.10.1.0/29", "10.10.1.1", "10.10.1.5/29");
}

Test(native, too_small_subnets_have_no_address)
{
    start_module("native", "");

    struct antrea_ipam_request req = request("c1", "10.10.1.0/31", NULL);
    struct antrea_ipam_result result = { .size = sizeof result };
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(ops->add(module->state, &req, &result, error), ENOSPC);
    cr_expect_str_eq(error, "no free address in 10.10.1.0/31");

    req = request("c1", "10.10.1.4/32", NULL);
    cr_expect_eq(ops->add(module->state, &req, &result, error), ENOSPC);
    cr_expect_str_eq(error, "no free address in 10.10.1.4/32");
}

Test(native, allocations_persist_across_restart)
{
    start_module("native", "");
    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
    expect_add("c2", "10.10.1.0/24", "10.10.1.1", "10.10.1.3/24");
    stop_module();

    capture_log();
    start_module("native", "");
    char *log = captured_log();
    cr_expect_not_null(strstr(log, "2 addresses allocated in 1 subnets"),
                       "init did not read the state file; log: %s", log);
    free(log);

    expect_add("c3", "10.10.1.0/24", "10.10.1.1", "10.10.1.4/24");
    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
    expect_add("c2", "10.10.1.0/24", "10.10.1.1", "10.10.1.3/24");
}

/* Concurrency: several processes, each with its own instance of the
 * module, allocate at the same moment from one subnet. */
#define N_PROCS 6
#define N_PER_PROC 12

/* The body of one allocating process: waits until 'go_fd' reaches end of
 * file, then loads the module and adds N_PER_PROC containers, writing
 * each address as a line to 'out_fd'.  Returns the exit status: no
 * criterion assertion may run in a forked child. */
static int
allocate_in_child(int proc, int go_fd, int out_fd)
{
    char byte;
    while (read(go_fd, &byte, 1) > 0) {
        continue;
    }

    char *yaml = config_yaml("");
    struct test_plugin *tp;
    if (test_plugin_try_start("native", yaml, &tp)) {
        return 2;
    }
    const struct antrea_ipam_ops *child_ops = test_plugin_ops(tp);
    for (int i = 0; i < N_PER_PROC; i++) {
        char id[32];
        snprintf(id, sizeof id, "proc%d-c%d", proc, i);
        struct antrea_ipam_request req = {
            .size = sizeof req, .container_id = id, .ifname = "eth0",
        };
        antrea_prefix_from_string("10.10.1.0/24", &req.subnet);
        antrea_ip_from_string("10.10.1.1", &req.gateway);
        struct antrea_ipam_result result = { .size = sizeof result };
        char error[ANTREA_ERROR_SIZE] = "";

        char line[ANTREA_ERROR_SIZE + 64];
        if (child_ops->add(tp->state, &req, &result, error)) {
            snprintf(line, sizeof line, "error %s: %s\n", id, error);
        } else {
            char text[ANTREA_PREFIX_STRING_SIZE];
            antrea_prefix_to_string(&result.addresses[0].address, text,
                                    sizeof text);
            snprintf(line, sizeof line, "%s\n", text);
        }
        /* One write per line, under PIPE_BUF: lines never interleave. */
        if (write(out_fd, line, strlen(line)) < 0) {
            return 3;
        }
    }
    test_plugin_stop(tp);
    free(yaml);

#ifdef __SANITIZE_ADDRESS__
    /* _exit skips LeakSanitizer's check at exit: run it here. */
    if (__lsan_do_recoverable_leak_check()) {
        return 4;
    }
#endif
    return 0;
}

Test(native, concurrent_adds_from_processes_never_share_an_address)
{
    int go[2], out[2];
    pid_t pids[N_PROCS];

    cr_assert_eq(pipe(go), 0);
    cr_assert_eq(pipe(out), 0);
    fflush(NULL);
    for (int p = 0; p < N_PROCS; p++) {
        pids[p] = fork();
        cr_assert_geq(pids[p], 0, "fork: %s", strerror(errno));
        if (!pids[p]) {
            close(go[1]);
            close(out[0]);
            _exit(allocate_in_child(p, go[0], out[1]));
        }
    }
    close(go[0]);
    close(out[1]);
    close(go[1]);               /* Start them all at once. */

    FILE *stream = fdopen(out[0], "r");
    cr_assert_not_null(stream);
    char lines[N_PROCS * N_PER_PROC][512];
    size_t n_lines = 0;
    char line[512];
    while (fgets(line, sizeof line, stream)) {
        line[strcspn(line, "\n")] = '\0';
        cr_assert_lt(n_lines, N_PROCS * N_PER_PROC, "too many results");
        cr_expect(strncmp(line, "error", 5), "%s", line);
        strcpy(lines[n_lines++], line);
    }
    fclose(stream);

    for (int p = 0; p < N_PROCS; p++) {
        int status;
        cr_assert_eq(waitpid(pids[p], &status, 0), pids[p]);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "allocating process %d ended with wait status %#x", p,
                  status);
    }

    cr_assert_eq(n_lines, N_PROCS * N_PER_PROC);
    struct antrea_prefix subnet = prefix("10.10.1.0/24");
    for (size_t i = 0; i < n_lines; i++) {
        struct antrea_prefix address = prefix(lines[i]);
        cr_expect(antrea_prefix_contains(&subnet, &address.ip), "%s",
                  lines[i]);
        for (size_t j = 0; j < i; j++) {
            cr_expect_str_neq(lines[i], lines[j],
                              "%s was handed out twice", lines[i]);
        }
    }

    /* Every allocation reached the file: the allocations are exactly .2
     * to .73, so the next one is .74. */
    start_module("native", "");
    expect_add("late", "10.10.1.0/24", "10.10.1.1", "10.10.1.74/24");
}

Test(native, corrupt_state_file_stops_init)
{
    char *data = test_path("data");
    cr_assert_eq(mkdir(data, 0755), 0);
    char *path = test_path("data/10.10.1.0_24.json");
    static const char corrupt[] = "{\"subnet\": \"10.10.1.0/24\", "
                                  "\"allocations\": {";
    write_file(path, corrupt, 0644);

    capture_log();
    char *yaml = config_yaml("");
    int err = test_plugin_try_start("native", yaml, &module);
    cr_expect_eq(err, EINVAL, "init accepted a corrupt state file");
    char *log = captured_log();
    cr_expect_not_null(strstr(log, path), "the log does not name %s: %s",
                       path, log);
    cr_expect_not_null(strstr(log, "corrupt"), "%s", log);
    free(log);

    /* The file is left for the operator. */
    char *text = read_file(path);
    cr_expect_str_eq(text, corrupt);
    free(text);
    free(yaml);
    free(path);
    free(data);
}

Test(native, corrupt_state_file_fails_operations)
{
    start_module("native", "");
    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");

    /* Damaged behind the module's back. */
    char *path = test_path("data/10.10.1.0_24.json");
    write_file(path, "garbage", 0644);

    struct antrea_ipam_request req = request("c2", "10.10.1.0/24",
                                             "10.10.1.1");
    struct antrea_ipam_result result = { .size = sizeof result };
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(ops->add(module->state, &req, &result, error), EINVAL);
    cr_expect_not_null(strstr(error, path), "error does not name the "
                       "file: %s", error);
    cr_expect_not_null(strstr(error, "corrupt"), "%s", error);

    error[0] = '\0';
    cr_expect_eq(ops->del(module->state, &req, error), EINVAL);
    cr_expect_not_null(strstr(error, path), "%s", error);

    char *text = read_file(path);
    cr_expect_str_eq(text, "garbage", "the corrupt file was replaced");
    free(text);
    free(path);
}

Test(native, state_file_with_bad_content_is_refused)
{
    static const struct {
        const char *text;       /* the file */
        const char *reason;     /* part of the error */
    } cases[] = {
        { "[]", "not a JSON object" },
        { "{\"subnet\":\"10.10.2.0/24\",\"allocations\":{}}",
          "the file name says 10.10.1.0/24" },
        { "{\"subnet\":\"10.10.1.0/24\",\"allocations\":"
          "{\"10.10.9.9\":{\"containerId\":\"a\",\"ifname\":\"eth0\"}}}",
          "not in subnet" },
        { "{\"subnet\":\"10.10.1.0/24\",\"allocations\":"
          "{\"10.10.1.02\":{\"containerId\":\"a\",\"ifname\":\"eth0\"}}}",
          "canonical" },
        { "{\"subnet\":\"10.10.1.0/24\",\"allocations\":"
          "{\"10.10.1.2\":{\"containerId\":\"a\"}}}",
          "\"ifname\"" },
        { "{\"subnet\":\"10.10.1.0/24\",\"allocations\":"
          "{\"10.10.1.2\":{\"containerId\":\"a\",\"ifname\":\"eth0\"},"
          "\"10.10.1.3\":{\"containerId\":\"a\",\"ifname\":\"eth0\"}}}",
          "more than one address" },
        { "{\"subnet\":\"10.10.1.0/24\",\"allocations\":{},\"x\":1}",
          "unknown key \"x\"" },
        { "{\"subnet\":\"10.10.1.0/24\",\"allocations\":"
          "{\"10.10.1.2\":{\"containerId\":\"a\",\"ifname\":\"eth0\"},"
          "\"10.10.1.2\":{\"containerId\":\"b\",\"ifname\":\"eth0\"}}}",
          "duplicate" },
    };

    start_module("native", "");
    expect_add("c0", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
    char *path = test_path("data/10.10.1.0_24.json");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file(path, cases[i].text, 0644);
        struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                                 "10.10.1.1");
        struct antrea_ipam_result result = { .size = sizeof result };
        char error[ANTREA_ERROR_SIZE] = "";
        cr_expect_eq(ops->add(module->state, &req, &result, error), EINVAL,
                     "case %zu accepted", i);
        cr_expect_not_null(strstr(error, cases[i].reason),
                           "case %zu: error \"%s\" lacks \"%s\"", i, error,
                           cases[i].reason);
        cr_expect_not_null(strstr(error, path), "case %zu: %s", i, error);
    }
    free(path);
}

Test(native, check_verifies_the_owner)
{
    start_module("native", "");

    struct antrea_ipam_request c1 = request("c1", "10.10.1.0/24",
                                            "10.10.1.1");
    struct antrea_ipam_request c2 = request("c2", "10.10.1.0/24",
                                            "10.10.1.1");
    struct antrea_ipam_result prev1, prev2;
    char buf[ANTREA_PREFIX_STRING_SIZE];
    add_ok(&c1, buf, &prev1);
    add_ok(&c2, buf, &prev2);
    char error[ANTREA_ERROR_SIZE] = "";

    cr_expect_eq(ops->check(module->state, &c1, &prev1, error), 0, "%s",
                 error);
    cr_expect_eq(ops->check(module->state, &c2, &prev2, error), 0, "%s",
                 error);

    /* Another container's address. */
    cr_expect_eq(ops->check(module->state, &c1, &prev2, error), EINVAL);
    cr_expect_not_null(strstr(error, "allocated to container c2"), "%s",
                       error);

    /* An address nobody holds. */
    struct antrea_ipam_result bogus = prev1;
    bogus.addresses[0].address = prefix("10.10.1.77/24");
    cr_expect_eq(ops->check(module->state, &c1, &bogus, error), EINVAL);
    cr_expect_not_null(strstr(error, "10.10.1.77 is not allocated"), "%s",
                       error);

    /* An address outside the subnet. */
    bogus.addresses[0].address = prefix("192.168.0.2/24");
    cr_expect_eq(ops->check(module->state, &c1, &bogus, error), EINVAL);
    cr_expect_not_null(strstr(error, "not in subnet 10.10.1.0/24"), "%s",
                       error);

    /* No address at all. */
    bogus.n_addresses = 0;
    cr_expect_eq(ops->check(module->state, &c1, &bogus, error), EINVAL);

    /* After DEL the address is no longer the container's. */
    del_ok(&c1);
    cr_expect_eq(ops->check(module->state, &c1, &prev1, error), EINVAL);
}

Test(native, gc_releases_all_but_valid_containers)
{
    start_module("native", "");

    expect_add("c1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
    expect_add("c2", "10.10.1.0/24", "10.10.1.1", "10.10.1.3/24");
    expect_add("c3", "10.10.1.0/24", "10.10.1.1", "10.10.1.4/24");
    expect_add("d1", "10.20.0.0/24", "10.20.0.1", "10.20.0.2/24");
    expect_add("c2", "10.20.0.0/24", "10.20.0.1", "10.20.0.3/24");

    static const char *const valid[] = { "c2", "unknown" };
    char error[ANTREA_ERROR_SIZE] = "";
    cr_assert_eq(ops->gc(module->state, valid, 2, error), 0, "%s", error);

    /* c2 kept both its addresses; the others are free again. */
    expect_add("c2", "10.10.1.0/24", "10.10.1.1", "10.10.1.3/24");
    expect_add("c2", "10.20.0.0/24", "10.20.0.1", "10.20.0.3/24");
    expect_add("n1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
    expect_add("n2", "10.10.1.0/24", "10.10.1.1", "10.10.1.4/24");
    expect_add("n3", "10.20.0.0/24", "10.20.0.1", "10.20.0.2/24");

    /* No valid ID: everything goes. */
    cr_assert_eq(ops->gc(module->state, NULL, 0, error), 0, "%s", error);
    expect_add("m1", "10.10.1.0/24", "10.10.1.1", "10.10.1.2/24");
}

Test(native, ipv6_subnets)
{
    start_module("native", "");

    expect_add("c1", "fd00:10:1::/64", "fd00:10:1::1", "fd00:10:1::2/64");
    expect_add("c2", "fd00:10:1::/64", "fd00:10:1::1", "fd00:10:1::3/64");

    /* A /126 holds ::0 (network), ::1 (gateway), ::2 and ::3; IPv6 has no
     * broadcast address. */
    expect_add("d1", "fd00:20::/126", "fd00:20::1", "fd00:20::2/126");
    expect_add("d2", "fd00:20::/126", "fd00:20::1", "fd00:20::3/126");
    struct antrea_ipam_request req = request("d3", "fd00:20::/126",
                                             "fd00:20::1");
    struct antrea_ipam_result result = { .size = sizeof result };
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(ops->add(module->state, &req, &result, error), ENOSPC);
    cr_expect_str_eq(error, "no free address in fd00:20::/126");

    /* Container e<N> gets ::<N in hex>; the carry crosses bytes from ::ff
     * to ::100. */
    for (int i = 2; i <= 0x100; i++) {
        char id[16], expected[ANTREA_PREFIX_STRING_SIZE];
        snprintf(id, sizeof id, "e%d", i);
        snprintf(expected, sizeof expected, "fd00:30::%x/64", i);
        expect_add(id, "fd00:30::/64", "fd00:30::1", expected);
    }
}

Test(native, bad_requests_are_refused)
{
    start_module("native", "");
    struct antrea_ipam_result result = { .size = sizeof result };
    char error[ANTREA_ERROR_SIZE] = "";

    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    req.container_id = "";
    cr_expect_eq(ops->add(module->state, &req, &result, error), EINVAL);
    cr_expect_not_null(strstr(error, "no container ID"), "%s", error);

    req = request("c1", "10.10.1.0/24", "10.10.1.1");
    req.ifname = NULL;
    cr_expect_eq(ops->add(module->state, &req, &result, error), EINVAL);
    cr_expect_not_null(strstr(error, "no interface name"), "%s", error);

    req = request("c1", "10.10.1.0/24", "10.10.2.1");
    cr_expect_eq(ops->add(module->state, &req, &result, error), EINVAL);
    cr_expect_str_eq(error, "native IPAM: gateway 10.10.2.1 is not in "
                     "subnet 10.10.1.0/24");

    req = request("c1", "10.10.1.0/24", NULL);
    memset(&req.subnet, 0, sizeof req.subnet);
    cr_expect_eq(ops->add(module->state, &req, &result, error), EINVAL);
    cr_expect_not_null(strstr(error, "no subnet"), "%s", error);

    /* Host bits in the subnet are ignored. */
    expect_add("c1", "10.10.1.77/24", "10.10.1.1", "10.10.1.2/24");
}

Test(native, config_is_checked)
{
    char *yaml = config_yaml("bogusKey: 1\n");
    cr_expect_eq(test_plugin_try_start("native", yaml, &module), EINVAL,
                 "an unknown key was accepted");
    test_plugin_stop(module);
    module = NULL;
    free(yaml);

    cr_expect_eq(test_plugin_try_start("native", "dataDir: relative/dir\n",
                                       &module), EINVAL,
                 "a relative dataDir was accepted");
}

/* ------------------------------------------------------------------ */
/* host-local, with the real program */

/* Fixture: a temporary directory, and a skip if the program is absent. */
static void
setup_real_host_local(void)
{
    if (access(REAL_HOST_LOCAL, X_OK)) {
        cr_skip_test("%s is not installed (Debian: apt-get install "
                     "containernetworking-plugins)", REAL_HOST_LOCAL);
    }
    setup_dir();
}

TestSuite(host_local, .init = setup_real_host_local, .fini = teardown_dir);

Test(host_local, add_gives_an_address_in_the_subnet_with_the_gateway)
{
    start_module("host-local", "");

    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    struct antrea_ipam_result result;
    char buf[ANTREA_PREFIX_STRING_SIZE];
    add_ok(&req, buf, &result);

    const struct antrea_prefix *address = &result.addresses[0].address;
    cr_expect(antrea_prefix_contains(&req.subnet, &address->ip),
              "%s is not in 10.10.1.0/24", buf);
    cr_expect_eq(address->length, 24, "%s", buf);
    cr_expect(!antrea_ip_equal(&address->ip, &req.gateway),
              "handed out the gateway");
    cr_expect(antrea_ip_equal(&result.addresses[0].gateway, &req.gateway),
              "the result lacks the gateway");

    /* host-local recorded it in our dataDir, under the network name. */
    char ip_text[ANTREA_IP_STRING_SIZE];
    antrea_ip_to_string(&address->ip, ip_text, sizeof ip_text);
    char *name = xasprintf("data/antrea/%s", ip_text);
    char *path = test_path(name);
    char *text = read_file(path);
    cr_expect_not_null(text, "%s does not exist", path);
    cr_expect(text && !strncmp(text, "c1", 2), "%s holds %s", path, text);
    free(text);
    free(path);
    free(name);

    /* A second container gets another address. */
    struct antrea_ipam_request req2 = request("c2", "10.10.1.0/24",
                                              "10.10.1.1");
    char buf2[ANTREA_PREFIX_STRING_SIZE];
    cr_expect_str_neq(add_ok(&req2, buf2, NULL), buf);
}

Test(host_local, older_cni_versions)
{
    start_module("host-local", "");

    static const char *const versions[] = { "0.3.1", "0.4.0", "0.2.0" };
    static const char *const configs[] = {
        NETCONF("0.3.1"), NETCONF("0.4.0"), NETCONF("0.2.0"),
    };
    for (size_t i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "c%zu", i);
        struct antrea_ipam_request req = request(id, "10.10.1.0/24",
                                                 "10.10.1.1");
        req.network_config = configs[i];
        struct antrea_ipam_result result;
        char buf[ANTREA_PREFIX_STRING_SIZE];
        add_ok(&req, buf, &result);
        cr_expect(antrea_prefix_contains(&req.subnet,
                                         &result.addresses[0].address.ip),
                  "cniVersion %s: %s", versions[i], buf);
        cr_expect(antrea_ip_equal(&result.addresses[0].gateway,
                                  &req.gateway), "cniVersion %s",
                  versions[i]);
    }
}

Test(host_local, del_releases_the_address)
{
    start_module("host-local", "");

    /* A /30 with the gateway at .1 has one address to give: .2. */
    struct antrea_ipam_request c1 = request("c1", "10.10.1.0/30",
                                            "10.10.1.1");
    struct antrea_ipam_request c2 = request("c2", "10.10.1.0/30",
                                            "10.10.1.1");
    char buf[ANTREA_PREFIX_STRING_SIZE];
    cr_expect_str_eq(add_ok(&c1, buf, NULL), "10.10.1.2/30");

    struct antrea_ipam_result result = { .size = sizeof result };
    char error[ANTREA_ERROR_SIZE] = "";
    int err = ops->add(module->state, &c2, &result, error);
    cr_expect_neq(err, 0, "a full /30 gave another address");
    cr_expect(!strncmp(error, "host-local: ", 12), "%s", error);

    c1.netns = NULL;            /* DEL may come without a netns. */
    del_ok(&c1);
    del_ok(&c1);                /* Idempotent. */
    cr_expect_str_eq(add_ok(&c2, buf, NULL), "10.10.1.2/30");
}

Test(host_local, check_passes_for_the_real_result_only)
{
    start_module("host-local", "");

    struct antrea_ipam_request c1 = request("c1", "10.10.1.0/24",
                                            "10.10.1.1");
    struct antrea_ipam_request c2 = request("c2", "10.10.1.0/24",
                                            "10.10.1.1");
    struct antrea_ipam_result prev1, prev2;
    char buf[ANTREA_PREFIX_STRING_SIZE];
    add_ok(&c1, buf, &prev1);
    add_ok(&c2, buf, &prev2);
    char error[ANTREA_ERROR_SIZE] = "";

    cr_expect_eq(ops->check(module->state, &c1, &prev1, error), 0, "%s",
                 error);

    /* An address nobody holds. */
    struct antrea_ipam_result bogus = prev1;
    bogus.addresses[0].address = prefix("10.10.1.200/24");
    cr_expect_eq(ops->check(module->state, &c1, &bogus, error), EINVAL);
    cr_expect_not_null(strstr(error, "10.10.1.200 is not allocated"), "%s",
                       error);

    /* Another container's address. */
    cr_expect_eq(ops->check(module->state, &c1, &prev2, error), EINVAL);
    cr_expect_not_null(strstr(error, "allocated to container c2"), "%s",
                       error);

    /* A container host-local never saw: its own CHECK fails. */
    struct antrea_ipam_request c3 = request("c3", "10.10.1.0/24",
                                            "10.10.1.1");
    error[0] = '\0';
    cr_expect_neq(ops->check(module->state, &c3, &prev1, error), 0);
    cr_expect_not_null(strstr(error, "host-local: "), "%s", error);
    cr_expect_not_null(strstr(error, "c3"), "%s", error);
}

/* ------------------------------------------------------------------ */
/* host-local, with stand-in programs or none */

TestSuite(host_local_exec, .init = setup_dir, .fini = teardown_dir);

Test(host_local_exec, missing_program_is_a_clear_error)
{
    char *empty = test_path("empty-bin");
    cr_assert_eq(mkdir(empty, 0755), 0);
    char *extra = xasprintf("binDir: %s\n", empty);
    start_module("host-local", extra);

    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    struct antrea_ipam_result result = { .size = sizeof result };
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(ops->add(module->state, &req, &result, error), ENOENT);
    char *expected = xasprintf("host-local: no executable host-local "
                               "program in %s (binDir)", empty);
    cr_expect_str_eq(error, expected);
    free(expected);
    free(extra);
    free(empty);
}

Test(host_local_exec, cni_path_is_searched_before_the_defaults)
{
    /* No binDir: the request's CNI_PATH comes first, in order, before
     * /usr/lib/cni (which may hold the real program). */
    char *bin = test_path("cni-bin");
    cr_assert_eq(mkdir(bin, 0755), 0);
    char *script = test_path("cni-bin/host-local");
    write_file(script, "#!/bin/sh\necho '{\"cniVersion\":\"1.0.0\","
               "\"ips\":[{\"address\":\"10.10.1.77/24\"}]}'\n", 0755);
    start_module("host-local", "");

    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    char *cni_path = xasprintf("/nonexistent:%s:/usr/lib/cni", bin);
    req.cni_path = cni_path;
    char buf[ANTREA_PREFIX_STRING_SIZE];
    cr_expect_str_eq(add_ok(&req, buf, NULL), "10.10.1.77/24");
    free(cni_path);
    free(script);
    free(bin);
}

Test(host_local_exec, malformed_network_config_is_a_clear_error)
{
    static const struct {
        const char *config;     /* the network configuration */
        const char *reason;     /* part of the error */
    } cases[] = {
        { "not json", "not valid JSON" },
        { "", "no network configuration" },
        { "[1]", "not a JSON object" },
        { "{\"name\":\"antrea\"}", "no \"cniVersion\"" },
        { "{\"cniVersion\":\"1.0.0\"}", "no \"name\"" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"../x\"}", "not valid" },
        { "{\"cniVersion\":\"1.0.0\",\"name\":\"a\",\"name\":\"b\"}",
          "duplicate" },
    };

    start_module("host-local", "");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                                 "10.10.1.1");
        req.network_config = cases[i].config;
        struct antrea_ipam_result result = { .size = sizeof result };
        char error[ANTREA_ERROR_SIZE] = "";
        cr_expect_eq(ops->add(module->state, &req, &result, error), EINVAL,
                     "case %zu", i);
        cr_expect_not_null(strstr(error, cases[i].reason),
                           "case %zu: error \"%s\" lacks \"%s\"", i, error,
                           cases[i].reason);
        cr_expect(!strncmp(error, "host-local: ", 12), "%s", error);
    }

    /* Nothing ran: host-local would have created its dataDir. */
    char *data = test_path("data");
    cr_expect_neq(access(data, F_OK), 0, "%s exists", data);
    free(data);
}

/* Writes a shell script with body 'body' as <test_dir>/bin/host-local and
 * starts the module with binDir <test_dir>/bin. */
static void
start_with_script(const char *body)
{
    char *bin = test_path("bin");
    cr_assert_eq(mkdir(bin, 0755), 0);
    char *script = test_path("bin/host-local");
    char *text = xasprintf("#!/bin/sh\n%s\n", body);
    write_file(script, text, 0755);
    char *extra = xasprintf("binDir: %s\n", bin);
    start_module("host-local", extra);
    free(extra);
    free(text);
    free(script);
    free(bin);
}

/* Runs add for a standard request and returns its result code, with the
 * reason in 'error' (ANTREA_ERROR_SIZE). */
static int
try_add(char *error)
{
    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    struct antrea_ipam_result result = { .size = sizeof result };
    return ops->add(module->state, &req, &result, error);
}

Test(host_local_exec, environment_stdin_and_result)
{
    char *body = xasprintf("cat > %s/stdin.json\n"
                           "env > %s/env.txt\n"
                           "printf '%%s' '{\"cniVersion\":\"1.0.0\","
                           "\"ips\":[{\"address\":\"10.10.1.9/24\","
                           "\"gateway\":\"10.10.1.1\"}],"
                           "\"routes\":[{\"dst\":\"0.0.0.0/0\","
                           "\"gw\":\"10.10.1.1\"},"
                           "{\"dst\":\"192.168.0.0/16\"}]}'",
                           test_dir, test_dir);
    start_with_script(body);
    free(body);

    /* Nothing of the agent's environment may reach the program. */
    setenv("ANTREA_TEST_LEAK", "leaked", 1);

    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    req.network_config = "{\"cniVersion\":\"1.0.0\",\"name\":\"antrea\","
        "\"type\":\"antrea\",\"foo\":{\"bar\":[1,2]},"
        "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"1.2.3.0/24\"}}";
    struct antrea_ipam_result result;
    char buf[ANTREA_PREFIX_STRING_SIZE];
    cr_expect_str_eq(add_ok(&req, buf, &result), "10.10.1.9/24");
    cr_expect(antrea_ip_equal(&result.addresses[0].gateway, &req.gateway));
    cr_assert_eq(result.n_routes, 2);
    char text[ANTREA_PREFIX_STRING_SIZE];
    antrea_prefix_to_string(&result.routes[0].dst, text, sizeof text);
    cr_expect_str_eq(text, "0.0.0.0/0");
    cr_expect(antrea_ip_equal(&result.routes[0].gateway, &req.gateway));
    antrea_prefix_to_string(&result.routes[1].dst, text, sizeof text);
    cr_expect_str_eq(text, "192.168.0.0/16");
    cr_expect_eq(result.routes[1].gateway.family, 0);

    char *env_path = test_path("env.txt");
    char *env = read_file(env_path);
    cr_assert_not_null(env);
    static const char *const expected_env[] = {
        "CNI_COMMAND=ADD\n", "CNI_CONTAINERID=c1\n",
        "CNI_NETNS=/var/run/netns/test\n", "CNI_IFNAME=eth0\n",
        "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;"
        "K8S_POD_NAME=pod\n",
        "CNI_PATH=/usr/lib/cni\n", "\nPATH=",
    };
    for (size_t i = 0; i < sizeof expected_env / sizeof expected_env[0];
         i++) {
        cr_expect_not_null(strstr(env, expected_env[i]), "no %s in %s",
                           expected_env[i], env);
    }
    cr_expect_null(strstr(env, "ANTREA_TEST_LEAK"), "%s", env);
    free(env);
    free(env_path);

    char *stdin_path = test_path("stdin.json");
    json_error_t json_error;
    json_t *config = json_load_file(stdin_path, 0, &json_error);
    cr_assert_not_null(config, "%s: %s", stdin_path, json_error.text);
    char *data_dir = test_path("data");
    json_t *expected = json_pack(
        "{s:s, s:s, s:s, s:{s:[i,i]}, s:{s:s, s:[[{s:s, s:s}]], s:s}}",
        "cniVersion", "1.0.0", "name", "antrea", "type", "antrea",
        "foo", "bar", 1, 2,
        "ipam", "type", "host-local",
        "ranges", "subnet", "10.10.1.0/24", "gateway", "10.10.1.1",
        "dataDir", data_dir);
    cr_assert_not_null(expected);
    char *got = json_dumps(config, JSON_SORT_KEYS);
    char *want = json_dumps(expected, JSON_SORT_KEYS);
    cr_expect_str_eq(got, want);
    free(got);
    free(want);
    json_decref(expected);
    json_decref(config);
    free(data_dir);
    free(stdin_path);
}

Test(host_local_exec, check_sends_prev_result)
{
    /* The stand-in records its stdin and keeps a store as host-local
     * does, so that the module's own verification passes. */
    char *body = xasprintf("cat > %s/stdin.json\n"
                           "mkdir -p %s/data/antrea\n"
                           "printf 'c1\\r\\neth0' > "
                           "%s/data/antrea/10.10.1.9",
                           test_dir, test_dir, test_dir);
    start_with_script(body);
    free(body);

    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    req.network_config = NETCONF("0.4.0");
    struct antrea_ipam_result prev = { .size = sizeof prev };
    prev.n_addresses = 1;
    prev.addresses[0].address = prefix("10.10.1.9/24");
    prev.addresses[0].gateway = ip("10.10.1.1");
    prev.n_routes = 1;
    prev.routes[0].dst = prefix("0.0.0.0/0");
    prev.routes[0].gateway = ip("10.10.1.1");
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(ops->check(module->state, &req, &prev, error), 0, "%s",
                 error);

    char *stdin_path = test_path("stdin.json");
    json_error_t json_error;
    json_t *config = json_load_file(stdin_path, 0, &json_error);
    cr_assert_not_null(config, "%s: %s", stdin_path, json_error.text);
    json_t *expected = json_pack(
        "{s:s, s:[{s:s, s:s, s:s}], s:[{s:s, s:s}]}",
        "cniVersion", "0.4.0",
        "ips", "address", "10.10.1.9/24", "gateway", "10.10.1.1",
        "version", "4",
        "routes", "dst", "0.0.0.0/0", "gw", "10.10.1.1");
    char *got = json_dumps(json_object_get(config, "prevResult"),
                           JSON_SORT_KEYS);
    char *want = json_dumps(expected, JSON_SORT_KEYS);
    cr_expect_str_eq(got, want);
    free(got);
    free(want);
    json_decref(expected);
    json_decref(config);
    free(stdin_path);

    /* The store says .9 is c1's, so another container fails. */
    req.container_id = "c2";
    cr_expect_eq(ops->check(module->state, &req, &prev, error), EINVAL);
    cr_expect_not_null(strstr(error, "allocated to container c1 interface "
                              "eth0, not to container c2"), "%s", error);
}

Test(host_local_exec, cni_error_becomes_the_message)
{
    start_with_script("cat > /dev/null\n"
                      "printf '%s' '{\"code\":7,\"msg\":\"bad thing\","
                      "\"details\":\"more about it\"}'\n"
                      "exit 1");
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(try_add(error), EIO);
    cr_expect_str_eq(error, "host-local: bad thing: more about it");
}

Test(host_local_exec, cni_error_without_details)
{
    start_with_script("printf '%s' '{\"code\":11,"
                      "\"msg\":\"host-local: busy\"}'\n"
                      "exit 1");
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(try_add(error), EAGAIN);
    cr_expect_str_eq(error, "host-local: busy");
}

Test(host_local_exec, failure_without_json_reports_stderr)
{
    start_with_script("echo 'boom happened' >&2\n"
                      "echo 'second line' >&2\n"
                      "exit 3");
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(try_add(error), EIO);
    cr_expect_str_eq(error, "host-local: the program exited with status 3: "
                     "boom happened");
}

Test(host_local_exec, death_by_signal_is_reported)
{
    start_with_script("kill -TERM $$");
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(try_add(error), EIO);
    cr_expect_str_eq(error, "host-local: the program was killed by "
                     "signal 15");
}

Test(host_local_exec, endless_output_is_cut_off)
{
    start_with_script("exec yes");
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(try_add(error), EMSGSIZE);
    cr_expect_str_eq(error, "host-local: the program wrote more than 65536 "
                     "bytes of output and was killed");
}

Test(host_local_exec, garbage_result_is_refused)
{
    start_with_script("echo hello");
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(try_add(error), EPROTO);
    cr_expect(!strncmp(error, "host-local: unexpected ADD result: not "
                       "JSON", 39), "%s", error);
}

Test(host_local_exec, result_without_address_is_refused)
{
    start_with_script("echo '{\"cniVersion\":\"1.0.0\",\"ips\":[]}'");
    char error[ANTREA_ERROR_SIZE] = "";
    cr_expect_eq(try_add(error), EPROTO);
    cr_expect_str_eq(error, "host-local: unexpected ADD result: no "
                     "address");
}

Test(host_local_exec, program_that_ignores_stdin)
{
    /* The configuration is larger than a pipe holds and the program never
     * reads it: writing must not raise SIGPIPE in the agent or block. */
    start_with_script("echo '{\"cniVersion\":\"1.0.0\",\"ips\":"
                      "[{\"address\":\"10.10.1.5/24\"}]}'");

    size_t padding = 512 * 1024;
    char *config = malloc(padding + 200);
    cr_assert_not_null(config);
    int n = snprintf(config, 200, "{\"cniVersion\":\"1.0.0\","
                     "\"name\":\"antrea\",\"padding\":\"");
    memset(config + n, 'x', padding);
    strcpy(config + n + padding, "\"}");

    struct antrea_ipam_request req = request("c1", "10.10.1.0/24",
                                             "10.10.1.1");
    req.network_config = config;
    char buf[ANTREA_PREFIX_STRING_SIZE];
    struct antrea_ipam_result result;
    cr_expect_str_eq(add_ok(&req, buf, &result), "10.10.1.5/24");
    cr_expect_eq(result.addresses[0].gateway.family, 0);
    free(config);
}

Test(host_local_exec, config_is_checked)
{
    char *yaml = config_yaml("timeout: 3\n");
    cr_expect_eq(test_plugin_try_start("host-local", yaml, &module), EINVAL,
                 "an unknown key was accepted");
    test_plugin_stop(module);
    module = NULL;
    free(yaml);

    cr_expect_eq(test_plugin_try_start("host-local", "binDir: bin\n",
                                       &module), EINVAL,
                 "a relative binDir was accepted");
}
