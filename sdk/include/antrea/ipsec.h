/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * IPsec plugins (kind ANTREA_PLUGIN_IPSEC): encryption of Node-to-Node
 * tunnel traffic.  Loaded when the YAML sets trafficEncryptionMode: ipsec
 * (or the older enableIPSecTunnel: true) and the encap mode sets
 * ANTREA_ENCAP_ALLOWS_ENCRYPTION.
 *
 * With IPsec, the agent creates one tunnel port per peer Node instead of
 * the single flow-based port; the IPsec module says what each such port
 * looks like (remote_ip, psk, ...) and ovs-monitor-ipsec and the IKE daemon
 * bring up the security associations.
 */

#ifndef ANTREA_IPSEC_H
#define ANTREA_IPSEC_H 1

#include "antrea/net-types.h"
#include "antrea/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What peer_port_spec sees. */
struct antrea_ipsec_peer_request {
    size_t size;                            /* sizeof, as built by the agent */
    const struct antrea_local_node *local;  /* this Node */
    const struct antrea_peer_node *peer;    /* the peer Node */
    const char *tunnel_ovs_type;            /* the tunnel type's ovs_type */
    uint16_t dst_port;                      /* tunnel UDP port, 0 if none */
};

/* The state of the security associations with one peer. */
enum antrea_ipsec_sa_state {
    ANTREA_IPSEC_SA_UNKNOWN = 0,    /* not (yet) known */
    ANTREA_IPSEC_SA_CONNECTING = 1, /* IKE negotiation under way */
    ANTREA_IPSEC_SA_UP = 2,         /* child SAs installed both ways */
    ANTREA_IPSEC_SA_FAILED = 3,     /* negotiation failed (e.g. bad PSK) */
};

struct antrea_ipsec_ops {
    struct antrea_plugin_lifecycle lifecycle;

    uint16_t esp_overhead;      /* bytes ESP adds; taken off the MTU */
    uint16_t reserved16;        /* zero */
    uint32_t reserved32;        /* zero */

    /* Fills 'spec' (zeroed by the agent) with the tunnel port for the
     * request's peer: a name unique per peer, the type and the options
     * (remote_ip, psk or certificates, dst_port).  Secrets placed in options
     * are never logged by the agent.  Returns 0 or a positive errno value
     * with a reason in 'error' (ANTREA_ERROR_SIZE bytes).  Required. */
    int (*peer_port_spec)(void *state,
                          const struct antrea_ipsec_peer_request *req,
                          struct antrea_ovs_port_spec *spec, char *error);

    /* Returns the SA state with the peer named 'peer_name', with detail in
     * 'detail' (ANTREA_ERROR_SIZE bytes).  NULL: always UNKNOWN. */
    enum antrea_ipsec_sa_state (*peer_state)(void *state,
                                             const char *peer_name,
                                             char *detail);
};

#ifdef __cplusplus
}
#endif

#endif /* antrea/ipsec.h */
