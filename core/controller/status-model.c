/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Gathering the status page's document (status-model.h) from the CRD
 * informers' caches, the controller's own information and the store.
 */

#include <config.h>

#include "status-model.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "controlplane.pb-c.h"
#include "cp-store.h"
#include "util.h"

/* Parses RFC 3339 UTC time 'text' (status-model.h). */
bool
status_model_parse_time(const char *text, long long *secondsp)
{
    struct tm tm;
    int n = 0;

    if (!text) {
        return false;
    }
    memset(&tm, 0, sizeof tm);
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6
        || n != 19) {
        return false;
    }
    const char *p = text + n;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') {
            return false;
        }
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (strcmp(p, "Z") || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1
        || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59
        || tm.tm_sec > 60) {
        return false;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *secondsp = (long long) timegm(&tm);
    return true;
}

/* Compares two strings for qsort. */
static int
compare_strings(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;
    return strcmp(*a, *b);
}

/* Returns the keys of 'objects' sorted, in a malloc'd array (the strings
 * are borrowed from 'objects'), their number in '*np'. */
static const char **
sorted_keys(const json_t *objects, size_t *np)
{
    size_t n = json_object_size(objects);
    const char **keys = xcalloc(n ? n : 1, sizeof *keys);
    const char *key;
    json_t *value;
    size_t i = 0;

    json_object_foreach (CONST_CAST(json_t *, objects), key, value) {
        keys[i++] = key;
    }
    qsort(keys, i, sizeof *keys, compare_strings);
    *np = i;
    return keys;
}

/* Returns the string member 'key' of 'obj', or NULL. */
static const char *
get_string(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Copies integer member 'key' of 'from' to 'to' (null if absent). */
static void
copy_integer(json_t *to, const json_t *from, const char *key)
{
    const json_t *value = json_object_get(from, key);
    json_object_set_new(to, key, (json_is_integer(value)
                                  ? json_integer(json_integer_value(value))
                                  : json_null()));
}

/* Returns the condition of 'type' in the array 'conditions', or NULL. */
static const json_t *
find_condition(const json_t *conditions, const char *type)
{
    size_t i;
    const json_t *c;

    json_array_foreach (conditions, i, c) {
        const char *t = get_string(c, "type");
        if (t && !strcmp(t, type)) {
            return c;
        }
    }
    return NULL;
}

/* Adds to 'entry' the health of a component per its 'conditions' (an
 * array, may be NULL), whose overall condition is 'main_type': "healthy"
 * (its status, or "Unknown"), "lastHeartbeatTime", "heartbeatAgeSeconds"
 * (null if unknown), "stale", and a clean copy of every condition.  Adds
 * a line to 'problems' (an array) for each thing wrong, prefixed with
 * 'who'.  Returns true if the component is healthy. */
static bool
add_health(json_t *entry, const json_t *conditions, const char *main_type,
           long long now, const char *who, json_t *problems)
{
    const json_t *main = find_condition(conditions, main_type);
    const char *status = main ? get_string(main, "status") : NULL;
    const char *heartbeat = main ? get_string(main, "lastHeartbeatTime")
                                 : NULL;
    long long when;
    bool healthy = true;

    json_object_set_new(entry, "healthy",
                        json_string(status ? status : "Unknown"));
    json_object_set_new(entry, "lastHeartbeatTime",
                        heartbeat ? json_string(heartbeat) : json_null());
    bool known = status_model_parse_time(heartbeat, &when);
    long long age = known ? now - when : 0;
    bool stale = !known || age > STATUS_MODEL_STALE_SECONDS;
    json_object_set_new(entry, "heartbeatAgeSeconds",
                        known ? json_integer(age) : json_null());
    json_object_set_new(entry, "stale", json_boolean(stale));

    if (!status || strcmp(status, "True")) {
        json_array_append_new(problems, json_sprintf(
                                  "%s: %s is %s", who, main_type,
                                  status ? status : "not reported"));
        healthy = false;
    }
    if (stale && main) {
        json_array_append_new(problems, known
                              ? json_sprintf("%s: last heartbeat %lld s "
                                             "ago (more than %d s)", who,
                                             age, STATUS_MODEL_STALE_SECONDS)
                              : json_sprintf("%s: no valid heartbeat "
                                             "time", who));
        healthy = false;
    }

    json_t *list = json_array();
    size_t i;
    const json_t *c;
    json_array_foreach (conditions, i, c) {
        const char *type = get_string(c, "type");
        const char *cstatus = get_string(c, "status");
        if (!type) {
            continue;
        }
        json_t *copy = json_pack("{s:s, s:s}", "type", type, "status",
                                 cstatus ? cstatus : "Unknown");
        const char *fields[] = { "reason", "message", "lastHeartbeatTime" };
        for (size_t j = 0; j < ARRAY_SIZE(fields); j++) {
            const char *v = get_string(c, fields[j]);
            if (v) {
                json_object_set_new(copy, fields[j], json_string(v));
            }
        }
        json_array_append_new(list, copy);
        if (c != main && (!cstatus || strcmp(cstatus, "True"))) {
            const char *message = get_string(c, "message");
            json_array_append_new(problems, json_sprintf(
                                      "%s: %s is %s%s%s", who, type,
                                      cstatus ? cstatus : "not reported",
                                      message ? ": " : "",
                                      message ? message : ""));
            healthy = false;
        }
    }
    json_object_set_new(entry, "conditions", list);
    return healthy;
}

/* Returns the sum of the integers in object 'flow_table' (its table
 * name -> count), or -1 if there is no such object. */
static long long
sum_flows(const json_t *flow_table)
{
    const char *key;
    json_t *value;
    long long sum = 0;

    if (!json_is_object(flow_table)) {
        return -1;
    }
    json_object_foreach (CONST_CAST(json_t *, flow_table), key, value) {
        if (json_is_integer(value)) {
            sum += json_integer_value(value);
        }
    }
    return sum;
}

/* Returns the model of AntreaAgentInfo 'info' named 'name', adding its
 * problems to 'problems' and its counts to 'totals'. */
static json_t *
agent_entry(const char *name, const json_t *info, long long now,
            json_t *problems, long long totals[3])
{
    json_t *entry = json_object();
    const json_t *node_ref = json_object_get(info, "nodeRef");
    const json_t *ovs = json_object_get(info, "ovsInfo");
    const json_t *np = json_object_get(info,
                                       "networkPolicyControllerInfo");
    const char *node = get_string(node_ref, "name");
    const char *version = get_string(info, "version");

    json_object_set_new(entry, "name", json_string(name));
    json_object_set_new(entry, "node", json_string(node ? node : name));
    json_object_set_new(entry, "version",
                        version ? json_string(version) : json_null());
    char *who = xasprintf("agent on Node %s", node ? node : name);
    bool healthy = add_health(entry,
                              json_object_get(info, "agentConditions"),
                              "AgentHealthy", now, who, problems);
    free(who);
    json_object_set_new(entry, "ok", json_boolean(healthy));

    copy_integer(entry, info, "localPodNum");
    long long flows = sum_flows(json_object_get(ovs, "flowTable"));
    json_object_set_new(entry, "flowCount",
                        flows >= 0 ? json_integer(flows) : json_null());
    const json_t *tables = json_object_get(ovs, "flowTable");
    json_object_set_new(entry, "flowTable", json_is_object(tables)
                        ? json_deep_copy(tables) : json_object());
    const char *ovs_version = get_string(ovs, "version");
    json_object_set_new(entry, "ovsVersion", ovs_version
                        ? json_string(ovs_version) : json_null());
    copy_integer(entry, np, "networkPolicyNum");
    copy_integer(entry, np, "addressGroupNum");
    copy_integer(entry, np, "appliedToGroupNum");

    json_t *subnets = json_array();
    const json_t *s = json_object_get(info, "nodeSubnets");
    size_t i;
    const json_t *subnet;
    json_array_foreach (s, i, subnet) {
        if (json_is_string(subnet)) {
            json_array_append_new(subnets,
                                  json_string(json_string_value(subnet)));
        }
    }
    json_object_set_new(entry, "nodeSubnets", subnets);

    totals[0] += healthy;
    const json_t *pods = json_object_get(info, "localPodNum");
    totals[1] += json_is_integer(pods) ? json_integer_value(pods) : 0;
    totals[2] += flows > 0 ? flows : 0;
    return entry;
}

/* Returns the model of the controller from its AntreaControllerInfo
 * 'crd' (may be NULL) and its own information 'local' (may be NULL),
 * adding its problems to 'problems'. */
static json_t *
controller_entry(const json_t *crd, const json_t *local, long long now,
                 json_t *problems)
{
    json_t *entry = json_object();
    const char *version = get_string(local, "version");
    if (!version || !version[0]) {
        version = get_string(crd, "version");
    }

    json_object_set_new(entry, "name", json_string("antrea-controller"));
    json_object_set_new(entry, "reported", json_boolean(crd != NULL));
    json_object_set_new(entry, "version",
                        version ? json_string(version) : json_null());
    if (crd) {
        add_health(entry, json_object_get(crd, "controllerConditions"),
                   "ControllerHealthy", now, "controller", problems);
        const char *node = get_string(json_object_get(crd, "nodeRef"),
                                      "name");
        json_object_set_new(entry, "node",
                            node ? json_string(node) : json_null());
    } else {
        /* No object (yet): its own conditions say how it is; they carry
         * no heartbeat, being live. */
        json_t *ignored = json_array();
        add_health(entry, json_object_get(local, "controllerConditions"),
                   "ControllerHealthy", now, "controller", ignored);
        json_decref(ignored);
        json_object_set_new(entry, "stale", json_false());
        json_object_set_new(entry, "node", json_null());
    }

    /* The live counts are the controller's own; the object's are up to
     * a minute old. */
    const json_t *counts = json_object_get(local ? local : crd,
                                           "networkPolicyControllerInfo");
    copy_integer(entry, counts, "networkPolicyNum");
    copy_integer(entry, counts, "addressGroupNum");
    copy_integer(entry, counts, "appliedToGroupNum");
    copy_integer(entry, local ? local : crd, "connectedAgentNum");
    return entry;
}

/* Returns the model of one source of CRD objects. */
static json_t *
source_entry(const char *kind, const struct status_model_source *source,
             json_t *problems)
{
    json_t *entry = json_pack("{s:s, s:b}", "kind", kind, "available",
                              source->synced);
    if (!source->synced) {
        const char *error = source->error ? source->error
                                          : "not listed yet";
        bool absent = strstr(error, "HTTP 404") != NULL;
        json_object_set_new(entry, "error", json_string(error));
        json_object_set_new(entry, "crdMissing", json_boolean(absent));
        json_object_set_new(entry, "retryInSeconds", json_integer(
                                (source->retry_in_ms + 999) / 1000));
        json_array_append_new(problems, json_sprintf(
                                  "%s objects are not available%s: %s",
                                  kind, absent ? " (is the CRD installed?)"
                                  : "", error));
    }
    return entry;
}

/* Returns the spans of internal NetworkPolicy 'name' in 'store' as an
 * array of Node names. */
static json_t *
policy_span(const struct cp_store *store, const char *name)
{
    json_t *span = json_array();
    const char *node;

    for (uint32_t id = 0; (node = cp_store_node_name(store, id)); id++) {
        if (cp_store_span_has(store, CP_RESOURCE_NETWORK_POLICIES, name,
                              node)) {
            json_array_append_new(span, json_string(node));
        }
    }
    return span;
}

/* Compares two policy entries by namespace, then name, for sorting. */
static int
compare_policies(const void *a_, const void *b_)
{
    json_t *const *a = a_;
    json_t *const *b = b_;
    int cmp = strcmp(get_string(*a, "namespace"),
                     get_string(*b, "namespace"));
    return cmp ? cmp : strcmp(get_string(*a, "policyName"),
                              get_string(*b, "policyName"));
}

/* Returns the model of the policies in 'store': one entry per internal
 * NetworkPolicy, sorted by its source's namespace and name. */
static json_t *
policy_entries(struct cp_store *store, json_t *problems)
{
    size_t size;
    uint8_t *data = cp_store_list(store, CP_RESOURCE_NETWORK_POLICIES, NULL,
                                  &size);
    AntreaCp__NetworkPolicyList *list
        = antrea_cp__network_policy_list__unpack(NULL, size, data);
    free(data);
    json_t *policies = json_array();
    if (!list) {
        json_array_append_new(problems, json_string(
                                  "the controller's NetworkPolicy list does "
                                  "not decode"));
        return policies;
    }

    json_t **entries = xcalloc(list->n_items ? list->n_items : 1,
                               sizeof *entries);
    size_t n = 0;
    for (size_t i = 0; i < list->n_items; i++) {
        const AntreaCp__NetworkPolicy *np = list->items[i];
        const char *name = np->metadata ? np->metadata->name : NULL;
        if (!name) {
            continue;
        }
        const AntreaCp__NetworkPolicyReference *ref = np->source_ref;
        size_t ingress = 0, egress = 0;
        for (size_t j = 0; j < np->n_rules; j++) {
            if (np->rules[j]->direction == ANTREA_CP__DIRECTION__OUT) {
                egress++;
            } else {
                ingress++;
            }
        }
        json_t *groups = json_array();
        for (size_t j = 0; j < np->n_applied_to_groups; j++) {
            json_array_append_new(groups,
                                  json_string(np->applied_to_groups[j]));
        }
        json_t *span = policy_span(store, name);
        entries[n++] = json_pack(
            "{s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:I, s:o}",
            "name", name,
            "type", "K8sNetworkPolicy",
            "namespace", ref && ref->namespace_ ? ref->namespace_ : "",
            "policyName", ref && ref->name ? ref->name : name,
            "ingressRules", (json_int_t) ingress,
            "egressRules", (json_int_t) egress,
            "appliedToGroups", groups,
            "spanSize", (json_int_t) json_array_size(span),
            "span", span);
    }
    qsort(entries, n, sizeof *entries, compare_policies);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(policies, entries[i]);
    }
    free(entries);
    antrea_cp__network_policy_list__free_unpacked(list, NULL);
    return policies;
}

/* Gathers the status document from 'in' (status-model.h). */
json_t *
status_model_build(const struct status_model_input *in)
{
    json_t *problems = json_array();
    json_t *model = json_object();
    char stamp[32];
    time_t now = (time_t) in->now;
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(model, "generatedAt", json_string(stamp));

    /* Where the data comes from. */
    json_object_set_new(model, "sources", json_pack(
                            "{s:o, s:o}",
                            "antreaagentinfos",
                            source_entry("AntreaAgentInfo",
                                         &in->agent_infos, problems),
                            "antreacontrollerinfos",
                            source_entry("AntreaControllerInfo",
                                         &in->controller_infos,
                                         problems)));
    bool sources_ok = in->agent_infos.synced && in->controller_infos.synced;

    /* The controller. */
    size_t n;
    const json_t *crd = NULL;
    const char **keys = sorted_keys(in->controller_infos.objects, &n);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(keys[i], "antrea-controller")) {
            crd = json_object_get(in->controller_infos.objects, keys[i]);
        }
    }
    free(keys);
    size_t n_problems = json_array_size(problems);
    json_object_set_new(model, "controller",
                        controller_entry(crd, in->local_controller, in->now,
                                         problems));
    bool degraded = json_array_size(problems) > n_problems;
    if (!crd && in->controller_infos.synced) {
        /* Not written yet (it is, soon after the controller starts). */
        json_array_append_new(problems, json_string(
                                  "controller: no AntreaControllerInfo "
                                  "\"antrea-controller\" yet"));
    }

    /* The agents. */
    long long totals[3] = { 0, 0, 0 };  /* healthy, Pods, flows */
    json_t *agents = json_array();
    keys = sorted_keys(in->agent_infos.objects, &n);
    n_problems = json_array_size(problems);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(agents, agent_entry(
                                  keys[i], json_object_get(
                                      in->agent_infos.objects, keys[i]),
                                  in->now, problems, totals));
    }
    free(keys);
    degraded |= json_array_size(problems) > n_problems;
    json_object_set_new(model, "agents", agents);
    if (!n && in->agent_infos.synced) {
        json_array_append_new(problems, json_string(
                                  "no agent has reported (no "
                                  "AntreaAgentInfo objects)"));
    }

    /* The policies. */
    json_t *policies = (in->store ? policy_entries(in->store, problems)
                        : json_array());
    json_object_set_new(model, "networkPolicies", policies);

    json_object_set_new(model, "totals", json_pack(
                            "{s:I, s:I, s:I, s:I, s:I}",
                            "agents", (json_int_t) n,
                            "healthyAgents", (json_int_t) totals[0],
                            "pods", (json_int_t) totals[1],
                            "flows", (json_int_t) totals[2],
                            "networkPolicies",
                            (json_int_t) json_array_size(policies)));

    /* Degraded: something reported is wrong.  Unknown: nothing is known
     * to be wrong, but not everything could be read. */
    const char *health = (degraded ? "Degraded"
                          : json_array_size(problems) || !sources_ok
                          ? "Unknown" : "Healthy");
    json_object_set_new(model, "health", json_pack(
                            "{s:s, s:o}", "status", health,
                            "problems", problems));
    return model;
}
