/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Desired flow tables (see aovs-flow.h) and the flow representation they
 * share with the installed mirror of aovs-switch.c: flows are parsed once,
 * with OVS's ovs-ofctl parser, into a match and OVS's internal action
 * list, and are hashed and compared in that form.  Compiled in "OVS world"
 * (see aovs-smap.c).
 */

#include "aovs-flow.h"
#include "aovs-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofpbuf.h"
#include "util.h"

static struct aovs_flow_owner *owner_find(const struct aovs_flow_table *,
                                          uint64_t owner);
static void table_remove_flow(struct aovs_flow_table *, struct aovs_flow *);
static int compare_flows_for_display(const void *, const void *);
static void normalize_actions(struct aovs_flow *);
static void zero_action_padding(struct ofpact *, size_t ofpacts_len);

/* Returns a new, empty desired flow table, which the caller frees with
 * aovs_flow_table_destroy(). */
struct aovs_flow_table *
aovs_flow_table_create(void)
{
    struct aovs_flow_table *table = xmalloc(sizeof *table);

    aovs_init__();
    hmap_init(&table->flows);
    hmap_init(&table->owners);
    return table;
}

/* Frees 'table' and its flows.  NULL is ignored. */
void
aovs_flow_table_destroy(struct aovs_flow_table *table)
{
    if (table) {
        aovs_flow_table_clear(table);
        hmap_destroy(&table->flows);
        hmap_destroy(&table->owners);
        free(table);
    }
}

/* Parses 'flow' (ovs-ofctl syntax with actions; see aovs-flow.h) and puts
 * it into 'table' as a flow of 'owner' (a value from aovs_owner(); bits
 * above 47 are ignored).  A flow with the same key (table, priority,
 * match) already there with the same owner is replaced.
 *
 * Returns 0 on success; otherwise leaves 'table' unchanged, stores a
 * message naming the flow and the problem in '*errorp' (freed by the
 * caller; NULL on success) and returns EINVAL if 'flow' does not parse or
 * uses a feature the table does not allow, or EEXIST if a flow with the
 * same key belongs to another owner. */
int
aovs_flow_table_put(struct aovs_flow_table *table, uint64_t owner,
                    const char *flow_string, char **errorp)
{
    struct aovs_flow *flow;
    int error = aovs_flow_parse(flow_string, false, &flow, errorp);
    if (error) {
        return error;
    }
    flow->owner = owner & AOVS_OWNER_MASK;

    struct aovs_flow *old = aovs_flow_map_find(&table->flows, flow);
    if (old) {
        if (old->owner != flow->owner) {
            *errorp = xasprintf("flow \"%s\": a flow with the same table, "
                                "priority and match belongs to another "
                                "owner (0x%012"PRIx64", this one is "
                                "0x%012"PRIx64")", flow_string, old->owner,
                                flow->owner);
            aovs_flow_destroy(flow);
            return EEXIST;
        }
        table_remove_flow(table, old);
    }

    struct aovs_flow_owner *fo = owner_find(table, flow->owner);
    if (!fo) {
        fo = xmalloc(sizeof *fo);
        fo->owner = flow->owner;
        ovs_list_init(&fo->flows);
        fo->n_flows = 0;
        hmap_insert(&table->owners, &fo->node, hash_uint64(fo->owner));
    }
    ovs_list_push_back(&fo->flows, &flow->owner_node);
    fo->n_flows++;
    hmap_insert(&table->flows, &flow->node, aovs_flow_hash(flow));
    return 0;
}

/* Removes from 'table' the flow whose key is that of 'flow', which is
 * written like a flow for aovs_flow_table_put(), with or without its
 * actions (which are ignored).  Returns 0, or EINVAL if 'flow' does not
 * parse or ENOENT if 'table' has no such flow, with a message in '*errorp'
 * (freed by the caller; NULL on success). */
int
aovs_flow_table_remove(struct aovs_flow_table *table,
                       const char *flow_string, char **errorp)
{
    struct aovs_flow *key;
    int error = aovs_flow_parse(flow_string,
                                !strstr(flow_string, "actions"), &key,
                                errorp);
    if (error) {
        return error;
    }

    struct aovs_flow *flow = aovs_flow_map_find(&table->flows, key);
    aovs_flow_destroy(key);
    if (!flow) {
        *errorp = xasprintf("flow \"%s\": no such flow in the table",
                            flow_string);
        return ENOENT;
    }
    table_remove_flow(table, flow);
    return 0;
}

/* Removes every flow of 'owner' from 'table' and returns how many there
 * were. */
size_t
aovs_flow_table_remove_owner(struct aovs_flow_table *table, uint64_t owner)
{
    struct aovs_flow_owner *fo = owner_find(table, owner & AOVS_OWNER_MASK);
    if (!fo) {
        return 0;
    }

    size_t n = fo->n_flows;
    struct aovs_flow *flow;
    LIST_FOR_EACH_SAFE (flow, owner_node, &fo->flows) {
        hmap_remove(&table->flows, &flow->node);
        aovs_flow_destroy(flow);
    }
    hmap_remove(&table->owners, &fo->node);
    free(fo);
    return n;
}

/* Removes every flow from 'table'. */
void
aovs_flow_table_clear(struct aovs_flow_table *table)
{
    struct aovs_flow_owner *fo;
    HMAP_FOR_EACH_POP (fo, node, &table->owners) {
        struct aovs_flow *flow;
        LIST_FOR_EACH_POP (flow, owner_node, &fo->flows) {
            aovs_flow_destroy(flow);
        }
        free(fo);
    }
    hmap_clear(&table->flows);
}

/* Returns the number of flows in 'table'. */
size_t
aovs_flow_table_count(const struct aovs_flow_table *table)
{
    return hmap_count(&table->flows);
}

/* Returns the number of flows of 'owner' in 'table'. */
size_t
aovs_flow_table_count_owner(const struct aovs_flow_table *table,
                            uint64_t owner)
{
    const struct aovs_flow_owner *fo
        = owner_find(table, owner & AOVS_OWNER_MASK);
    return fo ? fo->n_flows : 0;
}

/* A flow and its text, for sorting flows for display. */
struct flow_line {
    const struct aovs_flow *flow; /* The flow. */
    char *text;                 /* aovs_flow_to_string(flow). */
};

/* Returns the flows of 'table', one per line in the syntax
 * aovs_flow_table_put() takes, each preceded by "owner=0x...," and sorted
 * by table, then priority (highest first), then text.  The caller frees
 * the string. */
char *
aovs_flow_table_to_string(const struct aovs_flow_table *table)
{
    size_t n = hmap_count(&table->flows);
    struct flow_line *lines = xmalloc((n ? n : 1) * sizeof *lines);
    const struct aovs_flow *flow;
    size_t i = 0;

    HMAP_FOR_EACH (flow, node, &table->flows) {
        lines[i].flow = flow;
        lines[i].text = aovs_flow_to_string(flow);
        i++;
    }
    qsort(lines, n, sizeof *lines, compare_flows_for_display);

    struct ds s = DS_EMPTY_INITIALIZER;
    for (i = 0; i < n; i++) {
        ds_put_format(&s, "owner=0x%012"PRIx64",%s\n", lines[i].flow->owner,
                      lines[i].text);
        free(lines[i].text);
    }
    free(lines);
    return ds_steal_cstr(&s);
}

/* Checks that 'flow' would be accepted by aovs_flow_table_put().  Returns
 * 0, or EINVAL with a message in '*errorp' (freed by the caller; NULL on
 * success). */
int
aovs_flow_check(const char *flow_string, char **errorp)
{
    struct aovs_flow *flow;
    int error = aovs_flow_parse(flow_string, false, &flow, errorp);
    if (!error) {
        aovs_flow_destroy(flow);
    }
    return error;
}

/* Parses 'string' into a new flow in '*flowp', which the caller frees with
 * aovs_flow_destroy().  With 'match_only', 'string' has no actions and only
 * the flow's key is parsed.  Returns 0, or EINVAL with a message naming
 * 'string' in '*errorp' (freed by the caller). */
int
aovs_flow_parse(const char *string, bool match_only, struct aovs_flow **flowp,
                char **errorp)
{
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    const char *bad = NULL;

    *flowp = NULL;
    *errorp = NULL;
    aovs_init__();

    char *msg = parse_ofp_flow_mod_str(&fm, string, NULL, NULL,
                                       (match_only ? OFPFC_DELETE_STRICT
                                        : OFPFC_ADD), &usable);
    if (msg) {
        *errorp = xasprintf("flow \"%s\": %s", string, msg);
        free(msg);
        return EINVAL;
    }

    if (fm.modify_cookie || fm.cookie_mask) {
        bad = "a cookie (the flow table assigns cookies from the owner "
              "and the round)";
    } else if (fm.idle_timeout || fm.hard_timeout) {
        bad = "a timeout (the mirror of installed flows cannot follow "
              "flows that expire)";
    } else if (fm.importance) {
        bad = "an importance";
    } else if (fm.flags) {
        bad = "flow flags (send_flow_rem, check_overlap, reset_counts, "
              "no_packet_counts, no_byte_counts)";
    } else if (fm.out_port != OFPP_ANY || fm.out_group != OFPG_ANY) {
        bad = "out_port or out_group";
    } else if (!(usable & OFPUTIL_P_OF13_UP)) {
        char *protocols = ofputil_protocols_to_string(usable);
        *errorp = xasprintf("flow \"%s\": cannot be expressed in OpenFlow "
                            "1.3 or later (only in %s)", string, protocols);
        free(protocols);
    }
    if (bad) {
        *errorp = xasprintf("flow \"%s\": %s is not allowed", string, bad);
    }
    if (*errorp) {
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
        return EINVAL;
    }

    struct aovs_flow *flow = xzalloc(sizeof *flow);
    minimatch_move(&flow->match, &fm.match);
    flow->ofpacts = fm.ofpacts;
    flow->ofpacts_len = fm.ofpacts_len;
    if (!match_only && usable & OFPUTIL_P_OF15_OXM) {
        normalize_actions(flow);
    }
    zero_action_padding(flow->ofpacts, flow->ofpacts_len);
    flow->usable_protocols = usable;
    flow->priority = fm.priority;
    flow->table_id = fm.table_id == 0xff ? 0 : fm.table_id;
    ovs_list_init(&flow->owner_node);
    *flowp = flow;
    return 0;
}

/* Replaces the actions of 'flow' by what they become on an OpenFlow 1.5
 * switch, which is what a flow dump returns: "load:2->NXM_OF_ARP_OP[]", for
 * example, comes back as "set_field:2->arp_op".  Then a mirror read back
 * from the switch compares equal to the desired flows it came from. */
static void
normalize_actions(struct aovs_flow *flow)
{
    struct ofpbuf openflow;
    struct ofpbuf ofpacts;

    ofpbuf_init(&openflow, flow->ofpacts_len + 64);
    ofpacts_put_openflow_instructions(flow->ofpacts, flow->ofpacts_len,
                                      &openflow, OFP15_VERSION);
    ofpbuf_init(&ofpacts, flow->ofpacts_len + 64);
    enum ofperr error = ofpacts_pull_openflow_instructions(
        &openflow, openflow.size, OFP15_VERSION, NULL, NULL, &ofpacts);
    if (!error) {
        free(flow->ofpacts);
        flow->ofpacts_len = ofpacts.size;
        flow->ofpacts = ofpbuf_steal_data(&ofpacts);
    } else {
        ofpbuf_uninit(&ofpacts);
    }
    ofpbuf_uninit(&openflow);
}

/* Zeroes the padding after the value and the mask of every set_field
 * action in the 'ofpacts_len' bytes of 'ofpacts', nested ones included.
 * OVS's parser and decoder leave those bytes uninitialized, which would
 * make byte-wise comparisons of equal actions fail at random. */
static void
zero_action_padding(struct ofpact *ofpacts, size_t ofpacts_len)
{
    struct ofpact *a;

    OFPACT_FOR_EACH_FLATTENED (a, ofpacts, ofpacts_len) {
        if (a->type == OFPACT_SET_FIELD) {
            struct ofpact_set_field *sf = ofpact_get_SET_FIELD(a);
            size_t n = sf->field->n_bytes;
            size_t padded = ROUND_UP(n, OFPACT_ALIGNTO);

            memset((uint8_t *) sf->value + n, 0, padded - n);
            memset((uint8_t *) ofpact_set_field_mask(sf) + n, 0, padded - n);
        }
    }
}

/* Returns a new flow with the given key and a copy of the 'ofpacts_len'
 * bytes of actions in 'ofpacts'; owner, cookie and usable protocols are
 * zero.  The caller frees it with aovs_flow_destroy(). */
struct aovs_flow *
aovs_flow_create(uint8_t table_id, uint16_t priority,
                 const struct match *match,
                 const struct ofpact *ofpacts, size_t ofpacts_len)
{
    struct aovs_flow *flow = xzalloc(sizeof *flow);

    minimatch_init(&flow->match, match);
    flow->ofpacts = ofpacts_len ? xmemdup(ofpacts, ofpacts_len) : NULL;
    flow->ofpacts_len = ofpacts_len;
    zero_action_padding(flow->ofpacts, flow->ofpacts_len);
    flow->priority = priority;
    flow->table_id = table_id;
    ovs_list_init(&flow->owner_node);
    return flow;
}

/* Returns a copy of the key, actions, owner, cookie and usable protocols
 * of 'flow', in no map or list.  The caller frees it with
 * aovs_flow_destroy(). */
struct aovs_flow *
aovs_flow_clone(const struct aovs_flow *flow)
{
    struct aovs_flow *copy = xzalloc(sizeof *copy);

    minimatch_clone(&copy->match, &flow->match);
    copy->ofpacts = (flow->ofpacts_len
                     ? xmemdup(flow->ofpacts, flow->ofpacts_len) : NULL);
    copy->ofpacts_len = flow->ofpacts_len;
    copy->owner = flow->owner;
    copy->cookie = flow->cookie;
    copy->usable_protocols = flow->usable_protocols;
    copy->priority = flow->priority;
    copy->table_id = flow->table_id;
    ovs_list_init(&copy->owner_node);
    return copy;
}

/* Frees 'flow' (not in any map or list any more).  NULL is ignored. */
void
aovs_flow_destroy(struct aovs_flow *flow)
{
    if (flow) {
        minimatch_destroy(&flow->match);
        free(flow->ofpacts);
        free(flow);
    }
}

/* Returns the hash of 'flow''s key. */
uint32_t
aovs_flow_hash(const struct aovs_flow *flow)
{
    return minimatch_hash(&flow->match,
                          ((uint32_t) flow->table_id << 16) | flow->priority);
}

/* Returns true if 'a' and 'b' have the same key. */
bool
aovs_flow_key_equal(const struct aovs_flow *a, const struct aovs_flow *b)
{
    return (a->table_id == b->table_id
            && a->priority == b->priority
            && minimatch_equal(&a->match, &b->match));
}

/* Returns true if 'a' and 'b' have the same actions.  Actions that went
 * through the switch (a flow dump) may differ from the parsed ones in
 * bytes that do not change their meaning, so when the bytes differ the
 * actions are compared as text; if they are the same after all, 'a' (an
 * installed flow) takes the bytes of 'b' (a desired one), so that the next
 * comparison is quick. */
bool
aovs_flow_actions_equal(struct aovs_flow *a, const struct aovs_flow *b)
{
    if (ofpacts_equal(a->ofpacts, a->ofpacts_len,
                      b->ofpacts, b->ofpacts_len)) {
        return true;
    }
    if (!ofpacts_equal_stringwise(a->ofpacts, a->ofpacts_len,
                                  b->ofpacts, b->ofpacts_len)) {
        return false;
    }
    free(a->ofpacts);
    a->ofpacts = b->ofpacts_len ? xmemdup(b->ofpacts, b->ofpacts_len) : NULL;
    a->ofpacts_len = b->ofpacts_len;
    return true;
}

/* Returns the flow in 'map' (of 'struct aovs_flow's by aovs_flow_hash())
 * with the key of 'key', or NULL. */
struct aovs_flow *
aovs_flow_map_find(const struct hmap *map, const struct aovs_flow *key)
{
    struct aovs_flow *flow;

    HMAP_FOR_EACH_WITH_HASH (flow, node, aovs_flow_hash(key), map) {
        if (aovs_flow_key_equal(flow, key)) {
            return flow;
        }
    }
    return NULL;
}

/* Returns 'flow' in the syntax aovs_flow_table_put() takes:
 * "table=T,priority=P,MATCH,actions=ACTIONS" (MATCH omitted when the flow
 * matches everything).  The caller frees the string. */
char *
aovs_flow_to_string(const struct aovs_flow *flow)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "table=%"PRIu8",priority=%"PRIu16",",
                  flow->table_id, flow->priority);
    size_t match_start = s.length;
    minimatch_format(&flow->match, NULL, NULL, &s, OFP_DEFAULT_PRIORITY);
    if (s.length > match_start) {
        ds_put_char(&s, ',');
    }
    ds_put_cstr(&s, "actions=");
    struct ofpact_format_params fp = { .s = &s };
    ofpacts_format(flow->ofpacts, flow->ofpacts_len, &fp);
    return ds_steal_cstr(&s);
}

/* Returns the owner record of 'owner' in 'table', or NULL. */
static struct aovs_flow_owner *
owner_find(const struct aovs_flow_table *table, uint64_t owner)
{
    struct aovs_flow_owner *fo;

    HMAP_FOR_EACH_WITH_HASH (fo, node, hash_uint64(owner), &table->owners) {
        if (fo->owner == owner) {
            return fo;
        }
    }
    return NULL;
}

/* Removes 'flow' from 'table' and frees it, and its owner record if that
 * was its last flow. */
static void
table_remove_flow(struct aovs_flow_table *table, struct aovs_flow *flow)
{
    struct aovs_flow_owner *fo = owner_find(table, flow->owner);

    hmap_remove(&table->flows, &flow->node);
    ovs_list_remove(&flow->owner_node);
    if (fo && !--fo->n_flows) {
        hmap_remove(&table->owners, &fo->node);
        free(fo);
    }
    aovs_flow_destroy(flow);
}

/* qsort() comparison of two 'struct flow_line's: by table, then priority,
 * highest first, then text. */
static int
compare_flows_for_display(const void *a_, const void *b_)
{
    const struct flow_line *a = a_;
    const struct flow_line *b = b_;

    if (a->flow->table_id != b->flow->table_id) {
        return a->flow->table_id < b->flow->table_id ? -1 : 1;
    } else if (a->flow->priority != b->flow->priority) {
        return a->flow->priority > b->flow->priority ? -1 : 1;
    } else {
        return strcmp(a->text, b->text);
    }
}
