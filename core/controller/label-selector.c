/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Label sets and selectors (label-selector.h).  The normalised form
 * follows k8s.io/apimachinery's labels.Selector.String(): requirements
 * sorted by key, joined by ","; "k=v" for matchLabels, "k in (a,b)",
 * "k notin (a,b)" with sorted values, "k" and "!k".
 */

#include <config.h>

#include "label-selector.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Compares labels by key for qsort(). */
static int
compare_labels(const void *a_, const void *b_)
{
    const struct label *a = a_, *b = b_;

    return strcmp(a->key, b->key);
}

char *
label_set_from_json(struct label_set *set, const json_t *json)
{
    const char *key;
    json_t *value;

    set->labels = NULL;
    set->n = 0;
    if (!json || json_is_null(json)) {
        return NULL;
    }
    if (!json_is_object(json)) {
        return xstrdup("labels are not a JSON object");
    }
    set->labels = xmalloc((json_object_size(json) + 1)
                          * sizeof *set->labels);
    json_object_foreach (CONST_CAST(json_t *, json), key, value) {
        if (!json_is_string(value)) {
            char *error = xasprintf("label \"%s\" is not a string", key);
            label_set_destroy(set);
            return error;
        }
        set->labels[set->n].key = xstrdup(key);
        set->labels[set->n].value = xstrdup(json_string_value(value));
        set->n++;
    }
    qsort(set->labels, set->n, sizeof *set->labels, compare_labels);
    return NULL;
}

const char *
label_set_get(const struct label_set *set, const char *key)
{
    size_t lo = 0, hi = set->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(set->labels[mid].key, key);
        if (!cmp) {
            return set->labels[mid].value;
        } else if (cmp < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

bool
label_set_equals(const struct label_set *a, const struct label_set *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->labels[i].key, b->labels[i].key)
            || strcmp(a->labels[i].value, b->labels[i].value)) {
            return false;
        }
    }
    return true;
}

void
label_set_clone(struct label_set *dst, const struct label_set *src)
{
    dst->n = src->n;
    dst->labels = xmalloc((src->n + 1) * sizeof *dst->labels);
    for (size_t i = 0; i < src->n; i++) {
        dst->labels[i].key = xstrdup(src->labels[i].key);
        dst->labels[i].value = xstrdup(src->labels[i].value);
    }
}

void
label_set_destroy(struct label_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->labels[i].key);
        free(set->labels[i].value);
    }
    free(set->labels);
    set->labels = NULL;
    set->n = 0;
}

/* Compares strings through pointers for qsort(). */
static int
compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_, *const *b = b_;

    return strcmp(*a, *b);
}

/* Compares requirements by key, then operator, for qsort(). */
static int
compare_reqs(const void *a_, const void *b_)
{
    const struct label_requirement *a = a_, *b = b_;
    int cmp = strcmp(a->key, b->key);

    return cmp ? cmp : (int) a->op - (int) b->op;
}

/* Appends to 'sel' a requirement on 'key' with 'op' and the 'n' values
 * (copied, then sorted and deduplicated). */
static void
add_req(struct label_selector *sel, size_t *allocated, const char *key,
        enum label_op op, const char *const *values, size_t n)
{
    if (sel->n_reqs >= *allocated) {
        sel->reqs = x2nrealloc(sel->reqs, allocated, sizeof *sel->reqs);
    }
    struct label_requirement *r = &sel->reqs[sel->n_reqs++];
    r->key = xstrdup(key);
    r->op = op;
    r->values = xmalloc((n + 1) * sizeof *r->values);
    for (size_t i = 0; i < n; i++) {
        r->values[i] = xstrdup(values[i]);
    }
    qsort(r->values, n, sizeof *r->values, compare_strings);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && !strcmp(r->values[k - 1], r->values[i])) {
            free(r->values[i]);
        } else {
            r->values[k++] = r->values[i];
        }
    }
    r->n_values = k;
}

/* Appends 's' to the malloc'd string '*bufp' of length '*lenp'. */
static void
append(char **bufp, size_t *lenp, size_t *allocated, const char *s)
{
    size_t n = strlen(s);

    while (*lenp + n + 1 > *allocated) {
        *bufp = x2nrealloc(*bufp, allocated, 1);
    }
    memcpy(*bufp + *lenp, s, n + 1);
    *lenp += n;
}

/* Computes 'sel->normalized'. */
static void
normalize(struct label_selector *sel)
{
    size_t len = 0, allocated = 16;
    char *buf = xmalloc(allocated);

    buf[0] = '\0';
    for (size_t i = 0; i < sel->n_reqs; i++) {
        const struct label_requirement *r = &sel->reqs[i];
        if (i) {
            append(&buf, &len, &allocated, ",");
        }
        switch (r->op) {
        case LABEL_OP_EQUALS:
            append(&buf, &len, &allocated, r->key);
            append(&buf, &len, &allocated, "=");
            append(&buf, &len, &allocated, r->values[0]);
            break;
        case LABEL_OP_IN:
        case LABEL_OP_NOT_IN:
            append(&buf, &len, &allocated, r->key);
            append(&buf, &len, &allocated,
                   r->op == LABEL_OP_IN ? " in (" : " notin (");
            for (size_t j = 0; j < r->n_values; j++) {
                if (j) {
                    append(&buf, &len, &allocated, ",");
                }
                append(&buf, &len, &allocated, r->values[j]);
            }
            append(&buf, &len, &allocated, ")");
            break;
        case LABEL_OP_EXISTS:
            append(&buf, &len, &allocated, r->key);
            break;
        case LABEL_OP_DOES_NOT_EXIST:
            append(&buf, &len, &allocated, "!");
            append(&buf, &len, &allocated, r->key);
            break;
        }
    }
    sel->normalized = buf;
}

/* Parses one matchExpressions element 'e' at index 'i' into 'sel'.
 * Returns an error message or NULL. */
static char *
parse_expression(struct label_selector *sel, size_t *allocated,
                 const json_t *e, const char *what, size_t i)
{
    const json_t *key = json_object_get(e, "key");
    const json_t *op = json_object_get(e, "operator");
    const json_t *values = json_object_get(e, "values");

    if (!json_is_object(e)) {
        return xasprintf("%s.matchExpressions[%zu]: not an object", what, i);
    }
    if (!json_is_string(key) || !json_string_value(key)[0]) {
        return xasprintf("%s.matchExpressions[%zu].key: missing or empty",
                         what, i);
    }
    if (!json_is_string(op)) {
        return xasprintf("%s.matchExpressions[%zu].operator: missing",
                         what, i);
    }
    if (values && !json_is_null(values) && !json_is_array(values)) {
        return xasprintf("%s.matchExpressions[%zu].values: not an array",
                         what, i);
    }

    size_t n = values && json_is_array(values) ? json_array_size(values) : 0;
    const char **strs = xmalloc((n + 1) * sizeof *strs);
    for (size_t j = 0; j < n; j++) {
        const json_t *v = json_array_get(values, j);
        if (!json_is_string(v)) {
            free(strs);
            return xasprintf("%s.matchExpressions[%zu].values[%zu]: not a "
                             "string", what, i, j);
        }
        strs[j] = json_string_value(v);
    }

    const char *ops = json_string_value(op);
    enum label_op lop = LABEL_OP_EXISTS;
    char *error = NULL;
    if (!strcmp(ops, "In") || !strcmp(ops, "NotIn")) {
        lop = !strcmp(ops, "In") ? LABEL_OP_IN : LABEL_OP_NOT_IN;
        if (!n) {
            error = xasprintf("%s.matchExpressions[%zu].values: operator "
                              "%s needs at least one value", what, i, ops);
        }
    } else if (!strcmp(ops, "Exists") || !strcmp(ops, "DoesNotExist")) {
        lop = !strcmp(ops, "Exists") ? LABEL_OP_EXISTS
                                     : LABEL_OP_DOES_NOT_EXIST;
        if (n) {
            error = xasprintf("%s.matchExpressions[%zu].values: operator "
                              "%s takes no values", what, i, ops);
        }
    } else {
        error = xasprintf("%s.matchExpressions[%zu].operator: unknown "
                          "operator \"%s\" (expected In, NotIn, Exists or "
                          "DoesNotExist)", what, i, ops);
    }
    if (!error) {
        add_req(sel, allocated, json_string_value(key), lop, strs, n);
    }
    free(strs);
    return error;
}

struct label_selector *
label_selector_from_json(const json_t *json, const char *what,
                         char **errorp)
{
    struct label_selector *sel = xcalloc(1, sizeof *sel);
    size_t allocated = 0;
    char *error = NULL;

    sel->refcount = 1;

    *errorp = NULL;
    if (json && !json_is_null(json) && !json_is_object(json)) {
        error = xasprintf("%s: not an object", what);
        goto out;
    }

    const json_t *ml = json ? json_object_get(json, "matchLabels") : NULL;
    if (ml && !json_is_null(ml)) {
        const char *key;
        json_t *value;
        if (!json_is_object(ml)) {
            error = xasprintf("%s.matchLabels: not an object", what);
            goto out;
        }
        json_object_foreach (CONST_CAST(json_t *, ml), key, value) {
            if (!json_is_string(value)) {
                error = xasprintf("%s.matchLabels.%s: not a string", what,
                                  key);
                goto out;
            }
            const char *v = json_string_value(value);
            add_req(sel, &allocated, key, LABEL_OP_EQUALS, &v, 1);
        }
    }

    const json_t *me = json ? json_object_get(json, "matchExpressions")
                            : NULL;
    if (me && !json_is_null(me)) {
        if (!json_is_array(me)) {
            error = xasprintf("%s.matchExpressions: not an array", what);
            goto out;
        }
        for (size_t i = 0; i < json_array_size(me); i++) {
            error = parse_expression(sel, &allocated, json_array_get(me, i),
                                     what, i);
            if (error) {
                goto out;
            }
        }
    }
    if (sel->n_reqs) {
        qsort(sel->reqs, sel->n_reqs, sizeof *sel->reqs, compare_reqs);
    }
    normalize(sel);

out:
    if (error) {
        label_selector_destroy(sel);
        *errorp = error;
        return NULL;
    }
    return sel;
}

/* Returns true if 'value' is among the sorted 'values'. */
static bool
has_value(char **values, size_t n, const char *value)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(values[mid], value);
        if (!cmp) {
            return true;
        } else if (cmp < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

bool
label_selector_matches(const struct label_selector *sel,
                       const struct label_set *labels)
{
    for (size_t i = 0; i < sel->n_reqs; i++) {
        const struct label_requirement *r = &sel->reqs[i];
        const char *v = label_set_get(labels, r->key);
        bool ok;

        switch (r->op) {
        case LABEL_OP_EQUALS:
            ok = v && !strcmp(v, r->values[0]);
            break;
        case LABEL_OP_IN:
            ok = v && has_value(r->values, r->n_values, v);
            break;
        case LABEL_OP_NOT_IN:
            ok = !v || !has_value(r->values, r->n_values, v);
            break;
        case LABEL_OP_EXISTS:
            ok = v != NULL;
            break;
        case LABEL_OP_DOES_NOT_EXIST:
        default:
            ok = v == NULL;
            break;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool
label_selector_is_empty(const struct label_selector *sel)
{
    return !sel->n_reqs;
}

struct label_selector *
label_selector_clone(const struct label_selector *sel)
{
    struct label_selector *c = xcalloc(1, sizeof *c);

    c->refcount = 1;
    c->n_reqs = sel->n_reqs;
    c->reqs = xcalloc(sel->n_reqs + 1, sizeof *c->reqs);
    for (size_t i = 0; i < sel->n_reqs; i++) {
        const struct label_requirement *r = &sel->reqs[i];
        c->reqs[i].key = xstrdup(r->key);
        c->reqs[i].op = r->op;
        c->reqs[i].n_values = r->n_values;
        c->reqs[i].values = xmalloc((r->n_values + 1)
                                    * sizeof *c->reqs[i].values);
        for (size_t j = 0; j < r->n_values; j++) {
            c->reqs[i].values[j] = xstrdup(r->values[j]);
        }
    }
    c->normalized = xstrdup(sel->normalized);
    return c;
}

struct label_selector *
label_selector_ref(const struct label_selector *sel_)
{
    struct label_selector *sel = CONST_CAST(struct label_selector *, sel_);

    sel->refcount++;
    return sel;
}

void
label_selector_destroy(struct label_selector *sel)
{
    if (!sel || --sel->refcount) {
        return;
    }
    for (size_t i = 0; i < sel->n_reqs; i++) {
        for (size_t j = 0; j < sel->reqs[i].n_values; j++) {
            free(sel->reqs[i].values[j]);
        }
        free(sel->reqs[i].values);
        free(sel->reqs[i].key);
    }
    free(sel->reqs);
    free(sel->normalized);
    free(sel);
}
