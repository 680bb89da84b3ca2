/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's AntreaControllerInfo (crd.antrea.io/v1beta1, cluster-
 * scoped, named "antrea-controller"): what antctl's "get controllerinfo"
 * shows (api_server_controller_info(), api-server.h: version, object
 * counts, connected agents, ControllerHealthy), in the CRD's shape,
 * written to the Kubernetes API every 60 s and within about a second of
 * a change of the readiness, the counts or the watches.  The writing,
 * its retries and its logging are the object writer's
 * (k8s-object-writer.h).  docs/monitoring.md describes the object.
 *
 * Ownership: the writer borrows the client, the API server and the
 * store, which must outlive it; it copies the strings.
 */

#ifndef CONTROLLER_INFO_H
#define CONTROLLER_INFO_H 1

#include <jansson.h>
#include <time.h>

struct api_server;
struct controller_info;
struct cp_store;
struct k8s_client;

/* The collection and the object's name. */
#define CONTROLLER_INFO_COLLECTION \
    "/apis/crd.antrea.io/v1beta1/antreacontrollerinfos"
#define CONTROLLER_INFO_NAME "antrea-controller"

/* What the object says beside the controllerinfo view, and the cadence.
 * NULL strings are left out of the object. */
struct controller_info_params {
    const char *pod_namespace;  /* the controller's Pod (podRef) and the
                                   Service's namespace; NULL: no podRef,
                                   Service in kube-system */
    const char *pod_name;       /* the Pod's name, or NULL */
    const char *node_name;      /* its Node (nodeRef), or NULL */
    const char *service_name;   /* serviceRef's name, or NULL for none */
    long long period_ms;        /* 0: every 60 s */
    long long check_ms;         /* change detection; 0: every second */
};

struct controller_info *controller_info_create(
    struct k8s_client *, struct api_server *, const struct cp_store *,
    const struct controller_info_params *);
void controller_info_destroy(struct controller_info *);

/* The object's content (every field but apiVersion, kind and metadata)
 * from the controllerinfo view 'view' and 'p''s references, with the
 * condition's lastHeartbeatTime 'now'.  A new reference. */
json_t *controller_info_content(const json_t *view,
                                const struct controller_info_params *p,
                                time_t now);

#endif /* controller-info.h */
