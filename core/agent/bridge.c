/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's bridge, its static ports and its desired flow table
 * (bridge.h).
 */

#include <config.h>

#include "bridge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <net/ethernet.h>
#include <netinet/if_ether.h>

#include "antrea/net-util.h"
#include "aovs-flow.h"
#include "aovs-ovsdb.h"
#include "aovs-switch.h"
#include "gateway.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(bridge);

/* Antrea's fixed OpenFlow port numbers for the tunnel and the gateway. */
#define TUNNEL_OFPORT 1
#define GATEWAY_OFPORT 2

/* Bounds every OVSDB and OpenFlow call. */
#define OVS_TIMEOUT_MS 10000

/* The bridge. */
struct bridge {
    char *name;                     /* ovsBridge */
    char *gateway_name;             /* hostGateway */
    struct aovs_ovsdb *db;          /* OVSDB connection */
    struct aovs_switch *sw;         /* OpenFlow connection */
    struct aovs_flow_table *flows;  /* desired flows */
    uint16_t round;                 /* this agent run's round */
    uint64_t next_object;           /* next object id to hand out */
    struct pipeline_node_config node; /* the Node, for the pipeline */
    bool commit_failed;             /* retry the commit on the next run */
    bool ovsdb_connected;           /* OVSDB connection state bridge_run()
                                       last saw, to log its changes */
    bool switch_ready;              /* same for the OpenFlow connection */
    unsigned int n_switch_connections; /* OpenFlow connections made so
                                       far; more than one means
                                       ovs-vswitchd restarted */
};

/* Returns the round after the one recorded in the bridge's external_ids
 * (1 if none); round 0 is never used, so a cookie of 0 is never ours. */
static uint16_t
next_round(struct aovs_ovsdb *db, const char *bridge)
{
    char *value = NULL;
    unsigned long prev = 0;
    if (!aovs_bridge_get_external_id(db, bridge, "roundNum", &value)
        && value) {
        prev = strtoul(value, NULL, 10);
    }
    free(value);
    uint16_t round = (prev + 1) & 0xffff;
    return round ? round : 1;
}

/* Makes sure port 'settings->name' exists on 'bridge' (adding it if not)
 * and returns its ofport. */
static int
ensure_port(struct aovs_ovsdb *db, const char *bridge,
            const struct aovs_port_settings *settings, int *ofportp,
            char **errorp)
{
    struct aovs_port port;
    if (!aovs_port_get(db, settings->name, &port)) {
        bool same = (!strcmp(port.bridge, bridge)
                     && !strcmp(port.type, settings->type
                                ? settings->type : ""));
        aovs_port_destroy(&port);
        if (!same) {
            /* Wrong type or bridge (e.g. another tunnel type before):
             * make it again. */
            int error = aovs_port_delete(db, settings->name, errorp);
            if (error) {
                return error;
            }
        } else {
            return aovs_port_wait_ofport(db, settings->name, ofportp,
                                         errorp);
        }
    }
    int error = aovs_port_add(db, bridge, settings, errorp);
    if (!error) {
        error = aovs_port_wait_ofport(db, settings->name, ofportp, errorp);
    }
    return error;
}

/* Creates or checks the gateway port and configures its interface. */
static int
setup_gateway(struct bridge *br, const struct bridge_options *opts,
              char **errorp)
{
    struct aovs_smap ids = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&ids, "antrea-type", "gateway");
    struct aovs_port_settings settings = {
        .name = opts->gateway_name,
        .type = "internal",
        .external_ids = &ids,
        .ofport_request = GATEWAY_OFPORT,
        .mtu_request = opts->mtu,
    };
    int ofport = 0;
    int error = ensure_port(br->db, br->name, &settings, &ofport, errorp);
    aovs_smap_destroy(&ids);
    if (error) {
        return error;
    }

    struct antrea_prefix address = {
        .ip = opts->gateway_ip,
        .length = opts->pod_cidr.length,
    };
    error = gateway_configure(opts->gateway_name, &address,
                              br->node.gateway_mac, errorp);
    br->node.gateway_ofport = ofport;
    return error;
}

/* Creates or checks the tunnel port from the tunnel module's spec. */
static int
setup_tunnel(struct bridge *br, const struct antrea_ovs_port_spec *spec,
             char **errorp)
{
    struct aovs_smap options = AOVS_SMAP_INITIALIZER;
    for (uint32_t i = 0; i < spec->n_options; i++) {
        aovs_smap_add(&options, spec->options[i].key,
                      spec->options[i].value);
    }
    struct aovs_smap ids = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&ids, "antrea-type", "tunnel");
    struct aovs_port_settings settings = {
        .name = spec->name,
        .type = spec->type,
        .options = &options,
        .external_ids = &ids,
        .ofport_request = TUNNEL_OFPORT,
    };
    int ofport = 0;
    int error = ensure_port(br->db, br->name, &settings, &ofport, errorp);
    aovs_smap_destroy(&options);
    aovs_smap_destroy(&ids);
    br->node.tunnel_ofport = error ? 0 : ofport;
    return error;
}

int
bridge_open(const struct bridge_options *opts, struct bridge **bridgep,
            char **errorp)
{
    struct bridge *br = xcalloc(1, sizeof *br);
    br->name = xstrdup(opts->bridge_name);
    br->gateway_name = xstrdup(opts->gateway_name);
    br->flows = aovs_flow_table_create();
    br->next_object = 1;
    *bridgep = NULL;

    char *remote = xasprintf("unix:%s/db.sock", opts->ovs_run_dir);
    int error = aovs_ovsdb_open(remote, OVS_TIMEOUT_MS, &br->db, errorp);
    free(remote);
    if (error) {
        goto fail;
    }

    struct aovs_bridge_settings settings = {
        .name = opts->bridge_name,
        .datapath_type = opts->datapath_type,
        .fail_mode = "secure",
    };
    error = aovs_bridge_ensure(br->db, &settings, errorp);
    if (error) {
        goto fail;
    }
    br->round = next_round(br->db, br->name);

    br->node.pod_cidr = opts->pod_cidr;
    br->node.gateway_ip = opts->gateway_ip;
    br->node.node_ip = opts->node_ip;
    br->node.service_cidr = opts->service_cidr;
    br->node.peers_via_gateway = opts->peers_via_gateway;
    error = setup_gateway(br, opts, errorp);
    if (!error && opts->tunnel) {
        error = setup_tunnel(br, opts->tunnel, errorp);
    }
    if (error) {
        goto fail;
    }

    char *target = xasprintf("unix:%s/%s.mgmt", opts->ovs_run_dir,
                             opts->bridge_name);
    br->sw = aovs_switch_create(target, br->round, OVS_TIMEOUT_MS);
    free(target);
    error = aovs_switch_wait_ready(br->sw, errorp);
    if (error) {
        goto fail;
    }

    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    error = pipeline_node_flows(&br->node, &flows, errorp);
    if (!error) {
        error = bridge_set_flows(br, bridge_new_object(br), &flows, errorp);
    }
    pipeline_flows_destroy(&flows);
    if (error) {
        goto fail;
    }

    br->ovsdb_connected = true;
    br->switch_ready = true;
    LOG_INFO("bridge %s ready: round %u, gateway %s ofport %"PRIu32
             ", tunnel ofport %"PRIu32, br->name, br->round,
             br->gateway_name, br->node.gateway_ofport,
             br->node.tunnel_ofport);
    *bridgep = br;
    return 0;

fail:
    bridge_close(br);
    return error;
}

void
bridge_close(struct bridge *br)
{
    if (br) {
        aovs_switch_destroy(br->sw);
        aovs_ovsdb_close(br->db);
        aovs_flow_table_destroy(br->flows);
        free(br->gateway_name);
        free(br->name);
        free(br);
    }
}

struct aovs_ovsdb *
bridge_ovsdb(const struct bridge *br)
{
    return br->db;
}

const char *
bridge_name(const struct bridge *br)
{
    return br->name;
}

const struct pipeline_node_config *
bridge_node_config(const struct bridge *br)
{
    return &br->node;
}

uint64_t
bridge_new_object(struct bridge *br)
{
    return br->next_object++;
}

void
bridge_remove_flows(struct bridge *br, uint64_t id)
{
    /* An object's flows may be of several categories (the Node's are);
     * the id is unique across categories. */
    for (unsigned int category = 0; category <= PIPELINE_CATEGORY_POLICY;
         category++) {
        aovs_flow_table_remove_owner(br->flows, aovs_owner(category, id));
    }
}

int
bridge_set_flows(struct bridge *br, uint64_t id,
                 const struct pipeline_flows *flows, char **errorp)
{
    bridge_remove_flows(br, id);
    for (size_t i = 0; i < flows->n; i++) {
        const struct pipeline_flow *flow = &flows->flows[i];
        char *text = pipeline_flow_to_string(flow);
        char *error = NULL;
        int retval = aovs_flow_table_put(br->flows,
                                         aovs_owner(flow->category, id),
                                         text, &error);
        if (retval) {
            *errorp = xasprintf("flow of %s refused: %s (%s)", flow->owner,
                                error, text);
            free(error);
            free(text);
            bridge_remove_flows(br, id);
            return retval;
        }
        free(text);
    }
    *errorp = NULL;
    return 0;
}

int
bridge_commit(struct bridge *br, char **errorp)
{
    struct aovs_commit_stats stats;
    int error = aovs_switch_commit(br->sw, br->flows, &stats, errorp);
    br->commit_failed = error != 0;
    if (!error && stats.n_messages) {
        LOG_DBG("committed: %zu added, %zu modified, %zu deleted",
                stats.n_added, stats.n_modified, stats.n_deleted);
    }
    return error;
}

int
bridge_commit_start(struct bridge *br, char **errorp)
{
    int error = aovs_switch_commit_start(br->sw, br->flows, errorp);
    if (error && error != EINPROGRESS) {
        br->commit_failed = true;
    }
    return error;
}

bool
bridge_commit_pending(const struct bridge *br)
{
    return aovs_switch_commit_pending(br->sw);
}

int
bridge_commit_poll(struct bridge *br, char **errorp)
{
    struct aovs_commit_stats stats;
    int error = aovs_switch_commit_poll(br->sw, &stats, errorp);
    if (error && error != EINPROGRESS) {
        br->commit_failed = true;
    } else if (!error && stats.n_messages) {
        br->commit_failed = false;
        LOG_DBG("committed: %zu added, %zu modified, %zu deleted",
                stats.n_added, stats.n_modified, stats.n_deleted);
    }
    return error;
}

int
bridge_send_garp(struct bridge *br, uint32_t ofport, const uint8_t mac[6],
                 const struct antrea_ip *ip, char **errorp)
{
    if (ip->family != AF_INET) {
        *errorp = xstrdup("gratuitous ARP needs an IPv4 address");
        return EAFNOSUPPORT;
    }

    /* Ethernet header and ARP request: who-has IP tell IP, from MAC. */
    struct {
        struct ether_header eth;
        struct ether_arp arp;
    } __attribute__((packed)) frame;
    memset(&frame, 0, sizeof frame);
    memset(frame.eth.ether_dhost, 0xff, ETH_ALEN);
    memcpy(frame.eth.ether_shost, mac, ETH_ALEN);
    frame.eth.ether_type = htons(ETHERTYPE_ARP);
    frame.arp.arp_hrd = htons(ARPHRD_ETHER);
    frame.arp.arp_pro = htons(ETHERTYPE_IP);
    frame.arp.arp_hln = ETH_ALEN;
    frame.arp.arp_pln = 4;
    frame.arp.arp_op = htons(ARPOP_REQUEST);
    memcpy(frame.arp.arp_sha, mac, ETH_ALEN);
    memcpy(frame.arp.arp_spa, ip->bytes, 4);
    memcpy(frame.arp.arp_tpa, ip->bytes, 4);

    char *error = NULL;
    int retval = aovs_switch_packet_out(br->sw, ofport, &frame, sizeof frame,
                                        &error);
    if (retval) {
        *errorp = xasprintf("bridge %s: gratuitous ARP from ofport %"PRIu32
                            ": %s", br->name, ofport, error);
        free(error);
        return retval;
    }
    *errorp = NULL;
    return 0;
}

int
bridge_finish_resync(struct bridge *br, char **errorp)
{
    struct aovs_commit_stats stats;
    int error = aovs_switch_delete_stale(br->sw, &stats, errorp);
    if (error) {
        return error;
    }
    char round[8];
    snprintf(round, sizeof round, "%u", br->round);
    error = aovs_bridge_set_external_id(br->db, br->name, "roundNum", round,
                                        errorp);
    if (!error) {
        LOG_INFO("round %u in place; %zu deletions of older rounds sent",
                 br->round, stats.n_deleted);
    }
    return error;
}

/* Logs the changes of the OVSDB and OpenFlow connections' states since
 * the last call, so that a restart of ovsdb-server or ovs-vswitchd shows
 * in the agent's log. */
static void
log_connection_changes(struct bridge *br)
{
    bool connected = aovs_ovsdb_is_connected(br->db);
    if (connected != br->ovsdb_connected) {
        if (connected) {
            LOG_INFO("bridge %s: connected to the OVSDB server again",
                     br->name);
        } else {
            LOG_WARN("bridge %s: lost the connection to the OVSDB server "
                     "(ovsdb-server restarted?); reconnecting", br->name);
        }
        br->ovsdb_connected = connected;
    }

    bool ready = aovs_switch_is_ready(br->sw);
    if (!ready && br->switch_ready) {
        LOG_WARN("bridge %s: lost the OpenFlow connection to ovs-vswitchd; "
                 "reconnecting", br->name);
    }
    br->switch_ready = ready;
}

void
bridge_run(struct bridge *br)
{
    aovs_ovsdb_run(br->db);
    bool reconnected = aovs_switch_run(br->sw);
    log_connection_changes(br);
    if (reconnected || br->commit_failed) {
        /* A new connection (ovs-vswitchd restarted: no flows), or an
         * earlier failure: send the whole table again. */
        if (reconnected && ++br->n_switch_connections > 1) {
            LOG_INFO("bridge %s: new OpenFlow connection (ovs-vswitchd "
                     "restarted): installing every flow again", br->name);
        }
        char *error = NULL;
        if (bridge_commit(br, &error)) {
            LOG_WARN("bridge %s: commit failed: %s", br->name, error);
        } else {
            LOG_INFO("bridge %s: flows installed (%zu)", br->name,
                     aovs_flow_table_count(br->flows));
        }
        free(error);
    }
}

void
bridge_wait(struct bridge *br)
{
    aovs_ovsdb_wait(br->db);
    aovs_switch_wait(br->sw);
}

struct aovs_switch *
bridge_switch(const struct bridge *br)
{
    return br->sw;
}

bool
bridge_ovsdb_connected(const struct bridge *br)
{
    return aovs_ovsdb_is_connected(br->db);
}

bool
bridge_switch_connected(const struct bridge *br)
{
    return aovs_switch_is_ready(br->sw);
}
