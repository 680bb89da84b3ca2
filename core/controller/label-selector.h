/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Kubernetes label sets and label selectors (metav1.LabelSelector:
 * matchLabels and matchExpressions with In, NotIn, Exists, DoesNotExist):
 * parsing from JSON with errors that name the field, matching, and the
 * normalised string form Kubernetes' labels.Selector.String() prints,
 * which names groups (np-compute.c).
 */

#ifndef LABEL_SELECTOR_H
#define LABEL_SELECTOR_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* One label. */
struct label {
    char *key;                  /* the label's key */
    char *value;                /* its value */
};

/* A set of labels, sorted by key (keys are unique). */
struct label_set {
    struct label *labels;       /* 'n' labels, ascending by key */
    size_t n;                   /* number of labels */
};

/* Parses 'json' (a JSON object of strings, or NULL for none) into 'set'.
 * On error returns a malloc'd message naming the member, with 'set'
 * empty; otherwise NULL. */
char *label_set_from_json(struct label_set *set, const json_t *json);

/* Returns the value of 'key' in 'set', or NULL. */
const char *label_set_get(const struct label_set *, const char *key);

/* Returns true if the two sets hold the same labels. */
bool label_set_equals(const struct label_set *, const struct label_set *);

/* Copies 'src' into 'dst'. */
void label_set_clone(struct label_set *dst, const struct label_set *src);

/* Frees what 'set' holds. */
void label_set_destroy(struct label_set *set);

/* Operators of a requirement. */
enum label_op {
    LABEL_OP_EQUALS,            /* from matchLabels: key=value */
    LABEL_OP_IN,                /* key in (values) */
    LABEL_OP_NOT_IN,            /* key notin (values) */
    LABEL_OP_EXISTS,            /* key */
    LABEL_OP_DOES_NOT_EXIST     /* !key */
};

/* One requirement of a selector. */
struct label_requirement {
    char *key;                  /* the label key */
    enum label_op op;           /* operator */
    char **values;              /* sorted, unique; one for EQUALS, none for
                                   EXISTS and DOES_NOT_EXIST */
    size_t n_values;            /* elements in 'values' */
};

/* A label selector: all requirements must hold.  No requirement selects
 * everything. */
struct label_selector {
    struct label_requirement *reqs; /* sorted by key, then operator */
    size_t n_reqs;              /* elements in 'reqs' */
    char *normalized;           /* the String() form, e.g.
                                   "app=web,tier in (a,b),!x" */
    size_t refcount;            /* owners (label_selector_ref()); a
                                   selector never changes once parsed */
};

/* Parses metav1.LabelSelector 'json' into a new selector.  'what' names
 * the field for messages ("spec.podSelector").  On error returns NULL and
 * stores a malloc'd message in '*errorp'. */
struct label_selector *label_selector_from_json(const json_t *json,
                                                const char *what,
                                                char **errorp);

/* Returns true if 'sel' matches 'labels'. */
bool label_selector_matches(const struct label_selector *sel,
                            const struct label_set *labels);

/* Returns true if 'sel' has no requirement (selects everything). */
bool label_selector_is_empty(const struct label_selector *sel);

/* Returns a copy of 'sel'. */
struct label_selector *label_selector_clone(const struct label_selector *);

/* Returns 'sel' with one more owner: a selector is immutable, so
 * holders of equal selectors share one (see label_selector_destroy()). */
struct label_selector *label_selector_ref(const struct label_selector *);

/* Drops one owner of 'sel'; frees it with the last.  Accepts NULL. */
void label_selector_destroy(struct label_selector *sel);

#endif /* label-selector.h */
