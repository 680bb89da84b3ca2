/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of iptables.c: Antrea's chains installed (twice), updated and
 * uninstalled in a namespace of the test's own, read back with the real
 * iptables-legacy-save and checked rule by rule with "iptables-legacy -C",
 * which compares the kernel's binary entries with the ones the iptables
 * binary builds from the same command line.
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

/* Creates the namespace, enters it, and puts a rule of another owner in
 * each built-in chain we touch, to prove we keep it. */
static void
setup(void)
{
    if (geteuid() != 0) {
        return;
    }
    ns = nt_netns_create("ipt");
    free(nt_run_ok("ip netns exec %s iptables-legacy -A FORWARD "
                   "-i foreign0 -j ACCEPT", ns));
    free(nt_run_ok("ip netns exec %s iptables-legacy -t nat -A POSTROUTING "
                   "-o foreign0 -j MASQUERADE", ns));
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

static const char expected_filter[] =
    "*filter\n"
    ":INPUT ACCEPT [0:0]\n"
    ":FORWARD ACCEPT [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n"
    ":ANTREA-FORWARD - [0:0]\n"
    "-A FORWARD -i foreign0 -j ACCEPT\n"
    "-A FORWARD -m comment --comment \"Antrea: jump to Antrea forwarding "
    "rules\" -j ANTREA-FORWARD\n"
    "-A ANTREA-FORWARD -i antrea-gw0 -m comment --comment \"Antrea: accept "
    "packets from local pods\" -j ACCEPT\n"
    "-A ANTREA-FORWARD -o antrea-gw0 -m comment --comment \"Antrea: accept "
    "packets to local pods\" -j ACCEPT\n"
    "COMMIT\n";

static const char expected_nat_head[] =
    "*nat\n"
    ":PREROUTING ACCEPT [0:0]\n"
    ":INPUT ACCEPT [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n"
    ":POSTROUTING ACCEPT [0:0]\n"
    ":ANTREA-POSTROUTING - [0:0]\n"
    "-A POSTROUTING -o foreign0 -j MASQUERADE\n"
    "-A POSTROUTING -m comment --comment \"Antrea: jump to Antrea "
    "postrouting rules\" -j ANTREA-POSTROUTING\n";

#define NO_MASQ(DST)                                                    \
    "-A ANTREA-POSTROUTING -s 10.10.1.0/24 -d " DST " -m comment "      \
    "--comment \"Antrea: do not masquerade pod to pod packets\" "       \
    "-j RETURN\n"
#define MASQ                                                            \
    "-A ANTREA-POSTROUTING -s 10.10.1.0/24 ! -o antrea-gw0 -m comment " \
    "--comment \"Antrea: masquerade pod to external packets\" "         \
    "-j MASQUERADE\n"

TestSuite(iptables, .init = setup, .fini = teardown, .timeout = 60);

/* Install twice, update, uninstall twice: the content is exact each time,
 * and uninstalling restores the tables byte for byte. */
Test(iptables, install_update_uninstall)
{
    NT_REQUIRE_ROOT();
    char *filter_before = nt_iptables_save(ns, "filter");
    char *nat_before = nt_iptables_save(ns, "nat");

    struct antrea_prefix cidrs[3];
    cr_assert(antrea_prefix_from_string("10.10.2.0/24", &cidrs[0]));
    cr_assert(antrea_prefix_from_string("10.10.1.0/24", &cidrs[1]));
    cr_assert(antrea_prefix_from_string("10.10.3.0/24", &cidrs[2]));
    struct iptables_config config = {
        .gateway_ifname = "antrea-gw0",
        .cluster_cidrs = cidrs,
        .n_cluster_cidrs = 3,
        .snat = true,
    };
    /* A host address in the CIDR: the rules use the network. */
    cr_assert(antrea_prefix_from_string("10.10.1.1/24", &config.pod_cidr));

    char *expected_nat = xasprintf("%s%s%s%s%sCOMMIT\n", expected_nat_head,
                                   NO_MASQ("10.10.1.0/24"),
                                   NO_MASQ("10.10.2.0/24"),
                                   NO_MASQ("10.10.3.0/24"), MASQ);
    char *error = NULL;
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(iptables_install(&config, &error), 0, "%s", error);
        char *filter = nt_iptables_save(ns, "filter");
        char *nat = nt_iptables_save(ns, "nat");
        cr_assert_str_eq(filter, expected_filter);
        cr_assert_str_eq(nat, expected_nat);
        free(filter);
        free(nat);
    }
    free(expected_nat);

    /* The binary entries are the ones iptables itself builds. */
    assert_rule("filter", "FORWARD -m comment --comment \"Antrea: jump to "
                "Antrea forwarding rules\" -j ANTREA-FORWARD");
    assert_rule("filter", "ANTREA-FORWARD -i antrea-gw0 -m comment "
                "--comment \"Antrea: accept packets from local pods\" "
                "-j ACCEPT");
    assert_rule("filter", "ANTREA-FORWARD -o antrea-gw0 -m comment "
                "--comment \"Antrea: accept packets to local pods\" "
                "-j ACCEPT");
    assert_rule("nat", "POSTROUTING -m comment --comment \"Antrea: jump to "
                "Antrea postrouting rules\" -j ANTREA-POSTROUTING");
    assert_rule("nat", "ANTREA-POSTROUTING -s 10.10.1.0/24 -d 10.10.3.0/24 "
                "-m comment --comment \"Antrea: do not masquerade pod to pod "
                "packets\" -j RETURN");
    assert_rule("nat", "ANTREA-POSTROUTING -s 10.10.1.0/24 ! -o antrea-gw0 "
                "-m comment --comment \"Antrea: masquerade pod to external "
                "packets\" -j MASQUERADE");

    /* A peer Node went away: the chain is rewritten, one commit. */
    config.n_cluster_cidrs = 1;
    cr_assert_eq(iptables_install(&config, &error), 0, "%s", error);
    expected_nat = xasprintf("%s%s%s%sCOMMIT\n", expected_nat_head,
                             NO_MASQ("10.10.1.0/24"),
                             NO_MASQ("10.10.2.0/24"), MASQ);
    char *nat = nt_iptables_save(ns, "nat");
    cr_assert_str_eq(nat, expected_nat);
    free(nat);
    free(expected_nat);

    for (int i = 0; i < 2; i++) {
        cr_assert_eq(iptables_uninstall(&error), 0, "%s", error);
        char *filter = nt_iptables_save(ns, "filter");
        nat = nt_iptables_save(ns, "nat");
        cr_assert_str_eq(filter, filter_before);
        cr_assert_str_eq(nat, nat_before);
        free(filter);
        free(nat);
    }
    free(filter_before);
    free(nat_before);
}

/* Without SNAT the nat chain and its jump exist but hold nothing. */
Test(iptables, no_snat)
{
    NT_REQUIRE_ROOT();
    struct iptables_config config = {
        .gateway_ifname = "antrea-gw0",
        .snat = false,
    };
    char *error = NULL;
    cr_assert_eq(iptables_install(&config, &error), 0, "%s", error);
    char *nat = nt_iptables_save(ns, "nat");
    char *expected = xasprintf("%sCOMMIT\n", expected_nat_head);
    cr_assert_str_eq(nat, expected);
    free(expected);
    free(nat);
    char *filter = nt_iptables_save(ns, "filter");
    cr_assert_str_eq(filter, expected_filter);
    free(filter);
    cr_assert_eq(iptables_uninstall(&error), 0, "%s", error);
}

/* A jump added by someone else to our chain is removed with it. */
Test(iptables, uninstall_removes_foreign_jumps)
{
    NT_REQUIRE_ROOT();
    struct iptables_config config = {
        .gateway_ifname = "antrea-gw0",
        .snat = false,
    };
    char *error = NULL;
    cr_assert_eq(iptables_install(&config, &error), 0, "%s", error);
    free(nt_run_ok("ip netns exec %s iptables-legacy -I OUTPUT "
                   "-j ANTREA-FORWARD", ns));
    cr_assert_eq(iptables_uninstall(&error), 0, "%s", error);
    char *filter = nt_iptables_save(ns, "filter");
    cr_assert(!nt_contains(filter, "ANTREA"), "%s", filter);
    free(filter);
}

/* Bad configurations are refused with a message, and change nothing. */
Test(iptables, bad_config)
{
    NT_REQUIRE_ROOT();
    char *filter_before = nt_iptables_save(ns, "filter");
    char *error = NULL;

    struct iptables_config config = { .gateway_ifname = "", .snat = false };
    cr_assert_eq(iptables_install(&config, &error), EINVAL);
    cr_assert(nt_contains(error, "gateway"), "%s", error);
    free(error);

    config.gateway_ifname = "antrea-gw0";
    config.snat = true;
    cr_assert(antrea_prefix_from_string("fd00:10::/64", &config.pod_cidr));
    cr_assert_eq(iptables_install(&config, &error), EAFNOSUPPORT);
    cr_assert(nt_contains(error, "IPv4"), "%s", error);
    free(error);

    cr_assert(antrea_prefix_from_string("10.10.1.0/24", &config.pod_cidr));
    struct antrea_prefix v6;
    cr_assert(antrea_prefix_from_string("fd00:20::/64", &v6));
    config.cluster_cidrs = &v6;
    config.n_cluster_cidrs = 1;
    cr_assert_eq(iptables_install(&config, &error), EAFNOSUPPORT);
    cr_assert(nt_contains(error, "fd00:20::/64"), "%s", error);
    free(error);

    char *filter = nt_iptables_save(ns, "filter");
    cr_assert_str_eq(filter, filter_before);
    free(filter);
    free(filter_before);
}
