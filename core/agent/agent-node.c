/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Reading a Node object's networking facts (agent-node.h).
 */

#include <config.h>

#include "agent-node.h"

#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "antrea/net-util.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-resource.h"
#include "util.h"

/* Returns the first IPv4 CIDR of 'node': spec.podCIDR, else the first
 * IPv4 entry of spec.podCIDRs; NULL if there is none. */
static const char *
node_pod_cidr(const json_t *spec)
{
    const char *cidr = json_string_value(json_object_get(spec, "podCIDR"));
    if (cidr && !strchr(cidr, ':')) {
        return cidr;
    }
    size_t i;
    json_t *value;
    json_array_foreach (json_object_get(spec, "podCIDRs"), i, value) {
        const char *s = json_string_value(value);
        if (s && !strchr(s, ':')) {
            return s;
        }
    }
    return NULL;
}

/* Returns the first IPv4 InternalIP of 'status', or NULL. */
static const char *
node_internal_ip(const json_t *status)
{
    size_t i;
    json_t *address;
    json_array_foreach (json_object_get(status, "addresses"), i, address) {
        const char *type = json_string_value(json_object_get(address,
                                                             "type"));
        const char *ip = json_string_value(json_object_get(address,
                                                           "address"));
        if (type && ip && !strcmp(type, "InternalIP") && !strchr(ip, ':')) {
            return ip;
        }
    }
    return NULL;
}

int
agent_node_from_json(const json_t *node, struct agent_node *out,
                     char **errorp)
{
    const char *name = k8s_object_name(node);
    if (!name) {
        *errorp = xstrdup("Node object has no metadata.name");
        return EINVAL;
    }

    const char *cidr = node_pod_cidr(json_object_get(node, "spec"));
    struct antrea_prefix pod_cidr;
    if (!cidr) {
        *errorp = xasprintf("Node %s: spec.podCIDR is not set (is the "
                            "controller manager allocating Node CIDRs?)",
                            name);
        return EINVAL;
    }
    if (!antrea_prefix_from_string(cidr, &pod_cidr)
        || pod_cidr.ip.family != AF_INET || pod_cidr.length > 30) {
        *errorp = xasprintf("Node %s: spec.podCIDR \"%s\" is not an IPv4 "
                            "CIDR with room for Pods", name, cidr);
        return EINVAL;
    }

    const char *ip = node_internal_ip(json_object_get(node, "status"));
    struct antrea_ip node_ip;
    if (!ip) {
        *errorp = xasprintf("Node %s: status.addresses has no IPv4 "
                            "InternalIP", name);
        return EINVAL;
    }
    if (!antrea_ip_from_string(ip, &node_ip) || node_ip.family != AF_INET) {
        *errorp = xasprintf("Node %s: InternalIP \"%s\" is not an IPv4 "
                            "address", name, ip);
        return EINVAL;
    }

    /* Normalise the CIDR to its network address; the gateway is the
     * address after it. */
    uint32_t addr;
    memcpy(&addr, pod_cidr.ip.bytes, 4);
    uint32_t mask = pod_cidr.length ? ~0u << (32 - pod_cidr.length) : 0;
    uint32_t network = ntohl(addr) & mask;
    addr = htonl(network);
    memcpy(pod_cidr.ip.bytes, &addr, 4);
    struct antrea_ip gateway = pod_cidr.ip;
    addr = htonl(network + 1);
    memcpy(gateway.bytes, &addr, 4);

    out->name = xstrdup(name);
    out->pod_cidr = pod_cidr;
    out->node_ip = node_ip;
    out->gateway_ip = gateway;
    *errorp = NULL;
    return 0;
}

int
agent_node_fetch(struct k8s_client *client, const char *name,
                 struct agent_node *out, char **errorp)
{
    char *path = k8s_resource_path(&k8s_resource_nodes, NULL, name, NULL);
    struct k8s_request_args args = {
        .method = "GET",
        .path = path,
        .timeout_ms = 15000,
    };
    json_t *body = NULL;
    char *error = NULL;
    long status = k8s_client_call(client, &args, &body, &error);
    int retval;
    if (status != 200) {
        char *why = (error ? xstrdup(error)
                     : k8s_status_message(status, body));
        *errorp = xasprintf("cannot read Node %s: %s", name, why);
        free(why);
        retval = status == 404 ? ENOENT : EIO;
    } else {
        retval = agent_node_from_json(body, out, errorp);
    }
    json_decref(body);
    free(error);
    free(path);
    return retval;
}

char *
agent_node_own_name(void)
{
    const char *env = getenv("NODE_NAME");
    if (env && env[0]) {
        return xstrdup(env);
    }
    char host[HOST_NAME_MAX + 1] = "";
    gethostname(host, sizeof host - 1);
    return xstrdup(host);
}

void
agent_node_destroy(struct agent_node *node)
{
    if (node) {
        free(node->name);
        node->name = NULL;
    }
}

/* Returns the MTU of interface 'name' in the calling thread's network
 * namespace, or 0 if it cannot be read. */
static unsigned int
interface_mtu(const char *name)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return 0;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    antrea_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    int retval = ioctl(fd, SIOCGIFMTU, &ifr);
    close(fd);
    return retval || ifr.ifr_mtu <= 0 ? 0 : (unsigned int) ifr.ifr_mtu;
}

int
agent_node_find_transport(struct agent_node *node)
{
    node->node_subnet.ip = node->node_ip;
    node->node_subnet.length = node->node_ip.family == AF_INET ? 32 : 128;
    node->transport_interface[0] = '\0';
    node->transport_mtu = 0;

    struct ifaddrs *ifas;
    if (getifaddrs(&ifas)) {
        return errno;
    }
    int error = ENOENT;
    for (const struct ifaddrs *ifa = ifas; ifa; ifa = ifa->ifa_next) {
        if (!ifa->ifa_addr || !ifa->ifa_netmask
            || ifa->ifa_addr->sa_family != AF_INET
            || node->node_ip.family != AF_INET) {
            continue;
        }
        const struct sockaddr_in *sin = (const void *) ifa->ifa_addr;
        const struct sockaddr_in *mask = (const void *) ifa->ifa_netmask;
        if (memcmp(&sin->sin_addr, node->node_ip.bytes, 4)) {
            continue;
        }
        uint32_t m = ntohl(mask->sin_addr.s_addr);
        int length = 0;
        while (length < 32 && (m & (UINT32_C(1) << (31 - length)))) {
            length++;
        }
        node->node_subnet.length = length;
        antrea_strlcpy(node->transport_interface, ifa->ifa_name,
                       sizeof node->transport_interface);
        error = 0;
        break;
    }
    freeifaddrs(ifas);
    node->transport_mtu = (error ? 0
                           : interface_mtu(node->transport_interface));
    return error;
}
