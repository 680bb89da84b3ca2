/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The reconciler's sink for the agent's bridge (policy-bridge.h).
 */

#include <config.h>
#include "policy-bridge.h"

#include "bridge.h"

/* struct policy_sink's new_object on a bridge. */
static uint64_t
bridge_sink_new_object(void *bridge)
{
    return bridge_new_object(bridge);
}

/* struct policy_sink's set_flows on a bridge. */
static int
bridge_sink_set_flows(void *bridge, uint64_t id,
                      const struct pipeline_flows *flows, char **errorp)
{
    return bridge_set_flows(bridge, id, flows, errorp);
}

/* struct policy_sink's remove_flows on a bridge. */
static void
bridge_sink_remove_flows(void *bridge, uint64_t id)
{
    bridge_remove_flows(bridge, id);
}

/* struct policy_sink's commit on a bridge. */
static int
bridge_sink_commit(void *bridge, char **errorp)
{
    return bridge_commit(bridge, errorp);
}

struct policy_sink
policy_sink_for_bridge(struct bridge *bridge)
{
    struct policy_sink sink = {
        .new_object = bridge_sink_new_object,
        .set_flows = bridge_sink_set_flows,
        .remove_flows = bridge_sink_remove_flows,
        .commit = bridge_sink_commit,
        .aux = bridge,
    };
    return sink;
}
