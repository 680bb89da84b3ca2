/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * One cluster-scoped Kubernetes object that a component owns and keeps
 * current, such as the agent's AntreaAgentInfo or the controller's
 * AntreaControllerInfo: the writer asks its owner for the object's
 * content and writes it every 'period_ms' (a heartbeat), and soon after
 * the owner's state changes.  A change is noticed by polling a cheap
 * fingerprint of that state every 'check_ms'; the content itself, which
 * may be costly to build, is only built when it is to be written.
 *
 * Writing is asynchronous, through the Kubernetes client on its event
 * loop (the writer is a task of that loop): it reads the object (GET) to
 * learn its resourceVersion, then replaces it (PUT), or creates it (POST)
 * if it does not exist.  A conflict (someone else wrote it) makes it read
 * the object again; a deletion makes it create the object again.  Any
 * other failure (no connection, 5xx, 403, the CRD not installed) is
 * retried with exponential backoff (k8s-backoff.h), and logged once per
 * outage: a warning at the first failure, a notice when writing works
 * again.  At most one request is in flight; changes during it are folded
 * into the next write.
 *
 * Ownership: the writer borrows the client (which must outlive it) and
 * copies the parameters' strings.  The callbacks run from the loop.
 */

#ifndef K8S_OBJECT_WRITER_H
#define K8S_OBJECT_WRITER_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "k8s/k8s-backoff.h"

struct k8s_client;
struct k8s_object_writer;

/* Defaults of the cadence (Antrea's monitors write every minute). */
#define K8S_OBJECT_WRITER_PERIOD_MS 60000
#define K8S_OBJECT_WRITER_CHECK_MS 1000

/* Returns a cheap summary of the state the object describes: when it
 * differs from the one taken when the object was last built, the object
 * is written again within 'check_ms'. */
typedef uint64_t k8s_object_fingerprint_func(void *aux);

/* Builds a fingerprint: start from K8S_OBJECT_FINGERPRINT_INIT and mix
 * in each value of the state with k8s_object_fingerprint_mix() (FNV-1a
 * over the value's 8 bytes), so that a change of any value changes the
 * result. */
#define K8S_OBJECT_FINGERPRINT_INIT UINT64_C(0xcbf29ce484222325)
void k8s_object_fingerprint_mix(uint64_t *fingerprint, uint64_t value);

/* Returns the object's content: a new JSON object with every field but
 * "apiVersion", "kind" and "metadata", which the writer adds; NULL to
 * skip this write (the writer asks again at the next check). */
typedef json_t *k8s_object_build_func(void *aux);

/* What to write and how often. */
struct k8s_object_writer_params {
    const char *collection;     /* path of the object's collection, e.g.
                                   "/apis/crd.antrea.io/v1beta1/
                                   antreaagentinfos" */
    const char *api_version;    /* e.g. "crd.antrea.io/v1beta1" */
    const char *kind;           /* e.g. "AntreaAgentInfo" */
    const char *name;           /* the object's metadata.name */
    long long period_ms;        /* written at least this often; 0:
                                   K8S_OBJECT_WRITER_PERIOD_MS */
    long long check_ms;         /* how often the fingerprint is taken; 0:
                                   K8S_OBJECT_WRITER_CHECK_MS */
    k8s_object_fingerprint_func *fingerprint; /* NULL: only the period */
    k8s_object_build_func *build; /* required */
    void *aux;                  /* for the callbacks */
    struct k8s_backoff_params backoff; /* zeros: the defaults */
};

/* What the writer has done so far. */
struct k8s_object_writer_stats {
    unsigned int n_writes;      /* objects written (created or replaced) */
    unsigned int n_creates;     /* of them, created */
    unsigned int n_failures;    /* failed attempts, in all */
    unsigned int n_conflicts;   /* 409 answers (someone else wrote it) */
    bool failing;               /* the last attempt failed */
};

struct k8s_object_writer *k8s_object_writer_create(
    struct k8s_client *, const struct k8s_object_writer_params *);
void k8s_object_writer_destroy(struct k8s_object_writer *);

/* Asks for a write as soon as possible (the fingerprint notwithstanding),
 * or once the current backoff is over. */
void k8s_object_writer_poke(struct k8s_object_writer *);

void k8s_object_writer_get_stats(const struct k8s_object_writer *,
                                 struct k8s_object_writer_stats *);

/* Formats 't' as Kubernetes writes times (RFC 3339, UTC, seconds:
 * "2026-11-26T19:50:00Z") into 'buf' of at least 21 bytes. */
#define K8S_TIME_SIZE 21
void k8s_format_time(time_t t, char buf[K8S_TIME_SIZE]);

#endif /* k8s-object-writer.h */
