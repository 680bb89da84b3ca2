/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of antctl's output formats (core/antctl/output.h): tables
 * (paths, arrays, counts, empty cells, widths), YAML (nesting, quoting of
 * strings YAML would misread, empty collections) read back by a YAML
 * parser, and JSON.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "output.h"

/* Runs 'print' on 'value' into a string the caller frees. */
static char *
capture_yaml(const json_t *value)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    output_yaml(f, value);
    fclose(f);
    return text;
}

static char *
capture_table(const json_t *rows, const struct output_column *columns,
              size_t n)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    output_table(f, rows, columns, n);
    fclose(f);
    return text;
}

/* Parses YAML 'text' back into JSON (scalars as strings, except plain
 * scalars that look like integers or booleans), to check round trips. */
static json_t *parse_node(yaml_document_t *doc, yaml_node_t *node);

static json_t *
parse_scalar(const yaml_node_t *node)
{
    const char *s = (const char *) node->data.scalar.value;
    if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        char *end;
        long long n = strtoll(s, &end, 10);
        if (s[0] && !*end) {
            return json_integer(n);
        }
        if (!strcmp(s, "true")) {
            return json_true();
        }
        if (!strcmp(s, "false")) {
            return json_false();
        }
        if (!strcmp(s, "null")) {
            return json_null();
        }
        if (!strcmp(s, "{}")) {
            return json_object();
        }
    }
    return json_string(s);
}

static json_t *
parse_node(yaml_document_t *doc, yaml_node_t *node)
{
    switch (node->type) {
    case YAML_SCALAR_NODE:
        return parse_scalar(node);
    case YAML_SEQUENCE_NODE: {
        json_t *array = json_array();
        for (yaml_node_item_t *i = node->data.sequence.items.start;
             i < node->data.sequence.items.top; i++) {
            json_array_append_new(array,
                                  parse_node(doc, yaml_document_get_node(
                                                 doc, *i)));
        }
        return array;
    }
    case YAML_MAPPING_NODE: {
        json_t *obj = json_object();
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
             p < node->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            json_object_set_new(obj, (const char *) k->data.scalar.value,
                                parse_node(doc, yaml_document_get_node(
                                               doc, p->value)));
        }
        return obj;
    }
    case YAML_NO_NODE:
    default:
        return json_null();
    }
}

static json_t *
yaml_to_json(const char *text)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    cr_assert(yaml_parser_initialize(&parser));
    yaml_parser_set_input_string(&parser, (const unsigned char *) text,
                                 strlen(text));
    cr_assert(yaml_parser_load(&parser, &doc), "YAML does not parse: %s",
              text);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    cr_assert(root);
    json_t *result = parse_node(&doc, root);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return result;
}

Test(output, format_names)
{
    enum output_format f;
    cr_assert(output_format_from_string("table", &f) && f == OUTPUT_TABLE);
    cr_assert(output_format_from_string("json", &f) && f == OUTPUT_JSON);
    cr_assert(output_format_from_string("yaml", &f) && f == OUTPUT_YAML);
    cr_assert(!output_format_from_string("wide", &f));
    cr_assert(!output_format_from_string("", &f));
}

Test(output, cells_follow_paths_arrays_and_counts)
{
    json_t *row = json_loads(
        "{\"metadata\": {\"name\": \"np1\"}, \"rules\": [1, 2, 3],"
        " \"groupMembers\": ["
        "  {\"pod\": {\"name\": \"a\"}, \"ips\": [\"10.0.0.1\"]},"
        "  {\"pod\": {\"name\": \"b\"},"
        "   \"ips\": [\"10.0.0.2\", \"fd00::2\"]}],"
        " \"n\": 7, \"ok\": true}", 0, NULL);
    cr_assert(row);
    struct {
        const char *path;
        const char *expected;
    } cases[] = {
        { "metadata.name", "np1" },
        { "#rules", "3" },
        { "#groupMembers", "2" },
        { "groupMembers.pod.name", "a,b" },
        { "groupMembers.ips", "10.0.0.1,10.0.0.2,fd00::2" },
        { "n", "7" },
        { "ok", "true" },
        { "missing", "" },
        { "metadata.missing.deeper", "" },
        { "#missing", "0" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *cell = output_cell(row, cases[i].path);
        cr_expect_str_eq(cell, cases[i].expected, "path %s", cases[i].path);
        free(cell);
    }
    json_decref(row);
}

Test(output, table_aligns_columns_and_marks_empty_cells)
{
    static const struct output_column columns[] = {
        { "NAME", "name" },
        { "IPS", "ips" },
        { "N", "n" },
    };
    json_t *rows = json_loads(
        "[{\"name\": \"a-long-name\", \"ips\": [\"10.0.0.1\"], \"n\": 1},"
        " {\"name\": \"b\", \"ips\": [], \"n\": 22}]", 0, NULL);
    char *text = capture_table(rows, columns, 3);
    cr_assert_str_eq(text,
                     "NAME          IPS        N\n"
                     "a-long-name   10.0.0.1   1\n"
                     "b             <none>     22\n");
    free(text);

    /* One object is one row. */
    json_t *one = json_array_get(rows, 1);
    text = capture_table(one, columns, 1);
    cr_assert_str_eq(text, "NAME\nb\n");
    free(text);

    /* No rows: the header alone. */
    json_t *none = json_array();
    text = capture_table(none, columns, 2);
    cr_assert_str_eq(text, "NAME   IPS\n");
    free(text);
    json_decref(none);
    json_decref(rows);
}

Test(output, yaml_round_trips_nested_values)
{
    const char *json_text =
        "{\"metadata\": {\"name\": \"np1\", \"uid\": \"\"},"
        " \"rules\": [{\"direction\": \"In\", \"from\": {\"ipBlocks\":"
        "   [{\"cidr\": {\"ip\": \"10.0.0.0\", \"prefixLength\": 8}}]},"
        "   \"services\": [], \"priority\": 0},"
        "  {\"direction\": \"Out\", \"to\": {}, \"services\":"
        "   [{\"protocol\": \"TCP\", \"port\": 80}]}],"
        " \"list\": [[1, 2], [], \"x\"], \"flag\": false}";
    json_t *value = json_loads(json_text, 0, NULL);
    cr_assert(value);
    char *text = capture_yaml(value);
    json_t *back = yaml_to_json(text);
    cr_assert(json_equal(value, back), "YAML did not round-trip:\n%s",
              text);
    json_decref(back);
    free(text);
    json_decref(value);
}

Test(output, yaml_quotes_strings_yaml_would_misread)
{
    static const char *const strings[] = {
        "true", "no", "null", "~", "123", "1.5", "", " lead", "trail ",
        "a: b", "#comment", "- dash", "[x]", "{y}", "*alias", "say \"hi\"",
        "back\\slash", "line\nbreak", "tab\there", "ends:",
        "plain text", "10.0.0.1", "fd00::1", "np-1",
    };
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
        json_t *obj = json_pack("{s:s}", "k", strings[i]);
        char *text = capture_yaml(obj);
        json_t *back = yaml_to_json(text);
        cr_expect_str_eq(json_string_value(json_object_get(back, "k")),
                         strings[i], "string \"%s\" printed as %s",
                         strings[i], text);
        json_decref(back);
        json_decref(obj);
        free(text);
    }
}

Test(output, yaml_prints_empty_collections_and_scalars_inline)
{
    json_t *obj = json_loads("{\"a\": [], \"b\": {}, \"c\": 3}", 0, NULL);
    char *text = capture_yaml(obj);
    cr_assert_str_eq(text, "a: []\nb: {}\nc: 3\n");
    free(text);
    json_decref(obj);

    json_t *empty = json_array();
    text = capture_yaml(empty);
    cr_assert_str_eq(text, "[]\n");
    free(text);
    json_decref(empty);
}

Test(output, json_is_indented_and_sorted)
{
    json_t *obj = json_loads("{\"b\": 1, \"a\": [true]}", 0, NULL);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    output_json(f, obj);
    fclose(f);
    cr_assert_str_eq(text, "{\n  \"a\": [\n    true\n  ],\n  \"b\": 1\n}\n");
    free(text);
    json_decref(obj);
}
