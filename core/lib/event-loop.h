/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's event loop: a poll(2)-based run/wait loop in the style of
 * Open vSwitch's poll-loop, but an object rather than globals.
 *
 * Every module of the agent is a task with a run step, which does whatever
 * work is ready without blocking, and a wait step, which registers what
 * should wake the loop next (fds to watch, timers).  One iteration runs
 * every task, then lets every task wait, then blocks until one of the
 * registered events happens.  Registrations only last for one block, so a
 * wait step states what it wants each time and nothing goes stale.
 *
 * The loop owns its tasks and registrations; it never owns the fds it
 * watches (except its own signalfd).
 */

#ifndef EVENT_LOOP_H
#define EVENT_LOOP_H 1

#include <stddef.h>

struct event_loop;
struct event_loop_task;

struct event_loop *event_loop_create(void);
void event_loop_destroy(struct event_loop *);

/* Registrations for the next block. */
void event_loop_fd_wait(struct event_loop *, int fd, short events);
void event_loop_timer_wait(struct event_loop *, long long msec);
void event_loop_timer_wait_until(struct event_loop *, long long when);
void event_loop_immediate_wake(struct event_loop *);

/* Blocking, and what woke it. */
struct pollfd;
typedef int event_loop_poll_func(struct pollfd *, size_t n_fds,
                                 int timeout_ms);
void event_loop_set_poll(struct event_loop *, event_loop_poll_func *);
int event_loop_block(struct event_loop *);
short event_loop_revents(const struct event_loop *, int fd);

/* A monotonic clock, in milliseconds, and the same clock in microseconds
 * for durations of a few milliseconds (CNI latencies), which milliseconds
 * would round away. */
long long int time_msec(void);
long long int time_usec(void);

/* Tasks. */
typedef void event_loop_task_func(void *aux);
struct event_loop_task *event_loop_add_task(struct event_loop *,
                                            const char *name,
                                            event_loop_task_func *run,
                                            event_loop_task_func *wait,
                                            void *aux);
void event_loop_remove_task(struct event_loop *, struct event_loop_task *);
void event_loop_run_once(struct event_loop *);

/* Running until told to stop. */
int event_loop_catch_signals(struct event_loop *, const int *signals,
                             size_t n_signals);
int event_loop_run(struct event_loop *);
void event_loop_stop(struct event_loop *);

#endif /* event-loop.h */
