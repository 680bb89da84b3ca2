/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for core/lib/cni-error.c: the code table (values of the CNI
 * spec and of Antrea's cni.proto), the error JSON for every code, and the
 * quoting that keeps bad input from breaking messages or the JSON.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni-error.h"

TestSuite(cni_error, .timeout = 30);

Test(cni_error, code_values)
{
    /* The CNI spec's well-known codes and Antrea's. */
    cr_assert_eq(CNI_ERR_INCOMPATIBLE_CNI_VERSION, 1);
    cr_assert_eq(CNI_ERR_UNSUPPORTED_FIELD, 2);
    cr_assert_eq(CNI_ERR_UNKNOWN_CONTAINER, 3);
    cr_assert_eq(CNI_ERR_INVALID_ENVIRONMENT_VARIABLES, 4);
    cr_assert_eq(CNI_ERR_IO_FAILURE, 5);
    cr_assert_eq(CNI_ERR_DECODING_FAILURE, 6);
    cr_assert_eq(CNI_ERR_INVALID_NETWORK_CONFIG, 7);
    cr_assert_eq(CNI_ERR_TRY_AGAIN_LATER, 11);
    cr_assert_eq(CNI_ERR_PLUGIN_NOT_AVAILABLE, 50);
    cr_assert_eq(CNI_ERR_PLUGIN_NOT_AVAILABLE_LIMITED_CONNECTIVITY, 51);
    cr_assert_eq(CNI_ERR_IPAM_FAILURE, 101);
    cr_assert_eq(CNI_ERR_CONFIG_INTERFACE_FAILURE, 102);
    cr_assert_eq(CNI_ERR_CHECK_INTERFACE_FAILURE, 103);
    cr_assert_eq(CNI_ERR_UNKNOWN_RPC_ERROR, 201);
    cr_assert_eq(CNI_ERR_INCOMPATIBLE_API_VERSION, 202);

    cr_assert_str_eq(cni_error_code_name(11), "TRY_AGAIN_LATER");
    cr_assert_str_eq(cni_error_code_name(150), "PLUGIN_SPECIFIC");
    cr_assert_str_eq(cni_error_code_description(50),
                     "the plugin is not available");
}

Test(cni_error, json_for_every_code)
{
    static const int codes[] = {
        1, 2, 3, 4, 5, 6, 7, 11, 50, 51, 101, 102, 103, 201, 202, 150,
    };

    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        struct cni_error error = CNI_ERROR_INITIALIZER;
        cr_assert_eq(cni_error_set(&error, codes[i], NULL, "failure %d",
                                   codes[i]), codes[i]);
        char *json = cni_error_to_json(&error, "1.0.0");
        char *expected = NULL;
        cr_assert_neq(asprintf(&expected, "{\"cniVersion\":\"1.0.0\","
                               "\"code\":%d,\"msg\":\"failure %d\"}",
                               codes[i], codes[i]), -1);
        cr_assert_str_eq(json, expected);
        free(expected);
        free(json);
        cni_error_destroy(&error);
    }
}

Test(cni_error, json_with_details)
{
    struct cni_error error = CNI_ERROR_INITIALIZER;

    cni_error_set(&error, CNI_ERR_IPAM_FAILURE, "range 10.10.1.0/24 full",
                  "no address for \"%s\"", "c1");
    char *json = cni_error_to_json(&error, "0.3.1");
    cr_assert_str_eq(json, "{\"cniVersion\":\"0.3.1\",\"code\":101,"
                     "\"msg\":\"no address for \\\"c1\\\"\","
                     "\"details\":\"range 10.10.1.0/24 full\"}");
    free(json);

    /* Empty details are left out. */
    cni_error_set(&error, CNI_ERR_IO_FAILURE, "", "x");
    cr_assert_null(error.details);
    cni_error_destroy(&error);
    cr_assert_not(cni_error_is_set(&error));
}

Test(cni_error, json_survives_invalid_utf8)
{
    struct cni_error error = CNI_ERROR_INITIALIZER;

    cni_error_set(&error, CNI_ERR_DECODING_FAILURE, "\xff\xfe",
                  "bad \xc3 byte");
    char *json = cni_error_to_json(&error, "1.1.0");
    json_error_t e;
    json_t *j = json_loads(json, 0, &e);
    cr_assert_not_null(j, "not JSON: %s (%s)", json, e.text);
    cr_assert_str_eq(json_string_value(json_object_get(j, "msg")),
                     "bad ? byte");
    cr_assert_str_eq(json_string_value(json_object_get(j, "details")),
                     "??");
    json_decref(j);
    free(json);
    cni_error_destroy(&error);
}

Test(cni_error, move)
{
    struct cni_error a = CNI_ERROR_INITIALIZER;
    struct cni_error b = CNI_ERROR_INITIALIZER;

    cni_error_set(&a, 7, NULL, "first");
    cni_error_set(&b, 4, NULL, "second");
    cni_error_move(&b, &a);
    cr_assert_not(cni_error_is_set(&a));
    cr_assert_eq(b.code, 7);
    cr_assert_str_eq(b.msg, "first");
    cni_error_destroy(&b);
}

Test(cni_error, quote)
{
    char *q = cni_quote("a\"b\\c\n\x01\xe9");
    cr_assert_str_eq(q, "\"a\\\"b\\\\c\\x0a\\x01\\xe9\"");
    free(q);

    q = cni_quote(NULL);
    cr_assert_str_eq(q, "(null)");
    free(q);

    char long_input[300];
    memset(long_input, 'x', sizeof long_input - 1);
    long_input[sizeof long_input - 1] = '\0';
    q = cni_quote(long_input);
    cr_assert_eq(strlen(q), 200 + 2 + 3, "cut at 200 characters");
    cr_assert(strstr(q, "\"...") == q + 201);
    free(q);
}
