/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A YAML document as a read-only tree whose every node remembers where it
 * came from (file, line, column) and its path from the root ("modules[1].
 * config.range"), so that any later check can name the exact place a bad
 * value came from.  Built with libyaml; the typed configuration
 * (agent-config.h) and the plugins' config blocks (through the host API)
 * read it.
 *
 * A tree owns all its nodes and strings; they live until yaml_tree_destroy.
 * struct yaml_node is what the SDK calls 'struct antrea_config_node'.
 */

#ifndef YAML_TREE_H
#define YAML_TREE_H 1

#include <stdbool.h>
#include <stddef.h>

enum yaml_node_type {
    YAML_NODE_SCALAR = 1,   /* values match enum antrea_config_type */
    YAML_NODE_SEQUENCE = 2,
    YAML_NODE_MAPPING = 3,
};

struct yaml_node {
    enum yaml_node_type type;
    const char *file;           /* the source's name, shared by all nodes */
    int line;                   /* 1-based line of the node's start */
    int column;                 /* 1-based column of the node's start */
    char *path;                 /* "" for the root, else e.g. "a.b[2].c" */

    /* YAML_NODE_SCALAR. */
    char *scalar;               /* the text, NUL-terminated */
    bool plain;                 /* unquoted (so "null", "true", numbers are
                                   not strings) */

    /* YAML_NODE_SEQUENCE and YAML_NODE_MAPPING. */
    size_t n;                   /* number of items or pairs */
    struct yaml_node **items;   /* the items, or the pairs' values */
    char **keys;                /* YAML_NODE_MAPPING: the pairs' keys */
    struct yaml_node **key_nodes; /* YAML_NODE_MAPPING: where each key is */
};

struct yaml_tree;

/* Parses the YAML text 'data' ('size' bytes) named 'file' (used in errors).
 * An empty document gives a tree whose root is an empty mapping.  Returns
 * the tree, or NULL with a malloc'd message "FILE:LINE:COLUMN: what is
 * wrong" in '*errorp'.  Anchors and aliases, and mapping keys that are not
 * scalars, are refused; duplicate keys, more than one document, NUL
 * characters in scalars and nesting deeper than 100 levels are errors.
 * Tags are ignored, except that a scalar tagged !!str or ! is a string
 * (not 'plain'). */
struct yaml_tree *yaml_tree_parse(const char *file, const char *data,
                                  size_t size, char **errorp);

/* Reads and parses the file 'file'; errors as yaml_tree_parse, and
 * "FILE: cannot read: <strerror>" if it cannot be read (or is larger than
 * 16 MiB). */
struct yaml_tree *yaml_tree_load(const char *file, char **errorp);

void yaml_tree_destroy(struct yaml_tree *);

/* Returns the root node (never NULL). */
const struct yaml_node *yaml_tree_root(const struct yaml_tree *);

/* Returns the value of 'key' in mapping 'map', or NULL if 'map' is NULL, is
 * not a mapping or lacks the key. */
const struct yaml_node *yaml_node_get(const struct yaml_node *map,
                                      const char *key);

/* Returns true if 'node' is a plain scalar "null" or "~" or "" (YAML's
 * null), or NULL. */
bool yaml_node_is_null(const struct yaml_node *node);

/* Returns a malloc'd "FILE:LINE:COLUMN" for 'node'. */
char *yaml_node_where(const struct yaml_node *node);

#endif /* yaml-tree.h */
