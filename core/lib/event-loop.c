/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The event loop; see event-loop.h.  Registrations for the next block live
 * in one poll set and the outcome of the last block in another; blocking
 * swaps them.  Timers collapse into a single earliest deadline, as in Open
 * vSwitch.  Signals are read through a signalfd so that they are ordinary
 * events and no handler runs at an awkward moment.
 */

#include <config.h>
#include "event-loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "antrea/host-api.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(event-loop);

/* Plugins pass ANTREA_FD_* straight through to event_loop_fd_wait(). */
_Static_assert(ANTREA_FD_READ == POLLIN, "ANTREA_FD_READ must be POLLIN");
_Static_assert(ANTREA_FD_WRITE == POLLOUT, "ANTREA_FD_WRITE must be POLLOUT");

/* 'deadline' values with special meanings. */
#define NO_DEADLINE LLONG_MAX       /* no timer: wait for fds only */
#define WAKE_AT_ONCE LLONG_MIN      /* immediate wake */

/* A set of fds with the events of interest (or that happened), with an
 * index by fd so that merging and lookups stay cheap with many fds. */
struct poll_set {
    struct pollfd *pollfds;     /* what poll() takes */
    size_t n_pollfds;           /* used 'pollfds' */
    size_t allocated_pollfds;   /* capacity of 'pollfds' */
    size_t *positions;          /* by fd: 1 + index in 'pollfds', or 0 */
    size_t n_positions;         /* entries in 'positions' (all valid) */
};

/* A module's run and wait steps. */
struct event_loop_task {
    char *name;                 /* for diagnostics */
    event_loop_task_func *run;  /* may be NULL */
    event_loop_task_func *wait; /* may be NULL */
    void *aux;                  /* passed to 'run' and 'wait' */
    bool removed;               /* removed during an iteration; freed at
                                   its end */
};

/* The loop. */
struct event_loop {
    struct poll_set waits;      /* registrations for the next block */
    struct poll_set results;    /* what the last block returned */
    long long max_fds;          /* the open-file limit: no fd can be this
                                   high, so none is indexed */
    long long deadline;         /* earliest timer, time_msec() units, or
                                   NO_DEADLINE or WAKE_AT_ONCE */

    struct event_loop_task **tasks; /* in registration order */
    size_t n_tasks;             /* used 'tasks' */
    size_t allocated_tasks;     /* capacity of 'tasks' */
    bool iterating;             /* inside event_loop_run_once()'s passes */
    bool tasks_removed;         /* some tasks marked 'removed' */

    int signal_fd;              /* signalfd for caught signals, or -1 */
    sigset_t caught_signals;    /* what 'signal_fd' reads */
    sigset_t old_mask;          /* signal mask before we blocked them */
    int signal_received;        /* first caught signal not yet returned by
                                   event_loop_run(), or 0 */
    bool stop_requested;        /* event_loop_stop() was called */
    event_loop_poll_func *poll_func; /* blocks instead of poll(2), or
                                        NULL (see event_loop_set_poll()) */
};

static void poll_set_init(struct poll_set *);
static void poll_set_destroy(struct poll_set *);
static void poll_set_add(struct poll_set *, int fd, short events);
static void poll_set_clear(struct poll_set *);
static short poll_set_revents(const struct poll_set *, int fd);
static long long get_max_fds(void);
static int compute_timeout(long long deadline, long long now);
static void read_signals(struct event_loop *);
static void free_removed_tasks(struct event_loop *);
static void task_destroy(struct event_loop_task *);

/* Returns a new event loop with no tasks and nothing to wait for. */
struct event_loop *
event_loop_create(void)
{
    struct event_loop *loop = xmalloc(sizeof *loop);

    poll_set_init(&loop->waits);
    poll_set_init(&loop->results);
    loop->max_fds = get_max_fds();
    loop->deadline = NO_DEADLINE;
    loop->tasks = NULL;
    loop->n_tasks = 0;
    loop->allocated_tasks = 0;
    loop->iterating = false;
    loop->tasks_removed = false;
    loop->signal_fd = -1;
    sigemptyset(&loop->caught_signals);
    sigemptyset(&loop->old_mask);
    loop->signal_received = 0;
    loop->stop_requested = false;
    loop->poll_func = NULL;
    return loop;
}

/* Frees 'loop' and its tasks (without calling them).  If it caught
 * signals, unblocks those that were not blocked before; any still pending
 * are then delivered normally. */
void
event_loop_destroy(struct event_loop *loop)
{
    if (!loop) {
        return;
    }

    if (loop->signal_fd >= 0) {
        sigset_t unblock;

        close(loop->signal_fd);
        sigemptyset(&unblock);
        for (int signo = 1; signo < NSIG; signo++) {
            if (sigismember(&loop->caught_signals, signo) == 1
                && sigismember(&loop->old_mask, signo) == 0) {
                sigaddset(&unblock, signo);
            }
        }
        pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    }

    for (size_t i = 0; i < loop->n_tasks; i++) {
        task_destroy(loop->tasks[i]);
    }
    free(loop->tasks);
    poll_set_destroy(&loop->waits);
    poll_set_destroy(&loop->results);
    free(loop);
}

/* Makes the next event_loop_block() wake when 'fd' has any of 'events'
 * (POLLIN, POLLOUT, or ANTREA_FD_READ, ANTREA_FD_WRITE); errors and
 * hang-ups wake it too.  Registering an fd again adds to its events.  An
 * fd that cannot be open (negative, or beyond the open-file limit) is
 * ignored with a warning. */
void
event_loop_fd_wait(struct event_loop *loop, int fd, short events)
{
    if (fd >= loop->max_fds) {
        /* The limit may have been raised since. */
        loop->max_fds = get_max_fds();
    }
    if (fd < 0 || fd >= loop->max_fds) {
        LOG_WARN("ignoring a wait on invalid fd %d", fd);
        return;
    }
    poll_set_add(&loop->waits, fd, events);
}

/* Makes the next event_loop_block() wake no later than 'msec' milliseconds
 * from now; 0 or less wakes it at once. */
void
event_loop_timer_wait(struct event_loop *loop, long long msec)
{
    if (msec <= 0) {
        event_loop_immediate_wake(loop);
    } else {
        long long now = time_msec();
        event_loop_timer_wait_until(loop, (msec >= LLONG_MAX - now
                                           ? LLONG_MAX - 1
                                           : now + msec));
    }
}

/* Makes the next event_loop_block() wake no later than time 'when', in
 * time_msec() units; a time already past wakes it at once. */
void
event_loop_timer_wait_until(struct event_loop *loop, long long when)
{
    if (when < loop->deadline) {
        loop->deadline = when;
    }
}

/* Makes the next event_loop_block() return at once. */
void
event_loop_immediate_wake(struct event_loop *loop)
{
    loop->deadline = WAKE_AT_ONCE;
}

/* Waits until a registered fd is ready or the earliest timer expires (not
 * at all after an immediate wake), then forgets all registrations.
 * Returns the number of ready fds, 0 if the wake-up was a timer's.  The
 * events that happened are then available from event_loop_revents(). */
int
event_loop_block(struct event_loop *loop)
{
    struct poll_set *waits = &loop->waits;
    int n_ready = 0;

    if (!waits->n_pollfds && loop->deadline == NO_DEADLINE) {
        LOG_WARN("blocking with no fd or timer to wake up for");
    }

    for (;;) {
        /* A timer already due still polls, without waiting, so that
         * ready fds are reported. */
        int timeout = compute_timeout(loop->deadline, time_msec());
        int retval = (loop->poll_func
                      ? loop->poll_func(waits->pollfds, waits->n_pollfds,
                                        timeout)
                      : poll(waits->pollfds, waits->n_pollfds, timeout));
        if (retval > 0) {
            n_ready = retval;
            break;
        } else if (!retval && loop->poll_func) {
            /* A replacement may wake early for its own registrations;
             * the tasks must then run, so this is a wake-up too. */
            break;
        } else if (!retval) {
            /* poll() may round the timeout; a timer never fires early. */
            if (loop->deadline == NO_DEADLINE
                || time_msec() >= loop->deadline) {
                break;
            }
        } else if (errno != EINTR) {
            LOG_ERR("poll failed: %s", strerror(errno));
            for (size_t i = 0; i < waits->n_pollfds; i++) {
                waits->pollfds[i].revents = 0;
            }
            break;
        }
    }

    /* The registrations become the results; start afresh. */
    struct poll_set tmp = loop->results;
    loop->results = loop->waits;
    loop->waits = tmp;
    poll_set_clear(&loop->waits);
    loop->deadline = NO_DEADLINE;

    return n_ready;
}

/* Makes event_loop_block() call 'poll_func' (NULL: poll(2) again)
 * instead of poll(2).  'poll_func' has poll(2)'s meaning for the loop's
 * fds but may also wake for registrations of its own, returning 0 before
 * the timeout; the block then ends as if a timer had fired.  The agent
 * passes aovs_poll() (aovs-poll.h), since the OVS library only wakes
 * through its own poll loop. */
void
event_loop_set_poll(struct event_loop *loop, event_loop_poll_func *poll_func)
{
    loop->poll_func = poll_func;
}

/* Returns the events poll() reported for 'fd' in the last
 * event_loop_block(), or 0 if 'fd' was not ready or not registered. */
short
event_loop_revents(const struct event_loop *loop, int fd)
{
    return poll_set_revents(&loop->results, fd);
}

/* Returns the time on a monotonic clock, in milliseconds.
 *
 * The Open vSwitch library defines a function of the same name; the agent
 * keeps OVS's symbols out of its global namespace (see "Linking the OVS
 * library" in docs/architecture.md), so the two never meet. */
long long int
time_msec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long int) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long int
time_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long int) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Adds a task called 'name' to 'loop', after those already there.  Each
 * iteration calls 'run' and then, once every task has run, 'wait', each
 * with 'aux'; either may be NULL.  A task added while the loop iterates
 * starts with the next iteration, which comes at once. */
struct event_loop_task *
event_loop_add_task(struct event_loop *loop, const char *name,
                    event_loop_task_func *run, event_loop_task_func *wait,
                    void *aux)
{
    struct event_loop_task *task = xmalloc(sizeof *task);

    task->name = xstrdup(name ? name : "(unnamed)");
    task->run = run;
    task->wait = wait;
    task->aux = aux;
    task->removed = false;

    if (loop->n_tasks >= loop->allocated_tasks) {
        loop->tasks = x2nrealloc(loop->tasks, &loop->allocated_tasks,
                                 sizeof *loop->tasks);
    }
    loop->tasks[loop->n_tasks++] = task;

    if (loop->iterating) {
        event_loop_immediate_wake(loop);
    }
    return task;
}

/* Removes 'task' from 'loop' and frees it; it is not called again, even
 * if removed from a task's run or wait step.  NULL is ignored. */
void
event_loop_remove_task(struct event_loop *loop, struct event_loop_task *task)
{
    if (!task) {
        return;
    }
    if (loop->iterating) {
        task->removed = true;
        loop->tasks_removed = true;
        return;
    }
    for (size_t i = 0; i < loop->n_tasks; i++) {
        if (loop->tasks[i] == task) {
            memmove(&loop->tasks[i], &loop->tasks[i + 1],
                    (loop->n_tasks - i - 1) * sizeof *loop->tasks);
            loop->n_tasks--;
            task_destroy(task);
            return;
        }
    }
}

/* Runs one iteration: every task's run step in registration order, then
 * every task's wait step, then event_loop_block().  Tasks must not call
 * it. */
void
event_loop_run_once(struct event_loop *loop)
{
    size_t n_tasks = loop->n_tasks;

    loop->iterating = true;
    for (size_t i = 0; i < n_tasks; i++) {
        struct event_loop_task *task = loop->tasks[i];
        if (!task->removed && task->run) {
            task->run(task->aux);
        }
    }
    for (size_t i = 0; i < n_tasks; i++) {
        struct event_loop_task *task = loop->tasks[i];
        if (!task->removed && task->wait) {
            task->wait(task->aux);
        }
    }
    loop->iterating = false;
    if (loop->tasks_removed) {
        free_removed_tasks(loop);
    }

    if (loop->signal_fd >= 0) {
        event_loop_fd_wait(loop, loop->signal_fd, POLLIN);
    }
    event_loop_block(loop);
    if (loop->signal_fd >= 0
        && event_loop_revents(loop, loop->signal_fd) & POLLIN) {
        read_signals(loop);
    }
}

/* Makes SIGINT, SIGTERM and the 'n_signals' signals in 'signals' stop
 * event_loop_run() instead of having their usual effect: blocks them in
 * the calling thread (threads created later inherit that) and reads them
 * through a signalfd.  May be called again to add signals.  Returns 0, or
 * EINVAL if a signal is not valid or cannot be caught, or another errno
 * value if the signalfd cannot be created. */
int
event_loop_catch_signals(struct event_loop *loop, const int *signals,
                         size_t n_signals)
{
    sigset_t mask = loop->caught_signals;

    if (n_signals && !signals) {
        LOG_ERR("%zu signals to catch but no list of them", n_signals);
        return EINVAL;
    }
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    for (size_t i = 0; i < n_signals; i++) {
        int signo = signals[i];
        if (signo == SIGKILL || signo == SIGSTOP) {
            LOG_ERR("cannot catch signal %d (%s): it cannot be blocked",
                    signo, strsignal(signo));
            return EINVAL;
        } else if (sigaddset(&mask, signo)) {
            LOG_ERR("cannot catch signal %d: no such signal", signo);
            return EINVAL;
        }
    }

    int fd = signalfd(loop->signal_fd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        LOG_ERR("signalfd failed: %s", strerror(error));
        return error;
    }

    sigset_t old_mask;
    int error = pthread_sigmask(SIG_BLOCK, &mask, &old_mask);
    if (error) {
        LOG_ERR("cannot block signals: %s", strerror(error));
        if (loop->signal_fd < 0) {
            close(fd);
        }
        return error;
    }
    if (loop->signal_fd < 0) {
        /* Remember the mask from before the first call only: later calls
         * see the signals this loop already blocked. */
        loop->old_mask = old_mask;
    } else {
        for (int signo = 1; signo < NSIG; signo++) {
            if (sigismember(&mask, signo) == 1
                && sigismember(&loop->caught_signals, signo) == 0
                && sigismember(&old_mask, signo) == 1) {
                sigaddset(&loop->old_mask, signo);
            }
        }
    }
    loop->signal_fd = fd;
    loop->caught_signals = mask;
    return 0;
}

/* Runs iterations until a signal caught with event_loop_catch_signals()
 * arrives or a task calls event_loop_stop().  Returns the signal's number,
 * or 0 if stopped by event_loop_stop(). */
int
event_loop_run(struct event_loop *loop)
{
    for (;;) {
        if (loop->signal_received) {
            int signo = loop->signal_received;
            loop->signal_received = 0;
            return signo;
        }
        if (loop->stop_requested) {
            loop->stop_requested = false;
            return 0;
        }
        event_loop_run_once(loop);
    }
}

/* Makes event_loop_run() return 0 after the current iteration, which does
 * not block. */
void
event_loop_stop(struct event_loop *loop)
{
    loop->stop_requested = true;
    event_loop_immediate_wake(loop);
}

/* Initializes 'set' as empty. */
static void
poll_set_init(struct poll_set *set)
{
    set->pollfds = NULL;
    set->n_pollfds = 0;
    set->allocated_pollfds = 0;
    set->positions = NULL;
    set->n_positions = 0;
}

/* Frees what 'set' holds. */
static void
poll_set_destroy(struct poll_set *set)
{
    free(set->pollfds);
    free(set->positions);
}

/* Adds 'events' to the events of interest for 'fd' (>= 0) in 'set'. */
static void
poll_set_add(struct poll_set *set, int fd, short events)
{
    size_t index = fd;

    if (index >= set->n_positions) {
        size_t n = set->n_positions * 2;
        if (n <= index) {
            n = index + 1;
        }
        if (n < 64) {
            n = 64;
        }
        set->positions = xrealloc(set->positions, n * sizeof *set->positions);
        memset(&set->positions[set->n_positions], 0,
               (n - set->n_positions) * sizeof *set->positions);
        set->n_positions = n;
    }

    size_t position = set->positions[index];
    if (position) {
        set->pollfds[position - 1].events |= events;
    } else {
        if (set->n_pollfds >= set->allocated_pollfds) {
            set->pollfds = x2nrealloc(set->pollfds, &set->allocated_pollfds,
                                      sizeof *set->pollfds);
        }
        struct pollfd *pfd = &set->pollfds[set->n_pollfds++];
        pfd->fd = fd;
        pfd->events = events;
        pfd->revents = 0;
        set->positions[index] = set->n_pollfds;
    }
}

/* Empties 'set', keeping its memory. */
static void
poll_set_clear(struct poll_set *set)
{
    for (size_t i = 0; i < set->n_pollfds; i++) {
        set->positions[set->pollfds[i].fd] = 0;
    }
    set->n_pollfds = 0;
}

/* Returns the revents of 'fd' in 'set', 0 if it is not there. */
static short
poll_set_revents(const struct poll_set *set, int fd)
{
    if (fd < 0 || (size_t) fd >= set->n_positions) {
        return 0;
    }
    size_t position = set->positions[fd];
    return position ? set->pollfds[position - 1].revents : 0;
}

/* Returns a bound on fd numbers: the hard open-file limit, or the
 * kernel's default ceiling for it if there is none. */
static long long
get_max_fds(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max == RLIM_INFINITY
        || rl.rlim_max > INT_MAX) {
        return 1 << 20;
    }
    return rl.rlim_max;
}

/* Returns the poll() timeout for waiting until 'deadline' at time 'now'. */
static int
compute_timeout(long long deadline, long long now)
{
    if (deadline == NO_DEADLINE) {
        return -1;
    } else if (deadline <= now) {
        return 0;
    } else {
        long long remaining = deadline - now;
        return remaining > INT_MAX ? INT_MAX : (int) remaining;
    }
}

/* Reads every pending signal from the loop's signalfd, remembering the
 * first for event_loop_run(). */
static void
read_signals(struct event_loop *loop)
{
    for (;;) {
        struct signalfd_siginfo info;
        ssize_t n = read(loop->signal_fd, &info, sizeof info);
        if (n == sizeof info) {
            LOG_INFO("received signal %d (%s)", (int) info.ssi_signo,
                     strsignal(info.ssi_signo));
            if (!loop->signal_received) {
                loop->signal_received = info.ssi_signo;
            }
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n < 0 && errno != EAGAIN) {
                LOG_ERR("reading signals failed: %s", strerror(errno));
            }
            break;
        }
    }
}

/* Frees the tasks marked 'removed' while the loop iterated. */
static void
free_removed_tasks(struct event_loop *loop)
{
    size_t n = 0;

    for (size_t i = 0; i < loop->n_tasks; i++) {
        struct event_loop_task *task = loop->tasks[i];
        if (task->removed) {
            task_destroy(task);
        } else {
            loop->tasks[n++] = task;
        }
    }
    loop->n_tasks = n;
    loop->tasks_removed = false;
}

/* Frees 'task'. */
static void
task_destroy(struct event_loop_task *task)
{
    free(task->name);
    free(task);
}
