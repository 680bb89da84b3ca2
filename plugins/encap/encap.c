/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The "encap" encap mode module (trafficEncapMode: encap).
 *
 * Every peer Node is reached through the tunnel, whatever the subnets:
 * Antrea's NeedsEncapToPeer is true for every peer in encap mode.
 * Pod addresses stay inside the cluster, so Pod traffic leaving it is
 * always masqueraded (no noSNAT), and the tunnel can be encrypted.
 *
 * Like every mode module it only decides (antrea/encap-mode.h): the agent
 * installs the flows, routes and iptables rules that follow.
 */

#include <config.h>

#include <stddef.h>

#include "antrea/encap-mode.h"
#include "antrea/host-api.h"
#include "antrea/plugin.h"

static int encap_init(const struct antrea_plugin_init_args *, void **statep);
static enum antrea_peer_path encap_peer_path(
    void *state, const struct antrea_peer_path_request *);

static const struct antrea_encap_mode_ops encap_ops = {
    .lifecycle = {
        .init = encap_init,
    },
    .flags = (ANTREA_ENCAP_USES_TUNNEL | ANTREA_ENCAP_DOES_IPAM
              | ANTREA_ENCAP_FORWARDS | ANTREA_ENCAP_ALLOWS_ENCRYPTION),

    /* XXX: no node_setup yet.  The host-side preparation this mode needs
     * (routing tables, iptables chains, sysctls) is built in later issues;
     * until then the agent does none of it for any mode. */
    .node_setup = NULL,
    .peer_path = encap_peer_path,
};

ANTREA_PLUGIN_DEFINE("encap", ANTREA_PLUGIN_ENCAP_MODE, PACKAGE_VERSION,
                     "trafficEncapMode encap: Pod traffic between Nodes is "
                     "tunnelled",
                     encap_ops);

/* Starts the module.  It keeps no state and takes no configuration, so a
 * config block naming any key is an error (the host API treats a NULL
 * block as absent). */
static int
encap_init(const struct antrea_plugin_init_args *args, void **statep)
{
    static const char *const no_keys[] = { NULL };

    *statep = NULL;
    return args->api->config_check_keys(args->host, args->config, no_keys);
}

/* Every peer is reached through the tunnel. */
static enum antrea_peer_path
encap_peer_path(void *state, const struct antrea_peer_path_request *req)
{
    return ANTREA_PEER_PATH_TUNNEL;
}
