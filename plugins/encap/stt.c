/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The "stt" tunnel type module: Stateless Transport Tunneling, which wraps
 * frames in a TCP-like header so that NICs segment the encapsulated
 * traffic.  OVS has no csum option for it.
 *
 * The OVS userspace (netdev) datapath does not implement STT, so this
 * module leaves out ANTREA_TUNNEL_USERSPACE: the agent refuses stt with
 * ovsDatapathType: netdev instead of creating a port that never works.
 *
 * This file holds only the facts about the type; the port itself is built
 * by tunnel-port.c, shared by all tunnel modules.
 */

#include <config.h>

#include "antrea/plugin.h"
#include "antrea/tunnel-type.h"
#include "tunnel-port.h"

static int stt_port_spec(void *state,
                         const struct antrea_tunnel_port_request *,
                         struct antrea_ovs_port_spec *, char *error);

static const struct antrea_tunnel_type_ops stt_ops = {
    .lifecycle = {
        .init = tunnel_module_init,
    },
    .ovs_type = "stt",

    /* STT's port is a TCP port, not a UDP one, but OVS configures it the
     * same way (dst_port), and Antrea's tunnelPort applies to it. */
    .default_dst_port = 7471,

    /* None: STT relies on segmentation offload, so Antrea keeps the Pod
     * MTU at the uplink's (1500) for stt. */
    .ipv4_overhead = 0,
    .ipv6_overhead = 0,
    .flags = ANTREA_TUNNEL_KEY,
    .port_spec = stt_port_spec,
};

ANTREA_PLUGIN_DEFINE("stt", ANTREA_PLUGIN_TUNNEL_TYPE, PACKAGE_VERSION,
                     "STT tunnels between Nodes (port 7471; kernel datapath "
                     "only)", stt_ops);

/* Fills 'spec' with the flow-based STT port that 'req' asks for. */
static int
stt_port_spec(void *state, const struct antrea_tunnel_port_request *req,
              struct antrea_ovs_port_spec *spec, char *error)
{
    return tunnel_port_fill(&stt_ops, req, spec, error);
}
