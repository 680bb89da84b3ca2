/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The API server tests' stand-in store (fake-cp-store.h).
 */

#include <config.h>

#include "fake-cp-store.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane.pb-c.h"
#include "util.h"

/* Most policies and watches a test uses. */
#define FAKE_MAX 512

/* One NetworkPolicy. */
struct fake_policy {
    char *name;                 /* its name, NULL if the slot is free */
    char *node;                 /* the one Node of its span */
};

struct cp_watch {
    struct cp_store *store;     /* owner */
    bool active;                /* slot in use */
    enum cp_resource resource;  /* watched */
    char *node;                 /* or NULL */
    cp_deliver_func *deliver;   /* the watcher's */
    cp_ended_func *ended;
    void *aux;
};

struct cp_store {
    struct fake_policy policies[FAKE_MAX]; /* the objects */
    struct cp_watch watches[FAKE_MAX];     /* the watchers */
    unsigned long long version;            /* resourceVersion */
};

static const char *const names[CP_N_RESOURCES] = {
    "networkpolicies", "addressgroups", "appliedtogroups",
};

const char *
cp_resource_name(enum cp_resource r)
{
    return r < CP_N_RESOURCES ? names[r] : "?";
}

bool
cp_resource_from_name(const char *name, enum cp_resource *r)
{
    for (int i = 0; i < CP_N_RESOURCES; i++) {
        if (!strcmp(name, names[i])) {
            *r = i;
            return true;
        }
    }
    return false;
}

struct cp_frame *
cp_frame_ref(struct cp_frame *frame)
{
    frame->refcount++;
    return frame;
}

void
cp_frame_unref(struct cp_frame *frame)
{
    if (frame && !--frame->refcount) {
        free(frame);
    }
}

/* Returns a new frame (one reference) holding 'size' bytes 'data' after
 * their length. */
static struct cp_frame *
frame_new(const void *data, size_t size)
{
    struct cp_frame *f = xmalloc(sizeof *f + 4 + size);
    f->refcount = 1;
    f->len = 4 + size;
    f->data[0] = size >> 24;
    f->data[1] = size >> 16;
    f->data[2] = size >> 8;
    f->data[3] = size;
    memcpy(f->data + 4, data, size);
    return f;
}

/* Returns the frame of an event of 'type' about 'p' (NULL: none). */
static struct cp_frame *
event_frame(struct cp_store *store, AntreaCp__EventType type,
            const struct fake_policy *p)
{
    AntreaCp__WatchEvent ev = ANTREA_CP__WATCH_EVENT__INIT;
    AntreaCp__NetworkPolicy np = ANTREA_CP__NETWORK_POLICY__INIT;
    AntreaCp__ObjectMeta meta = ANTREA_CP__OBJECT_META__INIT;
    char *rv = xasprintf("%llu", ++store->version);

    ev.type = type;
    ev.resource_version = rv;
    if (p) {
        meta.name = p->name;
        meta.resource_version = rv;
        np.metadata = &meta;
        ev.object_case = ANTREA_CP__WATCH_EVENT__OBJECT_NETWORK_POLICY;
        ev.network_policy = &np;
    }
    size_t size = antrea_cp__watch_event__get_packed_size(&ev);
    uint8_t *buf = xmalloc(size + 1);
    antrea_cp__watch_event__pack(&ev, buf);
    struct cp_frame *f = frame_new(buf, size);
    free(buf);
    free(rv);
    return f;
}

/* Whether watcher 'w' sees a policy on 'node'. */
static bool
selects(const struct cp_watch *w, const char *node)
{
    return (w->active && w->resource == CP_RESOURCE_NETWORK_POLICIES
            && (!w->node || !strcmp(w->node, node)));
}

/* Gives 'frame' to 'w'; ends the watch if it cannot take it. */
static void
deliver(struct cp_watch *w, struct cp_frame *frame)
{
    if (!w->deliver(frame, w->aux)) {
        w->active = false;
        w->ended(w->aux);
        free(w->node);
        w->node = NULL;
    }
}

/* Sends 'frame' (consumed) to every watcher of 'node' (NULL: all). */
static void
broadcast(struct cp_store *store, struct cp_frame *frame, const char *node)
{
    for (int i = 0; i < FAKE_MAX; i++) {
        struct cp_watch *w = &store->watches[i];
        if (w->active && w->resource == CP_RESOURCE_NETWORK_POLICIES
            && (!node || selects(w, node))) {
            deliver(w, frame);
        }
    }
    cp_frame_unref(frame);
}

struct cp_store *
fake_store_create(void)
{
    return xcalloc(1, sizeof(struct cp_store));
}

void
fake_store_end_watches(struct cp_store *store)
{
    for (int i = 0; i < FAKE_MAX; i++) {
        struct cp_watch *w = &store->watches[i];
        if (w->active) {
            w->active = false;
            free(w->node);
            w->node = NULL;
            w->ended(w->aux);
        }
    }
}

void
fake_store_destroy(struct cp_store *store)
{
    if (!store) {
        return;
    }
    fake_store_end_watches(store);
    for (int i = 0; i < FAKE_MAX; i++) {
        free(store->policies[i].name);
        free(store->policies[i].node);
    }
    free(store);
}

void
fake_store_add_policy(struct cp_store *store, const char *name,
                      const char *node)
{
    struct fake_policy *slot = NULL;
    for (int i = 0; i < FAKE_MAX && !slot; i++) {
        if (!store->policies[i].name) {
            slot = &store->policies[i];
        }
    }
    if (!slot) {
        abort();
    }
    slot->name = xstrdup(name);
    slot->node = xstrdup(node);
    broadcast(store, event_frame(store, ANTREA_CP__EVENT_TYPE__ADDED, slot),
              node);
}

void
fake_store_delete_policy(struct cp_store *store, const char *name)
{
    for (int i = 0; i < FAKE_MAX; i++) {
        struct fake_policy *p = &store->policies[i];
        if (p->name && !strcmp(p->name, name)) {
            broadcast(store, event_frame(store,
                                         ANTREA_CP__EVENT_TYPE__DELETED, p),
                      p->node);
            free(p->name);
            free(p->node);
            p->name = p->node = NULL;
        }
    }
}

void
fake_store_send_raw(struct cp_store *store, const void *data, size_t size)
{
    struct cp_frame *f = xmalloc(sizeof *f + size);
    f->refcount = 1;
    f->len = size;
    memcpy(f->data, data, size);
    broadcast(store, f, NULL);
}

struct cp_watch *
cp_store_watch(struct cp_store *store, enum cp_resource resource,
               const char *node_name, cp_deliver_func *deliver_cb,
               cp_ended_func *ended, void *aux)
{
    struct cp_watch *w = NULL;
    for (int i = 0; i < FAKE_MAX && !w; i++) {
        if (!store->watches[i].active) {
            w = &store->watches[i];
        }
    }
    if (!w) {
        abort();
    }
    *w = (struct cp_watch) {
        .store = store, .active = true, .resource = resource,
        .node = node_name ? xstrdup(node_name) : NULL,
        .deliver = deliver_cb, .ended = ended, .aux = aux,
    };
    if (resource == CP_RESOURCE_NETWORK_POLICIES) {
        for (int i = 0; i < FAKE_MAX && w->active; i++) {
            struct fake_policy *p = &store->policies[i];
            if (p->name && selects(w, p->node)) {
                struct cp_frame *f = event_frame(
                    store, ANTREA_CP__EVENT_TYPE__ADDED, p);
                deliver(w, f);
                cp_frame_unref(f);
            }
        }
    }
    if (w->active) {
        struct cp_frame *f = event_frame(store,
                                         ANTREA_CP__EVENT_TYPE__BOOKMARK,
                                         NULL);
        deliver(w, f);
        cp_frame_unref(f);
    }
    return w;
}

void
cp_watch_cancel(struct cp_watch *w)
{
    if (w) {
        w->active = false;
        free(w->node);
        w->node = NULL;
    }
}

uint8_t *
cp_store_list(struct cp_store *store, enum cp_resource resource,
              const char *node_name, size_t *lenp)
{
    AntreaCp__NetworkPolicyList list = ANTREA_CP__NETWORK_POLICY_LIST__INIT;
    AntreaCp__NetworkPolicy nps[FAKE_MAX];
    AntreaCp__NetworkPolicy *items[FAKE_MAX];
    AntreaCp__ObjectMeta metas[FAKE_MAX];
    size_t n = 0;

    for (int i = 0; i < FAKE_MAX; i++) {
        struct fake_policy *p = &store->policies[i];
        if (resource == CP_RESOURCE_NETWORK_POLICIES && p->name
            && (!node_name || !strcmp(node_name, p->node))) {
            antrea_cp__network_policy__init(&nps[n]);
            antrea_cp__object_meta__init(&metas[n]);
            metas[n].name = p->name;
            nps[n].metadata = &metas[n];
            items[n] = &nps[n];
            n++;
        }
    }
    list.n_items = n;
    list.items = items;
    *lenp = antrea_cp__network_policy_list__get_packed_size(&list);
    uint8_t *buf = xmalloc(*lenp + 1);
    antrea_cp__network_policy_list__pack(&list, buf);
    return buf;
}

uint8_t *
cp_store_get(struct cp_store *store, enum cp_resource resource,
             const char *name, const char *node_name, size_t *lenp)
{
    for (int i = 0; i < FAKE_MAX; i++) {
        struct fake_policy *p = &store->policies[i];
        if (resource == CP_RESOURCE_NETWORK_POLICIES && p->name
            && !strcmp(p->name, name)
            && (!node_name || !strcmp(node_name, p->node))) {
            AntreaCp__NetworkPolicy np = ANTREA_CP__NETWORK_POLICY__INIT;
            AntreaCp__ObjectMeta meta = ANTREA_CP__OBJECT_META__INIT;
            meta.name = p->name;
            np.metadata = &meta;
            *lenp = antrea_cp__network_policy__get_packed_size(&np);
            uint8_t *buf = xmalloc(*lenp + 1);
            antrea_cp__network_policy__pack(&np, buf);
            return buf;
        }
    }
    return NULL;
}

size_t
cp_store_count(const struct cp_store *store, enum cp_resource resource)
{
    size_t n = 0;
    for (int i = 0; i < FAKE_MAX; i++) {
        n += (resource == CP_RESOURCE_NETWORK_POLICIES
              && store->policies[i].name != NULL);
    }
    return n;
}

size_t
cp_store_n_watches(const struct cp_store *store)
{
    size_t n = 0;
    for (int i = 0; i < FAKE_MAX; i++) {
        n += store->watches[i].active;
    }
    return n;
}
