/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The flow-based tunnel port and the lifecycle shared by the built-in
 * tunnel type modules; see tunnel-port.h.  Compiled into each module.
 */

#include <config.h>
#include "tunnel-port.h"

#include <errno.h>
#include <stdio.h>

#include "antrea/host-api.h"
#include "antrea/net-util.h"

/* Adds 'key'='value' to 'spec', reporting a failure in 'error'. */
static int
add_option(const struct antrea_tunnel_type_ops *ops,
           struct antrea_ovs_port_spec *spec, const char *key,
           const char *value, char *error)
{
    int retval = antrea_port_spec_add_option(spec, key, value);
    if (retval) {
        snprintf(error, ANTREA_ERROR_SIZE,
                 "%s tunnel port: cannot add option %s=%s (%s)",
                 ops->ovs_type, key, value,
                 retval == ENOSPC ? "too many options" : "too long");
    }
    return retval;
}

/* Fills the flow-based tunnel port; see tunnel-port.h. */
int
tunnel_port_fill(const struct antrea_tunnel_type_ops *ops,
                 const struct antrea_tunnel_port_request *req,
                 struct antrea_ovs_port_spec *spec, char *error)
{
    const char *type = ops->ovs_type;

    if (!req->port_name || !req->port_name[0]) {
        snprintf(error, ANTREA_ERROR_SIZE,
                 "%s tunnel port: no port name given", type);
        return EINVAL;
    }
    if (!antrea_strlcpy(spec->name, req->port_name, sizeof spec->name)) {
        snprintf(error, ANTREA_ERROR_SIZE,
                 "%s tunnel port name \"%s\" is longer than %zu characters",
                 type, req->port_name, sizeof spec->name - 1);
        return EINVAL;
    }
    if (!antrea_strlcpy(spec->type, type, sizeof spec->type)) {
        snprintf(error, ANTREA_ERROR_SIZE,
                 "OVS interface type \"%s\" is longer than %zu characters",
                 type, sizeof spec->type - 1);
        return EINVAL;
    }
    if (req->csum && !(ops->flags & ANTREA_TUNNEL_CSUM)) {
        snprintf(error, ANTREA_ERROR_SIZE,
                 "tunnelCsum is not supported by tunnel type %s", type);
        return EINVAL;
    }
    if (req->dst_port && !ops->default_dst_port) {
        snprintf(error, ANTREA_ERROR_SIZE,
                 "tunnelPort %u is not supported by tunnel type %s, which "
                 "has no destination port", (unsigned int) req->dst_port,
                 type);
        return EINVAL;
    }

    /* Flow-based: one port for every peer, the peer's address and the key
     * set per packet by the L3Forwarding flow (tun_dst). */
    int retval = add_option(ops, spec, "remote_ip", "flow", error);
    if (!retval && ops->flags & ANTREA_TUNNEL_KEY) {
        retval = add_option(ops, spec, "key", "flow", error);
    }

    /* Always written for types that have a port, even when it is the IANA
     * default, so that the port in use is visible in OVSDB and does not
     * depend on OVS's built-in default. */
    if (!retval && ops->default_dst_port) {
        char port[8];
        snprintf(port, sizeof port, "%u",
                 (unsigned int) (req->dst_port ? req->dst_port
                                 : ops->default_dst_port));
        retval = add_option(ops, spec, "dst_port", port, error);
    }
    if (!retval && req->csum) {
        retval = add_option(ops, spec, "csum", "true", error);
    }
    return retval;
}

/* Initialises a built-in tunnel module; see tunnel-port.h. */
int
tunnel_module_init(const struct antrea_plugin_init_args *args,
                   void **statep)
{
    static const char *const no_keys[] = { NULL };

    *statep = NULL;
    return args->api->config_check_keys(args->host, args->config, no_keys);
}
