/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers shared by the IPAM modules, compiled into each (ipam-util.h).
 */

#include <config.h>

#include "ipam-util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "antrea/net-types.h"   /* ANTREA_ERROR_SIZE */

/* Aborts, naming the module (ipam-util.h). */
void
out_of_memory(void)
{
    fprintf(stderr, "%s: out of memory\n", ipam_util_module_name);
    abort();
}

/* malloc that never returns NULL. */
void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

/* realloc that never returns NULL. */
void *
xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

/* strdup that never returns NULL. */
char *
xstrdup(const char *s)
{
    char *copy = strdup(s);
    if (!copy) {
        out_of_memory();
    }
    return copy;
}

/* Returns a malloc'd string formatted from 'format'. */
char *
xasprintf(const char *format, ...)
{
    va_list args;
    char *s;

    va_start(args, format);
    int n = vasprintf(&s, format, args);
    va_end(args);
    if (n < 0) {
        out_of_memory();
    }
    return s;
}

/* Writes a formatted reason into the ANTREA_ERROR_SIZE buffer 'error'. */
void
set_error(char *error, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vsnprintf(error, ANTREA_ERROR_SIZE, format, args);
    va_end(args);
}

/* Returns a monotonic time in milliseconds. */
long long
monotonic_msec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
