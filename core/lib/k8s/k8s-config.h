/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Where the Kubernetes client's connection settings come from: a
 * kubeconfig file (k8s-kubeconfig.c parses it, as kubectl reads it) or the
 * in-cluster environment of a Pod (its ServiceAccount's token, CA and
 * namespace, and KUBERNETES_SERVICE_HOST/PORT).  Either way the result is
 * one struct k8s_config, which the client (k8s-client.h) copies.
 *
 * A config owns all its strings and buffers.
 */

#ifndef K8S_CONFIG_H
#define K8S_CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>

/* Where the in-cluster files are, unless a caller says otherwise. */
#define K8S_IN_CLUSTER_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* How to reach and authenticate to one apiserver.  For each credential,
 * at most one of the file and the data is set. */
struct k8s_config {
    char *server;               /* "https://HOST:PORT" (or http://), never
                                   with a trailing '/' */
    char *ca_file;              /* CA bundle (PEM) path, or NULL */
    char *ca_data;              /* CA bundle (PEM) bytes, or NULL */
    size_t ca_data_size;        /* bytes in 'ca_data' */
    char *cert_file;            /* client certificate (PEM) path, or NULL */
    char *cert_data;            /* client certificate (PEM) bytes, or NULL */
    size_t cert_data_size;      /* bytes in 'cert_data' */
    char *key_file;             /* client key (PEM) path, or NULL */
    char *key_data;             /* client key (PEM) bytes, or NULL */
    size_t key_data_size;       /* bytes in 'key_data' */
    char *token;                /* bearer token, or NULL */
    char *token_file;           /* file holding the bearer token, read
                                   again every minute (tokens rotate), or
                                   NULL; unused if 'token' is set */
    bool insecure_skip_tls_verify; /* do not check the server's
                                      certificate */
    char *namespace;            /* the context's or the Pod's namespace, or
                                   NULL */
    char *source;               /* for messages, e.g. "kubeconfig FILE
                                   (context NAME)" or "in-cluster config" */
};

struct k8s_config *k8s_config_from_kubeconfig(const char *file,
                                              const char *context,
                                              char **errorp);
struct k8s_config *k8s_config_in_cluster(const char *sa_dir, char **errorp);
struct k8s_config *k8s_config_load(const char *kubeconfig, char **errorp);
struct k8s_config *k8s_config_clone(const struct k8s_config *);
void k8s_config_destroy(struct k8s_config *);

/* Small credential files (also used by the client to re-read tokens). */
int k8s_config_read_file(const char *file, size_t max_size, char **datap,
                         size_t *sizep);
char *k8s_config_read_token(const char *file, char **errorp);

#endif /* k8s-config.h */
