/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's OpenFlow pipeline as data; see pipeline.h for the interface
 * and docs/ovs-pipeline.md for what each table does.  This file owns the
 * flow list, the checks of the generators' inputs and the text of every
 * flow.  Nothing here does I/O or keeps state between calls.
 */

#include <config.h>
#include "pipeline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "antrea/net-util.h"
#include "util.h"

/* The tables in pipeline order, with Antrea's names. */
static const struct {
    enum pipeline_table table;      /* its number */
    const char *name;               /* Antrea's name for it */
} tables[PIPELINE_N_TABLES] = {
    { PIPELINE_TABLE_CLASSIFIER, "Classifier" },
    { PIPELINE_TABLE_SPOOF_GUARD, "SpoofGuard" },
    { PIPELINE_TABLE_ARP_RESPONDER, "ARPResponder" },
    { PIPELINE_TABLE_CONNTRACK, "Conntrack" },
    { PIPELINE_TABLE_CONNTRACK_STATE, "ConntrackState" },
    { PIPELINE_TABLE_DNAT, "DNAT" },
    { PIPELINE_TABLE_EGRESS_RULE, "EgressRule" },
    { PIPELINE_TABLE_EGRESS_DEFAULT, "EgressDefault" },
    { PIPELINE_TABLE_L3_FORWARDING, "L3Forwarding" },
    { PIPELINE_TABLE_L2_FORWARDING_CALC, "L2ForwardingCalc" },
    { PIPELINE_TABLE_INGRESS_RULE, "IngressRule" },
    { PIPELINE_TABLE_INGRESS_DEFAULT, "IngressDefault" },
    { PIPELINE_TABLE_CONNTRACK_COMMIT, "ConntrackCommit" },
    { PIPELINE_TABLE_L2_FORWARDING_OUT, "L2ForwardingOut" },
};

/* The largest ofport a flow may name: OpenFlow ports from 0xff00 up are
 * reserved (OFPP_MAX), and 0 is not a port. */
#define MAX_OFPORT 0xfeffu

/* Room for a MAC address in text, "xx:xx:xx:xx:xx:xx" and a NUL. */
#define MAC_STRING_SIZE 18

/* Text forms of the values a generator's flows use, computed once after
 * the input has been checked. */
struct node_text {
    char gw_ip[ANTREA_IP_STRING_SIZE];          /* "10.10.0.1" */
    char gw_mac[MAC_STRING_SIZE];               /* "xx:..:xx" */
    char svc_cidr[ANTREA_PREFIX_STRING_SIZE];   /* network, or "" */
};

static void node_text_init(struct node_text *,
                           const struct pipeline_node_config *);
static void add_flow(struct pipeline_flows *, const char *owner,
                     enum pipeline_table, uint16_t priority,
                     enum pipeline_category, char *match, char *actions,
                     char *comment);
static char *goto_table(enum pipeline_table);

enum pipeline_table
pipeline_table_at(size_t index)
{
    return tables[index < PIPELINE_N_TABLES ? index : 0].table;
}

const char *
pipeline_table_name(unsigned int table)
{
    for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
        if ((unsigned int) tables[i].table == table) {
            return tables[i].name;
        }
    }
    return NULL;
}

const char *
pipeline_category_name(enum pipeline_category category)
{
    switch (category) {
    case PIPELINE_CATEGORY_DEFAULT:
        return "Default";
    case PIPELINE_CATEGORY_GATEWAY:
        return "Gateway";
    case PIPELINE_CATEGORY_NODE:
        return "Node";
    case PIPELINE_CATEGORY_POD:
        return "Pod";
    case PIPELINE_CATEGORY_SERVICE:
        return "Service";
    case PIPELINE_CATEGORY_POLICY:
        return "Policy";
    }
    return NULL;
}

uint64_t
pipeline_cookie(uint16_t round, enum pipeline_category category)
{
    return ((uint64_t) round << PIPELINE_COOKIE_ROUND_SHIFT)
           | ((uint64_t) (category & 0xff) << PIPELINE_COOKIE_CATEGORY_SHIFT);
}

void
pipeline_flows_init(struct pipeline_flows *flows)
{
    flows->flows = NULL;
    flows->n = 0;
    flows->allocated = 0;
}

void
pipeline_flows_destroy(struct pipeline_flows *flows)
{
    if (!flows) {
        return;
    }
    for (size_t i = 0; i < flows->n; i++) {
        struct pipeline_flow *f = &flows->flows[i];
        free(f->match);
        free(f->actions);
        free(f->owner);
        free(f->comment);
    }
    free(flows->flows);
    pipeline_flows_init(flows);
}

char *
pipeline_flow_to_string(const struct pipeline_flow *flow)
{
    return xasprintf("table=%u,priority=%u%s%s actions=%s",
                     (unsigned int) flow->table,
                     (unsigned int) flow->priority,
                     flow->match[0] ? "," : "", flow->match, flow->actions);
}

char *
pipeline_pod_owner(const char *namespace, const char *name)
{
    return xasprintf("pod/%s/%s", namespace, name);
}

char *
pipeline_peer_owner(const char *node_name)
{
    return xasprintf("peer/%s", node_name);
}

/* Input checks.  Each returns 0, or EINVAL with a message in '*errorp'
 * (if nonnull) that starts with 'what', the name of the input. */

/* Stores the message for EINVAL and returns EINVAL. */
static int ANTREA_PRINTF_FORMAT(2, 3)
fail(char **errorp, const char *format, ...)
{
    if (errorp) {
        va_list args;

        va_start(args, format);
        *errorp = xvasprintf(format, args);
        va_end(args);
    }
    return EINVAL;
}

/* Writes 'mac' as "xx:xx:xx:xx:xx:xx" into 'buf'. */
static void
mac_to_string(const uint8_t mac[6], char buf[MAC_STRING_SIZE])
{
    snprintf(buf, MAC_STRING_SIZE, "%02x:%02x:%02x:%02x:%02x:%02x",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* Writes the text of 'ip' into 'buf', or "(no address)" if it has none,
 * for messages. */
static const char *
ip_text(const struct antrea_ip *ip, char buf[ANTREA_IP_STRING_SIZE])
{
    if (!antrea_ip_to_string(ip, buf, ANTREA_IP_STRING_SIZE)) {
        snprintf(buf, ANTREA_IP_STRING_SIZE, "(no address)");
    }
    return buf;
}

/* Writes the network of 'prefix' (host bits cleared) as "A.B.C.D/LEN"
 * into 'buf'; 'prefix' must be a checked IPv4 prefix. */
static void
prefix_network_to_string(const struct antrea_prefix *prefix,
                         char buf[ANTREA_PREFIX_STRING_SIZE])
{
    struct antrea_prefix network = *prefix;
    uint32_t addr;

    memcpy(&addr, network.ip.bytes, 4);
    addr = ntohl(addr);
    addr &= prefix->length ? UINT32_MAX << (32 - prefix->length) : 0;
    addr = htonl(addr);
    memcpy(network.ip.bytes, &addr, 4);
    antrea_prefix_to_string(&network, buf, ANTREA_PREFIX_STRING_SIZE);
}

/* Checks that 'ip' is an IPv4 address. */
static int
check_ipv4(const struct antrea_ip *ip, const char *what, char **errorp)
{
    char buf[ANTREA_IP_STRING_SIZE];

    if (ip->family == AF_INET) {
        return 0;
    } else if (ip->family == AF_INET6) {
        return fail(errorp, "%s %s: IPv6 is not supported by the pipeline "
                    "yet", what, ip_text(ip, buf));
    } else if (!ip->family) {
        return fail(errorp, "%s is missing", what);
    } else {
        return fail(errorp, "%s has unknown address family %u", what,
                    (unsigned int) ip->family);
    }
}

/* Checks that 'ip' is a usable unicast IPv4 host address. */
/* Returns true if 'ip' is the network or broadcast address of 'prefix'
 * (both IPv4, 'ip' inside 'prefix'), which no host may use when the prefix
 * is shorter than /31. */
static bool
is_network_or_broadcast(const struct antrea_prefix *prefix,
                        const struct antrea_ip *ip)
{
    if (prefix->length >= 31) {
        return false;
    }

    uint32_t addr, host_mask;
    memcpy(&addr, ip->bytes, 4);
    addr = ntohl(addr);
    host_mask = UINT32_MAX >> prefix->length;
    return !(addr & host_mask) || (addr & host_mask) == host_mask;
}

static int
check_host_ip(const struct antrea_ip *ip, const char *what, char **errorp)
{
    int error = check_ipv4(ip, what, errorp);
    if (error) {
        return error;
    }

    char buf[ANTREA_IP_STRING_SIZE];
    uint8_t first = ip->bytes[0];
    uint32_t addr;
    memcpy(&addr, ip->bytes, 4);
    if (addr == UINT32_MAX || !first || first == 127 || first >= 224) {
        return fail(errorp, "%s %s is not a unicast host address", what,
                    ip_text(ip, buf));
    }
    return 0;
}

/* Checks that 'prefix' is an IPv4 prefix of length 1 to 32. */
static int
check_prefix(const struct antrea_prefix *prefix, const char *what,
             char **errorp)
{
    char buf[ANTREA_IP_STRING_SIZE];

    if (prefix->ip.family == AF_INET6) {
        return fail(errorp, "%s %s/%u: IPv6 is not supported by the "
                    "pipeline yet", what, ip_text(&prefix->ip, buf),
                    (unsigned int) prefix->length);
    }
    int error = check_ipv4(&prefix->ip, what, errorp);
    if (error) {
        return error;
    }
    if (!prefix->length || prefix->length > 32) {
        return fail(errorp, "%s %s/%u: the prefix length must be 1 to 32",
                    what, ip_text(&prefix->ip, buf),
                    (unsigned int) prefix->length);
    }
    return 0;
}

/* Checks that 'ofport' can name a port in a flow. */
static int
check_ofport(uint32_t ofport, const char *what, char **errorp)
{
    if (!ofport || ofport > MAX_OFPORT) {
        return fail(errorp, "%s %"PRIu32" is not a valid OpenFlow port "
                    "(1 to %u)", what, ofport, MAX_OFPORT);
    }
    return 0;
}

/* Checks that 'mac' is a unicast MAC that is not one of the pipeline's
 * virtual MACs. */
static int
check_mac(const uint8_t mac[6], const char *what, char **errorp)
{
    static const uint8_t zero[6];
    char buf[MAC_STRING_SIZE];

    mac_to_string(mac, buf);
    if (!memcmp(mac, zero, sizeof zero)) {
        return fail(errorp, "%s is missing (all zeros)", what);
    } else if (mac[0] & 1) {
        return fail(errorp, "%s %s is a multicast address", what, buf);
    } else if (!strcmp(buf, PIPELINE_GLOBAL_VIRTUAL_MAC)
               || !strcmp(buf, PIPELINE_REENTRANCE_MAC)) {
        return fail(errorp, "%s %s is reserved by the pipeline", what, buf);
    }
    return 0;
}

/* Returns true if the IPv4 prefixes 'a' and 'b' share an address. */
static bool
prefixes_overlap(const struct antrea_prefix *a, const struct antrea_prefix *b)
{
    return (a->length <= b->length
            ? antrea_prefix_contains(a, &b->ip)
            : antrea_prefix_contains(b, &a->ip));
}

int
pipeline_node_config_check(const struct pipeline_node_config *cfg,
                           char **errorp)
{
    char ip_buf[ANTREA_IP_STRING_SIZE];
    char cidr_buf[ANTREA_PREFIX_STRING_SIZE];
    int error;

    if (!cfg) {
        return fail(errorp, "Node config is missing");
    }
    if ((error = check_ofport(cfg->gateway_ofport, "Node config: gateway "
                              "ofport", errorp))
        || (error = check_host_ip(&cfg->gateway_ip, "Node config: gateway "
                                  "IP", errorp))
        || (error = check_mac(cfg->gateway_mac, "Node config: gateway MAC",
                              errorp))
        || (error = check_prefix(&cfg->pod_cidr, "Node config: podCIDR",
                                 errorp))
        || (error = check_host_ip(&cfg->node_ip, "Node config: node IP",
                                  errorp))) {
        return error;
    }
    if (cfg->tunnel_ofport) {
        error = check_ofport(cfg->tunnel_ofport, "Node config: tunnel "
                             "ofport", errorp);
        if (error) {
            return error;
        }
        if (cfg->tunnel_ofport == cfg->gateway_ofport) {
            return fail(errorp, "Node config: tunnel ofport %"PRIu32" is "
                        "also the gateway ofport", cfg->tunnel_ofport);
        }
    }
    if (cfg->service_cidr.ip.family) {
        error = check_prefix(&cfg->service_cidr, "Node config: Service "
                             "CIDR", errorp);
        if (error) {
            return error;
        }
        if (prefixes_overlap(&cfg->service_cidr, &cfg->pod_cidr)) {
            prefix_network_to_string(&cfg->pod_cidr, cidr_buf);
            return fail(errorp, "Node config: Service CIDR overlaps the "
                        "podCIDR %s", cidr_buf);
        }
    }
    if (!antrea_prefix_contains(&cfg->pod_cidr, &cfg->gateway_ip)) {
        prefix_network_to_string(&cfg->pod_cidr, cidr_buf);
        return fail(errorp, "Node config: gateway IP %s is outside the "
                    "podCIDR %s", ip_text(&cfg->gateway_ip, ip_buf),
                    cidr_buf);
    }
    if (is_network_or_broadcast(&cfg->pod_cidr, &cfg->gateway_ip)) {
        prefix_network_to_string(&cfg->pod_cidr, cidr_buf);
        return fail(errorp, "Node config: gateway IP %s is the network or "
                    "broadcast address of the podCIDR %s",
                    ip_text(&cfg->gateway_ip, ip_buf), cidr_buf);
    }
    return 0;
}

/* Checks 'pod' against the checked 'cfg'; 'what' names the Pod. */
static int
check_pod(const struct pipeline_node_config *cfg,
          const struct pipeline_pod *pod, char **errorp)
{
    char what[160];
    char ip_buf[ANTREA_IP_STRING_SIZE];
    char cidr_buf[ANTREA_PREFIX_STRING_SIZE];
    int error;

    if (!pod) {
        return fail(errorp, "Pod is missing");
    }
    if (!pod->namespace || !pod->namespace[0] || !pod->name
        || !pod->name[0]) {
        return fail(errorp, "Pod %s/%s: namespace and name are required",
                    pod->namespace ? pod->namespace : "(null)",
                    pod->name ? pod->name : "(null)");
    }
    if (strchr(pod->namespace, '/') || strchr(pod->name, '/')) {
        return fail(errorp, "Pod %s/%s: a namespace or name holds '/'",
                    pod->namespace, pod->name);
    }

    snprintf(what, sizeof what, "Pod %.60s/%.60s: ofport", pod->namespace,
             pod->name);
    if ((error = check_ofport(pod->ofport, what, errorp))) {
        return error;
    }
    if (pod->ofport == cfg->gateway_ofport
        || pod->ofport == cfg->tunnel_ofport) {
        return fail(errorp, "Pod %s/%s: ofport %"PRIu32" belongs to the %s",
                    pod->namespace, pod->name, pod->ofport,
                    (pod->ofport == cfg->gateway_ofport
                     ? "gateway" : "tunnel"));
    }

    snprintf(what, sizeof what, "Pod %.60s/%.60s: IP", pod->namespace,
             pod->name);
    if ((error = check_host_ip(&pod->ip, what, errorp))) {
        return error;
    }
    if (!antrea_prefix_contains(&cfg->pod_cidr, &pod->ip)) {
        prefix_network_to_string(&cfg->pod_cidr, cidr_buf);
        return fail(errorp, "Pod %s/%s: IP %s is outside the Node's "
                    "podCIDR %s", pod->namespace, pod->name,
                    ip_text(&pod->ip, ip_buf), cidr_buf);
    }
    if (is_network_or_broadcast(&cfg->pod_cidr, &pod->ip)) {
        prefix_network_to_string(&cfg->pod_cidr, cidr_buf);
        return fail(errorp, "Pod %s/%s: IP %s is the network or broadcast "
                    "address of the podCIDR %s", pod->namespace, pod->name,
                    ip_text(&pod->ip, ip_buf), cidr_buf);
    }
    if (antrea_ip_equal(&pod->ip, &cfg->gateway_ip)) {
        return fail(errorp, "Pod %s/%s: IP %s is the gateway's",
                    pod->namespace, pod->name, ip_text(&pod->ip, ip_buf));
    }

    snprintf(what, sizeof what, "Pod %.60s/%.60s: MAC", pod->namespace,
             pod->name);
    if ((error = check_mac(pod->mac, what, errorp))) {
        return error;
    }
    if (!memcmp(pod->mac, cfg->gateway_mac, sizeof pod->mac)) {
        return fail(errorp, "Pod %s/%s: MAC is the gateway's",
                    pod->namespace, pod->name);
    }
    return 0;
}

/* Checks 'peer' against the checked 'cfg'. */
static int
check_peer(const struct pipeline_node_config *cfg,
           const struct pipeline_peer *peer, char **errorp)
{
    char what[128];
    char ip_buf[ANTREA_IP_STRING_SIZE];
    char cidr_buf[ANTREA_PREFIX_STRING_SIZE];
    int error;

    if (!peer) {
        return fail(errorp, "peer Node is missing");
    }
    if (!peer->name || !peer->name[0]) {
        return fail(errorp, "peer Node: the name is required");
    }

    snprintf(what, sizeof what, "peer Node %.100s: podCIDR", peer->name);
    if ((error = check_prefix(&peer->pod_cidr, what, errorp))) {
        return error;
    }
    if (prefixes_overlap(&peer->pod_cidr, &cfg->pod_cidr)) {
        prefix_network_to_string(&peer->pod_cidr, cidr_buf);
        return fail(errorp, "peer Node %s: podCIDR %s overlaps this Node's "
                    "podCIDR", peer->name, cidr_buf);
    }
    if (cfg->service_cidr.ip.family
        && prefixes_overlap(&peer->pod_cidr, &cfg->service_cidr)) {
        prefix_network_to_string(&peer->pod_cidr, cidr_buf);
        return fail(errorp, "peer Node %s: podCIDR %s overlaps the Service "
                    "CIDR", peer->name, cidr_buf);
    }

    snprintf(what, sizeof what, "peer Node %.100s: node IP", peer->name);
    if ((error = check_host_ip(&peer->node_ip, what, errorp))) {
        return error;
    }
    if (antrea_ip_equal(&peer->node_ip, &cfg->node_ip)) {
        return fail(errorp, "peer Node %s: node IP %s is this Node's",
                    peer->name, ip_text(&peer->node_ip, ip_buf));
    }

    snprintf(what, sizeof what, "peer Node %.100s: gateway IP", peer->name);
    if ((error = check_host_ip(&peer->gateway_ip, what, errorp))) {
        return error;
    }
    if (!antrea_prefix_contains(&peer->pod_cidr, &peer->gateway_ip)) {
        prefix_network_to_string(&peer->pod_cidr, cidr_buf);
        return fail(errorp, "peer Node %s: gateway IP %s is outside its "
                    "podCIDR %s", peer->name,
                    ip_text(&peer->gateway_ip, ip_buf), cidr_buf);
    }
    return 0;
}

/* Checks 'cfg', then 'pod' against it. */
static int
check_config_and_pod(const struct pipeline_node_config *cfg,
                     const struct pipeline_pod *pod, char **errorp)
{
    int error = pipeline_node_config_check(cfg, errorp);
    return error ? error : check_pod(cfg, pod, errorp);
}

/* Checks 'cfg', then 'peer' against it. */
static int
check_config_and_peer(const struct pipeline_node_config *cfg,
                      const struct pipeline_peer *peer, char **errorp)
{
    int error = pipeline_node_config_check(cfg, errorp);
    return error ? error : check_peer(cfg, peer, errorp);
}

/* Flow building. */

static void
node_text_init(struct node_text *t, const struct pipeline_node_config *cfg)
{
    antrea_ip_to_string(&cfg->gateway_ip, t->gw_ip, sizeof t->gw_ip);
    mac_to_string(cfg->gateway_mac, t->gw_mac);
    if (cfg->service_cidr.ip.family) {
        prefix_network_to_string(&cfg->service_cidr, t->svc_cidr);
    } else {
        t->svc_cidr[0] = '\0';
    }
}

/* Appends a flow to 'out', taking ownership of 'match', 'actions' and
 * 'comment' (all malloc'd). */
static void
add_flow(struct pipeline_flows *out, const char *owner,
         enum pipeline_table table, uint16_t priority,
         enum pipeline_category category, char *match, char *actions,
         char *comment)
{
    if (out->n >= out->allocated) {
        out->flows = x2nrealloc(out->flows, &out->allocated,
                                sizeof *out->flows);
    }
    struct pipeline_flow *f = &out->flows[out->n++];
    f->table = (uint8_t) table;
    f->priority = priority;
    f->category = category;
    f->match = match;
    f->actions = actions;
    f->owner = xstrdup(owner);
    f->comment = comment;
}

/* Returns the action that continues in 'table', malloc'd. */
static char *
goto_table(enum pipeline_table table)
{
    return xasprintf("goto_table:%u", (unsigned int) table);
}

/* Appends the table-miss flow of every table: drop where the table only
 * lets known traffic through, otherwise continue in the next table. */
static void
add_table_miss_flows(struct pipeline_flows *out)
{
    for (size_t i = 0; i < PIPELINE_N_TABLES; i++) {
        enum pipeline_table table = tables[i].table;
        char *actions;
        const char *why;

        switch (table) {
        case PIPELINE_TABLE_CLASSIFIER:
        case PIPELINE_TABLE_SPOOF_GUARD:
        case PIPELINE_TABLE_ARP_RESPONDER:
        case PIPELINE_TABLE_CONNTRACK:
        case PIPELINE_TABLE_L2_FORWARDING_OUT:
            actions = xstrdup("drop");
            why = "drop what no flow accepts";
            break;
        case PIPELINE_TABLE_EGRESS_RULE:
        case PIPELINE_TABLE_EGRESS_DEFAULT:
        case PIPELINE_TABLE_INGRESS_RULE:
        case PIPELINE_TABLE_INGRESS_DEFAULT:
            /* NetworkPolicy flows (issue 5) go into these tables; without
             * them every packet passes through. */
            actions = goto_table(tables[i + 1].table);
            why = "pass through (NetworkPolicy flows come later)";
            break;
        case PIPELINE_TABLE_CONNTRACK_STATE:
        case PIPELINE_TABLE_DNAT:
        case PIPELINE_TABLE_L3_FORWARDING:
        case PIPELINE_TABLE_L2_FORWARDING_CALC:
        case PIPELINE_TABLE_CONNTRACK_COMMIT:
        default:
            actions = goto_table(tables[i + 1].table);
            why = "continue in the next table";
            break;
        }
        add_flow(out, PIPELINE_OWNER_NODE, table, PIPELINE_PRIORITY_MISS,
                 PIPELINE_CATEGORY_DEFAULT, xstrdup(""), actions,
                 xasprintf("%s: table-miss, %s", tables[i].name, why));
    }
}

int
pipeline_node_flows(const struct pipeline_node_config *cfg,
                    struct pipeline_flows *out, char **errorp)
{
    int error = pipeline_node_config_check(cfg, errorp);
    if (error) {
        return error;
    }

    const char *owner = PIPELINE_OWNER_NODE;
    const unsigned int gw = cfg->gateway_ofport;
    const unsigned int tun = cfg->tunnel_ofport;
    struct node_text t;
    node_text_init(&t, cfg);

    add_table_miss_flows(out);

    /* Classifier: mark where the packet came from.  Tunnel traffic skips
     * SpoofGuard: its sources are remote. */
    add_flow(out, owner, PIPELINE_TABLE_CLASSIFIER, PIPELINE_PRIORITY_NORMAL,
             PIPELINE_CATEGORY_GATEWAY, xasprintf("in_port=%u", gw),
             xasprintf("load:0x%x->NXM_NX_REG0[0..15],goto_table:%u",
                       PIPELINE_FROM_GATEWAY, PIPELINE_TABLE_SPOOF_GUARD),
             xstrdup("Classifier: traffic from the gateway"));
    if (tun) {
        add_flow(out, owner, PIPELINE_TABLE_CLASSIFIER,
                 PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_DEFAULT,
                 xasprintf("in_port=%u", tun),
                 xasprintf("load:0x%x->NXM_NX_REG0[0..15],goto_table:%u",
                           PIPELINE_FROM_TUNNEL, PIPELINE_TABLE_CONNTRACK),
                 xstrdup("Classifier: traffic from the tunnel, to "
                         "Conntrack"));
    }

    /* SpoofGuard: IP from the gateway is not checked (kube-proxy sends
     * DNATed Pod traffic back with the Pod's source address); ARP from
     * the gateway must carry its own addresses. */
    add_flow(out, owner, PIPELINE_TABLE_SPOOF_GUARD, PIPELINE_PRIORITY_NORMAL,
             PIPELINE_CATEGORY_GATEWAY, xasprintf("ip,in_port=%u", gw),
             goto_table(PIPELINE_TABLE_CONNTRACK),
             xstrdup("SpoofGuard: IP from the gateway, unchecked"));
    add_flow(out, owner, PIPELINE_TABLE_SPOOF_GUARD, PIPELINE_PRIORITY_NORMAL,
             PIPELINE_CATEGORY_GATEWAY,
             xasprintf("arp,in_port=%u,arp_spa=%s,arp_sha=%s", gw, t.gw_ip,
                       t.gw_mac),
             goto_table(PIPELINE_TABLE_ARP_RESPONDER),
             xstrdup("SpoofGuard: ARP from the gateway with its own "
                     "addresses"));

    /* ARPResponder: what no peer-gateway responder answers is switched
     * normally (Pods and the gateway resolve each other). */
    add_flow(out, owner, PIPELINE_TABLE_ARP_RESPONDER, PIPELINE_PRIORITY_LOW,
             PIPELINE_CATEGORY_DEFAULT, xstrdup("arp"), xstrdup("NORMAL"),
             xstrdup("ARPResponder: other ARP as a learning switch"));

    /* Conntrack: every IP packet is tracked in the Pod zone. */
    add_flow(out, owner, PIPELINE_TABLE_CONNTRACK, PIPELINE_PRIORITY_NORMAL,
             PIPELINE_CATEGORY_DEFAULT, xstrdup("ip"),
             xasprintf("ct(table=%u,zone=%u)",
                       PIPELINE_TABLE_CONNTRACK_STATE, PIPELINE_CT_ZONE),
             xstrdup("Conntrack: track IP in the Pod zone"));

    /* ConntrackState: replies of connections that entered through the
     * gateway (kube-proxy DNAT) must go back through it to be un-NATed;
     * packets of those connections that come from the gateway go on
     * unchanged.  Invalid packets are dropped. */
    add_flow(out, owner, PIPELINE_TABLE_CONNTRACK_STATE,
             PIPELINE_PRIORITY_HIGH, PIPELINE_CATEGORY_GATEWAY,
             xasprintf("ct_state=-new+trk,ct_mark=0x%x,ip,"
                       "reg0=0x%x/0xffff", PIPELINE_CT_MARK_FROM_GATEWAY,
                       PIPELINE_FROM_GATEWAY),
             goto_table(PIPELINE_TABLE_DNAT),
             xstrdup("ConntrackState: gateway connection, from the "
                     "gateway"));
    add_flow(out, owner, PIPELINE_TABLE_CONNTRACK_STATE,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_DEFAULT,
             xstrdup("ct_state=+inv+trk,ip"), xstrdup("drop"),
             xstrdup("ConntrackState: drop invalid"));
    add_flow(out, owner, PIPELINE_TABLE_CONNTRACK_STATE,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_GATEWAY,
             xasprintf("ct_state=-new+trk,ct_mark=0x%x,ip",
                       PIPELINE_CT_MARK_FROM_GATEWAY),
             xasprintf("mod_dl_dst:%s,goto_table:%u", t.gw_mac,
                       PIPELINE_TABLE_DNAT),
             xstrdup("ConntrackState: reply of a gateway connection goes "
                     "back to the gateway"));

    /* DNAT: Service traffic goes straight to the gateway for kube-proxy,
     * skipping egress policy (applied when it comes back DNATed). */
    if (t.svc_cidr[0]) {
        add_flow(out, owner, PIPELINE_TABLE_DNAT, PIPELINE_PRIORITY_NORMAL,
                 PIPELINE_CATEGORY_SERVICE,
                 xasprintf("ip,nw_dst=%s", t.svc_cidr),
                 xasprintf("load:0x%x->NXM_NX_REG1[],"
                           "load:0x1->NXM_NX_REG0[%d],mod_dl_dst:%s,"
                           "goto_table:%u", gw, PIPELINE_PORT_FOUND_BIT,
                           t.gw_mac, PIPELINE_TABLE_CONNTRACK_COMMIT),
                 xstrdup("DNAT: Service CIDR to the gateway "
                         "(kube-proxy)"));
    }

    /* L3Forwarding: tunnelled traffic to the gateway's own address. */
    if (tun) {
        add_flow(out, owner, PIPELINE_TABLE_L3_FORWARDING,
                 PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_GATEWAY,
                 xasprintf("ip,dl_dst=%s,nw_dst=%s",
                           PIPELINE_GLOBAL_VIRTUAL_MAC, t.gw_ip),
                 xasprintf("mod_dl_dst:%s,goto_table:%u", t.gw_mac,
                           PIPELINE_TABLE_L2_FORWARDING_CALC),
                 xstrdup("L3Forwarding: tunnelled traffic to the gateway "
                         "IP"));
    }

    /* L2ForwardingCalc: the "dmac" entries of the gateway and the
     * tunnel. */
    add_flow(out, owner, PIPELINE_TABLE_L2_FORWARDING_CALC,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_GATEWAY,
             xasprintf("dl_dst=%s", t.gw_mac),
             xasprintf("load:0x%x->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[%d],"
                       "goto_table:%u", gw, PIPELINE_PORT_FOUND_BIT,
                       PIPELINE_TABLE_INGRESS_RULE),
             xstrdup("L2ForwardingCalc: the gateway's MAC"));
    if (tun) {
        add_flow(out, owner, PIPELINE_TABLE_L2_FORWARDING_CALC,
                 PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_DEFAULT,
                 xasprintf("dl_dst=%s", PIPELINE_GLOBAL_VIRTUAL_MAC),
                 xasprintf("load:0x%x->NXM_NX_REG1[],"
                           "load:0x1->NXM_NX_REG0[%d],goto_table:%u", tun,
                           PIPELINE_PORT_FOUND_BIT,
                           PIPELINE_TABLE_INGRESS_RULE),
                 xstrdup("L2ForwardingCalc: the global virtual MAC, to the "
                         "tunnel"));
    }

    /* ConntrackCommit: commit new connections; mark those that entered
     * through the gateway.  With peers behind the gateway, traffic that
     * re-enters from the gateway to leave through it again is not
     * committed (the host tracks it). */
    if (cfg->peers_via_gateway) {
        add_flow(out, owner, PIPELINE_TABLE_CONNTRACK_COMMIT,
                 PIPELINE_PRIORITY_HIGH, PIPELINE_CATEGORY_GATEWAY,
                 xasprintf("ip,in_port=%u,reg1=0x%x", gw, gw),
                 goto_table(PIPELINE_TABLE_L2_FORWARDING_OUT),
                 xstrdup("ConntrackCommit: gateway re-entrance, not "
                         "committed"));
    }
    add_flow(out, owner, PIPELINE_TABLE_CONNTRACK_COMMIT,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_GATEWAY,
             xasprintf("ct_state=+new+trk,ip,reg0=0x%x/0xffff",
                       PIPELINE_FROM_GATEWAY),
             xasprintf("ct(commit,table=%u,zone=%u,"
                       "exec(load:0x%x->NXM_NX_CT_MARK[]))",
                       PIPELINE_TABLE_L2_FORWARDING_OUT, PIPELINE_CT_ZONE,
                       PIPELINE_CT_MARK_FROM_GATEWAY),
             xstrdup("ConntrackCommit: commit and mark connections from "
                     "the gateway"));
    add_flow(out, owner, PIPELINE_TABLE_CONNTRACK_COMMIT,
             PIPELINE_PRIORITY_LOW, PIPELINE_CATEGORY_DEFAULT,
             xstrdup("ct_state=+new+trk,ip"),
             xasprintf("ct(commit,table=%u,zone=%u)",
                       PIPELINE_TABLE_L2_FORWARDING_OUT, PIPELINE_CT_ZONE),
             xstrdup("ConntrackCommit: commit new connections"));

    /* L2ForwardingOut: output to the port found; re-entering traffic goes
     * back out of the gateway with a source MAC the host recognises. */
    if (cfg->peers_via_gateway) {
        add_flow(out, owner, PIPELINE_TABLE_L2_FORWARDING_OUT,
                 PIPELINE_PRIORITY_HIGH, PIPELINE_CATEGORY_GATEWAY,
                 xasprintf("ip,in_port=%u,reg1=0x%x", gw, gw),
                 xasprintf("mod_dl_src:%s,IN_PORT",
                           PIPELINE_REENTRANCE_MAC),
                 xstrdup("L2ForwardingOut: gateway re-entrance, back out "
                         "of the gateway"));
    }
    add_flow(out, owner, PIPELINE_TABLE_L2_FORWARDING_OUT,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_DEFAULT,
             xasprintf("ip,reg0=0x%x/0x%x", 1u << PIPELINE_PORT_FOUND_BIT,
                       1u << PIPELINE_PORT_FOUND_BIT),
             xstrdup("output:NXM_NX_REG1[]"),
             xstrdup("L2ForwardingOut: output to the port found"));
    return 0;
}

int
pipeline_pod_flows(const struct pipeline_node_config *cfg,
                   const struct pipeline_pod *pod,
                   struct pipeline_flows *out, char **errorp)
{
    int error = check_config_and_pod(cfg, pod, errorp);
    if (error) {
        return error;
    }

    struct node_text t;
    node_text_init(&t, cfg);
    char ip[ANTREA_IP_STRING_SIZE];
    char mac[MAC_STRING_SIZE];
    antrea_ip_to_string(&pod->ip, ip, sizeof ip);
    mac_to_string(pod->mac, mac);
    const unsigned int port = pod->ofport;
    char *owner = pipeline_pod_owner(pod->namespace, pod->name);
    const char *ns = pod->namespace;
    const char *name = pod->name;

    add_flow(out, owner, PIPELINE_TABLE_CLASSIFIER, PIPELINE_PRIORITY_LOW,
             PIPELINE_CATEGORY_POD, xasprintf("in_port=%u", port),
             xasprintf("load:0x%x->NXM_NX_REG0[0..15],goto_table:%u",
                       PIPELINE_FROM_LOCAL, PIPELINE_TABLE_SPOOF_GUARD),
             xasprintf("Classifier: traffic from Pod %s/%s", ns, name));
    add_flow(out, owner, PIPELINE_TABLE_SPOOF_GUARD, PIPELINE_PRIORITY_NORMAL,
             PIPELINE_CATEGORY_POD,
             xasprintf("ip,in_port=%u,dl_src=%s,nw_src=%s", port, mac, ip),
             goto_table(PIPELINE_TABLE_CONNTRACK),
             xasprintf("SpoofGuard: IP from Pod %s/%s with its own "
                       "addresses", ns, name));
    add_flow(out, owner, PIPELINE_TABLE_SPOOF_GUARD, PIPELINE_PRIORITY_NORMAL,
             PIPELINE_CATEGORY_POD,
             xasprintf("arp,in_port=%u,arp_spa=%s,arp_sha=%s", port, ip,
                       mac),
             goto_table(PIPELINE_TABLE_ARP_RESPONDER),
             xasprintf("SpoofGuard: ARP from Pod %s/%s with its own "
                       "addresses", ns, name));
    if (cfg->tunnel_ofport) {
        add_flow(out, owner, PIPELINE_TABLE_L3_FORWARDING,
                 PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_POD,
                 xasprintf("ip,dl_dst=%s,nw_dst=%s",
                           PIPELINE_GLOBAL_VIRTUAL_MAC, ip),
                 xasprintf("mod_dl_src:%s,mod_dl_dst:%s,dec_ttl,"
                           "goto_table:%u", t.gw_mac, mac,
                           PIPELINE_TABLE_L2_FORWARDING_CALC),
                 xasprintf("L3Forwarding: tunnelled traffic to Pod %s/%s",
                           ns, name));
    }
    add_flow(out, owner, PIPELINE_TABLE_L2_FORWARDING_CALC,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_POD,
             xasprintf("dl_dst=%s", mac),
             xasprintf("load:0x%x->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[%d],"
                       "goto_table:%u", port, PIPELINE_PORT_FOUND_BIT,
                       PIPELINE_TABLE_INGRESS_RULE),
             xasprintf("L2ForwardingCalc: the MAC of Pod %s/%s", ns, name));
    free(owner);
    return 0;
}

/* Appends the ARP responder for 'peer''s gateway address 'gw_ip'. */
static void
add_gateway_arp_flow(struct pipeline_flows *out, const char *owner,
                     const struct pipeline_peer *peer, const char *gw_ip)
{
    /* Answer the gateway's ARP for the peer's gateway with the global
     * virtual MAC: the host's route to the peer podCIDR is "via the peer
     * gateway, onlink". */
    add_flow(out, owner, PIPELINE_TABLE_ARP_RESPONDER,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_NODE,
             xasprintf("arp,arp_op=1,arp_tpa=%s", gw_ip),
             xasprintf("move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
                       "mod_dl_src:%s,load:0x2->NXM_OF_ARP_OP[],"
                       "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
                       "set_field:%s->arp_sha,"
                       "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
                       "set_field:%s->arp_spa,IN_PORT",
                       PIPELINE_GLOBAL_VIRTUAL_MAC,
                       PIPELINE_GLOBAL_VIRTUAL_MAC, gw_ip),
             xasprintf("ARPResponder: the gateway of peer Node %s",
                       peer->name));
}

int
pipeline_peer_tunnel_flows(const struct pipeline_node_config *cfg,
                           const struct pipeline_peer *peer,
                           struct pipeline_flows *out, char **errorp)
{
    int error = check_config_and_peer(cfg, peer, errorp);
    if (error) {
        return error;
    }
    if (!cfg->tunnel_ofport) {
        return fail(errorp, "peer Node %s: a tunnel path needs a tunnel "
                    "port, and the Node config has none", peer->name);
    }

    struct node_text t;
    node_text_init(&t, cfg);
    char cidr[ANTREA_PREFIX_STRING_SIZE];
    char node_ip[ANTREA_IP_STRING_SIZE];
    char gw_ip[ANTREA_IP_STRING_SIZE];
    prefix_network_to_string(&peer->pod_cidr, cidr);
    antrea_ip_to_string(&peer->node_ip, node_ip, sizeof node_ip);
    antrea_ip_to_string(&peer->gateway_ip, gw_ip, sizeof gw_ip);
    char *owner = pipeline_peer_owner(peer->name);

    add_gateway_arp_flow(out, owner, peer, gw_ip);

    /* Straight into the tunnel; L2 and ingress policy happen on the
     * peer. */
    add_flow(out, owner, PIPELINE_TABLE_L3_FORWARDING,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_NODE,
             xasprintf("ip,nw_dst=%s", cidr),
             xasprintf("dec_ttl,mod_dl_src:%s,mod_dl_dst:%s,"
                       "load:0x%x->NXM_NX_REG1[],load:0x1->NXM_NX_REG0[%d],"
                       "set_field:%s->tun_dst,goto_table:%u",
                       t.gw_mac, PIPELINE_GLOBAL_VIRTUAL_MAC,
                       (unsigned int) cfg->tunnel_ofport,
                       PIPELINE_PORT_FOUND_BIT, node_ip,
                       PIPELINE_TABLE_CONNTRACK_COMMIT),
             xasprintf("L3Forwarding: Pods of peer Node %s through the "
                       "tunnel", peer->name));
    free(owner);
    return 0;
}

int
pipeline_peer_route_flows(const struct pipeline_node_config *cfg,
                          const struct pipeline_peer *peer,
                          struct pipeline_flows *out, char **errorp)
{
    int error = check_config_and_peer(cfg, peer, errorp);
    if (error) {
        return error;
    }

    struct node_text t;
    node_text_init(&t, cfg);
    char cidr[ANTREA_PREFIX_STRING_SIZE];
    prefix_network_to_string(&peer->pod_cidr, cidr);
    char *owner = pipeline_peer_owner(peer->name);

    /* The host routes it (podCIDR via the peer's node IP, or the
     * underlay). */
    add_flow(out, owner, PIPELINE_TABLE_L3_FORWARDING,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_NODE,
             xasprintf("ip,nw_dst=%s", cidr),
             xasprintf("dec_ttl,mod_dl_dst:%s,goto_table:%u", t.gw_mac,
                       PIPELINE_TABLE_L2_FORWARDING_CALC),
             xasprintf("L3Forwarding: Pods of peer Node %s through the "
                       "gateway", peer->name));
    free(owner);
    return 0;
}

int
pipeline_peer_gateway_arp_flows(const struct pipeline_node_config *cfg,
                                const struct pipeline_peer *peer,
                                struct pipeline_flows *out, char **errorp)
{
    int error = check_config_and_peer(cfg, peer, errorp);
    if (error) {
        return error;
    }

    char gw_ip[ANTREA_IP_STRING_SIZE];
    antrea_ip_to_string(&peer->gateway_ip, gw_ip, sizeof gw_ip);
    char *owner = pipeline_peer_owner(peer->name);
    add_gateway_arp_flow(out, owner, peer, gw_ip);
    free(owner);
    return 0;
}

/* networkPolicyOnly. */

int
pipeline_policyonly_node_flows(const struct pipeline_node_config *cfg,
                               struct pipeline_flows *out, char **errorp)
{
    int error = pipeline_node_config_check(cfg, errorp);
    if (error) {
        return error;
    }

    struct node_text t;
    node_text_init(&t, cfg);
    const char *owner = PIPELINE_OWNER_POLICYONLY;

    /* ARPResponder: every request is answered with the global virtual MAC,
     * the target address becoming the sender (swapped through reg2).  The
     * primary CNI's Pods only ARP for their gateway, and the host only for
     * Pods, so all of their IP traffic comes to OVS addressed to that MAC
     * and L3Forwarding decides where it goes. */
    add_flow(out, owner, PIPELINE_TABLE_ARP_RESPONDER,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_DEFAULT,
             xstrdup("arp,arp_op=1"),
             xasprintf("move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],"
                       "mod_dl_src:%s,load:0x2->NXM_OF_ARP_OP[],"
                       "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
                       "set_field:%s->arp_sha,"
                       "move:NXM_OF_ARP_TPA[]->NXM_NX_REG2[],"
                       "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
                       "move:NXM_NX_REG2[]->NXM_OF_ARP_SPA[],IN_PORT",
                       PIPELINE_GLOBAL_VIRTUAL_MAC,
                       PIPELINE_GLOBAL_VIRTUAL_MAC),
             xstrdup("ARPResponder: policy-only, every request answered "
                     "with the global virtual MAC"));

    /* L3Forwarding: what no local Pod's flow claims goes to the host,
     * which routes it as the primary CNI set it up. */
    add_flow(out, owner, PIPELINE_TABLE_L3_FORWARDING, PIPELINE_PRIORITY_LOW,
             PIPELINE_CATEGORY_GATEWAY, xstrdup("ip"),
             xasprintf("mod_dl_dst:%s,dec_ttl,goto_table:%u", t.gw_mac,
                       PIPELINE_TABLE_L2_FORWARDING_CALC),
             xstrdup("L3Forwarding: policy-only, everything else to the "
                     "host through the gateway"));
    return 0;
}

int
pipeline_policyonly_pod_flows(const struct pipeline_node_config *cfg,
                              const struct pipeline_pod *pod,
                              struct pipeline_flows *out, char **errorp)
{
    int error = check_config_and_pod(cfg, pod, errorp);
    if (error) {
        return error;
    }

    char ip[ANTREA_IP_STRING_SIZE];
    char mac[MAC_STRING_SIZE];
    antrea_ip_to_string(&pod->ip, ip, sizeof ip);
    mac_to_string(pod->mac, mac);
    char *owner = pipeline_pod_owner(pod->namespace, pod->name);

    /* The sender addressed the global virtual MAC (or the primary CNI's
     * host interface): route to the Pod, as the host would have. */
    add_flow(out, owner, PIPELINE_TABLE_L3_FORWARDING,
             PIPELINE_PRIORITY_NORMAL, PIPELINE_CATEGORY_POD,
             xasprintf("ip,nw_dst=%s", ip),
             xasprintf("mod_dl_src:%s,mod_dl_dst:%s,dec_ttl,goto_table:%u",
                       PIPELINE_GLOBAL_VIRTUAL_MAC, mac,
                       PIPELINE_TABLE_L2_FORWARDING_CALC),
             xasprintf("L3Forwarding: policy-only, to Pod %s/%s",
                       pod->namespace, pod->name));
    free(owner);
    return 0;
}
