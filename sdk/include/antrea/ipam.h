/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * IPAM plugins (kind ANTREA_PLUGIN_IPAM): Pod address allocation.  Loaded
 * when the encap mode sets ANTREA_ENCAP_DOES_IPAM, chosen by the YAML's
 * ipam key (host-local, native) or by an entry of its modules section.
 *
 * The agent's CNI server calls these members while it handles a CNI
 * command, on the agent's main thread, one call at a time; calls for one
 * container are serialised and always come in CNI order (ADD before CHECK
 * or DEL).  A member may block for a short while (host-local runs a
 * program); it must not wait for the event loop.
 */

#ifndef ANTREA_IPAM_H
#define ANTREA_IPAM_H 1

#include "antrea/net-types.h"
#include "antrea/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ANTREA_IPAM_MAX_ADDRESSES 4
#define ANTREA_IPAM_MAX_ROUTES 16

/* One CNI command as the IPAM module sees it.  All strings belong to the
 * agent and are valid during the call only; any may be NULL where the CNI
 * spec allows it to be absent (netns on DEL, the Pod's name and namespace
 * when CNI_ARGS lacks them). */
struct antrea_ipam_request {
    size_t size;                    /* sizeof, as built by the agent */
    const char *container_id;       /* CNI_CONTAINERID */
    const char *ifname;             /* CNI_IFNAME */
    const char *netns;              /* CNI_NETNS */
    const char *pod_namespace;      /* K8S_POD_NAMESPACE */
    const char *pod_name;           /* K8S_POD_NAME */
    const char *cni_args;           /* CNI_ARGS, raw */
    const char *cni_path;           /* CNI_PATH */
    const char *network_config;     /* the CNI stdin JSON, NUL-terminated */
    struct antrea_prefix subnet;    /* the Node's podCIDR to allocate from */
    struct antrea_ip gateway;       /* the gateway address in 'subnet' */
};

/* An allocation.  For add, the module fills it (the agent zeroes it
 * first); for check, the agent passes the previous result in it. */
struct antrea_ipam_result {
    size_t size;                    /* sizeof, as built by the agent */
    uint32_t n_addresses;
    uint32_t n_routes;
    struct {
        struct antrea_prefix address;   /* e.g. 10.10.1.5/24 */
        struct antrea_ip gateway;       /* family 0 if none */
    } addresses[ANTREA_IPAM_MAX_ADDRESSES];
    struct {
        struct antrea_prefix dst;       /* e.g. 0.0.0.0/0 */
        struct antrea_ip gateway;       /* family 0: use the address's */
    } routes[ANTREA_IPAM_MAX_ROUTES];
};

struct antrea_ipam_ops {
    struct antrea_plugin_lifecycle lifecycle;

    /* Allocates addresses for the request's container and interface into
     * 'result'.  Must not hand out an address that is already allocated.
     * Returns 0, or a positive errno value with a reason in 'error'
     * (ANTREA_ERROR_SIZE bytes), which the CNI server reports as
     * IPAM_FAILURE.  Required. */
    int (*add)(void *state, const struct antrea_ipam_request *req,
               struct antrea_ipam_result *result, char *error);

    /* Releases what add allocated for the container and interface.
     * Idempotent: releasing nothing is success.  Required. */
    int (*del)(void *state, const struct antrea_ipam_request *req,
               char *error);

    /* Verifies that 'prev' (the earlier ADD result) is still allocated to
     * the container.  NULL: the agent treats CHECK as passing for IPAM. */
    int (*check)(void *state, const struct antrea_ipam_request *req,
                 const struct antrea_ipam_result *prev, char *error);

    /* Releases every allocation whose container ID is not among the
     * 'n_valid' IDs in 'valid' (CNI GC).  NULL: GC does nothing. */
    int (*gc)(void *state, const char *const *valid, size_t n_valid,
              char *error);

    /* ABI 1.1.  Allocates for the 'n' requests 'reqs' what 'add' would
     * allocate for each in turn, in that order, but may persist all of
     * them at once (one write and one fsync instead of one per Pod: the
     * agent batches the ADDs that arrive together).  The requests are
     * for distinct containers.  The agent zeroes each 'results[i]' and
     * sets its size, as for 'add'; the module stores 0 or a positive
     * errno value in 'retvals[i]', with a reason in 'errors[i]'
     * (ANTREA_ERROR_SIZE bytes) when it is not 0.  One request failing
     * does not fail the others.  NULL (as in every module built for ABI
     * 1.0): the agent calls 'add' once per request. */
    void (*add_batch)(void *state,
                      const struct antrea_ipam_request *const *reqs,
                      struct antrea_ipam_result *const *results,
                      int *retvals, char *const *errors, size_t n);

    /* ABI 1.2.  Releases for the 'n' requests 'reqs' what 'del' would
     * release for each, but may persist all of it at once (the agent
     * batches the DELs that arrive together).  The requests are for
     * distinct containers.  The module stores 0 or a positive errno value
     * in 'retvals[i]', with a reason in 'errors[i]' (ANTREA_ERROR_SIZE
     * bytes) when it is not 0.  NULL (as in every module built for ABI 1.0
     * or 1.1): the agent calls 'del' once per request. */
    void (*del_batch)(void *state,
                      const struct antrea_ipam_request *const *reqs,
                      int *retvals, char *const *errors, size_t n);
};

#ifdef __cplusplus
}
#endif

#endif /* antrea/ipam.h */
