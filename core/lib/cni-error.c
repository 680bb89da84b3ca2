/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * CNI error codes, error values and the error JSON; see cni-error.h.
 */

#include <config.h>
#include "cni-error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Longest piece of input quoted in a message, in characters. */
#define QUOTE_MAX 200

static json_t *json_string_lossy(const char *);

/* Returns the name of 'code' ("TRY_AGAIN_LATER"), or "PLUGIN_SPECIFIC"
 * for a code this file does not know. */
const char *
cni_error_code_name(int code)
{
    switch (code) {
#define CNI_ERROR_CODE(NAME, VALUE, DESCRIPTION) \
    case VALUE: return #NAME;
    CNI_ERROR_CODES
#undef CNI_ERROR_CODE
    default:
        return "PLUGIN_SPECIFIC";
    }
}

/* Returns a short description of 'code', for messages. */
const char *
cni_error_code_description(int code)
{
    switch (code) {
#define CNI_ERROR_CODE(NAME, VALUE, DESCRIPTION) \
    case VALUE: return DESCRIPTION;
    CNI_ERROR_CODES
#undef CNI_ERROR_CODE
    default:
        return "plugin-specific error";
    }
}

/* Initializes 'error' as "no error". */
void
cni_error_init(struct cni_error *error)
{
    error->code = 0;
    error->msg = NULL;
    error->details = NULL;
}

/* Frees what 'error' holds and makes it "no error" again.  Accepts
 * NULL. */
void
cni_error_destroy(struct cni_error *error)
{
    if (error) {
        free(error->msg);
        free(error->details);
        cni_error_init(error);
    }
}

/* Returns true if 'error' holds an error. */
bool
cni_error_is_set(const struct cni_error *error)
{
    return error->msg != NULL;
}

/* Replaces what 'error' holds by an error with 'code', a printf-style
 * message and 'details' (may be NULL).  Returns 'code', so that a parser
 * can "return cni_error_set(...)". */
int
cni_error_set(struct cni_error *error, int code, const char *details,
              const char *format, ...)
{
    va_list args;

    cni_error_destroy(error);
    error->code = code;
    va_start(args, format);
    error->msg = xvasprintf(format, args);
    va_end(args);
    error->details = details && details[0] ? xstrdup(details) : NULL;
    return code;
}

/* Moves the error in 'src' into 'dst' (replacing what 'dst' held) and
 * leaves 'src' without an error. */
void
cni_error_move(struct cni_error *dst, struct cni_error *src)
{
    cni_error_destroy(dst);
    *dst = *src;
    cni_error_init(src);
}

/* Returns the CNI spec's error JSON for 'error', one line without a final
 * newline, e.g.
 *   {"cniVersion":"1.0.0","code":7,"msg":"...","details":"..."}
 * "details" is left out when there are none.  'cni_version' is the version
 * of the request, or whichever version the caller could determine.  The
 * caller frees the string. */
char *
cni_error_to_json(const struct cni_error *error, const char *cni_version)
{
    json_t *obj = json_object();

    json_object_set_new(obj, "cniVersion", json_string_lossy(cni_version));
    json_object_set_new(obj, "code", json_integer(error->code));
    json_object_set_new(obj, "msg",
                        json_string_lossy(error->msg ? error->msg
                                          : cni_error_code_description(
                                              error->code)));
    if (error->details) {
        json_object_set_new(obj, "details",
                            json_string_lossy(error->details));
    }

    char *s = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!s) {
        out_of_memory();
    }
    return s;
}

/* Returns 's' in double quotes for a message, with quotes, backslashes and
 * bytes that are not printable ASCII escaped (\", \\, \xNN), cut after
 * QUOTE_MAX characters with "...".  NULL gives "(null)".  The caller
 * frees the string. */
char *
cni_quote(const char *s)
{
    return s ? cni_quote_n(s, strlen(s)) : xstrdup("(null)");
}

/* Like cni_quote() for the 'length' bytes at 's', which may hold NULs. */
char *
cni_quote_n(const char *s, size_t length)
{
    size_t n = length < QUOTE_MAX ? length : QUOTE_MAX;
    char *q = xmalloc(n * 4 + sizeof "\"...\"");
    char *p = q;

    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = c;
        } else if (c >= 0x20 && c < 0x7f) {
            *p++ = c;
        } else {
            p += sprintf(p, "\\x%02x", c);
        }
    }
    *p++ = '"';
    if (n < length) {
        p = stpcpy(p, "...");
    }
    *p = '\0';
    return q;
}

/* Returns a JSON string for 's', with any byte that is not part of valid
 * UTF-8 replaced by '?', so that a message quoting bad input still makes
 * valid JSON. */
static json_t *
json_string_lossy(const char *s)
{
    json_t *j = json_string(s);
    if (j) {
        return j;
    }

    char *copy = xstrdup(s);
    for (char *p = copy; *p; p++) {
        if ((unsigned char) *p >= 0x80) {
            *p = '?';
        }
    }
    j = json_string(copy);
    free(copy);
    return j;
}
