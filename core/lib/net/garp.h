/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Gratuitous ARP from an interface in any network namespace.  After a Pod's
 * interface is configured Antrea announces the Pod's IPv4 address with
 * three gratuitous ARPs 50 ms apart, so that neighbours (the gateway, OVS
 * learning, a previous owner of the address) update their caches at once.
 *
 * The agent's event loop must not sleep, so the unit here is one
 * announcement: open a sender once (the only step inside the Pod's
 * namespace), call garp_sender_send() from timers, close it.
 * garp_announce() does the whole series blocking, for tools and tests.
 *
 * Each announcement is an ARP request (as Antrea's arping sends it) from
 * the interface's MAC, broadcast, with sender and target protocol address
 * both the announced address and target hardware address broadcast.
 * IPv4 only: IPv6 would announce with an unsolicited neighbour
 * advertisement, which is not done here.
 */

#ifndef NET_GARP_H
#define NET_GARP_H 1

#include <stdint.h>

struct antrea_ip;
struct garp_sender;

/* Antrea's series: 3 announcements, 50 ms apart. */
#define GARP_DEFAULT_COUNT 3
#define GARP_DEFAULT_INTERVAL_MS 50

/* Prepares to announce IPv4 address 'ip' from interface 'ifname' in
 * namespace 'netns_fd' (NETNS_CURRENT: the caller's).  Returns 0 and the
 * sender in '*senderp', or a positive errno value and a message in
 * '*errorp' (caller frees): EAFNOSUPPORT for a non-IPv4 address, ENODEV
 * for a missing interface. */
int garp_sender_open(int netns_fd, const char *ifname,
                     const struct antrea_ip *ip,
                     struct garp_sender **senderp, char **errorp);

/* Sends one announcement.  Returns 0 or a positive errno value and a
 * message in '*errorp' (caller frees); e.g. ENXIO or ENETDOWN once the
 * interface has gone or is down. */
int garp_sender_send(struct garp_sender *, char **errorp);

/* Frees the sender.  Accepts NULL. */
void garp_sender_close(struct garp_sender *);

/* Sends 'count' announcements of 'ip' from 'ifname' in 'netns_fd',
 * 'interval_ms' apart, blocking the caller meanwhile.  Returns 0 or the
 * first failure as garp_sender_open()/garp_sender_send() report it. */
int garp_announce(int netns_fd, const char *ifname,
                  const struct antrea_ip *ip, unsigned int count,
                  unsigned int interval_ms, char **errorp);

#endif /* net/garp.h */
