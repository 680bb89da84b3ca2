/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's typed configuration, read from its YAML file.  It accepts
 * Antrea's agent keys (an Antrea agent config of the kube-proxy era works
 * unchanged) plus this project's keys: pluginDir, ipam and modules.  One
 * table in agent-config.c lists every key with its type, default and
 * documentation; parsing, defaults, unknown-key detection and
 * docs/configuration.md all follow it.
 *
 * The config owns its strings and the YAML tree its nodes point into; both
 * live until agent_config_destroy.  Which modules the keys select is decided
 * elsewhere (module-set.h).
 */

#ifndef AGENT_CONFIG_H
#define AGENT_CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "antrea/net-types.h"
#include "config-schema.h"   /* client_connection_config, feature_gate */

struct diag;
struct yaml_node;
struct yaml_tree;

/* One entry of the modules section. */
struct module_config {
    char *name;                     /* module name (file NAME.so) */
    char *file;                     /* explicit path, or NULL: search */
    const struct yaml_node *config; /* its config block, or NULL */
    const struct yaml_node *node;   /* the entry itself, for errors */
};

/* The agent's configuration.  Strings are never NULL once parsed. */
struct agent_config {
    char *file;                     /* the file it was read from */
    struct yaml_tree *tree;         /* the parsed YAML, owns the nodes */

    /* Antrea keys. */
    char *cni_socket;               /* cniSocket */
    struct client_connection_config client_connection; /* to Kubernetes */
    struct client_connection_config antrea_client_connection; /* to the
                                                    Antrea controller */
    char *ovs_bridge;               /* ovsBridge */
    char *ovs_datapath_type;        /* ovsDatapathType: system | netdev */
    char *ovs_run_dir;              /* ovsRunDir */
    char *host_gateway;             /* hostGateway */
    char *traffic_encap_mode;       /* trafficEncapMode, normalised to
                                       encap | noEncap | hybrid |
                                       networkPolicyOnly */
    char *tunnel_type;              /* tunnelType */
    uint16_t tunnel_port;           /* tunnelPort, 0 = the type's default */
    bool tunnel_csum;               /* tunnelCsum */
    int default_mtu;                /* defaultMTU, 0 = computed */
    char *host_proc_path_prefix;    /* hostProcPathPrefix */
    struct antrea_prefix service_cidr; /* serviceCIDR */
    struct antrea_prefix service_cidr_v6; /* serviceCIDRv6, family 0 if
                                             unset */
    bool enable_ipsec_tunnel;       /* enableIPSecTunnel (deprecated) */
    char *traffic_encryption_mode;  /* trafficEncryptionMode: none | ipsec |
                                       wireGuard (normalised) */
    bool no_snat;                   /* noSNAT */
    bool snat_fully_random_ports;   /* snatFullyRandomPorts */
    char *transport_interface;      /* transportInterface, "" = none */
    bool disable_tx_checksum_offload; /* disableTXChecksumOffload */
    int api_port;                   /* apiPort */
    bool enable_prometheus_metrics; /* enablePrometheusMetrics */
    struct feature_gate *feature_gates; /* featureGates, as written */
    size_t n_feature_gates;         /* number of 'feature_gates' */

    /* This project's keys. */
    char *plugin_dir;               /* pluginDir */
    char *ipam;                     /* ipam: IPAM module name */
    struct module_config *modules;  /* modules */
    size_t n_modules;               /* number of 'modules' */

    /* Where each key was set, for errors that involve several keys (NULL
     * when the key was left to its default). */
    const struct yaml_node *traffic_encap_mode_node;
    const struct yaml_node *tunnel_type_node;
    const struct yaml_node *ipam_node;
    const struct yaml_node *encryption_node; /* trafficEncryptionMode or
                                                enableIPSecTunnel */
    const struct yaml_node *no_snat_node;
};

/* Reads 'file' into a new config.  Every problem (YAML syntax, unknown key,
 * wrong type, bad value) is added to 'diag' as "FILE:LINE:COLUMN: key:
 * what is wrong"; returns NULL if there was any. */
struct agent_config *agent_config_load(const char *file, struct diag *diag);

/* The same from YAML text in memory; 'file' names it in errors. */
struct agent_config *agent_config_parse(const char *file, const char *data,
                                        size_t size, struct diag *diag);

void agent_config_destroy(struct agent_config *);

/* Returns whether feature gate 'name' is enabled: as set in the YAML, else
 * its default. */
bool agent_config_feature_enabled(const struct agent_config *,
                                  const char *name);

/* Writes the reference of every key (name, type, default, meaning) as
 * Markdown to 'stream'; docs/configuration.md embeds it and a test keeps
 * the two equal. */
void agent_config_print_reference(FILE *stream);

#endif /* agent-config.h */
