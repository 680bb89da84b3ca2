/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The plugin loader; see plugin-loader.h.  Every check here guards the ABI
 * described in antrea/plugin.h, and every refusal names the file and the
 * reason in one line, because an operator who swapped a module in the YAML
 * must be able to tell at once what is wrong with it.
 */

#include <config.h>
#include "plugin-loader.h"

#include <errno.h>
#include <inttypes.h>
#include <ltdl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "antrea/encap-mode.h"
#include "antrea/ipam.h"
#include "antrea/ipsec.h"
#include "antrea/tunnel-type.h"
#include "util.h"

/* Sizes of each kind's ops struct at ABI 1.0, the least a module may have.
 * When a minor bump appends members, these stay: they are the baseline.
 * (They equal the current struct sizes but IPAM's, which 1.1 extended
 * with add_batch.) */
#define ENCAP_MODE_OPS_SIZE_1_0 sizeof (struct antrea_encap_mode_ops)
#define TUNNEL_TYPE_OPS_SIZE_1_0 sizeof (struct antrea_tunnel_type_ops)
#define IPAM_OPS_SIZE_1_0 offsetof(struct antrea_ipam_ops, add_batch)
#define IPSEC_OPS_SIZE_1_0 sizeof (struct antrea_ipsec_ops)

/* The descriptor as ABI 1.0 laid it out: anything shorter is refused. */
#define DESCRIPTOR_SIZE_1_0 sizeof (struct antrea_plugin_descriptor)

static char *check_descriptor(const struct antrea_plugin_descriptor *,
                              const char *expected_name);
static char *check_required_ops(enum antrea_plugin_kind, const void *ops);

void
plugin_loader_init(void)
{
    static bool initialized;

    if (!initialized) {
        /* lt_dlinit only fails if it cannot allocate; nothing to recover. */
        if (lt_dlinit()) {
            out_of_memory();
        }
        initialized = true;
    }
}

const char *
plugin_kind_to_string(enum antrea_plugin_kind kind)
{
    switch (kind) {
    case ANTREA_PLUGIN_ENCAP_MODE:
        return "encap-mode";
    case ANTREA_PLUGIN_TUNNEL_TYPE:
        return "tunnel-type";
    case ANTREA_PLUGIN_IPAM:
        return "ipam";
    case ANTREA_PLUGIN_IPSEC:
        return "ipsec";
    }
    return "unknown";
}

size_t
plugin_kind_min_ops_size(enum antrea_plugin_kind kind)
{
    switch (kind) {
    case ANTREA_PLUGIN_ENCAP_MODE:
        return ENCAP_MODE_OPS_SIZE_1_0;
    case ANTREA_PLUGIN_TUNNEL_TYPE:
        return TUNNEL_TYPE_OPS_SIZE_1_0;
    case ANTREA_PLUGIN_IPAM:
        return IPAM_OPS_SIZE_1_0;
    case ANTREA_PLUGIN_IPSEC:
        return IPSEC_OPS_SIZE_1_0;
    }
    return 0;
}

size_t
plugin_kind_ops_size(enum antrea_plugin_kind kind)
{
    switch (kind) {
    case ANTREA_PLUGIN_ENCAP_MODE:
        return sizeof (struct antrea_encap_mode_ops);
    case ANTREA_PLUGIN_TUNNEL_TYPE:
        return sizeof (struct antrea_tunnel_type_ops);
    case ANTREA_PLUGIN_IPAM:
        return sizeof (struct antrea_ipam_ops);
    case ANTREA_PLUGIN_IPSEC:
        return sizeof (struct antrea_ipsec_ops);
    }
    return 0;
}

void
plugin_path_init(struct plugin_path *path, const char *plugin_dir)
{
    path->dirs = NULL;
    path->n = 0;

    size_t allocated = 0;
    if (plugin_dir && plugin_dir[0]) {
        path->dirs = x2nrealloc(path->dirs, &allocated, sizeof *path->dirs);
        path->dirs[path->n++] = xstrdup(plugin_dir);
    }

    const char *env = getenv("ANTREA_PLUGIN_PATH");
    if (env) {
        char *copy = xstrdup(env);
        char *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir;
             dir = strtok_r(NULL, ":", &save)) {
            if (path->n >= allocated) {
                path->dirs = x2nrealloc(path->dirs, &allocated,
                                        sizeof *path->dirs);
            }
            path->dirs[path->n++] = xstrdup(dir);
        }
        free(copy);
    }
}

void
plugin_path_destroy(struct plugin_path *path)
{
    for (size_t i = 0; i < path->n; i++) {
        free(path->dirs[i]);
    }
    free(path->dirs);
    path->dirs = NULL;
    path->n = 0;
}

char *
plugin_path_find(const struct plugin_path *path, const char *name,
                 char **errorp)
{
    *errorp = NULL;

    /* A name is a file name, never a path: "../x" must not escape the
     * plugin directories. */
    if (!name[0] || strchr(name, '/')) {
        *errorp = xasprintf("module '%s': a module name may not be empty "
                            "or contain '/'", name);
        return NULL;
    }

    for (size_t i = 0; i < path->n; i++) {
        char *file = xasprintf("%s/%s.so", path->dirs[i], name);
        struct stat st;
        if (!stat(file, &st) && S_ISREG(st.st_mode)) {
            return file;
        }
        free(file);
    }

    size_t size = 0;
    for (size_t i = 0; i < path->n; i++) {
        size += strlen(path->dirs[i]) + 2;
    }
    char *dirs = xcalloc(1, size + 1);
    for (size_t i = 0; i < path->n; i++) {
        if (i) {
            strcat(dirs, ", ");
        }
        strcat(dirs, path->dirs[i]);
    }
    *errorp = xasprintf("module '%s' not found: no %s.so in %s%s", name,
                        name, path->n ? "" : "any directory: pluginDir is "
                        "empty and ANTREA_PLUGIN_PATH is unset", dirs);
    free(dirs);
    return NULL;
}

/* Returns the file name of 'file' without directories and ".so", malloc'd. */
static char *
module_name_from_file(const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t length = strlen(base);
    if (str_ends_with(base, ".so")) {
        length -= 3;
    }
    return xmemdup0(base, length);
}

struct plugin *
plugin_load(const char *file, const char *expected_name, char **errorp)
{
    *errorp = NULL;
    plugin_loader_init();

    /* libltdl would otherwise search its own paths and try suffixes;
     * we want exactly this file. */
    char *abs_file = realpath(file, NULL);
    if (!abs_file) {
        *errorp = xasprintf("%s: cannot load module: %s", file,
                            strerror(errno));
        return NULL;
    }

    lt_dladvise advise;
    if (lt_dladvise_init(&advise) || lt_dladvise_local(&advise)) {
        out_of_memory();
    }
    lt_dlhandle handle = lt_dlopenadvise(abs_file, advise);
    lt_dladvise_destroy(&advise);
    if (!handle) {
        *errorp = xasprintf("%s: cannot load module: %s", abs_file,
                            lt_dlerror());
        free(abs_file);
        return NULL;
    }

    const struct antrea_plugin_descriptor *descriptor
        = lt_dlsym(handle, ANTREA_PLUGIN_SYMBOL);
    char *name = (expected_name
                  ? xstrdup(expected_name)
                  : module_name_from_file(abs_file));
    char *reason = NULL;
    if (!descriptor) {
        reason = xasprintf("no '%s' symbol: not an antrea plugin module "
                           "(did it use ANTREA_PLUGIN_DEFINE?)",
                           ANTREA_PLUGIN_SYMBOL);
    } else {
        reason = check_descriptor(descriptor, name);
    }
    if (reason) {
        *errorp = xasprintf("%s: refused: %s", abs_file, reason);
        free(reason);
        free(name);
        free(abs_file);
        lt_dlclose(handle);
        return NULL;
    }

    /* Our own copy, zero-filled past what the module provides, so that
     * members appended in later minors read as NULL for older modules. */
    enum antrea_plugin_kind kind = descriptor->kind;
    size_t full_size = plugin_kind_ops_size(kind);
    void *ops = xcalloc(1, full_size);
    memcpy(ops, descriptor->ops,
           descriptor->ops_size < full_size ? descriptor->ops_size
                                            : full_size);
    reason = check_required_ops(kind, ops);
    if (reason) {
        *errorp = xasprintf("%s: refused: %s", abs_file, reason);
        free(reason);
        free(ops);
        free(name);
        free(abs_file);
        lt_dlclose(handle);
        return NULL;
    }

    struct plugin *plugin = xmalloc(sizeof *plugin);
    plugin->name = name;
    plugin->file = abs_file;
    plugin->kind = kind;
    plugin->descriptor = descriptor;
    plugin->ops = ops;
    plugin->lt_handle = handle;
    return plugin;
}

void
plugin_unload(struct plugin *plugin)
{
    if (plugin) {
        lt_dlclose(plugin->lt_handle);
        free(CONST_CAST(void *, plugin->ops));
        free(plugin->name);
        free(plugin->file);
        free(plugin);
    }
}

/* Checks 'd' against the ABI rules, in the order of antrea/plugin.h, so
 * that the first reason given is the most basic one.  Returns NULL if 'd'
 * is acceptable, else a malloc'd reason. */
static char *
check_descriptor(const struct antrea_plugin_descriptor *d,
                 const char *expected_name)
{
    if (d->magic != ANTREA_PLUGIN_MAGIC) {
        return xasprintf("bad magic 0x%08"PRIx32" in its descriptor "
                         "(expected 0x%08x): not an antrea plugin, or a "
                         "corrupt one", d->magic, ANTREA_PLUGIN_MAGIC);
    }
    if (d->abi_major != ANTREA_PLUGIN_ABI_MAJOR) {
        return xasprintf("built for plugin ABI %u.%u but this agent "
                         "implements ABI %d.%d: the ABI major differs; "
                         "rebuild the module against SDK %d.x",
                         d->abi_major, d->abi_minor,
                         ANTREA_PLUGIN_ABI_MAJOR, ANTREA_PLUGIN_ABI_MINOR,
                         ANTREA_PLUGIN_ABI_MAJOR);
    }
    if (d->abi_minor > ANTREA_PLUGIN_ABI_MINOR) {
        return xasprintf("built for plugin ABI %u.%u, newer than this "
                         "agent's ABI %d.%d: upgrade the agent or rebuild "
                         "the module against SDK %d.%d",
                         d->abi_major, d->abi_minor,
                         ANTREA_PLUGIN_ABI_MAJOR, ANTREA_PLUGIN_ABI_MINOR,
                         ANTREA_PLUGIN_ABI_MAJOR, ANTREA_PLUGIN_ABI_MINOR);
    }
    if (d->descriptor_size < DESCRIPTOR_SIZE_1_0) {
        return xasprintf("descriptor of %"PRIu32" bytes is smaller than the "
                         "%zu bytes of ABI %d.0", d->descriptor_size,
                         DESCRIPTOR_SIZE_1_0, ANTREA_PLUGIN_ABI_MAJOR);
    }
    if (!d->name || strcmp(d->name, expected_name)) {
        return xasprintf("its descriptor names it '%s' but it was loaded "
                         "as '%s': a module's name must match its file "
                         "name", d->name ? d->name : "(null)",
                         expected_name);
    }
    size_t min_ops_size = plugin_kind_min_ops_size(d->kind);
    if (!min_ops_size) {
        return xasprintf("unknown plugin kind %"PRIu32" (known: %d "
                         "encap-mode, %d tunnel-type, %d ipam, %d ipsec)",
                         d->kind, ANTREA_PLUGIN_ENCAP_MODE,
                         ANTREA_PLUGIN_TUNNEL_TYPE, ANTREA_PLUGIN_IPAM,
                         ANTREA_PLUGIN_IPSEC);
    }
    if (!d->ops) {
        return xasprintf("its descriptor has no ops table");
    }
    if (d->ops_size < min_ops_size) {
        return xasprintf("ops table of %"PRIu32" bytes is smaller than the "
                         "%zu bytes a %s module needs at ABI %d.0",
                         d->ops_size, min_ops_size,
                         plugin_kind_to_string(d->kind),
                         ANTREA_PLUGIN_ABI_MAJOR);
    }
    if (!d->version) {
        return xasprintf("its descriptor has no version");
    }
    return NULL;
}

/* Returns a malloc'd reason if one of the members that a 'kind' module
 * must implement (marked "Required" in its SDK header) is NULL in 'ops'. */
static char *
check_required_ops(enum antrea_plugin_kind kind, const void *ops)
{
    const char *missing = NULL;

    switch (kind) {
    case ANTREA_PLUGIN_ENCAP_MODE: {
        const struct antrea_encap_mode_ops *m = ops;
        if (!m->peer_path) {
            missing = "peer_path";
        }
        break;
    }
    case ANTREA_PLUGIN_TUNNEL_TYPE: {
        const struct antrea_tunnel_type_ops *t = ops;
        if (!t->ovs_type || !t->ovs_type[0]) {
            missing = "ovs_type";
        } else if (!t->port_spec) {
            missing = "port_spec";
        }
        break;
    }
    case ANTREA_PLUGIN_IPAM: {
        const struct antrea_ipam_ops *i = ops;
        if (!i->add) {
            missing = "add";
        } else if (!i->del) {
            missing = "del";
        }
        break;
    }
    case ANTREA_PLUGIN_IPSEC: {
        const struct antrea_ipsec_ops *s = ops;
        if (!s->peer_port_spec) {
            missing = "peer_port_spec";
        }
        break;
    }
    }
    return (missing
            ? xasprintf("its %s ops table lacks the required member '%s'",
                        plugin_kind_to_string(kind), missing)
            : NULL);
}
