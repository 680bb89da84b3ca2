/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Prometheus metrics registry and its text exposition (metrics.h).
 * Families are kept in registration order, series in creation order, each
 * in a plain array: a process has a few dozen series, and a scrape every
 * few seconds reads them all.
 */

#include <config.h>

#include "metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(metrics);

/* One series: a family's values for one set of label values. */
struct metric_series {
    char **values;              /* label values, one per family label */
    double value;               /* counter or gauge value; histogram sum */
    unsigned long long count;   /* histogram: observations */
    unsigned long long *buckets; /* histogram: observations <= each bound
                                    (not cumulative; made so on output) */
};

/* A family: one name, type and label set. */
struct metric {
    struct metrics *registry;   /* owner */
    char *name;                 /* metric name */
    char *help;                 /* help text */
    enum metric_type type;      /* kind */
    char **labels;              /* label names */
    size_t n_labels;            /* their number */
    double *bounds;             /* histogram: upper bounds */
    size_t n_bounds;            /* their number (+Inf not included) */
    struct metric_series *series; /* its series */
    size_t n_series;            /* their number */
    size_t allocated_series;    /* capacity of 'series' */
};

/* A collector and its argument. */
struct metrics_collector {
    metrics_collect_func *collect; /* called before formatting */
    void *aux;                  /* its argument */
};

struct metrics {
    struct metric **families;   /* in registration order */
    size_t n_families;          /* their number */
    size_t allocated_families;  /* capacity of 'families' */
    struct metrics_collector *collectors; /* in registration order */
    size_t n_collectors;        /* their number */
    size_t allocated_collectors; /* capacity of 'collectors' */
};

/* A growing string. */
struct buf {
    char *s;                    /* text, NUL-terminated */
    size_t len;                 /* its length */
    size_t allocated;           /* capacity */
};

/* Appends the printf-style text to 'b'. */
static void ANTREA_PRINTF_FORMAT(2, 3)
buf_printf(struct buf *b, const char *format, ...)
{
    for (;;) {
        va_list args;
        size_t room = b->allocated - b->len;
        va_start(args, format);
        int n = vsnprintf(b->s + b->len, room, format, args);
        va_end(args);
        if (n < 0) {
            return;
        }
        if ((size_t) n < room) {
            b->len += n;
            return;
        }
        b->allocated = 2 * b->allocated + n + 1;
        b->s = xrealloc(b->s, b->allocated);
    }
}

/* Appends 's' to 'b', escaping a backslash and a newline, and also a
 * double quote if 'quote' (label values; HELP text keeps its quotes). */
static void
buf_escaped(struct buf *b, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\') {
            buf_printf(b, "\\\\");
        } else if (*s == '\n') {
            buf_printf(b, "\\n");
        } else if (*s == '"' && quote) {
            buf_printf(b, "\\\"");
        } else {
            buf_printf(b, "%c", *s);
        }
    }
}

/* Appends 'value' as Prometheus writes floats: the shortest decimal that
 * reads back as the same double, and +Inf, -Inf, NaN. */
static void
buf_double(struct buf *b, double value)
{
    if (isnan(value)) {
        buf_printf(b, "NaN");
        return;
    } else if (isinf(value)) {
        buf_printf(b, value > 0 ? "+Inf" : "-Inf");
        return;
    }
    char text[32];
    if (value == (double) (long long) value && fabs(value) < 1e15) {
        /* Counts: whole numbers in full, never "1e+01". */
        buf_printf(b, "%lld", (long long) value);
        return;
    }
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(text, sizeof text, "%.*g", precision, value);
        if (strtod(text, NULL) == value) {
            break;
        }
    }
    buf_printf(b, "%s", text);
}

/* Returns true if 's' is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*),
 * or, if 'label', a valid label name (no ':', not starting with "__"). */
static bool
valid_name(const char *s, bool label)
{
    if (!s || !s[0] || (label && !strncmp(s, "__", 2))) {
        return false;
    }
    for (const char *p = s; *p; p++) {
        bool alpha = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                      || *p == '_' || (!label && *p == ':'));
        bool digit = *p >= '0' && *p <= '9';
        if (!alpha && !(digit && p != s)) {
            return false;
        }
    }
    return true;
}

struct metrics *
metrics_create(void)
{
    return xcalloc(1, sizeof(struct metrics));
}

/* Frees 'm''s series. */
static void
clear_series(struct metric *m)
{
    for (size_t i = 0; i < m->n_series; i++) {
        struct metric_series *s = &m->series[i];
        for (size_t j = 0; j < m->n_labels; j++) {
            free(s->values[j]);
        }
        free(s->values);
        free(s->buckets);
    }
    m->n_series = 0;
}

void
metrics_destroy(struct metrics *reg)
{
    if (!reg) {
        return;
    }
    for (size_t i = 0; i < reg->n_families; i++) {
        struct metric *m = reg->families[i];
        clear_series(m);
        free(m->series);
        for (size_t j = 0; j < m->n_labels; j++) {
            free(m->labels[j]);
        }
        free(m->labels);
        free(m->bounds);
        free(m->name);
        free(m->help);
        free(m);
    }
    free(reg->families);
    free(reg->collectors);
    free(reg);
}

static struct metric_series *get_series(struct metric *,
                                        const char *const *values);

/* Registers a family (see metrics.h). */
static struct metric *
register_family(struct metrics *reg, enum metric_type type, const char *name,
                const char *help, const char *const *labels,
                const double *bounds, size_t n_bounds)
{
    if (!valid_name(name, false)) {
        LOG_ERR("metric name \"%s\" is not valid: expected "
                "[a-zA-Z_:][a-zA-Z0-9_:]*", name ? name : "(null)");
        return NULL;
    }
    for (size_t i = 0; i < reg->n_families; i++) {
        if (!strcmp(reg->families[i]->name, name)) {
            LOG_ERR("metric %s is registered twice", name);
            return NULL;
        }
    }
    size_t n_labels = 0;
    for (; labels && labels[n_labels]; n_labels++) {
        if (!valid_name(labels[n_labels], true)
            || (type == METRIC_HISTOGRAM && !strcmp(labels[n_labels], "le"))) {
            LOG_ERR("metric %s: label name \"%s\" is not valid", name,
                    labels[n_labels]);
            return NULL;
        }
    }
    for (size_t i = 0; i < n_bounds; i++) {
        if (!isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1])) {
            LOG_ERR("metric %s: bucket bounds must be finite and strictly "
                    "increasing (bound %zu is not)", name, i);
            return NULL;
        }
    }

    struct metric *m = xcalloc(1, sizeof *m);
    m->registry = reg;
    m->name = xstrdup(name);
    m->help = xstrdup(help ? help : "");
    m->type = type;
    m->n_labels = n_labels;
    m->labels = xcalloc(n_labels ? n_labels : 1, sizeof *m->labels);
    for (size_t i = 0; i < n_labels; i++) {
        m->labels[i] = xstrdup(labels[i]);
    }
    if (n_bounds) {
        m->bounds = xmalloc(n_bounds * sizeof *m->bounds);
        memcpy(m->bounds, bounds, n_bounds * sizeof *m->bounds);
    }
    m->n_bounds = n_bounds;
    if (reg->n_families >= reg->allocated_families) {
        reg->families = x2nrealloc(reg->families, &reg->allocated_families,
                                   sizeof *reg->families);
    }
    reg->families[reg->n_families++] = m;
    if (!n_labels) {
        /* Its one series exists from the start, at 0. */
        get_series(m, NULL);
    }
    return m;
}

struct metric *
metrics_counter(struct metrics *reg, const char *name, const char *help,
                const char *const *labels)
{
    return register_family(reg, METRIC_COUNTER, name, help, labels, NULL,
                           0);
}

struct metric *
metrics_gauge(struct metrics *reg, const char *name, const char *help,
              const char *const *labels)
{
    return register_family(reg, METRIC_GAUGE, name, help, labels, NULL, 0);
}

struct metric *
metrics_histogram(struct metrics *reg, const char *name, const char *help,
                  const char *const *labels, const double *bounds,
                  size_t n_bounds)
{
    return register_family(reg, METRIC_HISTOGRAM, name, help, labels,
                           bounds, n_bounds);
}

void
metrics_register_table(struct metrics *reg, const struct metric_spec *specs,
                       size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct metric_spec *spec = &specs[i];
        *spec->metricp = register_family(reg, spec->type, spec->name,
                                         spec->help, spec->labels,
                                         spec->bounds, spec->n_bounds);
    }
}

void
metrics_add_collector(struct metrics *reg, metrics_collect_func *collect,
                      void *aux)
{
    if (reg->n_collectors >= reg->allocated_collectors) {
        reg->collectors = x2nrealloc(reg->collectors,
                                     &reg->allocated_collectors,
                                     sizeof *reg->collectors);
    }
    reg->collectors[reg->n_collectors++] = (struct metrics_collector) {
        collect, aux };
}

/* Returns the series of 'm' for 'values', or NULL. */
static struct metric_series *
find_series(const struct metric *m, const char *const *values)
{
    for (size_t i = 0; i < m->n_series; i++) {
        struct metric_series *s = &m->series[i];
        size_t j;
        for (j = 0; j < m->n_labels; j++) {
            if (strcmp(s->values[j], values[j] ? values[j] : "")) {
                break;
            }
        }
        if (j == m->n_labels) {
            return s;
        }
    }
    return NULL;
}

/* Returns the series of 'm' for 'values', created at 0 if need be. */
static struct metric_series *
get_series(struct metric *m, const char *const *values)
{
    if (m->n_labels && !values) {
        LOG_ERR("metric %s: an update without label values (it has %zu "
                "labels) is ignored", m->name, m->n_labels);
        return NULL;
    }
    struct metric_series *s = find_series(m, values);
    if (s) {
        return s;
    }
    if (m->n_series >= m->allocated_series) {
        m->series = x2nrealloc(m->series, &m->allocated_series,
                               sizeof *m->series);
    }
    s = &m->series[m->n_series++];
    memset(s, 0, sizeof *s);
    s->values = xcalloc(m->n_labels ? m->n_labels : 1, sizeof *s->values);
    for (size_t i = 0; i < m->n_labels; i++) {
        s->values[i] = xstrdup(values[i] ? values[i] : "");
    }
    if (m->type == METRIC_HISTOGRAM) {
        s->buckets = xcalloc(m->n_bounds ? m->n_bounds : 1,
                             sizeof *s->buckets);
    }
    return s;
}

/* Returns true if 'm' is of 'type', logging a misuse otherwise. */
static bool
check_type(const struct metric *m, enum metric_type type, const char *what)
{
    if (m->type == type) {
        return true;
    }
    LOG_ERR("metric %s: %s is not allowed for its type (ignored)", m->name,
            what);
    return false;
}

void
metric_add(struct metric *m, const char *const *values, double delta)
{
    if (!m || (m->type == METRIC_HISTOGRAM
               && !check_type(m, METRIC_COUNTER, "add"))) {
        return;
    }
    if (m->type == METRIC_COUNTER && !(delta >= 0)) {
        LOG_ERR("metric %s: a counter cannot go down (ignored)", m->name);
        return;
    }
    struct metric_series *s = get_series(m, values);
    if (s) {
        s->value += delta;
    }
}

void
metric_set(struct metric *m, const char *const *values, double value)
{
    if (!m || !check_type(m, METRIC_GAUGE, "set")) {
        return;
    }
    struct metric_series *s = get_series(m, values);
    if (s) {
        s->value = value;
    }
}

void
metric_observe(struct metric *m, const char *const *values, double value)
{
    if (!m || !check_type(m, METRIC_HISTOGRAM, "observe")) {
        return;
    }
    struct metric_series *s = get_series(m, values);
    if (!s) {
        return;
    }
    s->count++;
    s->value += value;
    for (size_t i = 0; i < m->n_bounds; i++) {
        if (value <= m->bounds[i]) {
            s->buckets[i]++;
            break;
        }
    }
}

void
metric_touch(struct metric *m, const char *const *values)
{
    if (m) {
        get_series(m, values);
    }
}

void
metric_touch_each(struct metric *m, const char *const *values, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        metric_touch(m, &values[i]);
    }
}

void
metric_count_event(const char *value, void *m)
{
    metric_add(m, &value, 1);
}

void
metric_clear(struct metric *m)
{
    if (m) {
        clear_series(m);
    }
}

double
metric_value(const struct metric *m, const char *const *values)
{
    if (!m || (m->n_labels && !values)) {
        return 0;
    }
    const struct metric_series *s = find_series(m, values);
    if (!s) {
        return 0;
    }
    return m->type == METRIC_HISTOGRAM ? (double) s->count : s->value;
}

/* Appends the label set of series 's' of 'm' in braces, with 'le' (if
 * nonnull) as the last label; nothing if there is no label at all. */
static void
format_labels(struct buf *b, const struct metric *m,
              const struct metric_series *s, const char *le)
{
    if (!m->n_labels && !le) {
        return;
    }
    buf_printf(b, "{");
    for (size_t i = 0; i < m->n_labels; i++) {
        buf_printf(b, "%s%s=\"", i ? "," : "", m->labels[i]);
        buf_escaped(b, s->values[i], true);
        buf_printf(b, "\"");
    }
    if (le) {
        buf_printf(b, "%sle=\"%s\"", m->n_labels ? "," : "", le);
    }
    buf_printf(b, "}");
}

/* Appends the exposition of family 'm'. */
static void
format_family(struct buf *b, const struct metric *m)
{
    static const char *const type_names[] = {
        [METRIC_COUNTER] = "counter",
        [METRIC_GAUGE] = "gauge",
        [METRIC_HISTOGRAM] = "histogram",
    };

    buf_printf(b, "# HELP %s ", m->name);
    buf_escaped(b, m->help, false);
    buf_printf(b, "\n# TYPE %s %s\n", m->name, type_names[m->type]);
    for (size_t i = 0; i < m->n_series; i++) {
        const struct metric_series *s = &m->series[i];
        if (m->type != METRIC_HISTOGRAM) {
            buf_printf(b, "%s", m->name);
            format_labels(b, m, s, NULL);
            buf_printf(b, " ");
            buf_double(b, s->value);
            buf_printf(b, "\n");
            continue;
        }
        unsigned long long cumulative = 0;
        for (size_t j = 0; j <= m->n_bounds; j++) {
            char le[32];
            if (j < m->n_bounds) {
                struct buf lb = { xmalloc(32), 0, 32 };
                lb.s[0] = '\0';
                buf_double(&lb, m->bounds[j]);
                snprintf(le, sizeof le, "%s", lb.s);
                free(lb.s);
                cumulative += s->buckets[j];
            } else {
                snprintf(le, sizeof le, "+Inf");
                cumulative = s->count;
            }
            buf_printf(b, "%s_bucket", m->name);
            format_labels(b, m, s, le);
            buf_printf(b, " %llu\n", cumulative);
        }
        buf_printf(b, "%s_sum", m->name);
        format_labels(b, m, s, NULL);
        buf_printf(b, " ");
        buf_double(b, s->value);
        buf_printf(b, "\n%s_count", m->name);
        format_labels(b, m, s, NULL);
        buf_printf(b, " %llu\n", s->count);
    }
}

char *
metrics_format(struct metrics *reg)
{
    for (size_t i = 0; i < reg->n_collectors; i++) {
        reg->collectors[i].collect(reg, reg->collectors[i].aux);
    }
    struct buf b = { xmalloc(4096), 0, 4096 };
    b.s[0] = '\0';
    for (size_t i = 0; i < reg->n_families; i++) {
        format_family(&b, reg->families[i]);
    }
    return b.s;
}
