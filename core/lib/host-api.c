/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The host API table handed to plugins; see host-api.h and the SDK's
 * antrea/host-api.h for the contract of every member.  Config nodes are the
 * yaml_node of yaml-tree.h under the SDK's opaque name.
 */

#include <config.h>
#include "host-api.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event-loop.h"
#include "log.h"
#include "util.h"
#include "yaml-tree.h"

/* The SDK names the node type opaquely; in the agent it is a yaml_node. */
static const struct yaml_node *
node_cast(const struct antrea_config_node *node)
{
    return (const struct yaml_node *) node;
}

static const struct antrea_config_node *
node_export(const struct yaml_node *node)
{
    return (const struct antrea_config_node *) node;
}

static void
host_log(struct antrea_host *host, enum antrea_log_level level,
         const char *format, ...)
{
    va_list args;
    va_start(args, format);
    log_msg_va(host->log_module, level, format, args);
    va_end(args);
}

static bool
host_log_enabled(struct antrea_host *host, enum antrea_log_level level)
{
    return log_is_enabled(host->log_module, level);
}

static enum antrea_config_type
host_config_type(const struct antrea_config_node *node_)
{
    const struct yaml_node *node = node_cast(node_);
    if (!node) {
        return ANTREA_CONFIG_NONE;
    }
    switch (node->type) {
    case YAML_NODE_SCALAR:
        return ANTREA_CONFIG_SCALAR;
    case YAML_NODE_SEQUENCE:
        return ANTREA_CONFIG_SEQUENCE;
    case YAML_NODE_MAPPING:
        return ANTREA_CONFIG_MAPPING;
    }
    return ANTREA_CONFIG_NONE;
}

static const struct antrea_config_node *
host_config_get(const struct antrea_config_node *map, const char *key)
{
    return node_export(yaml_node_get(node_cast(map), key));
}

static const char *
host_config_scalar(const struct antrea_config_node *node_)
{
    const struct yaml_node *node = node_cast(node_);
    return node && node->type == YAML_NODE_SCALAR ? node->scalar : NULL;
}

static size_t
host_config_count(const struct antrea_config_node *node_)
{
    const struct yaml_node *node = node_cast(node_);
    return (node && node->type != YAML_NODE_SCALAR ? node->n : 0);
}

static const struct antrea_config_node *
host_config_item(const struct antrea_config_node *node_, size_t i,
                 const char **keyp)
{
    const struct yaml_node *node = node_cast(node_);
    if (keyp) {
        *keyp = NULL;
    }
    if (!node || node->type == YAML_NODE_SCALAR || i >= node->n) {
        return NULL;
    }
    if (keyp && node->type == YAML_NODE_MAPPING) {
        *keyp = node->keys[i];
    }
    return node_export(node->items[i]);
}

/* Logs an error about 'node' of the plugin's config, prefixed with the
 * place it came from, and counts it. */
static void
host_config_error_va(struct antrea_host *host, const struct yaml_node *node,
                     const char *format, va_list args)
{
    char *msg = xvasprintf(format, args);
    if (node) {
        char *where = yaml_node_where(node);
        if (node->path && node->path[0]) {
            log_msg(host->log_module, ANTREA_LOG_ERR, "%s: %s: %s", where,
                    node->path, msg);
        } else {
            log_msg(host->log_module, ANTREA_LOG_ERR, "%s: %s", where, msg);
        }
        free(where);
    } else {
        log_msg(host->log_module, ANTREA_LOG_ERR, "module %s: %s",
                host->plugin_name, msg);
    }
    free(msg);
    host->n_config_errors++;
}

static void
host_config_error(struct antrea_host *host,
                  const struct antrea_config_node *node,
                  const char *format, ...)
{
    va_list args;
    va_start(args, format);
    host_config_error_va(host, node_cast(node), format, args);
    va_end(args);
}

/* Reports 'node' having the wrong type for what the plugin expects. */
static void
config_type_error(struct antrea_host *host, const struct yaml_node *node,
                  const char *expected)
{
    const char *got = (node->type == YAML_NODE_SCALAR ? node->scalar
                       : node->type == YAML_NODE_SEQUENCE ? "a sequence"
                       : "a mapping");
    host_config_error(host, node_export(node), "expected %s, got '%s'",
                      expected, got);
}

static int
host_config_check_keys(struct antrea_host *host,
                       const struct antrea_config_node *map_,
                       const char *const *known)
{
    const struct yaml_node *map = node_cast(map_);
    if (!map || yaml_node_is_null(map)) {
        return 0;
    }
    if (map->type != YAML_NODE_MAPPING) {
        config_type_error(host, map, "a mapping");
        return EINVAL;
    }

    int error = 0;
    for (size_t i = 0; i < map->n; i++) {
        bool found = false;
        for (size_t j = 0; known && known[j]; j++) {
            if (!strcmp(map->keys[i], known[j])) {
                found = true;
                break;
            }
        }
        if (!found) {
            host_config_error(host, node_export(map->key_nodes[i]),
                              "unknown key '%s' (module %s takes %s)",
                              map->keys[i], host->plugin_name,
                              known && known[0] ? "other keys" : "no keys");
            error = EINVAL;
        }
    }
    return error;
}

/* Looks up 'key' in 'map' for a typed getter: returns the scalar node, or
 * NULL if the key is absent or null (then the default applies).  Sets
 * '*errorp' to EINVAL, after reporting, if the value is not a scalar. */
static const struct yaml_node *
config_scalar_for(struct antrea_host *host,
                  const struct antrea_config_node *map, const char *key,
                  const char *expected, int *errorp)
{
    *errorp = 0;
    const struct yaml_node *node = yaml_node_get(node_cast(map), key);
    if (!node || yaml_node_is_null(node)) {
        return NULL;
    }
    if (node->type != YAML_NODE_SCALAR) {
        config_type_error(host, node, expected);
        *errorp = EINVAL;
        return NULL;
    }
    return node;
}

static int
host_config_get_string(struct antrea_host *host,
                       const struct antrea_config_node *map,
                       const char *key, const char *dflt,
                       const char **valuep)
{
    int error;
    const struct yaml_node *node = config_scalar_for(host, map, key,
                                                     "a string", &error);
    *valuep = node ? node->scalar : dflt;
    return error;
}

static int
host_config_get_int(struct antrea_host *host,
                    const struct antrea_config_node *map,
                    const char *key, long long dflt,
                    long long min, long long max, long long *valuep)
{
    int error;
    char *expected = xasprintf("an integer from %lld to %lld", min, max);
    const struct yaml_node *node = config_scalar_for(host, map, key,
                                                     expected, &error);
    *valuep = dflt;
    if (node) {
        char *end;
        errno = 0;
        long long value = strtoll(node->scalar, &end, 0);
        if (!node->plain || errno || end == node->scalar || *end
            || value < min || value > max) {
            config_type_error(host, node, expected);
            error = EINVAL;
        } else {
            *valuep = value;
        }
    }
    free(expected);
    return error;
}

static int
host_config_get_bool(struct antrea_host *host,
                     const struct antrea_config_node *map,
                     const char *key, bool dflt, bool *valuep)
{
    int error;
    const struct yaml_node *node = config_scalar_for(host, map, key,
                                                     "true or false", &error);
    *valuep = dflt;
    if (node) {
        if (node->plain && !strcasecmp(node->scalar, "true")) {
            *valuep = true;
        } else if (node->plain && !strcasecmp(node->scalar, "false")) {
            *valuep = false;
        } else {
            config_type_error(host, node, "true or false");
            error = EINVAL;
        }
    }
    return error;
}

static void
host_fd_wait(struct antrea_host *host, int fd, short events)
{
    if (host->loop) {
        event_loop_fd_wait(host->loop, fd, events);
    }
}

static void
host_timer_wait(struct antrea_host *host, long long msec)
{
    if (host->loop) {
        event_loop_timer_wait(host->loop, msec);
    }
}

static long long
host_time_msec(struct antrea_host *host)
{
    return time_msec();
}

static const char *
host_ovs_datapath_type(struct antrea_host *host)
{
    return host->ovs_datapath_type;
}

static const char *
host_ovs_bridge(struct antrea_host *host)
{
    return host->ovs_bridge;
}

static const struct antrea_host_api host_api = {
    .abi_major = ANTREA_PLUGIN_ABI_MAJOR,
    .abi_minor = ANTREA_PLUGIN_ABI_MINOR,
    .size = sizeof (struct antrea_host_api),
    .log = host_log,
    .log_enabled = host_log_enabled,
    .config_type = host_config_type,
    .config_get = host_config_get,
    .config_scalar = host_config_scalar,
    .config_count = host_config_count,
    .config_item = host_config_item,
    .config_check_keys = host_config_check_keys,
    .config_get_string = host_config_get_string,
    .config_get_int = host_config_get_int,
    .config_get_bool = host_config_get_bool,
    .config_error = host_config_error,
    .fd_wait = host_fd_wait,
    .timer_wait = host_timer_wait,
    .time_msec = host_time_msec,
    .ovs_datapath_type = host_ovs_datapath_type,
    .ovs_bridge = host_ovs_bridge,
};

const struct antrea_host_api *
host_api_get(void)
{
    return &host_api;
}

struct antrea_host *
antrea_host_create(const char *plugin_name, struct event_loop *loop,
                   const char *ovs_datapath_type, const char *ovs_bridge)
{
    struct antrea_host *host = xcalloc(1, sizeof *host);
    host->plugin_name = xstrdup(plugin_name);
    host->log_module = log_module_get(plugin_name);
    host->loop = loop;
    host->ovs_datapath_type = ovs_datapath_type;
    host->ovs_bridge = ovs_bridge;
    return host;
}

void
antrea_host_destroy(struct antrea_host *host)
{
    if (host) {
        free(host->plugin_name);
        free(host);
    }
}
