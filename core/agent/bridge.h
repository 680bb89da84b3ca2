/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's bridge: br-int in OVSDB (datapath type, the gateway port
 * antrea-gw0 and the flow-based tunnel port antrea-tun0), the OpenFlow
 * connection to it, and the desired flow table the rest of the agent
 * fills.  Each object (the Node, a Pod, a peer Node) gets an object id;
 * bridge_set_flows() replaces all flows of one object and
 * bridge_commit() sends what changed as one bundle.
 *
 * Restarts: the round number lives in the bridge's
 * external_ids:roundNum.  A new agent uses the next round; its commits
 * replace the previous round's flows one by one (no flush), and
 * bridge_finish_resync() deletes what is left of older rounds and records
 * the new round once the agent has re-declared every object.  When
 * ovs-vswitchd restarts, bridge_run() notices the new connection and
 * commits the whole table again.
 */

#ifndef AGENT_BRIDGE_H
#define AGENT_BRIDGE_H 1

#include <stdbool.h>
#include <stdint.h>

#include "antrea/net-types.h"
#include "pipeline.h"

struct aovs_ovsdb;
struct aovs_switch;

/* What the bridge is made of. */
struct bridge_options {
    const char *ovs_run_dir;        /* where db.sock and BRIDGE.mgmt are */
    const char *bridge_name;        /* ovsBridge, e.g. "br-int" */
    const char *datapath_type;      /* ovsDatapathType */
    const char *gateway_name;       /* hostGateway, e.g. "antrea-gw0" */
    uint32_t mtu;                   /* gateway and Pod MTU */
    struct antrea_prefix pod_cidr;  /* this Node's podCIDR */
    struct antrea_ip gateway_ip;    /* first address of 'pod_cidr' */
    struct antrea_ip node_ip;       /* this Node's transport address */
    struct antrea_prefix service_cidr; /* family 0: none */
    const struct antrea_ovs_port_spec *tunnel; /* the tunnel port, or NULL
                                                  when the mode does not
                                                  tunnel */
    bool peers_via_gateway;         /* some peers are reached through the
                                       gateway */
};

struct bridge;

/* Ensures the bridge and its gateway and tunnel ports, configures the
 * gateway interface, connects to the switch and puts the Node's flows in
 * the desired table (not committed yet).  Returns 0 and the bridge in
 * '*bridgep', or a positive errno value with a message in '*errorp'. */
int bridge_open(const struct bridge_options *, struct bridge **bridgep,
                char **errorp);
void bridge_close(struct bridge *);

/* The OVSDB handle, for Pod ports. */
struct aovs_ovsdb *bridge_ovsdb(const struct bridge *);
const char *bridge_name(const struct bridge *);

/* The pipeline's view of the Node (ofports, gateway MAC...). */
const struct pipeline_node_config *bridge_node_config(const struct bridge *);

/* Returns a new object id for an object's flows. */
uint64_t bridge_new_object(struct bridge *);

/* Replaces the flows of object 'id' in the desired table with 'flows'.
 * On a flow the table refuses, the object's flows are removed and EINVAL
 * is returned with a message. */
int bridge_set_flows(struct bridge *, uint64_t id,
                     const struct pipeline_flows *flows, char **errorp);

/* Removes every flow of object 'id' from the desired table. */
void bridge_remove_flows(struct bridge *, uint64_t id);

/* Sends the desired table's difference with the switch as one bundle
 * and waits for the switch to commit it. */
int bridge_commit(struct bridge *, char **errorp);

/* The same without waiting (aovs_switch_commit_start()): returns
 * EINPROGRESS once the bundle is on its way (bridge_commit_poll() tells
 * how it ended), 0 if there was nothing to send, or an error with a
 * message (ENOTCONN: not connected; bridge_commit() would wait for the
 * connection).  One at a time. */
int bridge_commit_start(struct bridge *, char **errorp);
bool bridge_commit_pending(const struct bridge *);
/* EINPROGRESS while the bundle of bridge_commit_start() is on its way,
 * then, once, 0 or an error with a message. */
int bridge_commit_poll(struct bridge *, char **errorp);

/* Sends a gratuitous ARP (a broadcast ARP request for 'ip' from 'mac',
 * as Linux announces an address) into the pipeline as if the Pod on
 * 'ofport' had sent it, without blocking.  Returns 0, or ENOTCONN (the
 * switch is not connected) or EAFNOSUPPORT (not IPv4) with a message. */
int bridge_send_garp(struct bridge *, uint32_t ofport, const uint8_t mac[6],
                     const struct antrea_ip *ip, char **errorp);

/* After every object has been declared again: deletes flows of older
 * rounds and records this round in the bridge's external_ids. */
int bridge_finish_resync(struct bridge *, char **errorp);

/* Event loop steps: keep OVSDB and OpenFlow connections alive, and
 * commit the whole table again after ovs-vswitchd reconnects. */
void bridge_run(struct bridge *);
void bridge_wait(struct bridge *);

/* For antctl (agent-api.h): the OpenFlow connection (its mirror of the
 * installed flows, its dumps), and whether the OVSDB and OpenFlow
 * connections are up now. */
struct aovs_switch *bridge_switch(const struct bridge *);
bool bridge_ovsdb_connected(const struct bridge *);
bool bridge_switch_connected(const struct bridge *);

#endif /* bridge.h */
