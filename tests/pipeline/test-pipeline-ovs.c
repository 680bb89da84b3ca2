/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The generated pipeline against a real Open vSwitch: each test starts its
 * own ovsdb-server and ovs-vswitchd (run directory under /tmp, vswitchd in
 * a network namespace "atest-pipeline-PID" so its tap devices stay out of
 * the host), builds the example Node's bridge (userspace datapath, a
 * flow-based geneve port, the gateway and two Pod ports at the ofports the
 * example uses), installs every generated flow in one bundle with
 * ovs-ofctl, and checks where packets go with ofproto/trace, and, for the
 * tunnel, with a real packet that must leave geneve-encapsulated towards
 * the peer.  Everything it started is stopped by pid and removed at the
 * end, also after a failure.  Needs root; skipped otherwise.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "antrea/net-util.h"
#include "pipeline-example.h"
#include "pipeline.h"
#include "util.h"

/* The OVS database schema of the openvswitch-switch package. */
#define VSWITCH_SCHEMA "/usr/share/openvswitch/vswitch.ovsschema"

/* The bridge the example's flows go into. */
#define BRIDGE "br-test"

/* Every command is bounded by this many seconds. */
#define COMMAND_TIMEOUT "30"

/* The OVS instance of the running test (each test is its own process). */
static struct {
    char *dir;              /* run, database and log directory */
    char *netns;            /* network namespace of ovs-vswitchd */
    bool netns_created;     /* 'netns' exists and must be deleted */
    pid_t ovsdb_pid;        /* ovsdb-server, 0 if not started */
    pid_t vswitchd_pid;     /* ovs-vswitchd, 0 if not started */
} sb;

/* Runs the shell command built from 'format' with stderr merged into
 * stdout; stores the output (malloc'd) in '*outputp' if nonnull.  Returns
 * the exit status, or -1 if it did not exit normally. */
static int ANTREA_PRINTF_FORMAT(2, 3)
run(char **outputp, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char *command = xvasprintf(format, args);
    va_end(args);

    char *full = xasprintf("( %s ) 2>&1", command);
    FILE *pipe = popen(full, "r");
    cr_assert_not_null(pipe, "popen %s: %s", command, strerror(errno));

    char *output = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&output, &size);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) {
        fwrite(buf, 1, n, mem);
    }
    fclose(mem);
    int status = pclose(pipe);

    if (outputp) {
        *outputp = output;
    } else {
        free(output);
    }
    free(full);
    free(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs the command built from 'format' and fails the test, showing its
 * output, unless it exits 0. */
#define RUN_OK(...)                                                     \
    do {                                                                \
        char *out_;                                                     \
        char *cmd_ = xasprintf(__VA_ARGS__);                            \
        int rc_ = run(&out_, "%s", cmd_);                               \
        cr_assert_eq(rc_, 0, "`%s` exited %d:\n%s", cmd_, rc_, out_);   \
        free(out_);                                                     \
        free(cmd_);                                                     \
    } while (0)

/* Returns the pid in pidfile 'name' of the sandbox directory. */
static pid_t
read_pidfile(const char *name)
{
    char *path = xasprintf("%s/%s", sb.dir, name);
    FILE *stream = fopen(path, "r");
    cr_assert_not_null(stream, "%s: %s", path, strerror(errno));
    long pid = 0;
    int n = fscanf(stream, "%ld", &pid);
    fclose(stream);
    cr_assert(n == 1 && pid > 1, "%s: no pid", path);
    free(path);
    return (pid_t) pid;
}

/* Returns true if process 'pid' has exited (it may remain a zombie until
 * whoever adopted the detached daemon reaps it). */
static bool
pid_exited(pid_t pid)
{
    if (kill(pid, 0) && errno == ESRCH) {
        return true;
    }

    char *path = xasprintf("/proc/%ld/stat", (long) pid);
    FILE *stream = fopen(path, "r");
    free(path);
    if (!stream) {
        return true;
    }
    char state = '?';
    int n = fscanf(stream, "%*d (%*[^)]) %c", &state);
    fclose(stream);
    return n == 1 && (state == 'Z' || state == 'X');
}

/* Stops process 'pid' (a daemon this test started): SIGTERM, then SIGKILL
 * if it is still there after 5 seconds. */
static void
stop_pid(pid_t pid)
{
    if (pid <= 1 || kill(pid, SIGTERM)) {
        return;
    }
    for (int i = 0; i < 100; i++) {
        if (pid_exited(pid)) {
            return;
        }
        usleep(50 * 1000);
    }
    kill(pid, SIGKILL);
}

/* Starts the sandbox's OVS and creates the example Node's bridge; skips
 * the test when not root or OVS is not installed. */
static void
sandbox_start(void)
{
    if (geteuid()) {
        cr_skip_test("needs root (network namespaces, OVS daemons)");
    }
    const char *path = getenv("PATH");
    char *new_path = xasprintf("/usr/sbin:/sbin:%s",
                               path ? path : "/usr/bin:/bin");
    setenv("PATH", new_path, 1);
    free(new_path);
    if (run(NULL, "command -v ovsdb-server ovs-vswitchd ovs-vsctl ovs-ofctl "
            "ovs-appctl ovsdb-tool ip timeout")
        || access(VSWITCH_SCHEMA, R_OK)) {
        cr_skip_test("Open vSwitch (openvswitch-switch) is not installed");
    }

    char template[] = "/tmp/atest-pipeline-XXXXXX";
    cr_assert_not_null(mkdtemp(template), "mkdtemp: %s", strerror(errno));
    sb.dir = xstrdup(template);
    sb.netns = xasprintf("atest-pipeline-%ld", (long) getpid());
    setenv("OVS_RUNDIR", sb.dir, 1);
    setenv("OVS_DBDIR", sb.dir, 1);
    setenv("OVS_LOGDIR", sb.dir, 1);

    RUN_OK("ovsdb-tool create %s/conf.db %s", sb.dir, VSWITCH_SCHEMA);
    RUN_OK("timeout " COMMAND_TIMEOUT " ovsdb-server %s/conf.db "
           "--remote=punix:%s/db.sock --pidfile=%s/ovsdb-server.pid "
           "--detach --no-chdir --log-file=%s/ovsdb-server.log",
           sb.dir, sb.dir, sb.dir, sb.dir);
    sb.ovsdb_pid = read_pidfile("ovsdb-server.pid");

    RUN_OK("ip netns add %s", sb.netns);
    sb.netns_created = true;
    RUN_OK("timeout " COMMAND_TIMEOUT " ip netns exec %s ovs-vswitchd "
           "unix:%s/db.sock --pidfile=%s/ovs-vswitchd.pid --detach "
           "--no-chdir --log-file=%s/ovs-vswitchd.log",
           sb.netns, sb.dir, sb.dir, sb.dir);
    sb.vswitchd_pid = read_pidfile("ovs-vswitchd.pid");

    RUN_OK("ovs-vsctl --timeout=" COMMAND_TIMEOUT " add-br " BRIDGE
           " -- set bridge " BRIDGE " datapath_type=netdev "
           "protocols=OpenFlow10,OpenFlow13,OpenFlow15"
           " -- add-port " BRIDGE " tun0 -- set interface tun0 type=geneve "
           "options:remote_ip=flow options:key=flow ofport_request=%d"
           " -- add-port " BRIDGE " gw0 -- set interface gw0 type=internal "
           "ofport_request=%d"
           " -- add-port " BRIDGE " pod1 -- set interface pod1 "
           "type=internal ofport_request=%d"
           " -- add-port " BRIDGE " pod2 -- set interface pod2 "
           "type=internal ofport_request=%d",
           EXAMPLE_TUN_OFPORT, EXAMPLE_GW_OFPORT, EXAMPLE_POD1_OFPORT,
           EXAMPLE_POD2_OFPORT);

    /* The ports must have the ofports the flows name. */
    char *out;
    cr_assert_eq(run(&out, "ovs-vsctl --timeout=" COMMAND_TIMEOUT
                     " get interface tun0 ofport -- get interface gw0 ofport"
                     " -- get interface pod1 ofport"
                     " -- get interface pod2 ofport"), 0);
    char *expected = xasprintf("%d\n%d\n%d\n%d\n", EXAMPLE_TUN_OFPORT,
                               EXAMPLE_GW_OFPORT, EXAMPLE_POD1_OFPORT,
                               EXAMPLE_POD2_OFPORT);
    cr_assert_str_eq(out, expected, "ofports");
    free(expected);
    free(out);
}

/* Stops everything sandbox_start() started and removes its files. */
static void
sandbox_stop(void)
{
    stop_pid(sb.vswitchd_pid);
    stop_pid(sb.ovsdb_pid);
    sb.vswitchd_pid = sb.ovsdb_pid = 0;
    if (sb.netns_created) {
        run(NULL, "ip netns del %s", sb.netns);
        sb.netns_created = false;
    }
    if (sb.dir && !getenv("PIPELINE_TEST_KEEP")) {
        run(NULL, "rm -rf '%s'", sb.dir);
    }
    free(sb.dir);
    free(sb.netns);
    sb.dir = sb.netns = NULL;
}

TestSuite(pipeline_ovs, .fini = sandbox_stop, .timeout = 120);

/* Installs 'flows' into 'bridge' in one bundle, replacing what it had, and
 * checks that OVS holds exactly that many flows afterwards. */
static void
install_flows(const char *bridge, const struct pipeline_flows *flows)
{
    char *path = xasprintf("%s/%s.flows", sb.dir, bridge);
    FILE *stream = fopen(path, "w");
    cr_assert_not_null(stream, "%s: %s", path, strerror(errno));
    example_write_flows(flows, 1, stream);
    cr_assert_eq(fclose(stream), 0);

    RUN_OK("ovs-ofctl -O OpenFlow15 del-flows %s", bridge);
    RUN_OK("timeout " COMMAND_TIMEOUT " ovs-ofctl -O OpenFlow15 --bundle "
           "add-flows %s %s", bridge, path);

    char *out;
    cr_assert_eq(run(&out, "ovs-ofctl -O OpenFlow15 --no-stats dump-flows "
                     "%s | grep -c 'cookie=0x1'", bridge), 0);
    cr_assert_eq(strtoul(out, NULL, 10), flows->n,
                 "%s holds %s flows, %zu were generated", bridge, out,
                 flows->n);
    free(out);
    free(path);
}

/* Starts the sandbox and installs the example Node's flows. */
static void
start_with_example(void)
{
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;

    sandbox_start();
    example_all_flows(&flows);
    install_flows(BRIDGE, &flows);
    pipeline_flows_destroy(&flows);
}

/* Returns the ofproto/trace output for 'flow' on the example bridge,
 * malloc'd. */
static char *
trace(const char *flow)
{
    char *out;
    int rc = run(&out, "timeout " COMMAND_TIMEOUT " ovs-appctl "
                 "ofproto/trace " BRIDGE " '%s'", flow);
    cr_assert_eq(rc, 0, "trace of %s failed:\n%s", flow, out);
    return out;
}

/* Returns the OpenFlow port the last output action in 'trace_text' chose,
 * or -1 if it has none. */
static int
last_output_port(const char *trace_text)
{
    static const char marker[] = "-> output port is ";
    const char *last = NULL;
    for (const char *p = trace_text; (p = strstr(p, marker)); p++) {
        last = p;
    }
    return last ? atoi(last + strlen(marker)) : -1;
}

/* Returns the last "Final flow:" line of 'trace_text' that is not
 * "unchanged", with ',' at both ends for whole-field matching; malloc'd. */
static char *
last_final_flow(const char *trace_text)
{
    static const char marker[] = "Final flow: ";
    const char *last = NULL;
    for (const char *p = trace_text; (p = strstr(p, marker)); p++) {
        if (strncmp(p + strlen(marker), "unchanged", 9)) {
            last = p + strlen(marker);
        }
    }
    cr_assert_not_null(last, "no Final flow in:\n%s", trace_text);
    return xasprintf(",%.*s,", (int) strcspn(last, "\n"), last);
}

/* Fails unless 'final' (from last_final_flow) holds field=value 'field'. */
static void
expect_field(const char *final, const char *field, const char *trace_text)
{
    char *needle = xasprintf(",%s,", field);
    cr_expect_not_null(strstr(final, needle), "final flow lacks %s:\n%s",
                       field, trace_text);
    free(needle);
}

/* The example's packets, in ofproto/trace flow syntax. */
#define POD1_SRC "dl_src=" EXAMPLE_POD1_MAC ",nw_src=" EXAMPLE_POD1_IP
#define TCP_FROM_POD1 \
    "in_port=3,tcp," POD1_SRC ",nw_ttl=64,tp_src=40000,tp_dst=80"

Test(pipeline_ovs, every_flow_accepted)
{
    start_with_example();
}

/* The flows of the other modes are accepted as well: noEncap (no tunnel,
 * peers through the gateway) and hybrid (both kinds of peers). */
Test(pipeline_ovs, other_modes_accepted)
{
    sandbox_start();
    RUN_OK("ovs-vsctl --timeout=" COMMAND_TIMEOUT
           " add-br br-noencap -- set bridge br-noencap datapath_type=netdev"
           " protocols=OpenFlow10,OpenFlow13,OpenFlow15"
           " -- add-br br-hybrid -- set bridge br-hybrid datapath_type=netdev"
           " protocols=OpenFlow10,OpenFlow13,OpenFlow15");

    struct pipeline_node_config cfg;
    struct pipeline_pod pod;
    struct pipeline_peer peer;
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;

    example_node_config(&cfg);
    cfg.tunnel_ofport = 0;
    cfg.peers_via_gateway = true;
    cr_assert_eq(pipeline_node_flows(&cfg, &flows, NULL), 0);
    example_pod(1, &pod);
    cr_assert_eq(pipeline_pod_flows(&cfg, &pod, &flows, NULL), 0);
    example_peer(&peer);
    cr_assert_eq(pipeline_peer_route_flows(&cfg, &peer, &flows, NULL), 0);
    install_flows("br-noencap", &flows);
    pipeline_flows_destroy(&flows);

    example_node_config(&cfg);
    cfg.peers_via_gateway = true;
    cr_assert_eq(pipeline_node_flows(&cfg, &flows, NULL), 0);
    example_pod(2, &pod);
    cr_assert_eq(pipeline_pod_flows(&cfg, &pod, &flows, NULL), 0);
    example_peer(&peer);
    cr_assert_eq(pipeline_peer_tunnel_flows(&cfg, &peer, &flows, NULL), 0);
    peer.name = "node-c";
    cr_assert(antrea_prefix_from_string("10.10.2.0/24", &peer.pod_cidr));
    cr_assert(antrea_ip_from_string("192.168.77.102", &peer.node_ip));
    cr_assert(antrea_ip_from_string("10.10.2.1", &peer.gateway_ip));
    cr_assert_eq(pipeline_peer_route_flows(&cfg, &peer, &flows, NULL), 0);
    install_flows("br-hybrid", &flows);
    pipeline_flows_destroy(&flows);
}

Test(pipeline_ovs, local_pod_to_pod)
{
    start_with_example();
    char *t = trace(TCP_FROM_POD1 ",dl_dst=" EXAMPLE_POD2_MAC
                    ",nw_dst=" EXAMPLE_POD2_IP);
    cr_expect_eq(last_output_port(t), EXAMPLE_POD2_OFPORT, "%s", t);
    free(t);
}

Test(pipeline_ovs, pod_to_remote_pod_goes_into_tunnel)
{
    start_with_example();
    char *t = trace(TCP_FROM_POD1 ",dl_dst=" EXAMPLE_GW_MAC
                    ",nw_dst=10.10.1.5");
    cr_expect_eq(last_output_port(t), EXAMPLE_TUN_OFPORT, "%s", t);
    char *final = last_final_flow(t);
    expect_field(final, "tun_dst=" EXAMPLE_PEER_NODE_IP, t);
    expect_field(final, "dl_src=" EXAMPLE_GW_MAC, t);
    expect_field(final, "dl_dst=" PIPELINE_GLOBAL_VIRTUAL_MAC, t);
    expect_field(final, "nw_ttl=63", t);
    free(final);
    free(t);
}

Test(pipeline_ovs, pod_to_service_goes_to_gateway)
{
    start_with_example();
    char *t = trace(TCP_FROM_POD1 ",dl_dst=" EXAMPLE_GW_MAC
                    ",nw_dst=10.96.0.10");
    cr_expect_eq(last_output_port(t), EXAMPLE_GW_OFPORT, "%s", t);
    cr_expect_not_null(strstr(t, "40. ip,nw_dst=10.96.0.0/12"),
                       "not sent by the DNAT table:\n%s", t);
    free(t);
}

Test(pipeline_ovs, pod_to_external_goes_to_gateway)
{
    start_with_example();
    char *t = trace(TCP_FROM_POD1 ",dl_dst=" EXAMPLE_GW_MAC
                    ",nw_dst=203.0.113.7");
    cr_expect_eq(last_output_port(t), EXAMPLE_GW_OFPORT, "%s", t);
    free(t);
}

Test(pipeline_ovs, tunnel_to_local_pod)
{
    start_with_example();
    char *t = trace("in_port=1,tun_id=0,tun_src=" EXAMPLE_PEER_NODE_IP
                    ",tun_dst=" EXAMPLE_NODE_IP ",tcp,dl_src="
                    EXAMPLE_GW_MAC ",dl_dst=" PIPELINE_GLOBAL_VIRTUAL_MAC
                    ",nw_src=10.10.1.5,nw_dst=" EXAMPLE_POD2_IP
                    ",nw_ttl=63,tp_src=40000,tp_dst=80");
    cr_expect_eq(last_output_port(t), EXAMPLE_POD2_OFPORT, "%s", t);
    char *final = last_final_flow(t);
    expect_field(final, "dl_src=" EXAMPLE_GW_MAC, t);
    expect_field(final, "dl_dst=" EXAMPLE_POD2_MAC, t);
    expect_field(final, "nw_ttl=62", t);
    free(final);
    free(t);
}

/* The host (e.g. the kubelet's probes) reaches a Pod through the
 * gateway. */
Test(pipeline_ovs, gateway_to_local_pod)
{
    start_with_example();
    char *t = trace("in_port=2,tcp,dl_src=" EXAMPLE_GW_MAC ",dl_dst="
                    EXAMPLE_POD1_MAC ",nw_src=" EXAMPLE_GW_IP ",nw_dst="
                    EXAMPLE_POD1_IP ",nw_ttl=64,tp_src=40000,tp_dst=8080");
    cr_expect_eq(last_output_port(t), EXAMPLE_POD1_OFPORT, "%s", t);
    cr_expect_not_null(strstr(t, "exec(set_field:0x20->ct_mark)"),
                       "connection from the gateway not marked:\n%s", t);
    free(t);
}

/* A peer's Pod reaches this Node's gateway address through the tunnel. */
Test(pipeline_ovs, tunnel_to_gateway)
{
    start_with_example();
    char *t = trace("in_port=1,tun_id=0,tun_src=" EXAMPLE_PEER_NODE_IP
                    ",tun_dst=" EXAMPLE_NODE_IP ",icmp,dl_src="
                    EXAMPLE_GW_MAC ",dl_dst=" PIPELINE_GLOBAL_VIRTUAL_MAC
                    ",nw_src=10.10.1.5,nw_dst=" EXAMPLE_GW_IP ",nw_ttl=63");
    cr_expect_eq(last_output_port(t), EXAMPLE_GW_OFPORT, "%s", t);
    char *final = last_final_flow(t);
    expect_field(final, "dl_dst=" EXAMPLE_GW_MAC, t);
    free(final);
    free(t);
}

Test(pipeline_ovs, spoofed_source_dropped)
{
    start_with_example();
    /* Pod 1's port and MAC with Pod 2's address. */
    char *t = trace("in_port=3,tcp,dl_src=" EXAMPLE_POD1_MAC
                    ",nw_src=" EXAMPLE_POD2_IP ",dl_dst=" EXAMPLE_GW_MAC
                    ",nw_dst=203.0.113.7,nw_ttl=64,tp_dst=80");
    cr_expect_eq(last_output_port(t), -1, "%s", t);
    cr_expect_not_null(strstr(t, "Datapath actions: drop"), "%s", t);
    free(t);
}

Test(pipeline_ovs, arp_for_peer_gateway_answered)
{
    start_with_example();
    char *t = trace("in_port=2,arp,dl_src=" EXAMPLE_GW_MAC
                    ",dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa="
                    EXAMPLE_GW_IP ",arp_tpa=" EXAMPLE_PEER_GW_IP
                    ",arp_sha=" EXAMPLE_GW_MAC);
    cr_expect_not_null(strstr(t, "    IN_PORT\n"), "%s", t);
    char *final = last_final_flow(t);
    expect_field(final, "arp_op=2", t);
    expect_field(final, "arp_spa=" EXAMPLE_PEER_GW_IP, t);
    expect_field(final, "arp_tpa=" EXAMPLE_GW_IP, t);
    expect_field(final, "arp_sha=" PIPELINE_GLOBAL_VIRTUAL_MAC, t);
    expect_field(final, "arp_tha=" EXAMPLE_GW_MAC, t);
    expect_field(final, "dl_src=" PIPELINE_GLOBAL_VIRTUAL_MAC, t);
    expect_field(final, "dl_dst=" EXAMPLE_GW_MAC, t);
    cr_expect_null(strstr(t, "Datapath actions: drop"), "%s", t);
    free(final);
    free(t);
}

/* ARP a Pod sends for its gateway is switched normally. */
Test(pipeline_ovs, pod_arp_switched_normally)
{
    start_with_example();
    char *t = trace("in_port=3,arp,dl_src=" EXAMPLE_POD1_MAC
                    ",dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa="
                    EXAMPLE_POD1_IP ",arp_tpa=" EXAMPLE_GW_IP
                    ",arp_sha=" EXAMPLE_POD1_MAC);
    cr_expect_not_null(strstr(t, "20. arp, priority 190"), "%s", t);
    cr_expect_not_null(strstr(t, "NORMAL"), "%s", t);
    cr_expect_null(strstr(t, "Datapath actions: drop"), "%s", t);
    free(t);
}

/* Appends to 'mem' the bytes of 'value' as 'n' big-endian bytes in hex. */
static void
put_hex(FILE *mem, unsigned long value, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        fprintf(mem, "%02lx", (value >> (8 * i)) & 0xff);
    }
}

/* Returns, in hex, an Ethernet/IPv4/UDP frame from Pod 1 through its
 * gateway to 10.10.1.5 (a Pod of the peer), malloc'd. */
static char *
pod1_to_remote_packet(void)
{
    static const unsigned char ip_header[20] = {
        0x45, 0, 0, 20 + 8 + 5, 0, 1, 0, 0, 64, 17, 0, 0,
        10, 10, 0, 2, 10, 10, 1, 5,
    };
    unsigned long sum = 0;
    for (size_t i = 0; i < sizeof ip_header; i += 2) {
        sum += (unsigned long) ip_header[i] << 8 | ip_header[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }

    char *hex = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&hex, &size);
    unsigned char mac[6];
    example_parse_mac(EXAMPLE_GW_MAC, mac);
    for (int i = 0; i < 6; i++) {
        put_hex(mem, mac[i], 1);
    }
    example_parse_mac(EXAMPLE_POD1_MAC, mac);
    for (int i = 0; i < 6; i++) {
        put_hex(mem, mac[i], 1);
    }
    put_hex(mem, 0x0800, 2);
    for (size_t i = 0; i < sizeof ip_header; i++) {
        put_hex(mem, (i == 10 ? (~sum >> 8) & 0xff
                      : i == 11 ? ~sum & 0xff
                      : ip_header[i]), 1);
    }
    put_hex(mem, 40000, 2);         /* UDP source port */
    put_hex(mem, 80, 2);            /* destination port */
    put_hex(mem, 8 + 5, 2);         /* length */
    put_hex(mem, 0, 2);             /* no checksum */
    fputs("68656c6c6f", mem);       /* "hello" */
    fclose(mem);
    return hex;
}

/* ofproto/trace cannot show the last step of the tunnel path: it resumes
 * after conntrack with the tunnel destination already in the flow and then
 * refuses to tunnel "to our own address".  So a real packet goes through:
 * the node IP lives on a netdev bridge br-phy (as on a real Node), the
 * peer's MAC is known to OVS's tunnel neighbour table, and the geneve
 * packet to the peer must show up on br-phy. */
Test(pipeline_ovs, real_packet_leaves_geneve_encapsulated)
{
    start_with_example();
    RUN_OK("ovs-vsctl --timeout=" COMMAND_TIMEOUT " add-br br-phy"
           " -- set bridge br-phy datapath_type=netdev");
    RUN_OK("ip netns exec %s ip addr add " EXAMPLE_NODE_IP "/24 dev br-phy",
           sb.netns);
    RUN_OK("ip netns exec %s ip link set br-phy up", sb.netns);
    RUN_OK("ovs-ofctl add-flow br-phy 'priority=100,udp,nw_src="
           EXAMPLE_NODE_IP ",nw_dst=" EXAMPLE_PEER_NODE_IP ",tp_dst=6081 "
           "actions=drop'");

    /* OVS learns the route to the peer from the namespace's kernel routing
     * table; wait for it (bounded). */
    bool routed = false;
    for (int i = 0; i < 50 && !routed; i++) {
        char *out;
        run(&out, "ovs-appctl ovs/route/lookup " EXAMPLE_PEER_NODE_IP);
        routed = strstr(out, "dev br-phy") != NULL;
        free(out);
        if (!routed) {
            usleep(100 * 1000);
        }
    }
    cr_assert(routed, "OVS has no route to " EXAMPLE_PEER_NODE_IP);
    RUN_OK("ovs-appctl tnl/neigh/set br-phy " EXAMPLE_PEER_NODE_IP
           " aa:55:aa:55:00:01");

    char *packet = pod1_to_remote_packet();
    RUN_OK("ovs-ofctl -O OpenFlow15 packet-out " BRIDGE " 'in_port=%d "
           "packet=%s actions=table'", EXAMPLE_POD1_OFPORT, packet);
    free(packet);

    /* Flow statistics are updated as the datapath runs; poll (bounded). */
    bool seen = false;
    char *out = NULL;
    for (int i = 0; i < 50 && !seen; i++) {
        free(out);
        run(&out, "ovs-ofctl dump-flows br-phy udp");
        seen = strstr(out, "n_packets=1,") != NULL;
        if (!seen) {
            usleep(100 * 1000);
        }
    }
    cr_expect(seen, "no geneve packet to the peer on br-phy:\n%s", out);
    free(out);
}
