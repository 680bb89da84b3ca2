/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * One command on an Open vSwitch daemon's control socket (unixctl, the
 * JSON-RPC that ovs-appctl speaks), through the OVS library's unixctl
 * client, bounded in time: antctl's trace-packet asks ovs-vswitchd for
 * "ofproto/trace" this way, so the agent never runs ovs-appctl.
 *
 * Synchronous: it drives the connection with OVS's poll loop until the
 * reply or the timeout.  Not thread-safe.
 */

#ifndef AOVS_UNIXCTL_H
#define AOVS_UNIXCTL_H 1

#include <stddef.h>

/* Returns the control socket of the ovs-vswitchd whose run directory is
 * 'run_dir': RUN_DIR/ovs-vswitchd.PID.ctl when RUN_DIR/ovs-vswitchd.pid
 * names a process with such a socket (as ovs-appctl finds it), else
 * RUN_DIR/ovs-vswitchd.ctl if it exists, else NULL.  The caller frees the
 * string. */
char *aovs_unixctl_vswitchd_path(const char *run_dir);

/* Sends 'command' with the 'argc' arguments 'argv' to the daemon on the
 * control socket 'path' and waits at most 'timeout_ms' for the answer.
 * Returns 0 with the command's output in '*resultp' (caller frees), or a
 * positive errno value with a message in '*errorp' (caller frees): the
 * daemon's own error text (EINVAL), or why it could not be asked
 * (ENOENT, ECONNREFUSED, ETIMEDOUT...). */
int aovs_unixctl_transact(const char *path, const char *command,
                          const char *const *argv, size_t argc,
                          int timeout_ms, char **resultp, char **errorp);

#endif /* aovs-unixctl.h */
