/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Typed Kubernetes Pods, Namespaces and NetworkPolicies (networking/v1),
 * built from the JSON objects the informers deliver and checked the way
 * the kube-apiserver's validation would: an invalid object yields a
 * message naming the object and the field (bad CIDR, except outside the
 * cidr, unknown selector operator, port out of range, ...).  The policy
 * computation (np-compute.c) works on these types only.
 */

#ifndef K8S_OBJECTS_H
#define K8S_OBJECTS_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cp-store.h"
#include "label-selector.h"

/* A Namespace. */
struct k8s_namespace {
    char *name;                 /* metadata.name */
    struct label_set labels;    /* metadata.labels */
};

/* A named container port of a Pod. */
struct k8s_pod_port {
    char *name;                 /* ports[].name (only named ports kept) */
    int32_t port;               /* containerPort */
    enum cp_protocol protocol;  /* protocol (default TCP) */
};

/* A Pod. */
struct k8s_pod {
    char *ns;                   /* metadata.namespace */
    char *name;                 /* metadata.name */
    struct label_set labels;    /* metadata.labels */
    char *node;                 /* spec.nodeName, NULL if unscheduled */
    bool host_network;          /* spec.hostNetwork */
    size_t n_ips;               /* elements in 'ips' */
    struct cp_ip ips[CP_MEMBER_MAX_IPS]; /* status.podIPs (or podIP) */
    struct k8s_pod_port *ports; /* named container ports */
    size_t n_ports;             /* elements in 'ports' */
};

/* An IP network. */
struct k8s_ipnet {
    struct cp_ip ip;            /* the address, host bits cleared */
    int prefix_len;             /* prefix length */
};

/* A NetworkPolicyPeer. */
struct k8s_np_peer {
    struct label_selector *pod_selector; /* NULL if absent */
    struct label_selector *ns_selector;  /* NULL if absent */
    bool has_ip_block;          /* ipBlock given (then no selectors) */
    struct k8s_ipnet cidr;      /* ipBlock.cidr */
    struct k8s_ipnet *except;   /* ipBlock.except */
    size_t n_except;            /* elements in 'except' */
};

/* A NetworkPolicyPort. */
struct k8s_np_port {
    enum cp_protocol protocol;  /* default TCP */
    bool has_port;              /* port given */
    char *port_name;            /* named port, or NULL for a number */
    int32_t port;               /* numeric port */
    int32_t end_port;           /* endPort, 0 if none */
};

/* An ingress or egress rule. */
struct k8s_np_rule {
    struct k8s_np_port *ports;  /* empty: every port */
    size_t n_ports;             /* elements in 'ports' */
    struct k8s_np_peer *peers;  /* from or to; empty: everyone */
    size_t n_peers;             /* elements in 'peers' */
};

/* A NetworkPolicy. */
struct k8s_network_policy {
    char *ns;                   /* metadata.namespace */
    char *name;                 /* metadata.name */
    char *uid;                  /* metadata.uid */
    struct label_selector *pod_selector; /* spec.podSelector */
    struct k8s_np_rule *ingress; /* spec.ingress */
    size_t n_ingress;           /* elements in 'ingress' */
    struct k8s_np_rule *egress; /* spec.egress */
    size_t n_egress;            /* elements in 'egress' */
    bool policy_ingress;        /* policyTypes has Ingress (or default) */
    bool policy_egress;         /* policyTypes has Egress (or default) */
};

/* Each parser returns the object, or NULL with a malloc'd message in
 * '*errorp' that names the object ("NetworkPolicy ns/name") and the
 * field. */
struct k8s_namespace *k8s_namespace_from_json(const json_t *, char **errorp);
struct k8s_pod *k8s_pod_from_json(const json_t *, char **errorp);
struct k8s_network_policy *k8s_network_policy_from_json(const json_t *,
                                                        char **errorp);

/* Destructors; each accepts NULL. */
void k8s_namespace_destroy(struct k8s_namespace *);
void k8s_pod_destroy(struct k8s_pod *);
void k8s_network_policy_destroy(struct k8s_network_policy *);

/* Parses "a.b.c.d/n" or an IPv6 CIDR into 'net' (set host bits are
 * accepted and cleared, as Go's net.ParseCIDR does).  Returns false if
 * 'text' is not a CIDR. */
bool k8s_parse_cidr(const char *text, struct k8s_ipnet *net);

/* Returns true if 'inner' is a strict subset of 'outer'. */
bool k8s_ipnet_strict_subset(const struct k8s_ipnet *inner,
                             const struct k8s_ipnet *outer);

#endif /* k8s-objects.h */
