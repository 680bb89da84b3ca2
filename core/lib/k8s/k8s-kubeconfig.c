/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Reading a kubeconfig file the way kubectl reads it: the context (the
 * current-context unless the caller names one) picks a cluster (server,
 * CA, insecure-skip-tls-verify) and a user (token or tokenFile, client
 * certificate and key, each as a file or inline base64 data); relative
 * file names are relative to the kubeconfig's directory.  Unknown keys are
 * ignored, as kubectl does, but authentication methods this client cannot
 * perform (exec, auth-provider, basic auth, impersonation) are errors
 * rather than silently unauthenticated requests.
 *
 * Every error names the file, line and column of the offending value and
 * its key path (through yaml-tree.h), e.g.
 *     admin.kubeconfig:7:5: users[0].user.client-key-data: invalid base64
 *     at character 12
 */

#include <config.h>
#include "k8s/k8s-config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "yaml-tree.h"

LOG_DEFINE_THIS_MODULE(k8s-kubeconfig);

/* The state of reading one kubeconfig. */
struct reader {
    const char *file;           /* the kubeconfig's name, for messages */
    char *dir;                  /* its directory, for relative paths */
    char *error;                /* the first error, or NULL */
};

/* Records the printf-style error about 'node' (or about the whole file if
 * 'node' is NULL), unless one is recorded already. */
static void ANTREA_PRINTF_FORMAT(3, 4)
reader_error(struct reader *r, const struct yaml_node *node,
             const char *format, ...)
{
    if (r->error) {
        return;
    }

    va_list args;
    va_start(args, format);
    char *msg = xvasprintf(format, args);
    va_end(args);

    if (node) {
        char *where = yaml_node_where(node);
        r->error = (node->path[0]
                    ? xasprintf("%s: %s: %s", where, node->path, msg)
                    : xasprintf("%s: %s", where, msg));
        free(where);
    } else {
        r->error = xasprintf("%s: %s", r->file, msg);
    }
    free(msg);
}

/* Returns the text of string value 'key' of mapping 'map', or NULL if it
 * is absent or null.  A value that is not a scalar is an error. */
static const char *
get_string(struct reader *r, const struct yaml_node *map, const char *key)
{
    const struct yaml_node *node = yaml_node_get(map, key);

    if (yaml_node_is_null(node)) {
        return NULL;
    } else if (node->type != YAML_NODE_SCALAR) {
        reader_error(r, node, "must be a string");
        return NULL;
    }
    return node->scalar;
}

/* Returns the boolean value 'key' of mapping 'map' (false if absent); a
 * value other than true or false is an error. */
static bool
get_bool(struct reader *r, const struct yaml_node *map, const char *key)
{
    const struct yaml_node *node = yaml_node_get(map, key);

    if (yaml_node_is_null(node)) {
        return false;
    } else if (node->type == YAML_NODE_SCALAR
               && (!strcmp(node->scalar, "true")
                   || !strcmp(node->scalar, "false"))) {
        return node->scalar[0] == 't';
    }
    reader_error(r, node, "must be true or false");
    return false;
}

/* Returns the value of 'key' of mapping 'map', which must be a mapping;
 * NULL (with an error) if it is absent or not a mapping. */
static const struct yaml_node *
get_mapping(struct reader *r, const struct yaml_node *map, const char *key)
{
    const struct yaml_node *node = yaml_node_get(map, key);

    if (!node || yaml_node_is_null(node)) {
        reader_error(r, map, "'%s' is missing", key);
        return NULL;
    } else if (node->type != YAML_NODE_MAPPING) {
        reader_error(r, node, "must be a mapping");
        return NULL;
    }
    return node;
}

/* Finds the entry named 'name' in the list 'list_key' (clusters, users or
 * contexts) of 'root' and returns its 'item_key' mapping (cluster, user or
 * context).  'ref' is the node that named it, for errors.  Returns NULL
 * with an error if there is no such entry or it is malformed. */
static const struct yaml_node *
find_named(struct reader *r, const struct yaml_node *root,
           const char *list_key, const char *item_key, const char *name,
           const struct yaml_node *ref)
{
    const struct yaml_node *list = yaml_node_get(root, list_key);

    if (list && !yaml_node_is_null(list)
        && list->type != YAML_NODE_SEQUENCE) {
        reader_error(r, list, "must be a list");
        return NULL;
    }
    for (size_t i = 0; list && i < list->n; i++) {
        const struct yaml_node *entry = list->items[i];
        if (entry->type != YAML_NODE_MAPPING) {
            reader_error(r, entry, "must be a mapping with 'name' and '%s'",
                         item_key);
            return NULL;
        }
        const char *entry_name = get_string(r, entry, "name");
        if (r->error) {
            return NULL;
        }
        if (entry_name && !strcmp(entry_name, name)) {
            return get_mapping(r, entry, item_key);
        }
    }
    reader_error(r, ref, "%s \"%s\" not found in '%s'", item_key, name,
                 list_key);
    return NULL;
}

/* Returns 'path' made absolute against the kubeconfig's directory, as a
 * malloc'd string. */
static char *
resolve_path(const struct reader *r, const char *path)
{
    return (path[0] == '/' || !r->dir
            ? xstrdup(path)
            : xasprintf("%s/%s", r->dir, path));
}

/* Returns the malloc'd absolute path given by 'key' of 'map', checked to
 * be readable, or NULL if absent (or on error). */
static char *
get_file(struct reader *r, const struct yaml_node *map, const char *key)
{
    const char *value = get_string(r, map, key);
    if (!value || !value[0]) {
        return NULL;
    }

    char *path = resolve_path(r, value);
    if (access(path, R_OK)) {
        reader_error(r, yaml_node_get(map, key), "%s: cannot read: %s", path,
                     strerror(errno));
        free(path);
        return NULL;
    }
    return path;
}

/* Returns the value (0 to 63) of base64 digit 'c', or -1. */
static int
base64_digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    } else if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    } else if (c == '+') {
        return 62;
    } else if (c == '/') {
        return 63;
    }
    return -1;
}

/* Decodes standard base64 'text' (line breaks allowed, padding required
 * as in Go's StdEncoding) into malloc'd '*datap' and '*sizep'.  Returns 0,
 * or the 1-based position of the first bad character, or -1 if the text
 * ends in the middle of a group. */
static long
base64_decode(const char *text, char **datap, size_t *sizep)
{
    size_t length = strlen(text);
    char *data = xmalloc(length / 4 * 3 + 3);
    size_t size = 0;
    unsigned int group = 0;
    int n_digits = 0, n_pad = 0;

    for (size_t i = 0; i < length; i++) {
        unsigned char c = text[i];
        if (c == '\n' || c == '\r') {
            continue;
        }
        if (c == '=') {
            if (n_digits < 2 || n_digits + n_pad >= 4) {
                free(data);
                return i + 1;
            }
            n_pad++;
        } else {
            int digit = base64_digit(c);
            if (digit < 0 || n_pad) {
                free(data);
                return i + 1;
            }
            group = (group << 6) | digit;
            n_digits++;
        }
        if (n_digits + n_pad == 4) {
            group <<= 6 * n_pad;
            data[size++] = group >> 16;
            if (n_pad < 2) {
                data[size++] = (group >> 8) & 0xff;
            }
            if (n_pad < 1) {
                data[size++] = group & 0xff;
            }
            group = 0;
            n_digits = n_pad = 0;
        }
    }
    if (n_digits || n_pad) {
        free(data);
        return -1;
    }
    *datap = data;
    *sizep = size;
    return 0;
}

/* Decodes the base64 value of 'key' of 'map' into '*datap' and '*sizep'.
 * Leaves them alone if absent; records an error if it is not valid
 * base64 or decodes to nothing. */
static void
get_data(struct reader *r, const struct yaml_node *map, const char *key,
         char **datap, size_t *sizep)
{
    const char *value = get_string(r, map, key);
    if (!value) {
        return;
    }

    const struct yaml_node *node = yaml_node_get(map, key);
    char *data;
    size_t size;
    long bad = base64_decode(value, &data, &size);
    if (bad > 0) {
        reader_error(r, node, "invalid base64 at character %ld", bad);
    } else if (bad < 0) {
        reader_error(r, node, "invalid base64: the text is cut short");
    } else if (!size) {
        reader_error(r, node, "is empty");
        free(data);
    } else {
        *datap = data;
        *sizep = size;
    }
}

/* Records an error if both 'file_key' and 'data_key' are set in 'map'. */
static void
check_not_both(struct reader *r, const struct yaml_node *map,
               const char *file_key, const char *data_key)
{
    if (!yaml_node_is_null(yaml_node_get(map, file_key))
        && !yaml_node_is_null(yaml_node_get(map, data_key))) {
        reader_error(r, yaml_node_get(map, data_key),
                     "both %s and %s are given; give one", file_key,
                     data_key);
    }
}

/* Fills the server and TLS settings of 'config' from the cluster mapping
 * 'cluster'. */
static void
read_cluster(struct reader *r, const struct yaml_node *cluster,
             struct k8s_config *config)
{
    const char *server = get_string(r, cluster, "server");
    if (r->error) {
        return;
    }
    if (!server || !server[0]) {
        reader_error(r, cluster, "'server' is missing");
        return;
    }
    if (!str_starts_with(server, "https://")
        && !str_starts_with(server, "http://")) {
        reader_error(r, yaml_node_get(cluster, "server"),
                     "\"%s\" is not an https:// or http:// URL", server);
        return;
    }
    size_t length = strlen(server);
    while (length && server[length - 1] == '/') {
        length--;
    }
    config->server = xmemdup0(server, length);

    check_not_both(r, cluster, "certificate-authority",
                   "certificate-authority-data");
    config->ca_file = get_file(r, cluster, "certificate-authority");
    get_data(r, cluster, "certificate-authority-data", &config->ca_data,
             &config->ca_data_size);
    config->insecure_skip_tls_verify
        = get_bool(r, cluster, "insecure-skip-tls-verify");
    if (config->insecure_skip_tls_verify
        && (config->ca_file || config->ca_data)) {
        reader_error(r, yaml_node_get(cluster, "insecure-skip-tls-verify"),
                     "a certificate authority and insecure-skip-tls-verify "
                     "cannot both be given");
    }

    static const char *const unsupported[] = { "proxy-url" };
    for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
        const struct yaml_node *node = yaml_node_get(cluster, unsupported[i]);
        if (!yaml_node_is_null(node)) {
            reader_error(r, node, "is not supported by this client");
        }
    }
    if (!yaml_node_is_null(yaml_node_get(cluster, "tls-server-name"))) {
        LOG_WARN("%s: tls-server-name is ignored: the server's certificate "
                 "must match the host of %s", r->file, config->server);
    }
}

/* Fills the credentials of 'config' from the user mapping 'user'. */
static void
read_user(struct reader *r, const struct yaml_node *user,
          struct k8s_config *config)
{
    static const char *const unsupported[] = {
        "exec", "auth-provider", "username", "password", "as", "as-groups",
        "as-user-extra",
    };
    for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
        const struct yaml_node *node = yaml_node_get(user, unsupported[i]);
        if (!yaml_node_is_null(node)) {
            reader_error(r, node, "is not supported by this client (use a "
                         "token, a tokenFile or a client certificate)");
            return;
        }
    }

    const char *token = get_string(r, user, "token");
    if (token && token[0]) {
        config->token = xstrdup(token);
    } else {
        /* As in client-go, tokenFile only counts without a token. */
        config->token_file = get_file(r, user, "tokenFile");
    }

    check_not_both(r, user, "client-certificate", "client-certificate-data");
    check_not_both(r, user, "client-key", "client-key-data");
    config->cert_file = get_file(r, user, "client-certificate");
    get_data(r, user, "client-certificate-data", &config->cert_data,
             &config->cert_data_size);
    config->key_file = get_file(r, user, "client-key");
    get_data(r, user, "client-key-data", &config->key_data,
             &config->key_data_size);
    if (r->error) {
        return;
    }

    bool has_cert = config->cert_file || config->cert_data;
    bool has_key = config->key_file || config->key_data;
    if (has_cert != has_key) {
        reader_error(r, user, "%s is given without %s",
                     has_cert ? "a client certificate" : "a client key",
                     has_cert ? "a client key" : "a client certificate");
    }
}

/* Returns the directory part of 'file', malloc'd, or NULL for the current
 * directory. */
static char *
dir_name(const char *file)
{
    const char *slash = strrchr(file, '/');
    if (!slash) {
        return NULL;
    }
    return slash == file ? xstrdup("/") : xmemdup0(file, slash - file);
}

/* Reads the whole kubeconfig document 'root' into 'config' for the
 * context 'context_name' (NULL: the current-context). */
static void
read_kubeconfig(struct reader *r, const struct yaml_node *root,
                const char *context_name, struct k8s_config *config)
{
    if (root->type != YAML_NODE_MAPPING) {
        reader_error(r, root, "a kubeconfig must be a mapping");
        return;
    }

    /* The context. */
    const struct yaml_node *name_node = yaml_node_get(root,
                                                      "current-context");
    if (!context_name) {
        context_name = get_string(r, root, "current-context");
        if (r->error) {
            return;
        }
        if (!context_name || !context_name[0]) {
            if (name_node) {
                reader_error(r, name_node, "is empty, and no context was "
                             "chosen");
            } else {
                reader_error(r, root, "current-context is not set, and no "
                             "context was chosen");
            }
            return;
        }
    } else {
        name_node = root;
    }
    const struct yaml_node *context = find_named(r, root, "contexts",
                                                 "context", context_name,
                                                 name_node);
    if (!context) {
        return;
    }

    /* The cluster. */
    const char *cluster_name = get_string(r, context, "cluster");
    if (r->error) {
        return;
    }
    if (!cluster_name || !cluster_name[0]) {
        reader_error(r, context, "context \"%s\" names no cluster",
                     context_name);
        return;
    }
    const struct yaml_node *cluster = find_named(
        r, root, "clusters", "cluster", cluster_name,
        yaml_node_get(context, "cluster"));
    if (!cluster) {
        return;
    }
    read_cluster(r, cluster, config);

    /* The user: none means no credentials (an http:// server, say). */
    const char *user_name = get_string(r, context, "user");
    if (!r->error && user_name && user_name[0]) {
        const struct yaml_node *user = find_named(
            r, root, "users", "user", user_name,
            yaml_node_get(context, "user"));
        if (user) {
            read_user(r, user, config);
        }
    }

    const char *ns = get_string(r, context, "namespace");
    if (ns && ns[0]) {
        config->namespace = xstrdup(ns);
    }
    config->source = xasprintf("kubeconfig %s (context %s)", r->file,
                               context_name);
}

/* Returns the configuration that the kubeconfig 'file' gives for the
 * context 'context' (NULL: its current-context).  Returns NULL with a
 * malloc'd message in '*errorp' that names the file, line and column if
 * the file cannot be read or parsed, the context, its cluster or its user
 * is missing or malformed, a credential file is unreadable, inline data is
 * not base64, or an unsupported authentication method is asked for. */
struct k8s_config *
k8s_config_from_kubeconfig(const char *file, const char *context,
                           char **errorp)
{
    struct yaml_tree *tree = yaml_tree_load(file, errorp);
    if (!tree) {
        return NULL;
    }

    struct reader r = { .file = file, .dir = dir_name(file) };
    struct k8s_config *config = xcalloc(1, sizeof *config);
    read_kubeconfig(&r, yaml_tree_root(tree), context, config);
    yaml_tree_destroy(tree);
    free(r.dir);

    if (r.error) {
        k8s_config_destroy(config);
        *errorp = r.error;
        return NULL;
    }
    *errorp = NULL;
    return config;
}
