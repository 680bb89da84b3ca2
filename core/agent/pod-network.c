/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The agent's CNI handler: ADD, DEL and CHECK of Pod interfaces
 * (pod-network.h).
 *
 * ADD is asynchronous and batched.  The callback only queues the ADD;
 * it then moves through enum add_state in pod_network_run(), which the
 * CNI server calls after dispatching every request that arrived: the
 * addresses of all ADDs waiting for IPAM are allocated in one call (one
 * state file save for the native module), each veth pair is made by a
 * worker thread (iface-workers.h; the answer comes back through a pipe
 * the loop polls), all queued ports go into one OVSDB transaction,
 * their ofports are read as the OVSDB update notifications bring them,
 * and the flows of all Pods whose ofport is known go into one bundle,
 * sent without waiting (the loop goes on while ovs-vswitchd works; the
 * Pods that become ready meanwhile go in the next bundle); each ADD is
 * answered as soon as its own flows are installed.  A Pod
 * that fails is rolled back alone: a transaction or bundle refused for a
 * batch is retried one Pod at a time.
 *
 * DEL, GC and the restart reconciliation release attachments the same
 * way (release_attachment()); GC and the reconciliation also ask the IPAM
 * module to release the addresses no Pod accounts for.
 */

#include <config.h>

#include "pod-network.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "iface-workers.h"
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
    char *ifname;               /* CNI_IFNAME, the interface in the Pod */
    char host_ifname[POD_IFACE_NAME_SIZE]; /* host end = OVS port name */
    struct antrea_prefix address; /* its address with the prefix length */
    uint8_t mac[6];             /* MAC of its interface in the Pod */
    uint32_t ofport;            /* ofport of the host end */
    uint64_t object;            /* bridge object id of its flows */
    bool releasing;             /* a DEL is taking it apart */
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
    ADD_WAIT_IPAM,              /* waits for the next IPAM batch */
    ADD_IN_WORKER,              /* its veth pair is being made by a
                                   worker thread */
    ADD_QUEUED,                 /* waits for the next OVSDB transaction */
    ADD_IN_TXN,                 /* its port is in the transaction */
    ADD_WAIT_OFPORT,            /* port in OVSDB, waits for its ofport */
    ADD_READY,                  /* ofport known, flows to install */
    ADD_IN_BUNDLE,              /* its flows are in the bundle on its way */
    ADD_DONE,                   /* flows installed, answered */
};
#define N_ADD_STATES (ADD_DONE + 1)

/* An ADD in progress, after its quick steps. */
struct pod_add {
    struct pod *pod;            /* the Pod being made */
    struct cni_request *request; /* to answer */
    const struct cni_request_args *args; /* the request's, valid until it
                                            is answered */
    struct antrea_ipam_request ipreq; /* to release the address */
    struct antrea_ip gateway;   /* the Pod's default gateway */

    /* The veth pair, made by a worker thread (ADD_IN_WORKER): the worker
     * reads 'ic' (which points to 'routes' and the Pod's address) and
     * writes 'pi', 'iface_error' and 'iface_message'; the loop's thread
     * touches none of them until the worker hands the ADD back. */
    struct pod_iface_config ic; /* what to create */
    struct pod_iface_route routes[ANTREA_IPAM_MAX_ROUTES]; /* ic.routes */
    struct pod_iface pi;        /* its veth pair, once made */
    int iface_error;            /* pod_iface_create()'s answer */
    char *iface_message;        /* ... and its message, or NULL */
    struct iface_job job;       /* for the veth workers */

    enum add_state state;       /* where it is */
    long long int entered[N_ADD_STATES]; /* time_usec() it last entered
                                            each state, for the log */
    bool solo;                  /* after a batch failed: alone in its
                                   transaction and bundle */
    int attempts;               /* transactions tried */
    long long deadline;         /* ADD_WAIT_OFPORT: when to give up */
    struct aovs_smap ids;       /* its Port external_ids */
    struct aovs_smap iface_ids; /* its Interface external_ids */
    struct aovs_port_settings settings; /* its port, for the transaction */
};

/* Where an asynchronous DEL is.  Each step of ADD undone, in reverse:
 * the flows of all DELs that arrived together go in one bundle, their
 * ports in one OVSDB transaction, their veths on the workers. */
enum del_state {
    DEL_WAIT_FLOWS,             /* its flows to remove */
    DEL_IN_BUNDLE,              /* their removal is in the bundle on its
                                   way */
    DEL_QUEUED,                 /* waits for the next OVSDB transaction */
    DEL_IN_TXN,                 /* its port is in the transaction */
    DEL_IN_WORKER,              /* its veth is being deleted */
    DEL_WAIT_IPAM,              /* its address to release */
    DEL_DONE,                   /* its address released, answered */
};
#define N_DEL_STATES (DEL_DONE + 1)

/* A DEL in progress.  'pod' is NULL for a container the agent does not
 * know (DEL is idempotent): then only what its names lead to is
 * released. */
struct pod_del {
    struct pod *pod;            /* the Pod, or NULL */
    struct cni_request *request; /* to answer */
    struct antrea_ipam_request ipreq; /* its address to release; points
                                         into the request's arguments */
    char host_ifname[POD_IFACE_NAME_SIZE]; /* its port and veth */
    enum del_state state;       /* where it is */
    int attempts;               /* transactions tried */
    long long int entered[N_DEL_STATES]; /* time_usec() it last entered
                                            each state, for the log */

    /* Written by the worker (DEL_IN_WORKER), as for struct pod_add. */
    struct iface_job job;       /* for the veth workers */
    int iface_error;            /* pod_iface_delete()'s answer */
    char *iface_message;        /* ... and its message, or NULL */
};

/* Gratuitous ARPs still to send for one Pod. */
struct garp_job {
    uint32_t ofport;            /* the Pod's port */
    uint8_t mac[6];             /* its MAC */
    struct antrea_ip ip;        /* its address */
    unsigned int left;          /* announcements still to send */
    long long next;             /* time_msec() of the next one */
};

/* How many veth workers.  Nearly all of a veth's making is under the
 * kernel's routing lock, so more workers hardly overlap more; they
 * contend for the lock instead (measured at 16 concurrent ADDs: 1.2,
 * 1.3 and 1.45 ms of agent CPU time per ADD with 1, 2 and 4 workers, the
 * same latency).  Two, so that one slow job (deleting veths waits for
 * RCU grace periods) does not hold the ADDs behind it. */
#define N_IFACE_WORKERS 2

struct pod_network {
    struct pod_network_options opts; /* as created */
    struct iface_workers *workers; /* veth threads; their jobs are the
                                      'job's of ADDs (one at a time) and
                                      DELs (batchable) */
    struct pod **pods;          /* 'n_pods' local Pods */
    size_t n_pods;              /* number of 'pods' */
    size_t allocated_pods;      /* capacity of 'pods' */
    struct pod_add **adds;      /* 'n_adds' ADDs in progress, in arrival
                                   order */
    size_t n_adds;              /* number of 'adds' */
    size_t allocated_adds;      /* capacity of 'adds' */
    struct pod_del **dels;      /* 'n_dels' DELs in progress, in arrival
                                   order */
    size_t n_dels;              /* number of 'dels' */
    size_t allocated_dels;      /* capacity of 'dels' */
    struct aovs_txn *txn;       /* the ports transaction in flight (of
                                   ADDs or of DELs), or NULL */
    struct garp_job *garps;     /* 'n_garps' announcements under way */
    size_t n_garps;             /* number of 'garps' */
    size_t allocated_garps;     /* capacity of 'garps' */
};

/* Moves 'add' to 'state'. */
static void
add_enter(struct pod_add *add, enum add_state state)
{
    add->state = state;
    add->entered[state] = time_usec();
}

static void pod_add_fail(struct pod_network *, struct pod_add *,
                         enum add_step, char *error);
static void pod_del_finish(struct pod_network *, struct pod_del *, int code,
                           char *error);
static void follow_del_txn(struct pod_network *, int retval,
                           const char *error);
static void del_enter(struct pod_del *, enum del_state);
static iface_jobs_run_func run_iface_jobs;
static void forget_flows(struct pod_network *, const struct pod *);

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
        free(pod->ifname);
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

/* Returns the Pod's interface name recorded in external_ids 'ids'
 * ("if-dev"); ports made before it was recorded had the runtime's usual
 * "eth0". */
static const char *
port_ifname(const struct aovs_smap *ids)
{
    const char *ifname = aovs_smap_get(ids, "if-dev");
    return ifname && ifname[0] ? ifname : "eth0";
}

/* Returns true if OVSDB port 'port' is a Pod's (antrea-type=container). */
static bool
port_is_pod(const struct aovs_port *port)
{
    const char *type = aovs_smap_get(&port->external_ids, "antrea-type");
    return type && !strcmp(type, "container");
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
    pod->ifname = xstrdup(port_ifname(ids));
    strcpy(pod->host_ifname, port->name);
    pod->ofport = port->ofport;
    pod->object = bridge_new_object(pn->opts.bridge);
    return pod;
}

/* Releases the IPAM address of container 'container_id' interface
 * 'ifname' (Pod 'namespace'/'name', any of them may be NULL) found by the
 * restart reconciliation, which has no CNI request: the module gets no
 * network configuration (native needs none; host-local cannot release
 * without one, and says so).  Logs a failure; returns true on success. */
static bool
restore_release_address(struct pod_network *pn, const char *container_id,
                        const char *ifname, const char *namespace,
                        const char *name)
{
    const struct pipeline_node_config *node
        = bridge_node_config(pn->opts.bridge);
    struct antrea_ipam_request req = {
        .size = sizeof req,
        .container_id = container_id,
        .ifname = ifname,
        .pod_namespace = namespace,
        .pod_name = name,
        .subnet = node->pod_cidr,
        .gateway = node->gateway_ip,
    };
    char msg[ANTREA_ERROR_SIZE] = "";
    if (pn->opts.ipam->del(pn->opts.ipam_state, &req, msg)) {
        LOG_WARN("container %s: cannot release its address: %s",
                 container_id, msg);
        return false;
    }
    return true;
}

/* Adds 's' to the 'n' strings of '*ids' ('*allocated' capacity). */
static void
ids_append(const char ***ids, size_t *n, size_t *allocated, const char *s)
{
    if (*n >= *allocated) {
        *ids = x2nrealloc(*ids, allocated, sizeof **ids);
    }
    (*ids)[(*n)++] = s;
}

/* Asks the IPAM module to release every address whose container is none
 * of the 'n' in 'ids' (addresses allocated by an ADD that never got its
 * port, or whose Pod went while nobody was there to DEL it).  Modules
 * without a gc op keep them.  Returns 0 or the module's errno value with
 * its reason in 'msg' (ANTREA_ERROR_SIZE bytes). */
static int
ipam_gc(struct pod_network *pn, const char *const *ids, size_t n, char *msg)
{
    if (!pn->opts.ipam->gc) {
        LOG_DBG("the IPAM module has no gc: addresses without a Pod stay "
                "allocated");
        return 0;
    }
    return pn->opts.ipam->gc(pn->opts.ipam_state, ids, n, msg);
}

/* Restores the Pods recorded in OVSDB and reconciles what changed while
 * the agent was down.  A port whose host interface is gone (the Pod's
 * namespace went away, and with it the veth) is deleted and its IPAM
 * address released.  Then every address that no Pod port in OVSDB
 * accounts for (an ADD interrupted before its port existed, a Pod gone
 * unnoticed) is released through the IPAM module's gc.  A port that
 * exists but cannot be restored keeps its address: its Pod may still run.
 */
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
    const char **live = NULL;   /* container IDs whose addresses stay */
    size_t n_live = 0, allocated_live = 0;
    for (size_t i = 0; i < list.n; i++) {
        const struct aovs_port *port = &list.ports[i];
        if (!port_is_pod(port)) {
            continue;
        }
        const struct aovs_smap *ids = &port->external_ids;
        const char *cid = aovs_smap_get(ids, "container-id");
        struct pod_iface_link link;
        char *msg = NULL;
        if (pod_iface_get_link(NULL, port->name, &link, &msg) == ENODEV) {
            LOG_INFO("port %s: its interface is gone; deleting the port "
                     "and releasing its address", port->name);
            free(msg);
            msg = NULL;
            if (aovs_port_delete(db, port->name, &msg)) {
                LOG_WARN("%s", msg);
            }
            free(msg);
            if (cid && cid[0]) {
                restore_release_address(pn, cid, port_ifname(ids),
                                        aovs_smap_get(ids, "pod-namespace"),
                                        aovs_smap_get(ids, "pod-name"));
            }
            continue;
        }
        free(msg);
        if (cid) {
            ids_append(&live, &n_live, &allocated_live, cid);
        }
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

    char msg[ANTREA_ERROR_SIZE] = "";
    if (ipam_gc(pn, live, n_live, msg)) {
        /* Not fatal: the addresses stay allocated until the next GC. */
        LOG_WARN("releasing the addresses of Pods that are gone: %s", msg);
    }
    free(live);
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
    if (!error) {
        error = iface_workers_create(N_IFACE_WORKERS, run_iface_jobs,
                                     &pn->workers, errorp);
    }
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
        /* ADDs in progress are undone, DELs in progress fail (the
         * runtime retries them); their answers go nowhere.  The workers
         * finish the veth they are working on first. */
        iface_workers_destroy(pn->workers);
        pn->workers = NULL;
        aovs_txn_destroy(pn->txn);
        pn->txn = NULL;
        while (pn->n_adds) {
            pod_add_fail(pn, pn->adds[pn->n_adds - 1], ADD_PORT,
                         xstrdup("antrea-agent is stopping"));
        }
        free(pn->adds);
        while (pn->n_dels) {
            pod_del_finish(pn, pn->dels[pn->n_dels - 1],
                           CNI_ERR_TRY_AGAIN_LATER,
                           xstrdup("antrea-agent is stopping"));
        }
        free(pn->dels);
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
    free(add->iface_message);
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

/* Fails ADD 'add' with CNI error 'code': undoes it up to 'step', answers
 * with 'error' (which it frees) and forgets it. */
static void
pod_add_fail_code(struct pod_network *pn, struct pod_add *add,
                  enum add_step step, int code, char *error)
{
    struct pod *pod = add->pod;
    LOG_WARN("ADD %s/%s (container %s) failed: %s", pod->namespace,
             pod->name, pod->container_id, error);
    add_rollback(pn, step, pod, &add->ipreq);
    cni_server_reply_error(add->request, code, NULL, "%s", error);
    free(error);
    pod_add_remove(pn, add);
    pod_free(pod);
    pod_add_free(add);
}

/* Fails ADD 'add' with CONFIG_INTERFACE_FAILURE (pod_add_fail_code()). */
static void
pod_add_fail(struct pod_network *pn, struct pod_add *add, enum add_step step,
             char *error)
{
    pod_add_fail_code(pn, add, step, CNI_ERR_CONFIG_INTERFACE_FAILURE,
                      error);
}

/* Finishes ADD 'add', whose flows are installed: the Pod joins the local
 * Pods, its address is announced and the runtime gets its result. */
static void
pod_add_complete(struct pod_network *pn, struct pod_add *add)
{
    struct pod *pod = add->pod;
    char ip[ANTREA_IP_STRING_SIZE];
    antrea_ip_to_string(&pod->address.ip, ip, sizeof ip);

    /* Where its time went, so that a slow ADD says which step was slow.
     * A step retried (a transaction conflict) counts from its last try. */
    add_enter(add, ADD_DONE);
    const long long int *t = add->entered;
#define ADD_MS(FROM, TO) ((t[TO] - t[FROM]) / 1000.0)
    LOG_INFO("ADD %s/%s (container %s): %s on port %s ofport %"PRIu32
             " in %.1f ms (IPAM %.1f, veth %.1f, port wait %.1f, "
             "port %.1f, ofport %.1f, flows %.1f)",
             pod->namespace, pod->name, pod->container_id, ip,
             pod->host_ifname, pod->ofport, ADD_MS(ADD_WAIT_IPAM, ADD_DONE),
             ADD_MS(ADD_WAIT_IPAM, ADD_IN_WORKER),
             ADD_MS(ADD_IN_WORKER, ADD_QUEUED),
             ADD_MS(ADD_QUEUED, ADD_IN_TXN),
             ADD_MS(ADD_IN_TXN, ADD_WAIT_OFPORT),
             ADD_MS(ADD_WAIT_OFPORT, ADD_READY),
             ADD_MS(ADD_READY, ADD_DONE));
#undef ADD_MS

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
            add_enter(add, ADD_IN_TXN);
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
            add_enter(add, ADD_WAIT_OFPORT);
            add->deadline = deadline;
            i++;
        } else if ((retval == EAGAIN && add->attempts < MAX_TXN_ATTEMPTS)
                   || (retval != EAGAIN && n > 1)) {
            /* A conflict: build it again from the fresher replica.  A
             * batch refused: find out whose port it was. */
            add_enter(add, ADD_QUEUED);
            add->solo = add->solo || retval != EAGAIN;
            i++;
        } else {
            pod_add_fail(pn, add, ADD_PORT, xstrdup(error));
        }
    }
    follow_del_txn(pn, retval, error);
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
            add_enter(add, ADD_READY);
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

/* Ends the ADDs of a bundle that failed with 'error' (freed here): with
 * more than one, their flows leave the table and go in again one Pod at
 * a time, so that only the Pods at fault fail. */
static void
retry_adds_alone(struct pod_network *pn, char *error)
{
    size_t n = count_adds(pn, ADD_IN_BUNDLE);
    if (n > 1) {
        LOG_INFO("the bundle of %zu Pods failed (%s); installing them one "
                 "by one", n, error);
        for (size_t i = 0; i < pn->n_adds; i++) {
            if (pn->adds[i]->state == ADD_IN_BUNDLE) {
                bridge_remove_flows(pn->opts.bridge, pn->adds[i]->pod->object);
            }
        }
    }
    for (size_t i = 0; i < pn->n_adds; ) {
        struct pod_add *add = pn->adds[i];
        if (add->state != ADD_IN_BUNDLE) {
            i++;
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

/* The bundle of the ADD_IN_BUNDLE ADDs and DEL_IN_BUNDLE DELs ended with
 * 'retval' and 'error' (freed here).  The DELs go on to their ports
 * either way: a failure only delays the removal of their flows, which the
 * desired table no longer has (bridge_run() commits again). */
static void
end_bundle(struct pod_network *pn, int retval, char *error)
{
    bool dels = false;
    for (size_t i = 0; i < pn->n_dels; i++) {
        if (pn->dels[i]->state == DEL_IN_BUNDLE) {
            del_enter(pn->dels[i], DEL_QUEUED);
            dels = true;
        }
    }
    if (retval && dels) {
        LOG_WARN("removing the flows of deleted Pods: %s", error);
    }
    if (retval) {
        retry_adds_alone(pn, error);
        return;
    }
    for (size_t i = 0; i < pn->n_adds; ) {
        struct pod_add *add = pn->adds[i];
        if (add->state == ADD_IN_BUNDLE) {
            pod_add_complete(pn, add);
        } else {
            i++;
        }
    }
    free(error);
}

/* Puts the flows of every ADD_READY ADD and the removals of the flows of
 * every DEL_WAIT_FLOWS DEL in one bundle and sends it, without waiting
 * (the loop goes on reading requests, OVSDB answers and veths while
 * ovs-vswitchd works); collect_bundle() takes the outcome.  With a bundle
 * already on its way they wait for the next one. */
static void
start_bundle(struct pod_network *pn)
{
    if (bridge_commit_pending(pn->opts.bridge)) {
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < pn->n_adds; ) {
        struct pod_add *add = pn->adds[i];
        char *error = NULL;
        if (add->state != ADD_READY) {
            i++;
        } else if (pod_declare_flows(pn, add->pod, &error)) {
            pod_add_fail(pn, add, ADD_PORT, error);
        } else {
            add_enter(add, ADD_IN_BUNDLE);
            n++;
            i++;
        }
    }
    for (size_t i = 0; i < pn->n_dels; i++) {
        struct pod_del *del = pn->dels[i];
        if (del->state != DEL_WAIT_FLOWS) {
            continue;
        }
        if (del->pod) {
            forget_flows(pn, del->pod);
            del_enter(del, DEL_IN_BUNDLE);
            n++;
        } else {
            del_enter(del, DEL_QUEUED);
        }
    }
    if (!n) {
        return;
    }

    char *error = NULL;
    int retval = bridge_commit_start(pn->opts.bridge, &error);
    if (retval == EINPROGRESS) {
        return;
    }
    if (retval == ENOTCONN) {
        /* Not connected now: wait for the connection, within the
         * switch's bound, as a synchronous commit does. */
        free(error);
        error = NULL;
        retval = bridge_commit(pn->opts.bridge, &error);
    }
    end_bundle(pn, retval, error);
}

/* Takes the outcome of our bundle once the switch has answered (the
 * bridge's asynchronous commits are all ours). */
static void
collect_bundle(struct pod_network *pn)
{
    if (!bridge_commit_pending(pn->opts.bridge)) {
        return;
    }
    char *error = NULL;
    int retval = bridge_commit_poll(pn->opts.bridge, &error);
    if (retval != EINPROGRESS) {
        end_bundle(pn, retval, error);
    }
}

/* The veth workers. */

/* Deletes the veths of the DELs in the list 'jobs' (through 'next'),
 * all in one kernel request; on a worker thread. */
static void
run_del_jobs(struct iface_job *jobs)
{
    size_t n = 0;
    for (struct iface_job *job = jobs; job; job = job->next) {
        n++;
    }
    const char **names = xmalloc(n * sizeof *names);
    int *errors = xmalloc(n * sizeof *errors);
    char **messages = xmalloc(n * sizeof *messages);
    size_t i = 0;
    for (struct iface_job *job = jobs; job; job = job->next) {
        names[i++] = CONTAINER_OF(job, struct pod_del, job)->host_ifname;
    }
    pod_iface_delete_many(names, n, errors, messages);
    i = 0;
    for (struct iface_job *job = jobs; job; job = job->next, i++) {
        struct pod_del *del = CONTAINER_OF(job, struct pod_del, job);
        del->iface_error = errors[i];
        del->iface_message = messages[i];
    }
    free(messages);
    free(errors);
    free(names);
}

/* The workers' 'run' function (iface-workers.h): an ADD's veth pair, or
 * a batch of DELs' veths. */
static void
run_iface_jobs(struct iface_job *jobs)
{
    if (jobs->batchable) {
        run_del_jobs(jobs);
    } else {
        struct pod_add *add = CONTAINER_OF(jobs, struct pod_add, job);
        add->iface_error = pod_iface_create(&add->ic, &add->pi,
                                            &add->iface_message);
    }
}

/* Returns the ADDs in progress in 'state', in arrival order, as a new
 * array of '*n' (the caller frees it): a snapshot, since failing an ADD
 * takes it out of 'adds'. */
static struct pod_add **
adds_in_state(const struct pod_network *pn, enum add_state state, size_t *n)
{
    struct pod_add **adds = xmalloc((pn->n_adds ? pn->n_adds : 1)
                                    * sizeof *adds);
    *n = 0;
    for (size_t i = 0; i < pn->n_adds; i++) {
        if (pn->adds[i]->state == state) {
            adds[(*n)++] = pn->adds[i];
        }
    }
    return adds;
}

/* Takes 'add', whose address IPAM allocated into 'ipres', to a worker
 * that makes its veth pair, configured inside the Pod. */
static void
start_iface(struct pod_network *pn, struct pod_add *add,
            const struct antrea_ipam_result *ipres)
{
    struct pod *pod = add->pod;

    pod->address = ipres->addresses[0].address;
    add->gateway = ipres->addresses[0].gateway;
    if (!add->gateway.family) {
        add->gateway = bridge_node_config(pn->opts.bridge)->gateway_ip;
    }
    size_t n_routes = 0;
    for (uint32_t i = 0; i < ipres->n_routes && i < ANTREA_IPAM_MAX_ROUTES;
         i++) {
        if (ipres->routes[i].dst.length == 0) {
            continue;           /* the default route: 'default_gateway' */
        }
        add->routes[n_routes].dst = ipres->routes[i].dst;
        add->routes[n_routes].gateway = (ipres->routes[i].gateway.family
                                         ? ipres->routes[i].gateway
                                         : add->gateway);
        n_routes++;
    }
    add->ic = (struct pod_iface_config) {
        .netns_path = add->args->netns,
        .ifname = add->args->ifname,
        .host_ifname = pod->host_ifname,
        .mtu = pn->opts.mtu,
        .addresses = &pod->address,
        .n_addresses = 1,
        .routes = add->routes,
        .n_routes = n_routes,
        .default_gateway = add->gateway,
        .tx_csum_off = pn->opts.tx_csum_off,
    };
    add_enter(add, ADD_IN_WORKER);
    add->job.batchable = false;
    iface_workers_submit(pn->workers, &add->job);
}

/* Allocates the addresses of the 'n' ADDs 'adds' through the IPAM
 * module: in one add_batch call when it has one (one write and fsync for
 * all of them), else one add call each.  Stores each ADD's answer in
 * 'results[i]', 'retvals[i]' and 'errors[i]' (ANTREA_ERROR_SIZE bytes). */
static void
ipam_allocate(struct pod_network *pn, struct pod_add **adds, size_t n,
              struct antrea_ipam_result *results, int *retvals,
              char (*errors)[ANTREA_ERROR_SIZE])
{
    for (size_t i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].size = sizeof results[i];
        errors[i][0] = '\0';
    }
    if (n > 1 && pn->opts.ipam->add_batch) {
        const struct antrea_ipam_request **reqs = xmalloc(n * sizeof *reqs);
        struct antrea_ipam_result **resultps = xmalloc(n * sizeof *resultps);
        char **errorps = xmalloc(n * sizeof *errorps);
        for (size_t i = 0; i < n; i++) {
            reqs[i] = &adds[i]->ipreq;
            resultps[i] = &results[i];
            errorps[i] = errors[i];
        }
        pn->opts.ipam->add_batch(pn->opts.ipam_state, reqs, resultps,
                                 retvals, errorps, n);
        free(errorps);
        free(resultps);
        free(reqs);
    } else {
        for (size_t i = 0; i < n; i++) {
            retvals[i] = pn->opts.ipam->add(pn->opts.ipam_state,
                                            &adds[i]->ipreq, &results[i],
                                            errors[i]);
        }
    }
}

/* Allocates the addresses of the ADDs waiting for IPAM, as one batch, and
 * sends each on to a worker; fails those IPAM refuses. */
static void
run_ipam(struct pod_network *pn)
{
    size_t n;
    struct pod_add **adds = adds_in_state(pn, ADD_WAIT_IPAM, &n);
    if (!n) {
        free(adds);
        return;
    }

    struct antrea_ipam_result *results = xmalloc(n * sizeof *results);
    int *retvals = xmalloc(n * sizeof *retvals);
    char (*errors)[ANTREA_ERROR_SIZE] = xmalloc(n * sizeof *errors);
    ipam_allocate(pn, adds, n, results, retvals, errors);
    for (size_t i = 0; i < n; i++) {
        struct pod_add *add = adds[i];
        if (retvals[i]) {
            pod_add_fail_code(pn, add, ADD_NOTHING, CNI_ERR_IPAM_FAILURE,
                              xasprintf("IPAM could not allocate an "
                                        "address: %s", errors[i]));
        } else if (!results[i].n_addresses
                   || results[i].addresses[0].address.ip.family != AF_INET) {
            pod_add_fail_code(pn, add, ADD_IPAM, CNI_ERR_IPAM_FAILURE,
                              xstrdup("IPAM returned no IPv4 address"));
        } else {
            start_iface(pn, add, &results[i]);
        }
    }
    if (n > 1 && pn->opts.ipam->add_batch) {
        LOG_INFO("IPAM allocated for %zu ADDs in one batch", n);
    }
    free(errors);
    free(retvals);
    free(results);
    free(adds);
}

/* Takes back ADD 'add', whose veth pair a worker made (or failed to make:
 * nothing of it is left then), and queues it for the next ports
 * transaction. */
static void
add_iface_done(struct pod_network *pn, struct pod_add *add)
{
    if (add->iface_error) {
        char *error = add->iface_message;
        add->iface_message = NULL;
        pod_add_fail(pn, add, ADD_IPAM,
                     error ? error : xstrdup(strerror(add->iface_error)));
        return;
    }

    struct pod *pod = add->pod;
    memcpy(pod->mac, add->pi.container.mac, sizeof pod->mac);
    char mac[18], ip[ANTREA_IP_STRING_SIZE];
    format_mac(pod->mac, mac);
    antrea_ip_to_string(&pod->address.ip, ip, sizeof ip);
    aovs_smap_init(&add->ids);
    aovs_smap_add(&add->ids, "container-id", pod->container_id);
    aovs_smap_add(&add->ids, "pod-name", pod->name);
    aovs_smap_add(&add->ids, "pod-namespace", pod->namespace);
    aovs_smap_add(&add->ids, "ip-address", ip);
    aovs_smap_add(&add->ids, "attached-mac", mac);
    aovs_smap_add(&add->ids, "antrea-type", "container");
    aovs_smap_add(&add->ids, "if-dev", pod->ifname);
    aovs_smap_init(&add->iface_ids);
    aovs_smap_add(&add->iface_ids, "attached-mac", mac);
    add->settings.name = pod->host_ifname;
    add->settings.external_ids = &add->ids;
    add->settings.iface_external_ids = &add->iface_ids;
    add_enter(add, ADD_QUEUED);
}

/* DEL, asynchronous like ADD.  pod_del() only queues a DEL; in
 * pod_network_run() the flows of all DELs waiting go in one bundle,
 * their ports in one OVSDB transaction, their veths to a worker that
 * deletes them with one kernel request (deleting a veth waits for RCU
 * grace periods, many milliseconds, which would otherwise stop the loop,
 * and a batch waits once), their addresses in one IPAM call (del_batch,
 * when the module has it), and then each DEL is answered.  GC and the restart
 * reconciliation use the synchronous release_attachment(). */

/* Takes the flows of 'pod' out of the desired flow table and stops its
 * announcements; the next bridge commit removes the flows. */
static void
forget_flows(struct pod_network *pn, const struct pod *pod)
{
    garp_cancel(pn, pod->ofport);
    bridge_remove_flows(pn->opts.bridge, pod->object);
}

/* Commits the removal of forgotten flows.  A failure only delays it:
 * the desired table no longer has them, and bridge_run() retries. */
static void
commit_removals(struct pod_network *pn, const char *what)
{
    char *error = NULL;
    if (bridge_commit(pn->opts.bridge, &error)) {
        LOG_WARN("%s: %s", what, error);
        free(error);
    }
}

/* Releases the address of 'ipreq' through the IPAM module.  Returns 0,
 * or CNI_ERR_IPAM_FAILURE with a message in '*errorp'. */
static int
release_address(struct pod_network *pn,
                const struct antrea_ipam_request *ipreq, char **errorp)
{
    char msg[ANTREA_ERROR_SIZE] = "";
    if (pn->opts.ipam->del(pn->opts.ipam_state, ipreq, msg)) {
        *errorp = xasprintf("IPAM could not release the address of "
                            "container %s: %s", ipreq->container_id, msg);
        return CNI_ERR_IPAM_FAILURE;
    }
    *errorp = NULL;
    return 0;
}

/* Moves 'del' to 'state'. */
static void
del_enter(struct pod_del *del, enum del_state state)
{
    del->state = state;
    del->entered[state] = time_usec();
}

/* Returns the DEL in progress for 'container_id', or NULL. */
static struct pod_del *
pod_del_find(const struct pod_network *pn, const char *container_id)
{
    for (size_t i = 0; i < pn->n_dels; i++) {
        if (!strcmp(pn->dels[i]->ipreq.container_id, container_id)) {
            return pn->dels[i];
        }
    }
    return NULL;
}

/* Returns the number of DELs in progress in 'state'. */
static size_t
count_dels(const struct pod_network *pn, enum del_state state)
{
    size_t n = 0;
    for (size_t i = 0; i < pn->n_dels; i++) {
        n += pn->dels[i]->state == state;
    }
    return n;
}

/* Answers 'del' and forgets it: with CNI error 'code' and message 'error'
 * (freed here) if 'code' is nonzero, then the Pod stays known so that a
 * retry finds what is left; else with success, and the Pod is gone. */
static void
pod_del_finish(struct pod_network *pn, struct pod_del *del, int code,
               char *error)
{
    for (size_t i = 0; i < pn->n_dels; i++) {
        if (pn->dels[i] == del) {
            memmove(&pn->dels[i], &pn->dels[i + 1],
                    (pn->n_dels - i - 1) * sizeof *pn->dels);
            pn->n_dels--;
            break;
        }
    }

    /* The request's arguments, which 'ipreq' points into, go with the
     * answer: log first. */
    if (code) {
        LOG_WARN("DEL container %s failed: %s", del->ipreq.container_id,
                 error);
        if (del->pod) {
            del->pod->releasing = false;
        }
        cni_server_reply_error(del->request, code, NULL, "%s", error);
    } else {
        del_enter(del, DEL_DONE);
        const long long int *t = del->entered;
#define DEL_MS(FROM, TO) ((t[TO] - t[FROM]) / 1000.0)
        LOG_INFO("DEL container %s (port %s) in %.1f ms (flows %.1f, port "
                 "wait %.1f, port %.1f, veth %.1f, IPAM %.1f)",
                 del->ipreq.container_id, del->host_ifname,
                 DEL_MS(DEL_WAIT_FLOWS, DEL_DONE),
                 DEL_MS(DEL_WAIT_FLOWS, DEL_QUEUED),
                 DEL_MS(DEL_QUEUED, DEL_IN_TXN),
                 DEL_MS(DEL_IN_TXN, DEL_IN_WORKER),
                 DEL_MS(DEL_IN_WORKER, DEL_WAIT_IPAM),
                 DEL_MS(DEL_WAIT_IPAM, DEL_DONE));
#undef DEL_MS
        if (del->pod) {
            pod_remove(pn, del->pod);
            pod_free(del->pod);
        }
        cni_server_reply_result(del->request, NULL);
    }
    free(error);
    free(del->iface_message);
    free(del);
}

/* Hands 'del' to a worker, which deletes its veth. */
static void
del_start_iface(struct pod_network *pn, struct pod_del *del)
{
    if (del->state == DEL_QUEUED) {
        del_enter(del, DEL_IN_TXN);     /* no port: a transaction of 0 ms */
    }
    del_enter(del, DEL_IN_WORKER);
    del->job.batchable = true;
    iface_workers_submit(pn->workers, &del->job);
}

/* Starts the transaction that deletes the ports of the queued DELs; those
 * without a port go on to their veth at once. */
static void
start_del_txn(struct pod_network *pn)
{
    struct aovs_ovsdb *db = bridge_ovsdb(pn->opts.bridge);
    struct pod_del **batch = xmalloc(pn->n_dels * sizeof *batch);
    const char **names = xmalloc(pn->n_dels * sizeof *names);
    size_t n = 0;
    for (size_t i = 0; i < pn->n_dels; i++) {
        struct pod_del *del = pn->dels[i];
        if (del->state != DEL_QUEUED) {
            continue;
        }
        struct aovs_port port;
        if (aovs_port_get(db, del->host_ifname, &port)) {
            del_start_iface(pn, del);
            continue;
        }
        aovs_port_destroy(&port);
        names[n] = del->host_ifname;
        batch[n++] = del;
    }

    char *error = NULL;
    int retval = n ? aovs_port_delete_batch(db, names, n, &pn->txn, &error)
                   : 0;
    for (size_t i = 0; i < n; i++) {
        struct pod_del *del = batch[i];
        del->attempts++;
        if (retval) {
            pod_del_finish(pn, del, CNI_ERR_CONFIG_INTERFACE_FAILURE,
                           xasprintf("cannot delete port %s: %s",
                                     del->host_ifname, error));
        } else if (pn->txn) {
            del_enter(del, DEL_IN_TXN);
        } else {
            del_start_iface(pn, del); /* The ports went meanwhile. */
        }
    }
    if (n) {
        LOG_DBG("ports transaction deleting %zu Pods started", n);
    }
    free(error);
    free(names);
    free(batch);
}

/* Moves on the DELs whose ports were in the transaction that just ended
 * with 'retval' and 'error'. */
static void
follow_del_txn(struct pod_network *pn, int retval, const char *error)
{
    for (size_t i = 0; i < pn->n_dels; ) {
        struct pod_del *del = pn->dels[i];
        if (del->state != DEL_IN_TXN) {
            i++;
        } else if (!retval) {
            del_start_iface(pn, del);
            i++;
        } else if (retval == EAGAIN && del->attempts < MAX_TXN_ATTEMPTS) {
            del_enter(del, DEL_QUEUED);
            i++;
        } else {
            pod_del_finish(pn, del, CNI_ERR_CONFIG_INTERFACE_FAILURE,
                           xstrdup(error));
        }
    }
}

/* Takes back 'del', whose veth a worker deleted (or failed to): on to its
 * address, or finished with the worker's error. */
static void
del_iface_done(struct pod_network *pn, struct pod_del *del)
{
    if (del->iface_error) {
        char *error = (del->iface_message ? del->iface_message
                       : xstrdup(strerror(del->iface_error)));
        del->iface_message = NULL;
        pod_del_finish(pn, del, CNI_ERR_CONFIG_INTERFACE_FAILURE, error);
    } else {
        del_enter(del, DEL_WAIT_IPAM);
    }
}

/* Releases the addresses of the DELs waiting for it, in one del_batch
 * call when the IPAM module has one, and finishes them. */
static void
release_del_addresses(struct pod_network *pn)
{
    if (!count_dels(pn, DEL_WAIT_IPAM)) {
        return;                 /* the usual case, on every loop pass */
    }
    struct pod_del **dels = xmalloc((pn->n_dels ? pn->n_dels : 1)
                                    * sizeof *dels);
    size_t n = 0;
    for (size_t i = 0; i < pn->n_dels; i++) {
        if (pn->dels[i]->state == DEL_WAIT_IPAM) {
            dels[n++] = pn->dels[i];
        }
    }
    if (n > 1 && pn->opts.ipam->del_batch) {
        const struct antrea_ipam_request **reqs = xmalloc(n * sizeof *reqs);
        int *retvals = xmalloc(n * sizeof *retvals);
        char (*errors)[ANTREA_ERROR_SIZE] = xcalloc(n, sizeof *errors);
        char **errorps = xmalloc(n * sizeof *errorps);
        for (size_t i = 0; i < n; i++) {
            reqs[i] = &dels[i]->ipreq;
            errorps[i] = errors[i];
        }
        pn->opts.ipam->del_batch(pn->opts.ipam_state, reqs, retvals,
                                 errorps, n);
        for (size_t i = 0; i < n; i++) {
            pod_del_finish(pn, dels[i],
                           retvals[i] ? CNI_ERR_IPAM_FAILURE : 0,
                           (retvals[i]
                            ? xasprintf("IPAM could not release the address "
                                        "of container %s: %s",
                                        dels[i]->ipreq.container_id,
                                        errors[i])
                            : NULL));
        }
        free(errorps);
        free(errors);
        free(retvals);
        free(reqs);
    } else {
        for (size_t i = 0; i < n; i++) {
            char *error;
            int code = release_address(pn, &dels[i]->ipreq, &error);
            pod_del_finish(pn, dels[i], code, error);
        }
    }
    free(dels);
}

/* Takes back the jobs the workers are done with. */
static void
collect_jobs(struct pod_network *pn)
{
    struct iface_job *next;
    for (struct iface_job *job = iface_workers_take_done(pn->workers); job;
         job = next) {
        next = job->next;
        if (job->batchable) {
            del_iface_done(pn, CONTAINER_OF(job, struct pod_del, job));
        } else {
            add_iface_done(pn, CONTAINER_OF(job, struct pod_add, job));
        }
    }
    release_del_addresses(pn);
}

/* The CNI server's run step: moves the ADDs and DELs in progress on and
 * sends the gratuitous ARPs that are due. */
static void
pod_network_run(void *pn_)
{
    struct pod_network *pn = pn_;

    follow_ports_txn(pn);
    collect_bundle(pn);
    run_ipam(pn);
    collect_jobs(pn);
    if (!pn->txn && count_adds(pn, ADD_QUEUED)) {
        start_ports_txn(pn);
    }
    if (!pn->txn && count_dels(pn, DEL_QUEUED)) {
        start_del_txn(pn);
    }
    collect_ofports(pn);
    start_bundle(pn);
    garp_run(pn);
}

/* The CNI server's wait step. */
static void
pod_network_wait(void *pn_, struct event_loop *loop)
{
    struct pod_network *pn = pn_;

    /* OVSDB updates (ofports) wake the loop through the bridge's OVSDB
     * connection; the transaction's answer through aovs_txn_wait(); the
     * bundle's through the bridge's OpenFlow connection. */
    bool in_bundle = bridge_commit_pending(pn->opts.bridge);
    if (pn->txn) {
        aovs_txn_wait(pn->txn);
    }
    if (count_adds(pn, ADD_IN_WORKER) || count_dels(pn, DEL_IN_WORKER)) {
        event_loop_fd_wait(loop, iface_workers_wake_fd(pn->workers),
                           POLLIN);
    }
    for (size_t i = 0; i < pn->n_dels; i++) {
        const struct pod_del *del = pn->dels[i];
        if ((del->state == DEL_WAIT_FLOWS && !in_bundle)
            || (del->state == DEL_QUEUED && !pn->txn)) {
            event_loop_immediate_wake(loop);
        }
    }
    for (size_t i = 0; i < pn->n_adds; i++) {
        const struct pod_add *add = pn->adds[i];
        if (add->state == ADD_WAIT_IPAM) {
            event_loop_immediate_wake(loop);
        } else if (add->state == ADD_WAIT_OFPORT) {
            event_loop_timer_wait_until(loop, add->deadline);
        } else if (add->state == ADD_QUEUED && !pn->txn) {
            event_loop_immediate_wake(loop);
        } else if (add->state == ADD_READY && !in_bundle) {
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

/* CNI ADD: queues the ADD; pod_network_run() takes it through IPAM,
 * the veth (on a worker thread), the OVS port and the flows. */
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
    pod->ifname = xstrdup(args->ifname);
    pod->object = bridge_new_object(pn->opts.bridge);
    pod_iface_host_name(name, args->container_id, pod->host_ifname);

    struct pod_add *add = xcalloc(1, sizeof *add);
    add->pod = pod;
    add->request = request;
    add->args = args;
    ipam_request_init(pn, args, &add->ipreq);
    add_enter(add, ADD_WAIT_IPAM);
    if (pn->n_adds >= pn->allocated_adds) {
        pn->adds = x2nrealloc(pn->adds, &pn->allocated_adds,
                              sizeof *pn->adds);
    }
    pn->adds[pn->n_adds++] = add;
}

/* Releases everything an attachment holds, in the reverse order of ADD:
 * the flows of 'pod' (NULL if the agent does not know the Pod), the OVS
 * port and the veth pair whose host end is 'host_ifname', then the IPAM
 * address of 'ipreq'.  Stops at the first failure, so that a retry finds
 * what is left, and returns its CNI error code with a message in
 * '*errorp'; returns 0 when everything is gone.  Forgetting 'pod' is the
 * caller's business. */
static int
release_attachment(struct pod_network *pn, struct pod *pod,
                   const char *host_ifname,
                   const struct antrea_ipam_request *ipreq, char **errorp)
{
    if (pod) {
        forget_flows(pn, pod);
        commit_removals(pn, pod->container_id);
    }

    struct aovs_ovsdb *db = bridge_ovsdb(pn->opts.bridge);
    struct aovs_port port;
    if (!aovs_port_get(db, host_ifname, &port)) {
        aovs_port_destroy(&port);
        if (aovs_port_delete(db, host_ifname, errorp)) {
            return CNI_ERR_CONFIG_INTERFACE_FAILURE;
        }
    }
    if (pod_iface_delete(host_ifname, errorp)) {
        return CNI_ERR_CONFIG_INTERFACE_FAILURE;
    }

    return release_address(pn, ipreq, errorp);
}

/* CNI DEL: idempotent, also for containers never seen.  Queues the DEL;
 * pod_network_run() takes it through flows, port, veth and address. */
static void
pod_del(void *pn_, struct cni_request *request,
        const struct cni_request_args *args)
{
    struct pod_network *pn = pn_;

    if (pod_del_find(pn, args->container_id)) {
        /* The CNI server serialises the calls of one container, so this
         * is a handler bug; say so rather than release twice. */
        cni_server_reply_error(request, CNI_ERR_TRY_AGAIN_LATER, NULL,
                               "a DEL of container %s is in progress",
                               args->container_id);
        return;
    }

    struct pod_del *del = xcalloc(1, sizeof *del);
    del->pod = pod_find(pn, args->container_id);
    if (del->pod) {
        del->pod->releasing = true;
        strcpy(del->host_ifname, del->pod->host_ifname);
    } else {
        pod_iface_host_name(args->k8s ? args->k8s->pod_name : NULL,
                            args->container_id, del->host_ifname);
    }
    del->request = request;
    ipam_request_init(pn, args, &del->ipreq);
    del_enter(del, DEL_WAIT_FLOWS);
    if (pn->n_dels >= pn->allocated_dels) {
        pn->dels = x2nrealloc(pn->dels, &pn->allocated_dels,
                              sizeof *pn->dels);
    }
    pn->dels[pn->n_dels++] = del;
}

/* Returns true if GC request 'conf' lists the attachment of container
 * 'container_id' and interface 'ifname' as valid (an entry without an
 * ifname covers every interface of its container). */
static bool
attachment_is_valid(const struct cni_net_conf *conf,
                    const char *container_id, const char *ifname)
{
    for (size_t i = 0; i < conf->n_valid_attachments; i++) {
        const struct cni_attachment *a = &conf->valid_attachments[i];
        if (!strcmp(a->container_id, container_id)
            && (!a->ifname || !strcmp(a->ifname, ifname))) {
            return true;
        }
    }
    return false;
}

/* Returns true if 'container_id' has an ADD in progress or is a local Pod
 * (GC leaves both alone: an ADD in progress is not yet the runtime's to
 * list). */
static bool
container_is_known(const struct pod_network *pn, const char *container_id)
{
    return (pod_find(pn, container_id)
            || pod_add_find(pn, container_id)
            || pod_del_find(pn, container_id));
}

/* Fills 'req' for releasing the address of container 'container_id'
 * interface 'ifname' (Pod 'namespace'/'name') on behalf of GC request
 * 'args', whose network configuration the IPAM module gets. */
static void
gc_ipam_request(const struct pod_network *pn,
                const struct cni_request_args *args,
                const char *container_id, const char *ifname,
                const char *namespace, const char *name,
                struct antrea_ipam_request *req)
{
    ipam_request_init(pn, args, req);
    req->container_id = container_id;
    req->ifname = ifname;
    req->netns = NULL;
    req->pod_namespace = namespace;
    req->pod_name = name;
    req->cni_args = NULL;
}

/* Keeps the first of the errors of a GC in '*first' and frees the
 * others, after logging each. */
static void
gc_note_error(char **first, char *error)
{
    LOG_WARN("GC: %s", error);
    if (!*first) {
        *first = error;
    } else {
        free(error);
    }
}

/* GC, part 1: releases every local Pod whose attachment 'args' does not
 * list as valid.  Returns the number released. */
static size_t
gc_pods(struct pod_network *pn, const struct cni_request_args *args,
        char **first_error)
{
    size_t n = 0;
    for (size_t i = 0; i < pn->n_pods; ) {
        struct pod *pod = pn->pods[i];
        if (pod->releasing
            || attachment_is_valid(args->conf, pod->container_id,
                                   pod->ifname)) {
            i++;
            continue;
        }
        struct antrea_ipam_request ipreq;
        gc_ipam_request(pn, args, pod->container_id, pod->ifname,
                        pod->namespace, pod->name, &ipreq);
        char *error;
        if (release_attachment(pn, pod, pod->host_ifname, &ipreq, &error)) {
            gc_note_error(first_error, error);
            i++;
            continue;
        }
        LOG_INFO("GC released Pod %s/%s (container %s, port %s)",
                 pod->namespace, pod->name, pod->container_id,
                 pod->host_ifname);
        pod_remove(pn, pod);    /* moves the last Pod to 'i' */
        pod_free(pod);
        n++;
    }
    return n;
}

/* GC, part 2: releases the Pod ports in OVSDB that belong to no local
 * Pod and no ADD in progress (ports the agent could not restore) and
 * that 'args' does not list as valid.  Returns the number released. */
static size_t
gc_stray_ports(struct pod_network *pn, const struct cni_request_args *args,
               char **first_error)
{
    struct aovs_port_list list;
    char *error = NULL;
    int retval = aovs_port_list(bridge_ovsdb(pn->opts.bridge),
                                bridge_name(pn->opts.bridge), &list);
    if (retval) {
        gc_note_error(first_error,
                      xasprintf("cannot list the ports of bridge %s: %s",
                                bridge_name(pn->opts.bridge),
                                strerror(retval)));
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < list.n; i++) {
        const struct aovs_port *port = &list.ports[i];
        const struct aovs_smap *ids = &port->external_ids;
        const char *cid = aovs_smap_get(ids, "container-id");
        if (!port_is_pod(port) || !cid || !cid[0]
            || container_is_known(pn, cid)
            || attachment_is_valid(args->conf, cid, port_ifname(ids))) {
            continue;
        }
        struct antrea_ipam_request ipreq;
        gc_ipam_request(pn, args, cid, port_ifname(ids),
                        aovs_smap_get(ids, "pod-namespace"),
                        aovs_smap_get(ids, "pod-name"), &ipreq);
        if (release_attachment(pn, NULL, port->name, &ipreq, &error)) {
            gc_note_error(first_error, error);
            continue;
        }
        LOG_INFO("GC released stray port %s (container %s)", port->name,
                 cid);
        n++;
    }
    aovs_port_list_destroy(&list);
    return n;
}

/* CNI GC (spec 1.1): releases every attachment the agent manages that the
 * runtime's "cni.dev/valid-attachments" does not list: the Pod's flows,
 * OVS port, veth pair and IPAM address.  Valid attachments and ADDs in
 * progress are left alone.  Addresses IPAM holds for no Pod at all go
 * through the module's gc, which keeps the valid containers, the local
 * Pods and the ADDs in progress.  A failure does not stop the others; the
 * answer is the first one (the runtime may try again). */
static void
pod_gc(void *pn_, struct cni_request *request,
       const struct cni_request_args *args)
{
    struct pod_network *pn = pn_;
    char *error = NULL;

    size_t n_pods = gc_pods(pn, args, &error);
    size_t n_ports = gc_stray_ports(pn, args, &error);

    const char **ids = NULL;
    size_t n_ids = 0, allocated_ids = 0;
    for (size_t i = 0; i < args->conf->n_valid_attachments; i++) {
        ids_append(&ids, &n_ids, &allocated_ids,
                   args->conf->valid_attachments[i].container_id);
    }
    for (size_t i = 0; i < pn->n_pods; i++) {
        ids_append(&ids, &n_ids, &allocated_ids, pn->pods[i]->container_id);
    }
    for (size_t i = 0; i < pn->n_adds; i++) {
        ids_append(&ids, &n_ids, &allocated_ids,
                   pn->adds[i]->pod->container_id);
    }
    char msg[ANTREA_ERROR_SIZE] = "";
    int ipam_error = ipam_gc(pn, ids, n_ids, msg);
    free(ids);

    LOG_INFO("GC: %zu valid attachments; released %zu Pods and %zu stray "
             "ports", args->conf->n_valid_attachments, n_pods, n_ports);
    if (error) {
        cni_server_reply_error(request, CNI_ERR_CONFIG_INTERFACE_FAILURE,
                               NULL, "%s", error);
        free(error);
    } else if (ipam_error) {
        cni_server_reply_error(request, CNI_ERR_IPAM_FAILURE, NULL,
                               "IPAM garbage collection failed: %s", msg);
    } else {
        cni_server_reply_result(request, NULL);
    }
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
        .gc = pod_gc,
        .run = pod_network_run,
        .wait = pod_network_wait,
    };
    return &handler;
}
