/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's configuration: the table of every key the agent accepts
 * (Antrea's kube-proxy era keys plus pluginDir, ipam and modules) and the
 * checks that involve several keys but no module.  The table-driven decoder
 * is config-schema.c; which modules the keys select is module-set.c's.
 */

#include <config.h>
#include "agent-config.h"

#include <stdlib.h>
#include <string.h>

#include "config-schema.h"
#include "diag.h"
#include "util.h"
#include "yaml-tree.h"

#ifndef ANTREA_PLUGIN_DIR
#error "ANTREA_PLUGIN_DIR must be defined on the compiler's command line"
#endif

#define AGENT_KEY(MEMBER) .offset = offsetof(struct agent_config, MEMBER)
#define AGENT_NODE(MEMBER) \
    .has_node = true, .node_offset = offsetof(struct agent_config, MEMBER)

/* The keys of one entry of 'modules'. */
#define MODULE_KEY(MEMBER) .offset = offsetof(struct module_config, MEMBER)
static const struct config_key module_keys[] = {
    { .name = "name", .type = CONFIG_MODULE_NAME, .required = true,
      MODULE_KEY(name),
      .doc = "The module to load: the file NAME.so in the plugin search "
      "path." },
    { .name = "file", .type = CONFIG_STRING, .nonempty = true,
      MODULE_KEY(file),
      .doc = "Load the module from this path instead of searching for it." },
    { .name = "config", .type = CONFIG_NODE, MODULE_KEY(config),
      .doc = "The module's own configuration, handed to it unchecked; its "
      "keys are documented with the module." },
};
static const struct config_schema module_schema = {
    .keys = module_keys,
    .n_keys = ARRAY_SIZE(module_keys),
    .size = sizeof(struct module_config),
    .has_node = true,
    .node_offset = offsetof(struct module_config, node),
};

/* The agent's feature gates, with Antrea's defaults of the kube-proxy era
 * (v0.5 to v0.8), when every gate was off unless enabled. */
static const struct feature_gate_spec agent_gates[] = {
    { "AntreaProxy", false, "Antrea's own Service proxy in OVS." },
    { "Traceflow", false, "Tracing a packet through the OVS pipeline." },
    { "AntreaPolicy", false, "Antrea-native policies (tiers, cluster "
      "policies)." },
    { "FlowExporter", false, "Exporting connection records over IPFIX." },
    { "NetworkPolicyStats", false, "Per-policy traffic statistics." },
    { "NodePortLocal", false, "Publishing Pod ports on the Node's ports." },
    { "Egress", false, "Egress IPs for selected Pods." },
    { "AntreaIPAM", false, "Antrea's own Pod IP address management." },
    { "Multicast", false, "Multicast traffic between Pods." },
    { NULL, false, NULL },
};

static const char *const encap_modes[] = {
    "encap", "noEncap", "hybrid", "networkPolicyOnly", NULL,
};
static const char *const datapath_types[] = { "system", "netdev", NULL };
static const char *const encryption_modes[] = {
    "none", "ipsec", "wireGuard", NULL,
};

/* Every top-level key of the agent's YAML, in documentation order. */
static const struct config_key agent_keys[] = {
    { .name = "cniSocket", .type = CONFIG_STRING, .nonempty = true,
      .dflt = "/var/run/antrea/cni.sock", AGENT_KEY(cni_socket),
      .doc = "The Unix socket on which the agent serves antrea-cni." },
    { .name = "clientConnection", .type = CONFIG_MAPPING,
      .schema = &client_connection_schema,
      AGENT_KEY(client_connection),
      .doc = "How the agent reaches the Kubernetes API." },
    { .name = "antreaClientConnection", .type = CONFIG_MAPPING,
      .schema = &client_connection_schema,
      AGENT_KEY(antrea_client_connection),
      .doc = "How the agent reaches the Antrea controller's API." },
    { .name = "ovsBridge", .type = CONFIG_STRING, .nonempty = true,
      .dflt = "br-int", AGENT_KEY(ovs_bridge),
      .doc = "The OVS bridge the agent creates and owns." },
    { .name = "ovsDatapathType", .type = CONFIG_ENUM,
      .values = datapath_types, .dflt = "system",
      AGENT_KEY(ovs_datapath_type),
      .doc = "The bridge's datapath: the kernel's (`system`) or OVS "
      "userspace (`netdev`)." },
    { .name = "ovsRunDir", .type = CONFIG_STRING, .nonempty = true,
      .dflt = "/var/run/openvswitch", AGENT_KEY(ovs_run_dir),
      .doc = "Where the OVS daemons' sockets are." },
    { .name = "hostGateway", .type = CONFIG_STRING, .nonempty = true,
      .dflt = "antrea-gw0", AGENT_KEY(host_gateway),
      .doc = "The name of the gateway port between the Pods and the "
      "host." },
    { .name = "trafficEncapMode", .type = CONFIG_ENUM, .values = encap_modes,
      .dflt = "encap", AGENT_KEY(traffic_encap_mode),
      AGENT_NODE(traffic_encap_mode_node),
      .doc = "How Pod traffic crosses Nodes; selects the mode module (any "
      "case is accepted)." },
    { .name = "tunnelType", .type = CONFIG_MODULE_NAME, .dflt = "geneve",
      AGENT_KEY(tunnel_type), AGENT_NODE(tunnel_type_node),
      .doc = "The tunnel module: `geneve`, `vxlan`, `gre`, `stt` or a "
      "third-party one; used when the mode tunnels." },
    { .name = "tunnelPort", .type = CONFIG_UINT16, .min = 0, .max = 65535,
      .dflt = "0", AGENT_KEY(tunnel_port),
      .doc = "The tunnel's UDP port; 0 means the tunnel type's standard "
      "port." },
    { .name = "tunnelCsum", .type = CONFIG_BOOL, .dflt = "false",
      AGENT_KEY(tunnel_csum),
      .doc = "Compute the outer UDP checksum of Geneve and VXLAN "
      "packets." },
    { .name = "defaultMTU", .type = CONFIG_INT, .zero_ok = true, .min = 68,
      .max = 65535, .dflt = "0", AGENT_KEY(default_mtu),
      .doc = "The MTU of Pod and gateway interfaces; 0 means computed from "
      "the mode, tunnel and encryption." },
    { .name = "hostProcPathPrefix", .type = CONFIG_STRING, .dflt = "/host",
      AGENT_KEY(host_proc_path_prefix),
      .doc = "Where the host's /proc is mounted in the agent's container "
      "(network namespace paths are prefixed with it)." },
    { .name = "serviceCIDR", .type = CONFIG_CIDR4, .dflt = "10.96.0.0/12",
      AGENT_KEY(service_cidr),
      .doc = "The cluster's IPv4 Service ClusterIP range." },
    { .name = "serviceCIDRv6", .type = CONFIG_CIDR6, .dflt = "",
      AGENT_KEY(service_cidr_v6),
      .doc = "The cluster's IPv6 Service ClusterIP range; empty means "
      "none." },
    { .name = "enableIPSecTunnel", .type = CONFIG_BOOL, .dflt = "false",
      AGENT_KEY(enable_ipsec_tunnel),
      .doc = "Deprecated: `true` means `trafficEncryptionMode: ipsec`." },
    { .name = "trafficEncryptionMode", .type = CONFIG_ENUM,
      .values = encryption_modes, .dflt = "none",
      AGENT_KEY(traffic_encryption_mode), AGENT_NODE(encryption_node),
      .doc = "Encryption of Pod traffic between Nodes; `ipsec` selects the "
      "ipsec module (any case is accepted)." },
    { .name = "noSNAT", .type = CONFIG_BOOL, .dflt = "false",
      AGENT_KEY(no_snat), AGENT_NODE(no_snat_node),
      .doc = "Do not masquerade Pod traffic leaving the cluster (for "
      "noEncap, when the network routes Pod addresses)." },
    { .name = "snatFullyRandomPorts", .type = CONFIG_BOOL, .dflt = "false",
      AGENT_KEY(snat_fully_random_ports),
      .doc = "Fully randomise source ports when masquerading." },
    { .name = "transportInterface", .type = CONFIG_STRING, .dflt = "",
      AGENT_KEY(transport_interface),
      .doc = "The interface whose address carries tunnels and routes; "
      "empty means the one with the Node's IP." },
    { .name = "disableTXChecksumOffload", .type = CONFIG_BOOL,
      .dflt = "false", AGENT_KEY(disable_tx_checksum_offload),
      .doc = "Disable TX checksum offload on Pod interfaces." },
    { .name = "apiPort", .type = CONFIG_INT, .min = 1, .max = 65535,
      .dflt = "10350", AGENT_KEY(api_port),
      .doc = "The agent's HTTPS port (Prometheus metrics, /healthz)." },
    { .name = "enablePrometheusMetrics", .type = CONFIG_BOOL,
      .dflt = "true", AGENT_KEY(enable_prometheus_metrics),
      .doc = "Serve Prometheus metrics on the API port." },
    { .name = "featureGates", .type = CONFIG_FEATURE_GATES,
      .gates = agent_gates, AGENT_KEY(feature_gates),
      .count_offset = offsetof(struct agent_config, n_feature_gates),
      .doc = "Features to enable or disable; an unknown gate is an "
      "error." },
    { .name = "pluginDir", .type = CONFIG_STRING, .nonempty = true,
      .dflt = ANTREA_PLUGIN_DIR, .dflt_doc = "$(libdir)/antrea/plugins",
      AGENT_KEY(plugin_dir),
      .doc = "Where modules are found (then in ANTREA_PLUGIN_PATH)." },
    { .name = "ipam", .type = CONFIG_MODULE_NAME, .dflt = "host-local",
      AGENT_KEY(ipam), AGENT_NODE(ipam_node),
      .doc = "The IPAM module: `host-local`, `native` or a third-party one; "
      "used when the mode allocates Pod addresses." },
    { .name = "modules", .type = CONFIG_LIST, .schema = &module_schema,
      AGENT_KEY(modules),
      .count_offset = offsetof(struct agent_config, n_modules),
      .doc = "Modules to load besides those the keys above select, and "
      "config blocks for modules." },
};
static const struct config_schema agent_schema = {
    .keys = agent_keys,
    .n_keys = ARRAY_SIZE(agent_keys),
    .size = sizeof(struct agent_config),
};

/* Adds an error to 'diag' for every module listed twice in 'config'. */
static void
check_duplicate_modules(const struct agent_config *config, struct diag *diag)
{
    for (size_t i = 0; i < config->n_modules; i++) {
        const struct module_config *module = &config->modules[i];
        if (!module->name) {
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            const struct module_config *first = &config->modules[j];
            if (first->name && !strcmp(first->name, module->name)) {
                diag_add_at(diag, yaml_node_get(module->node, "name"),
                            "module '%s' is listed twice (first at line %d)",
                            module->name, first->node->line);
                break;
            }
        }
    }
}

/* Maps the deprecated enableIPSecTunnel onto trafficEncryptionMode in
 * 'config', as Antrea does, and reports a contradiction between the two. */
static void
resolve_encryption(struct agent_config *config, struct diag *diag)
{
    const struct yaml_node *root = yaml_tree_root(config->tree);
    const struct yaml_node *ipsec_node = yaml_node_get(root,
                                                       "enableIPSecTunnel");

    if (!config->enable_ipsec_tunnel) {
        return;
    }
    if (!config->encryption_node) {
        free(config->traffic_encryption_mode);
        config->traffic_encryption_mode = xstrdup("ipsec");
        config->encryption_node = ipsec_node;
    } else if (strcmp(config->traffic_encryption_mode, "ipsec")) {
        diag_add_at(diag, config->encryption_node,
                    "'%s' contradicts enableIPSecTunnel: true (line %d); "
                    "remove the deprecated enableIPSecTunnel",
                    config->traffic_encryption_mode, ipsec_node->line);
    }
}

/* Builds a new config from 'tree' (taking ownership of it), read from
 * 'file'.  Returns NULL if 'diag' got any error. */
static struct agent_config *
agent_config_from_tree(const char *file, struct yaml_tree *tree,
                       struct diag *diag)
{
    struct agent_config *config = xcalloc(1, sizeof *config);
    config->file = xstrdup(file);
    config->tree = tree;

    size_t n_errors = diag->n;
    config_schema_parse_document(&agent_schema, tree, config, diag);
    check_duplicate_modules(config, diag);
    resolve_encryption(config, diag);

    if (diag->n > n_errors) {
        agent_config_destroy(config);
        return NULL;
    }
    return config;
}

/* Parses the YAML text 'data' named 'file' into a new config. */
struct agent_config *
agent_config_parse(const char *file, const char *data, size_t size,
                   struct diag *diag)
{
    struct yaml_tree *tree = config_schema_read(file, data, size, diag);
    return tree ? agent_config_from_tree(file, tree, diag) : NULL;
}

/* Reads 'file' into a new config. */
struct agent_config *
agent_config_load(const char *file, struct diag *diag)
{
    struct yaml_tree *tree = config_schema_read(file, NULL, 0, diag);
    return tree ? agent_config_from_tree(file, tree, diag) : NULL;
}

/* Frees 'config'.  Accepts NULL. */
void
agent_config_destroy(struct agent_config *config)
{
    if (config) {
        config_schema_free(&agent_schema, config);
        yaml_tree_destroy(config->tree);
        free(config->file);
        free(config);
    }
}

/* Returns whether feature gate 'name' is enabled. */
bool
agent_config_feature_enabled(const struct agent_config *config,
                             const char *name)
{
    return config_feature_enabled(agent_gates, config->feature_gates,
                                  config->n_feature_gates, name);
}

/* Writes the Markdown reference of every agent key to 'stream'. */
void
agent_config_print_reference(FILE *stream)
{
    config_schema_print_reference(&agent_schema, stream);
}
