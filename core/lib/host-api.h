/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's side of the host API (antrea/host-api.h): the table of
 * services handed to every plugin, and the per-plugin handle those services
 * receive.  A handle ties a plugin to its log module, its config file and
 * the event loop it registers waits with.
 */

#ifndef HOST_API_H
#define HOST_API_H 1

#include "antrea/host-api.h"

struct event_loop;
struct log_module;

/* The per-plugin handle, 'struct antrea_host' in the SDK. */
struct antrea_host {
    char *plugin_name;              /* for logs and errors */
    struct log_module *log_module;  /* the plugin's log module */
    struct event_loop *loop;        /* where fd_wait/timer_wait go; may be
                                       NULL (e.g. --check-config), then they
                                       do nothing */
    const char *ovs_datapath_type;  /* the agent config's, not owned */
    const char *ovs_bridge;         /* the agent config's, not owned */
    unsigned int n_config_errors;   /* config_error calls so far */
};

/* Returns the table; the same for every plugin. */
const struct antrea_host_api *host_api_get(void);

/* Creates a handle for the plugin named 'plugin_name'. */
struct antrea_host *antrea_host_create(const char *plugin_name,
                                       struct event_loop *loop,
                                       const char *ovs_datapath_type,
                                       const char *ovs_bridge);
void antrea_host_destroy(struct antrea_host *);

#endif /* host-api.h */
