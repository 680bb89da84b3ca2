/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Resources, paths and object metadata; see k8s-resource.h.
 */

#include <config.h>
#include "k8s/k8s-resource.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

const struct k8s_resource k8s_resource_pods = {
    "", "v1", "pods", "Pod", true,
};
const struct k8s_resource k8s_resource_namespaces = {
    "", "v1", "namespaces", "Namespace", false,
};
const struct k8s_resource k8s_resource_networkpolicies = {
    "networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true,
};
const struct k8s_resource k8s_resource_nodes = {
    "", "v1", "nodes", "Node", false,
};
const struct k8s_resource k8s_resource_tokenreviews = {
    "authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false,
};
const struct k8s_resource k8s_resource_subjectaccessreviews = {
    "authorization.k8s.io", "v1", "subjectaccessreviews",
    "SubjectAccessReview", false,
};
const struct k8s_resource k8s_resource_events = {
    "", "v1", "events", "Event", true,
};

/* Returns true if 'c' needs no percent-encoding (RFC 3986 unreserved). */
static bool
is_unreserved(unsigned char c)
{
    return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~');
}

/* Returns 's' percent-encoded for a path segment or a query value, as a
 * malloc'd string. */
char *
k8s_url_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = xmalloc(strlen(s) * 3 + 1);
    char *p = out;

    for (; *s; s++) {
        unsigned char c = *s;
        if (is_unreserved(c)) {
            *p++ = c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = '\0';
    return out;
}

/* Returns the malloc'd REST path of 'resource': of its collection in
 * 'namespace' (NULL: in all namespaces, or a cluster-scoped resource's
 * collection), or of the object 'name' if it is not NULL, or of that
 * object's 'subresource' (e.g. "status") if that is not NULL either.
 * For example "/api/v1/namespaces/x/pods/a/status" or
 * "/apis/networking.k8s.io/v1/networkpolicies". */
char *
k8s_resource_path(const struct k8s_resource *resource, const char *namespace,
                  const char *name, const char *subresource)
{
    char *prefix = (resource->group[0]
                    ? xasprintf("/apis/%s/%s", resource->group,
                                resource->version)
                    : xasprintf("/api/%s", resource->version));
    char *ns_part = NULL;
    if (namespace && resource->namespaced) {
        char *escaped = k8s_url_escape(namespace);
        ns_part = xasprintf("/namespaces/%s", escaped);
        free(escaped);
    }
    char *name_part = NULL;
    if (name) {
        char *escaped = k8s_url_escape(name);
        name_part = (subresource
                     ? xasprintf("/%s/%s", escaped, subresource)
                     : xasprintf("/%s", escaped));
        free(escaped);
    }

    char *path = xasprintf("%s%s/%s%s", prefix, ns_part ? ns_part : "",
                           resource->plural, name_part ? name_part : "");
    free(prefix);
    free(ns_part);
    free(name_part);
    return path;
}

/* Appends "key=value" to the malloc'd URL or path '*url' (after '?' if it
 * has no query yet, else after '&'), percent-encoding 'value' and
 * replacing '*url' with the result.  A NULL 'value' appends nothing. */
void
k8s_query_append(char **url, const char *key, const char *value)
{
    if (!value) {
        return;
    }

    char *escaped = k8s_url_escape(value);
    char *joined = xasprintf("%s%c%s=%s", *url, strchr(*url, '?') ? '&' : '?',
                             key, escaped);
    free(escaped);
    free(*url);
    *url = joined;
}

/* Returns the string member 'key' of the metadata of 'object', or NULL. */
static const char *
metadata_string(const json_t *object, const char *key)
{
    const json_t *metadata = json_object_get(object, "metadata");
    return json_string_value(json_object_get(metadata, key));
}

/* Returns metadata.name of 'object', or NULL if it has none. */
const char *
k8s_object_name(const json_t *object)
{
    return metadata_string(object, "name");
}

/* Returns metadata.namespace of 'object', or NULL if it has none (a
 * cluster-scoped object). */
const char *
k8s_object_namespace(const json_t *object)
{
    return metadata_string(object, "namespace");
}

/* Returns metadata.resourceVersion of 'object', or NULL if it has none. */
const char *
k8s_object_resource_version(const json_t *object)
{
    return metadata_string(object, "resourceVersion");
}

/* Returns the malloc'd cache key of an object named 'name' in 'namespace'
 * (NULL or "" for a cluster-scoped one): "namespace/name" or "name", as
 * client-go's MetaNamespaceKeyFunc makes them. */
char *
k8s_make_key(const char *namespace, const char *name)
{
    return (namespace && namespace[0]
            ? xasprintf("%s/%s", namespace, name)
            : xstrdup(name));
}

/* Returns the malloc'd cache key of 'object', or NULL if it has no
 * name. */
char *
k8s_object_key(const json_t *object)
{
    const char *name = k8s_object_name(object);
    return name ? k8s_make_key(k8s_object_namespace(object), name) : NULL;
}

/* Returns a malloc'd one-line description of a failed answer with HTTP
 * status 'http_status' whose body is 'body' (a Status object, usually, or
 * NULL): "HTTP 410 (Expired): the message". */
char *
k8s_status_message(long http_status, const json_t *body)
{
    const char *reason = json_string_value(json_object_get(body, "reason"));
    const char *message = json_string_value(json_object_get(body,
                                                            "message"));
    if (!reason || !reason[0]) {
        return (message
                ? xasprintf("HTTP %ld: %s", http_status, message)
                : xasprintf("HTTP %ld", http_status));
    }
    return (message
            ? xasprintf("HTTP %ld (%s): %s", http_status, reason, message)
            : xasprintf("HTTP %ld (%s)", http_status, reason));
}
