/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The list of diagnostics collected while checking input; see diag.h.
 * Positions come from the YAML tree (yaml-tree.h), so every message about
 * a config value names the file, line, column and key path.
 */

#include <config.h>
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "yaml-tree.h"

/* Initialises 'diag' as an empty list. */
void
diag_init(struct diag *diag)
{
    diag->msgs = NULL;
    diag->n = 0;
    diag->allocated = 0;
}

/* Frees every message of 'diag' and leaves it empty. */
void
diag_destroy(struct diag *diag)
{
    if (diag) {
        for (size_t i = 0; i < diag->n; i++) {
            free(diag->msgs[i]);
        }
        free(diag->msgs);
        diag_init(diag);
    }
}

/* Appends 'msg' to 'diag', which takes ownership of it. */
static void
diag_add_owned(struct diag *diag, char *msg)
{
    if (diag->n >= diag->allocated) {
        diag->msgs = x2nrealloc(diag->msgs, &diag->allocated,
                                sizeof *diag->msgs);
    }
    diag->msgs[diag->n++] = msg;
}

/* Adds a printf-style message as it is. */
void
diag_add(struct diag *diag, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    diag_add_owned(diag, xvasprintf(format, args));
    va_end(args);
}

/* Adds the printf-style message, prefixed with the place of 'node'. */
void
diag_add_at(struct diag *diag, const struct yaml_node *node,
            const char *format, ...)
{
    va_list args;

    va_start(args, format);
    char *msg = xvasprintf(format, args);
    va_end(args);

    if (node) {
        char *where = yaml_node_where(node);
        char *full = (node->path && node->path[0]
                      ? xasprintf("%s: %s: %s", where, node->path, msg)
                      : xasprintf("%s: %s", where, msg));
        free(where);
        free(msg);
        msg = full;
    }
    diag_add_owned(diag, msg);
}

/* Returns true if 'diag' holds no message. */
bool
diag_is_empty(const struct diag *diag)
{
    return !diag->n;
}

/* Returns all messages joined by newlines, malloc'd ("" if none). */
char *
diag_join(const struct diag *diag)
{
    size_t length = 0;
    for (size_t i = 0; i < diag->n; i++) {
        length += strlen(diag->msgs[i]) + 1;
    }

    char *s = xmalloc(length + 1);
    char *p = s;
    for (size_t i = 0; i < diag->n; i++) {
        size_t msg_length = strlen(diag->msgs[i]);
        if (i) {
            *p++ = '\n';
        }
        memcpy(p, diag->msgs[i], msg_length);
        p += msg_length;
    }
    *p = '\0';
    return s;
}
