/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A private Open vSwitch for one test process; see ovs-sandbox.h.
 */

#include <config.h>
#include "ovs-sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* How long a daemon may take to start or stop, in milliseconds. */
#define DAEMON_TIMEOUT_MS 10000

static pid_t spawn(const struct ovs_sandbox *, const char *name,
                   bool own_netns, char *const argv[], char **errorp);
static int wait_for_socket(const struct ovs_sandbox *, pid_t,
                           const char *name, const char *path,
                           char **errorp);
static void stop_pid(pid_t *, int signo);
static long long now_msec(void);
static void sleep_msec(int msec);
static int remove_entry(const char *, const struct stat *, int,
                        struct FTW *);
static bool keep_requested(void);
static void remove_stale_dirs(void);

/* Returns true if this process can run a sandbox: it is root (network
 * namespaces) and the OVS daemons and tools are installed. */
bool
ovs_sandbox_can_run(void)
{
    return (!geteuid()
            && !access("/usr/sbin/ovsdb-server", X_OK)
            && !access("/usr/sbin/ovs-vswitchd", X_OK)
            && !access("/usr/bin/ovsdb-tool", X_OK)
            && !access("/usr/share/openvswitch/vswitch.ovsschema", R_OK));
}

/* Creates a run directory with a new database, starts ovsdb-server on
 * it and, if 'with_vswitchd', ovs-vswitchd, and waits until they listen.
 * Returns 0, or an errno value with a message in '*errorp' (freed by the
 * caller) after undoing everything. */
int
ovs_sandbox_start(struct ovs_sandbox *sb, bool with_vswitchd, char **errorp)
{
    char *template = xasprintf("/tmp/atest-ovs-%ld-XXXXXX", (long) getpid());

    memset(sb, 0, sizeof *sb);
    *errorp = NULL;
    remove_stale_dirs();
    if (!mkdtemp(template)) {
        int error = errno;
        *errorp = xasprintf("mkdtemp %s: %s", template, strerror(error));
        free(template);
        return error;
    }
    sb->dir = template;
    sb->db_remote = xasprintf("unix:%s/db.sock", sb->dir);

    char *db = xasprintf("%s/conf.db", sb->dir);
    char *command = xasprintf("ovsdb-tool create '%s' "
                              "/usr/share/openvswitch/vswitch.ovsschema",
                              db);
    char *output;
    int error = ovs_sandbox_capture(command, &output);
    free(command);
    if (error) {
        *errorp = xasprintf("ovsdb-tool create failed: %s", output);
        free(output);
        free(db);
        ovs_sandbox_stop(sb);
        return error;
    }
    free(output);

    char *remote = xasprintf("--remote=punix:%s/db.sock", sb->dir);
    char *pidfile = xasprintf("--pidfile=%s/ovsdb-server.pid", sb->dir);
    char *unixctl = xasprintf("--unixctl=%s/ovsdb-server.ctl", sb->dir);
    char *log = xasprintf("--log-file=%s/ovsdb-server.log", sb->dir);
    char *const argv[] = {
        "ovsdb-server", db, remote, pidfile, unixctl, log, "--no-chdir",
        "-vconsole:off", NULL,
    };
    sb->ovsdb_pid = spawn(sb, "ovsdb-server", false, argv, errorp);
    free(remote);
    free(pidfile);
    free(unixctl);
    free(log);
    free(db);
    if (sb->ovsdb_pid < 0) {
        sb->ovsdb_pid = 0;
        ovs_sandbox_stop(sb);
        return ECHILD;
    }

    char *sock = xasprintf("%s/db.sock", sb->dir);
    error = wait_for_socket(sb, sb->ovsdb_pid, "ovsdb-server", sock, errorp);
    free(sock);
    if (!error && with_vswitchd) {
        error = ovs_sandbox_start_vswitchd(sb, errorp);
    }
    if (error) {
        ovs_sandbox_stop(sb);
    }
    return error;
}

/* Starts ovs-vswitchd (again) in a new network namespace, connected to
 * the sandbox's database, and waits until it listens on its control
 * socket.  Returns 0, or an errno value with a message in '*errorp'. */
int
ovs_sandbox_start_vswitchd(struct ovs_sandbox *sb, char **errorp)
{
    char *pidfile = xasprintf("--pidfile=%s/ovs-vswitchd.pid", sb->dir);
    char *ctl = xasprintf("%s/ovs-vswitchd.ctl", sb->dir);
    char *unixctl = xasprintf("--unixctl=%s", ctl);
    char *log = xasprintf("--log-file=%s/ovs-vswitchd.log", sb->dir);
    char *const argv[] = {
        "ovs-vswitchd", sb->db_remote, pidfile, unixctl, log, "--no-chdir",
        "--disable-system", "--disable-system-route", "-vconsole:off", NULL,
    };

    *errorp = NULL;
    unlink(ctl);
    sb->vswitchd_pid = spawn(sb, "ovs-vswitchd", true, argv, errorp);
    int error = 0;
    if (sb->vswitchd_pid < 0) {
        sb->vswitchd_pid = 0;
        error = ECHILD;
    } else {
        error = wait_for_socket(sb, sb->vswitchd_pid, "ovs-vswitchd", ctl,
                                errorp);
    }
    free(pidfile);
    free(ctl);
    free(unixctl);
    free(log);
    return error;
}

/* Stops ovs-vswitchd with signal 'signo' (SIGKILL simulates a crash) and
 * waits for it to exit. */
void
ovs_sandbox_stop_vswitchd(struct ovs_sandbox *sb, int signo)
{
    stop_pid(&sb->vswitchd_pid, signo);
}

/* Stops both daemons, removes the run directory (unless ANTREA_TEST_KEEP
 * is set) and frees what 'sb' holds. */
void
ovs_sandbox_stop(struct ovs_sandbox *sb)
{
    stop_pid(&sb->vswitchd_pid, SIGTERM);
    stop_pid(&sb->ovsdb_pid, SIGTERM);
    if (sb->dir) {
        if (keep_requested()) {
            fprintf(stderr, "ovs-sandbox: keeping %s\n", sb->dir);
        } else {
            nftw(sb->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        }
    }
    free(sb->dir);
    free(sb->db_remote);
    memset(sb, 0, sizeof *sb);
}

/* Returns the OpenFlow target of bridge 'bridge' in the sandbox,
 * "unix:DIR/BRIDGE.mgmt".  The caller frees it. */
char *
ovs_sandbox_target(const struct ovs_sandbox *sb, const char *bridge)
{
    return xasprintf("unix:%s/%s.mgmt", sb->dir, bridge);
}

/* Runs the shell command 'command' and stores its standard output and
 * error in '*outputp' (freed by the caller).  Returns 0 if it exited with
 * status 0, otherwise EIO (or errno if it could not run). */
int
ovs_sandbox_capture(const char *command, char **outputp)
{
    char *full = xasprintf("(%s) 2>&1", command);
    FILE *stream = popen(full, "r");
    free(full);
    if (!stream) {
        int error = errno;
        *outputp = xasprintf("popen: %s", strerror(error));
        return error;
    }

    size_t size = 0;
    size_t allocated = 4096;
    char *output = xmalloc(allocated);
    for (;;) {
        size_t n = fread(output + size, 1, allocated - size - 1, stream);
        size += n;
        if (size + 1 >= allocated) {
            allocated *= 2;
            output = xrealloc(output, allocated);
        } else if (!n) {
            break;
        }
    }
    output[size] = '\0';
    *outputp = output;

    int status = pclose(stream);
    return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : EIO;
}

/* Starts the program argv[0] (found in PATH) as a child with the
 * sandbox's environment, its output in DIR/NAME.out, in a new network
 * namespace if 'own_netns'.  Returns its pid, or -1 with a message. */
static pid_t
spawn(const struct ovs_sandbox *sb, const char *name, bool own_netns,
      char *const argv[], char **errorp)
{
    char *out = xasprintf("%s/%s.out", sb->dir, name);
    int fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    free(out);
    if (fd < 0) {
        *errorp = xasprintf("%s: cannot create its output file: %s", name,
                            strerror(errno));
        return -1;
    }

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        *errorp = xasprintf("fork: %s", strerror(errno));
        close(fd);
        return -1;
    } else if (!pid) {
        /* Child: die with the test; never return into the test. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent) {
            _exit(126);
        }
        if (own_netns && unshare(CLONE_NEWNET)) {
            dprintf(fd, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
            _exit(126);
        }
        setenv("OVS_RUNDIR", sb->dir, 1);
        setenv("OVS_DBDIR", sb->dir, 1);
        setenv("OVS_LOGDIR", sb->dir, 1);
        setenv("OVS_SYSCONFDIR", sb->dir, 1);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
        }
        /* Signals blocked or ignored by the test would be inherited. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd);
    return pid;
}

/* Waits until the unix socket 'path' accepts connections, or daemon
 * 'name' ('pid') exits, or DAEMON_TIMEOUT_MS pass.  Returns 0, or an
 * errno value with a message that quotes the daemon's output. */
static int
wait_for_socket(const struct ovs_sandbox *sb, pid_t pid, const char *name,
                const char *path, char **errorp)
{
    long long deadline = now_msec() + DAEMON_TIMEOUT_MS;
    struct sockaddr_un sun;

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sun.sun_path) {
        *errorp = xasprintf("%s: socket path %s is too long", name, path);
        return ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);

    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            int retval = connect(fd, (struct sockaddr *) &sun, sizeof sun);
            close(fd);
            if (!retval) {
                return 0;
            }
        }

        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            char *out_file = xasprintf("%s/%s.out", sb->dir, name);
            char *command = xasprintf("tail -5 '%s'; tail -5 '%s/%s.log'",
                                      out_file, sb->dir, name);
            char *output;
            ovs_sandbox_capture(command, &output);
            *errorp = xasprintf("%s exited (status %d) before listening on "
                                "%s: %s", name, status, path, output);
            free(output);
            free(command);
            free(out_file);
            return ECHILD;
        }
        if (now_msec() >= deadline) {
            *errorp = xasprintf("%s: no socket %s after %d ms", name, path,
                                DAEMON_TIMEOUT_MS);
            return ETIMEDOUT;
        }
        sleep_msec(10);
    }
}

/* Sends 'signo' to the daemon '*pidp' (if any), waits for it to exit
 * (killing it after DAEMON_TIMEOUT_MS) and sets '*pidp' to 0. */
static void
stop_pid(pid_t *pidp, int signo)
{
    pid_t pid = *pidp;
    if (pid <= 0) {
        return;
    }
    *pidp = 0;

    kill(pid, signo);
    long long deadline = now_msec() + DAEMON_TIMEOUT_MS;
    for (;;) {
        int status;
        pid_t retval = waitpid(pid, &status, WNOHANG);
        if (retval == pid || (retval < 0 && errno == ECHILD)) {
            return;
        }
        if (now_msec() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return;
        }
        sleep_msec(10);
    }
}

/* Returns the time on a monotonic clock in milliseconds. */
static long long
now_msec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps for 'msec' milliseconds. */
static void
sleep_msec(int msec)
{
    struct timespec ts = { msec / 1000, (msec % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) && errno == EINTR) {
        continue;
    }
}

/* Returns true if ANTREA_TEST_KEEP asks to keep run directories. */
static bool
keep_requested(void)
{
    const char *keep = getenv("ANTREA_TEST_KEEP");
    return keep && *keep && strcmp(keep, "0");
}

/* Removes the run directories of sandboxes whose test process is gone
 * (a test that crashed cannot clean up; its daemons died with it). */
static void
remove_stale_dirs(void)
{
    if (keep_requested()) {
        return;
    }
    DIR *dir = opendir("/tmp");
    if (!dir) {
        return;
    }
    for (struct dirent *de; (de = readdir(dir)) != NULL; ) {
        long pid;
        int n = 0;
        if (sscanf(de->d_name, "atest-ovs-%ld-%*6[A-Za-z0-9]%n", &pid, &n) == 1
            && n && !de->d_name[n] && pid > 0
            && kill(pid, 0) && errno == ESRCH) {
            char *path = xasprintf("/tmp/%s", de->d_name);
            nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
            free(path);
        }
    }
    closedir(dir);
}

/* nftw() callback that removes one entry of the run directory. */
static int
remove_entry(const char *path, const struct stat *st, int type,
             struct FTW *ftw)
{
    (void) st;
    (void) ftw;
    if (type == FTW_DP) {
        rmdir(path);
    } else {
        unlink(path);
    }
    return 0;
}
