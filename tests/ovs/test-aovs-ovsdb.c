/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the OVSDB layer (core/lib/ovs/aovs-ovsdb.h) against a real
 * ovsdb-server and ovs-vswitchd (userspace datapath) in a sandbox per test
 * (tests/ovs/ovs-sandbox.h): bridges, internal and tunnel ports with
 * external_ids and options, requested OpenFlow port numbers, deletion,
 * external_ids and other_config keys, change notification, and errors.
 * What the shim writes is checked independently with ovs-vsctl.  Skipped
 * unless root.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aovs-ovsdb.h"
#include "aovs-poll.h"
#include "event-loop.h"         /* time_msec() */
#include "ovs-sandbox.h"
#include "util.h"

/* Bound on every blocking call of the shim, in milliseconds. */
#define TIMEOUT_MS 10000

static struct ovs_sandbox sandbox;
static struct aovs_ovsdb *db;

/* Tears down what a test started. */
static void
teardown(void)
{
    aovs_ovsdb_close(db);
    db = NULL;
    ovs_sandbox_stop(&sandbox);
}

TestSuite(aovs_ovsdb, .fini = teardown, .timeout = 60);

/* Starts a sandbox (with ovs-vswitchd if 'vswitchd') and connects to it;
 * skips the test unless root. */
static void
start(bool vswitchd)
{
    if (!ovs_sandbox_can_run()) {
        cr_skip_test("needs root and the Open vSwitch daemons");
    }
    char *error = NULL;
    cr_assert_eq(ovs_sandbox_start(&sandbox, vswitchd, &error), 0,
                 "sandbox: %s", error);
    cr_assert_eq(aovs_ovsdb_open(sandbox.db_remote, TIMEOUT_MS, &db,
                                 &error), 0, "open: %s", error);
    cr_assert_null(error);
    cr_assert(aovs_ovsdb_is_connected(db));
}

/* Runs "ovs-vsctl ARGS" against the sandbox and returns its output,
 * trimmed; fails the test if it fails.  The caller frees the string. */
static char *
vsctl(const char *args)
{
    char *command = xasprintf("ovs-vsctl --no-wait --timeout=10 --db=%s %s",
                              sandbox.db_remote, args);
    char *output;
    int retval = ovs_sandbox_capture(command, &output);
    cr_assert_eq(retval, 0, "%s: %s", command, output);
    free(command);

    size_t n = strlen(output);
    while (n && (output[n - 1] == '\n' || output[n - 1] == ' ')) {
        output[--n] = '\0';
    }
    return output;
}

/* Asserts that "ovs-vsctl ARGS" prints 'expected'. */
static void
vsctl_expect(const char *args, const char *expected)
{
    char *output = vsctl(args);
    cr_assert_str_eq(output, expected, "ovs-vsctl %s", args);
    free(output);
}

/* Makes bridge br-int the way the agent does. */
static void
ensure_br_int(void)
{
    struct aovs_smap other_config = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&other_config, "datapath-id", "0000aabbccddeeff");
    struct aovs_bridge_settings settings = {
        .name = "br-int",
        .datapath_type = "netdev",
        .other_config = &other_config,
    };
    char *error = NULL;
    cr_assert_eq(aovs_bridge_ensure(db, &settings, &error), 0, "%s", error);
    aovs_smap_destroy(&other_config);
}

/* Adds a port, failing the test on an error. */
static void
add_port_ok(const struct aovs_port_settings *settings)
{
    char *error = NULL;
    cr_assert_eq(aovs_port_add(db, "br-int", settings, &error), 0,
                 "%s", error);
    cr_assert_null(error);
}

Test(aovs_ovsdb, bridge_ensure_is_idempotent)
{
    start(true);
    cr_assert_not(aovs_bridge_exists(db, "br-int"));
    ensure_br_int();
    cr_assert(aovs_bridge_exists(db, "br-int"));

    vsctl_expect("get bridge br-int datapath_type", "netdev");
    vsctl_expect("get bridge br-int fail_mode", "secure");
    vsctl_expect("get bridge br-int protocols",
                 "[OpenFlow10, OpenFlow15]");
    vsctl_expect("get bridge br-int other_config:datapath-id",
                 "\"0000aabbccddeeff\"");
    vsctl_expect("list-br", "br-int");
    vsctl_expect("get interface br-int type", "internal");

    /* ovs-vswitchd applies it: the bridge's OpenFlow socket appears. */
    char *error = NULL;
    cr_assert_eq(aovs_ovsdb_wait_applied(db, &error), 0, "%s", error);
    char *mgmt = xasprintf("%s/br-int.mgmt", sandbox.dir);
    struct stat st;
    cr_assert_eq(stat(mgmt, &st), 0, "%s missing", mgmt);
    free(mgmt);

    /* Again: nothing to do, so no transaction and no change. */
    char *uuid = vsctl("get bridge br-int _uuid");
    char *next_cfg = vsctl("get open_vswitch . next_cfg");
    aovs_ovsdb_run(db);
    unsigned int seqno = aovs_ovsdb_get_seqno(db);
    ensure_br_int();
    ensure_br_int();
    aovs_ovsdb_run(db);
    cr_assert_eq(aovs_ovsdb_get_seqno(db), seqno);
    char *uuid2 = vsctl("get bridge br-int _uuid");
    char *next_cfg2 = vsctl("get open_vswitch . next_cfg");
    cr_assert_str_eq(uuid, uuid2);
    cr_assert_str_eq(next_cfg, next_cfg2);
    free(uuid);
    free(uuid2);
    free(next_cfg);
    free(next_cfg2);

    /* A different setting changes only that. */
    struct aovs_bridge_settings standalone = {
        .name = "br-int", .datapath_type = "netdev",
        .fail_mode = "standalone", .protocols = "OpenFlow13",
    };
    cr_assert_eq(aovs_bridge_ensure(db, &standalone, &error), 0, "%s",
                 error);
    vsctl_expect("get bridge br-int fail_mode", "standalone");
    vsctl_expect("get bridge br-int protocols", "[OpenFlow13]");
    vsctl_expect("get bridge br-int other_config:datapath-id",
                 "\"0000aabbccddeeff\"");
}

Test(aovs_ovsdb, ports_with_external_ids_read_back)
{
    start(true);
    ensure_br_int();

    struct aovs_smap gw_ids = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&gw_ids, "antrea-type", "gateway");
    struct aovs_port_settings gw = {
        .name = "antrea-gw0", .type = "internal", .external_ids = &gw_ids,
        .ofport_request = 32769, .mtu_request = 1450,
    };
    add_port_ok(&gw);

    struct aovs_smap tun_options = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&tun_options, "remote_ip", "flow");
    aovs_smap_add(&tun_options, "key", "flow");
    struct aovs_smap tun_ids = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&tun_ids, "antrea-type", "tunnel");
    struct aovs_port_settings tun = {
        .name = "antrea-tun0", .type = "geneve", .options = &tun_options,
        .external_ids = &tun_ids, .ofport_request = 32768,
    };
    add_port_ok(&tun);

    struct aovs_smap pod_ids = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&pod_ids, "container-id", "0123456789abcdef");
    aovs_smap_add(&pod_ids, "pod-name", "web-0");
    aovs_smap_add(&pod_ids, "pod-namespace", "default");
    aovs_smap_add(&pod_ids, "ip-address", "10.10.0.5");
    aovs_smap_add(&pod_ids, "attached-mac", "aa:bb:cc:dd:ee:05");
    aovs_smap_add(&pod_ids, "antrea-type", "container");
    struct aovs_smap iface_ids = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&iface_ids, "attached-mac", "aa:bb:cc:dd:ee:05");
    struct aovs_port_settings pod = {
        .name = "web-0-a1b2c3", .type = "internal",
        .external_ids = &pod_ids, .iface_external_ids = &iface_ids,
    };
    add_port_ok(&pod);

    /* The requested numbers are honoured; the others get one. */
    int ofport;
    char *error = NULL;
    cr_assert_eq(aovs_port_wait_ofport(db, "antrea-gw0", &ofport, &error),
                 0, "%s", error);
    cr_assert_eq(ofport, 32769);
    cr_assert_eq(aovs_port_wait_ofport(db, "antrea-tun0", &ofport, &error),
                 0, "%s", error);
    cr_assert_eq(ofport, 32768);
    cr_assert_eq(aovs_port_wait_ofport(db, "web-0-a1b2c3", &ofport, &error),
                 0, "%s", error);
    cr_assert_gt(ofport, 0);
    cr_assert_lt(ofport, 32768);
    vsctl_expect("get interface antrea-gw0 ofport", "32769");
    vsctl_expect("get interface antrea-tun0 ofport", "32768");
    vsctl_expect("get interface antrea-tun0 type", "geneve");
    vsctl_expect("get interface antrea-tun0 options:remote_ip", "flow");
    vsctl_expect("get port web-0-a1b2c3 external_ids:pod-name", "web-0");
    vsctl_expect("get interface web-0-a1b2c3 external_ids:attached-mac",
                 "\"aa:bb:cc:dd:ee:05\"");
    vsctl_expect("get interface antrea-gw0 mtu_request", "1450");

    /* Read back one port... */
    struct aovs_port port;
    cr_assert_eq(aovs_port_get(db, "web-0-a1b2c3", &port), 0);
    cr_assert_str_eq(port.name, "web-0-a1b2c3");
    cr_assert_str_eq(port.bridge, "br-int");
    cr_assert_str_eq(port.type, "internal");
    cr_assert_eq(port.external_ids.n, 6);
    cr_assert_str_eq(aovs_smap_get(&port.external_ids, "container-id"),
                     "0123456789abcdef");
    cr_assert_str_eq(aovs_smap_get(&port.external_ids, "ip-address"),
                     "10.10.0.5");
    /* (Returned maps are sorted by key.) */
    cr_assert_str_eq(port.external_ids.entries[0].key, "antrea-type");
    cr_assert_str_eq(aovs_smap_get(&port.iface_external_ids,
                                   "attached-mac"), "aa:bb:cc:dd:ee:05");
    cr_assert_eq(port.ofport, ofport);
    cr_assert_eq(port.ofport_request, 0);
    cr_assert_null(port.error);
    aovs_port_destroy(&port);

    /* ...and the whole bridge, as a restarted agent does. */
    struct aovs_port_list list;
    cr_assert_eq(aovs_port_list(db, "br-int", &list), 0);
    cr_assert_eq(list.n, 4);
    cr_assert_str_eq(list.ports[0].name, "antrea-gw0");
    cr_assert_str_eq(list.ports[1].name, "antrea-tun0");
    cr_assert_str_eq(list.ports[2].name, "br-int");
    cr_assert_str_eq(list.ports[3].name, "web-0-a1b2c3");
    cr_assert_eq(list.ports[0].ofport, 32769);
    cr_assert_eq(list.ports[0].ofport_request, 32769);
    cr_assert_str_eq(list.ports[1].type, "geneve");
    cr_assert_str_eq(aovs_smap_get(&list.ports[1].options, "key"), "flow");
    cr_assert_str_eq(aovs_smap_get(&list.ports[1].external_ids,
                                   "antrea-type"), "tunnel");
    cr_assert_eq(list.ports[2].ofport, 65534);
    aovs_port_list_destroy(&list);
    cr_assert_eq(list.n, 0);

    /* Replace a port's external_ids. */
    struct aovs_smap new_ids = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&new_ids, "antrea-type", "container");
    cr_assert_eq(aovs_port_set_external_ids(db, "web-0-a1b2c3", &new_ids,
                                            &error), 0, "%s", error);
    vsctl_expect("get port web-0-a1b2c3 external_ids",
                 "{antrea-type=container}");

    aovs_smap_destroy(&gw_ids);
    aovs_smap_destroy(&tun_options);
    aovs_smap_destroy(&tun_ids);
    aovs_smap_destroy(&pod_ids);
    aovs_smap_destroy(&iface_ids);
    aovs_smap_destroy(&new_ids);
}

Test(aovs_ovsdb, userspace_tunnel_types)
{
    static const char *const types[] = { "geneve", "vxlan", "gre" };

    start(true);
    ensure_br_int();
    struct aovs_smap options = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&options, "remote_ip", "flow");
    aovs_smap_add(&options, "key", "flow");
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char *name = xasprintf("tun-%s", types[i]);
        struct aovs_port_settings tun = {
            .name = name, .type = types[i], .options = &options,
        };
        add_port_ok(&tun);

        int ofport;
        char *error = NULL;
        cr_assert_eq(aovs_port_wait_ofport(db, name, &ofport, &error), 0,
                     "%s: %s", types[i], error);
        cr_assert_gt(ofport, 0);
        free(name);
    }
    aovs_smap_destroy(&options);
}

Test(aovs_ovsdb, delete_ports_and_bridges)
{
    start(true);
    ensure_br_int();
    struct aovs_port_settings p = { .name = "p1", .type = "internal" };
    add_port_ok(&p);
    vsctl_expect("list-ports br-int", "p1");

    char *error = NULL;
    cr_assert_eq(aovs_port_delete(db, "p1", &error), 0, "%s", error);
    vsctl_expect("list-ports br-int", "");
    vsctl_expect("--columns=name find interface name=p1", "");
    struct aovs_port port;
    cr_assert_eq(aovs_port_get(db, "p1", &port), ENOENT);

    cr_assert_eq(aovs_port_delete(db, "p1", &error), ENOENT);
    cr_assert(strstr(error, "p1") && strstr(error, "no such port"), "%s",
              error);
    free(error);

    /* The name is free again. */
    add_port_ok(&p);
    cr_assert_eq(aovs_bridge_delete(db, "br-int", &error), 0, "%s", error);
    cr_assert_not(aovs_bridge_exists(db, "br-int"));
    vsctl_expect("list-br", "");
    vsctl_expect("--columns=name find port name=p1", "");
    cr_assert_eq(aovs_bridge_delete(db, "br-int", &error), ENOENT);
    cr_assert(strstr(error, "br-int"), "%s", error);
    free(error);
}

Test(aovs_ovsdb, external_ids_and_other_config)
{
    start(false);
    ensure_br_int();

    char *value = (char *) "unset";
    cr_assert_eq(aovs_bridge_get_external_id(db, "br-int", "roundNum",
                                             &value), 0);
    cr_assert_null(value);

    char *error = NULL;
    cr_assert_eq(aovs_bridge_set_external_id(db, "br-int", "roundNum", "1",
                                             &error), 0, "%s", error);
    vsctl_expect("get bridge br-int external_ids:roundNum", "\"1\"");
    cr_assert_eq(aovs_bridge_get_external_id(db, "br-int", "roundNum",
                                             &value), 0);
    cr_assert_str_eq(value, "1");
    free(value);

    /* A change made by someone else is seen. */
    free(vsctl("set bridge br-int external_ids:roundNum=7"));
    long long deadline = time_msec() + TIMEOUT_MS;
    for (;;) {
        aovs_ovsdb_run(db);
        aovs_bridge_get_external_id(db, "br-int", "roundNum", &value);
        if (value && !strcmp(value, "7")) {
            break;
        }
        free(value);
        cr_assert_lt(time_msec(), deadline, "external change not seen");
        aovs_ovsdb_wait(db);
        aovs_poll(NULL, 0, 100);
    }
    free(value);

    cr_assert_eq(aovs_bridge_set_external_id(db, "br-int", "roundNum", NULL,
                                             &error), 0, "%s", error);
    vsctl_expect("get bridge br-int external_ids", "{}");

    cr_assert_eq(aovs_bridge_get_external_id(db, "br-nope", "roundNum",
                                             &value), ENOENT);
    cr_assert_null(value);
    cr_assert_eq(aovs_bridge_set_external_id(db, "br-nope", "roundNum", "2",
                                             &error), ENOENT);
    cr_assert(strstr(error, "br-nope"), "%s", error);
    free(error);

    cr_assert_eq(aovs_ovsdb_set_other_config(db, "userspace-tso-enable",
                                             "true", &error), 0, "%s",
                 error);
    vsctl_expect("get open_vswitch . other_config:userspace-tso-enable",
                 "\"true\"");
    value = aovs_ovsdb_get_other_config(db, "userspace-tso-enable");
    cr_assert_str_eq(value, "true");
    free(value);
    cr_assert_eq(aovs_ovsdb_set_other_config(db, "userspace-tso-enable",
                                             NULL, &error), 0, "%s", error);
    cr_assert_null(aovs_ovsdb_get_other_config(db, "userspace-tso-enable"));
}

Test(aovs_ovsdb, errors_name_the_problem)
{
    start(true);
    ensure_br_int();
    struct aovs_port_settings p = { .name = "p1", .type = "internal" };
    add_port_ok(&p);

    char *error = NULL;
    cr_assert_eq(aovs_port_add(db, "br-int", &p, &error), EEXIST);
    cr_assert(strstr(error, "p1") && strstr(error, "exists"), "%s", error);
    free(error);

    struct aovs_port_settings q = { .name = "q1" };
    cr_assert_eq(aovs_port_add(db, "br-nope", &q, &error), ENOENT);
    cr_assert(strstr(error, "br-nope"), "%s", error);
    free(error);

    struct aovs_port_settings unnamed = { .name = "" };
    cr_assert_eq(aovs_port_add(db, "br-int", &unnamed, &error), EINVAL);
    free(error);

    /* The server enforces the schema, and its explanation comes back. */
    struct aovs_port_settings high = { .name = "q2", .ofport_request = 65280 };
    cr_assert_eq(aovs_port_add(db, "br-int", &high, &error), EPROTO);
    cr_assert(strstr(error, "q2"), "%s", error);
    cr_assert(strstr(error, "constraint violation"), "%s", error);
    cr_assert(strstr(error, "65280"), "%s", error);
    free(error);
    struct aovs_port port;
    cr_assert_eq(aovs_port_get(db, "q2", &port), ENOENT);

    struct aovs_bridge_settings bad_mode = {
        .name = "br-x", .fail_mode = "open",
    };
    cr_assert_eq(aovs_bridge_ensure(db, &bad_mode, &error), EINVAL);
    cr_assert(strstr(error, "\"open\""), "%s", error);
    free(error);
    struct aovs_bridge_settings bad_protocol = {
        .name = "br-x", .protocols = "OpenFlow10,OpenFlow16",
    };
    cr_assert_eq(aovs_bridge_ensure(db, &bad_protocol, &error), EINVAL);
    cr_assert(strstr(error, "OpenFlow16"), "%s", error);
    free(error);
    cr_assert_not(aovs_bridge_exists(db, "br-x"));

    /* A device that does not exist: ovs-vswitchd's reason comes back. */
    struct aovs_port_settings missing = { .name = "nosuchdev0" };
    add_port_ok(&missing);
    int ofport;
    cr_assert_eq(aovs_port_wait_ofport(db, "nosuchdev0", &ofport, &error),
                 EIO);
    cr_assert_eq(ofport, -1);
    cr_assert(strstr(error, "nosuchdev0"), "%s", error);
    free(error);
    cr_assert_eq(aovs_port_wait_ofport(db, "nosuchport", &ofport, &error),
                 ENOENT);
    free(error);
}

Test(aovs_ovsdb, open_errors)
{
    struct aovs_ovsdb *other = NULL;
    char *error = NULL;

    cr_assert_eq(aovs_ovsdb_open("nonsense:/x", 1000, &other, &error),
                 EINVAL);
    cr_assert_null(other);
    cr_assert(strstr(error, "nonsense:/x"), "%s", error);
    free(error);

    char *dir = xasprintf("/tmp/atest-ovs-%ld-nodb", (long) getpid());
    mkdir(dir, 0700);
    char *remote = xasprintf("unix:%s/db.sock", dir);
    long long start_time = time_msec();
    cr_assert_eq(aovs_ovsdb_open(remote, 300, &other, &error), ETIMEDOUT);
    cr_assert_lt(time_msec() - start_time, 5000);
    cr_assert(strstr(error, remote), "%s", error);
    free(error);
    free(remote);
    rmdir(dir);
    free(dir);

    cr_assert_eq(aovs_ovsdb_open("unix:/x", 0, &other, &error), EINVAL);
    free(error);
}

Test(aovs_ovsdb, wait_applied_without_vswitchd_times_out)
{
    start(false);
    aovs_ovsdb_close(db);
    char *error = NULL;
    cr_assert_eq(aovs_ovsdb_open(sandbox.db_remote, 300, &db, &error), 0,
                 "%s", error);
    ensure_br_int();
    cr_assert_eq(aovs_ovsdb_wait_applied(db, &error), ETIMEDOUT);
    cr_assert(strstr(error, "ovs-vswitchd"), "%s", error);
    free(error);

    /* With ovs-vswitchd running, the next change is applied. */
    cr_assert_eq(ovs_sandbox_start_vswitchd(&sandbox, &error), 0, "%s",
                 error);
    aovs_ovsdb_close(db);
    cr_assert_eq(aovs_ovsdb_open(sandbox.db_remote, TIMEOUT_MS, &db,
                                 &error), 0, "%s", error);
    cr_assert_eq(aovs_bridge_set_external_id(db, "br-int", "roundNum", "1",
                                             &error), 0, "%s", error);
    cr_assert_eq(aovs_ovsdb_wait_applied(db, &error), 0, "%s", error);
    char *mgmt = xasprintf("%s/br-int.mgmt", sandbox.dir);
    struct stat st;
    cr_assert_eq(stat(mgmt, &st), 0, "%s missing", mgmt);
    free(mgmt);
}
