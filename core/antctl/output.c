/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * antctl's output formats (output.h).
 */

#include <config.h>

#include "output.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

bool
output_format_from_string(const char *s, enum output_format *formatp)
{
    if (!strcmp(s, "table")) {
        *formatp = OUTPUT_TABLE;
    } else if (!strcmp(s, "json")) {
        *formatp = OUTPUT_JSON;
    } else if (!strcmp(s, "yaml")) {
        *formatp = OUTPUT_YAML;
    } else {
        return false;
    }
    return true;
}

void
output_json(FILE *stream, const json_t *value)
{
    json_dumpf(value, stream, JSON_INDENT(2) | JSON_SORT_KEYS
               | JSON_ENCODE_ANY);
    fputc('\n', stream);
}

/* Returns true if 's' must be quoted to stay a string in YAML: empty,
 * special words and numbers, leading or trailing blanks, indicators, or
 * characters that start comments, maps or flow collections. */
static bool
yaml_needs_quotes(const char *s)
{
    static const char *const words[] = {
        "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n",
    };
    if (!s[0] || isspace((unsigned char) s[0])
        || isspace((unsigned char) s[strlen(s) - 1])
        || strchr("-?:,[]{}#&*!|>'\"%@`", s[0])) {
        return true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
        if (!strcasecmp(s, words[i])) {
            return true;
        }
    }
    char *end;
    strtod(s, &end);
    if (!*end) {
        return true;            /* a number */
    }
    for (const char *p = s; *p; p++) {
        unsigned char c = *p;
        if (c < 0x20 || c == 0x7f || (c == ':' && (p[1] == ' ' || !p[1]))
            || (c == '#' && p[-1] == ' ')) {
            return true;
        }
    }
    return false;
}

/* Prints string 's' as a YAML scalar (double-quoted with escapes if
 * needed). */
static void
yaml_string(FILE *stream, const char *s)
{
    if (!yaml_needs_quotes(s)) {
        fputs(s, stream);
        return;
    }
    fputc('"', stream);
    for (const char *p = s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fprintf(stream, "\\%c", c);
        } else if (c == '\n') {
            fputs("\\n", stream);
        } else if (c == '\t') {
            fputs("\\t", stream);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(stream, "\\x%02x", c);
        } else {
            fputc(c, stream);
        }
    }
    fputc('"', stream);
}

/* Prints a scalar (not an object or array). */
static void
yaml_scalar(FILE *stream, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        yaml_string(stream, json_string_value(v));
        break;
    case JSON_INTEGER:
        fprintf(stream, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        fprintf(stream, "%.17g", json_real_value(v));
        break;
    case JSON_TRUE:
        fputs("true", stream);
        break;
    case JSON_FALSE:
        fputs("false", stream);
        break;
    case JSON_NULL:
    case JSON_OBJECT:
    case JSON_ARRAY:
    default:
        fputs("null", stream);
        break;
    }
}

/* Returns true if 'v' prints on its own lines (a non-empty collection). */
static bool
yaml_is_block(const json_t *v)
{
    return ((json_is_object(v) && json_object_size(v))
            || (json_is_array(v) && json_array_size(v)));
}

/* Prints an empty collection or a scalar inline. */
static void
yaml_inline(FILE *stream, const json_t *v)
{
    if (json_is_object(v)) {
        fputs("{}", stream);
    } else if (json_is_array(v)) {
        fputs("[]", stream);
    } else {
        yaml_scalar(stream, v);
    }
}

static void yaml_block(FILE *, const json_t *, int indent, bool in_seq);

/* qsort() comparison of two 'const char *'. */
static int
compare_keys(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;
    return strcmp(*a, *b);
}

/* Prints the members of object 'v' at 'indent'; the first line's
 * indentation is already printed if 'in_seq' (after "- "). */
static void
yaml_object(FILE *stream, const json_t *v, int indent, bool in_seq)
{
    size_t n = json_object_size(v);
    const char **keys = xmalloc((n ? n : 1) * sizeof *keys);
    const char *key;
    json_t *member;
    size_t i = 0;
    json_object_foreach ((json_t *) v, key, member) {
        keys[i++] = key;
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    for (i = 0; i < n; i++) {
        const json_t *m = json_object_get(v, keys[i]);
        if (i || !in_seq) {
            fprintf(stream, "%*s", indent, "");
        }
        yaml_string(stream, keys[i]);
        fputc(':', stream);
        if (yaml_is_block(m)) {
            fputc('\n', stream);
            yaml_block(stream, m, json_is_array(m) ? indent : indent + 2,
                       false);
        } else {
            fputc(' ', stream);
            yaml_inline(stream, m);
            fputc('\n', stream);
        }
    }
    free(keys);
}

/* Prints the collection 'v' at 'indent' (see yaml_object for 'in_seq'). */
static void
yaml_block(FILE *stream, const json_t *v, int indent, bool in_seq)
{
    if (json_is_object(v)) {
        yaml_object(stream, v, indent, in_seq);
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach ((json_t *) v, i, e) {
        if (i || !in_seq) {
            fprintf(stream, "%*s", indent, "");
        }
        fputs("- ", stream);
        if (yaml_is_block(e)) {
            yaml_block(stream, e, indent + 2, true);
        } else {
            yaml_inline(stream, e);
            fputc('\n', stream);
        }
    }
}

void
output_yaml(FILE *stream, const json_t *value)
{
    if (yaml_is_block(value)) {
        yaml_block(stream, value, 0, false);
    } else {
        yaml_inline(stream, value);
        fputc('\n', stream);
    }
}

/* Appends the text of 'v' to the growing cell in 'out'. */
static void
cell_append(FILE *out, const json_t *v, bool *first)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach ((json_t *) v, i, e) {
            cell_append(out, e, first);
        }
        return;
    }
    if (!v || json_is_null(v)) {
        return;
    }
    if (!*first) {
        fputc(',', out);
    }
    *first = false;
    if (json_is_string(v)) {
        fputs(json_string_value(v), out);
    } else if (json_is_object(v)) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
        fputs(text ? text : "", out);
        free(text);
    } else {
        yaml_scalar(out, v);
    }
}

/* Follows dotted 'path' from 'v', mapping over arrays; returns a new
 * reference (an array when the path crossed one), or NULL. */
static json_t *
follow(const json_t *v, const char *path)
{
    if (!v) {
        return NULL;
    }
    if (!*path) {
        return json_incref((json_t *) v);
    }
    if (json_is_array(v)) {
        json_t *result = json_array();
        size_t i;
        json_t *e;
        json_array_foreach ((json_t *) v, i, e) {
            json_t *sub = follow(e, path);
            if (sub) {
                json_array_append_new(result, sub);
            }
        }
        return result;
    }
    const char *dot = strchr(path, '.');
    size_t len = dot ? (size_t) (dot - path) : strlen(path);
    char *key = xmemdup0(path, len);
    const json_t *next = json_is_object(v) ? json_object_get(v, key) : NULL;
    free(key);
    return follow(next, dot ? dot + 1 : "");
}

char *
output_cell(const json_t *row, const char *path)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    bool count = path[0] == '#';
    json_t *v = follow(row, count ? path + 1 : path);
    if (count) {
        fprintf(out, "%zu", (json_is_array(v) ? json_array_size(v)
                             : json_is_object(v) ? json_object_size(v)
                             : 0));
    } else {
        bool first = true;
        cell_append(out, v, &first);
    }
    json_decref(v);
    fclose(out);
    return text;
}

void
output_table(FILE *stream, const json_t *rows,
             const struct output_column *columns, size_t n)
{
    size_t n_rows = json_is_array(rows) ? json_array_size(rows) : 1;
    char **cells = xcalloc(n_rows * n, sizeof *cells);
    size_t *widths = xcalloc(n, sizeof *widths);

    for (size_t c = 0; c < n; c++) {
        widths[c] = strlen(columns[c].header);
    }
    for (size_t r = 0; r < n_rows; r++) {
        const json_t *row = json_is_array(rows) ? json_array_get(rows, r)
                                                : rows;
        for (size_t c = 0; c < n; c++) {
            char *cell = output_cell(row, columns[c].path);
            if (!cell[0]) {
                free(cell);
                cell = xstrdup("<none>");
            }
            cells[r * n + c] = cell;
            size_t len = strlen(cell);
            if (len > widths[c]) {
                widths[c] = len;
            }
        }
    }
    for (size_t r = 0; r <= n_rows; r++) {
        for (size_t c = 0; c < n; c++) {
            const char *text = r ? cells[(r - 1) * n + c]
                                 : columns[c].header;
            if (c + 1 < n) {
                fprintf(stream, "%-*s   ", (int) widths[c], text);
            } else {
                fprintf(stream, "%s\n", text);
            }
        }
    }
    for (size_t i = 0; i < n_rows * n; i++) {
        free(cells[i]);
    }
    free(cells);
    free(widths);
}
