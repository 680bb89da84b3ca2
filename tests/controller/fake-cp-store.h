/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A small stand-in for the controller store (cp-store.h) for the API
 * server's tests: NetworkPolicies only, each spanning one Node, with
 * ADDED/BOOKMARK/DELETED events and a way to push raw bytes to watchers
 * (to test how clients take malformed frames).  It implements the
 * cp-store.h functions itself, so a test links it instead of cp-store.c.
 */

#ifndef FAKE_CP_STORE_H
#define FAKE_CP_STORE_H 1

#include <stddef.h>
#include <stdint.h>

#include "cp-store.h"

struct cp_store *fake_store_create(void);
void fake_store_destroy(struct cp_store *);

/* Adds (or replaces) NetworkPolicy 'name' spanning Node 'node' and sends
 * ADDED to the watchers of that Node and of every Node. */
void fake_store_add_policy(struct cp_store *, const char *name,
                           const char *node);

/* Deletes NetworkPolicy 'name', sending DELETED. */
void fake_store_delete_policy(struct cp_store *, const char *name);

/* Sends 'size' raw bytes 'data' as one frame to every networkpolicies
 * watcher. */
void fake_store_send_raw(struct cp_store *, const void *data, size_t size);

/* Ends every watch, as the store does to a watcher that fell behind. */
void fake_store_end_watches(struct cp_store *);

#endif /* fake-cp-store.h */
