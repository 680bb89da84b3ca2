/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The table-driven config decoder; see config-schema.h.  Each type has one
 * decoder from a YAML node into its struct member, used both for the
 * values in the file and for the defaults (which are YAML text too, so a
 * default is checked exactly like a user's value), one description for
 * error messages and one for the reference.
 */

#include <config.h>
#include "config-schema.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "antrea/net-types.h"
#include "diag.h"
#include "util.h"
#include "yaml-tree.h"

static void set_defaults(const struct config_schema *, void *base);
static void parse_keys(const struct config_schema *,
                       const struct yaml_node *map, void *base,
                       struct diag *);

/* The keys of a Kubernetes client connection (Kubernetes'
 * ClientConnectionConfiguration). */
#define CONN_KEY(MEMBER) \
    .offset = offsetof(struct client_connection_config, MEMBER)
static const struct config_key connection_keys[] = {
    { .name = "kubeconfig", .type = CONFIG_STRING, .dflt = "",
      CONN_KEY(kubeconfig),
      .doc = "Path of a kubeconfig file; empty means in-cluster access "
      "with the Pod's ServiceAccount." },
    { .name = "acceptContentTypes", .type = CONFIG_STRING, .dflt = "",
      CONN_KEY(accept_content_types),
      .doc = "The HTTP Accept header sent to the server; empty means the "
      "client's default." },
    { .name = "contentType", .type = CONFIG_STRING, .dflt = "",
      CONN_KEY(content_type),
      .doc = "The content type of requests sent to the server; empty means "
      "the client's default." },
    { .name = "qps", .type = CONFIG_DOUBLE, .dflt = "5", CONN_KEY(qps),
      .doc = "Sustained requests per second allowed to the server." },
    { .name = "burst", .type = CONFIG_INT, .dflt = "10", .min = 0,
      .max = 1000000, CONN_KEY(burst),
      .doc = "Requests allowed above 'qps' in a burst." },
};
const struct config_schema client_connection_schema = {
    .keys = connection_keys,
    .n_keys = ARRAY_SIZE(connection_keys),
    .size = sizeof(struct client_connection_config),
};

/* Returns the member at 'offset' of the struct at 'base'. */
static void *
member(void *base, size_t offset)
{
    return (char *) base + offset;
}

/* Returns a malloc'd description of what 'key' expects, for errors. */
static char *
describe_expected(const struct config_key *key)
{
    switch (key->type) {
    case CONFIG_STRING:
        return xstrdup(key->nonempty ? "a non-empty string" : "a string");
    case CONFIG_BOOL:
        return xstrdup("true or false");
    case CONFIG_INT:
    case CONFIG_UINT16:
        return xasprintf("%san integer from %lld to %lld",
                         key->zero_ok ? "0 or " : "", key->min, key->max);
    case CONFIG_DOUBLE:
        return xstrdup("a number of 0 or more");
    case CONFIG_CIDR4:
        return xstrdup("an IPv4 CIDR such as 10.96.0.0/12");
    case CONFIG_CIDR6:
        return xstrdup("an IPv6 CIDR such as fd00:10:96::/112");
    case CONFIG_ENUM: {
        size_t length = 0;
        for (const char *const *v = key->values; *v; v++) {
            length += strlen(*v) + 4;
        }
        char *s = xmalloc(length + sizeof "one of ");
        strcpy(s, "one of ");
        for (const char *const *v = key->values; *v; v++) {
            strcat(s, v == key->values ? "" : ", ");
            strcat(s, **v ? *v : "\"\"");
        }
        return s;
    }
    case CONFIG_MODULE_NAME:
        return xstrdup("a module name (lowercase letters, digits, '-' and "
                       "'_', starting with a letter or digit)");
    case CONFIG_FEATURE_GATES:
        return xstrdup("a mapping of feature gates to true or false");
    case CONFIG_MAPPING:
    case CONFIG_NODE:
        return xstrdup("a mapping");
    case CONFIG_LIST:
        return xstrdup("a sequence of mappings");
    default:
        abort();
    }
}

/* Adds "expected ..., got ..." for 'node', the value of 'key', to 'diag'. */
static void
type_error(const struct config_key *key, const struct yaml_node *node,
           struct diag *diag)
{
    char *expected = describe_expected(key);
    if (node->type == YAML_NODE_MAPPING) {
        diag_add_at(diag, node, "expected %s, got a mapping", expected);
    } else if (node->type == YAML_NODE_SEQUENCE) {
        diag_add_at(diag, node, "expected %s, got a sequence", expected);
    } else if (!node->plain && (key->type == CONFIG_BOOL
                                || key->type == CONFIG_INT
                                || key->type == CONFIG_UINT16
                                || key->type == CONFIG_DOUBLE)) {
        diag_add_at(diag, node, "expected %s, got the quoted string '%s' "
                    "(remove the quotes)", expected, node->scalar);
    } else {
        diag_add_at(diag, node, "expected %s, got '%s'", expected,
                    node->scalar);
    }
    free(expected);
}

/* Parses 'text' as a plain decimal integer into '*valuep'.  Returns false
 * if it is not one. */
static bool
parse_integer(const char *text, long long *valuep)
{
    const char *digits = text + (text[0] == '-' || text[0] == '+');
    if (!*digits || strspn(digits, "0123456789") != strlen(digits)) {
        return false;
    }
    errno = 0;
    *valuep = strtoll(text, NULL, 10);
    return errno != ERANGE;
}

/* Parses 'text' as a plain decimal number into '*valuep'.  Returns false if
 * it is not one (infinities and NaN are not). */
static bool
parse_number(const char *text, double *valuep)
{
    if (!text[0] || strspn(text, "0123456789.eE+-") != strlen(text)) {
        return false;
    }
    char *end;
    errno = 0;
    *valuep = strtod(text, &end);
    return !*end && errno != ERANGE && isfinite(*valuep);
}

/* Parses 'text' as a CIDR of 'family' into '*prefix', keeping only the
 * network part of the address (as Go's net.ParseCIDR does).  Returns false
 * if it is not one. */
static bool
parse_cidr(const char *text, int family, struct antrea_prefix *prefix)
{
    const char *slash = strchr(text, '/');
    int max_length = family == AF_INET ? 32 : 128;
    long long length;
    char address[INET6_ADDRSTRLEN];
    uint8_t bytes[16];

    if (!slash || (size_t) (slash - text) >= sizeof address
        || !parse_integer(slash + 1, &length)
        || !(slash[1] >= '0' && slash[1] <= '9')
        || length < 0 || length > max_length) {
        return false;
    }
    memcpy(address, text, slash - text);
    address[slash - text] = '\0';
    memset(bytes, 0, sizeof bytes);
    if (inet_pton(family, address, bytes) != 1) {
        return false;
    }

    memset(prefix, 0, sizeof *prefix);
    prefix->ip.family = family;
    prefix->length = length;
    for (int i = 0; i < max_length / 8; i++) {
        int bits = (int) length - 8 * i;
        uint8_t mask = (bits >= 8 ? 0xff
                        : bits <= 0 ? 0
                        : (uint8_t) (0xff << (8 - bits)));
        prefix->ip.bytes[i] = bytes[i] & mask;
    }
    return true;
}

/* Returns true if 'text' is a valid module name. */
static bool
is_module_name(const char *text)
{
    static const char first[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    static const char rest[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";

    return (text[0] && strchr(first, text[0])
            && strspn(text, rest) == strlen(text));
}

/* Parses scalar 'node' as a YAML 1.2 boolean into '*valuep'.  Returns false
 * if it is not one: quoted strings and YAML 1.1's yes/no/on/off are not. */
static bool
parse_bool(const struct yaml_node *node, bool *valuep)
{
    static const char *const trues[] = { "true", "True", "TRUE" };
    static const char *const falses[] = { "false", "False", "FALSE" };

    if (node->type != YAML_NODE_SCALAR || !node->plain) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(trues); i++) {
        if (!strcmp(node->scalar, trues[i])) {
            *valuep = true;
            return true;
        } else if (!strcmp(node->scalar, falses[i])) {
            *valuep = false;
            return true;
        }
    }
    return false;
}

/* Stores a copy of 'text' in the string member 'field', freeing what was
 * there. */
static void
set_string(char **field, const char *text)
{
    free(*field);
    *field = xstrdup(text);
}

/* Decodes the feature-gate mapping 'node' of 'key' into 'base'. */
static void
parse_feature_gates(const struct config_key *key,
                    const struct yaml_node *node, void *base,
                    struct diag *diag)
{
    struct feature_gate **gatesp = member(base, key->offset);
    size_t *np = member(base, key->count_offset);

    for (size_t i = 0; i < node->n; i++) {
        const struct yaml_node *key_node = node->key_nodes[i];
        const struct yaml_node *value = node->items[i];
        const char *name = node->keys[i];

        const struct feature_gate_spec *spec;
        for (spec = key->gates; spec->name; spec++) {
            if (!strcmp(spec->name, name)) {
                break;
            }
        }
        if (!spec->name) {
            diag_add_at(diag, key_node, "unknown feature gate '%s'", name);
            continue;
        }
        if (yaml_node_is_null(value)) {
            continue;
        }

        bool enabled;
        if (!parse_bool(value, &enabled)) {
            static const struct config_key bool_key = {
                .type = CONFIG_BOOL,
            };
            type_error(&bool_key, value, diag);
            continue;
        }

        *gatesp = xrealloc(*gatesp, (*np + 1) * sizeof **gatesp);
        (*gatesp)[*np].name = xstrdup(spec->name);
        (*gatesp)[*np].enabled = enabled;
        (*np)++;
    }
}

/* Decodes the sequence 'node' of list 'key' into 'base'. */
static void
parse_list(const struct config_key *key, const struct yaml_node *node,
           void *base, struct diag *diag)
{
    void **arrayp = member(base, key->offset);
    size_t *np = member(base, key->count_offset);
    const struct config_schema *schema = key->schema;

    *arrayp = xcalloc(node->n, schema->size);
    *np = node->n;
    for (size_t i = 0; i < node->n; i++) {
        void *elem = member(*arrayp, i * schema->size);
        const struct yaml_node *item = node->items[i];

        set_defaults(schema, elem);
        if (schema->has_node) {
            const struct yaml_node **nodep = member(elem,
                                                    schema->node_offset);
            *nodep = item;
        }
        if (item->type != YAML_NODE_MAPPING) {
            type_error(&(const struct config_key) {
                    .type = CONFIG_MAPPING }, item, diag);
        } else {
            parse_keys(schema, item, elem, diag);
        }
    }
}

/* Decodes 'node', the non-null value of 'key', into 'base'.  Problems go
 * to 'diag'. */
static void
parse_value(const struct config_key *key, const struct yaml_node *node,
            void *base, struct diag *diag)
{
    void *field = member(base, key->offset);

    /* Compound types. */
    switch (key->type) {
    case CONFIG_FEATURE_GATES:
    case CONFIG_MAPPING:
    case CONFIG_NODE:
        if (node->type != YAML_NODE_MAPPING) {
            type_error(key, node, diag);
        } else if (key->type == CONFIG_FEATURE_GATES) {
            parse_feature_gates(key, node, base, diag);
        } else if (key->type == CONFIG_MAPPING) {
            parse_keys(key->schema, node, field, diag);
        } else {
            const struct yaml_node **nodep = field;
            *nodep = node;
        }
        return;

    case CONFIG_LIST:
        if (node->type != YAML_NODE_SEQUENCE) {
            type_error(key, node, diag);
        } else {
            parse_list(key, node, base, diag);
        }
        return;

    case CONFIG_STRING:
    case CONFIG_BOOL:
    case CONFIG_INT:
    case CONFIG_UINT16:
    case CONFIG_DOUBLE:
    case CONFIG_CIDR4:
    case CONFIG_CIDR6:
    case CONFIG_ENUM:
    case CONFIG_MODULE_NAME:
    default:
        break;
    }

    /* Scalar types. */
    if (node->type != YAML_NODE_SCALAR) {
        type_error(key, node, diag);
        return;
    }
    const char *text = node->scalar;
    if (key->nonempty && !text[0]) {
        type_error(key, node, diag);
        return;
    }

    switch (key->type) {
    case CONFIG_STRING:
        set_string(field, text);
        return;

    case CONFIG_BOOL:
        if (!parse_bool(node, field)) {
            type_error(key, node, diag);
        }
        return;

    case CONFIG_INT:
    case CONFIG_UINT16: {
        long long value;
        if (!node->plain || !parse_integer(text, &value)
            || !((value >= key->min && value <= key->max)
                 || (key->zero_ok && value == 0))) {
            type_error(key, node, diag);
        } else if (key->type == CONFIG_INT) {
            int *int_field = field;
            *int_field = value;
        } else {
            uint16_t *uint16_field = field;
            *uint16_field = value;
        }
        return;
    }

    case CONFIG_DOUBLE: {
        double value;
        if (!node->plain || !parse_number(text, &value) || value < 0) {
            type_error(key, node, diag);
        } else {
            double *double_field = field;
            *double_field = value;
        }
        return;
    }

    case CONFIG_CIDR4:
    case CONFIG_CIDR6: {
        struct antrea_prefix *prefix = field;
        if (!text[0] && key->dflt && !key->dflt[0]) {
            memset(prefix, 0, sizeof *prefix);
        } else if (!parse_cidr(text,
                               key->type == CONFIG_CIDR4 ? AF_INET : AF_INET6,
                               prefix)) {
            type_error(key, node, diag);
        }
        return;
    }

    case CONFIG_ENUM:
        for (const char *const *v = key->values; *v; v++) {
            if (!strcasecmp(text, *v)) {
                set_string(field, *v);
                return;
            }
        }
        type_error(key, node, diag);
        return;

    case CONFIG_MODULE_NAME:
        if (is_module_name(text)) {
            set_string(field, text);
        } else {
            type_error(key, node, diag);
        }
        return;

    case CONFIG_FEATURE_GATES:
    case CONFIG_MAPPING:
    case CONFIG_LIST:
    case CONFIG_NODE:
    default:
        abort();
    }
}

/* Stores the default of 'key' into 'base'. */
static void
set_default(const struct config_key *key, void *base)
{
    if (key->type == CONFIG_MAPPING) {
        set_defaults(key->schema, member(base, key->offset));
    } else if (key->dflt) {
        /* Decode the default like a plain scalar in a file, so that the
         * table's defaults go through the same checks. */
        struct yaml_node node = {
            .type = YAML_NODE_SCALAR,
            .file = "(default)",
            .path = xstrdup(key->name),
            .scalar = xstrdup(key->dflt),
            .plain = true,
        };
        struct diag diag = DIAG_INITIALIZER;

        parse_value(key, &node, base, &diag);
        if (!diag_is_empty(&diag)) {
            /* A bug in a schema table, found by any test that parses. */
            char *msg = diag_join(&diag);
            fprintf(stderr, "bad default in config schema: %s\n", msg);
            abort();
        }
        free(node.path);
        free(node.scalar);
    }
}

/* Stores the defaults of every key of 'schema' into 'base'. */
static void
set_defaults(const struct config_schema *schema, void *base)
{
    for (size_t i = 0; i < schema->n_keys; i++) {
        set_default(&schema->keys[i], base);
    }
}

/* Returns the key of 'schema' named 'name', or NULL. */
static const struct config_key *
find_key(const struct config_schema *schema, const char *name)
{
    for (size_t i = 0; i < schema->n_keys; i++) {
        if (!strcmp(schema->keys[i].name, name)) {
            return &schema->keys[i];
        }
    }
    return NULL;
}

/* Decodes every key of mapping 'map' into 'base', whose defaults are set,
 * and checks for unknown and missing keys. */
static void
parse_keys(const struct config_schema *schema, const struct yaml_node *map,
           void *base, struct diag *diag)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct config_key *key = find_key(schema, map->keys[i]);
        const struct yaml_node *value = map->items[i];

        if (!key) {
            diag_add_at(diag, map->key_nodes[i], "unknown key");
        } else if (!yaml_node_is_null(value)) {
            parse_value(key, value, base, diag);
            if (key->has_node) {
                const struct yaml_node **nodep = member(base,
                                                        key->node_offset);
                *nodep = value;
            }
        }
    }

    for (size_t i = 0; i < schema->n_keys; i++) {
        const struct config_key *key = &schema->keys[i];
        if (key->required && yaml_node_is_null(yaml_node_get(map,
                                                             key->name))) {
            diag_add_at(diag, map, "missing required key '%s'", key->name);
        }
    }
}

/* Decodes mapping 'map' into 'base' according to 'schema'. */
void
config_schema_parse(const struct config_schema *schema,
                    const struct yaml_node *map, void *base,
                    struct diag *diag)
{
    set_defaults(schema, base);
    if (yaml_node_is_null(map)) {
        /* All defaults. */
    } else if (map->type != YAML_NODE_MAPPING) {
        type_error(&(const struct config_key) { .type = CONFIG_MAPPING },
                   map, diag);
    } else {
        parse_keys(schema, map, base, diag);
    }
}

/* Decodes the document of 'tree' into 'base' according to 'schema'. */
void
config_schema_parse_document(const struct config_schema *schema,
                             const struct yaml_tree *tree, void *base,
                             struct diag *diag)
{
    const struct yaml_node *root = yaml_tree_root(tree);

    if (root->type != YAML_NODE_MAPPING) {
        diag_add_at(diag, root, "the top level must be a mapping of keys");
        root = NULL;
    }
    config_schema_parse(schema, root, base, diag);
}

/* Frees what was stored in 'base' according to 'schema'. */
void
config_schema_free(const struct config_schema *schema, void *base)
{
    for (size_t i = 0; i < schema->n_keys; i++) {
        const struct config_key *key = &schema->keys[i];
        void *field = member(base, key->offset);

        switch (key->type) {
        case CONFIG_STRING:
        case CONFIG_ENUM:
        case CONFIG_MODULE_NAME: {
            char **s = field;
            free(*s);
            *s = NULL;
            break;
        }

        case CONFIG_FEATURE_GATES: {
            struct feature_gate **gatesp = field;
            size_t *np = member(base, key->count_offset);
            for (size_t j = 0; j < *np; j++) {
                free((*gatesp)[j].name);
            }
            free(*gatesp);
            *gatesp = NULL;
            *np = 0;
            break;
        }

        case CONFIG_MAPPING:
            config_schema_free(key->schema, field);
            break;

        case CONFIG_LIST: {
            void **arrayp = field;
            size_t *np = member(base, key->count_offset);
            for (size_t j = 0; j < *np; j++) {
                config_schema_free(key->schema,
                                   member(*arrayp, j * key->schema->size));
            }
            free(*arrayp);
            *arrayp = NULL;
            *np = 0;
            break;
        }

        case CONFIG_BOOL:
        case CONFIG_INT:
        case CONFIG_UINT16:
        case CONFIG_DOUBLE:
        case CONFIG_CIDR4:
        case CONFIG_CIDR6:
        case CONFIG_NODE:
        default:
            break;
        }
    }
}

/* Writes the reference's "type" cell for 'key'. */
static void
print_type(const struct config_key *key, FILE *stream)
{
    switch (key->type) {
    case CONFIG_STRING:
        fputs("string", stream);
        break;
    case CONFIG_BOOL:
        fputs("boolean", stream);
        break;
    case CONFIG_INT:
    case CONFIG_UINT16:
        fprintf(stream, "integer, %s%lld to %lld",
                key->zero_ok ? "0 or " : "", key->min, key->max);
        break;
    case CONFIG_DOUBLE:
        fputs("number", stream);
        break;
    case CONFIG_CIDR4:
        fputs("IPv4 CIDR", stream);
        break;
    case CONFIG_CIDR6:
        fputs("IPv6 CIDR", stream);
        break;
    case CONFIG_ENUM:
        for (const char *const *v = key->values; *v; v++) {
            fprintf(stream, "%s`%s`",
                    (v == key->values ? ""
                     : v[1] ? ", "
                     : " or "),
                    **v ? *v : "\"\"");
        }
        break;
    case CONFIG_MODULE_NAME:
        fputs("module name", stream);
        break;
    case CONFIG_FEATURE_GATES:
        fputs("mapping of gate names to booleans", stream);
        break;
    case CONFIG_MAPPING:
        fputs("mapping", stream);
        break;
    case CONFIG_LIST:
        fputs("sequence of mappings", stream);
        break;
    case CONFIG_NODE:
        fputs("mapping (any content)", stream);
        break;
    default:
        abort();
    }
}

/* Writes the reference's "default" cell for 'key'. */
static void
print_default(const struct config_key *key, FILE *stream)
{
    if (key->required) {
        fputs("(required)", stream);
    } else if (key->dflt_doc) {
        fprintf(stream, "`%s`", key->dflt_doc);
    } else if (key->dflt) {
        fprintf(stream, "`%s`", key->dflt[0] ? key->dflt : "\"\"");
    } else if (key->type == CONFIG_LIST) {
        fputs("empty", stream);
    } else if (key->type == CONFIG_MAPPING
               || key->type == CONFIG_FEATURE_GATES) {
        fputs("see below", stream);
    } else {
        fputs("none", stream);
    }
}

/* Writes the reference rows of 'schema', whose keys are named 'prefix'
 * followed by the key. */
static void
print_rows(const struct config_schema *schema, const char *prefix,
           FILE *stream)
{
    for (size_t i = 0; i < schema->n_keys; i++) {
        const struct config_key *key = &schema->keys[i];

        fprintf(stream, "| `%s%s` | ", prefix, key->name);
        print_type(key, stream);
        fputs(" | ", stream);
        print_default(key, stream);
        fprintf(stream, " | %s |\n", key->doc);

        if (key->type == CONFIG_MAPPING || key->type == CONFIG_LIST) {
            char *sub_prefix = xasprintf(
                "%s%s%s", prefix, key->name,
                key->type == CONFIG_LIST ? "[]." : ".");
            print_rows(key->schema, sub_prefix, stream);
            free(sub_prefix);
        } else if (key->type == CONFIG_FEATURE_GATES) {
            for (const struct feature_gate_spec *spec = key->gates;
                 spec->name; spec++) {
                fprintf(stream, "| `%s%s.%s` | boolean | `%s` | %s |\n",
                        prefix, key->name, spec->name,
                        spec->dflt ? "true" : "false", spec->doc);
            }
        }
    }
}

/* Writes the Markdown reference table of 'schema' to 'stream'. */
void
config_schema_print_reference(const struct config_schema *schema,
                              FILE *stream)
{
    fputs("| key | type | default | meaning |\n"
          "|---|---|---|---|\n", stream);
    print_rows(schema, "", stream);
}

/* Returns whether gate 'name' is enabled. */
bool
config_feature_enabled(const struct feature_gate_spec *specs,
                       const struct feature_gate *gates, size_t n,
                       const char *name)
{
    for (const struct feature_gate_spec *spec = specs; spec->name; spec++) {
        if (!strcmp(spec->name, name)) {
            for (size_t i = 0; i < n; i++) {
                if (!strcmp(gates[i].name, name)) {
                    return gates[i].enabled;
                }
            }
            return spec->dflt;
        }
    }
    return false;
}

struct yaml_tree *
config_schema_read(const char *file, const char *data, size_t size,
                   struct diag *diag)
{
    char *error = NULL;
    struct yaml_tree *tree = (data
                              ? yaml_tree_parse(file, data, size, &error)
                              : yaml_tree_load(file, &error));
    if (!tree) {
        diag_add(diag, "%s", error);
        free(error);
    }
    return tree;
}
