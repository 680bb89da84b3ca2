/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the agent's veth worker threads (core/agent/iface-workers.h):
 * jobs run in order, a batchable job takes every batchable job queued
 * with it (and no other), every job comes back exactly once through the
 * done list, and the wake-up fd becomes readable when jobs are done.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "iface-workers.h"

/* Bound on waiting for the workers, in milliseconds. */
#define WAIT_MS 10000

/* A test job. */
struct test_job {
    struct iface_job job;       /* for the workers */
    int id;                     /* its number */
    int runs;                   /* times the run function saw it */
    bool gate;                  /* its run waits for 'gate_open' */
};

/* What the run function saw: the ids of each call's jobs, -1 ending each
 * call. */
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int run_log[4096];
static size_t n_run_log;
static bool mixed_batch;        /* a call had batchable and other jobs */

/* The workers' run function: records the call. */
static void
record_run(struct iface_job *jobs)
{
    pthread_mutex_lock(&log_mutex);
    for (struct iface_job *j = jobs; j; j = j->next) {
        struct test_job *tj = (struct test_job *) j;
        if (tj->gate) {
            while (!gate_open) {
                pthread_cond_wait(&gate_cond, &log_mutex);
            }
        }
        tj->runs++;
        if (j->batchable != jobs->batchable || (j != jobs && !j->batchable)) {
            mixed_batch = true;
        }
        if (n_run_log < sizeof run_log / sizeof *run_log - 1) {
            run_log[n_run_log++] = tj->id;
        }
    }
    run_log[n_run_log++] = -1;
    pthread_mutex_unlock(&log_mutex);
}

/* Resets what record_run() saw. */
static void
reset_log(void)
{
    n_run_log = 0;
    mixed_batch = false;
    gate_open = false;
}

/* Opens the gate of gated jobs. */
static void
open_gate(void)
{
    pthread_mutex_lock(&log_mutex);
    gate_open = true;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&log_mutex);
}

/* Waits, polling the wake-up fd as the agent's loop does, until 'n' jobs
 * have come back through the done list; fails after WAIT_MS.  Checks
 * that each comes back once. */
static void
collect(struct iface_workers *w, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd pfd = { .fd = iface_workers_wake_fd(w),
                              .events = POLLIN };
        cr_assert_eq(poll(&pfd, 1, WAIT_MS), 1,
                     "only %zu of %zu jobs came back", got, n);
        for (struct iface_job *j = iface_workers_take_done(w); j;
             j = j->next) {
            struct test_job *tj = (struct test_job *) j;
            cr_assert_eq(tj->runs, 1, "job %d ran %d times", tj->id,
                         tj->runs);
            got++;
        }
    }
    cr_assert_eq(got, n);
}

/* Returns the run log as text, e.g. "0|1 3 4|2|". */
static const char *
log_text(void)
{
    static char text[16384];
    size_t len = 0;
    text[0] = '\0';
    for (size_t i = 0; i < n_run_log && len < sizeof text - 16; i++) {
        len += snprintf(text + len, sizeof text - len, "%s",
                        run_log[i] < 0 ? "|" : "");
        if (run_log[i] >= 0) {
            bool first = !i || run_log[i - 1] < 0;
            len += snprintf(text + len, sizeof text - len, "%s%d",
                            first ? "" : " ", run_log[i]);
        }
    }
    return text;
}

TestSuite(iface_workers, .init = reset_log, .timeout = 30);

/* Jobs that are not batchable run one at a time, in the order they were
 * submitted (one worker). */
Test(iface_workers, jobs_run_alone_in_order)
{
    struct iface_workers *w;
    char *error = NULL;
    cr_assert_eq(iface_workers_create(1, record_run, &w, &error), 0, "%s",
                 error);
    struct test_job jobs[5];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 5; i++) {
        jobs[i].id = i;
        iface_workers_submit(w, &jobs[i].job);
    }
    collect(w, 5);
    cr_assert_str_eq(log_text(), "0|1|2|3|4|");
    iface_workers_destroy(w);
}

/* A batchable job takes every batchable job queued behind it, not the
 * others, which keep their turn. */
Test(iface_workers, batchable_jobs_run_together)
{
    struct iface_workers *w;
    char *error = NULL;
    cr_assert_eq(iface_workers_create(1, record_run, &w, &error), 0, "%s",
                 error);
    struct test_job jobs[6];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 6; i++) {
        jobs[i].id = i;
    }
    jobs[0].gate = true;        /* holds the worker while the rest queue */
    jobs[1].job.batchable = true;
    jobs[3].job.batchable = true;
    jobs[4].job.batchable = true;
    for (int i = 0; i < 6; i++) {
        iface_workers_submit(w, &jobs[i].job);
    }
    open_gate();
    collect(w, 6);
    cr_assert_str_eq(log_text(), "0|1 3 4|2|5|");
    cr_assert_not(mixed_batch);
    iface_workers_destroy(w);
}

/* Many jobs on two workers: each comes back once, batches never mix. */
Test(iface_workers, many_jobs_two_workers)
{
    enum { N = 300 };
    struct iface_workers *w;
    char *error = NULL;
    cr_assert_eq(iface_workers_create(2, record_run, &w, &error), 0, "%s",
                 error);
    static struct test_job jobs[N];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < N; i++) {
        jobs[i].id = i;
        jobs[i].job.batchable = i % 3 == 0;
        iface_workers_submit(w, &jobs[i].job);
    }
    collect(w, N);
    cr_assert_not(mixed_batch);
    int seen = 0;
    for (size_t i = 0; i < n_run_log; i++) {
        seen += run_log[i] >= 0;
    }
    cr_assert_eq(seen, N);
    iface_workers_destroy(w);
}

/* Destroying workers that never got a job, or a null pointer, is fine. */
Test(iface_workers, destroy_idle)
{
    struct iface_workers *w;
    char *error = NULL;
    cr_assert_eq(iface_workers_create(2, record_run, &w, &error), 0, "%s",
                 error);
    iface_workers_destroy(w);
    iface_workers_destroy(NULL);
    cr_assert_eq(n_run_log, 0);
}
