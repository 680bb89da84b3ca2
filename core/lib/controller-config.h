/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's typed configuration, read from its YAML file: Antrea's
 * controller keys of the kube-proxy era (an Antrea controller config of
 * that era works unchanged) plus tlsCipherSuites and tlsMinVersion.  One
 * table in controller-config.c lists every key; parsing, defaults,
 * unknown-key detection and docs/configuration.md follow it, through the
 * decoder shared with the agent (config-schema.h).
 *
 * The config owns its strings and the YAML tree; both live until
 * controller_config_destroy.
 */

#ifndef CONTROLLER_CONFIG_H
#define CONTROLLER_CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config-schema.h"   /* client_connection_config, feature_gate */

struct diag;
struct yaml_tree;

/* The controller's configuration.  Strings are never NULL once parsed. */
struct controller_config {
    char *file;                     /* the file it was read from */
    struct yaml_tree *tree;         /* the parsed YAML */

    struct client_connection_config client_connection; /* to Kubernetes */
    struct feature_gate *feature_gates; /* featureGates, as written */
    size_t n_feature_gates;         /* number of 'feature_gates' */
    int api_port;                   /* apiPort */
    bool enable_prometheus_metrics; /* enablePrometheusMetrics */
    bool self_signed_cert;          /* selfSignedCert */
    char *tls_cipher_suites;        /* tlsCipherSuites, "" = Go's default */
    char *tls_min_version;          /* tlsMinVersion: "" or VersionTLS1x,
                                       normalised */
    /* The status web page (core/controller/status-page.h). */
    int status_page_port;           /* statusPagePort, 0: no page */
    char *status_page_bind_address; /* statusPageBindAddress: an IPv4 or
                                       IPv6 address */
};

/* Reads 'file' into a new config.  Every problem (YAML syntax, unknown key,
 * wrong type, bad value) is added to 'diag' as "FILE:LINE:COLUMN: key:
 * what is wrong"; returns NULL if there was any. */
struct controller_config *controller_config_load(const char *file,
                                                 struct diag *diag);

/* The same from YAML text in memory; 'file' names it in errors. */
struct controller_config *controller_config_parse(const char *file,
                                                  const char *data,
                                                  size_t size,
                                                  struct diag *diag);

/* Frees a config.  Accepts NULL. */
void controller_config_destroy(struct controller_config *);

/* Returns whether feature gate 'name' is enabled: as set in the YAML, else
 * its default.  Unknown names are disabled. */
bool controller_config_feature_enabled(const struct controller_config *,
                                       const char *name);

/* Writes the reference of every key (name, type, default, meaning) as
 * Markdown to 'stream'; docs/configuration.md embeds it and a test keeps
 * the two equal. */
void controller_config_print_reference(FILE *stream);

#endif /* controller-config.h */
