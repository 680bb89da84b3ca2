/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the agent's typed configuration (core/lib/agent-config.c and
 * the table-driven decoder core/lib/config-schema.c): defaults, every key,
 * normalisation, every kind of error with its exact position, the modules
 * section, the deprecated IPsec key, and that docs/configuration.md holds
 * the generated reference.
 */

#include <config.h>

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent-config.h"
#include "diag.h"
#include "yaml-tree.h"

/* The name the in-memory tests give their YAML. */
#define FILE_NAME "antrea-agent.conf"

/* Parses 'yaml'; fails the test (showing the errors) unless it is valid. */
static struct agent_config *
parse_ok(const char *yaml)
{
    struct diag diag = DIAG_INITIALIZER;
    struct agent_config *config = agent_config_parse(FILE_NAME, yaml,
                                                     strlen(yaml), &diag);
    char *errors = diag_join(&diag);
    cr_assert_not_null(config, "unexpected errors:\n%s", errors);
    cr_assert(diag_is_empty(&diag), "unexpected errors:\n%s", errors);
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
    struct agent_config *config = agent_config_parse(FILE_NAME, yaml,
                                                     strlen(yaml), &diag);
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

/* Returns the malloc'd path of ANTREA_TEST_DATA_DIR's file 'name'. */
static char *
data_file(const char *name)
{
    const char *dir = getenv("ANTREA_TEST_DATA_DIR");
    cr_assert_not_null(dir, "set ANTREA_TEST_DATA_DIR to tests/unit/data");

    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

/* Returns the malloc'd "DATA_DIR/NAME:MSG". */
static char *
data_msg(const char *name, const char *msg)
{
    char *path = data_file(name);
    char *s = malloc(strlen(path) + strlen(msg) + 2);
    sprintf(s, "%s:%s", path, msg);
    free(path);
    return s;
}

/* Loads data file 'name'; fails the test unless it is valid. */
static struct agent_config *
load_ok(const char *name)
{
    char *path = data_file(name);
    struct diag diag = DIAG_INITIALIZER;
    struct agent_config *config = agent_config_load(path, &diag);
    char *errors = diag_join(&diag);
    cr_assert_not_null(config, "%s: unexpected errors:\n%s", name, errors);
    cr_assert_str_eq(config->file, path);
    free(errors);
    free(path);
    diag_destroy(&diag);
    return config;
}

/* Asserts that 'prefix' is 'text' (an IPv4 or IPv6 CIDR). */
static void
assert_prefix(const struct antrea_prefix *prefix, const char *text)
{
    int family = strchr(text, ':') ? AF_INET6 : AF_INET;
    char address[64];
    const char *slash = strchr(text, '/');
    unsigned char bytes[16] = { 0 };

    memcpy(address, text, slash - text);
    address[slash - text] = '\0';
    cr_assert_eq(inet_pton(family, address, bytes), 1);
    cr_assert_eq(prefix->ip.family, family, "%s", text);
    cr_assert_eq(prefix->length, atoi(slash + 1), "%s", text);
    cr_assert_arr_eq(prefix->ip.bytes, bytes, sizeof prefix->ip.bytes,
                     "%s", text);
}

/* Asserts that 'conn' holds the defaults of a client connection. */
static void
assert_default_connection(const struct client_connection_config *conn)
{
    cr_assert_str_eq(conn->kubeconfig, "");
    cr_assert_str_eq(conn->accept_content_types, "");
    cr_assert_str_eq(conn->content_type, "");
    cr_assert_float_eq(conn->qps, 5.0, 1e-9);
    cr_assert_eq(conn->burst, 10);
}

/* Asserts that 'config' holds every default. */
static void
assert_all_defaults(const struct agent_config *config)
{
    cr_assert_str_eq(config->cni_socket, "/var/run/antrea/cni.sock");
    assert_default_connection(&config->client_connection);
    assert_default_connection(&config->antrea_client_connection);
    cr_assert_str_eq(config->ovs_bridge, "br-int");
    cr_assert_str_eq(config->ovs_datapath_type, "system");
    cr_assert_str_eq(config->ovs_run_dir, "/var/run/openvswitch");
    cr_assert_str_eq(config->host_gateway, "antrea-gw0");
    cr_assert_str_eq(config->traffic_encap_mode, "encap");
    cr_assert_str_eq(config->tunnel_type, "geneve");
    cr_assert_eq(config->tunnel_port, 0);
    cr_assert_not(config->tunnel_csum);
    cr_assert_eq(config->default_mtu, 0);
    cr_assert_str_eq(config->host_proc_path_prefix, "/host");
    assert_prefix(&config->service_cidr, "10.96.0.0/12");
    cr_assert_eq(config->service_cidr_v6.ip.family, 0);
    cr_assert_not(config->enable_ipsec_tunnel);
    cr_assert_str_eq(config->traffic_encryption_mode, "none");
    cr_assert_not(config->no_snat);
    cr_assert_not(config->snat_fully_random_ports);
    cr_assert_str_eq(config->transport_interface, "");
    cr_assert_not(config->disable_tx_checksum_offload);
    cr_assert_eq(config->api_port, 10350);
    cr_assert(config->enable_prometheus_metrics);
    cr_assert_eq(config->n_feature_gates, 0);
    cr_assert_null(config->feature_gates);
    cr_assert_str_eq(config->plugin_dir, ANTREA_PLUGIN_DIR);
    cr_assert_str_eq(config->ipam, "host-local");
    cr_assert_eq(config->n_modules, 0);

    cr_assert_null(config->traffic_encap_mode_node);
    cr_assert_null(config->tunnel_type_node);
    cr_assert_null(config->ipam_node);
    cr_assert_null(config->encryption_node);
    cr_assert_null(config->no_snat_node);

    static const char *const gates[] = {
        "AntreaProxy", "Traceflow", "AntreaPolicy", "FlowExporter",
        "NetworkPolicyStats", "NodePortLocal", "Egress", "AntreaIPAM",
        "Multicast",
    };
    for (size_t i = 0; i < sizeof gates / sizeof *gates; i++) {
        cr_assert_not(agent_config_feature_enabled(config, gates[i]),
                      "%s", gates[i]);
    }
}

Test(agent_config, defaults_when_empty)
{
    struct agent_config *config = parse_ok("");
    assert_all_defaults(config);
    cr_assert_str_eq(config->file, FILE_NAME);
    cr_assert_not_null(config->tree);
    agent_config_destroy(config);

    config = load_ok("agent-comments-only.conf");
    assert_all_defaults(config);
    agent_config_destroy(config);
}

Test(agent_config, null_values_mean_the_default)
{
    struct agent_config *config = parse_ok(
        "ovsBridge:\n"
        "tunnelPort: ~\n"
        "trafficEncapMode: null\n"
        "clientConnection:\n"
        "antreaClientConnection:\n"
        "  qps:\n"
        "featureGates:\n"
        "modules:\n"
        "serviceCIDR:\n"
        "noSNAT: ~\n");
    assert_all_defaults(config);
    agent_config_destroy(config);
}

Test(agent_config, every_key_is_parsed)
{
    struct agent_config *config = load_ok("agent-full.conf");

    cr_assert_str_eq(config->cni_socket, "/run/antrea/test-cni.sock");
    cr_assert_str_eq(config->client_connection.kubeconfig,
                     "/etc/antrea/kubeconfig");
    cr_assert_str_eq(config->client_connection.accept_content_types,
                     "application/json");
    cr_assert_str_eq(config->client_connection.content_type,
                     "application/vnd.kubernetes.protobuf");
    cr_assert_float_eq(config->client_connection.qps, 12.5, 1e-9);
    cr_assert_eq(config->client_connection.burst, 40);
    cr_assert_str_eq(config->antrea_client_connection.kubeconfig,
                     "/etc/antrea/antrea-kubeconfig");
    cr_assert_str_eq(config->antrea_client_connection.content_type, "");
    cr_assert_float_eq(config->antrea_client_connection.qps, 7.0, 1e-9);
    cr_assert_eq(config->antrea_client_connection.burst, 3);
    cr_assert_str_eq(config->ovs_bridge, "br-test");
    cr_assert_str_eq(config->ovs_datapath_type, "netdev");
    cr_assert_str_eq(config->ovs_run_dir, "/run/ovs");
    cr_assert_str_eq(config->host_gateway, "gw-test");
    cr_assert_str_eq(config->traffic_encap_mode, "hybrid");
    cr_assert_str_eq(config->tunnel_type, "vxlan");
    cr_assert_eq(config->tunnel_port, 4790);
    cr_assert(config->tunnel_csum);
    cr_assert_eq(config->default_mtu, 1400);
    cr_assert_str_eq(config->host_proc_path_prefix, "/proc-host");
    assert_prefix(&config->service_cidr, "10.112.0.0/16");
    assert_prefix(&config->service_cidr_v6, "fd00:10:96::/112");
    cr_assert_not(config->enable_ipsec_tunnel);
    cr_assert_str_eq(config->traffic_encryption_mode, "none");
    cr_assert(config->no_snat);
    cr_assert(config->snat_fully_random_ports);
    cr_assert_str_eq(config->transport_interface, "eth1");
    cr_assert(config->disable_tx_checksum_offload);
    cr_assert_eq(config->api_port, 10450);
    cr_assert_not(config->enable_prometheus_metrics);
    cr_assert_str_eq(config->plugin_dir, "/opt/antrea/plugins");
    cr_assert_str_eq(config->ipam, "native");

    cr_assert_eq(config->n_feature_gates, 3);
    cr_assert_str_eq(config->feature_gates[0].name, "AntreaProxy");
    cr_assert(config->feature_gates[0].enabled);
    cr_assert_str_eq(config->feature_gates[1].name, "Traceflow");
    cr_assert_not(config->feature_gates[1].enabled);
    cr_assert(agent_config_feature_enabled(config, "AntreaProxy"));
    cr_assert(agent_config_feature_enabled(config, "Egress"));
    cr_assert_not(agent_config_feature_enabled(config, "Traceflow"));
    cr_assert_not(agent_config_feature_enabled(config, "FlowExporter"));
    cr_assert_not(agent_config_feature_enabled(config, "NoSuchGate"));

    cr_assert_eq(config->n_modules, 2);
    cr_assert_str_eq(config->modules[0].name, "my-ipam");
    cr_assert_str_eq(config->modules[0].file, "/opt/antrea/extra/my-ipam.so");
    cr_assert_str_eq(config->modules[1].name, "geneve");
    cr_assert_null(config->modules[1].file);
    cr_assert_null(config->modules[1].config);

    /* Where the keys that matter to the module resolver were set. */
    cr_assert_eq(config->traffic_encap_mode_node->line, 17);
    cr_assert_str_eq(config->traffic_encap_mode_node->path,
                     "trafficEncapMode");
    cr_assert_eq(config->tunnel_type_node->line, 18);
    cr_assert_eq(config->ipam_node->line, 38);
    cr_assert_eq(config->encryption_node->line, 26);
    cr_assert_eq(config->no_snat_node->line, 27);
    agent_config_destroy(config);
}

Test(agent_config, antrea_v0_8_config_works_unchanged)
{
    struct agent_config *config = load_ok("agent-antrea-v0.8.conf");

    cr_assert(agent_config_feature_enabled(config, "AntreaProxy"));
    cr_assert_not(agent_config_feature_enabled(config, "Traceflow"));
    cr_assert_str_eq(config->tunnel_type, "gre");
    cr_assert_str_eq(config->traffic_encap_mode, "encap");
    cr_assert_str_eq(config->traffic_encryption_mode, "ipsec");
    cr_assert(config->enable_prometheus_metrics);
    cr_assert_eq(config->default_mtu, 0);
    agent_config_destroy(config);
}

Test(agent_config, shipped_configs_are_valid)
{
    static const char *const files[] = {
        "antrea-agent-encap.conf", "antrea-agent-noencap.conf",
        "antrea-agent-hybrid.conf", "antrea-agent-policyonly.conf",
    };
    static const char *const modes[] = {
        "encap", "noEncap", "hybrid", "networkPolicyOnly",
    };
    const char *srcdir = getenv("abs_top_srcdir");
    cr_assert_not_null(srcdir, "set abs_top_srcdir to the source tree");

    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *path = malloc(strlen(srcdir) + strlen(files[i]) + 8);
        sprintf(path, "%s/etc/%s", srcdir, files[i]);

        struct diag diag = DIAG_INITIALIZER;
        struct agent_config *config = agent_config_load(path, &diag);
        char *errors = diag_join(&diag);
        cr_assert_not_null(config, "%s", errors);
        cr_assert_str_eq(config->traffic_encap_mode, modes[i], "%s", path);
        agent_config_destroy(config);
        free(errors);
        diag_destroy(&diag);
        free(path);
    }
}

Test(agent_config, enums_match_any_case_and_are_normalised)
{
    static const struct {
        const char *yaml;
        const char *encap;
        const char *datapath;
        const char *encryption;
    } cases[] = {
        { "trafficEncapMode: ENCAP", "encap", "system", "none" },
        { "trafficEncapMode: noencap", "noEncap", "system", "none" },
        { "trafficEncapMode: NoEncap", "noEncap", "system", "none" },
        { "trafficEncapMode: HYBRID", "hybrid", "system", "none" },
        { "trafficEncapMode: \"networkpolicyonly\"", "networkPolicyOnly",
          "system", "none" },
        { "trafficEncapMode: NetworkPolicyOnly", "networkPolicyOnly",
          "system", "none" },
        { "ovsDatapathType: NetDev", "encap", "netdev", "none" },
        { "trafficEncryptionMode: IPsec", "encap", "system", "ipsec" },
        { "trafficEncryptionMode: wireguard", "encap", "system",
          "wireGuard" },
        { "trafficEncryptionMode: NONE", "encap", "system", "none" },
    };

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct agent_config *config = parse_ok(cases[i].yaml);
        cr_assert_str_eq(config->traffic_encap_mode, cases[i].encap, "%s",
                         cases[i].yaml);
        cr_assert_str_eq(config->ovs_datapath_type, cases[i].datapath, "%s",
                         cases[i].yaml);
        cr_assert_str_eq(config->traffic_encryption_mode,
                         cases[i].encryption, "%s", cases[i].yaml);
        agent_config_destroy(config);
    }
}

Test(agent_config, booleans_are_yaml_1_2_plain_scalars)
{
    static const char *const trues[] = { "true", "True", "TRUE" };
    static const char *const falses[] = { "false", "False", "FALSE" };
    char yaml[64];

    for (size_t i = 0; i < 3; i++) {
        snprintf(yaml, sizeof yaml, "noSNAT: %s\n", trues[i]);
        struct agent_config *config = parse_ok(yaml);
        cr_assert(config->no_snat, "%s", yaml);
        agent_config_destroy(config);

        snprintf(yaml, sizeof yaml, "enablePrometheusMetrics: %s\n",
                 falses[i]);
        config = parse_ok(yaml);
        cr_assert_not(config->enable_prometheus_metrics, "%s", yaml);
        agent_config_destroy(config);
    }

    assert_error("noSNAT: yes\n", FILE_NAME ":1:9: noSNAT: expected true or "
                 "false, got 'yes'");
    assert_error("noSNAT: 1\n", FILE_NAME ":1:9: noSNAT: expected true or "
                 "false, got '1'");
    assert_error("noSNAT: \"true\"\n", FILE_NAME ":1:9: noSNAT: expected "
                 "true or false, got the quoted string 'true' (remove the "
                 "quotes)");
    assert_error("noSNAT: [true]\n", FILE_NAME ":1:9: noSNAT: expected true "
                 "or false, got a sequence");
}

Test(agent_config, unknown_keys_name_line_column_and_path)
{
    assert_error("ovsBridge: br-int\n"
                 "\n"
                 "ovsBrige: br-int\n",
                 FILE_NAME ":3:1: ovsBrige: unknown key");
    assert_error("clientConnection:\n"
                 "  kubeconfig: /x\n"
                 "  kubeConfig: /y\n",
                 FILE_NAME ":3:3: clientConnection.kubeConfig: unknown key");
    assert_error("antreaClientConnection: {qps: 1, timeout: 3}\n",
                 FILE_NAME ":1:34: antreaClientConnection.timeout: unknown "
                 "key");
    assert_error("modules:\n"
                 "  - name: geneve\n"
                 "    options: {}\n",
                 FILE_NAME ":3:5: modules[0].options: unknown key");
    /* Keys are case-sensitive, as in Antrea. */
    assert_error("OVSBridge: br-int\n",
                 FILE_NAME ":1:1: OVSBridge: unknown key");
}

Test(agent_config, all_errors_are_reported_at_once)
{
    char *path = data_file("agent-errors.conf");
    struct diag diag = DIAG_INITIALIZER;
    struct agent_config *config = agent_config_load(path, &diag);
    cr_assert_null(config);

    static const char *const msgs[] = {
        "3:1: ovsBrige: unknown key",
        "4:13: tunnelPort: expected an integer from 0 to 65535, got 'abc'",
        "5:10: apiPort: expected an integer from 1 to 65535, got '0'",
        "6:14: serviceCIDR: expected an IPv4 CIDR such as 10.96.0.0/12, got "
        "'10.96.0.0/33'",
        "7:19: trafficEncapMode: expected one of encap, noEncap, hybrid, "
        "networkPolicyOnly, got 'tunnel'",
        "9:3: featureGates.Foo: unknown feature gate 'Foo'",
        "10:16: featureGates.AntreaProxy: expected true or false, got 'yes'",
        "12:8: clientConnection.qps: expected a number of 0 or more, got "
        "'fast'",
        "13:3: clientConnection.kubeConfig: unknown key",
        "14:13: tunnelCsum: expected true or false, got the quoted string "
        "'true' (remove the quotes)",
        "15:13: defaultMTU: expected 0 or an integer from 68 to 65535, got "
        "'20'",
        "17:11: modules[0].name: expected a module name (lowercase letters, "
        "digits, '-' and '_', starting with a letter or digit), got "
        "'Bad_Name'",
        "18:5: modules[0].colour: unknown key",
        "19:5: modules[1]: missing required key 'name'",
        "20:5: modules[2]: expected a mapping, got 'just-a-string'",
    };
    const size_t n = sizeof msgs / sizeof *msgs;
    char *owned[sizeof msgs / sizeof *msgs];
    const char *expected[sizeof msgs / sizeof *msgs + 1];
    for (size_t i = 0; i < n; i++) {
        owned[i] = data_msg("agent-errors.conf", msgs[i]);
        expected[i] = owned[i];
    }
    expected[n] = NULL;

    assert_diag(&diag, expected);

    for (size_t i = 0; i < n; i++) {
        free(owned[i]);
    }
    diag_destroy(&diag);
    free(path);
}

Test(agent_config, earlier_messages_in_diag_are_kept)
{
    struct diag diag = DIAG_INITIALIZER;
    diag_add(&diag, "an earlier problem");

    /* A valid config is not refused for the caller's earlier errors. */
    struct agent_config *config = agent_config_parse(FILE_NAME, "", 0,
                                                     &diag);
    cr_assert_not_null(config);
    agent_config_destroy(config);

    const char *bad = "x: 1\n";
    config = agent_config_parse(FILE_NAME, bad, strlen(bad), &diag);
    cr_assert_null(config);
    const char *const expected[] = {
        "an earlier problem", FILE_NAME ":1:1: x: unknown key", NULL,
    };
    assert_diag(&diag, expected);
    diag_destroy(&diag);
}

Test(agent_config, yaml_syntax_errors_name_line_and_column)
{
    char *path = data_file("agent-syntax-error.conf");
    struct diag diag = DIAG_INITIALIZER;
    cr_assert_null(agent_config_load(path, &diag));
    char *msg = data_msg("agent-syntax-error.conf",
                         "3:19: mapping values are not allowed in this "
                         "context");
    const char *const expected[] = { msg, NULL };
    assert_diag(&diag, expected);
    free(msg);
    free(path);
    diag_destroy(&diag);

    assert_error("ovsBridge: br-int\n"
                 "featureGates:\n"
                 "  AntreaProxy: true\n"
                 " Traceflow: true\n",
                 FILE_NAME ":4:2: did not find expected key (while parsing "
                 "a block mapping that started at line 1)");
}

Test(agent_config, duplicate_keys)
{
    assert_error("ovsBridge: a\n"
                 "tunnelType: vxlan\n"
                 "ovsBridge: b\n",
                 FILE_NAME ":3:1: duplicate key 'ovsBridge' (first at line "
                 "1)");
    assert_error("featureGates:\n"
                 "  Egress: true\n"
                 "  Egress: false\n",
                 FILE_NAME ":3:3: duplicate key 'Egress' (first at line 2)");
}

Test(agent_config, top_level_must_be_a_mapping)
{
    assert_error("- ovsBridge: br-int\n",
                 FILE_NAME ":1:1: the top level must be a mapping of keys");
    assert_error("\n  br-int\n",
                 FILE_NAME ":2:3: the top level must be a mapping of keys");
}

Test(agent_config, unreadable_file)
{
    struct diag diag = DIAG_INITIALIZER;
    cr_assert_null(agent_config_load("/nonexistent/antrea-agent.conf",
                                     &diag));
    const char *const expected[] = {
        "/nonexistent/antrea-agent.conf: cannot read: No such file or "
        "directory",
        NULL,
    };
    assert_diag(&diag, expected);
    diag_destroy(&diag);
}

Test(agent_config, type_errors)
{
    static const struct {
        const char *yaml;
        const char *error;
    } cases[] = {
        { "ovsBridge: {a: 1}\n",
          "1:12: ovsBridge: expected a non-empty string, got a mapping" },
        { "ovsBridge: \"\"\n",
          "1:12: ovsBridge: expected a non-empty string, got ''" },
        { "hostProcPathPrefix: [a]\n",
          "1:21: hostProcPathPrefix: expected a string, got a sequence" },
        { "tunnelPort: \"6081\"\n",
          "1:13: tunnelPort: expected an integer from 0 to 65535, got the "
          "quoted string '6081' (remove the quotes)" },
        { "tunnelPort: 6081.5\n",
          "1:13: tunnelPort: expected an integer from 0 to 65535, got "
          "'6081.5'" },
        { "tunnelPort: 0x17c1\n",
          "1:13: tunnelPort: expected an integer from 0 to 65535, got "
          "'0x17c1'" },
        { "clientConnection:\n  burst: many\n",
          "2:10: clientConnection.burst: expected an integer from 0 to "
          "1000000, got 'many'" },
        { "clientConnection:\n  qps: -1\n",
          "2:8: clientConnection.qps: expected a number of 0 or more, got "
          "'-1'" },
        { "clientConnection:\n  qps: .inf\n",
          "2:8: clientConnection.qps: expected a number of 0 or more, got "
          "'.inf'" },
        { "clientConnection: 5\n",
          "1:19: clientConnection: expected a mapping, got '5'" },
        { "ovsDatapathType: dpdk\n",
          "1:18: ovsDatapathType: expected one of system, netdev, got "
          "'dpdk'" },
        { "trafficEncryptionMode: tls\n",
          "1:24: trafficEncryptionMode: expected one of none, ipsec, "
          "wireGuard, got 'tls'" },
        { "tunnelType: Geneve\n",
          "1:13: tunnelType: expected a module name (lowercase letters, "
          "digits, '-' and '_', starting with a letter or digit), got "
          "'Geneve'" },
        { "ipam: -local\n",
          "1:7: ipam: expected a module name (lowercase letters, digits, "
          "'-' and '_', starting with a letter or digit), got '-local'" },
        { "ipam: ../../tmp/evil\n",
          "1:7: ipam: expected a module name (lowercase letters, digits, "
          "'-' and '_', starting with a letter or digit), got "
          "'../../tmp/evil'" },
        { "featureGates: [AntreaProxy]\n",
          "1:15: featureGates: expected a mapping of feature gates to true "
          "or false, got a sequence" },
        { "modules: {name: x}\n",
          "1:10: modules: expected a sequence of mappings, got a mapping" },
        { "modules:\n  - name: x\n    config: [1, 2]\n",
          "3:13: modules[0].config: expected a mapping, got a sequence" },
        { "modules:\n  - name: x\n    config: text\n",
          "3:13: modules[0].config: expected a mapping, got 'text'" },
        { "modules:\n  - name: x\n    file: \"\"\n",
          "3:11: modules[0].file: expected a non-empty string, got ''" },
        { "modules:\n  -\n",
          "2:4: modules[0]: expected a mapping, got ''" },
        { "pluginDir: \"\"\n",
          "1:12: pluginDir: expected a non-empty string, got ''" },
    };

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *expected = malloc(strlen(FILE_NAME) + strlen(cases[i].error)
                                + 2);
        sprintf(expected, "%s:%s", FILE_NAME, cases[i].error);
        assert_error(cases[i].yaml, expected);
        free(expected);
    }
}

Test(agent_config, strings_accept_any_scalar)
{
    /* As in Antrea (yaml.v2), an unquoted number is fine for a string. */
    struct agent_config *config = parse_ok("hostGateway: 1234\n"
                                           "transportInterface: 'eth0'\n");
    cr_assert_str_eq(config->host_gateway, "1234");
    cr_assert_str_eq(config->transport_interface, "eth0");
    agent_config_destroy(config);
}

Test(agent_config, port_and_mtu_ranges)
{
    static const struct {
        const char *yaml;
        bool ok;
    } cases[] = {
        { "tunnelPort: 0", true },
        { "tunnelPort: 65535", true },
        { "tunnelPort: 65536", false },
        { "tunnelPort: -1", false },
        { "tunnelPort: 99999999999999999999999", false },
        { "apiPort: 1", true },
        { "apiPort: 65535", true },
        { "apiPort: 0", false },
        { "apiPort: 65536", false },
        { "apiPort: +10350", true },
        { "defaultMTU: 0", true },
        { "defaultMTU: 68", true },
        { "defaultMTU: 67", false },
        { "defaultMTU: 1", false },
        { "defaultMTU: 65535", true },
        { "defaultMTU: 65536", false },
        { "defaultMTU: -1500", false },
    };

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct diag diag = DIAG_INITIALIZER;
        const char *yaml = cases[i].yaml;
        struct agent_config *config = agent_config_parse(
            FILE_NAME, yaml, strlen(yaml), &diag);
        cr_assert_eq(config != NULL, cases[i].ok, "%s", yaml);
        cr_assert_eq(diag.n, cases[i].ok ? 0 : 1, "%s", yaml);
        if (!cases[i].ok) {
            cr_assert(strstr(diag.msgs[0], "expected "), "%s: %s", yaml,
                      diag.msgs[0]);
        }
        agent_config_destroy(config);
        diag_destroy(&diag);
    }

    struct agent_config *config = parse_ok("tunnelPort: 65535\n"
                                           "apiPort: 1\n"
                                           "defaultMTU: 68\n");
    cr_assert_eq(config->tunnel_port, 65535);
    cr_assert_eq(config->api_port, 1);
    cr_assert_eq(config->default_mtu, 68);
    agent_config_destroy(config);
}

Test(agent_config, cidrs)
{
    static const char *const bad_v4[] = {
        "10.96.0.0", "10.96.0.0/33", "300.1.1.1/8", "fd00::/64",
        "10.96.0.0/", "10.96.0.0/+8", "10.96.0.0/-1", "/8", "10.96/12",
        "10.96.0.0/12/1", "10.96.0.0 /12", "",
    };
    for (size_t i = 0; i < sizeof bad_v4 / sizeof *bad_v4; i++) {
        char yaml[64], expected[160];
        snprintf(yaml, sizeof yaml, "serviceCIDR: \"%s\"\n", bad_v4[i]);
        snprintf(expected, sizeof expected,
                 FILE_NAME ":1:14: serviceCIDR: expected an IPv4 CIDR such "
                 "as 10.96.0.0/12, got '%s'", bad_v4[i]);
        assert_error(yaml, expected);
    }

    static const char *const bad_v6[] = {
        "10.96.0.0/12", "fd00::/129", "fd00::", "fd00:::1/64", "x/64",
    };
    for (size_t i = 0; i < sizeof bad_v6 / sizeof *bad_v6; i++) {
        char yaml[64], expected[160];
        snprintf(yaml, sizeof yaml, "serviceCIDRv6: \"%s\"\n", bad_v6[i]);
        snprintf(expected, sizeof expected,
                 FILE_NAME ":1:16: serviceCIDRv6: expected an IPv6 CIDR "
                 "such as fd00:10:96::/112, got '%s'", bad_v6[i]);
        assert_error(yaml, expected);
    }

    /* Host bits are dropped, as Go's net.ParseCIDR does. */
    struct agent_config *config = parse_ok(
        "serviceCIDR: 10.111.222.33/12\n"
        "serviceCIDRv6: \"fd00:10:96::ffff/116\"\n");
    assert_prefix(&config->service_cidr, "10.96.0.0/12");
    assert_prefix(&config->service_cidr_v6, "fd00:10:96::f000/116");
    agent_config_destroy(config);

    config = parse_ok("serviceCIDR: 0.0.0.0/0\nserviceCIDRv6: \"\"\n");
    assert_prefix(&config->service_cidr, "0.0.0.0/0");
    cr_assert_eq(config->service_cidr_v6.ip.family, 0);
    agent_config_destroy(config);

    config = parse_ok("serviceCIDR: 192.168.7.9/32\n");
    assert_prefix(&config->service_cidr, "192.168.7.9/32");
    agent_config_destroy(config);
}

Test(agent_config, feature_gates)
{
    assert_error("featureGates:\n"
                 "  AntreaProxy: true\n"
                 "  Foo: true\n",
                 FILE_NAME ":3:3: featureGates.Foo: unknown feature gate "
                 "'Foo'");
    /* Gate names are case-sensitive, as in Kubernetes. */
    assert_error("featureGates: {antreaProxy: true}\n",
                 FILE_NAME ":1:16: featureGates.antreaProxy: unknown "
                 "feature gate 'antreaProxy'");
    /* Current Antrea's gates are not the kube-proxy era's. */
    assert_error("featureGates:\n  ServiceExternalIP: true\n",
                 FILE_NAME ":2:3: featureGates.ServiceExternalIP: unknown "
                 "feature gate 'ServiceExternalIP'");

    struct agent_config *config = parse_ok("featureGates:\n"
                                           "  Multicast: true\n"
                                           "  AntreaIPAM: true\n"
                                           "  Traceflow: false\n"
                                           "  Egress: ~\n");
    cr_assert(agent_config_feature_enabled(config, "Multicast"));
    cr_assert(agent_config_feature_enabled(config, "AntreaIPAM"));
    cr_assert_not(agent_config_feature_enabled(config, "Traceflow"));
    cr_assert_not(agent_config_feature_enabled(config, "Egress"));
    cr_assert_not(agent_config_feature_enabled(config, "AntreaProxy"));
    cr_assert_not(agent_config_feature_enabled(config, "multicast"));
    cr_assert_not(agent_config_feature_enabled(config, ""));
    cr_assert_eq(config->n_feature_gates, 3);
    agent_config_destroy(config);
}

Test(agent_config, modules_section)
{
    struct agent_config *config = load_ok("agent-modules.conf");

    cr_assert_eq(config->n_modules, 3);

    const struct module_config *stt = &config->modules[0];
    cr_assert_str_eq(stt->name, "stt");
    cr_assert_null(stt->file);
    cr_assert_null(stt->config);
    cr_assert_eq(stt->node->line, 5);
    cr_assert_str_eq(stt->node->path, "modules[0]");

    const struct module_config *corp = &config->modules[1];
    cr_assert_str_eq(corp->name, "corp-ipam");
    cr_assert_str_eq(corp->file, "/opt/corp/lib/corp-ipam.so");
    cr_assert_eq(corp->node->line, 6);
    cr_assert_not_null(corp->config);

    /* The config block is the tree's node, unchecked and with positions
     * for the plugin's own errors. */
    cr_assert_eq(corp->config->type, YAML_NODE_MAPPING);
    cr_assert_eq(corp->config->line, 9);
    cr_assert_eq(corp->config->column, 7);
    cr_assert_str_eq(corp->config->path, "modules[1].config");
    const struct yaml_node *pools = yaml_node_get(corp->config, "pools");
    cr_assert_eq(pools->type, YAML_NODE_SEQUENCE);
    cr_assert_eq(pools->n, 2);
    cr_assert_str_eq(pools->items[1]->scalar, "10.21.0.0/16");
    cr_assert_eq(pools->items[1]->line, 11);
    cr_assert_str_eq(yaml_node_get(corp->config, "unknownToTheAgent")->scalar,
                     "fine");

    const struct module_config *ipsec = &config->modules[2];
    cr_assert_str_eq(ipsec->name, "ipsec");
    cr_assert_null(ipsec->config);
    cr_assert_str_eq(config->traffic_encryption_mode, "ipsec");
    cr_assert_eq(config->encryption_node->line, 3);
    agent_config_destroy(config);
}

Test(agent_config, module_errors)
{
    assert_error("modules:\n"
                 "  - name: geneve\n"
                 "  - name: vxlan\n"
                 "  - name: geneve\n"
                 "    file: /x/geneve.so\n",
                 FILE_NAME ":4:11: modules[2].name: module 'geneve' is "
                 "listed twice (first at line 2)");

    const char *const two[] = {
        FILE_NAME ":2:5: modules[0]: missing required key 'name'",
        FILE_NAME ":3:5: modules[1]: missing required key 'name'",
        NULL,
    };
    assert_errors("modules:\n"
                  "  - file: /a.so\n"
                  "  - name:\n"
                  "    config: {a: 1}\n", two);
}

Test(agent_config, enable_ipsec_tunnel_maps_to_encryption_mode)
{
    /* Alone, the deprecated key means ipsec, and names itself as the
     * reason. */
    struct agent_config *config = parse_ok("ovsBridge: br-int\n"
                                           "enableIPSecTunnel: true\n");
    cr_assert(config->enable_ipsec_tunnel);
    cr_assert_str_eq(config->traffic_encryption_mode, "ipsec");
    cr_assert_not_null(config->encryption_node);
    cr_assert_eq(config->encryption_node->line, 2);
    cr_assert_str_eq(config->encryption_node->path, "enableIPSecTunnel");
    agent_config_destroy(config);

    /* Together with the same mode, the mode is the reason. */
    config = parse_ok("enableIPSecTunnel: true\n"
                      "trafficEncryptionMode: IPSec\n");
    cr_assert_str_eq(config->traffic_encryption_mode, "ipsec");
    cr_assert_str_eq(config->encryption_node->path,
                     "trafficEncryptionMode");
    agent_config_destroy(config);

    /* False changes nothing, and is no reason. */
    config = parse_ok("enableIPSecTunnel: false\n");
    cr_assert_str_eq(config->traffic_encryption_mode, "none");
    cr_assert_null(config->encryption_node);
    agent_config_destroy(config);

    config = parse_ok("enableIPSecTunnel: false\n"
                      "trafficEncryptionMode: wireGuard\n");
    cr_assert_str_eq(config->traffic_encryption_mode, "wireGuard");
    cr_assert_eq(config->encryption_node->line, 2);
    agent_config_destroy(config);

    /* A contradiction names both keys. */
    assert_error("enableIPSecTunnel: true\n"
                 "trafficEncryptionMode: none\n",
                 FILE_NAME ":2:24: trafficEncryptionMode: 'none' "
                 "contradicts enableIPSecTunnel: true (line 1); remove the "
                 "deprecated enableIPSecTunnel");
    assert_error("trafficEncryptionMode: WireGuard\n"
                 "\n"
                 "enableIPSecTunnel: True\n",
                 FILE_NAME ":1:24: trafficEncryptionMode: 'wireGuard' "
                 "contradicts enableIPSecTunnel: true (line 3); remove the "
                 "deprecated enableIPSecTunnel");
}

Test(agent_config, where_keys_were_set)
{
    struct agent_config *config = parse_ok("# comment\n"
                                           "trafficEncapMode: noEncap\n"
                                           "noSNAT: false\n"
                                           "ipam: native\n"
                                           "tunnelType: gre\n");
    cr_assert_eq(config->traffic_encap_mode_node->line, 2);
    cr_assert_eq(config->traffic_encap_mode_node->column, 19);
    cr_assert_str_eq(config->traffic_encap_mode_node->scalar, "noEncap");
    cr_assert_eq(config->no_snat_node->line, 3);
    cr_assert_eq(config->ipam_node->line, 4);
    cr_assert_eq(config->tunnel_type_node->line, 5);
    cr_assert_null(config->encryption_node);

    char *where = yaml_node_where(config->ipam_node);
    cr_assert_str_eq(where, FILE_NAME ":4:7");
    free(where);
    agent_config_destroy(config);
}

Test(agent_config, third_party_module_names_are_accepted)
{
    struct agent_config *config = parse_ok("tunnelType: my_tunnel-2\n"
                                           "ipam: 0corp\n");
    cr_assert_str_eq(config->tunnel_type, "my_tunnel-2");
    cr_assert_str_eq(config->ipam, "0corp");
    agent_config_destroy(config);
}

/* Returns what agent_config_print_reference() writes, malloc'd. */
static char *
reference_text(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    cr_assert_not_null(stream);
    agent_config_print_reference(stream);
    fclose(stream);
    return text;
}

Test(agent_config, reference_lists_every_key)
{
    static const char *const keys[] = {
        "cniSocket", "clientConnection", "clientConnection.kubeconfig",
        "clientConnection.acceptContentTypes", "clientConnection.contentType",
        "clientConnection.qps", "clientConnection.burst",
        "antreaClientConnection", "antreaClientConnection.kubeconfig",
        "antreaClientConnection.acceptContentTypes",
        "antreaClientConnection.contentType", "antreaClientConnection.qps",
        "antreaClientConnection.burst",
        "ovsBridge", "ovsDatapathType", "ovsRunDir", "hostGateway",
        "trafficEncapMode", "tunnelType", "tunnelPort", "tunnelCsum",
        "defaultMTU", "hostProcPathPrefix", "serviceCIDR", "serviceCIDRv6",
        "enableIPSecTunnel", "trafficEncryptionMode", "noSNAT",
        "snatFullyRandomPorts", "transportInterface",
        "disableTXChecksumOffload", "apiPort", "enablePrometheusMetrics",
        "featureGates", "featureGates.AntreaProxy", "featureGates.Traceflow",
        "featureGates.AntreaPolicy", "featureGates.FlowExporter",
        "featureGates.NetworkPolicyStats", "featureGates.NodePortLocal",
        "featureGates.Egress", "featureGates.AntreaIPAM",
        "featureGates.Multicast", "pluginDir", "ipam", "modules",
        "modules[].name", "modules[].file", "modules[].config",
    };
    char *text = reference_text();

    cr_assert(!strncmp(text, "| key | type | default | meaning |\n", 35),
              "%s", text);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char row[128];
        snprintf(row, sizeof row, "\n| `%s` | ", keys[i]);
        cr_assert(strstr(text, row), "no row for %s in:\n%s", keys[i], text);
    }

    /* Some rows in full: type and default come from the table. */
    cr_assert(strstr(text, "\n| `tunnelPort` | integer, 0 to 65535 | `0` |"));
    cr_assert(strstr(text, "\n| `trafficEncapMode` | `encap`, `noEncap`, "
                     "`hybrid` or `networkPolicyOnly` | `encap` |"));
    cr_assert(strstr(text, "\n| `pluginDir` | string | "
                     "`$(libdir)/antrea/plugins` |"));
    cr_assert(strstr(text, "\n| `modules[].name` | module name | "
                     "(required) |"));

    /* Every documented top-level key is accepted, and nothing else. */
    size_t n_rows = 0;
    for (const char *p = strstr(text, "\n| `"); p;
         p = strstr(p + 1, "\n| `")) {
        n_rows++;
        const char *name = p + 4;
        size_t length = strcspn(name, "`");
        char yaml[128];
        snprintf(yaml, sizeof yaml, "%.*s: ~\n", (int) length, name);
        if (!memchr(name, '.', length)) {
            agent_config_destroy(parse_ok(yaml));
        }
    }
    cr_assert_eq(n_rows, sizeof keys / sizeof *keys, "%s", text);
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

Test(agent_config, docs_hold_the_generated_reference)
{
    const char *srcdir = getenv("abs_top_srcdir");
    cr_assert_not_null(srcdir, "set abs_top_srcdir to the source tree");
    char *file = malloc(strlen(srcdir) + 64);
    sprintf(file, "%s/docs/configuration.md", srcdir);

    char *section = doc_section(file, "agent-config reference");
    char *text = reference_text();
    cr_assert_str_eq(section, text,
                     "%s is out of date: put the output of "
                     "agent_config_print_reference() between its markers",
                     file);
    free(text);
    free(section);
    free(file);
}

/* Parses 'size' bytes of 'data'; a config or errors, never both, and every
 * error names the file. */
static void
parse_anything(const char *data, size_t size, size_t i)
{
    struct diag diag = DIAG_INITIALIZER;
    struct agent_config *config = agent_config_parse("fuzz.conf", data,
                                                     size, &diag);
    cr_assert_eq(config == NULL, !diag_is_empty(&diag), "input %zu", i);
    for (size_t j = 0; j < diag.n; j++) {
        cr_assert(!strncmp(diag.msgs[j], "fuzz.conf:", 10), "input %zu: %s",
                  i, diag.msgs[j]);
    }
    agent_config_destroy(config);
    diag_destroy(&diag);
}

Test(agent_config, never_crashes_on_truncated_or_garbled_files)
{
    char *path = data_file("agent-full.conf");
    FILE *stream = fopen(path, "rb");
    cr_assert_not_null(stream);
    char data[8192];
    size_t size = fread(data, 1, sizeof data, stream);
    fclose(stream);
    free(path);

    for (size_t i = 0; i <= size; i++) {
        char *prefix = malloc(i ? i : 1);
        memcpy(prefix, data, i);
        parse_anything(prefix, i, i);
        free(prefix);
    }

    /* Replace whole tokens too: values of every type in every place. */
    static const char *const values[] = {
        "~", "\"\"", "[]", "{}", "-1", "99999999999", "yes", "1e999",
        "'x'", "a: b", "- x",
    };
    for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
        for (size_t i = 0; i < size; i++) {
            if (data[i] != ':' || (i + 1 < size && data[i + 1] != ' ')) {
                continue;
            }
            /* Replace the rest of this line with values[v]. */
            const char *eol = memchr(data + i, '\n', size - i);
            size_t tail = eol ? (size_t) (data + size - eol) : 0;
            size_t new_size = i + 2 + strlen(values[v]) + tail;
            char *copy = malloc(new_size);
            memcpy(copy, data, i + 1);
            copy[i + 1] = ' ';
            memcpy(copy + i + 2, values[v], strlen(values[v]));
            if (eol) {
                memcpy(copy + i + 2 + strlen(values[v]), eol, tail);
            }
            parse_anything(copy, new_size, v * 10000 + i);
            free(copy);
        }
    }
}
