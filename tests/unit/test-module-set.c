/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of module resolution: how Antrea's keys and the modules section
 * map onto the loaded module set, the errors for conflicting or impossible
 * combinations, and the init/fini order.  Real modules from the build tree
 * are loaded (ANTREA_PLUGIN_PATH, set by make check).
 */

#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-config.h"
#include "diag.h"
#include "log.h"
#include "module-set.h"
#include "plugin-loader.h"
#include "util.h"
#include "yaml-tree.h"

/* A config and the module set resolved from it. */
struct resolved {
    struct agent_config *cfg;
    struct module_set set;
    struct diag diag;
    bool ok;
};

/* Parses 'yaml' (which must be valid) and resolves its modules. */
static struct resolved *
resolve(const char *yaml)
{
    struct resolved *r = xcalloc(1, sizeof *r);
    diag_init(&r->diag);
    r->cfg = agent_config_parse("agent.conf", yaml, strlen(yaml), &r->diag);
    char *msgs = diag_join(&r->diag);
    cr_assert_not_null(r->cfg, "config did not parse: %s", msgs);
    free(msgs);
    r->ok = module_set_load(&r->set, r->cfg, &r->diag);
    return r;
}

static void
resolved_destroy(struct resolved *r)
{
    module_set_destroy(&r->set);
    agent_config_destroy(r->cfg);
    diag_destroy(&r->diag);
    free(r);
}

/* Asserts that the set is exactly 'mode', 'tunnel', 'ipam', 'ipsec' (NULL:
 * slot empty). */
static void
expect_modules(const struct resolved *r, const char *mode,
               const char *tunnel, const char *ipam, const char *ipsec)
{
    char *msgs = diag_join(&r->diag);
    cr_assert(r->ok, "resolution failed: %s", msgs);
    free(msgs);

    const char *want[N_MODULE_SLOTS] = {
        [MODULE_SLOT_ENCAP_MODE] = mode,
        [MODULE_SLOT_TUNNEL_TYPE] = tunnel,
        [MODULE_SLOT_IPAM] = ipam,
        [MODULE_SLOT_IPSEC] = ipsec,
    };
    for (int slot = 0; slot < N_MODULE_SLOTS; slot++) {
        const struct module *m = module_set_get(&r->set, slot);
        if (!want[slot]) {
            cr_expect_null(m, "%s slot holds '%s', expected nothing",
                           module_slot_to_string(slot),
                           m ? m->plugin->name : "");
        } else {
            cr_assert_not_null(m, "%s slot is empty, expected '%s'",
                               module_slot_to_string(slot), want[slot]);
            cr_expect_str_eq(m->plugin->name, want[slot]);
        }
    }
}

/* Asserts that resolution failed with a message containing 'text'. */
static void
expect_error(const struct resolved *r, const char *text)
{
    char *msgs = diag_join(&r->diag);
    cr_assert_not(r->ok, "resolution succeeded, expected '%s'", text);
    cr_expect(strstr(msgs, text) != NULL, "no '%s' in: %s", text, msgs);
    free(msgs);
}

Test(module_set, defaults_are_encap_geneve_host_local)
{
    struct resolved *r = resolve("");
    expect_modules(r, "encap", "geneve", "host-local", NULL);
    const struct module *m = module_set_get(&r->set, MODULE_SLOT_ENCAP_MODE);
    cr_expect_str_eq(m->selected_by, "trafficEncapMode: encap (default)");
    resolved_destroy(r);
}

Test(module_set, each_encap_mode_selects_its_modules)
{
    struct resolved *r = resolve("trafficEncapMode: noEncap\n");
    expect_modules(r, "noencap", NULL, "host-local", NULL);
    resolved_destroy(r);

    r = resolve("trafficEncapMode: hybrid\n");
    expect_modules(r, "hybrid", "geneve", "host-local", NULL);
    resolved_destroy(r);

    r = resolve("trafficEncapMode: networkPolicyOnly\ntunnelType: vxlan\n");
    expect_modules(r, "policyonly", NULL, NULL, NULL);
    resolved_destroy(r);

    r = resolve("trafficEncapMode: ENCAP\n");
    expect_modules(r, "encap", "geneve", "host-local", NULL);
    resolved_destroy(r);
}

Test(module_set, tunnel_type_and_ipam_keys_select_modules)
{
    static const char *const tunnels[] = { "geneve", "vxlan", "gre", "stt" };
    for (size_t i = 0; i < ARRAY_SIZE(tunnels); i++) {
        char *yaml = xasprintf("tunnelType: %s\nipam: native\n", tunnels[i]);
        struct resolved *r = resolve(yaml);
        expect_modules(r, "encap", tunnels[i], "native", NULL);
        const struct module *m = module_set_get(&r->set,
                                                MODULE_SLOT_TUNNEL_TYPE);
        char *want = xasprintf("tunnelType: %s (line 1)", tunnels[i]);
        cr_expect_str_eq(m->selected_by, want);
        free(want);
        resolved_destroy(r);
        free(yaml);
    }
}

Test(module_set, ipsec_is_loaded_when_encryption_is_asked)
{
    struct resolved *r = resolve("trafficEncryptionMode: ipsec\n");
    expect_modules(r, "encap", "geneve", "host-local", "ipsec");
    resolved_destroy(r);

    r = resolve("enableIPSecTunnel: true\ntunnelType: gre\n");
    expect_modules(r, "encap", "gre", "host-local", "ipsec");
    resolved_destroy(r);
}

Test(module_set, ipsec_is_refused_with_a_mode_that_does_not_allow_it)
{
    struct resolved *r = resolve("trafficEncapMode: noEncap\n"
                                 "trafficEncryptionMode: ipsec\n");
    expect_error(r, "agent.conf:2:24: trafficEncryptionMode: IPsec "
                 "encryption is not allowed with encap mode 'noencap'");
    resolved_destroy(r);

    r = resolve("trafficEncapMode: hybrid\nenableIPSecTunnel: true\n");
    expect_error(r, "agent.conf:2:20: enableIPSecTunnel: IPsec encryption "
                 "is not allowed with encap mode 'hybrid'");
    resolved_destroy(r);
}

Test(module_set, wireguard_is_refused)
{
    struct resolved *r = resolve("trafficEncryptionMode: wireGuard\n");
    expect_error(r, "wireGuard is not supported");
    resolved_destroy(r);
}

Test(module_set, stt_is_refused_on_the_userspace_datapath)
{
    struct resolved *r = resolve("ovsDatapathType: netdev\n"
                                 "tunnelType: stt\n");
    expect_error(r, "agent.conf:2:13: tunnelType: 'stt' is not implemented "
                 "by the OVS userspace datapath");
    resolved_destroy(r);

    r = resolve("ovsDatapathType: system\ntunnelType: stt\n");
    expect_modules(r, "encap", "stt", "host-local", NULL);
    resolved_destroy(r);

    r = resolve("ovsDatapathType: netdev\ntunnelType: vxlan\n");
    expect_modules(r, "encap", "vxlan", "host-local", NULL);
    resolved_destroy(r);
}

Test(module_set, tunnel_csum_needs_a_type_that_has_it)
{
    struct resolved *r = resolve("tunnelType: gre\ntunnelCsum: true\n");
    expect_error(r, "tunnelCsum: true is not supported by tunnel type "
                 "'gre'");
    resolved_destroy(r);

    r = resolve("tunnelType: geneve\ntunnelCsum: true\n");
    expect_modules(r, "encap", "geneve", "host-local", NULL);
    resolved_destroy(r);
}

Test(module_set, missing_module_is_named_with_its_line)
{
    struct resolved *r = resolve("ovsBridge: br-int\ntunnelType: nosuch\n");
    expect_error(r, "agent.conf:2:13: tunnelType: module 'nosuch' not "
                 "found: no "
                 "nosuch.so in ");
    resolved_destroy(r);
}

Test(module_set, module_of_the_wrong_kind_is_refused)
{
    struct resolved *r = resolve("tunnelType: host-local\n");
    expect_error(r, "tunnelType: module 'host-local' (");
    expect_error(r, ") is a ipam module, not a tunnel-type module");
    resolved_destroy(r);
}

Test(module_set, no_snat_only_where_the_mode_allows_it)
{
    struct resolved *r = resolve("noSNAT: true\n");
    expect_error(r, "agent.conf:1:9: noSNAT: true is not allowed "
                 "with encap mode 'encap'");
    resolved_destroy(r);

    r = resolve("trafficEncapMode: noEncap\nnoSNAT: true\n");
    expect_modules(r, "noencap", NULL, "host-local", NULL);
    resolved_destroy(r);
}

Test(module_set, modules_section_fills_slots_of_defaulted_keys)
{
    struct resolved *r = resolve("modules:\n"
                                 "  - name: native\n"
                                 "    config:\n"
                                 "      dataDir: /tmp/x\n"
                                 "  - name: vxlan\n");
    expect_modules(r, "encap", "vxlan", "native", NULL);
    const struct module *m = module_set_get(&r->set, MODULE_SLOT_IPAM);
    cr_expect_str_eq(m->selected_by, "modules[0] (line 2)");
    cr_assert_not_null(m->config);
    cr_expect_eq(m->config->line, 4);
    resolved_destroy(r);
}

Test(module_set, modules_section_conflicting_with_an_explicit_key)
{
    struct resolved *r = resolve("ipam: host-local\n"
                                 "modules:\n"
                                 "  - name: native\n");
    expect_error(r, "agent.conf:1:7: ipam: 'host-local' conflicts with "
                 "module 'native' listed in the modules section");
    resolved_destroy(r);

    /* The same module named by both is no conflict. */
    r = resolve("ipam: native\nmodules:\n  - name: native\n");
    expect_modules(r, "encap", "geneve", "native", NULL);
    resolved_destroy(r);
}

Test(module_set, two_modules_for_one_slot)
{
    struct resolved *r = resolve("modules:\n"
                                 "  - name: native\n"
                                 "  - name: host-local\n");
    expect_error(r, "agent.conf:3:5: modules[1]: 'native' and 'host-local' "
                 "are both ipam modules");
    resolved_destroy(r);
}

Test(module_set, module_for_an_unused_slot_is_refused)
{
    struct resolved *r = resolve("trafficEncapMode: noEncap\n"
                                 "modules:\n"
                                 "  - name: vxlan\n");
    expect_error(r, "agent.conf:3:5: modules[0]: tunnel type module "
                 "'vxlan' is not used: "
                 "encap mode 'noencap' does not tunnel");
    resolved_destroy(r);

    r = resolve("trafficEncapMode: networkPolicyOnly\n"
                "modules:\n"
                "  - name: native\n");
    expect_error(r, "IPAM module 'native' is not used: encap mode "
                 "'policyonly' does no IPAM");
    resolved_destroy(r);
}

Test(module_set, listed_module_file_is_used_as_given)
{
    struct resolved *r = resolve("modules:\n"
                                 "  - name: gre\n"
                                 "    file: /nonexistent/gre.so\n");
    expect_error(r, "agent.conf:2:5: modules[0]: /nonexistent/gre.so: "
                 "cannot load "
                 "module: No such file or directory");
    resolved_destroy(r);
}

Test(module_set, init_runs_in_slot_order_and_fini_in_reverse)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&buf, &size);
    cr_assert_not_null(stream);
    log_set_stream(stream);
    char *error = NULL;
    cr_assert_eq(log_set_levels("module-set:dbg", &error), 0, "%s", error);

    struct resolved *r = resolve("ipam: native\nmodules:\n"
                                 "  - name: native\n"
                                 "    config: {dataDir: /tmp}\n");
    expect_modules(r, "encap", "geneve", "native", NULL);
    cr_assert(module_set_init(&r->set, r->cfg, NULL, &r->diag));
    module_set_fini(&r->set);
    resolved_destroy(r);
    fflush(stream);

    const char *order[] = {
        "module geneve initialised", "module native initialised",
        "module encap initialised", "module encap finalised",
        "module native finalised", "module geneve finalised",
    };
    const char *p = buf;
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        const char *found = strstr(p, order[i]);
        cr_assert_not_null(found, "'%s' missing or out of order in:\n%s",
                           order[i], buf);
        p = found + strlen(order[i]);
    }
    log_set_stream(NULL);
    fclose(stream);
    free(buf);
}

Test(module_set, init_failure_is_reported_and_unwinds)
{
    struct resolved *r = resolve("modules:\n"
                                 "  - name: geneve\n"
                                 "    config:\n"
                                 "      colour: blue\n");
    expect_modules(r, "encap", "geneve", "host-local", NULL);
    cr_assert_not(module_set_init(&r->set, r->cfg, NULL, &r->diag));
    char *msgs = diag_join(&r->diag);
    cr_expect(strstr(msgs, "module geneve (tunnel-type, ") != NULL, "%s",
              msgs);
    cr_expect(strstr(msgs, "init failed") != NULL, "%s", msgs);
    free(msgs);
    for (int slot = 0; slot < N_MODULE_SLOTS; slot++) {
        const struct module *m = module_set_get(&r->set, slot);
        cr_expect(!m || !m->initialized);
    }
    resolved_destroy(r);
}
