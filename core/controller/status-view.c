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

/* Writes the strings of array 'values' (NULL: none), HTML-escaped and
 * separated by 'separator' (markup), each in a <span> of class
 * 'item_class' unless that is NULL. */
static void
html_string_list(FILE *f, const json_t *values, const char *separator,
                 const char *item_class)
{
    size_t i;
    const json_t *v;

    json_array_foreach (values, i, v) {
        fputs(i ? separator : "", f);
        if (item_class) {
            fprintf(f, "<span class=\"%s\">", item_class);
        }
        html_text(f, json_string_value(v));
        if (item_class) {
            fputs("</span>", f);
        }
    }
}

/* Writes the start of a section: heading 'title' with its 'n_rows',
 * table 'id' with the NULL-terminated header cells 'columns', and the
 * start of its body. */
static void
html_table_start(FILE *f, const char *title, const char *id, size_t n_rows,
                 const char *const *columns)
{
    fprintf(f, "<h2>%s (%zu)</h2>\n", title, n_rows);
    fprintf(f, "<table id=\"%s\">\n<thead><tr>", id);
    for (size_t i = 0; columns[i]; i++) {
        fprintf(f, "<th>%s</th>", columns[i]);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
}

/* Writes the end of a section's table of 'n_columns': if it has no rows,
 * one cell across them all that says 'empty'. */
static void
html_table_end(FILE *f, size_t n_rows, size_t n_columns, const char *empty)
{
    if (!n_rows) {
        fprintf(f, "<tr><td colspan=\"%zu\">%s</td></tr>\n", n_columns,
                empty);
    }
    fputs("</tbody>\n</table>\n", f);
}

/* Starts a section's row with id "'kind'-'name'" (or "'kind'-'ns'-'name'"
 * if 'ns' is non-NULL; both escaped) and its first cell, of class
 * 'class'. */
static void
html_row_start(FILE *f, const char *kind, const char *ns, const char *name,
               const char *class)
{
    fprintf(f, "<tr id=\"%s-", kind);
    if (ns) {
        html_text(f, ns);
        fputs("-", f);
    }
    html_text(f, name);
    fprintf(f, "\"><td class=\"%s\">", class);
}

/* Ends the cell in progress and starts the next, of class 'class'. */
static void
html_next_cell(FILE *f, const char *class)
{
    fprintf(f, "</td><td class=\"%s\">", class);
}

/* Ends the controller table's row in progress and starts the next, with
 * header 'header' and a value cell of class 'class' (NULL: none). */
static void
html_next_field(FILE *f, const char *header, const char *class)
{
    fprintf(f, "</td></tr>\n<tr><th>%s</th><td", header);
    if (class) {
        fprintf(f, " class=\"%s\"", class);
    }
    fputs(">", f);
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
    /* The object counts, one row each. */
    static const struct {
        const char *header;     /* the row's header */
        const char *key;        /* the integer member of 'c' shown */
    } counts[] = {
        { "NetworkPolicies", "networkPolicyNum" },
        { "AddressGroups", "addressGroupNum" },
        { "AppliedToGroups", "appliedToGroupNum" },
        { "Connected agents", "connectedAgentNum" },
    };

    fputs("<h2>Controller</h2>\n<table id=\"controller\">\n", f);
    fputs("<tr><th>Name</th><td>", f);
    html_text(f, get_string(c, "name"));
    html_next_field(f, "Version", NULL);
    html_text(f, get_string(c, "version"));
    html_next_field(f, "Healthy", NULL);
    html_status(f, get_string(c, "healthy"));
    if (!json_is_true(json_object_get(c, "reported"))) {
        fputs(" (its own state: no AntreaControllerInfo yet)", f);
    }
    html_next_field(f, "Last heartbeat", NULL);
    html_heartbeat(f, c);
    html_next_field(f, "Node", NULL);
    const char *node = get_string(c, "node");
    if (node) {
        html_text(f, node);
    } else {
        fputs("&ndash;", f);
    }
    html_next_field(f, "Conditions", NULL);
    html_conditions(f, c);
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
        html_next_field(f, counts[i].header, "num");
        html_integer(f, c, counts[i].key);
    }
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
    static const char *const columns[] = {
        "Node", "Healthy", "Last heartbeat", "Version", "Pods", "Flows",
        "NetworkPolicies", "Subnets", "Conditions not True", NULL,
    };
    size_t i;
    const json_t *a;

    html_table_start(f, "Agents", "agents", json_array_size(agents),
                     columns);
    json_array_foreach (agents, i, a) {
        const char *node = get_string(a, "node");
        html_row_start(f, "agent", NULL, node, "node");
        html_text(f, node);
        html_next_cell(f, "healthy");
        html_status(f, get_string(a, "healthy"));
        html_next_cell(f, "heartbeat");
        html_heartbeat(f, a);
        html_next_cell(f, "version");
        html_text(f, get_string(a, "version"));
        html_next_cell(f, "num pods");
        html_integer(f, a, "localPodNum");
        html_next_cell(f, "num flows");
        html_flows(f, a);
        html_next_cell(f, "num policies");
        html_integer(f, a, "networkPolicyNum");
        html_next_cell(f, "subnets");
        html_string_list(f, json_object_get(a, "nodeSubnets"), ", ", NULL);
        html_next_cell(f, "conditions");
        html_conditions(f, a);
        fputs("</td></tr>\n", f);
    }
    html_table_end(f, json_array_size(agents), ARRAY_SIZE(columns) - 1,
                   "No agent has reported.");
}

/* Writes the policies' section. */
static void
html_policies(FILE *f, const json_t *policies)
{
    static const char *const columns[] = {
        "Namespace", "Name", "Rules (ingress / egress)", "AppliedToGroups",
        "Span (Nodes)", "Internal name", NULL,
    };
    size_t i;
    const json_t *p;

    html_table_start(f, "NetworkPolicies", "policies",
                     json_array_size(policies), columns);
    json_array_foreach (policies, i, p) {
        const char *ns = get_string(p, "namespace");
        const char *name = get_string(p, "policyName");
        html_row_start(f, "policy", ns, name, "namespace");
        html_text(f, ns);
        html_next_cell(f, "name");
        html_text(f, name);
        html_next_cell(f, "num rules");
        html_integer(f, p, "ingressRules");
        fputs(" / ", f);
        html_integer(f, p, "egressRules");
        html_next_cell(f, "groups");
        html_string_list(f, json_object_get(p, "appliedToGroups"), "<br>",
                         NULL);
        html_next_cell(f, "span");
        const json_t *span = json_object_get(p, "span");
        fprintf(f, "<span class=\"span-size\">%zu</span>: ",
                json_array_size(span));
        html_string_list(f, span, ", ", "span-node");
        html_next_cell(f, "internal");
        html_text(f, get_string(p, "name"));
        fputs("</td></tr>\n", f);
    }
    html_table_end(f, json_array_size(policies), ARRAY_SIZE(columns) - 1,
                   "No NetworkPolicy.");
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
        fputs("<ul id=\"problems\">\n<li>", f);
        html_string_list(f, problems, "</li>\n<li>", NULL);
        fputs("</li>\n</ul>\n", f);
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
