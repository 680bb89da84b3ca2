/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for core/lib/cni-result.c and cni-version.c: one internal
 * result written in each supported version's format, compared with the
 * exact expected JSON; reading results back (every version's format) and
 * refusing malformed ones with a message naming the member; version
 * negotiation and the VERSION output.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cni-error.h"
#include "cni-result.h"
#include "cni-version.h"

TestSuite(cni_result, .timeout = 30);
TestSuite(cni_version, .timeout = 30);

/* The result every format test writes: two interfaces (host and
 * container), an IPv4 and an IPv6 address, two routes, full DNS, and the
 * 1.1.0-only members set. */
static void
make_result(struct cni_result *r)
{
    cni_result_init(r);
    cni_result_add_interface(r, "pod1-3f2a1b", "aa:bb:cc:dd:ee:01", NULL);
    struct cni_interface *eth0 = cni_result_add_interface(
        r, "eth0", "aa:bb:cc:dd:ee:02", "/var/run/netns/p1");
    eth0->mtu = 1450;
    cni_result_add_ip(r, "10.10.1.5/24", "10.10.1.1", 1);
    cni_result_add_ip(r, "fd00:10:10:1::5/64", "fd00:10:10:1::1", 1);
    struct cni_route *route = cni_result_add_route(r, "0.0.0.0/0",
                                                   "10.10.1.1");
    route->mtu = 1450;
    route->table = 0;
    cni_result_add_route(r, "::/0", NULL);
    cni_dns_add_nameserver(&r->dns, "10.96.0.10");
    r->dns.domain = strdup("cluster.local");
    cni_dns_add_search(&r->dns, "default.svc.cluster.local");
    cni_dns_add_search(&r->dns, "svc.cluster.local");
    cni_dns_add_option(&r->dns, "ndots:5");
}

/* The parts of the expected JSON that do not change between versions. */
#define IFACE0 "{\"name\":\"pod1-3f2a1b\",\"mac\":\"aa:bb:cc:dd:ee:01\"}"
#define IFACE1_OLD "{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:dd:ee:02\"," \
    "\"sandbox\":\"/var/run/netns/p1\"}"
#define IFACE1_110 "{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:dd:ee:02\"," \
    "\"mtu\":1450,\"sandbox\":\"/var/run/netns/p1\"}"
#define IPS_WITH_VERSION "\"ips\":[" \
    "{\"version\":\"4\",\"interface\":1,\"address\":\"10.10.1.5/24\"," \
    "\"gateway\":\"10.10.1.1\"}," \
    "{\"version\":\"6\",\"interface\":1," \
    "\"address\":\"fd00:10:10:1::5/64\",\"gateway\":\"fd00:10:10:1::1\"}]"
#define IPS_NO_VERSION "\"ips\":[" \
    "{\"interface\":1,\"address\":\"10.10.1.5/24\"," \
    "\"gateway\":\"10.10.1.1\"}," \
    "{\"interface\":1,\"address\":\"fd00:10:10:1::5/64\"," \
    "\"gateway\":\"fd00:10:10:1::1\"}]"
#define ROUTES_OLD "\"routes\":[{\"dst\":\"0.0.0.0/0\"," \
    "\"gw\":\"10.10.1.1\"},{\"dst\":\"::/0\"}]"
#define ROUTES_110 "\"routes\":[{\"dst\":\"0.0.0.0/0\"," \
    "\"gw\":\"10.10.1.1\",\"mtu\":1450,\"table\":0},{\"dst\":\"::/0\"}]"
#define DNS "\"dns\":{\"nameservers\":[\"10.96.0.10\"]," \
    "\"domain\":\"cluster.local\",\"search\":" \
    "[\"default.svc.cluster.local\",\"svc.cluster.local\"]," \
    "\"options\":[\"ndots:5\"]}"

/* Asserts that 'r' written as 'version' is exactly 'expected'. */
static void
expect_format(const struct cni_result *r, const char *version,
              const char *expected)
{
    char *s = cni_result_to_string(r, version);
    cr_assert_str_eq(s, expected, "version %s:\n got %s\nwant %s", version,
                     s, expected);
    free(s);
}

Test(cni_result, format_0_3_0)
{
    struct cni_result r;
    make_result(&r);
    expect_format(&r, "0.3.0",
                  "{\"cniVersion\":\"0.3.0\",\"interfaces\":[" IFACE0 ","
                  IFACE1_OLD "]," IPS_WITH_VERSION "," ROUTES_OLD "," DNS
                  "}");
    cni_result_destroy(&r);
}

Test(cni_result, format_0_3_1)
{
    struct cni_result r;
    make_result(&r);
    expect_format(&r, "0.3.1",
                  "{\"cniVersion\":\"0.3.1\",\"interfaces\":[" IFACE0 ","
                  IFACE1_OLD "]," IPS_WITH_VERSION "," ROUTES_OLD "," DNS
                  "}");
    cni_result_destroy(&r);
}

Test(cni_result, format_0_4_0)
{
    struct cni_result r;
    make_result(&r);
    expect_format(&r, "0.4.0",
                  "{\"cniVersion\":\"0.4.0\",\"interfaces\":[" IFACE0 ","
                  IFACE1_OLD "]," IPS_WITH_VERSION "," ROUTES_OLD "," DNS
                  "}");
    cni_result_destroy(&r);
}

Test(cni_result, format_1_0_0_drops_ip_version)
{
    struct cni_result r;
    make_result(&r);
    expect_format(&r, "1.0.0",
                  "{\"cniVersion\":\"1.0.0\",\"interfaces\":[" IFACE0 ","
                  IFACE1_OLD "]," IPS_NO_VERSION "," ROUTES_OLD "," DNS
                  "}");
    cni_result_destroy(&r);
}

Test(cni_result, format_1_1_0_adds_mtu_and_route_members)
{
    struct cni_result r;
    make_result(&r);
    r.interfaces[1].socket_path = strdup("/run/vhost/sock0");
    r.interfaces[1].pci_id = strdup("0000:00:1f.6");
    r.routes[1].advmss = 1400;
    r.routes[1].priority = 10;
    r.routes[1].scope = 253;
    expect_format(&r, "1.1.0",
                  "{\"cniVersion\":\"1.1.0\",\"interfaces\":[" IFACE0 ","
                  "{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:dd:ee:02\","
                  "\"mtu\":1450,\"sandbox\":\"/var/run/netns/p1\","
                  "\"socketPath\":\"/run/vhost/sock0\","
                  "\"pciID\":\"0000:00:1f.6\"}],"
                  IPS_NO_VERSION ","
                  "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.10.1.1\","
                  "\"mtu\":1450,\"table\":0},{\"dst\":\"::/0\","
                  "\"advmss\":1400,\"priority\":10,\"scope\":253}],"
                  DNS "}");

    /* The same result in 1.0.0 leaves all of that out. */
    expect_format(&r, "1.0.0",
                  "{\"cniVersion\":\"1.0.0\",\"interfaces\":[" IFACE0 ","
                  IFACE1_OLD "]," IPS_NO_VERSION "," ROUTES_OLD "," DNS
                  "}");
    cni_result_destroy(&r);
}

Test(cni_result, format_1_1_0_base)
{
    struct cni_result r;
    make_result(&r);
    expect_format(&r, "1.1.0",
                  "{\"cniVersion\":\"1.1.0\",\"interfaces\":[" IFACE0 ","
                  IFACE1_110 "]," IPS_NO_VERSION "," ROUTES_110 "," DNS
                  "}");
    cni_result_destroy(&r);
}

Test(cni_result, empty_result_keeps_dns)
{
    struct cni_result r;
    cni_result_init(&r);
    expect_format(&r, "0.3.1", "{\"cniVersion\":\"0.3.1\",\"dns\":{}}");
    expect_format(&r, "1.0.0", "{\"cniVersion\":\"1.0.0\",\"dns\":{}}");
    cni_result_destroy(&r);
}

Test(cni_result, ip_without_interface_or_gateway)
{
    struct cni_result r;
    cni_result_init(&r);
    cni_result_add_ip(&r, "192.168.0.2/16", NULL, -1);
    expect_format(&r, "0.4.0", "{\"cniVersion\":\"0.4.0\",\"ips\":["
                  "{\"version\":\"4\",\"address\":\"192.168.0.2/16\"}],"
                  "\"dns\":{}}");
    cni_result_destroy(&r);
}

Test(cni_result, unsupported_version_writes_latest)
{
    struct cni_result r;
    cni_result_init(&r);
    expect_format(&r, "0.2.0", "{\"cniVersion\":\"" CNI_VERSION_LATEST
                  "\",\"dns\":{}}");
    expect_format(&r, NULL, "{\"cniVersion\":\"" CNI_VERSION_LATEST
                  "\",\"dns\":{}}");
    cni_result_destroy(&r);
}

/* Parses 'text' as JSON, asserting success. */
static json_t *
parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    cr_assert_not_null(j, "bad test JSON: %s", e.text);
    return j;
}

Test(cni_result, read_back_every_version)
{
    for (size_t i = 0; i < cni_n_supported_versions; i++) {
        const char *version = cni_supported_versions[i];
        struct cni_result r, back;
        struct cni_error error = CNI_ERROR_INITIALIZER;

        make_result(&r);
        json_t *j = cni_result_to_json(&r, version);
        cni_result_init(&back);
        cr_assert_eq(cni_result_from_json(&back, j, "prevResult", &error),
                     0, "%s: %s", version, error.msg);

        /* Writing what was read gives the same text. */
        char *a = cni_result_to_string(&r, version);
        char *b = cni_result_to_string(&back, version);
        cr_assert_str_eq(a, b, "%s", version);
        free(a);
        free(b);

        cr_assert_eq(back.n_interfaces, 2);
        cr_assert_eq(back.n_ips, 2);
        cr_assert_eq(back.ips[1].interface, 1);
        cr_assert_eq(back.n_routes, 2);
        cr_assert_null(back.routes[1].gw);
        json_decref(j);
        cni_result_destroy(&r);
        cni_result_destroy(&back);
    }
}

Test(cni_result, read_accepts_missing_lists)
{
    struct cni_result r;
    struct cni_error error = CNI_ERROR_INITIALIZER;
    json_t *j = parse("{\"cniVersion\":\"1.0.0\"}");

    cni_result_init(&r);
    cr_assert_eq(cni_result_from_json(&r, j, "prevResult", &error), 0);
    cr_assert_eq(r.n_interfaces + r.n_ips + r.n_routes, 0);
    json_decref(j);
    cni_result_destroy(&r);
}

/* Asserts that reading 'text' fails with DECODING_FAILURE and a message
 * containing 'message'. */
static void
expect_bad(const char *text, const char *message)
{
    struct cni_result r;
    struct cni_error error = CNI_ERROR_INITIALIZER;
    json_t *j = parse(text);

    cni_result_init(&r);
    cr_assert_eq(cni_result_from_json(&r, j, "prevResult", &error),
                 CNI_ERR_DECODING_FAILURE, "%s: accepted", text);
    cr_assert_eq(error.code, CNI_ERR_DECODING_FAILURE);
    cr_assert(strstr(error.msg, message), "%s: message \"%s\" lacks \"%s\"",
              text, error.msg, message);
    cr_assert_eq(r.n_interfaces + r.n_ips + r.n_routes, 0,
                 "a failed read leaves the result empty");
    json_decref(j);
    cni_error_destroy(&error);
}

Test(cni_result, read_refuses_malformed)
{
    expect_bad("[1]", "prevResult is not a JSON object");
    expect_bad("{\"interfaces\":{}}", "prevResult.interfaces is not an "
               "array");
    expect_bad("{\"interfaces\":[{\"mac\":\"x\"}]}",
               "prevResult.interfaces[0].name is missing");
    expect_bad("{\"interfaces\":[{\"name\":7}]}",
               "prevResult.interfaces[0].name is not a string");
    expect_bad("{\"ips\":[{\"address\":\"10.0.0.1\"}]}",
               "prevResult.ips[0].address \"10.0.0.1\" is not an IP "
               "address with a prefix length");
    expect_bad("{\"ips\":[{\"address\":\"10.0.0.1/33\"}]}",
               "prevResult.ips[0].address");
    expect_bad("{\"ips\":[{\"address\":\"10.0.0.1/24\","
               "\"gateway\":\"nope\"}]}",
               "prevResult.ips[0].gateway \"nope\" is not an IP address");
    expect_bad("{\"interfaces\":[{\"name\":\"eth0\"}],\"ips\":["
               "{\"address\":\"10.0.0.1/24\"},"
               "{\"address\":\"10.0.0.2/24\",\"interface\":1}]}",
               "prevResult.ips[1].interface 1 is not the index of one of "
               "the 1 interfaces");
    expect_bad("{\"ips\":[{\"address\":\"10.0.0.1/24\",\"version\":\"5\"}]}",
               "prevResult.ips[0].version must be \"4\" or \"6\"");
    expect_bad("{\"routes\":[{\"gw\":\"10.0.0.1\"}]}",
               "prevResult.routes[0].dst is missing");
    expect_bad("{\"routes\":[{\"dst\":\"0.0.0.0/0\",\"mtu\":\"9000\"}]}",
               "prevResult.routes[0].mtu is not an integer");
    expect_bad("{\"dns\":{\"nameservers\":[1]}}",
               "prevResult.dns.nameservers has an element that is not a "
               "string");
    expect_bad("{\"dns\":[]}", "prevResult.dns is not an object");
}

Test(cni_version, supported_list_and_checks)
{
    struct cni_error error = CNI_ERROR_INITIALIZER;
    static const char *const good[] = {
        "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0",
    };

    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        cr_assert(cni_version_is_supported(good[i]), "%s", good[i]);
        cr_assert_eq(cni_version_check(good[i], &error), 0);
    }
    cr_assert_not(cni_version_is_supported("0.2.0"));
    cr_assert_not(cni_version_is_supported("1.0"));
    cr_assert_not(cni_version_is_supported(NULL));

    cr_assert_eq(cni_version_check("2.0.0", &error),
                 CNI_ERR_INCOMPATIBLE_CNI_VERSION);
    cr_assert_str_eq(error.msg, "unsupported cniVersion \"2.0.0\": "
                     "antrea-cni supports 0.3.0, 0.3.1, 0.4.0, 1.0.0, "
                     "1.1.0");
    cr_assert_eq(cni_version_check(NULL, &error),
                 CNI_ERR_INCOMPATIBLE_CNI_VERSION);
    cr_assert(strstr(error.msg, "no \"cniVersion\""), "%s", error.msg);
    cni_error_destroy(&error);
}

Test(cni_version, compare)
{
    cr_assert_lt(cni_version_compare("0.3.1", "0.4.0"), 0);
    cr_assert_lt(cni_version_compare("0.4.0", "0.10.0"), 0);
    cr_assert_gt(cni_version_compare("1.1.0", "1.0.0"), 0);
    cr_assert_eq(cni_version_compare("1.0.0", "1.0.0"), 0);
    cr_assert_lt(cni_version_compare("bogus", "0.1.0"), 0);
    cr_assert(cni_version_at_least("1.1.0", "0.4.0"));
    cr_assert_not(cni_version_at_least("0.3.1", "0.4.0"));

    int a, b, c;
    cr_assert(cni_version_parse("10.20.30", &a, &b, &c));
    cr_assert_eq(a * 10000 + b * 100 + c, 102030);
    cr_assert_not(cni_version_parse("1.0", &a, &b, &c));
    cr_assert_not(cni_version_parse("1.0.0-rc1", &a, &b, &c));
    cr_assert_not(cni_version_parse("01.0.0", &a, &b, &c));
    cr_assert_not(cni_version_parse("99999999999.0.0", &a, &b, &c));
}

Test(cni_version, version_output)
{
    json_t *info = cni_version_info("0.4.0");
    char *s = json_dumps(info, JSON_COMPACT);
    cr_assert_str_eq(s, "{\"cniVersion\":\"0.4.0\",\"supportedVersions\":"
                     "[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\","
                     "\"1.1.0\"]}");
    free(s);
    json_decref(info);

    info = cni_version_info("0.1.0");
    cr_assert_str_eq(json_string_value(json_object_get(info, "cniVersion")),
                     CNI_VERSION_LATEST);
    json_decref(info);
}
