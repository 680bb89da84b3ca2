/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The "ipsec" module: IPsec ESP between Nodes with a pre-shared key, as
 * Antrea does it.  The agent creates one tunnel port per peer Node with
 * options remote_ip and psk; ovs-monitor-ipsec reads them from OVSDB and
 * programs the IKE daemon (strongSwan), which brings up the security
 * associations.  This module only says what each port looks like.
 *
 * The key comes, as in Antrea, from the environment variable
 * ANTREA_IPSEC_PSK (Antrea fills it from the "antrea-ipsec" Secret).  It is
 * copied at init and never logged or put into an error message.
 *
 * Config (optional): "espMode: transport" (the default, Antrea's and
 * ovs-monitor-ipsec's) or "tunnel".  ovs-monitor-ipsec writes strongSwan
 * connections in transport mode; strongSwan's kernel-libipsec (ESP in
 * userspace, for kernels without ESP) only does tunnel mode, so "tunnel"
 * adds the options ipsec_type=tunnel and ipsec_auto=start (on the Node
 * with the lower IP of each pair; "add" on the other) to every port, which
 * ovs-monitor-ipsec copies into each connection as "type=tunnel" and
 * "auto=..." (kernel-libipsec never raises the acquire that auto=route
 * waits for; docs/plugins.md).
 */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "antrea/host-api.h"
#include "antrea/ipsec.h"
#include "antrea/net-util.h"
#include "antrea/plugin.h"

/* Antrea's ipsecESPOverhead: the most ESP adds to a packet (header, IV,
 * padding, trailer and ICV). */
#define IPSEC_ESP_OVERHEAD 38

/* The name of the environment variable that holds the pre-shared key. */
#define IPSEC_PSK_ENV "ANTREA_IPSEC_PSK"

/* The module's state. */
struct ipsec {
    char psk[ANTREA_OVS_OPTION_VALUE_SIZE]; /* the key, NUL-terminated */
    bool esp_tunnel_mode;       /* espMode: tunnel (ipsec_type=tunnel) */
};

static int ipsec_init(const struct antrea_plugin_init_args *, void **statep);
static void ipsec_fini(void *state);
static int ipsec_peer_port_spec(void *state,
                                const struct antrea_ipsec_peer_request *,
                                struct antrea_ovs_port_spec *, char *error);

static const struct antrea_ipsec_ops ipsec_ops = {
    .lifecycle = {
        .init = ipsec_init,
        .fini = ipsec_fini,
    },
    .esp_overhead = IPSEC_ESP_OVERHEAD,
    .peer_port_spec = ipsec_peer_port_spec,

    /* XXX: no SA state yet.  Reading it from ovs-monitor-ipsec (its
     * "ipsec/show" command) comes in a later issue; until then the agent
     * reports every peer as UNKNOWN. */
    .peer_state = NULL,
};

ANTREA_PLUGIN_DEFINE("ipsec", ANTREA_PLUGIN_IPSEC, PACKAGE_VERSION,
                     "IPsec ESP between Nodes with a pre-shared key "
                     "(ovs-monitor-ipsec, strongSwan)", ipsec_ops);

/* Returns the reason 'psk' cannot be used as a key, or NULL if it can.
 * ovs-monitor-ipsec writes the key between double quotes on one line of
 * the IKE daemon's secrets file, so a double quote or a control character
 * in it would corrupt that file. */
static const char *
psk_problem(const char *psk)
{
    if (strlen(psk) >= ANTREA_OVS_OPTION_VALUE_SIZE) {
        return "is too long";
    }
    for (const char *p = psk; *p; p++) {
        unsigned char c = *p;
        if (c < 0x20 || c == 0x7f) {
            return "contains a control character (e.g. a newline)";
        }
        if (c == '"') {
            return "contains a double quote";
        }
    }
    return NULL;
}

/* Reads espMode from 'config' into '*tunnelp'. */
static int
read_esp_mode(const struct antrea_plugin_init_args *args, bool *tunnelp)
{
    const struct antrea_host_api *api = args->api;
    const char *mode;
    int retval = api->config_get_string(args->host, args->config, "espMode",
                                        "transport", &mode);
    if (retval) {
        return retval;
    }
    if (!strcmp(mode, "transport") || !strcmp(mode, "tunnel")) {
        *tunnelp = !strcmp(mode, "tunnel");
        return 0;
    }
    api->config_error(args->host, api->config_get(args->config, "espMode"),
                      "espMode \"%s\": expected \"transport\" or "
                      "\"tunnel\"", mode);
    return EINVAL;
}

/* Starts the module: checks its config block (espMode only) and reads
 * the pre-shared key from the environment. */
static int
ipsec_init(const struct antrea_plugin_init_args *args, void **statep)
{
    static const char *const keys[] = { "espMode", NULL };
    const struct antrea_host_api *api = args->api;

    *statep = NULL;
    int retval = api->config_check_keys(args->host, args->config, keys);
    bool tunnel = false;
    if (!retval) {
        retval = read_esp_mode(args, &tunnel);
    }
    if (retval) {
        return retval;
    }

    const char *psk = getenv(IPSEC_PSK_ENV);
    if (!psk || !psk[0]) {
        api->log(args->host, ANTREA_LOG_ERR,
                 IPSEC_PSK_ENV " is not set: IPsec needs a pre-shared key");
        return EINVAL;
    }
    const char *problem = psk_problem(psk);
    if (problem) {
        api->log(args->host, ANTREA_LOG_ERR,
                 IPSEC_PSK_ENV " %s: the pre-shared key must be 1 to %d "
                 "characters without double quotes or control characters",
                 problem, ANTREA_OVS_OPTION_VALUE_SIZE - 1);
        return EINVAL;
    }

    struct ipsec *ipsec = malloc(sizeof *ipsec);
    if (!ipsec) {
        api->log(args->host, ANTREA_LOG_ERR, "out of memory");
        return ENOMEM;
    }
    antrea_strlcpy(ipsec->psk, psk, sizeof ipsec->psk);
    ipsec->esp_tunnel_mode = tunnel;
    *statep = ipsec;
    return 0;
}

/* Wipes the key and frees the state. */
static void
ipsec_fini(void *state)
{
    struct ipsec *ipsec = state;
    if (ipsec) {
        explicit_bzero(ipsec->psk, sizeof ipsec->psk);
        free(ipsec);
    }
}

/* Returns the 32-bit FNV-1a hash of 's'.  It only has to be stable across
 * agents and restarts and spread Node names well; it is not a secret. */
static uint32_t
hash_name(const char *s)
{
    uint32_t hash = 2166136261u;
    for (; *s; s++) {
        hash ^= (unsigned char) *s;
        hash *= 16777619u;
    }
    return hash;
}

/* Adds option 'key'='value' to 'spec' for the peer 'peer_name', reporting a
 * failure in 'error'.  The message names the key only: the value may be
 * the key. */
static int
add_option(struct antrea_ovs_port_spec *spec, const char *peer_name,
           const char *key, const char *value, char *error)
{
    int retval = antrea_port_spec_add_option(spec, key, value);
    if (retval) {
        snprintf(error, ANTREA_ERROR_SIZE,
                 "IPsec tunnel port for Node %s: cannot add option %s (%s)",
                 peer_name, key,
                 retval == ENOSPC ? "too many options" : "too long");
    }
    return retval;
}

/* Fills 'spec' with the tunnel port for the peer of 'req'.  The port name
 * is "ipsec-" and 8 hex digits of a hash of the peer's Node name: unique
 * per peer in practice, the same on every agent run, and short enough for
 * an interface name (15 characters), which Antrea's "antrea-ipsec-..." is
 * not. */
static int
ipsec_peer_port_spec(void *state, const struct antrea_ipsec_peer_request *req,
                     struct antrea_ovs_port_spec *spec, char *error)
{
    const struct ipsec *ipsec = state;
    const struct antrea_peer_node *peer = req->peer;

    if (!peer || !peer->name || !peer->name[0]) {
        snprintf(error, ANTREA_ERROR_SIZE,
                 "IPsec tunnel port: the peer Node has no name");
        return EINVAL;
    }

    char remote_ip[ANTREA_IP_STRING_SIZE];
    if (!antrea_ip_to_string(&peer->node_ip, remote_ip, sizeof remote_ip)) {
        snprintf(error, ANTREA_ERROR_SIZE,
                 "IPsec tunnel port for Node %s: the Node has no valid node "
                 "IP address", peer->name);
        return EINVAL;
    }

    const char *type = req->tunnel_ovs_type;
    if (!type || !type[0]
        || !antrea_strlcpy(spec->type, type, sizeof spec->type)) {
        snprintf(error, ANTREA_ERROR_SIZE,
                 "IPsec tunnel port for Node %s: bad tunnel type \"%s\"",
                 peer->name, type ? type : "(none)");
        return EINVAL;
    }

    snprintf(spec->name, sizeof spec->name, "ipsec-%08" PRIx32,
             hash_name(peer->name));

    int retval = add_option(spec, peer->name, "remote_ip", remote_ip, error);
    if (!retval) {
        retval = add_option(spec, peer->name, "psk", ipsec->psk, error);
    }
    if (!retval && req->dst_port) {
        char port[8];
        snprintf(port, sizeof port, "%u", (unsigned int) req->dst_port);
        retval = add_option(spec, peer->name, "dst_port", port, error);
    }
    if (!retval && ipsec->esp_tunnel_mode) {
        retval = add_option(spec, peer->name, "ipsec_type", "tunnel", error);
        if (!retval) {
            /* kernel-libipsec raises no acquire for a trap policy
             * (ovs-monitor-ipsec's auto=route), so nothing would ever
             * start the negotiation: the Node with the lower IP starts
             * it at once, the other waits for it (both starting makes
             * duplicate IKE SAs, and deleting them loses CHILD SAs). */
            bool initiator = (req->local
                              && memcmp(req->local->node_ip.bytes,
                                        peer->node_ip.bytes,
                                        sizeof peer->node_ip.bytes) < 0);
            retval = add_option(spec, peer->name, "ipsec_auto",
                                initiator ? "start" : "add", error);
        }
    }
    return retval;
}
