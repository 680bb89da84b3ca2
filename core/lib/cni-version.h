/*
 * Copyright (c) 2026 The antrea-c authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * The CNI spec versions antrea-cni and the agent's CNI server speak, and
 * version negotiation: a network configuration names the one version
 * ("cniVersion") whose formats the runtime expects; a version that is not
 * in the list below is refused with INCOMPATIBLE_CNI_VERSION.
 *
 * 0.1.0 and 0.2.0, whose result format ("ip4"/"ip6") no runtime of the
 * last years asks for, are not supported.
 */

#ifndef CNI_VERSION_H
#define CNI_VERSION_H 1

#include <stdbool.h>
#include <stddef.h>

struct cni_error;
struct json_t;

/* The newest version we speak: what VERSION reports when nothing else is
 * known, and the version of error JSON when the request's is unknown. */
#define CNI_VERSION_LATEST "1.1.0"

/* The supported versions, oldest first. */
extern const char *const cni_supported_versions[];
extern const size_t cni_n_supported_versions;

bool cni_version_is_supported(const char *version);
int cni_version_check(const char *version, struct cni_error *);
bool cni_version_parse(const char *version, int *major, int *minor,
                       int *patch);
int cni_version_compare(const char *a, const char *b);
bool cni_version_at_least(const char *version, const char *minimum);
char *cni_version_list(void);

/* VERSION's output. */
struct json_t *cni_version_info(const char *cni_version);

#endif /* cni-version.h */
