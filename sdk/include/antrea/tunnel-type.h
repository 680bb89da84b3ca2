/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tunnel type plugins (kind ANTREA_PLUGIN_TUNNEL_TYPE): the encapsulation
 * used between Nodes when the encap mode tunnels (geneve, vxlan, gre, stt).
 * Loaded only when the encap mode sets ANTREA_ENCAP_USES_TUNNEL, chosen by
 * the YAML's tunnelType.
 *
 * A tunnel type is mostly facts about an OVS interface type: the agent
 * reads them to create the flow-based tunnel port (antrea-tun0), to size
 * the Pod MTU and to refuse a datapath that cannot carry the type.
 */

#ifndef ANTREA_TUNNEL_TYPE_H
#define ANTREA_TUNNEL_TYPE_H 1

#include <stdbool.h>

#include "antrea/net-types.h"
#include "antrea/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Flags in struct antrea_tunnel_type_ops. */

/* The OVS userspace (netdev) datapath implements this type.  Without it
 * the agent refuses to start with ovsDatapathType: netdev. */
#define ANTREA_TUNNEL_USERSPACE         (1u << 0)

/* The type accepts the "csum" option (tunnelCsum). */
#define ANTREA_TUNNEL_CSUM              (1u << 1)

/* The type carries a key (VNI) and accepts key=flow. */
#define ANTREA_TUNNEL_KEY               (1u << 2)

/* What port_options sees. */
struct antrea_tunnel_port_request {
    size_t size;            /* sizeof, as built by the agent */
    const char *port_name;  /* e.g. "antrea-tun0" */
    uint16_t dst_port;      /* tunnelPort, or default_dst_port if 0 */
    bool csum;              /* tunnelCsum */
};

struct antrea_tunnel_type_ops {
    struct antrea_plugin_lifecycle lifecycle;

    const char *ovs_type;       /* Interface.type, e.g. "geneve"; required */
    uint16_t default_dst_port;  /* the IANA port the dst_port option
                                   defaults to; 0 if the type has none */
    uint16_t ipv4_overhead;     /* bytes the outer headers take over IPv4;
                                   defaultMTU 0 means uplink MTU minus it */
    uint16_t ipv6_overhead;     /* the same over IPv6 */
    uint16_t reserved16;        /* zero */
    uint32_t flags;             /* ANTREA_TUNNEL_* */
    uint32_t reserved32;        /* zero */

    /* Fills 'spec' (zeroed by the agent) with the flow-based tunnel port
     * the agent creates on the bridge: name, type and options such as
     * remote_ip=flow, key=flow, dst_port and csum.  Returns 0 or a positive
     * errno value with a reason in 'error' (ANTREA_ERROR_SIZE bytes).
     * Required. */
    int (*port_spec)(void *state, const struct antrea_tunnel_port_request *req,
                     struct antrea_ovs_port_spec *spec, char *error);
};

#ifdef __cplusplus
}
#endif

#endif /* antrea/tunnel-type.h */
