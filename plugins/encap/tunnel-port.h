/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Code shared by the tunnel type modules (geneve, vxlan, gre, stt).  It is
 * compiled into each module rather than built as a library, so a module
 * stays one self-contained shared object; every symbol declared here is
 * hidden, leaving antrea_plugin_descriptor the module's only export.
 *
 * Each module owns its facts (its struct antrea_tunnel_type_ops); this
 * file owns how those facts become the agent's flow-based tunnel port and
 * the module lifecycle they all share.
 */

#ifndef TUNNEL_PORT_H
#define TUNNEL_PORT_H 1

#include "antrea/plugin.h"
#include "antrea/tunnel-type.h"

/* Keeps a symbol shared between this file and a module out of the
 * module's dynamic symbol table. */
#define TUNNEL_PORT_HIDDEN __attribute__((visibility("hidden")))

/* Fills 'spec' (zeroed by the agent) with the flow-based tunnel port for
 * the tunnel type described by 'ops': name 'req->port_name', type
 * 'ops->ovs_type' and the options remote_ip=flow, key=flow (types with
 * ANTREA_TUNNEL_KEY), dst_port (types with a default_dst_port) and
 * csum=true (when 'req->csum' is set).  Returns 0, or a positive errno
 * value with a reason in 'error' (ANTREA_ERROR_SIZE bytes): EINVAL for a
 * missing or too long port name, for csum asked of a type without
 * ANTREA_TUNNEL_CSUM and for a dst_port asked of a type that has none. */
int tunnel_port_fill(const struct antrea_tunnel_type_ops *ops,
                     const struct antrea_tunnel_port_request *req,
                     struct antrea_ovs_port_spec *spec, char *error)
    TUNNEL_PORT_HIDDEN;

/* The init every built-in tunnel module uses: refuses any config block
 * (the built-in tunnel types take no keys; tunnelPort and tunnelCsum are
 * agent keys that reach port_spec in its request) and keeps no state. */
int tunnel_module_init(const struct antrea_plugin_init_args *args,
                       void **statep)
    TUNNEL_PORT_HIDDEN;

#endif /* tunnel-port.h */
