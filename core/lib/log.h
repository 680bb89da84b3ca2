/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Logging: messages at four levels (antrea/host-api.h's enum
 * antrea_log_level), filtered per module, written as one timestamped line
 * to stderr and, once log_open_syslog() is called, to syslog too.
 *
 * A module is a named source of messages with its own level.  Each core
 * .c file defines one with LOG_DEFINE_THIS_MODULE; each plugin gets one
 * named after itself at load time (log_module_get), since plugins log
 * through the host API into this module.  Operators set levels with
 * --log-level (log_set_levels), usually before the plugins load, so a
 * level given for a module that does not exist yet is remembered and
 * applied when it registers.
 *
 * This file owns the module registry; modules are never freed.
 *
 * Note: <syslog.h> defines LOG_ERR and LOG_INFO as priorities, which
 * clash with the macros here; a file that needs both must #undef them
 * before including <syslog.h> (as log.c does).
 */

#ifndef LOG_H
#define LOG_H 1

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "antrea/host-api.h"

/* A named source of log messages. */
struct log_module {
    const char *name;             /* e.g. "plugin-loader", "geneve" */
    enum antrea_log_level level;  /* messages above this are dropped */
    struct log_module *next;      /* registry list */
};

/* Defines 'this_log_module', the module the LOG_* macros of this .c file
 * log to, and registers it before main() runs.  NAME may be written bare
 * (LOG_DEFINE_THIS_MODULE(plugin-loader)) or as a string literal
 * (LOG_DEFINE_THIS_MODULE("plugin-loader")). */
#define LOG_DEFINE_THIS_MODULE(NAME)                                    \
    static struct log_module this_log_module = {                        \
        #NAME, ANTREA_LOG_INFO, NULL                                    \
    };                                                                  \
    static void log_register_this_module__(void)                        \
        __attribute__((constructor));                                   \
    static void                                                         \
    log_register_this_module__(void)                                    \
    {                                                                   \
        log_module_register(&this_log_module);                          \
    }                                                                   \
    struct log_module_semicolon__

/* printf-style logging to this file's module.  The arguments are not
 * evaluated when the level is disabled. */
#define LOG_ERR(...) LOG__(ANTREA_LOG_ERR, __VA_ARGS__)
#define LOG_WARN(...) LOG__(ANTREA_LOG_WARN, __VA_ARGS__)
#define LOG_INFO(...) LOG__(ANTREA_LOG_INFO, __VA_ARGS__)
#define LOG_DBG(...) LOG__(ANTREA_LOG_DBG, __VA_ARGS__)
#define LOG__(LEVEL, ...)                                               \
    do {                                                                \
        if (log_is_enabled(&this_log_module, LEVEL)) {                  \
            log_msg(&this_log_module, LEVEL, __VA_ARGS__);              \
        }                                                               \
    } while (0)

/* Modules. */
void log_module_register(struct log_module *);
struct log_module *log_module_get(const char *name);
struct log_module *log_module_find(const char *name);
void log_module_set_level(struct log_module *, enum antrea_log_level);

/* Emitting messages. */
void log_msg(struct log_module *, enum antrea_log_level,
             const char *format, ...) ANTREA_PRINTF_FORMAT(3, 4);
void log_msg_va(struct log_module *, enum antrea_log_level,
                const char *format, va_list) ANTREA_PRINTF_FORMAT(3, 0);
bool log_is_enabled(const struct log_module *, enum antrea_log_level);

/* Levels. */
const char *log_level_to_string(enum antrea_log_level);
bool log_level_from_string(const char *, enum antrea_log_level *);
int log_set_levels(const char *spec, char **errorp);
void log_set_default_level(enum antrea_log_level);
enum antrea_log_level log_get_default_level(void);

/* Destinations. */
void log_enable_stderr(bool);
void log_open_syslog(const char *ident);
void log_close_syslog(void);
void log_set_stream(FILE *);

#endif /* log.h */
