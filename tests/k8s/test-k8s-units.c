/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for the Kubernetes client's small parts: splitting a watch
 * stream into lines (pieces of any size, CR LF, the length bound,
 * stopping), the reconnect backoff (growth, bound, jitter range, reset),
 * and resources (REST paths, query escaping, object keys, Status
 * messages).
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s-backoff.h"
#include "k8s/k8s-lines.h"
#include "k8s/k8s-resource.h"
#include "util.h"

TestSuite(k8s_units, .timeout = 30);

/* Lines collected by collect_line(), joined with '|'. */
struct collected {
    char text[4096];            /* "line1|line2|" */
    int n;                      /* lines so far */
    int stop_after;             /* return false after this many, or 0 */
};

/* A k8s_lines_func that appends the line to the struct collected. */
static bool
collect_line(const char *line, size_t length, void *c_)
{
    struct collected *c = c_;
    size_t used = strlen(c->text);
    cr_assert_lt(used + length + 2, sizeof c->text);
    memcpy(c->text + used, line, length);
    c->text[used + length] = '|';
    c->text[used + length + 1] = '\0';
    c->n++;
    return !c->stop_after || c->n < c->stop_after;
}

Test(k8s_units, lines_split_in_every_possible_way)
{
    static const char stream[] = "{\"a\":1}\n\n{\"b\":2}\r\nlast line\n";
    size_t size = strlen(stream);

    /* Feed the stream in pieces of every size from 1 to all of it. */
    for (size_t piece = 1; piece <= size; piece++) {
        struct k8s_lines lines;
        struct collected c = { .text = "" };

        k8s_lines_init(&lines, 0);
        for (size_t pos = 0; pos < size; pos += piece) {
            size_t n = size - pos < piece ? size - pos : piece;
            cr_assert_eq(k8s_lines_feed(&lines, stream + pos, n,
                                        collect_line, &c), 0);
        }
        cr_assert_str_eq(c.text, "{\"a\":1}||{\"b\":2}|last line|",
                         "piece size %zu gave \"%s\"", piece, c.text);
        cr_assert_eq(k8s_lines_pending(&lines), 0);
        k8s_lines_destroy(&lines);
    }
}

Test(k8s_units, lines_keep_an_unfinished_line)
{
    struct k8s_lines lines;
    struct collected c = { .text = "" };

    k8s_lines_init(&lines, 0);
    cr_assert_eq(k8s_lines_feed(&lines, "one\ntw", 6, collect_line, &c), 0);
    cr_assert_str_eq(c.text, "one|");
    cr_assert_eq(k8s_lines_pending(&lines), 2);
    cr_assert_eq(k8s_lines_feed(&lines, "o\n", 2, collect_line, &c), 0);
    cr_assert_str_eq(c.text, "one|two|");
    cr_assert_eq(k8s_lines_pending(&lines), 0);
    k8s_lines_destroy(&lines);
}

Test(k8s_units, lines_longer_than_the_bound_fail)
{
    struct k8s_lines lines;
    struct collected c = { .text = "" };

    /* Exactly the bound is fine, in one piece or split. */
    k8s_lines_init(&lines, 8);
    cr_assert_eq(k8s_lines_feed(&lines, "12345678\n1234", 13, collect_line,
                                &c), 0);
    cr_assert_eq(k8s_lines_feed(&lines, "5678\n", 5, collect_line, &c), 0);
    cr_assert_str_eq(c.text, "12345678|12345678|");

    /* One more byte fails, even before its newline arrives, and the
     * splitter accepts nothing afterwards. */
    cr_assert_eq(k8s_lines_feed(&lines, "12345", 5, collect_line, &c), 0);
    cr_assert_eq(k8s_lines_feed(&lines, "6789", 4, collect_line, &c),
                 EMSGSIZE);
    cr_assert_eq(k8s_lines_feed(&lines, "\nok\n", 4, collect_line, &c),
                 EMSGSIZE);
    cr_assert_str_eq(c.text, "12345678|12345678|");
    k8s_lines_destroy(&lines);

    /* A complete over-long line in one piece fails too. */
    k8s_lines_init(&lines, 3);
    cr_assert_eq(k8s_lines_feed(&lines, "abcd\n", 5, collect_line, &c),
                 EMSGSIZE);
    k8s_lines_destroy(&lines);

    /* The default bound is 16 MiB. */
    k8s_lines_init(&lines, 0);
    cr_assert_eq(lines.max_length, 16 * 1024 * 1024);
    k8s_lines_destroy(&lines);
}

Test(k8s_units, lines_stop_when_told)
{
    struct k8s_lines lines;
    struct collected c = { .text = "", .stop_after = 2 };

    k8s_lines_init(&lines, 0);
    cr_assert_eq(k8s_lines_feed(&lines, "a\nb\nc\n", 6, collect_line, &c),
                 ECANCELED);
    cr_assert_str_eq(c.text, "a|b|");
    k8s_lines_destroy(&lines);
}

Test(k8s_units, backoff_doubles_up_to_the_bound_without_jitter)
{
    struct k8s_backoff b;
    struct k8s_backoff_params p = {
        .initial_ms = 50, .max_ms = 300, .factor = 2, .jitter = -1,
    };

    k8s_backoff_init(&b, &p);
    cr_assert_eq(k8s_backoff_next(&b), 50);
    cr_assert_eq(k8s_backoff_next(&b), 100);
    cr_assert_eq(k8s_backoff_next(&b), 200);
    cr_assert_eq(k8s_backoff_next(&b), 300);
    cr_assert_eq(k8s_backoff_next(&b), 300);
    cr_assert_eq(k8s_backoff_failures(&b), 5);
    k8s_backoff_reset(&b);
    cr_assert_eq(k8s_backoff_failures(&b), 0);
    cr_assert_eq(k8s_backoff_next(&b), 50);
}

Test(k8s_units, backoff_jitter_stays_in_range_and_varies)
{
    struct k8s_backoff_params p = {
        .initial_ms = 1000, .max_ms = 100000, .factor = 2, .jitter = 0.5,
    };
    long long first[2] = { 0, 0 };
    bool varied = false;

    for (int round = 0; round < 200; round++) {
        struct k8s_backoff b;
        k8s_backoff_init(&b, &p);
        long long d1 = k8s_backoff_next(&b);
        long long d2 = k8s_backoff_next(&b);
        cr_assert(d1 >= 1000 && d1 < 1500, "delay %lld", d1);
        cr_assert(d2 >= 2000 && d2 < 3000, "delay %lld", d2);
        if (round == 0) {
            first[0] = d1;
            first[1] = d2;
        } else if (d1 != first[0] || d2 != first[1]) {
            varied = true;
        }
    }
    cr_assert(varied, "the jitter never changed the delays");

    /* The bound holds after the jitter too. */
    struct k8s_backoff b;
    p = (struct k8s_backoff_params) {
        .initial_ms = 900, .max_ms = 1000, .jitter = 1.0,
    };
    k8s_backoff_init(&b, &p);
    for (int i = 0; i < 50; i++) {
        cr_assert_leq(k8s_backoff_next(&b), 1000);
    }
}

Test(k8s_units, backoff_defaults_are_client_gos)
{
    struct k8s_backoff b;

    k8s_backoff_init(&b, NULL);
    cr_assert_eq(b.params.initial_ms, 800);
    cr_assert_eq(b.params.max_ms, 30000);
    cr_assert(b.params.factor == 2.0);
    cr_assert(b.params.jitter == 1.0);
    long long d = k8s_backoff_next(&b);
    cr_assert(d >= 800 && d < 1600, "delay %lld", d);
}

Test(k8s_units, resource_paths)
{
    struct {
        const struct k8s_resource *resource;
        const char *ns, *name, *sub, *expected;
    } cases[] = {
        { &k8s_resource_pods, NULL, NULL, NULL, "/api/v1/pods" },
        { &k8s_resource_pods, "x", NULL, NULL,
          "/api/v1/namespaces/x/pods" },
        { &k8s_resource_pods, "x", "a", "status",
          "/api/v1/namespaces/x/pods/a/status" },
        { &k8s_resource_namespaces, NULL, "kube-system", NULL,
          "/api/v1/namespaces/kube-system" },
        { &k8s_resource_networkpolicies, NULL, NULL, NULL,
          "/apis/networking.k8s.io/v1/networkpolicies" },
        { &k8s_resource_networkpolicies, "y", "p", NULL,
          "/apis/networking.k8s.io/v1/namespaces/y/networkpolicies/p" },
        /* A namespace given for a cluster-scoped resource is ignored. */
        { &k8s_resource_nodes, "x", "node-1", "status",
          "/api/v1/nodes/node-1/status" },
        { &k8s_resource_tokenreviews, NULL, NULL, NULL,
          "/apis/authentication.k8s.io/v1/tokenreviews" },
        { &k8s_resource_subjectaccessreviews, NULL, NULL, NULL,
          "/apis/authorization.k8s.io/v1/subjectaccessreviews" },
        { &k8s_resource_events, "x", NULL, NULL,
          "/api/v1/namespaces/x/events" },
        /* Names are escaped. */
        { &k8s_resource_pods, "a b", "c/d", NULL,
          "/api/v1/namespaces/a%20b/pods/c%2Fd" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *path = k8s_resource_path(cases[i].resource, cases[i].ns,
                                       cases[i].name, cases[i].sub);
        cr_assert_str_eq(path, cases[i].expected);
        free(path);
    }
}

Test(k8s_units, query_append_escapes_values)
{
    char *url = xstrdup("/api/v1/pods");

    k8s_query_append(&url, "labelSelector", "app in (a,b),tier!=db");
    k8s_query_append(&url, "fieldSelector", "spec.nodeName=node-1");
    k8s_query_append(&url, "continue", NULL);
    k8s_query_append(&url, "limit", "500");
    cr_assert_str_eq(url, "/api/v1/pods?labelSelector=app%20in%20%28a%2Cb"
                     "%29%2Ctier%21%3Ddb&fieldSelector=spec.nodeName%3D"
                     "node-1&limit=500");
    free(url);
}

Test(k8s_units, object_metadata_and_keys)
{
    json_t *pod = json_pack("{s:{s:s,s:s,s:s}}", "metadata", "name", "a",
                            "namespace", "x", "resourceVersion", "12");
    json_t *node = json_pack("{s:{s:s}}", "metadata", "name", "node-1");
    json_t *nameless = json_pack("{s:{}}", "metadata");

    cr_assert_str_eq(k8s_object_name(pod), "a");
    cr_assert_str_eq(k8s_object_namespace(pod), "x");
    cr_assert_str_eq(k8s_object_resource_version(pod), "12");
    char *key = k8s_object_key(pod);
    cr_assert_str_eq(key, "x/a");
    free(key);
    key = k8s_object_key(node);
    cr_assert_str_eq(key, "node-1");
    free(key);
    cr_assert_null(k8s_object_key(nameless));
    cr_assert_null(k8s_object_namespace(node));
    cr_assert_null(k8s_object_name(NULL));

    json_decref(pod);
    json_decref(node);
    json_decref(nameless);
}

Test(k8s_units, status_messages)
{
    json_t *status = json_pack("{s:s,s:s,s:i}", "reason", "Expired",
                               "message", "too old", "code", 410);
    char *msg = k8s_status_message(410, status);
    cr_assert_str_eq(msg, "HTTP 410 (Expired): too old");
    free(msg);
    msg = k8s_status_message(502, NULL);
    cr_assert_str_eq(msg, "HTTP 502");
    free(msg);
    json_decref(status);
}
