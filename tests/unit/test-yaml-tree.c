/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the position-annotated YAML tree (core/lib/yaml-tree.c): node
 * shapes, positions and paths, the YAML-level rules (one document, no
 * anchors, scalar unique keys), error positions, and that no input at all
 * can crash it.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml-tree.h"

/* Parses the NUL-terminated 'text' as "t.yaml"; fails the test on error. */
static struct yaml_tree *
parse_ok(const char *text)
{
    char *error = NULL;
    struct yaml_tree *tree = yaml_tree_parse("t.yaml", text, strlen(text),
                                             &error);
    cr_assert_not_null(tree, "unexpected error: %s", error);
    cr_assert_null(error);
    return tree;
}

/* Parses 'text' as "t.yaml", expecting failure; returns the error. */
static char *
parse_error(const char *text)
{
    char *error = NULL;
    struct yaml_tree *tree = yaml_tree_parse("t.yaml", text, strlen(text),
                                             &error);
    cr_assert_null(tree, "'%s' parsed but should not", text);
    cr_assert_not_null(error);
    return error;
}

/* Asserts that parsing 'text' fails with exactly 'expected'. */
static void
assert_parse_error(const char *text, const char *expected)
{
    char *error = parse_error(text);
    cr_assert_str_eq(error, expected);
    free(error);
}

/* Returns the path of ANTREA_TEST_DATA_DIR's file 'name', malloc'd. */
static char *
data_file(const char *name)
{
    const char *dir = getenv("ANTREA_TEST_DATA_DIR");
    cr_assert_not_null(dir, "set ANTREA_TEST_DATA_DIR to tests/unit/data");

    char *path = malloc(strlen(dir) + strlen(name) + 2);
    cr_assert_not_null(path);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

/* Reads all of 'path' into a malloc'd buffer, its size in '*sizep'. */
static char *
read_all(const char *path, size_t *sizep)
{
    FILE *stream = fopen(path, "rb");
    cr_assert_not_null(stream, "cannot open %s", path);

    size_t size = 0, allocated = 1024;
    char *data = malloc(allocated);
    size_t n;
    while ((n = fread(data + size, 1, allocated - size, stream)) > 0) {
        size += n;
        if (size == allocated) {
            allocated *= 2;
            data = realloc(data, allocated);
        }
    }
    fclose(stream);
    *sizep = size;
    return data;
}

Test(yaml_tree, nodes_positions_and_paths)
{
    struct yaml_tree *tree = parse_ok(
        "ovsBridge: br-int\n"                     /* line 1 */
        "modules:\n"                              /* line 2 */
        "  - name: a\n"                           /* line 3 */
        "  - name: b\n"                           /* line 4 */
        "    config:\n"                           /* line 5 */
        "      range: 10.0.0.0/8\n"               /* line 6 */
        "      list: [x, 'y']\n");                /* line 7 */
    const struct yaml_node *root = yaml_tree_root(tree);

    cr_assert_eq(root->type, YAML_NODE_MAPPING);
    cr_assert_str_eq(root->path, "");
    cr_assert_eq(root->n, 2);
    cr_assert_str_eq(root->keys[0], "ovsBridge");
    cr_assert_eq(root->key_nodes[0]->line, 1);
    cr_assert_eq(root->key_nodes[0]->column, 1);

    const struct yaml_node *bridge = yaml_node_get(root, "ovsBridge");
    cr_assert_eq(bridge->type, YAML_NODE_SCALAR);
    cr_assert_str_eq(bridge->scalar, "br-int");
    cr_assert_eq(bridge->line, 1);
    cr_assert_eq(bridge->column, 12);
    cr_assert_str_eq(bridge->path, "ovsBridge");

    const struct yaml_node *modules = yaml_node_get(root, "modules");
    cr_assert_eq(modules->type, YAML_NODE_SEQUENCE);
    cr_assert_eq(modules->n, 2);
    cr_assert_str_eq(modules->path, "modules");
    cr_assert_eq(modules->line, 3);

    const struct yaml_node *second = modules->items[1];
    cr_assert_eq(second->type, YAML_NODE_MAPPING);
    cr_assert_str_eq(second->path, "modules[1]");
    cr_assert_eq(second->line, 4);
    cr_assert_eq(second->column, 5);

    const struct yaml_node *config = yaml_node_get(second, "config");
    cr_assert_eq(config->type, YAML_NODE_MAPPING);
    cr_assert_eq(config->line, 6);
    cr_assert_eq(config->column, 7);
    cr_assert_str_eq(config->path, "modules[1].config");

    const struct yaml_node *range = yaml_node_get(config, "range");
    cr_assert_str_eq(range->path, "modules[1].config.range");
    cr_assert_str_eq(range->scalar, "10.0.0.0/8");
    cr_assert_eq(range->line, 6);
    cr_assert_eq(range->column, 14);

    const struct yaml_node *list = yaml_node_get(config, "list");
    cr_assert_eq(list->type, YAML_NODE_SEQUENCE);
    cr_assert_eq(list->n, 2);
    cr_assert_str_eq(list->items[1]->path, "modules[1].config.list[1]");
    cr_assert(list->items[0]->plain);
    cr_assert_not(list->items[1]->plain);
    cr_assert_eq(list->items[1]->column, 17);

    char *where = yaml_node_where(range);
    cr_assert_str_eq(where, "t.yaml:6:14");
    free(where);

    /* All nodes name the same source. */
    cr_assert_str_eq(range->file, "t.yaml");
    cr_assert_eq(range->file, root->file);

    yaml_tree_destroy(tree);
}

Test(yaml_tree, odd_keys_are_quoted_in_paths)
{
    struct yaml_tree *tree = parse_ok("\"a.b\":\n  \"c[0]\": 1\n  d: 2\n");
    const struct yaml_node *ab = yaml_node_get(yaml_tree_root(tree), "a.b");

    cr_assert_not_null(ab);
    cr_assert_str_eq(ab->path, "\"a.b\"");
    cr_assert_str_eq(yaml_node_get(ab, "c[0]")->path, "\"a.b\".\"c[0]\"");
    cr_assert_str_eq(yaml_node_get(ab, "d")->path, "\"a.b\".d");
    yaml_tree_destroy(tree);
}

Test(yaml_tree, get_on_non_mappings_and_missing_keys)
{
    struct yaml_tree *tree = parse_ok("a: [1]\nb: x\n");
    const struct yaml_node *root = yaml_tree_root(tree);

    cr_assert_null(yaml_node_get(root, "c"));
    cr_assert_null(yaml_node_get(yaml_node_get(root, "a"), "0"));
    cr_assert_null(yaml_node_get(yaml_node_get(root, "b"), "x"));
    cr_assert_null(yaml_node_get(NULL, "a"));
    yaml_tree_destroy(tree);
}

Test(yaml_tree, empty_documents_are_empty_mappings)
{
    static const char *const inputs[] = {
        "", "\n\n", "# only a comment\n  # and another\n", "---\n",
        "--- ~\n", "null\n",
    };

    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        struct yaml_tree *tree = parse_ok(inputs[i]);
        const struct yaml_node *root = yaml_tree_root(tree);
        cr_assert_eq(root->type, YAML_NODE_MAPPING, "input %zu", i);
        cr_assert_eq(root->n, 0, "input %zu", i);
        cr_assert_str_eq(root->path, "");
        cr_assert_geq(root->line, 1);
        yaml_tree_destroy(tree);
    }
}

Test(yaml_tree, root_may_be_any_node)
{
    /* Whether the top level must be a mapping is the config's rule. */
    struct yaml_tree *tree = parse_ok("- a\n- b\n");
    cr_assert_eq(yaml_tree_root(tree)->type, YAML_NODE_SEQUENCE);
    cr_assert_eq(yaml_tree_root(tree)->n, 2);
    yaml_tree_destroy(tree);

    tree = parse_ok("just text\n");
    cr_assert_eq(yaml_tree_root(tree)->type, YAML_NODE_SCALAR);
    cr_assert_str_eq(yaml_tree_root(tree)->scalar, "just text");
    yaml_tree_destroy(tree);
}

Test(yaml_tree, null_plain_and_quoted)
{
    struct yaml_tree *tree = parse_ok(
        "a:\nb: ~\nc: null\nd: \"\"\ne: 'null'\nf: NULL\ng: nil\n"
        "h: !!str null\n");
    const struct yaml_node *root = yaml_tree_root(tree);

    cr_assert(yaml_node_is_null(yaml_node_get(root, "a")));
    cr_assert(yaml_node_is_null(yaml_node_get(root, "b")));
    cr_assert(yaml_node_is_null(yaml_node_get(root, "c")));
    cr_assert_not(yaml_node_is_null(yaml_node_get(root, "d")));
    cr_assert_not(yaml_node_is_null(yaml_node_get(root, "e")));
    cr_assert(yaml_node_is_null(yaml_node_get(root, "f")));
    cr_assert_not(yaml_node_is_null(yaml_node_get(root, "g")));
    cr_assert_not(yaml_node_is_null(yaml_node_get(root, "h")));
    cr_assert(yaml_node_is_null(yaml_node_get(root, "missing")));
    cr_assert_not(yaml_node_is_null(root));

    cr_assert(yaml_node_get(root, "a")->plain);
    cr_assert_not(yaml_node_get(root, "d")->plain);
    cr_assert_not(yaml_node_get(root, "h")->plain);
    yaml_tree_destroy(tree);
}

Test(yaml_tree, syntax_errors_name_file_line_and_column)
{
    assert_parse_error("a: 1\nb: 2\nc: d: e\n",
                       "t.yaml:3:5: mapping values are not allowed in this "
                       "context");
    assert_parse_error("a: b\n c: d\n",
                       "t.yaml:2:3: mapping values are not allowed in this "
                       "context");
    assert_parse_error("a:\n  b: 1\n c: 2\n",
                       "t.yaml:3:2: did not find expected key (while "
                       "parsing a block mapping that started at line 1)");
    assert_parse_error("a: [1, 2\n",
                       "t.yaml:2:1: did not find expected ',' or ']' (while "
                       "parsing a flow sequence that started at line 1)");
    assert_parse_error("x: 1\na: \"open\n",
                       "t.yaml:3:1: found unexpected end of stream (while "
                       "scanning a quoted scalar that started at line 2)");
}

Test(yaml_tree, reader_errors_have_a_position)
{
    static const char bad_utf8[] = "a: 1\nb: x\xff\n";
    char *error = parse_error(bad_utf8);
    cr_assert_str_eq(error,
                     "t.yaml:2:5: invalid leading UTF-8 octet (byte 0xff)");
    free(error);
}

Test(yaml_tree, only_one_document)
{
    assert_parse_error("a: 1\n---\nb: 2\n",
                       "t.yaml:2:1: only one YAML document is allowed");
    assert_parse_error("---\na: 1\n...\n---\na: 2\n",
                       "t.yaml:4:1: only one YAML document is allowed");

    /* An explicit end of the one document is fine. */
    yaml_tree_destroy(parse_ok("---\na: 1\n...\n"));
}

Test(yaml_tree, anchors_and_aliases_are_refused)
{
    assert_parse_error("a: &x 1\nb: 2\n",
                       "t.yaml:1:4: anchors (&x) are not supported");
    assert_parse_error("a: 1\nb: *x\n",
                       "t.yaml:2:4: aliases (*x) are not supported");
    assert_parse_error("base: &b {x: 1}\n",
                       "t.yaml:1:7: anchors (&b) are not supported");
    assert_parse_error("a: 1\n*k : 2\n",
                       "t.yaml:2:1: aliases (*k) are not supported");
    assert_parse_error("&k a: 2\n",
                       "t.yaml:1:1: anchors (&k) are not supported");
}

Test(yaml_tree, keys_must_be_scalars)
{
    assert_parse_error("{[a]: 1}\n",
                       "t.yaml:1:2: mapping keys must be scalars, not "
                       "sequences");
    assert_parse_error("a: 1\n? {b: 1}\n: 2\n",
                       "t.yaml:2:3: mapping keys must be scalars, not "
                       "mappings");
}

Test(yaml_tree, duplicate_keys)
{
    assert_parse_error("ovsBridge: a\nhostGateway: g\novsBridge: b\n",
                       "t.yaml:3:1: duplicate key 'ovsBridge' (first at "
                       "line 1)");
    assert_parse_error("a:\n  c: 1\n  d: 1\n  c: 2\n  d: 2\n",
                       "t.yaml:4:3: duplicate key 'c' (first at line 2)");
    assert_parse_error("{x: 1, y: 2, x: 3}\n",
                       "t.yaml:1:14: duplicate key 'x' (first at line 1)");

    /* The same key in different mappings is not a duplicate. */
    yaml_tree_destroy(parse_ok("a: {x: 1}\nb: {x: 1}\n"));
}

Test(yaml_tree, nul_in_a_value_is_refused)
{
    assert_parse_error("a: \"x\\0y\"\n",
                       "t.yaml:1:4: NUL characters are not allowed in "
                       "values");
}

Test(yaml_tree, deep_nesting_is_refused_not_a_crash)
{
    size_t depth = 100000;
    char *text = malloc(2 * depth + 1);
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    text[2 * depth] = '\0';

    char *error = parse_error(text);
    cr_assert(strstr(error, "nesting too deep"), "%s", error);
    cr_assert(!strncmp(error, "t.yaml:1:", 9), "%s", error);
    free(error);
    free(text);

    /* Moderate nesting is fine. */
    yaml_tree_destroy(parse_ok("a: [[[[[[[[[[1]]]]]]]]]]\n"));
}

Test(yaml_tree, load_reads_files_and_names_unreadable_ones)
{
    char *path = data_file("agent-full.conf");
    char *error = NULL;
    struct yaml_tree *tree = yaml_tree_load(path, &error);

    cr_assert_not_null(tree, "%s", error);
    const struct yaml_node *bridge = yaml_node_get(yaml_tree_root(tree),
                                                   "ovsBridge");
    cr_assert_not_null(bridge);
    cr_assert_str_eq(bridge->file, path);
    yaml_tree_destroy(tree);
    free(path);

    tree = yaml_tree_load("/nonexistent/antrea-agent.conf", &error);
    cr_assert_null(tree);
    cr_assert_str_eq(error, "/nonexistent/antrea-agent.conf: cannot read: "
                     "No such file or directory");
    free(error);

    tree = yaml_tree_load("/", &error);
    cr_assert_null(tree);
    cr_assert_str_eq(error, "/: cannot read: Is a directory");
    free(error);
}

/* Parses 'size' bytes of 'data' and checks the contract: a tree or an error
 * naming the file, never both, never neither. */
static void
parse_anything(const char *data, size_t size, const char *what, size_t i)
{
    char *error = NULL;
    struct yaml_tree *tree = yaml_tree_parse("fuzz.yaml", data, size,
                                             &error);
    if (tree) {
        cr_assert_null(error, "%s %zu", what, i);
        cr_assert_not_null(yaml_tree_root(tree), "%s %zu", what, i);
        yaml_tree_destroy(tree);
    } else {
        cr_assert_not_null(error, "%s %zu", what, i);
        cr_assert(!strncmp(error, "fuzz.yaml:", 10), "%s %zu: %s", what, i,
                  error);
        free(error);
    }
}

Test(yaml_tree, never_crashes_on_truncated_or_garbled_input)
{
    size_t size;
    char *path = data_file("agent-full.conf");
    char *data = read_all(path, &size);
    free(path);

    /* Every prefix of a valid file.  (A copy of exactly the prefix, so
     * that a read past its end is caught by the sanitizers.) */
    for (size_t i = 0; i <= size; i++) {
        char *prefix = malloc(i ? i : 1);
        memcpy(prefix, data, i);
        parse_anything(prefix, i, "prefix", i);
        free(prefix);
    }

    /* Deterministically garbled copies: bytes replaced by YAML's special
     * characters, control bytes and invalid UTF-8. */
    static const char specials[] = ":-?[]{},&*!|>'\"%@`#\t\n \x01\x80\xff";
    uint32_t seed = 12345;
    char *copy = malloc(size);
    for (size_t i = 0; i < 2000; i++) {
        memcpy(copy, data, size);
        int n_changes = 1 + i % 4;
        for (int j = 0; j < n_changes; j++) {
            seed = seed * 1103515245 + 12345;
            size_t pos = (seed >> 8) % size;
            seed = seed * 1103515245 + 12345;
            copy[pos] = specials[(seed >> 8) % (sizeof specials - 1)];
        }
        parse_anything(copy, size, "garbled copy", i);
    }
    free(copy);
    free(data);
}
