/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Assembling the agent's datapath (datapath.h).
 */

#include <config.h>

#include "datapath.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent-api.h"
#include "agent-info.h"
#include "agent-config.h"
#include "agent-metrics.h"
#include "agent-node.h"
#include "antrea/encap-mode.h"
#include "antrea/ipam.h"
#include "antrea/ipsec.h"
#include "antrea/net-util.h"
#include "antrea/tunnel-type.h"
#include "aovs-poll.h"
#include "bridge.h"
#include "cni-server.h"
#include "event-loop.h"
#include "ipsec-tunnels.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "log.h"
#include "module-set.h"
#include "net/iptables.h"
#include "peers.h"
#include "plugin-loader.h"
#include "pod-intercept.h"
#include "pod-network.h"
#include "policy-controller.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(datapath);

/* The name of the flow-based tunnel port. */
#define TUNNEL_PORT_NAME "antrea-tun0"

/* The MTU of the uplink assumed when defaultMTU is 0. */
#define UPLINK_MTU 1500

struct datapath {
    struct event_loop *loop;        /* the agent's loop */
    struct event_loop_task *task;   /* our task in it */
    struct k8s_client *client;      /* Kubernetes API */
    struct agent_node node;         /* this Node */
    struct bridge *bridge;          /* br-int */
    struct pod_network *pods;       /* local Pods (the agent does IPAM) */
    struct pod_intercept *intercepted; /* local Pods (networkPolicyOnly:
                                          a primary CNI made them) */
    struct cni_server *cni;         /* CNI server */
    struct peers *peers;            /* peer Nodes */
    struct ipsec_tunnels *ipsec;    /* IPsec tunnel ports, or NULL */
    struct policy_controller *policy; /* NetworkPolicy flows */
    struct agent_api *api;          /* antctl's local API */
    struct agent_metrics *metrics;  /* Prometheus metrics, on apiPort */
    struct agent_info *info;        /* AntreaAgentInfo writer */
    bool peers_synced;              /* the first Node list is applied */
    bool resync_done;               /* older rounds' flows are deleted */
};

static void finish_resync(struct datapath *);

static void
datapath_run(void *dp_)
{
    struct datapath *dp = dp_;
    bridge_run(dp->bridge);
    cni_server_run(dp->cni);
    policy_controller_run(dp->policy);
    if (!dp->resync_done && dp->peers_synced
        && policy_controller_is_synced(dp->policy)) {
        finish_resync(dp);
    }
}

static void
datapath_wait(void *dp_)
{
    struct datapath *dp = dp_;
    bridge_wait(dp->bridge);
    cni_server_wait(dp->cni);
}

/* Deletes the flows of older rounds once this round has declared all of
 * its own: the peers' and the NetworkPolicies' (so that neither
 * connectivity nor enforcement has a gap across an agent restart). */
static void
finish_resync(struct datapath *dp)
{
    char *error = NULL;
    if (bridge_commit(dp->bridge, &error)
        || bridge_finish_resync(dp->bridge, &error)) {
        LOG_WARN("resync: %s", error);
    }
    free(error);
    dp->resync_done = true;
}

/* Called once the first Node list is applied: every object of this run
 * has been declared, so older rounds' flows can go. */
static void
peers_synced(void *dp_)
{
    struct datapath *dp = dp_;
    dp->peers_synced = true;
    if (!dp->resync_done && policy_controller_is_synced(dp->policy)) {
        finish_resync(dp);
    }
}

/* Returns the ops of the module in 'slot', and its state in '*statep';
 * NULL if the slot is unused. */
static const void *
module_ops(const struct module_set *modules, enum module_slot slot,
           void **statep)
{
    const struct module *module = module_set_get(modules, slot);
    *statep = module ? module->state : NULL;
    return module ? module->plugin->ops : NULL;
}

/* Fills 'spec' with the tunnel port and '*mtup' with the Pod MTU. */
static int
tunnel_setup(const struct agent_config *cfg,
             const struct antrea_tunnel_type_ops *tunnel, void *state,
             struct antrea_ovs_port_spec *spec, uint32_t *mtup,
             char **errorp)
{
    if (!strcmp(cfg->ovs_datapath_type, "netdev")
        && !(tunnel->flags & ANTREA_TUNNEL_USERSPACE)) {
        *errorp = xasprintf("tunnelType %s: OVS's userspace datapath "
                            "(ovsDatapathType: netdev) has no %s tunnels",
                            cfg->tunnel_type, tunnel->ovs_type);
        return EINVAL;
    }
    struct antrea_tunnel_port_request req = {
        .size = sizeof req,
        .port_name = TUNNEL_PORT_NAME,
        .dst_port = cfg->tunnel_port ? cfg->tunnel_port
                                     : tunnel->default_dst_port,
        .csum = cfg->tunnel_csum,
    };
    char error[ANTREA_ERROR_SIZE] = "";
    memset(spec, 0, sizeof *spec);
    int retval = tunnel->port_spec(state, &req, spec, error);
    if (retval) {
        *errorp = xasprintf("tunnelType %s: no tunnel port: %s",
                            cfg->tunnel_type, error);
        return retval;
    }
    if (!cfg->default_mtu) {
        *mtup = UPLINK_MTU - tunnel->ipv4_overhead;
    }
    return 0;
}

int
datapath_start(const struct agent_config *cfg,
               const struct module_set *modules, struct event_loop *loop,
               struct datapath **dpp, char **errorp)
{
    struct datapath *dp = xcalloc(1, sizeof *dp);
    dp->loop = loop;
    *dpp = NULL;
    int error;

    /* This Node, from the API. */
    struct k8s_config *kcfg
        = k8s_config_load(cfg->client_connection.kubeconfig, errorp);
    if (!kcfg) {
        error = EINVAL;
        goto fail;
    }
    dp->client = k8s_client_create(kcfg, loop);
    k8s_config_destroy(kcfg);
    char *node_name = agent_node_own_name();
    error = agent_node_fetch(dp->client, node_name, &dp->node, errorp);
    free(node_name);
    if (error) {
        goto fail;
    }
    if (agent_node_find_transport(&dp->node)) {
        char ip[64];
        antrea_ip_to_string(&dp->node.node_ip, ip, sizeof ip);
        LOG_WARN("no local interface holds the Node IP %s: no peer counts "
                 "as being in this Node's subnet", ip);
    }

    /* The modules' answers. */
    void *mode_state, *tunnel_state, *ipam_state;
    const struct antrea_encap_mode_ops *mode
        = module_ops(modules, MODULE_SLOT_ENCAP_MODE, &mode_state);
    const struct antrea_tunnel_type_ops *tunnel
        = module_ops(modules, MODULE_SLOT_TUNNEL_TYPE, &tunnel_state);
    const struct antrea_ipam_ops *ipam
        = module_ops(modules, MODULE_SLOT_IPAM, &ipam_state);
    if (!mode || ((mode->flags & ANTREA_ENCAP_DOES_IPAM) && !ipam)) {
        *errorp = xasprintf("trafficEncapMode %s: the mode allocates Pod "
                            "addresses and no IPAM module is loaded",
                            cfg->traffic_encap_mode);
        error = ENOTSUP;
        goto fail;
    }
    /* Without IPAM the agent is chained after a primary CNI
     * (networkPolicyOnly): it intercepts the Pods' interfaces. */
    bool chained = !(mode->flags & ANTREA_ENCAP_DOES_IPAM);
    uint32_t mtu = cfg->default_mtu ? cfg->default_mtu : UPLINK_MTU;
    struct antrea_ovs_port_spec tunnel_spec;
    bool use_tunnel = (mode->flags & ANTREA_ENCAP_USES_TUNNEL) && tunnel;
    if (use_tunnel) {
        error = tunnel_setup(cfg, tunnel, tunnel_state, &tunnel_spec, &mtu,
                             errorp);
        if (error) {
            goto fail;
        }
    }

    /* IPsec: ESP's overhead comes off a computed MTU (not an explicit
     * defaultMTU, as in Antrea); the ports come with the peers. */
    void *ipsec_state;
    const struct antrea_ipsec_ops *ipsec
        = module_ops(modules, MODULE_SLOT_IPSEC, &ipsec_state);
    if (ipsec && !use_tunnel) {
        *errorp = xasprintf("trafficEncryptionMode ipsec: trafficEncapMode "
                            "%s uses no tunnel to encrypt",
                            cfg->traffic_encap_mode);
        error = ENOTSUP;
        goto fail;
    }
    if (ipsec) {
        mtu = ipsec_tunnels_pod_mtu(mtu, cfg->default_mtu != 0,
                                    ipsec->esp_overhead);
    }

    /* The bridge. */
    struct bridge_options bopts = {
        .ovs_run_dir = cfg->ovs_run_dir,
        .bridge_name = cfg->ovs_bridge,
        .datapath_type = cfg->ovs_datapath_type,
        .gateway_name = cfg->host_gateway,
        .mtu = mtu,
        .pod_cidr = dp->node.pod_cidr,
        .gateway_ip = dp->node.gateway_ip,
        .node_ip = dp->node.node_ip,
        .service_cidr = cfg->service_cidr,
        .tunnel = use_tunnel ? &tunnel_spec : NULL,
        .peers_via_gateway = ((mode->flags & ANTREA_ENCAP_FORWARDS)
                              && (!use_tunnel
                                  || strcmp(cfg->traffic_encap_mode,
                                            "encap"))),
    };
    error = bridge_open(&bopts, &dp->bridge, errorp);
    if (error) {
        goto fail;
    }

    struct antrea_local_node local = {
        .size = sizeof local,
        .name = dp->node.name,
        .node_ip = dp->node.node_ip,
        .node_subnet = dp->node.node_subnet,
        .transport_interface = (dp->node.transport_interface[0]
                                ? dp->node.transport_interface : NULL),
        .pod_cidr = dp->node.pod_cidr,
        .gateway_ip = dp->node.gateway_ip,
        .gateway_name = cfg->host_gateway,
        .mtu = mtu,
    };
    if (mode->node_setup) {
        char msg[ANTREA_ERROR_SIZE] = "";
        error = mode->node_setup(mode_state, &local, msg);
        if (error) {
            *errorp = xasprintf("trafficEncapMode %s: Node setup failed: "
                                "%s", cfg->traffic_encap_mode, msg);
            goto fail;
        }
    }

    /* NetworkPolicy: the controller's API, if the agent is told where it
     * is; before the Pods, which it must know from the start. */
    struct k8s_config *antrea_cfg = NULL;
    if (cfg->antrea_client_connection.kubeconfig[0]) {
        antrea_cfg = k8s_config_load(cfg->antrea_client_connection.kubeconfig,
                                     errorp);
        if (!antrea_cfg) {
            error = EINVAL;
            goto fail;
        }
    } else {
        LOG_WARN("antreaClientConnection.kubeconfig is empty: the agent "
                 "does not reach the Antrea controller and enforces no "
                 "NetworkPolicy");
    }
    error = policy_controller_create(loop, dp->bridge, antrea_cfg,
                                     dp->node.name, &dp->policy, errorp);
    k8s_config_destroy(antrea_cfg);
    if (error) {
        goto fail;
    }

    /* Local Pods, then the flows of this round for the Node and them. */
    bool tx_csum_off = (cfg->disable_tx_checksum_offload
                        || !strcmp(cfg->ovs_datapath_type, "netdev"));
    if (chained) {
        struct pod_intercept_options iopts = {
            .bridge = dp->bridge,
            .gateway_name = cfg->host_gateway,
            .tx_csum_off = tx_csum_off,
            .pod_added = policy_controller_pod_added,
            .pod_removed = policy_controller_pod_removed,
            .pod_aux = dp->policy,
        };
        error = pod_intercept_create(&iopts, &dp->intercepted, errorp);
    } else {
        struct pod_network_options popts = {
            .bridge = dp->bridge,
            .ipam = ipam,
            .ipam_state = ipam_state,
            .mtu = mtu,
            .tx_csum_off = tx_csum_off,
            .pod_added = policy_controller_pod_added,
            .pod_removed = policy_controller_pod_removed,
            .pod_aux = dp->policy,
        };
        error = pod_network_create(&popts, &dp->pods, errorp);
    }
    if (!error) {
        error = bridge_commit(dp->bridge, errorp);
    }
    if (error) {
        goto fail;
    }

    /* SNAT of Pod traffic leaving the cluster (chained: the primary
     * CNI's business; Antrea forces noSNAT then). */
    struct iptables_config ipt = {
        .gateway_ifname = cfg->host_gateway,
        .pod_cidr = dp->node.pod_cidr,
        .snat = !cfg->no_snat && !chained,
    };
    error = iptables_install(&ipt, errorp);
    if (error) {
        goto fail;
    }

    /* Prometheus metrics (agent-metrics.h): the CNI server times its
     * requests into them. */
    struct agent_metrics_params metrics_params = {
        .bridge = dp->bridge, .policy = dp->policy,
        .pods = dp->pods, .intercepted = dp->intercepted,
    };
    dp->metrics = agent_metrics_create(&metrics_params);
    struct cni_server_options copts = {
        .socket_path = cfg->cni_socket,
        .request_done = agent_metrics_cni_done,
        .request_done_aux = dp->metrics,
    };
    error = (chained
             ? cni_server_create(loop, &copts, pod_intercept_cni_handler(),
                                 dp->intercepted, &dp->cni, errorp)
             : cni_server_create(loop, &copts, pod_network_cni_handler(),
                                 dp->pods, &dp->cni, errorp));
    if (error) {
        goto fail;
    }

    if (ipsec) {
        struct ipsec_tunnels_options iopts = {
            .bridge = dp->bridge,
            .ipsec = ipsec,
            .ipsec_state = ipsec_state,
            .local = &local,
            .tunnel_ovs_type = tunnel->ovs_type,
            .dst_port = (cfg->tunnel_port ? cfg->tunnel_port
                                          : tunnel->default_dst_port),
        };
        dp->ipsec = ipsec_tunnels_create(&iopts, cfg->ovs_datapath_type);
    }
    struct peers_options peer_opts = {
        .bridge = dp->bridge,
        .client = dp->client,
        .mode = mode,
        .mode_state = mode_state,
        .local = &local,
        .gateway_name = cfg->host_gateway,
        .no_snat = cfg->no_snat,
        .ipsec = dp->ipsec,
        .synced = peers_synced,
        .aux = dp,
    };
    dp->peers = peers_create(&peer_opts);

    /* antctl's API, on a socket beside the CNI socket. */
    char *api_socket = agent_api_default_socket(cfg->cni_socket);
    struct agent_api_params api_params = {
        .socket_path = api_socket,
        .cfg = cfg,
        .node_name = dp->node.name,
        .pod_cidr = dp->node.pod_cidr,
        .bridge = dp->bridge,
        .policy = dp->policy,
    };
    error = agent_api_create(loop, &api_params, &dp->api, errorp);
    free(api_socket);
    if (error) {
        goto fail;
    }

    /* The metrics over HTTPS on apiPort, as Antrea's; a port in use is
     * logged, not fatal: Pods matter more than their metrics. */
    char *metrics_error = NULL;
    if (agent_metrics_serve(dp->metrics, loop, dp->client, dp->node.name,
                            cfg->api_port, cfg->enable_prometheus_metrics,
                            &metrics_error)) {
        LOG_ERR("%s", metrics_error);
        free(metrics_error);
    }

    /* AntreaAgentInfo (agent-info.h), from the view antctl shows. */
    char info_ip[ANTREA_IP_STRING_SIZE];
    antrea_ip_to_string(&dp->node.node_ip, info_ip, sizeof info_ip);
    struct agent_info_params info_params = {
        .view = api_params,
        .pod_namespace = getenv("POD_NAMESPACE"),
        .pod_name = getenv("POD_NAME"),
        .transport_interface = dp->node.transport_interface,
        .transport_ip = info_ip,
        .transport_mtu = dp->node.transport_mtu,
        .pod_mtu = mtu,
        .api_port = agent_metrics_port(dp->metrics),
        .api_ca_pem = agent_metrics_cert_pem(dp->metrics),
    };
    dp->info = agent_info_create(dp->client, &info_params);

    event_loop_set_poll(loop, aovs_poll);
    dp->task = event_loop_add_task(loop, "datapath", datapath_run,
                                   datapath_wait, dp);
    char cidr[ANTREA_PREFIX_STRING_SIZE];
    antrea_prefix_to_string(&dp->node.pod_cidr, cidr, sizeof cidr);
    LOG_INFO("Node %s: podCIDR %s, MTU %"PRIu32", %zu Pods restored, CNI "
             "server on %s", dp->node.name, cidr, mtu,
             (chained ? pod_intercept_count(dp->intercepted)
                      : pod_network_count(dp->pods)),
             cni_server_socket_path(dp->cni));
    *dpp = dp;
    return 0;

fail:
    datapath_stop(dp);
    return error;
}

void
datapath_stop(struct datapath *dp)
{
    if (dp) {
        if (dp->task) {
            event_loop_remove_task(dp->loop, dp->task);
            event_loop_set_poll(dp->loop, NULL);
        }
        agent_info_destroy(dp->info);
        agent_api_destroy(dp->api);
        peers_destroy(dp->peers);
        ipsec_tunnels_destroy(dp->ipsec);
        cni_server_destroy(dp->cni);
        agent_metrics_destroy(dp->metrics);
        pod_network_destroy(dp->pods);
        pod_intercept_destroy(dp->intercepted);
        policy_controller_destroy(dp->policy);
        bridge_close(dp->bridge);
        agent_node_destroy(&dp->node);
        k8s_client_destroy(dp->client);
        free(dp);
    }
}
