/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Transmit checksum offload of an interface, through the SIOCETHTOOL ioctl
 * (the machines have no ethtool binary).  On OVS's userspace datapath, TCP
 * stalls unless TX checksum offload is off on the veth ends OVS does not
 * own (the Pod side): the kernel hands OVS packets with partial checksums
 * that OVS forwards unfixed.  Turning it off also turns off the offloads
 * that depend on it (TSO, GSO on checksums).
 */

#ifndef NET_ETHTOOL_H
#define NET_ETHTOOL_H 1

#include <stdbool.h>

/* Reads whether TX checksum offload is on for interface 'ifname' in
 * namespace 'netns_fd' (NETNS_CURRENT: the caller's) into '*onp'.  Returns
 * 0 or a positive errno value (ENODEV: no such interface). */
int ethtool_get_tx_csum(int netns_fd, const char *ifname, bool *onp);

/* Turns TX checksum offload of 'ifname' in 'netns_fd' on or off.  Returns
 * 0 or a positive errno value. */
int ethtool_set_tx_csum(int netns_fd, const char *ifname, bool on);

#endif /* net/ethtool.h */
