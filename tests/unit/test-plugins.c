/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the built-in plugin modules (encap modes, tunnel types, IPsec)
 * and of the SDK's antrea/net-util.h.  The modules are the real shared
 * objects of the build tree, loaded through the real loader and run with
 * the agent's real host API (test-util.h), so these tests also prove that
 * each module passes the loader's checks.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "antrea/encap-mode.h"
#include "antrea/ipsec.h"
#include "antrea/net-util.h"
#include "antrea/plugin.h"
#include "antrea/tunnel-type.h"
#include "log.h"
#include "plugin-loader.h"
#include "test-util.h"

/* The environment variable the ipsec module reads its key from. */
#define PSK_ENV "ANTREA_IPSEC_PSK"

/* One expected option of a port spec. */
struct option {
    const char *key;
    const char *value;
};

/* Fails the test unless 'spec' has exactly the 'n' options 'expected', in
 * that order. */
static void
expect_options(const struct antrea_ovs_port_spec *spec,
               const struct option *expected, size_t n)
{
    cr_assert_eq(spec->n_options, n, "port %s has %u options, expected %zu",
                 spec->name, spec->n_options, n);
    for (size_t i = 0; i < n; i++) {
        cr_expect_str_eq(spec->options[i].key, expected[i].key,
                         "option %zu of port %s", i, spec->name);
        cr_expect_str_eq(spec->options[i].value, expected[i].value,
                         "option %zu (%s) of port %s", i, expected[i].key,
                         spec->name);
    }
}

/* Parses 's' into an address, failing the test if it does not parse. */
static struct antrea_ip
ip(const char *s)
{
    struct antrea_ip addr;
    cr_assert(antrea_ip_from_string(s, &addr), "cannot parse %s", s);
    return addr;
}

/* Parses 's' into a prefix, failing the test if it does not parse. */
static struct antrea_prefix
prefix(const char *s)
{
    struct antrea_prefix p;
    cr_assert(antrea_prefix_from_string(s, &p), "cannot parse %s", s);
    return p;
}

/* Where capture_log() sends log lines; NULL until it is called. */
static FILE *log_capture;

/* Sends log lines to a temporary file for the rest of the test; read it
 * back with captured_log(). */
static void
capture_log(void)
{
    log_capture = tmpfile();
    cr_assert_not_null(log_capture);
    log_set_stream(log_capture);
}

/* Returns what was logged since capture_log(), malloc'd. */
static char *
captured_log(void)
{
    fflush(log_capture);
    long size = ftell(log_capture);
    cr_assert(size >= 0);
    char *text = malloc((size_t) size + 1);
    cr_assert_not_null(text);
    rewind(log_capture);
    size_t n = fread(text, 1, (size_t) size, log_capture);
    text[n] = '\0';
    fseek(log_capture, 0, SEEK_END);
    return text;
}

/* Every built-in module. */
static const struct {
    const char *name;
    enum antrea_plugin_kind kind;
    size_t ops_size;
} modules[] = {
    { "encap", ANTREA_PLUGIN_ENCAP_MODE,
      sizeof (struct antrea_encap_mode_ops) },
    { "noencap", ANTREA_PLUGIN_ENCAP_MODE,
      sizeof (struct antrea_encap_mode_ops) },
    { "hybrid", ANTREA_PLUGIN_ENCAP_MODE,
      sizeof (struct antrea_encap_mode_ops) },
    { "policyonly", ANTREA_PLUGIN_ENCAP_MODE,
      sizeof (struct antrea_encap_mode_ops) },
    { "geneve", ANTREA_PLUGIN_TUNNEL_TYPE,
      sizeof (struct antrea_tunnel_type_ops) },
    { "vxlan", ANTREA_PLUGIN_TUNNEL_TYPE,
      sizeof (struct antrea_tunnel_type_ops) },
    { "gre", ANTREA_PLUGIN_TUNNEL_TYPE,
      sizeof (struct antrea_tunnel_type_ops) },
    { "stt", ANTREA_PLUGIN_TUNNEL_TYPE,
      sizeof (struct antrea_tunnel_type_ops) },
    { "ipsec", ANTREA_PLUGIN_IPSEC, sizeof (struct antrea_ipsec_ops) },
};
#define N_MODULES (sizeof modules / sizeof modules[0])

/* ------------------------------------------------------------------ */
/* antrea/net-util.h */

Test(net_util, ip_from_string_parses_ipv4_and_ipv6)
{
    struct antrea_ip a;

    cr_assert(antrea_ip_from_string("10.10.1.5", &a));
    cr_expect_eq(a.family, AF_INET);
    const uint8_t v4[16] = { 10, 10, 1, 5 };
    cr_expect_arr_eq(a.bytes, v4, sizeof v4);
    cr_expect(!a.pad[0] && !a.pad[1] && !a.pad[2]);

    cr_assert(antrea_ip_from_string("fd00::5", &a));
    cr_expect_eq(a.family, AF_INET6);
    const uint8_t v6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
                             0, 0, 0, 0, 0, 0, 0, 5 };
    cr_expect_arr_eq(a.bytes, v6, sizeof v6);
}

Test(net_util, ip_from_string_rejects_bad_text)
{
    static const char *const bad[] = {
        "", "10.10.1", "10.10.1.256", "10.10.1.5/24", " 10.10.1.5",
        "10.10.1.5 ", "fd00:::1", "fd00::1::2", "node-a", "0x0a0a0105",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct antrea_ip a;
        memset(&a, 0xa5, sizeof a);
        cr_expect(!antrea_ip_from_string(bad[i], &a), "\"%s\" parsed",
                  bad[i]);
        cr_expect_eq(a.family, 0, "\"%s\" left family %u", bad[i],
                     a.family);
    }
    struct antrea_ip a;
    cr_expect(!antrea_ip_from_string(NULL, &a));
    cr_expect(!antrea_ip_from_string("10.0.0.1", NULL));
}

Test(net_util, ip_to_string_round_trips)
{
    static const char *const texts[] = {
        "0.0.0.0", "10.10.1.5", "255.255.255.255", "::", "::1",
        "fd00::5", "2001:db8:0:1:2:3:4:5", "::ffff:10.0.0.1",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct antrea_ip a = ip(texts[i]);
        char buf[ANTREA_IP_STRING_SIZE];
        cr_assert(antrea_ip_to_string(&a, buf, sizeof buf), "%s", texts[i]);
        cr_expect_str_eq(buf, texts[i]);
    }

    /* A buffer just large enough works; one byte less does not. */
    const char *longest = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    struct antrea_ip a = ip(longest);
    char buf[ANTREA_IP_STRING_SIZE];
    size_t size = strlen(longest) + 1;
    cr_expect(antrea_ip_to_string(&a, buf, size));
    cr_expect_str_eq(buf, longest);
    cr_expect(!antrea_ip_to_string(&a, buf, size - 1));
}

Test(net_util, ip_to_string_refuses_what_it_cannot_write)
{
    struct antrea_ip a = ip("10.10.1.5");
    char small[9];
    memset(small, 'x', sizeof small);
    cr_expect(!antrea_ip_to_string(&a, small, sizeof small));
    cr_expect_str_eq(small, "");

    struct antrea_ip none;
    memset(&none, 0, sizeof none);
    char buf[ANTREA_IP_STRING_SIZE] = "x";
    cr_expect(!antrea_ip_to_string(&none, buf, sizeof buf));
    cr_expect_str_eq(buf, "");
    cr_expect(!antrea_ip_to_string(NULL, buf, sizeof buf));
}

Test(net_util, prefix_from_string_parses_and_keeps_host_bits)
{
    struct antrea_prefix p = prefix("10.10.1.0/24");
    cr_expect_eq(p.length, 24);
    struct antrea_ip net = ip("10.10.1.0");
    cr_expect(antrea_ip_equal(&p.ip, &net));

    p = prefix("10.10.1.5/24");
    struct antrea_ip host = ip("10.10.1.5");
    cr_expect(antrea_ip_equal(&p.ip, &host));
    cr_expect_eq(p.length, 24);

    p = prefix("fd00:10::/64");
    cr_expect_eq(p.ip.family, AF_INET6);
    cr_expect_eq(p.length, 64);

    cr_expect_eq(prefix("0.0.0.0/0").length, 0);
    cr_expect_eq(prefix("10.0.0.1/32").length, 32);
    cr_expect_eq(prefix("::/0").length, 0);
    cr_expect_eq(prefix("::1/128").length, 128);
}

Test(net_util, prefix_from_string_rejects_bad_text)
{
    static const char *const bad[] = {
        "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/+8",
        "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/ 8", "10.0.0.0/0008",
        "10.0.0/8", "/24", "fd00::/129", "fd00::/1000", "", "a/8",
        "10.0.0.0/8/8",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct antrea_prefix p;
        memset(&p, 0xa5, sizeof p);
        cr_expect(!antrea_prefix_from_string(bad[i], &p), "\"%s\" parsed",
                  bad[i]);
        cr_expect(p.ip.family == 0 && p.length == 0,
                  "\"%s\" left a value behind", bad[i]);
    }
    struct antrea_prefix p;
    cr_expect(!antrea_prefix_from_string(NULL, &p));
}

Test(net_util, prefix_to_string_round_trips)
{
    static const char *const texts[] = {
        "10.10.1.0/24", "10.10.1.5/24", "0.0.0.0/0", "192.168.77.2/32",
        "fd00:10::/64", "::/0", "2001:db8::1/128",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct antrea_prefix p = prefix(texts[i]);
        char buf[ANTREA_PREFIX_STRING_SIZE];
        cr_assert(antrea_prefix_to_string(&p, buf, sizeof buf), "%s",
                  texts[i]);
        cr_expect_str_eq(buf, texts[i]);
    }

    struct antrea_prefix p = prefix("10.10.1.0/24");
    char small[12];
    cr_expect(!antrea_prefix_to_string(&p, small, sizeof small));
    cr_expect_str_eq(small, "");

    p.length = 33;
    char buf[ANTREA_PREFIX_STRING_SIZE];
    cr_expect(!antrea_prefix_to_string(&p, buf, sizeof buf));
}

Test(net_util, prefix_contains_ipv4)
{
    struct antrea_prefix subnet = prefix("192.168.77.2/24");
    struct antrea_ip in1 = ip("192.168.77.1");
    struct antrea_ip in2 = ip("192.168.77.254");
    struct antrea_ip out1 = ip("192.168.78.1");
    struct antrea_ip out2 = ip("10.168.77.1");
    cr_expect(antrea_prefix_contains(&subnet, &in1));
    cr_expect(antrea_prefix_contains(&subnet, &in2));
    cr_expect(!antrea_prefix_contains(&subnet, &out1));
    cr_expect(!antrea_prefix_contains(&subnet, &out2));

    /* A length that is not a multiple of 8. */
    struct antrea_prefix half = prefix("10.0.0.128/25");
    struct antrea_ip hi = ip("10.0.0.200");
    struct antrea_ip lo = ip("10.0.0.100");
    cr_expect(antrea_prefix_contains(&half, &hi));
    cr_expect(!antrea_prefix_contains(&half, &lo));

    struct antrea_prefix all = prefix("0.0.0.0/0");
    cr_expect(antrea_prefix_contains(&all, &out2));
    struct antrea_prefix one = prefix("10.0.0.200/32");
    cr_expect(antrea_prefix_contains(&one, &hi));
    cr_expect(!antrea_prefix_contains(&one, &lo));

    /* Families never mix. */
    struct antrea_ip v6 = ip("::ffff:192.168.77.1");
    cr_expect(!antrea_prefix_contains(&subnet, &v6));
    struct antrea_prefix all6 = prefix("::/0");
    cr_expect(!antrea_prefix_contains(&all6, &in1));

    /* A length out of range contains nothing. */
    subnet.length = 33;
    cr_expect(!antrea_prefix_contains(&subnet, &in1));
    cr_expect(!antrea_prefix_contains(NULL, &in1));
    cr_expect(!antrea_prefix_contains(&all, NULL));
}

Test(net_util, prefix_contains_ipv6)
{
    struct antrea_prefix subnet = prefix("fd00:10:1::2/48");
    struct antrea_ip in = ip("fd00:10:1:ffff::1");
    struct antrea_ip out = ip("fd00:10:2::1");
    cr_expect(antrea_prefix_contains(&subnet, &in));
    cr_expect(!antrea_prefix_contains(&subnet, &out));

    struct antrea_prefix p127 = prefix("fd00::2/127");
    struct antrea_ip a3 = ip("fd00::3");
    struct antrea_ip a4 = ip("fd00::4");
    cr_expect(antrea_prefix_contains(&p127, &a3));
    cr_expect(!antrea_prefix_contains(&p127, &a4));

    struct antrea_ip v4 = ip("10.0.0.1");
    struct antrea_prefix all6 = prefix("::/0");
    cr_expect(antrea_prefix_contains(&all6, &in));
    cr_expect(!antrea_prefix_contains(&all6, &v4));

    all6.length = 129;
    cr_expect(!antrea_prefix_contains(&all6, &in));
}

Test(net_util, ip_equal)
{
    struct antrea_ip a = ip("10.0.0.1");
    struct antrea_ip b = ip("10.0.0.1");
    struct antrea_ip c = ip("10.0.0.2");
    struct antrea_ip d = ip("::a00:1");     /* same bytes, other family */
    cr_expect(antrea_ip_equal(&a, &b));
    cr_expect(!antrea_ip_equal(&a, &c));
    cr_expect(!antrea_ip_equal(&a, &d));

    /* Bytes past the fourth do not count for IPv4. */
    b.bytes[15] = 0x99;
    cr_expect(antrea_ip_equal(&a, &b));

    struct antrea_ip none1, none2;
    memset(&none1, 0, sizeof none1);
    memset(&none2, 0, sizeof none2);
    none2.bytes[0] = 1;
    cr_expect(antrea_ip_equal(&none1, &none2));
    cr_expect(!antrea_ip_equal(&none1, &a));
    cr_expect(!antrea_ip_equal(&a, NULL));
}

Test(net_util, strlcpy_reports_truncation)
{
    char buf[6];
    cr_expect(antrea_strlcpy(buf, "vxlan", sizeof buf));
    cr_expect_str_eq(buf, "vxlan");
    cr_expect(!antrea_strlcpy(buf, "geneve", sizeof buf));
    cr_expect_str_eq(buf, "genev");
    cr_expect(antrea_strlcpy(buf, "", sizeof buf));
    cr_expect_str_eq(buf, "");
    cr_expect(!antrea_strlcpy(buf, "x", 0));
    cr_expect(!antrea_strlcpy(buf, NULL, sizeof buf));
    cr_expect_str_eq(buf, "");
}

Test(net_util, port_spec_add_option_checks_room)
{
    struct antrea_ovs_port_spec spec;
    memset(&spec, 0, sizeof spec);

    char key[ANTREA_OVS_OPTION_KEY_SIZE + 1];
    memset(key, 'k', sizeof key);
    key[ANTREA_OVS_OPTION_KEY_SIZE] = '\0';       /* one too long */
    char value[ANTREA_OVS_OPTION_VALUE_SIZE + 1];
    memset(value, 'v', sizeof value);
    value[ANTREA_OVS_OPTION_VALUE_SIZE] = '\0';   /* one too long */

    cr_expect_eq(antrea_port_spec_add_option(&spec, key, "x"),
                 ENAMETOOLONG);
    cr_expect_eq(antrea_port_spec_add_option(&spec, "x", value),
                 ENAMETOOLONG);
    cr_expect_eq(spec.n_options, 0);

    key[ANTREA_OVS_OPTION_KEY_SIZE - 1] = '\0';   /* just fits */
    value[ANTREA_OVS_OPTION_VALUE_SIZE - 1] = '\0';
    cr_expect_eq(antrea_port_spec_add_option(&spec, key, value), 0);
    cr_expect_str_eq(spec.options[0].key, key);
    cr_expect_str_eq(spec.options[0].value, value);

    for (int i = 1; i < ANTREA_OVS_MAX_OPTIONS; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        cr_expect_eq(antrea_port_spec_add_option(&spec, k, ""), 0, "%s", k);
    }
    cr_expect_eq(spec.n_options, ANTREA_OVS_MAX_OPTIONS);
    cr_expect_eq(antrea_port_spec_add_option(&spec, "more", "x"), ENOSPC);
    cr_expect_eq(spec.n_options, ANTREA_OVS_MAX_OPTIONS);

    memset(&spec, 0, sizeof spec);
    cr_expect_eq(antrea_port_spec_add_option(&spec, "", "x"), EINVAL);
    cr_expect_eq(antrea_port_spec_add_option(&spec, NULL, "x"), EINVAL);
    cr_expect_eq(antrea_port_spec_add_option(&spec, "x", NULL), EINVAL);
    cr_expect_eq(spec.n_options, 0);
}

/* ------------------------------------------------------------------ */
/* Descriptors and configuration, for every module. */

Test(builtin_modules, descriptors_match_file_kind_and_abi)
{
    for (size_t i = 0; i < N_MODULES; i++) {
        struct plugin *plugin = test_load_plugin(modules[i].name);
        const struct antrea_plugin_descriptor *d = plugin->descriptor;

        cr_expect_str_eq(plugin->name, modules[i].name);
        cr_expect_str_eq(d->name, modules[i].name);
        cr_expect_eq(d->magic, ANTREA_PLUGIN_MAGIC, "%s", modules[i].name);
        cr_expect_eq(d->kind, (uint32_t) modules[i].kind, "%s",
                     modules[i].name);
        cr_expect_eq(plugin->kind, modules[i].kind, "%s", modules[i].name);
        cr_expect_eq(d->abi_major, ANTREA_PLUGIN_ABI_MAJOR);
        cr_expect_eq(d->abi_minor, ANTREA_PLUGIN_ABI_MINOR);
        cr_expect_eq(d->descriptor_size,
                     sizeof (struct antrea_plugin_descriptor));
        cr_expect_eq(d->ops_size, modules[i].ops_size, "%s",
                     modules[i].name);
        cr_expect_str_eq(d->version, PACKAGE_VERSION);
        cr_expect_not_null(d->description);
        cr_expect_not_null(strstr(plugin->file, modules[i].name));
        plugin_unload(plugin);
    }
}

Test(builtin_modules, refuse_a_config_block)
{
    cr_assert_eq(setenv(PSK_ENV, "changeme", 1), 0);
    capture_log();

    for (size_t i = 0; i < N_MODULES; i++) {
        struct test_plugin *tp;
        int error = test_plugin_try_start(modules[i].name,
                                          "tunnelPort: 6081\n", &tp);
        cr_expect_eq(error, EINVAL, "module %s accepted a config block",
                     modules[i].name);
        cr_expect(!tp->initialized);
        test_plugin_stop(tp);
    }

    char *log = captured_log();
    cr_expect_not_null(strstr(log, "unknown key 'tunnelPort'"), "%s", log);
    cr_expect_not_null(strstr(log, "module geneve takes no keys"), "%s",
                       log);
    free(log);
    log_set_stream(NULL);
}

Test(builtin_modules, accept_no_or_an_empty_config_block)
{
    cr_assert_eq(setenv(PSK_ENV, "changeme", 1), 0);
    for (size_t i = 0; i < N_MODULES; i++) {
        struct test_plugin *tp = test_plugin_start(modules[i].name, NULL);
        test_plugin_stop(tp);
        tp = test_plugin_start(modules[i].name, "{}\n");
        test_plugin_stop(tp);
    }
}

/* ------------------------------------------------------------------ */
/* Tunnel types. */

/* What a tunnel module must say about itself. */
struct tunnel_facts {
    const char *name;
    uint16_t dst_port;
    uint16_t ipv4_overhead;
    uint16_t ipv6_overhead;
    uint32_t flags;
    unsigned int antrea_default_mtu;    /* Antrea's defaultMTU over a 1500
                                           uplink, IPv4 */
};

static const struct tunnel_facts tunnel_facts[] = {
    { "geneve", 6081, 50, 70,
      ANTREA_TUNNEL_USERSPACE | ANTREA_TUNNEL_CSUM | ANTREA_TUNNEL_KEY,
      1450 },
    { "vxlan", 4789, 50, 70,
      ANTREA_TUNNEL_USERSPACE | ANTREA_TUNNEL_CSUM | ANTREA_TUNNEL_KEY,
      1450 },
    { "gre", 0, 42, 62, ANTREA_TUNNEL_USERSPACE | ANTREA_TUNNEL_KEY, 1458 },
    { "stt", 7471, 0, 0, ANTREA_TUNNEL_KEY, 1500 },
};

Test(tunnel_types, facts_and_overheads)
{
    for (size_t i = 0; i < sizeof tunnel_facts / sizeof tunnel_facts[0];
         i++) {
        const struct tunnel_facts *f = &tunnel_facts[i];
        struct test_plugin *tp = test_plugin_start(f->name, NULL);
        const struct antrea_tunnel_type_ops *ops = test_plugin_ops(tp);

        cr_expect_str_eq(ops->ovs_type, f->name);
        cr_expect_eq(ops->default_dst_port, f->dst_port, "%s", f->name);
        cr_expect_eq(ops->ipv4_overhead, f->ipv4_overhead, "%s", f->name);
        cr_expect_eq(ops->ipv6_overhead, f->ipv6_overhead, "%s", f->name);
        cr_expect_eq(ops->flags, f->flags, "%s: flags %#x", f->name,
                     ops->flags);
        cr_expect_eq(1500u - ops->ipv4_overhead, f->antrea_default_mtu,
                     "%s", f->name);
        cr_expect_not_null(ops->port_spec);
        test_plugin_stop(tp);
    }
}

/* Runs the port_spec of tunnel module 'name' for port 'port_name' with
 * 'dst_port' and 'csum'; returns its result, the spec in '*spec' and the
 * error text in 'error'. */
static int
tunnel_port(const char *name, const char *port_name, uint16_t dst_port,
            bool csum, struct antrea_ovs_port_spec *spec, char *error)
{
    struct test_plugin *tp = test_plugin_start(name, NULL);
    const struct antrea_tunnel_type_ops *ops = test_plugin_ops(tp);
    struct antrea_tunnel_port_request req = {
        .size = sizeof req,
        .port_name = port_name,
        .dst_port = dst_port,
        .csum = csum,
    };
    memset(spec, 0, sizeof *spec);
    memset(error, 0, ANTREA_ERROR_SIZE);
    int retval = ops->port_spec(tp->state, &req, spec, error);
    test_plugin_stop(tp);
    return retval;
}

Test(tunnel_types, geneve_port_with_default_port)
{
    struct antrea_ovs_port_spec spec;
    char error[ANTREA_ERROR_SIZE];
    cr_assert_eq(tunnel_port("geneve", "antrea-tun0", 6081, false, &spec,
                             error), 0, "%s", error);
    cr_expect_str_eq(spec.name, "antrea-tun0");
    cr_expect_str_eq(spec.type, "geneve");
    static const struct option expected[] = {
        { "remote_ip", "flow" }, { "key", "flow" }, { "dst_port", "6081" },
    };
    expect_options(&spec, expected, 3);

    /* A request without a port gets the IANA one, written out. */
    cr_assert_eq(tunnel_port("geneve", "antrea-tun0", 0, false, &spec,
                             error), 0, "%s", error);
    expect_options(&spec, expected, 3);
}

Test(tunnel_types, vxlan_port_with_tunnel_port_and_csum)
{
    struct antrea_ovs_port_spec spec;
    char error[ANTREA_ERROR_SIZE];
    cr_assert_eq(tunnel_port("vxlan", "tun", 8472, true, &spec, error), 0,
                 "%s", error);
    cr_expect_str_eq(spec.name, "tun");
    cr_expect_str_eq(spec.type, "vxlan");
    static const struct option expected[] = {
        { "remote_ip", "flow" }, { "key", "flow" }, { "dst_port", "8472" },
        { "csum", "true" },
    };
    expect_options(&spec, expected, 4);
}

Test(tunnel_types, gre_port_has_no_dst_port_and_refuses_csum)
{
    struct antrea_ovs_port_spec spec;
    char error[ANTREA_ERROR_SIZE];
    cr_assert_eq(tunnel_port("gre", "antrea-tun0", 0, false, &spec, error),
                 0, "%s", error);
    cr_expect_str_eq(spec.type, "gre");
    static const struct option expected[] = {
        { "remote_ip", "flow" }, { "key", "flow" },
    };
    expect_options(&spec, expected, 2);

    cr_expect_eq(tunnel_port("gre", "antrea-tun0", 0, true, &spec, error),
                 EINVAL);
    cr_expect_str_eq(error, "tunnelCsum is not supported by tunnel type gre");

    cr_expect_eq(tunnel_port("gre", "antrea-tun0", 4789, false, &spec,
                             error), EINVAL);
    cr_expect_not_null(strstr(error, "tunnelPort 4789"), "%s", error);
    cr_expect_not_null(strstr(error, "gre"), "%s", error);
}

Test(tunnel_types, stt_port_and_no_userspace)
{
    struct antrea_ovs_port_spec spec;
    char error[ANTREA_ERROR_SIZE];
    cr_assert_eq(tunnel_port("stt", "antrea-tun0", 7471, false, &spec,
                             error), 0, "%s", error);
    static const struct option expected[] = {
        { "remote_ip", "flow" }, { "key", "flow" }, { "dst_port", "7471" },
    };
    expect_options(&spec, expected, 3);

    cr_expect_eq(tunnel_port("stt", "antrea-tun0", 7471, true, &spec,
                             error), EINVAL);
    cr_expect_str_eq(error, "tunnelCsum is not supported by tunnel type stt");
}

Test(tunnel_types, bad_port_names_are_refused)
{
    struct antrea_ovs_port_spec spec;
    char error[ANTREA_ERROR_SIZE];
    cr_expect_eq(tunnel_port("geneve", "antrea-tunnel-00", 0, false, &spec,
                             error), EINVAL);
    cr_expect_not_null(strstr(error, "\"antrea-tunnel-00\""), "%s", error);
    cr_expect_not_null(strstr(error, "15 characters"), "%s", error);

    /* 15 characters is the most an interface name may have. */
    cr_expect_eq(tunnel_port("geneve", "antrea-tunnel-0", 0, false, &spec,
                             error), 0, "%s", error);
    cr_expect_str_eq(spec.name, "antrea-tunnel-0");

    cr_expect_eq(tunnel_port("vxlan", NULL, 0, false, &spec, error), EINVAL);
    cr_expect_not_null(strstr(error, "no port name"), "%s", error);
    cr_expect_eq(tunnel_port("vxlan", "", 0, false, &spec, error), EINVAL);
}

/* ------------------------------------------------------------------ */
/* Encap modes. */

Test(encap_modes, flags)
{
    static const struct {
        const char *name;
        uint32_t flags;
    } expected[] = {
        { "encap", ANTREA_ENCAP_USES_TUNNEL | ANTREA_ENCAP_DOES_IPAM
          | ANTREA_ENCAP_FORWARDS | ANTREA_ENCAP_ALLOWS_ENCRYPTION },
        { "noencap", ANTREA_ENCAP_DOES_IPAM | ANTREA_ENCAP_FORWARDS
          | ANTREA_ENCAP_ALLOWS_NO_SNAT },
        { "hybrid", ANTREA_ENCAP_USES_TUNNEL | ANTREA_ENCAP_DOES_IPAM
          | ANTREA_ENCAP_FORWARDS },
        { "policyonly", ANTREA_ENCAP_ALLOWS_NO_SNAT },
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        struct test_plugin *tp = test_plugin_start(expected[i].name, NULL);
        const struct antrea_encap_mode_ops *ops = test_plugin_ops(tp);
        cr_expect_eq(ops->flags, expected[i].flags, "%s: flags %#x",
                     expected[i].name, ops->flags);
        cr_expect_not_null(ops->peer_path, "%s", expected[i].name);
        test_plugin_stop(tp);
    }
}

/* Returns the peer_path of mode 'mode' for a local Node at 'local_ip' in
 * 'local_subnet' and a peer at 'peer_ip'. */
static enum antrea_peer_path
peer_path(const char *mode, const char *local_ip, const char *local_subnet,
          const char *peer_ip)
{
    struct test_plugin *tp = test_plugin_start(mode, NULL);
    const struct antrea_encap_mode_ops *ops = test_plugin_ops(tp);

    struct antrea_local_node local;
    memset(&local, 0, sizeof local);
    local.size = sizeof local;
    local.name = "node-a";
    local.node_ip = ip(local_ip);
    local.node_subnet = prefix(local_subnet);
    local.gateway_name = "antrea-gw0";
    local.mtu = 1450;

    struct antrea_peer_node peer;
    memset(&peer, 0, sizeof peer);
    peer.size = sizeof peer;
    peer.name = "node-b";
    peer.node_ip = ip(peer_ip);

    bool v6 = peer.node_ip.family == AF_INET6;
    local.pod_cidr = prefix(v6 ? "fd00:10:1::/64" : "10.10.1.0/24");
    local.gateway_ip = ip(v6 ? "fd00:10:1::1" : "10.10.1.1");
    peer.pod_cidr = prefix(v6 ? "fd00:10:2::/64" : "10.10.2.0/24");
    peer.gateway_ip = ip(v6 ? "fd00:10:2::1" : "10.10.2.1");

    struct antrea_peer_path_request req = {
        .size = sizeof req,
        .local = &local,
        .peer = &peer,
    };
    enum antrea_peer_path path = ops->peer_path(tp->state, &req);
    test_plugin_stop(tp);
    return path;
}

Test(encap_modes, peer_path_ipv4)
{
    static const struct {
        const char *mode;
        enum antrea_peer_path same_subnet;
        enum antrea_peer_path other_subnet;
    } expected[] = {
        { "encap", ANTREA_PEER_PATH_TUNNEL, ANTREA_PEER_PATH_TUNNEL },
        { "noencap", ANTREA_PEER_PATH_ROUTE, ANTREA_PEER_PATH_UNDERLAY },
        { "hybrid", ANTREA_PEER_PATH_ROUTE, ANTREA_PEER_PATH_TUNNEL },
        { "policyonly", ANTREA_PEER_PATH_NONE, ANTREA_PEER_PATH_NONE },
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const char *mode = expected[i].mode;
        cr_expect_eq(peer_path(mode, "192.168.77.2", "192.168.77.2/24",
                               "192.168.77.3"),
                     expected[i].same_subnet, "%s, same subnet", mode);
        cr_expect_eq(peer_path(mode, "192.168.77.2", "192.168.77.2/24",
                               "192.168.78.3"),
                     expected[i].other_subnet, "%s, other subnet", mode);
    }

    /* The subnet is the local Node's interface subnet, not a /24 guess. */
    cr_expect_eq(peer_path("hybrid", "192.168.77.2", "192.168.76.0/23",
                           "192.168.77.200"), ANTREA_PEER_PATH_ROUTE);
    cr_expect_eq(peer_path("hybrid", "192.168.77.2", "192.168.77.0/25",
                           "192.168.77.200"), ANTREA_PEER_PATH_TUNNEL);
}

Test(encap_modes, peer_path_ipv6)
{
    cr_expect_eq(peer_path("hybrid", "fd00:77::2", "fd00:77::2/64",
                           "fd00:77::3"), ANTREA_PEER_PATH_ROUTE);
    cr_expect_eq(peer_path("hybrid", "fd00:77::2", "fd00:77::2/64",
                           "fd00:78::3"), ANTREA_PEER_PATH_TUNNEL);
    cr_expect_eq(peer_path("noencap", "fd00:77::2", "fd00:77::2/64",
                           "fd00:77::3"), ANTREA_PEER_PATH_ROUTE);
    cr_expect_eq(peer_path("noencap", "fd00:77::2", "fd00:77::2/64",
                           "fd00:78::3"), ANTREA_PEER_PATH_UNDERLAY);
}

/* ------------------------------------------------------------------ */
/* IPsec. */

Test(ipsec, init_fails_without_psk)
{
    cr_assert_eq(unsetenv(PSK_ENV), 0);
    capture_log();

    struct test_plugin *tp;
    cr_expect_eq(test_plugin_try_start("ipsec", NULL, &tp), EINVAL);
    cr_expect(!tp->initialized);
    test_plugin_stop(tp);

    /* An empty key is no key. */
    cr_assert_eq(setenv(PSK_ENV, "", 1), 0);
    cr_expect_eq(test_plugin_try_start("ipsec", NULL, &tp), EINVAL);
    test_plugin_stop(tp);

    char *log = captured_log();
    const char *msg = "ANTREA_IPSEC_PSK is not set: IPsec needs a "
                      "pre-shared key";
    const char *first = strstr(log, msg);
    cr_expect_not_null(first, "log lacks the message: %s", log);
    cr_expect(first && strstr(first + 1, msg), "expected it twice: %s", log);
    free(log);
    log_set_stream(NULL);
}

Test(ipsec, init_refuses_unusable_keys_without_logging_them)
{
    char long_key[ANTREA_OVS_OPTION_VALUE_SIZE + 1];
    memset(long_key, 'q', sizeof long_key);
    long_key[ANTREA_OVS_OPTION_VALUE_SIZE] = '\0';
    static const char *const bad[] = {
        "secret\"quote", "secret\nline", NULL,
    };

    capture_log();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *key = bad[i] ? bad[i] : long_key;
        cr_assert_eq(setenv(PSK_ENV, key, 1), 0);
        struct test_plugin *tp;
        cr_expect_eq(test_plugin_try_start("ipsec", NULL, &tp), EINVAL,
                     "key %zu accepted", i);
        test_plugin_stop(tp);
    }

    /* The longest key that fits is fine. */
    long_key[ANTREA_OVS_OPTION_VALUE_SIZE - 1] = '\0';
    cr_assert_eq(setenv(PSK_ENV, long_key, 1), 0);
    test_plugin_stop(test_plugin_start("ipsec", NULL));

    char *log = captured_log();
    cr_expect_not_null(strstr(log, "ANTREA_IPSEC_PSK is too long"), "%s",
                       log);
    cr_expect_not_null(strstr(log, "double quote"), "%s", log);
    cr_expect_not_null(strstr(log, "control character"), "%s", log);
    cr_expect_null(strstr(log, "secret"), "the key was logged: %s", log);
    cr_expect_null(strstr(log, "qqqqqqqq"), "the key was logged: %s", log);
    free(log);
    log_set_stream(NULL);
}

/* Runs the ipsec module's peer_port_spec for a peer named 'peer_name' at
 * 'peer_ip' (may be NULL for "no address") over 'tunnel_type' and
 * 'dst_port'. */
static int
ipsec_port(struct test_plugin *tp, const char *peer_name,
           const char *peer_ip, const char *tunnel_type, uint16_t dst_port,
           struct antrea_ovs_port_spec *spec, char *error)
{
    const struct antrea_ipsec_ops *ops = test_plugin_ops(tp);

    struct antrea_local_node local;
    memset(&local, 0, sizeof local);
    local.size = sizeof local;
    local.name = "node-a";
    local.node_ip = ip("192.168.77.2");
    local.node_subnet = prefix("192.168.77.2/24");

    struct antrea_peer_node peer;
    memset(&peer, 0, sizeof peer);
    peer.size = sizeof peer;
    peer.name = peer_name;
    if (peer_ip) {
        peer.node_ip = ip(peer_ip);
    }

    struct antrea_ipsec_peer_request req = {
        .size = sizeof req,
        .local = &local,
        .peer = &peer,
        .tunnel_ovs_type = tunnel_type,
        .dst_port = dst_port,
    };
    memset(spec, 0, sizeof *spec);
    memset(error, 0, ANTREA_ERROR_SIZE);
    return ops->peer_port_spec(tp->state, &req, spec, error);
}

Test(ipsec, facts)
{
    cr_assert_eq(setenv(PSK_ENV, "changeme", 1), 0);
    struct test_plugin *tp = test_plugin_start("ipsec", NULL);
    const struct antrea_ipsec_ops *ops = test_plugin_ops(tp);
    cr_expect_eq(ops->esp_overhead, 38);
    cr_expect_not_null(ops->peer_port_spec);
    cr_expect_null(ops->peer_state);
    test_plugin_stop(tp);
}

Test(ipsec, port_spec_carries_peer_and_psk)
{
    cr_assert_eq(setenv(PSK_ENV, "s3cr3t-key", 1), 0);
    struct test_plugin *tp = test_plugin_start("ipsec", NULL);

    /* The key is copied at init: later changes do not matter. */
    cr_assert_eq(setenv(PSK_ENV, "other", 1), 0);

    struct antrea_ovs_port_spec spec;
    char error[ANTREA_ERROR_SIZE];
    cr_assert_eq(ipsec_port(tp, "node-b", "192.168.77.3", "geneve", 6081,
                            &spec, error), 0, "%s", error);
    cr_expect_str_eq(spec.type, "geneve");
    cr_expect_eq(strncmp(spec.name, "ipsec-", 6), 0, "%s", spec.name);
    cr_expect_eq(strlen(spec.name), 14, "%s", spec.name);
    cr_expect_eq(strspn(spec.name + 6, "0123456789abcdef"), 8, "%s",
                 spec.name);
    static const struct option expected[] = {
        { "remote_ip", "192.168.77.3" }, { "psk", "s3cr3t-key" },
        { "dst_port", "6081" },
    };
    expect_options(&spec, expected, 3);

    /* No port for GRE, and an IPv6 peer. */
    cr_assert_eq(ipsec_port(tp, "node-b", "fd00:77::3", "gre", 0, &spec,
                            error), 0, "%s", error);
    cr_expect_str_eq(spec.type, "gre");
    static const struct option expected_gre[] = {
        { "remote_ip", "fd00:77::3" }, { "psk", "s3cr3t-key" },
    };
    expect_options(&spec, expected_gre, 2);
    test_plugin_stop(tp);
}

Test(ipsec, port_names_are_stable_short_and_distinct)
{
    cr_assert_eq(setenv(PSK_ENV, "changeme", 1), 0);
    struct test_plugin *tp = test_plugin_start("ipsec", NULL);
    struct antrea_ovs_port_spec spec;
    char error[ANTREA_ERROR_SIZE];

    /* The hash is 32-bit FNV-1a; its published value for "a" is
     * 0xe40c292c.  Pinning it keeps names stable across versions, so a
     * restarted agent finds the ports it made. */
    cr_assert_eq(ipsec_port(tp, "a", "10.0.0.1", "vxlan", 4789, &spec,
                            error), 0, "%s", error);
    cr_expect_str_eq(spec.name, "ipsec-e40c292c");

    /* Distinct peers, distinct names; the same peer, the same name. */
    enum { N = 300 };
    static char names[N][sizeof spec.name];
    for (int i = 0; i < N; i++) {
        char peer[64];
        snprintf(peer, sizeof peer, "k8s-worker-node-%d.example.com", i);
        cr_assert_eq(ipsec_port(tp, peer, "10.0.0.1", "geneve", 6081, &spec,
                                error), 0, "%s", error);
        cr_expect_leq(strlen(spec.name), 15);
        memcpy(names[i], spec.name, sizeof names[i]);
        for (int j = 0; j < i; j++) {
            cr_expect_str_neq(names[i], names[j], "peers %d and %d", i, j);
        }
    }
    test_plugin_stop(tp);

    tp = test_plugin_start("ipsec", NULL);
    cr_assert_eq(ipsec_port(tp, "k8s-worker-node-7.example.com", "10.0.0.9",
                            "gre", 0, &spec, error), 0, "%s", error);
    cr_expect_str_eq(spec.name, names[7]);
    test_plugin_stop(tp);
}

Test(ipsec, port_spec_refuses_bad_requests_without_leaking_the_key)
{
    cr_assert_eq(setenv(PSK_ENV, "s3cr3t-key", 1), 0);
    struct test_plugin *tp = test_plugin_start("ipsec", NULL);
    struct antrea_ovs_port_spec spec;
    char error[ANTREA_ERROR_SIZE];

    cr_expect_eq(ipsec_port(tp, "node-b", NULL, "geneve", 6081, &spec,
                            error), EINVAL);
    cr_expect_not_null(strstr(error, "node-b"), "%s", error);
    cr_expect_not_null(strstr(error, "node IP"), "%s", error);

    cr_expect_eq(ipsec_port(tp, "", "10.0.0.1", "geneve", 6081, &spec,
                            error), EINVAL);
    cr_expect_not_null(strstr(error, "no name"), "%s", error);
    cr_expect_eq(ipsec_port(tp, NULL, "10.0.0.1", "geneve", 6081, &spec,
                            error), EINVAL);

    cr_expect_eq(ipsec_port(tp, "node-b", "10.0.0.1", NULL, 6081, &spec,
                            error), EINVAL);
    cr_expect_not_null(strstr(error, "tunnel type"), "%s", error);
    cr_expect_eq(ipsec_port(tp, "node-b", "10.0.0.1",
                            "a-very-long-tunnel-type", 6081, &spec, error),
                 EINVAL);
    cr_expect_null(strstr(error, "s3cr3t"), "%s", error);
    test_plugin_stop(tp);
}
