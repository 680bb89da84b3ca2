/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The plugin ABI: the descriptor every module exports, the ABI version, the
 * plugin kinds and the lifecycle every kind shares.
 *
 * A module is a shared object that exports exactly one data symbol,
 * 'antrea_plugin_descriptor' (ANTREA_PLUGIN_DEFINE writes it).  The agent
 * reads the descriptor before it calls any code in the module, and refuses
 * the module, naming the file and the reason, unless:
 *
 *   - 'magic' is ANTREA_PLUGIN_MAGIC;
 *   - 'abi_major' equals the agent's ANTREA_PLUGIN_ABI_MAJOR;
 *   - 'abi_minor' is not greater than the agent's ANTREA_PLUGIN_ABI_MINOR;
 *   - 'descriptor_size' covers at least the ABI 1.0 descriptor;
 *   - 'name' equals the file name without ".so";
 *   - 'kind' is one of enum antrea_plugin_kind;
 *   - 'ops' is not NULL and 'ops_size' covers the kind's ABI 1.0 ops table.
 *
 * A plugin built against an older minor has a shorter ops table: the agent
 * copies it into a zeroed table of its own size, so members appended in
 * later minors read as NULL (or 0) for it.  That is why every member added
 * after 1.0 must have a documented meaning for NULL.
 *
 * The plugin never calls the agent by symbol: everything it may use comes in
 * the host API table (antrea/host-api.h) handed to its init function.  Link
 * plugins with "-module -avoid-version -no-undefined -Wl,-z,now
 * -export-symbols-regex '^antrea_plugin_descriptor$'"; antrea-plugin.pc
 * carries those flags in its 'plugin_ldflags' variable.
 *
 * ABI changelog (newest first; every bump is recorded here):
 *
 *   1.2  2026-11-26  IPAM: optional del_batch (a burst of DELs released
 *                    with one write and fsync).
 *   1.1  2026-11-26  IPAM: optional add_batch (a burst of ADDs persisted
 *                    with one write and fsync).
 *   1.0  2026-11-26  First version: descriptor, host API 1, encap mode,
 *                    tunnel type, IPAM and IPsec kinds.
 */

#ifndef ANTREA_PLUGIN_H
#define ANTREA_PLUGIN_H 1

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* configure.ac reads these two lines; keep their shape. */
#define ANTREA_PLUGIN_ABI_MAJOR 1
#define ANTREA_PLUGIN_ABI_MINOR 2

/* "ANTP" in ASCII, first in the descriptor so that a random symbol of the
 * same name is refused before anything else is read. */
#define ANTREA_PLUGIN_MAGIC 0x414e5450u

/* The one symbol a module exports, as a string for the loader. */
#define ANTREA_PLUGIN_SYMBOL "antrea_plugin_descriptor"

/* What a module is for.  The agent has one slot per kind (see
 * docs/plugins.md); a module's kind decides which slot it can fill.  Values
 * are part of the ABI and never reused. */
enum antrea_plugin_kind {
    ANTREA_PLUGIN_ENCAP_MODE = 1,   /* antrea/encap-mode.h */
    ANTREA_PLUGIN_TUNNEL_TYPE = 2,  /* antrea/tunnel-type.h */
    ANTREA_PLUGIN_IPAM = 3,         /* antrea/ipam.h */
    ANTREA_PLUGIN_IPSEC = 4,        /* antrea/ipsec.h */
};

struct antrea_host_api;
struct antrea_host;
struct antrea_config_node;

/* What init receives.  The agent owns everything pointed to; all of it
 * stays valid until the plugin's fini returns.  The struct may grow: read
 * members past 'size' only after checking 'size'. */
struct antrea_plugin_init_args {
    size_t size;                      /* sizeof, as the agent built it */
    const struct antrea_host_api *api; /* services; see antrea/host-api.h */
    struct antrea_host *host;         /* this plugin's handle: the first
                                         argument of every api call */
    const struct antrea_config_node *config; /* the plugin's block from the
                                                modules section of the YAML,
                                                or NULL if it has none */
};

/* The lifecycle every kind shares.  It is the first member of every kind's
 * ops table.  All members may be NULL.
 *
 * The agent loads every module, checks every descriptor, then calls init in
 * dependency order (tunnel type, IPAM, IPsec, encap mode) and fini in the
 * reverse order.  All calls come from the agent's main thread unless a
 * kind's header says otherwise. */
struct antrea_plugin_lifecycle {
    /* Called once, before any other member of the ops table.  Validates
     * 'args->config' (reporting problems with api->config_error, which
     * names the file, line and column) and allocates the plugin's state,
     * stored in '*statep'; the agent passes it back to every later call and
     * never looks inside.  Returns 0 on success or a positive errno value;
     * on failure the agent logs, calls no other member (not even fini) and
     * refuses to start. */
    int (*init)(const struct antrea_plugin_init_args *args, void **statep);

    /* Called once, last.  Frees 'state' and everything the plugin owns. */
    void (*fini)(void *state);

    /* Called on every iteration of the agent's event loop, to do work that
     * is ready (a socket became readable, a timer expired). */
    void (*run)(void *state);

    /* Called on every iteration after run, to register with the host's
     * event loop (api->fd_wait, api->timer_wait) what would make run have
     * work to do.  Must not block and must not do work. */
    void (*wait)(void *state);
};

/* The descriptor.  Members up to 'reserved' are frozen for ABI major 1;
 * later minors may only give meaning to reserved slots. */
struct antrea_plugin_descriptor {
    uint32_t magic;             /* ANTREA_PLUGIN_MAGIC */
    uint16_t abi_major;         /* ANTREA_PLUGIN_ABI_MAJOR at build time */
    uint16_t abi_minor;         /* ANTREA_PLUGIN_ABI_MINOR at build time */
    uint32_t descriptor_size;   /* sizeof (struct antrea_plugin_descriptor) */
    uint32_t kind;              /* enum antrea_plugin_kind */
    const char *name;           /* module name; equals the file name
                                   without ".so" */
    const char *version;        /* the plugin's own version, free form */
    const char *description;    /* one line for humans; may be NULL */
    const void *ops;            /* the kind's ops table */
    uint32_t ops_size;          /* sizeof the ops table as built */
    uint32_t reserved32;        /* zero */
    const void *reserved[6];    /* NULL */
};

/* Defines the module's descriptor.  NAME is a string literal equal to the
 * file name without ".so", KIND an enum antrea_plugin_kind, OPS the kind's
 * ops struct (an lvalue, not a pointer). */
#define ANTREA_PLUGIN_DEFINE(NAME, KIND, VERSION, DESCRIPTION, OPS)      \
    __attribute__((visibility("default")))                              \
    const struct antrea_plugin_descriptor antrea_plugin_descriptor = {  \
        .magic = ANTREA_PLUGIN_MAGIC,                                   \
        .abi_major = ANTREA_PLUGIN_ABI_MAJOR,                           \
        .abi_minor = ANTREA_PLUGIN_ABI_MINOR,                           \
        .descriptor_size = sizeof (struct antrea_plugin_descriptor),    \
        .kind = (KIND),                                                 \
        .name = (NAME),                                                 \
        .version = (VERSION),                                           \
        .description = (DESCRIPTION),                                   \
        .ops = &(OPS),                                                  \
        .ops_size = sizeof (OPS),                                       \
    }

#ifdef __cplusplus
}
#endif

#endif /* antrea/plugin.h */
