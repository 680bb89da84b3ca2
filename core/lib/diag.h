/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A list of diagnostics (error messages) collected while checking input, so
 * that a user sees every problem of a config file at once, each naming the
 * place it came from.  The list owns its messages.
 */

#ifndef DIAG_H
#define DIAG_H 1

#include <stdbool.h>
#include <stddef.h>

#include "antrea/host-api.h"    /* ANTREA_PRINTF_FORMAT */

struct yaml_node;

struct diag {
    char **msgs;        /* the messages, in the order they were added */
    size_t n;           /* number of messages */
    size_t allocated;   /* capacity of 'msgs' */
};

#define DIAG_INITIALIZER { NULL, 0, 0 }

void diag_init(struct diag *);
void diag_destroy(struct diag *);

/* Adds a printf-style message as it is. */
void diag_add(struct diag *, const char *format, ...)
    ANTREA_PRINTF_FORMAT(2, 3);

/* Adds "FILE:LINE:COLUMN: PATH: message" for 'node' (just "message" if
 * 'node' is NULL; the "PATH: " part is left out for the root). */
void diag_add_at(struct diag *, const struct yaml_node *node,
                 const char *format, ...) ANTREA_PRINTF_FORMAT(3, 4);

bool diag_is_empty(const struct diag *);

/* Returns all messages joined by newlines, malloc'd ("" if none). */
char *diag_join(const struct diag *);

#endif /* diag.h */
