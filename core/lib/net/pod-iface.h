/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A Pod's network interface: the veth pair whose container end is the
 * Pod's CNI_IFNAME and whose host end OVS attaches to br-int.
 *
 * pod_iface_create() creates the pair with its container end created
 * directly inside the Pod's network namespace (the peer of the RTM_NEWLINK
 * request carries IFLA_NET_NS_FD), so no interface named like the
 * container's ever appears in the Node's namespace and nothing is moved or
 * renamed.  It keeps the Node's IP stack off the host end (arp_ignore 8,
 * forwarding 0, IPv6 off: on OVS's userspace datapath the kernel sees a
 * port's packets too, and would otherwise answer the Pod's ARP and forward
 * its packets a second time).  It then sets the MTU (both ends, at
 * creation), brings both ends
 * up, adds the addresses and routes inside the namespace, and optionally
 * turns TX checksum offload off on the container end (needed on OVS's
 * userspace datapath; see ethtool.h).  Any failure deletes the pair again,
 * so a failed call leaves nothing behind.  Gratuitous ARPs are the caller's
 * to schedule once the Pod's port and flows exist (garp.h).
 *
 * Namespaces: the caller's namespace is the Node's; the Pod's is entered
 * only to create sockets (netns.h), by the calling thread alone.  The
 * functions keep no state between calls, so different threads may work on
 * different Pods at once.
 *
 * Errors: a positive errno value and a message in '*errorp' that names the
 * interface and namespace (caller frees).
 */

#ifndef NET_POD_IFACE_H
#define NET_POD_IFACE_H 1

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antrea/net-types.h"

/* A route inside the Pod, through the Pod's interface. */
struct pod_iface_route {
    struct antrea_prefix dst;   /* e.g. 0.0.0.0/0 or 10.96.0.0/12 */
    struct antrea_ip gateway;   /* next hop; family 0: a link route */
};

/* What a Pod interface should be. */
struct pod_iface_config {
    const char *netns_path;     /* CNI_NETNS: /proc/PID/ns/net, ... */
    const char *ifname;         /* CNI_IFNAME, the container end */
    const char *host_ifname;    /* the host end (pod_iface_host_name()) */
    uint32_t mtu;               /* both ends; 0: the kernel's default */
    const struct antrea_prefix *addresses; /* e.g. 10.10.1.5/24 */
    size_t n_addresses;         /* entries in 'addresses' */
    const struct pod_iface_route *routes; /* besides the default route */
    size_t n_routes;            /* entries in 'routes' */
    struct antrea_ip default_gateway; /* family 0: none; otherwise a
                                         default route of its family via
                                         it, unless 'routes' holds one */
    bool tx_csum_off;           /* turn TX checksum offload off on the
                                   container end */
};

/* One end of the pair, as read back from the kernel. */
struct pod_iface_link {
    char name[IFNAMSIZ];        /* interface name */
    int ifindex;                /* index, in its own namespace */
    int peer_ifindex;           /* the veth peer's index in the peer's
                                   namespace (IFLA_LINK), or 0 */
    uint8_t mac[6];             /* Ethernet address */
    uint32_t mtu;               /* MTU */
    bool up;                    /* administratively up (IFF_UP) */
};

/* Both ends of a Pod's pair. */
struct pod_iface {
    struct pod_iface_link host;       /* in the Node's namespace */
    struct pod_iface_link container;  /* in the Pod's namespace */
};

/* Room for a host-side name and its NUL. */
#define POD_IFACE_NAME_SIZE IFNAMSIZ

/* Writes the host-side interface name for a Pod into 'name', as Antrea
 * derives it: the Pod name's first 8 characters (leading '-' dropped when
 * the name was cut), '-', and the first 6 hex digits of the SHA-1 of
 * 'container_id'; at most 15 characters.  A NULL or empty 'pod_name' (CNI
 * callers without K8S_POD_NAME) gives the prefix "veth".  Characters the
 * kernel refuses in names ('/', ':', blanks) become '_'. */
void pod_iface_host_name(const char *pod_name, const char *container_id,
                         char name[POD_IFACE_NAME_SIZE]);

/* Creates and configures the Pod interface described by 'config' and
 * returns both ends in '*iface' (which may be NULL).  Returns 0, or a
 * positive errno value with nothing left behind: EINVAL for a bad
 * 'config', ENOENT if the namespace does not exist, EEXIST if 'ifname' is
 * taken in the Pod's namespace or 'host_ifname' in the Node's, otherwise
 * what the kernel answered. */
int pod_iface_create(const struct pod_iface_config *config,
                     struct pod_iface *iface, char **errorp);

/* Deletes the pair whose host end is 'host_ifname' (both ends go).  An
 * interface that does not exist is success; one that is not a veth is
 * refused with EINVAL and left alone. */
int pod_iface_delete(const char *host_ifname, char **errorp);

/* Deletes the pairs whose host ends are the 'n' 'host_ifnames', as
 * pod_iface_delete() would each, but with one kernel request for all the
 * veths (much faster for a batch); each name's result goes to
 * 'errors[i]' and, with an error, a message to 'messages[i]' (the caller
 * frees it; NULL otherwise). */
void pod_iface_delete_many(const char *const *host_ifnames, size_t n,
                           int *errors, char **messages);

/* Reads interface 'ifname' in namespace 'netns_path' (NULL: the caller's)
 * into '*link'.  ENODEV if there is no such interface. */
int pod_iface_get_link(const char *netns_path, const char *ifname,
                       struct pod_iface_link *link, char **errorp);

/* Checks, for CNI CHECK, that the Pod interface matches 'config' (its
 * name, MTU if not 0, every address and route including the default one,
 * the host end if 'config->host_ifname' is not NULL and the two ends being
 * each other's peers), that the container end's MAC is 'mac' and the host
 * end's 'host_mac' (each may be NULL: not checked).  Extra addresses and
 * routes are allowed.  Returns 0 if everything matches; otherwise a message
 * in '*messagep' (caller frees) naming everything that differs, and ENOENT
 * (no namespace), ENODEV (an interface is missing), EINVAL (bad 'config')
 * or ESTALE (something differs). */
int pod_iface_verify(const struct pod_iface_config *config,
                     const uint8_t mac[6], const uint8_t host_mac[6],
                     char **messagep);

#endif /* net/pod-iface.h */
