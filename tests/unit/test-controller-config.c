/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the controller's typed configuration
 * (core/lib/controller-config.c, through the decoder shared with the
 * agent): defaults, every key, errors with their positions, and that
 * docs/configuration.md holds the generated reference.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller-config.h"
#include "diag.h"

/* The name the in-memory tests give their YAML. */
#define FILE_NAME "antrea-controller.conf"

/* Parses 'yaml'; fails the test (showing the errors) unless it is valid. */
static struct controller_config *
parse_ok(const char *yaml)
{
    struct diag diag = DIAG_INITIALIZER;
    struct controller_config *config = controller_config_parse(
        FILE_NAME, yaml, strlen(yaml), &diag);
    char *errors = diag_join(&diag);
    cr_assert_not_null(config, "unexpected errors:\n%s", errors);
    cr_assert(diag_is_empty(&diag));
    free(errors);
    diag_destroy(&diag);
    return config;
}

/* Asserts that 'diag' holds exactly the NULL-terminated 'expected'. */
static void
assert_diag(const struct diag *diag, const char *const expected[])
{
    char *errors = diag_join(diag);
    size_t n = 0;
    while (expected[n]) {
        n++;
    }
    cr_assert_eq(diag->n, n, "expected %zu errors, got:\n%s", n, errors);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(diag->msgs[i], expected[i], "error %zu of:\n%s",
                         i, errors);
    }
    free(errors);
}

/* Asserts that 'yaml' is refused with exactly the errors 'expected'. */
static void
assert_errors(const char *yaml, const char *const expected[])
{
    struct diag diag = DIAG_INITIALIZER;
    struct controller_config *config = controller_config_parse(
        FILE_NAME, yaml, strlen(yaml), &diag);
    cr_assert_null(config, "'%s' was accepted", yaml);
    assert_diag(&diag, expected);
    diag_destroy(&diag);
}

/* Asserts that 'yaml' is refused with the one error 'expected'. */
static void
assert_error(const char *yaml, const char *expected)
{
    const char *const list[] = { expected, NULL };
    assert_errors(yaml, list);
}

/* Returns the malloc'd "DIR/NAME" for the directory in environment
 * variable 'var'. */
static char *
env_file(const char *var, const char *name)
{
    const char *dir = getenv(var);
    cr_assert_not_null(dir, "set %s (\"make check\" does)", var);
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

/* Loads 'path'; fails the test unless it is valid. */
static struct controller_config *
load_ok(const char *path)
{
    struct diag diag = DIAG_INITIALIZER;
    struct controller_config *config = controller_config_load(path, &diag);
    char *errors = diag_join(&diag);
    cr_assert_not_null(config, "%s: unexpected errors:\n%s", path, errors);
    cr_assert_str_eq(config->file, path);
    free(errors);
    diag_destroy(&diag);
    return config;
}

Test(controller_config, defaults_when_empty)
{
    struct controller_config *config = parse_ok("# nothing set\n");

    cr_assert_str_eq(config->client_connection.kubeconfig, "");
    cr_assert_str_eq(config->client_connection.accept_content_types, "");
    cr_assert_str_eq(config->client_connection.content_type, "");
    cr_assert_float_eq(config->client_connection.qps, 5.0, 1e-9);
    cr_assert_eq(config->client_connection.burst, 10);
    cr_assert_eq(config->n_feature_gates, 0);
    cr_assert_eq(config->api_port, 10349);
    cr_assert(config->enable_prometheus_metrics);
    cr_assert(config->self_signed_cert);
    cr_assert_str_eq(config->tls_cipher_suites, "");
    cr_assert_str_eq(config->tls_min_version, "");
    cr_assert_eq(config->status_page_port, 10348);
    cr_assert_str_eq(config->status_page_bind_address, "127.0.0.1");

    static const char *const gates[] = {
        "Traceflow", "AntreaPolicy", "NetworkPolicyStats", "Egress",
    };
    for (size_t i = 0; i < sizeof gates / sizeof *gates; i++) {
        cr_assert_not(controller_config_feature_enabled(config, gates[i]),
                      "%s", gates[i]);
    }
    controller_config_destroy(config);
}

Test(controller_config, status_page_keys)
{
    struct controller_config *config = parse_ok(
        "statusPagePort: 0\nstatusPageBindAddress: \"::1\"\n");
    cr_assert_eq(config->status_page_port, 0);
    cr_assert_str_eq(config->status_page_bind_address, "::1");
    controller_config_destroy(config);
    assert_error("statusPagePort: 70000\n",
                 FILE_NAME ":1:17: statusPagePort: expected 0 or an integer "
                 "from 1 to 65535, got '70000'");
    assert_error("statusPageBindAddress: \"\"\n",
                 FILE_NAME ":1:24: statusPageBindAddress: expected a "
                 "non-empty string, got ''");
}

Test(controller_config, every_key_is_parsed)
{
    char *path = env_file("ANTREA_TEST_DATA_DIR", "controller-full.conf");
    struct controller_config *config = load_ok(path);

    cr_assert_str_eq(config->client_connection.kubeconfig,
                     "/etc/antrea/controller-kubeconfig");
    cr_assert_float_eq(config->client_connection.qps, 50.0, 1e-9);
    cr_assert_eq(config->client_connection.burst, 100);
    cr_assert_eq(config->n_feature_gates, 2);
    cr_assert(controller_config_feature_enabled(config, "Traceflow"));
    cr_assert(controller_config_feature_enabled(config, "AntreaPolicy"));
    cr_assert_not(controller_config_feature_enabled(config, "Egress"));
    cr_assert_not(controller_config_feature_enabled(config, "AntreaProxy"));
    cr_assert_eq(config->api_port, 10449);
    cr_assert_not(config->enable_prometheus_metrics);
    cr_assert_not(config->self_signed_cert);
    cr_assert_str_eq(config->tls_cipher_suites,
                     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
                     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    /* Normalised to Go's spelling. */
    cr_assert_str_eq(config->tls_min_version, "VersionTLS12");
    controller_config_destroy(config);
    free(path);
}

Test(controller_config, shipped_config_is_valid)
{
    char *path = env_file("abs_top_srcdir", "etc/antrea-controller.conf");
    controller_config_destroy(load_ok(path));
    free(path);
}

Test(controller_config, unknown_keys_and_agent_keys)
{
    assert_error("apiPort: 10349\nselfSignedCerts: true\n",
                 FILE_NAME ":2:1: selfSignedCerts: unknown key");
    /* The agent's keys are not the controller's. */
    assert_error("ovsBridge: br-int\n",
                 FILE_NAME ":1:1: ovsBridge: unknown key");
    assert_error("antreaClientConnection: {}\n",
                 FILE_NAME ":1:1: antreaClientConnection: unknown key");
    assert_error("clientConnection:\n  QPS: 5\n",
                 FILE_NAME ":2:3: clientConnection.QPS: unknown key");
}

Test(controller_config, feature_gates)
{
    assert_error("featureGates:\n  AntreaProxy: true\n",
                 FILE_NAME ":2:3: featureGates.AntreaProxy: unknown feature "
                 "gate 'AntreaProxy'");
    assert_error("featureGates:\n  Egress: on\n",
                 FILE_NAME ":2:11: featureGates.Egress: expected true or "
                 "false, got 'on'");

    struct controller_config *config = parse_ok(
        "featureGates:\n  NetworkPolicyStats: true\n  Egress: TRUE\n");
    cr_assert(controller_config_feature_enabled(config,
                                                "NetworkPolicyStats"));
    cr_assert(controller_config_feature_enabled(config, "Egress"));
    cr_assert_not(controller_config_feature_enabled(config, "Traceflow"));
    cr_assert_not(controller_config_feature_enabled(config, "Unknown"));
    controller_config_destroy(config);
}

Test(controller_config, all_errors_at_once)
{
    static const char *const expected[] = {
        FILE_NAME ":2:10: apiPort: expected an integer from 1 to 65535, got "
        "'70000'",
        FILE_NAME ":3:17: selfSignedCert: expected true or false, got the "
        "quoted string 'false' (remove the quotes)",
        FILE_NAME ":4:16: tlsMinVersion: expected one of \"\", "
        "VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13, got "
        "'TLS1.2'",
        FILE_NAME ":6:10: clientConnection.burst: expected an integer from 0 "
        "to 1000000, got '-5'",
        FILE_NAME ":7:1: nodeIPAM: unknown key",
        NULL,
    };
    assert_errors("# bad\n"
                  "apiPort: 70000\n"
                  "selfSignedCert: \"false\"\n"
                  "tlsMinVersion: TLS1.2\n"
                  "clientConnection:\n"
                  "  burst: -5\n"
                  "nodeIPAM:\n"
                  "  enableNodeIPAM: true\n", expected);
}

Test(controller_config, syntax_and_shape_errors)
{
    assert_error("apiPort: 10349\n  selfSignedCert: true\n",
                 FILE_NAME ":2:17: mapping values are not allowed in this "
                 "context");
    assert_error("[apiPort]\n",
                 FILE_NAME ":1:1: the top level must be a mapping of keys");
    assert_error("apiPort: 1\napiPort: 2\n",
                 FILE_NAME ":2:1: duplicate key 'apiPort' (first at line "
                 "1)");

    struct diag diag = DIAG_INITIALIZER;
    cr_assert_null(controller_config_load("/nonexistent/c.conf", &diag));
    const char *const unreadable[] = {
        "/nonexistent/c.conf: cannot read: No such file or directory", NULL,
    };
    assert_diag(&diag, unreadable);
    diag_destroy(&diag);
}

/* Returns what controller_config_print_reference() writes, malloc'd. */
static char *
reference_text(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    cr_assert_not_null(stream);
    controller_config_print_reference(stream);
    fclose(stream);
    return text;
}

Test(controller_config, reference_lists_every_key)
{
    static const char *const keys[] = {
        "clientConnection", "clientConnection.kubeconfig",
        "clientConnection.acceptContentTypes", "clientConnection.contentType",
        "clientConnection.qps", "clientConnection.burst", "featureGates",
        "featureGates.Traceflow", "featureGates.AntreaPolicy",
        "featureGates.NetworkPolicyStats", "featureGates.Egress", "apiPort",
        "enablePrometheusMetrics", "selfSignedCert", "tlsCipherSuites",
        "tlsMinVersion", "statusPagePort", "statusPageBindAddress",
    };
    char *text = reference_text();

    size_t n_rows = 0;
    for (const char *p = strstr(text, "\n| `"); p;
         p = strstr(p + 1, "\n| `")) {
        n_rows++;
    }
    cr_assert_eq(n_rows, sizeof keys / sizeof *keys, "%s", text);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char row[128];
        snprintf(row, sizeof row, "\n| `%s` | ", keys[i]);
        cr_assert(strstr(text, row), "no row for %s in:\n%s", keys[i], text);
    }
    cr_assert(strstr(text, "\n| `apiPort` | integer, 1 to 65535 | `10349` "
                     "|"), "%s", text);
    free(text);
}

/* Returns the malloc'd text of 'file' between the lines "<!-- BEGIN
 * 'what' -->" and "<!-- END 'what' -->". */
static char *
doc_section(const char *file, const char *what)
{
    FILE *stream = fopen(file, "r");
    cr_assert_not_null(stream, "cannot open %s", file);
    char *doc = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&doc, &size);
    int c;
    while ((c = getc(stream)) != EOF) {
        putc(c, out);
    }
    fclose(out);
    fclose(stream);

    char begin[128], end[128];
    snprintf(begin, sizeof begin, "<!-- BEGIN %s -->\n", what);
    snprintf(end, sizeof end, "\n<!-- END %s -->", what);
    char *start = strstr(doc, begin);
    cr_assert_not_null(start, "%s: no line %s", file, begin);
    start += strlen(begin);
    char *stop = strstr(start, end);
    cr_assert_not_null(stop, "%s: no line %s", file, end);

    char *section = strndup(start, stop + 1 - start);
    free(doc);
    return section;
}

Test(controller_config, docs_hold_the_generated_reference)
{
    char *file = env_file("abs_top_srcdir", "docs/configuration.md");
    char *section = doc_section(file, "controller-config reference");
    char *text = reference_text();
    cr_assert_str_eq(section, text,
                     "%s is out of date: put the output of "
                     "controller_config_print_reference() between its "
                     "markers", file);
    free(text);
    free(section);
    free(file);
}
