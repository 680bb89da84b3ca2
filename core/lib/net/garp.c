/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Gratuitous ARP over an AF_PACKET socket; see garp.h.  The socket is
 * created in the interface's namespace and bound to the interface there;
 * the rest happens in the caller's namespace through that socket.
 */

#include <config.h>
#include "garp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "antrea/net-util.h"
#include "netns.h"
#include "util.h"

/* An open announcer of one address from one interface. */
struct garp_sender {
    int fd;                         /* AF_PACKET datagram socket, bound */
    int ifindex;                    /* the interface, in its namespace */
    char ifname[IFNAMSIZ];          /* for messages */
    char ip_text[ANTREA_IP_STRING_SIZE]; /* for messages */
    struct ether_arp arp;           /* the ARP payload to send */
};

/* Prepares to announce 'ip' from 'ifname' in 'netns_fd'. */
int
garp_sender_open(int netns_fd, const char *ifname,
                 const struct antrea_ip *ip, struct garp_sender **senderp,
                 char **errorp)
{
    *senderp = NULL;
    if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ) {
        *errorp = xasprintf("invalid interface name \"%s\" for gratuitous "
                            "ARP", ifname ? ifname : "");
        return EINVAL;
    }
    if (!ip || ip->family != AF_INET) {
        *errorp = xasprintf("gratuitous ARP from %s needs an IPv4 address",
                            ifname);
        return EAFNOSUPPORT;
    }

    int fd;
    int error = netns_socket(netns_fd, AF_PACKET, SOCK_DGRAM,
                             htons(ETH_P_ARP), &fd);
    if (error) {
        *errorp = xasprintf("cannot open a packet socket for %s: %s",
                            ifname, strerror(error));
        return error;
    }

    /* Interface ioctls on the socket act in the socket's namespace. */
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    if (ioctl(fd, SIOCGIFINDEX, &ifr)) {
        error = errno;
        *errorp = xasprintf("cannot find interface %s for gratuitous ARP: "
                            "%s", ifname, strerror(error));
        goto error;
    }
    int ifindex = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
        error = errno;
        *errorp = xasprintf("cannot read the MAC of %s: %s", ifname,
                            strerror(error));
        goto error;
    }
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        error = EOPNOTSUPP;
        *errorp = xasprintf("%s is not an Ethernet interface", ifname);
        goto error;
    }

    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ARP),
        .sll_ifindex = ifindex,
    };
    if (bind(fd, (struct sockaddr *) &sll, sizeof sll)) {
        error = errno;
        *errorp = xasprintf("cannot bind a packet socket to %s: %s", ifname,
                            strerror(error));
        goto error;
    }

    struct garp_sender *s = xcalloc(1, sizeof *s);
    s->fd = fd;
    s->ifindex = ifindex;
    memcpy(s->ifname, ifname, strlen(ifname) + 1);
    antrea_ip_to_string(ip, s->ip_text, sizeof s->ip_text);

    struct ether_arp *arp = &s->arp;
    arp->arp_hrd = htons(ARPHRD_ETHER);
    arp->arp_pro = htons(ETH_P_IP);
    arp->arp_hln = ETH_ALEN;
    arp->arp_pln = 4;
    arp->arp_op = htons(ARPOP_REQUEST);
    memcpy(arp->arp_sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
    memcpy(arp->arp_spa, ip->bytes, 4);
    memset(arp->arp_tha, 0xff, ETH_ALEN);
    memcpy(arp->arp_tpa, ip->bytes, 4);

    *senderp = s;
    return 0;

error:
    close(fd);
    return error;
}

/* Sends one announcement. */
int
garp_sender_send(struct garp_sender *s, char **errorp)
{
    struct sockaddr_ll to = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ARP),
        .sll_ifindex = s->ifindex,
        .sll_halen = ETH_ALEN,
    };
    memset(to.sll_addr, 0xff, ETH_ALEN);

    ssize_t n = sendto(s->fd, &s->arp, sizeof s->arp, 0,
                       (struct sockaddr *) &to, sizeof to);
    if (n != (ssize_t) sizeof s->arp) {
        int error = n < 0 ? errno : EMSGSIZE;
        *errorp = xasprintf("cannot send gratuitous ARP for %s from %s: %s",
                            s->ip_text, s->ifname, strerror(error));
        return error;
    }
    return 0;
}

/* Frees 's'. */
void
garp_sender_close(struct garp_sender *s)
{
    if (s) {
        close(s->fd);
        free(s);
    }
}

/* Sends a series of announcements, blocking. */
int
garp_announce(int netns_fd, const char *ifname, const struct antrea_ip *ip,
              unsigned int count, unsigned int interval_ms, char **errorp)
{
    struct garp_sender *s;
    int error = garp_sender_open(netns_fd, ifname, ip, &s, errorp);
    for (unsigned int i = 0; !error && i < count; i++) {
        if (i) {
            struct timespec delay = {
                .tv_sec = interval_ms / 1000,
                .tv_nsec = (long) (interval_ms % 1000) * 1000000,
            };
            while (nanosleep(&delay, &delay) && errno == EINTR) {
                continue;
            }
        }
        error = garp_sender_send(s, errorp);
    }
    garp_sender_close(s);
    return error;
}
