/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * antrea_ip / antrea_prefix <-> libnl nl_addr; see nl-convert.h.
 */

#include <config.h>
#include "nl-convert.h"

#include <string.h>
#include <sys/socket.h>
#include <netlink/addr.h>

#include "antrea/net-util.h"

/* Returns a new nl_addr for 'ip' as a host address. */
struct nl_addr *
nl_convert_from_ip(const struct antrea_ip *ip)
{
    size_t size = antrea_ip_family_size(ip->family);
    return size ? nl_addr_build(ip->family, ip->bytes, size) : NULL;
}

/* Returns a new nl_addr for 'prefix'. */
struct nl_addr *
nl_convert_from_prefix(const struct antrea_prefix *prefix)
{
    struct nl_addr *addr = nl_convert_from_ip(&prefix->ip);
    if (addr) {
        nl_addr_set_prefixlen(addr, prefix->length);
    }
    return addr;
}

/* Fills 'ip' from 'addr'. */
bool
nl_convert_to_ip(const struct nl_addr *addr, struct antrea_ip *ip)
{
    memset(ip, 0, sizeof *ip);
    if (!addr) {
        return false;
    }
    int family = nl_addr_get_family(addr);
    size_t size = antrea_ip_family_size(family);
    size_t len = nl_addr_get_len(addr);
    if (!size || (len && len != size)) {
        return false;
    }
    ip->family = (uint8_t) family;
    if (len) {
        memcpy(ip->bytes, nl_addr_get_binary_addr(addr), len);
    }
    return true;
}

/* Fills 'prefix' from 'addr'. */
bool
nl_convert_to_prefix(const struct nl_addr *addr,
                     struct antrea_prefix *prefix)
{
    memset(prefix, 0, sizeof *prefix);
    if (!nl_convert_to_ip(addr, &prefix->ip)) {
        return false;
    }
    prefix->length = (uint8_t) nl_addr_get_prefixlen(addr);
    return true;
}
