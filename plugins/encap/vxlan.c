/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The "vxlan" tunnel type module: Virtual eXtensible LAN (RFC 7348),
 * Antrea's default tunnelType before v0.8.
 *
 * This file holds only the facts about the type; the port itself is built
 * by tunnel-port.c, shared by all tunnel modules.
 */

#include <config.h>

#include "antrea/plugin.h"
#include "antrea/tunnel-type.h"
#include "tunnel-port.h"

static int vxlan_port_spec(void *state,
                           const struct antrea_tunnel_port_request *,
                           struct antrea_ovs_port_spec *, char *error);

static const struct antrea_tunnel_type_ops vxlan_ops = {
    .lifecycle = {
        .init = tunnel_module_init,
    },
    .ovs_type = "vxlan",
    .default_dst_port = 4789,   /* IANA */

    /* Outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 bytes; an IPv6 header
     * is 20 bytes longer.  Antrea deducts the same. */
    .ipv4_overhead = 50,
    .ipv6_overhead = 70,
    .flags = ANTREA_TUNNEL_USERSPACE | ANTREA_TUNNEL_CSUM | ANTREA_TUNNEL_KEY,
    .port_spec = vxlan_port_spec,
};

ANTREA_PLUGIN_DEFINE("vxlan", ANTREA_PLUGIN_TUNNEL_TYPE, PACKAGE_VERSION,
                     "VXLAN tunnels between Nodes (UDP 4789)", vxlan_ops);

/* Fills 'spec' with the flow-based VXLAN port that 'req' asks for. */
static int
vxlan_port_spec(void *state, const struct antrea_tunnel_port_request *req,
                struct antrea_ovs_port_spec *spec, char *error)
{
    return tunnel_port_fill(&vxlan_ops, req, spec, error);
}
