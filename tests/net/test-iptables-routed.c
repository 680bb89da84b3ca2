/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of iptables.c's chains for routed peers (noEncap, hybrid):
 * ANTREA-MANGLE and ANTREA-RAW installed in a namespace of the test's own,
 * read back with the real iptables-legacy-save, checked rule by rule with
 * "iptables-legacy -C" (so the MARK, mac and CT encodings of ipt-entry.c
 * are the ones the iptables binary builds), then removed when the mode no
 * longer routes peers and by iptables_uninstall().
 */

#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "antrea/net-util.h"
#include "iptables.h"
#include "net-test-util.h"
#include "util.h"

/* The test's namespace. */
static char *ns;

/* Creates the namespace with a foreign rule in mangle and raw PREROUTING
 * (to prove we keep it) and enters it. */
static void
setup(void)
{
    if (geteuid() != 0) {
        return;
    }
    ns = nt_netns_create("iptr");
    free(nt_run_ok("ip netns exec %s iptables-legacy -t mangle -A PREROUTING "
                   "-i foreign0 -j ACCEPT", ns));
    free(nt_run_ok("ip netns exec %s iptables-legacy -t raw -A PREROUTING "
                   "-i foreign0 -j ACCEPT", ns));
    nt_netns_enter(ns);
}

/* Deletes the namespace. */
static void
teardown(void)
{
    nt_netns_delete(ns);
    free(ns);
}

/* Asserts that rule 'spec' is in 'table' of the test's namespace. */
static void
assert_rule(const char *table, const char *spec)
{
    nt_assert_iptables_rule(ns, table, spec);
}

/* A routed-peers configuration for Node podCIDR 10.10.1.0/24 with one
 * peer. */
static void
routed_config(struct iptables_config *config, struct antrea_prefix *peer)
{
    static const uint8_t mac[6] = { 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad };

    memset(config, 0, sizeof *config);
    config->gateway_ifname = "antrea-gw0";
    cr_assert(antrea_prefix_from_string("10.10.1.0/24", &config->pod_cidr));
    cr_assert(antrea_prefix_from_string("10.10.2.0/24", peer));
    config->cluster_cidrs = peer;
    config->n_cluster_cidrs = 1;
    config->snat = true;
    config->routed_peers = true;
    cr_assert(antrea_prefix_from_string("10.96.0.0/12",
                                        &config->service_cidr));
    memcpy(config->reentrance_mac, mac, sizeof mac);
}

static const char expected_mangle[] =
    "*mangle\n"
    ":PREROUTING ACCEPT [0:0]\n"
    ":INPUT ACCEPT [0:0]\n"
    ":FORWARD ACCEPT [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n"
    ":POSTROUTING ACCEPT [0:0]\n"
    ":ANTREA-MANGLE - [0:0]\n"
    "-A PREROUTING -i foreign0 -j ACCEPT\n"
    "-A PREROUTING -m comment --comment \"Antrea: jump to Antrea mangle "
    "rules\" -j ANTREA-MANGLE\n"
    "-A ANTREA-MANGLE -d 10.96.0.0/12 -i antrea-gw0 -m comment --comment "
    "\"Antrea: mark service traffic\" -j MARK --set-xmark 0x800/0x800\n"
    "-A ANTREA-MANGLE ! -d 10.96.0.0/12 -i antrea-gw0 -m comment --comment "
    "\"Antrea: unmark non-service traffic\" -j MARK --set-xmark "
    "0x0/0xffffffff\n"
    "COMMIT\n";

static const char expected_raw[] =
    "*raw\n"
    ":PREROUTING ACCEPT [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n"
    ":ANTREA-RAW - [0:0]\n"
    "-A PREROUTING -i foreign0 -j ACCEPT\n"
    "-A PREROUTING -m comment --comment \"Antrea: jump to Antrea raw "
    "rules\" -j ANTREA-RAW\n"
    "-A ANTREA-RAW -i antrea-gw0 -m mac --mac-source de:ad:be:ef:de:ad -m "
    "comment --comment \"Antrea: reentry packets from the gateway\" -j CT "
    "--notrack\n"
    "COMMIT\n";

TestSuite(iptables_routed, .init = setup, .fini = teardown, .timeout = 60);

/* Installed twice the content is exact; the kernel holds the entries the
 * iptables binary would build; turning routed peers off (encap) and
 * uninstalling restore both tables byte for byte. */
Test(iptables_routed, install_switch_off_uninstall)
{
    NT_REQUIRE_ROOT();
    char *mangle_before = nt_iptables_save(ns, "mangle");
    char *raw_before = nt_iptables_save(ns, "raw");
    struct iptables_config config;
    struct antrea_prefix peer;
    routed_config(&config, &peer);

    char *error = NULL;
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(iptables_install(&config, &error), 0, "%s", error);
        char *mangle = nt_iptables_save(ns, "mangle");
        char *raw = nt_iptables_save(ns, "raw");
        cr_assert_str_eq(mangle, expected_mangle);
        cr_assert_str_eq(raw, expected_raw);
        free(mangle);
        free(raw);
    }
    assert_rule("mangle", "ANTREA-MANGLE -i antrea-gw0 -d 10.96.0.0/12 "
                "-m comment --comment \"Antrea: mark service traffic\" "
                "-j MARK --set-xmark 0x800/0x800");
    assert_rule("mangle", "ANTREA-MANGLE -i antrea-gw0 ! -d 10.96.0.0/12 "
                "-m comment --comment \"Antrea: unmark non-service "
                "traffic\" -j MARK --set-xmark 0x0/0xffffffff");
    assert_rule("raw", "ANTREA-RAW -i antrea-gw0 -m mac --mac-source "
                "de:ad:be:ef:de:ad -m comment --comment \"Antrea: reentry "
                "packets from the gateway\" -j CT --notrack");

    /* The mode no longer routes peers: both chains go, the rest stays. */
    config.routed_peers = false;
    cr_assert_eq(iptables_install(&config, &error), 0, "%s", error);
    char *mangle = nt_iptables_save(ns, "mangle");
    char *raw = nt_iptables_save(ns, "raw");
    cr_assert_str_eq(mangle, mangle_before);
    cr_assert_str_eq(raw, raw_before);
    free(mangle);
    free(raw);
    char *nat = nt_iptables_save(ns, "nat");
    cr_assert(nt_contains(nat, "-d 10.10.2.0/24"), "%s", nat);
    free(nat);

    /* Back on, then uninstall: all four chains go. */
    config.routed_peers = true;
    cr_assert_eq(iptables_install(&config, &error), 0, "%s", error);
    cr_assert_eq(iptables_uninstall(&error), 0, "%s", error);
    mangle = nt_iptables_save(ns, "mangle");
    raw = nt_iptables_save(ns, "raw");
    cr_assert_str_eq(mangle, mangle_before);
    cr_assert_str_eq(raw, raw_before);
    free(mangle);
    free(raw);
    free(mangle_before);
    free(raw_before);
}

/* Routed peers without a Service CIDR: ANTREA-MANGLE exists and is
 * empty; the re-entrance rule is still there. */
Test(iptables_routed, no_service_cidr)
{
    NT_REQUIRE_ROOT();
    struct iptables_config config;
    struct antrea_prefix peer;
    routed_config(&config, &peer);
    memset(&config.service_cidr, 0, sizeof config.service_cidr);
    char *error = NULL;
    cr_assert_eq(iptables_install(&config, &error), 0, "%s", error);
    char *mangle = nt_iptables_save(ns, "mangle");
    cr_assert(nt_contains(mangle, ":ANTREA-MANGLE - [0:0]"), "%s", mangle);
    cr_assert(!nt_contains(mangle, "-A ANTREA-MANGLE"), "%s", mangle);
    free(mangle);
    char *raw = nt_iptables_save(ns, "raw");
    cr_assert(nt_contains(raw, "-j CT --notrack"), "%s", raw);
    free(raw);
}

/* An IPv6 Service CIDR is refused with a message naming it, and nothing
 * is installed. */
Test(iptables_routed, ipv6_service_cidr)
{
    NT_REQUIRE_ROOT();
    struct iptables_config config;
    struct antrea_prefix peer;
    routed_config(&config, &peer);
    cr_assert(antrea_prefix_from_string("fd00:10:96::/108",
                                        &config.service_cidr));
    char *error = NULL;
    cr_assert_eq(iptables_install(&config, &error), EAFNOSUPPORT);
    cr_assert_str_eq(error, "Service CIDR fd00:10:96::/108 is not an IPv4 "
                     "CIDR (iptables rules are IPv4 only)");
    free(error);
    char *mangle = nt_iptables_save(ns, "mangle");
    cr_assert(!nt_contains(mangle, "ANTREA-MANGLE"), "%s", mangle);
    free(mangle);
}
