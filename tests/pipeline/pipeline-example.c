/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The example Node of the pipeline tests; see pipeline-example.h.
 */

#include <config.h>
#include "pipeline-example.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "antrea/net-util.h"
#include "util.h"

/* Parses 'text' into '*ip'; aborts on bad text (a bug in the example). */
static void
parse_ip(const char *text, struct antrea_ip *ip)
{
    if (!antrea_ip_from_string(text, ip)) {
        fprintf(stderr, "example: bad IP %s\n", text);
        abort();
    }
}

/* Parses 'text' into '*prefix'; aborts on bad text. */
static void
parse_prefix(const char *text, struct antrea_prefix *prefix)
{
    if (!antrea_prefix_from_string(text, prefix)) {
        fprintf(stderr, "example: bad prefix %s\n", text);
        abort();
    }
}

void
example_parse_mac(const char *text, unsigned char mac[6])
{
    unsigned int b[6];
    char extra;

    if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
               &b[3], &b[4], &b[5], &extra) != 6) {
        fprintf(stderr, "example: bad MAC %s\n", text);
        abort();
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = (unsigned char) b[i];
    }
}

void
example_node_config(struct pipeline_node_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->gateway_ofport = EXAMPLE_GW_OFPORT;
    parse_ip(EXAMPLE_GW_IP, &cfg->gateway_ip);
    example_parse_mac(EXAMPLE_GW_MAC, cfg->gateway_mac);
    cfg->tunnel_ofport = EXAMPLE_TUN_OFPORT;
    cfg->peers_via_gateway = false;
    parse_prefix(EXAMPLE_POD_CIDR, &cfg->pod_cidr);
    parse_prefix(EXAMPLE_SVC_CIDR, &cfg->service_cidr);
    parse_ip(EXAMPLE_NODE_IP, &cfg->node_ip);
}

void
example_pod(int which, struct pipeline_pod *pod)
{
    memset(pod, 0, sizeof *pod);
    pod->namespace = "default";
    if (which == 1) {
        pod->name = "web-1";
        pod->ofport = EXAMPLE_POD1_OFPORT;
        parse_ip(EXAMPLE_POD1_IP, &pod->ip);
        example_parse_mac(EXAMPLE_POD1_MAC, pod->mac);
    } else {
        pod->name = "web-2";
        pod->ofport = EXAMPLE_POD2_OFPORT;
        parse_ip(EXAMPLE_POD2_IP, &pod->ip);
        example_parse_mac(EXAMPLE_POD2_MAC, pod->mac);
    }
}

void
example_peer(struct pipeline_peer *peer)
{
    memset(peer, 0, sizeof *peer);
    peer->name = EXAMPLE_PEER_NAME;
    parse_prefix(EXAMPLE_PEER_POD_CIDR, &peer->pod_cidr);
    parse_ip(EXAMPLE_PEER_NODE_IP, &peer->node_ip);
    parse_ip(EXAMPLE_PEER_GW_IP, &peer->gateway_ip);
}

/* Aborts with 'error' if 'retval' is nonzero. */
static void
check(int retval, char *error)
{
    if (retval) {
        fprintf(stderr, "example: %s\n", error ? error : "(no message)");
        abort();
    }
}

void
example_all_flows(struct pipeline_flows *out)
{
    struct pipeline_node_config cfg;
    struct pipeline_pod pod;
    struct pipeline_peer peer;
    char *error = NULL;

    example_node_config(&cfg);
    check(pipeline_node_flows(&cfg, out, &error), error);
    example_pod(1, &pod);
    check(pipeline_pod_flows(&cfg, &pod, out, &error), error);
    example_pod(2, &pod);
    check(pipeline_pod_flows(&cfg, &pod, out, &error), error);
    example_peer(&peer);
    check(pipeline_peer_tunnel_flows(&cfg, &peer, out, &error), error);
}

/* qsort comparator of flow indexes: table, then priority (highest first),
 * then generation order. */
static const struct pipeline_flows *sort_flows;
static int
compare_flow_indexes(const void *a_, const void *b_)
{
    size_t a = *(const size_t *) a_;
    size_t b = *(const size_t *) b_;
    const struct pipeline_flow *fa = &sort_flows->flows[a];
    const struct pipeline_flow *fb = &sort_flows->flows[b];

    if (fa->table != fb->table) {
        return fa->table < fb->table ? -1 : 1;
    } else if (fa->priority != fb->priority) {
        return fa->priority > fb->priority ? -1 : 1;
    } else {
        return a < b ? -1 : a > b;
    }
}

void
example_write_flows(const struct pipeline_flows *flows, unsigned int round,
                    FILE *stream)
{
    size_t *order = xcalloc(flows->n ? flows->n : 1, sizeof *order);
    for (size_t i = 0; i < flows->n; i++) {
        order[i] = i;
    }
    sort_flows = flows;
    qsort(order, flows->n, sizeof *order, compare_flow_indexes);
    sort_flows = NULL;

    for (size_t i = 0; i < flows->n; i++) {
        const struct pipeline_flow *f = &flows->flows[order[i]];
        char *text = pipeline_flow_to_string(f);
        fprintf(stream, "cookie=0x%"PRIx64",%s\n",
                pipeline_cookie((uint16_t) round, f->category), text);
        free(text);
    }
    free(order);
}
