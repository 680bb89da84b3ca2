/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * antctl's requests: to the agent's local API over its unix socket
 * (agent-api.h), or to the controller's HTTPS API with a kubeconfig's
 * CA and bearer token (api-server.h).  Blocking, bounded by a connect
 * timeout and a total timeout, so a component that is down or stuck gives
 * a clear error naming it and what to check, never a hang.
 */

#ifndef ANTCTL_HTTP_H
#define ANTCTL_HTTP_H 1

#include <stddef.h>

struct k8s_config;

/* Where a request goes. */
struct antctl_target {
    const char *agent_socket;       /* agent mode: the API socket, else
                                       NULL */
    const struct k8s_config *controller; /* controller mode: server, CA,
                                            token */
    long timeout_ms;                /* whole request */
};

/* A response. */
struct antctl_response {
    long status;                    /* HTTP status */
    char *body;                     /* its body, NUL-terminated (malloc'd) */
    size_t size;                    /* bytes in 'body' */
};

/* Sends 'method' 'path' (with its query) to 'target'.  Returns 0 with the
 * response in '*resp' (whatever its status), or -1 with a message in
 * '*errorp' saying which component could not be reached and what to
 * check.  The caller frees resp->body. */
int antctl_request(const struct antctl_target *, const char *method,
                   const char *path, struct antctl_response *resp,
                   char **errorp);

/* Returns a malloc'd message for a non-2xx 'resp': the "message" of its
 * JSON body (agent error or Kubernetes Status), else the body, with the
 * component and status. */
char *antctl_error_message(const struct antctl_target *,
                           const struct antctl_response *);

/* Returns 'value' escaped for a URL query (malloc'd). */
char *antctl_escape(const char *value);

#endif /* antctl-http.h */
