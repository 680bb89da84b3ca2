/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * antrea-controller: the cluster's NetworkPolicy computer.  It reads its
 * YAML, watches Pods, Namespaces and NetworkPolicies in the Kubernetes API
 * (informers), feeds them to the computation (np-compute.h), which writes
 * the store (cp-store.h), and serves the store to the agents over HTTPS
 * (api-server.h), checking every request with the kube-apiserver
 * (api-auth.h).  One event loop runs it all.  Invalid policies are logged
 * and reported as Kubernetes Events.
 */

#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "antrea/net-util.h"
#include "api-auth.h"
#include "api-server.h"
#include "api-tls.h"
#include "ca-publisher.h"
#include "controller-config.h"
#include "controller-info.h"
#include "controller-metrics.h"
#include "cp-store.h"
#include "diag.h"
#include "event-loop.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "k8s/k8s-informer.h"
#include "k8s/k8s-resource.h"
#include "log.h"
#include "np-compute.h"
#include "status-page.h"
#include "util.h"

LOG_DEFINE_THIS_MODULE(controller);

/* Where Antrea mounts the controller's certificate when selfSignedCert is
 * false (the Secret antrea-controller-tls). */
#define DEFAULT_TLS_DIR "/var/run/antrea/antrea-controller-tls"

/* Where a self-signed certificate is kept across restarts (Antrea's
 * selfSignedCertDir), so that agents that trust it keep trusting the
 * restarted controller. */
#define DEFAULT_SELF_SIGNED_DIR "/var/run/antrea/antrea-controller-self-signed"

/* A kept self-signed certificate older than this is made anew (they are
 * valid for a year). */
#define SELF_SIGNED_MAX_AGE (300 * 24 * 3600)

/* Parsed command line. */
struct controller_options {
    const char *config_file;    /* --config, or NULL for all defaults */
    bool check_config;          /* --check-config */
    const char *bind_address;   /* --bind-address, or NULL for all */
    const char *tls_cert_file;  /* --tls-cert-file */
    const char *tls_key_file;   /* --tls-key-file */
    const char *ca_cert_out;    /* --ca-cert-out, or NULL */
    const char *self_signed_dir; /* --self-signed-cert-dir */
    const char **tls_sans;      /* --tls-san values */
    size_t n_tls_sans;          /* elements in 'tls_sans' */
    size_t allocated_tls_sans;  /* capacity of 'tls_sans' */
};

/* The running controller. */
struct controller {
    struct controller_config *cfg; /* its configuration (not owned) */
    struct event_loop *loop;    /* the one loop */
    struct k8s_client *client;  /* to the kube-apiserver */
    struct cp_store *store;     /* the computed objects */
    struct np_engine *engine;   /* the computation */
    struct api_auth *auth;      /* request checks */
    struct api_server *server;  /* the control-plane API */
    struct controller_info *info; /* AntreaControllerInfo writer */
    struct ca_publisher *ca;    /* ConfigMap antrea-ca writer, or NULL */
    struct controller_metrics *metrics; /* Prometheus metrics */
    struct status_page *status_page; /* the status web page, or NULL */
    struct k8s_informer *namespaces; /* the watched resources */
    struct k8s_informer *pods;
    struct k8s_informer *policies;
    struct event_loop_task *task; /* flushes the engine */
    bool dirty;                 /* the engine has unflushed changes */
    bool ready;                 /* every informer synced once */
    bool failed;                /* stopping because of an error */
    char *hostname;             /* for Events' reportingInstance */
};

/* The API server's span callback (api-server.h): the Nodes whose view
 * holds object 'name' of 'resource', for antctl. */
static const char **
store_span(void *store_, enum cp_resource resource, const char *name,
           size_t *np)
{
    const struct cp_store *store = store_;
    const char **nodes = NULL;
    size_t n = 0, allocated = 0;
    const char *node;

    for (uint32_t id = 0; (node = cp_store_node_name(store, id)); id++) {
        if (cp_store_span_has(store, resource, name, node)) {
            if (n >= allocated) {
                nodes = x2nrealloc(nodes, &allocated, sizeof *nodes);
            }
            nodes[n++] = node;
        }
    }
    *np = n;
    return nodes;
}

/* The status page's view of the controller itself (status-page.h): the
 * API server's controllerinfo. */
static json_t *
status_page_controller_info(void *server_)
{
    return api_server_controller_info(server_);
}

/* Starts the status page of 'c' per its configuration (statusPagePort 0:
 * none).  Returns false, having logged why, if it cannot listen. */
static bool
start_status_page(struct controller *c)
{
    if (!c->cfg->status_page_port) {
        LOG_INFO("status page disabled (statusPagePort: 0)");
        return true;
    }
    struct status_page_params params = {
        .address = c->cfg->status_page_bind_address,
        .port = c->cfg->status_page_port,
        .client = c->client, .store = c->store,
        .controller_info = status_page_controller_info,
        .controller_info_aux = c->server,
    };
    char *error;
    c->status_page = status_page_create(c->loop, &params, &error);
    if (!c->status_page) {
        LOG_ERR("%s (statusPagePort, statusPageBindAddress)", error);
        fprintf(stderr, "antrea-controller: %s (statusPagePort, "
                "statusPageBindAddress)\n", error);
        free(error);
        return false;
    }
    const char *address = c->cfg->status_page_bind_address;
    bool v6 = strchr(address, ':') != NULL;
    LOG_INFO("status page on http://%s%s%s:%d/ (and /status.json)",
             v6 ? "[" : "", address, v6 ? "]" : "",
             status_page_port(c->status_page));
    return true;
}

/* For --check-config: returns where the status page would listen per
 * 'cfg' ("disabled" if statusPagePort is 0) as a malloc'd string, or NULL
 * with a malloc'd message in '*errorp' if statusPageBindAddress is not
 * an IP address. */
static char *
status_page_summary(const struct controller_config *cfg, char **errorp)
{
    const char *address = cfg->status_page_bind_address;
    unsigned char buf[sizeof(struct in6_addr)];
    bool v6 = inet_pton(AF_INET6, address, buf) == 1;

    if (!cfg->status_page_port) {
        return xstrdup("disabled");
    }
    if (!v6 && inet_pton(AF_INET, address, buf) != 1) {
        *errorp = xasprintf("statusPageBindAddress: \"%s\" is not an IPv4 "
                            "or IPv6 address", address);
        return NULL;
    }
    return xasprintf("http://%s%s%s:%d/", v6 ? "[" : "", address,
                     v6 ? "]" : "", cfg->status_page_port);
}

/* Prints the command line's help to 'stream'. */
static void
usage(FILE *stream)
{
    fprintf(stream,
            "usage: antrea-controller [OPTIONS]\n"
            "The antrea-c NetworkPolicy controller.\n"
            "\n"
            "  --config FILE        controller YAML; without it all defaults\n"
            "  --check-config       check the config, print it, and exit\n"
            "  --bind-address ADDR  serve the API on ADDR only (default: "
            "all)\n"
            "  --tls-cert-file FILE certificate when selfSignedCert is "
            "false\n"
            "                       (default " DEFAULT_TLS_DIR "/tls.crt)\n"
            "  --tls-key-file FILE  its key (default " DEFAULT_TLS_DIR
            "/tls.key)\n"
            "  --ca-cert-out FILE   write the self-signed certificate (the "
            "agents'\n"
            "                       CA) to FILE\n"
            "  --self-signed-cert-dir DIR  keeps the self-signed "
            "certificate across\n"
            "                       restarts (default "
            DEFAULT_SELF_SIGNED_DIR ")\n"
            "  --tls-san NAME       one more DNS name or IP for the "
            "self-signed\n"
            "                       certificate (repeatable)\n"
            "  --log-level SPEC     LEVEL or MODULE:LEVEL[,...]\n"
            "  --version            print the version and exit\n"
            "  --help               print this help and exit\n");
}

/* Parses the command line into 'opts'; exits on errors. */
static void
parse_options(int argc, char *argv[], struct controller_options *opts)
{
    enum {
        OPT_CONFIG = 256, OPT_CHECK_CONFIG, OPT_LOG_LEVEL, OPT_VERSION,
        OPT_HELP, OPT_BIND_ADDRESS, OPT_TLS_CERT_FILE, OPT_TLS_KEY_FILE,
        OPT_CA_CERT_OUT, OPT_TLS_SAN, OPT_SELF_SIGNED_DIR,
    };
    static const struct option long_options[] = {
        { "config", required_argument, NULL, OPT_CONFIG },
        { "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
        { "bind-address", required_argument, NULL, OPT_BIND_ADDRESS },
        { "tls-cert-file", required_argument, NULL, OPT_TLS_CERT_FILE },
        { "tls-key-file", required_argument, NULL, OPT_TLS_KEY_FILE },
        { "ca-cert-out", required_argument, NULL, OPT_CA_CERT_OUT },
        { "tls-san", required_argument, NULL, OPT_TLS_SAN },
        { "self-signed-cert-dir", required_argument, NULL,
          OPT_SELF_SIGNED_DIR },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "version", no_argument, NULL, OPT_VERSION },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
    };

    memset(opts, 0, sizeof *opts);
    opts->tls_cert_file = DEFAULT_TLS_DIR "/tls.crt";
    opts->tls_key_file = DEFAULT_TLS_DIR "/tls.key";
    opts->self_signed_dir = DEFAULT_SELF_SIGNED_DIR;
    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_CONFIG:
            opts->config_file = optarg;
            break;
        case OPT_CHECK_CONFIG:
            opts->check_config = true;
            break;
        case OPT_BIND_ADDRESS:
            opts->bind_address = optarg;
            break;
        case OPT_TLS_CERT_FILE:
            opts->tls_cert_file = optarg;
            break;
        case OPT_TLS_KEY_FILE:
            opts->tls_key_file = optarg;
            break;
        case OPT_CA_CERT_OUT:
            opts->ca_cert_out = optarg;
            break;
        case OPT_SELF_SIGNED_DIR:
            opts->self_signed_dir = optarg;
            break;
        case OPT_TLS_SAN:
            if (opts->n_tls_sans >= opts->allocated_tls_sans) {
                opts->tls_sans = x2nrealloc(opts->tls_sans,
                                            &opts->allocated_tls_sans,
                                            sizeof *opts->tls_sans);
            }
            opts->tls_sans[opts->n_tls_sans++] = optarg;
            break;
        case OPT_LOG_LEVEL: {
            char *error = NULL;
            if (log_set_levels(optarg, &error)) {
                fprintf(stderr, "antrea-controller: --log-level: %s\n",
                        error);
                free(error);
                exit(EXIT_FAILURE);
            }
            break;
        }
        case OPT_VERSION:
            printf("antrea-controller (%s) %s\n", PACKAGE_NAME,
                   PACKAGE_VERSION);
            exit(EXIT_SUCCESS);
        case OPT_HELP:
            usage(stdout);
            exit(EXIT_SUCCESS);
        default:
            usage(stderr);
            exit(EXIT_FAILURE);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "antrea-controller: unexpected argument '%s'\n",
                argv[optind]);
        exit(EXIT_FAILURE);
    }
}

/* Posts a Warning Event about NetworkPolicy 'ns'/'name' with 'reason' and
 * 'message' (asynchronously; failures are only logged). */
static void
post_policy_event(struct controller *c, const char *ns, const char *name,
                  const char *reason, const char *message)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);

    json_t *object = c->policies ? k8s_informer_get(c->policies, ns, name)
                                 : NULL;
    const char *uid = NULL;
    if (object) {
        uid = json_string_value(json_object_get(
                                    json_object_get(object, "metadata"),
                                    "uid"));
    }
    json_t *involved = json_pack("{s:s, s:s, s:s, s:s}",
                                 "kind", "NetworkPolicy",
                                 "apiVersion", "networking.k8s.io/v1",
                                 "namespace", ns, "name", name);
    if (uid) {
        json_object_set_new(involved, "uid", json_string(uid));
    }
    char *generate_name = xasprintf("%s.", name);
    json_t *event = json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:o, s:s, s:s, s:s, s:{s:s}, s:s, s:s,"
        " s:i, s:s, s:s}",
        "apiVersion", "v1", "kind", "Event",
        "metadata", "generateName", generate_name, "namespace", ns,
        "involvedObject", involved,
        "reason", reason, "message", message, "type", "Warning",
        "source", "component", "antrea-controller",
        "firstTimestamp", stamp, "lastTimestamp", stamp, "count", 1,
        "reportingComponent", "antrea-controller",
        "reportingInstance", c->hostname);
    free(generate_name);
    if (!event) {
        LOG_WARN("NetworkPolicy %s/%s: cannot build its Event", ns, name);
        return;
    }
    char *path = k8s_resource_path(&k8s_resource_events, ns, NULL, NULL);
    struct k8s_request_args args = {
        .method = "POST", .path = path, .body = event,
    };
    k8s_client_request(c->client, &args);
    free(path);
    json_decref(event);
}

/* The engine found NetworkPolicy 'ns'/'name' invalid. */
static void
policy_invalid(const char *ns, const char *name, const char *error,
               void *c_)
{
    struct controller *c = c_;

    LOG_WARN("NetworkPolicy %s/%s is invalid and not enforced: %s", ns,
             name, error);
    post_policy_event(c, ns, name, "InvalidNetworkPolicy", error);
}

/* Marks the engine of 'c' as having changes to flush. */
static void
mark_dirty(struct controller *c)
{
    c->dirty = true;
    event_loop_immediate_wake(c->loop);
}

/* Returns metadata.namespace and metadata.name of 'object'. */
static void
object_key(const json_t *object, const char **nsp, const char **namep)
{
    const json_t *meta = json_object_get(object, "metadata");
    *nsp = json_string_value(json_object_get(meta, "namespace"));
    *namep = json_string_value(json_object_get(meta, "name"));
}

/* Informer handlers: each change goes to the engine and
 * marks it for a flush. */
static void
namespace_add(json_t *object, void *c_)
{
    struct controller *c = c_;
    np_engine_set_namespace_json(c->engine, object);
    mark_dirty(c);
}

/* A Namespace changed. */
static void
namespace_update(json_t *old, json_t *new, void *c_)
{
    namespace_add(new, c_);
}

/* A Namespace is gone. */
static void
namespace_delete(json_t *object, void *c_)
{
    struct controller *c = c_;
    const char *ns, *name;
    object_key(object, &ns, &name);
    if (name) {
        np_engine_delete_namespace(c->engine, name);
        mark_dirty(c);
    }
}

/* A Pod appeared. */
static void
pod_add(json_t *object, void *c_)
{
    struct controller *c = c_;
    np_engine_set_pod_json(c->engine, object);
    mark_dirty(c);
}

/* A Pod changed. */
static void
pod_update(json_t *old, json_t *new, void *c_)
{
    pod_add(new, c_);
}

/* A Pod is gone. */
static void
pod_delete(json_t *object, void *c_)
{
    struct controller *c = c_;
    const char *ns, *name;
    object_key(object, &ns, &name);
    if (ns && name) {
        np_engine_delete_pod(c->engine, ns, name);
        mark_dirty(c);
    }
}

/* A NetworkPolicy appeared. */
static void
policy_add(json_t *object, void *c_)
{
    struct controller *c = c_;
    np_engine_set_policy_json(c->engine, object);
    controller_metrics_policy_processed(c->metrics);
    mark_dirty(c);
}

/* A NetworkPolicy changed. */
static void
policy_update(json_t *old, json_t *new, void *c_)
{
    policy_add(new, c_);
}

/* A NetworkPolicy is gone. */
static void
policy_delete(json_t *object, void *c_)
{
    struct controller *c = c_;
    const char *ns, *name;
    object_key(object, &ns, &name);
    if (ns && name) {
        np_engine_delete_policy(c->engine, ns, name);
        controller_metrics_policy_processed(c->metrics);
        mark_dirty(c);
    }
}

/* An informer gave up (it retries forever unless told otherwise, so this
 * is unexpected): the controller cannot go on. */
static void
informer_failed(const char *error, void *c_)
{
    struct controller *c = c_;
    LOG_ERR("watching the Kubernetes API failed: %s", error);
    c->failed = true;
    event_loop_stop(c->loop);
}

/* An informer finished its first list. */
static void
informer_synced(void *c_)
{
    mark_dirty(c_);
}

/* The controller's task: flushes the engine's changes into the store, and
 * declares the API ready once every informer has synced. */
static void
controller_run(void *c_)
{
    struct controller *c = c_;

    if (c->dirty) {
        c->dirty = false;
        np_engine_flush(c->engine);
    }
    if (!c->ready && k8s_informer_has_synced(c->namespaces)
        && k8s_informer_has_synced(c->pods)
        && k8s_informer_has_synced(c->policies)) {
        c->ready = true;
        api_server_set_ready(c->server, true);
        LOG_INFO("synced with the Kubernetes API: %zu Namespaces, %zu Pods, "
                 "%zu NetworkPolicies -> %zu internal NetworkPolicies, "
                 "%zu AddressGroups, %zu AppliedToGroups; serving them",
                 k8s_informer_count(c->namespaces),
                 k8s_informer_count(c->pods),
                 k8s_informer_count(c->policies),
                 cp_store_count(c->store, CP_RESOURCE_NETWORK_POLICIES),
                 cp_store_count(c->store, CP_RESOURCE_ADDRESS_GROUPS),
                 cp_store_count(c->store, CP_RESOURCE_APPLIED_TO_GROUPS));
    }
}

/* Returns the names of a self-signed certificate as one string, one name
 * per line (what 'dir'/names records). */
static char *
join_names(const char *const *names, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        len += strlen(names[i]) + 1;
    }
    char *s = xmalloc(len);
    char *p = s;
    for (size_t i = 0; i < n; i++) {
        p = stpcpy(stpcpy(p, names[i]), "\n");
    }
    *p = '\0';
    return s;
}

/* Returns true if the kept certificate's names 'have' (one per line, as
 * join_names() writes them) cover the 'n' 'names' the controller would
 * put in a new one, but for host addresses that appeared since: the
 * Service names, the configured SANs and the host name must all be
 * there; addresses missing from 'have' are only logged.  Agents hold the
 * certificate as their CA, so a new one locks them out until they get it
 * again: an address that came later (say the agent's antrea-gw0 on the
 * controller's Node) is no reason to make one, since agents reach the
 * controller by the Service or the Node IP it had. */
static bool
kept_names_suffice(const char *have, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        bool found = false;
        for (const char *line = have; *line && !found; ) {
            const char *end = strchr(line, '\n');
            size_t line_len = end ? (size_t) (end - line) : strlen(line);
            found = line_len == len && !memcmp(line, names[i], len);
            line = end ? end + 1 : line + line_len;
        }
        if (found) {
            continue;
        }
        struct antrea_ip ip;
        if (!antrea_ip_from_string(names[i], &ip)) {
            return false;
        }
        LOG_INFO("the kept self-signed certificate does not name %s, an "
                 "address that came later; agents that reach the "
                 "controller by it would not trust it (remove the kept "
                 "certificate to make one that does)", names[i]);
    }
    return true;
}

/* Stores in '*certp' and '*keyp' the self-signed certificate kept in 'dir'
 * if it covers 'names' (kept_names_suffice()) and is younger than
 * SELF_SIGNED_MAX_AGE, else a new one, which it keeps there (the key mode
 * 0600).  A directory that cannot be written only costs the next restart
 * a new certificate (logged).  Returns 0 or an errno value with a
 * message. */
static int
self_signed_load_or_generate(const char *dir, const char *const *names,
                             size_t n, char **certp, char **keyp,
                             char **errorp)
{
    char *cert_file = xasprintf("%s/tls.crt", dir);
    char *key_file = xasprintf("%s/tls.key", dir);
    char *names_file = xasprintf("%s/names", dir);
    char *want = join_names(names, n);
    char *have = NULL;
    size_t have_size;
    char *error = NULL;
    struct stat st;
    int retval;

    if (!stat(cert_file, &st) && time(NULL) - st.st_mtime
        < SELF_SIGNED_MAX_AGE
        && !k8s_config_read_file(names_file, 65536, &have, &have_size)
        && kept_names_suffice(have, names, n)
        && !api_tls_load(cert_file, key_file, certp, keyp, &error)) {
        LOG_INFO("self-signed certificate from %s (made %.0f days ago)", dir,
                 difftime(time(NULL), st.st_mtime) / 86400.0);
        retval = 0;
        goto out;
    }
    free(error);
    error = NULL;

    retval = api_tls_generate(names, n, certp, keyp, errorp);
    if (retval) {
        goto out;
    }
    if (mkdir(dir, 0700) && errno != EEXIST) {
        error = xasprintf("creating %s: %s", dir, strerror(errno));
    }
    if (error
        || api_tls_write_file(key_file, *keyp, 0600, &error)
        || api_tls_write_file(cert_file, *certp, 0644, &error)
        || api_tls_write_file(names_file, want, 0644, &error)) {
        LOG_WARN("self-signed certificate not kept (a restart makes a new "
                 "one): %s", error);
    } else {
        LOG_INFO("self-signed certificate made and kept in %s", dir);
    }

out:
    free(error);
    free(have);
    free(want);
    free(names_file);
    free(key_file);
    free(cert_file);
    return retval;
}

/* Prepares the API server's certificate and key per 'cfg' and 'opts' into
 * '*certp' and '*keyp'.  Returns 0 or an errno value, having logged why. */
static int
prepare_tls(const struct controller_config *cfg,
            const struct controller_options *opts, const char *hostname,
            char **certp, char **keyp)
{
    char *error = NULL;
    int retval;

    if (!cfg->self_signed_cert) {
        retval = api_tls_load(opts->tls_cert_file, opts->tls_key_file,
                              certp, keyp, &error);
        if (retval) {
            LOG_ERR("%s (selfSignedCert is false)", error);
            fprintf(stderr, "antrea-controller: %s (selfSignedCert is "
                    "false)\n", error);
            free(error);
            return retval;
        }
        LOG_INFO("TLS certificate from %s", opts->tls_cert_file);
        return 0;
    }

    static const char *const service_names[] = {
        "antrea", "antrea.kube-system", "antrea.kube-system.svc",
        "antrea.kube-system.svc.cluster.local", "localhost",
    };
    char **names = NULL;
    size_t n = 0, allocated = 0;
    for (size_t i = 0; i < ARRAY_SIZE(service_names) + opts->n_tls_sans + 1;
         i++) {
        const char *name = (i < ARRAY_SIZE(service_names)
                            ? service_names[i]
                            : i < ARRAY_SIZE(service_names) + opts->n_tls_sans
                            ? opts->tls_sans[i - ARRAY_SIZE(service_names)]
                            : hostname);
        if (n >= allocated) {
            names = x2nrealloc(names, &allocated, sizeof *names);
        }
        names[n++] = xstrdup(name);
    }
    api_tls_add_host_addresses(&names, &n, &allocated);
    retval = self_signed_load_or_generate(opts->self_signed_dir,
                                          (const char *const *) names, n,
                                          certp, keyp, &error);
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    if (retval) {
        LOG_ERR("%s", error);
        free(error);
        return retval;
    }
    if (opts->ca_cert_out) {
        retval = api_tls_write_pem(opts->ca_cert_out, *certp, &error);
        if (retval) {
            LOG_ERR("--ca-cert-out: %s", error);
            fprintf(stderr, "antrea-controller: --ca-cert-out: %s\n", error);
            free(error);
            free(*certp);
            free(*keyp);
            return retval;
        }
        LOG_INFO("self-signed certificate written to %s for the agents",
                 opts->ca_cert_out);
    } else {
        LOG_WARN("self-signed certificate generated but not published: "
                 "agents cannot verify the API server without "
                 "--ca-cert-out");
    }
    return 0;
}

/* Creates an informer of 'resource' for 'c' with 'add', 'update' and
 * 'del'. */
static struct k8s_informer *
start_informer(struct controller *c, const struct k8s_resource *resource,
               void (*add)(json_t *, void *),
               void (*update)(json_t *, json_t *, void *),
               void (*del)(json_t *, void *))
{
    struct k8s_list_watch_options options = { .page_size = 500 };
    struct k8s_informer_handlers handlers = {
        .add = add, .update = update, .delete = del,
        .synced = informer_synced, .failed = informer_failed,
    };
    struct k8s_informer *informer = k8s_informer_create(
        c->client, resource, &options, &handlers, c);
    k8s_informer_start(informer);
    return informer;
}

/* Runs the controller with 'cfg' and 'opts' until SIGTERM or SIGINT.
 * Returns the exit status. */
static int
run(struct controller_config *cfg, const struct controller_options *opts)
{
    struct controller c = { .cfg = cfg };
    char *error = NULL;
    char *cert = NULL, *key = NULL, *prio = NULL;
    struct k8s_config *k8s_config = NULL;
    int status = EXIT_FAILURE;
    char host[256] = "";

    gethostname(host, sizeof host - 1);
    c.hostname = xstrdup(host[0] ? host : "antrea-controller");
    /* A peer that goes away is an error on its connection, not a signal
     * that kills the controller. */
    signal(SIGPIPE, SIG_IGN);

    c.loop = event_loop_create();
    static const int stop_signals[] = { SIGINT, SIGTERM };
    int retval = event_loop_catch_signals(c.loop, stop_signals,
                                          ARRAY_SIZE(stop_signals));
    if (retval) {
        LOG_ERR("cannot catch signals: %s", strerror(retval));
        goto out;
    }

    prio = api_tls_priorities(cfg->tls_min_version, cfg->tls_cipher_suites,
                              &error);
    if (!prio) {
        LOG_ERR("%s: %s", cfg->file, error);
        fprintf(stderr, "antrea-controller: %s: %s\n", cfg->file, error);
        goto out;
    }
    k8s_config = k8s_config_load(cfg->client_connection.kubeconfig, &error);
    if (!k8s_config) {
        LOG_ERR("%s", error);
        fprintf(stderr, "antrea-controller: %s\n", error);
        goto out;
    }
    if (prepare_tls(cfg, opts, c.hostname, &cert, &key)) {
        goto out;
    }

    c.client = k8s_client_create(k8s_config, c.loop);
    c.store = cp_store_create();
    c.engine = np_engine_create(c.store, policy_invalid, &c);
    c.auth = api_auth_create(c.client, 0, 0);
    /* Prometheus metrics (controller-metrics.h) at /metrics, unless
     * enablePrometheusMetrics is false (404 then). */
    c.metrics = controller_metrics_create(c.store);
    struct api_server_params params = {
        .address = opts->bind_address, .port = cfg->api_port,
        .cert_pem = cert, .key_pem = key, .priorities = prio,
        .version = PACKAGE_VERSION, .span = store_span, .span_aux = c.store,
        .metrics = (cfg->enable_prometheus_metrics
                    ? controller_metrics_registry(c.metrics) : NULL),
    };
    c.server = api_server_create(c.loop, c.store, c.auth, &params, &error);
    if (c.server) {
        controller_metrics_set_server(c.metrics, c.server);
    }
    if (!c.server) {
        LOG_ERR("%s", error);
        fprintf(stderr, "antrea-controller: %s\n", error);
        goto out;
    }
    c.task = event_loop_add_task(c.loop, "controller", controller_run, NULL,
                                 &c);
    /* AntreaControllerInfo (controller-info.h), from the controllerinfo
     * view; the references from the Pod's environment (the manifest's
     * downward API), if any. */
    struct controller_info_params info_params = {
        .pod_namespace = getenv("POD_NAMESPACE"),
        .pod_name = getenv("POD_NAME"),
        .node_name = getenv("NODE_NAME"),
        .service_name = "antrea",
    };
    c.info = controller_info_create(c.client, c.server, c.store,
                                    &info_params);
    /* The CA for the agents (ca-publisher.h): with a self-signed
     * certificate, the certificate; certificates from files come with
     * their CA in the same Secret, which the deployment distributes. */
    if (cfg->self_signed_cert) {
        const char *ns = getenv("POD_NAMESPACE");
        c.ca = ca_publisher_create(c.client, ns && ns[0] ? ns : "kube-system",
                                   cert);
    }
    /* The status web page (status-page.h). */
    if (!start_status_page(&c)) {
        goto out;
    }
    c.namespaces = start_informer(&c, &k8s_resource_namespaces,
                                  namespace_add, namespace_update,
                                  namespace_delete);
    c.pods = start_informer(&c, &k8s_resource_pods, pod_add, pod_update,
                            pod_delete);
    c.policies = start_informer(&c, &k8s_resource_networkpolicies,
                                policy_add, policy_update, policy_delete);
    LOG_INFO("serving the control-plane API (networkpolicies, "
             "addressgroups, appliedtogroups) on https://%s%s%s:%d "
             "(TLS: %s); watching %s",
             opts->bind_address && strchr(opts->bind_address, ':') ? "["
                                                                    : "",
             opts->bind_address ? opts->bind_address : "*",
             opts->bind_address && strchr(opts->bind_address, ':') ? "]"
                                                                   : "",
             api_server_port(c.server), prio, k8s_config->server);

    int signo = event_loop_run(c.loop);
    LOG_INFO("stopping%s%s", signo ? " on signal " : "",
             signo ? strsignal(signo) : "");
    status = c.failed ? EXIT_FAILURE : EXIT_SUCCESS;

out:
    free(error);
    status_page_destroy(c.status_page);
    controller_info_destroy(c.info);
    ca_publisher_destroy(c.ca);
    api_server_destroy(c.server);
    controller_metrics_destroy(c.metrics);
    k8s_informer_destroy(c.policies);
    k8s_informer_destroy(c.pods);
    k8s_informer_destroy(c.namespaces);
    api_auth_destroy(c.auth);
    np_engine_destroy(c.engine);
    cp_store_destroy(c.store);
    k8s_client_destroy(c.client);
    if (c.task) {
        event_loop_remove_task(c.loop, c.task);
    }
    event_loop_destroy(c.loop);
    k8s_config_destroy(k8s_config);
    free(cert);
    if (key) {
        memset(key, 0, strlen(key));
    }
    free(key);
    free(prio);
    free(c.hostname);
    return status;
}

/* Checks the configuration, or runs the controller. */
int
main(int argc, char *argv[])
{
    struct controller_options opts;
    parse_options(argc, argv, &opts);

    struct diag diag = DIAG_INITIALIZER;
    struct controller_config *cfg
        = (opts.config_file
           ? controller_config_load(opts.config_file, &diag)
           : controller_config_parse("(defaults)", "", 0, &diag));
    if (!cfg) {
        for (size_t i = 0; i < diag.n; i++) {
            fprintf(stderr, "antrea-controller: %s\n", diag.msgs[i]);
        }
        fprintf(stderr, "antrea-controller: %s: configuration is not "
                "valid\n", opts.config_file ? opts.config_file
                                            : "(defaults)");
        diag_destroy(&diag);
        return EXIT_FAILURE;
    }

    int status = EXIT_SUCCESS;
    if (opts.check_config) {
        char *error;
        char *prio = api_tls_priorities(cfg->tls_min_version,
                                        cfg->tls_cipher_suites, &error);
        char *page = prio ? status_page_summary(cfg, &error) : NULL;
        if (!prio || !page) {
            fprintf(stderr, "antrea-controller: %s: %s\n", cfg->file, error);
            free(error);
            status = EXIT_FAILURE;
        } else {
            printf("%s: configuration OK\n"
                   "apiPort: %d\n"
                   "selfSignedCert: %s\n"
                   "enablePrometheusMetrics: %s\n"
                   "TLS priorities: %s\n"
                   "status page: %s\n",
                   cfg->file, cfg->api_port,
                   cfg->self_signed_cert ? "true" : "false",
                   cfg->enable_prometheus_metrics ? "true" : "false", prio,
                   page);
        }
        free(page);
        free(prio);
    } else {
        status = run(cfg, &opts);
    }

    controller_config_destroy(cfg);
    diag_destroy(&diag);
    free(opts.tls_sans);
    return status;
}
