/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Allocation and string helpers; see util.h.
 */

#include <config.h>
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

void
out_of_memory(void)
{
    fputs("antrea: out of memory\n", stderr);
    abort();
}

void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *
xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *
xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

char *
xmemdup0(const char *s, size_t length)
{
    char *p = xmalloc(length + 1);
    memcpy(p, s, length);
    p[length] = '\0';
    return p;
}

char *
xstrdup(const char *s)
{
    return xmemdup0(s, strlen(s));
}

char *
xvasprintf(const char *format, va_list args)
{
    va_list args2;
    va_copy(args2, args);
    int needed = vsnprintf(NULL, 0, format, args);
    if (needed < 0) {
        va_end(args2);
        return xstrdup("(formatting error)");
    }
    char *s = xmalloc((size_t) needed + 1);
    vsnprintf(s, (size_t) needed + 1, format, args2);
    va_end(args2);
    return s;
}

char *
xasprintf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *s = xvasprintf(format, args);
    va_end(args);
    return s;
}

void *
x2nrealloc(void *p, size_t *allocated, size_t elem_size)
{
    size_t n = *allocated ? *allocated * 2 : 4;
    if (n / 2 < *allocated || n > SIZE_MAX / elem_size) {
        out_of_memory();
    }
    *allocated = n;
    return xrealloc(p, n * elem_size);
}

bool
str_starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

bool
str_ends_with(const char *s, const char *suffix)
{
    size_t s_len = strlen(s);
    size_t suffix_len = strlen(suffix);
    return s_len >= suffix_len && !strcmp(s + s_len - suffix_len, suffix);
}
