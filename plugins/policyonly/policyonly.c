/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The "policyonly" encap mode module (trafficEncapMode: networkPolicyOnly).
 *
 * The agent is chained after a primary CNI that allocates addresses and
 * forwards Pod traffic; the agent only enforces NetworkPolicy.
 * So no tunnel, no IPAM and no per-peer forwarding.  Antrea forces noSNAT
 * to true in this mode (the primary CNI decides about masquerading), so an
 * explicit "noSNAT: true" is accepted.
 *
 * Like every mode module it only decides (antrea/encap-mode.h): the agent
 * installs the flows, routes and iptables rules that follow.
 */

#include <config.h>

#include <stddef.h>

#include "antrea/encap-mode.h"
#include "antrea/host-api.h"
#include "antrea/plugin.h"

static int policyonly_init(const struct antrea_plugin_init_args *,
                           void **statep);
static enum antrea_peer_path policyonly_peer_path(
    void *state, const struct antrea_peer_path_request *);

static const struct antrea_encap_mode_ops policyonly_ops = {
    .lifecycle = {
        .init = policyonly_init,
    },
    /* No tunnel, no IPAM, no forwarding: the primary CNI does all three.
     * noSNAT is allowed because Antrea forces it on in this mode. */
    .flags = ANTREA_ENCAP_ALLOWS_NO_SNAT,

    /* XXX: no node_setup yet.  The host-side preparation this mode needs
     * (routing tables, iptables chains, sysctls) is built in later issues;
     * until then the agent does none of it for any mode. */
    .node_setup = NULL,
    .peer_path = policyonly_peer_path,
};

ANTREA_PLUGIN_DEFINE("policyonly", ANTREA_PLUGIN_ENCAP_MODE,
                     PACKAGE_VERSION,
                     "trafficEncapMode networkPolicyOnly: NetworkPolicy "
                     "only, another CNI forwards", policyonly_ops);

/* Starts the module.  It keeps no state and takes no configuration, so a
 * config block naming any key is an error (the host API treats a NULL
 * block as absent). */
static int
policyonly_init(const struct antrea_plugin_init_args *args, void **statep)
{
    static const char *const no_keys[] = { NULL };

    *statep = NULL;
    return args->api->config_check_keys(args->host, args->config, no_keys);
}

/* Nothing is installed for any peer: the primary CNI reaches it. */
static enum antrea_peer_path
policyonly_peer_path(void *state,
                     const struct antrea_peer_path_request *req)
{
    return ANTREA_PEER_PATH_NONE;
}
