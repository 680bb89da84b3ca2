/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * TX checksum offload through SIOCETHTOOL; see ethtool.h.  The legacy
 * ETHTOOL_GTXCSUM / ETHTOOL_STXCSUM commands are enough: the kernel maps
 * them onto the feature bits (NETIF_F_CSUM_MASK) of any driver.
 */

#include <config.h>
#include "ethtool.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "netns.h"

/* Issues ethtool command 'value' on 'ifname' in 'netns_fd' through a
 * datagram socket created there. */
static int
ethtool_value_ioctl(int netns_fd, const char *ifname,
                    struct ethtool_value *value)
{
    if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ) {
        return EINVAL;
    }

    int fd;
    int error = netns_socket(netns_fd, AF_INET, SOCK_DGRAM, 0, &fd);
    if (error) {
        return error;
    }

    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    ifr.ifr_data = (void *) value;
    error = ioctl(fd, SIOCETHTOOL, &ifr) ? errno : 0;
    close(fd);
    return error;
}

/* Reads whether TX checksum offload is on. */
int
ethtool_get_tx_csum(int netns_fd, const char *ifname, bool *onp)
{
    struct ethtool_value value = { .cmd = ETHTOOL_GTXCSUM };
    int error = ethtool_value_ioctl(netns_fd, ifname, &value);
    *onp = !error && value.data;
    return error;
}

/* Turns TX checksum offload on or off. */
int
ethtool_set_tx_csum(int netns_fd, const char *ifname, bool on)
{
    struct ethtool_value value = { .cmd = ETHTOOL_STXCSUM, .data = on };
    return ethtool_value_ioctl(netns_fd, ifname, &value);
}
