/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * IPsec tunnel ports, one per peer Node (ipsec-tunnels.h).
 */

#include <config.h>

#include "ipsec-tunnels.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "antrea/ipsec.h"
#include "antrea/net-util.h"
#include "aovs-ovsdb.h"
#include "bridge.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(ipsec_tunnels);

/* The largest OpenFlow port number a port can have (OFPP_MAX). */
#define MAX_OFPORT 0xfeffu

/* What replaces the key in messages. */
#define REDACTED "<redacted>"

/* One peer's port. */
struct ipsec_peer {
    char *name;                     /* the peer Node's name */
    char port[16];                  /* its port's name */
    uint64_t object;                /* bridge object id of its flow */
};

struct ipsec_tunnels {
    struct bridge *bridge;          /* br-int */
    const struct antrea_ipsec_ops *ipsec; /* the module */
    void *ipsec_state;              /* its state */
    struct antrea_local_node local; /* this Node; 'name' is 'local_name' */
    char *local_name;               /* owned copy of the Node's name */
    char *tunnel_ovs_type;          /* e.g. "geneve" */
    uint16_t dst_port;              /* tunnel UDP port, 0 if none */
    struct ipsec_peer *peers;       /* 'n' peers with a port */
    size_t n;                       /* number of 'peers' */
    size_t allocated;               /* capacity of 'peers' */
};

uint32_t
ipsec_tunnels_pod_mtu(uint32_t mtu, bool explicit_mtu, uint16_t esp_overhead)
{
    if (explicit_mtu || esp_overhead >= mtu) {
        return mtu;
    }
    return mtu - esp_overhead;
}

char *
ipsec_tunnels_redact(const char *message, const char *secret)
{
    if (!message) {
        return NULL;
    }
    size_t secret_len = secret ? strlen(secret) : 0;
    if (!secret_len) {
        return xstrdup(message);
    }

    /* At most one REDACTED per character of 'message'. */
    size_t room = strlen(message) * (sizeof REDACTED) + 1;
    char *out = xmalloc(room);
    char *p = out;
    for (const char *s = message; *s;) {
        if (!strncmp(s, secret, secret_len)) {
            memcpy(p, REDACTED, sizeof REDACTED - 1);
            p += sizeof REDACTED - 1;
            s += secret_len;
        } else {
            *p++ = *s++;
        }
    }
    *p = '\0';
    return out;
}

int
ipsec_tunnels_flows(const struct pipeline_node_config *cfg,
                    const char *peer_name, uint32_t ofport,
                    struct pipeline_flows *out, char **errorp)
{
    const char *problem = NULL;
    if (!peer_name || !peer_name[0]) {
        problem = "the peer has no name";
    } else if (!ofport || ofport > MAX_OFPORT) {
        problem = "not a valid OpenFlow port (1 to 65279)";
    } else if (ofport == cfg->gateway_ofport) {
        problem = "it is the gateway's";
    } else if (ofport == cfg->tunnel_ofport) {
        problem = "it is the flow-based tunnel port's";
    }
    if (problem) {
        if (errorp) {
            *errorp = xasprintf("IPsec tunnel port of peer Node %s: ofport "
                                "%"PRIu32": %s",
                                peer_name ? peer_name : "(none)", ofport,
                                problem);
        }
        return EINVAL;
    }

    if (out->n >= out->allocated) {
        out->flows = x2nrealloc(out->flows, &out->allocated,
                                sizeof *out->flows);
    }
    struct pipeline_flow *f = &out->flows[out->n++];
    f->table = PIPELINE_TABLE_CLASSIFIER;
    f->priority = PIPELINE_PRIORITY_NORMAL;
    f->category = PIPELINE_CATEGORY_NODE;
    f->match = xasprintf("in_port=%"PRIu32, ofport);
    f->actions = xasprintf("load:0x%x->NXM_NX_REG0[0..15],goto_table:%u",
                           PIPELINE_FROM_TUNNEL, PIPELINE_TABLE_CONNTRACK);
    f->owner = pipeline_peer_owner(peer_name);
    f->comment = xasprintf("Classifier: traffic from peer Node %s's IPsec "
                           "tunnel port, to Conntrack", peer_name);
    return 0;
}

struct ipsec_tunnels *
ipsec_tunnels_create(const struct ipsec_tunnels_options *opts,
                     const char *datapath_type)
{
    struct ipsec_tunnels *it = xcalloc(1, sizeof *it);
    it->bridge = opts->bridge;
    it->ipsec = opts->ipsec;
    it->ipsec_state = opts->ipsec_state;
    it->local = *opts->local;
    it->local_name = xstrdup(opts->local->name);
    it->local.name = it->local_name;
    it->local.gateway_name = NULL;
    it->local.transport_interface = NULL;
    it->tunnel_ovs_type = xstrdup(opts->tunnel_ovs_type);
    it->dst_port = opts->dst_port;

    if (datapath_type && !strcmp(datapath_type, "netdev")) {
        LOG_WARN("IPsec on OVS's userspace datapath: OVS encapsulates and "
                 "sends tunnel packets itself, so the kernel's IPsec (XFRM) "
                 "never sees them; ESP is applied only where the host "
                 "routes tunnel packets through strongSwan's kernel-libipsec "
                 "(see docs/plugins.md)");
    }
    return it;
}

void
ipsec_tunnels_destroy(struct ipsec_tunnels *it)
{
    if (it) {
        for (size_t i = 0; i < it->n; i++) {
            free(it->peers[i].name);
        }
        free(it->peers);
        free(it->tunnel_ovs_type);
        free(it->local_name);
        free(it);
    }
}

size_t
ipsec_tunnels_count(const struct ipsec_tunnels *it)
{
    return it ? it->n : 0;
}

static struct ipsec_peer *
find_peer(const struct ipsec_tunnels *it, const char *name)
{
    for (size_t i = 0; i < it->n; i++) {
        if (!strcmp(it->peers[i].name, name)) {
            return &it->peers[i];
        }
    }
    return NULL;
}

/* Returns the value of option 'key' in 'spec', or NULL. */
static const char *
spec_option(const struct antrea_ovs_port_spec *spec, const char *key)
{
    for (uint32_t i = 0; i < spec->n_options; i++) {
        if (!strcmp(spec->options[i].key, key)) {
            return spec->options[i].value;
        }
    }
    return NULL;
}

/* Returns true if 'port' in OVSDB is already the port 'spec' asks for on
 * 'bridge' for peer 'peer_name'. */
static bool
port_matches(const struct aovs_port *port, const char *bridge,
             const struct antrea_ovs_port_spec *spec, const char *peer_name)
{
    if (strcmp(port->bridge, bridge) || strcmp(port->type, spec->type)
        || port->options.n != spec->n_options) {
        return false;
    }
    for (uint32_t i = 0; i < spec->n_options; i++) {
        const char *have = aovs_smap_get(&port->options,
                                         spec->options[i].key);
        if (!have || strcmp(have, spec->options[i].value)) {
            return false;
        }
    }
    const char *node = aovs_smap_get(&port->external_ids,
                                     IPSEC_TUNNELS_NODE_KEY);
    return node && !strcmp(node, peer_name);
}

/* Stores in '*errorp' 'message' without the key, and frees 'message'. */
static void
set_error(char **errorp, char *message, const char *psk)
{
    *errorp = ipsec_tunnels_redact(message, psk);
    free(message);
}

/* Makes sure the port 'spec' exists as asked and returns its ofport. */
static int
ensure_port(struct ipsec_tunnels *it, const struct antrea_ovs_port_spec *spec,
            const char *peer_name, int *ofportp, char **errorp)
{
    struct aovs_ovsdb *db = bridge_ovsdb(it->bridge);
    const char *bridge = bridge_name(it->bridge);
    const char *psk = spec_option(spec, "psk");
    char *error = NULL;
    int retval;

    struct aovs_port port;
    if (!aovs_port_get(db, spec->name, &port)) {
        bool same = port_matches(&port, bridge, spec, peer_name);
        aovs_port_destroy(&port);
        if (same) {
            retval = aovs_port_wait_ofport(db, spec->name, ofportp, &error);
            if (retval) {
                set_error(errorp, error, psk);
            }
            return retval;
        }
        /* The peer's IP, the key or the tunnel type changed: OVS and
         * ovs-monitor-ipsec take a new port more reliably than changed
         * options. */
        retval = aovs_port_delete(db, spec->name, &error);
        if (retval) {
            set_error(errorp, error, psk);
            return retval;
        }
    }

    struct aovs_smap options = AOVS_SMAP_INITIALIZER;
    for (uint32_t i = 0; i < spec->n_options; i++) {
        aovs_smap_add(&options, spec->options[i].key,
                      spec->options[i].value);
    }
    struct aovs_smap ids = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&ids, IPSEC_TUNNELS_TYPE_KEY, IPSEC_TUNNELS_TYPE_VALUE);
    aovs_smap_add(&ids, IPSEC_TUNNELS_NODE_KEY, peer_name);
    struct aovs_port_settings settings = {
        .name = spec->name,
        .type = spec->type,
        .options = &options,
        .external_ids = &ids,
    };
    retval = aovs_port_add(db, bridge, &settings, &error);
    if (!retval) {
        retval = aovs_port_wait_ofport(db, spec->name, ofportp, &error);
    }
    aovs_smap_destroy(&options);
    aovs_smap_destroy(&ids);
    if (retval) {
        set_error(errorp, error, psk);
    }
    return retval;
}

int
ipsec_tunnels_add_peer(struct ipsec_tunnels *it,
                       const struct antrea_peer_node *peer, char **errorp)
{
    struct antrea_ipsec_peer_request req = {
        .size = sizeof req,
        .local = &it->local,
        .peer = peer,
        .tunnel_ovs_type = it->tunnel_ovs_type,
        .dst_port = it->dst_port,
    };
    struct antrea_ovs_port_spec spec;
    memset(&spec, 0, sizeof spec);
    char msg[ANTREA_ERROR_SIZE] = "";
    int retval = it->ipsec->peer_port_spec(it->ipsec_state, &req, &spec, msg);
    if (retval) {
        *errorp = xasprintf("IPsec: %s", msg);
        return retval;
    }

    struct ipsec_peer *p = find_peer(it, peer->name);
    if (p && strcmp(p->port, spec.name)) {
        ipsec_tunnels_remove_peer(it, peer->name);
        p = NULL;
    }

    int ofport = 0;
    char port_name[sizeof spec.name];
    antrea_strlcpy(port_name, spec.name, sizeof port_name);
    retval = ensure_port(it, &spec, peer->name, &ofport, errorp);
    explicit_bzero(&spec, sizeof spec);     /* it holds the key */
    if (retval) {
        return retval;
    }

    if (!p) {
        if (it->n >= it->allocated) {
            it->peers = x2nrealloc(it->peers, &it->allocated,
                                   sizeof *it->peers);
        }
        p = &it->peers[it->n++];
        p->name = xstrdup(peer->name);
        p->object = bridge_new_object(it->bridge);
    }
    antrea_strlcpy(p->port, port_name, sizeof p->port);

    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    retval = ipsec_tunnels_flows(bridge_node_config(it->bridge), peer->name,
                                 (uint32_t) ofport, &flows, errorp);
    if (!retval) {
        retval = bridge_set_flows(it->bridge, p->object, &flows, errorp);
    }
    pipeline_flows_destroy(&flows);
    if (!retval) {
        LOG_INFO("peer %s: IPsec tunnel port %s (ofport %d)", peer->name,
                 p->port, ofport);
    }
    return retval;
}

void
ipsec_tunnels_remove_peer(struct ipsec_tunnels *it, const char *name)
{
    struct ipsec_peer *p = find_peer(it, name);
    if (!p) {
        return;
    }
    bridge_remove_flows(it->bridge, p->object);
    char *error = NULL;
    if (aovs_port_delete(bridge_ovsdb(it->bridge), p->port, &error)
        && error) {
        LOG_WARN("peer %s: IPsec tunnel port %s: %s", name, p->port, error);
    } else {
        LOG_INFO("peer %s: IPsec tunnel port %s deleted", name, p->port);
    }
    free(error);
    free(p->name);
    *p = it->peers[--it->n];
}

void
ipsec_tunnels_remove_stale(struct ipsec_tunnels *it)
{
    struct aovs_ovsdb *db = bridge_ovsdb(it->bridge);
    struct aovs_port_list list;
    if (aovs_port_list(db, bridge_name(it->bridge), &list)) {
        return;
    }
    for (size_t i = 0; i < list.n; i++) {
        const struct aovs_port *port = &list.ports[i];
        const char *type = aovs_smap_get(&port->external_ids,
                                         IPSEC_TUNNELS_TYPE_KEY);
        const char *node = aovs_smap_get(&port->external_ids,
                                         IPSEC_TUNNELS_NODE_KEY);
        if (!type || strcmp(type, IPSEC_TUNNELS_TYPE_VALUE)
            || (node && find_peer(it, node))) {
            continue;
        }
        char *error = NULL;
        if (aovs_port_delete(db, port->name, &error)) {
            LOG_WARN("stale IPsec tunnel port %s: %s", port->name, error);
        } else {
            LOG_INFO("deleted IPsec tunnel port %s of Node %s, which is "
                     "gone", port->name, node ? node : "(unknown)");
        }
        free(error);
    }
    aovs_port_list_destroy(&list);
}
