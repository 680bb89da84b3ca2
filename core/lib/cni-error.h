/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * CNI errors: the error codes antrea-cni reports (the CNI spec's
 * well-known codes and Antrea's own, with the values of the ErrorCode enum
 * in core/proto/cni.proto), an error value carrying a code, a message and
 * optional details, and the error JSON of the CNI spec
 * ({"cniVersion", "code", "msg", "details"}) that a failing plugin prints.
 *
 * Every CNI parsing function in core/lib/cni-*.c reports a failure the
 * same way: it returns the error's code (a positive number) and fills a
 * struct cni_error that the caller owns.
 */

#ifndef CNI_ERROR_H
#define CNI_ERROR_H 1

#include <stdbool.h>
#include <stddef.h>

#include "antrea/host-api.h"    /* ANTREA_PRINTF_FORMAT */

/* The codes, by name and value: (NAME, value, description). */
#define CNI_ERROR_CODES                                                   \
    CNI_ERROR_CODE(UNKNOWN, 0, "unknown error")                           \
    CNI_ERROR_CODE(INCOMPATIBLE_CNI_VERSION, 1,                           \
                   "incompatible CNI version")                            \
    CNI_ERROR_CODE(UNSUPPORTED_FIELD, 2,                                  \
                   "unsupported field in network configuration")          \
    CNI_ERROR_CODE(UNKNOWN_CONTAINER, 3,                                  \
                   "container unknown or does not exist")                 \
    CNI_ERROR_CODE(INVALID_ENVIRONMENT_VARIABLES, 4,                      \
                   "invalid necessary environment variables")             \
    CNI_ERROR_CODE(IO_FAILURE, 5, "I/O failure")                          \
    CNI_ERROR_CODE(DECODING_FAILURE, 6, "failed to decode content")       \
    CNI_ERROR_CODE(INVALID_NETWORK_CONFIG, 7, "invalid network config")   \
    CNI_ERROR_CODE(TRY_AGAIN_LATER, 11, "try again later")                \
    CNI_ERROR_CODE(PLUGIN_NOT_AVAILABLE, 50,                              \
                   "the plugin is not available")                         \
    CNI_ERROR_CODE(PLUGIN_NOT_AVAILABLE_LIMITED_CONNECTIVITY, 51,         \
                   "the plugin is not available and existing containers " \
                   "may have limited connectivity")                       \
    CNI_ERROR_CODE(IPAM_FAILURE, 101, "IPAM failure")                     \
    CNI_ERROR_CODE(CONFIG_INTERFACE_FAILURE, 102,                         \
                   "failed to configure the interface")                   \
    CNI_ERROR_CODE(CHECK_INTERFACE_FAILURE, 103,                          \
                   "interface check failed")                              \
    CNI_ERROR_CODE(UNKNOWN_RPC_ERROR, 201,                                \
                   "antrea-agent communication failure")                  \
    CNI_ERROR_CODE(INCOMPATIBLE_API_VERSION, 202,                         \
                   "antrea-cni and antrea-agent protocol mismatch")

/* CNI_ERR_<NAME> = value. */
enum cni_error_code {
#define CNI_ERROR_CODE(NAME, VALUE, DESCRIPTION) CNI_ERR_##NAME = VALUE,
    CNI_ERROR_CODES
#undef CNI_ERROR_CODE
};

/* A CNI error.  Set when 'msg' is nonnull. */
struct cni_error {
    int code;                   /* enum cni_error_code, or another code */
    char *msg;                  /* what went wrong, naming the input;
                                   NULL: no error */
    char *details;              /* more detail, or NULL */
};

#define CNI_ERROR_INITIALIZER { 0, NULL, NULL }

/* Codes. */
const char *cni_error_code_name(int code);
const char *cni_error_code_description(int code);

/* Error values. */
void cni_error_init(struct cni_error *);
void cni_error_destroy(struct cni_error *);
bool cni_error_is_set(const struct cni_error *);
int cni_error_set(struct cni_error *, int code, const char *details,
                  const char *format, ...) ANTREA_PRINTF_FORMAT(4, 5);
void cni_error_move(struct cni_error *dst, struct cni_error *src);

/* The CNI spec's error JSON. */
char *cni_error_to_json(const struct cni_error *, const char *cni_version);

/* Quoting input in messages. */
char *cni_quote(const char *s);
char *cni_quote_n(const char *s, size_t length);

#endif /* cni-error.h */
