/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's configuration: the table of every key the controller
 * accepts.  The table-driven decoder is config-schema.c.
 */

#include <config.h>
#include "controller-config.h"

#include <stdlib.h>

#include "config-schema.h"
#include "diag.h"
#include "util.h"
#include "yaml-tree.h"

/* The controller's feature gates, with Antrea's defaults of the kube-proxy
 * era. */
static const struct feature_gate_spec controller_gates[] = {
    { "Traceflow", false, "Tracing a packet through the OVS pipeline." },
    { "AntreaPolicy", false, "Antrea-native policies (tiers, cluster "
      "policies)." },
    { "NetworkPolicyStats", false, "Per-policy traffic statistics." },
    { "Egress", false, "Egress IPs for selected Pods." },
    { NULL, false, NULL },
};

/* Go's crypto/tls version names, as Antrea accepts them. */
static const char *const tls_versions[] = {
    "", "VersionTLS10", "VersionTLS11", "VersionTLS12", "VersionTLS13", NULL,
};

#define CONTROLLER_KEY(MEMBER) \
    .offset = offsetof(struct controller_config, MEMBER)

/* Every top-level key of the controller's YAML, in documentation order. */
static const struct config_key controller_keys[] = {
    { .name = "clientConnection", .type = CONFIG_MAPPING,
      .schema = &client_connection_schema,
      CONTROLLER_KEY(client_connection),
      .doc = "How the controller reaches the Kubernetes API." },
    { .name = "featureGates", .type = CONFIG_FEATURE_GATES,
      .gates = controller_gates, CONTROLLER_KEY(feature_gates),
      .count_offset = offsetof(struct controller_config, n_feature_gates),
      .doc = "Features to enable or disable; an unknown gate is an "
      "error." },
    { .name = "apiPort", .type = CONFIG_INT, .min = 1, .max = 65535,
      .dflt = "10349", CONTROLLER_KEY(api_port),
      .doc = "The port of the controller's API (agents and antctl)." },
    { .name = "enablePrometheusMetrics", .type = CONFIG_BOOL,
      .dflt = "true", CONTROLLER_KEY(enable_prometheus_metrics),
      .doc = "Serve Prometheus metrics on the API port." },
    { .name = "selfSignedCert", .type = CONFIG_BOOL, .dflt = "true",
      CONTROLLER_KEY(self_signed_cert),
      .doc = "Generate the API's certificate; `false` reads it from "
      "/var/run/antrea/antrea-controller-tls." },
    { .name = "tlsCipherSuites", .type = CONFIG_STRING, .dflt = "",
      CONTROLLER_KEY(tls_cipher_suites),
      .doc = "Comma-separated TLS cipher suites of the API; empty means "
      "the library's default." },
    { .name = "tlsMinVersion", .type = CONFIG_ENUM, .values = tls_versions,
      .dflt = "", CONTROLLER_KEY(tls_min_version),
      .doc = "The oldest TLS version the API accepts; empty means the "
      "library's default." },
    /* The status web page (core/controller/status-page.h). */
    { .name = "statusPagePort", .type = CONFIG_INT, .zero_ok = true,
      .min = 1, .max = 65535, .dflt = "10348",
      CONTROLLER_KEY(status_page_port),
      .doc = "The port of the read-only status web page (plain HTTP; "
      "docs/status-page.md); 0 disables it." },
    { .name = "statusPageBindAddress", .type = CONFIG_STRING,
      .nonempty = true, .dflt = "127.0.0.1",
      CONTROLLER_KEY(status_page_bind_address),
      .doc = "The IPv4 or IPv6 address the status page listens on; reach "
      "the default with `kubectl port-forward`." },
};
static const struct config_schema controller_schema = {
    .keys = controller_keys,
    .n_keys = ARRAY_SIZE(controller_keys),
    .size = sizeof(struct controller_config),
};

/* Builds a new config from 'tree' (taking ownership of it), read from
 * 'file'.  Returns NULL if 'diag' got any error. */
static struct controller_config *
controller_config_from_tree(const char *file, struct yaml_tree *tree,
                            struct diag *diag)
{
    struct controller_config *config = xcalloc(1, sizeof *config);
    config->file = xstrdup(file);
    config->tree = tree;

    size_t n_errors = diag->n;
    config_schema_parse_document(&controller_schema, tree, config, diag);

    if (diag->n > n_errors) {
        controller_config_destroy(config);
        return NULL;
    }
    return config;
}

/* Parses the YAML text 'data' named 'file' into a new config. */
struct controller_config *
controller_config_parse(const char *file, const char *data, size_t size,
                        struct diag *diag)
{
    struct yaml_tree *tree = config_schema_read(file, data, size, diag);
    return tree ? controller_config_from_tree(file, tree, diag) : NULL;
}

/* Reads 'file' into a new config. */
struct controller_config *
controller_config_load(const char *file, struct diag *diag)
{
    struct yaml_tree *tree = config_schema_read(file, NULL, 0, diag);
    return tree ? controller_config_from_tree(file, tree, diag) : NULL;
}

/* Frees 'config'.  Accepts NULL. */
void
controller_config_destroy(struct controller_config *config)
{
    if (config) {
        config_schema_free(&controller_schema, config);
        yaml_tree_destroy(config->tree);
        free(config->file);
        free(config);
    }
}

/* Returns whether feature gate 'name' is enabled. */
bool
controller_config_feature_enabled(const struct controller_config *config,
                                  const char *name)
{
    return config_feature_enabled(controller_gates, config->feature_gates,
                                  config->n_feature_gates, name);
}

/* Writes the Markdown reference of every controller key to 'stream'. */
void
controller_config_print_reference(FILE *stream)
{
    config_schema_print_reference(&controller_schema, stream);
}
