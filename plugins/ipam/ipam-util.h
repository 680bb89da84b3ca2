/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers shared by the IPAM modules (host-local, native): memory
 * allocation that never fails, formatted strings, the ANTREA_ERROR_SIZE
 * error buffers of the IPAM ops and a monotonic clock.  A module links no
 * core code, so this file is compiled into each module (as
 * plugins/encap/tunnel-port.c is for the tunnel modules); every symbol
 * declared here is hidden, leaving antrea_plugin_descriptor the module's
 * only export.
 *
 * Each module defines ipam_util_module_name, which names it in the one
 * message these helpers print (running out of memory).
 */

#ifndef IPAM_UTIL_H
#define IPAM_UTIL_H 1

#include <stddef.h>

#include "antrea/host-api.h"    /* ANTREA_PRINTF_FORMAT */

/* Keeps a symbol shared between this file and a module out of the
 * module's dynamic symbol table. */
#define IPAM_UTIL_HIDDEN __attribute__((visibility("hidden")))

/* The module's name for messages ("native IPAM"); each module defines
 * it. */
extern const char ipam_util_module_name[] IPAM_UTIL_HIDDEN;

/* Aborts with a message naming the module: the agent cannot do anything
 * useful without memory. */
void out_of_memory(void) IPAM_UTIL_HIDDEN __attribute__((noreturn));

/* malloc, realloc and strdup that never return NULL (a 0 size allocates
 * one byte). */
void *xmalloc(size_t size) IPAM_UTIL_HIDDEN;
void *xrealloc(void *p, size_t size) IPAM_UTIL_HIDDEN;
char *xstrdup(const char *s) IPAM_UTIL_HIDDEN;

/* Returns a malloc'd string formatted from 'format'. */
char *xasprintf(const char *format, ...)
    IPAM_UTIL_HIDDEN ANTREA_PRINTF_FORMAT(1, 2);

/* Writes a formatted reason into 'error', an ANTREA_ERROR_SIZE buffer
 * (cut to fit). */
void set_error(char *error, const char *format, ...)
    IPAM_UTIL_HIDDEN ANTREA_PRINTF_FORMAT(2, 3);

/* Returns a monotonic time in milliseconds. */
long long monotonic_msec(void) IPAM_UTIL_HIDDEN;

#endif /* ipam-util.h */
