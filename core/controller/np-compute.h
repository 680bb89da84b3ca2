/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The NetworkPolicy computation: from Pods, Namespaces and Kubernetes
 * NetworkPolicies to internal NetworkPolicies, AppliedToGroups and
 * AddressGroups with their spans (Antrea's processNetworkPolicy and span
 * computation), written into a cp_store.
 *
 * Groups are named by the UUIDv5 of their normalised selector and shared
 * between policies; a group lives while a policy references it.  Changes
 * are incremental: a Pod or Namespace event touches only the groups its
 * labels can affect (groups are indexed by namespace and by one label
 * requirement of their selector), and a policy is rewritten only when its
 * content or span changed.
 *
 * The set and delete calls record changes; np_engine_flush() computes
 * spans and writes everything that changed into the store (and thus to
 * the watchers) in one pass, so a burst of events (an informer's initial
 * list) costs one pass.  Call it after each batch of events.
 *
 * Single-threaded, like the store.
 */

#ifndef NP_COMPUTE_H
#define NP_COMPUTE_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct cp_store;
struct k8s_namespace;
struct k8s_network_policy;
struct k8s_pod;

/* Called for a NetworkPolicy that is invalid: 'error' names the object
 * and the field.  The policy is not installed (a previous valid version
 * is removed); the caller logs it and posts a Kubernetes Event. */
typedef void np_invalid_func(const char *ns, const char *name,
                             const char *error, void *aux);

struct np_engine;

/* Creates an engine that writes into 'store' (which must outlive it).
 * 'invalid' may be NULL. */
struct np_engine *np_engine_create(struct cp_store *store,
                                   np_invalid_func *invalid, void *aux);

/* Frees the engine (not the store, whose objects stay).  Accepts NULL. */
void np_engine_destroy(struct np_engine *);

/* Adds or replaces an object; the engine takes ownership. */
void np_engine_set_namespace(struct np_engine *, struct k8s_namespace *);
void np_engine_set_pod(struct np_engine *, struct k8s_pod *);
void np_engine_set_policy(struct np_engine *, struct k8s_network_policy *);

/* Removes an object; unknown ones are ignored. */
void np_engine_delete_namespace(struct np_engine *, const char *name);
void np_engine_delete_pod(struct np_engine *, const char *ns,
                          const char *name);
void np_engine_delete_policy(struct np_engine *, const char *ns,
                             const char *name);

/* The same from informer JSON.  An object that does not parse is
 * reported: a policy through the 'invalid' callback (and removed), a Pod
 * or Namespace in the log (and ignored).  Returns false if it did not
 * parse. */
bool np_engine_set_namespace_json(struct np_engine *, const json_t *);
bool np_engine_set_pod_json(struct np_engine *, const json_t *);
bool np_engine_set_policy_json(struct np_engine *, const json_t *);

/* Writes every pending change into the store. */
void np_engine_flush(struct np_engine *);

/* Counts, for tests and the status page. */
size_t np_engine_n_groups(const struct np_engine *);
size_t np_engine_n_policies(const struct np_engine *);

/* Stores in 'uuid' (37 bytes) the group name of normalised selector
 * 'normalized': the UUIDv5 in Antrea's namespace
 * 5a5e7dd9-e3fb-49bb-b263-9bab25c95841. */
void np_group_uuid(const char *normalized, char uuid[37]);

#endif /* np-compute.h */
