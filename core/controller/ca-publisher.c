/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's CA in the ConfigMap antrea-ca (ca-publisher.h).
 */

#include <config.h>

#include "ca-publisher.h"

#include <jansson.h>
#include <stdlib.h>

#include "k8s/k8s-object-writer.h"
#include "util.h"

/* Rewritten this often: the content never changes while the controller
 * runs, so the period only repairs a ConfigMap someone deleted or
 * edited. */
#define CA_PUBLISHER_PERIOD_MS (5 * 60 * 1000)

struct ca_publisher {
    char *ca_pem;                       /* what "ca.crt" holds */
    struct k8s_object_writer *writer;   /* writes the ConfigMap */
};

/* The writer's build callback: the ConfigMap's data. */
static json_t *
build(void *publisher_)
{
    const struct ca_publisher *publisher = publisher_;
    return json_pack("{s:{s:s}}", "data", CA_PUBLISHER_KEY,
                     publisher->ca_pem);
}

struct ca_publisher *
ca_publisher_create(struct k8s_client *client, const char *namespace,
                    const char *ca_pem)
{
    struct ca_publisher *publisher = xcalloc(1, sizeof *publisher);
    publisher->ca_pem = xstrdup(ca_pem);
    char *collection = xasprintf("/api/v1/namespaces/%s/configmaps",
                                 namespace);
    struct k8s_object_writer_params wp = {
        .collection = collection,
        .api_version = "v1",
        .kind = "ConfigMap",
        .name = CA_PUBLISHER_CONFIGMAP,
        .period_ms = CA_PUBLISHER_PERIOD_MS,
        .build = build,
        .aux = publisher,
    };
    publisher->writer = k8s_object_writer_create(client, &wp);
    free(collection);
    return publisher;
}

void
ca_publisher_destroy(struct ca_publisher *publisher)
{
    if (publisher) {
        k8s_object_writer_destroy(publisher->writer);
        free(publisher->ca_pem);
        free(publisher);
    }
}
