/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Logging; see log.h.  This file owns the module registry, the levels set
 * by name (including those for modules not registered yet) and the
 * destinations.  One mutex guards all of it, so that messages from several
 * threads come out as whole lines in sequence-number order.
 */

#include <config.h>
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* <syslog.h> names its priorities LOG_ERR, LOG_INFO...: this file needs
 * those, not log.h's macros of the same names. */
#undef LOG_ERR
#undef LOG_INFO
#include <syslog.h>

#include "util.h"

/* Messages that fit are formatted on the stack; longer ones are allocated,
 * never truncated. */
#define LOG_STACK_BUFFER_SIZE 1024

/* A level set by module name with log_set_levels(), kept so that modules
 * registering later (plugins) get it too. */
struct named_level {
    char *name;                     /* module name */
    enum antrea_log_level level;    /* its level */
};

/* One item of a --log-level specification. */
struct level_item {
    char *module;                   /* module name, or NULL for all */
    enum antrea_log_level level;    /* the level */
};

/* Guards every static variable below. */
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

static struct log_module *modules;          /* all registered modules */
static enum antrea_log_level default_level = ANTREA_LOG_INFO;

static struct named_level *named_levels;    /* levels set by module name */
static size_t n_named_levels;               /* used 'named_levels' */
static size_t allocated_named_levels;       /* capacity of 'named_levels' */

static bool stderr_enabled = true;          /* write lines to the stream? */
static FILE *log_stream;                    /* NULL means stderr */
static bool syslog_enabled;                 /* log_open_syslog() called? */
static char *syslog_ident;                  /* openlog() keeps a pointer */
static uint32_t sequence;                   /* messages emitted so far */

/* Per level: the name in lines, and the syslog priority. */
static const char *const level_upper_names[] = {
    [ANTREA_LOG_ERR] = "ERR",
    [ANTREA_LOG_WARN] = "WARN",
    [ANTREA_LOG_INFO] = "INFO",
    [ANTREA_LOG_DBG] = "DBG",
};
static const char *const level_names[] = {
    [ANTREA_LOG_ERR] = "err",
    [ANTREA_LOG_WARN] = "warn",
    [ANTREA_LOG_INFO] = "info",
    [ANTREA_LOG_DBG] = "dbg",
};
static const int level_syslog_priorities[] = {
    [ANTREA_LOG_ERR] = LOG_ERR,
    [ANTREA_LOG_WARN] = LOG_WARNING,
    [ANTREA_LOG_INFO] = LOG_INFO,
    [ANTREA_LOG_DBG] = LOG_DEBUG,
};

static bool level_is_valid(enum antrea_log_level);
static enum antrea_log_level level_sanitize(enum antrea_log_level);
static struct log_module *module_find__(const char *name);
static void module_register__(struct log_module *);
static struct named_level *named_level_find__(const char *name);
static void named_level_set__(const char *name, enum antrea_log_level);
static void named_levels_clear__(void);
static void level_store(struct log_module *, enum antrea_log_level);
static int parse_level_item(char *item, const char *spec,
                            struct level_item *, char **errorp);
static bool module_name_is_valid(const char *);
static char *trim_spaces(char *);
static void emit__(const struct log_module *, enum antrea_log_level,
                   const char *msg, size_t msg_len);

/* Adds 'module' to the registry (once; later calls do nothing) and gives
 * it the level set for its name with log_set_levels(), or else the default
 * level.  LOG_DEFINE_THIS_MODULE calls it before main().  If the name is a
 * quoted string literal, the quotes are dropped. */
void
log_module_register(struct log_module *module)
{
    size_t name_len = strlen(module->name);
    if (name_len >= 2 && module->name[0] == '"'
        && module->name[name_len - 1] == '"') {
        module->name = xmemdup0(module->name + 1, name_len - 2);
    }

    pthread_mutex_lock(&log_mutex);
    module_register__(module);
    pthread_mutex_unlock(&log_mutex);
}

/* Returns the module called 'name', creating and registering it if there
 * is none (this is how plugins get theirs).  Never returns NULL. */
struct log_module *
log_module_get(const char *name)
{
    pthread_mutex_lock(&log_mutex);
    struct log_module *module = module_find__(name);
    if (!module) {
        module = xmalloc(sizeof *module);
        module->name = xstrdup(name);
        module->level = default_level;
        module->next = NULL;
        module_register__(module);
    }
    pthread_mutex_unlock(&log_mutex);
    return module;
}

/* Returns the module called 'name', or NULL if none is registered. */
struct log_module *
log_module_find(const char *name)
{
    pthread_mutex_lock(&log_mutex);
    struct log_module *module = module_find__(name);
    pthread_mutex_unlock(&log_mutex);
    return module;
}

/* Sets the level of 'module' alone (an invalid level counts as dbg). */
void
log_module_set_level(struct log_module *module, enum antrea_log_level level)
{
    level_store(module, level_sanitize(level));
}

/* Logs a printf-style message to 'module' at 'level', if that level is
 * enabled for the module.  One trailing newline is dropped. */
void
log_msg(struct log_module *module, enum antrea_log_level level,
        const char *format, ...)
{
    va_list args;

    va_start(args, format);
    log_msg_va(module, level, format, args);
    va_end(args);
}

/* Like log_msg(), with the arguments in 'args'. */
void
log_msg_va(struct log_module *module, enum antrea_log_level level,
           const char *format, va_list args)
{
    if (!log_is_enabled(module, level)) {
        return;
    }
    level = level_sanitize(level);

    char stack_buffer[LOG_STACK_BUFFER_SIZE];
    char *heap_buffer = NULL;
    const char *msg = stack_buffer;
    va_list args2;

    va_copy(args2, args);
    int n = vsnprintf(stack_buffer, sizeof stack_buffer, format, args);
    if (n < 0) {
        msg = "(message could not be formatted)";
        n = strlen(msg);
    } else if ((size_t) n >= sizeof stack_buffer) {
        heap_buffer = xmalloc((size_t) n + 1);
        vsnprintf(heap_buffer, (size_t) n + 1, format, args2);
        msg = heap_buffer;
    }
    va_end(args2);

    size_t msg_len = n;
    if (msg_len > 0 && msg[msg_len - 1] == '\n') {
        msg_len--;
    }

    pthread_mutex_lock(&log_mutex);
    emit__(module, level, msg, msg_len);
    pthread_mutex_unlock(&log_mutex);

    free(heap_buffer);
}

/* Returns true if a message at 'level' to 'module' would be logged. */
bool
log_is_enabled(const struct log_module *module, enum antrea_log_level level)
{
    return level <= __atomic_load_n(&module->level, __ATOMIC_RELAXED);
}

/* Returns the lower-case name of 'level' ("err", "warn", "info", "dbg"),
 * or "invalid". */
const char *
log_level_to_string(enum antrea_log_level level)
{
    return level_is_valid(level) ? level_names[level] : "invalid";
}

/* Parses 'name' as a level: err or error, warn or warning, info, dbg or
 * debug, in any case.  Returns true and stores it in '*levelp' on
 * success; returns false and leaves '*levelp' alone otherwise. */
bool
log_level_from_string(const char *name, enum antrea_log_level *levelp)
{
    static const struct {
        const char *name;               /* accepted spelling */
        enum antrea_log_level level;    /* what it means */
    } spellings[] = {
        { "err", ANTREA_LOG_ERR },
        { "error", ANTREA_LOG_ERR },
        { "warn", ANTREA_LOG_WARN },
        { "warning", ANTREA_LOG_WARN },
        { "info", ANTREA_LOG_INFO },
        { "dbg", ANTREA_LOG_DBG },
        { "debug", ANTREA_LOG_DBG },
    };

    if (!name) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(spellings); i++) {
        if (!strcasecmp(name, spellings[i].name)) {
            *levelp = spellings[i].level;
            return true;
        }
    }
    return false;
}

/* Applies the --log-level specification 'spec': a comma-separated list of
 * items, each either "LEVEL", which sets every module and the default for
 * modules registered later (overriding earlier items), or "MODULE:LEVEL",
 * which sets the module called MODULE, now if it is registered and
 * otherwise when it registers.  Items apply left to right.
 *
 * Returns 0 on success.  On a syntax error or an unknown level, changes
 * nothing and returns EINVAL, storing in '*errorp' (if 'errorp' is not
 * NULL) a malloc'd message naming the bad item; '*errorp' is NULL on
 * success. */
int
log_set_levels(const char *spec, char **errorp)
{
    char *error = NULL;
    int retval = 0;
    char *copy = xstrdup(spec ? spec : "");
    if (!*trim_spaces(copy)) {
        free(copy);
        if (errorp) {
            *errorp = xstrdup("empty log level specification");
        }
        return EINVAL;
    }

    struct level_item *items = NULL;
    size_t n_items = 0, allocated_items = 0;
    char *item = copy;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma) {
            *comma = '\0';
        }
        if (n_items >= allocated_items) {
            items = x2nrealloc(items, &allocated_items, sizeof *items);
        }
        retval = parse_level_item(item, spec, &items[n_items], &error);
        if (retval) {
            break;
        }
        n_items++;
        if (!comma) {
            break;
        }
        item = comma + 1;
    }

    if (!retval) {
        pthread_mutex_lock(&log_mutex);
        for (size_t i = 0; i < n_items; i++) {
            const struct level_item *it = &items[i];
            if (it->module) {
                named_level_set__(it->module, it->level);
                for (struct log_module *m = modules; m; m = m->next) {
                    if (!strcmp(m->name, it->module)) {
                        level_store(m, it->level);
                    }
                }
            } else {
                default_level = it->level;
                named_levels_clear__();
                for (struct log_module *m = modules; m; m = m->next) {
                    level_store(m, it->level);
                }
            }
        }
        pthread_mutex_unlock(&log_mutex);
    }

    for (size_t i = 0; i < n_items; i++) {
        free(items[i].module);
    }
    free(items);
    free(copy);

    if (errorp) {
        *errorp = error;
    } else {
        free(error);
    }
    return retval;
}

/* Sets the level of every module without a level set by name with
 * log_set_levels(), both those registered now and those registering
 * later.  The initial default is info. */
void
log_set_default_level(enum antrea_log_level level)
{
    level = level_sanitize(level);

    pthread_mutex_lock(&log_mutex);
    default_level = level;
    for (struct log_module *m = modules; m; m = m->next) {
        if (!named_level_find__(m->name)) {
            level_store(m, level);
        }
    }
    pthread_mutex_unlock(&log_mutex);
}

/* Returns the level modules registering later get unless one was set for
 * their name. */
enum antrea_log_level
log_get_default_level(void)
{
    pthread_mutex_lock(&log_mutex);
    enum antrea_log_level level = default_level;
    pthread_mutex_unlock(&log_mutex);
    return level;
}

/* Turns writing lines to stderr (or the log_set_stream() stream) on or
 * off.  It is on initially. */
void
log_enable_stderr(bool enable)
{
    pthread_mutex_lock(&log_mutex);
    stderr_enabled = enable;
    pthread_mutex_unlock(&log_mutex);
}

/* Starts sending messages to syslog too (facility daemon), tagged with
 * 'ident' and the process id.  Calling it again replaces the ident. */
void
log_open_syslog(const char *ident)
{
    pthread_mutex_lock(&log_mutex);
    if (syslog_enabled) {
        closelog();
    }
    free(syslog_ident);
    syslog_ident = xstrdup(ident ? ident : "antrea");
    openlog(syslog_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    syslog_enabled = true;
    pthread_mutex_unlock(&log_mutex);
}

/* Stops sending messages to syslog. */
void
log_close_syslog(void)
{
    pthread_mutex_lock(&log_mutex);
    if (syslog_enabled) {
        closelog();
        syslog_enabled = false;
    }
    free(syslog_ident);
    syslog_ident = NULL;
    pthread_mutex_unlock(&log_mutex);
}

/* Makes the stderr destination write to 'stream' instead (NULL: back to
 * stderr).  For tests.  The caller keeps ownership of 'stream' and must
 * switch away from it before closing it. */
void
log_set_stream(FILE *stream)
{
    pthread_mutex_lock(&log_mutex);
    log_stream = stream;
    pthread_mutex_unlock(&log_mutex);
}

/* Returns true if 'level' is one of the enum's values. */
static bool
level_is_valid(enum antrea_log_level level)
{
    return (unsigned int) level <= ANTREA_LOG_DBG;
}

/* Returns 'level', or dbg if it is out of range (a plugin may pass
 * anything through the host API). */
static enum antrea_log_level
level_sanitize(enum antrea_log_level level)
{
    return level_is_valid(level) ? level : ANTREA_LOG_DBG;
}

/* Stores 'level' into 'module' so that log_is_enabled() may read it from
 * any thread. */
static void
level_store(struct log_module *module, enum antrea_log_level level)
{
    __atomic_store_n(&module->level, level, __ATOMIC_RELAXED);
}

/* Returns the first registered module called 'name', or NULL.  Requires
 * 'log_mutex'. */
static struct log_module *
module_find__(const char *name)
{
    for (struct log_module *m = modules; m; m = m->next) {
        if (!strcmp(m->name, name)) {
            return m;
        }
    }
    return NULL;
}

/* Adds 'module' to the registry unless it is there, and sets its level.
 * Requires 'log_mutex'. */
static void
module_register__(struct log_module *module)
{
    for (struct log_module *m = modules; m; m = m->next) {
        if (m == module) {
            return;
        }
    }

    const struct named_level *named = named_level_find__(module->name);
    level_store(module, named ? named->level : default_level);
    module->next = modules;
    modules = module;
}

/* Returns the level set for module name 'name', or NULL.  Requires
 * 'log_mutex'. */
static struct named_level *
named_level_find__(const char *name)
{
    for (size_t i = 0; i < n_named_levels; i++) {
        if (!strcmp(named_levels[i].name, name)) {
            return &named_levels[i];
        }
    }
    return NULL;
}

/* Records 'level' for module name 'name'.  Requires 'log_mutex'. */
static void
named_level_set__(const char *name, enum antrea_log_level level)
{
    struct named_level *named = named_level_find__(name);
    if (!named) {
        if (n_named_levels >= allocated_named_levels) {
            named_levels = x2nrealloc(named_levels, &allocated_named_levels,
                                      sizeof *named_levels);
        }
        named = &named_levels[n_named_levels++];
        named->name = xstrdup(name);
    }
    named->level = level;
}

/* Forgets every level set by name.  Requires 'log_mutex'. */
static void
named_levels_clear__(void)
{
    for (size_t i = 0; i < n_named_levels; i++) {
        free(named_levels[i].name);
    }
    n_named_levels = 0;
}

/* Parses 'item' (modified in place), one item of specification 'spec',
 * into '*itemp'.  Returns 0, or EINVAL with a malloc'd message in
 * '*errorp'. */
static int
parse_level_item(char *item, const char *spec, struct level_item *itemp,
                 char **errorp)
{
    static const char valid_levels[] = "expected err, warn, info or dbg";
    char *text = trim_spaces(item);

    if (!*text) {
        *errorp = xasprintf("empty item in log level specification '%s'",
                            spec);
        return EINVAL;
    }

    char *colon = strchr(text, ':');
    if (!colon) {
        if (!log_level_from_string(text, &itemp->level)) {
            *errorp = xasprintf("unknown log level '%s' (%s; use "
                                "MODULE:LEVEL to set one module's level)",
                                text, valid_levels);
            return EINVAL;
        }
        itemp->module = NULL;
        return 0;
    }

    /* Keep 'text' whole for messages; parse copies of its two halves. */
    char *module = xmemdup0(text, colon - text);
    char *level = xstrdup(colon + 1);
    char *module_name = trim_spaces(module);
    char *level_name = trim_spaces(level);
    int error = 0;

    if (!*module_name) {
        *errorp = xasprintf("missing log module name in '%s'", text);
        error = EINVAL;
    } else if (!module_name_is_valid(module_name)) {
        *errorp = xasprintf("invalid log module name '%s' in '%s' (use "
                            "letters, digits, '-', '_' and '.')",
                            module_name, text);
        error = EINVAL;
    } else if (!*level_name) {
        *errorp = xasprintf("missing log level in '%s' (%s)",
                            text, valid_levels);
        error = EINVAL;
    } else if (!log_level_from_string(level_name, &itemp->level)) {
        *errorp = xasprintf("unknown log level '%s' in '%s' (%s)",
                            level_name, text, valid_levels);
        error = EINVAL;
    } else {
        itemp->module = xstrdup(module_name);
    }

    free(module);
    free(level);
    return error;
}

/* Returns true if 'name' could be a module's name. */
static bool
module_name_is_valid(const char *name)
{
    for (const char *p = name; *p; p++) {
        if (!isalnum((unsigned char) *p) && !strchr("-_.", *p)) {
            return false;
        }
    }
    return true;
}

/* Removes white space from both ends of 's' in place and returns the
 * start of what remains. */
static char *
trim_spaces(char *s)
{
    while (isspace((unsigned char) *s)) {
        s++;
    }
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char) s[len - 1])) {
        s[--len] = '\0';
    }
    return s;
}

/* Writes one message to every destination.  Requires 'log_mutex'. */
static void
emit__(const struct log_module *module, enum antrea_log_level level,
       const char *msg, size_t msg_len)
{
    uint32_t seq = ++sequence;

    if (stderr_enabled) {
        struct timespec now;
        struct tm tm;
        char date[32];
        char prefix[64];

        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        if (!strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm)) {
            date[0] = '\0';
        }
        int prefix_len = snprintf(prefix, sizeof prefix,
                                  "%s.%03ldZ|%05"PRIu32"|", date,
                                  (long) (now.tv_nsec / 1000000), seq);
        if (prefix_len < 0 || (size_t) prefix_len >= sizeof prefix) {
            prefix_len = 0;
        }

        /* Build the whole line first: a single fwrite keeps lines from
         * different threads or processes from mixing. */
        const char *level_name = level_upper_names[level];
        size_t name_len = strlen(module->name);
        size_t level_len = strlen(level_name);
        size_t line_len = prefix_len + name_len + 1 + level_len + 1
                          + msg_len + 1;
        char stack_line[LOG_STACK_BUFFER_SIZE + 128];
        char *line = (line_len <= sizeof stack_line
                      ? stack_line : xmalloc(line_len));
        char *p = line;

        memcpy(p, prefix, prefix_len);
        p += prefix_len;
        memcpy(p, module->name, name_len);
        p += name_len;
        *p++ = '|';
        memcpy(p, level_name, level_len);
        p += level_len;
        *p++ = '|';
        memcpy(p, msg, msg_len);
        p += msg_len;
        *p++ = '\n';

        FILE *stream = log_stream ? log_stream : stderr;
        fwrite(line, 1, line_len, stream);
        fflush(stream);

        if (line != stack_line) {
            free(line);
        }
    }

    if (syslog_enabled) {
        syslog(level_syslog_priorities[level], "%s|%.*s", module->name,
               msg_len > INT_MAX ? INT_MAX : (int) msg_len, msg);
    }
}
