/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Proof of the symbol wall around the OVS library ("Linking the OVS
 * library" in docs/architecture.md): this program links the OVS shim, the
 * core library (which defines xmalloc, xasprintf and time_msec, as OVS
 * does) and jansson (whose json_object, json_string... OVS defines too),
 * and uses all three at once.  Before the wall, jansson's calls landed in
 * OVS's functions of the same names.  Skipped unless root (the OVSDB part
 * needs a sandbox).
 */

#include <config.h>

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "aovs-flow.h"
#include "aovs-ovsdb.h"
#include "event-loop.h"
#include "ovs-sandbox.h"
#include "util.h"

TestSuite(ovs_wall, .timeout = 60);

/* Returns the file that defines the code at 'address'. */
static const char *
defining_file(const void *address)
{
    Dl_info info;
    return dladdr(address, &info) && info.dli_fname ? info.dli_fname : "?";
}

/* Builds, prints and parses JSON with jansson, checking every step. */
static void
exercise_jansson(void)
{
    json_t *object = json_object();
    cr_assert_not_null(object);
    cr_assert_eq(json_object_set_new(object, "name", json_string("br-int")),
                 0);
    cr_assert_eq(json_object_set_new(object, "ofport", json_integer(32769)),
                 0);
    json_t *array = json_array();
    cr_assert_eq(json_array_append_new(array, json_real(1.5)), 0);
    cr_assert_eq(json_object_set_new(object, "list", array), 0);

    char *text = json_dumps(object, JSON_SORT_KEYS | JSON_COMPACT);
    cr_assert_str_eq(text, "{\"list\":[1.5],\"name\":\"br-int\","
                     "\"ofport\":32769}");

    json_error_t error;
    json_t *parsed = json_loads(text, 0, &error);
    cr_assert_not_null(parsed, "%s", error.text);
    cr_assert(json_equal(parsed, object));
    cr_assert_str_eq(json_string_value(json_object_get(parsed, "name")),
                     "br-int");
    cr_assert_eq(json_integer_value(json_object_get(parsed, "ofport")),
                 32769);
    free(text);
    json_decref(parsed);
    json_decref(object);
}

Test(ovs_wall, names_resolve_to_their_own_libraries)
{
    /* What this program calls by these names is jansson's... */
    cr_assert(strstr(defining_file((void *) json_string), "libjansson"),
              "json_string comes from %s",
              defining_file((void *) json_string));
    cr_assert(strstr(defining_file((void *) json_object), "libjansson"),
              "json_object comes from %s",
              defining_file((void *) json_object));

    /* ...and the core library's, which OVS's did not replace. */
    char *s = xasprintf("%s-%d", "core", 7);
    cr_assert_str_eq(s, "core-7");
    free(s);
    cr_assert_gt(time_msec(), 0);

    exercise_jansson();

    /* The OVS library inside the shim works too. */
    struct aovs_flow_table *table = aovs_flow_table_create();
    char *error = NULL;
    cr_assert_eq(aovs_flow_table_put(table, aovs_owner(1, 1),
                                     "table=0,priority=1,actions=drop",
                                     &error), 0, "%s", error);
    aovs_flow_table_destroy(table);
}

Test(ovs_wall, ovs_json_and_jansson_side_by_side)
{
    if (!ovs_sandbox_can_run()) {
        cr_skip_test("needs root and the Open vSwitch daemons");
    }
    struct ovs_sandbox sandbox;
    char *error = NULL;
    cr_assert_eq(ovs_sandbox_start(&sandbox, false, &error), 0, "%s",
                 error);

    /* The IDL speaks JSON-RPC with OVS's json_* functions... */
    struct aovs_ovsdb *db;
    cr_assert_eq(aovs_ovsdb_open(sandbox.db_remote, 10000, &db, &error), 0,
                 "%s", error);
    exercise_jansson();
    struct aovs_bridge_settings br = { .name = "br-wall" };
    for (int i = 0; i < 20; i++) {
        char *value = xasprintf("%d", i);
        if (!i) {
            cr_assert_eq(aovs_bridge_ensure(db, &br, &error), 0, "%s",
                         error);
        }
        cr_assert_eq(aovs_bridge_set_external_id(db, "br-wall", "n", value,
                                                 &error), 0, "%s", error);
        /* ...while jansson does its own work in between. */
        exercise_jansson();
        free(value);
    }
    char *value;
    cr_assert_eq(aovs_bridge_get_external_id(db, "br-wall", "n", &value), 0);
    cr_assert_str_eq(value, "19");
    free(value);

    aovs_ovsdb_close(db);
    ovs_sandbox_stop(&sandbox);
}
