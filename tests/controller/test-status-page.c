/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the status page (core/controller/status-page.h): the
 * document gathered from a real store and AntreaAgentInfo /
 * AntreaControllerInfo objects (health, staleness, counts, spans), its
 * HTML (escaping of hostile text, the ids tests rely on, the notice when
 * a CRD is missing), and the listener over loopback: its routes and
 * methods, and its CRD informers against a stand-in kube-apiserver that
 * first answers 404 (the CRD is not installed), then serves the objects,
 * which the page then shows.
 */

#include <config.h>

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controlplane.pb-c.h"
#include "cp-store.h"
#include "event-loop.h"
#include "http-test-server.h"
#include "k8s-test-util.h"
#include "k8s/k8s-client.h"
#include "k8s/k8s-config.h"
#include "status-model.h"
#include "status-page.h"
#include "status-view.h"
#include "util.h"

/* Returns an RFC 3339 time 'ago' seconds before 'now'. */
static char *
stamp(long long now, long long ago)
{
    char buf[32];
    time_t t = (time_t) (now - ago);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(buf);
}

/* Returns an AntreaAgentInfo for Node 'node' whose AgentHealthy is
 * 'healthy' with a heartbeat 'ago' seconds before 'now', 'pods' local
 * Pods and two flow tables holding 'flows' flows between them; if
 * 'ovsdb_message', OVSDBConnectionUp is False with that message. */
static json_t *
agent_info(const char *node, const char *healthy, long long now,
           long long ago, int pods, int flows, const char *ovsdb_message)
{
    char *when = stamp(now, ago);
    json_t *conditions = json_pack(
        "[{s:s, s:s, s:s}, {s:s, s:s, s:s}]",
        "type", "AgentHealthy", "status", healthy,
        "lastHeartbeatTime", when,
        "type", "OVSDBConnectionUp",
        "status", ovsdb_message ? "False" : "True",
        "lastHeartbeatTime", when);
    if (ovsdb_message) {
        json_object_set_new(json_array_get(conditions, 1), "message",
                            json_string(ovsdb_message));
    }
    json_t *info = json_pack(
        "{s:s, s:s, s:{s:s}, s:s, s:{s:s}, s:[s], s:{s:s, s:s, "
        "s:{s:i, s:i}}, s:{s:i, s:i, s:i}, s:i, s:o}",
        "apiVersion", "crd.antrea.io/v1beta1", "kind", "AntreaAgentInfo",
        "metadata", "name", node,
        "version", "v0.1-test",
        "nodeRef", "name", node,
        "nodeSubnets", "10.10.1.0/24",
        "ovsInfo", "version", "3.1.0", "bridgeName", "br-int",
        "flowTable", "Classification", flows - flows / 2,
        "IngressRule", flows / 2,
        "networkPolicyControllerInfo", "networkPolicyNum", 1,
        "addressGroupNum", 1, "appliedToGroupNum", 1,
        "localPodNum", pods,
        "agentConditions", conditions);
    free(when);
    cr_assert_not_null(info);
    return info;
}

/* Returns a healthy AntreaControllerInfo with a heartbeat 'ago' seconds
 * before 'now'. */
static json_t *
controller_info(long long now, long long ago)
{
    char *when = stamp(now, ago);
    json_t *info = json_pack(
        "{s:{s:s}, s:s, s:{s:s}, s:{s:i, s:i, s:i}, s:i, "
        "s:[{s:s, s:s, s:s}]}",
        "metadata", "name", "antrea-controller",
        "version", "v0.1-test", "nodeRef", "name", "cp-node",
        "networkPolicyControllerInfo", "networkPolicyNum", 1,
        "addressGroupNum", 2, "appliedToGroupNum", 3,
        "connectedAgentNum", 2,
        "controllerConditions", "type", "ControllerHealthy",
        "status", "True", "lastHeartbeatTime", when);
    free(when);
    cr_assert_not_null(info);
    return info;
}

/* Puts internal NetworkPolicy 'name' from 'ns'/'policy' into 'store'
 * with one ingress rule and a span of 'nodes'. */
static void
put_policy(struct cp_store *store, const char *name, const char *ns,
           const char *policy, const char *const *nodes, size_t n_nodes)
{
    AntreaCp__ObjectMeta meta = ANTREA_CP__OBJECT_META__INIT;
    AntreaCp__NetworkPolicyReference ref
        = ANTREA_CP__NETWORK_POLICY_REFERENCE__INIT;
    AntreaCp__NetworkPolicyRule rule = ANTREA_CP__NETWORK_POLICY_RULE__INIT;
    AntreaCp__NetworkPolicyRule *rules[] = { &rule };
    AntreaCp__NetworkPolicy np = ANTREA_CP__NETWORK_POLICY__INIT;
    char *groups[] = { (char *) "atg-1" };
    uint32_t span[8];

    meta.name = (char *) name;
    ref.type = ANTREA_CP__NETWORK_POLICY_TYPE__K8S_NETWORK_POLICY;
    ref.namespace_ = (char *) ns;
    ref.name = (char *) policy;
    rule.direction = ANTREA_CP__DIRECTION__IN;
    np.metadata = &meta;
    np.source_ref = &ref;
    np.n_rules = 1;
    np.rules = rules;
    np.n_applied_to_groups = 1;
    np.applied_to_groups = groups;
    cr_assert(n_nodes <= ARRAY_SIZE(span));
    for (size_t i = 0; i < n_nodes; i++) {
        span[i] = cp_store_node_id(store, nodes[i]);
    }
    cr_assert(cp_store_put_network_policy(store, &np, span, n_nodes));
}

/* Returns string member 'key' of 'obj', failing if there is none. */
static const char *
str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    cr_assert_not_null(s, "no string \"%s\"", key);
    return s;
}

/* Returns integer member 'key' of 'obj', failing if there is none. */
static long long
num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    cr_assert(json_is_integer(v), "no integer \"%s\"", key);
    return json_integer_value(v);
}

/* Returns whether array 'problems' has a string containing 'text'. */
static bool
has_problem(const json_t *problems, const char *text)
{
    size_t i;
    const json_t *p;
    json_array_foreach (problems, i, p) {
        if (strstr(json_string_value(p), text)) {
            return true;
        }
    }
    return false;
}

Test(status_model, parses_rfc3339_times)
{
    long long t;
    cr_assert(status_model_parse_time("1970-01-01T00:01:02Z", &t));
    cr_assert_eq(t, 62);
    cr_assert(status_model_parse_time("2026-11-26T20:00:00.123456Z", &t));
    cr_assert_eq(t, 1795723200LL);
    cr_assert_not(status_model_parse_time("2026-11-26T20:00:00", &t));
    cr_assert_not(status_model_parse_time("2026-11-26 20:00:00Z", &t));
    cr_assert_not(status_model_parse_time("2026-13-26T20:00:00Z", &t));
    cr_assert_not(status_model_parse_time("2026-11-26T20:00:00+01:00", &t));
    cr_assert_not(status_model_parse_time("2026-11-26T20:00:00.Z", &t));
    cr_assert_not(status_model_parse_time("", &t));
    cr_assert_not(status_model_parse_time(NULL, &t));
}

Test(status_model, gathers_agents_controller_and_policies)
{
    long long now = 1795723200LL;
    struct cp_store *store = cp_store_create();
    static const char *const span_b[] = { "node-b", "node-a" };
    static const char *const span_c[] = { "node-c" };
    put_policy(store, "uid-2", "web", "allow-db", span_b, 2);
    put_policy(store, "uid-1", "app", "deny-all", span_c, 1);

    json_t *agents = json_object();
    json_object_set_new(agents, "node-b",
                        agent_info("node-b", "False", now, 10, 2, 7,
                                   "cannot connect to ovsdb-server"));
    json_object_set_new(agents, "node-a",
                        agent_info("node-a", "True", now, 20, 3, 10, NULL));
    json_t *controllers = json_object();
    json_object_set_new(controllers, "antrea-controller",
                        controller_info(now, 5));
    json_t *local = json_pack("{s:s, s:{s:i, s:i, s:i}, s:i}",
                              "version", "v9-local",
                              "networkPolicyControllerInfo",
                              "networkPolicyNum", 2, "addressGroupNum", 0,
                              "appliedToGroupNum", 2,
                              "connectedAgentNum", 1);

    struct status_model_input in = {
        .now = now,
        .agent_infos = { .objects = agents, .synced = true },
        .controller_infos = { .objects = controllers, .synced = true },
        .local_controller = local,
        .store = store,
    };
    json_t *model = status_model_build(&in);

    /* Agents, sorted by name, with their counts. */
    const json_t *list = json_object_get(model, "agents");
    cr_assert_eq(json_array_size(list), 2);
    const json_t *a = json_array_get(list, 0);
    const json_t *b = json_array_get(list, 1);
    cr_assert_str_eq(str(a, "node"), "node-a");
    cr_assert_str_eq(str(a, "healthy"), "True");
    cr_assert_eq(num(a, "localPodNum"), 3);
    cr_assert_eq(num(a, "flowCount"), 10);
    cr_assert_eq(num(a, "heartbeatAgeSeconds"), 20);
    cr_assert(json_is_false(json_object_get(a, "stale")));
    cr_assert(json_is_true(json_object_get(a, "ok")));
    cr_assert_str_eq(str(b, "node"), "node-b");
    cr_assert_str_eq(str(b, "healthy"), "False");
    cr_assert_eq(num(b, "flowCount"), 7);
    cr_assert(json_is_false(json_object_get(b, "ok")));

    /* The controller: health from its object, live counts its own. */
    const json_t *c = json_object_get(model, "controller");
    cr_assert_str_eq(str(c, "healthy"), "True");
    cr_assert_str_eq(str(c, "version"), "v9-local");
    cr_assert_str_eq(str(c, "node"), "cp-node");
    cr_assert_eq(num(c, "networkPolicyNum"), 2);
    cr_assert_eq(num(c, "connectedAgentNum"), 1);

    /* Policies sorted by namespace and name, with their spans. */
    list = json_object_get(model, "networkPolicies");
    cr_assert_eq(json_array_size(list), 2);
    const json_t *p = json_array_get(list, 0);
    cr_assert_str_eq(str(p, "namespace"), "app");
    cr_assert_str_eq(str(p, "policyName"), "deny-all");
    cr_assert_str_eq(str(p, "name"), "uid-1");
    cr_assert_eq(num(p, "spanSize"), 1);
    p = json_array_get(list, 1);
    cr_assert_str_eq(str(p, "policyName"), "allow-db");
    cr_assert_eq(num(p, "ingressRules"), 1);
    cr_assert_eq(num(p, "egressRules"), 0);
    const json_t *span = json_object_get(p, "span");
    cr_assert_eq(json_array_size(span), 2);
    bool has_a = false, has_b = false;
    for (size_t i = 0; i < 2; i++) {
        const char *node = json_string_value(json_array_get(span, i));
        has_a |= !strcmp(node, "node-a");
        has_b |= !strcmp(node, "node-b");
    }
    cr_assert(has_a && has_b);
    cr_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(p, "appliedToGroups"), 0)),
                     "atg-1");

    /* Totals and health: node-b is not healthy. */
    const json_t *totals = json_object_get(model, "totals");
    cr_assert_eq(num(totals, "agents"), 2);
    cr_assert_eq(num(totals, "healthyAgents"), 1);
    cr_assert_eq(num(totals, "pods"), 5);
    cr_assert_eq(num(totals, "flows"), 17);
    cr_assert_eq(num(totals, "networkPolicies"), 2);
    const json_t *health = json_object_get(model, "health");
    cr_assert_str_eq(str(health, "status"), "Degraded");
    const json_t *problems = json_object_get(health, "problems");
    cr_assert(has_problem(problems, "node-b: AgentHealthy is False"));
    cr_assert(has_problem(problems, "cannot connect to ovsdb-server"));
    cr_assert_not(has_problem(problems, "node-a"));

    json_decref(model);
    json_decref(local);
    json_decref(agents);
    json_decref(controllers);
    cp_store_destroy(store);
}

Test(status_model, healthy_stale_and_unknown)
{
    long long now = 1795723200LL;
    json_t *agents = json_object();
    json_object_set_new(agents, "n1",
                        agent_info("n1", "True", now, 30, 1, 4, NULL));
    json_t *controllers = json_object();
    json_object_set_new(controllers, "antrea-controller",
                        controller_info(now, 30));
    struct status_model_input in = {
        .now = now,
        .agent_infos = { .objects = agents, .synced = true },
        .controller_infos = { .objects = controllers, .synced = true },
    };

    json_t *model = status_model_build(&in);
    const json_t *health = json_object_get(model, "health");
    cr_assert_str_eq(str(health, "status"), "Healthy");
    cr_assert_eq(json_array_size(json_object_get(health, "problems")), 0);
    json_decref(model);

    /* The same agent, its heartbeat too old. */
    json_object_set_new(agents, "n1",
                        agent_info("n1", "True", now,
                                   STATUS_MODEL_STALE_SECONDS + 1, 1, 4,
                                   NULL));
    model = status_model_build(&in);
    health = json_object_get(model, "health");
    cr_assert_str_eq(str(health, "status"), "Degraded");
    cr_assert(has_problem(json_object_get(health, "problems"),
                          "last heartbeat 181 s ago"));
    cr_assert(json_is_true(json_object_get(
                               json_array_get(json_object_get(model,
                                                              "agents"), 0),
                               "stale")));
    json_decref(model);

    /* The AgentInfo CRD is missing: nothing wrong is known, but health
     * cannot be told. */
    in.agent_infos.objects = NULL;
    in.agent_infos.synced = false;
    in.agent_infos.error = "list failed: HTTP 404 (NotFound): the server "
                           "could not find the requested resource";
    in.agent_infos.retry_in_ms = 4001;
    model = status_model_build(&in);
    health = json_object_get(model, "health");
    cr_assert_str_eq(str(health, "status"), "Unknown");
    cr_assert(has_problem(json_object_get(health, "problems"),
                          "AntreaAgentInfo objects are not available (is "
                          "the CRD installed?)"));
    const json_t *source = json_object_get(json_object_get(model, "sources"),
                                           "antreaagentinfos");
    cr_assert(json_is_false(json_object_get(source, "available")));
    cr_assert(json_is_true(json_object_get(source, "crdMissing")));
    cr_assert_eq(num(source, "retryInSeconds"), 5);
    cr_assert_eq(json_array_size(json_object_get(model, "agents")), 0);
    json_decref(model);

    json_decref(agents);
    json_decref(controllers);
}

Test(status_view, escapes_everything_from_the_cluster)
{
    char *escaped = status_view_escape("<a href=\"x\">'&'</a>");
    cr_assert_str_eq(escaped,
                     "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    free(escaped);

    long long now = time(NULL);
    json_t *agents = json_object();
    json_object_set_new(agents, "evil",
                        agent_info("evil\"><script>alert(1)</script>",
                                   "False", now, 1, 1, 2,
                                   "<img src=x onerror=alert(2)>"));
    struct status_model_input in = {
        .now = now,
        .agent_infos = { .objects = agents, .synced = true },
        .controller_infos = { .synced = false, .error = "HTTP 403 "
                              "(Forbidden): <b>no</b>" },
    };
    json_t *model = status_model_build(&in);
    size_t len;
    char *html = status_view_html(model, 7, &len);
    cr_assert_eq(strlen(html), len);

    cr_assert_null(strstr(html, "<script"), "%s", html);
    cr_assert_null(strstr(html, "<img"), "%s", html);
    cr_assert_null(strstr(html, "<b>no"), "%s", html);
    cr_assert_not_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    cr_assert_not_null(strstr(html, "&lt;img src=x onerror=alert(2)&gt;"));
    cr_assert_not_null(strstr(html, "id=\"agent-evil&quot;&gt;"));
    cr_assert_not_null(strstr(html, "<meta http-equiv=\"refresh\" "
                                    "content=\"7\">"));
    cr_assert_not_null(strstr(html, "id=\"source-antreacontrollerinfos\""));
    cr_assert_not_null(strstr(html, "&lt;b&gt;no&lt;/b&gt;"));
    cr_assert_null(strstr(html, "id=\"source-antreaagentinfos\""));
    free(html);
    json_decref(model);
    json_decref(agents);
}

Test(status_view, renders_ids_counts_and_spans)
{
    long long now = time(NULL);
    struct cp_store *store = cp_store_create();
    static const char *const span[] = { "node-a", "node-b" };
    put_policy(store, "uid-9", "prod", "allow-web", span, 2);
    json_t *agents = json_object();
    json_object_set_new(agents, "node-a",
                        agent_info("node-a", "True", now, 3, 4, 12, NULL));
    struct status_model_input in = {
        .now = now,
        .agent_infos = { .error = "list failed: HTTP 404 (NotFound): the "
                         "server could not find the requested resource",
                         .retry_in_ms = 2000 },
        .controller_infos = { .synced = true },
        .store = store,
    };
    json_t *model = status_model_build(&in);
    char *html = status_view_html(model, 0, NULL);

    cr_assert_null(strstr(html, "http-equiv=\"refresh\""));
    cr_assert_not_null(strstr(html, "<p class=\"warning\" "
                                    "id=\"source-antreaagentinfos\">"));
    cr_assert_not_null(strstr(html, "antreaagentinfos.crd.antrea.io is not "
                                    "installed"));
    cr_assert_not_null(strstr(html, "Retrying in 2 s."));
    cr_assert_not_null(strstr(html, "<tr id=\"policy-prod-allow-web\">"));
    cr_assert_not_null(strstr(html, "<span class=\"span-size\">2</span>: "
                                    "<span class=\"span-node\">node-a"
                                    "</span>, <span class=\"span-node\">"
                                    "node-b</span>"), "%s", html);
    cr_assert_not_null(strstr(html, "Cluster health: <span class=\"Unknown\">"
                                    "Unknown</span>"));
    /* Agents are not shown while they cannot be read. */
    cr_assert_null(strstr(html, "id=\"agent-node-a\""));
    free(html);
    json_decref(model);

    /* Readable now: the agent's row with its counts. */
    in.agent_infos = (struct status_model_source) {
        .objects = agents, .synced = true };
    model = status_model_build(&in);
    html = status_view_html(model, 0, NULL);
    cr_assert_not_null(strstr(html, "<tr id=\"agent-node-a\"><td "
                                    "class=\"node\">node-a</td><td "
                                    "class=\"healthy\"><span class=\"True\">"
                                    "True</span>"), "%s", html);
    cr_assert_not_null(strstr(html, "<td class=\"num pods\">4</td>"));
    cr_assert_not_null(strstr(html, "<td class=\"num flows\">12<details>"));
    cr_assert_not_null(strstr(html, "<span id=\"total-flows\">12</span>"));
    cr_assert_null(strstr(html, "id=\"source-antreaagentinfos\""));
    free(html);
    json_decref(model);
    json_decref(agents);
    cp_store_destroy(store);
}

/* The listener's tests: a stand-in kube-apiserver, the page on the loop,
 * and HTTP requests made from a thread while the loop runs. */

/* Whether the stand-in serves the AntreaAgentInfo CRD yet. */
static atomic_bool crd_installed;

/* The stand-in kube-apiserver: AntreaAgentInfos answer 404 until
 * 'crd_installed', then a list of one; AntreaControllerInfos an empty
 * list; watches are held open and empty. */
static void
apiserver(struct test_http_conn *conn, const struct test_http_request *req,
          void *aux)
{
    static const char not_found[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
        "\"message\":\"the server could not find the requested resource\","
        "\"reason\":\"NotFound\",\"code\":404}";
    char *watch = test_http_request_param(req, "watch");
    bool agents = strstr(req->path, "/antreaagentinfos") != NULL;

    (void) aux;
    if (agents && !atomic_load(&crd_installed)) {
        test_http_send_response(conn, 404, "Content-Type: "
                                "application/json\r\n", not_found,
                                strlen(not_found));
    } else if (watch) {
        replay_hold_empty_watch(conn);
    } else {
        json_t *items = json_array();
        if (agents) {
            json_array_append_new(items, agent_info("node-x", "True",
                                                    time(NULL), 1, 6, 42,
                                                    NULL));
        }
        json_t *list = json_pack("{s:s, s:s, s:{s:s}, s:o}",
                                 "kind", "List", "apiVersion",
                                 "crd.antrea.io/v1beta1", "metadata",
                                 "resourceVersion", "7", "items", items);
        char *body = json_dumps(list, JSON_COMPACT);
        test_http_send_response(conn, 200, "Content-Type: "
                                "application/json\r\n", body, strlen(body));
        free(body);
        json_decref(list);
    }
    free(watch);
}

/* One HTTP request to the page, made by a thread. */
struct fetch {
    char *url;                  /* what to fetch */
    const char *method;         /* "GET", "POST", "HEAD" */
    long status;                /* the answer's status */
    char *body;                 /* its body */
    size_t size;                /* bytes in 'body' */
    char *content_type;         /* its Content-Type */
    atomic_bool done;           /* the thread finished */
};

/* curl's write callback: appends to the fetch's body. */
static size_t
fetch_write(char *data, size_t size, size_t n, void *f_)
{
    struct fetch *f = f_;
    f->body = xrealloc(f->body, f->size + size * n + 1);
    memcpy(f->body + f->size, data, size * n);
    f->size += size * n;
    f->body[f->size] = '\0';
    return size * n;
}

/* The fetching thread. */
static void *
fetch_thread(void *f_)
{
    struct fetch *f = f_;
    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, f->url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, f->method);
    if (!strcmp(f->method, "HEAD")) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) GENEROUS_MSEC);
    if (curl_easy_perform(curl) == CURLE_OK) {
        char *type = NULL;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &f->status);
        curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
        f->content_type = type ? xstrdup(type) : NULL;
    }
    curl_easy_cleanup(curl);
    atomic_store(&f->done, true);
    return NULL;
}

/* Loop condition: the fetch is done. */
static bool
fetch_done(void *f_)
{
    struct fetch *f = f_;
    return atomic_load(&f->done);
}

/* Fetches 'path' of 'page' with 'method' while running 'loop'; the
 * caller frees the answer with fetch_free(). */
static struct fetch *
fetch(struct event_loop *loop, struct status_page *page,
      const char *method, const char *path)
{
    struct fetch *f = xcalloc(1, sizeof *f);
    pthread_t thread;

    f->url = xasprintf("http://127.0.0.1:%d%s", status_page_port(page),
                       path);
    f->method = method;
    cr_assert_eq(pthread_create(&thread, NULL, fetch_thread, f), 0);
    cr_assert(run_loop_until(loop, fetch_done, f, GENEROUS_MSEC),
              "%s %s: no answer", method, path);
    pthread_join(thread, NULL);
    if (!f->body) {
        f->body = xstrdup("");
    }
    return f;
}

/* Frees a fetch. */
static void
fetch_free(struct fetch *f)
{
    free(f->url);
    free(f->body);
    free(f->content_type);
    free(f);
}

/* Loop condition: the page's AntreaAgentInfo source is in the state
 * 'want_' points to (true: available; false: reported failed). */
struct source_wait {
    struct status_page *page;   /* the page */
    bool available;             /* wanted state */
};

/* Returns whether the page's AntreaAgentInfo source is as wanted. */
static bool
source_is(void *w_)
{
    struct source_wait *w = w_;
    json_t *model = status_page_model(w->page);
    const json_t *source = json_object_get(json_object_get(model,
                                                           "sources"),
                                           "antreaagentinfos");
    bool available = json_is_true(json_object_get(source, "available"));
    bool ok = (w->available ? available
               : !available && json_object_get(source, "crdMissing")
                 && json_is_true(json_object_get(source, "crdMissing")));
    json_decref(model);
    return ok;
}

Test(status_page, serves_the_page_and_follows_the_crd)
{
    atomic_store(&crd_installed, false);
    struct test_http_server *server = test_http_server_start(apiserver,
                                                             NULL);
    struct event_loop *loop = event_loop_create();
    char *url = test_http_server_url(server);
    struct k8s_config config = { .server = url, .source = "test" };
    struct k8s_client *client = k8s_client_create(&config, loop);
    struct cp_store *store = cp_store_create();
    static const char *const span[] = { "node-x" };
    put_policy(store, "uid-5", "ns1", "web-<policy>", span, 1);

    struct status_page_params params = {
        .address = "127.0.0.1", .port = 0, .client = client,
        .store = store,
        .retry = { .initial_ms = 50, .max_ms = 200, .jitter = -1 },
    };
    char *error = NULL;
    struct status_page *page = status_page_create(loop, &params, &error);
    cr_assert_not_null(page, "%s", error);
    cr_assert_gt(status_page_port(page), 0);

    /* The CRD is missing: the page says so. */
    struct source_wait missing = { page, false };
    cr_assert(run_loop_until(loop, source_is, &missing, GENEROUS_MSEC),
              "the page never reported the missing CRD");
    struct fetch *f = fetch(loop, page, "GET", "/");
    cr_assert_eq(f->status, 200);
    cr_assert_str_eq(f->content_type, "text/html; charset=utf-8");
    cr_assert_not_null(strstr(f->body, "id=\"source-antreaagentinfos\""));
    cr_assert_not_null(strstr(f->body, "HTTP 404"));
    cr_assert_not_null(strstr(f->body, "web-&lt;policy&gt;"));
    cr_assert_null(strstr(f->body, "web-<policy>"));
    fetch_free(f);

    /* The CRD appears: the informer is restarted and the agent shows. */
    atomic_store(&crd_installed, true);
    struct source_wait back = { page, true };
    cr_assert(run_loop_until(loop, source_is, &back, GENEROUS_MSEC),
              "the page never read the AntreaAgentInfos");
    f = fetch(loop, page, "GET", "/");
    cr_assert_eq(f->status, 200);
    cr_assert_null(strstr(f->body, "id=\"source-antreaagentinfos\""));
    cr_assert_not_null(strstr(f->body, "<tr id=\"agent-node-x\">"));
    cr_assert_not_null(strstr(f->body, "<td class=\"num flows\">42"));
    fetch_free(f);

    /* The same data as JSON. */
    f = fetch(loop, page, "GET", "/status.json");
    cr_assert_eq(f->status, 200);
    cr_assert_str_eq(f->content_type, "application/json");
    json_error_t jerror;
    json_t *model = json_loads(f->body, 0, &jerror);
    cr_assert_not_null(model, "%s", jerror.text);
    const json_t *agent = json_array_get(json_object_get(model, "agents"),
                                         0);
    cr_assert_str_eq(str(agent, "node"), "node-x");
    cr_assert_eq(num(agent, "flowCount"), 42);
    cr_assert_eq(num(agent, "localPodNum"), 6);
    const json_t *policy = json_array_get(
        json_object_get(model, "networkPolicies"), 0);
    cr_assert_str_eq(str(policy, "policyName"), "web-<policy>");
    cr_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(policy, "span"), 0)), "node-x");
    json_decref(model);
    fetch_free(f);

    /* Read-only, and nothing else is served. */
    f = fetch(loop, page, "POST", "/");
    cr_assert_eq(f->status, 405);
    fetch_free(f);
    f = fetch(loop, page, "GET", "/secret");
    cr_assert_eq(f->status, 404);
    fetch_free(f);
    f = fetch(loop, page, "HEAD", "/");
    cr_assert_eq(f->status, 200);
    cr_assert_eq(f->size, 0);
    fetch_free(f);
    f = fetch(loop, page, "GET", "/healthz");
    cr_assert_eq(f->status, 200);
    cr_assert_str_eq(f->body, "ok\n");
    fetch_free(f);

    status_page_destroy(page);
    cp_store_destroy(store);
    k8s_client_destroy(client);
    event_loop_destroy(loop);
    test_http_server_stop(server);
    free(url);
}

Test(status_page, refuses_a_bad_address)
{
    struct event_loop *loop = event_loop_create();
    struct status_page_params params = { .address = "localhost:80",
                                         .port = 0 };
    char *error = NULL;
    struct status_page *page = status_page_create(loop, &params, &error);
    cr_assert_null(page);
    cr_assert_not_null(strstr(error, "status page: bind address "
                                     "\"localhost:80\" is not an IPv4 or "
                                     "IPv6 address"), "%s", error);
    free(error);
    event_loop_destroy(loop);
}
