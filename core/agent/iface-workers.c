/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Worker threads for veth work; see iface-workers.h.
 */

#include <config.h>

#include "iface-workers.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct iface_workers {
    iface_jobs_run_func *run;   /* does a job or a batch */
    pthread_t *threads;         /* 'n_threads' workers */
    size_t n_threads;           /* number of 'threads' started */
    pthread_mutex_t mutex;      /* guards the members below */
    pthread_cond_t cond;        /* signalled when 'queue' grows or
                                   'stopping' is set */
    struct iface_job *queue;    /* jobs to work on, FIFO via 'tail' */
    struct iface_job **tail;    /* where the next queued job goes */
    struct iface_job *done;     /* jobs worked on, for the loop */
    bool stopping;              /* workers must exit */
    int wake_fds[2];            /* pipe: workers write, the loop reads */
};

/* Takes the jobs to do next off 'w''s queue, with its mutex held: the
 * first job alone, or, if it is batchable, every batchable job queued.
 * Returns them as a list through 'next'. */
static struct iface_job *
take_jobs(struct iface_workers *w)
{
    struct iface_job *first = w->queue;
    w->queue = first->next;
    first->next = NULL;
    if (first->batchable) {
        struct iface_job **taken_tail = &first->next;
        struct iface_job **link = &w->queue;
        while (*link) {
            struct iface_job *job = *link;
            if (job->batchable) {
                *link = job->next;      /* off the queue... */
                job->next = NULL;
                *taken_tail = job;      /* ...onto the batch */
                taken_tail = &job->next;
            } else {
                link = &job->next;
            }
        }
    }
    w->tail = &w->queue;
    while (*w->tail) {
        w->tail = &(*w->tail)->next;
    }
    return first;
}

/* A worker thread: does the jobs in 'workers_''s queue and hands them
 * back to the loop. */
static void *
worker_main(void *workers_)
{
    struct iface_workers *w = workers_;

    pthread_mutex_lock(&w->mutex);
    for (;;) {
        while (!w->queue && !w->stopping) {
            pthread_cond_wait(&w->cond, &w->mutex);
        }
        if (w->stopping) {
            break;              /* The queue is the destroyer's now. */
        }
        struct iface_job *jobs = take_jobs(w);
        pthread_mutex_unlock(&w->mutex);

        w->run(jobs);

        pthread_mutex_lock(&w->mutex);
        while (jobs) {
            struct iface_job *next = jobs->next;
            jobs->next = w->done;
            w->done = jobs;
            jobs = next;
        }
        if (write(w->wake_fds[1], "", 1) < 0) {
            /* EAGAIN: the pipe is full, so the loop wakes anyway. */
        }
    }
    pthread_mutex_unlock(&w->mutex);
    return NULL;
}

/* Starts 'n_threads' workers that do jobs with 'run'.  Returns 0 and the
 * workers in '*workersp', or a positive errno value with a message in
 * '*errorp' (and '*workersp' NULL). */
int
iface_workers_create(size_t n_threads, iface_jobs_run_func *run,
                     struct iface_workers **workersp, char **errorp)
{
    struct iface_workers *w = xcalloc(1, sizeof *w);
    w->run = run;
    w->tail = &w->queue;
    *workersp = NULL;
    if (pipe2(w->wake_fds, O_NONBLOCK | O_CLOEXEC)) {
        int error = errno;
        *errorp = xasprintf("cannot create the veth workers' pipe: %s",
                            strerror(error));
        free(w);
        return error;
    }
    pthread_mutex_init(&w->mutex, NULL);
    pthread_cond_init(&w->cond, NULL);

    /* Signals are the loop's thread's business. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    w->threads = xcalloc(n_threads, sizeof *w->threads);
    int error = 0;
    while (w->n_threads < n_threads) {
        error = pthread_create(&w->threads[w->n_threads], NULL, worker_main,
                               w);
        if (error) {
            *errorp = xasprintf("cannot start a veth worker thread: %s",
                                strerror(error));
            break;
        }
        w->n_threads++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (error) {
        iface_workers_destroy(w);
        return error;
    }
    *workersp = w;
    return 0;
}

/* Stops the workers, after the job each is doing, if any, and frees 'w'.
 * Jobs still queued or done are left as they are (the caller's).  NULL
 * is ignored. */
void
iface_workers_destroy(struct iface_workers *w)
{
    if (!w) {
        return;
    }
    pthread_mutex_lock(&w->mutex);
    w->stopping = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->mutex);
    for (size_t i = 0; i < w->n_threads; i++) {
        pthread_join(w->threads[i], NULL);
    }
    free(w->threads);
    close(w->wake_fds[0]);
    close(w->wake_fds[1]);
    pthread_mutex_destroy(&w->mutex);
    pthread_cond_destroy(&w->cond);
    free(w);
}

/* Queues 'job' for a worker. */
void
iface_workers_submit(struct iface_workers *w, struct iface_job *job)
{
    pthread_mutex_lock(&w->mutex);
    job->next = NULL;
    *w->tail = job;
    w->tail = &job->next;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mutex);
}

/* Returns the jobs the workers are done with (a list through 'next'),
 * emptying the wake-up pipe. */
struct iface_job *
iface_workers_take_done(struct iface_workers *w)
{
    char buf[64];
    while (read(w->wake_fds[0], buf, sizeof buf) > 0) {
        continue;
    }
    pthread_mutex_lock(&w->mutex);
    struct iface_job *done = w->done;
    w->done = NULL;
    pthread_mutex_unlock(&w->mutex);
    return done;
}

/* Returns the fd the loop polls for POLLIN: readable when jobs are
 * done. */
int
iface_workers_wake_fd(const struct iface_workers *w)
{
    return w->wake_fds[0];
}
