/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A small Prometheus metrics registry: counters, gauges and histograms,
 * each a family of series told apart by label values, and their text
 * exposition (format 0.0.4: "# HELP", "# TYPE", one line per series,
 * histograms as cumulative _bucket{le="..."} lines ending with +Inf, then
 * _sum and _count).  docs/metrics.md lists what the agent and the
 * controller register.
 *
 * Values that are cheap to read but costly to push (object counts, flow
 * counts) are gathered at scrape time: a collector registered with
 * metrics_add_collector() runs first in metrics_format() and sets gauges.
 *
 * Threads: the agent and the controller update every metric from their
 * event loop, so the registry takes no lock.  A metric updated from
 * another thread would need one.
 *
 * Ownership: the registry owns its families; a 'struct metric *' stays
 * valid until metrics_destroy().  Registration refuses (logs and returns
 * NULL) a name or label that Prometheus would reject, and every update
 * function accepts a NULL metric and does nothing, so a refused metric
 * costs nothing and crashes nothing.
 */

#ifndef METRICS_H
#define METRICS_H 1

#include <stddef.h>

struct metrics;
struct metric;

/* Kinds of metric. */
enum metric_type {
    METRIC_COUNTER,             /* only goes up (resets with the process) */
    METRIC_GAUGE,               /* goes up and down */
    METRIC_HISTOGRAM,           /* observations counted in buckets */
};

/* The Content-Type of metrics_format()'s text. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Called by metrics_format() before it writes, to set gauges from the
 * program's state. */
typedef void metrics_collect_func(struct metrics *, void *aux);

struct metrics *metrics_create(void);
void metrics_destroy(struct metrics *);

/* Registers a family called 'name' with help text 'help' and the
 * NULL-terminated 'labels' (NULL for none).  Returns NULL, having logged
 * why, if 'name' or a label is not a valid Prometheus name, or 'name' is
 * already registered. */
struct metric *metrics_counter(struct metrics *, const char *name,
                               const char *help,
                               const char *const *labels);
struct metric *metrics_gauge(struct metrics *, const char *name,
                             const char *help, const char *const *labels);

/* The same for a histogram with the 'n_bounds' upper bounds 'bounds'
 * (strictly increasing, finite; the +Inf bucket is implicit).  A label
 * may not be called "le". */
struct metric *metrics_histogram(struct metrics *, const char *name,
                                 const char *help,
                                 const char *const *labels,
                                 const double *bounds, size_t n_bounds);

/* One family of a table given to metrics_register_table(): a program's
 * metrics described in one place, each by its kind, name, help and
 * labels, rather than by one registration call each. */
struct metric_spec {
    struct metric **metricp;    /* receives the family (NULL if refused) */
    enum metric_type type;      /* its kind */
    const char *name;           /* its name */
    const char *help;           /* its help text */
    const char *const *labels;  /* NULL-terminated label names, or NULL */
    const double *bounds;       /* histograms: the upper bounds */
    size_t n_bounds;            /* histograms: their number */
};

/* Registers the 'n' families of 'specs', in order, as metrics_counter(),
 * metrics_gauge() and metrics_histogram() do, storing each family (or
 * NULL, having logged why) in '*specs[i].metricp'. */
void metrics_register_table(struct metrics *,
                            const struct metric_spec *specs, size_t n);

/* Runs 'collect' with 'aux' at every metrics_format(), in the order of
 * registration. */
void metrics_add_collector(struct metrics *, metrics_collect_func *collect,
                           void *aux);

/* Updates the series of 'metric' named by 'values' (as many strings as
 * the family has labels; NULL when it has none), creating it at 0 the
 * first time.  metric_add() is for counters (a negative 'delta' is
 * ignored) and gauges; metric_set() for gauges; metric_observe() for
 * histograms.  A call of the wrong kind is logged and ignored. */
void metric_add(struct metric *, const char *const *values, double delta);
void metric_set(struct metric *, const char *const *values, double value);
void metric_observe(struct metric *, const char *const *values,
                    double value);

/* Creates the series named by 'values' at 0 if it does not exist, so that
 * it is exposed before anything happens (e.g. a counter of failures). */
void metric_touch(struct metric *, const char *const *values);

/* Creates, for a family with one label, the series of each of the 'n'
 * label 'values' at 0 (metric_touch() for each). */
void metric_touch_each(struct metric *, const char *const *values,
                       size_t n);

/* Adds 1 to the series named 'value' of 'metric', a counter with one
 * label (a NULL 'metric' does nothing).  Its shape is that of an event
 * hook with the counter as the hook's argument, e.g. the Kubernetes
 * reflector's rewatch hook (k8s-reflector.h). */
void metric_count_event(const char *value, void *metric);

/* Removes every series of 'metric' (a collector that rebuilds a labelled
 * gauge, e.g. per-table flow counts, starts with it). */
void metric_clear(struct metric *);

/* Returns the value of a counter or gauge series, or the count of a
 * histogram series; 0 if the series does not exist. */
double metric_value(const struct metric *, const char *const *values);

/* Runs the collectors, then returns the text exposition of every family
 * (malloc'd; the caller frees), in the order of registration. */
char *metrics_format(struct metrics *);

#endif /* metrics.h */
