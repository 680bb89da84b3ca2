/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Exponential backoff with jitter; see k8s-backoff.h.
 */

#include <config.h>
#include "k8s/k8s-backoff.h"

#include <stdint.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_INITIAL_MS 800
#define DEFAULT_MAX_MS 30000
#define DEFAULT_FACTOR 2.0
#define DEFAULT_JITTER 1.0

/* Returns a seed that differs between processes and between backoffs of
 * one process. */
static uint64_t
make_seed(const void *salt)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);

    uint64_t seed = ((uint64_t) ts.tv_sec * 1000000007u)
                    ^ (uint64_t) ts.tv_nsec
                    ^ ((uint64_t) getpid() << 32)
                    ^ (uint64_t) (uintptr_t) salt;
    return seed ? seed : 0x9e3779b97f4a7c15ull;
}

/* Returns a pseudo-random number in [0, 1) from 'state'. */
static double
next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (double) (x >> 11) / (double) (UINT64_C(1) << 53);
}

/* Initializes 'backoff' with 'params' (NULL, or zero members, for the
 * defaults), with no failures yet. */
void
k8s_backoff_init(struct k8s_backoff *backoff,
                 const struct k8s_backoff_params *params)
{
    struct k8s_backoff_params p = params ? *params
                                         : (struct k8s_backoff_params) { 0 };

    if (p.initial_ms <= 0) {
        p.initial_ms = DEFAULT_INITIAL_MS;
    }
    if (p.max_ms <= 0) {
        p.max_ms = DEFAULT_MAX_MS;
    }
    if (p.max_ms < p.initial_ms) {
        p.max_ms = p.initial_ms;
    }
    if (p.factor < 1.0) {
        p.factor = DEFAULT_FACTOR;
    }
    if (p.jitter == 0.0) {
        p.jitter = DEFAULT_JITTER;
    } else if (p.jitter < 0.0) {
        p.jitter = 0.0;
    } else if (p.jitter > 1.0) {
        p.jitter = 1.0;
    }

    backoff->params = p;
    backoff->random_state = make_seed(backoff);
    k8s_backoff_reset(backoff);
}

/* Records one more failure and returns how long to wait, in milliseconds,
 * before trying again: between the current base delay and the bound. */
long long
k8s_backoff_next(struct k8s_backoff *backoff)
{
    const struct k8s_backoff_params *p = &backoff->params;
    double delay = (double) backoff->base_ms
                   * (1.0 + p->jitter * next_random(&backoff->random_state));

    backoff->failures++;
    double next_base = (double) backoff->base_ms * p->factor;
    backoff->base_ms = (next_base >= (double) p->max_ms
                        ? p->max_ms : (long long) next_base);

    return delay >= (double) p->max_ms ? p->max_ms : (long long) delay;
}

/* Forgets the failures: the next delay is the initial one again. */
void
k8s_backoff_reset(struct k8s_backoff *backoff)
{
    backoff->failures = 0;
    backoff->base_ms = backoff->params.initial_ms;
}

/* Returns the number of failures since the last reset. */
unsigned int
k8s_backoff_failures(const struct k8s_backoff *backoff)
{
    return backoff->failures;
}
