/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Antrea's iptables rules in the Node's namespace (IPv4, legacy iptables
 * through libiptc; inspect them with iptables-legacy-save).
 *
 * The agent owns two chains and one jump into each:
 *
 *   filter  FORWARD -> ANTREA-FORWARD
 *     -i GW -m comment --comment "Antrea: accept packets from local pods"
 *           -j ACCEPT
 *     -o GW -m comment --comment "Antrea: accept packets to local pods"
 *           -j ACCEPT
 *
 *   nat     POSTROUTING -> ANTREA-POSTROUTING
 *     for the local Pod CIDR and then each other cluster Pod CIDR D:
 *     -s PODCIDR -d D -m comment --comment "Antrea: do not masquerade pod
 *           to pod packets" -j RETURN
 *     -s PODCIDR ! -o GW -m comment --comment "Antrea: masquerade pod to
 *           external packets" -j MASQUERADE
 *
 * With 'routed_peers' (noEncap and hybrid: some peers are reached through
 * the gateway and the host's routes), two more, as Antrea v0.5 has them:
 *
 *   mangle  PREROUTING -> ANTREA-MANGLE
 *     -i GW -d SVCCIDR -m comment --comment "Antrea: mark service traffic"
 *           -j MARK --set-xmark 0x800/0x800
 *     -i GW ! -d SVCCIDR -m comment --comment "Antrea: unmark non-service
 *           traffic" -j MARK --set-xmark 0x0/0xffffffff
 *
 *   raw     PREROUTING -> ANTREA-RAW
 *     -i GW -m mac --mac-source REENTRANCE-MAC -m comment --comment
 *           "Antrea: reentry packets from the gateway" -j CT --notrack
 *
 * The mark selects the agent's route table (IPTABLES_SERVICE_MARK, the ip
 * rule "iif GW fwmark 0x800/0x800 lookup 300"), so that Service traffic
 * DNATed by the host to a Pod goes back into OVS through the gateway; the
 * packets OVS then sends back out of the gateway to a routed peer carry
 * the re-entrance MAC and are not tracked a second time by the host.
 * Without 'routed_peers' both chains are removed if an earlier run made
 * them (and neither table is touched otherwise).
 *
 * That is Antrea's rule set (reference/antrea.md section 8: v0.5 masquerades
 * "-s PODCIDR -m set ! --match-set ANTREA-POD-IP dst", main adds
 * "! -o GW"), with one difference: where Antrea keeps the cluster's Pod
 * CIDRs in the ipset ANTREA-POD-IP, we put one RETURN rule per CIDR ahead
 * of the MASQUERADE rule.  Same packets masqueraded, no ipset to manage.
 * The jumps carry Antrea's comments ("Antrea: jump to Antrea forwarding
 * rules", "Antrea: jump to Antrea postrouting rules") and are appended to
 * the built-in chains, as Antrea does.
 *
 * iptables_install() rewrites the content of its chains from the
 * configuration each time (so it also serves every change of peer Pod
 * CIDRs) and adds a jump only if none exists; iptables_uninstall() removes
 * the jumps and the chains.  Both are idempotent.  Each table is changed
 * in one iptc_commit(), so a chain is never seen half-written; the tables
 * are separate commits (a table with nothing to remove is not committed
 * at all).  Rules of other owners are never touched.
 * The changes hold the xtables lock (/run/xtables.lock) as the iptables
 * binaries do, and are retried when another writer raced us.  Not
 * thread-safe (libiptc keeps global state): call from one thread.
 *
 * Errors: a positive errno value and a message in '*errorp' (caller
 * frees), from iptc_strerror() where libiptc failed.
 */

#ifndef NET_IPTABLES_H
#define NET_IPTABLES_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antrea/net-types.h"

/* The chains the agent owns. */
#define IPTABLES_FORWARD_CHAIN "ANTREA-FORWARD"
#define IPTABLES_POSTROUTING_CHAIN "ANTREA-POSTROUTING"
#define IPTABLES_MANGLE_CHAIN "ANTREA-MANGLE"
#define IPTABLES_RAW_CHAIN "ANTREA-RAW"

/* The packet mark (and mask) of Pod traffic to the Service CIDR in
 * ANTREA-MANGLE. */
#define IPTABLES_SERVICE_MARK 0x800u

/* What the rules are about. */
struct iptables_config {
    const char *gateway_ifname;         /* antrea-gw0 */
    struct antrea_prefix pod_cidr;      /* the local Node's Pod CIDR
                                           (IPv4); family 0: no SNAT */
    const struct antrea_prefix *cluster_cidrs; /* other Pod CIDRs of the
                                                  cluster (peer Nodes' or
                                                  the cluster CIDR): never
                                                  masqueraded to; IPv4 */
    size_t n_cluster_cidrs;             /* entries in 'cluster_cidrs' */
    bool snat;                          /* masquerade Pod traffic leaving
                                           the cluster (false in
                                           networkPolicyOnly mode or with
                                           noSNAT: ANTREA-POSTROUTING
                                           stays empty) */
    bool routed_peers;                  /* some peers are reached through
                                           the gateway and the host's
                                           routes (noEncap, hybrid): make
                                           ANTREA-MANGLE and ANTREA-RAW;
                                           false removes them */
    struct antrea_prefix service_cidr;  /* with 'routed_peers': the
                                           Service CIDR (IPv4) whose
                                           traffic is marked; family 0:
                                           ANTREA-MANGLE stays empty */
    uint8_t reentrance_mac[6];          /* with 'routed_peers': the source
                                           MAC of packets OVS sends back
                                           out of the gateway */
};

/* Makes the chains, their content and the jumps as 'config' says. */
int iptables_install(const struct iptables_config *config, char **errorp);

/* Removes the jumps and the chains (all four).  Nothing to remove is
 * success. */
int iptables_uninstall(char **errorp);

#endif /* net/iptables.h */
