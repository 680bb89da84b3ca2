/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * CNI spec versions; see cni-version.h.
 */

#include <config.h>
#include "cni-version.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cni-error.h"
#include "util.h"

/* Oldest first; the last is CNI_VERSION_LATEST. */
const char *const cni_supported_versions[] = {
    "0.3.0", "0.3.1", "0.4.0", "1.0.0", CNI_VERSION_LATEST,
};
const size_t cni_n_supported_versions = ARRAY_SIZE(cni_supported_versions);

static bool parse_number(const char **sp, int *n);

/* Returns true if 'version' (may be NULL) is one of the supported
 * versions, spelled exactly. */
bool
cni_version_is_supported(const char *version)
{
    if (!version) {
        return false;
    }
    for (size_t i = 0; i < cni_n_supported_versions; i++) {
        if (!strcmp(version, cni_supported_versions[i])) {
            return true;
        }
    }
    return false;
}

/* Returns 0 if 'version' is supported, otherwise stores an
 * INCOMPATIBLE_CNI_VERSION error naming it and the supported versions in
 * 'error' and returns that code.  NULL stands for a configuration with no
 * "cniVersion", which the CNI libraries read as 0.1.0. */
int
cni_version_check(const char *version, struct cni_error *error)
{
    if (cni_version_is_supported(version)) {
        return 0;
    }

    char *list = cni_version_list();
    if (version) {
        char *q = cni_quote(version);
        cni_error_set(error, CNI_ERR_INCOMPATIBLE_CNI_VERSION, NULL,
                      "unsupported cniVersion %s: antrea-cni supports %s",
                      q, list);
        free(q);
    } else {
        cni_error_set(error, CNI_ERR_INCOMPATIBLE_CNI_VERSION, NULL,
                      "the network configuration has no \"cniVersion\" "
                      "(which means 0.1.0): antrea-cni supports %s", list);
    }
    free(list);
    return CNI_ERR_INCOMPATIBLE_CNI_VERSION;
}

/* Parses 'version' as MAJOR.MINOR.PATCH (decimal, nothing else) into the
 * three outputs.  Returns false if it has another form. */
bool
cni_version_parse(const char *version, int *major, int *minor, int *patch)
{
    const char *s = version;

    return (s
            && parse_number(&s, major) && *s++ == '.'
            && parse_number(&s, minor) && *s++ == '.'
            && parse_number(&s, patch) && !*s);
}

/* Compares two versions of the form MAJOR.MINOR.PATCH numerically:
 * returns a negative number, 0 or a positive number as 'a' is older than,
 * the same as or newer than 'b'.  A malformed version is older than any
 * well-formed one. */
int
cni_version_compare(const char *a, const char *b)
{
    int a_parts[3], b_parts[3];
    bool a_ok = cni_version_parse(a, &a_parts[0], &a_parts[1], &a_parts[2]);
    bool b_ok = cni_version_parse(b, &b_parts[0], &b_parts[1], &b_parts[2]);

    if (!a_ok || !b_ok) {
        return a_ok - b_ok;
    }
    for (int i = 0; i < 3; i++) {
        if (a_parts[i] != b_parts[i]) {
            return a_parts[i] < b_parts[i] ? -1 : 1;
        }
    }
    return 0;
}

/* Returns true if 'version' is 'minimum' or newer. */
bool
cni_version_at_least(const char *version, const char *minimum)
{
    return cni_version_compare(version, minimum) >= 0;
}

/* Returns the supported versions as "0.3.0, 0.3.1, ...", for messages.
 * The caller frees it. */
char *
cni_version_list(void)
{
    size_t size = 1;
    for (size_t i = 0; i < cni_n_supported_versions; i++) {
        size += strlen(cni_supported_versions[i]) + 2;
    }

    char *list = xmalloc(size);
    list[0] = '\0';
    for (size_t i = 0; i < cni_n_supported_versions; i++) {
        if (i) {
            strcat(list, ", ");
        }
        strcat(list, cni_supported_versions[i]);
    }
    return list;
}

/* Returns the output of the VERSION command as a new JSON object:
 *   {"cniVersion": <cni_version>, "supportedVersions": [...]}
 * 'cni_version' is the version the runtime asked for if it named a
 * supported one, otherwise NULL, which stands for CNI_VERSION_LATEST. */
json_t *
cni_version_info(const char *cni_version)
{
    json_t *info = json_object();
    json_t *versions = json_array();

    for (size_t i = 0; i < cni_n_supported_versions; i++) {
        json_array_append_new(versions,
                              json_string(cni_supported_versions[i]));
    }
    json_object_set_new(info, "cniVersion",
                        json_string(cni_version_is_supported(cni_version)
                                    ? cni_version : CNI_VERSION_LATEST));
    json_object_set_new(info, "supportedVersions", versions);
    return info;
}

/* Parses a decimal number without sign or leading zeros (other than "0"
 * itself) at '*sp' into '*n', advancing '*sp'.  Returns false if there is
 * none or it does not fit an int. */
static bool
parse_number(const char **sp, int *n)
{
    const char *s = *sp;
    long value = 0;

    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9')) {
        return false;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        value = value * 10 + (*s - '0');
        if (value > INT_MAX) {
            return false;
        }
    }
    *n = value;
    *sp = s;
    return true;
}
