/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A private Open vSwitch for one test process: a fresh database served by
 * its own ovsdb-server and an ovs-vswitchd (userspace datapath) in its own
 * network namespace, all in a temporary run directory
 * /tmp/atest-ovs-PID-XXXXXX (OVS_RUNDIR, OVS_DBDIR and OVS_LOGDIR point
 * there), so that parallel tests never meet.
 *
 * The daemons are children of the test process, started with
 * PR_SET_PDEATHSIG so that they die with it even if the test crashes, and
 * are stopped by pid.  ovs-vswitchd runs in an anonymous network namespace
 * (unshare), so the tap devices of internal ports never appear in the
 * host's namespace and the namespace disappears with the daemon.  A run
 * directory left by a test process that crashed is removed by the next
 * sandbox started.  Needs root (tests skip otherwise).  Set
 * ANTREA_TEST_KEEP=1 to keep run directories (logs, database).
 */

#ifndef OVS_SANDBOX_H
#define OVS_SANDBOX_H 1

#include <stdbool.h>
#include <sys/types.h>

/* A running sandbox. */
struct ovs_sandbox {
    char *dir;                  /* Run directory. */
    char *db_remote;            /* "unix:DIR/db.sock" */
    pid_t ovsdb_pid;            /* ovsdb-server, or 0. */
    pid_t vswitchd_pid;         /* ovs-vswitchd, or 0. */
};

bool ovs_sandbox_can_run(void);
int ovs_sandbox_start(struct ovs_sandbox *, bool with_vswitchd,
                      char **errorp);
int ovs_sandbox_start_vswitchd(struct ovs_sandbox *, char **errorp);
void ovs_sandbox_stop_vswitchd(struct ovs_sandbox *, int signo);
void ovs_sandbox_stop(struct ovs_sandbox *);
char *ovs_sandbox_target(const struct ovs_sandbox *, const char *bridge);
int ovs_sandbox_capture(const char *command, char **outputp);

#endif /* ovs-sandbox.h */
