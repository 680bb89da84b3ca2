/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Peer Nodes from the Node informer to flows and host routes (peers.h).
 */

#include <config.h>

#include "peers.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "agent-node.h"
#include "antrea/encap-mode.h"
#include "antrea/net-util.h"
#include "bridge.h"
#include "k8s/k8s-informer.h"
#include "k8s/k8s-resource.h"
#include "log.h"
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
};

struct peers {
    struct peers_options opts;  /* as created; 'local' points to 'local' */
    struct antrea_local_node local; /* this Node */
    char *local_name;           /* 'local.name' */
    struct k8s_informer *informer; /* the Node watch */
    struct peer **peers;        /* 'n' peers */
    size_t n;                   /* number of 'peers' */
    size_t allocated;           /* capacity of 'peers' */
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
    if (peer->has_route) {
        char *error = NULL;
        if (net_route_delete(NULL, &peer->route, &error)) {
            LOG_WARN("peer %s: %s", peer->node.name, error);
        }
        free(error);
        peer->has_route = false;
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
        peer->route.gateway = peer->node.node_ip;
        break;
    case ANTREA_PEER_PATH_UNDERLAY:
        error = pipeline_peer_route_flows(cfg, &pp, &flows, errorp);
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
    return error;
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
        char *error = NULL;
        if (bridge_commit(ps->opts.bridge, &error)) {
            LOG_WARN("peer %s deleted: %s", name, error);
            free(error);
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
