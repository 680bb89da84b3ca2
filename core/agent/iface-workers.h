/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Worker threads for the kernel work of CNI ADD and DEL (making a Pod's
 * veth pair takes a few milliseconds of netlink round trips and namespace
 * switches; deleting veths waits for RCU grace periods), so that the
 * agent's loop goes on with IPAM, OVSDB and flows meanwhile.
 *
 * The caller embeds a struct iface_job in each record of its own and
 * submits it; a worker takes jobs off the queue in order, one at a time,
 * except that a batchable job takes every batchable job queued with it
 * (deleting veths together costs about as much as deleting one), calls
 * the 'run' function given at creation with that list, and puts the jobs
 * on the done list, writing a byte into a pipe whose read end
 * (iface_workers_wake_fd()) the loop polls.
 *
 * Who owns what: the jobs stay the caller's; between
 * iface_workers_submit() and iface_workers_take_done() only the 'run'
 * function (on a worker thread) touches them.  Everything else here is
 * for the loop's thread.
 */

#ifndef AGENT_IFACE_WORKERS_H
#define AGENT_IFACE_WORKERS_H 1

#include <stdbool.h>
#include <stddef.h>

/* One piece of work, embedded in the caller's record. */
struct iface_job {
    struct iface_job *next;     /* in the queue, a batch or the done list */
    bool batchable;             /* runs with every batchable job queued */
};

/* Does the jobs of the list 'jobs' (through 'next'), on a worker thread:
 * one job that is not batchable, or batchable ones only. */
typedef void iface_jobs_run_func(struct iface_job *jobs);

struct iface_workers;

int iface_workers_create(size_t n_threads, iface_jobs_run_func *run,
                         struct iface_workers **workersp, char **errorp);
void iface_workers_destroy(struct iface_workers *);

void iface_workers_submit(struct iface_workers *, struct iface_job *);
struct iface_job *iface_workers_take_done(struct iface_workers *);
int iface_workers_wake_fd(const struct iface_workers *);

#endif /* iface-workers.h */
