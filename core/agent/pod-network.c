/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's CNI handler: ADD, DEL and CHECK of Pod interfaces
 * (pod-network.h).
 */

#include <config.h>

#include "pod-network.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "antrea/ipam.h"
#include "antrea/net-util.h"
#include "aovs-ovsdb.h"
#include "bridge.h"
#include "cni-config.h"
#include "cni-error.h"
#include "cni-result.h"
#include "cni-server.h"
#include "log.h"
#include "net/garp.h"
#include "net/netns.h"
#include "net/pod-iface.h"
#include "pipeline.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(pod_network);

/* One local Pod, as recorded in its port's external_ids. */
struct pod {
    char *container_id;         /* CNI_CONTAINERID */
    char *namespace;            /* K8S_POD_NAMESPACE, "" if unknown */
    char *name;                 /* K8S_POD_NAME, "" if unknown */
    char host_ifname[POD_IFACE_NAME_SIZE]; /* host end = OVS port name */
    struct antrea_prefix address; /* its address with the prefix length */
    uint8_t mac[6];             /* MAC of its interface in the Pod */
    uint32_t ofport;            /* ofport of the host end */
    uint64_t object;            /* bridge object id of its flows */
};

struct pod_network {
    struct pod_network_options opts; /* as created */
    struct pod **pods;          /* 'n_pods' local Pods */
    size_t n_pods;              /* number of 'pods' */
    size_t allocated_pods;      /* capacity of 'pods' */
};

/* Returns the Pod with 'container_id', or NULL. */
static struct pod *
pod_find(const struct pod_network *pn, const char *container_id)
{
    for (size_t i = 0; i < pn->n_pods; i++) {
        if (!strcmp(pn->pods[i]->container_id, container_id)) {
            return pn->pods[i];
        }
    }
    return NULL;
}

static void
pod_free(struct pod *pod)
{
    if (pod) {
        free(pod->container_id);
        free(pod->namespace);
        free(pod->name);
        free(pod);
    }
}

static void
pod_insert(struct pod_network *pn, struct pod *pod)
{
    if (pn->n_pods >= pn->allocated_pods) {
        pn->pods = x2nrealloc(pn->pods, &pn->allocated_pods,
                              sizeof *pn->pods);
    }
    pn->pods[pn->n_pods++] = pod;
}

static void
pod_remove(struct pod_network *pn, struct pod *pod)
{
    for (size_t i = 0; i < pn->n_pods; i++) {
        if (pn->pods[i] == pod) {
            pn->pods[i] = pn->pods[--pn->n_pods];
            return;
        }
    }
}

/* Declares the flows of 'pod' in the bridge's desired table. */
static int
pod_declare_flows(struct pod_network *pn, struct pod *pod, char **errorp)
{
    struct pipeline_pod pp = {
        .namespace = pod->namespace[0] ? pod->namespace : "default",
        .name = pod->name[0] ? pod->name : pod->host_ifname,
        .ofport = pod->ofport,
        .ip = pod->address.ip,
    };
    memcpy(pp.mac, pod->mac, sizeof pp.mac);

    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    int error = pipeline_pod_flows(bridge_node_config(pn->opts.bridge), &pp,
                                   &flows, errorp);
    if (!error) {
        error = bridge_set_flows(pn->opts.bridge, pod->object, &flows,
                                 errorp);
    }
    pipeline_flows_destroy(&flows);
    return error;
}

static void
format_mac(const uint8_t mac[6], char s[18])
{
    snprintf(s, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static bool
parse_mac(const char *s, uint8_t mac[6])
{
    return s && sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
                       &mac[2], &mac[3], &mac[4], &mac[5]) == 6;
}

/* Rebuilds the Pod of OVSDB port 'port', or returns NULL (with a reason
 * logged) if the port does not describe a usable Pod. */
static struct pod *
pod_from_port(struct pod_network *pn, const struct aovs_port *port)
{
    const struct aovs_smap *ids = &port->external_ids;
    const char *type = aovs_smap_get(ids, "antrea-type");
    if (!type || strcmp(type, "container")) {
        return NULL;
    }
    const char *cid = aovs_smap_get(ids, "container-id");
    const char *ip = aovs_smap_get(ids, "ip-address");
    const char *mac = aovs_smap_get(ids, "attached-mac");
    struct pod *pod = xcalloc(1, sizeof *pod);
    const struct pipeline_node_config *node
        = bridge_node_config(pn->opts.bridge);
    if (!cid || !antrea_ip_from_string(ip, &pod->address.ip)
        || !parse_mac(mac, pod->mac) || port->ofport <= 0
        || strlen(port->name) >= sizeof pod->host_ifname) {
        LOG_WARN("port %s: external_ids do not describe a Pod (or it has "
                 "no ofport); ignored", port->name);
        free(pod);
        return NULL;
    }
    pod->address.length = node->pod_cidr.length;
    pod->container_id = xstrdup(cid);
    const char *ns = aovs_smap_get(ids, "pod-namespace");
    const char *name = aovs_smap_get(ids, "pod-name");
    pod->namespace = xstrdup(ns ? ns : "");
    pod->name = xstrdup(name ? name : "");
    strcpy(pod->host_ifname, port->name);
    pod->ofport = port->ofport;
    pod->object = bridge_new_object(pn->opts.bridge);
    return pod;
}

/* Restores the Pods recorded in OVSDB.  A port whose host interface is
 * gone (the Pod went away while the agent was down) is deleted. */
static int
restore_pods(struct pod_network *pn, char **errorp)
{
    struct aovs_ovsdb *db = bridge_ovsdb(pn->opts.bridge);
    struct aovs_port_list list;
    int error = aovs_port_list(db, bridge_name(pn->opts.bridge), &list);
    if (error) {
        *errorp = xasprintf("cannot list the ports of bridge %s: %s",
                            bridge_name(pn->opts.bridge), strerror(error));
        return error;
    }
    for (size_t i = 0; i < list.n; i++) {
        const struct aovs_port *port = &list.ports[i];
        const char *type = aovs_smap_get(&port->external_ids, "antrea-type");
        if (!type || strcmp(type, "container")) {
            continue;
        }
        struct pod_iface_link link;
        char *msg = NULL;
        if (pod_iface_get_link(NULL, port->name, &link, &msg) == ENODEV) {
            LOG_INFO("port %s: its interface is gone; deleting the port",
                     port->name);
            free(msg);
            if (aovs_port_delete(db, port->name, &msg)) {
                LOG_WARN("%s", msg);
            }
            free(msg);
            continue;
        }
        free(msg);
        struct pod *pod = pod_from_port(pn, port);
        if (!pod) {
            continue;
        }
        if (pod_declare_flows(pn, pod, &msg)) {
            LOG_WARN("Pod %s/%s: %s", pod->namespace, pod->name, msg);
            free(msg);
            pod_free(pod);
            continue;
        }
        pod_insert(pn, pod);
        LOG_INFO("restored Pod %s/%s (container %s, port %s)",
                 pod->namespace, pod->name, pod->container_id,
                 pod->host_ifname);
    }
    aovs_port_list_destroy(&list);
    *errorp = NULL;
    return 0;
}

int
pod_network_create(const struct pod_network_options *opts,
                   struct pod_network **pnp, char **errorp)
{
    struct pod_network *pn = xcalloc(1, sizeof *pn);
    pn->opts = *opts;
    int error = restore_pods(pn, errorp);
    if (error) {
        pod_network_destroy(pn);
        pn = NULL;
    }
    *pnp = pn;
    return error;
}

void
pod_network_destroy(struct pod_network *pn)
{
    if (pn) {
        for (size_t i = 0; i < pn->n_pods; i++) {
            pod_free(pn->pods[i]);
        }
        free(pn->pods);
        free(pn);
    }
}

size_t
pod_network_count(const struct pod_network *pn)
{
    return pn->n_pods;
}

/* Fills the IPAM request for CNI request 'args'. */
static void
ipam_request_init(const struct pod_network *pn,
                  const struct cni_request_args *args,
                  struct antrea_ipam_request *req)
{
    const struct pipeline_node_config *node
        = bridge_node_config(pn->opts.bridge);
    memset(req, 0, sizeof *req);
    req->size = sizeof *req;
    req->container_id = args->container_id;
    req->ifname = args->ifname;
    req->netns = args->netns;
    req->pod_namespace = args->k8s ? args->k8s->pod_namespace : NULL;
    req->pod_name = args->k8s ? args->k8s->pod_name : NULL;
    req->cni_args = args->cni_args;
    req->cni_path = args->cni_path;
    req->network_config = args->network_config;
    req->subnet = node->pod_cidr;
    req->gateway = node->gateway_ip;
}

/* Announces the Pod's address once from its interface (a failure only
 * delays neighbours learning it, so it is logged, not fatal). */
static void
announce(const char *netns, const char *ifname, const struct antrea_ip *ip)
{
    int fd;
    char *error = NULL;
    if (!netns_open(netns, &fd, &error)) {
        if (garp_announce(fd, ifname, ip, 1, 0, &error)) {
            LOG_WARN("%s", error);
        }
        close(fd);
    } else {
        LOG_WARN("%s", error);
    }
    free(error);
}

/* Builds the ADD result for 'pod'. */
static void
make_result(const struct pod_network *pn, const struct pod *pod,
            const struct cni_request_args *args, const struct pod_iface *pi,
            const struct antrea_ip *gateway, struct cni_result *result)
{
    char mac[18], address[ANTREA_PREFIX_STRING_SIZE];
    char gw[ANTREA_IP_STRING_SIZE];

    cni_result_init(result);
    format_mac(pi->host.mac, mac);
    cni_result_add_interface(result, pi->host.name, mac, NULL);
    format_mac(pi->container.mac, mac);
    struct cni_interface *iface
        = cni_result_add_interface(result, args->ifname, mac, args->netns);
    iface->mtu = pn->opts.mtu;
    antrea_prefix_to_string(&pod->address, address, sizeof address);
    antrea_ip_to_string(gateway, gw, sizeof gw);
    cni_result_add_ip(result, address, gw, 1);
    cni_result_add_route(result, "0.0.0.0/0", gw);
}

/* Steps of ADD done so far, for rollback. */
enum add_step {
    ADD_NOTHING,
    ADD_IPAM,
    ADD_IFACE,
    ADD_PORT,
    ADD_FLOWS,
};

/* Undoes ADD up to 'step' in reverse order. */
static void
add_rollback(struct pod_network *pn, enum add_step step, struct pod *pod,
             const struct antrea_ipam_request *ipreq)
{
    char *error = NULL;
    switch (step) {
    case ADD_FLOWS:
        bridge_remove_flows(pn->opts.bridge, pod->object);
        if (bridge_commit(pn->opts.bridge, &error)) {
            LOG_WARN("rollback: %s", error);
        }
        free(error);
        error = NULL;
        /* fall through */
    case ADD_PORT:
        if (aovs_port_delete(bridge_ovsdb(pn->opts.bridge),
                             pod->host_ifname, &error)) {
            LOG_WARN("rollback: %s", error);
        }
        free(error);
        error = NULL;
        /* fall through */
    case ADD_IFACE:
        if (pod_iface_delete(pod->host_ifname, &error)) {
            LOG_WARN("rollback: %s", error);
        }
        free(error);
        /* fall through */
    case ADD_IPAM: {
        char msg[ANTREA_ERROR_SIZE] = "";
        if (pn->opts.ipam->del(pn->opts.ipam_state, ipreq, msg)) {
            LOG_WARN("rollback: IPAM release failed: %s", msg);
        }
        break;
    }
    case ADD_NOTHING:
        break;
    }
}

/* CNI ADD. */
static void
pod_add(void *pn_, struct cni_request *request,
        const struct cni_request_args *args)
{
    struct pod_network *pn = pn_;
    const char *ns = args->k8s && args->k8s->pod_namespace
                     ? args->k8s->pod_namespace : "";
    const char *name = args->k8s && args->k8s->pod_name
                       ? args->k8s->pod_name : "";

    if (pod_find(pn, args->container_id)) {
        cni_server_reply_error(request, CNI_ERR_CONFIG_INTERFACE_FAILURE,
                               NULL, "container %s already has an "
                               "interface on this Node",
                               args->container_id);
        return;
    }

    struct pod *pod = xcalloc(1, sizeof *pod);
    pod->container_id = xstrdup(args->container_id);
    pod->namespace = xstrdup(ns);
    pod->name = xstrdup(name);
    pod->object = bridge_new_object(pn->opts.bridge);
    pod_iface_host_name(name, args->container_id, pod->host_ifname);

    enum add_step step = ADD_NOTHING;
    int code = CNI_ERR_CONFIG_INTERFACE_FAILURE;
    char *error = NULL;

    /* 1. The address. */
    struct antrea_ipam_request ipreq;
    ipam_request_init(pn, args, &ipreq);
    struct antrea_ipam_result ipres;
    memset(&ipres, 0, sizeof ipres);
    ipres.size = sizeof ipres;
    char msg[ANTREA_ERROR_SIZE] = "";
    if (pn->opts.ipam->add(pn->opts.ipam_state, &ipreq, &ipres, msg)) {
        code = CNI_ERR_IPAM_FAILURE;
        error = xasprintf("IPAM could not allocate an address: %s", msg);
        goto fail;
    }
    step = ADD_IPAM;
    if (!ipres.n_addresses
        || ipres.addresses[0].address.ip.family != AF_INET) {
        code = CNI_ERR_IPAM_FAILURE;
        error = xstrdup("IPAM returned no IPv4 address");
        goto fail;
    }
    pod->address = ipres.addresses[0].address;
    struct antrea_ip gateway = ipres.addresses[0].gateway;
    if (!gateway.family) {
        gateway = bridge_node_config(pn->opts.bridge)->gateway_ip;
    }

    /* 2. The veth pair, configured inside the Pod. */
    struct pod_iface_route routes[ANTREA_IPAM_MAX_ROUTES];
    size_t n_routes = 0;
    for (uint32_t i = 0; i < ipres.n_routes && i < ANTREA_IPAM_MAX_ROUTES;
         i++) {
        if (ipres.routes[i].dst.length == 0) {
            continue;           /* the default route: 'default_gateway' */
        }
        routes[n_routes].dst = ipres.routes[i].dst;
        routes[n_routes].gateway = ipres.routes[i].gateway.family
                                   ? ipres.routes[i].gateway : gateway;
        n_routes++;
    }
    struct pod_iface_config ic = {
        .netns_path = args->netns,
        .ifname = args->ifname,
        .host_ifname = pod->host_ifname,
        .mtu = pn->opts.mtu,
        .addresses = &pod->address,
        .n_addresses = 1,
        .routes = routes,
        .n_routes = n_routes,
        .default_gateway = gateway,
        .tx_csum_off = pn->opts.tx_csum_off,
    };
    struct pod_iface pi;
    if (pod_iface_create(&ic, &pi, &error)) {
        goto fail;
    }
    step = ADD_IFACE;
    memcpy(pod->mac, pi.container.mac, sizeof pod->mac);

    /* 3. The OVS port. */
    char mac[18], ip[ANTREA_IP_STRING_SIZE];
    format_mac(pod->mac, mac);
    antrea_ip_to_string(&pod->address.ip, ip, sizeof ip);
    struct aovs_smap ids = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&ids, "container-id", pod->container_id);
    aovs_smap_add(&ids, "pod-name", name);
    aovs_smap_add(&ids, "pod-namespace", ns);
    aovs_smap_add(&ids, "ip-address", ip);
    aovs_smap_add(&ids, "attached-mac", mac);
    aovs_smap_add(&ids, "antrea-type", "container");
    struct aovs_smap iface_ids = AOVS_SMAP_INITIALIZER;
    aovs_smap_add(&iface_ids, "attached-mac", mac);
    struct aovs_port_settings ps = {
        .name = pod->host_ifname,
        .external_ids = &ids,
        .iface_external_ids = &iface_ids,
    };
    struct aovs_ovsdb *db = bridge_ovsdb(pn->opts.bridge);
    int retval = aovs_port_add(db, bridge_name(pn->opts.bridge), &ps,
                               &error);
    aovs_smap_destroy(&ids);
    aovs_smap_destroy(&iface_ids);
    if (retval) {
        goto fail;
    }
    step = ADD_PORT;
    int ofport;
    if (aovs_port_wait_ofport(db, pod->host_ifname, &ofport, &error)) {
        goto fail;
    }
    pod->ofport = ofport;

    /* 4. The flows, installed before the answer. */
    step = ADD_FLOWS;
    if (pod_declare_flows(pn, pod, &error)
        || bridge_commit(pn->opts.bridge, &error)) {
        goto fail;
    }

    announce(args->netns, args->ifname, &pod->address.ip);
    pod_insert(pn, pod);
    LOG_INFO("ADD %s/%s (container %s): %s on port %s ofport %"PRIu32,
             ns, name, pod->container_id, ip, pod->host_ifname,
             pod->ofport);

    struct cni_result result;
    make_result(pn, pod, args, &pi, &gateway, &result);
    cni_server_reply_result(request, &result);
    cni_result_destroy(&result);
    return;

fail:
    LOG_WARN("ADD %s/%s (container %s) failed: %s", ns, name,
             args->container_id, error);
    add_rollback(pn, step, pod, &ipreq);
    cni_server_reply_error(request, code, NULL, "%s", error);
    free(error);
    pod_free(pod);
}

/* CNI DEL: idempotent, also for containers never seen. */
static void
pod_del(void *pn_, struct cni_request *request,
        const struct cni_request_args *args)
{
    struct pod_network *pn = pn_;
    struct pod *pod = pod_find(pn, args->container_id);
    char host_ifname[POD_IFACE_NAME_SIZE];
    char *error = NULL;

    if (pod) {
        strcpy(host_ifname, pod->host_ifname);
        bridge_remove_flows(pn->opts.bridge, pod->object);
        if (bridge_commit(pn->opts.bridge, &error)) {
            /* The desired table no longer has them; bridge_run()
             * retries. */
            LOG_WARN("DEL %s: %s", args->container_id, error);
            free(error);
            error = NULL;
        }
    } else {
        pod_iface_host_name(args->k8s ? args->k8s->pod_name : NULL,
                            args->container_id, host_ifname);
    }

    struct aovs_ovsdb *db = bridge_ovsdb(pn->opts.bridge);
    struct aovs_port port;
    if (!aovs_port_get(db, host_ifname, &port)) {
        aovs_port_destroy(&port);
        if (aovs_port_delete(db, host_ifname, &error)) {
            goto fail;
        }
    }
    if (pod_iface_delete(host_ifname, &error)) {
        goto fail;
    }

    struct antrea_ipam_request ipreq;
    ipam_request_init(pn, args, &ipreq);
    char msg[ANTREA_ERROR_SIZE] = "";
    if (pn->opts.ipam->del(pn->opts.ipam_state, &ipreq, msg)) {
        cni_server_reply_error(request, CNI_ERR_IPAM_FAILURE, NULL,
                               "IPAM could not release the address of "
                               "container %s: %s", args->container_id, msg);
        return;
    }
    if (pod) {
        pod_remove(pn, pod);
        pod_free(pod);
    }
    LOG_INFO("DEL container %s (port %s)", args->container_id, host_ifname);
    cni_server_reply_result(request, NULL);
    return;

fail:
    cni_server_reply_error(request, CNI_ERR_CONFIG_INTERFACE_FAILURE, NULL,
                           "%s", error);
    free(error);
}

/* CNI CHECK: the Pod's interface against the prevResult. */
static void
pod_check(void *pn_, struct cni_request *request,
          const struct cni_request_args *args)
{
    struct pod_network *pn = pn_;
    struct pod *pod = pod_find(pn, args->container_id);
    if (!pod) {
        cni_server_reply_error(request, CNI_ERR_UNKNOWN_CONTAINER, NULL,
                               "container %s has no interface on this "
                               "Node", args->container_id);
        return;
    }
    const struct cni_result *prev = args->conf->prev_result;
    if (!prev || !prev->n_ips) {
        cni_server_reply_error(request, CNI_ERR_INVALID_NETWORK_CONFIG,
                               NULL, "CHECK needs a prevResult with the "
                               "Pod's address");
        return;
    }

    struct antrea_prefix address;
    struct antrea_ip gateway;
    memset(&gateway, 0, sizeof gateway);
    if (!antrea_prefix_from_string(prev->ips[0].address, &address)
        || (prev->ips[0].gateway
            && !antrea_ip_from_string(prev->ips[0].gateway, &gateway))) {
        cni_server_reply_error(request, CNI_ERR_INVALID_NETWORK_CONFIG,
                               NULL, "prevResult: bad address \"%s\"",
                               prev->ips[0].address);
        return;
    }
    if (!antrea_ip_equal(&address.ip, &pod->address.ip)) {
        char s[ANTREA_IP_STRING_SIZE];
        antrea_ip_to_string(&pod->address.ip, s, sizeof s);
        cni_server_reply_error(request, CNI_ERR_CHECK_INTERFACE_FAILURE,
                               NULL, "prevResult address %s is not the "
                               "Pod's address %s", prev->ips[0].address, s);
        return;
    }

    struct pod_iface_config ic = {
        .netns_path = args->netns,
        .ifname = args->ifname,
        .host_ifname = pod->host_ifname,
        .mtu = pn->opts.mtu,
        .addresses = &address,
        .n_addresses = 1,
        .default_gateway = gateway,
    };
    char *message = NULL;
    if (pod_iface_verify(&ic, pod->mac, NULL, &message)) {
        cni_server_reply_error(request, CNI_ERR_CHECK_INTERFACE_FAILURE,
                               NULL, "%s", message);
        free(message);
        return;
    }

    struct aovs_port port;
    if (aovs_port_get(bridge_ovsdb(pn->opts.bridge), pod->host_ifname,
                      &port)) {
        cni_server_reply_error(request, CNI_ERR_CHECK_INTERFACE_FAILURE,
                               NULL, "OVS port %s of container %s is "
                               "missing", pod->host_ifname,
                               pod->container_id);
        return;
    }
    aovs_port_destroy(&port);

    if (pn->opts.ipam->check) {
        struct antrea_ipam_request ipreq;
        ipam_request_init(pn, args, &ipreq);
        struct antrea_ipam_result ipres;
        memset(&ipres, 0, sizeof ipres);
        ipres.size = sizeof ipres;
        ipres.n_addresses = 1;
        ipres.addresses[0].address = address;
        ipres.addresses[0].gateway = gateway;
        char msg[ANTREA_ERROR_SIZE] = "";
        if (pn->opts.ipam->check(pn->opts.ipam_state, &ipreq, &ipres,
                                 msg)) {
            cni_server_reply_error(request, CNI_ERR_IPAM_FAILURE, NULL,
                                   "IPAM check failed: %s", msg);
            return;
        }
    }
    cni_server_reply_result(request, NULL);
}

const struct cni_server_handler *
pod_network_cni_handler(void)
{
    static const struct cni_server_handler handler = {
        .add = pod_add,
        .del = pod_del,
        .check = pod_check,
    };
    return &handler;
}
