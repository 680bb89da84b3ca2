/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The result of CNI ADD, held once in a version-neutral form and written
 * out in the format of whichever spec version the runtime asked for:
 *
 *   0.3.0, 0.3.1, 0.4.0: "interfaces", "ips" (each with "version": "4" or
 *                        "6"), "routes", "dns";
 *   1.0.0:               the same without ips[].version;
 *   1.1.0:               1.0.0 plus interfaces[].mtu/socketPath/pciID and
 *                        routes[].mtu/advmss/priority/table/scope.
 *
 * Like the reference Go library, the writer leaves out empty lists and
 * unset optional members but always writes "dns" (as {} when empty).  The
 * reader takes any supported version's format (a prevResult) and checks
 * the addresses in it.
 *
 * A struct cni_result owns all its strings.
 */

#ifndef CNI_RESULT_H
#define CNI_RESULT_H 1

#include <stdbool.h>
#include <stddef.h>

struct cni_error;
struct json_t;

/* An interface the plugin created or configured. */
struct cni_interface {
    char *name;                 /* e.g. "eth0" */
    char *mac;                  /* e.g. "0a:58:0a:0a:01:05", or NULL */
    char *sandbox;              /* netns path for a container interface,
                                   NULL for a host interface */
    int mtu;                    /* 1.1.0 only; 0: not reported */
    char *socket_path;          /* 1.1.0 only; NULL: not reported */
    char *pci_id;               /* 1.1.0 only; NULL: not reported */
};

/* An address assigned to an interface. */
struct cni_ip {
    char *address;              /* with prefix length: "10.10.1.5/24" */
    char *gateway;              /* "10.10.1.1", or NULL */
    int interface;              /* index into 'interfaces', or -1 */
};

/* A route. */
struct cni_route {
    char *dst;                  /* "0.0.0.0/0" */
    char *gw;                   /* next hop, or NULL: the default gateway */
    int mtu;                    /* 1.1.0 only; 0: not reported */
    int advmss;                 /* 1.1.0 only; 0: not reported */
    int priority;               /* 1.1.0 only; 0: not reported */
    int table;                  /* 1.1.0 only; -1: not reported */
    int scope;                  /* 1.1.0 only; -1: not reported */
};

/* DNS settings. */
struct cni_dns {
    char **nameservers;         /* addresses */
    size_t n_nameservers;
    char *domain;               /* or NULL */
    char **search;              /* search domains */
    size_t n_search;
    char **options;             /* resolver options */
    size_t n_options;
};

/* A result. */
struct cni_result {
    struct cni_interface *interfaces;
    size_t n_interfaces;
    struct cni_ip *ips;
    size_t n_ips;
    struct cni_route *routes;
    size_t n_routes;
    struct cni_dns dns;
};

void cni_result_init(struct cni_result *);
void cni_result_destroy(struct cni_result *);

/* Building. */
struct cni_interface *cni_result_add_interface(struct cni_result *,
                                               const char *name,
                                               const char *mac,
                                               const char *sandbox);
struct cni_ip *cni_result_add_ip(struct cni_result *, const char *address,
                                 const char *gateway, int interface);
struct cni_route *cni_result_add_route(struct cni_result *, const char *dst,
                                       const char *gw);
void cni_dns_add_nameserver(struct cni_dns *, const char *);
void cni_dns_add_search(struct cni_dns *, const char *);
void cni_dns_add_option(struct cni_dns *, const char *);

/* Writing. */
struct json_t *cni_result_to_json(const struct cni_result *,
                                  const char *cni_version);
char *cni_result_to_string(const struct cni_result *,
                           const char *cni_version);

/* Reading. */
int cni_result_from_json(struct cni_result *, const struct json_t *,
                         const char *what, struct cni_error *);

#endif /* cni-result.h */
