/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The plugin loader: finds a module file, opens it with libltdl, and checks
 * its descriptor against the ABI rules of antrea/plugin.h before any of its
 * code runs.  It knows nothing of the YAML or of which slot a module fills
 * (module-set.h decides that); it only answers "is this file a plugin we
 * can use, and what is it".
 *
 * A struct plugin owns the open library handle and a private, zero-padded
 * copy of the module's ops table; plugin_unload releases both.
 */

#ifndef PLUGIN_LOADER_H
#define PLUGIN_LOADER_H 1

#include <stddef.h>
#include <stdint.h>

#include "antrea/plugin.h"

/* A loaded, checked module. */
struct plugin {
    char *name;                 /* module name (= descriptor name) */
    char *file;                 /* the file it came from, absolute */
    enum antrea_plugin_kind kind;
    const struct antrea_plugin_descriptor *descriptor; /* in the module */
    const void *ops;            /* our copy of the ops table, at least as
                                   large as the kind's struct in this
                                   build, zero past the module's ops_size */
    void *lt_handle;            /* lt_dlhandle, opaque here */
};

/* Search path: the directories tried, in order, for NAME.so. */
struct plugin_path {
    char **dirs;
    size_t n;
};

/* Fills 'path' with 'plugin_dir' (if nonnull and nonempty), then each
 * element of the colon-separated ANTREA_PLUGIN_PATH environment variable. */
void plugin_path_init(struct plugin_path *path, const char *plugin_dir);
void plugin_path_destroy(struct plugin_path *path);

/* Returns the malloc'd path of the first 'dir/NAME.so' that exists, or
 * NULL with a malloc'd message in '*errorp' naming the module and every
 * directory searched. */
char *plugin_path_find(const struct plugin_path *path, const char *name,
                       char **errorp);

/* Opens the module file 'file' and checks it.  'expected_name' is the name
 * the caller asked for (the descriptor must carry it) or NULL to take the
 * file name without ".so".  Returns the plugin, or NULL with a malloc'd
 * one-line message in '*errorp' that names the file and the reason. */
struct plugin *plugin_load(const char *file, const char *expected_name,
                           char **errorp);

/* Runs the library's dlclose and frees 'plugin'.  Accepts NULL. */
void plugin_unload(struct plugin *plugin);

/* "encap-mode", "tunnel-type", "ipam", "ipsec", or "unknown". */
const char *plugin_kind_to_string(enum antrea_plugin_kind);

/* The size of the kind's ops struct at ABI 1.0: a module's ops_size must be
 * at least this.  0 for an unknown kind. */
size_t plugin_kind_min_ops_size(enum antrea_plugin_kind);

/* The size of the kind's ops struct in this build. */
size_t plugin_kind_ops_size(enum antrea_plugin_kind);

/* Initialises libltdl once; safe to call more than once. */
void plugin_loader_init(void);

#endif /* plugin-loader.h */
