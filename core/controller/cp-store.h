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
 * added and removed members) and DELETED.  Returns NULL if the watcher
 * refused a frame of the initial set (the 'ended' callback has then been
 * called, as for any ended watch). */
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

/* Creating and changing the store: the policy computation's side.
 *
 * Every mutation below takes the next resourceVersion (one counter for
 * the whole store, starting at 1), updates the object and its span, and
 * sends each watcher of the object's resource what changed for its Node
 * before returning: ADDED when the object enters the watcher's view,
 * MODIFIED when it stays in view and changed (a NetworkPolicy whose
 * content did not change sends nothing; a group sends a patch, nothing if
 * its patch for that Node is empty), DELETED when it leaves the view. */

struct AntreaCp__NetworkPolicy;

/* Creates an empty store. */
struct cp_store *cp_store_create(void);

/* Ends every watch (calling its 'ended' callback) and frees the store.
 * Accepts NULL. */
void cp_store_destroy(struct cp_store *);

/* The store's current resourceVersion (0 before the first mutation). */
uint64_t cp_store_resource_version(const struct cp_store *);

/* Protocols of named ports, as in controlplane.proto's Protocol. */
enum cp_protocol {
    CP_PROTOCOL_TCP = 1,
    CP_PROTOCOL_UDP = 2,
    CP_PROTOCOL_SCTP = 3
};

/* A named container port of a group member. */
struct cp_named_port {
    const char *name;               /* the port's name (IANA_SVC_NAME) */
    int32_t port;                   /* container port, 1..65535 */
    enum cp_protocol protocol;      /* its protocol */
};

/* At most this many IPs per member (one IPv4 and one IPv6). */
#define CP_MEMBER_MAX_IPS 2

/* One IP address in network order. */
struct cp_ip {
    uint8_t len;                    /* 4 or 16 */
    uint8_t addr[16];               /* the first 'len' bytes are used */
};

struct cp_pod_ref;

/* A Pod as a member of a group, as the computation passes it in.  The
 * store copies what it keeps.  A member is identified within a group by
 * its namespace and name. */
struct cp_member {
    const char *pod_namespace;      /* the Pod's namespace */
    const char *pod_name;           /* the Pod's name */
    struct cp_pod_ref *pod_ref;     /* optional (NULL: found by namespace
                                       and name): the store's identity of
                                       this Pod, cp_store_pod_ref() */
    const char *node;               /* its Node; must be set for the members
                                       of an AppliedToGroup */
    bool has_node_id;               /* 'node_id' is given: the store need
                                       not look 'node' up by name */
    uint32_t node_id;               /* cp_store_node_id('node') */
    size_t n_ips;                   /* IPs in 'ips', 0..CP_MEMBER_MAX_IPS */
    struct cp_ip ips[CP_MEMBER_MAX_IPS]; /* the Pod's IPs */
    const struct cp_named_port *ports;   /* its named container ports */
    size_t n_ports;                 /* elements in 'ports' */
};

/* A change to one group. */
struct cp_group_update {
    const struct cp_member *removed; /* members to remove, by namespace and
                                        name (the other fields are ignored;
                                        absent members are ignored too) */
    size_t n_removed;               /* elements in 'removed' */
    const struct cp_member *added;  /* members to add or replace */
    size_t n_added;                 /* elements in 'added' */
    bool set_span;                  /* AddressGroups: replace the span with
                                       'span' (an AppliedToGroup's span is
                                       always the Nodes of its members) */
    const uint32_t *span;           /* Node ids (cp_store_node_id()), in any
                                       order; duplicates are allowed */
    size_t n_span;                  /* elements in 'span' */
};

/* Returns a reference to the store's interned identity of Pod
 * 'ns'/'name', creating it.  A computation that keeps one per Pod and
 * passes it in its cp_members (member 'pod_ref') saves the store a lookup
 * by namespace and name for each member it adds or removes.  Release it
 * with cp_store_pod_unref() before destroying the store. */
struct cp_pod_ref *cp_store_pod_ref(struct cp_store *, const char *ns,
                                    const char *name);

/* Drops a reference from cp_store_pod_ref().  Accepts NULL. */
void cp_store_pod_unref(struct cp_store *, struct cp_pod_ref *);

/* Returns the store's id for Node 'name' (small integers from 0, stable
 * for the life of the store), creating it on first use.  Spans are passed
 * as ids so that large spans are not looked up by name each time. */
uint32_t cp_store_node_id(struct cp_store *, const char *name);

/* Returns the name of Node 'id'. */
const char *cp_store_node_name(const struct cp_store *, uint32_t id);

/* Creates group 'name' of 'resource' (CP_RESOURCE_ADDRESS_GROUPS or
 * CP_RESOURCE_APPLIED_TO_GROUPS) if it does not exist, with no members and
 * an empty span, then applies 'update' (removals first) in one
 * resourceVersion.  'update' may be NULL. */
void cp_store_update_group(struct cp_store *, enum cp_resource,
                           const char *name,
                           const struct cp_group_update *update);

/* Creates or replaces the NetworkPolicy 'np' (its metadata->name is the
 * key; its metadata->resource_version is ignored and set by the store)
 * with span 'span' (Node ids, in any order).  The store keeps a copy.
 * Returns false, storing nothing, if 'np' has no metadata or no name. */
bool cp_store_put_network_policy(struct cp_store *,
                                 const struct AntreaCp__NetworkPolicy *np,
                                 const uint32_t *span, size_t n_span);

/* Deletes object 'name' of 'resource'; returns false if there was none. */
bool cp_store_delete(struct cp_store *, enum cp_resource, const char *name);

/* Returns true if object 'name' of 'resource' exists. */
bool cp_store_contains(const struct cp_store *, enum cp_resource,
                       const char *name);

/* Returns true if the span of object 'name' of 'resource' holds Node
 * 'node'. */
bool cp_store_span_has(const struct cp_store *, enum cp_resource,
                       const char *name, const char *node);

/* Returns the number of Nodes in the span of object 'name' of 'resource'
 * (0 if there is no such object). */
size_t cp_store_span_size(const struct cp_store *, enum cp_resource,
                          const char *name);

#endif /* cp-store.h */
