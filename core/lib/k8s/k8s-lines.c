/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Line splitting for watch streams; see k8s-lines.h.
 */

#include <config.h>
#include "k8s/k8s-lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Initializes 'lines' to split a new stream whose lines may be at most
 * 'max_length' bytes long (0 means K8S_LINES_DEFAULT_MAX). */
void
k8s_lines_init(struct k8s_lines *lines, size_t max_length)
{
    lines->partial = NULL;
    lines->partial_length = 0;
    lines->partial_allocated = 0;
    lines->max_length = max_length ? max_length : K8S_LINES_DEFAULT_MAX;
    lines->failed = false;
}

/* Frees what 'lines' holds (not 'lines' itself). */
void
k8s_lines_destroy(struct k8s_lines *lines)
{
    if (lines) {
        free(lines->partial);
        lines->partial = NULL;
        lines->partial_length = lines->partial_allocated = 0;
    }
}

/* Appends 'size' bytes at 'data' to the unfinished line. */
static void
partial_append(struct k8s_lines *lines, const char *data, size_t size)
{
    size_t needed = lines->partial_length + size;

    if (needed > lines->partial_allocated) {
        size_t allocated = lines->partial_allocated * 2;
        if (allocated < needed) {
            allocated = needed;
        }
        if (allocated < 256) {
            allocated = 256;
        }
        lines->partial = xrealloc(lines->partial, allocated);
        lines->partial_allocated = allocated;
    }
    memcpy(lines->partial + lines->partial_length, data, size);
    lines->partial_length = needed;
}

/* Passes the line at 'line' ('length' bytes, without its '\n') to 'func',
 * dropping a trailing '\r'.  Returns what 'func' returns. */
static bool
deliver(const char *line, size_t length, k8s_lines_func *func, void *aux)
{
    if (length && line[length - 1] == '\r') {
        length--;
    }
    return func(line, length, aux);
}

/* Splits the next 'size' bytes of the stream, at 'data', calling 'func'
 * with 'aux' for every line they complete.  The bytes after the last '\n'
 * are kept for the next call.
 *
 * Returns 0, or ECANCELED if 'func' returned false, or EMSGSIZE if a line
 * grew longer than the maximum; after EMSGSIZE every later call returns
 * EMSGSIZE at once. */
int
k8s_lines_feed(struct k8s_lines *lines, const char *data, size_t size,
               k8s_lines_func *func, void *aux)
{
    if (lines->failed) {
        return EMSGSIZE;
    }

    while (size) {
        const char *newline = memchr(data, '\n', size);
        size_t part = newline ? (size_t) (newline - data) : size;

        if (lines->partial_length + part > lines->max_length) {
            lines->failed = true;
            return EMSGSIZE;
        }
        if (!newline) {
            partial_append(lines, data, part);
            return 0;
        }

        bool go_on;
        if (lines->partial_length) {
            partial_append(lines, data, part);
            go_on = deliver(lines->partial, lines->partial_length, func,
                            aux);
            lines->partial_length = 0;
        } else {
            go_on = deliver(data, part, func, aux);
        }
        if (!go_on) {
            return ECANCELED;
        }
        data += part + 1;
        size -= part + 1;
    }
    return 0;
}

/* Returns the number of bytes of an unfinished line (0 at a line
 * boundary).  A stream that ends with some pending was cut short. */
size_t
k8s_lines_pending(const struct k8s_lines *lines)
{
    return lines->partial_length;
}
