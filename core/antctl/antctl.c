/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * antctl: the command line over the agent's local API (agent mode, on a
 * Node: agent-api.h) and the controller's API (controller mode: its HTTPS
 * server, reached with a kubeconfig's CA and token).  Antrea's command
 * set: version, get (networkpolicy, appliedtogroup, addressgroup,
 * controllerinfo, agentinfo, podinterface, ovsflows), trace-packet,
 * log-level and supportbundle, printed as tables, JSON or YAML.  Also
 * runs as the kubectl plugin "kubectl antctl" (installed as
 * kubectl-antctl).  docs/antctl.md is the reference.
 */

#include <config.h>

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "antctl-http.h"
#include "k8s/k8s-config.h"
#include "output.h"
#include "util.h"

/* The agent's API socket unless told otherwise (agent-api.h). */
#define DEFAULT_AGENT_SOCKET "/var/run/antrea/antctl.sock"

/* Seconds a request may take unless --timeout says otherwise. */
#define DEFAULT_TIMEOUT 30

/* The controller's paths (api-server.h). */
#define CONTROLLER_PREFIX "/apis/controlplane.antrea.io/v1beta2/"
#define CONTROLLER_INFO_PATH "/controllerinfo"

/* Which component a command talks to. */
enum mode {
    MODE_AUTO,                  /* agent if its socket exists, else
                                   controller */
    MODE_AGENT,
    MODE_CONTROLLER,
};

/* The command line. */
struct options {
    enum output_format format;  /* -o */
    bool format_set;            /* -o was given */
    enum mode mode;             /* --mode */
    const char *kubeconfig;     /* -k */
    const char *server;         /* --server */
    const char *ca;             /* --ca */
    const char *agent_socket;   /* --agent-socket */
    long timeout;               /* --timeout, seconds */
    const char *namespace;      /* -n */
    const char *pod;            /* -p (ovsflows: Pod; trace: port) */
    const char *networkpolicy;  /* --networkpolicy */
    const char *table;          /* -T */
    const char *source;         /* -S */
    const char *destination;    /* -D */
    const char *flow;           /* -f */
    const char *dir;            /* -d (supportbundle) */
    char **args;                /* the command and its operands */
    int n_args;                 /* elements in 'args' */
};

static const char *program_name = "antctl";

/* Prints the help. */
static void
usage(FILE *stream)
{
    fprintf(stream,
"usage: %s [OPTIONS] COMMAND [ARGS]\n"
"antctl: the command line of antrea-c (Antrea's antctl).\n"
"\n"
"Commands:\n"
"  version                              client and server versions\n"
"  get networkpolicy|netpol [NAME]      internal NetworkPolicies\n"
"  get appliedtogroup|atg [NAME]        AppliedToGroups\n"
"  get addressgroup|ag [NAME]           AddressGroups\n"
"  get controllerinfo|ci                the controller (controller mode)\n"
"  get agentinfo|ai                     this Node's agent (agent mode)\n"
"  get podinterface|pi [-n NS] [NAME]   local Pods' interfaces\n"
"  get ovsflows|of [-n NS -p POD | --networkpolicy NAME | -T TABLE]\n"
"  trace-packet [-n NS] [-p PORT] [-S SRC] [-D DST] [-f FLOW]\n"
"                                       ofproto/trace of a packet\n"
"  log-level [LEVEL]                    show or set the log level\n"
"  supportbundle [-d DIR]               write a tarball of the Node's\n"
"                                       logs, config, flows, OVSDB,\n"
"                                       routes and iptables\n"
"\n"
"Options:\n"
"  -o, --output FORMAT    table, json or yaml (default: table for get,\n"
"                         yaml otherwise)\n"
"      --mode MODE        agent or controller (default: agent when the\n"
"                         agent socket exists, else controller)\n"
"      --agent-socket P   the agent's API socket (default\n"
"                         $ANTCTL_AGENT_SOCKET, else %s)\n"
"  -k, --kubeconfig FILE  controller mode: server, CA and token (default\n"
"                         $ANTCTL_KUBECONFIG, $KUBECONFIG, ~/.kube/config)\n"
"      --server URL       controller mode: the controller's URL, e.g.\n"
"                         https://HOST:10349 (default: the kubeconfig's)\n"
"      --ca FILE          controller mode: CA of the controller\n"
"  -t, --timeout SECONDS  bound on each request (default %d)\n"
"  -n, --namespace NS     Pod namespace (default \"default\")\n"
"  -p, --pod POD          ovsflows: the Pod; trace-packet: input port\n"
"                         (a Pod NAME or NS/NAME, or a port name)\n"
"      --networkpolicy N  ovsflows: flows of NetworkPolicy N\n"
"  -T, --table TABLE      ovsflows: one table (number or name)\n"
"  -S, --source SRC       trace-packet: source Pod or IP\n"
"  -D, --destination DST  trace-packet: destination Pod or IP\n"
"  -f, --flow FLOW        trace-packet: more fields, e.g. tcp,tcp_dst=80\n"
"  -d, --dir DIR          supportbundle: where to write (default .)\n"
"  -h, --help             this help\n",
            program_name, DEFAULT_AGENT_SOCKET, DEFAULT_TIMEOUT);
}

/* Prints an error and exits 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
fatal(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: ", program_name);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(EXIT_FAILURE);
}

/* Parses the command line. */
static void
parse_options(int argc, char *argv[], struct options *o)
{
    enum {
        OPT_MODE = 256, OPT_SERVER, OPT_CA, OPT_AGENT_SOCKET,
        OPT_NETWORKPOLICY,
    };
    static const struct option long_options[] = {
        { "output", required_argument, NULL, 'o' },
        { "mode", required_argument, NULL, OPT_MODE },
        { "kubeconfig", required_argument, NULL, 'k' },
        { "server", required_argument, NULL, OPT_SERVER },
        { "ca", required_argument, NULL, OPT_CA },
        { "agent-socket", required_argument, NULL, OPT_AGENT_SOCKET },
        { "timeout", required_argument, NULL, 't' },
        { "namespace", required_argument, NULL, 'n' },
        { "pod", required_argument, NULL, 'p' },
        { "port", required_argument, NULL, 'p' },
        { "networkpolicy", required_argument, NULL, OPT_NETWORKPOLICY },
        { "table", required_argument, NULL, 'T' },
        { "source", required_argument, NULL, 'S' },
        { "destination", required_argument, NULL, 'D' },
        { "flow", required_argument, NULL, 'f' },
        { "dir", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };

    memset(o, 0, sizeof *o);
    o->timeout = DEFAULT_TIMEOUT;
    for (;;) {
        int c = getopt_long(argc, argv, "o:k:t:n:p:T:S:D:f:d:h",
                            long_options, NULL);
        if (c == -1) {
            break;
        }
        char *end;
        switch (c) {
        case 'o':
            if (!output_format_from_string(optarg, &o->format)) {
                fatal("--output \"%s\": expected table, json or yaml",
                      optarg);
            }
            o->format_set = true;
            break;
        case OPT_MODE:
            if (!strcmp(optarg, "agent")) {
                o->mode = MODE_AGENT;
            } else if (!strcmp(optarg, "controller")) {
                o->mode = MODE_CONTROLLER;
            } else {
                fatal("--mode \"%s\": expected agent or controller",
                      optarg);
            }
            break;
        case 'k':
            o->kubeconfig = optarg;
            break;
        case OPT_SERVER:
            o->server = optarg;
            break;
        case OPT_CA:
            o->ca = optarg;
            break;
        case OPT_AGENT_SOCKET:
            o->agent_socket = optarg;
            break;
        case 't':
            o->timeout = strtol(optarg, &end, 10);
            if (*end || o->timeout <= 0 || o->timeout > 3600) {
                fatal("--timeout \"%s\": expected seconds, 1 to 3600",
                      optarg);
            }
            break;
        case 'n':
            o->namespace = optarg;
            break;
        case 'p':
            o->pod = optarg;
            break;
        case OPT_NETWORKPOLICY:
            o->networkpolicy = optarg;
            break;
        case 'T':
            o->table = optarg;
            break;
        case 'S':
            o->source = optarg;
            break;
        case 'D':
            o->destination = optarg;
            break;
        case 'f':
            o->flow = optarg;
            break;
        case 'd':
            o->dir = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(EXIT_SUCCESS);
        default:
            fprintf(stderr, "Try '%s --help'.\n", program_name);
            exit(EXIT_FAILURE);
        }
    }
    o->args = argv + optind;
    o->n_args = argc - optind;
    if (!o->agent_socket) {
        o->agent_socket = getenv("ANTCTL_AGENT_SOCKET");
    }
    if (!o->agent_socket || !o->agent_socket[0]) {
        o->agent_socket = DEFAULT_AGENT_SOCKET;
    }
}

/* The state of one run: options and where requests go. */
struct antctl {
    struct options opts;        /* the command line */
    struct antctl_target target; /* where requests go */
    struct k8s_config *controller; /* controller mode's config */
};

/* Loads the controller's connection settings. */
static struct k8s_config *
load_controller_config(const struct options *o)
{
    const char *file = o->kubeconfig;
    char *home_file = NULL;
    if (!file) {
        file = getenv("ANTCTL_KUBECONFIG");
    }
    if (!file || !file[0]) {
        file = getenv("KUBECONFIG");
    }
    if ((!file || !file[0]) && getenv("HOME")) {
        home_file = xasprintf("%s/.kube/config", getenv("HOME"));
        file = home_file;
    }
    char *error = NULL;
    struct k8s_config *cfg = NULL;
    struct stat st;
    if (file && !stat(file, &st)) {
        cfg = k8s_config_from_kubeconfig(file, NULL, &error);
        if (!cfg) {
            fatal("controller mode: %s", error);
        }
    } else if (!o->server) {
        fatal("controller mode: no kubeconfig (%s) and no --server: give "
              "-k FILE (a kubeconfig whose server is the controller, e.g. "
              "the agents' antreaClientConnection kubeconfig) or --server "
              "URL", file ? file : "none");
    } else {
        cfg = xcalloc(1, sizeof *cfg);
        cfg->source = xstrdup("the command line");
    }
    free(home_file);
    if (o->server) {
        free(cfg->server);
        cfg->server = xstrdup(o->server);
        size_t len = strlen(cfg->server);
        while (len && cfg->server[len - 1] == '/') {
            cfg->server[--len] = '\0';
        }
    }
    if (o->ca) {
        free(cfg->ca_file);
        free(cfg->ca_data);
        cfg->ca_data = NULL;
        cfg->ca_data_size = 0;
        cfg->ca_file = xstrdup(o->ca);
    }
    return cfg;
}

/* Chooses agent or controller mode for a command that 'agent_ok' and
 * 'controller_ok', and sets up the target. */
static void
choose_target(struct antctl *a, const char *command, bool agent_ok,
              bool controller_ok)
{
    struct options *o = &a->opts;
    enum mode mode = o->mode;
    if (mode == MODE_AUTO) {
        struct stat st;
        bool socket_there = (!stat(o->agent_socket, &st)
                             && S_ISSOCK(st.st_mode));
        mode = (!controller_ok || (agent_ok && socket_there
                                   && !o->kubeconfig && !o->server)
                ? MODE_AGENT : MODE_CONTROLLER);
    }
    if (mode == MODE_AGENT && !agent_ok) {
        fatal("%s: only in controller mode (run it where the controller "
              "can be reached, or with --mode controller)", command);
    }
    if (mode == MODE_CONTROLLER && !controller_ok) {
        fatal("%s: only in agent mode (run it on a Node, as root, where "
              "the agent's socket %s is)", command, o->agent_socket);
    }
    a->target.timeout_ms = o->timeout * 1000;
    if (mode == MODE_AGENT) {
        a->target.agent_socket = o->agent_socket;
    } else {
        a->controller = load_controller_config(o);
        a->target.controller = a->controller;
    }
}

/* GETs or PUTs 'path' and returns the parsed JSON answer; exits with a
 * clear message on any failure. */
static json_t *
request_json(struct antctl *a, const char *method, const char *path)
{
    struct antctl_response resp;
    char *error = NULL;
    if (antctl_request(&a->target, method, path, &resp, &error)) {
        fatal("%s", error);
    }
    if (resp.status < 200 || resp.status >= 300) {
        fatal("%s", antctl_error_message(&a->target, &resp));
    }
    json_error_t jerror;
    json_t *obj = json_loadb(resp.body ? resp.body : "", resp.size,
                             JSON_DECODE_ANY, &jerror);
    if (!obj) {
        fatal("%s answered something that is not JSON: %s",
              a->target.agent_socket ? "antrea-agent"
                                     : "antrea-controller", jerror.text);
    }
    free(resp.body);
    return obj;
}

/* Prints 'obj' in the chosen format, tables with 'columns'. */
static void
print(const struct options *o, const json_t *obj,
      const struct output_column *columns, size_t n, bool get)
{
    enum output_format format = (o->format_set ? o->format
                                 : get ? OUTPUT_TABLE : OUTPUT_YAML);
    if (format == OUTPUT_JSON) {
        output_json(stdout, obj);
    } else if (format == OUTPUT_YAML || !columns) {
        output_yaml(stdout, obj);
    } else {
        output_table(stdout, obj, columns, n);
    }
}

/* Table columns of each kind. */
static const struct output_column np_columns[] = {
    { "NAME", "metadata.name" },
    { "NAMESPACE", "sourceRef.namespace" },
    { "SOURCE", "sourceRef.name" },
    { "RULES", "#rules" },
    { "APPLIED-TO", "appliedToGroups" },
    { "SPAN", "spanMeta.nodeNames" },
};
static const struct output_column ag_columns[] = {
    { "NAME", "metadata.name" },
    { "POD-IPS", "groupMembers.ips" },
    { "SPAN", "spanMeta.nodeNames" },
};
static const struct output_column atg_columns[] = {
    { "NAME", "metadata.name" },
    { "PODS", "groupMembers.pod.name" },
    { "SPAN", "spanMeta.nodeNames" },
};
static const struct output_column ci_columns[] = {
    { "VERSION", "version" },
    { "HEALTHY", "controllerConditions.status" },
    { "CONNECTED-AGENTS", "connectedAgentNum" },
    { "NETWORKPOLICIES", "networkPolicyControllerInfo.networkPolicyNum" },
    { "ADDRESSGROUPS", "networkPolicyControllerInfo.addressGroupNum" },
    { "APPLIEDTOGROUPS", "networkPolicyControllerInfo.appliedToGroupNum" },
};
static const struct output_column ai_columns[] = {
    { "NODE", "nodeName" },
    { "SUBNET", "nodeSubnet" },
    { "VERSION", "version" },
    { "BRIDGE", "ovsInfo.bridgeName" },
    { "FLOWS", "ovsInfo.flowNum" },
    { "PODS", "localPodNum" },
    { "NETWORKPOLICIES", "networkPolicyControllerInfo.networkPolicyNum" },
    { "CONTROLLER", "controllerConnection.connected" },
};
static const struct output_column pi_columns[] = {
    { "NAMESPACE", "podNamespace" },
    { "NAME", "podName" },
    { "INTERFACE-NAME", "interfaceName" },
    { "IP", "ips" },
    { "MAC", "mac" },
    { "OF-PORT", "ofPort" },
    { "CONTAINER-ID", "containerID" },
};
static const struct output_column of_columns[] = {
    { "TABLE", "tableName" },
    { "PACKETS", "packets" },
    { "FLOW", "flow" },
};

/* "get networkpolicy|appliedtogroup|addressgroup [NAME]". */
static void
get_policy_objects(struct antctl *a, const char *resource,
                   const struct output_column *columns, size_t n)
{
    struct options *o = &a->opts;
    const char *name = o->n_args > 2 ? o->args[2] : NULL;
    choose_target(a, o->args[1], true, true);
    char *path;
    char *escaped = name ? antctl_escape(name) : NULL;
    if (a->target.agent_socket) {
        path = xasprintf("/%s%s%s", resource, name ? "/" : "",
                         name ? escaped : "");
    } else {
        path = xasprintf(CONTROLLER_PREFIX "%s%s%s", resource,
                         name ? "/" : "", name ? escaped : "");
    }
    free(escaped);
    json_t *obj = request_json(a, "GET", path);
    free(path);
    json_t *items = json_object_get(obj, "items");
    print(o, items ? items : obj, columns, n, true);
    json_decref(obj);
}

/* "get ovsflows". */
static void
get_ovs_flows(struct antctl *a)
{
    struct options *o = &a->opts;
    choose_target(a, "get ovsflows", true, false);
    if ((o->pod != NULL) + (o->networkpolicy != NULL) + (o->table != NULL)
        > 1) {
        fatal("get ovsflows: give at most one of -p POD, --networkpolicy "
              "NAME and -T TABLE");
    }
    char *query;
    if (o->pod) {
        char *ns = antctl_escape(o->namespace ? o->namespace : "default");
        char *pod = antctl_escape(o->pod);
        query = xasprintf("?namespace=%s&pod=%s", ns, pod);
        free(ns);
        free(pod);
    } else if (o->networkpolicy) {
        char *np = antctl_escape(o->networkpolicy);
        query = xasprintf("?networkpolicy=%s", np);
        free(np);
    } else if (o->table) {
        char *table = antctl_escape(o->table);
        query = xasprintf("?table=%s", table);
        free(table);
    } else {
        query = xstrdup("");
    }
    char *path = xasprintf("/ovsflows%s", query);
    json_t *obj = request_json(a, "GET", path);
    print(o, obj, of_columns, ARRAY_SIZE(of_columns), true);
    json_decref(obj);
    free(path);
    free(query);
}

/* "get podinterface [NAME]". */
static void
get_pod_interfaces(struct antctl *a)
{
    struct options *o = &a->opts;
    choose_target(a, "get podinterface", true, false);
    char *query = xstrdup("");
    const char *name = o->n_args > 2 ? o->args[2] : NULL;
    if (o->namespace || name) {
        char *ns = antctl_escape(o->namespace ? o->namespace : "");
        char *pod = antctl_escape(name ? name : "");
        free(query);
        query = xasprintf("?namespace=%s&name=%s", ns, pod);
        free(ns);
        free(pod);
    }
    char *path = xasprintf("/podinterfaces%s", query);
    json_t *obj = request_json(a, "GET", path);
    if (name && !json_array_size(obj)) {
        fatal("get podinterface: no Pod %s in namespace %s on this Node",
              name, o->namespace ? o->namespace : "(any)");
    }
    print(o, obj, pi_columns, ARRAY_SIZE(pi_columns), true);
    json_decref(obj);
    free(path);
    free(query);
}

/* "get KIND ...". */
static void
cmd_get(struct antctl *a)
{
    struct options *o = &a->opts;
    if (o->n_args < 2) {
        fatal("get: name what to get (networkpolicy, appliedtogroup, "
              "addressgroup, controllerinfo, agentinfo, podinterface, "
              "ovsflows)");
    }
    const char *kind = o->args[1];
    if (!strcmp(kind, "networkpolicy") || !strcmp(kind, "netpol")
        || !strcmp(kind, "networkpolicies")) {
        get_policy_objects(a, "networkpolicies", np_columns,
                           ARRAY_SIZE(np_columns));
    } else if (!strcmp(kind, "appliedtogroup") || !strcmp(kind, "atg")
               || !strcmp(kind, "appliedtogroups")) {
        get_policy_objects(a, "appliedtogroups", atg_columns,
                           ARRAY_SIZE(atg_columns));
    } else if (!strcmp(kind, "addressgroup") || !strcmp(kind, "ag")
               || !strcmp(kind, "addressgroups")) {
        get_policy_objects(a, "addressgroups", ag_columns,
                           ARRAY_SIZE(ag_columns));
    } else if (!strcmp(kind, "controllerinfo") || !strcmp(kind, "ci")) {
        choose_target(a, "get controllerinfo", false, true);
        json_t *obj = request_json(a, "GET", CONTROLLER_INFO_PATH);
        print(o, obj, ci_columns, ARRAY_SIZE(ci_columns), true);
        json_decref(obj);
    } else if (!strcmp(kind, "agentinfo") || !strcmp(kind, "ai")) {
        choose_target(a, "get agentinfo", true, false);
        json_t *obj = request_json(a, "GET", "/agentinfo");
        print(o, obj, ai_columns, ARRAY_SIZE(ai_columns), true);
        json_decref(obj);
    } else if (!strcmp(kind, "podinterface") || !strcmp(kind, "pi")
               || !strcmp(kind, "podinterfaces")) {
        get_pod_interfaces(a);
    } else if (!strcmp(kind, "ovsflows") || !strcmp(kind, "of")) {
        get_ovs_flows(a);
    } else {
        fatal("get: unknown resource \"%s\" (expected networkpolicy, "
              "appliedtogroup, addressgroup, controllerinfo, agentinfo, "
              "podinterface or ovsflows)", kind);
    }
}

/* "version". */
static void
cmd_version(struct antctl *a)
{
    struct options *o = &a->opts;
    choose_target(a, "version", true, true);
    json_t *versions = json_pack("{s:s}", "antctlVersion", PACKAGE_VERSION);
    struct antctl_response resp;
    char *error = NULL;
    const char *key;
    const char *path;
    if (a->target.agent_socket) {
        key = "agentVersion";
        path = "/agentinfo";
    } else {
        key = "controllerVersion";
        path = CONTROLLER_INFO_PATH;
    }
    int status = EXIT_SUCCESS;
    if (antctl_request(&a->target, "GET", path, &resp, &error)) {
        status = EXIT_FAILURE;
    } else if (resp.status != 200) {
        error = antctl_error_message(&a->target, &resp);
        status = EXIT_FAILURE;
    } else {
        json_t *obj = json_loadb(resp.body, resp.size, 0, NULL);
        const char *v = json_string_value(json_object_get(obj, "version"));
        json_object_set_new(versions, key, json_string(v ? v : "unknown"));
        json_decref(obj);
    }
    free(resp.body);
    print(o, versions, NULL, 0, false);
    json_decref(versions);
    if (error) {
        fatal("%s", error);
    }
    exit(status);
}

/* "log-level [LEVEL]". */
static void
cmd_log_level(struct antctl *a)
{
    struct options *o = &a->opts;
    choose_target(a, "log-level", true, false);
    char *path;
    const char *method = "GET";
    if (o->n_args > 1) {
        char *level = antctl_escape(o->args[1]);
        path = xasprintf("/loglevel?level=%s", level);
        free(level);
        method = "PUT";
    } else {
        path = xstrdup("/loglevel");
    }
    json_t *obj = request_json(a, method, path);
    free(path);
    if (!o->format_set || o->format == OUTPUT_TABLE) {
        printf("%s\n", json_string_value(json_object_get(obj, "level")));
    } else {
        print(o, obj, NULL, 0, false);
    }
    json_decref(obj);
}

/* "trace-packet". */
static void
cmd_trace_packet(struct antctl *a)
{
    struct options *o = &a->opts;
    choose_target(a, "trace-packet", true, false);
    const char *ns = o->namespace ? o->namespace : "default";
    struct {
        const char *key;
        const char *value;
        bool pod;               /* a bare NAME is a Pod of -n */
    } params[] = {
        { "port", o->pod, true }, { "source", o->source, true },
        { "destination", o->destination, true }, { "flow", o->flow, false },
    };
    char *query = xstrdup("");
    for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
        if (!params[i].value) {
            continue;
        }
        /* A bare word that is no IP is a Pod name in -n's namespace, but
         * for --port it may be a port name: the agent tells. */
        char *value;
        bool word = (!strchr(params[i].value, '/')
                     && !strchr(params[i].value, '.')
                     && !strchr(params[i].value, ':'));
        if (params[i].pod && word && (strcmp(params[i].key, "port")
                                      || o->namespace)) {
            value = xasprintf("%s/%s", ns, params[i].value);
        } else {
            value = xstrdup(params[i].value);
        }
        char *escaped = antctl_escape(value);
        char *next = xasprintf("%s%c%s=%s", query, query[0] ? '&' : '?',
                               params[i].key, escaped);
        free(query);
        free(escaped);
        free(value);
        query = next;
    }
    char *path = xasprintf("/ovstracing%s", query);
    json_t *obj = request_json(a, "GET", path);
    if (!o->format_set || o->format == OUTPUT_TABLE) {
        printf("%s", json_string_value(json_object_get(obj, "result")));
    } else {
        print(o, obj, NULL, 0, false);
    }
    json_decref(obj);
    free(path);
    free(query);
}

/* "supportbundle". */
static void
cmd_support_bundle(struct antctl *a)
{
    struct options *o = &a->opts;
    choose_target(a, "supportbundle", true, false);
    if (o->timeout == DEFAULT_TIMEOUT) {
        a->target.timeout_ms = 120 * 1000;  /* the commands take time */
    }
    json_t *info = request_json(a, "GET", "/agentinfo");
    const char *node = json_string_value(json_object_get(info, "nodeName"));
    char *file = xasprintf("%s/agent-%s-supportbundle.tar",
                           o->dir ? o->dir : ".", node ? node : "unknown");
    json_decref(info);

    struct antctl_response resp;
    char *error = NULL;
    if (antctl_request(&a->target, "GET", "/supportbundle", &resp,
                       &error)) {
        fatal("%s", error);
    }
    if (resp.status != 200) {
        fatal("%s", antctl_error_message(&a->target, &resp));
    }
    FILE *f = fopen(file, "wb");
    if (!f || fwrite(resp.body, 1, resp.size, f) != resp.size
        || fclose(f)) {
        fatal("supportbundle: cannot write %s: %s", file, strerror(errno));
    }
    free(resp.body);
    json_t *obj = json_pack("{s:s}", "file", file);
    if (!o->format_set || o->format == OUTPUT_TABLE) {
        printf("support bundle written to %s\n", file);
    } else {
        print(o, obj, NULL, 0, false);
    }
    json_decref(obj);
    free(file);
}

int
main(int argc, char *argv[])
{
    const char *slash = strrchr(argv[0], '/');
    program_name = slash ? slash + 1 : argv[0];
    if (!strcmp(program_name, "kubectl-antctl")) {
        program_name = "kubectl antctl";
    }

    struct antctl a;
    memset(&a, 0, sizeof a);
    parse_options(argc, argv, &a.opts);
    if (!a.opts.n_args) {
        usage(stderr);
        return EXIT_FAILURE;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);

    const char *command = a.opts.args[0];
    if (!strcmp(command, "get")) {
        cmd_get(&a);
    } else if (!strcmp(command, "version")) {
        cmd_version(&a);
    } else if (!strcmp(command, "log-level")) {
        cmd_log_level(&a);
    } else if (!strcmp(command, "trace-packet")) {
        cmd_trace_packet(&a);
    } else if (!strcmp(command, "supportbundle")) {
        cmd_support_bundle(&a);
    } else if (!strcmp(command, "help")) {
        usage(stdout);
    } else {
        fatal("unknown command \"%s\" (try --help)", command);
    }
    k8s_config_destroy(a.controller);
    curl_global_cleanup();
    return EXIT_SUCCESS;
}
