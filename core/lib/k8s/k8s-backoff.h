/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Exponential backoff with jitter for reconnecting to the Kubernetes API:
 * after the Nth consecutive failure, wait
 *
 *     min(max_ms, initial_ms * factor^(N-1) * (1 + jitter * r))
 *
 * with r uniform in [0, 1), so that many agents that lost the apiserver
 * at the same moment do not all come back at the same moment, and no wait
 * ever exceeds max_ms.  The defaults are client-go's reflector's (800 ms,
 * doubling, up to 30 s, jitter 1.0).
 */

#ifndef K8S_BACKOFF_H
#define K8S_BACKOFF_H 1

#include <stdint.h>

/* How delays grow.  A zero member means its default. */
struct k8s_backoff_params {
    long long initial_ms;       /* first delay; default 800 */
    long long max_ms;           /* bound on any delay; default 30000 */
    double factor;              /* growth per failure (>= 1); default 2 */
    double jitter;              /* extra random fraction, 0 to 1; default
                                   1.0; negative means none */
};

/* A backoff in progress. */
struct k8s_backoff {
    struct k8s_backoff_params params; /* with the defaults filled in */
    unsigned int failures;      /* consecutive failures so far */
    long long base_ms;          /* the next delay before jitter */
    uint64_t random_state;      /* xorshift64 state for the jitter */
};

void k8s_backoff_init(struct k8s_backoff *,
                      const struct k8s_backoff_params *);
long long k8s_backoff_next(struct k8s_backoff *);
void k8s_backoff_reset(struct k8s_backoff *);
unsigned int k8s_backoff_failures(const struct k8s_backoff *);

#endif /* k8s-backoff.h */
