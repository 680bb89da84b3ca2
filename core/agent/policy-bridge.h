/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The NetworkPolicy reconciler's sink (policy-reconciler.h) for the
 * agent's bridge (bridge.h): objects, flows and commits go to the bridge's
 * desired flow table and switch connection.  Kept apart so that the
 * reconciler and its tests do not need the bridge.
 */

#ifndef POLICY_BRIDGE_H
#define POLICY_BRIDGE_H 1

#include "policy-reconciler.h"

struct bridge;

/* Returns a sink that sends to 'bridge' (which must outlive its use). */
struct policy_sink policy_sink_for_bridge(struct bridge *bridge);

#endif /* policy-bridge.h */
