/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's in-memory store of control-plane objects (internal
 * NetworkPolicies, AddressGroups, AppliedToGroups, each with its span) and
 * its watchers: the boundary between the policy computation, which writes
 * the store, and the API server, which serves lists and watches from it.
 *
 * The store owns every object and every frame it encodes.  A frame is one
 * watch event on the wire (docs/wire-formats.md: a 4-byte big-endian
 * length, then an antrea_cp.WatchEvent); it is encoded once per event and
 * shared, by reference count, by every watcher that receives the same
 * bytes, so memory does not grow with the number of watchers.  A watcher
 * only receives objects whose span holds its Node, and for AppliedToGroups
 * only the members on its Node (Antrea's keyAndSpanSelectFunc semantics).
 *
 * Single-threaded: every call is made from the controller's event loop.
 */

#ifndef CP_STORE_H
#define CP_STORE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The three resources of the control-plane API. */
enum cp_resource {
    CP_RESOURCE_NETWORK_POLICIES,
    CP_RESOURCE_ADDRESS_GROUPS,
    CP_RESOURCE_APPLIED_TO_GROUPS,
    CP_N_RESOURCES
};

/* Returns the resource's plural name as in URLs ("networkpolicies",
 * "addressgroups", "appliedtogroups"). */
const char *cp_resource_name(enum cp_resource);

/* Parses a plural name; returns false if 'name' is none of them. */
bool cp_resource_from_name(const char *name, enum cp_resource *);

/* One encoded watch event, shared between watchers. */
struct cp_frame {
    size_t refcount;                /* owners of this frame */
    size_t len;                     /* bytes in 'data' */
    uint8_t data[];                 /* length prefix + WatchEvent */
};

/* Takes a reference to 'frame' and returns it. */
struct cp_frame *cp_frame_ref(struct cp_frame *frame);

/* Drops a reference; frees the frame with the last one.  Accepts NULL. */
void cp_frame_unref(struct cp_frame *frame);

struct cp_store;
struct cp_watch;

/* Gives watcher 'aux' one frame.  The callee takes its own reference if it
 * keeps the frame.  Returns false if the watcher cannot take more (its
 * buffer is full): the store then ends the watch, sends it nothing more
 * and calls the 'ended' callback; the client relists. */
typedef bool cp_deliver_func(struct cp_frame *frame, void *aux);

/* Tells watcher 'aux' that the store ended its watch (see above, or
 * because the store is being destroyed).  The watch is freed after this
 * returns; do not cancel it. */
typedef void cp_ended_func(void *aux);

/* Starts a watch of 'resource' for Node 'node_name' (NULL: every object and
 * every member, for antctl and the status page).  Before returning, it
 * delivers every selected object as ADDED, then one BOOKMARK; later changes
 * follow as ADDED, MODIFIED (full NetworkPolicy, or a group patch with the
 * added and removed members) and DELETED. */
struct cp_watch *cp_store_watch(struct cp_store *, enum cp_resource,
                                const char *node_name, cp_deliver_func *,
                                cp_ended_func *, void *aux);

/* Stops a watch and frees it.  Accepts NULL. */
void cp_watch_cancel(struct cp_watch *);

/* Returns the encoded list message (antrea_cp.*List, no length prefix) of
 * the objects of 'resource' selected for 'node_name' (NULL: all), malloc'd,
 * with its size in '*lenp'. */
uint8_t *cp_store_list(struct cp_store *, enum cp_resource,
                       const char *node_name, size_t *lenp);

/* Returns the encoded object (no length prefix) 'name' of 'resource' as
 * 'node_name' would see it (NULL: whole), malloc'd, size in '*lenp'; NULL
 * if there is none or it is not selected for the Node. */
uint8_t *cp_store_get(struct cp_store *, enum cp_resource, const char *name,
                      const char *node_name, size_t *lenp);

/* The number of objects of 'resource' and of open watches. */
size_t cp_store_count(const struct cp_store *, enum cp_resource);
size_t cp_store_n_watches(const struct cp_store *);

#endif /* cp-store.h */
