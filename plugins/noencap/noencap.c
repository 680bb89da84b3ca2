/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The "noencap" encap mode module (trafficEncapMode: noEncap).
 *
 * Nothing is tunnelled: Pod traffic leaves OVS through the gateway and the
 * host forwards it.  A peer in the local Node's subnet is
 * reached by a route "peer podCIDR via peer node IP"; for any other peer
 * Antrea's NeedsRoutingToPeer holds and the underlay (the host's own routes,
 * set up outside Antrea) must carry Pod addresses.  Because Pod addresses
 * are routable, noSNAT may be set; with nothing tunnelled there is nothing
 * for IPsec to encrypt.
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

static int noencap_init(const struct antrea_plugin_init_args *, void **statep);
static enum antrea_peer_path noencap_peer_path(
    void *state, const struct antrea_peer_path_request *);

static const struct antrea_encap_mode_ops noencap_ops = {
    .lifecycle = {
        .init = noencap_init,
    },
    .flags = (ANTREA_ENCAP_DOES_IPAM | ANTREA_ENCAP_FORWARDS
              | ANTREA_ENCAP_ALLOWS_NO_SNAT),

    /* No node_setup: the host side of a mode that routes peers through
     * the gateway (route table 300, the fwmark rule, ANTREA-MANGLE and
     * ANTREA-RAW, peers exempt from SNAT) is the agent's, which sets it
     * up whenever some peer path is ROUTE or UNDERLAY (docs/plugins.md,
     * "noEncap and hybrid on the host"). */
    .node_setup = NULL,
    .peer_path = noencap_peer_path,
};

ANTREA_PLUGIN_DEFINE("noencap", ANTREA_PLUGIN_ENCAP_MODE, PACKAGE_VERSION,
                     "trafficEncapMode noEncap: Pod traffic between Nodes "
                     "is routed",
                     noencap_ops);

/* Starts the module.  It keeps no state and takes no configuration, so a
 * config block naming any key is an error (the host API treats a NULL
 * block as absent). */
static int
noencap_init(const struct antrea_plugin_init_args *args, void **statep)
{
    static const char *const no_keys[] = { NULL };

    *statep = NULL;
    return args->api->config_check_keys(args->host, args->config, no_keys);
}

/* A peer in the local Node's subnet gets a direct route; any other is
 * left to the underlay. */
static enum antrea_peer_path
noencap_peer_path(void *state, const struct antrea_peer_path_request *req)
{
    return (antrea_prefix_contains(&req->local->node_subnet,
                                   &req->peer->node_ip)
            ? ANTREA_PEER_PATH_ROUTE
            : ANTREA_PEER_PATH_UNDERLAY);
}
