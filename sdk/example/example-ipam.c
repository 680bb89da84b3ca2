/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * example-ipam: a complete, small IPAM plugin for antrea-c, built out of
 * tree against the installed SDK (see README.md beside it).  It hands out
 * IPv4 addresses from a range given in its config block and keeps its
 * allocations in memory only, so it is for learning and testing, not for
 * production: an agent restart forgets them.
 *
 * Config block (in the agent YAML):
 *
 *   modules:
 *     - name: example-ipam
 *       config:
 *         rangeStart: 10.10.1.100  # first address handed out
 *         rangeEnd: 10.10.1.199    # last address handed out
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <antrea/antrea-plugin-sdk.h>

/* One allocation. */
struct allocation {
    char *container_id;         /* CNI_CONTAINERID */
    char *ifname;               /* CNI_IFNAME */
    uint32_t address;           /* host byte order */
};

/* The plugin's state, created by init. */
struct example_ipam {
    const struct antrea_host_api *api;  /* host services */
    struct antrea_host *host;           /* our handle for them */
    uint32_t first, last;               /* the range, host byte order */
    struct allocation *allocations;     /* in use */
    size_t n_allocations;
};

/* Parses the dotted-quad 'key' of 'config' into '*addressp'. */
static int
get_address(struct example_ipam *ipam, const struct antrea_config_node *config,
            const char *key, uint32_t *addressp)
{
    const char *text;
    int error = ipam->api->config_get_string(ipam->host, config, key, NULL,
                                             &text);
    if (error) {
        return error;
    }
    struct in_addr in;
    if (!text) {
        ipam->api->config_error(ipam->host, config, "'%s' is required", key);
        return EINVAL;
    }
    if (inet_pton(AF_INET, text, &in) != 1) {
        ipam->api->config_error(ipam->host,
                                ipam->api->config_get(config, key),
                                "'%s' is not an IPv4 address", text);
        return EINVAL;
    }
    *addressp = ntohl(in.s_addr);
    return 0;
}

static int
example_init(const struct antrea_plugin_init_args *args, void **statep)
{
    static const char *const known_keys[] = { "rangeStart", "rangeEnd", NULL };
    struct example_ipam *ipam = calloc(1, sizeof *ipam);
    if (!ipam) {
        return ENOMEM;
    }
    ipam->api = args->api;
    ipam->host = args->host;

    int error = ipam->api->config_check_keys(ipam->host, args->config,
                                             known_keys);
    if (!error) {
        error = get_address(ipam, args->config, "rangeStart", &ipam->first);
    }
    if (!error) {
        error = get_address(ipam, args->config, "rangeEnd", &ipam->last);
    }
    if (!error && ipam->first > ipam->last) {
        ipam->api->config_error(ipam->host, args->config,
                                "rangeStart is after rangeEnd");
        error = EINVAL;
    }
    if (error) {
        free(ipam);
        return error;
    }
    ipam->api->log(ipam->host, ANTREA_LOG_INFO,
                   "handing out %u addresses", ipam->last - ipam->first + 1);
    *statep = ipam;
    return 0;
}

static void
example_fini(void *state)
{
    struct example_ipam *ipam = state;
    for (size_t i = 0; i < ipam->n_allocations; i++) {
        free(ipam->allocations[i].container_id);
        free(ipam->allocations[i].ifname);
    }
    free(ipam->allocations);
    free(ipam);
}

/* Returns the allocation of the request's container and interface. */
static struct allocation *
find(struct example_ipam *ipam, const struct antrea_ipam_request *req)
{
    for (size_t i = 0; i < ipam->n_allocations; i++) {
        struct allocation *a = &ipam->allocations[i];
        if (!strcmp(a->container_id, req->container_id)
            && !strcmp(a->ifname, req->ifname)) {
            return a;
        }
    }
    return NULL;
}

static bool
in_use(const struct example_ipam *ipam, uint32_t address)
{
    for (size_t i = 0; i < ipam->n_allocations; i++) {
        if (ipam->allocations[i].address == address) {
            return true;
        }
    }
    return false;
}

static void
fill_result(const struct antrea_ipam_request *req, uint32_t address,
            struct antrea_ipam_result *result)
{
    uint32_t be = htonl(address);
    result->n_addresses = 1;
    result->addresses[0].address.ip.family = AF_INET;
    memcpy(result->addresses[0].address.ip.bytes, &be, 4);
    result->addresses[0].address.length = req->subnet.length;
    result->addresses[0].gateway = req->gateway;
}

static int
example_add(void *state, const struct antrea_ipam_request *req,
            struct antrea_ipam_result *result, char *error)
{
    struct example_ipam *ipam = state;

    struct allocation *a = find(ipam, req);
    if (a) {
        fill_result(req, a->address, result);
        return 0;
    }
    for (uint64_t address = ipam->first; address <= ipam->last; address++) {
        if (!in_use(ipam, address)) {
            struct allocation *more = realloc(
                ipam->allocations,
                (ipam->n_allocations + 1) * sizeof *ipam->allocations);
            if (!more) {
                return ENOMEM;
            }
            ipam->allocations = more;
            a = &ipam->allocations[ipam->n_allocations++];
            a->container_id = strdup(req->container_id);
            a->ifname = strdup(req->ifname);
            a->address = address;
            fill_result(req, address, result);
            return 0;
        }
    }
    snprintf(error, ANTREA_ERROR_SIZE, "all %u addresses are in use",
             ipam->last - ipam->first + 1);
    return ENOSPC;
}

static int
example_del(void *state, const struct antrea_ipam_request *req, char *error)
{
    struct example_ipam *ipam = state;
    struct allocation *a = find(ipam, req);
    if (a) {
        free(a->container_id);
        free(a->ifname);
        *a = ipam->allocations[--ipam->n_allocations];
    }
    return 0;
}

static int
example_check(void *state, const struct antrea_ipam_request *req,
              const struct antrea_ipam_result *prev, char *error)
{
    struct example_ipam *ipam = state;
    struct allocation *a = find(ipam, req);
    uint32_t be = a ? htonl(a->address) : 0;
    if (!a || prev->n_addresses != 1
        || memcmp(prev->addresses[0].address.ip.bytes, &be, 4)) {
        snprintf(error, ANTREA_ERROR_SIZE, "container %s has no such "
                 "allocation", req->container_id);
        return EINVAL;
    }
    return 0;
}

static const struct antrea_ipam_ops example_ops = {
    .lifecycle = {
        .init = example_init,
        .fini = example_fini,
    },
    .add = example_add,
    .del = example_del,
    .check = example_check,
};

ANTREA_PLUGIN_DEFINE("example-ipam", ANTREA_PLUGIN_IPAM, "1.0.0",
                     "example IPAM: in-memory addresses from a range",
                     example_ops);
