/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * NetworkPolicy rules as flows (policy-flows.h).  This file owns the text
 * of every NetworkPolicy flow.  Addresses are formatted by hand: the flow
 * computation of 100 rules x 500 addresses must stay within a few
 * milliseconds, and inet_ntop() is a large part of that budget.
 */

#include <config.h>
#include "policy-flows.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "antrea/net-util.h"
#include "pipeline.h"
#include "util.h"

/* Room for the longest match we write: "tcp,nw_src=255.255.255.255/32,
 * tp_dst=0xffff/0xffff" and the like. */
#define MATCH_SIZE 96

void
policy_flow_list_clear(struct policy_flow_list *list)
{
    list->n = 0;
    list->text_used = 0;
}

void
policy_flow_list_destroy(struct policy_flow_list *list)
{
    free(list->flows);
    free(list->text);
    memset(list, 0, sizeof *list);
}

/* Copies 'match' into the text buffer of 'list' and returns the copy. */
static char *
add_text(struct policy_flow_list *list, const char *match)
{
    size_t len = strlen(match) + 1;
    if (list->text_used + len > list->text_allocated) {
        char *old = list->text;
        size_t size = list->text_allocated ? list->text_allocated : 4096;
        while (size < list->text_used + len) {
            size *= 2;
        }
        list->text = xmalloc(size);
        list->text_allocated = size;
        if (old) {
            /* Move the flows' pointers along with the buffer. */
            memcpy(list->text, old, list->text_used);
            for (size_t i = 0; i < list->n; i++) {
                list->flows[i].match = (list->text
                                        + (list->flows[i].match - old));
            }
            free(old);
        }
    }
    char *copy = list->text + list->text_used;
    memcpy(copy, match, len);
    list->text_used += len;
    return copy;
}

/* Appends a flow with 'match' (copied) and returns it for the caller to
 * fill in its contribution. */
static struct policy_flow *
add_flow(struct policy_flow_list *out, uint8_t table, uint16_t priority,
         enum policy_flow_kind kind, const char *match)
{
    char *copy = add_text(out, match);
    if (out->n >= out->allocated) {
        out->flows = x2nrealloc(out->flows, &out->allocated,
                                sizeof *out->flows);
    }
    struct policy_flow *f = &out->flows[out->n++];
    memset(f, 0, sizeof *f);
    f->table = table;
    f->priority = priority;
    f->kind = kind;
    f->match = copy;
    return f;
}

/* Appends a conjunction clause flow. */
static void
add_clause(struct policy_flow_list *out, uint8_t table, const char *match,
           uint32_t conj_id, uint8_t clause, uint8_t n_clauses)
{
    struct policy_flow *f = add_flow(out, table, PIPELINE_PRIORITY_NORMAL,
                                     POLICY_FLOW_CONJUNCTION, match);
    f->conj_id = conj_id;
    f->clause = clause;
    f->n_clauses = n_clauses;
}

/* Appends a flow that sends what it matches to 'next_table'. */
static void
add_goto(struct policy_flow_list *out, uint8_t table, uint16_t priority,
         const char *match, uint8_t next_table)
{
    struct policy_flow *f = add_flow(out, table, priority, POLICY_FLOW_GOTO,
                                     match);
    f->next_table = next_table;
}

/* Writes the decimal form of 'v' at 'p' and returns the end. */
static char *
put_uint(char *p, unsigned int v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        *p++ = tmp[--n];
    }
    return p;
}

/* Writes 'prefix' ("FIELD=a.b.c.d" or "FIELD=a.b.c.d/len", /32 without
 * a length) at 'p' and returns the end; IPv4 only. */
static char *
put_ipv4(char *p, const char *field, const uint8_t bytes[4], int length)
{
    size_t n = strlen(field);
    memcpy(p, field, n);
    p += n;
    *p++ = '=';
    for (int i = 0; i < 4; i++) {
        if (i) {
            *p++ = '.';
        }
        p = put_uint(p, bytes[i]);
    }
    if (length >= 0 && length < 32) {
        *p++ = '/';
        p = put_uint(p, (unsigned int) length);
    }
    *p = '\0';
    return p;
}

/* Returns a message about 'ip' if it is not an IPv4 address, else NULL. */
static char *
check_ipv4(const struct antrea_ip *ip, const char *what)
{
    if (ip->family != AF_INET) {
        return xasprintf("%s: %s address (only IPv4 is supported)", what,
                         ip->family == AF_INET6 ? "an IPv6" : "no");
    }
    return NULL;
}

/* Returns the ovs-ofctl name of 'protocol', or NULL if unsupported. */
static const char *
protocol_name(uint8_t protocol)
{
    switch (protocol) {
    case IPPROTO_TCP:
        return "tcp";
    case IPPROTO_UDP:
        return "udp";
    case IPPROTO_SCTP:
        return "sctp";
    default:
        return NULL;
    }
}

/* Checks the input of policy_flows_rule_part(); returns a message or
 * NULL. */
static char *
check_part(const struct policy_rule_part *part)
{
    if (part->direction != POLICY_DIRECTION_IN
        && part->direction != POLICY_DIRECTION_OUT) {
        return xasprintf("rule part: unknown direction %d",
                         (int) part->direction);
    }
    if (!part->peer_any && !part->conj_id) {
        return xstrdup("rule part: conjunction id 0");
    }
    for (size_t i = 0; i < part->n_ofports; i++) {
        if (!part->ofports[i] || part->ofports[i] > 0xfeff) {
            return xasprintf("rule part: ofport %"PRIu32" out of range",
                             part->ofports[i]);
        }
    }
    for (size_t i = 0; i < part->n_pod_ips; i++) {
        char *msg = check_ipv4(&part->pod_ips[i], "rule part: Pod IP");
        if (msg) {
            return msg;
        }
    }
    for (size_t i = 0; i < part->n_peer_ips; i++) {
        char *msg = check_ipv4(&part->peer_ips[i], "rule part: peer IP");
        if (msg) {
            return msg;
        }
    }
    for (size_t i = 0; i < part->n_peer_cidrs; i++) {
        char *msg = check_ipv4(&part->peer_cidrs[i].ip,
                               "rule part: peer CIDR");
        if (msg) {
            return msg;
        }
        if (part->peer_cidrs[i].length > 32) {
            return xasprintf("rule part: peer CIDR prefix length %u "
                             "(more than 32)", part->peer_cidrs[i].length);
        }
    }
    for (size_t i = 0; i < part->n_services; i++) {
        const struct policy_service *s = &part->services[i];
        if (!protocol_name(s->protocol)) {
            return xasprintf("rule part: service %zu: unsupported "
                             "protocol %u", i, s->protocol);
        }
        if (s->end_port && (!s->port || s->end_port < s->port)) {
            return xasprintf("rule part: service %zu: bad port range "
                             "%u-%u", i, s->port, s->end_port);
        }
    }
    return NULL;
}

/* Appends the clause (or, with 'next_table', direct) flows of the
 * applied-to side: "ip,reg1=P" for ingress, "ip,nw_src=IP" for egress.
 * 'prefix' is put before each match ("" or e.g. "tcp,"), 'suffix' after
 * (e.g. ",tp_dst=80"). */
static void
add_applied_to(struct policy_flow_list *out,
               const struct policy_rule_part *part, uint8_t table,
               const char *proto, const char *suffix, uint32_t conj_id,
               uint8_t clause, uint8_t n_clauses, int next_table)
{
    char match[MATCH_SIZE];
    size_t n = part->direction == POLICY_DIRECTION_IN
               ? part->n_ofports : part->n_pod_ips;
    for (size_t i = 0; i < n; i++) {
        char *p = match;
        size_t plen = strlen(proto);
        memcpy(p, proto, plen);
        p += plen;
        if (part->direction == POLICY_DIRECTION_IN) {
            memcpy(p, ",reg1=", 6);
            p = put_uint(p + 6, part->ofports[i]);
            *p = '\0';
        } else {
            *p++ = ',';
            p = put_ipv4(p, "nw_src", part->pod_ips[i].bytes, 32);
        }
        strcpy(p, suffix);
        if (next_table >= 0) {
            add_goto(out, table, PIPELINE_PRIORITY_LOW, match,
                     (uint8_t) next_table);
        } else {
            add_clause(out, table, match, conj_id, clause, n_clauses);
        }
    }
}

/* Writes the match of service 's' restricted to the 'k'th value/mask pair
 * of its port range ("tcp", "tcp,tp_dst=80", "tcp,tp_dst=0x50/0xfff0"). */
static void
format_service(char *match, const char *proto, uint16_t value,
               uint16_t mask)
{
    if (!mask) {
        snprintf(match, MATCH_SIZE, "%s", proto);
    } else if (mask == 0xffff) {
        snprintf(match, MATCH_SIZE, "%s,tp_dst=%u", proto, value);
    } else {
        snprintf(match, MATCH_SIZE, "%s,tp_dst=0x%x/0x%x", proto, value,
                 mask);
    }
}

/* Returns the value/mask pairs of 's' in 'values'/'masks'. */
static size_t
service_masks(const struct policy_service *s, uint16_t values[32],
              uint16_t masks[32])
{
    if (!s->port) {
        values[0] = 0;
        masks[0] = 0;
        return 1;
    }
    return policy_port_range_masks(s->port,
                                   s->end_port ? s->end_port : s->port,
                                   values, masks);
}

int
policy_flows_rule_part(const struct policy_rule_part *part,
                       struct policy_flow_list *out, char **errorp)
{
    char *msg = check_part(part);
    if (msg) {
        if (errorp) {
            *errorp = msg;
        } else {
            free(msg);
        }
        return EINVAL;
    }
    if (errorp) {
        *errorp = NULL;
    }

    bool in = part->direction == POLICY_DIRECTION_IN;
    uint8_t table = in ? PIPELINE_TABLE_INGRESS_RULE
                       : PIPELINE_TABLE_EGRESS_RULE;
    uint8_t next = in ? PIPELINE_TABLE_CONNTRACK_COMMIT
                      : PIPELINE_TABLE_L3_FORWARDING;
    size_t n_applied = in ? part->n_ofports : part->n_pod_ips;
    if (!n_applied) {
        return 0;
    }

    char match[MATCH_SIZE];
    uint16_t values[32], masks[32];
    if (part->peer_any) {
        /* One clause: the applied-to side times each service. */
        if (!part->n_services) {
            add_applied_to(out, part, table, "ip", "", 0, 0, 0, next);
        }
        for (size_t i = 0; i < part->n_services; i++) {
            const struct policy_service *s = &part->services[i];
            const char *proto = protocol_name(s->protocol);
            size_t n = service_masks(s, values, masks);
            for (size_t k = 0; k < n; k++) {
                char suffix[MATCH_SIZE];
                if (!masks[k]) {
                    suffix[0] = '\0';
                } else if (masks[k] == 0xffff) {
                    snprintf(suffix, sizeof suffix, ",tp_dst=%u",
                             values[k]);
                } else {
                    snprintf(suffix, sizeof suffix, ",tp_dst=0x%x/0x%x",
                             values[k], masks[k]);
                }
                add_applied_to(out, part, table, proto, suffix, 0, 0, 0,
                               next);
            }
        }
        return 0;
    }

    if (!part->n_peer_ips && !part->n_peer_cidrs) {
        return 0;
    }
    uint8_t n_clauses = part->n_services ? 3 : 2;
    uint8_t peer_clause = in ? 1 : 2;
    uint8_t applied_clause = in ? 2 : 1;
    const char *peer_field = in ? "nw_src" : "nw_dst";
    uint32_t id = part->conj_id;

    add_applied_to(out, part, table, "ip", "", id, applied_clause,
                   n_clauses, -1);
    for (size_t i = 0; i < part->n_peer_ips; i++) {
        memcpy(match, "ip,", 3);
        put_ipv4(match + 3, peer_field, part->peer_ips[i].bytes, 32);
        add_clause(out, table, match, id, peer_clause, n_clauses);
    }
    for (size_t i = 0; i < part->n_peer_cidrs; i++) {
        const struct antrea_prefix *c = &part->peer_cidrs[i];
        if (!c->length) {
            /* 0.0.0.0/0: any IPv4 address. */
            snprintf(match, sizeof match, "ip");
        } else {
            memcpy(match, "ip,", 3);
            put_ipv4(match + 3, peer_field, c->ip.bytes, c->length);
        }
        add_clause(out, table, match, id, peer_clause, n_clauses);
    }
    for (size_t i = 0; i < part->n_services; i++) {
        const struct policy_service *s = &part->services[i];
        size_t n = service_masks(s, values, masks);
        for (size_t k = 0; k < n; k++) {
            format_service(match, protocol_name(s->protocol), values[k],
                           masks[k]);
            add_clause(out, table, match, id, 3, n_clauses);
        }
    }
    snprintf(match, sizeof match, "ip,conj_id=%"PRIu32, id);
    add_goto(out, table, PIPELINE_PRIORITY_LOW, match, next);
    return 0;
}

int
policy_flows_ingress_drop(uint32_t ofport, struct policy_flow_list *out,
                          char **errorp)
{
    if (!ofport || ofport > 0xfeff) {
        if (errorp) {
            *errorp = xasprintf("ingress default drop: ofport %"PRIu32
                                " out of range", ofport);
        }
        return EINVAL;
    }
    char match[MATCH_SIZE];
    snprintf(match, sizeof match, "ip,reg1=%"PRIu32, ofport);
    add_flow(out, PIPELINE_TABLE_INGRESS_DEFAULT, PIPELINE_PRIORITY_NORMAL,
             POLICY_FLOW_DROP, match);
    if (errorp) {
        *errorp = NULL;
    }
    return 0;
}

int
policy_flows_egress_drop(const struct antrea_ip *pod_ip,
                         struct policy_flow_list *out, char **errorp)
{
    char *msg = check_ipv4(pod_ip, "egress default drop: Pod IP");
    if (msg) {
        if (errorp) {
            *errorp = msg;
        } else {
            free(msg);
        }
        return EINVAL;
    }
    char match[MATCH_SIZE];
    memcpy(match, "ip,", 3);
    put_ipv4(match + 3, "nw_src", pod_ip->bytes, 32);
    add_flow(out, PIPELINE_TABLE_EGRESS_DEFAULT, PIPELINE_PRIORITY_NORMAL,
             POLICY_FLOW_DROP, match);
    if (errorp) {
        *errorp = NULL;
    }
    return 0;
}

/* Appends one static flow to 'out'. */
static void
add_static(struct pipeline_flows *out, uint8_t table, uint16_t priority,
           char *match, char *actions, const char *comment)
{
    if (out->n >= out->allocated) {
        out->flows = x2nrealloc(out->flows, &out->allocated,
                                sizeof *out->flows);
    }
    struct pipeline_flow *f = &out->flows[out->n++];
    f->table = table;
    f->priority = priority;
    f->category = PIPELINE_CATEGORY_POLICY;
    f->match = match;
    f->actions = actions;
    f->owner = xstrdup(POLICY_FLOWS_OWNER_STATIC);
    f->comment = xstrdup(comment);
}

int
policy_flows_static(const struct pipeline_node_config *cfg,
                    struct pipeline_flows *out, char **errorp)
{
    int error = pipeline_node_config_check(cfg, errorp);
    if (error) {
        return error;
    }
    char gw_ip[ANTREA_IP_STRING_SIZE];
    antrea_ip_to_string(&cfg->gateway_ip, gw_ip, sizeof gw_ip);

    add_static(out, PIPELINE_TABLE_EGRESS_RULE, PIPELINE_PRIORITY_HIGH,
               xstrdup("ct_state=-new+est,ip"),
               xasprintf("goto_table:%u", PIPELINE_TABLE_L3_FORWARDING),
               "EgressRule: established connections are not re-checked");
    add_static(out, PIPELINE_TABLE_INGRESS_RULE, PIPELINE_PRIORITY_HIGH,
               xstrdup("ct_state=-new+est,ip"),
               xasprintf("goto_table:%u",
                         PIPELINE_TABLE_CONNTRACK_COMMIT),
               "IngressRule: established connections are not re-checked");
    add_static(out, PIPELINE_TABLE_INGRESS_RULE, PIPELINE_PRIORITY_HIGH,
               xasprintf("ip,nw_src=%s", gw_ip),
               xasprintf("goto_table:%u",
                         PIPELINE_TABLE_CONNTRACK_COMMIT),
               "IngressRule: traffic from the gateway (kubelet probes) "
               "is always allowed");
    return 0;
}

/* qsort() order of contributions: conjunction id, then clause. */
static int
compare_conjunctions(const void *a_, const void *b_)
{
    const struct policy_flow *a = a_;
    const struct policy_flow *b = b_;
    if (a->conj_id != b->conj_id) {
        return a->conj_id < b->conj_id ? -1 : 1;
    }
    return (int) a->clause - (int) b->clause;
}

char *
policy_flow_actions(const struct policy_flow *flows, size_t n)
{
    if (!n) {
        return xstrdup("drop");
    }
    switch (flows[0].kind) {
    case POLICY_FLOW_GOTO:
        return xasprintf("goto_table:%u", flows[0].next_table);
    case POLICY_FLOW_DROP:
        return xstrdup("drop");
    case POLICY_FLOW_CONJUNCTION:
    default:
        break;
    }

    /* By hand: this runs for every flow of every change. */
    struct policy_flow small[8];
    struct policy_flow *sorted = n <= 8 ? small : xmalloc(n * sizeof *sorted);
    memcpy(sorted, flows, n * sizeof *sorted);
    if (n > 1) {
        qsort(sorted, n, sizeof *sorted, compare_conjunctions);
    }
    /* "conjunction(" + 10 digits + "," + 3 + "/" + 3 + ")," */
    char *actions = xmalloc(n * 32 + 1);
    char *p = actions;
    for (size_t i = 0; i < n; i++) {
        const struct policy_flow *f = &sorted[i];
        if (i && f->conj_id == sorted[i - 1].conj_id
            && f->clause == sorted[i - 1].clause) {
            continue;
        }
        if (p != actions) {
            *p++ = ',';
        }
        memcpy(p, "conjunction(", 12);
        p = put_uint(p + 12, f->conj_id);
        *p++ = ',';
        p = put_uint(p, f->clause);
        *p++ = '/';
        p = put_uint(p, f->n_clauses);
        *p++ = ')';
    }
    *p = '\0';
    if (sorted != small) {
        free(sorted);
    }
    return actions;
}

/* Returns bit 'i' (0 = most significant) of 'ip'. */
static int
ip_bit(const struct antrea_ip *ip, unsigned int i)
{
    return (ip->bytes[i / 8] >> (7 - i % 8)) & 1;
}

/* Returns 'ip' with the bits from 'length' on cleared. */
static struct antrea_ip
ip_network(const struct antrea_ip *ip, unsigned int length)
{
    struct antrea_ip net = *ip;
    unsigned int bits = antrea_ip_family_bits(ip->family);
    for (unsigned int i = length; i < bits; i++) {
        net.bytes[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
    }
    return net;
}

/* Returns true if prefix 'a' contains prefix 'b' (both of one family). */
static bool
prefix_covers(const struct antrea_prefix *a, const struct antrea_prefix *b)
{
    if (a->length > b->length) {
        return false;
    }
    for (unsigned int i = 0; i < a->length; i++) {
        if (ip_bit(&a->ip, i) != ip_bit(&b->ip, i)) {
            return false;
        }
    }
    return true;
}

/* Appends 'block' minus 'excepts' to '*outp'. */
static void
subtract__(const struct antrea_prefix *block,
           const struct antrea_prefix *excepts, size_t n_excepts,
           struct antrea_prefix **outp, size_t *n_outp, size_t *allocated)
{
    bool overlaps = false;
    for (size_t i = 0; i < n_excepts; i++) {
        if (prefix_covers(&excepts[i], block)) {
            return;
        }
        if (prefix_covers(block, &excepts[i])) {
            overlaps = true;
        }
    }
    if (!overlaps) {
        if (*n_outp >= *allocated) {
            *outp = x2nrealloc(*outp, allocated, sizeof **outp);
        }
        (*outp)[(*n_outp)++] = *block;
        return;
    }
    /* Some except lies strictly inside: split in halves. */
    struct antrea_prefix half = *block;
    half.length = block->length + 1;
    subtract__(&half, excepts, n_excepts, outp, n_outp, allocated);
    half.ip.bytes[block->length / 8] |= (uint8_t) (0x80u
                                                   >> (block->length % 8));
    subtract__(&half, excepts, n_excepts, outp, n_outp, allocated);
}

void
policy_prefix_subtract(const struct antrea_prefix *block,
                       const struct antrea_prefix *excepts,
                       size_t n_excepts, struct antrea_prefix **outp,
                       size_t *n_outp)
{
    struct antrea_prefix start = *block;
    start.ip = ip_network(&block->ip, block->length);

    struct antrea_prefix *clean = xmalloc((n_excepts ? n_excepts : 1)
                                          * sizeof *clean);
    size_t n_clean = 0;
    for (size_t i = 0; i < n_excepts; i++) {
        if (excepts[i].ip.family == block->ip.family) {
            clean[n_clean] = excepts[i];
            clean[n_clean].ip = ip_network(&excepts[i].ip,
                                           excepts[i].length);
            n_clean++;
        }
    }
    size_t allocated = 0;
    *outp = NULL;
    *n_outp = 0;
    subtract__(&start, clean, n_clean, outp, n_outp, &allocated);
    free(clean);
}

size_t
policy_port_range_masks(uint16_t first, uint16_t last, uint16_t values[32],
                        uint16_t masks[32])
{
    size_t n = 0;
    uint32_t port = first;
    while (port <= last && n < 32) {
        /* The largest aligned block starting at 'port' within 'last'. */
        uint32_t size = 1;
        while (size < 0x10000 && !(port & size)
               && port + size * 2 - 1 <= last) {
            size *= 2;
        }
        values[n] = (uint16_t) port;
        masks[n] = (uint16_t) (0xffffu & ~(size - 1));
        n++;
        port += size;
    }
    return n;
}
