/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * What the agent's AntreaAgentInfo (core/agent/agent-info.h) and the
 * controller's AntreaControllerInfo (core/controller/controller-info.h)
 * have in common: both are crd.antrea.io/v1beta1 objects built from an
 * antctl view (a JSON object) and kept current by an object writer
 * (k8s-object-writer.h), with a version, a podRef, the NetworkPolicy
 * counts and conditions stamped with the time of the heartbeat.  Each
 * owner adds its own fields; these functions build the shared ones the
 * same way for both.
 *
 * Ownership: every json_t * returned is a new reference; the views are
 * only read.
 */

#ifndef ANTREA_INFO_H
#define ANTREA_INFO_H 1

#include <jansson.h>
#include <time.h>

#include "k8s/k8s-object-writer.h"

struct k8s_client;

/* The apiVersion of both objects. */
#define ANTREA_INFO_API_VERSION "crd.antrea.io/v1beta1"

/* Creates the writer (k8s-object-writer.h) of the object of 'kind'
 * called 'name' in 'collection', with apiVersion ANTREA_INFO_API_VERSION,
 * written every 'period_ms' and checked for changes every 'check_ms' (0:
 * the writer's defaults), its content built by 'build' and its state
 * summed up by 'fingerprint', both called with 'aux'. */
struct k8s_object_writer *antrea_info_writer_create(
    struct k8s_client *, const char *collection, const char *kind,
    const char *name, long long period_ms, long long check_ms,
    k8s_object_fingerprint_func *fingerprint, k8s_object_build_func *build,
    void *aux);

/* Replaces the borrowed string '*paramp' (a member of the owner's copy of
 * its parameters) by a copy the owner keeps in '*copyp' and frees: NULL
 * for NULL or "" (an empty string means "not known"), so that '*paramp'
 * is then NULL or the copy. */
void antrea_info_keep_string(char **copyp, const char **paramp);

/* Copies member 'key' of 'from' (which may be NULL) into 'to' if it is
 * there. */
void antrea_info_copy_member(json_t *to, const json_t *from,
                             const char *key);

/* A reference to object 'name' of 'kind' in 'namespace' (NULL: cluster-
 * scoped): {"kind", ["namespace",] "name"}. */
json_t *antrea_info_object_ref(const char *kind, const char *namespace,
                               const char *name);

/* Starts an object's content: the view's "version", and a podRef to the
 * owner's Pod 'pod_namespace'/'pod_name' if both are non-NULL. */
json_t *antrea_info_content_start(const json_t *view,
                                  const char *pod_namespace,
                                  const char *pod_name);

/* The networkPolicyControllerInfo member: the view's NetworkPolicy,
 * AddressGroup and AppliedToGroup counts (those it has). */
json_t *antrea_info_policy_counts(const json_t *view);

/* Returns why condition 'type' (with 'reason', which may be NULL) is not
 * True, in words for the object's "message", or NULL for no message. */
typedef const char *antrea_info_message_func(const char *type,
                                             const char *reason);

/* The conditions of array 'view_conditions' in the object's shape: each
 * one with a "type" and a "status" (others are skipped), its "reason" if
 * any, lastHeartbeatTime 'now', and, when its status is not "True",
 * the "message" that 'message' gives (if 'message' is non-NULL). */
json_t *antrea_info_conditions(const json_t *view_conditions, time_t now,
                               antrea_info_message_func *message);

#endif /* antrea-info.h */
