/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's view of the Open_vSwitch database: bridges, ports and their
 * interfaces, and the keys the agent keeps there (Bridge external_ids such
 * as roundNum, Port external_ids describing Pods, Open_vSwitch
 * other_config).
 *
 * An 'aovs_ovsdb' is a connection to ovsdb-server through OVS's IDL: a
 * local replica of the columns the agent uses, kept up to date by the
 * server, reconnecting by itself if the server restarts.
 *
 *   - Reads (aovs_bridge_exists(), aovs_port_get(), aovs_port_list(), ...)
 *     answer from the replica at once; they first process whatever updates
 *     have arrived, without waiting.
 *
 *   - Writes are OVSDB transactions, each made and committed on the spot:
 *     they return once the server has answered, so that a caller goes on
 *     knowing its change is in the database, or with the server's error.
 *     They wait at most the handle's timeout (given to aovs_ovsdb_open()).
 *     Like ovs-vsctl, each write also increments Open_vSwitch next_cfg, and
 *     aovs_ovsdb_wait_applied() waits until ovs-vswitchd has caught up.
 *
 *   - In an event loop: aovs_ovsdb_run() in the run phase keeps the
 *     replica fresh, and aovs_ovsdb_wait() in the wait phase registers the
 *     connection with OVS's poll loop (see aovs-poll.h for blocking).
 *
 * Errors: functions return 0 or a positive errno value; those that take
 * 'errorp' then store there a message naming the object and the problem,
 * including the server's error text for a rejected transaction, which the
 * caller frees (and which is NULL on success).  The values:
 *     ENOENT     the bridge or port named does not exist
 *     EEXIST     a port or interface of that name exists already
 *     EINVAL     bad input (a missing name, an out-of-range number...)
 *     EPROTO     the server rejected the transaction
 *     ETIMEDOUT  no answer within the timeout (including not connected)
 *     ECANCELED  the server aborted the transaction
 *     EAGAIN     the transaction kept conflicting with concurrent changes
 *
 * Strings passed in are copied; strings and maps returned belong to the
 * caller, who frees them as each function says.  Not thread-safe.
 */

#ifndef AOVS_OVSDB_H
#define AOVS_OVSDB_H 1

#include <stdbool.h>
#include <stddef.h>

#include "aovs-smap.h"

struct aovs_ovsdb;

/* How aovs_bridge_ensure() wants a bridge. */
struct aovs_bridge_settings {
    const char *name;           /* Bridge name, e.g. "br-int"; required. */
    const char *datapath_type;  /* "netdev", "system"...; NULL or "" for
                                   OVS's default. */
    const char *fail_mode;      /* "secure" or "standalone"; NULL for
                                   "secure". */
    const char *protocols;      /* OpenFlow versions allowed, comma-separated
                                   (e.g. "OpenFlow10,OpenFlow15"); NULL for
                                   exactly that. */
    const struct aovs_smap *other_config; /* Keys to set in the bridge's
                                   other_config (e.g. datapath-id); others are
                                   left alone.  May be NULL. */
};

/* How aovs_port_add() makes a port: one Port with one Interface of the same
 * name. */
struct aovs_port_settings {
    const char *name;           /* Port and interface name; required. */
    const char *type;           /* Interface type: NULL or "" for a network
                                   device such as a veth, "internal",
                                   "geneve", "vxlan", "gre", "stt"... */
    const struct aovs_smap *options; /* Interface options (remote_ip, key,
                                   dst_port, csum...); may be NULL. */
    const struct aovs_smap *external_ids; /* Port external_ids (Antrea's
                                   container-id, pod-name, ip-address...);
                                   may be NULL. */
    const struct aovs_smap *iface_external_ids; /* Interface external_ids
                                   (attached-mac, iface-id...); may be
                                   NULL. */
    int ofport_request;         /* OpenFlow port number to ask for, 1 to
                                   65279, or 0 to let OVS choose. */
    int mtu_request;            /* MTU to ask for, or 0 for none. */
};

/* A port as the database describes it. */
struct aovs_port {
    char *name;                 /* Port (and interface) name. */
    char *bridge;               /* Name of the bridge it is on. */
    char *type;                 /* Interface type, "" for a network
                                   device. */
    struct aovs_smap options;   /* Interface options. */
    struct aovs_smap external_ids; /* Port external_ids. */
    struct aovs_smap iface_external_ids; /* Interface external_ids. */
    int ofport;                 /* OpenFlow port number; 0 if not assigned
                                   yet, -1 if the interface failed (see
                                   'error'). */
    int ofport_request;         /* Requested number, 0 if none. */
    char *error;                /* The interface's error column, or NULL. */
};

/* The ports of a bridge, sorted by name. */
struct aovs_port_list {
    struct aovs_port *ports;    /* 'n' ports. */
    size_t n;                   /* Number of ports. */
};

/* One port of aovs_port_add_batch(). */
struct aovs_port_batch_item {
    const struct aovs_port_settings *settings; /* The port; required. */
    int error;                  /* Out: 0 if the port is in the
                                   transaction, else why it is not (EINVAL,
                                   EEXIST, ENOENT as for aovs_port_add()). */
    char *message;              /* Out: with 'error', a message naming the
                                   port (caller frees); else NULL. */
};

/* An asynchronous transaction (aovs_port_add_batch(),
 * aovs_port_delete_batch()).  At most one is in flight per connection; a
 * synchronous write first waits for it to finish (within the handle's
 * timeout), so the two never interleave. */
struct aovs_txn;

/* Connection. */
int aovs_ovsdb_open(const char *remote, int timeout_ms,
                    struct aovs_ovsdb **dbp, char **errorp);
void aovs_ovsdb_close(struct aovs_ovsdb *);
bool aovs_ovsdb_run(struct aovs_ovsdb *);
void aovs_ovsdb_wait(struct aovs_ovsdb *);
bool aovs_ovsdb_is_connected(const struct aovs_ovsdb *);
unsigned int aovs_ovsdb_get_seqno(const struct aovs_ovsdb *);
int aovs_ovsdb_wait_applied(struct aovs_ovsdb *, char **errorp);
char *aovs_ovsdb_default_remote(void);

/* The Open_vSwitch row. */
int aovs_ovsdb_set_other_config(struct aovs_ovsdb *, const char *key,
                                const char *value, char **errorp);
char *aovs_ovsdb_get_other_config(struct aovs_ovsdb *, const char *key);
/* The Open vSwitch version ovs-vswitchd wrote into the database
 * (Open_vSwitch:ovs_version), or NULL while unknown; the caller frees it. */
char *aovs_ovsdb_get_ovs_version(struct aovs_ovsdb *);

/* Bridges. */
int aovs_bridge_ensure(struct aovs_ovsdb *,
                       const struct aovs_bridge_settings *, char **errorp);
int aovs_bridge_delete(struct aovs_ovsdb *, const char *name, char **errorp);
bool aovs_bridge_exists(struct aovs_ovsdb *, const char *name);
int aovs_bridge_get_external_id(struct aovs_ovsdb *, const char *bridge,
                                const char *key, char **valuep);
int aovs_bridge_set_external_id(struct aovs_ovsdb *, const char *bridge,
                                const char *key, const char *value,
                                char **errorp);

/* Ports. */
int aovs_port_add(struct aovs_ovsdb *, const char *bridge,
                  const struct aovs_port_settings *, char **errorp);
int aovs_port_delete(struct aovs_ovsdb *, const char *name, char **errorp);
int aovs_port_set_external_ids(struct aovs_ovsdb *, const char *name,
                               const struct aovs_smap *external_ids,
                               char **errorp);
int aovs_port_get(struct aovs_ovsdb *, const char *name, struct aovs_port *);
int aovs_port_list(struct aovs_ovsdb *, const char *bridge,
                   struct aovs_port_list *);
int aovs_port_wait_ofport(struct aovs_ovsdb *, const char *name,
                          int *ofportp, char **errorp);
int aovs_port_get_ofport(struct aovs_ovsdb *, const char *name,
                         int *ofportp, char **errorp);
void aovs_port_destroy(struct aovs_port *);

/* Batches: many ports in one transaction, without blocking. */
int aovs_port_add_batch(struct aovs_ovsdb *, const char *bridge,
                        struct aovs_port_batch_item *items, size_t n,
                        struct aovs_txn **txnp, char **errorp);
int aovs_port_delete_batch(struct aovs_ovsdb *, const char *const *names,
                           size_t n, struct aovs_txn **txnp, char **errorp);
int aovs_txn_poll(struct aovs_txn *, char **errorp);
void aovs_txn_wait(const struct aovs_txn *);
void aovs_txn_destroy(struct aovs_txn *);
void aovs_port_list_destroy(struct aovs_port_list *);

#endif /* aovs-ovsdb.h */
