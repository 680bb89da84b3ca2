/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Pod veth pairs through libnl; see pod-iface.h.  Two route-netlink
 * connections do the work: one in the Node's namespace (the host end, the
 * creation, the rollback) and one created inside the Pod's namespace
 * (everything about the container end).
 */

#include <config.h>
#include "pod-iface.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet.h>
#include <netlink/route/link/veth.h>

#include "antrea/net-util.h"
#include "ethtool.h"
#include "log.h"
#include "netns.h"
#include "nl-convert.h"
#include "route.h"
#include "rtnl-conn.h"
#include "sha1.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(pod-iface);

/* Antrea's host-name parts: the Pod-name prefix and the hash length. */
#define HOST_NAME_PREFIX_LEN 8
#define HOST_NAME_HASH_LEN 6

/* Returns true if the kernel refuses 'c' in interface names (its
 * dev_valid_name(): '/', ':' and isspace()). */
static bool
is_bad_ifname_char(char c)
{
    return c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r');
}

/* Writes the host-side interface name for a Pod into 'name'. */
void
pod_iface_host_name(const char *pod_name, const char *container_id,
                    char name[POD_IFACE_NAME_SIZE])
{
    uint8_t digest[SHA1_DIGEST_SIZE];
    char hex[SHA1_HEX_SIZE];
    const char *key = container_id ? container_id : "";
    sha1_bytes(key, strlen(key), digest);
    sha1_to_hex(digest, hex);

    /* As Antrea's generateInterfaceName(): a name longer than the prefix
     * is cut and loses its leading hyphens; a shorter one is kept. */
    char prefix[HOST_NAME_PREFIX_LEN + 1];
    if (!pod_name || !pod_name[0]) {
        memcpy(prefix, "veth", sizeof "veth");
    } else if (strlen(pod_name) > HOST_NAME_PREFIX_LEN) {
        const char *p = pod_name;
        size_t len = HOST_NAME_PREFIX_LEN;
        while (len > 0 && *p == '-') {
            p++;
            len--;
        }
        memcpy(prefix, p, len);
        prefix[len] = '\0';
    } else {
        memcpy(prefix, pod_name, strlen(pod_name) + 1);
    }
    for (char *c = prefix; *c; c++) {
        if (is_bad_ifname_char(*c)) {
            *c = '_';
        }
    }
    snprintf(name, POD_IFACE_NAME_SIZE, "%s-%.*s", prefix,
             HOST_NAME_HASH_LEN, hex);
}

/* Returns NULL if 'name' is a valid interface name for the kernel, or why
 * it is not. */
static const char *
ifname_problem(const char *name)
{
    if (!name || !name[0]) {
        return "it is empty";
    }
    if (strlen(name) >= IFNAMSIZ) {
        return "it is longer than 15 characters";
    }
    if (!strcmp(name, ".") || !strcmp(name, "..")) {
        return "it is \".\" or \"..\"";
    }
    for (const char *c = name; *c; c++) {
        if (is_bad_ifname_char(*c)) {
            return "it contains '/', ':' or a blank";
        }
    }
    return NULL;
}

/* Checks 'config'; returns 0 or EINVAL with '*errorp' set. */
static int
config_validate(const struct pod_iface_config *config, bool need_host,
                char **errorp)
{
    const char *problem;
    if (!config->netns_path || !config->netns_path[0]) {
        *errorp = xstrdup("no network namespace path given");
        return EINVAL;
    }
    problem = ifname_problem(config->ifname);
    if (problem) {
        *errorp = xasprintf("invalid interface name \"%s\": %s",
                            config->ifname ? config->ifname : "", problem);
        return EINVAL;
    }
    if (need_host || config->host_ifname) {
        problem = ifname_problem(config->host_ifname);
        if (problem) {
            *errorp = xasprintf("invalid host interface name \"%s\": %s",
                                config->host_ifname
                                ? config->host_ifname : "", problem);
            return EINVAL;
        }
    }
    if (config->mtu && (config->mtu < 68 || config->mtu > 65535)) {
        *errorp = xasprintf("invalid MTU %"PRIu32" for %s: must be 68 to "
                            "65535", config->mtu, config->ifname);
        return EINVAL;
    }
    if (config->n_addresses && !config->addresses) {
        *errorp = xstrdup("address count given without addresses");
        return EINVAL;
    }
    for (size_t i = 0; i < config->n_addresses; i++) {
        const struct antrea_prefix *a = &config->addresses[i];
        if (!antrea_ip_family_size(a->ip.family)
            || a->length > antrea_ip_family_bits(a->ip.family)) {
            *errorp = xasprintf("address #%zu for %s is not a valid IPv4 or "
                                "IPv6 address with prefix length", i + 1,
                                config->ifname);
            return EINVAL;
        }
    }
    if (config->n_routes && !config->routes) {
        *errorp = xstrdup("route count given without routes");
        return EINVAL;
    }
    for (size_t i = 0; i < config->n_routes; i++) {
        const struct pod_iface_route *r = &config->routes[i];
        if (!antrea_ip_family_size(r->dst.ip.family)
            || r->dst.length > antrea_ip_family_bits(r->dst.ip.family)
            || (r->gateway.family
                && r->gateway.family != r->dst.ip.family)) {
            *errorp = xasprintf("route #%zu for %s is not a valid IPv4 or "
                                "IPv6 route", i + 1, config->ifname);
            return EINVAL;
        }
    }
    if (config->default_gateway.family
        && !antrea_ip_family_size(config->default_gateway.family)) {
        *errorp = xasprintf("default gateway for %s has an unknown address "
                            "family", config->ifname);
        return EINVAL;
    }
    return 0;
}

/* Fills 'routes' (room for n_routes + 1) with the routes 'config' asks
 * for, the default route included; returns how many. */
static size_t
config_routes(const struct pod_iface_config *config,
              struct pod_iface_route *routes)
{
    size_t n = 0;
    bool have_default = false;
    for (size_t i = 0; i < config->n_routes; i++) {
        const struct pod_iface_route *r = &config->routes[i];
        if (!r->dst.length
            && r->dst.ip.family == config->default_gateway.family) {
            have_default = true;
        }
        routes[n++] = *r;
    }
    if (config->default_gateway.family && !have_default) {
        struct pod_iface_route *r = &routes[n++];
        memset(r, 0, sizeof *r);
        r->dst.ip.family = config->default_gateway.family;
        r->gateway = config->default_gateway;
    }
    return n;
}

/* Fills 'out' from libnl link 'link'. */
static void
link_to_pod_iface_link(struct rtnl_link *link, struct pod_iface_link *out)
{
    memset(out, 0, sizeof *out);
    const char *name = rtnl_link_get_name(link);
    if (name) {
        antrea_strlcpy(out->name, name, sizeof out->name);
    }
    out->ifindex = rtnl_link_get_ifindex(link);
    out->peer_ifindex = rtnl_link_get_link(link);
    out->mtu = rtnl_link_get_mtu(link);
    out->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
    struct nl_addr *mac = rtnl_link_get_addr(link);
    if (mac && nl_addr_get_len(mac) == sizeof out->mac) {
        memcpy(out->mac, nl_addr_get_binary_addr(mac), sizeof out->mac);
    }
}

/* Looks up interface 'ifname' through 'conn'.  Returns 0 and the link in
 * '*linkp' (caller puts it), or a positive errno value (ENODEV: none). */
static int
get_link(struct rtnl_conn *conn, const char *ifname, struct rtnl_link **linkp)
{
    *linkp = NULL;
    rtnl_conn_clear(conn);
    int nl_result = rtnl_link_get_kernel(conn->sock, 0, ifname, linkp);
    int error = rtnl_conn_errno(conn, nl_result);
    return error == ENOENT ? ENODEV : error;
}

/* Sets IFF_UP on 'link' through 'conn'.  Returns 0 or a positive errno
 * value with a message in '*errorp' naming 'where'. */
static int
set_link_up(struct rtnl_conn *conn, struct rtnl_link *link,
            const char *where, char **errorp)
{
    struct rtnl_link *change = rtnl_link_alloc();
    rtnl_link_set_flags(change, IFF_UP);
    rtnl_conn_clear(conn);
    int nl_result = rtnl_link_change(conn->sock, link, change, 0);
    rtnl_link_put(change);
    int error = rtnl_conn_errno(conn, nl_result);
    if (error) {
        *errorp = xasprintf("cannot bring up %s %s: %s", where,
                            rtnl_link_get_name(link),
                            rtnl_conn_strerror(conn, nl_result));
    }
    return error;
}

/* Adds 'prefix' as an address of interface 'ifindex' through 'conn'. */
static int
add_address(struct rtnl_conn *conn, int ifindex,
            const struct antrea_prefix *prefix, const char *ifname,
            const char *netns_path, char **errorp)
{
    struct rtnl_addr *addr = rtnl_addr_alloc();
    struct nl_addr *local = nl_convert_from_prefix(prefix);
    rtnl_addr_set_ifindex(addr, ifindex);
    rtnl_addr_set_family(addr, prefix->ip.family);
    rtnl_addr_set_local(addr, local);
    rtnl_addr_set_prefixlen(addr, prefix->length);

    /* As CNI plugins do: an IPv4 broadcast address for subnets that have
     * one. */
    if (prefix->ip.family == AF_INET && prefix->length < 31) {
        uint8_t brd[4];
        memcpy(brd, prefix->ip.bytes, 4);
        for (unsigned int bit = prefix->length; bit < 32; bit++) {
            brd[bit / 8] |= (uint8_t) (0x80 >> (bit % 8));
        }
        struct nl_addr *broadcast = nl_addr_build(AF_INET, brd, 4);
        rtnl_addr_set_broadcast(addr, broadcast);
        nl_addr_put(broadcast);
    }

    rtnl_conn_clear(conn);
    int nl_result = rtnl_addr_add(conn->sock, addr, NLM_F_EXCL);
    int error = rtnl_conn_errno(conn, nl_result);
    if (error) {
        char text[ANTREA_PREFIX_STRING_SIZE];
        antrea_prefix_to_string(prefix, text, sizeof text);
        *errorp = xasprintf("cannot add address %s to %s in %s: %s", text,
                            ifname, netns_path,
                            rtnl_conn_strerror(conn, nl_result));
    }
    nl_addr_put(local);
    rtnl_addr_put(addr);
    return error;
}

/* The state of one pod_iface_create() call. */
struct create_ctx {
    const struct pod_iface_config *config; /* what to create */
    int netns_fd;               /* the Pod's namespace */
    struct rtnl_conn host;      /* connection in the Node's namespace */
    struct rtnl_conn pod;       /* connection in the Pod's namespace */
    int host_ifindex;           /* the host end once created, else 0 */
    int pod_ifindex;            /* the container end once found, else 0 */
};

/* Returns a message that says which of the two names of the veth pair
 * 'ctx' describes is taken, after the kernel refused to create it with
 * EEXIST.  Looking only after a refusal keeps two round trips off every
 * ADD. */
static char *
name_taken_message(struct create_ctx *ctx)
{
    const struct pod_iface_config *config = ctx->config;
    struct rtnl_link *link;

    if (!get_link(&ctx->pod, config->ifname, &link)) {
        rtnl_link_put(link);
        return xasprintf("interface %s already exists in network "
                         "namespace %s", config->ifname, config->netns_path);
    }
    if (!get_link(&ctx->host, config->host_ifname, &link)) {
        rtnl_link_put(link);
        return xasprintf("host interface %s already exists",
                         config->host_ifname);
    }
    /* Gone again since: the race of two creators. */
    return xasprintf("cannot create veth %s (peer %s in %s): an interface "
                     "with one of these names already exists",
                     config->host_ifname, config->ifname,
                     config->netns_path);
}

/* Creates the veth pair, its peer inside the Pod's namespace, the host
 * end up (the flag in the creation request saves a change request).  Not
 * so the peer: the kernel would open it before the pair is linked, which
 * veth refuses with ENOTCONN. */
static int
create_veth(struct create_ctx *ctx, char **errorp)
{
    const struct pod_iface_config *config = ctx->config;

    struct rtnl_link *veth = rtnl_link_veth_alloc();
    if (!veth) {
        *errorp = xstrdup("out of memory allocating a veth");
        return ENOMEM;
    }
    rtnl_link_set_name(veth, config->host_ifname);
    rtnl_link_set_flags(veth, IFF_UP);
    struct rtnl_link *peer = rtnl_link_veth_get_peer(veth);
    rtnl_link_set_name(peer, config->ifname);
    rtnl_link_set_ns_fd(peer, ctx->netns_fd);
    if (config->mtu) {
        rtnl_link_set_mtu(veth, config->mtu);
        rtnl_link_set_mtu(peer, config->mtu);
    }
    rtnl_link_put(peer);

    rtnl_conn_clear(&ctx->host);
    int nl_result = rtnl_link_add(ctx->host.sock, veth,
                                  NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_veth_release(veth);
    int error = rtnl_conn_errno(&ctx->host, nl_result);
    if (error == EEXIST) {
        *errorp = name_taken_message(ctx);
    } else if (error) {
        *errorp = xasprintf("cannot create veth %s (peer %s in %s): %s",
                            config->host_ifname, config->ifname,
                            config->netns_path,
                            rtnl_conn_strerror(&ctx->host, nl_result));
    }
    return error;
}

/* Writes 'value' to /proc/sys/net/'key' (the calling thread's namespace,
 * the Node's).  A missing file is an error unless 'optional'. */
static int
write_net_sysctl(const char *key, const char *value, bool optional,
                 char **errorp)
{
    char *path = xasprintf("/proc/sys/net/%s", key);
    int error = 0;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value, strlen(value)) < 0) {
        error = errno;
        if (optional && error == ENOENT) {
            error = 0;
        } else {
            *errorp = xasprintf("cannot set %s to %s: %s", path, value,
                                strerror(error));
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    free(path);
    return error;
}

/* Keeps the Node's own IP stack off the host end 'link'.  On OVS's
 * userspace datapath a port's packets reach the kernel too (OVS reads
 * them through AF_PACKET, where the kernel datapath would take them
 * away), so without this the Node answers the Pod's ARP for its gateway
 * with the veth's MAC, and then forwards the Pod's packets itself while
 * OVS forwards them as well: every packet leaves twice (the "DUP!" of
 * ping across Nodes).  No ARP replies on the host end (arp_ignore 8), no
 * forwarding from it, no IPv6 on it.
 *
 * The IPv4 settings go in one netlink request rather than through
 * /proc/sys: the kernel's handler of a "forwarding" write only tries the
 * routing lock and restarts the system call while another thread holds
 * it, so with several veths being made at once such writes spin (a
 * third of the agent's CPU time at 16 concurrent ADDs).  IPv6 has no
 * netlink equivalent for disable_ipv6, which stays a sysctl. */
static int
isolate_host_end(struct rtnl_conn *conn, struct rtnl_link *link,
                 char **errorp)
{
    const char *ifname = rtnl_link_get_name(link);
    struct rtnl_link *change = rtnl_link_alloc();
    rtnl_link_inet_set_conf(change, IPV4_DEVCONF_ARP_IGNORE, 8);
    rtnl_link_inet_set_conf(change, IPV4_DEVCONF_FORWARDING, 0);
    rtnl_conn_clear(conn);
    int nl_result = rtnl_link_change(conn->sock, link, change, 0);
    rtnl_link_put(change);
    int error = rtnl_conn_errno(conn, nl_result);
    if (error) {
        *errorp = xasprintf("cannot set arp_ignore 8 and forwarding 0 on "
                            "%s: %s", ifname,
                            rtnl_conn_strerror(conn, nl_result));
        return error;
    }

    char *ipv6 = xasprintf("ipv6/conf/%s/disable_ipv6", ifname);
    error = write_net_sysctl(ipv6, "1", true, errorp);
    free(ipv6);
    return error;
}

/* Does the work of pod_iface_create() after validation, leaving
 * 'ctx->host_ifindex' set once there is something to roll back. */
static int
create__(struct create_ctx *ctx, struct pod_iface *iface, char **errorp)
{
    const struct pod_iface_config *config = ctx->config;
    struct rtnl_link *host_link = NULL;
    struct rtnl_link *pod_link = NULL;
    int error;

    error = create_veth(ctx, errorp);
    if (error) {
        goto out;
    }

    error = get_link(&ctx->host, config->host_ifname, &host_link);
    if (error) {
        *errorp = xasprintf("created veth %s but cannot read it back: %s",
                            config->host_ifname, strerror(error));
        goto out;
    }
    ctx->host_ifindex = rtnl_link_get_ifindex(host_link);
    error = isolate_host_end(&ctx->host, host_link, errorp);
    if (error) {
        goto out;
    }
    error = get_link(&ctx->pod, config->ifname, &pod_link);
    if (error) {
        *errorp = xasprintf("created veth %s but its peer %s is not in "
                            "network namespace %s: %s", config->host_ifname,
                            config->ifname, config->netns_path,
                            strerror(error));
        goto out;
    }
    ctx->pod_ifindex = rtnl_link_get_ifindex(pod_link);

    /* The host end is up unless the kernel ignored the flag of the
     * creation request; it comes first, so that the container end has
     * carrier when its routes go in.  The link objects then say up, as
     * the kernel does. */
    if (!(rtnl_link_get_flags(host_link) & IFF_UP)) {
        error = set_link_up(&ctx->host, host_link, "host interface",
                            errorp);
        if (error) {
            goto out;
        }
        rtnl_link_set_flags(host_link, IFF_UP);
    }
    error = set_link_up(&ctx->pod, pod_link, "container interface", errorp);
    if (error) {
        goto out;
    }
    rtnl_link_set_flags(pod_link, IFF_UP);

    for (size_t i = 0; i < config->n_addresses; i++) {
        error = add_address(&ctx->pod, ctx->pod_ifindex,
                            &config->addresses[i], config->ifname,
                            config->netns_path, errorp);
        if (error) {
            goto out;
        }
    }

    struct pod_iface_route *routes = xmalloc((config->n_routes + 1)
                                             * sizeof *routes);
    size_t n_routes = config_routes(config, routes);
    for (size_t i = 0; i < n_routes && !error; i++) {
        struct net_route route = {
            .dst = routes[i].dst,
            .gateway = routes[i].gateway,
            .ifindex = ctx->pod_ifindex,
        };
        antrea_strlcpy(route.ifname, config->ifname, sizeof route.ifname);
        char *route_error = NULL;
        error = net_route_add(&ctx->pod, &route, &route_error);
        if (error) {
            *errorp = xasprintf("%s (in network namespace %s)", route_error,
                                config->netns_path);
            free(route_error);
        }
    }
    free(routes);
    if (error) {
        goto out;
    }

    if (config->tx_csum_off) {
        error = ethtool_set_tx_csum(ctx->netns_fd, config->ifname, false);
        if (error) {
            *errorp = xasprintf("cannot turn off TX checksum offload on %s "
                                "in %s: %s", config->ifname,
                                config->netns_path, strerror(error));
            goto out;
        }
    }

    if (iface) {
        /* As read after creation: nothing since changed what
         * struct pod_iface_link holds but the flags, set on these very
         * objects. */
        link_to_pod_iface_link(host_link, &iface->host);
        link_to_pod_iface_link(pod_link, &iface->container);
    }

out:
    rtnl_link_put(host_link);
    rtnl_link_put(pod_link);
    return error;
}

/* Deletes interface 'ifindex' through 'conn', for rollback. */
static void
delete_ifindex(struct rtnl_conn *conn, int ifindex, const char *name)
{
    struct rtnl_link *link = rtnl_link_alloc();
    rtnl_link_set_ifindex(link, ifindex);
    rtnl_conn_clear(conn);
    int nl_result = rtnl_link_delete(conn->sock, link);
    int error = rtnl_conn_errno(conn, nl_result);
    if (error && error != ENODEV) {
        LOG_ERR("rollback: cannot delete veth %s (index %d): %s", name,
                ifindex, rtnl_conn_strerror(conn, nl_result));
    }
    rtnl_link_put(link);
}

/* Creates and configures a Pod interface. */
int
pod_iface_create(const struct pod_iface_config *config,
                 struct pod_iface *iface, char **errorp)
{
    *errorp = NULL;
    if (iface) {
        memset(iface, 0, sizeof *iface);
    }
    int error = config_validate(config, true, errorp);
    if (error) {
        return error;
    }

    struct create_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.config = config;
    error = netns_open(config->netns_path, &ctx.netns_fd, errorp);
    if (error) {
        return error;
    }
    error = rtnl_conn_open(&ctx.host, NETNS_CURRENT);
    if (!error) {
        error = rtnl_conn_open(&ctx.pod, ctx.netns_fd);
    }
    if (error) {
        *errorp = xasprintf("cannot open route netlink sockets for %s: %s",
                            config->netns_path, strerror(error));
    } else {
        error = create__(&ctx, iface, errorp);
        if (error && ctx.host_ifindex) {
            /* Deleting one end deletes both. */
            delete_ifindex(&ctx.host, ctx.host_ifindex,
                           config->host_ifname);
        }
    }
    if (!error) {
        LOG_DBG("created veth %s <-> %s in %s", config->host_ifname,
                config->ifname, config->netns_path);
    }
    rtnl_conn_close(&ctx.pod);
    rtnl_conn_close(&ctx.host);
    close(ctx.netns_fd);
    return error;
}

/* Interface groups that pod_iface_delete_many() gives the veths of one
 * batch: this prefix in the top bits, then the process and a counter, so
 * that no other group on the Node is likely to collide (and a collision
 * is caught before anything is deleted). */
#define DELETE_GROUP_PREFIX 0x61000000u

/* Returns a group number for one batch of deletions, unique in this
 * process for the next 4096 batches.  Several workers may ask at once. */
static uint32_t
next_delete_group(void)
{
    static unsigned int counter;
    unsigned int n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    return (DELETE_GROUP_PREFIX | ((uint32_t) (getpid() & 0xfff) << 12)
            | (n & 0xfff));
}

/* Returns true if exactly the 'n' interfaces 'ifindexes' of 'conn''s
 * namespace are in 'group'. */
static bool
group_is_exactly(struct rtnl_conn *conn, uint32_t group,
                 const int *ifindexes, size_t n)
{
    struct nl_cache *cache;
    if (rtnl_link_alloc_cache(conn->sock, AF_UNSPEC, &cache) < 0) {
        return false;
    }
    size_t n_members = 0;
    bool foreign = false;
    for (struct nl_object *obj = nl_cache_get_first(cache); obj;
         obj = nl_cache_get_next(obj)) {
        struct rtnl_link *link = (struct rtnl_link *) obj;
        if (rtnl_link_get_group(link) != group) {
            continue;
        }
        int ifindex = rtnl_link_get_ifindex(link);
        bool ours = false;
        for (size_t i = 0; i < n && !ours; i++) {
            ours = ifindexes[i] == ifindex;
        }
        n_members += ours;
        foreign = foreign || !ours;
    }
    nl_cache_free(cache);
    return !foreign && n_members == n;
}

/* Deletes every interface of 'group' in 'conn''s namespace with one
 * request, as "ip link delete group" does.  libnl builds delete requests
 * only by index or name, hence the message by hand. */
static int
delete_group(struct rtnl_conn *conn, uint32_t group)
{
    struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELLINK, NLM_F_REQUEST);
    if (!msg) {
        return ENOMEM;
    }
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    int nl_result = nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    if (nl_result >= 0) {
        nl_result = nla_put_u32(msg, IFLA_GROUP, group);
    }
    if (nl_result >= 0) {
        rtnl_conn_clear(conn);
        nl_result = nl_send_sync(conn->sock, msg);  /* frees 'msg' */
        msg = NULL;
    }
    nlmsg_free(msg);
    return rtnl_conn_errno(conn, nl_result);
}

/* Deletes the veth whose host end is 'link' through 'conn'.  Returns 0
 * (also if it is gone meanwhile) or a positive errno value with a message
 * in '*errorp'. */
static int
delete_one(struct rtnl_conn *conn, struct rtnl_link *link, char **errorp)
{
    rtnl_conn_clear(conn);
    int nl_result = rtnl_link_delete(conn->sock, link);
    int error = rtnl_conn_errno(conn, nl_result);
    if (error == ENODEV) {
        return 0;
    } else if (error) {
        *errorp = xasprintf("cannot delete veth %s: %s",
                            rtnl_link_get_name(link),
                            rtnl_conn_strerror(conn, nl_result));
    }
    return error;
}

/* Deletes the pairs whose host ends are the 'n' names 'host_ifnames', as
 * pod_iface_delete() does for each.  The kernel waits for RCU grace
 * periods when it deletes interfaces, about 20 ms a veth here, and holds
 * the routing lock meanwhile; one request for the whole batch (through an
 * interface group) waits once.  Stores each pair's result in 'errors[i]'
 * and, with an error, a message in 'messages[i]' (caller frees; NULL
 * otherwise). */
void
pod_iface_delete_many(const char *const *host_ifnames, size_t n,
                      int *errors, char **messages)
{
    struct rtnl_link **links = xcalloc(n ? n : 1, sizeof *links);
    int *ifindexes = xmalloc((n ? n : 1) * sizeof *ifindexes);
    for (size_t i = 0; i < n; i++) {
        errors[i] = 0;
        messages[i] = NULL;
    }

    struct rtnl_conn conn;
    int error = rtnl_conn_open(&conn, NETNS_CURRENT);
    if (error) {
        for (size_t i = 0; i < n; i++) {
            errors[i] = error;
            messages[i] = xasprintf("cannot open a route netlink socket: "
                                    "%s", strerror(error));
        }
        goto out;
    }

    /* The veths among the names; the rest is done or refused. */
    size_t n_veths = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = host_ifnames[i];
        const char *problem = ifname_problem(name);
        struct rtnl_link *link = NULL;
        if (problem) {
            errors[i] = EINVAL;
            messages[i] = xasprintf("invalid host interface name \"%s\": "
                                    "%s", name ? name : "", problem);
            continue;
        }
        error = get_link(&conn, name, &link);
        if (error == ENODEV) {
            continue;
        } else if (error) {
            errors[i] = error;
            messages[i] = xasprintf("cannot look up host interface %s: %s",
                                    name, strerror(error));
            continue;
        }
        const char *type = rtnl_link_get_type(link);
        if (!type || strcmp(type, "veth")) {
            errors[i] = EINVAL;
            messages[i] = xasprintf("refusing to delete %s: it is not a "
                                    "veth (type %s)", name,
                                    type ? type : "unknown");
            rtnl_link_put(link);
            continue;
        }
        links[i] = link;
        n_veths++;
    }

    /* Two or more: into a group of their own, then one request. */
    bool batched = false;
    if (n_veths > 1) {
        uint32_t group = next_delete_group();
        size_t n_grouped = 0;
        for (size_t i = 0; i < n; i++) {
            if (!links[i]) {
                continue;
            }
            struct rtnl_link *change = rtnl_link_alloc();
            rtnl_link_set_group(change, group);
            rtnl_conn_clear(&conn);
            if (!rtnl_conn_errno(&conn, rtnl_link_change(conn.sock, links[i],
                                                         change, 0))) {
                ifindexes[n_grouped++] = rtnl_link_get_ifindex(links[i]);
            }
            rtnl_link_put(change);
        }
        if (n_grouped < n_veths) {
            LOG_WARN("could not move %zu of %zu veths into interface group "
                     "%#"PRIx32" to delete them together; deleting them "
                     "one by one", n_veths - n_grouped, n_veths, group);
        } else if (!group_is_exactly(&conn, group, ifindexes, n_grouped)) {
            LOG_WARN("interface group %#"PRIx32" holds other interfaces "
                     "too; deleting %zu veths one by one", group, n_veths);
        } else {
            error = delete_group(&conn, group);
            if (error) {
                LOG_WARN("cannot delete interface group %#"PRIx32" (%zu "
                         "veths): %s; deleting them one by one", group,
                         n_veths, strerror(error));
            }
            batched = !error;
        }
    }

    /* One, or the batch did not work out: one by one. */
    for (size_t i = 0; i < n; i++) {
        if (links[i] && !batched) {
            errors[i] = delete_one(&conn, links[i], &messages[i]);
        }
    }
    rtnl_conn_close(&conn);

out:
    for (size_t i = 0; i < n; i++) {
        rtnl_link_put(links[i]);
    }
    free(links);
    free(ifindexes);
}

/* Deletes the pair whose host end is 'host_ifname'; see pod-iface.h. */
int
pod_iface_delete(const char *host_ifname, char **errorp)
{
    int error;
    pod_iface_delete_many(&host_ifname, 1, &error, errorp);
    return error;
}

/* Reads interface 'ifname' in 'netns_path' into '*link'. */
int
pod_iface_get_link(const char *netns_path, const char *ifname,
                   struct pod_iface_link *out, char **errorp)
{
    *errorp = NULL;
    memset(out, 0, sizeof *out);
    const char *problem = ifname_problem(ifname);
    if (problem) {
        *errorp = xasprintf("invalid interface name \"%s\": %s",
                            ifname ? ifname : "", problem);
        return EINVAL;
    }

    int netns_fd = NETNS_CURRENT;
    if (netns_path) {
        int error = netns_open(netns_path, &netns_fd, errorp);
        if (error) {
            return error;
        }
    }
    const char *where = netns_path ? netns_path : "the host";

    struct rtnl_conn conn;
    int error = rtnl_conn_open(&conn, netns_fd);
    if (error) {
        *errorp = xasprintf("cannot open a route netlink socket in %s: %s",
                            where, strerror(error));
    } else {
        struct rtnl_link *link;
        error = get_link(&conn, ifname, &link);
        if (error) {
            *errorp = xasprintf("cannot find interface %s in %s: %s",
                                ifname, where, strerror(error));
        } else {
            link_to_pod_iface_link(link, out);
            rtnl_link_put(link);
        }
        rtnl_conn_close(&conn);
    }
    if (netns_fd != NETNS_CURRENT) {
        close(netns_fd);
    }
    return error;
}

/* Appends a formatted difference to '*messagep' ("; "-separated). */
static void ANTREA_PRINTF_FORMAT(2, 3)
add_difference(char **messagep, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *item = xvasprintf(format, args);
    va_end(args);

    if (*messagep) {
        char *joined = xasprintf("%s; %s", *messagep, item);
        free(*messagep);
        free(item);
        *messagep = joined;
    } else {
        *messagep = item;
    }
}

/* Writes 'mac' as text into 'buf' (18 bytes). */
static char *
mac_to_string(const uint8_t mac[6], char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return buf;
}

/* The state of one address search in verify_addresses(). */
struct addr_search {
    int ifindex;                        /* interface to look at */
    const struct antrea_prefix *want;   /* address to find */
    bool found;                         /* result */
};

/* nl_cache_foreach() callback: sets 'found' if 'obj' is the address. */
static void
addr_search_one(struct nl_object *obj, void *search_)
{
    struct addr_search *search = search_;
    struct rtnl_addr *addr = (struct rtnl_addr *) obj;
    struct antrea_prefix have;
    if (rtnl_addr_get_ifindex(addr) == search->ifindex
        && nl_convert_to_prefix(rtnl_addr_get_local(addr), &have)) {
        have.length = (uint8_t) rtnl_addr_get_prefixlen(addr);
        if (antrea_ip_equal(&have.ip, &search->want->ip)
            && have.length == search->want->length) {
            search->found = true;
        }
    }
}

/* Checks that every address of 'config' is on 'ifindex'. */
static void
verify_addresses(struct rtnl_conn *conn, int ifindex,
                 const struct pod_iface_config *config, char **messagep)
{
    struct nl_cache *cache;
    rtnl_conn_clear(conn);
    int nl_result = rtnl_addr_alloc_cache(conn->sock, &cache);
    if (nl_result < 0) {
        add_difference(messagep, "cannot list addresses in %s: %s",
                       config->netns_path,
                       rtnl_conn_strerror(conn, nl_result));
        return;
    }
    for (size_t i = 0; i < config->n_addresses; i++) {
        struct addr_search search = {
            .ifindex = ifindex,
            .want = &config->addresses[i],
        };
        nl_cache_foreach(cache, addr_search_one, &search);
        if (!search.found) {
            char text[ANTREA_PREFIX_STRING_SIZE];
            antrea_prefix_to_string(search.want, text, sizeof text);
            add_difference(messagep, "address %s is not on %s", text,
                           config->ifname);
        }
    }
    nl_cache_free(cache);
}

/* Checks that every route of 'config' is in the main table through
 * 'ifindex'. */
static void
verify_routes(struct rtnl_conn *conn, int ifindex,
              const struct pod_iface_config *config, char **messagep)
{
    struct net_route *have;
    size_t n_have;
    char *error = NULL;
    if (net_route_list(conn, 0, NET_ROUTE_PROTO_ANY, &have, &n_have,
                       &error)) {
        add_difference(messagep, "%s", error);
        free(error);
        return;
    }

    struct pod_iface_route *want = xmalloc((config->n_routes + 1)
                                           * sizeof *want);
    size_t n_want = config_routes(config, want);
    for (size_t i = 0; i < n_want; i++) {
        bool found = false;
        for (size_t j = 0; j < n_have && !found; j++) {
            const struct net_route *r = &have[j];
            found = (r->ifindex == ifindex
                     && r->dst.length == want[i].dst.length
                     && antrea_ip_equal(&r->dst.ip, &want[i].dst.ip)
                     && (want[i].gateway.family
                         ? antrea_ip_equal(&r->gateway, &want[i].gateway)
                         : !r->gateway.family));
        }
        if (!found) {
            struct net_route r = {
                .dst = want[i].dst,
                .gateway = want[i].gateway,
            };
            antrea_strlcpy(r.ifname, config->ifname, sizeof r.ifname);
            char text[NET_ROUTE_STRING_SIZE];
            add_difference(messagep, "route %s is missing",
                           net_route_format(&r, text, sizeof text));
        }
    }
    free(want);
    free(have);
}

/* Checks the pair against 'config' through connections 'host' and 'pod';
 * returns the errno value pod_iface_verify() documents. */
static int
verify__(const struct pod_iface_config *config, const uint8_t mac[6],
         const uint8_t host_mac[6], struct rtnl_conn *host,
         struct rtnl_conn *pod, char **messagep)
{
    char have_text[18], want_text[18];
    struct rtnl_link *link;
    int error = get_link(pod, config->ifname, &link);
    if (error) {
        add_difference(messagep, "interface %s not found in %s: %s",
                       config->ifname, config->netns_path, strerror(error));
        return error == ENODEV ? ENODEV : error;
    }
    struct pod_iface_link pod_link;
    link_to_pod_iface_link(link, &pod_link);
    rtnl_link_put(link);

    int retval = 0;
    if (mac && memcmp(mac, pod_link.mac, sizeof pod_link.mac)) {
        add_difference(messagep, "%s has MAC %s, expected %s",
                       config->ifname, mac_to_string(pod_link.mac, have_text),
                       mac_to_string(mac, want_text));
    }
    if (config->mtu && pod_link.mtu != config->mtu) {
        add_difference(messagep, "%s has MTU %"PRIu32", expected %"PRIu32,
                       config->ifname, pod_link.mtu, config->mtu);
    }

    if (config->host_ifname) {
        error = get_link(host, config->host_ifname, &link);
        if (error) {
            add_difference(messagep, "host interface %s not found: %s",
                           config->host_ifname, strerror(error));
            retval = error == ENODEV ? ENODEV : error;
        } else {
            struct pod_iface_link host_link;
            link_to_pod_iface_link(link, &host_link);
            const char *type = rtnl_link_get_type(link);
            if (!type || strcmp(type, "veth")) {
                add_difference(messagep, "host interface %s is not a veth",
                               config->host_ifname);
            } else if (host_link.peer_ifindex != pod_link.ifindex
                       || pod_link.peer_ifindex != host_link.ifindex) {
                add_difference(messagep, "host interface %s (index %d, "
                               "peer %d) and %s (index %d, peer %d) are not "
                               "peers", config->host_ifname,
                               host_link.ifindex, host_link.peer_ifindex,
                               config->ifname, pod_link.ifindex,
                               pod_link.peer_ifindex);
            }
            if (host_mac && memcmp(host_mac, host_link.mac,
                                   sizeof host_link.mac)) {
                add_difference(messagep, "host interface %s has MAC %s, "
                               "expected %s", config->host_ifname,
                               mac_to_string(host_link.mac, have_text),
                               mac_to_string(host_mac, want_text));
            }
            rtnl_link_put(link);
        }
    }

    verify_addresses(pod, pod_link.ifindex, config, messagep);
    verify_routes(pod, pod_link.ifindex, config, messagep);
    return retval ? retval : *messagep ? ESTALE : 0;
}

/* Checks a Pod interface for CNI CHECK. */
int
pod_iface_verify(const struct pod_iface_config *config, const uint8_t mac[6],
                 const uint8_t host_mac[6], char **messagep)
{
    *messagep = NULL;
    int error = config_validate(config, false, messagep);
    if (error) {
        return error;
    }

    int netns_fd;
    error = netns_open(config->netns_path, &netns_fd, messagep);
    if (error) {
        return error;
    }

    struct rtnl_conn host, pod;
    memset(&host, 0, sizeof host);
    memset(&pod, 0, sizeof pod);
    error = rtnl_conn_open(&host, NETNS_CURRENT);
    if (!error) {
        error = rtnl_conn_open(&pod, netns_fd);
    }
    if (error) {
        *messagep = xasprintf("cannot open route netlink sockets for %s: "
                              "%s", config->netns_path, strerror(error));
    } else {
        error = verify__(config, mac, host_mac, &host, &pod, messagep);
    }
    rtnl_conn_close(&pod);
    rtnl_conn_close(&host);
    close(netns_fd);
    return error;
}
