/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The fields AntreaAgentInfo and AntreaControllerInfo share
 * (antrea-info.h).
 */

#include <config.h>
#include "k8s/antrea-info.h"

#include <stdlib.h>
#include <string.h>

#include "k8s/k8s-object-writer.h"
#include "util.h"

struct k8s_object_writer *
antrea_info_writer_create(struct k8s_client *client, const char *collection,
                          const char *kind, const char *name,
                          long long period_ms, long long check_ms,
                          k8s_object_fingerprint_func *fingerprint,
                          k8s_object_build_func *build, void *aux)
{
    struct k8s_object_writer_params wp = {
        .collection = collection,
        .api_version = ANTREA_INFO_API_VERSION,
        .kind = kind,
        .name = name,
        .period_ms = period_ms,
        .check_ms = check_ms,
        .fingerprint = fingerprint,
        .build = build,
        .aux = aux,
    };
    return k8s_object_writer_create(client, &wp);
}

void
antrea_info_keep_string(char **copyp, const char **paramp)
{
    const char *s = *paramp;
    *copyp = s && s[0] ? xstrdup(s) : NULL;
    *paramp = *copyp;
}

void
antrea_info_copy_member(json_t *to, const json_t *from, const char *key)
{
    json_t *value = json_object_get(from, key);
    if (value) {
        json_object_set(to, key, value);
    }
}

json_t *
antrea_info_object_ref(const char *kind, const char *namespace,
                       const char *name)
{
    json_t *ref = json_pack("{s:s}", "kind", kind);
    if (namespace) {
        json_object_set_new(ref, "namespace", json_string(namespace));
    }
    json_object_set_new(ref, "name", json_string(name));
    return ref;
}

json_t *
antrea_info_content_start(const json_t *view, const char *pod_namespace,
                          const char *pod_name)
{
    json_t *content = json_object();
    antrea_info_copy_member(content, view, "version");
    if (pod_namespace && pod_name) {
        json_object_set_new(content, "podRef",
                            antrea_info_object_ref("Pod", pod_namespace,
                                                   pod_name));
    }
    return content;
}

json_t *
antrea_info_policy_counts(const json_t *view)
{
    const json_t *np = json_object_get(view, "networkPolicyControllerInfo");
    json_t *counts = json_object();
    antrea_info_copy_member(counts, np, "networkPolicyNum");
    antrea_info_copy_member(counts, np, "addressGroupNum");
    antrea_info_copy_member(counts, np, "appliedToGroupNum");
    return counts;
}

json_t *
antrea_info_conditions(const json_t *view_conditions, time_t now,
                       antrea_info_message_func *message)
{
    char stamp[K8S_TIME_SIZE];
    k8s_format_time(now, stamp);

    json_t *conditions = json_array();
    size_t i;
    const json_t *c;
    json_array_foreach (view_conditions, i, c) {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *status = json_string_value(json_object_get(c,
                                                               "status"));
        const char *reason = json_string_value(json_object_get(c,
                                                               "reason"));
        if (!type || !status) {
            continue;
        }
        json_t *out = json_pack("{s:s, s:s, s:s}", "type", type,
                                "status", status,
                                "lastHeartbeatTime", stamp);
        if (reason) {
            json_object_set_new(out, "reason", json_string(reason));
        }
        const char *why = (message && strcmp(status, "True")
                           ? message(type, reason) : NULL);
        if (why) {
            json_object_set_new(out, "message", json_string(why));
        }
        json_array_append_new(conditions, out);
    }
    return conditions;
}
