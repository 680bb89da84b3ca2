/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The host side of the gateway port (antrea-gw0): once OVS has created the
 * internal interface, the agent brings it up and gives it the first
 * address of the Node's podCIDR, through route netlink in the agent's own
 * namespace.  The OVS side (the port itself, its MTU) is bridge.c's.
 */

#ifndef AGENT_GATEWAY_H
#define AGENT_GATEWAY_H 1

#include <stdint.h>

#include "antrea/net-types.h"

/* Brings interface 'ifname' up and makes 'address' (e.g. 10.10.1.1/24) one
 * of its addresses (an address already there is success).  Stores its MAC
 * in 'mac'.  Returns 0 or a positive errno value with a message in
 * '*errorp' (caller frees) naming the interface. */
int gateway_configure(const char *ifname, const struct antrea_prefix *address,
                      uint8_t mac[6], char **errorp);

#endif /* gateway.h */
