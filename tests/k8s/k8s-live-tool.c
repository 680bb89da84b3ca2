/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The client side of tests/k8s/test-k8s-live.sh: drives the Kubernetes
 * client against a real kube-apiserver.
 *
 *   k8s-live-tool watch CREDENTIALS --namespace NS [--seconds N]
 *       Runs an informer of the Pods in NS on the event loop and prints one
 *       line per handler call ("synced N", "add NS/NAME RV",
 *       "update NS/NAME RV", "delete NS/NAME RV", "failed ERROR"), flushed
 *       at once, until N seconds (default 120) pass or SIGTERM comes.
 *
 *   k8s-live-tool writes CREDENTIALS --namespace NS
 *       Creates a Pod, patches its status subresource, replaces it, reads
 *       it back, deletes it, and posts a TokenReview and a
 *       SubjectAccessReview, on the loop and with the blocking call;
 *       prints "ok STEP" or "FAIL STEP: why" and exits 0 only if all
 *       passed.
 *
 *   CREDENTIALS is --kubeconfig FILE, or --in-cluster DIR (the
 *   ServiceAccount directory; KUBERNETES_SERVICE_HOST/PORT from the
 *   environment).
 */

#include <config.h>

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-loop.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "k8s/k8s-informer.h"
#include "k8s/k8s-resource.h"
#include "log.h"
#include "util.h"

/* Prints one line about 'object' for the handler 'what'. */
static void
print_object(const char *what, const json_t *object)
{
    char *key = k8s_object_key(object);
    printf("%s %s %s\n", what, key, k8s_object_resource_version(object));
    fflush(stdout);
    free(key);
}

static void
on_add(json_t *object, void *aux)
{
    (void) aux;
    print_object("add", object);
}

static void
on_update(json_t *old, json_t *new, void *aux)
{
    (void) old;
    (void) aux;
    print_object("update", new);
}

static void
on_delete(json_t *object, void *aux)
{
    (void) aux;
    print_object("delete", object);
}

/* The 'watch' command's informer. */
static struct k8s_informer *informer;

static void
on_synced(void *aux)
{
    (void) aux;
    printf("synced %zu\n", k8s_informer_count(informer));
    fflush(stdout);
}

static void
on_failed(const char *error, void *aux)
{
    (void) aux;
    printf("failed %s\n", error);
    fflush(stdout);
}

/* Stops the loop 'loop_' at the deadline it was given. */
struct deadline {
    struct event_loop *loop;    /* to stop */
    long long when;             /* time_msec() */
};

static void
deadline_run(void *d_)
{
    struct deadline *d = d_;
    if (time_msec() >= d->when) {
        event_loop_stop(d->loop);
    }
}

static void
deadline_wait(void *d_)
{
    struct deadline *d = d_;
    event_loop_timer_wait_until(d->loop, d->when);
}

/* The 'watch' command. */
static int
do_watch(struct k8s_client *client, struct event_loop *loop,
         const char *namespace, int seconds)
{
    static const struct k8s_informer_handlers handlers = {
        .add = on_add, .update = on_update, .delete = on_delete,
        .synced = on_synced, .failed = on_failed,
    };
    struct k8s_list_watch_options options = {
        .namespace = namespace,
        .backoff = { .initial_ms = 200, .max_ms = 2000 },
    };
    struct deadline d = { loop, time_msec() + seconds * 1000LL };

    informer = k8s_informer_create(client, &k8s_resource_pods, &options,
                                   &handlers, NULL);
    struct event_loop_task *task = event_loop_add_task(
        loop, "deadline", deadline_run, deadline_wait, &d);
    k8s_informer_start(informer);
    event_loop_run(loop);
    event_loop_remove_task(loop, task);
    k8s_informer_destroy(informer);
    informer = NULL;
    return 0;
}

/* The outcome of an asynchronous request. */
struct result {
    bool done;                  /* on_done was called */
    long status;                /* HTTP status */
    json_t *body;               /* a reference, or NULL */
    char *error;                /* or NULL */
};

static void
result_done(struct k8s_request *req, const struct k8s_response *response,
            void *r_)
{
    struct result *r = r_;
    (void) req;
    r->done = true;
    r->status = response->status;
    r->body = json_incref(response->body);
    r->error = response->error ? xstrdup(response->error) : NULL;
}

/* Sends a request on the loop and runs the loop until it is done (30 s at
 * most).  Returns the result; the caller frees its members. */
static struct result
run_request(struct k8s_client *client, struct event_loop *loop,
            const char *method, const char *path, const json_t *body,
            const char *content_type)
{
    struct result r = { .done = false };
    struct k8s_request_args args = {
        .method = method, .path = path, .body = body,
        .content_type = content_type, .on_done = result_done, .aux = &r,
    };
    long long deadline = time_msec() + 30000;

    k8s_client_request(client, &args);
    while (!r.done && time_msec() < deadline) {
        event_loop_timer_wait(loop, 100);
        event_loop_run_once(loop);
    }
    if (!r.done) {
        r.error = xstrdup("no answer in 30 s");
    }
    return r;
}

/* Counts failed checks. */
static int n_failures;

/* Reports one check. */
static void
check(bool ok, const char *step, const struct result *r)
{
    if (ok) {
        printf("ok %s\n", step);
    } else {
        char *msg = r->error ? xstrdup(r->error)
                             : k8s_status_message(r->status, r->body);
        printf("FAIL %s: %s\n", step, msg);
        free(msg);
        n_failures++;
    }
    fflush(stdout);
}

/* Frees what 'r' holds. */
static void
result_clear(struct result *r)
{
    json_decref(r->body);
    free(r->error);
}

/* The 'writes' command. */
static int
do_writes(struct k8s_client *client, struct event_loop *loop,
          const char *namespace)
{
    char *pods = k8s_resource_path(&k8s_resource_pods, namespace, NULL,
                                   NULL);
    char *pod_path = k8s_resource_path(&k8s_resource_pods, namespace,
                                       "live-writes", NULL);
    char *status_path = k8s_resource_path(&k8s_resource_pods, namespace,
                                          "live-writes", "status");

    /* POST. */
    json_t *pod = json_pack(
        "{s:s,s:s,s:{s:s,s:{s:s}},s:{s:s,s:[{s:s,s:s}]}}",
        "apiVersion", "v1", "kind", "Pod",
        "metadata", "name", "live-writes", "labels", "app", "live",
        "spec", "nodeName", "node-live",
        "containers", "name", "c", "image", "busybox");
    struct result r = run_request(client, loop, "POST", pods, pod, NULL);
    check(!r.error && r.status == 201
          && !strcmp(k8s_object_name(r.body) ? k8s_object_name(r.body) : "",
                     "live-writes"), "POST pod", &r);
    result_clear(&r);

    /* PATCH the status subresource (merge patch). */
    json_t *status = json_pack("{s:{s:s,s:s}}", "status", "phase",
                               "Running", "podIP", "10.10.1.5");
    r = run_request(client, loop, "PATCH", status_path, status, NULL);
    check(!r.error && r.status == 200, "PATCH pod status", &r);
    result_clear(&r);

    /* PATCH the object (strategic merge patch). */
    json_t *labels = json_pack("{s:{s:{s:s}}}", "metadata", "labels",
                               "tier", "web");
    r = run_request(client, loop, "PATCH", pod_path, labels,
                    "application/strategic-merge-patch+json");
    check(!r.error && r.status == 200, "PATCH pod labels (strategic)", &r);

    /* PUT it back with one more annotation. */
    json_t *object = json_incref(r.body);
    result_clear(&r);
    json_t *metadata = json_object_get(object, "metadata");
    json_object_set_new(metadata, "annotations",
                        json_pack("{s:s}", "replaced", "yes"));
    r = run_request(client, loop, "PUT", pod_path, object, NULL);
    check(!r.error && r.status == 200, "PUT pod", &r);
    result_clear(&r);

    /* GET, with the blocking call, and check everything stuck. */
    struct k8s_request_args get = { .method = "GET", .path = pod_path };
    json_t *got;
    char *error;
    long code = k8s_client_call(client, &get, &got, &error);
    json_t *got_meta = json_object_get(got, "metadata");
    const char *phase = json_string_value(json_object_get(
        json_object_get(got, "status"), "phase"));
    const char *tier = json_string_value(json_object_get(
        json_object_get(got_meta, "labels"), "tier"));
    const char *replaced = json_string_value(json_object_get(
        json_object_get(got_meta, "annotations"), "replaced"));
    struct result sync = { .status = code, .error = error };
    check(code == 200 && phase && !strcmp(phase, "Running") && tier
          && !strcmp(tier, "web") && replaced && !strcmp(replaced, "yes"),
          "GET pod (blocking) shows status, labels and annotation", &sync);
    json_decref(got);
    free(error);
    error = NULL;

    /* DELETE with DeleteOptions. */
    json_t *options = json_pack("{s:s,s:s,s:i}", "kind", "DeleteOptions",
                                "apiVersion", "v1", "gracePeriodSeconds", 0);
    r = run_request(client, loop, "DELETE", pod_path, options, NULL);
    check(!r.error && r.status == 200, "DELETE pod", &r);
    result_clear(&r);
    r = run_request(client, loop, "GET", pod_path, NULL, NULL);
    check(!r.error && r.status == 404, "GET deleted pod is 404", &r);
    result_clear(&r);

    /* TokenReview of our own token, when we have one. */
    const struct k8s_config *config = k8s_client_get_config(client);
    char *token = (config->token ? xstrdup(config->token)
                   : config->token_file
                   ? k8s_config_read_token(config->token_file, &error)
                   : NULL);
    if (token) {
        char *path = k8s_resource_path(&k8s_resource_tokenreviews, NULL,
                                       NULL, NULL);
        json_t *review = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion",
                                   "authentication.k8s.io/v1", "kind",
                                   "TokenReview", "spec", "token", token);
        r = run_request(client, loop, "POST", path, review, NULL);
        json_t *rs = json_object_get(r.body, "status");
        check(!r.error && r.status == 201
              && json_is_true(json_object_get(rs, "authenticated")),
              "TokenReview authenticates our token", &r);
        json_t *user_info = json_object_get(rs, "user");
        const char *user = json_string_value(json_object_get(user_info,
                                                             "username"));
        json_t *groups = json_object_get(user_info, "groups");

        /* SubjectAccessReview for that user and its groups, as the
         * controller will do for its clients. */
        char *sar_path = k8s_resource_path(
            &k8s_resource_subjectaccessreviews, NULL, NULL, NULL);
        json_t *sar = json_pack(
            "{s:s,s:s,s:{s:s,s:{s:s,s:s,s:s}}}",
            "apiVersion", "authorization.k8s.io/v1",
            "kind", "SubjectAccessReview",
            "spec", "user", user ? user : "",
            "resourceAttributes", "namespace", namespace, "verb", "list",
            "resource", "pods");
        if (json_is_array(groups)) {
            json_object_set(json_object_get(sar, "spec"), "groups", groups);
        }
        result_clear(&r);
        r = run_request(client, loop, "POST", sar_path, sar, NULL);
        check(!r.error && r.status == 201
              && json_is_true(json_object_get(json_object_get(r.body,
                                                              "status"),
                                              "allowed")),
              "SubjectAccessReview allows listing pods", &r);
        result_clear(&r);
        json_decref(sar);
        json_decref(review);
        free(sar_path);
        free(path);
        free(token);
    } else {
        free(error);
    }

    json_decref(options);
    json_decref(object);
    json_decref(labels);
    json_decref(status);
    json_decref(pod);
    free(pods);
    free(pod_path);
    free(status_path);
    return n_failures ? 1 : 0;
}

/* Prints the usage and exits with 'status'. */
static void
usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: k8s-live-tool watch|writes (--kubeconfig FILE | "
            "--in-cluster DIR)\n"
            "                     --namespace NS [--seconds N]\n");
    exit(status);
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        { "kubeconfig", required_argument, NULL, 'k' },
        { "in-cluster", required_argument, NULL, 'i' },
        { "namespace", required_argument, NULL, 'n' },
        { "seconds", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *kubeconfig = NULL, *sa_dir = NULL, *namespace = NULL;
    int seconds = 120;

    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'k':
            kubeconfig = optarg;
            break;
        case 'i':
            sa_dir = optarg;
            break;
        case 'n':
            namespace = optarg;
            break;
        case 's':
            seconds = atoi(optarg);
            break;
        case 'h':
            usage(0);
            break;
        default:
            usage(2);
        }
    }
    if (optind != argc - 1 || !namespace || !kubeconfig == !sa_dir) {
        usage(2);
    }
    const char *command = argv[optind];

    char *error;
    struct k8s_config *config = (kubeconfig
                                 ? k8s_config_from_kubeconfig(kubeconfig,
                                                              NULL, &error)
                                 : k8s_config_in_cluster(sa_dir, &error));
    if (!config) {
        fprintf(stderr, "k8s-live-tool: %s\n", error);
        free(error);
        return 2;
    }

    struct event_loop *loop = event_loop_create();
    event_loop_catch_signals(loop, NULL, 0);
    struct k8s_client *client = k8s_client_create(config, loop);
    int status;
    if (!strcmp(command, "watch")) {
        status = do_watch(client, loop, namespace, seconds);
    } else if (!strcmp(command, "writes")) {
        status = do_writes(client, loop, namespace);
    } else {
        usage(2);
        status = 2;
    }
    k8s_client_destroy(client);
    event_loop_destroy(loop);
    k8s_config_destroy(config);
    return status;
}
