/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The client side of the antrea-cni <-> agent protocol (cni-protocol.h):
 * one blocking call that connects to the agent's socket, sends a command
 * and waits for the answer, all within a deadline, so that antrea-cni
 * never hangs whatever the agent does.
 *
 * Transport failures become CNI errors the way Antrea's client maps gRPC
 * failures: an agent that is not listening, does not answer in time or
 * drops the connection is TRY_AGAIN_LATER (the runtime retries); any other
 * failure to talk to it is UNKNOWN_RPC_ERROR.
 */

#ifndef CNI_CLIENT_H
#define CNI_CLIENT_H 1

#include <stdbool.h>
#include <stddef.h>

struct cni_env;
struct cni_error;

bool cni_client_call(const char *socket_path, const struct cni_env *,
                     const char *config, size_t config_size, int timeout_ms,
                     char **resultp, size_t *result_sizep,
                     struct cni_error *);

#endif /* cni-client.h */
