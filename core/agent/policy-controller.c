/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's NetworkPolicy controller (policy-controller.h): three
 * control-plane watches feeding the reconciler's cache, Pod notifications
 * from the Pod network, and the reconciler run once per loop iteration.
 */

#include <config.h>

#include "policy-controller.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "controlplane-watch.h"
#include "log.h"
#include "policy-bridge.h"
#include "policy-cache.h"
#include "policy-reconciler.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(policy_controller);

/* One watched resource: its watch and what the cache calls it. */
struct policy_watch {
    struct policy_controller *pc;   /* owner */
    enum controlplane_resource resource; /* on the wire */
    enum policy_resource cache_resource; /* in the cache */
    struct controlplane_watch *watch; /* NULL without a controller */
};

struct policy_controller {
    struct policy_reconciler *reconciler; /* the flows */
    struct policy_watch watches[3]; /* networkpolicies, addressgroups,
                                       appliedtogroups */
};

/* A watch's complete set after a (re)sync. */
static void
watch_replace(AntreaCp__WatchEvent *const *events, size_t n, void *w_)
{
    struct policy_watch *w = w_;
    struct policy_cache *cache = policy_reconciler_cache(w->pc->reconciler);
    char *error = NULL;
    if (policy_cache_replace(cache, w->cache_resource, events, n, &error)) {
        LOG_WARN("%s: %s", controlplane_resource_name(w->resource), error);
        free(error);
    }
}

/* One event after the initial set. */
static void
watch_event(const AntreaCp__WatchEvent *event, void *w_)
{
    struct policy_watch *w = w_;
    struct policy_cache *cache = policy_reconciler_cache(w->pc->reconciler);
    char *error = NULL;
    if (policy_cache_apply_event(cache, event, &error)) {
        LOG_WARN("%s: %s", controlplane_resource_name(w->resource), error);
        free(error);
    }
}

int
policy_controller_create(struct event_loop *loop, struct bridge *bridge,
                         const struct k8s_config *controller,
                         const char *node_name,
                         struct policy_controller **pcp, char **errorp)
{
    static const struct {
        enum controlplane_resource resource;
        enum policy_resource cache_resource;
    } resources[3] = {
        { CONTROLPLANE_NETWORK_POLICIES, POLICY_RESOURCE_NETWORK_POLICY },
        { CONTROLPLANE_ADDRESS_GROUPS, POLICY_RESOURCE_ADDRESS_GROUP },
        { CONTROLPLANE_APPLIED_TO_GROUPS,
          POLICY_RESOURCE_APPLIED_TO_GROUP },
    };

    *pcp = NULL;
    struct policy_sink sink = policy_sink_for_bridge(bridge);
    struct policy_reconciler *reconciler
        = policy_reconciler_create(&sink, bridge_node_config(bridge), errorp);
    if (!reconciler) {
        return EINVAL;
    }

    struct policy_controller *pc = xcalloc(1, sizeof *pc);
    pc->reconciler = reconciler;
    static const struct controlplane_watch_handlers handlers = {
        .replace = watch_replace,
        .event = watch_event,
    };
    for (size_t i = 0; i < 3; i++) {
        struct policy_watch *w = &pc->watches[i];
        w->pc = pc;
        w->resource = resources[i].resource;
        w->cache_resource = resources[i].cache_resource;
        if (controller) {
            struct controlplane_watch_params params = {
                .config = controller,
                .resource = w->resource,
                .node_name = node_name,
            };
            w->watch = controlplane_watch_create(loop, &params, &handlers,
                                                 w);
            controlplane_watch_start(w->watch);
        }
    }
    *pcp = pc;
    return 0;
}

void
policy_controller_destroy(struct policy_controller *pc)
{
    if (pc) {
        for (size_t i = 0; i < 3; i++) {
            controlplane_watch_destroy(pc->watches[i].watch);
        }
        policy_reconciler_destroy(pc->reconciler);
        free(pc);
    }
}

void
policy_controller_pod_added(void *pc_, const char *namespace,
                            const char *name, uint32_t ofport,
                            const struct antrea_ip *ip)
{
    struct policy_controller *pc = pc_;
    if (pc && namespace[0] && name[0]) {
        policy_reconciler_pod_added(pc->reconciler, namespace, name, ofport,
                                    ip);
    }
}

void
policy_controller_pod_removed(void *pc_, const char *namespace,
                              const char *name)
{
    struct policy_controller *pc = pc_;
    if (pc && namespace[0] && name[0]) {
        policy_reconciler_pod_removed(pc->reconciler, namespace, name);
    }
}

bool
policy_controller_is_synced(const struct policy_controller *pc)
{
    if (pc) {
        for (size_t i = 0; i < 3; i++) {
            const struct controlplane_watch *watch = pc->watches[i].watch;
            if (watch && !controlplane_watch_n_syncs(watch)) {
                return false;
            }
        }
    }
    return true;
}

void
policy_controller_run(struct policy_controller *pc)
{
    if (pc) {
        policy_reconciler_run(pc->reconciler);
    }
}

struct policy_reconciler *
policy_controller_reconciler(const struct policy_controller *pc)
{
    return pc ? pc->reconciler : NULL;
}

void
policy_controller_watch_state(const struct policy_controller *pc,
                              size_t *n_watchesp, size_t *n_syncedp)
{
    *n_watchesp = *n_syncedp = 0;
    for (size_t i = 0; pc && i < 3; i++) {
        const struct controlplane_watch *watch = pc->watches[i].watch;
        if (watch) {
            ++*n_watchesp;
            *n_syncedp += controlplane_watch_is_synced(watch);
        }
    }
}
