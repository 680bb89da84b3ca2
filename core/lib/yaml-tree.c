/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Builds the position-annotated YAML tree of yaml-tree.h from libyaml's
 * event stream.  This file owns the tree's memory and the YAML-level rules
 * (one document, no anchors or aliases, scalar and unique keys); what the
 * keys mean is up to the readers of the tree (agent-config.c and the
 * plugins).
 */

#include <config.h>
#include "yaml-tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

/* Deeper nesting than this is refused, so that the recursive builder and
 * the recursive readers of the tree cannot exhaust the stack.  Config files
 * nest a handful of levels. */
#define YAML_TREE_MAX_DEPTH 100

/* Files larger than this are refused rather than read into memory: no
 * config is anywhere near it, and it stops a mistaken path such as
 * /dev/zero from reading forever. */
#define YAML_TREE_MAX_FILE_SIZE (16 * 1024 * 1024)

struct yaml_tree {
    char *file;                 /* the source's name, nodes point to it */
    struct yaml_node *root;     /* never NULL */
};

/* The state of building one tree. */
struct builder {
    yaml_parser_t parser;       /* libyaml's parser over the input */
    const char *file;           /* the tree's copy of the source name */
    const char *data;           /* the input, for positions of reader */
    size_t size;                /* errors, which only give an offset */
    char *error;                /* the first error, or NULL */
};

static struct yaml_node *parse_node(struct builder *, yaml_event_t *,
                                    const char *path, int depth);

/* Frees 'node' and everything below it. */
static void
node_free(struct yaml_node *node)
{
    if (!node) {
        return;
    }
    for (size_t i = 0; i < node->n; i++) {
        node_free(node->items[i]);
        if (node->keys) {
            free(node->keys[i]);
            node_free(node->key_nodes[i]);
        }
    }
    free(node->items);
    free(node->keys);
    free(node->key_nodes);
    free(node->scalar);
    free(node->path);
    free(node);
}

/* Returns a new node of 'type' at 'mark', whose path is 'path' (copied). */
static struct yaml_node *
node_create(const struct builder *b, enum yaml_node_type type,
            const yaml_mark_t *mark, const char *path)
{
    struct yaml_node *node = xcalloc(1, sizeof *node);
    node->type = type;
    node->file = b->file;
    node->line = (int) mark->line + 1;
    node->column = (int) mark->column + 1;
    node->path = xstrdup(path);
    return node;
}

/* Records the printf-style error message for the position 'line' and
 * 'column' (0-based), unless an error was already recorded. */
static void ANTREA_PRINTF_FORMAT(4, 5)
builder_error(struct builder *b, size_t line, size_t column,
              const char *format, ...)
{
    if (b->error) {
        return;
    }

    va_list args;
    va_start(args, format);
    char *msg = xvasprintf(format, args);
    va_end(args);

    b->error = xasprintf("%s:%zu:%zu: %s", b->file, line + 1, column + 1,
                         msg);
    free(msg);
}

/* Records the error at 'mark'. */
#define BUILDER_ERROR_AT(B, MARK, ...) \
    builder_error(B, (MARK)->line, (MARK)->column, __VA_ARGS__)

/* Records the error libyaml's parser reported. */
static void
builder_parser_error(struct builder *b)
{
    const yaml_parser_t *p = &b->parser;
    const char *problem = p->problem ? p->problem : "invalid YAML";

    switch (p->error) {
    case YAML_MEMORY_ERROR:
        out_of_memory();

    case YAML_READER_ERROR: {
        /* The reader only knows a byte offset: turn it into a line and a
         * column (counted in bytes) of the input. */
        size_t line = 0, column = 0;
        for (size_t i = 0; i < p->problem_offset && i < b->size; i++) {
            if (b->data[i] == '\n') {
                line++;
                column = 0;
            } else {
                column++;
            }
        }
        if (p->problem_value != -1) {
            builder_error(b, line, column, "%s (byte 0x%02x)", problem,
                          (unsigned int) p->problem_value & 0xff);
        } else {
            builder_error(b, line, column, "%s", problem);
        }
        break;
    }

    case YAML_NO_ERROR:
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR:
    case YAML_COMPOSER_ERROR:
    case YAML_WRITER_ERROR:
    case YAML_EMITTER_ERROR:
    default:
        if (p->context) {
            BUILDER_ERROR_AT(b, &p->problem_mark,
                             "%s (%s that started at line %zu)", problem,
                             p->context, p->context_mark.line + 1);
        } else {
            BUILDER_ERROR_AT(b, &p->problem_mark, "%s", problem);
        }
        break;
    }
}

/* Gets the next event into '*event'.  Returns false (with the error
 * recorded) if the input is not valid YAML. */
static bool
next_event(struct builder *b, yaml_event_t *event)
{
    if (!yaml_parser_parse(&b->parser, event)) {
        builder_parser_error(b);
        return false;
    }
    return true;
}

/* Returns true if a key must be quoted in a path: it would otherwise read
 * as several components. */
static bool
key_needs_quotes(const char *key)
{
    return !key[0] || strpbrk(key, ".[]\" ") != NULL;
}

/* Returns the malloc'd path of the value of 'key' in the mapping at
 * 'parent_path'. */
static char *
child_key_path(const char *parent_path, const char *key)
{
    const char *quote = key_needs_quotes(key) ? "\"" : "";
    return xasprintf("%s%s%s%s%s", parent_path, parent_path[0] ? "." : "",
                     quote, key, quote);
}

/* Returns true if scalar event 'event' is a plain scalar in the YAML sense:
 * unquoted and not explicitly tagged as a string. */
static bool
event_is_plain(const yaml_event_t *event)
{
    const char *tag = (const char *) event->data.scalar.tag;
    return (event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
            && (!tag || (strcmp(tag, YAML_STR_TAG) && strcmp(tag, "!"))));
}

/* Returns the anchor of node event 'event', or NULL. */
static const char *
event_anchor(const yaml_event_t *event)
{
    switch (event->type) {
    case YAML_SCALAR_EVENT:
        return (const char *) event->data.scalar.anchor;
    case YAML_SEQUENCE_START_EVENT:
        return (const char *) event->data.sequence_start.anchor;
    case YAML_MAPPING_START_EVENT:
        return (const char *) event->data.mapping_start.anchor;
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_ALIAS_EVENT:
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
    default:
        return NULL;
    }
}

/* Returns a scalar node for scalar event 'event', or NULL (with the error
 * recorded) if its text holds a NUL character. */
static struct yaml_node *
parse_scalar(struct builder *b, const yaml_event_t *event, const char *path)
{
    const char *value = (const char *) event->data.scalar.value;
    size_t length = event->data.scalar.length;

    if (memchr(value, '\0', length)) {
        BUILDER_ERROR_AT(b, &event->start_mark,
                         "NUL characters are not allowed in values");
        return NULL;
    }

    struct yaml_node *node = node_create(b, YAML_NODE_SCALAR,
                                         &event->start_mark, path);
    node->scalar = xmemdup0(value, length);
    node->plain = event_is_plain(event);
    return node;
}

/* Parses the items of a sequence, whose start event was 'start', into a new
 * node.  Returns NULL (with the error recorded) on failure. */
static struct yaml_node *
parse_sequence(struct builder *b, const yaml_event_t *start,
               const char *path, int depth)
{
    struct yaml_node *node = node_create(b, YAML_NODE_SEQUENCE,
                                         &start->start_mark, path);
    size_t allocated = 0;

    for (;;) {
        yaml_event_t event;
        if (!next_event(b, &event)) {
            break;
        }
        if (event.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&event);
            return node;
        }

        char *item_path = xasprintf("%s[%zu]", path, node->n);
        struct yaml_node *item = parse_node(b, &event, item_path, depth + 1);
        free(item_path);
        if (!item) {
            break;
        }
        if (node->n >= allocated) {
            node->items = x2nrealloc(node->items, &allocated,
                                     sizeof *node->items);
        }
        node->items[node->n++] = item;
    }
    node_free(node);
    return NULL;
}

/* A key of a mapping and its index, for finding duplicates. */
struct key_index {
    const char *key;            /* the key's text */
    size_t index;               /* its pair's index in the mapping */
};

/* Orders key_index structs by key text, then by position. */
static int
compare_key_indexes(const void *a_, const void *b_)
{
    const struct key_index *a = a_;
    const struct key_index *b = b_;
    int cmp = strcmp(a->key, b->key);
    return cmp ? cmp : (a->index < b->index ? -1 : a->index > b->index);
}

/* Records an error for the first key of mapping 'node' that repeats an
 * earlier key, if any.  Returns true if there is none. */
static bool
check_duplicate_keys(struct builder *b, const struct yaml_node *node)
{
    if (node->n < 2) {
        return true;
    }

    /* Sort rather than compare all pairs: a garbage input may have a huge
     * mapping, and this must not take quadratic time. */
    struct key_index *order = xmalloc(node->n * sizeof *order);
    for (size_t i = 0; i < node->n; i++) {
        order[i].key = node->keys[i];
        order[i].index = i;
    }
    qsort(order, node->n, sizeof *order, compare_key_indexes);

    /* Report the duplicate that comes first in the file. */
    size_t dup = SIZE_MAX, first = SIZE_MAX;
    size_t run_start = 0;
    for (size_t i = 1; i < node->n; i++) {
        if (strcmp(order[i].key, order[run_start].key)) {
            run_start = i;
        } else if (order[i].index < dup) {
            dup = order[i].index;
            first = order[run_start].index;
        }
    }
    free(order);

    if (dup == SIZE_MAX) {
        return true;
    }
    const struct yaml_node *dup_key = node->key_nodes[dup];
    builder_error(b, (size_t) dup_key->line - 1, (size_t) dup_key->column - 1,
                  "duplicate key '%s' (first at line %d)", node->keys[dup],
                  node->key_nodes[first]->line);
    return false;
}

/* Parses the pairs of a mapping, whose start event was 'start', into a new
 * node.  Returns NULL (with the error recorded) on failure. */
static struct yaml_node *
parse_mapping(struct builder *b, const yaml_event_t *start,
              const char *path, int depth)
{
    struct yaml_node *node = node_create(b, YAML_NODE_MAPPING,
                                         &start->start_mark, path);
    size_t allocated = 0;

    for (;;) {
        yaml_event_t event;
        if (!next_event(b, &event)) {
            break;
        }
        if (event.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&event);
            if (check_duplicate_keys(b, node)) {
                return node;
            }
            break;
        }

        /* The key: a scalar, refused like any node if it is an alias or
         * has an anchor. */
        if (event.type == YAML_MAPPING_START_EVENT
            || event.type == YAML_SEQUENCE_START_EVENT) {
            BUILDER_ERROR_AT(b, &event.start_mark,
                             "mapping keys must be scalars, not %s",
                             (event.type == YAML_MAPPING_START_EVENT
                              ? "mappings" : "sequences"));
            yaml_event_delete(&event);
            break;
        }
        char *key_path = (event.type == YAML_SCALAR_EVENT
                          ? child_key_path(
                              path, (const char *) event.data.scalar.value)
                          : xstrdup(path));
        struct yaml_node *key = parse_node(b, &event, key_path, depth + 1);
        if (!key) {
            free(key_path);
            break;
        }

        /* The value. */
        struct yaml_node *value = NULL;
        if (next_event(b, &event)) {
            value = parse_node(b, &event, key_path, depth + 1);
        }
        free(key_path);
        if (!value) {
            node_free(key);
            break;
        }

        if (node->n >= allocated) {
            node->items = x2nrealloc(node->items, &allocated,
                                     sizeof *node->items);
            node->key_nodes = xrealloc(node->key_nodes,
                                       allocated * sizeof *node->key_nodes);
            node->keys = xrealloc(node->keys, allocated * sizeof *node->keys);
        }
        node->keys[node->n] = xstrdup(key->scalar);
        node->key_nodes[node->n] = key;
        node->items[node->n] = value;
        node->n++;
    }
    node_free(node);
    return NULL;
}

/* Parses the node that begins with 'event' (taking ownership of it) and
 * everything below, with path 'path' at nesting 'depth'.  Returns the new
 * node, or NULL with the error recorded. */
static struct yaml_node *
parse_node(struct builder *b, yaml_event_t *event, const char *path,
           int depth)
{
    struct yaml_node *node = NULL;

    if (depth > YAML_TREE_MAX_DEPTH) {
        BUILDER_ERROR_AT(b, &event->start_mark,
                         "nesting too deep (more than %d levels)",
                         YAML_TREE_MAX_DEPTH);
    } else if (event->type == YAML_ALIAS_EVENT) {
        BUILDER_ERROR_AT(b, &event->start_mark,
                         "aliases (*%s) are not supported",
                         (const char *) event->data.alias.anchor);
    } else if (event_anchor(event)) {
        BUILDER_ERROR_AT(b, &event->start_mark,
                         "anchors (&%s) are not supported",
                         event_anchor(event));
    } else if (event->type == YAML_SCALAR_EVENT) {
        node = parse_scalar(b, event, path);
    } else if (event->type == YAML_SEQUENCE_START_EVENT) {
        node = parse_sequence(b, event, path, depth);
    } else if (event->type == YAML_MAPPING_START_EVENT) {
        node = parse_mapping(b, event, path, depth);
    } else {
        /* libyaml only gives node events here. */
        BUILDER_ERROR_AT(b, &event->start_mark, "unexpected YAML event");
    }
    yaml_event_delete(event);
    return node;
}

/* Parses the whole stream: at most one document.  Returns its root, or NULL
 * with the error recorded. */
static struct yaml_node *
parse_stream(struct builder *b)
{
    yaml_event_t event;
    struct yaml_node *root = NULL;

    if (!next_event(b, &event)) {
        return NULL;
    }
    yaml_event_delete(&event);      /* YAML_STREAM_START_EVENT */

    if (!next_event(b, &event)) {
        return NULL;
    }
    if (event.type == YAML_STREAM_END_EVENT) {
        /* No document at all: an empty file, or only comments. */
        yaml_mark_t start = { 0, 0, 0 };
        yaml_event_delete(&event);
        return node_create(b, YAML_NODE_MAPPING, &start, "");
    }
    yaml_event_delete(&event);      /* YAML_DOCUMENT_START_EVENT */

    if (!next_event(b, &event)) {
        return NULL;
    }
    root = parse_node(b, &event, "", 0);
    if (!root) {
        return NULL;
    }
    if (yaml_node_is_null(root)) {
        /* A document with no content ("---" alone) is empty too. */
        struct yaml_node *empty = xcalloc(1, sizeof *empty);
        *empty = (struct yaml_node) {
            .type = YAML_NODE_MAPPING, .file = b->file,
            .line = root->line, .column = root->column, .path = xstrdup(""),
        };
        node_free(root);
        root = empty;
    }

    if (!next_event(b, &event)) {
        goto error;
    }
    yaml_event_delete(&event);      /* YAML_DOCUMENT_END_EVENT */

    if (!next_event(b, &event)) {
        goto error;
    }
    if (event.type != YAML_STREAM_END_EVENT) {
        BUILDER_ERROR_AT(b, &event.start_mark,
                         "only one YAML document is allowed");
        yaml_event_delete(&event);
        goto error;
    }
    yaml_event_delete(&event);
    return root;

error:
    node_free(root);
    return NULL;
}

/* Parses the YAML text 'data' ('size' bytes) named 'file' (used in errors).
 * An empty document gives a tree whose root is an empty mapping.  Returns
 * the tree, or NULL with a malloc'd message "FILE:LINE:COLUMN: what is
 * wrong" in '*errorp'. */
struct yaml_tree *
yaml_tree_parse(const char *file, const char *data, size_t size,
                char **errorp)
{
    struct yaml_tree *tree = xcalloc(1, sizeof *tree);
    tree->file = xstrdup(file);

    struct builder b = {
        .file = tree->file,
        .data = data,
        .size = size,
    };
    if (!yaml_parser_initialize(&b.parser)) {
        out_of_memory();
    }
    yaml_parser_set_input_string(&b.parser, (const unsigned char *) data,
                                 size);
    tree->root = parse_stream(&b);
    yaml_parser_delete(&b.parser);

    if (!tree->root) {
        *errorp = b.error ? b.error : xasprintf("%s: invalid YAML", file);
        free(tree->file);
        free(tree);
        return NULL;
    }
    free(b.error);
    *errorp = NULL;
    return tree;
}

/* Reads all of 'file' into '*datap' and '*sizep'.  Returns 0 or a positive
 * errno value (EFBIG if it is too large). */
static int
read_file(const char *file, char **datap, size_t *sizep)
{
    FILE *stream = fopen(file, "rb");
    if (!stream) {
        return errno;
    }

    size_t size = 0, allocated = 4096;
    char *data = xmalloc(allocated);
    int error = 0;
    for (;;) {
        size_t n = fread(data + size, 1, allocated - size, stream);
        size += n;
        if (n == 0) {
            if (ferror(stream)) {
                error = errno ? errno : EIO;
            }
            break;
        }
        if (size > YAML_TREE_MAX_FILE_SIZE) {
            error = EFBIG;
            break;
        }
        if (size == allocated) {
            data = x2nrealloc(data, &allocated, 1);
        }
    }
    fclose(stream);

    if (error) {
        free(data);
        return error;
    }
    *datap = data;
    *sizep = size;
    return 0;
}

/* Reads and parses the file 'file'; errors as yaml_tree_parse, and names
 * the file and errno text if it cannot be read. */
struct yaml_tree *
yaml_tree_load(const char *file, char **errorp)
{
    char *data = NULL;
    size_t size = 0;
    int error = read_file(file, &data, &size);
    if (error == EFBIG) {
        *errorp = xasprintf("%s: cannot read: larger than %d MiB", file,
                            YAML_TREE_MAX_FILE_SIZE / (1024 * 1024));
        return NULL;
    } else if (error) {
        *errorp = xasprintf("%s: cannot read: %s", file, strerror(error));
        return NULL;
    }

    struct yaml_tree *tree = yaml_tree_parse(file, data, size, errorp);
    free(data);
    return tree;
}

/* Frees 'tree' and all its nodes.  Accepts NULL. */
void
yaml_tree_destroy(struct yaml_tree *tree)
{
    if (tree) {
        node_free(tree->root);
        free(tree->file);
        free(tree);
    }
}

/* Returns the root node (never NULL). */
const struct yaml_node *
yaml_tree_root(const struct yaml_tree *tree)
{
    return tree->root;
}

/* Returns the value of 'key' in mapping 'map', or NULL. */
const struct yaml_node *
yaml_node_get(const struct yaml_node *map, const char *key)
{
    if (map && map->type == YAML_NODE_MAPPING) {
        for (size_t i = 0; i < map->n; i++) {
            if (!strcmp(map->keys[i], key)) {
                return map->items[i];
            }
        }
    }
    return NULL;
}

/* Returns true if 'node' is YAML's null (or NULL). */
bool
yaml_node_is_null(const struct yaml_node *node)
{
    if (!node) {
        return true;
    }
    if (node->type != YAML_NODE_SCALAR || !node->plain) {
        return false;
    }

    static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
    for (size_t i = 0; i < ARRAY_SIZE(nulls); i++) {
        if (!strcmp(node->scalar, nulls[i])) {
            return true;
        }
    }
    return false;
}

/* Returns a malloc'd "FILE:LINE:COLUMN" for 'node'. */
char *
yaml_node_where(const struct yaml_node *node)
{
    return xasprintf("%s:%d:%d", node->file, node->line, node->column);
}
