/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * antctl's requests (antctl-http.h), with libcurl's easy interface.
 */

#include <config.h>

#include "antctl-http.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s-config.h"
#include "util.h"

/* Connecting must not take longer than this. */
#define CONNECT_TIMEOUT_MS 5000

/* Bytes a response may have (support bundles included). */
#define MAX_RESPONSE (512 * 1024 * 1024)

/* curl's write callback: appends to the response. */
static size_t
collect(char *data, size_t size, size_t n, void *resp_)
{
    struct antctl_response *resp = resp_;
    size_t len = size * n;
    if (resp->size + len > MAX_RESPONSE) {
        return 0;
    }
    resp->body = xrealloc(resp->body, resp->size + len + 1);
    memcpy(resp->body + resp->size, data, len);
    resp->size += len;
    resp->body[resp->size] = '\0';
    return len;
}

/* Sets the controller's CA, client certificate and token on 'curl';
 * 'headers' gets the Authorization header.  Returns 0 or -1 with a
 * message. */
static int
setup_controller(CURL *curl, const struct k8s_config *cfg,
                 struct curl_slist **headers, char **errorp)
{
    if (cfg->ca_file) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->ca_file);
    } else if (cfg->ca_data) {
        struct curl_blob blob = { cfg->ca_data, cfg->ca_data_size,
                                  CURL_BLOB_COPY };
        curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (cfg->insecure_skip_tls_verify) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (cfg->cert_file) {
        curl_easy_setopt(curl, CURLOPT_SSLCERT, cfg->cert_file);
    } else if (cfg->cert_data) {
        struct curl_blob blob = { cfg->cert_data, cfg->cert_data_size,
                                  CURL_BLOB_COPY };
        curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &blob);
    }
    if (cfg->key_file) {
        curl_easy_setopt(curl, CURLOPT_SSLKEY, cfg->key_file);
    } else if (cfg->key_data) {
        struct curl_blob blob = { cfg->key_data, cfg->key_data_size,
                                  CURL_BLOB_COPY };
        curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &blob);
    }

    char *token = cfg->token ? xstrdup(cfg->token) : NULL;
    if (!token && cfg->token_file) {
        token = k8s_config_read_token(cfg->token_file, errorp);
        if (!token) {
            return -1;
        }
    }
    if (token) {
        char *header = xasprintf("Authorization: Bearer %s", token);
        *headers = curl_slist_append(*headers, header);
        free(header);
        free(token);
    }
    return 0;
}

int
antctl_request(const struct antctl_target *target, const char *method,
               const char *path, struct antctl_response *resp,
               char **errorp)
{
    memset(resp, 0, sizeof *resp);
    *errorp = NULL;

    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    char *url;
    if (!curl) {
        *errorp = xstrdup("cannot initialise libcurl");
        return -1;
    }
    if (target->agent_socket) {
        url = xasprintf("http://localhost%s", path);
        curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH,
                         target->agent_socket);
    } else {
        url = xasprintf("%s%s", target->controller->server, path);
        if (setup_controller(curl, target->controller, &headers, errorp)) {
            curl_easy_cleanup(curl);
            free(url);
            return -1;
        }
    }
    /* The controller's JSON views (api-server.h), else JSON. */
    headers = curl_slist_append(
        headers, "Accept: application/vnd.antrea.cp.v1beta2+json, "
        "application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, target->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");

    char curl_error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
    } else {
        const char *why = curl_error[0] ? curl_error
                                        : curl_easy_strerror(code);
        if (target->agent_socket) {
            *errorp = xasprintf(
                "cannot reach antrea-agent through its API socket %s: %s "
                "(is antrea-agent running on this Node, and are you root? "
                "--agent-socket or ANTCTL_AGENT_SOCKET names another "
                "socket)", target->agent_socket, why);
        } else {
            *errorp = xasprintf(
                "cannot reach antrea-controller at %s: %s (is "
                "antrea-controller running, and do --server, --ca or the "
                "kubeconfig (%s) point at it?)", target->controller->server,
                why, target->controller->source
                     ? target->controller->source : "none");
        }
        free(resp->body);
        memset(resp, 0, sizeof *resp);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(url);
    return code == CURLE_OK ? 0 : -1;
}

char *
antctl_error_message(const struct antctl_target *target,
                     const struct antctl_response *resp)
{
    const char *who = target->agent_socket ? "antrea-agent"
                                           : "antrea-controller";
    json_t *obj = resp->body ? json_loads(resp->body, 0, NULL) : NULL;
    const char *message = json_string_value(json_object_get(obj,
                                                            "message"));
    char *text = xasprintf("%s answered %ld: %s", who, resp->status,
                           message ? message
                           : resp->body && resp->body[0] ? resp->body
                           : "(no message)");
    json_decref(obj);
    return text;
}

char *
antctl_escape(const char *value)
{
    char *escaped = curl_easy_escape(NULL, value, 0);
    char *copy = xstrdup(escaped ? escaped : "");
    curl_free(escaped);
    return copy;
}
