/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The host API: the services the agent offers to plugins, as a table of
 * function pointers handed to each plugin's init (antrea/plugin.h).  A
 * plugin never resolves agent symbols by name, so it has no undefined
 * symbols and loads the same way whether the loader binds lazily or not.
 *
 * Versioning follows the plugin ABI: members are only ever appended, in a
 * minor ABI bump.  The loader refuses a plugin built for a newer minor than
 * the agent's, so every member a plugin was compiled against is present and
 * non-NULL in the table it receives.
 *
 * Every function takes the calling plugin's handle ('struct antrea_host *',
 * from init's arguments) first; the agent uses it to name the plugin in
 * logs and errors.  Unless a member says otherwise, functions may only be
 * called from the agent's main thread, during a call into the plugin.
 */

#ifndef ANTREA_HOST_API_H
#define ANTREA_HOST_API_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antrea/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Log severities, most severe first. */
enum antrea_log_level {
    ANTREA_LOG_ERR = 0,     /* an operation failed */
    ANTREA_LOG_WARN = 1,    /* something is wrong but work goes on */
    ANTREA_LOG_INFO = 2,    /* normal, notable events */
    ANTREA_LOG_DBG = 3,     /* detail for developers */
};

/* The shape of a node in the plugin's YAML config block. */
enum antrea_config_type {
    ANTREA_CONFIG_NONE = 0,     /* a NULL node: the key is absent */
    ANTREA_CONFIG_SCALAR = 1,   /* a string, number, boolean or null */
    ANTREA_CONFIG_SEQUENCE = 2,
    ANTREA_CONFIG_MAPPING = 3,
};

/* Event-loop interest, as for poll(2). */
#define ANTREA_FD_READ  0x1
#define ANTREA_FD_WRITE 0x4

#if defined(__GNUC__)
#define ANTREA_PRINTF_FORMAT(FMT, ARG0) \
    __attribute__((format(printf, FMT, ARG0)))
#else
#define ANTREA_PRINTF_FORMAT(FMT, ARG0)
#endif

struct antrea_host_api {
    /* ANTREA_PLUGIN_ABI_MAJOR and _MINOR of the agent, for information. */
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t size;          /* sizeof the table as the agent built it */

    /* Logging.  Messages carry the plugin's name as their module, so
     * operators can set a plugin's level with --log-level=NAME:LEVEL. */

    /* Logs a printf-style message at 'level'.  A trailing newline is
     * not needed. */
    void (*log)(struct antrea_host *, enum antrea_log_level level,
                const char *format, ...) ANTREA_PRINTF_FORMAT(3, 4);

    /* Returns true if a message at 'level' would be logged, so that a
     * plugin can skip building an expensive message. */
    bool (*log_enabled)(struct antrea_host *, enum antrea_log_level level);

    /* Configuration.  Nodes belong to the agent and stay valid until the
     * plugin's fini returns.  A NULL node is accepted everywhere and reads
     * as absent.  Getters that take a default return it (and 0) when the
     * key is absent; when the value has the wrong type or is out of range
     * they report it with config_error and return EINVAL. */

    /* Returns the shape of 'node'. */
    enum antrea_config_type (*config_type)(const struct antrea_config_node *);

    /* Returns the value of 'key' in mapping 'map', or NULL. */
    const struct antrea_config_node *(*config_get)(
        const struct antrea_config_node *map, const char *key);

    /* Returns the text of a scalar, or NULL if 'node' is not a scalar. */
    const char *(*config_scalar)(const struct antrea_config_node *);

    /* Returns the number of items in a sequence or pairs in a mapping; 0
     * for anything else. */
    size_t (*config_count)(const struct antrea_config_node *);

    /* Returns item 'i' of a sequence or the value of pair 'i' of a
     * mapping (and, for a mapping, its key in '*keyp' if 'keyp' is not
     * NULL); NULL if 'i' is out of range. */
    const struct antrea_config_node *(*config_item)(
        const struct antrea_config_node *, size_t i, const char **keyp);

    /* Reports every key of mapping 'map' that is not in the NULL-terminated
     * array 'known'.  Returns 0 if there is none, otherwise EINVAL.  Plugins
     * should call it: unknown keys are errors throughout the YAML. */
    int (*config_check_keys)(struct antrea_host *,
                             const struct antrea_config_node *map,
                             const char *const *known);

    /* Typed getters for 'key' in 'map'. */
    int (*config_get_string)(struct antrea_host *,
                             const struct antrea_config_node *map,
                             const char *key, const char *dflt,
                             const char **valuep);
    int (*config_get_int)(struct antrea_host *,
                          const struct antrea_config_node *map,
                          const char *key, long long dflt,
                          long long min, long long max, long long *valuep);
    int (*config_get_bool)(struct antrea_host *,
                           const struct antrea_config_node *map,
                           const char *key, bool dflt, bool *valuep);

    /* Reports a problem with 'node' (which may be NULL) as an error naming
     * the config file, line, column and the key's path. */
    void (*config_error)(struct antrea_host *,
                         const struct antrea_config_node *node,
                         const char *format, ...) ANTREA_PRINTF_FORMAT(3, 4);

    /* Event loop, for the lifecycle's wait member: each call adds a reason
     * to wake up from the agent's next poll. */

    /* Wakes when 'fd' has any of 'events' (ANTREA_FD_*). */
    void (*fd_wait)(struct antrea_host *, int fd, short events);

    /* Wakes after 'msec' milliseconds (0 or less: at once). */
    void (*timer_wait)(struct antrea_host *, long long msec);

    /* Returns a monotonic time in milliseconds. */
    long long (*time_msec)(struct antrea_host *);

    /* Facts about the agent's own configuration that plugins of several
     * kinds need.  The strings stay valid until fini returns. */

    /* Returns the YAML's ovsDatapathType: "system" or "netdev". */
    const char *(*ovs_datapath_type)(struct antrea_host *);

    /* Returns the YAML's ovsBridge, e.g. "br-int". */
    const char *(*ovs_bridge)(struct antrea_host *);
};

#ifdef __cplusplus
}
#endif

#endif /* antrea/host-api.h */
