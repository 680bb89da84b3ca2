/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's set of modules: which module fills each slot (encap mode,
 * tunnel type, IPAM, IPsec), decided from the agent config, loaded through
 * the plugin loader, checked against each other and against the config,
 * then initialised in dependency order and finalised in reverse.
 *
 * The Antrea keys choose the built-in modules (trafficEncapMode: noEncap
 * loads "noencap", tunnelType: vxlan loads "vxlan", ...); the modules
 * section adds third-party modules and config blocks.  The encap mode's
 * flags decide which other slots are used at all.  docs/configuration.md
 * states the rules; module-set.c implements them.
 *
 * A module set owns its modules (plugins, host handles, plugin state).  It
 * points into the agent config it was loaded from, which must outlive it.
 */

#ifndef MODULE_SET_H
#define MODULE_SET_H 1

#include <stdbool.h>
#include <stdio.h>

struct agent_config;
struct antrea_host;
struct diag;
struct event_loop;
struct plugin;
struct yaml_node;

/* The slots, in init order: a module may rely on modules of earlier slots
 * being initialised (the encap mode is last: it uses all the others). */
enum module_slot {
    MODULE_SLOT_TUNNEL_TYPE,
    MODULE_SLOT_IPAM,
    MODULE_SLOT_IPSEC,
    MODULE_SLOT_ENCAP_MODE,
    N_MODULE_SLOTS
};

/* One module of the set. */
struct module {
    struct plugin *plugin;          /* the loaded, checked module */
    char *selected_by;              /* why it is loaded, for humans:
                                       "trafficEncapMode: encap" */
    const struct yaml_node *config; /* its block in the modules section,
                                       or NULL */
    struct antrea_host *host;       /* its host handle, once initialised */
    void *state;                    /* what its init returned */
    bool initialized;               /* init succeeded: fini is owed */
};

struct module_set {
    struct module *slots[N_MODULE_SLOTS]; /* NULL: slot unused */
};

/* Resolves and loads the modules 'config' selects into 'set' (which must be
 * zero-initialised).  Every problem is added to 'diag', naming the file and
 * place in the YAML and, for a module refused by the loader, the module
 * file and the reason.  Returns true if there was none; on failure 'set'
 * holds what did load and must still be destroyed. */
bool module_set_load(struct module_set *set, const struct agent_config *,
                     struct diag *diag);

/* Calls each module's init in slot order, with the config's values and
 * 'loop' (may be NULL) for the host API.  On the first failure, adds the
 * reason to 'diag', finalises the modules already initialised, in reverse,
 * and returns false. */
bool module_set_init(struct module_set *set, const struct agent_config *,
                     struct event_loop *loop, struct diag *diag);

/* Calls fini of every initialised module, in reverse slot order. */
void module_set_fini(struct module_set *set);

/* Finalises (if needed) and unloads every module. */
void module_set_destroy(struct module_set *set);

/* Returns the module in 'slot', or NULL. */
const struct module *module_set_get(const struct module_set *set,
                                    enum module_slot slot);

/* "encap mode", "tunnel type", "IPAM" or "IPsec". */
const char *module_slot_to_string(enum module_slot slot);

/* Prints the set as a table: name, kind, version, ABI, why, file. */
void module_set_print(const struct module_set *set, FILE *stream);

/* The module name a trafficEncapMode value selects ("noEncap" ->
 * "noencap"), or NULL for an unknown mode. */
const char *module_set_mode_module(const char *traffic_encap_mode);

#endif /* module-set.h */
