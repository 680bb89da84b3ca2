/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * antctl's output formats: JSON (indented, keys sorted), YAML (block
 * style, strings quoted when YAML would read them as something else) and
 * tables (one row per object, columns picked by dotted paths, as kubectl
 * prints them).  Pure functions of a JSON value and a FILE.
 */

#ifndef ANTCTL_OUTPUT_H
#define ANTCTL_OUTPUT_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The formats. */
enum output_format {
    OUTPUT_TABLE,
    OUTPUT_JSON,
    OUTPUT_YAML,
};

/* Parses "table", "json" or "yaml"; false for anything else. */
bool output_format_from_string(const char *, enum output_format *);

/* One table column: a header and where its value is in each row object:
 * a dotted path ("metadata.name"); an array on the way is mapped (each
 * element's value), and arrays are printed comma-separated.  A path
 * starting with '#' prints the number of elements of the array (or
 * members of the object) at the rest of the path. */
struct output_column {
    const char *header;             /* e.g. "NAME" */
    const char *path;               /* e.g. "metadata.name" */
};

/* Prints 'value' as JSON. */
void output_json(FILE *, const json_t *value);

/* Prints 'value' as a YAML document. */
void output_yaml(FILE *, const json_t *value);

/* Prints 'rows' (an array of objects, or one object) as a table of the
 * 'n' 'columns', each column as wide as its widest cell, separated by
 * three spaces.  Empty cells print as "<none>". */
void output_table(FILE *, const json_t *rows,
                  const struct output_column *columns, size_t n);

/* The text of the cell at 'path' in 'row' (see struct output_column), as
 * a malloc'd string ("" if absent). */
char *output_cell(const json_t *row, const char *path);

#endif /* output.h */
