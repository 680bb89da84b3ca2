/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's CNI handler: ADD, DEL and CHECK of Pod interfaces
 * (pod-network.h).
 *
 * ADD is asynchronous and batched.  Its quick steps (IPAM, the veth pair
 * inside the Pod) run in the callback; the ADD then waits in 'adds' and
 * moves through enum add_state in pod_network_run(), which the CNI server
 * calls after dispatching every request that arrived: all queued ports go
 * into one OVSDB transaction, their ofports are read as the OVSDB update
 * notifications bring them, and the flows of all Pods whose ofport is
 * known go into one bundle; each ADD is answered as soon as its own flows
 * are installed.  A Pod that fails is rolled back alone: a transaction or
 * bundle refused for a batch is retried one Pod at a time.
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
#include "event-loop.h"
#include "net/garp.h"
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

/* Steps of ADD done so far, for rollback. */
enum add_step {
    ADD_NOTHING,
    ADD_IPAM,
    ADD_IFACE,
    ADD_PORT,
    ADD_FLOWS,
};

/* Where an asynchronous ADD is. */
enum add_state {
    ADD_QUEUED,                 /* waits for the next OVSDB transaction */
    ADD_IN_TXN,                 /* its port is in the transaction */
    ADD_WAIT_OFPORT,            /* port in OVSDB, waits for its ofport */
    ADD_READY,                  /* ofport known, flows to install */
};

/* An ADD in progress, after its quick steps. */
struct pod_add {
    struct pod *pod;            /* the Pod being made */
    struct cni_request *request; /* to answer */
    const struct cni_request_args *args; /* the request's, valid until it
                                            is answered */
    struct antrea_ipam_request ipreq; /* to release the address */
    struct pod_iface pi;        /* its veth pair */
    struct antrea_ip gateway;   /* the Pod's default gateway */
    enum add_state state;       /* where it is */
    bool solo;                  /* after a batch failed: alone in its
                                   transaction and bundle */
    int attempts;               /* transactions tried */
    long long deadline;         /* ADD_WAIT_OFPORT: when to give up */
    struct aovs_smap ids;       /* its Port external_ids */
    struct aovs_smap iface_ids; /* its Interface external_ids */
    struct aovs_port_settings settings; /* its port, for the transaction */
};

/* Gratuitous ARPs still to send for one Pod. */
struct garp_job {
    uint32_t ofport;            /* the Pod's port */
    uint8_t mac[6];             /* its MAC */
    struct antrea_ip ip;        /* its address */
    unsigned int left;          /* announcements still to send */
    long long next;             /* time_msec() of the next one */
};

struct pod_network {
    struct pod_network_options opts; /* as created */
    struct pod **pods;          /* 'n_pods' local Pods */
    size_t n_pods;              /* number of 'pods' */
    size_t allocated_pods;      /* capacity of 'pods' */
    struct pod_add **adds;      /* 'n_adds' ADDs in progress, in arrival
                                   order */
    size_t n_adds;              /* number of 'adds' */
    size_t allocated_adds;      /* capacity of 'adds' */
    struct aovs_txn *txn;       /* the ports transaction in flight, or
                                   NULL */
    struct garp_job *garps;     /* 'n_garps' announcements under way */
    size_t n_garps;             /* number of 'garps' */
    size_t allocated_garps;     /* capacity of 'garps' */
};

static void pod_add_fail(struct pod_network *, struct pod_add *,
                         enum add_step, char *error);

/* How long an ADD waits for ovs-vswitchd to give its port an ofport. */
#define OFPORT_TIMEOUT_MS 10000

/* How many times a ports transaction is rebuilt after a conflict. */
#define MAX_TXN_ATTEMPTS 5

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
    if (pn->opts.pod_added) {
        pn->opts.pod_added(pn->opts.pod_aux, pod->namespace, pod->name,
                           pod->ofport, &pod->address.ip);
    }
}

static void
pod_remove(struct pod_network *pn, struct pod *pod)
{
    for (size_t i = 0; i < pn->n_pods; i++) {
        if (pn->pods[i] == pod) {
            pn->pods[i] = pn->pods[--pn->n_pods];
            if (pn->opts.pod_removed) {
                pn->opts.pod_removed(pn->opts.pod_aux, pod->namespace,
                                     pod->name);
            }
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
        /* ADDs in progress are undone; their answers go nowhere. */
        aovs_txn_destroy(pn->txn);
        pn->txn = NULL;
        while (pn->n_adds) {
            pod_add_fail(pn, pn->adds[pn->n_adds - 1], ADD_PORT,
                         xstrdup("antrea-agent is stopping"));
        }
        free(pn->adds);
        free(pn->garps);
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

/* Schedules the gratuitous ARPs of 'pod': the first goes out at once,
 * the others every GARP_DEFAULT_INTERVAL_MS from pod_network_run(). */
static void
garp_schedule(struct pod_network *pn, const struct pod *pod)
{
    if (pn->n_garps >= pn->allocated_garps) {
        pn->garps = x2nrealloc(pn->garps, &pn->allocated_garps,
                               sizeof *pn->garps);
    }
    struct garp_job *job = &pn->garps[pn->n_garps++];
    job->ofport = pod->ofport;
    memcpy(job->mac, pod->mac, sizeof job->mac);
    job->ip = pod->address.ip;
    job->left = GARP_DEFAULT_COUNT;
    job->next = time_msec();
}

/* Forgets the announcements still due from 'ofport' (its Pod is gone). */
static void
garp_cancel(struct pod_network *pn, uint32_t ofport)
{
    for (size_t i = 0; i < pn->n_garps; ) {
        if (pn->garps[i].ofport == ofport) {
            pn->garps[i] = pn->garps[--pn->n_garps];
        } else {
            i++;
        }
    }
}

/* Sends the announcements that are due.  A failure only delays
 * neighbours learning the address, so it is logged, not fatal. */
static void
garp_run(struct pod_network *pn)
{
    long long now = time_msec();
    for (size_t i = 0; i < pn->n_garps; ) {
        struct garp_job *job = &pn->garps[i];
        if (job->next > now) {
            i++;
            continue;
        }
        char *error = NULL;
        if (bridge_send_garp(pn->opts.bridge, job->ofport, job->mac,
                             &job->ip, &error)) {
            LOG_WARN("%s", error);
            free(error);
        }
        if (--job->left) {
            job->next = now + GARP_DEFAULT_INTERVAL_MS;
            i++;
        } else {
            pn->garps[i] = pn->garps[--pn->n_garps];
        }
    }
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
                             pod->host_ifname, &error) > 0
            && error && !strstr(error, "no such port")) {
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

/* Frees 'add' (not its Pod, nor its request). */
static void
pod_add_free(struct pod_add *add)
{
    aovs_smap_destroy(&add->ids);
    aovs_smap_destroy(&add->iface_ids);
    free(add);
}

/* Takes 'add' out of the ADDs in progress. */
static void
pod_add_remove(struct pod_network *pn, struct pod_add *add)
{
    for (size_t i = 0; i < pn->n_adds; i++) {
        if (pn->adds[i] == add) {
            memmove(&pn->adds[i], &pn->adds[i + 1],
                    (pn->n_adds - i - 1) * sizeof *pn->adds);
            pn->n_adds--;
            return;
        }
    }
}

/* Fails ADD 'add': undoes it up to 'step', answers with 'error' (which
 * it frees) and forgets it. */
static void
pod_add_fail(struct pod_network *pn, struct pod_add *add,
             enum add_step step, char *error)
{
    struct pod *pod = add->pod;
    LOG_WARN("ADD %s/%s (container %s) failed: %s", pod->namespace,
             pod->name, pod->container_id, error);
    add_rollback(pn, step, pod, &add->ipreq);
    cni_server_reply_error(add->request, CNI_ERR_CONFIG_INTERFACE_FAILURE,
                           NULL, "%s", error);
    free(error);
    pod_add_remove(pn, add);
    pod_free(pod);
    pod_add_free(add);
}

/* Finishes ADD 'add', whose flows are installed: the Pod joins the local
 * Pods, its address is announced and the runtime gets its result. */
static void
pod_add_complete(struct pod_network *pn, struct pod_add *add)
{
    struct pod *pod = add->pod;
    char ip[ANTREA_IP_STRING_SIZE];
    antrea_ip_to_string(&pod->address.ip, ip, sizeof ip);
    LOG_INFO("ADD %s/%s (container %s): %s on port %s ofport %"PRIu32,
             pod->namespace, pod->name, pod->container_id, ip,
             pod->host_ifname, pod->ofport);

    pod_insert(pn, pod);
    garp_schedule(pn, pod);
    struct cni_result result;
    make_result(pn, pod, add->args, &add->pi, &add->gateway, &result);
    cni_server_reply_result(add->request, &result);
    cni_result_destroy(&result);
    pod_add_remove(pn, add);
    pod_add_free(add);
}

/* Returns the number of ADDs in progress in 'state'. */
static size_t
count_adds(const struct pod_network *pn, enum add_state state)
{
    size_t n = 0;
    for (size_t i = 0; i < pn->n_adds; i++) {
        n += pn->adds[i]->state == state;
    }
    return n;
}

/* Starts the transaction that adds the ports of the queued ADDs: all of
 * them, or only the first one if it must go alone. */
static void
start_ports_txn(struct pod_network *pn)
{
    struct pod_add **batch = xmalloc(pn->n_adds * sizeof *batch);
    size_t n = 0;
    for (size_t i = 0; i < pn->n_adds; i++) {
        struct pod_add *add = pn->adds[i];
        if (add->state == ADD_QUEUED && (!add->solo || !n)) {
            batch[n++] = add;
            if (add->solo) {
                break;
            }
        }
    }
    if (n > 1 && batch[0]->solo) {
        n = 1;
    }

    struct aovs_port_batch_item *items = xcalloc(n, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        items[i].settings = &batch[i]->settings;
    }
    char *error = NULL;
    int retval = aovs_port_add_batch(bridge_ovsdb(pn->opts.bridge),
                                     bridge_name(pn->opts.bridge), items, n,
                                     &pn->txn, &error);
    for (size_t i = 0; i < n; i++) {
        struct pod_add *add = batch[i];
        add->attempts++;
        if (retval) {
            pod_add_fail(pn, add, ADD_IFACE, xstrdup(error));
        } else if (items[i].error) {
            pod_add_fail(pn, add, ADD_IFACE, items[i].message);
        } else {
            add->state = ADD_IN_TXN;
        }
    }
    LOG_DBG("ports transaction for %zu Pods started", n);
    free(error);
    free(items);
    free(batch);
}

/* Follows the ports transaction in flight, if any. */
static void
follow_ports_txn(struct pod_network *pn)
{
    if (!pn->txn) {
        return;
    }
    char *error = NULL;
    int retval = aovs_txn_poll(pn->txn, &error);
    if (retval == EINPROGRESS) {
        return;
    }
    aovs_txn_destroy(pn->txn);
    pn->txn = NULL;

    size_t n = count_adds(pn, ADD_IN_TXN);
    long long deadline = time_msec() + OFPORT_TIMEOUT_MS;
    for (size_t i = 0; i < pn->n_adds; ) {
        struct pod_add *add = pn->adds[i];
        if (add->state != ADD_IN_TXN) {
            i++;
        } else if (!retval) {
            add->state = ADD_WAIT_OFPORT;
            add->deadline = deadline;
            i++;
        } else if ((retval == EAGAIN && add->attempts < MAX_TXN_ATTEMPTS)
                   || (retval != EAGAIN && n > 1)) {
            /* A conflict: build it again from the fresher replica.  A
             * batch refused: find out whose port it was. */
            add->state = ADD_QUEUED;
            add->solo = add->solo || retval != EAGAIN;
            i++;
        } else {
            pod_add_fail(pn, add, ADD_PORT, xstrdup(error));
        }
    }
    free(error);
}

/* Moves the ADDs whose port got its ofport to ADD_READY; fails those
 * whose interface OVS could not add or that waited too long. */
static void
collect_ofports(struct pod_network *pn)
{
    long long now = time_msec();
    for (size_t i = 0; i < pn->n_adds; ) {
        struct pod_add *add = pn->adds[i];
        if (add->state != ADD_WAIT_OFPORT) {
            i++;
            continue;
        }
        int ofport;
        char *error = NULL;
        int retval = aovs_port_get_ofport(bridge_ovsdb(pn->opts.bridge),
                                          add->pod->host_ifname, &ofport,
                                          &error);
        if (!retval) {
            add->pod->ofport = ofport;
            add->state = ADD_READY;
            i++;
        } else if (retval == EAGAIN && now < add->deadline) {
            i++;
        } else {
            if (retval == EAGAIN) {
                error = xasprintf("port %s: no OpenFlow port number after "
                                  "%d ms; is ovs-vswitchd running?",
                                  add->pod->host_ifname, OFPORT_TIMEOUT_MS);
            }
            pod_add_fail(pn, add, ADD_PORT, error);
        }
    }
}

/* Installs the flows of every ADD_READY ADD in one bundle and answers
 * them; if the bundle fails for more than one Pod, tries them one by
 * one, so that only the Pods at fault fail. */
static void
install_ready(struct pod_network *pn)
{
    size_t n = 0;
    for (size_t i = 0; i < pn->n_adds; ) {
        struct pod_add *add = pn->adds[i];
        char *error = NULL;
        if (add->state != ADD_READY) {
            i++;
        } else if (pod_declare_flows(pn, add->pod, &error)) {
            pod_add_fail(pn, add, ADD_PORT, error);
        } else {
            n++;
            i++;
        }
    }
    if (!n) {
        return;
    }

    char *error = NULL;
    bool batch_ok = !bridge_commit(pn->opts.bridge, &error);
    if (!batch_ok && n > 1) {
        LOG_INFO("the bundle of %zu Pods failed (%s); installing them one "
                 "by one", n, error);
        for (size_t i = 0; i < pn->n_adds; i++) {
            if (pn->adds[i]->state == ADD_READY) {
                bridge_remove_flows(pn->opts.bridge, pn->adds[i]->pod->object);
            }
        }
    }
    for (size_t i = 0; i < pn->n_adds; ) {
        struct pod_add *add = pn->adds[i];
        if (add->state != ADD_READY) {
            i++;
            continue;
        }
        if (batch_ok) {
            pod_add_complete(pn, add);
            continue;
        }
        if (n > 1) {
            free(error);
            error = NULL;
            if (!pod_declare_flows(pn, add->pod, &error)
                && !bridge_commit(pn->opts.bridge, &error)) {
                pod_add_complete(pn, add);
                continue;
            }
        }
        pod_add_fail(pn, add, ADD_FLOWS, error);
        error = NULL;
    }
    free(error);
}

/* The CNI server's run step: moves the ADDs in progress on and sends the
 * gratuitous ARPs that are due. */
static void
pod_network_run(void *pn_)
{
    struct pod_network *pn = pn_;

    follow_ports_txn(pn);
    if (!pn->txn && count_adds(pn, ADD_QUEUED)) {
        start_ports_txn(pn);
    }
    collect_ofports(pn);
    install_ready(pn);
    garp_run(pn);
}

/* The CNI server's wait step. */
static void
pod_network_wait(void *pn_, struct event_loop *loop)
{
    struct pod_network *pn = pn_;

    /* OVSDB updates (ofports) wake the loop through the bridge's OVSDB
     * connection; the transaction's answer through aovs_txn_wait(). */
    if (pn->txn) {
        aovs_txn_wait(pn->txn);
    }
    for (size_t i = 0; i < pn->n_adds; i++) {
        const struct pod_add *add = pn->adds[i];
        if (add->state == ADD_WAIT_OFPORT) {
            event_loop_timer_wait_until(loop, add->deadline);
        } else if (add->state == ADD_QUEUED && !pn->txn) {
            event_loop_immediate_wake(loop);
        } else if (add->state == ADD_READY) {
            event_loop_immediate_wake(loop);
        }
    }
    for (size_t i = 0; i < pn->n_garps; i++) {
        event_loop_timer_wait_until(loop, pn->garps[i].next);
    }
}

/* Returns the ADD in progress for 'container_id', or NULL. */
static struct pod_add *
pod_add_find(const struct pod_network *pn, const char *container_id)
{
    for (size_t i = 0; i < pn->n_adds; i++) {
        if (!strcmp(pn->adds[i]->pod->container_id, container_id)) {
            return pn->adds[i];
        }
    }
    return NULL;
}

/* CNI ADD: the quick steps, then the batch (pod_network_run()). */
static void
pod_add(void *pn_, struct cni_request *request,
        const struct cni_request_args *args)
{
    struct pod_network *pn = pn_;
    const char *ns = args->k8s && args->k8s->pod_namespace
                     ? args->k8s->pod_namespace : "";
    const char *name = args->k8s && args->k8s->pod_name
                       ? args->k8s->pod_name : "";

    if (pod_find(pn, args->container_id)
        || pod_add_find(pn, args->container_id)) {
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
    struct pod_add *add = xcalloc(1, sizeof *add);
    add->pod = pod;
    add->request = request;
    add->args = args;
    ipam_request_init(pn, args, &add->ipreq);
    struct antrea_ipam_result ipres;
    memset(&ipres, 0, sizeof ipres);
    ipres.size = sizeof ipres;
    char msg[ANTREA_ERROR_SIZE] = "";
    if (pn->opts.ipam->add(pn->opts.ipam_state, &add->ipreq, &ipres, msg)) {
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
    add->gateway = ipres.addresses[0].gateway;
    if (!add->gateway.family) {
        add->gateway = bridge_node_config(pn->opts.bridge)->gateway_ip;
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
                                   ? ipres.routes[i].gateway : add->gateway;
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
        .default_gateway = add->gateway,
        .tx_csum_off = pn->opts.tx_csum_off,
    };
    if (pod_iface_create(&ic, &add->pi, &error)) {
        goto fail;
    }
    memcpy(pod->mac, add->pi.container.mac, sizeof pod->mac);

    /* 3. The OVS port, flows and answer: in the next batch. */
    char mac[18], ip[ANTREA_IP_STRING_SIZE];
    format_mac(pod->mac, mac);
    antrea_ip_to_string(&pod->address.ip, ip, sizeof ip);
    aovs_smap_init(&add->ids);
    aovs_smap_add(&add->ids, "container-id", pod->container_id);
    aovs_smap_add(&add->ids, "pod-name", name);
    aovs_smap_add(&add->ids, "pod-namespace", ns);
    aovs_smap_add(&add->ids, "ip-address", ip);
    aovs_smap_add(&add->ids, "attached-mac", mac);
    aovs_smap_add(&add->ids, "antrea-type", "container");
    aovs_smap_init(&add->iface_ids);
    aovs_smap_add(&add->iface_ids, "attached-mac", mac);
    add->settings.name = pod->host_ifname;
    add->settings.external_ids = &add->ids;
    add->settings.iface_external_ids = &add->iface_ids;
    add->state = ADD_QUEUED;
    if (pn->n_adds >= pn->allocated_adds) {
        pn->adds = x2nrealloc(pn->adds, &pn->allocated_adds,
                              sizeof *pn->adds);
    }
    pn->adds[pn->n_adds++] = add;
    return;

fail:
    LOG_WARN("ADD %s/%s (container %s) failed: %s", ns, name,
             args->container_id, error);
    add_rollback(pn, step, pod, &add->ipreq);
    cni_server_reply_error(request, code, NULL, "%s", error);
    free(error);
    pod_free(pod);
    free(add);
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
        garp_cancel(pn, pod->ofport);
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
        .run = pod_network_run,
        .wait = pod_network_wait,
    };
    return &handler;
}
