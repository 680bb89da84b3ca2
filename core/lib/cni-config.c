/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Network configuration parsing; see cni-config.h.
 */

#include <config.h>
#include "cni-config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cni-error.h"
#include "cni-result.h"
#include "cni-version.h"
#include "util.h"

/* The MTU range a Pod interface may have (IPv4's minimum; 64 KiB). */
#define MTU_MIN 68
#define MTU_MAX 65535

static int get_string(const json_t *obj, const char *key, bool required,
                      char **valuep, struct cni_error *);
static int get_object(const json_t *obj, const char *key,
                      const json_t **valuep, struct cni_error *);
static int read_attachments(struct cni_net_conf *, const json_t *array,
                            const char *key, struct cni_error *);
static bool only_whitespace(const char *data, size_t size);

/* Initializes 'conf' as empty. */
void
cni_net_conf_init(struct cni_net_conf *conf)
{
    memset(conf, 0, sizeof *conf);
}

/* Frees what 'conf' holds and makes it empty again.  Accepts NULL. */
void
cni_net_conf_destroy(struct cni_net_conf *conf)
{
    if (!conf) {
        return;
    }
    json_decref(conf->json);
    free(conf->cni_version);
    free(conf->name);
    free(conf->type);
    free(conf->ipam_type);
    if (conf->prev_result) {
        cni_result_destroy(conf->prev_result);
        free(conf->prev_result);
    }
    free(conf->cni_socket);
    for (size_t i = 0; i < conf->n_valid_attachments; i++) {
        free(conf->valid_attachments[i].container_id);
        free(conf->valid_attachments[i].ifname);
    }
    free(conf->valid_attachments);
    cni_net_conf_init(conf);
}

/* Parses the 'size' bytes at 'data' (need not be NUL-terminated) as a
 * network configuration into 'conf', which must be initialized and is
 * replaced.  Returns 0, or a CNI error code with a message naming the
 * member at fault in 'error' (and 'conf' empty). */
int
cni_net_conf_parse(struct cni_net_conf *conf, const char *data, size_t size,
                   struct cni_error *error)
{
    json_error_t jerror;
    int code;

    cni_net_conf_destroy(conf);
    if (only_whitespace(data, size)) {
        return cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                             "the network configuration is empty");
    }
    conf->json = json_loadb(data, size, 0, &jerror);
    if (!conf->json) {
        return cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                             "the network configuration is not valid JSON: "
                             "%s at line %d, column %d", jerror.text,
                             jerror.line, jerror.column);
    } else if (!json_is_object(conf->json)) {
        code = cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                             "the network configuration is not a JSON "
                             "object");
        goto error;
    }
    const json_t *json = conf->json;

    /* The version decides how to read the rest, so it comes first. */
    code = get_string(json, "cniVersion", false, &conf->cni_version, error);
    if (!code) {
        code = cni_version_check(conf->cni_version, error);
    }
    if (!code) {
        code = get_string(json, "name", true, &conf->name, error);
    }
    if (!code) {
        code = get_string(json, "type", true, &conf->type, error);
    }
    if (code) {
        goto error;
    }

    const json_t *mtu = json_object_get(json, "mtu");
    if (mtu) {
        if (!json_is_integer(mtu)) {
            code = cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                                 "the network configuration's \"mtu\" is "
                                 "not an integer");
            goto error;
        } else if (json_integer_value(mtu) < MTU_MIN
                   || json_integer_value(mtu) > MTU_MAX) {
            code = cni_error_set(error, CNI_ERR_INVALID_NETWORK_CONFIG, NULL,
                                 "the network configuration's \"mtu\" %"
                                 JSON_INTEGER_FORMAT " is out of range "
                                 "[%d, %d]", json_integer_value(mtu),
                                 MTU_MIN, MTU_MAX);
            goto error;
        }
        conf->mtu = json_integer_value(mtu);
    }

    code = get_object(json, "ipam", &conf->ipam, error);
    if (!code && conf->ipam) {
        code = get_string(conf->ipam, "type", false, &conf->ipam_type,
                          error);
        if (code) {
            /* get_string() named "type": say whose. */
            cni_error_set(error, code, NULL, "the network configuration's "
                          "\"ipam\" has a \"type\" that is not a string");
        }
    }
    if (!code) {
        code = get_object(json, "runtimeConfig", &conf->runtime_config,
                          error);
    }
    if (!code) {
        code = get_object(json, "prevResult", &conf->prev_result_json,
                          error);
    }
    if (!code && conf->prev_result_json) {
        conf->prev_result = xmalloc(sizeof *conf->prev_result);
        cni_result_init(conf->prev_result);
        code = cni_result_from_json(conf->prev_result,
                                    conf->prev_result_json, "prevResult",
                                    error);
    }
    if (!code) {
        code = get_string(json, "cniSocket", false, &conf->cni_socket,
                          error);
    }
    if (!code && conf->cni_socket && conf->cni_socket[0] != '/') {
        char *q = cni_quote(conf->cni_socket);
        code = cni_error_set(error, CNI_ERR_INVALID_NETWORK_CONFIG, NULL,
                             "the network configuration's \"cniSocket\" %s "
                             "is not an absolute path", q);
        free(q);
    }
    if (!code) {
        static const char *const keys[] = {
            "cni.dev/valid-attachments", "cni.dev/attachments",
        };
        for (size_t i = 0; i < ARRAY_SIZE(keys) && !code; i++) {
            const json_t *array = json_object_get(json, keys[i]);
            if (array && !conf->has_valid_attachments) {
                code = read_attachments(conf, array, keys[i], error);
            }
        }
    }
    if (!code) {
        return 0;
    }

error:
    cni_net_conf_destroy(conf);
    return code;
}

/* Checks that 'conf' allows 'command': CHECK needs cniVersion 0.4.0 or
 * newer and a prevResult; STATUS and GC need 1.1.0 or newer; GC needs the
 * list of valid attachments (without it, GC would have to treat every
 * attachment as stale).  Returns 0 or INCOMPATIBLE_CNI_VERSION or
 * INVALID_NETWORK_CONFIG with a message in 'error'. */
int
cni_net_conf_check_command(const struct cni_net_conf *conf,
                           enum cni_command command, struct cni_error *error)
{
    const char *minimum = (command == CNI_CMD_CHECK ? "0.4.0"
                           : command == CNI_CMD_STATUS
                           || command == CNI_CMD_GC ? "1.1.0"
                           : NULL);

    if (minimum && !cni_version_at_least(conf->cni_version, minimum)) {
        return cni_error_set(error, CNI_ERR_INCOMPATIBLE_CNI_VERSION, NULL,
                             "%s needs cniVersion %s or newer, but the "
                             "network configuration has %s",
                             cni_command_name(command), minimum,
                             conf->cni_version);
    } else if (command == CNI_CMD_CHECK && !conf->prev_result) {
        return cni_error_set(error, CNI_ERR_INVALID_NETWORK_CONFIG, NULL,
                             "CHECK needs the result of the previous ADD "
                             "in the network configuration's "
                             "\"prevResult\"");
    } else if (command == CNI_CMD_GC && !conf->has_valid_attachments) {
        return cni_error_set(error, CNI_ERR_INVALID_NETWORK_CONFIG, NULL,
                             "GC needs the list of valid attachments in "
                             "the network configuration's "
                             "\"cni.dev/valid-attachments\"");
    }
    return 0;
}

/* Returns a copy of the "cniVersion" of the network configuration in the
 * 'size' bytes at 'data' if it is valid JSON with a supported cniVersion,
 * otherwise NULL.  For labelling error JSON with the runtime's version
 * even when the configuration has other problems.  The caller frees the
 * string. */
char *
cni_net_conf_peek_version(const char *data, size_t size)
{
    json_t *json = json_loadb(data, size, 0, NULL);
    const char *version = json_string_value(json_object_get(json,
                                                            "cniVersion"));
    char *copy = cni_version_is_supported(version) ? xstrdup(version) : NULL;

    json_decref(json);
    return copy;
}

/* Reads string member 'key' of 'obj' into '*valuep' (which must be NULL),
 * or leaves it NULL if the member is absent, which is
 * INVALID_NETWORK_CONFIG if 'required'.  A member of another type is
 * DECODING_FAILURE. */
static int
get_string(const json_t *obj, const char *key, bool required, char **valuep,
           struct cni_error *error)
{
    const json_t *value = json_object_get(obj, key);

    if (!value) {
        if (required) {
            return cni_error_set(error, CNI_ERR_INVALID_NETWORK_CONFIG, NULL,
                                 "the network configuration has no \"%s\"",
                                 key);
        }
        return 0;
    } else if (!json_is_string(value)) {
        return cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                             "the network configuration's \"%s\" is not a "
                             "string", key);
    }
    *valuep = xstrdup(json_string_value(value));
    return 0;
}

/* Points '*valuep' to object member 'key' of 'obj', or to NULL if it is
 * absent or null.  A member of another type is DECODING_FAILURE. */
static int
get_object(const json_t *obj, const char *key, const json_t **valuep,
           struct cni_error *error)
{
    const json_t *value = json_object_get(obj, key);

    *valuep = NULL;
    if (!value || json_is_null(value)) {
        return 0;
    } else if (!json_is_object(value)) {
        return cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                             "the network configuration's \"%s\" is not a "
                             "JSON object", key);
    }
    *valuep = value;
    return 0;
}

/* Reads 'array', the value of member 'key', a list of
 * {"containerID": ..., "ifname": ...} objects, into the valid attachments
 * of 'conf'. */
static int
read_attachments(struct cni_net_conf *conf, const json_t *array,
                 const char *key, struct cni_error *error)
{
    if (!json_is_array(array)) {
        return cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                             "the network configuration's \"%s\" is not an "
                             "array", key);
    }

    size_t n = json_array_size(array);
    conf->valid_attachments = xcalloc(n, sizeof *conf->valid_attachments);
    conf->has_valid_attachments = true;
    for (size_t i = 0; i < n; i++) {
        const json_t *obj = json_array_get(array, i);
        const char *id = json_string_value(json_object_get(obj,
                                                           "containerID"));
        const json_t *ifname = json_object_get(obj, "ifname");
        if (!id || (ifname && !json_is_string(ifname))) {
            return cni_error_set(error, CNI_ERR_DECODING_FAILURE, NULL,
                                 "the network configuration's \"%s\"[%zu] "
                                 "is not an object with a string "
                                 "\"containerID\" and \"ifname\"", key, i);
        }
        struct cni_attachment *a = &conf->valid_attachments[i];
        a->container_id = xstrdup(id);
        a->ifname = ifname ? xstrdup(json_string_value(ifname)) : NULL;
        conf->n_valid_attachments = i + 1;
    }
    return 0;
}

/* Returns true if the 'size' bytes at 'data' are all JSON whitespace. */
static bool
only_whitespace(const char *data, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        if (!strchr(" \t\r\n", data[i]) || !data[i]) {
            return false;
        }
    }
    return true;
}
