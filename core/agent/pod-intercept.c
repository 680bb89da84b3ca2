/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The networkPolicyOnly CNI handler (pod-intercept.h).  Requests are
 * handled synchronously, one at a time: there is no IPAM and no veth to
 * make, so an ADD is one OVSDB transaction, one bundle, one iptables
 * commit and a route change.
 */

#include <config.h>

#include "pod-intercept.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "antrea/net-util.h"
#include "aovs-ovsdb.h"
#include "bridge.h"
#include "cni-config.h"
#include "cni-error.h"
#include "cni-result.h"
#include "cni-server.h"
#include "log.h"
#include "net/ethtool.h"
#include "net/netns.h"
#include "net/pod-iface.h"
#include "net/route.h"
#include "net/rtnl-conn.h"
#include "pipeline.h"
#include "pod-intercept-raw.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(pod_intercept);

/* The Port external_ids key that marks an intercepted interface. */
#define INTERCEPTED_KEY "antrea-intercepted"

/* One local Pod whose interface the primary CNI made. */
struct ipod {
    char *container_id;         /* CNI_CONTAINERID */
    char *namespace;            /* K8S_POD_NAMESPACE, "" if unknown */
    char *name;                 /* K8S_POD_NAME, "" if unknown */
    char *ifname;               /* CNI_IFNAME, the interface in the Pod */
    char host_ifname[IFNAMSIZ]; /* the primary's host end = OVS port */
    struct antrea_ip ip;        /* its IPv4 address */
    uint8_t mac[6];             /* MAC of its interface in the Pod */
    uint32_t ofport;            /* ofport of the host end */
    uint64_t object;            /* bridge object id of its flows */
};

struct pod_intercept {
    struct pod_intercept_options opts; /* as created */
    char *gateway_name;         /* copy of opts.gateway_name */
    uint64_t node_object;       /* the Node's policy-only flows */
    struct ipod **pods;         /* 'n_pods' local Pods */
    size_t n_pods;              /* number of 'pods' */
    size_t allocated_pods;      /* capacity of 'pods' */
};

static void
ipod_free(struct ipod *pod)
{
    if (pod) {
        free(pod->container_id);
        free(pod->namespace);
        free(pod->name);
        free(pod->ifname);
        free(pod);
    }
}

/* Returns the Pod of 'container_id', or NULL. */
static struct ipod *
ipod_find(const struct pod_intercept *pi, const char *container_id)
{
    for (size_t i = 0; i < pi->n_pods; i++) {
        if (!strcmp(pi->pods[i]->container_id, container_id)) {
            return pi->pods[i];
        }
    }
    return NULL;
}

/* The names the pipeline and NetworkPolicy know the Pod by. */
static const char *
ipod_namespace(const struct ipod *pod)
{
    return pod->namespace[0] ? pod->namespace : "default";
}

static const char *
ipod_name(const struct ipod *pod)
{
    return pod->name[0] ? pod->name : pod->host_ifname;
}

static void
ipod_insert(struct pod_intercept *pi, struct ipod *pod)
{
    if (pi->n_pods >= pi->allocated_pods) {
        pi->pods = x2nrealloc(pi->pods, &pi->allocated_pods,
                              sizeof *pi->pods);
    }
    pi->pods[pi->n_pods++] = pod;
    if (pi->opts.pod_added) {
        pi->opts.pod_added(pi->opts.pod_aux, pod->namespace, pod->name,
                           pod->ofport, &pod->ip);
    }
}

static void
ipod_remove(struct pod_intercept *pi, struct ipod *pod)
{
    for (size_t i = 0; i < pi->n_pods; i++) {
        if (pi->pods[i] == pod) {
            pi->pods[i] = pi->pods[--pi->n_pods];
            if (pi->opts.pod_removed) {
                pi->opts.pod_removed(pi->opts.pod_aux, pod->namespace,
                                     pod->name);
            }
            return;
        }
    }
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

/* Declares the flows of 'pod' in the bridge's desired table. */
static int
ipod_declare_flows(struct pod_intercept *pi, const struct ipod *pod,
                   char **errorp)
{
    struct pipeline_pod pp = {
        .namespace = ipod_namespace(pod),
        .name = ipod_name(pod),
        .ofport = pod->ofport,
        .ip = pod->ip,
    };
    memcpy(pp.mac, pod->mac, sizeof pp.mac);

    const struct pipeline_node_config *node
        = bridge_node_config(pi->opts.bridge);
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    int error = pipeline_pod_flows(node, &pp, &flows, errorp);
    if (!error) {
        error = pipeline_policyonly_pod_flows(node, &pp, &flows, errorp);
    }
    if (!error) {
        error = bridge_set_flows(pi->opts.bridge, pod->object, &flows,
                                 errorp);
    }
    pipeline_flows_destroy(&flows);
    return error;
}

/* Makes the raw table drop, for the host's stack, what arrives on the
 * interfaces of the local Pods plus 'extra' (may be NULL) but 'except'
 * (may be NULL). */
static int
sync_drop_rules(const struct pod_intercept *pi, const char *extra,
                const struct ipod *except, char **errorp)
{
    const char **names = xmalloc((pi->n_pods + 1) * sizeof *names);
    size_t n = 0;
    for (size_t i = 0; i < pi->n_pods; i++) {
        if (pi->pods[i] != except) {
            names[n++] = pi->pods[i]->host_ifname;
        }
    }
    if (extra) {
        names[n++] = extra;
    }
    int error = pod_intercept_raw_sync(names, n, errorp);
    free(names);
    return error;
}

/* Host routes.  Each function opens its own route-netlink connection in
 * the agent's namespace: requests are rare. */

/* Moves every IPv4 route of the main table whose output interface is
 * 'ifindex' to the gateway (Antrea's MigrateRoutesToGw).  Returns the
 * number moved in '*n_movedp'. */
static int
migrate_routes_to_gateway(const struct pod_intercept *pi, int ifindex,
                          size_t *n_movedp, char **errorp)
{
    struct rtnl_conn conn;
    int error = rtnl_conn_open(&conn, NETNS_CURRENT);
    *n_movedp = 0;
    if (error) {
        *errorp = xasprintf("cannot open route netlink: %s",
                            strerror(error));
        return error;
    }
    struct net_route *routes = NULL;
    size_t n = 0;
    error = net_route_list(&conn, NET_ROUTE_TABLE_MAIN, NET_ROUTE_PROTO_ANY,
                           &routes, &n, errorp);
    for (size_t i = 0; !error && i < n; i++) {
        const struct net_route *r = &routes[i];
        if (r->ifindex != ifindex || r->dst.ip.family != AF_INET) {
            continue;
        }
        struct net_route moved = *r;
        moved.ifindex = 0;
        snprintf(moved.ifname, sizeof moved.ifname, "%s", pi->gateway_name);
        moved.protocol = NET_ROUTE_PROTO_ANTREA;
        moved.onlink = r->gateway.family != 0;
        error = net_route_replace(&conn, &moved, errorp);
        if (!error) {
            (*n_movedp)++;
        }
    }
    free(routes);
    rtnl_conn_close(&conn);
    return error;
}

/* Undoes migrate_routes_to_gateway() for the Pod address 'ip': deletes
 * the gateway's route to it and, if interface 'host_ifname' still exists,
 * routes the address through it again as the primary CNI did. */
static int
restore_routes(const struct pod_intercept *pi, const struct antrea_ip *ip,
               const char *host_ifname, char **errorp)
{
    struct rtnl_conn conn;
    int error = rtnl_conn_open(&conn, NETNS_CURRENT);
    if (error) {
        *errorp = xasprintf("cannot open route netlink: %s",
                            strerror(error));
        return error;
    }
    struct net_route r = {
        .dst = { .ip = *ip, .length = 32 },
        .protocol = NET_ROUTE_PROTO_ANTREA,
    };
    snprintf(r.ifname, sizeof r.ifname, "%s", pi->gateway_name);
    error = net_route_delete(&conn, &r, errorp);
    if (!error && if_nametoindex(host_ifname)) {
        snprintf(r.ifname, sizeof r.ifname, "%s", host_ifname);
        r.protocol = 0;
        error = net_route_add(&conn, &r, errorp);
        if (error == EEXIST) {
            free(*errorp);
            *errorp = NULL;
            error = 0;
        }
    }
    rtnl_conn_close(&conn);
    return error;
}

/* Restore at start-up. */

/* Rebuilds the Pod of port 'port', or returns NULL (with a reason logged)
 * if it does not describe one. */
static struct ipod *
ipod_from_port(struct pod_intercept *pi, const struct aovs_port *port)
{
    const struct aovs_smap *ids = &port->external_ids;
    const char *cid = aovs_smap_get(ids, "container-id");
    const char *ip = aovs_smap_get(ids, "ip-address");
    const char *mac = aovs_smap_get(ids, "attached-mac");
    const char *ns = aovs_smap_get(ids, "pod-namespace");
    const char *name = aovs_smap_get(ids, "pod-name");
    const char *ifname = aovs_smap_get(ids, "if-dev");
    struct ipod *pod = xcalloc(1, sizeof *pod);
    if (!cid || !antrea_ip_from_string(ip, &pod->ip)
        || !parse_mac(mac, pod->mac) || port->ofport <= 0
        || strlen(port->name) >= sizeof pod->host_ifname) {
        LOG_WARN("port %s: external_ids do not describe a Pod (or it has "
                 "no ofport); ignored", port->name);
        free(pod);
        return NULL;
    }
    pod->container_id = xstrdup(cid);
    pod->namespace = xstrdup(ns ? ns : "");
    pod->name = xstrdup(name ? name : "");
    pod->ifname = xstrdup(ifname && ifname[0] ? ifname : "eth0");
    strcpy(pod->host_ifname, port->name);
    pod->ofport = port->ofport;
    pod->object = bridge_new_object(pi->opts.bridge);
    return pod;
}

/* Restores the intercepted Pods recorded in OVSDB; deletes the ports (and
 * routes) of those whose interface went while the agent was down. */
static int
restore_pods(struct pod_intercept *pi, char **errorp)
{
    struct aovs_ovsdb *db = bridge_ovsdb(pi->opts.bridge);
    struct aovs_port_list list;
    int error = aovs_port_list(db, bridge_name(pi->opts.bridge), &list);
    if (error) {
        *errorp = xasprintf("cannot list the ports of bridge %s: %s",
                            bridge_name(pi->opts.bridge), strerror(error));
        return error;
    }
    for (size_t i = 0; i < list.n; i++) {
        const struct aovs_port *port = &list.ports[i];
        const char *type = aovs_smap_get(&port->external_ids,
                                         "antrea-type");
        if (!type || strcmp(type, "container")) {
            continue;
        }
        char *msg = NULL;
        if (!if_nametoindex(port->name)) {
            LOG_INFO("port %s: its interface is gone; deleting the port "
                     "and the route to its Pod", port->name);
            if (aovs_port_delete(db, port->name, &msg)) {
                LOG_WARN("%s", msg);
            }
            free(msg);
            msg = NULL;
            struct antrea_ip ip;
            if (antrea_ip_from_string(aovs_smap_get(&port->external_ids,
                                                    "ip-address"), &ip)
                && restore_routes(pi, &ip, port->name, &msg)) {
                LOG_WARN("port %s: %s", port->name, msg);
            }
            free(msg);
            continue;
        }
        if (!aovs_smap_get(&port->external_ids, INTERCEPTED_KEY)) {
            LOG_WARN("port %s: a Pod interface the agent made (an earlier "
                     "run in another mode?); networkPolicyOnly leaves it "
                     "alone", port->name);
            continue;
        }
        struct ipod *pod = ipod_from_port(pi, port);
        if (!pod) {
            continue;
        }
        if (ipod_declare_flows(pi, pod, &msg)) {
            LOG_WARN("Pod %s/%s: %s", pod->namespace, pod->name, msg);
            free(msg);
            ipod_free(pod);
            continue;
        }
        ipod_insert(pi, pod);
        LOG_INFO("restored Pod %s/%s (container %s, intercepted port %s)",
                 pod->namespace, pod->name, pod->container_id,
                 pod->host_ifname);
    }
    aovs_port_list_destroy(&list);
    return sync_drop_rules(pi, NULL, NULL, errorp);
}

int
pod_intercept_create(const struct pod_intercept_options *opts,
                     struct pod_intercept **pip, char **errorp)
{
    struct pod_intercept *pi = xcalloc(1, sizeof *pi);
    pi->opts = *opts;
    pi->gateway_name = xstrdup(opts->gateway_name);
    pi->opts.gateway_name = pi->gateway_name;
    *pip = NULL;

    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    pi->node_object = bridge_new_object(opts->bridge);
    int error = pipeline_policyonly_node_flows(
        bridge_node_config(opts->bridge), &flows, errorp);
    if (!error) {
        error = bridge_set_flows(opts->bridge, pi->node_object, &flows,
                                 errorp);
    }
    pipeline_flows_destroy(&flows);
    if (!error) {
        error = restore_pods(pi, errorp);
    }
    if (error) {
        pod_intercept_destroy(pi);
        return error;
    }
    *pip = pi;
    return 0;
}

void
pod_intercept_destroy(struct pod_intercept *pi)
{
    if (pi) {
        for (size_t i = 0; i < pi->n_pods; i++) {
            ipod_free(pi->pods[i]);
        }
        free(pi->pods);
        free(pi->gateway_name);
        free(pi);
    }
}

size_t
pod_intercept_count(const struct pod_intercept *pi)
{
    return pi->n_pods;
}

/* ADD. */

/* Finds, in prevResult 'prev', the interface named 'ifname' inside a
 * sandbox and its first IPv4 address.  Returns 0, or EINVAL with a
 * message naming what is missing. */
static int
find_pod_address(const struct cni_result *prev, const char *ifname,
                 struct antrea_ip *ip, char **errorp)
{
    int index = -1;
    for (size_t i = 0; i < prev->n_interfaces; i++) {
        const struct cni_interface *iface = &prev->interfaces[i];
        if (iface->sandbox && iface->sandbox[0]
            && !strcmp(iface->name, ifname)) {
            index = (int) i;
            break;
        }
    }
    for (size_t i = 0; i < prev->n_ips; i++) {
        const struct cni_ip *cip = &prev->ips[i];
        struct antrea_prefix prefix;
        if ((cip->interface == index || cip->interface < 0
             || !prev->n_interfaces)
            && antrea_prefix_from_string(cip->address, &prefix)
            && prefix.ip.family == AF_INET) {
            *ip = prefix.ip;
            return 0;
        }
    }
    *errorp = xasprintf("prevResult: no IPv4 address for interface %s "
                        "(the primary CNI's result must list the Pod's "
                        "address)", ifname);
    return EINVAL;
}

/* Finds the host end of the veth whose Pod end is 'ifname' in namespace
 * 'netns' (the primary CNI made both), filling 'pod' (its MAC, the host
 * end's name).  Returns 0 or a positive errno value with a message. */
static int
find_host_end(const char *netns, const char *ifname, struct ipod *pod,
              int *host_ifindexp, char **errorp)
{
    struct pod_iface_link pod_link, host_link;
    char *msg = NULL;
    int error = pod_iface_get_link(netns, ifname, &pod_link, &msg);
    if (error) {
        *errorp = xasprintf("Pod interface %s in %s: %s", ifname, netns,
                            msg ? msg : strerror(error));
        free(msg);
        return error;
    }
    char name[IFNAMSIZ];
    if (pod_link.peer_ifindex <= 0
        || !if_indextoname(pod_link.peer_ifindex, name)) {
        *errorp = xasprintf("Pod interface %s in %s is not a veth whose "
                            "other end is in the agent's namespace (peer "
                            "index %d): networkPolicyOnly needs a primary "
                            "CNI that routes through a host veth, such as "
                            "ptp", ifname, netns, pod_link.peer_ifindex);
        return EINVAL;
    }
    error = pod_iface_get_link(NULL, name, &host_link, &msg);
    if (error || host_link.peer_ifindex != pod_link.ifindex) {
        *errorp = xasprintf("host interface %s is not the other end of Pod "
                            "interface %s in %s%s%s", name, ifname, netns,
                            msg ? ": " : "", msg ? msg : "");
        free(msg);
        return error ? error : EINVAL;
    }
    memcpy(pod->mac, pod_link.mac, sizeof pod->mac);
    snprintf(pod->host_ifname, sizeof pod->host_ifname, "%s", name);
    *host_ifindexp = host_link.ifindex;
    return 0;
}

/* Turns TX checksum offload off on the Pod's end of its veth. */
static int
pod_tx_csum_off(const char *netns, const char *ifname, char **errorp)
{
    int fd;
    int error = netns_open(netns, &fd, errorp);
    if (error) {
        return error;
    }
    error = ethtool_set_tx_csum(fd, ifname, false);
    close(fd);
    if (error) {
        *errorp = xasprintf("cannot turn TX checksum offload off on %s in "
                            "%s: %s", ifname, netns, strerror(error));
    }
    return error;
}

/* Makes the host end of 'pod' an OVS port and stores its ofport. */
static int
add_port(struct pod_intercept *pi, struct ipod *pod, char **errorp)
{
    char mac[18], ip[ANTREA_IP_STRING_SIZE];
    format_mac(pod->mac, mac);
    antrea_ip_to_string(&pod->ip, ip, sizeof ip);
    struct aovs_smap ids, iface_ids;
    aovs_smap_init(&ids);
    aovs_smap_add(&ids, "container-id", pod->container_id);
    aovs_smap_add(&ids, "pod-name", pod->name);
    aovs_smap_add(&ids, "pod-namespace", pod->namespace);
    aovs_smap_add(&ids, "ip-address", ip);
    aovs_smap_add(&ids, "attached-mac", mac);
    aovs_smap_add(&ids, "antrea-type", "container");
    aovs_smap_add(&ids, "if-dev", pod->ifname);
    aovs_smap_add(&ids, INTERCEPTED_KEY, "true");
    aovs_smap_init(&iface_ids);
    aovs_smap_add(&iface_ids, "attached-mac", mac);
    struct aovs_port_settings settings = {
        .name = pod->host_ifname,
        .external_ids = &ids,
        .iface_external_ids = &iface_ids,
    };
    struct aovs_ovsdb *db = bridge_ovsdb(pi->opts.bridge);
    int error = aovs_port_add(db, bridge_name(pi->opts.bridge), &settings,
                              errorp);
    aovs_smap_destroy(&ids);
    aovs_smap_destroy(&iface_ids);
    if (!error) {
        int ofport;
        error = aovs_port_wait_ofport(db, pod->host_ifname, &ofport,
                                      errorp);
        pod->ofport = error ? 0 : (uint32_t) ofport;
    }
    return error;
}

/* Deletes the OVS port of 'host_ifname' if there is one. */
static int
delete_port(struct pod_intercept *pi, const char *host_ifname,
            char **errorp)
{
    struct aovs_ovsdb *db = bridge_ovsdb(pi->opts.bridge);
    struct aovs_port port;
    if (aovs_port_get(db, host_ifname, &port)) {
        return 0;
    }
    aovs_port_destroy(&port);
    return aovs_port_delete(db, host_ifname, errorp);
}

/* Steps of ADD done so far, for rollback. */
enum add_step {
    ADD_NOTHING,
    ADD_PORT,
    ADD_FLOWS,
    ADD_DROP,
    ADD_ROUTES,
};

/* Undoes ADD of 'pod' up to 'step', in reverse order. */
static void
add_rollback(struct pod_intercept *pi, struct ipod *pod, enum add_step step)
{
    char *error = NULL;
    switch (step) {
    case ADD_ROUTES:
        if (restore_routes(pi, &pod->ip, pod->host_ifname, &error)) {
            LOG_WARN("rollback: %s", error);
        }
        free(error);
        error = NULL;
        /* fall through */
    case ADD_DROP:
        if (sync_drop_rules(pi, NULL, NULL, &error)) {
            LOG_WARN("rollback: %s", error);
        }
        free(error);
        error = NULL;
        /* fall through */
    case ADD_FLOWS:
        bridge_remove_flows(pi->opts.bridge, pod->object);
        if (bridge_commit(pi->opts.bridge, &error)) {
            LOG_WARN("rollback: %s", error);
        }
        free(error);
        error = NULL;
        /* fall through */
    case ADD_PORT:
        if (delete_port(pi, pod->host_ifname, &error)) {
            LOG_WARN("rollback: %s", error);
        }
        free(error);
        /* fall through */
    case ADD_NOTHING:
        break;
    }
}

/* CNI ADD: puts the primary CNI's host interface behind OVS. */
static void
pod_add(void *pi_, struct cni_request *request,
        const struct cni_request_args *args)
{
    struct pod_intercept *pi = pi_;
    const struct cni_result *prev = args->conf->prev_result;
    if (!prev) {
        cni_server_reply_error(request, CNI_ERR_INVALID_NETWORK_CONFIG,
                               NULL, "trafficEncapMode networkPolicyOnly: "
                               "antrea must be chained after a primary CNI "
                               "plugin, and this ADD has no prevResult");
        return;
    }
    if (ipod_find(pi, args->container_id)) {
        cni_server_reply_error(request, CNI_ERR_CONFIG_INTERFACE_FAILURE,
                               NULL, "container %s already has an "
                               "interface on this Node",
                               args->container_id);
        return;
    }

    struct ipod *pod = xcalloc(1, sizeof *pod);
    pod->container_id = xstrdup(args->container_id);
    pod->namespace = xstrdup(args->k8s && args->k8s->pod_namespace
                             ? args->k8s->pod_namespace : "");
    pod->name = xstrdup(args->k8s && args->k8s->pod_name
                        ? args->k8s->pod_name : "");
    pod->ifname = xstrdup(args->ifname);
    pod->object = bridge_new_object(pi->opts.bridge);

    enum add_step step = ADD_NOTHING;
    char *error = NULL;
    int code = CNI_ERR_INVALID_NETWORK_CONFIG;
    int host_ifindex = 0;
    size_t n_moved = 0;
    if (find_pod_address(prev, args->ifname, &pod->ip, &error)) {
        goto fail;
    }
    code = CNI_ERR_CONFIG_INTERFACE_FAILURE;
    if (find_host_end(args->netns, args->ifname, pod, &host_ifindex, &error)
        || (pi->opts.tx_csum_off
            && pod_tx_csum_off(args->netns, args->ifname, &error))
        || add_port(pi, pod, &error)) {
        step = ADD_PORT;
        goto fail;
    }
    step = ADD_FLOWS;
    if (ipod_declare_flows(pi, pod, &error)
        || bridge_commit(pi->opts.bridge, &error)) {
        goto fail;
    }
    step = ADD_DROP;
    if (sync_drop_rules(pi, pod->host_ifname, NULL, &error)) {
        goto fail;
    }
    step = ADD_ROUTES;
    if (migrate_routes_to_gateway(pi, host_ifindex, &n_moved, &error)) {
        goto fail;
    }

    char ip[ANTREA_IP_STRING_SIZE];
    antrea_ip_to_string(&pod->ip, ip, sizeof ip);
    LOG_INFO("ADD %s/%s (container %s): %s on intercepted port %s ofport "
             "%"PRIu32", %zu host routes moved to %s", pod->namespace,
             pod->name, pod->container_id, ip, pod->host_ifname, pod->ofport,
             n_moved, pi->gateway_name);
    ipod_insert(pi, pod);
    cni_server_reply_result(request, prev);
    return;

fail:
    LOG_WARN("ADD %s/%s (container %s) failed: %s", pod->namespace,
             pod->name, pod->container_id, error);
    add_rollback(pi, pod, step);
    cni_server_reply_error(request, code, NULL, "%s", error);
    free(error);
    ipod_free(pod);
}

/* CNI DEL: undoes what ADD did, and only that; idempotent. */
static void
pod_del(void *pi_, struct cni_request *request,
        const struct cni_request_args *args)
{
    struct pod_intercept *pi = pi_;
    struct ipod *pod = ipod_find(pi, args->container_id);
    if (!pod) {
        LOG_INFO("DEL container %s: not intercepted here; nothing to do",
                 args->container_id);
        cni_server_reply_result(request, NULL);
        return;
    }

    char *error = NULL;
    bridge_remove_flows(pi->opts.bridge, pod->object);
    if (bridge_commit(pi->opts.bridge, &error)) {
        /* The desired table no longer has them; bridge_run() retries. */
        LOG_WARN("container %s: %s", pod->container_id, error);
        free(error);
        error = NULL;
    }
    if (restore_routes(pi, &pod->ip, pod->host_ifname, &error)
        || delete_port(pi, pod->host_ifname, &error)
        || sync_drop_rules(pi, NULL, pod, &error)) {
        cni_server_reply_error(request, CNI_ERR_CONFIG_INTERFACE_FAILURE,
                               NULL, "%s", error);
        free(error);
        return;
    }
    LOG_INFO("DEL container %s (intercepted port %s)", args->container_id,
             pod->host_ifname);
    ipod_remove(pi, pod);
    ipod_free(pod);
    cni_server_reply_result(request, NULL);
}

/* CNI CHECK: Antrea answers success in chaining mode; we also check that
 * the Pod is known and its port is on the bridge. */
static void
pod_check(void *pi_, struct cni_request *request,
          const struct cni_request_args *args)
{
    struct pod_intercept *pi = pi_;
    const struct ipod *pod = ipod_find(pi, args->container_id);
    struct aovs_port port;
    if (!pod) {
        cni_server_reply_error(request, CNI_ERR_UNKNOWN_CONTAINER, NULL,
                               "container %s has no intercepted interface "
                               "on this Node", args->container_id);
    } else if (aovs_port_get(bridge_ovsdb(pi->opts.bridge),
                             pod->host_ifname, &port)) {
        cni_server_reply_error(request, CNI_ERR_CHECK_INTERFACE_FAILURE,
                               NULL, "OVS port %s of container %s is "
                               "missing", pod->host_ifname,
                               pod->container_id);
    } else {
        aovs_port_destroy(&port);
        cni_server_reply_result(request, NULL);
    }
}

const struct cni_server_handler *
pod_intercept_cni_handler(void)
{
    static const struct cni_server_handler handler = {
        .add = pod_add,
        .del = pod_del,
        .check = pod_check,
    };
    return &handler;
}
