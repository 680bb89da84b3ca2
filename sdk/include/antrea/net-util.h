/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers for plugin authors over the value types of antrea/net-types.h:
 * comparing addresses, testing prefix membership, converting addresses and
 * prefixes to and from text, and filling the fixed-size buffers of the
 * plugin ABI without overflowing them.
 *
 * Everything here is 'static inline' so that a plugin gets its own copy and
 * never resolves a symbol of the agent (see antrea/plugin.h).  The header
 * compiles as C99 and as C++; it needs only the C library.
 *
 * None of these functions keeps a pointer to its arguments, and none
 * allocates memory.  A NULL pointer where an object is expected is handled
 * as bad input (false or an error), never dereferenced.
 */

#ifndef ANTREA_NET_UTIL_H
#define ANTREA_NET_UTIL_H 1

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "antrea/net-types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room for the text of any struct antrea_ip, including the NUL: the
 * longest IPv6 text (INET6_ADDRSTRLEN). */
#define ANTREA_IP_STRING_SIZE 46

/* Room for the text of any struct antrea_prefix ("ADDRESS/LENGTH"),
 * including the NUL. */
#define ANTREA_PREFIX_STRING_SIZE (ANTREA_IP_STRING_SIZE + 4)

/* Returns the number of address bytes used by 'family': 4 for AF_INET, 16
 * for AF_INET6, 0 for anything else. */
static inline size_t
antrea_ip_family_size(int family)
{
    return (family == AF_INET ? 4
            : family == AF_INET6 ? 16
            : 0);
}

/* Returns the largest prefix length for 'family': 32 for AF_INET, 128 for
 * AF_INET6, 0 for anything else. */
static inline unsigned int
antrea_ip_family_bits(int family)
{
    return (unsigned int) antrea_ip_family_size(family) * 8;
}

/* Returns true if 'a' and 'b' are the same address: the same family and
 * the same address bytes (only the first 4 for IPv4; all 16 for a family
 * this header does not know).  Two "no address" values (family 0) are
 * equal whatever their bytes.  Returns false if either is NULL. */
static inline bool
antrea_ip_equal(const struct antrea_ip *a, const struct antrea_ip *b)
{
    if (!a || !b || a->family != b->family) {
        return false;
    }
    if (!a->family) {
        return true;
    }
    size_t n = antrea_ip_family_size(a->family);
    return !memcmp(a->bytes, b->bytes, n ? n : sizeof a->bytes);
}

/* Returns true if 'ip' lies inside 'prefix': both have the same family
 * (AF_INET or AF_INET6) and the first 'prefix->length' bits of their
 * addresses agree.  Host bits set in 'prefix' (an interface address such
 * as 10.10.1.5/24) are ignored, so 10.10.1.5/24 contains 10.10.1.7.
 * Returns false for a prefix whose length is out of range for its family,
 * for family 0, and if either argument is NULL. */
static inline bool
antrea_prefix_contains(const struct antrea_prefix *prefix,
                       const struct antrea_ip *ip)
{
    if (!prefix || !ip || prefix->ip.family != ip->family) {
        return false;
    }
    unsigned int max_bits = antrea_ip_family_bits(ip->family);
    if (!max_bits || prefix->length > max_bits) {
        return false;
    }

    size_t whole_bytes = prefix->length / 8;
    unsigned int rest_bits = prefix->length % 8;
    if (memcmp(prefix->ip.bytes, ip->bytes, whole_bytes)) {
        return false;
    }
    if (rest_bits) {
        uint8_t mask = (uint8_t) (0xffu << (8 - rest_bits));
        if ((prefix->ip.bytes[whole_bytes] ^ ip->bytes[whole_bytes]) & mask) {
            return false;
        }
    }
    return true;
}

/* Copies the NUL-terminated string 'src' into 'dst', a buffer of 'size'
 * bytes, truncating if it does not fit; 'dst' is always NUL-terminated when
 * 'size' is nonzero.  Returns true if all of 'src' fit, false if it was
 * truncated (or an argument is NULL, or 'size' is 0; then 'dst' holds ""
 * if it can). */
static inline bool
antrea_strlcpy(char *dst, const char *src, size_t size)
{
    if (!dst || !size) {
        return false;
    }
    if (!src) {
        dst[0] = '\0';
        return false;
    }
    size_t length = strlen(src);
    if (length < size) {
        memcpy(dst, src, length + 1);
        return true;
    }
    memcpy(dst, src, size - 1);
    dst[size - 1] = '\0';
    return false;
}

/* Writes the text form of 'ip' (inet_ntop: "10.10.1.5", "fd00::5") into
 * 'buf', a buffer of 'size' bytes; ANTREA_IP_STRING_SIZE is always enough.
 * Returns true on success.  Returns false, leaving "" in 'buf' when 'size'
 * allows, if 'ip' is NULL, its family is neither AF_INET nor AF_INET6, or
 * the text does not fit. */
static inline bool
antrea_ip_to_string(const struct antrea_ip *ip, char *buf, size_t size)
{
    if (!buf || !size) {
        return false;
    }
    buf[0] = '\0';
    if (!ip || !antrea_ip_family_size(ip->family)) {
        return false;
    }

    /* socklen_t is narrower than size_t; no text needs more than this. */
    socklen_t room = (size > ANTREA_IP_STRING_SIZE
                      ? ANTREA_IP_STRING_SIZE : (socklen_t) size);
    if (!inet_ntop(ip->family, ip->bytes, buf, room)) {
        buf[0] = '\0';
        return false;
    }
    return true;
}

/* Writes the text form of 'prefix' ("10.10.1.0/24", "fd00::/64") into
 * 'buf', a buffer of 'size' bytes; ANTREA_PREFIX_STRING_SIZE is always
 * enough.  Host bits are written as they are.  Returns true on success;
 * false, leaving "" in 'buf' when 'size' allows, if 'prefix' is NULL, has
 * a bad family or length, or the text does not fit. */
static inline bool
antrea_prefix_to_string(const struct antrea_prefix *prefix, char *buf,
                        size_t size)
{
    if (!buf || !size) {
        return false;
    }
    buf[0] = '\0';
    if (!prefix
        || prefix->length > antrea_ip_family_bits(prefix->ip.family)) {
        return false;
    }

    char ip_text[ANTREA_IP_STRING_SIZE];
    if (!antrea_ip_to_string(&prefix->ip, ip_text, sizeof ip_text)) {
        return false;
    }
    int n = snprintf(buf, size, "%s/%u", ip_text,
                     (unsigned int) prefix->length);
    if (n < 0 || (size_t) n >= size) {
        buf[0] = '\0';
        return false;
    }
    return true;
}

/* Parses 's', an IPv4 address in dotted-quad form or an IPv6 address in
 * any form inet_pton(3) accepts, into '*ip' (all of it written: padding
 * and unused bytes are zero).  Returns true on success.  On failure
 * (NULL, empty, a prefix length, surrounding spaces, anything but exactly
 * one address) returns false and sets '*ip' to "no address" (family 0). */
static inline bool
antrea_ip_from_string(const char *s, struct antrea_ip *ip)
{
    if (!ip) {
        return false;
    }
    memset(ip, 0, sizeof *ip);
    if (!s) {
        return false;
    }
    if (inet_pton(AF_INET, s, ip->bytes) == 1) {
        ip->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, ip->bytes) == 1) {
        ip->family = AF_INET6;
        return true;
    }
    memset(ip, 0, sizeof *ip);
    return false;
}

/* Parses 's', "ADDRESS/LENGTH" with an address that antrea_ip_from_string
 * accepts and a decimal length from 0 to 32 (IPv4) or 128 (IPv6), into
 * '*prefix'.  Host bits are kept as written, so both "10.10.1.0/24" and
 * the interface address "10.10.1.5/24" parse.  The "/LENGTH" part is
 * required.  Returns true on success; on failure returns false and sets
 * '*prefix' to all zeros. */
static inline bool
antrea_prefix_from_string(const char *s, struct antrea_prefix *prefix)
{
    if (!prefix) {
        return false;
    }
    memset(prefix, 0, sizeof *prefix);
    if (!s) {
        return false;
    }

    const char *slash = strchr(s, '/');
    if (!slash || (size_t) (slash - s) >= ANTREA_IP_STRING_SIZE) {
        return false;
    }

    /* The length: 1 to 3 decimal digits, nothing else (no sign, no
     * spaces, no trailing text), so "/+24" and "/24x" are refused. */
    const char *digits = slash + 1;
    unsigned int length = 0;
    size_t n_digits = 0;
    for (; digits[n_digits]; n_digits++) {
        char c = digits[n_digits];
        if (c < '0' || c > '9' || n_digits >= 3) {
            return false;
        }
        length = length * 10 + (unsigned int) (c - '0');
    }
    if (!n_digits) {
        return false;
    }

    char ip_text[ANTREA_IP_STRING_SIZE];
    memcpy(ip_text, s, (size_t) (slash - s));
    ip_text[slash - s] = '\0';
    struct antrea_ip ip;
    if (!antrea_ip_from_string(ip_text, &ip)
        || length > antrea_ip_family_bits(ip.family)) {
        return false;
    }
    prefix->ip = ip;
    prefix->length = (uint8_t) length;
    return true;
}

/* Appends the option 'key'='value' to 'spec->options'.  Returns 0 on
 * success; ENOSPC if 'spec' already holds ANTREA_OVS_MAX_OPTIONS options;
 * ENAMETOOLONG if 'key' does not fit ANTREA_OVS_OPTION_KEY_SIZE - 1 bytes
 * or 'value' does not fit ANTREA_OVS_OPTION_VALUE_SIZE - 1 bytes; EINVAL
 * if an argument is NULL or 'key' is empty.  On failure 'spec' is left
 * unchanged.  Keys are not checked for duplicates. */
static inline int
antrea_port_spec_add_option(struct antrea_ovs_port_spec *spec,
                            const char *key, const char *value)
{
    if (!spec || !key || !value || !key[0]) {
        return EINVAL;
    }
    if (spec->n_options >= ANTREA_OVS_MAX_OPTIONS) {
        return ENOSPC;
    }
    if (strlen(key) >= ANTREA_OVS_OPTION_KEY_SIZE
        || strlen(value) >= ANTREA_OVS_OPTION_VALUE_SIZE) {
        return ENAMETOOLONG;
    }

    uint32_t i = spec->n_options;
    antrea_strlcpy(spec->options[i].key, key, sizeof spec->options[i].key);
    antrea_strlcpy(spec->options[i].value, value,
                   sizeof spec->options[i].value);
    spec->n_options = i + 1;
    return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* antrea/net-util.h */
