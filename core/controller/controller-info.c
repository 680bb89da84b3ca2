/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's AntreaControllerInfo writer (controller-info.h).
 */

#include <config.h>

#include "controller-info.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api-server.h"
#include "cp-store.h"
#include "k8s/k8s-object-writer.h"
#include "util.h"

/* The AntreaControllerInfo writer: what it reads, and the object
 * writer. */
struct controller_info {
    struct controller_info_params p; /* copied; strings below */
    char *pod_namespace;        /* p.pod_namespace's copy, or NULL */
    char *pod_name;             /* p.pod_name's copy, or NULL */
    char *node_name;            /* p.node_name's copy, or NULL */
    char *service_name;         /* p.service_name's copy, or NULL */
    struct api_server *server;  /* the view's source (borrowed) */
    const struct cp_store *store; /* the counts' source (borrowed) */
    struct k8s_object_writer *writer; /* writes the object */
};

/* Returns a copy of 's', or NULL for NULL or "". */
static char *
nonempty_copy(const char *s)
{
    return s && s[0] ? xstrdup(s) : NULL;
}

/* The writer's fingerprint: readiness, counts and watches (the connected
 * agents are counted from the watches, which is not cheap). */
static uint64_t
fingerprint(void *info_)
{
    const struct controller_info *info = info_;
    uint64_t values[] = {
        api_server_is_ready(info->server),
        cp_store_count(info->store, CP_RESOURCE_NETWORK_POLICIES),
        cp_store_count(info->store, CP_RESOURCE_ADDRESS_GROUPS),
        cp_store_count(info->store, CP_RESOURCE_APPLIED_TO_GROUPS),
        api_server_n_watches(info->server),
    };
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
        h = (h ^ values[i]) * UINT64_C(0x100000001b3);
        h ^= h >> 29;
    }
    return h;
}

/* A reference to object 'name' of 'kind' in 'namespace' (NULL: cluster-
 * scoped). */
static json_t *
object_ref(const char *kind, const char *namespace, const char *name)
{
    json_t *ref = json_pack("{s:s, s:s}", "kind", kind, "name", name);
    if (namespace) {
        json_object_set_new(ref, "namespace", json_string(namespace));
    }
    return ref;
}

/* Copies member 'key' of 'from' into 'to' if it is there. */
static void
copy_member(json_t *to, const json_t *from, const char *key)
{
    json_t *value = json_object_get(from, key);
    if (value) {
        json_object_set(to, key, value);
    }
}

json_t *
controller_info_content(const json_t *view,
                        const struct controller_info_params *p, time_t now)
{
    char stamp[K8S_TIME_SIZE];
    k8s_format_time(now, stamp);

    json_t *content = json_object();
    copy_member(content, view, "version");
    if (p->pod_namespace && p->pod_name) {
        json_object_set_new(content, "podRef",
                            object_ref("Pod", p->pod_namespace,
                                       p->pod_name));
    }
    if (p->node_name) {
        json_object_set_new(content, "nodeRef",
                            object_ref("Node", NULL, p->node_name));
    }
    if (p->service_name) {
        json_object_set_new(content, "serviceRef",
                            object_ref("Service",
                                       (p->pod_namespace ? p->pod_namespace
                                        : "kube-system"),
                                       p->service_name));
    }

    const json_t *np = json_object_get(view, "networkPolicyControllerInfo");
    json_t *np_info = json_object();
    copy_member(np_info, np, "networkPolicyNum");
    copy_member(np_info, np, "addressGroupNum");
    copy_member(np_info, np, "appliedToGroupNum");
    json_object_set_new(content, "networkPolicyControllerInfo", np_info);
    copy_member(content, view, "connectedAgentNum");

    json_t *conditions = json_array();
    size_t i;
    const json_t *c;
    json_array_foreach (json_object_get(view, "controllerConditions"), i, c) {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *status = json_string_value(json_object_get(c,
                                                               "status"));
        if (!type || !status) {
            continue;
        }
        json_t *out = json_pack("{s:s, s:s, s:s}", "type", type,
                                "status", status,
                                "lastHeartbeatTime", stamp);
        copy_member(out, c, "reason");
        if (!strcmp(type, "ControllerHealthy") && strcmp(status, "True")) {
            json_object_set_new(out, "message", json_string(
                                    "the Kubernetes informers have not "
                                    "synced yet: agents get 503"));
        }
        json_array_append_new(conditions, out);
    }
    json_object_set_new(content, "controllerConditions", conditions);

    json_int_t port = json_integer_value(json_object_get(view, "apiPort"));
    if (port > 0 && port < 65536) {
        json_object_set_new(content, "apiPort", json_integer(port));
    }
    return content;
}

/* The writer's build callback: the view, reshaped. */
static json_t *
build(void *info_)
{
    struct controller_info *info = info_;
    json_t *view = api_server_controller_info(info->server);
    if (!view) {
        return NULL;
    }
    json_t *content = controller_info_content(view, &info->p, time(NULL));
    json_decref(view);
    return content;
}

struct controller_info *
controller_info_create(struct k8s_client *client, struct api_server *server,
                       const struct cp_store *store,
                       const struct controller_info_params *p)
{
    struct controller_info *info = xcalloc(1, sizeof *info);
    info->p = *p;
    info->server = server;
    info->store = store;
    info->pod_namespace = nonempty_copy(p->pod_namespace);
    info->pod_name = nonempty_copy(p->pod_name);
    info->node_name = nonempty_copy(p->node_name);
    info->service_name = nonempty_copy(p->service_name);
    info->p.pod_namespace = info->pod_namespace;
    info->p.pod_name = info->pod_name;
    info->p.node_name = info->node_name;
    info->p.service_name = info->service_name;

    struct k8s_object_writer_params wp = {
        .collection = CONTROLLER_INFO_COLLECTION,
        .api_version = "crd.antrea.io/v1beta1",
        .kind = "AntreaControllerInfo",
        .name = CONTROLLER_INFO_NAME,
        .period_ms = p->period_ms,
        .check_ms = p->check_ms,
        .fingerprint = fingerprint,
        .build = build,
        .aux = info,
    };
    info->writer = k8s_object_writer_create(client, &wp);
    return info;
}

void
controller_info_destroy(struct controller_info *info)
{
    if (info) {
        k8s_object_writer_destroy(info->writer);
        free(info->pod_namespace);
        free(info->pod_name);
        free(info->node_name);
        free(info->service_name);
        free(info);
    }
}
