/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of pod-iface.c, ethtool.c and garp.c with real veths: each test
 * runs with two namespaces of its own, "host" (which the test process
 * enters, standing in for the Node) and "pod", checks the result with
 * "ip -n NS ..." and through the API, and deletes both namespaces.
 */

#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "antrea/net-util.h"
#include "ethtool.h"
#include "garp.h"
#include "net-test-util.h"
#include "pod-iface.h"
#include "sha1.h"

/* The namespaces of the running test. */
static char *host_ns;
static char *pod_ns;
static char *pod_ns_path;

/* Creates the test's namespaces and enters "host". */
static void
setup(void)
{
    if (geteuid() != 0) {
        return;                 /* each test skips */
    }
    host_ns = nt_netns_create("host");
    pod_ns = nt_netns_create("pod");
    pod_ns_path = nt_netns_path(pod_ns);
    nt_netns_enter(host_ns);
}

/* Deletes the test's namespaces. */
static void
teardown(void)
{
    nt_netns_delete(pod_ns);
    nt_netns_delete(host_ns);
    free(pod_ns);
    free(host_ns);
    free(pod_ns_path);
}

/* The Pod of most tests. */
static struct antrea_prefix pod_address;
static struct pod_iface_route pod_routes[1];
static char host_name[POD_IFACE_NAME_SIZE];

/* Returns a configuration for the standard test Pod. */
static struct pod_iface_config
standard_config(void)
{
    cr_assert(antrea_prefix_from_string("10.10.1.5/24", &pod_address));
    cr_assert(antrea_prefix_from_string("10.96.0.0/12", &pod_routes[0].dst));
    cr_assert(antrea_ip_from_string("10.10.1.1", &pod_routes[0].gateway));
    pod_iface_host_name("coredns-7f89b7bc75-x2x4z", "c0ffee1234", host_name);

    struct pod_iface_config config = {
        .netns_path = pod_ns_path,
        .ifname = "eth0",
        .host_ifname = host_name,
        .mtu = 1450,
        .addresses = &pod_address,
        .n_addresses = 1,
        .routes = pod_routes,
        .n_routes = 1,
        .tx_csum_off = true,
    };
    cr_assert(antrea_ip_from_string("10.10.1.1", &config.default_gateway));
    return config;
}

/* Creates the standard test Pod's interface, failing the test if that
 * fails. */
static struct pod_iface
create_standard(struct pod_iface_config *config)
{
    *config = standard_config();
    struct pod_iface iface;
    char *error = NULL;
    int retval = pod_iface_create(config, &iface, &error);
    cr_assert_eq(retval, 0, "pod_iface_create: %s (%s)", strerror(retval),
                 error ? error : "");
    cr_assert_null(error);
    return iface;
}

/* Asserts that namespace 'ns' holds no interface but lo. */
static void
assert_only_lo(const char *ns)
{
    char *out = nt_run_ok("ip -n %s -o link show", ns);
    cr_assert(nt_contains(out, " lo:"), "no lo in %s:\n%s", ns, out);
    int lines = 0;
    for (const char *p = out; *p; p++) {
        lines += *p == '\n';
    }
    cr_assert_eq(lines, 1, "interfaces left behind in %s:\n%s", ns, out);
    free(out);
}

TestSuite(pod_iface, .init = setup, .fini = teardown, .timeout = 60);

/* Host names follow Antrea's rule: 8 characters of the Pod name, '-', 6
 * hex digits of SHA-1(container ID). */
Test(pod_iface, host_name)
{
    uint8_t digest[SHA1_DIGEST_SIZE];
    char hex[SHA1_HEX_SIZE];

    /* FIPS 180-2 test vectors. */
    sha1_bytes("abc", 3, digest);
    sha1_to_hex(digest, hex);
    cr_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *two_blocks =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha1_bytes(two_blocks, strlen(two_blocks), digest);
    sha1_to_hex(digest, hex);
    cr_assert_str_eq(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    sha1_bytes("", 0, digest);
    sha1_to_hex(digest, hex);
    cr_assert_str_eq(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    struct sha1_ctx ctx;
    sha1_init(&ctx);
    for (int i = 0; i < 1000000; i++) {
        sha1_update(&ctx, "a", 1);
    }
    sha1_final(&ctx, digest);
    sha1_to_hex(digest, hex);
    cr_assert_str_eq(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");

    char name[POD_IFACE_NAME_SIZE];
    pod_iface_host_name("coredns-7f89b7bc75-x2x4z", "abc", name);
    cr_assert_str_eq(name, "coredns--a9993e");
    pod_iface_host_name("web", "abc", name);
    cr_assert_str_eq(name, "web-a9993e");
    pod_iface_host_name("--abcdefghij", "abc", name);
    cr_assert_str_eq(name, "abcdef-a9993e");
    pod_iface_host_name(NULL, "abc", name);
    cr_assert_str_eq(name, "veth-a9993e");
    pod_iface_host_name("a/b:c d", "abc", name);
    cr_assert_str_eq(name, "a_b_c_d-a9993e");
    pod_iface_host_name("exactly8", "abc", name);
    cr_assert_str_eq(name, "exactly8-a9993e");
    cr_assert_eq(strlen(name), 15);
}

/* A socket that sees every link message in the caller's namespace, to
 * prove that the container end never appears there. */
static int
open_link_monitor(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    NETLINK_ROUTE);
    cr_assert_geq(fd, 0);
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
                              .nl_groups = RTMGRP_LINK };
    cr_assert_eq(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
    return fd;
}

/* Reads every pending message of 'fd' and returns how many named a link
 * 'name'. */
static int
count_link_messages(int fd, const char *name)
{
    int count = 0;
    char buf[16384];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        for (struct nlmsghdr *h = (struct nlmsghdr *) buf;
             NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) {
                continue;
            }
            struct ifinfomsg *ifi = NLMSG_DATA(h);
            int len = (int) IFLA_PAYLOAD(h);
            for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len);
                 a = RTA_NEXT(a, len)) {
                if (a->rta_type == IFLA_IFNAME
                    && !strcmp(RTA_DATA(a), name)) {
                    count++;
                }
            }
        }
    }
    return count;
}

/* The veth comes up with its names, MTU, addresses, routes and checksum
 * setting, as "ip" and the API both read it. */
Test(pod_iface, create_configures_everything)
{
    NT_REQUIRE_ROOT();
    /* As on a Node: new interfaces forward by default, so the host end's
     * "no forwarding" below is the library's doing. */
    free(nt_run_ok("ip netns exec %s sysctl -qw net.ipv4.conf.all.forwarding=1 "
                   "net.ipv4.conf.default.forwarding=1", host_ns));
    int monitor = open_link_monitor();
    struct stat ns_before;
    cr_assert_eq(stat("/proc/thread-self/ns/net", &ns_before), 0);

    struct pod_iface_config config;
    struct pod_iface iface = create_standard(&config);

    /* The host side saw the host end, never an "eth0". */
    cr_assert_eq(count_link_messages(monitor, "eth0"), 0);
    close(monitor);

    char *out = nt_run_ok("ip -n %s -o link show eth0", pod_ns);
    cr_assert(nt_contains(out, "mtu 1450"), "%s", out);
    cr_assert(nt_contains(out, ",UP"), "%s", out);
    free(out);
    out = nt_run_ok("ip -n %s -o addr show dev eth0", pod_ns);
    cr_assert(nt_contains(out, "inet 10.10.1.5/24 brd 10.10.1.255"),
              "%s", out);
    free(out);
    out = nt_run_ok("ip -n %s route show", pod_ns);
    cr_assert(nt_contains(out, "default via 10.10.1.1 dev eth0"), "%s", out);
    cr_assert(nt_contains(out, "10.96.0.0/12 via 10.10.1.1 dev eth0"),
              "%s", out);
    cr_assert(nt_contains(out, "10.10.1.0/24 dev eth0 proto kernel"),
              "%s", out);
    free(out);
    out = nt_run_ok("ip -n %s -o link show %s", host_ns, host_name);
    cr_assert(nt_contains(out, "mtu 1450"), "%s", out);
    cr_assert(nt_contains(out, ",UP"), "%s", out);
    cr_assert(nt_contains(out, "link-netns"), "%s", out);
    free(out);
    out = nt_run_ok("ip -n %s -o link show eth0", pod_ns);
    cr_assert(nt_contains(out, ",UP"), "%s", out);
    cr_assert(nt_contains(out, "state UP"), "%s", out);
    free(out);
    int status;
    free(nt_run(&status, "ip -n %s link show eth0 2>&1", host_ns));
    cr_assert_neq(status, 0, "eth0 exists in the host namespace");

    /* The API's account matches. */
    cr_assert_str_eq(iface.host.name, host_name);
    cr_assert_str_eq(iface.container.name, "eth0");
    cr_assert_eq(iface.host.mtu, 1450);
    cr_assert_eq(iface.container.mtu, 1450);
    cr_assert(iface.host.up && iface.container.up);
    cr_assert_eq(iface.host.peer_ifindex, iface.container.ifindex);
    cr_assert_eq(iface.container.peer_ifindex, iface.host.ifindex);

    struct pod_iface_link link;
    char *error = NULL;
    cr_assert_eq(pod_iface_get_link(pod_ns_path, "eth0", &link, &error), 0,
                 "%s", error);
    cr_assert_eq(memcmp(&link, &iface.container, sizeof link), 0);
    cr_assert_eq(pod_iface_get_link(NULL, host_name, &link, &error), 0,
                 "%s", error);
    cr_assert_eq(memcmp(&link, &iface.host, sizeof link), 0);
    char mac_text[32];
    snprintf(mac_text, sizeof mac_text, "link/ether %02x:%02x:%02x:%02x:"
             "%02x:%02x", link.mac[0], link.mac[1], link.mac[2],
             link.mac[3], link.mac[4], link.mac[5]);
    out = nt_run_ok("ip -n %s -o link show %s", host_ns, host_name);
    cr_assert(nt_contains(out, mac_text), "%s not in %s", mac_text, out);
    free(out);

    /* The Node's IP stack keeps off the host end. */
    static const struct {
        const char *family;     /* "ipv4" or "ipv6" */
        const char *key;        /* under net/FAMILY/conf/HOST_NAME/ */
        int value;              /* what it must be */
    } isolation[] = {
        { "ipv4", "arp_ignore", 8 },
        { "ipv4", "forwarding", 0 },
        { "ipv6", "disable_ipv6", 1 },
    };
    for (size_t i = 0; i < sizeof isolation / sizeof *isolation; i++) {
        out = nt_run_ok("ip netns exec %s cat /proc/sys/net/%s/conf/%s/%s",
                        host_ns, isolation[i].family, host_name,
                        isolation[i].key);
        cr_assert_eq(atoi(out), isolation[i].value, "%s of %s is %s",
                     isolation[i].key, host_name, out);
        free(out);
    }

    /* TX checksum offload: off in the Pod, untouched on the host end. */
    int pod_fd = open(pod_ns_path, O_RDONLY | O_CLOEXEC);
    cr_assert_geq(pod_fd, 0);
    bool on = true;
    cr_assert_eq(ethtool_get_tx_csum(pod_fd, "eth0", &on), 0);
    cr_assert(!on, "TX checksum offload still on in the Pod");
    cr_assert_eq(ethtool_get_tx_csum(-1, host_name, &on), 0);
    cr_assert(on, "TX checksum offload off on the host end");
    close(pod_fd);

    /* CNI CHECK passes. */
    char *message = NULL;
    int retval = pod_iface_verify(&config, iface.container.mac,
                                  iface.host.mac, &message);
    cr_assert_eq(retval, 0, "verify: %s", message);
    cr_assert_null(message);

    /* After all that, this thread is still in the "host" namespace. */
    struct stat ns_after;
    cr_assert_eq(stat("/proc/thread-self/ns/net", &ns_after), 0);
    cr_assert_eq(ns_after.st_ino, ns_before.st_ino);
    cr_assert_eq(ns_after.st_dev, ns_before.st_dev);
}

/* TX checksum offload can be read and set both ways. */
Test(pod_iface, tx_csum_round_trip)
{
    NT_REQUIRE_ROOT();
    free(nt_run_ok("ip link add csum0 type veth peer name csum1"));
    bool on;
    cr_assert_eq(ethtool_get_tx_csum(-1, "csum0", &on), 0);
    cr_assert(on);
    cr_assert_eq(ethtool_set_tx_csum(-1, "csum0", false), 0);
    cr_assert_eq(ethtool_get_tx_csum(-1, "csum0", &on), 0);
    cr_assert(!on);
    cr_assert_eq(ethtool_set_tx_csum(-1, "csum0", true), 0);
    cr_assert_eq(ethtool_get_tx_csum(-1, "csum0", &on), 0);
    cr_assert(on);
    cr_assert_eq(ethtool_get_tx_csum(-1, "nosuchif", &on), ENODEV);

    /* A namespace that cannot be entered: an error, and no switch. */
    int not_a_netns = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
    cr_assert_geq(not_a_netns, 0);
    cr_assert_eq(ethtool_get_tx_csum(not_a_netns, "csum0", &on), EINVAL);
    close(not_a_netns);
    cr_assert_eq(ethtool_get_tx_csum(-1, "csum0", &on), 0);
}

/* An interface name already taken in the Pod: EEXIST, and neither
 * namespace keeps anything of the attempt. */
Test(pod_iface, duplicate_ifname)
{
    NT_REQUIRE_ROOT();
    free(nt_run_ok("ip -n %s link add eth0 type bridge", pod_ns));

    struct pod_iface_config config = standard_config();
    char *error = NULL;
    int retval = pod_iface_create(&config, NULL, &error);
    cr_assert_eq(retval, EEXIST, "got %s", strerror(retval));
    cr_assert(nt_contains(error, "eth0"), "%s", error);
    cr_assert(nt_contains(error, pod_ns), "%s", error);
    free(error);

    assert_only_lo(host_ns);
    char *out = nt_run_ok("ip -n %s -o link show", pod_ns);
    cr_assert(nt_contains(out, "eth0"));
    cr_assert(!nt_contains(out, "veth"), "%s", out);
    free(out);

    /* The host name taken: EEXIST naming it, nothing in the Pod. */
    free(nt_run_ok("ip -n %s link del eth0", pod_ns));
    free(nt_run_ok("ip link add %s type bridge", host_name));
    retval = pod_iface_create(&config, NULL, &error);
    cr_assert_eq(retval, EEXIST);
    cr_assert(nt_contains(error, host_name), "%s", error);
    free(error);
    assert_only_lo(pod_ns);
}

/* A failure after the veth exists (a route the kernel refuses) rolls
 * everything back and reports the kernel's reason. */
Test(pod_iface, rollback_on_late_failure)
{
    NT_REQUIRE_ROOT();
    struct pod_iface_config config = standard_config();
    struct pod_iface_route bad;
    cr_assert(antrea_prefix_from_string("10.200.0.0/16", &bad.dst));
    cr_assert(antrea_ip_from_string("192.168.99.1", &bad.gateway));
    config.routes = &bad;

    char *error = NULL;
    int retval = pod_iface_create(&config, NULL, &error);
    cr_assert_neq(retval, 0);
    cr_assert(nt_contains(error, "10.200.0.0/16 via 192.168.99.1"),
              "%s", error);
    cr_log_info("refused as expected: %s", error);
    free(error);
    assert_only_lo(host_ns);
    assert_only_lo(pod_ns);
}

/* Bad input is refused with a message naming it, before anything is
 * created. */
Test(pod_iface, bad_input)
{
    NT_REQUIRE_ROOT();
    struct pod_iface_config config = standard_config();
    char *error = NULL;

    config.ifname = "a-name-that-is-far-too-long";
    cr_assert_eq(pod_iface_create(&config, NULL, &error), EINVAL);
    cr_assert(nt_contains(error, "a-name-that-is-far-too-long"), "%s", error);
    free(error);

    config = standard_config();
    config.mtu = 10;
    cr_assert_eq(pod_iface_create(&config, NULL, &error), EINVAL);
    cr_assert(nt_contains(error, "MTU 10"), "%s", error);
    free(error);

    config = standard_config();
    config.netns_path = "/run/netns/atest-no-such-namespace";
    cr_assert_eq(pod_iface_create(&config, NULL, &error), ENOENT);
    cr_assert(nt_contains(error, "atest-no-such-namespace"), "%s", error);
    free(error);

    config = standard_config();
    config.netns_path = "/proc/self/ns/uts";
    cr_assert_eq(pod_iface_create(&config, NULL, &error), EINVAL);
    cr_assert(nt_contains(error, "not a network namespace"), "%s", error);
    free(error);

    config = standard_config();
    config.netns_path = "/etc/hostname";
    cr_assert_eq(pod_iface_create(&config, NULL, &error), EINVAL);
    cr_assert(nt_contains(error, "/etc/hostname"), "%s", error);
    free(error);

    assert_only_lo(host_ns);
    assert_only_lo(pod_ns);
}

/* Deleting removes both ends; deleting again, or something that never
 * existed, is success; a non-veth is left alone. */
Test(pod_iface, delete_idempotent)
{
    NT_REQUIRE_ROOT();
    struct pod_iface_config config;
    create_standard(&config);

    char *error = NULL;
    cr_assert_eq(pod_iface_delete(host_name, &error), 0, "%s", error);
    assert_only_lo(host_ns);
    assert_only_lo(pod_ns);
    cr_assert_eq(pod_iface_delete(host_name, &error), 0, "%s", error);
    cr_assert_eq(pod_iface_delete("never-existed", &error), 0, "%s", error);

    free(nt_run_ok("ip link add notaveth type bridge"));
    cr_assert_eq(pod_iface_delete("notaveth", &error), EINVAL);
    cr_assert(nt_contains(error, "not a veth"), "%s", error);
    free(error);
    free(nt_run_ok("ip link show notaveth"));
}

/* Deleting many at once (one kernel request for the veths, through an
 * interface group) removes every veth named, answers each name as
 * pod_iface_delete() would, and leaves everything else, including other
 * interfaces of the Node, alone. */
Test(pod_iface, delete_many)
{
    NT_REQUIRE_ROOT();
    enum { N_VETHS = 3 };
    char names[N_VETHS][POD_IFACE_NAME_SIZE];
    for (int i = 0; i < N_VETHS; i++) {
        struct pod_iface_config config = standard_config();
        char ifname[8];
        snprintf(names[i], sizeof names[i], "delmany%d", i);
        snprintf(ifname, sizeof ifname, "eth%d", i);
        config.host_ifname = names[i];
        config.ifname = ifname;
        config.n_addresses = 0;
        config.n_routes = 0;
        config.default_gateway.family = 0;
        char *error = NULL;
        int retval = pod_iface_create(&config, NULL, &error);
        cr_assert_eq(retval, 0, "%s", error);
    }
    free(nt_run_ok("ip link add notaveth type bridge"));
    free(nt_run_ok("ip link add bystander type veth peer name bystander1"));

    const char *list[] = {
        names[0], "notaveth", names[1], "never-existed", names[2], "bad/name",
    };
    enum { N_LIST = sizeof list / sizeof list[0] };
    int errors[N_LIST];
    char *messages[N_LIST];
    pod_iface_delete_many(list, N_LIST, errors, messages);

    for (size_t i = 0; i < N_LIST; i++) {
        int expected = (!strcmp(list[i], "notaveth")
                        || !strcmp(list[i], "bad/name")) ? EINVAL : 0;
        cr_assert_eq(errors[i], expected, "%s: %s (%s)", list[i],
                     strerror(errors[i]), messages[i] ? messages[i] : "");
        cr_assert_eq(!messages[i], !expected, "%s", list[i]);
        free(messages[i]);
    }
    char *out = nt_run_ok("ip -o link show");
    cr_assert(!nt_contains(out, "delmany"), "%s", out);
    cr_assert(nt_contains(out, "notaveth"), "%s", out);
    cr_assert(nt_contains(out, "bystander"), "%s", out);
    free(out);
    assert_only_lo(pod_ns);
}

/* CHECK notices a changed address, a wrong MAC, a missing interface and a
 * missing namespace, and names what differs. */
Test(pod_iface, verify_catches_changes)
{
    NT_REQUIRE_ROOT();
    struct pod_iface_config config;
    struct pod_iface iface = create_standard(&config);
    char *message = NULL;

    free(nt_run_ok("ip -n %s addr del 10.10.1.5/24 dev eth0", pod_ns));
    free(nt_run_ok("ip -n %s addr add 10.10.1.6/24 dev eth0", pod_ns));
    int retval = pod_iface_verify(&config, iface.container.mac, NULL,
                                  &message);
    cr_assert_eq(retval, ESTALE);
    cr_assert(nt_contains(message, "address 10.10.1.5/24 is not on eth0"),
              "%s", message);
    /* Deleting the address took its subnet's routes along. */
    cr_assert(nt_contains(message, "route 0.0.0.0/0 via 10.10.1.1"),
              "%s", message);
    cr_log_info("verify said: %s", message);
    free(message);

    uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
    retval = pod_iface_verify(&config, other_mac, NULL, &message);
    cr_assert_eq(retval, ESTALE);
    cr_assert(nt_contains(message, "expected 02:00:00:00:00:01"), "%s",
              message);
    free(message);

    config.ifname = "eth1";
    retval = pod_iface_verify(&config, NULL, NULL, &message);
    cr_assert_eq(retval, ENODEV);
    cr_assert(nt_contains(message, "eth1"), "%s", message);
    free(message);

    config.ifname = "eth0";
    config.netns_path = "/run/netns/atest-no-such-namespace";
    retval = pod_iface_verify(&config, NULL, NULL, &message);
    cr_assert_eq(retval, ENOENT);
    free(message);
}

/* Three gratuitous ARPs, 50 ms apart, reach the host end. */
Test(pod_iface, gratuitous_arp)
{
    NT_REQUIRE_ROOT();

    /* A packet socket on the host end, in the "host" namespace.  Receive
     * timestamps are turned on before the interface exists: the kernel
     * enables them through deferred work, and a frame that arrives before
     * that is stamped only when read, which would make the gaps between
     * the ARPs meaningless. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
    cr_assert_geq(fd, 0);
    int one = 1;
    cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
                            sizeof one), 0);

    struct pod_iface_config config;
    struct pod_iface iface = create_standard(&config);
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ARP),
        .sll_ifindex = iface.host.ifindex,
    };
    cr_assert_eq(bind(fd, (struct sockaddr *) &sll, sizeof sll), 0);

    int pod_fd = open(pod_ns_path, O_RDONLY | O_CLOEXEC);
    cr_assert_geq(pod_fd, 0);
    char *error = NULL;
    int retval = garp_announce(pod_fd, "eth0", &pod_address.ip,
                               GARP_DEFAULT_COUNT, GARP_DEFAULT_INTERVAL_MS,
                               &error);
    cr_assert_eq(retval, 0, "%s", error);

    /* IPv6 is refused. */
    struct antrea_ip v6;
    cr_assert(antrea_ip_from_string("fd00::5", &v6));
    struct garp_sender *sender;
    cr_assert_eq(garp_sender_open(pod_fd, "eth0", &v6, &sender, &error),
                 EAFNOSUPPORT);
    free(error);
    close(pod_fd);

    struct timespec stamps[GARP_DEFAULT_COUNT];
    int n_seen = 0;
    for (int tries = 0; n_seen < GARP_DEFAULT_COUNT && tries < 50; tries++) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, 100) <= 0) {
            continue;
        }
        uint8_t frame[128];
        char control[256];
        struct iovec iov = { .iov_base = frame, .iov_len = sizeof frame };
        struct msghdr msg = {
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = control, .msg_controllen = sizeof control,
        };
        ssize_t n = recvmsg(fd, &msg, 0);
        if (n < (ssize_t) (sizeof (struct ether_header)
                           + sizeof (struct ether_arp))) {
            continue;
        }
        struct ether_header *eth = (struct ether_header *) frame;
        struct ether_arp *arp = (struct ether_arp *) (eth + 1);
        if (memcmp(arp->arp_spa, pod_address.ip.bytes, 4)) {
            continue;           /* not ours */
        }
        static const uint8_t broadcast[6] = {
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff
        };
        cr_assert_eq(memcmp(eth->ether_dhost, broadcast, 6), 0);
        cr_assert_eq(memcmp(eth->ether_shost, iface.container.mac, 6), 0);
        cr_assert_eq(ntohs(arp->arp_op), ARPOP_REQUEST);
        cr_assert_eq(memcmp(arp->arp_sha, iface.container.mac, 6), 0);
        cr_assert_eq(memcmp(arp->arp_tpa, pod_address.ip.bytes, 4), 0);

        bool stamped = false;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c;
             c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET
                && c->cmsg_type == SCM_TIMESTAMPNS) {
                memcpy(&stamps[n_seen], CMSG_DATA(c), sizeof stamps[0]);
                stamped = true;
            }
        }
        cr_assert(stamped, "ARP %d carries no receive timestamp", n_seen);
        n_seen++;
    }
    close(fd);
    cr_assert_eq(n_seen, GARP_DEFAULT_COUNT, "saw %d gratuitous ARPs",
                 n_seen);
    for (int i = 1; i < n_seen; i++) {
        long long gap_ms = ((stamps[i].tv_sec - stamps[i - 1].tv_sec) * 1000LL
                            + (stamps[i].tv_nsec - stamps[i - 1].tv_nsec)
                              / 1000000);
        cr_assert_geq(gap_ms, 45, "ARPs %d and %d only %lld ms apart",
                      i - 1, i, gap_ms);
        cr_assert_leq(gap_ms, 1000, "ARPs %d and %d %lld ms apart",
                      i - 1, i, gap_ms);
    }
}
