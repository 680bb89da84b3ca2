/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Rendering the status document as HTML (status-view.h).  The page is
 * written into a memory stream; every string from the document goes
 * through html_text(), which escapes it.
 */

#include <config.h>

#include "status-view.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The page's style: readable tables, health in colour (with words too,
 * for those who cannot tell the colours apart). */
static const char style[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:1.5em}"
    "th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left;"
    "vertical-align:top}"
    "th{background:#eee}"
    ".True,.Healthy{color:#176d17;font-weight:bold}"
    ".False,.Degraded{color:#b01c1c;font-weight:bold}"
    ".Unknown{color:#9a6700;font-weight:bold}"
    ".warning{background:#fff4d6;border:1px solid #e0b84c;padding:.5em}"
    ".stale{color:#b01c1c}"
    "td.num{text-align:right}"
    "footer{color:#666;font-size:small}";

/* Writes 'text' (NULL: nothing) to 'f', HTML-escaped. */
static void
html_text(FILE *f, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            putc(*p, f);
            break;
        }
    }
}

/* Returns 'text' HTML-escaped (status-view.h). */
char *
status_view_escape(const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        out_of_memory();
    }
    html_text(f, text);
    if (fclose(f)) {
        out_of_memory();
    }
    return buf;
}

/* Returns string member 'key' of 'obj', or NULL. */
static const char *
get_string(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Writes integer member 'key' of 'obj' to 'f', or a dash if it has
 * none. */
static void
html_integer(FILE *f, const json_t *obj, const char *key)
{
    const json_t *value = json_object_get(obj, key);
    if (json_is_integer(value)) {
        fprintf(f, "%lld", (long long) json_integer_value(value));
    } else {
        fputs("&ndash;", f);
    }
}

/* Writes a condition status ("True", "False", "Unknown") as a styled
 * word. */
static void
html_status(FILE *f, const char *status)
{
    const char *s = status ? status : "Unknown";
    const char *class = (!strcmp(s, "True") || !strcmp(s, "False")
                         ? s : "Unknown");
    fprintf(f, "<span class=\"%s\">", class);
    html_text(f, s);
    fputs("</span>", f);
}

/* Writes the heartbeat of component 'entry': its time and age, marked
 * when stale. */
static void
html_heartbeat(FILE *f, const json_t *entry)
{
    const char *when = get_string(entry, "lastHeartbeatTime");
    const json_t *age = json_object_get(entry, "heartbeatAgeSeconds");
    bool stale = json_is_true(json_object_get(entry, "stale"));

    if (!when) {
        fputs("&ndash;", f);
        return;
    }
    fprintf(f, "<span%s>", stale ? " class=\"stale\"" : "");
    html_text(f, when);
    if (json_is_integer(age)) {
        fprintf(f, " (%lld s ago%s)", (long long) json_integer_value(age),
                stale ? ", stale" : "");
    }
    fputs("</span>", f);
}

/* Writes the conditions of 'entry' that are not True, or "all True". */
static void
html_conditions(FILE *f, const json_t *entry)
{
    const json_t *conditions = json_object_get(entry, "conditions");
    size_t i;
    const json_t *c;
    bool any = false;

    json_array_foreach (conditions, i, c) {
        const char *status = get_string(c, "status");
        if (status && !strcmp(status, "True")) {
            continue;
        }
        fputs(any ? "<br>" : "", f);
        any = true;
        html_text(f, get_string(c, "type"));
        fputs(": ", f);
        html_status(f, status);
        const char *reason = get_string(c, "reason");
        const char *message = get_string(c, "message");
        if (reason || message) {
            fputs(" &ndash; ", f);
            html_text(f, reason);
            fputs(reason && message ? ": " : "", f);
            html_text(f, message);
        }
    }
    if (!any) {
        fputs(json_array_size(conditions) ? "all True" : "none reported",
              f);
    }
}

/* Writes the notice for a kind of object that cannot be read. */
static void
html_source(FILE *f, const char *plural, const json_t *source)
{
    if (!source || json_is_true(json_object_get(source, "available"))) {
        return;
    }
    fputs("<p class=\"warning\" id=\"source-", f);
    html_text(f, plural);
    fputs("\">", f);
    html_text(f, get_string(source, "kind"));
    fputs(" objects cannot be read: ", f);
    html_text(f, get_string(source, "error"));
    fputs(". ", f);
    if (json_is_true(json_object_get(source, "crdMissing"))) {
        fputs("The CustomResourceDefinition ", f);
        html_text(f, plural);
        fputs(".crd.antrea.io is not installed (apply "
              "etc/manifests/parts/crds.yml). ", f);
    }
    const json_t *retry = json_object_get(source, "retryInSeconds");
    if (json_is_integer(retry) && json_integer_value(retry) > 0) {
        fprintf(f, "Retrying in %lld s.",
                (long long) json_integer_value(retry));
    } else {
        fputs("Retrying.", f);
    }
    fputs("</p>\n", f);
}

/* Writes the controller's section. */
static void
html_controller(FILE *f, const json_t *c)
{
    fputs("<h2>Controller</h2>\n<table id=\"controller\">\n", f);
    fputs("<tr><th>Name</th><td>", f);
    html_text(f, get_string(c, "name"));
    fputs("</td></tr>\n<tr><th>Version</th><td>", f);
    html_text(f, get_string(c, "version"));
    fputs("</td></tr>\n<tr><th>Healthy</th><td>", f);
    html_status(f, get_string(c, "healthy"));
    if (!json_is_true(json_object_get(c, "reported"))) {
        fputs(" (its own state: no AntreaControllerInfo yet)", f);
    }
    fputs("</td></tr>\n<tr><th>Last heartbeat</th><td>", f);
    html_heartbeat(f, c);
    fputs("</td></tr>\n<tr><th>Node</th><td>", f);
    const char *node = get_string(c, "node");
    if (node) {
        html_text(f, node);
    } else {
        fputs("&ndash;", f);
    }
    fputs("</td></tr>\n<tr><th>Conditions</th><td>", f);
    html_conditions(f, c);
    fputs("</td></tr>\n<tr><th>NetworkPolicies</th><td class=\"num\">", f);
    html_integer(f, c, "networkPolicyNum");
    fputs("</td></tr>\n<tr><th>AddressGroups</th><td class=\"num\">", f);
    html_integer(f, c, "addressGroupNum");
    fputs("</td></tr>\n<tr><th>AppliedToGroups</th><td class=\"num\">", f);
    html_integer(f, c, "appliedToGroupNum");
    fputs("</td></tr>\n<tr><th>Connected agents</th><td class=\"num\">", f);
    html_integer(f, c, "connectedAgentNum");
    fputs("</td></tr>\n</table>\n", f);
}

/* Writes the per-table flow counts of agent 'a' under its total. */
static void
html_flows(FILE *f, const json_t *a)
{
    const json_t *tables = json_object_get(a, "flowTable");
    html_integer(f, a, "flowCount");
    if (json_object_size(tables)) {
        const char *table;
        json_t *count;
        fputs("<details><summary>per table</summary>", f);
        json_object_foreach (CONST_CAST(json_t *, tables), table, count) {
            html_text(f, table);
            fprintf(f, ": %lld<br>",
                    (long long) json_integer_value(count));
        }
        fputs("</details>", f);
    }
}

/* Writes the agents' section. */
static void
html_agents(FILE *f, const json_t *agents)
{
    size_t i;
    const json_t *a;

    fprintf(f, "<h2>Agents (%zu)</h2>\n", json_array_size(agents));
    fputs("<table id=\"agents\">\n<thead><tr><th>Node</th><th>Healthy</th>"
          "<th>Last heartbeat</th><th>Version</th><th>Pods</th>"
          "<th>Flows</th><th>NetworkPolicies</th><th>Subnets</th>"
          "<th>Conditions not True</th></tr></thead>\n<tbody>\n", f);
    json_array_foreach (agents, i, a) {
        const char *node = get_string(a, "node");
        fputs("<tr id=\"agent-", f);
        html_text(f, node);
        fputs("\"><td class=\"node\">", f);
        html_text(f, node);
        fputs("</td><td class=\"healthy\">", f);
        html_status(f, get_string(a, "healthy"));
        fputs("</td><td class=\"heartbeat\">", f);
        html_heartbeat(f, a);
        fputs("</td><td class=\"version\">", f);
        html_text(f, get_string(a, "version"));
        fputs("</td><td class=\"num pods\">", f);
        html_integer(f, a, "localPodNum");
        fputs("</td><td class=\"num flows\">", f);
        html_flows(f, a);
        fputs("</td><td class=\"num policies\">", f);
        html_integer(f, a, "networkPolicyNum");
        fputs("</td><td class=\"subnets\">", f);
        size_t j;
        const json_t *subnet;
        json_array_foreach (json_object_get(a, "nodeSubnets"), j, subnet) {
            fputs(j ? ", " : "", f);
            html_text(f, json_string_value(subnet));
        }
        fputs("</td><td class=\"conditions\">", f);
        html_conditions(f, a);
        fputs("</td></tr>\n", f);
    }
    if (!json_array_size(agents)) {
        fputs("<tr><td colspan=\"9\">No agent has reported.</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

/* Writes the policies' section. */
static void
html_policies(FILE *f, const json_t *policies)
{
    size_t i;
    const json_t *p;

    fprintf(f, "<h2>NetworkPolicies (%zu)</h2>\n",
            json_array_size(policies));
    fputs("<table id=\"policies\">\n<thead><tr><th>Namespace</th>"
          "<th>Name</th><th>Rules (ingress / egress)</th>"
          "<th>AppliedToGroups</th><th>Span (Nodes)</th>"
          "<th>Internal name</th></tr></thead>\n<tbody>\n", f);
    json_array_foreach (policies, i, p) {
        const char *ns = get_string(p, "namespace");
        const char *name = get_string(p, "policyName");
        fputs("<tr id=\"policy-", f);
        html_text(f, ns);
        fputs("-", f);
        html_text(f, name);
        fputs("\"><td class=\"namespace\">", f);
        html_text(f, ns);
        fputs("</td><td class=\"name\">", f);
        html_text(f, name);
        fputs("</td><td class=\"num rules\">", f);
        html_integer(f, p, "ingressRules");
        fputs(" / ", f);
        html_integer(f, p, "egressRules");
        fputs("</td><td class=\"groups\">", f);
        size_t j;
        const json_t *v;
        json_array_foreach (json_object_get(p, "appliedToGroups"), j, v) {
            fputs(j ? "<br>" : "", f);
            html_text(f, json_string_value(v));
        }
        fputs("</td><td class=\"span\">", f);
        const json_t *span = json_object_get(p, "span");
        fprintf(f, "<span class=\"span-size\">%zu</span>: ",
                json_array_size(span));
        json_array_foreach (span, j, v) {
            fputs(j ? ", " : "", f);
            fputs("<span class=\"span-node\">", f);
            html_text(f, json_string_value(v));
            fputs("</span>", f);
        }
        fputs("</td><td class=\"internal\">", f);
        html_text(f, get_string(p, "name"));
        fputs("</td></tr>\n", f);
    }
    if (!json_array_size(policies)) {
        fputs("<tr><td colspan=\"6\">No NetworkPolicy.</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

/* Renders 'model' as the page (status-view.h). */
char *
status_view_html(const json_t *model, int refresh_seconds, size_t *lenp)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        out_of_memory();
    }

    const json_t *health = json_object_get(model, "health");
    const json_t *totals = json_object_get(model, "totals");
    const char *status = get_string(health, "status");
    const char *class = (status && (!strcmp(status, "Healthy")
                                    || !strcmp(status, "Degraded"))
                         ? status : "Unknown");

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\">\n", f);
    if (refresh_seconds > 0) {
        fprintf(f, "<meta http-equiv=\"refresh\" content=\"%d\">\n",
                refresh_seconds);
    }
    fprintf(f, "<title>Antrea cluster status</title>\n"
            "<style>%s</style>\n</head>\n<body>\n"
            "<h1>Antrea cluster status</h1>\n", style);

    fprintf(f, "<p id=\"health\">Cluster health: <span class=\"%s\">",
            class);
    html_text(f, status ? status : "Unknown");
    fputs("</span> &ndash; <span id=\"healthy-agents\">", f);
    html_integer(f, totals, "healthyAgents");
    fputs("</span> of <span id=\"total-agents\">", f);
    html_integer(f, totals, "agents");
    fputs("</span> agents healthy, <span id=\"total-pods\">", f);
    html_integer(f, totals, "pods");
    fputs("</span> Pods, <span id=\"total-flows\">", f);
    html_integer(f, totals, "flows");
    fputs("</span> flows, <span id=\"total-policies\">", f);
    html_integer(f, totals, "networkPolicies");
    fputs("</span> NetworkPolicies.</p>\n", f);

    const json_t *problems = json_object_get(health, "problems");
    if (json_array_size(problems)) {
        size_t i;
        const json_t *problem;
        fputs("<ul id=\"problems\">\n", f);
        json_array_foreach (problems, i, problem) {
            fputs("<li>", f);
            html_text(f, json_string_value(problem));
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }

    const json_t *sources = json_object_get(model, "sources");
    html_source(f, "antreaagentinfos",
                json_object_get(sources, "antreaagentinfos"));
    html_source(f, "antreacontrollerinfos",
                json_object_get(sources, "antreacontrollerinfos"));

    html_controller(f, json_object_get(model, "controller"));
    html_agents(f, json_object_get(model, "agents"));
    html_policies(f, json_object_get(model, "networkPolicies"));

    fputs("<footer>Generated at ", f);
    html_text(f, get_string(model, "generatedAt"));
    fputs(" by antrea-controller. The same data as JSON: "
          "<a href=\"status.json\">status.json</a>.", f);
    if (refresh_seconds > 0) {
        fprintf(f, " This page reloads every %d s.", refresh_seconds);
    }
    fputs("</footer>\n</body>\n</html>\n", f);

    if (fclose(f)) {
        out_of_memory();
    }
    if (lenp) {
        *lenp = len;
    }
    return buf;
}
