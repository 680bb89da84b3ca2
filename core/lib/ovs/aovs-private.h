/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * What the shim's wrappers share among themselves, in "OVS world": the
 * one-time library setup, smap conversions and the flow representation
 * used by both the desired tables (aovs-flow.c) and the installed mirror
 * (aovs-switch.c).  Nothing here is part of the shim's API; the build
 * makes these symbols local to the shim object.  Only files in
 * core/lib/ovs/ may include this header.
 */

#ifndef AOVS_PRIVATE_H
#define AOVS_PRIVATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"

struct aovs_smap;
struct ofpact;
struct smap;

void aovs_init__(void);
const char *aovs_rundir__(void);

void aovs_smap_to_ovs(const struct aovs_smap *, struct smap *);
void aovs_smap_from_ovs(const struct smap *, struct aovs_smap *);

/* One OpenFlow flow, as a desired table holds it (with an owner) and as the
 * installed mirror holds it (with the cookie it has on the switch). */
struct aovs_flow {
    struct hmap_node node;      /* In a flow map, by aovs_flow_hash(). */
    struct ovs_list owner_node; /* In its owner's list (desired tables). */
    struct minimatch match;     /* What the flow matches. */
    struct ofpact *ofpacts;     /* Actions, owned by the flow. */
    size_t ofpacts_len;         /* Size of 'ofpacts' in bytes. */
    uint64_t owner;             /* Desired flows: the owner. */
    uint64_t cookie;            /* Installed flows: the cookie. */
    uint32_t usable_protocols;  /* Desired flows: enum ofputil_protocol
                                   bits that can express the flow. */
    uint16_t priority;          /* Priority. */
    uint8_t table_id;           /* OpenFlow table. */
};

/* The flows of one owner in a desired table. */
struct aovs_flow_owner {
    struct hmap_node node;      /* In 'owners', by hash of 'owner'. */
    uint64_t owner;             /* See aovs-flow.h. */
    struct ovs_list flows;      /* Its 'struct aovs_flow's. */
    size_t n_flows;             /* Length of 'flows'. */
};

/* A desired flow table (aovs-flow.h). */
struct aovs_flow_table {
    struct hmap flows;          /* 'struct aovs_flow's by key. */
    struct hmap owners;         /* 'struct aovs_flow_owner's. */
};

int aovs_flow_parse(const char *, bool match_only, struct aovs_flow **,
                    char **errorp);
struct aovs_flow *aovs_flow_create(uint8_t table_id, uint16_t priority,
                                   const struct match *,
                                   const struct ofpact *, size_t ofpacts_len);
struct aovs_flow *aovs_flow_clone(const struct aovs_flow *);
void aovs_flow_destroy(struct aovs_flow *);
uint32_t aovs_flow_hash(const struct aovs_flow *);
bool aovs_flow_key_equal(const struct aovs_flow *, const struct aovs_flow *);
bool aovs_flow_actions_equal(struct aovs_flow *installed,
                             const struct aovs_flow *desired);
struct aovs_flow *aovs_flow_map_find(const struct hmap *,
                                     const struct aovs_flow *key);
char *aovs_flow_to_string(const struct aovs_flow *);

#endif /* aovs-private.h */
