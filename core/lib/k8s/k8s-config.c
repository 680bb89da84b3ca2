/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The client's connection settings: in-cluster configuration, choosing
 * between it and a kubeconfig, copying and freeing; see k8s-config.h.
 * Parsing kubeconfig files is k8s-kubeconfig.c's.
 */

#include <config.h>
#include "k8s/k8s-config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Secrets and CA bundles are small; this stops a wrong path such as
 * /dev/zero from reading forever. */
#define MAX_CREDENTIAL_FILE_SIZE (1024 * 1024)

/* Reads all of 'file', which may hold at most 'max_size' bytes, into a
 * malloc'd NUL-terminated '*datap' of '*sizep' bytes (not counting the
 * NUL).  Returns 0 or a positive errno value (EFBIG if it is larger). */
int
k8s_config_read_file(const char *file, size_t max_size, char **datap,
                     size_t *sizep)
{
    FILE *stream = fopen(file, "rb");
    if (!stream) {
        return errno;
    }

    size_t size = 0, allocated = 4096;
    char *data = xmalloc(allocated);
    int error = 0;
    for (;;) {
        size_t n = fread(data + size, 1, allocated - size - 1, stream);
        size += n;
        if (size > max_size) {
            error = EFBIG;
            break;
        }
        if (n == 0) {
            if (ferror(stream)) {
                error = errno ? errno : EIO;
            }
            break;
        }
        if (size + 1 >= allocated) {
            data = x2nrealloc(data, &allocated, 1);
        }
    }
    fclose(stream);

    if (error) {
        free(data);
        return error;
    }
    data[size] = '\0';
    *datap = data;
    *sizep = size;
    return 0;
}

/* Returns the malloc'd bearer token read from 'file', without surrounding
 * white space, or NULL with a malloc'd message naming the file in
 * '*errorp' if it cannot be read or holds no token. */
char *
k8s_config_read_token(const char *file, char **errorp)
{
    char *data;
    size_t size;
    int error = k8s_config_read_file(file, MAX_CREDENTIAL_FILE_SIZE, &data,
                                     &size);
    if (error) {
        *errorp = xasprintf("%s: cannot read token: %s", file,
                            error == EFBIG ? "file too large"
                            : strerror(error));
        return NULL;
    }

    char *start = data;
    while (*start && isspace((unsigned char) *start)) {
        start++;
    }
    char *end = start + strlen(start);
    while (end > start && isspace((unsigned char) end[-1])) {
        end--;
    }
    if (end == start) {
        *errorp = xasprintf("%s: the token file is empty", file);
        free(data);
        return NULL;
    }
    char *token = xmemdup0(start, end - start);
    free(data);
    *errorp = NULL;
    return token;
}

/* Returns the configuration of a process running in a Pod: the apiserver
 * at $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, authenticated with
 * the ServiceAccount token in 'sa_dir'/token (read again as it rotates),
 * trusting 'sa_dir'/ca.crt, in the namespace of 'sa_dir'/namespace if that
 * file exists.  'sa_dir' NULL means K8S_IN_CLUSTER_SA_DIR.
 *
 * Returns NULL with a malloc'd message in '*errorp' if a variable is
 * missing or the token or CA cannot be read. */
struct k8s_config *
k8s_config_in_cluster(const char *sa_dir, char **errorp)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");

    if (!sa_dir) {
        sa_dir = K8S_IN_CLUSTER_SA_DIR;
    }
    if (!host || !host[0] || !port || !port[0]) {
        *errorp = xstrdup("in-cluster config: KUBERNETES_SERVICE_HOST and "
                          "KUBERNETES_SERVICE_PORT must be set (not running "
                          "in a Pod? then give a kubeconfig)");
        return NULL;
    }
    for (const char *p = port; *p; p++) {
        if (!isdigit((unsigned char) *p)) {
            *errorp = xasprintf("in-cluster config: KUBERNETES_SERVICE_PORT "
                                "\"%s\" is not a port number", port);
            return NULL;
        }
    }

    char *token_file = xasprintf("%s/token", sa_dir);
    char *error = NULL;
    char *token = k8s_config_read_token(token_file, &error);
    if (!token) {
        *errorp = xasprintf("in-cluster config: %s", error);
        free(error);
        free(token_file);
        return NULL;
    }
    free(token);

    char *ca_file = xasprintf("%s/ca.crt", sa_dir);
    char *ca_data;
    size_t ca_size;
    int retval = k8s_config_read_file(ca_file, MAX_CREDENTIAL_FILE_SIZE,
                                      &ca_data, &ca_size);
    if (retval || !ca_size) {
        *errorp = xasprintf("in-cluster config: %s: cannot read the CA "
                            "certificate: %s", ca_file,
                            !retval ? "the file is empty"
                            : retval == EFBIG ? "file too large"
                            : strerror(retval));
        if (!retval) {
            free(ca_data);
        }
        free(ca_file);
        free(token_file);
        return NULL;
    }
    free(ca_data);

    struct k8s_config *config = xcalloc(1, sizeof *config);
    config->server = (strchr(host, ':')
                      ? xasprintf("https://[%s]:%s", host, port)
                      : xasprintf("https://%s:%s", host, port));
    config->ca_file = ca_file;
    config->token_file = token_file;
    config->source = xstrdup("in-cluster config");

    /* The namespace file is optional (client-go treats it so too). */
    char *ns_file = xasprintf("%s/namespace", sa_dir);
    char *ns = k8s_config_read_token(ns_file, &error);
    free(error);
    free(ns_file);
    config->namespace = ns;

    *errorp = NULL;
    return config;
}

/* Returns the configuration from the kubeconfig file 'kubeconfig' (its
 * current context), or the in-cluster configuration if 'kubeconfig' is
 * NULL or empty, as the programs' clientConnection.kubeconfig says.
 * Returns NULL with a malloc'd message in '*errorp' on failure. */
struct k8s_config *
k8s_config_load(const char *kubeconfig, char **errorp)
{
    if (kubeconfig && kubeconfig[0]) {
        return k8s_config_from_kubeconfig(kubeconfig, NULL, errorp);
    } else {
        return k8s_config_in_cluster(NULL, errorp);
    }
}

/* Returns a malloc'd copy of the 'size' bytes at 'data' (NUL-terminated),
 * or NULL if 'data' is NULL. */
static char *
memdup_or_null(const char *data, size_t size)
{
    return data ? xmemdup0(data, size) : NULL;
}

/* Returns a malloc'd copy of 's', or NULL if 's' is NULL. */
static char *
strdup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* Returns a deep copy of 'config'. */
struct k8s_config *
k8s_config_clone(const struct k8s_config *config)
{
    struct k8s_config *copy = xcalloc(1, sizeof *copy);

    copy->server = strdup_or_null(config->server);
    copy->ca_file = strdup_or_null(config->ca_file);
    copy->ca_data = memdup_or_null(config->ca_data, config->ca_data_size);
    copy->ca_data_size = config->ca_data_size;
    copy->cert_file = strdup_or_null(config->cert_file);
    copy->cert_data = memdup_or_null(config->cert_data,
                                     config->cert_data_size);
    copy->cert_data_size = config->cert_data_size;
    copy->key_file = strdup_or_null(config->key_file);
    copy->key_data = memdup_or_null(config->key_data, config->key_data_size);
    copy->key_data_size = config->key_data_size;
    copy->token = strdup_or_null(config->token);
    copy->token_file = strdup_or_null(config->token_file);
    copy->insecure_skip_tls_verify = config->insecure_skip_tls_verify;
    copy->namespace = strdup_or_null(config->namespace);
    copy->source = strdup_or_null(config->source);
    return copy;
}

/* Frees 'config' and everything it holds.  Key material is wiped before
 * it is freed.  Accepts NULL. */
void
k8s_config_destroy(struct k8s_config *config)
{
    if (!config) {
        return;
    }
    if (config->key_data) {
        memset(config->key_data, 0, config->key_data_size);
    }
    if (config->token) {
        memset(config->token, 0, strlen(config->token));
    }
    free(config->server);
    free(config->ca_file);
    free(config->ca_data);
    free(config->cert_file);
    free(config->cert_data);
    free(config->key_file);
    free(config->key_data);
    free(config->token);
    free(config->token_file);
    free(config->namespace);
    free(config->source);
    free(config);
}
