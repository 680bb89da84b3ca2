/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Module resolution and lifecycle; see module-set.h.
 *
 * The rules, in the order they are applied:
 *   1. Every entry of the modules section is loaded; its kind decides its
 *      slot.  Two entries for one slot are an error.
 *   2. The encap mode slot, if still empty, gets the module that
 *      trafficEncapMode names.  If an entry filled it while the key was set
 *      explicitly to another mode, that is an error: the user said two
 *      different things.
 *   3. The encap mode's flags decide whether the tunnel type, IPAM and
 *      IPsec slots are used; a used, empty slot gets the module its key
 *      names (tunnelType, ipam, "ipsec"); an entry for an unused slot is an
 *      error, since it would silently do nothing.
 *   4. Cross-checks that need the modules: encryption, noSNAT, the
 *      datapath and the tunnel's options.
 */

#include <config.h>
#include "module-set.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent-config.h"
#include "antrea/encap-mode.h"
#include "antrea/host-api.h"
#include "antrea/tunnel-type.h"
#include "diag.h"
#include "host-api.h"
#include "log.h"
#include "plugin-loader.h"
#include "util.h"
#include "yaml-tree.h"

LOG_DEFINE_THIS_MODULE(module-set);

/* trafficEncapMode values and the built-in modules they select. */
static const struct {
    const char *mode;
    const char *module;
} mode_modules[] = {
    { "encap", "encap" },
    { "noEncap", "noencap" },
    { "hybrid", "hybrid" },
    { "networkPolicyOnly", "policyonly" },
};

/* The module a set trafficEncryptionMode: ipsec loads. */
#define IPSEC_MODULE "ipsec"

const char *
module_set_mode_module(const char *traffic_encap_mode)
{
    for (size_t i = 0; i < ARRAY_SIZE(mode_modules); i++) {
        if (!strcasecmp(traffic_encap_mode, mode_modules[i].mode)) {
            return mode_modules[i].module;
        }
    }
    return NULL;
}

const char *
module_slot_to_string(enum module_slot slot)
{
    switch (slot) {
    case MODULE_SLOT_TUNNEL_TYPE:
        return "tunnel type";
    case MODULE_SLOT_IPAM:
        return "IPAM";
    case MODULE_SLOT_IPSEC:
        return "IPsec";
    case MODULE_SLOT_ENCAP_MODE:
        return "encap mode";
    case N_MODULE_SLOTS:
        break;
    }
    return "unknown";
}

/* The slot a module of 'kind' fills. */
static enum module_slot
slot_for_kind(enum antrea_plugin_kind kind)
{
    switch (kind) {
    case ANTREA_PLUGIN_ENCAP_MODE:
        return MODULE_SLOT_ENCAP_MODE;
    case ANTREA_PLUGIN_TUNNEL_TYPE:
        return MODULE_SLOT_TUNNEL_TYPE;
    case ANTREA_PLUGIN_IPAM:
        return MODULE_SLOT_IPAM;
    case ANTREA_PLUGIN_IPSEC:
        return MODULE_SLOT_IPSEC;
    }
    return N_MODULE_SLOTS;
}

/* The kind that fills 'slot'. */
static enum antrea_plugin_kind
kind_for_slot(enum module_slot slot)
{
    switch (slot) {
    case MODULE_SLOT_TUNNEL_TYPE:
        return ANTREA_PLUGIN_TUNNEL_TYPE;
    case MODULE_SLOT_IPAM:
        return ANTREA_PLUGIN_IPAM;
    case MODULE_SLOT_IPSEC:
        return ANTREA_PLUGIN_IPSEC;
    case MODULE_SLOT_ENCAP_MODE:
    case N_MODULE_SLOTS:
        break;
    }
    return ANTREA_PLUGIN_ENCAP_MODE;
}

static struct module *
module_create(struct plugin *plugin, char *selected_by,
              const struct yaml_node *config)
{
    struct module *module = xcalloc(1, sizeof *module);
    module->plugin = plugin;
    module->selected_by = selected_by;
    module->config = config;
    return module;
}

static void
module_destroy(struct module *module)
{
    if (module) {
        antrea_host_destroy(module->host);
        plugin_unload(module->plugin);
        free(module->selected_by);
        free(module);
    }
}

/* Adds an error about key 'key' of 'cfg': at 'node' if the key was set
 * (diag_add_at then names the file, place and key), else naming the file
 * and the key as defaulted. */
static void ANTREA_PRINTF_FORMAT(5, 6)
key_error(struct diag *diag, const struct agent_config *cfg,
          const struct yaml_node *node, const char *key,
          const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *msg = xvasprintf(format, args);
    va_end(args);
    if (node) {
        diag_add_at(diag, node, "%s", msg);
    } else {
        diag_add(diag, "%s: %s (default): %s", cfg->file, key, msg);
    }
    free(msg);
}

/* Loads module 'name' (from 'file' if nonnull, else from the search path)
 * and returns it, or NULL after adding the reason to 'diag' at 'node'. */
static struct plugin *
load_module(const struct plugin_path *path, const char *name,
            const char *file, const struct agent_config *cfg,
            const char *key, const struct yaml_node *node,
            struct diag *diag)
{
    char *error = NULL;
    char *found = file ? xstrdup(file) : plugin_path_find(path, name, &error);
    struct plugin *plugin = NULL;
    if (found) {
        plugin = plugin_load(found, name, &error);
        free(found);
    }
    if (!plugin) {
        key_error(diag, cfg, node, key, "%s", error);
        free(error);
    }
    return plugin;
}

/* Describes where a key came from for 'selected_by'. */
static char *
selected_by_key(const char *key, const char *value,
                const struct yaml_node *node)
{
    if (!node) {
        return xasprintf("%s: %s (default)", key, value);
    }
    return xasprintf("%s: %s (line %d)", key, value, node->line);
}

/* Loads the entries of the modules section into their slots. */
static void
load_listed_modules(struct module_set *set, const struct agent_config *cfg,
                    const struct plugin_path *path, struct diag *diag)
{
    for (size_t i = 0; i < cfg->n_modules; i++) {
        const struct module_config *mc = &cfg->modules[i];
        struct plugin *plugin = load_module(path, mc->name, mc->file, cfg,
                                            "modules", mc->node, diag);
        if (!plugin) {
            continue;
        }

        enum module_slot slot = slot_for_kind(plugin->kind);
        struct module *other = set->slots[slot];
        if (other) {
            diag_add_at(diag, mc->node, "'%s' and '%s' are both "
                        "%s modules; the agent uses one of each kind",
                        other->plugin->name, plugin->name,
                        plugin_kind_to_string(plugin->kind));
            plugin_unload(plugin);
            continue;
        }
        set->slots[slot] = module_create(
            plugin, xasprintf("modules[%zu] (line %d)", i,
                              mc->node ? mc->node->line : 0),
            mc->config);
    }
}

/* Fills 'slot' from the key 'key' (whose value 'value', set at 'node' or
 * NULL if defaulted, selects module 'name') unless the modules section
 * already filled it; if it did and the key was set explicitly to another
 * module, that is a conflict. */
static void
fill_slot_from_key(struct module_set *set, const struct agent_config *cfg,
                   enum module_slot slot, const char *key, const char *value,
                   const char *name,
                   const struct yaml_node *node,
                   const struct plugin_path *path, struct diag *diag)
{
    struct module *module = set->slots[slot];
    if (module) {
        if (node && strcmp(module->plugin->name, name)) {
            diag_add_at(diag, node, "'%s' conflicts with module '%s' "
                        "listed in the modules section (%s); remove one of "
                        "them", name, module->plugin->name,
                        module->selected_by);
        }
        return;
    }

    struct plugin *plugin = load_module(path, name, NULL, cfg, key, node,
                                        diag);
    if (!plugin) {
        return;
    }
    enum antrea_plugin_kind want = kind_for_slot(slot);
    if (plugin->kind != want) {
        key_error(diag, cfg, node, key, "module '%s' (%s) is a %s module, "
                  "not a %s module", name, plugin->file,
                  plugin_kind_to_string(plugin->kind),
                  plugin_kind_to_string(want));
        plugin_unload(plugin);
        return;
    }
    set->slots[slot] = module_create(plugin,
                                     selected_by_key(key, value, node), NULL);
}

/* Refuses a module listed for a slot the encap mode does not use. */
static void
refuse_unused_slot(struct module_set *set, enum module_slot slot,
                   const char *mode_name, const char *why,
                   const struct agent_config *cfg, struct diag *diag)
{
    struct module *module = set->slots[slot];
    if (!module) {
        return;
    }
    const struct yaml_node *node = NULL;
    for (size_t i = 0; i < cfg->n_modules; i++) {
        if (!strcmp(cfg->modules[i].name, module->plugin->name)) {
            node = cfg->modules[i].node;
        }
    }
    diag_add_at(diag, node, "%s module '%s' is not used: encap "
                "mode '%s' %s", module_slot_to_string(slot),
                module->plugin->name, mode_name, why);
    module_destroy(module);
    set->slots[slot] = NULL;
}

/* Checks the config against the loaded modules' capabilities. */
static void
check_capabilities(const struct module_set *set,
                   const struct agent_config *cfg, struct diag *diag)
{
    const struct module *mode = set->slots[MODULE_SLOT_ENCAP_MODE];
    const struct antrea_encap_mode_ops *mode_ops = mode->plugin->ops;

    if (cfg->no_snat && !(mode_ops->flags & ANTREA_ENCAP_ALLOWS_NO_SNAT)) {
        diag_add_at(diag, cfg->no_snat_node, "true is not allowed with "
                    "encap mode '%s': Pod addresses are not routable "
                    "outside the cluster in this mode (Antrea allows it "
                    "only with noEncap)", mode->plugin->name);
    }

    const struct module *tunnel = set->slots[MODULE_SLOT_TUNNEL_TYPE];
    if (tunnel) {
        const struct antrea_tunnel_type_ops *t = tunnel->plugin->ops;
        if (!strcmp(cfg->ovs_datapath_type, "netdev")
            && !(t->flags & ANTREA_TUNNEL_USERSPACE)) {
            key_error(diag, cfg, cfg->tunnel_type_node, "tunnelType",
                      "'%s' is not implemented by the OVS userspace "
                      "datapath (ovsDatapathType: netdev); use geneve, "
                      "vxlan or gre, or the system datapath",
                      tunnel->plugin->name);
        }
        if (cfg->tunnel_csum && !(t->flags & ANTREA_TUNNEL_CSUM)) {
            diag_add(diag, "%s: tunnelCsum: true is not supported by "
                     "tunnel type '%s'", cfg->file, tunnel->plugin->name);
        }
    }
}

bool
module_set_load(struct module_set *set, const struct agent_config *cfg,
                struct diag *diag)
{
    size_t n_errors = diag->n;
    struct plugin_path path;
    plugin_path_init(&path, cfg->plugin_dir);

    load_listed_modules(set, cfg, &path, diag);

    const char *mode_name = module_set_mode_module(cfg->traffic_encap_mode);
    if (!mode_name) {
        /* agent-config validates the value; this is a safety net. */
        key_error(diag, cfg, cfg->traffic_encap_mode_node,
                  "trafficEncapMode", "unknown mode '%s'",
                  cfg->traffic_encap_mode);
        goto out;
    }
    fill_slot_from_key(set, cfg, MODULE_SLOT_ENCAP_MODE, "trafficEncapMode",
                       cfg->traffic_encap_mode, mode_name,
                       cfg->traffic_encap_mode_node, &path, diag);
    const struct module *mode = set->slots[MODULE_SLOT_ENCAP_MODE];
    if (!mode) {
        goto out;
    }
    uint32_t flags = ((const struct antrea_encap_mode_ops *)
                      mode->plugin->ops)->flags;
    const char *mode_module = mode->plugin->name;

    if (flags & ANTREA_ENCAP_USES_TUNNEL) {
        fill_slot_from_key(set, cfg, MODULE_SLOT_TUNNEL_TYPE, "tunnelType",
                           cfg->tunnel_type, cfg->tunnel_type,
                           cfg->tunnel_type_node, &path, diag);
    } else {
        refuse_unused_slot(set, MODULE_SLOT_TUNNEL_TYPE, mode_module,
                           "does not tunnel", cfg, diag);
    }

    if (flags & ANTREA_ENCAP_DOES_IPAM) {
        fill_slot_from_key(set, cfg, MODULE_SLOT_IPAM, "ipam", cfg->ipam,
                           cfg->ipam,
                           cfg->ipam_node, &path, diag);
    } else {
        refuse_unused_slot(set, MODULE_SLOT_IPAM, mode_module,
                           "does no IPAM (it is chained after another CNI)",
                           cfg, diag);
    }

    const char *encryption = cfg->traffic_encryption_mode;
    if (!strcasecmp(encryption, "ipsec")) {
        if (!(flags & ANTREA_ENCAP_ALLOWS_ENCRYPTION)) {
            key_error(diag, cfg, cfg->encryption_node,
                      "trafficEncryptionMode", "IPsec encryption is not "
                      "allowed with encap mode '%s' (Antrea allows it only "
                      "with encap)", mode_module);
        } else {
            /* Either key may have asked for it; name the one that did. */
            const struct yaml_node *node = cfg->encryption_node;
            fill_slot_from_key(set, cfg, MODULE_SLOT_IPSEC,
                               node ? node->path : "trafficEncryptionMode",
                               node ? node->scalar : "ipsec", IPSEC_MODULE,
                               node, &path, diag);
        }
    } else if (!strcasecmp(encryption, "wireGuard")) {
        key_error(diag, cfg, cfg->encryption_node, "trafficEncryptionMode",
                  "wireGuard is not supported by this project (the "
                  "kernels it targets have no WireGuard); use ipsec");
    } else {
        refuse_unused_slot(set, MODULE_SLOT_IPSEC, mode_module,
                           "is not asked to encrypt (trafficEncryptionMode "
                           "is none)", cfg, diag);
    }

    check_capabilities(set, cfg, diag);

out:
    plugin_path_destroy(&path);
    return diag->n == n_errors;
}

bool
module_set_init(struct module_set *set, const struct agent_config *cfg,
                struct event_loop *loop, struct diag *diag)
{
    for (int slot = 0; slot < N_MODULE_SLOTS; slot++) {
        struct module *module = set->slots[slot];
        if (!module || module->initialized) {
            continue;
        }

        const struct antrea_plugin_lifecycle *lc = module->plugin->ops;
        if (!module->host) {
            module->host = antrea_host_create(module->plugin->name, loop,
                                              cfg->ovs_datapath_type,
                                              cfg->ovs_bridge);
        }
        struct antrea_plugin_init_args args = {
            .size = sizeof args,
            .api = host_api_get(),
            .host = module->host,
            .config = (const struct antrea_config_node *) module->config,
        };
        int error = lc->init ? lc->init(&args, &module->state) : 0;
        if (!error && module->host->n_config_errors) {
            /* A module that reported config errors but returned 0 would
             * run with a config the user did not mean. */
            error = EINVAL;
            if (lc->fini) {
                lc->fini(module->state);
            }
        }
        if (error) {
            diag_add(diag, "module %s (%s, %s): init failed: %s%s",
                     module->plugin->name,
                     plugin_kind_to_string(module->plugin->kind),
                     module->plugin->file, strerror(error),
                     module->host->n_config_errors
                     ? " (its config errors are logged above)" : "");
            module_set_fini(set);
            return false;
        }
        module->initialized = true;
        LOG_DBG("module %s initialised", module->plugin->name);
    }
    return true;
}

void
module_set_fini(struct module_set *set)
{
    for (int slot = N_MODULE_SLOTS - 1; slot >= 0; slot--) {
        struct module *module = set->slots[slot];
        if (module && module->initialized) {
            const struct antrea_plugin_lifecycle *lc = module->plugin->ops;
            if (lc->fini) {
                lc->fini(module->state);
            }
            module->state = NULL;
            module->initialized = false;
            LOG_DBG("module %s finalised", module->plugin->name);
        }
    }
}

void
module_set_destroy(struct module_set *set)
{
    module_set_fini(set);
    for (int slot = 0; slot < N_MODULE_SLOTS; slot++) {
        module_destroy(set->slots[slot]);
        set->slots[slot] = NULL;
    }
}

const struct module *
module_set_get(const struct module_set *set, enum module_slot slot)
{
    return slot < N_MODULE_SLOTS ? set->slots[slot] : NULL;
}

void
module_set_print(const struct module_set *set, FILE *stream)
{
    fprintf(stream, "%-12s %-12s %-9s %-4s %-46s %s\n",
            "MODULE", "KIND", "VERSION", "ABI", "SELECTED BY", "FILE");
    /* Printed in the order a reader thinks of them: mode first. */
    static const enum module_slot order[] = {
        MODULE_SLOT_ENCAP_MODE, MODULE_SLOT_TUNNEL_TYPE,
        MODULE_SLOT_IPAM, MODULE_SLOT_IPSEC,
    };
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        const struct module *module = set->slots[order[i]];
        if (!module) {
            continue;
        }
        const struct antrea_plugin_descriptor *d = module->plugin->descriptor;
        char abi[16];
        snprintf(abi, sizeof abi, "%u.%u", d->abi_major, d->abi_minor);
        fprintf(stream, "%-12s %-12s %-9s %-4s %-46s %s\n",
                module->plugin->name, plugin_kind_to_string(d->kind),
                d->version, abi, module->selected_by, module->plugin->file);
    }
}
