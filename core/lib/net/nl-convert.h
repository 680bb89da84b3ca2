/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Conversions between the value types of antrea/net-types.h and libnl's
 * struct nl_addr, shared by the files of core/lib/net that use libnl.
 */

#ifndef NET_NL_CONVERT_H
#define NET_NL_CONVERT_H 1

#include <stdbool.h>

struct antrea_ip;
struct antrea_prefix;
struct nl_addr;

/* Returns a new nl_addr (caller puts it) for 'ip' as a host address (full
 * prefix length), or NULL if 'ip' has no family. */
struct nl_addr *nl_convert_from_ip(const struct antrea_ip *ip);

/* Returns a new nl_addr (caller puts it) for 'prefix', address and prefix
 * length, or NULL if 'prefix' has no family. */
struct nl_addr *nl_convert_from_prefix(const struct antrea_prefix *prefix);

/* Fills 'ip' from 'addr' (an IPv4 or IPv6 nl_addr; an empty one, as libnl
 * reports a default route's destination, is the zero address of its
 * family).  Returns false, with 'ip' zeroed, for NULL or another family. */
bool nl_convert_to_ip(const struct nl_addr *addr, struct antrea_ip *ip);

/* Fills 'prefix' from 'addr' and its prefix length, like
 * nl_convert_to_ip(). */
bool nl_convert_to_prefix(const struct nl_addr *addr,
                          struct antrea_prefix *prefix);

#endif /* net/nl-convert.h */
