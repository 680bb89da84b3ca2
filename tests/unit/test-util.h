/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers for tests that load real plugin modules from the build tree
 * (found through ANTREA_PLUGIN_PATH, which "make check" sets) and run them
 * with the agent's real host API.
 */

#ifndef TEST_UTIL_H
#define TEST_UTIL_H 1

#include <stdbool.h>

struct antrea_host;
struct plugin;
struct yaml_tree;

/* A module loaded and initialised for a test. */
struct test_plugin {
    struct plugin *plugin;          /* the loaded module */
    struct antrea_host *host;       /* its host handle */
    struct yaml_tree *tree;         /* its parsed config block, or NULL */
    void *state;                    /* what its init returned */
    bool initialized;               /* init succeeded: fini is owed */
};

/* Loads module 'name' from ANTREA_PLUGIN_PATH; fails the test if it cannot
 * be loaded. */
struct plugin *test_load_plugin(const char *name);

/* Loads module 'name' and runs its init with the YAML text 'config_yaml'
 * (a mapping, or NULL for no config block) as its config.  Returns init's
 * result (0 or a positive errno value) and the instance in '*tpp' (also on
 * failure, for inspection; then 'initialized' is false). */
int test_plugin_try_start(const char *name, const char *config_yaml,
                          struct test_plugin **tpp);

/* The same, failing the test unless init succeeds. */
struct test_plugin *test_plugin_start(const char *name,
                                      const char *config_yaml);

/* Runs fini if owed, unloads and frees.  Accepts NULL. */
void test_plugin_stop(struct test_plugin *);

/* The ops table of the test plugin, in the agent's full-size copy. */
const void *test_plugin_ops(const struct test_plugin *);

#endif /* test-util.h */
