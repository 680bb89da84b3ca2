/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the plugin loader: each defective module built under
 * tests/unit/bad-plugins is refused with a message naming its file and its
 * defect; a good module loads; the search path is pluginDir, then
 * ANTREA_PLUGIN_PATH.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "antrea/ipam.h"
#include "antrea/tunnel-type.h"
#include "plugin-loader.h"
#include "test-util.h"
#include "util.h"

/* Returns the malloc'd path of defective module 'name'. */
static char *
bad_module(const char *name)
{
    const char *dir = getenv("ANTREA_TEST_BAD_PLUGIN_DIR");
    cr_assert_not_null(dir, "ANTREA_TEST_BAD_PLUGIN_DIR is not set; run "
                       "the test through make check");
    return xasprintf("%s/%s.so", dir, name);
}

/* Loads defective module 'name', expects a refusal whose message names the
 * file and contains 'reason'. */
static void
expect_refusal(const char *name, const char *reason)
{
    char *file = bad_module(name);
    char *error = NULL;
    struct plugin *plugin = plugin_load(file, NULL, &error);

    cr_assert_null(plugin, "%s was loaded but should be refused", file);
    cr_assert_not_null(error);
    char *abs_file = realpath(file, NULL);
    cr_assert_not_null(abs_file, "%s does not exist", file);
    cr_expect(strstr(error, abs_file) != NULL,
              "message does not name the file %s: %s", abs_file, error);
    cr_expect(strstr(error, reason) != NULL,
              "message lacks '%s': %s", reason, error);
    free(abs_file);
    free(error);
    free(file);
}

Test(plugin_loader, refuses_wrong_magic)
{
    expect_refusal("bad-magic", "bad magic 0x7f454c46");
}

Test(plugin_loader, refuses_other_abi_major)
{
    expect_refusal("abi-major", "the ABI major differs");
    char *msg = xasprintf("built for plugin ABI %d.%d",
                          ANTREA_PLUGIN_ABI_MAJOR + 1,
                          ANTREA_PLUGIN_ABI_MINOR);
    expect_refusal("abi-major", msg);
    free(msg);
}

Test(plugin_loader, refuses_newer_abi_minor)
{
    expect_refusal("abi-minor", "newer than this agent's ABI");
}

Test(plugin_loader, refuses_name_that_does_not_match_file)
{
    expect_refusal("name-mismatch", "its descriptor names it "
                   "'not-name-mismatch' but it was loaded as "
                   "'name-mismatch'");
}

Test(plugin_loader, refuses_unknown_kind)
{
    expect_refusal("unknown-kind", "unknown plugin kind 42");
}

Test(plugin_loader, refuses_small_ops_table)
{
    char *msg = xasprintf("ops table of %zu bytes is smaller than the %zu "
                          "bytes a ipam module needs",
                          sizeof (struct antrea_plugin_lifecycle),
                          offsetof(struct antrea_ipam_ops, add_batch));
    expect_refusal("small-ops", msg);
    free(msg);
}

Test(plugin_loader, refuses_small_descriptor)
{
    expect_refusal("small-descriptor", "descriptor of 16 bytes is smaller");
}

Test(plugin_loader, refuses_missing_required_op)
{
    expect_refusal("missing-op", "lacks the required member 'del'");
}

Test(plugin_loader, refuses_module_without_descriptor)
{
    expect_refusal("no-descriptor", "no 'antrea_plugin_descriptor' symbol");
}

Test(plugin_loader, refuses_file_that_is_not_a_shared_object)
{
    const char *srcdir = getenv("abs_top_srcdir");
    cr_assert_not_null(srcdir);
    char *file = xasprintf("%s/tests/unit/bad-plugins/not-a-module.so",
                           srcdir);
    char *error = NULL;
    cr_assert_null(plugin_load(file, NULL, &error));
    cr_expect(strstr(error, "not-a-module.so: cannot load module") != NULL,
              "%s", error);
    free(error);
    free(file);
}

Test(plugin_loader, refuses_missing_file)
{
    char *error = NULL;
    cr_assert_null(plugin_load("/nonexistent/x.so", NULL, &error));
    cr_expect_str_eq(error, "/nonexistent/x.so: cannot load module: "
                     "No such file or directory");
    free(error);
}

Test(plugin_loader, loads_good_module_with_full_size_ops_copy)
{
    struct plugin *plugin = test_load_plugin("geneve");

    cr_expect_str_eq(plugin->name, "geneve");
    cr_expect_eq(plugin->kind, ANTREA_PLUGIN_TUNNEL_TYPE);
    cr_expect_str_eq(plugin_kind_to_string(plugin->kind), "tunnel-type");
    cr_expect(plugin->file[0] == '/', "file is not absolute: %s",
              plugin->file);
    cr_expect(str_ends_with(plugin->file, "/geneve.so"));
    cr_expect_neq(plugin->ops, plugin->descriptor->ops,
                  "the loader must use its own copy of the ops table");
    cr_expect_eq(memcmp(plugin->ops, plugin->descriptor->ops,
                        plugin->descriptor->ops_size), 0);
    const struct antrea_tunnel_type_ops *ops = plugin->ops;
    cr_expect_str_eq(ops->ovs_type, "geneve");
    plugin_unload(plugin);
}

Test(plugin_loader, expected_name_must_match_descriptor)
{
    struct plugin *plugin = test_load_plugin("vxlan");
    char *file = xstrdup(plugin->file);
    plugin_unload(plugin);

    char *error = NULL;
    cr_assert_null(plugin_load(file, "geneve", &error));
    cr_expect(strstr(error, "names it 'vxlan' but it was loaded as "
                     "'geneve'") != NULL, "%s", error);
    free(error);
    free(file);
}

/* Creates the empty file 'name'. */
static void
touch(const char *name)
{
    FILE *f = fopen(name, "w");
    cr_assert_not_null(f, "%s: cannot create", name);
    fclose(f);
}

Test(plugin_path, plugin_dir_comes_before_environment)
{
    char dir1[] = "/tmp/antrea-test-path1-XXXXXX";
    char dir2[] = "/tmp/antrea-test-path2-XXXXXX";
    cr_assert_not_null(mkdtemp(dir1));
    cr_assert_not_null(mkdtemp(dir2));
    char *in1 = xasprintf("%s/m.so", dir1);
    char *in2 = xasprintf("%s/m.so", dir2);
    char *only2 = xasprintf("%s/n.so", dir2);
    touch(in1);
    touch(in2);
    touch(only2);

    cr_assert_eq(setenv("ANTREA_PLUGIN_PATH", dir2, 1), 0);
    struct plugin_path path;
    plugin_path_init(&path, dir1);
    cr_assert_eq(path.n, 2);

    char *error = NULL;
    char *found = plugin_path_find(&path, "m", &error);
    cr_expect_str_eq(found, in1);
    free(found);
    found = plugin_path_find(&path, "n", &error);
    cr_expect_str_eq(found, only2);
    free(found);

    cr_expect_null(plugin_path_find(&path, "absent", &error));
    char *expected = xasprintf("module 'absent' not found: no absent.so in "
                               "%s, %s", dir1, dir2);
    cr_expect_str_eq(error, expected);
    free(expected);
    free(error);

    cr_expect_null(plugin_path_find(&path, "../m", &error));
    cr_expect(strstr(error, "may not be empty or contain '/'") != NULL);
    free(error);

    plugin_path_destroy(&path);
    unlink(in1);
    unlink(in2);
    unlink(only2);
    rmdir(dir1);
    rmdir(dir2);
    free(in1);
    free(in2);
    free(only2);
}

Test(plugin_path, empty_path_says_so)
{
    cr_assert_eq(unsetenv("ANTREA_PLUGIN_PATH"), 0);
    struct plugin_path path;
    plugin_path_init(&path, "");
    cr_assert_eq(path.n, 0);
    char *error = NULL;
    cr_expect_null(plugin_path_find(&path, "encap", &error));
    cr_expect(strstr(error, "pluginDir is empty and ANTREA_PLUGIN_PATH is "
                     "unset") != NULL, "%s", error);
    free(error);
    plugin_path_destroy(&path);
}
