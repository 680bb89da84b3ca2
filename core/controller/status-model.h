/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * What the status page shows (status-page.h), gathered into one JSON
 * document: the cluster's health, the controller (its AntreaControllerInfo
 * and its own live state), the agents (their AntreaAgentInfos: health,
 * heartbeat, version, Pod and flow counts) and the NetworkPolicies the
 * controller computed, each with its span (the Nodes it is sent to).
 * /status.json serves this document as it is and the HTML view
 * (status-view.h) renders it, so both always show the same data.  The
 * fields are described in docs/status-page.md.
 *
 * Gathering only reads its inputs.
 */

#ifndef STATUS_MODEL_H
#define STATUS_MODEL_H 1

#include <jansson.h>
#include <stdbool.h>

struct cp_store;

/* An agent whose AgentHealthy heartbeat is older than this many seconds
 * is reported stale (agents write their AntreaAgentInfo every 60 s). */
#define STATUS_MODEL_STALE_SECONDS 180

/* Where one kind of CRD object comes from: its informer's state. */
struct status_model_source {
    const json_t *objects;      /* the informer's cache (key -> object),
                                   or NULL if there is none */
    bool synced;                /* listed successfully and watching */
    const char *error;          /* why it is not, or NULL */
    long long retry_in_ms;      /* when the next try is, or 0 */
};

/* Everything the model is gathered from. */
struct status_model_input {
    long long now;              /* wall-clock seconds (time(NULL)) */
    struct status_model_source agent_infos; /* AntreaAgentInfos */
    struct status_model_source controller_infos; /* AntreaControllerInfos */
    const json_t *local_controller; /* the controller's own information
                                       (api-server.h's controllerinfo
                                       JSON), or NULL */
    struct cp_store *store;     /* the computed policies, or NULL */
};

/* Returns the status document (a new reference) for 'input'. */
json_t *status_model_build(const struct status_model_input *);

/* Parses an RFC 3339 UTC time ("2026-11-26T20:01:02Z", fractions of a
 * second allowed) into seconds since the epoch; returns false if 'text'
 * is not one. */
bool status_model_parse_time(const char *text, long long *secondsp);

#endif /* status-model.h */
