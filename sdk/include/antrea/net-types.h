/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Plain network value types shared by the plugin kinds.  They are values:
 * no pointers, fixed size, copied freely.  Addresses are in network byte
 * order.
 */

#ifndef ANTREA_NET_TYPES_H
#define ANTREA_NET_TYPES_H 1

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An IPv4 or IPv6 address.  'family' is AF_INET, AF_INET6, or 0 for "no
 * address".  An IPv4 address uses the first 4 bytes of 'bytes'. */
struct antrea_ip {
    uint8_t family;         /* AF_INET, AF_INET6 or 0 */
    uint8_t pad[3];         /* zero */
    uint8_t bytes[16];      /* the address, network byte order */
};

/* An address with a prefix length: a CIDR such as 10.10.1.0/24, or an
 * interface address such as 10.10.1.5/24. */
struct antrea_prefix {
    struct antrea_ip ip;
    uint8_t length;         /* 0..32 for IPv4, 0..128 for IPv6 */
    uint8_t pad[3];         /* zero */
};

/* The local Node, as the agent knows it once the Node object has been read.
 * Strings belong to the agent and are valid during the call only. */
struct antrea_local_node {
    size_t size;                    /* sizeof, as the agent built it */
    const char *name;               /* Kubernetes Node name */
    struct antrea_ip node_ip;       /* transport address (InternalIP unless
                                       transportInterface says otherwise) */
    struct antrea_prefix node_subnet; /* the subnet of 'node_ip' on its
                                         interface, e.g. 192.168.77.2/24 */
    struct antrea_prefix pod_cidr;  /* spec.podCIDR */
    struct antrea_ip gateway_ip;    /* first address of pod_cidr, on the
                                       gateway port */
    const char *gateway_name;       /* hostGateway, e.g. "antrea-gw0" */
    const char *transport_interface; /* the uplink's name, may be NULL */
    uint32_t mtu;                   /* Pod and gateway MTU in use */
};

/* Another Node of the cluster.  Strings are valid during the call only. */
struct antrea_peer_node {
    size_t size;                    /* sizeof, as the agent built it */
    const char *name;               /* Kubernetes Node name */
    struct antrea_ip node_ip;       /* its transport address */
    struct antrea_prefix pod_cidr;  /* its spec.podCIDR */
    struct antrea_ip gateway_ip;    /* first address of its pod_cidr */
};

/* Room for the options of one OVS Interface (Interface.options). */
#define ANTREA_OVS_MAX_OPTIONS 8
#define ANTREA_OVS_OPTION_KEY_SIZE 32
#define ANTREA_OVS_OPTION_VALUE_SIZE 256

/* An OVS port a plugin asks the agent to create: the port and interface
 * name, the interface type and its options.  Filled by the plugin into
 * storage the agent owns. */
struct antrea_ovs_port_spec {
    char name[16];                  /* IFNAMSIZ, NUL-terminated */
    char type[16];                  /* Interface.type, e.g. "geneve" */
    uint32_t n_options;             /* used entries of 'options' */
    struct {
        char key[ANTREA_OVS_OPTION_KEY_SIZE];
        char value[ANTREA_OVS_OPTION_VALUE_SIZE];
    } options[ANTREA_OVS_MAX_OPTIONS];
};

/* Room for a human-readable reason a plugin call failed. */
#define ANTREA_ERROR_SIZE 256

#ifdef __cplusplus
}
#endif

#endif /* antrea/net-types.h */
