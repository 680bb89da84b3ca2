/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Benchmark of the controller's NetworkPolicy computation
 * (core/controller/np-compute.c) into the store (cp-store.c) at the scales
 * of Antrea's networkpolicy_controller_perf_test.go, with the same object
 * shapes:
 *
 *   C1  25,000 Namespaces x (4 Pods, 3 policies: default-deny-all, np-1
 *       and np-2 applied to and allowing from app-N=scale-N)
 *   C2  1 Namespace, 10,000 Pods, 10,000 policies all selecting every Pod
 *       (applied + ingress)
 *   C3  1 Namespace, 5,000 x (2 Pods, 2 policies: each Pod admits the
 *       other)
 *   INC C1, then one Pod relabelled (app-1 <-> app-2) at a time, 1000
 *       times: compute-and-dispatch time per change, p50/p99/max.
 *
 * Pods are spread over Node-0..Node-999 with random IPs.  Two watchers
 * (Nodes Node-0 and Node-1) per resource are attached to the store
 * throughout and count frames.  The JSON objects are built and parsed to
 * typed objects before the clock starts (the parse time is printed
 * separately); the time is for np_engine_set_*() plus np_engine_flush().
 * Each scenario runs in its own process so that peak RSS (ru_maxrss) is
 * its own.
 *
 * Usage: bench-np-compute [C1|C2|C3|INC]...   (default: all)
 * With BENCH_NO_FORK set in the environment, the first scenario runs in
 * the bench's own process (for heaptrack and perf).
 */

#include <config.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cp-store.h"
#include "k8s-objects.h"
#include "np-compute.h"
#include "util.h"

/* Returns the monotonic time in seconds. */
static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Returns the CPU time (user + system) this process used, in seconds:
 * on a shared machine it varies less with the load than wall time. */
static double
cpu_time(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
            + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

/* Frames received by the bench watchers. */
static size_t n_frames;
static size_t n_frame_bytes;

/* cp_deliver_func counting frames. */
static bool
count_frame(struct cp_frame *frame, void *aux)
{
    (void) aux;
    n_frames++;
    n_frame_bytes += frame->len;
    return true;
}

/* The typed objects of a scenario. */
struct objects {
    struct k8s_namespace **nss;  /* Namespaces */
    size_t n_nss, a_nss;        /* count, capacity */
    struct k8s_pod **pods;      /* Pods */
    size_t n_pods, a_pods;      /* count, capacity */
    struct k8s_network_policy **nps; /* policies */
    size_t n_nps, a_nps;        /* count, capacity */
    char (*pod_nodes)[16];      /* each Pod's Node, for INC */
    char (*pod_ips)[16];        /* each Pod's IP, for INC */
    char (*pod_ns)[32];         /* each Pod's Namespace, for INC */
    bool *pod_app1;             /* each Pod's label is app-1 (INC) */
};

static unsigned int seed = 12345;

/* Returns a pseudo-random number. */
static unsigned int
rnd(void)
{
    seed = seed * 1103515245 + 12345;
    return (seed >> 8) & 0xffffff;
}

/* Adds Namespace 'name' labelled app='name'. */
static void
add_ns(struct objects *o, const char *name)
{
    json_t *j = json_pack("{s:{s:s,s:{s:s}}}", "metadata", "name", name,
                          "labels", "app", name);
    char *error;
    struct k8s_namespace *ns = k8s_namespace_from_json(j, &error);

    json_decref(j);
    if (o->n_nss >= o->a_nss) {
        o->nss = x2nrealloc(o->nss, &o->a_nss, sizeof *o->nss);
    }
    o->nss[o->n_nss++] = ns;
}

/* Returns the JSON of Pod 'ns'/'name' labelled 'key'='value' on 'node'
 * with 'ip'. */
static json_t *
pod_json(const char *ns, const char *name, const char *key,
         const char *value, const char *node, const char *ip)
{
    return json_pack("{s:{s:s,s:s,s:s,s:{s:s}},s:{s:s},s:{s:s}}",
                     "metadata", "namespace", ns, "name", name,
                     "uid", name, "labels", key, value,
                     "spec", "nodeName", node, "status", "podIP", ip);
}

/* Adds a Pod (see pod_json()). */
static void
add_pod(struct objects *o, const char *ns, const char *name,
        const char *key, const char *value)
{
    if (o->n_pods >= o->a_pods) {
        o->pods = x2nrealloc(o->pods, &o->a_pods, sizeof *o->pods);
        o->pod_nodes = xrealloc(o->pod_nodes,
                                o->a_pods * sizeof *o->pod_nodes);
        o->pod_ips = xrealloc(o->pod_ips, o->a_pods * sizeof *o->pod_ips);
        o->pod_ns = xrealloc(o->pod_ns, o->a_pods * sizeof *o->pod_ns);
        o->pod_app1 = xrealloc(o->pod_app1,
                               o->a_pods * sizeof *o->pod_app1);
    }

    size_t i = o->n_pods++;
    snprintf(o->pod_nodes[i], sizeof o->pod_nodes[i], "Node-%u",
             rnd() % 1000);
    snprintf(o->pod_ips[i], sizeof o->pod_ips[i], "%u.%u.%u.%u",
             rnd() % 256, rnd() % 256, rnd() % 256, rnd() % 256);
    snprintf(o->pod_ns[i], sizeof o->pod_ns[i], "%s", ns);
    o->pod_app1[i] = !strcmp(key, "app-1");

    json_t *j = pod_json(ns, name, key, value, o->pod_nodes[i],
                         o->pod_ips[i]);
    char *error;
    o->pods[i] = k8s_pod_from_json(j, &error);
    json_decref(j);
}

/* Adds policy 'name' in 'ns' applied to 'key'='value' (or every Pod if
 * 'key' is NULL), with an ingress rule from 'from_key'='from_value' if
 * 'from_key' is set, and policyTypes Ingress and Egress, as Antrea's
 * newNetworkPolicy() does. */
static void
add_np(struct objects *o, const char *ns, const char *name,
       const char *key, const char *value, const char *from_key,
       const char *from_value)
{
    static unsigned long uid;
    char uidbuf[32];
    json_t *sel = json_object();
    if (key) {
        json_object_set_new(sel, "matchLabels",
                            json_pack("{s:s}", key, value));
    }
    snprintf(uidbuf, sizeof uidbuf, "uid-%lu", ++uid);
    json_t *spec = json_pack("{s:o,s:[s,s]}", "podSelector", sel,
                             "policyTypes", "Ingress", "Egress");
    if (from_key) {
        json_object_set_new(
            spec, "ingress",
            json_pack("[{s:[{s:{s:{s:s}}}]}]", "from", "podSelector",
                      "matchLabels", from_key, from_value));
    }
    json_t *j = json_pack("{s:{s:s,s:s,s:s},s:o}", "metadata",
                          "namespace", ns, "name", name, "uid", uidbuf,
                          "spec", spec);
    char *error;
    struct k8s_network_policy *np = k8s_network_policy_from_json(j, &error);
    if (!np) {
        fprintf(stderr, "%s\n", error);
        exit(1);
    }
    json_decref(j);
    if (o->n_nps >= o->a_nps) {
        o->nps = x2nrealloc(o->nps, &o->a_nps, sizeof *o->nps);
    }
    o->nps[o->n_nps++] = np;
}

/* Builds C1's objects. */
static void
build_c1(struct objects *o)
{
    for (int i = 0; i < 25000; i++) {
        char ns[32];
        snprintf(ns, sizeof ns, "ns-%08x-%d", rnd(), i);
        add_ns(o, ns);
        add_np(o, ns, "default-deny-all", NULL, NULL, NULL, NULL);
        add_np(o, ns, "np-1", "app-1", "scale-1", "app-1", "scale-1");
        add_np(o, ns, "np-2", "app-2", "scale-2", "app-2", "scale-2");
        add_pod(o, ns, "pod1", "app-1", "scale-1");
        add_pod(o, ns, "pod2", "app-1", "scale-1");
        add_pod(o, ns, "pod3", "app-2", "scale-2");
        add_pod(o, ns, "pod4", "app-2", "scale-2");
    }
}

/* Builds C2's objects. */
static void
build_c2(struct objects *o)
{
    add_ns(o, "one");
    for (int i = 0; i < 10000; i++) {
        char name[32];
        snprintf(name, sizeof name, "np-%d", i);
        add_np(o, "one", name, "app-1", "scale-1", "app-1", "scale-1");
        snprintf(name, sizeof name, "pod-%d", i);
        add_pod(o, "one", name, "app-1", "scale-1");
    }
}

/* Builds C3's objects. */
static void
build_c3(struct objects *o)
{
    add_ns(o, "one");
    for (int i = 0; i < 5000; i++) {
        char name[32], l1[32], l2[32];
        snprintf(l1, sizeof l1, "scale-%08x-a%d", rnd(), i);
        snprintf(l2, sizeof l2, "scale-%08x-b%d", rnd(), i);
        snprintf(name, sizeof name, "np-a%d", i);
        add_np(o, "one", name, "app", l1, "app", l2);
        snprintf(name, sizeof name, "np-b%d", i);
        add_np(o, "one", name, "app", l2, "app", l1);
        snprintf(name, sizeof name, "pod-a%d", i);
        add_pod(o, "one", name, "app", l1);
        snprintf(name, sizeof name, "pod-b%d", i);
        add_pod(o, "one", name, "app", l2);
    }
}

/* Attaches the bench watchers to 'store'. */
static void
attach_watchers(struct cp_store *store)
{
    for (int r = 0; r < CP_N_RESOURCES; r++) {
        cp_store_watch(store, r, "Node-0", count_frame, NULL, NULL);
        cp_store_watch(store, r, "Node-1", count_frame, NULL, NULL);
    }
}

/* Feeds 'o' into 'e' and flushes. */
static void
feed(struct np_engine *e, struct objects *o)
{
    for (size_t i = 0; i < o->n_nss; i++) {
        np_engine_set_namespace(e, o->nss[i]);
    }
    for (size_t i = 0; i < o->n_pods; i++) {
        np_engine_set_pod(e, o->pods[i]);
    }
    for (size_t i = 0; i < o->n_nps; i++) {
        np_engine_set_policy(e, o->nps[i]);
    }
    np_engine_flush(e);
}

/* Returns the peak RSS in MB. */
static double
peak_rss_mb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

/* Compares doubles for qsort(). */
static int
compare_doubles(const void *a_, const void *b_)
{
    const double *a = a_, *b = b_;

    return *a < *b ? -1 : *a > *b;
}

/* Runs scenario 'name' and prints its figures. */
static void
run(const char *name)
{
    struct objects o = { 0 };
    double t0 = now();

    if (!strcmp(name, "C1") || !strcmp(name, "INC")) {
        build_c1(&o);
    } else if (!strcmp(name, "C2")) {
        build_c2(&o);
    } else if (!strcmp(name, "C3")) {
        build_c3(&o);
    } else {
        fprintf(stderr, "unknown scenario %s\n", name);
        exit(1);
    }
    double t_parse = now() - t0;
    double rss_before = peak_rss_mb();

    struct cp_store *store = cp_store_create();
    struct np_engine *e = np_engine_create(store, NULL, NULL);
    attach_watchers(store);
    n_frames = n_frame_bytes = 0;
    double cpu0 = cpu_time();
    t0 = now();
    feed(e, &o);
    double t_compute = now() - t0;
    double cpu_compute = cpu_time() - cpu0;

    printf("%-4s namespaces %zu pods %zu policies %zu: compute %.3f s "
           "(CPU %.3f s; objects built+parsed from JSON beforehand in "
           "%.3f s, RSS then %.0f MB)\n", name, o.n_nss, o.n_pods, o.n_nps,
           t_compute, cpu_compute, t_parse, rss_before);
    printf("     store: %zu networkpolicies, %zu addressgroups, "
           "%zu appliedtogroups; watcher frames %zu (%zu bytes); "
           "peak RSS %.0f MB\n",
           cp_store_count(store, CP_RESOURCE_NETWORK_POLICIES),
           cp_store_count(store, CP_RESOURCE_ADDRESS_GROUPS),
           cp_store_count(store, CP_RESOURCE_APPLIED_TO_GROUPS),
           n_frames, n_frame_bytes, peak_rss_mb());

    if (!strcmp(name, "INC")) {
        enum { N = 1000 };
        double times[N];
        size_t frames0 = n_frames;
        for (int i = 0; i < N; i++) {
            /* Relabel one Pod of a random Namespace from one policy's
             * selector to the other's. */
            size_t k = rnd() % o.n_pods;
            char pod[16];
            snprintf(pod, sizeof pod, "pod%zu", k % 4 + 1);
            o.pod_app1[k] = !o.pod_app1[k];
            json_t *j = pod_json(o.pod_ns[k], pod,
                                 o.pod_app1[k] ? "app-1" : "app-2",
                                 o.pod_app1[k] ? "scale-1" : "scale-2",
                                 o.pod_nodes[k], o.pod_ips[k]);
            char *error;
            struct k8s_pod *p = k8s_pod_from_json(j, &error);
            json_decref(j);
            t0 = now();
            np_engine_set_pod(e, p);
            np_engine_flush(e);
            times[i] = now() - t0;
        }
        qsort(times, N, sizeof *times, compare_doubles);
        printf("INC  one Pod relabelled at C1 "
               "scale, %d changes, 2 watchers per resource: p50 %.1f us, "
               "p99 %.1f us, max %.1f us; %zu frames to the watchers\n",
               N, times[N / 2] * 1e6, times[N * 99 / 100] * 1e6,
               times[N - 1] * 1e6, n_frames - frames0);
    }
    fflush(stdout);
    /* No teardown: the process exits. */
    _exit(0);
}

int
main(int argc, char *argv[])
{
    const char *all[] = { "C1", "C2", "C3", "INC" };
    const char **names = argc > 1 ? (const char **) argv + 1 : all;
    int n = argc > 1 ? argc - 1 : 4;

    for (int i = 0; i < n; i++) {
        fflush(stdout);
        if (getenv("BENCH_NO_FORK")) {
            /* For profilers that do not follow fork(): the first scenario
             * only, in this process. */
            run(names[i]);
        }
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        } else if (!pid) {
            run(names[i]);
        }
        int status;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status)) {
            fprintf(stderr, "%s failed\n", names[i]);
            return 1;
        }
    }
    return 0;
}
