/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Open_vSwitch database through OVS's IDL and its generated vswitch
 * bindings (lib/vswitch-idl.h); see aovs-ovsdb.h.  Every write is one
 * transaction built from the replica by a "builder" function and committed
 * by transact(), which bounds the wait, retries when the replica was out of
 * date and turns the outcome into an errno value and a message.  Compiled
 * in "OVS world" (see aovs-smap.c).
 */

#include "aovs-ovsdb.h"
#include "aovs-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "sset.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(aovs_ovsdb);

/* A builder's return value when the database already is as wanted. */
#define NOTHING_TO_DO (-1)

/* How many times a transaction is rebuilt after TXN_TRY_AGAIN. */
#define MAX_ATTEMPTS 5

/* A connection to the Open_vSwitch database. */
struct aovs_ovsdb {
    struct ovsdb_idl *idl;      /* The replica and its connection. */
    char *remote;               /* e.g. "unix:/var/run/openvswitch/db.sock" */
    int timeout_ms;             /* Bound on each blocking call. */
    unsigned int seqno;         /* Replica seqno at the last run. */
    int64_t wanted_cfg;         /* next_cfg of our last write, 0 if none. */
    struct aovs_txn *async;     /* Asynchronous transaction in flight, or
                                   NULL. */
};

/* An asynchronous transaction (see aovs-ovsdb.h). */
struct aovs_txn {
    struct aovs_ovsdb *db;      /* Its connection; NULL once the connection
                                   is closed. */
    struct ovsdb_idl_txn *txn;  /* The IDL transaction while in flight, then
                                   NULL. */
    bool incremented;           /* It increments next_cfg. */
    bool sent;                  /* Committed once, i.e. sent. */
    char *what;                 /* What it does, for messages. */
    int error;                  /* EINPROGRESS while in flight, then its
                                   outcome: 0 or an errno value. */
    char *message;              /* With a nonzero outcome, the reason. */
};

/* Builds a transaction in 'txn' from the replica of 'db' and 'aux'.
 * Returns 0 if it did, NOTHING_TO_DO, or a positive errno value with a
 * message in '*errorp'. */
typedef int build_func(struct aovs_ovsdb *db, struct ovsdb_idl_txn *txn,
                       const void *aux, char **errorp);

static void register_columns(struct ovsdb_idl *);
static int wait_for_replica(struct aovs_ovsdb *, long long deadline,
                            const char *what, char **errorp);
static int transact(struct aovs_ovsdb *, const char *what, build_func *,
                    const void *aux, char **errorp);
static const struct ovsrec_bridge *find_bridge(const struct ovsdb_idl *,
                                               const char *name);
static const struct ovsrec_port *find_port(const struct ovsdb_idl *,
                                           const char *name,
                                           const struct ovsrec_bridge **);
static const struct ovsrec_interface *find_interface(
    const struct ovsdb_idl *, const char *name);
static const struct ovsrec_interface *port_interface(
    const struct ovsrec_port *);
static void port_from_row(const struct ovsrec_port *,
                          const struct ovsrec_bridge *, struct aovs_port *);
static int interface_ofport(const struct ovsrec_interface *);
static int compare_ports_by_name(const void *, const void *);
static int txn_outcome(struct aovs_ovsdb *, struct ovsdb_idl_txn *,
                       enum ovsdb_idl_txn_status, bool incremented,
                       const char *what, char **errorp);
static int async_step(struct aovs_txn *);
static void async_finish(struct aovs_ovsdb *, long long deadline);

/* Connects to the OVSDB server at 'remote' (e.g. "unix:/run/openvswitch/
 * db.sock"; see aovs_ovsdb_default_remote()) and waits, at most
 * 'timeout_ms' milliseconds, for the first copy of the database.
 * 'timeout_ms' also bounds every later blocking call on the handle.
 *
 * On success stores a new handle in '*dbp', which the caller frees with
 * aovs_ovsdb_close(), and returns 0.  Otherwise stores NULL there and a
 * message in '*errorp' (freed by the caller) and returns EINVAL for a
 * 'remote' that names no connection method or a 'timeout_ms' not positive,
 * or ETIMEDOUT if no database arrived in time (the message then says
 * why, e.g. "Connection refused"). */
int
aovs_ovsdb_open(const char *remote, int timeout_ms, struct aovs_ovsdb **dbp,
                char **errorp)
{
    *dbp = NULL;
    *errorp = NULL;
    aovs_init__();

    if (timeout_ms <= 0) {
        *errorp = xasprintf("OVSDB timeout %d ms: must be positive",
                            timeout_ms);
        return EINVAL;
    }
    int error = stream_verify_name(remote);
    if (error) {
        *errorp = xasprintf("OVSDB remote \"%s\": not a connection method "
                            "OVS knows (unix:FILE, tcp:IP:PORT, "
                            "ssl:IP:PORT): %s", remote,
                            ovs_strerror(error));
        return EINVAL;
    }

    struct aovs_ovsdb *db = xzalloc(sizeof *db);
    db->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    db->remote = xstrdup(remote);
    db->timeout_ms = timeout_ms;
    register_columns(db->idl);

    error = wait_for_replica(db, time_msec() + timeout_ms, "connecting",
                             errorp);
    if (error) {
        aovs_ovsdb_close(db);
        return error;
    }
    db->seqno = ovsdb_idl_get_seqno(db->idl);
    *dbp = db;
    return 0;
}

/* Closes the connection and frees 'db'.  NULL is ignored. */
void
aovs_ovsdb_close(struct aovs_ovsdb *db)
{
    if (db) {
        struct aovs_txn *t = db->async;
        if (t) {
            ovsdb_idl_txn_destroy(t->txn);
            t->txn = NULL;
            t->db = NULL;
            t->error = ECANCELED;
            t->message = xasprintf("%s: the OVSDB connection was closed "
                                   "before the answer", t->what);
            db->async = NULL;
        }
        ovsdb_idl_destroy(db->idl);
        free(db->remote);
        free(db);
    }
}

/* Processes what the server sent, without blocking.  Returns true if the
 * replica changed since the last call (or since aovs_ovsdb_open()),
 * including after a reconnection. */
bool
aovs_ovsdb_run(struct aovs_ovsdb *db)
{
    ovsdb_idl_run(db->idl);

    unsigned int seqno = ovsdb_idl_get_seqno(db->idl);
    bool changed = seqno != db->seqno;
    db->seqno = seqno;
    return changed;
}

/* Registers the connection with OVS's poll loop, so that the next
 * aovs_poll() wakes when aovs_ovsdb_run() has work. */
void
aovs_ovsdb_wait(struct aovs_ovsdb *db)
{
    ovsdb_idl_wait(db->idl);
}

/* Returns true if 'db' is connected to the server now (the replica is
 * kept while it reconnects). */
bool
aovs_ovsdb_is_connected(const struct aovs_ovsdb *db)
{
    return ovsdb_idl_is_connected(db->idl);
}

/* Returns a number that changes whenever the replica changes. */
unsigned int
aovs_ovsdb_get_seqno(const struct aovs_ovsdb *db)
{
    return ovsdb_idl_get_seqno(db->idl);
}

/* Waits, at most the handle's timeout, until ovs-vswitchd has applied
 * every write made through 'db' (its Open_vSwitch cur_cfg has reached the
 * next_cfg of the last write): after that a new bridge's OpenFlow socket
 * exists and new interfaces have been looked at.  Returns 0 at once if
 * there was no write.  Otherwise returns ETIMEDOUT, with a message in
 * '*errorp' (freed by the caller), typically because ovs-vswitchd is not
 * running. */
int
aovs_ovsdb_wait_applied(struct aovs_ovsdb *db, char **errorp)
{
    long long deadline = time_msec() + db->timeout_ms;

    *errorp = NULL;
    for (;;) {
        ovsdb_idl_run(db->idl);

        const struct ovsrec_open_vswitch *ovs
            = ovsrec_open_vswitch_first(db->idl);
        if (!db->wanted_cfg || (ovs && ovs->cur_cfg >= db->wanted_cfg)) {
            return 0;
        }
        if (time_msec() >= deadline) {
            *errorp = xasprintf("ovs-vswitchd has not applied the "
                                "configuration within %d ms (cur_cfg "
                                "%"PRId64", waiting for %"PRId64"); is "
                                "ovs-vswitchd running?", db->timeout_ms,
                                ovs ? ovs->cur_cfg : 0, db->wanted_cfg);
            return ETIMEDOUT;
        }
        ovsdb_idl_wait(db->idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Returns the usual OVSDB remote of the local ovsdb-server,
 * "unix:RUNDIR/db.sock", where RUNDIR is $OVS_RUNDIR or else
 * /var/run/openvswitch.  The caller frees the string. */
char *
aovs_ovsdb_default_remote(void)
{
    return xasprintf("unix:%s/db.sock", aovs_rundir__());
}

/* The arguments of set_other_config(). */
struct other_config_change {
    const char *key;            /* Key to set or remove. */
    const char *value;          /* New value, NULL to remove. */
};

/* Builds the change of Open_vSwitch other_config 'aux_'. */
static int
build_set_other_config(struct aovs_ovsdb *db, struct ovsdb_idl_txn *txn,
                       const void *aux_, char **errorp)
{
    const struct other_config_change *aux = aux_;
    const struct ovsrec_open_vswitch *ovs
        = ovsrec_open_vswitch_first(db->idl);

    if (!ovs) {
        if (!aux->value) {
            return NOTHING_TO_DO;
        }
        ovs = ovsrec_open_vswitch_insert(txn);
    }
    const char *old = smap_get(&ovs->other_config, aux->key);
    if (aux->value ? old && !strcmp(old, aux->value) : !old) {
        return NOTHING_TO_DO;
    }
    if (aux->value) {
        ovsrec_open_vswitch_update_other_config_setkey(ovs, aux->key,
                                                       aux->value);
    } else {
        ovsrec_open_vswitch_update_other_config_delkey(ovs, aux->key);
    }
    return 0;
}

/* Sets 'key' in the Open_vSwitch row's other_config to 'value', or removes
 * it if 'value' is NULL (e.g. "userspace-tso-enable" = "true").  Creates
 * the row if the database has none yet (as "ovs-vsctl init" does).  Returns
 * 0 or an error as described in aovs-ovsdb.h. */
int
aovs_ovsdb_set_other_config(struct aovs_ovsdb *db, const char *key,
                            const char *value, char **errorp)
{
    struct other_config_change aux = { key, value };

    *errorp = NULL;
    if (!key || !*key) {
        *errorp = xstrdup("Open_vSwitch other_config: empty key");
        return EINVAL;
    }
    char *what = xasprintf("setting Open_vSwitch other_config:%s", key);
    int error = transact(db, what, build_set_other_config, &aux, errorp);
    free(what);
    return error;
}

/* Returns a copy of the value of 'key' in the Open_vSwitch row's
 * other_config, or NULL if it has none.  The caller frees it. */
char *
aovs_ovsdb_get_other_config(struct aovs_ovsdb *db, const char *key)
{
    ovsdb_idl_run(db->idl);

    const struct ovsrec_open_vswitch *ovs
        = ovsrec_open_vswitch_first(db->idl);
    const char *value = ovs ? smap_get(&ovs->other_config, key) : NULL;
    return value ? xstrdup(value) : NULL;
}

char *
aovs_ovsdb_get_ovs_version(struct aovs_ovsdb *db)
{
    ovsdb_idl_run(db->idl);

    const struct ovsrec_open_vswitch *ovs
        = ovsrec_open_vswitch_first(db->idl);
    return ovs && ovs->ovs_version && ovs->ovs_version[0]
           ? xstrdup(ovs->ovs_version) : NULL;
}

/* A bridge's wanted state, checked and normalized. */
struct bridge_wish {
    const struct aovs_bridge_settings *settings; /* As given. */
    const char *datapath_type;  /* Never NULL. */
    const char *fail_mode;      /* Never NULL. */
    struct sset protocols;      /* Protocol names. */
};

/* Returns true if the set column 'values' ('n' strings) equals 'set'. */
static bool
string_set_equals(char **values, size_t n, const struct sset *set)
{
    if (n != sset_count(set)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!sset_contains(set, values[i])) {
            return false;
        }
    }
    return true;
}

/* Builds the creation or update of the bridge 'aux_' (a struct
 * bridge_wish). */
static int
build_ensure_bridge(struct aovs_ovsdb *db, struct ovsdb_idl_txn *txn,
                    const void *aux_, char **errorp OVS_UNUSED)
{
    const struct bridge_wish *wish = aux_;
    const struct aovs_bridge_settings *settings = wish->settings;
    bool changed = false;

    const struct ovsrec_open_vswitch *ovs
        = ovsrec_open_vswitch_first(db->idl);
    if (!ovs) {
        ovs = ovsrec_open_vswitch_insert(txn);
        changed = true;
    }

    const struct ovsrec_bridge *br = find_bridge(db->idl, settings->name);
    if (!br) {
        struct ovsrec_interface *iface = ovsrec_interface_insert(txn);
        ovsrec_interface_set_name(iface, settings->name);
        ovsrec_interface_set_type(iface, "internal");

        struct ovsrec_port *port = ovsrec_port_insert(txn);
        ovsrec_port_set_name(port, settings->name);
        ovsrec_port_set_interfaces(port, &iface, 1);

        struct ovsrec_bridge *new_br = ovsrec_bridge_insert(txn);
        ovsrec_bridge_set_name(new_br, settings->name);
        ovsrec_bridge_set_ports(new_br, &port, 1);
        ovsrec_open_vswitch_update_bridges_addvalue(ovs, new_br);
        br = new_br;
        changed = true;
    }

    if (strcmp(br->datapath_type, wish->datapath_type)) {
        ovsrec_bridge_set_datapath_type(br, wish->datapath_type);
        changed = true;
    }
    if (!br->fail_mode || strcmp(br->fail_mode, wish->fail_mode)) {
        ovsrec_bridge_set_fail_mode(br, wish->fail_mode);
        changed = true;
    }
    if (!string_set_equals(br->protocols, br->n_protocols,
                           &wish->protocols)) {
        const char **names = sset_array(&wish->protocols);
        ovsrec_bridge_set_protocols(br, names, sset_count(&wish->protocols));
        free(names);
        changed = true;
    }
    const struct aovs_smap *other_config = settings->other_config;
    for (size_t i = 0; other_config && i < other_config->n; i++) {
        const char *key = other_config->entries[i].key;
        const char *value = other_config->entries[i].value;
        const char *old = smap_get(&br->other_config, key);
        if (!old || strcmp(old, value)) {
            ovsrec_bridge_update_other_config_setkey(br, key, value);
            changed = true;
        }
    }
    return changed ? 0 : NOTHING_TO_DO;
}

/* Makes the bridge described by 'settings' exist with those settings:
 * creates it (with its internal port of the same name, as ovs-vsctl
 * add-br does) if it does not exist, and otherwise changes only what
 * differs; does nothing, and sends nothing, if all is already so.
 * Creates the Open_vSwitch row if the database has none yet.  Ports and
 * other columns of an existing bridge are kept.  Returns 0 or an error as
 * described in aovs-ovsdb.h (EINVAL for a missing name, an unknown fail
 * mode or protocol). */
int
aovs_bridge_ensure(struct aovs_ovsdb *db,
                   const struct aovs_bridge_settings *settings,
                   char **errorp)
{
    struct bridge_wish wish;

    *errorp = NULL;
    if (!settings->name || !*settings->name) {
        *errorp = xstrdup("bridge: empty name");
        return EINVAL;
    }
    wish.settings = settings;
    wish.datapath_type = settings->datapath_type ? settings->datapath_type
                                                 : "";
    wish.fail_mode = settings->fail_mode ? settings->fail_mode : "secure";
    if (strcmp(wish.fail_mode, "secure")
        && strcmp(wish.fail_mode, "standalone")) {
        *errorp = xasprintf("bridge %s: fail mode \"%s\": must be "
                            "\"secure\" or \"standalone\"", settings->name,
                            wish.fail_mode);
        return EINVAL;
    }

    sset_init(&wish.protocols);
    sset_from_delimited_string(&wish.protocols,
                               (settings->protocols ? settings->protocols
                                : "OpenFlow10,OpenFlow15"), ", ");
    const char *name;
    SSET_FOR_EACH (name, &wish.protocols) {
        if (strncmp(name, "OpenFlow1", 9) || name[9] < '0' || name[9] > '5'
            || name[10]) {
            *errorp = xasprintf("bridge %s: OpenFlow protocol \"%s\": "
                                "must be one of OpenFlow10 to OpenFlow15",
                                settings->name, name);
            sset_destroy(&wish.protocols);
            return EINVAL;
        }
    }
    if (sset_is_empty(&wish.protocols)) {
        *errorp = xasprintf("bridge %s: no OpenFlow protocol",
                            settings->name);
        sset_destroy(&wish.protocols);
        return EINVAL;
    }

    char *what = xasprintf("ensuring bridge %s", settings->name);
    int error = transact(db, what, build_ensure_bridge, &wish, errorp);
    free(what);
    sset_destroy(&wish.protocols);
    return error;
}

/* Builds the deletion of the bridge named 'aux_'. */
static int
build_delete_bridge(struct aovs_ovsdb *db,
                    struct ovsdb_idl_txn *txn OVS_UNUSED, const void *aux_,
                    char **errorp)
{
    const char *name = aux_;
    const struct ovsrec_bridge *br = find_bridge(db->idl, name);
    if (!br) {
        *errorp = xasprintf("bridge %s: no such bridge", name);
        return ENOENT;
    }

    const struct ovsrec_open_vswitch *ovs;
    OVSREC_OPEN_VSWITCH_FOR_EACH (ovs, db->idl) {
        ovsrec_open_vswitch_update_bridges_delvalue(ovs, br);
    }
    ovsrec_bridge_delete(br);
    return 0;
}

/* Deletes the bridge 'name' with its ports.  Returns 0 or an error as
 * described in aovs-ovsdb.h (ENOENT if there is no such bridge). */
int
aovs_bridge_delete(struct aovs_ovsdb *db, const char *name, char **errorp)
{
    *errorp = NULL;
    char *what = xasprintf("deleting bridge %s", name);
    int error = transact(db, what, build_delete_bridge, name, errorp);
    free(what);
    return error;
}

/* Returns true if a bridge called 'name' exists. */
bool
aovs_bridge_exists(struct aovs_ovsdb *db, const char *name)
{
    ovsdb_idl_run(db->idl);
    return find_bridge(db->idl, name) != NULL;
}

/* Stores in '*valuep' a copy of the value of 'key' in the external_ids of
 * bridge 'bridge', or NULL if it has no such key, and returns 0; the
 * caller frees the value.  Returns ENOENT, with '*valuep' NULL, if there
 * is no such bridge. */
int
aovs_bridge_get_external_id(struct aovs_ovsdb *db, const char *bridge,
                            const char *key, char **valuep)
{
    ovsdb_idl_run(db->idl);

    const struct ovsrec_bridge *br = find_bridge(db->idl, bridge);
    const char *value = br ? smap_get(&br->external_ids, key) : NULL;
    *valuep = value ? xstrdup(value) : NULL;
    return br ? 0 : ENOENT;
}

/* The arguments of build_set_bridge_external_id(). */
struct bridge_external_id_change {
    const char *bridge;         /* Bridge name. */
    const char *key;            /* Key to set or remove. */
    const char *value;          /* New value, NULL to remove. */
};

/* Builds the change of a bridge's external_ids 'aux_'. */
static int
build_set_bridge_external_id(struct aovs_ovsdb *db,
                             struct ovsdb_idl_txn *txn OVS_UNUSED,
                             const void *aux_, char **errorp)
{
    const struct bridge_external_id_change *aux = aux_;
    const struct ovsrec_bridge *br = find_bridge(db->idl, aux->bridge);
    if (!br) {
        *errorp = xasprintf("bridge %s: no such bridge", aux->bridge);
        return ENOENT;
    }

    const char *old = smap_get(&br->external_ids, aux->key);
    if (aux->value ? old && !strcmp(old, aux->value) : !old) {
        return NOTHING_TO_DO;
    }
    if (aux->value) {
        ovsrec_bridge_update_external_ids_setkey(br, aux->key, aux->value);
    } else {
        ovsrec_bridge_update_external_ids_delkey(br, aux->key);
    }
    return 0;
}

/* Sets 'key' in the external_ids of bridge 'bridge' to 'value', or removes
 * it if 'value' is NULL; the agent keeps its flow round number there
 * ("roundNum").  Returns 0 or an error as described in aovs-ovsdb.h
 * (ENOENT if there is no such bridge). */
int
aovs_bridge_set_external_id(struct aovs_ovsdb *db, const char *bridge,
                            const char *key, const char *value,
                            char **errorp)
{
    struct bridge_external_id_change aux = { bridge, key, value };

    *errorp = NULL;
    if (!key || !*key) {
        *errorp = xasprintf("bridge %s external_ids: empty key", bridge);
        return EINVAL;
    }
    char *what = xasprintf("setting bridge %s external_ids:%s", bridge, key);
    int error = transact(db, what, build_set_bridge_external_id, &aux,
                         errorp);
    free(what);
    return error;
}

/* The arguments of build_add_port(). */
struct port_addition {
    const char *bridge;         /* Bridge name. */
    const struct aovs_port_settings *settings; /* The port. */
};

/* Builds the addition of port 'aux_'. */
static int
build_add_port(struct aovs_ovsdb *db, struct ovsdb_idl_txn *txn,
               const void *aux_, char **errorp)
{
    const struct port_addition *aux = aux_;
    const struct aovs_port_settings *settings = aux->settings;

    const struct ovsrec_bridge *br = find_bridge(db->idl, aux->bridge);
    if (!br) {
        *errorp = xasprintf("port %s: bridge %s: no such bridge",
                            settings->name, aux->bridge);
        return ENOENT;
    }
    const struct ovsrec_bridge *other_br;
    if (find_port(db->idl, settings->name, &other_br)) {
        *errorp = xasprintf("port %s: a port of that name exists already "
                            "(on bridge %s)", settings->name,
                            other_br ? other_br->name : "(none)");
        return EEXIST;
    }
    if (find_interface(db->idl, settings->name)) {
        *errorp = xasprintf("port %s: an interface of that name exists "
                            "already", settings->name);
        return EEXIST;
    }

    struct ovsrec_interface *iface = ovsrec_interface_insert(txn);
    ovsrec_interface_set_name(iface, settings->name);
    ovsrec_interface_set_type(iface, settings->type ? settings->type : "");
    if (settings->options) {
        struct smap options;
        aovs_smap_to_ovs(settings->options, &options);
        ovsrec_interface_set_options(iface, &options);
        smap_destroy(&options);
    }
    if (settings->iface_external_ids) {
        struct smap ids;
        aovs_smap_to_ovs(settings->iface_external_ids, &ids);
        ovsrec_interface_set_external_ids(iface, &ids);
        smap_destroy(&ids);
    }
    if (settings->ofport_request) {
        int64_t request = settings->ofport_request;
        ovsrec_interface_set_ofport_request(iface, &request, 1);
    }
    if (settings->mtu_request) {
        int64_t mtu = settings->mtu_request;
        ovsrec_interface_set_mtu_request(iface, &mtu, 1);
    }

    struct ovsrec_port *port = ovsrec_port_insert(txn);
    ovsrec_port_set_name(port, settings->name);
    ovsrec_port_set_interfaces(port, &iface, 1);
    if (settings->external_ids) {
        struct smap ids;
        aovs_smap_to_ovs(settings->external_ids, &ids);
        ovsrec_port_set_external_ids(port, &ids);
        smap_destroy(&ids);
    }
    ovsrec_bridge_update_ports_addvalue(br, port);
    return 0;
}

/* Adds to bridge 'bridge' the port described by 'settings'.  Returns once
 * the port is in the database; ovs-vswitchd gives it an OpenFlow port
 * number shortly after (aovs_port_wait_ofport()).  Returns 0 or an error
 * as described in aovs-ovsdb.h: ENOENT if there is no such bridge, EEXIST
 * if a port or interface of that name exists (on any bridge), EINVAL for a
 * missing name or a negative ofport_request or mtu_request; what the
 * server refuses (e.g. an ofport_request above 65279) gives EPROTO with the
 * server's explanation. */
int
aovs_port_add(struct aovs_ovsdb *db, const char *bridge,
              const struct aovs_port_settings *settings, char **errorp)
{
    struct port_addition aux = { bridge, settings };

    *errorp = NULL;
    if (!settings->name || !*settings->name) {
        *errorp = xasprintf("bridge %s: port with an empty name", bridge);
        return EINVAL;
    }
    /* The schema's upper bounds are the server's to enforce; its message
     * names the value and the range. */
    if (settings->ofport_request < 0) {
        *errorp = xasprintf("port %s: ofport_request %d: must be positive, "
                            "or 0 for none", settings->name,
                            settings->ofport_request);
        return EINVAL;
    }
    if (settings->mtu_request < 0) {
        *errorp = xasprintf("port %s: mtu_request %d: must be positive, or "
                            "0 for none", settings->name,
                            settings->mtu_request);
        return EINVAL;
    }

    char *what = xasprintf("adding port %s to bridge %s", settings->name,
                           bridge);
    int error = transact(db, what, build_add_port, &aux, errorp);
    free(what);
    return error;
}

/* Builds the deletion of the port named 'aux_'. */
static int
build_delete_port(struct aovs_ovsdb *db,
                  struct ovsdb_idl_txn *txn OVS_UNUSED, const void *aux_,
                  char **errorp)
{
    const char *name = aux_;
    const struct ovsrec_bridge *br;
    const struct ovsrec_port *port = find_port(db->idl, name, &br);
    if (!port) {
        *errorp = xasprintf("port %s: no such port", name);
        return ENOENT;
    }
    if (br) {
        ovsrec_bridge_update_ports_delvalue(br, port);
    }
    ovsrec_port_delete(port);
    return 0;
}

/* Deletes the port called 'name' (and its interfaces) from whichever
 * bridge it is on.  Returns 0 or an error as described in aovs-ovsdb.h
 * (ENOENT if there is no such port, which a caller that only wants the
 * port gone may treat as success). */
int
aovs_port_delete(struct aovs_ovsdb *db, const char *name, char **errorp)
{
    *errorp = NULL;
    char *what = xasprintf("deleting port %s", name);
    int error = transact(db, what, build_delete_port, name, errorp);
    free(what);
    return error;
}

/* The arguments of build_set_port_external_ids(). */
struct port_external_ids_change {
    const char *name;           /* Port name. */
    const struct aovs_smap *external_ids; /* New external_ids. */
};

/* Builds the replacement of a port's external_ids 'aux_'. */
static int
build_set_port_external_ids(struct aovs_ovsdb *db,
                            struct ovsdb_idl_txn *txn OVS_UNUSED,
                            const void *aux_, char **errorp)
{
    const struct port_external_ids_change *aux = aux_;
    const struct ovsrec_port *port = find_port(db->idl, aux->name, NULL);
    if (!port) {
        *errorp = xasprintf("port %s: no such port", aux->name);
        return ENOENT;
    }

    struct smap ids;
    aovs_smap_to_ovs(aux->external_ids, &ids);
    bool same = smap_equal(&ids, &port->external_ids);
    if (!same) {
        ovsrec_port_set_external_ids(port, &ids);
    }
    smap_destroy(&ids);
    return same ? NOTHING_TO_DO : 0;
}

/* Replaces the external_ids of port 'name' by 'external_ids' (NULL for
 * none).  Returns 0 or an error as described in aovs-ovsdb.h (ENOENT if
 * there is no such port). */
int
aovs_port_set_external_ids(struct aovs_ovsdb *db, const char *name,
                           const struct aovs_smap *external_ids,
                           char **errorp)
{
    struct port_external_ids_change aux = { name, external_ids };

    *errorp = NULL;
    char *what = xasprintf("setting external_ids of port %s", name);
    int error = transact(db, what, build_set_port_external_ids, &aux,
                         errorp);
    free(what);
    return error;
}

/* Fills '*port' with a description of the port called 'name' and returns
 * 0; the caller frees it with aovs_port_destroy().  Returns ENOENT, with
 * '*port' zeroed, if there is no such port. */
int
aovs_port_get(struct aovs_ovsdb *db, const char *name, struct aovs_port *port)
{
    ovsdb_idl_run(db->idl);

    const struct ovsrec_bridge *br;
    const struct ovsrec_port *row = find_port(db->idl, name, &br);
    if (!row) {
        memset(port, 0, sizeof *port);
        return ENOENT;
    }
    port_from_row(row, br, port);
    return 0;
}

/* Fills 'list' with the ports of bridge 'bridge', including the bridge's
 * own internal port, sorted by name, and returns 0; the caller frees it
 * with aovs_port_list_destroy().  This is what a restarted agent
 * reconciles its state from.  Returns ENOENT, with 'list' empty, if there
 * is no such bridge. */
int
aovs_port_list(struct aovs_ovsdb *db, const char *bridge,
               struct aovs_port_list *list)
{
    ovsdb_idl_run(db->idl);

    list->ports = NULL;
    list->n = 0;
    const struct ovsrec_bridge *br = find_bridge(db->idl, bridge);
    if (!br) {
        return ENOENT;
    }
    if (br->n_ports) {
        list->ports = xmalloc(br->n_ports * sizeof *list->ports);
        for (size_t i = 0; i < br->n_ports; i++) {
            port_from_row(br->ports[i], br, &list->ports[list->n++]);
        }
        qsort(list->ports, list->n, sizeof *list->ports,
              compare_ports_by_name);
    }
    return 0;
}

/* Waits, at most the handle's timeout, until ovs-vswitchd has given the
 * interface of port 'name' an OpenFlow port number, and stores it in
 * '*ofportp'.  Returns 0, or (with '*ofportp' set to -1 and a message in
 * '*errorp', freed by the caller) ENOENT if there is no such port, EIO if
 * ovs-vswitchd could not add the interface (the message quotes the
 * interface's error column, e.g. "could not open network device veth1
 * (No such device)"), or ETIMEDOUT. */
int
aovs_port_wait_ofport(struct aovs_ovsdb *db, const char *name, int *ofportp,
                      char **errorp)
{
    long long deadline = time_msec() + db->timeout_ms;

    *ofportp = -1;
    *errorp = NULL;
    for (;;) {
        ovsdb_idl_run(db->idl);

        const struct ovsrec_port *port = find_port(db->idl, name, NULL);
        const struct ovsrec_interface *iface
            = port ? port_interface(port) : NULL;
        if (!iface) {
            *errorp = xasprintf("port %s: no such port", name);
            return ENOENT;
        }

        int ofport = interface_ofport(iface);
        if (ofport > 0) {
            *ofportp = ofport;
            return 0;
        } else if (ofport < 0) {
            *errorp = xasprintf("port %s: ovs-vswitchd could not add the "
                                "interface: %s", name,
                                iface->error ? iface->error
                                : "no reason given");
            return EIO;
        } else if (time_msec() >= deadline) {
            *errorp = xasprintf("port %s: no OpenFlow port number after "
                                "%d ms; is ovs-vswitchd running?", name,
                                db->timeout_ms);
            return ETIMEDOUT;
        }
        ovsdb_idl_wait(db->idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Reads, without waiting, the OpenFlow port number ovs-vswitchd gave the
 * interface of port 'name' into '*ofportp'.  Returns 0 if it has one,
 * EAGAIN if not yet, or (with a message in '*errorp', caller frees)
 * ENOENT if there is no such port or EIO if ovs-vswitchd could not add
 * the interface (the message quotes its error column). */
int
aovs_port_get_ofport(struct aovs_ovsdb *db, const char *name, int *ofportp,
                     char **errorp)
{
    *ofportp = -1;
    *errorp = NULL;
    ovsdb_idl_run(db->idl);

    const struct ovsrec_port *port = find_port(db->idl, name, NULL);
    const struct ovsrec_interface *iface = port ? port_interface(port) : NULL;
    if (!iface) {
        *errorp = xasprintf("port %s: no such port", name);
        return ENOENT;
    }
    int ofport = interface_ofport(iface);
    if (ofport > 0) {
        *ofportp = ofport;
        return 0;
    } else if (ofport < 0) {
        *errorp = xasprintf("port %s: ovs-vswitchd could not add the "
                            "interface: %s", name,
                            iface->error ? iface->error : "no reason given");
        return EIO;
    }
    return EAGAIN;
}

/* Frees the members of 'port' (which may be NULL), not 'port' itself. */
void
aovs_port_destroy(struct aovs_port *port)
{
    if (port) {
        free(port->name);
        free(port->bridge);
        free(port->type);
        aovs_smap_destroy(&port->options);
        aovs_smap_destroy(&port->external_ids);
        aovs_smap_destroy(&port->iface_external_ids);
        free(port->error);
        memset(port, 0, sizeof *port);
    }
}

/* Frees the ports of 'list' (which may be NULL) and leaves it empty. */
void
aovs_port_list_destroy(struct aovs_port_list *list)
{
    if (list) {
        for (size_t i = 0; i < list->n; i++) {
            aovs_port_destroy(&list->ports[i]);
        }
        free(list->ports);
        list->ports = NULL;
        list->n = 0;
    }
}

/* Asks 'idl' to replicate exactly the columns this file reads or writes;
 * the statistics and status columns ovs-vswitchd keeps updating are left
 * out, so they wake no one. */
static void
register_columns(struct ovsdb_idl *idl)
{
    static const struct ovsdb_idl_column *const columns[] = {
        &ovsrec_open_vswitch_col_bridges,
        &ovsrec_open_vswitch_col_other_config,
        &ovsrec_open_vswitch_col_next_cfg,
        &ovsrec_open_vswitch_col_cur_cfg,
        &ovsrec_open_vswitch_col_ovs_version,
        &ovsrec_bridge_col_name,
        &ovsrec_bridge_col_ports,
        &ovsrec_bridge_col_datapath_type,
        &ovsrec_bridge_col_fail_mode,
        &ovsrec_bridge_col_protocols,
        &ovsrec_bridge_col_other_config,
        &ovsrec_bridge_col_external_ids,
        &ovsrec_port_col_name,
        &ovsrec_port_col_interfaces,
        &ovsrec_port_col_external_ids,
        &ovsrec_interface_col_name,
        &ovsrec_interface_col_type,
        &ovsrec_interface_col_options,
        &ovsrec_interface_col_external_ids,
        &ovsrec_interface_col_ofport,
        &ovsrec_interface_col_ofport_request,
        &ovsrec_interface_col_mtu_request,
        &ovsrec_interface_col_error,
    };

    ovsdb_idl_add_table(idl, &ovsrec_table_open_vswitch);
    ovsdb_idl_add_table(idl, &ovsrec_table_bridge);
    ovsdb_idl_add_table(idl, &ovsrec_table_port);
    ovsdb_idl_add_table(idl, &ovsrec_table_interface);
    for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
        ovsdb_idl_add_column(idl, columns[i]);
    }
    /* ovs-vswitchd writes these; we only read them when asked. */
    ovsdb_idl_omit_alert(idl, &ovsrec_open_vswitch_col_cur_cfg);
    ovsdb_idl_omit_alert(idl, &ovsrec_interface_col_error);
}

/* Waits, until time 'deadline' at most, for 'db' to be connected with a
 * copy of the database.  Returns 0, or ETIMEDOUT with a message about
 * 'what' in '*errorp'. */
static int
wait_for_replica(struct aovs_ovsdb *db, long long deadline, const char *what,
                 char **errorp)
{
    for (;;) {
        ovsdb_idl_run(db->idl);
        if (ovsdb_idl_has_ever_connected(db->idl)
            && ovsdb_idl_is_connected(db->idl)) {
            return 0;
        }
        if (time_msec() >= deadline) {
            int last_error = ovsdb_idl_get_last_error(db->idl);
            *errorp = xasprintf("%s: no connection to the OVSDB server at "
                                "%s within %d ms%s%s", what, db->remote,
                                db->timeout_ms, last_error ? ": " : "",
                                (last_error
                                 ? ovs_retval_to_string(last_error) : ""));
            return ETIMEDOUT;
        }
        ovsdb_idl_wait(db->idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Builds a transaction with 'build' and 'aux' and commits it, waiting at
 * most the handle's timeout; 'what' describes it for comments and
 * messages.  Every transaction that changes something also increments
 * next_cfg, for aovs_ovsdb_wait_applied().  Returns 0 (also when 'build'
 * found nothing to do) or an errno value with a message in '*errorp' (see
 * aovs-ovsdb.h). */
static int
transact(struct aovs_ovsdb *db, const char *what, build_func *build,
         const void *aux, char **errorp)
{
    long long deadline = time_msec() + db->timeout_ms;

    *errorp = NULL;
    async_finish(db, deadline);
    for (int attempt = 1; ; attempt++) {
        int error = wait_for_replica(db, deadline, what, errorp);
        if (error) {
            return error;
        }

        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(db->idl);
        ovsdb_idl_txn_add_comment(txn, "antrea-c: %s", what);
        error = build(db, txn, aux, errorp);
        if (error) {
            ovsdb_idl_txn_destroy(txn);
            return error == NOTHING_TO_DO ? 0 : error;
        }
        const struct ovsrec_open_vswitch *ovs
            = ovsrec_open_vswitch_first(db->idl);
        if (ovs) {
            ovsdb_idl_txn_increment(txn, &ovs->header_,
                                    &ovsrec_open_vswitch_col_next_cfg,
                                    false);
        }

        enum ovsdb_idl_txn_status status;
        while ((status = ovsdb_idl_txn_commit(txn)) == TXN_INCOMPLETE
               && time_msec() < deadline) {
            ovsdb_idl_run(db->idl);
            ovsdb_idl_wait(db->idl);
            ovsdb_idl_txn_wait(txn);
            poll_timer_wait_until(deadline);
            poll_block();
        }

        if (status == TXN_TRY_AGAIN && attempt < MAX_ATTEMPTS) {
            /* The replica was out of date or the connection dropped: wait
             * for news and build again. */
            unsigned int seqno = ovsdb_idl_get_seqno(db->idl);
            ovsdb_idl_txn_destroy(txn);
            while (ovsdb_idl_get_seqno(db->idl) == seqno
                   && time_msec() < deadline) {
                ovsdb_idl_run(db->idl);
                ovsdb_idl_wait(db->idl);
                poll_timer_wait_until(deadline);
                poll_block();
            }
            VLOG_DBG("%s: retrying (attempt %d)", what, attempt + 1);
            continue;
        }
        if (status == TXN_TRY_AGAIN) {
            *errorp = xasprintf("%s: the transaction kept conflicting with "
                                "other changes (%d attempts)", what,
                                attempt);
            error = EAGAIN;
        } else {
            error = txn_outcome(db, txn, status, ovs != NULL, what, errorp);
        }
        ovsdb_idl_txn_destroy(txn);
        return error;
    }
}

/* Turns the final 'status' of 'txn' (made by 'db' for 'what'; it
 * increments next_cfg if 'incremented') into 0 or an errno value with a
 * message in '*errorp', as described in aovs-ovsdb.h; TXN_TRY_AGAIN
 * gives EAGAIN. */
static int
txn_outcome(struct aovs_ovsdb *db, struct ovsdb_idl_txn *txn,
            enum ovsdb_idl_txn_status status, bool incremented,
            const char *what, char **errorp)
{
    switch (status) {
    case TXN_SUCCESS:
        if (incremented) {
            int64_t cfg = ovsdb_idl_txn_get_increment_new_value(txn);
            if (cfg > db->wanted_cfg) {
                db->wanted_cfg = cfg;
            }
        }
        return 0;

    case TXN_UNCHANGED:
        return 0;

    case TXN_TRY_AGAIN:
        *errorp = xasprintf("%s: the transaction conflicted with other "
                            "changes", what);
        return EAGAIN;

    case TXN_ERROR:
        *errorp = xasprintf("%s: the OVSDB server rejected the "
                            "transaction: %s", what,
                            ovsdb_idl_txn_get_error(txn));
        return EPROTO;

    case TXN_ABORTED:
        *errorp = xasprintf("%s: the transaction was aborted", what);
        return ECANCELED;

    case TXN_UNCOMMITTED:
    case TXN_INCOMPLETE:
        *errorp = xasprintf("%s: no answer from the OVSDB server at %s "
                            "within %d ms (the change may or may not "
                            "have been made)", what, db->remote,
                            db->timeout_ms);
        return ETIMEDOUT;

    case TXN_NOT_LOCKED:
    default:
        *errorp = xasprintf("%s: unexpected transaction status %s",
                            what, ovsdb_idl_txn_status_to_string(status));
        return EPROTO;
    }
}

/* Advances the asynchronous transaction 't' without blocking; once it is
 * over, records its outcome and frees the connection for the next one.
 * Returns its outcome, EINPROGRESS while in flight. */
static int
async_step(struct aovs_txn *t)
{
    if (t->error != EINPROGRESS) {
        return t->error;
    }
    struct aovs_ovsdb *db = t->db;
    if (t->sent) {
        /* The answer arrives through the IDL (which must not run before
         * the first commit, which sends the transaction). */
        ovsdb_idl_run(db->idl);
    }
    t->sent = true;
    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(t->txn);
    if (status == TXN_INCOMPLETE) {
        return EINPROGRESS;
    }
    t->error = txn_outcome(db, t->txn, status, t->incremented, t->what,
                           &t->message);
    ovsdb_idl_txn_destroy(t->txn);
    t->txn = NULL;
    db->async = NULL;
    return t->error;
}

/* Waits, until 'deadline' at most, for the asynchronous transaction in
 * flight on 'db' (if any) to end; at the deadline it is given up with
 * ETIMEDOUT.  Its owner reads the outcome with aovs_txn_poll(). */
static void
async_finish(struct aovs_ovsdb *db, long long deadline)
{
    struct aovs_txn *t = db->async;
    if (!t) {
        return;
    }
    while (async_step(t) == EINPROGRESS) {
        if (time_msec() >= deadline) {
            t->error = ETIMEDOUT;
            t->message = xasprintf("%s: no answer from the OVSDB server "
                                   "at %s within %d ms (the change may or "
                                   "may not have been made)", t->what,
                                   db->remote, db->timeout_ms);
            ovsdb_idl_txn_destroy(t->txn);
            t->txn = NULL;
            db->async = NULL;
            return;
        }
        ovsdb_idl_wait(db->idl);
        ovsdb_idl_txn_wait(t->txn);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Sends 'txn', built on 'db' for 'what', as the connection's asynchronous
 * transaction and returns its handle. */
static struct aovs_txn *
async_start(struct aovs_ovsdb *db, struct ovsdb_idl_txn *txn, char *what)
{
    struct aovs_txn *t = xzalloc(sizeof *t);
    const struct ovsrec_open_vswitch *ovs
        = ovsrec_open_vswitch_first(db->idl);
    if (ovs) {
        ovsdb_idl_txn_increment(txn, &ovs->header_,
                                &ovsrec_open_vswitch_col_next_cfg, false);
        t->incremented = true;
    }
    t->db = db;
    t->txn = txn;
    t->what = what;
    t->error = EINPROGRESS;
    db->async = t;
    async_step(t);              /* Sends it. */
    return t;
}

/* Checks that 'db' can take an asynchronous transaction now: none in
 * flight and connected with a replica. */
static int
async_check(struct aovs_ovsdb *db, const char *what, char **errorp)
{
    if (db->async) {
        *errorp = xasprintf("%s: another asynchronous OVSDB transaction is "
                            "in flight", what);
        return EBUSY;
    }
    ovsdb_idl_run(db->idl);
    if (!ovsdb_idl_has_ever_connected(db->idl)
        || !ovsdb_idl_is_connected(db->idl)) {
        *errorp = xasprintf("%s: not connected to the OVSDB server at %s",
                            what, db->remote);
        return ENOTCONN;
    }
    return 0;
}

/* Starts one transaction that adds to bridge 'bridge' every port of the
 * 'n' 'items' that can be added, without waiting for the answer.  A port
 * that cannot (no name, a negative number, a name already used, also by
 * an earlier item) is left out, with its 'error' and 'message' set; the
 * others get 'error' 0.  Stores in '*txnp' the transaction to follow with
 * aovs_txn_poll(), or NULL if no port was left to add, and returns 0; or
 * returns EBUSY (another asynchronous transaction is in flight), ENOTCONN
 * or ENOENT (no such bridge) with a message in '*errorp' and nothing
 * sent.  Once the transaction succeeded, ovs-vswitchd gives the ports
 * their OpenFlow numbers (aovs_port_get_ofport()). */
int
aovs_port_add_batch(struct aovs_ovsdb *db, const char *bridge,
                    struct aovs_port_batch_item *items, size_t n,
                    struct aovs_txn **txnp, char **errorp)
{
    *txnp = NULL;
    *errorp = NULL;
    for (size_t i = 0; i < n; i++) {
        items[i].error = 0;
        items[i].message = NULL;
    }
    char *what = xasprintf("adding %zu ports to bridge %s", n, bridge);
    int error = async_check(db, what, errorp);
    if (!error && !find_bridge(db->idl, bridge)) {
        *errorp = xasprintf("%s: no such bridge", what);
        error = ENOENT;
    }
    if (error) {
        free(what);
        return error;
    }

    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(db->idl);
    ovsdb_idl_txn_add_comment(txn, "antrea-c: %s", what);
    size_t n_added = 0;
    for (size_t i = 0; i < n; i++) {
        struct aovs_port_batch_item *item = &items[i];
        const struct aovs_port_settings *settings = item->settings;
        const char *name = settings->name;
        if (!name || !*name) {
            item->message = xasprintf("bridge %s: port with an empty name",
                                      bridge);
            item->error = EINVAL;
            continue;
        }
        if (settings->ofport_request < 0 || settings->mtu_request < 0) {
            item->message = xasprintf("port %s: ofport_request and "
                                      "mtu_request must not be negative",
                                      name);
            item->error = EINVAL;
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (!items[j].error && !strcmp(items[j].settings->name, name)) {
                item->message = xasprintf("port %s: named twice in one "
                                          "batch", name);
                item->error = EEXIST;
                break;
            }
        }
        if (item->error) {
            continue;
        }
        struct port_addition aux = { bridge, settings };
        item->error = build_add_port(db, txn, &aux, &item->message);
        if (!item->error) {
            n_added++;
        }
    }
    if (!n_added) {
        ovsdb_idl_txn_destroy(txn);
        free(what);
        return 0;
    }
    *txnp = async_start(db, txn, what);
    return 0;
}

/* Starts one transaction that deletes the ports named in 'names' ('n' of
 * them; names of ports that do not exist are skipped), without waiting
 * for the answer.  Stores the transaction in '*txnp' (NULL if there was
 * nothing to delete) and returns 0, or EBUSY or ENOTCONN with a message
 * and nothing sent. */
int
aovs_port_delete_batch(struct aovs_ovsdb *db, const char *const *names,
                       size_t n, struct aovs_txn **txnp, char **errorp)
{
    *txnp = NULL;
    *errorp = NULL;
    char *what = xasprintf("deleting %zu ports", n);
    int error = async_check(db, what, errorp);
    if (error) {
        free(what);
        return error;
    }

    struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(db->idl);
    ovsdb_idl_txn_add_comment(txn, "antrea-c: %s", what);
    size_t n_deleted = 0;
    for (size_t i = 0; i < n; i++) {
        char *msg = NULL;
        if (!build_delete_port(db, txn, names[i], &msg)) {
            n_deleted++;
        }
        free(msg);
    }
    if (!n_deleted) {
        ovsdb_idl_txn_destroy(txn);
        free(what);
        return 0;
    }
    *txnp = async_start(db, txn, what);
    return 0;
}

/* Returns the outcome of 't' without blocking: EINPROGRESS while the
 * server has not answered, then 0 or an error as described in
 * aovs-ovsdb.h (EAGAIN: the replica was out of date; build the batch
 * again once it has changed), with a message in '*errorp' (caller
 * frees). */
int
aovs_txn_poll(struct aovs_txn *t, char **errorp)
{
    *errorp = NULL;
    int error = t->db ? async_step(t) : t->error;
    if (error && error != EINPROGRESS) {
        *errorp = xstrdup(t->message ? t->message : t->what);
    }
    return error;
}

/* Registers 't' with OVS's poll loop: the next aovs_poll() wakes when its
 * outcome may have changed. */
void
aovs_txn_wait(const struct aovs_txn *t)
{
    if (t->txn) {
        ovsdb_idl_wait(t->db->idl);
        ovsdb_idl_txn_wait(t->txn);
    } else {
        poll_immediate_wake();
    }
}

/* Frees 't'.  One still in flight is abandoned: the server may or may not
 * make the change.  NULL is ignored. */
void
aovs_txn_destroy(struct aovs_txn *t)
{
    if (t) {
        if (t->txn) {
            ovsdb_idl_txn_destroy(t->txn);
            t->db->async = NULL;
        }
        free(t->what);
        free(t->message);
        free(t);
    }
}

/* Returns the bridge called 'name' in 'idl''s replica, or NULL. */
static const struct ovsrec_bridge *
find_bridge(const struct ovsdb_idl *idl, const char *name)
{
    const struct ovsrec_bridge *br;

    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

/* Returns the port called 'name' in 'idl''s replica, or NULL; if 'brp' is
 * nonnull, stores there the bridge that has it (NULL if none). */
static const struct ovsrec_port *
find_port(const struct ovsdb_idl *idl, const char *name,
          const struct ovsrec_bridge **brp)
{
    const struct ovsrec_port *port = NULL;
    const struct ovsrec_port *p;

    OVSREC_PORT_FOR_EACH (p, idl) {
        if (!strcmp(p->name, name)) {
            port = p;
            break;
        }
    }
    if (brp) {
        *brp = NULL;
        if (port) {
            const struct ovsrec_bridge *br;
            OVSREC_BRIDGE_FOR_EACH (br, idl) {
                for (size_t i = 0; i < br->n_ports; i++) {
                    if (br->ports[i] == port) {
                        *brp = br;
                        return port;
                    }
                }
            }
        }
    }
    return port;
}

/* Returns the interface called 'name' in 'idl''s replica, or NULL. */
static const struct ovsrec_interface *
find_interface(const struct ovsdb_idl *idl, const char *name)
{
    const struct ovsrec_interface *iface;

    OVSREC_INTERFACE_FOR_EACH (iface, idl) {
        if (!strcmp(iface->name, name)) {
            return iface;
        }
    }
    return NULL;
}

/* Returns the interface of 'port' named like it, else its first, or NULL
 * if it has none. */
static const struct ovsrec_interface *
port_interface(const struct ovsrec_port *port)
{
    for (size_t i = 0; i < port->n_interfaces; i++) {
        if (!strcmp(port->interfaces[i]->name, port->name)) {
            return port->interfaces[i];
        }
    }
    return port->n_interfaces ? port->interfaces[0] : NULL;
}

/* Fills 'port' from the row 'row' on bridge 'br' (which may be NULL). */
static void
port_from_row(const struct ovsrec_port *row, const struct ovsrec_bridge *br,
              struct aovs_port *port)
{
    const struct ovsrec_interface *iface = port_interface(row);
    struct smap empty = SMAP_INITIALIZER(&empty);

    port->name = xstrdup(row->name);
    port->bridge = xstrdup(br ? br->name : "");
    port->type = xstrdup(iface ? iface->type : "");
    aovs_smap_from_ovs(iface ? &iface->options : &empty, &port->options);
    aovs_smap_from_ovs(&row->external_ids, &port->external_ids);
    aovs_smap_from_ovs(iface ? &iface->external_ids : &empty,
                       &port->iface_external_ids);
    port->ofport = iface ? interface_ofport(iface) : 0;
    port->ofport_request = (iface && iface->n_ofport_request
                            ? iface->ofport_request[0] : 0);
    port->error = iface && iface->error ? xstrdup(iface->error) : NULL;
}

/* Returns the OpenFlow port number of 'iface': 0 if not assigned yet, -1
 * if ovs-vswitchd failed to add it. */
static int
interface_ofport(const struct ovsrec_interface *iface)
{
    if (!iface->n_ofport) {
        return 0;
    }
    int64_t ofport = iface->ofport[0];
    return ofport < 0 ? -1 : ofport > 65535 ? 0 : (int) ofport;
}

/* qsort() comparison of two 'struct aovs_port's by name. */
static int
compare_ports_by_name(const void *a_, const void *b_)
{
    const struct aovs_port *a = a_;
    const struct aovs_port *b = b_;
    return strcmp(a->name, b->name);
}
