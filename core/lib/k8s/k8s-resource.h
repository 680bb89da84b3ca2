/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Kubernetes resources the programs use, their REST paths, and the
 * metadata every object carries (name, namespace, resourceVersion, the
 * "namespace/name" key caches use).  Objects are jansson values exactly
 * as the apiserver sends them.
 */

#ifndef K8S_RESOURCE_H
#define K8S_RESOURCE_H 1

#include <jansson.h>
#include <stdbool.h>

/* One kind of object in the API. */
struct k8s_resource {
    const char *group;          /* API group, "" for the core group */
    const char *version;        /* e.g. "v1" */
    const char *plural;         /* the path segment, e.g. "pods" */
    const char *kind;           /* e.g. "Pod" */
    bool namespaced;            /* objects live in a namespace */
};

/* Watched by the agent and the controller. */
extern const struct k8s_resource k8s_resource_pods;
extern const struct k8s_resource k8s_resource_namespaces;
extern const struct k8s_resource k8s_resource_networkpolicies;
extern const struct k8s_resource k8s_resource_nodes;

/* Created by the controller (authentication of agents, reporting). */
extern const struct k8s_resource k8s_resource_tokenreviews;
extern const struct k8s_resource k8s_resource_subjectaccessreviews;
extern const struct k8s_resource k8s_resource_events;

char *k8s_resource_path(const struct k8s_resource *, const char *namespace,
                        const char *name, const char *subresource);
void k8s_query_append(char **url, const char *key, const char *value);
char *k8s_url_escape(const char *);

const char *k8s_object_name(const json_t *object);
const char *k8s_object_namespace(const json_t *object);
const char *k8s_object_resource_version(const json_t *object);
char *k8s_object_key(const json_t *object);
char *k8s_make_key(const char *namespace, const char *name);

char *k8s_status_message(long http_status, const json_t *body);

#endif /* k8s-resource.h */
