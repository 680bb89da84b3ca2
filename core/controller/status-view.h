/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The status page's HTML: the document of status-model.h rendered on the
 * server as one self-contained page (inline CSS, no JavaScript, no
 * external resources) that refreshes itself with a meta refresh.  Every
 * text from the cluster is HTML-escaped, so an object name or a condition
 * message cannot inject markup.
 *
 * Elements that tests and scripts look for carry stable ids: "health"
 * (the cluster's health), "controller", "agents" (a table whose rows are
 * "agent-NODE"), "policies" (rows "policy-NAMESPACE-NAME"), and
 * "source-antreaagentinfos" / "source-antreacontrollerinfos" when a kind
 * of object cannot be read.
 */

#ifndef STATUS_VIEW_H
#define STATUS_VIEW_H 1

#include <jansson.h>
#include <stddef.h>

/* Returns the page for status document 'model' as a malloc'd,
 * NUL-terminated string, its length in '*lenp' (if not NULL), refreshing
 * every 'refresh_seconds' (0: never). */
char *status_view_html(const json_t *model, int refresh_seconds,
                       size_t *lenp);

/* Returns 'text' HTML-escaped (& < > " ') in a malloc'd string; NULL is
 * rendered as "". */
char *status_view_escape(const char *text);

#endif /* status-view.h */
