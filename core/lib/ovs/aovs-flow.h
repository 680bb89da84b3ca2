/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Desired OpenFlow flows: a table of flows the agent wants on the switch,
 * written in ovs-ofctl's flow syntax, each linked to the object that made
 * it.  aovs-switch.h installs such a table: it keeps a mirror of what is
 * installed and sends only the difference, as one bundle.
 *
 * A flow is identified by its key, (table, priority, match), as in
 * OpenFlow's strict flow_mods and in ovn-controller's desired flow table:
 * putting a flow whose key is already in the table replaces its actions.
 *
 * Owners and cookies.  Every flow has an owner, a 48-bit value made with
 * aovs_owner(CATEGORY, ID): an 8-bit category (the kind of object: Pod,
 * Node, policy rule...; the agent defines them) and a 40-bit id of the
 * object within it.  aovs_flow_table_remove_owner() removes every flow of
 * one object.  On the switch a flow's cookie is
 *
 *     bits 63..48  round     (the agent's round number; see below)
 *     bits 47..40  category
 *     bits 39..0   object id
 *
 * i.e. round << 48 | owner, the layout of Antrea's cookie allocator.  The
 * round increases every time the agent starts (Antrea keeps it in the
 * bridge's external_ids:roundNum); flows of other rounds are what a
 * restarted agent has not re-installed yet, and aovs_switch_delete_stale()
 * removes them once the agent has rebuilt its state.
 *
 * Flow syntax: ovs-ofctl's, e.g.
 *     "table=0,priority=100,in_port=2,actions=goto_table:10"
 * with any match field and action OVS knows (conjunction, ct(), set_field,
 * load, move, resubmit, output, learn...).  Ports and tables are numbers
 * (no names).  An omitted table is 0 and an omitted priority 32768.  Not
 * allowed, since the mirror could not follow them: a cookie (the table
 * assigns cookies), idle_timeout or hard_timeout, importance, and the flags
 * send_flow_rem, check_overlap, reset_counts, no_packet_counts and
 * no_byte_counts.  A flow must be expressible in OpenFlow 1.3 or later.
 *
 * Conjunctive flows: two conjunction actions with the same key are one
 * flow, so put them as one flow with both actions
 * ("actions=conjunction(1,1/2),conjunction(2,1/2)").
 *
 * Tables are plain data: no I/O, no OVS connection.  Not thread-safe.
 */

#ifndef AOVS_FLOW_H
#define AOVS_FLOW_H 1

#include <stddef.h>
#include <stdint.h>

/* Cookie layout (see above). */
#define AOVS_COOKIE_ROUND_SHIFT 48
#define AOVS_COOKIE_CATEGORY_SHIFT 40
#define AOVS_OWNER_ID_MASK ((UINT64_C(1) << AOVS_COOKIE_CATEGORY_SHIFT) - 1)
#define AOVS_OWNER_MASK ((UINT64_C(1) << AOVS_COOKIE_ROUND_SHIFT) - 1)

/* Returns the owner made of 'category' and object 'id' (only the low 40
 * bits of 'id' are kept). */
static inline uint64_t
aovs_owner(uint8_t category, uint64_t id)
{
    return ((uint64_t) category << AOVS_COOKIE_CATEGORY_SHIFT)
           | (id & AOVS_OWNER_ID_MASK);
}

/* Returns the cookie of a flow of 'owner' installed in 'round'. */
static inline uint64_t
aovs_cookie(uint16_t round, uint64_t owner)
{
    return ((uint64_t) round << AOVS_COOKIE_ROUND_SHIFT)
           | (owner & AOVS_OWNER_MASK);
}

/* Returns the round of 'cookie'. */
static inline uint16_t
aovs_cookie_round(uint64_t cookie)
{
    return cookie >> AOVS_COOKIE_ROUND_SHIFT;
}

/* Returns the owner (category and object id) of 'cookie'. */
static inline uint64_t
aovs_cookie_owner(uint64_t cookie)
{
    return cookie & AOVS_OWNER_MASK;
}

/* Returns the category of 'cookie' or of an owner. */
static inline uint8_t
aovs_cookie_category(uint64_t cookie)
{
    return (cookie >> AOVS_COOKIE_CATEGORY_SHIFT) & 0xff;
}

struct aovs_flow_table;

struct aovs_flow_table *aovs_flow_table_create(void);
void aovs_flow_table_destroy(struct aovs_flow_table *);

int aovs_flow_table_put(struct aovs_flow_table *, uint64_t owner,
                        const char *flow, char **errorp);
int aovs_flow_table_remove(struct aovs_flow_table *, const char *flow,
                           char **errorp);
size_t aovs_flow_table_remove_owner(struct aovs_flow_table *,
                                    uint64_t owner);
void aovs_flow_table_clear(struct aovs_flow_table *);

size_t aovs_flow_table_count(const struct aovs_flow_table *);
size_t aovs_flow_table_count_owner(const struct aovs_flow_table *,
                                   uint64_t owner);
char *aovs_flow_table_to_string(const struct aovs_flow_table *);

int aovs_flow_check(const char *flow, char **errorp);

#endif /* aovs-flow.h */
