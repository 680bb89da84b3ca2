/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Encoding and decoding the messages of core/proto/cni.proto; see
 * cni-protocol.h.
 */

#include <config.h>
#include "cni-protocol.h"

#include <stdlib.h>
#include <string.h>

#include "cni-env.h"
#include "cni-error.h"
#include "cni.pb-c.h"
#include "util.h"

/* Our enums use the protocol's values, so they cross the wire as they
 * are. */
#define CHECK_SAME(OURS, THEIRS) \
    _Static_assert((int) (OURS) == (int) (THEIRS), #OURS " != " #THEIRS)
CHECK_SAME(CNI_CMD_ADD, ANTREA_CNI__CNI_COMMAND__ADD);
CHECK_SAME(CNI_CMD_DEL, ANTREA_CNI__CNI_COMMAND__DEL);
CHECK_SAME(CNI_CMD_CHECK, ANTREA_CNI__CNI_COMMAND__CHECK);
CHECK_SAME(CNI_CMD_STATUS, ANTREA_CNI__CNI_COMMAND__STATUS);
CHECK_SAME(CNI_CMD_GC, ANTREA_CNI__CNI_COMMAND__GC);
#define CNI_ERROR_CODE(NAME, VALUE, DESCRIPTION) \
    CHECK_SAME(CNI_ERR_##NAME, ANTREA_CNI__ERROR_CODE__##NAME);
CNI_ERROR_CODES
#undef CNI_ERROR_CODE

static char *str_or_empty(const char *);
static char *dup_nonempty(const char *);
static char *dup_bytes(const uint8_t *data, size_t size);

/* Encodes a CniRequest for 'env' (its command must be one the agent
 * serves: ADD, DEL, CHECK, STATUS or GC) with the 'config_size' bytes of
 * network configuration at 'config', into a new buffer '*bufp' of
 * '*sizep' bytes that the caller frees. */
void
cni_protocol_encode_request(const struct cni_env *env, const char *config,
                            size_t config_size, uint8_t **bufp,
                            size_t *sizep)
{
    AntreaCni__CniCmdArgs args = ANTREA_CNI__CNI_CMD_ARGS__INIT;
    AntreaCni__CniCmdRequest request = ANTREA_CNI__CNI_CMD_REQUEST__INIT;
    AntreaCni__CniRequest envelope = ANTREA_CNI__CNI_REQUEST__INIT;

    args.container_id = str_or_empty(env->container_id);
    args.netns = str_or_empty(env->netns);
    args.ifname = str_or_empty(env->ifname);
    args.args = str_or_empty(env->args);
    args.path = str_or_empty(env->path);
    args.network_configuration.data = CONST_CAST(uint8_t *, config);
    args.network_configuration.len = config_size;
    request.cni_args = &args;
    envelope.api_version = CONST_CAST(char *, CNI_PROTOCOL_VERSION);
    envelope.command = (AntreaCni__CniCommand) env->command;
    envelope.request = &request;

    *sizep = antrea_cni__cni_request__get_packed_size(&envelope);
    *bufp = xmalloc(*sizep);
    antrea_cni__cni_request__pack(&envelope, *bufp);
}

/* Decodes the CniRequest in the 'size' bytes at 'buf' into 'env' (which
 * must be initialized and is replaced; empty strings become NULL) and the
 * network configuration, which it copies, NUL-terminated, into a new
 * buffer '*configp' (the caller frees it) of '*config_sizep' bytes before
 * the NUL.  Returns 0; DECODING_FAILURE if the bytes are not a CniRequest
 * with arguments; INCOMPATIBLE_API_VERSION if the request is for another
 * protocol version or a command we do not know.  The variables themselves
 * are not validated (cni_env_validate() does that). */
int
cni_protocol_decode_request(const uint8_t *buf, size_t size,
                            struct cni_env *env, char **configp,
                            size_t *config_sizep, struct cni_error *error)
{
    AntreaCni__CniRequest *envelope;
    int code = 0;

    cni_env_destroy(env);
    *configp = NULL;
    *config_sizep = 0;

    envelope = antrea_cni__cni_request__unpack(NULL, size, buf);
    if (!envelope) {
        return cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                             "cannot decode the %zu-byte request as a "
                             "CniRequest message", size);
    }
    if (strcmp(envelope->api_version, CNI_PROTOCOL_VERSION)) {
        char *q = cni_quote(envelope->api_version);
        code = cni_error_set(error, CNI_ERR_INCOMPATIBLE_API_VERSION, NULL,
                             "the request is for protocol version %s, but "
                             "antrea-agent speaks \"%s\"", q,
                             CNI_PROTOCOL_VERSION);
        free(q);
    } else if (envelope->command < ANTREA_CNI__CNI_COMMAND__ADD
               || envelope->command > ANTREA_CNI__CNI_COMMAND__GC) {
        code = cni_error_set(error, CNI_ERR_INCOMPATIBLE_API_VERSION, NULL,
                             "the request has command number %d, which "
                             "antrea-agent does not know",
                             (int) envelope->command);
    } else if (!envelope->request || !envelope->request->cni_args) {
        code = cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                             "the request carries no CniCmdArgs");
    } else {
        const AntreaCni__CniCmdArgs *args = envelope->request->cni_args;
        env->command = (enum cni_command) envelope->command;
        env->container_id = dup_nonempty(args->container_id);
        env->netns = dup_nonempty(args->netns);
        env->ifname = dup_nonempty(args->ifname);
        env->args = dup_nonempty(args->args);
        env->path = dup_nonempty(args->path);
        *configp = dup_bytes(args->network_configuration.data,
                             args->network_configuration.len);
        *config_sizep = args->network_configuration.len;
    }

    antrea_cni__cni_request__free_unpacked(envelope, NULL);
    return code;
}

/* Encodes a CniCmdResponse into a new buffer '*bufp' of '*sizep' bytes
 * that the caller frees: the error in 'error' if it is nonnull and set,
 * otherwise the 'result_size' bytes of result JSON at 'result' (0 bytes
 * for a command with no output). */
void
cni_protocol_encode_response(const char *result, size_t result_size,
                             const struct cni_error *error, uint8_t **bufp,
                             size_t *sizep)
{
    AntreaCni__CniCmdResponse response = ANTREA_CNI__CNI_CMD_RESPONSE__INIT;
    AntreaCni__Error perror = ANTREA_CNI__ERROR__INIT;

    if (error && cni_error_is_set(error)) {
        perror.code = (AntreaCni__ErrorCode) error->code;
        perror.message = error->msg;
        perror.cni_details = str_or_empty(error->details);
        response.error = &perror;
    } else {
        response.cni_result.data = CONST_CAST(uint8_t *, result);
        response.cni_result.len = result_size;
    }

    *sizep = antrea_cni__cni_cmd_response__get_packed_size(&response);
    *bufp = xmalloc(*sizep);
    antrea_cni__cni_cmd_response__pack(&response, *bufp);
}

/* Decodes the CniCmdResponse in the 'size' bytes at 'buf'.  Returns true
 * with the result JSON, NUL-terminated, in a new buffer '*resultp' (the
 * caller frees it) of '*result_sizep' bytes before the NUL.  Returns false
 * with the agent's error in 'error', or UNKNOWN_RPC_ERROR there if the
 * bytes are not a CniCmdResponse.  (The code alone cannot tell success:
 * an error may have code 0, UNKNOWN.) */
bool
cni_protocol_decode_response(const uint8_t *buf, size_t size,
                             char **resultp, size_t *result_sizep,
                             struct cni_error *error)
{
    AntreaCni__CniCmdResponse *response;
    bool ok = true;

    *resultp = NULL;
    *result_sizep = 0;
    response = antrea_cni__cni_cmd_response__unpack(NULL, size, buf);
    if (!response) {
        cni_error_set(error, CNI_ERR_UNKNOWN_RPC_ERROR, NULL,
                      "cannot decode antrea-agent's %zu-byte reply as a "
                      "CniCmdResponse message", size);
        return false;
    }

    if (response->error) {
        const AntreaCni__Error *e = response->error;
        cni_error_set(error, e->code, e->cni_details, "%s",
                      (e->message[0] ? e->message
                       : cni_error_code_description(e->code)));
        ok = false;
    } else {
        *resultp = dup_bytes(response->cni_result.data,
                             response->cni_result.len);
        *result_sizep = response->cni_result.len;
    }
    antrea_cni__cni_cmd_response__free_unpacked(response, NULL);
    return ok;
}

/* Returns 's', or "" if it is NULL, for a protobuf-c string field. */
static char *
str_or_empty(const char *s)
{
    return CONST_CAST(char *, s ? s : "");
}

/* Returns a copy of 's', or NULL if 's' is empty. */
static char *
dup_nonempty(const char *s)
{
    return s && s[0] ? xstrdup(s) : NULL;
}

/* Returns a NUL-terminated copy of the 'size' bytes at 'data' (which may
 * be NULL if 'size' is 0, as protobuf-c leaves empty bytes fields). */
static char *
dup_bytes(const uint8_t *data, size_t size)
{
    return size ? xmemdup0((const char *) data, size) : xstrdup("");
}
