/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The network configuration a runtime passes to a CNI plugin on stdin,
 * parsed and checked: the members every plugin reads (cniVersion, name,
 * type), the ones Antrea reads (mtu, ipam), the ones the runtime adds
 * (prevResult, runtimeConfig, cni.dev/valid-attachments for GC), and ours
 * (cniSocket: where the agent listens).  Everything else stays available
 * in the parsed document.
 *
 * antrea-cni parses the configuration to fail early and to find the
 * socket; the agent's CNI server parses it again, since it trusts no
 * client.  Errors carry the CNI spec's codes: DECODING_FAILURE when the
 * text is not JSON or a member has the wrong JSON type,
 * INCOMPATIBLE_CNI_VERSION when cniVersion is not supported,
 * INVALID_NETWORK_CONFIG when a required member is missing or a value is
 * out of range.
 */

#ifndef CNI_CONFIG_H
#define CNI_CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>

#include "cni-env.h"

struct cni_error;
struct cni_result;
struct json_t;

/* An attachment a GC request says is still in use. */
struct cni_attachment {
    char *container_id;         /* "containerID" */
    char *ifname;               /* "ifname" */
};

/* A parsed network configuration.  The JSON pointers point into 'json'
 * and live as long as it does. */
struct cni_net_conf {
    struct json_t *json;        /* the whole document */
    char *cni_version;          /* a supported version */
    char *name;                 /* the network's name */
    char *type;                 /* the plugin's name */
    int mtu;                    /* "mtu", or 0 if absent */
    const struct json_t *ipam;  /* the "ipam" object, or NULL */
    char *ipam_type;            /* ipam.type, or NULL */
    const struct json_t *runtime_config; /* "runtimeConfig", or NULL */
    const struct json_t *prev_result_json; /* "prevResult", or NULL */
    struct cni_result *prev_result; /* "prevResult" parsed, or NULL */
    char *cni_socket;           /* "cniSocket", or NULL */

    /* GC: "cni.dev/valid-attachments" (or its first, misspelt name
     * "cni.dev/attachments"). */
    bool has_valid_attachments; /* the member is present */
    struct cni_attachment *valid_attachments;
    size_t n_valid_attachments;
};

void cni_net_conf_init(struct cni_net_conf *);
void cni_net_conf_destroy(struct cni_net_conf *);
int cni_net_conf_parse(struct cni_net_conf *, const char *data, size_t size,
                       struct cni_error *);
int cni_net_conf_check_command(const struct cni_net_conf *,
                               enum cni_command, struct cni_error *);
char *cni_net_conf_peek_version(const char *data, size_t size);

#endif /* cni-config.h */
