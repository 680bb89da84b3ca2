/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The antrea-cni <-> agent protocol: a client connects to the agent's unix
 * socket, sends one frame (cni-frame.h) holding a CniRequest, and receives
 * one frame holding a CniCmdResponse; then both close.  The messages are
 * in core/proto/cni.proto; docs/wire-formats.md describes the exchange.
 *
 * This file converts between those messages and our structs, so that no
 * other file depends on the generated code.
 */

#ifndef CNI_PROTOCOL_H
#define CNI_PROTOCOL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cni_env;
struct cni_error;

/* The version of this protocol, carried in every request. */
#define CNI_PROTOCOL_VERSION "antrea-c.cni/1"

/* Where the agent listens unless configured otherwise (Antrea's path). */
#define CNI_DEFAULT_SOCKET "/var/run/antrea/cni.sock"

/* Requests. */
void cni_protocol_encode_request(const struct cni_env *, const char *config,
                                 size_t config_size, uint8_t **bufp,
                                 size_t *sizep);
int cni_protocol_decode_request(const uint8_t *buf, size_t size,
                                struct cni_env *, char **configp,
                                size_t *config_sizep, struct cni_error *);

/* Responses. */
void cni_protocol_encode_response(const char *result, size_t result_size,
                                  const struct cni_error *, uint8_t **bufp,
                                  size_t *sizep);
bool cni_protocol_decode_response(const uint8_t *buf, size_t size,
                                  char **resultp, size_t *result_sizep,
                                  struct cni_error *);

#endif /* cni-protocol.h */
