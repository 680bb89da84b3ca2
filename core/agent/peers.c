/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Peer Nodes from the Node informer to flows and host routes (peers.h).
 */

#include <config.h>

#include "peers.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent-node.h"
#include "antrea/encap-mode.h"
#include "antrea/net-util.h"
#include "bridge.h"
#include "ipsec-tunnels.h"
#include "k8s/k8s-informer.h"
#include "k8s/k8s-resource.h"
#include "log.h"
#include "net/iptables.h"
#include "net/route.h"
#include "pipeline.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(peers);

/* What was installed for one peer. */
struct peer {
    struct agent_node node;     /* its facts */
    enum antrea_peer_path path; /* how it is reached */
    uint64_t object;            /* bridge object id of its flows */
    bool has_route;             /* 'route' is in the host's table */
    struct net_route route;     /* the host route for its podCIDR */
    bool has_service_route;     /* 'service_route' is in table 300 */
    struct net_route service_route; /* its podCIDR back through the
                                       gateway, for Service traffic */
    bool has_ipsec;             /* it has an IPsec tunnel port */
};

struct peers {
    struct peers_options opts;  /* as created; 'local' points to 'local' */
    struct antrea_local_node local; /* this Node */
    char *local_name;           /* 'local.name' */
    struct k8s_informer *informer; /* the Node watch */
    struct peer **peers;        /* 'n' peers */
    size_t n;                   /* number of 'peers' */
    size_t allocated;           /* capacity of 'peers' */
    bool routed;                /* some peers are reached through the
                                   gateway: the host side of noEncap and
                                   hybrid is ours */
    bool iptables_stale;        /* the peer set changed since the chains
                                   were last written */
};

static struct peer *
peer_find(const struct peers *ps, const char *name, size_t *indexp)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (!strcmp(ps->peers[i]->node.name, name)) {
            if (indexp) {
                *indexp = i;
            }
            return ps->peers[i];
        }
    }
    return NULL;
}

/* Removes what was installed for 'peer' (flows from the desired table,
 * the host route). */
static void
peer_uninstall(struct peers *ps, struct peer *peer)
{
    bridge_remove_flows(ps->opts.bridge, peer->object);
    /* IPsec: the peer's tunnel port and its Classifier flow. */
    if (peer->has_ipsec) {
        ipsec_tunnels_remove_peer(ps->opts.ipsec, peer->node.name);
        peer->has_ipsec = false;
    }
    if (peer->has_route) {
        char *error = NULL;
        if (net_route_delete(NULL, &peer->route, &error)) {
            LOG_WARN("peer %s: %s", peer->node.name, error);
        }
        free(error);
        peer->has_route = false;
    }
    if (peer->has_service_route) {
        char *error = NULL;
        if (net_route_delete(NULL, &peer->service_route, &error)) {
            LOG_WARN("peer %s: %s", peer->node.name, error);
        }
        free(error);
        peer->has_service_route = false;
    }
}

/* Installs flows and the host route for 'peer' as its path says. */
static int
peer_install(struct peers *ps, struct peer *peer, char **errorp)
{
    struct antrea_peer_node pn = {
        .size = sizeof pn,
        .name = peer->node.name,
        .node_ip = peer->node.node_ip,
        .pod_cidr = peer->node.pod_cidr,
        .gateway_ip = peer->node.gateway_ip,
    };
    struct antrea_peer_path_request req = {
        .size = sizeof req,
        .local = &ps->local,
        .peer = &pn,
    };
    peer->path = ps->opts.mode->peer_path(ps->opts.mode_state, &req);

    struct pipeline_peer pp = {
        .name = peer->node.name,
        .pod_cidr = peer->node.pod_cidr,
        .node_ip = peer->node.node_ip,
        .gateway_ip = peer->node.gateway_ip,
    };
    const struct pipeline_node_config *cfg
        = bridge_node_config(ps->opts.bridge);
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    memset(&peer->route, 0, sizeof peer->route);
    peer->route.dst = peer->node.pod_cidr;
    peer->route.protocol = NET_ROUTE_PROTO_ANTREA;
    int error = 0;
    bool route = true;
    switch (peer->path) {
    case ANTREA_PEER_PATH_TUNNEL:
        error = pipeline_peer_tunnel_flows(cfg, &pp, &flows, errorp);
        peer->route.gateway = peer->node.gateway_ip;
        antrea_strlcpy(peer->route.ifname, ps->opts.gateway_name,
                       sizeof peer->route.ifname);
        peer->route.onlink = true;
        break;
    case ANTREA_PEER_PATH_ROUTE:
        error = pipeline_peer_route_flows(cfg, &pp, &flows, errorp);
        if (!error) {
            error = pipeline_peer_gateway_arp_flows(cfg, &pp, &flows,
                                                    errorp);
        }
        peer->route.gateway = peer->node.node_ip;
        break;
    case ANTREA_PEER_PATH_UNDERLAY:
        /* The ARP responder too, as Antrea installs it for every peer. */
        error = pipeline_peer_route_flows(cfg, &pp, &flows, errorp);
        if (!error) {
            error = pipeline_peer_gateway_arp_flows(cfg, &pp, &flows,
                                                    errorp);
        }
        route = false;
        break;
    case ANTREA_PEER_PATH_NONE:
    default:
        route = false;
        break;
    }
    if (!error && flows.n) {
        error = bridge_set_flows(ps->opts.bridge, peer->object, &flows,
                                 errorp);
    }
    pipeline_flows_destroy(&flows);
    if (!error && route) {
        error = net_route_replace(NULL, &peer->route, errorp);
        peer->has_route = !error;
    }

    /* Service traffic the host DNATs to the peer's Pods goes back into
     * OVS (table 300), like Antrea's "Antrea-service" routes: for tunnel
     * and route peers, not for those the underlay carries. */
    if (!error && ps->routed && (peer->path == ANTREA_PEER_PATH_TUNNEL
                                 || peer->path == ANTREA_PEER_PATH_ROUTE)) {
        struct net_route *sr = &peer->service_route;
        memset(sr, 0, sizeof *sr);
        sr->dst = peer->node.pod_cidr;
        sr->gateway = peer->node.gateway_ip;
        antrea_strlcpy(sr->ifname, ps->opts.gateway_name,
                       sizeof sr->ifname);
        sr->onlink = true;
        sr->table = PEERS_SERVICE_TABLE;
        sr->protocol = NET_ROUTE_PROTO_ANTREA;
        error = net_route_replace(NULL, sr, errorp);
        peer->has_service_route = !error;
    }

    /* IPsec: a tunnelled peer also gets its own tunnel port (remote_ip,
     * psk), which ovs-monitor-ipsec turns into an IKE connection.  Last,
     * so that a failure here leaves the rest installed.  The peer may be
     * half added on failure: uninstall removes whatever is there. */
    if (!error && ps->opts.ipsec && peer->path == ANTREA_PEER_PATH_TUNNEL) {
        peer->has_ipsec = true;
        error = ipsec_tunnels_add_peer(ps->opts.ipsec, &pn, errorp);
    }
    return error;
}

/* Rewrites the iptables chains with every peer's podCIDR as a
 * destination that is not masqueraded, if the peer set changed.  Only for
 * routed peers: with every peer tunnelled, no Pod-to-Pod packet crosses
 * the host's nat table, and the chains datapath.c wrote stay. */
static void
sync_iptables(struct peers *ps)
{
    if (!ps->routed || !ps->iptables_stale) {
        return;
    }
    const struct pipeline_node_config *cfg
        = bridge_node_config(ps->opts.bridge);
    struct antrea_prefix *cidrs = xcalloc(ps->n + 1, sizeof *cidrs);
    for (size_t i = 0; i < ps->n; i++) {
        cidrs[i] = ps->peers[i]->node.pod_cidr;
    }
    struct iptables_config ipt = {
        .gateway_ifname = ps->opts.gateway_name,
        .pod_cidr = ps->local.pod_cidr,
        .cluster_cidrs = cidrs,
        .n_cluster_cidrs = ps->n,
        .snat = !ps->opts.no_snat,
        .routed_peers = true,
        .service_cidr = cfg->service_cidr,
    };
    /* The pipeline's constant, so the flows and the rule agree. */
    uint8_t *mac = ipt.reentrance_mac;
    sscanf(PIPELINE_REENTRANCE_MAC, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
           &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]);
    char *error = NULL;
    if (iptables_install(&ipt, &error)) {
        LOG_WARN("iptables rules for %zu peers: %s", ps->n, error);
        free(error);
    } else {
        ps->iptables_stale = false;
    }
    free(cidrs);
}

/* Returns true if 'route' (read back from 'table') is one this agent
 * wants now. */
static bool
route_is_current(const struct peers *ps, uint32_t table,
                 const struct net_route *route)
{
    if (table == PEERS_SERVICE_TABLE && ps->routed
        && antrea_ip_equal(&route->dst.ip, &ps->local.pod_cidr.ip)
        && route->dst.length == ps->local.pod_cidr.length) {
        return true;
    }
    for (size_t i = 0; i < ps->n; i++) {
        const struct peer *peer = ps->peers[i];
        const struct net_route *want = (table == PEERS_SERVICE_TABLE
                                        ? &peer->service_route
                                        : &peer->route);
        bool have = (table == PEERS_SERVICE_TABLE ? peer->has_service_route
                                                  : peer->has_route);
        if (have && antrea_ip_equal(&route->dst.ip, &want->dst.ip)
            && route->dst.length == want->dst.length
            && antrea_ip_equal(&route->gateway, &want->gateway)) {
            return true;
        }
    }
    return false;
}

/* Deletes the routes with the agent's marker in 'table' that no current
 * peer accounts for (in the main table, only those with a next hop, as
 * every peer route has): left by an earlier run for a Node that is gone,
 * or for another mode. */
static void
remove_stale_routes(struct peers *ps, uint32_t table)
{
    struct net_route *routes = NULL;
    size_t n = 0;
    char *error = NULL;
    if (net_route_list(NULL, table, NET_ROUTE_PROTO_ANTREA, &routes, &n,
                       &error)) {
        LOG_WARN("listing the routes of table %"PRIu32": %s", table, error);
        free(error);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        /* Peer routes in the main table always have a next hop; link
         * routes there are not ours to judge. */
        if (routes[i].dst.ip.family != AF_INET
            || (table == NET_ROUTE_TABLE_MAIN && !routes[i].gateway.family)
            || route_is_current(ps, table, &routes[i])) {
            continue;
        }
        char text[NET_ROUTE_STRING_SIZE];
        net_route_format(&routes[i], text, sizeof text);
        routes[i].table = table;
        if (net_route_delete(NULL, &routes[i], &error)) {
            LOG_WARN("stale route %s: %s", text, error);
            free(error);
            error = NULL;
        } else {
            LOG_INFO("deleted stale route %s", text);
        }
    }
    free(routes);
}

/* Writes 'value' to /proc/sys/'key' (a path below it); logs a failure. */
static void
write_sysctl(const char *key, const char *value)
{
    char *path = xasprintf("/proc/sys/%s", key);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value, strlen(value)) < 0) {
        LOG_WARN("%s: cannot write %s: %s", path, value, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    free(path);
}

/* Prepares the host for peers reached through the gateway (routed) or
 * removes what an earlier run in such a mode left (not routed): table
 * 300's local route, the fwmark rule, send_redirects. */
static void
host_setup(struct peers *ps)
{
    const char *gw = ps->opts.gateway_name;
    struct net_rule rule = {
        .family = AF_INET,
        .priority = PEERS_SERVICE_RULE_PRIORITY,
        .fwmark = IPTABLES_SERVICE_MARK,
        .fwmask = IPTABLES_SERVICE_MARK,
        .table = PEERS_SERVICE_TABLE,
    };
    antrea_strlcpy(rule.iif, gw, sizeof rule.iif);
    char *error = NULL;
    if (!ps->routed) {
        if (net_rule_delete(NULL, &rule, &error)) {
            LOG_WARN("removing the fwmark rule: %s", error);
            free(error);
        }
        return;
    }

    struct net_route local = {
        .dst = ps->local.pod_cidr,
        .table = PEERS_SERVICE_TABLE,
        .protocol = NET_ROUTE_PROTO_ANTREA,
    };
    antrea_strlcpy(local.ifname, gw, sizeof local.ifname);
    if (net_route_replace(NULL, &local, &error)) {
        LOG_WARN("table %d: %s", PEERS_SERVICE_TABLE, error);
        free(error);
        error = NULL;
    }
    if (net_rule_add(NULL, &rule, &error)) {
        LOG_WARN("fwmark rule: %s", error);
        free(error);
        error = NULL;
    }
    write_sysctl("net/ipv4/conf/all/send_redirects", "0");
    char *key = xasprintf("net/ipv4/conf/%s/send_redirects", gw);
    write_sysctl(key, "0");
    free(key);

    /* The chains for no peer yet: the mark and NOTRACK rules matter
     * from the start. */
    ps->iptables_stale = true;
    sync_iptables(ps);
}

/* Applies Node object 'object' (added or changed). */
static void
node_changed(struct peers *ps, const json_t *object)
{
    const char *name = k8s_object_name(object);
    if (!name || !strcmp(name, ps->local_name)) {
        return;
    }
    struct agent_node node;
    char *error = NULL;
    if (agent_node_from_json(object, &node, &error)) {
        LOG_WARN("%s; ignoring it until it changes", error);
        free(error);
        return;
    }

    struct peer *peer = peer_find(ps, name, NULL);
    if (peer) {
        if (antrea_ip_equal(&peer->node.node_ip, &node.node_ip)
            && antrea_ip_equal(&peer->node.pod_cidr.ip, &node.pod_cidr.ip)
            && peer->node.pod_cidr.length == node.pod_cidr.length) {
            agent_node_destroy(&node);
            return;
        }
        peer_uninstall(ps, peer);
        agent_node_destroy(&peer->node);
    } else {
        peer = xcalloc(1, sizeof *peer);
        peer->object = bridge_new_object(ps->opts.bridge);
        if (ps->n >= ps->allocated) {
            ps->peers = x2nrealloc(ps->peers, &ps->allocated,
                                   sizeof *ps->peers);
        }
        ps->peers[ps->n++] = peer;
    }
    peer->node = node;
    ps->iptables_stale = true;
    if (peer_install(ps, peer, &error)) {
        LOG_WARN("peer %s: %s", name, error);
        free(error);
    } else {
        char cidr[ANTREA_PREFIX_STRING_SIZE], ip[ANTREA_IP_STRING_SIZE];
        antrea_prefix_to_string(&node.pod_cidr, cidr, sizeof cidr);
        antrea_ip_to_string(&node.node_ip, ip, sizeof ip);
        LOG_INFO("peer %s: podCIDR %s via %s (path %d)", name, cidr, ip,
                 peer->path);
    }
    if (k8s_informer_has_synced(ps->informer) || !ps->informer) {
        if (bridge_commit(ps->opts.bridge, &error)) {
            LOG_WARN("peer %s: %s", name, error);
            free(error);
        }
        sync_iptables(ps);
    }
}

static void
on_add(json_t *object, void *ps_)
{
    node_changed(ps_, object);
}

static void
on_update(json_t *old_object, json_t *new_object, void *ps_)
{
    (void) old_object;
    node_changed(ps_, new_object);
}

static void
on_delete(json_t *object, void *ps_)
{
    struct peers *ps = ps_;
    const char *name = k8s_object_name(object);
    size_t i;
    struct peer *peer = name ? peer_find(ps, name, &i) : NULL;
    if (peer) {
        peer_uninstall(ps, peer);
        ps->peers[i] = ps->peers[--ps->n];
        agent_node_destroy(&peer->node);
        free(peer);
        ps->iptables_stale = true;
        char *error = NULL;
        if (bridge_commit(ps->opts.bridge, &error)) {
            LOG_WARN("peer %s deleted: %s", name, error);
            free(error);
        }
        if (k8s_informer_has_synced(ps->informer)) {
            sync_iptables(ps);
        }
        LOG_INFO("peer %s: gone", name);
    }
}

/* After the first list: commit all peers at once, then tell the owner. */
static void
on_synced(void *ps_)
{
    struct peers *ps = ps_;
    char *error = NULL;
    if (bridge_commit(ps->opts.bridge, &error)) {
        LOG_WARN("peers: %s", error);
        free(error);
    }
    sync_iptables(ps);
    /* IPsec: ports of Nodes deleted while the agent was down. */
    if (ps->opts.ipsec) {
        ipsec_tunnels_remove_stale(ps->opts.ipsec);
    }
    if (ps->opts.mode->flags & ANTREA_ENCAP_FORWARDS) {
        /* Not in a mode chained after another CNI: there the agent's
         * marked routes are those of intercepted Pods (pod-intercept.c),
         * and no peer has a route. */
        remove_stale_routes(ps, NET_ROUTE_TABLE_MAIN);
        remove_stale_routes(ps, PEERS_SERVICE_TABLE);
    }
    LOG_INFO("Node list applied: %zu peers", ps->n);
    if (ps->opts.synced) {
        ps->opts.synced(ps->opts.aux);
    }
}

static void
on_failed(const char *error, void *ps_)
{
    (void) ps_;
    LOG_ERR("Node watch gave up: %s", error);
}

struct peers *
peers_create(const struct peers_options *opts)
{
    struct peers *ps = xcalloc(1, sizeof *ps);
    ps->opts = *opts;
    ps->local = *opts->local;
    ps->local_name = xstrdup(opts->local->name);
    ps->local.name = ps->local_name;
    ps->local.gateway_name = opts->gateway_name;
    ps->local.transport_interface = NULL;
    ps->opts.local = &ps->local;
    ps->routed = bridge_node_config(opts->bridge)->peers_via_gateway;
    host_setup(ps);

    static const struct k8s_informer_handlers handlers = {
        .add = on_add,
        .update = on_update,
        .delete = on_delete,
        .synced = on_synced,
        .failed = on_failed,
    };
    struct k8s_list_watch_options lw;
    memset(&lw, 0, sizeof lw);
    ps->informer = k8s_informer_create(opts->client, &k8s_resource_nodes,
                                       &lw, &handlers, ps);
    k8s_informer_start(ps->informer);
    return ps;
}

void
peers_destroy(struct peers *ps)
{
    if (ps) {
        k8s_informer_destroy(ps->informer);
        for (size_t i = 0; i < ps->n; i++) {
            agent_node_destroy(&ps->peers[i]->node);
            free(ps->peers[i]);
        }
        free(ps->peers);
        free(ps->local_name);
        free(ps);
    }
}
