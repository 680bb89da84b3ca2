/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for the client's connection settings: kubeconfig files
 * (inline data and files, relative paths, token and tokenFile, client
 * certificates, contexts) and every error a bad one gets, with its line
 * and column; the in-cluster configuration from a ServiceAccount
 * directory and KUBERNETES_SERVICE_HOST/PORT.  Criterion runs each test
 * in its own process, so changing the environment is harmless.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8s-test-util.h"
#include "k8s/k8s-config.h"
#include "util.h"

TestSuite(k8s_kubeconfig, .timeout = 30);

/* base64 of "CA PEM\n", "CERT PEM\n" and "KEY PEM\n". */
#define CA_B64 "Q0EgUEVNCg=="
#define CERT_B64 "Q0VSVCBQRU0K"
#define KEY_B64 "S0VZIFBFTQo="

/* The kubeconfig the sandbox writes (tests/e2e/sandbox/kube.py): inline
 * CA, a token, one context. */
static const char sandbox_kubeconfig[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "clusters:\n"
    "- name: asbx\n"
    "  cluster:\n"
    "    server: \"https://192.168.77.2:6443/\"\n"
    "    certificate-authority-data: \"" CA_B64 "\"\n"
    "users:\n"
    "- name: \"asbx-admin\"\n"
    "  user:\n"
    "    token: \"0123abcd\"\n"
    "contexts:\n"
    "- name: asbx\n"
    "  context:\n"
    "    cluster: asbx\n"
    "    user: \"asbx-admin\"\n"
    "    namespace: \"kube-system\"\n"
    "current-context: asbx\n";

/* The temporary directory of the current test. */
static char *dir;

/* Makes the test's temporary directory. */
static void
setup(void)
{
    dir = make_temp_dir();
}

/* Removes it. */
static void
teardown(void)
{
    remove_temp_dir(dir);
    dir = NULL;
}

/* Writes 'text' as DIR/kubeconfig and loads it for 'context'.  Returns
 * the config, or NULL with the error in '*errorp'. */
static struct k8s_config *
load(const char *text, const char *context, char **errorp)
{
    write_text_file(dir, "kubeconfig", text);
    char *path = xasprintf("%s/kubeconfig", dir);
    struct k8s_config *config = k8s_config_from_kubeconfig(path, context,
                                                           errorp);
    free(path);
    return config;
}

/* Loads 'text', which must fail, and checks the error is
 * "DIR/kubeconfig" followed by 'expected'. */
static void
expect_error(const char *text, const char *context, const char *expected)
{
    char *error = NULL;
    struct k8s_config *config = load(text, context, &error);
    cr_assert_null(config, "the kubeconfig should have been refused");
    cr_assert_not_null(error);
    char *want = xasprintf("%s/kubeconfig%s", dir, expected);
    cr_assert_str_eq(error, want);
    free(want);
    free(error);
}

Test(k8s_kubeconfig, sandbox_style_token_and_inline_ca,
     .init = setup, .fini = teardown)
{
    char *error = NULL;
    struct k8s_config *config = load(sandbox_kubeconfig, NULL, &error);

    cr_assert_not_null(config, "%s", error);
    cr_assert_null(error);
    cr_assert_str_eq(config->server, "https://192.168.77.2:6443");
    cr_assert_eq(config->ca_data_size, 7);
    cr_assert_eq(memcmp(config->ca_data, "CA PEM\n", 7), 0);
    cr_assert_null(config->ca_file);
    cr_assert_str_eq(config->token, "0123abcd");
    cr_assert_null(config->token_file);
    cr_assert_null(config->cert_file);
    cr_assert_null(config->cert_data);
    cr_assert_not(config->insecure_skip_tls_verify);
    cr_assert_str_eq(config->namespace, "kube-system");
    char *source = xasprintf("kubeconfig %s/kubeconfig (context asbx)", dir);
    cr_assert_str_eq(config->source, source);
    free(source);

    struct k8s_config *copy = k8s_config_clone(config);
    cr_assert_str_eq(copy->server, config->server);
    cr_assert_eq(memcmp(copy->ca_data, config->ca_data, 7), 0);
    cr_assert_str_eq(copy->token, config->token);
    k8s_config_destroy(copy);
    k8s_config_destroy(config);
}

Test(k8s_kubeconfig, files_relative_to_the_kubeconfig_and_client_cert,
     .init = setup, .fini = teardown)
{
    write_text_file(dir, "ca.crt", "CA\n");
    write_text_file(dir, "client.crt", "CERT\n");
    write_text_file(dir, "client.key", "KEY\n");
    write_text_file(dir, "token", "  file-token\n");

    char *error = NULL;
    struct k8s_config *config = load(
        "clusters:\n"
        "- name: c\n"
        "  cluster:\n"
        "    server: https://10.0.0.1:6443\n"
        "    certificate-authority: ca.crt\n"
        "users:\n"
        "- name: u\n"
        "  user:\n"
        "    client-certificate: client.crt\n"
        "    client-key: client.key\n"
        "    tokenFile: token\n"
        "contexts:\n"
        "- name: ctx\n"
        "  context: {cluster: c, user: u}\n"
        "current-context: ctx\n", NULL, &error);
    cr_assert_not_null(config, "%s", error);

    char *path = xasprintf("%s/ca.crt", dir);
    cr_assert_str_eq(config->ca_file, path);
    free(path);
    path = xasprintf("%s/client.crt", dir);
    cr_assert_str_eq(config->cert_file, path);
    free(path);
    path = xasprintf("%s/client.key", dir);
    cr_assert_str_eq(config->key_file, path);
    free(path);
    path = xasprintf("%s/token", dir);
    cr_assert_str_eq(config->token_file, path);
    char *token = k8s_config_read_token(path, &error);
    cr_assert_str_eq(token, "file-token");
    free(token);
    free(path);
    cr_assert_null(config->token);
    cr_assert_null(config->namespace);
    k8s_config_destroy(config);
}

Test(k8s_kubeconfig, inline_client_cert_and_key,
     .init = setup, .fini = teardown)
{
    char *error = NULL;
    struct k8s_config *config = load(
        "clusters:\n"
        "- name: c\n"
        "  cluster:\n"
        "    server: https://h:1\n"
        "    insecure-skip-tls-verify: true\n"
        "users:\n"
        "- name: u\n"
        "  user:\n"
        "    client-certificate-data: " CERT_B64 "\n"
        "    client-key-data: |\n"
        "      S0VZ\n"
        "      IFBFTQo=\n"
        "contexts:\n"
        "- name: ctx\n"
        "  context: {cluster: c, user: u}\n"
        "current-context: ctx\n", NULL, &error);
    cr_assert_not_null(config, "%s", error);
    cr_assert(config->insecure_skip_tls_verify);
    cr_assert_eq(config->cert_data_size, 9);
    cr_assert_eq(memcmp(config->cert_data, "CERT PEM\n", 9), 0);
    cr_assert_eq(config->key_data_size, 8);
    cr_assert_eq(memcmp(config->key_data, "KEY PEM\n", 8), 0);
    cr_assert_null(config->token);
    k8s_config_destroy(config);
}

Test(k8s_kubeconfig, token_wins_over_token_file_and_context_is_chosen,
     .init = setup, .fini = teardown)
{
    write_text_file(dir, "token", "from-file\n");
    const char *text =
        "clusters:\n"
        "- name: one\n"
        "  cluster: {server: 'http://127.0.0.1:1'}\n"
        "- name: two\n"
        "  cluster: {server: 'http://127.0.0.1:2'}\n"
        "users:\n"
        "- name: u\n"
        "  user: {token: inline, tokenFile: token}\n"
        "contexts:\n"
        "- name: first\n"
        "  context: {cluster: one, user: u}\n"
        "- name: second\n"
        "  context: {cluster: two}\n"
        "current-context: first\n";
    char *error = NULL;

    struct k8s_config *config = load(text, NULL, &error);
    cr_assert_not_null(config, "%s", error);
    cr_assert_str_eq(config->server, "http://127.0.0.1:1");
    cr_assert_str_eq(config->token, "inline");
    cr_assert_null(config->token_file);
    k8s_config_destroy(config);

    /* A context named by the caller wins over current-context; a context
     * without a user has no credentials. */
    config = load(text, "second", &error);
    cr_assert_not_null(config, "%s", error);
    cr_assert_str_eq(config->server, "http://127.0.0.1:2");
    cr_assert_null(config->token);
    cr_assert_null(config->token_file);
    k8s_config_destroy(config);
}

/* A minimal valid kubeconfig, with a hole for the user's entries. */
#define KUBECONFIG_WITH_USER(USER_LINES)        \
    "clusters:\n"                               \
    "- name: c\n"                               \
    "  cluster:\n"                              \
    "    server: https://h:1\n"                 \
    "users:\n"                                  \
    "- name: u\n"                               \
    "  user:\n"                                 \
    USER_LINES                                  \
    "contexts:\n"                               \
    "- name: ctx\n"                             \
    "  context: {cluster: c, user: u}\n"        \
    "current-context: ctx\n"

Test(k8s_kubeconfig, missing_current_context, .init = setup,
     .fini = teardown)
{
    /* No key at all: the error points at the document. */
    expect_error("clusters: []\ncontexts: []\n", NULL,
                 ":1:1: current-context is not set, and no context was "
                 "chosen");
    /* An empty value: the error points at it. */
    expect_error("clusters: []\n"
                 "contexts: []\n"
                 "current-context: \"\"\n", NULL,
                 ":3:18: current-context: is empty, and no context was "
                 "chosen");
}

Test(k8s_kubeconfig, dangling_names, .init = setup, .fini = teardown)
{
    expect_error("contexts:\n"
                 "- name: a\n"
                 "  context: {cluster: c}\n"
                 "current-context: b\n", NULL,
                 ":4:18: current-context: context \"b\" not found in "
                 "'contexts'");
    expect_error("contexts:\n"
                 "- name: a\n"
                 "  context: {cluster: c}\n"
                 "current-context: a\n", NULL,
                 ":3:22: contexts[0].context.cluster: cluster \"c\" not "
                 "found in 'clusters'");
    expect_error("clusters:\n"
                 "- name: c\n"
                 "  cluster: {server: 'https://h'}\n"
                 "contexts:\n"
                 "- name: a\n"
                 "  context: {cluster: c, user: nobody}\n"
                 "current-context: a\n", NULL,
                 ":6:31: contexts[0].context.user: user \"nobody\" not found "
                 "in 'users'");
    expect_error("contexts:\n"
                 "- name: a\n"
                 "  context: {cluster: c}\n"
                 "current-context: a\n", "zz",
                 ":1:1: context \"zz\" not found in 'contexts'");
    expect_error("contexts:\n"
                 "- name: a\n"
                 "current-context: a\n", NULL,
                 ":2:3: contexts[0]: 'context' is missing");
    expect_error("contexts: {a: b}\n"
                 "current-context: a\n", NULL,
                 ":1:11: contexts: must be a list");
}

Test(k8s_kubeconfig, bad_clusters, .init = setup, .fini = teardown)
{
    expect_error("clusters:\n"
                 "- name: c\n"
                 "  cluster: {certificate-authority-data: " CA_B64 "}\n"
                 "contexts:\n"
                 "- {name: a, context: {cluster: c}}\n"
                 "current-context: a\n", NULL,
                 ":3:12: clusters[0].cluster: 'server' is missing");
    expect_error("clusters:\n"
                 "- name: c\n"
                 "  cluster: {server: 'ftp://h'}\n"
                 "contexts:\n"
                 "- {name: a, context: {cluster: c}}\n"
                 "current-context: a\n", NULL,
                 ":3:21: clusters[0].cluster.server: \"ftp://h\" is not an "
                 "https:// or http:// URL");
    write_text_file(dir, "ca.crt", "CA\n");
    expect_error("clusters:\n"
                 "- name: c\n"
                 "  cluster:\n"
                 "    server: https://h\n"
                 "    certificate-authority: ca.crt\n"
                 "    certificate-authority-data: " CA_B64 "\n"
                 "contexts:\n"
                 "- {name: a, context: {cluster: c}}\n"
                 "current-context: a\n", NULL,
                 ":6:33: clusters[0].cluster.certificate-authority-data: "
                 "both certificate-authority and certificate-authority-data "
                 "are given; give one");
    expect_error("clusters:\n"
                 "- name: c\n"
                 "  cluster:\n"
                 "    server: https://h\n"
                 "    certificate-authority-data: " CA_B64 "\n"
                 "    insecure-skip-tls-verify: true\n"
                 "contexts:\n"
                 "- {name: a, context: {cluster: c}}\n"
                 "current-context: a\n", NULL,
                 ":6:31: clusters[0].cluster.insecure-skip-tls-verify: a "
                 "certificate authority and insecure-skip-tls-verify cannot "
                 "both be given");
    expect_error("clusters:\n"
                 "- name: c\n"
                 "  cluster:\n"
                 "    server: https://h\n"
                 "    insecure-skip-tls-verify: yes please\n"
                 "contexts:\n"
                 "- {name: a, context: {cluster: c}}\n"
                 "current-context: a\n", NULL,
                 ":5:31: clusters[0].cluster.insecure-skip-tls-verify: must "
                 "be true or false");
    char *expected_missing = xasprintf(
        ":5:28: clusters[0].cluster.certificate-authority: %s/missing.crt: "
        "cannot read: No such file or directory", dir);
    expect_error("clusters:\n"
                 "- name: c\n"
                 "  cluster:\n"
                 "    server: https://h\n"
                 "    certificate-authority: missing.crt\n"
                 "contexts:\n"
                 "- {name: a, context: {cluster: c}}\n"
                 "current-context: a\n", NULL,
                 expected_missing);
    free(expected_missing);
}

Test(k8s_kubeconfig, bad_users, .init = setup, .fini = teardown)
{
    expect_error(KUBECONFIG_WITH_USER("    client-key-data: A*==\n"), NULL,
                 ":8:22: users[0].user.client-key-data: invalid base64 at "
                 "character 2");
    expect_error(KUBECONFIG_WITH_USER("    client-key-data: QUJD\n"
                                      "    client-certificate-data: QUJ\n"),
                 NULL,
                 ":9:30: users[0].user.client-certificate-data: invalid "
                 "base64: the text is cut short");
    expect_error(KUBECONFIG_WITH_USER("    client-certificate-data: "
                                      CERT_B64 "\n"), NULL,
                 ":8:5: users[0].user: a client certificate is given "
                 "without a client key");
    expect_error(KUBECONFIG_WITH_USER("    client-key-data: " KEY_B64 "\n"),
                 NULL,
                 ":8:5: users[0].user: a client key is given without a "
                 "client certificate");
    expect_error(KUBECONFIG_WITH_USER("    exec:\n"
                                      "      command: aws\n"), NULL,
                 ":9:7: users[0].user.exec: is not supported by this client "
                 "(use a token, a tokenFile or a client certificate)");
    expect_error(KUBECONFIG_WITH_USER("    username: admin\n"
                                      "    password: secret\n"), NULL,
                 ":8:15: users[0].user.username: is not supported by this "
                 "client (use a token, a tokenFile or a client "
                 "certificate)");
    char *expected_missing = xasprintf(
        ":8:16: users[0].user.tokenFile: %s/nope: cannot read: No such file "
        "or directory", dir);
    expect_error(KUBECONFIG_WITH_USER("    tokenFile: nope\n"), NULL,
                 expected_missing);
    free(expected_missing);
}

Test(k8s_kubeconfig, unreadable_and_malformed_files, .init = setup,
     .fini = teardown)
{
    char *error = NULL;
    char *path = xasprintf("%s/none", dir);
    cr_assert_null(k8s_config_from_kubeconfig(path, NULL, &error));
    char *want = xasprintf("%s: cannot read: No such file or directory",
                           path);
    cr_assert_str_eq(error, want);
    free(want);
    free(error);
    free(path);

    /* YAML errors come with their line. */
    expect_error("clusters:\n- name: c\n  cluster: [\n", NULL,
                 ":4:1: did not find expected node content (while parsing a "
                 "flow node that started at line 4)");
    expect_error("- just\n- a list\n", NULL,
                 ":1:1: a kubeconfig must be a mapping");
}

Test(k8s_kubeconfig, load_picks_kubeconfig_or_in_cluster, .init = setup,
     .fini = teardown)
{
    write_text_file(dir, "kubeconfig", sandbox_kubeconfig);
    char *path = xasprintf("%s/kubeconfig", dir);
    char *error = NULL;
    struct k8s_config *config = k8s_config_load(path, &error);
    cr_assert_not_null(config, "%s", error);
    cr_assert_str_eq(config->token, "0123abcd");
    k8s_config_destroy(config);
    free(path);

    /* "" means in-cluster, which fails outside a Pod. */
    unsetenv("KUBERNETES_SERVICE_HOST");
    cr_assert_null(k8s_config_load("", &error));
    cr_assert(strstr(error, "KUBERNETES_SERVICE_HOST"), "%s", error);
    free(error);
}

Test(k8s_kubeconfig, in_cluster, .init = setup, .fini = teardown)
{
    write_text_file(dir, "token", "sa-token\n");
    write_text_file(dir, "ca.crt", "CA\n");
    write_text_file(dir, "namespace", "kube-system");
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);

    char *error = NULL;
    struct k8s_config *config = k8s_config_in_cluster(dir, &error);
    cr_assert_not_null(config, "%s", error);
    cr_assert_str_eq(config->server, "https://10.96.0.1:443");
    char *path = xasprintf("%s/token", dir);
    cr_assert_str_eq(config->token_file, path);
    free(path);
    path = xasprintf("%s/ca.crt", dir);
    cr_assert_str_eq(config->ca_file, path);
    free(path);
    cr_assert_null(config->token);
    cr_assert_str_eq(config->namespace, "kube-system");
    cr_assert_str_eq(config->source, "in-cluster config");
    k8s_config_destroy(config);

    /* IPv6 service address; no namespace file. */
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    path = xasprintf("%s/namespace", dir);
    unlink(path);
    free(path);
    config = k8s_config_in_cluster(dir, &error);
    cr_assert_not_null(config, "%s", error);
    cr_assert_str_eq(config->server, "https://[fd00::1]:443");
    cr_assert_null(config->namespace);
    k8s_config_destroy(config);
}

Test(k8s_kubeconfig, in_cluster_errors, .init = setup, .fini = teardown)
{
    char *error = NULL;

    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    unsetenv("KUBERNETES_SERVICE_PORT");
    cr_assert_null(k8s_config_in_cluster(dir, &error));
    cr_assert_str_eq(error, "in-cluster config: KUBERNETES_SERVICE_HOST and "
                     "KUBERNETES_SERVICE_PORT must be set (not running in a "
                     "Pod? then give a kubeconfig)");
    free(error);

    setenv("KUBERNETES_SERVICE_PORT", "https", 1);
    cr_assert_null(k8s_config_in_cluster(dir, &error));
    cr_assert_str_eq(error, "in-cluster config: KUBERNETES_SERVICE_PORT "
                     "\"https\" is not a port number");
    free(error);

    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    cr_assert_null(k8s_config_in_cluster(dir, &error));
    char *want = xasprintf("in-cluster config: %s/token: cannot read token: "
                           "No such file or directory", dir);
    cr_assert_str_eq(error, want);
    free(want);
    free(error);

    write_text_file(dir, "token", " \n");
    cr_assert_null(k8s_config_in_cluster(dir, &error));
    want = xasprintf("in-cluster config: %s/token: the token file is empty",
                     dir);
    cr_assert_str_eq(error, want);
    free(want);
    free(error);

    write_text_file(dir, "token", "t\n");
    cr_assert_null(k8s_config_in_cluster(dir, &error));
    want = xasprintf("in-cluster config: %s/ca.crt: cannot read the CA "
                     "certificate: No such file or directory", dir);
    cr_assert_str_eq(error, want);
    free(want);
    free(error);
}
