/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's copy of the control-plane objects that concern its Node:
 * internal NetworkPolicies, AddressGroups and AppliedToGroups as the
 * controller sends them (core/proto/controlplane.proto), plus the local
 * Pods' ofports and IPs as the datapath reports them (AppliedToGroup
 * members carry only Pod references).
 *
 * The cache is fed with decoded protobuf-c structs: whole objects (ADDED,
 * MODIFIED), group patches (added and removed members), deletions, and
 * "replace all" after each (re)sync of a watch.  It copies what it needs
 * (nothing keeps a pointer into the caller's structs) and checks it: an
 * object with a bad address, prefix, protocol or port is refused with a
 * message naming the object and the problem, and the cache keeps the
 * previous version.
 *
 * It also remembers which NetworkPolicies a change touches ("dirty"): a
 * policy that changed, was added or deleted; every policy using a group
 * whose members changed; every policy applied to a Pod that came or went.
 * An object put again unchanged (as a resync after a controller restart
 * does) touches nothing.  policy-reconciler.c takes the dirty set and
 * recomputes those policies' flows.
 *
 * Rules are identified by their content (direction, peers, services,
 * isolation, the policy's applied-to groups) within their policy, as
 * Antrea's rule ids are: a policy update that keeps a rule keeps its key,
 * so its flows and conjunction ids stay.
 */

#ifndef POLICY_CACHE_H
#define POLICY_CACHE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "antrea/net-types.h"
#include "controlplane.pb-c.h"
#include "policy-flows.h"
#include "policy-map.h"

/* The three control-plane resources. */
enum policy_resource {
    POLICY_RESOURCE_NETWORK_POLICY,
    POLICY_RESOURCE_ADDRESS_GROUP,
    POLICY_RESOURCE_APPLIED_TO_GROUP,
};
#define POLICY_N_RESOURCES 3

/* A named container port of a group member. */
struct policy_named_port {
    char *name;                     /* the port's name */
    uint8_t protocol;               /* IPPROTO_TCP, _UDP or _SCTP */
    uint16_t port;                  /* its number */
};

/* A member of a group. */
struct policy_member {
    char *key;                      /* "NS/NAME" for a Pod, else "ip:..." */
    char *signature;                /* the whole member as text, to tell
                                       whether it changed */
    char *pod_namespace;            /* the Pod's, or NULL */
    char *pod_name;                 /* the Pod's, or NULL */
    struct antrea_ip *ips;          /* its addresses */
    size_t n_ips;                   /* its length */
    struct policy_named_port *ports; /* its named ports */
    size_t n_ports;                 /* its length */
};

/* An AddressGroup or AppliedToGroup. */
struct policy_group {
    char *name;                     /* the group's name (key) */
    bool present;                   /* received from the controller (else
                                       only referenced by a policy) */
    struct policy_map members;      /* key -> struct policy_member */
    struct policy_map users;        /* names of the policies using it
                                       (values unused) */
    struct antrea_ip *ips;          /* every member's addresses, in one
                                       array (peers are read often) */
    size_t n_ips;                   /* its length */
};

/* A service of a rule, as the controller sent it. */
struct policy_rule_service {
    uint8_t protocol;               /* IPPROTO_TCP, _UDP or _SCTP */
    char *port_name;                /* a named port, or NULL */
    uint16_t port;                  /* numeric port; 0 with no port_name:
                                       every port */
    uint16_t end_port;              /* last port of a range, or 0 */
};

/* An ipBlock. */
struct policy_ip_block {
    struct antrea_prefix cidr;      /* the block */
    struct antrea_prefix *except;   /* ranges taken out of it */
    size_t n_except;                /* its length */
};

/* A rule of a NetworkPolicy. */
struct policy_rule {
    char *key;                      /* "POLICY|content", unique (see
                                       above) */
    enum policy_direction direction; /* IN: peers are sources */
    char **address_groups;          /* peer groups */
    size_t n_address_groups;        /* its length */
    struct policy_ip_block *ip_blocks; /* peer blocks */
    size_t n_ip_blocks;             /* its length */
    struct policy_rule_service *services; /* empty: all traffic */
    size_t n_services;              /* its length */
    int32_t priority;               /* position in the policy */
    bool isolate_only;              /* matches nothing, only isolates */
};

/* An internal NetworkPolicy. */
struct policy_np {
    char *name;                     /* the object's name (key) */
    char *source;                   /* "NS/NAME" of the Kubernetes
                                       NetworkPolicy, for messages */
    char *signature;                /* rule keys and groups, to tell
                                       whether it changed */
    struct policy_rule *rules;      /* its rules, in order */
    size_t n_rules;                 /* its length */
    char **applied_to;              /* AppliedToGroup names */
    size_t n_applied_to;            /* its length */
};

/* A Pod on this Node. */
struct policy_pod {
    uint32_t ofport;                /* its port on br-int */
    struct antrea_ip ip;            /* its address */
};

struct policy_cache;

struct policy_cache *policy_cache_create(void);
void policy_cache_destroy(struct policy_cache *);

/* Watch events.  Applies one ADDED, MODIFIED or DELETED event with any of
 * the objects of WatchEvent's oneof; BOOKMARK does nothing.  Returns 0, or
 * a positive errno value with a message in '*errorp' (caller frees; may be
 * NULL): EINVAL for a bad object or event (nothing changes), ENOENT for a
 * patch of an unknown group. */
int policy_cache_apply_event(struct policy_cache *,
                             const AntreaCp__WatchEvent *, char **errorp);

/* The same, per object. */
int policy_cache_put_policy(struct policy_cache *,
                            const AntreaCp__NetworkPolicy *, char **errorp);
void policy_cache_delete_policy(struct policy_cache *, const char *name);
int policy_cache_put_address_group(struct policy_cache *,
                                   const AntreaCp__AddressGroup *,
                                   char **errorp);
int policy_cache_patch_address_group(struct policy_cache *,
                                     const AntreaCp__AddressGroupPatch *,
                                     char **errorp);
void policy_cache_delete_address_group(struct policy_cache *,
                                       const char *name);
int policy_cache_put_applied_to_group(struct policy_cache *,
                                      const AntreaCp__AppliedToGroup *,
                                      char **errorp);
int policy_cache_patch_applied_to_group(
    struct policy_cache *, const AntreaCp__AppliedToGroupPatch *,
    char **errorp);
void policy_cache_delete_applied_to_group(struct policy_cache *,
                                          const char *name);

/* Replace all: between begin and end, put every object of 'resource' the
 * (re)synced watch has (with the functions above or ADDED events); end
 * deletes the objects of 'resource' that were not put since begin.
 * Objects put unchanged touch nothing, so a resync changes only what
 * changed. */
void policy_cache_replace_begin(struct policy_cache *,
                                enum policy_resource);
void policy_cache_replace_end(struct policy_cache *, enum policy_resource);

/* The same at once, for a list of ADDED events (the shape of
 * controlplane-watch.h's 'replace' callback; the events are only read).
 * Bad objects are skipped (the first message is returned, with EINVAL);
 * the others are put. */
int policy_cache_replace(struct policy_cache *, enum policy_resource,
                         AntreaCp__WatchEvent *const *events,
                         size_t n_events, char **errorp);

/* Local Pods, as the datapath reports them.  Adding a Pod that is there
 * updates it. */
void policy_cache_pod_added(struct policy_cache *, const char *namespace,
                            const char *name, uint32_t ofport,
                            const struct antrea_ip *ip);
void policy_cache_pod_removed(struct policy_cache *, const char *namespace,
                              const char *name);

/* Reading, for the reconciler.  Pointers are valid until the next
 * change. */
const struct policy_np *policy_cache_find_policy(const struct policy_cache *,
                                                 const char *name);
const struct policy_group *policy_cache_find_address_group(
    const struct policy_cache *, const char *name);
const struct policy_group *policy_cache_find_applied_to_group(
    const struct policy_cache *, const char *name);
const struct policy_pod *policy_cache_find_pod(const struct policy_cache *,
                                               const char *namespace,
                                               const char *name);
size_t policy_cache_n_policies(const struct policy_cache *);

/* The objects of 'resource' (names -> struct policy_np for
 * NetworkPolicies, struct policy_group for groups, which include groups
 * only referenced by a policy: see 'present'), for antctl's read-only
 * views (agent-api.h).  Valid until the next change. */
const struct policy_map *policy_cache_objects(const struct policy_cache *,
                                              enum policy_resource);

/* Moves the names of the policies touched since the last call into
 * '*dirty' (an empty map the caller destroys; values unused). */
void policy_cache_take_dirty(struct policy_cache *, struct policy_map *dirty);

/* Returns true if some policy was touched since the last take. */
bool policy_cache_has_dirty(const struct policy_cache *);

#endif /* policy-cache.h */
