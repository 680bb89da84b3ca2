/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A table-driven decoder from a YAML tree (yaml-tree.h) into a C struct,
 * shared by the agent's and the controller's configurations.  A schema is
 * a static table with one row per key: its YAML name, its type (and
 * range, allowed values, nested table...), its default as YAML text, where
 * its value goes in the struct and a line of documentation.  The same
 * table drives parsing, defaults, the unknown-key check and the Markdown
 * reference in docs/configuration.md, so they cannot drift apart.
 *
 * This file also defines the value types both configurations share.
 *
 * Decoding owns nothing of the tree: strings are copied into the struct,
 * and CONFIG_NODE members point into the tree, which must outlive them.
 */

#ifndef CONFIG_SCHEMA_H
#define CONFIG_SCHEMA_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct diag;
struct yaml_node;
struct yaml_tree;

/* A Kubernetes client connection (clientConnection and
 * antreaClientConnection). */
struct client_connection_config {
    char *kubeconfig;               /* "" = in-cluster */
    char *accept_content_types;     /* "" */
    char *content_type;             /* "" = the client's default */
    double qps;                     /* 5 */
    int burst;                      /* 10 */
};

/* A feature gate set in the YAML. */
struct feature_gate {
    char *name;                     /* a known gate, e.g. "AntreaProxy" */
    bool enabled;                   /* its value in the YAML */
};

/* A feature gate a program knows, for a CONFIG_FEATURE_GATES key. */
struct feature_gate_spec {
    const char *name;               /* e.g. "AntreaProxy"; NULL ends a list */
    bool dflt;                      /* enabled when the YAML does not say */
    const char *doc;                /* one line for the reference */
};

/* What a key holds, and so how its YAML value is checked and stored.  A
 * YAML null (an empty value, "~" or "null") always means "the default". */
enum config_type {
    CONFIG_STRING,          /* char *: any scalar's text */
    CONFIG_BOOL,            /* bool: a plain true or false */
    CONFIG_INT,             /* int: a plain integer in min..max (or 0 if
                               'zero_ok') */
    CONFIG_UINT16,          /* uint16_t: a plain integer in min..max */
    CONFIG_DOUBLE,          /* double: a plain number, finite, >= 0 */
    CONFIG_CIDR4,           /* struct antrea_prefix: an IPv4 CIDR, stored
                               as the network address; "" leaves the
                               family 0 if the default is "" */
    CONFIG_CIDR6,           /* struct antrea_prefix: the same for IPv6 */
    CONFIG_ENUM,            /* char *: one of 'values', matched without
                               regard to case, stored as spelled there */
    CONFIG_MODULE_NAME,     /* char *: [a-z0-9][a-z0-9_-]* */
    CONFIG_FEATURE_GATES,   /* struct feature_gate *, count at
                               'count_offset': a mapping from the gates of
                               'gates' to booleans */
    CONFIG_MAPPING,         /* a struct at 'offset', described by
                               'schema' */
    CONFIG_LIST,            /* an array of 'schema' structs, count at
                               'count_offset': a sequence of mappings */
    CONFIG_NODE,            /* const struct yaml_node *: a mapping of any
                               content, kept as the tree's node */
};

struct config_schema;

/* One key of a schema. */
struct config_key {
    const char *name;           /* the YAML key */
    enum config_type type;      /* what it holds */
    const char *dflt;           /* the default, as YAML text; NULL for
                                   none (the member stays zero or NULL) */
    const char *dflt_doc;       /* the default as documented, if not
                                   'dflt' (e.g. a build-time path) */
    size_t offset;              /* of the value in the struct */
    size_t count_offset;        /* CONFIG_FEATURE_GATES, CONFIG_LIST: of
                                   the size_t number of entries */
    bool has_node;              /* record where the key was set? */
    size_t node_offset;         /* if so, of a 'const struct yaml_node *'
                                   set to the value when the key is
                                   present and not null */
    bool required;              /* missing or null is an error */
    bool nonempty;              /* string types: "" is an error */
    long long min, max;         /* CONFIG_INT, CONFIG_UINT16: the range */
    bool zero_ok;               /* CONFIG_INT: 0 ("automatic") is also
                                   allowed */
    const char *const *values;  /* CONFIG_ENUM: the allowed values,
                                   NULL-terminated */
    const struct feature_gate_spec *gates; /* CONFIG_FEATURE_GATES: the
                                              known gates */
    const struct config_schema *schema; /* CONFIG_MAPPING, CONFIG_LIST */
    const char *doc;            /* one line for the reference */
};

/* The keys of one mapping, and the struct they decode into. */
struct config_schema {
    const struct config_key *keys;  /* the keys, in documentation order */
    size_t n_keys;                  /* number of 'keys' */
    size_t size;                    /* sizeof the struct (for lists) */
    bool has_node;                  /* record the mapping's own node? */
    size_t node_offset;             /* if so, of its 'const struct
                                       yaml_node *' */
};

/* The keys of a Kubernetes client connection (struct
 * client_connection_config), for CONFIG_MAPPING keys. */
extern const struct config_schema client_connection_schema;

/* Decodes mapping 'map' (which may be NULL or null: all defaults) into the
 * zeroed struct 'base' according to 'schema': sets every default, then
 * every key present.  Every problem is added to 'diag', and decoding goes
 * on past it.  Whatever was stored must be freed with config_schema_free,
 * even after errors. */
void config_schema_parse(const struct config_schema *schema,
                         const struct yaml_node *map, void *base,
                         struct diag *diag);

/* Decodes the document of 'tree' into the zeroed struct 'base' as
 * config_schema_parse does; its top level must be a mapping (otherwise
 * that is an error, and 'base' gets the defaults). */
void config_schema_parse_document(const struct config_schema *schema,
                                  const struct yaml_tree *tree, void *base,
                                  struct diag *diag);

/* Frees what config_schema_parse stored in 'base' (not 'base' itself). */
void config_schema_free(const struct config_schema *schema, void *base);

/* Reads a config file's YAML: the text 'data' ('size' bytes) named 'file',
 * or, if 'data' is NULL, the file 'file' itself.  Returns the tree, or NULL
 * after adding the reason ("FILE:LINE:COLUMN: ...", or "FILE: cannot
 * read: ...") to 'diag'. */
struct yaml_tree *config_schema_read(const char *file, const char *data,
                                     size_t size, struct diag *diag);

/* Writes the Markdown reference table of 'schema' to 'stream': one row per
 * key (key, type, default, meaning), nested keys as "parent.key". */
void config_schema_print_reference(const struct config_schema *schema,
                                   FILE *stream);

/* Returns whether the gate 'name' of 'specs' is enabled: as set among the
 * 'n' gates of 'gates', else by default.  Unknown names are disabled. */
bool config_feature_enabled(const struct feature_gate_spec *specs,
                            const struct feature_gate *gates, size_t n,
                            const char *name);

#endif /* config-schema.h */
