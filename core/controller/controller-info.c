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
#include "k8s/antrea-info.h"
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
    uint64_t h = K8S_OBJECT_FINGERPRINT_INIT;
    for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
        k8s_object_fingerprint_mix(&h, values[i]);
    }
    return h;
}

/* A message for condition 'type' when its status is not True
 * (antrea_info_message_func). */
static const char *
condition_message(const char *type, const char *reason)
{
    (void) reason;
    return (!strcmp(type, "ControllerHealthy")
            ? "the Kubernetes informers have not synced yet: agents get 503"
            : NULL);
}

json_t *
controller_info_content(const json_t *view,
                        const struct controller_info_params *p, time_t now)
{
    json_t *content = antrea_info_content_start(view, p->pod_namespace,
                                                p->pod_name);
    if (p->node_name) {
        json_object_set_new(content, "nodeRef",
                            antrea_info_object_ref("Node", NULL,
                                                   p->node_name));
    }
    if (p->service_name) {
        json_object_set_new(content, "serviceRef",
                            antrea_info_object_ref(
                                "Service",
                                (p->pod_namespace ? p->pod_namespace
                                 : "kube-system"),
                                p->service_name));
    }

    json_object_set_new(content, "networkPolicyControllerInfo",
                        antrea_info_policy_counts(view));
    antrea_info_copy_member(content, view, "connectedAgentNum");
    json_object_set_new(content, "controllerConditions",
                        antrea_info_conditions(
                            json_object_get(view, "controllerConditions"),
                            now, condition_message));

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
    antrea_info_keep_string(&info->pod_namespace, &info->p.pod_namespace);
    antrea_info_keep_string(&info->pod_name, &info->p.pod_name);
    antrea_info_keep_string(&info->node_name, &info->p.node_name);
    antrea_info_keep_string(&info->service_name, &info->p.service_name);

    info->writer = antrea_info_writer_create(
        client, CONTROLLER_INFO_COLLECTION, "AntreaControllerInfo",
        CONTROLLER_INFO_NAME, p->period_ms, p->check_ms, fingerprint, build,
        info);
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
