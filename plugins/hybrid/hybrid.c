/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The "hybrid" encap mode module (trafficEncapMode: hybrid).
 *
 * Peers in the local Node's subnet are routed to directly ("peer podCIDR
 * via peer node IP"); peers elsewhere are tunnelled (Antrea's
 * NeedsEncapToPeer: hybrid and the peer outside the local subnet).  Antrea
 * allows noSNAT only with noEncap and refuses every kind of encryption in a
 * mode that does not always encapsulate, so neither flag is set here.
 *
 * Like every mode module it only decides (antrea/encap-mode.h): the agent
 * installs the flows, routes and iptables rules that follow
 * (core/agent/peers.c).
 */

#include <config.h>

#include <stddef.h>

#include "antrea/encap-mode.h"
#include "antrea/host-api.h"
#include "antrea/net-util.h"
#include "antrea/plugin.h"

static int hybrid_init(const struct antrea_plugin_init_args *, void **statep);
static enum antrea_peer_path hybrid_peer_path(
    void *state, const struct antrea_peer_path_request *);

static const struct antrea_encap_mode_ops hybrid_ops = {
    .lifecycle = {
        .init = hybrid_init,
    },
    .flags = (ANTREA_ENCAP_USES_TUNNEL | ANTREA_ENCAP_DOES_IPAM
              | ANTREA_ENCAP_FORWARDS),

    /* No node_setup: the host side of a mode that routes peers through
     * the gateway (route table 300, the fwmark rule, ANTREA-MANGLE and
     * ANTREA-RAW, peers exempt from SNAT) is the agent's, which sets it
     * up whenever some peer path is ROUTE or UNDERLAY (docs/plugins.md,
     * "noEncap and hybrid on the host"). */
    .node_setup = NULL,
    .peer_path = hybrid_peer_path,
};

ANTREA_PLUGIN_DEFINE("hybrid", ANTREA_PLUGIN_ENCAP_MODE, PACKAGE_VERSION,
                     "trafficEncapMode hybrid: routed within the Node "
                     "subnet, tunnelled across it",
                     hybrid_ops);

/* Starts the module.  It keeps no state and takes no configuration, so a
 * config block naming any key is an error (the host API treats a NULL
 * block as absent). */
static int
hybrid_init(const struct antrea_plugin_init_args *args, void **statep)
{
    static const char *const no_keys[] = { NULL };

    *statep = NULL;
    return args->api->config_check_keys(args->host, args->config, no_keys);
}

/* A peer in the local Node's subnet gets a direct route; any other is
 * tunnelled. */
static enum antrea_peer_path
hybrid_peer_path(void *state, const struct antrea_peer_path_request *req)
{
    return (antrea_prefix_contains(&req->local->node_subnet,
                                   &req->peer->node_ip)
            ? ANTREA_PEER_PATH_ROUTE
            : ANTREA_PEER_PATH_TUNNEL);
}
