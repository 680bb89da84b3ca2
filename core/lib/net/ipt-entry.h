/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Building IPv4 iptables rules (struct ipt_entry) by hand for libiptc,
 * which takes rules only in the kernel's binary layout.  This file knows
 * that layout: the entry, its matches and its target, each padded to
 * XT_ALIGN, and the private data of the few extensions we use, exactly as
 * the iptables binary would build them, so that iptables-save prints our
 * rules as if "iptables -A" had added them:
 *
 *   - match "comment" revision 0: struct xt_comment_info;
 *   - standard targets (ACCEPT, DROP, RETURN) and jumps to a chain:
 *     struct xt_standard_target, which libiptc resolves by name;
 *   - target "MASQUERADE" revision 0 (the IPv4 one):
 *     struct nf_nat_ipv4_multi_range_compat with one empty range, i.e.
 *     no --to-ports and no --random;
 *   - match "mac" revision 0 (--mac-source): struct xt_mac_info;
 *   - target "MARK" revision 2 (--set-xmark VALUE/MASK):
 *     struct xt_mark_tginfo2;
 *   - target "CT" revision 2 with --notrack only: struct
 *     xt_ct_target_info_v1 with XT_CT_NOTRACK (raw table only; the
 *     iptables binary cannot print revision 0).
 *
 * iptables.c decides which rules Antrea wants; this file only encodes.
 */

#ifndef NET_IPT_ENTRY_H
#define NET_IPT_ENTRY_H 1

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "antrea/net-types.h"

struct ipt_entry;

/* A rule in the terms of the iptables command line. */
struct ipt_rule {
    struct antrea_prefix src;   /* -s; family 0: any source */
    struct antrea_prefix dst;   /* -d; family 0: any destination */
    bool dst_invert;            /* ! -d */
    const char *in_iface;       /* -i, or NULL */
    bool in_iface_invert;       /* ! -i */
    const char *out_iface;      /* -o, or NULL */
    bool out_iface_invert;      /* ! -o */
    bool has_mac_source;        /* -m mac --mac-source 'mac_source' */
    uint8_t mac_source[6];      /* ...the Ethernet source to match */
    const char *comment;        /* -m comment --comment, or NULL */
    const char *target;         /* -j: "ACCEPT", "DROP", "RETURN",
                                   "MASQUERADE", "MARK", "CT" (meaning
                                   "CT --notrack") or a chain name */
    uint32_t mark;              /* "MARK": --set-xmark mark/mark_mask */
    uint32_t mark_mask;         /* ...bits of the mark replaced */
};

/* Returns a new entry (caller frees) for 'rule', or NULL with a message in
 * '*errorp' (caller frees) if the rule cannot be expressed: a non-IPv4
 * address, a name too long for its field. */
struct ipt_entry *ipt_entry_build(const struct ipt_rule *rule,
                                  char **errorp);

#endif /* net/ipt-entry.h */
