/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Hand-built struct ipt_entry records; see ipt-entry.h.
 *
 * The layout of one entry:
 *
 *   struct ipt_entry                    addresses, interfaces, offsets
 *   [struct xt_entry_match + data]...   each XT_ALIGN'd, size in header
 *   struct xt_entry_target + data       at 'target_offset'
 *                                       entry ends at 'next_offset'
 */

#include <config.h>
#include "ipt-entry.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libiptc/libiptc.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_CT.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_mac.h>
#include <linux/netfilter/xt_mark.h>

#include "antrea/net-util.h"
#include "util.h"

/* Sets 'addr' and 'mask' for -s/-d 'prefix', as iptables does: the
 * address masked, so that 10.10.1.5/24 reads back as 10.10.1.0/24. */
static void
set_address(const struct antrea_prefix *prefix, struct in_addr *addr,
            struct in_addr *mask)
{
    uint32_t m = prefix->length ? ~(uint32_t) 0 << (32 - prefix->length)
                                : 0;
    uint32_t a;
    memcpy(&a, prefix->ip.bytes, 4);
    mask->s_addr = htonl(m);
    addr->s_addr = a & mask->s_addr;
}

/* Sets 'name' and 'mask' for -i/-o 'iface', as iptables does for a name
 * without a '+' wildcard: every byte of the name and its NUL must match. */
static void
set_iface(const char *iface, char name[IFNAMSIZ],
          unsigned char mask[IFNAMSIZ])
{
    size_t len = strlen(iface);
    memcpy(name, iface, len);
    memset(mask, 0xff, len + 1);
}

/* The kinds of target an entry may carry. */
enum target_kind {
    TARGET_STANDARD,            /* a verdict or a jump to a chain */
    TARGET_MASQUERADE,          /* MASQUERADE, no options */
    TARGET_MARK,                /* MARK --set-xmark */
    TARGET_CT_NOTRACK,          /* CT --notrack */
};

/* Returns the kind of 'target' (a name checked to be non-empty). */
static enum target_kind
target_kind(const char *target)
{
    return (!strcmp(target, "MASQUERADE") ? TARGET_MASQUERADE
            : !strcmp(target, "MARK") ? TARGET_MARK
            : !strcmp(target, "CT") ? TARGET_CT_NOTRACK
            : TARGET_STANDARD);
}

/* Returns the size of the private data of a target of 'kind', and its
 * revision in '*revisionp'. */
static size_t
target_data_size(enum target_kind kind, uint8_t *revisionp)
{
    *revisionp = 0;
    switch (kind) {
    case TARGET_MASQUERADE:
        return XT_ALIGN(sizeof (struct nf_nat_ipv4_multi_range_compat));
    case TARGET_MARK:
        *revisionp = 2;         /* the revision of --set-xmark */
        return XT_ALIGN(sizeof (struct xt_mark_tginfo2));
    case TARGET_CT_NOTRACK:
        *revisionp = 2;         /* what iptables-save prints as CT */
        return XT_ALIGN(sizeof (struct xt_ct_target_info_v1));
    case TARGET_STANDARD:
    default:
        return XT_ALIGN(sizeof (int));
    }
}

/* Appends match 'name' (revision 0) with 'size' bytes of 'data' at
 * '*offsetp' in 'e', advancing '*offsetp'. */
static void
put_match(struct ipt_entry *e, size_t *offsetp, const char *name,
          const void *data, size_t size)
{
    struct xt_entry_match *m = (struct xt_entry_match *)
        ((char *) e + *offsetp);
    size_t match_size = XT_ALIGN(sizeof *m) + XT_ALIGN(size);
    m->u.user.match_size = (uint16_t) match_size;
    strcpy(m->u.user.name, name);
    m->u.user.revision = 0;
    memcpy(m->data, data, size);
    *offsetp += match_size;
}

/* Returns a new entry for 'rule'. */
struct ipt_entry *
ipt_entry_build(const struct ipt_rule *rule, char **errorp)
{
    *errorp = NULL;
    if ((rule->src.ip.family && rule->src.ip.family != AF_INET)
        || (rule->dst.ip.family && rule->dst.ip.family != AF_INET)) {
        *errorp = xstrdup("iptables rules here are IPv4 only");
        return NULL;
    }
    if ((rule->src.ip.family && rule->src.length > 32)
        || (rule->dst.ip.family && rule->dst.length > 32)) {
        *errorp = xstrdup("prefix length above 32 in an IPv4 rule");
        return NULL;
    }
    if ((rule->in_iface && (!rule->in_iface[0]
                            || strlen(rule->in_iface) >= IFNAMSIZ))
        || (rule->out_iface && (!rule->out_iface[0]
                                || strlen(rule->out_iface) >= IFNAMSIZ))) {
        *errorp = xstrdup("interface name empty or longer than 15 "
                          "characters in an iptables rule");
        return NULL;
    }
    if (rule->comment && strlen(rule->comment) >= XT_MAX_COMMENT_LEN) {
        *errorp = xasprintf("iptables comment longer than %d characters",
                            XT_MAX_COMMENT_LEN - 1);
        return NULL;
    }
    if (!rule->target || !rule->target[0]
        || strlen(rule->target) >= XT_EXTENSION_MAXNAMELEN) {
        *errorp = xstrdup("iptables rule target empty or too long");
        return NULL;
    }

    size_t match_size = 0;
    if (rule->has_mac_source) {
        match_size += XT_ALIGN(sizeof (struct xt_entry_match))
                      + XT_ALIGN(sizeof (struct xt_mac_info));
    }
    if (rule->comment) {
        match_size += XT_ALIGN(sizeof (struct xt_entry_match))
                      + XT_ALIGN(sizeof (struct xt_comment_info));
    }
    enum target_kind kind = target_kind(rule->target);
    uint8_t revision;
    size_t target_size = XT_ALIGN(sizeof (struct xt_entry_target))
                         + target_data_size(kind, &revision);
    size_t entry_size = XT_ALIGN(sizeof (struct ipt_entry));
    size_t size = entry_size + match_size + target_size;

    struct ipt_entry *e = xcalloc(1, size);
    e->target_offset = (uint16_t) (entry_size + match_size);
    e->next_offset = (uint16_t) size;

    if (rule->src.ip.family) {
        set_address(&rule->src, &e->ip.src, &e->ip.smsk);
    }
    if (rule->dst.ip.family) {
        set_address(&rule->dst, &e->ip.dst, &e->ip.dmsk);
        if (rule->dst_invert) {
            e->ip.invflags |= IPT_INV_DSTIP;
        }
    }
    if (rule->in_iface) {
        set_iface(rule->in_iface, e->ip.iniface, e->ip.iniface_mask);
        if (rule->in_iface_invert) {
            e->ip.invflags |= IPT_INV_VIA_IN;
        }
    }
    if (rule->out_iface) {
        set_iface(rule->out_iface, e->ip.outiface, e->ip.outiface_mask);
        if (rule->out_iface_invert) {
            e->ip.invflags |= IPT_INV_VIA_OUT;
        }
    }

    /* Matches in command-line order: -m mac, then -m comment. */
    size_t offset = entry_size;
    if (rule->has_mac_source) {
        struct xt_mac_info mac;
        memset(&mac, 0, sizeof mac);
        memcpy(mac.srcaddr, rule->mac_source, sizeof mac.srcaddr);
        put_match(e, &offset, "mac", &mac, sizeof mac);
    }
    if (rule->comment) {
        struct xt_comment_info info;
        memset(&info, 0, sizeof info);
        strcpy(info.comment, rule->comment);
        put_match(e, &offset, "comment", &info, sizeof info);
    }

    struct xt_entry_target *t = (struct xt_entry_target *)
        ((char *) e + e->target_offset);
    t->u.user.target_size = (uint16_t) target_size;
    strcpy(t->u.user.name, rule->target);
    t->u.user.revision = revision;
    if (kind == TARGET_MASQUERADE) {
        struct nf_nat_ipv4_multi_range_compat *mr
            = (struct nf_nat_ipv4_multi_range_compat *) t->data;
        mr->rangesize = 1;      /* the kernel requires exactly one */
    } else if (kind == TARGET_MARK) {
        struct xt_mark_tginfo2 *mark = (struct xt_mark_tginfo2 *) t->data;
        mark->mark = rule->mark;
        mark->mask = rule->mark_mask;
    } else if (kind == TARGET_CT_NOTRACK) {
        struct xt_ct_target_info_v1 *ct
            = (struct xt_ct_target_info_v1 *) t->data;
        ct->flags = XT_CT_NOTRACK;
    }
    /* A standard target's verdict stays 0: libiptc maps the name
     * (ACCEPT, RETURN, a chain) to the verdict or jump when the rule is
     * added. */
    return e;
}
