/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * cni-burst: starts one CNI plugin call per Pod, all at once, the way a
 * container runtime does (fork and exec of the plugin binary with the CNI
 * environment and the network configuration on stdin), and prints how long
 * each call took, from just before its process is spawned to the moment
 * its exit is reaped, and the CPU time the call's process (with any
 * processes it waited for, such as an IPAM plugin) used.  bench-cni-add.py uses it for every plugin it
 * compares, so the launcher costs the same for all of them and stays out
 * of the figures as far as it can (a Python launcher with nsenter costs
 * tens of milliseconds per process at 16 concurrent on two cores).
 *
 * usage: cni-burst [--netns PATH] [--timeout SECONDS] COMMAND PLUGIN
 *                  CONF_FILE CNI_PATH NETNS,CONTAINER_ID,POD_NAME...
 *
 * --netns enters the Node's network namespace once, before any spawn.
 * Each call gets CNI_COMMAND=COMMAND, CNI_CONTAINERID, CNI_NETNS,
 * CNI_IFNAME=eth0, CNI_PATH and CNI_ARGS (K8S_POD_NAMESPACE=default,
 * K8S_POD_NAME) added to this program's environment.  Prints one JSON
 * object per call and line, in argument order: {"i", "rc", "ms", "cpu_ms",
 * "stdout", "stderr"}; rc is the exit status, -SIGNAL if a signal ended the call,
 * or -ERRNO if it could not be spawned (said on stderr).  Calls still running at
 * the timeout (default 60 s) are killed and reported with rc -9.  Exit
 * status 0 when every call was started and reaped, 2 on usage errors,
 * 1 otherwise.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The most calls one burst may start. */
#define MAX_CALLS 256

/* Largest stdout or stderr kept per call. */
#define MAX_OUTPUT (64 * 1024)

/* One plugin call. */
struct call {
    const char *netns;          /* the Pod's network namespace path */
    const char *container_id;   /* CNI_CONTAINERID */
    const char *pod_name;       /* K8S_POD_NAME */
    char **envp;                /* its environment, NULL-terminated */
    pid_t pid;                  /* its process, 0 once reaped */
    int out_fd;                 /* memfd with its stdout */
    int err_fd;                 /* memfd with its stderr */
    struct timespec start;      /* just before the spawn */
    double ms;                  /* spawn to reap, milliseconds */
    double cpu_ms;              /* user + system CPU time, milliseconds */
    int rc;                     /* exit status, or -signal */
};

/* Returns the current CLOCK_MONOTONIC time. */
static struct timespec
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

/* Returns 'b - a' in milliseconds. */
static double
elapsed_ms(struct timespec a, struct timespec b)
{
    return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}

/* Prints 'msg' and the usage to stderr and exits with status 2. */
static void
usage_error(const char *msg)
{
    fprintf(stderr, "cni-burst: %s\n"
            "usage: cni-burst [--netns PATH] [--timeout SECONDS] COMMAND "
            "PLUGIN CONF_FILE CNI_PATH NETNS,CONTAINER_ID,POD_NAME...\n",
            msg);
    exit(2);
}

/* Returns a malloc'd "NAME=VALUE". */
static char *
env_entry(const char *name, const char *value)
{
    size_t len = strlen(name) + strlen(value) + 2;
    char *s = malloc(len);

    if (!s) {
        perror("cni-burst: malloc");
        exit(1);
    }
    snprintf(s, len, "%s=%s", name, value);
    return s;
}

/* Builds the environment of 'c': ours without any CNI_ variable, then the
 * call's own. */
static void
build_env(struct call *c, const char *command, const char *cni_path)
{
    size_t n = 0, i = 0;
    char args[512];

    while (environ[n]) {
        n++;
    }
    c->envp = calloc(n + 7, sizeof *c->envp);
    if (!c->envp) {
        perror("cni-burst: calloc");
        exit(1);
    }
    for (size_t k = 0; k < n; k++) {
        if (strncmp(environ[k], "CNI_", 4)) {
            c->envp[i++] = environ[k];
        }
    }
    snprintf(args, sizeof args, "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;"
             "K8S_POD_NAME=%s", c->pod_name);
    c->envp[i++] = env_entry("CNI_COMMAND", command);
    c->envp[i++] = env_entry("CNI_CONTAINERID", c->container_id);
    c->envp[i++] = env_entry("CNI_NETNS", c->netns);
    c->envp[i++] = env_entry("CNI_IFNAME", "eth0");
    c->envp[i++] = env_entry("CNI_PATH", cni_path);
    c->envp[i++] = env_entry("CNI_ARGS", args);
    c->envp[i] = NULL;
}

/* Parses "NETNS,CONTAINER_ID,POD_NAME" into 'c' (modifies 'spec'). */
static void
parse_spec(char *spec, struct call *c)
{
    char *comma1 = strchr(spec, ',');
    char *comma2 = comma1 ? strchr(comma1 + 1, ',') : NULL;

    if (!comma2 || comma1 == spec || comma2 == comma1 + 1 || !comma2[1]) {
        fprintf(stderr, "cni-burst: call \"%s\": expected "
                "NETNS,CONTAINER_ID,POD_NAME\n", spec);
        exit(2);
    }
    *comma1 = *comma2 = '\0';
    c->netns = spec;
    c->container_id = comma1 + 1;
    c->pod_name = comma2 + 1;
}

/* Returns the first MAX_OUTPUT bytes written to 'fd' as a string. */
static json_t *
read_output(int fd)
{
    static char buf[MAX_OUTPUT];
    ssize_t n = pread(fd, buf, sizeof buf, 0);

    return json_stringn(buf, n > 0 ? (size_t) n : 0);
}

/* Returns 'tv' in milliseconds. */
static double
timeval_ms(struct timeval tv)
{
    return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

/* Records the exit 'status' and resource usage 'ru' of the call whose
 * process is 'pid'; returns false if 'pid' is not one of ours. */
static bool
reap(struct call *calls, int n, pid_t pid, int status,
     const struct rusage *ru)
{
    struct timespec t = now();

    for (int i = 0; i < n; i++) {
        if (calls[i].pid == pid) {
            calls[i].ms = elapsed_ms(calls[i].start, t);
            calls[i].rc = (WIFEXITED(status) ? WEXITSTATUS(status)
                           : -WTERMSIG(status));
            calls[i].cpu_ms = (timeval_ms(ru->ru_utime)
                               + timeval_ms(ru->ru_stime));
            calls[i].pid = 0;
            return true;
        }
    }
    return false;
}

int
main(int argc, char *argv[])
{
    static struct call calls[MAX_CALLS];
    const char *netns = NULL;
    double timeout = 60.0;
    int argi = 1;

    for (; argi < argc && !strncmp(argv[argi], "--", 2); argi += 2) {
        if (argi + 1 >= argc) {
            usage_error("option without a value");
        } else if (!strcmp(argv[argi], "--netns")) {
            netns = argv[argi + 1];
        } else if (!strcmp(argv[argi], "--timeout")) {
            char *end;
            timeout = strtod(argv[argi + 1], &end);
            if (*end || !(timeout > 0 && timeout <= 3600)) {
                usage_error("--timeout: not a number of seconds in "
                            "(0, 3600]");
            }
        } else {
            usage_error("unknown option");
        }
    }
    if (argc - argi < 5) {
        usage_error("missing arguments");
    }
    const char *command = argv[argi];
    const char *plugin = argv[argi + 1];
    const char *conf_file = argv[argi + 2];
    const char *cni_path = argv[argi + 3];
    int n = argc - argi - 4;
    if (n > MAX_CALLS) {
        usage_error("too many calls (at most 256)");
    }

    if (netns) {
        int fd = open(netns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET)) {
            fprintf(stderr, "cni-burst: --netns %s: %s\n", netns,
                    strerror(errno));
            return 1;
        }
        close(fd);
    }

    /* Everything but the spawns happens before the first one, so that
     * preparing call i+1 never delays call i. */
    posix_spawn_file_actions_t actions[MAX_CALLS];
    for (int i = 0; i < n; i++) {
        struct call *c = &calls[i];

        parse_spec(argv[argi + 4 + i], c);
        build_env(c, command, cni_path);
        c->out_fd = memfd_create("stdout", MFD_CLOEXEC);
        c->err_fd = memfd_create("stderr", MFD_CLOEXEC);
        if (c->out_fd < 0 || c->err_fd < 0) {
            perror("cni-burst: memfd_create");
            return 1;
        }
        posix_spawn_file_actions_init(&actions[i]);
        posix_spawn_file_actions_addopen(&actions[i], 0, conf_file,
                                         O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions[i], c->out_fd, 1);
        posix_spawn_file_actions_adddup2(&actions[i], c->err_fd, 2);
    }
    if (access(conf_file, R_OK)) {
        fprintf(stderr, "cni-burst: %s: %s\n", conf_file, strerror(errno));
        return 1;
    }

    /* SIGCHLD stays blocked so that sigtimedwait() can bound the wait. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);

    int running = 0;
    bool ok = true;
    for (int i = 0; i < n; i++) {
        struct call *c = &calls[i];
        char *spawn_argv[] = { (char *) plugin, NULL };

        c->start = now();
        int error = posix_spawn(&c->pid, plugin, &actions[i], NULL,
                                spawn_argv, c->envp);
        if (error) {
            fprintf(stderr, "cni-burst: %s: %s\n", plugin, strerror(error));
            c->pid = 0;
            c->rc = -error;
            ok = false;
        } else {
            running++;
        }
    }

    struct timespec deadline = now();
    deadline.tv_sec += (time_t) timeout;
    while (running > 0) {
        struct rusage ru;
        int status;
        pid_t pid;

        while (running > 0
               && (pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
            if (reap(calls, n, pid, status, &ru)) {
                running--;
            }
        }
        if (!running) {
            break;
        }
        double left = elapsed_ms(now(), deadline);
        if (left <= 0) {
            for (int i = 0; i < n; i++) {
                if (calls[i].pid) {
                    kill(calls[i].pid, SIGKILL);
                    wait4(calls[i].pid, &status, 0, &ru);
                    reap(calls, n, calls[i].pid, status, &ru);
                    running--;
                    ok = false;
                }
            }
            break;
        }
        struct timespec wait = {
            .tv_sec = (time_t) (left / 1e3),
            .tv_nsec = (long) ((left - (time_t) (left / 1e3) * 1e3) * 1e6),
        };
        sigtimedwait(&chld, NULL, &wait);
    }

    for (int i = 0; i < n; i++) {
        struct call *c = &calls[i];
        json_t *line = json_pack("{s:i, s:i, s:f, s:f, s:o, s:o}",
                                 "i", i, "rc", c->rc, "ms", c->ms,
                                 "cpu_ms", c->cpu_ms,
                                 "stdout", read_output(c->out_fd),
                                 "stderr", read_output(c->err_fd));
        char *text = json_dumps(line, JSON_COMPACT);

        puts(text);
        free(text);
        json_decref(line);
        posix_spawn_file_actions_destroy(&actions[i]);
        close(c->out_fd);
        close(c->err_fd);
        for (char **e = c->envp; *e; e++) {
            if (!strncmp(*e, "CNI_", 4)) {
                free(*e);
            }
        }
        free(c->envp);
    }
    return ok ? 0 : 1;
}
