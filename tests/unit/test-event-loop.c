/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for core/lib/event-loop.c: fd readiness and revents, timers
 * (never early; upper bounds only as generous liveness checks), immediate
 * wakes, registrations lasting one block, many fds, task order and
 * removal, and stopping event_loop_run() by event_loop_stop() or a caught
 * signal.  Criterion runs each test in its own process, so signal masks
 * do not leak between tests.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "event-loop.h"
#include "antrea/host-api.h"
#include "util.h"

/* Liveness bound for anything that should finish "soon". */
#define GENEROUS_MSEC 10000

/* Criterion's limit, in seconds, for a test: a bug may make one hang. */
#define TEST_TIMEOUT 30

TestSuite(event_loop, .timeout = TEST_TIMEOUT);

/* Creates a pipe, asserting success; fds in 'fds'. */
static void
make_pipe(int fds[2])
{
    cr_assert_eq(pipe(fds), 0, "pipe: %s", strerror(errno));
}

/* Writes one byte to 'fd'. */
static void
write_byte(int fd)
{
    cr_assert_eq(write(fd, "x", 1), 1, "write: %s", strerror(errno));
}

Test(event_loop, time_msec_is_monotonic)
{
    long long a = time_msec();
    long long b = time_msec();
    cr_assert_gt(a, 0);
    cr_assert_geq(b, a);
}

Test(event_loop, readable_pipe_wakes_block)
{
    struct event_loop *loop = event_loop_create();
    int p[2];
    make_pipe(p);
    write_byte(p[1]);

    long long start = time_msec();
    event_loop_fd_wait(loop, p[0], POLLIN);
    event_loop_timer_wait(loop, 60000);
    cr_assert_eq(event_loop_block(loop), 1);
    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);
    cr_assert(event_loop_revents(loop, p[0]) & POLLIN);
    cr_assert_eq(event_loop_revents(loop, p[1]), 0);

    close(p[0]);
    close(p[1]);
    event_loop_destroy(loop);
}

/* Writes a byte to the fd at 'arg_' after a short delay. */
static void *
delayed_writer(void *arg_)
{
    int fd = *(int *) arg_;
    usleep(50 * 1000);
    cr_assert_eq(write(fd, "x", 1), 1);
    return NULL;
}

Test(event_loop, pipe_becoming_readable_wakes_block)
{
    struct event_loop *loop = event_loop_create();
    int p[2];
    make_pipe(p);

    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, delayed_writer, &p[1]), 0);

    long long start = time_msec();
    event_loop_fd_wait(loop, p[0], ANTREA_FD_READ);
    cr_assert_eq(event_loop_block(loop), 1);
    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);
    cr_assert(event_loop_revents(loop, p[0]) & POLLIN);
    pthread_join(thread, NULL);

    close(p[0]);
    close(p[1]);
    event_loop_destroy(loop);
}

Test(event_loop, writable_fd_and_merged_registrations)
{
    struct event_loop *loop = event_loop_create();
    int p[2];
    make_pipe(p);

    /* The write end never becomes readable, but is writable: merging the
     * two registrations must keep POLLOUT and count the fd once. */
    event_loop_fd_wait(loop, p[1], POLLIN);
    event_loop_fd_wait(loop, p[1], ANTREA_FD_WRITE);
    event_loop_fd_wait(loop, p[1], POLLIN);
    event_loop_timer_wait(loop, GENEROUS_MSEC);
    cr_assert_eq(event_loop_block(loop), 1);
    cr_assert(event_loop_revents(loop, p[1]) & POLLOUT);
    cr_assert_eq(event_loop_revents(loop, p[1]) & POLLIN, 0);

    close(p[0]);
    close(p[1]);
    event_loop_destroy(loop);
}

Test(event_loop, timer_never_fires_early)
{
    struct event_loop *loop = event_loop_create();
    int p[2];
    make_pipe(p);

    for (int i = 0; i < 3; i++) {
        long long start = time_msec();
        event_loop_fd_wait(loop, p[0], POLLIN);     /* never ready */
        event_loop_timer_wait(loop, 100);
        cr_assert_eq(event_loop_block(loop), 0);
        long long elapsed = time_msec() - start;
        cr_assert_geq(elapsed, 100, "woke after %lld ms", elapsed);
        cr_assert_lt(elapsed, GENEROUS_MSEC);
        cr_assert_eq(event_loop_revents(loop, p[0]), 0);
    }

    close(p[0]);
    close(p[1]);
    event_loop_destroy(loop);
}

Test(event_loop, earliest_timer_wins)
{
    struct event_loop *loop = event_loop_create();

    long long start = time_msec();
    event_loop_timer_wait(loop, 600000);
    event_loop_timer_wait(loop, 30);
    event_loop_timer_wait(loop, 300000);
    cr_assert_eq(event_loop_block(loop), 0);
    long long elapsed = time_msec() - start;
    cr_assert_geq(elapsed, 30);
    cr_assert_lt(elapsed, GENEROUS_MSEC);

    event_loop_destroy(loop);
}

Test(event_loop, timer_wait_until_is_absolute)
{
    struct event_loop *loop = event_loop_create();

    long long when = time_msec() + 80;
    event_loop_timer_wait_until(loop, when);
    cr_assert_eq(event_loop_block(loop), 0);
    long long now = time_msec();
    cr_assert_geq(now, when);
    cr_assert_lt(now - when, GENEROUS_MSEC);

    /* A time in the past wakes at once. */
    long long start = time_msec();
    event_loop_timer_wait_until(loop, start - 1000);
    event_loop_timer_wait(loop, 600000);
    cr_assert_eq(event_loop_block(loop), 0);
    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);

    event_loop_destroy(loop);
}

Test(event_loop, immediate_wakes)
{
    struct event_loop *loop = event_loop_create();
    int p[2];
    make_pipe(p);
    long long start = time_msec();

    event_loop_fd_wait(loop, p[0], POLLIN);
    event_loop_timer_wait(loop, 600000);
    event_loop_immediate_wake(loop);
    cr_assert_eq(event_loop_block(loop), 0);

    event_loop_fd_wait(loop, p[0], POLLIN);
    event_loop_timer_wait(loop, 0);
    cr_assert_eq(event_loop_block(loop), 0);

    event_loop_fd_wait(loop, p[0], POLLIN);
    event_loop_timer_wait(loop, -5);
    cr_assert_eq(event_loop_block(loop), 0);

    /* An immediate wake still reports ready fds. */
    write_byte(p[1]);
    event_loop_fd_wait(loop, p[0], POLLIN);
    event_loop_immediate_wake(loop);
    cr_assert_eq(event_loop_block(loop), 1);
    cr_assert(event_loop_revents(loop, p[0]) & POLLIN);

    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);
    close(p[0]);
    close(p[1]);
    event_loop_destroy(loop);
}

Test(event_loop, registrations_last_one_block)
{
    struct event_loop *loop = event_loop_create();
    int p[2];
    make_pipe(p);
    write_byte(p[1]);

    event_loop_fd_wait(loop, p[0], POLLIN);
    event_loop_immediate_wake(loop);
    cr_assert_eq(event_loop_block(loop), 1);
    cr_assert(event_loop_revents(loop, p[0]) & POLLIN);

    /* The pipe is still readable, but no longer registered, and the
     * immediate wake is gone too: only the new timer can end this. */
    long long start = time_msec();
    event_loop_timer_wait(loop, 50);
    cr_assert_eq(event_loop_block(loop), 0);
    cr_assert_geq(time_msec() - start, 50);
    cr_assert_eq(event_loop_revents(loop, p[0]), 0);

    /* Nor does it come back in later blocks. */
    for (int i = 0; i < 3; i++) {
        event_loop_timer_wait(loop, 1);
        cr_assert_eq(event_loop_block(loop), 0, "block %d", i);
        cr_assert_eq(event_loop_revents(loop, p[0]), 0);
    }

    close(p[0]);
    close(p[1]);
    event_loop_destroy(loop);
}

Test(event_loop, revents_of_unknown_fds_is_zero)
{
    struct event_loop *loop = event_loop_create();
    cr_assert_eq(event_loop_revents(loop, 0), 0);
    cr_assert_eq(event_loop_revents(loop, -1), 0);
    cr_assert_eq(event_loop_revents(loop, 1 << 20), 0);

    /* Fds that cannot be open are ignored rather than passed to poll()
     * or used as indexes. */
    event_loop_fd_wait(loop, -1, POLLIN);
    event_loop_fd_wait(loop, INT_MAX, POLLIN);
    event_loop_immediate_wake(loop);
    cr_assert_eq(event_loop_block(loop), 0);
    cr_assert_eq(event_loop_revents(loop, INT_MAX), 0);
    event_loop_destroy(loop);
}

Test(event_loop, many_fds)
{
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < 4096 && rl.rlim_max > rl.rlim_cur) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    size_t n_pipes = (rl.rlim_cur - 64) / 2;
    if (n_pipes > 1500) {
        n_pipes = 1500;
    }
    if (n_pipes < 100) {
        cr_skip_test("the open-file limit allows only %zu pipes", n_pipes);
    }

    int (*pipes)[2] = xmalloc(n_pipes * sizeof *pipes);
    for (size_t i = 0; i < n_pipes; i++) {
        make_pipe(pipes[i]);
    }

    struct event_loop *loop = event_loop_create();
    for (int round = 0; round < 2; round++) {
        /* Make every 7th pipe (offset by round) readable. */
        size_t n_written = 0;
        for (size_t i = round; i < n_pipes; i += 7) {
            write_byte(pipes[i][1]);
            n_written++;
        }
        for (size_t i = 0; i < n_pipes; i++) {
            event_loop_fd_wait(loop, pipes[i][0], POLLIN);
        }
        cr_assert_eq(event_loop_block(loop), (int) n_written);
        for (size_t i = 0; i < n_pipes; i++) {
            bool expected = i % 7 == (size_t) round;
            bool readable = event_loop_revents(loop, pipes[i][0]) & POLLIN;
            cr_assert_eq(readable, expected, "pipe %zu", i);
            if (readable) {
                char c;
                cr_assert_eq(read(pipes[i][0], &c, 1), 1);
            }
        }
    }
    event_loop_destroy(loop);

    for (size_t i = 0; i < n_pipes; i++) {
        close(pipes[i][0]);
        close(pipes[i][1]);
    }
    free(pipes);
}

/* A record of task calls, for checking their order. */
struct trace {
    char text[512];             /* calls so far, space-separated */
    struct event_loop *loop;    /* the loop, for tasks that act on it */
    struct event_loop_task *victim; /* a task to remove */
    int n_runs;                 /* calls of counting_run() */
    int stop_after;             /* counting_run() stops the loop after
                                   this many calls, 0 for never */
    int raise_after;            /* counting_run() raises 'signal' after
                                   this many calls, 0 for never */
    int signal;                 /* what to raise */
};

/* Task state: a name and the shared trace. */
struct traced_task {
    const char *name;           /* what to record */
    struct trace *trace;        /* where */
};

/* Appends 'what' and the task's name to the trace. */
static void
record(struct traced_task *t, const char *what)
{
    size_t len = strlen(t->trace->text);
    snprintf(t->trace->text + len, sizeof t->trace->text - len, "%s%s%s",
             len ? " " : "", what, t->name);
}

/* A run step that records itself. */
static void
traced_run(void *aux)
{
    record(aux, "r");
}

/* A wait step that records itself and asks not to block. */
static void
traced_wait(void *aux)
{
    struct traced_task *t = aux;
    record(t, "w");
    event_loop_immediate_wake(t->trace->loop);
}

Test(event_loop, tasks_run_then_wait_in_order)
{
    struct trace trace = { .loop = event_loop_create() };
    struct traced_task a = { "A", &trace };
    struct traced_task b = { "B", &trace };
    struct traced_task c = { "C", &trace };

    event_loop_add_task(trace.loop, "a", traced_run, traced_wait, &a);
    event_loop_add_task(trace.loop, "b", traced_run, NULL, &b);
    event_loop_add_task(trace.loop, "c", NULL, traced_wait, &c);

    event_loop_run_once(trace.loop);
    cr_assert_str_eq(trace.text, "rA rB wA wC");
    event_loop_run_once(trace.loop);
    cr_assert_str_eq(trace.text, "rA rB wA wC rA rB wA wC");

    event_loop_destroy(trace.loop);
}

Test(event_loop, run_once_blocks_for_registered_waits)
{
    struct event_loop *loop = event_loop_create();
    struct trace trace = { .loop = loop };
    struct traced_task a = { "A", &trace };

    /* No task asks to wake at once, so run_once must block until the
     * timer registered before it. */
    event_loop_add_task(loop, "a", traced_run, NULL, &a);
    long long start = time_msec();
    event_loop_timer_wait(loop, 40);
    event_loop_run_once(loop);
    long long elapsed = time_msec() - start;
    cr_assert_geq(elapsed, 40);
    cr_assert_lt(elapsed, GENEROUS_MSEC);
    cr_assert_str_eq(trace.text, "rA");

    event_loop_destroy(loop);
}

/* A run step that removes the trace's victim task. */
static void
removing_run(void *aux)
{
    struct traced_task *t = aux;
    record(t, "r");
    event_loop_remove_task(t->trace->loop, t->trace->victim);
    t->trace->victim = NULL;
}

Test(event_loop, removed_tasks_are_not_called)
{
    struct trace trace = { .loop = event_loop_create() };
    struct traced_task a = { "A", &trace };
    struct traced_task b = { "B", &trace };
    struct traced_task c = { "C", &trace };

    struct event_loop_task *ta = event_loop_add_task(trace.loop, "a",
                                                     traced_run, traced_wait,
                                                     &a);
    event_loop_add_task(trace.loop, "b", removing_run, traced_wait, &b);
    trace.victim = event_loop_add_task(trace.loop, "c", traced_run,
                                       traced_wait, &c);

    /* B removes C during the run pass: C neither runs nor waits. */
    event_loop_run_once(trace.loop);
    cr_assert_str_eq(trace.text, "rA rB wA wB");

    /* Removal outside an iteration. */
    event_loop_remove_task(trace.loop, ta);
    event_loop_remove_task(trace.loop, NULL);
    trace.text[0] = '\0';
    event_loop_run_once(trace.loop);
    cr_assert_str_eq(trace.text, "rB wB");

    event_loop_destroy(trace.loop);
}

/* A run step that removes its own task. */
static void
self_removing_run(void *aux)
{
    struct traced_task *t = aux;
    record(t, "r");
    event_loop_remove_task(t->trace->loop, t->trace->victim);
}

Test(event_loop, task_may_remove_itself)
{
    struct trace trace = { .loop = event_loop_create() };
    struct traced_task a = { "A", &trace };
    struct traced_task b = { "B", &trace };

    trace.victim = event_loop_add_task(trace.loop, "a", self_removing_run,
                                       traced_wait, &a);
    event_loop_add_task(trace.loop, "b", traced_run, traced_wait, &b);
    event_loop_run_once(trace.loop);
    event_loop_run_once(trace.loop);
    cr_assert_str_eq(trace.text, "rA rB wB rB wB");

    event_loop_destroy(trace.loop);
}

/* A run step that adds task 'B' the first time. */
static struct traced_task *task_to_add;
static void
adding_run(void *aux)
{
    struct traced_task *t = aux;
    record(t, "r");
    if (task_to_add) {
        event_loop_add_task(t->trace->loop, "added", traced_run, traced_wait,
                            task_to_add);
        task_to_add = NULL;
    }
}

Test(event_loop, task_added_during_iteration_starts_next_time)
{
    struct trace trace = { .loop = event_loop_create() };
    struct traced_task a = { "A", &trace };
    struct traced_task b = { "B", &trace };

    /* A registers no wait: adding B must still make the block return,
     * or this test hangs. */
    task_to_add = &b;
    event_loop_add_task(trace.loop, "a", adding_run, NULL, &a);
    long long start = time_msec();
    event_loop_run_once(trace.loop);
    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);
    cr_assert_str_eq(trace.text, "rA");
    event_loop_run_once(trace.loop);
    cr_assert_str_eq(trace.text, "rA rA rB wB");

    event_loop_destroy(trace.loop);
}

/* A run step that counts its calls and stops the loop or raises a signal
 * when told to. */
static void
counting_run(void *aux)
{
    struct trace *trace = aux;
    trace->n_runs++;
    if (trace->n_runs == trace->stop_after) {
        event_loop_stop(trace->loop);
    }
    if (trace->n_runs == trace->raise_after) {
        raise(trace->signal);
    }
}

/* A wait step that asks to be run again soon. */
static void
short_timer_wait(void *aux)
{
    struct trace *trace = aux;
    event_loop_timer_wait(trace->loop, 1);
}

Test(event_loop, run_stops_on_event_loop_stop)
{
    struct trace trace = { .loop = event_loop_create(), .stop_after = 3 };
    event_loop_add_task(trace.loop, "counter", counting_run,
                        short_timer_wait, &trace);

    cr_assert_eq(event_loop_run(trace.loop), 0);
    cr_assert_eq(trace.n_runs, 3);

    /* The loop can run again afterward. */
    trace.stop_after = 5;
    cr_assert_eq(event_loop_run(trace.loop), 0);
    cr_assert_eq(trace.n_runs, 5);

    event_loop_destroy(trace.loop);
}

Test(event_loop, stop_does_not_wait_for_timers)
{
    /* The only wait is a long timer: stopping must not sit it out. */
    struct trace trace = { .loop = event_loop_create(), .stop_after = 1 };
    event_loop_add_task(trace.loop, "counter", counting_run, NULL, &trace);
    long long start = time_msec();
    event_loop_timer_wait(trace.loop, 600000);
    cr_assert_eq(event_loop_run(trace.loop), 0);
    cr_assert_lt(time_msec() - start, GENEROUS_MSEC);
    event_loop_destroy(trace.loop);
}

Test(event_loop, run_stops_on_sigterm)
{
    struct trace trace = {
        .loop = event_loop_create(),
        .raise_after = 2,
        .signal = SIGTERM,
    };
    cr_assert_eq(event_loop_catch_signals(trace.loop, NULL, 0), 0);
    /* A short timer keeps the loop turning until the task raises. */
    event_loop_add_task(trace.loop, "counter", counting_run, NULL, &trace);
    event_loop_add_task(trace.loop, "kick", NULL, short_timer_wait, &trace);

    cr_assert_eq(event_loop_run(trace.loop), SIGTERM);
    cr_assert_eq(trace.n_runs, 2);

    event_loop_destroy(trace.loop);
}

Test(event_loop, run_stops_on_sigint_and_extra_signals)
{
    int extra[] = { SIGUSR1, SIGHUP };
    struct trace trace = {
        .loop = event_loop_create(),
        .raise_after = 1,
        .signal = SIGUSR1,
    };
    cr_assert_eq(event_loop_catch_signals(trace.loop, extra,
                                          ARRAY_SIZE(extra)), 0);
    event_loop_add_task(trace.loop, "counter", counting_run, NULL, &trace);

    cr_assert_eq(event_loop_run(trace.loop), SIGUSR1);

    trace.raise_after = 2;
    trace.signal = SIGINT;
    cr_assert_eq(event_loop_run(trace.loop), SIGINT);
    cr_assert_eq(trace.n_runs, 2);

    event_loop_destroy(trace.loop);
}

Test(event_loop, signal_before_run_is_not_lost)
{
    struct event_loop *loop = event_loop_create();
    cr_assert_eq(event_loop_catch_signals(loop, NULL, 0), 0);
    raise(SIGTERM);
    cr_assert_eq(event_loop_run(loop), SIGTERM);
    event_loop_destroy(loop);
}

Test(event_loop, bad_signals_are_refused)
{
    struct event_loop *loop = event_loop_create();
    int kill_signal[] = { SIGKILL };
    int stop_signal[] = { SIGSTOP };
    int zero[] = { 0 };
    int huge[] = { 12345 };
    int negative[] = { -2 };

    cr_assert_eq(event_loop_catch_signals(loop, kill_signal, 1), EINVAL);
    cr_assert_eq(event_loop_catch_signals(loop, stop_signal, 1), EINVAL);
    cr_assert_eq(event_loop_catch_signals(loop, zero, 1), EINVAL);
    cr_assert_eq(event_loop_catch_signals(loop, huge, 1), EINVAL);
    cr_assert_eq(event_loop_catch_signals(loop, negative, 1), EINVAL);
    cr_assert_eq(event_loop_catch_signals(loop, NULL, 1), EINVAL);

    /* Nothing was blocked by the refused calls. */
    sigset_t mask;
    pthread_sigmask(SIG_BLOCK, NULL, &mask);
    cr_assert_eq(sigismember(&mask, SIGTERM), 0);
    event_loop_destroy(loop);
}

Test(event_loop, destroy_unblocks_caught_signals)
{
    sigset_t before, mask;
    sigemptyset(&before);
    sigaddset(&before, SIGHUP);
    pthread_sigmask(SIG_SETMASK, &before, NULL);

    struct event_loop *loop = event_loop_create();
    int extra[] = { SIGHUP, SIGUSR2 };
    cr_assert_eq(event_loop_catch_signals(loop, extra, 2), 0);
    pthread_sigmask(SIG_BLOCK, NULL, &mask);
    cr_assert_eq(sigismember(&mask, SIGTERM), 1);
    cr_assert_eq(sigismember(&mask, SIGUSR2), 1);

    event_loop_destroy(loop);
    pthread_sigmask(SIG_BLOCK, NULL, &mask);
    cr_assert_eq(sigismember(&mask, SIGTERM), 0);
    cr_assert_eq(sigismember(&mask, SIGINT), 0);
    cr_assert_eq(sigismember(&mask, SIGUSR2), 0);
    cr_assert_eq(sigismember(&mask, SIGHUP), 1, "was blocked before");
}

Test(event_loop, destroy_accepts_null)
{
    event_loop_destroy(NULL);
}
