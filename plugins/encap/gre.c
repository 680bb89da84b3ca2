/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The "gre" tunnel type module: Generic Routing Encapsulation with a key
 * (RFC 2784, RFC 2890).  GRE is not carried over UDP, so it has no
 * destination port and OVS takes no dst_port option for it; OVS has no
 * csum option for it either.
 *
 * Antrea refuses tunnelType gre on a cluster with IPv6 Pod addresses.  That
 * is a check of the agent's own configuration, which this module never
 * sees, so the agent makes it; the IPv6 overhead below is only the fact.
 *
 * This file holds only the facts about the type; the port itself is built
 * by tunnel-port.c, shared by all tunnel modules.
 */

#include <config.h>

#include "antrea/plugin.h"
#include "antrea/tunnel-type.h"
#include "tunnel-port.h"

static int gre_port_spec(void *state,
                         const struct antrea_tunnel_port_request *,
                         struct antrea_ovs_port_spec *, char *error);

static const struct antrea_tunnel_type_ops gre_ops = {
    .lifecycle = {
        .init = tunnel_module_init,
    },
    .ovs_type = "gre",
    .default_dst_port = 0,      /* not over UDP */

    /* Outer Ethernet 14 + IPv4 20 + GRE 4 + key 4 bytes, as Antrea (since
     * MTU auto-discovery) deducts; an IPv6 header is 20 bytes longer. */
    .ipv4_overhead = 42,
    .ipv6_overhead = 62,
    .flags = ANTREA_TUNNEL_USERSPACE | ANTREA_TUNNEL_KEY,
    .port_spec = gre_port_spec,
};

ANTREA_PLUGIN_DEFINE("gre", ANTREA_PLUGIN_TUNNEL_TYPE, PACKAGE_VERSION,
                     "GRE tunnels between Nodes (IPv4 only)", gre_ops);

/* Fills 'spec' with the flow-based GRE port that 'req' asks for. */
static int
gre_port_spec(void *state, const struct antrea_tunnel_port_request *req,
              struct antrea_ovs_port_spec *spec, char *error)
{
    return tunnel_port_fill(&gre_ops, req, spec, error);
}
