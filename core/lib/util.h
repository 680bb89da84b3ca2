/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Small helpers every file uses: allocation that cannot fail (running out
 * of memory aborts with a message: a daemon that cannot allocate cannot
 * recover sensibly) and string formatting into fresh memory.
 */

#ifndef UTIL_H
#define UTIL_H 1

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antrea/host-api.h"    /* ANTREA_PRINTF_FORMAT */

#define ARRAY_SIZE(ARRAY) (sizeof (ARRAY) / sizeof (ARRAY)[0])

/* Casts 'POINTER' to 'TYPE', dropping const; for freeing memory a struct
 * exposes as const to its readers. */
#define CONST_CAST(TYPE, POINTER) ((TYPE) (uintptr_t) (POINTER))

/* The STRUCT whose member MEMBER 'POINTER' points to. */
#define CONTAINER_OF(POINTER, STRUCT, MEMBER) \
    ((STRUCT *) (void *) ((char *) (POINTER) - offsetof(STRUCT, MEMBER)))

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xmemdup0(const char *s, size_t length);
char *xasprintf(const char *format, ...) ANTREA_PRINTF_FORMAT(1, 2);
char *xvasprintf(const char *format, va_list args)
    ANTREA_PRINTF_FORMAT(1, 0);

/* Grows array 'p' of 'n' elements of 'elem_size' bytes, whose capacity is
 * '*allocated', so that it holds at least one more; returns the array. */
void *x2nrealloc(void *p, size_t *allocated, size_t elem_size);

/* Returns true if 's' begins (ends) with 'prefix' ('suffix'). */
bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);

/* Prints "PROGRAM: message" to stderr and aborts. */
void out_of_memory(void) __attribute__((noreturn));

#endif /* util.h */
