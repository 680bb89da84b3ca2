/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Defective plugin modules for the loader tests.  The same source builds
 * each of them; a -D flag picks the one defect it has.  Everything else
 * about each module is right, so that the loader must refuse it for that
 * defect and no other.
 */

#include <config.h>

#include "antrea/ipam.h"

/* The file name each module is built as, without ".so"; the descriptor
 * carries it (except in the name-mismatch module). */
#if defined(BAD_MAGIC)
#define MODULE_NAME "bad-magic"
#elif defined(ABI_MAJOR)
#define MODULE_NAME "abi-major"
#elif defined(ABI_MINOR)
#define MODULE_NAME "abi-minor"
#elif defined(NAME_MISMATCH)
#define MODULE_NAME "not-name-mismatch"
#elif defined(UNKNOWN_KIND)
#define MODULE_NAME "unknown-kind"
#elif defined(SMALL_OPS)
#define MODULE_NAME "small-ops"
#elif defined(SMALL_DESCRIPTOR)
#define MODULE_NAME "small-descriptor"
#elif defined(MISSING_OP)
#define MODULE_NAME "missing-op"
#else
#error "define one defect"
#endif

static int
bad_add(void *state, const struct antrea_ipam_request *req,
        struct antrea_ipam_result *result, char *error)
{
    return 0;
}

#ifndef MISSING_OP
static int
bad_del(void *state, const struct antrea_ipam_request *req, char *error)
{
    return 0;
}
#endif

static const struct antrea_ipam_ops bad_ops = {
    .add = bad_add,
#ifndef MISSING_OP
    .del = bad_del,
#endif
};

__attribute__((visibility("default")))
const struct antrea_plugin_descriptor antrea_plugin_descriptor = {
#ifdef BAD_MAGIC
    .magic = 0x7f454c46,
#else
    .magic = ANTREA_PLUGIN_MAGIC,
#endif
#ifdef ABI_MAJOR
    .abi_major = ANTREA_PLUGIN_ABI_MAJOR + 1,
#else
    .abi_major = ANTREA_PLUGIN_ABI_MAJOR,
#endif
#ifdef ABI_MINOR
    .abi_minor = ANTREA_PLUGIN_ABI_MINOR + 7,
#else
    .abi_minor = ANTREA_PLUGIN_ABI_MINOR,
#endif
#ifdef SMALL_DESCRIPTOR
    .descriptor_size = 16,
#else
    .descriptor_size = sizeof (struct antrea_plugin_descriptor),
#endif
#ifdef UNKNOWN_KIND
    .kind = 42,
#else
    .kind = ANTREA_PLUGIN_IPAM,
#endif
    .name = MODULE_NAME,
    .version = "1",
    .ops = &bad_ops,
#ifdef SMALL_OPS
    .ops_size = sizeof (struct antrea_plugin_lifecycle),
#else
    .ops_size = sizeof bad_ops,
#endif
};
