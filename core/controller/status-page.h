/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The controller's status web page, in place of Antrea's Octant plugin:
 * the cluster's health from the AntreaAgentInfo and AntreaControllerInfo
 * objects, the agents with their Pod and flow counts, and the
 * NetworkPolicies the controller computed with their spans
 * (status-model.h gathers it, status-view.h renders it).
 *
 * It is a separate, read-only, plain-HTTP listener (http-daemon.h on the
 * controller's event loop), bound to 127.0.0.1 by default: operators
 * reach it through "kubectl port-forward" (docs/status-page.md).  It
 * serves GET (and HEAD) of
 *     /              the page (HTML, no JavaScript, refreshes itself)
 *     /status.json   the same data as JSON
 *     /healthz       "ok"
 * and answers 404 to any other path and 405 to any other method.
 *
 * The AntreaAgentInfos and AntreaControllerInfo come from informers on
 * their CRDs.  When a list fails (the CRD is not installed: HTTP 404; or
 * RBAC forbids it), the page says so and the informer is started again
 * after an exponential backoff, for as long as the controller runs.
 *
 * Ownership: the page borrows the loop, the client and the store, which
 * must outlive it; it copies the parameters.
 */

#ifndef STATUS_PAGE_H
#define STATUS_PAGE_H 1

#include <jansson.h>

#include "k8s/k8s-backoff.h"

struct cp_store;
struct event_loop;
struct k8s_client;
struct status_page;

/* The default port (statusPagePort) and the page's reload period. */
#define STATUS_PAGE_DEFAULT_PORT 10348
#define STATUS_PAGE_DEFAULT_REFRESH_SECONDS 10

/* Returns the controller's own information as JSON (a new reference), in
 * the shape of api-server.h's API_SERVER_CONTROLLERINFO_PATH answer
 * (version, networkPolicyControllerInfo, connectedAgentNum,
 * controllerConditions), or NULL. */
typedef json_t *status_page_info_func(void *aux);

/* How to serve. */
struct status_page_params {
    const char *address;        /* IP address to bind; NULL or "" for
                                   every address */
    int port;                   /* TCP port; 0 picks a free one */
    int refresh_seconds;        /* the page's reload period; 0: the
                                   default, negative: none */
    struct k8s_client *client;  /* reads the CRDs; NULL: none (tests) */
    struct cp_store *store;     /* the computed policies, or NULL */
    status_page_info_func *controller_info; /* or NULL */
    void *controller_info_aux;  /* its 'aux' */
    struct k8s_backoff_params retry; /* delays between restarts of a CRD
                                        informer that gave up; zero
                                        members: 1 s doubling to 60 s */
};

/* Starts the CRD informers and serves: listens now, serves from the
 * loop's next iterations.  Returns NULL with a malloc'd message in
 * '*errorp' if it cannot listen (bad address, port in use). */
struct status_page *status_page_create(struct event_loop *,
                                       const struct status_page_params *,
                                       char **errorp);

/* Stops serving and the informers, and frees the page.  Accepts NULL. */
void status_page_destroy(struct status_page *);

/* The TCP port the page listens on. */
int status_page_port(const struct status_page *);

/* Returns the status document as /status.json serves it now (a new
 * reference). */
json_t *status_page_model(const struct status_page *);

#endif /* status-page.h */
