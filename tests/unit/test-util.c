/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Test helpers for loading and running real plugin modules; see
 * test-util.h.
 */

#include <config.h>
#include "test-util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "antrea/plugin.h"
#include "host-api.h"
#include "plugin-loader.h"
#include "util.h"
#include "yaml-tree.h"

struct plugin *
test_load_plugin(const char *name)
{
    struct plugin_path path;
    char *error = NULL;

    plugin_path_init(&path, NULL);
    char *file = plugin_path_find(&path, name, &error);
    plugin_path_destroy(&path);
    cr_assert_not_null(file, "%s (is ANTREA_PLUGIN_PATH set? run the test "
                       "through make check)", error);

    struct plugin *plugin = plugin_load(file, name, &error);
    cr_assert_not_null(plugin, "%s", error);
    free(file);
    return plugin;
}

int
test_plugin_try_start(const char *name, const char *config_yaml,
                      struct test_plugin **tpp)
{
    struct test_plugin *tp = xcalloc(1, sizeof *tp);
    *tpp = tp;

    tp->plugin = test_load_plugin(name);
    tp->host = antrea_host_create(name, NULL, "netdev", "br-int");

    const struct antrea_config_node *config = NULL;
    if (config_yaml) {
        char *error = NULL;
        tp->tree = yaml_tree_parse("test-config.yaml", config_yaml,
                                   strlen(config_yaml), &error);
        cr_assert_not_null(tp->tree, "%s", error);
        config = (const struct antrea_config_node *) yaml_tree_root(tp->tree);
    }

    const struct antrea_plugin_lifecycle *lc = tp->plugin->ops;
    struct antrea_plugin_init_args args = {
        .size = sizeof args,
        .api = host_api_get(),
        .host = tp->host,
        .config = config,
    };
    int error = lc->init ? lc->init(&args, &tp->state) : 0;
    tp->initialized = !error;
    return error;
}

struct test_plugin *
test_plugin_start(const char *name, const char *config_yaml)
{
    struct test_plugin *tp;
    int error = test_plugin_try_start(name, config_yaml, &tp);
    cr_assert_eq(error, 0, "init of module %s failed: %s", name,
                 strerror(error));
    return tp;
}

void
test_plugin_stop(struct test_plugin *tp)
{
    if (!tp) {
        return;
    }
    if (tp->initialized) {
        const struct antrea_plugin_lifecycle *lc = tp->plugin->ops;
        if (lc->fini) {
            lc->fini(tp->state);
        }
    }
    antrea_host_destroy(tp->host);
    plugin_unload(tp->plugin);
    yaml_tree_destroy(tp->tree);
    free(tp);
}

const void *
test_plugin_ops(const struct test_plugin *tp)
{
    return tp->plugin->ops;
}
