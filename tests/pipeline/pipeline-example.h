/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The example Node of the pipeline tests and of docs/ovs-pipeline.md: node
 * "node-a" (192.168.77.100, podCIDR 10.10.0.0/24, Service CIDR
 * 10.96.0.0/12) with a tunnel, two Pods and one peer Node "node-b"
 * (192.168.77.101, podCIDR 10.10.1.0/24).  Ofports: tunnel 1, gateway 2,
 * Pods 3 and 4.
 */

#ifndef PIPELINE_EXAMPLE_H
#define PIPELINE_EXAMPLE_H 1

#include <stdio.h>

#include "pipeline.h"

#define EXAMPLE_TUN_OFPORT 1
#define EXAMPLE_GW_OFPORT 2
#define EXAMPLE_GW_IP "10.10.0.1"
#define EXAMPLE_GW_MAC "e2:e5:a4:9b:1c:b1"
#define EXAMPLE_NODE_IP "192.168.77.100"
#define EXAMPLE_POD_CIDR "10.10.0.0/24"
#define EXAMPLE_SVC_CIDR "10.96.0.0/12"

#define EXAMPLE_POD1_OFPORT 3
#define EXAMPLE_POD1_IP "10.10.0.2"
#define EXAMPLE_POD1_MAC "12:9e:a6:47:d0:70"
#define EXAMPLE_POD2_OFPORT 4
#define EXAMPLE_POD2_IP "10.10.0.3"
#define EXAMPLE_POD2_MAC "ba:a8:13:ca:ed:cf"

#define EXAMPLE_PEER_NAME "node-b"
#define EXAMPLE_PEER_NODE_IP "192.168.77.101"
#define EXAMPLE_PEER_POD_CIDR "10.10.1.0/24"
#define EXAMPLE_PEER_GW_IP "10.10.1.1"

/* Fills '*cfg' with node-a's config (encap: tunnel, no peers via the
 * gateway). */
void example_node_config(struct pipeline_node_config *cfg);

/* Fills '*pod' with Pod 1 (default/web-1) or 2 (default/web-2). */
void example_pod(int which, struct pipeline_pod *pod);

/* Fills '*peer' with node-b. */
void example_peer(struct pipeline_peer *peer);

/* Parses 'text' "xx:xx:xx:xx:xx:xx" into 'mac'; aborts on bad text. */
void example_parse_mac(const char *text, unsigned char mac[6]);

/* Appends the flows of node-a, its two Pods and its tunnel peer node-b to
 * 'out'; aborts if a generator fails. */
void example_all_flows(struct pipeline_flows *out);

/* Writes 'flows' to 'stream', one "cookie=0x...,table=...,priority=...,
 * MATCH actions=..." line each, sorted by table, then priority (highest
 * first), then generation order; cookies use round 'round'. */
void example_write_flows(const struct pipeline_flows *flows,
                         unsigned int round, FILE *stream);

#endif /* pipeline-example.h */
