/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The control-plane objects (core/proto/controlplane.proto) as JSON, in
 * the shape of Antrea's controlplane.antrea.io/v1beta2 types as kubectl
 * and antctl print them: metadata, rules with from/to peers (addressGroups,
 * ipBlocks), services, appliedToGroups, sourceRef, groupMembers with
 * pod, ips and ports.  The controller serves lists and objects this way
 * when asked for them (api-server.h); antctl prints them.
 *
 * Every function returns a new reference the caller owns; the protobuf
 * structs are only read.
 */

#ifndef CP_JSON_H
#define CP_JSON_H 1

#include <jansson.h>
#include <stddef.h>

#include "controlplane.pb-c.h"

json_t *cp_json_network_policy(const AntreaCp__NetworkPolicy *);
json_t *cp_json_address_group(const AntreaCp__AddressGroup *);
json_t *cp_json_applied_to_group(const AntreaCp__AppliedToGroup *);

/* Decodes 'size' bytes of an encoded object (for_list false) or list
 * (true) of 'resource' ("networkpolicies", "addressgroups" or
 * "appliedtogroups") into JSON: an object, or {"kind": "...List",
 * "apiVersion", "metadata", "items": [...]}.  Returns NULL with a malloc'd
 * message in '*errorp' if the bytes do not decode. */
json_t *cp_json_decode(const char *resource, const void *data, size_t size,
                       int for_list, char **errorp);

/* Formats the 'len' (4 or 16) bytes of an address into 'buf' (at least 46
 * bytes); "?" for another length. */
const char *cp_json_ip_string(const uint8_t *addr, size_t len, char *buf,
                              size_t size);

#endif /* cp-json.h */
