/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Keeping one owned object current in the Kubernetes API
 * (k8s-object-writer.h).
 */

#include <config.h>
#include "k8s/k8s-object-writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-loop.h"
#include "k8s/k8s-client.h"
#include "log.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(k8s_object_writer);

/* Consecutive conflicts retried at once; more go through the backoff (a
 * second writer of the same object must not make us spin). */
#define MAX_QUICK_CONFLICTS 2

/* The step of a write in flight. */
enum write_step {
    STEP_IDLE,                  /* nothing in flight */
    STEP_GET,                   /* reading the resourceVersion */
    STEP_POST,                  /* creating */
    STEP_PUT,                   /* replacing */
};

/* A writer: its parameters, and the write in flight. */
struct k8s_object_writer {
    struct k8s_client *client;  /* borrowed */
    struct event_loop *loop;    /* the client's */
    struct event_loop_task *task; /* our task in it */
    char *collection;           /* the collection's path */
    char *path;                 /* the object's path */
    char *what;                 /* "KIND NAME", for messages */
    char *api_version;          /* apiVersion */
    char *kind;                 /* kind */
    char *name;                 /* metadata.name */
    long long period_ms;        /* heartbeat */
    long long check_ms;         /* fingerprint polling */
    k8s_object_fingerprint_func *fingerprint; /* or NULL */
    k8s_object_build_func *build; /* the content */
    void *aux;                  /* for the callbacks */

    struct k8s_backoff backoff; /* delays after failures */
    char *resource_version;     /* of the object as last seen, or NULL */
    json_t *object;             /* what is being written, or NULL */
    enum write_step step;       /* what is in flight */
    struct k8s_request *request; /* the request in flight, or NULL */
    unsigned int quick_conflicts; /* conflicts in a row in this write */
    uint64_t built_fingerprint; /* the fingerprint when 'object' was last
                                   built */
    bool poked;                 /* write as soon as possible */
    long long next_write;       /* heartbeat due (time_msec()) */
    long long next_check;       /* fingerprint due */
    long long retry_at;         /* backoff over, or 0 */
    struct k8s_object_writer_stats stats; /* counters */
};

static void start_step(struct k8s_object_writer *, enum write_step);

void
k8s_format_time(time_t t, char buf[K8S_TIME_SIZE])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, K8S_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
k8s_object_fingerprint_mix(uint64_t *fingerprint, uint64_t value)
{
    for (int i = 0; i < 8; i++) {
        *fingerprint ^= (value >> (i * 8)) & 0xff;
        *fingerprint *= UINT64_C(0x100000001b3);
    }
}

/* Returns why 'response' is a failure, malloc'd: the Status message if
 * there is one. */
static char *
describe_failure(const struct k8s_response *response)
{
    if (response->error) {
        return xstrdup(response->error);
    }
    const char *message = json_string_value(json_object_get(response->body,
                                                            "message"));
    if (message) {
        return xasprintf("HTTP %ld: %s", response->status, message);
    }
    /* A plain-text body ("404 page not found\n"): its first line. */
    int length = strcspn(response->raw, "\r\n");
    if (length) {
        return xasprintf("HTTP %ld: %.*s", response->status,
                         length < 200 ? length : 200, response->raw);
    }
    return xasprintf("HTTP %ld", response->status);
}

/* Ends the write in flight: drops the object being written. */
static void
end_write(struct k8s_object_writer *w)
{
    json_decref(w->object);
    w->object = NULL;
    w->step = STEP_IDLE;
    w->request = NULL;
    w->quick_conflicts = 0;
}

/* The write in flight failed ('why' says how): back off, then build the
 * object afresh and try again.  Logged once per outage. */
static void
write_failed(struct k8s_object_writer *w, const char *why)
{
    long long delay = k8s_backoff_next(&w->backoff);
    w->stats.n_failures++;
    if (!w->stats.failing) {
        LOG_WARN("%s: cannot write it to the Kubernetes API: %s; retrying "
                 "with backoff (further failures are logged at debug "
                 "level)", w->what, why);
    } else {
        LOG_DBG("%s: attempt %u failed: %s; next in %lld ms", w->what,
                k8s_backoff_failures(&w->backoff), why, delay);
    }
    w->stats.failing = true;
    w->retry_at = time_msec() + delay;
    w->poked = true;            /* the next attempt is due then */
    end_write(w);
}

/* The object was written; 'body' is the apiserver's copy. */
static void
write_succeeded(struct k8s_object_writer *w, const json_t *body)
{
    const char *rv = json_string_value(json_object_get(
                                           json_object_get(body, "metadata"),
                                           "resourceVersion"));
    free(w->resource_version);
    w->resource_version = rv ? xstrdup(rv) : NULL;

    bool created = w->step == STEP_POST;
    w->stats.n_writes++;
    w->stats.n_creates += created;
    if (w->stats.failing) {
        LOG_INFO("%s: written again after %u failed attempts", w->what,
                 k8s_backoff_failures(&w->backoff));
    } else if (w->stats.n_writes == 1) {
        LOG_INFO("%s: %s", w->what, created ? "created" : "updated");
    } else {
        LOG_DBG("%s: %s", w->what, created ? "created" : "updated");
    }
    w->stats.failing = false;
    k8s_backoff_reset(&w->backoff);
    w->retry_at = 0;
    w->next_write = time_msec() + w->period_ms;
    end_write(w);
}

/* A conflict (409): someone else created or changed the object.  Read it
 * again and retry at once, unless that keeps happening. */
static void
write_conflicted(struct k8s_object_writer *w, const char *why)
{
    w->stats.n_conflicts++;
    free(w->resource_version);
    w->resource_version = NULL;
    if (++w->quick_conflicts > MAX_QUICK_CONFLICTS) {
        write_failed(w, why);
    } else {
        start_step(w, STEP_GET);
    }
}

/* The answer to the request of the current step. */
static void
step_done(struct k8s_request *req, const struct k8s_response *response,
          void *w_)
{
    struct k8s_object_writer *w = w_;
    long status = response->status;
    (void) req;

    w->request = NULL;
    char *why = describe_failure(response);
    if (response->error || !status) {
        write_failed(w, why);
    } else if (w->step == STEP_GET) {
        if (status == 200) {
            const char *rv = json_string_value(
                json_object_get(json_object_get(response->body, "metadata"),
                                "resourceVersion"));
            if (rv) {
                free(w->resource_version);
                w->resource_version = xstrdup(rv);
                start_step(w, STEP_PUT);
            } else {
                write_failed(w, "the object read back has no "
                             "resourceVersion");
            }
        } else if (status == 404
                   && !strcmp(json_string_value(
                                  json_object_get(response->body, "reason"))
                              ?: "", "NotFound")
                   && json_object_get(json_object_get(response->body,
                                                      "details"), "name")) {
            /* The object is missing (not the whole resource, whose 404
             * names no object). */
            start_step(w, STEP_POST);
        } else if (status == 404) {
            char *more = xasprintf("%s (is the CustomResourceDefinition "
                                   "of %s installed?)", why, w->collection);
            write_failed(w, more);
            free(more);
        } else {
            write_failed(w, why);
        }
    } else if (status == 200 || status == 201) {
        write_succeeded(w, response->body);
    } else if (status == 409) {
        write_conflicted(w, why);
    } else if (status == 404 && w->step == STEP_PUT) {
        /* Deleted meanwhile: create it again. */
        free(w->resource_version);
        w->resource_version = NULL;
        start_step(w, STEP_GET);
    } else {
        write_failed(w, why);
    }
    free(why);
}

/* Sends the request of 'step' for the object being written. */
static void
start_step(struct k8s_object_writer *w, enum write_step step)
{
    json_t *body = NULL;
    const char *method = "GET";
    const char *path = w->path;

    w->step = step;
    if (step == STEP_POST || step == STEP_PUT) {
        body = json_deep_copy(w->object);
        json_t *metadata = json_pack("{s:s}", "name", w->name);
        if (step == STEP_PUT) {
            method = "PUT";
            json_object_set_new(metadata, "resourceVersion",
                                json_string(w->resource_version));
        } else {
            method = "POST";
            path = w->collection;
        }
        json_object_set_new(body, "apiVersion",
                            json_string(w->api_version));
        json_object_set_new(body, "kind", json_string(w->kind));
        json_object_set_new(body, "metadata", metadata);
    }
    struct k8s_request_args args = {
        .method = method,
        .path = path,
        .body = body,
        .on_done = step_done,
        .aux = w,
    };
    w->request = k8s_client_request(w->client, &args);
    json_decref(body);
}

/* Takes the fingerprint if it is due; notes a change. */
static void
check_fingerprint(struct k8s_object_writer *w, long long now)
{
    if (w->fingerprint && now >= w->next_check) {
        w->next_check = now + w->check_ms;
        if (w->fingerprint(w->aux) != w->built_fingerprint) {
            w->poked = true;
        }
    }
}

/* Returns true if a write should start now. */
static bool
write_due(const struct k8s_object_writer *w, long long now)
{
    return (w->step == STEP_IDLE && now >= w->retry_at
            && (w->poked || now >= w->next_write));
}

/* The writer's run step: takes the fingerprint when due, and starts a
 * write when one is due. */
static void
writer_run(void *w_)
{
    struct k8s_object_writer *w = w_;
    long long now = time_msec();

    check_fingerprint(w, now);
    if (!write_due(w, now)) {
        return;
    }
    uint64_t fingerprint = w->fingerprint ? w->fingerprint(w->aux) : 0;
    json_t *object = w->build(w->aux);
    if (!object) {
        /* Nothing to say yet: ask again after a check period. */
        w->retry_at = now + w->check_ms;
        return;
    }
    w->built_fingerprint = fingerprint;
    w->poked = false;
    w->object = object;
    w->quick_conflicts = 0;
    start_step(w, w->resource_version ? STEP_PUT : STEP_GET);
}

/* The writer's wait step: wakes the loop when the next check, write or
 * retry is due. */
static void
writer_wait(void *w_)
{
    struct k8s_object_writer *w = w_;
    if (w->step != STEP_IDLE) {
        /* The client wakes the loop when the answer comes; the
         * fingerprint can wait until the write is over. */
        return;
    }
    long long when = w->next_write;
    if (w->poked) {
        when = w->retry_at;
    } else if (w->fingerprint && w->next_check < when) {
        when = w->next_check;
    }
    if (w->retry_at > when) {
        when = w->retry_at;
    }
    event_loop_timer_wait_until(w->loop, when);
}

struct k8s_object_writer *
k8s_object_writer_create(struct k8s_client *client,
                         const struct k8s_object_writer_params *p)
{
    struct k8s_object_writer *w = xcalloc(1, sizeof *w);
    w->client = client;
    w->loop = k8s_client_get_loop(client);
    w->collection = xstrdup(p->collection);
    w->path = xasprintf("%s/%s", p->collection, p->name);
    w->what = xasprintf("%s %s", p->kind, p->name);
    w->api_version = xstrdup(p->api_version);
    w->kind = xstrdup(p->kind);
    w->name = xstrdup(p->name);
    w->period_ms = p->period_ms > 0 ? p->period_ms
                                    : K8S_OBJECT_WRITER_PERIOD_MS;
    w->check_ms = p->check_ms > 0 ? p->check_ms : K8S_OBJECT_WRITER_CHECK_MS;
    w->fingerprint = p->fingerprint;
    w->build = p->build;
    w->aux = p->aux;
    k8s_backoff_init(&w->backoff, &p->backoff);
    w->poked = true;            /* the first write is due at once */
    w->task = event_loop_add_task(w->loop, w->what, writer_run, writer_wait,
                                  w);
    return w;
}

void
k8s_object_writer_destroy(struct k8s_object_writer *w)
{
    if (!w) {
        return;
    }
    if (w->request) {
        k8s_request_cancel(w->request);
    }
    event_loop_remove_task(w->loop, w->task);
    json_decref(w->object);
    free(w->resource_version);
    free(w->name);
    free(w->kind);
    free(w->api_version);
    free(w->what);
    free(w->path);
    free(w->collection);
    free(w);
}

void
k8s_object_writer_poke(struct k8s_object_writer *w)
{
    w->poked = true;
}

void
k8s_object_writer_get_stats(const struct k8s_object_writer *w,
                            struct k8s_object_writer_stats *stats)
{
    *stats = w->stats;
}
