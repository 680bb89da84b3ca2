/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the metrics registry (core/lib/metrics.h): the exact text
 * exposition (format 0.0.4) of counters, gauges, labelled families and
 * histograms, escaping, float formatting, collectors, and refusal of
 * invalid names and misuse.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "util.h"

/* Returns true if 'text' has 'line' as one whole line. */
static bool
has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++) {
        if ((p == text || p[-1] == '\n') && (p[len] == '\n' || !p[len])) {
            return true;
        }
    }
    return false;
}

/* Asserts that the text exposition of 'reg' is 'expected', then destroys
 * 'reg'. */
static void
assert_exposition(struct metrics *reg, const char *expected)
{
    char *text = metrics_format(reg);
    cr_assert_str_eq(text, expected);
    free(text);
    metrics_destroy(reg);
}

Test(metrics, counter_and_gauge_without_labels)
{
    struct metrics *reg = metrics_create();
    struct metric *c = metrics_counter(reg, "antrea_test_events",
                                       "Events seen.", NULL);
    struct metric *g = metrics_gauge(reg, "antrea_test_up", "Up or not.",
                                     NULL);
    cr_assert_not_null(c);
    cr_assert_not_null(g);
    metric_add(c, NULL, 1);
    metric_add(c, NULL, 2);
    metric_set(g, NULL, 1);
    metric_set(g, NULL, 0);

    assert_exposition(reg,
                      "# HELP antrea_test_events Events seen.\n"
                      "# TYPE antrea_test_events counter\n"
                      "antrea_test_events 3\n"
                      "# HELP antrea_test_up Up or not.\n"
                      "# TYPE antrea_test_up gauge\n"
                      "antrea_test_up 0\n");
}

Test(metrics, labelled_family_and_escaping)
{
    struct metrics *reg = metrics_create();
    static const char *const labels[] = { "resource", "node", NULL };
    struct metric *c = metrics_counter(reg, "antrea_test_reconnects",
                                       "Reconnects \\ per \"resource\"\n"
                                       "second line.", labels);
    cr_assert_not_null(c);
    metric_add(c, (const char *[]) { "pods", "n1" }, 1);
    metric_add(c, (const char *[]) { "nodes", "n\"2\\\n" }, 5);
    metric_add(c, (const char *[]) { "pods", "n1" }, 1);

    char *text = metrics_format(reg);
    cr_assert(has_line(text, "# HELP antrea_test_reconnects Reconnects "
                       "\\\\ per \"resource\"\\nsecond line."), "%s", text);
    cr_assert(has_line(text, "# TYPE antrea_test_reconnects counter"));
    cr_assert(has_line(text, "antrea_test_reconnects{resource=\"pods\","
                       "node=\"n1\"} 2"), "%s", text);
    cr_assert(has_line(text, "antrea_test_reconnects{resource=\"nodes\","
                       "node=\"n\\\"2\\\\\\n\"} 5"), "%s", text);
    cr_assert_eq(metric_value(c, (const char *[]) { "pods", "n1" }), 2);
    cr_assert_eq(metric_value(c, (const char *[]) { "pods", "n9" }), 0);
    free(text);
    metrics_destroy(reg);
}

Test(metrics, histogram_buckets_are_cumulative)
{
    struct metrics *reg = metrics_create();
    static const double bounds[] = { 0.005, 0.1, 1, 2.5 };
    static const char *const labels[] = { "command", NULL };
    struct metric *h = metrics_histogram(reg, "antrea_test_duration_seconds",
                                         "Durations.", labels, bounds, 4);
    cr_assert_not_null(h);
    const char *add[] = { "ADD" };
    metric_observe(h, add, 0.001);  /* first bucket */
    metric_observe(h, add, 0.005);  /* on the bound: first bucket */
    metric_observe(h, add, 0.5);    /* third */
    metric_observe(h, add, 3);      /* only +Inf */
    metric_touch(h, (const char *[]) { "DEL" });

    char *text = metrics_format(reg);
    static const char *const lines[] = {
        "# HELP antrea_test_duration_seconds Durations.",
        "# TYPE antrea_test_duration_seconds histogram",
        "antrea_test_duration_seconds_bucket{command=\"ADD\",le=\"0.005\"} 2",
        "antrea_test_duration_seconds_bucket{command=\"ADD\",le=\"0.1\"} 2",
        "antrea_test_duration_seconds_bucket{command=\"ADD\",le=\"1\"} 3",
        "antrea_test_duration_seconds_bucket{command=\"ADD\",le=\"2.5\"} 3",
        "antrea_test_duration_seconds_bucket{command=\"ADD\",le=\"+Inf\"} 4",
        "antrea_test_duration_seconds_count{command=\"ADD\"} 4",
        "antrea_test_duration_seconds_bucket{command=\"DEL\",le=\"+Inf\"} 0",
        "antrea_test_duration_seconds_sum{command=\"DEL\"} 0",
        "antrea_test_duration_seconds_count{command=\"DEL\"} 0",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        cr_assert(has_line(text, lines[i]), "missing \"%s\" in:\n%s",
                  lines[i], text);
    }
    /* Buckets come in order, +Inf last, before _sum. */
    cr_assert_lt(strstr(text, "le=\"0.005\"} 2"), strstr(text, "le=\"1\""));
    cr_assert_lt(strstr(text, "le=\"+Inf\"} 4"),
                 strstr(text, "_sum{command=\"ADD\"}"));
    /* The sum, as written, reads back as the sum of the observations. */
    const char *sum = strstr(text, "_sum{command=\"ADD\"} ");
    cr_assert_not_null(sum);
    double total = strtod(sum + strlen("_sum{command=\"ADD\"} "), NULL);
    cr_assert_eq(total, 0.001 + 0.005 + 0.5 + 3, "%.17g", total);
    cr_assert_eq(metric_value(h, add), 4);
    free(text);
    metrics_destroy(reg);
}

Test(metrics, histogram_without_labels)
{
    struct metrics *reg = metrics_create();
    static const double bounds[] = { 1 };
    struct metric *h = metrics_histogram(reg, "h", "H.", NULL, bounds, 1);
    metric_observe(h, NULL, 0.25);
    assert_exposition(reg,
                      "# HELP h H.\n"
                      "# TYPE h histogram\n"
                      "h_bucket{le=\"1\"} 1\n"
                      "h_bucket{le=\"+Inf\"} 1\n"
                      "h_sum 0.25\n"
                      "h_count 1\n");
}

Test(metrics, float_formatting)
{
    struct metrics *reg = metrics_create();
    static const char *const labels[] = { "v", NULL };
    struct metric *g = metrics_gauge(reg, "g", "G.", labels);
    metric_set(g, (const char *[]) { "a" }, 0.1);
    metric_set(g, (const char *[]) { "b" }, 1e21);
    metric_set(g, (const char *[]) { "c" }, -INFINITY);
    metric_set(g, (const char *[]) { "d" }, NAN);
    metric_set(g, (const char *[]) { "e" }, 123456789);
    char *text = metrics_format(reg);
    cr_assert(has_line(text, "g{v=\"a\"} 0.1"), "%s", text);
    cr_assert(has_line(text, "g{v=\"b\"} 1e+21"), "%s", text);
    cr_assert(has_line(text, "g{v=\"c\"} -Inf"), "%s", text);
    cr_assert(has_line(text, "g{v=\"d\"} NaN"), "%s", text);
    cr_assert(has_line(text, "g{v=\"e\"} 123456789"), "%s", text);
    free(text);
    metrics_destroy(reg);
}

/* A collector that publishes '*aux' flows in table "0" and one more in a
 * table whose name is the count. */
static void
collect_tables(struct metrics *reg, void *aux)
{
    struct metric *m = aux;
    (void) reg;
    static int round;
    metric_clear(m);
    round++;
    metric_set(m, (const char *[]) { round == 1 ? "0" : "5" }, round * 10);
}

Test(metrics, collector_runs_before_each_format)
{
    struct metrics *reg = metrics_create();
    static const char *const labels[] = { "table_id", NULL };
    struct metric *g = metrics_gauge(reg, "flows", "Flows.", labels);
    metrics_add_collector(reg, collect_tables, g);

    char *first = metrics_format(reg);
    cr_assert(has_line(first, "flows{table_id=\"0\"} 10"), "%s", first);
    char *second = metrics_format(reg);
    cr_assert(has_line(second, "flows{table_id=\"5\"} 20"), "%s", second);
    cr_assert_null(strstr(second, "table_id=\"0\""), "%s", second);
    free(first);
    free(second);
    metrics_destroy(reg);
}

Test(metrics, invalid_names_and_misuse_are_refused)
{
    struct metrics *reg = metrics_create();
    static const char *const bad_label[] = { "1x", NULL };
    static const char *const reserved[] = { "__x", NULL };
    static const char *const le[] = { "le", NULL };
    static const double bad_bounds[] = { 1, 1 };
    static const double ok_bounds[] = { 1 };

    cr_assert_null(metrics_counter(reg, "", "x", NULL));
    cr_assert_null(metrics_counter(reg, "9lives", "x", NULL));
    cr_assert_null(metrics_counter(reg, "with-dash", "x", NULL));
    cr_assert_null(metrics_gauge(reg, "g", "x", bad_label));
    cr_assert_null(metrics_gauge(reg, "g", "x", reserved));
    cr_assert_null(metrics_histogram(reg, "h", "x", le, ok_bounds, 1));
    cr_assert_null(metrics_histogram(reg, "h", "x", NULL, bad_bounds, 2));

    struct metric *c = metrics_counter(reg, "ns:c", "x", NULL);
    cr_assert_not_null(c);
    cr_assert_null(metrics_gauge(reg, "ns:c", "again", NULL));

    /* Misuse is ignored, not fatal. */
    metric_add(c, NULL, -1);
    metric_set(c, NULL, 7);
    metric_observe(c, NULL, 1);
    metric_add(NULL, NULL, 1);
    static const char *const one[] = { "a", NULL };
    struct metric *labelled = metrics_gauge(reg, "l", "x", one);
    metric_set(labelled, NULL, 1);  /* no values: ignored */
    cr_assert_eq(metric_value(c, NULL), 0);

    assert_exposition(reg,
                      "# HELP ns:c x\n# TYPE ns:c counter\nns:c 0\n"
                      "# HELP l x\n# TYPE l gauge\n");
}

Test(metrics, table_registration_touch_each_and_event_hook)
{
    struct metrics *reg = metrics_create();
    static const char *const labels[] = { "resource", NULL };
    static const double bounds[] = { 1, 2 };
    struct metric *up = NULL, *events = NULL, *seconds = NULL;
    const struct metric_spec specs[] = {
        { &up, METRIC_GAUGE, "t_up", "Up.", NULL, NULL, 0 },
        { &events, METRIC_COUNTER, "t_events", "Events.", labels, NULL, 0 },
        { &seconds, METRIC_HISTOGRAM, "t_seconds", "Time.", NULL, bounds,
          2 },
    };
    metrics_register_table(reg, specs, ARRAY_SIZE(specs));
    cr_assert_not_null(up);
    cr_assert_not_null(events);
    cr_assert_not_null(seconds);

    /* A refused family (a name taken, a name with a space) is stored as
     * NULL, whatever the pointer held before. */
    struct metric *taken = up, *spaced = up;
    const struct metric_spec refused[] = {
        { &taken, METRIC_GAUGE, "t_up", "Twice.", NULL, NULL, 0 },
        { &spaced, METRIC_GAUGE, "t up", "A space.", NULL, NULL, 0 },
    };
    metrics_register_table(reg, refused, ARRAY_SIZE(refused));
    cr_assert_null(taken);
    cr_assert_null(spaced);

    static const char *const resources[] = { "pods", "nodes" };
    metric_touch_each(events, resources, ARRAY_SIZE(resources));
    metric_count_event("nodes", events);
    metric_count_event("nodes", events);
    metric_count_event("services", events);
    metric_count_event("pods", NULL);   /* a refused counter: nothing */
    metric_set(up, NULL, 1);
    metric_observe(seconds, NULL, 1.5);

    assert_exposition(reg,
                      "# HELP t_up Up.\n"
                      "# TYPE t_up gauge\n"
                      "t_up 1\n"
                      "# HELP t_events Events.\n"
                      "# TYPE t_events counter\n"
                      "t_events{resource=\"pods\"} 0\n"
                      "t_events{resource=\"nodes\"} 2\n"
                      "t_events{resource=\"services\"} 1\n"
                      "# HELP t_seconds Time.\n"
                      "# TYPE t_seconds histogram\n"
                      "t_seconds_bucket{le=\"1\"} 0\n"
                      "t_seconds_bucket{le=\"2\"} 1\n"
                      "t_seconds_bucket{le=\"+Inf\"} 1\n"
                      "t_seconds_sum 1.5\n"
                      "t_seconds_count 1\n");
}
