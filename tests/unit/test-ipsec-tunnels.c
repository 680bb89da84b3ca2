/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the agent's IPsec tunnel helpers (core/agent/
 * ipsec-tunnels.h) that need no OVS: the Pod MTU with ESP, the
 * redaction of the key from messages, and the Classifier flow of an
 * IPsec tunnel port with its input checks.  The ports themselves are
 * tested against a real OVS in tests/agent/test-agent-ipsec.py.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsec-tunnels.h"
#include "pipeline.h"

Test(ipsec_tunnels, pod_mtu_takes_esp_off_a_computed_mtu)
{
    /* Geneve's 50 off 1500, then ESP's 38. */
    cr_expect_eq(ipsec_tunnels_pod_mtu(1450, false, 38), 1412);
    cr_expect_eq(ipsec_tunnels_pod_mtu(1450, false, 0), 1450);
}

Test(ipsec_tunnels, pod_mtu_keeps_an_explicit_mtu)
{
    cr_expect_eq(ipsec_tunnels_pod_mtu(1300, true, 38), 1300);
}

Test(ipsec_tunnels, pod_mtu_never_wraps)
{
    cr_expect_eq(ipsec_tunnels_pod_mtu(30, false, 38), 30);
    cr_expect_eq(ipsec_tunnels_pod_mtu(38, false, 38), 38);
}

Test(ipsec_tunnels, redact_replaces_every_occurrence)
{
    char *s = ipsec_tunnels_redact("psk=s3cret: \"s3cret\" s3cre s3cret",
                                   "s3cret");
    cr_expect_str_eq(s, "psk=<redacted>: \"<redacted>\" s3cre <redacted>");
    free(s);

    /* Overlapping prefixes: the key is still found. */
    s = ipsec_tunnels_redact("aaab", "aab");
    cr_expect_str_eq(s, "a<redacted>");
    free(s);
}

Test(ipsec_tunnels, redact_without_a_key_copies)
{
    char *s = ipsec_tunnels_redact("nothing secret", NULL);
    cr_expect_str_eq(s, "nothing secret");
    free(s);
    s = ipsec_tunnels_redact("nothing secret", "");
    cr_expect_str_eq(s, "nothing secret");
    free(s);
    cr_expect_null(ipsec_tunnels_redact(NULL, "k"));
}

/* A Node with the gateway on ofport 2 and the tunnel on 3. */
static struct pipeline_node_config
node_config(void)
{
    struct pipeline_node_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.gateway_ofport = 2;
    cfg.tunnel_ofport = 3;
    return cfg;
}

Test(ipsec_tunnels, flow_marks_the_port_as_tunnel_traffic)
{
    struct pipeline_node_config cfg = node_config();
    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    char *error = NULL;

    cr_assert_eq(ipsec_tunnels_flows(&cfg, "node-b", 7, &flows, &error), 0);
    cr_assert_null(error);
    cr_assert_eq(flows.n, 1);
    const struct pipeline_flow *f = &flows.flows[0];
    cr_expect_eq(f->table, PIPELINE_TABLE_CLASSIFIER);
    cr_expect_str_eq(f->match, "in_port=7");
    char want[128];
    snprintf(want, sizeof want, "load:0x%x->NXM_NX_REG0[0..15],"
             "goto_table:%u", PIPELINE_FROM_TUNNEL,
             PIPELINE_TABLE_CONNTRACK);
    cr_expect_str_eq(f->actions, want);
    char *owner = pipeline_peer_owner("node-b");
    cr_expect_str_eq(f->owner, owner);
    free(owner);
    cr_expect_not_null(strstr(f->comment, "node-b"));
    pipeline_flows_destroy(&flows);
}

Test(ipsec_tunnels, flow_refuses_unusable_ports)
{
    struct pipeline_node_config cfg = node_config();
    static const struct {
        uint32_t ofport;        /* the port given */
        const char *why;        /* what the message says */
    } cases[] = {
        { 0, "not a valid OpenFlow port" },
        { 0xff00, "not a valid OpenFlow port" },
        { 2, "gateway" },
        { 3, "tunnel port" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
        char *error = NULL;
        cr_expect_eq(ipsec_tunnels_flows(&cfg, "node-b", cases[i].ofport,
                                         &flows, &error), EINVAL);
        cr_expect_eq(flows.n, 0, "ofport %u", cases[i].ofport);
        cr_assert_not_null(error);
        cr_expect_not_null(strstr(error, "node-b"), "%s", error);
        cr_expect_not_null(strstr(error, cases[i].why), "%s", error);
        free(error);
        pipeline_flows_destroy(&flows);
    }

    struct pipeline_flows flows = PIPELINE_FLOWS_INITIALIZER;
    cr_expect_eq(ipsec_tunnels_flows(&cfg, "", 7, &flows, NULL), EINVAL);
    cr_expect_eq(ipsec_tunnels_flows(&cfg, NULL, 7, &flows, NULL), EINVAL);
    cr_expect_eq(flows.n, 0);
    pipeline_flows_destroy(&flows);
}
